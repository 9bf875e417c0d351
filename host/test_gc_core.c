// SPDX-License-Identifier: GPL-2.0
/*
 * test_gc_core.c - host unit tests of the collector core (module/gc_core.c),
 * driven through the host client (hobj.c).
 *
 * Usage: test_gc_core [--seed N] [--graphs N]
 *
 * One "ok" / "not ok" line per test, failed checks as "#" lines below it,
 * and last exactly one line "host: N passed, M failed, 0 skipped".  The
 * exit status is 1 if any test failed.
 *
 * The random-graph oracle builds graphs whose shape it knows (adjacency as
 * 64-bit masks, so a graph has at most 64 objects) and predicts, by plain
 * breadth-first search, what each collection must free; every other test
 * asserts on what the client observed: frees, finalizer calls, callbacks,
 * refcounts, generations and the order of events.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/errno.h>
#include <linux/sched.h>

#include "hobj.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- checks ------------------------------------------------------------ */

static unsigned long check_failures;	/* in the running test */

static bool check_true(bool ok, const char *what, int line)
{
	if (!ok && check_failures++ < 10)
		printf("#   line %d: %s\n", line, what);
	return ok;
}

static bool check_eq(long long a, long long b, const char *what, int line)
{
	if (a != b && check_failures++ < 10)
		printf("#   line %d: %s: %lld != %lld\n", line, what, a, b);
	return a == b;
}

#define CHECK(cond)	check_true(!!(cond), #cond, __LINE__)
#define CHECK_EQ(a, b)	check_eq((long long)(a), (long long)(b), \
				 #a " == " #b, __LINE__)

static int tests_passed, tests_failed;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run_test(const char *name, void (*fn)(void))
{
	double t0 = now_s();
	int n = tests_passed + tests_failed + 1;

	check_failures = 0;
	fn();
	if (check_failures) {
		tests_failed++;
		printf("not ok %d - %s (%lu failed checks)\n", n, name,
		       check_failures);
	} else {
		tests_passed++;
		printf("ok %d - %s (%.2f s)\n", n, name, now_s() - t0);
	}
	fflush(stdout);
}

/* ---- helpers ----------------------------------------------------------- */

static u64 rng_state;

