// SPDX-License-Identifier: GPL-2.0
/*
 * hobj.c - a minimal host client of the collector core; see hobj.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/errno.h>

#include "hobj.h"

static void *xrealloc(void *p, size_t n, size_t size)
{
	size_t bytes = n * size;

	if (size && bytes / size != n)
		p = NULL;
	else
		p = realloc(p, bytes ? bytes : 1);
	if (!p) {
		fprintf(stderr, "hobj: out of memory\n");
		abort();
	}
	return p;
}

static void event(struct hworld *w, enum hev type, struct hobj *o)
{
	w->count[type]++;
	if (w->hook)
		w->hook(w, type, o);
	if (!w->logging)
		return;
	if (w->nlog == w->log_cap) {
		w->log_cap = w->log_cap ? 2 * w->log_cap : 256;
		w->log = xrealloc(w->log, w->log_cap, sizeof(*w->log));
	}
	w->log[w->nlog++] = (struct hevent){ .type = type, .id = o->id };
}

/* Run @o's finalizer: counted, and queued holding a reference if wanted. */
static void run_finalizer(struct hworld *w, struct hobj *o)
{
	o->finalized++;
	event(w, HEV_FINALIZE, o);
	if (!w->fin_resurrect)
		return;
	if (w->nfin == w->fin_cap) {
		w->fin_cap = w->fin_cap ? 2 * w->fin_cap : 16;
		w->fin = xrealloc(w->fin, w->fin_cap, sizeof(*w->fin));
	}
	o->gc.refcnt++;
	o->queued++;
	w->fin[w->nfin++] = o;
}

static void clear_weakrefs_to(struct hworld *w, struct hobj *o);

/* Drop a reference without freeing yet: a dead object joins w->dying. */
static void put_ref(struct hworld *w, struct hobj *o)
{
	if (!o->gc.refcnt) {
		w->errors++;	/* refcount underflow: a client or core bug */
		return;
	}
	if (--o->gc.refcnt)
		return;
	if ((o->flags & HOBJ_FINALIZER) && !rgc_is_finalized(&o->gc)) {
		/*
		 * As CPython's subtype_dealloc: finalize, maybe resurrect;
		 * tp_del (legacy) after the weakrefs are cleared.
		 */
		if (w->gc.legacy_finalizers)
			clear_weakrefs_to(w, o);
		o->gc.flags |= RGC_F_FINALIZED;
		o->gc.refcnt = 1;
		rgc_retrack(&w->gc, &o->gc);
		run_finalizer(w, o);
		if (--o->gc.refcnt)
			return;
	}
	rgc_untrack(&w->gc, &o->gc);
	list_add_tail(&o->gc.node, &w->dying);
}

/* Unlink weakref @wr from its referent's list and clear it. */
static void weakref_detach(struct hobj *wr)
{
	struct hobj **pp;

	if (!wr->referent)
		return;
	for (pp = &wr->referent->wrefs; *pp; pp = &(*pp)->wr_next) {
		if (*pp == wr) {
			*pp = wr->wr_next;
			break;
		}
	}
	wr->referent = NULL;
	wr->wr_next = NULL;
}

/*
 * Clear the weakrefs to @o, firing the callbacks of those that are not
 * dying themselves (refcount 0) nor being collected.
 */
static void clear_weakrefs_to(struct hworld *w, struct hobj *o)
{
	struct hobj *wr;

	while ((wr = o->wrefs)) {
		o->wrefs = wr->wr_next;
		wr->referent = NULL;
		wr->wr_next = NULL;
		event(w, HEV_WRCLEAR, wr);
		if ((wr->flags & HOBJ_CALLBACK) && wr->gc.refcnt &&
		    !rgc_is_collecting(&wr->gc)) {
			wr->fired++;
			event(w, HEV_CALLBACK, wr);
		}
	}
}

#define HW_TRASH_UNWIND	50	/* CPython's _PyTrash_UNWIND_LEVEL */

static void hw_dealloc(struct hworld *w, struct hobj *o);

/*
 * Release @o's slots last to first, as CPython's list_clear() and
 * list_dealloc(); whatever dies is deallocated before the next slot.
 */
