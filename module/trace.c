// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - defines the tracepoints declared in refgc_trace.h
 * (CREATE_TRACE_POINTS, once for the module), and refgc_limit_hit(), the
 * one-line way a limit check records its refusal.
 *
 * Locking: none of its own; see refgc_trace.h.
 */
#include "refgc.h"

#define CREATE_TRACE_POINTS
#include "refgc_trace.h"

/**
 * refgc_limit_hit() - record a refused request in the refgc_limit_hit event
 * @a: the arena, locked.
 * @which: the limit.
 * @want: what the request asked for: bytes for REFGC_LIMIT_BYTES and
 *	REFGC_LIMIT_PAYLOAD, 1 (object or type) for the others.
 * @err: the error the caller returns.
 *
 * Return: @err, so that a check reads "return refgc_limit_hit(...);".
 */
int refgc_limit_hit(struct refgc_arena *a, enum refgc_limit which, u64 want,
		    int err)
{
	u64 used = 0, max = 0;

	switch (which) {
	case REFGC_LIMIT_OBJECTS:
		used = a->nr_objects;
		max = a->limits.max_objects;
		break;
	case REFGC_LIMIT_BYTES:
		used = a->bytes;
		max = a->limits.max_bytes;
		break;
	case REFGC_LIMIT_PAYLOAD:
		max = a->limits.max_payload;
		break;
	case REFGC_LIMIT_TYPES:
		used = a->ntypes - 1;	/* the weakref type is built in */
		max = REFGC_MAX_TYPES - 1;
		break;
	}
	trace_refgc_limit_hit(a, which, used, want, max, err);
	return err;
}
