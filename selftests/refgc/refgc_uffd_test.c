// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_uffd_test.c - no user memory is touched under an arena's lock.
 *
 * One arena is stalled on a userfaultfd page: a thread passes a
 * registered, never-resolved page as the user buffer of one ioctl (or of
 * read()), which then waits in the page fault for as long as the page is
 * missing.  While it waits, everything else must go on:
 *  - another process opens and closes /dev/refgc;
 *  - root reads every debugfs file under /sys/kernel/debug/refgc (the
 *    stalled arena's included);
 *  - another arena gets its automatic collections;
 *  - the stalled arena's other users (a forked process sharing it) run
 *    their ioctls.
 * Each of those runs in a child process with a deadline, so that a kernel
 * that holds the lock while faulting FAILS here instead of hanging.  At
 * the end the userfaultfd is closed, which ends the fault (the page is
 * then filled in as any anonymous page, and the op completes).
 * Skipped where kernel-mode userfaultfd is unavailable.
 */
#define _GNU_SOURCE
#include <glob.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/userfaultfd.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

/* Seconds each check may take (a debug kernel is ~10x slower). */
static int deadline_s(void)
{
	const char *d = getenv("REFGC_DEBUG_KERNEL");

	return d && *d == '1' ? 60 : 15;
}

/*
 * A userfaultfd whose faults include kernel-mode ones (copy_to_user):
 * UFFD_USER_MODE_ONLY would turn those into -EFAULT and stall nothing,
 * so it cannot be used here.  Returns the fd, or -errno with @why set.
 */
static int uffd_open(const char **why)
{
	struct uffdio_api api = { .api = UFFD_API };
	FILE *f = fopen("/proc/sys/vm/unprivileged_userfaultfd", "r");
	int unpriv = -1, fd;

	if (f) {
		if (fscanf(f, "%d", &unpriv) != 1)
			unpriv = -1;
		fclose(f);
	}
	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		*why = e == EPERM && !unpriv ?
		       "userfaultfd for kernel faults needs root (vm.unprivileged_userfaultfd=0)" :
		       "userfaultfd() failed (not in this kernel?)";
		return -e;
	}
	if (ioctl(fd, UFFDIO_API, &api)) {
		*why = "UFFDIO_API failed";
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* A page registered for missing faults and never resolved. */
static void *uffd_page(int uffd)
{
	size_t ps = PAGE;
	void *p = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_register r = {
		.range = { .start = (uintptr_t)p, .len = ps },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (p == MAP_FAILED)
		return NULL;
	if (ioctl(uffd, UFFDIO_REGISTER, &r)) {
		munmap(p, ps);
		return NULL;
	}
	return p;
}

/* Wait until a fault on the page is reported: the stall has begun. */
static int uffd_wait_fault(int uffd, int secs)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, secs * 1000) != 1)
		return -ETIMEDOUT;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -EIO;
	return msg.event == UFFD_EVENT_PAGEFAULT ? 0 : -EIO;
}

static pid_t spawn(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (!pid)
		_exit(fn(arg));
	return pid;
}

/*
 * Wait for child @pid until @secs after @t0: 0 if it exits 0 in time,
 * -ETIMEDOUT if not (it is then killed; one stuck uninterruptibly is
 * reaped at the end, see @left), else its nonzero status.
 */
static int reap(pid_t pid, const struct timespec *t0, int secs, pid_t *left)
{
	struct timespec t;
	int status;

	if (pid < 0)
		return -ECHILD;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0->tv_sec >= secs)
			break;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	*left = pid;
	return -ETIMEDOUT;
}

/* Run @fn(@arg) in a child with a deadline of @secs: as reap(). */
static int in_child(int (*fn)(void *), void *arg, int secs, pid_t *left)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	return reap(spawn(fn, arg), &t0, secs, left);
}

static int open_close(void *arg)
{
	int i;

	for (i = 0; i < 3; i++) {
		int fd = rg_open();

		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}

/*
 * Read @path to its end: 0, or -1.  An arena that another process closes
 * meanwhile (the open/close child runs at the same time) takes its files
 * with it: ENOENT at open(), EIO at read() count as read.
 */
static int read_file(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	if (r < 0 && errno == EIO)
		r = 0;
	close(fd);
	return r < 0 ? -1 : 0;
}

static int read_debugfs(void *arg)
{
	static const char *const pats[] = {
		"/sys/kernel/debug/refgc/*",
		"/sys/kernel/debug/refgc/arenas/*/*",
	};
	int bad = 0, files = 0;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(pats); i++) {
		glob_t g;

		if (glob(pats[i], 0, NULL, &g))
			continue;
		for (j = 0; j < g.gl_pathc; j++) {
			struct stat st;

			if (stat(g.gl_pathv[j], &st) || !S_ISREG(st.st_mode))
				continue;
			files++;
			bad += !!read_file(g.gl_pathv[j]);
		}
		globfree(&g);
	}
	return bad || files < 5 ? 1 : 0;
}

