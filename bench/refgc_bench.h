/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_bench.h - what refgc_bench.c (graphs, B1-B3) shares with
 * refgc_bench_b45.c (B4 young-object churn, B5 memory).
 */
#ifndef _REFGC_BENCH_H
#define _REFGC_BENCH_H

#include <stdint.h>

#include <linux/refgc.h>

#define REFGC_MAX_BATCH_DEFAULT	4096
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern uint64_t rng_state;

uint64_t rng_next(void);
double now(void);
void die(const char *what, int err);
void submit(int fd, struct refgc_op *ops, uint64_t nops, uint32_t bsize);
int bench_young(uint64_t n);
int bench_memory(uint64_t n);

#endif /* _REFGC_BENCH_H */
