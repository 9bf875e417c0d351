// SPDX-License-Identifier: GPL-2.0
/*
 * test_garbage.c - garbage the collector keeps instead of freeing: legacy
 * finalizers (the uncollectable set and gc.garbage), DEBUG_SAVEALL, and a
 * reserve_garbage() failure (-ENOMEM) leaving every object untouched.
 */
#include <string.h>

#include <linux/errno.h>

#include "test.h"

/* ---- legacy finalizers ----------------------------------------------- */

struct legacy_set {
	struct hobj *f, *n, *m, *f2, *x, *y, *p, *p2, *wx, *wf;
	unsigned long id[8];	/* f n m f2 x y p p2 */
};

/*
 * f <-> n -> m -> f2 (f, f2 with finalizers): uncollectable in legacy
 * mode.  x <-> y, and p <-> p2 -> f: collectable.  wx: a weakref with a
 * callback to x, held by n; wf: one to f, held outside.
 */
static void legacy_build(struct hworld *w, struct legacy_set *s)
{
	struct hobj **all[8] = { &s->f, &s->n, &s->m, &s->f2,
				 &s->x, &s->y, &s->p, &s->p2 };
	int i;

	s->f = new_cycle2(w, HOBJ_FINALIZER, 0, &s->n);
	s->m = hobj_new(w, 0);
	s->f2 = hobj_new(w, HOBJ_FINALIZER);
	hobj_link(w, s->n, s->m);
	hobj_link(w, s->m, s->f2);
	s->x = new_cycle2(w, 0, 0, &s->y);
	s->p = new_cycle2(w, 0, 0, &s->p2);
	hobj_link(w, s->p2, s->f);
	s->wx = hobj_weakref(w, s->x, true);
	hobj_link(w, s->n, s->wx);
	hobj_decref(w, s->wx);
	s->wf = hobj_weakref(w, s->f, true);
	for (i = 0; i < 8; i++) {
		s->id[i] = (*all[i])->id;
		hobj_decref(w, *all[i]);
	}
}

void test_legacy(void)
{
	struct hworld w;
	struct rgc_result res;
	struct legacy_set s;
	int i;

	hw_init(&w);
	w.logging = true;
	w.gc.legacy_finalizers = true;
	w.gc.debug = RGC_DEBUG_COLLECTABLE | RGC_DEBUG_UNCOLLECTABLE;
	legacy_build(&w, &s);
	CHECK_EQ(w.nlive, 10);
	res = collect(&w, 2);
	CHECK_EQ(res.uncollectable, 5);		/* f n m f2 wx */
	CHECK_EQ(res.collected, 4);		/* x y p p2 */
	for (i = 0; i < 8; i++)
		CHECK_EQ(was_freed(&w, s.id[i]), i >= 4);
	CHECK_EQ(w.nlive, 6);
	CHECK_EQ(w.count[HEV_FINALIZE], 0);
	/* Only the finalizer objects are saved. */
	CHECK_EQ(w.ngarbage, 2);
	CHECK(in_garbage(&w, s.f) && in_garbage(&w, s.f2));
	CHECK(!(s.n->flags & HOBJ_GARBAGE) && !(s.m->flags & HOBJ_GARBAGE));
	CHECK(w.last_reserve >= 2);
	CHECK_EQ(s.f->gc.refcnt, 2);		/* n, garbage; p2's went */
	CHECK_EQ(s.n->gc.refcnt, 1);
	CHECK_EQ(s.m->gc.refcnt, 1);
	CHECK_EQ(s.f2->gc.refcnt, 2);
	CHECK_EQ(s.n->nslots, 3);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(ev_count(&w, HEV_REPORT_U, s.id[i]), 1);
		CHECK_EQ(ev_count(&w, HEV_REPORT_C, s.id[i + 4]), 1);
	}
	CHECK_EQ(ev_count(&w, HEV_REPORT_U, 0), 5);
	CHECK_EQ(ev_count(&w, HEV_REPORT_C, 0), 4);
	CHECK_EQ(rgc_generation(&s.n->gc), 2);
	CHECK_EQ(s.n->gc.flags & (RGC_F_COLLECTING | RGC_F_UNREACHABLE), 0);
	/* wx is not being collected (uncollectable): its callback fires. */
	CHECK(!s.wx->referent && s.wx->fired == 1);
	CHECK(s.wf->referent == s.f && s.wf->fired == 0);
	CHECK_EQ(w.gc.stats[2].uncollectable, 5);

	/* gc.garbage now keeps them: reachable, nothing to report. */
	res = collect(&w, 2);
	CHECK_EQ(res.uncollectable, 0);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.ngarbage, 2);

	/* Released, legacy off: finalized once each, and collected. */
	w.gc.legacy_finalizers = false;
	w.fin_resurrect = false;
	CHECK_EQ(hw_garbage_clear(&w), 2);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 5);
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, s.id[0]), 1);
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, s.id[3]), 1);
	CHECK(!s.wf->referent && s.wf->fired == 1);
	hobj_decref(&w, s.wf);
	finish(&w, true);
}

