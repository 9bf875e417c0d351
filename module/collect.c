// SPDX-License-Identifier: GPL-2.0
/*
 * collect.c - the arena as a client of the collector core: its rgc_ops
 * (traverse, clear, finalize, weakrefs, garbage), automatic collection
 * from refgc_wq, GC_START/GC_STOP events, debug output, and the gc-module
 * ioctls (enable, collect, thresholds, stats, debug, freeze, garbage).
 *
 * Locking: a collection runs with arena->lock held throughout, whether it
 * was asked for by REFGC_IOC_COLLECT or runs in refgc_gc_work(); so every
 * ioctl waits for it (or gets -EAGAIN under O_NONBLOCK).  Allocation only
 * schedules the work (refgc_maybe_schedule()); the collection never runs
 * in the ioctl that tripped it, but a later OP or BATCH ioctl waits for a
 * late one (refgc_throttle()).  Work items of different arenas run in
 * parallel on the unbound workqueue; the worker only trylocks, and
 * requeues itself a tick later when the lock is busy, so no arena's lock
 * holder can tie up a worker that other arenas' collections need.
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "refgc.h"

static void gc_traverse(struct rgc_head *h, rgc_visit_t visit, void *arg)
{
	struct refgc_object *o = to_obj(h);
	struct refgc_object **slots;
	u32 i, n;

	if (obj_is_weakref(o))
		return;
	slots = o->slots;
	n = o->nslots;
	for (i = 0; i < n; i++) {
		if (i + 4 < n)
			prefetch(&slots[i + 4]->gc);
		visit(&slots[i]->gc, arg);
	}
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

static bool gc_has_finalizer(const struct rgc_head *h)
{
	return to_obj((struct rgc_head *)h)->oflags & REFGC_OF_FINALIZER;
}

static void gc_finalize(struct rgc_state *gc, struct rgc_head *h)
{
	/* The FINALIZE event holds a reference: this resurrects @h. */
	h->refcnt++;
	refgc_queue_finalize(to_arena(gc), to_obj(h));
}

static void gc_handle_weakrefs(struct rgc_state *gc, struct rgc_head *h,
			       bool callbacks)
{
	struct refgc_arena *a = to_arena(gc);
	struct refgc_object *o = to_obj(h);

	refgc_weakrefs_clear(a, o, callbacks, callbacks);
	if (!callbacks && obj_is_weakref(o))
		refgc_weakref_detach(a, o);
}

static int gc_reserve_garbage(struct rgc_state *gc, unsigned long n)
{
	struct refgc_arena *a = to_arena(gc);
	struct refgc_object **g;
	unsigned long cap;

	if (n <= a->garbage_cap - a->ngarbage)
		return 0;
	cap = max3(a->ngarbage + n, a->garbage_cap * 2, 16UL);
	g = kvmalloc_array(cap, sizeof(*g), REFGC_GFP);
	if (!g)
		return -ENOMEM;
	if (a->ngarbage)
		memcpy(g, a->garbage, a->ngarbage * sizeof(*g));
	kvfree(a->garbage);
	a->garbage = g;
	a->garbage_cap = cap;
	return 0;
}

