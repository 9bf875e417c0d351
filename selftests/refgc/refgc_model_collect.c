// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_model_collect.c - the reference model's collector: COLLECT(g)
 * by breadth-first search over the young set, the garbage list, freeze,
 * and the gc settings.  The objects and their refcounts are
 * refgc_model.c's; what the two share is in refgc_model_internal.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "refgc_model_internal.h"

static void add_garbage(struct rm_model *m, int i)
{
	m->garbage = rm_grow(m->garbage, &m->gcap, m->ngarbage + 1,
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
			rm_emit(m, REFGC_EV_WEAKREF, w->id, w->cookie, 1);
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
	rm_emit(m, REFGC_EV_GC_START, 0, 0, 0);
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
				rm_emit(m, REFGC_EV_COLLECTABLE, m->o[lv[i]].id,
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
			rm_wref_del(m, lv[i]);
			o->dead_ref = 1;
		}
		while (o->nwrefs) {
			int w = o->wrefs[0];
			struct rm_obj *wo = &m->o[w];

			rm_wref_del(m, w);
			wo->dead_ref = 1;
			/*
			 * The collection holds it while the callback is
			 * queued, then lets go: it moves to the older
			 * generation (CPython's handle_weakrefs()).
			 */
			if (wo->callback && wo->mark != 2) {
				rm_emit(m, REFGC_EV_WEAKREF, wo->id, wo->cookie,
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
		rm_emit(m, REFGC_EV_FINALIZE, o->id, 0, 0);
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
			rm_clear_slots(m, lv[i]);
			rm_decref(m, lv[i]);
			rm_reap(m);
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
			rm_emit(m, REFGC_EV_UNCOLLECTABLE, o->id, 0, 0);
		if (saveall || o->kind == RM_FINALIZER)
			add_garbage(m, lv[i]);
	}
	for (i = 0; i < nl; i++)
		m->o[lv[i]].mark = m->o[lv[i]].mark2 = 0;
	free(lv);
	free(q);
	free(pairs);

	rm_emit(m, REFGC_EV_GC_STOP, 0, 0, 0);
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
		rm_decref(m, m->garbage[i]);
		rm_reap(m);
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
