// SPDX-License-Identifier: GPL-2.0
/*
 * arena.c - arena life cycle, the type table, limits and byte accounting.
 *
 * An arena is created by open() and destroyed by the last close, when no
 * ioctl can be running on it any more.  Destruction first removes its
 * debugfs directory (which waits for debugfs users), then cancels its
 * work, then frees every object wholesale, cycles included.
 *
 * Locking: callers hold arena->lock for everything but create/destroy.
 */
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/memcontrol.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "refgc.h"

/* 64 bits: debugfs names must not wrap, whatever the number of opens. */
static atomic64_t refgc_arena_seq = ATOMIC64_INIT(0);

/**
 * refgc_arena_create() - allocate a new, empty arena for open()
 *
 * Return: the arena, ERR_PTR(-EMFILE) past the user's max_user_arenas,
 * or ERR_PTR(-ENOMEM).
 */
struct refgc_arena *refgc_arena_create(void)
{
	struct refgc_type_ent *wt;
	struct refgc_user *user;
	struct refgc_arena *a;
	int err = -ENOMEM;

	user = refgc_user_get();
	if (IS_ERR(user))
		return ERR_CAST(user);
	/* Over 8 KiB (the anchors): kvzalloc() needs no order-2 pages. */
	a = kvzalloc(sizeof(*a), REFGC_GFP);
	if (!a)
		goto err_user;
	a->user = user;
	a->types = kcalloc(8, sizeof(*a->types), REFGC_GFP);
	if (!a->types)
		goto err_free;
	if (refgc_events_init(&a->ev))
		goto err_types;

	mutex_init(&a->lock);
	refgc_gc_init(a);
	xa_init(&a->objects);
	xa_init(&a->wrefs);
	xa_init(&a->payloads);
	xa_init(&a->remembered);
	INIT_LIST_HEAD(&a->dying);
	INIT_LIST_HEAD(&a->trash);
	INIT_DELAYED_WORK(&a->work, refgc_gc_work);
	a->limits = refgc_default_limits;

	wt = &a->types[REFGC_TYPE_WEAKREF_ID];
	strscpy(wt->name, REFGC_TYPE_WEAKREF_NAME, sizeof(wt->name));
	a->ntypes = REFGC_TYPE_WEAKREF_ID + 1;

	a->seq = atomic64_inc_return(&refgc_arena_seq);
	a->owner_pid = task_tgid_nr(current);
	a->owner_uid = from_kuid_munged(&init_user_ns, current_uid());
	get_task_comm(a->owner_comm, current);
	/* Whoever uses the file later, the opener's memory cgroup pays. */
	a->memcg = get_mem_cgroup_from_mm(current->mm);

	mutex_lock(&refgc_arenas_lock);
	list_add_tail(&a->node, &refgc_arenas);
	refgc_debugfs_add_arena(a);
	mutex_unlock(&refgc_arenas_lock);
	trace_refgc_arena_open(a);
	return a;

err_types:
	kfree(a->types);
err_free:
	kvfree(a);
err_user:
	refgc_user_put(user);
	return ERR_PTR(err);
}

/**
 * refgc_arena_destroy() - free an arena and everything in it
 * @a: the arena; no ioctl, read or poll can be running on it.
 */
void refgc_arena_destroy(struct refgc_arena *a)
{
	mutex_lock(&refgc_arenas_lock);
	list_del(&a->node);
	mutex_unlock(&refgc_arenas_lock);
	refgc_debugfs_remove_arena(a);

	cancel_delayed_work_sync(&a->work);

	mutex_lock(&a->lock);
	trace_refgc_arena_close(a);
	refgc_free_all(a);
	mutex_unlock(&a->lock);

	WARN_ON(a->nr_objects || a->bytes);
	mem_cgroup_put(a->memcg);
	refgc_user_put(a->user);
	xa_destroy(&a->objects);
	xa_destroy(&a->wrefs);
	xa_destroy(&a->payloads);
	xa_destroy(&a->remembered);
	refgc_events_free(&a->ev);
	kvfree(a->garbage);
	kfree(a->types);
	mutex_destroy(&a->lock);
	kvfree(a);
}

static int check_type_name(const char *name)
{
	size_t len = strnlen(name, REFGC_TYPE_NAME_MAX);
	size_t i;

	if (!len || len == REFGC_TYPE_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isgraph(name[i]) || (name[i] & 0x80))
			return -EINVAL;
	/* The bytes after the NUL are reserved. */
	for (i = len; i < REFGC_TYPE_NAME_MAX; i++)
		if (name[i])
			return -EINVAL;
	return 0;
}