/* splitmix64: small, fast, and the same everywhere. */
static inline u64 rnd64(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline unsigned int rnd(unsigned int n)
{
	return rnd64() % n;
}

static inline double rndf(void)
{
	return (rnd64() >> 11) * (1.0 / 9007199254740992.0);
}

static struct rgc_result collect(struct hworld *w, int gen)
{
	struct rgc_result res;

	CHECK_EQ(rgc_collect(&w->gc, gen, &res), 0);
	return res;
}

/* Index of the first logged event @type (of object @id, 0: any) from @from. */
static long ev_find(const struct hworld *w, enum hev type, unsigned long id,
		    long from)
{
	unsigned long i;

	for (i = from < 0 ? w->nlog : (unsigned long)from; i < w->nlog; i++)
		if (w->log[i].type == type && (!id || w->log[i].id == id))
			return i;
	return -1;
}

static long ev_last(const struct hworld *w, enum hev type)
{
	long i;

	for (i = (long)w->nlog - 1; i >= 0; i--)
		if (w->log[i].type == type)
			return i;
	return -1;
}

static unsigned long ev_count(const struct hworld *w, enum hev type,
			      unsigned long id)
{
	unsigned long i, n = 0;

	for (i = 0; i < w->nlog; i++)
		if (w->log[i].type == type && (!id || w->log[i].id == id))
			n++;
	return n;
}

/* Needs w->logging since before the object could die. */
static bool was_freed(const struct hworld *w, unsigned long id)
{
	return ev_count(w, HEV_FREE, id) != 0;
}

static bool in_garbage(const struct hworld *w, const struct hobj *o)
{
	unsigned long i;

	for (i = 0; i < w->ngarbage; i++)
		if (w->garbage[i] == o)
			return true;
	return false;
}

/* Collect until nothing is left that the collector could free. */
static void collect_all(struct hworld *w)
{
	int i;

	rgc_unfreeze(&w->gc);
	w->gc.debug = 0;
	w->gc.legacy_finalizers = false;
	for (i = 0; i < 4; i++) {
		hw_garbage_clear(w);
		hw_fin_drain(w);
		collect(w, 2);
	}
}

/* The end of every test: no contract violations seen by the client. */
static void finish(struct hworld *w, bool expect_empty)
{
	CHECK_EQ(w->errors, 0);
	if (expect_empty) {
		collect_all(w);
		CHECK_EQ(w->nlive, 0);
	}
	hw_fini(w);
}

/* ---- 1. the random-graph oracle --------------------------------------- */

#define GMAX	64

enum gmode {
	G_PLAIN,		/* containers and untracked leaves */
	G_WEAKREFS,		/* plus weakrefs, some with callbacks */
	G_FIN_RESURRECT,	/* finalizers that resurrect (the kernel's) */
	G_FIN_PLAIN,		/* finalizers that do not */
	G_GENERATIONS,		/* objects spread over generations 0-2 */
	G_SAVEALL,		/* DEBUG_SAVEALL */
	G_LEGACY,		/* legacy_finalizers */
};

/**
 * struct graph - a random object graph and what happened to it
 * @n: objects, 1..GMAX.
 * @obj: the objects; NULL once freed.
 * @id: their ids.
 * @adj: bit j of adj[i]: i holds at least one reference to j.
 * @mult: how many references i holds to j.
 * @ext: external references (handles) a root keeps; 0 for non-roots.
 * @batch: the generation an object is placed in (G_GENERATIONS).
 * @weak: a weakref, with a callback if @cb, to @referent.
 * @fin: has a finalizer.
 * @freed: the phase in which it was freed, 0 while alive.
 * @nfinal: finalizer calls.
 * @ncb: callbacks fired (weakrefs).
 * @cb_phase: the phase of its last callback.
 * @phase: 1 while dropping handles, 2 in the first collection, 3 after.
 */
struct graph {
	int n;
	struct hobj *obj[GMAX];
	unsigned long id[GMAX];
	u64 adj[GMAX];
	unsigned char mult[GMAX][GMAX];
	unsigned int ext[GMAX];
	int batch[GMAX];
	bool weak[GMAX], cb[GMAX], fin[GMAX], untracked[GMAX];
	int referent[GMAX];
	int freed[GMAX];
	int nfinal[GMAX];
	int ncb[GMAX];
	int cb_phase[GMAX];
	int phase;
};

static void graph_hook(struct hworld *w, enum hev type, struct hobj *o)
{
	struct graph *g = w->hook_arg;
	int i = o->tag;

	switch (type) {
	case HEV_FREE:
		g->freed[i] = g->phase;
		g->obj[i] = NULL;
		break;
	case HEV_FINALIZE:
		g->nfinal[i]++;
		break;
	case HEV_CALLBACK:
		g->ncb[i]++;
		g->cb_phase[i] = g->phase;
		break;
	default:
		break;
	}
}

static inline u64 bit(int i)
{
	return 1ull << i;
}

/*
 * Everything reachable from @from through objects of @within, by plain
 * breadth-first search; @from included (those of it in @within).
 */
static u64 reach_in(const struct graph *g, u64 from, u64 within)
{
	u64 seen = from & within, todo = seen;

	while (todo) {
		int i = __builtin_ctzll(todo);
		u64 fresh = g->adj[i] & within & ~seen;

		todo &= todo - 1;
		seen |= fresh;
		todo |= fresh;
	}
	return seen;
}

static u64 reach(const struct graph *g, u64 from)
{
	return reach_in(g, from, ~0ull);
}

/* Objects of @within on a cycle within it. */
static u64 cyclic_in(const struct graph *g, u64 within)
{
	u64 m = 0;
	int i;

	for (i = 0; i < g->n; i++)
		if ((within & bit(i)) &&
		    (reach_in(g, g->adj[i], within) & bit(i)))
			m |= bit(i);
	return m;
}

/*
 * What plain refcounting leaves alive of the objects @within: whatever a
 * root or a cycle (within them) reaches.
 */
static u64 refcount_survivors(const struct graph *g, u64 roots, u64 within)
{
	return reach_in(g, roots | cyclic_in(g, within), within);
}

static u64 alive_mask(const struct graph *g)
{
	u64 m = 0;
	int i;

	for (i = 0; i < g->n; i++)
		if (g->obj[i])
			m |= bit(i);
	return m;
}

static u64 roots_mask(const struct graph *g)
{
	u64 m = 0;
	int i;

	for (i = 0; i < g->n; i++)
		if (g->ext[i])
			m |= bit(i);
	return m;
}

/* Failures before the first success, success probability @p in (0, 1]. */
static int geometric(double p)
{
	double x;

	if (p >= 1)
		return 0;
	x = floor(log1p(-rndf()) / log1p(-p));
	return x < GMAX ? (int)x : GMAX;
}

static void shuffle(int *a, int n)
{
	int i;

	for (i = 0; i < n; i++)
		a[i] = i;
	for (i = n - 1; i > 0; i--) {
		int j = rnd(i + 1), t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

static void graph_create(struct hworld *w, struct graph *g, int i)
{
	if (g->weak[i])
		g->obj[i] = hobj_weakref(w, g->obj[g->referent[i]], g->cb[i]);
	else
		g->obj[i] = hobj_new(w, (g->fin[i] ? HOBJ_FINALIZER : 0) |
				     (g->untracked[i] ? HOBJ_UNTRACKED : 0));
	g->obj[i]->tag = i;
	g->id[i] = g->obj[i]->id;
}

/* Choose a graph, create it (every object holding one handle), link it. */
static void graph_build(struct hworld *w, struct graph *g, enum gmode mode)
{
	int n = 1 + rnd(GMAX), order[GMAX], i, j, k, b;
	double p, proot = rndf() < 0.2 ? 0 : rndf() * 0.4;
	struct rgc_result res;

	memset(g, 0, sizeof(*g));
	g->n = n;
	switch (rnd(8)) {
	case 0:
		p = rndf() * rndf();		/* dense */
		break;
	case 1:
		p = rndf() * 0.5 / n;		/* very sparse */
		break;
	default:
		p = rndf() * 3.0 / n;		/* around the giant component */
		break;
	}
	for (i = 0; i < n; i++) {
		if (mode == G_WEAKREFS && i && rnd(4) == 0) {
			g->weak[i] = true;
			g->cb[i] = rnd(2);
			g->referent[i] = rnd(i);	/* an earlier object */
			while (g->weak[g->referent[i]])
				g->referent[i] = rnd(i);
		}
		if ((mode == G_FIN_RESURRECT || mode == G_FIN_PLAIN ||
		     mode == G_LEGACY) && !g->weak[i] && rnd(4) == 0)
			g->fin[i] = true;
		if (mode == G_GENERATIONS)
			g->batch[i] = rnd(3);
		if (rndf() < proot)
			g->ext[i] = 1 + rnd(3);
	}
	for (i = 0; i < n; i++) {
		int j0 = rnd(n);

		if (g->weak[i])
			continue;
		/* Each of the n targets with probability p: geometric skips. */
		for (k = p > 0 ? geometric(p) : n; k < n; k += 1 + geometric(p)) {
			j = (j0 + k) % n;
			g->mult[i][j] = rnd(8) ? 1 : 2 + rnd(2);
			g->adj[i] |= bit(j);
		}
		/* A leaf may be an untracked (atomic) object. */
		if (mode == G_PLAIN && !g->adj[i] && rnd(4) == 0)
			g->untracked[i] = true;
	}

	/*
	 * Create: weakrefs after their (earlier, non-weak) referents; for
	 * G_GENERATIONS, batch 2 first, pushed to generation 2 by a
	 * collection of generation 1, then batch 1, pushed to generation 1.
	 */
	shuffle(order, n);
	for (b = 2; b >= 0; b--) {
		for (k = 0; k < n; k++)
			if (g->batch[order[k]] == b && !g->weak[order[k]])
				graph_create(w, g, order[k]);
		for (i = 0; i < n; i++)
			if (g->batch[i] == b && g->weak[i])
				graph_create(w, g, i);
		if (mode != G_GENERATIONS || !b)
			continue;
		CHECK_EQ(rgc_collect(&w->gc, b - 1, &res), 0);
		CHECK_EQ(res.collected, 0);
	}
	for (k = 0; k < n; k++) {
		int m;

		i = order[k];
		for (j = 0; j < n; j++)
			for (m = 0; m < g->mult[i][j]; m++)
				hobj_link(w, g->obj[i], g->obj[j]);
		for (m = 1; m < (int)g->ext[i]; m++)
			hobj_incref(g->obj[i]);
	}
}

/* Drop the handles of non-roots, in random order. */
static void graph_drop(struct hworld *w, struct graph *g)
{
	int order[GMAX], k;

	g->phase = 1;
	shuffle(order, g->n);
	for (k = 0; k < g->n; k++)
		if (!g->ext[order[k]])
			hobj_decref(w, g->obj[order[k]]);
}

/* Every live object's refcount is what the graph says it must be. */
static void graph_check_refcounts(struct hworld *w, struct graph *g)
{
	unsigned int want[GMAX], nslots;
	u64 alive = alive_mask(g), m;
	unsigned long k;
	int i, j;

	/* Handles, garbage-list and finalizer-queue entries ... */
	for (i = 0; i < g->n; i++)
		want[i] = g->ext[i];
	for (k = 0; k < w->ngarbage; k++)
		want[w->garbage[k]->tag]++;
	for (k = 0; k < w->nfin; k++)
		want[w->fin[k]->tag]++;
	/* ... and the slots of live objects, which they all keep. */
	for (m = alive; m; m &= m - 1) {
		u64 e;

		j = __builtin_ctzll(m);
		nslots = 0;
		for (e = g->adj[j]; e; e &= e - 1) {
			i = __builtin_ctzll(e);
			want[i] += g->mult[j][i];
			nslots += g->mult[j][i];
		}
		CHECK_EQ(g->obj[j]->nslots, nslots);
	}
	for (m = alive; m; m &= m - 1) {
		i = __builtin_ctzll(m);
		if (!CHECK_EQ(g->obj[i]->gc.refcnt, want[i]))
			return;
	}
}

/* Weakrefs: cleared exactly when their referent died, callbacks once. */
static void graph_check_weakrefs(struct graph *g)
{
	u64 alive = alive_mask(g);
	int i;

	for (i = 0; i < g->n; i++) {
		int r = g->referent[i];
		unsigned int listed = 0, want = 0;
		struct hobj *wr;

		if (!g->weak[i]) {
			if (!(alive & bit(i)))
				continue;
			/* Its weakref list holds exactly its live weakrefs. */
			for (wr = g->obj[i]->wrefs; wr; wr = wr->wr_next) {
				CHECK(wr->referent == g->obj[i]);
				listed++;
			}
			for (r = 0; r < g->n; r++)
				want += g->weak[r] && g->referent[r] == i &&
					(alive & bit(r));
			CHECK_EQ(listed, want);
			continue;
		}
		/* No callback ever fired for a weakref that then died. */
		if (g->cb_phase[i] >= 2)
			CHECK(g->freed[i] == 0 || g->freed[i] > g->cb_phase[i]);
		if (!(alive & bit(i)))
			continue;
		if (alive & bit(r)) {
			CHECK(g->obj[i]->referent == g->obj[r]);
			CHECK_EQ(g->ncb[i], 0);
		} else {
			CHECK(!g->obj[i]->referent);
			CHECK_EQ(g->ncb[i], g->cb[i] ? 1 : 0);
		}
	}
}

static unsigned long graph_args_graphs = 100000;

/*
 * The first failing graph, for the log: per object its kind, handles kept,
 * generation placed in, phase it was freed in, finalizer calls, and the
 * objects it refers to ("x2+": more than once).
 */
static void graph_dump(const struct graph *g, int gen)
{
	int i, j;

	printf("#   graph: %d objects, collected generation %d\n", g->n, gen);
	for (i = 0; i < g->n; i++) {
		printf("#     %d:%s%s%s ext %u gen %d freed@%d fin %d ->",
		       i, g->fin[i] ? " fin" : "", g->untracked[i] ? " untr" : "",
		       g->weak[i] ? (g->cb[i] ? " weak+cb" : " weak") : "",
		       g->ext[i], g->batch[i], g->freed[i], g->nfinal[i]);
		if (g->weak[i])
			printf(" (referent %d)", g->referent[i]);
		for (j = 0; j < g->n; j++)
			if (g->mult[i][j])
				printf(" %d%s", j, g->mult[i][j] > 1 ? "x2+" : "");
		printf("\n");
	}
}

static void graph_one(enum gmode mode)
{
	struct hworld w;
	struct graph g;
	struct rgc_result res;
	u64 roots, alive, fin = 0, want, young = 0, unreach, uncoll, freed2;
	u64 tracked = 0;
	unsigned long failures = check_failures;
	int i, gen = 2, it;

	hw_init(&w);
	w.hook = graph_hook;
	w.hook_arg = &g;
	w.fin_resurrect = mode == G_FIN_RESURRECT;
	graph_build(&w, &g, mode);
	roots = roots_mask(&g);
	for (i = 0; i < g.n; i++) {
		if (g.fin[i])
			fin |= bit(i);
		if (!g.untracked[i])
			tracked |= bit(i);
	}
	if (mode == G_GENERATIONS)
		for (i = 0; i < g.n; i++)
			if (!g.untracked[i])
				CHECK_EQ(rgc_generation(&g.obj[i]->gc),
					 g.batch[i]);

	/* Phase 1: plain refcounting frees what no cycle keeps alive. */
	graph_drop(&w, &g);
	alive = alive_mask(&g);
	if (mode != G_FIN_RESURRECT)
		CHECK_EQ(alive, refcount_survivors(&g, roots, ~0ull));
	graph_check_refcounts(&w, &g);

	/* Phase 2: one collection, of generation 2 unless G_GENERATIONS. */
	if (mode == G_GENERATIONS)
		gen = rnd(3);
	for (i = 0; i < g.n; i++)
		if ((alive & tracked & bit(i)) && g.batch[i] <= gen)
			young |= bit(i);
	if (mode == G_SAVEALL)
		w.gc.debug = RGC_DEBUG_SAVEALL;
	w.gc.legacy_finalizers = mode == G_LEGACY;
	g.phase = 2;
	res = collect(&w, gen);
	g.phase = 3;
	CHECK_EQ(res.visited, __builtin_popcountll(young));
	freed2 = alive & ~alive_mask(&g);
	/*
	 * A full collection frees exactly what it collected, plus the
	 * untracked objects only those kept alive.
	 */
	if (mode != G_GENERATIONS && mode != G_SAVEALL && mode != G_LEGACY)
		CHECK_EQ(res.collected, __builtin_popcountll(freed2 & tracked));
	unreach = alive & ~reach(&g, roots);
	uncoll = 0;

	switch (mode) {
	case G_FIN_RESURRECT:
		/* Finalized objects, and all they reach, came back. */
		want = reach(&g, roots | (fin & unreach));
		break;
	case G_GENERATIONS: {
		/*
		 * Collected: the young objects that neither a root nor an
		 * older object reaches.  Then, as they are cleared, whatever
		 * only they kept alive dies by refcount, older objects too.
		 */
		u64 coll = young & ~reach(&g, roots | (alive & ~young));

		CHECK_EQ(res.collected, __builtin_popcountll(coll));
		CHECK_EQ(coll & ~freed2, 0);
		want = refcount_survivors(&g, roots, alive & ~coll);
		for (i = 0; i < g.n; i++) {
			if (!(want & alive_mask(&g) & tracked & bit(i)))
				continue;
			CHECK_EQ(rgc_generation(&g.obj[i]->gc),
				 !(young & bit(i)) ? g.batch[i] :
				 gen < 2 ? gen + 1 : 2);
		}
		break;
	}
	case G_SAVEALL:
		/* Nothing freed: every unreachable object saved, once. */
		want = alive;
		CHECK_EQ(res.collected, __builtin_popcountll(unreach));
		CHECK_EQ(w.ngarbage, res.collected);
		for (i = 0; i < g.n; i++)
			if (unreach & bit(i))
				CHECK(g.obj[i] && (g.obj[i]->flags & HOBJ_GARBAGE));
		break;
	case G_LEGACY: {
		/*
		 * Finalizers and all they reach are uncollectable, the rest is
		 * cleared.  That may free some of the former by refcount, as
		 * in CPython ("It may also cause some objects in finalizers to
		 * be freed"); what is left of them is counted, and its
		 * finalizers saved.  Refcount deaths run finalizers.
		 */
		u64 coll;

		uncoll = reach(&g, unreach & fin) & unreach;
		coll = unreach & ~uncoll;
		want = refcount_survivors(&g, roots, alive & ~coll);
		uncoll &= want;
		CHECK_EQ(res.collected, __builtin_popcountll(coll));
		CHECK_EQ(coll & ~freed2, 0);
		CHECK_EQ(w.ngarbage, __builtin_popcountll(uncoll & fin));
		for (i = 0; i < g.n; i++)
			if (uncoll & fin & bit(i))
				CHECK(g.obj[i] && (g.obj[i]->flags & HOBJ_GARBAGE));
		for (i = 0; i < g.n; i++)
			CHECK_EQ(g.nfinal[i], g.fin[i] && g.freed[i] &&
				 g.freed[i] <= 2);
		break;
	}
	default:
		want = reach(&g, roots);
		break;
	}
	CHECK_EQ(alive_mask(&g), want);
	CHECK_EQ(res.uncollectable, __builtin_popcountll(uncoll));
	if (mode == G_FIN_PLAIN)
		for (i = 0; i < g.n; i++)
			CHECK_EQ(g.nfinal[i], (fin & ~want & bit(i)) ? 1 : 0);
	graph_check_refcounts(&w, &g);

	/* Phase 3: finalizers released, legacy off, everything collected. */
	w.gc.debug = 0;
	w.gc.legacy_finalizers = false;
	w.fin_resurrect = false;
	hw_garbage_clear(&w);
	for (it = 0; it < GMAX + 2 && (it == 0 || w.nfin); it++) {
		hw_fin_drain(&w);
		alive = alive_mask(&g);
		res = collect(&w, 2);
		freed2 = alive & ~alive_mask(&g);
		CHECK_EQ(res.collected, __builtin_popcountll(freed2 & tracked));
	}
	CHECK_EQ(w.nfin, 0);
	CHECK_EQ(alive_mask(&g), reach(&g, roots));
	graph_check_refcounts(&w, &g);
	graph_check_weakrefs(&g);
	/* Each finalizer of an unreachable object ran exactly once. */
	for (i = 0; i < g.n; i++)
		CHECK_EQ(g.nfinal[i], (fin & ~reach(&g, roots) & bit(i)) ? 1 : 0);

	if (check_failures != failures && !failures)
		graph_dump(&g, gen);

	/* Drop the roots' handles: everything must go. */
	g.phase = 4;
	for (i = 0; i < g.n; i++)
		while (g.obj[i] && g.ext[i]--)
			hobj_decref(&w, g.obj[i]);
	collect(&w, 2);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(w.errors, 0);
	hw_fini(&w);
}

static void graphs(enum gmode mode, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n && check_failures < 10; i++)
		graph_one(mode);
	if (check_failures)
		printf("#   (graph %lu of this test)\n", i);
}

static void test_graphs_plain(void)
{
	graphs(G_PLAIN, graph_args_graphs);
}

static void test_graphs_weakrefs(void)
{
	graphs(G_WEAKREFS, graph_args_graphs / 10 + 1);
}

static void test_graphs_fin_resurrect(void)
{
	graphs(G_FIN_RESURRECT, graph_args_graphs / 10 + 1);
}

static void test_graphs_fin_plain(void)
{
	graphs(G_FIN_PLAIN, graph_args_graphs / 10 + 1);
}

static void test_graphs_generations(void)
{
	graphs(G_GENERATIONS, graph_args_graphs / 10 + 1);
}

static void test_graphs_saveall(void)
{
	graphs(G_SAVEALL, graph_args_graphs / 10 + 1);
}

static void test_graphs_legacy(void)
{
	graphs(G_LEGACY, graph_args_graphs / 10 + 1);
}

/* ---- 2. generations ---------------------------------------------------- */

static struct hobj **new_objs(struct hworld *w, unsigned long n)
{
	struct hobj **v = calloc(n ? n : 1, sizeof(*v));
	unsigned long i;

	if (!v)
		abort();
	for (i = 0; i < n; i++)
		v[i] = hobj_new(w, 0);
	return v;
}

static void put_objs(struct hworld *w, struct hobj **v, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		hobj_decref(w, v[i]);
	free(v);
}

struct reentry {
	int collect_err;
	bool due;
	int calls;
};

static void reentry_hook(struct hworld *w, enum hev type, struct hobj *o)
{
	struct reentry *r = w->hook_arg;
	struct rgc_result res;

	if (type != HEV_FINALIZE || !o)
		return;
	r->calls++;
	r->collect_err = rgc_collect(&w->gc, 0, &res);
	w->gc.gen[0].count = 1000;
	r->due = rgc_collection_due(&w->gc);
}

static void test_gen_due(void)
{
	struct hworld w;
	struct hobj **v, *a, *b;
	struct reentry r = { 0 };
	struct rgc_result res;

	hw_init(&w);
	CHECK_EQ(w.gc.gen[0].threshold, 700);
	CHECK_EQ(w.gc.gen[1].threshold, 10);
	CHECK_EQ(w.gc.gen[2].threshold, 10);
	v = new_objs(&w, 700);
	CHECK_EQ(w.gc.gen[0].count, 700);
	CHECK(!rgc_collection_due(&w.gc));
	a = hobj_new(&w, 0);
	CHECK_EQ(w.gc.gen[0].count, 701);
	CHECK(rgc_collection_due(&w.gc));
	CHECK_EQ(rgc_auto_generation(&w.gc), 0);
	w.gc.enabled = false;
	CHECK(!rgc_collection_due(&w.gc));
	w.gc.enabled = true;
	w.gc.gen[0].threshold = 0;
	CHECK(!rgc_collection_due(&w.gc));
	w.gc.gen[0].threshold = 700;

	/* A deallocation counts -1. */
	hobj_decref(&w, a);
	CHECK_EQ(w.gc.gen[0].count, 700);
	CHECK(!rgc_collection_due(&w.gc));

	/* Untracked objects count nothing. */
	a = hobj_new(&w, HOBJ_UNTRACKED);
	CHECK_EQ(w.gc.gen[0].count, 700);
	hobj_decref(&w, a);
	CHECK_EQ(w.gc.gen[0].count, 700);

	/* Not below zero. */
	collect(&w, 0);
	CHECK_EQ(w.gc.gen[0].count, 0);
	put_objs(&w, v, 700);
	CHECK_EQ(w.gc.gen[0].count, 0);
	CHECK_EQ(w.nlive, 0);

	/* During a collection: not due, and no second collection. */
	w.hook = reentry_hook;
	w.hook_arg = &r;
	a = hobj_new(&w, HOBJ_FINALIZER);
	b = hobj_new(&w, 0);
	hobj_link(&w, a, b);
	hobj_link(&w, b, a);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	res = collect(&w, 2);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.collect_err, -EBUSY);
	CHECK(!r.due);
	CHECK(rgc_collection_due(&w.gc));	/* count0 = 1000 from the hook */
	CHECK_EQ(res.collected, 0);		/* resurrected */
	CHECK_EQ(w.gc.stats[0].collections, 1);
	w.hook = NULL;

	/* Bad generations. */
	CHECK_EQ(rgc_collect(&w.gc, -1, &res), -EINVAL);
	CHECK_EQ(rgc_collect(&w.gc, 3, &res), -EINVAL);
	CHECK_EQ(res.generation, 3);
	CHECK_EQ(w.gc.gen[0].count, 1000);
	finish(&w, true);
}

static void test_gen_counts(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj **v;
	int i;

	hw_init(&w);
	v = new_objs(&w, 5);
	CHECK_EQ(w.gc.gen[0].count, 5);
	for (i = 1; i <= 3; i++) {
		res = collect(&w, 0);
		CHECK_EQ(res.generation, 0);
		CHECK_EQ(w.gc.gen[0].count, 0);
		CHECK_EQ(w.gc.gen[1].count, i);
		CHECK_EQ(w.gc.gen[2].count, 0);
		CHECK_EQ(w.gc.stats[0].collections, i);
	}
	w.gc.gen[0].count = 7;
	res = collect(&w, 1);
	CHECK_EQ(res.generation, 1);
	CHECK_EQ(w.gc.gen[0].count, 0);
	CHECK_EQ(w.gc.gen[1].count, 0);
	CHECK_EQ(w.gc.gen[2].count, 1);
	CHECK_EQ(w.gc.stats[1].collections, 1);
	collect(&w, 0);
	collect(&w, 1);
	CHECK_EQ(w.gc.gen[1].count, 0);
	CHECK_EQ(w.gc.gen[2].count, 2);
	w.gc.gen[0].count = 3;
	w.gc.gen[1].count = 4;
	res = collect(&w, 2);
	CHECK_EQ(res.generation, 2);
	CHECK_EQ(w.gc.gen[0].count, 0);
	CHECK_EQ(w.gc.gen[1].count, 0);
	CHECK_EQ(w.gc.gen[2].count, 0);
	CHECK_EQ(w.gc.stats[0].collections, 4);
	CHECK_EQ(w.gc.stats[1].collections, 2);
	CHECK_EQ(w.gc.stats[2].collections, 1);
	CHECK_EQ(w.gc.stats[2].visited, 5);
	CHECK(w.gc.stats[2].max_ns <= w.gc.stats[2].total_ns);
	put_objs(&w, v, 5);
	finish(&w, true);
}

static void test_gen_promotion(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj **v, *x, *y, *z;
	int i;

	hw_init(&w);
	v = new_objs(&w, 10);
	for (i = 0; i < 10; i++)
		CHECK_EQ(rgc_generation(&v[i]->gc), 0);
	res = collect(&w, 0);
	CHECK_EQ(res.visited, 10);
	CHECK_EQ(rgc_gen_size(&w.gc, 0), 0);
	CHECK_EQ(rgc_gen_size(&w.gc, 1), 10);
	for (i = 0; i < 10; i++)
		CHECK_EQ(rgc_generation(&v[i]->gc), 1);

	/* A garbage cycle in generation 1 survives a gen-0 collection. */
	x = hobj_new(&w, 0);
	y = hobj_new(&w, 0);
	hobj_link(&w, x, y);
	hobj_link(&w, y, x);
	collect(&w, 0);
	hobj_decref(&w, x);
	hobj_decref(&w, y);
	/* A young object kept only by an old one is not collected. */
	z = hobj_new(&w, 0);
	hobj_link(&w, v[0], z);
	hobj_decref(&w, z);
	res = collect(&w, 0);
	CHECK_EQ(res.visited, 1);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(rgc_generation(&x->gc), 1);
	CHECK_EQ(rgc_generation(&z->gc), 1);
	CHECK_EQ(rgc_gen_size(&w.gc, 1), 13);

	res = collect(&w, 1);
	CHECK_EQ(res.visited, 13);
	CHECK_EQ(res.collected, 2);		/* x, y */
	CHECK_EQ(rgc_gen_size(&w.gc, 1), 0);
	CHECK_EQ(rgc_gen_size(&w.gc, 2), 11);
	for (i = 0; i < 10; i++)
		CHECK_EQ(rgc_generation(&v[i]->gc), 2);
	CHECK_EQ(rgc_generation(&z->gc), 2);
	res = collect(&w, 2);
	CHECK_EQ(res.visited, 11);
	CHECK_EQ(rgc_gen_size(&w.gc, 2), 11);
	CHECK_EQ(rgc_generation(&v[3]->gc), 2);
	CHECK_EQ(rgc_gen_size(&w.gc, 7), 0);
	CHECK_EQ(rgc_gen_size(&w.gc, -1), 0);

	/* The stats add up. */
	CHECK_EQ(w.gc.stats[1].collected, 2);
	CHECK_EQ(w.gc.stats[0].collected, 0);
	CHECK_EQ(w.gc.stats[0].visited, 10 + 2 + 1);
	put_objs(&w, v, 10);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(rgc_generation(&((struct hobj){ 0 }).gc), -1);
	finish(&w, true);
}

static void test_gen_auto(void)
{
	struct hworld w;
	struct hobj **v;
	unsigned long i, n = 133 * 701;
	int gen;

	hw_init(&w);
	CHECK_EQ(rgc_auto_generation(&w.gc), -1);
	w.gc.gen[0].count = 701;
	CHECK_EQ(rgc_auto_generation(&w.gc), 0);
	w.gc.gen[1].count = 11;
	CHECK_EQ(rgc_auto_generation(&w.gc), 1);
	w.gc.gen[0].count = 0;
	CHECK_EQ(rgc_auto_generation(&w.gc), 1);	/* oldest due, any count0 */
	w.gc.gen[1].count = 10;
	CHECK_EQ(rgc_auto_generation(&w.gc), -1);
	w.gc.gen[2].count = 11;
	CHECK_EQ(rgc_auto_generation(&w.gc), 2);	/* 0 >= 0 / 4 */
	w.gc.long_lived_total = 100;
	w.gc.long_lived_pending = 24;
	CHECK_EQ(rgc_auto_generation(&w.gc), -1);	/* 24 < 25 */
	w.gc.gen[1].count = 11;
	CHECK_EQ(rgc_auto_generation(&w.gc), 1);
	w.gc.long_lived_pending = 25;
	CHECK_EQ(rgc_auto_generation(&w.gc), 2);
	w.gc.gen[2].count = 10;
	CHECK_EQ(rgc_auto_generation(&w.gc), 1);
	hw_fini(&w);

	/*
	 * Allocate as the kernel client does, collecting whenever due:
	 * generation 1 every 12th collection (count1 reaching 11), and
	 * generation 2 at the 133rd, the first after count2 reached 11
	 * (long_lived_total still 0, so pending >= total / 4).
	 */
	hw_init(&w);
	v = calloc(n, sizeof(*v));
	if (!v)
		abort();
	for (i = 0; i < n; i++) {
		v[i] = hobj_new(&w, 0);
		if (!rgc_collection_due(&w.gc))
			continue;
		CHECK_EQ((i + 1) % 701, 0);
		gen = rgc_auto_generation(&w.gc);
		CHECK_EQ(gen, (i + 1) / 701 == 133 ? 2 :
			 (i + 1) / 701 % 12 == 0 ? 1 : 0);
		collect(&w, gen);
		if (gen == 1)
			CHECK_EQ(w.gc.long_lived_pending, (i + 1) / 701 * 701);
	}
	CHECK_EQ(w.gc.stats[0].collections, 121);
	CHECK_EQ(w.gc.stats[1].collections, 11);
	CHECK_EQ(w.gc.stats[2].collections, 1);
	CHECK_EQ(w.gc.long_lived_total, n);
	CHECK_EQ(w.gc.long_lived_pending, 0);
	CHECK_EQ(rgc_gen_size(&w.gc, 2), n);

	/* Now gen 2 waits for pending >= total / 4, however high count2. */
	w.gc.gen[2].count = 50;
	w.gc.gen[1].count = 11;
	CHECK_EQ(rgc_auto_generation(&w.gc), 1);
	w.gc.long_lived_pending = n / 4;
	CHECK_EQ(rgc_auto_generation(&w.gc), 2);
	free(v);
	finish(&w, false);
}

static void test_gen_freeze(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *c, *x, *y;
	unsigned long xid, yid;

	hw_init(&w);
	w.logging = true;
	a = hobj_new(&w, 0);
	collect(&w, 1);				/* a: gen 2 */
	b = hobj_new(&w, 0);
	collect(&w, 0);				/* b: gen 1 */
	x = hobj_new(&w, 0);			/* x, y: gen 0 garbage */
	y = hobj_new(&w, 0);
	xid = x->id;
	yid = y->id;
	hobj_link(&w, x, y);
	hobj_link(&w, y, x);
	hobj_decref(&w, x);
	hobj_decref(&w, y);
	w.gc.gen[1].count = 5;
	w.gc.gen[2].count = 6;
	CHECK_EQ(w.gc.gen[0].count, 2);

	rgc_freeze(&w.gc);
	CHECK_EQ(rgc_gen_size(&w.gc, RGC_GEN_PERMANENT), 4);
	CHECK_EQ(rgc_gen_size(&w.gc, 0) + rgc_gen_size(&w.gc, 1) +
		 rgc_gen_size(&w.gc, 2), 0);
	CHECK_EQ(rgc_generation(&a->gc), RGC_GEN_PERMANENT);
	CHECK_EQ(rgc_generation(&b->gc), RGC_GEN_PERMANENT);
	CHECK_EQ(rgc_generation(&x->gc), RGC_GEN_PERMANENT);
	CHECK_EQ(w.gc.gen[0].count, 0);		/* freeze resets count0 */
	CHECK_EQ(w.gc.gen[1].count, 5);		/* ... only (3.12) */
	CHECK_EQ(w.gc.gen[2].count, 6);

	/* Frozen garbage is never collected. */
	res = collect(&w, 2);
	CHECK_EQ(res.visited, 0);
	CHECK_EQ(res.collected, 0);
	CHECK(!was_freed(&w, xid));
	c = hobj_new(&w, 0);
	CHECK_EQ(rgc_generation(&c->gc), 0);

	rgc_unfreeze(&w.gc);
	CHECK_EQ(rgc_gen_size(&w.gc, RGC_GEN_PERMANENT), 0);
	CHECK_EQ(rgc_gen_size(&w.gc, 2), 4);
	CHECK_EQ(rgc_generation(&a->gc), 2);
	CHECK_EQ(rgc_generation(&y->gc), 2);
	CHECK_EQ(rgc_generation(&c->gc), 0);
	res = collect(&w, 2);
	CHECK_EQ(res.visited, 5);
	CHECK_EQ(res.collected, 2);
	CHECK(was_freed(&w, xid) && was_freed(&w, yid));

	/* A frozen object can still die by refcount. */
	rgc_freeze(&w.gc);
	hobj_decref(&w, b);
	CHECK_EQ(rgc_gen_size(&w.gc, RGC_GEN_PERMANENT), 2);
	hobj_decref(&w, a);
	hobj_decref(&w, c);
	CHECK_EQ(rgc_gen_size(&w.gc, RGC_GEN_PERMANENT), 0);
	finish(&w, true);
}

/* ---- 3. finalizers (PEP 442) ------------------------------------------ */

static struct hobj *new_cycle2(struct hworld *w, unsigned int fa,
			       unsigned int fb, struct hobj **b)
{
	struct hobj *a = hobj_new(w, fa);

	*b = hobj_new(w, fb);
	hobj_link(w, a, *b);
	hobj_link(w, *b, a);
	return a;
}

static void test_fin_resurrect(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *c, *d, *x, *y, *z, *z2;
	unsigned long xid, yid, zid, z2id;

	hw_init(&w);
	w.logging = true;
	/* a <-> b, both with finalizers; a -> c <-> d; z <-> z2, z -> a. */
	a = new_cycle2(&w, HOBJ_FINALIZER, HOBJ_FINALIZER, &b);
	c = new_cycle2(&w, 0, 0, &d);
	hobj_link(&w, a, c);
	x = new_cycle2(&w, 0, 0, &y);
	z = new_cycle2(&w, 0, 0, &z2);
	hobj_link(&w, z, a);
	xid = x->id;
	yid = y->id;
	zid = z->id;
	z2id = z2->id;
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	hobj_decref(&w, c);
	hobj_decref(&w, d);
	hobj_decref(&w, x);
	hobj_decref(&w, y);
	hobj_decref(&w, z);
	hobj_decref(&w, z2);
	CHECK_EQ(w.nlive, 8);

	res = collect(&w, 2);
	CHECK_EQ(res.visited, 8);
	CHECK_EQ(a->finalized, 1);
	CHECK_EQ(b->finalized, 1);
	CHECK_EQ(c->finalized + d->finalized, 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 2);
	CHECK(rgc_is_finalized(&a->gc) && rgc_is_finalized(&b->gc));
	CHECK(!rgc_is_finalized(&c->gc));
	/* Resurrected with all they reach; the rest collected. */
	CHECK_EQ(res.collected, 4);
	CHECK_EQ(w.nlive, 4);
	CHECK(was_freed(&w, xid) && was_freed(&w, yid));
	CHECK(was_freed(&w, zid) && was_freed(&w, z2id));
	CHECK_EQ(a->gc.refcnt, 2);		/* b, the finalizer queue */
	CHECK_EQ(b->gc.refcnt, 2);		/* a, the finalizer queue */
	CHECK_EQ(c->gc.refcnt, 2);
	CHECK_EQ(d->gc.refcnt, 1);
	CHECK_EQ(a->nslots, 2);
	CHECK_EQ(c->nslots, 1);
	CHECK_EQ(rgc_generation(&a->gc), 2);
	CHECK_EQ(rgc_generation(&d->gc), 2);
	CHECK_EQ(a->gc.flags & (RGC_F_COLLECTING | RGC_F_UNREACHABLE), 0);
	CHECK_EQ(c->gc.flags & (RGC_F_COLLECTING | RGC_F_UNREACHABLE), 0);
	CHECK_EQ(w.count[HEV_CLEAR], 2);	/* x or y, z or z2 */

	/* Still referenced by the queue: nothing to collect. */
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.nlive, 4);

	/* Released: collected, without finalizing again. */
	CHECK_EQ(hw_fin_drain(&w), 2);
	CHECK_EQ(w.nlive, 4);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 4);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 2);
	CHECK_EQ(w.nfin, 0);
	finish(&w, true);
}

