// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_model_test.c - model-based random testing: random operation
 * sequences (single ops, batches with and without CONTINUE, collections
 * of random generations, freeze, garbage, debug flags, legacy mode, event
 * reads) run against the module and against the reference model of
 * refgc_model.c, comparing every observable after every step: each op's
 * errno, result and outputs, the info of the objects it touched, the
 * counts, events; and periodically every live object, its slots, the
 * garbage list, statistics and memory counters.
 *
 * REFGC_SEED picks the seed (else the time); it is printed at the start
 * and on failure with the step and op.  100000 operations by default,
 * 1000000 with REFGC_SOAK=1, a fifth under REFGC_DEBUG_KERNEL=1, or
 * REFGC_MODEL_STEPS.  REFGC_MODEL_TRACE=FILE logs every step (each op
 * with its errno and result on both sides, collections, events read and
 * predicted with their group) to FILE: under vm-run, in a --rw dir.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"
#include "refgc_model.h"

#define MAXLIVE		100	/* above this, the mix leans to freeing */
#define FULL_EVERY	256	/* steps between whole-arena checks */
#define RESET_EVERY	20000	/* steps between fresh arenas */
#define BATCH_MAX	24
#define BUF		2048	/* bytes of output buffer per op */
#define EVBUF		600

struct drv {
	int fd;
	struct rm_model m;
	uint64_t rng;
	uint32_t tc, ta, tf;
	long ops;		/* object ops model-checked */
	long calls;		/* ioctls and reads issued */
	long batches, collects, drains;
	const char *what;
	char why[512];
	struct refgc_op ops_in[BATCH_MAX], ops_out[BATCH_MAX];
	uint8_t wbuf[BATCH_MAX][256];
	uint8_t obuf[BATCH_MAX][BUF];
	struct refgc_event ev[EVBUF];
	uint64_t touched[4 * BATCH_MAX + 4];
	int ntouched;
	FILE *trace;		/* REFGC_MODEL_TRACE: every step, logged */
	long step;
};

/* One line of the REFGC_MODEL_TRACE log, prefixed with the step. */
static void __attribute__((format(printf, 2, 3)))
trace(struct drv *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->trace)
		return;
	fprintf(d->trace, "%ld ", d->step);
	va_start(ap, fmt);
	vfprintf(d->trace, fmt, ap);
	va_end(ap);
	fputc('\n', d->trace);
}

