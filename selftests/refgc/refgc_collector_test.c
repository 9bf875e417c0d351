// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_collector_test.c - the cycle collector, as CPython 3.12's gc:
 * generations, counts and thresholds, automatic collection on the
 * workqueue, finalizers (PEP 442 and legacy), weakrefs and their
 * callbacks, freeze, debug flags and the garbage list, events through
 * read()/poll(), and random graphs checked against a plain BFS.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "refgc_util.h"

#define MAXEV	2048

FIXTURE(gc) {
	int fd;
	uint32_t tc;	/* container */
	uint32_t ta;	/* atomic */
	uint32_t tf;	/* container with a finalizer */
	struct refgc_event ev[MAXEV];
};

FIXTURE_SETUP(gc)
{
	self->fd = -1;
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
	self->fd = rg_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, rg_type(self->fd, "node", REFGC_TYPE_CONTAINER,
			     &self->tc));
	ASSERT_EQ(0, rg_type(self->fd, "blob", REFGC_TYPE_ATOMIC, &self->ta));
	ASSERT_EQ(0, rg_type(self->fd, "fin", REFGC_TYPE_FINALIZER,
			     &self->tf));
}

FIXTURE_TEARDOWN(gc)
{
	if (self->fd >= 0)
		close(self->fd);
}

#define NEW(fd, type, bytes) ({						\
	uint64_t __id = 0;						\
	ASSERT_EQ(0, rg_new(fd, type, bytes, &__id));			\
	__id; })

#define INFO(fd, id) ({							\
	struct refgc_info __i;						\
	memset(&__i, 0xa5, sizeof(__i));				\
	ASSERT_EQ(0, rg_info(fd, id, &__i));				\
	__i; })

#define MEMORY(fd) ({							\
	struct refgc_memory __m;					\
	ASSERT_EQ(0, rg_memory(fd, &__m));				\
	__m; })

#define COUNT(fd) ({							\
	struct refgc_count __c;						\
	ASSERT_EQ(0, rg_count(fd, &__c));				\
	__c; })

#define STATS(fd) ({							\
	struct refgc_stats __s;						\
	ASSERT_EQ(0, rg_ioctl(fd, REFGC_IOC_GET_STATS, &__s));		\
	__s; })

/* Drain the event queue into self->ev; the number of records. */
#define EVENTS() ({							\
	int __n = rg_events(self->fd, self->ev, MAXEV);			\
	ASSERT_LE(0, __n);						\
	__n; })

#define DEAD(fd, id) (rg_info(fd, id, &(struct refgc_info){}) == -ENOENT)

/* A 2-cycle a <-> b of @type with no handles left. */
static void make_cycle(struct __test_metadata *_metadata, int fd,
		       uint32_t type, uint64_t *a, uint64_t *b)
{
	ASSERT_EQ(0, rg_new(fd, type, 0, a));
	ASSERT_EQ(0, rg_new(fd, type, 0, b));
	ASSERT_EQ(0, rg_link(fd, *a, *b));
	ASSERT_EQ(0, rg_link(fd, *b, *a));
	ASSERT_EQ(0, rg_decref(fd, *a));
	ASSERT_EQ(0, rg_decref(fd, *b));
}

#define CYCLE(type, a, b) make_cycle(_metadata, self->fd, type, &(a), &(b))

/* Run @n NEWs of @type (handles kept) in one batch; ids into @ids. */
static int new_batch(int fd, uint32_t type, int n, uint64_t *ids)
{
	struct refgc_op *ops = calloc(n, sizeof(*ops));
	int i, r;

	if (!ops)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ops[i] = rg_mkop(REFGC_OP_NEW, 0, type, 0, 0);
	r = rg_batch_all(fd, ops, n);
	for (i = 0; ids && !r && i < n; i++)
		ids[i] = ops[i].result;
	free(ops);
	return r;
}

/* ---- control ioctls ---- */

TEST_F(gc, enable_disable_isenabled)
{
	ASSERT_EQ(1, rg_get_value(self->fd, REFGC_IOC_ISENABLED));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	ASSERT_EQ(0, rg_get_value(self->fd, REFGC_IOC_ISENABLED));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	ASSERT_EQ(0, rg_get_value(self->fd, REFGC_IOC_ISENABLED));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_ENABLE, NULL));
	ASSERT_EQ(1, rg_get_value(self->fd, REFGC_IOC_ISENABLED));
}