static void test_fin_no_resurrect(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b;
	unsigned long aid;

	hw_init(&w);
	w.logging = true;
	w.fin_resurrect = false;
	a = new_cycle2(&w, HOBJ_FINALIZER, 0, &b);
	aid = a->id;
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 2);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, aid), 1);
	CHECK_EQ(w.count[HEV_FINALIZE], 1);
	/* Finalized before anything was cleared. */
	CHECK(ev_find(&w, HEV_FINALIZE, aid, 0) < ev_find(&w, HEV_CLEAR, 0, 0));
	finish(&w, true);
}

/* A finalizer that resurrects an object other than its own. */
struct resurrect_other {
	struct hobj *fin, *target;
	bool done;
};

static void resurrect_other_hook(struct hworld *w, enum hev type,
				 struct hobj *o)
{
	struct resurrect_other *r = w->hook_arg;

	if (type == HEV_FINALIZE && o == r->fin && !r->done) {
		hobj_incref(r->target);
		r->done = true;
	}
}

static void test_fin_resurrect_other(void)
{
	struct hworld w;
	struct rgc_result res;
	struct resurrect_other r = { 0 };
	struct hobj *f, *g, *e, *e2, *h;
	unsigned long hid;

	hw_init(&w);
	w.logging = true;
	w.fin_resurrect = false;	/* f does not keep itself */
	w.hook = resurrect_other_hook;
	w.hook_arg = &r;
	/* f <-> g (f finalizer); e <-> e2 -> h, all unrelated to f. */
	f = new_cycle2(&w, HOBJ_FINALIZER, 0, &g);
	e = new_cycle2(&w, 0, 0, &e2);
	h = hobj_new(&w, 0);
	hobj_link(&w, e2, h);
	hid = h->id;
	r.fin = f;
	r.target = e;
	hobj_decref(&w, f);
	hobj_decref(&w, g);
	hobj_decref(&w, e);
	hobj_decref(&w, e2);
	hobj_decref(&w, h);
	res = collect(&w, 2);
	CHECK(r.done);
	CHECK_EQ(res.collected, 2);		/* f, g */
	CHECK_EQ(w.nlive, 3);			/* e, e2, h */
	CHECK(!was_freed(&w, hid));
	CHECK_EQ(e->gc.refcnt, 2);
	CHECK_EQ(h->gc.refcnt, 1);
	CHECK_EQ(e2->nslots, 2);
	hobj_decref(&w, e);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 3);
	CHECK_EQ(w.count[HEV_FINALIZE], 1);
	finish(&w, true);
}

