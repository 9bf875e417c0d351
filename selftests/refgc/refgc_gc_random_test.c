// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_gc_random_test.c - random graphs checked against an oracle:
 * a plain BFS for full collections, and a model arena (refcounts,
 * generations, PEP 442 finalizers) for partial ones.
 * REFGC_DEBUG_KERNEL=1 runs a quarter of the graphs.
 */
#define _GNU_SOURCE

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#define RG_FIXTURE gc
#include "refgc_fixture.h"

/* ---- random graphs against a BFS ---- */

#define GMAX	60
#define EMAX	5

struct graph {
	int n;
	int kind[GMAX];		/* 0 container, 1 atomic, 2 weakref */
	int wref[GMAX];		/* weakref: its referent */
	int ne[GMAX];
	int e[GMAX][EMAX];
	int root[GMAX];
	uint64_t id[GMAX];
};

static void graph_random(struct graph *g, uint64_t *seed)
{
	int i, k;

	memset(g, 0, sizeof(*g));
	g->n = 2 + rg_rand(seed) % (GMAX - 1);
	for (i = 0; i < g->n; i++) {
		int r = rg_rand(seed) % 100;

		g->kind[i] = r < 70 || (i == 0) ? 0 : r < 85 ? 1 : 2;
		g->root[i] = rg_rand(seed) % 100 < 15;
	}
	for (i = 0; i < g->n; i++) {
		if (g->kind[i] == 2) {
			do
				g->wref[i] = rg_rand(seed) % g->n;
			while (g->kind[g->wref[i]] == 2);
		}
		if (g->kind[i] != 0)
			continue;
		g->ne[i] = rg_rand(seed) % (EMAX + 1);
		for (k = 0; k < g->ne[i]; k++)
			g->e[i][k] = rg_rand(seed) % g->n;
	}
}

/* A weakref with a callback: each is its own object (no basic sharing). */
static struct refgc_op wref_op(uint64_t referent, uint64_t cookie)
{
	struct refgc_op op = rg_mkop(REFGC_OP_WEAKREF_NEW, referent, cookie,
				     0, 0);

	op.flags = REFGC_WEAKREF_CALLBACK;
	return op;
}

/* Build in the arena: NEWs, WEAKREF_NEWs, then LINKs and DECREFs. */
static int graph_build(int fd, struct graph *g, uint32_t tc, uint32_t ta)
{
	struct refgc_op ops[GMAX * (EMAX + 1)];
	int i, k, n = 0, r;

	for (i = 0; i < g->n; i++)
		if (g->kind[i] != 2)
			ops[n++] = rg_mkop(REFGC_OP_NEW, 0,
					   g->kind[i] ? ta : tc, 0, 0);
	r = rg_batch(fd, ops, n, 0, NULL);
	if (r)
		return r;
	for (i = 0, n = 0; i < g->n; i++)
		if (g->kind[i] != 2)
			g->id[i] = ops[n++].result;
	for (i = 0, n = 0; i < g->n; i++)
		if (g->kind[i] == 2)
			ops[n++] = wref_op(g->id[g->wref[i]], i);
	if (n) {
		r = rg_batch(fd, ops, n, 0, NULL);
		if (r)
			return r;
	}
	for (i = 0, n = 0; i < g->n; i++)
		if (g->kind[i] == 2)
			g->id[i] = ops[n++].result;
	for (i = 0, n = 0; i < g->n; i++)
		for (k = 0; k < g->ne[i]; k++)
			ops[n++] = rg_mkop(REFGC_OP_LINK, g->id[i],
					   g->id[g->e[i][k]], 0, 0);
	for (i = 0; i < g->n; i++)
		if (!g->root[i])
			ops[n++] = rg_mkop(REFGC_OP_DECREF, g->id[i], 0, 0, 0);
	return n ? rg_batch(fd, ops, n, 0, NULL) : 0;
}

