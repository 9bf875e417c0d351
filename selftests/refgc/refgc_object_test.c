// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_object_test.c - arenas, types and objects used as intended:
 * ids, handles, slots (LINK, UNLINK, REMOVE, SET, CLEAR, GET_SLOTS,
 * GET_REFERRERS), refcount cascades, payloads, GET_INFO and LIST.
 * Bad input is refgc_abi_test.c's.
 */
#define _GNU_SOURCE

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#include "refgc_fixture.h"

/* ---- arenas ---- */

TEST_F(arena, new_arena_is_empty)
{
	struct refgc_memory m;
	struct refgc_entry *e = NULL;
	int fd = rg_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rg_memory(fd, &m));
	EXPECT_EQ(0, m.objects);
	EXPECT_EQ(0, m.bytes);
	EXPECT_EQ(0, m.payload_bytes);
	EXPECT_EQ(0, m.slots);
	EXPECT_EQ(1, m.types);		/* the built-in weakref type */
	ASSERT_EQ(0, rg_list(fd, REFGC_LIST_OBJECTS,
			     REFGC_LIST_ALL_GENERATIONS, 8, &e));
	free(e);
	ASSERT_EQ(1, rg_list(fd, REFGC_LIST_TYPES, 0, 8, &e));
	EXPECT_EQ(REFGC_TYPE_WEAKREF_ID, e[0].id);
	free(e);
	ASSERT_EQ(0, rg_list(fd, REFGC_LIST_GARBAGE, 0, 8, &e));
	free(e);
	/* Types are per arena: "node" is free here. */
	ASSERT_EQ(0, rg_type(fd, "node", 0, NULL));
	close(fd);
}

TEST_F(arena, ids_live_in_other_arenas_are_enoent)
{
	struct refgc_memory before, after;
	struct refgc_info info;
	uint64_t mine, theirs, buf[4];
	uint32_t t2;
	int fd2 = rg_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rg_type(fd2, "other", 0, &t2));
	mine = NEW(self->fd, self->tc, 8);
	/* Ids are per arena: theirs is one mine never gave out. */
	ASSERT_EQ(0, rg_decref(fd2, NEW(fd2, t2, 0)));
	ASSERT_EQ(0, rg_decref(fd2, NEW(fd2, t2, 0)));
	theirs = NEW(fd2, t2, 8);
	ASSERT_LE(MEMORY(self->fd).next_id, theirs);

	before = MEMORY(self->fd);
	EXPECT_EQ(-ENOENT, rg_info(self->fd, theirs, &info));
	EXPECT_EQ(-ENOENT, rg_incref(self->fd, theirs));
	EXPECT_EQ(-ENOENT, rg_decref(self->fd, theirs));
	EXPECT_EQ(-ENOENT, rg_link(self->fd, mine, theirs));
	EXPECT_EQ(-ENOENT, rg_link(self->fd, theirs, mine));
	EXPECT_EQ(-ENOENT, rg_slots(self->fd, theirs, buf, 4));
	EXPECT_EQ(-ENOENT, rg_weakref(self->fd, theirs, 0, 0, NULL));
	EXPECT_EQ(-ENOENT, rg_pread(self->fd, theirs, 0, 1, buf));
	after = MEMORY(self->fd);
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));

	/* Both objects are untouched in their own arenas. */
	EXPECT_EQ(1, INFO(fd2, theirs).refcount);
	EXPECT_EQ(1, INFO(self->fd, mine).refcount);
	close(fd2);
}

