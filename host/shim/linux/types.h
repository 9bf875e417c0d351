/* SPDX-License-Identifier: GPL-2.0 */
/*
 * types.h - the kernel's fixed-width type names for host
 * builds of the collector core.
 *
 * System headers include <linux/types.h> too (asm/sigcontext.h), so the
 * real uapi header comes first, for its __u32 and friends.
 */
#ifndef _HOST_SHIM_LINUX_TYPES_H
#define _HOST_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>

#include <stdbool.h>
#include <stddef.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

/* The kernel gets it from compiler_attributes.h, included everywhere. */
#ifndef fallthrough
#define fallthrough __attribute__((__fallthrough__))
#endif
/* __always_inline: the Makefiles define it, as compiler_types.h does. */

#endif /* _HOST_SHIM_LINUX_TYPES_H */
