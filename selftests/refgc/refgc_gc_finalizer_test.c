// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_gc_finalizer_test.c - what collections report and keep:
 * events through read()/poll() (and their overflow), finalizers
 * (PEP 442 and legacy, the garbage list), and weakrefs and their
 * callbacks.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#define RG_FIXTURE gc
#include "refgc_fixture.h"

/* ---- events ---- */

TEST_F(gc, events_poll_and_read)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	struct refgc_event *ev = self->ev;
	struct refgc_collect c;
	void *bad = rg_unmapped();
	char small[100];
	int fl;

	NEW(self->fd, self->tc, 0);
	NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, poll(&p, 1, 0));
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	ASSERT_EQ(-1, read(self->fd, ev, sizeof(*ev)));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl));
	ASSERT_EQ(-1, read(self->fd, ev, sizeof(*ev) - 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, read(self->fd, ev, 0));
	ASSERT_EQ(EINVAL, errno);

	ASSERT_EQ(0, rg_collect(self->fd, 1, &c));
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLIN);
	/* Even a short buffer is EINVAL when records are queued. */
	ASSERT_EQ(-1, read(self->fd, ev, sizeof(*ev) - 1));
	ASSERT_EQ(EINVAL, errno);
	/* A bad buffer is EFAULT and loses nothing. */
	ASSERT_NE(NULL, bad);
	ASSERT_EQ(-1, read(self->fd, bad, sizeof(*ev)));
	ASSERT_EQ(EFAULT, errno);
	/* Whole records only. */
	ASSERT_EQ(sizeof(*ev), read(self->fd, small, sizeof(small)));
	memcpy(ev, small, sizeof(*ev));
	EXPECT_EQ(REFGC_EV_GC_START, ev[0].type);
	EXPECT_EQ(1, ev[0].generation);
	ASSERT_EQ(sizeof(*ev), read(self->fd, ev, 4 * sizeof(*ev)));
	EXPECT_EQ(REFGC_EV_GC_STOP, ev[0].type);
	EXPECT_EQ(1, ev[0].generation);
	EXPECT_EQ(0, ev[0].collected);
	EXPECT_EQ(0, ev[0].uncollectable);
	EXPECT_EQ(2, ev[0].visited);
	EXPECT_EQ(c.visited, ev[0].visited);
	EXPECT_EQ(c.duration_ns, ev[0].duration_ns);
	ASSERT_EQ(0, poll(&p, 1, 0));

	/* Two at once. */
	ASSERT_EQ(0, rg_collect(self->fd, 0, NULL));
	ASSERT_EQ(2 * sizeof(*ev), read(self->fd, ev, 3 * sizeof(*ev)));
	EXPECT_EQ(REFGC_EV_GC_START, ev[0].type);
	EXPECT_EQ(0, ev[0].generation);
	EXPECT_EQ(REFGC_EV_GC_STOP, ev[1].type);
	EXPECT_EQ(0, ev[1].generation);
}

struct later {
	int fd;
	int gen;
};

static void *collect_later(void *arg)
{
	struct later *l = arg;

	usleep(200 * 1000);
	rg_collect(l->fd, l->gen, NULL);
	return NULL;
}

TEST_F(gc, blocking_read_wakes_up)
{
	struct later l = { .fd = self->fd, .gen = 2 };
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, collect_later, &l));
	ASSERT_EQ(sizeof(self->ev[0]),
		  read(self->fd, self->ev, sizeof(self->ev[0])));
	EXPECT_EQ(REFGC_EV_GC_START, self->ev[0].type);
	EXPECT_EQ(2, self->ev[0].generation);
	ASSERT_EQ(0, pthread_join(th, NULL));

	/* And poll() waits for one too. */
	ASSERT_EQ(1, EVENTS());
	ASSERT_EQ(0, pthread_create(&th, NULL, collect_later, &l));
	ASSERT_EQ(1, poll(&p, 1, 10000));
	EXPECT_TRUE(p.revents & POLLIN);
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(2, EVENTS());
}