static void test_fin_refcount_death(void)
{
	struct hworld w;
	struct hobj *a, *b, *c;

	hw_init(&w);
	/* Finalized by refcount death: resurrected by the queue. */
	c = hobj_new(&w, HOBJ_FINALIZER);
	hobj_decref(&w, c);
	CHECK_EQ(c->finalized, 1);
	CHECK_EQ(w.nlive, 1);
	CHECK(rgc_is_finalized(&c->gc));
	hw_fin_drain(&w);
	CHECK_EQ(w.nlive, 0);

	/* Finalized by the collector, then dying by refcount: not again. */
	a = new_cycle2(&w, HOBJ_FINALIZER, 0, &b);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	collect(&w, 2);
	CHECK_EQ(a->finalized, 1);
	hw_fin_drain(&w);
	hobj_unlink(&w, b, 0);			/* breaks the cycle: all die */
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 2);
	finish(&w, true);
}

/* What the pipeline looked like at its two key moments. */
struct order_probe {
	struct hobj *f, *r, *g, *wc, *wn, *wg, *wgc;
	int at_fin, at_clear;
	bool fin_wc_cleared, fin_wc_fired, fin_wgc_cleared, fin_wn_intact,
	     fin_wg_intact, clear_wg_cleared, clear_wn_intact;
};

