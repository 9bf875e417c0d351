// SPDX-License-Identifier: GPL-2.0
/*
 * object.c - objects: creation, handles, slots and info.
 *
 * Every object, weakrefs included, is born in refgc_obj_alloc() and
 * refgc_obj_publish(); weakref.c links a weakref into its ring between
 * the two.  Refcount = handles + slots pointing at the object +
 * garbage-list entry + an undelivered FINALIZE event.  What happens when
 * it reaches zero, the object's death, is in dealloc.c.
 *
 * Every operation validates everything before its first side effect, so a
 * failed operation changes nothing.  Callers hold arena->lock.  The ops
 * that copy to or from user memory are in object_io.c, run without it.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "refgc.h"

#define OBJ_BYTES	REFGC_OBJ_BYTES

/**
 * refgc_next_id() - the id the arena's next object gets
 * @a: the arena, locked.
 * @id: set to the id; the caller commits it with a->last_id = *@id once
 *	the object is in a->objects, so a failed creation uses up no id.
 *
 * Ids are per arena, start at 1 and are never reused within the arena.
 * They index a->objects, an xarray indexed by unsigned long: on a 32-bit
 * kernel the arena's id space ends at ULONG_MAX.
 *
 * Return: 0, or -ENOSPC once the arena's id space is used up.
 */
int refgc_next_id(struct refgc_arena *a, u64 *id)
{
	if (a->last_id >= ULONG_MAX)
		return -ENOSPC;
	*id = a->last_id + 1;
	return 0;
}

/**
 * refgc_lookup() - find a live object by id
 * @a: the arena, locked.
 * @id: the id.
 *
 * Return: the object, or NULL for an unknown, foreign or dead id.
 */
struct refgc_object *refgc_lookup(struct refgc_arena *a, u64 id)
{
	struct refgc_object *o;

	if (!id || id > ULONG_MAX)
		return NULL;
	o = xa_load(&a->objects, id);
	return o && o->gc.refcnt ? o : NULL;
}

/* Free what refgc_obj_alloc() allocated for @o, its payload aside, and @o. */
static void obj_free_parts(struct refgc_object *o)
{
	if (obj_is_weakref(o))
		kfree(o->wref);
	kmem_cache_free(refgc_obj_cache, o);
}

/**
 * refgc_obj_alloc() - the fallible steps of creating an object
 * @a: the arena, locked.
 * @type: a registered type; the weakref type gets its struct refgc_wref.
 * @size: bytes of payload (0 for a weakref).
 *
 * Every object is born here and in refgc_obj_publish(), weakrefs too.
 * This checks the limits, charges the user and the arena, allocates the
 * object with its payload or weakref part, takes its id, reserves its
 * entry in a->objects and enters its payload in a->payloads (nothing
 * looks there for an object that is not in a->objects).  Nothing of it
 * can be seen yet: between the two calls the caller takes its own
 * fallible steps (the FINALIZE queue, a weakref's ring), and on failure
 * gives everything back with refgc_obj_discard().  The object holds the
 * caller's one handle.
 *
 * Return: the object, or ERR_PTR(-EFBIG) past max_payload,
 * ERR_PTR(-ENOSPC) past max_objects, max_user_objects or the id space,
 * ERR_PTR(-ENOMEM) past max_bytes or out of memory.
 */
