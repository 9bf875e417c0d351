// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_cpython_test.c - scenarios where refgc must give CPython 3.11's
 * answer (issue 13), each with the Python it stands for:
 *  - every weakref to an unreachable object is cleared before any
 *    finalizer runs, so no weakref hands out a finalized object;
 *  - weakref.ref(x) is weakref.ref(x) (no callback), but a weakref with
 *    a callback is always new;
 *  - gc.freeze() resets all three counts;
 *  - gc.get_referrers() sees generations 0-2, not frozen containers;
 *  - automatic collections come at CPython 3.11's cadence, op by op,
 *    inside batches too;
 *  - deaths cascade in CPython's order: slots last to first, depth first,
 *    with the trashcan putting aside what nests past 50 levels.
 * Collections that stop for userspace: refgc_collect_fin_test.c.
 */
#define _GNU_SOURCE

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#define RG_FIXTURE gc
#include "refgc_fixture.h"

/*
 *   class F:  def __del__(self): pass
 *   a = F(); b = F(); a.b = b; b.a = a; w = weakref.ref(a); del a, b
 *   gc.collect()  ->  2, and w() is None
 * refgc finalizes by event: the FINALIZE record holds a handle, so a and
 * b are alive (resurrected) after the collection, but w is already dead,
 * and stays dead when the handles are kept.
 */
TEST_F(gc, weakrefs_are_cleared_before_finalizers)
{
	struct refgc_collect c;
	uint64_t a, b, w, wc, r;
	int n, i, fin = 0, cb = 0;

	CYCLE(self->tf, a, b);		/* handles dropped */
	ASSERT_EQ(0, rg_weakref(self->fd, a, 1, 0, &w));
	ASSERT_EQ(0, rg_weakref(self->fd, b, 2, REFGC_WEAKREF_CALLBACK, &wc));
	ASSERT_EQ(0, rg_collect(self->fd, 2, &c));
	n = EVENTS();
	for (i = 0; i < n; i++) {
		if (self->ev[i].type == REFGC_EV_FINALIZE)
			fin++;
		if (self->ev[i].type == REFGC_EV_WEAKREF) {
			EXPECT_EQ(0, fin) TH_LOG("callback after a finalizer");
			EXPECT_EQ(wc, self->ev[i].id);
			cb++;
		}
	}
	EXPECT_EQ(2, fin);
	EXPECT_EQ(1, cb);
	/* Resurrected by the events' handles, yet the weakrefs are dead. */
	EXPECT_FALSE(DEAD(self->fd, a));
	EXPECT_EQ(-ENOENT, rg_weakref_get(self->fd, w, &r));
	EXPECT_EQ(-ENOENT, rg_weakref_get(self->fd, wc, &r));
	EXPECT_TRUE(INFO(self->fd, w).flags & REFGC_INFO_DEAD_REF);
	EXPECT_TRUE(INFO(self->fd, wc).flags & REFGC_INFO_DEAD_REF);
	/* A weakref made now (as in __del__) is a new, live one. */
	ASSERT_EQ(0, rg_weakref(self->fd, a, 3, 0, &r));
	EXPECT_NE(w, r);
	ASSERT_EQ(0, rg_weakref_drop(self->fd, r));
}

/*
 * A weakref that is itself unreachable loses its referent in the same
 * step, even when the referent is reachable: w in a cycle with c, w -> x.
 */