static void order_hook(struct hworld *w, enum hev type, struct hobj *o)
{
	struct order_probe *p = w->hook_arg;

	if (type == HEV_FINALIZE && o == p->f) {
		p->at_fin++;
		p->fin_wc_cleared = !p->wc->referent;
		p->fin_wc_fired = p->wc->fired == 1;
		p->fin_wgc_cleared = !p->wgc->referent;
		p->fin_wn_intact = p->wn->referent == p->r;
		p->fin_wg_intact = p->wg->referent == p->g;
	} else if (type == HEV_CLEAR && !p->at_clear++) {
		p->clear_wg_cleared = !p->wg->referent;
		p->clear_wn_intact = p->wn->referent == p->r;
	}
}

static void test_fin_order(void)
{
	struct hworld w;
	struct rgc_result res;
	struct order_probe p = { 0 };
	struct hobj *h;
	unsigned long fid, rid, gid, hid;
	long i_rep, i_cb, i_cb_last, i_fin, i_trav_f, i_trav_r, i_wg, i_clr;

	hw_init(&w);
	w.logging = true;
	w.hook = order_hook;
	w.hook_arg = &p;
	w.gc.debug = RGC_DEBUG_COLLECTABLE;
	/*
	 * f <-> r, f with a finalizer that resurrects it; r has weakrefs wc
	 * (callback) and wn (none).  g <-> h, no finalizer; g has weakrefs
	 * wg (none) and wgc (callback).  The weakrefs are held outside.
	 */
	p.f = new_cycle2(&w, HOBJ_FINALIZER, 0, &p.r);
	p.g = new_cycle2(&w, 0, 0, &h);
	p.wc = hobj_weakref(&w, p.r, true);
	p.wn = hobj_weakref(&w, p.r, false);
	p.wg = hobj_weakref(&w, p.g, false);
	p.wgc = hobj_weakref(&w, p.g, true);
	fid = p.f->id;
	rid = p.r->id;
	gid = p.g->id;
	hid = h->id;
	hobj_decref(&w, p.f);
	hobj_decref(&w, p.r);
	hobj_decref(&w, p.g);
	hobj_decref(&w, h);
	w.nlog = 0;
	res = collect(&w, 2);

	/* Observed from inside the finalizer and the first clear(). */
	CHECK_EQ(p.at_fin, 1);
	CHECK(p.fin_wc_cleared);	/* callbacks handled before ... */
	CHECK(p.fin_wc_fired);
	CHECK(p.fin_wgc_cleared);
	CHECK(p.fin_wn_intact);		/* ... others cleared after */
	CHECK(p.fin_wg_intact);
	CHECK(p.at_clear >= 1);
	CHECK(p.clear_wg_cleared);	/* cleared before clear() */
	CHECK(p.clear_wn_intact);	/* r was resurrected: kept */

	/* The event log, in order. */
	i_rep = ev_last(&w, HEV_REPORT_C);
	i_cb = ev_find(&w, HEV_CALLBACK, 0, 0);
	i_cb_last = ev_last(&w, HEV_CALLBACK);
	i_fin = ev_find(&w, HEV_FINALIZE, fid, 0);
	i_trav_f = ev_find(&w, HEV_TRAVERSE, fid, i_fin);
	i_trav_r = ev_find(&w, HEV_TRAVERSE, rid, i_fin);
	i_wg = ev_find(&w, HEV_WRCLEAR, p.wg->id, 0);
	i_clr = ev_find(&w, HEV_CLEAR, 0, 0);
	CHECK_EQ(ev_count(&w, HEV_REPORT_C, 0), 4);
	CHECK_EQ(ev_count(&w, HEV_CALLBACK, 0), 2);
	CHECK(i_rep >= 0 && i_rep < i_cb);
	CHECK(i_cb_last >= 0 && i_cb_last < i_fin);
	/* The resurrection check traverses f and r again after f's finalizer. */
	CHECK(i_fin >= 0 && i_fin < i_trav_f && i_fin < i_trav_r);
	CHECK(i_trav_f < i_wg && i_trav_r < i_wg);
	CHECK(i_wg >= 0 && i_wg < i_clr);
	CHECK_EQ(ev_find(&w, HEV_TRAVERSE, 0, i_wg), -1);
	CHECK_EQ(ev_count(&w, HEV_WRCLEAR, p.wn->id), 0);
	CHECK_EQ(ev_count(&w, HEV_CLEAR, fid) + ev_count(&w, HEV_CLEAR, rid), 0);
	CHECK_EQ(ev_count(&w, HEV_CLEAR, gid) + ev_count(&w, HEV_CLEAR, hid), 1);

	/* The outcome. */
	CHECK_EQ(res.collected, 2);
	CHECK(was_freed(&w, gid) && was_freed(&w, hid));
	CHECK(!was_freed(&w, fid) && !was_freed(&w, rid));
	CHECK(!p.wc->referent && p.wc->fired == 1);	/* r lives on */
	CHECK(p.wn->referent == p.r && p.wn->fired == 0);
	CHECK(!p.wg->referent && p.wg->fired == 0);
	CHECK(!p.wgc->referent && p.wgc->fired == 1);
	CHECK(p.r->wrefs == p.wn && !p.wn->wr_next);

	hobj_decref(&w, p.wc);
	hobj_decref(&w, p.wg);
	hobj_decref(&w, p.wgc);
	hw_fin_drain(&w);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 2);
	CHECK(!p.wn->referent && p.wn->fired == 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 1);
	hobj_decref(&w, p.wn);
	finish(&w, true);
}

