// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_lifecycle_test.c - the life and death of arenas and of their
 * users: SIGKILL of a process in the middle of long batches on a shared
 * arena and in the middle of a collection (shared: the arena stays
 * consistent and the collection completes; private: everything is
 * freed, slab back to its baseline); close while a collection is queued
 * or running, many times; 1000 arenas open at once and 1000 opened and
 * closed in turn; rmmod refused while any file is open (the module's
 * refcount is the number of open files); and memory.current of a memory
 * cgroup back to its baseline once the arenas are closed.
 * REFGC_DEBUG_KERNEL=1 makes the big graphs 10x smaller.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"
#include "refgc_audit.h"
#include "refgc_cgroup.h"

#define SLAB_SLACK	256
#define MOD_SYS		"/sys/module/refgc"

/*
 * Build @n objects as rings of four with no handles (garbage only the
 * collector frees) in batches; 0 or -errno.
 */
static int garbage_rings(int fd, uint32_t type, long n)
{
	uint32_t max = rg_max_batch(fd), k, i;
	struct refgc_op *ops = calloc(max, sizeof(*ops));
	uint64_t *ids = calloc(max, sizeof(*ids));
	long done;
	int r = -ENOMEM;

	if (!ops || !ids || max < 8)
		goto out;
	for (done = 0; done < n; done += k) {
		k = (n - done < max / 2 ? n - done : max / 2) & ~3U;
		if (!k)
			break;
		for (i = 0; i < k; i++)
			ops[i] = rg_mkop(REFGC_OP_NEW, 0, type, i % 5, 0);
		r = rg_batch(fd, ops, k, 0, NULL);
		if (r)
			goto out;
		for (i = 0; i < k; i++)
			ids[i] = ops[i].result;
		for (i = 0; i < k; i++) {
			ops[i] = rg_mkop(REFGC_OP_LINK, ids[i],
					 ids[i % 4 == 3 ? i - 3 : i + 1], 0, 0);
			ops[k + i] = rg_mkop(REFGC_OP_DECREF, ids[i], 0, 0, 0);
		}
		r = rg_batch(fd, ops, 2 * k, 0, NULL);
		if (r)
			goto out;
	}
	r = 0;
out:
	free(ops);
	free(ids);
	return r;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait for @pid and check that SIGKILL is what ended it. */
#define KILLED(pid) do {						\
	int __st;							\
	ASSERT_EQ(pid, waitpid(pid, &__st, 0));				\
	ASSERT_TRUE(WIFSIGNALED(__st)) TH_LOG("status %#x", __st);	\
	ASSERT_EQ(SIGKILL, WTERMSIG(__st));				\
} while (0)

#include "refgc_fixture.h"

TEST_F_TIMEOUT(arena, kill9_during_long_batches_shared, 300)
{
	struct rg_audit a;
	int round, p[2];

	ASSERT_EQ(0, rg_set_threshold(self->fd, 100, 5, 5));
	for (round = 0; round < 6; round++) {
		pid_t pid;
		char c;

		ASSERT_EQ(0, pipe(p));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(p[0]);
			if (write(p[1], "r", 1) != 1)
				_exit(1);
			for (;;)	/* 4096-op batches until killed */
				if (garbage_rings(self->fd, self->tc, 100000))
					_exit(2);
		}
		close(p[1]);
		ASSERT_EQ(1, read(p[0], &c, 1));
		close(p[0]);
		sleep_ms(30 + round * 70);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		KILLED(pid);
		/* Consistent after every kill, whatever it interrupted. */
		ASSERT_EQ(0, rg_audit(self->fd, &a)) TH_LOG("%s", a.err);
	}
	TH_LOG("after 6 kills: %ld objects, %llu handles", a.objects,
	       (unsigned long long)a.handles);
	/* Handles left by an interrupted pair of batches are real. */
	ASSERT_EQ(0, rg_drain_all(self->fd, &a)) TH_LOG("%s", a.err);
}

/*
 * A child builds @n objects of garbage in @fd (or a private arena when
 * @fd < 0), says so on a pipe (*@ready, the read end), and collects; with
 * @again it builds and collects again, forever, else it waits after the
 * collection.  Either way it is alive until killed, however fast the
 * kernel collects.  Returns its pid.
 */
