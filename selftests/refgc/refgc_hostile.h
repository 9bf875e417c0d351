/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_hostile.h - the hostile-input test's shared declarations: user
 * memory with guard pages (good, read-only, PROT_NONE, straddling) and
 * bad pointers (NULL, unmapped, kernel half, non-canonical), in
 * refgc_hostile_mem.c; the generator's state (struct hctx) and the
 * generators of bad ops (refgc_hostile_ops.c), bad calls
 * (refgc_hostile_calls.c) and bad debugfs input (refgc_hostile_debugfs.c).
 */
#ifndef REFGC_HOSTILE_H
#define REFGC_HOSTILE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "refgc_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define PG		4096UL
#define E(x)		(1ULL << (x))
#define OK		E(0)		/* success is allowed */

/* A run of read-write pages followed by a PROT_NONE guard page. */
struct region {
	char *base;
	char *guard;	/* base + npages * PG */
};

int region_init(struct region *r, size_t npages);

/* How a user pointer is bad (or not). */
enum ptr_kind {
	P_GOOD,		/* mapped read-write, any alignment */
	P_RO,		/* mapped read-only (a second view of a memfd page) */
	P_NULL,
	P_LOW,		/* below mmap_min_addr */
	P_HOLE,		/* a page that was mapped, then unmapped */
	P_NONE,		/* PROT_NONE */
	P_KERNEL,	/* the kernel half */
	P_NONCANON,	/* non-canonical */
	P_STRADDLE,	/* starts mapped, runs into the guard page */
	P_NKINDS
};

extern const char *const ptr_kind_name[P_NKINDS];

/* The pointers every generated call draws from. */
struct hmem {
	struct region st;	/* the ioctl's struct */
	struct region ops;	/* a batch's op array */
	struct region data;	/* op addr, list addr, read() buffers */
	char *ro;		/* read-only view of... */
	char *rw;		/* ...this read-write page */
	char *none;		/* a PROT_NONE page */
	char *hole;		/* an unmapped page */
};

int hmem_init(struct hmem *m);

/* Whether the hole is still unmapped (msync() says ENOMEM if so). */
bool hmem_hole_ok(const struct hmem *m);

/*
 * A pointer of kind @k to @size bytes inside region @r (or the memfd page
 * for P_RO, the PROT_NONE page, the hole...).  *@wr gets where the
 * caller may write the bytes it wants the kernel to see (NULL when
 * nothing can be written), *@wlen how many of them.
 */
uint64_t hmem_ptr(struct hmem *m, struct region *r, enum ptr_kind k,
		  size_t size, uint64_t rnd, char **wr, size_t *wlen);

/* Copy as much of @src as the pointer's writable part holds. */
void hmem_fill(char *wr, size_t wlen, const void *src, size_t n);

/* A random bad kind, for "must fail with EFAULT". */
enum ptr_kind bad_kind(uint64_t rnd, bool ro_is_bad);

/* The generator's state: the arena under attack and what it holds. */
struct hctx {
	int fd, fd2;
	uint64_t seed, seed0;
	struct hmem m;
	char dbg[PATH_MAX];	/* arena's debugfs dir, or "" */
	uint32_t tc, ta, tf, ntypes;
	uint64_t c1, c2, c3, c4, a1, w1, wdead, f1, dead;
	uint64_t live[16];
	int nlive;
	uint64_t foreign[3];
	uint64_t next_id;
	uint64_t nr_objects, bytes;
	struct refgc_limits lim, modmax;
	uint32_t max_batch;
	long calls;
	char why[160];	/* what is wrong with the current call */
};

#define NFIXED		3	/* GC_START/GC_STOP pairs queued at setup */
#define BURST		2000	/* calls between snapshots */

/* refgc_hostile_ops.c: randomness, and bad refgc_ops. */
uint64_t R(struct hctx *h);
/* Append @s to what is wrong with the current call (h->why). */
void why(struct hctx *h, const char *s);
/* A pointer for an op's or a list's addr: good (into data) or bad. */
uint64_t addr_ptr(struct hctx *h, size_t size, bool bad, bool kernel_writes);
/*
 * Fill @op with a random op; if @need, it is wrong in at least one way.
 * Returns the errnos it may fail with (OK if it may succeed).
 */
uint64_t gen_op(struct hctx *h, struct refgc_op *op, bool need);

/*
 * refgc_hostile_calls.c: one random bad call, checked; 0 when it failed
 * with an allowed errno (or was read-only), else -1 with a message.
 */
int hostile_ioctl(struct hctx *h);	/* a REFGC_IOC_* command */
int unknown_ioctl(struct hctx *h);	/* an unknown command */
int hostile_file(struct hctx *h);	/* read(), write(), mmap(), ... */

/* refgc_hostile_debugfs.c: bad control-file input, chunked reads. */
/* Fill @buf with a command that must be refused; returns its length. */
size_t bad_command(struct hctx *h, char *buf, size_t cap);
/* Read @path to its end in random chunks; the bytes read, or -errno. */
long read_chunks(struct hctx *h, const char *path, char *out, size_t cap);

#endif /* REFGC_HOSTILE_H */
