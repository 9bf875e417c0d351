// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_model.c - the reference model of an arena; see refgc_model.h.
 * Written from the documented semantics, not from module/: refcount =
 * handles + incoming slots + garbage entry + pending FINALIZE event; a
 * refcount of zero finalizes (once) or frees, cascading in FIFO order.
 * This file owns the objects, their refcounts and the ops;
 * refgc_model_collect.c the collector.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refgc_model_internal.h"

#ifndef fallthrough
#define fallthrough __attribute__((__fallthrough__))
#endif

#define F_ID	1u
#define F_ARG	2u
#define F_ARG2	4u
#define F_ADDR	8u

static const uint8_t op_fields[REFGC_OP_MAX] = {
	[REFGC_OP_NEW] = F_ARG | F_ARG2,
	[REFGC_OP_INCREF] = F_ID,
	[REFGC_OP_DECREF] = F_ID,
	[REFGC_OP_LINK] = F_ID | F_ARG,
	[REFGC_OP_UNLINK] = F_ID | F_ARG,
	[REFGC_OP_REMOVE] = F_ID | F_ARG,
	[REFGC_OP_SET] = F_ID | F_ARG | F_ARG2,
	[REFGC_OP_CLEAR] = F_ID,
	[REFGC_OP_GET_SLOTS] = F_ID | F_ARG2 | F_ADDR,
	[REFGC_OP_READ] = F_ID | F_ARG | F_ARG2 | F_ADDR,
	[REFGC_OP_WRITE] = F_ID | F_ARG | F_ARG2 | F_ADDR,
	[REFGC_OP_GET_INFO] = F_ID | F_ARG2 | F_ADDR,
	[REFGC_OP_WEAKREF_NEW] = F_ID | F_ARG,
	[REFGC_OP_WEAKREF_GET] = F_ID,
	[REFGC_OP_WEAKREF_DROP] = F_ID,
	[REFGC_OP_GET_REFERRERS] = F_ID | F_ARG2 | F_ADDR,
};

void *rm_grow(void *p, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t c = *cap;

	if (need <= c)
		return p;
	while (c < need)
		c = c ? 2 * c : 16;
	p = realloc(p, (size_t)c * size);
	if (!p) {
		fprintf(stderr, "refgc_model: out of memory\n");
		abort();
	}
	*cap = c;
	return p;
}

void rm_init(struct rm_model *m, const uint32_t type_id[4], uint32_t ntypes,
	     uint64_t max_payload)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->type_id, type_id, sizeof(m->type_id));
	m->ntypes = ntypes;
	m->max_payload = max_payload;
}

void rm_fini(struct rm_model *m)
{
	uint32_t i;

	for (i = 0; i < m->n; i++) {
		free(m->o[i].slots);
		free(m->o[i].wrefs);
		free(m->o[i].payload);
	}
	free(m->o);
	free(m->live);
	free(m->garbage);
	free(m->queue);
	free(m->trash);
	free(m->ev);
	memset(m, 0, sizeof(*m));
}