/* Survivors of plain refcounting (no collector) into @alive. */
static void graph_refcount(struct graph *g, char *alive)
{
	int rc[GMAX] = { 0 }, stack[GMAX], sp = 0, i, k;

	for (i = 0; i < g->n; i++) {
		rc[i] += g->root[i];
		for (k = 0; k < g->ne[i]; k++)
			rc[g->e[i][k]]++;
	}
	for (i = 0; i < g->n; i++) {
		alive[i] = 1;
		if (!rc[i]) {
			alive[i] = 0;
			stack[sp++] = i;
		}
	}
	while (sp) {
		i = stack[--sp];
		for (k = 0; k < g->ne[i]; k++) {
			int c = g->e[i][k];

			if (!--rc[c]) {
				alive[c] = 0;
				stack[sp++] = c;
			}
		}
	}
}

/* Reachable from the roots by strong edges: a plain BFS. */
static void graph_bfs(struct graph *g, char *reach)
{
	int queue[GMAX], head = 0, tail = 0, i, k;

	memset(reach, 0, GMAX);
	for (i = 0; i < g->n; i++)
		if (g->root[i]) {
			reach[i] = 1;
			queue[tail++] = i;
		}
	while (head < tail) {
		i = queue[head++];
		for (k = 0; k < g->ne[i]; k++) {
			int c = g->e[i][k];

			if (!reach[c]) {
				reach[c] = 1;
				queue[tail++] = c;
			}
		}
	}
}

TEST_F_TIMEOUT(gc, seed11_random_graphs_match_bfs, 300)
{
	const int graphs = rg_scale(1000, 4);
	uint64_t seed0 = 0x9e3779b97f4a7c15ULL, seed = seed0;
	struct graph *g = malloc(sizeof(*g));
	char alive[GMAX], reach[GMAX];
	int gi, i, k;

	ASSERT_NE(NULL, g);
	if (getenv("REFGC_SEED"))
		seed0 = strtoull(getenv("REFGC_SEED"), NULL, 0);
	seed = seed0;
	for (gi = 0; gi < graphs; gi++) {
		/* Odd graphs race the automatic collector; even are exact. */
		int exact = !(gi & 1);
		long tracked_alive = 0, tracked_reach = 0, nlist, r;
		uint64_t *ids = NULL;

		if (exact) {
			ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE,
					      NULL));
		} else {
			ASSERT_EQ(0, rg_set_threshold(self->fd,
						      1 + gi % 7, 2, 2));
			ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_ENABLE,
					      NULL));
		}
		graph_random(g, &seed);
		ASSERT_EQ(0, graph_build(self->fd, g, self->tc, self->ta))
			TH_LOG("seed %#llx graph %d",
			       (unsigned long long)seed0, gi);
		graph_refcount(g, alive);
		graph_bfs(g, reach);
		for (i = 0; i < g->n; i++) {
			tracked_alive += alive[i] && g->kind[i] != 1;
			tracked_reach += reach[i] && g->kind[i] != 1;
		}
		ASSERT_EQ(0, rg_sync(self->fd));
		if (exact) {
			long live = 0;

			for (i = 0; i < g->n; i++)
				live += alive[i];
			ASSERT_EQ(live, (long)MEMORY(self->fd).objects)
				TH_LOG("seed %#llx graph %d: refcounting",
				       (unsigned long long)seed0, gi);
		}
		r = rg_collect(self->fd, 2, NULL);
		if (exact) {
			ASSERT_EQ(tracked_alive - tracked_reach, r)
				TH_LOG("seed %#llx graph %d: collected",
				       (unsigned long long)seed0, gi);
		} else {
			ASSERT_LE(0, r);
		}

		/* The survivors are exactly the BFS set. */
		nlist = rg_list_ids(self->fd, &ids);
		ASSERT_LE(0, nlist);
		for (i = 0, k = 0; i < g->n; i++)
			k += reach[i];
		ASSERT_EQ(k, nlist) TH_LOG("seed %#llx graph %d (n=%d)",
					   (unsigned long long)seed0, gi,
					   g->n);
		for (i = 0; i < g->n; i++) {
			struct refgc_info info;
			int found = 0, j, in = 0;

			for (j = 0; j < nlist; j++)
				found |= ids[j] == g->id[i];
			ASSERT_EQ(reach[i], found)
				TH_LOG("seed %#llx graph %d node %d",
				       (unsigned long long)seed0, gi, i);
			if (!reach[i])
				continue;
			for (j = 0; j < g->n; j++)
				for (k = 0; k < g->ne[j]; k++)
					in += reach[j] && g->e[j][k] == i;
			ASSERT_EQ(0, rg_info(self->fd, g->id[i], &info));
			ASSERT_EQ(g->root[i] + in, info.refcount)
				TH_LOG("seed %#llx graph %d node %d",
				       (unsigned long long)seed0, gi, i);
			ASSERT_EQ(g->root[i], info.handles);
			ASSERT_EQ(g->ne[i], info.slots);
			if (g->kind[i] == 2)
				ASSERT_EQ(!reach[g->wref[i]],
					  !!(info.flags & REFGC_INFO_DEAD_REF))
					TH_LOG("seed %#llx graph %d weakref %d",
					       (unsigned long long)seed0, gi,
					       i);
		}
		free(ids);
		/* Drop the roots: everything goes. */
		for (i = 0; i < g->n; i++)
			if (g->root[i])
				ASSERT_EQ(0, rg_decref(self->fd, g->id[i]));
		ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
		ASSERT_EQ(0, rg_sync(self->fd));
		ASSERT_LE(0, rg_collect(self->fd, 2, NULL));
		ASSERT_EQ(0, MEMORY(self->fd).objects)
			TH_LOG("seed %#llx graph %d: leftovers",
			       (unsigned long long)seed0, gi);
		ASSERT_LE(0, rg_events(self->fd, self->ev, MAXEV));
	}
	free(g);
}

