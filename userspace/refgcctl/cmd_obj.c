// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_obj.c - the commands on types, names and objects: type, new, let,
 * del, link, unlink, clear, weakref (a callback body is kept by
 * finalize.c), deref, getrefcount, referents,
 * referrers, is_tracked, is_finalized, memory.
 *
 * Commands marked CMD_BATCH check everything before their first op, run
 * ops only through ix_op()/ix_new(), and ask for no results outside
 * IX_NOW mode, so that `repeat` can queue them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int cmd_type(struct interp *ip, struct cmd *c)
{
	uint32_t flags = 0, id;
	int s, i, r;

	s = ip_name(ip, c, 1);
	if (s < 0)
		return s;
	for (i = 2; i < c->ntok; i++) {
		if (!strcmp(c->tok[i].s, "atomic"))
			flags |= REFGC_TYPE_ATOMIC;
		else if (!strcmp(c->tok[i].s, "finalizer"))
			flags |= REFGC_TYPE_FINALIZER;
		else
			return ip_error(ip, -EINVAL, c->tok[i].col,
					"expected 'atomic' or 'finalizer', got '%s'",
					c->tok[i].s);
	}
	r = refgc_type_register(ip->fd, c->tok[1].s, flags, &id);
	if (r)
		return r;
	ip_add_type(ip, id, (uint32_t)s, flags);
	out_obj_begin(&ip->out, "type");
	out_u64(&ip->out, "id", id);
	out_str(&ip->out, "name", c->tok[1].s);
	out_bool(&ip->out, "atomic", flags & REFGC_TYPE_ATOMIC);
	out_bool(&ip->out, "finalizer", flags & REFGC_TYPE_FINALIZER);
	out_obj_end(&ip->out);
	return 0;
}

/**
 * new_args() - the type and payload size of a `new` command
 * @ip: the interpreter.
 * @c: the command.
 * @type: set to the type id.
 * @bytes: set to the payload bytes (0 if not given).
 *
 * Return: 0 or -errno (message set).
 */
int new_args(struct interp *ip, struct cmd *c, uint32_t *type,
	     uint64_t *bytes)
{
	int r = ip_type_lookup(ip, c, 2, type);

	*bytes = 0;
	if (!r && c->ntok > 3)
		r = parse_num(ip, c, 3, UINT32_MAX, bytes);
	return r;
}

static int cmd_new(struct interp *ip, struct cmd *c)
{
	uint64_t bytes, id;
	uint32_t type;
	int s, r;

	s = ip_name(ip, c, 1);
	if (s < 0)
		return s;
	r = new_args(ip, c, &type, &bytes);
	if (r)
		return r;
	r = ix_new(ip, type, bytes, &id);
	if (r)
		return r;
	ip_set_meta(ip, id, s, type);
	r = ix_bind(ip, (uint32_t)s, id);
	if (r)
		return r;
	out_desc_t(ip, "object", id, type);
	return 0;
}

static int cmd_let(struct interp *ip, struct cmd *c)
{
	uint64_t id;
	int s, r;

	s = ip_name(ip, c, 1);
	if (s < 0)
		return s;
	r = ip_obj(ip, c, 2, &id);
	if (r)
		return r;
	r = ix_op(ip, REFGC_OP_INCREF, id, 0, 0, NULL);
	if (r)
		return r;
	r = ix_bind(ip, (uint32_t)s, id);
	if (r)
		return r;
	out_desc(ip, "object", id);
	return 0;
}

static int cmd_del(struct interp *ip, struct cmd *c)
{
	uint64_t id;
	int r;

	r = ip_obj(ip, c, 1, &id);
	if (r)
		return r;
	return ix_unbind(ip, (uint32_t)c->sym[1]);
}

/* Two name arguments, both bound. */
static int two_objs(struct interp *ip, struct cmd *c, uint64_t *a,
		    uint64_t *b)
{
	int r = ip_obj(ip, c, 1, a);

	return r ? r : ip_obj(ip, c, 2, b);
}

static int cmd_link(struct interp *ip, struct cmd *c)
{
	uint64_t a, b, slot = 0;
	bool now = ip->ex.mode == IX_NOW;
	int r;

	r = two_objs(ip, c, &a, &b);
	if (r)
		return r;
	r = ix_op(ip, REFGC_OP_LINK, a, b, 0, now ? &slot : NULL);
	if (r)
		return r;
	ip->out.custom = true;
	out_u64(&ip->out, "slot", slot);
	return 0;
}