TEST_F(gc, unreachable_weakref_to_a_live_object_is_cleared)
{
	struct refgc_collect c;
	uint64_t x, cont, w, r;
	int n;

	x = NEW(self->fd, self->tc, 0);
	cont = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_weakref(self->fd, x, 0, REFGC_WEAKREF_CALLBACK, &w));
	ASSERT_EQ(0, rg_link(self->fd, cont, w));
	ASSERT_EQ(0, rg_link(self->fd, cont, cont));
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w));
	ASSERT_EQ(0, rg_decref(self->fd, cont));
	ASSERT_EQ(2, rg_collect(self->fd, 2, &c));
	EXPECT_TRUE(DEAD(self->fd, w));
	n = EVENTS();
	/* x lives: no callback */
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_WEAKREF, 0));
	/* x kept no stale link: a new weakref, then x dies cleanly. */
	ASSERT_EQ(0, rg_weakref(self->fd, x, 0, 0, &w));
	ASSERT_EQ(0, rg_weakref_get(self->fd, w, &r));
	EXPECT_EQ(x, r);
	ASSERT_EQ(0, rg_decref(self->fd, x));
	ASSERT_EQ(0, rg_decref(self->fd, x));
	EXPECT_TRUE(DEAD(self->fd, x));
	EXPECT_EQ(-ENOENT, rg_weakref_get(self->fd, w, &r));
}

/*
 *   w1 = weakref.ref(a); w2 = weakref.ref(a)      ->  w1 is w2
 *   w3 = weakref.ref(a, cb)                       ->  w3 is not w1
 *   del w1, w2; weakref.ref(a) is a new object, the basic one again
 */
TEST_F(gc, basic_weakref_is_shared)
{
	uint64_t a, w1, w2, w3, w4, w5, r;
	struct refgc_info i;
	int n;

	a = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_weakref(self->fd, a, 11, REFGC_WEAKREF_CALLBACK, &w3));
	ASSERT_EQ(0, rg_weakref(self->fd, a, 12, 0, &w1));
	ASSERT_EQ(0, rg_weakref(self->fd, a, 13, 0, &w2));
	EXPECT_EQ(w1, w2);
	EXPECT_NE(w1, w3);
	i = INFO(self->fd, w1);
	EXPECT_EQ(2, i.handles);
	ASSERT_EQ(0, rg_weakref(self->fd, a, 14, REFGC_WEAKREF_CALLBACK, &w4));
	EXPECT_NE(w3, w4);
	EXPECT_NE(w1, w4);
	/* Both handles on the shared weakref must go before it dies. */
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w1));
	EXPECT_FALSE(DEAD(self->fd, w1));
	ASSERT_EQ(0, rg_weakref_get(self->fd, w2, &r));
	EXPECT_EQ(a, r);
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w2));
	EXPECT_TRUE(DEAD(self->fd, w1));
	EXPECT_EQ(-ENOENT, rg_weakref_drop(self->fd, w2));
	ASSERT_EQ(0, rg_weakref(self->fd, a, 15, 0, &w5));
	EXPECT_NE(w1, w5);
	/* The callbacks come newest first, as CPython's list order. */
	ASSERT_EQ(0, rg_decref(self->fd, a));
	EXPECT_TRUE(DEAD(self->fd, a));
	n = EVENTS();
	ASSERT_EQ(2, n);
	EXPECT_EQ(w4, self->ev[0].id);
	EXPECT_EQ(14, self->ev[0].cookie);
	EXPECT_EQ(w3, self->ev[1].id);
	EXPECT_EQ(11, self->ev[1].cookie);
	EXPECT_EQ(-ENOENT, rg_weakref_get(self->fd, w5, &r));
}

/*
 *   gc.collect(1); gc.get_count()   ->  (0, 0, 1)
 *   gc.freeze();   gc.get_count()   ->  (0, 0, 0)
 */
TEST_F(gc, freeze_resets_every_count)
{
	struct refgc_collect c;
	struct refgc_count n;

	NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_collect(self->fd, 1, &c));
	NEW(self->fd, self->tc, 0);
	n = COUNT(self->fd);
	EXPECT_EQ(1, n.count[0]);
	EXPECT_EQ(0, n.count[1]);
	EXPECT_EQ(1, n.count[2]);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_FREEZE, NULL));
	n = COUNT(self->fd);
	EXPECT_EQ(0, n.count[0]);
	EXPECT_EQ(0, n.count[1]);
	EXPECT_EQ(0, n.count[2]);
}

/*
 *   x = []; c1 = [x]; gc.freeze(); c2 = [x]
 *   gc.get_referrers(x)  ->  [c2]: frozen c1 is not seen.
 */