/*
 * A model arena for the random tests below: nodes with kinds, strong
 * edges, handles, and refcounting done the kernel's way (a finalizer
 * object reaching 0 is finalized and kept by its pending event).
 */
#define PMAX	64
#define PEMAX	12

struct model {
	int n;
	int kind[PMAX];		/* 0 container, 1 atomic, 2 weakref, 3 finalizer */
	int wref[PMAX];
	int ne[PMAX];
	int e[PMAX][PEMAX];
	int handles[PMAX];
	int rc[PMAX];
	int alive[PMAX];
	int finalized[PMAX];	/* finalizer has run (event queued) */
	int pending[PMAX];	/* event not read yet: holds a reference */
	int gen[PMAX];		/* -1 untracked */
	int fin_events[PMAX];	/* FINALIZE events seen */
	int wdead[PMAX];	/* weakref cleared by a collection */
	uint64_t id[PMAX];
};

static int m_tracked(struct model *m, int i)
{
	return m->kind[i] != 1;
}

/* Drop one reference to @i, refcounting the consequences. */
static void m_decref(struct model *m, int i)
{
	int stack[PMAX * PEMAX + 1], sp = 0, k;

	stack[sp++] = i;
	while (sp) {
		i = stack[--sp];
		if (--m->rc[i])
			continue;
		if (m->kind[i] == 3 && !m->finalized[i]) {
			m->finalized[i] = 1;
			m->pending[i] = 1;
			m->rc[i] = 1;
			m->gen[i] = 0;	/* re-tracked, as subtype_dealloc */
			continue;
		}
		m->alive[i] = 0;
		for (k = 0; k < m->ne[i]; k++)
			stack[sp++] = m->e[i][k];
	}
}

/* Nodes reachable by strong edges from those with seed[i] set. */
static void m_reach(struct model *m, const int *seed, char *reach)
{
	int queue[PMAX], head = 0, tail = 0, i, k;

	memset(reach, 0, PMAX);
	for (i = 0; i < m->n; i++)
		if (seed[i] && m->alive[i]) {
			reach[i] = 1;
			queue[tail++] = i;
		}
	while (head < tail) {
		i = queue[head++];
		for (k = 0; k < m->ne[i]; k++) {
			int c = m->e[i][k];

			if (!reach[c]) {
				reach[c] = 1;
				queue[tail++] = c;
			}
		}
	}
}