/**
 * refgc_type_register() - REFGC_IOC_TYPE_REGISTER
 * @a: the arena, locked.
 * @t: in: name and flags; out: the new id.
 *
 * Return: 0, -EINVAL for bad flags or a bad name, -EEXIST for a name
 * already registered, -ENOSPC past REFGC_MAX_TYPES, -ENOMEM.
 */
int refgc_type_register(struct refgc_arena *a, struct refgc_type *t)
{
	struct refgc_type_ent *ent;
	u32 i;

	if (t->flags & ~REFGC_TYPE_FLAGS || t->id)
		return -EINVAL;
	if (check_type_name(t->name))
		return -EINVAL;
	for (i = REFGC_TYPE_WEAKREF_ID; i < a->ntypes; i++)
		if (!strcmp(a->types[i].name, t->name))
			return -EEXIST;
	if (a->ntypes >= REFGC_MAX_TYPES)
		return refgc_limit_hit(a, REFGC_LIMIT_TYPES, 1, -ENOSPC);

	if (is_power_of_2(a->ntypes) && a->ntypes >= 8) {
		ent = krealloc_array(a->types, a->ntypes * 2, sizeof(*ent),
				     REFGC_GFP | __GFP_ZERO);
		if (!ent)
			return -ENOMEM;
		a->types = ent;
	}
	ent = &a->types[a->ntypes];
	memset(ent, 0, sizeof(*ent));
	ent->flags = t->flags;
	strscpy(ent->name, t->name, sizeof(ent->name));
	t->id = a->ntypes++;
	return 0;
}

/**
 * refgc_type_get() - REFGC_IOC_TYPE_GET
 * @a: the arena, locked.
 * @t: in: id; out: name and flags.
 *
 * Return: 0, -EINVAL for nonzero input fields, -ENOENT for an unknown id.
 */
int refgc_type_get(struct refgc_arena *a, struct refgc_type *t)
{
	if (t->flags || memchr_inv(t->name, 0, sizeof(t->name)))
		return -EINVAL;
	if (!t->id || t->id >= a->ntypes)
		return -ENOENT;
	t->flags = a->types[t->id].flags;
	memcpy(t->name, a->types[t->id].name, sizeof(t->name));
	return 0;
}

/**
 * refgc_charge() - charge bytes to the arena, within its byte limit
 * @a: the arena, locked.
 * @bytes: how many.
 *
 * Return: 0, or -ENOMEM past the limit (nothing charged).
 */
int refgc_charge(struct refgc_arena *a, u64 bytes)
{
	if (bytes > a->limits.max_bytes - min(a->bytes, a->limits.max_bytes))
		return refgc_limit_hit(a, REFGC_LIMIT_BYTES, bytes, -ENOMEM);
	a->bytes += bytes;
	return 0;
}

/**
 * refgc_uncharge() - return bytes charged by refgc_charge()
 * @a: the arena, locked.
 * @bytes: how many.
 */
void refgc_uncharge(struct refgc_arena *a, u64 bytes)
{
	if (WARN_ON_ONCE(bytes > a->bytes))
		bytes = a->bytes;
	a->bytes -= bytes;
}

/**
 * refgc_set_limits() - REFGC_IOC_SET_LIMITS
 * @a: the arena, locked.
 * @l: new limits; 0 keeps a limit as it is.
 *
 * Return: 0, -EPERM above the module's limits, -EBUSY below current usage.
 */
int refgc_set_limits(struct refgc_arena *a, const struct refgc_limits *l)
{
	struct refgc_limits n = a->limits;

	if (l->max_objects)
		n.max_objects = l->max_objects;
	if (l->max_bytes)
		n.max_bytes = l->max_bytes;
	if (l->max_payload)
		n.max_payload = l->max_payload;
	if (n.max_objects > refgc_default_limits.max_objects ||
	    n.max_bytes > refgc_default_limits.max_bytes ||
	    n.max_payload > refgc_default_limits.max_payload)
		return -EPERM;
	if (n.max_objects < a->nr_objects || n.max_bytes < a->bytes)
		return -EBUSY;
	a->limits = n;
	return 0;
}

/**
 * refgc_get_memory() - REFGC_IOC_GET_MEMORY
 * @a: the arena, locked.
 * @m: filled in.
 */
void refgc_get_memory(struct refgc_arena *a, struct refgc_memory *m)
{
	*m = (struct refgc_memory){
		.objects = a->nr_objects,
		.bytes = a->bytes,
		.payload_bytes = a->payload_bytes,
		.slots = a->nr_slots,
		.types = a->ntypes - 1,
		.next_id = a->last_id + 1,
	};
}
