// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_trace_test.c - the refgc tracepoints, read through tracefs: each
 * test enables events/refgc in a private trace instance (so the global
 * buffer is left alone), drives an arena, and asserts the records and
 * their fields: collection start and stop (generation, collected,
 * uncollectable, visited, duration), finalize, weakref callback, arena
 * open and close, and limit hits.  Skips when tracefs is not mounted, or
 * when not root; fails when tracefs is there but events/refgc is not.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../kselftest_harness.h"
#include "refgc_util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define TRACE_MAX	(1 << 20)

/* What the helpers need of the fixture. */
struct tr {
	char inst[128];		/* the private instance's directory */
	char *buf;		/* the last read of its trace file */
	unsigned int seq;	/* the arena's number, from arena_open */
};

FIXTURE(trace) {
	struct tr t;
	int fd;			/* the arena */
	uint32_t tc, tf;	/* a container type, a finalizer type */
};

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* The instance's trace file into self->buf; returns its length. */
static size_t read_trace(struct __test_metadata *_metadata, struct tr *self)
{
	char path[256];
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", self->inst);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	EXPECT_LE(0, fd);
	if (fd < 0)
		return 0;
	while (len < TRACE_MAX - 1 &&
	       (n = read(fd, self->buf + len, TRACE_MAX - 1 - len)) > 0)
		len += n;
	close(fd);
	self->buf[len] = '\0';
	return len;
}

/*
 * The text after "EVENT: arena=SEQ " of the first record of EVENT for
 * the test's arena after *from (NULL: none); *from moves past it.
 */
static const char *find_rec(struct tr *self, const char *event,
			    const char **from)
{
	char key[96];
	const char *p;
	size_t klen;

	klen = snprintf(key, sizeof(key), "%s: arena=%u ", event, self->seq);
	p = strstr(*from, key);
	if (!p)
		return NULL;
	*from = p + klen;
	return p + klen;
}

static int count_recs(struct tr *self, const char *event)
{
	const char *from = self->buf;
	int n = 0;

	while (find_rec(self, event, &from))
		n++;
	return n;
}

FIXTURE_SETUP(trace)
{
	const char *p, *from;
	char key[64];
	struct stat st;
	int n;

	self->fd = -1;
	self->t.inst[0] = '\0';
	self->t.buf = NULL;
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
	if (geteuid())
		SKIP(return, "tracefs needs root");
	if (stat(TRACEFS "/instances", &st))
		SKIP(return, "tracefs not mounted at %s", TRACEFS);
	/* tracefs is there, so a module without its events is a failure. */
	ASSERT_EQ(0, stat(TRACEFS "/events/refgc", &st))
		TH_LOG("no %s/events/refgc: refgc.ko defines no tracepoints",
		       TRACEFS);
	snprintf(self->t.inst, sizeof(self->t.inst), "%s/instances/refgc_test_%d",
		 TRACEFS, getpid());
	ASSERT_EQ(0, mkdir(self->t.inst, 0755));
	self->t.buf = malloc(TRACE_MAX);
	ASSERT_NE(NULL, self->t.buf);
	ASSERT_EQ(0, write_file(self->t.inst, "events/refgc/enable", "1"));

	self->fd = rg_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, rg_type(self->fd, "node", REFGC_TYPE_CONTAINER, &self->tc));
	ASSERT_EQ(0, rg_type(self->fd, "fin", REFGC_TYPE_FINALIZER, &self->tf));

	/* Our arena is the one whose arena_open names our pid. */
	read_trace(_metadata, &self->t);
	snprintf(key, sizeof(key), " pid=%d ", getpid());
	from = self->t.buf;
	while ((p = strstr(from, "refgc_arena_open: arena="))) {
		const char *eol = strchrnul(p, '\n');
		const char *k = strstr(p, key);

		if (k && k < eol) {
			n = sscanf(p, "refgc_arena_open: arena=%u",
				   &self->t.seq);
			ASSERT_EQ(1, n);
		}
		from = eol;
	}
	ASSERT_NE(0, self->t.seq)
		TH_LOG("no arena_open record for pid %d:\n%s", getpid(),
		       self->t.buf);
}

FIXTURE_TEARDOWN(trace)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->t.inst[0]) {
		write_file(self->t.inst, "events/refgc/enable", "0");
		rmdir(self->t.inst);
	}
	free(self->t.buf);
}