TEST_F(gc, referrers_skip_frozen_containers)
{
	uint64_t x, c1, c2, ids[4] = { 0 };

	x = NEW(self->fd, self->tc, 0);
	c1 = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_link(self->fd, c1, x));
	ASSERT_EQ(1, rg_referrers(self->fd, x, ids, 4));
	EXPECT_EQ(c1, ids[0]);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_FREEZE, NULL));
	c2 = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_link(self->fd, c2, x));
	ASSERT_EQ(1, rg_referrers(self->fd, x, ids, 4));
	EXPECT_EQ(c2, ids[0]);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_UNFREEZE, NULL));
	EXPECT_EQ(2, rg_referrers(self->fd, x, ids, 4));
}

/*
 *   class F:  def __del__(self): pass
 *   x = F(); gc.collect(); gc.collect()     # x in generation 2
 *   del x   # subtype_dealloc untracks x and tracks it again, in gen 0,
 *           # before __del__ (which may resurrect it) runs
 */
TEST_F(gc, refcount_death_finalizer_moves_to_generation_0)
{
	uint64_t x, y;
	int n;

	x = NEW(self->fd, self->tf, 0);
	y = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(2, INFO(self->fd, x).generation);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_FREEZE, NULL));
	ASSERT_EQ(0, rg_decref(self->fd, x));	/* frozen too: to gen 0 */
	n = EVENTS();
	ASSERT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, x));
	EXPECT_EQ(0, INFO(self->fd, x).generation);
	EXPECT_EQ(REFGC_GEN_PERMANENT, INFO(self->fd, y).generation);
	EXPECT_EQ(0, COUNT(self->fd).count[0]);	/* not counted again */
	ASSERT_EQ(0, rg_decref(self->fd, x));	/* the event's handle */
	EXPECT_TRUE(DEAD(self->fd, x));
}

/*
 * Legacy mode (Python 2.7 rules, CPython's tp_del): the garbage cycle
 * q <-> q2 -> k -> l, k with a finalizer.  k and l are set aside as
 * uncollectable, but deleting q and q2 drops k's last reference: as in
 * CPython, k is finalized there, leaves the uncollectable set for
 * generation 0, and is neither counted nor put on gc.garbage.  CPython
 * (2, 0, []).  A collection that does not stop for userspace gives
 * (2, 1, []): k's FINALIZE event holds k, and k holds l (with
 * REFGC_COLLECT_FINALIZE: refgc_collect_fin_test.c, (2, 0, [])).
 */
TEST_F(gc, legacy_finalizer_freed_by_deletion_is_not_garbage)
{
	struct refgc_entry *e = NULL;
	struct refgc_collect c;
	uint64_t q, q2, k, l;
	int n;

	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS,
				  REFGC_ARENA_LEGACY_FINALIZERS));
	LEGACY_CHAIN(q, q2, k, l);
	ASSERT_EQ(0, rg_collect(self->fd, 2, &c) < 0);
	EXPECT_EQ(2, c.collected);
	EXPECT_EQ(1, c.uncollectable);
	EXPECT_EQ(0, rg_list(self->fd, REFGC_LIST_GARBAGE, 0, 4, &e));
	free(e);
	n = EVENTS();
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, k));
	EXPECT_EQ(0, INFO(self->fd, k).generation);
	EXPECT_TRUE(DEAD(self->fd, q));
	/* Dropping the event's handle frees k, then l. */
	ASSERT_EQ(0, rg_decref(self->fd, k));
	EXPECT_TRUE(DEAD(self->fd, k));
	EXPECT_TRUE(DEAD(self->fd, l));
}

/*
 * subtype_dealloc() orders a dying object's weakref callbacks around its
 * finalizer: after __del__ (PEP 442), before tp_del (a legacy arena's
 * finalizer).  k = F(); w = weakref.ref(k, cb); del k
 *   PEP 442: __del__ runs (k lives on through the FINALIZE handle, w
 *            too), cb when k then dies;
 *   legacy:  cb first (w dead), then tp_del.
 */
