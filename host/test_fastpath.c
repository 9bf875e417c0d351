// SPDX-License-Identifier: GPL-2.0
/*
 * test_fastpath.c - the optional fast paths of struct rgc_ops against the
 * paths they replace: roots taken from ops->external() instead of
 * counting (full collections only), and the slot array read in place
 * instead of ops->traverse.
 *
 * The same scenario runs in two worlds, one on hobj_ops and one with
 * hw_set_fast(); each step must give the same result, the same events
 * (but for HEV_TRAVERSE, which only ops->traverse logs), and every
 * generation's list in the same order, since the order decides the order
 * of finalizers, callbacks and frees in the next collection.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

/* ---- two worlds, one scenario ---------------------------------------- */

#define FMAX	40

/* A private generator: both worlds must see the same scenario. */
static u64 frnd_state;

static unsigned int frnd(unsigned int n)
{
	u64 z = (frnd_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31)) % n;
}

struct fworld {
	struct hworld w;
	struct hobj *obj[FMAX];
	unsigned int handles[FMAX];
};

static void fw_hook(struct hworld *w, enum hev type, struct hobj *o)
{
	struct fworld *fw = w->hook_arg;

	if (type == HEV_FREE && o->tag < FMAX && fw->obj[o->tag] == o)
		fw->obj[o->tag] = NULL;
}

static void fw_init(struct fworld *fw, unsigned int fast, bool verify)
{
	memset(fw, 0, sizeof(*fw));
	hw_init(&fw->w);
	hw_set_fast(&fw->w, fast);
	fw->w.gc.verify_roots = verify;
	fw->w.gc.enabled = false;
	fw->w.logging = true;
	fw->w.hook = fw_hook;
	fw->w.hook_arg = fw;
}

/* The events but HEV_TRAVERSE, as one comparable sequence. */
static bool same_log(const struct hworld *a, const struct hworld *b)
{
	unsigned long i = 0, j = 0;

	for (;;) {
		while (i < a->nlog && a->log[i].type == HEV_TRAVERSE)
			i++;
		while (j < b->nlog && b->log[j].type == HEV_TRAVERSE)
			j++;
		if (i == a->nlog || j == b->nlog)
			return i == a->nlog && j == b->nlog;
		if (a->log[i].type != b->log[j].type ||
		    a->log[i].id != b->log[j].id)
			return false;
		i++;
		j++;
	}
}

static struct list_head *gen_list(struct hworld *w, int g)
{
	return g == RGC_GEN_PERMANENT ? &w->gc.permanent.head :
					&w->gc.gen[g].head;
}

/* Every generation holds the same objects (by id) in the same order. */
static bool same_order(struct hworld *a, struct hworld *b)
{
	int g;

	for (g = 0; g <= RGC_GEN_PERMANENT; g++) {
		struct list_head *la = gen_list(a, g), *lb = gen_list(b, g);
		struct list_head *pa = la->next, *pb = lb->next;

		for (; pa != la && pb != lb; pa = pa->next, pb = pb->next)
			if (hobj_of(list_entry(pa, struct rgc_head, node))->id !=
			    hobj_of(list_entry(pb, struct rgc_head, node))->id)
				return false;
		if (pa != la || pb != lb)
			return false;
	}
	return true;
}

static bool same_world(struct fworld *a, struct fworld *b)
{
	bool ok = true;
	int i;

	ok &= CHECK_EQ(a->w.nlive, b->w.nlive);
	ok &= CHECK_EQ(a->w.ngarbage, b->w.ngarbage);
	ok &= CHECK_EQ(a->w.nfin, b->w.nfin);
	ok &= CHECK(same_log(&a->w, &b->w));
	ok &= CHECK(same_order(&a->w, &b->w));
	for (i = 0; i < FMAX; i++) {
		ok &= CHECK_EQ(!a->obj[i], !b->obj[i]);
		if (a->obj[i] && b->obj[i])
			ok &= CHECK_EQ(a->obj[i]->gc.refcnt,
				       b->obj[i]->gc.refcnt);
	}
	return ok;
}

static bool same_result(const struct rgc_result *a,
			const struct rgc_result *b)
{
	return CHECK_EQ(a->collected, b->collected) &
	       CHECK_EQ(a->uncollectable, b->uncollectable) &
	       CHECK_EQ(a->visited, b->visited);
}

