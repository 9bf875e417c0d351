// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_abi_test.c - the ABI against bad input: one assert per errno
 * for each kind of bad type, op, slot, payload and list request,
 * reserved and unused fields, struct sizes (larger, smaller, nonzero
 * tails), and bad or read-only pointers.  Every failing operation is
 * checked to change nothing (GET_MEMORY and the object list before and
 * after).
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#include "refgc_fixture.h"

/* ---- types ---- */

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

/* ---- payload ---- */

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

TEST_HARNESS_MAIN
