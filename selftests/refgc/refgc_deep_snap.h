/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_deep_snap.h - a deep snapshot of an arena, for the tests that
 * assert "a failed call changes nothing" (hostile input, fault
 * injection): every gc-module value, the memory counters, the limits,
 * every object's info, slots and payload, the garbage list, the type
 * table, poll() readiness and, when debugfs is readable, the arena's
 * debugfs stats (which count the queued events).  Only read-only ioctls
 * are used, so taking a snapshot changes nothing either.
 */
#ifndef REFGC_DEEP_SNAP_H
#define REFGC_DEEP_SNAP_H

#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>

#include "refgc_util.h"

/* A growable byte string: the snapshot is compared with memcmp(). */
struct dsnap {
	unsigned char *p;
	size_t n, cap;
	int err;
};

void ds_put(struct dsnap *s, const void *v, size_t n);

/* A read-only ioctl whose struct goes into the snapshot. */
void ds_ioctl(struct dsnap *s, int fd, unsigned long cmd,
	      size_t size);

void ds_list(struct dsnap *s, int fd, uint32_t what,
	     struct refgc_entry **out, long *n);

/*
 * The debugfs stats file of the arena on @fd, found by its owner pid and
 * by matching @objects, or "" if debugfs is not readable.  @path receives
 * the directory (caller's buffer of PATH_MAX).
 */
int ds_debugfs_dir(pid_t pid, int nth, char *path,
		   size_t len);

/* Append a whole (small) text file; nothing if it cannot be opened. */
void ds_file(struct dsnap *s, const char *path);

/*
 * Take a snapshot of the arena on @fd into @s (freed with ds_free()).
 * @dbgdir: its debugfs directory, or NULL.  Returns 0 or -errno.
 */
int ds_take(int fd, const char *dbgdir, struct dsnap *s);

void ds_free(struct dsnap *s);

/* 0 if the arena on @fd still matches @s; 1 if not; -errno on failure. */
int ds_differs(int fd, const char *dbgdir,
	       const struct dsnap *s);

#endif /* REFGC_DEEP_SNAP_H */