static void drop_slots(struct hworld *w, struct hobj *o)
{
	while (o->nslots) {
		struct hobj *c = o->slots[--o->nslots];

		if (o->flags & HOBJ_UNTRACKED)
			c->ext--;
		put_ref(w, c);
		if (!c->gc.refcnt) {
			list_del(&c->gc.node);
			hw_dealloc(w, c);
		}
	}
}

static void hw_free(struct hworld *w, struct hobj *o)
{
	event(w, HEV_FREE, o);
	if (o->gc.flags & RGC_F_REMEMBERED) {
		list_del(&o->rem);
		w->nremembered--;
	}
	list_del(&o->all);
	free(o->slots);
	free(o);
	w->nlive--;
}

/*
 * CPython 3.11's deallocation of a list subclass instance, written as
 * CPython writes it: recursive, with the trashcan bounding the depth at
 * HW_TRASH_UNWIND (the kernel does the same with an explicit stack).
 * Weakrefs die at once, without the trashcan.
 */
static void hw_dealloc(struct hworld *w, struct hobj *o)
{
	if (o->flags & HOBJ_WEAKREF) {
		clear_weakrefs_to(w, o);
		weakref_detach(o);
		hw_free(w, o);
		return;
	}
	if (w->trash_nesting >= HW_TRASH_UNWIND) {
		list_add(&o->gc.node, &w->trash);	/* deposit */
		return;
	}
	w->trash_nesting++;
	clear_weakrefs_to(w, o);
	drop_slots(w, o);
	hw_free(w, o);
	if (--w->trash_nesting || list_empty(&w->trash))
		return;
	/* _PyTrash_thread_destroy_chain(): last deposited first. */
	w->trash_nesting++;
	while (!list_empty(&w->trash)) {
		o = list_first_entry(&w->trash, struct hobj, gc.node);
		list_del(&o->gc.node);
		hw_dealloc(w, o);
	}
	w->trash_nesting--;
}

/**
 * hw_reap() - deallocate every object on the dying list, in queue order
 * @w: the world.
 */
void hw_reap(struct hworld *w)
{
	if (w->reaping)
		return;		/* the running loop will get to them */
	w->reaping = true;
	while (!list_empty(&w->dying)) {
		struct hobj *o = list_first_entry(&w->dying, struct hobj,
						  gc.node);

		list_del(&o->gc.node);
		hw_dealloc(w, o);
	}
	w->reaping = false;
}

static void ops_traverse(struct rgc_head *h, rgc_visit_t visit, void *arg)
{
	struct hobj *o = hobj_of(h);
	unsigned int i;

	if (o->world->logging || o->world->hook)
		event(o->world, HEV_TRAVERSE, o);
	for (i = 0; i < o->nslots; i++)
		visit(&o->slots[i]->gc, arg);
}

static void ops_clear(struct rgc_state *gc, struct rgc_head *h)
{
	struct hworld *w = hworld_of(gc);
	struct hobj *o = hobj_of(h);

	event(w, HEV_CLEAR, o);
	/* Keep @o alive while its own slots go, as the kernel client. */
	o->gc.refcnt++;
	drop_slots(w, o);
	put_ref(w, o);
	hw_reap(w);
}

static bool ops_has_finalizer(const struct rgc_head *h)
{
	return hobj_of((struct rgc_head *)h)->flags & HOBJ_FINALIZER;
}

static void ops_finalize(struct rgc_state *gc, struct rgc_head *h)
{
	struct hworld *w = hworld_of(gc);

	if (!rgc_is_finalized(h))
		w->errors++;	/* the core must set RGC_F_FINALIZED first */
	run_finalizer(w, hobj_of(h));
}

static void ops_handle_weakrefs(struct rgc_state *gc, struct rgc_head *h)
{
	struct hobj *o = hobj_of(h);

	if ((o->flags & HOBJ_WEAKREF) && o->referent) {
		event(hworld_of(gc), HEV_WRCLEAR, o);
		weakref_detach(o);
	}
	clear_weakrefs_to(hworld_of(gc), o);
}

