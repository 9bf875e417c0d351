/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gc_internal.h - what the collector core's files (gc_gen.c, gc_core.c,
 * gc_walk.c, gc_roots.c, gc_anchor.c) share and nothing else uses: list
 * and generation helpers, the slot walk, the collected set, and the
 * passes that compute gc_refs.
 */
#ifndef _REFGC_GC_INTERNAL_H
#define _REFGC_GC_INTERNAL_H

#include <linux/prefetch.h>

#include "gc_core.h"

#define RESCHED_EVERY	4096

/* Survivors between two anchors, at least, by default (gc_anchor.c). */
#define RGC_ANCHOR_STRIDE	64

static inline struct rgc_head *to_head(struct list_head *node)
{
	return list_entry(node, struct rgc_head, node);
}

static inline void set_gen(struct rgc_head *op, unsigned int gen)
{
	op->flags = (op->flags & ~RGC_F_GEN_MASK) | (gen << RGC_F_GEN_SHIFT);
}

/*
 * Where the slots of @op are, for a client whose slots the core reads in
 * place (ops->nslots_offset): *@n of them, at ops->slots_offset itself
 * while the capacity is at most ops->inline_slots (*@heap false), else
 * in the array a pointer there points to.  Returns ops->slots_offset's
 * address.
 */
static __always_inline struct rgc_head **
slot_words(const struct rgc_ops *ops, struct rgc_head *op, u32 *n, bool *heap)
{
	*n = *(u32 *)((char *)op + ops->nslots_offset);
	*heap = *(u32 *)((char *)op + ops->cap_offset) > ops->inline_slots;
	return (struct rgc_head **)((char *)op + ops->slots_offset);
}

/*
 * Call @visit on every reference @op holds: the client's slot array, read
 * in place when ops->nslots_offset says where it is (@visit is then a
 * direct call, inlined), else through ops->traverse.  Reading the array
 * in place costs one load more than a pointer alone (the capacity,
 * beside the length) and a select.
 */
static __always_inline void traverse(struct rgc_state *gc,
				     struct rgc_head *op, rgc_visit_t visit,
				     void *arg)
{
	const struct rgc_ops *ops = gc->ops;
	struct rgc_head **slots, **inl;
	bool heap;
	u32 i, n;

	if (!ops->nslots_offset) {
		ops->traverse(op, visit, arg);
		return;
	}
	inl = slot_words(ops, op, &n, &heap);
	if (!n)
		return;
	/* Both loaded, one chosen: a conditional move, no branch to miss. */
	slots = *(struct rgc_head ***)inl;
	slots = heap ? slots : inl;
	for (i = 0; i < n; i++) {
		if (i + 4 < n)
			prefetch(slots[i + 4]);
		visit(slots[i], arg);
	}
}

/*
 * Whether an object with flags @f belongs to the set being collected.  A
 * collection that walks its set first flags it RGC_F_COLLECTING.  One
 * that does not (gc->lazy_lim set, gc_roots.c) collects every tracked
 * object of generations 0..g but the deferred ones: it flags only those
 * it finds unreachable, and the walk takes the survivors of a young
 * collection out of the set as it moves them to generation g + 1.
 */
static __always_inline bool rgc_in_set(const struct rgc_state *gc, u32 f)
{
	return (f & RGC_F_COLLECTING) ||
	       ((f & (RGC_F_TRACKED | RGC_F_DEFERRED)) == RGC_F_TRACKED &&
		(f & RGC_F_GEN_MASK) < gc->lazy_lim);
}

/*
 * Prefetch what traverse() will read of @op's children: the children
 * themselves while the slots are in the object, else the slot array.
 * Only for a client whose slots the core reads in place.
 */
static __always_inline void prefetch_children(struct rgc_state *gc,
					      struct rgc_head *op)
{
	struct rgc_head **inl;
	bool heap;
	u32 i, n;

	if (!gc->ops->nslots_offset)
		return;
	inl = slot_words(gc->ops, op, &n, &heap);
	if (heap) {
		prefetch(*(struct rgc_head ***)inl);
		return;
	}
	for (i = 0; i < n; i++)
		prefetch(inl[i]);
}

unsigned long rgc_list_size(const struct list_head *head);
void rgc_merge_into(struct list_head *from, struct list_head *to,
		    unsigned int gen);

void rgc_anchor_add(struct rgc_anchors *an, struct rgc_head *op);
void rgc_anchors_drop(struct rgc_state *gc, int gen, u32 stride);
void rgc_anchor_forget(struct rgc_state *gc, struct rgc_head *op);
void rgc_anchors_cut(struct rgc_state *gc, int generation);

unsigned long rgc_update_refs(struct list_head *young);
void rgc_subtract_refs(struct rgc_state *gc, struct list_head *young);
bool rgc_roots_known(struct rgc_state *gc, int generation);
unsigned long rgc_take_roots(struct rgc_state *gc, struct list_head *young,
			     unsigned long *others);
void rgc_mark_roots(struct rgc_state *gc, struct list_head *young,
		    int generation);
unsigned long rgc_deduce_unreachable(struct rgc_state *gc,
				     struct list_head *young,
				     struct list_head *unreachable,
				     int generation, unsigned int gen,
				     bool roots, unsigned long *reachable);

#endif /* _REFGC_GC_INTERNAL_H */
