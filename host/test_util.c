// SPDX-License-Identifier: GPL-2.0
/*
 * test_util.c - what every host test of the collector core shares: the
 * checks behind CHECK() and CHECK_EQ(), counted per test in
 * check_failures, and helpers over the host client's world (collecting,
 * searching the event log, the closing checks of each test).
 */
#include <stdio.h>

#include "test.h"

/* ---- checks ---------------------------------------------------------- */

unsigned long check_failures;	/* in the running test */

bool check_true(bool ok, const char *what, int line)
{
	if (!ok && check_failures++ < 10)
		printf("#   line %d: %s\n", line, what);
	return ok;
}

bool check_eq(long long a, long long b, const char *what, int line)
{
	if (a != b && check_failures++ < 10)
		printf("#   line %d: %s: %lld != %lld\n", line, what, a, b);
	return a == b;
}

/* ---- helpers --------------------------------------------------------- */

struct rgc_result collect(struct hworld *w, int gen)
{
	struct rgc_result res;

	CHECK_EQ(rgc_collect(&w->gc, gen, &res), 0);
	return res;
}

/* Index of the first logged event @type (of object @id, 0: any) from @from. */
long ev_find(const struct hworld *w, enum hev type, unsigned long id,
	     long from)
{
	unsigned long i;

	for (i = from < 0 ? w->nlog : (unsigned long)from; i < w->nlog; i++)
		if (w->log[i].type == type && (!id || w->log[i].id == id))
			return i;
	return -1;
}

long ev_last(const struct hworld *w, enum hev type)
{
	long i;

	for (i = (long)w->nlog - 1; i >= 0; i--)
		if (w->log[i].type == type)
			return i;
	return -1;
}

unsigned long ev_count(const struct hworld *w, enum hev type,
		       unsigned long id)
{
	unsigned long i, n = 0;

	for (i = 0; i < w->nlog; i++)
		if (w->log[i].type == type && (!id || w->log[i].id == id))
			n++;
	return n;
}

/* Needs w->logging since before the object could die. */
bool was_freed(const struct hworld *w, unsigned long id)
{
	return ev_count(w, HEV_FREE, id) != 0;
}

bool in_garbage(const struct hworld *w, const struct hobj *o)
{
	unsigned long i;

	for (i = 0; i < w->ngarbage; i++)
		if (w->garbage[i] == o)
			return true;
	return false;
}

/* Collect until nothing is left that the collector could free. */
static void collect_all(struct hworld *w)
{
	int i;

	rgc_unfreeze(&w->gc);
	w->gc.debug = 0;
	w->gc.legacy_finalizers = false;
	for (i = 0; i < 4; i++) {
		hw_garbage_clear(w);
		hw_fin_drain(w);
		collect(w, 2);
	}
}

/* The end of every test: no contract violations seen by the client. */
void finish(struct hworld *w, bool expect_empty)
{
	CHECK_EQ(w->errors, 0);
	if (expect_empty) {
		collect_all(w);
		CHECK_EQ(w->nlive, 0);
	}
	hw_fini(w);
}

/* a <-> *b (flags @fa, @fb), each with a reference for the caller. */
struct hobj *new_cycle2(struct hworld *w, unsigned int fa, unsigned int fb,
			struct hobj **b)
{
	struct hobj *a = hobj_new(w, fa);

	*b = hobj_new(w, fb);
	hobj_link(w, a, *b);
	hobj_link(w, *b, a);
	return a;
}