/* Every event is there, with the fields perf and bpftrace will read. */
TEST_F(trace, formats)
{
	static const char * const fields[][3] = {
		{ "refgc_gc_start", "generation", "objects" },
		{ "refgc_gc_stop", "collected", "duration_ns" },
		{ "refgc_gc_stop", "uncollectable", "visited" },
		{ "refgc_finalize", "id", "type" },
		{ "refgc_weakref_callback", "id", "cookie" },
		{ "refgc_arena_open", "pid", "comm" },
		{ "refgc_arena_close", "objects", "bytes" },
		{ "refgc_limit_hit", "which", "max" },
	};
	char path[256], fmt[4096];
	unsigned int i, j;
	ssize_t n;
	int fd;

	/* A SKIP() in the setup does not stop the test in 6.1. */
	if (_metadata->skip)
		return;
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		snprintf(path, sizeof(path), TRACEFS "/events/refgc/%s/format",
			 fields[i][0]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		n = read(fd, fmt, sizeof(fmt) - 1);
		close(fd);
		ASSERT_LT(0, n);
		fmt[n] = '\0';
		for (j = 1; j < 3; j++) {
			char f[64];

			snprintf(f, sizeof(f), " %s;", fields[i][j]);
			if (!strstr(fmt, f))
				snprintf(f, sizeof(f), " %s[", fields[i][j]);
			EXPECT_NE(NULL, strstr(fmt, f))
				TH_LOG("%s has no field %s", path, fields[i][j]);
		}
	}
}

/* A collection of a 2-cycle: start and stop, with the ioctl's numbers. */
TEST_F(trace, collection_start_stop)
{
	unsigned long long col, unc, vis, dur, objs, roots, move;
	uint64_t a, b, keep;
	struct refgc_collect c;
	const char *from, *r;
	int gen, n;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &keep));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &a));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &b));
	ASSERT_EQ(0, rg_link(self->fd, a, b));
	ASSERT_EQ(0, rg_link(self->fd, b, a));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	ASSERT_EQ(2, rg_collect(self->fd, 2, &c));
	ASSERT_EQ(2, c.collected);

	read_trace(_metadata, &self->t);
	from = self->t.buf;
	r = find_rec(&self->t, "refgc_gc_start", &from);
	ASSERT_NE(NULL, r) TH_LOG("no gc_start record:\n%s", self->t.buf);
	n = sscanf(r, "generation=%d objects=%llu", &gen, &objs);
	ASSERT_EQ(2, n);
	EXPECT_EQ(2, gen);
	EXPECT_EQ(3, objs);
	r = find_rec(&self->t, "refgc_gc_stop", &from);	/* after the start */
	ASSERT_NE(NULL, r) TH_LOG("no gc_stop record:\n%s", self->t.buf);
	n = sscanf(r, "generation=%d collected=%llu uncollectable=%llu visited=%llu duration_ns=%llu roots_ns=%llu move_ns=%llu",
		   &gen, &col, &unc, &vis, &dur, &roots, &move);
	ASSERT_EQ(7, n);
	/* Parts of the whole, each read from the same monotonic clock. */
	EXPECT_LE(roots + move, dur);
	EXPECT_EQ(2, gen);
	EXPECT_EQ(c.collected, col);
	EXPECT_EQ(c.uncollectable, unc);
	EXPECT_EQ(0, unc);
	EXPECT_LE(3, vis);		/* keep, a and b were examined */
	/*
	 * The collection's own figure: it may be 0 where the clocksource is
	 * coarse (QEMU TCG, a debug kernel falling back to jiffies).
	 */
	EXPECT_EQ(c.visited, vis);
	EXPECT_EQ(c.duration_ns, dur);
	EXPECT_EQ(1, count_recs(&self->t, "refgc_gc_start"));
	EXPECT_EQ(1, count_recs(&self->t, "refgc_gc_stop"));
}

/* A refused collection request records nothing. */
TEST_F(trace, bad_collect_records_nothing)
{
	if (_metadata->skip)
		return;

	ASSERT_EQ(-EINVAL, rg_collect(self->fd, 3, NULL));
	read_trace(_metadata, &self->t);
	EXPECT_EQ(0, count_recs(&self->t, "refgc_gc_start"));
	EXPECT_EQ(0, count_recs(&self->t, "refgc_gc_stop"));
}

