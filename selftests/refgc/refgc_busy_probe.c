// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_busy_probe.c - the "nothing shared waits for a busy arena" probe
 * (declared in refgc_busy_probe.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "refgc_util.h"
#include "refgc_busy_probe.h"

#define TEXT_MAX	(1 << 20)

/* Read a whole (small) file into a malloc()ed string; NULL on error. */
char *slurp(const char *path)
{
	char *buf = malloc(TEXT_MAX);
	size_t n = 0;
	ssize_t r;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (n < TEXT_MAX - 1 && (r = read(fd, buf + n, TEXT_MAX - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return buf;
}

int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/*
 * The debugfs directory of the arena @pid opened, other than @skip (whose
 * stats file must not be read: its lock is busy).
 */
int find_dir(pid_t pid, const char *skip, char *path, size_t len)
{
	DIR *d = opendir(RG_DBG "/arenas");
	struct dirent *e;
	int found = -ENOENT;

	if (!d)
		return -errno;
	while (found && (e = readdir(d))) {
		char p[PATH_MAX + 300], *s;
		int got;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), RG_DBG "/arenas/%s", e->d_name);
		if (!strcmp(p, skip))
			continue;
		snprintf(path, len, "%s", p);
		strcat(p, "/stats");
		s = slurp(p);
		if (s && strstr(s, "\nowner_pid: ") &&
		    sscanf(strstr(s, "\nowner_pid: "), "\nowner_pid: %d", &got) == 1 &&
		    got == pid)
			found = 0;
		free(s);
	}
	closedir(d);
	return found;
}

static void *read_stats(void *arg)
{
	struct busy *b = arg;
	char *s = slurp(RG_DBG "/stats");

	b->stats_ok = s && strstr(s, "arenas: ");
	b->t_stats = now_ns();
	free(s);
	return NULL;
}

/*
 * The prober: while A's collection runs, a thread reads the global stats
 * (once, the old module sleeps on A's lock there, inside the arenas
 * lock), and this thread opens and closes /dev/refgc, and has its own
 * arena B collected automatically and reads B's debugfs files.
 */
int probe(struct busy *b, const char *skip)
{
	char dir[PATH_MAX + 300], path[PATH_MAX + 316], *s;
	struct refgc_stats st = { 0 };
	pthread_t th;
	uint32_t tc;
	int fd, i;

	if (pthread_create(&th, NULL, read_stats, b))
		return -1;
	fd = rg_open();
	if (fd < 0)
		return -2;
	close(fd);
	b->t_open = now_ns();
	fd = rg_open();
	if (fd < 0 || rg_type(fd, "n", 0, &tc) || rg_set_threshold(fd, 10, 10, 10))
		return -3;
	for (i = 0; i < 40; i++)
		if (rg_new(fd, tc, 0, &(uint64_t){ 0 }))
			return -4;
	if (rg_sync(fd) || rg_ioctl(fd, REFGC_IOC_GET_STATS, &st) ||
	    !st.gen[0].collections)
		return -5;
	if (find_dir(getpid(), skip, dir, sizeof(dir)))
		return -6;
	snprintf(path, sizeof(path), "%s/objects", dir);
	s = slurp(path);
	if (!s || count_lines(s) != 41)
		return -7;
	free(s);
	b->t_own = now_ns();
	close(fd);
	pthread_join(th, NULL);
	return b->stats_ok ? 0 : -8;
}
