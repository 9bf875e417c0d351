// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_bench_b45.c - the refgc side of B4 (automatic collection while
 * objects die young) and B5 (memory per object and per reference).
 *
 * B4 workload, the same in bench/cpython_bench.py and bench/host_bench.c:
 * objects are made in chunks of YOUNG_CHUNK.  Within a chunk, groups of 4
 * consecutive objects form a cycle (j -> j+1, last -> first of the group),
 * and each object also references a random "kept" object if there is one.
 * With probability 1/100 an object is kept for good (its handle stays);
 * every other handle is dropped at the end of its chunk.  So ~96% of the
 * objects become cyclic garbage young, that only the collector frees.
 * Automatic collection runs with the default thresholds (700, 10, 10).
 * A pause is a collection's duration_ns (GC_STOP); "gc cpu ns/obj" is
 * their sum too: the worker computes throughout a collection (it only
 * yields at cond_resched()), so wall time there is its CPU time.  The
 * CPython side measures both (perf_counter_ns, thread_time_ns).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "refgc_bench.h"

#define YOUNG_CHUNK	256

struct pauses {
	uint64_t *ns;
	size_t n, cap;
	uint64_t coll[REFGC_NUM_GENERATIONS];
	uint64_t total;
	uint64_t collected;
	uint64_t visited;
	uint64_t lost;
};

