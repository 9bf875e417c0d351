// SPDX-License-Identifier: GPL-2.0
/*
 * test_main.c - the host unit tests of the collector core
 * (module/gc_core.c), driven through the host client (hobj.c): the test
 * table, running each test, the options and the summary.
 *
 * Usage: test_gc_core [--seed N] [--graphs N]
 *
 * One "ok" / "not ok" line per test, failed checks as "#" lines below it,
 * and last exactly one line "host: N passed, M failed, 0 skipped".  The
 * exit status is 1 if any test failed.
 *
 * The random-graph oracle (test_graphs.c) predicts what each collection
 * must free; every other test asserts on what the client observed: frees,
 * finalizer calls, callbacks, refcounts, generations and the order of
 * events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int tests_passed, tests_failed;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run_test(const char *name, void (*fn)(void))
{
	double t0 = now_s();
	int n = tests_passed + tests_failed + 1;

	check_failures = 0;
	fn();
	if (check_failures) {
		tests_failed++;
		printf("not ok %d - %s (%lu failed checks)\n", n, name,
		       check_failures);
	} else {
		tests_passed++;
		printf("ok %d - %s (%.2f s)\n", n, name, now_s() - t0);
	}
	fflush(stdout);
}

/* ---- main ------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "oracle: random graphs", test_graphs_plain },
	{ "oracle: random graphs with weakrefs", test_graphs_weakrefs },
	{ "oracle: random graphs, resurrecting finalizers",
	  test_graphs_fin_resurrect },
	{ "oracle: random graphs, plain finalizers", test_graphs_fin_plain },
	{ "oracle: random graphs over generations", test_graphs_generations },
	{ "oracle: random graphs, DEBUG_SAVEALL", test_graphs_saveall },
	{ "oracle: random graphs, legacy finalizers", test_graphs_legacy },
	{ "oracle: every mode, roots and slots from the client",
	  test_graphs_fast },
	{ "generations: collection due, count0", test_gen_due },
	{ "generations: counts per collection", test_gen_counts },
	{ "generations: survivors move up", test_gen_promotion },
	{ "generations: a collection's roots and walk times", test_gen_phase_times },
	{ "generations: auto generation, long-lived", test_gen_auto },
	{ "generations: CPython 3.11 cadence, deferred tracking", test_gen_cadence },
	{ "generations: freeze, unfreeze", test_gen_freeze },
	{ "finalizers: resurrection, then collected", test_fin_resurrect },
	{ "finalizers: no resurrection", test_fin_no_resurrect },
	{ "finalizers: resurrecting another object",
	  test_fin_resurrect_other },
	{ "finalizers: refcount death", test_fin_refcount_death },
	{ "finalizers: pipeline order", test_fin_order },
	{ "finalizers: collection suspended for finalizers", test_fin_suspend },
	{ "legacy: uncollectable set, garbage", test_legacy },
	{ "legacy: DEBUG_SAVEALL", test_legacy_saveall },
	{ "legacy: reserve_garbage -ENOMEM", test_legacy_enomem },
	{ "legacy: finalizer freed by clearing its referrer",
	  test_legacy_freed_by_clear },
	{ "weakrefs: callbacks only for reachable weakrefs",
	  test_weakref_callbacks },
	{ "weakrefs: collected weakref to a live object",
	  test_weakref_collected_weakref },
	{ "weakrefs: refcount death", test_weakref_refcount_death },
	{ "saveall: everything saved, nothing freed", test_saveall },
	{ "saveall: reserve_garbage -ENOMEM", test_saveall_enomem },
	{ "fast paths: same outcome, events and order as counting",
	  test_fast_same_result },
	{ "fast paths: a root's referent moved to the tail, as CPython",
	  test_fast_reorder },
	{ "fast paths: verify_roots catches a wrong external()",
	  test_fast_verify_catches },
	{ "fast paths: no remembered set, no roots for gen 0/1 or frozen",
	  test_fast_not_taken },
	{ "fast paths: the remembered set roots young and frozen-held objects",
	  test_fast_remembered },
	{ "fast paths: slots read in place equal ops->traverse",
	  test_fast_slots },
	{ "fast paths: roots found on the way, the epoch wraps",
	  test_fast_epoch },
	{ "anchors: in list order until their objects leave the list",
	  test_anchors },
	{ "big: 10^6 chain freed by refcount, 64 KiB stack", test_big_chain },
	{ "big: 10^6 ring collected, 64 KiB stack", test_big_ring },
	{ "big: cycle with a 2*10^5 tail, 64 KiB stack", test_big_tail },
	{ "big: 2*10^5 chain reachable in reverse, 64 KiB stack",
	  test_big_reverse },
	{ "big: finalizer over 2*10^5 objects, 64 KiB stack",
	  test_big_finalizers },
};

static void print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--seed N] [--graphs N]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	u64 seed = (u64)time(NULL) ^ ((u64)getpid() << 32);
	size_t i;
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		char *end;
		unsigned long long v = strtoull(argv[a + 1], &end, 0);

		if (*end || !*argv[a + 1])
			print_usage(argv[0]);
		if (!strcmp(argv[a], "--seed"))
			seed = v;
		else if (!strcmp(argv[a], "--graphs"))
			graph_args_graphs = v;
		else
			print_usage(argv[0]);
	}
	if (a != argc)
		print_usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# host tests of module/gc_core.c: seed %llu, %lu graphs\n",
	       (unsigned long long)seed, graph_args_graphs);
	printf("1..%zu\n", ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		rng_state = seed + i;
		run_test(tests[i].name, tests[i].fn);
	}
	printf("host: %d passed, %d failed, 0 skipped\n", tests_passed,
	       tests_failed);
	return tests_failed ? 1 : 0;
}
