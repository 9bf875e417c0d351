/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_trace.h - the module's tracepoints (TRACE_SYSTEM refgc): a
 * collection's start and stop, finalize, weakref callbacks, arena open
 * and close, and limit hits.  They are defined once, in module/trace.c
 * (CREATE_TRACE_POINTS); every other file gets them through refgc.h.
 *
 * Locking: every event but arena_open/arena_close fires with
 * arena->lock held, and reads the arena and object only in
 * TP_fast_assign, under that lock.  arena_open fires once the arena is
 * complete, arena_close before anything of it is freed; no lock needed.
 *
 * Records are per system (tracefs, perf, bpftrace), unlike the events
 * read from an arena's fd, and never change what the arena does.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM refgc

#ifndef _REFGC_TRACE_DECL_H
#define _REFGC_TRACE_DECL_H

struct refgc_arena;

/**
 * enum refgc_limit - which limit a limit_hit record names
 * @REFGC_LIMIT_OBJECTS: max_objects (-ENOSPC).
 * @REFGC_LIMIT_BYTES: max_bytes (-ENOMEM).
 * @REFGC_LIMIT_PAYLOAD: max_payload (-EFBIG).
 * @REFGC_LIMIT_TYPES: REFGC_MAX_TYPES (-ENOSPC).
 */
enum refgc_limit {
	REFGC_LIMIT_OBJECTS,
	REFGC_LIMIT_BYTES,
	REFGC_LIMIT_PAYLOAD,
	REFGC_LIMIT_TYPES,
};

int refgc_limit_hit(struct refgc_arena *a, enum refgc_limit which, u64 want,
		    int err);

#endif /* _REFGC_TRACE_DECL_H */

#if !defined(_REFGC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _REFGC_TRACE_H

#include <linux/tracepoint.h>

TRACE_DEFINE_ENUM(REFGC_LIMIT_OBJECTS);
TRACE_DEFINE_ENUM(REFGC_LIMIT_BYTES);
TRACE_DEFINE_ENUM(REFGC_LIMIT_PAYLOAD);
TRACE_DEFINE_ENUM(REFGC_LIMIT_TYPES);

TRACE_EVENT(refgc_gc_start,
	    TP_PROTO(const struct refgc_arena *a, int generation),
	    TP_ARGS(a, generation),
	    TP_STRUCT__entry(__field(u32, arena)
			     __field(int, generation)
			     __field(u64, objects)),
	    TP_fast_assign(__entry->arena = a->seq;
			   __entry->generation = generation;
			   __entry->objects = a->nr_objects;),
	    TP_printk("arena=%u generation=%d objects=%llu",
		      __entry->arena, __entry->generation, __entry->objects)
);

TRACE_EVENT(refgc_gc_stop,
	    TP_PROTO(const struct refgc_arena *a, const struct rgc_result *res),
	    TP_ARGS(a, res),
	    TP_STRUCT__entry(__field(u32, arena)
			     __field(int, generation)
			     __field(u64, collected)
			     __field(u64, uncollectable)
			     __field(u64, visited)
			     __field(u64, duration_ns)
			     __field(u64, roots_ns)
			     __field(u64, move_ns)),
	    TP_fast_assign(__entry->arena = a->seq;
			   __entry->generation = res->generation;
			   __entry->collected = res->collected;
			   __entry->uncollectable = res->uncollectable;
			   __entry->visited = res->visited;
			   __entry->duration_ns = res->duration_ns;
			   __entry->roots_ns = res->roots_ns;
			   __entry->move_ns = res->move_ns;),
	    TP_printk("arena=%u generation=%d collected=%llu uncollectable=%llu visited=%llu duration_ns=%llu roots_ns=%llu move_ns=%llu",
		      __entry->arena, __entry->generation, __entry->collected,
		      __entry->uncollectable, __entry->visited,
		      __entry->duration_ns, __entry->roots_ns,
		      __entry->move_ns)
);

