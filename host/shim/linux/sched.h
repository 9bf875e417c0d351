/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched.h - cond_resched() for host builds.
 *
 * There is nothing to yield to; the call is counted instead, so that tests
 * can see that long loops do offer to reschedule (host/shim.c).
 */
#ifndef _HOST_SHIM_LINUX_SCHED_H
#define _HOST_SHIM_LINUX_SCHED_H

extern unsigned long host_cond_resched_calls;

static inline void cond_resched(void)
{
	host_cond_resched_calls++;
}

#endif /* _HOST_SHIM_LINUX_SCHED_H */
