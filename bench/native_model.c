// SPDX-License-Identifier: GPL-2.0
/*
 * native_model.c - the kernel client's object model on the host, for
 * host_bench; see native_model.h for what it mirrors and what it leaves
 * out.  Each function names the kernel function it stands for.
 *
 * Owns: the world's pool (every object and its chunk), the slot arrays
 * beyond the inline slots, the remembered set's table.  One caller.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/errno.h>

#include "native_model.h"

/* The kernel's layout: 64 bytes, one cache line, id last. */
_Static_assert(sizeof(struct nobj) == 64, "struct nobj is 64 bytes");
_Static_assert(offsetof(struct nobj, gc) == 0, "nobj.gc at offset 0");
_Static_assert(offsetof(struct nobj, slots) == offsetof(struct nobj, inl),
	       "nobj.slots shares nobj.inl's storage");
_Static_assert(offsetof(struct nobj, id) == 56, "nobj.id at offset 56");

static void *xmalloc(size_t bytes)
{
	void *p = malloc(bytes);

	if (!p) {
		fprintf(stderr, "native_model: out of memory\n");
		abort();
	}
	return p;
}

/**
 * npool_init() - an empty pool
 * @p: the pool.
 * @size: bytes per chunk, a multiple of the pointer size.
 */
void npool_init(struct npool *p, size_t size)
{
	memset(p, 0, sizeof(*p));
	p->size = size;
}

/**
 * npool_alloc_page() - a new page for @p, and its first chunk
 * @p: the pool, its newest page used up and its free list empty.
 *
 * Return: the chunk.
 */
void *npool_alloc_page(struct npool *p)
{
	char *page = xmalloc(NPOOL_PAGE_SIZE);

	*(void **)page = p->pages;
	p->pages = page;
	p->bytes += NPOOL_PAGE_SIZE;
	p->next = page + NPOOL_PAGE_HEADER + p->size;
	p->end = page + NPOOL_PAGE_SIZE;
	return page + NPOOL_PAGE_HEADER;
}

/**
 * npool_destroy() - give every page back, whatever chunks are in use
 * @p: the pool.
 */
void npool_destroy(struct npool *p)
{
	void *page = p->pages;

	while (page) {
		void *next = *(void **)page;

		free(page);
		page = next;
	}
	npool_init(p, p->size);
}

static inline struct nobj *to_nobj(struct rgc_head *h)
{
	return container_of(h, struct nobj, gc);
}

static inline struct nworld *to_world(struct rgc_state *gc)
{
	return container_of(gc, struct nworld, gc);
}

/* Bytes of @o's slot array outside the object, as obj_slots_bytes(). */
static inline size_t slots_bytes(const struct nobj *o)
{
	if (!nobj_slots_on_heap(o))
		return 0;
	return (size_t)o->cap * sizeof(*o->slots);
}

/*
 * The remembered set (module/remembered.c).  The kernel keys an xarray by
 * id; here an open-addressing table of objects with linear probing, at
 * most half full, and backward-shift deletion (no tombstones), so that a
 * young collection's scan costs the set's size, not the world's.
 */
#define REM_MIN_BITS	6

static inline unsigned long rem_home(const struct nworld *w,
				     const struct nobj *o)
{
	return (unsigned long)(((uintptr_t)o * 0x9e3779b97f4a7c15ull) >>
			       (64 - w->rem_bits));
}

static void rem_insert(struct nworld *w, struct nobj *o)
{
	unsigned long mask = (1ul << w->rem_bits) - 1, i = rem_home(w, o);

	while (w->rem[i])
		i = (i + 1) & mask;
	w->rem[i] = o;
}

static void rem_grow(struct nworld *w)
{
	struct nobj **old = w->rem;
	unsigned long i, n = old ? 1ul << w->rem_bits : 0;

	w->rem_bits = old ? w->rem_bits + 1 : REM_MIN_BITS;
	w->rem = calloc(1ul << w->rem_bits, sizeof(*w->rem));
	if (!w->rem) {
		fprintf(stderr, "native_model: out of memory\n");
		abort();
	}
	for (i = 0; i < n; i++)
		if (old[i])
			rem_insert(w, old[i]);
	free(old);
}

