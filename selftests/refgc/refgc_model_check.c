// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_model_check.c - what the reference model (refgc_model.c) expects
 * to observe: GET_INFO flags and refcounts, referrers, memory, the
 * model's self-check, and the matching of the events the module queued
 * against the events the model predicted.  Shared, like the model, by
 * refgc_model_test and host/fuzz_model.c; single-threaded, no locks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refgc_model.h"

/* ---- expected observables ---- */

uint32_t rm_expect_flags(const struct rm_model *m, int i, uint32_t *dontcare)
{
	const struct rm_obj *o = &m->o[i];
	uint32_t f = 0;

	if (o->gen >= 0)
		f |= REFGC_INFO_TRACKED;
	if (o->gen == 3)
		f |= REFGC_INFO_FROZEN;
	if (o->finalized)
		f |= REFGC_INFO_FINALIZED;
	if (o->garbage)
		f |= REFGC_INFO_GARBAGE;
	if (o->kind == RM_WEAKREF)
		f |= REFGC_INFO_WEAKREF;
	if (o->dead_ref)
		f |= REFGC_INFO_DEAD_REF;
	if (o->pending)
		f |= REFGC_INFO_PENDING;
	if (dontcare)
		*dontcare = o->dead_ref_any ? REFGC_INFO_DEAD_REF : 0;
	return f;
}

uint64_t rm_refcount(const struct rm_model *m, int i)
{
	return m->o[i].rc;
}

void rm_expect_info(const struct rm_model *m, int i, struct refgc_info *inf,
		    uint32_t *flag_dontcare)
{
	const struct rm_obj *o = &m->o[i];

	memset(inf, 0, sizeof(*inf));
	inf->id = o->id;
	inf->type = o->type;
	inf->flags = rm_expect_flags(m, i, flag_dontcare);
	inf->refcount = o->rc;
	inf->handles = o->handles;
	inf->slots = o->nslots;
	inf->payload_size = o->psize;
	inf->generation = o->gen;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint32_t rm_expect_referrers(const struct rm_model *m, int t, uint64_t *ids,
			     uint32_t cap)
{
	uint64_t *all = malloc((m->nlive + 1) * sizeof(*all));
	uint32_t i, k, n = 0;

	if (!all)
		abort();
	for (i = 0; i < m->nlive; i++) {
		const struct rm_obj *o = &m->o[m->live[i]];

		/* gc.get_referrers(): generations 0-2 only. */
		if (o->gen < 0 || o->gen > 2)
			continue;
		for (k = 0; k < o->nslots; k++)
			if (o->slots[k] == (uint32_t)t) {
				all[n++] = o->id;
				break;
			}
	}
	qsort(all, n, sizeof(*all), cmp_u64);
	if (ids)
		memcpy(ids, all, (n < cap ? n : cap) * sizeof(*ids));
	free(all);
	return n;
}

uint64_t rm_freeze_count(const struct rm_model *m)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < m->nlive; i++)
		n += m->o[m->live[i]].gen == 3;
	return n;
}

void rm_memory(const struct rm_model *m, uint64_t *objects, uint64_t *slots,
	       uint64_t *payload_bytes)
{
	uint32_t i;

	*objects = m->nlive;
	*slots = 0;
	*payload_bytes = 0;
	for (i = 0; i < m->nlive; i++) {
		*slots += m->o[m->live[i]].nslots;
		*payload_bytes += m->o[m->live[i]].psize;
	}
}

int rm_selfcheck(struct rm_model *m)
{
	uint64_t *rc = calloc(m->n + 1, sizeof(*rc));
	uint32_t i, k;
	int bad = 0;

	if (!rc)
		abort();
	for (i = 0; i < m->nlive; i++) {
		const struct rm_obj *o = &m->o[m->live[i]];

		rc[m->live[i]] += o->handles + o->pending + o->garbage;
		for (k = 0; k < o->nslots; k++)
			rc[o->slots[k]]++;
	}
	for (i = 0; i < m->nlive && !bad; i++) {
		const struct rm_obj *o = &m->o[m->live[i]];

		if (rc[m->live[i]] != o->rc) {
			snprintf(m->why, sizeof(m->why),
				 "model: id %llu rc %llu, recount %llu",
				 (unsigned long long)o->id,
				 (unsigned long long)o->rc,
				 (unsigned long long)rc[m->live[i]]);
			bad = 1;
		}
		for (k = 0; k < o->nslots && !bad; k++)
			bad = !m->o[o->slots[k]].alive;
	}
	free(rc);
	return bad ? -1 : 0;
}

/* ---- events ---- */

uint32_t rm_events_queued(const struct rm_model *m)
{
	uint32_t i, n = 0;

	for (i = 0; i < m->nev; i++)
		n += !m->ev[i].optional;
	return n;
}

