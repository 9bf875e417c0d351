// SPDX-License-Identifier: GPL-2.0
/*
 * gc_walk.c - which objects of a collected set are unreachable: the
 * reference count passes (update_refs, subtract_refs), or the roots
 * (gc_roots.c), then move_unreachable(), the walk in CPython's order,
 * with its helpers that prefetch along the anchors' segments
 * (gc_anchor.c).  gc_core.c runs the rest of the pipeline.
 *
 * Locking: none here, as in gc_core.c: the client serialises every call
 * on a given struct rgc_state.  Nothing is allocated.
 *
 * No recursion: the reachability walk uses the young list itself as the
 * worklist, as CPython's move_unreachable() does.
 */
#include <linux/list.h>
#include <linux/sched.h>

#include "gc_internal.h"

/* gc_refs = refcnt for every object of @young; returns how many. */
unsigned long rgc_update_refs(struct list_head *young)
{
	struct rgc_head *op;
	unsigned long n = 0;

	list_for_each_entry(op, young, node) {
		op->gc_refs = op->refcnt;
		op->flags |= RGC_F_COLLECTING;
		if (!(++n % RESCHED_EVERY))
			cond_resched();
	}
	return n;
}

static void visit_decref(struct rgc_head *child, void *arg)
{
	if ((child->flags & RGC_F_COLLECTING) && child->gc_refs)
		child->gc_refs--;
}

/* Subtract the references that come from inside @young. */
void rgc_subtract_refs(struct rgc_state *gc, struct list_head *young)
{
	struct rgc_head *op;
	unsigned long n = 0;

	list_for_each_entry(op, young, node) {
		/* Overlap the next header's miss with this one's children. */
		prefetch(op->node.next);
		traverse(gc, op, visit_decref, NULL);
		if (!(++n % RESCHED_EVERY))
			cond_resched();
	}
}

/*
 * move_unreachable()'s walk: @young, its worklist; @unseen, how many
 * objects with gc_refs 0 no reachable object has reached yet (~0UL:
 * unknown; once it is 0, visiting more children changes nothing); and
 * for a walk that finds the roots as it goes (@lazy: gc_roots.c), how
 * many objects are on the unreachable list and how many were roots.
 */
struct reach {
	struct rgc_state *gc;
	struct list_head *young;
	unsigned long unseen;
	unsigned long unreach;
	unsigned long roots;
};

/*
 * A child of a reachable object.  Reached means gc_refs > 0, or for a
 * @lazy walk gc_refs == gc->epoch (other values are stale there).
 */
static __always_inline void reach(struct rgc_head *child, struct reach *r,
				  bool lazy)
{
	u32 f = child->flags;
	u32 mark = lazy ? r->gc->epoch : 1;

	if (lazy ? !rgc_in_set(r->gc, f) : !(f & RGC_F_COLLECTING))
		return;
	if (f & RGC_F_UNREACHABLE) {
		/* Tentatively unreachable: back onto @young, to be scanned. */
		child->flags = f & ~RGC_F_UNREACHABLE;
		list_move_tail(&child->node, r->young);
		child->gc_refs = mark;
		r->unseen--;
		r->unreach--;
	} else if (lazy ? child->gc_refs != mark : !child->gc_refs) {
		/* Not scanned yet: it will be, as reachable. */
		child->gc_refs = mark;
		r->unseen--;
	}
}

static void visit_reachable(struct rgc_head *child, void *arg)
{
	reach(child, arg, false);
}

static void visit_reachable_lazy(struct rgc_head *child, void *arg)
{
	reach(child, arg, true);
}

/*
 * Prefetching for move_unreachable(), which must walk @young in order:
 * helpers walk the next AHEAD segments (cut at gc->cut, the anchors the
 * list had), one node of one helper per node of the walk, so that each
 * helper's next node has AHEAD nodes' time to arrive.  A helper stays
 * ahead of the walk: it only ever reads nodes the walk has not reached,
 * which nothing moves, and it retires when the walk enters its segment.
 */
#define AHEAD	16

struct helper {
	struct list_head *pos;
	struct list_head *end;
};

struct ahead {
	struct rgc_state *gc;
	struct list_head *young;
	u32 seg;
	u32 rr;
	struct helper h[AHEAD];
};

/* Segment @s of the list: from cut[@s - 1] (or the start) to cut[@s]. */
static void ahead_assign(struct ahead *a, u32 s)
{
	struct helper *h = &a->h[s % AHEAD];

	h->pos = NULL;
	if (!s || s > a->gc->ncut)
		return;
	h->pos = &a->gc->cut[s - 1]->node;
	h->end = s < a->gc->ncut ? &a->gc->cut[s]->node : a->young;
	prefetch(h->pos);
}

static void ahead_init(struct ahead *a, struct rgc_state *gc,
		       struct list_head *young)
{
	u32 s;

	a->gc = gc;
	a->young = young;
	a->seg = 0;
	a->rr = 0;
	for (s = 0; s < AHEAD; s++)
		a->h[s].pos = NULL;
	for (s = 1; s <= AHEAD; s++)
		ahead_assign(a, s);
}

static __always_inline void ahead_step(struct ahead *a, struct list_head *pos)
{
	struct helper *h;

	if (a->seg < a->gc->ncut && pos == &a->gc->cut[a->seg]->node) {
		/* The walk enters segment seg + 1: its helper is done. */
		a->seg++;
		ahead_assign(a, a->seg + AHEAD);
	}
	h = &a->h[a->rr++ % AHEAD];
	if (h->pos && h->pos != h->end && h->pos != a->young) {
		struct list_head *cur = h->pos;

		h->pos = cur->next;
		prefetch(h->pos);
		/* cur has arrived meanwhile: ask for its children too. */
		prefetch_children(a->gc, to_head(cur));
	}
}

