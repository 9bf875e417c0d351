// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_gc.c - the commands of Python's gc module: collect, enable, disable,
 * isenabled, threshold, count, stats, debug, garbage, freeze, unfreeze,
 * freeze_count, objects, legacy, sync, print, and events (the records
 * of the collector's and weakrefs' callbacks that finalize.c took off
 * the queue).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int count_entry(const struct refgc_entry *e __maybe_unused, void *arg)
{
	(*(uint64_t *)arg)++;
	return 0;
}

/* Objects per generation, as CPython's DEBUG_STATS output shows them. */
static void print_gen_sizes(struct interp *ip)
{
	uint64_t n[REFGC_GEN_PERMANENT + 1] = { 0 };
	int i;

	for (i = 0; i <= REFGC_GEN_PERMANENT; i++)
		refgc_list_all(ip->fd, REFGC_LIST_OBJECTS, i, count_entry,
			       &n[i]);
	fprintf(ip->out.f, "gc: objects in each generation: %" PRIu64
		" %" PRIu64 " %" PRIu64 "\n", n[0], n[1], n[2]);
	fprintf(ip->out.f, "gc: objects in permanent generation: %" PRIu64
		"\n", n[REFGC_GEN_PERMANENT]);
}

static void event_json(struct interp *ip, const struct refgc_event *e);

/* What the body just run took off the queue and ran, after its record. */
static void collect_nested(struct interp *ip)
{
	struct refgc_event *ev;
	size_t n, i;

	ev = fin_nested_take(ip, &n);
	for (i = 0; i < n; i++)
		event_json(ip, &ev[i]);
	free(ev);
}

/*
 * A record queued while the collection waits for its finalizers: listed
 * in collect's "events"; fin_record() runs its body (its own results are
 * written first) and drops the handle on self.
 */
static int collect_event(const struct refgc_event *ev, void *arg)
{
	struct interp *ip = arg;
	int r;

	event_json(ip, ev);
	r = fin_record(ip, ev);
	collect_nested(ip);
	return r;
}

static int cmd_collect(struct interp *ip, struct cmd *c)
{
	struct refgc_collect res;
	uint64_t gen = REFGC_NUM_GENERATIONS - 1;
	uint32_t debug = 0;
	int r;

	if (c->ntok > 1) {
		r = parse_num(ip, c, 1, REFGC_NUM_GENERATIONS - 1, &gen);
		if (r)
			return r;
	}
	if (out_text(&ip->out)) {
		ip->out.custom = true;
		refgc_get_debug(ip->fd, &debug);
	}
	if (debug & REFGC_DEBUG_STATS) {
		fprintf(ip->out.f, "gc: collecting generation %d...\n",
			(int)gen);
		print_gen_sizes(ip);
	}
	/* Finalizers run inside the collection, as __del__ in CPython. */
	out_arr_begin(&ip->out, "events");
	ip->in_collect++;
	r = refgc_collect_fin(ip->fd, (int)gen, collect_event, ip, &res);
	ip->in_collect--;
	out_arr_end(&ip->out);
	if (r < 0)
		return r;
	if (debug & REFGC_DEBUG_STATS)
		fprintf(ip->out.f, "gc: done, %llu unreachable, %llu uncollectable, %.4fs elapsed\n",
			res.collected + res.uncollectable, res.uncollectable,
			(double)res.duration_ns / 1e9);
	if (out_text(&ip->out))
		fprintf(ip->out.f, "%llu\n",
			res.collected + res.uncollectable);
	out_u64(&ip->out, "generation", gen);
	out_u64(&ip->out, "unreachable", res.collected + res.uncollectable);
	out_u64(&ip->out, "collected", res.collected);
	out_u64(&ip->out, "uncollectable", res.uncollectable);
	out_u64(&ip->out, "visited", res.visited);
	out_u64(&ip->out, "duration_ns", res.duration_ns);
	return 0;
}

static int out_enabled(struct interp *ip)
{
	int r = refgc_isenabled(ip->fd);

	if (r < 0)
		return r;
	out_bool(&ip->out, "enabled", r);
	return 0;
}

