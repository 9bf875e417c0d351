// SPDX-License-Identifier: GPL-2.0
/*
 * test_graphs.c - the random-graph oracle: tests 1-7.
 *
 * It builds graphs whose shape it knows (adjacency as 64-bit masks, so a
 * graph has at most 64 objects) and predicts, by plain breadth-first
 * search, what each collection must free, in seven variants: plain,
 * weakrefs, resurrecting and plain finalizers, generations, DEBUG_SAVEALL
 * and legacy finalizers.  Its random numbers come from rng_state, which
 * main() seeds before each test.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test.h"

/* ---- random numbers -------------------------------------------------- */

u64 rng_state;

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

/* ---- the oracle ------------------------------------------------------ */

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

unsigned long graph_args_graphs = 100000;

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

/*
 * The oracle again, with the client's roots (ops->external, checked by
 * gc.verify_roots) and its slot array read in place (test_fastpath.c).
 */
static bool graph_fast;

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
	if (graph_fast) {
		hw_set_fast(&w, HW_FAST_ROOTS | HW_FAST_SLOTS);
		w.gc.verify_roots = true;
	}
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
	CHECK_EQ(w.gc.roots_wrong, 0);
	/* Phases 3 and 4 collect generation 2, nothing frozen or deferred. */
	if (graph_fast)
		CHECK(w.gc.roots_taken >= 2);
	else
		CHECK_EQ(w.gc.roots_taken, 0);
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

void test_graphs_plain(void)
{
	graphs(G_PLAIN, graph_args_graphs);
}

void test_graphs_weakrefs(void)
{
	graphs(G_WEAKREFS, graph_args_graphs / 10 + 1);
}

void test_graphs_fin_resurrect(void)
{
	graphs(G_FIN_RESURRECT, graph_args_graphs / 10 + 1);
}

void test_graphs_fin_plain(void)
{
	graphs(G_FIN_PLAIN, graph_args_graphs / 10 + 1);
}

void test_graphs_generations(void)
{
	graphs(G_GENERATIONS, graph_args_graphs / 10 + 1);
}

void test_graphs_saveall(void)
{
	graphs(G_SAVEALL, graph_args_graphs / 10 + 1);
}

void test_graphs_legacy(void)
{
	graphs(G_LEGACY, graph_args_graphs / 10 + 1);
}

/* Every mode, a tenth of the graphs each, on the fast paths. */
void test_graphs_fast(void)
{
	enum gmode mode;

	graph_fast = true;
	for (mode = G_PLAIN; mode <= G_LEGACY && !check_failures; mode++)
		graphs(mode, graph_args_graphs / 10 + 1);
	graph_fast = false;
}
