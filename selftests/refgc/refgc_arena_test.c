// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_arena_test.c - the object arena and its ABI: types, objects,
 * handles, slots, payloads, info, listing, limits, struct sizes, bad
 * pointers, batches, and the big cases (a million-long chain, 100k
 * objects, fork, threads, closing an arena full of cycles).
 *
 * One assert per errno for each kind of bad input, and every failing
 * operation is checked to change nothing (GET_MEMORY and the object list
 * before and after).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "refgc_util.h"

#define PAGE	((size_t)sysconf(_SC_PAGESIZE))
/* Slab objects that may legitimately still sit in per-cpu caches. */
#define SLAB_SLACK	256

FIXTURE(arena) {
	int fd;
	uint32_t tc;	/* container */
	uint32_t ta;	/* atomic */
	uint32_t tf;	/* finalizer */
};

FIXTURE_SETUP(arena)
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

FIXTURE_TEARDOWN(arena)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* What an arena looks like from outside: memory counters and the list. */
struct snap {
	struct refgc_memory m;
	long n;
	struct refgc_entry *e;
};

static int take_snap(int fd, struct snap *s)
{
	int r = rg_memory(fd, &s->m);

	if (r)
		return r;
	s->n = rg_list(fd, REFGC_LIST_OBJECTS, REFGC_LIST_ALL_GENERATIONS,
		       64, &s->e);
	return s->n < 0 ? s->n : 0;
}

/* 0 when @fd still looks exactly like @s; frees @s. */
static int snap_differs(int fd, struct snap *s)
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

TEST_F(arena, ids_of_other_arenas_are_enoent)
{
	struct refgc_memory before, after;
	struct refgc_info info;
	uint64_t mine, theirs, buf[4];
	uint32_t t2;
	int fd2 = rg_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rg_type(fd2, "other", 0, &t2));
	mine = NEW(self->fd, self->tc, 8);
	theirs = NEW(fd2, t2, 8);
	ASSERT_NE(mine, theirs);

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

TEST_F(arena, ids_are_unique_and_increasing)
{
	uint64_t a, b, c;
	struct refgc_memory m;
	int fd2 = rg_open();
	uint32_t t2;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, rg_type(fd2, "x", 0, &t2));
	m = MEMORY(self->fd);
	a = NEW(self->fd, self->tc, 0);
	EXPECT_LE(m.next_id, a);
	b = NEW(fd2, t2, 0);
	ASSERT_EQ(0, rg_decref(self->fd, a));
	c = NEW(self->fd, self->tc, 0);
	EXPECT_LT(a, b);
	EXPECT_LT(b, c);	/* a's id is never reused */
	EXPECT_LT(c, MEMORY(self->fd).next_id);
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

static int reg_raw(int fd, const char name[32], uint32_t flags, uint32_t id)
{
	struct refgc_type t = { .id = id, .flags = flags };

	memcpy(t.name, name, sizeof(t.name));
	return rg_ioctl(fd, REFGC_IOC_TYPE_REGISTER, &t);
}

TEST_F(arena, type_register_errors)
{
	char n[32];
	struct refgc_memory before = MEMORY(self->fd), after;

	memset(n, 0, sizeof(n));
	ASSERT_EQ(-EINVAL, reg_raw(self->fd, n, 0, 0));		/* empty */
	strcpy(n, "a b");
	ASSERT_EQ(-EINVAL, reg_raw(self->fd, n, 0, 0));		/* space */
	strcpy(n, "a\tb");
	ASSERT_EQ(-EINVAL, reg_raw(self->fd, n, 0, 0));		/* control */
	strcpy(n, "a\x7f");
	ASSERT_EQ(-EINVAL, reg_raw(self->fd, n, 0, 0));		/* DEL */
	strcpy(n, "caf\xe9");
	ASSERT_EQ(-EINVAL, reg_raw(self->fd, n, 0, 0));		/* not ASCII */
	memset(n, 'a', sizeof(n));
	ASSERT_EQ(-EINVAL, reg_raw(self->fd, n, 0, 0));		/* no NUL */
	memset(n, 0, sizeof(n));
	strcpy(n, "ok");
	n[5] = 'x';
	ASSERT_EQ(-EINVAL, reg_raw(self->fd, n, 0, 0));		/* junk after NUL */
	memset(n, 0, sizeof(n));
	strcpy(n, "fine");
	ASSERT_EQ(-EINVAL, reg_raw(self->fd, n, 1u << 2, 0));	/* unknown flag */
	ASSERT_EQ(-EINVAL, reg_raw(self->fd, n, 1u << 31, 0));
	ASSERT_EQ(-EINVAL, reg_raw(self->fd, n, 0, 7));	/* id is output */
	ASSERT_EQ(-EEXIST, rg_type(self->fd, "node", 0, NULL));
	ASSERT_EQ(-EEXIST, rg_type(self->fd, "node", REFGC_TYPE_ATOMIC, NULL));
	ASSERT_EQ(-EEXIST, rg_type(self->fd, REFGC_TYPE_WEAKREF_NAME, 0, NULL));

	after = MEMORY(self->fd);
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	/* ...and the good name still registers. */
	ASSERT_EQ(0, reg_raw(self->fd, n, 0, 0));
}

TEST_F(arena, type_table_full_enospc)
{
	struct refgc_entry *e = NULL;
	struct refgc_type t;
	uint32_t id = 0, last = 0;
	char name[32];
	long n;
	int i, r = 0;

	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		r = rg_type(self->fd, name, i % 3 == 0 ? REFGC_TYPE_ATOMIC : 0,
			    &id);
		if (r)
			break;
		ASSERT_EQ(last ? last + 1 : self->tf + 1, id);
		last = id;
	}
	ASSERT_EQ(-ENOSPC, r);
	ASSERT_LT(64, last);		/* well past the first table sizes */
	EXPECT_EQ(last, MEMORY(self->fd).types);
	/* Every entry survived the table's growth. */
	n = rg_list(self->fd, REFGC_LIST_TYPES, 0, 100, &e);
	ASSERT_EQ(last, n);
	for (i = 0; i < n; i++)
		ASSERT_EQ(i + 1, e[i].id);
	EXPECT_EQ(REFGC_TYPE_FINALIZER, e[self->tf - 1].type);
	for (i = self->tf; i < n; i++)	/* "t<k>" has id tf + 1 + k */
		ASSERT_EQ((i - self->tf) % 3 == 0 ? REFGC_TYPE_ATOMIC : 0,
			  e[i].type) TH_LOG("type %d", i + 1);
	free(e);
	memset(&t, 0, sizeof(t));
	t.id = last;
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_TYPE_GET, &t));
	snprintf(name, sizeof(name), "t%u", last - self->tf - 1);
	EXPECT_STREQ(name, t.name);
	ASSERT_EQ(0, rg_new(self->fd, last, 1, NULL));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 1, NULL));
	/* A full table still says EEXIST and EINVAL first. */
	ASSERT_EQ(-EEXIST, rg_type(self->fd, "t0", 0, NULL));
	ASSERT_EQ(-EINVAL, rg_type(self->fd, "", 0, NULL));
}

TEST_F(arena, type_get_errors)
{
	struct refgc_type t;

	memset(&t, 0, sizeof(t));
	ASSERT_EQ(-ENOENT, rg_ioctl(self->fd, REFGC_IOC_TYPE_GET, &t));
	t.id = self->tf + 1;
	ASSERT_EQ(-ENOENT, rg_ioctl(self->fd, REFGC_IOC_TYPE_GET, &t));
	t.id = 0xffffffff;
	ASSERT_EQ(-ENOENT, rg_ioctl(self->fd, REFGC_IOC_TYPE_GET, &t));
	t.id = self->tc;
	t.flags = 1;
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_TYPE_GET, &t));
	t.flags = 0;
	t.name[31] = 'x';
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_TYPE_GET, &t));
}

/* ---- the op struct ---- */

TEST_F(arena, op_unknown_code_einval)
{
	struct snap s;
	struct refgc_op op;

	ASSERT_EQ(0, take_snap(self->fd, &s));
	op = rg_mkop(0, 0, self->tc, 0, 0);
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	EXPECT_EQ(-EINVAL, op.error);
	op = rg_mkop(REFGC_OP_MAX, 0, self->tc, 0, 0);
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	op = rg_mkop(1000, 0, self->tc, 0, 0);
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	op = rg_mkop(0xffffffff, 0, self->tc, 0, 0);
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
}

TEST_F(arena, op_reserved_and_flags_einval)
{
	struct snap s;
	struct refgc_op op;
	uint64_t x = NEW(self->fd, self->tc, 0);

	ASSERT_EQ(0, take_snap(self->fd, &s));
	op = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	op.reserved = 1;
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	op = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	op.flags = REFGC_WEAKREF_CALLBACK;	/* NEW has no flags */
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	op = rg_mkop(REFGC_OP_WEAKREF_NEW, x, 0, 0, 0);
	op.flags = 2;				/* unknown weakref flag */
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	op = rg_mkop(REFGC_OP_INCREF, x, 0, 0, 0);
	op.flags = REFGC_WEAKREF_CALLBACK;
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	EXPECT_EQ(0, snap_differs(self->fd, &s));

	/* result and error are ignored on input. */
	op = rg_mkop(REFGC_OP_INCREF, x, 0, 0, 0);
	op.result = 77;
	op.error = -5;
	ASSERT_EQ(0, rg_opx(self->fd, &op));
	EXPECT_EQ(2, op.result);
	EXPECT_EQ(0, op.error);
}

/* Which of id/arg/arg2/addr each op reads (the others must be zero). */
static const struct {
	uint32_t op;
	const char *name;
	int id, arg, arg2, addr;
} op_fields[] = {
	{ REFGC_OP_NEW, "NEW", 0, 1, 1, 0 },
	{ REFGC_OP_INCREF, "INCREF", 1, 0, 0, 0 },
	{ REFGC_OP_DECREF, "DECREF", 1, 0, 0, 0 },
	{ REFGC_OP_LINK, "LINK", 1, 1, 0, 0 },
	{ REFGC_OP_UNLINK, "UNLINK", 1, 1, 0, 0 },
	{ REFGC_OP_REMOVE, "REMOVE", 1, 1, 0, 0 },
	{ REFGC_OP_SET, "SET", 1, 1, 1, 0 },
	{ REFGC_OP_CLEAR, "CLEAR", 1, 0, 0, 0 },
	{ REFGC_OP_GET_SLOTS, "GET_SLOTS", 1, 0, 1, 1 },
	{ REFGC_OP_READ, "READ", 1, 1, 1, 1 },
	{ REFGC_OP_WRITE, "WRITE", 1, 1, 1, 1 },
	{ REFGC_OP_GET_INFO, "GET_INFO", 1, 0, 1, 1 },
	{ REFGC_OP_WEAKREF_NEW, "WEAKREF_NEW", 1, 1, 0, 0 },
	{ REFGC_OP_WEAKREF_GET, "WEAKREF_GET", 1, 0, 0, 0 },
	{ REFGC_OP_WEAKREF_DROP, "WEAKREF_DROP", 1, 0, 0, 0 },
	{ REFGC_OP_GET_REFERRERS, "GET_REFERRERS", 1, 0, 1, 1 },
};

