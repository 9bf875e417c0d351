// SPDX-License-Identifier: GPL-2.0
/*
 * shim.c - the little the host shim (host/shim/linux/) needs at run time.
 */
#include <linux/sched.h>

/* How many times cond_resched() was offered (host/shim/linux/sched.h). */
unsigned long host_cond_resched_calls;