static int cmd_unlink(struct interp *ip, struct cmd *c)
{
	uint64_t a, b, index = 0;
	bool now = ip->ex.mode == IX_NOW;
	int r;

	r = two_objs(ip, c, &a, &b);
	if (r)
		return r;
	r = ix_op(ip, REFGC_OP_REMOVE, a, b, 0, now ? &index : NULL);
	if (r == -ENOENT)
		return ip_error(ip, r, c->tok[2].col,
				"'%s' does not refer to '%s'", c->tok[1].s,
				c->tok[2].s);
	if (r)
		return r;
	ip->out.custom = true;
	out_u64(&ip->out, "index", index);
	return 0;
}

static int cmd_clear(struct interp *ip, struct cmd *c)
{
	uint64_t a, n = 0;
	bool now = ip->ex.mode == IX_NOW;
	int r;

	r = ip_obj(ip, c, 1, &a);
	if (r)
		return r;
	r = ix_op(ip, REFGC_OP_CLEAR, a, 0, 0, now ? &n : NULL);
	if (r)
		return r;
	ip->out.custom = true;
	out_u64(&ip->out, "dropped", n);
	return 0;
}

static int cmd_weakref(struct interp *ip, struct cmd *c)
{
	bool callback = false;
	uint64_t v, w;
	int s, r;

	s = ip_name(ip, c, 1);
	if (s < 0)
		return s;
	r = ip_obj(ip, c, 2, &v);
	if (r)
		return r;
	if (c->ntok > 3) {
		if (!strcmp(c->tok[3].s, "callback:") && !c->body)
			return ip_error(ip, -EINVAL, c->tok[3].col,
					"a callback body cannot be nested");
		if (strcmp(c->tok[3].s, "callback") && !c->body)
			return ip_error(ip, -EINVAL, c->tok[3].col,
					"expected 'callback', got '%s'",
					c->tok[3].s);
		if (c->ntok > 4 && !c->body)
			return ip_error(ip, -EINVAL, c->tok[4].col,
					"usage: weakref W V [callback[: CMD [; CMD ...]]]");
		callback = true;
	}
	r = refgc_weakref_new(ip->fd, v, (uint64_t)s + 1, callback, &w);
	if (r)
		return r;
	ip_set_meta(ip, w, s, REFGC_TYPE_WEAKREF_ID);
	if (c->body) {
		char what[256];

		snprintf(what, sizeof(what), "%s.callback", c->tok[1].s);
		fin_set_callback(ip, w, fin_body_dup(c, what, ip->src));
	}
	r = ix_bind(ip, (uint32_t)s, w);
	if (r)
		return r;
	out_desc_t(ip, "weakref", w, REFGC_TYPE_WEAKREF_ID);
	return 0;
}

static int cmd_deref(struct interp *ip, struct cmd *c)
{
	uint64_t w, id;
	int s = -1, r;

	r = ip_obj(ip, c, 1, &w);
	if (r)
		return r;
	if (c->ntok > 2) {
		s = ip_name(ip, c, 2);
		if (s < 0)
			return s;
	}
	r = refgc_weakref_get(ip->fd, w, &id);
	if (r == -ENOENT) {
		out_bool(&ip->out, "alive", false);
		return 0;
	}
	if (r == -EINVAL)
		return ip_error(ip, r, c->tok[1].col,
				"'%s' is not a weakref", c->tok[1].s);
	if (r)
		return r;
	if (s >= 0)
		r = ix_bind(ip, (uint32_t)s, id);
	else
		r = refgc_decref(ip->fd, id, NULL);
	if (r)
		return r;
	out_bool(&ip->out, "alive", true);
	out_desc(ip, "object", id);
	return 0;
}

/* Info on the object a name argument holds. */
static int name_info(struct interp *ip, struct cmd *c, int i,
		     struct refgc_info *info)
{
	uint64_t id;
	int r = ip_obj(ip, c, i, &id);

	return r ? r : refgc_info(ip->fd, id, info);
}

static int cmd_getrefcount(struct interp *ip, struct cmd *c)
{
	struct refgc_info info;
	int r = name_info(ip, c, 1, &info);

	if (r)
		return r;
	out_u64(&ip->out, "refcount", info.refcount);
	out_u64(&ip->out, "handles", info.handles);
	return 0;
}

