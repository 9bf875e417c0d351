// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_hostile_test.c - hostile input: a random driver of calls that are
 * each invalid in at least one way (wrong direction or size bits, short
 * or long structs with a nonzero tail, NULL, unmapped, PROT_NONE,
 * read-only, kernel-half, non-canonical and page-straddling pointers,
 * reserved fields, unknown flags, huge counts, foreign and never-used
 * ids), over every REFGC_IOC_* command, unknown commands, read(),
 * readv(), write(), mmap(), lseek() and poll().  Every call must return
 * an errno allowed for what was wrong with it, and the arena (and a
 * second arena whose ids are used as foreign ones) must be exactly as
 * before: a deep snapshot is compared after every burst.  Read-only
 * calls may succeed.  Also: garbage written to the debugfs control file,
 * every debugfs file read while objects exist, and debugfs root-only.
 *
 * REFGC_SEED sets the seed (printed); REFGC_SOAK=1 runs >= 10^6 calls.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <glob.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"
#include "refgc_deep_snap.h"
#include "refgc_hostile.h"

FIXTURE(hostile) {
	struct hctx h;
	struct dsnap s, s2;
};

FIXTURE_SETUP(hostile)
{
	struct hctx *h = &self->h;
	struct refgc_memory mem;
	struct refgc_event evs[64];
	struct refgc_collect col;
	uint64_t x, y, tmp;
	char pay[100];
	uint32_t tc2;
	int i;

	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->fd2 = -1;
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
	h->seed = time(NULL) ^ getpid();
	if (getenv("REFGC_SEED"))
		h->seed = strtoull(getenv("REFGC_SEED"), NULL, 0);
	if (!h->seed)
		h->seed = 1;
	h->seed0 = h->seed;
	TH_LOG("seed %" PRIu64 " (REFGC_SEED to repeat)", h->seed);
	ASSERT_EQ(0, hmem_init(&h->m));
	h->fd = rg_open();
	h->fd2 = rg_open();
	ASSERT_LE(0, h->fd);
	ASSERT_LE(0, h->fd2);
	h->max_batch = rg_max_batch(h->fd);
	ASSERT_LT(0, h->max_batch);

	ASSERT_EQ(0, rg_type(h->fd, "node", 0, &h->tc));
	ASSERT_EQ(0, rg_type(h->fd, "blob", REFGC_TYPE_ATOMIC, &h->ta));
	ASSERT_EQ(0, rg_type(h->fd, "fin", REFGC_TYPE_FINALIZER, &h->tf));
	h->ntypes = h->tf + 1;
	ASSERT_EQ(0, rg_ioctl(h->fd, REFGC_IOC_DISABLE, NULL));
	ASSERT_EQ(0, rg_set_threshold(h->fd, 0, 10, 10));
	h->c1 = NEW(h->fd, h->tc, 0);
	h->c2 = NEW(h->fd, h->tc, 16);
	h->c3 = NEW(h->fd, h->tc, 0);
	h->a1 = NEW(h->fd, h->ta, 100);
	for (i = 0; i < 100; i++)
		pay[i] = i * 7 + 1;
	ASSERT_EQ(0, rg_pwrite(h->fd, h->a1, 0, 100, pay));
	ASSERT_EQ(0, rg_link(h->fd, h->c1, h->c2));
	ASSERT_EQ(0, rg_link(h->fd, h->c1, h->a1));
	ASSERT_EQ(0, rg_link(h->fd, h->c2, h->c3));
	ASSERT_EQ(0, rg_link(h->fd, h->c3, h->c1));
	ASSERT_EQ(0, rg_decref(h->fd, h->c3));	/* no handle left */
	ASSERT_EQ(0, rg_ioctl(h->fd, REFGC_IOC_FREEZE, NULL));
	h->c4 = NEW(h->fd, h->tc, 8);
	ASSERT_EQ(0, rg_weakref(h->fd, h->c1, 42, true, &h->w1));
	tmp = NEW(h->fd, h->ta, 0);
	ASSERT_EQ(0, rg_weakref(h->fd, tmp, 43, false, &h->wdead));
	ASSERT_EQ(0, rg_decref(h->fd, tmp));
	h->dead = tmp;
	/* Legacy garbage, by SAVEALL. */
	make_cycle(_metadata, h->fd, h->tc, &x, &y);
	ASSERT_EQ(0, rg_set_value(h->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_SAVEALL));
	ASSERT_LE(2, rg_collect(h->fd, 0, &col));
	ASSERT_EQ(0, rg_set_value(h->fd, REFGC_IOC_SET_DEBUG, 0));
	/* Drain, then queue a known number of events, FINALIZE last. */
	ASSERT_LE(0, rg_events(h->fd, evs, 64));
	for (i = 0; i < NFIXED; i++)
		ASSERT_LE(0, rg_collect(h->fd, 0, &col));
	h->f1 = NEW(h->fd, h->tf, 0);
	ASSERT_EQ(0, rg_decref(h->fd, h->f1));	/* FINALIZE pending */

	h->live[h->nlive++] = h->c1;
	h->live[h->nlive++] = h->c2;
	h->live[h->nlive++] = h->c3;
	h->live[h->nlive++] = h->c4;
	h->live[h->nlive++] = h->a1;
	h->live[h->nlive++] = h->w1;
	h->live[h->nlive++] = h->wdead;
	h->live[h->nlive++] = h->f1;
	h->live[h->nlive++] = x;
	h->live[h->nlive++] = y;

	mem = MEMORY(h->fd);
	h->next_id = mem.next_id;

	/*
	 * The foreign arena: ids live there that must be ENOENT here.  Ids
	 * are per arena, so its ids are first moved past this arena's.
	 */
	ASSERT_EQ(0, rg_type(h->fd2, "other", 0, &tc2));
	while (MEMORY(h->fd2).next_id < h->next_id)
		ASSERT_EQ(0, rg_decref(h->fd2, NEW(h->fd2, tc2, 0)));
	for (i = 0; i < 3; i++)
		h->foreign[i] = NEW(h->fd2, tc2, 8);
	ASSERT_EQ(0, rg_link(h->fd2, h->foreign[0], h->foreign[1]));
	h->nr_objects = mem.objects;
	h->bytes = mem.bytes;
	ASSERT_LE(2, h->nr_objects);
	h->lim = get_limits(h->fd);
	h->modmax = h->lim;	/* fresh arena: the module's own limits */
	if (ds_debugfs_dir(getpid(), 0, h->dbg, sizeof(h->dbg)))
		h->dbg[0] = 0;
	TH_LOG("debugfs: %s", h->dbg[0] ? h->dbg : "not readable");
	ASSERT_EQ(0, ds_take(h->fd, h->dbg[0] ? h->dbg : NULL, &self->s));
	ASSERT_EQ(0, ds_take(h->fd2, NULL, &self->s2));
}

