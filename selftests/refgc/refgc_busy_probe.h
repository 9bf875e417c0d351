/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_busy_probe.h - what "nothing shared waits for a busy arena"
 * means, as one call: while some arena's lock is held (a long collection,
 * or a holder stalled in a user page fault), probe() must return, with
 * every step done.  Used by refgc_debugfs_test.c; bodies in
 * refgc_busy_probe.c.
 */
#ifndef REFGC_BUSY_PROBE_H
#define REFGC_BUSY_PROBE_H

#include <stdint.h>
#include <sys/types.h>

#define RG_DBG		"/sys/kernel/debug/refgc"

/* A whole (small, < 1 MiB) file as a malloc()ed string; NULL on error. */
char *slurp(const char *path);
int count_lines(const char *s);
/* CLOCK_MONOTONIC in ns. */
uint64_t now_ns(void);
/*
 * The debugfs directory of the arena @pid opened, other than @skip (whose
 * stats file must not be read: its lock is busy).  0 or -errno.
 */
int find_dir(pid_t pid, const char *skip, char *path, size_t len);

/* What the prober saw (put it in shared memory to compare across fork). */
struct busy {
	uint64_t t_before;	/* the caller's: just before the busy op */
	uint64_t t_stats, t_open, t_own;	/* when each step ended */
	int stats_ok;
};

/*
 * A thread reads the global stats (once; the old module slept on every
 * arena's lock there, inside the arenas lock); this thread opens and
 * closes /dev/refgc, has a new arena collected automatically (SYNC) and
 * reads that arena's objects file.  @skip: the busy arena's debugfs
 * directory.  0, or -step that failed.
 */
int probe(struct busy *b, const char *skip);

#endif /* REFGC_BUSY_PROBE_H */