static pid_t collect_child(int fd, long n, int *ready, bool again)
{
	uint32_t type;
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid) {
		close(p[1]);
		*ready = p[0];
		return pid;
	}
	close(p[0]);
	if (fd < 0)
		fd = rg_open();
	if (fd < 0 || rg_ioctl(fd, REFGC_IOC_DISABLE, NULL))
		_exit(1);
	if (rg_type(fd, "ring", 0, &type) || garbage_rings(fd, type, n))
		_exit(2);
	if (write(p[1], "r", 1) != 1)
		_exit(3);
	for (;;) {
		rg_collect(fd, 2, NULL);
		if (!again)
			pause();
		if (garbage_rings(fd, type, n))
			_exit(4);
	}
}

/*
 * SIGKILL while the child's collection runs on a shared arena: the
 * collection still runs to its end.  The kill is sent once poll() sees
 * the collection's GC_START event, so it never comes before the
 * collection started, on any kernel; on a fast one it may come after the
 * collection ended, which must give the same result.
 */
TEST_F_TIMEOUT(arena, kill9_during_collection_shared, 300)
{
	const long n = rg_scale(200000, 10) & ~3L;
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct refgc_stats st;
	struct rg_audit a;
	int ready;
	pid_t pid;
	char c;

	pid = collect_child(self->fd, n, &ready, false);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, read(ready, &c, 1));
	close(ready);
	/* Disabled: the only event is the child's GC_START. */
	ASSERT_EQ(1, poll(&pfd, 1, 120 * 1000));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	KILLED(pid);
	/* The collection ran to its end all the same. */
	ASSERT_EQ(0, rg_sync(self->fd));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_GET_STATS, &st));
	EXPECT_EQ(1, st.gen[2].collections);
	EXPECT_EQ(n, st.gen[2].collected);
	TH_LOG("%ld objects: the collection took %llu ms", n,
	       (unsigned long long)st.gen[2].max_ns / 1000000);
	ASSERT_EQ(0, rg_audit(self->fd, &a)) TH_LOG("%s", a.err);
	EXPECT_EQ(0, a.objects);
	EXPECT_EQ(0, a.m.bytes);
}

TEST_F_TIMEOUT(arena, kill9_during_collection_private_frees_all, 300)
{
	const long n = rg_scale(200000, 10) & ~3L;
	long slab0, slab1;
	int ready, round;
	pid_t pid;
	char c;

	slab0 = rg_slab_settled();
	if (slab0 < 0)
		SKIP(return, "no refgc_object in /proc/slabinfo");
	for (round = 0; round < 2; round++) {
		/*
		 * The child collects and rebuilds garbage until killed, so
		 * the kill lands in a collection or in a batch, and the last
		 * close must free everything either way.
		 */
		pid = collect_child(-1, n, &ready, true);
		ASSERT_LT(0, pid);
		ASSERT_EQ(1, read(ready, &c, 1));
		close(ready);
		sleep_ms(round ? 0 : 50);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		KILLED(pid);
	}
	/* The last close ran at exit: every object of both is freed. */
	slab1 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab1)
		TH_LOG("slab: %ld before, %ld after", slab0, slab1);
}

TEST_F_TIMEOUT(arena, close_while_collection_queued, 300)
{
	const int rounds = rg_scale(300, 3), big = rg_scale(20000, 10);
	long slab0 = rg_slab_settled(), slab1;
	int i;

	ASSERT_LE(0, slab0);
	for (i = 0; i < rounds; i++) {
		uint32_t tc;
		int fd = rg_open();

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, rg_type(fd, "c", 0, &tc));
		/* A few objects: the collection is queued, then closed. */
		ASSERT_EQ(0, rg_set_threshold(fd, 1 + i % 3, 1, 1));
		ASSERT_EQ(0, garbage_rings(fd, tc, 4 + 4 * (i % 4)));
		if (i % 50 == 49) {
			/* A big one: closed while the collection runs. */
			ASSERT_EQ(0, rg_ioctl(fd, REFGC_IOC_DISABLE, NULL));
			ASSERT_EQ(0, garbage_rings(fd, tc, big));
			ASSERT_EQ(0, rg_set_threshold(fd, 1, 1, 1));
			ASSERT_EQ(0, rg_ioctl(fd, REFGC_IOC_ENABLE, NULL));
			ASSERT_EQ(0, garbage_rings(fd, tc, 4));
			sleep_ms(i % 100 == 99 ? 5 : 0);
		}
		close(fd);
	}
	slab1 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab1)
		TH_LOG("slab: %ld before, %ld after %d rounds", slab0, slab1,
		       rounds);
}

