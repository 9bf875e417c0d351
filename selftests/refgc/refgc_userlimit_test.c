// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_userlimit_test.c - per-user limits, as inotify's
 * max_user_instances and max_user_watches: the module parameters
 * max_user_arenas (open() fails with EMFILE past it) and max_user_objects
 * (NEW and WEAKREF_NEW fail with ENOSPC past it, across all the user's
 * arenas).  Root lowers a parameter through /sys/module/refgc/parameters,
 * a child that became an unprivileged user hits the limit, and the old
 * value is put back.  Another user's arenas and objects do not count.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#define PARAMS		"/sys/module/refgc/parameters/"
#define TEST_UID	54321

static long param_read(const char *name)
{
	char path[128], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] ? strtol(buf, NULL, 10) : -1;
}

static int param_write(const char *name, long v)
{
	char path[128];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	r = fprintf(f, "%ld\n", v) < 0;
	r |= fclose(f);
	return r ? -EIO : 0;
}

FIXTURE(user) {
	long arenas, objects;	/* the parameters as found */
};

FIXTURE_SETUP(user)
{
	self->arenas = -1;
	self->objects = -1;
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
	if (geteuid())
		SKIP(return, "needs root to set module parameters");
	self->arenas = param_read("max_user_arenas");
	self->objects = param_read("max_user_objects");
	/* The module under test has them: their absence is a failure. */
	ASSERT_LE(0, self->arenas) TH_LOG("no " PARAMS "max_user_arenas");
	ASSERT_LE(0, self->objects) TH_LOG("no " PARAMS "max_user_objects");
}

FIXTURE_TEARDOWN(user)
{
	if (self->arenas >= 0)
		EXPECT_EQ(0, param_write("max_user_arenas", self->arenas));
	if (self->objects >= 0)
		EXPECT_EQ(0, param_write("max_user_objects", self->objects));
}

/* Become TEST_UID for good; 0 or -errno. */
static int become_user(void)
{
	if (setgroups(0, NULL) || setresgid(TEST_UID, TEST_UID, TEST_UID) ||
	    setresuid(TEST_UID, TEST_UID, TEST_UID))
		return -errno;
	return 0;
}

/* Run @fn in a child that became TEST_UID: its exit status, or -1. */
static int as_user(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(become_user() ? 100 : fn());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int three_arenas(void)
{
	int fd[4], i;

	for (i = 0; i < 3; i++) {
		fd[i] = rg_open();
		if (fd[i] < 0)
			return 10 + i;
	}
	/* The fourth: EMFILE, although the fd table has room. */
	fd[3] = rg_open();
	if (fd[3] >= 0)
		return 20;
	if (errno != EMFILE)
		return 21;
	/* One closed, one more can be opened. */
	close(fd[0]);
	fd[0] = rg_open();
	if (fd[0] < 0)
		return 22;
	if (rg_open() >= 0 || errno != EMFILE)
		return 23;
	return 0;
}

TEST_F(user, arenas_per_user_emfile)
{
	int mine[5], i;

	/* Root's own arenas: another user, not counted against TEST_UID. */
	for (i = 0; i < 5; i++)
		ASSERT_LE(0, mine[i] = rg_open());
	ASSERT_EQ(0, param_write("max_user_arenas", 3));
	EXPECT_EQ(0, as_user(three_arenas));
	/* Root is over the limit too now: its next open fails. */
	EXPECT_EQ(-1, rg_open());
	EXPECT_EQ(EMFILE, errno);
	ASSERT_EQ(0, param_write("max_user_arenas", self->arenas));
	for (i = 0; i < 5; i++)
		close(mine[i]);
}

#define OBJ_LIMIT	100

static int hundred_objects(void)
{
	int a = rg_open(), b = rg_open();
	struct refgc_memory m;
	uint64_t x, first = 0, w;
	uint32_t ta, tb;
	int i;

	if (a < 0 || b < 0 || rg_type(a, "x", 0, &ta) ||
	    rg_type(b, "x", 0, &tb))
		return 10;
	for (i = 0; i < 60; i++)
		if (rg_new(a, ta, 0, i ? NULL : &first))
			return 11;
	if (new_batch(b, tb, 40, NULL))
		return 12;
	/* 100 across both arenas: no more in either, by any op. */
	if (rg_new(b, tb, 0, &x) != -ENOSPC || rg_new(a, ta, 0, &x) != -ENOSPC)
		return 13;
	if (rg_weakref(a, first, 1, 0, &w) != -ENOSPC)
		return 14;
	if (new_batch(b, tb, 1, NULL) != -ENOSPC)
		return 15;
	/* Nothing changed by the failures. */
	if (rg_memory(b, &m) || m.objects != 40)
		return 16;
	/* One freed in A: one more in B. */
	if (rg_decref(a, first) || rg_new(b, tb, 0, &x))
		return 17;
	if (rg_new(b, tb, 0, NULL) != -ENOSPC)
		return 18;
	/* Closing A gives back its 59. */
	close(a);
	if (new_batch(b, tb, 59, NULL) || rg_new(b, tb, 0, NULL) != -ENOSPC)
		return 19;
	close(b);
	return 0;
}

TEST_F(user, objects_per_user_enospc)
{
	uint32_t t;
	int fd;

	/* Root holds 150 objects: not TEST_UID's. */
	ASSERT_LE(0, fd = rg_open());
	ASSERT_EQ(0, rg_type(fd, "r", 0, &t));
	ASSERT_EQ(0, new_batch(fd, t, 150, NULL));
	ASSERT_EQ(0, param_write("max_user_objects", OBJ_LIMIT));
	EXPECT_EQ(0, as_user(hundred_objects));
	/* A lower limit takes nothing away; it refuses new objects. */
	EXPECT_EQ(150, MEMORY(fd).objects);
	EXPECT_EQ(-ENOSPC, rg_new(fd, t, 0, NULL));
	ASSERT_EQ(0, param_write("max_user_objects", self->objects));
	EXPECT_EQ(0, rg_new(fd, t, 0, NULL));
	close(fd);
}

TEST_HARNESS_MAIN