static int ops_reserve_garbage(struct rgc_state *gc, unsigned long n)
{
	struct hworld *w = hworld_of(gc);

	w->reserve_calls++;
	w->last_reserve = n;
	if (n <= w->garbage_cap - w->ngarbage)
		return 0;
	if (w->reserve_err)
		return w->reserve_err;	/* as kvmalloc failing */
	w->garbage_cap = w->ngarbage + n;
	w->garbage = xrealloc(w->garbage, w->garbage_cap, sizeof(*w->garbage));
	return 0;
}

static void ops_save_garbage(struct rgc_state *gc, struct rgc_head *h)
{
	struct hworld *w = hworld_of(gc);
	struct hobj *o = hobj_of(h);

	if (w->ngarbage >= w->garbage_cap) {
		w->errors++;	/* more than reserve_garbage() asked for */
		return;
	}
	event(w, HEV_SAVE, o);
	o->gc.refcnt++;
	o->flags |= HOBJ_GARBAGE;
	w->garbage[w->ngarbage++] = o;
}

static void ops_report(struct rgc_state *gc, struct rgc_head *h,
		       bool collectable)
{
	event(hworld_of(gc), collectable ? HEV_REPORT_C : HEV_REPORT_U,
	      hobj_of(h));
}

static u64 ops_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/**
 * hobj_external() - whether anything but a tracked object's slots holds
 *	@o: the holder's references, an untracked object's slots, the
 *	garbage list, the finalizer queue
 * @o: the object.
 *
 * Return: what HW_FAST_ROOTS worlds answer as ops->external.
 */
bool hobj_external(const struct hobj *o)
{
	return o->ext || o->queued || (o->flags & HOBJ_GARBAGE);
}

static bool ops_external(const struct rgc_head *h)
{
	return hobj_external(container_of(h, const struct hobj, gc));
}

/* ops->for_each_remembered, as the kernel client's (module/remembered.c). */
static void ops_scan_remembered(struct rgc_state *gc, rgc_keep_t keep)
{
	struct hworld *w = hworld_of(gc);
	struct hobj *o, *next;

	list_for_each_entry_safe(o, next, &w->remembered, rem) {
		if (keep(gc, &o->gc))
			continue;
		list_del(&o->rem);
		o->gc.flags &= ~RGC_F_REMEMBERED;
		w->nremembered--;
	}
}

#define HOBJ_OPS							\
	.traverse = ops_traverse,					\
	.clear = ops_clear,						\
	.has_finalizer = ops_has_finalizer,				\
	.finalize = ops_finalize,					\
	.handle_weakrefs = ops_handle_weakrefs,				\
	.reserve_garbage = ops_reserve_garbage,				\
	.save_garbage = ops_save_garbage,				\
	.report = ops_report,						\
	.now_ns = ops_now_ns

/*
 * The slot array the core reads in place: hobj.gc is at offset 0, so a
 * struct hobj * is the struct rgc_head * the core expects, and nslots and
 * cap are u32s.  The array is always malloc()ed (no inline slots: cap is
 * never below nslots, so nonzero whenever there are slots).  A weakref
 * has no slots (nslots stays 0).
 */
#define HOBJ_SLOTS							\
	.slots_offset = offsetof(struct hobj, slots),			\
	.nslots_offset = offsetof(struct hobj, nslots),			\
	.cap_offset = offsetof(struct hobj, cap),			\
	.inline_slots = 0

_Static_assert(offsetof(struct hobj, gc) == 0, "hobj.gc at offset 0");
_Static_assert(sizeof(((struct hobj *)0)->nslots) == sizeof(u32) &&
	       sizeof(((struct hobj *)0)->cap) == sizeof(u32),
	       "hobj.nslots and hobj.cap are u32s");

const struct rgc_ops hobj_ops = { HOBJ_OPS };

#define HOBJ_REMEMBER	.for_each_remembered = ops_scan_remembered

