// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_model.c - a libFuzzer harness: fuzzer bytes become a sequence of
 * operations run on the host build of the collector core (module/gc_core.c
 * through hobj.c) and on the reference model of the kselftests
 * (selftests/refgc/refgc_model.c); after every operation every
 * observable is compared, and any difference aborts.
 *
 * A small adapter plays the kernel client's part on top of hobj: ids,
 * handles (hobj.tag), the errno rules, and events (hworld.hook), with the
 * kernel's rule that a weakref dying in the same cascade as its referent
 * does not call back.  hobj has no payloads and no SET, CLEAR, REMOVE or
 * GET_REFERRERS, so the op set is NEW, INCREF, DECREF, LINK, UNLINK,
 * WEAKREF_NEW/GET/DROP, COLLECT, FREEZE, UNFREEZE, CLEAR_GARBAGE,
 * SAVEALL/COLLECTABLE/UNCOLLECTABLE debug flags, legacy mode and event
 * reads.  Each input runs three times: on hobj_ops, and on the fast
 * paths (ops->external, the slot array read in place, the remembered
 * set) with gc.verify_roots and without it (where the roots found as the
 * walk goes, gc_roots.c, decide alone).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hobj.h"
#include "refgc_model.h"

#ifndef fallthrough
#define fallthrough __attribute__((__fallthrough__))
#endif

#define MAXLIVE	64
#define MAXEV	4096

enum { T_CONT = 2, T_ATOM, T_FIN, NTYPES };

struct fz {
	struct hworld w;
	struct rm_model m;
	struct refgc_event ev[MAXEV];
	int nev;
	const uint8_t *p, *end;
	long step;
};

static struct fz *cur;

static void die(struct fz *f, const char *what)
{
	fprintf(stderr, "fuzz_model: step %ld: %s (%s)\n", f->step, what,
		f->m.why);
	abort();
}

static unsigned int byte(struct fz *f)
{
	return f->p < f->end ? *f->p++ : 0;
}

static void push_ev(struct fz *f, uint32_t type, uint64_t id)
{
	if (f->nev == MAXEV)
		die(f, "event buffer full");
	memset(&f->ev[f->nev], 0, sizeof(f->ev[0]));
	f->ev[f->nev].type = type;
	f->ev[f->nev++].id = id;
}

/* hobj's events, as the kernel client turns them into records. */
static void hook(struct hworld *w, enum hev type, struct hobj *o)
{
	struct fz *f = cur;

	switch (type) {
	case HEV_CALLBACK:
		/* The kernel client: not for a weakref that is dying too. */
		if (o->gc.refcnt)
			push_ev(f, REFGC_EV_WEAKREF, o->id);
		break;
	case HEV_FINALIZE:
		push_ev(f, REFGC_EV_FINALIZE, o->id);
		break;
	case HEV_REPORT_C:
		push_ev(f, REFGC_EV_COLLECTABLE, o->id);
		break;
	case HEV_REPORT_U:
		push_ev(f, REFGC_EV_UNCOLLECTABLE, o->id);
		break;
	default:
		break;
	}
}

static struct hobj *find(struct fz *f, uint64_t id)
{
	struct hobj *o;

	list_for_each_entry(o, &f->w.objects, all)
		if (o->id == id)
			return o;
	return NULL;
}

static int is_container(const struct hobj *o)
{
	return !(o->flags & (HOBJ_WEAKREF | HOBJ_UNTRACKED));
}

/* An id: mostly a live one, sometimes a dead or unknown one. */
static uint64_t pick(struct fz *f)
{
	unsigned int b = byte(f);

	if (b < 230 && f->m.nlive)
		return f->m.o[f->m.live[b % f->m.nlive]].id;
	if (f->m.n && b < 250)
		return f->m.o[b % f->m.n].id;
	return b == 255 ? 0 : 1000000 + b;
}

