// SPDX-License-Identifier: GPL-2.0
/*
 * collect.c - the arena as a client of the collector core: its rgc_ops
 * (traverse, clear, finalize, weakrefs, garbage), automatic collection
 * from refgc_wq, GC_START/GC_STOP events, debug output, and what the
 * gc-module ioctls run (collect, clear garbage).
 *
 * Locking: a collection runs with arena->lock held throughout, whether it
 * was asked for by REFGC_IOC_COLLECT or runs in refgc_gc_work(); so every
 * ioctl waits for it (or gets -EAGAIN under O_NONBLOCK).  Allocation only
 * schedules the work (refgc_schedule()); the collection never runs
 * in the ioctl that tripped it, but the next ioctl, or the next op of the
 * same batch, waits for it (refgc_gc_catch_up()).  Work items of different arenas run in
 * parallel on the unbound workqueue; the worker only trylocks, and
 * requeues itself a tick later when the lock is busy, so no arena's lock
 * holder can tie up a worker that other arenas' collections need.  The
 * gc-module ioctls are entries of the one command table (ioctl_table.c),
 * which calls the functions here.
 */
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "refgc.h"

/*
 * Debug kernels (KASAN) check every collection that takes its roots
 * (gc_external() and the remembered set) against trial deletion's
 * counting (a warning if the two ever disagree); others may ask for it.
 */
static bool verify_roots = IS_ENABLED(CONFIG_KASAN);
module_param(verify_roots, bool, 0644);
MODULE_PARM_DESC(verify_roots,
		 "Check collections' roots by counting references too");

static void gc_traverse(struct rgc_head *h, rgc_visit_t visit, void *arg)
{
	struct refgc_object *o = to_obj(h);
	struct refgc_object **slots;
	u32 i, n;

	if (obj_is_weakref(o))
		return;
	slots = obj_slots(o);
	n = o->nslots;
	for (i = 0; i < n; i++) {
		if (i + 4 < n)
			prefetch(&slots[i + 4]->gc);
		visit(&slots[i]->gc, arg);
	}
}

/*
 * Every reference to a tracked object comes from a container's slots
 * (the slot array that gc_traverse() walks, which refgc_gc_ops also
 * publishes for the core to read in place), or from one of these.
 */
static bool gc_external(const struct rgc_head *h)
{
	const struct refgc_object *o = container_of(h, struct refgc_object, gc);

	return h->aux || obj_has_of(o, REFGC_OF_PENDING | REFGC_OF_GARBAGE);
}

static void gc_clear(struct rgc_state *gc, struct rgc_head *h)
{
	struct refgc_arena *a = to_arena(gc);
	struct refgc_object *o = to_obj(h);

	/* Keep @o alive while its own slots go, as CPython's delete_garbage. */
	o->gc.refcnt++;
	refgc_clear_slots(a, o);
	refgc_decref(a, o);
	refgc_reap(a);
}

static bool gc_delete_set(struct rgc_state *gc, struct list_head *set)
{
	return refgc_free_set(to_arena(gc), set);
}

static bool gc_has_finalizer(const struct rgc_head *h)
{
	return obj_has_of(to_obj((struct rgc_head *)h), REFGC_OF_FINALIZER);
}

static void gc_finalize(struct rgc_state *gc, struct rgc_head *h)
{
	/* The FINALIZE event holds a reference: this resurrects @h. */
	h->refcnt++;
	refgc_queue_finalize(to_arena(gc), to_obj(h));
}

static void gc_handle_weakrefs(struct rgc_state *gc, struct rgc_head *h)
{
	struct refgc_arena *a = to_arena(gc);
	struct refgc_object *o = to_obj(h);

	if (obj_is_weakref(o) && o->wref->referent) {
		refgc_weakref_detach(a, o);
		obj_set_of(o, REFGC_OF_DEAD_REF);
	}
	refgc_weakrefs_clear(a, o, true);
}

static void gc_callback(struct rgc_state *gc, struct rgc_head *h)
{
	refgc_weakref_event(to_arena(gc), to_obj(h));
}

/* The collection lets go of a weakref whose callback it called. */
static void gc_release(struct rgc_state *gc, struct rgc_head *h)
{
	struct refgc_arena *a = to_arena(gc);

	refgc_decref(a, to_obj(h));
	refgc_reap(a);
}

