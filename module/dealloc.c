// SPDX-License-Identifier: GPL-2.0
/*
 * dealloc.c - what happens when an object's refcount reaches zero, in
 * CPython 3.11's order.
 *
 * refgc_decref() only queues the object on arena->dying (or, for an
 * object whose finalizer never ran, finalizes it: a FINALIZE event takes
 * a reference, and the object moves to the end of generation 0, as
 * CPython's subtype_dealloc() tracks it again before __del__).
 * refgc_reap() then deallocates, as CPython deallocates a list subclass
 * instance: its weakrefs are cleared (callbacks queued, in ring order),
 * then its slots are released last to first, and each object whose
 * refcount that drops to zero is deallocated at once, depth first,
 * before the next slot.  So the order of deaths, and with it which
 * weakref callbacks fire, is CPython's.
 *
 * No recursion: the objects being deallocated are frames on an explicit
 * stack (arena->dframes).  CPython's trashcan bounds it: a container
 * whose death would nest deeper than REFGC_TRASH_UNWIND (CPython's
 * _PyTrash_UNWIND_LEVEL, 50) is put aside on arena->trash instead, and
 * those are deallocated, last put aside first, once the nesting is back
 * to zero (_PyTrash_thread_destroy_chain()).  Atomic objects and weakrefs
 * have no slots and no trashcan: they die at once.  A million-long chain
 * dies in one refgc_reap(), in 50-deep rounds.
 *
 * Every object dies here, as it was born in object.c: its id, payload or
 * weakref part, slot array, counts and charges go in obj_free() (or
 * refgc_free_set()); weakref.c only takes a weakref out of its ring.
 *
 * Callers hold arena->lock.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "refgc.h"

#define REAP_RESCHED	1024

/*
 * A dying container's slots go: its array, if it has one on the heap
 * (inline slots are part of the object); @cap 0 says there are none.
 */
static void free_slots_array(struct refgc_arena *a, struct refgc_object *o)
{
	u64 bytes = obj_slots_bytes(o);

	if (bytes) {
		kvfree(o->slots);
		refgc_uncharge(a, bytes);
	}
	o->cap = 0;
}

/*
 * Give back the FINALIZE queue's array once no object can need it: it is
 * sized for every live object of a finalizer type (see events.c).
 */
static void fin_shrink(struct refgc_arena *a)
{
	struct refgc_events *ev = &a->ev;

	if (a->nr_finalizable || ev->fin_nr || !ev->fin)
		return;
	kvfree(ev->fin);
	refgc_uncharge(a, (u64)ev->fin_cap * sizeof(*ev->fin));
	ev->fin = NULL;
	ev->fin_cap = 0;
	ev->fin_head = 0;
}

/*
 * What the objects freed so far take off the arena's counters: obj_free()
 * flushes it after each object, refgc_free_set() once for the whole set.
 */
struct obj_tally {
	unsigned long n;
	unsigned long fin;
	u64 bytes;
	u64 payload;
};

/*
 * Take @o out of the arena: its id, its remembered-set entry, its payload
 * or weakref part (out of its ring already) and its type's count go now;
 * what it counted for in the arena goes into @t.  Its slot array and the
 * object itself are the caller's.
 */
static void obj_forget(struct refgc_arena *a, struct refgc_object *o,
		       struct obj_tally *t)
{
	if (o->gc.flags & RGC_F_REMEMBERED)
		refgc_forget(a, o);
	xa_erase(&a->objects, o->id);
	t->bytes += obj_bytes(a, o);
	if (obj_is_weakref(o)) {
		kfree(o->wref);
	} else if (obj_has_of(o, REFGC_OF_PAYLOAD)) {
		struct refgc_payload *p = xa_erase(&a->payloads, o->id);

		t->payload += p->size;
		kvfree(p);
	}
	a->types[obj_type_id(o)].nr--;
	t->n++;
	t->fin += obj_has_of(o, REFGC_OF_FINALIZER);
}

static void tally_flush(struct refgc_arena *a, const struct obj_tally *t)
{
	refgc_uncharge(a, t->bytes);
	a->payload_bytes -= t->payload;
	a->nr_objects -= t->n;
	refgc_user_uncharge_objects(a->user, t->n);
	if (t->fin) {
		a->nr_finalizable -= t->fin;
		fin_shrink(a);
	}
}

static void obj_free(struct refgc_arena *a, struct refgc_object *o)
{
	struct obj_tally t = {};

	obj_forget(a, o, &t);
	tally_flush(a, &t);
	kmem_cache_free(refgc_obj_cache, o);
}