/* The adapter: run @op on hobj as the kernel client would. */
static int hobj_op(struct fz *f, struct refgc_op *op)
{
	struct hobj *s = NULL, *d = NULL, *n;

	op->result = 0;
	if (op->op != REFGC_OP_NEW) {
		s = op->id ? find(f, op->id) : NULL;
		if (!s)
			return -ENOENT;
	}
	switch (op->op) {
	case REFGC_OP_NEW:
		n = hobj_new(&f->w, op->arg == T_ATOM ? HOBJ_UNTRACKED :
				     op->arg == T_FIN ? HOBJ_FINALIZER : 0);
		n->tag = 1;
		op->result = n->id;
		return 0;
	case REFGC_OP_INCREF:
		hobj_incref(s);
		op->result = ++s->tag;
		return 0;
	case REFGC_OP_WEAKREF_DROP:
		if (!(s->flags & HOBJ_WEAKREF))
			return -EINVAL;
		fallthrough;
	case REFGC_OP_DECREF:
		if (!s->tag)
			return -EINVAL;
		op->result = --s->tag;
		hobj_decref(&f->w, s);
		return 0;
	case REFGC_OP_LINK:
		d = op->arg ? find(f, op->arg) : NULL;
		if (!d)
			return -ENOENT;
		if (!is_container(s))
			return -EINVAL;
		op->result = s->nslots;
		hobj_link(&f->w, s, d);
		return 0;
	case REFGC_OP_UNLINK:
		if (!is_container(s))
			return -EINVAL;
		if (op->arg >= s->nslots)
			return -EINVAL;
		op->result = s->slots[op->arg]->id;
		hobj_unlink(&f->w, s, op->arg);
		return 0;
	case REFGC_OP_WEAKREF_NEW:
		n = s->wrefs;
		if (!op->flags && n && !(n->flags & HOBJ_CALLBACK)) {
			/* The basic weakref again, one more handle. */
			hobj_incref(n);
			n->tag++;
			op->result = n->id;
			return 0;
		}
		n = hobj_weakref(&f->w, s,
				 op->flags & REFGC_WEAKREF_CALLBACK);
		n->tag = 1;
		op->result = n->id;
		return 0;
	case REFGC_OP_WEAKREF_GET:
		if (!(s->flags & HOBJ_WEAKREF))
			return -EINVAL;
		if (!s->referent)
			return -ENOENT;
		hobj_incref(s->referent);
		s->referent->tag++;
		op->result = s->referent->id;
		return 0;
	}
	return -EINVAL;
}

static void fz_op(struct fz *f)
{
	static const uint32_t codes[] = {
		REFGC_OP_NEW, REFGC_OP_NEW, REFGC_OP_INCREF, REFGC_OP_DECREF,
		REFGC_OP_DECREF, REFGC_OP_LINK, REFGC_OP_LINK, REFGC_OP_LINK,
		REFGC_OP_UNLINK, REFGC_OP_WEAKREF_NEW, REFGC_OP_WEAKREF_GET,
		REFGC_OP_WEAKREF_DROP,
	};
	struct refgc_op op = { .op = codes[byte(f) % 12] }, in;
	uint64_t res;
	int err, merr;

	if (op.op == REFGC_OP_NEW && f->m.nlive >= MAXLIVE)
		op.op = REFGC_OP_DECREF;
	switch (op.op) {
	case REFGC_OP_NEW:
		op.arg = T_CONT + byte(f) % 3;
		break;
	case REFGC_OP_LINK:
		op.id = pick(f);
		op.arg = pick(f);
		break;
	case REFGC_OP_UNLINK:
		op.id = pick(f);
		op.arg = byte(f) % 4;
		break;
	case REFGC_OP_WEAKREF_NEW:
		op.id = pick(f);
		op.flags = byte(f) & 1 ? REFGC_WEAKREF_CALLBACK : 0;
		break;
	default:
		op.id = pick(f);
	}
	in = op;
	err = hobj_op(f, &op);
	merr = rm_op(&f->m, &in, op.result, &res);
	if (err != merr || (!err && res != op.result)) {
		fprintf(stderr, "op %u id %llu arg %llu: %d/%llu, model %d/%llu\n",
			in.op, (unsigned long long)in.id,
			(unsigned long long)in.arg, err,
			(unsigned long long)op.result, merr,
			(unsigned long long)res);
		die(f, "op differs");
	}
}

static void fz_collect(struct fz *f, int gen)
{
	struct refgc_collect want;
	struct rgc_result res;
	int r;

	push_ev(f, REFGC_EV_GC_START, 0);
	f->ev[f->nev - 1].generation = gen;
	r = rgc_collect(&f->w.gc, gen, &res);
	if (r)
		die(f, "rgc_collect failed");
	push_ev(f, REFGC_EV_GC_STOP, 0);
	f->ev[f->nev - 1].generation = gen;
	f->ev[f->nev - 1].collected = res.collected;
	f->ev[f->nev - 1].uncollectable = res.uncollectable;
	f->ev[f->nev - 1].visited = res.visited;
	if (rm_collect(&f->m, gen, 0, &want) < 0 ||
	    want.collected != res.collected ||
	    want.uncollectable != res.uncollectable ||
	    want.visited != res.visited) {
		fprintf(stderr, "collect(%d): %llu/%llu/%llu, model %llu/%llu/%llu\n",
			gen, (unsigned long long)res.collected,
			(unsigned long long)res.uncollectable,
			(unsigned long long)res.visited,
			(unsigned long long)want.collected,
			(unsigned long long)want.uncollectable,
			(unsigned long long)want.visited);
		die(f, "collect differs");
	}
}

/* Read the events: FINALIZE records hand their reference over. */
static void fz_read_events(struct fz *f)
{
	unsigned long i;

	if (rm_events(&f->m, f->ev, f->nev))
		die(f, "events differ");
	f->nev = 0;
	for (i = 0; i < f->w.nfin; i++) {
		f->w.fin[i]->tag++;
		f->w.fin[i]->queued--;
		f->w.fin[i]->ext++;
	}
	f->w.nfin = 0;
}