/* One step of a scenario, applied to one world; returns a result. */
enum fstep { F_COLLECT, F_DROP, F_UNLINK, F_FIN_DRAIN, F_GARBAGE,
	     F_FREEZE, F_UNFREEZE, F_MODE, F_LINK, F_NSTEPS };

static void fw_step(struct fworld *fw, enum fstep step, unsigned int arg,
		    unsigned int arg2, struct rgc_result *res)
{
	struct hworld *w = &fw->w;
	struct hobj *o = fw->obj[arg % FMAX];

	memset(res, 0, sizeof(*res));
	switch (step) {
	case F_COLLECT:
		*res = collect(w, arg % 3);
		break;
	case F_DROP:
		if (o && fw->handles[arg % FMAX]) {
			fw->handles[arg % FMAX]--;
			hobj_decref(w, o);
		}
		break;
	case F_UNLINK:
		if (o && o->nslots)
			hobj_unlink(w, o, arg2 % o->nslots);
		break;
	case F_FIN_DRAIN:
		hw_fin_drain(w);
		break;
	case F_GARBAGE:
		hw_garbage_clear(w);
		break;
	case F_FREEZE:
		rgc_freeze(&w->gc);
		break;
	case F_UNFREEZE:
		rgc_unfreeze(&w->gc);
		break;
	case F_LINK:
		/* Between collections: older to younger, frozen, deferred. */
		if (o && !(o->flags & HOBJ_WEAKREF) &&
		    fw->obj[(arg + arg2 + 1) % FMAX])
			hobj_link(w, o, fw->obj[(arg + arg2 + 1) % FMAX]);
		break;
	case F_MODE:
		w->gc.legacy_finalizers = arg & 1;
		w->gc.debug = arg & 2 ? RGC_DEBUG_SAVEALL : 0;
		w->fin_resurrect = !(arg & 4);
		break;
	default:
		break;
	}
}

/*
 * Build a random graph in @fw from frnd_state: containers (some with
 * finalizers), untracked leaves that may hold references too, weakrefs
 * with and without callbacks; objects spread over the generations by
 * collections between batches; some objects keep extra handles.
 */
static int fw_build(struct fworld *fw, unsigned int seed_n)
{
	struct hworld *w = &fw->w;
	int n = 1 + frnd(seed_n), i, j, k;
	struct rgc_result res;

	for (i = 0; i < n; i++) {
		unsigned int kind = frnd(10);

		if (kind == 0 && i) {
			j = frnd(i);
			if (fw->obj[j] && !(fw->obj[j]->flags & HOBJ_WEAKREF))
				fw->obj[i] = hobj_weakref(w, fw->obj[j],
							  frnd(2));
		}
		if (!fw->obj[i])
			fw->obj[i] = hobj_new(w, kind == 1 ? HOBJ_FINALIZER :
					      kind == 2 ? HOBJ_UNTRACKED : 0);
		fw->obj[i]->tag = i;
		fw->handles[i] = 1;
		if (frnd(4) == 0) {
			fw->handles[i]++;
			hobj_incref(fw->obj[i]);
		}
		if (frnd(8) == 0)
			CHECK_EQ(rgc_collect(&w->gc, frnd(2), &res), 0);
	}
	k = frnd(3 * n + 1);
	while (k--) {
		i = frnd(n);
		j = frnd(n);
		if (!(fw->obj[i]->flags & HOBJ_WEAKREF))
			hobj_link(w, fw->obj[i], fw->obj[j]);
	}
	return n;
}

/*
 * @rounds random scenarios, each run in a hobj_ops world and in a world
 * with @fast (and gc.verify_roots = @verify), compared step by step.
 */