/* Empty entry @i, moving back the entries of its cluster that may. */
static void rem_delete_at(struct nworld *w, unsigned long i)
{
	unsigned long mask = (1ul << w->rem_bits) - 1, j = i, h;

	w->nr_remembered--;
	for (;;) {
		w->rem[i] = NULL;
		do {
			j = (j + 1) & mask;
			if (!w->rem[j])
				return;
			h = rem_home(w, w->rem[j]);
			/* It stays if its home is cyclically in (i, j]. */
		} while (i <= j ? i < h && h <= j : i < h || h <= j);
		w->rem[i] = w->rem[j];
		i = j;
	}
}

/* refgc_remember(): @src refers to a younger object (rgc_barrier()). */
static void nw_remember(struct nworld *w, struct nobj *src)
{
	if (!w->rem || 2 * (w->nr_remembered + 1) > 1ul << w->rem_bits)
		rem_grow(w);
	rem_insert(w, src);
	src->gc.flags |= RGC_F_REMEMBERED;
	w->nr_remembered++;
}

/* refgc_forget(): a dying object leaves the remembered set. */
static void nw_forget(struct nworld *w, struct nobj *o)
{
	unsigned long mask = (1ul << w->rem_bits) - 1, i = rem_home(w, o);

	while (w->rem[i] != o)
		i = (i + 1) & mask;
	rem_delete_at(w, i);
	o->gc.flags &= ~RGC_F_REMEMBERED;
}

/*
 * refgc_scan_remembered(), ops->for_each_remembered.  A deletion may move
 * an entry into the slot just examined, so that slot is examined again;
 * one that wraps around from the table's start may be offered to @keep
 * twice, which changes nothing (its children are roots already).
 */
static void nw_scan_remembered(struct rgc_state *gc, rgc_keep_t keep)
{
	struct nworld *w = to_world(gc);
	unsigned long i = 0, n = w->rem ? 1ul << w->rem_bits : 0;

	while (i < n) {
		struct nobj *o = w->rem[i];

		if (o && !keep(gc, &o->gc)) {
			o->gc.flags &= ~RGC_F_REMEMBERED;
			rem_delete_at(w, i);
			continue;
		}
		i++;
	}
}

/*
 * Deallocation, as module/dealloc.c with no weakref, finalizer, payload,
 * id index or memory charge to undo.
 */
static void free_slots_array(struct nobj *o)
{
	if (nobj_slots_on_heap(o))
		free(o->slots);
	o->cap = 0;
}

/* obj_free(): obj_forget() and kmem_cache_free(). */
static void obj_free(struct nworld *w, struct nobj *o)
{
	if (o->gc.flags & RGC_F_REMEMBERED)
		nw_forget(w, o);
	w->nr_objects--;
	npool_free(&w->objs, o);
}

/* refgc_decref(), obj_zero() with no finalizer to run. */
static void nobj_decref(struct nworld *w, struct nobj *o)
{
	if (!o->gc.refcnt) {
		fprintf(stderr, "native_model: refcount underflow\n");
		abort();
	}
	if (--o->gc.refcnt)
		return;
	rgc_untrack(&w->gc, &o->gc);
	list_add_tail(&o->gc.node, &w->dying);
}

/* dealloc(): every object here is a container, so it becomes a frame. */
static void dealloc(struct nworld *w, struct nobj *o)
{
	struct ndframe *f;

	if (w->ndframes + w->trash_chain >= NW_TRASH_UNWIND) {
		list_add(&o->gc.node, &w->trash);
		return;
	}
	f = &w->dframes[w->ndframes++];
	f->o = o;
	f->next = o->nslots;
}