/* Indexed by HW_FAST_* bits. */
static const struct rgc_ops hobj_fast_ops[] = {
	[0] = { HOBJ_OPS },
	[HW_FAST_ROOTS] = { HOBJ_OPS, .external = ops_external },
	[HW_FAST_SLOTS] = { HOBJ_OPS, HOBJ_SLOTS },
	[HW_FAST_ROOTS | HW_FAST_SLOTS] = { HOBJ_OPS, HOBJ_SLOTS,
					    .external = ops_external },
	[HW_FAST_REMEMBER] = { HOBJ_OPS },
	[HW_FAST_ROOTS | HW_FAST_REMEMBER] = { HOBJ_OPS, HOBJ_REMEMBER,
					       .external = ops_external },
	[HW_FAST_SLOTS | HW_FAST_REMEMBER] = { HOBJ_OPS, HOBJ_SLOTS },
	[HW_FAST_ROOTS | HW_FAST_SLOTS | HW_FAST_REMEMBER] = {
		HOBJ_OPS, HOBJ_SLOTS, HOBJ_REMEMBER,
		.external = ops_external },
};

/**
 * hw_set_fast() - choose the optional fast paths the core uses
 * @w: the world, between collections.
 * @fast: HW_FAST_* bits; 0 for hobj_ops.
 *
 * With HW_FAST_ROOTS every reference from outside a tracked object's
 * slots must show in hobj_external(): a test that moves a reference by
 * hand (not through hobj_new(), hobj_incref(), hobj_decref()) keeps
 * hobj.ext right, and gc.verify_roots checks it.  HW_FAST_REMEMBER
 * (hobj_link() keeps a remembered set) is for a world with no object yet.
 */
void hw_set_fast(struct hworld *w, unsigned int fast)
{
	w->gc.ops = fast ? &hobj_fast_ops[fast & 7] : &hobj_ops;
}

/**
 * hw_init() - an empty world, with the core's default settings
 * @w: the world.
 */
void hw_init(struct hworld *w)
{
	int i;

	memset(w, 0, sizeof(*w));
	rgc_init(&w->gc, &hobj_ops);
	/*
	 * Anchors every other survivor (the kernel: every 64th), so that
	 * the tests' small lists are cut into segments too (gc_anchor.c).
	 */
	w->gc.anchor_stride = 2;
	for (i = 0; i < RGC_NUM_GENERATIONS; i++) {
		w->gc.anchors[i].stride = 2;
		w->gc.anchors[i].left = 1;
	}
	INIT_LIST_HEAD(&w->objects);
	INIT_LIST_HEAD(&w->dying);
	INIT_LIST_HEAD(&w->trash);
	INIT_LIST_HEAD(&w->remembered);
	w->fin_resurrect = true;
	w->next_id = 1;
}

/**
 * hw_fini() - free everything, garbage and cycles included, without the
 *	collector, and release the world's own memory
 * @w: the world.
 *
 * Return: how many objects were still alive.
 */
unsigned long hw_fini(struct hworld *w)
{
	unsigned long n = w->nlive;
	struct hobj *o, *next;

	list_for_each_entry_safe(o, next, &w->objects, all) {
		free(o->slots);
		free(o);
	}
	free(w->garbage);
	free(w->fin);
	free(w->log);
	memset(w, 0, sizeof(*w));
	return n;
}

/**
 * hw_garbage_clear() - release the garbage list (del gc.garbage[:])
 * @w: the world.
 *
 * Return: how many entries were released.
 */
unsigned long hw_garbage_clear(struct hworld *w)
{
	unsigned long i, n = w->ngarbage;

	w->ngarbage = 0;
	for (i = 0; i < n; i++) {
		w->garbage[i]->flags &= ~HOBJ_GARBAGE;
		put_ref(w, w->garbage[i]);
	}
	hw_reap(w);
	return n;
}

/**
 * hw_fin_drain() - drop the finalizer queue's references, as userspace
 *	reading the kernel's FINALIZE events
 * @w: the world.
 *
 * Return: how many were dropped.  Objects dying now may queue again.
 */
unsigned long hw_fin_drain(struct hworld *w)
{
	unsigned long n = 0;

	while (w->nfin) {
		struct hobj *o = w->fin[--w->nfin];

		o->queued--;
		put_ref(w, o);
		n++;
	}
	hw_reap(w);
	return n;
}

