// SPDX-License-Identifier: GPL-2.0
/*
 * gc_anchor.c - anchors: objects that cut a generation's list into
 * segments, so that a pass which may visit the objects in any order
 * walks many segments at once.
 *
 * A pass over a list is a pointer chase: each node's address is known
 * only once the previous node has arrived, so a pass over a long-lived
 * generation, scattered over slab pages, costs one memory latency per
 * object.  Walking 32 segments side by side keeps 32 misses in flight.
 * Taking roots (gc_roots.c) visits objects in any order, and does that;
 * move_unreachable() must keep CPython's order, and sends helpers down
 * the segments ahead of it to prefetch the objects and their children.
 * A collection keeps its list's anchors in gc->cut (rgc_anchors_cut())
 * for both.
 *
 * move_unreachable() records every stride-th survivor of a collection
 * into the anchors of the generation the survivors move to, in list
 * order (rgc_anchor_add()).  An anchor is a valid node of its
 * generation's list until it leaves that list: a collection of the
 * generation drops them all first (rgc_anchors_drop()), freezing drops
 * them, and an object that is untracked, retracked, or held for its
 * weakref callback (rgc_hold_callback()) forgets itself
 * (rgc_anchor_forget(), for objects flagged RGC_F_ANCHOR).
 *
 * Locking: none here, as in the rest of the core: the client serialises
 * every call on a given struct rgc_state.  Nothing is allocated.
 */
#include <linux/list.h>
#include <linux/string.h>

#include "gc_internal.h"

/* Keep every other anchor of a full array, and record half as often. */
static void thin(struct rgc_anchors *an)
{
	u32 i;

	for (i = 0; i < an->nr; i++) {
		if (i % 2)
			an->at[i]->flags &= ~RGC_F_ANCHOR;
		else
			an->at[i / 2] = an->at[i];
	}
	an->nr = (an->nr + 1) / 2;
	an->stride *= 2;
}

/**
 * rgc_anchor_add() - make a survivor an anchor of its new generation
 * @an: the anchors of the generation @op moves to.
 * @op: a survivor, after every anchor already in @an in list order.
 */
void rgc_anchor_add(struct rgc_anchors *an, struct rgc_head *op)
{
	if (an->nr == RGC_ANCHORS)
		thin(an);
	op->flags |= RGC_F_ANCHOR;
	an->at[an->nr++] = op;
}

/**
 * rgc_anchors_drop() - forget every anchor of a generation
 * @gc: the collector.
 * @gen: the generation, whose list is about to be collected or frozen.
 * @stride: how many survivors apart the next anchors are recorded.
 */
void rgc_anchors_drop(struct rgc_state *gc, int gen, u32 stride)
{
	struct rgc_anchors *an = &gc->anchors[gen];
	u32 i;

	for (i = 0; i < an->nr; i++)
		an->at[i]->flags &= ~RGC_F_ANCHOR;
	an->nr = 0;
	an->stride = stride;
	an->left = stride - 1;
	an->seen = 0;
}

/**
 * rgc_anchor_forget() - an anchor leaves its generation's list
 * @gc: the collector.
 * @op: the object, flagged RGC_F_ANCHOR, still flagged with its
 *	generation.
 */
void rgc_anchor_forget(struct rgc_state *gc, struct rgc_head *op)
{
	int gen = rgc_generation(op);
	struct rgc_anchors *an;
	u32 i;

	op->flags &= ~RGC_F_ANCHOR;
	if (gen < 0 || gen >= RGC_NUM_GENERATIONS)
		return;
	an = &gc->anchors[gen];
	for (i = 0; i < an->nr; i++) {
		if (an->at[i] == op) {
			memmove(&an->at[i], &an->at[i + 1],
				(an->nr - i - 1) * sizeof(an->at[0]));
			an->nr--;
			return;
		}
	}
}

/**
 * rgc_anchors_cut() - the segments of a collected list, into gc->cut
 * @gc: the collector.
 * @generation: the generation collected, its list with the younger ones
 *	spliced on in order (rgc_collect_begin()): its anchors, then
 *	theirs, are in list order; -1 for a list without anchors.
 *
 * Segment 0 runs from the list's first node to gc->cut[0], segment s
 * from gc->cut[s - 1] to gc->cut[s], and the last one to the head.
 */
void rgc_anchors_cut(struct rgc_state *gc, int generation)
{
	int i;

	gc->ncut = 0;
	if (generation < 0)
		return;
	for (i = -1; i < generation; i++) {
		struct rgc_anchors *an = &gc->anchors[i < 0 ? generation : i];

		memcpy(&gc->cut[gc->ncut], an->at, an->nr * sizeof(an->at[0]));
		gc->ncut += an->nr;
	}
}
