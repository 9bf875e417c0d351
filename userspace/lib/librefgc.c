// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * librefgc.c - opening an arena, types, limits, memory, the object
 * operations (one function per REFGC_OP_*) and REFGC_IOC_LIST paging.
 *
 * Every function returns 0 or a documented non-negative value on success
 * and a negative errno on failure, and prints nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "librefgc.h"
#include "internal.h"

/**
 * refgc_ioctl() - ioctl() returning its value or a negative errno
 * @fd: the arena.
 * @cmd: a REFGC_IOC_* command.
 * @arg: its struct, or NULL.
 *
 * Return: the ioctl's non-negative value, or -errno.
 */
long refgc_ioctl(int fd, unsigned long cmd, void *arg)
{
	long r;

	do {
		r = ioctl(fd, cmd, arg);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/**
 * refgc_open() - open /dev/refgc: a new, empty arena
 *
 * Return: the arena's fd (close-on-exec), or -errno.
 */
int refgc_open(void)
{
	return refgc_open_flags(0);
}

/**
 * refgc_open_flags() - open /dev/refgc with extra open(2) flags
 * @flags: added to O_RDWR | O_CLOEXEC, e.g. O_NONBLOCK.
 *
 * Return: the arena's fd, or -errno.
 */
int refgc_open_flags(int flags)
{
	int fd = open(REFGC_DEVICE, O_RDWR | O_CLOEXEC | flags);

	return fd < 0 ? -errno : fd;
}

/**
 * refgc_close() - close an arena, freeing every object in it
 * @fd: the arena.
 *
 * Return: 0 or -errno.
 */
int refgc_close(int fd)
{
	return close(fd) ? -errno : 0;
}

/**
 * refgc_version() - REFGC_IOC_VERSION
 * @fd: the arena.
 * @v: filled with the module's ABI version, limits and features.
 *
 * Return: 0 or -errno.
 */
int refgc_version(int fd, struct refgc_version *v)
{
	memset(v, 0, sizeof(*v));
	return (int)refgc_ioctl(fd, REFGC_IOC_VERSION, v);
}

/**
 * refgc_type_register() - REFGC_IOC_TYPE_REGISTER
 * @fd: the arena.
 * @name: the type's name, 1 to REFGC_TYPE_NAME_MAX - 1 printable bytes.
 * @flags: REFGC_TYPE_* bits.
 * @id: if not NULL, set to the new type id.
 *
 * Return: 0, -EINVAL (bad name or flags), -EEXIST, -ENOSPC or -errno.
 */
int refgc_type_register(int fd, const char *name, uint32_t flags,
			uint32_t *id)
{
	struct refgc_type t = { .flags = flags };
	size_t len = strlen(name);
	long r;

	if (len >= sizeof(t.name))
		return -EINVAL;
	memcpy(t.name, name, len);
	r = refgc_ioctl(fd, REFGC_IOC_TYPE_REGISTER, &t);
	if (!r && id)
		*id = t.id;
	return (int)r;
}

/**
 * refgc_type_get() - REFGC_IOC_TYPE_GET
 * @fd: the arena.
 * @id: the type id.
 * @t: filled with the type's id, flags and name.
 *
 * Return: 0, -ENOENT for an unknown id, or -errno.
 */
int refgc_type_get(int fd, uint32_t id, struct refgc_type *t)
{
	memset(t, 0, sizeof(*t));
	t->id = id;
	return (int)refgc_ioctl(fd, REFGC_IOC_TYPE_GET, t);
}

/**
 * refgc_get_limits() - REFGC_IOC_GET_LIMITS
 * @fd: the arena.
 * @l: filled with the arena's limits.
 *
 * Return: 0 or -errno.
 */
int refgc_get_limits(int fd, struct refgc_limits *l)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_GET_LIMITS, l);
}

/**
 * refgc_set_limits() - REFGC_IOC_SET_LIMITS
 * @fd: the arena.
 * @l: new limits; a zero field keeps the current limit.
 *
 * Return: 0, -EPERM above the module's limits, -EBUSY below usage.
 */
