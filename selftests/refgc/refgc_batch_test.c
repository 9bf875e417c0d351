// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_batch_test.c - REFGC_IOC_BATCH: per-op results and errors,
 * stopping at the first failure or CONTINUE, count and op_size
 * checks, faults midway, and random op sequences run both as single
 * ops and as batches, which must agree.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#include "refgc_fixture.h"

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
	long id;	/* index, or -1 for id 0, -2 for a never-given id */
	long arg;	/* index when arg_is_obj */
	int arg_is_obj;
	uint64_t arg2;
	int buf;	/* uses a per-op buffer */
};

static uint64_t twin_id(struct twin *t, int side, long idx)
{
	if (idx == -1)
		return 0;
	if (idx == -2)	/* ids are per arena: one neither gave out */
		return (1ULL << 40) + t->n;
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

/*
 * The kernel copies plain ops in chunks; a failure deep in a later chunk
 * must still stop the batch right there, with every earlier result
 * written back and nothing after it run or touched.
 */
TEST_F(arena, batch_failure_across_chunks)
{
	enum { N = 300, BAD = 201 };
	struct refgc_op *ops = calloc(N, sizeof(*ops));
	struct refgc_batch b;
	uint64_t id;
	int i;

	ASSERT_NE(NULL, ops);
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &id));
	for (i = 0; i < N; i++)
		ops[i] = rg_mkop(REFGC_OP_INCREF, id, 0, 0, 0);
	ops[BAD] = rg_mkop(REFGC_OP_INCREF, id + 1000000, 0, 0, 0);
	ops[N - 1].result = 77;
	EXPECT_EQ(-ENOENT, rg_batch(self->fd, ops, N, 0, &b));
	EXPECT_EQ(BAD + 1, b.done);
	EXPECT_EQ(1, b.failed);
	for (i = 0; i < BAD; i++) {
		EXPECT_EQ(0, ops[i].error);
		EXPECT_EQ(i + 2, ops[i].result);
	}
	EXPECT_EQ(-ENOENT, ops[BAD].error);
	EXPECT_EQ(0, ops[BAD + 1].error);
	EXPECT_EQ(0, ops[BAD + 1].result);
	EXPECT_EQ(77, ops[N - 1].result);
	EXPECT_EQ(BAD + 1, INFO(self->fd, id).handles);

	/* With CONTINUE every op runs, in every chunk. */
	EXPECT_EQ(0, rg_batch(self->fd, ops, N, REFGC_BATCH_CONTINUE, &b));
	EXPECT_EQ(N, b.done);
	EXPECT_EQ(1, b.failed);
	EXPECT_EQ(BAD + N, INFO(self->fd, id).handles);
	EXPECT_EQ(BAD + N, ops[N - 1].result);
	free(ops);
}

/*
 * An op's output at @addr may be the next op's input: ops run strictly
 * in order, each reading its struct after the previous one wrote.  Here
 * GET_SLOTS writes a slot's id into the next op's @id field.
 */
TEST_F(arena, batch_op_output_feeds_next_op)
{
	struct refgc_op ops[3];
	struct refgc_batch b;
	uint64_t src, dst;

	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &src));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &dst));
	ASSERT_EQ(0, rg_link(self->fd, src, dst));
	ops[0] = rg_mkop(REFGC_OP_GET_SLOTS, src, 0, 1, (uintptr_t)&ops[1].id);
	ops[1] = rg_mkop(REFGC_OP_INCREF, 0, 0, 0, 0);
	ops[2] = rg_mkop(REFGC_OP_INCREF, src, 0, 0, 0);
	ASSERT_EQ(0, rg_batch(self->fd, ops, 3, 0, &b));
	EXPECT_EQ(3, b.done);
	EXPECT_EQ(dst, ops[1].id);
	EXPECT_EQ(2, ops[1].result);
	EXPECT_EQ(2, INFO(self->fd, dst).handles);
}

TEST_HARNESS_MAIN