/*
 * What COLLECT(@g) does to the model (CPython 3.11 gc_collect_main):
 * young = tracked nodes in generations <= g; anything referenced from
 * outside young (handles, pending events, older objects) is reachable;
 * weakrefs to unreachable nodes, and unreachable weakrefs, are cleared;
 * unreachable finalizers are finalized and resurrect what they reach;
 * the rest is cleared, and refcounting frees what that releases.
 * Returns how many were collected.
 */
static int m_collect(struct model *m, int g)
{
	int ext[PMAX] = { 0 }, fin[PMAX] = { 0 }, i, k, n = 0, anyfin = 0;
	char reach[PMAX], res[PMAX], young[PMAX];
	int newgen = g < 2 ? g + 1 : 2;

	for (i = 0; i < m->n; i++) {
		young[i] = m->alive[i] && m_tracked(m, i) && m->gen[i] <= g;
		ext[i] = m->alive[i] && (!young[i] || m->handles[i] ||
					 m->pending[i]);
	}
	m_reach(m, ext, reach);
	/* 3.11-3.13: weakrefs to or in the unreachable set die first. */
	for (i = 0; i < m->n; i++)
		if (m->alive[i] && m->kind[i] == 2 &&
		    ((young[i] && !reach[i]) ||
		     (young[m->wref[i]] && !reach[m->wref[i]])))
			m->wdead[i] = 1;
	for (i = 0; i < m->n; i++)
		if (young[i] && !reach[i] && m->kind[i] == 3 &&
		    !m->finalized[i]) {
			m->finalized[i] = 1;
			m->pending[i] = 1;
			m->rc[i]++;
			fin[i] = 1;
			anyfin = 1;
		}
	memset(res, 0, sizeof(res));
	if (anyfin)
		m_reach(m, fin, res);
	for (i = 0; i < m->n; i++) {
		if (!young[i])
			continue;
		if (reach[i] || res[i])
			m->gen[i] = newgen;	/* survivors age */
	}
	/* Clear the rest: every slot of every collected object goes. */
	for (i = 0; i < m->n; i++)
		if (young[i] && !reach[i] && !res[i])
			n++;
	for (i = 0; i < m->n; i++) {
		/* (one freed by an earlier one's clearing is gone already) */
		if (!young[i] || reach[i] || res[i] || !m->alive[i])
			continue;
		m->rc[i]++;	/* as gc_clear: alive while its slots go */
		for (k = 0; k < m->ne[i]; k++)
			m_decref(m, m->e[i][k]);
		m->ne[i] = 0;
		m_decref(m, i);
	}
	return n;
}

/* Compare the arena with the model, object by object. */
static void m_check(struct __test_metadata *_metadata, int fd,
		    struct model *m, const char *what, uint64_t seed, int gi)
{
	uint64_t *ids = NULL;
	long nlist, live = 0;
	int i, j, k;

	nlist = rg_list_ids(fd, &ids);
	ASSERT_LE(0, nlist);
	for (i = 0; i < m->n; i++)
		live += m->alive[i];
	ASSERT_EQ(live, nlist) TH_LOG("%s: seed %#llx graph %d", what,
				      (unsigned long long)seed, gi);
	for (i = 0; i < m->n; i++) {
		struct refgc_info info;
		int found = 0, in = 0;
		uint32_t want;

		for (j = 0; j < nlist; j++)
			found |= ids[j] == m->id[i];
		ASSERT_EQ(m->alive[i], found)
			TH_LOG("%s: seed %#llx graph %d node %d", what,
			       (unsigned long long)seed, gi, i);
		if (!m->alive[i])
			continue;
		for (j = 0; j < m->n; j++)
			for (k = 0; j < m->n && k < m->ne[j]; k++)
				in += m->alive[j] && m->e[j][k] == i;
		ASSERT_EQ(0, rg_info(fd, m->id[i], &info));
		ASSERT_EQ(m->rc[i], info.refcount)
			TH_LOG("%s: seed %#llx graph %d node %d", what,
			       (unsigned long long)seed, gi, i);
		ASSERT_EQ(m->handles[i] + in + m->pending[i], m->rc[i])
			TH_LOG("model broken: node %d", i);
		ASSERT_EQ(m->handles[i], info.handles);
		ASSERT_EQ(m->ne[i], info.slots);
		ASSERT_EQ(m->gen[i], info.generation)
			TH_LOG("%s: seed %#llx graph %d node %d", what,
			       (unsigned long long)seed, gi, i);
		want = (m_tracked(m, i) ? REFGC_INFO_TRACKED : 0) |
		       (m->finalized[i] ? REFGC_INFO_FINALIZED : 0) |
		       (m->pending[i] ? REFGC_INFO_PENDING : 0) |
		       (m->kind[i] == 2 ? REFGC_INFO_WEAKREF : 0) |
		       (m->kind[i] == 2 &&
			(m->wdead[i] || !m->alive[m->wref[i]]) ?
			REFGC_INFO_DEAD_REF : 0);
		ASSERT_EQ(want, info.flags)
			TH_LOG("%s: seed %#llx graph %d node %d", what,
			       (unsigned long long)seed, gi, i);
	}
	free(ids);
}

