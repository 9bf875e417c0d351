/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * internal.h - what the files of librefgc share and do not export.
 */
#ifndef _REFGC_LIB_INTERNAL_H
#define _REFGC_LIB_INTERNAL_H

__attribute__((visibility("hidden")))
long refgc_ioctl(int fd, unsigned long cmd, void *arg);

#endif /* _REFGC_LIB_INTERNAL_H */
