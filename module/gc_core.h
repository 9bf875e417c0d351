/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gc_core.h - the collector core's interface.
 *
 * The core owns generations, thresholds, counts, statistics and the
 * trial-deletion collection (CPython 3.11-3.13 Python/gc.c semantics).  It
 * knows objects only through struct rgc_head, embedded in each object, and
 * through struct rgc_ops, the client's tp_traverse/tp_clear/tp_finalize.
 *
 * The core takes no locks and allocates nothing: its client serialises all
 * calls on one struct rgc_state (refgc: the arena mutex).  It compiles
 * unchanged into the kernel module and, through host/shim/, into host test
 * programs.
 */
#ifndef _REFGC_GC_CORE_H
#define _REFGC_GC_CORE_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

#define RGC_NUM_GENERATIONS	3
#define RGC_GEN_PERMANENT	3

/* rgc_head.flags: the core owns bits 0-8, the client owns bits 9-31. */
#define RGC_F_TRACKED		0x01u	/* on a generation list */
#define RGC_F_COLLECTING	0x02u	/* in the set being collected */
#define RGC_F_UNREACHABLE	0x04u	/* tentatively unreachable */
#define RGC_F_FINALIZED		0x08u	/* finalizer ran (PEP 442) */
#define RGC_F_GEN_SHIFT		4
#define RGC_F_GEN_MASK		(0x3u << RGC_F_GEN_SHIFT)
#define RGC_F_REMEMBERED	0x40u	/* on the client's remembered set */
#define RGC_F_DEFERRED		0x80u	/* on rgc_state.deferred */
#define RGC_F_ANCHOR		0x100u	/* in rgc_state.anchors */
#define RGC_F_CLIENT_SHIFT	9

/* Debug flags, with CPython's values. */
#define RGC_DEBUG_STATS		BIT(0)
#define RGC_DEBUG_COLLECTABLE	BIT(1)
#define RGC_DEBUG_UNCOLLECTABLE	BIT(2)
#define RGC_DEBUG_SAVEALL	BIT(5)
#define RGC_DEBUG_LEAK		(RGC_DEBUG_COLLECTABLE | \
				 RGC_DEBUG_UNCOLLECTABLE | RGC_DEBUG_SAVEALL)
#define RGC_DEBUG_ALL		(RGC_DEBUG_STATS | RGC_DEBUG_LEAK)

/**
 * struct rgc_head - the collector's part of every object
 * @node: generation list link; a worklist link while the object dies.
 * @refcnt: strong references to the object, from anywhere.
 * @gc_refs: scratch: refcnt minus references from the collected set.
 * @flags: RGC_F_* core bits, client bits from RGC_F_CLIENT_SHIFT up.
 * @aux: a word the core never touches; the client's to use.
 */
struct rgc_head {
	struct list_head node;
	u32 refcnt;
	u32 gc_refs;
	u32 flags;
	u32 aux;
};

struct rgc_state;

typedef void (*rgc_visit_t)(struct rgc_head *child, void *arg);
typedef bool (*rgc_keep_t)(struct rgc_state *gc, struct rgc_head *src);

