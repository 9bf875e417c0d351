// SPDX-License-Identifier: GPL-2.0
/*
 * host_bench.c - the native side of `make bench`: the collector core
 * (module/gc_core.c, built for the host) on the same graphs and workloads
 * as refgc_bench and cpython_bench.py, with no emulation in the way, so
 * that cache behaviour shows.  Its client is native_model.c, the kernel
 * client's object model and rgc_ops rebuilt for the host (the 64-byte
 * object, two inline slots, roots from handles, slots read in place,
 * bulk deletion, the remembered set, a slab-like pool), not the test
 * client host/hobj.c.  Prints one JSON object per measurement,
 * "system":"refgc".
 *
 * usage: host_bench SHAPE N [SEED]
 *   SHAPE random|ring|chain|tree: B1 (full collection, everything live,
 *	a handle on each object), B2 (everything garbage, freeing included)
 *	and B1R (everything live through one root container, as CPython's
 *	list)
 *   SHAPE young: B4, automatic collection (the core's thresholds, checked
 *	after every allocation as CPython does) on refgc_bench_b45.c's
 *	workload
 *   SHAPE memory: B5, heap bytes per object and per reference (mallinfo2:
 *	the pool's pages and the slot arrays)
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "native_model.h"

#define YOUNG_CHUNK	256

static uint64_t rng_state;

/* splitmix64, as bench/cpython_bench.py */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		fprintf(stderr, "host_bench: out of memory\n");
		exit(1);
	}
	return p;
}

static void build(struct nworld *w, struct nobj **objs, const char *shape,
		  uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		objs[i] = nobj_new(w);
	for (i = 0; i < n; i++) {
		if (!strcmp(shape, "random")) {
			nobj_link(w, objs[i], objs[rng_next() % n]);
			nobj_link(w, objs[i], objs[rng_next() % n]);
		} else if (!strcmp(shape, "ring")) {
			nobj_link(w, objs[i], objs[(i + 1) % n]);
		} else if (!strcmp(shape, "chain")) {
			if (i + 1 < n)
				nobj_link(w, objs[i], objs[i + 1]);
		} else if (!strcmp(shape, "tree")) {
			if (2 * i + 1 < n)
				nobj_link(w, objs[i], objs[2 * i + 1]);
			if (2 * i + 2 < n)
				nobj_link(w, objs[i], objs[2 * i + 2]);
		} else {
			fprintf(stderr, "host_bench: unknown shape %s\n", shape);
			exit(2);
		}
	}
}

static void collect(struct nworld *w, const char *bench, const char *shape,
		    uint64_t n)
{
	struct rgc_result res;
	uint64_t t0 = now_ns(), wall;

	rgc_collect(&w->gc, 2, &res);
	wall = now_ns() - t0;
	printf("{\"system\":\"refgc\",\"bench\":\"%s\",\"shape\":\"%s\",\"n\":%llu,\"collected\":%llu,\"visited\":%llu,\"ns_per_object\":%.1f}\n",
	       bench, shape, (unsigned long long)n,
	       (unsigned long long)res.collected,
	       (unsigned long long)res.visited, (double)wall / n);
}

