// SPDX-License-Identifier: GPL-2.0
/*
 * test_pipeline.c - the collection pipeline for collectable garbage:
 * PEP 442 finalizers (run once, resurrection, refcount death), weakref
 * clearing and callbacks, and the order of these steps.
 */
#include <linux/errno.h>

#include "test.h"

/* ---- finalizers (PEP 442) -------------------------------------------- */

void test_fin_resurrect(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *c, *d, *x, *y, *z, *z2;
	unsigned long xid, yid, zid, z2id;

	hw_init(&w);
	w.logging = true;
	/* a <-> b, both with finalizers; a -> c <-> d; z <-> z2, z -> a. */
	a = new_cycle2(&w, HOBJ_FINALIZER, HOBJ_FINALIZER, &b);
	c = new_cycle2(&w, 0, 0, &d);
	hobj_link(&w, a, c);
	x = new_cycle2(&w, 0, 0, &y);
	z = new_cycle2(&w, 0, 0, &z2);
	hobj_link(&w, z, a);
	xid = x->id;
	yid = y->id;
	zid = z->id;
	z2id = z2->id;
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	hobj_decref(&w, c);
	hobj_decref(&w, d);
	hobj_decref(&w, x);
	hobj_decref(&w, y);
	hobj_decref(&w, z);
	hobj_decref(&w, z2);
	CHECK_EQ(w.nlive, 8);

	res = collect(&w, 2);
	CHECK_EQ(res.visited, 8);
	CHECK_EQ(a->finalized, 1);
	CHECK_EQ(b->finalized, 1);
	CHECK_EQ(c->finalized + d->finalized, 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 2);
	CHECK(rgc_is_finalized(&a->gc) && rgc_is_finalized(&b->gc));
	CHECK(!rgc_is_finalized(&c->gc));
	/* Resurrected with all they reach; the rest collected. */
	CHECK_EQ(res.collected, 4);
	CHECK_EQ(w.nlive, 4);
	CHECK(was_freed(&w, xid) && was_freed(&w, yid));
	CHECK(was_freed(&w, zid) && was_freed(&w, z2id));
	CHECK_EQ(a->gc.refcnt, 2);		/* b, the finalizer queue */
	CHECK_EQ(b->gc.refcnt, 2);		/* a, the finalizer queue */
	CHECK_EQ(c->gc.refcnt, 2);
	CHECK_EQ(d->gc.refcnt, 1);
	CHECK_EQ(a->nslots, 2);
	CHECK_EQ(c->nslots, 1);
	CHECK_EQ(rgc_generation(&a->gc), 2);
	CHECK_EQ(rgc_generation(&d->gc), 2);
	CHECK_EQ(a->gc.flags & (RGC_F_COLLECTING | RGC_F_UNREACHABLE), 0);
	CHECK_EQ(c->gc.flags & (RGC_F_COLLECTING | RGC_F_UNREACHABLE), 0);
	CHECK_EQ(w.count[HEV_CLEAR], 2);	/* x or y, z or z2 */

	/* Still referenced by the queue: nothing to collect. */
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.nlive, 4);

	/* Released: collected, without finalizing again. */
	CHECK_EQ(hw_fin_drain(&w), 2);
	CHECK_EQ(w.nlive, 4);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 4);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 2);
	CHECK_EQ(w.nfin, 0);
	finish(&w, true);
}

void test_fin_no_resurrect(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b;
	unsigned long aid;

	hw_init(&w);
	w.logging = true;
	w.fin_resurrect = false;
	a = new_cycle2(&w, HOBJ_FINALIZER, 0, &b);
	aid = a->id;
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 2);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(ev_count(&w, HEV_FINALIZE, aid), 1);
	CHECK_EQ(w.count[HEV_FINALIZE], 1);
	/* Finalized before anything was cleared. */
	CHECK(ev_find(&w, HEV_FINALIZE, aid, 0) < ev_find(&w, HEV_CLEAR, 0, 0));
	finish(&w, true);
}

