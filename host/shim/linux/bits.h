/* SPDX-License-Identifier: GPL-2.0 */
/* bits.h - BIT() for host builds. */
#ifndef _HOST_SHIM_LINUX_BITS_H
#define _HOST_SHIM_LINUX_BITS_H

#define BIT(nr)		(1UL << (nr))

#endif /* _HOST_SHIM_LINUX_BITS_H */
