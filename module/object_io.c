// SPDX-License-Identifier: GPL-2.0
/*
 * object_io.c - the object ops and ioctls that copy to or from user
 * memory: REFGC_OP_GET_SLOTS, GET_REFERRERS, READ, WRITE, GET_INFO, and
 * REFGC_IOC_LIST; and how ioctls take arena->lock (struct refgc_io).
 *
 * Locking: everything here is called WITHOUT arena->lock and takes it
 * itself, in holds that never touch user memory: each hold fills (or
 * drains) a bounded kernel buffer, the lock is dropped, and only then is
 * user memory copied.  A page that never faults in (userfaultfd, FUSE)
 * therefore stalls only the op that touches it, never the lock.  Per
 * hold: at most REFGC_IO_CHUNK bytes of payload or ids, or
 * REFGC_SCAN_BUDGET objects or slots examined.  Between holds the arena
 * may change: a result that spans several holds is not a snapshot (see
 * Documentation/refgc.rst, "Limits and security"), and the op ends with
 * -ENOENT if its object died meanwhile, or -EINTR on a fatal signal.
 *
 * The first acquisition of an ioctl honours O_NONBLOCK (-EAGAIN) and
 * signals (-ERESTARTSYS: nothing has run); later ones wait killably
 * (-EINTR), since something may have run.
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "refgc.h"

#define IDS_CHUNK	(REFGC_IO_CHUNK / sizeof(u64))
#define ENTS_CHUNK	(REFGC_IO_CHUNK / sizeof(struct refgc_entry))
/* WRITE copies from its bounce buffer this much per lock hold. */
#define WRITE_CHUNK	(1024 * 1024)

/**
 * refgc_io_lock() - take arena->lock for one hold of an ioctl or read()
 * @a: the arena.
 * @io: the caller's state.
 *
 * Return: 0 with the lock held; -EAGAIN (O_NONBLOCK, first hold),
 * -ERESTARTSYS (signal, first hold) or -EINTR (fatal signal, later hold).
 */
int refgc_io_lock(struct refgc_arena *a, struct refgc_io *io)
{
	if (io->started) {
		if (mutex_lock_killable(&a->lock))
			return -EINTR;
	} else if (io->nonblock) {
		if (!mutex_trylock(&a->lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&a->lock)) {
		return -ERESTARTSYS;
	}
	io->started = true;
	return 0;
}

/**
 * refgc_io_buf() - the ioctl's REFGC_IO_CHUNK-byte scratch buffer
 * @io: the caller's state; the buffer lives until refgc_io_done().
 *
 * Return: the buffer, or NULL (-ENOMEM).
 */
void *refgc_io_buf(struct refgc_io *io)
{
	if (!io->buf)
		io->buf = kvmalloc(REFGC_IO_CHUNK, REFGC_GFP);
	return io->buf;
}

/**
 * refgc_io_done() - free what the ioctl's @io holds
 * @io: the caller's state.
 */
void refgc_io_done(struct refgc_io *io)
{
	kvfree(io->buf);
	io->buf = NULL;
}

/* Between two holds of a long op: stop if the task is being killed. */
static int io_pause(void)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	cond_resched();
	return 0;
}

/* GET_SLOTS: id, addr: u64[arg2] -> number of slots. */
static int io_get_slots(struct refgc_arena *a, struct refgc_op *op,
			struct refgc_io *io)
{
	u64 __user *uids = u64_to_user_ptr(op->addr);
	struct refgc_object *o;
	u64 pos = 0, n, want;
	u64 *ids = refgc_io_buf(io);
	u32 k;
	int err;

	if (!ids)
		return -ENOMEM;
	for (;;) {
		err = refgc_io_lock(a, io);
		if (err)
			return err;
		o = refgc_lookup(a, op->id);
		if (!o) {
			mutex_unlock(&a->lock);
			return -ENOENT;
		}
		n = obj_is_weakref(o) ? 0 : o->nslots;
		want = min(n, op->arg2);
		for (k = 0; pos + k < want && k < IDS_CHUNK; k++)
			ids[k] = obj_slots(o)[pos + k]->id;
		mutex_unlock(&a->lock);
		if (k && copy_to_user(uids + pos, ids, k * sizeof(*ids)))
			return -EFAULT;
		pos += k;
		if (pos >= want)
			break;
		err = io_pause();
		if (err)
			return err;
	}
	op->result = n;
	return 0;
}