static int same_ev(const struct refgc_event *a, const struct refgc_event *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case REFGC_EV_GC_START:
		return a->generation == b->generation;
	case REFGC_EV_GC_STOP:
		return a->generation == b->generation &&
		       a->collected == b->collected &&
		       a->uncollectable == b->uncollectable &&
		       a->visited == b->visited;
	case REFGC_EV_WEAKREF:
		return a->id == b->id && a->cookie == b->cookie;
	default:
		return a->id == b->id;
	}
}

static void ev_str(char *buf, size_t n, const struct refgc_event *e)
{
	snprintf(buf, n, "{type %u id %llu cookie %llu gen %d c %llu u %llu v %llu}",
		 e->type, (unsigned long long)e->id,
		 (unsigned long long)e->cookie, e->generation,
		 (unsigned long long)e->collected,
		 (unsigned long long)e->uncollectable,
		 (unsigned long long)e->visited);
}

/*
 * Match the records of one group: @got[0..n) against the predicted
 * m->ev[from..to).  A collection's group starts with GC_START and ends
 * with GC_STOP; otherwise order within a group is not compared.
 */
static int match_group(struct rm_model *m, const struct refgc_event *got,
		       uint32_t n, uint32_t from, uint32_t to)
{
	char *used = calloc(to - from + 1, 1);
	uint32_t i, e;
	char a[160];

	if (!used)
		abort();
	for (i = 0; i < n; i++) {
		for (e = from; e < to; e++)
			if (!used[e - from] && same_ev(&got[i], &m->ev[e].e))
				break;
		if (e == to) {
			ev_str(a, sizeof(a), &got[i]);
			snprintf(m->why, sizeof(m->why),
				 "unexpected event %s", a);
			free(used);
			return -1;
		}
		used[e - from] = 1;
	}
	for (e = from; e < to; e++)
		if (!used[e - from] && !m->ev[e].optional) {
			ev_str(a, sizeof(a), &m->ev[e].e);
			snprintf(m->why, sizeof(m->why),
				 "missing event %s (group %d)", a,
				 m->ev[e].group);
			free(used);
			return -1;
		}
	free(used);
	return 0;
}

/*
 * How many of the @n records at @got belong to the group m->ev[from..to):
 * the leading ones that each match a distinct predicted record, optional
 * or not.  Counting only the required ones would take an optional record
 * that did come in place of a required one behind it.  A record cannot
 * belong to two groups: WEAKREF and FINALIZE come once per object.
 */
static int group_len(const struct rm_model *m, const struct refgc_event *got,
		     int n, uint32_t from, uint32_t to)
{
	char *used = calloc(to - from + 1, 1);
	uint32_t e;
	int i;

	if (!used)
		abort();
	for (i = 0; i < n; i++) {
		for (e = from; e < to; e++)
			if (!used[e - from] && same_ev(&got[i], &m->ev[e].e))
				break;
		if (e == to)
			break;
		used[e - from] = 1;
	}
	free(used);
	return i;
}

int rm_events(struct rm_model *m, const struct refgc_event *got, int n)
{
	uint32_t e = 0, g = 0;
	int pos = 0, i;

	for (i = 0; i < n; i++)
		if (got[i].type == REFGC_EV_OVERFLOW) {
			snprintf(m->why, sizeof(m->why), "event overflow");
			return -1;
		}
	while (e < m->nev) {
		uint32_t end = e, req = 0, k;
		int collect = m->ev[e].e.type == REFGC_EV_GC_START;
		int cnt;

		while (end < m->nev && m->ev[end].group == m->ev[e].group)
			req += !m->ev[end++].optional;
		if (collect) {
			/* Up to and including the GC_STOP record. */
			for (cnt = 0; pos + cnt < n; cnt++)
				if (got[pos + cnt].type == REFGC_EV_GC_STOP)
					break;
			cnt++;
			if (pos + cnt > n || got[pos].type != REFGC_EV_GC_START) {
				snprintf(m->why, sizeof(m->why),
					 "collection group %u malformed", g);
				return -1;
			}
		} else {
			cnt = group_len(m, got + pos, n - pos, e, end);
			if (cnt < (int)req)
				cnt = req;	/* match_group says what is missing */
		}
		if (pos + cnt > n) {
			snprintf(m->why, sizeof(m->why),
				 "%d events read, more predicted", n);
			return -1;
		}
		if (match_group(m, got + pos, cnt, e, end))
			return -1;
		for (k = e; k < end; k++) {
			if (m->ev[k].e.type == REFGC_EV_FINALIZE) {
				int o = rm_find(m, m->ev[k].e.id);

				m->o[o].pending = 0;
				m->o[o].handles++;
			}
		}
		pos += cnt;
		e = end;
		g++;
	}
	m->nev = 0;
	if (pos != n) {
		char a[160];

		ev_str(a, sizeof(a), &got[pos]);
		snprintf(m->why, sizeof(m->why),
			 "%d events read, %d predicted; first extra %s", n,
			 pos, a);
		return -1;
	}
	return 0;
}
