// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_debugfs_test.c - debugfs output that users control, and debugfs
 * readers that must not wait for a busy arena:
 *
 * - a type name with '"', '\', '{' and ';' gives a valid graph.dot (a
 *   small DOT lexer here, and Graphviz's dot(1) when it is installed);
 * - an opener whose comm holds a newline gets a stats file with exactly
 *   the lines of any other arena, comm escaped;
 * - an opener in a new user namespace is shown with its uid in the
 *   initial namespace;
 * - while arena A's lock is held by a long collection, another process
 *   reads the global stats, opens and closes /dev/refgc, reads its own
 *   arena's debugfs files and gets its own automatic collection.  Order,
 *   not time: each of those must end before A's collection does, which
 *   the kernel's own figures bound (A's GC_START event has been seen;
 *   the collection ended no earlier than the child's clock reading
 *   before the COLLECT ioctl plus the GC_STOP event's duration_ns).
 *
 * - the collector's fast paths (issue 16) are taken where they are exact
 *   and only there, as the stats file counts them: a full collection
 *   takes its roots from handles unless an object is frozen; an
 *   unreachable set is freed in bulk unless a death in it can be seen (a
 *   weakref, an object outside it that dies with it), and the refcounts
 *   of what it held are right either way.
 * - each generation's stats line splits its longest collection: the time
 *   before the reachability walk and the walk itself, parts of max_ns.
 *
 * All need root and a readable debugfs, and skip otherwise.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"
#include "refgc_deep_snap.h"
#include "refgc_busy_probe.h"

#define DBG		RG_DBG

/*
 * A DOT lexer strict enough for what the module writes: identifiers,
 * "strings" with backslash escapes, '{' '}' '[' ']' '=' ',' ';' and
 * "->".  0 when every string ends, braces and brackets balance, and
 * nothing follows the graph's closing brace; else -1 with @why.
 * *@label gets the decoded text of the first string that starts with
 * @prefix (the caller frees it).
 */
static int dot_check(const char *s, const char *prefix, char **label,
		     const char **why)
{
	int depth = 0, brackets = 0, closed = 0;

	*label = NULL;
	while (*s) {
		if (strchr(" \t\n", *s)) {
			s++;
			continue;
		}
		if (closed) {
			*why = "text after the graph's closing brace";
			return -1;
		}
		if (*s == '"') {
			char *out = malloc(strlen(s) + 1);
			size_t n = 0;

			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1] == '\\')
					s++;
				else if (*s == '\\' && s[1] == '"')
					s++;
				out[n++] = *s;
			}
			out[n] = 0;
			if (*s != '"') {
				free(out);
				*why = "unterminated string";
				return -1;
			}
			s++;
			if (!*label && !strncmp(out, prefix, strlen(prefix)))
				*label = out;
			else
				free(out);
			continue;
		}
		if (*s == '{' || *s == '[') {
			depth += *s == '{';
			brackets += *s == '[';
			s++;
			continue;
		}
		if (*s == '}' || *s == ']') {
			if (*s == '}' && --depth == 0)
				closed = 1;
			if (*s == ']')
				brackets--;
			if (depth < 0 || brackets < 0) {
				*why = "unbalanced brace or bracket";
				return -1;
			}
			s++;
			continue;
		}
		if (strchr("=,;", *s)) {
			s++;
			continue;
		}
		if (s[0] == '-' && s[1] == '>') {
			s += 2;
			continue;
		}
		if (isalnum((unsigned char)*s) || *s == '_' || *s == '.' ||
		    *s == '#') {
			while (isalnum((unsigned char)*s) || *s == '_' ||
			       *s == '.' || *s == '#')
				s++;
			continue;
		}
		*why = "a character that is no DOT token";
		return -1;
	}
	if (!closed || brackets) {
		*why = "graph not closed";
		return -1;
	}
	return 0;
}

FIXTURE(dbg) {
	int fd;
	uint32_t tc;
	char dir[PATH_MAX];
};

FIXTURE_SETUP(dbg)
{
	self->fd = -1;
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
	if (geteuid() || access(DBG "/stats", R_OK))
		SKIP(return, "needs root and a readable debugfs");
	self->fd = rg_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, rg_type(self->fd, "node", REFGC_TYPE_CONTAINER, &self->tc));
	ASSERT_EQ(0, ds_debugfs_dir(getpid(), 0, self->dir, sizeof(self->dir)));
}