static u64 gc_work_seq(struct rgc_state *gc)
{
	return to_arena(gc)->ev.work_seq;
}

/* Resize the garbage list to @cap entries, keeping @ngarbage of them. */
static int garbage_resize(struct refgc_arena *a, unsigned long cap)
{
	struct refgc_object **g = NULL;
	u64 old = (u64)a->garbage_cap * sizeof(*g);
	u64 new = (u64)cap * sizeof(*g);

	if (new > old && refgc_charge(a, new - old))
		return -ENOMEM;
	if (cap) {
		g = kvmalloc_array(cap, sizeof(*g), REFGC_GFP);
		if (!g) {
			if (new > old)
				refgc_uncharge(a, new - old);
			return -ENOMEM;
		}
		if (a->ngarbage)
			memcpy(g, a->garbage, a->ngarbage * sizeof(*g));
	}
	kvfree(a->garbage);
	if (new < old)
		refgc_uncharge(a, old - new);
	a->garbage = g;
	a->garbage_cap = cap;
	return 0;
}

/*
 * The core asks for room for @n more entries before any side effect: @n
 * is every object of the collected generations, the most that can become
 * garbage.  The room is counted in arena->bytes (and so within max_bytes)
 * and charged, from the worker too, to the opener's memory cgroup; what
 * the collection did not use is given back after it, by
 * refgc_garbage_shrink().
 */
static int gc_reserve_garbage(struct rgc_state *gc, unsigned long n)
{
	struct refgc_arena *a = to_arena(gc);
	unsigned long need;

	if (check_add_overflow(a->ngarbage, n, &need))
		return -ENOMEM;
	if (need <= a->garbage_cap)
		return 0;
	/* Half again the entries kept: small collections need not copy. */
	return garbage_resize(a, max3(need, a->ngarbage + a->ngarbage / 2,
				      16UL));
}

/**
 * refgc_garbage_shrink() - give back garbage-list room nobody uses
 * @a: the arena, locked.
 *
 * Keeps at most half again the entries in use (none when the list is
 * empty), so that room reserved for a large collection does not outlive
 * it, and a growing list under SAVEALL is not copied on every collection.
 */
void refgc_garbage_shrink(struct refgc_arena *a)
{
	unsigned long keep = a->ngarbage + a->ngarbage / 2;

	/* A suspended collection still needs the room it reserved. */
	if (a->gc.suspended)
		return;
	if (!a->ngarbage) {
		garbage_resize(a, 0);	/* cannot fail */
		return;
	}
	if (a->garbage_cap > 2 * a->ngarbage + 16)
		garbage_resize(a, keep);	/* on failure, keep it all */
}

static void gc_save_garbage(struct rgc_state *gc, struct rgc_head *h)
{
	struct refgc_arena *a = to_arena(gc);
	struct refgc_object *o = to_obj(h);

	if (WARN_ON_ONCE(a->ngarbage >= a->garbage_cap))
		return;	/* cannot happen: reserved */
	h->refcnt++;
	obj_set_of(o, REFGC_OF_GARBAGE);
	a->garbage[a->ngarbage++] = o;
}

static void gc_report(struct rgc_state *gc, struct rgc_head *h,
		      bool collectable)
{
	struct refgc_arena *a = to_arena(gc);
	struct refgc_object *o = to_obj(h);
	struct refgc_event e = {
		.type = collectable ? REFGC_EV_COLLECTABLE :
				      REFGC_EV_UNCOLLECTABLE,
		.id = o->id,
	};

	refgc_queue_event(a, &e);
	pr_info_ratelimited("arena %llu: gc: %s <%s %llu>\n", a->seq,
			    collectable ? "collectable" : "uncollectable",
			    obj_type(a, o)->name, o->id);
}

/* Queued only once the collection can no longer fail (after reserve). */
static void gc_start(struct rgc_state *gc, int generation)
{
	struct refgc_arena *a = to_arena(gc);
	struct refgc_event e = { .type = REFGC_EV_GC_START,
				 .generation = generation };

	refgc_queue_event(a, &e);
	trace_refgc_gc_start(a, generation);
	if (gc->debug & RGC_DEBUG_STATS) {
		pr_info_ratelimited("arena %llu: gc: collecting generation %d...\n",
				    a->seq, generation);
		pr_info_ratelimited("arena %llu: gc: objects in each generation: %lu %lu %lu\n",
				    a->seq, rgc_gen_size(gc, 0),
				    rgc_gen_size(gc, 1), rgc_gen_size(gc, 2));
	}
}