FIXTURE_TEARDOWN(hostile)
{
	ds_free(&self->s);
	ds_free(&self->s2);
	if (self->h.fd >= 0)
		close(self->h.fd);
	if (self->h.fd2 >= 0)
		close(self->h.fd2);
}

/* The arena and the foreign arena are exactly as at setup. */
static int unchanged(struct hctx *h, struct dsnap *s, struct dsnap *s2)
{
	return !ds_differs(h->fd, h->dbg[0] ? h->dbg : NULL, s) &&
	       !ds_differs(h->fd2, NULL, s2) && hmem_hole_ok(&h->m);
}

TEST_F_TIMEOUT(hostile, random_calls_fail_cleanly, 3600)
{
	struct hctx *h = &self->h;
	long n = 100000, i;
	struct refgc_event evs[64];
	struct timespec t0, t1;
	int got;

	if (getenv("REFGC_SOAK") && !strcmp(getenv("REFGC_SOAK"), "1"))
		n = 2000000;
	n = rg_scale(n, 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; h->calls < n; i++) {
		int k = R(h) % 100, r;

		if (k < 80)
			r = hostile_ioctl(h);
		else if (k < 90)
			r = unknown_ioctl(h);
		else
			r = hostile_file(h);
		ASSERT_EQ(0, r) TH_LOG("seed %" PRIu64, h->seed0);
		if (!(i % BURST))
			ASSERT_TRUE(unchanged(h, &self->s, &self->s2))
				TH_LOG("arena changed within the %ld calls before call %ld",
				       (long)BURST, h->calls);
	}
	ASSERT_TRUE(unchanged(h, &self->s, &self->s2));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# hostile calls: %ld in %.1f s (seed %" PRIu64 ")\n", h->calls,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       h->seed0);
	/* Not one event was consumed: the queue holds exactly the setup's. */
	got = rg_events(h->fd, evs, 64);
	ASSERT_EQ(2 * NFIXED + 1, got);
	ASSERT_EQ(1, rg_count_events(evs, got, REFGC_EV_FINALIZE, h->f1));
	ASSERT_EQ(NFIXED, rg_count_events(evs, got, REFGC_EV_GC_STOP, 0));
}