FIXTURE_TEARDOWN(dbg)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Issue 12, finding 7: type names are DOT strings, escaped. */
TEST_F(dbg, graph_dot_escapes_type_names)
{
	static const char *const names[] = {
		"a\"b", "c\\", "{d;e}", "\\\"];x->y[", "q\\n\\\"",
	};
	char path[PATH_MAX + 16], want[128], *text, *label;
	const char *why = "";
	uint64_t ids[ARRAY_SIZE(names)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		uint32_t t;

		ASSERT_EQ(0, rg_type(self->fd, names[i], 0, &t));
		ids[i] = NEW(self->fd, t, 0);
		if (i)
			ASSERT_EQ(0, rg_link(self->fd, ids[i - 1], ids[i]));
	}
	snprintf(path, sizeof(path), "%s/graph.dot", self->dir);
	text = slurp(path);
	ASSERT_NE(NULL, text);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(want, sizeof(want), "#%" PRIu64 " ", ids[i]);
		EXPECT_EQ(0, dot_check(text, want, &label, &why))
			TH_LOG("graph.dot: %s:\n%s", why, text);
		ASSERT_NE(NULL, label) TH_LOG("no label for %s", want);
		/* The decoded label is "#id NAME\nrefcount ...", NAME intact. */
		EXPECT_EQ(0, strncmp(label + strlen(want), names[i],
				     strlen(names[i])))
			TH_LOG("label \"%s\" for type \"%s\"", label, names[i]);
		EXPECT_EQ(0, strncmp(label + strlen(want) + strlen(names[i]),
				     "\\nrefcount", 10))
			TH_LOG("label \"%s\" for type \"%s\"", label, names[i]);
		free(label);
	}
	free(text);
	if (!access("/usr/bin/dot", X_OK)) {
		char cmd[PATH_MAX + 64];

		snprintf(cmd, sizeof(cmd),
			 "/usr/bin/dot -Tsvg -o /dev/null < '%s'", path);
		EXPECT_EQ(0, system(cmd)) TH_LOG("dot(1) refused %s", path);
	} else {
		TH_LOG("no /usr/bin/dot: the lexer check only");
	}
}

/* The keys of a stats file, one per line, in order. */
static int stats_keys(const char *text, char *keys, size_t cap)
{
	const char *l;
	size_t n = 0;

	keys[0] = 0;
	for (l = text; *l; l = strchr(l, '\n') + 1) {
		const char *colon = strchr(l, ':');
		const char *nl = strchr(l, '\n');

		if (!nl || !colon || colon > nl)
			return -1;
		n += snprintf(keys + n, cap - n, "%.*s|", (int)(colon - l), l);
		if (n >= cap)
			return -1;
	}
	return 0;
}