/*
 * As gc.get_referrers(), which scans generations 0-2 only: not frozen
 * objects, nor untracked ones.
 */
static bool in_generations(struct refgc_arena *a, struct refgc_object *o)
{
	int gen = rgc_generation(&o->gc);

	return refgc_is_container(a, o) && gen >= 0 && gen < RGC_NUM_GENERATIONS;
}

/*
 * GET_REFERRERS: id, addr: u64[arg2] -> number found.  A scan of the
 * slots of every container in generations 0-2, REFGC_SCAN_BUDGET objects or slots per hold, resumed
 * at (@next, @slot).
 */
static int io_get_referrers(struct refgc_arena *a, struct refgc_op *op,
			    struct refgc_io *io)
{
	u64 __user *uids = u64_to_user_ptr(op->addr);
	unsigned long next = 0, id;
	u64 found = 0, copied = 0;
	u64 *ids = refgc_io_buf(io);
	struct refgc_object *target, *o;
	u32 slot = 0, i, k, budget;
	bool paused;
	int err;

	if (!ids)
		return -ENOMEM;
	for (;;) {
		err = refgc_io_lock(a, io);
		if (err)
			return err;
		target = refgc_lookup(a, op->id);
		if (!target) {
			mutex_unlock(&a->lock);
			return -ENOENT;
		}
		k = 0;
		budget = REFGC_SCAN_BUDGET;
		paused = false;
		xa_for_each_start(&a->objects, id, o, next) {
			bool cont = in_generations(a, o), hit = false;

			i = id == next ? slot : 0;
			slot = 0;
			for (; cont && i < o->nslots && budget; i++, budget--) {
				if (obj_slots(o)[i] == target) {
					hit = true;
					break;
				}
			}
			if (hit && found++ < op->arg2)
				ids[k++] = o->id;
			if (cont && !hit && i < o->nslots) {
				/* Out of budget inside @o: resume at slot @i. */
				next = id;
				slot = i;
				paused = true;
				break;
			}
			if (budget)
				budget--;
			if (!budget || k == IDS_CHUNK) {
				paused = id != ULONG_MAX;
				next = id + 1;
				break;
			}
		}
		mutex_unlock(&a->lock);
		if (k && copy_to_user(uids + copied, ids, k * sizeof(*ids)))
			return -EFAULT;
		copied += k;
		if (!paused)
			break;
		err = io_pause();
		if (err)
			return err;
	}
	op->result = found;
	return 0;
}

/*
 * Check a payload range: returns 0 and sets @data to the object's
 * payload (NULL for none, then the range is empty), or an errno.
 */
static int payload_range(struct refgc_arena *a, struct refgc_op *op,
			 u8 **data)
{
	struct refgc_object *o = refgc_lookup(a, op->id);
	struct refgc_payload *p;
	u64 size;

	if (!o)
		return -ENOENT;
	p = obj_payload(a, o);
	size = p ? p->size : 0;
	if (op->arg > size || op->arg2 > size - op->arg)
		return -EINVAL;
	*data = p ? p->data : NULL;
	return 0;
}

/* READ: id, arg: offset, arg2: len, addr -> len; REFGC_IO_CHUNK a hold. */
static int io_read(struct refgc_arena *a, struct refgc_op *op,
		   struct refgc_io *io)
{
	u8 __user *ubuf = u64_to_user_ptr(op->addr);
	void *buf = NULL;
	u8 *data;
	u64 pos = 0;
	size_t k;
	int err;

	if (op->arg2) {
		buf = refgc_io_buf(io);
		if (!buf)
			return -ENOMEM;
	}
	for (;;) {
		err = refgc_io_lock(a, io);
		if (err)
			return err;
		err = payload_range(a, op, &data);
		if (err) {
			mutex_unlock(&a->lock);
			return err;
		}
		k = min_t(u64, op->arg2 - pos, REFGC_IO_CHUNK);
		if (k)
			memcpy(buf, data + op->arg + pos, k);
		mutex_unlock(&a->lock);
		if (k && copy_to_user(ubuf + pos, buf, k))
			return -EFAULT;
		pos += k;
		if (pos >= op->arg2)
			break;
		err = io_pause();
		if (err)
			return err;
	}
	op->result = op->arg2;
	return 0;
}