TEST_F(gc, event_overflow_counts_lost_records)
{
	int i, n;

	for (i = 0; i < 300; i++)		/* 600 records */
		ASSERT_EQ(0, rg_collect(self->fd, 0, NULL));
	n = EVENTS();
	ASSERT_LT(1, n);
	EXPECT_EQ(REFGC_EV_OVERFLOW, self->ev[0].type);
	EXPECT_EQ(600 - (n - 1), self->ev[0].lost);
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_OVERFLOW, 0));
	/* The records kept are the oldest ones, in order. */
	EXPECT_EQ(REFGC_EV_GC_START, self->ev[1].type);
	EXPECT_EQ(REFGC_EV_GC_STOP, self->ev[2].type);
	/* After the OVERFLOW record the count starts again. */
	ASSERT_EQ(0, rg_collect(self->fd, 0, NULL));
	n = EVENTS();
	EXPECT_EQ(2, n);
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_OVERFLOW, 0));
}

TEST_F(gc, finalize_events_are_never_dropped)
{
	uint64_t f[3];
	int i, n;

	for (i = 0; i < 3; i++)
		f[i] = NEW(self->fd, self->tf, 0);
	for (i = 0; i < 400; i++)		/* fill the ring, and more */
		ASSERT_EQ(0, rg_collect(self->fd, 0, NULL));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, rg_decref(self->fd, f[i]));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(REFGC_INFO_FINALIZED | REFGC_INFO_PENDING |
			  REFGC_INFO_TRACKED, INFO(self->fd, f[i]).flags);
	n = EVENTS();
	for (i = 0; i < 3; i++)
		EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE,
					     f[i]));
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_OVERFLOW, 0));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(1, INFO(self->fd, f[i]).handles);
		ASSERT_EQ(0, rg_decref(self->fd, f[i]));
		EXPECT_TRUE(DEAD(self->fd, f[i]));
	}
}

/* ---- finalizers ---- */

/* 4a. Two finalizers in a cycle, PEP 442: each finalized exactly once. */
TEST_F(gc, seed4_finalizer_cycle_pep442)
{
	int fin_a = 0, fin_b = 0, i, n;
	struct refgc_info ia;
	uint64_t a, b;

	CYCLE(self->tf, a, b);
	ia = INFO(self->fd, a);
	EXPECT_EQ(REFGC_INFO_TRACKED, ia.flags);

	/* Unreachable: finalized, and resurrected by the events' refs. */
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	ia = INFO(self->fd, a);
	EXPECT_EQ(REFGC_INFO_TRACKED | REFGC_INFO_FINALIZED |
		  REFGC_INFO_PENDING, ia.flags);
	EXPECT_EQ(2, ia.refcount);	/* slot + pending event */
	EXPECT_EQ(0, ia.handles);
	EXPECT_EQ(REFGC_INFO_TRACKED | REFGC_INFO_FINALIZED |
		  REFGC_INFO_PENDING, INFO(self->fd, b).flags);
	/* Several more collections: never finalized again. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	n = EVENTS();
	fin_a += rg_count_events(self->ev, n, REFGC_EV_FINALIZE, a);
	fin_b += rg_count_events(self->ev, n, REFGC_EV_FINALIZE, b);
	EXPECT_EQ(2, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, 0));
	EXPECT_EQ(1, fin_a);
	EXPECT_EQ(1, fin_b);

	/* The reader holds a handle on each now. */
	ia = INFO(self->fd, a);
	EXPECT_EQ(1, ia.handles);
	EXPECT_EQ(2, ia.refcount);
	EXPECT_EQ(REFGC_INFO_TRACKED | REFGC_INFO_FINALIZED, ia.flags);
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));	/* held: survive */
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	EXPECT_EQ(1, INFO(self->fd, a).refcount);	/* the cycle */
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, rg_collect(self->fd, 0, NULL));
	ASSERT_EQ(2, rg_collect(self->fd, 2, NULL));
	EXPECT_TRUE(DEAD(self->fd, a));
	EXPECT_TRUE(DEAD(self->fd, b));
	n = EVENTS();
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, 0));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
}

