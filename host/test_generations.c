// SPDX-License-Identifier: GPL-2.0
/*
 * test_generations.c - generations: when a collection is due, the counts
 * and stats each collection updates, survivors moving up, the automatic
 * choice of generation (long-lived pending / total), freeze and unfreeze.
 */
#include <stdlib.h>

#include <linux/errno.h>

#include "test.h"

static struct hobj **new_objs(struct hworld *w, unsigned long n)
{
	struct hobj **v = calloc(n ? n : 1, sizeof(*v));
	unsigned long i;

	if (!v)
		abort();
	for (i = 0; i < n; i++)
		v[i] = hobj_new(w, 0);
	return v;
}

static void put_objs(struct hworld *w, struct hobj **v, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		hobj_decref(w, v[i]);
	free(v);
}

struct reentry {
	int collect_err;
	bool due;
	int calls;
};

static void reentry_hook(struct hworld *w, enum hev type, struct hobj *o)
{
	struct reentry *r = w->hook_arg;
	struct rgc_result res;

	if (type != HEV_FINALIZE || !o)
		return;
	r->calls++;
	r->collect_err = rgc_collect(&w->gc, 0, &res);
	w->gc.gen[0].count = 1000;
	r->due = rgc_collection_due(&w->gc);
}

void test_gen_due(void)
{
	struct hworld w;
	struct hobj **v, *a, *b;
	struct reentry r = { 0 };
	struct rgc_result res;

	hw_init(&w);
	CHECK_EQ(w.gc.gen[0].threshold, 700);
	CHECK_EQ(w.gc.gen[1].threshold, 10);
	CHECK_EQ(w.gc.gen[2].threshold, 10);
	v = new_objs(&w, 700);
	CHECK_EQ(w.gc.gen[0].count, 700);
	CHECK(!rgc_collection_due(&w.gc));
	a = hobj_new(&w, 0);
	CHECK_EQ(w.gc.gen[0].count, 701);
	CHECK(rgc_collection_due(&w.gc));
	CHECK_EQ(rgc_auto_generation(&w.gc), 0);
	w.gc.enabled = false;
	CHECK(!rgc_collection_due(&w.gc));
	w.gc.enabled = true;
	w.gc.gen[0].threshold = 0;
	CHECK(!rgc_collection_due(&w.gc));
	w.gc.gen[0].threshold = 700;

	/* A deallocation counts -1. */
	hobj_decref(&w, a);
	CHECK_EQ(w.gc.gen[0].count, 700);
	CHECK(!rgc_collection_due(&w.gc));

	/* Untracked objects count nothing. */
	a = hobj_new(&w, HOBJ_UNTRACKED);
	CHECK_EQ(w.gc.gen[0].count, 700);
	hobj_decref(&w, a);
	CHECK_EQ(w.gc.gen[0].count, 700);

	/* Not below zero. */
	collect(&w, 0);
	CHECK_EQ(w.gc.gen[0].count, 0);
	put_objs(&w, v, 700);
	CHECK_EQ(w.gc.gen[0].count, 0);
	CHECK_EQ(w.nlive, 0);

	/* During a collection: not due, and no second collection. */
	w.hook = reentry_hook;
	w.hook_arg = &r;
	a = new_cycle2(&w, HOBJ_FINALIZER, 0, &b);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	res = collect(&w, 2);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.collect_err, -EBUSY);
	CHECK(!r.due);
	CHECK(rgc_collection_due(&w.gc));	/* count0 = 1000 from the hook */
	CHECK_EQ(res.collected, 0);		/* resurrected */
	CHECK_EQ(w.gc.stats[0].collections, 1);
	w.hook = NULL;

	/* Bad generations. */
	CHECK_EQ(rgc_collect(&w.gc, -1, &res), -EINVAL);
	CHECK_EQ(rgc_collect(&w.gc, 3, &res), -EINVAL);
	CHECK_EQ(res.generation, 3);
	CHECK_EQ(w.gc.gen[0].count, 1000);
	finish(&w, true);
}

