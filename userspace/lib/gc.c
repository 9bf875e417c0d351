// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * gc.c - the collector's ioctls, one function each, as Python's gc module,
 * and the names of the debug flags.
 *
 * Every function returns 0 or a documented non-negative value on success
 * and a negative errno on failure, and prints nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "librefgc.h"
#include "internal.h"

/**
 * refgc_collect() - REFGC_IOC_COLLECT, as gc.collect(generation)
 * @fd: the arena.
 * @generation: 0, 1 or 2.
 * @out: if not NULL, filled with collected, uncollectable, visited and
 *	duration_ns.
 *
 * Return: collected + uncollectable (capped at INT_MAX), or -errno.
 */
int refgc_collect(int fd, int generation, struct refgc_collect *out)
{
	struct refgc_collect c = { .generation = generation };
	long r = refgc_ioctl(fd, REFGC_IOC_COLLECT, &c);

	if (r >= 0 && out)
		*out = c;
	return (int)r;
}

/*
 * Hand every record queued now to @fn.  They are all read before the
 * first call, so that what @fn's own work queues (the callback of an
 * object a finalizer frees) is left on the queue for @fn to take there
 * and then, as CPython runs it nested, and is not mistaken for the
 * phase's.  Returns how many, or -errno.
 */
static int fin_batch(int fd, refgc_event_fn fn, void *arg, int *stop)
{
	struct refgc_event *ev = NULL, *grown;
	size_t nev = 0, cap = 0, i;
	int n;

	for (;;) {
		if (nev == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(ev, cap * sizeof(*ev));
			if (!grown) {
				n = -ENOMEM;
				break;
			}
			ev = grown;
		}
		n = refgc_event_read(fd, ev + nev, cap - nev, 0);
		if (n <= 0)
			break;
		nev += n;
	}
	for (i = 0; i < nev; i++) {
		if (fn && !*stop)
			*stop = fn(&ev[i], arg);
		else if (ev[i].type == REFGC_EV_FINALIZE)
			refgc_decref(fd, ev[i].id, NULL);
	}
	free(ev);
	return n < 0 ? n : (int)nev;
}

/* The records of one suspended phase, until the queue is empty. */
static int fin_phase(int fd, refgc_event_fn fn, void *arg, int *stop)
{
	int n;

	do {
		n = fin_batch(fd, fn, arg, stop);
	} while (n > 0);
	return n;
}

/**
 * refgc_collect_fin() - gc.collect(), with the finalizers run inside it
 * @fd: the arena.
 * @generation: 0, 1 or 2.
 * @fn: called for each event record queued while the collection is
 *	suspended, in order (weakref callbacks first, then the finalizers,
 *	then whatever those cause).  A FINALIZE record's handle is @fn's:
 *	it drops it (refgc_decref()) unless the finalizer keeps self.  While
 *	@fn runs, a WEAKREF record's weakref is kept alive by the collection.
 *	@fn may do anything to the arena.  NULL: every finalizer is "pass".
 * @arg: for @fn.
 * @out: the outcome, or NULL.
 *
 * COLLECT with REFGC_COLLECT_FINALIZE; while the collection says it is
 * suspended, the records of that phase, then REFGC_IOC_COLLECT_RESUME,
 * which may suspend again for a later phase (callbacks, finalizers, the
 * finalizers of objects that die while the garbage is deleted).  A
 * nonzero return from @fn stops calling it (remaining FINALIZE handles
 * are dropped); the collection is still finished.
 *
 * Return: collected + uncollectable, as refgc_collect(), or -errno.
 */
int refgc_collect_fin(int fd, int generation, refgc_event_fn fn, void *arg,
		      struct refgc_collect *out)
{
	struct refgc_collect c = { .generation = generation,
				   .flags = REFGC_COLLECT_FINALIZE };
	long r = refgc_ioctl(fd, REFGC_IOC_COLLECT, &c);
	int n, stop = 0;

	while (r >= 0 && (c.flags & REFGC_COLLECT_SUSPENDED)) {
		n = fin_phase(fd, fn, arg, &stop);
		if (n < 0)
			return n;
		c = (struct refgc_collect){ 0 };
		r = refgc_ioctl(fd, REFGC_IOC_COLLECT_RESUME, &c);
	}
	if (r < 0)
		return (int)r;
	if (out)
		*out = c;
	return (int)r;
}

