// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_graph.c - objgraph-style commands: types (most_common_types), growth,
 * leaking (get_leaking_objects), chain (find_backref_chain) and dot
 * (show_refs / show_backrefs).
 *
 * leaking: objgraph reports objects nothing else refers to.  In an arena
 * every object is kept alive by handles, by slots of other objects, by the
 * garbage list or by undelivered FINALIZE events, so refgcctl reports the
 * live objects that no handle reaches: the objects no chain of references
 * from any handle leads to.  Those are alive only because of reference
 * cycles among themselves, the garbage list or pending events: the ones a
 * program can no longer reach, which `collect` (or `garbage clear`, or
 * `events`) would free.  Objects with no referrer and no handle at all are
 * among them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

struct type_count {
	uint32_t id;
	uint64_t count;
	int64_t delta;
	const char *name;
};

struct type_acc {
	struct interp *ip;
	struct type_count *t;
	size_t n;
};

static int add_type(const struct refgc_entry *e, void *arg)
{
	struct type_acc *a = arg;
	struct type_count *t;

	a->t = xrealloc(a->t, (a->n + 1) * sizeof(*a->t));
	t = &a->t[a->n++];
	t->id = (uint32_t)e->id;
	t->count = e->flags;
	t->delta = 0;
	t->name = ip_type_name(a->ip, t->id);
	return 0;
}

static int by_count(const void *x, const void *y)
{
	const struct type_count *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return strcmp(a->name, b->name);
}

static int by_delta(const void *x, const void *y)
{
	const struct type_count *a = x, *b = y;

	if (a->delta != b->delta)
		return a->delta < b->delta ? 1 : -1;
	return by_count(x, y);
}

static int type_counts(struct interp *ip, struct type_acc *a)
{
	a->ip = ip;
	a->t = NULL;
	a->n = 0;
	return refgc_list_all(ip->fd, REFGC_LIST_TYPES, 0, add_type, a);
}

/* The optional limit argument; objgraph's default is 10. */
static int limit_arg(struct interp *ip, struct cmd *c, uint64_t *limit)
{
	*limit = 10;
	if (c->ntok > 1)
		return parse_num(ip, c, 1, UINT32_MAX, limit);
	return 0;
}

static int cmd_types(struct interp *ip, struct cmd *c)
{
	struct type_acc a;
	uint64_t limit;
	size_t i, w = 0;
	int r;

	r = limit_arg(ip, c, &limit);
	if (!r)
		r = type_counts(ip, &a);
	if (r)
		return r;
	qsort(a.t, a.n, sizeof(*a.t), by_count);
	for (i = 0; i < a.n && i < limit; i++)
		if (a.t[i].count && strlen(a.t[i].name) > w)
			w = strlen(a.t[i].name);
	ip->out.custom = true;
	out_arr_begin(&ip->out, "types");
	for (i = 0; i < a.n && i < limit && a.t[i].count; i++) {
		if (out_text(&ip->out))
			fprintf(ip->out.f, "%-*s %llu\n", (int)w, a.t[i].name,
				(unsigned long long)a.t[i].count);
		out_obj_begin(&ip->out, NULL);
		out_str(&ip->out, "type", a.t[i].name);
		out_u64(&ip->out, "count", a.t[i].count);
		out_obj_end(&ip->out);
	}
	out_arr_end(&ip->out);
	free(a.t);
	return 0;
}