/* 4b. The same cycle with legacy finalizers: uncollectable garbage. */
TEST_F(gc, seed4_finalizer_cycle_legacy)
{
	struct refgc_entry *e = NULL;
	struct refgc_collect c;
	struct refgc_info ia;
	uint64_t a, b;
	int n;

	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS,
				  REFGC_ARENA_LEGACY_FINALIZERS));
	CYCLE(self->tf, a, b);
	ASSERT_EQ(2, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(0, c.collected);
	EXPECT_EQ(2, c.uncollectable);
	ASSERT_EQ(2, rg_list(self->fd, REFGC_LIST_GARBAGE, 0, 1, &e));
	EXPECT_TRUE((e[0].id == a && e[1].id == b) ||
		    (e[0].id == b && e[1].id == a));
	EXPECT_TRUE(e[0].flags & REFGC_INFO_GARBAGE);
	free(e);
	ia = INFO(self->fd, a);
	EXPECT_EQ(REFGC_INFO_TRACKED | REFGC_INFO_GARBAGE, ia.flags);
	EXPECT_EQ(2, ia.refcount);	/* slot + garbage list */
	n = EVENTS();
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, 0));
	EXPECT_EQ(2, self->ev[n - 1].uncollectable);
	EXPECT_EQ(2, STATS(self->fd).gen[2].uncollectable);

	/* Still garbage on the next collection (the list holds them). */
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	ASSERT_EQ(2, rg_list(self->fd, REFGC_LIST_GARBAGE, 0, 8, &e));
	free(e);
	/* CLEAR_GARBAGE releases the list; the cycle is found again. */
	ASSERT_EQ(2, rg_ioctl(self->fd, REFGC_IOC_CLEAR_GARBAGE, NULL));
	ASSERT_EQ(0, rg_list(self->fd, REFGC_LIST_GARBAGE, 0, 8, &e));
	free(e);
	EXPECT_EQ(REFGC_INFO_TRACKED, INFO(self->fd, a).flags);
	EXPECT_EQ(1, INFO(self->fd, a).refcount);
	ASSERT_EQ(2, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(2, c.uncollectable);
	ASSERT_EQ(2, rg_ioctl(self->fd, REFGC_IOC_CLEAR_GARBAGE, NULL));

	/* Back to PEP 442: finalized, then freed once the handles go. */
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS, 0));
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	n = EVENTS();
	EXPECT_EQ(2, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, 0));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	ASSERT_EQ(2, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
}

/* Legacy: gc.garbage gets the finalizers only, unless SAVEALL. */
TEST_F(gc, legacy_garbage_holds_only_finalizers)
{
	struct refgc_entry *e = NULL;
	struct refgc_collect c;
	uint64_t f, x, d, p, q;

	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS,
				  REFGC_ARENA_LEGACY_FINALIZERS));
	/* f <-> x, x -> d: only f has a finalizer. */
	f = NEW(self->fd, self->tf, 0);
	x = NEW(self->fd, self->tc, 0);
	d = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_link(self->fd, f, x));
	ASSERT_EQ(0, rg_link(self->fd, x, f));
	ASSERT_EQ(0, rg_link(self->fd, x, d));
	ASSERT_EQ(0, rg_decref(self->fd, x));
	ASSERT_EQ(0, rg_decref(self->fd, d));
	ASSERT_EQ(0, rg_decref(self->fd, f));
	CYCLE(self->tc, p, q);		/* a plain cycle: collectable */

	ASSERT_EQ(5, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(2, c.collected);	/* p, q */
	EXPECT_EQ(3, c.uncollectable);	/* f, and what it reaches */
	EXPECT_TRUE(DEAD(self->fd, p));
	EXPECT_TRUE(DEAD(self->fd, q));
	ASSERT_EQ(1, rg_list(self->fd, REFGC_LIST_GARBAGE, 0, 8, &e));
	EXPECT_EQ(f, e[0].id);
	free(e);
	EXPECT_EQ(0, INFO(self->fd, x).flags & REFGC_INFO_GARBAGE);
	EXPECT_EQ(0, INFO(self->fd, d).flags & REFGC_INFO_GARBAGE);

	/* With SAVEALL every unreachable object is kept. */
	ASSERT_EQ(1, rg_ioctl(self->fd, REFGC_IOC_CLEAR_GARBAGE, NULL));
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_SAVEALL));
	ASSERT_EQ(3, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(3, c.uncollectable);
	EXPECT_EQ(0, c.collected);
	ASSERT_EQ(3, rg_list(self->fd, REFGC_LIST_GARBAGE, 0, 8, &e));
	free(e);
	EXPECT_TRUE(INFO(self->fd, d).flags & REFGC_INFO_GARBAGE);
}

