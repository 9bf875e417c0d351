/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_cgroup.h - cgroup v2 helpers for the memcg and lifecycle tests:
 * find (or, as root in the test VM, mount) the cgroup2 hierarchy, enable
 * the memory controller for children, make a child cgroup, move a
 * process into it, read and write its files, remove it.  Every helper
 * returns 0 (or a value) or -errno and never prints.
 */
#ifndef REFGC_CGROUP_H
#define REFGC_CGROUP_H

#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

#include "refgc_util.h"

#define RG_CG_ROOT	"/sys/fs/cgroup"
#define RG_CG_PATH	256	/* bytes of a cgroup's path */
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

static inline int rg_cg_write(const char *cg, const char *file,
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

/* Read @cg/@file into @buf (NUL-terminated): bytes read, or -errno. */
static inline long rg_cg_read(const char *cg, const char *file, char *buf,
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

/* A single-number file (memory.current): the value, or -errno. */
static inline long long rg_cg_read_num(const char *cg, const char *file)
{
	char buf[64];
	long r = rg_cg_read(cg, file, buf, sizeof(buf));

	return r < 0 ? r : strtoll(buf, NULL, 10);
}

/* The value of "@key N" in a flat keyed file (memory.events), or -errno. */
static inline long long rg_cg_read_key(const char *cg, const char *file,
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

/*
 * Check the device is there and we are root, then make sure cgroup2 is
 * at RG_CG_ROOT with the memory controller enabled
 * for children.  0, or -errno with a reason in @why.
 */
static inline int rg_cg_setup(const char **why)
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

/* Create RG_CG_ROOT/@prefix_<pid> (path into @cg, RG_CG_PATH bytes). */
static inline int rg_cg_create(const char *prefix, char *cg)
{
	snprintf(cg, RG_CG_PATH, "%s/%s_%d", RG_CG_ROOT, prefix, getpid());
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Move process @pid (0: the caller) into @cg. */
static inline int rg_cg_enter(const char *cg, pid_t pid)
{
	char val[32];

	snprintf(val, sizeof(val), "%d", pid ? pid : getpid());
	return rg_cg_write(cg, "cgroup.procs", val);
}

/* Move whatever is left in @cg back to the root, then remove it. */
static inline int rg_cg_destroy(const char *cg)
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

#endif /* REFGC_CGROUP_H */