int refgc_set_limits(int fd, const struct refgc_limits *l)
{
	struct refgc_limits c = *l;

	return (int)refgc_ioctl(fd, REFGC_IOC_SET_LIMITS, &c);
}

/**
 * refgc_memory() - REFGC_IOC_GET_MEMORY
 * @fd: the arena.
 * @m: filled with what the arena holds.
 *
 * Return: 0 or -errno.
 */
int refgc_memory(int fd, struct refgc_memory *m)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_GET_MEMORY, m);
}

/**
 * refgc_op() - REFGC_IOC_OP: run one prepared operation
 * @fd: the arena.
 * @op: the operation; @op->result and @op->error are written back.
 *
 * Return: 0 or the op's negative errno.
 */
int refgc_op(int fd, struct refgc_op *op)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_OP, op);
}

/* Run one op built from its operands; store its result if asked. */
static int run_op(int fd, uint32_t code, uint64_t id, uint64_t arg,
		  uint64_t arg2, uint64_t addr, uint64_t *result)
{
	struct refgc_op op = {
		.op = code, .id = id, .arg = arg, .arg2 = arg2, .addr = addr,
	};
	int r = refgc_op(fd, &op);

	if (!r && result)
		*result = op.result;
	return r;
}

/**
 * refgc_new() - REFGC_OP_NEW: a new object, with one handle
 * @fd: the arena.
 * @type: a registered type id (not the weakref type).
 * @bytes: zero-filled payload bytes.
 * @id: set to the new object's id.
 *
 * Return: 0, -ENOENT (unknown type), -EINVAL, -EFBIG, -ENOSPC, -ENOMEM.
 */
int refgc_new(int fd, uint32_t type, uint64_t bytes, uint64_t *id)
{
	return run_op(fd, REFGC_OP_NEW, 0, type, bytes, 0, id);
}

/**
 * refgc_incref() - REFGC_OP_INCREF: take one more handle
 * @fd: the arena.
 * @id: the object.
 * @handles: if not NULL, set to the handles held afterwards.
 *
 * Return: 0, -ENOENT or -ENOSPC.
 */
int refgc_incref(int fd, uint64_t id, uint64_t *handles)
{
	return run_op(fd, REFGC_OP_INCREF, id, 0, 0, 0, handles);
}

/**
 * refgc_decref() - REFGC_OP_DECREF: drop one handle
 * @fd: the arena.
 * @id: the object.
 * @handles: if not NULL, set to the handles left.
 *
 * Return: 0, -ENOENT, or -EINVAL when no handle is held.
 */
int refgc_decref(int fd, uint64_t id, uint64_t *handles)
{
	return run_op(fd, REFGC_OP_DECREF, id, 0, 0, 0, handles);
}

/**
 * refgc_link() - REFGC_OP_LINK: append a reference to @dst to @src
 * @fd: the arena.
 * @src: a container.
 * @dst: any live object.
 * @slot: if not NULL, set to the new slot's index.
 *
 * Return: 0, -ENOENT, -EINVAL (@src is not a container), -ENOSPC,
 * -ENOMEM.
 */
int refgc_link(int fd, uint64_t src, uint64_t dst, uint64_t *slot)
{
	return run_op(fd, REFGC_OP_LINK, src, dst, 0, 0, slot);
}

/**
 * refgc_unlink() - REFGC_OP_UNLINK: remove the slot at @index
 * @fd: the arena.
 * @src: a container.
 * @index: the slot.
 * @dst: if not NULL, set to the id the slot referred to.
 *
 * Return: 0, -ENOENT, or -EINVAL (bad index, not a container).
 */
int refgc_unlink(int fd, uint64_t src, uint64_t index, uint64_t *dst)
{
	return run_op(fd, REFGC_OP_UNLINK, src, index, 0, 0, dst);
}