TEST_F(gc, refcount_death_orders_callbacks_around_the_finalizer)
{
	uint64_t k, w;
	int legacy, n, i, fin, cb;

	for (legacy = 0; legacy < 2; legacy++) {
		ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS,
					  legacy ? REFGC_ARENA_LEGACY_FINALIZERS :
						   0));
		k = NEW(self->fd, self->tf, 0);
		ASSERT_EQ(0, rg_weakref(self->fd, k, 5, REFGC_WEAKREF_CALLBACK,
					&w));
		EVENTS();
		ASSERT_EQ(0, rg_decref(self->fd, k));
		n = EVENTS();
		fin = -1;
		cb = -1;
		for (i = 0; i < n; i++) {
			if (self->ev[i].type == REFGC_EV_FINALIZE)
				fin = i;
			if (self->ev[i].type == REFGC_EV_WEAKREF)
				cb = i;
		}
		ASSERT_LE(0, fin);
		EXPECT_EQ(legacy, cb >= 0 && cb < fin);
		EXPECT_EQ(legacy, !!(INFO(self->fd, w).flags &
				     REFGC_INFO_DEAD_REF));
		ASSERT_EQ(0, rg_decref(self->fd, k));	/* the finalizer ends */
		EXPECT_TRUE(DEAD(self->fd, k));
		n = EVENTS();
		EXPECT_EQ(!legacy, rg_count_events(self->ev, n,
						   REFGC_EV_WEAKREF, w));
		ASSERT_EQ(0, rg_weakref_drop(self->fd, w));
	}
}

/* The cookies of the WEAKREF records in @ev, in order; how many. */
static int callback_cookies(const struct refgc_event *ev, int n,
			    uint64_t *cookies)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		if (ev[i].type == REFGC_EV_WEAKREF)
			cookies[k++] = ev[i].cookie;
	return k;
}

/*
 *   c = L(); x = L(); c.append(weakref.ref(x, cb)); c.append(x)
 *   del x; del c      # list_dealloc frees x first, while the weakref
 *                     # is alive: cb runs
 */
TEST_F(gc, cascade_releases_slots_last_to_first)
{
	uint64_t c, x, w, cookies[4];
	int n;

	c = NEW(self->fd, self->tc, 0);
	x = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_weakref(self->fd, x, 77, REFGC_WEAKREF_CALLBACK, &w));
	ASSERT_EQ(0, rg_link(self->fd, c, w));
	ASSERT_EQ(0, rg_link(self->fd, c, x));
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w));
	ASSERT_EQ(0, rg_decref(self->fd, x));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	EXPECT_TRUE(DEAD(self->fd, c));
	EXPECT_TRUE(DEAD(self->fd, w));
	n = EVENTS();
	ASSERT_EQ(1, callback_cookies(self->ev, n, cookies));
	EXPECT_EQ(77, cookies[0]);
}

/*
 * A chain c0 -> c1 -> ... -> c59, each ci also holding a leaf li (slots
 * [li, ci+1]), each leaf with a weakref with a callback.  del c0: CPython
 * goes down the chain depth first; c50 would nest past 50, so the
 * trashcan puts it aside; on the way back up each ci releases li: l49 ..
 * l0; then, nesting back at 0, c50's part: l59 .. l50.
 */
TEST_F(gc, cascade_is_depth_first_with_the_trashcan)
{
	enum { N = 60 };
	uint64_t c[N], l[N], w[N], cookies[N + 1];
	int i, n, k = 0;

	for (i = 0; i < N; i++) {
		c[i] = NEW(self->fd, self->tc, 0);
		l[i] = NEW(self->fd, self->ta, 0);
		ASSERT_EQ(0, rg_weakref(self->fd, l[i], i,
					REFGC_WEAKREF_CALLBACK, &w[i]));
		ASSERT_EQ(0, rg_link(self->fd, c[i], l[i]));
		ASSERT_EQ(0, rg_decref(self->fd, l[i]));
		if (i) {
			ASSERT_EQ(0, rg_link(self->fd, c[i - 1], c[i]));
			ASSERT_EQ(0, rg_decref(self->fd, c[i]));
		}
	}
	EVENTS();
	ASSERT_EQ(0, rg_decref(self->fd, c[0]));
	EXPECT_TRUE(DEAD(self->fd, c[N - 1]));
	n = EVENTS();
	ASSERT_EQ(N, callback_cookies(self->ev, n, cookies));
	for (i = 49; i >= 0; i--)
		EXPECT_EQ(i, cookies[k++]);
	for (i = N - 1; i >= 50; i--)
		EXPECT_EQ(i, cookies[k++]);
}

