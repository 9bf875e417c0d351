// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_cgroup.c - the cgroup v2 helpers
 * (declared in refgc_cgroup.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "refgc_cgroup.h"

int rg_cg_write(const char *cg, const char *file,
		const char *val)
{
	char path[PATH_MAX];
	ssize_t n, len = strlen(val);
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if (n != len)
		err = -EIO;
	close(fd);
	return err;
}

long rg_cg_read(const char *cg, const char *file, char *buf,
		size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = 0;
	close(fd);
	return n;
}

long long rg_cg_read_num(const char *cg, const char *file)
{
	char buf[64];
	long r = rg_cg_read(cg, file, buf, sizeof(buf));

	return r < 0 ? r : strtoll(buf, NULL, 10);
}

long long rg_cg_read_key(const char *cg, const char *file,
			 const char *key)
{
	char buf[4096], *p;
	size_t klen = strlen(key);
	long r = rg_cg_read(cg, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 10);
	return -ENOENT;
}

int rg_cg_setup(const char **why)
{
	struct statfs sf;
	char buf[256];

	if (access(REFGC_DEV, F_OK)) {
		*why = REFGC_DEV " not present";
		return -ENOENT;
	}
	if (geteuid()) {
		*why = "needs root for cgroups";
		return -EPERM;
	}
	if (statfs(RG_CG_ROOT, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		if (mount("none", RG_CG_ROOT, "cgroup2", 0, NULL)) {
			*why = "cgroup2 is not mounted and cannot be mounted";
			return -errno;
		}
	}
	if (rg_cg_read(RG_CG_ROOT, "cgroup.controllers", buf,
		       sizeof(buf)) < 0 || !strstr(buf, "memory")) {
		*why = "no memory controller in cgroup.controllers";
		return -ENOENT;
	}
	if (rg_cg_write(RG_CG_ROOT, "cgroup.subtree_control", "+memory")) {
		*why = "cannot enable +memory in cgroup.subtree_control";
		return -EPERM;
	}
	return 0;
}

int rg_cg_create(const char *prefix, char *cg)
{
	snprintf(cg, RG_CG_PATH, "%s/%s_%d", RG_CG_ROOT, prefix, getpid());
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int rg_cg_enter(const char *cg, pid_t pid)
{
	char val[32];

	snprintf(val, sizeof(val), "%d", pid ? pid : getpid());
	return rg_cg_write(cg, "cgroup.procs", val);
}

int rg_cg_destroy(const char *cg)
{
	char buf[4096], *p, *end;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		if (!rmdir(cg) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		if (rg_cg_read(cg, "cgroup.procs", buf, sizeof(buf)) > 0)
			for (p = buf; *p; p = end) {
				long pid = strtol(p, &end, 10);

				if (end == p)
					break;
				rg_cg_enter(RG_CG_ROOT, pid);
			}
		usleep(10000);
	}
	return -EBUSY;
}