/* Issue 12, finding 7: a newline in comm cannot forge a stats line. */
TEST_F(dbg, stats_comm_is_escaped)
{
	char path[PATH_MAX + 16], dir[PATH_MAX], *mine, *theirs, *line;
	char k1[1024], k2[1024], c;
	int go[2], ready[2], status;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd;

		prctl(PR_SET_NAME, "x\nowner_uid: 7\\");
		fd = rg_open();
		if (fd < 0 || write(ready[1], "r", 1) != 1 ||
		    read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, ds_debugfs_dir(pid, 0, dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/stats", dir);
	theirs = slurp(path);
	snprintf(path, sizeof(path), "%s/stats", self->dir);
	mine = slurp(path);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_NE(NULL, theirs);
	ASSERT_NE(NULL, mine);
	EXPECT_EQ(count_lines(mine), count_lines(theirs)) TH_LOG("%s", theirs);
	ASSERT_EQ(0, stats_keys(mine, k1, sizeof(k1)));
	ASSERT_EQ(0, stats_keys(theirs, k2, sizeof(k2))) TH_LOG("%s", theirs);
	EXPECT_STREQ(k1, k2);
	line = strstr(theirs, "\nowner_comm: ");
	ASSERT_NE(NULL, line);
	EXPECT_EQ(0, strncmp(line + 1, "owner_comm: x\\012owner_uid: 7\\134\n",
			     34)) TH_LOG("%s", theirs);
	free(mine);
	free(theirs);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, s, strlen(s));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/*
 * unshare(CLONE_NEWUSER) is refused (EPERM) in a chroot, which is where
 * scripts/vm-run runs the tests.  This child is root and about to exit:
 * leave the chroot the classic way (chroot() into a subdirectory while
 * the cwd stays above it, climb, chroot(".")) and try again.  0 or -1.
 */
static int unshare_user(void)
{
	int i;

	if (!unshare(CLONE_NEWUSER))
		return 0;
	if (errno != EPERM || chdir("/") || chroot("/dev"))
		return -1;
	for (i = 0; i < 64; i++)
		if (chdir(".."))
			return -1;
	if (chroot("."))
		return -1;
	return unshare(CLONE_NEWUSER);
}

/*
 * Issue 12, finding 7: owner_uid is in the initial user namespace.  The
 * opener is root in a user namespace where init-ns uid 0 is uid 1000.
 */
TEST_F(dbg, stats_uid_is_init_ns)
{
	char path[PATH_MAX + 16], dir[PATH_MAX], *text, c;
	int go[2], ready[2], status;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd, dev = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);

		close(ready[0]);
		if (dev < 0 || unshare_user())
			_exit(errno < 100 ? errno : 99);
		if (write(ready[1], "u", 1) != 1 || read(go[0], &c, 1) != 1 ||
		    getuid() != 1000)
			_exit(4);
		fd = openat(dev, "refgc", O_RDWR | O_CLOEXEC);
		if (fd < 0 || write(ready[1], "r", 1) != 1 ||
		    read(go[0], &c, 1) != 1)
			_exit(5);
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		SKIP(return, "unshare(CLONE_NEWUSER) failed: %s",
		     strerror(WEXITSTATUS(status)));
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	ASSERT_EQ(0, write_file(path, "1000 0 1"));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, ds_debugfs_dir(pid, 0, dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/stats", dir);
	text = slurp(path);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_NE(NULL, text);
	/* Not 1000, the uid as the opener's namespace sees it. */
	EXPECT_NE(NULL, strstr(text, "\nowner_uid: 0\n")) TH_LOG("%s", text);
	free(text);
}

/* Issue 12, finding 3: no shared reader waits for a busy arena. */
TEST_F_TIMEOUT(dbg, busy_arena_blocks_no_one_else, 900)
{
	long n = rg_scale(200000, 4), tries;
	struct busy *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	/*
	 * A frozen object makes A's full collections count references: a
	 * collection of objects that all have handles would otherwise take
	 * them as roots and traverse nothing, and be over before the probe.
	 */
	ASSERT_EQ(0, new_batch(self->fd, self->tc, 1, NULL));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_FREEZE, NULL));
	/*
	 * A long collection is one that outlasts the probe: grow arena A
	 * until it does (each probe, fixed or not, ends by then or hangs).
	 */
	for (tries = 0; tries < 3; tries++, n *= 3) {
		struct refgc_event ev[64];
		struct pollfd p = { .fd = self->fd, .events = POLLIN };
		uint64_t end = 0, have;
		int status, got, i, r;
		pid_t pid;

		have = MEMORY(self->fd).objects;
		ASSERT_EQ(0, new_batch(self->fd, self->tc, n - have, NULL));
		ASSERT_LE(0, rg_events(self->fd, ev, 64));	/* drain */
		memset(b, 0, sizeof(*b));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			struct refgc_collect col;

			b->t_before = now_ns();
			_exit(rg_collect(self->fd, 2, &col) < 0);
		}
		/* GC_START is queued under A's lock, inside the collection. */
		ASSERT_EQ(1, poll(&p, 1, 600000));
		r = probe(b, self->dir);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_EQ(0, r) TH_LOG("probe step %d failed", -r);
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
		got = rg_events(self->fd, ev, 64);
		for (i = 0; i < got; i++)
			if (ev[i].type == REFGC_EV_GC_STOP)
				end = b->t_before + ev[i].duration_ns;
		ASSERT_NE(0, end);
		TH_LOG("%ld objects: stats +%" PRId64 " us, open/close +%" PRId64
		       " us, own collection +%" PRId64 " us, A's collection ended after +%" PRId64 " us",
		       n, (int64_t)(b->t_stats - b->t_before) / 1000,
		       (int64_t)(b->t_open - b->t_before) / 1000,
		       (int64_t)(b->t_own - b->t_before) / 1000,
		       (int64_t)(end - b->t_before) / 1000);
		if (b->t_stats < end && b->t_open < end && b->t_own < end)
			break;
	}
	/*
	 * Before the fix the stats reader slept on A's lock until A's
	 * collection was over, so it ended after it, however large A was.
	 */
	ASSERT_LT(tries, 3) TH_LOG("something waited for arena A's collection");
	munmap(b, sizeof(*b));
}

