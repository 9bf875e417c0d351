// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * batch.c - the batch builder: append struct refgc_op records, submit
 * them with REFGC_IOC_BATCH (split into the module's max_batch), and read
 * each op's result and error back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "librefgc.h"
#include "internal.h"

/**
 * refgc_batch_init() - prepare an empty batch for an arena
 * @b: the batcher.
 * @fd: the arena; its module is asked for max_batch.
 *
 * Return: 0 or -errno.
 */
int refgc_batch_init(struct refgc_batcher *b, int fd)
{
	struct refgc_version v;
	int r;

	memset(b, 0, sizeof(*b));
	b->fd = fd;
	r = refgc_version(fd, &v);
	if (r)
		return r;
	b->max_batch = v.max_batch ? v.max_batch : 1;
	return 0;
}

/**
 * refgc_batch_free() - release a batch's memory
 * @b: the batcher; it may be initialised again.
 */
void refgc_batch_free(struct refgc_batcher *b)
{
	free(b->ops);
	b->ops = NULL;
	b->n = 0;
	b->cap = 0;
}

/**
 * refgc_batch_reset() - empty a batch, keeping its memory
 * @b: the batcher.
 */
void refgc_batch_reset(struct refgc_batcher *b)
{
	b->n = 0;
	b->done = 0;
	b->failed = 0;
}

/**
 * refgc_batch_add_op() - append a prepared operation
 * @b: the batcher.
 * @op: copied; @op->result and @op->error are cleared.
 *
 * Return: the op's index in the batch, or -ENOMEM / -E2BIG.
 */
int refgc_batch_add_op(struct refgc_batcher *b, const struct refgc_op *op)
{
	struct refgc_op *ops;
	uint32_t cap;

	if (b->n == b->cap) {
		if (b->cap >= (1U << 30))
			return -E2BIG;
		cap = b->cap ? b->cap * 2 : 256;
		ops = realloc(b->ops, (size_t)cap * sizeof(*ops));
		if (!ops)
			return -ENOMEM;
		b->ops = ops;
		b->cap = cap;
	}
	b->ops[b->n] = *op;
	b->ops[b->n].result = 0;
	b->ops[b->n].error = 0;
	return (int)b->n++;
}

/**
 * refgc_batch_add() - append an operation built from its operands
 * @b: the batcher.
 * @code: a REFGC_OP_* code.
 * @id: the object the op acts on.
 * @arg: its second operand.
 * @arg2: its third operand.
 * @addr: its user buffer, or 0.
 *
 * Return: the op's index in the batch, or -ENOMEM / -E2BIG.
 */
int refgc_batch_add(struct refgc_batcher *b, uint32_t code, uint64_t id,
		    uint64_t arg, uint64_t arg2, uint64_t addr)
{
	struct refgc_op op = {
		.op = code, .id = id, .arg = arg, .arg2 = arg2, .addr = addr,
	};

	return refgc_batch_add_op(b, &op);
}

/**
 * refgc_batch_submit() - run every op appended, in order
 * @b: the batcher; @b->done and @b->failed are set.
 * @flags: REFGC_BATCH_CONTINUE to run on after a failed op.
 *
 * Ops are sent in chunks of max_batch.  Without REFGC_BATCH_CONTINUE the
 * first failed op ends the submission (ops before it stay done, ops after
 * it do not run) and its errno is returned; the failed op is
 * @b->ops[@b->done - 1].  With it, every op runs and 0 is returned; check
 * @b->failed and each op's error.  The batch is not emptied.
 *
 * Return: 0, the failed op's negative errno, or -errno of the ioctl
 * itself (then @b->done ops ran).
 */
int refgc_batch_submit(struct refgc_batcher *b, uint32_t flags)
{
	uint32_t pos = 0;
	long r;

	b->done = 0;
	b->failed = 0;
	while (pos < b->n) {
		uint32_t n = b->n - pos;
		struct refgc_batch req = {
			.ops = (uintptr_t)&b->ops[pos],
			.count = n < b->max_batch ? n : b->max_batch,
			.op_size = sizeof(struct refgc_op),
			.flags = flags,
		};

		r = refgc_ioctl(b->fd, REFGC_IOC_BATCH, &req);
		b->done += req.done;
		b->failed += req.failed;
		if (r < 0)
			return (int)r;
		pos += req.count;
	}
	return 0;
}

/**
 * refgc_batch_result() - an op of the batch, with its result and error
 * @b: the batcher.
 * @index: the index refgc_batch_add() returned.
 *
 * Return: the op, or NULL for an index out of range.
 */
const struct refgc_op *refgc_batch_result(const struct refgc_batcher *b,
					  uint32_t index)
{
	return index < b->n ? &b->ops[index] : NULL;
}