TEST_F(arena, ids_are_per_arena_and_never_reused)
{
	uint64_t a, b, c, b2;
	struct refgc_memory m;
	int fd2 = rg_open();
	uint32_t t2;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rg_type(fd2, "x", 0, &t2));
	/* A fresh arena starts its own id space at 1. */
	EXPECT_EQ(1, MEMORY(fd2).next_id);
	m = MEMORY(self->fd);
	a = NEW(self->fd, self->tc, 0);
	EXPECT_EQ(m.next_id, a);
	b = NEW(fd2, t2, 0);
	EXPECT_EQ(1, b);
	ASSERT_EQ(0, rg_decref(self->fd, a));
	c = NEW(self->fd, self->tc, 0);
	EXPECT_LT(a, c);	/* a's id is never reused */
	EXPECT_LT(c, MEMORY(self->fd).next_id);
	/* Another arena's allocations do not show in mine, nor mine in it. */
	m = MEMORY(self->fd);
	b2 = NEW(fd2, t2, 0);
	EXPECT_EQ(b + 1, b2);
	EXPECT_EQ(m.next_id, MEMORY(self->fd).next_id);
	EXPECT_EQ(b2 + 1, MEMORY(fd2).next_id);
	close(fd2);
}

/* ---- types ---- */

TEST_F(arena, type_register_and_get)
{
	struct refgc_type t = { 0 };
	struct refgc_entry *e = NULL;
	char name31[32];
	uint32_t id, id31;
	long n;

	ASSERT_EQ(0, rg_type(self->fd, "x~!", REFGC_TYPE_ATOMIC |
			     REFGC_TYPE_FINALIZER, &id));
	EXPECT_EQ(self->tf + 1, id);
	memset(name31, 'z', 31);
	name31[31] = 0;
	ASSERT_EQ(0, rg_type(self->fd, name31, 0, &id31));
	EXPECT_EQ(id + 1, id31);
	EXPECT_EQ(6, MEMORY(self->fd).types);

	t.id = id;
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_TYPE_GET, &t));
	EXPECT_STREQ("x~!", t.name);
	EXPECT_EQ(REFGC_TYPE_ATOMIC | REFGC_TYPE_FINALIZER, t.flags);
	memset(&t, 0, sizeof(t));
	t.id = id31;
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_TYPE_GET, &t));
	EXPECT_STREQ(name31, t.name);
	memset(&t, 0, sizeof(t));
	t.id = REFGC_TYPE_WEAKREF_ID;
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_TYPE_GET, &t));
	EXPECT_STREQ(REFGC_TYPE_WEAKREF_NAME, t.name);

	n = rg_list(self->fd, REFGC_LIST_TYPES, 0, 2, &e);
	ASSERT_EQ(6, n);
	EXPECT_EQ(REFGC_TYPE_WEAKREF_ID, e[0].id);
	EXPECT_EQ(self->tc, e[1].id);
	EXPECT_EQ(self->ta, e[2].id);
	EXPECT_EQ(REFGC_TYPE_ATOMIC, e[2].type);
	EXPECT_EQ(self->tf, e[3].id);
	EXPECT_EQ(REFGC_TYPE_FINALIZER, e[3].type);
	EXPECT_EQ(id31, e[5].id);
	free(e);
}

/* ---- objects ---- */

TEST_F(arena, new_object_info)
{
	struct refgc_memory m0 = MEMORY(self->fd), m1;
	uint64_t c = NEW(self->fd, self->tc, 100);
	uint64_t a = NEW(self->fd, self->ta, 3);
	struct refgc_info ic = INFO(self->fd, c), ia = INFO(self->fd, a);

	EXPECT_EQ(c, ic.id);
	EXPECT_EQ(self->tc, ic.type);
	EXPECT_EQ(REFGC_INFO_TRACKED, ic.flags);
	EXPECT_EQ(1, ic.refcount);
	EXPECT_EQ(1, ic.handles);
	EXPECT_EQ(0, ic.slots);
	EXPECT_EQ(100, ic.payload_size);
	EXPECT_EQ(0, ic.generation);
	EXPECT_EQ(0, ic.reserved);

	EXPECT_EQ(a, ia.id);
	EXPECT_EQ(self->ta, ia.type);
	EXPECT_EQ(0, ia.flags);			/* atomic: never tracked */
	EXPECT_EQ(REFGC_GEN_UNTRACKED, ia.generation);
	EXPECT_EQ(3, ia.payload_size);

	m1 = MEMORY(self->fd);
	EXPECT_EQ(m0.objects + 2, m1.objects);
	EXPECT_EQ(m0.payload_bytes + 103, m1.payload_bytes);
	EXPECT_LE(m0.bytes + 103, m1.bytes);
	EXPECT_LT(c, m1.next_id);
	EXPECT_LT(a, m1.next_id);

	/* Dropping the only handle frees at once; the bytes come back. */
	ASSERT_EQ(0, rg_decref(self->fd, c));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	m1 = MEMORY(self->fd);
	EXPECT_EQ(m0.objects, m1.objects);
	EXPECT_EQ(m0.bytes, m1.bytes);
	EXPECT_EQ(m0.payload_bytes, m1.payload_bytes);
	EXPECT_EQ(-ENOENT, rg_info(self->fd, c, &ic));
	EXPECT_EQ(-ENOENT, rg_info(self->fd, a, &ia));
}