TEST_F(gc, thresholds)
{
	struct refgc_threshold t;

	memset(&t, 0xff, sizeof(t));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_GET_THRESHOLD, &t));
	EXPECT_EQ(700, t.threshold[0]);
	EXPECT_EQ(10, t.threshold[1]);
	EXPECT_EQ(10, t.threshold[2]);
	EXPECT_EQ(0, t.reserved);
	ASSERT_EQ(0, rg_set_threshold(self->fd, 5, 0, 123456));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_GET_THRESHOLD, &t));
	EXPECT_EQ(5, t.threshold[0]);
	EXPECT_EQ(0, t.threshold[1]);
	EXPECT_EQ(123456, t.threshold[2]);
	t.reserved = 1;
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_SET_THRESHOLD, &t));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_GET_THRESHOLD, &t));
	EXPECT_EQ(5, t.threshold[0]);
	EXPECT_EQ(0, t.reserved);
}

TEST_F(gc, debug_flags_values)
{
	static const uint32_t bad[] = { 1u << 3, 1u << 4, 1u << 6, 1u << 31,
					REFGC_DEBUG_FLAGS + 1 };
	struct refgc_gc_value v = { .value = REFGC_DEBUG_STATS, .reserved = 1 };
	size_t i;

	ASSERT_EQ(0, rg_get_value(self->fd, REFGC_IOC_GET_DEBUG));
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_LEAK));
	ASSERT_EQ(REFGC_DEBUG_COLLECTABLE | REFGC_DEBUG_UNCOLLECTABLE |
		  REFGC_DEBUG_SAVEALL,
		  rg_get_value(self->fd, REFGC_IOC_GET_DEBUG));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ASSERT_EQ(-EINVAL, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG,
						bad[i])) TH_LOG("%#x", bad[i]);
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_SET_DEBUG, &v));
	ASSERT_EQ(REFGC_DEBUG_LEAK,
		  rg_get_value(self->fd, REFGC_IOC_GET_DEBUG));
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_FLAGS));
	ASSERT_EQ(REFGC_DEBUG_FLAGS,
		  rg_get_value(self->fd, REFGC_IOC_GET_DEBUG));
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG, 0));
	ASSERT_EQ(0, rg_get_value(self->fd, REFGC_IOC_GET_DEBUG));
}

TEST_F(gc, arena_flags_values)
{
	struct refgc_gc_value v = { .value = 0, .reserved = 1 };

	ASSERT_EQ(0, rg_get_value(self->fd, REFGC_IOC_GET_FLAGS));
	ASSERT_EQ(-EINVAL, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS, 2));
	ASSERT_EQ(-EINVAL, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS,
					1u << 31));
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_SET_FLAGS, &v));
	ASSERT_EQ(0, rg_get_value(self->fd, REFGC_IOC_GET_FLAGS));
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS,
				  REFGC_ARENA_LEGACY_FINALIZERS));
	ASSERT_EQ(REFGC_ARENA_LEGACY_FINALIZERS,
		  rg_get_value(self->fd, REFGC_IOC_GET_FLAGS));
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS, 0));
	ASSERT_EQ(0, rg_get_value(self->fd, REFGC_IOC_GET_FLAGS));
}

TEST_F(gc, collect_errors)
{
	struct refgc_collect c = { .generation = 0, .flags = 1 };
	struct refgc_stats s0 = STATS(self->fd), s1;
	struct refgc_count c0, c1;

	NEW(self->fd, self->tc, 0);
	c0 = COUNT(self->fd);
	ASSERT_EQ(-EINVAL, rg_collect(self->fd, -1, NULL));
	ASSERT_EQ(-EINVAL, rg_collect(self->fd, 3, NULL));
	ASSERT_EQ(-EINVAL, rg_collect(self->fd, 1 << 30, NULL));
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_COLLECT, &c));
	s1 = STATS(self->fd);
	c1 = COUNT(self->fd);
	EXPECT_EQ(0, memcmp(&s0, &s1, sizeof(s0)));
	EXPECT_EQ(0, memcmp(&c0, &c1, sizeof(c0)));
	EXPECT_EQ(0, EVENTS());		/* no GC_START for a bad request */
}

TEST_F(gc, sync_without_work_returns)
{
	ASSERT_EQ(0, rg_sync(self->fd));
	ASSERT_EQ(0, rg_sync(self->fd));
	EXPECT_EQ(0, EVENTS());
}

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

/* ---- the seed scenarios ---- */

/* 1. A container dropped by its only handle is freed at once. */
TEST_F(gc, seed1_dropped_container_freed_at_once)
{
	uint64_t x = NEW(self->fd, self->tc, 1000);
	struct refgc_memory m = MEMORY(self->fd);

	EXPECT_EQ(1000, m.payload_bytes);
	EXPECT_EQ(1, COUNT(self->fd).count[0]);
	ASSERT_EQ(0, rg_decref(self->fd, x));
	EXPECT_TRUE(DEAD(self->fd, x));
	m = MEMORY(self->fd);
	EXPECT_EQ(0, m.payload_bytes);
	EXPECT_EQ(0, m.objects);
	EXPECT_EQ(0, m.bytes);
	EXPECT_EQ(0, COUNT(self->fd).count[0]);	/* alloc - dealloc */
	EXPECT_EQ(0, EVENTS());			/* no collection ran */
}

