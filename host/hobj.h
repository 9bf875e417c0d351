/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hobj.h - a minimal host client of the collector core, playing the part
 * of module/object.c + module/collect.c + module/weakref.c in userspace.
 *
 * An object has a refcount (in its rgc_head), a slot array of strong
 * references, an optional finalizer, and may be a weak reference.  It
 * behaves as the kernel client does:
 *
 *  - refcount 0 puts the object on the world's dying list, and hw_reap()
 *    frees it there, dropping its slots; what they free joins the same
 *    list, so a chain of any length dies in one loop, without recursion.
 *    An object with an unrun finalizer is finalized instead; the
 *    finalizer queue holds a reference (the kernel's FINALIZE event).
 *  - clear() drops the object's slots (tp_clear); finalize() queues the
 *    object (resurrecting it) unless hworld.fin_resurrect is false;
 *    save_garbage() takes a reference.
 *  - a weakref holds no strong reference; when its referent dies or the
 *    collector clears it, its callback "fires" (a counter and an event)
 *    unless the weakref is itself being collected.
 *
 * Everything that happens is counted, and with hworld.logging recorded in
 * an event log, and passed to hworld.hook if set, so that tests can check
 * both what happened and in which order.
 */
#ifndef _REFGC_HOST_HOBJ_H
#define _REFGC_HOST_HOBJ_H

#include <linux/list.h>
#include <linux/types.h>

#include "gc_core.h"

/* hobj.flags */
#define HOBJ_FINALIZER	0x01u	/* has a finalizer (__del__) */
#define HOBJ_WEAKREF	0x02u	/* a weak reference (set by hobj_weakref()) */
#define HOBJ_CALLBACK	0x04u	/* a weakref with a callback */
#define HOBJ_GARBAGE	0x08u	/* on the garbage list */
#define HOBJ_UNTRACKED	0x10u	/* hobj_new(): do not rgc_track() it */

struct hworld;

/**
 * struct hobj - one host object
 * @gc: the collector's part; gc.refcnt is the refcount.
 * @all: link on hworld.objects, every live object.
 * @world: the world it lives in.
 * @id: a unique number, never reused within a world.
 * @flags: HOBJ_* bits.
 * @nslots: strong references held, @slots[0..nslots).
 * @cap: capacity of @slots.
 * @slots: the strong references.
 * @referent: a weakref's referent; NULL once cleared.
 * @wr_next: the next weakref to the same referent.
 * @wrefs: the first weakref to this object.
 * @fired: a weakref's callbacks so far.
 * @finalized: finalizer calls so far.
 * @tag: the test's own.
 * @ext: references from outside every tracked object's slots that are
 *	not otherwise known: the holder's own (hobj_new(), hobj_incref(),
 *	hobj_decref(); a test that hands a reference on by other means
 *	adjusts it) and an untracked object's slots.  Kept in every world;
 *	only a world with HW_FAST_ROOTS (hw_set_fast()) tells the core.
 * @queued: entries on the finalizer queue (hworld.fin).
 * @rem: link on hworld.remembered while gc.flags has RGC_F_REMEMBERED.
 */
struct hobj {
	struct rgc_head gc;
	struct list_head all;
	struct hworld *world;
	unsigned long id;
	unsigned int flags;
	unsigned int nslots;
	unsigned int cap;
	struct hobj **slots;
	struct hobj *referent;
	struct hobj *wr_next;
	struct hobj *wrefs;
	unsigned int fired;
	unsigned int finalized;
	unsigned long tag;
	unsigned int ext;
	unsigned int queued;
	struct list_head rem;
};

/* What hworld.log records. */
enum hev {
	HEV_TRAVERSE,	/* ops->traverse (only while logging or hooked) */
	HEV_CALLBACK,	/* a weakref's callback fired (id: the weakref) */
	HEV_WRCLEAR,	/* a weakref was cleared (id: the weakref) */
	HEV_FINALIZE,	/* a finalizer ran */
	HEV_CLEAR,	/* ops->clear */
	HEV_SAVE,	/* ops->save_garbage */
	HEV_REPORT_C,	/* ops->report, collectable */
	HEV_REPORT_U,	/* ops->report, uncollectable */
	HEV_FREE,	/* the object was freed */
	HEV_NR
};

struct hevent {
	enum hev type;
	unsigned long id;
};

/**
 * struct hworld - a collector and the objects it manages
 * @gc: the collector state.
 * @objects: every live object.
 * @dying: objects whose refcount reached zero, to be freed by hw_reap().
 * @reaping: hw_reap() is running (it does not nest).
 * @trash: deallocations put aside by the trashcan (nested past 50).
 * @trash_nesting: how deep deallocations nest (CPython's
 *	trash_delete_nesting).
 * @garbage: the garbage list (gc.garbage); each entry holds a reference.
 * @ngarbage: entries on @garbage.
 * @garbage_cap: room reserved on @garbage.
 * @fin: the finalizer queue; each entry holds a reference.
 * @nfin: entries on @fin.
 * @fin_cap: room on @fin.
 * @fin_resurrect: finalize() queues the object (default, as the kernel).
 * @reserve_err: reserve_garbage() fails with this, when nonzero, if it
 *	needs more room than it has (as the kernel client's kvmalloc).
 * @reserve_calls: reserve_garbage() calls.
 * @last_reserve: what the last reserve_garbage() asked for.
 * @next_id: the next object id.
 * @nlive: live objects.
 * @count: events of each type so far.
 * @errors: client-detected contract violations (must stay 0).
 * @logging: record events in @log.
 * @log: the event log.
 * @nlog: entries in @log.
 * @log_cap: room in @log.
 * @hook: called on every event, before it is logged, when set.
 * @hook_arg: the test's own.
 * @remembered: the remembered set (HW_FAST_REMEMBER, rgc_barrier()).
 * @nremembered: objects on @remembered.
 */
struct hworld {
	struct rgc_state gc;
	struct list_head objects;
	struct list_head dying;
	bool reaping;
	struct list_head trash;
	unsigned int trash_nesting;
	struct hobj **garbage;
	unsigned long ngarbage;
	unsigned long garbage_cap;
	struct hobj **fin;
	unsigned long nfin;
	unsigned long fin_cap;
	bool fin_resurrect;
	int reserve_err;
	unsigned long reserve_calls;
	unsigned long last_reserve;
	unsigned long next_id;
	unsigned long nlive;
	unsigned long count[HEV_NR];
	unsigned long errors;
	bool logging;
	struct hevent *log;
	unsigned long nlog;
	unsigned long log_cap;
	void (*hook)(struct hworld *w, enum hev type, struct hobj *o);
	void *hook_arg;
	struct list_head remembered;
	unsigned long nremembered;
};

extern const struct rgc_ops hobj_ops;

/* hw_set_fast(): the optional fast paths of struct rgc_ops hobj offers. */
#define HW_FAST_ROOTS	0x1u	/* ops->external: full collections take roots */
#define HW_FAST_SLOTS	0x2u	/* ops->slots_offset: the core reads slots */
#define HW_FAST_REMEMBER 0x4u	/* with ROOTS: young collections take roots */

void hw_set_fast(struct hworld *w, unsigned int fast);
bool hobj_external(const struct hobj *o);

void hw_init(struct hworld *w);
unsigned long hw_fini(struct hworld *w);
void hw_reap(struct hworld *w);
unsigned long hw_garbage_clear(struct hworld *w);
unsigned long hw_fin_drain(struct hworld *w);

struct hobj *hobj_new(struct hworld *w, unsigned int flags);
struct hobj *hobj_weakref(struct hworld *w, struct hobj *referent,
			  bool callback);
void hobj_link(struct hworld *w, struct hobj *src, struct hobj *dst);
void hobj_unlink(struct hworld *w, struct hobj *src, unsigned int i);
void hobj_incref(struct hobj *o);
void hobj_decref(struct hworld *w, struct hobj *o);

static inline struct hobj *hobj_of(struct rgc_head *h)
{
	return container_of(h, struct hobj, gc);
}

static inline struct hworld *hworld_of(struct rgc_state *gc)
{
	return container_of(gc, struct hworld, gc);
}

#endif /* _REFGC_HOST_HOBJ_H */