struct refgc_object *refgc_obj_alloc(struct refgc_arena *a, u16 type,
				     u64 size)
{
	const struct refgc_type_ent *t = &a->types[type];
	u64 bytes = OBJ_BYTES;		/* obj_bytes(), before @o exists */
	struct refgc_payload *p = NULL;
	struct refgc_object *o;
	int err;

	if (type == REFGC_TYPE_WEAKREF_ID)
		bytes += REFGC_WREF_BYTES;
	if (size)
		bytes += REFGC_PAYLOAD_BYTES + size;
	if (size > a->limits.max_payload)
		return ERR_PTR(refgc_limit_hit(a, REFGC_LIMIT_PAYLOAD, size,
					       -EFBIG));
	if (a->nr_objects >= a->limits.max_objects)
		return ERR_PTR(refgc_limit_hit(a, REFGC_LIMIT_OBJECTS, 1,
					       -ENOSPC));
	err = refgc_user_charge_object(a->user);
	if (err)
		return ERR_PTR(err);
	err = refgc_charge(a, bytes);
	if (err)
		goto err_user;

	err = -ENOMEM;
	o = kmem_cache_zalloc(refgc_obj_cache, REFGC_GFP);
	if (!o)
		goto err_uncharge;
	obj_set_type_id(o, type);
	if (type == REFGC_TYPE_WEAKREF_ID) {
		o->wref = kzalloc(sizeof(*o->wref), REFGC_GFP);
		if (!o->wref)
			goto err_free;
	} else if (size) {
		p = kvzalloc(struct_size(p, data, size), REFGC_GFP);
		if (!p)
			goto err_free;
		p->size = size;
	}
	err = refgc_next_id(a, &o->id);
	if (err)
		goto err_free;
	/* Makes refgc_obj_publish()'s xa_store() infallible. */
	err = xa_reserve(&a->objects, o->id, REFGC_GFP);
	if (err)
		goto err_free;
	if (p) {
		err = xa_insert(&a->payloads, o->id, p, REFGC_GFP);
		if (err)
			goto err_release;
		obj_set_of(o, REFGC_OF_PAYLOAD);
	}

	if (refgc_is_container(a, o))
		o->cap = REFGC_INLINE_SLOTS;	/* o->inl, zeroed */
	if (t->flags & REFGC_TYPE_FINALIZER)
		obj_set_of(o, REFGC_OF_FINALIZER);
	o->gc.refcnt = 1;
	o->gc.aux = 1;
	return o;

err_release:
	xa_release(&a->objects, o->id);
err_free:
	kvfree(p);
	obj_free_parts(o);
err_uncharge:
	refgc_uncharge(a, bytes);
err_user:
	refgc_user_uncharge_objects(a->user, 1);
	return ERR_PTR(err);
}

/**
 * refgc_obj_discard() - give back an object refgc_obj_alloc() returned
 * @a: the arena, locked.
 * @o: the object, not published.
 *
 * The arena is as it was before refgc_obj_alloc().
 */
void refgc_obj_discard(struct refgc_arena *a, struct refgc_object *o)
{
	xa_release(&a->objects, o->id);
	refgc_uncharge(a, obj_bytes(a, o));
	refgc_user_uncharge_objects(a->user, 1);
	if (obj_has_of(o, REFGC_OF_PAYLOAD))
		kvfree(xa_erase(&a->payloads, o->id));
	obj_free_parts(o);
}

/**
 * refgc_obj_publish() - make an object from refgc_obj_alloc() live
 * @a: the arena, locked.
 * @o: the object, with the caller's parts of it filled in.
 *
 * Cannot fail: the object's entry in a->objects is reserved, and a
 * finalizer type's caller has made room for its FINALIZE event.  Its id
 * is used up from here on, and the collector may run.
 */
void refgc_obj_publish(struct refgc_arena *a, struct refgc_object *o)
{
	const struct refgc_type_ent *t = obj_type(a, o);

	xa_store(&a->objects, o->id, o, REFGC_GFP);
	a->last_id = o->id;
	if (obj_has_of(o, REFGC_OF_FINALIZER))
		a->nr_finalizable++;
	a->types[obj_type_id(o)].nr++;
	a->nr_objects++;
	a->payload_bytes += obj_payload_size(a, o);
	if (!(t->flags & REFGC_TYPE_ATOMIC) && rgc_track_auto(&a->gc, &o->gc))
		refgc_schedule(a);
}