/**
 * refgc_remove() - REFGC_OP_REMOVE: remove the first slot referring to @dst
 * @fd: the arena.
 * @src: a container.
 * @dst: the object referred to.
 * @index: if not NULL, set to the index the slot had.
 *
 * Return: 0, -ENOENT (also when no slot refers to @dst), -EINVAL.
 */
int refgc_remove(int fd, uint64_t src, uint64_t dst, uint64_t *index)
{
	return run_op(fd, REFGC_OP_REMOVE, src, dst, 0, 0, index);
}

/**
 * refgc_set() - REFGC_OP_SET: make slot @index of @src refer to @dst
 * @fd: the arena.
 * @src: a container.
 * @index: an existing slot.
 * @dst: the new referent.
 * @old: if not NULL, set to the id the slot referred to before.
 *
 * Return: 0, -ENOENT, -EINVAL or -ENOSPC.
 */
int refgc_set(int fd, uint64_t src, uint64_t index, uint64_t dst,
	      uint64_t *old)
{
	return run_op(fd, REFGC_OP_SET, src, dst, index, 0, old);
}

/**
 * refgc_clear() - REFGC_OP_CLEAR: drop every slot of a container
 * @fd: the arena.
 * @id: the container.
 * @dropped: if not NULL, set to how many slots were dropped.
 *
 * Return: 0, -ENOENT or -EINVAL.
 */
int refgc_clear(int fd, uint64_t id, uint64_t *dropped)
{
	return run_op(fd, REFGC_OP_CLEAR, id, 0, 0, 0, dropped);
}

/**
 * refgc_get_slots() - REFGC_OP_GET_SLOTS: the ids a container refers to
 * @fd: the arena.
 * @id: the object.
 * @ids: room for @cap ids, in slot order.
 * @cap: capacity of @ids; may be 0 to ask for the count only.
 * @nslots: set to the number of slots (may exceed @cap).
 *
 * Return: 0, -ENOENT or -EFAULT.
 */
int refgc_get_slots(int fd, uint64_t id, uint64_t *ids, uint64_t cap,
		    uint64_t *nslots)
{
	return run_op(fd, REFGC_OP_GET_SLOTS, id, 0, cap,
		      cap ? (uintptr_t)ids : 0, nslots);
}

/**
 * refgc_get_referrers() - REFGC_OP_GET_REFERRERS: containers referring to @id
 * @fd: the arena.
 * @id: the object.
 * @ids: room for @cap ids; each referrer appears once.
 * @cap: capacity of @ids; may be 0.
 * @nfound: set to the number of referrers (may exceed @cap).
 *
 * Return: 0, -ENOENT or -EFAULT.
 */
int refgc_get_referrers(int fd, uint64_t id, uint64_t *ids, uint64_t cap,
			uint64_t *nfound)
{
	return run_op(fd, REFGC_OP_GET_REFERRERS, id, 0, cap,
		      cap ? (uintptr_t)ids : 0, nfound);
}

/**
 * refgc_read() - REFGC_OP_READ: copy payload bytes out
 * @fd: the arena.
 * @id: the object.
 * @offset: where in the payload.
 * @buf: destination.
 * @len: bytes.
 *
 * Return: 0, -ENOENT, -EINVAL (out of range) or -EFAULT.
 */
int refgc_read(int fd, uint64_t id, uint64_t offset, void *buf,
	       uint64_t len)
{
	return run_op(fd, REFGC_OP_READ, id, offset, len, (uintptr_t)buf,
		      NULL);
}

/**
 * refgc_write() - REFGC_OP_WRITE: copy payload bytes in
 * @fd: the arena.
 * @id: the object.
 * @offset: where in the payload.
 * @buf: source.
 * @len: bytes.
 *
 * Return: 0, -ENOENT, -EINVAL (out of range), -EFAULT or -ENOMEM.
 */
int refgc_write(int fd, uint64_t id, uint64_t offset, const void *buf,
		uint64_t len)
{
	return run_op(fd, REFGC_OP_WRITE, id, offset, len, (uintptr_t)buf,
		      NULL);
}