/* dealloc_step(): the top frame's next slot, last to first. */
static void dealloc_step(struct nworld *w)
{
	struct ndframe *f = &w->dframes[w->ndframes - 1];
	struct nobj *o = f->o, *child;

	if (!f->next) {
		w->ndframes--;
		free_slots_array(o);
		obj_free(w, o);
		return;
	}
	child = nobj_slots(o)[--f->next];
	o->nslots = f->next;
	w->nr_slots--;
	nobj_decref(w, child);
	if (!child->gc.refcnt) {
		list_del(&child->gc.node);
		dealloc(w, child);
	}
}

/**
 * nw_reap() - deallocate every object on the dying list, cascading, as
 *	refgc_reap()
 * @w: the world.
 */
void nw_reap(struct nworld *w)
{
	for (;;) {
		struct list_head *from;
		struct nobj *o;

		if (w->ndframes) {
			dealloc_step(w);
			continue;
		}
		if (!list_empty(&w->trash))
			from = &w->trash;
		else if (!list_empty(&w->dying))
			from = &w->dying;
		else
			break;
		w->trash_chain = from == &w->trash;
		o = list_first_entry(from, struct nobj, gc.node);
		list_del(&o->gc.node);
		dealloc(w, o);
	}
	w->trash_chain = false;
}

/* refgc_clear_slots(): tp_clear, slots taken off first, last to first. */
static void clear_slots(struct nworld *w, struct nobj *o)
{
	struct nobj *inl[NOBJ_INLINE_SLOTS], **slots;
	size_t bytes = slots_bytes(o);
	u32 i = o->nslots;

	if (!o->cap)
		return;
	slots = bytes ? o->slots : memcpy(inl, o->inl, sizeof(inl));
	o->nslots = 0;
	o->cap = NOBJ_INLINE_SLOTS;
	w->nr_slots -= i;
	while (i--) {
		nobj_decref(w, slots[i]);
		nw_reap(w);
	}
	if (bytes)
		free(slots);
}

/*
 * deaths_observable() and undo_outside() of module/dealloc.c: whether
 * freeing @set at once could be told apart from clearing it in order.
 */
static bool deaths_observable(struct list_head *set, struct nobj **stop,
			      u32 *stop_slot)
{
	struct nobj *o, **slots;
	u32 i;

	list_for_each_entry(o, set, gc.node) {
		*stop = o;
		*stop_slot = 0;
		if (nobj_type(o) == NOBJ_TYPE_WEAKREF ||
		    nobj_has_of(o, NOBJ_OF_WEAKREFS) ||
		    (nobj_has_of(o, NOBJ_OF_FINALIZER) &&
		     !rgc_is_finalized(&o->gc)))
			return true;
		slots = nobj_slots(o);
		for (i = 0; i < o->nslots; i++) {
			struct nobj *c = slots[i];

			if (rgc_is_collecting(&c->gc))
				continue;
			if (c->gc.refcnt == 1) {
				*stop_slot = i;
				return true;
			}
			c->gc.refcnt--;
		}
	}
	return false;
}

static void undo_outside(struct list_head *set, struct nobj *stop,
			 u32 stop_slot)
{
	struct nobj *o;
	u32 i, n;

	list_for_each_entry(o, set, gc.node) {
		struct nobj **slots = nobj_slots(o);

		n = o == stop ? stop_slot : o->nslots;
		for (i = 0; i < n; i++)
			if (!rgc_is_collecting(&slots[i]->gc))
				slots[i]->gc.refcnt++;
		if (o == stop)
			return;
	}
}

#define FREE_BULK	32