/* A PEP 442 finalizer resurrects everything it reaches, for one round. */
TEST_F(gc, finalizer_resurrects_what_it_reaches)
{
	uint64_t f, c, d;
	int n;

	f = NEW(self->fd, self->tf, 0);
	c = NEW(self->fd, self->tc, 0);
	d = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_link(self->fd, f, c));
	ASSERT_EQ(0, rg_link(self->fd, c, f));
	ASSERT_EQ(0, rg_link(self->fd, c, d));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	ASSERT_EQ(0, rg_decref(self->fd, d));
	ASSERT_EQ(0, rg_decref(self->fd, f));
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(3, MEMORY(self->fd).objects);
	EXPECT_EQ(1, INFO(self->fd, d).refcount);
	EXPECT_EQ(0, INFO(self->fd, c).flags & REFGC_INFO_FINALIZED);
	n = EVENTS();
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, f));
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, 0));
	ASSERT_EQ(0, rg_decref(self->fd, f));
	ASSERT_EQ(3, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
	n = EVENTS();
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_FINALIZE, 0));
}

/* A finalizer object whose refcount reaches 0 is finalized, not freed. */
TEST_F(gc, finalizer_at_refcount_zero)
{
	uint64_t f = NEW(self->fd, self->tf, 0);
	uint64_t c = NEW(self->fd, self->tc, 0);
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	struct refgc_info i;
	int n;

	ASSERT_EQ(0, rg_link(self->fd, f, c));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	ASSERT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(0, rg_decref(self->fd, f));
	i = INFO(self->fd, f);
	EXPECT_EQ(REFGC_INFO_TRACKED | REFGC_INFO_FINALIZED |
		  REFGC_INFO_PENDING, i.flags);
	EXPECT_EQ(1, i.refcount);
	EXPECT_EQ(0, i.handles);
	EXPECT_EQ(1, i.slots);
	EXPECT_EQ(1, INFO(self->fd, c).refcount);
	ASSERT_EQ(1, poll(&p, 1, 0));		/* a FINALIZE is queued */
	n = EVENTS();
	ASSERT_EQ(1, n);
	EXPECT_EQ(REFGC_EV_FINALIZE, self->ev[0].type);
	EXPECT_EQ(f, self->ev[0].id);
	EXPECT_EQ(1, INFO(self->fd, f).handles);
	/* Dropping the reader's handle frees it (and c); no second event. */
	ASSERT_EQ(0, rg_decref(self->fd, f));
	EXPECT_TRUE(DEAD(self->fd, f));
	EXPECT_TRUE(DEAD(self->fd, c));
	EXPECT_EQ(0, EVENTS());
	EXPECT_EQ(0, MEMORY(self->fd).objects);
}

/* ---- weakrefs ---- */