/**
 * struct rgc_ops - what the core needs to know about the client's objects
 * @traverse: call @visit once for every strong reference @op holds
 *	(tp_traverse).  Must not change the graph.
 * @clear: drop every strong reference @op holds (tp_clear).  May free
 *	objects, @op included, through the client's refcounting; a freed
 *	object must leave its generation list (rgc_untrack()).
 * @has_finalizer: whether @op's type has a finalizer (__del__).
 * @finalize: run, or schedule, @op's finalizer.  Called at most once per
 *	object; the core sets RGC_F_FINALIZED first.  May take references,
 *	must not drop any: nothing may be freed while the core walks the
 *	unreachable list.  (CPython's __del__ may; refgc's finalizers run in
 *	userspace, after the collection.)
 * @handle_weakrefs: @op is unreachable (CPython 3.11-3.13's
 *	handle_weakrefs()): if @op is a weakref, clear its own referent
 *	link; clear every weakref to @op, and hand those that have a
 *	callback and are not themselves being collected
 *	(rgc_is_collecting()) to rgc_hold_callback(), in order.  Runs
 *	before any finalizer, so that no weakref can hand out an object
 *	that is being finalized.  Must not take or drop references itself.
 * @callback: optional; queue the callback of weakref @op, which
 *	rgc_hold_callback() holds.  With a suspending collection the
 *	client runs it before rgc_collect_resume().
 * @release: drop the reference rgc_hold_callback() took on @op (may free
 *	it, through the client's refcounting).
 * @work_seq: optional; a counter the client bumps whenever it queues
 *	work for userspace (a finalizer or a weakref callback): a
 *	suspending collection whose deletion queued some stops once more.
 * @reserve_garbage: make room for @n more entries on the garbage list,
 *	so that @save_garbage cannot fail.  Returns 0 or -ENOMEM.  Called
 *	before anything else, and only under DEBUG_SAVEALL or legacy mode.
 * @save_garbage: append @op to the garbage list, taking a reference.
 * @report: debug output for DEBUG_COLLECTABLE/UNCOLLECTABLE objects.
 * @start: optional; a collection of @generation has begun and can no
 *	longer fail (gc.callbacks "start").
 * @now_ns: a monotonic clock.
 * @external: optional; whether @op is referenced from outside every
 *	tracked object (refgc: a handle, the garbage list, a queued event).
 *	The client promises that every other reference to a tracked object
 *	comes from a tracked object's slots.  A full collection with no
 *	frozen and no deferred object then has exactly these roots, and
 *	skips trial deletion's counting passes (rgc_roots_known()).
 * @slots_offset: with @nslots_offset and @cap_offset, the client's
 *	references are an array of pointers to objects whose rgc_head is at
 *	offset 0, and @traverse is only the same walk: the core reads the
 *	array itself (no indirect call per object and per reference).
 *	While the capacity is at most @inline_slots, the array is in the
 *	object, at this offset from the rgc_head; above it, a pointer to
 *	the array is there instead.
 * @nslots_offset: where the array's length (u32) is, from the rgc_head;
 *	0 when @slots_offset is unused.
 * @cap_offset: where the array's capacity (u32) is, from the rgc_head,
 *	which says where the array is (@slots_offset); required with
 *	@nslots_offset.
 * @inline_slots: the most slots the object holds in place, at
 *	@slots_offset; 0 when the array is always elsewhere.
 * @delete_set: optional; free every object of @set (the unreachable
 *	objects deletion would clear one by one) at once, if that cannot
 *	be told apart from clearing them in order: returns true when it
 *	did (@set is then empty), false, having changed nothing, when the
 *	core must call @clear on each.  Not called under DEBUG_SAVEALL.
 * @for_each_remembered: optional, with @external; call @keep on every
 *	object of the client's remembered set (those it flagged
 *	RGC_F_REMEMBERED when rgc_barrier() said so), and drop from the set,
 *	clearing the flag, each one for which @keep returns false.  The set
 *	lets collections of the young generations take their roots too.
 */
struct rgc_ops {
	void (*traverse)(struct rgc_head *op, rgc_visit_t visit, void *arg);
	void (*clear)(struct rgc_state *gc, struct rgc_head *op);
	bool (*has_finalizer)(const struct rgc_head *op);
	void (*finalize)(struct rgc_state *gc, struct rgc_head *op);
	void (*handle_weakrefs)(struct rgc_state *gc, struct rgc_head *op);
	void (*callback)(struct rgc_state *gc, struct rgc_head *op);
	void (*release)(struct rgc_state *gc, struct rgc_head *op);
	u64 (*work_seq)(struct rgc_state *gc);
	int (*reserve_garbage)(struct rgc_state *gc, unsigned long n);
	void (*save_garbage)(struct rgc_state *gc, struct rgc_head *op);
	void (*report)(struct rgc_state *gc, struct rgc_head *op,
		       bool collectable);
	void (*start)(struct rgc_state *gc, int generation);
	u64 (*now_ns)(void);
	bool (*external)(const struct rgc_head *op);
	unsigned int slots_offset;
	unsigned int nslots_offset;
	unsigned int cap_offset;
	u32 inline_slots;
	bool (*delete_set)(struct rgc_state *gc, struct list_head *set);
	void (*for_each_remembered)(struct rgc_state *gc, rgc_keep_t keep);
};

