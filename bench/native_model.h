/* SPDX-License-Identifier: GPL-2.0 */
/*
 * native_model.h - the kernel client's object model rebuilt for the host,
 * for host_bench: what module/refgc.h's struct refgc_object and
 * module/collect.c's rgc_ops make of the collector core, without the
 * kernel, so that the native rows of bench/run measure what the module
 * runs rather than the test client host/hobj.c.
 *
 * What is mirrored:
 *  - struct nobj is struct refgc_object, field for field: 64 bytes, the
 *    rgc_head, two inline slots sharing their storage with the slot
 *    array pointer (cap says which is live), nslots, cap and id; handles
 *    counted in gc.aux, the object flags and type in gc.flags' client
 *    bits.
 *  - the rgc_ops of module/collect.c: ops->external (handles, the
 *    garbage and pending flags), the slot array read in place
 *    (slots_offset, nslots_offset, cap_offset, inline_slots), ops->delete_set (module/dealloc.c's
 *    refgc_free_set(): bulk freeing when no death can be seen) and
 *    ops->for_each_remembered, with rgc_barrier() on every link.
 *  - deallocation as module/dealloc.c: the dying list, slots released
 *    last to first on an explicit stack of frames, the trashcan.
 *  - objects come from a pool (struct npool), as from the kernel's
 *    refgc_object slab cache: fixed-size chunks carved from 64 KiB pages,
 *    a free list, bulk freeing.  A slot array beyond the two inline slots
 *    is malloc()ed and grows by half, as the kernel's kvmalloc_array() and
 *    kvrealloc() (in these workloads only B1R's root container has one).
 *
 * What is not: the id index (an xarray in the kernel, xa_store() and
 * xa_erase() per object), memory charging (arena bytes, the memcg), the
 * type table, payloads, weakrefs, finalizers and the event queue.  The
 * remembered set is a hash set of objects here, an xarray by id there.
 *
 * One thread: a world and its pool have one caller, as an arena has its
 * lock holder.
 */
#ifndef _REFGC_BENCH_NATIVE_MODEL_H
#define _REFGC_BENCH_NATIVE_MODEL_H

#include <stddef.h>

#include <linux/list.h>
#include <linux/types.h>

#include "gc_core.h"

/* Bytes of one page of an npool: large, as a high-order slab. */
#define NPOOL_PAGE_SIZE		(64 * 1024)
/* A page's header, before its first chunk (one cache line). */
#define NPOOL_PAGE_HEADER	64

/**
 * struct npool - fixed-size chunks carved from large pages, as a slab
 * @size: bytes per chunk.
 * @free: free chunks, linked through their first word, last freed first.
 * @next: the newest page's first chunk never handed out.
 * @end: the end of the newest page.
 * @pages: every page, newest first, linked through their header.
 * @bytes: bytes of the pages held.
 *
 * Pages go back only when the pool is destroyed, as a kmem_cache keeps
 * its slabs while they hold objects.
 */
struct npool {
	size_t size;
	void *free;
	char *next;
	char *end;
	void *pages;
	size_t bytes;
};

void npool_init(struct npool *p, size_t size);
void *npool_alloc_page(struct npool *p);
void npool_destroy(struct npool *p);

/* A chunk: from the free list, else carved from the newest page. */
static inline void *npool_alloc(struct npool *p)
{
	void *c = p->free;

	if (c) {
		p->free = *(void **)c;
		return c;
	}
	if (p->next + p->size <= p->end) {
		c = p->next;
		p->next += p->size;
		return c;
	}
	return npool_alloc_page(p);
}

static inline void npool_free(struct npool *p, void *c)
{
	*(void **)c = p->free;
	p->free = c;
}

/* kmem_cache_free_bulk(): @n chunks onto the free list at once. */
static inline void npool_free_bulk(struct npool *p, size_t n, void **c)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i + 1 < n; i++)
		*(void **)c[i] = c[i + 1];
	*(void **)c[n - 1] = p->free;
	p->free = c[0];
}

/* As REFGC_INLINE_SLOTS. */
#define NOBJ_INLINE_SLOTS	2

/* gc.flags: REFGC_OF_*'s values (only the ones the collection reads) */
#define NOBJ_OF_SHIFT		RGC_F_CLIENT_SHIFT
#define NOBJ_OF_WEAKREFS	(0x01u << NOBJ_OF_SHIFT)
#define NOBJ_OF_GARBAGE		(0x02u << NOBJ_OF_SHIFT)
#define NOBJ_OF_PENDING		(0x04u << NOBJ_OF_SHIFT)
#define NOBJ_OF_FINALIZER	(0x20u << NOBJ_OF_SHIFT)

