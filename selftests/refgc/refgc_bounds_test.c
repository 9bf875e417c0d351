// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_bounds_test.c - work per lock hold is bounded, and long ops are
 * killable:
 *  - outputs larger than one kernel chunk (GET_SLOTS, GET_REFERRERS,
 *    LIST, READ, WRITE) come back whole and exact across chunk
 *    boundaries;
 *  - a batch of slow ops dies within seconds of SIGKILL, and the batch's
 *    @done (written back on the way out) says exactly which ops ran;
 *  - REFGC_IOC_SYNC under O_NONBLOCK is -EAGAIN while a collection is
 *    queued or running, instead of waiting for it.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#include "refgc_fixture.h"

static bool debug_kernel(void)
{
	const char *d = getenv("REFGC_DEBUG_KERNEL");

	return d && *d == '1';
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* @n new objects of type @t in batches; their ids into @ids. */
static int new_many(int fd, uint32_t t, size_t n, uint64_t *ids)
{
	size_t max = rg_max_batch(fd), i, j;
	struct refgc_op *ops = calloc(max, sizeof(*ops));
	int r = 0;

	if (!ops)
		return -ENOMEM;
	for (i = 0; i < n && !r; i += max) {
		size_t k = n - i < max ? n - i : max;

		for (j = 0; j < k; j++)
			ops[j] = rg_mkop(REFGC_OP_NEW, 0, t, 0, 0);
		r = rg_batch(fd, ops, k, 0, NULL);
		for (j = 0; j < k && ids; j++)
			ids[i + j] = ops[j].result;
	}
	free(ops);
	return r;
}

/* More than one chunk (16 KiB, 2048 ids, 1024 entries) of every output. */
TEST_F(arena, outputs_larger_than_a_chunk_are_whole)
{
	const size_t n = 5000, plen = 100000;
	uint64_t *kids = calloc(n, sizeof(*kids)), *got = calloc(n + 8, 8);
	unsigned char *in = malloc(plen), *out = malloc(plen);
	struct refgc_entry *e;
	uint64_t parent, blob;
	size_t i;
	long r;

	ASSERT_TRUE(kids && got && in && out);
	parent = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, new_many(self->fd, self->tc, n, kids));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, rg_link(self->fd, parent, kids[i]));
	/* Every slot, in order; a short capacity still reports them all. */
	memset(got, 0xff, (n + 8) * 8);
	ASSERT_EQ(n, rg_slots(self->fd, parent, got, n + 8));
	for (i = 0; i < n; i++)
		ASSERT_EQ(kids[i], got[i]) TH_LOG("slot %zu", i);
	EXPECT_EQ(UINT64_MAX, got[n]);
	memset(got, 0xff, (n + 8) * 8);
	ASSERT_EQ(n, rg_slots(self->fd, parent, got, 3000));
	EXPECT_EQ(kids[2999], got[2999]);
	EXPECT_EQ(UINT64_MAX, got[3000]);

	/* n referrers of one object, found in id order, counted past cap. */
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, rg_link(self->fd, kids[i], parent));
	memset(got, 0xff, (n + 8) * 8);
	ASSERT_EQ(n, rg_referrers(self->fd, parent, got, n + 8));
	for (i = 0; i < n; i++)
		ASSERT_EQ(kids[i], got[i]) TH_LOG("referrer %zu", i);
	memset(got, 0xff, (n + 8) * 8);
	ASSERT_EQ(n, rg_referrers(self->fd, parent, got, 2500));
	EXPECT_EQ(kids[2499], got[2499]);
	EXPECT_EQ(UINT64_MAX, got[2500]);

	/* LIST in one call (capacity > a chunk) and in odd pages. */
	r = rg_list(self->fd, REFGC_LIST_OBJECTS, REFGC_LIST_ALL_GENERATIONS,
		    65536, &e);
	ASSERT_EQ(n + 1, r);
	EXPECT_EQ(parent, e[0].id);
	for (i = 0; i < n; i++)
		ASSERT_EQ(kids[i], e[i + 1].id);
	free(e);
	r = rg_list(self->fd, REFGC_LIST_OBJECTS, REFGC_LIST_ALL_GENERATIONS,
		    1500, &e);
	ASSERT_EQ(n + 1, r);
	EXPECT_EQ(kids[n - 1], e[n].id);
	free(e);
	/* A filter that skips every container finds nothing, and ends. */
	r = rg_list(self->fd, REFGC_LIST_OBJECTS, REFGC_GEN_UNTRACKED, 100,
		    &e);
	EXPECT_EQ(0, r);
	free(e);

	/* A payload of several chunks, written and read back. */
	blob = NEW(self->fd, self->ta, plen);
	for (i = 0; i < plen; i++)
		in[i] = i * 7 + (i >> 13);
	ASSERT_EQ(0, rg_pwrite(self->fd, blob, 0, plen, in));
	ASSERT_EQ(0, rg_pread(self->fd, blob, 0, plen, out));
	EXPECT_EQ(0, memcmp(in, out, plen));
	ASSERT_EQ(0, rg_pread(self->fd, blob, 20000, 40000, out));
	EXPECT_EQ(0, memcmp(in + 20000, out, 40000));
	free(kids);
	free(got);
	free(in);
	free(out);
}