/**
 * refgc_enable() - REFGC_IOC_ENABLE, as gc.enable()
 * @fd: the arena.
 *
 * Return: 0 or -errno.
 */
int refgc_enable(int fd)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_ENABLE, NULL);
}

/**
 * refgc_disable() - REFGC_IOC_DISABLE, as gc.disable()
 * @fd: the arena.
 *
 * Return: 0 or -errno.
 */
int refgc_disable(int fd)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_DISABLE, NULL);
}

/**
 * refgc_isenabled() - REFGC_IOC_ISENABLED, as gc.isenabled()
 * @fd: the arena.
 *
 * Return: 1 if automatic collection is on, 0 if off, or -errno.
 */
int refgc_isenabled(int fd)
{
	struct refgc_gc_value v = { 0 };
	long r = refgc_ioctl(fd, REFGC_IOC_ISENABLED, &v);

	return r < 0 ? (int)r : !!v.value;
}

/**
 * refgc_get_threshold() - REFGC_IOC_GET_THRESHOLD, as gc.get_threshold()
 * @fd: the arena.
 * @threshold: filled with the three thresholds.
 *
 * Return: 0 or -errno.
 */
int refgc_get_threshold(int fd, uint32_t threshold[REFGC_NUM_GENERATIONS])
{
	struct refgc_threshold t = { .reserved = 0 };
	long r = refgc_ioctl(fd, REFGC_IOC_GET_THRESHOLD, &t);

	if (!r)
		memcpy(threshold, t.threshold, sizeof(t.threshold));
	return (int)r;
}

/**
 * refgc_set_threshold() - REFGC_IOC_SET_THRESHOLD, as gc.set_threshold()
 * @fd: the arena.
 * @threshold: the three thresholds; threshold[0] == 0 disables automatic
 *	collection.
 *
 * Return: 0 or -errno.
 */
int refgc_set_threshold(int fd,
			const uint32_t threshold[REFGC_NUM_GENERATIONS])
{
	struct refgc_threshold t = { .reserved = 0 };

	memcpy(t.threshold, threshold, sizeof(t.threshold));
	return (int)refgc_ioctl(fd, REFGC_IOC_SET_THRESHOLD, &t);
}

/**
 * refgc_get_count() - REFGC_IOC_GET_COUNT, as gc.get_count()
 * @fd: the arena.
 * @count: filled with the three counts.
 *
 * Return: 0 or -errno.
 */
int refgc_get_count(int fd, uint64_t count[REFGC_NUM_GENERATIONS])
{
	struct refgc_count c = { .count = { 0 } };
	long r = refgc_ioctl(fd, REFGC_IOC_GET_COUNT, &c);

	if (!r)
		memcpy(count, c.count, sizeof(c.count));
	return (int)r;
}

/**
 * refgc_get_stats() - REFGC_IOC_GET_STATS, as gc.get_stats()
 * @fd: the arena.
 * @st: filled with per-generation statistics.
 *
 * Return: 0 or -errno.
 */
int refgc_get_stats(int fd, struct refgc_stats *st)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_GET_STATS, st);
}

/**
 * refgc_set_debug() - REFGC_IOC_SET_DEBUG, as gc.set_debug()
 * @fd: the arena.
 * @flags: REFGC_DEBUG_* bits.
 *
 * Return: 0, -EINVAL for unknown bits, or -errno.
 */
int refgc_set_debug(int fd, uint32_t flags)
{
	struct refgc_gc_value v = { .value = flags };

	return (int)refgc_ioctl(fd, REFGC_IOC_SET_DEBUG, &v);
}

/**
 * refgc_get_debug() - REFGC_IOC_GET_DEBUG, as gc.get_debug()
 * @fd: the arena.
 * @flags: set to the REFGC_DEBUG_* bits.
 *
 * Return: 0 or -errno.
 */
int refgc_get_debug(int fd, uint32_t *flags)
{
	struct refgc_gc_value v = { 0 };
	long r = refgc_ioctl(fd, REFGC_IOC_GET_DEBUG, &v);

	if (!r)
		*flags = v.value;
	return (int)r;
}

/**
 * refgc_clear_garbage() - REFGC_IOC_CLEAR_GARBAGE, as del gc.garbage[:]
 * @fd: the arena.
 *
 * Return: how many entries were released, or -errno.
 */