TEST_F(arena, op_unused_fields_einval)
{
	uint64_t x = NEW(self->fd, self->tc, 16);
	uint64_t buf[8];
	struct snap s;
	size_t i;

	ASSERT_EQ(REFGC_OP_MAX - 1, ARRAY_SIZE(op_fields));
	ASSERT_EQ(0, rg_link(self->fd, x, x));
	ASSERT_EQ(0, take_snap(self->fd, &s));
	for (i = 0; i < ARRAY_SIZE(op_fields); i++) {
		struct refgc_op op = rg_mkop(op_fields[i].op, x, 0, 0, 0);

		/* An otherwise valid op, made invalid by one stray field. */
		if (!op_fields[i].id)
			op.id = 0;
		if (op_fields[i].op == REFGC_OP_NEW)
			op.arg = self->tc;
		if (!op_fields[i].id) {
			op.id = x;
			ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op))
				TH_LOG("%s with id", op_fields[i].name);
			op.id = 0;
		}
		if (!op_fields[i].arg) {
			op.arg = 1;
			ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op))
				TH_LOG("%s with arg", op_fields[i].name);
			op.arg = 0;
		}
		if (!op_fields[i].arg2) {
			op.arg2 = 1;
			ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op))
				TH_LOG("%s with arg2", op_fields[i].name);
			op.arg2 = 0;
		}
		if (!op_fields[i].addr) {
			op.addr = (uintptr_t)buf;
			ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op))
				TH_LOG("%s with addr", op_fields[i].name);
		}
	}
	EXPECT_EQ(0, snap_differs(self->fd, &s));
}

TEST_F(arena, op_unknown_id_enoent)
{
	uint64_t x = NEW(self->fd, self->tc, 16);
	uint64_t dead = NEW(self->fd, self->tc, 16);
	uint64_t ids[3], buf[64];
	struct refgc_info info;
	struct snap s;
	size_t i, j;

	ASSERT_EQ(0, rg_decref(self->fd, dead));
	ids[0] = 0;
	ids[1] = dead;
	ids[2] = ~0ULL;
	ASSERT_EQ(0, take_snap(self->fd, &s));
	for (j = 0; j < 3; j++) {
		for (i = 0; i < ARRAY_SIZE(op_fields); i++) {
			struct refgc_op op = rg_mkop(op_fields[i].op, ids[j],
						     0, 0, 0);

			if (!op_fields[i].id)
				continue;
			if (op_fields[i].op == REFGC_OP_GET_INFO) {
				op.arg2 = sizeof(info);
				op.addr = (uintptr_t)&info;
			} else if (op_fields[i].addr) {
				op.addr = (uintptr_t)buf;
			}
			ASSERT_EQ(-ENOENT, rg_opx(self->fd, &op))
				TH_LOG("%s on id %llu", op_fields[i].name,
				       (unsigned long long)ids[j]);
		}
		/* A bad destination is ENOENT too. */
		ASSERT_EQ(-ENOENT, rg_link(self->fd, x, ids[j]));
		ASSERT_EQ(-ENOENT, rg_remove(self->fd, x, ids[j], NULL));
	}
	EXPECT_EQ(0, snap_differs(self->fd, &s));
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

TEST_F(arena, new_errors)
{
	struct snap s;

	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-ENOENT, rg_new(self->fd, 0, 0, NULL));
	ASSERT_EQ(-ENOENT, rg_new(self->fd, self->tf + 1, 0, NULL));
	ASSERT_EQ(-ENOENT, rg_new(self->fd, 0xffffffff, 0, NULL));
	ASSERT_EQ(-EINVAL, rg_new(self->fd, REFGC_TYPE_WEAKREF_ID, 0, NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
}

TEST_F(arena, get_info_sizes)
{
	uint64_t x = NEW(self->fd, self->tc, 5);
	unsigned char buf[128];
	struct refgc_op op;
	void *bad = rg_unmapped();
	size_t i;

	memset(buf, 0xff, sizeof(buf));
	op = rg_mkop(REFGC_OP_GET_INFO, x, 0, sizeof(struct refgc_info) - 1,
		     (uintptr_t)buf);
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	EXPECT_EQ(0xff, buf[0]);		/* nothing written */
	op = rg_mkop(REFGC_OP_GET_INFO, x, 0, 0, (uintptr_t)buf);
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	op = rg_mkop(REFGC_OP_GET_INFO, x, 0, sizeof(struct refgc_info), 0);
	ASSERT_EQ(-EFAULT, rg_opx(self->fd, &op));
	ASSERT_NE(NULL, bad);
	op = rg_mkop(REFGC_OP_GET_INFO, x, 0, sizeof(struct refgc_info),
		     (uintptr_t)bad);
	ASSERT_EQ(-EFAULT, rg_opx(self->fd, &op));

	op = rg_mkop(REFGC_OP_GET_INFO, x, 0, PAGE + 1, (uintptr_t)buf);
	ASSERT_EQ(-EINVAL, rg_opx(self->fd, &op));
	/* A larger buffer: the tail is zeroed. */
	op = rg_mkop(REFGC_OP_GET_INFO, x, 0, sizeof(buf), (uintptr_t)buf);
	ASSERT_EQ(0, rg_opx(self->fd, &op));
	EXPECT_EQ(sizeof(struct refgc_info), op.result);
	EXPECT_EQ(x, ((struct refgc_info *)buf)->id);
	EXPECT_EQ(5, ((struct refgc_info *)buf)->payload_size);
	for (i = sizeof(struct refgc_info); i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]) TH_LOG("byte %zu", i);
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

TEST_F(arena, decref_without_handle_einval)
{
	uint64_t p = NEW(self->fd, self->tc, 0);
	uint64_t c = NEW(self->fd, self->tc, 0);
	struct snap s;
	struct refgc_info i;

	ASSERT_EQ(0, rg_link(self->fd, p, c));
	ASSERT_EQ(0, rg_decref(self->fd, c));	/* held by p's slot only */
	i = INFO(self->fd, c);
	EXPECT_EQ(0, i.handles);
	EXPECT_EQ(1, i.refcount);
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-EINVAL, rg_decref(self->fd, c));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	/* INCREF gives it a handle again, which can then be dropped. */
	ASSERT_EQ(0, rg_incref(self->fd, c));
	EXPECT_EQ(2, INFO(self->fd, c).refcount);
	ASSERT_EQ(0, rg_decref(self->fd, c));
	EXPECT_EQ(1, INFO(self->fd, c).refcount);
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

TEST_F(arena, link_errors)
{
	uint64_t c = NEW(self->fd, self->tc, 0);
	uint64_t a = NEW(self->fd, self->ta, 0);
	uint64_t w;
	struct snap s;

	ASSERT_EQ(0, rg_weakref(self->fd, c, 0, 0, &w));
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-EINVAL, rg_link(self->fd, a, c));	/* atomic source */
	ASSERT_EQ(-EINVAL, rg_link(self->fd, w, c));	/* weakref source */
	ASSERT_EQ(-EINVAL, rg_link(self->fd, a, a));
	ASSERT_EQ(-ENOENT, rg_link(self->fd, c, 0));
	ASSERT_EQ(-ENOENT, rg_link(self->fd, 0, c));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	/* Atomic and weakref destinations are fine. */
	ASSERT_EQ(0, rg_link(self->fd, c, a));
	ASSERT_EQ(0, rg_link(self->fd, c, w));
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

TEST_F(arena, slot_errors)
{
	uint64_t s = NEW(self->fd, self->tc, 0);
	uint64_t a = NEW(self->fd, self->tc, 0);
	uint64_t b = NEW(self->fd, self->tc, 0);
	uint64_t at = NEW(self->fd, self->ta, 0);
	struct snap sn;

	ASSERT_EQ(0, rg_link(self->fd, s, a));
	ASSERT_EQ(0, take_snap(self->fd, &sn));
	ASSERT_EQ(-EINVAL, rg_unlink(self->fd, s, 1, NULL));	/* bad index */
	ASSERT_EQ(-EINVAL, rg_unlink(self->fd, s, ~0ULL, NULL));
	ASSERT_EQ(-EINVAL, rg_unlink(self->fd, a, 0, NULL));	/* no slots */
	ASSERT_EQ(-EINVAL, rg_unlink(self->fd, at, 0, NULL));	/* atomic */
	ASSERT_EQ(-ENOENT, rg_remove(self->fd, s, b, NULL));	/* not there */
	ASSERT_EQ(-EINVAL, rg_remove(self->fd, at, a, NULL));
	ASSERT_EQ(-EINVAL, rg_set(self->fd, s, b, 1, NULL));	/* bad index */
	ASSERT_EQ(-EINVAL, rg_set(self->fd, s, b, 1ULL << 32, NULL));
	ASSERT_EQ(-ENOENT, rg_set(self->fd, s, 0, 0, NULL));	/* bad dst */
	ASSERT_EQ(-EINVAL, rg_set(self->fd, at, b, 0, NULL));
	ASSERT_EQ(-EINVAL, rg_clear(self->fd, at, NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &sn));
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

TEST_F(arena, payload_range_einval)
{
	uint64_t x = NEW(self->fd, self->tc, 16);
	uint64_t e = NEW(self->fd, self->tc, 0);
	char buf[32] = "0123456789abcdefghijklmnopqrstu";
	struct snap s;

	ASSERT_EQ(0, rg_pwrite(self->fd, x, 0, 16, buf));
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-EINVAL, rg_pread(self->fd, x, 0, 17, buf));
	ASSERT_EQ(-EINVAL, rg_pread(self->fd, x, 17, 0, buf));
	ASSERT_EQ(-EINVAL, rg_pread(self->fd, x, 10, 7, buf));
	ASSERT_EQ(-EINVAL, rg_pread(self->fd, x, 1, ~0ULL, buf));
	ASSERT_EQ(-EINVAL, rg_pread(self->fd, x, ~0ULL, 2, buf));
	ASSERT_EQ(-EINVAL, rg_pread(self->fd, e, 0, 1, buf));
	ASSERT_EQ(-EINVAL, rg_pwrite(self->fd, x, 0, 17, buf));
	ASSERT_EQ(-EINVAL, rg_pwrite(self->fd, x, 16, 1, buf));
	ASSERT_EQ(-EINVAL, rg_pwrite(self->fd, x, 8, ~0ULL - 4, buf));
	ASSERT_EQ(-EINVAL, rg_pwrite(self->fd, e, 0, 1, buf));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, rg_pread(self->fd, x, 0, 16, buf));
	EXPECT_EQ(0, memcmp(buf, "0123456789abcdef", 16));
}

TEST_F(arena, payload_bad_address_efault)
{
	const size_t n = 3 * PAGE;
	uint64_t x = NEW(self->fd, self->tc, n);
	unsigned char *pat = malloc(n), *r = malloc(n);
	unsigned char *two;
	size_t i;

	ASSERT_NE(NULL, pat);
	ASSERT_NE(NULL, r);
	for (i = 0; i < n; i++)
		pat[i] = i % 251;
	ASSERT_EQ(0, rg_pwrite(self->fd, x, 0, n, pat));

	ASSERT_EQ(-EFAULT, rg_pwrite(self->fd, x, 0, 8, NULL));
	ASSERT_EQ(-EFAULT, rg_pwrite(self->fd, x, 0, 8, rg_unmapped()));
	/* Half readable: the first page is fine, the next is not. */
	two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	memset(two, 0xee, PAGE);
	ASSERT_EQ(0, munmap(two + PAGE, PAGE));
	ASSERT_EQ(-EFAULT, rg_pwrite(self->fd, x, 0, 2 * PAGE, two));
	/* A failed WRITE changed nothing. */
	ASSERT_EQ(0, rg_pread(self->fd, x, 0, n, r));
	EXPECT_EQ(0, memcmp(pat, r, n));

	ASSERT_EQ(-EFAULT, rg_pread(self->fd, x, 0, 8, NULL));
	ASSERT_EQ(-EFAULT, rg_pread(self->fd, x, 0, 8, rg_unmapped()));
	/* Reading into read-only memory is a fault too. */
	ASSERT_EQ(0, mprotect(two, PAGE, PROT_READ));
	ASSERT_EQ(-EFAULT, rg_pread(self->fd, x, 0, 8, two));
	munmap(two, PAGE);
	free(pat);
	free(r);
}

/* ---- limits ---- */

static struct refgc_limits get_limits(int fd)
{
	struct refgc_limits l = { 0 };

	rg_ioctl(fd, REFGC_IOC_GET_LIMITS, &l);
	return l;
}

static int set_limits(int fd, uint64_t objects, uint64_t bytes,
		      uint64_t payload)
{
	struct refgc_limits l = { objects, bytes, payload };

	return rg_ioctl(fd, REFGC_IOC_SET_LIMITS, &l);
}

TEST_F(arena, limits_payload_efbig)
{
	struct refgc_limits l0 = get_limits(self->fd), l;
	uint64_t x, r;
	struct snap s;

	ASSERT_LT(0, l0.max_payload);
	ASSERT_EQ(0, set_limits(self->fd, 0, 0, 100));
	l = get_limits(self->fd);
	EXPECT_EQ(100, l.max_payload);
	EXPECT_EQ(l0.max_objects, l.max_objects);	/* 0 keeps */
	EXPECT_EQ(l0.max_bytes, l.max_bytes);

	x = NEW(self->fd, self->tc, 100);
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-EFBIG, rg_new(self->fd, self->tc, 101, NULL));
	ASSERT_EQ(-EFBIG, rg_new(self->fd, self->ta, ~0ULL, NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	/* The arena is intact and usable. */
	ASSERT_EQ(0, rg_pwrite(self->fd, x, 99, 1, "!"));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 1, &r));
	/* Raising it back up to the module's limit is allowed. */
	ASSERT_EQ(0, set_limits(self->fd, 0, 0, l0.max_payload));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 4096, NULL));
}

