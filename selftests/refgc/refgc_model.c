// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_model.c - the reference model of an arena; see refgc_model.h.
 * Written from the documented semantics, not from module/: refcount =
 * handles + incoming slots + garbage entry + pending FINALIZE event; a
 * refcount of zero finalizes (once) or frees, cascading in FIFO order;
 * COLLECT(g) by breadth-first search over the young set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refgc_model.h"

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

static void *xgrow(void *p, uint32_t *cap, uint32_t need, size_t size)
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

static void emit(struct rm_model *m, uint32_t type, uint64_t id,
		 uint64_t cookie, int optional)
{
	struct rm_ev *e;

	m->ev = xgrow(m->ev, &m->evcap, m->nev + 1, sizeof(*m->ev));
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

static void wref_del(struct rm_model *m, int w)
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

	m->o = xgrow(m->o, &m->cap, m->n + 1, sizeof(*m->o));
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
	m->live = xgrow(m->live, &m->lcap, m->nlive + 1, sizeof(*m->live));
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
		emit(m, REFGC_EV_FINALIZE, o->id, 0, 0);
		return;
	}
	if (o->gen >= 0 && m->count[0] > 0)
		m->count[0]--;
	o->gen = -1;
	m->queue = xgrow(m->queue, &m->qcap, m->qtail + 1, sizeof(*m->queue));
	m->queue[m->qtail++] = i;
}

static void decref(struct rm_model *m, int i)
{
	if (!m->o[i].rc) {
		snprintf(m->why, sizeof(m->why), "model: rc underflow %d", i);
		return;
	}
	if (!--m->o[i].rc)
		zero(m, i);
}

static void dealloc(struct rm_model *m, int i);
static void reap(struct rm_model *m);

/*
 * Release @i's slots last to first (CPython's list_clear() and
 * list_dealloc()); what dies is deallocated before the next slot.
 */
