/* SPDX-License-Identifier: GPL-2.0 */
/*
 * errno.h - errno values for host builds.
 *
 * glibc's <errno.h> includes <linux/errno.h> as well, so this must give
 * every code: it defers to the system's uapi header.
 */
#ifndef _HOST_SHIM_LINUX_ERRNO_H
#define _HOST_SHIM_LINUX_ERRNO_H

#include_next <linux/errno.h>

#endif /* _HOST_SHIM_LINUX_ERRNO_H */