TEST_F(arena, limits_objects_enospc)
{
	uint64_t a, b, c, w;
	struct snap s;

	a = NEW(self->fd, self->tc, 0);
	b = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, set_limits(self->fd, 3, 0, 0));
	c = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-ENOSPC, rg_new(self->fd, self->tc, 0, NULL));
	ASSERT_EQ(-ENOSPC, rg_new(self->fd, self->ta, 0, NULL));
	ASSERT_EQ(-ENOSPC, rg_weakref(self->fd, a, 1, 0, NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	/* Everything else still works, and freeing makes room. */
	ASSERT_EQ(0, rg_link(self->fd, a, b));
	ASSERT_EQ(0, rg_link(self->fd, b, c));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	ASSERT_EQ(0, rg_unlink(self->fd, b, 0, NULL));
	ASSERT_EQ(0, rg_weakref(self->fd, a, 1, 0, &w));
	EXPECT_EQ(REFGC_INFO_WEAKREF | REFGC_INFO_TRACKED,
		  INFO(self->fd, w).flags);
	ASSERT_EQ(-ENOSPC, rg_new(self->fd, self->tc, 0, NULL));
}

TEST_F(arena, limits_bytes_enomem)
{
	struct refgc_memory m;
	uint64_t a, b, per;
	struct snap s;

	a = NEW(self->fd, self->tc, 0);
	m = MEMORY(self->fd);
	per = m.bytes;			/* what one empty object costs */
	ASSERT_LT(0, per);
	/* Room for exactly one more empty object and 10 payload bytes. */
	ASSERT_EQ(0, set_limits(self->fd, 0, 2 * per + 10, 0));
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-ENOMEM, rg_new(self->fd, self->tc, 11, NULL));
	ASSERT_EQ(-ENOMEM, rg_new(self->fd, self->ta, 1 << 20, NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	b = NEW(self->fd, self->ta, 10);
	EXPECT_EQ(2 * per + 10, MEMORY(self->fd).bytes);
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-ENOMEM, rg_new(self->fd, self->ta, 0, NULL));
	/* A slot array needs bytes too. */
	ASSERT_EQ(-ENOMEM, rg_link(self->fd, a, b));
	ASSERT_EQ(-ENOMEM, rg_weakref(self->fd, a, 0, 0, NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	ASSERT_EQ(0, rg_link(self->fd, a, a));
	EXPECT_EQ(1, INFO(self->fd, a).slots);
}

TEST_F(arena, set_limits_errors)
{
	struct refgc_limits l0 = get_limits(self->fd), l;
	struct refgc_memory m;
	int i;

	ASSERT_EQ(-EPERM, set_limits(self->fd, l0.max_objects + 1, 0, 0));
	ASSERT_EQ(-EPERM, set_limits(self->fd, 0, l0.max_bytes + 1, 0));
	ASSERT_EQ(-EPERM, set_limits(self->fd, 0, 0, l0.max_payload + 1));
	l = get_limits(self->fd);
	EXPECT_EQ(0, memcmp(&l0, &l, sizeof(l)));

	for (i = 0; i < 3; i++)
		NEW(self->fd, self->tc, 100);
	m = MEMORY(self->fd);
	ASSERT_EQ(-EBUSY, set_limits(self->fd, 2, 0, 0));
	ASSERT_EQ(-EBUSY, set_limits(self->fd, 0, m.bytes - 1, 0));
	/* A failed SET changes no limit, even the valid parts of it. */
	ASSERT_EQ(-EBUSY, set_limits(self->fd, 2, 0, 50));
	l = get_limits(self->fd);
	EXPECT_EQ(0, memcmp(&l0, &l, sizeof(l)));
	/* At the current usage exactly is fine. */
	ASSERT_EQ(0, set_limits(self->fd, 3, m.bytes, 0));
	l = get_limits(self->fd);
	EXPECT_EQ(3, l.max_objects);
	EXPECT_EQ(m.bytes, l.max_bytes);
	/* And back up to the module's limits. */
	ASSERT_EQ(0, set_limits(self->fd, l0.max_objects, l0.max_bytes, 0));
	l = get_limits(self->fd);
	EXPECT_EQ(0, memcmp(&l0, &l, sizeof(l)));
	/* Limits are per arena. */
	ASSERT_EQ(0, set_limits(self->fd, 5, 0, 0));
	i = rg_open();
	ASSERT_LE(0, i);
	l = get_limits(i);
	EXPECT_EQ(l0.max_objects, l.max_objects);
	close(i);
}

/* ---- struct sizes and pointers ---- */

#define IOWR_SIZED(cmd, size) \
	_IOC(_IOC_READ | _IOC_WRITE, REFGC_IOC_MAGIC, _IOC_NR(cmd), size)
#define IOR_SIZED(cmd, size) \
	_IOC(_IOC_READ, REFGC_IOC_MAGIC, _IOC_NR(cmd), size)
#define IOW_SIZED(cmd, size) \
	_IOC(_IOC_WRITE, REFGC_IOC_MAGIC, _IOC_NR(cmd), size)

TEST_F(arena, struct_size_op)
{
	unsigned char buf[128];
	struct refgc_op *op = (void *)buf;
	struct refgc_memory m0, m1;

	/* Larger, zero tail: accepted, and the tail is left alone. */
	memset(buf, 0, sizeof(buf));
	*op = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	m0 = MEMORY(self->fd);
	ASSERT_EQ(0, rg_ioctl(self->fd, IOWR_SIZED(REFGC_IOC_OP, 64), buf));
	EXPECT_LE(m0.next_id, op->result);
	EXPECT_EQ(1, INFO(self->fd, op->result).handles);
	EXPECT_EQ(m0.objects + 1, MEMORY(self->fd).objects);

	/* Larger, nonzero tail: E2BIG, nothing done. */
	m0 = MEMORY(self->fd);
	*op = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	buf[63] = 1;
	ASSERT_EQ(-E2BIG, rg_ioctl(self->fd, IOWR_SIZED(REFGC_IOC_OP, 64),
				   buf));
	m1 = MEMORY(self->fd);
	EXPECT_EQ(0, memcmp(&m0, &m1, sizeof(m0)));
	buf[63] = 0;
	buf[sizeof(*op)] = 0x80;
	ASSERT_EQ(-E2BIG, rg_ioctl(self->fd, IOWR_SIZED(REFGC_IOC_OP, 128),
				   buf));
	m1 = MEMORY(self->fd);
	EXPECT_EQ(0, memcmp(&m0, &m1, sizeof(m0)));

	/* Smaller: EINVAL. */
	memset(buf, 0, sizeof(buf));
	*op = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, IOWR_SIZED(REFGC_IOC_OP, 48),
				    buf));
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, IOWR_SIZED(REFGC_IOC_OP, 0),
				    buf));
	m1 = MEMORY(self->fd);
	EXPECT_EQ(0, memcmp(&m0, &m1, sizeof(m0)));
}