TEST_F(arena, handles_incref_decref)
{
	uint64_t x = NEW(self->fd, self->tc, 0), r;
	struct refgc_info i;

	ASSERT_EQ(0, rg_op(self->fd, REFGC_OP_INCREF, x, 0, 0, 0, &r));
	EXPECT_EQ(2, r);
	ASSERT_EQ(0, rg_op(self->fd, REFGC_OP_INCREF, x, 0, 0, 0, &r));
	EXPECT_EQ(3, r);
	i = INFO(self->fd, x);
	EXPECT_EQ(3, i.handles);
	EXPECT_EQ(3, i.refcount);
	ASSERT_EQ(0, rg_op(self->fd, REFGC_OP_DECREF, x, 0, 0, 0, &r));
	EXPECT_EQ(2, r);
	ASSERT_EQ(0, rg_op(self->fd, REFGC_OP_DECREF, x, 0, 0, 0, &r));
	EXPECT_EQ(1, r);
	EXPECT_EQ(1, INFO(self->fd, x).refcount);
	ASSERT_EQ(0, rg_op(self->fd, REFGC_OP_DECREF, x, 0, 0, 0, &r));
	EXPECT_EQ(0, r);
	EXPECT_EQ(-ENOENT, rg_info(self->fd, x, &i));
	EXPECT_EQ(-ENOENT, rg_decref(self->fd, x));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
}

/* ---- slots ---- */

TEST_F(arena, link_and_get_slots)
{
	uint64_t s = NEW(self->fd, self->tc, 0);
	uint64_t d[5], got[8], r;
	struct refgc_memory m0, m1;
	int i;

	for (i = 0; i < 5; i++)
		d[i] = NEW(self->fd, i == 4 ? self->ta : self->tc, 0);
	m0 = MEMORY(self->fd);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, rg_op(self->fd, REFGC_OP_LINK, s, d[i], 0, 0, &r));
		EXPECT_EQ(i, r);
	}
	ASSERT_EQ(0, rg_op(self->fd, REFGC_OP_LINK, s, d[0], 0, 0, &r));
	EXPECT_EQ(5, r);
	ASSERT_EQ(0, rg_op(self->fd, REFGC_OP_LINK, s, s, 0, 0, &r));
	EXPECT_EQ(6, r);

	memset(got, 0, sizeof(got));
	ASSERT_EQ(7, rg_slots(self->fd, s, got, 8));
	for (i = 0; i < 5; i++)
		EXPECT_EQ(d[i], got[i]);
	EXPECT_EQ(d[0], got[5]);
	EXPECT_EQ(s, got[6]);

	EXPECT_EQ(3, INFO(self->fd, d[0]).refcount);	/* handle + 2 slots */
	EXPECT_EQ(2, INFO(self->fd, d[1]).refcount);
	EXPECT_EQ(2, INFO(self->fd, s).refcount);	/* handle + self */
	EXPECT_EQ(7, INFO(self->fd, s).slots);
	m1 = MEMORY(self->fd);
	EXPECT_EQ(m0.slots + 7, m1.slots);
	EXPECT_LT(m0.bytes, m1.bytes);		/* the slot array is charged */
	EXPECT_EQ(m0.objects, m1.objects);

	/* Atomic and weakref objects have no slots. */
	EXPECT_EQ(0, rg_slots(self->fd, d[4], got, 8));
}

