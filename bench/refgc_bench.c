// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_bench.c - the refgc side of `make bench`: builds the same graphs as
 * bench/cpython_bench.py (same shapes, same splitmix64 stream, same seed)
 * in an arena and times construction and full collections.  Prints one
 * JSON object per measurement on stdout.
 *
 * usage: refgc_bench SHAPE N [SEED]
 *   SHAPE: random (2 uniformly random references each), ring, chain, tree
 *	(B3 construction, B1 full collection live with a handle on each
 *	object, B1R the same held by one root container, B2 all garbage)
 *   SHAPE young: B4, automatic collection while N objects die young
 *   SHAPE memory: B5, bytes per object and per reference
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/refgc.h>

#include "refgc_bench.h"

struct graph {
	uint64_t n;
	uint64_t nedges;
	uint64_t *src;
	uint64_t *dst;
};

uint64_t rng_state;

/* splitmix64, as bench/cpython_bench.py */
uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void die(const char *what, int err)
{
	fprintf(stderr, "refgc_bench: %s: %s\n", what, strerror(err));
	exit(1);
}

static void add_edge(struct graph *g, uint64_t s, uint64_t d)
{
	g->src[g->nedges] = s;
	g->dst[g->nedges] = d;
	g->nedges++;
}

static void make_graph(struct graph *g, const char *shape, uint64_t n)
{
	uint64_t i;

	g->n = n;
	g->nedges = 0;
	g->src = calloc(2 * n, sizeof(*g->src));
	g->dst = calloc(2 * n, sizeof(*g->dst));
	if (!g->src || !g->dst)
		die("calloc", ENOMEM);
	for (i = 0; i < n; i++) {
		if (!strcmp(shape, "random")) {
			add_edge(g, i, rng_next() % n);
			add_edge(g, i, rng_next() % n);
		} else if (!strcmp(shape, "ring")) {
			add_edge(g, i, (i + 1) % n);
		} else if (!strcmp(shape, "chain")) {
			if (i + 1 < n)
				add_edge(g, i, i + 1);
		} else if (!strcmp(shape, "tree")) {
			if (2 * i + 1 < n)
				add_edge(g, i, 2 * i + 1);
			if (2 * i + 2 < n)
				add_edge(g, i, 2 * i + 2);
		} else {
			fprintf(stderr, "refgc_bench: unknown shape %s\n", shape);
			exit(2);
		}
	}
}

/* Submit @nops ops in batches of @bsize (1 = REFGC_IOC_OP each). */
void submit(int fd, struct refgc_op *ops, uint64_t nops, uint32_t bsize)
{
	uint64_t i;

	for (i = 0; i < nops; i += bsize) {
		uint32_t cnt = nops - i < bsize ? nops - i : bsize;
		struct refgc_batch b = {
			.ops = (uintptr_t)&ops[i],
			.count = cnt,
			.op_size = sizeof(*ops),
		};

		if (bsize == 1) {
			if (ioctl(fd, REFGC_IOC_OP, &ops[i]))
				die("REFGC_IOC_OP", errno);
		} else if (ioctl(fd, REFGC_IOC_BATCH, &b)) {
			die("REFGC_IOC_BATCH", errno);
		}
	}
}