TEST_F(arena, struct_size_read_only_commands)
{
	unsigned char buf[128];
	struct refgc_memory *m = (void *)buf;
	struct refgc_version *v = (void *)buf;
	size_t i;

	NEW(self->fd, self->tc, 3);
	/* An _IOR struct that is larger: the kernel zeroes the tail. */
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, rg_ioctl(self->fd, IOR_SIZED(REFGC_IOC_GET_MEMORY, 80),
			      buf));
	EXPECT_EQ(1, m->objects);
	EXPECT_EQ(3, m->payload_bytes);
	for (i = sizeof(*m); i < 80; i++)
		ASSERT_EQ(0, buf[i]) TH_LOG("byte %zu", i);
	EXPECT_EQ(0xff, buf[80]);
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd,
				    IOR_SIZED(REFGC_IOC_GET_MEMORY, 40), buf));

	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(0, rg_ioctl(self->fd, IOR_SIZED(REFGC_IOC_VERSION, 32),
			      buf));
	EXPECT_EQ(REFGC_ABI_VERSION, v->abi_version);
	for (i = sizeof(*v); i < 32; i++)
		ASSERT_EQ(0, buf[i]) TH_LOG("byte %zu", i);
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, IOR_SIZED(REFGC_IOC_VERSION, 16),
				    buf));
}

TEST_F(arena, struct_size_type_register)
{
	unsigned char buf[64];
	struct refgc_type *t = (void *)buf;
	struct refgc_memory m0 = MEMORY(self->fd);

	memset(buf, 0, sizeof(buf));
	strcpy(t->name, "wide");
	buf[50] = 1;
	ASSERT_EQ(-E2BIG, rg_ioctl(self->fd,
				   IOWR_SIZED(REFGC_IOC_TYPE_REGISTER, 64),
				   buf));
	EXPECT_EQ(m0.types, MEMORY(self->fd).types);
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd,
				    IOWR_SIZED(REFGC_IOC_TYPE_REGISTER, 36),
				    buf));
	EXPECT_EQ(m0.types, MEMORY(self->fd).types);
	buf[50] = 0;
	ASSERT_EQ(0, rg_ioctl(self->fd,
			      IOWR_SIZED(REFGC_IOC_TYPE_REGISTER, 64), buf));
	EXPECT_EQ(self->tf + 1, t->id);
	EXPECT_EQ(m0.types + 1, MEMORY(self->fd).types);
}

TEST_F(arena, struct_size_write_only_commands)
{
	unsigned char buf[64];
	struct refgc_limits *l = (void *)buf, l0 = get_limits(self->fd);

	memset(buf, 0, sizeof(buf));
	l->max_objects = 10;
	buf[40] = 1;
	ASSERT_EQ(-E2BIG, rg_ioctl(self->fd,
				   IOW_SIZED(REFGC_IOC_SET_LIMITS, 48), buf));
	EXPECT_EQ(l0.max_objects, get_limits(self->fd).max_objects);
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd,
				    IOW_SIZED(REFGC_IOC_SET_LIMITS, 16), buf));
	EXPECT_EQ(l0.max_objects, get_limits(self->fd).max_objects);
	buf[40] = 0;
	ASSERT_EQ(0, rg_ioctl(self->fd, IOW_SIZED(REFGC_IOC_SET_LIMITS, 48),
			      buf));
	EXPECT_EQ(10, get_limits(self->fd).max_objects);
}

TEST_F(arena, bad_pointers_efault)
{
	void *bad = rg_unmapped();
	struct snap s;

	ASSERT_NE(NULL, bad);
	NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_OP, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_OP, bad));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_TYPE_REGISTER, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_TYPE_REGISTER, bad));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_TYPE_GET, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_BATCH, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_BATCH, bad));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_LIST, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_LIST, bad));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_GET_LIMITS, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_SET_LIMITS, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_SET_LIMITS, bad));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_GET_MEMORY, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_GET_MEMORY, bad));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_COLLECT, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_GET_COUNT, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_SET_THRESHOLD, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_GET_STATS, bad));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_SET_DEBUG, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_ISENABLED, NULL));
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_GET_FREEZE_COUNT,
				    NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
}

/* Map @len bytes holding @src, then make them read-only. */
static void *read_only_copy(const void *src, size_t len)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, PAGE, PROT_READ)) {
		munmap(p, PAGE);
		return NULL;
	}
	return p;
}

TEST_F(arena, read_only_struct_efault_creates_nothing)
{
	struct refgc_op op = rg_mkop(REFGC_OP_NEW, 0, self->tc, 8, 0);
	struct refgc_type t = { .name = "ro" };
	struct refgc_limits l = { .max_objects = 7 };
	struct snap s;
	void *p;

	NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, take_snap(self->fd, &s));
	p = read_only_copy(&op, sizeof(op));
	ASSERT_NE(NULL, p);
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_OP, p));
	munmap(p, PAGE);
	p = read_only_copy(&t, sizeof(t));
	ASSERT_NE(NULL, p);
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_TYPE_REGISTER, p));
	munmap(p, PAGE);
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	EXPECT_EQ(-ENOENT, rg_new(self->fd, self->tf + 1, 0, NULL));

	/* An _IOW struct only needs to be readable. */
	p = read_only_copy(&l, sizeof(l));
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_SET_LIMITS, p));
	munmap(p, PAGE);
	EXPECT_EQ(7, get_limits(self->fd).max_objects);
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

static void list_init(struct refgc_list *l, struct refgc_entry *e)
{
	memset(l, 0, sizeof(*l));
	l->addr = (uintptr_t)e;
	l->capacity = 4;
	l->generation = REFGC_LIST_ALL_GENERATIONS;
}

TEST_F(arena, list_errors)
{
	struct refgc_entry e[4];
	struct refgc_list l;

	NEW(self->fd, self->tc, 0);
	list_init(&l, e);
	l.capacity = 0;
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
	list_init(&l, e);
	l.count = 1;			/* output only */
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
	list_init(&l, e);
	l.what = REFGC_LIST_TYPES + 1;
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
	list_init(&l, e);
	l.generation = REFGC_GEN_PERMANENT + 1;
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
	list_init(&l, e);
	l.generation = REFGC_LIST_ALL_GENERATIONS - 1;
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
	list_init(&l, e);
	l.what = REFGC_LIST_GARBAGE;	/* no generation for garbage */
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
	list_init(&l, e);
	l.addr = 0;
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
	list_init(&l, e);
	l.addr = (uintptr_t)rg_unmapped();
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_LIST, &l));
}

/* ---- batches ---- */

TEST_F(arena, batch_results_and_errors_per_op)
{
	struct refgc_op ops[6];
	struct refgc_batch b;
	uint64_t got[4];

	ops[0] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 8, 0);
	ops[1] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	ASSERT_EQ(0, rg_batch(self->fd, ops, 2, 0, &b));
	EXPECT_EQ(2, b.done);
	EXPECT_EQ(0, b.failed);
	EXPECT_EQ(0, ops[0].error);
	EXPECT_EQ(0, ops[1].error);
	EXPECT_LT(ops[0].result, ops[1].result);

	ops[2] = rg_mkop(REFGC_OP_LINK, ops[0].result, ops[1].result, 0, 0);
	ops[3] = rg_mkop(REFGC_OP_LINK, ops[0].result, ops[0].result, 0, 0);
	ops[4] = rg_mkop(REFGC_OP_INCREF, ops[1].result, 0, 0, 0);
	ops[5] = rg_mkop(REFGC_OP_GET_SLOTS, ops[0].result, 0, 4,
			 (uintptr_t)got);
	ASSERT_EQ(0, rg_batch(self->fd, ops + 2, 4, 0, &b));
	EXPECT_EQ(4, b.done);
	EXPECT_EQ(0, ops[2].result);
	EXPECT_EQ(1, ops[3].result);
	EXPECT_EQ(2, ops[4].result);
	EXPECT_EQ(2, ops[5].result);
	EXPECT_EQ(ops[1].result, got[0]);
	EXPECT_EQ(ops[0].result, got[1]);
	EXPECT_EQ(3, INFO(self->fd, ops[1].result).refcount);
}

TEST_F(arena, batch_stops_at_first_failure)
{
	struct refgc_op ops[5];
	struct refgc_batch b;
	struct refgc_memory m0 = MEMORY(self->fd);
	int i;

	ops[0] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	ops[1] = rg_mkop(REFGC_OP_NEW, 0, self->ta, 0, 0);
	ops[2] = rg_mkop(REFGC_OP_INCREF, 0, 0, 0, 0);	/* ENOENT */
	ops[3] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	ops[4] = rg_mkop(REFGC_OP_NEW, 0, 999, 0, 0);	/* ENOENT */
	for (i = 0; i < 5; i++) {
		ops[i].result = 0xdead;
		ops[i].error = 12345;
	}
	ASSERT_EQ(-ENOENT, rg_batch(self->fd, ops, 5, 0, &b));
	EXPECT_EQ(3, b.done);
	EXPECT_EQ(1, b.failed);
	EXPECT_EQ(0, ops[0].error);
	EXPECT_EQ(0, ops[1].error);
	EXPECT_EQ(-ENOENT, ops[2].error);
	/* Ops after the failure were not run, nor written to. */
	EXPECT_EQ(12345, ops[3].error);
	EXPECT_EQ(0xdead, ops[3].result);
	EXPECT_EQ(12345, ops[4].error);
	/* What ran stays done. */
	EXPECT_EQ(m0.objects + 2, MEMORY(self->fd).objects);
	EXPECT_EQ(1, INFO(self->fd, ops[0].result).handles);
	EXPECT_EQ(1, INFO(self->fd, ops[1].result).handles);

	/* A failure in the first op: nothing runs after it. */
	ops[0] = rg_mkop(REFGC_OP_DECREF, 0, 0, 0, 0);
	ops[1] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	ASSERT_EQ(-ENOENT, rg_batch(self->fd, ops, 2, 0, &b));
	EXPECT_EQ(1, b.done);
	EXPECT_EQ(1, b.failed);
	EXPECT_EQ(m0.objects + 2, MEMORY(self->fd).objects);
}

