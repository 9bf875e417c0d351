// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_collect_fin_test.c - collections that stop for userspace
 * (REFGC_COLLECT_FINALIZE, REFGC_IOC_COLLECT_RESUME), as CPython runs
 * Python code inside gc.collect(): weakref callbacks one at a time, the
 * finalizers (PEP 442), then what dies by refcount during deletion.
 * Each test gives the Python it stands for.  Also: a collection that does
 * not stop (an automatic one) leaves the objects it finalized in the
 * generation it collected.
 */
#define _GNU_SOURCE

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#define RG_FIXTURE gc
#include "refgc_fixture.h"

static long collect_fin(int fd, int gen, struct refgc_collect *c)
{
	*c = (struct refgc_collect){ .generation = gen,
				     .flags = REFGC_COLLECT_FINALIZE };
	return rg_ioctl(fd, REFGC_IOC_COLLECT, c);
}

static long resume(int fd, struct refgc_collect *c)
{
	memset(c, 0xa5, sizeof(*c));
	return rg_ioctl(fd, REFGC_IOC_COLLECT_RESUME, c);
}

/*
 *   class F:  def __del__(self): pass
 *   a = F(); b = F(); a.b = b; b.a = a; del a, b
 *   gc.collect(0)   ->  2: both __del__ ran inside the collection
 * The collection stops with a FINALIZE event (and handle) for each; the
 * caller's finalizers return, dropping self; RESUME gives CPython's 2.
 */
TEST_F(gc, finalizer_cycle_collected_in_one_collect)
{
	struct refgc_collect c, c2;
	struct refgc_stats st;
	uint64_t a, b;
	int n, i;

	CYCLE(self->tf, a, b);
	ASSERT_EQ(0, collect_fin(self->fd, 0, &c));
	EXPECT_EQ(REFGC_COLLECT_FINALIZE | REFGC_COLLECT_SUSPENDED, c.flags);
	EXPECT_EQ(2, c.visited);
	EXPECT_EQ(0, c.collected);
	n = EVENTS();
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, a));
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, b));
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_GC_STOP, 0));
	/* Inside __del__: gc.collect() is 0; nothing runs automatically. */
	ASSERT_EQ(0, rg_collect(self->fd, 2, &c2));
	EXPECT_EQ(0, c2.collected);
	ASSERT_EQ(0, rg_set_threshold(self->fd, 1, 10, 10));
	for (i = 0; i < 5; i++)
		NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_sync(self->fd));
	st = STATS(self->fd);
	EXPECT_EQ(0, st.gen[0].collections);
	EXPECT_EQ(0, st.gen[2].collections);
	/* The finalizers return without keeping self. */
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	ASSERT_EQ(2, resume(self->fd, &c));
	EXPECT_EQ(0, c.generation);
	EXPECT_EQ(0, c.flags);
	EXPECT_EQ(2, c.collected);
	EXPECT_EQ(0, c.uncollectable);
	EXPECT_EQ(2, c.visited);
	EXPECT_TRUE(DEAD(self->fd, a));
	EXPECT_TRUE(DEAD(self->fd, b));
	st = STATS(self->fd);
	EXPECT_EQ(1, st.gen[0].collections);
	EXPECT_EQ(2, st.gen[0].collected);
	n = EVENTS();
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_GC_STOP, 0));
	EXPECT_EQ(-EINVAL, resume(self->fd, &c));
}

/* A finalizer that keeps self resurrects the cycle: 0, both survive. */
TEST_F(gc, finalizer_resurrects_inside_collect)
{
	struct refgc_collect c;
	uint64_t a, b;

	CYCLE(self->tf, a, b);
	ASSERT_EQ(0, collect_fin(self->fd, 0, &c));
	ASSERT_TRUE(c.flags & REFGC_COLLECT_SUSPENDED);
	EVENTS();
	ASSERT_EQ(0, rg_decref(self->fd, b));	/* a's __del__ keeps a */
	ASSERT_EQ(0, resume(self->fd, &c));
	EXPECT_EQ(0, c.collected);
	EXPECT_FALSE(DEAD(self->fd, b));
	EXPECT_EQ(1, INFO(self->fd, a).generation);
	EXPECT_TRUE(INFO(self->fd, a).flags & REFGC_INFO_FINALIZED);
	/* Finalized once: dropped, the next collection frees them. */
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, collect_fin(self->fd, 1, &c) < 0);
	EXPECT_EQ(REFGC_COLLECT_FINALIZE, c.flags);
	EXPECT_EQ(2, c.collected);
	EXPECT_TRUE(DEAD(self->fd, a));
}