static int cmd_growth(struct interp *ip, struct cmd *c)
{
	struct type_acc a;
	uint64_t limit;
	size_t i, w = 0, shown = 0;
	uint32_t max = 0;
	int r;

	r = limit_arg(ip, c, &limit);
	if (r)
		return r;
	r = refgc_collect(ip->fd, REFGC_NUM_GENERATIONS - 1, NULL);
	if (r < 0)
		return r;
	r = type_counts(ip, &a);
	if (r)
		return r;
	for (i = 0; i < a.n; i++) {
		uint64_t prev = a.t[i].id < ip->ngrowth ?
				ip->growth[a.t[i].id] : 0;

		a.t[i].delta = (int64_t)a.t[i].count - (int64_t)prev;
		if (a.t[i].id >= max)
			max = a.t[i].id + 1;
	}
	/* Remember these counts for the next call. */
	if (max > ip->ngrowth) {
		ip->growth = xrealloc(ip->growth, max * sizeof(*ip->growth));
		memset(ip->growth + ip->ngrowth, 0,
		       (max - ip->ngrowth) * sizeof(*ip->growth));
		ip->ngrowth = max;
	}
	for (i = 0; i < a.n; i++)
		ip->growth[a.t[i].id] = a.t[i].count;
	qsort(a.t, a.n, sizeof(*a.t), by_delta);
	for (i = 0; i < a.n && i < limit && a.t[i].delta > 0; i++)
		if (strlen(a.t[i].name) > w)
			w = strlen(a.t[i].name);
	ip->out.custom = true;
	out_arr_begin(&ip->out, "growth");
	for (i = 0; i < a.n && i < limit && a.t[i].delta > 0; i++) {
		if (out_text(&ip->out))
			fprintf(ip->out.f, "%-*s %8llu %+8lld\n", (int)w,
				a.t[i].name, (unsigned long long)a.t[i].count,
				(long long)a.t[i].delta);
		out_obj_begin(&ip->out, NULL);
		out_str(&ip->out, "type", a.t[i].name);
		out_u64(&ip->out, "count", a.t[i].count);
		out_i64(&ip->out, "delta", a.t[i].delta);
		out_obj_end(&ip->out);
		shown++;
	}
	out_arr_end(&ip->out);
	if (out_text(&ip->out) && !shown)
		fputs("(no growth)\n", ip->out.f);
	free(a.t);
	return 0;
}

/* Write snapshot objects @idx[0..n) as descriptors (and text lines). */
static void out_snap_list(struct interp *ip, const char *key,
			  const struct snap *s, const int64_t *idx, size_t n)
{
	size_t i;

	ip->out.custom = true;
	out_arr_begin(&ip->out, key);
	for (i = 0; i < n; i++) {
		const struct refgc_info *in = &s->info[idx[i]];

		out_desc_t(ip, NULL, in->id, in->type);
		if (out_text(&ip->out)) {
			bool chain = !strcmp(key, "chain");

			fputs(chain && i ? " -> " : "  ", ip->out.f);
			print_desc(ip, in->id, in->type);
			if (!chain)
				fputc('\n', ip->out.f);
		}
	}
	out_arr_end(&ip->out);
	if (out_text(&ip->out) && !strcmp(key, "chain"))
		fputs(n ? "\n" : "no chain from a handle\n", ip->out.f);
}

static int cmd_leaking(struct interp *ip, struct cmd *c __maybe_unused)
{
	struct snap s;
	int64_t *queue;
	size_t head = 0, tail = 0, i, j, n = 0;
	char *seen;
	int r;

	r = snap_take(ip->fd, &s);
	if (r)
		return r;
	queue = xmalloc((s.n + 1) * sizeof(*queue));
	seen = xcalloc(s.n + 1, 1);
	for (i = 0; i < s.n; i++) {
		if (s.info[i].handles) {
			seen[i] = 1;
			queue[tail++] = (int64_t)i;
		}
	}
	while (head < tail) {
		i = (size_t)queue[head++];
		for (j = s.off[i]; j < s.off[i + 1]; j++) {
			int64_t t = s.edges[j];

			if (t >= 0 && !seen[t]) {
				seen[t] = 1;
				queue[tail++] = t;
			}
		}
	}
	for (i = 0; i < s.n; i++)
		if (!seen[i])
			queue[n++] = (int64_t)i;
	out_snap_list(ip, "leaking", &s, queue, n);
	if (out_text(&ip->out))
		fprintf(ip->out.f, "leaking: %zu objects\n", n);
	free(queue);
	free(seen);
	snap_free(&s);
	return 0;
}

