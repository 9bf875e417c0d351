/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * refgc: refcounted container objects with CPython-style cycle detection.
 *
 * This header is the whole ioctl ABI of the misc device /dev/refgc.  Every
 * open() of the device creates a new, empty arena; all ioctls act on the
 * arena of the file they are issued on.
 *
 * Conventions:
 *  - Structs are size-versioned: the size encoded in the ioctl number is
 *    the size userspace was built with.  The kernel accepts a shorter
 *    struct (missing fields read as zero, down to the first published
 *    size) and a longer one whose extra tail is all zero (otherwise
 *    -E2BIG), as copy_struct_from_user() does.  Output is copied back up to
 *    the smaller of the two sizes.
 *  - User pointers travel as __u64.  No struct has padding holes.
 *  - Fields named reserved*, and flag bits not defined here, must be zero
 *    (-EINVAL otherwise).
 *  - An operation that fails changes nothing.
 *
 * Documentation/refgc.rst describes every ioctl, field and errno.
 */
#ifndef _UAPI_LINUX_REFGC_H
#define _UAPI_LINUX_REFGC_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define REFGC_ABI_VERSION	1
#define REFGC_IOC_MAGIC		0xB9

/* Feature bits reported by REFGC_IOC_VERSION. */
#define REFGC_FEAT_OBJECTS	(1ULL << 0)	/* arena, types, objects, slots */
#define REFGC_FEAT_BATCH	(1ULL << 1)	/* REFGC_IOC_BATCH */
#define REFGC_FEAT_COLLECTOR	(1ULL << 2)	/* cycle collector ioctls */
#define REFGC_FEAT_WEAKREF	(1ULL << 3)	/* weakref ops */
#define REFGC_FEAT_EVENTS	(1ULL << 4)	/* read()/poll() events */
#define REFGC_FEAT_FINALIZE	(1ULL << 5)	/* REFGC_COLLECT_FINALIZE, _RESUME */

/**
 * struct refgc_version - answer of REFGC_IOC_VERSION
 * @abi_version: REFGC_ABI_VERSION of the running module.
 * @max_batch: the largest @count REFGC_IOC_BATCH accepts.
 * @features: REFGC_FEAT_* bits the module supports.
 * @op_size: sizeof(struct refgc_op) as the module knows it.
 * @event_size: sizeof(struct refgc_event) as read() returns it.
 *
 * The ioctl number of REFGC_IOC_VERSION never changes, so that any
 * userspace can ask any module what it speaks.
 */
struct refgc_version {
	__u32 abi_version;
	__u32 max_batch;
	__u64 features;
	__u32 op_size;
	__u32 event_size;
};

/* Types. */
#define REFGC_TYPE_NAME_MAX	32	/* bytes, including the NUL */
#define REFGC_TYPE_CONTAINER	0		/* holds slots, tracked */
#define REFGC_TYPE_ATOMIC	(1U << 0)	/* no slots, never tracked */
#define REFGC_TYPE_FINALIZER	(1U << 1)	/* has a __del__-like finalizer */
#define REFGC_TYPE_FLAGS	(REFGC_TYPE_ATOMIC | REFGC_TYPE_FINALIZER)

/* The built-in type of weakref objects, present in every arena. */
#define REFGC_TYPE_WEAKREF_ID	1
#define REFGC_TYPE_WEAKREF_NAME	"weakref"

/**
 * struct refgc_type - a type: REFGC_IOC_TYPE_REGISTER and REFGC_IOC_TYPE_GET
 * @id: out for REGISTER (the new type id); in for GET.
 * @flags: REFGC_TYPE_* bits; in for REGISTER, out for GET.
 * @name: NUL-terminated, 1 to REFGC_TYPE_NAME_MAX - 1 printable ASCII
 *	characters other than space, unique within the arena; the bytes
 *	after the NUL must be zero.  In for REGISTER, out for GET.
 */
struct refgc_type {
	__u32 id;
	__u32 flags;
	char name[REFGC_TYPE_NAME_MAX];
};

