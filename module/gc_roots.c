// SPDX-License-Identifier: GPL-2.0
/*
 * gc_roots.c - where a collection's roots come from, when it can take
 * them instead of counting references (trial deletion: gc_core.c).
 *
 * The roots of the collected set are the objects referenced from outside
 * every object (ops->external), the children of deferred objects, and the
 * children of remembered objects outside the set (remembered.c keeps
 * that set, rgc_barrier() fills it).  rgc_take_roots() walks the set,
 * flags it, marks the roots gc_refs = 1 and prunes the remembered set on
 * the way.  rgc_mark_roots() does without that walk: the set is known by
 * generation (rgc_in_set()), move_unreachable() asks ops->external() as
 * it arrives at each object, and marks are gc->epoch.  Debug kernels
 * also count, and compare (verify_roots).
 *
 * Locking: none here, as in gc_core.c: the client serialises every call
 * on a given struct rgc_state.
 */
#include <linux/list.h>
#include <linux/sched.h>

#include "gc_internal.h"

/*
 * Whether a collection of @generation can take its roots instead of
 * counting.  Every reference to an object of the collected set comes
 * from the set's own slots, from outside every object (ops->external:
 * the client's promise), or from an object outside the set: a deferred
 * one, or one the remembered set holds (rgc_barrier()).  After
 * subtract_refs(), gc_refs > 0 exactly for the objects with one of the
 * last three.  move_unreachable() only asks whether gc_refs is 0, so
 * taking them instead gives CPython's result, in CPython's order,
 * without the two counting passes.  Without a complete remembered set,
 * only a full collection with no frozen object knows its roots.
 */
bool rgc_roots_known(struct rgc_state *gc, int generation)
{
	if (!gc->ops->external)
		return false;
	if (gc->ops->for_each_remembered && !gc->remembered_lost)
		return true;
	return generation == RGC_NUM_GENERATIONS - 1 &&
	       list_empty(&gc->permanent.head);
}

/* A child of an object outside the collected set: a root. */
static void visit_root(struct rgc_head *child, void *arg)
{
	struct rgc_state *gc = arg;

	if (!rgc_in_set(gc, child->flags))
		return;
	if (gc->lazy_lim) {
		child->gc_refs = gc->epoch;
	} else if (!child->gc_refs) {
		child->gc_refs = 1;
		gc->others--;
	}
}

/*
 * Whether some child of a remembered object will be younger than it after
 * this collection: @in_set, it is in the collected set, and only deferred
 * children will; else those of the set, and of younger generations.
 */
struct younger {
	struct rgc_state *gc;
	u32 gen;
	bool in_set;
	bool found;
};

/* One walk of a remembered object: its roots, and whether to keep it. */
static void visit_remembered(struct rgc_head *child, void *arg)
{
	struct younger *y = arg;
	u32 f = child->flags;

	if (!(f & RGC_F_TRACKED))
		return;
	if (!y->in_set)
		visit_root(child, y->gc);
	if (f & RGC_F_DEFERRED ||
	    (!y->in_set && (rgc_in_set(y->gc, f) ||
			    (f & RGC_F_GEN_MASK) < y->gen)))
		y->found = true;
}

/*
 * ops->for_each_remembered's callback: the children of a remembered
 * object outside the collected set are roots.  It stays remembered while
 * it refers to a younger object.  An object of the collected set leaves
 * the set (its children go to an older generation with it), unless it
 * refers to a deferred object, which joins generation 0 after this.
 */
static bool keep_remembered(struct rgc_state *gc, struct rgc_head *src)
{
	struct younger y = { .gc = gc, .gen = RGC_F_GEN_MASK + 1 };

	if (rgc_in_set(gc, src->flags))
		y.in_set = true;
	else if (src->flags & RGC_F_TRACKED)
		y.gen = src->flags & RGC_F_GEN_MASK;
	traverse(gc, src, visit_remembered, &y);
	return y.found;
}

/*
 * gc->verify_roots: count the references as well, and compare.  The
 * collection follows the count, so that a client bug is reported
 * without freeing anything in use.  The roots taken are marked
 * RGC_F_UNREACHABLE meanwhile (unused before move_unreachable()).  The
 * segments must have been @young's, in order, and covered all @n of its
 * objects (@n is 0 when no walk counted them): a wrong cut counts as a
 * wrong root.  A collection that does not walk its set first
 * (gc->lazy_lim) ends with gc_refs = gc->epoch exactly for the roots by
 * the count, else 0, and no object flagged RGC_F_COLLECTING.
 */
static void verify_roots(struct rgc_state *gc, struct list_head *young,
			 unsigned long n)
{
	bool lazy = gc->lazy_lim;
	struct rgc_head *op;
	unsigned long m;
	u32 c = 0;

	list_for_each_entry(op, young, node) {
		if (c < gc->ncut && op == gc->cut[c])
			c++;
		if (lazy ? op->gc_refs == gc->epoch || gc->ops->external(op) :
			   op->gc_refs)
			op->flags |= RGC_F_UNREACHABLE;
	}
	if (c != gc->ncut)
		gc->roots_wrong++;
	m = rgc_update_refs(young);
	if (n && m != n)
		gc->roots_wrong++;
	rgc_subtract_refs(gc, young);
	gc->others = 0;
	list_for_each_entry(op, young, node) {
		bool taken = op->flags & RGC_F_UNREACHABLE;

		op->flags &= ~RGC_F_UNREACHABLE;
		/* A broken promise is reported; the count decides. */
		if (taken != !!op->gc_refs)
			gc->roots_wrong++;
		gc->others += !op->gc_refs;
		if (lazy) {
			op->flags &= ~RGC_F_COLLECTING;
			op->gc_refs = op->gc_refs ? gc->epoch : 0;
		}
	}
}