static void drop_slots(struct rm_model *m, int i)
{
	while (m->o[i].nslots) {
		int c = m->o[i].slots[--m->o[i].nslots];

		decref(m, c);
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
static void clear_slots(struct rm_model *m, int i)
{
	uint32_t *slots = m->o[i].slots, n = m->o[i].nslots;

	m->o[i].slots = NULL;
	m->o[i].nslots = 0;
	m->o[i].cap = 0;
	while (n--) {
		decref(m, slots[n]);
		reap(m);
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

		wref_del(m, w);
		wo->dead_ref = 1;
		if (wo->callback && wo->rc)
			emit(m, REFGC_EV_WEAKREF, wo->id, wo->cookie, 0);
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
			wref_del(m, i);
		kill(m, i);
		return;
	}
	if (m->trash_nesting >= 50) {
		m->trash = xgrow(m->trash, &m->tcap, m->ntrash + 1,
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
static void reap(struct rm_model *m)
{
	while (m->qhead < m->qtail)
		dealloc(m, m->queue[m->qhead++]);
	m->qhead = 0;
	m->qtail = 0;
}

static void push_slot(struct rm_model *m, int src, int dst)
{
	struct rm_obj *o = &m->o[src];

	o->slots = xgrow(o->slots, &o->cap, o->nslots + 1, sizeof(*o->slots));
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
		decref(m, s);
		reap(m);
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
		r->wrefs = xgrow(r->wrefs, &r->wcap, r->nwrefs + 1,
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
		decref(m, old);
		reap(m);
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
		decref(m, d);
		reap(m);
		return 0;
	case REFGC_OP_SET: {
		int old;

		if (op->arg2 >= so->nslots)
			return -EINVAL;
		old = so->slots[op->arg2];
		*result = m->o[old].id;
		m->o[d].rc++;
		so->slots[op->arg2] = d;
		decref(m, old);
		reap(m);
		return 0;
	}
	case REFGC_OP_CLEAR:
		*result = so->nslots;
		clear_slots(m, s);
		return 0;
	}
	return -EINVAL;
}

/* ---- the collector ---- */

static void add_garbage(struct rm_model *m, int i)
{
	m->garbage = xgrow(m->garbage, &m->gcap, m->ngarbage + 1,
			   sizeof(*m->garbage));
	m->garbage[m->ngarbage++] = i;
	m->o[i].garbage = 1;
	m->o[i].rc++;
}

/*
 * Mark with @val (in mark2) every object reachable from those already
 * marked @val, following slots, staying within objects whose mark equals
 * @within.  A plain BFS over the live array's worklist.
 */
static void bfs(struct rm_model *m, uint32_t *queue, uint32_t qn, int within,
		int val)
{
	uint32_t h = 0, k;

	while (h < qn) {
		struct rm_obj *o = &m->o[queue[h++]];

		for (k = 0; k < o->nslots; k++) {
			struct rm_obj *c = &m->o[o->slots[k]];

			if (c->mark != within || c->mark2 == val)
				continue;
			c->mark2 = val;
			queue[qn++] = o->slots[k];
		}
	}
}

/*
 * @pairs holds (weakref, referent) index pairs for callback weakrefs
 * whose referent died with them in one collection.  Whether such a
 * weakref's callback fires depends on the order in which the garbage is
 * torn down, which the model does not predict: mark any callback queued
 * since event @first_ev optional, and expect an optional one if none was.
 */
static void weakref_callbacks_optional(struct rm_model *m,
				       const uint32_t *pairs, uint32_t np,
				       uint32_t first_ev)
{
	uint32_t i, e;

	for (i = 0; i < np; i += 2) {
		struct rm_obj *w = &m->o[pairs[i]];
		int seen = 0;

		if (w->alive || m->o[pairs[i + 1]].alive)
			continue;
		for (e = first_ev; e < m->nev; e++)
			if (m->ev[e].e.type == REFGC_EV_WEAKREF &&
			    m->ev[e].e.id == w->id) {
				m->ev[e].optional = 1;
				seen = 1;
			}
		if (!seen)
			emit(m, REFGC_EV_WEAKREF, w->id, w->cookie, 1);
	}
}

/* mark: 0 not young, 1 young.  mark2 (young only): see below. */
enum { M2_NONE, M2_REACH, M2_LEGACY, M2_RES };

int rm_collect(struct rm_model *m, int gen, uint32_t flags,
	       struct refgc_collect *out)
{
	uint32_t *q, qn = 0, i, k, nl = m->nlive;
	uint32_t *pairs = NULL, np = 0, first_ev;
	uint64_t visited = 0, collected = 0, uncollectable = 0;
	int oldgen = gen < 2 ? gen + 1 : 2, saveall;
	struct refgc_gen_stats *st;
	uint32_t *lv;

	memset(out, 0, sizeof(*out));
	if (flags || gen < 0 || gen > 2)
		return -EINVAL;
	saveall = !!(m->debug & REFGC_DEBUG_SAVEALL);
	emit(m, REFGC_EV_GC_START, 0, 0, 0);
	m->ev[m->nev - 1].e.generation = gen;
	if (gen < 2)
		m->count[gen + 1]++;
	for (i = 0; i <= (uint32_t)gen; i++)
		m->count[i] = 0;

	lv = malloc((nl + 1) * sizeof(*lv));
	q = malloc((nl + 1) * sizeof(*q));
	pairs = calloc(2 * nl + 1, sizeof(*pairs));
	if (!lv || !q || !pairs)
		abort();
	if (nl)
		memcpy(lv, m->live, nl * sizeof(*lv));
	for (i = 0; i < nl; i++) {
		struct rm_obj *o = &m->o[lv[i]];

		o->mark = o->gen >= 0 && o->gen <= gen;
		o->mark2 = M2_NONE;
		visited += o->mark;
	}
	/* Referenced from outside the young set: reachable. */
	for (i = 0; i < nl; i++) {
		struct rm_obj *o = &m->o[lv[i]];

		if (o->mark && (o->handles || o->pending || o->garbage))
			o->mark2 = M2_REACH;
		if (o->mark)
			continue;
		for (k = 0; k < o->nslots; k++)
			if (m->o[o->slots[k]].mark)
				m->o[o->slots[k]].mark2 = M2_REACH;
	}
	for (i = 0; i < nl; i++)
		if (m->o[lv[i]].mark && m->o[lv[i]].mark2 == M2_REACH)
			q[qn++] = lv[i];
	bfs(m, q, qn, 1, M2_REACH);
	/* Unreachable now: mark 1, mark2 NONE.  Give them mark 2. */
	for (i = 0; i < nl; i++) {
		struct rm_obj *o = &m->o[lv[i]];

		if (o->mark && o->mark2 == M2_REACH)
			o->gen = oldgen;
		else if (o->mark)
			o->mark = 2;
	}
	/* (a) legacy finalizers, and all they reach, are uncollectable. */
	qn = 0;
	if (m->legacy) {
		for (i = 0; i < nl; i++) {
			struct rm_obj *o = &m->o[lv[i]];

			if (o->mark == 2 && o->kind == RM_FINALIZER) {
				o->mark2 = M2_LEGACY;
				q[qn++] = lv[i];
			}
		}
		bfs(m, q, qn, 2, M2_LEGACY);
	}
	for (i = 0; i < nl; i++) {
		struct rm_obj *o = &m->o[lv[i]];

		if (o->mark == 2 && o->mark2 == M2_LEGACY) {
			o->mark = 3;	/* legacy set */
			o->gen = oldgen;
		}
	}
	/* Now mark 2 = the unreachable set U'. */
	if (m->debug & REFGC_DEBUG_COLLECTABLE)
		for (i = 0; i < nl; i++)
			if (m->o[lv[i]].mark == 2)
				emit(m, REFGC_EV_COLLECTABLE, m->o[lv[i]].id,
				     0, 0);
	/*
	 * (b) 3.11-3.13: every weakref to U' is cleared, and the weakrefs of
	 * U' lose their own referents; callbacks fire for weakrefs outside U'.
	 */
	for (i = 0; i < nl; i++) {
		struct rm_obj *o = &m->o[lv[i]];

		if (o->mark != 2)
			continue;
		if (o->kind == RM_WEAKREF && o->referent >= 0) {
			wref_del(m, lv[i]);
			o->dead_ref = 1;
		}
		while (o->nwrefs) {
			int w = o->wrefs[0];
			struct rm_obj *wo = &m->o[w];

			wref_del(m, w);
			wo->dead_ref = 1;
			/*
			 * The collection holds it while the callback is
			 * queued, then lets go: it moves to the older
			 * generation (CPython's handle_weakrefs()).
			 */
			if (wo->callback && wo->mark != 2) {
				emit(m, REFGC_EV_WEAKREF, wo->id, wo->cookie,
				     0);
				wo->gen = oldgen;
				/* Taken off the legacy set too, as in CPython. */
				if (wo->mark == 3)
					wo->mark = 1;
			}
		}
	}
	/* (c) PEP 442: finalize once; (d) what that reaches survives. */
	qn = 0;
	for (i = 0; i < nl; i++) {
		struct rm_obj *o = &m->o[lv[i]];

		if (o->mark != 2 || o->kind != RM_FINALIZER || o->finalized)
			continue;
		o->finalized = 1;
		o->pending = 1;
		o->rc++;
		o->mark2 = M2_RES;
		emit(m, REFGC_EV_FINALIZE, o->id, 0, 0);
		q[qn++] = lv[i];
	}
	bfs(m, q, qn, 2, M2_RES);
	for (i = 0; i < nl; i++) {
		struct rm_obj *o = &m->o[lv[i]];

		/*
		 * Resurrected by the FINALIZE events alone (the collection
		 * did not stop for userspace): they stay in the generation
		 * collected, whose next collection frees them.
		 */
		if (o->mark == 2 && o->mark2 == M2_RES) {
			o->mark = 4;
			o->gen = gen;
		}
	}
	/* mark 2 = S, the garbage; its weakrefs went in (b). */
	for (i = 0; i < nl; i++)
		if (m->o[lv[i]].mark == 2)
			collected++;
	/* (f) delete, or save everything under SAVEALL. */
	if (saveall) {
		for (i = 0; i < nl; i++)
			if (m->o[lv[i]].mark == 2) {
				m->o[lv[i]].gen = oldgen;
				add_garbage(m, lv[i]);
			}
	} else {
		/* Callbacks here depend on the deletion order: optional. */
		for (i = 0; i < nl; i++) {
			struct rm_obj *o = &m->o[lv[i]];

			if (o->kind == RM_WEAKREF && o->callback &&
			    o->referent >= 0) {
				pairs[np++] = lv[i];
				pairs[np++] = o->referent;
			}
		}
		first_ev = m->nev;
		for (i = 0; i < nl; i++) {
			struct rm_obj *o = &m->o[lv[i]];

			if (o->mark != 2 || !o->alive)
				continue;
			o->rc++;
			clear_slots(m, lv[i]);
			decref(m, lv[i]);
			reap(m);
		}
		weakref_callbacks_optional(m, pairs, np, first_ev);
	}
	/*
	 * (g) legacy finalizers (all the legacy set under SAVEALL).  As in
	 * CPython, those that only the deleted garbage referred to have been
	 * released with it (freed, or finalized and moved to generation 0):
	 * the rest count.
	 */
	for (i = 0; i < nl; i++) {
		struct rm_obj *o = &m->o[lv[i]];

		/* Finalized at refcount 0 meanwhile: it left for gen 0. */
		if (o->mark != 3 || !o->alive || o->gen == 0)
			continue;
		uncollectable++;
		if (m->debug & REFGC_DEBUG_UNCOLLECTABLE)
			emit(m, REFGC_EV_UNCOLLECTABLE, o->id, 0, 0);
		if (saveall || o->kind == RM_FINALIZER)
			add_garbage(m, lv[i]);
	}
	for (i = 0; i < nl; i++)
		m->o[lv[i]].mark = m->o[lv[i]].mark2 = 0;
	free(lv);
	free(q);
	free(pairs);

	emit(m, REFGC_EV_GC_STOP, 0, 0, 0);
	m->ev[m->nev - 1].e.generation = gen;
	m->ev[m->nev - 1].e.collected = collected;
	m->ev[m->nev - 1].e.uncollectable = uncollectable;
	m->ev[m->nev - 1].e.visited = visited;
	st = &m->stats[gen];
	st->collections++;
	st->collected += collected;
	st->uncollectable += uncollectable;
	st->visited += visited;
	out->generation = gen;
	out->collected = collected;
	out->uncollectable = uncollectable;
	out->visited = visited;
	return collected + uncollectable;
}

void rm_freeze(struct rm_model *m)
{
	uint32_t i;

	for (i = 0; i < m->nlive; i++)
		if (m->o[m->live[i]].gen >= 0)
			m->o[m->live[i]].gen = 3;
	/* gc.freeze() in 3.11 resets every count. */
	memset(m->count, 0, sizeof(m->count));
}

void rm_unfreeze(struct rm_model *m)
{
	uint32_t i;

	for (i = 0; i < m->nlive; i++)
		if (m->o[m->live[i]].gen == 3)
			m->o[m->live[i]].gen = 2;
}

int rm_clear_garbage(struct rm_model *m)
{
	uint32_t i, n = m->ngarbage, *pairs, np = 0, first_ev = m->nev;

	pairs = malloc((2 * m->nlive + 1) * sizeof(*pairs));
	if (!pairs)
		abort();
	for (i = 0; i < m->nlive; i++) {
		struct rm_obj *o = &m->o[m->live[i]];

		if (o->kind == RM_WEAKREF && o->callback && o->referent >= 0) {
			pairs[np++] = m->live[i];
			pairs[np++] = o->referent;
		}
	}
	/* Last to first, each death before the next, as the kernel. */
	m->ngarbage = 0;
	for (i = n; i-- > 0;) {
		m->o[m->garbage[i]].garbage = 0;
		decref(m, m->garbage[i]);
		reap(m);
	}
	/* The list's order is the collector's: callbacks as in collect. */
	weakref_callbacks_optional(m, pairs, np, first_ev);
	free(pairs);
	return n;
}

int rm_set_debug(struct rm_model *m, uint32_t value)
{
	if (value & ~REFGC_DEBUG_FLAGS)
		return -EINVAL;
	m->debug = value;
	return 0;
}

int rm_set_flags(struct rm_model *m, uint32_t value)
{
	if (value & ~REFGC_ARENA_FLAGS)
		return -EINVAL;
	m->legacy = !!(value & REFGC_ARENA_LEGACY_FINALIZERS);
	return 0;
}