static int cmd_enable(struct interp *ip, struct cmd *c __maybe_unused)
{
	int r = refgc_enable(ip->fd);

	return r ? r : out_enabled(ip);
}

static int cmd_disable(struct interp *ip, struct cmd *c __maybe_unused)
{
	int r = refgc_disable(ip->fd);

	return r ? r : out_enabled(ip);
}

static int cmd_isenabled(struct interp *ip, struct cmd *c __maybe_unused)
{
	return out_enabled(ip);
}

/* A top-level array of three numbers; "key: a b c" in text mode. */
static void out_triple(struct interp *ip, const char *key,
		       const uint64_t v[3])
{
	int i;

	ip->out.custom = true;
	if (out_text(&ip->out))
		fprintf(ip->out.f, "%s: %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			key, v[0], v[1], v[2]);
	out_arr_begin(&ip->out, key);
	for (i = 0; i < 3; i++)
		out_u64(&ip->out, NULL, v[i]);
	out_arr_end(&ip->out);
}

static int cmd_threshold(struct interp *ip, struct cmd *c)
{
	uint32_t t[REFGC_NUM_GENERATIONS];
	uint64_t v[REFGC_NUM_GENERATIONS];
	int i, r;

	r = refgc_get_threshold(ip->fd, t);
	if (r)
		return r;
	for (i = 1; i < c->ntok; i++) {
		r = parse_num(ip, c, i, UINT32_MAX, &v[0]);
		if (r)
			return r;
		t[i - 1] = (uint32_t)v[0];
	}
	if (c->ntok > 1) {
		r = refgc_set_threshold(ip->fd, t);
		if (r)
			return r;
	}
	for (i = 0; i < REFGC_NUM_GENERATIONS; i++)
		v[i] = t[i];
	out_triple(ip, "threshold", v);
	return 0;
}

/* count: gc.get_count(); count TYPE: objgraph.count() (cmd_graph.c). */
static int cmd_count(struct interp *ip, struct cmd *c)
{
	uint64_t v[REFGC_NUM_GENERATIONS];
	int r;

	if (c->ntok > 1)
		return graph_count(ip, c);
	r = refgc_get_count(ip->fd, v);
	if (r)
		return r;
	out_triple(ip, "count", v);
	return 0;
}

static int cmd_stats(struct interp *ip, struct cmd *c __maybe_unused)
{
	struct refgc_stats st;
	int i, r;

	r = refgc_get_stats(ip->fd, &st);
	if (r)
		return r;
	ip->out.custom = true;
	if (out_text(&ip->out))
		fprintf(ip->out.f, "%-4s %12s %12s %14s %12s %14s %12s\n",
			"gen", "collections", "collected", "uncollectable",
			"visited", "total_ns", "max_ns");
	out_arr_begin(&ip->out, "stats");
	for (i = 0; i < REFGC_NUM_GENERATIONS; i++) {
		struct refgc_gen_stats *g = &st.gen[i];

		if (out_text(&ip->out))
			fprintf(ip->out.f, "%-4d %12" PRIu64 " %12" PRIu64
				" %14" PRIu64 " %12" PRIu64 " %14" PRIu64
				" %12" PRIu64 "\n", i, (uint64_t)g->collections,
				(uint64_t)g->collected,
				(uint64_t)g->uncollectable,
				(uint64_t)g->visited, (uint64_t)g->total_ns,
				(uint64_t)g->max_ns);
		out_obj_begin(&ip->out, NULL);
		out_u64(&ip->out, "collections", g->collections);
		out_u64(&ip->out, "collected", g->collected);
		out_u64(&ip->out, "uncollectable", g->uncollectable);
		out_u64(&ip->out, "visited", g->visited);
		out_u64(&ip->out, "total_ns", g->total_ns);
		out_u64(&ip->out, "max_ns", g->max_ns);
		out_obj_end(&ip->out);
	}
	out_arr_end(&ip->out);
	return 0;
}

static int cmd_debug(struct interp *ip, struct cmd *c)
{
	uint32_t flags, bit;
	bool any = false;
	int r;

	if (c->ntok > 1) {
		if (refgc_debug_parse(c->tok[1].s, &flags))
			return ip_error(ip, -EINVAL, c->tok[1].col,
					"expected 'none' or a comma list of stats, collectable, uncollectable, saveall, leak; got '%s'",
					c->tok[1].s);
		r = refgc_set_debug(ip->fd, flags);
		if (r)
			return r;
	}
	r = refgc_get_debug(ip->fd, &flags);
	if (r)
		return r;
	ip->out.custom = true;
	if (out_text(&ip->out))
		fputs("debug: ", ip->out.f);
	out_arr_begin(&ip->out, "debug");
	for (bit = 1; bit; bit <<= 1) {
		const char *name = refgc_debug_flag_name(bit);

		if (!(flags & bit) || !name)
			continue;
		if (out_text(&ip->out))
			fprintf(ip->out.f, "%s%s", any ? "," : "", name);
		any = true;
		out_str(&ip->out, NULL, name);
	}
	out_arr_end(&ip->out);
	if (out_text(&ip->out))
		fprintf(ip->out.f, "%s\n", any ? "" : "none");
	return 0;
}

struct id_list {
	uint64_t *ids;
	uint32_t *types;
	size_t n;
	size_t cap;
	bool only_tracked;
};

static int collect_entry(const struct refgc_entry *e, void *arg)
{
	struct id_list *l = arg;

	if (l->only_tracked && (!(e->flags & REFGC_INFO_TRACKED) ||
				(e->flags & REFGC_INFO_FROZEN)))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->ids = xrealloc(l->ids, l->cap * sizeof(*l->ids));
		l->types = xrealloc(l->types, l->cap * sizeof(*l->types));
	}
	l->ids[l->n] = e->id;
	l->types[l->n++] = e->type;
	return 0;
}

