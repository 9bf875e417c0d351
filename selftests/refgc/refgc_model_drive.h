/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_model_drive.h - the driver half of refgc_model_test.c (bodies in
 * refgc_model_drive.c): the driver state, random op generation, running
 * single ops, batches, collections and the gc ioctls against both the
 * module (one arena fd) and the reference model (refgc_model.c), and
 * checking each op's own outputs.  The whole-arena checks and the tests
 * are in refgc_model_test.c.  Single-threaded.
 */
#ifndef REFGC_MODEL_DRIVE_H
#define REFGC_MODEL_DRIVE_H

#include <stdarg.h>
#include <time.h>

#include "refgc_util.h"
#include "refgc_model.h"

#define MAXLIVE		100	/* above this, the mix leans to freeing */
#define FULL_EVERY	256	/* steps between whole-arena checks */
#define RESET_EVERY	20000	/* steps between fresh arenas */
#define BATCH_MAX	24
#define BUF		2048	/* bytes of output buffer per op */
#define EVBUF		600

struct drv {
	int fd;
	struct rm_model m;
	uint64_t rng;
	uint32_t tc, ta, tf;
	long ops;		/* object ops model-checked */
	long calls;		/* ioctls and reads issued */
	long batches, collects, drains;
	const char *what;
	char why[512];
	struct refgc_op ops_in[BATCH_MAX], ops_out[BATCH_MAX];
	uint8_t wbuf[BATCH_MAX][256];
	uint8_t obuf[BATCH_MAX][BUF];
	struct refgc_event ev[EVBUF];
	uint64_t touched[4 * BATCH_MAX + 4];
	int ntouched;
	FILE *trace;		/* REFGC_MODEL_TRACE: every step, logged */
	long step;
};

/* Record why the step failed; returns -1, for "return fail(...)". */
int __attribute__((format(printf, 2, 3)))
fail(struct drv *d, const char *fmt, ...);

/* A random number in [0, @n). */
uint64_t rnd(struct drv *d, uint64_t n);
/* An ioctl on the arena, counted: 0 or -errno. */
long xioctl(struct drv *d, unsigned long cmd, void *arg);
/* A fresh arena and a fresh model: 0 or -1 (@d->why says why). */
int drv_open(struct drv *d);
void drv_close(struct drv *d);

/* Object @i of the model against GET_INFO's answer: 0 or fail(). */
int cmp_info(struct drv *d, int i, const struct refgc_info *got);
/* Compare one executed op (@in as sent, @out as returned, @err). */
int check_op(struct drv *d, const struct refgc_op *in,
	     const struct refgc_op *out, int err, int k);

/* One step of each kind, against both sides: 0 or fail(). */
int step_single(struct drv *d);
int step_batch(struct drv *d);
int step_collect(struct drv *d);
int drain(struct drv *d);
int step_gc_misc(struct drv *d);

#endif /* REFGC_MODEL_DRIVE_H */