/**
 * struct rgc_gen_stats - per-generation statistics, as gc.get_stats()
 * @collections: collections of this generation.
 * @collected: objects found unreachable and collectable.
 * @uncollectable: objects found unreachable but uncollectable.
 * @visited: objects examined (the generations collected, summed).
 * @total_ns: time spent in these collections.
 * @max_ns: the longest of them.
 *
 * The layout is the ABI's struct refgc_gen_stats (GET_STATS copies it).
 */
struct rgc_gen_stats {
	u64 collections;
	u64 collected;
	u64 uncollectable;
	u64 visited;
	u64 total_ns;
	u64 max_ns;
};

/**
 * struct rgc_gen - one generation
 * @head: the objects, oldest first.
 * @threshold: when @count exceeds it, this generation is due.
 * @count: gen 0: tracked allocations minus deallocations since the last
 *	gen-0 collection; gen n > 0: collections of gen n - 1 since the last
 *	collection of gen n.
 */
struct rgc_gen {
	struct list_head head;
	u32 threshold;
	u64 count;
};

#define RGC_ANCHORS	256

/**
 * struct rgc_anchors - where a generation's list may be cut (gc_anchor.c)
 * @at: objects of the generation's list, in list order, flagged
 *	RGC_F_ANCHOR.
 * @nr: entries of @at.
 * @stride: a collection makes every @stride-th survivor moving here an
 *	anchor; doubles each time @at fills up and is thinned.
 * @left: survivors to come before the next anchor (a count down: no
 *	division per survivor).
 * @seen: survivors moved here since the anchors were dropped.
 */
struct rgc_anchors {
	struct rgc_head *at[RGC_ANCHORS];
	u32 nr;
	u32 stride;
	u32 left;
	u64 seen;
};

/**
 * struct rgc_result - the outcome of one collection
 * @generation: the generation collected.
 * @collected: unreachable objects that were collectable.
 * @uncollectable: unreachable objects kept (legacy finalizers).
 * @visited: objects examined.
 * @duration_ns: how long the collection took.
 * @roots_ns: of which the part before the reachability walk: mostly
 *	finding the roots (taking them, or counting references).
 * @move_ns: of which move_unreachable(), the reachability walk.  The rest
 *	is the unreachable set's pipeline: weakrefs, finalizers, the
 *	resurrection check, deletion (and any time userspace ran meanwhile).
 */
struct rgc_result {
	int generation;
	u64 collected;
	u64 uncollectable;
	u64 visited;
	u64 duration_ns;
	u64 roots_ns;
	u64 move_ns;
};

/* rgc_collect_begin(), rgc_collect_resume(): stopped for userspace. */
#define RGC_SUSPENDED	1

/* rgc_pending.phase: where a suspended collection goes on. */
enum rgc_phase {
	RGC_PHASE_CALLBACKS,	/* one weakref callback at a time */
	RGC_PHASE_FINALIZERS,	/* the finalizers were called */
	RGC_PHASE_DELETED,	/* deletion queued finalizers or callbacks */
};

/**
 * struct rgc_pending - a collection in progress, between its phases
 * @unreachable: the unreachable set.
 * @finalizers: the legacy-finalizer (uncollectable) set.
 * @wrcb: reachable weakrefs whose callbacks are due, each held by a
 *	reference the collection took (rgc_hold_callback()).
 * @collected: objects on @unreachable when it was formed; from the
 *	resurrection check on, the objects collected.
 * @finalized: finalizers called.
 * @wr_freed: weakrefs of @wrcb freed when the collection let them go
 *	(CPython's handle_weakrefs() counts them as collected).
 * @visited: objects examined.
 * @start: when the collection began.
 * @roots_ns: how long finding the roots took (rgc_result.roots_ns).
 * @move_ns: how long move_unreachable() took (rgc_result.move_ns).
 * @debug: the debug flags it began with (the garbage list was reserved
 *	for them).
 * @generation: the generation collected.
 * @oldgen: where survivors go.
 * @phase: the next step, when suspended.
 * @suspend: the collection stops whenever userspace has work to do.
 * @cb_held: the first weakref of @wrcb had its callback queued and is
 *	let go on resume.
 * @user_ran: it was suspended at least once: userspace may have taken
 *	references, so the resurrection check cannot be skipped.
 */