TEST_F(arena, many_slots_one_object)
{
	enum { N = 100000 };
	struct refgc_op *ops = calloc(N, sizeof(*ops));
	uint64_t *got = calloc(N, sizeof(*got));
	uint64_t s = NEW(self->fd, self->tc, 0);
	uint64_t d = NEW(self->fd, self->ta, 0);
	uint64_t e = NEW(self->fd, self->tc, 0);
	struct refgc_memory m0 = MEMORY(self->fd), m1;
	uint64_t r;
	int i;

	ASSERT_NE(NULL, ops);
	ASSERT_NE(NULL, got);
	for (i = 0; i < N; i++)
		ops[i] = rg_mkop(REFGC_OP_LINK, s, i % 1000 ? d : e, 0, 0);
	ASSERT_EQ(0, rg_batch_all(self->fd, ops, N));
	for (i = 0; i < N; i++)
		ASSERT_EQ(i, ops[i].result);
	m1 = MEMORY(self->fd);
	EXPECT_EQ(N, m1.slots);
	EXPECT_LE(m0.bytes + N * sizeof(uint64_t), m1.bytes);
	EXPECT_EQ(N - N / 1000 + 1, INFO(self->fd, d).refcount);
	ASSERT_EQ(N, rg_slots(self->fd, s, got, N));
	for (i = 0; i < N; i++)
		ASSERT_EQ(i % 1000 ? d : e, got[i]);
	ASSERT_EQ(0, rg_remove(self->fd, s, e, &r));
	EXPECT_EQ(0, r);
	ASSERT_EQ(0, rg_unlink(self->fd, s, N - 2, &r));
	EXPECT_EQ(d, r);
	ASSERT_EQ(0, rg_clear(self->fd, s, &r));
	EXPECT_EQ(N - 2, r);
	EXPECT_EQ(1, INFO(self->fd, d).refcount);
	m1 = MEMORY(self->fd);
	EXPECT_EQ(0, m1.slots);
	EXPECT_EQ(m0.bytes, m1.bytes);		/* the array is uncharged */
	free(ops);
	free(got);
}

TEST_F(arena, get_slots_capacity)
{
	uint64_t s = NEW(self->fd, self->tc, 0);
	uint64_t d = NEW(self->fd, self->tc, 0);
	uint64_t got[4];
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, rg_link(self->fd, s, d));
	for (i = 0; i < 4; i++)
		got[i] = 0x1111;
	/* The count is the real one; only @cap ids are written. */
	ASSERT_EQ(3, rg_slots(self->fd, s, got, 1));
	EXPECT_EQ(d, got[0]);
	EXPECT_EQ(0x1111, got[1]);
	ASSERT_EQ(3, rg_slots(self->fd, s, NULL, 0));
	ASSERT_EQ(-EFAULT, rg_slots(self->fd, s, NULL, 3));
	ASSERT_EQ(-EFAULT, rg_slots(self->fd, s, rg_unmapped(), 3));
}