/*
 * Object operations, for REFGC_IOC_OP and the elements of REFGC_IOC_BATCH.
 *
 * WEAKREF_NEW without REFGC_WEAKREF_CALLBACK returns the referent's basic
 * weakref, with one more handle, when it has one (weakref.ref(x) is
 * weakref.ref(x)); its cookie is the first creator's.  With the flag it
 * always makes a new weakref.  GET_REFERRERS scans the containers of
 * generations 0-2, as gc.get_referrers(): frozen ones are not seen.
 */
enum refgc_op_code {
	REFGC_OP_NEW = 1,	/* arg: type, arg2: payload bytes -> id */
	REFGC_OP_INCREF,	/* id -> handles after */
	REFGC_OP_DECREF,	/* id -> handles after */
	REFGC_OP_LINK,		/* id: src, arg: dst -> slot index */
	REFGC_OP_UNLINK,	/* id: src, arg: slot index -> dst id */
	REFGC_OP_REMOVE,	/* id: src, arg: dst (first occurrence) -> index */
	REFGC_OP_SET,		/* id: src, arg: dst, arg2: index -> old dst id */
	REFGC_OP_CLEAR,		/* id -> slots dropped */
	REFGC_OP_GET_SLOTS,	/* id, addr: __u64[arg2] -> number of slots */
	REFGC_OP_READ,		/* id, arg: offset, arg2: len, addr -> len */
	REFGC_OP_WRITE,		/* id, arg: offset, arg2: len, addr -> len */
	REFGC_OP_GET_INFO,	/* id, addr: struct refgc_info, arg2: size */
	REFGC_OP_WEAKREF_NEW,	/* id: referent, arg: cookie -> weakref id */
	REFGC_OP_WEAKREF_GET,	/* id: weakref -> referent id (new handle) */
	REFGC_OP_WEAKREF_DROP,	/* id: weakref -> handles after */
	REFGC_OP_GET_REFERRERS,	/* id, addr: __u64[arg2] -> number found */
	REFGC_OP_MAX
};

/* refgc_op.flags */
#define REFGC_WEAKREF_CALLBACK	(1U << 0)	/* WEAKREF_NEW: queue an event */

/**
 * struct refgc_op - one object operation
 * @op: REFGC_OP_* code.
 * @flags: per-op flags (only WEAKREF_NEW has one); others must be zero.
 * @id: the object (or weakref) the operation acts on.
 * @arg: second operand: a type id, a destination object, an index,
 *	an offset or a cookie, as the op code says.
 * @arg2: third operand: payload bytes, index, length or capacity.
 * @addr: user buffer for GET_SLOTS, GET_REFERRERS, READ, WRITE, GET_INFO.
 * @result: out: the op's result (new ids included), see enum refgc_op_code.
 * @error: out, batch only: 0 or the negative errno of this op.  Ignored
 *	on input.
 * @reserved: must be zero.
 *
 * REFGC_IOC_OP runs one operation and returns its errno as the ioctl's.
 */
struct refgc_op {
	__u32 op;
	__u32 flags;
	__u64 id;
	__u64 arg;
	__u64 arg2;
	__u64 addr;
	__u64 result;
	__s32 error;
	__u32 reserved;
};

/* refgc_info.flags */
#define REFGC_INFO_TRACKED	(1U << 0)	/* on a generation list */
#define REFGC_INFO_FINALIZED	(1U << 1)	/* finalizer has run (or is queued) */
#define REFGC_INFO_FROZEN	(1U << 2)	/* in the permanent generation */
#define REFGC_INFO_GARBAGE	(1U << 3)	/* held by the garbage list */
#define REFGC_INFO_WEAKREF	(1U << 4)	/* is a weakref */
#define REFGC_INFO_DEAD_REF	(1U << 5)	/* weakref whose referent died */
#define REFGC_INFO_PENDING	(1U << 6)	/* a FINALIZE event holds it */