TEST_F(arena, batch_continue_runs_everything)
{
	struct refgc_op ops[6];
	struct refgc_batch b;
	uint64_t x = NEW(self->fd, self->tc, 0);
	struct refgc_memory m0 = MEMORY(self->fd);

	ops[0] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	ops[1] = rg_mkop(REFGC_OP_LINK, x, 0, 0, 0);		/* ENOENT */
	ops[2] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 1ULL << 40, 0); /* EFBIG */
	ops[3] = rg_mkop(REFGC_OP_DECREF, x, 0, 0, 0);
	ops[4] = rg_mkop(REFGC_OP_DECREF, x, 0, 0, 0);		/* ENOENT */
	ops[5] = rg_mkop(REFGC_OP_MAX, 0, 0, 0, 0);		/* EINVAL */
	ASSERT_EQ(0, rg_batch(self->fd, ops, 6, REFGC_BATCH_CONTINUE, &b));
	EXPECT_EQ(6, b.done);
	EXPECT_EQ(4, b.failed);
	EXPECT_EQ(0, ops[0].error);
	EXPECT_EQ(-ENOENT, ops[1].error);
	EXPECT_EQ(-EFBIG, ops[2].error);
	EXPECT_EQ(0, ops[3].error);
	EXPECT_EQ(0, ops[3].result);
	EXPECT_EQ(-ENOENT, ops[4].error);
	EXPECT_EQ(-EINVAL, ops[5].error);
	EXPECT_EQ(m0.objects, MEMORY(self->fd).objects);	/* +1 -1 */
	EXPECT_EQ(1, INFO(self->fd, ops[0].result).handles);
}

TEST_F(arena, batch_errors)
{
	uint32_t max = rg_max_batch(self->fd);
	struct refgc_op *ops = calloc(max + 1, sizeof(*ops));
	struct refgc_batch b;
	struct snap s;
	uint32_t i;

	ASSERT_LT(0, max);
	ASSERT_NE(NULL, ops);
	for (i = 0; i <= max; i++)
		ops[i] = rg_mkop(REFGC_OP_NEW, 0, self->ta, 0, 0);
	ASSERT_EQ(0, take_snap(self->fd, &s));

	ASSERT_EQ(-E2BIG, rg_batch(self->fd, ops, max + 1, 0, NULL));
	ASSERT_EQ(-E2BIG, rg_batch(self->fd, ops, ~0u, 0, NULL));
	ASSERT_EQ(-EINVAL, rg_batch(self->fd, ops, 1, 2, NULL));
	ASSERT_EQ(-EINVAL, rg_batch(self->fd, ops, 1, 1u << 31, NULL));
	b = (struct refgc_batch){ .ops = (uintptr_t)ops, .count = 1,
				  .op_size = sizeof(*ops), .reserved = 1 };
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	b = (struct refgc_batch){ .ops = (uintptr_t)ops, .count = 1,
				  .op_size = sizeof(*ops) - 8 };
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	b.op_size = 0;
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	b.op_size = 1 << 20;
	ASSERT_EQ(-EINVAL, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	b = (struct refgc_batch){ .ops = 0, .count = 1,
				  .op_size = sizeof(*ops) };
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	EXPECT_EQ(0, b.done);
	b.ops = (uintptr_t)rg_unmapped();
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	EXPECT_EQ(0, b.done);
	b = (struct refgc_batch){ .ops = (uintptr_t)ops, .count = 0,
				  .op_size = sizeof(*ops), .done = 9,
				  .failed = 9 };
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	EXPECT_EQ(0, b.done);
	EXPECT_EQ(0, b.failed);
	EXPECT_EQ(0, snap_differs(self->fd, &s));

	/* Exactly max_batch is fine. */
	ASSERT_EQ(0, rg_batch(self->fd, ops, max, 0, &b));
	EXPECT_EQ(max, b.done);
	EXPECT_EQ(max, MEMORY(self->fd).objects);
	free(ops);
}

/* Ops of a bigger size: zero tails are fine; a nonzero one fails that op. */
TEST_F(arena, batch_op_size_larger)
{
	struct big_op {
		struct refgc_op op;
		uint64_t tail;
	} ops[3];
	struct refgc_batch b = { .ops = (uintptr_t)ops, .count = 3,
				 .op_size = sizeof(ops[0]),
				 .flags = REFGC_BATCH_CONTINUE };

	memset(ops, 0, sizeof(ops));
	ops[0].op = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	ops[1].op = rg_mkop(REFGC_OP_NEW, 0, self->tc, 3, 0);
	ops[1].tail = 0x77;
	ops[1].op.result = 0x4242;
	ops[2].op = rg_mkop(REFGC_OP_NEW, 0, self->ta, 0, 0);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	EXPECT_EQ(3, b.done);
	EXPECT_EQ(1, b.failed);
	EXPECT_EQ(0, ops[0].op.error);
	EXPECT_EQ(-E2BIG, ops[1].op.error);
	EXPECT_EQ(0, ops[2].op.error);
	EXPECT_EQ(2, MEMORY(self->fd).objects);
	/* The failed op's own fields are left as they were. */
	EXPECT_EQ(REFGC_OP_NEW, ops[1].op.op);
	EXPECT_EQ(self->tc, ops[1].op.arg);
	EXPECT_EQ(3, ops[1].op.arg2);
	EXPECT_EQ(0x77, ops[1].tail);
	/* The tails were not written. */
	EXPECT_EQ(0, ops[0].tail);
	EXPECT_EQ(0, ops[2].tail);
	EXPECT_EQ(1, INFO(self->fd, ops[2].op.result).handles);

	/* The very first op failing must not leak anything either. */
	memset(ops, 0, sizeof(ops));
	ops[0].op = rg_mkop(REFGC_OP_NEW, 0, self->tc, 5, 0);
	ops[0].tail = 1;
	b.count = 1;
	b.flags = 0;
	ASSERT_EQ(-E2BIG, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	EXPECT_EQ(1, b.done);
	EXPECT_EQ(1, b.failed);
	EXPECT_EQ(-E2BIG, ops[0].op.error);
	EXPECT_EQ(REFGC_OP_NEW, ops[0].op.op);
	EXPECT_EQ(0, ops[0].op.id);
	EXPECT_EQ(self->tc, ops[0].op.arg);
	EXPECT_EQ(5, ops[0].op.arg2);
	EXPECT_EQ(0, ops[0].op.addr);
	EXPECT_EQ(0, ops[0].op.reserved);
	EXPECT_EQ(2, MEMORY(self->fd).objects);
}

/* Ops that run off the end of mapped memory: what ran is reported. */
TEST_F(arena, batch_fault_midway_reports_done)
{
	unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct refgc_op *ops;
	struct refgc_batch b;
	int i;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + PAGE, PAGE));
	ops = (struct refgc_op *)(p + PAGE - 3 * sizeof(*ops));
	for (i = 0; i < 3; i++)
		ops[i] = rg_mkop(REFGC_OP_NEW, 0, self->tc, 0, 0);
	b = (struct refgc_batch){ .ops = (uintptr_t)ops, .count = 5,
				  .op_size = sizeof(*ops) };
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	EXPECT_EQ(3, b.done);
	EXPECT_EQ(0, b.failed);
	EXPECT_EQ(3, MEMORY(self->fd).objects);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(1, INFO(self->fd, ops[i].result).handles);
	/* With CONTINUE too: a fault always stops the batch. */
	b = (struct refgc_batch){ .ops = (uintptr_t)ops, .count = 5,
				  .op_size = sizeof(*ops),
				  .flags = REFGC_BATCH_CONTINUE };
	ASSERT_EQ(-EFAULT, rg_ioctl(self->fd, REFGC_IOC_BATCH, &b));
	EXPECT_EQ(3, b.done);
	EXPECT_EQ(6, MEMORY(self->fd).objects);
	munmap(p, PAGE);
}

/*
 * The same random op sequences, run as single ops in one arena and as
 * batches in another, give the same per-op errors and results (ids mapped
 * by creation order) and the same final state.
 */
struct twin {
	int fd[2];
	uint64_t *ids[2];	/* index -> id, per arena */
	size_t n, cap;
};

static void twin_add(struct twin *t, uint64_t a, uint64_t b)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->ids[0] = realloc(t->ids[0], t->cap * sizeof(uint64_t));
		t->ids[1] = realloc(t->ids[1], t->cap * sizeof(uint64_t));
	}
	t->ids[0][t->n] = a;
	t->ids[1][t->n] = b;
	t->n++;
}

/* Index of @id in arena @side's table, or -1. */
static long twin_index(struct twin *t, int side, uint64_t id)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->ids[side][i] == id)
			return i;
	return -1;
}

struct rop {
	uint32_t code;
	long id;	/* index, or -1 for id 0, -2 for a foreign id */
	long arg;	/* index when arg_is_obj */
	int arg_is_obj;
	uint64_t arg2;
	int buf;	/* uses a per-op buffer */
};

static uint64_t twin_id(struct twin *t, int side, long idx)
{
	if (idx == -1)
		return 0;
	if (idx == -2)
		return t->ids[!side][t->n - 1];	/* from the other arena */
	return t->ids[side][idx];
}

