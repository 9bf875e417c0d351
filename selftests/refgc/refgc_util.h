/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_util.h - small helpers shared by the refgc kselftests: open an
 * arena, and one-line wrappers that return 0 or -errno (never print).
 */
#ifndef REFGC_UTIL_H
#define REFGC_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/refgc.h>

#define REFGC_DEV "/dev/refgc"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static inline int rg_open(void)
{
	return open(REFGC_DEV, O_RDWR | O_CLOEXEC);
}

/* ioctl returning its value, or -errno. */
static inline long rg_ioctl(int fd, unsigned long cmd, void *arg)
{
	long r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

static inline int rg_type(int fd, const char *name, uint32_t flags,
			  uint32_t *id)
{
	struct refgc_type t = { .flags = flags };
	long r;

	/* At most 31 bytes; the rest stays zero (strncpy, minus its warning). */
	memcpy(t.name, name, strnlen(name, sizeof(t.name) - 1));
	r = rg_ioctl(fd, REFGC_IOC_TYPE_REGISTER, &t);
	if (!r && id)
		*id = t.id;
	return r;
}

/* Run one op; on success *result (if given) gets op.result. */
static inline int rg_op(int fd, uint32_t code, uint64_t id, uint64_t arg,
			uint64_t arg2, uint64_t addr, uint64_t *result)
{
	struct refgc_op op = { .op = code, .id = id, .arg = arg,
			       .arg2 = arg2, .addr = addr };
	long r = rg_ioctl(fd, REFGC_IOC_OP, &op);

	if (!r && result)
		*result = op.result;
	return r;
}

static inline int rg_new(int fd, uint32_t type, uint64_t bytes, uint64_t *id)
{
	return rg_op(fd, REFGC_OP_NEW, 0, type, bytes, 0, id);
}

static inline int rg_incref(int fd, uint64_t id)
{
	return rg_op(fd, REFGC_OP_INCREF, id, 0, 0, 0, NULL);
}

static inline int rg_decref(int fd, uint64_t id)
{
	return rg_op(fd, REFGC_OP_DECREF, id, 0, 0, 0, NULL);
}

static inline int rg_link(int fd, uint64_t src, uint64_t dst)
{
	return rg_op(fd, REFGC_OP_LINK, src, dst, 0, 0, NULL);
}

static inline int rg_info(int fd, uint64_t id, struct refgc_info *info)
{
	return rg_op(fd, REFGC_OP_GET_INFO, id, 0, sizeof(*info),
		     (uintptr_t)info, NULL);
}

static inline int rg_memory(int fd, struct refgc_memory *m)
{
	return rg_ioctl(fd, REFGC_IOC_GET_MEMORY, m);
}

static inline struct refgc_limits get_limits(int fd)
{
	struct refgc_limits l = { 0 };

	rg_ioctl(fd, REFGC_IOC_GET_LIMITS, &l);
	return l;
}

static inline int set_limits(int fd, uint64_t objects, uint64_t bytes,
			     uint64_t payload)
{
	struct refgc_limits l = { objects, bytes, payload };

	return rg_ioctl(fd, REFGC_IOC_SET_LIMITS, &l);
}

/* gc.collect(gen): returns collected + uncollectable, or -errno. */
static inline long rg_collect(int fd, int gen, struct refgc_collect *out)
{
	struct refgc_collect c = { .generation = gen };
	long r = rg_ioctl(fd, REFGC_IOC_COLLECT, &c);

	if (out)
		*out = c;
	return r;
}

/* Active objects of the refgc_object slab, from /proc/slabinfo, or -1. */
static inline long rg_slab_active(void)
{
	char line[512];
	long active = -1;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "refgc_object ", 13)) {
			if (sscanf(line + 13, "%ld", &active) != 1)
				active = -1;
			break;
		}
	fclose(f);
	return active;
}

/*
 * Helpers added for the arena and collector tests.  Same rules: they
 * return 0 (or a count) or -errno, and never print.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>

static inline struct refgc_op rg_mkop(uint32_t code, uint64_t id, uint64_t arg,
				      uint64_t arg2, uint64_t addr)
{
	struct refgc_op op = { .op = code, .id = id, .arg = arg,
			       .arg2 = arg2, .addr = addr };

	return op;
}

/* REFGC_IOC_OP on a caller's struct: fields and result stay visible. */
static inline int rg_opx(int fd, struct refgc_op *op)
{
	return rg_ioctl(fd, REFGC_IOC_OP, op);
}

