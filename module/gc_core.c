// SPDX-License-Identifier: GPL-2.0
/*
 * gc_core.c - trial-deletion cycle collection (generations: gc_gen.c).
 *
 * This follows the algorithm of CPython 3.11-3.13 (Python/gc.c), with the
 * unreachable-set pipeline in CPython 3.11-3.13's order: legacy
 * finalizers, weakrefs (all cleared, callbacks of reachable ones called
 * one by one), finalizers (PEP 442), the resurrection check, and
 * deletion.  A collection that userspace drives stops wherever CPython
 * would run Python code (rgc_collect_begin()), and resumes from
 * gc->pend.
 *
 * Locking: none here.  The client serialises every call on a given
 * struct rgc_state (refgc: the arena mutex), so collections of different
 * states run in parallel.
 *
 * Memory: nothing is allocated.  Lists are threaded through rgc_head.node,
 * and the scratch refcount lives in rgc_head.gc_refs.  The only fallible
 * step, ops->reserve_garbage(), runs before the first side effect; when it
 * fails every object is left where a survivor would be.
 *
 * Which objects are unreachable (counting or roots, then the walk) is
 * gc_walk.c's; where the roots come from, gc_roots.c's.
 */
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/sched.h>

#include "gc_internal.h"

/*
 * Legacy mode: move unreachable objects with finalizers to @finalizers.
 * Clears the UNREACHABLE mark on every object of @unreachable.  Returns
 * how many objects stay on @unreachable.
 */
static unsigned long move_legacy_finalizers(struct rgc_state *gc,
					    struct list_head *unreachable,
					    struct list_head *finalizers)
{
	struct rgc_head *op, *next;
	unsigned long n = 0;

	list_for_each_entry_safe(op, next, unreachable, node) {
		op->flags &= ~RGC_F_UNREACHABLE;
		if (gc->legacy_finalizers && gc->ops->has_finalizer(op)) {
			op->flags &= ~RGC_F_COLLECTING;
			list_move_tail(&op->node, finalizers);
		} else {
			n++;
		}
	}
	return n;
}

static void visit_move(struct rgc_head *child, void *arg)
{
	struct list_head *to = arg;

	if (child->flags & RGC_F_COLLECTING) {
		child->flags &= ~RGC_F_COLLECTING;
		list_move_tail(&child->node, to);
	}
}

/* Everything reachable from a legacy finalizer is uncollectable too. */
static void move_legacy_finalizer_reachable(struct rgc_state *gc,
					    struct list_head *finalizers)
{
	struct rgc_head *op;

	/* visit_move appends to @finalizers, which this loop then reaches. */
	list_for_each_entry(op, finalizers, node)
		traverse(gc, op, visit_move, finalizers);
}

/*
 * The garbage list can gain at most every object being collected, and
 * only under SAVEALL or in legacy mode.  Reserving for that bound up front
 * keeps the one fallible step ahead of every side effect.
 */
static int reserve_garbage(struct rgc_state *gc, int generation)
{
	unsigned long n = 0;
	int i;

	if (!gc->ops->reserve_garbage ||
	    !(gc->debug & RGC_DEBUG_SAVEALL || gc->legacy_finalizers))
		return 0;
	for (i = 0; i <= generation; i++)
		n += rgc_list_size(&gc->gen[i].head);
	return gc->ops->reserve_garbage(gc, n);
}

/*
 * Clear every weakref to an unreachable object, and the unreachable
 * weakrefs' own links, before any finalizer runs (CPython 3.11-3.13).
 */
static void handle_weakrefs(struct rgc_state *gc,
			    struct list_head *unreachable)
{
	struct rgc_head *op;
	unsigned long n = 0;

	if (!gc->ops->handle_weakrefs)
		return;
	list_for_each_entry(op, unreachable, node) {
		gc->ops->handle_weakrefs(gc, op);
		if (!(++n % RESCHED_EVERY))
			cond_resched();
	}
}

/* PEP 442: finalize each unreachable object once; returns how many. */
static unsigned long finalize_garbage(struct rgc_state *gc,
				      struct list_head *unreachable)
{
	struct rgc_head *op;
	unsigned long n = 0;

	list_for_each_entry(op, unreachable, node) {
		if (rgc_is_finalized(op) || !gc->ops->has_finalizer(op))
			continue;
		op->flags |= RGC_F_FINALIZED;
		gc->ops->finalize(gc, op);
		n++;
	}
	return n;
}