static struct rop random_rop(uint64_t *seed, struct twin *t, uint32_t tc,
			     uint32_t ta)
{
	struct rop r = { 0 };
	uint64_t x = rg_rand(seed);
	long n = t->n;

#define PICK() ((long)(rg_rand(seed) % (n + 2)) - 2)
	switch (x % 14) {
	case 0:
		r.code = REFGC_OP_NEW;
		r.arg = (x >> 8) % 5 ? ((x >> 12) & 1 ? tc : ta) :
			(x >> 12) & 1 ? REFGC_TYPE_WEAKREF_ID : 99;
		r.arg2 = (x >> 16) % 40;
		break;
	case 1:
		r.code = REFGC_OP_INCREF;
		r.id = PICK();
		break;
	case 2:
	case 3:
		r.code = REFGC_OP_DECREF;
		r.id = PICK();
		break;
	case 4:
	case 5:
		r.code = REFGC_OP_LINK;
		r.id = PICK();
		r.arg = PICK();
		r.arg_is_obj = 1;
		break;
	case 6:
		r.code = REFGC_OP_UNLINK;
		r.id = PICK();
		r.arg = (x >> 8) % 4;
		break;
	case 7:
		r.code = REFGC_OP_REMOVE;
		r.id = PICK();
		r.arg = PICK();
		r.arg_is_obj = 1;
		break;
	case 8:
		r.code = REFGC_OP_SET;
		r.id = PICK();
		r.arg = PICK();
		r.arg_is_obj = 1;
		r.arg2 = (x >> 8) % 4;
		break;
	case 9:
		r.code = REFGC_OP_CLEAR;
		r.id = PICK();
		break;
	case 10:
		r.code = REFGC_OP_WRITE;
		r.id = PICK();
		r.arg = (x >> 8) % 24;
		r.arg2 = (x >> 16) % 24;
		r.buf = 1;
		break;
	case 11:
		r.code = REFGC_OP_READ;
		r.id = PICK();
		r.arg = (x >> 8) % 24;
		r.arg2 = (x >> 16) % 24;
		r.buf = 1;
		break;
	case 12:
		r.code = REFGC_OP_WEAKREF_NEW;
		r.id = PICK();
		r.arg = x >> 40;
		break;
	default:
		r.code = (x >> 8) & 1 ? REFGC_OP_WEAKREF_GET :
			 REFGC_OP_WEAKREF_DROP;
		r.id = PICK();
		break;
	}
#undef PICK
	return r;
}

static struct refgc_op rop_build(struct twin *t, int side, struct rop *r,
				 unsigned char *buf)
{
	struct refgc_op op = { .op = r->code, .arg2 = r->arg2 };

	if (r->code != REFGC_OP_NEW)
		op.id = twin_id(t, side, r->id);
	op.arg = r->arg_is_obj ? twin_id(t, side, r->arg) : (uint64_t)r->arg;
	if (r->buf)
		op.addr = (uintptr_t)buf;
	return op;
}

static int returns_id(uint32_t code)
{
	return code == REFGC_OP_UNLINK || code == REFGC_OP_SET ||
	       code == REFGC_OP_WEAKREF_GET;
}

TEST_F(arena, batch_matches_single_ops)
{
	struct twin t = { { -1, -1 } };
	uint64_t seed = 0x5eed0001, seed0 = seed;
	enum { ROUNDS = 60, MAXR = 200 };
	struct refgc_op *ops = calloc(MAXR, sizeof(*ops));
	unsigned char (*buf)[2][24] = calloc(MAXR, sizeof(*buf));
	struct rop *rops = calloc(MAXR, sizeof(*rops));
	int round, side, i;

	ASSERT_NE(NULL, ops);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, rops);
	for (side = 0; side < 2; side++) {
		t.fd[side] = rg_open();
		ASSERT_LE(0, t.fd[side]);
		ASSERT_EQ(0, rg_ioctl(t.fd[side], REFGC_IOC_DISABLE, NULL));
		ASSERT_EQ(0, rg_type(t.fd[side], "node", 0, NULL));
		ASSERT_EQ(0, rg_type(t.fd[side], "blob", REFGC_TYPE_ATOMIC,
				     NULL));
	}
	for (i = 0; i < 8; i++) {
		uint64_t a, b;

		ASSERT_EQ(0, rg_new(t.fd[0], i % 4 ? 2 : 3, 16, &a));
		ASSERT_EQ(0, rg_new(t.fd[1], i % 4 ? 2 : 3, 16, &b));
		twin_add(&t, a, b);
	}

	for (round = 0; round < ROUNDS; round++) {
		int n = 1 + rg_rand(&seed) % MAXR;
		uint32_t flags = round % 3 ? REFGC_BATCH_CONTINUE : 0;
		struct refgc_batch b;
		int single_err = 0, ran = 0, failed = 0, r;

		for (i = 0; i < n; i++) {
			int k;

			rops[i] = random_rop(&seed, &t, 2, 3);
			for (k = 0; k < 24; k++)
				buf[i][0][k] = rg_rand(&seed);
			memcpy(buf[i][1], buf[i][0], 24);
		}
		/* Arena 0: one op at a time, stopping like the batch. */
		for (i = 0; i < n; i++) {
			ops[i] = rop_build(&t, 0, &rops[i], buf[i][0]);
			r = rg_opx(t.fd[0], &ops[i]);
			ran++;
			if (r) {
				failed++;
				if (!single_err)
					single_err = r;
				if (!flags)
					break;
			}
		}
		/* Arena 1: the same ops as one batch. */
		{
			struct refgc_op *bops = calloc(n, sizeof(*bops));

			ASSERT_NE(NULL, bops);
			for (i = 0; i < n; i++)
				bops[i] = rop_build(&t, 1, &rops[i],
						    buf[i][1]);
			r = rg_batch(t.fd[1], bops, n, flags, &b);
			ASSERT_EQ(flags ? 0 : single_err, r)
				TH_LOG("seed %#llx round %d",
				       (unsigned long long)seed0, round);
			ASSERT_EQ(ran, b.done);
			ASSERT_EQ(failed, b.failed);
			for (i = 0; i < ran; i++) {
				ASSERT_EQ(ops[i].error, bops[i].error)
					TH_LOG("seed %#llx round %d op %d (%u)",
					       (unsigned long long)seed0,
					       round, i, ops[i].op);
				if (ops[i].error)
					continue;
				if (returns_id(ops[i].op)) {
					ASSERT_EQ(twin_index(&t, 0,
							     ops[i].result),
						  twin_index(&t, 1,
							     bops[i].result));
				} else if (ops[i].op != REFGC_OP_NEW &&
					   ops[i].op != REFGC_OP_WEAKREF_NEW) {
					ASSERT_EQ(ops[i].result,
						  bops[i].result)
						TH_LOG("round %d op %d (%u)",
						       round, i, ops[i].op);
				}
				if (ops[i].op == REFGC_OP_READ)
					ASSERT_EQ(0, memcmp(buf[i][0],
							    buf[i][1], 24));
			}
			/* New objects join the table in creation order. */
			for (i = 0; i < ran; i++)
				if (!ops[i].error &&
				    (ops[i].op == REFGC_OP_NEW ||
				     ops[i].op == REFGC_OP_WEAKREF_NEW))
					twin_add(&t, ops[i].result,
						 bops[i].result);
			free(bops);
		}
	}

	/* Same final state, object by object. */
	{
		struct refgc_memory m0 = MEMORY(t.fd[0]), m1 = MEMORY(t.fd[1]);
		uint64_t s0[64], s1[64];
		size_t k;

		EXPECT_EQ(m0.objects, m1.objects);
		EXPECT_EQ(m0.bytes, m1.bytes);
		EXPECT_EQ(m0.payload_bytes, m1.payload_bytes);
		EXPECT_EQ(m0.slots, m1.slots);
		EXPECT_LT(8, t.n);
		for (k = 0; k < t.n; k++) {
			struct refgc_info i0, i1;
			int r0 = rg_info(t.fd[0], t.ids[0][k], &i0);
			int r1 = rg_info(t.fd[1], t.ids[1][k], &i1);
			long n0, n1, j;

			ASSERT_EQ(r0, r1);
			if (r0)
				continue;
			EXPECT_EQ(i0.type, i1.type);
			EXPECT_EQ(i0.flags, i1.flags);
			EXPECT_EQ(i0.refcount, i1.refcount);
			EXPECT_EQ(i0.handles, i1.handles);
			EXPECT_EQ(i0.slots, i1.slots);
			EXPECT_EQ(i0.payload_size, i1.payload_size);
			n0 = rg_slots(t.fd[0], t.ids[0][k], s0, 64);
			n1 = rg_slots(t.fd[1], t.ids[1][k], s1, 64);
			ASSERT_EQ(n0, n1);
			for (j = 0; j < n0 && j < 64; j++)
				EXPECT_EQ(twin_index(&t, 0, s0[j]),
					  twin_index(&t, 1, s1[j]));
		}
	}
	close(t.fd[0]);
	close(t.fd[1]);
	free(t.ids[0]);
	free(t.ids[1]);
	free(ops);
	free(buf);
	free(rops);
}

/* ---- scale ---- */

/*
 * Build a chain head -> ... of @n objects (@n - 1 links), the head holding
 * the only handle, in batches.  Returns the head, or 0.
 */
static uint64_t build_chain(int fd, uint32_t type, size_t n, uint64_t *tail)
{
	uint32_t max = rg_max_batch(fd), chunk = max / 2, i, k;
	struct refgc_op *ops = calloc(max, sizeof(*ops));
	uint64_t *nid = calloc(max, sizeof(*nid));
	uint64_t head = 0, prev;
	size_t done;

	if (!ops || !nid || !chunk || rg_new(fd, type, 0, &head))
		goto out;
	prev = head;
	for (done = 1; done < n; done += k) {
		k = n - done < chunk ? n - done : chunk;
		for (i = 0; i < k; i++)
			ops[i] = rg_mkop(REFGC_OP_NEW, 0, type, 0, 0);
		if (rg_batch(fd, ops, k, 0, NULL))
			goto fail;
		for (i = 0; i < k; i++)
			nid[i] = ops[i].result;
		for (i = 0; i < k; i++) {
			ops[2 * i] = rg_mkop(REFGC_OP_LINK,
					     i ? nid[i - 1] : prev, nid[i],
					     0, 0);
			ops[2 * i + 1] = rg_mkop(REFGC_OP_DECREF, nid[i], 0,
						 0, 0);
		}
		if (rg_batch(fd, ops, 2 * k, 0, NULL))
			goto fail;
		prev = nid[k - 1];
	}
	if (tail)
		*tail = prev;
	goto out;
fail:
	head = 0;
out:
	free(ops);
	free(nid);
	return head;
}