/* Generation numbers. */
#define REFGC_NUM_GENERATIONS	3
#define REFGC_GEN_PERMANENT	3	/* the frozen generation */
#define REFGC_GEN_UNTRACKED	(-1)

/**
 * struct refgc_info - what REFGC_OP_GET_INFO reports about an object
 * @id: the object id.
 * @type: its type id.
 * @flags: REFGC_INFO_* bits.
 * @refcount: strong references: handles + slots pointing at it + garbage
 *	list + undelivered FINALIZE events.
 * @handles: strong references held by userspace.
 * @slots: number of slots (references it holds).
 * @payload_size: bytes of payload.
 * @generation: 0..2, REFGC_GEN_PERMANENT, or REFGC_GEN_UNTRACKED.
 * @reserved: zero.
 */
struct refgc_info {
	__u64 id;
	__u32 type;
	__u32 flags;
	__u64 refcount;
	__u64 handles;
	__u64 slots;
	__u64 payload_size;
	__s32 generation;
	__u32 reserved;
};

/* refgc_batch.flags */
#define REFGC_BATCH_CONTINUE	(1U << 0)	/* run on after a failed op */

/**
 * struct refgc_batch - REFGC_IOC_BATCH: run an array of refgc_op in order
 * @ops: user address of @count struct refgc_op of @op_size bytes each.
 * @count: number of ops, at most refgc_version.max_batch.
 * @op_size: sizeof(struct refgc_op) as userspace knows it.
 * @flags: REFGC_BATCH_* bits.
 * @done: out: how many ops ran (failed ones included).
 * @failed: out: how many of those failed.
 * @reserved: must be zero.
 *
 * Each op's @result and @error are written back.  Without
 * REFGC_BATCH_CONTINUE the batch stops after the first failed op and the
 * ioctl returns that op's errno; ops before it stay done.  With it, every
 * op runs and the ioctl returns 0.  A fatal signal stops the batch between
 * two ops with -EINTR; @done then counts exactly the ops that ran.
 */
struct refgc_batch {
	__u64 ops;
	__u32 count;
	__u32 op_size;
	__u32 flags;
	__u32 done;
	__u32 failed;
	__u32 reserved;
};

/* refgc_list.what */
enum refgc_list_what {
	REFGC_LIST_OBJECTS = 0,	/* live objects, by id; @generation filters */
	REFGC_LIST_GARBAGE,	/* the garbage list, in order */
	REFGC_LIST_TYPES,	/* registered types: entry.id is the type id */
};

#define REFGC_LIST_ALL_GENERATIONS	(-2)

/**
 * struct refgc_entry - one element of a REFGC_IOC_LIST answer
 * @id: object id (or type id for REFGC_LIST_TYPES).
 * @type: type id of the object (or the type's REFGC_TYPE_* flags for
 *	TYPES).
 * @flags: REFGC_INFO_* bits of the object (or, for TYPES, the number of
 *	live objects of the type).
 */
struct refgc_entry {
	__u64 id;
	__u32 type;
	__u32 flags;
};

/**
 * struct refgc_list - REFGC_IOC_LIST: page through objects or garbage
 * @addr: user address of @capacity struct refgc_entry.
 * @capacity: entries the buffer holds.
 * @count: out: entries written.
 * @what: a refgc_list_what.
 * @generation: for OBJECTS: REFGC_LIST_ALL_GENERATIONS, REFGC_GEN_UNTRACKED,
 *	0..2 or REFGC_GEN_PERMANENT; zero for GARBAGE and TYPES.
 * @cursor: in: 0 to start, else the value returned by the previous call;
 *	out: where to continue, or 0 when the listing is complete.
 */
struct refgc_list {
	__u64 addr;
	__u32 capacity;
	__u32 count;
	__u32 what;
	__s32 generation;
	__u64 cursor;
};

