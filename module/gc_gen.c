// SPDX-License-Identifier: GPL-2.0
/*
 * gc_gen.c - the collector core's generations: tracking and untracking,
 * counts and thresholds (CPython 3.11's cadence), freeze and unfreeze.
 * The collection itself is gc_core.c.
 *
 * Locking: none here; the client serialises every call on a given
 * struct rgc_state (refgc: the arena mutex).  Nothing is allocated.
 */
#include <linux/list.h>
#include <linux/sched.h>

#include "gc_internal.h"

/* How many objects @head holds, by walking it. */
unsigned long rgc_list_size(const struct list_head *head)
{
	const struct list_head *pos;
	unsigned long n = 0;

	list_for_each(pos, head)
		if (!(++n % 4096))
			cond_resched();
	return n;
}

/* Move every object of @from to the end of @to, now in generation @gen. */
void rgc_merge_into(struct list_head *from, struct list_head *to,
		    unsigned int gen)
{
	struct list_head *pos;
	unsigned long n = 0;

	list_for_each(pos, from) {
		struct rgc_head *op = to_head(pos);

		op->flags &= ~(RGC_F_COLLECTING | RGC_F_UNREACHABLE);
		set_gen(op, gen);
		if (!(++n % 4096))
			cond_resched();
	}
	list_splice_tail_init(from, to);
}

/**
 * rgc_init() - set up an empty collector with CPython's defaults
 * @gc: the state to initialise.
 * @ops: the client's object operations.
 */
void rgc_init(struct rgc_state *gc, const struct rgc_ops *ops)
{
	static const u32 thresholds[RGC_NUM_GENERATIONS] = { 700, 10, 10 };
	int i;

	*gc = (struct rgc_state){ .ops = ops, .enabled = true };
	for (i = 0; i < RGC_NUM_GENERATIONS; i++) {
		INIT_LIST_HEAD(&gc->gen[i].head);
		gc->gen[i].threshold = thresholds[i];
	}
	INIT_LIST_HEAD(&gc->permanent.head);
	INIT_LIST_HEAD(&gc->deferred);
	gc->anchor_stride = RGC_ANCHOR_STRIDE;
	for (i = 0; i < RGC_NUM_GENERATIONS; i++) {
		gc->anchors[i].stride = RGC_ANCHOR_STRIDE;
		gc->anchors[i].left = RGC_ANCHOR_STRIDE - 1;
		gc->take_first[i] = true;
	}
}

/**
 * rgc_track() - start tracking a new container in generation 0
 * @gc: the collector.
 * @op: the object; counts as one allocation (count0 + 1).
 */
void rgc_track(struct rgc_state *gc, struct rgc_head *op)
{
	op->flags &= ~(RGC_F_COLLECTING | RGC_F_UNREACHABLE);
	op->flags |= RGC_F_TRACKED;
	op->gc_refs = 0;
	set_gen(op, 0);
	list_add_tail(&op->node, &gc->gen[0].head);
	gc->gen[0].count++;
}

/**
 * rgc_track_auto() - track a new container, for a client that collects
 *	automatically
 * @gc: the collector.
 * @op: the object; counts as one allocation (count0 + 1).
 *
 * CPython 3.11 counts an allocation, and runs the collection it makes
 * due, before the new object is tracked: the object is not part of that
 * collection, and joins generation 0 after it, uncounted.  So when this
 * allocation makes a collection due (rgc_collection_due()), @op waits on
 * @gc->deferred (tracked, generation 0) until the client's collection
 * ends (rgc_collect()) or the client flushes it (rgc_flush_deferred()).
 *
 * Return: true when a collection is now due: the client must run it
 * before the next allocation.
 */
bool rgc_track_auto(struct rgc_state *gc, struct rgc_head *op)
{
	rgc_track(gc, op);
	if (!rgc_collection_due(gc))
		return false;
	list_move_tail(&op->node, &gc->deferred);
	op->flags |= RGC_F_DEFERRED;
	return true;
}

/**
 * rgc_flush_deferred() - move the deferred new objects into generation 0
 * @gc: the collector.  Their allocations were counted already.
 */
void rgc_flush_deferred(struct rgc_state *gc)
{
	struct rgc_head *op;

	list_for_each_entry(op, &gc->deferred, node)
		op->flags &= ~RGC_F_DEFERRED;
	list_splice_tail_init(&gc->deferred, &gc->gen[0].head);
}

