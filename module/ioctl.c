// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl.c - the ioctl entry point: size-versioned copies in and out of the
 * command's struct around its entry in the command table
 * (ioctl_table.c), REFGC_IOC_OP and REFGC_IOC_BATCH.
 *
 * Every command is looked up by number in the one table; the size in the
 * command is the size userspace was built with.  Input goes through
 * copy_struct_from_user() (shorter is zero-extended, longer must have a
 * zero tail).  Before a command that writes back runs, the user struct is
 * probed for writing (its own bytes written back unchanged), so that a
 * completed operation is reported as -EFAULT only if another thread
 * unmaps or write-protects the struct while it runs.
 *
 * Locking: user memory is never touched with arena->lock held.  The
 * command's struct is copied in before the lock is taken and out after it
 * is dropped.  Commands marked locked in the table run in one hold;
 * OP, BATCH and LIST take the lock themselves (struct refgc_io), in
 * bounded holds, copying between them: a batch copies BATCH_CHUNK
 * elements in, runs them in one hold (checking fatal_signal_pending()
 * before each op) and copies their results out; an op that touches user
 * memory runs in object_io.c.  Under O_NONBLOCK the first acquisition is
 * a trylock (-EAGAIN).
 *
 * Cadence: an automatic collection queued by an op runs before the next
 * command, and before the next op of the same batch: each waits for it,
 * unlocked (refgc_gc_catch_up()), except under O_NONBLOCK.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "refgc.h"

/* The first published size of each struct: anything shorter is -EINVAL. */
#define REFGC_OP_SIZE_VER0	56

/* Probe that @n bytes at @u are writable, leaving them as they are. */
static int probe_writable(void __user *u, size_t n)
{
	u8 buf[64];
	size_t done, chunk;

	for (done = 0; done < n; done += chunk) {
		chunk = min(n - done, sizeof(buf));
		if (copy_from_user(buf, u + done, chunk) ||
		    copy_to_user(u + done, buf, chunk))
			return -EFAULT;
	}
	return 0;
}

/* Run one op that does not touch user memory, in its own lock hold. */
static int op_locked(struct refgc_arena *a, struct refgc_op *op,
		     struct refgc_io *io)
{
	int err = refgc_io_lock(a, io);

	if (err)
		return err;
	err = refgc_run_op(a, op);
	mutex_unlock(&a->lock);
	return err;
}

/* Any op, unlocked: those that touch user memory run in object_io.c. */
static int op_any(struct refgc_arena *a, struct refgc_op *op,
		  struct refgc_io *io)
{
	if (refgc_op_touches_user(op))
		return refgc_run_user_op(a, op, io);
	return op_locked(a, op, io);
}

/*
 * A lock error (or a fatal signal between two holds) ends the batch
 * before the op: it did not run.  No op returns these errnos itself.
 */
static bool is_lock_err(int err)
{
	return err == -EAGAIN || err == -ERESTARTSYS || err == -EINTR;
}

/**
 * refgc_ioc_op() - REFGC_IOC_OP
 * @a: the arena, not locked.
 * @op: the op; @op->result and @op->error are set.
 * @io: the ioctl's lock state.
 *
 * Return: the op's errno.
 */
int refgc_ioc_op(struct refgc_arena *a, struct refgc_op *op,
		 struct refgc_io *io)
{
	int err;

	err = op_any(a, op, io);
	op->error = err;
	return err;
}

static bool batch_stops(struct refgc_batch *b, int operr)
{
	return operr && !(b->flags & REFGC_BATCH_CONTINUE);
}

static void batch_count(struct refgc_batch *b, int operr)
{
	b->done++;
	if (operr)
		b->failed++;
}

/*
 * One element of a batch, read, probed, run and written back on its own.
 * Returns -EFAULT if the element itself could not be read or written
 * (that ends the batch), a lock error or -EINTR (the op did not run),
 * else 0 with the op's own errno in @operr; an op's own -EFAULT (a bad
 * buffer at its @addr) is just that op's error.
 */