/*
 * With REFGC_BATCH_CONTINUE every op runs and the ioctl returns 0, also
 * when the last op failed with -EFAULT because of its own bad addr: that
 * is the op's error, not a fault of the op array.  (The module used to
 * return -EFAULT here.)
 */
TEST_F(hostile, batch_continue_last_op_efault)
{
	struct hctx *h = &self->h;
	struct refgc_op ops[2] = {
		rg_mkop(REFGC_OP_INCREF, h->dead, 0, 0, 0),
		rg_mkop(REFGC_OP_READ, h->a1, 0, 8, (uintptr_t)h->m.hole),
	};
	struct refgc_batch b;

	ASSERT_EQ(0, rg_batch(h->fd, ops, 2, REFGC_BATCH_CONTINUE, &b));
	EXPECT_EQ(2, b.done);
	EXPECT_EQ(2, b.failed);
	EXPECT_EQ(-ENOENT, ops[0].error);
	EXPECT_EQ(-EFAULT, ops[1].error);
	/* Without CONTINUE the first failure is the ioctl's. */
	ASSERT_EQ(-EFAULT, rg_batch(h->fd, ops + 1, 1, 0, &b));
	EXPECT_EQ(1, b.done);
	ASSERT_TRUE(unchanged(h, &self->s, &self->s2));
}

/* debugfs: garbage control input, every file read, root-only. */
TEST_F_TIMEOUT(hostile, debugfs_control_garbage, 600)
{
	struct hctx *h = &self->h;
	char path[PATH_MAX + 16], *buf = h->m.data.base;
	long n = rg_scale(20000, 10), i;
	int fd;

	if (!h->dbg[0])
		SKIP(return, "no readable debugfs directory for the arena");
	snprintf(path, sizeof(path), "%s/control", h->dbg);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < n; i++) {
		size_t len = bad_command(h, buf, 2 * PG);
		ssize_t r;
		void *p = buf;

		if (R(h) % 8 == 0) {
			size_t wlen;
			char *wr;

			p = (void *)(uintptr_t)hmem_ptr(&h->m, &h->m.data,
							bad_kind(R(h), false),
							len, R(h), &wr, &wlen);
			if (wr && wr != buf)
				memmove(wr, buf, len < wlen ? len : wlen);
		}
		if (R(h) % 16 == 0)
			len = R(h) % 2 ? ~(size_t)0 >> 1 : 1UL << (12 + R(h) % 30);
		if (R(h) % 2)
			r = write(fd, p, len);
		else
			r = pwrite(fd, p, len, R(h) % 4096);
		h->calls++;
		ASSERT_GT(0, r) TH_LOG("control accepted %zu bytes \"%.*s\"",
				       len, (int)(len < 64 ? len : 64), buf);
		/* seq_file control: no pwrite() (ESPIPE). */
		ASSERT_TRUE(errno == EINVAL || errno == EFAULT ||
			    errno == ESPIPE)
			TH_LOG("errno %d", errno);
		if (!(i % BURST))
			ASSERT_TRUE(unchanged(h, &self->s, &self->s2));
	}
	close(fd);
	ASSERT_TRUE(unchanged(h, &self->s, &self->s2));
	printf("# control garbage writes: %ld\n", h->calls);
}