/* refgc_free_set(), ops->delete_set: free @set at once if nobody can tell. */
static bool nw_delete_set(struct rgc_state *gc, struct list_head *set)
{
	struct nworld *w = to_world(gc);
	struct nobj *o, *next, *stop;
	unsigned long n = 0;
	void *bulk[FREE_BULK];
	u32 stop_slot, nb = 0;
	u64 slots = 0;

	if (deaths_observable(set, &stop, &stop_slot)) {
		undo_outside(set, stop, stop_slot);
		return false;
	}
	list_for_each_entry_safe(o, next, set, gc.node) {
		if (o->gc.flags & RGC_F_REMEMBERED)
			nw_forget(w, o);
		if (nobj_slots_on_heap(o))
			free(o->slots);
		slots += o->nslots;
		n++;
		bulk[nb++] = o;
		if (nb == FREE_BULK) {
			npool_free_bulk(&w->objs, nb, bulk);
			nb = 0;
		}
	}
	npool_free_bulk(&w->objs, nb, bulk);
	INIT_LIST_HEAD(set);
	gc->gen[0].count -= gc->gen[0].count < n ? gc->gen[0].count : n;
	w->nr_slots -= slots;
	w->nr_objects -= n;
	return true;
}

/* The rgc_ops of module/collect.c. */
static void nw_traverse(struct rgc_head *h, rgc_visit_t visit, void *arg)
{
	struct nobj *o = to_nobj(h), **slots = nobj_slots(o);
	u32 i;

	if (nobj_type(o) == NOBJ_TYPE_WEAKREF)
		return;
	for (i = 0; i < o->nslots; i++)
		visit(&slots[i]->gc, arg);
}

/* gc_external(): handles, the garbage list, a queued FINALIZE event. */
static bool nw_external(const struct rgc_head *h)
{
	const struct nobj *o = container_of(h, const struct nobj, gc);

	return h->aux || nobj_has_of(o, NOBJ_OF_PENDING | NOBJ_OF_GARBAGE);
}

/* gc_clear(): keep @o alive while its own slots go. */
static void nw_clear(struct rgc_state *gc, struct rgc_head *h)
{
	struct nworld *w = to_world(gc);
	struct nobj *o = to_nobj(h);

	o->gc.refcnt++;
	clear_slots(w, o);
	nobj_decref(w, o);
	nw_reap(w);
}

static bool nw_has_finalizer(const struct rgc_head *h)
{
	return nobj_has_of(container_of(h, const struct nobj, gc),
			   NOBJ_OF_FINALIZER);
}

/* Never called: no object here has a finalizer. */
static void nw_finalize(struct rgc_state *gc, struct rgc_head *h)
{
	(void)gc;
	(void)h;
	fprintf(stderr, "native_model: no finalizers here\n");
	abort();
}

/*
 * gc_handle_weakrefs() reads the type and the flags of every unreachable
 * object; here nothing follows, there are no weakrefs.
 */
static void nw_handle_weakrefs(struct rgc_state *gc, struct rgc_head *h)
{
	struct nobj *o = to_nobj(h);

	(void)gc;
	if (nobj_type(o) == NOBJ_TYPE_WEAKREF || nobj_has_of(o, NOBJ_OF_WEAKREFS)) {
		fprintf(stderr, "native_model: no weakrefs here\n");
		abort();
	}
}

/* Only under DEBUG_SAVEALL or legacy finalizers, which host_bench never sets. */
static int nw_reserve_garbage(struct rgc_state *gc, unsigned long n)
{
	(void)gc;
	(void)n;
	return -ENOMEM;
}

static void nw_save_garbage(struct rgc_state *gc, struct rgc_head *h)
{
	nw_finalize(gc, h);
}

static u64 nw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static const struct rgc_ops nw_ops = {
	.traverse = nw_traverse,
	.clear = nw_clear,
	.has_finalizer = nw_has_finalizer,
	.finalize = nw_finalize,
	.handle_weakrefs = nw_handle_weakrefs,
	.reserve_garbage = nw_reserve_garbage,
	.save_garbage = nw_save_garbage,
	.now_ns = nw_now_ns,
	.external = nw_external,
	.slots_offset = offsetof(struct nobj, inl),
	.nslots_offset = offsetof(struct nobj, nslots),
	.cap_offset = offsetof(struct nobj, cap),
	.inline_slots = NOBJ_INLINE_SLOTS,
	.delete_set = nw_delete_set,
	.for_each_remembered = nw_scan_remembered,
};