TEST_F(arena, unlink_remove_set_clear)
{
	uint64_t s = NEW(self->fd, self->tc, 0);
	uint64_t a = NEW(self->fd, self->tc, 0);
	uint64_t b = NEW(self->fd, self->tc, 0);
	uint64_t c = NEW(self->fd, self->tc, 0);
	uint64_t got[8], r;

	/* s: [a, b, a, c] */
	ASSERT_EQ(0, rg_link(self->fd, s, a));
	ASSERT_EQ(0, rg_link(self->fd, s, b));
	ASSERT_EQ(0, rg_link(self->fd, s, a));
	ASSERT_EQ(0, rg_link(self->fd, s, c));

	ASSERT_EQ(0, rg_unlink(self->fd, s, 1, &r));	/* -> [a, a, c] */
	EXPECT_EQ(b, r);
	EXPECT_EQ(1, INFO(self->fd, b).refcount);
	ASSERT_EQ(3, rg_slots(self->fd, s, got, 8));
	EXPECT_EQ(a, got[0]);
	EXPECT_EQ(a, got[1]);
	EXPECT_EQ(c, got[2]);

	ASSERT_EQ(0, rg_remove(self->fd, s, c, &r));	/* -> [a, a] */
	EXPECT_EQ(2, r);
	ASSERT_EQ(0, rg_remove(self->fd, s, a, &r));	/* first one: -> [a] */
	EXPECT_EQ(0, r);
	EXPECT_EQ(2, INFO(self->fd, a).refcount);

	ASSERT_EQ(0, rg_set(self->fd, s, b, 0, &r));	/* -> [b] */
	EXPECT_EQ(a, r);
	EXPECT_EQ(1, INFO(self->fd, a).refcount);
	EXPECT_EQ(2, INFO(self->fd, b).refcount);
	ASSERT_EQ(0, rg_set(self->fd, s, b, 0, &r));	/* same object */
	EXPECT_EQ(b, r);
	EXPECT_EQ(2, INFO(self->fd, b).refcount);

	ASSERT_EQ(0, rg_link(self->fd, s, c));
	ASSERT_EQ(0, rg_link(self->fd, s, c));
	ASSERT_EQ(0, rg_clear(self->fd, s, &r));
	EXPECT_EQ(3, r);
	EXPECT_EQ(0, rg_slots(self->fd, s, got, 8));
	EXPECT_EQ(1, INFO(self->fd, b).refcount);
	EXPECT_EQ(1, INFO(self->fd, c).refcount);
	EXPECT_EQ(0, MEMORY(self->fd).slots);
	ASSERT_EQ(0, rg_clear(self->fd, s, &r));	/* empty: fine */
	EXPECT_EQ(0, r);

	/* Unlinking the last reference frees the target at once. */
	ASSERT_EQ(0, rg_link(self->fd, s, c));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	ASSERT_EQ(0, rg_unlink(self->fd, s, 0, &r));
	EXPECT_EQ(c, r);
	EXPECT_EQ(-ENOENT, rg_info(self->fd, c, &(struct refgc_info){}));
}

TEST_F(arena, get_referrers_each_once)
{
	uint64_t x = NEW(self->fd, self->tc, 0);
	uint64_t p = NEW(self->fd, self->tc, 0);
	uint64_t q = NEW(self->fd, self->tc, 0);
	uint64_t o = NEW(self->fd, self->tc, 0);
	uint64_t w, got[4];
	int i;

	ASSERT_EQ(0, rg_weakref(self->fd, x, 0, 0, &w));
	ASSERT_EQ(0, rg_link(self->fd, p, x));
	ASSERT_EQ(0, rg_link(self->fd, p, o));
	ASSERT_EQ(0, rg_link(self->fd, p, x));	/* twice from p */
	ASSERT_EQ(0, rg_link(self->fd, q, x));
	ASSERT_EQ(0, rg_link(self->fd, o, p));

	memset(got, 0, sizeof(got));
	ASSERT_EQ(2, rg_referrers(self->fd, x, got, 4));
	EXPECT_TRUE((got[0] == p && got[1] == q) ||
		    (got[0] == q && got[1] == p));
	EXPECT_EQ(0, got[2]);
	/* Capacity 1: the count stays 2, one id is written. */
	for (i = 0; i < 4; i++)
		got[i] = 0;
	ASSERT_EQ(2, rg_referrers(self->fd, x, got, 1));
	EXPECT_TRUE(got[0] == p || got[0] == q);
	EXPECT_EQ(0, got[1]);
	ASSERT_EQ(0, rg_referrers(self->fd, q, got, 4));
	ASSERT_EQ(1, rg_referrers(self->fd, p, got, 4));
	EXPECT_EQ(o, got[0]);
	/* The weakref is no referrer; self-references count. */
	ASSERT_EQ(0, rg_link(self->fd, q, q));
	ASSERT_EQ(1, rg_referrers(self->fd, q, got, 4));
	EXPECT_EQ(q, got[0]);
	ASSERT_EQ(-EFAULT, rg_referrers(self->fd, x, NULL, 4));
}