TEST_F_TIMEOUT(arena, chain_million_freed_by_one_decref, 400)
{
	const size_t n = 1000000;
	long slab0, slab1, slab2;
	struct refgc_memory m;
	struct refgc_info i;
	uint64_t head, tail = 0, got[2];

	slab0 = rg_slab_settled();
	ASSERT_LE(0, slab0) TH_LOG("no refgc_object in /proc/slabinfo");
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	head = build_chain(self->fd, self->tc, n, &tail);
	ASSERT_NE(0, head);
	m = MEMORY(self->fd);
	ASSERT_EQ(n, m.objects);
	ASSERT_EQ(n - 1, m.slots);
	i = INFO(self->fd, tail);
	EXPECT_EQ(1, i.refcount);
	EXPECT_EQ(0, i.handles);
	EXPECT_EQ(0, i.slots);
	i = INFO(self->fd, head);
	EXPECT_EQ(1, i.handles);
	ASSERT_EQ(1, rg_slots(self->fd, head, got, 2));
	ASSERT_EQ(1, rg_referrers(self->fd, got[0], got, 2));
	EXPECT_EQ(head, got[0]);
	slab1 = rg_slab_settled();
	EXPECT_LE(slab0 + (long)n, slab1);

	ASSERT_EQ(0, rg_decref(self->fd, head));
	m = MEMORY(self->fd);
	EXPECT_EQ(0, m.objects);
	EXPECT_EQ(0, m.bytes);
	EXPECT_EQ(0, m.slots);
	EXPECT_EQ(-ENOENT, rg_info(self->fd, tail, &i));
	EXPECT_EQ(-ENOENT, rg_info(self->fd, head, &i));
	slab2 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab2)
		TH_LOG("slab: %ld before, %ld built, %ld after", slab0, slab1,
		       slab2);
}

/*
 * LIST every object into one big buffer, letting the kernel choose the
 * page size: 0 when the ids are exactly the results of @ops, in order.
 */
static int list_matches(int fd, const struct refgc_op *ops, size_t n)
{
	struct refgc_entry *e = calloc(n + 1, sizeof(*e));
	struct refgc_list l = { .what = REFGC_LIST_OBJECTS,
				.generation = REFGC_LIST_ALL_GENERATIONS };
	size_t total = 0, i;
	int bad = 0;

	if (!e)
		return -ENOMEM;
	do {
		l.addr = (uintptr_t)(e + total);
		l.capacity = n + 1 - total;
		l.count = 0;
		if (rg_ioctl(fd, REFGC_IOC_LIST, &l) || !l.count ||
		    l.count > n + 1 - total) {
			bad = 1;
			break;
		}
		total += l.count;
	} while (l.cursor);
	bad |= total != n;
	for (i = 0; !bad && i < n; i++)
		bad |= e[i].id != ops[i].result;
	free(e);
	return bad;
}

TEST_F_TIMEOUT(arena, create_free_100k_slab_baseline, 300)
{
	const size_t n = 100000;
	uint32_t max = rg_max_batch(self->fd);
	struct refgc_op *ops = calloc(n, sizeof(*ops));
	long slab0, slab1, slab2;
	struct refgc_memory m;
	size_t i;

	ASSERT_NE(NULL, ops);
	ASSERT_LT(0, max);
	slab0 = rg_slab_settled();
	ASSERT_LE(0, slab0);
	for (i = 0; i < n; i++)
		ops[i] = rg_mkop(REFGC_OP_NEW, 0,
				 i % 4 == 3 ? self->ta : self->tc, i % 17, 0);
	ASSERT_EQ(0, rg_batch_all(self->fd, ops, n));
	m = MEMORY(self->fd);
	EXPECT_EQ(n, m.objects);
	slab1 = rg_slab_settled();
	EXPECT_LE(slab0 + (long)n, slab1);
	/* Listing pages through all of them, in id order. */
	ASSERT_EQ(0, list_matches(self->fd, ops, n));
	/* Drop every handle: each object dies at once. */
	for (i = 0; i < n; i++) {
		uint64_t id = ops[i].result;

		ops[i] = rg_mkop(REFGC_OP_DECREF, id, 0, 0, 0);
	}
	ASSERT_EQ(0, rg_batch_all(self->fd, ops, n));
	m = MEMORY(self->fd);
	EXPECT_EQ(0, m.objects);
	EXPECT_EQ(0, m.bytes);
	EXPECT_EQ(0, m.payload_bytes);
	slab2 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab2)
		TH_LOG("slab: %ld before, %ld full, %ld after", slab0, slab1,
		       slab2);
	free(ops);
}

/* ---- sharing ---- */

TEST_F(arena, fork_shares_arena)
{
	uint64_t x = NEW(self->fd, self->tc, 8), y = 0, got[2];
	int p[2], status;
	pid_t pid;

	ASSERT_EQ(0, rg_pwrite(self->fd, x, 0, 8, "parent!"));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char buf[8];
		uint64_t id;

		close(p[0]);
		if (rg_pread(self->fd, x, 0, 8, buf) || memcmp(buf, "parent!", 8))
			_exit(1);
		if (rg_new(self->fd, self->tc, 0, &id) ||
		    rg_link(self->fd, x, id) || rg_decref(self->fd, id) ||
		    rg_pwrite(self->fd, x, 0, 8, "child!!"))
			_exit(2);
		if (write(p[1], &id, sizeof(id)) != sizeof(id))
			_exit(3);
		_exit(0);	/* closes the child's reference to the file */
	}
	close(p[1]);
	ASSERT_EQ(sizeof(y), read(p[0], &y, sizeof(y)));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* The child's work is in the parent's arena, which lives on. */
	ASSERT_EQ(1, rg_slots(self->fd, x, got, 2));
	EXPECT_EQ(y, got[0]);
	EXPECT_EQ(1, INFO(self->fd, y).refcount);
	EXPECT_EQ(0, INFO(self->fd, y).handles);
	ASSERT_EQ(0, rg_pread(self->fd, x, 0, 8, got));
	EXPECT_EQ(0, memcmp(got, "child!!", 8));
	EXPECT_EQ(2, MEMORY(self->fd).objects);
}

TEST_F_TIMEOUT(arena, fork_two_processes_concurrently, 120)
{
	enum { N = 3000 };
	uint64_t shared = NEW(self->fd, self->tc, 0);
	pid_t pid[2];
	int k, status;

	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		ASSERT_LE(0, pid[k]);
		if (!pid[k]) {
			uint64_t keep = 0, id;
			int i;

			/* Each keeps every 3rd object, linked from shared. */
			for (i = 0; i < N; i++) {
				if (rg_new(self->fd, self->tc, 4, &id))
					_exit(1);
				if (i % 3 == 0) {
					if (rg_link(self->fd, shared, id))
						_exit(2);
					keep++;
				}
				if (rg_decref(self->fd, id))
					_exit(3);
			}
			_exit(keep == N / 3 ? 0 : 4);
		}
	}
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(pid[k], waitpid(pid[k], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	EXPECT_EQ(1 + 2 * N / 3, MEMORY(self->fd).objects);
	EXPECT_EQ(2 * N / 3, INFO(self->fd, shared).slots);
	EXPECT_EQ(2 * N / 3 * 4, MEMORY(self->fd).payload_bytes);
	ASSERT_EQ(0, rg_decref(self->fd, shared));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
}

/*
 * Four threads on one arena, automatic collection on.  Each owns its
 * objects (only it links from them) and links them to shared objects the
 * main thread holds.  Each keeps a model of its objects; at the end the
 * model must match, and the whole arena must be consistent.
 */
#define T_OBJS	64

struct hammer {
	pthread_t th;
	int fd;
	uint32_t tc, ta;
	uint64_t *shared;
	int nshared;
	uint64_t seed;
	int iters;
	/* the model: own objects */
	uint64_t id[T_OBJS];
	int handles[T_OBJS];
	int nslots[T_OBJS];
	long slot[T_OBJS][16];	/* own index >= 0, or -1 - shared index */
	int shared_handles;	/* extra handles taken on shared objects */
	char err[160];
};

static int hidx(struct hammer *h, uint64_t id)
{
	int i;

	for (i = 0; i < T_OBJS; i++)
		if (h->id[i] == id)
			return i;
	return -1;
}

/* Own objects reachable from own handles, through own slots. */
static void hammer_reach(struct hammer *h, char *reach)
{
	int stack[T_OBJS * 17], sp = 0, i, k;

	memset(reach, 0, T_OBJS);
	for (i = 0; i < T_OBJS; i++)
		if (h->id[i] && h->handles[i] && !reach[i]) {
			reach[i] = 1;
			stack[sp++] = i;
		}
	while (sp) {
		i = stack[--sp];
		for (k = 0; k < h->nslots[i]; k++) {
			long s = h->slot[i][k];

			if (s >= 0 && !reach[s]) {
				reach[s] = 1;
				stack[sp++] = s;
			}
		}
	}
}

/* Record why a hammer thread failed; its return value. */
static void *hfail(struct hammer *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return NULL;
}

static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;
	int it, i, j, r;
	uint64_t res = 0;
	char reach[T_OBJS];

	for (it = 0; it < h->iters; it++) {
		uint64_t x = rg_rand(&h->seed);

		i = x % T_OBJS;
		j = (x >> 8) % T_OBJS;
		hammer_reach(h, reach);
		/* Forget objects nothing of ours can reach any more. */
		for (j = 0; j < T_OBJS; j++)
			if (h->id[j] && !reach[j])
				h->id[j] = 0;
		j = (x >> 8) % T_OBJS;
		switch ((x >> 16) % 8) {
		case 0:
		case 1:
			if (h->id[i])
				break;
			r = rg_new(h->fd, (x >> 24) % 5 ? h->tc : h->ta, 0,
				   &h->id[i]);
			if (r)
				return hfail(h, "new: %d", r);
			h->handles[i] = 1;
			h->nslots[i] = 0;
			break;
		case 2:	/* link own -> own */
			if (!h->id[i] || !h->id[j] || h->nslots[i] == 16 ||
			    !h->handles[i])
				break;
			r = rg_op(h->fd, REFGC_OP_LINK, h->id[i], h->id[j], 0,
				  0, &res);
			if (r == -EINVAL)	/* atomic source */
				break;
			if (r || res != (uint64_t)h->nslots[i])
				return hfail(h, "link: %d %llu", r,
				     (unsigned long long)res);
			h->slot[i][h->nslots[i]++] = j;
			break;
		case 3:	/* link own -> shared */
			if (!h->id[i] || h->nslots[i] == 16 || !h->handles[i])
				break;
			j = (x >> 8) % h->nshared;
			r = rg_link(h->fd, h->id[i], h->shared[j]);
			if (r == -EINVAL)
				break;
			if (r)
				return hfail(h, "link shared: %d", r);
			h->slot[i][h->nslots[i]++] = -1 - j;
			break;
		case 4:	/* unlink */
			if (!h->id[i] || !h->nslots[i] || !h->handles[i])
				break;
			j = (x >> 8) % h->nslots[i];
			r = rg_unlink(h->fd, h->id[i], j, &res);
			if (r)
				return hfail(h, "unlink: %d", r);
			if (h->slot[i][j] >= 0 ?
			    res != h->id[h->slot[i][j]] :
			    res != h->shared[-1 - h->slot[i][j]])
				return hfail(h, "unlink returned %llu",
				     (unsigned long long)res);
			memmove(&h->slot[i][j], &h->slot[i][j + 1],
				(h->nslots[i] - j - 1) * sizeof(long));
			h->nslots[i]--;
			break;
		case 5:	/* drop a handle */
			if (!h->id[i] || !h->handles[i])
				break;
			r = rg_decref(h->fd, h->id[i]);
			if (r)
				return hfail(h, "decref: %d", r);
			h->handles[i]--;
			break;
		case 6:	/* handles on shared objects come and go */
			j = (x >> 8) % h->nshared;
			if ((x >> 24) & 1 || !h->shared_handles) {
				if (rg_incref(h->fd, h->shared[0]))
					return hfail(h, "incref shared");
				h->shared_handles++;
			} else {
				if (rg_decref(h->fd, h->shared[0]))
					return hfail(h, "decref shared");
				h->shared_handles--;
			}
			break;
		default:	/* take a handle, check the object */
			if (!h->id[i] || !h->handles[i])
				break;
			{
				struct refgc_info info;

				if (rg_incref(h->fd, h->id[i]))
					return hfail(h, "incref");
				h->handles[i]++;
				r = rg_info(h->fd, h->id[i], &info);
				if (r ||
				    info.handles != (uint64_t)h->handles[i] ||
				    info.slots != (uint64_t)h->nslots[i])
					return hfail(h, "info %d: handles %llu/%d slots %llu/%d",
					     r, (unsigned long long)info.handles,
					     h->handles[i],
					     (unsigned long long)info.slots,
					     h->nslots[i]);
			}
			break;
		}
	}
	/* The model against the arena, for everything we still reach. */
	hammer_reach(h, reach);
	for (i = 0; i < T_OBJS; i++) {
		uint64_t got[16];
		long n;

		if (!h->id[i] || !reach[i])
			continue;
		n = rg_slots(h->fd, h->id[i], got, 16);
		if (n != h->nslots[i])
			return hfail(h, "slots of %d: %ld, model %d", i, n, h->nslots[i]);
		for (j = 0; j < n; j++) {
			long s = h->slot[i][j];

			if (got[j] != (s >= 0 ? h->id[s] : h->shared[-1 - s]))
				return hfail(h, "slot %d of %d differs", j, i);
		}
		if (hidx(h, h->id[i]) != i)
			return hfail(h, "duplicate id");
	}
	while (h->shared_handles--)
		if (rg_decref(h->fd, h->shared[0]))
			return hfail(h, "final decref shared");
	return NULL;
}