/* 5. A weakref breaking the cycle: refcounting alone frees it. */
TEST_F(gc, seed5_weakref_breaks_cycle)
{
	uint64_t a = NEW(self->fd, self->tc, 0);
	uint64_t b = NEW(self->fd, self->tc, 0);
	uint64_t w;
	int n;

	ASSERT_EQ(0, rg_link(self->fd, a, b));
	ASSERT_EQ(0, rg_weakref(self->fd, a, 0xc00c1e, REFGC_WEAKREF_CALLBACK,
				&w));
	ASSERT_EQ(0, rg_link(self->fd, b, w));
	EXPECT_EQ(1, INFO(self->fd, a).refcount);	/* weak: no ref */
	ASSERT_EQ(0, rg_decref(self->fd, w));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	EXPECT_EQ(3, MEMORY(self->fd).objects);
	ASSERT_EQ(0, rg_decref(self->fd, a));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
	EXPECT_TRUE(DEAD(self->fd, a));
	EXPECT_TRUE(DEAD(self->fd, b));
	EXPECT_TRUE(DEAD(self->fd, w));
	n = EVENTS();
	ASSERT_EQ(1, n);			/* no collection ran */
	EXPECT_EQ(REFGC_EV_WEAKREF, self->ev[0].type);
	EXPECT_EQ(w, self->ev[0].id);
	EXPECT_EQ(0xc00c1e, self->ev[0].cookie);
}

TEST_F(gc, weakref_basics)
{
	uint64_t x = NEW(self->fd, self->tc, 0);
	uint64_t at = NEW(self->fd, self->ta, 0);
	uint64_t w, w2, r;
	struct refgc_info i;

	ASSERT_EQ(1, COUNT(self->fd).count[0]);	/* the atomic one is not */
	ASSERT_EQ(0, rg_weakref(self->fd, x, 7, 0, &w));
	EXPECT_EQ(2, COUNT(self->fd).count[0]);	/* weakrefs are tracked */
	i = INFO(self->fd, w);
	EXPECT_EQ(REFGC_TYPE_WEAKREF_ID, i.type);
	EXPECT_EQ(REFGC_INFO_WEAKREF | REFGC_INFO_TRACKED, i.flags);
	EXPECT_EQ(1, i.handles);
	EXPECT_EQ(0, i.slots);
	EXPECT_EQ(0, i.generation);
	EXPECT_EQ(1, INFO(self->fd, x).refcount);
	/* Weakrefs to atomic objects and to weakrefs are fine. */
	ASSERT_EQ(0, rg_weakref(self->fd, at, 8, REFGC_WEAKREF_CALLBACK,
				&w2));
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w2));
	EXPECT_TRUE(DEAD(self->fd, w2));
	ASSERT_EQ(0, rg_weakref(self->fd, w, 9, 0, &w2));

	ASSERT_EQ(0, rg_weakref_get(self->fd, w, &r));
	EXPECT_EQ(x, r);
	EXPECT_EQ(2, INFO(self->fd, x).handles);
	ASSERT_EQ(0, rg_decref(self->fd, x));

	ASSERT_EQ(-EINVAL, rg_weakref_get(self->fd, x, &r));
	ASSERT_EQ(-EINVAL, rg_weakref_drop(self->fd, x));
	ASSERT_EQ(-ENOENT, rg_weakref_get(self->fd, 0, &r));
	ASSERT_EQ(-ENOENT, rg_weakref(self->fd, 0, 0, 0, NULL));
	EXPECT_EQ(1, INFO(self->fd, x).handles);

	/* The referent dies: the weakref is cleared, no callback asked. */
	ASSERT_EQ(0, rg_decref(self->fd, x));
	EXPECT_TRUE(DEAD(self->fd, x));
	i = INFO(self->fd, w);
	EXPECT_EQ(REFGC_INFO_WEAKREF | REFGC_INFO_TRACKED |
		  REFGC_INFO_DEAD_REF, i.flags);
	ASSERT_EQ(-ENOENT, rg_weakref_get(self->fd, w, &r));
	EXPECT_EQ(0, EVENTS());
	/* A weakref to a weakref: still alive. */
	ASSERT_EQ(0, rg_weakref_get(self->fd, w2, &r));
	EXPECT_EQ(w, r);
	ASSERT_EQ(0, rg_decref(self->fd, w));
	/* WEAKREF_DROP drops handles like DECREF does. */
	ASSERT_EQ(0, rg_incref(self->fd, w));
	ASSERT_EQ(0, rg_op(self->fd, REFGC_OP_WEAKREF_DROP, w, 0, 0, 0, &r));
	EXPECT_EQ(1, r);
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w));
	EXPECT_TRUE(DEAD(self->fd, w));
	EXPECT_EQ(REFGC_INFO_WEAKREF | REFGC_INFO_TRACKED |
		  REFGC_INFO_DEAD_REF, INFO(self->fd, w2).flags);
	ASSERT_EQ(-EINVAL, rg_weakref_drop(self->fd, at));
}

