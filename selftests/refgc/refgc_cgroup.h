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

int rg_cg_write(const char *cg, const char *file,
		const char *val);

/* Read @cg/@file into @buf (NUL-terminated): bytes read, or -errno. */
long rg_cg_read(const char *cg, const char *file, char *buf,
		size_t size);

/* A single-number file (memory.current): the value, or -errno. */
long long rg_cg_read_num(const char *cg, const char *file);

/* The value of "@key N" in a flat keyed file (memory.events), or -errno. */
long long rg_cg_read_key(const char *cg, const char *file,
			 const char *key);

/*
 * Check the device is there and we are root, then make sure cgroup2 is
 * at RG_CG_ROOT with the memory controller enabled
 * for children.  0, or -errno with a reason in @why.
 */
int rg_cg_setup(const char **why);

/* Create RG_CG_ROOT/@prefix_<pid> (path into @cg, RG_CG_PATH bytes). */
int rg_cg_create(const char *prefix, char *cg);

/* Move process @pid (0: the caller) into @cg. */
int rg_cg_enter(const char *cg, pid_t pid);

/* Move whatever is left in @cg back to the root, then remove it. */
int rg_cg_destroy(const char *cg);

#endif /* REFGC_CGROUP_H */
