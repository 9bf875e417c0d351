// SPDX-License-Identifier: GPL-2.0
/*
 * exec.c - the executor (struct exec): how the object operations of the
 * commands reach the arena, through ix_op() and ix_new(): at once
 * (IX_NOW), queued in one batch by `repeat` (IX_BATCH, sent with
 * REFGC_IOC_BATCH), or dropped while a failed batch is replayed (IX_DRY);
 * the pool of objects made ahead for `repeat`; and the replay.
 *
 * When every command of a `repeat` body only queues ops, the objects its
 * `new` commands will make are created ahead, a few thousand at a time,
 * so that no op waits for an id.  If a queued op fails, the names are
 * restored to their state at the last flush and the commands before the
 * failing one are replayed without ops (IX_DRY), which leaves the names
 * exactly as the ops that did run left the arena.  The names themselves
 * are the namespace's (names.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define FLUSH_AT	16384	/* queued ops that trigger a flush */
#define POOL_MAX	4096	/* objects made ahead at once */

/* Where a batch began: the names then, and the command that came next. */
struct rp_state {
	struct cmd *c;
	uint64_t n;
	uint64_t *objs;
	uint32_t nobjs;
	uint64_t it;
	uint32_t ci;
	size_t pool_pos;
	uint32_t news;
	bool use_pool;
};

static void tag_op(struct interp *ip, uint32_t idx)
{
	if (idx >= ip->ex.tag_cap) {
		ip->ex.tag_cap = ip->ex.tag_cap ? ip->ex.tag_cap * 2 : 1024;
		ip->ex.tag = xrealloc(ip->ex.tag, ip->ex.tag_cap * sizeof(*ip->ex.tag));
		ip->ex.tag_it = xrealloc(ip->ex.tag_it, ip->ex.tag_cap *
					 sizeof(*ip->ex.tag_it));
	}
	ip->ex.tag[idx] = ip->ex.cur_ci;
	ip->ex.tag_it[idx] = ip->ex.cur_it;
}

/**
 * ix_op() - run an object operation the way the interpreter runs them now
 * @ip: the interpreter.
 * @code: REFGC_OP_*.
 * @id: operand.
 * @arg: operand.
 * @arg2: operand.
 * @result: set to the op's result; must be NULL unless in IX_NOW mode.
 *
 * Return: 0 or -errno (queued and dropped ops return 0).
 */
int ix_op(struct interp *ip, uint32_t code, uint64_t id, uint64_t arg,
	  uint64_t arg2, uint64_t *result)
{
	struct refgc_op op = {
		.op = code, .id = id, .arg = arg, .arg2 = arg2,
	};
	int r;

	switch (ip->ex.mode) {
	case IX_DRY:
		return 0;
	case IX_BATCH:
		if (result)
			return -EINVAL;
		r = refgc_batch_add_op(&ip->ex.batch, &op);
		if (r < 0)
			return r;
		tag_op(ip, (uint32_t)r);
		return 0;
	case IX_NOW:
		break;
	}
	r = refgc_op(ip->fd, &op);
	if (!r && result)
		*result = op.result;
	return r;
}

/**
 * ix_new() - a new object with one handle
 * @ip: the interpreter.
 * @type: its type.
 * @bytes: payload bytes.
 * @id: set to its id.
 *
 * In batch mode the object comes from @ip->ex.pool when there is one (made
 * ahead by `repeat`); otherwise the queued ops are flushed and the object
 * is made at once, so that order is kept.
 *
 * Return: 0 or -errno.
 */
int ix_new(struct interp *ip, uint32_t type, uint64_t bytes, uint64_t *id)
{
	int r;

	if (ip->ex.mode != IX_NOW && ip->ex.pool_pos < ip->ex.pool_n) {
		*id = ip->ex.pool[ip->ex.pool_pos++];
		return 0;
	}
	if (ip->ex.mode == IX_DRY)
		return -EIO;	/* cannot happen: replays use the pool */
	if (ip->ex.mode == IX_NOW)
		return refgc_new(ip->fd, type, bytes, id);
	r = ix_flush(ip);
	if (!r)
		r = refgc_new(ip->fd, type, bytes, id);
	if (r)
		return r;
	/* Through the pool, so that a replay takes the same object. */
	if (ip->ex.pool_n == ip->ex.pool_cap) {
		ip->ex.pool_cap = ip->ex.pool_cap ? ip->ex.pool_cap * 2 : 64;
		ip->ex.pool = xrealloc(ip->ex.pool, ip->ex.pool_cap *
				       sizeof(*ip->ex.pool));
	}
	ip->ex.pool[ip->ex.pool_n++] = *id;
	ip->ex.pool_pos = ip->ex.pool_n;
	return 0;
}

