// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_deep_snap.c - the deep snapshot of an arena
 * (declared in refgc_deep_snap.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "refgc_deep_snap.h"

void ds_put(struct dsnap *s, const void *v, size_t n)
{
	unsigned char *q;

	if (s->err)
		return;
	if (s->n + n > s->cap) {
		size_t cap = (s->cap + n) * 2;

		q = realloc(s->p, cap);
		if (!q) {
			s->err = -ENOMEM;
			return;
		}
		s->p = q;
		s->cap = cap;
	}
	memcpy(s->p + s->n, v, n);
	s->n += n;
}

void ds_ioctl(struct dsnap *s, int fd, unsigned long cmd,
	      size_t size)
{
	unsigned char buf[256] = { 0 };
	long r = rg_ioctl(fd, cmd, buf);

	if (r < 0 && !s->err)
		s->err = r;
	ds_put(s, buf, size);
}

void ds_list(struct dsnap *s, int fd, uint32_t what,
	     struct refgc_entry **out, long *n)
{
	long r = rg_list(fd, what, what ? 0 : REFGC_LIST_ALL_GENERATIONS,
			 64, out);

	*n = r < 0 ? 0 : r;
	if (r < 0 && !s->err)
		s->err = r;
	ds_put(s, n, sizeof(*n));
	if (*out && *n)
		ds_put(s, *out, *n * sizeof(**out));
}

int ds_debugfs_dir(pid_t pid, int nth, char *path,
		   size_t len)
{
	DIR *d = opendir("/sys/kernel/debug/refgc/arenas");
	struct dirent *e;
	long best[8];
	int nb = 0, i, j;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && nb < 8) {
		char p[300], line[128];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/kernel/debug/refgc/arenas/%s/stats",
			 e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			int got;

			if (sscanf(line, "owner_pid: %d", &got) == 1) {
				if (got == pid)
					best[nb++] = atol(e->d_name);
				break;
			}
		}
		fclose(f);
	}
	closedir(d);
	/* Arenas are numbered in open() order: sort ascending. */
	for (i = 1; i < nb; i++)
		for (j = i; j > 0 && best[j] < best[j - 1]; j--) {
			long t = best[j];

			best[j] = best[j - 1];
			best[j - 1] = t;
		}
	if (nth >= nb)
		return -ENOENT;
	snprintf(path, len, "/sys/kernel/debug/refgc/arenas/%ld", best[nth]);
	return 0;
}

void ds_file(struct dsnap *s, const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		ds_put(s, buf, r);
	close(fd);
}

int ds_take(int fd, const char *dbgdir, struct dsnap *s)
{
	struct refgc_entry *objs = NULL, *garb = NULL, *types = NULL;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long nobj, ngarb, ntypes, i;

	memset(s, 0, sizeof(*s));
	ds_ioctl(s, fd, REFGC_IOC_GET_MEMORY, sizeof(struct refgc_memory));
	ds_ioctl(s, fd, REFGC_IOC_GET_LIMITS, sizeof(struct refgc_limits));
	ds_ioctl(s, fd, REFGC_IOC_GET_COUNT, sizeof(struct refgc_count));
	ds_ioctl(s, fd, REFGC_IOC_GET_THRESHOLD,
		 sizeof(struct refgc_threshold));
	ds_ioctl(s, fd, REFGC_IOC_GET_STATS, sizeof(struct refgc_stats));
	ds_ioctl(s, fd, REFGC_IOC_ISENABLED, sizeof(struct refgc_gc_value));
	ds_ioctl(s, fd, REFGC_IOC_GET_DEBUG, sizeof(struct refgc_gc_value));
	ds_ioctl(s, fd, REFGC_IOC_GET_FLAGS, sizeof(struct refgc_gc_value));
	ds_ioctl(s, fd, REFGC_IOC_GET_FREEZE_COUNT,
		 sizeof(struct refgc_freeze_count));
	ds_list(s, fd, REFGC_LIST_OBJECTS, &objs, &nobj);
	ds_list(s, fd, REFGC_LIST_GARBAGE, &garb, &ngarb);
	ds_list(s, fd, REFGC_LIST_TYPES, &types, &ntypes);
	for (i = 0; i < ntypes; i++) {
		struct refgc_type t = { .id = types[i].id };

		if (rg_ioctl(fd, REFGC_IOC_TYPE_GET, &t) && !s->err)
			s->err = -EIO;
		ds_put(s, &t, sizeof(t));
	}
	for (i = 0; i < nobj; i++) {
		uint64_t slots[64] = { 0 };
		unsigned char pay[256] = { 0 };
		struct refgc_info info = { 0 };
		long n;

		if (rg_info(fd, objs[i].id, &info) && !s->err)
			s->err = -EIO;
		ds_put(s, &info, sizeof(info));
		n = rg_slots(fd, objs[i].id, slots, 64);
		ds_put(s, &n, sizeof(n));
		ds_put(s, slots, sizeof(slots));
		n = info.payload_size < sizeof(pay) ? info.payload_size :
						      sizeof(pay);
		if (n && rg_pread(fd, objs[i].id, 0, n, pay) && !s->err)
			s->err = -EIO;
		ds_put(s, pay, n);
	}
	if (poll(&p, 1, 0) < 0 && !s->err)
		s->err = -errno;
	ds_put(s, &p.revents, sizeof(p.revents));
	if (dbgdir) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/stats", dbgdir);
		ds_file(s, path);
		snprintf(path, sizeof(path), "%s/control", dbgdir);
		ds_file(s, path);
	}
	free(objs);
	free(garb);
	free(types);
	return s->err;
}

void ds_free(struct dsnap *s)
{
	free(s->p);
	memset(s, 0, sizeof(*s));
}

int ds_differs(int fd, const char *dbgdir,
	       const struct dsnap *s)
{
	struct dsnap now;
	int r = ds_take(fd, dbgdir, &now);

	if (!r)
		r = now.n != s->n || memcmp(now.p, s->p, s->n);
	ds_free(&now);
	return r;
}