static int cmd_is_tracked(struct interp *ip, struct cmd *c)
{
	struct refgc_info info;
	int r = name_info(ip, c, 1, &info);

	if (r)
		return r;
	out_bool(&ip->out, "tracked", info.flags & REFGC_INFO_TRACKED);
	return 0;
}

static int cmd_is_finalized(struct interp *ip, struct cmd *c)
{
	struct refgc_info info;
	int r = name_info(ip, c, 1, &info);

	if (r)
		return r;
	out_bool(&ip->out, "finalized", info.flags & REFGC_INFO_FINALIZED);
	return 0;
}

/* Write a list of ids as descriptors, and as lines in text mode. */
static void out_id_list(struct interp *ip, const char *key,
			const uint64_t *ids, uint64_t n)
{
	uint64_t i;

	ip->out.custom = true;
	out_arr_begin(&ip->out, key);
	for (i = 0; i < n; i++) {
		uint32_t type = ip_obj_type(ip, ids[i]);

		out_desc_t(ip, NULL, ids[i], type);
		if (out_text(&ip->out)) {
			fputs("  ", ip->out.f);
			print_desc(ip, ids[i], type);
			fputc('\n', ip->out.f);
		}
	}
	out_arr_end(&ip->out);
}

static int cmd_refs(struct interp *ip, struct cmd *c, bool referrers)
{
	uint64_t id, cap = 16, n = 0, *ids = NULL;
	int r;

	r = ip_obj(ip, c, 1, &id);
	if (r)
		return r;
	for (;;) {
		ids = xrealloc(ids, cap * sizeof(*ids));
		if (referrers)
			r = refgc_get_referrers(ip->fd, id, ids, cap, &n);
		else
			r = refgc_get_slots(ip->fd, id, ids, cap, &n);
		if (r || n <= cap)
			break;
		cap = n;
	}
	if (!r)
		out_id_list(ip, referrers ? "referrers" : "referents", ids, n);
	free(ids);
	return r;
}

static int cmd_referents(struct interp *ip, struct cmd *c)
{
	return cmd_refs(ip, c, false);
}

static int cmd_referrers(struct interp *ip, struct cmd *c)
{
	return cmd_refs(ip, c, true);
}

static int cmd_memory(struct interp *ip, struct cmd *c __maybe_unused)
{
	struct refgc_memory m;
	int r = refgc_memory(ip->fd, &m);

	if (r)
		return r;
	out_u64(&ip->out, "bytes", m.bytes);
	out_u64(&ip->out, "objects", m.objects);
	out_u64(&ip->out, "payload_bytes", m.payload_bytes);
	out_u64(&ip->out, "slots", m.slots);
	out_u64(&ip->out, "types", m.types);
	return 0;
}

const struct cmd_def obj_cmds[] = {
	{ "type", 1, 3, 0, "T [atomic] [finalizer]", cmd_type, NULL },
	{ "new", 2, 3, CMD_BATCH | CMD_NEW, "V T [BYTES]", cmd_new, NULL },
	{ "let", 2, 2, CMD_BATCH, "V W", cmd_let, NULL },
	{ "del", 1, 1, CMD_BATCH, "V", cmd_del, NULL },
	{ "link", 2, 2, CMD_BATCH, "A B", cmd_link, NULL },
	{ "unlink", 2, 2, CMD_BATCH, "A B", cmd_unlink, NULL },
	{ "clear", 1, 1, CMD_BATCH, "A", cmd_clear, NULL },
	{ "weakref", 2, MAX_TOKENS - 1, 0,
	  "W V [callback[: CMD [; CMD ...]]]", cmd_weakref, NULL },
	{ "deref", 1, 2, 0, "W [V]", cmd_deref, NULL },
	{ "getrefcount", 1, 1, 0, "V", cmd_getrefcount, NULL },
	{ "referents", 1, 1, 0, "V", cmd_referents, NULL },
	{ "referrers", 1, 1, 0, "V", cmd_referrers, NULL },
	{ "is_tracked", 1, 1, 0, "V", cmd_is_tracked, NULL },
	{ "is_finalized", 1, 1, 0, "V", cmd_is_finalized, NULL },
	{ "memory", 0, 0, 0, "", cmd_memory, NULL },
	{ NULL },
};
