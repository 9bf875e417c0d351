// SPDX-License-Identifier: GPL-2.0
/*
 * remembered.c - the arena's remembered set: the containers that may
 * refer to an object younger than themselves (rgc_barrier()), so that
 * collections of the young generations find every reference from
 * outside their set without counting.
 *
 * Every reference a container stores passes through refgc_barrier()
 * (object.c: LINK and SET).  An object leaves the set when it dies
 * (refgc_forget()) or when a collection finds it no longer refers to a
 * younger object (the core's callback).  When the set cannot grow (no
 * memory) the core is told (rgc_state.remembered_lost) and counts
 * references until a full collection mends it: nothing fails.
 *
 * Locking: arena->lock guards the set, as everything else in the arena.
 */
#include <linux/sched.h>
#include <linux/xarray.h>

#include "refgc.h"

#define REMEMBERED_RESCHED	1024

/**
 * refgc_remember() - add a container to the remembered set
 * @a: the arena, locked.
 * @src: a container for which rgc_barrier() returned true.
 */
void refgc_remember(struct refgc_arena *a, struct refgc_object *src)
{
	if (xa_err(xa_store(&a->remembered, src->id, src, REFGC_GFP))) {
		a->gc.remembered_lost = true;
		return;
	}
	src->gc.flags |= RGC_F_REMEMBERED;
	a->nr_remembered++;
}

/**
 * refgc_forget() - take a dying container off the remembered set
 * @a: the arena, locked.
 * @o: the object, flagged RGC_F_REMEMBERED.
 */
void refgc_forget(struct refgc_arena *a, struct refgc_object *o)
{
	xa_erase(&a->remembered, o->id);
	o->gc.flags &= ~RGC_F_REMEMBERED;
	a->nr_remembered--;
}

/**
 * refgc_scan_remembered() - the core's ops->for_each_remembered
 * @gc: the arena's collector.
 * @keep: called on each container of the set; false drops it.
 */
void refgc_scan_remembered(struct rgc_state *gc, rgc_keep_t keep)
{
	struct refgc_arena *a = to_arena(gc);
	struct refgc_object *o;
	unsigned long id, n = 0;

	xa_for_each(&a->remembered, id, o) {
		if (!keep(gc, &o->gc))
			refgc_forget(a, o);
		if (!(++n % REMEMBERED_RESCHED))
			cond_resched();
	}
}