/* 2. An object kept by a long-lived holder stays, and ages. */
TEST_F(gc, seed2_held_object_survives)
{
	uint64_t h = NEW(self->fd, self->tc, 0);
	uint64_t x = NEW(self->fd, self->tc, 8);
	struct refgc_collect c;
	int gen;

	ASSERT_EQ(0, rg_link(self->fd, h, x));
	ASSERT_EQ(0, rg_decref(self->fd, x));
	for (gen = 0; gen < 3; gen++) {
		ASSERT_EQ(0, rg_collect(self->fd, gen, &c));
		EXPECT_EQ(0, c.collected);
		EXPECT_EQ(0, c.uncollectable);
		EXPECT_EQ(1, INFO(self->fd, x).refcount);
		EXPECT_EQ(gen == 2 ? 2 : gen + 1, INFO(self->fd, x).generation);
		EXPECT_EQ(gen == 2 ? 2 : gen + 1, INFO(self->fd, h).generation);
	}
	EXPECT_EQ(2, MEMORY(self->fd).objects);
}

/* 3. a <-> b survives refcounting; COLLECT(2) returns 2 and frees both. */
TEST_F(gc, seed3_cycle_collected)
{
	struct refgc_collect c;
	struct refgc_memory m;
	struct refgc_stats s;
	uint64_t a, b;
	int n;

	CYCLE(self->tc, a, b);
	EXPECT_EQ(1, INFO(self->fd, a).refcount);
	EXPECT_EQ(1, INFO(self->fd, b).refcount);
	EXPECT_EQ(2, MEMORY(self->fd).objects);
	ASSERT_EQ(2, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(2, c.collected);
	EXPECT_EQ(0, c.uncollectable);
	EXPECT_EQ(2, c.visited);
	EXPECT_TRUE(DEAD(self->fd, a));
	EXPECT_TRUE(DEAD(self->fd, b));
	m = MEMORY(self->fd);
	EXPECT_EQ(0, m.objects);
	EXPECT_EQ(0, m.bytes);
	EXPECT_EQ(0, m.slots);
	s = STATS(self->fd);
	EXPECT_EQ(1, s.gen[2].collections);
	EXPECT_EQ(2, s.gen[2].collected);
	EXPECT_EQ(2, s.gen[2].visited);
	n = EVENTS();
	ASSERT_EQ(2, n);
	EXPECT_EQ(REFGC_EV_GC_STOP, self->ev[1].type);
	EXPECT_EQ(2, self->ev[1].collected);
	/* Nothing left: the next collection finds nothing. */
	ASSERT_EQ(0, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(0, c.visited);
}

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
 * A weakref that dies together with its referent (both released by the
 * same cascade) gets no callback: CPython skips callbacks of weakrefs
 * whose refcount is already 0, and an event would name a dead id.
 */
TEST_F(gc, weakref_dying_with_referent_gets_no_callback)
{
	uint64_t c, a, w;
	int n;

	c = NEW(self->fd, self->tc, 0);
	a = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_weakref(self->fd, a, 5, REFGC_WEAKREF_CALLBACK, &w));
	ASSERT_EQ(0, rg_link(self->fd, c, a));	/* c: [a, w] */
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

	/* The other order: w first, then a. */
	c = NEW(self->fd, self->tc, 0);
	a = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_weakref(self->fd, a, 6, REFGC_WEAKREF_CALLBACK, &w));
	ASSERT_EQ(0, rg_link(self->fd, c, w));	/* c: [w, a] */
	ASSERT_EQ(0, rg_link(self->fd, c, a));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, w));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
	EXPECT_EQ(0, EVENTS());
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