struct rgc_pending {
	struct list_head unreachable;
	struct list_head finalizers;
	struct list_head wrcb;
	unsigned long collected;
	unsigned long finalized;
	unsigned long wr_freed;
	u64 visited;
	u64 start;
	u64 roots_ns;
	u64 move_ns;
	u32 debug;
	int generation;
	unsigned int oldgen;
	enum rgc_phase phase;
	bool suspend;
	bool cb_held;
	bool user_ran;
};

/**
 * struct rgc_state - one collector instance (refgc: one per arena)
 * @ops: the client's object operations.
 * @gen: generations 0, 1 and 2.
 * @permanent: the frozen generation (gc.freeze()).
 * @anchors: per generation, the objects that cut its list into segments
 *	(gc_anchor.c); generation 0 has none.
 * @cut: the running collection's anchors, in list order: the segments
 *	that taking roots walks side by side and move_unreachable()
 *	prefetches (rgc_anchors_cut()).
 * @ncut: entries of @cut.
 * @anchor_stride: survivors between two anchors, at least (default
 *	RGC_ANCHOR_STRIDE; tests set 1).
 * @deferred: new objects whose allocation made a collection due
 *	(rgc_track_auto()): as in CPython, where that collection runs
 *	inside the allocation, they join generation 0 only after it.
 * @stats: per-generation statistics.
 * @long_lived_total: objects in gen 2 after the last full collection.
 * @long_lived_pending: objects that reached gen 2 since then.
 * @debug: RGC_DEBUG_* flags.
 * @enabled: automatic collection is on.
 * @collecting: a collection is running or suspended (re-entry guard).
 * @suspended: the collection stopped for userspace; @pend holds it.
 * @pend: the collection in progress.
 * @legacy_finalizers: Python 2.7 rules: unreachable objects with
 *	finalizers, and all they reach, are uncollectable garbage.
 * @verify_roots: a self-check for debug kernels: a collection that
 *	takes its roots from ops->external also counts references as trial
 *	deletion does, counts disagreements in @roots_wrong, and follows
 *	the count.
 * @roots_taken: collections that took their roots from ops->external.
 * @bulk_deletions: collections whose unreachable set ops->delete_set
 *	freed at once.
 * @roots_wrong: objects where @verify_roots found ops->external wrong
 *	(the client must warn: its promise is broken).
 * @remembered_lost: the client could not add an object to its
 *	remembered set (no memory): until a full collection that can mend
 *	it, only full collections with no frozen object take their roots.
 * @others: scratch of a collection taking its roots: how many objects
 *	of the collected set are not roots yet.
 * @epoch: a collection that does not walk its set first (gc_roots.c)
 *	marks the objects it found reachable gc_refs = @epoch, a new value
 *	each time; other gc_refs values left behind never equal it.
 * @lazy_lim: while such a collection of generation g runs, (g + 1) <<
 *	RGC_F_GEN_SHIFT, else 0: see rgc_in_set().
 * @take_first: per generation, whether its next collection takes its
 *	roots in a walk of its own first: its last one found three roots
 *	in four objects or more, which that walk turns into fewer visits.
 * @max_roots_ns: per generation, @stats' longest collection's
 *	rgc_result.roots_ns.
 * @max_move_ns: the same for rgc_result.move_ns.
 */