/*
 * The object's refcount reached zero: finalize it once (it moves to the
 * end of generation 0, as in CPython), or queue it to die.  In a legacy
 * arena the finalizer stands for CPython's tp_del, which
 * subtype_dealloc() calls after clearing the weakrefs (their callbacks
 * come first); a PEP 442 finalizer comes before them.
 */
static void obj_zero(struct refgc_arena *a, struct refgc_object *o)
{
	if (obj_needs_finalize(o)) {
		if (a->gc.legacy_finalizers)
			refgc_weakrefs_clear(a, o, false);
		o->gc.flags |= RGC_F_FINALIZED;
		o->gc.refcnt = 1;
		rgc_retrack(&a->gc, &o->gc);
		refgc_queue_finalize(a, o);
		return;
	}
	rgc_untrack(&a->gc, &o->gc);
	list_add_tail(&o->gc.node, &a->dying);
}

/**
 * refgc_decref() - drop one strong reference
 * @a: the arena, locked.
 * @o: the object.  If this was its last reference it is queued on
 *	arena->dying; it stays valid until the caller runs refgc_reap().
 */
void refgc_decref(struct refgc_arena *a, struct refgc_object *o)
{
	if (WARN_ON_ONCE(!o->gc.refcnt))
		return;
	if (!--o->gc.refcnt)
		obj_zero(a, o);
}

/*
 * Begin deallocating @o (refcount zero, off every list): an atomic object
 * or a weakref dies at once; a container is put aside past the trashcan's
 * depth, else its weakrefs are cleared and it becomes the top frame.
 */
static void dealloc(struct refgc_arena *a, struct refgc_object *o)
{
	struct refgc_dframe *f;

	if (!refgc_is_container(a, o)) {
		refgc_weakrefs_clear(a, o, false);
		if (obj_is_weakref(o))
			refgc_weakref_detach(a, o);
		obj_free(a, o);
		return;
	}
	/* CPython's trash_delete_nesting: the frames, plus the chain's level. */
	if (a->ndframes + a->trash_chain >= REFGC_TRASH_UNWIND) {
		list_add(&o->gc.node, &a->trash);
		return;
	}
	refgc_weakrefs_clear(a, o, false);
	f = &a->dframes[a->ndframes++];
	f->o = o;
	f->next = o->nslots;
}

/* The top frame's next slot, last to first; its object dies when done. */
static void dealloc_step(struct refgc_arena *a)
{
	struct refgc_dframe *f = &a->dframes[a->ndframes - 1];
	struct refgc_object *o = f->o, *child;

	if (!f->next) {
		a->ndframes--;
		free_slots_array(a, o);
		obj_free(a, o);
		return;
	}
	child = obj_slots(o)[--f->next];
	o->nslots = f->next;
	a->nr_slots--;
	refgc_decref(a, child);
	if (!child->gc.refcnt) {
		/* It died: deallocate it now, before the next slot. */
		list_del(&child->gc.node);
		dealloc(a, child);
	}
}

/**
 * refgc_reap() - deallocate every object on arena->dying, cascading
 * @a: the arena, locked.
 *
 * The objects queued by the caller go first in, first out; what each of
 * them releases dies depth first, within the trashcan's bound.
 */
void refgc_reap(struct refgc_arena *a)
{
	unsigned long n = 0;

	for (;;) {
		struct list_head *from;
		struct refgc_object *o;

		if (a->ndframes) {
			dealloc_step(a);
		} else {
			/*
			 * Nesting back at 0: what the trashcan put aside goes
			 * first, its chain held at one level; then the next
			 * death the caller queued, at level 0.
			 */
			if (!list_empty(&a->trash))
				from = &a->trash;
			else if (!list_empty(&a->dying))
				from = &a->dying;
			else
				break;
			a->trash_chain = from == &a->trash;
			o = list_first_entry(from, struct refgc_object, gc.node);
			list_del(&o->gc.node);
			dealloc(a, o);
		}
		if (!(++n % REAP_RESCHED))
			cond_resched();
	}
	a->trash_chain = false;
}

/**
 * refgc_clear_slots() - drop every slot of a container (tp_clear)
 * @a: the arena, locked.
 * @o: the object.  As CPython's list_clear(), the slots are taken off @o
 *	first (a death below may reach @o again, or free it), then released
 *	last to first, what each releases being deallocated (refgc_reap())
 *	before the next.
 */
void refgc_clear_slots(struct refgc_arena *a, struct refgc_object *o)
{
	struct refgc_object *inl[REFGC_INLINE_SLOTS], **slots;
	u64 bytes = obj_slots_bytes(o);
	u32 i = o->nslots;

	/* No slots: an atomic object, a weakref, a container that died. */
	if (!o->cap)
		return;
	/* Off @o first: inline ones by copy, an array by its pointer. */
	slots = bytes ? o->slots : memcpy(inl, o->inl, sizeof(inl));
	o->nslots = 0;
	o->cap = REFGC_INLINE_SLOTS;
	a->nr_slots -= i;
	while (i--) {
		refgc_decref(a, slots[i]);
		refgc_reap(a);
	}
	if (bytes) {
		kvfree(slots);
		refgc_uncharge(a, bytes);
	}
}