/*
 * CPython 3.11's allocation cadence, written out on its own: count0 + 1
 * per allocation; past threshold0 (700) the oldest due generation is
 * collected inside the allocation (count2 past 10 needs pending >=
 * total / 4), and the new object joins generation 0 after it, uncounted.
 * Every object survives here.
 */
struct cadence {
	uint64_t count[3], size[3], collections[3], total, pending;
};

static void cadence_alloc(struct cadence *s)
{
	static const uint64_t th[3] = { 700, 10, 10 };
	uint64_t survivors = 0;
	int g, i;

	if (++s->count[0] > th[0]) {
		for (g = 2; g >= 0; g--) {
			if (s->count[g] <= th[g])
				continue;
			if (g == 2 && s->pending < s->total / 4)
				continue;
			break;
		}
		if (g < 2)
			s->count[g + 1]++;
		for (i = 0; i <= g; i++) {
			s->count[i] = 0;
			survivors += s->size[i];
			s->size[i] = 0;
		}
		s->size[g < 2 ? g + 1 : 2] += survivors;
		if (g == 1)
			s->pending += survivors;
		if (g == 2) {
			s->pending = 0;
			s->total = survivors;
		}
		s->collections[g]++;
	}
	s->size[0]++;
}

static void expect_cadence(struct __test_metadata *_metadata, int fd,
			   const struct cadence *s)
{
	struct refgc_stats st = STATS(fd);
	struct refgc_count n = COUNT(fd);
	int g;

	for (g = 0; g < 3; g++) {
		EXPECT_EQ(s->count[g], n.count[g]) TH_LOG("count%d", g);
		EXPECT_EQ(s->collections[g], st.gen[g].collections)
			TH_LOG("generation %d collections", g);
	}
}

/*
 *   gc.collect(); x = [[] for i in range(1001)]   ->  gc.get_count()
 *   == (300, 1, 0), and so on for many more allocations, whatever the
 *   batch sizes: the collection an op makes due runs before the next op.
 */
TEST_F(gc, allocation_cadence_is_cpythons)
{
	long more = rg_scale(100000, 4), done = 0, k;
	struct cadence s = { 0 };
	int sizes[] = { 1, 4096, 7, 1000, 64, 333 }, i = 0;

	ASSERT_EQ(0, new_batch(self->fd, self->tc, 1001, NULL));
	for (k = 0; k < 1001; k++)
		cadence_alloc(&s);
	EXPECT_EQ(300, s.count[0]);
	EXPECT_EQ(1, s.count[1]);
	expect_cadence(_metadata, self->fd, &s);
	while (done < more) {
		long n = sizes[i++ % 6];

		if (n > more - done)
			n = more - done;
		ASSERT_EQ(0, new_batch(self->fd, self->tc, n, NULL));
		for (k = 0; k < n; k++)
			cadence_alloc(&s);
		done += n;
	}
	expect_cadence(_metadata, self->fd, &s);
	TH_LOG("%ld allocations: collections %llu/%llu/%llu, counts %llu/%llu/%llu",
	       1001 + more, (unsigned long long)s.collections[0],
	       (unsigned long long)s.collections[1],
	       (unsigned long long)s.collections[2],
	       (unsigned long long)s.count[0], (unsigned long long)s.count[1],
	       (unsigned long long)s.count[2]);
}

TEST_HARNESS_MAIN