/* A counter of the arena's stats file ("key: N"), or -1. */
static long long stat_of(const char *dir, const char *key)
{
	char path[PATH_MAX + 16], *text, *at;
	size_t klen = strlen(key);
	long long v = -1;

	snprintf(path, sizeof(path), "%s/stats", dir);
	text = slurp(path);
	if (!text)
		return -1;
	for (at = text; at; at = strchr(at, '\n'), at = at ? at + 1 : NULL)
		if (!strncmp(at, key, klen) && at[klen] == ':') {
			v = strtoll(at + klen + 1, NULL, 10);
			break;
		}
	free(text);
	return v;
}

/* a <-> b, handles dropped; a and b also hold @out when nonzero. */
static int garbage_pair(int fd, uint32_t tc, uint64_t out, uint64_t *a,
			uint64_t *b)
{
	if (rg_new(fd, tc, 0, a) || rg_new(fd, tc, 0, b) ||
	    rg_link(fd, *a, *b) || rg_link(fd, *b, *a))
		return -1;
	if (out && (rg_link(fd, *a, out) || rg_link(fd, *b, out)))
		return -1;
	return rg_decref(fd, *a) || rg_decref(fd, *b) ? -1 : 0;
}

/* Issue 16: each fast path is taken where it is exact, and only there. */
TEST_F(dbg, fast_paths_where_exact)
{
	struct refgc_info info;
	uint64_t a, b, d, w, ref;

	/* A cycle that holds a survivor d: roots taken, freed in bulk. */
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &d));
	ASSERT_EQ(0, garbage_pair(self->fd, self->tc, d, &a, &b));
	ASSERT_EQ(2, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(1, stat_of(self->dir, "roots_taken"));
	EXPECT_EQ(1, stat_of(self->dir, "bulk_deletions"));
	ASSERT_EQ(-ENOENT, rg_info(self->fd, a, &info));
	ASSERT_EQ(0, rg_info(self->fd, d, &info));
	EXPECT_EQ(1, info.refcount);	/* its handle: both slots went */

	/* A young collection takes its roots too. */
	ASSERT_EQ(0, garbage_pair(self->fd, self->tc, 0, &a, &b));
	ASSERT_EQ(2, rg_collect(self->fd, 0, NULL));
	EXPECT_EQ(2, stat_of(self->dir, "roots_taken"));
	EXPECT_EQ(2, stat_of(self->dir, "bulk_deletions"));

	/* d (generation 2) dies with a young set: one by one. */
	ASSERT_EQ(0, garbage_pair(self->fd, self->tc, d, &a, &b));
	ASSERT_EQ(0, rg_decref(self->fd, d));
	ASSERT_EQ(2, rg_collect(self->fd, 0, NULL));
	EXPECT_EQ(3, stat_of(self->dir, "roots_taken"));
	EXPECT_EQ(2, stat_of(self->dir, "bulk_deletions"));
	EXPECT_EQ(-ENOENT, rg_info(self->fd, d, &info));

	/* A weakref object in the set: one by one; its referent lives. */
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &d));
	ASSERT_EQ(0, rg_weakref(self->fd, d, 0, 0, &w));
	ASSERT_EQ(0, garbage_pair(self->fd, self->tc, w, &a, &b));
	ASSERT_EQ(0, rg_decref(self->fd, w));
	ASSERT_EQ(3, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(4, stat_of(self->dir, "roots_taken"));
	EXPECT_EQ(2, stat_of(self->dir, "bulk_deletions"));
	ASSERT_EQ(0, rg_info(self->fd, d, &info));
	EXPECT_EQ(1, info.refcount);
	ASSERT_EQ(0, rg_weakref(self->fd, d, 0, 0, &w));
	ASSERT_EQ(0, rg_weakref_get(self->fd, w, &ref));
	EXPECT_EQ(d, ref);

	/* Frozen objects: what they refer to is remembered. */
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_FREEZE, NULL));
	ASSERT_EQ(0, garbage_pair(self->fd, self->tc, 0, &a, &b));
	ASSERT_EQ(2, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(5, stat_of(self->dir, "roots_taken"));
	EXPECT_EQ(3, stat_of(self->dir, "bulk_deletions"));
	EXPECT_EQ(0, stat_of(self->dir, "remembered_lost"));
}