TEST_F_TIMEOUT(arena, four_threads_hammer_one_arena, 300)
{
	enum { NT = 4, NS = 8 };
	struct hammer *h = calloc(NT, sizeof(*h));
	uint64_t shared[NS], *ids = NULL, *all_slots;
	struct refgc_memory m;
	long n, i, j, total_slots = 0;

	ASSERT_NE(NULL, h);
	/* Collect often, so the worker races with the threads. */
	ASSERT_EQ(0, rg_set_threshold(self->fd, 50, 3, 3));
	for (i = 0; i < NS; i++)
		shared[i] = NEW(self->fd, self->tc, 0);
	for (i = 0; i < NS; i++)		/* a shared cycle */
		ASSERT_EQ(0, rg_link(self->fd, shared[i],
				     shared[(i + 1) % NS]));
	for (i = 0; i < NT; i++) {
		h[i].fd = self->fd;
		h[i].tc = self->tc;
		h[i].ta = self->ta;
		h[i].shared = shared;
		h[i].nshared = NS;
		h[i].seed = 0x1234567 + i;
		h[i].iters = 6000;
		ASSERT_EQ(0, pthread_create(&h[i].th, NULL, hammer_fn, &h[i]));
	}
	for (i = 0; i < NT; i++) {
		ASSERT_EQ(0, pthread_join(h[i].th, NULL));
		EXPECT_STREQ("", h[i].err) TH_LOG("thread %ld", i);
	}
	ASSERT_EQ(0, rg_sync(self->fd));
	ASSERT_LE(0, rg_collect(self->fd, 2, NULL));

	/* Global consistency. */
	m = MEMORY(self->fd);
	n = rg_list_ids(self->fd, &ids);
	ASSERT_EQ((long)m.objects, n);
	all_slots = calloc(n + 1, sizeof(uint64_t));
	ASSERT_NE(NULL, all_slots);	/* incoming slot count per object */
	for (i = 0; i < n; i++) {
		uint64_t got[64];
		long k = rg_slots(self->fd, ids[i], got, 64);

		ASSERT_LE(0, k);
		ASSERT_GE(64, k);
		total_slots += k;
		for (j = 0; j < k; j++) {
			long lo = 0, hi = n - 1, mid = -1;

			while (lo <= hi) {	/* ids are listed sorted */
				mid = (lo + hi) / 2;
				if (ids[mid] == got[j])
					break;
				if (ids[mid] < got[j])
					lo = mid + 1;
				else
					hi = mid - 1;
			}
			ASSERT_EQ(got[j], ids[mid]) TH_LOG("dangling slot");
			all_slots[mid]++;
		}
	}
	EXPECT_EQ((long)m.slots, total_slots);
	for (i = 0; i < n; i++) {
		struct refgc_info info = INFO(self->fd, ids[i]);

		ASSERT_EQ(info.handles + all_slots[i], info.refcount)
			TH_LOG("object %llu", (unsigned long long)ids[i]);
		/* After a full collection everything left is reachable. */
		EXPECT_TRUE(info.handles || all_slots[i]);
	}
	for (i = 0; i < NS; i++)
		EXPECT_EQ(1, INFO(self->fd, shared[i]).handles);
	/* Dropping every handle, then collecting, empties the arena. */
	for (i = 0; i < n; i++) {
		struct refgc_info info;

		if (rg_info(self->fd, ids[i], &info))
			continue;
		while (info.handles--)
			ASSERT_EQ(0, rg_decref(self->fd, ids[i]));
	}
	ASSERT_LE(0, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
	free(ids);
	free(all_slots);
	free(h);
}

/* ---- closing ---- */

TEST_F_TIMEOUT(arena, close_frees_cycles, 200)
{
	enum { N = 20000 };
	struct refgc_op *ops = calloc(3 * N, sizeof(*ops));
	long slab0, slab1, slab2;
	struct refgc_memory m;
	uint32_t tc, tf;
	uint64_t ids[N];
	int fd, i, k;

	ASSERT_NE(NULL, ops);
	slab0 = rg_slab_settled();
	ASSERT_LE(0, slab0);
	fd = rg_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rg_ioctl(fd, REFGC_IOC_DISABLE, NULL));
	ASSERT_EQ(0, rg_type(fd, "c", 0, &tc));
	ASSERT_EQ(0, rg_type(fd, "f", REFGC_TYPE_FINALIZER, &tf));
	for (i = 0; i < N; i++)
		ops[i] = rg_mkop(REFGC_OP_NEW, 0, i % 10 == 9 ? tf : tc,
				 i % 7, 0);
	ASSERT_EQ(0, rg_batch_all(fd, ops, N));
	for (i = 0; i < N; i++)
		ids[i] = ops[i].result;
	/* Pairs, rings of ten, self-loops; then no handles at all. */
	for (i = 0, k = 0; i < N; i++) {
		if (i % 10 == 0)
			ops[k++] = rg_mkop(REFGC_OP_LINK, ids[i], ids[i], 0,
					   0);
		ops[k++] = rg_mkop(REFGC_OP_LINK, ids[i],
				   ids[i % 10 == 9 ? i - 9 : i + 1], 0, 0);
		if (i % 2)
			ops[k++] = rg_mkop(REFGC_OP_LINK, ids[i], ids[i - 1],
					   0, 0);
	}
	ASSERT_EQ(0, rg_batch_all(fd, ops, k));
	for (i = 0, k = 0; i < N; i++) {
		if (i % 100 == 1)	/* weakrefs that stay held */
			ops[k++] = rg_mkop(REFGC_OP_WEAKREF_NEW, ids[i], i,
					   0, 0);
		else
			ops[k++] = rg_mkop(REFGC_OP_DECREF, ids[i], 0, 0, 0);
	}
	ASSERT_EQ(0, rg_batch_all(fd, ops, k));
	/* Some finalizers pending, some on the garbage list. */
	ASSERT_EQ(0, rg_set_value(fd, REFGC_IOC_SET_FLAGS,
				  REFGC_ARENA_LEGACY_FINALIZERS));
	ASSERT_EQ(0, rg_set_value(fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_SAVEALL));
	m = MEMORY(fd);
	EXPECT_EQ(N + N / 100, m.objects);
	EXPECT_EQ(N + N / 10 + N / 2, m.slots);
	ASSERT_LE(0, rg_collect(fd, 2, NULL));
	slab1 = rg_slab_settled();
	EXPECT_LE(slab0 + N, slab1);
	close(fd);
	slab2 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab2)
		TH_LOG("slab: %ld before, %ld full, %ld after close", slab0,
		       slab1, slab2);
	free(ops);
}

TEST_F_TIMEOUT(arena, close_with_pending_finalizers, 60)
{
	long slab0 = rg_slab_settled(), slab1;
	uint32_t tf;
	uint64_t a, b;
	int fd = rg_open();

	ASSERT_LE(0, slab0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rg_type(fd, "f", REFGC_TYPE_FINALIZER, &tf));
	ASSERT_EQ(0, rg_new(fd, tf, 10, &a));
	ASSERT_EQ(0, rg_new(fd, tf, 10, &b));
	ASSERT_EQ(0, rg_link(fd, a, b));
	ASSERT_EQ(0, rg_link(fd, b, a));
	ASSERT_EQ(0, rg_decref(fd, a));
	ASSERT_EQ(0, rg_decref(fd, b));
	ASSERT_LE(0, rg_collect(fd, 2, NULL));	/* both resurrected */
	EXPECT_EQ(2, MEMORY(fd).objects);
	close(fd);				/* events never read */
	slab1 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab1);
}

TEST_HARNESS_MAIN
