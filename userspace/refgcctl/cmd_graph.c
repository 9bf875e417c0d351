// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_graph.c - objgraph-style commands: types (most_common_types), growth,
 * count TYPE (count), by_type, leaking (get_leaking_objects), chain
 * (find_backref_chain, find_ref_chain) and dot (show_refs / show_backrefs,
 * with too_many, filter, highlight and refcounts).
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

/**
 * graph_count() - `count TYPE`: objgraph.count(), the live objects of TYPE
 * @ip: the interpreter.
 * @c: the command (`count` without a type is gc.get_count()).
 *
 * Return: 0 or -errno.
 */
int graph_count(struct interp *ip, struct cmd *c)
{
	struct type_acc a;
	uint64_t n = 0;
	uint32_t type;
	size_t i;
	int r;

	r = ip_type_lookup(ip, c, 1, &type);
	if (!r)
		r = type_counts(ip, &a);
	if (r)
		return r;
	for (i = 0; i < a.n; i++)
		if (a.t[i].id == type)
			n = a.t[i].count;
	free(a.t);
	ip->out.custom = true;
	out_str(&ip->out, "type", c->tok[1].s);
	out_u64(&ip->out, "count", n);
	if (out_text(&ip->out))
		fprintf(ip->out.f, "%llu\n", (unsigned long long)n);
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
		fputc('\n', ip->out.f);
}

