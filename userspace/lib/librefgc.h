/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * librefgc.h - a thin C library over the refgc ioctl ABI (<linux/refgc.h>).
 *
 * One function per ioctl and per object operation, a batch builder for
 * REFGC_IOC_BATCH, and an event reader for read()/poll() on the arena.
 * An arena is an open file of /dev/refgc, named here by its fd.  Every
 * function returns 0 (or a documented non-negative value) on success and
 * a negative errno on failure; nothing is ever printed.
 */
#ifndef _REFGC_LIBREFGC_H
#define _REFGC_LIBREFGC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/refgc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REFGC_DEVICE	"/dev/refgc"

/* Arena and types (librefgc.c). */
int refgc_open(void);
int refgc_open_flags(int flags);
int refgc_close(int fd);
int refgc_version(int fd, struct refgc_version *v);
int refgc_type_register(int fd, const char *name, uint32_t flags,
			uint32_t *id);
int refgc_type_get(int fd, uint32_t id, struct refgc_type *t);
int refgc_get_limits(int fd, struct refgc_limits *l);
int refgc_set_limits(int fd, const struct refgc_limits *l);
int refgc_memory(int fd, struct refgc_memory *m);

/* Object operations (librefgc.c). */
int refgc_op(int fd, struct refgc_op *op);
int refgc_new(int fd, uint32_t type, uint64_t bytes, uint64_t *id);
int refgc_incref(int fd, uint64_t id, uint64_t *handles);
int refgc_decref(int fd, uint64_t id, uint64_t *handles);
int refgc_link(int fd, uint64_t src, uint64_t dst, uint64_t *slot);
int refgc_unlink(int fd, uint64_t src, uint64_t index, uint64_t *dst);
int refgc_remove(int fd, uint64_t src, uint64_t dst, uint64_t *index);
int refgc_set(int fd, uint64_t src, uint64_t index, uint64_t dst,
	      uint64_t *old);
int refgc_clear(int fd, uint64_t id, uint64_t *dropped);
int refgc_get_slots(int fd, uint64_t id, uint64_t *ids, uint64_t cap,
		    uint64_t *nslots);
int refgc_get_referrers(int fd, uint64_t id, uint64_t *ids, uint64_t cap,
			uint64_t *nfound);
int refgc_read(int fd, uint64_t id, uint64_t offset, void *buf,
	       uint64_t len);
int refgc_write(int fd, uint64_t id, uint64_t offset, const void *buf,
		uint64_t len);
int refgc_info(int fd, uint64_t id, struct refgc_info *info);
int refgc_weakref_new(int fd, uint64_t referent, uint64_t cookie,
		      bool callback, uint64_t *wid);
int refgc_weakref_get(int fd, uint64_t wid, uint64_t *referent);
int refgc_weakref_drop(int fd, uint64_t wid, uint64_t *handles);

/* Listings (librefgc.c). */
int refgc_list(int fd, struct refgc_list *l);

/**
 * typedef refgc_list_fn - callback of refgc_list_all()
 * @e: one entry.
 * @arg: the caller's argument.
 *
 * Return: 0 to go on, anything else to stop refgc_list_all() with it.
 */
typedef int (*refgc_list_fn)(const struct refgc_entry *e, void *arg);
int refgc_list_all(int fd, uint32_t what, int32_t generation,
		   refgc_list_fn fn, void *arg);

/* The collector, as Python's gc module (gc.c). */
int refgc_collect(int fd, int generation, struct refgc_collect *out);

/**
 * typedef refgc_event_fn - what refgc_collect_fin() calls for each record
 * @ev: the record.
 * @arg: the caller's.
 *
 * Return: 0 to go on, nonzero to stop being called.
 */
typedef int (*refgc_event_fn)(const struct refgc_event *ev, void *arg);
int refgc_collect_fin(int fd, int generation, refgc_event_fn fn, void *arg,
		      struct refgc_collect *out);
int refgc_enable(int fd);
int refgc_disable(int fd);
int refgc_isenabled(int fd);
int refgc_get_threshold(int fd, uint32_t threshold[REFGC_NUM_GENERATIONS]);
int refgc_set_threshold(int fd,
			const uint32_t threshold[REFGC_NUM_GENERATIONS]);
int refgc_get_count(int fd, uint64_t count[REFGC_NUM_GENERATIONS]);
int refgc_get_stats(int fd, struct refgc_stats *st);
int refgc_set_debug(int fd, uint32_t flags);
int refgc_get_debug(int fd, uint32_t *flags);
int refgc_clear_garbage(int fd);
int refgc_freeze(int fd);
int refgc_unfreeze(int fd);
int refgc_freeze_count(int fd, uint64_t *count);
int refgc_sync(int fd);
int refgc_set_flags(int fd, uint32_t flags);
int refgc_get_flags(int fd, uint32_t *flags);

/**
 * struct refgc_batcher - builds and submits REFGC_IOC_BATCH requests
 * @fd: the arena.
 * @ops: the ops appended so far; results are written back in place.
 * @n: ops appended.
 * @cap: ops @ops has room for.
 * @max_batch: the module's limit on one ioctl (split transparently).
 * @done: after submit: ops that ran, failed ones included.
 * @failed: after submit: ops that failed.
 *
 * Zero-initialise with refgc_batch_init(), append with refgc_batch_add(),
 * run with refgc_batch_submit(), read results from @ops[i].result and
 * @ops[i].error, and reuse after refgc_batch_reset().
 */
struct refgc_batcher {
	int fd;
	struct refgc_op *ops;
	uint32_t n;
	uint32_t cap;
	uint32_t max_batch;
	uint32_t done;
	uint32_t failed;
};

/* Batches (batch.c). */
int refgc_batch_init(struct refgc_batcher *b, int fd);
void refgc_batch_free(struct refgc_batcher *b);
void refgc_batch_reset(struct refgc_batcher *b);
int refgc_batch_add(struct refgc_batcher *b, uint32_t code, uint64_t id,
		    uint64_t arg, uint64_t arg2, uint64_t addr);
int refgc_batch_add_op(struct refgc_batcher *b, const struct refgc_op *op);
int refgc_batch_submit(struct refgc_batcher *b, uint32_t flags);
const struct refgc_op *refgc_batch_result(const struct refgc_batcher *b,
					  uint32_t index);

/* Events (events.c). */
int refgc_event_poll(int fd, int timeout_ms);
int refgc_event_read(int fd, struct refgc_event *ev, size_t max,
		     int timeout_ms);
const char *refgc_event_name(uint32_t type);

/* Names of debug flags (gc.c). */
int refgc_debug_parse(const char *list, uint32_t *flags);
const char *refgc_debug_flag_name(uint32_t bit);

#ifdef __cplusplus
}
#endif

#endif /* _REFGC_LIBREFGC_H */
