/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test.h - what the host tests of the collector core (test_*.c) share:
 * the CHECK() and CHECK_EQ() macros, the helpers of test_util.c, the state
 * main() sets up (rng_state, graph_args_graphs), and the tests themselves,
 * each a void function run by test_main.c.
 */
#ifndef _REFGC_HOST_TEST_H
#define _REFGC_HOST_TEST_H

#include "hobj.h"

/* ---- checks (test_util.c) --------------------------------------------- */

extern unsigned long check_failures;	/* in the running test */

bool check_true(bool ok, const char *what, int line);
bool check_eq(long long a, long long b, const char *what, int line);

#define CHECK(cond)	check_true(!!(cond), #cond, __LINE__)
#define CHECK_EQ(a, b)	check_eq((long long)(a), (long long)(b), \
				 #a " == " #b, __LINE__)

/* ---- helpers (test_util.c) -------------------------------------------- */

struct rgc_result collect(struct hworld *w, int gen);
long ev_find(const struct hworld *w, enum hev type, unsigned long id,
	     long from);
long ev_last(const struct hworld *w, enum hev type);
unsigned long ev_count(const struct hworld *w, enum hev type,
		       unsigned long id);
bool was_freed(const struct hworld *w, unsigned long id);
bool in_garbage(const struct hworld *w, const struct hobj *o);
void finish(struct hworld *w, bool expect_empty);
struct hobj *new_cycle2(struct hworld *w, unsigned int fa, unsigned int fb,
			struct hobj **b);

/* ---- set by main() (defined in test_graphs.c) ------------------------- */

extern u64 rng_state;			/* seeded before each test */
extern unsigned long graph_args_graphs;	/* --graphs */

/* ---- the tests, run in test_main.c's order ---------------------------- */

/* test_graphs.c */
void test_graphs_plain(void);
void test_graphs_weakrefs(void);
void test_graphs_fin_resurrect(void);
void test_graphs_fin_plain(void);
void test_graphs_generations(void);
void test_graphs_saveall(void);
void test_graphs_legacy(void);
void test_graphs_fast(void);

/* test_generations.c */
void test_gen_due(void);
void test_gen_counts(void);
void test_gen_promotion(void);
void test_gen_phase_times(void);
void test_gen_auto(void);
void test_gen_cadence(void);
void test_gen_freeze(void);

/* test_pipeline.c */
void test_fin_resurrect(void);
void test_fin_no_resurrect(void);
void test_fin_resurrect_other(void);
void test_fin_refcount_death(void);
void test_fin_order(void);
void test_fin_suspend(void);
void test_weakref_callbacks(void);
void test_weakref_collected_weakref(void);
void test_weakref_refcount_death(void);

/* test_anchor.c */
void test_anchors(void);

/* test_garbage.c */
void test_legacy(void);
void test_legacy_saveall(void);
void test_legacy_enomem(void);
void test_legacy_freed_by_clear(void);
void test_saveall(void);
void test_saveall_enomem(void);

/* test_fastpath.c */
void test_fast_same_result(void);
void test_fast_reorder(void);
void test_fast_verify_catches(void);
void test_fast_not_taken(void);
void test_fast_remembered(void);
void test_fast_epoch(void);
void test_fast_slots(void);

/* test_large.c */
void test_big_chain(void);
void test_big_ring(void);
void test_big_tail(void);
void test_big_reverse(void);
void test_big_finalizers(void);

#endif /* _REFGC_HOST_TEST_H */