static void out_entries(struct interp *ip, const char *key,
			struct id_list *l)
{
	size_t i;

	ip->out.custom = true;
	out_arr_begin(&ip->out, key);
	for (i = 0; i < l->n; i++) {
		out_desc_t(ip, NULL, l->ids[i], l->types[i]);
		if (out_text(&ip->out)) {
			fputs("  ", ip->out.f);
			print_desc(ip, l->ids[i], l->types[i]);
			fputc('\n', ip->out.f);
		}
	}
	out_arr_end(&ip->out);
	if (out_text(&ip->out))
		fprintf(ip->out.f, "%s: %zu objects\n", key, l->n);
	free(l->ids);
	free(l->types);
}

static int cmd_garbage(struct interp *ip, struct cmd *c)
{
	struct id_list l = { 0 };
	int r;

	if (c->ntok > 1 && strcmp(c->tok[1].s, "clear"))
		return ip_error(ip, -EINVAL, c->tok[1].col,
				"expected 'clear', got '%s'", c->tok[1].s);
	r = refgc_list_all(ip->fd, REFGC_LIST_GARBAGE, 0, collect_entry, &l);
	if (!r && c->ntok > 1) {
		r = refgc_clear_garbage(ip->fd);
		if (r >= 0) {
			out_u64(&ip->out, "cleared", (uint64_t)r);
			r = 0;
		}
	}
	if (r) {
		free(l.ids);
		free(l.types);
		return r;
	}
	out_entries(ip, "garbage", &l);
	return 0;
}

static int cmd_objects(struct interp *ip, struct cmd *c)
{
	struct id_list l = { 0 };
	int32_t gen = REFGC_LIST_ALL_GENERATIONS;
	uint64_t g;
	int r;

	if (c->ntok > 1) {
		r = parse_num(ip, c, 1, REFGC_NUM_GENERATIONS - 1, &g);
		if (r)
			return r;
		gen = (int32_t)g;
	} else {
		l.only_tracked = true;
	}
	r = refgc_list_all(ip->fd, REFGC_LIST_OBJECTS, gen, collect_entry,
			   &l);
	if (r) {
		free(l.ids);
		free(l.types);
		return r;
	}
	out_entries(ip, "objects", &l);
	return 0;
}