void test_legacy_saveall(void)
{
	struct hworld w;
	struct rgc_result res;
	struct legacy_set s;
	int i;

	hw_init(&w);
	w.logging = true;
	w.gc.legacy_finalizers = true;
	w.gc.debug = RGC_DEBUG_SAVEALL;
	legacy_build(&w, &s);
	res = collect(&w, 2);
	CHECK_EQ(res.uncollectable, 5);
	CHECK_EQ(res.collected, 4);
	CHECK_EQ(w.nlive, 10);
	CHECK_EQ(w.ngarbage, 9);
	CHECK(w.last_reserve >= 9);
	for (i = 0; i < 8; i++)
		CHECK_EQ(ev_count(&w, HEV_SAVE, s.id[i]), 1);
	CHECK(in_garbage(&w, s.wx));
	CHECK_EQ(s.x->gc.refcnt, 2);		/* y, garbage */
	CHECK_EQ(s.f->gc.refcnt, 3);		/* n, p2, garbage */
	CHECK_EQ(w.count[HEV_CLEAR] + w.count[HEV_FREE], 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 0);
	hobj_decref(&w, s.wf);
	finish(&w, true);
}

/*
 * q <-> q2 -> k -> l, k with a finalizer: in legacy mode k and l are
 * uncollectable, but clearing q frees k by refcount (CPython: "It may also
 * cause some objects in finalizers to be freed"), running its finalizer.
 * Like CPython's subtype_dealloc, that moves k to generation 0 first, off
 * the uncollectable list: k is neither counted nor saved, even when its
 * finalizer resurrects it (the kernel's queued event).  l then stays
 * uncollectable, held by k (CPython, whose tp_del returns at once, frees
 * it: 0 uncollectable; the synchronous finalizer protocol will close that).
 */
static void legacy_freed_by_clear(bool resurrect)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *q, *q2, *k, *l;
	unsigned long kid, lid;

	hw_init(&w);
	w.logging = true;
	w.fin_resurrect = resurrect;
	w.gc.legacy_finalizers = true;
	q = new_cycle2(&w, 0, 0, &q2);
	k = hobj_new(&w, HOBJ_FINALIZER);
	l = hobj_new(&w, 0);
	hobj_link(&w, q2, k);
	hobj_link(&w, k, l);
	kid = k->id;
	lid = l->id;
	hobj_decref(&w, q);
	hobj_decref(&w, q2);
	hobj_decref(&w, k);
	hobj_decref(&w, l);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 2);
	CHECK(w.last_reserve >= 1);
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, kid), 1);
	CHECK(ev_find(&w, HEV_CLEAR, 0, 0) < ev_find(&w, HEV_FINALIZE, kid, 0));
	if (resurrect) {
		CHECK_EQ(res.uncollectable, 1);		/* l */
		CHECK_EQ(w.ngarbage, 0);
		CHECK(!in_garbage(&w, k));
		CHECK_EQ(k->gc.refcnt, 1);		/* the event */
		CHECK_EQ(rgc_generation(&k->gc), 0);
		CHECK_EQ(rgc_generation(&l->gc), 2);
	} else {
		CHECK_EQ(res.uncollectable, 0);
		CHECK_EQ(w.ngarbage, 0);
		CHECK(was_freed(&w, kid) && was_freed(&w, lid));
		CHECK_EQ(w.nlive, 0);
	}
	finish(&w, true);
}