/* "arenas: N" of the global debugfs stats, or -1. */
static long debugfs_arenas(void)
{
	char line[128];
	long n = -1;
	FILE *f = fopen(RG_DEBUGFS "/stats", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "arenas: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

TEST_F_TIMEOUT(arena, thousand_arenas, 300)
{
	enum { N = 1000 };
	struct rlimit rl;
	long slab0 = rg_slab_settled(), slab1, base, full, after;
	uint64_t id;
	int *fds = calloc(N, sizeof(int)), i;

	ASSERT_NE(NULL, fds);
	ASSERT_LE(0, slab0);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < N + 64) {
		rl.rlim_cur = N + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;	/* root may raise it */
		ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	}
	base = debugfs_arenas();
	for (i = 0; i < N; i++) {
		uint32_t tc;

		fds[i] = rg_open();
		ASSERT_LE(0, fds[i]) TH_LOG("open %d: %s", i, strerror(errno));
		ASSERT_EQ(0, rg_type(fds[i], "c", 0, &tc));
		ASSERT_EQ(0, rg_new(fds[i], tc, i % 64, &id));
		ASSERT_EQ(0, rg_link(fds[i], id, id));	/* a self-cycle */
		ASSERT_EQ(0, rg_decref(fds[i], id));
	}
	full = debugfs_arenas();
	/* Each is its own: the last one holds one object only. */
	EXPECT_EQ(1, MEMORY(fds[N - 1]).objects);
	for (i = 0; i < N; i++)
		close(fds[i]);
	after = debugfs_arenas();
	if (base >= 0) {
		EXPECT_EQ(base + N, full);
		EXPECT_EQ(base, after);
	}
	/* And 1000 more, one at a time. */
	for (i = 0; i < N; i++) {
		int fd = rg_open();
		uint32_t tc;

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, rg_type(fd, "c", 0, &tc));
		ASSERT_EQ(0, rg_new(fd, tc, 8, &id));
		close(fd);
	}
	if (base >= 0)
		EXPECT_EQ(base, debugfs_arenas());
	slab1 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab1)
		TH_LOG("slab: %ld before, %ld after", slab0, slab1);
	free(fds);
}

static long module_refcnt(void)
{
	char buf[32];
	long r = rg_cg_read(MOD_SYS, "refcnt", buf, sizeof(buf));

	return r < 0 ? r : strtol(buf, NULL, 10);
}