/**
 * nw_init() - an empty world, with the core's default settings and the
 *	kernel client's rgc_ops
 * @w: the world.
 */
void nw_init(struct nworld *w)
{
	memset(w, 0, sizeof(*w));
	rgc_init(&w->gc, &nw_ops);
	npool_init(&w->objs, sizeof(struct nobj));
	INIT_LIST_HEAD(&w->dying);
	INIT_LIST_HEAD(&w->trash);
}

/**
 * nw_fini() - free everything, cycles included, without the collector,
 *	as refgc_free_all(): every live object is tracked, so the
 *	generations hold every slot array; the pages go at once
 * @w: the world.
 *
 * Return: how many objects were still alive.
 */
unsigned long nw_fini(struct nworld *w)
{
	unsigned long n = w->nr_objects;
	struct rgc_head *h;
	int i;

	for (i = 0; i < RGC_NUM_GENERATIONS; i++)
		list_for_each_entry(h, &w->gc.gen[i].head, node)
			free_slots_array(to_nobj(h));
	npool_destroy(&w->objs);
	free(w->rem);
	memset(w, 0, sizeof(*w));
	return n;
}

/**
 * nobj_new() - a new container, refcount 1 held by one handle, tracked
 *	in generation 0 (refgc's NEW op)
 * @w: the world.
 *
 * Return: the object.
 */
struct nobj *nobj_new(struct nworld *w)
{
	struct nobj *o = npool_alloc(&w->objs);

	memset(o, 0, sizeof(*o));	/* kmem_cache_zalloc() */
	o->id = ++w->last_id;
	o->cap = NOBJ_INLINE_SLOTS;	/* o->inl, zeroed */
	o->gc.flags |= NOBJ_TYPE_NODE << NOBJ_TYPE_SHIFT;
	o->gc.refcnt = 1;
	o->gc.aux = 1;
	w->nr_objects++;
	rgc_track(&w->gc, &o->gc);
	return o;
}

/* grow_slots(): half again as many, out of the object once inline is full. */
static void grow_slots(struct nobj *o)
{
	u32 cap = o->cap + (o->cap >> 1);
	struct nobj **slots;

	if (slots_bytes(o)) {
		slots = realloc(o->slots, (size_t)cap * sizeof(*slots));
	} else {
		slots = malloc((size_t)cap * sizeof(*slots));
		if (slots)
			memcpy(slots, o->inl, sizeof(o->inl));
	}
	if (!slots) {
		fprintf(stderr, "native_model: out of memory\n");
		abort();
	}
	o->slots = slots;
	o->cap = cap;
}

/**
 * nobj_link() - append a reference to @dst to @src's slots (refgc's LINK
 *	op), through the write barrier
 * @w: the world.
 * @src: a container.
 * @dst: the target, which gains a reference.
 */
void nobj_link(struct nworld *w, struct nobj *src, struct nobj *dst)
{
	if (src->nslots == src->cap)
		grow_slots(src);
	dst->gc.refcnt++;
	if (rgc_barrier(&src->gc, &dst->gc))
		nw_remember(w, src);
	nobj_slots(src)[src->nslots++] = dst;
	w->nr_slots++;
}

/**
 * nobj_take_handle() - one more handle on @o, as refgc_take_handle()
 * @o: the object.
 */
void nobj_take_handle(struct nobj *o)
{
	o->gc.refcnt++;
	o->gc.aux++;
}

/**
 * nobj_put_handle() - drop a handle (refgc's DECREF op); whatever dies
 *	is freed before this returns
 * @w: the world.
 * @o: the object, holding a handle.
 */
void nobj_put_handle(struct nworld *w, struct nobj *o)
{
	if (!o->gc.aux) {
		fprintf(stderr, "native_model: no handle to put\n");
		abort();
	}
	o->gc.aux--;
	nobj_decref(w, o);
	nw_reap(w);
}