/**
 * refgc_info() - REFGC_OP_GET_INFO
 * @fd: the arena.
 * @id: the object.
 * @info: filled in.
 *
 * Return: 0, -ENOENT or -EFAULT.
 */
int refgc_info(int fd, uint64_t id, struct refgc_info *info)
{
	return run_op(fd, REFGC_OP_GET_INFO, id, 0, sizeof(*info),
		      (uintptr_t)info, NULL);
}

/**
 * refgc_weakref_new() - REFGC_OP_WEAKREF_NEW: weakref.ref(referent[, cb])
 * @fd: the arena.
 * @referent: the object referred to.
 * @cookie: returned in the WEAKREF event.
 * @callback: queue a WEAKREF event when the referent dies.
 * @wid: set to the weakref object's id; the caller holds one handle.
 *
 * Return: 0, -ENOENT, -ENOSPC or -ENOMEM.
 */
int refgc_weakref_new(int fd, uint64_t referent, uint64_t cookie,
		      bool callback, uint64_t *wid)
{
	struct refgc_op op = {
		.op = REFGC_OP_WEAKREF_NEW,
		.flags = callback ? REFGC_WEAKREF_CALLBACK : 0,
		.id = referent,
		.arg = cookie,
	};
	int r = refgc_op(fd, &op);

	if (!r && wid)
		*wid = op.result;
	return r;
}

/**
 * refgc_weakref_get() - REFGC_OP_WEAKREF_GET: call the weakref
 * @fd: the arena.
 * @wid: the weakref.
 * @referent: set to the referent's id; the caller gets a new handle on it.
 *
 * Return: 0, -ENOENT (the weakref or its referent is dead), -EINVAL (not
 * a weakref) or -ENOSPC.
 */
int refgc_weakref_get(int fd, uint64_t wid, uint64_t *referent)
{
	return run_op(fd, REFGC_OP_WEAKREF_GET, wid, 0, 0, 0, referent);
}

/**
 * refgc_weakref_drop() - REFGC_OP_WEAKREF_DROP: drop a handle on a weakref
 * @fd: the arena.
 * @wid: the weakref.
 * @handles: if not NULL, set to the handles left on it.
 *
 * Return: 0, -ENOENT or -EINVAL.
 */
int refgc_weakref_drop(int fd, uint64_t wid, uint64_t *handles)
{
	return run_op(fd, REFGC_OP_WEAKREF_DROP, wid, 0, 0, 0, handles);
}

/**
 * refgc_list() - REFGC_IOC_LIST: one page of a listing
 * @fd: the arena.
 * @l: the request; @l->count and @l->cursor are written back.
 *
 * Return: 0 or -errno.
 */
int refgc_list(int fd, struct refgc_list *l)
{
	return (int)refgc_ioctl(fd, REFGC_IOC_LIST, l);
}

#define LIST_PAGE	4096

/**
 * refgc_list_all() - page through a whole listing
 * @fd: the arena.
 * @what: a refgc_list_what.
 * @generation: for REFGC_LIST_OBJECTS, the generation filter; else 0.
 * @fn: called for every entry, in order.
 * @arg: passed to @fn.
 *
 * Return: 0, the first nonzero value @fn returned, or -errno.
 */
int refgc_list_all(int fd, uint32_t what, int32_t generation,
		   refgc_list_fn fn, void *arg)
{
	struct refgc_entry page[LIST_PAGE];
	uint64_t cursor = 0;
	uint32_t i;
	int r;

	do {
		struct refgc_list l = {
			.addr = (uintptr_t)page,
			.capacity = LIST_PAGE,
			.what = what,
			.generation = generation,
			.cursor = cursor,
		};

		r = refgc_list(fd, &l);
		if (r)
			return r;
		for (i = 0; i < l.count; i++) {
			r = fn(&page[i], arg);
			if (r)
				return r;
		}
		cursor = l.cursor;
	} while (cursor);
	return 0;
}
