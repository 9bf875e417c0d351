// SPDX-License-Identifier: GPL-2.0
/*
 * test_large.c - a million objects on a 64 KiB stack: chains, rings and
 * finalizers at a scale where any recursion over the objects would fault.
 */
#include <pthread.h>

#include <linux/sched.h>

#include "test.h"

/*
 * Each collection or cascade runs on a thread with a 64 KiB stack: any
 * recursion over the objects (even 32 bytes a frame) would need megabytes
 * and fault, ending the run.
 */

#define BIG		1000000UL
#define BIG_EXTRA	200000UL	/* other non-recursive paths, cheaper */
#define SMALL_STACK	(64 * 1024)

struct big_job {
	struct hworld *w;
	struct hobj *drop;	/* decref this, or else ... */
	int gen;		/* ... collect this generation */
	int err;
	struct rgc_result res;
};

static void *big_thread(void *arg)
{
	struct big_job *j = arg;

	if (j->drop)
		hobj_decref(j->w, j->drop);
	else
		j->err = rgc_collect(&j->w->gc, j->gen, &j->res);
	return NULL;
}

/* Run a decref or a collection on a thread with a 64 KiB stack. */
static struct rgc_result on_small_stack(struct hworld *w, struct hobj *drop,
					int gen)
{
	struct big_job j = { .w = w, .drop = drop, .gen = gen };
	pthread_attr_t attr;
	pthread_t t;

	CHECK_EQ(pthread_attr_init(&attr), 0);
	CHECK_EQ(pthread_attr_setstacksize(&attr, SMALL_STACK), 0);
	if (CHECK_EQ(pthread_create(&t, &attr, big_thread, &j), 0))
		CHECK_EQ(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&attr);
	CHECK_EQ(j.err, 0);
	return j.res;
}

/* head -> ... -> tail, created head first; returns the head. */
static struct hobj *big_chain(struct hworld *w, unsigned long n,
			      unsigned int flags, struct hobj **tail)
{
	struct hobj *head = hobj_new(w, flags), *prev = head, *o;
	unsigned long i;

	for (i = 1; i < n; i++) {
		o = hobj_new(w, 0);
		hobj_link(w, prev, o);
		hobj_decref(w, o);
		prev = o;
	}
	*tail = prev;
	return head;
}

void test_big_chain(void)
{
	struct hworld w;
	struct hobj *head, *tail;

	hw_init(&w);
	head = big_chain(&w, BIG, 0, &tail);
	CHECK_EQ(w.nlive, BIG);
	on_small_stack(&w, head, 0);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(w.count[HEV_FREE], BIG);
	finish(&w, true);
}

void test_big_ring(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *head, *tail;
	unsigned long resched = host_cond_resched_calls;

	hw_init(&w);
	head = big_chain(&w, BIG, 0, &tail);
	hobj_link(&w, tail, head);
	hobj_decref(&w, head);
	CHECK_EQ(w.nlive, BIG);
	res = on_small_stack(&w, NULL, 2);
	CHECK_EQ(res.collected, BIG);
	CHECK_EQ(res.visited, BIG);
	CHECK_EQ(w.nlive, 0);
	CHECK(host_cond_resched_calls - resched >= 2 * (BIG / 4096));
	finish(&w, true);
}

void test_big_tail(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *a, *b, *head, *tail;

	hw_init(&w);
	/* a <-> b -> a long chain: freed by one clear()'s cascade. */
	a = new_cycle2(&w, 0, 0, &b);
	head = big_chain(&w, BIG_EXTRA, 0, &tail);
	hobj_link(&w, b, head);
	hobj_decref(&w, head);
	hobj_decref(&w, a);
	hobj_decref(&w, b);
	res = on_small_stack(&w, NULL, 2);
	CHECK_EQ(res.collected, BIG_EXTRA + 2);
	CHECK_EQ(w.nlive, 0);
	CHECK(w.count[HEV_CLEAR] <= 2);
	finish(&w, true);
}

void test_big_reverse(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *o, *prev = NULL, *root;
	unsigned long i;

	hw_init(&w);
	/* Each object refers to the one created before it; only the newest,
	 * last on the list, is held: every other one is first found
	 * tentatively unreachable, then moved back.
	 */
	for (i = 0; i < BIG_EXTRA; i++) {
		o = hobj_new(&w, 0);
		if (prev) {
			hobj_link(&w, o, prev);
			hobj_decref(&w, prev);
		}
		prev = o;
	}
	root = prev;
	res = on_small_stack(&w, NULL, 0);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(res.visited, BIG_EXTRA);
	CHECK_EQ(rgc_gen_size(&w.gc, 1), BIG_EXTRA);
	CHECK_EQ(w.nlive, BIG_EXTRA);
	on_small_stack(&w, root, 0);
	CHECK_EQ(w.nlive, 0);
	finish(&w, true);
}

void test_big_finalizers(void)
{
	struct hworld w;
	struct rgc_result res;
	struct hobj *f, *tail;

	hw_init(&w);
	/* f (finalizer) -> a long chain -> back to f. */
	f = big_chain(&w, BIG_EXTRA, HOBJ_FINALIZER, &tail);
	hobj_link(&w, tail, f);
	hobj_decref(&w, f);

	w.gc.legacy_finalizers = true;
	res = on_small_stack(&w, NULL, 2);
	CHECK_EQ(res.uncollectable, BIG_EXTRA);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.ngarbage, 1);
	w.gc.legacy_finalizers = false;
	hw_garbage_clear(&w);

	res = on_small_stack(&w, NULL, 2);	/* resurrects it all */
	CHECK_EQ(f->finalized, 1);
	CHECK_EQ(res.collected, 0);
	CHECK_EQ(w.nlive, BIG_EXTRA);
	hw_fin_drain(&w);
	res = on_small_stack(&w, NULL, 2);
	CHECK_EQ(res.collected, BIG_EXTRA);
	CHECK_EQ(w.nlive, 0);
	CHECK_EQ(w.count[HEV_FINALIZE], 1);
	finish(&w, true);
}