static void compare_worlds(unsigned int fast, bool verify,
			   unsigned long rounds)
{
	struct fworld *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	unsigned long r, taken = 0;

	if (!CHECK(a && b))
		goto out;
	for (r = 0; r < rounds && !check_failures; r++) {
		u64 seed = rng_state + r * 7919;
		int n, s, nsteps;

		fw_init(a, 0, false);
		fw_init(b, fast, verify);
		frnd_state = seed;
		n = fw_build(a, FMAX);
		frnd_state = seed;
		CHECK_EQ(fw_build(b, FMAX), n);
		same_world(a, b);
		nsteps = 2 * n + frnd(20);
		for (s = 0; s < nsteps && !check_failures; s++) {
			enum fstep step = frnd(4) ? F_DROP : frnd(F_NSTEPS);
			unsigned int arg = frnd(n), arg2 = frnd(8);
			struct rgc_result ra, rb;

			if (step == F_DROP && frnd(3) == 0)
				step = F_COLLECT;
			if (step == F_COLLECT)
				arg = frnd(4) ? 2 : frnd(2);
			if (step == F_MODE)
				arg = frnd(8);
			fw_step(a, step, arg, arg2, &ra);
			fw_step(b, step, arg, arg2, &rb);
			same_result(&ra, &rb);
			if (!same_world(a, b))
				printf("#   round %lu step %d (%d, %u)\n", r, s,
				       step, arg);
		}
		/* Whatever is left but the roots' handles goes. */
		for (s = 0; s < 3; s++) {
			struct rgc_result ra, rb;

			fw_step(a, F_UNFREEZE, 0, 0, &ra);
			fw_step(b, F_UNFREEZE, 0, 0, &rb);
			fw_step(a, F_MODE, 0, 0, &ra);
			fw_step(b, F_MODE, 0, 0, &rb);
			fw_step(a, F_GARBAGE, 0, 0, &ra);
			fw_step(b, F_GARBAGE, 0, 0, &rb);
			fw_step(a, F_FIN_DRAIN, 0, 0, &ra);
			fw_step(b, F_FIN_DRAIN, 0, 0, &rb);
			fw_step(a, F_COLLECT, 2, 0, &ra);
			fw_step(b, F_COLLECT, 2, 0, &rb);
			same_result(&ra, &rb);
			same_world(a, b);
		}
		CHECK_EQ(a->w.errors, 0);
		CHECK_EQ(b->w.errors, 0);
		CHECK_EQ(a->w.gc.roots_taken, 0);
		CHECK_EQ(b->w.gc.roots_wrong, 0);
		if (!(fast & HW_FAST_ROOTS))
			CHECK_EQ(b->w.gc.roots_taken, 0);
		taken += b->w.gc.roots_taken;
		hw_fini(&a->w);
		hw_fini(&b->w);
	}
	/* The fast path did run (the last step collects generation 2). */
	if (fast & HW_FAST_ROOTS)
		CHECK(taken >= rounds);
out:
	free(a);
	free(b);
}

void test_fast_same_result(void)
{
	unsigned long rounds = graph_args_graphs / 20 + 1;

	compare_worlds(HW_FAST_ROOTS, true, rounds);
	compare_worlds(HW_FAST_ROOTS, false, rounds);
	compare_worlds(HW_FAST_ROOTS | HW_FAST_SLOTS, true, rounds);
	compare_worlds(HW_FAST_ROOTS | HW_FAST_SLOTS, false, rounds);
	compare_worlds(HW_FAST_ROOTS | HW_FAST_REMEMBER, true, rounds);
	compare_worlds(HW_FAST_ROOTS | HW_FAST_SLOTS | HW_FAST_REMEMBER, true,
		       rounds);
	compare_worlds(HW_FAST_ROOTS | HW_FAST_SLOTS | HW_FAST_REMEMBER, false,
		       rounds);
}

void test_fast_slots(void)
{
	struct hworld w;
	struct hobj *a, *b, *c;
	unsigned long traversed;

	compare_worlds(HW_FAST_SLOTS, false, graph_args_graphs / 20 + 1);

	/* The core does not call ops->traverse at all any more. */
	hw_init(&w);
	hw_set_fast(&w, HW_FAST_SLOTS);
	w.logging = true;
	a = new_cycle2(&w, 0, 0, &b);
	c = hobj_new(&w, HOBJ_FINALIZER);
	hobj_link(&w, a, c);
	hobj_link(&w, c, c);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	hobj_decref(&w, c);
	w.gc.legacy_finalizers = true;	/* move_legacy_finalizer_reachable */
	collect(&w, 2);
	CHECK_EQ(w.ngarbage, 1);
	w.gc.legacy_finalizers = false;
	collect(&w, 0);
	traversed = w.count[HEV_TRAVERSE];
	CHECK_EQ(traversed, 0);
	finish(&w, true);
}

/* The ids of generation @g, in list order, into @ids; returns how many. */
static int gen_ids(struct hworld *w, int g, unsigned long *ids, int max)
{
	struct rgc_head *op;
	int n = 0;

	list_for_each_entry(op, gen_list(w, g), node)
		if (n < max)
			ids[n++] = hobj_of(op)->id;
	return n;
}

/* Generation 2 is [@x, @y, @z], by id. */
static bool gen2_is(struct hworld *w, unsigned long x, unsigned long y,
		    unsigned long z)
{
	unsigned long ids[4];

	return gen_ids(w, 2, ids, 4) == 3 && ids[0] == x && ids[1] == y &&
	       ids[2] == z;
}