/* ---- 4. legacy finalizers --------------------------------------------- */

struct legacy_set {
	struct hobj *f, *n, *m, *f2, *x, *y, *p, *p2, *wx, *wf;
	unsigned long id[8];	/* f n m f2 x y p p2 */
};

/*
 * f <-> n -> m -> f2 (f, f2 with finalizers): uncollectable in legacy
 * mode.  x <-> y, and p <-> p2 -> f: collectable.  wx: a weakref with a
 * callback to x, held by n; wf: one to f, held outside.
 */
static void legacy_build(struct hworld *w, struct legacy_set *s)
{
	struct hobj **all[8] = { &s->f, &s->n, &s->m, &s->f2,
				 &s->x, &s->y, &s->p, &s->p2 };
	int i;

	s->f = new_cycle2(w, HOBJ_FINALIZER, 0, &s->n);
	s->m = hobj_new(w, 0);
	s->f2 = hobj_new(w, HOBJ_FINALIZER);
	hobj_link(w, s->n, s->m);
	hobj_link(w, s->m, s->f2);
	s->x = new_cycle2(w, 0, 0, &s->y);
	s->p = new_cycle2(w, 0, 0, &s->p2);
	hobj_link(w, s->p2, s->f);
	s->wx = hobj_weakref(w, s->x, true);
	hobj_link(w, s->n, s->wx);
	hobj_decref(w, s->wx);
	s->wf = hobj_weakref(w, s->f, true);
	for (i = 0; i < 8; i++) {
		s->id[i] = (*all[i])->id;
		hobj_decref(w, *all[i]);
	}
}

static void test_legacy(void)
{
	struct hworld w;
	struct rgc_result res;
	struct legacy_set s;
	int i;

	hw_init(&w);
	w.logging = true;
	w.gc.legacy_finalizers = true;
	w.gc.debug = RGC_DEBUG_COLLECTABLE | RGC_DEBUG_UNCOLLECTABLE;
	legacy_build(&w, &s);
	CHECK_EQ(w.nlive, 10);
	res = collect(&w, 2);
	CHECK_EQ(res.uncollectable, 5);		/* f n m f2 wx */
	CHECK_EQ(res.collected, 4);		/* x y p p2 */
	for (i = 0; i < 8; i++)
		CHECK_EQ(was_freed(&w, s.id[i]), i >= 4);
	CHECK_EQ(w.nlive, 6);
	CHECK_EQ(w.count[HEV_FINALIZE], 0);
	/* Only the finalizer objects are saved. */
	CHECK_EQ(w.ngarbage, 2);
	CHECK(in_garbage(&w, s.f) && in_garbage(&w, s.f2));
	CHECK(!(s.n->flags & HOBJ_GARBAGE) && !(s.m->flags & HOBJ_GARBAGE));
	CHECK(w.last_reserve >= 2);
	CHECK_EQ(s.f->gc.refcnt, 2);		/* n, garbage; p2's went */
	CHECK_EQ(s.n->gc.refcnt, 1);
	CHECK_EQ(s.m->gc.refcnt, 1);
	CHECK_EQ(s.f2->gc.refcnt, 2);
	CHECK_EQ(s.n->nslots, 3);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(ev_count(&w, HEV_REPORT_U, s.id[i]), 1);
		CHECK_EQ(ev_count(&w, HEV_REPORT_C, s.id[i + 4]), 1);
	}
	CHECK_EQ(ev_count(&w, HEV_REPORT_U, 0), 5);
	CHECK_EQ(ev_count(&w, HEV_REPORT_C, 0), 4);
	CHECK_EQ(rgc_generation(&s.n->gc), 2);
	CHECK_EQ(s.n->gc.flags & (RGC_F_COLLECTING | RGC_F_UNREACHABLE), 0);
	/* wx is not being collected (uncollectable): its callback fires. */
	CHECK(!s.wx->referent && s.wx->fired == 1);
	CHECK(s.wf->referent == s.f && s.wf->fired == 0);
	CHECK_EQ(w.gc.stats[2].uncollectable, 5);

	/* gc.garbage now keeps them: reachable, nothing to report. */
	res = collect(&w, 2);
	CHECK_EQ(res.uncollectable, 0);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.ngarbage, 2);

	/* Released, legacy off: finalized once each, and collected. */
	w.gc.legacy_finalizers = false;
	w.fin_resurrect = false;
	CHECK_EQ(hw_garbage_clear(&w), 2);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 5);
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, s.id[0]), 1);
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, s.id[3]), 1);
	CHECK(!s.wf->referent && s.wf->fired == 1);
	hobj_decref(&w, s.wf);
	finish(&w, true);
}

static void test_legacy_saveall(void)
{
	struct hworld w;
	struct rgc_result res;
	struct legacy_set s;
	int i;

	hw_init(&w);
	w.logging = true;
	w.gc.legacy_finalizers = true;
	w.gc.debug = RGC_DEBUG_SAVEALL;
	legacy_build(&w, &s);
	res = collect(&w, 2);
	CHECK_EQ(res.uncollectable, 5);
	CHECK_EQ(res.collected, 4);
	CHECK_EQ(w.nlive, 10);
	CHECK_EQ(w.ngarbage, 9);
	CHECK(w.last_reserve >= 9);
	for (i = 0; i < 8; i++)
		CHECK_EQ(ev_count(&w, HEV_SAVE, s.id[i]), 1);
	CHECK(in_garbage(&w, s.wx));
	CHECK_EQ(s.x->gc.refcnt, 2);		/* y, garbage */
	CHECK_EQ(s.f->gc.refcnt, 3);		/* n, p2, garbage */
	CHECK_EQ(w.count[HEV_CLEAR] + w.count[HEV_FREE], 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 0);
	hobj_decref(&w, s.wf);
	finish(&w, true);
}

/*
 * q <-> q2 -> k -> l, k with a finalizer: in legacy mode k and l are
 * uncollectable, but clearing q frees k by refcount (CPython: "It may also
 * cause some objects in finalizers to be freed"), running its finalizer.
 * If that finalizer resurrects k (the kernel's queued event), k stays on
 * the uncollectable list: counted, and saved.
 */
static void legacy_freed_by_clear(bool resurrect)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *q, *q2, *k, *l;
	unsigned long kid, lid;

	hw_init(&w);
	w.logging = true;
	w.fin_resurrect = resurrect;
	w.gc.legacy_finalizers = true;
	q = new_cycle2(&w, 0, 0, &q2);
	k = hobj_new(&w, HOBJ_FINALIZER);
	l = hobj_new(&w, 0);
	hobj_link(&w, q2, k);
	hobj_link(&w, k, l);
	kid = k->id;
	lid = l->id;
	hobj_decref(&w, q);
	hobj_decref(&w, q2);
	hobj_decref(&w, k);
	hobj_decref(&w, l);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 2);
	CHECK(w.last_reserve >= 1);
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, kid), 1);
	CHECK(ev_find(&w, HEV_CLEAR, 0, 0) < ev_find(&w, HEV_FINALIZE, kid, 0));
	if (resurrect) {
		CHECK_EQ(res.uncollectable, 2);
		CHECK_EQ(w.ngarbage, 1);
		CHECK(in_garbage(&w, k));
		CHECK_EQ(k->gc.refcnt, 2);		/* event, garbage */
		CHECK_EQ(rgc_generation(&l->gc), 2);
	} else {
		CHECK_EQ(res.uncollectable, 0);
		CHECK_EQ(w.ngarbage, 0);
		CHECK(was_freed(&w, kid) && was_freed(&w, lid));
		CHECK_EQ(w.nlive, 0);
	}
	finish(&w, true);
}

static void test_legacy_freed_by_clear(void)
{
	legacy_freed_by_clear(false);
	legacy_freed_by_clear(true);
}

struct snap {
	struct hobj *o;
	u32 refcnt, flags, nslots;
	struct hobj *slot0, *referent;
	unsigned int fired;
	int gen;
};