/* by_type TYPE: objgraph.by_type(), the live objects of TYPE, by id. */
static int cmd_by_type(struct interp *ip, struct cmd *c)
{
	uint32_t type;
	struct snap s;
	int64_t *idx;
	size_t i, n = 0;
	int r;

	r = ip_type_lookup(ip, c, 1, &type);
	if (!r)
		r = snap_take(ip->fd, &s);
	if (r)
		return r;
	idx = xmalloc((s.n + 1) * sizeof(*idx));
	for (i = 0; i < s.n; i++)
		if (s.info[i].type == type)
			idx[n++] = (int64_t)i;
	out_snap_list(ip, "objects", &s, idx, n);
	free(idx);
	snap_free(&s);
	return 0;
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

/*
 * A shortest chain from object @start, over references (or referrers, if
 * @back) to the first object that is of @type (if not 0) or else held by
 * a handle other than @start's own.  @start itself counts, as in
 * objgraph's _find_chain().  Fills @path from the far end to @start, and
 * returns its length (0 if there is none).
 */
static size_t find_chain(const struct snap *s, int64_t start, bool back,
			 uint32_t type, int64_t *path)
{
	const size_t *off = back ? s->roff : s->off;
	const int64_t *adj = back ? s->redges : s->edges;
	int64_t *parent, *queue, i, t, hit = -1;
	size_t head = 0, tail = 0, j, n = 0;

	parent = xmalloc((s->n + 1) * sizeof(*parent));
	queue = xmalloc((s->n + 1) * sizeof(*queue));
	for (j = 0; j < s->n; j++)
		parent[j] = -2;
	parent[start] = -1;
	queue[tail++] = start;
	while (head < tail && hit < 0) {
		i = queue[head++];
		if (type ? s->info[i].type == type :
		    s->info[i].handles > (uint64_t)(i == start)) {
			hit = i;
			break;
		}
		for (j = off[i]; j < off[i + 1]; j++) {
			t = adj[j];
			if (t >= 0 && parent[t] == -2) {
				parent[t] = i;
				queue[tail++] = t;
			}
		}
	}
	for (t = hit; t >= 0; t = parent[t])
		path[n++] = t;
	free(parent);
	free(queue);
	return n;
}

/*
 * chain V [refs|backrefs] [TYPE]: objgraph's find_backref_chain() (from a
 * handle, or from an object of TYPE, to V) and find_ref_chain() (from V
 * to an object of TYPE, or held by a handle).  Not found: the chain is
 * [V] and "found" false, as objgraph returns [obj].
 */
static int cmd_chain(struct interp *ip, struct cmd *c)
{
	bool back = true, found;
	uint32_t type = 0;
	int64_t *path, t;
	size_t i, n;
	uint64_t id;
	struct snap s;
	int k = 2, r;

	r = ip_obj(ip, c, 1, &id);
	if (!r && k < c->ntok && (!strcmp(c->tok[k].s, "refs") ||
				  !strcmp(c->tok[k].s, "backrefs")))
		back = c->tok[k++].s[0] == 'b';
	if (!r && k < c->ntok)
		r = ip_type_lookup(ip, c, k++, &type);
	if (!r && k < c->ntok)
		r = ip_error(ip, -EINVAL, c->tok[k].col,
			     "usage: chain V [refs|backrefs] [TYPE]");
	if (r)
		return r;
	r = snap_take(ip->fd, &s);
	if (r)
		return r;
	path = xmalloc((s.n + 1) * sizeof(*path));
	t = snap_find(&s, id);
	n = t < 0 ? 0 : find_chain(&s, t, back, type, path);
	found = n > 0;
	if (!found && t >= 0)
		path[n++] = t;
	/* find_chain() gives the far end first: V first for refs. */
	for (i = 0; !back && i < n / 2; i++) {
		t = path[i];
		path[i] = path[n - 1 - i];
		path[n - 1 - i] = t;
	}
	if (!found && out_text(&ip->out))
		fputs("no chain found:", ip->out.f);
	out_snap_list(ip, "chain", &s, path, n);
	out_bool(&ip->out, "found", found);
	free(path);
	snap_free(&s);
	return 0;
}

/* The options of `dot` after V FILE, into @o. */
static int dot_args(struct interp *ip, struct cmd *c, struct dot_opts *o)
{
	uint64_t v;
	int i, r = 0;

	for (i = 3; i < c->ntok && !r; i++) {
		const char *w = c->tok[i].s;
		bool more = i + 1 < c->ntok;

		if (!strcmp(w, "refs") || !strcmp(w, "backrefs")) {
			o->backrefs = w[0] == 'b';
		} else if (!strcmp(w, "refcounts")) {
			o->refcounts = true;
		} else if ((!strcmp(w, "depth") || !strcmp(w, "too_many")) &&
			   more) {
			r = parse_num(ip, c, ++i, 1000000, &v);
			if (w[0] == 'd')
				o->depth = (unsigned int)v;
			else
				o->too_many = (unsigned int)v;
		} else if (!strcmp(w, "filter") && more) {
			o->filter_not = !strcmp(c->tok[i + 1].s, "not") &&
					i + 2 < c->ntok;
			i += o->filter_not ? 2 : 1;
			r = ip_type_lookup(ip, c, i, &o->filter);
		} else if (!strcmp(w, "highlight") && more) {
			r = ip_type_lookup(ip, c, ++i, &o->highlight);
		} else {
			return ip_error(ip, -EINVAL, c->tok[i].col,
					"expected refs, backrefs, depth N, too_many N, filter [not] TYPE, highlight TYPE or refcounts, got '%s'",
					w);
		}
	}
	return r;
}

static int cmd_dot(struct interp *ip, struct cmd *c)
{
	struct dot_opts o = { .depth = 3, .too_many = 10 };
	struct strbuf dot = { 0 };
	struct snap s;
	uint64_t id;
	int r, nodes;

	r = ip_obj(ip, c, 1, &id);
	if (!r)
		r = dot_args(ip, c, &o);
	if (r)
		return r;
	if (!dot_format(c->tok[2].s))
		return ip_error(ip, -EINVAL, c->tok[2].col,
				"'%s': the file name must end in .dot, .gv, .png, .svg or .pdf",
				c->tok[2].s);
	r = snap_take(ip->fd, &s);
	if (r)
		return r;
	nodes = dot_graph(ip, &s, snap_find(&s, id), &o, &dot);
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
	{ "types", 0, 1, 0, "[N]", cmd_types, NULL },
	{ "growth", 0, 1, 0, "[N]", cmd_growth, NULL },
	{ "by_type", 1, 1, 0, "TYPE", cmd_by_type, NULL },
	{ "leaking", 0, 0, 0, "", cmd_leaking, NULL },
	{ "chain", 1, 3, 0, "V [refs|backrefs] [TYPE]", cmd_chain, NULL },
	{ "dot", 2, 14, 0, DOT_USAGE, cmd_dot, NULL },
	{ NULL },
};