/*
 * Generation 2 holds [b, c, r]: r is the only root, r -> c -> b.  b and
 * c have gc_refs 0 and go to the unreachable list, until r's traversal
 * brings c back to the tail of the young list, and c's then b.  CPython
 * leaves [r, c, b]; taking roots must too.
 */
void test_fast_reorder(void)
{
	unsigned int fast;

	for (fast = 0; fast <= (HW_FAST_ROOTS | HW_FAST_SLOTS); fast++) {
		struct hworld w;
		struct hobj *b, *c, *r;
		unsigned long bid, cid, rid;
		struct rgc_result res;

		hw_init(&w);
		hw_set_fast(&w, fast);
		w.gc.verify_roots = fast & 1;
		b = hobj_new(&w, 0);
		c = hobj_new(&w, 0);
		r = hobj_new(&w, 0);
		bid = b->id;
		cid = c->id;
		rid = r->id;
		hobj_link(&w, r, c);
		hobj_link(&w, c, b);
		hobj_decref(&w, b);
		hobj_decref(&w, c);
		res = collect(&w, 2);
		CHECK_EQ(res.collected, 0);
		CHECK_EQ(res.visited, 3);
		CHECK_EQ(w.gc.roots_taken, fast & HW_FAST_ROOTS ? 1 : 0);
		CHECK(gen2_is(&w, rid, cid, bid));

		/* And once more from there: r first now, nothing moves. */
		res = collect(&w, 2);
		CHECK(gen2_is(&w, rid, cid, bid));
		CHECK_EQ(w.gc.roots_wrong, 0);
		hobj_decref(&w, r);
		finish(&w, true);
	}
}

/* A wrong external(), in either direction, is caught by verify_roots. */
void test_fast_verify_catches(void)
{
	struct hworld w;
	struct hobj *x, *a, *b;
	unsigned long aid, bid, xid;
	u64 wrong;

	hw_init(&w);
	hw_set_fast(&w, HW_FAST_ROOTS | HW_FAST_SLOTS);
	w.gc.verify_roots = true;
	w.logging = true;
	x = hobj_new(&w, 0);
	xid = x->id;
	a = new_cycle2(&w, 0, 0, &b);
	aid = a->id;
	bid = b->id;
	hobj_link(&w, x, a);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	collect(&w, 2);
	CHECK_EQ(w.gc.roots_taken, 1);
	CHECK_EQ(w.gc.roots_wrong, 0);

	/*
	 * A handle the client forgot: x is held, external() says not.  The
	 * check counts it, and the count decides: nothing is freed.
	 */
	x->ext = 0;
	collect(&w, 2);
	CHECK_EQ(w.gc.roots_taken, 2);
	wrong = w.gc.roots_wrong;
	CHECK(wrong > 0);
	CHECK(!was_freed(&w, xid));
	CHECK(!was_freed(&w, aid) && !was_freed(&w, bid));
	x->ext = 1;

	/* A handle the client invents: their cycle is freed all the same. */
	a = new_cycle2(&w, 0, 0, &b);
	aid = a->id;
	bid = b->id;
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	a->ext = 1;
	collect(&w, 2);
	CHECK(w.gc.roots_wrong > wrong);
	CHECK(was_freed(&w, aid) && was_freed(&w, bid));
	wrong = w.gc.roots_wrong;
	collect(&w, 2);
	CHECK_EQ(w.gc.roots_wrong, wrong);

	/* Without verify_roots nothing is counted. */
	x->ext = 0;
	w.gc.verify_roots = false;
	collect(&w, 2);
	CHECK_EQ(w.gc.roots_wrong, wrong);
	CHECK_EQ(w.gc.roots_taken, 5);
	x->ext = 1;
	hobj_decref(&w, x);
	finish(&w, true);
}

/* A two-object cycle, dropped, and a collection of @gen. */
static struct rgc_result dead_cycle(struct hworld *w, int gen)
{
	struct hobj *a, *b;

	a = new_cycle2(w, 0, 0, &b);
	hobj_decref(w, a);
	hobj_decref(w, b);
	return collect(w, gen);
}

/*
 * Without a remembered set, roots are taken only in a full collection
 * with nothing frozen (a deferred object's references are roots);
 * otherwise the counting path runs and gives the right answer even where
 * external() alone would not.
 */