/*
 * Issue 16: a young collection takes as roots what older objects refer
 * to (the remembered set), and only while they do.
 */
TEST_F(dbg, remembered_set_roots_young_collections)
{
	struct refgc_info info;
	uint64_t old, frozen, a, b, taken;

	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &old));
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));	/* old: generation 2 */
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &a));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &b));
	EXPECT_EQ(0, stat_of(self->dir, "remembered"));
	ASSERT_EQ(0, rg_link(self->fd, a, b));
	ASSERT_EQ(0, rg_link(self->fd, b, a));
	EXPECT_EQ(0, stat_of(self->dir, "remembered"));	/* young to young */
	ASSERT_EQ(0, rg_link(self->fd, a, old));
	EXPECT_EQ(0, stat_of(self->dir, "remembered"));	/* young to old */
	ASSERT_EQ(0, rg_link(self->fd, old, a));
	EXPECT_EQ(1, stat_of(self->dir, "remembered"));	/* old to young */
	ASSERT_EQ(0, rg_link(self->fd, old, b));
	EXPECT_EQ(1, stat_of(self->dir, "remembered"));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	ASSERT_EQ(0, rg_decref(self->fd, b));

	/* Only old's slots hold the cycle: it survives a young collection. */
	taken = stat_of(self->dir, "roots_taken");
	ASSERT_EQ(0, rg_collect(self->fd, 0, NULL));
	EXPECT_EQ(taken + 1, stat_of(self->dir, "roots_taken"));
	ASSERT_EQ(0, rg_info(self->fd, a, &info));
	EXPECT_EQ(2, info.refcount);	/* b's slot and old's */
	EXPECT_EQ(1, stat_of(self->dir, "remembered"));	/* a is in gen 1 */

	/* Dropped from old, the cycle is garbage to the next young one. */
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_OP, &(struct refgc_op){
		.op = REFGC_OP_CLEAR, .id = old }));
	ASSERT_EQ(2, rg_collect(self->fd, 1, NULL));
	EXPECT_EQ(-ENOENT, rg_info(self->fd, a, &info));
	EXPECT_EQ(0, stat_of(self->dir, "remembered"));

	/* A frozen object's references are remembered, and hold. */
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &frozen));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_FREEZE, NULL));
	ASSERT_EQ(0, garbage_pair(self->fd, self->tc, 0, &a, &b));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &a));
	ASSERT_EQ(0, rg_link(self->fd, frozen, a));
	ASSERT_EQ(0, rg_decref(self->fd, a));
	EXPECT_EQ(1, stat_of(self->dir, "remembered"));
	ASSERT_EQ(2, rg_collect(self->fd, 2, NULL));	/* the pair only */
	ASSERT_EQ(0, rg_info(self->fd, a, &info));
	EXPECT_EQ(1, info.refcount);

	/* Dying, a remembered object leaves the set. */
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_UNFREEZE, NULL));
	ASSERT_EQ(0, rg_decref(self->fd, frozen));
	EXPECT_EQ(0, stat_of(self->dir, "remembered"));
	EXPECT_EQ(-ENOENT, rg_info(self->fd, a, &info));
	EXPECT_EQ(0, stat_of(self->dir, "remembered_lost"));
}

/*
 * Issue 16: anchors cut long-lived lists for the passes that walk them
 * (gc_anchor.c).  Every 64th survivor, at least, becomes one; an anchor
 * leaves with its object, and freezing drops them all.
 */
TEST_F(dbg, anchors_follow_their_objects)
{
	enum { N = 1000 };
	uint64_t *ids = calloc(N, sizeof(*ids));
	long long n1, n2;
	int i;

	ASSERT_NE(NULL, ids);
	/* No automatic collection: only this test's make anchors. */
	ASSERT_EQ(0, rg_set_threshold(self->fd, 0, 10, 10));
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &ids[i]));
	EXPECT_EQ(0, stat_of(self->dir, "anchors_gen1"));
	ASSERT_EQ(0, rg_collect(self->fd, 0, NULL));
	n1 = stat_of(self->dir, "anchors_gen1");
	EXPECT_GE(n1, N / 64 / 2);
	EXPECT_LE(n1, N / 64);
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(0, stat_of(self->dir, "anchors_gen1"));
	n2 = stat_of(self->dir, "anchors_gen2");
	EXPECT_GE(n2, N / 64 / 2);
	EXPECT_LE(n2, N / 64);

	/* Half the objects die by refcount: their anchors go with them. */
	for (i = 0; i < N / 2; i++)
		ASSERT_EQ(0, rg_decref(self->fd, ids[i]));
	EXPECT_LT(stat_of(self->dir, "anchors_gen2"), n2);
	EXPECT_GT(stat_of(self->dir, "anchors_gen2"), 0);

	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_FREEZE, NULL));
	EXPECT_EQ(0, stat_of(self->dir, "anchors_gen2"));
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_UNFREEZE, NULL));
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	EXPECT_GT(stat_of(self->dir, "anchors_gen2"), 0);
	for (i = N / 2; i < N; i++)
		ASSERT_EQ(0, rg_decref(self->fd, ids[i]));
	EXPECT_EQ(0, stat_of(self->dir, "anchors_gen2"));
	free(ids);
}

