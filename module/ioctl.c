// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl.c - the ioctl entry point: command table, size-versioned copies,
 * REFGC_IOC_BATCH and REFGC_IOC_LIST.
 *
 * Every command is looked up by number; the size in the command is the
 * size userspace was built with.  Input goes through
 * copy_struct_from_user() (shorter is zero-extended, longer must have a
 * zero tail).  Before a command that writes back runs, the user struct is
 * probed for writing (its own bytes written back unchanged), so that a
 * successful operation can never be reported as -EFAULT.
 *
 * Locking: takes arena->lock around each command (around a whole batch);
 * under O_NONBLOCK, -EAGAIN instead of waiting.  REFGC_IOC_VERSION and
 * REFGC_IOC_SYNC take no lock.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "refgc.h"

/* The first published size of each struct: anything shorter is -EINVAL. */
#define REFGC_OP_SIZE_VER0	56
#define REFGC_INFO_SIZE_VER0	56

union refgc_karg {
	struct refgc_version version;
	struct refgc_type type;
	struct refgc_op op;
	struct refgc_batch batch;
	struct refgc_list list;
	struct refgc_limits limits;
	struct refgc_memory memory;
	struct refgc_collect collect;
	struct refgc_count count;
	struct refgc_threshold threshold;
	struct refgc_stats stats;
	struct refgc_gc_value value;
	struct refgc_freeze_count freeze_count;
};

static void refgc_abi_checks(void)
{
	BUILD_BUG_ON(sizeof(struct refgc_version) != 24);
	BUILD_BUG_ON(sizeof(struct refgc_type) != 40);
	BUILD_BUG_ON(sizeof(struct refgc_op) != REFGC_OP_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct refgc_info) != REFGC_INFO_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct refgc_batch) != 32);
	BUILD_BUG_ON(sizeof(struct refgc_entry) != 16);
	BUILD_BUG_ON(sizeof(struct refgc_list) != 32);
	BUILD_BUG_ON(sizeof(struct refgc_limits) != 24);
	BUILD_BUG_ON(sizeof(struct refgc_memory) != 48);
	BUILD_BUG_ON(sizeof(struct refgc_collect) != 40);
	BUILD_BUG_ON(sizeof(struct refgc_count) != 24);
	BUILD_BUG_ON(sizeof(struct refgc_threshold) != 16);
	BUILD_BUG_ON(sizeof(struct refgc_gen_stats) != 48);
	BUILD_BUG_ON(sizeof(struct refgc_stats) != 144);
	BUILD_BUG_ON(sizeof(struct refgc_gc_value) != 8);
	BUILD_BUG_ON(sizeof(struct refgc_event) != 64);
	BUILD_BUG_ON(offsetof(struct refgc_op, error) != 48);
}

static const unsigned int refgc_cmds[] = {
	REFGC_IOC_VERSION, REFGC_IOC_TYPE_REGISTER, REFGC_IOC_TYPE_GET,
	REFGC_IOC_OP, REFGC_IOC_BATCH, REFGC_IOC_LIST, REFGC_IOC_GET_LIMITS,
	REFGC_IOC_SET_LIMITS, REFGC_IOC_GET_MEMORY,
	REFGC_IOC_ENABLE, REFGC_IOC_DISABLE, REFGC_IOC_ISENABLED,
	REFGC_IOC_COLLECT, REFGC_IOC_GET_COUNT, REFGC_IOC_GET_THRESHOLD,
	REFGC_IOC_SET_THRESHOLD, REFGC_IOC_GET_STATS, REFGC_IOC_SET_DEBUG,
	REFGC_IOC_GET_DEBUG, REFGC_IOC_CLEAR_GARBAGE, REFGC_IOC_FREEZE,
	REFGC_IOC_UNFREEZE, REFGC_IOC_GET_FREEZE_COUNT, REFGC_IOC_SYNC,
	REFGC_IOC_SET_FLAGS, REFGC_IOC_GET_FLAGS,
};

/* The known command with @cmd's number and direction, or 0. */
static unsigned int refgc_find_cmd(unsigned int cmd)
{
	size_t i;

	if (_IOC_TYPE(cmd) != REFGC_IOC_MAGIC)
		return 0;
	for (i = 0; i < ARRAY_SIZE(refgc_cmds); i++) {
		unsigned int k = refgc_cmds[i];

		if (_IOC_NR(k) != _IOC_NR(cmd) || _IOC_DIR(k) != _IOC_DIR(cmd))
			continue;
		/* No argument: size bits make it some other command. */
		if (_IOC_DIR(k) == _IOC_NONE && _IOC_SIZE(cmd))
			return 0;
		return k;
	}
	return 0;
}

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

/*
 * One op of a batch, read, probed and written back on its own.  Returns
 * -EFAULT if the element itself could not be read or written (that ends
 * the batch), else 0 with the op's own errno in @operr; an op's own
 * -EFAULT (a bad buffer at its @addr) is just that op's error.  Counts the
 * op in @b unless its element faulted before it could run.
 */