/*
 * WRITE: id, arg: offset, arg2: len, addr -> len.  The whole range is
 * copied into a bounce buffer (charged to the arena while it lives)
 * before the payload changes, so that a fault changes nothing; then it is
 * copied in WRITE_CHUNK pieces, one lock hold each.  Only the object's
 * death between two pieces ends it early (-ENOENT; nobody can see the
 * payload of a dead object).
 */
static int io_write(struct refgc_arena *a, struct refgc_op *op,
		    struct refgc_io *io)
{
	void *bounce = NULL;
	u64 pos = 0, len = op->arg2;
	size_t k;
	u8 *data;
	int err;

	err = refgc_io_lock(a, io);
	if (err)
		return err;
	err = payload_range(a, op, &data);
	if (!err && len)
		err = refgc_charge(a, len);
	mutex_unlock(&a->lock);
	if (err || !len)
		return err;

	bounce = kvmalloc(len, REFGC_GFP);
	if (!bounce) {
		err = -ENOMEM;
		goto out;
	}
	if (copy_from_user(bounce, u64_to_user_ptr(op->addr), len)) {
		err = -EFAULT;
		goto out;
	}
	while (pos < len) {
		/*
		 * Not interruptible, so that no signal leaves a prefix written;
		 * bounded: holders never touch user memory, and this is at most
		 * max_payload / WRITE_CHUNK holds of one memcpy() each.
		 */
		mutex_lock(&a->lock);
		err = payload_range(a, op, &data);
		if (err) {
			mutex_unlock(&a->lock);
			goto out;
		}
		k = min_t(u64, len - pos, WRITE_CHUNK);
		memcpy(data + op->arg + pos, bounce + pos, k);
		mutex_unlock(&a->lock);
		pos += k;
		cond_resched();
	}
	op->result = len;
out:
	kvfree(bounce);
	/* Holders never touch user memory: this wait is bounded. */
	mutex_lock(&a->lock);
	refgc_uncharge(a, len);
	mutex_unlock(&a->lock);
	return err;
}

/* GET_INFO: id, addr: struct refgc_info, arg2: its size (<= a page). */
static int io_get_info(struct refgc_arena *a, struct refgc_op *op,
		       struct refgc_io *io)
{
	void __user *uinfo = u64_to_user_ptr(op->addr);
	struct refgc_object *o;
	struct refgc_info info;
	size_t ksize = sizeof(info);
	int err;

	err = refgc_io_lock(a, io);
	if (err)
		return err;
	o = refgc_lookup(a, op->id);
	if (!o)
		err = -ENOENT;
	else if (op->arg2 < ksize || op->arg2 > PAGE_SIZE)
		err = -EINVAL;
	else
		refgc_obj_info(a, o, &info);
	mutex_unlock(&a->lock);
	if (err)
		return err;
	if (copy_to_user(uinfo, &info, ksize) ||
	    clear_user(uinfo + ksize, op->arg2 - ksize))
		return -EFAULT;
	op->result = ksize;
	return 0;
}

/**
 * refgc_run_user_op() - run an op that copies to or from user memory
 * @a: the arena, NOT locked: this takes the lock in bounded holds.
 * @op: the operation (refgc_op_touches_user()); @op->result is set on
 *	success.
 * @io: the caller's lock state and scratch buffer.
 *
 * Return: 0 or a negative errno; on error the arena is unchanged (a
 * WRITE ends early only when its object died).
 */
int refgc_run_user_op(struct refgc_arena *a, struct refgc_op *op,
		      struct refgc_io *io)
{
	int err = refgc_op_check(op);

	if (err)
		return err;
	op->result = 0;
	switch (op->op) {
	case REFGC_OP_GET_SLOTS:
		return io_get_slots(a, op, io);
	case REFGC_OP_GET_REFERRERS:
		return io_get_referrers(a, op, io);
	case REFGC_OP_READ:
		return io_read(a, op, io);
	case REFGC_OP_WRITE:
		return io_write(a, op, io);
	case REFGC_OP_GET_INFO:
		return io_get_info(a, op, io);
	}
	WARN_ON_ONCE(1);
	return -EINVAL;
}

static void set_entry(struct refgc_entry *e, u64 id, u32 type, u32 flags)
{
	*e = (struct refgc_entry){ .id = id, .type = type, .flags = flags };
}

static bool gen_matches(struct refgc_object *o, s32 generation)
{
	return generation == REFGC_LIST_ALL_GENERATIONS ||
	       rgc_generation(&o->gc) == generation;
}