static int op_new(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *o;
	int err;

	if (!op->arg || op->arg >= a->ntypes)
		return -ENOENT;
	if (op->arg == REFGC_TYPE_WEAKREF_ID)
		return -EINVAL;
	o = refgc_obj_alloc(a, op->arg, op->arg2);
	if (IS_ERR(o))
		return PTR_ERR(o);
	/*
	 * Growing the FINALIZE queue is the last fallible step: it cannot
	 * be taken back, so nothing may fail after it.
	 */
	if (obj_has_of(o, REFGC_OF_FINALIZER)) {
		err = refgc_fin_reserve(a, a->nr_finalizable + 1);
		if (err) {
			refgc_obj_discard(a, o);
			return err;
		}
	}
	refgc_obj_publish(a, o);
	op->result = o->id;
	return 0;
}

/**
 * refgc_take_handle() - give userspace one more handle on an object
 * @o: a live object.
 *
 * Return: 0, or -ENOSPC when its refcount is at its limit.
 */
int refgc_take_handle(struct refgc_object *o)
{
	if (o->gc.refcnt == U32_MAX)
		return -ENOSPC;
	o->gc.refcnt++;
	o->gc.aux++;
	return 0;
}

static int op_incref(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *o = refgc_lookup(a, op->id);
	int err;

	if (!o)
		return -ENOENT;
	err = refgc_take_handle(o);
	if (!err)
		op->result = o->gc.aux;
	return err;
}

static int op_decref(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *o = refgc_lookup(a, op->id);

	if (!o)
		return -ENOENT;
	if (!o->gc.aux)
		return -EINVAL;		/* no handle to drop */
	op->result = --o->gc.aux;
	refgc_decref(a, o);
	return 0;
}

/* Look up a container and, if @dst_id, a second live object. */
static int lookup_pair(struct refgc_arena *a, u64 src_id, u64 dst_id,
		       struct refgc_object **src, struct refgc_object **dst)
{
	*src = refgc_lookup(a, src_id);
	if (!*src)
		return -ENOENT;
	if (dst) {
		*dst = refgc_lookup(a, dst_id);
		if (!*dst)
			return -ENOENT;
	}
	return refgc_is_container(a, *src) ? 0 : -EINVAL;
}

/*
 * Half again as many slots: out of the object into an array once the
 * inline ones are full, copied out before o->slots, which shares their
 * storage, is set (the array alone is charged: the inline slots are part
 * of the object).
 */
static int grow_slots(struct refgc_arena *a, struct refgc_object *o)
{
	u32 cap = min_t(u32, o->cap + (o->cap >> 1), REFGC_MAX_SLOTS);
	u64 old = obj_slots_bytes(o), new = (u64)cap * sizeof(*o->slots);
	struct refgc_object **slots;
	int err;

	err = refgc_charge(a, new - old);
	if (err)
		return err;
	if (old) {
		slots = kvrealloc(o->slots, old, new, REFGC_GFP);
	} else {
		slots = kvmalloc_array(cap, sizeof(*slots), REFGC_GFP);
		if (slots)
			memcpy(slots, o->inl, sizeof(o->inl));
	}
	if (!slots) {
		refgc_uncharge(a, new - old);
		return -ENOMEM;
	}
	o->slots = slots;
	o->cap = cap;
	return 0;
}

static int op_link(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *src, *dst;
	int err = lookup_pair(a, op->id, op->arg, &src, &dst);

	if (err)
		return err;
	if (src->nslots >= REFGC_MAX_SLOTS || dst->gc.refcnt == U32_MAX)
		return -ENOSPC;
	if (src->nslots == src->cap) {
		err = grow_slots(a, src);
		if (err)
			return err;
	}
	dst->gc.refcnt++;
	refgc_barrier(a, src, dst);
	op->result = src->nslots;
	obj_slots(src)[src->nslots++] = dst;
	a->nr_slots++;
	return 0;
}