TEST_F(arena, refcount_zero_frees_cascade)
{
	uint64_t a = NEW(self->fd, self->tc, 10);
	uint64_t b = NEW(self->fd, self->tc, 20);
	uint64_t c = NEW(self->fd, self->ta, 30);
	uint64_t d = NEW(self->fd, self->tc, 40);
	struct refgc_memory m;
	struct refgc_info i;

	ASSERT_EQ(0, rg_link(self->fd, a, b));
	ASSERT_EQ(0, rg_link(self->fd, b, c));
	ASSERT_EQ(0, rg_link(self->fd, b, d));
	ASSERT_EQ(0, rg_link(self->fd, a, d));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	ASSERT_EQ(0, rg_decref(self->fd, d));
	EXPECT_EQ(4, MEMORY(self->fd).objects);
	EXPECT_EQ(2, INFO(self->fd, d).refcount);

	ASSERT_EQ(0, rg_decref(self->fd, a));
	m = MEMORY(self->fd);
	EXPECT_EQ(0, m.objects);
	EXPECT_EQ(0, m.bytes);
	EXPECT_EQ(0, m.payload_bytes);
	EXPECT_EQ(0, m.slots);
	EXPECT_EQ(-ENOENT, rg_info(self->fd, b, &i));
	EXPECT_EQ(-ENOENT, rg_info(self->fd, c, &i));
	EXPECT_EQ(-ENOENT, rg_info(self->fd, d, &i));
}

/* ---- payload ---- */

TEST_F(arena, payload_round_trip)
{
	const size_t big = 1 << 20;
	unsigned char *w = malloc(big), *r = malloc(big);
	uint64_t x = NEW(self->fd, self->ta, big);
	uint64_t y = NEW(self->fd, self->tc, 7);
	struct refgc_op op;
	size_t i;

	ASSERT_NE(NULL, w);
	ASSERT_NE(NULL, r);
	/* Zero-filled at birth. */
	memset(r, 0x5a, big);
	ASSERT_EQ(0, rg_pread(self->fd, x, 0, big, r));
	for (i = 0; i < big; i++)
		ASSERT_EQ(0, r[i]) TH_LOG("byte %zu", i);

	for (i = 0; i < big; i++)
		w[i] = (unsigned char)(i * 7 + (i >> 8));
	op = rg_mkop(REFGC_OP_WRITE, x, 0, big, (uintptr_t)w);
	ASSERT_EQ(0, rg_opx(self->fd, &op));
	EXPECT_EQ(big, op.result);
	memset(r, 0, big);
	op = rg_mkop(REFGC_OP_READ, x, 0, big, (uintptr_t)r);
	ASSERT_EQ(0, rg_opx(self->fd, &op));
	EXPECT_EQ(big, op.result);
	EXPECT_EQ(0, memcmp(w, r, big));

	/* Partial ranges, at the edges. */
	ASSERT_EQ(0, rg_pwrite(self->fd, x, big - 3, 3, "xyz"));
	ASSERT_EQ(0, rg_pread(self->fd, x, big - 4, 4, r));
	EXPECT_EQ(w[big - 4], r[0]);
	EXPECT_EQ(0, memcmp(r + 1, "xyz", 3));
	ASSERT_EQ(0, rg_pwrite(self->fd, y, 2, 3, "abc"));
	memset(r, 0x11, 8);
	ASSERT_EQ(0, rg_pread(self->fd, y, 0, 7, r));
	EXPECT_EQ(0, memcmp(r, "\0\0abc\0\0\x11", 8));
	/* Empty ranges, even at the very end. */
	ASSERT_EQ(0, rg_pread(self->fd, y, 7, 0, r));
	ASSERT_EQ(0, rg_pwrite(self->fd, y, 7, 0, r));
	EXPECT_EQ(big + 7, MEMORY(self->fd).payload_bytes);
	free(w);
	free(r);
}