/* A finalizer that resurrects an object other than its own. */
struct resurrect_other {
	struct hobj *fin, *target;
	bool done;
};

static void resurrect_other_hook(struct hworld *w, enum hev type,
				 struct hobj *o)
{
	struct resurrect_other *r = w->hook_arg;

	if (type == HEV_FINALIZE && o == r->fin && !r->done) {
		hobj_incref(r->target);
		r->done = true;
	}
}

void test_fin_resurrect_other(void)
{
	struct hworld w;
	struct rgc_result res;
	struct resurrect_other r = { 0 };
	struct hobj *f, *g, *e, *e2, *h;
	unsigned long hid;

	hw_init(&w);
	w.logging = true;
	w.fin_resurrect = false;	/* f does not keep itself */
	w.hook = resurrect_other_hook;
	w.hook_arg = &r;
	/* f <-> g (f finalizer); e <-> e2 -> h, all unrelated to f. */
	f = new_cycle2(&w, HOBJ_FINALIZER, 0, &g);
	e = new_cycle2(&w, 0, 0, &e2);
	h = hobj_new(&w, 0);
	hobj_link(&w, e2, h);
	hid = h->id;
	r.fin = f;
	r.target = e;
	hobj_decref(&w, f);
	hobj_decref(&w, g);
	hobj_decref(&w, e);
	hobj_decref(&w, e2);
	hobj_decref(&w, h);
	res = collect(&w, 2);
	CHECK(r.done);
	CHECK_EQ(res.collected, 2);		/* f, g */
	CHECK_EQ(w.nlive, 3);			/* e, e2, h */
	CHECK(!was_freed(&w, hid));
	CHECK_EQ(e->gc.refcnt, 2);
	CHECK_EQ(h->gc.refcnt, 1);
	CHECK_EQ(e2->nslots, 2);
	hobj_decref(&w, e);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 3);
	CHECK_EQ(w.count[HEV_FINALIZE], 1);
	finish(&w, true);
}

void test_fin_refcount_death(void)
{
	struct hworld w;
	struct hobj *a, *b, *c;

	hw_init(&w);
	/* Finalized by refcount death: resurrected by the queue. */
	c = hobj_new(&w, HOBJ_FINALIZER);
	hobj_decref(&w, c);
	CHECK_EQ(c->finalized, 1);
	CHECK_EQ(w.nlive, 1);
	CHECK(rgc_is_finalized(&c->gc));
	hw_fin_drain(&w);
	CHECK_EQ(w.nlive, 0);

	/* Finalized by the collector, then dying by refcount: not again. */
	a = new_cycle2(&w, HOBJ_FINALIZER, 0, &b);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	collect(&w, 2);
	CHECK_EQ(a->finalized, 1);
	hw_fin_drain(&w);
	hobj_unlink(&w, b, 0);			/* breaks the cycle: all die */
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 2);
	finish(&w, true);
}

/* What the pipeline looked like at its two key moments. */
struct order_probe {
	struct hobj *f, *r, *g, *wc, *wn, *wg, *wgc;
	int at_fin, at_clear;
	bool fin_wc_cleared, fin_wc_fired, fin_wgc_cleared, fin_wn_intact,
	     fin_wg_intact, clear_wg_cleared, clear_wn_intact;
};

static void order_hook(struct hworld *w, enum hev type, struct hobj *o)
{
	struct order_probe *p = w->hook_arg;

	if (type == HEV_FINALIZE && o == p->f) {
		p->at_fin++;
		p->fin_wc_cleared = !p->wc->referent;
		p->fin_wc_fired = p->wc->fired == 1;
		p->fin_wgc_cleared = !p->wgc->referent;
		p->fin_wn_intact = p->wn->referent == p->r;
		p->fin_wg_intact = p->wg->referent == p->g;
	} else if (type == HEV_CLEAR && !p->at_clear++) {
		p->clear_wg_cleared = !p->wg->referent;
		p->clear_wn_intact = p->wn->referent == p->r;
	}
}