/* 6. Automatic collection: > threshold0 tracked allocations. */
TEST_F(gc, seed6_automatic_collection)
{
	struct refgc_op ops[2];
	struct refgc_info in_batch;
	struct refgc_count cnt;
	uint64_t first[1], atoms[1];
	int n;

	ASSERT_EQ(0, new_batch(self->fd, self->tc, 1, first));
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 699, NULL));
	ASSERT_EQ(0, rg_sync(self->fd));
	EXPECT_EQ(0, EVENTS());			/* 700 is not > 700 */
	cnt = COUNT(self->fd);
	EXPECT_EQ(700, cnt.count[0]);
	/* Atomic objects are not counted. */
	ASSERT_EQ(0, new_batch(self->fd, self->ta, 50, atoms));
	ASSERT_EQ(0, rg_sync(self->fd));
	EXPECT_EQ(0, EVENTS());
	EXPECT_EQ(700, COUNT(self->fd).count[0]);

	/*
	 * The 701st: due, but not collected inside the ioctl -- an op in
	 * the same batch still sees the first object in generation 0.
	 */
	memset(&in_batch, 0xff, sizeof(in_batch));
	ops[0] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	ops[1] = rg_mkop(REFGC_OP_GET_INFO, first[0], 0, sizeof(in_batch),
			 (uintptr_t)&in_batch);
	ASSERT_EQ(0, rg_batch(self->fd, ops, 2, 0, NULL));
	EXPECT_EQ(0, in_batch.generation);
	ASSERT_EQ(0, rg_sync(self->fd));
	n = EVENTS();
	ASSERT_EQ(2, n);
	EXPECT_EQ(REFGC_EV_GC_START, self->ev[0].type);
	EXPECT_EQ(0, self->ev[0].generation);
	EXPECT_EQ(REFGC_EV_GC_STOP, self->ev[1].type);
	EXPECT_EQ(0, self->ev[1].generation);
	EXPECT_EQ(701, self->ev[1].visited);
	cnt = COUNT(self->fd);
	EXPECT_EQ(0, cnt.count[0]);
	EXPECT_EQ(1, cnt.count[1]);
	EXPECT_EQ(0, cnt.count[2]);
	EXPECT_EQ(1, INFO(self->fd, first[0]).generation);
	EXPECT_EQ(1, STATS(self->fd).gen[0].collections);
	/* Deallocations count down. */
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 5, NULL));
	ASSERT_EQ(0, rg_decref(self->fd, ops[0].result));
	EXPECT_EQ(4, COUNT(self->fd).count[0]);
}

TEST_F(gc, automatic_collection_frees_cycles)
{
	uint64_t a, b;
	int i, n;

	ASSERT_EQ(0, rg_set_threshold(self->fd, 100, 10, 10));
	for (i = 0; i < 50; i++)
		CYCLE(self->tc, a, b);		/* 100 tracked, all garbage */
	ASSERT_EQ(0, rg_sync(self->fd));
	EXPECT_EQ(0, EVENTS());
	EXPECT_EQ(100, MEMORY(self->fd).objects);
	NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_sync(self->fd));
	n = EVENTS();
	ASSERT_EQ(2, n);
	EXPECT_EQ(100, self->ev[1].collected);
	EXPECT_EQ(101, self->ev[1].visited);
	EXPECT_EQ(1, MEMORY(self->fd).objects);
	EXPECT_TRUE(DEAD(self->fd, a));
}

TEST_F(gc, disable_stops_automatic_collection)
{
	struct refgc_stats s;

	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 800, NULL));
	ASSERT_EQ(0, rg_sync(self->fd));
	EXPECT_EQ(0, EVENTS());
	EXPECT_EQ(800, COUNT(self->fd).count[0]);
	s = STATS(self->fd);
	EXPECT_EQ(0, s.gen[0].collections);
	/* Manual collection still works while disabled. */
	ASSERT_EQ(0, rg_collect(self->fd, 0, NULL));
	EXPECT_EQ(2, EVENTS());
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 701, NULL));
	ASSERT_EQ(0, rg_sync(self->fd));
	EXPECT_EQ(0, EVENTS());
	/* Enabled again: the next allocation triggers it. */
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_ENABLE, NULL));
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 1, NULL));
	ASSERT_EQ(0, rg_sync(self->fd));
	EXPECT_EQ(2, EVENTS());
	EXPECT_EQ(0, COUNT(self->fd).count[0]);
}

TEST_F(gc, threshold0_zero_stops_automatic_collection)
{
	ASSERT_EQ(0, rg_set_threshold(self->fd, 0, 10, 10));
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 1500, NULL));
	ASSERT_EQ(0, rg_sync(self->fd));
	EXPECT_EQ(0, EVENTS());
	EXPECT_EQ(1500, COUNT(self->fd).count[0]);
	EXPECT_EQ(0, STATS(self->fd).gen[0].collections);
	ASSERT_EQ(0, rg_set_threshold(self->fd, 1000, 10, 10));
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 1, NULL));
	ASSERT_EQ(0, rg_sync(self->fd));
	EXPECT_EQ(2, EVENTS());
}

/*
 * 7. gen 2 is collected automatically only when long_lived_pending >=
 * long_lived_total / 4.  100 objects survive a full collection (total
 * 100); threshold2 = 0 makes gen 2 due by count after any gen-1
 * collection; gen-1 collections add their survivors to pending.
 */
