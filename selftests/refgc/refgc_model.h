/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_model.h - a reference model of an arena's observable semantics,
 * written from Documentation/refgc.rst, for model-based random testing.
 * Plain userspace C (no kernel headers but the uapi one), shared by the
 * kselftest driver (refgc_model_test.c) and the host fuzzer
 * (host/fuzz_model.c).
 *
 * The model is deliberately naive: objects live in an array indexed in
 * creation order (ids grow, so lookup is a binary search), refcount
 * deaths cascade through a FIFO queue, and COLLECT(g) is computed by
 * breadth-first search: the young set is every tracked object in
 * generations <= g; what is referenced from outside it (handles, pending
 * FINALIZE events, the garbage list, slots of older objects) is reachable,
 * and so is whatever that reaches.  The rest goes through the documented
 * pipeline (legacy finalizers, weakref callbacks, PEP 442 finalizers and
 * resurrection, weakref clearing, deletion or SAVEALL).
 *
 * Events are predicted per step as a group: the records one operation
 * queues.  Within a group the order is the collector's list order, which
 * the model does not try to predict; groups are compared as multisets
 * (a collection's group must still start with GC_START and end with
 * GC_STOP).  A WEAKREF callback that depends on the order in which a
 * collection deletes its garbage is "optional".
 */
#ifndef REFGC_MODEL_H
#define REFGC_MODEL_H

#include <stdint.h>
#include <linux/refgc.h>

enum rm_kind { RM_CONTAINER, RM_ATOMIC, RM_FINALIZER, RM_WEAKREF };

struct rm_obj {
	uint64_t id;
	int kind;
	int alive;
	int gen;		/* -1 untracked, 0..2, 3 frozen */
	uint32_t type;		/* the arena's type id */
	uint64_t handles;
	uint64_t rc;		/* kept incrementally, checked by recount */
	uint32_t *slots;	/* model indices */
	uint32_t nslots, cap;
	uint32_t *wrefs;	/* weakrefs pointing here (indices) */
	uint32_t nwrefs, wcap;
	uint64_t psize;
	uint8_t *payload;
	int finalized, pending, garbage;
	int referent;		/* weakref: index, or -1 once cleared */
	int callback, dead_ref, dead_ref_any;
	uint64_t cookie;
	int lpos;		/* index in rm_model.live */
	int mark, mark2;	/* scratch */
};

struct rm_ev {
	struct refgc_event e;
	int optional;
	int group;
};

struct rm_model {
	struct rm_obj *o;
	uint32_t n, cap;
	uint32_t *live;
	uint32_t nlive, lcap;
	uint32_t *garbage;
	uint32_t ngarbage, gcap;
	uint32_t *queue;	/* dying FIFO */
	uint32_t qhead, qtail, qcap;
	uint32_t *trash;	/* the trashcan's deposits, a stack */
	uint32_t ntrash, tcap;
	uint32_t trash_nesting;
	uint64_t count[3];
	struct refgc_gen_stats stats[3];
	uint32_t debug;
	int legacy;
	uint32_t type_id[4];	/* by rm_kind: the arena's type ids */
	uint32_t ntypes;	/* type ids are 1..ntypes - 1 */
	uint64_t max_payload;
	/* Predicted, unread events. */
	struct rm_ev *ev;
	uint32_t nev, evcap;
	int group;
	int in_collect;
	char why[256];		/* the last mismatch, for the log */
};

void rm_init(struct rm_model *m, const uint32_t type_id[4], uint32_t ntypes,
	     uint64_t max_payload);
void rm_fini(struct rm_model *m);

/* Index of a live or dead object by id, or -1. */
int rm_find(const struct rm_model *m, uint64_t id);
int rm_live(const struct rm_model *m, uint64_t id);

/*
 * Apply one object operation as REFGC_IOC_OP would.  @new_id is what the
 * system under test returned for a successful NEW or WEAKREF_NEW (ids are
 * not predicted, only checked to grow).  WRITE reads its data from
 * op->addr.  Returns 0 or -errno and sets *result.  Query ops (GET_*,
 * READ) only check their operands: use rm_expect_*() for their output.
 */
int rm_op(struct rm_model *m, const struct refgc_op *op, uint64_t new_id,
	  uint64_t *result);

int rm_collect(struct rm_model *m, int gen, uint32_t flags,
	       struct refgc_collect *out);
void rm_freeze(struct rm_model *m);
void rm_unfreeze(struct rm_model *m);
int rm_clear_garbage(struct rm_model *m);
int rm_set_debug(struct rm_model *m, uint32_t value);
int rm_set_flags(struct rm_model *m, uint32_t value);

/* Expected outputs. */
void rm_expect_info(const struct rm_model *m, int i, struct refgc_info *inf,
		    uint32_t *flag_dontcare);
uint32_t rm_expect_flags(const struct rm_model *m, int i,
			 uint32_t *dontcare);
uint64_t rm_refcount(const struct rm_model *m, int i);
uint32_t rm_expect_referrers(const struct rm_model *m, int i, uint64_t *ids,
			     uint32_t cap);
uint64_t rm_freeze_count(const struct rm_model *m);
void rm_memory(const struct rm_model *m, uint64_t *objects, uint64_t *slots,
	       uint64_t *payload_bytes);

/* Recount every refcount from scratch; 0 if the model is consistent. */
int rm_selfcheck(struct rm_model *m);

/*
 * The records read (all queued ones) against the prediction; FINALIZE
 * records give their object a handle.  0, or -1 with m->why set.
 */
int rm_events(struct rm_model *m, const struct refgc_event *got, int n);
/* Predicted records still unread (required ones). */
uint32_t rm_events_queued(const struct rm_model *m);
/* Start a new event group (one per driver step). */
void rm_step(struct rm_model *m);

#endif /* REFGC_MODEL_H */