/* Build @g in a fresh arena; returns the fd and fills @ids. */
static int build(struct graph *g, uint32_t bsize, uint64_t *ids,
		 double *secs)
{
	struct refgc_type t = { .name = "list" };
	struct refgc_threshold th = { .threshold = { 0, 10, 10 } };
	struct refgc_op *ops;
	uint64_t i, nops = g->n > g->nedges ? g->n : g->nedges;
	double t0;
	int fd = open("/dev/refgc", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("/dev/refgc", errno);
	if (ioctl(fd, REFGC_IOC_TYPE_REGISTER, &t))
		die("TYPE_REGISTER", errno);
	/* Automatic collection off, as gc.disable() on the Python side. */
	if (ioctl(fd, REFGC_IOC_SET_THRESHOLD, &th))
		die("SET_THRESHOLD", errno);
	ops = calloc(nops, sizeof(*ops));
	if (!ops)
		die("calloc", ENOMEM);

	t0 = now();
	for (i = 0; i < g->n; i++)
		ops[i] = (struct refgc_op){ .op = REFGC_OP_NEW, .arg = t.id };
	submit(fd, ops, g->n, bsize);
	for (i = 0; i < g->n; i++)
		ids[i] = ops[i].result;
	for (i = 0; i < g->nedges; i++)
		ops[i] = (struct refgc_op){ .op = REFGC_OP_LINK,
					    .id = ids[g->src[i]],
					    .arg = ids[g->dst[i]] };
	submit(fd, ops, g->nedges, bsize);
	*secs = now() - t0;
	free(ops);
	return fd;
}

static void drop_all(int fd, uint64_t *ids, uint64_t n)
{
	struct refgc_op *ops = calloc(n, sizeof(*ops));
	uint64_t i;

	if (!ops)
		die("calloc", ENOMEM);
	for (i = 0; i < n; i++)
		ops[i] = (struct refgc_op){ .op = REFGC_OP_DECREF, .id = ids[i] };
	submit(fd, ops, n, REFGC_MAX_BATCH_DEFAULT);
	free(ops);
}

/* One new container refers to every object of @ids; their handles go. */
static void hold_by_root(int fd, uint64_t *ids, uint64_t n)
{
	struct refgc_op *ops = calloc(n, sizeof(*ops));
	struct refgc_type t = { .name = "root" };
	struct refgc_op root;
	uint64_t i;

	if (!ops)
		die("calloc", ENOMEM);
	if (ioctl(fd, REFGC_IOC_TYPE_REGISTER, &t))
		die("TYPE_REGISTER", errno);
	root = (struct refgc_op){ .op = REFGC_OP_NEW, .arg = t.id };
	submit(fd, &root, 1, 1);
	for (i = 0; i < n; i++)
		ops[i] = (struct refgc_op){ .op = REFGC_OP_LINK,
					    .id = root.result, .arg = ids[i] };
	submit(fd, ops, n, REFGC_MAX_BATCH_DEFAULT);
	free(ops);
	drop_all(fd, ids, n);
}

static void collect(int fd, const char *bench, const char *shape,
		    uint64_t n, uint64_t objects)
{
	struct refgc_collect c = { .generation = 2 };
	double t0 = now(), wall;

	if (ioctl(fd, REFGC_IOC_COLLECT, &c) < 0)
		die("COLLECT", errno);
	wall = now() - t0;
	printf("{\"system\":\"refgc\",\"bench\":\"%s\",\"shape\":\"%s\",\"n\":%llu,\"collected\":%llu,\"visited\":%llu,\"ns_per_object\":%.1f,\"kernel_ns_per_object\":%.1f}\n",
	       bench, shape,
	       (unsigned long long)n, (unsigned long long)c.collected,
	       (unsigned long long)c.visited, wall * 1e9 / objects,
	       (double)c.duration_ns / objects);
}

int main(int argc, char **argv)
{
	static const uint32_t bsizes[] = { 1, 16, 256, 4096 };
	const char *shape = argc > 1 ? argv[1] : "random";
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 0) : 100000;
	struct graph g;
	uint64_t *ids;
	double secs;
	size_t i;
	int fd;

	rng_state = argc > 3 ? strtoull(argv[3], NULL, 0) : 42;
	if (!strcmp(shape, "young"))
		return bench_young(n);
	if (!strcmp(shape, "memory"))
		return bench_memory(n);
	make_graph(&g, shape, n);
	ids = calloc(n, sizeof(*ids));
	if (!ids)
		die("calloc", ENOMEM);

	/* B3: construction, single ioctls and batches. */
	for (i = 0; i < ARRAY_SIZE(bsizes); i++) {
		if (bsizes[i] == 1 && n > 100000)
			continue;
		fd = build(&g, bsizes[i], ids, &secs);
		printf("{\"system\":\"refgc\",\"bench\":\"B3\",\"shape\":\"%s\",\"n\":%llu,\"batch\":%u,\"ns_per_object\":%.1f}\n",
		       shape,
		       (unsigned long long)n, bsizes[i], secs * 1e9 / n);
		close(fd);
	}

	/* B1: full collection, everything live (a handle on every object). */
	fd = build(&g, REFGC_MAX_BATCH_DEFAULT, ids, &secs);
	collect(fd, "B1", shape, n, n);
	/* B2: everything garbage: drop every handle, then collect. */
	drop_all(fd, ids, n);
	collect(fd, "B2", shape, n, n);
	close(fd);

	/* B1R: everything live through one root container, as CPython's list. */
	fd = build(&g, REFGC_MAX_BATCH_DEFAULT, ids, &secs);
	hold_by_root(fd, ids, n);
	collect(fd, "B1R", shape, n, n);
	close(fd);
	return 0;
}