/*
 * Finalizers (and, in a suspending collection, whatever userspace did
 * meanwhile) may have taken references: anything now reachable from
 * outside @unreachable is resurrected and survives into generation @gen.
 * What is still unreachable moves to @still (flagged COLLECTING).  When
 * no finalizer was called and userspace never ran, nothing can have been
 * resurrected and the rescan is skipped.  Returns how many of the @n
 * objects of @unreachable are still unreachable.
 */
static unsigned long handle_resurrected(struct rgc_state *gc,
					struct list_head *unreachable,
					unsigned long n, bool rescan,
					struct list_head *still,
					unsigned int gen)
{
	struct rgc_head *op;
	unsigned long survivors;

	if (!rescan) {
		list_splice_tail_init(unreachable, still);
		return n;
	}
	list_for_each_entry(op, unreachable, node)
		op->flags &= ~RGC_F_COLLECTING;
	n = rgc_deduce_unreachable(gc, unreachable, still, -1, gen, false,
				   &survivors);
	list_for_each_entry(op, still, node)
		op->flags &= ~RGC_F_UNREACHABLE;
	list_splice_tail_init(unreachable, &gc->gen[gen].head);
	return n - survivors;
}

/* tp_clear every object of @collectable; survivors move to @old. */
static void delete_garbage(struct rgc_state *gc,
			   struct list_head *collectable,
			   struct list_head *old, unsigned int oldgen)
{
	unsigned long n = 0;

	while (!list_empty(collectable)) {
		struct list_head *first = collectable->next;
		struct rgc_head *op = to_head(first);

		if (gc->pend.debug & RGC_DEBUG_SAVEALL)
			gc->ops->save_garbage(gc, op);
		else
			gc->ops->clear(gc, op);	/* may free op */
		if (collectable->next == first) {
			/* Still alive: it may die later. */
			op->flags &= ~RGC_F_COLLECTING;
			set_gen(op, oldgen);
			list_move_tail(first, old);
		}
		if (!(++n % RESCHED_EVERY))
			cond_resched();
	}
}

static void handle_legacy_finalizers(struct rgc_state *gc,
				     struct list_head *finalizers,
				     struct list_head *old,
				     unsigned int oldgen)
{
	struct rgc_head *op;

	list_for_each_entry(op, finalizers, node) {
		if ((gc->pend.debug & RGC_DEBUG_SAVEALL) ||
		    gc->ops->has_finalizer(op))
			gc->ops->save_garbage(gc, op);
	}
	rgc_merge_into(finalizers, old, oldgen);
}

static void report_list(struct rgc_state *gc, struct list_head *list,
			bool collectable)
{
	struct rgc_head *op;

	if (!gc->ops->report)
		return;
	list_for_each_entry(op, list, node)
		gc->ops->report(gc, op, collectable);
}

/**
 * rgc_hold_callback() - a weakref whose callback the collection calls
 * @gc: the collector, inside ops->handle_weakrefs().
 * @op: a reachable weakref with a callback, its referent unreachable.
 *
 * As CPython's handle_weakrefs(), the collection takes a reference on
 * @op and moves it to its list of callbacks to call.  Once its callback
 * has run, the reference is let go: if that frees @op it counts as
 * collected, otherwise @op moves to the generation survivors go to.
 */
void rgc_hold_callback(struct rgc_state *gc, struct rgc_head *op)
{
	/* It leaves its generation's list: an anchor no more. */
	if (op->flags & RGC_F_ANCHOR)
		rgc_anchor_forget(gc, op);
	op->refcnt++;
	list_move_tail(&op->node, &gc->pend.wrcb);
}

/* Let the first held weakref go, its callback done. */
static void release_callback(struct rgc_state *gc)
{
	struct rgc_pending *p = &gc->pend;
	struct list_head *first = p->wrcb.next;
	struct rgc_head *op = to_head(first);

	gc->ops->release(gc, op);	/* may free op */
	if (p->wrcb.next == first) {
		set_gen(op, p->oldgen);
		list_move_tail(first, &gc->gen[p->oldgen].head);
	} else {
		p->wr_freed++;
	}
}

/*
 * Call the held weakrefs' callbacks in order.  A suspending collection
 * stops after queueing each one (the weakref is let go on resume), as
 * CPython drops its reference after each call.  Returns true to stop.
 */
static bool call_weakref_callbacks(struct rgc_state *gc)
{
	struct rgc_pending *p = &gc->pend;
	unsigned long n = 0;

	if (p->cb_held) {
		p->cb_held = false;
		release_callback(gc);
	}
	while (!list_empty(&p->wrcb)) {
		if (gc->ops->callback)
			gc->ops->callback(gc, to_head(p->wrcb.next));
		if (p->suspend) {
			p->cb_held = true;
			return true;
		}
		release_callback(gc);
		if (!(++n % RESCHED_EVERY))
			cond_resched();
	}
	return false;
}