/* Another arena: cycles past threshold0, then its automatic collection. */
static int other_arena_collects(void *arg)
{
	struct refgc_stats st;
	uint32_t t;
	int fd = rg_open(), i;

	if (fd < 0 || rg_type(fd, "node", REFGC_TYPE_CONTAINER, &t) ||
	    rg_set_threshold(fd, 10, 10, 10))
		return 1;
	for (i = 0; i < 50; i++) {
		uint64_t id;

		if (rg_new(fd, t, 0, &id) || rg_link(fd, id, id) ||
		    rg_decref(fd, id))
			return 1;
	}
	if (rg_sync(fd) || rg_ioctl(fd, REFGC_IOC_GET_STATS, &st))
		return 1;
	close(fd);
	return st.gen[0].collections ? 0 : 2;
}

struct shared {
	int fd;		/* the stalled arena */
	uint32_t tc;
	uint64_t obj;	/* a live container with slots and payload */
};

/* The stalled arena's other users: ioctls on the same open file. */
static int same_arena_ops(void *arg)
{
	struct shared *s = arg;
	struct refgc_entry *e;
	struct refgc_memory m;
	struct refgc_info info;
	uint64_t id, ids[4];
	char buf[8] = "abcdefg";

	if (rg_memory(s->fd, &m) || rg_info(s->fd, s->obj, &info))
		return 1;
	if (rg_new(s->fd, s->tc, 0, &id) || rg_link(s->fd, s->obj, id) ||
	    rg_decref(s->fd, id))
		return 2;
	if (rg_slots(s->fd, s->obj, ids, 4) < 0 ||
	    rg_pwrite(s->fd, s->obj, 0, sizeof(buf), buf) ||
	    rg_pread(s->fd, s->obj, 0, sizeof(buf), buf))
		return 3;
	if (rg_list(s->fd, REFGC_LIST_OBJECTS, REFGC_LIST_ALL_GENERATIONS,
		    16, &e) < 0)
		return 4;
	free(e);
	if (rg_collect(s->fd, 2, NULL) < 0)
		return 5;
	return 0;
}

enum stall_kind {
	STALL_GET_SLOTS, STALL_GET_REFERRERS, STALL_READ, STALL_WRITE,
	STALL_GET_INFO, STALL_LIST, STALL_BATCH_ARRAY, STALL_BATCH_OP,
	STALL_EVENTS,
};

struct staller {
	struct shared *s;
	enum stall_kind kind;
	void *page;
	struct refgc_op ops[40];
	long ret;
};

static void *stall(void *arg)
{
	struct staller *st = arg;
	struct shared *s = st->s;
	struct refgc_op op = { .id = s->obj, .addr = (uintptr_t)st->page };
	struct refgc_list l = { .addr = (uintptr_t)st->page, .capacity = 8,
				.generation = REFGC_LIST_ALL_GENERATIONS };
	struct refgc_batch b = { .count = 2, .op_size = sizeof(op) };
	int i;

	switch (st->kind) {
	case STALL_GET_SLOTS:
	case STALL_GET_REFERRERS:
		op.op = st->kind == STALL_GET_SLOTS ? REFGC_OP_GET_SLOTS :
						      REFGC_OP_GET_REFERRERS;
		op.arg2 = 4;
		st->ret = rg_opx(s->fd, &op);
		break;
	case STALL_READ:
	case STALL_WRITE:
		op.op = st->kind == STALL_READ ? REFGC_OP_READ : REFGC_OP_WRITE;
		op.arg2 = 64;
		st->ret = rg_opx(s->fd, &op);
		break;
	case STALL_GET_INFO:
		op.op = REFGC_OP_GET_INFO;
		op.arg2 = sizeof(struct refgc_info);
		st->ret = rg_opx(s->fd, &op);
		break;
	case STALL_LIST:
		st->ret = rg_ioctl(s->fd, REFGC_IOC_LIST, &l);
		break;
	case STALL_BATCH_ARRAY:
		b.ops = (uintptr_t)st->page;
		st->ret = rg_ioctl(s->fd, REFGC_IOC_BATCH, &b);
		break;
	case STALL_BATCH_OP:
		/* NEWs past threshold0 queue the arena's own collection. */
		for (i = 0; i < 39; i++)
			st->ops[i] = rg_mkop(REFGC_OP_NEW, 0, s->tc, 0, 0);
		st->ops[39] = rg_mkop(REFGC_OP_GET_SLOTS, s->obj, 0, 4,
				      (uintptr_t)st->page);
		b.ops = (uintptr_t)st->ops;
		b.count = 40;
		st->ret = rg_ioctl(s->fd, REFGC_IOC_BATCH, &b);
		break;
	case STALL_EVENTS:
		st->ret = read(s->fd, st->page, PAGE);
		if (st->ret < 0)
			st->ret = -errno;
		break;
	}
	return NULL;
}