void test_fast_not_taken(void)
{
	struct hworld w;
	struct hobj *f, *d, *x;
	struct rgc_result res;
	unsigned long xid;

	hw_init(&w);
	hw_set_fast(&w, HW_FAST_ROOTS | HW_FAST_SLOTS);
	w.gc.verify_roots = true;
	w.logging = true;
	CHECK_EQ(dead_cycle(&w, 0).collected, 2);
	CHECK_EQ(dead_cycle(&w, 1).collected, 2);
	CHECK_EQ(w.gc.roots_taken, 0);
	CHECK_EQ(dead_cycle(&w, 2).collected, 2);
	CHECK_EQ(w.gc.roots_taken, 1);

	/* A frozen object: no roots, even if it holds nothing. */
	f = hobj_new(&w, 0);
	rgc_freeze(&w.gc);
	CHECK_EQ(dead_cycle(&w, 2).collected, 2);
	CHECK_EQ(w.gc.roots_taken, 1);
	/* A frozen holder: its reference is none external() knows of. */
	x = hobj_new(&w, 0);
	xid = x->id;
	hobj_link(&w, f, x);
	hobj_decref(&w, x);
	res = collect(&w, 2);
	CHECK_EQ(res.collected, 0);
	CHECK(!was_freed(&w, xid));
	CHECK_EQ(w.gc.roots_taken, 1);
	rgc_unfreeze(&w.gc);
	res = collect(&w, 2);
	CHECK_EQ(w.gc.roots_taken, 2);
	CHECK_EQ(res.collected, 0);

	/* A deferred object that holds nothing: roots are taken. */
	w.gc.enabled = true;
	w.gc.gen[0].threshold = 1;
	do {
		d = hobj_new(&w, HOBJ_UNTRACKED);
		d->flags &= ~HOBJ_UNTRACKED;
	} while (!rgc_track_auto(&w.gc, &d->gc));
	w.gc.enabled = false;
	CHECK(!list_empty(&w.gc.deferred));
	collect(&w, 2);
	CHECK_EQ(w.gc.roots_taken, 3);
	CHECK(list_empty(&w.gc.deferred));

	/* A deferred object holding the only reference to x: x is a root. */
	w.gc.enabled = true;
	do {
		d = hobj_new(&w, HOBJ_UNTRACKED);
		d->flags &= ~HOBJ_UNTRACKED;
	} while (!rgc_track_auto(&w.gc, &d->gc));
	w.gc.enabled = false;
	x = hobj_new(&w, 0);
	xid = x->id;
	hobj_link(&w, d, x);
	hobj_decref(&w, x);
	res = collect(&w, 2);
	CHECK_EQ(w.gc.roots_taken, 4);
	CHECK_EQ(res.collected, 0);
	CHECK(!was_freed(&w, xid));
	CHECK_EQ(w.gc.roots_wrong, 0);
	finish(&w, false);
}

/* A new object that will be deferred (rgc_track_auto() says due). */
static struct hobj *deferred_new(struct hworld *w)
{
	struct hobj *d;

	w->gc.enabled = true;
	w->gc.gen[0].threshold = 1;
	do {
		d = hobj_new(w, HOBJ_UNTRACKED);
		d->flags &= ~HOBJ_UNTRACKED;
	} while (!rgc_track_auto(&w->gc, &d->gc));
	w->gc.enabled = false;
	return d;
}

/*
 * With the remembered set every collection takes its roots: an older
 * object's reference (frozen ones included) makes a root, and so does a
 * reference to a deferred object, across the collection that defers it.
 */
