// SPDX-License-Identifier: GPL-2.0
/*
 * graph.c - a snapshot of an arena's object graph (every live object, its
 * info and its slots, and the reverse edges), read with batches of
 * GET_INFO and GET_SLOTS, for leaking, chain and dot.
 *
 * The automatic collector may free objects between two batches; such
 * objects are dropped from the snapshot, and slots naming them become -1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define SNAP_CHUNK	4096

struct id_acc {
	struct snap *s;
	size_t cap;
};

static int add_id(const struct refgc_entry *e, void *arg)
{
	struct id_acc *a = arg;
	struct snap *s = a->s;

	if (s->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 1024;
		s->ids = xrealloc(s->ids, a->cap * sizeof(*s->ids));
	}
	s->ids[s->n++] = e->id;
	return 0;
}

/**
 * snap_find() - the index of an object in a snapshot
 * @s: the snapshot.
 * @id: the object id.
 *
 * Return: its index, or -1.
 */
int64_t snap_find(const struct snap *s, uint64_t id)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ids[mid] == id)
			return (int64_t)mid;
		if (s->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* GET_INFO for every object; drop those that died meanwhile. */
static int snap_info(int fd, struct snap *s)
{
	struct refgc_batcher b;
	size_t i, j, k = 0;
	int r;

	r = refgc_batch_init(&b, fd);
	if (r)
		return r;
	s->info = xcalloc(s->n, sizeof(*s->info));
	for (i = 0; i < s->n && !r; i += SNAP_CHUNK) {
		refgc_batch_reset(&b);
		for (j = i; j < s->n && j < i + SNAP_CHUNK; j++)
			refgc_batch_add(&b, REFGC_OP_GET_INFO, s->ids[j], 0,
					sizeof(s->info[j]),
					(uintptr_t)&s->info[j]);
		r = refgc_batch_submit(&b, REFGC_BATCH_CONTINUE);
		for (j = 0; j < b.n; j++)
			if (b.ops[j].error)
				s->info[i + j].id = 0;
	}
	refgc_batch_free(&b);
	for (i = 0; i < s->n; i++) {
		if (!s->info[i].id)
			continue;
		s->ids[k] = s->ids[i];
		s->info[k++] = s->info[i];
	}
	s->n = k;
	return r;
}

/* GET_SLOTS for every object, into s->edges as indices. */
static int snap_slots(int fd, struct snap *s)
{
	struct refgc_batcher b;
	uint64_t *raw, *got;
	size_t i, j, total = 0, e = 0;
	int r;

	s->off = xcalloc(s->n + 1, sizeof(*s->off));
	for (i = 0; i < s->n; i++) {
		s->off[i] = total;
		total += s->info[i].slots;
	}
	s->off[s->n] = total;
	raw = xcalloc(total, sizeof(*raw));
	got = xcalloc(s->n, sizeof(*got));
	r = refgc_batch_init(&b, fd);
	for (i = 0; i < s->n && !r; i += SNAP_CHUNK) {
		refgc_batch_reset(&b);
		for (j = i; j < s->n && j < i + SNAP_CHUNK; j++)
			refgc_batch_add(&b, REFGC_OP_GET_SLOTS, s->ids[j], 0,
					s->info[j].slots, s->info[j].slots ?
					(uintptr_t)&raw[s->off[j]] : 0);
		r = refgc_batch_submit(&b, REFGC_BATCH_CONTINUE);
		for (j = 0; j < b.n; j++) {
			uint64_t n = b.ops[j].error ? 0 : b.ops[j].result;

			got[i + j] = n < s->info[i + j].slots ? n :
				     s->info[i + j].slots;
		}
	}
	refgc_batch_free(&b);
	s->edges = xcalloc(total, sizeof(*s->edges));
	for (i = 0; i < s->n; i++) {
		size_t start = s->off[i];

		s->off[i] = e;
		for (j = 0; j < got[i]; j++)
			s->edges[e++] = snap_find(s, raw[start + j]);
	}
	s->off[s->n] = e;
	free(raw);
	free(got);
	return r;
}

/* The reverse edges: who refers to each object. */
static void snap_reverse(struct snap *s)
{
	size_t i, j, *fill;

	s->roff = xcalloc(s->n + 1, sizeof(*s->roff));
	s->redges = xcalloc(s->off[s->n], sizeof(*s->redges));
	for (i = 0; i < s->off[s->n]; i++)
		if (s->edges[i] >= 0)
			s->roff[s->edges[i] + 1]++;
	for (i = 0; i < s->n; i++)
		s->roff[i + 1] += s->roff[i];
	fill = xmalloc((s->n + 1) * sizeof(*fill));
	memcpy(fill, s->roff, (s->n + 1) * sizeof(*fill));
	for (i = 0; i < s->n; i++)
		for (j = s->off[i]; j < s->off[i + 1]; j++)
			if (s->edges[j] >= 0)
				s->redges[fill[s->edges[j]]++] = (int64_t)i;
	free(fill);
}

/**
 * snap_take() - read the whole object graph of an arena
 * @fd: the arena.
 * @s: filled in; free with snap_free().
 *
 * Return: 0 or -errno.
 */
int snap_take(int fd, struct snap *s)
{
	struct id_acc acc = { .s = s };
	int r;

	memset(s, 0, sizeof(*s));
	r = refgc_list_all(fd, REFGC_LIST_OBJECTS, REFGC_LIST_ALL_GENERATIONS,
			   add_id, &acc);
	if (!r)
		r = snap_info(fd, s);
	if (!r)
		r = snap_slots(fd, s);
	if (r) {
		snap_free(s);
		return r;
	}
	snap_reverse(s);
	return 0;
}

/**
 * snap_free() - release a snapshot
 * @s: the snapshot.
 */
void snap_free(struct snap *s)
{
	free(s->ids);
	free(s->info);
	free(s->off);
	free(s->edges);
	free(s->roff);
	free(s->redges);
	memset(s, 0, sizeof(*s));
}
