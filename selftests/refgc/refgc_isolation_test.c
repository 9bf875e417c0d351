// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_isolation_test.c - limits under REFGC_IOC_BATCH and isolation.
 * A batch that crosses max_objects, max_bytes or max_payload stops at
 * exactly the op that would cross it (ENOSPC, ENOMEM, EFBIG), with the
 * ops before it applied and the ones after it untouched; with CONTINUE
 * every op past the limit fails alone; four threads batching into one
 * limited arena never get past the limit together.  An arena cannot be
 * reached without its file: ids are per arena, so another arena's live
 * objects are named by ids this one never gave out, ENOENT for every op,
 * changing nothing; and a child that closed the inherited fd has nothing
 * left to name it with.  debugfs is root only, by mode and by
 * experiment (an unprivileged child gets EACCES).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"
#include "refgc_audit.h"

#include "refgc_fixture.h"

#define SENTINEL	0x5a5a5a5aU

/* @n ops of NEW @type with payload @bytes, error fields set to SENTINEL. */
static struct refgc_op *new_ops(int n, uint32_t type, uint64_t bytes)
{
	struct refgc_op *ops = calloc(n, sizeof(*ops));
	int i;

	for (i = 0; ops && i < n; i++) {
		ops[i] = rg_mkop(REFGC_OP_NEW, 0, type, bytes, 0);
		ops[i].error = SENTINEL;
		ops[i].result = SENTINEL;
	}
	return ops;
}

TEST_F(arena, batch_stops_at_max_objects)
{
	struct refgc_op *ops = new_ops(20, self->tc, 0), c[6];
	struct refgc_batch b;
	uint64_t victim;
	int i;

	ASSERT_NE(NULL, ops);
	NEW(self->fd, self->tc, 0);
	NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, set_limits(self->fd, 10, 0, 0));
	/* Room for 8: op 8 is the one that fails. */
	ASSERT_EQ(-ENOSPC, rg_batch(self->fd, ops, 20, 0, &b));
	EXPECT_EQ(9, b.done);
	EXPECT_EQ(1, b.failed);
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(0, ops[i].error);
		EXPECT_EQ(1, INFO(self->fd, ops[i].result).handles);
	}
	EXPECT_EQ(-ENOSPC, ops[8].error);
	for (i = 9; i < 20; i++) {	/* never ran, never written */
		EXPECT_EQ(SENTINEL, (uint32_t)ops[i].error);
		EXPECT_EQ(SENTINEL, ops[i].result);
	}
	EXPECT_EQ(10, MEMORY(self->fd).objects);

	/* CONTINUE: every NEW fails alone, a DECREF makes room for one. */
	victim = ops[0].result;
	for (i = 0; i < 6; i++)
		c[i] = rg_mkop(REFGC_OP_NEW, 0, self->ta, 0, 0);
	c[3] = rg_mkop(REFGC_OP_DECREF, victim, 0, 0, 0);
	ASSERT_EQ(0, rg_batch(self->fd, c, 6, REFGC_BATCH_CONTINUE,
			      &b));
	EXPECT_EQ(6, b.done);
	EXPECT_EQ(4, b.failed);
	EXPECT_EQ(-ENOSPC, c[0].error);
	EXPECT_EQ(-ENOSPC, c[1].error);
	EXPECT_EQ(-ENOSPC, c[2].error);
	EXPECT_EQ(0, c[3].error);
	EXPECT_EQ(0, c[4].error);	/* the room the DECREF made */
	EXPECT_EQ(-ENOSPC, c[5].error);
	EXPECT_EQ(10, MEMORY(self->fd).objects);
	EXPECT_TRUE(DEAD(self->fd, victim));
	free(ops);
}

