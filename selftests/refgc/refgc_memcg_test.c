// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_memcg_test.c - arenas inside a memory cgroup.  With memory.max
 * small and no swap, growing an arena (big payloads, then many small
 * objects by batch, then a slot array) must end in -ENOMEM from the
 * ioctl, not in the OOM killer: the process survives (no SIGKILL),
 * memory.events says the limit was hit and oom_kill stays 0, and the
 * arena works again once something is freed.  Skips when cgroup2 or
 * its memory controller is missing.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"
#include "refgc_cgroup.h"

#define CG_MAX		(32UL << 20)
#define BIG		(1UL << 20)
#define MAX_BIG		256		/* 256 MiB: far past memory.max */

/* What the child reports through the pipe. */
struct grow_report {
	int stage;		/* how far it got; 5 is done */
	int err_big;		/* errno of the NEW that failed, per phase */
	int err_small;
	int err_slots;
	long made_big;		/* big payloads made before the failure */
	long nbig;		/* of those, still held */
	long nsmall;		/* small objects made */
	long nslots;		/* slots made */
	uint32_t batch_done, batch_failed;
	int batch_errno;	/* the failed batch op's error field */
	uint64_t bytes_at_fail;	/* GET_MEMORY.bytes at the first failure */
	uint64_t max_bytes;	/* the arena's own limit */
	int after_free;		/* NEW after freeing: 0 or -errno */
};

/* Grow an arena in the current (limited) cgroup; fill @r. */
static void grow(struct grow_report *r)
{
	uint32_t tc, ta, max = 0;
	struct refgc_memory m;
	struct refgc_limits l;
	struct refgc_op *ops;
	struct refgc_batch b;
	uint64_t big[MAX_BIG], x, id;
	int fd, i, e;

	fd = rg_open();
	if (fd < 0 || rg_type(fd, "c", 0, &tc) ||
	    rg_type(fd, "a", REFGC_TYPE_ATOMIC, &ta))
		return;
	if (rg_ioctl(fd, REFGC_IOC_DISABLE, NULL) ||
	    rg_ioctl(fd, REFGC_IOC_GET_LIMITS, &l))
		return;
	r->max_bytes = l.max_bytes;
	max = rg_max_batch(fd);
	ops = calloc(max, sizeof(*ops));
	if (!ops || !max)
		return;
	r->stage = 1;

	/* 1: 1 MiB payloads until the cgroup is full. */
	for (i = 0; i < MAX_BIG; i++) {
		e = rg_new(fd, ta, BIG, &big[i]);
		if (e) {
			r->err_big = e;
			if (!rg_memory(fd, &m))
				r->bytes_at_fail = m.bytes;
			break;
		}
	}
	r->nbig = i;
	r->made_big = i;
	if (i == MAX_BIG || i < 2)
		return;
	r->stage = 2;
	/* Free two, so there is room to start the next phase. */
	if (rg_decref(fd, big[--r->nbig]) || rg_decref(fd, big[--r->nbig]))
		return;

	/* 2: small objects, a batch at a time, until a NEW fails. */
	for (;;) {
		for (i = 0; i < (int)max; i++) {
			ops[i] = rg_mkop(REFGC_OP_NEW, 0, tc, 0, 0);
			ops[i].error = 12345;
		}
		e = rg_batch(fd, ops, max, 0, &b);
		if (e) {
			r->err_small = e;
			r->batch_done = b.done;
			r->batch_failed = b.failed;
			if (b.done)
				r->batch_errno = ops[b.done - 1].error;
			r->nsmall += b.done - b.failed;
			break;
		}
		r->nsmall += max;
		if (r->nsmall > (long)(CG_MAX / 64))
			return;		/* never failed: not charged */
	}
	r->stage = 3;
	/* Free a few big payloads: room for a growing slot array. */
	for (i = 0; i < 4 && r->nbig; i++)
		if (rg_decref(fd, big[--r->nbig]))
			return;

	/* 3: one container linking to itself until its array cannot grow. */
	if (rg_new(fd, tc, 0, &x))
		return;
	for (;;) {
		for (i = 0; i < (int)max; i++)
			ops[i] = rg_mkop(REFGC_OP_LINK, x, x, 0, 0);
		e = rg_batch(fd, ops, max, 0, &b);
		r->nslots += b.done - b.failed;
		if (e) {
			r->err_slots = e;
			break;
		}
		if (r->nslots > (long)CG_MAX)
			return;
	}
	r->stage = 4;

	/* Freeing makes the arena usable again. */
	if (rg_clear(fd, x, NULL) || rg_decref(fd, x))
		return;
	while (r->nbig)
		if (rg_decref(fd, big[--r->nbig]))
			return;
	r->after_free = rg_new(fd, ta, BIG, &id);
	if (!r->after_free)
		r->after_free = rg_new(fd, tc, 0, &id);
	free(ops);
	close(fd);
	r->stage = 5;
}