static u64 gc_now_ns(void)
{
	return ktime_get_ns();
}

static const struct rgc_ops refgc_gc_ops = {
	.traverse = gc_traverse,
	.clear = gc_clear,
	.has_finalizer = gc_has_finalizer,
	.finalize = gc_finalize,
	.handle_weakrefs = gc_handle_weakrefs,
	.callback = gc_callback,
	.release = gc_release,
	.work_seq = gc_work_seq,
	.reserve_garbage = gc_reserve_garbage,
	.save_garbage = gc_save_garbage,
	.report = gc_report,
	.start = gc_start,
	.now_ns = gc_now_ns,
	.external = gc_external,
	/*
	 * refgc_object.gc is at offset 0 (refgc_gc_init()); the slots are
	 * o->inl in place while cap <= REFGC_INLINE_SLOTS, else o->slots
	 * points at them (obj_slots()).
	 */
	.slots_offset = offsetof(struct refgc_object, inl),
	.nslots_offset = offsetof(struct refgc_object, nslots),
	.cap_offset = offsetof(struct refgc_object, cap),
	.inline_slots = REFGC_INLINE_SLOTS,
	.delete_set = gc_delete_set,
	.for_each_remembered = refgc_scan_remembered,
};

/**
 * refgc_gc_init() - set up an arena's collector
 * @a: the new arena.
 */
void refgc_gc_init(struct refgc_arena *a)
{
	/* gc_traverse() and the core's slot reading need it at offset 0. */
	BUILD_BUG_ON(offsetof(struct refgc_object, gc) != 0);
	rgc_init(&a->gc, &refgc_gc_ops);
	a->gc.verify_roots = READ_ONCE(verify_roots);
}

/* The end of a collection: debug output, the GC_STOP event, the trace. */
static void collect_done(struct refgc_arena *a, struct rgc_result *res)
{
	struct refgc_event e;

	WARN_ONCE(a->gc.roots_wrong,
		  "refgc: arena %llu: %llu objects' roots were wrong\n",
		  a->seq, a->gc.roots_wrong);
	if (a->gc.debug & RGC_DEBUG_STATS)
		pr_info_ratelimited("arena %llu: gc: done, %llu unreachable, %llu uncollectable, %llu ns elapsed\n",
				    a->seq, res->collected + res->uncollectable,
				    res->uncollectable, res->duration_ns);
	e = (struct refgc_event){
		.type = REFGC_EV_GC_STOP,
		.generation = res->generation,
		.collected = res->collected,
		.uncollectable = res->uncollectable,
		.visited = res->visited,
		.duration_ns = res->duration_ns,
	};
	refgc_queue_event(a, &e);
	trace_refgc_gc_stop(a, res);
}

/**
 * refgc_collect() - one collection, with events and debug output
 * @a: the arena, locked.
 * @generation: 0..2.
 * @finalize: stop whenever userspace has finalizers or weakref
 *	callbacks to run (REFGC_COLLECT_FINALIZE); refgc_collect_resume()
 *	goes on.
 * @res: the outcome.
 *
 * Return: 0; RGC_SUSPENDED; -EBUSY while a collection is suspended
 * (nothing happens); or -ENOMEM when the garbage list could not grow
 * (nothing was collected, every object is intact, no event is queued).
 */
int refgc_collect(struct refgc_arena *a, int generation, bool finalize,
		  struct rgc_result *res)
{
	int err;

	err = rgc_collect_begin(&a->gc, generation, res, finalize);
	if (err == RGC_SUSPENDED)
		return err;	/* the garbage list's room is still needed */
	refgc_garbage_shrink(a);
	if (err)
		return err;	/* nothing happened, no event queued */
	collect_done(a, res);
	return 0;
}

/**
 * refgc_collect_resume() - go on with the collection refgc_collect()
 *	suspended
 * @a: the arena, locked.
 * @res: the outcome.
 *
 * Return: 0 when it finished, RGC_SUSPENDED when it stopped again for
 * userspace, or -EINVAL when no collection is suspended.
 */