/* A shared page: the batch struct and its ops, seen after the kill. */
struct killed_batch {
	struct refgc_batch b;
	struct refgc_op ops[];
};

TEST_F_TIMEOUT(arena, sigkill_ends_a_long_batch_with_done_exact, 900)
{
	size_t nobj = debug_kernel() ? 100000 : 400000, i, news = 0;
	uint32_t count = rg_max_batch(self->fd);
	size_t sz = sizeof(struct killed_batch) + count * sizeof(struct refgc_op);
	struct killed_batch *kb = mmap(NULL, sz, PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct refgc_memory m0, m1;
	uint64_t target;
	int pfd[2], status;
	double t0, t1;
	pid_t pid;
	char c;

	ASSERT_NE(MAP_FAILED, kb);
	ASSERT_EQ(0, new_many(self->fd, self->ta, nobj, NULL));
	target = NEW(self->fd, self->tc, 0);
	/*
	 * Each GET_REFERRERS scans every object: the whole batch takes
	 * seconds even natively.  Every 16th op is a NEW, so that the arena
	 * itself shows how many ran.
	 */
	for (i = 0; i < count; i++) {
		kb->ops[i] = i % 16 ?
			rg_mkop(REFGC_OP_GET_REFERRERS, target, 0, 0, 0) :
			rg_mkop(REFGC_OP_NEW, 0, self->ta, 0, 0);
		kb->ops[i].result = 777;
		kb->ops[i].error = 12345;
	}
	kb->b = (struct refgc_batch){ .ops = (uintptr_t)kb->ops,
				      .count = count,
				      .op_size = sizeof(struct refgc_op) };
	m0 = MEMORY(self->fd);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(pfd[0]);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		ioctl(self->fd, REFGC_IOC_BATCH, &kb->b);
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(1, read(pfd[0], &c, 1));
	close(pfd[0]);
	usleep(300000);
	t0 = now_s();
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t1 = now_s();
	ASSERT_TRUE(WIFSIGNALED(status));
	TH_LOG("%zu objects: the killed batch ended %.0f ms after SIGKILL, %u of %u ops done",
	       nobj, (t1 - t0) * 1000, kb->b.done, count);
	EXPECT_GT(3.0, t1 - t0);
	ASSERT_GT(count, kb->b.done) TH_LOG("the batch finished before the kill");
	/* Exactly the first @done ops ran; nothing after them did. */
	for (i = 0; i < count; i++) {
		struct refgc_op *op = &kb->ops[i];

		if (i < kb->b.done) {
			ASSERT_EQ(0, op->error) TH_LOG("op %zu", i);
			if (op->op == REFGC_OP_NEW)
				news++;
			else
				ASSERT_EQ(0, op->result) TH_LOG("op %zu", i);
		} else {
			ASSERT_EQ(12345, op->error) TH_LOG("op %zu", i);
			ASSERT_EQ(777, op->result) TH_LOG("op %zu", i);
		}
	}
	EXPECT_EQ(0, kb->b.failed);
	m1 = MEMORY(self->fd);
	EXPECT_EQ(m0.objects + news, m1.objects);
	munmap(kb, sz);
}

/*
 * Whether SYNC|O_NONBLOCK sees the queued collection depends on whether
 * the worker (on another CPU) finished it before the SYNC came: no size
 * is right for every machine.  So each try that lost the race doubles the
 * generation, until its collection outlasts two syscalls; on a fast or a
 * slow kernel alike, a few doublings decide it.
 */
TEST_F_TIMEOUT(arena, sync_nonblock_does_not_wait, 600)
{
	size_t n = debug_kernel() ? 4096 : 16384, cap = 1 << 20;
	int fl = fcntl(self->fd, F_GETFL), tries = 0, eagain = 0;
	uint64_t *ids = NULL;
	size_t i;

	/* Nothing queued: 0 at once. */
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(0, rg_sync(self->fd));
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl));
	for (; n <= cap && !eagain; n *= 2) {
		uint64_t id;

		tries++;
		free(ids);
		ids = calloc(n, sizeof(*ids));
		ASSERT_NE(NULL, ids);
		/* n objects in generation 0, without a collection yet... */
		ASSERT_EQ(0, rg_set_threshold(self->fd, 0, 10, 10));
		ASSERT_EQ(0, new_many(self->fd, self->tc, n, ids));
		/* ...until the NEW that crosses threshold0 queues one. */
		ASSERT_EQ(0, rg_set_threshold(self->fd, n / 2, 10, 10));
		ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &id));
		ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
		eagain = rg_sync(self->fd) == -EAGAIN;
		ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl));
		/* A blocking SYNC waits for it; then nothing is queued. */
		ASSERT_EQ(0, rg_sync(self->fd));
		ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
		EXPECT_EQ(0, rg_sync(self->fd));
		ASSERT_EQ(0, fcntl(self->fd, F_SETFL, fl));
		for (i = 0; i < n; i++)
			ASSERT_EQ(0, rg_decref(self->fd, ids[i]));
		ASSERT_EQ(0, rg_decref(self->fd, id));
	}
	TH_LOG("SYNC|O_NONBLOCK saw the queued collection after %d tries, at %zu objects",
	       tries, n / 2);
	EXPECT_TRUE(eagain);
	free(ids);
}

TEST_HARNESS_MAIN