TEST(rmmod_refused_while_a_file_is_open)
{
	long r0, r;
	char state[32] = "";
	int fds[3], i, p[2], q[2], status;
	pid_t pid;
	uint32_t tc;

	if (access(MOD_SYS "/refcnt", R_OK))
		SKIP(return, "refgc is not a loaded module");
	if (geteuid())
		SKIP(return, "delete_module needs root");
	r0 = module_refcnt();
	ASSERT_LE(0, r0);
	/* Never called with nothing open: it would really unload it. */
	for (i = 0; i < 3; i++) {
		fds[i] = rg_open();
		ASSERT_LE(0, fds[i]);
	}
	EXPECT_EQ(r0 + 3, module_refcnt());
	errno = 0;
	r = syscall(__NR_delete_module, "refgc", O_NONBLOCK);
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EWOULDBLOCK, errno);
	ASSERT_LT(0, rg_cg_read(MOD_SYS, "initstate", state, sizeof(state)));
	EXPECT_STREQ("live\n", state);
	/* The files still work. */
	ASSERT_EQ(0, rg_type(fds[0], "c", 0, &tc));
	NEW(fds[0], tc, 0);

	/* A child's copy of a file keeps it busy after the parent closes. */
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(q));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c;

		close(p[1]);
		close(q[0]);
		close(fds[1]);		/* it keeps fds[0] only */
		close(fds[2]);
		if (write(q[1], "r", 1) != 1)
			_exit(2);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);	/* until EOF */
	}
	close(p[0]);
	close(q[1]);
	ASSERT_EQ(1, read(q[0], state, 1));
	close(q[0]);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	EXPECT_EQ(r0 + 1, module_refcnt());
	errno = 0;
	EXPECT_EQ(-1, syscall(__NR_delete_module, "refgc", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(p[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	/* All closed: back where it was (vm-run checks the real rmmod). */
	EXPECT_EQ(r0, module_refcnt());
}

/* In a child in @cg: 0 when memory.current comes back after close. */
static int memcg_work(const char *cg, long n, long long *v)
{
	uint32_t tc, ta;
	struct refgc_memory m;
	int fd, i;

	if (rg_cg_enter(cg, 0))
		return 1;
	fd = rg_open();		/* warm up whatever is allocated once */
	if (fd < 0)
		return 2;
	close(fd);
	rg_slab_shrink();
	v[0] = rg_cg_read_num(cg, "memory.current");
	for (i = 0; i < 2; i++) {
		fd = rg_open();
		if (fd < 0 || rg_type(fd, "c", 0, &tc) ||
		    rg_type(fd, "a", REFGC_TYPE_ATOMIC, &ta) ||
		    (i && rg_ioctl(fd, REFGC_IOC_DISABLE, NULL)) ||
		    garbage_rings(fd, tc, n) ||
		    new_batch(fd, ta, 1000, NULL) ||
		    rg_new(fd, ta, 1 << 20, NULL))
			return 3;
		/* Once collected; once with the collector off throughout. */
		if (!i && rg_collect(fd, 2, NULL) < 0)
			return 4;
		if (rg_memory(fd, &m))
			return 5;
		v[1 + i] = rg_cg_read_num(cg, "memory.current");
		close(fd);
	}
	rg_slab_shrink();
	v[3] = rg_cg_read_num(cg, "memory.current");
	return 0;
}

TEST_F_TIMEOUT(arena, memcg_usage_back_to_baseline, 300)
{
	const long n = rg_scale(50000, 10) & ~3L;
	long long v[4] = { -1, -1, -1, -1 }, stock;
	const char *why = "";
	char cg[RG_CG_PATH];
	int p[2], status;
	pid_t pid;

	if (rg_cg_setup(&why))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, rg_cg_create("refgc_life", cg));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int r = memcg_work(cg, n, v);

		if (write(p[1], v, sizeof(v)) != sizeof(v))
			_exit(9);
		_exit(r);
	}
	close(p[1]);
	EXPECT_EQ(sizeof(v), read(p[0], v, sizeof(v)));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, rg_cg_destroy(cg));
	TH_LOG("memory.current: %lld baseline, %lld with %ld objects (collected), %lld (uncollected), %lld after close",
	       v[0], v[1], n, v[2], v[3]);
	ASSERT_EQ(0, status);
	ASSERT_LE(0, v[0]);
	/*
	 * memory.current includes what memcg has charged ahead to each
	 * cpu's stock: up to a charge batch of 64 pages (MEMCG_CHARGE_BATCH),
	 * plus a page of slab bytes.  A baseline read with a full stock
	 * grows by that much less when the stock is used; one read with an
	 * empty stock by that much more after close.
	 */
	stock = sysconf(_SC_NPROCESSORS_ONLN) * 65 * PAGE;
	/* Charged while held: the objects and the 1 MiB payload at least. */
	EXPECT_LT(v[0] + (1 << 20) - stock, v[1]);
	EXPECT_LT(v[0] + (1 << 20) + n * 72 - stock, v[2]);
	/* And given back. */
	EXPECT_GE(v[0] + stock, v[3]);
}

TEST_HARNESS_MAIN