static void long_lived(struct __test_metadata *_metadata, int fd,
		       uint32_t tc, struct refgc_event *ev, int first,
		       int expect_gen)
{
	struct refgc_stats s;
	int n;

	/* 40 reach gen 2 through gen 1 (pending 40), then a full one. */
	ASSERT_EQ(0, new_batch(fd, tc, 40, NULL));
	ASSERT_EQ(0, rg_collect(fd, 1, NULL));
	ASSERT_EQ(0, new_batch(fd, tc, 60, NULL));
	ASSERT_EQ(0, rg_collect(fd, 2, NULL));	/* total 100, pending 0 */
	ASSERT_EQ(0, rg_set_threshold(fd, 4, 100, 0));
	ASSERT_EQ(4, rg_events(fd, ev, MAXEV));

	/* @first objects: an automatic gen-0 collection, then COLLECT(1). */
	ASSERT_EQ(0, new_batch(fd, tc, first, NULL));
	ASSERT_EQ(0, rg_sync(fd));
	n = rg_events(fd, ev, MAXEV);
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, ev[0].generation);
	ASSERT_EQ(0, rg_collect(fd, 1, NULL));		/* pending = first */
	ASSERT_EQ(2, rg_events(fd, ev, MAXEV));

	/* 5 more: gen 2 is due by count, but pending < 100 / 4. */
	ASSERT_EQ(0, new_batch(fd, tc, 5, NULL));
	ASSERT_EQ(0, rg_sync(fd));
	n = rg_events(fd, ev, MAXEV);
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, ev[0].generation);
	ASSERT_EQ(0, rg_collect(fd, 1, NULL));		/* pending += 5 */
	ASSERT_EQ(2, rg_events(fd, ev, MAXEV));

	/* 5 more: which generation now? */
	ASSERT_EQ(0, new_batch(fd, tc, 5, NULL));
	ASSERT_EQ(0, rg_sync(fd));
	n = rg_events(fd, ev, MAXEV);
	ASSERT_EQ(2, n);
	EXPECT_EQ(REFGC_EV_GC_START, ev[0].type);
	EXPECT_EQ(expect_gen, ev[0].generation)
		TH_LOG("pending %d of total 100", first + 5);
	EXPECT_EQ(expect_gen == 2 ? 100 + first + 10 : 5, ev[1].visited);
	s = STATS(fd);
	EXPECT_EQ(expect_gen == 2 ? 2 : 1, s.gen[2].collections);
	EXPECT_EQ(3, s.gen[1].collections);
	EXPECT_EQ(expect_gen == 2 ? 2 : 3, s.gen[0].collections);
}

TEST_F(gc, seed7_long_lived_pending_below_quarter)
{
	long_lived(_metadata, self->fd, self->tc, self->ev, 19, 0);
}

TEST_F(gc, seed7_long_lived_pending_at_quarter)
{
	long_lived(_metadata, self->fd, self->tc, self->ev, 20, 2);
}

/* The worker takes the oldest generation whose count is over. */
TEST_F(gc, automatic_collection_picks_generation)
{
	int i, n;

	ASSERT_EQ(0, rg_set_threshold(self->fd, 2, 2, 100));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, new_batch(self->fd, self->tc, 3, NULL));
		ASSERT_EQ(0, rg_sync(self->fd));
		n = EVENTS();
		ASSERT_EQ(2, n);
		EXPECT_EQ(0, self->ev[0].generation);
	}
	EXPECT_EQ(3, COUNT(self->fd).count[1]);		/* 3 > 2 */
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 3, NULL));
	ASSERT_EQ(0, rg_sync(self->fd));
	n = EVENTS();
	ASSERT_EQ(2, n);
	EXPECT_EQ(1, self->ev[0].generation);
	EXPECT_EQ(12, self->ev[1].visited);
	EXPECT_EQ(0, COUNT(self->fd).count[1]);
	EXPECT_EQ(1, COUNT(self->fd).count[2]);
}

