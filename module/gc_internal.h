/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gc_internal.h - what the collector core's files (gc_gen.c, gc_core.c,
 * gc_roots.c, gc_anchor.c) share and nothing else uses: list and generation helpers,
 * the slot walk, and the passes that compute gc_refs.
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
 * Call @visit on every reference @op holds: the client's slot array, read
 * in place when ops->nslots_offset says where it is (@visit is then a
 * direct call, inlined), else through ops->traverse.  The array is at
 * ops->slots_offset itself while the capacity is at most
 * ops->inline_slots, else a pointer to it is: one load more than a
 * pointer alone (the capacity, beside the length) and a select.
 */
static __always_inline void traverse(struct rgc_state *gc,
				     struct rgc_head *op, rgc_visit_t visit,
				     void *arg)
{
	const struct rgc_ops *ops = gc->ops;
	struct rgc_head **slots, **inl;
	u32 i, n, cap;

	if (!ops->nslots_offset) {
		ops->traverse(op, visit, arg);
		return;
	}
	n = *(u32 *)((char *)op + ops->nslots_offset);
	if (!n)
		return;
	cap = *(u32 *)((char *)op + ops->cap_offset);
	inl = (struct rgc_head **)((char *)op + ops->slots_offset);
	/* Both loaded, one chosen: a conditional move, no branch to miss. */
	slots = *(struct rgc_head ***)inl;
	slots = cap > ops->inline_slots ? slots : inl;
	for (i = 0; i < n; i++) {
		if (i + 4 < n)
			prefetch(slots[i + 4]);
		visit(slots[i], arg);
	}
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

#endif /* _REFGC_GC_INTERNAL_H */
