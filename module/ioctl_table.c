// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_table.c - the one ioctl command table, and the handlers of the
 * commands that are only a few lines: one entry per command gives its
 * argument size, whether it runs under arena->lock, how its result is
 * copied out, and its handler.  refgc_ioctl() (ioctl.c) and the debugfs
 * control file (debugfs.c) both dispatch through it.
 *
 * Locking: a "locked" handler runs with arena->lock held, in one hold,
 * and touches no user memory (its struct is copied in and out by the
 * caller); the others take the lock themselves (or not at all).
 */
#include <linux/fs.h>
#include <linux/workqueue.h>

#include "refgc.h"

static void refgc_abi_checks(void)
{
	BUILD_BUG_ON(sizeof(struct refgc_version) != 24);
	BUILD_BUG_ON(sizeof(struct refgc_type) != 40);
	BUILD_BUG_ON(sizeof(struct refgc_op) != 56);
	BUILD_BUG_ON(sizeof(struct refgc_info) != 56);
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

static long ioc_version(struct refgc_arena *a, void *karg,
			struct refgc_io *io)
{
	*(struct refgc_version *)karg = (struct refgc_version){
		.abi_version = REFGC_ABI_VERSION,
		.max_batch = REFGC_MAX_BATCH,
		.features = REFGC_FEAT_OBJECTS | REFGC_FEAT_BATCH |
			    REFGC_FEAT_COLLECTOR | REFGC_FEAT_WEAKREF |
			    REFGC_FEAT_EVENTS | REFGC_FEAT_FINALIZE,
		.op_size = sizeof(struct refgc_op),
		.event_size = sizeof(struct refgc_event),
	};
	return 0;
}

static long ioc_type_register(struct refgc_arena *a, void *karg,
			      struct refgc_io *io)
{
	return refgc_type_register(a, karg);
}

static long ioc_type_get(struct refgc_arena *a, void *karg,
			 struct refgc_io *io)
{
	return refgc_type_get(a, karg);
}

static long ioc_op(struct refgc_arena *a, void *karg, struct refgc_io *io)
{
	return refgc_ioc_op(a, karg, io);
}

static long ioc_batch(struct refgc_arena *a, void *karg, struct refgc_io *io)
{
	return refgc_batch(a, karg, io);
}

static long ioc_list(struct refgc_arena *a, void *karg, struct refgc_io *io)
{
	return refgc_list(a, karg, io);
}

static long ioc_get_limits(struct refgc_arena *a, void *karg,
			   struct refgc_io *io)
{
	*(struct refgc_limits *)karg = a->limits;
	return 0;
}

static long ioc_set_limits(struct refgc_arena *a, void *karg,
			   struct refgc_io *io)
{
	return refgc_set_limits(a, karg);
}

static long ioc_get_memory(struct refgc_arena *a, void *karg,
			   struct refgc_io *io)
{
	refgc_get_memory(a, karg);
	return 0;
}

static long ioc_enable(struct refgc_arena *a, void *karg, struct refgc_io *io)
{
	a->gc.enabled = true;
	return 0;
}

static long ioc_disable(struct refgc_arena *a, void *karg,
			struct refgc_io *io)
{
	a->gc.enabled = false;
	return 0;
}

static long ioc_isenabled(struct refgc_arena *a, void *karg,
			  struct refgc_io *io)
{
	((struct refgc_gc_value *)karg)->value = a->gc.enabled;
	return 0;
}

/* A collection's outcome, and the ioctl's return value. */
static long collect_out(struct refgc_collect *c, const struct rgc_result *res)
{
	c->collected = res->collected;
	c->uncollectable = res->uncollectable;
	c->visited = res->visited;
	c->duration_ns = res->duration_ns;
	return min_t(u64, res->collected + res->uncollectable, INT_MAX);
}

static long ioc_collect(struct refgc_arena *a, void *karg,
			struct refgc_io *io)
{
	struct refgc_collect *c = karg;
	struct rgc_result res;
	int err;

	if (c->flags & ~REFGC_COLLECT_FINALIZE || c->generation < 0 ||
	    c->generation >= REFGC_NUM_GENERATIONS)
		return -EINVAL;
	err = refgc_collect(a, c->generation,
			    c->flags & REFGC_COLLECT_FINALIZE, &res);
	if (err == -EBUSY)
		err = 0;	/* suspended: gc.collect() in __del__ is 0 */
	if (err < 0)
		return err;
	if (err == RGC_SUSPENDED)
		c->flags |= REFGC_COLLECT_SUSPENDED;
	return collect_out(c, &res);
}

static long ioc_collect_resume(struct refgc_arena *a, void *karg,
			       struct refgc_io *io)
{
	struct refgc_collect *c = karg;
	struct rgc_result res;
	int err;

	err = refgc_collect_resume(a, &res);
	if (err < 0)
		return err;
	*c = (struct refgc_collect){ .generation = res.generation };
	if (err == RGC_SUSPENDED)
		c->flags = REFGC_COLLECT_SUSPENDED;
	return collect_out(c, &res);
}

static long ioc_get_count(struct refgc_arena *a, void *karg,
			  struct refgc_io *io)
{
	struct refgc_count *cnt = karg;
	int i;

	for (i = 0; i < REFGC_NUM_GENERATIONS; i++)
		cnt->count[i] = a->gc.gen[i].count;
	return 0;
}

static long ioc_get_threshold(struct refgc_arena *a, void *karg,
			      struct refgc_io *io)
{
	struct refgc_threshold *th = karg;
	int i;

	for (i = 0; i < REFGC_NUM_GENERATIONS; i++)
		th->threshold[i] = a->gc.gen[i].threshold;
	return 0;
}

static long ioc_set_threshold(struct refgc_arena *a, void *karg,
			      struct refgc_io *io)
{
	struct refgc_threshold *th = karg;
	int i;

	if (th->reserved)
		return -EINVAL;
	for (i = 0; i < REFGC_NUM_GENERATIONS; i++)
		a->gc.gen[i].threshold = th->threshold[i];
	return 0;
}

static long ioc_get_stats(struct refgc_arena *a, void *karg,
			  struct refgc_io *io)
{
	struct refgc_stats *st = karg;

	BUILD_BUG_ON(sizeof(st->gen[0]) != sizeof(a->gc.stats[0]));
	memcpy(st->gen, a->gc.stats, sizeof(st->gen));
	return 0;
}

static long ioc_set_debug(struct refgc_arena *a, void *karg,
			  struct refgc_io *io)
{
	struct refgc_gc_value *v = karg;

	if (v->reserved || v->value & ~REFGC_DEBUG_FLAGS)
		return -EINVAL;
	a->gc.debug = v->value;
	return 0;
}

static long ioc_get_debug(struct refgc_arena *a, void *karg,
			  struct refgc_io *io)
{
	((struct refgc_gc_value *)karg)->value = a->gc.debug;
	return 0;
}

static long ioc_clear_garbage(struct refgc_arena *a, void *karg,
			      struct refgc_io *io)
{
	return refgc_garbage_clear(a);
}

static long ioc_freeze(struct refgc_arena *a, void *karg, struct refgc_io *io)
{
	rgc_freeze(&a->gc);
	return 0;
}

static long ioc_unfreeze(struct refgc_arena *a, void *karg,
			 struct refgc_io *io)
{
	rgc_unfreeze(&a->gc);
	return 0;
}

static long ioc_get_freeze_count(struct refgc_arena *a, void *karg,
				 struct refgc_io *io)
{
	((struct refgc_freeze_count *)karg)->count =
		rgc_gen_size(&a->gc, RGC_GEN_PERMANENT);
	return 0;
}

/*
 * SYNC: wait for a queued or running automatic collection.  Under
 * O_NONBLOCK, -EAGAIN if there is one, instead of waiting.
 */
static long ioc_sync(struct refgc_arena *a, void *karg, struct refgc_io *io)
{
	if (io->nonblock)
		return READ_ONCE(a->work_pending) ? -EAGAIN : 0;
	return refgc_gc_sync(a);
}

static long ioc_set_flags(struct refgc_arena *a, void *karg,
			  struct refgc_io *io)
{
	struct refgc_gc_value *v = karg;

	if (v->reserved || v->value & ~REFGC_ARENA_FLAGS)
		return -EINVAL;
	a->gc.legacy_finalizers = v->value & REFGC_ARENA_LEGACY_FINALIZERS;
	return 0;
}

static long ioc_get_flags(struct refgc_arena *a, void *karg,
			  struct refgc_io *io)
{
	((struct refgc_gc_value *)karg)->value =
		a->gc.legacy_finalizers ? REFGC_ARENA_LEGACY_FINALIZERS : 0;
	return 0;
}

/* Runs in one hold of arena->lock, which the caller takes. */
#define LOCKED(c, f, o)		{ .cmd = c, .locked = true, .out = o, .fn = f }
/* Takes arena->lock itself, in bounded holds (or not at all). */
#define UNLOCKED(c, f, o)	{ .cmd = c, .locked = false, .out = o, .fn = f }

static const struct refgc_cmd refgc_cmds[] = {
	UNLOCKED(REFGC_IOC_VERSION, ioc_version, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_TYPE_REGISTER, ioc_type_register, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_TYPE_GET, ioc_type_get, REFGC_OUT_SUCCESS),
	UNLOCKED(REFGC_IOC_OP, ioc_op, REFGC_OUT_ALWAYS),
	UNLOCKED(REFGC_IOC_BATCH, ioc_batch, REFGC_OUT_ALWAYS),
	UNLOCKED(REFGC_IOC_LIST, ioc_list, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_GET_LIMITS, ioc_get_limits, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_SET_LIMITS, ioc_set_limits, REFGC_OUT_NONE),
	LOCKED(REFGC_IOC_GET_MEMORY, ioc_get_memory, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_ENABLE, ioc_enable, REFGC_OUT_NONE),
	LOCKED(REFGC_IOC_DISABLE, ioc_disable, REFGC_OUT_NONE),
	LOCKED(REFGC_IOC_ISENABLED, ioc_isenabled, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_COLLECT, ioc_collect, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_COLLECT_RESUME, ioc_collect_resume,
	       REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_GET_COUNT, ioc_get_count, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_GET_THRESHOLD, ioc_get_threshold, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_SET_THRESHOLD, ioc_set_threshold, REFGC_OUT_NONE),
	LOCKED(REFGC_IOC_GET_STATS, ioc_get_stats, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_SET_DEBUG, ioc_set_debug, REFGC_OUT_NONE),
	LOCKED(REFGC_IOC_GET_DEBUG, ioc_get_debug, REFGC_OUT_SUCCESS),
	LOCKED(REFGC_IOC_CLEAR_GARBAGE, ioc_clear_garbage, REFGC_OUT_NONE),
	LOCKED(REFGC_IOC_FREEZE, ioc_freeze, REFGC_OUT_NONE),
	LOCKED(REFGC_IOC_UNFREEZE, ioc_unfreeze, REFGC_OUT_NONE),
	LOCKED(REFGC_IOC_GET_FREEZE_COUNT, ioc_get_freeze_count,
	       REFGC_OUT_SUCCESS),
	UNLOCKED(REFGC_IOC_SYNC, ioc_sync, REFGC_OUT_NONE),
	LOCKED(REFGC_IOC_SET_FLAGS, ioc_set_flags, REFGC_OUT_NONE),
	LOCKED(REFGC_IOC_GET_FLAGS, ioc_get_flags, REFGC_OUT_SUCCESS),
};

/**
 * refgc_find_cmd() - the table entry of an ioctl command
 * @cmd: the command as userspace gave it (its size bits may differ).
 *
 * Return: the entry with @cmd's type, number and direction, or NULL
 * (-ENOTTY); a command without argument matches only without size bits.
 */
const struct refgc_cmd *refgc_find_cmd(unsigned int cmd)
{
	const struct refgc_cmd *c;

	refgc_abi_checks();
	if (_IOC_TYPE(cmd) != REFGC_IOC_MAGIC)
		return NULL;
	for (c = refgc_cmds; c < refgc_cmds + ARRAY_SIZE(refgc_cmds); c++) {
		if (_IOC_NR(c->cmd) != _IOC_NR(cmd) ||
		    _IOC_DIR(c->cmd) != _IOC_DIR(cmd))
			continue;
		/* No argument: size bits make it some other command. */
		if (_IOC_DIR(c->cmd) == _IOC_NONE && _IOC_SIZE(cmd))
			return NULL;
		return c;
	}
	return NULL;
}

/**
 * refgc_cmd_locked() - run a locked command's handler from the kernel
 * @a: the arena, locked.
 * @cmd: exactly a REFGC_IOC_* command whose entry is locked.
 * @karg: its struct, in kernel memory.
 *
 * The debugfs control file runs its commands through this, with the same
 * checks as the ioctl.
 *
 * Return: as the ioctl, or -ENOTTY for a command that is not locked.
 */
long refgc_cmd_locked(struct refgc_arena *a, unsigned int cmd, void *karg)
{
	const struct refgc_cmd *c = refgc_find_cmd(cmd);

	lockdep_assert_held(&a->lock);
	if (!c || c->cmd != cmd || !c->locked)
		return -ENOTTY;
	return c->fn(a, karg, NULL);
}