/* Record why the step failed; returns -1, for "return fail(...)". */
static int __attribute__((format(printf, 2, 3)))
fail(struct drv *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t rnd(struct drv *d, uint64_t n)
{
	return n ? rg_rand(&d->rng) % n : 0;
}

static long xioctl(struct drv *d, unsigned long cmd, void *arg)
{
	d->calls++;
	return rg_ioctl(d->fd, cmd, arg);
}

static int drv_open(struct drv *d)
{
	uint32_t tid[4];

	d->fd = open(REFGC_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (d->fd < 0)
		return fail(d, "open: %s", strerror(errno));
	if (rg_type(d->fd, "node", REFGC_TYPE_CONTAINER, &d->tc) ||
	    rg_type(d->fd, "blob", REFGC_TYPE_ATOMIC, &d->ta) ||
	    rg_type(d->fd, "fin", REFGC_TYPE_FINALIZER, &d->tf) ||
	    rg_ioctl(d->fd, REFGC_IOC_DISABLE, NULL))
		return fail(d, "arena setup");
	tid[RM_CONTAINER] = d->tc;
	tid[RM_ATOMIC] = d->ta;
	tid[RM_FINALIZER] = d->tf;
	tid[RM_WEAKREF] = REFGC_TYPE_WEAKREF_ID;
	rm_init(&d->m, tid, d->tf + 1, get_limits(d->fd).max_payload);
	return 0;
}

static void drv_close(struct drv *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	rm_fini(&d->m);
}

/* An id to act on: mostly a live object, sometimes a dead or bogus one. */
static uint64_t pick(struct drv *d)
{
	struct rm_model *m = &d->m;
	uint64_t r = rnd(d, 100);

	if (r < 88 && m->nlive)
		return m->o[m->live[rnd(d, m->nlive)]].id;
	if (r < 97 && m->n)
		return m->o[m->n - 1 - rnd(d, m->n < 64 ? m->n : 64)].id;
	return r & 1 ? 0 : ~0ULL >> rnd(d, 3);
}

/* A live object holding a handle, if any (for DECREF to mostly work). */
static uint64_t pick_handle(struct drv *d)
{
	struct rm_model *m = &d->m;
	int t;

	for (t = 0; t < 8 && m->nlive; t++) {
		int i = m->live[rnd(d, m->nlive)];

		if (m->o[i].handles)
			return m->o[i].id;
	}
	return pick(d);
}

static uint64_t slot_index(struct drv *d, uint64_t id)
{
	int i = rm_live(&d->m, id);
	uint32_t n = i >= 0 ? d->m.o[i].nslots : 0;

	return rnd(d, 10) ? rnd(d, n + 1) : rnd(d, 1000);
}

/* A random object op into @op (buffers of slot @k). */
static void gen_op(struct drv *d, struct refgc_op *op, int k)
{
	int pressure = d->m.nlive > MAXLIVE;
	uint64_t r = rnd(d, 100), id;
	uint32_t types[] = { d->tc, d->tc, d->tf, d->ta };
	int i;

	memset(op, 0, sizeof(*op));
	if (pressure && r < 30) {
		op->op = REFGC_OP_DECREF;
		op->id = pick_handle(d);
		return;
	}
	if (r < 16) {
		op->op = REFGC_OP_NEW;
		op->arg = rnd(d, 40) ? types[rnd(d, 4)] : rnd(d, 6);
		op->arg2 = rnd(d, 4) ? rnd(d, 65) : rnd(d, 5000);
		if (!rnd(d, 200))
			op->arg2 = d->m.max_payload + 1;
	} else if (r < 22) {
		op->op = REFGC_OP_INCREF;
		op->id = pick(d);
	} else if (r < 36) {
		op->op = rnd(d, 8) ? REFGC_OP_DECREF : REFGC_OP_WEAKREF_DROP;
		op->id = pick_handle(d);
	} else if (r < 52) {
		op->op = REFGC_OP_LINK;
		op->id = pick(d);
		op->arg = pick(d);
	} else if (r < 56) {
		op->op = REFGC_OP_UNLINK;
		op->id = pick(d);
		op->arg = slot_index(d, op->id);
	} else if (r < 60) {
		op->op = REFGC_OP_REMOVE;
		op->id = pick(d);
		i = rm_live(&d->m, op->id);
		op->arg = i >= 0 && d->m.o[i].nslots && rnd(d, 3) ?
			  d->m.o[d->m.o[i].slots[rnd(d, d->m.o[i].nslots)]].id :
			  pick(d);
	} else if (r < 64) {
		op->op = REFGC_OP_SET;
		op->id = pick(d);
		op->arg = pick(d);
		op->arg2 = slot_index(d, op->id);
	} else if (r < 66) {
		op->op = REFGC_OP_CLEAR;
		op->id = pick(d);
	} else if (r < 69) {
		op->op = REFGC_OP_GET_SLOTS;
		op->id = pick(d);
		op->arg2 = rnd(d, 20);
		op->addr = (uintptr_t)d->obuf[k];
	} else if (r < 75) {
		op->op = rnd(d, 2) ? REFGC_OP_READ : REFGC_OP_WRITE;
		op->id = pick(d);
		i = rm_live(&d->m, op->id);
		id = i >= 0 ? d->m.o[i].psize : 8;
		op->arg = rnd(d, id + 2);
		op->arg2 = rnd(d, (id > op->arg ? id - op->arg : 0) + 2);
		if (op->arg2 > sizeof(d->wbuf[k]))
			op->arg2 = sizeof(d->wbuf[k]);
		if (op->op == REFGC_OP_WRITE) {
			for (i = 0; i < (int)op->arg2; i++)
				d->wbuf[k][i] = rg_rand(&d->rng);
			op->addr = (uintptr_t)d->wbuf[k];
		} else {
			op->addr = (uintptr_t)d->obuf[k];
		}
	} else if (r < 78) {
		op->op = REFGC_OP_GET_INFO;
		op->id = pick(d);
		op->arg2 = rnd(d, 10) ? sizeof(struct refgc_info) :
			   rnd(d, 2) ? 48 : 100;
		op->addr = (uintptr_t)d->obuf[k];
	} else if (r < 86) {
		op->op = REFGC_OP_WEAKREF_NEW;
		op->id = pick(d);
		op->arg = rg_rand(&d->rng);
		op->flags = rnd(d, 2) ? REFGC_WEAKREF_CALLBACK : 0;
	} else if (r < 91) {
		op->op = REFGC_OP_WEAKREF_GET;
		op->id = pick(d);
	} else if (r < 94) {
		op->op = REFGC_OP_GET_REFERRERS;
		op->id = pick(d);
		op->arg2 = rnd(d, 8);
		op->addr = (uintptr_t)d->obuf[k];
	} else {
		/* Malformed: a stray field, flag, reserved bit or code. */
		op->op = 1 + rnd(d, REFGC_OP_MAX - 1);
		op->id = pick(d);
		switch (rnd(d, 5)) {
		case 0:
			op->op = rnd(d, 2) ? 0 : REFGC_OP_MAX + rnd(d, 5);
			break;
		case 1:
			op->flags = 1u << rnd(d, 32);
			break;
		case 2:
			op->reserved = 1;
			break;
		case 3:
			op->addr = (uintptr_t)d->obuf[k];
			op->arg2 = 0;
			if (op->op == REFGC_OP_GET_SLOTS ||
			    op->op == REFGC_OP_READ ||
			    op->op == REFGC_OP_WRITE ||
			    op->op == REFGC_OP_GET_INFO ||
			    op->op == REFGC_OP_GET_REFERRERS)
				op->arg = 1 + rnd(d, 3); /* maybe unused */
			break;
		default:
			op->arg2 = 1 + rnd(d, 3);
			if (op->op == REFGC_OP_NEW)
				op->id = 1;
			break;
		}
		if (op->op == REFGC_OP_GET_INFO && !op->addr)
			op->addr = (uintptr_t)d->obuf[k];
	}
	/* Touch: ids whose info is checked after the step. */
	if (d->ntouched < (int)ARRAY_SIZE(d->touched) - 2) {
		d->touched[d->ntouched++] = op->id;
		if (op->op == REFGC_OP_LINK || op->op == REFGC_OP_REMOVE ||
		    op->op == REFGC_OP_SET)
			d->touched[d->ntouched++] = op->arg;
	}
}

static const char *op_name(uint32_t code)
{
	static const char * const names[REFGC_OP_MAX] = {
		"?", "NEW", "INCREF", "DECREF", "LINK", "UNLINK", "REMOVE",
		"SET", "CLEAR", "GET_SLOTS", "READ", "WRITE", "GET_INFO",
		"WEAKREF_NEW", "WEAKREF_GET", "WEAKREF_DROP", "GET_REFERRERS",
	};

	return code < REFGC_OP_MAX ? names[code] : "BAD";
}

static int cmp_info(struct drv *d, int i, const struct refgc_info *got)
{
	struct refgc_info want;
	uint32_t dc;

	rm_expect_info(&d->m, i, &want, &dc);
	if (got->id != want.id || got->type != want.type ||
	    (got->flags & ~dc) != (want.flags & ~dc) ||
	    got->refcount != want.refcount || got->handles != want.handles ||
	    got->slots != want.slots ||
	    got->payload_size != want.payload_size ||
	    got->generation != want.generation || got->reserved)
		return fail(d, "info of %llu: got flags %#x rc %llu h %llu slots %llu size %llu gen %d; model flags %#x rc %llu h %llu slots %llu size %llu gen %d",
		     (unsigned long long)want.id, got->flags,
		     (unsigned long long)got->refcount,
		     (unsigned long long)got->handles,
		     (unsigned long long)got->slots,
		     (unsigned long long)got->payload_size, got->generation,
		     want.flags, (unsigned long long)want.refcount,
		     (unsigned long long)want.handles,
		     (unsigned long long)want.slots,
		     (unsigned long long)want.payload_size, want.generation);
	return 0;
}

/* Compare one executed op (@in as sent, @out as returned, @err). */
static int check_op(struct drv *d, const struct refgc_op *in,
		    const struct refgc_op *out, int err, int k)
{
	uint64_t res = 0, want_ids[32];
	int merr, i;

	merr = rm_op(&d->m, in, out->result, &res);
	d->ops++;
	trace(d, "%s id %llu arg %llu arg2 %llu flags %#x: %d %llu model %d %llu",
	      op_name(in->op), (unsigned long long)in->id,
	      (unsigned long long)in->arg, (unsigned long long)in->arg2,
	      in->flags, err, (unsigned long long)out->result, merr,
	      (unsigned long long)res);
	if (merr != err)
		return fail(d, "%s id %llu arg %llu arg2 %llu flags %#x addr %#llx: errno %d, model %d %s",
			    op_name(in->op), (unsigned long long)in->id,
			    (unsigned long long)in->arg,
			    (unsigned long long)in->arg2, in->flags,
			    (unsigned long long)in->addr, err, merr,
			    d->m.why);
	if (err)
		return 0;
	if (out->result != res)
		return fail(d, "%s id %llu arg %llu: result %llu, model %llu",
		     op_name(in->op), (unsigned long long)in->id,
		     (unsigned long long)in->arg,
		     (unsigned long long)out->result,
		     (unsigned long long)res);
	i = rm_live(&d->m, in->id);
	switch (in->op) {
	case REFGC_OP_GET_SLOTS: {
		const uint64_t *got = (const uint64_t *)d->obuf[k];
		uint32_t j, n = d->m.o[i].nslots;

		for (j = 0; j < n && j < in->arg2; j++)
			if (got[j] != d->m.o[d->m.o[i].slots[j]].id)
				return fail(d, "slot %u of %llu: %llu, model %llu", j,
				     (unsigned long long)in->id,
				     (unsigned long long)got[j],
				     (unsigned long long)
				     d->m.o[d->m.o[i].slots[j]].id);
		break;
	}
	case REFGC_OP_READ:
		if (in->arg2 && memcmp(d->obuf[k], d->m.o[i].payload + in->arg,
				       in->arg2))
			return fail(d, "READ %llu at %llu len %llu: payload differs",
			     (unsigned long long)in->id,
			     (unsigned long long)in->arg,
			     (unsigned long long)in->arg2);
		break;
	case REFGC_OP_GET_INFO:
		return cmp_info(d, i, (const struct refgc_info *)d->obuf[k]);
	case REFGC_OP_GET_REFERRERS: {
		uint32_t n = rm_expect_referrers(&d->m, i, want_ids, 32), j;

		for (j = 0; j < n && j < in->arg2 && j < 32; j++)
			if (((const uint64_t *)d->obuf[k])[j] != want_ids[j])
				return fail(d, "referrer %u of %llu differs", j,
				     (unsigned long long)in->id);
		break;
	}
	}
	return 0;
}

static int step_single(struct drv *d)
{
	struct refgc_op *in = &d->ops_in[0], *out = &d->ops_out[0];
	int err;

	gen_op(d, in, 0);
	*out = *in;
	d->what = op_name(in->op);
	err = xioctl(d, REFGC_IOC_OP, out);
	if (out->error != err)
		return fail(d, "op error field %d, ioctl %d", out->error, err);
	if (err && out->result)
		return fail(d, "failed op wrote result %llu",
		     (unsigned long long)out->result);
	return check_op(d, in, out, err, 0);
}

static int step_batch(struct drv *d)
{
	uint32_t n = 1 + rnd(d, BATCH_MAX), i, flags, done = 0, failed = 0;
	struct refgc_batch b;
	int r, err = 0;

	flags = rnd(d, 2) ? REFGC_BATCH_CONTINUE : 0;
	for (i = 0; i < n; i++) {
		gen_op(d, &d->ops_in[i], i);
		d->ops_out[i] = d->ops_in[i];
		d->ops_out[i].error = 12345;	/* ignored on input */
	}
	d->what = flags ? "BATCH|CONTINUE" : "BATCH";
	d->batches++;
	d->calls++;
	r = rg_batch(d->fd, d->ops_out, n, flags, &b);
	for (i = 0; i < n; i++) {
		if (!(flags & REFGC_BATCH_CONTINUE) && err) {
			/* Not run: left exactly as sent. */
			if (d->ops_out[i].error != 12345 ||
			    d->ops_out[i].result)
				return fail(d, "batch op %u ran after a failure", i);
			continue;
		}
		err = d->ops_out[i].error;
		done++;
		failed += !!err;
		if (check_op(d, &d->ops_in[i], &d->ops_out[i], err, i)) {
			char tmp[512];

			memcpy(tmp, d->why, sizeof(tmp));
			snprintf(d->why, sizeof(d->why), "batch op %u/%u: %.480s",
				 i, n, tmp);
			return -1;
		}
	}
	if (b.done != done || b.failed != failed)
		return fail(d, "batch done %u failed %u, model %u %u", b.done,
		     b.failed, done, failed);
	if (r != ((flags & REFGC_BATCH_CONTINUE) ? 0 : err))
		return fail(d, "batch returned %d, model %d", r,
		     (flags & REFGC_BATCH_CONTINUE) ? 0 : err);
	return 0;
}

static int step_collect(struct drv *d)
{
	struct refgc_collect c = { 0 }, want;
	int gen = rnd(d, 30) ? (int)rnd(d, 3) : (int)rnd(d, 6) - 2;
	long r, mr;

	c.generation = gen;
	c.flags = rnd(d, 40) ? 0 : 1;
	d->what = "COLLECT";
	d->collects++;
	r = xioctl(d, REFGC_IOC_COLLECT, &c);
	mr = rm_collect(&d->m, c.generation, c.flags, &want);
	trace(d, "COLLECT(%d, %u) = %ld, model %ld; debug %#x legacy %d",
	      gen, c.flags, r, mr, d->m.debug, d->m.legacy);
	if (r != mr) {
		char diag[256] = "";
		uint32_t i, l = 0;

		/* Which objects the two disagree on, to start with. */
		for (i = 0; i < d->m.n && l < sizeof(diag) - 64; i++) {
			struct rm_obj *o = &d->m.o[i];
			struct refgc_info inf;
			int kalive = !rg_info(d->fd, o->id, &inf);

			if (kalive == o->alive)
				continue;
			l += snprintf(diag + l, sizeof(diag) - l,
				      " [%llu kind %d k%d rc %llu h %llu gen %d f%d g%d s%u]",
				      (unsigned long long)o->id, o->kind,
				      kalive, (unsigned long long)inf.refcount,
				      (unsigned long long)o->handles, inf.generation,
				      o->finalized, o->garbage, o->nslots);
		}
		return fail(d, "COLLECT(%d, flags %u) = %ld (%llu/%llu/%llu), model %ld (%llu/%llu/%llu); debug %#x legacy %d;%s",
		     gen, c.flags, r, (unsigned long long)c.collected,
		     (unsigned long long)c.uncollectable,
		     (unsigned long long)c.visited, mr,
		     (unsigned long long)want.collected,
		     (unsigned long long)want.uncollectable,
		     (unsigned long long)want.visited, d->m.debug,
		     d->m.legacy, diag);
	}
	if (r >= 0 && (c.collected != want.collected ||
		       c.uncollectable != want.uncollectable ||
		       c.visited != want.visited))
		return fail(d, "COLLECT(%d): %llu/%llu/%llu, model %llu/%llu/%llu",
		     gen, (unsigned long long)c.collected,
		     (unsigned long long)c.uncollectable,
		     (unsigned long long)c.visited,
		     (unsigned long long)want.collected,
		     (unsigned long long)want.uncollectable,
		     (unsigned long long)want.visited);
	return 0;
}

static int drain(struct drv *d)
{
	int n = 0;

	d->what = "read events";
	d->drains++;
	for (;;) {
		int room = EVBUF - n, want = 1 + rnd(d, 64);
		ssize_t r;

		if (room <= 0)
			return fail(d, "more than %d events queued", EVBUF);
		if (want > room)
			want = room;
		d->calls++;
		r = read(d->fd, d->ev + n, want * sizeof(d->ev[0]));
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0 || r % sizeof(d->ev[0]))
			return fail(d, "read: %zd (%s)", r, strerror(errno));
		n += r / sizeof(d->ev[0]);
	}
	for (int i = 0; i < n; i++)
		trace(d, "event type %u id %llu", d->ev[i].type,
		      (unsigned long long)d->ev[i].id);
	for (uint32_t i = 0; i < d->m.nev; i++)
		trace(d, "model event type %u id %llu group %d%s",
		      d->m.ev[i].e.type, (unsigned long long)d->m.ev[i].e.id,
		      d->m.ev[i].group, d->m.ev[i].optional ? " optional" : "");
	if (rm_events(&d->m, d->ev, n))
		return fail(d, "events: %s", d->m.why);
	return 0;
}

static int step_gc_misc(struct drv *d)
{
	uint64_t r = rnd(d, 100);
	long got, want;

	if (r < 25) {
		d->what = "FREEZE";
		trace(d, "FREEZE");
		rm_freeze(&d->m);
		return xioctl(d, REFGC_IOC_FREEZE, NULL) ? -1 : 0;
	}
	if (r < 50) {
		d->what = "UNFREEZE";
		trace(d, "UNFREEZE");
		rm_unfreeze(&d->m);
		return xioctl(d, REFGC_IOC_UNFREEZE, NULL) ? -1 : 0;
	}
	if (r < 75) {
		d->what = "CLEAR_GARBAGE";
		want = rm_clear_garbage(&d->m);
		got = xioctl(d, REFGC_IOC_CLEAR_GARBAGE, NULL);
		trace(d, "CLEAR_GARBAGE %ld, model %ld", got, want);
		if (got != want)
			return fail(d, "CLEAR_GARBAGE %ld, model %ld", got, want);
		return 0;
	}
	if (r < 92) {
		uint32_t v = 0;

		if (rnd(d, 2))
			v |= REFGC_DEBUG_SAVEALL;
		if (rnd(d, 2))
			v |= REFGC_DEBUG_COLLECTABLE;
		if (rnd(d, 2))
			v |= REFGC_DEBUG_UNCOLLECTABLE;
		if (!rnd(d, 10))
			v |= 1u << (6 + rnd(d, 20));	/* undefined */
		d->what = "SET_DEBUG";
		d->calls++;
		got = rg_set_value(d->fd, REFGC_IOC_SET_DEBUG, v);
		want = rm_set_debug(&d->m, v);
		if (got != want)
			return fail(d, "SET_DEBUG(%#x) %ld, model %ld", v, got, want);
		trace(d, "SET_DEBUG(%#x): debug %#x", v, d->m.debug);
		return 0;
	}
	d->what = "SET_FLAGS";
	d->calls++;
	want = rnd(d, 3) ? 0 : REFGC_ARENA_LEGACY_FINALIZERS;
	if (!rnd(d, 8))
		want |= 2;
	got = rg_set_value(d->fd, REFGC_IOC_SET_FLAGS, want);
	want = rm_set_flags(&d->m, want);
	if (got != want)
		return fail(d, "SET_FLAGS %ld, model %ld", got, want);
	trace(d, "SET_FLAGS: legacy %d", d->m.legacy);
	return 0;
}

/* GET_INFO of @id against the model (ENOENT for a dead one). */
static int check_id(struct drv *d, uint64_t id)
{
	struct refgc_info info;
	int i = rm_live(&d->m, id), r;

	d->calls++;
	r = rg_info(d->fd, id, &info);
	if (i < 0)
		return r == -ENOENT ? 0 : (snprintf(d->why, sizeof(d->why),
			"id %llu: GET_INFO %d, model dead",
			(unsigned long long)id, r), -1);
	if (r)
		return fail(d, "id %llu: GET_INFO %d, model alive",
		     (unsigned long long)id, r);
	return cmp_info(d, i, &info);
}

static int check_counts(struct drv *d)
{
	struct refgc_count c;
	int g;

	if (xioctl(d, REFGC_IOC_GET_COUNT, &c))
		return fail(d, "GET_COUNT");
	for (g = 0; g < 3; g++)
		if (c.count[g] != d->m.count[g])
			return fail(d, "count[%d] %llu, model %llu", g,
			     (unsigned long long)c.count[g],
			     (unsigned long long)d->m.count[g]);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct refgc_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Every observable of the whole arena. */
static int check_all(struct drv *d)
{
	struct rm_model *m = &d->m;
	struct refgc_entry *e = NULL;
	struct refgc_stats st;
	struct refgc_memory mem;
	struct refgc_freeze_count fc;
	uint64_t objs, slots, pay, ids[64];
	long n, i;
	uint32_t dc;
	int g;

	d->what = "full check";
	if (rm_selfcheck(m))
		return fail(d, "%s", m->why);
	if (check_counts(d))
		return -1;
	d->calls++;
	n = rg_list(d->fd, REFGC_LIST_OBJECTS, REFGC_LIST_ALL_GENERATIONS,
		    1 + rnd(d, 64), &e);
	if (n != m->nlive) {
		free(e);
		return fail(d, "LIST: %ld objects, model %u", n, m->nlive);
	}
	for (i = 0; i < n; i++) {
		int k = rm_live(m, e[i].id);
		uint32_t want = k < 0 ? 0 : rm_expect_flags(m, k, &dc);

		if (k < 0 || e[i].type != m->o[k].type ||
		    (e[i].flags & ~dc) != (want & ~dc) ||
		    (i && e[i].id <= e[i - 1].id)) {
			snprintf(d->why, sizeof(d->why),
				 "LIST entry %llu (flags %#x) vs model",
				 (unsigned long long)e[i].id, e[i].flags);
			free(e);
			return -1;
		}
		if (check_id(d, e[i].id)) {
			free(e);
			return -1;
		}
		if (m->o[k].nslots <= 64) {
			long s = rg_slots(d->fd, e[i].id, ids, 64), j;

			d->calls++;
			if (s != m->o[k].nslots) {
				free(e);
				return fail(d, "GET_SLOTS %llu: %ld, model %u",
				     (unsigned long long)m->o[k].id, s,
				     m->o[k].nslots);
			}
			for (j = 0; j < s; j++)
				if (ids[j] != m->o[m->o[k].slots[j]].id) {
					free(e);
					return fail(d, "slot %ld of %llu differs", j,
					     (unsigned long long)m->o[k].id);
				}
		}
	}
	free(e);
	/* The garbage list, as a set. */
	d->calls++;
	n = rg_list(d->fd, REFGC_LIST_GARBAGE, 0, 1 + rnd(d, 16), &e);
	if (n != m->ngarbage) {
		free(e);
		return fail(d, "garbage: %ld entries, model %u", n, m->ngarbage);
	}
	qsort(e, n, sizeof(*e), cmp_entry);
	for (i = 0; i < n; i++) {
		int k = rm_live(m, e[i].id);

		if (k < 0 || !m->o[k].garbage || (i && e[i].id == e[i - 1].id)) {
			free(e);
			return fail(d, "garbage entry %llu not in the model",
			     (unsigned long long)e[i].id);
		}
	}
	free(e);
	/* One generation's listing. */
	g = (int)rnd(d, 5) - 1;
	d->calls++;
	n = rg_list(d->fd, REFGC_LIST_OBJECTS, g, 32, &e);
	for (i = 0, objs = 0; i < m->nlive; i++)
		objs += m->o[m->live[i]].gen == g;
	free(e);
	if (n != (long)objs)
		return fail(d, "LIST gen %d: %ld, model %llu", g, n,
		     (unsigned long long)objs);
	if (xioctl(d, REFGC_IOC_GET_STATS, &st))
		return fail(d, "GET_STATS");
	for (g = 0; g < 3; g++)
		if (st.gen[g].collections != m->stats[g].collections ||
		    st.gen[g].collected != m->stats[g].collected ||
		    st.gen[g].uncollectable != m->stats[g].uncollectable ||
		    st.gen[g].visited != m->stats[g].visited)
			return fail(d, "stats of gen %d differ", g);
	if (xioctl(d, REFGC_IOC_GET_FREEZE_COUNT, &fc) ||
	    fc.count != rm_freeze_count(m))
		return fail(d, "freeze count %llu, model %llu",
		     (unsigned long long)fc.count,
		     (unsigned long long)rm_freeze_count(m));
	if (xioctl(d, REFGC_IOC_GET_MEMORY, &mem))
		return fail(d, "GET_MEMORY");
	rm_memory(m, &objs, &slots, &pay);
	if (mem.objects != objs || mem.slots != slots ||
	    mem.payload_bytes != pay || mem.types != m->ntypes - 1)
		return fail(d, "memory %llu/%llu/%llu/%llu, model %llu/%llu/%llu/%u",
		     (unsigned long long)mem.objects,
		     (unsigned long long)mem.slots,
		     (unsigned long long)mem.payload_bytes,
		     (unsigned long long)mem.types,
		     (unsigned long long)objs, (unsigned long long)slots,
		     (unsigned long long)pay, m->ntypes - 1);
	d->calls += 2;
	if (rg_get_value(d->fd, REFGC_IOC_GET_DEBUG) != m->debug ||
	    rg_get_value(d->fd, REFGC_IOC_GET_FLAGS) !=
	    (m->legacy ? REFGC_ARENA_LEGACY_FINALIZERS : 0))
		return fail(d, "debug or arena flags differ");
	return 0;
}

static int one_step(struct drv *d, long s)
{
	uint64_t r = rnd(d, 1000);
	int i;

	d->ntouched = 0;
	d->step = s;
	rm_step(&d->m);
	if (r < 620)
		i = step_single(d);
	else if (r < 820)
		i = step_batch(d);
	else if (r < 880 || (d->m.nlive > 2 * MAXLIVE && r < 950))
		i = step_collect(d);
	else if (r < 905)
		i = step_gc_misc(d);
	else
		i = drain(d);
	if (i)
		return -1;
	if (rm_events_queued(&d->m) > 250 && drain(d))
		return -1;
	for (i = 0; i < d->ntouched; i++)
		if (check_id(d, d->touched[i]))
			return -1;
	if (d->m.nlive && check_id(d, d->m.o[d->m.live[rnd(d, d->m.nlive)]].id))
		return -1;
	if (check_counts(d))
		return -1;
	if (!(s % FULL_EVERY) && check_all(d))
		return -1;
	return 0;
}

FIXTURE(model) {
	int unused;
};

FIXTURE_SETUP(model)
{
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
}

FIXTURE_TEARDOWN(model)
{
}

/*
 * Found by random_ops: an op's own -EFAULT (a bad buffer) as the last op
 * of a CONTINUE batch made the whole batch fail with -EFAULT.
 */
TEST_F(model, continue_batch_ends_with_efault_op)
{
	struct refgc_op ops[3];
	struct refgc_batch b;
	uint32_t tc;
	uint64_t a;
	int fd = rg_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rg_type(fd, "node", REFGC_TYPE_CONTAINER, &tc));
	ASSERT_EQ(0, rg_new(fd, tc, 0, &a));
	ASSERT_EQ(0, rg_link(fd, a, a));
	ops[0] = rg_mkop(REFGC_OP_GET_SLOTS, a, 0, 1, 0);	/* EFAULT */
	ops[1] = rg_mkop(REFGC_OP_INCREF, a, 0, 0, 0);
	ops[2] = rg_mkop(REFGC_OP_GET_SLOTS, a, 0, 1, 0);	/* EFAULT */
	for (int n = 2; n <= 3; n++) {
		ASSERT_EQ(0, rg_batch(fd, ops, n, REFGC_BATCH_CONTINUE, &b));
		EXPECT_EQ(n, b.done);
		EXPECT_EQ(n - 1, b.failed);
		EXPECT_EQ(-EFAULT, ops[0].error);
		EXPECT_EQ(0, ops[1].error);
	}
	EXPECT_EQ(-EFAULT, ops[2].error);
	/* Without CONTINUE, the failed op's errno, as before. */
	EXPECT_EQ(-EFAULT, rg_batch(fd, ops + 1, 2, 0, &b));
	EXPECT_EQ(2, b.done);
	close(fd);
}

/* One op on both sides, checked as random_ops checks it; its result. */
static uint64_t drv_op(struct drv *d, uint32_t code, uint64_t id,
		       uint64_t arg, uint32_t flags)
{
	struct refgc_op in = rg_mkop(code, id, arg, 0, 0), out;
	int err;

	in.flags = flags;
	out = in;
	err = xioctl(d, REFGC_IOC_OP, &out);
	if (err || check_op(d, &in, &out, err, 0))
		return 0;
	return out.result;
}

/*
 * Found by random_ops (seed 0x11e6b022580): a step that queues an
 * optional WEAKREF (weakref and referent die together) ahead of required
 * records.  Y, a cycle saved by SAVEALL, loses its slots and gains W1 (a
 * weakref to Y), F (a finalizer) and C (with a weakref W2); CLEAR_GARBAGE
 * frees Y: WEAKREF W1 (optional: W1 dies with Y), FINALIZE F, WEAKREF
 * W2, in that order.  The check took only the two required records'
 * worth, W1 and F, and reported W2 missing.
 */
TEST_F(model, optional_weakref_event_first)
{
	struct refgc_collect want;
	struct drv *d = calloc(1, sizeof(*d));
	uint64_t y, w1, f, c, w2;
	int n;

	ASSERT_NE(NULL, d);
	d->rng = 1;
	ASSERT_EQ(0, drv_open(d)) TH_LOG("%s", d->why);
	y = drv_op(d, REFGC_OP_NEW, 0, d->tc, 0);
	ASSERT_NE(0, y);
	drv_op(d, REFGC_OP_LINK, y, y, 0);
	drv_op(d, REFGC_OP_DECREF, y, 0, 0);
	ASSERT_EQ(0, rg_set_value(d->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_SAVEALL));
	ASSERT_EQ(0, rm_set_debug(&d->m, REFGC_DEBUG_SAVEALL));
	rm_step(&d->m);
	ASSERT_EQ(1, rg_collect(d->fd, 0, NULL));
	ASSERT_EQ(1, rm_collect(&d->m, 0, 0, &want));
	drv_op(d, REFGC_OP_CLEAR, y, 0, 0);
	w1 = drv_op(d, REFGC_OP_WEAKREF_NEW, y, 1, REFGC_WEAKREF_CALLBACK);
	f = drv_op(d, REFGC_OP_NEW, 0, d->tf, 0);
	c = drv_op(d, REFGC_OP_NEW, 0, d->tc, 0);
	w2 = drv_op(d, REFGC_OP_WEAKREF_NEW, c, 2, REFGC_WEAKREF_CALLBACK);
	ASSERT_TRUE(w1 && f && c && w2) TH_LOG("%s", d->why);
	drv_op(d, REFGC_OP_LINK, y, w1, 0);
	drv_op(d, REFGC_OP_LINK, y, f, 0);
	drv_op(d, REFGC_OP_LINK, y, c, 0);
	drv_op(d, REFGC_OP_DECREF, w1, 0, 0);
	drv_op(d, REFGC_OP_DECREF, f, 0, 0);
	drv_op(d, REFGC_OP_DECREF, c, 0, 0);
	ASSERT_EQ(0, d->why[0]) TH_LOG("%s", d->why);
	ASSERT_EQ(0, drain(d)) TH_LOG("%s", d->why);

	rm_step(&d->m);
	ASSERT_EQ(1, rm_clear_garbage(&d->m));
	ASSERT_EQ(1, rg_ioctl(d->fd, REFGC_IOC_CLEAR_GARBAGE, NULL));
	/* The module's order, which the check must accept. */
	n = rg_events(d->fd, d->ev, EVBUF);
	ASSERT_EQ(3, n);
	EXPECT_EQ(REFGC_EV_WEAKREF, d->ev[0].type);
	EXPECT_EQ(w1, d->ev[0].id);
	EXPECT_EQ(REFGC_EV_FINALIZE, d->ev[1].type);
	EXPECT_EQ(f, d->ev[1].id);
	EXPECT_EQ(REFGC_EV_WEAKREF, d->ev[2].type);
	EXPECT_EQ(w2, d->ev[2].id);
	EXPECT_EQ(0, rm_events(&d->m, d->ev, n)) TH_LOG("%s", d->m.why);
	EXPECT_EQ(0, check_all(d)) TH_LOG("%s", d->why);
	drv_close(d);
	free(d);
}

TEST_F_TIMEOUT(model, random_ops, 7200)
{
	const char *soak = getenv("REFGC_SOAK"), *seed_env = getenv("REFGC_SEED");
	long steps = soak && !strcmp(soak, "1") ? 1000000 : 100000;
	struct drv *d = calloc(1, sizeof(*d));
	uint64_t seed;
	struct timespec t0, t1;
	long s;
	int r = 0;

	ASSERT_NE(NULL, d);
	steps = rg_scale(steps, 5);
	if (getenv("REFGC_MODEL_STEPS"))	/* for quick runs */
		steps = atol(getenv("REFGC_MODEL_STEPS"));
	seed = seed_env ? strtoull(seed_env, NULL, 0) :
	       (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!seed)
		seed = 1;
	d->rng = seed;
	d->fd = -1;
	if (getenv("REFGC_MODEL_TRACE")) {
		d->trace = fopen(getenv("REFGC_MODEL_TRACE"), "w");
		ASSERT_NE(NULL, d->trace);
	}
	TH_LOG("seed %#llx (REFGC_SEED=%#llx reproduces), %ld steps",
	       (unsigned long long)seed, (unsigned long long)seed, steps);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (s = 0; s < steps; s++) {
		if (!(s % RESET_EVERY)) {
			if (s)
				r = drain(d) || check_all(d);
			if (r)
				break;
			drv_close(d);
			r = drv_open(d);
			if (r)
				break;
		}
		r = one_step(d, s);
		if (r)
			break;
	}
	if (!r)
		r = drain(d) || check_all(d);
	if (d->trace)
		fflush(d->trace);
	ASSERT_EQ(0, r) TH_LOG("seed %#llx step %ld op %s: %s",
			       (unsigned long long)seed, s, d->what, d->why);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%ld steps, %ld operations model-checked (%ld batches, %ld collections, %ld event reads), %ld calls, %.1f s",
	       steps, d->ops, d->batches, d->collects, d->drains, d->calls,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	drv_close(d);
	if (d->trace)
		fclose(d->trace);
	free(d);
}

TEST_HARNESS_MAIN