/**
 * hobj_new() - a new object, refcount 1 (the caller's reference)
 * @w: the world.
 * @flags: HOBJ_FINALIZER, HOBJ_UNTRACKED.
 *
 * Return: the object; tracked in generation 0 unless HOBJ_UNTRACKED.
 */
struct hobj *hobj_new(struct hworld *w, unsigned int flags)
{
	struct hobj *o = xrealloc(NULL, 1, sizeof(*o));

	memset(o, 0, sizeof(*o));
	o->world = w;
	o->id = w->next_id++;
	o->flags = flags & (HOBJ_FINALIZER | HOBJ_UNTRACKED);
	o->gc.refcnt = 1;
	o->ext = 1;
	INIT_LIST_HEAD(&o->gc.node);
	list_add_tail(&o->all, &w->objects);
	w->nlive++;
	if (!(flags & HOBJ_UNTRACKED))
		rgc_track(&w->gc, &o->gc);
	return o;
}

/**
 * hobj_weakref() - a new weak reference to @referent, refcount 1
 * @w: the world.
 * @referent: what it refers to (not a new strong reference).
 * @callback: whether it has a callback.
 *
 * Return: the weakref object, tracked, on @referent's list in CPython's
 * order: a basic weakref first, then those with callbacks, newest first.
 */
struct hobj *hobj_weakref(struct hworld *w, struct hobj *referent,
			  bool callback)
{
	struct hobj *wr = hobj_new(w, 0);

	struct hobj *head = referent->wrefs;

	wr->flags |= HOBJ_WEAKREF | (callback ? HOBJ_CALLBACK : 0);
	wr->referent = referent;
	if (callback && head && !(head->flags & HOBJ_CALLBACK)) {
		/* CPython's order: the basic weakref stays the head. */
		wr->wr_next = head->wr_next;
		head->wr_next = wr;
	} else {
		wr->wr_next = head;
		referent->wrefs = wr;
	}
	return wr;
}

/**
 * hobj_link() - append a strong reference to @dst to @src's slots
 * @w: the world.
 * @src: a non-weakref object.
 * @dst: the target, which gains a reference.
 */
void hobj_link(struct hworld *w, struct hobj *src, struct hobj *dst)
{
	if (src->flags & HOBJ_WEAKREF) {
		w->errors++;
		return;
	}
	if (src->nslots == src->cap) {
		src->cap = src->cap ? 2 * src->cap : 2;
		src->slots = xrealloc(src->slots, src->cap,
				      sizeof(*src->slots));
	}
	dst->gc.refcnt++;
	if (src->flags & HOBJ_UNTRACKED)
		dst->ext++;
	if (w->gc.ops->for_each_remembered && rgc_barrier(&src->gc, &dst->gc)) {
		src->gc.flags |= RGC_F_REMEMBERED;
		list_add_tail(&src->rem, &w->remembered);
		w->nremembered++;
	}
	src->slots[src->nslots++] = dst;
}

/**
 * hobj_unlink() - remove slot @i of @src, dropping its reference
 * @w: the world.
 * @src: the object.
 * @i: the slot; later slots move down.
 */
void hobj_unlink(struct hworld *w, struct hobj *src, unsigned int i)
{
	struct hobj *dst;

	if (i >= src->nslots) {
		w->errors++;
		return;
	}
	dst = src->slots[i];
	memmove(&src->slots[i], &src->slots[i + 1],
		(src->nslots - i - 1) * sizeof(*src->slots));
	src->nslots--;
	if (src->flags & HOBJ_UNTRACKED)
		dst->ext--;
	put_ref(w, dst);
	hw_reap(w);
}

/**
 * hobj_incref() - take a reference
 * @o: the object.
 */
void hobj_incref(struct hobj *o)
{
	o->gc.refcnt++;
	o->ext++;
}

/**
 * hobj_decref() - drop a reference; the object, and whatever only it kept
 *	alive, is freed before this returns (finalizers permitting)
 * @w: the world.
 * @o: the object.
 */
void hobj_decref(struct hworld *w, struct hobj *o)
{
	if (o->ext)
		o->ext--;
	else if (w->gc.ops->external)
		w->errors++;	/* not the holder's reference: ext is wrong */
	put_ref(w, o);
	hw_reap(w);
}