void test_gen_counts(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj **v;
	int i;

	hw_init(&w);
	v = new_objs(&w, 5);
	CHECK_EQ(w.gc.gen[0].count, 5);
	for (i = 1; i <= 3; i++) {
		res = collect(&w, 0);
		CHECK_EQ(res.generation, 0);
		CHECK_EQ(w.gc.gen[0].count, 0);
		CHECK_EQ(w.gc.gen[1].count, i);
		CHECK_EQ(w.gc.gen[2].count, 0);
		CHECK_EQ(w.gc.stats[0].collections, i);
	}
	w.gc.gen[0].count = 7;
	res = collect(&w, 1);
	CHECK_EQ(res.generation, 1);
	CHECK_EQ(w.gc.gen[0].count, 0);
	CHECK_EQ(w.gc.gen[1].count, 0);
	CHECK_EQ(w.gc.gen[2].count, 1);
	CHECK_EQ(w.gc.stats[1].collections, 1);
	collect(&w, 0);
	collect(&w, 1);
	CHECK_EQ(w.gc.gen[1].count, 0);
	CHECK_EQ(w.gc.gen[2].count, 2);
	w.gc.gen[0].count = 3;
	w.gc.gen[1].count = 4;
	res = collect(&w, 2);
	CHECK_EQ(res.generation, 2);
	CHECK_EQ(w.gc.gen[0].count, 0);
	CHECK_EQ(w.gc.gen[1].count, 0);
	CHECK_EQ(w.gc.gen[2].count, 0);
	CHECK_EQ(w.gc.stats[0].collections, 4);
	CHECK_EQ(w.gc.stats[1].collections, 2);
	CHECK_EQ(w.gc.stats[2].collections, 1);
	CHECK_EQ(w.gc.stats[2].visited, 5);
	CHECK(w.gc.stats[2].max_ns <= w.gc.stats[2].total_ns);
	put_objs(&w, v, 5);
	finish(&w, true);
}

void test_gen_promotion(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj **v, *x, *y, *z;
	int i;

	hw_init(&w);
	v = new_objs(&w, 10);
	for (i = 0; i < 10; i++)
		CHECK_EQ(rgc_generation(&v[i]->gc), 0);
	res = collect(&w, 0);
	CHECK_EQ(res.visited, 10);
	CHECK_EQ(rgc_gen_size(&w.gc, 0), 0);
	CHECK_EQ(rgc_gen_size(&w.gc, 1), 10);
	for (i = 0; i < 10; i++)
		CHECK_EQ(rgc_generation(&v[i]->gc), 1);

	/* A garbage cycle in generation 1 survives a gen-0 collection. */
	x = new_cycle2(&w, 0, 0, &y);
	collect(&w, 0);
	hobj_decref(&w, x);
	hobj_decref(&w, y);
	/* A young object kept only by an old one is not collected. */
	z = hobj_new(&w, 0);
	hobj_link(&w, v[0], z);
	hobj_decref(&w, z);
	res = collect(&w, 0);
	CHECK_EQ(res.visited, 1);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(rgc_generation(&x->gc), 1);
	CHECK_EQ(rgc_generation(&z->gc), 1);
	CHECK_EQ(rgc_gen_size(&w.gc, 1), 13);

	res = collect(&w, 1);
	CHECK_EQ(res.visited, 13);
	CHECK_EQ(res.collected, 2);		/* x, y */
	CHECK_EQ(rgc_gen_size(&w.gc, 1), 0);
	CHECK_EQ(rgc_gen_size(&w.gc, 2), 11);
	for (i = 0; i < 10; i++)
		CHECK_EQ(rgc_generation(&v[i]->gc), 2);
	CHECK_EQ(rgc_generation(&z->gc), 2);
	res = collect(&w, 2);
	CHECK_EQ(res.visited, 11);
	CHECK_EQ(rgc_gen_size(&w.gc, 2), 11);
	CHECK_EQ(rgc_generation(&v[3]->gc), 2);
	CHECK_EQ(rgc_gen_size(&w.gc, 7), 0);
	CHECK_EQ(rgc_gen_size(&w.gc, -1), 0);

	/* The stats add up. */
	CHECK_EQ(w.gc.stats[1].collected, 2);
	CHECK_EQ(w.gc.stats[0].collected, 0);
	CHECK_EQ(w.gc.stats[0].visited, 10 + 2 + 1);
	put_objs(&w, v, 10);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(rgc_generation(&((struct hobj){ 0 }).gc), -1);
	finish(&w, true);
}

