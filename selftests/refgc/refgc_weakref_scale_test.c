// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_weakref_scale_test.c - many weakrefs to one referent.  A million
 * weakrefs to one object, each held only by a slot of one container C,
 * all die when C's last handle goes: one DECREF frees them, oldest first.
 * Unlinking each from its referent's list must cost O(1), not a search:
 * the old singly-linked list made that N^2/2 steps (76 s at 100,000 in
 * TCG, hours at a million) under the arena lock, where SIGKILL could not
 * reach.  So: the million are freed within the harness timeout, by a
 * DECREF or by a collection that finds C in a cycle (the collector
 * unlinks each from the referent's list too), and a process killed
 * during that DECREF is reaped within a generous deadline.
 * 20,000 instead of a million when REFGC_DEBUG_KERNEL=1.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#include "refgc_fixture.h"

#define KILL_DEADLINE_S	60	/* generous: seconds, where the bug took hours */

/*
 * @n weakrefs to a fresh atomic object *@referent, each linked into a fresh
 * container *@c and then dropped, so that only *@c holds them.  The
 * collector is off: this is about refcounting.  0 or -errno.
 */
static int weakref_fan(int fd, uint32_t tc, uint32_t ta, long n,
		       uint64_t *c, uint64_t *referent)
{
	uint32_t max = rg_max_batch(fd);
	struct refgc_op *ops = calloc(max, sizeof(*ops));
	uint64_t r = 0;
	long done = 0;
	uint32_t i, k;
	int err;

	if (!ops || !max)
		return -ENOMEM;
	err = rg_ioctl(fd, REFGC_IOC_DISABLE, NULL);
	if (!err)
		err = rg_new(fd, ta, 0, &r);
	if (!err)
		err = rg_new(fd, tc, 0, c);
	while (!err && done < n) {
		k = n - done < max ? n - done : max;
		/* With callbacks, so that each is its own weakref. */
		for (i = 0; i < k; i++) {
			ops[i] = rg_mkop(REFGC_OP_WEAKREF_NEW, r, i, 0, 0);
			ops[i].flags = REFGC_WEAKREF_CALLBACK;
		}
		err = rg_batch_all(fd, ops, k);
		for (i = 0; !err && i < k; i++)
			ops[i] = rg_mkop(REFGC_OP_LINK, *c, ops[i].result, 0,
					 0);
		if (!err)
			err = rg_batch_all(fd, ops, k);
		for (i = 0; !err && i < k; i++)
			ops[i] = rg_mkop(REFGC_OP_WEAKREF_DROP, ops[i].arg, 0,
					 0, 0);
		if (!err)
			err = rg_batch_all(fd, ops, k);
		done += k;
	}
	free(ops);
	if (referent)
		*referent = r;
	return err;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST_F_TIMEOUT(arena, million_weakrefs_freed_by_one_decref, 600)
{
	const long n = rg_scale(1000000, 50);
	struct refgc_memory m;
	struct refgc_info info;
	uint64_t c, r;
	double t;

	ASSERT_EQ(0, weakref_fan(self->fd, self->tc, self->ta, n, &c, &r));
	m = MEMORY(self->fd);
	ASSERT_EQ(n + 2, m.objects);
	ASSERT_EQ(n, m.slots);
	info = INFO(self->fd, c);
	ASSERT_EQ(n, info.slots);
	t = now_s();
	ASSERT_EQ(0, rg_decref(self->fd, c));
	TH_LOG("%ld weakrefs freed by one DECREF in %.2f s", n, now_s() - t);
	m = MEMORY(self->fd);
	EXPECT_EQ(1, m.objects);	/* the referent, alone */
	EXPECT_EQ(0, m.slots);
	EXPECT_TRUE(DEAD(self->fd, c));
	/* And the referent dies alone, with no weakref left to clear. */
	EXPECT_EQ(0, rg_decref(self->fd, r));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
	EXPECT_EQ(0, MEMORY(self->fd).bytes);
}

TEST_F_TIMEOUT(arena, million_weakrefs_freed_by_one_collection, 600)
{
	const long n = rg_scale(1000000, 50);
	struct refgc_collect col;
	uint64_t c, r;
	double t;

	ASSERT_EQ(0, weakref_fan(self->fd, self->tc, self->ta, n, &c, &r));
	/* C in a cycle of its own, with no handle: garbage, and so are all. */
	ASSERT_EQ(0, rg_link(self->fd, c, c));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	ASSERT_EQ(n + 2, MEMORY(self->fd).objects);
	t = now_s();
	EXPECT_EQ(n + 1, rg_collect(self->fd, 2, &col));
	TH_LOG("%ld weakrefs freed by one collection in %.2f s", n,
	       now_s() - t);
	EXPECT_EQ(1, MEMORY(self->fd).objects);	/* the referent */
	EXPECT_EQ(0, rg_decref(self->fd, r));
	EXPECT_EQ(0, MEMORY(self->fd).bytes);
}

TEST_F_TIMEOUT(arena, sigkill_during_long_op_reaped_quickly, 600)
{
	const long n = rg_scale(1000000, 50);
	int p[2], status = 0;
	double t, waited;
	pid_t pid, got = 0;
	char go;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t c;

		close(p[0]);
		if (weakref_fan(self->fd, self->tc, self->ta, n, &c, NULL))
			_exit(2);
		if (write(p[1], "g", 1) != 1)
			_exit(3);
		rg_decref(self->fd, c);		/* the long op */
		pause();			/* SIGKILL ends it */
		_exit(4);
	}
	close(p[1]);
	ASSERT_EQ(1, read(p[0], &go, 1)) TH_LOG("the child failed to set up");
	close(p[0]);
	/* Most likely inside the DECREF by then; if not, no harm. */
	usleep(500000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	t = now_s();
	while (now_s() - t < KILL_DEADLINE_S) {
		got = waitpid(pid, &status, WNOHANG);
		if (got)
			break;
		usleep(10000);
	}
	waited = now_s() - t;
	TH_LOG("killed during a DECREF freeing %ld weakrefs: reaped after %.2f s",
	       n, waited);
	ASSERT_EQ(pid, got) TH_LOG("not dead %d s after SIGKILL",
				   KILL_DEADLINE_S);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
}

TEST_HARNESS_MAIN