struct rgc_state {
	const struct rgc_ops *ops;
	struct rgc_gen gen[RGC_NUM_GENERATIONS];
	struct rgc_gen permanent;
	struct rgc_anchors anchors[RGC_NUM_GENERATIONS];
	struct rgc_head *cut[RGC_NUM_GENERATIONS * RGC_ANCHORS];
	u32 ncut;
	u32 anchor_stride;
	struct list_head deferred;
	struct rgc_gen_stats stats[RGC_NUM_GENERATIONS];
	u64 long_lived_total;
	u64 long_lived_pending;
	u32 debug;
	bool enabled;
	bool collecting;
	bool suspended;
	struct rgc_pending pend;
	bool legacy_finalizers;
	bool verify_roots;
	u64 roots_taken;
	u64 bulk_deletions;
	u64 roots_wrong;
	bool remembered_lost;
	unsigned long others;
	u32 epoch;
	u32 lazy_lim;
	bool take_first[RGC_NUM_GENERATIONS];
	u64 max_roots_ns[RGC_NUM_GENERATIONS];
	u64 max_move_ns[RGC_NUM_GENERATIONS];
};

static inline bool rgc_is_tracked(const struct rgc_head *op)
{
	return op->flags & RGC_F_TRACKED;
}

static inline bool rgc_is_finalized(const struct rgc_head *op)
{
	return op->flags & RGC_F_FINALIZED;
}

/* True while @op belongs to the set a running collection found unreachable. */
static inline bool rgc_is_collecting(const struct rgc_head *op)
{
	return op->flags & RGC_F_COLLECTING;
}

/* The generation @op is on (RGC_GEN_PERMANENT when frozen), or -1. */
static inline int rgc_generation(const struct rgc_head *op)
{
	if (!rgc_is_tracked(op))
		return -1;
	return (op->flags & RGC_F_GEN_MASK) >> RGC_F_GEN_SHIFT;
}

/**
 * rgc_barrier() - whether a new reference needs remembering
 * @src: the object that now holds a reference.
 * @dst: the object it refers to.
 *
 * A collection of the young generations takes as roots the objects that
 * something outside its set refers to.  Besides ops->external, that is a
 * reference from an older generation (frozen ones included), from an
 * object a suspended collection holds, or to an object that will join
 * generation 0 later (deferred).  The client calls this on every
 * reference it stores in a container, and when it returns true adds @src
 * to its remembered set and sets RGC_F_REMEMBERED (or, out of memory,
 * sets rgc_state.remembered_lost).
 *
 * Return: true when @src must be remembered and is not yet.
 */
static inline bool rgc_barrier(const struct rgc_head *src,
			       const struct rgc_head *dst)
{
	u32 s = src->flags, d = dst->flags;

	/* Deferred objects are visited at every collection. */
	if (s & (RGC_F_REMEMBERED | RGC_F_DEFERRED) || !(d & RGC_F_TRACKED))
		return false;
	if (d & RGC_F_DEFERRED || s & RGC_F_COLLECTING || !(s & RGC_F_TRACKED))
		return true;
	return (s & RGC_F_GEN_MASK) > (d & RGC_F_GEN_MASK);
}

void rgc_init(struct rgc_state *gc, const struct rgc_ops *ops);
void rgc_track(struct rgc_state *gc, struct rgc_head *op);
bool rgc_track_auto(struct rgc_state *gc, struct rgc_head *op);
void rgc_flush_deferred(struct rgc_state *gc);
void rgc_untrack(struct rgc_state *gc, struct rgc_head *op);
void rgc_retrack(struct rgc_state *gc, struct rgc_head *op);
void rgc_hold_callback(struct rgc_state *gc, struct rgc_head *op);
int rgc_auto_generation(const struct rgc_state *gc);
bool rgc_collection_due(const struct rgc_state *gc);
int rgc_collect(struct rgc_state *gc, int generation,
		struct rgc_result *res);
int rgc_collect_begin(struct rgc_state *gc, int generation,
		      struct rgc_result *res, bool suspend);
int rgc_collect_resume(struct rgc_state *gc, struct rgc_result *res);
void rgc_freeze(struct rgc_state *gc);
void rgc_unfreeze(struct rgc_state *gc);
unsigned long rgc_gen_size(const struct rgc_state *gc, int gen);

#endif /* _REFGC_GC_CORE_H */