TEST_F(hostile, debugfs_read_everything)
{
	struct hctx *h = &self->h;
	size_t cap = 1 << 20, i, j;
	char *out = malloc(cap), p[PATH_MAX + 16];
	glob_t g;

	ASSERT_NE(NULL, out);
	if (!h->dbg[0])
		SKIP(return, "no readable debugfs directory for the arena");
	ASSERT_EQ(0, glob("/sys/kernel/debug/refgc/arenas/*/*", 0, NULL, &g));
	ASSERT_LE(10, g.gl_pathc);	/* both arenas, five files each */
	for (i = 0; i < g.gl_pathc; i++)
		ASSERT_LE(0, read_chunks(h, g.gl_pathv[i], out, cap))
			TH_LOG("%s", g.gl_pathv[i]);
	globfree(&g);
	ASSERT_LT(0, read_chunks(h, "/sys/kernel/debug/refgc/stats", out,
				 cap));
	/* Every live object is listed, by id, once. */
	snprintf(p, sizeof(p), "%s/objects", h->dbg);
	ASSERT_LT(0, read_chunks(h, p, out, cap));
	for (i = 0; i < (size_t)h->nlive; i++) {
		char id[32], *s = out;
		int found = 0;

		j = snprintf(id, sizeof(id), "%" PRIu64 " ", h->live[i]);
		for (; s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
			found += !strncmp(s, id, j);
		EXPECT_EQ(1, found) TH_LOG("object %s", id);
	}
	snprintf(p, sizeof(p), "%s/graph.dot", h->dbg);
	ASSERT_LT(0, read_chunks(h, p, out, cap));
	EXPECT_EQ(0, strncmp(out, "digraph", 7));
	free(out);
	ASSERT_TRUE(unchanged(h, &self->s, &self->s2));
}

TEST_F(hostile, debugfs_root_only)
{
	static const struct { const char *name; mode_t mode; } files[] = {
		{ "stats", 0400 }, { "objects", 0400 }, { "garbage", 0400 },
		{ "graph.dot", 0400 }, { "control", 0600 },
	};
	struct hctx *h = &self->h;
	char p[PATH_MAX + 16];
	struct stat st;
	int status;
	size_t i;
	pid_t pid;

	if (!h->dbg[0] || geteuid())
		SKIP(return, "needs root and a readable debugfs");
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", h->dbg, files[i].name);
		ASSERT_EQ(0, stat(p, &st));
		EXPECT_EQ(files[i].mode, st.st_mode & 07777) TH_LOG("%s", p);
		EXPECT_EQ(0, st.st_uid);
	}
	ASSERT_EQ(0, stat("/sys/kernel/debug/refgc/stats", &st));
	EXPECT_EQ(0400, st.st_mode & 07777);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int bad = 0;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		for (i = 0; i < ARRAY_SIZE(files); i++) {
			int fd;

			snprintf(p, sizeof(p), "%s/%s", h->dbg, files[i].name);
			fd = open(p, files[i].mode & 0200 ? O_RDWR : O_RDONLY);
			if (fd >= 0 || errno != EACCES) {
				fprintf(stderr, "# %s: fd %d errno %d\n", p,
					fd, errno);
				bad = 1;
			}
		}
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