/* Every an->stride-th survivor moving to @an's generation is an anchor. */
static __always_inline void record_anchor(struct rgc_anchors *an,
					  struct rgc_head *op)
{
	an->seen++;
	if (an->left--)
		return;
	rgc_anchor_add(an, op);
	an->left = an->stride - 1;
}

/*
 * Objects of @young with gc_refs > 0 are reachable from outside, and so is
 * everything they reach.  Move the rest to @unreachable (flagged
 * COLLECTING | UNREACHABLE).  Reachable objects lose COLLECTING, move to
 * generation @gen, and are left gc_refs 0; every @an->stride-th becomes
 * one of its anchors (@an: generation @gen's, or NULL).  A @lazy walk
 * (gc->lazy_lim, gc_roots.c) finds the roots as it goes: an object is
 * reachable when gc_refs == gc->epoch or ops->external() says so, and
 * reachable ones keep that mark, which is how a full collection, whose
 * survivors stay in the set, knows them.  Returns how many stayed
 * reachable.
 */
static __always_inline unsigned long
walk_unreachable(struct rgc_state *gc, struct reach *r,
		 struct list_head *unreachable, unsigned int gen,
		 struct rgc_anchors *an, bool lazy)
{
	struct list_head *young = r->young, *pos = young->next;
	bool ask = lazy && !gc->verify_roots;
	unsigned long reachable = 0;
	struct ahead a;

	ahead_init(&a, gc, young);
	while (pos != young) {
		struct rgc_head *op = to_head(pos);
		struct list_head *next;
		bool live = op->gc_refs;

		ahead_step(&a, pos);
		prefetch(pos->next);
		if (lazy) {
			bool ext = gc->ops->external(op);

			r->roots += ext;
			live = op->gc_refs == gc->epoch || (ask && ext);
		}
		if (live) {
			/* Once every object was reached, children add nothing. */
			if (lazy)
				traverse(gc, op, visit_reachable_lazy, r);
			else if (r->unseen)
				traverse(gc, op, visit_reachable, r);
			op->flags &= ~RGC_F_COLLECTING;
			op->gc_refs = lazy ? gc->epoch : 0;
			set_gen(op, gen);
			if (an)
				record_anchor(an, op);
			/* Read after traverse: it may have appended to @young. */
			next = pos->next;
			if (!(++reachable % RESCHED_EVERY))
				cond_resched();
		} else {
			next = pos->next;
			op->flags |= RGC_F_COLLECTING | RGC_F_UNREACHABLE;
			list_move_tail(pos, unreachable);
			r->unreach++;
		}
		pos = next;
	}
	gc->ncut = 0;
	gc->lazy_lim = 0;
	return reachable;
}

static unsigned long move_unreachable(struct rgc_state *gc, struct reach *r,
				      struct list_head *unreachable,
				      unsigned int gen,
				      struct rgc_anchors *an)
{
	if (gc->lazy_lim)
		return walk_unreachable(gc, r, unreachable, gen, an, true);
	return walk_unreachable(gc, r, unreachable, gen, an, false);
}

/*
 * Split @young into reachable and unreachable.  @generation is the
 * generation collected, its list @young (with the younger ones spliced
 * on), and @gen the one survivors move to; their anchors (gc_anchor.c)
 * are used, then dropped, and survivors become anchors of @gen.
 * @generation is -1 for the resurrection check, which has none.  With
 * @roots known, the walk takes them first (rgc_take_roots()) when the
 * last collection of @generation found mostly roots, else it finds them
 * as it goes (rgc_mark_roots()).
 */
unsigned long rgc_deduce_unreachable(struct rgc_state *gc,
				     struct list_head *young,
				     struct list_head *unreachable,
				     int generation, unsigned int gen,
				     bool roots, unsigned long *reachable)
{
	struct reach r = { .gc = gc, .young = young, .unseen = ~0UL };
	unsigned long candidates = 0, size = 0;
	struct rgc_anchors *an = NULL;
	bool lazy = false;
	int i;

	rgc_anchors_cut(gc, generation);
	if (roots && generation >= 0 && !gc->take_first[generation]) {
		lazy = true;
		/* The set's size is not known yet: its anchors tell. */
		for (i = 1; i <= generation; i++)
			size += gc->anchors[i].seen;
		rgc_mark_roots(gc, young, generation);
	} else if (roots) {
		candidates = rgc_take_roots(gc, young, &r.unseen);
		size = candidates;
		r.roots = candidates - r.unseen;
	} else {
		candidates = rgc_update_refs(young);
		size = candidates;
		rgc_subtract_refs(gc, young);
	}
	if (generation >= 0) {
		u32 stride = gc->anchor_stride;

		/* About RGC_ANCHORS / 2 to RGC_ANCHORS of them, if all live. */
		if (size / RGC_ANCHORS > stride)
			stride = size / RGC_ANCHORS;
		for (i = 0; i <= generation; i++)
			rgc_anchors_drop(gc, i, stride);
		an = &gc->anchors[gen];
		/* rgc_collect_begin() takes the walk's end time. */
		gc->pend.move_ns = gc->ops->now_ns();
		gc->pend.roots_ns = gc->pend.move_ns - gc->pend.start;
	}
	*reachable = move_unreachable(gc, &r, unreachable, gen, an);
	if (lazy)
		candidates = *reachable + r.unreach;
	if (roots && generation >= 0)
		gc->take_first[generation] = 4 * r.roots >= 3 * candidates;
	return candidates;
}
