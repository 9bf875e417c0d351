/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gc_internal.h - what the collector core's two files (gc_gen.c,
 * gc_core.c) share and nothing else uses: list and generation helpers.
 */
#ifndef _REFGC_GC_INTERNAL_H
#define _REFGC_GC_INTERNAL_H

#include "gc_core.h"

static inline struct rgc_head *to_head(struct list_head *node)
{
	return list_entry(node, struct rgc_head, node);
}

static inline void set_gen(struct rgc_head *op, unsigned int gen)
{
	op->flags = (op->flags & ~RGC_F_GEN_MASK) | (gen << RGC_F_GEN_SHIFT);
}

unsigned long rgc_list_size(const struct list_head *head);
void rgc_merge_into(struct list_head *from, struct list_head *to,
		    unsigned int gen);

#endif /* _REFGC_GC_INTERNAL_H */