TEST_F(arena, batch_stops_at_max_bytes_and_payload)
{
	struct refgc_limits l0 = get_limits(self->fd);
	struct refgc_memory m0;
	struct refgc_op *ops = new_ops(16, self->ta, 100);
	struct refgc_op c[3];
	struct refgc_batch b;
	uint64_t per, pay, x, y;
	struct snap s;
	int i;

	ASSERT_NE(NULL, ops);
	x = NEW(self->fd, self->ta, 0);
	per = MEMORY(self->fd).bytes;		/* one empty object */
	pay = PAYLOAD_OVERHEAD(self->fd, self->ta) + 100;
	/* Room for exactly 5 objects of 100 payload bytes. */
	ASSERT_EQ(0, set_limits(self->fd, 0, per + 5 * (per + pay) + 50, 0));
	m0 = MEMORY(self->fd);
	ASSERT_EQ(-ENOMEM, rg_batch(self->fd, ops, 16, 0, &b));
	EXPECT_EQ(6, b.done);
	EXPECT_EQ(1, b.failed);
	EXPECT_EQ(-ENOMEM, ops[5].error);
	EXPECT_EQ(SENTINEL, (uint32_t)ops[6].error);
	EXPECT_EQ(m0.objects + 5, MEMORY(self->fd).objects);
	EXPECT_EQ(m0.bytes + 5 * (per + pay), MEMORY(self->fd).bytes);

	/* A slot array that cannot grow fails its LINK the same way. */
	ASSERT_EQ(-ENOMEM, rg_new(self->fd, self->tc, 0, NULL));
	ASSERT_EQ(0, rg_decref(self->fd, ops[0].result));
	y = NEW(self->fd, self->tc, 0);
	/* Its two inline slots used: the next LINK needs an array. */
	ASSERT_EQ(0, rg_link(self->fd, y, y));
	ASSERT_EQ(0, rg_link(self->fd, y, y));
	/* Not one byte more than what is in use now. */
	ASSERT_EQ(0, set_limits(self->fd, 0, MEMORY(self->fd).bytes,
				0));
	ASSERT_EQ(0, take_snap(self->fd, &s));
	c[0] = rg_mkop(REFGC_OP_INCREF, x, 0, 0, 0);
	c[1] = rg_mkop(REFGC_OP_LINK, y, x, 0, 0);
	c[2] = rg_mkop(REFGC_OP_DECREF, x, 0, 0, 0);
	ASSERT_EQ(-ENOMEM, rg_batch(self->fd, c, 3, 0, &b));
	EXPECT_EQ(2, b.done);
	EXPECT_EQ(-ENOMEM, c[1].error);
	EXPECT_EQ(2, INFO(self->fd, x).handles);	/* op 0 stays */
	EXPECT_EQ(2, INFO(self->fd, y).slots);
	ASSERT_EQ(0, rg_decref(self->fd, x));
	EXPECT_EQ(0, snap_differs(self->fd, &s));

	/* max_payload: EFBIG at that op, nothing after it. */
	for (i = 1; i < 5; i++)
		ASSERT_EQ(0, rg_decref(self->fd, ops[i].result));
	free(ops);
	ops = new_ops(4, self->ta, 10);
	ASSERT_NE(NULL, ops);
	ASSERT_EQ(0, set_limits(self->fd, 0, l0.max_bytes, 64));
	ops[2].arg2 = 65;
	ASSERT_EQ(-EFBIG, rg_batch(self->fd, ops, 4, 0, &b));
	EXPECT_EQ(3, b.done);
	EXPECT_EQ(-EFBIG, ops[2].error);
	EXPECT_EQ(SENTINEL, (uint32_t)ops[3].error);
	EXPECT_EQ(10, INFO(self->fd, ops[1].result).payload_size);
	free(ops);
}

struct filler {
	pthread_t th;
	int fd;
	uint32_t type;
	long made;
	int last;
};

static void *fill_fn(void *arg)
{
	struct filler *f = arg;
	struct refgc_op ops[64];
	struct refgc_batch b;
	int i;

	for (;;) {
		for (i = 0; i < 64; i++)
			ops[i] = rg_mkop(REFGC_OP_NEW, 0, f->type, 8, 0);
		f->last = rg_batch(f->fd, ops, 64, 0, &b);
		f->made += b.done - b.failed;
		if (f->last)
			return NULL;
	}
}