/* Remove slot @i of @src and drop the reference it held. */
static void remove_slot(struct refgc_arena *a, struct refgc_object *src,
			u32 i)
{
	struct refgc_object **slots = obj_slots(src), *dst = slots[i];

	memmove(&slots[i], &slots[i + 1], (src->nslots - i - 1) * sizeof(*slots));
	src->nslots--;
	a->nr_slots--;
	refgc_decref(a, dst);
}

static int op_unlink(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *src;
	int err = lookup_pair(a, op->id, 0, &src, NULL);

	if (err)
		return err;
	if (op->arg >= src->nslots)
		return -EINVAL;
	op->result = obj_slots(src)[op->arg]->id;
	remove_slot(a, src, op->arg);
	return 0;
}

static int op_remove(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *src, *dst, **slots;
	int err = lookup_pair(a, op->id, op->arg, &src, &dst);
	u32 i;

	if (err)
		return err;
	slots = obj_slots(src);
	for (i = 0; i < src->nslots; i++) {
		if (slots[i] == dst) {
			op->result = i;
			remove_slot(a, src, i);
			return 0;
		}
	}
	return -ENOENT;
}

static int op_set(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *src, *dst, *old, **slots;
	int err = lookup_pair(a, op->id, op->arg, &src, &dst);

	if (err)
		return err;
	if (op->arg2 >= src->nslots)
		return -EINVAL;
	if (dst->gc.refcnt == U32_MAX)
		return -ENOSPC;
	dst->gc.refcnt++;
	refgc_barrier(a, src, dst);
	slots = obj_slots(src);
	old = slots[op->arg2];
	slots[op->arg2] = dst;
	op->result = old->id;
	refgc_decref(a, old);
	return 0;
}

static int op_clear(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *src;
	int err = lookup_pair(a, op->id, 0, &src, NULL);

	if (err)
		return err;
	op->result = src->nslots;
	refgc_clear_slots(a, src);
	return 0;
}

/**
 * refgc_obj_flags() - the REFGC_INFO_* flags of an object
 * @o: the object.
 *
 * Return: the flags.
 */
u32 refgc_obj_flags(struct refgc_object *o)
{
	int gen = rgc_generation(&o->gc);
	u32 f = 0;

	if (gen >= 0)
		f |= REFGC_INFO_TRACKED;
	if (gen == RGC_GEN_PERMANENT)
		f |= REFGC_INFO_FROZEN;
	if (rgc_is_finalized(&o->gc))
		f |= REFGC_INFO_FINALIZED;
	if (obj_has_of(o, REFGC_OF_GARBAGE))
		f |= REFGC_INFO_GARBAGE;
	if (obj_is_weakref(o))
		f |= REFGC_INFO_WEAKREF;
	if (obj_has_of(o, REFGC_OF_DEAD_REF))
		f |= REFGC_INFO_DEAD_REF;
	if (obj_has_of(o, REFGC_OF_PENDING))
		f |= REFGC_INFO_PENDING;
	return f;
}

/**
 * refgc_obj_info() - fill a struct refgc_info
 * @a: the arena, locked.
 * @o: the object.
 * @info: filled in.
 */
void refgc_obj_info(struct refgc_arena *a, struct refgc_object *o,
		    struct refgc_info *info)
{
	*info = (struct refgc_info){
		.id = o->id,
		.type = obj_type_id(o),
		.flags = refgc_obj_flags(o),
		.refcount = o->gc.refcnt,
		.handles = o->gc.aux,
		.slots = obj_is_weakref(o) ? 0 : o->nslots,
		.payload_size = obj_payload_size(a, o),
		.generation = rgc_generation(&o->gc),
	};
}

static int op_weakref_drop(struct refgc_arena *a, struct refgc_op *op)
{
	struct refgc_object *o = refgc_lookup(a, op->id);

	if (!o)
		return -ENOENT;
	if (!obj_is_weakref(o))
		return -EINVAL;
	return op_decref(a, op);
}

/*
 * Which refgc_op fields an op reads; the others must be zero.  Ops with no
 * function here copy to or from user memory at @addr: they run without
 * the lock, in object_io.c.
 */
