/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc.h - the module's internal types: arena, object, type, weakref,
 * event queue, and the functions the files of module/ share.
 *
 * Locking (one rule): everything reachable from a struct refgc_arena is
 * guarded by arena->lock, a mutex held for a locked command, a chunk of a
 * batch or of a large output, a whole collection, and a debugfs dump;
 * never while user memory is read or written (ioctl.c, object_io.c,
 * events.c copy through kernel buffers with it dropped).  The
 * exceptions are the fields poll() peeks at with READ_ONCE (ev.nr,
 * ev.fin_nr, ev.lost) and arena->work_pending, which the worker clears
 * under the lock.  The global arena list is guarded by refgc_arenas_lock;
 * the two never nest: no arena lock is taken under refgc_arenas_lock (the
 * global debugfs stats read arenas' counters unlocked), and
 * refgc_arenas_lock is not taken under an arena lock.
 * The per-user counters (user.c) are atomics and refgc_users_lock, a leaf
 * spinlock.  An arena's memcg and user are set at open and constant.
 */
#ifndef _REFGC_REFGC_H
#define _REFGC_REFGC_H

#include <linux/build_bug.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/refgc.h>

#include "gc_core.h"

#define REFGC_MAX_TYPES		1024	/* per arena, the weakref type included */
#define REFGC_MAX_BATCH		4096	/* ops per REFGC_IOC_BATCH */
#define REFGC_MAX_SLOTS		BIT(28)		/* slots per object */
#define REFGC_EVENT_RING	512	/* droppable events queued per arena */
#define REFGC_LIST_MAX		65536	/* entries per REFGC_IOC_LIST call */

/*
 * Allocations that grow an arena on userspace's behalf: charged to the
 * opener's memory cgroup, and allowed to fail with -ENOMEM at its
 * memory.max instead of invoking the OOM killer (nor warning: a full
 * cgroup is the caller's problem, not the kernel's).
 */
#define REFGC_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/*
 * What each id costs in an xarray's nodes, as counted in arena->bytes: a
 * node maps XA_CHUNK_SIZE consecutive indices.  An estimate (exact for
 * dense ids; sparse ids share fewer nodes).
 */
#define REFGC_XA_BYTES	DIV_ROUND_UP(sizeof(struct xa_node), XA_CHUNK_SIZE)
/* What one object costs in arena->bytes, payload and slots aside. */
#define REFGC_OBJ_BYTES	(sizeof(struct refgc_object) + REFGC_XA_BYTES)
/* What the weakref part costs, its entry in arena->wrefs included. */
#define REFGC_WREF_BYTES (sizeof(struct refgc_wref) + REFGC_XA_BYTES)

/*
 * An object's own flags and its type live in the client bits of its
 * gc.flags (RGC_F_CLIENT_SHIFT up), which the core never changes: the
 * REFGC_OF_* bits in the low byte of them, the type index above.
 */
#define REFGC_OF_SHIFT		RGC_F_CLIENT_SHIFT
#define REFGC_OF_WEAKREFS	(0x01u << REFGC_OF_SHIFT) /* weakrefs point here (arena->wrefs) */
#define REFGC_OF_GARBAGE	(0x02u << REFGC_OF_SHIFT) /* on the garbage list */
#define REFGC_OF_PENDING	(0x04u << REFGC_OF_SHIFT) /* a queued FINALIZE event holds it */
#define REFGC_OF_DEAD_REF	(0x08u << REFGC_OF_SHIFT) /* weakref whose referent has died */
#define REFGC_OF_CALLBACK	(0x10u << REFGC_OF_SHIFT) /* weakref with a callback */
#define REFGC_OF_FINALIZER	(0x20u << REFGC_OF_SHIFT) /* its type has a finalizer */
#define REFGC_OF_PAYLOAD	(0x40u << REFGC_OF_SHIFT) /* has an entry in arena->payloads */
#define REFGC_OF_MASK		(0xffu << REFGC_OF_SHIFT)
#define REFGC_OBJ_TYPE_SHIFT	(REFGC_OF_SHIFT + 8)
#define REFGC_OBJ_TYPE_MASK	((u32)(REFGC_MAX_TYPES - 1) << REFGC_OBJ_TYPE_SHIFT)

static_assert((REFGC_MAX_TYPES & (REFGC_MAX_TYPES - 1)) == 0,
	      "REFGC_OBJ_TYPE_MASK needs a power of two");
static_assert(((u64)REFGC_MAX_TYPES << REFGC_OBJ_TYPE_SHIFT) <= BIT_ULL(32),
	      "an object's type must fit in gc.flags");
static_assert(!(REFGC_OF_MASK & REFGC_OBJ_TYPE_MASK) &&
	      !((REFGC_OF_MASK | REFGC_OBJ_TYPE_MASK) &
		GENMASK(RGC_F_CLIENT_SHIFT - 1, 0)),
	      "the object's bits overlap each other or the core's");

/**
 * struct refgc_payload - an object's payload, in arena->payloads
 * @size: bytes of @data.
 * @data: the payload, zero-filled at creation.
 *
 * Few objects have one, so it lives beside the object, not in it.
 */
struct refgc_payload {
	u64 size;
	u8 data[];
};

/*
 * What a payload costs in arena->bytes besides its bytes: its header and
 * its entry in arena->payloads.
 */
#define REFGC_PAYLOAD_BYTES	(sizeof(struct refgc_payload) + REFGC_XA_BYTES)

/**
 * struct refgc_wref - the weakref part of a weakref object
 * @referent: the object it refers to, NULL once cleared.
 * @next: the next weakref object to the same referent (a circular ring,
 *	see weakref.c), NULL once cleared.
 * @cookie: userspace's cookie, returned in the WEAKREF event.
 * @prev: the previous weakref object in the ring, NULL once cleared.
 */
struct refgc_wref {
	struct refgc_object *referent;
	struct refgc_object *next;
	u64 cookie;
	struct refgc_object *prev;
};

/* Slots a container holds in the object itself, before it needs an array. */
#define REFGC_INLINE_SLOTS	2

/**
 * struct refgc_object - one object of an arena (64 bytes on 64-bit)
 * @gc: the collector's head; gc.aux counts the handles, the client bits
 *	of gc.flags hold the REFGC_OF_* bits and the type (obj_type_id()).
 * @inl: a container's slots while @cap is REFGC_INLINE_SLOTS: they live
 *	in the object itself.
 * @slots: a container's slot array once more are needed (@cap above
 *	REFGC_INLINE_SLOTS), kvmalloc()ed.
 * @wref: for weakref objects, which hold no slots (@cap 0).
 * @nslots: slots used.
 * @cap: slots the object can hold: 0 for an atomic object, a weakref or
 *	an object whose slots are gone; REFGC_INLINE_SLOTS while they are
 *	@inl; more when they are in @slots.  It says which member of the
 *	union is live: read the slots through obj_slots() only.
 * @id: the object id, unique within its arena for the arena's life.
 *
 * Everything a collection reads of an object (@gc, its flags included,
 * the union, @nslots, @cap) and @id fill one cache line.  The payload,
 * which few objects have, is in arena->payloads (REFGC_OF_PAYLOAD).
 */
struct refgc_object {
	struct rgc_head gc;
	union {
		struct refgc_object *inl[REFGC_INLINE_SLOTS];
		struct refgc_object **slots;
		struct refgc_wref *wref;
	};
	u32 nslots;
	u32 cap;
	u64 id;
};

/* The layout promised above, on 64-bit: one cache line, @id last. */
static_assert(BITS_PER_LONG != 64 ||
	      (sizeof(struct refgc_object) == 64 &&
	       offsetof(struct refgc_object, id) == 56));

/**
 * struct refgc_type_ent - a registered type
 * @flags: REFGC_TYPE_* bits.
 * @nr: live objects of this type.
 * @name: NUL-terminated name.
 */
struct refgc_type_ent {
	u32 flags;
	u32 nr;
	char name[REFGC_TYPE_NAME_MAX];
};

/**
 * struct refgc_events - the arena's event queue
 * @wq: readers and pollers wait here.
 * @ring: droppable events (all but FINALIZE payloads), oldest at @head.
 * @head: index of the oldest event in @ring.
 * @nr: events in @ring.
 * @lost: events dropped because @ring was full, not yet reported.
 * @fin: objects whose FINALIZE event is pending, each holding a reference;
 *	sized at object creation so that queueing never fails.
 * @fin_head: index of the oldest entry of @fin.
 * @fin_nr: entries in @fin.
 * @fin_cap: entries @fin can hold.
 * @work_seq: counts the FINALIZE and WEAKREF events queued, work for
 *	userspace (the collector's ops->work_seq).
 * @read_lock: serialises readers, so that one read() can copy records
 *	out without arena->lock and consume exactly those it delivered.
 *	Held across copy_to_user(); never taken under arena->lock.
 */
struct refgc_events {
	wait_queue_head_t wq;
	struct refgc_event *ring;
	u32 head;
	u32 nr;
	u64 lost;
	struct refgc_object **fin;
	u32 fin_head;
	u32 fin_nr;
	u32 fin_cap;
	u64 work_seq;
	struct mutex read_lock;	/* readers only, see above */
};

/* CPython's _PyTrash_UNWIND_LEVEL: deallocations nested deeper wait. */
#define REFGC_TRASH_UNWIND	50

/**
 * struct refgc_dframe - an object being deallocated (dealloc.c)
 * @o: the object, refcount zero.
 * @next: its slots below @next are still to be released.
 */
struct refgc_dframe {
	struct refgc_object *o;
	u32 next;
};

/**
 * struct refgc_arena - one open file of /dev/refgc
 * @lock: guards everything below (see the top of this file).
 * @gc: the collector state.
 * @objects: id -> struct refgc_object, every live object.
 * @wrefs: referent id -> first weakref object to it.
 * @payloads: id -> struct refgc_payload, for objects with a payload.
 * @remembered: id -> container that may refer to a younger object (the
 *	collector's remembered set, see rgc_barrier()).
 * @nr_remembered: entries in @remembered.
 * @types: the type table; index 0 unused, 1 is the weakref type.
 * @ntypes: entries used in @types (next index).
 * @dying: objects whose refcount reached zero, freed by refgc_reap().
 * @trash: deallocations put aside by the trashcan (dealloc.c).
 * @dframes: the deallocations in progress, innermost last.
 * @ndframes: entries used in @dframes.
 * @trash_chain: refgc_reap() is deallocating what @trash held (one
 *	level of nesting, as CPython's _PyTrash_thread_destroy_chain()).
 * @garbage: the garbage list (gc.garbage), each entry holding a reference.
 * @ngarbage: entries on it.
 * @garbage_cap: entries allocated.
 * @nr_objects: live objects.
 * @nr_finalizable: live objects of FINALIZER types (sizes @ev.fin).
 * @bytes: bytes charged to the arena.
 * @payload_bytes: the payload part of @bytes.
 * @nr_slots: slots in use, all objects.
 * @limits: the arena's limits.
 * @ev: the event queue.
 * @work: automatic collection (requeued while the lock is busy).
 * @work_pending: @work is queued or running.
 * @node: on refgc_arenas.
 * @seq: the arena's number, its debugfs directory name.
 * @owner_pid: tgid of the opener.
 * @owner_uid: uid of the opener, in the initial user namespace.
 * @owner_comm: comm of the opener.
 * @dir: its debugfs directory.
 * @last_id: the last object id handed out; ids are per arena.
 * @memcg: the opener's memory cgroup (a reference), charged for every
 *	allocation of the arena, the collection worker's included.
 * @user: the opener, for the per-user limits (user.c).
 */
struct refgc_arena {
	struct mutex lock;	/* guards the arena, see the top of the file */
	struct rgc_state gc;
	struct xarray objects;
	struct xarray wrefs;
	struct xarray payloads;
	struct xarray remembered;
	u64 nr_remembered;
	struct refgc_type_ent *types;
	u32 ntypes;
	struct list_head dying;
	struct list_head trash;
	struct refgc_dframe dframes[REFGC_TRASH_UNWIND];
	u32 ndframes;
	bool trash_chain;
	struct refgc_object **garbage;
	unsigned long ngarbage;
	unsigned long garbage_cap;
	u64 nr_objects;
	u64 nr_finalizable;
	u64 bytes;
	u64 payload_bytes;
	u64 nr_slots;
	struct refgc_limits limits;
	struct refgc_events ev;
	struct delayed_work work;
	bool work_pending;
	struct list_head node;
	u64 seq;
	pid_t owner_pid;
	uid_t owner_uid;
	char owner_comm[16];
	struct dentry *dir;
	u64 last_id;
	struct mem_cgroup *memcg;
	struct refgc_user *user;
};

static inline struct refgc_object *to_obj(struct rgc_head *h)
{
	return container_of(h, struct refgc_object, gc);
}

static inline struct refgc_arena *to_arena(struct rgc_state *gc)
{
	return container_of(gc, struct refgc_arena, gc);
}

/* The index of @o's type in the arena's type table. */
static inline u16 obj_type_id(const struct refgc_object *o)
{
	return (o->gc.flags & REFGC_OBJ_TYPE_MASK) >> REFGC_OBJ_TYPE_SHIFT;
}

static inline void obj_set_type_id(struct refgc_object *o, u16 type)
{
	o->gc.flags = (o->gc.flags & ~REFGC_OBJ_TYPE_MASK) |
		      ((u32)type << REFGC_OBJ_TYPE_SHIFT);
}

/* Whether any of the REFGC_OF_* bits @of is set on @o. */
static inline bool obj_has_of(const struct refgc_object *o, u32 of)
{
	return o->gc.flags & of;
}

static inline void obj_set_of(struct refgc_object *o, u32 of)
{
	o->gc.flags |= of;
}

static inline void obj_clear_of(struct refgc_object *o, u32 of)
{
	o->gc.flags &= ~of;
}

static inline const struct refgc_type_ent *
obj_type(const struct refgc_arena *a, const struct refgc_object *o)
{
	return &a->types[obj_type_id(o)];
}

static inline bool obj_is_weakref(const struct refgc_object *o)
{
	return obj_type_id(o) == REFGC_TYPE_WEAKREF_ID;
}

/* @o's payload, or NULL when it has none (size 0). */
static inline struct refgc_payload *obj_payload(struct refgc_arena *a,
						const struct refgc_object *o)
{
	if (!obj_has_of(o, REFGC_OF_PAYLOAD))
		return NULL;
	return xa_load(&a->payloads, o->id);
}

static inline u64 obj_payload_size(struct refgc_arena *a,
				   const struct refgc_object *o)
{
	struct refgc_payload *p = obj_payload(a, o);

	return p ? p->size : 0;
}

/* Whether @o's slots are a kvmalloc()ed array, @o->slots (see @cap). */
static inline bool obj_slots_on_heap(const struct refgc_object *o)
{
	return o->cap > REFGC_INLINE_SLOTS;
}

/**
 * obj_slots() - the live slot array of an object
 * @o: the object.
 *
 * Every read or write of a slot goes through here: @o->inl while the
 * slots fit in the object, else the array @o->slots points at.  Only the
 * first @o->nslots entries are slots; an atomic object or a weakref has
 * none (and a weakref's @o->wref shares the storage of @o->inl).
 *
 * Return: the array.
 */
static inline struct refgc_object **obj_slots(struct refgc_object *o)
{
	return obj_slots_on_heap(o) ? o->slots : o->inl;
}

/* Bytes of @o's slot array outside the object (none while inline). */
static inline u64 obj_slots_bytes(const struct refgc_object *o)
{
	if (!obj_slots_on_heap(o))
		return 0;
	return (u64)o->cap * sizeof(*o->slots);
}

/*
 * What @o is charged in arena->bytes when it is born (object.c) and
 * given back when it dies (dealloc.c): its slot array aside.
 */
static inline u64 obj_bytes(struct refgc_arena *a,
			    const struct refgc_object *o)
{
	u64 n = REFGC_OBJ_BYTES;

	if (obj_has_of(o, REFGC_OF_PAYLOAD))
		n += REFGC_PAYLOAD_BYTES + obj_payload_size(a, o);
	return obj_is_weakref(o) ? n + REFGC_WREF_BYTES : n;
}

/* A container: neither atomic nor a weakref (it has slots). */
static inline bool refgc_is_container(const struct refgc_arena *a,
				      const struct refgc_object *o)
{
	return !(obj_type(a, o)->flags & REFGC_TYPE_ATOMIC) &&
	       !obj_is_weakref(o);
}

/* Its type has a finalizer, and the finalizer has not run yet. */
static inline bool obj_needs_finalize(const struct refgc_object *o)
{
	return obj_has_of(o, REFGC_OF_FINALIZER) && !rgc_is_finalized(&o->gc);
}

/* main.c */
extern struct kmem_cache *refgc_obj_cache;
extern struct workqueue_struct *refgc_wq;
extern struct list_head refgc_arenas;
extern struct mutex refgc_arenas_lock;
extern struct refgc_limits refgc_default_limits;

/* arena.c */
struct refgc_arena *refgc_arena_create(void);
void refgc_arena_destroy(struct refgc_arena *a);
int refgc_type_register(struct refgc_arena *a, struct refgc_type *t);
int refgc_type_get(struct refgc_arena *a, struct refgc_type *t);
int refgc_charge(struct refgc_arena *a, u64 bytes);
void refgc_uncharge(struct refgc_arena *a, u64 bytes);
int refgc_set_limits(struct refgc_arena *a, const struct refgc_limits *l);
void refgc_get_memory(struct refgc_arena *a, struct refgc_memory *m);

/* object.c */
int refgc_next_id(struct refgc_arena *a, u64 *id);
struct refgc_object *refgc_lookup(struct refgc_arena *a, u64 id);
struct refgc_object *refgc_obj_alloc(struct refgc_arena *a, u16 type,
				     u64 size);
void refgc_obj_discard(struct refgc_arena *a, struct refgc_object *o);
void refgc_obj_publish(struct refgc_arena *a, struct refgc_object *o);
int refgc_run_op(struct refgc_arena *a, struct refgc_op *op);
int refgc_take_handle(struct refgc_object *o);
void refgc_obj_info(struct refgc_arena *a, struct refgc_object *o,
		    struct refgc_info *info);
u32 refgc_obj_flags(struct refgc_object *o);

/* dealloc.c */
void refgc_decref(struct refgc_arena *a, struct refgc_object *o);
void refgc_reap(struct refgc_arena *a);
void refgc_clear_slots(struct refgc_arena *a, struct refgc_object *o);
void refgc_free_all(struct refgc_arena *a);
bool refgc_free_set(struct refgc_arena *a, struct list_head *set);

/* weakref.c */
int refgc_weakref_new(struct refgc_arena *a, struct refgc_op *op);
int refgc_weakref_get(struct refgc_arena *a, struct refgc_op *op);
void refgc_weakrefs_clear(struct refgc_arena *a, struct refgc_object *o,
			  bool collecting);
void refgc_weakref_event(struct refgc_arena *a, struct refgc_object *w);
void refgc_weakref_detach(struct refgc_arena *a, struct refgc_object *wr);

/* events.c */
int refgc_events_init(struct refgc_events *ev);
void refgc_events_free(struct refgc_events *ev);
int refgc_fin_reserve(struct refgc_arena *a, u64 nr);
void refgc_queue_event(struct refgc_arena *a, const struct refgc_event *e);
void refgc_queue_finalize(struct refgc_arena *a, struct refgc_object *o);
ssize_t refgc_events_read(struct refgc_arena *a, char __user *buf,
			  size_t len, bool nonblock);
__poll_t refgc_events_poll(struct refgc_arena *a, struct file *file,
			   poll_table *wait);

/**
 * struct refgc_io - how an ioctl or read() takes arena->lock
 * @nonblock: O_NONBLOCK: the first acquisition is a trylock (-EAGAIN).
 * @started: the lock was taken once already (something may have run):
 *	later acquisitions wait killably (-EINTR), never -ERESTARTSYS.
 * @buf: REFGC_IO_CHUNK bytes of scratch for user copies, or NULL.
 */
struct refgc_io {
	bool nonblock;
	bool started;
	void *buf;
};

/* Bytes of user memory copied per lock hold, and the scratch buffer size. */
#define REFGC_IO_CHUNK		(16 * 1024)
/* Objects or slots a scan examines per lock hold (LIST, GET_REFERRERS). */
#define REFGC_SCAN_BUDGET	16384

/* object.c: op validation, shared with object_io.c */
int refgc_op_check(const struct refgc_op *op);
bool refgc_op_touches_user(const struct refgc_op *op);

/* object_io.c: ops that copy to or from user memory, without the lock */
int refgc_io_lock(struct refgc_arena *a, struct refgc_io *io);
void *refgc_io_buf(struct refgc_io *io);
void refgc_io_done(struct refgc_io *io);
int refgc_run_user_op(struct refgc_arena *a, struct refgc_op *op,
		      struct refgc_io *io);
int refgc_list(struct refgc_arena *a, struct refgc_list *l,
	       struct refgc_io *io);

/* collect.c */
void refgc_gc_init(struct refgc_arena *a);
void refgc_schedule(struct refgc_arena *a);
void refgc_gc_catch_up(struct refgc_arena *a);
int refgc_gc_sync(struct refgc_arena *a);
void refgc_gc_work(struct work_struct *work);
int refgc_collect(struct refgc_arena *a, int generation, bool finalize,
		  struct rgc_result *res);
int refgc_collect_resume(struct refgc_arena *a, struct rgc_result *res);
int refgc_garbage_clear(struct refgc_arena *a);
void refgc_garbage_shrink(struct refgc_arena *a);

/* remembered.c */
void refgc_remember(struct refgc_arena *a, struct refgc_object *src);
void refgc_forget(struct refgc_arena *a, struct refgc_object *o);
void refgc_scan_remembered(struct rgc_state *gc, rgc_keep_t keep);

/* A container @src now refers to @dst (rgc_barrier()). */
static inline void refgc_barrier(struct refgc_arena *a,
				 struct refgc_object *src,
				 struct refgc_object *dst)
{
	if (rgc_barrier(&src->gc, &dst->gc))
		refgc_remember(a, src);
}

/* ioctl.c */
long refgc_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int refgc_batch(struct refgc_arena *a, struct refgc_batch *b,
		struct refgc_io *io);
int refgc_ioc_op(struct refgc_arena *a, struct refgc_op *op,
		 struct refgc_io *io);

/* ioctl_table.c */

/* refgc_cmd.out: when the argument struct is copied back to userspace */
enum refgc_cmd_out {
	REFGC_OUT_NONE,		/* never (_IO, _IOW) */
	REFGC_OUT_SUCCESS,	/* when the command returns >= 0 */
	REFGC_OUT_ALWAYS,	/* also on error: OP and BATCH report errno */
};

/**
 * struct refgc_cmd - one ioctl command
 * @cmd: the full command: number, direction, and in its size bits the
 *	argument's size (the first published one; shorter is -EINVAL).
 * @locked: @fn runs with arena->lock held; else @fn takes it itself, in
 *	bounded holds, and copies user memory between them.
 * @out: a refgc_cmd_out.
 * @fn: the handler; @io is NULL when it is called with the lock held
 *	from debugfs.
 */
struct refgc_cmd {
	unsigned int cmd;
	bool locked;
	u8 out;
	long (*fn)(struct refgc_arena *a, void *karg, struct refgc_io *io);
};

const struct refgc_cmd *refgc_find_cmd(unsigned int cmd);
long refgc_cmd_locked(struct refgc_arena *a, unsigned int cmd, void *karg);

/* user.c */
struct refgc_user *refgc_user_get(void);
void refgc_user_put(struct refgc_user *u);
int refgc_user_charge_object(struct refgc_user *u);
void refgc_user_uncharge_objects(struct refgc_user *u, unsigned long n);

/* debugfs.c */
void refgc_debugfs_init(void);
void refgc_debugfs_exit(void);
void refgc_debugfs_add_arena(struct refgc_arena *a);
void refgc_debugfs_remove_arena(struct refgc_arena *a);

#include "refgc_trace.h"

#endif /* _REFGC_REFGC_H */