/* Read events: FINALIZE ones give the model's node a handle. */
static int m_events(struct __test_metadata *_metadata, int fd,
		    struct model *m, struct refgc_event *ev)
{
	int n = rg_events(fd, ev, MAXEV), j, i, fins = 0;

	ASSERT_LE(0, n);
	for (j = 0; j < n; j++) {
		if (ev[j].type != REFGC_EV_FINALIZE)
			continue;
		for (i = 0; i < m->n; i++)
			if (m->id[i] == ev[j].id)
				break;
		ASSERT_GT(m->n, i);
		ASSERT_TRUE(m->pending[i]);
		m->pending[i] = 0;
		m->handles[i]++;
		m->fin_events[i]++;
		fins++;
	}
	return fins;
}

/* Add nodes [from, to) of random kinds; referents are live non-weakrefs. */
static int m_add_nodes(int fd, struct model *m, int from, int to,
		       uint64_t *seed, uint32_t tc, uint32_t ta, uint32_t tf,
		       int finalizers)
{
	struct refgc_op ops[PMAX];
	int i, n = 0, r, cand;

	for (i = from; i < to; i++) {
		int x = rg_rand(seed) % 100;

		m->kind[i] = x < 55 || i == from ? 0 : x < 70 ? 1 :
			     x < 85 ? 2 : finalizers ? 3 : 0;
		m->ne[i] = 0;
		m->alive[i] = 1;
		m->rc[i] = 1;
		m->handles[i] = 1;
		m->gen[i] = m->kind[i] == 1 ? -1 : 0;
	}
	m->n = to;
	for (i = from; i < to; i++)
		if (m->kind[i] != 2)
			ops[n++] = rg_mkop(REFGC_OP_NEW, 0,
					   m->kind[i] == 1 ? ta :
					   m->kind[i] == 3 ? tf : tc, 0, 0);
	if (n) {
		r = rg_batch(fd, ops, n, 0, NULL);
		if (r)
			return r;
	}
	for (i = from, n = 0; i < to; i++)
		if (m->kind[i] != 2)
			m->id[i] = ops[n++].result;
	for (i = from, n = 0; i < to; i++) {
		if (m->kind[i] != 2)
			continue;
		cand = rg_rand(seed) % to;
		while (!m->alive[cand] || m->kind[cand] == 2)
			cand = (cand + 1) % to;	/* node @from is a container */
		m->wref[i] = cand;
		ops[n++] = wref_op(m->id[cand], i);
	}
	if (n) {
		r = rg_batch(fd, ops, n, 0, NULL);
		if (r)
			return r;
	}
	for (i = from, n = 0; i < to; i++)
		if (m->kind[i] == 2)
			m->id[i] = ops[n++].result;
	return 0;
}