FIXTURE(uffd) {
	struct shared s;
	int uffd;
	const char *why;
};

FIXTURE_VARIANT(uffd) {
	enum stall_kind kind;
};

FIXTURE_VARIANT_ADD(uffd, get_slots) { .kind = STALL_GET_SLOTS };
FIXTURE_VARIANT_ADD(uffd, get_referrers) { .kind = STALL_GET_REFERRERS };
FIXTURE_VARIANT_ADD(uffd, read) { .kind = STALL_READ };
FIXTURE_VARIANT_ADD(uffd, write) { .kind = STALL_WRITE };
FIXTURE_VARIANT_ADD(uffd, get_info) { .kind = STALL_GET_INFO };
FIXTURE_VARIANT_ADD(uffd, list) { .kind = STALL_LIST };
FIXTURE_VARIANT_ADD(uffd, batch_array) { .kind = STALL_BATCH_ARRAY };
FIXTURE_VARIANT_ADD(uffd, batch_op) { .kind = STALL_BATCH_OP };
FIXTURE_VARIANT_ADD(uffd, events) { .kind = STALL_EVENTS };

FIXTURE_SETUP(uffd)
{
	struct shared *s = &self->s;
	uint64_t child;

	self->uffd = -1;
	s->fd = -1;
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
	self->uffd = uffd_open(&self->why);
	if (self->uffd < 0)
		SKIP(return, "%s", self->why);
	s->fd = rg_open();
	ASSERT_LE(0, s->fd);
	ASSERT_EQ(0, rg_type(s->fd, "node", REFGC_TYPE_CONTAINER, &s->tc));
	ASSERT_EQ(0, rg_new(s->fd, s->tc, 128, &s->obj));
	ASSERT_EQ(0, rg_new(s->fd, s->tc, 0, &child));
	ASSERT_EQ(0, rg_link(s->fd, s->obj, child));
	ASSERT_EQ(0, rg_link(s->fd, child, s->obj));
	/* Automatic collection on, soon due; events queued for read(). */
	ASSERT_EQ(0, rg_set_threshold(s->fd, 20, 10, 10));
	ASSERT_LE(0, rg_collect(s->fd, 0, NULL));
}

FIXTURE_TEARDOWN(uffd)
{
	if (self->s.fd >= 0)
		close(self->s.fd);
	if (self->uffd >= 0)
		close(self->uffd);
}

TEST_F_TIMEOUT(uffd, stalled_arena_blocks_nobody_else, 600)
{
	struct staller st = { .s = &self->s, .kind = variant->kind };
	pid_t left[4] = { 0 };
	int secs = deadline_s(), r, i;
	struct timespec t0;
	pid_t dbg = 0;
	pthread_t t;

	st.page = uffd_page(self->uffd);
	ASSERT_NE(NULL, st.page);
	ASSERT_EQ(0, pthread_create(&t, NULL, stall, &st));
	/* The stall has begun once the fault is reported. */
	r = uffd_wait_fault(self->uffd, secs);
	if (r) {
		close(self->uffd);
		self->uffd = -1;
		pthread_join(t, NULL);
	}
	ASSERT_EQ(0, r) TH_LOG("the op never faulted on the page (ret %ld)",
			       st.ret);

	/*
	 * A root reader of debugfs (every file, the global stats included)
	 * and, meanwhile, an open() and close() by another process.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!geteuid() && !access("/sys/kernel/debug/refgc", R_OK))
		dbg = spawn(read_debugfs, NULL);
	r = in_child(open_close, NULL, secs, &left[1]);
	EXPECT_EQ(0, r) TH_LOG("open/close of %s: %d", REFGC_DEV, r);
	if (dbg) {
		r = reap(dbg, &t0, secs, &left[0]);
		EXPECT_EQ(0, r) TH_LOG("reading debugfs: %d", r);
	}
	r = in_child(other_arena_collects, NULL, secs, &left[2]);
	EXPECT_EQ(0, r) TH_LOG("another arena's automatic collection: %d", r);
	r = in_child(same_arena_ops, &self->s, secs, &left[3]);
	EXPECT_EQ(0, r) TH_LOG("the stalled arena's other users: %d", r);

	/* Closing the userfaultfd ends the stall: the op completes. */
	close(self->uffd);
	self->uffd = -1;
	pthread_join(t, NULL);
	for (i = 0; i < 4; i++)
		if (left[i])
			waitpid(left[i], NULL, 0);
	munmap(st.page, PAGE);
}

TEST_HARNESS_MAIN