int refgc_clear_garbage(int fd)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_CLEAR_GARBAGE, NULL);
}

/**
 * refgc_freeze() - REFGC_IOC_FREEZE, as gc.freeze()
 * @fd: the arena.
 *
 * Return: 0 or -errno.
 */
int refgc_freeze(int fd)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_FREEZE, NULL);
}

/**
 * refgc_unfreeze() - REFGC_IOC_UNFREEZE, as gc.unfreeze()
 * @fd: the arena.
 *
 * Return: 0 or -errno.
 */
int refgc_unfreeze(int fd)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_UNFREEZE, NULL);
}

/**
 * refgc_freeze_count() - REFGC_IOC_GET_FREEZE_COUNT, as gc.get_freeze_count()
 * @fd: the arena.
 * @count: set to the objects in the permanent generation.
 *
 * Return: 0 or -errno.
 */
int refgc_freeze_count(int fd, uint64_t *count)
{
	struct refgc_freeze_count c = { 0 };
	long r = refgc_ioctl(fd, REFGC_IOC_GET_FREEZE_COUNT, &c);

	if (!r)
		*count = c.count;
	return (int)r;
}

/**
 * refgc_sync() - REFGC_IOC_SYNC: wait for a queued automatic collection
 * @fd: the arena.
 *
 * Return: 0 or -errno.
 */
int refgc_sync(int fd)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_SYNC, NULL);
}

/**
 * refgc_set_flags() - REFGC_IOC_SET_FLAGS
 * @fd: the arena.
 * @flags: REFGC_ARENA_* bits.
 *
 * Return: 0, -EINVAL for unknown bits, or -errno.
 */
int refgc_set_flags(int fd, uint32_t flags)
{
	struct refgc_gc_value v = { .value = flags };

	return (int)refgc_ioctl(fd, REFGC_IOC_SET_FLAGS, &v);
}

/**
 * refgc_get_flags() - REFGC_IOC_GET_FLAGS
 * @fd: the arena.
 * @flags: set to the REFGC_ARENA_* bits.
 *
 * Return: 0 or -errno.
 */
int refgc_get_flags(int fd, uint32_t *flags)
{
	struct refgc_gc_value v = { 0 };
	long r = refgc_ioctl(fd, REFGC_IOC_GET_FLAGS, &v);

	if (!r)
		*flags = v.value;
	return (int)r;
}

static const struct {
	const char *name;
	uint32_t bits;
} debug_names[] = {
	{ "stats", REFGC_DEBUG_STATS },
	{ "collectable", REFGC_DEBUG_COLLECTABLE },
	{ "uncollectable", REFGC_DEBUG_UNCOLLECTABLE },
	{ "saveall", REFGC_DEBUG_SAVEALL },
	{ "leak", REFGC_DEBUG_LEAK },
	{ NULL, 0 },
};

/**
 * refgc_debug_parse() - parse "none" or a comma list of debug flag names
 * @list: e.g. "stats,collectable"; names are stats, collectable,
 *	uncollectable, saveall and leak (the last three together).
 * @flags: set to the REFGC_DEBUG_* bits.
 *
 * Return: 0, or -EINVAL for an empty element or an unknown name.
 */
int refgc_debug_parse(const char *list, uint32_t *flags)
{
	const char *p = list;
	uint32_t f = 0;
	size_t i, len;

	if (!strcmp(list, "none")) {
		*flags = 0;
		return 0;
	}
	for (;;) {
		len = strcspn(p, ",");
		for (i = 0; debug_names[i].name; i++)
			if (strlen(debug_names[i].name) == len &&
			    !strncmp(debug_names[i].name, p, len))
				break;
		if (!debug_names[i].name)
			return -EINVAL;
		f |= debug_names[i].bits;
		if (!p[len])
			break;
		p += len + 1;
	}
	*flags = f;
	return 0;
}

/**
 * refgc_debug_flag_name() - the name of one REFGC_DEBUG_* bit
 * @bit: a single bit.
 *
 * Return: its name, or NULL for an unknown bit.
 */
const char *refgc_debug_flag_name(uint32_t bit)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (debug_names[i].bits == bit)
			return debug_names[i].name;
	return NULL;
}