/*
 * Whether the deaths of the objects of @set can be seen: a finalizer
 * left to run, a weakref, an object outside the set that would die with
 * them.  Drops the set's references to the objects outside it meanwhile;
 * when it finds a death that can be seen, it stops there (@stop,
 * @stop_slot) for undo_outside() to take them back.
 */
static bool deaths_observable(struct list_head *set, struct refgc_object **stop,
			      u32 *stop_slot)
{
	struct refgc_object *o, **slots;
	u32 i;

	list_for_each_entry(o, set, gc.node) {
		*stop = o;
		*stop_slot = 0;
		if (obj_is_weakref(o) || obj_has_of(o, REFGC_OF_WEAKREFS) ||
		    obj_needs_finalize(o))
			return true;
		slots = obj_slots(o);
		for (i = 0; i < o->nslots; i++) {
			struct refgc_object *c = slots[i];

			if (rgc_is_collecting(&c->gc))
				continue;
			if (c->gc.refcnt == 1) {
				*stop_slot = i;
				return true;
			}
			c->gc.refcnt--;
		}
	}
	return false;
}

static void undo_outside(struct list_head *set, struct refgc_object *stop,
			 u32 stop_slot)
{
	struct refgc_object *o;
	u32 i, n;

	list_for_each_entry(o, set, gc.node) {
		struct refgc_object **slots = obj_slots(o);

		n = o == stop ? stop_slot : o->nslots;
		for (i = 0; i < n; i++)
			if (!rgc_is_collecting(&slots[i]->gc))
				slots[i]->gc.refcnt++;
		if (o == stop)
			return;
	}
}

#define FREE_BULK	32

/**
 * refgc_free_set() - free a collection's unreachable set at once
 * @a: the arena, locked.
 * @set: the objects the collection deletes (flagged RGC_F_COLLECTING),
 *	referenced only from each other and from objects outside it.
 *
 * When no death among them can be seen (no finalizer left to run, no
 * weakref, no object outside the set that would die with them), the
 * order in which tp_clear would free them does not matter: they are
 * freed in list order, their slot arrays with them, in bulk, with one
 * update of each counter.
 *
 * Return: true when @set was freed (it is then empty); false, with
 * nothing changed, when the collector must delete it one by one.
 */
bool refgc_free_set(struct refgc_arena *a, struct list_head *set)
{
	struct refgc_object *o, *next, *stop;
	struct obj_tally t = {};
	void *bulk[FREE_BULK];
	u64 slots = 0;
	u32 stop_slot, nb = 0;

	if (deaths_observable(set, &stop, &stop_slot)) {
		undo_outside(set, stop, stop_slot);
		return false;
	}
	list_for_each_entry_safe(o, next, set, gc.node) {
		obj_forget(a, o, &t);
		/* Only a heap array: inline slots go with the object. */
		if (obj_slots_on_heap(o)) {
			kvfree(o->slots);
			t.bytes += obj_slots_bytes(o);
		}
		slots += o->nslots;
		bulk[nb++] = o;
		if (nb == FREE_BULK) {
			kmem_cache_free_bulk(refgc_obj_cache, nb, bulk);
			nb = 0;
		}
		if (!(t.n % REAP_RESCHED))
			cond_resched();
	}
	if (nb)
		kmem_cache_free_bulk(refgc_obj_cache, nb, bulk);
	INIT_LIST_HEAD(set);
	a->gc.gen[0].count -= min_t(u64, a->gc.gen[0].count, t.n);
	a->nr_slots -= slots;
	tally_flush(a, &t);
	return true;
}

/**
 * refgc_free_all() - free every object of a closing arena, cycles included
 * @a: the arena, locked, with no users left.
 */
void refgc_free_all(struct refgc_arena *a)
{
	struct refgc_object *o;
	unsigned long id, n = 0;

	xa_for_each(&a->objects, id, o) {
		if (!obj_is_weakref(o)) {
			a->nr_slots -= o->nslots;
			free_slots_array(a, o);
		}
		obj_free(a, o);
		if (!(++n % REAP_RESCHED))
			cond_resched();
	}
	a->ngarbage = 0;
	/* A suspended collection ends with its objects. */
	a->gc.suspended = false;
	a->gc.collecting = false;
	refgc_garbage_shrink(a);
	a->ev.fin_nr = 0;
	fin_shrink(a);
}