static int snap_all(struct hworld *w, struct snap *v, int max)
{
	struct hobj *o;
	int n = 0;

	list_for_each_entry(o, &w->objects, all) {
		if (n == max)
			break;
		v[n++] = (struct snap){
			.o = o, .refcnt = o->gc.refcnt, .flags = o->flags,
			.nslots = o->nslots,
			.slot0 = o->nslots ? o->slots[0] : NULL,
			.referent = o->referent, .fired = o->fired,
			.gen = rgc_generation(&o->gc),
		};
	}
	return n;
}

/* After a failed collection: every object exactly as it was. */
static void check_snaps(struct hworld *w, struct snap *v, int n)
{
	int i;

	CHECK_EQ(w->nlive, n);
	for (i = 0; i < n; i++) {
		struct hobj *o = v[i].o;

		CHECK_EQ(o->gc.refcnt, v[i].refcnt);
		CHECK_EQ(o->flags, v[i].flags);
		CHECK_EQ(o->nslots, v[i].nslots);
		CHECK(!o->nslots || o->slots[0] == v[i].slot0);
		CHECK(o->referent == v[i].referent);
		CHECK_EQ(o->fired, v[i].fired);
		CHECK_EQ(o->gc.flags & (RGC_F_COLLECTING | RGC_F_UNREACHABLE |
					RGC_F_FINALIZED), 0);
		CHECK_EQ(rgc_generation(&o->gc), v[i].gen);
	}
	CHECK_EQ(w->count[HEV_FINALIZE] + w->count[HEV_CALLBACK] +
		 w->count[HEV_WRCLEAR] + w->count[HEV_CLEAR] +
		 w->count[HEV_SAVE] + w->count[HEV_FREE] +
		 w->count[HEV_REPORT_C] + w->count[HEV_REPORT_U], 0);
	CHECK_EQ(w->ngarbage, 0);
}

static void test_legacy_enomem(void)
{
	struct hworld w;
	struct rgc_result res;
	struct legacy_set s;
	struct snap v[16];
	int n, i;

	hw_init(&w);
	w.logging = true;
	w.gc.legacy_finalizers = true;
	w.gc.debug = RGC_DEBUG_COLLECTABLE | RGC_DEBUG_UNCOLLECTABLE;
	w.reserve_err = -ENOMEM;
	legacy_build(&w, &s);
	memset(w.count, 0, sizeof(w.count));
	n = snap_all(&w, v, 16);
	CHECK_EQ(n, 10);
	CHECK_EQ(rgc_collect(&w.gc, 1, &res), -ENOMEM);
	CHECK_EQ(w.reserve_calls, 1);
	CHECK(w.last_reserve >= 2);
	CHECK(!w.gc.collecting);
	CHECK_EQ(w.gc.stats[1].collections, 0);
	check_snaps(&w, v, n);

	/* Once memory is there, the same collection works. */
	w.reserve_err = 0;
	res = collect(&w, 2);
	CHECK_EQ(res.uncollectable, 5);
	CHECK_EQ(res.collected, 4);
	CHECK_EQ(w.ngarbage, 2);
	for (i = 0; i < 8; i++)
		CHECK_EQ(was_freed(&w, s.id[i]), i >= 4);
	hobj_decref(&w, s.wf);
	finish(&w, true);
}

/* ---- 5. weakrefs ------------------------------------------------------ */

static void test_weakref_callbacks(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *k, *q, *q2, *w1, *w2, *w3, *w4, *w5;
	unsigned long w2id, w5id;

	hw_init(&w);
	w.logging = true;
	a = new_cycle2(&w, 0, 0, &b);
	k = hobj_new(&w, 0);			/* a root */
	q = new_cycle2(&w, 0, 0, &q2);
	w1 = hobj_weakref(&w, a, true);		/* held outside */
	w2 = hobj_weakref(&w, a, true);		/* inside the cycle */
	hobj_link(&w, a, w2);
	hobj_decref(&w, w2);
	w3 = hobj_weakref(&w, b, false);	/* held outside, no callback */
	w4 = hobj_weakref(&w, b, true);		/* held by root k */
	hobj_link(&w, k, w4);
	hobj_decref(&w, w4);
	w5 = hobj_weakref(&w, a, true);		/* in another garbage cycle */
	hobj_link(&w, q, w5);
	hobj_decref(&w, w5);
	w2id = w2->id;
	w5id = w5->id;
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	hobj_decref(&w, q);
	hobj_decref(&w, q2);

	res = collect(&w, 2);
	CHECK_EQ(res.collected, 6);		/* a b w2 q q2 w5 */
	CHECK(was_freed(&w, w2id) && was_freed(&w, w5id));
	CHECK(!w1->referent && w1->fired == 1);
	CHECK(!w3->referent && w3->fired == 0);
	CHECK(!w4->referent && w4->fired == 1);
	CHECK_EQ(ev_count(&w, HEV_CALLBACK, w2id), 0);
	CHECK_EQ(ev_count(&w, HEV_CALLBACK, w5id), 0);
	CHECK_EQ(w.count[HEV_CALLBACK], 2);
	CHECK_EQ(w1->gc.refcnt, 1);
	CHECK_EQ(w4->gc.refcnt, 1);
	hobj_decref(&w, w1);
	hobj_decref(&w, w3);
	hobj_decref(&w, k);
	CHECK_EQ(w.count[HEV_CALLBACK], 2);
	finish(&w, true);
}

static void test_weakref_collected_weakref(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *c, *d, *r, *w6, *w7;

	hw_init(&w);
	w.logging = true;
	/* c <-> d garbage holding w6, a callback weakref to live r. */
	r = hobj_new(&w, 0);
	c = new_cycle2(&w, 0, 0, &d);
	w6 = hobj_weakref(&w, r, true);
	w7 = hobj_weakref(&w, r, true);		/* held outside */
	hobj_link(&w, c, w6);
	hobj_decref(&w, w6);
	hobj_decref(&w, c);
	hobj_decref(&w, d);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 3);
	CHECK(r->wrefs == w7 && !w7->wr_next);	/* w6 unlinked */
	CHECK(w7->referent == r);
	CHECK_EQ(w.count[HEV_CALLBACK], 0);
	hobj_decref(&w, r);			/* must not touch w6 */
	CHECK_EQ(w.count[HEV_CALLBACK], 1);
	CHECK(!w7->referent && w7->fired == 1);
	hobj_decref(&w, w7);
	finish(&w, true);
}

static void test_weakref_refcount_death(void)
{
	struct hworld w;
	struct hobj *r, *wc, *wn;

	hw_init(&w);
	r = hobj_new(&w, 0);
	wc = hobj_weakref(&w, r, true);
	wn = hobj_weakref(&w, r, false);
	hobj_decref(&w, r);
	CHECK(!wc->referent && wc->fired == 1);
	CHECK(!wn->referent && wn->fired == 0);
	/* A weakref dying first unlinks itself. */
	r = hobj_new(&w, 0);
	hobj_decref(&w, wc);
	wc = hobj_weakref(&w, r, true);
	hobj_decref(&w, wc);
	CHECK(!r->wrefs);
	hobj_decref(&w, r);
	CHECK_EQ(w.count[HEV_CALLBACK], 1);
	hobj_decref(&w, wn);
	finish(&w, true);
}

/* ---- 6. DEBUG_SAVEALL -------------------------------------------------- */

static void test_saveall(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *s, *t1, *t2, *f, *g, *root, *kept;
	unsigned long fid;

	hw_init(&w);
	w.logging = true;
	w.fin_resurrect = false;
	w.gc.debug = RGC_DEBUG_SAVEALL;
	a = new_cycle2(&w, 0, 0, &b);		/* a <-> b -> t1 -> t2 */
	t1 = hobj_new(&w, 0);
	t2 = hobj_new(&w, 0);
	hobj_link(&w, b, t1);
	hobj_link(&w, t1, t2);
	s = hobj_new(&w, 0);			/* s -> s */
	hobj_link(&w, s, s);
	f = new_cycle2(&w, HOBJ_FINALIZER, 0, &g);
	root = hobj_new(&w, 0);			/* root -> kept */
	kept = hobj_new(&w, 0);
	hobj_link(&w, root, kept);
	hobj_link(&w, a, kept);
	fid = f->id;
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	hobj_decref(&w, t1);
	hobj_decref(&w, t2);
	hobj_decref(&w, s);
	hobj_decref(&w, f);
	hobj_decref(&w, g);
	hobj_decref(&w, kept);

	res = collect(&w, 2);
	CHECK_EQ(res.collected, 7);		/* a b t1 t2 s f g */
	CHECK_EQ(w.ngarbage, 7);
	CHECK_EQ(w.nlive, 9);
	CHECK_EQ(w.count[HEV_FREE] + w.count[HEV_CLEAR], 0);
	CHECK(in_garbage(&w, a) && in_garbage(&w, t2) && in_garbage(&w, s));
	CHECK(in_garbage(&w, f) && in_garbage(&w, g));
	CHECK(!in_garbage(&w, kept) && !in_garbage(&w, root));
	CHECK_EQ(a->gc.refcnt, 2);
	CHECK_EQ(t2->gc.refcnt, 2);
	CHECK_EQ(s->gc.refcnt, 2);
	CHECK_EQ(kept->gc.refcnt, 2);
	CHECK_EQ(a->nslots, 2);
	CHECK_EQ(rgc_generation(&t2->gc), 2);
	/* Finalizers still run under SAVEALL (PEP 442), once. */
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, fid), 1);

	/* Kept by the garbage list: no second save. */
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.ngarbage, 7);

	/* Released: still cyclic, so alive until collected. */
	w.gc.debug = 0;
	hw_garbage_clear(&w);
	CHECK_EQ(w.nlive, 9);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 7);
	CHECK_EQ(w.nlive, 2);
	CHECK_EQ(kept->gc.refcnt, 1);
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, fid), 1);
	hobj_decref(&w, root);
	finish(&w, true);
}