void test_legacy_freed_by_clear(void)
{
	legacy_freed_by_clear(false);
	legacy_freed_by_clear(true);
}

struct snap {
	struct hobj *o;
	u32 refcnt, flags, nslots;
	struct hobj *slot0, *referent;
	unsigned int fired;
	int gen;
};

static int snap_all(struct hworld *w, struct snap *v, int max)
{
	struct hobj *o;
	int n = 0;

	list_for_each_entry(o, &w->objects, all) {
		if (n == max)
			break;
		v[n++] = (struct snap){
			.o = o, .refcnt = o->gc.refcnt, .flags = o->flags,
			.nslots = o->nslots,
			.slot0 = o->nslots ? o->slots[0] : NULL,
			.referent = o->referent, .fired = o->fired,
			.gen = rgc_generation(&o->gc),
		};
	}
	return n;
}

/* After a failed collection: every object exactly as it was. */
static void check_snaps(struct hworld *w, struct snap *v, int n)
{
	int i;

	CHECK_EQ(w->nlive, n);
	for (i = 0; i < n; i++) {
		struct hobj *o = v[i].o;

		CHECK_EQ(o->gc.refcnt, v[i].refcnt);
		CHECK_EQ(o->flags, v[i].flags);
		CHECK_EQ(o->nslots, v[i].nslots);
		CHECK(!o->nslots || o->slots[0] == v[i].slot0);
		CHECK(o->referent == v[i].referent);
		CHECK_EQ(o->fired, v[i].fired);
		CHECK_EQ(o->gc.flags & (RGC_F_COLLECTING | RGC_F_UNREACHABLE |
					RGC_F_FINALIZED), 0);
		CHECK_EQ(rgc_generation(&o->gc), v[i].gen);
	}
	CHECK_EQ(w->count[HEV_FINALIZE] + w->count[HEV_CALLBACK] +
		 w->count[HEV_WRCLEAR] + w->count[HEV_CLEAR] +
		 w->count[HEV_SAVE] + w->count[HEV_FREE] +
		 w->count[HEV_REPORT_C] + w->count[HEV_REPORT_U], 0);
	CHECK_EQ(w->ngarbage, 0);
}

void test_legacy_enomem(void)
{
	struct hworld w;
	struct rgc_result res;
	struct legacy_set s;
	struct snap v[16];
	int n, i;

	hw_init(&w);
	w.logging = true;
	w.gc.legacy_finalizers = true;
	w.gc.debug = RGC_DEBUG_COLLECTABLE | RGC_DEBUG_UNCOLLECTABLE;
	w.reserve_err = -ENOMEM;
	legacy_build(&w, &s);
	memset(w.count, 0, sizeof(w.count));
	n = snap_all(&w, v, 16);
	CHECK_EQ(n, 10);
	CHECK_EQ(rgc_collect(&w.gc, 1, &res), -ENOMEM);
	CHECK_EQ(w.reserve_calls, 1);
	CHECK(w.last_reserve >= 2);
	CHECK(!w.gc.collecting);
	CHECK_EQ(w.gc.stats[1].collections, 0);
	check_snaps(&w, v, n);

	/* Once memory is there, the same collection works. */
	w.reserve_err = 0;
	res = collect(&w, 2);
	CHECK_EQ(res.uncollectable, 5);
	CHECK_EQ(res.collected, 4);
	CHECK_EQ(w.ngarbage, 2);
	for (i = 0; i < 8; i++)
		CHECK_EQ(was_freed(&w, s.id[i]), i >= 4);
	hobj_decref(&w, s.wf);
	finish(&w, true);
}