static inline int rg_unlink(int fd, uint64_t src, uint64_t index,
			    uint64_t *dst)
{
	return rg_op(fd, REFGC_OP_UNLINK, src, index, 0, 0, dst);
}

static inline int rg_remove(int fd, uint64_t src, uint64_t dst,
			    uint64_t *index)
{
	return rg_op(fd, REFGC_OP_REMOVE, src, dst, 0, 0, index);
}

static inline int rg_set(int fd, uint64_t src, uint64_t dst, uint64_t index,
			 uint64_t *old)
{
	return rg_op(fd, REFGC_OP_SET, src, dst, index, 0, old);
}

static inline int rg_clear(int fd, uint64_t id, uint64_t *dropped)
{
	return rg_op(fd, REFGC_OP_CLEAR, id, 0, 0, 0, dropped);
}

/* GET_SLOTS: the number of slots, or -errno; up to @cap ids into @ids. */
static inline long rg_slots(int fd, uint64_t id, uint64_t *ids, uint64_t cap)
{
	uint64_t n = 0;
	int r = rg_op(fd, REFGC_OP_GET_SLOTS, id, 0, cap, (uintptr_t)ids, &n);

	return r ? r : (long)n;
}

/* GET_REFERRERS: how many referrers, or -errno; up to @cap into @ids. */
static inline long rg_referrers(int fd, uint64_t id, uint64_t *ids,
				uint64_t cap)
{
	uint64_t n = 0;
	int r = rg_op(fd, REFGC_OP_GET_REFERRERS, id, 0, cap, (uintptr_t)ids,
		      &n);

	return r ? r : (long)n;
}

static inline int rg_pread(int fd, uint64_t id, uint64_t off, uint64_t len,
			   void *buf)
{
	return rg_op(fd, REFGC_OP_READ, id, off, len, (uintptr_t)buf, NULL);
}

static inline int rg_pwrite(int fd, uint64_t id, uint64_t off, uint64_t len,
			    const void *buf)
{
	return rg_op(fd, REFGC_OP_WRITE, id, off, len, (uintptr_t)buf, NULL);
}

static inline int rg_weakref(int fd, uint64_t referent, uint64_t cookie,
			     uint32_t flags, uint64_t *id)
{
	struct refgc_op op = rg_mkop(REFGC_OP_WEAKREF_NEW, referent, cookie,
				     0, 0);
	int r;

	op.flags = flags;
	r = rg_opx(fd, &op);
	if (!r && id)
		*id = op.result;
	return r;
}

static inline int rg_weakref_get(int fd, uint64_t w, uint64_t *referent)
{
	return rg_op(fd, REFGC_OP_WEAKREF_GET, w, 0, 0, 0, referent);
}

static inline int rg_weakref_drop(int fd, uint64_t w)
{
	return rg_op(fd, REFGC_OP_WEAKREF_DROP, w, 0, 0, 0, NULL);
}

static inline uint32_t rg_max_batch(int fd)
{
	struct refgc_version v = { 0 };

	return rg_ioctl(fd, REFGC_IOC_VERSION, &v) ? 0 : v.max_batch;
}

/* One REFGC_IOC_BATCH; @b (optional) gets the struct as returned. */
static inline int rg_batch(int fd, struct refgc_op *ops, uint32_t count,
			   uint32_t flags, struct refgc_batch *b)
{
	struct refgc_batch tmp = { .ops = (uintptr_t)ops, .count = count,
				   .op_size = sizeof(*ops), .flags = flags };
	int r = rg_ioctl(fd, REFGC_IOC_BATCH, &tmp);

	if (b)
		*b = tmp;
	return r;
}

/*
 * Run @n ops in batches of at most max_batch, stopping at the first
 * failure: 0, or the failed op's -errno.
 */
static inline int rg_batch_all(int fd, struct refgc_op *ops, size_t n)
{
	size_t max = rg_max_batch(fd), i;
	int r;

	if (!max)
		return -EINVAL;
	for (i = 0; i < n; i += max) {
		r = rg_batch(fd, ops + i, n - i < max ? n - i : max, 0, NULL);
		if (r)
			return r;
	}
	return 0;
}

/*
 * REFGC_IOC_LIST, every page: the number of entries (*out, malloc()ed,
 * the caller frees it), or -errno.  @page is the capacity per call.
 */
static inline long rg_list(int fd, uint32_t what, int32_t gen, uint32_t page,
			   struct refgc_entry **out)
{
	struct refgc_entry *all = NULL, *tmp;
	size_t n = 0;
	uint64_t cursor = 0;

