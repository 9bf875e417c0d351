/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_model_internal.h - what the reference model's two files share:
 * refgc_model.c (objects, refcounts, ops) gives refgc_model_collect.c
 * (the collector) these.  Nothing else includes it.
 */
#ifndef _REFGC_MODEL_INTERNAL_H
#define _REFGC_MODEL_INTERNAL_H

#include "refgc_model.h"

/* Grow array @p of @size-byte entries to hold @need; aborts on ENOMEM. */
void *rm_grow(void *p, uint32_t *cap, uint32_t need, size_t size);
/* Expect an event (optional: it may or may not come). */
void rm_emit(struct rm_model *m, uint32_t type, uint64_t id, uint64_t cookie,
	     int optional);
/* Unlink weakref @w from its referent's ring. */
void rm_wref_del(struct rm_model *m, int w);
/* Drop one reference to object @i; zero finalizes or queues its death. */
void rm_decref(struct rm_model *m, int i);
/* Deallocate every queued death, cascading. */
void rm_reap(struct rm_model *m);
/* Release @i's slots last to first (tp_clear). */
void rm_clear_slots(struct rm_model *m, int i);

#endif /* _REFGC_MODEL_INTERNAL_H */