/**
 * struct refgc_limits - per-arena limits (REFGC_IOC_GET/SET_LIMITS)
 * @max_objects: live objects at most (-ENOSPC beyond).
 * @max_bytes: bytes charged to the arena at most (-ENOMEM beyond).
 * @max_payload: payload bytes of one object at most (-EFBIG beyond).
 *
 * SET may lower a limit, or raise it back up to the module parameter; a
 * value of 0 keeps the current one.  A limit below the current usage is
 * -EBUSY.
 */
struct refgc_limits {
	__u64 max_objects;
	__u64 max_bytes;
	__u64 max_payload;
};

/**
 * struct refgc_memory - what the arena holds (REFGC_IOC_GET_MEMORY)
 * @objects: live objects, weakrefs included.
 * @bytes: bytes charged: objects, slot arrays, payloads.
 * @payload_bytes: the payload part of @bytes.
 * @slots: references held by all slots.
 * @types: registered types, the built-in weakref type included.
 * @next_id: the id the next object will get.
 */
struct refgc_memory {
	__u64 objects;
	__u64 bytes;
	__u64 payload_bytes;
	__u64 slots;
	__u64 types;
	__u64 next_id;
};

/* Collector: gc-module style control. */

/* Debug flags (refgc_debug.flags), with CPython's values. */
#define REFGC_DEBUG_STATS		(1U << 0)
#define REFGC_DEBUG_COLLECTABLE		(1U << 1)
#define REFGC_DEBUG_UNCOLLECTABLE	(1U << 2)
#define REFGC_DEBUG_SAVEALL		(1U << 5)
#define REFGC_DEBUG_LEAK	(REFGC_DEBUG_COLLECTABLE | \
				 REFGC_DEBUG_UNCOLLECTABLE | REFGC_DEBUG_SAVEALL)
#define REFGC_DEBUG_FLAGS	(REFGC_DEBUG_STATS | REFGC_DEBUG_LEAK)

/* Arena flags (refgc_arena_flags.flags). */
#define REFGC_ARENA_LEGACY_FINALIZERS	(1U << 0)	/* Python 2.7 __del__ */
#define REFGC_ARENA_FLAGS		REFGC_ARENA_LEGACY_FINALIZERS

/* refgc_collect.flags */
#define REFGC_COLLECT_FINALIZE	(1U << 0)	/* in: stop for finalizers */
#define REFGC_COLLECT_SUSPENDED	(1U << 31)	/* out: stopped, see below */

/**
 * struct refgc_collect - REFGC_IOC_COLLECT, as gc.collect(generation)
 * @generation: 0, 1 or 2.
 * @flags: in: 0 or REFGC_COLLECT_FINALIZE.  Out: REFGC_COLLECT_SUSPENDED
 *	added when the collection stopped for finalizers.
 * @collected: out: unreachable objects freed (or saved, under SAVEALL).
 * @uncollectable: out: unreachable objects kept on the garbage list.
 * @visited: out: objects examined.
 * @duration_ns: out: time the collection took.
 *
 * The ioctl's return value is @collected + @uncollectable, capped at
 * INT_MAX.  While a collection of the arena is suspended, COLLECT
 * returns 0 and collects nothing, as gc.collect() inside __del__.
 *
 * With REFGC_COLLECT_FINALIZE the collection stops wherever CPython
 * would run Python code inside gc.collect(), and returns 0 with
 * REFGC_COLLECT_SUSPENDED and @visited set.  The event queue then holds
 * the caller's work: (1) the WEAKREF record of one weakref callback (the
 * collection keeps the weakref alive until it is resumed); (2) a FINALIZE
 * record (with a handle on the object, standing for self) for each
 * object finalized (PEP 442); (3) after deletion, the FINALIZE and
 * WEAKREF records of objects that died by refcount then (legacy
 * finalizers, objects only the garbage held).  The caller reads and runs
 * them, in order; they may do anything (resurrect by keeping the handle,
 * create, link, collect, which returns 0).  It drops the handles it does
 * not keep and calls REFGC_IOC_COLLECT_RESUME, which goes on and either
 * stops again (REFGC_COLLECT_SUSPENDED) or returns CPython's numbers: a
 * weakref its callback freed counts as collected, as in CPython.
 * Meanwhile no automatic collection of the arena runs; closing the arena
 * frees everything.  A collection that does not stop (no flag, or an
 * automatic one) queues the same records as notifications: objects
 * finalized then stay in the generation collected, held by their events,
 * and its next collection frees them.
 */