static int batch_one(struct refgc_arena *a, struct refgc_batch *b,
		     struct refgc_io *io, u32 i, int *operr)
{
	void __user *uop = u64_to_user_ptr(b->ops + (u64)i * b->op_size);
	size_t wsize = min_t(size_t, b->op_size, sizeof(struct refgc_op));
	struct refgc_op op;
	int err;

	err = copy_struct_from_user(&op, sizeof(op), uop, b->op_size);
	/*
	 * -E2BIG leaves @op unread: read it anyway, so that only its error
	 * changes and no other op's (or stack) bytes are written back over it.
	 */
	if (err == -E2BIG && copy_from_user(&op, uop, sizeof(op)))
		err = -EFAULT;
	if (!err)
		err = probe_writable(uop, wsize);
	if (err == -EFAULT)
		return err;
	if (!err && fatal_signal_pending(current))
		return -EINTR;
	if (!err && !io->nonblock)
		refgc_gc_catch_up(a);
	if (!err)
		err = op_any(a, &op, io);
	/*
	 * The op did not run (or, copying out, changed nothing in the
	 * arena: only WRITE changes it, and it has no later lock error).
	 */
	if (is_lock_err(err))
		return err;
	op.error = err;
	if (copy_to_user(uop, &op, wsize))
		return -EFAULT;
	batch_count(b, err);
	*operr = err;
	return 0;
}

/*
 * BATCH_CHUNK elements of the current size without an op that touches
 * user memory: one copy in, one probe (the chunk written back unchanged),
 * one lock hold for all of them, one copy out.  A chunk that cannot be
 * read or probed whole, or that holds an op that copies to or from user
 * memory at @addr (which might alias the ops array), runs element by
 * element (batch_one()).  The hold ends early, before an op, when the
 * previous op queued an automatic collection (it runs before the next
 * op, refgc_gc_catch_up()).  *@np is how many ops ran.  Returns as
 * batch_one() does, for the last op.
 */
#define BATCH_CHUNK	64

static int batch_chunk(struct refgc_arena *a, struct refgc_batch *b,
		       struct refgc_io *io, struct refgc_op *buf, u32 first,
		       u32 *np, int *operr)
{
	u32 n = *np;
	void __user *uops = u64_to_user_ptr(b->ops + (u64)first * sizeof(*buf));
	bool user = false;
	int err = 0, ret;
	u32 j;

	if (!copy_from_user(buf, uops, n * sizeof(*buf)))
		for (j = 0; j < n && !user; j++)
			user = refgc_op_touches_user(&buf[j]);
	else
		user = true;
	if (user || copy_to_user(uops, buf, n * sizeof(*buf))) {
		for (j = 0; j < n; j++) {
			ret = batch_one(a, b, io, first + j, operr);
			if (ret)
				return ret;
			if (batch_stops(b, *operr))
				break;
		}
		return 0;
	}

	ret = refgc_io_lock(a, io);
	if (ret)
		return ret;
	for (j = 0; j < n; j++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		/* The last op queued a collection: it runs before the next. */
		if (j && !io->nonblock && READ_ONCE(a->work_pending))
			break;
		err = refgc_run_op(a, &buf[j]);
		buf[j].error = err;
		batch_count(b, err);
		if (batch_stops(b, err)) {
			j++;
			break;
		}
		cond_resched();
	}
	mutex_unlock(&a->lock);
	*operr = err;
	*np = j;
	if (copy_to_user(uops, buf, j * sizeof(*buf)))
		return -EFAULT;
	return ret;
}

/**
 * refgc_batch() - REFGC_IOC_BATCH
 * @a: the arena, not locked.
 * @b: the batch; @done and @failed are set, whatever the outcome.
 * @io: the ioctl's lock state.
 *
 * Return: 0, the errno of the op that stopped it, -EFAULT (an element
 * could not be read or written), -EINTR (fatal signal: @done ops ran, the
 * rest did not), or a lock error.
 */