/* Add up to @edges random edges between live nodes, sources in @src. */
static int m_add_edges(int fd, struct model *m, int edges, int src_from,
		       uint64_t *seed)
{
	struct refgc_op ops[PMAX * PEMAX];
	int n = 0, t;

	for (t = 0; t < edges; t++) {
		int i = src_from + rg_rand(seed) % (m->n - src_from);
		int j = rg_rand(seed) % m->n;

		if (!m->alive[i] || !m->alive[j] ||
		    (m->kind[i] != 0 && m->kind[i] != 3) ||
		    m->ne[i] == PEMAX)
			continue;
		m->e[i][m->ne[i]++] = j;
		m->rc[j]++;
		ops[n++] = rg_mkop(REFGC_OP_LINK, m->id[i], m->id[j], 0, 0);
	}
	return n ? rg_batch(fd, ops, n, 0, NULL) : 0;
}

/* Drop the handle of every node in [from, to) that is not a root. */
static int m_drop_nonroots(int fd, struct model *m, int from, int to,
			   const char *root)
{
	struct refgc_op ops[PMAX];
	int i, n = 0;

	for (i = from; i < to; i++) {
		if (root[i] || !m->alive[i])
			continue;
		/* The batch runs in order, and so does the model. */
		ops[n++] = rg_mkop(REFGC_OP_DECREF, m->id[i], 0, 0, 0);
		m->handles[i]--;
		m_decref(m, i);
	}
	return n ? rg_batch(fd, ops, n, 0, NULL) : 0;
}

/*
 * Random graphs in two age groups: the first built, aged by COLLECT into
 * generation 1 or 2, then half released; the second built on top of it
 * (linked both ways) and released.  A collection of a random generation
 * must then free exactly what the model says, age the survivors, and
 * leave every refcount, flag and generation as modelled.
 */
TEST_F_TIMEOUT(gc, random_graphs_partial_collections, 300)
{
	const int graphs = rg_scale(400, 4);
	uint64_t seed0 = 0x51ed270b7ULL, seed = seed0;
	struct model *m = calloc(1, sizeof(*m));
	char root[PMAX];
	int gi, i;

	ASSERT_NE(NULL, m);
	if (getenv("REFGC_SEED"))
		seed0 = strtoull(getenv("REFGC_SEED"), NULL, 0);
	seed = seed0;
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	for (gi = 0; gi < graphs; gi++) {
		int n1 = 1 + rg_rand(&seed) % 30;
		int n = n1 + 1 + rg_rand(&seed) % (PMAX - n1 - 1);
		int age = rg_rand(&seed) % 2;		/* collect 0 or 1 */
		int g = rg_rand(&seed) % 3, got, want;

		memset(m, 0, sizeof(*m));
		for (i = 0; i < PMAX; i++)
			root[i] = rg_rand(&seed) % 100 < 12;
		ASSERT_EQ(0, m_add_nodes(self->fd, m, 0, n1, &seed, self->tc,
					 self->ta, self->tf, 0));
		ASSERT_EQ(0, m_add_edges(self->fd, m, 3 * n1, 0, &seed));
		ASSERT_EQ(0, rg_collect(self->fd, age, NULL));
		for (i = 0; i < n1; i++)
			if (m_tracked(m, i))
				m->gen[i] = age + 1;
		ASSERT_EQ(0, m_drop_nonroots(self->fd, m, 0, n1, root));
		ASSERT_EQ(0, m_add_nodes(self->fd, m, n1, n, &seed, self->tc,
					 self->ta, self->tf, 0));
		ASSERT_EQ(0, m_add_edges(self->fd, m, 3 * (n - n1), n1, &seed));
		ASSERT_EQ(0, m_add_edges(self->fd, m, n1, 0, &seed));
		ASSERT_EQ(0, m_drop_nonroots(self->fd, m, n1, n, root));
		m_check(_metadata, self->fd, m, "built", seed0, gi);

		want = m_collect(m, g);
		got = rg_collect(self->fd, g, NULL);
		ASSERT_EQ(want, got) TH_LOG("seed %#llx graph %d gen %d",
					    (unsigned long long)seed0, gi, g);
		m_check(_metadata, self->fd, m, "collected", seed0, gi);

		/* And a full collection leaves just what the roots reach. */
		want = m_collect(m, 2);
		ASSERT_EQ(want, rg_collect(self->fd, 2, NULL));
		m_check(_metadata, self->fd, m, "full", seed0, gi);
		for (i = 0; i < n; i++)
			if (m->alive[i] && m->handles[i])
				ASSERT_EQ(0, rg_decref(self->fd, m->id[i]));
		ASSERT_LE(0, rg_collect(self->fd, 2, NULL));
		ASSERT_EQ(0, MEMORY(self->fd).objects);
		ASSERT_LE(0, rg_events(self->fd, self->ev, MAXEV));
	}
	free(m);
}