struct refgc_collect {
	__s32 generation;
	__u32 flags;
	__u64 collected;
	__u64 uncollectable;
	__u64 visited;
	__u64 duration_ns;
};

/**
 * struct refgc_count - REFGC_IOC_GET_COUNT, as gc.get_count()
 * @count: per generation: gen 0 counts tracked allocations minus
 *	deallocations, gen n counts collections of gen n - 1.
 */
struct refgc_count {
	__u64 count[REFGC_NUM_GENERATIONS];
};

/**
 * struct refgc_threshold - REFGC_IOC_GET/SET_THRESHOLD, as gc.get_threshold()
 * @threshold: per generation; threshold[0] == 0 disables automatic
 *	collection.
 * @reserved: must be zero.
 */
struct refgc_threshold {
	__u32 threshold[REFGC_NUM_GENERATIONS];
	__u32 reserved;
};

/**
 * struct refgc_gen_stats - statistics of one generation
 * @collections: collections of this generation.
 * @collected: objects collected by them.
 * @uncollectable: objects found uncollectable by them.
 * @visited: objects they examined.
 * @total_ns: time they took.
 * @max_ns: the longest of them.
 */
struct refgc_gen_stats {
	__u64 collections;
	__u64 collected;
	__u64 uncollectable;
	__u64 visited;
	__u64 total_ns;
	__u64 max_ns;
};

/**
 * struct refgc_stats - REFGC_IOC_GET_STATS, as gc.get_stats()
 * @gen: per generation.
 */
struct refgc_stats {
	struct refgc_gen_stats gen[REFGC_NUM_GENERATIONS];
};

/**
 * struct refgc_gc_value - a single value in or out
 * @value: the debug flags, the arena flags, a count or a boolean.
 * @reserved: must be zero.
 */
struct refgc_gc_value {
	__u32 value;
	__u32 reserved;
};

/**
 * struct refgc_freeze_count - REFGC_IOC_GET_FREEZE_COUNT
 * @count: objects in the permanent generation.
 */
struct refgc_freeze_count {
	__u64 count;
};

/* Events, read() from the arena's file. */
enum refgc_event_type {
	REFGC_EV_GC_START = 1,	/* generation */
	REFGC_EV_GC_STOP,	/* generation, collected, uncollectable,
				 * visited, duration_ns
				 */
	REFGC_EV_FINALIZE,	/* id: the object; the reader now holds a
				 * handle on it
				 */
	REFGC_EV_WEAKREF,	/* id: the weakref, cookie */
	REFGC_EV_COLLECTABLE,	/* id: object (DEBUG_COLLECTABLE) */
	REFGC_EV_UNCOLLECTABLE,	/* id: object (DEBUG_UNCOLLECTABLE) */
	REFGC_EV_OVERFLOW,	/* lost: events dropped since the last one */
};

/**
 * struct refgc_event - one fixed-size record of read()
 * @type: a refgc_event_type.
 * @generation: GC_START, GC_STOP: the generation collected.
 * @id: FINALIZE, COLLECTABLE, UNCOLLECTABLE: the object; WEAKREF: the
 *	weakref.  Only FINALIZE holds a handle: the other ids may name
 *	objects that have died since (a weakref dies with its cycle).
 * @cookie: WEAKREF: the weakref's cookie.
 * @collected: GC_STOP.
 * @uncollectable: GC_STOP.
 * @visited: GC_STOP.
 * @duration_ns: GC_STOP.
 * @lost: OVERFLOW: how many events were dropped.
 *
 * read() returns whole records only; a buffer smaller than one record is
 * -EINVAL.  The queue is bounded: droppable events beyond it are counted
 * and reported by an OVERFLOW record.  FINALIZE events carry a handle and
 * are never dropped.
 */