	*out = NULL;
	do {
		struct refgc_list l = { .capacity = page, .what = what,
					.generation = gen, .cursor = cursor };
		long r;

		tmp = realloc(all, (n + page) * sizeof(*all));
		if (!tmp) {
			free(all);
			return -ENOMEM;
		}
		all = tmp;
		l.addr = (uintptr_t)(all + n);
		r = rg_ioctl(fd, REFGC_IOC_LIST, &l);
		if (r) {
			free(all);
			return r;
		}
		n += l.count;
		cursor = l.cursor;
	} while (cursor);
	*out = all;
	return n;
}

/* Live object ids (all generations), sorted by the kernel by id. */
static inline long rg_list_ids(int fd, uint64_t **ids)
{
	struct refgc_entry *e = NULL;
	long n = rg_list(fd, REFGC_LIST_OBJECTS, REFGC_LIST_ALL_GENERATIONS,
			 256, &e);
	long i;

	*ids = NULL;
	if (n < 0)
		return n;
	*ids = malloc((n + 1) * sizeof(**ids));
	if (!*ids) {
		free(e);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		(*ids)[i] = e[i].id;
	free(e);
	return n;
}

/* ISENABLED, GET_DEBUG or GET_FLAGS: the value, or -errno. */
static inline long rg_get_value(int fd, unsigned long cmd)
{
	struct refgc_gc_value v = { 0 };
	long r = rg_ioctl(fd, cmd, &v);

	return r ? r : (long)v.value;
}

/* SET_DEBUG or SET_FLAGS. */
static inline long rg_set_value(int fd, unsigned long cmd, uint32_t value)
{
	struct refgc_gc_value v = { .value = value };

	return rg_ioctl(fd, cmd, &v);
}

static inline int rg_set_threshold(int fd, uint32_t t0, uint32_t t1,
				   uint32_t t2)
{
	struct refgc_threshold t = { .threshold = { t0, t1, t2 } };

	return rg_ioctl(fd, REFGC_IOC_SET_THRESHOLD, &t);
}

static inline int rg_count(int fd, struct refgc_count *c)
{
	return rg_ioctl(fd, REFGC_IOC_GET_COUNT, c);
}

static inline int rg_sync(int fd)
{
	return rg_ioctl(fd, REFGC_IOC_SYNC, NULL);
}

/*
 * Read every queued event without blocking: up to @max records into @ev.
 * Returns how many, or -errno.  The read itself is O_NONBLOCK too, so a
 * poll() that wrongly says "readable" cannot hang a test; -EAGAIN (the
 * arena lock is busy, or nothing is queued after all) is retried briefly.
 */
static inline int rg_events(int fd, struct refgc_event *ev, int max)
{
	int n = 0, tries = 0, fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	while (n < max) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 0) < 0)
			return -errno;
		if (!(p.revents & POLLIN))
			break;
		if (fcntl(fd, F_SETFL, fl | O_NONBLOCK))
			return -errno;
		r = read(fd, ev + n, (max - n) * sizeof(*ev));
		if (r < 0)
			r = -errno;
		fcntl(fd, F_SETFL, fl);
		if (r == -EAGAIN && ++tries < 100) {
			usleep(1000);
			continue;
		}
		if (r == -EAGAIN)
			break;
		if (r < 0)
			return r;
		if (r % sizeof(*ev))
			return -EIO;
		n += r / sizeof(*ev);
	}
	return n;
}

/* How many of @n events are of @type (and, if @id, about @id). */
static inline int rg_count_events(const struct refgc_event *ev, int n,
				  uint32_t type, uint64_t id)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		if (ev[i].type == type && (!id || ev[i].id == id))
			c++;
	return c;
}

/*
 * Flush the refgc_object slab's per-cpu caches so /proc/slabinfo's
 * active count is exact (SLUB's .../shrink); harmless when absent.
 */
static inline void rg_slab_shrink(void)
{
	int fd = open("/sys/kernel/slab/refgc_object/shrink", O_WRONLY);

	if (fd >= 0) {
		ssize_t r = write(fd, "1", 1);

		(void)r;	/* best effort */
		close(fd);
	}
}

/* rg_slab_active() after a shrink. */
static inline long rg_slab_settled(void)
{
	rg_slab_shrink();
	return rg_slab_active();
}

/* An address with nothing mapped at it (a page mapped, then unmapped). */
static inline void *rg_unmapped(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, pg);
	return p;
}

/* xorshift64*: the tests' reproducible PRNG. */
static inline uint64_t rg_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

#endif /* REFGC_UTIL_H */