/* ---- listing ---- */

TEST_F(arena, list_objects_paging)
{
	uint64_t ids[10], cursor = 0;
	struct refgc_entry e[16];
	struct refgc_list l;
	int i, total = 0, calls = 0;

	for (i = 0; i < 10; i++)
		ids[i] = NEW(self->fd, i % 3 ? self->tc : self->ta, 0);
	do {
		memset(&l, 0, sizeof(l));
		l.addr = (uintptr_t)e;
		l.capacity = 3;
		l.what = REFGC_LIST_OBJECTS;
		l.generation = REFGC_LIST_ALL_GENERATIONS;
		l.cursor = cursor;
		ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
		ASSERT_GE(3, l.count);
		for (i = 0; i < (int)l.count; i++) {
			ASSERT_GT(10, total);
			EXPECT_EQ(ids[total], e[i].id);
			EXPECT_EQ(total % 3 ? self->tc : self->ta, e[i].type);
			EXPECT_EQ(total % 3 ? REFGC_INFO_TRACKED : 0,
				  e[i].flags);
			total++;
		}
		cursor = l.cursor;
		ASSERT_GT(10, ++calls);
	} while (cursor);
	EXPECT_EQ(10, total);
	EXPECT_EQ(4, calls);
}

/* A page that ends exactly at the last object completes the listing. */
TEST_F(arena, list_cursor_zero_when_complete)
{
	struct refgc_entry e[8];
	struct refgc_list l = { .addr = (uintptr_t)e, .capacity = 5,
				.what = REFGC_LIST_OBJECTS,
				.generation = REFGC_LIST_ALL_GENERATIONS };
	int i;

	for (i = 0; i < 5; i++)
		NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
	EXPECT_EQ(5, l.count);
	EXPECT_EQ(0, l.cursor);

	memset(&l, 0, sizeof(l));
	l.addr = (uintptr_t)e;
	l.capacity = 4;			/* the 4 types: also exact */
	l.what = REFGC_LIST_TYPES;
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
	EXPECT_EQ(4, l.count);
	EXPECT_EQ(0, l.cursor);
}

TEST_F(arena, list_generation_filter)
{
	uint64_t c = NEW(self->fd, self->tc, 0);
	uint64_t a = NEW(self->fd, self->ta, 0);
	struct refgc_entry *e = NULL;

	ASSERT_EQ(1, rg_list(self->fd, REFGC_LIST_OBJECTS, 0, 4, &e));
	EXPECT_EQ(c, e[0].id);
	free(e);
	ASSERT_EQ(1, rg_list(self->fd, REFGC_LIST_OBJECTS,
			     REFGC_GEN_UNTRACKED, 4, &e));
	EXPECT_EQ(a, e[0].id);
	free(e);
	ASSERT_EQ(0, rg_list(self->fd, REFGC_LIST_OBJECTS, 1, 4, &e));
	free(e);
	ASSERT_EQ(0, rg_list(self->fd, REFGC_LIST_OBJECTS,
			     REFGC_GEN_PERMANENT, 4, &e));
	free(e);
	ASSERT_EQ(0, rg_collect(self->fd, 0, NULL));
	ASSERT_EQ(1, rg_list(self->fd, REFGC_LIST_OBJECTS, 1, 4, &e));
	EXPECT_EQ(c, e[0].id);
	free(e);
	ASSERT_EQ(0, rg_list(self->fd, REFGC_LIST_OBJECTS, 0, 4, &e));
	free(e);
}

TEST_HARNESS_MAIN