static u64 work_seq(struct rgc_state *gc)
{
	return gc->ops->work_seq ? gc->ops->work_seq(gc) : 0;
}

/*
 * The resurrection check and deletion.  Resurrected objects survive into
 * the older generation, as in CPython, unless userspace cannot have run
 * their finalizers yet (a collection that does not suspend: the queued
 * FINALIZE events hold them): those stay in the generation collected,
 * so that its next collection frees them.  Returns true when deletion
 * queued work for userspace and the collection stops once more.
 */
static bool delete_phase(struct rgc_state *gc)
{
	struct rgc_pending *p = &gc->pend;
	unsigned int gen = p->suspend ? p->oldgen : (unsigned int)p->generation;
	struct list_head still;
	u64 seq;

	INIT_LIST_HEAD(&still);
	p->collected = handle_resurrected(gc, &p->unreachable, p->collected,
					  p->finalized || p->user_ran,
					  &still, gen);
	seq = work_seq(gc);
	if (!list_empty(&still) && !(p->debug & RGC_DEBUG_SAVEALL) &&
	    gc->ops->delete_set && gc->ops->delete_set(gc, &still)) {
		gc->bulk_deletions++;
		return false;
	}
	delete_garbage(gc, &still, &gc->gen[p->oldgen].head, p->oldgen);
	return p->suspend && work_seq(gc) != seq;
}

/* The end of a collection: uncollectable objects, the outcome, stats. */
static void collect_finish(struct rgc_state *gc, struct rgc_result *res)
{
	struct rgc_pending *p = &gc->pend;
	unsigned long uncollectable;
	struct rgc_gen_stats *st;

	uncollectable = rgc_list_size(&p->finalizers);
	if (p->debug & RGC_DEBUG_UNCOLLECTABLE)
		report_list(gc, &p->finalizers, false);
	handle_legacy_finalizers(gc, &p->finalizers,
				 &gc->gen[p->oldgen].head, p->oldgen);

	*res = (struct rgc_result){
		.generation = p->generation,
		.collected = p->collected + p->wr_freed,
		.uncollectable = uncollectable,
		.visited = p->visited,
		.duration_ns = gc->ops->now_ns() - p->start,
		.roots_ns = p->roots_ns,
		.move_ns = p->move_ns,
	};

	/* The allocations that made this collection due come after it. */
	rgc_flush_deferred(gc);
	st = &gc->stats[p->generation];
	st->collections++;
	st->collected += res->collected;
	st->uncollectable += res->uncollectable;
	st->visited += res->visited;
	st->total_ns += res->duration_ns;
	if (res->duration_ns > st->max_ns) {
		st->max_ns = res->duration_ns;
		gc->max_roots_ns[p->generation] = res->roots_ns;
		gc->max_move_ns[p->generation] = res->move_ns;
	}
	gc->collecting = false;
}

/*
 * Run the collection from @gc->pend.phase on: weakref callbacks, PEP 442
 * finalizers, the resurrection check and deletion, the end.  A
 * suspending collection stops whenever userspace has work to do.
 */
static int collect_run(struct rgc_state *gc, struct rgc_result *res)
{
	struct rgc_pending *p = &gc->pend;

	switch (p->phase) {
	case RGC_PHASE_CALLBACKS:
		if (call_weakref_callbacks(gc))
			goto suspend;
		p->phase = RGC_PHASE_FINALIZERS;
		p->finalized = finalize_garbage(gc, &p->unreachable);
		if (p->suspend && p->finalized)
			goto suspend;
		fallthrough;
	case RGC_PHASE_FINALIZERS:
		p->phase = RGC_PHASE_DELETED;
		if (delete_phase(gc))
			goto suspend;
		fallthrough;
	case RGC_PHASE_DELETED:
		collect_finish(gc, res);
	}
	return 0;

suspend:
	gc->suspended = true;
	p->user_ran = true;
	*res = (struct rgc_result){ .generation = p->generation,
				    .visited = p->visited };
	return RGC_SUSPENDED;
}

