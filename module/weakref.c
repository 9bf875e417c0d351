// SPDX-License-Identifier: GPL-2.0
/*
 * weakref.c - weak references.
 *
 * A weakref is an object of the built-in type "weakref": it has an id and
 * handles like any object, can sit in a container's slot, and is tracked
 * by the collector, but it holds no strong reference.  Its struct
 * refgc_wref names the referent.  The weakrefs to one referent form a
 * circular doubly-linked ring (wref->next, wref->prev) whose head is
 * arena->wrefs[referent id]; the referent carries REFGC_OF_WEAKREFS while
 * the ring is non-empty.  A weakref leaves the ring in O(1), so freeing N
 * weakrefs to one referent costs O(N), in any order.
 *
 * The ring is in CPython's order: the basic weakref (no callback), if
 * any, is the head, and a weakref with a callback goes right after it,
 * so those come newest first.  As weakref.ref(x) is weakref.ref(x), a
 * WEAKREF_NEW without a callback returns the basic weakref when there is
 * one (a new handle on it), found in O(1) at the head.
 *
 * When the referent dies, by refcount or by the collector, its weakrefs
 * are cleared in ring order; one created with REFGC_WEAKREF_CALLBACK
 * queues a WEAKREF event, unless it is dying too or the collector found
 * it unreachable (CPython's handle_weakrefs() rule).
 *
 * This file owns the rings.  A weakref object and its struct refgc_wref
 * are born with every other object, in object.c (refgc_weakref_new()
 * links it into its ring between refgc_obj_alloc() and
 * refgc_obj_publish()), and die with them, in dealloc.c.
 *
 * Callers hold arena->lock.
 */
#include <linux/sched.h>

#include "refgc.h"

#define WREF_RESCHED	1024

/**
 * refgc_weakref_new() - REFGC_OP_WEAKREF_NEW
 * @a: the arena, locked.
 * @op: id: the referent, arg: cookie, flags: REFGC_WEAKREF_CALLBACK.
 *
 * Return: 0 with the weakref id in @op->result (the caller holds one
 * handle on it), -ENOENT, -ENOSPC or -ENOMEM.
 */
int refgc_weakref_new(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *ref = refgc_lookup(a, op->id);
	bool callback = op->flags & REFGC_WEAKREF_CALLBACK;
	struct refgc_object *w, *first;
	struct refgc_wref *wr;
	int err;

	if (!ref)
		return -ENOENT;
	first = xa_load(&a->wrefs, ref->id);
	if (!callback && first && !obj_has_of(first, REFGC_OF_CALLBACK)) {
		/* weakref.ref(x) is weakref.ref(x): one more handle. */
		err = refgc_take_handle(first);
		if (!err)
			op->result = first->id;
		return err;
	}
	w = refgc_obj_alloc(a, REFGC_TYPE_WEAKREF_ID, 0);
	if (IS_ERR(w))
		return PTR_ERR(w);
	wr = w->wref;
	if (!first) {
		/* The ring's one fallible step, before w is published. */
		err = xa_insert(&a->wrefs, ref->id, w, REFGC_GFP);
		if (err) {
			refgc_obj_discard(a, w);
			return err;
		}
		wr->next = w;
		wr->prev = w;
	} else if (callback && !obj_has_of(first, REFGC_OF_CALLBACK)) {
		/* Right after the basic weakref, which stays the head. */
		wr->prev = first;
		wr->next = first->wref->next;
		wr->next->wref->prev = w;
		first->wref->next = w;
	} else {
		/* The new head (no basic weakref yet): before @first. */
		xa_store(&a->wrefs, ref->id, w, REFGC_GFP);
		wr->next = first;
		wr->prev = first->wref->prev;
		wr->prev->wref->next = w;
		first->wref->prev = w;
	}

	wr->referent = ref;
	wr->cookie = op->arg;
	obj_set_of(ref, REFGC_OF_WEAKREFS);
	if (callback)
		obj_set_of(w, REFGC_OF_CALLBACK);
	refgc_obj_publish(a, w);
	op->result = w->id;
	return 0;
}

