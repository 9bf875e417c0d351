// SPDX-License-Identifier: GPL-2.0
/*
 * interp.c - the interpreter's state: names and the handles they hold,
 * labels and types for descriptors, error messages, and ix_*(), through
 * which commands run object operations (at once, queued in the batch of
 * `repeat`, or dropped while a failed batch is replayed).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/**
 * ip_init() - a fresh interpreter on an arena
 * @ip: zeroed by the call.
 * @fd: the arena.
 * @json: --json mode.
 *
 * Return: 0 or -errno.
 */
int ip_init(struct interp *ip, int fd, bool json)
{
	uint32_t wname;
	int r;

	memset(ip, 0, sizeof(*ip));
	ip->fd = fd;
	ip->out.json = json;
	ip->out.f = stdout;
	r = refgc_batch_init(&ip->batch, fd);
	if (r)
		return r;
	wname = strtab_intern(&ip->strs, REFGC_TYPE_WEAKREF_NAME,
			      strlen(REFGC_TYPE_WEAKREF_NAME));
	ip_add_type(ip, REFGC_TYPE_WEAKREF_ID, wname, 0);
	return 0;
}

/**
 * ip_init_offline() - an interpreter with no arena, to parse (check) only
 * @ip: zeroed by the call.
 * @json: --json mode.
 */
void ip_init_offline(struct interp *ip, bool json)
{
	memset(ip, 0, sizeof(*ip));
	ip->fd = -1;
	ip->out.json = json;
	ip->out.f = stdout;
}

/**
 * ip_free() - release the interpreter (not the arena)
 * @ip: the interpreter.
 */
void ip_free(struct interp *ip)
{
	fin_free(ip);
	refgc_batch_free(&ip->batch);
	strtab_free(&ip->strs);
	idmap_free(&ip->meta);
	sb_free(&ip->err);
	sb_free(&ip->out.sb);
	free(ip->syms);
	free(ip->types);
	free(ip->tag);
	free(ip->tag_it);
	free(ip->pool);
	free(ip->growth);
}

/**
 * ip_error() - set the failing command's message
 * @ip: the interpreter.
 * @err: the negative errno to return.
 * @col: the column it points at, or 0.
 * @fmt: the message.
 *
 * Return: @err.
 */
int ip_error(struct interp *ip, int err, int col, const char *fmt, ...)
{
	va_list ap;

	sb_reset(&ip->err);
	if (col > 0)
		sb_printf(&ip->err, "line %d, column %d: ", ip->line, col);
	else
		sb_printf(&ip->err, "line %d: ", ip->line);
	ip->err_col = col;
	ip->err_pfx = ip->err.len;
	va_start(ap, fmt);
	sb_vprintf(&ip->err, fmt, ap);
	va_end(ap);
	return err;
}

/**
 * ip_kerr() - set the message of a command the module refused
 * @ip: the interpreter.
 * @err: the negative errno.
 * @c: the command.
 *
 * Return: @err.
 */
int ip_kerr(struct interp *ip, int err, struct cmd *c)
{
	struct strbuf sb = { 0 };
	int i;

	for (i = 0; i < c->ntok; i++) {
		if (i)
			sb_putc(&sb, ' ');
		sb_puts(&sb, c->tok[i].s);
	}
	ip_error(ip, err, 0, "%s: %s (%s)", sb_str(&sb), strerror(-err),
		 errno_name(err));
	ip->err_col = c->ntok ? c->tok[0].col : 0;
	sb_free(&sb);
	return err;
}

/**
 * ip_sym() - the bindings of an interned name
 * @ip: the interpreter.
 * @idx: its index in @ip->strs.
 *
 * Return: the bindings, zero if never bound.
 */
struct sym *ip_sym(struct interp *ip, uint32_t idx)
{
	if (idx >= ip->nsyms) {
		uint32_t n = ip->strs.n > idx ? ip->strs.n : idx + 1;

		n = n < 64 ? 64 : n * 2;
		ip->syms = xrealloc(ip->syms, n * sizeof(*ip->syms));
		memset(ip->syms + ip->nsyms, 0,
		       (n - ip->nsyms) * sizeof(*ip->syms));
		ip->nsyms = n;
	}
	return &ip->syms[idx];
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
	int s = ip_name(ip, c, i);

	if (s < 0)
		return s;
	*id = ip_sym(ip, (uint32_t)s)->obj;
	if (!*id)
		return ip_error(ip, -ENOENT, c->tok[i].col,
				"unbound name '%s'", c->tok[i].s);
	return 0;
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
	int s = ip_name(ip, c, i);

	if (s < 0)
		return s;
	*type = ip_sym(ip, (uint32_t)s)->type;
	if (!*type)
		return ip_error(ip, -ENOENT, c->tok[i].col,
				"unknown type '%s'", c->tok[i].s);
	return 0;
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
	if (id >= ip->ntypes) {
		uint32_t n = id < 16 ? 32 : id * 2;

		ip->types = xrealloc(ip->types, n * sizeof(*ip->types));
		memset(ip->types + ip->ntypes, 0,
		       (n - ip->ntypes) * sizeof(*ip->types));
		ip->ntypes = n;
	}
	ip->types[id].name = name;
	ip->types[id].flags = flags;
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
	if (!type || type >= ip->ntypes || !ip->types[type].name)
		return type == REFGC_TYPE_WEAKREF_ID ? "weakref" : "?";
	return ip->strs.strs[ip->types[type].name];
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
	idmap_put(&ip->meta, id, ((uint64_t)(label + 1) << 16) | type);
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