static void rp_snapshot(struct interp *ip, struct rp_state *rp,
			uint64_t it, uint32_t ci)
{
	uint32_t i;

	if (ci >= (uint32_t)rp->c->nbody) {
		it++;
		ci = 0;
	}
	/* Nothing left ahead: start the pool over. */
	if (ip->ex.pool_pos == ip->ex.pool_n) {
		ip->ex.pool_pos = 0;
		ip->ex.pool_n = 0;
	}
	if (rp->nobjs < ip->ns.nsyms)
		rp->objs = xrealloc(rp->objs, ip->ns.nsyms * sizeof(*rp->objs));
	rp->nobjs = ip->ns.nsyms;
	for (i = 0; i < ip->ns.nsyms; i++)
		rp->objs[i] = ip->ns.syms[i].obj;
	rp->it = it;
	rp->ci = ci;
	rp->pool_pos = ip->ex.pool_pos;
}

/* Undo the names to the snapshot, then replay up to (it, ci) without ops. */
static void rp_replay(struct interp *ip, struct rp_state *rp, uint64_t it,
		      uint32_t ci)
{
	struct cmd *body = rp->c->body;
	uint64_t t = rp->it;
	uint32_t k = rp->ci, i;

	for (i = 0; i < ip->ns.nsyms; i++)
		ip->ns.syms[i].obj = i < rp->nobjs ? rp->objs[i] : 0;
	ip->ex.pool_pos = rp->pool_pos;
	ip->ex.mode = IX_DRY;
	while (t < it || (t == it && k < ci)) {
		body[k].def->fn(ip, &body[k]);
		if (++k == (uint32_t)rp->c->nbody) {
			k = 0;
			t++;
		}
	}
	ip->ex.mode = IX_BATCH;
}

static int rp_fail(struct interp *ip, struct rp_state *rp, int err,
		   uint64_t it, uint32_t ci)
{
	struct cmd *b = &rp->c->body[ci];
	struct strbuf msg = { 0 };

	if (!ip->err.len)
		ip_kerr(ip, err, b);
	sb_printf(&msg, "%s (repeat iteration %llu)", sb_str(&ip->err),
		  (unsigned long long)it + 1);
	sb_reset(&ip->err);
	sb_puts(&ip->err, sb_str(&msg));
	sb_free(&msg);
	return err;
}

/**
 * ix_flush() - send the ops `repeat` has queued
 * @ip: the interpreter.
 *
 * Return: 0, or the errno of the op that failed; then the names are as
 * the ops that ran left them and the message names the failing command.
 */
int ix_flush(struct interp *ip)
{
	struct rp_state *rp = ip->ex.rp;
	uint64_t it;
	uint32_t ci, k;
	int r;

	if (ip->ex.mode != IX_BATCH || !rp)
		return 0;
	if (ip->ex.batch.n) {
		r = refgc_batch_submit(&ip->ex.batch, 0);
		if (r) {
			k = ip->ex.batch.done ? ip->ex.batch.done - 1 : 0;
			it = ip->ex.tag_it[k];
			ci = ip->ex.tag[k];
			refgc_batch_reset(&ip->ex.batch);
			rp_replay(ip, rp, it, ci);
			sb_reset(&ip->err);
			return rp_fail(ip, rp, r, it, ci);
		}
		refgc_batch_reset(&ip->ex.batch);
	}
	rp_snapshot(ip, rp, ip->ex.cur_it, ip->ex.cur_ci);
	return 0;
}

/* Drop the handles of objects made ahead and not taken. */
static void pool_release(struct interp *ip)
{
	struct refgc_batcher b;
	size_t i;

	if (ip->ex.pool_pos < ip->ex.pool_n &&
	    !refgc_batch_init(&b, ip->fd)) {
		for (i = ip->ex.pool_pos; i < ip->ex.pool_n; i++)
			refgc_batch_add(&b, REFGC_OP_DECREF, ip->ex.pool[i], 0, 0,
					0);
		refgc_batch_submit(&b, REFGC_BATCH_CONTINUE);
		refgc_batch_free(&b);
	}
	ip->ex.pool_n = 0;
	ip->ex.pool_pos = 0;
}