TEST(grow_in_small_memcg_gets_enomem_not_oom_kill)
{
	long long max_ev0, oom_kill, max_ev, current;
	struct grow_report r = { 0 };
	const char *why = "";
	char cg[RG_CG_PATH], val[32];
	int p[2], status;
	pid_t pid;

	if (rg_cg_setup(&why))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, rg_cg_create("refgc_memcg", cg));
	snprintf(val, sizeof(val), "%lu", CG_MAX);
	ASSERT_EQ(0, rg_cg_write(cg, "memory.max", val));
	/* No swap to escape into (the file is absent without swap support). */
	rg_cg_write(cg, "memory.swap.max", "0");
	max_ev0 = rg_cg_read_key(cg, "memory.events", "max");
	ASSERT_LE(0, max_ev0);

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		if (rg_cg_enter(cg, 0))
			_exit(2);
		grow(&r);
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(3);
		_exit(r.stage == 5 ? 0 : 1);
	}
	close(p[1]);
	EXPECT_EQ(sizeof(r), read(p[0], &r, sizeof(r)));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	oom_kill = rg_cg_read_key(cg, "memory.events", "oom_kill");
	max_ev = rg_cg_read_key(cg, "memory.events", "max");
	current = rg_cg_read_num(cg, "memory.current");
	EXPECT_EQ(0, rg_cg_destroy(cg));

	TH_LOG("stage %d: %ld x 1 MiB then %d, %ld small then %d (batch done %u failed %u, op error %d), %ld slots then %d; bytes %llu at first failure; memcg max events %lld, oom_kill %lld, current %lld",
	       r.stage, r.made_big, r.err_big, r.nsmall, r.err_small,
	       r.batch_done, r.batch_failed, r.batch_errno, r.nslots,
	       r.err_slots, (unsigned long long)r.bytes_at_fail, max_ev,
	       oom_kill, current);
	/* Not killed: it got errors and went on. */
	ASSERT_FALSE(WIFSIGNALED(status))
		TH_LOG("child killed by signal %d", WTERMSIG(status));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, oom_kill);
	EXPECT_LT(max_ev0, max_ev);	/* memory.max was what stopped it */
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(5, r.stage);

	EXPECT_EQ(-ENOMEM, r.err_big);
	/* The cgroup, not the arena's own 1 GiB limit, said no. */
	EXPECT_GT(r.max_bytes, r.bytes_at_fail + BIG);
	EXPECT_GE(CG_MAX, r.bytes_at_fail);
	EXPECT_LT(2, r.made_big);
	EXPECT_EQ(-ENOMEM, r.err_small);
	EXPECT_EQ(-ENOMEM, r.batch_errno);
	EXPECT_EQ(1, r.batch_failed);
	EXPECT_LT(0, r.nsmall);
	EXPECT_EQ(-ENOMEM, r.err_slots);
	EXPECT_LT(0, r.nslots);
	EXPECT_EQ(0, r.after_free);
}

TEST_HARNESS_MAIN