void test_gen_auto(void)
{
	struct hworld w;
	struct hobj **v;
	unsigned long i, n = 133 * 701;
	int gen;

	hw_init(&w);
	CHECK_EQ(rgc_auto_generation(&w.gc), -1);
	w.gc.gen[0].count = 701;
	CHECK_EQ(rgc_auto_generation(&w.gc), 0);
	w.gc.gen[1].count = 11;
	CHECK_EQ(rgc_auto_generation(&w.gc), 1);
	w.gc.gen[0].count = 0;
	CHECK_EQ(rgc_auto_generation(&w.gc), 1);	/* oldest due, any count0 */
	w.gc.gen[1].count = 10;
	CHECK_EQ(rgc_auto_generation(&w.gc), -1);
	w.gc.gen[2].count = 11;
	CHECK_EQ(rgc_auto_generation(&w.gc), 2);	/* 0 >= 0 / 4 */
	w.gc.long_lived_total = 100;
	w.gc.long_lived_pending = 24;
	CHECK_EQ(rgc_auto_generation(&w.gc), -1);	/* 24 < 25 */
	w.gc.gen[1].count = 11;
	CHECK_EQ(rgc_auto_generation(&w.gc), 1);
	w.gc.long_lived_pending = 25;
	CHECK_EQ(rgc_auto_generation(&w.gc), 2);
	w.gc.gen[2].count = 10;
	CHECK_EQ(rgc_auto_generation(&w.gc), 1);
	hw_fini(&w);

	/*
	 * Allocate as the kernel client does, collecting whenever due:
	 * generation 1 every 12th collection (count1 reaching 11), and
	 * generation 2 at the 133rd, the first after count2 reached 11
	 * (long_lived_total still 0, so pending >= total / 4).
	 */
	hw_init(&w);
	v = calloc(n, sizeof(*v));
	if (!v)
		abort();
	for (i = 0; i < n; i++) {
		v[i] = hobj_new(&w, 0);
		if (!rgc_collection_due(&w.gc))
			continue;
		CHECK_EQ((i + 1) % 701, 0);
		gen = rgc_auto_generation(&w.gc);
		CHECK_EQ(gen, (i + 1) / 701 == 133 ? 2 :
			 (i + 1) / 701 % 12 == 0 ? 1 : 0);
		collect(&w, gen);
		if (gen == 1)
			CHECK_EQ(w.gc.long_lived_pending, (i + 1) / 701 * 701);
	}
	CHECK_EQ(w.gc.stats[0].collections, 121);
	CHECK_EQ(w.gc.stats[1].collections, 11);
	CHECK_EQ(w.gc.stats[2].collections, 1);
	CHECK_EQ(w.gc.long_lived_total, n);
	CHECK_EQ(w.gc.long_lived_pending, 0);
	CHECK_EQ(rgc_gen_size(&w.gc, 2), n);

	/* Now gen 2 waits for pending >= total / 4, however high count2. */
	w.gc.gen[2].count = 50;
	w.gc.gen[1].count = 11;
	CHECK_EQ(rgc_auto_generation(&w.gc), 1);
	w.gc.long_lived_pending = n / 4;
	CHECK_EQ(rgc_auto_generation(&w.gc), 2);
	free(v);
	finish(&w, false);
}