static int bench_graph(const char *shape, uint64_t n)
{
	struct nobj **objs = xcalloc(n, sizeof(*objs)), *root;
	uint64_t i, seed = rng_state;
	struct nworld w;

	nw_init(&w);
	w.gc.enabled = false;
	build(&w, objs, shape, n);
	collect(&w, "B1", shape, n);
	for (i = 0; i < n; i++)
		nobj_put_handle(&w, objs[i]);
	collect(&w, "B2", shape, n);
	nw_fini(&w);

	/* B1R: the same graph (same seed) held by one root container. */
	rng_state = seed;
	nw_init(&w);
	w.gc.enabled = false;
	build(&w, objs, shape, n);
	root = nobj_new(&w);
	for (i = 0; i < n; i++) {
		nobj_link(&w, root, objs[i]);
		nobj_put_handle(&w, objs[i]);
	}
	collect(&w, "B1R", shape, n);
	if (w.gc.roots_taken != 1) {
		fprintf(stderr, "host_bench: B1R did not take its roots\n");
		exit(1);
	}
	nw_fini(&w);
	free(objs);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Allocate one object, collecting first if due, as CPython's allocator. */
static struct nobj *young_new(struct nworld *w, uint64_t *pauses,
			      uint64_t *np, uint64_t *coll)
{
	struct nobj *o = nobj_new(w);
	struct rgc_result res;

	if (rgc_collection_due(&w->gc)) {
		int gen = rgc_auto_generation(&w->gc);

		nobj_take_handle(o);
		rgc_collect(&w->gc, gen, &res);
		nobj_put_handle(w, o);
		pauses[(*np)++] = res.duration_ns;
		coll[gen]++;
	}
	return o;
}

/* In use from the heap and in mmap()ed blocks: a large page may be either. */
static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* B4: the workload of refgc_bench_b45.c. */
static int bench_young(uint64_t n)
{
	struct nobj **kept = xcalloc(n / 50 + 16, sizeof(*kept));
	uint64_t *pauses = xcalloc(n + 1, sizeof(*pauses));
	uint64_t c, nkept = 0, np = 0, coll[3] = { 0 }, total = 0, t0;
	size_t base = heap_bytes(), peak = 0;
	struct nobj *objs[YOUNG_CHUNK], *drop[YOUNG_CHUNK];
	struct nworld w;
	double wall;

	nw_init(&w);
	t0 = now_ns();
	for (c = 0; c < n; c += YOUNG_CHUNK) {
		uint64_t j, nd = 0, m = n - c < YOUNG_CHUNK ? n - c : YOUNG_CHUNK;

		for (j = 0; j < m; j++)
			objs[j] = young_new(&w, pauses, &np, coll);
		for (j = 0; j < m; j++) {
			struct nobj *dst = (j % 4 == 3 || j == m - 1) ?
					   objs[j - j % 4] : objs[j + 1];

			nobj_link(&w, objs[j], dst);
			if (nkept)
				nobj_link(&w, objs[j],
					  kept[rng_next() % nkept]);
			if (rng_next() % 100 == 0)
				kept[nkept++] = objs[j];
			else
				drop[nd++] = objs[j];
		}
		for (j = 0; j < nd; j++)
			nobj_put_handle(&w, drop[j]);
		if (heap_bytes() - base > peak)
			peak = heap_bytes() - base;
	}
	wall = (double)(now_ns() - t0);
	for (c = 0; c < np; c++)
		total += pauses[c];
	qsort(pauses, np, sizeof(*pauses), cmp_u64);
	printf("{\"system\":\"refgc\",\"bench\":\"B4\",\"shape\":\"young\",\"n\":%llu,\"collections\":[%llu,%llu,%llu],\"end_objects\":%lu,\"wall_ns_per_object\":%.1f,\"metrics\":{\"gc ns/obj\":%.1f,\"max pause us\":%.1f,\"p99 pause us\":%.1f,\"peak MB\":%.2f}}\n",
	       (unsigned long long)n, (unsigned long long)coll[0],
	       (unsigned long long)coll[1], (unsigned long long)coll[2],
	       w.nr_objects, wall / n, (double)total / n,
	       np ? pauses[np - 1] / 1e3 : 0.0,
	       np ? pauses[np * 99 / 100] / 1e3 : 0.0, peak / 1e6);
	nw_fini(&w);
	free(kept);
	free(pauses);
	return 0;
}

/*
 * B5: heap bytes (malloc's accounting) per object and per reference: the
 * pool's pages, as the kernel's slab pages, and the slot arrays (none:
 * two references fit inline).  "sizeof_hobj" keeps its name for the
 * record format; it is sizeof(struct nobj).
 */
static int bench_memory(uint64_t n)
{
	struct nobj **objs = xcalloc(n, sizeof(*objs));
	size_t b0, b1, b2;
	struct nworld w;
	uint64_t i;

	nw_init(&w);
	w.gc.enabled = false;
	b0 = heap_bytes();
	for (i = 0; i < n; i++)
		objs[i] = nobj_new(&w);
	b1 = heap_bytes();
	for (i = 0; i < 2 * n; i++)
		nobj_link(&w, objs[i / 2], objs[rng_next() % n]);
	b2 = heap_bytes();
	printf("{\"system\":\"refgc\",\"bench\":\"B5\",\"shape\":\"random\",\"n\":%llu,\"sizeof_hobj\":%zu,\"metrics\":{\"B/object\":%.1f,\"B/ref\":%.2f}}\n",
	       (unsigned long long)n, sizeof(struct nobj),
	       (double)(b1 - b0) / n, (double)(b2 - b1) / (2.0 * n));
	nw_fini(&w);
	free(objs);
	return 0;
}

int main(int argc, char **argv)
{
	const char *shape = argc > 1 ? argv[1] : "random";
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 0) : 100000;

	rng_state = argc > 3 ? strtoull(argv[3], NULL, 0) : 42;
	if (!n) {
		fprintf(stderr, "host_bench: N must be positive\n");
		return 2;
	}
	if (!strcmp(shape, "young"))
		return bench_young(n);
	if (!strcmp(shape, "memory"))
		return bench_memory(n);
	return bench_graph(shape, n);
}