/* Under DEBUG_SAVEALL: collect -> 2, and gc.garbage holds both. */
TEST_F(gc, finalizer_cycle_saveall_inside_collect)
{
	struct refgc_entry *e = NULL;
	struct refgc_collect c;
	uint64_t a, b;

	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_SAVEALL));
	CYCLE(self->tf, a, b);
	ASSERT_EQ(0, collect_fin(self->fd, 0, &c));
	ASSERT_TRUE(c.flags & REFGC_COLLECT_SUSPENDED);
	EVENTS();
	/* Turning SAVEALL off meanwhile does not change this collection. */
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG, 0));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	ASSERT_EQ(2, resume(self->fd, &c));
	EXPECT_EQ(2, c.collected);
	ASSERT_EQ(2, rg_list(self->fd, REFGC_LIST_GARBAGE, 0, 4, &e));
	free(e);
	EXPECT_EQ(2, rg_ioctl(self->fd, REFGC_IOC_CLEAR_GARBAGE, NULL));
	/* Saved intact: still a cycle, finalized, freed by a collection. */
	EXPECT_FALSE(DEAD(self->fd, a));
	EXPECT_EQ(2, rg_collect(self->fd, 2, NULL));
	EXPECT_TRUE(DEAD(self->fd, a));
}

/* Wrong use is refused and changes nothing; close ends a suspension. */
TEST_F(gc, finalize_protocol_errors_and_close)
{
	struct refgc_collect c;
	uint32_t tf;
	uint64_t a, b;
	int fd2;

	EXPECT_EQ(-EINVAL, resume(self->fd, &c));
	c = (struct refgc_collect){ .generation = 0, .flags = 2 };
	EXPECT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_COLLECT, &c));
	c = (struct refgc_collect){ .flags = REFGC_COLLECT_SUSPENDED };
	EXPECT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_COLLECT, &c));
	EXPECT_EQ(0, STATS(self->fd).gen[2].collections);
	/* Nothing to finalize: it finishes at once. */
	CYCLE(self->tc, a, b);
	ASSERT_EQ(2, collect_fin(self->fd, 2, &c));
	EXPECT_EQ(REFGC_COLLECT_FINALIZE, c.flags);
	EXPECT_EQ(-EINVAL, resume(self->fd, &c));

	/* Another arena, closed while suspended: everything is freed. */
	fd2 = rg_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rg_type(fd2, "fin", REFGC_TYPE_FINALIZER, &tf));
	make_cycle(_metadata, fd2, tf, &a, &b);
	ASSERT_EQ(0, rg_set_value(fd2, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_SAVEALL));
	ASSERT_EQ(0, collect_fin(fd2, 2, &c));
	EXPECT_TRUE(c.flags & REFGC_COLLECT_SUSPENDED);
	EXPECT_EQ(0, close(fd2));
}

/* The WEAKREF records in self->ev[0..n), as (weakref id, cookie). */
static int weakref_records(const struct refgc_event *ev, int n,
			   uint64_t *ids, uint64_t *cookies)
{
	int i, k = 0;

	for (i = 0; i < n; i++) {
		if (ev[i].type != REFGC_EV_WEAKREF)
			continue;
		ids[k] = ev[i].id;
		cookies[k++] = ev[i].cookie;
	}
	return k;
}

/*
 *   x = L(); x.append(x); c = L(); c.append(weakref.ref(x, cb))
 *   def cb(w): c.remove(w)          # drops w's last reference
 *   del x; gc.collect(0)  ->  2    # handle_weakrefs' num_freed counts w
 * The collection stops with w's callback; w stays alive until RESUME.
 */