int refgc_collect_resume(struct refgc_arena *a, struct rgc_result *res)
{
	int err = rgc_collect_resume(&a->gc, res);

	if (err)
		return err;	/* RGC_SUSPENDED included */
	refgc_garbage_shrink(a);
	collect_done(a, res);
	return 0;
}

/* Jiffies before a worker that found the arena's lock taken tries again. */
#define GC_RETRY_DELAY	1

/**
 * refgc_schedule() - queue the automatic collection an allocation made due
 * @a: the arena, locked.
 */
void refgc_schedule(struct refgc_arena *a)
{
	if (a->work_pending)
		return;
	WRITE_ONCE(a->work_pending, true);
	queue_delayed_work(refgc_wq, &a->work, 0);
}

/**
 * refgc_gc_sync() - wait until the queued automatic collection has run
 * @a: the arena, unlocked.
 *
 * The worker does not wait for a busy lock (refgc_gc_work()), so one
 * flush may find it requeued: kick it again, a tick apart, until it has
 * run.  Only this arena's lock holder can keep it waiting.
 *
 * Return: 0, or -EINTR if a signal came first.
 */
int refgc_gc_sync(struct refgc_arena *a)
{
	while (READ_ONCE(a->work_pending)) {
		flush_delayed_work(&a->work);
		if (!READ_ONCE(a->work_pending))
			break;
		schedule_timeout_interruptible(GC_RETRY_DELAY);
		if (signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/**
 * refgc_gc_catch_up() - let a queued automatic collection run first
 * @a: the arena, unlocked.
 *
 * CPython runs the collection an allocation makes due inside that
 * allocation, so nothing that follows it can see the state before the
 * collection.  Here the worker runs it; every ioctl (and every op of a
 * batch, refgc_batch()) that finds it queued waits for it first, so that
 * counts, generations and collections per generation follow CPython
 * 3.11's cadence op by op.  O_NONBLOCK callers do not wait.  The read is
 * unlocked: a collection queued after it is waited for by the next op.
 */
void refgc_gc_catch_up(struct refgc_arena *a)
{
	if (READ_ONCE(a->work_pending))
		refgc_gc_sync(a);	/* a signal: the caller's lock says so */
}

/**
 * refgc_gc_work() - automatic collection, on refgc_wq
 * @work: the arena's work item.
 *
 * Never sleeps on the arena's lock: its holder may be stalled (a user page
 * fault under a long op) while other arenas' collections are due, and
 * refgc_wq runs only so many items at once.  A busy lock requeues the work
 * a tick later instead; refgc_arena_destroy()'s cancel_delayed_work_sync()
 * stops the requeueing.  @a->work_pending stays set until a run got the lock.
 */
void refgc_gc_work(struct work_struct *work)
{
	struct refgc_arena *a = container_of(to_delayed_work(work),
					     struct refgc_arena, work);
	struct mem_cgroup *old_memcg;
	struct rgc_result res;
	int gen;

	if (!mutex_trylock(&a->lock)) {
		queue_delayed_work(refgc_wq, &a->work, GC_RETRY_DELAY);
		return;
	}
	gen = rgc_auto_generation(&a->gc);
	if (gen >= 0 && a->gc.enabled && a->gc.gen[0].threshold) {
		/* A kworker's own allocations are charged to no one. */
		old_memcg = set_active_memcg(a->memcg);
		refgc_collect(a, gen, false, &res);
		set_active_memcg(old_memcg);
	}
	/* Collected or not, the allocations that queued it join gen 0. */
	rgc_flush_deferred(&a->gc);
	WRITE_ONCE(a->work_pending, false);
	mutex_unlock(&a->lock);
}

/**
 * refgc_garbage_clear() - release the garbage list (del gc.garbage[:])
 * @a: the arena, locked.
 *
 * Return: how many entries were released.
 */
int refgc_garbage_clear(struct refgc_arena *a)
{
	unsigned long i = a->ngarbage, n = a->ngarbage;

	/* As del gc.garbage[:]: last to first, each death before the next. */
	a->ngarbage = 0;
	while (i--) {
		obj_clear_of(a->garbage[i], REFGC_OF_GARBAGE);
		refgc_decref(a, a->garbage[i]);
		refgc_reap(a);
		if (!(i % 1024))
			cond_resched();
	}
	refgc_garbage_shrink(a);
	return min_t(unsigned long, n, INT_MAX);
}
