/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_test_common.h - what the split refgc kselftests share on top of
 * refgc_util.h: the asserting shorthands (NEW, INFO, MEMORY, COUNT,
 * STATS, EVENTS, DEAD, CYCLE), arena snapshots, limits, batched NEWs,
 * and the size of heavy tests under REFGC_DEBUG_KERNEL=1.  The fixtures
 * stay in each test file.
 */
#ifndef REFGC_TEST_COMMON_H
#define REFGC_TEST_COMMON_H

#include "../kselftest_harness.h"
#include "refgc_util.h"

#define PAGE	((size_t)sysconf(_SC_PAGESIZE))
/* Event records a gc fixture can drain at once. */
#define MAXEV	2048

/* A fresh object; fails the test if it cannot be made. */
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

/*
 * What a payload costs in GET_MEMORY.bytes besides its bytes (its header
 * and its entry in the arena's payload table), measured on two objects
 * of @type, with no payload and with one byte, freed again.
 */
#define PAYLOAD_OVERHEAD(fd, type) ({					\
	uint64_t __b0 = MEMORY(fd).bytes, __e = NEW(fd, type, 0);	\
	uint64_t __b1 = MEMORY(fd).bytes, __p = NEW(fd, type, 1);	\
	uint64_t __b2 = MEMORY(fd).bytes;				\
	ASSERT_EQ(0, rg_decref(fd, __e));				\
	ASSERT_EQ(0, rg_decref(fd, __p));				\
	ASSERT_EQ(__b0, MEMORY(fd).bytes);				\
	__b2 - __b1 - (__b1 - __b0) - 1; })

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

/* What an arena looks like from outside: memory counters and the list. */
struct snap {
	struct refgc_memory m;
	long n;
	struct refgc_entry *e;
};

static inline int take_snap(int fd, struct snap *s)
{
	int r = rg_memory(fd, &s->m);

	if (r)
		return r;
	s->n = rg_list(fd, REFGC_LIST_OBJECTS, REFGC_LIST_ALL_GENERATIONS,
		       64, &s->e);
	return s->n < 0 ? s->n : 0;
}

/* 0 when @fd still looks exactly like @s; frees @s. */
static inline int snap_differs(int fd, struct snap *s)
{
	struct snap now;
	int d;

	if (take_snap(fd, &now)) {
		free(s->e);
		return -1;
	}
	d = memcmp(&now.m, &s->m, sizeof(now.m)) || now.n != s->n ||
	    memcmp(now.e, s->e, now.n * sizeof(*now.e));
	free(now.e);
	free(s->e);
	return d;
}

/* A 2-cycle a <-> b of @type with no handles left. */
static inline void make_cycle(struct __test_metadata *_metadata, int fd,
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

/*
 * The garbage q <-> q2 -> k -> l, k of the finalizer type @tf, the rest
 * of the container type @tc, with no handles left (issue 13's legacy
 * case).
 */
static inline void make_legacy_chain(struct __test_metadata *_metadata,
				     int fd, uint32_t tc, uint32_t tf,
				     uint64_t *q, uint64_t *q2, uint64_t *k,
				     uint64_t *l)
{
	make_cycle(_metadata, fd, tc, q, q2);
	ASSERT_EQ(0, rg_new(fd, tf, 0, k));
	ASSERT_EQ(0, rg_new(fd, tc, 0, l));
	ASSERT_EQ(0, rg_link(fd, *q2, *k));
	ASSERT_EQ(0, rg_link(fd, *k, *l));
	ASSERT_EQ(0, rg_decref(fd, *k));
	ASSERT_EQ(0, rg_decref(fd, *l));
}

#define LEGACY_CHAIN(q, q2, k, l) \
	make_legacy_chain(_metadata, self->fd, self->tc, self->tf, &(q), \
			  &(q2), &(k), &(l))

/* Run @n NEWs of @type (handles kept) in one batch; ids into @ids. */
static inline int new_batch(int fd, uint32_t type, int n, uint64_t *ids)
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

/*
 * The size of a heavy test: @full, or @full / @div when
 * REFGC_DEBUG_KERNEL=1 says the kernel is a debug one (KASAN, kmemleak:
 * it frees objects about 100x slower).  Says so on stderr when scaled.
 */
static inline long rg_scale(long full, long div)
{
	const char *s = getenv("REFGC_DEBUG_KERNEL");

	if (!s || strcmp(s, "1") || div <= 1)
		return full;
	fprintf(stderr, "# REFGC_DEBUG_KERNEL=1: %ld instead of %ld\n",
		full / div, full);
	return full / div;
}

/* Whether the kernel's clocksource ticks in jiffies (durations may be 0). */
static inline bool rg_clock_is_coarse(void)
{
	char cs[64] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			"r");

	if (!f)
		return false;
	if (!fgets(cs, sizeof(cs), f))
		cs[0] = 0;
	fclose(f);
	return strstr(cs, "jiffies");
}

#endif /* REFGC_TEST_COMMON_H */
