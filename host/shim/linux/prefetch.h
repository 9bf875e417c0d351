/* SPDX-License-Identifier: GPL-2.0 */
/*
 * linux/prefetch.h for host builds of the collector core: prefetch() as
 * the compiler's read prefetch.
 */
#ifndef _REFGC_SHIM_LINUX_PREFETCH_H
#define _REFGC_SHIM_LINUX_PREFETCH_H

#define prefetch(x)	__builtin_prefetch(x)

#endif /* _REFGC_SHIM_LINUX_PREFETCH_H */