/* 8. FREEZE puts objects beyond collection; UNFREEZE returns them. */
TEST_F(gc, seed8_freeze_unfreeze)
{
	struct refgc_freeze_count fc;
	struct refgc_entry *e = NULL;
	struct refgc_collect c;
	struct refgc_info i;
	uint64_t a, b, h, at, z, y;

	CYCLE(self->tc, a, b);
	ASSERT_EQ(0, rg_incref(self->fd, a));	/* held for now */
	h = NEW(self->fd, self->tc, 0);
	at = NEW(self->fd, self->ta, 0);
	z = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_FREEZE, NULL));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_GET_FREEZE_COUNT, &fc));
	EXPECT_EQ(4, fc.count);			/* not the atomic one */
	EXPECT_EQ(0, COUNT(self->fd).count[0]);
	i = INFO(self->fd, h);
	EXPECT_EQ(REFGC_GEN_PERMANENT, i.generation);
	EXPECT_EQ(REFGC_INFO_TRACKED | REFGC_INFO_FROZEN, i.flags);
	EXPECT_EQ(REFGC_GEN_UNTRACKED, INFO(self->fd, at).generation);
	ASSERT_EQ(4, rg_list(self->fd, REFGC_LIST_OBJECTS,
			     REFGC_GEN_PERMANENT, 8, &e));
	free(e);

	/* Frozen garbage is never collected... */
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(0, c.visited);
	EXPECT_FALSE(DEAD(self->fd, a));
	/* ...but refcounting still frees frozen objects. */
	ASSERT_EQ(0, rg_decref(self->fd, z));
	EXPECT_TRUE(DEAD(self->fd, z));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_GET_FREEZE_COUNT, &fc));
	EXPECT_EQ(3, fc.count);
	/* New objects go to generation 0 as usual. */
	y = NEW(self->fd, self->tc, 0);
	EXPECT_EQ(0, INFO(self->fd, y).generation);
	ASSERT_EQ(0, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(1, c.visited);

	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_UNFREEZE, NULL));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_GET_FREEZE_COUNT, &fc));
	EXPECT_EQ(0, fc.count);
	i = INFO(self->fd, a);
	EXPECT_EQ(2, i.generation);
	EXPECT_EQ(REFGC_INFO_TRACKED, i.flags);
	ASSERT_EQ(2, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(4, c.visited);		/* a, b, h, y */
	EXPECT_TRUE(DEAD(self->fd, a));
	EXPECT_TRUE(DEAD(self->fd, b));
}

/* 9. Debug flags: COLLECTABLE/UNCOLLECTABLE events, SAVEALL. */
TEST_F(gc, seed9_debug_collectable_events)
{
	uint64_t a, b, h;
	int n;

	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_COLLECTABLE));
	h = NEW(self->fd, self->tc, 0);
	CYCLE(self->tc, a, b);
	ASSERT_EQ(2, rg_collect(self->fd, 2, NULL));
	n = EVENTS();
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_COLLECTABLE, a));
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_COLLECTABLE, b));
	EXPECT_EQ(2, rg_count_events(self->ev, n, REFGC_EV_COLLECTABLE, 0));
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_COLLECTABLE, h));
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_UNCOLLECTABLE, 0));
	EXPECT_TRUE(DEAD(self->fd, a));
	/* Without the flag: no such events. */
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG, 0));
	CYCLE(self->tc, a, b);
	ASSERT_EQ(2, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(2, EVENTS());
}

TEST_F(gc, seed9_debug_uncollectable_events)
{
	uint64_t f, g, a, b;
	int n;

	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_FLAGS,
				  REFGC_ARENA_LEGACY_FINALIZERS));
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_UNCOLLECTABLE));
	CYCLE(self->tf, f, g);
	CYCLE(self->tc, a, b);
	ASSERT_EQ(4, rg_collect(self->fd, 2, NULL));
	n = EVENTS();
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_UNCOLLECTABLE, f));
	EXPECT_EQ(1, rg_count_events(self->ev, n, REFGC_EV_UNCOLLECTABLE, g));
	EXPECT_EQ(2, rg_count_events(self->ev, n, REFGC_EV_UNCOLLECTABLE, 0));
	EXPECT_EQ(0, rg_count_events(self->ev, n, REFGC_EV_COLLECTABLE, 0));
}

TEST_F(gc, seed9_saveall_keeps_garbage)
{
	struct refgc_entry *e = NULL;
	struct refgc_collect c;
	struct refgc_info i;
	uint64_t a, b;

	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_SAVEALL));
	CYCLE(self->tc, a, b);
	ASSERT_EQ(2, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(2, c.collected);
	EXPECT_EQ(0, c.uncollectable);
	ASSERT_EQ(2, rg_list(self->fd, REFGC_LIST_GARBAGE, 0, 8, &e));
	EXPECT_TRUE((e[0].id == a && e[1].id == b) ||
		    (e[0].id == b && e[1].id == a));
	free(e);
	i = INFO(self->fd, a);
	EXPECT_EQ(REFGC_INFO_TRACKED | REFGC_INFO_GARBAGE, i.flags);
	EXPECT_EQ(2, i.refcount);
	EXPECT_EQ(2, MEMORY(self->fd).objects);
	/* Saved objects are reachable from the list: not found again. */
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	ASSERT_EQ(2, rg_list(self->fd, REFGC_LIST_GARBAGE, 0, 8, &e));
	free(e);
	/* Released, the cycle is ordinary garbage again. */
	ASSERT_EQ(0, rg_set_value(self->fd, REFGC_IOC_SET_DEBUG, 0));
	ASSERT_EQ(2, rg_ioctl(self->fd, REFGC_IOC_CLEAR_GARBAGE, NULL));
	EXPECT_EQ(1, INFO(self->fd, a).refcount);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_CLEAR_GARBAGE, NULL));
	ASSERT_EQ(2, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
}