struct refgc_event {
	__u32 type;
	__s32 generation;
	__u64 id;
	__u64 cookie;
	__u64 collected;
	__u64 uncollectable;
	__u64 visited;
	__u64 duration_ns;
	__u64 lost;
};

#define REFGC_IOC_VERSION	_IOR(REFGC_IOC_MAGIC, 0x00, struct refgc_version)
#define REFGC_IOC_TYPE_REGISTER	_IOWR(REFGC_IOC_MAGIC, 0x01, struct refgc_type)
#define REFGC_IOC_TYPE_GET	_IOWR(REFGC_IOC_MAGIC, 0x02, struct refgc_type)
#define REFGC_IOC_OP		_IOWR(REFGC_IOC_MAGIC, 0x03, struct refgc_op)
#define REFGC_IOC_BATCH		_IOWR(REFGC_IOC_MAGIC, 0x04, struct refgc_batch)
#define REFGC_IOC_LIST		_IOWR(REFGC_IOC_MAGIC, 0x05, struct refgc_list)
#define REFGC_IOC_GET_LIMITS	_IOR(REFGC_IOC_MAGIC, 0x06, struct refgc_limits)
#define REFGC_IOC_SET_LIMITS	_IOW(REFGC_IOC_MAGIC, 0x07, struct refgc_limits)
#define REFGC_IOC_GET_MEMORY	_IOR(REFGC_IOC_MAGIC, 0x08, struct refgc_memory)

#define REFGC_IOC_ENABLE	_IO(REFGC_IOC_MAGIC, 0x20)
#define REFGC_IOC_DISABLE	_IO(REFGC_IOC_MAGIC, 0x21)
#define REFGC_IOC_ISENABLED	_IOR(REFGC_IOC_MAGIC, 0x22, struct refgc_gc_value)
#define REFGC_IOC_COLLECT	_IOWR(REFGC_IOC_MAGIC, 0x23, struct refgc_collect)
#define REFGC_IOC_GET_COUNT	_IOR(REFGC_IOC_MAGIC, 0x24, struct refgc_count)
#define REFGC_IOC_GET_THRESHOLD	_IOR(REFGC_IOC_MAGIC, 0x25, struct refgc_threshold)
#define REFGC_IOC_SET_THRESHOLD	_IOW(REFGC_IOC_MAGIC, 0x26, struct refgc_threshold)
#define REFGC_IOC_GET_STATS	_IOR(REFGC_IOC_MAGIC, 0x27, struct refgc_stats)
#define REFGC_IOC_SET_DEBUG	_IOW(REFGC_IOC_MAGIC, 0x28, struct refgc_gc_value)
#define REFGC_IOC_GET_DEBUG	_IOR(REFGC_IOC_MAGIC, 0x29, struct refgc_gc_value)
#define REFGC_IOC_CLEAR_GARBAGE	_IO(REFGC_IOC_MAGIC, 0x2a)
#define REFGC_IOC_FREEZE	_IO(REFGC_IOC_MAGIC, 0x2b)
#define REFGC_IOC_UNFREEZE	_IO(REFGC_IOC_MAGIC, 0x2c)
#define REFGC_IOC_GET_FREEZE_COUNT _IOR(REFGC_IOC_MAGIC, 0x2d, struct refgc_freeze_count)
#define REFGC_IOC_SYNC		_IO(REFGC_IOC_MAGIC, 0x2e)
#define REFGC_IOC_SET_FLAGS	_IOW(REFGC_IOC_MAGIC, 0x2f, struct refgc_gc_value)
#define REFGC_IOC_GET_FLAGS	_IOR(REFGC_IOC_MAGIC, 0x30, struct refgc_gc_value)
/* Go on with a suspended collection: EINVAL when none is. */
#define REFGC_IOC_COLLECT_RESUME _IOR(REFGC_IOC_MAGIC, 0x31, struct refgc_collect)

#endif /* _UAPI_LINUX_REFGC_H */