/* finalize names the object and its type; disabling stops the records. */
TEST_F(trace, finalize_and_disable)
{
	unsigned long long id;
	const char *from, *r;
	char type[33];
	uint64_t x, y;
	int n;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, rg_new(self->fd, self->tf, 0, &x));
	ASSERT_EQ(0, rg_decref(self->fd, x));
	read_trace(_metadata, &self->t);
	from = self->t.buf;
	r = find_rec(&self->t, "refgc_finalize", &from);
	ASSERT_NE(NULL, r) TH_LOG("no finalize record:\n%s", self->t.buf);
	n = sscanf(r, "id=%llu type=%32s", &id, type);
	ASSERT_EQ(2, n);
	EXPECT_EQ(x, id);
	EXPECT_STREQ("fin", type);
	EXPECT_EQ(1, count_recs(&self->t, "refgc_finalize"));

	ASSERT_EQ(0, write_file(self->t.inst, "events/refgc/enable", "0"));
	ASSERT_EQ(0, rg_new(self->fd, self->tf, 0, &y));
	ASSERT_EQ(0, rg_decref(self->fd, y));
	read_trace(_metadata, &self->t);
	EXPECT_EQ(1, count_recs(&self->t, "refgc_finalize"));
}

/* A weakref with a callback records its id and cookie when cleared. */
TEST_F(trace, weakref_callback)
{
	unsigned long long id, cookie;
	uint64_t x, w, w2;
	const char *from, *r;
	int n;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &x));
	ASSERT_EQ(0, rg_weakref(self->fd, x, 0xfeed, REFGC_WEAKREF_CALLBACK,
				&w));
	ASSERT_EQ(0, rg_weakref(self->fd, x, 0xbad, 0, &w2));
	ASSERT_EQ(0, rg_decref(self->fd, x));
	read_trace(_metadata, &self->t);
	from = self->t.buf;
	r = find_rec(&self->t, "refgc_weakref_callback", &from);
	ASSERT_NE(NULL, r) TH_LOG("no weakref_callback record:\n%s", self->t.buf);
	n = sscanf(r, "id=%llu cookie=%llx", &id, &cookie);
	ASSERT_EQ(2, n);
	EXPECT_EQ(w, id);
	EXPECT_EQ(0xfeed, cookie);
	/* The weakref without a callback is cleared silently. */
	EXPECT_EQ(1, count_recs(&self->t, "refgc_weakref_callback"));
}

/* Each limit records which one, how much was in use and asked for. */
TEST_F(trace, limit_hits)
{
	struct refgc_limits l = { .max_objects = 2, .max_payload = 4096 };
	unsigned long long used, want, max;
	const char *from, *r;
	char which[16];
	uint64_t x;
	int err, n;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_SET_LIMITS, &l));
	ASSERT_EQ(-EFBIG, rg_new(self->fd, self->tc, 4097, &x));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &x));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &x));
	ASSERT_EQ(-ENOSPC, rg_new(self->fd, self->tc, 0, &x));
	read_trace(_metadata, &self->t);
	EXPECT_EQ(2, count_recs(&self->t, "refgc_limit_hit"));

	from = self->t.buf;
	r = find_rec(&self->t, "refgc_limit_hit", &from);
	ASSERT_NE(NULL, r) TH_LOG("no limit_hit record:\n%s", self->t.buf);
	n = sscanf(r, "limit=%15s used=%llu want=%llu max=%llu err=%d",
		   which, &used, &want, &max, &err);
	ASSERT_EQ(5, n);
	EXPECT_STREQ("payload", which);
	EXPECT_EQ(4097, want);
	EXPECT_EQ(4096, max);
	EXPECT_EQ(-EFBIG, err);
	r = find_rec(&self->t, "refgc_limit_hit", &from);
	ASSERT_NE(NULL, r);
	n = sscanf(r, "limit=%15s used=%llu want=%llu max=%llu err=%d",
		   which, &used, &want, &max, &err);
	ASSERT_EQ(5, n);
	EXPECT_STREQ("objects", which);
	EXPECT_EQ(2, used);
	EXPECT_EQ(1, want);
	EXPECT_EQ(2, max);
	EXPECT_EQ(-ENOSPC, err);
}

/* Closing the arena records what was still in it. */
TEST_F(trace, arena_close)
{
	unsigned long long objs, bytes;
	const char *from, *r;
	uint64_t x;
	int n;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 100, &x));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &x));
	read_trace(_metadata, &self->t);
	EXPECT_EQ(0, count_recs(&self->t, "refgc_arena_close"));
	close(self->fd);
	self->fd = -1;
	read_trace(_metadata, &self->t);
	from = self->t.buf;
	r = find_rec(&self->t, "refgc_arena_close", &from);
	ASSERT_NE(NULL, r) TH_LOG("no arena_close record:\n%s", self->t.buf);
	n = sscanf(r, "objects=%llu bytes=%llu", &objs, &bytes);
	ASSERT_EQ(2, n);
	EXPECT_EQ(2, objs);
	EXPECT_LT(100, bytes);
}

TEST_HARNESS_MAIN