void test_fin_order(void)
{
	struct hworld w;
	struct rgc_result res;
	struct order_probe p = { 0 };
	struct hobj *h;
	unsigned long fid, rid, gid, hid;
	long i_rep, i_cb, i_cb_last, i_fin, i_trav_f, i_trav_r, i_wg, i_clr;

	hw_init(&w);
	w.logging = true;
	w.hook = order_hook;
	w.hook_arg = &p;
	w.gc.debug = RGC_DEBUG_COLLECTABLE;
	/*
	 * f <-> r, f with a finalizer that resurrects it; r has weakrefs wc
	 * (callback) and wn (none).  g <-> h, no finalizer; g has weakrefs
	 * wg (none) and wgc (callback).  The weakrefs are held outside.
	 */
	p.f = new_cycle2(&w, HOBJ_FINALIZER, 0, &p.r);
	p.g = new_cycle2(&w, 0, 0, &h);
	p.wc = hobj_weakref(&w, p.r, true);
	p.wn = hobj_weakref(&w, p.r, false);
	p.wg = hobj_weakref(&w, p.g, false);
	p.wgc = hobj_weakref(&w, p.g, true);
	fid = p.f->id;
	rid = p.r->id;
	gid = p.g->id;
	hid = h->id;
	hobj_decref(&w, p.f);
	hobj_decref(&w, p.r);
	hobj_decref(&w, p.g);
	hobj_decref(&w, h);
	w.nlog = 0;
	res = collect(&w, 2);

	/* Observed from inside the finalizer and the first clear(). */
	CHECK_EQ(p.at_fin, 1);
	/* 3.11-3.13: every weakref is cleared before any finalizer. */
	CHECK(p.fin_wc_cleared);
	CHECK(p.fin_wc_fired);
	CHECK(p.fin_wgc_cleared);
	CHECK(!p.fin_wn_intact);
	CHECK(!p.fin_wg_intact);
	CHECK(p.at_clear >= 1);
	CHECK(p.clear_wg_cleared);
	CHECK(!p.clear_wn_intact);	/* r was resurrected, wn is dead */

	/* The event log, in order. */
	i_rep = ev_last(&w, HEV_REPORT_C);
	i_cb = ev_find(&w, HEV_CALLBACK, 0, 0);
	i_cb_last = ev_last(&w, HEV_CALLBACK);
	i_fin = ev_find(&w, HEV_FINALIZE, fid, 0);
	i_trav_f = ev_find(&w, HEV_TRAVERSE, fid, i_fin);
	i_trav_r = ev_find(&w, HEV_TRAVERSE, rid, i_fin);
	i_wg = ev_find(&w, HEV_WRCLEAR, p.wg->id, 0);
	i_clr = ev_find(&w, HEV_CLEAR, 0, 0);
	CHECK_EQ(ev_count(&w, HEV_REPORT_C, 0), 4);
	CHECK_EQ(ev_count(&w, HEV_CALLBACK, 0), 2);
	CHECK(i_rep >= 0 && i_rep < i_cb);
	CHECK(i_cb_last >= 0 && i_cb_last < i_fin);
	/* The resurrection check traverses f and r again after f's finalizer. */
	CHECK(i_fin >= 0 && i_fin < i_trav_f && i_fin < i_trav_r);
	/* Weakrefs first, then the finalizer; no weakref is cleared after. */
	CHECK(i_wg >= 0 && i_wg < i_fin);
	CHECK(ev_find(&w, HEV_WRCLEAR, p.wn->id, 0) < i_fin);
	CHECK_EQ(ev_find(&w, HEV_WRCLEAR, 0, i_fin), -1);
	CHECK_EQ(ev_count(&w, HEV_WRCLEAR, p.wn->id), 1);
	CHECK(i_clr > i_trav_f && i_clr > i_trav_r);
	CHECK_EQ(ev_count(&w, HEV_CLEAR, fid) + ev_count(&w, HEV_CLEAR, rid), 0);
	CHECK_EQ(ev_count(&w, HEV_CLEAR, gid) + ev_count(&w, HEV_CLEAR, hid), 1);

	/* The outcome. */
	CHECK_EQ(res.collected, 2);
	CHECK(was_freed(&w, gid) && was_freed(&w, hid));
	CHECK(!was_freed(&w, fid) && !was_freed(&w, rid));
	CHECK(!p.wc->referent && p.wc->fired == 1);	/* r lives on */
	CHECK(!p.wn->referent && p.wn->fired == 0);	/* cleared anyway */
	CHECK(!p.wg->referent && p.wg->fired == 0);
	CHECK(!p.wgc->referent && p.wgc->fired == 1);
	CHECK(!p.r->wrefs);

	hobj_decref(&w, p.wc);
	hobj_decref(&w, p.wg);
	hobj_decref(&w, p.wgc);
	hw_fin_drain(&w);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 2);
	CHECK(!p.wn->referent && p.wn->fired == 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 1);
	hobj_decref(&w, p.wn);
	finish(&w, true);
}