static int batch_one(struct refgc_arena *a, struct refgc_batch *b, u32 i,
		     int *operr)
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
	if (!err)
		err = refgc_run_op(a, &op);
	op.error = err;
	if (copy_to_user(uop, &op, wsize))
		return -EFAULT;
	b->done++;
	if (err)
		b->failed++;
	*operr = err;
	return 0;
}

/*
 * Ops of the current size, BATCH_CHUNK at a time: one copy in, one probe
 * (the chunk written back unchanged) and one copy out per chunk instead of
 * four user copies per op.  A chunk that cannot be read or probed whole,
 * or holds an op that reads or writes user memory at @addr (which might
 * alias the ops array), runs op by op (batch_one), exactly as before.
 * Returns as batch_one() does, for the last op run.
 */
#define BATCH_CHUNK	64

static bool chunk_touches_user(const struct refgc_op *ops, u32 n)
{
	u32 j;

	for (j = 0; j < n; j++) {
		switch (ops[j].op) {
		case REFGC_OP_GET_SLOTS:
		case REFGC_OP_READ:
		case REFGC_OP_WRITE:
		case REFGC_OP_GET_INFO:
		case REFGC_OP_GET_REFERRERS:
			return true;
		}
	}
	return false;
}

static bool batch_stops(struct refgc_batch *b, int operr)
{
	return operr && !(b->flags & REFGC_BATCH_CONTINUE);
}

static int batch_chunk(struct refgc_arena *a, struct refgc_batch *b,
		       struct refgc_op *buf, u32 first, u32 n, int *operr)
{
	void __user *uops = u64_to_user_ptr(b->ops + (u64)first * sizeof(*buf));
	int err = 0;
	u32 j;

	if (copy_from_user(buf, uops, n * sizeof(*buf)) ||
	    chunk_touches_user(buf, n) ||
	    copy_to_user(uops, buf, n * sizeof(*buf))) {
		for (j = 0; j < n; j++) {
			if (batch_one(a, b, first + j, operr))
				return -EFAULT;
			if (batch_stops(b, *operr))
				break;
			cond_resched();
		}
		return 0;
	}
	for (j = 0; j < n; j++) {
		err = refgc_run_op(a, &buf[j]);
		buf[j].error = err;
		b->done++;
		if (err)
			b->failed++;
		if (batch_stops(b, err)) {
			j++;
			break;
		}
		cond_resched();
	}
	*operr = err;
	return copy_to_user(uops, buf, j * sizeof(*buf)) ? -EFAULT : 0;
}

static int run_batch(struct refgc_arena *a, struct refgc_batch *b)
{
	struct refgc_op *buf = NULL;
	int fault = 0, err = 0;
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
		if (buf) {
			fault = batch_chunk(a, b, buf, i, n, &err);
		} else {
			fault = batch_one(a, b, i, &err);
			cond_resched();
		}
		if (fault || batch_stops(b, err))
			break;
	}
	kfree(buf);
	/*
	 * Only a fault on an element itself ends a CONTINUE batch with
	 * -EFAULT: an op's own errors are in its @error.
	 */
	if (fault)
		return -EFAULT;
	return b->flags & REFGC_BATCH_CONTINUE ? 0 : err;
}

static int put_entry(struct refgc_list *l, u32 i, u64 id, u32 type,
		     u32 flags)
{
	struct refgc_entry e = { .id = id, .type = type, .flags = flags };
	struct refgc_entry __user *u = u64_to_user_ptr(l->addr);

	return copy_to_user(&u[i], &e, sizeof(e)) ? -EFAULT : 0;
}

static bool gen_matches(struct refgc_object *o, s32 generation)
{
	return generation == REFGC_LIST_ALL_GENERATIONS ||
	       rgc_generation(&o->gc) == generation;
}