/*
 * Random graphs with PEP 442 finalizers: exact refcounts and collections
 * against the model, every finalizer finalized exactly once over its
 * life, and in the end nothing but what the roots reach.
 */
TEST_F_TIMEOUT(gc, random_graphs_with_finalizers, 300)
{
	const int graphs = rg_scale(300, 4);
	uint64_t seed0 = 0xf1a11ce5ULL, seed = seed0;
	struct model *m = calloc(1, sizeof(*m));
	char root[PMAX];
	int gi, i, round;

	ASSERT_NE(NULL, m);
	if (getenv("REFGC_SEED"))
		seed0 = strtoull(getenv("REFGC_SEED"), NULL, 0);
	seed = seed0;
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	for (gi = 0; gi < graphs; gi++) {
		int n = 2 + rg_rand(&seed) % (PMAX - 2), want;

		memset(m, 0, sizeof(*m));
		for (i = 0; i < PMAX; i++)
			root[i] = rg_rand(&seed) % 100 < 15;
		ASSERT_EQ(0, m_add_nodes(self->fd, m, 0, n, &seed, self->tc,
					 self->ta, self->tf, 1));
		ASSERT_EQ(0, m_add_edges(self->fd, m, 3 * n, 0, &seed));
		ASSERT_EQ(0, m_drop_nonroots(self->fd, m, 0, n, root));
		m_check(_metadata, self->fd, m, "built", seed0, gi);

		want = m_collect(m, 2);
		ASSERT_EQ(want, rg_collect(self->fd, 2, NULL))
			TH_LOG("seed %#llx graph %d",
			       (unsigned long long)seed0, gi);
		m_check(_metadata, self->fd, m, "collected", seed0, gi);

		/*
		 * Read the events, drop the handles they gave, collect; until
		 * nothing changes.  Then drop the roots and do it again.
		 */
		for (round = 0; round < 2; round++) {
			int guard;

			if (round) {
				for (i = 0; i < n; i++)
					if (root[i] && m->alive[i] &&
					    m->handles[i]) {
						ASSERT_EQ(0, rg_decref(self->fd,
								       m->id[i]));
						m->handles[i]--;
						m_decref(m, i);
					}
			}
			for (guard = 0; guard < 2 * PMAX; guard++) {
				int fins = m_events(_metadata, self->fd, m,
						    self->ev);

				for (i = 0; i < n; i++) {
					/* Keep a root's own handle, for now. */
					int keep = !round && root[i];

					while (m->alive[i] &&
					       m->handles[i] > keep) {
						ASSERT_EQ(0, rg_decref(self->fd,
								       m->id[i]));
						m->handles[i]--;
						m_decref(m, i);
					}
				}
				m_check(_metadata, self->fd, m, "released",
					seed0, gi);
				want = m_collect(m, 2);
				ASSERT_EQ(want, rg_collect(self->fd, 2, NULL))
					TH_LOG("seed %#llx graph %d round %d",
					       (unsigned long long)seed0, gi,
					       round);
				m_check(_metadata, self->fd, m, "recollected",
					seed0, gi);
				for (i = 0, fins += want; i < n; i++)
					fins += m->pending[i];
				if (!fins)
					break;
			}
			ASSERT_GT(2 * PMAX, guard);
		}
		ASSERT_EQ(0, MEMORY(self->fd).objects)
			TH_LOG("seed %#llx graph %d", (unsigned long long)seed0,
			       gi);
		for (i = 0; i < n; i++)
			ASSERT_EQ(m->kind[i] == 3, m->fin_events[i])
				TH_LOG("seed %#llx graph %d node %d",
				       (unsigned long long)seed0, gi, i);
	}
	free(m);
}

TEST_HARNESS_MAIN