TRACE_EVENT(refgc_finalize,
	    TP_PROTO(const struct refgc_arena *a, const struct refgc_object *o),
	    TP_ARGS(a, o),
	    TP_STRUCT__entry(__field(u32, arena)
			     __field(u64, id)
			     __array(char, type, REFGC_TYPE_NAME_MAX)),
	    TP_fast_assign(__entry->arena = a->seq;
			   __entry->id = o->id;
			   memcpy(__entry->type, obj_type(a, o)->name,
				  REFGC_TYPE_NAME_MAX);),
	    TP_printk("arena=%u id=%llu type=%s", __entry->arena, __entry->id,
		      __entry->type)
);

TRACE_EVENT(refgc_weakref_callback,
	    TP_PROTO(const struct refgc_arena *a, const struct refgc_object *w),
	    TP_ARGS(a, w),
	    TP_STRUCT__entry(__field(u32, arena)
			     __field(u64, id)
			     __field(u64, cookie)),
	    TP_fast_assign(__entry->arena = a->seq;
			   __entry->id = w->id;
			   __entry->cookie = w->wref->cookie;),
	    TP_printk("arena=%u id=%llu cookie=0x%llx", __entry->arena,
		      __entry->id, __entry->cookie)
);

TRACE_EVENT(refgc_arena_open,
	    TP_PROTO(const struct refgc_arena *a),
	    TP_ARGS(a),
	    TP_STRUCT__entry(__field(u32, arena)
			     __field(pid_t, pid)
			     __field(uid_t, uid)
			     __array(char, comm, TASK_COMM_LEN)),
	    TP_fast_assign(__entry->arena = a->seq;
			   __entry->pid = a->owner_pid;
			   __entry->uid = a->owner_uid;
			   memcpy(__entry->comm, a->owner_comm, TASK_COMM_LEN);),
	    TP_printk("arena=%u pid=%d uid=%u comm=%s", __entry->arena,
		      __entry->pid, __entry->uid, __entry->comm)
);

TRACE_EVENT(refgc_arena_close,
	    TP_PROTO(const struct refgc_arena *a),
	    TP_ARGS(a),
	    TP_STRUCT__entry(__field(u32, arena)
			     __field(u64, objects)
			     __field(u64, bytes)),
	    TP_fast_assign(__entry->arena = a->seq;
			   __entry->objects = a->nr_objects;
			   __entry->bytes = a->bytes;),
	    TP_printk("arena=%u objects=%llu bytes=%llu", __entry->arena,
		      __entry->objects, __entry->bytes)
);

TRACE_EVENT(refgc_limit_hit,
	    TP_PROTO(const struct refgc_arena *a, enum refgc_limit which,
		     u64 used, u64 want, u64 max, int err),
	    TP_ARGS(a, which, used, want, max, err),
	    TP_STRUCT__entry(__field(u32, arena)
			     __field(int, which)
			     __field(int, err)
			     __field(u64, used)
			     __field(u64, want)
			     __field(u64, max)),
	    TP_fast_assign(__entry->arena = a->seq;
			   __entry->which = which;
			   __entry->err = err;
			   __entry->used = used;
			   __entry->want = want;
			   __entry->max = max;),
	    TP_printk("arena=%u limit=%s used=%llu want=%llu max=%llu err=%d",
		      __entry->arena,
		      __print_symbolic(__entry->which,
				       { REFGC_LIMIT_OBJECTS, "objects" },
				       { REFGC_LIMIT_BYTES, "bytes" },
				       { REFGC_LIMIT_PAYLOAD, "payload" },
				       { REFGC_LIMIT_TYPES, "types" }),
		      __entry->used, __entry->want, __entry->max, __entry->err)
);

#endif /* _REFGC_TRACE_H */

/* Out of tree: Kbuild adds -I$(src)/module for module/trace.o. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE refgc_trace
#include <trace/define_trace.h>