static void read_events(int fd, struct pauses *p)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct refgc_event ev[64];

	while (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
		ssize_t r = read(fd, ev, sizeof(ev));
		size_t i;

		if (r < 0)
			die("read events", errno);
		for (i = 0; i < r / sizeof(ev[0]); i++) {
			if (ev[i].type == REFGC_EV_OVERFLOW)
				p->lost += ev[i].lost;
			if (ev[i].type != REFGC_EV_GC_STOP)
				continue;
			if (p->n == p->cap) {
				p->cap = p->cap ? 2 * p->cap : 1024;
				p->ns = realloc(p->ns, p->cap * sizeof(*p->ns));
				if (!p->ns)
					die("realloc", ENOMEM);
			}
			p->ns[p->n++] = ev[i].duration_ns;
			p->coll[ev[i].generation]++;
			p->total += ev[i].duration_ns;
			p->collected += ev[i].collected;
			p->visited += ev[i].visited;
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t arena_bytes(int fd, uint64_t *objects)
{
	struct refgc_memory m;

	if (ioctl(fd, REFGC_IOC_GET_MEMORY, &m))
		die("GET_MEMORY", errno);
	if (objects)
		*objects = m.objects;
	return m.bytes;
}

static int open_arena(uint32_t *type)
{
	struct refgc_type t = { .name = "list" };
	int fd = open("/dev/refgc", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("/dev/refgc", errno);
	if (ioctl(fd, REFGC_IOC_TYPE_REGISTER, &t))
		die("TYPE_REGISTER", errno);
	*type = t.id;
	return fd;
}

/* B4: see the top of the file. */
int bench_young(uint64_t n)
{
	struct refgc_op *ops = calloc(3 * YOUNG_CHUNK, sizeof(*ops));
	uint64_t *kept = calloc(n / 50 + 16, sizeof(*kept));
	uint64_t ids[YOUNG_CHUNK], drop[YOUNG_CHUNK];
	uint64_t c, nkept = 0, peak = 0, bytes, end_objects, p99;
	struct pauses p = { 0 };
	double t0, wall;
	uint32_t type;
	int fd = open_arena(&type);

	if (!ops || !kept)
		die("calloc", ENOMEM);
	t0 = now();
	for (c = 0; c < n; c += YOUNG_CHUNK) {
		uint64_t j, m = n - c < YOUNG_CHUNK ? n - c : YOUNG_CHUNK;
		uint64_t k = 0, nd = 0;

		for (j = 0; j < m; j++)
			ops[j] = (struct refgc_op){ .op = REFGC_OP_NEW,
						    .arg = type };
		submit(fd, ops, m, REFGC_MAX_BATCH_DEFAULT);
		for (j = 0; j < m; j++)
			ids[j] = ops[j].result;
		for (j = 0; j < m; j++) {
			uint64_t dst = (j % 4 == 3 || j == m - 1) ?
				       ids[j - j % 4] : ids[j + 1];

			ops[k++] = (struct refgc_op){ .op = REFGC_OP_LINK,
						      .id = ids[j],
						      .arg = dst };
			if (nkept)
				ops[k++] = (struct refgc_op){
					.op = REFGC_OP_LINK, .id = ids[j],
					.arg = kept[rng_next() % nkept] };
			if (rng_next() % 100 == 0)
				kept[nkept++] = ids[j];
			else
				drop[nd++] = ids[j];
		}
		for (j = 0; j < nd; j++)
			ops[k++] = (struct refgc_op){ .op = REFGC_OP_DECREF,
						      .id = drop[j] };
		submit(fd, ops, k, REFGC_MAX_BATCH_DEFAULT);
		bytes = arena_bytes(fd, NULL);
		if (bytes > peak)
			peak = bytes;
		read_events(fd, &p);
	}
	if (ioctl(fd, REFGC_IOC_SYNC))
		die("SYNC", errno);
	wall = now() - t0;
	read_events(fd, &p);
	arena_bytes(fd, &end_objects);
	if (p.lost)
		fprintf(stderr, "refgc_bench: %llu events lost\n",
			(unsigned long long)p.lost);
	qsort(p.ns, p.n, sizeof(*p.ns), cmp_u64);
	p99 = p.n ? p.ns[p.n * 99 / 100] : 0;
	printf("{\"system\":\"refgc\",\"bench\":\"B4\",\"shape\":\"young\",\"n\":%llu,\"collections\":[%llu,%llu,%llu],\"events_lost\":%llu,\"collected\":%llu,\"visited\":%llu,\"end_objects\":%llu,\"wall_ns_per_object\":%.1f,\"metrics\":{\"gc ns/obj\":%.1f,\"gc cpu ns/obj\":%.1f,\"max pause us\":%.1f,\"p99 pause us\":%.1f,\"peak MB\":%.2f}}\n",
	       (unsigned long long)n, (unsigned long long)p.coll[0],
	       (unsigned long long)p.coll[1], (unsigned long long)p.coll[2],
	       (unsigned long long)p.lost, (unsigned long long)p.collected,
	       (unsigned long long)p.visited, (unsigned long long)end_objects,
	       wall * 1e9 / n, (double)p.total / n, (double)p.total / n,
	       p.n ? p.ns[p.n - 1] / 1e3 : 0.0, p99 / 1e3, peak / 1e6);
	close(fd);
	free(p.ns);
	free(ops);
	free(kept);
	return 0;
}

static long slab_attr(const char *cache, const char *attr)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", cache, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * The kernel memory the benchmark can make grow, in bytes: unreclaimable
 * slab (objects, slot arrays, memcg vectors) plus vmalloc (large kvmalloc
 * arrays), from /proc/meminfo.  Not the id index: the xarray's nodes are
 * in the reclaimable radix_tree_node cache (bench_memory() adds them).
 */
static long long kernel_bytes(void)
{
	long long v, sum = 0;
	char key[64];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld kB\n", key, &v) == 2)
		if (!strcmp(key, "SUnreclaim:") || !strcmp(key, "VmallocUsed:"))
			sum += v * 1024;
	fclose(f);
	return sum;
}

/* Bytes per object of a slab cache: slab size / objects per slab. */
static double slab_footprint(const char *cache)
{
	long order = slab_attr(cache, "order");
	long per_slab = slab_attr(cache, "objs_per_slab");

	if (order < 0 || per_slab <= 0)
		return -1;
	return (double)(sysconf(_SC_PAGESIZE) << order) / per_slab;
}

/*
 * B5: per object, the slab's real footprint (slab size / objects per slab)
 * plus the id index (radix_tree_node objects the xarray gained, per
 * object); per reference, the arena's accounting (random shape, two
 * references each, so every slot array has capacity 2).  Without slab
 * sysfs, the arena's accounting per object.  "real B/object" is what the
 * kernel's unreclaimable slab and vmalloc grew by, objects and their two
 * references together, plus the id index: its xarray nodes are
 * radix_tree_node objects, a reclaimable cache (SReclaimable, not
 * SUnreclaim), so their growth is added as slab footprint, as "index"
 * counts it; per object.
 */
int bench_memory(uint64_t n)
{
	struct refgc_threshold th = { .threshold = { 0, 10, 10 } };
	struct refgc_op *ops = calloc(2 * n, sizeof(*ops));
	uint64_t *ids = calloc(n, sizeof(*ids)), i, b0, b1, b2;
	long osize = slab_attr("refgc_object", "object_size");
	long rt0 = slab_attr("radix_tree_node", "objects"), rt1, rt2;
	double foot = slab_footprint("refgc_object"), index = 0, real = -1;
	double rt_foot = slab_footprint("radix_tree_node");
	long long k0 = kernel_bytes(), k1;
	uint32_t type;
	int fd = open_arena(&type);

	if (!ops || !ids)
		die("calloc", ENOMEM);
	if (ioctl(fd, REFGC_IOC_SET_THRESHOLD, &th))
		die("SET_THRESHOLD", errno);
	b0 = arena_bytes(fd, NULL);
	for (i = 0; i < n; i++)
		ops[i] = (struct refgc_op){ .op = REFGC_OP_NEW, .arg = type };
	submit(fd, ops, n, REFGC_MAX_BATCH_DEFAULT);
	for (i = 0; i < n; i++)
		ids[i] = ops[i].result;
	b1 = arena_bytes(fd, NULL);
	rt1 = slab_attr("radix_tree_node", "objects");
	if (rt0 >= 0 && rt1 > rt0)
		index = (rt1 - rt0) * rt_foot / n;
	for (i = 0; i < 2 * n; i++)
		ops[i] = (struct refgc_op){ .op = REFGC_OP_LINK,
					    .id = ids[i / 2],
					    .arg = ids[rng_next() % n] };
	submit(fd, ops, 2 * n, REFGC_MAX_BATCH_DEFAULT);
	b2 = arena_bytes(fd, NULL);
	k1 = kernel_bytes();
	rt2 = slab_attr("radix_tree_node", "objects");
	if (k0 >= 0 && k1 >= 0) {
		real = (double)(k1 - k0);
		if (rt0 >= 0 && rt2 > rt0)
			real += (rt2 - rt0) * rt_foot;
		real /= n;
	}
	printf("{\"system\":\"refgc\",\"bench\":\"B5\",\"shape\":\"random\",\"n\":%llu,\"slab_object_size\":%ld,\"slab_footprint\":%.1f,\"index_per_object\":%.1f,\"metrics\":{\"B/object\":%.1f,\"B/ref\":%.2f,\"real B/object\":%.1f}}\n",
	       (unsigned long long)n, osize, foot, index,
	       foot > 0 ? foot + index : (double)(b1 - b0) / n,
	       (double)(b2 - b1) / (2.0 * n),
	       real);
	close(fd);
	free(ops);
	free(ids);
	return 0;
}