int refgc_batch(struct refgc_arena *a, struct refgc_batch *b,
		struct refgc_io *io)
{
	struct refgc_op *buf = NULL;
	int ret = 0, err = 0;
	u32 i, n;

	if (b->flags & ~REFGC_BATCH_CONTINUE || b->reserved)
		return -EINVAL;
	if (b->count > REFGC_MAX_BATCH)
		return -E2BIG;
	if (b->op_size < REFGC_OP_SIZE_VER0 || b->op_size > PAGE_SIZE)
		return -EINVAL;
	b->done = 0;
	b->failed = 0;
	if (b->op_size == sizeof(*buf) && b->count > 1)
		buf = kmalloc_array(min_t(u32, b->count, BATCH_CHUNK),
				    sizeof(*buf), GFP_KERNEL | __GFP_NOWARN);
	for (i = 0; i < b->count; i += n) {
		n = buf ? min_t(u32, b->count - i, BATCH_CHUNK) : 1;
		if (!io->nonblock)
			refgc_gc_catch_up(a);
		if (buf)
			ret = batch_chunk(a, b, io, buf, i, &n, &err);
		else
			ret = batch_one(a, b, io, i, &err);
		if (ret || batch_stops(b, err))
			break;
	}
	kfree(buf);
	/*
	 * Only a fault on an element itself, a lock error or a fatal signal
	 * ends a CONTINUE batch with an error: an op's own errors are in its
	 * @error.
	 */
	if (ret)
		return ret;
	return b->flags & REFGC_BATCH_CONTINUE ? 0 : err;
}

/**
 * refgc_ioctl() - unlocked_ioctl (and, through compat_ptr_ioctl, compat)
 * @file: an open /dev/refgc.
 * @cmd: a REFGC_IOC_* command.
 * @arg: user address of the command's struct.
 *
 * Return: >= 0 on success, -ENOTTY for an unknown command, or the errno
 * the command documents.
 */
long refgc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct refgc_cmd *c = refgc_find_cmd(cmd);
	struct refgc_arena *a = file->private_data;
	struct refgc_io io = { .nonblock = file->f_flags & O_NONBLOCK };
	void __user *uarg = (void __user *)arg;
	size_t usize = _IOC_SIZE(cmd), ksize;
	union refgc_karg {
		struct refgc_op op;
		struct refgc_batch batch;
		struct refgc_stats stats;	/* the largest */
	} k = {};
	long ret;

	if (!c)
		return -ENOTTY;
	/* The table's size for the command: its first published size. */
	ksize = _IOC_SIZE(c->cmd);
	if (WARN_ON_ONCE(ksize > sizeof(k)))
		return -ENOTTY;
	/* Every struct is still at its first published size. */
	if (usize < ksize)
		return -EINVAL;
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		ret = copy_struct_from_user(&k, ksize, uarg, usize);
		if (ret)
			return ret;
	}
	if (c->out != REFGC_OUT_NONE) {
		ret = probe_writable(uarg, usize);
		if (ret)
			return ret;
	}

	/* A collection the last op queued comes before this command. */
	if (!io.nonblock)
		refgc_gc_catch_up(a);
	if (c->locked) {
		ret = refgc_io_lock(a, &io);
		if (ret)
			return ret;
		ret = c->fn(a, &k, &io);
		mutex_unlock(&a->lock);
	} else {
		ret = c->fn(a, &k, &io);
	}
	refgc_io_done(&io);

	if (c->out == REFGC_OUT_ALWAYS ||
	    (c->out == REFGC_OUT_SUCCESS && ret >= 0)) {
		if (copy_to_user(uarg, &k, min_t(size_t, usize, ksize)) ||
		    (usize > ksize && !(_IOC_DIR(cmd) & _IOC_WRITE) &&
		     clear_user(uarg + ksize, usize - ksize)))
			return -EFAULT;
	}
	return ret;
}
