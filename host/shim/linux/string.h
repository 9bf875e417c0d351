/* SPDX-License-Identifier: GPL-2.0 */
/*
 * linux/string.h for host builds of the collector core: the C library's.
 */
#ifndef _REFGC_SHIM_LINUX_STRING_H
#define _REFGC_SHIM_LINUX_STRING_H

#include <string.h>

#endif /* _REFGC_SHIM_LINUX_STRING_H */