/* Make the objects of the next iterations' `new` commands ahead. */
static bool pool_fill(struct interp *ip, struct rp_state *rp, uint64_t it)
{
	uint64_t iters = POOL_MAX / rp->news, k;
	struct refgc_batcher b;
	uint32_t type;
	uint64_t bytes;
	size_t n = 0;
	int ci, r;

	if (!iters)
		iters = 1;
	if (iters > rp->n - it)
		iters = rp->n - it;
	pool_release(ip);
	if (refgc_batch_init(&b, ip->fd))
		return false;
	for (k = 0; k < iters; k++) {
		for (ci = 0; ci < rp->c->nbody; ci++) {
			struct cmd *bc = &rp->c->body[ci];

			if (!(bc->def->flags & CMD_NEW))
				continue;
			new_args(ip, bc, &type, &bytes);
			refgc_batch_add(&b, REFGC_OP_NEW, 0, type, bytes, 0);
		}
	}
	r = refgc_batch_submit(&b, 0);
	if (ip->ex.pool_cap < b.n) {
		ip->ex.pool = xrealloc(ip->ex.pool, b.n * sizeof(*ip->ex.pool));
		ip->ex.pool_cap = b.n;
	}
	for (k = 0; k < b.n; k++)
		if (k < b.done && !b.ops[k].error)
			ip->ex.pool[n++] = b.ops[k].result;
	ip->ex.pool_n = n;
	ip->ex.pool_pos = 0;
	refgc_batch_free(&b);
	if (r) {
		pool_release(ip);
		return false;
	}
	return true;
}

/* Can the pool be used: every `new` of the body has a valid type? */
static bool pool_usable(struct interp *ip, struct rp_state *rp)
{
	uint32_t type;
	uint64_t bytes;
	int ci;

	rp->news = 0;
	for (ci = 0; ci < rp->c->nbody; ci++) {
		struct cmd *bc = &rp->c->body[ci];

		if (!(bc->def->flags & CMD_BATCH))
			return false;
		if (!(bc->def->flags & CMD_NEW))
			continue;
		if (new_args(ip, bc, &type, &bytes))
			return false;
		rp->news++;
	}
	sb_reset(&ip->err);
	return rp->news > 0;
}

static int repeat_body(struct interp *ip, struct rp_state *rp)
{
	struct cmd *body = rp->c->body;
	uint64_t it;
	uint32_t ci;
	int r, f;

	for (it = 0; it < rp->n; it++) {
		ip->ex.cur_it = it;
		ip->ex.cur_ci = 0;
		if (rp->use_pool && ip->ex.pool_pos == ip->ex.pool_n) {
			r = ix_flush(ip);
			if (r)
				return r;
			rp->use_pool = pool_fill(ip, rp, it);
			rp_snapshot(ip, rp, it, 0);
		}
		for (ci = 0; ci < (uint32_t)rp->c->nbody; ci++) {
			struct cmd *b = &body[ci];

			ip->ex.cur_ci = ci;
			if (!(b->def->flags & CMD_BATCH)) {
				r = ix_flush(ip);
				if (r)
					return r;
				ip->ex.mode = IX_NOW;
				r = b->def->fn(ip, b);
				ip->ex.mode = IX_BATCH;
				if (r)
					return rp_fail(ip, rp, r, it, ci);
				ip->ex.cur_ci = ci + 1;
				rp_snapshot(ip, rp, it, ci + 1);
				continue;
			}
			r = b->def->fn(ip, b);
			if (r) {
				/* Send what earlier commands queued first. */
				struct strbuf keep = { 0 };

				sb_puts(&keep, sb_str(&ip->err));
				f = ix_flush(ip);
				if (!f) {
					sb_reset(&ip->err);
					sb_puts(&ip->err, sb_str(&keep));
				}
				sb_free(&keep);
				return f ? f : rp_fail(ip, rp, r, it, ci);
			}
			if (ip->ex.batch.n >= FLUSH_AT) {
				ip->ex.cur_ci = ci + 1;
				r = ix_flush(ip);
				if (r)
					return r;
			}
		}
		ip->ex.cur_it = it + 1;
		ip->ex.cur_ci = 0;
	}
	return ix_flush(ip);
}

/**
 * ix_repeat() - run the body of `repeat` @n times, batched
 * @ip: the interpreter (its output muted by the caller).
 * @c: the `repeat` command, its body parsed.
 * @n: the iterations.
 *
 * Return: 0, or the errno of the failing command; then the names are as
 * the ops that ran left the arena and the message names the command and
 * the iteration.
 */
int ix_repeat(struct interp *ip, struct cmd *c, uint64_t n)
{
	struct rp_state rp = { .c = c, .n = n };
	int r;

	rp.use_pool = pool_usable(ip, &rp);
	ip->ex.rp = &rp;
	ip->ex.mode = IX_BATCH;
	ip->ex.cur_it = 0;
	ip->ex.cur_ci = 0;
	rp_snapshot(ip, &rp, 0, 0);
	r = repeat_body(ip, &rp);
	pool_release(ip);
	ip->ex.mode = IX_NOW;
	ip->ex.rp = NULL;
	free(rp.objs);
	return r;
}

/**
 * exec_free() - release the executor's batch, tags and pool
 * @ex: the executor.
 */
void exec_free(struct exec *ex)
{
	refgc_batch_free(&ex->batch);
	free(ex->tag);
	free(ex->tag_it);
	free(ex->pool);
}
