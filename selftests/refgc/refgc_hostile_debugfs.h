/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_hostile_debugfs.h - the debugfs half of refgc_hostile_test.c
 * (included once, after its fixture): garbage written to an arena's
 * control file, every refgc debugfs file read in odd chunks and into bad
 * buffers while objects exist, and the files being root-only.
 */
#ifndef REFGC_HOSTILE_DEBUGFS_H
#define REFGC_HOSTILE_DEBUGFS_H

#include <glob.h>

/* Commands that parse_control() must refuse (module/debugfs.c). */
static const char *const bad_commands[] = {
	"collect 3", "collect -1", "collect 1 2", "collect x", "collect 0x1",
	"threshold", "threshold a", "threshold 1 2 3 4", "threshold -1",
	"threshold 4294967296", "debug", "debug bogus", "debug stats,",
	"debug ,", "debug none,stats", "debug stats saveall", "enable 1",
	"disable now", "freeze 0", "unfreeze x", "Enable", "collectx",
	"collect\n\n", "enable\r", "\n", " ", "\t\n", "freeze\nenable",
	"#enable", "0 collect", "",
};

/* Fill @buf with a command that must be refused; returns its length. */
static size_t bad_command(struct hctx *h, char *buf, size_t cap)
{
	size_t n, i;

	switch (R(h) % 5) {
	case 0: {
		const char *c = bad_commands[R(h) % ARRAY_SIZE(bad_commands)];

		n = strlen(c);
		memcpy(buf, c, n);
		return n;
	}
	case 1:		/* random bytes, not starting with a command */
		n = 1 + R(h) % 127;
		for (i = 0; i < n; i++)
			buf[i] = R(h);
		buf[0] = "0123456789#!%&*+-./:;<=>?@[]^_{}~"[R(h) % 33];
		return n;
	case 2:		/* a good command with a NUL inside */
		n = snprintf(buf, cap, "collect 0");
		buf[R(h) % n] = 0;
		return n;
	case 3:		/* too long */
		n = 128 + R(h) % (cap - 128);
		memset(buf, ' ', n);
		memcpy(buf, "enable", 6);
		return n;
	default:	/* a good command, then junk after a newline */
		n = snprintf(buf, cap, "disable\n%c", 'a' + (int)(R(h) % 26));
		return n;
	}
}

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

/* Read @path to its end in random chunks; the bytes read, or -errno. */
static long read_chunks(struct hctx *h, const char *path, char *out,
			size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long total = 0;
	uint64_t ptr;
	ssize_t r;

	if (fd < 0)
		return -errno;
	/*
	 * A bad buffer first: EFAULT (or the few bytes before the guard
	 * page, for a straddling one); then start over.
	 */
	ptr = hmem_ptr(&h->m, &h->m.data, bad_kind(R(h), true), 64, R(h),
		       &(char *){ 0 }, &(size_t){ 0 });
	r = read(fd, (void *)(uintptr_t)ptr, 64 + R(h) % 4096);
	if (r >= 64 || (r < 0 && errno != EFAULT)) {
		fprintf(stderr, "# %s: read into a bad buffer: %zd errno %d\n",
			path, r, errno);
		close(fd);
		return -EPROTO;
	}
	lseek(fd, 0, SEEK_SET);
	do {
		size_t want = 1 + R(h) % (R(h) % 2 ? 7 : 4096);

		if (want > cap - total - 1)
			want = cap - total - 1;
		r = read(fd, out + total, want);
		if (r > 0)
			total += r;
	} while (r > 0 && (size_t)total < cap - 1);
	close(fd);
	out[total] = 0;
	return r < 0 ? -errno : total;
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

#endif /* REFGC_HOSTILE_DEBUGFS_H */