/* ---- weakrefs -------------------------------------------------------- */

void test_weakref_callbacks(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *k, *q, *q2, *w1, *w2, *w3, *w4, *w5;
	unsigned long w2id, w5id;

	hw_init(&w);
	w.logging = true;
	a = new_cycle2(&w, 0, 0, &b);
	k = hobj_new(&w, 0);			/* a root */
	q = new_cycle2(&w, 0, 0, &q2);
	w1 = hobj_weakref(&w, a, true);		/* held outside */
	w2 = hobj_weakref(&w, a, true);		/* inside the cycle */
	hobj_link(&w, a, w2);
	hobj_decref(&w, w2);
	w3 = hobj_weakref(&w, b, false);	/* held outside, no callback */
	w4 = hobj_weakref(&w, b, true);		/* held by root k */
	hobj_link(&w, k, w4);
	hobj_decref(&w, w4);
	w5 = hobj_weakref(&w, a, true);		/* in another garbage cycle */
	hobj_link(&w, q, w5);
	hobj_decref(&w, w5);
	w2id = w2->id;
	w5id = w5->id;
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	hobj_decref(&w, q);
	hobj_decref(&w, q2);

	res = collect(&w, 2);
	CHECK_EQ(res.collected, 6);		/* a b w2 q q2 w5 */
	CHECK(was_freed(&w, w2id) && was_freed(&w, w5id));
	CHECK(!w1->referent && w1->fired == 1);
	CHECK(!w3->referent && w3->fired == 0);
	CHECK(!w4->referent && w4->fired == 1);
	CHECK_EQ(ev_count(&w, HEV_CALLBACK, w2id), 0);
	CHECK_EQ(ev_count(&w, HEV_CALLBACK, w5id), 0);
	CHECK_EQ(w.count[HEV_CALLBACK], 2);
	CHECK_EQ(w1->gc.refcnt, 1);
	CHECK_EQ(w4->gc.refcnt, 1);
	hobj_decref(&w, w1);
	hobj_decref(&w, w3);
	hobj_decref(&w, k);
	CHECK_EQ(w.count[HEV_CALLBACK], 2);
	finish(&w, true);
}

void test_weakref_collected_weakref(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *c, *d, *r, *w6, *w7;

	hw_init(&w);
	w.logging = true;
	/* c <-> d garbage holding w6, a callback weakref to live r. */
	r = hobj_new(&w, 0);
	c = new_cycle2(&w, 0, 0, &d);
	w6 = hobj_weakref(&w, r, true);
	w7 = hobj_weakref(&w, r, true);		/* held outside */
	hobj_link(&w, c, w6);
	hobj_decref(&w, w6);
	hobj_decref(&w, c);
	hobj_decref(&w, d);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 3);
	CHECK(r->wrefs == w7 && !w7->wr_next);	/* w6 unlinked */
	CHECK(w7->referent == r);
	CHECK_EQ(w.count[HEV_CALLBACK], 0);
	hobj_decref(&w, r);			/* must not touch w6 */
	CHECK_EQ(w.count[HEV_CALLBACK], 1);
	CHECK(!w7->referent && w7->fired == 1);
	hobj_decref(&w, w7);
	finish(&w, true);
}