static int pending(const struct hworld *w, const struct hobj *o)
{
	unsigned long i;

	for (i = 0; i < w->nfin; i++)
		if (w->fin[i] == o)
			return 1;
	return 0;
}

/* Every object, and the collector's counters, against the model. */
static void fz_compare(struct fz *f)
{
	struct rm_model *m = &f->m;
	unsigned long n = 0, i;
	struct hobj *o;
	int g;

	if (rm_selfcheck(m))
		die(f, "model inconsistent");
	list_for_each_entry(o, &f->w.objects, all) {
		int k = rm_live(m, o->id);
		const struct rm_obj *mo;

		n++;
		if (k < 0)
			die(f, "object alive, model dead");
		mo = &m->o[k];
		if (o->gc.refcnt != mo->rc || o->tag != mo->handles ||
		    rgc_generation(&o->gc) != mo->gen ||
		    rgc_is_finalized(&o->gc) != !!mo->finalized ||
		    !!(o->flags & HOBJ_GARBAGE) != mo->garbage ||
		    pending(&f->w, o) != mo->pending ||
		    o->nslots != mo->nslots ||
		    (o->referent ? rm_live(m, o->referent->id) :
		     -1) != mo->referent) {
			fprintf(stderr, "id %lu: rc %u/%llu handles %lu/%llu gen %d/%d slots %u/%u\n",
				o->id, o->gc.refcnt,
				(unsigned long long)mo->rc, o->tag,
				(unsigned long long)mo->handles,
				rgc_generation(&o->gc), mo->gen, o->nslots,
				mo->nslots);
			die(f, "object differs");
		}
		for (i = 0; i < o->nslots; i++)
			if (o->slots[i]->id != m->o[mo->slots[i]].id)
				die(f, "slot differs");
	}
	if (n != m->nlive || f->w.ngarbage != m->ngarbage)
		die(f, "live or garbage count differs");
	for (g = 0; g < 3; g++)
		if (f->w.gc.gen[g].count != m->count[g] ||
		    f->w.gc.stats[g].collections != m->stats[g].collections ||
		    f->w.gc.stats[g].collected != m->stats[g].collected ||
		    f->w.gc.stats[g].uncollectable !=
		    m->stats[g].uncollectable)
			die(f, "counts or stats differ");
	if (rgc_gen_size(&f->w.gc, RGC_GEN_PERMANENT) != rm_freeze_count(m))
		die(f, "freeze count differs");
}

/*
 * Run the input once on hobj_ops and once with the fast paths the kernel
 * client uses (@fast: HW_FAST_* bits), where collections take their
 * roots from hobj_external() and the remembered set, checked by
 * gc.verify_roots if @verify.
 */
static void fz_run(const uint8_t *data, size_t size, unsigned int fast,
		   bool verify)
{
	static const uint32_t tid[4] = { T_CONT, T_ATOM, T_FIN, 1 };
	struct fz *f = calloc(1, sizeof(*f));

	if (!f)
		return;
	cur = f;
	hw_init(&f->w);
	hw_set_fast(&f->w, fast);
	f->w.gc.verify_roots = verify;
	f->w.gc.enabled = false;
	f->w.hook = hook;
	rm_init(&f->m, tid, NTYPES, 0);
	f->p = data;
	f->end = data + size;
	while (f->p < f->end) {
		unsigned int b = byte(f);
		uint32_t v;

		f->step++;
		rm_step(&f->m);
		if (b < 170) {
			fz_op(f);
		} else if (b < 200) {
			fz_collect(f, byte(f) % 3);
		} else if (b < 215) {
			fz_read_events(f);
		} else if (b < 222) {
			rgc_freeze(&f->w.gc);
			rm_freeze(&f->m);
		} else if (b < 229) {
			rgc_unfreeze(&f->w.gc);
			rm_unfreeze(&f->m);
		} else if (b < 238) {
			if ((unsigned long)rm_clear_garbage(&f->m) !=
			    hw_garbage_clear(&f->w))
				die(f, "clear garbage differs");
		} else if (b < 250) {
			v = byte(f) & (REFGC_DEBUG_SAVEALL |
				       REFGC_DEBUG_COLLECTABLE |
				       REFGC_DEBUG_UNCOLLECTABLE);
			f->w.gc.debug = v;
			rm_set_debug(&f->m, v);
		} else {
			v = byte(f) & 1;
			f->w.gc.legacy_finalizers = v;
			rm_set_flags(&f->m, v);
		}
		fz_compare(f);
		if (f->w.gc.roots_wrong || f->w.errors)
			die(f, "external() wrong, or a client error");
	}
	fz_read_events(f);
	rm_fini(&f->m);
	hw_fini(&f->w);
	free(f);
	cur = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned int fast = HW_FAST_ROOTS | HW_FAST_SLOTS |
				  HW_FAST_REMEMBER;

	fz_run(data, size, 0, true);
	fz_run(data, size, fast, true);
	fz_run(data, size, fast, false);
	return 0;
}