TEST_F(gc, weakref_freed_by_its_callback_is_collected)
{
	uint64_t x, cont, w, ids[4], cookies[4], idx;
	struct refgc_collect c;
	int n;

	x = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_link(self->fd, x, x));
	cont = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_weakref(self->fd, x, 7, REFGC_WEAKREF_CALLBACK, &w));
	ASSERT_EQ(0, rg_link(self->fd, cont, w));
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w));
	ASSERT_EQ(0, rg_decref(self->fd, x));
	ASSERT_EQ(0, collect_fin(self->fd, 0, &c));
	ASSERT_TRUE(c.flags & REFGC_COLLECT_SUSPENDED);
	n = EVENTS();
	ASSERT_EQ(1, weakref_records(self->ev, n, ids, cookies));
	EXPECT_EQ(w, ids[0]);
	EXPECT_EQ(7, cookies[0]);
	/* The callback runs with w alive, its referent already gone. */
	EXPECT_TRUE(INFO(self->fd, w).flags & REFGC_INFO_DEAD_REF);
	ASSERT_EQ(0, rg_remove(self->fd, cont, w, &idx));
	EXPECT_FALSE(DEAD(self->fd, w));
	ASSERT_EQ(2, resume(self->fd, &c));
	EXPECT_EQ(0, c.flags);
	EXPECT_EQ(2, c.collected);
	EXPECT_TRUE(DEAD(self->fd, w));
	EXPECT_TRUE(DEAD(self->fd, x));
	EXPECT_EQ(2, STATS(self->fd).gen[0].collected);
}

/*
 * The same without the callback dropping w: collect -> 1, and w, held
 * by the collection while its callback ran, then moves to the
 * generation survivors go to (CPython moves it to "old"), here from
 * generation 2 to 1.  A collection that does not stop does the same.
 * x reaches generation 0 again by dying once: a finalizer object is
 * re-tracked there, as subtype_dealloc does.
 */
TEST_F(gc, weakref_kept_by_its_callback_moves_to_the_older_generation)
{
	uint64_t x, w, ids[4], cookies[4];
	struct refgc_collect c;
	int n, fin;

	for (fin = 0; fin < 2; fin++) {
		x = NEW(self->fd, self->tf, 0);
		ASSERT_EQ(0, rg_weakref(self->fd, x, 9, REFGC_WEAKREF_CALLBACK,
					&w));
		ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
		ASSERT_EQ(2, INFO(self->fd, w).generation);
		EVENTS();
		ASSERT_EQ(0, rg_decref(self->fd, x));	/* finalized */
		n = EVENTS();
		ASSERT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE,
					     x));
		ASSERT_EQ(0, INFO(self->fd, x).generation);
		ASSERT_EQ(0, rg_link(self->fd, x, x));
		ASSERT_EQ(0, rg_decref(self->fd, x));
		if (fin) {
			ASSERT_EQ(0, collect_fin(self->fd, 0, &c));
			ASSERT_TRUE(c.flags & REFGC_COLLECT_SUSPENDED);
			n = EVENTS();
			ASSERT_EQ(1, weakref_records(self->ev, n, ids,
						     cookies));
			ASSERT_EQ(1, resume(self->fd, &c));
		} else {
			ASSERT_EQ(1, rg_collect(self->fd, 0, &c));
			n = EVENTS();
			ASSERT_EQ(1, weakref_records(self->ev, n, ids,
						     cookies));
		}
		EXPECT_EQ(w, ids[0]);
		EXPECT_EQ(9, cookies[0]);
		EXPECT_EQ(1, c.collected);
		EXPECT_TRUE(DEAD(self->fd, x));
		EXPECT_EQ(1, INFO(self->fd, w).generation);
		ASSERT_EQ(0, rg_weakref_drop(self->fd, w));
	}
}

/*
 * Callbacks one at a time, in CPython's order (newest first after the
 * basic weakref), then the finalizers:
 *   a, b = F(), F(); a.b = b; b.a = a
 *   w1 = weakref.ref(a, cb1); w2 = weakref.ref(a, cb2); del a, b
 *   gc.collect()  ->  cb2, cb1, then both __del__, then 2
 */
