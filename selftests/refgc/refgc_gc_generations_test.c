// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_gc_generations_test.c - generations and their control:
 * enable/disable, thresholds, debug and arena flags, automatic
 * collection on the workqueue, long_lived_pending, freeze, debug
 * events and SAVEALL, counts and promotion.
 */
#define _GNU_SOURCE

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#define RG_FIXTURE gc
#include "refgc_fixture.h"

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

/* ---- automatic collection ---- */

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
	 * The 701st: as in CPython, the collection it makes due runs before
	 * the next op, even in the same batch (which sees the first object
	 * in generation 1 already), and the 701st is not part of it: it
	 * joins generation 0 afterwards, uncounted.
	 */
	memset(&in_batch, 0xff, sizeof(in_batch));
	ops[0] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	ops[1] = rg_mkop(REFGC_OP_GET_INFO, first[0], 0, sizeof(in_batch),
			 (uintptr_t)&in_batch);
	ASSERT_EQ(0, rg_batch(self->fd, ops, 2, 0, NULL));
	EXPECT_EQ(1, in_batch.generation);
	ASSERT_EQ(0, rg_sync(self->fd));
	n = EVENTS();
	ASSERT_EQ(2, n);
	EXPECT_EQ(REFGC_EV_GC_START, self->ev[0].type);
	EXPECT_EQ(0, self->ev[0].generation);
	EXPECT_EQ(REFGC_EV_GC_STOP, self->ev[1].type);
	EXPECT_EQ(0, self->ev[1].generation);
	EXPECT_EQ(700, self->ev[1].visited);
	EXPECT_EQ(0, INFO(self->fd, ops[0].result).generation);
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
	EXPECT_EQ(100, self->ev[1].visited);	/* not the new one */
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
	ASSERT_EQ(0, rg_set_threshold(fd, first - 1, 100, 0));
	ASSERT_EQ(4, rg_events(fd, ev, MAXEV));

	/*
	 * @first objects: the last one makes an automatic gen-0 collection
	 * due (it joins gen 0 after it), then COLLECT(1): pending = first.
	 */
	ASSERT_EQ(0, new_batch(fd, tc, first, NULL));
	ASSERT_EQ(0, rg_sync(fd));
	n = rg_events(fd, ev, MAXEV);
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, ev[0].generation);
	EXPECT_EQ(first - 1, ev[1].visited);
	ASSERT_EQ(0, rg_collect(fd, 1, NULL));
	ASSERT_EQ(2, rg_events(fd, ev, MAXEV));
	ASSERT_EQ(0, rg_set_threshold(fd, 4, 100, 0));

	/*
	 * 5 more (the 5th makes gen 0 due, 4 collected): gen 2 is due by
	 * count, but pending < 100 / 4.  COLLECT(1) then adds all 5.
	 */
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
	/* Everything but the 5th new object, which joins gen 0 after. */
	EXPECT_EQ(expect_gen == 2 ? 100 + first + 9 : 4, ev[1].visited);
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
	/* Each third object joined gen 0 after its collection: 12 - 1. */
	EXPECT_EQ(11, self->ev[1].visited);
	EXPECT_EQ(0, COUNT(self->fd).count[1]);
	EXPECT_EQ(1, COUNT(self->fd).count[2]);
}

/* ---- freeze, debug flags, counts ---- */

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
	/* A jiffies clocksource (a tinyconfig kernel under TCG) reads 0. */
	if (!rg_clock_is_coarse())
		EXPECT_LT(0, s.gen[2].total_ns);
}

/*
 * A caller that allocates flat out must not outrun automatic collection:
 * an OP or BATCH ioctl that finds one queued with count0 above twice
 * threshold0 waits for it, so count0 never exceeds 2 * threshold0 plus
 * the allocations of one batch.
 */
TEST_F(gc, busy_allocator_waits_for_late_collection)
{
	enum { T0 = 16, PER = 16, ROUNDS = 400 };
	struct refgc_op ops[2 * PER];
	struct refgc_count c;
	uint64_t max0 = 0;
	int r, i;

	ASSERT_EQ(0, rg_set_threshold(self->fd, T0, 10, 10));
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < PER; i++)
			ops[i] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
		ASSERT_EQ(0, rg_batch(self->fd, ops, PER, 0, NULL));
		ASSERT_EQ(0, rg_count(self->fd, &c));
		if (c.count[0] > max0)
			max0 = c.count[0];
		/* Each becomes a self-cycle without a handle: garbage. */
		for (i = 0; i < PER; i++) {
			uint64_t id = ops[i].result;

			ops[i] = rg_mkop(REFGC_OP_LINK, id, id, 0, 0);
			ops[PER + i] = rg_mkop(REFGC_OP_DECREF, id, 0, 0, 0);
		}
		ASSERT_EQ(0, rg_batch(self->fd, ops, 2 * PER, 0, NULL));
	}
	EXPECT_LE(max0, 2 * T0 + PER);
	EXPECT_LT(0, max0);
	ASSERT_EQ(0, rg_sync(self->fd));
}

TEST_HARNESS_MAIN