/* Segments of the list walked side by side (gc_anchor.c). */
#define WALKERS	32

struct walker {
	struct list_head *pos;
	struct list_head *end;
};

/* Segment @s of @young (rgc_anchors_cut()), or false past the last. */
static bool segment(struct rgc_state *gc, struct list_head *young, u32 s,
		    struct walker *w)
{
	if (s > gc->ncut)
		return false;
	w->pos = s ? &gc->cut[s - 1]->node : young->next;
	w->end = s < gc->ncut ? &gc->cut[s]->node : young;
	prefetch(w->pos);
	return true;
}

/*
 * gc_refs = 1 for the objects of @young referenced from outside every
 * object, else 0; all flagged COLLECTING.  The order does not matter, so
 * this walks up to WALKERS segments at once, each one node per round,
 * prefetching its next node: the misses overlap instead of following one
 * another.  Returns how many objects.
 */
static unsigned long take_external(struct rgc_state *gc,
				   struct list_head *young)
{
	struct walker w[WALKERS];
	unsigned long n = 0;
	u32 next = 0;
	int i, nw, live;

	for (nw = 0; nw < WALKERS; nw++)
		if (!segment(gc, young, next++, &w[nw]))
			break;
	live = nw;
	while (live) {
		for (i = 0; i < nw; i++) {
			struct list_head *pos = w[i].pos;
			struct rgc_head *op;

			/* The head too: a cut is never past it. */
			if (pos == w[i].end || pos == young) {
				/* Done with a segment; retired once none is left. */
				if (pos && !segment(gc, young, next++, &w[i])) {
					w[i].pos = NULL;
					w[i].end = NULL;
					live--;
				}
				continue;
			}
			w[i].pos = pos->next;
			prefetch(w[i].pos);
			op = to_head(pos);
			op->gc_refs = gc->ops->external(op);
			gc->others += !op->gc_refs;
			op->flags |= RGC_F_COLLECTING;
			if (!(++n % RESCHED_EVERY))
				cond_resched();
		}
	}
	return n;
}

/*
 * gc_refs = 1 for the roots of @young, else 0; returns how many objects,
 * and in @others how many are not roots.  gc->cut holds @young's anchors.
 */
unsigned long rgc_take_roots(struct rgc_state *gc, struct list_head *young,
			     unsigned long *others)
{
	struct rgc_head *op;
	unsigned long n;

	gc->roots_taken++;
	gc->others = 0;
	n = take_external(gc, young);
	/* New objects an automatic collection waits with refer from outside. */
	list_for_each_entry(op, &gc->deferred, node)
		traverse(gc, op, visit_root, gc);
	if (gc->ops->for_each_remembered)
		gc->ops->for_each_remembered(gc, keep_remembered);
	if (gc->verify_roots)
		verify_roots(gc, young, n);
	*others = gc->others;
	return n;
}

/* gc_refs = 0 for every tracked object: no stale value equals an epoch. */
static void reset_epoch(struct rgc_state *gc)
{
	struct list_head *lists[RGC_NUM_GENERATIONS + 2];
	struct rgc_head *op;
	unsigned long n = 0;
	int i;

	for (i = 0; i < RGC_NUM_GENERATIONS; i++)
		lists[i] = &gc->gen[i].head;
	lists[i++] = &gc->permanent.head;
	lists[i] = &gc->deferred;
	for (i = 0; i < RGC_NUM_GENERATIONS + 2; i++) {
		list_for_each_entry(op, lists[i], node) {
			op->gc_refs = 0;
			if (!(++n % RESCHED_EVERY))
				cond_resched();
		}
	}
	gc->epoch = 1;
}

/*
 * The roots of @young, a collection of @generation, without a walk of
 * their own: rgc_take_roots() walks the set to flag it and to ask
 * ops->external() of each object, and move_unreachable() then walks it
 * again.  Here the set is known by generation (rgc_in_set()), and
 * move_unreachable() asks ops->external() as it arrives at each object.
 * The roots found here, children of deferred and remembered objects,
 * get gc_refs = gc->epoch, the mark of reachable objects; no other
 * object of @young has that value.
 */
void rgc_mark_roots(struct rgc_state *gc, struct list_head *young,
		    int generation)
{
	struct rgc_head *op;

	gc->roots_taken++;
	if (!++gc->epoch)
		reset_epoch(gc);
	gc->lazy_lim = (u32)(generation + 1) << RGC_F_GEN_SHIFT;
	list_for_each_entry(op, &gc->deferred, node)
		traverse(gc, op, visit_root, gc);
	if (gc->ops->for_each_remembered)
		gc->ops->for_each_remembered(gc, keep_remembered);
	if (gc->verify_roots)
		verify_roots(gc, young, 0);
}