static int cmd_chain(struct interp *ip, struct cmd *c)
{
	int64_t *parent, *queue, *path, target, t;
	size_t head = 0, tail = 0, i, j, n = 0;
	uint64_t id;
	struct snap s;
	int r;

	r = ip_obj(ip, c, 1, &id);
	if (r)
		return r;
	r = snap_take(ip->fd, &s);
	if (r)
		return r;
	target = snap_find(&s, id);
	parent = xmalloc((s.n + 1) * sizeof(*parent));
	queue = xmalloc((s.n + 1) * sizeof(*queue));
	path = xmalloc((s.n + 1) * sizeof(*path));
	/* Roots: objects with a handle other than the one @c names. */
	for (i = 0; i < s.n; i++) {
		uint64_t h = s.info[i].handles;

		parent[i] = -2;
		if ((int64_t)i == target && h)
			h--;
		if (h) {
			parent[i] = -1;
			queue[tail++] = (int64_t)i;
		}
	}
	while (head < tail && target >= 0 && parent[target] == -2) {
		i = (size_t)queue[head++];
		for (j = s.off[i]; j < s.off[i + 1]; j++) {
			t = s.edges[j];
			if (t >= 0 && parent[t] == -2) {
				parent[t] = (int64_t)i;
				queue[tail++] = t;
			}
		}
	}
	if (target >= 0 && parent[target] != -2)
		for (t = target; t >= 0; t = parent[t])
			path[n++] = t;
	for (i = 0; i < n / 2; i++) {
		t = path[i];
		path[i] = path[n - 1 - i];
		path[n - 1 - i] = t;
	}
	out_snap_list(ip, "chain", &s, path, n);
	free(parent);
	free(queue);
	free(path);
	snap_free(&s);
	return 0;
}

static int cmd_dot(struct interp *ip, struct cmd *c)
{
	bool backrefs = false;
	uint64_t id, depth = 3;
	struct strbuf dot = { 0 };
	struct snap s;
	int i, r, nodes;

	r = ip_obj(ip, c, 1, &id);
	if (r)
		return r;
	for (i = 3; i < c->ntok; i++) {
		if (!strcmp(c->tok[i].s, "refs")) {
			backrefs = false;
		} else if (!strcmp(c->tok[i].s, "backrefs")) {
			backrefs = true;
		} else if (!strcmp(c->tok[i].s, "depth") && i + 1 < c->ntok) {
			r = parse_num(ip, c, ++i, 1000000, &depth);
			if (r)
				return r;
		} else {
			return ip_error(ip, -EINVAL, c->tok[i].col,
					"expected 'refs', 'backrefs' or 'depth N', got '%s'",
					c->tok[i].s);
		}
	}
	if (!dot_format(c->tok[2].s))
		return ip_error(ip, -EINVAL, c->tok[2].col,
				"'%s': the file name must end in .dot, .gv, .png, .svg or .pdf",
				c->tok[2].s);
	r = snap_take(ip->fd, &s);
	if (r)
		return r;
	nodes = dot_graph(ip, &s, snap_find(&s, id), backrefs,
			  (unsigned int)depth, &dot);
	snap_free(&s);
	r = dot_render(sb_str(&dot), c->tok[2].s);
	sb_free(&dot);
	if (r)
		return ip_error(ip, r, c->tok[2].col, "cannot write '%s': %s",
				c->tok[2].s, strerror(-r));
	out_str(&ip->out, "file", c->tok[2].s);
	out_u64(&ip->out, "nodes", (uint64_t)nodes);
	return 0;
}

const struct cmd_def graph_cmds[] = {
	{ "types", 0, 1, 0, "[N]", cmd_types },
	{ "growth", 0, 1, 0, "[N]", cmd_growth },
	{ "leaking", 0, 0, 0, "", cmd_leaking },
	{ "chain", 1, 1, 0, "V", cmd_chain },
	{ "dot", 2, 5, 0, "V FILE [refs|backrefs] [depth N]", cmd_dot },
	{ NULL },
};