TEST_F(arena, limit_holds_under_concurrent_batches)
{
	enum { NT = 4, LIMIT = 3000 };
	struct filler f[NT];
	long total = 0;
	int i;

	ASSERT_EQ(0, set_limits(self->fd, LIMIT, 0, 0));
	for (i = 0; i < NT; i++) {
		f[i] = (struct filler){ .fd = self->fd, .type = self->ta };
		ASSERT_EQ(0, pthread_create(&f[i].th, NULL, fill_fn, &f[i]));
	}
	for (i = 0; i < NT; i++) {
		ASSERT_EQ(0, pthread_join(f[i].th, NULL));
		EXPECT_EQ(-ENOSPC, f[i].last);
		total += f[i].made;
	}
	EXPECT_EQ(LIMIT, total);
	EXPECT_EQ(LIMIT, MEMORY(self->fd).objects);
	EXPECT_EQ(LIMIT * 8, MEMORY(self->fd).payload_bytes);
}

/* Every op naming @x (an id @fd's arena never gave out) on @fd: ENOENT. */
static int foreign_ops(int fd, uint64_t x, uint64_t mine)
{
	uint64_t buf[4] = { 0 };
	struct refgc_info info;
	const struct refgc_op ops[] = {
		rg_mkop(REFGC_OP_INCREF, x, 0, 0, 0),
		rg_mkop(REFGC_OP_DECREF, x, 0, 0, 0),
		rg_mkop(REFGC_OP_LINK, x, mine, 0, 0),
		rg_mkop(REFGC_OP_LINK, mine, x, 0, 0),
		rg_mkop(REFGC_OP_UNLINK, x, 0, 0, 0),
		rg_mkop(REFGC_OP_REMOVE, mine, x, 0, 0),
		rg_mkop(REFGC_OP_SET, mine, x, 0, 0),
		rg_mkop(REFGC_OP_SET, x, mine, 0, 0),
		rg_mkop(REFGC_OP_CLEAR, x, 0, 0, 0),
		rg_mkop(REFGC_OP_GET_SLOTS, x, 0, 4, (uintptr_t)buf),
		rg_mkop(REFGC_OP_READ, x, 0, 4, (uintptr_t)buf),
		rg_mkop(REFGC_OP_WRITE, x, 0, 4, (uintptr_t)buf),
		rg_mkop(REFGC_OP_GET_INFO, x, 0, sizeof(info),
			(uintptr_t)&info),
		rg_mkop(REFGC_OP_WEAKREF_NEW, x, 1, 0, 0),
		rg_mkop(REFGC_OP_WEAKREF_GET, x, 0, 0, 0),
		rg_mkop(REFGC_OP_WEAKREF_DROP, x, 0, 0, 0),
		rg_mkop(REFGC_OP_GET_REFERRERS, x, 0, 4, (uintptr_t)buf),
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		struct refgc_op op = ops[i];

		if (rg_opx(fd, &op) != -ENOENT)
			return i + 1;
	}
	return 0;
}

TEST_F(arena, ids_of_another_arena_are_enoent)
{
	uint64_t x, y, w, mine;
	struct snap sa, sb;
	uint32_t tc;
	int b;

	/* Past id 1, the only one B gives out here. */
	ASSERT_EQ(0, rg_decref(self->fd, NEW(self->fd, self->tc, 0)));
	x = NEW(self->fd, self->tc, 16);
	y = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, rg_link(self->fd, x, y));
	ASSERT_EQ(0, rg_weakref(self->fd, x, 7, 0, &w));
	ASSERT_EQ(0, rg_pwrite(self->fd, x, 0, 5, "mine"));
	b = rg_open();
	ASSERT_LE(0, b);
	ASSERT_EQ(0, rg_type(b, "c", 0, &tc));
	ASSERT_EQ(0, rg_new(b, tc, 0, &mine));
	/* Ids are per arena: A's are live there, never given out in B. */
	ASSERT_LE(MEMORY(b).next_id, x);
	ASSERT_LE(MEMORY(b).next_id, y);
	ASSERT_LE(MEMORY(b).next_id, w);
	ASSERT_EQ(0, take_snap(self->fd, &sa));
	ASSERT_EQ(0, take_snap(b, &sb));
	EXPECT_EQ(0, foreign_ops(b, x, mine));
	EXPECT_EQ(0, foreign_ops(b, y, mine));
	EXPECT_EQ(0, foreign_ops(b, w, mine));
	/* Types are per arena too: B has no type 4 ("fin" in A). */
	EXPECT_EQ(-ENOENT, rg_new(b, self->tf, 0, NULL));
	/* Nothing changed on either side. */
	EXPECT_EQ(0, snap_differs(self->fd, &sa));
	EXPECT_EQ(0, snap_differs(b, &sb));
	close(b);
}