void test_weakref_refcount_death(void)
{
	struct hworld w;
	struct hobj *r, *wc, *wn;

	hw_init(&w);
	r = hobj_new(&w, 0);
	wc = hobj_weakref(&w, r, true);
	wn = hobj_weakref(&w, r, false);
	hobj_decref(&w, r);
	CHECK(!wc->referent && wc->fired == 1);
	CHECK(!wn->referent && wn->fired == 0);
	/* A weakref dying first unlinks itself. */
	r = hobj_new(&w, 0);
	hobj_decref(&w, wc);
	wc = hobj_weakref(&w, r, true);
	hobj_decref(&w, wc);
	CHECK(!r->wrefs);
	hobj_decref(&w, r);
	CHECK_EQ(w.count[HEV_CALLBACK], 1);
	hobj_decref(&w, wn);
	finish(&w, true);
}

/*
 * The two halves of a collection (rgc_collect_begin() with @suspend,
 * rgc_collect_resume()), with what a finalizer may do in between.
 */
void test_fin_suspend(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *n, *c, *d;
	unsigned long aid, bid, cid, did;

	hw_init(&w);
	w.logging = true;
	/* Nothing to finalize: it finishes at once. */
	a = new_cycle2(&w, 0, 0, &b);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	CHECK_EQ(rgc_collect_begin(&w.gc, 2, &res, true), 0);
	CHECK_EQ(res.collected, 2);
	CHECK_EQ(rgc_collect_resume(&w.gc, &res), -EINVAL);

	/* a (finalizer) <-> b: it stops after calling a's finalizer. */
	a = new_cycle2(&w, HOBJ_FINALIZER, 0, &b);
	aid = a->id;
	bid = b->id;
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	CHECK_EQ(rgc_collect_begin(&w.gc, 2, &res, true), RGC_SUSPENDED);
	CHECK_EQ(w.nfin, 1);
	CHECK_EQ(w.gc.stats[2].collections, 1);	/* not this one yet */
	/* Meanwhile: no other collection, none due; allocation goes on. */
	CHECK_EQ(rgc_collect(&w.gc, 0, &res), -EBUSY);
	w.gc.gen[0].count = 10000;
	CHECK(!rgc_collection_due(&w.gc));
	w.gc.gen[0].count = 0;
	/* The finalizer resurrects b through a new object, then returns. */
	n = hobj_new(&w, 0);
	hobj_link(&w, n, b);
	hw_fin_drain(&w);
	CHECK_EQ(rgc_collect_resume(&w.gc, &res), 0);
	CHECK_EQ(res.generation, 2);
	CHECK_EQ(res.collected, 0);
	CHECK(!was_freed(&w, aid) && !was_freed(&w, bid));
	CHECK_EQ(rgc_generation(&a->gc), 2);
	CHECK_EQ(w.gc.stats[2].collections, 2);
	CHECK_EQ(rgc_collect_resume(&w.gc, &res), -EINVAL);
	/* Let go: finalized already, so the next collection frees them. */
	hobj_unlink(&w, n, 0);
	hobj_decref(&w, n);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 2);
	CHECK(was_freed(&w, aid) && was_freed(&w, bid));

	/*
	 * c (finalizer) <-> d: the finalizer breaks the cycle, so both die
	 * by refcount before the collection resumes: nothing left to clear.
	 */
	c = new_cycle2(&w, HOBJ_FINALIZER, 0, &d);
	cid = c->id;
	did = d->id;
	hobj_decref(&w, c);
	hobj_decref(&w, d);
	CHECK_EQ(rgc_collect_begin(&w.gc, 0, &res, true), RGC_SUSPENDED);
	hobj_unlink(&w, d, 0);
	hw_fin_drain(&w);
	CHECK(was_freed(&w, cid) && was_freed(&w, did));
	CHECK_EQ(rgc_collect_resume(&w.gc, &res), 0);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.gc.stats[0].collections, 1);
	finish(&w, true);
}
