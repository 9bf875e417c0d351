/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_audit.h - a whole-arena consistency check for the concurrency
 * and lifecycle tests.  From LIST, GET_INFO and GET_SLOTS alone: every
 * slot names a live object; every object's refcount is its handles +
 * the slots pointing at it (+ 1 on the garbage list, + 1 for a pending
 * FINALIZE event); GET_MEMORY's objects, slots and payload_bytes are the
 * sums over the objects.  With debugfs, GET_MEMORY's bytes must also be
 * the sum of the per-object bytes of arenas/<seq>/objects.  The arena
 * must be quiet (nothing else using it) while it runs.
 */
#ifndef REFGC_AUDIT_H
#define REFGC_AUDIT_H

#include <dirent.h>
#include <stdarg.h>

#include "refgc_util.h"

#define RG_DEBUGFS	"/sys/kernel/debug/refgc"

struct rg_audit {
	long objects;
	uint64_t handles;	/* sum over objects */
	uint64_t slots;
	uint64_t payload;
	long weakrefs;
	long debugfs_bytes;	/* -1 when debugfs was not looked at */
	struct refgc_memory m;
	char err[256];
};

int rg_audit_fail(struct rg_audit *a, const char *fmt, ...);

long rg_find_id(const uint64_t *ids, long n, uint64_t id);

/*
 * The arena behind @fd (its debugfs directory name) and the bytes it
 * counts outside its objects, from /proc/self/fdinfo: 0, or -1.
 */
int rg_fdinfo(int fd, unsigned long long *arena, uint64_t *reserved);

/*
 * What the arena of @fd should count in GET_MEMORY.bytes: the bytes
 * column of its debugfs objects dump, summed, plus the bytes it counts
 * outside its objects; or -1.
 */
long rg_debugfs_bytes(int fd);

/* 0 when the arena of @fd is consistent; else -1 and @a->err says why. */
int rg_audit(int fd, struct rg_audit *a);

/*
 * Drop every handle of every object of @fd (draining FINALIZE events
 * first, and the garbage list), then collect: 0 when the arena ends up
 * empty with nothing charged.
 */
int rg_drain_all(int fd, struct rg_audit *a);

#endif /* REFGC_AUDIT_H */