TEST_F(gc, weakref_many_to_one_referent)
{
	uint64_t x = NEW(self->fd, self->tc, 0), w[5], r;
	int i, n;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, rg_weakref(self->fd, x, 100 + i,
					i == 2 ? 0 : REFGC_WEAKREF_CALLBACK,
					&w[i]));
	/* Drop the newest (list head), a middle one and the oldest. */
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w[4]));
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w[1]));
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w[0]));
	ASSERT_EQ(0, rg_weakref_get(self->fd, w[3], &r));
	EXPECT_EQ(x, r);
	ASSERT_EQ(0, rg_decref(self->fd, x));
	ASSERT_EQ(0, rg_decref(self->fd, x));
	EXPECT_TRUE(DEAD(self->fd, x));
	n = EVENTS();
	ASSERT_EQ(1, n);			/* w[3]; w[2] has no callback */
	EXPECT_EQ(REFGC_EV_WEAKREF, self->ev[0].type);
	EXPECT_EQ(w[3], self->ev[0].id);
	EXPECT_EQ(103, self->ev[0].cookie);
	EXPECT_TRUE(INFO(self->fd, w[2]).flags & REFGC_INFO_DEAD_REF);
	EXPECT_TRUE(INFO(self->fd, w[3]).flags & REFGC_INFO_DEAD_REF);
	ASSERT_EQ(-ENOENT, rg_weakref_get(self->fd, w[2], &r));
}

/*
 * A weakref released in the same cascade as its referent: slots go last
 * to first (CPython's list_dealloc), each death at once.  Released
 * first, the weakref is gone before its referent dies: no callback
 * (CPython skips weakrefs whose refcount is 0).  Released after, it is
 * alive when its referent dies: the callback fires, as in CPython, and
 * the record names a weakref that is dead by the time it is read.
 */
TEST_F(gc, weakref_dying_with_referent_gets_no_callback)
{
	uint64_t c, a, w;
	int n;

	c = NEW(self->fd, self->tc, 0);
	a = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_weakref(self->fd, a, 5, REFGC_WEAKREF_CALLBACK, &w));
	ASSERT_EQ(0, rg_link(self->fd, c, a));	/* c: [a, w]: w goes first */
	ASSERT_EQ(0, rg_link(self->fd, c, w));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, w));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
	n = EVENTS();
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_WEAKREF, 0))
		TH_LOG("event for weakref %llu, which is %s",
		       (unsigned long long)self->ev[0].id,
		       DEAD(self->fd, self->ev[0].id) ? "dead" : "alive");

	/* The other order: a goes first, while w is alive. */
	c = NEW(self->fd, self->tc, 0);
	a = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_weakref(self->fd, a, 6, REFGC_WEAKREF_CALLBACK, &w));
	ASSERT_EQ(0, rg_link(self->fd, c, w));	/* c: [w, a] */
	ASSERT_EQ(0, rg_link(self->fd, c, a));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, w));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
	n = EVENTS();
	ASSERT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_WEAKREF, w));
	EXPECT_EQ(6, self->ev[n - 1].cookie);
	EXPECT_TRUE(DEAD(self->fd, w));
}

