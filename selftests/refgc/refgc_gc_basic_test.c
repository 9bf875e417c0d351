// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_gc_basic_test.c - the collector's basics: COLLECT and SYNC
 * requests, the plain seed scenarios (a dropped container, a held
 * object ageing, a cycle collected, referrers and referents), the
 * COLLECT result against events and stats, and EAGAIN for O_NONBLOCK
 * ioctls while a collection holds the lock.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#define RG_FIXTURE gc
#include "refgc_fixture.h"

/* ---- collecting ---- */

TEST_F(gc, collect_errors)
{
	struct refgc_collect c = { .generation = 0, .flags = 2 };
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
	if (!rg_clock_is_coarse())
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