	if (!idmap_get(&ip->meta, id, &v) || !(v >> 16))
		return NULL;
	return ip->strs.strs[(v >> 16) - 1];
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

	if (idmap_get(&ip->meta, id, &v))
		return (uint32_t)(v & 0xffff);
	if (ip->mode == IX_NOW && !refgc_info(ip->fd, id, &info))
		return info.type;
	return 0;
}

/**
 * out_desc_t() - write an object descriptor {"id", "type", "label"}
 * @ip: the interpreter.
 * @key: the member name, or NULL inside an array.
 * @id: the object.
 * @type: its type id.
 */
void out_desc_t(struct interp *ip, const char *key, uint64_t id,
		uint32_t type)
{
	struct out *o = &ip->out;

	if (o->mute)
		return;
	out_obj_begin(o, key);
	out_u64(o, "id", id);
	out_str(o, "type", ip_type_name(ip, type));
	out_str(o, "label", ip_label(ip, id));
	out_obj_end(o);
}

/**
 * out_desc() - write an object descriptor, looking its type up
 * @ip: the interpreter.
 * @key: the member name, or NULL inside an array.
 * @id: the object.
 */
void out_desc(struct interp *ip, const char *key, uint64_t id)
{
	if (!ip->out.mute)
		out_desc_t(ip, key, id, ip_obj_type(ip, id));
}

/**
 * print_desc() - a descriptor for people: <type label #id>
 * @ip: the interpreter.
 * @id: the object.
 * @type: its type id.
 */
void print_desc(struct interp *ip, uint64_t id, uint32_t type)
{
	const char *label = ip_label(ip, id);

	fprintf(ip->out.f, "<%s %s#%llu>", ip_type_name(ip, type),
		label ? label : "", (unsigned long long)id);
}

static void tag_op(struct interp *ip, uint32_t idx)
{
	if (idx >= ip->tag_cap) {
		ip->tag_cap = ip->tag_cap ? ip->tag_cap * 2 : 1024;
		ip->tag = xrealloc(ip->tag, ip->tag_cap * sizeof(*ip->tag));
		ip->tag_it = xrealloc(ip->tag_it,
				      ip->tag_cap * sizeof(*ip->tag_it));
	}
	ip->tag[idx] = ip->cur_ci;
	ip->tag_it[idx] = ip->cur_it;
}

/**
 * ix_op() - run an object operation the way the interpreter runs them now
 * @ip: the interpreter.
 * @code: REFGC_OP_*.
 * @id: operand.
 * @arg: operand.
 * @arg2: operand.
 * @result: set to the op's result; must be NULL unless in IX_NOW mode.
 *
 * Return: 0 or -errno (queued and dropped ops return 0).
 */
int ix_op(struct interp *ip, uint32_t code, uint64_t id, uint64_t arg,
	  uint64_t arg2, uint64_t *result)
{
	struct refgc_op op = {
		.op = code, .id = id, .arg = arg, .arg2 = arg2,
	};
	int r;

	switch (ip->mode) {
	case IX_DRY:
		return 0;
	case IX_BATCH:
		if (result)
			return -EINVAL;
		r = refgc_batch_add_op(&ip->batch, &op);
		if (r < 0)
			return r;
		tag_op(ip, (uint32_t)r);
		return 0;
	case IX_NOW:
		break;
	}
	r = refgc_op(ip->fd, &op);
	if (!r && result)
		*result = op.result;
	return r;
}

/**
 * ix_new() - a new object with one handle
 * @ip: the interpreter.
 * @type: its type.
 * @bytes: payload bytes.
 * @id: set to its id.
 *
 * In batch mode the object comes from @ip->pool when there is one (made
 * ahead by `repeat`); otherwise the queued ops are flushed and the object
 * is made at once, so that order is kept.
 *
 * Return: 0 or -errno.
 */
int ix_new(struct interp *ip, uint32_t type, uint64_t bytes, uint64_t *id)
{
	int r;

	if (ip->mode != IX_NOW && ip->pool_pos < ip->pool_n) {
		*id = ip->pool[ip->pool_pos++];
		return 0;
	}
	if (ip->mode == IX_DRY)
		return -EIO;	/* cannot happen: replays use the pool */
	if (ip->mode == IX_NOW)
		return refgc_new(ip->fd, type, bytes, id);
	r = ix_flush(ip);
	if (!r)
		r = refgc_new(ip->fd, type, bytes, id);
	if (r)
		return r;
	/* Through the pool, so that a replay takes the same object. */
	if (ip->pool_n == ip->pool_cap) {
		ip->pool_cap = ip->pool_cap ? ip->pool_cap * 2 : 64;
		ip->pool = xrealloc(ip->pool,
				    ip->pool_cap * sizeof(*ip->pool));
	}
	ip->pool[ip->pool_n++] = *id;
	ip->pool_pos = ip->pool_n;
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
 * parse_num() - a number argument
 * @ip: the interpreter.
 * @c: the command.
 * @i: the word.
 * @max: the largest value allowed.
 * @v: set to the value.
 *
 * Return: 0, or -EINVAL (message set).
 */
int parse_num(struct interp *ip, struct cmd *c, int i, uint64_t max,
	      uint64_t *v)
{
	if (!parse_u64(c->tok[i].s, v))
		return ip_error(ip, -EINVAL, c->tok[i].col,
				"expected a number, got '%s'", c->tok[i].s);
	if (*v > max)
		return ip_error(ip, -EINVAL, c->tok[i].col,
				"%s is out of range (at most %llu)",
				c->tok[i].s, (unsigned long long)max);
	return 0;
}