int rm_find(const struct rm_model *m, uint64_t id)
{
	uint32_t lo = 0, hi = m->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->o[mid].id == id)
			return mid;
		if (m->o[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int rm_live(const struct rm_model *m, uint64_t id)
{
	int i = id ? rm_find(m, id) : -1;

	return i >= 0 && m->o[i].alive ? i : -1;
}

void rm_emit(struct rm_model *m, uint32_t type, uint64_t id, uint64_t cookie,
	     int optional)
{
	struct rm_ev *e;

	m->ev = rm_grow(m->ev, &m->evcap, m->nev + 1, sizeof(*m->ev));
	e = &m->ev[m->nev++];
	memset(e, 0, sizeof(*e));
	e->e.type = type;
	e->e.id = id;
	e->e.cookie = cookie;
	e->optional = optional;
	e->group = m->group;
}

void rm_step(struct rm_model *m)
{
	m->group++;
}

/* ---- objects and refcounting ---- */

static int tracked(const struct rm_obj *o)
{
	return o->kind != RM_ATOMIC;
}

void rm_wref_del(struct rm_model *m, int w)
{
	struct rm_obj *r;
	uint32_t k;

	if (m->o[w].referent < 0)
		return;
	r = &m->o[m->o[w].referent];
	for (k = 0; k < r->nwrefs; k++)
		if (r->wrefs[k] == (uint32_t)w) {
			r->wrefs[k] = r->wrefs[--r->nwrefs];
			break;
		}
	m->o[w].referent = -1;
}

static int new_obj(struct rm_model *m, int kind, uint32_t type, uint64_t id)
{
	struct rm_obj *o;
	int i = m->n;

	m->o = rm_grow(m->o, &m->cap, m->n + 1, sizeof(*m->o));
	o = &m->o[m->n++];
	memset(o, 0, sizeof(*o));
	o->id = id;
	o->kind = kind;
	o->type = type;
	o->alive = 1;
	o->handles = 1;
	o->rc = 1;
	o->referent = -1;
	o->gen = tracked(o) ? 0 : -1;
	if (tracked(o))
		m->count[0]++;
	m->live = rm_grow(m->live, &m->lcap, m->nlive + 1, sizeof(*m->live));
	o->lpos = m->nlive;
	m->live[m->nlive++] = i;
	return i;
}

static void clear_wrefs(struct rm_model *m, int i);

/*
 * Refcount reached zero: finalize once (the event holds it), or die.  A
 * legacy arena's finalizer (tp_del) comes after the weakrefs are cleared.
 */
static void zero(struct rm_model *m, int i)
{
	struct rm_obj *o = &m->o[i];

	if (o->kind == RM_FINALIZER && !o->finalized) {
		if (m->legacy)
			clear_wrefs(m, i);
		o->finalized = 1;
		o->pending = 1;
		o->rc = 1;
		/* Untracked and tracked again, as subtype_dealloc: gen 0. */
		if (o->gen >= 0)
			o->gen = 0;
		rm_emit(m, REFGC_EV_FINALIZE, o->id, 0, 0);
		return;
	}
	if (o->gen >= 0 && m->count[0] > 0)
		m->count[0]--;
	o->gen = -1;
	m->queue = rm_grow(m->queue, &m->qcap, m->qtail + 1, sizeof(*m->queue));
	m->queue[m->qtail++] = i;
}

void rm_decref(struct rm_model *m, int i)
{
	if (!m->o[i].rc) {
		snprintf(m->why, sizeof(m->why), "model: rc underflow %d", i);
		return;
	}
	if (!--m->o[i].rc)
		zero(m, i);
}

static void dealloc(struct rm_model *m, int i);

/*
 * Release @i's slots last to first (CPython's list_clear() and
 * list_dealloc()); what dies is deallocated before the next slot.
 */
static void drop_slots(struct rm_model *m, int i)
{
	while (m->o[i].nslots) {
		int c = m->o[i].slots[--m->o[i].nslots];

		rm_decref(m, c);
		if (!m->o[c].rc && m->qtail &&
		    m->queue[m->qtail - 1] == (uint32_t)c) {
			m->qtail--;	/* queued by zero(): not FIFO here */
			dealloc(m, c);
		}
	}
}

/*
 * tp_clear of a live container, as CPython's list_clear(): its slots are
 * taken off it first (a death below may reach it, or kill it), then
 * released last to first, each death dealt with before the next.
 */
void rm_clear_slots(struct rm_model *m, int i)
{
	uint32_t *slots = m->o[i].slots, n = m->o[i].nslots;

	m->o[i].slots = NULL;
	m->o[i].nslots = 0;
	m->o[i].cap = 0;
	while (n--) {
		rm_decref(m, slots[n]);
		rm_reap(m);
	}
	free(slots);
}

static void kill(struct rm_model *m, int i)
{
	struct rm_obj *o = &m->o[i];

	o->alive = 0;
	free(o->payload);
	o->payload = NULL;
	free(o->slots);
	o->slots = NULL;
	o->cap = 0;
	m->live[o->lpos] = m->live[--m->nlive];
	m->o[m->live[o->lpos]].lpos = o->lpos;
}

/* Its weakrefs are cleared; live ones with callbacks fire. */
static void clear_wrefs(struct rm_model *m, int i)
{
	struct rm_obj *o = &m->o[i];

	while (o->nwrefs) {
		int w = o->wrefs[o->nwrefs - 1];
		struct rm_obj *wo = &m->o[w];

		rm_wref_del(m, w);
		wo->dead_ref = 1;
		if (wo->callback && wo->rc)
			rm_emit(m, REFGC_EV_WEAKREF, wo->id, wo->cookie, 0);
	}
}

/*
 * CPython 3.11's deallocation, as CPython writes it: recursive, depth
 * first, with the trashcan putting aside what nests past 50 levels.
 * Atomic objects and weakrefs die at once, without the trashcan.
 */
static void dealloc(struct rm_model *m, int i)
{
	if (m->o[i].kind == RM_ATOMIC || m->o[i].kind == RM_WEAKREF) {
		clear_wrefs(m, i);
		if (m->o[i].kind == RM_WEAKREF)
			rm_wref_del(m, i);
		kill(m, i);
		return;
	}
	if (m->trash_nesting >= 50) {
		m->trash = rm_grow(m->trash, &m->tcap, m->ntrash + 1,
				   sizeof(*m->trash));
		m->trash[m->ntrash++] = i;
		return;
	}
	m->trash_nesting++;
	clear_wrefs(m, i);
	drop_slots(m, i);
	kill(m, i);
	if (--m->trash_nesting || !m->ntrash)
		return;
	m->trash_nesting++;
	while (m->ntrash)
		dealloc(m, m->trash[--m->ntrash]);
	m->trash_nesting--;
}

/* Deallocate what is on the dying queue, in queue order. */
void rm_reap(struct rm_model *m)
{
	while (m->qhead < m->qtail)
		dealloc(m, m->queue[m->qhead++]);
	m->qhead = 0;
	m->qtail = 0;
}

static void push_slot(struct rm_model *m, int src, int dst)
{
	struct rm_obj *o = &m->o[src];

	o->slots = rm_grow(o->slots, &o->cap, o->nslots + 1, sizeof(*o->slots));
	o->slots[o->nslots++] = dst;
	m->o[dst].rc++;
}

static int container(const struct rm_obj *o)
{
	return o->kind == RM_CONTAINER || o->kind == RM_FINALIZER;
}

static int kind_of_type(const struct rm_model *m, uint64_t type)
{
	int k;

	for (k = 0; k < 4; k++)
		if (m->type_id[k] == type)
			return k;
	return RM_CONTAINER;
}

int rm_op(struct rm_model *m, const struct refgc_op *op, uint64_t new_id,
	  uint64_t *result)
{
	uint8_t f;
	int s = -1, d = -1;
	struct rm_obj *so;
	uint32_t k;

	*result = 0;
	if (!op->op || op->op >= REFGC_OP_MAX)
		return -EINVAL;
	f = op_fields[op->op];
	if (op->reserved ||
	    (op->flags && (op->op != REFGC_OP_WEAKREF_NEW ||
			   op->flags & ~REFGC_WEAKREF_CALLBACK)) ||
	    (!(f & F_ID) && op->id) || (!(f & F_ARG) && op->arg) ||
	    (!(f & F_ARG2) && op->arg2) || (!(f & F_ADDR) && op->addr))
		return -EINVAL;
	if (op->op != REFGC_OP_NEW) {
		s = rm_live(m, op->id);
		if (s < 0)
			return -ENOENT;
	}
	so = s >= 0 ? &m->o[s] : NULL;
	switch (op->op) {
	case REFGC_OP_NEW: {
		int kind;

		if (!op->arg || op->arg >= m->ntypes)
			return -ENOENT;
		if (op->arg == REFGC_TYPE_WEAKREF_ID)
			return -EINVAL;
		if (op->arg2 > m->max_payload)
			return -EFBIG;
		if (m->n && new_id <= m->o[m->n - 1].id) {
			snprintf(m->why, sizeof(m->why),
				 "new id %llu not above %llu",
				 (unsigned long long)new_id,
				 (unsigned long long)m->o[m->n - 1].id);
			return -EPROTO;
		}
		kind = kind_of_type(m, op->arg);
		s = new_obj(m, kind, op->arg, new_id);
		m->o[s].psize = op->arg2;
		if (op->arg2)
			m->o[s].payload = calloc(1, op->arg2);
		*result = new_id;
		return 0;
	}
	case REFGC_OP_INCREF:
		so->rc++;
		*result = ++so->handles;
		return 0;
	case REFGC_OP_WEAKREF_DROP:
		if (so->kind != RM_WEAKREF)
			return -EINVAL;
		fallthrough;
	case REFGC_OP_DECREF:
		if (!so->handles)
			return -EINVAL;
		*result = --so->handles;
		rm_decref(m, s);
		rm_reap(m);
		return 0;
	case REFGC_OP_LINK:
	case REFGC_OP_REMOVE:
	case REFGC_OP_SET:
		d = rm_live(m, op->arg);
		if (d < 0)
			return -ENOENT;
		fallthrough;
	case REFGC_OP_UNLINK:
	case REFGC_OP_CLEAR:
		if (!container(so))
			return -EINVAL;
		break;
	case REFGC_OP_GET_SLOTS:
		/* A NULL buffer stands for a bad pointer: EFAULT if used. */
		if (!op->addr && op->arg2 && so->nslots)
			return -EFAULT;
		*result = so->nslots;
		return 0;
	case REFGC_OP_READ:
	case REFGC_OP_WRITE:
		if (op->arg > so->psize || op->arg2 > so->psize - op->arg)
			return -EINVAL;
		if (!op->addr && op->arg2)
			return -EFAULT;
		if (op->op == REFGC_OP_WRITE && op->arg2)
			memcpy(so->payload + op->arg,
			       (const void *)(uintptr_t)op->addr, op->arg2);
		*result = op->arg2;
		return 0;
	case REFGC_OP_GET_INFO:
		if (op->arg2 < sizeof(struct refgc_info) || op->arg2 > 4096)
			return -EINVAL;
		if (!op->addr)
			return -EFAULT;
		*result = sizeof(struct refgc_info);
		return 0;
	case REFGC_OP_WEAKREF_NEW: {
		struct rm_obj *wo, *r;
		uint32_t k;
		int w;

		/* weakref.ref(x) is weakref.ref(x): the basic one, again. */
		for (k = 0; !op->flags && k < so->nwrefs; k++) {
			wo = &m->o[so->wrefs[k]];
			if (wo->callback)
				continue;
			wo->rc++;
			wo->handles++;
			*result = wo->id;
			return 0;
		}
		if (m->n && new_id <= m->o[m->n - 1].id)
			return -EPROTO;
		w = new_obj(m, RM_WEAKREF, REFGC_TYPE_WEAKREF_ID, new_id);
		wo = &m->o[w];
		r = &m->o[s];
		wo->referent = s;
		wo->cookie = op->arg;
		wo->callback = !!(op->flags & REFGC_WEAKREF_CALLBACK);
		r->wrefs = rm_grow(r->wrefs, &r->wcap, r->nwrefs + 1,
				   sizeof(*r->wrefs));
		r->wrefs[r->nwrefs++] = w;
		*result = new_id;
		return 0;
	}
	case REFGC_OP_WEAKREF_GET:
		if (so->kind != RM_WEAKREF)
			return -EINVAL;
		if (so->referent < 0)
			return -ENOENT;
		m->o[so->referent].rc++;
		m->o[so->referent].handles++;
		*result = m->o[so->referent].id;
		return 0;
	case REFGC_OP_GET_REFERRERS:
		*result = rm_expect_referrers(m, s, NULL, 0);
		if (!op->addr && op->arg2 && *result) {
			*result = 0;
			return -EFAULT;
		}
		return 0;
	}

	/* Slot operations on container @so. */
	switch (op->op) {
	case REFGC_OP_LINK:
		*result = so->nslots;
		push_slot(m, s, d);
		return 0;
	case REFGC_OP_UNLINK: {
		int old;

		if (op->arg >= so->nslots)
			return -EINVAL;
		old = so->slots[op->arg];
		*result = m->o[old].id;
		memmove(&so->slots[op->arg], &so->slots[op->arg + 1],
			(so->nslots - op->arg - 1) * sizeof(*so->slots));
		so->nslots--;
		rm_decref(m, old);
		rm_reap(m);
		return 0;
	}
	case REFGC_OP_REMOVE:
		for (k = 0; k < so->nslots; k++)
			if (so->slots[k] == (uint32_t)d)
				break;
		if (k == so->nslots)
			return -ENOENT;
		*result = k;
		memmove(&so->slots[k], &so->slots[k + 1],
			(so->nslots - k - 1) * sizeof(*so->slots));
		so->nslots--;
		rm_decref(m, d);
		rm_reap(m);
		return 0;
	case REFGC_OP_SET: {
		int old;

		if (op->arg2 >= so->nslots)
			return -EINVAL;
		old = so->slots[op->arg2];
		*result = m->o[old].id;
		m->o[d].rc++;
		so->slots[op->arg2] = d;
		rm_decref(m, old);
		rm_reap(m);
		return 0;
	}
	case REFGC_OP_CLEAR:
		*result = so->nslots;
		rm_clear_slots(m, s);
		return 0;
	}
	return -EINVAL;
}