static int run_list(struct refgc_arena *a, struct refgc_list *l)
{
	u32 cap = min_t(u32, l->capacity, REFGC_LIST_MAX);
	u64 pos = l->cursor, last = 0;
	struct refgc_object *o;
	unsigned long id;
	bool more = false;
	u32 n = 0;
	int err = 0;

	if (!cap || l->count)
		return -EINVAL;
	switch (l->what) {
	case REFGC_LIST_OBJECTS:
		if (l->generation < REFGC_LIST_ALL_GENERATIONS ||
		    l->generation > REFGC_GEN_PERMANENT)
			return -EINVAL;
		if (pos >= ULONG_MAX)
			break;
		xa_for_each_start(&a->objects, id, o, pos + 1) {
			if (!o->gc.refcnt || !gen_matches(o, l->generation))
				continue;
			if (n == cap) {
				more = true;
				break;
			}
			err = put_entry(l, n++, o->id, o->type,
					refgc_obj_flags(o));
			if (err)
				return err;
			last = o->id;
		}
		break;
	case REFGC_LIST_GARBAGE:
	case REFGC_LIST_TYPES:
		if (l->generation)
			return -EINVAL;
		if (l->what == REFGC_LIST_TYPES && !pos)
			pos = REFGC_TYPE_WEAKREF_ID;
		for (; n < cap; pos++) {
			if (l->what == REFGC_LIST_GARBAGE) {
				if (pos >= a->ngarbage)
					break;
				o = a->garbage[pos];
				err = put_entry(l, n++, o->id, o->type,
						refgc_obj_flags(o));
			} else {
				if (pos >= a->ntypes)
					break;
				err = put_entry(l, n++, pos,
						a->types[pos].flags,
						a->types[pos].nr);
			}
			if (err)
				return err;
		}
		/* Where to go on, or 0 when nothing is left. */
		last = pos < (l->what == REFGC_LIST_GARBAGE ? a->ngarbage :
			      a->ntypes) ? pos : 0;
		break;
	default:
		return -EINVAL;
	}
	l->count = n;
	if (l->what == REFGC_LIST_OBJECTS)
		l->cursor = more ? last : 0;
	else
		l->cursor = last;
	return 0;
}

static long refgc_locked_ioctl(struct refgc_arena *a, unsigned int cmd,
			       union refgc_karg *k)
{
	int err;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(REFGC_IOC_TYPE_REGISTER):
		return refgc_type_register(a, &k->type);
	case _IOC_NR(REFGC_IOC_TYPE_GET):
		return refgc_type_get(a, &k->type);
	case _IOC_NR(REFGC_IOC_OP):
		err = refgc_run_op(a, &k->op);
		k->op.error = err;
		return err;
	case _IOC_NR(REFGC_IOC_BATCH):
		return run_batch(a, &k->batch);
	case _IOC_NR(REFGC_IOC_LIST):
		return run_list(a, &k->list);
	case _IOC_NR(REFGC_IOC_GET_LIMITS):
		k->limits = a->limits;
		return 0;
	case _IOC_NR(REFGC_IOC_SET_LIMITS):
		return refgc_set_limits(a, &k->limits);
	case _IOC_NR(REFGC_IOC_GET_MEMORY):
		refgc_get_memory(a, &k->memory);
		return 0;
	}
	return refgc_gc_ioctl(a, cmd, k);
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
	struct refgc_arena *a = file->private_data;
	void __user *uarg = (void __user *)arg;
	unsigned int kcmd = refgc_find_cmd(cmd);
	size_t usize = _IOC_SIZE(cmd), ksize = _IOC_SIZE(kcmd);
	union refgc_karg k = {};
	long ret;

	refgc_abi_checks();
	if (!kcmd)
		return -ENOTTY;
	/* Every struct is still at its first published size. */
	if (usize < ksize)
		return -EINVAL;
	if (_IOC_DIR(kcmd) & _IOC_WRITE) {
		ret = copy_struct_from_user(&k, ksize, uarg, usize);
		if (ret)
			return ret;
	}
	if (_IOC_DIR(kcmd) & _IOC_READ) {
		ret = probe_writable(uarg, usize);
		if (ret)
			return ret;
	}

	if (kcmd == REFGC_IOC_SYNC)
		return refgc_gc_sync(a);
	if (kcmd == REFGC_IOC_VERSION) {
		k.version = (struct refgc_version){
			.abi_version = REFGC_ABI_VERSION,
			.max_batch = REFGC_MAX_BATCH,
			.features = REFGC_FEAT_OBJECTS | REFGC_FEAT_BATCH |
				    REFGC_FEAT_COLLECTOR | REFGC_FEAT_WEAKREF |
				    REFGC_FEAT_EVENTS,
			.op_size = sizeof(struct refgc_op),
			.event_size = sizeof(struct refgc_event),
		};
		ret = 0;
	} else {
		if (!(file->f_flags & O_NONBLOCK) &&
		    (kcmd == REFGC_IOC_OP || kcmd == REFGC_IOC_BATCH))
			refgc_throttle(a);
		if (file->f_flags & O_NONBLOCK) {
			if (!mutex_trylock(&a->lock))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&a->lock)) {
			return -ERESTARTSYS;
		}
		ret = refgc_locked_ioctl(a, kcmd, &k);
		mutex_unlock(&a->lock);
	}

	/* Ops write back their result and errno even when they fail. */
	if ((ret >= 0 || kcmd == REFGC_IOC_OP || kcmd == REFGC_IOC_BATCH) &&
	    (_IOC_DIR(kcmd) & _IOC_READ)) {
		if (copy_to_user(uarg, &k, min(usize, ksize)) ||
		    (usize > ksize && !(_IOC_DIR(kcmd) & _IOC_WRITE) &&
		     clear_user(uarg + ksize, usize - ksize)))
			return -EFAULT;
	}
	return ret;
}