static int out_freeze_count(struct interp *ip, int r)
{
	uint64_t n;

	if (!r)
		r = refgc_freeze_count(ip->fd, &n);
	if (r)
		return r;
	out_u64(&ip->out, "freeze_count", n);
	return 0;
}

static int cmd_freeze(struct interp *ip, struct cmd *c __maybe_unused)
{
	return out_freeze_count(ip, refgc_freeze(ip->fd));
}

static int cmd_unfreeze(struct interp *ip, struct cmd *c __maybe_unused)
{
	return out_freeze_count(ip, refgc_unfreeze(ip->fd));
}

static int cmd_freeze_count(struct interp *ip, struct cmd *c __maybe_unused)
{
	return out_freeze_count(ip, 0);
}

static int cmd_legacy(struct interp *ip, struct cmd *c)
{
	uint32_t flags;
	int r;

	r = refgc_get_flags(ip->fd, &flags);
	if (r)
		return r;
	if (c->ntok > 1) {
		if (!strcmp(c->tok[1].s, "on"))
			flags |= REFGC_ARENA_LEGACY_FINALIZERS;
		else if (!strcmp(c->tok[1].s, "off"))
			flags &= ~REFGC_ARENA_LEGACY_FINALIZERS;
		else
			return ip_error(ip, -EINVAL, c->tok[1].col,
					"expected 'on' or 'off', got '%s'",
					c->tok[1].s);
		r = refgc_set_flags(ip->fd, flags);
		if (r)
			return r;
	}
	out_bool(&ip->out, "legacy", flags & REFGC_ARENA_LEGACY_FINALIZERS);
	return 0;
}

static int cmd_sync(struct interp *ip, struct cmd *c __maybe_unused)
{
	return refgc_sync(ip->fd);
}

static void event_text(struct interp *ip, const struct refgc_event *e)
{
	FILE *f = ip->out.f;
	const char *w;

	fprintf(f, "  %-13s", refgc_event_name(e->type));
	switch (e->type) {
	case REFGC_EV_GC_START:
		fprintf(f, " generation %d", e->generation);
		break;
	case REFGC_EV_GC_STOP:
		fprintf(f, " generation %d: %" PRIu64 " collected, %" PRIu64
			" uncollectable, %" PRIu64 " visited, %" PRIu64 " ns",
			e->generation, (uint64_t)e->collected,
			(uint64_t)e->uncollectable, (uint64_t)e->visited,
			(uint64_t)e->duration_ns);
		break;
	case REFGC_EV_FINALIZE:
	case REFGC_EV_COLLECTABLE:
	case REFGC_EV_UNCOLLECTABLE:
		fputc(' ', f);
		print_desc(ip, e->id, ip_obj_type(ip, e->id));
		break;
	case REFGC_EV_WEAKREF:
		w = ip_label(ip, e->id);
		fprintf(f, " %s (callback)", w ? w : "?");
		break;
	case REFGC_EV_OVERFLOW:
		fprintf(f, " %" PRIu64 " events lost", (uint64_t)e->lost);
		break;
	}
	fputc('\n', f);
}

static void event_json(struct interp *ip, const struct refgc_event *e)
{
	struct out *o = &ip->out;

	out_obj_begin(o, NULL);
	out_str(o, "type", refgc_event_name(e->type));
	switch (e->type) {
	case REFGC_EV_GC_START:
		out_i64(o, "generation", e->generation);
		break;
	case REFGC_EV_GC_STOP:
		out_i64(o, "generation", e->generation);
		out_u64(o, "collected", e->collected);
		out_u64(o, "uncollectable", e->uncollectable);
		out_u64(o, "visited", e->visited);
		out_u64(o, "duration_ns", e->duration_ns);
		break;
	case REFGC_EV_FINALIZE:
	case REFGC_EV_COLLECTABLE:
	case REFGC_EV_UNCOLLECTABLE:
		out_desc(ip, "object", e->id);
		break;
	case REFGC_EV_WEAKREF:
		out_str(o, "weakref", ip_label(ip, e->id));
		out_u64(o, "id", e->id);
		break;
	case REFGC_EV_OVERFLOW:
		out_u64(o, "lost", e->lost);
		break;
	}
	out_obj_end(o);
}

