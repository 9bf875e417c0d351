// SPDX-License-Identifier: GPL-2.0
/*
 * test_anchor.c - anchors (module/gc_anchor.c): the objects that cut a
 * generation's list into segments for the passes that walk it side by
 * side.  An anchor must stay a node of its generation's list, in order,
 * until it leaves it: these tests make anchors, then take every way out
 * (death, a finalizer's retrack, freezing, the generation's collection)
 * and check the arrays against the lists after each.  A stale anchor
 * would send a walker off into freed memory or another list; AddressSanitizer
 * and gc.verify_roots (which checks the cut and the count) watch for that.
 */
#include "test.h"

/* Every generation's anchors are its list's flagged nodes, in order. */
static void check_anchors(struct hworld *w)
{
	struct rgc_head *op;
	int g;

	for (g = 0; g < RGC_NUM_GENERATIONS; g++) {
		const struct rgc_anchors *an = &w->gc.anchors[g];
		u32 c = 0;

		CHECK(an->nr <= RGC_ANCHORS);
		list_for_each_entry(op, &w->gc.gen[g].head, node) {
			if (!(op->flags & RGC_F_ANCHOR))
				continue;
			CHECK(c < an->nr && an->at[c] == op);
			c++;
		}
		CHECK_EQ(c, an->nr);
	}
	CHECK_EQ(w->gc.anchors[0].nr, 0);
	list_for_each_entry(op, &w->gc.permanent.head, node)
		CHECK(!(op->flags & RGC_F_ANCHOR));
	list_for_each_entry(op, &w->gc.deferred, node)
		CHECK(!(op->flags & RGC_F_ANCHOR));
}

static void set_stride(struct hworld *w, u32 stride)
{
	int g;

	w->gc.anchor_stride = stride;
	for (g = 0; g < RGC_NUM_GENERATIONS; g++) {
		w->gc.anchors[g].stride = stride;
		w->gc.anchors[g].left = stride - 1;
	}
}

#define N	(3 * RGC_ANCHORS)

void test_anchors(void)
{
	struct hobj *o[N], *f;
	struct hworld w;
	int i;

	hw_init(&w);
	hw_set_fast(&w, HW_FAST_ROOTS | HW_FAST_SLOTS | HW_FAST_REMEMBER);
	w.gc.verify_roots = true;
	set_stride(&w, 1);
	/* N / 2 cycles of two; the test holds every object. */
	for (i = 0; i < N; i += 2)
		o[i] = new_cycle2(&w, 0, 0, &o[i + 1]);
	check_anchors(&w);
	CHECK_EQ(collect(&w, 0).collected, 0);
	/* Every survivor was an anchor of generation 1, then thinned. */
	CHECK(w.gc.anchors[1].nr > RGC_ANCHORS / 2);
	CHECK(w.gc.anchors[1].stride > 1);
	check_anchors(&w);
	CHECK_EQ(collect(&w, 1).collected, 0);
	CHECK_EQ(w.gc.anchors[1].nr, 0);
	CHECK(w.gc.anchors[2].nr > RGC_ANCHORS / 2);
	check_anchors(&w);

	/* Anchors die in a collection of their generation. */
	for (i = 0; i < N / 2; i++)
		hobj_decref(&w, o[i]);
	CHECK_EQ(collect(&w, 2).collected, N / 2);
	check_anchors(&w);
	for (i = N / 2; i < N; i++)
		hobj_decref(&w, o[i]);
	CHECK_EQ(collect(&w, 2).collected, N / 2);
	CHECK_EQ(w.gc.anchors[2].nr, 0);

	/* ... and by refcount, between collections. */
	for (i = 0; i < 16; i++)
		o[i] = hobj_new(&w, 0);
	f = hobj_new(&w, HOBJ_FINALIZER);
	CHECK_EQ(collect(&w, 2).collected, 0);
	CHECK_EQ(w.gc.anchors[2].nr, 17);	/* stride 1, 17 survivors */
	for (i = 0; i < 16; i += 2)
		hobj_decref(&w, o[i]);
	CHECK_EQ(w.gc.anchors[2].nr, 9);
	check_anchors(&w);

	/* A finalizer's retrack moves an anchor to generation 0. */
	CHECK(f->gc.flags & RGC_F_ANCHOR);
	hobj_decref(&w, f);	/* finalized, resurrected by the queue */
	CHECK_EQ(rgc_generation(&f->gc), 0);
	CHECK(!(f->gc.flags & RGC_F_ANCHOR));
	CHECK_EQ(w.gc.anchors[2].nr, 8);
	check_anchors(&w);
	hw_fin_drain(&w);

	/*
	 * A weakref to cyclic garbage, with a callback: the anchors of the
	 * collection that clears it stay in list order.  (The kernel's
	 * client also moves such a weakref off its list for the callback,
	 * rgc_hold_callback(); kselftest dbg.anchor_weakref_held_for_callback
	 * covers that, as hobj calls callbacks itself.)
	 */
	o[0] = hobj_new(&w, 0);
	hobj_link(&w, o[0], o[0]);
	f = hobj_weakref(&w, o[0], true);
	o[2] = hobj_new(&w, 0);
	set_stride(&w, 1);
	CHECK_EQ(collect(&w, 2).collected, 0);
	CHECK(f->gc.flags & RGC_F_ANCHOR);
	CHECK(o[2]->gc.flags & RGC_F_ANCHOR);
	hobj_decref(&w, o[0]);
	CHECK_EQ(collect(&w, 2).collected, 1);	/* f moved to the tail */
	CHECK_EQ(w.gc.anchors[2].nr, 10);
	check_anchors(&w);
	hobj_decref(&w, f);
	hobj_decref(&w, o[2]);
	check_anchors(&w);

	/* Freezing drops them; nothing is anchored while frozen. */
	for (i = 0; i < 16; i += 2)
		o[i] = hobj_new(&w, 0);
	CHECK_EQ(collect(&w, 0).collected, 0);
	CHECK(w.gc.anchors[1].nr > 0);
	rgc_freeze(&w.gc);
	CHECK_EQ(w.gc.anchors[1].nr + w.gc.anchors[2].nr, 0);
	check_anchors(&w);
	rgc_unfreeze(&w.gc);
	CHECK_EQ(collect(&w, 2).collected, 0);
	CHECK_EQ(w.gc.anchors[2].nr, 16);
	check_anchors(&w);
	for (i = 0; i < 16; i++)
		hobj_decref(&w, o[i]);
	CHECK_EQ(w.gc.anchors[2].nr, 0);
	CHECK_EQ(w.gc.roots_wrong, 0);
	finish(&w, true);
}