/**
 * refgc_weakref_get() - REFGC_OP_WEAKREF_GET: a new handle on the referent
 * @a: the arena, locked.
 * @op: id: the weakref.
 *
 * Return: 0 with the referent id in @op->result, -EINVAL if @op->id is not
 * a weakref, -ENOENT if it or its referent is dead, -ENOSPC.
 */
int refgc_weakref_get(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *w = refgc_lookup(a, op->id), *ref;
	int err;

	if (!w)
		return -ENOENT;
	if (!obj_is_weakref(w))
		return -EINVAL;
	ref = w->wref->referent;
	if (!ref)
		return -ENOENT;
	err = refgc_take_handle(ref);
	if (!err)
		op->result = ref->id;
	return err;
}

/**
 * refgc_weakref_event() - queue the WEAKREF event of a weakref's callback
 * @a: the arena, locked.
 * @w: the weakref, alive.
 */
void refgc_weakref_event(struct refgc_arena *a, struct refgc_object *w)
{
	struct refgc_event e = {
		.type = REFGC_EV_WEAKREF,
		.id = w->id,
		.cookie = w->wref->cookie,
	};

	a->ev.work_seq++;
	refgc_queue_event(a, &e);
	trace_refgc_weakref_callback(a, w);
}

/**
 * refgc_weakrefs_clear() - clear the weakrefs to a dying or unreachable object
 * @a: the arena, locked.
 * @o: the referent.
 * @collecting: @o is unreachable, inside the collector's handle_weakrefs
 *	step: callbacks go to the collection (rgc_hold_callback()), which
 *	calls them in this order.
 *
 * In ring order, each weakref loses its referent and is marked dead; one
 * with a callback has it called unless it is dying too (refcount 0) or
 * is being collected itself.
 */
void refgc_weakrefs_clear(struct refgc_arena *a, struct refgc_object *o,
			  bool collecting)
{
	struct refgc_object *first, *w, *next;
	unsigned long n = 0;
	bool last;

	if (!obj_has_of(o, REFGC_OF_WEAKREFS))
		return;
	first = xa_erase(&a->wrefs, o->id);
	obj_clear_of(o, REFGC_OF_WEAKREFS);
	for (w = first; w; w = last ? NULL : next) {
		struct refgc_wref *wr = w->wref;

		next = wr->next;
		last = next == first;
		wr->referent = NULL;
		wr->next = NULL;
		wr->prev = NULL;
		obj_set_of(w, REFGC_OF_DEAD_REF);
		if (obj_has_of(w, REFGC_OF_CALLBACK) && w->gc.refcnt &&
		    !rgc_is_collecting(&w->gc)) {
			if (collecting)
				rgc_hold_callback(&a->gc, &w->gc);
			else
				refgc_weakref_event(a, w);
		}
		if (!(++n % WREF_RESCHED))
			cond_resched();
	}
}

/**
 * refgc_weakref_detach() - unlink a weakref from its referent's ring, O(1)
 * @a: the arena, locked.
 * @w: the weakref object; its referent link is cleared.
 */
void refgc_weakref_detach(struct refgc_arena *a, struct refgc_object *w)
{
	struct refgc_wref *wr = w->wref;
	struct refgc_object *ref = wr->referent;

	if (!ref)
		return;
	if (wr->next == w) {
		xa_erase(&a->wrefs, ref->id);
		obj_clear_of(ref, REFGC_OF_WEAKREFS);
	} else {
		wr->prev->wref->next = wr->next;
		wr->next->wref->prev = wr->prev;
		/* Replacing a present entry allocates nothing. */
		if (xa_load(&a->wrefs, ref->id) == w)
			xa_store(&a->wrefs, ref->id, wr->next, REFGC_GFP);
	}
	wr->referent = NULL;
	wr->next = NULL;
	wr->prev = NULL;
}