TEST_F(gc, callbacks_one_at_a_time_then_finalizers)
{
	uint64_t a, b, w1, w2, ids[4], cookies[4];
	struct refgc_collect c;
	int n;

	CYCLE(self->tf, a, b);
	ASSERT_EQ(0, rg_weakref(self->fd, a, 1, REFGC_WEAKREF_CALLBACK, &w1));
	ASSERT_EQ(0, rg_weakref(self->fd, a, 2, REFGC_WEAKREF_CALLBACK, &w2));
	EVENTS();
	ASSERT_EQ(0, collect_fin(self->fd, 2, &c));
	ASSERT_TRUE(c.flags & REFGC_COLLECT_SUSPENDED);
	n = EVENTS();
	ASSERT_EQ(1, weakref_records(self->ev, n, ids, cookies));
	EXPECT_EQ(2, cookies[0]);
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, a));
	ASSERT_EQ(0, resume(self->fd, &c));
	ASSERT_TRUE(c.flags & REFGC_COLLECT_SUSPENDED);
	n = EVENTS();
	ASSERT_EQ(1, weakref_records(self->ev, n, ids, cookies));
	EXPECT_EQ(1, cookies[0]);
	ASSERT_EQ(0, resume(self->fd, &c));
	ASSERT_TRUE(c.flags & REFGC_COLLECT_SUSPENDED);
	n = EVENTS();
	EXPECT_EQ(0, weakref_records(self->ev, n, ids, cookies));
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, a));
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, b));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	ASSERT_EQ(2, resume(self->fd, &c));
	EXPECT_EQ(0, c.flags);
	EXPECT_TRUE(DEAD(self->fd, a));
	EXPECT_EQ(2, INFO(self->fd, w1).generation);
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w1));
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w2));
}

/*
 * Legacy mode (CPython's tp_del, e.g. _testcapi.with_tp_del):
 *   q <-> q2 -> k (legacy finalizer) -> l;  del q, q2, k, l
 *   gc.collect()  ->  2, uncollectable 0, gc.garbage == []
 * k and l are set aside as uncollectable, but deleting q2 drops k's last
 * reference: k's finalizer runs right there (the collection stops once
 * more), and k and l die with it.  If k's finalizer keeps k, l stays
 * uncollectable: (2, 1, []).
 */
TEST_F(gc, legacy_finalizer_runs_during_deletion)
{
	struct refgc_entry *e = NULL;
	uint64_t q, q2, k, l;
	struct refgc_collect c;
	int n, keep;

	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS,
				  REFGC_ARENA_LEGACY_FINALIZERS));
	for (keep = 0; keep < 2; keep++) {
		LEGACY_CHAIN(q, q2, k, l);
		EVENTS();
		ASSERT_EQ(0, collect_fin(self->fd, 2, &c));
		ASSERT_TRUE(c.flags & REFGC_COLLECT_SUSPENDED);
		EXPECT_TRUE(DEAD(self->fd, q));
		n = EVENTS();
		ASSERT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE,
					     k));
		if (!keep)
			ASSERT_EQ(0, rg_decref(self->fd, k));
		EXPECT_EQ(keep, !DEAD(self->fd, l));
		ASSERT_EQ(2 + keep, resume(self->fd, &c));
		EXPECT_EQ(0, c.flags);
		EXPECT_EQ(2, c.collected);
		EXPECT_EQ(keep, c.uncollectable);
		EXPECT_EQ(0, rg_list(self->fd, REFGC_LIST_GARBAGE, 0, 4, &e));
		free(e);
		e = NULL;
		if (keep) {
			ASSERT_EQ(0, rg_decref(self->fd, k));
			EXPECT_TRUE(DEAD(self->fd, l));
		}
	}
}

/*
 * A collection that does not stop (REFGC_COLLECT_FINALIZE unset, or an
 * automatic one) cannot run the finalizers: their FINALIZE events hold
 * the objects, which stay in the generation collected, so that its next
 * collection, not a full one, frees them once the events are read.
 */
TEST_F(gc, deferred_finalizers_stay_in_their_generation)
{
	struct refgc_collect c;
	uint64_t a, b;
	int n;

	CYCLE(self->tf, a, b);
	ASSERT_EQ(0, rg_collect(self->fd, 0, &c));
	EXPECT_EQ(0, INFO(self->fd, a).generation);
	EXPECT_EQ(0, INFO(self->fd, b).generation);
	n = EVENTS();
	ASSERT_EQ(2, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, 0));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	ASSERT_EQ(2, rg_collect(self->fd, 0, &c));
	EXPECT_TRUE(DEAD(self->fd, a));

	/* The same from the worker, through the threshold. */
	ASSERT_EQ(0, rg_set_threshold(self->fd, 3, 10, 10));
	CYCLE(self->tf, a, b);
	NEW(self->fd, self->tc, 0);
	NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_sync(self->fd));
	EXPECT_EQ(3, STATS(self->fd).gen[0].collections);
	EXPECT_EQ(0, INFO(self->fd, a).generation);
	n = EVENTS();
	ASSERT_EQ(2, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, 0));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	ASSERT_EQ(2, rg_collect(self->fd, 0, &c));
	EXPECT_TRUE(DEAD(self->fd, b));
}

TEST_HARNESS_MAIN