/**
 * rgc_untrack() - stop tracking an object that is being freed
 * @gc: the collector.
 * @op: the object; counts as one deallocation (count0 - 1, not below 0).
 *
 * Safe on an object that sits on one of a running collection's lists.
 */
void rgc_untrack(struct rgc_state *gc, struct rgc_head *op)
{
	if (!rgc_is_tracked(op))
		return;
	if (op->flags & RGC_F_ANCHOR)
		rgc_anchor_forget(gc, op);
	list_del_init(&op->node);
	op->flags &= ~(RGC_F_TRACKED | RGC_F_COLLECTING | RGC_F_UNREACHABLE |
		       RGC_F_DEFERRED);
	if (gc->gen[0].count > 0)
		gc->gen[0].count--;
}

/**
 * rgc_retrack() - an object's refcount reached zero and its finalizer runs
 * @gc: the collector.
 * @op: the object, if tracked, moves to the end of generation 0,
 *	uncounted, from wherever it is (a running collection's lists
 *	included): CPython's subtype_dealloc untracks an object and tracks
 *	it again before calling its finalizer.  An object so moved off a
 *	collection's legacy-finalizer list is no longer uncollectable: in
 *	CPython it would have been deallocated.
 */
void rgc_retrack(struct rgc_state *gc, struct rgc_head *op)
{
	if (!rgc_is_tracked(op))
		return;
	if (op->flags & RGC_F_ANCHOR)
		rgc_anchor_forget(gc, op);
	op->flags &= ~(RGC_F_COLLECTING | RGC_F_UNREACHABLE | RGC_F_DEFERRED);
	op->gc_refs = 0;
	set_gen(op, 0);
	list_move_tail(&op->node, &gc->gen[0].head);
}

/**
 * rgc_auto_generation() - the generation an automatic collection would take
 * @gc: the collector.
 *
 * The oldest generation whose count exceeds its threshold; generation 2
 * only when long_lived_pending >= long_lived_total / 4.
 *
 * Return: 0..2, or -1 when nothing is due.
 */
int rgc_auto_generation(const struct rgc_state *gc)
{
	int i;

	for (i = RGC_NUM_GENERATIONS - 1; i >= 0; i--) {
		if (gc->gen[i].count <= gc->gen[i].threshold)
			continue;
		if (i == RGC_NUM_GENERATIONS - 1 &&
		    gc->long_lived_pending < gc->long_lived_total / 4)
			continue;
		return i;
	}
	return -1;
}

/**
 * rgc_collection_due() - should an automatic collection be scheduled?
 * @gc: the collector.
 *
 * Return: true when count0 exceeds a nonzero threshold0, automatic
 * collection is enabled and no collection is running.
 */
bool rgc_collection_due(const struct rgc_state *gc)
{
	return gc->enabled && gc->gen[0].threshold &&
	       gc->gen[0].count > gc->gen[0].threshold && !gc->collecting;
}

/**
 * rgc_freeze() - move every tracked object to the permanent generation
 * @gc: the collector.  As gc.freeze() in CPython 3.11, every count is
 *	reset: gc.get_count() is (0, 0, 0) afterwards.
 */
void rgc_freeze(struct rgc_state *gc)
{
	int i;

	for (i = 0; i < RGC_NUM_GENERATIONS; i++) {
		rgc_anchors_drop(gc, i, gc->anchor_stride);
		rgc_merge_into(&gc->gen[i].head, &gc->permanent.head,
			       RGC_GEN_PERMANENT);
		gc->gen[i].count = 0;
	}
}

/**
 * rgc_unfreeze() - move the permanent generation back into generation 2
 * @gc: the collector.
 */
void rgc_unfreeze(struct rgc_state *gc)
{
	rgc_merge_into(&gc->permanent.head,
		       &gc->gen[RGC_NUM_GENERATIONS - 1].head,
		       RGC_NUM_GENERATIONS - 1);
}

/**
 * rgc_gen_size() - how many objects a generation holds
 * @gc: the collector.
 * @gen: 0..2 or RGC_GEN_PERMANENT.
 *
 * Return: the count, by walking the list (O(n)).
 */
unsigned long rgc_gen_size(const struct rgc_state *gc, int gen)
{
	if (gen == RGC_GEN_PERMANENT)
		return rgc_list_size(&gc->permanent.head);
	if (gen < 0 || gen >= RGC_NUM_GENERATIONS)
		return 0;
	return rgc_list_size(&gc->gen[gen].head);
}