/* gc.flags: the type, as REFGC_OBJ_TYPE_SHIFT and REFGC_OBJ_TYPE_MASK */
#define NOBJ_TYPE_SHIFT		(NOBJ_OF_SHIFT + 8)
#define NOBJ_TYPE_MASK		(0x3ffu << NOBJ_TYPE_SHIFT)
/* index 1 is the weakref type, as REFGC_TYPE_WEAKREF_ID */
#define NOBJ_TYPE_WEAKREF	1
#define NOBJ_TYPE_NODE		2

/**
 * struct nobj - struct refgc_object on the host (64 bytes)
 * @gc: the collector's head; gc.aux counts the handles, gc.flags' client
 *	bits hold NOBJ_OF_* bits (none are ever set here, but the
 *	collection reads them where the kernel's does) and the type
 *	(NOBJ_TYPE_NODE).
 * @inl: the slots while @cap is NOBJ_INLINE_SLOTS, in the object.
 * @slots: the slot array once more are needed (@cap above it).
 * @wref: a weakref's part (never used here, kept for the layout).
 * @nslots: slots used.
 * @cap: slots the object can hold; says which of @inl and @slots is
 *	live (nobj_slots()).
 * @id: the object id, unique within its world.
 */
struct nobj {
	struct rgc_head gc;
	union {
		struct nobj *inl[NOBJ_INLINE_SLOTS];
		struct nobj **slots;
		void *wref;
	};
	u32 nslots;
	u32 cap;
	u64 id;
};

/* As obj_slots_on_heap() and obj_slots(): where @o's slots live. */
static inline bool nobj_slots_on_heap(const struct nobj *o)
{
	return o->cap > NOBJ_INLINE_SLOTS;
}

static inline struct nobj **nobj_slots(struct nobj *o)
{
	return nobj_slots_on_heap(o) ? o->slots : o->inl;
}

/* As obj_type_id() and obj_has_of(). */
static inline unsigned int nobj_type(const struct nobj *o)
{
	return (o->gc.flags & NOBJ_TYPE_MASK) >> NOBJ_TYPE_SHIFT;
}

static inline bool nobj_has_of(const struct nobj *o, u32 of)
{
	return o->gc.flags & of;
}

/* As CPython's _PyTrash_UNWIND_LEVEL and REFGC_TRASH_UNWIND. */
#define NW_TRASH_UNWIND		50

/* An object being deallocated, as struct refgc_dframe. */
struct ndframe {
	struct nobj *o;
	u32 next;
};

/**
 * struct nworld - the objects of one collector, as struct refgc_arena
 * @gc: the collector state.
 * @objs: the pool the objects come from.
 * @dying: objects whose refcount reached zero, freed by nw_reap().
 * @trash: deallocations put aside by the trashcan.
 * @dframes: the deallocations in progress, innermost last.
 * @ndframes: entries used in @dframes.
 * @trash_chain: nw_reap() is deallocating what @trash held.
 * @rem: the remembered set: an open-addressing hash set of objects,
 *	NULL for an empty entry.
 * @rem_bits: log2 of the entries of @rem (0: none allocated).
 * @nr_remembered: objects in @rem.
 * @last_id: the last object id handed out.
 * @nr_objects: live objects.
 * @nr_slots: slots in use, all objects.
 */
struct nworld {
	struct rgc_state gc;
	struct npool objs;
	struct list_head dying;
	struct list_head trash;
	struct ndframe dframes[NW_TRASH_UNWIND];
	u32 ndframes;
	bool trash_chain;
	struct nobj **rem;
	unsigned int rem_bits;
	unsigned long nr_remembered;
	u64 last_id;
	unsigned long nr_objects;
	u64 nr_slots;
};

void nw_init(struct nworld *w);
unsigned long nw_fini(struct nworld *w);
void nw_reap(struct nworld *w);

struct nobj *nobj_new(struct nworld *w);
void nobj_link(struct nworld *w, struct nobj *src, struct nobj *dst);
void nobj_take_handle(struct nobj *o);
void nobj_put_handle(struct nworld *w, struct nobj *o);

#endif /* _REFGC_BENCH_NATIVE_MODEL_H */
