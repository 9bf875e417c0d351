// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_model_drive.c - the driver half of refgc_model_test.c (declared
 * in refgc_model_drive.h): random ops run against the module and the
 * model, and each op's own outputs checked.  Single-threaded.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "refgc_model_drive.h"

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

int __attribute__((format(printf, 2, 3)))
fail(struct drv *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	return -1;
}

uint64_t rnd(struct drv *d, uint64_t n)
{
	return n ? rg_rand(&d->rng) % n : 0;
}

long xioctl(struct drv *d, unsigned long cmd, void *arg)
{
	d->calls++;
	return rg_ioctl(d->fd, cmd, arg);
}

int drv_open(struct drv *d)
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

void drv_close(struct drv *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	rm_fini(&d->m);
}

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

int cmp_info(struct drv *d, int i, const struct refgc_info *got)
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

int check_op(struct drv *d, const struct refgc_op *in,
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

int step_single(struct drv *d)
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

int step_batch(struct drv *d)
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

int step_collect(struct drv *d)
{
	struct refgc_collect c = { 0 }, want;
	int gen = rnd(d, 30) ? (int)rnd(d, 3) : (int)rnd(d, 6) - 2;
	long r, mr;

	c.generation = gen;
	c.flags = rnd(d, 40) ? 0 : 2;	/* bit 1: never valid */
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

int drain(struct drv *d)
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

int step_gc_misc(struct drv *d)
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