/*
 * CPython 3.11 collects inside the allocation that makes count0 exceed
 * threshold0, before tracking the new object: 1 + 1000 allocations that
 * survive leave get_count() at (300, 1, 0), with 301 objects in
 * generation 0 and 700 in generation 1.
 */
void test_gen_cadence(void)
{
	struct hworld w;
	struct hobj *o, *first = NULL;
	unsigned long i;
	int due = 0;

	hw_init(&w);
	for (i = 0; i < 1001; i++) {
		o = hobj_new(&w, HOBJ_UNTRACKED);
		if (!rgc_track_auto(&w.gc, &o->gc))
			continue;
		due++;
		CHECK_EQ(i, 700);
		first = o;
		/* Deferred: tracked, generation 0, not on its list yet. */
		CHECK_EQ(rgc_generation(&o->gc), 0);
		CHECK_EQ(rgc_gen_size(&w.gc, 0), 700);
		CHECK_EQ(rgc_auto_generation(&w.gc), 0);
		collect(&w, 0);
		CHECK_EQ(rgc_gen_size(&w.gc, 0), 1);
		CHECK_EQ(rgc_gen_size(&w.gc, 1), 700);
		CHECK_EQ(w.gc.gen[0].count, 0);
	}
	CHECK_EQ(due, 1);
	CHECK_EQ(w.gc.gen[0].count, 300);
	CHECK_EQ(w.gc.gen[1].count, 1);
	CHECK_EQ(w.gc.gen[2].count, 0);
	CHECK_EQ(rgc_gen_size(&w.gc, 0), 301);
	CHECK_EQ(rgc_gen_size(&w.gc, 1), 700);
	/* It heads generation 0: it was tracked right after the collection. */
	CHECK(first && w.gc.gen[0].head.next == &first->gc.node);

	/* A deferred object that nobody collects for joins gen 0 on a flush. */
	w.gc.gen[0].threshold = 300;
	o = hobj_new(&w, HOBJ_UNTRACKED);
	CHECK(rgc_track_auto(&w.gc, &o->gc));
	CHECK_EQ(rgc_gen_size(&w.gc, 0), 301);
	rgc_flush_deferred(&w.gc);
	CHECK_EQ(rgc_gen_size(&w.gc, 0), 302);
	CHECK_EQ(w.gc.gen[0].count, 301);
	finish(&w, false);
}