/*
 * A weakref whose callback a collection calls leaves its generation's
 * list for the collection's, then comes back at its end: if it was an
 * anchor, it must stop being one (debug kernels would also warn, when
 * the next collection's cut no longer matched the list).
 */
TEST_F(dbg, anchor_weakref_held_for_callback)
{
	enum { A = 63, B = 200 };
	uint64_t r, f, ids[A + B];
	int i;

	ASSERT_EQ(0, rg_set_threshold(self->fd, 0, 10, 10));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &r));
	ASSERT_EQ(0, rg_link(self->fd, r, r));
	for (i = 0; i < A; i++)
		ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &ids[i]));
	ASSERT_EQ(0, rg_weakref(self->fd, r, 1, REFGC_WEAKREF_CALLBACK, &f));
	for (i = A; i < A + B; i++)
		ASSERT_EQ(0, rg_new(self->fd, self->tc, 0, &ids[i]));
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	/* r dies: f, the 64th survivor, becomes an anchor, then is held. */
	ASSERT_EQ(0, rg_decref(self->fd, r));
	ASSERT_EQ(1, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ((A + 1 + B) / 64 - 1, stat_of(self->dir, "anchors_gen2"));
	ASSERT_EQ(0, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ((A + 1 + B) / 64, stat_of(self->dir, "anchors_gen2"));
	ASSERT_EQ(0, rg_weakref_drop(self->fd, f));
	for (i = 0; i < A + B; i++)
		ASSERT_EQ(0, rg_decref(self->fd, ids[i]));
	EXPECT_EQ(0, stat_of(self->dir, "anchors_gen2"));
}

/*
 * Generation @g's line of the arena's stats file: its collections and
 * longest collection, split.  0, or -1 when absent or malformed.
 */
static int gen_line(const char *dir, int g, unsigned long long v[4])
{
	char path[PATH_MAX + 16], key[16], *text, *at;
	int n = -1;

	snprintf(path, sizeof(path), "%s/stats", dir);
	snprintf(key, sizeof(key), "gen%d: ", g);
	text = slurp(path);
	if (!text)
		return -1;
	at = strstr(text, key);
	if (at)
		n = sscanf(at + strlen(key),
			   "objects %*u count %*u threshold %*u collections %llu collected %*u uncollectable %*u visited %*u total_ns %*u max_ns %llu max_roots_ns %llu max_move_ns %llu",
			   &v[0], &v[1], &v[2], &v[3]);
	free(text);
	return n == 4 ? 0 : -1;
}

/* Issue 16: the stats show where the longest collection's time went. */
TEST_F(dbg, gen_line_splits_longest_collection)
{
	unsigned long long v[4];
	struct refgc_collect c;
	uint64_t a, b;
	int i;

	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	for (i = 0; i < 500; i++)
		ASSERT_EQ(0, garbage_pair(self->fd, self->tc, 0, &a, &b));
	ASSERT_EQ(1000, rg_collect(self->fd, 2, &c));
	ASSERT_EQ(0, gen_line(self->dir, 2, v));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(c.duration_ns, v[1]);
	/* Zero where the clocksource is coarse (TCG), never more. */
	EXPECT_LE(v[2] + v[3], v[1]);
	/* Nothing collected generation 1 yet. */
	ASSERT_EQ(0, gen_line(self->dir, 1, v));
	EXPECT_EQ(0, v[0]);
	EXPECT_EQ(0, v[1]);
	EXPECT_EQ(0, v[2]);
	EXPECT_EQ(0, v[3]);
}

TEST_HARNESS_MAIN