/* LIST OBJECTS: ENTS_CHUNK entries or REFGC_SCAN_BUDGET objects a hold. */
static int list_objects(struct refgc_arena *a, struct refgc_list *l,
			struct refgc_io *io, struct refgc_entry *ents, u32 cap)
{
	struct refgc_entry __user *u = u64_to_user_ptr(l->addr);
	unsigned long from = l->cursor + 1, id;
	u64 last = 0;
	bool more = false, paused;
	struct refgc_object *o;
	u32 n = 0, k, budget;
	int err;

	if (l->cursor >= ULONG_MAX)
		goto out;
	for (;;) {
		err = refgc_io_lock(a, io);
		if (err)
			return err;
		k = 0;
		budget = REFGC_SCAN_BUDGET;
		paused = false;
		xa_for_each_start(&a->objects, id, o, from) {
			if (!budget--) {
				from = id;
				paused = true;
				break;
			}
			if (!o->gc.refcnt || !gen_matches(o, l->generation))
				continue;
			if (n + k == cap) {
				more = true;
				break;
			}
			if (k == ENTS_CHUNK) {
				from = id;
				paused = true;
				break;
			}
			set_entry(&ents[k++], o->id, obj_type_id(o),
				  refgc_obj_flags(o));
			last = o->id;
		}
		mutex_unlock(&a->lock);
		if (k && copy_to_user(u + n, ents, k * sizeof(*ents)))
			return -EFAULT;
		n += k;
		if (!paused)
			break;
		err = io_pause();
		if (err)
			return err;
	}
out:
	l->count = n;
	l->cursor = more ? last : 0;
	return 0;
}

/* LIST GARBAGE and TYPES, by index: ENTS_CHUNK entries a hold. */
static int list_indexed(struct refgc_arena *a, struct refgc_list *l,
			struct refgc_io *io, struct refgc_entry *ents, u32 cap)
{
	struct refgc_entry __user *u = u64_to_user_ptr(l->addr);
	bool garbage = l->what == REFGC_LIST_GARBAGE;
	u64 pos = l->cursor, end;
	struct refgc_object *o;
	u32 n = 0, k;
	int err;

	if (!garbage && !pos)
		pos = REFGC_TYPE_WEAKREF_ID;
	for (;;) {
		err = refgc_io_lock(a, io);
		if (err)
			return err;
		end = garbage ? a->ngarbage : a->ntypes;
		for (k = 0; n + k < cap && k < ENTS_CHUNK && pos < end;
		     k++, pos++) {
			if (garbage) {
				o = a->garbage[pos];
				set_entry(&ents[k], o->id, obj_type_id(o),
					  refgc_obj_flags(o));
			} else {
				set_entry(&ents[k], pos, a->types[pos].flags,
					  a->types[pos].nr);
			}
		}
		mutex_unlock(&a->lock);
		if (k && copy_to_user(u + n, ents, k * sizeof(*ents)))
			return -EFAULT;
		n += k;
		if (n == cap || pos >= end)
			break;
		err = io_pause();
		if (err)
			return err;
	}
	l->count = n;
	/* Where to go on, or 0 when nothing is left. */
	l->cursor = pos < end ? pos : 0;
	return 0;
}

/**
 * refgc_list() - REFGC_IOC_LIST
 * @a: the arena, NOT locked.
 * @l: the request; @count and @cursor are set on success.
 * @io: the caller's lock state and scratch buffer.
 *
 * Return: 0, -EINVAL, -EFAULT, -ENOMEM, or a lock error.
 */
int refgc_list(struct refgc_arena *a, struct refgc_list *l,
	       struct refgc_io *io)
{
	u32 cap = min_t(u32, l->capacity, REFGC_LIST_MAX);
	struct refgc_entry *ents;

	if (!cap || l->count)
		return -EINVAL;
	switch (l->what) {
	case REFGC_LIST_OBJECTS:
		if (l->generation < REFGC_LIST_ALL_GENERATIONS ||
		    l->generation > REFGC_GEN_PERMANENT)
			return -EINVAL;
		break;
	case REFGC_LIST_GARBAGE:
	case REFGC_LIST_TYPES:
		if (l->generation)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	ents = refgc_io_buf(io);
	if (!ents)
		return -ENOMEM;
	if (l->what == REFGC_LIST_OBJECTS)
		return list_objects(a, l, io, ents, cap);
	return list_indexed(a, l, io, ents, cap);
}