TEST_F(arena, child_that_closed_the_fd_cannot_reach_the_arena)
{
	uint64_t x = NEW(self->fd, self->tc, 0);
	int status, fdnum = self->fd;
	struct snap s;
	pid_t pid;

	ASSERT_EQ(0, take_snap(self->fd, &s));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct refgc_memory m;
		uint64_t mine;
		uint32_t tc;
		int fd;

		close(fdnum);
		if (rg_incref(fdnum, x) != -EBADF)
			_exit(1);
		fd = rg_open();		/* a new arena, not the old one */
		if (fd < 0 || rg_type(fd, "c", 0, &tc))
			_exit(2);
		/* Empty: x names nothing here (ids are per arena). */
		if (foreign_ops(fd, x, x))
			_exit(3);
		if (rg_new(fd, tc, 0, &mine))
			_exit(2);
		if (rg_memory(fd, &m) || m.objects != 1)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	/* Ids are per arena: not even the next id moved on. */
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	EXPECT_EQ(1, INFO(self->fd, x).handles);
}

/* Check the mode of every file under @dir; the number checked, or -1. */
static int check_modes(const char *dir, int depth, char *bad, size_t len)
{
	char path[512];
	struct dirent *de;
	struct stat st;
	int n = 0, k;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			k = depth < 3 ? check_modes(path, depth + 1, bad, len) :
				0;
			n += k > 0 ? k : 0;
			continue;
		}
		n++;
		if (st.st_uid != 0 || (st.st_mode & 0177) ||
		    ((st.st_mode & 0777) != 0400 &&
		     strcmp(de->d_name, "control")) ||
		    (!strcmp(de->d_name, "control") &&
		     (st.st_mode & 0777) != 0600))
			snprintf(bad, len, "%s: mode %o uid %d", path,
				 st.st_mode & 0777, st.st_uid);
	}
	closedir(d);
	return n;
}

TEST_F(arena, debugfs_is_root_only)
{
	char bad[600] = "", path[300];
	struct dirent *de;
	int n, status;
	DIR *d;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root");
	if (access(RG_DEBUGFS "/stats", F_OK))
		SKIP(return, "debugfs not mounted at /sys/kernel/debug");
	NEW(self->fd, self->tc, 0);
	n = check_modes(RG_DEBUGFS, 0, bad, sizeof(bad));
	ASSERT_LE(6, n);	/* the global stats and our arena's five */
	EXPECT_STREQ("", bad);
	/* One arena's control file, by name, for the unprivileged child. */
	d = opendir(RG_DEBUGFS "/arenas");
	ASSERT_NE(NULL, d);
	path[0] = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			snprintf(path, sizeof(path), RG_DEBUGFS
				 "/arenas/%s/control", de->d_name);
	closedir(d);
	ASSERT_NE(0, path[0]);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(1);
		fd = open(RG_DEBUGFS "/stats", O_RDONLY);
		if (fd >= 0 || errno != EACCES)
			_exit(2);
		fd = open(path, O_WRONLY);
		if (fd >= 0 || errno != EACCES)
			_exit(3);
		/* /dev/refgc itself stays open to all (mode 0666). */
		fd = rg_open();
		if (fd < 0)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status) TH_LOG("child exit %d", WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