/* 10. get_referrers and get_referents (GET_SLOTS). */
TEST_F(gc, seed10_referrers_and_referents)
{
	uint64_t x = NEW(self->fd, self->tc, 0), p, q, r, got[8];

	p = NEW(self->fd, self->tc, 0);
	q = NEW(self->fd, self->tc, 0);
	r = NEW(self->fd, self->ta, 0);
	ASSERT_EQ(0, rg_link(self->fd, p, x));
	ASSERT_EQ(0, rg_link(self->fd, p, r));
	ASSERT_EQ(0, rg_link(self->fd, q, x));
	ASSERT_EQ(0, rg_link(self->fd, x, q));	/* q <-> x */
	ASSERT_EQ(2, rg_referrers(self->fd, x, got, 8));
	EXPECT_TRUE((got[0] == p && got[1] == q) ||
		    (got[0] == q && got[1] == p));
	ASSERT_EQ(1, rg_referrers(self->fd, r, got, 8));
	EXPECT_EQ(p, got[0]);
	ASSERT_EQ(2, rg_slots(self->fd, p, got, 8));	/* referents */
	EXPECT_EQ(x, got[0]);
	EXPECT_EQ(r, got[1]);
	/* Drop p: x's referrers shrink to q; collect the rest. */
	ASSERT_EQ(0, rg_decref(self->fd, p));
	ASSERT_EQ(1, rg_referrers(self->fd, x, got, 8));
	EXPECT_EQ(q, got[0]);
	EXPECT_FALSE(DEAD(self->fd, r));	/* r has a handle */
	ASSERT_EQ(0, rg_decref(self->fd, x));
	ASSERT_EQ(0, rg_decref(self->fd, q));
	ASSERT_EQ(2, rg_collect(self->fd, 2, NULL));
	ASSERT_EQ(0, rg_referrers(self->fd, r, got, 8));
}

/* Counts and generations as gc.get_count() and the generation lists. */
TEST_F(gc, counts_and_promotion)
{
	struct refgc_collect c;
	struct refgc_count cnt;
	struct refgc_stats s;
	struct refgc_entry *e = NULL;
	uint64_t x[3];

	ASSERT_EQ(0, new_batch(self->fd, self->tc, 3, x));
	ASSERT_EQ(3, COUNT(self->fd).count[0]);
	ASSERT_EQ(0, rg_collect(self->fd, 0, &c));
	EXPECT_EQ(3, c.visited);
	cnt = COUNT(self->fd);
	EXPECT_EQ(0, cnt.count[0]);
	EXPECT_EQ(1, cnt.count[1]);
	EXPECT_EQ(1, INFO(self->fd, x[0]).generation);
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 2, NULL));
	ASSERT_EQ(0, rg_collect(self->fd, 0, &c));
	EXPECT_EQ(2, c.visited);		/* gen 0 only */
	ASSERT_EQ(5, rg_list(self->fd, REFGC_LIST_OBJECTS, 1, 2, &e));
	free(e);
	ASSERT_EQ(0, rg_collect(self->fd, 1, &c));
	EXPECT_EQ(5, c.visited);		/* gens 0 and 1 */
	cnt = COUNT(self->fd);
	EXPECT_EQ(0, cnt.count[0]);
	EXPECT_EQ(0, cnt.count[1]);
	EXPECT_EQ(1, cnt.count[2]);
	EXPECT_EQ(2, INFO(self->fd, x[0]).generation);
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 1, NULL));
	ASSERT_EQ(0, rg_collect(self->fd, 2, &c));
	EXPECT_EQ(6, c.visited);
	cnt = COUNT(self->fd);
	EXPECT_EQ(0, cnt.count[0]);
	EXPECT_EQ(0, cnt.count[1]);
	EXPECT_EQ(0, cnt.count[2]);
	ASSERT_EQ(6, rg_list(self->fd, REFGC_LIST_OBJECTS, 2, 4, &e));
	free(e);
	s = STATS(self->fd);
	EXPECT_EQ(2, s.gen[0].collections);
	EXPECT_EQ(1, s.gen[1].collections);
	EXPECT_EQ(1, s.gen[2].collections);
	EXPECT_EQ(5, s.gen[0].visited);
	EXPECT_EQ(5, s.gen[1].visited);
	EXPECT_EQ(6, s.gen[2].visited);
	EXPECT_LE(s.gen[0].max_ns, s.gen[0].total_ns);
	EXPECT_LT(0, s.gen[2].total_ns);
}