static void gc_save_garbage(struct rgc_state *gc, struct rgc_head *h)
{
	struct refgc_arena *a = to_arena(gc);
	struct refgc_object *o = to_obj(h);

	if (WARN_ON_ONCE(a->ngarbage >= a->garbage_cap))
		return;	/* cannot happen: reserved */
	h->refcnt++;
	o->oflags |= REFGC_OF_GARBAGE;
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

const struct rgc_ops refgc_gc_ops = {
	.traverse = gc_traverse,
	.clear = gc_clear,
	.has_finalizer = gc_has_finalizer,
	.finalize = gc_finalize,
	.handle_weakrefs = gc_handle_weakrefs,
	.reserve_garbage = gc_reserve_garbage,
	.save_garbage = gc_save_garbage,
	.report = gc_report,
	.start = gc_start,
	.now_ns = gc_now_ns,
};

/**
 * refgc_collect() - one collection, with events and debug output
 * @a: the arena, locked.
 * @generation: 0..2.
 * @res: the outcome.
 *
 * Return: 0, or -ENOMEM when the garbage list could not grow (nothing
 * was collected, every object is intact, no event is queued).
 */
int refgc_collect(struct refgc_arena *a, int generation,
		  struct rgc_result *res)
{
	struct refgc_event e;
	int err;

	err = rgc_collect(&a->gc, generation, res);
	if (err)
		return err;	/* nothing happened, no event queued */
	if (a->gc.debug & RGC_DEBUG_STATS)
		pr_info_ratelimited("arena %llu: gc: done, %llu unreachable, %llu uncollectable, %llu ns elapsed\n",
				    a->seq, res->collected + res->uncollectable,
				    res->uncollectable, res->duration_ns);
	e = (struct refgc_event){
		.type = REFGC_EV_GC_STOP,
		.generation = generation,
		.collected = res->collected,
		.uncollectable = res->uncollectable,
		.visited = res->visited,
		.duration_ns = res->duration_ns,
	};
	refgc_queue_event(a, &e);
	return 0;
}

/* Jiffies before a worker that found the arena's lock taken tries again. */
#define GC_RETRY_DELAY	1

/**
 * refgc_maybe_schedule() - queue automatic collection if it is due
 * @a: the arena, locked.
 */
void refgc_maybe_schedule(struct refgc_arena *a)
{
	if (a->work_pending || !rgc_collection_due(&a->gc))
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
 * refgc_throttle() - let a late automatic collection catch up
 * @a: the arena, unlocked.
 *
 * The worker can run well after the ioctl that queued it: meanwhile a busy
 * caller keeps allocating, generation 0 grows far past threshold0, and the
 * collection, when it comes, pauses that much longer while garbage piles
 * up.  An OP or BATCH ioctl that finds a collection queued with count0
 * past twice threshold0 waits for it first, which bounds generation 0 at
 * about 2 * threshold0 plus one batch; while they wait, throttled callers
 * hold no lock, so the worker's trylock gets its turn.  The reads are a
 * heuristic, racy by design; the collection still runs in the worker.
 */
void refgc_throttle(struct refgc_arena *a)
{
	/* Unlocked reads: only a hint, a stale value costs one wait or none. */
	u64 count = data_race(a->gc.gen[0].count);
	/* As above. */
	u64 threshold = data_race(a->gc.gen[0].threshold);

	if (READ_ONCE(a->work_pending) && threshold && count > 2 * threshold)
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
	struct rgc_result res;
	int gen;

	if (!mutex_trylock(&a->lock)) {
		queue_delayed_work(refgc_wq, &a->work, GC_RETRY_DELAY);
		return;
	}
	gen = rgc_auto_generation(&a->gc);
	if (gen >= 0 && a->gc.enabled && a->gc.gen[0].threshold)
		refgc_collect(a, gen, &res);
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
	unsigned long i, n = a->ngarbage;

	a->ngarbage = 0;
	for (i = 0; i < n; i++) {
		a->garbage[i]->oflags &= ~REFGC_OF_GARBAGE;
		refgc_decref(a, a->garbage[i]);
	}
	refgc_reap(a);
	return min_t(unsigned long, n, INT_MAX);
}

static long gc_collect_ioctl(struct refgc_arena *a, struct refgc_collect *c)
{
	struct rgc_result res;
	int err;

	if (c->flags || c->generation < 0 ||
	    c->generation >= REFGC_NUM_GENERATIONS)
		return -EINVAL;
	err = refgc_collect(a, c->generation, &res);
	if (err)
		return err;
	c->collected = res.collected;
	c->uncollectable = res.uncollectable;
	c->visited = res.visited;
	c->duration_ns = res.duration_ns;
	return min_t(u64, res.collected + res.uncollectable, INT_MAX);
}

/**
 * refgc_gc_ioctl() - the collector's ioctls, as Python's gc module
 * @a: the arena, locked.
 * @cmd: the REFGC_IOC_* command.
 * @karg: the command's struct, already copied in; copied out after.
 *
 * Return: >= 0 or a negative errno; -ENOTTY if @cmd is not one of these.
 */
long refgc_gc_ioctl(struct refgc_arena *a, unsigned int cmd, void *karg)
{
	struct refgc_threshold *th = karg;
	struct refgc_gc_value *v = karg;
	struct refgc_count *cnt = karg;
	struct refgc_stats *st = karg;
	struct rgc_state *gc = &a->gc;
	int i;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(REFGC_IOC_ENABLE):
		gc->enabled = true;
		return 0;
	case _IOC_NR(REFGC_IOC_DISABLE):
		gc->enabled = false;
		return 0;
	case _IOC_NR(REFGC_IOC_ISENABLED):
		v->value = gc->enabled;
		return 0;
	case _IOC_NR(REFGC_IOC_COLLECT):
		return gc_collect_ioctl(a, karg);
	case _IOC_NR(REFGC_IOC_GET_COUNT):
		for (i = 0; i < REFGC_NUM_GENERATIONS; i++)
			cnt->count[i] = gc->gen[i].count;
		return 0;
	case _IOC_NR(REFGC_IOC_GET_THRESHOLD):
		for (i = 0; i < REFGC_NUM_GENERATIONS; i++)
			th->threshold[i] = gc->gen[i].threshold;
		return 0;
	case _IOC_NR(REFGC_IOC_SET_THRESHOLD):
		if (th->reserved)
			return -EINVAL;
		for (i = 0; i < REFGC_NUM_GENERATIONS; i++)
			gc->gen[i].threshold = th->threshold[i];
		return 0;
	case _IOC_NR(REFGC_IOC_GET_STATS):
		BUILD_BUG_ON(sizeof(st->gen[0]) != sizeof(gc->stats[0]));
		memcpy(st->gen, gc->stats, sizeof(st->gen));
		return 0;
	case _IOC_NR(REFGC_IOC_SET_DEBUG):
		if (v->reserved || v->value & ~REFGC_DEBUG_FLAGS)
			return -EINVAL;
		gc->debug = v->value;
		return 0;
	case _IOC_NR(REFGC_IOC_GET_DEBUG):
		v->value = gc->debug;
		return 0;
	case _IOC_NR(REFGC_IOC_CLEAR_GARBAGE):
		return refgc_garbage_clear(a);
	case _IOC_NR(REFGC_IOC_FREEZE):
		rgc_freeze(gc);
		return 0;
	case _IOC_NR(REFGC_IOC_UNFREEZE):
		rgc_unfreeze(gc);
		return 0;
	case _IOC_NR(REFGC_IOC_GET_FREEZE_COUNT):
		((struct refgc_freeze_count *)karg)->count =
			rgc_gen_size(gc, RGC_GEN_PERMANENT);
		return 0;
	case _IOC_NR(REFGC_IOC_SET_FLAGS):
		if (v->reserved || v->value & ~REFGC_ARENA_FLAGS)
			return -EINVAL;
		gc->legacy_finalizers = v->value &
					REFGC_ARENA_LEGACY_FINALIZERS;
		return 0;
	case _IOC_NR(REFGC_IOC_GET_FLAGS):
		v->value = gc->legacy_finalizers ?
			   REFGC_ARENA_LEGACY_FINALIZERS : 0;
		return 0;
	}
	return -ENOTTY;
}