/**
 * rgc_collect_begin() - collect a generation, stopping for userspace
 * @gc: the collector.
 * @generation: 0, 1 or 2.
 * @res: filled with the outcome when the collection finished.
 * @suspend: stop whenever userspace has work to do.
 *
 * The collection runs CPython's pipeline.  With @suspend it stops
 * (RGC_SUSPENDED) after queueing each weakref callback, after calling
 * the finalizers if there were any, and after deletion if deletion
 * queued finalizers or callbacks of objects that died by refcount.  The
 * client then runs them (they may take and drop references, create, link
 * and free objects; another collection of @gc meanwhile gets -EBUSY, and
 * none is due), and calls rgc_collect_resume() to go on.  Objects of the
 * suspended collection may be freed meanwhile: freeing untracks them
 * (rgc_untrack()).  Without @suspend, ops->callback and ops->finalize
 * only schedule their work, and the collection runs to its end.
 *
 * Return: 0 when the collection finished; RGC_SUSPENDED; -EBUSY when a
 * collection is already running or suspended; -EINVAL for a bad
 * generation; -ENOMEM when the garbage list could not grow (SAVEALL or
 * legacy mode only), in which case nothing at all has changed.
 */
int rgc_collect_begin(struct rgc_state *gc, int generation,
		      struct rgc_result *res, bool suspend)
{
	struct rgc_pending *p = &gc->pend;
	struct list_head *young, *old;
	unsigned long survivors;
	int i, err;

	*res = (struct rgc_result){ .generation = generation };
	if (generation < 0 || generation >= RGC_NUM_GENERATIONS)
		return -EINVAL;
	if (gc->collecting)
		return -EBUSY;
	err = reserve_garbage(gc, generation);
	if (err)
		return err;
	gc->collecting = true;
	/* Afterwards every object is in the oldest generation. */
	if (generation == RGC_NUM_GENERATIONS - 1 &&
	    list_empty(&gc->permanent.head) && list_empty(&gc->deferred))
		gc->remembered_lost = false;
	if (gc->ops->start)
		gc->ops->start(gc, generation);
	p->generation = generation;
	p->debug = gc->debug;
	p->start = gc->ops->now_ns();
	p->phase = RGC_PHASE_CALLBACKS;
	p->suspend = suspend;
	p->cb_held = false;
	p->user_ran = false;
	p->finalized = 0;
	p->wr_freed = 0;

	if (generation + 1 < RGC_NUM_GENERATIONS)
		gc->gen[generation + 1].count++;
	for (i = 0; i <= generation; i++)
		gc->gen[i].count = 0;
	for (i = 0; i < generation; i++)
		list_splice_tail_init(&gc->gen[i].head,
				      &gc->gen[generation].head);

	young = &gc->gen[generation].head;
	p->oldgen = generation + 1 < RGC_NUM_GENERATIONS ? generation + 1 :
							   generation;
	old = &gc->gen[p->oldgen].head;
	INIT_LIST_HEAD(&p->unreachable);
	INIT_LIST_HEAD(&p->finalizers);
	INIT_LIST_HEAD(&p->wrcb);

	p->visited = rgc_deduce_unreachable(gc, young, &p->unreachable,
					    generation, p->oldgen,
					    rgc_roots_known(gc, generation),
					    &survivors);
	p->move_ns = gc->ops->now_ns() - p->move_ns;
	if (young != old) {
		if (generation == RGC_NUM_GENERATIONS - 2)
			gc->long_lived_pending += survivors;
		list_splice_tail_init(young, old);
	} else {
		gc->long_lived_pending = 0;
		gc->long_lived_total = survivors;
	}

	p->collected = move_legacy_finalizers(gc, &p->unreachable,
					      &p->finalizers);
	if (!list_empty(&p->finalizers)) {
		move_legacy_finalizer_reachable(gc, &p->finalizers);
		p->collected = rgc_list_size(&p->unreachable);
	}

	if (gc->debug & RGC_DEBUG_COLLECTABLE)
		report_list(gc, &p->unreachable, true);
	handle_weakrefs(gc, &p->unreachable);
	return collect_run(gc, res);
}

/**
 * rgc_collect_resume() - go on with a suspended collection
 * @gc: the collector.
 * @res: filled with the outcome when the collection finished.
 *
 * Return: 0 when the collection finished, RGC_SUSPENDED when it stopped
 * again, or -EINVAL when no collection is suspended.
 */
int rgc_collect_resume(struct rgc_state *gc, struct rgc_result *res)
{
	if (!gc->suspended)
		return -EINVAL;
	gc->suspended = false;
	return collect_run(gc, res);
}

/**
 * rgc_collect() - collect a generation and every younger one
 * @gc: the collector.
 * @generation: 0, 1 or 2.
 * @res: filled with the outcome.
 *
 * rgc_collect_begin() without stopping: the finalizers and weakref
 * callbacks that ops->finalize() and ops->callback() only schedule run
 * after the collection.
 *
 * Return: as rgc_collect_begin(), never RGC_SUSPENDED.
 */
int rgc_collect(struct rgc_state *gc, int generation, struct rgc_result *res)
{
	return rgc_collect_begin(gc, generation, res, false);
}