#define F_ID	BIT(0)
#define F_ARG	BIT(1)
#define F_ARG2	BIT(2)
#define F_ADDR	BIT(3)

static const struct {
	int (*fn)(struct refgc_arena *a, struct refgc_op *op);
	u8 fields;
	u32 flags;
} refgc_op_table[REFGC_OP_MAX] = {
	[REFGC_OP_NEW]		= { op_new, F_ARG | F_ARG2 },
	[REFGC_OP_INCREF]	= { op_incref, F_ID },
	[REFGC_OP_DECREF]	= { op_decref, F_ID },
	[REFGC_OP_LINK]		= { op_link, F_ID | F_ARG },
	[REFGC_OP_UNLINK]	= { op_unlink, F_ID | F_ARG },
	[REFGC_OP_REMOVE]	= { op_remove, F_ID | F_ARG },
	[REFGC_OP_SET]		= { op_set, F_ID | F_ARG | F_ARG2 },
	[REFGC_OP_CLEAR]	= { op_clear, F_ID },
	[REFGC_OP_GET_SLOTS]	= { NULL, F_ID | F_ARG2 | F_ADDR },
	[REFGC_OP_READ]		= { NULL, F_ID | F_ARG | F_ARG2 | F_ADDR },
	[REFGC_OP_WRITE]	= { NULL, F_ID | F_ARG | F_ARG2 | F_ADDR },
	[REFGC_OP_GET_INFO]	= { NULL, F_ID | F_ARG2 | F_ADDR },
	[REFGC_OP_WEAKREF_NEW]	= { refgc_weakref_new, F_ID | F_ARG,
				    REFGC_WEAKREF_CALLBACK },
	[REFGC_OP_WEAKREF_GET]	= { refgc_weakref_get, F_ID },
	[REFGC_OP_WEAKREF_DROP]	= { op_weakref_drop, F_ID },
	[REFGC_OP_GET_REFERRERS] = { NULL, F_ID | F_ARG2 | F_ADDR },
};

/**
 * refgc_op_check() - validate an op's code, flags and unused fields
 * @op: the operation.
 *
 * Return: 0 or -EINVAL.
 */
int refgc_op_check(const struct refgc_op *op)
{
	u8 fields;

	if (!op->op || op->op >= REFGC_OP_MAX)
		return -EINVAL;
	fields = refgc_op_table[op->op].fields;
	if (op->flags & ~refgc_op_table[op->op].flags || op->reserved ||
	    (!(fields & F_ID) && op->id) || (!(fields & F_ARG) && op->arg) ||
	    (!(fields & F_ARG2) && op->arg2) ||
	    (!(fields & F_ADDR) && op->addr))
		return -EINVAL;
	return 0;
}

/**
 * refgc_op_touches_user() - does the op copy to or from user memory
 * @op: the operation (any code).
 *
 * Return: true for GET_SLOTS, READ, WRITE, GET_INFO and GET_REFERRERS,
 * which refgc_run_user_op() runs without the lock held.
 */
bool refgc_op_touches_user(const struct refgc_op *op)
{
	return op->op && op->op < REFGC_OP_MAX && !refgc_op_table[op->op].fn;
}

/**
 * refgc_run_op() - run one object operation (REFGC_IOC_OP, or a batch op)
 * @a: the arena, locked.
 * @op: the operation; @op->result is set on success.  Not one that
 *	touches user memory (refgc_op_touches_user()): those are
 *	refgc_run_user_op()'s, and are -EINVAL here.
 *
 * Return: 0 or a negative errno; on error the arena is unchanged.
 */
int refgc_run_op(struct refgc_arena *a, struct refgc_op *op)
{
	int err = refgc_op_check(op);

	if (err)
		return err;
	if (WARN_ON_ONCE(!refgc_op_table[op->op].fn))
		return -EINVAL;
	op->result = 0;
	err = refgc_op_table[op->op].fn(a, op);
	refgc_reap(a);
	return err;
}