static void test_saveall_enomem(void)
{
	struct hworld w;
	struct hobj *a, *b, *f, *g, *wr;
	struct rgc_result res;
	struct snap v[8];
	int n;

	hw_init(&w);
	w.gc.debug = RGC_DEBUG_SAVEALL;
	w.reserve_err = -ENOMEM;
	a = new_cycle2(&w, 0, 0, &b);
	f = new_cycle2(&w, HOBJ_FINALIZER, 0, &g);
	wr = hobj_weakref(&w, a, true);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	hobj_decref(&w, f);
	hobj_decref(&w, g);
	memset(w.count, 0, sizeof(w.count));
	n = snap_all(&w, v, 8);
	CHECK_EQ(rgc_collect(&w.gc, 1, &res), -ENOMEM);
	CHECK(w.last_reserve >= 4);
	check_snaps(&w, v, n);
	CHECK(wr->referent == a);

	/* Without SAVEALL nothing needs reserving, so nothing fails. */
	w.gc.debug = 0;
	w.fin_resurrect = false;
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 4);
	CHECK(!wr->referent && wr->fired == 1);
	hobj_decref(&w, wr);
	finish(&w, true);
}

/* ---- 7. a million objects, on a 64 KiB stack ------------------------- */

/*
 * Each collection or cascade runs on a thread with a 64 KiB stack: any
 * recursion over the objects (even 32 bytes a frame) would need megabytes
 * and fault, ending the run.
 */

#define BIG		1000000UL
#define BIG_EXTRA	200000UL	/* other non-recursive paths, cheaper */
#define SMALL_STACK	(64 * 1024)

struct big_job {
	struct hworld *w;
	struct hobj *drop;	/* decref this, or else ... */
	int gen;		/* ... collect this generation */
	int err;
	struct rgc_result res;
};

static void *big_thread(void *arg)
{
	struct big_job *j = arg;

	if (j->drop)
		hobj_decref(j->w, j->drop);
	else
		j->err = rgc_collect(&j->w->gc, j->gen, &j->res);
	return NULL;
}

/* Run a decref or a collection on a thread with a 64 KiB stack. */
static struct rgc_result on_small_stack(struct hworld *w, struct hobj *drop,
					int gen)
{
	struct big_job j = { .w = w, .drop = drop, .gen = gen };
	pthread_attr_t attr;
	pthread_t t;

	CHECK_EQ(pthread_attr_init(&attr), 0);
	CHECK_EQ(pthread_attr_setstacksize(&attr, SMALL_STACK), 0);
	if (CHECK_EQ(pthread_create(&t, &attr, big_thread, &j), 0))
		CHECK_EQ(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&attr);
	CHECK_EQ(j.err, 0);
	return j.res;
}

/* head -> ... -> tail, created head first; returns the head. */
static struct hobj *big_chain(struct hworld *w, unsigned long n,
			      unsigned int flags, struct hobj **tail)
{
	struct hobj *head = hobj_new(w, flags), *prev = head, *o;
	unsigned long i;

	for (i = 1; i < n; i++) {
		o = hobj_new(w, 0);
		hobj_link(w, prev, o);
		hobj_decref(w, o);
		prev = o;
	}
	*tail = prev;
	return head;
}

static void test_big_chain(void)
{
	struct hworld w;
	struct hobj *head, *tail;

	hw_init(&w);
	head = big_chain(&w, BIG, 0, &tail);
	CHECK_EQ(w.nlive, BIG);
	on_small_stack(&w, head, 0);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(w.count[HEV_FREE], BIG);
	finish(&w, true);
}

static void test_big_ring(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *head, *tail;
	unsigned long resched = host_cond_resched_calls;

	hw_init(&w);
	head = big_chain(&w, BIG, 0, &tail);
	hobj_link(&w, tail, head);
	hobj_decref(&w, head);
	CHECK_EQ(w.nlive, BIG);
	res = on_small_stack(&w, NULL, 2);
	CHECK_EQ(res.collected, BIG);
	CHECK_EQ(res.visited, BIG);
	CHECK_EQ(w.nlive, 0);
	CHECK(host_cond_resched_calls - resched >= 2 * (BIG / 4096));
	finish(&w, true);
}

static void test_big_tail(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *head, *tail;

	hw_init(&w);
	/* a <-> b -> a long chain: freed by one clear()'s cascade. */
	a = new_cycle2(&w, 0, 0, &b);
	head = big_chain(&w, BIG_EXTRA, 0, &tail);
	hobj_link(&w, b, head);
	hobj_decref(&w, head);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	res = on_small_stack(&w, NULL, 2);
	CHECK_EQ(res.collected, BIG_EXTRA + 2);
	CHECK_EQ(w.nlive, 0);
	CHECK(w.count[HEV_CLEAR] <= 2);
	finish(&w, true);
}

static void test_big_reverse(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *o, *prev = NULL, *root;
	unsigned long i;

	hw_init(&w);
	/* Each object refers to the one created before it; only the newest,
	 * last on the list, is held: every other one is first found
	 * tentatively unreachable, then moved back.
	 */
	for (i = 0; i < BIG_EXTRA; i++) {
		o = hobj_new(&w, 0);
		if (prev) {
			hobj_link(&w, o, prev);
			hobj_decref(&w, prev);
		}
		prev = o;
	}
	root = prev;
	res = on_small_stack(&w, NULL, 0);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(res.visited, BIG_EXTRA);
	CHECK_EQ(rgc_gen_size(&w.gc, 1), BIG_EXTRA);
	CHECK_EQ(w.nlive, BIG_EXTRA);
	on_small_stack(&w, root, 0);
	CHECK_EQ(w.nlive, 0);
	finish(&w, true);
}

static void test_big_finalizers(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *f, *tail;

	hw_init(&w);
	/* f (finalizer) -> a long chain -> back to f. */
	f = big_chain(&w, BIG_EXTRA, HOBJ_FINALIZER, &tail);
	hobj_link(&w, tail, f);
	hobj_decref(&w, f);

	w.gc.legacy_finalizers = true;
	res = on_small_stack(&w, NULL, 2);
	CHECK_EQ(res.uncollectable, BIG_EXTRA);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.ngarbage, 1);
	w.gc.legacy_finalizers = false;
	hw_garbage_clear(&w);

	res = on_small_stack(&w, NULL, 2);	/* resurrects it all */
	CHECK_EQ(f->finalized, 1);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.nlive, BIG_EXTRA);
	hw_fin_drain(&w);
	res = on_small_stack(&w, NULL, 2);
	CHECK_EQ(res.collected, BIG_EXTRA);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 1);
	finish(&w, true);
}

/* ---- main -------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "oracle: random graphs", test_graphs_plain },
	{ "oracle: random graphs with weakrefs", test_graphs_weakrefs },
	{ "oracle: random graphs, resurrecting finalizers",
	  test_graphs_fin_resurrect },
	{ "oracle: random graphs, plain finalizers", test_graphs_fin_plain },
	{ "oracle: random graphs over generations", test_graphs_generations },
	{ "oracle: random graphs, DEBUG_SAVEALL", test_graphs_saveall },
	{ "oracle: random graphs, legacy finalizers", test_graphs_legacy },
	{ "generations: collection due, count0", test_gen_due },
	{ "generations: counts per collection", test_gen_counts },
	{ "generations: survivors move up", test_gen_promotion },
	{ "generations: auto generation, long-lived", test_gen_auto },
	{ "generations: freeze, unfreeze", test_gen_freeze },
	{ "finalizers: resurrection, then collected", test_fin_resurrect },
	{ "finalizers: no resurrection", test_fin_no_resurrect },
	{ "finalizers: resurrecting another object",
	  test_fin_resurrect_other },
	{ "finalizers: refcount death", test_fin_refcount_death },
	{ "finalizers: pipeline order", test_fin_order },
	{ "legacy: uncollectable set, garbage", test_legacy },
	{ "legacy: DEBUG_SAVEALL", test_legacy_saveall },
	{ "legacy: reserve_garbage -ENOMEM", test_legacy_enomem },
	{ "legacy: finalizer freed by clearing its referrer",
	  test_legacy_freed_by_clear },
	{ "weakrefs: callbacks only for reachable weakrefs",
	  test_weakref_callbacks },
	{ "weakrefs: collected weakref to a live object",
	  test_weakref_collected_weakref },
	{ "weakrefs: refcount death", test_weakref_refcount_death },
	{ "saveall: everything saved, nothing freed", test_saveall },
	{ "saveall: reserve_garbage -ENOMEM", test_saveall_enomem },
	{ "big: 10^6 chain freed by refcount, 64 KiB stack", test_big_chain },
	{ "big: 10^6 ring collected, 64 KiB stack", test_big_ring },
	{ "big: cycle with a 2*10^5 tail, 64 KiB stack", test_big_tail },
	{ "big: 2*10^5 chain reachable in reverse, 64 KiB stack",
	  test_big_reverse },
	{ "big: finalizer over 2*10^5 objects, 64 KiB stack",
	  test_big_finalizers },
};

static void print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--seed N] [--graphs N]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	u64 seed = (u64)time(NULL) ^ ((u64)getpid() << 32);
	size_t i;
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		char *end;
		unsigned long long v = strtoull(argv[a + 1], &end, 0);

		if (*end || !*argv[a + 1])
			print_usage(argv[0]);
		if (!strcmp(argv[a], "--seed"))
			seed = v;
		else if (!strcmp(argv[a], "--graphs"))
			graph_args_graphs = v;
		else
			print_usage(argv[0]);
	}
	if (a != argc)
		print_usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# host tests of module/gc_core.c: seed %llu, %lu graphs\n",
	       (unsigned long long)seed, graph_args_graphs);
	printf("1..%zu\n", ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		rng_state = seed + i;
		run_test(tests[i].name, tests[i].fn);
	}
	printf("host: %d passed, %d failed, 0 skipped\n", tests_passed,
	       tests_failed);
	return tests_failed ? 1 : 0;
}
