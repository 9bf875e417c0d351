// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_hostile_mem.c - user memory with guard pages and bad pointers
 * for the hostile-input test (declared in refgc_hostile.h).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "refgc_hostile.h"

const char *const ptr_kind_name[P_NKINDS] = {
	"good", "read-only", "NULL", "low", "hole", "PROT_NONE", "kernel",
	"non-canonical", "straddle",
};

static const uint64_t kernel_ptrs[] = {
	0xffff888000000000ULL, 0xffffffff81000000ULL, 0xffffc90000000000ULL,
	0xffffea0000000000ULL, 0xffffffffff600000ULL, 0xfffffffffffff000ULL,
	0xffffffffffffffffULL, 0xffff800000000000ULL,
};

static const uint64_t noncanon_ptrs[] = {
	0x0000800000000000ULL, 0x8000000000000000ULL, 0x00ff000000000000ULL,
	0x7fffffffffffffffULL, 0x0001000000000000ULL,
};

int region_init(struct region *r, size_t npages)
{
	char *p = mmap(NULL, (npages + 1) * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	r->base = p;
	r->guard = p + npages * PG;
	return mprotect(r->guard, PG, PROT_NONE) ? -errno : 0;
}

int hmem_init(struct hmem *m)
{
	int fd, r;

	r = region_init(&m->st, 5);
	if (!r)
		r = region_init(&m->ops, 12);
	if (!r)
		r = region_init(&m->data, 3);
	if (r)
		return r;
	fd = memfd_create("refgc-hostile", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, PG))
		return -errno;
	m->rw = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	m->ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	m->none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	/*
	 * The hole has mapped pages on both sides, so that no mapping
	 * bigger than a page can ever be placed over it.
	 */
	m->hole = mmap(NULL, 3 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (m->rw == MAP_FAILED || m->ro == MAP_FAILED ||
	    m->none == MAP_FAILED || m->hole == MAP_FAILED)
		return -ENOMEM;
	m->hole += PG;
	return munmap(m->hole, PG) ? -errno : 0;
}

bool hmem_hole_ok(const struct hmem *m)
{
	return msync(m->hole, PG, MS_ASYNC) && errno == ENOMEM;
}

uint64_t hmem_ptr(struct hmem *m, struct region *r,
		  enum ptr_kind k, size_t size, uint64_t rnd,
		  char **wr, size_t *wlen)
{
	size_t room = r->guard - r->base, off;

	*wr = NULL;
	*wlen = 0;
	switch (k) {
	case P_GOOD:
		if (size > room - 64)
			size = room - 64;
		off = size + rnd % 64;
		*wr = r->guard - off;
		*wlen = size;
		return (uintptr_t)*wr;
	case P_RO:
		if (size > PG)	/* what follows the page is unknown */
			return (uintptr_t)m->none + rnd % PG;
		off = rnd % (PG - size + 1);
		*wr = m->rw + off;
		*wlen = size;
		return (uintptr_t)(m->ro + off);
	case P_NULL:
		return 0;
	case P_LOW:
		return 1 + rnd % 0xfff0;
	case P_HOLE:
		return (uintptr_t)m->hole + rnd % PG;
	case P_NONE:
		return (uintptr_t)m->none + rnd % PG;
	case P_KERNEL:
		return kernel_ptrs[rnd % ARRAY_SIZE(kernel_ptrs)] -
		       (rnd >> 32) % 64;
	case P_NONCANON:
		return noncanon_ptrs[rnd % ARRAY_SIZE(noncanon_ptrs)] +
		       (rnd >> 32) % 64;
	case P_STRADDLE:
	default:
		/* At least the last byte is in the guard page. */
		off = size > 1 ? rnd % size : 0;
		if (off > room)
			off = room;
		*wr = r->guard - off;
		*wlen = off;
		return (uintptr_t)*wr;
	}
}

void hmem_fill(char *wr, size_t wlen, const void *src,
	       size_t n)
{
	if (wr)
		memcpy(wr, src, n < wlen ? n : wlen);
}

enum ptr_kind bad_kind(uint64_t rnd, bool ro_is_bad)
{
	static const enum ptr_kind k[] = {
		P_NULL, P_LOW, P_HOLE, P_NONE, P_KERNEL, P_NONCANON,
		P_STRADDLE, P_RO,
	};

	return k[rnd % (ARRAY_SIZE(k) - !ro_is_bad)];
}