void test_fast_remembered(void)
{
	struct hworld w;
	struct hobj *old, *a, *b, *s, *d;
	unsigned long aid, did;

	hw_init(&w);
	hw_set_fast(&w, HW_FAST_ROOTS | HW_FAST_SLOTS | HW_FAST_REMEMBER);
	w.gc.verify_roots = true;
	w.logging = true;
	old = hobj_new(&w, 0);
	CHECK_EQ(collect(&w, 2).collected, 0);
	a = hobj_new(&w, 0);
	b = hobj_new(&w, 0);
	aid = a->id;
	hobj_link(&w, a, b);
	hobj_link(&w, b, a);
	hobj_link(&w, a, old);
	CHECK_EQ(w.nremembered, 0);
	hobj_link(&w, old, a);
	CHECK_EQ(w.nremembered, 1);
	CHECK(old->gc.flags & RGC_F_REMEMBERED);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	CHECK_EQ(collect(&w, 0).collected, 0);
	CHECK_EQ(collect(&w, 1).collected, 0);
	CHECK_EQ(w.gc.roots_taken, 3);
	CHECK_EQ(w.nremembered, 1);	/* a and b reached generation 2 */
	hobj_unlink(&w, old, 0);
	CHECK_EQ(collect(&w, 0).collected, 0);	/* they are old now */
	CHECK_EQ(w.nremembered, 0);	/* old refers to nothing younger */
	CHECK_EQ(collect(&w, 2).collected, 2);
	CHECK(was_freed(&w, aid));

	/* A frozen holder. */
	rgc_freeze(&w.gc);
	a = hobj_new(&w, 0);
	aid = a->id;
	hobj_link(&w, old, a);
	hobj_decref(&w, a);
	CHECK_EQ(w.nremembered, 1);
	CHECK_EQ(collect(&w, 0).collected, 0);
	CHECK_EQ(collect(&w, 2).collected, 0);
	CHECK(!was_freed(&w, aid));
	rgc_unfreeze(&w.gc);
	hobj_unlink(&w, old, 0);
	CHECK(was_freed(&w, aid));

	/* s refers to a deferred d: s stays remembered while it is young. */
	s = hobj_new(&w, 0);
	d = deferred_new(&w);
	did = d->id;
	hobj_link(&w, s, d);
	hobj_decref(&w, d);
	CHECK(s->gc.flags & RGC_F_REMEMBERED);
	CHECK_EQ(collect(&w, 0).collected, 0);	/* s to gen 1, then d joins 0 */
	CHECK(list_empty(&w.gc.deferred));
	CHECK(s->gc.flags & RGC_F_REMEMBERED);
	CHECK_EQ(collect(&w, 0).collected, 0);	/* s's reference holds d */
	CHECK(!was_freed(&w, did));
	CHECK_EQ(w.gc.roots_taken, 9);
	CHECK_EQ(w.gc.roots_wrong, 0);
	hobj_decref(&w, s);
	CHECK(was_freed(&w, did));
	CHECK_EQ(w.nremembered, 0);
	finish(&w, false);
}

/*
 * Which collections find their roots on the way (gc_roots.c), and the
 * epoch that marks what such a walk reached: when it wraps, every stale
 * mark is cleared first, so none can pass for the new epoch's.
 */
void test_fast_epoch(void)
{
	struct hobj *live, *a, *b;
	struct rgc_result res;
	struct hworld w;

	hw_init(&w);
	hw_set_fast(&w, HW_FAST_ROOTS | HW_FAST_SLOTS | HW_FAST_REMEMBER);
	live = hobj_new(&w, 0);
	a = hobj_new(&w, 0);
	b = hobj_new(&w, 0);
	hobj_link(&w, a, b);
	hobj_link(&w, b, a);
	hobj_link(&w, live, a);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	/* The first collection takes its roots first: 1 root in 3. */
	CHECK(w.gc.take_first[2]);
	CHECK_EQ(collect(&w, 2).collected, 0);
	CHECK_EQ(w.gc.epoch, 0);
	CHECK(!w.gc.take_first[2]);
	/* The next one marks: live by its handle, a and b through it. */
	CHECK_EQ(collect(&w, 2).collected, 0);
	CHECK_EQ(w.gc.epoch, 1);
	CHECK_EQ(a->gc.gc_refs, 1);

	/* a and b become garbage, with a stale mark equal to epoch 1. */
	hobj_unlink(&w, live, 0);
	a->gc.gc_refs = 1;
	b->gc.gc_refs = 1;
	w.gc.epoch = UINT32_MAX;
	res = collect(&w, 2);
	CHECK_EQ(w.gc.epoch, 1);
	CHECK_EQ(res.collected, 2);
	CHECK_EQ(live->gc.gc_refs, 1);
	CHECK_EQ(w.gc.roots_taken, 3);

	/* 1 root in 3 again; then all roots: take them first again. */
	CHECK(!w.gc.take_first[2]);
	CHECK_EQ(collect(&w, 2).collected, 0);
	CHECK_EQ(w.gc.epoch, 2);
	CHECK(w.gc.take_first[2]);
	CHECK_EQ(collect(&w, 2).collected, 0);
	CHECK_EQ(w.gc.epoch, 2);
	CHECK_EQ(w.gc.roots_taken, 5);
	hobj_decref(&w, live);
	collect(&w, 2);
	finish(&w, true);
}