void test_gen_freeze(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *c, *x, *y;
	unsigned long xid, yid;

	hw_init(&w);
	w.logging = true;
	a = hobj_new(&w, 0);
	collect(&w, 1);				/* a: gen 2 */
	b = hobj_new(&w, 0);
	collect(&w, 0);				/* b: gen 1 */
	x = new_cycle2(&w, 0, 0, &y);		/* x, y: gen 0 garbage */
	xid = x->id;
	yid = y->id;
	hobj_decref(&w, x);
	hobj_decref(&w, y);
	w.gc.gen[1].count = 5;
	w.gc.gen[2].count = 6;
	CHECK_EQ(w.gc.gen[0].count, 2);

	rgc_freeze(&w.gc);
	CHECK_EQ(rgc_gen_size(&w.gc, RGC_GEN_PERMANENT), 4);
	CHECK_EQ(rgc_gen_size(&w.gc, 0) + rgc_gen_size(&w.gc, 1) +
		 rgc_gen_size(&w.gc, 2), 0);
	CHECK_EQ(rgc_generation(&a->gc), RGC_GEN_PERMANENT);
	CHECK_EQ(rgc_generation(&b->gc), RGC_GEN_PERMANENT);
	CHECK_EQ(rgc_generation(&x->gc), RGC_GEN_PERMANENT);
	/* gc.freeze() in 3.11 resets every count. */
	CHECK_EQ(w.gc.gen[0].count, 0);
	CHECK_EQ(w.gc.gen[1].count, 0);
	CHECK_EQ(w.gc.gen[2].count, 0);

	/* Frozen garbage is never collected. */
	res = collect(&w, 2);
	CHECK_EQ(res.visited, 0);
	CHECK_EQ(res.collected, 0);
	CHECK(!was_freed(&w, xid));
	c = hobj_new(&w, 0);
	CHECK_EQ(rgc_generation(&c->gc), 0);

	rgc_unfreeze(&w.gc);
	CHECK_EQ(rgc_gen_size(&w.gc, RGC_GEN_PERMANENT), 0);
	CHECK_EQ(rgc_gen_size(&w.gc, 2), 4);
	CHECK_EQ(rgc_generation(&a->gc), 2);
	CHECK_EQ(rgc_generation(&y->gc), 2);
	CHECK_EQ(rgc_generation(&c->gc), 0);
	res = collect(&w, 2);
	CHECK_EQ(res.visited, 5);
	CHECK_EQ(res.collected, 2);
	CHECK(was_freed(&w, xid) && was_freed(&w, yid));

	/* A frozen object can still die by refcount. */
	rgc_freeze(&w.gc);
	hobj_decref(&w, b);
	CHECK_EQ(rgc_gen_size(&w.gc, RGC_GEN_PERMANENT), 2);
	hobj_decref(&w, a);
	hobj_decref(&w, c);
	CHECK_EQ(rgc_gen_size(&w.gc, RGC_GEN_PERMANENT), 0);
	finish(&w, true);
}

/* A ring of @n new objects; only the first keeps its handle if @keep. */
static struct hobj *ring(struct hworld *w, unsigned long n, bool keep)
{
	struct hobj **v = new_objs(w, n);
	struct hobj *first = v[0];
	unsigned long i;

	for (i = 0; i < n; i++)
		hobj_link(w, v[i], v[(i + 1) % n]);
	for (i = keep ? 1 : 0; i < n; i++)
		hobj_decref(w, v[i]);
	free(v);
	return keep ? first : NULL;
}

/*
 * A collection reports how long finding its roots and its reachability
 * walk took, parts of its duration; each generation keeps the split of
 * its longest collection.
 */
void test_gen_phase_times(void)
{
	struct rgc_result big, small;
	struct hworld w;
	struct hobj *live;

	hw_init(&w);
	live = ring(&w, 20000, true);
	ring(&w, 20000, false);
	big = collect(&w, 2);
	CHECK_EQ(big.collected, 20000);
	CHECK(big.roots_ns > 0);
	CHECK(big.move_ns > 0);
	CHECK(big.roots_ns + big.move_ns <= big.duration_ns);
	CHECK_EQ(w.gc.stats[2].max_ns, big.duration_ns);
	CHECK_EQ(w.gc.max_roots_ns[2], big.roots_ns);
	CHECK_EQ(w.gc.max_move_ns[2], big.move_ns);

	/* The split follows the longest collection only. */
	small = collect(&w, 2);
	CHECK(small.roots_ns + small.move_ns <= small.duration_ns);
	if (small.duration_ns > big.duration_ns)
		big = small;
	CHECK_EQ(w.gc.max_roots_ns[2], big.roots_ns);
	CHECK_EQ(w.gc.max_move_ns[2], big.move_ns);

	/* Another generation's collections keep their own. */
	small = collect(&w, 0);
	CHECK_EQ(w.gc.max_roots_ns[0], small.roots_ns);
	CHECK_EQ(w.gc.max_move_ns[0], small.move_ns);
	CHECK_EQ(w.gc.max_roots_ns[2], big.roots_ns);
	CHECK_EQ(w.gc.max_roots_ns[1], 0);
	CHECK_EQ(w.gc.max_move_ns[1], 0);

	hobj_decref(&w, live);
	collect(&w, 2);
	finish(&w, true);
}