/* ---- DEBUG_SAVEALL --------------------------------------------------- */

void test_saveall(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *s, *t1, *t2, *f, *g, *root, *kept;
	unsigned long fid;

	hw_init(&w);
	w.logging = true;
	w.fin_resurrect = false;
	w.gc.debug = RGC_DEBUG_SAVEALL;
	a = new_cycle2(&w, 0, 0, &b);		/* a <-> b -> t1 -> t2 */
	t1 = hobj_new(&w, 0);
	t2 = hobj_new(&w, 0);
	hobj_link(&w, b, t1);
	hobj_link(&w, t1, t2);
	s = hobj_new(&w, 0);			/* s -> s */
	hobj_link(&w, s, s);
	f = new_cycle2(&w, HOBJ_FINALIZER, 0, &g);
	root = hobj_new(&w, 0);			/* root -> kept */
	kept = hobj_new(&w, 0);
	hobj_link(&w, root, kept);
	hobj_link(&w, a, kept);
	fid = f->id;
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	hobj_decref(&w, t1);
	hobj_decref(&w, t2);
	hobj_decref(&w, s);
	hobj_decref(&w, f);
	hobj_decref(&w, g);
	hobj_decref(&w, kept);

	res = collect(&w, 2);
	CHECK_EQ(res.collected, 7);		/* a b t1 t2 s f g */
	CHECK_EQ(w.ngarbage, 7);
	CHECK_EQ(w.nlive, 9);
	CHECK_EQ(w.count[HEV_FREE] + w.count[HEV_CLEAR], 0);
	CHECK(in_garbage(&w, a) && in_garbage(&w, t2) && in_garbage(&w, s));
	CHECK(in_garbage(&w, f) && in_garbage(&w, g));
	CHECK(!in_garbage(&w, kept) && !in_garbage(&w, root));
	CHECK_EQ(a->gc.refcnt, 2);
	CHECK_EQ(t2->gc.refcnt, 2);
	CHECK_EQ(s->gc.refcnt, 2);
	CHECK_EQ(kept->gc.refcnt, 2);
	CHECK_EQ(a->nslots, 2);
	CHECK_EQ(rgc_generation(&t2->gc), 2);
	/* Finalizers still run under SAVEALL (PEP 442), once. */
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, fid), 1);

	/* Kept by the garbage list: no second save. */
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.ngarbage, 7);

	/* Released: still cyclic, so alive until collected. */
	w.gc.debug = 0;
	hw_garbage_clear(&w);
	CHECK_EQ(w.nlive, 9);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 7);
	CHECK_EQ(w.nlive, 2);
	CHECK_EQ(kept->gc.refcnt, 1);
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, fid), 1);
	hobj_decref(&w, root);
	finish(&w, true);
}

void test_saveall_enomem(void)
{
	struct hworld w;
	struct hobj *a, *b, *f, *g, *wr;
	struct rgc_result res;
	struct snap v[8];
	int n;

	hw_init(&w);
	w.gc.debug = RGC_DEBUG_SAVEALL;
	w.reserve_err = -ENOMEM;
	a = new_cycle2(&w, 0, 0, &b);
	f = new_cycle2(&w, HOBJ_FINALIZER, 0, &g);
	wr = hobj_weakref(&w, a, true);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	hobj_decref(&w, f);
	hobj_decref(&w, g);
	memset(w.count, 0, sizeof(w.count));
	n = snap_all(&w, v, 8);
	CHECK_EQ(rgc_collect(&w.gc, 1, &res), -ENOMEM);
	CHECK(w.last_reserve >= 4);
	check_snaps(&w, v, n);
	CHECK(wr->referent == a);

	/* Without SAVEALL nothing needs reserving, so nothing fails. */
	w.gc.debug = 0;
	w.fin_resurrect = false;
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 4);
	CHECK(!wr->referent && wr->fired == 1);
	hobj_decref(&w, wr);
	finish(&w, true);
}