TEST_F(gc, collect_struct_matches_events_and_stats)
{
	struct refgc_collect c;
	struct refgc_stats s;
	uint64_t a, b, d, e;
	int i, n;

	for (i = 0; i < 10; i++)
		CYCLE(self->tc, a, b);
	CYCLE(self->tc, d, e);
	ASSERT_EQ(0, rg_link(self->fd, NEW(self->fd, self->tc, 0), d));
	memset(&c, 0xff, sizeof(c));
	c.generation = 1;
	c.flags = 0;
	ASSERT_EQ(20, rg_ioctl(self->fd, REFGC_IOC_COLLECT, &c));
	EXPECT_EQ(1, c.generation);
	EXPECT_EQ(20, c.collected);
	EXPECT_EQ(0, c.uncollectable);
	EXPECT_EQ(23, c.visited);
	EXPECT_LT(0, c.duration_ns);
	n = EVENTS();
	ASSERT_EQ(2, n);
	EXPECT_EQ(REFGC_EV_GC_STOP, self->ev[1].type);
	EXPECT_EQ(1, self->ev[1].generation);
	EXPECT_EQ(c.collected, self->ev[1].collected);
	EXPECT_EQ(c.uncollectable, self->ev[1].uncollectable);
	EXPECT_EQ(c.visited, self->ev[1].visited);
	EXPECT_EQ(c.duration_ns, self->ev[1].duration_ns);
	s = STATS(self->fd);
	EXPECT_EQ(1, s.gen[1].collections);
	EXPECT_EQ(20, s.gen[1].collected);
	EXPECT_EQ(23, s.gen[1].visited);
	EXPECT_EQ(c.duration_ns, s.gen[1].total_ns);
	EXPECT_EQ(c.duration_ns, s.gen[1].max_ns);
	EXPECT_EQ(3, MEMORY(self->fd).objects);
}

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
			ops[n++] = rg_mkop(REFGC_OP_WEAKREF_NEW,
					   g->id[g->wref[i]], i, 0, 0);
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
	const int graphs = 1000;
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
 * What COLLECT(@g) does to the model (CPython 3.12 gc_collect_main):
 * young = tracked nodes in generations <= g; anything referenced from
 * outside young (handles, pending events, older objects) is reachable;
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
		       (m->kind[i] == 2 && !m->alive[m->wref[i]] ?
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
		ops[n++] = rg_mkop(REFGC_OP_WEAKREF_NEW, m->id[cand], i, 0, 0);
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
	const int graphs = 400;
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
	const int graphs = 300;
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

/* ---- locking ---- */

struct collector {
	int fd;
	int started, done;	/* __atomic accesses */
	long result;
};

static void *collect_thread(void *arg)
{
	struct collector *c = arg;

	__atomic_store_n(&c->started, 1, __ATOMIC_RELEASE);
	do	/* under O_NONBLOCK our own COLLECT may meet the lock held */
		c->result = rg_collect(c->fd, 2, NULL);
	while (c->result == -EAGAIN);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* An O_NONBLOCK ioctl meets a collection holding the lock: EAGAIN. */
TEST_F_TIMEOUT(gc, nonblocking_ioctl_eagain_during_collection, 120)
{
	int fl, attempt, eagain = 0, n = 20000;
	struct refgc_count cnt;

	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	fl = fcntl(self->fd, F_GETFL);
	for (attempt = 0; attempt < 6 && !eagain; attempt++, n *= 2) {
		struct collector c = { .fd = self->fd };
		pthread_t th;

		ASSERT_EQ(0, new_batch(self->fd, self->tc, n, NULL));
		ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
		ASSERT_EQ(0, pthread_create(&th, NULL, collect_thread, &c));
		while (!__atomic_load_n(&c.started, __ATOMIC_ACQUIRE))
			;
		while (!__atomic_load_n(&c.done, __ATOMIC_ACQUIRE)) {
			long r = rg_count(self->fd, &cnt);

			if (r == -EAGAIN)
				eagain++;
			else
				ASSERT_EQ(0, r);
		}
		ASSERT_EQ(0, pthread_join(th, NULL));
		ASSERT_EQ(0, c.result);
		/* Free again: succeeds. */
		ASSERT_EQ(0, rg_count(self->fd, &cnt));
		ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl));
	}
	EXPECT_LT(0, eagain);
}

TEST_HARNESS_MAIN
