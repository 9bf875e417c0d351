// SPDX-License-Identifier: GPL-2.0
/*
 * names.c - the namespace (struct names): what the script's names are
 * bound to (a handle on an object, a type id), the types registered, and
 * each object's label and type for descriptors.  Binding a name takes
 * the new handle before dropping the old one, as Python assignment does;
 * the drop is an op, so it goes through the executor (exec.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/**
 * ip_sym() - the bindings of an interned name
 * @ip: the interpreter.
 * @idx: its index in @ip->ns.strs.
 *
 * Return: the bindings, zero if never bound.
 */
struct sym *ip_sym(struct interp *ip, uint32_t idx)
{
	if (idx >= ip->ns.nsyms) {
		uint32_t n = ip->ns.strs.n > idx ? ip->ns.strs.n : idx + 1;

		n = n < 64 ? 64 : n * 2;
		ip->ns.syms = xrealloc(ip->ns.syms, n * sizeof(*ip->ns.syms));
		memset(ip->ns.syms + ip->ns.nsyms, 0,
		       (n - ip->ns.nsyms) * sizeof(*ip->ns.syms));
		ip->ns.nsyms = n;
	}
	return &ip->ns.syms[idx];
}

/**
 * ip_name() - word @i of @c as a name
 * @ip: the interpreter.
 * @c: the command.
 * @i: the word.
 *
 * Return: the name's index, or -EINVAL (message set) if it is not one.
 */
int ip_name(struct interp *ip, struct cmd *c, int i)
{
	if (c->sym[i] < 0)
		return ip_error(ip, -EINVAL, c->tok[i].col,
				"'%s' is not a name", c->tok[i].s);
	return c->sym[i];
}

/*
 * What name argument @i is bound to: into *@obj its object, or into
 * *@type its type id (exactly one of them is given).  It is set whenever
 * the word is a name, to 0 if the name holds none.
 */
static int ip_bound(struct interp *ip, struct cmd *c, int i, uint64_t *obj,
		    uint32_t *type)
{
	int s = ip_name(ip, c, i);
	struct sym *sym;
	bool bound;

	if (s < 0)
		return s;
	sym = ip_sym(ip, (uint32_t)s);
	if (obj) {
		*obj = sym->obj;
		bound = *obj;
	} else {
		*type = sym->type;
		bound = *type;
	}
	if (bound)
		return 0;
	return ip_error(ip, -ENOENT, c->tok[i].col,
			obj ? "unbound name '%s'" : "unknown type '%s'",
			c->tok[i].s);
}

/**
 * ip_obj() - the object a name argument holds
 * @ip: the interpreter.
 * @c: the command.
 * @i: the word.
 * @id: set to the object.
 *
 * Return: 0, -EINVAL for a word that is not a name, -ENOENT for an
 * unbound name.
 */
int ip_obj(struct interp *ip, struct cmd *c, int i, uint64_t *id)
{
	return ip_bound(ip, c, i, id, NULL);
}

/**
 * ip_type_lookup() - a type argument
 * @ip: the interpreter.
 * @c: the command.
 * @i: the word.
 * @type: set to the type id.
 *
 * Return: 0, -EINVAL, or -ENOENT for a type never registered.
 */
int ip_type_lookup(struct interp *ip, struct cmd *c, int i, uint32_t *type)
{
	return ip_bound(ip, c, i, NULL, type);
}

/**
 * ip_add_type() - remember a registered type
 * @ip: the interpreter.
 * @id: its id.
 * @name: its interned name.
 * @flags: its REFGC_TYPE_* bits.
 */
void ip_add_type(struct interp *ip, uint32_t id, uint32_t name,
		 uint32_t flags)
{
	if (id >= ip->ns.ntypes) {
		uint32_t n = id < 16 ? 32 : id * 2;

		ip->ns.types = xrealloc(ip->ns.types, n * sizeof(*ip->ns.types));
		memset(ip->ns.types + ip->ns.ntypes, 0,
		       (n - ip->ns.ntypes) * sizeof(*ip->ns.types));
		ip->ns.ntypes = n;
	}
	ip->ns.types[id].name = name;
	ip->ns.types[id].flags = flags;
	ip_sym(ip, name)->type = id;
}

/**
 * ip_type_name() - a type's name
 * @ip: the interpreter.
 * @type: the type id.
 *
 * Return: the name, or "?" for a type this script did not register.
 */
const char *ip_type_name(struct interp *ip, uint32_t type)
{
	if (!type || type >= ip->ns.ntypes || !ip->ns.types[type].name)
		return type == REFGC_TYPE_WEAKREF_ID ? "weakref" : "?";
	return ip->ns.strs.strs[ip->ns.types[type].name];
}

/**
 * ip_set_meta() - record an object's label and type
 * @ip: the interpreter.
 * @id: the object.
 * @label: the interned name it was created under, or -1.
 * @type: its type id.
 */
void ip_set_meta(struct interp *ip, uint64_t id, int32_t label,
		 uint32_t type)
{
	idmap_put(&ip->ns.meta, id, ((uint64_t)(label + 1) << 16) | type);
}

/**
 * ip_label() - an object's label
 * @ip: the interpreter.
 * @id: the object.
 *
 * Return: the name it was created under, or NULL.
 */
const char *ip_label(struct interp *ip, uint64_t id)
{
	uint64_t v;

	if (!idmap_get(&ip->ns.meta, id, &v) || !(v >> 16))
		return NULL;
	return ip->ns.strs.strs[(v >> 16) - 1];
}

/**
 * ip_obj_type() - an object's type id
 * @ip: the interpreter.
 * @id: the object.
 *
 * Return: the type id, asking the module if need be; 0 if unknown.
 */
uint32_t ip_obj_type(struct interp *ip, uint64_t id)
{
	struct refgc_info info;
	uint64_t v;

	if (idmap_get(&ip->ns.meta, id, &v))
		return (uint32_t)(v & 0xffff);
	if (ip->ex.mode == IX_NOW && !refgc_info(ip->fd, id, &info))
		return info.type;
	return 0;
}

/**
 * ix_bind() - bind a name to an object, Python-assignment style
 * @ip: the interpreter.
 * @sym: the name.
 * @id: the object; the caller has taken the handle the name will hold.
 *
 * The name's old handle, if any, is dropped after the new one is taken.
 *
 * Return: 0 or -errno from dropping the old handle.
 */
int ix_bind(struct interp *ip, uint32_t sym, uint64_t id)
{
	struct sym *s = ip_sym(ip, sym);
	uint64_t old = s->obj;

	s->obj = id;
	if (!old)
		return 0;
	return ix_op(ip, REFGC_OP_DECREF, old, 0, 0, NULL);
}

/**
 * ix_unbind() - unbind a name, dropping its handle (del name)
 * @ip: the interpreter.
 * @sym: the name.
 *
 * Return: 0 or -errno.
 */
int ix_unbind(struct interp *ip, uint32_t sym)
{
	struct sym *s = ip_sym(ip, sym);
	uint64_t old = s->obj;

	s->obj = 0;
	if (!old)
		return 0;
	return ix_op(ip, REFGC_OP_DECREF, old, 0, 0, NULL);
}

/**
 * names_free() - release the namespace
 * @ns: the namespace.
 */
void names_free(struct names *ns)
{
	strtab_free(&ns->strs);
	idmap_free(&ns->meta);
	free(ns->syms);
	free(ns->types);
}