/*
 * The records taken off the queue since the last `events` (fin_drain()
 * takes them after every command, and has run their bodies), oldest
 * first; an overflow record first if the log itself was full.
 */
static int cmd_events(struct interp *ip, struct cmd *c __maybe_unused)
{
	struct refgc_event lost = { .type = REFGC_EV_OVERFLOW };
	size_t i, n;

	fin_drain(ip);
	ip->out.custom = true;
	out_arr_begin(&ip->out, "events");
	lost.lost = ip->log_lost;
	n = ip->nlog + (ip->log_lost ? 1 : 0);
	for (i = 0; i < n; i++) {
		const struct refgc_event *e = ip->log_lost ?
			(i ? &ip->evlog[i - 1] : &lost) : &ip->evlog[i];

		if (out_text(&ip->out))
			event_text(ip, e);
		event_json(ip, e);
	}
	out_arr_end(&ip->out);
	if (out_text(&ip->out))
		fprintf(ip->out.f, "events: %zu\n", n);
	ip->nlog = 0;
	ip->log_lost = 0;
	return 0;
}

/*
 * print TEXT...: the words, as Python's print() (JSON: a "text" record); a
 * word that is a bound name prints as its object, <T label#id>, as
 * print(obj) prints its repr.
 */
static int cmd_print(struct interp *ip, struct cmd *c)
{
	char buf[1024];
	size_t n = 0;
	uint64_t id;
	int i;

	buf[0] = '\0';
	for (i = 1; i < c->ntok && n < sizeof(buf); i++) {
		const char *sep = i > 1 ? " " : "", *label;

		id = c->sym[i] >= 0 ? ip_sym(ip, (uint32_t)c->sym[i])->obj : 0;
		if (!id) {
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s", sep,
				      c->tok[i].s);
			continue;
		}
		label = ip_label(ip, id);
		n += snprintf(buf + n, sizeof(buf) - n, "%s<%s %s#%llu>", sep,
			      ip_type_name(ip, ip_obj_type(ip, id)),
			      label ? label : "", (unsigned long long)id);
	}
	if (out_text(&ip->out)) {
		ip->out.custom = true;
		fprintf(ip->out.f, "%s\n", buf);
	}
	out_str(&ip->out, "text", buf);
	return 0;
}

const struct cmd_def gc_cmds[] = {
	{ "print", 0, MAX_TOKENS - 1, 0, "TEXT...", cmd_print, NULL },
	{ "collect", 0, 1, 0, "[GEN]", cmd_collect, NULL },
	{ "enable", 0, 0, 0, "", cmd_enable, NULL },
	{ "disable", 0, 0, 0, "", cmd_disable, NULL },
	{ "isenabled", 0, 0, 0, "", cmd_isenabled, NULL },
	{ "threshold", 0, 3, 0, "[T0 [T1 [T2]]]", cmd_threshold, NULL },
	{ "count", 0, 1, 0, "[TYPE]", cmd_count, NULL },
	{ "stats", 0, 0, 0, "", cmd_stats, NULL },
	{ "debug", 0, 1, 0,
	  "[none | stats,collectable,uncollectable,saveall,leak]", cmd_debug, NULL },
	{ "garbage", 0, 1, 0, "[clear]", cmd_garbage, NULL },
	{ "freeze", 0, 0, 0, "", cmd_freeze, NULL },
	{ "unfreeze", 0, 0, 0, "", cmd_unfreeze, NULL },
	{ "freeze_count", 0, 0, 0, "", cmd_freeze_count, NULL },
	{ "objects", 0, 1, 0, "[GEN]", cmd_objects, NULL },
	{ "legacy", 0, 1, 0, "[on|off]", cmd_legacy, NULL },
	{ "sync", 0, 0, 0, "", cmd_sync, NULL },
	{ "events", 0, 0, 0, "", cmd_events, NULL },
	{ NULL },
};