/* An atomic object freed while a collection clears a cycle: callback. */
TEST_F(gc, weakref_to_object_freed_by_collection)
{
	uint64_t a, b, x, w, w2;
	int n;

	CYCLE(self->tc, a, b);
	x = NEW(self->fd, self->ta, 0);		/* untracked, held by a */
	ASSERT_EQ(0, rg_link(self->fd, a, x));
	ASSERT_EQ(0, rg_weakref(self->fd, x, 9, REFGC_WEAKREF_CALLBACK, &w));
	/* And a weakref inside the garbage to x: no callback for it. */
	ASSERT_EQ(0, rg_weakref(self->fd, x, 10, REFGC_WEAKREF_CALLBACK,
				&w2));
	ASSERT_EQ(0, rg_link(self->fd, b, w2));
	ASSERT_EQ(0, rg_weakref_drop(self->fd, w2));
	ASSERT_EQ(0, rg_decref(self->fd, x));
	ASSERT_EQ(3, rg_collect(self->fd, 2, NULL));	/* a, b, w2 */
	EXPECT_TRUE(DEAD(self->fd, x));
	EXPECT_TRUE(DEAD(self->fd, w2));
	EXPECT_TRUE(INFO(self->fd, w).flags & REFGC_INFO_DEAD_REF);
	n = EVENTS();
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_WEAKREF, w));
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_WEAKREF, 0));
	EXPECT_EQ(1, MEMORY(self->fd).objects);
}

TEST_F(gc, weakref_callback_in_collection)
{
	uint64_t a, b, w;
	int n;

	/* A live weakref to cyclic garbage: cleared, callback fires. */
	CYCLE(self->tc, a, b);
	ASSERT_EQ(0, rg_weakref(self->fd, a, 42, REFGC_WEAKREF_CALLBACK, &w));
	ASSERT_EQ(2, rg_collect(self->fd, 2, NULL));
	EXPECT_TRUE(DEAD(self->fd, a));
	EXPECT_TRUE(INFO(self->fd, w).flags & REFGC_INFO_DEAD_REF);
	n = EVENTS();
	ASSERT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_WEAKREF, w));
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_WEAKREF, 0));
	EXPECT_EQ(REFGC_EV_GC_START, self->ev[0].type);
	EXPECT_EQ(REFGC_EV_WEAKREF, self->ev[1].type);
	EXPECT_EQ(42, self->ev[1].cookie);
	ASSERT_EQ(0, rg_decref(self->fd, w));
}

TEST_F(gc, weakref_in_garbage_gets_no_callback)
{
	uint64_t a, b, w, x, c, d, w2;
	int n;

	/* a <-> b, b -> w, w ~> a: all garbage together. */
	CYCLE(self->tc, a, b);
	ASSERT_EQ(0, rg_weakref(self->fd, a, 1, REFGC_WEAKREF_CALLBACK, &w));
	ASSERT_EQ(0, rg_link(self->fd, b, w));
	ASSERT_EQ(0, rg_decref(self->fd, w));
	ASSERT_EQ(3, rg_collect(self->fd, 2, NULL));
	EXPECT_TRUE(DEAD(self->fd, w));
	n = EVENTS();
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_WEAKREF, 0));

	/* Garbage weakref to a live object: no callback, referent fine. */
	x = NEW(self->fd, self->tc, 0);
	CYCLE(self->tc, c, d);
	ASSERT_EQ(0, rg_weakref(self->fd, x, 2, REFGC_WEAKREF_CALLBACK, &w2));
	ASSERT_EQ(0, rg_link(self->fd, c, w2));
	ASSERT_EQ(0, rg_decref(self->fd, w2));
	ASSERT_EQ(3, rg_collect(self->fd, 2, NULL));
	EXPECT_TRUE(DEAD(self->fd, w2));
	EXPECT_EQ(1, INFO(self->fd, x).refcount);
	ASSERT_EQ(0, rg_decref(self->fd, x));
	n = EVENTS();
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_WEAKREF, 0));
}

TEST_HARNESS_MAIN
