// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * lib.c - librefgc compiled into refgc._refgc: its four sources, as they
 * are in userspace/lib/, so the extension needs no librefgc at run time
 * and the wheel does not depend on where (or whether) make install put it.
 */
#include "../../userspace/lib/librefgc.c"
#include "../../userspace/lib/gc.c"
#include "../../userspace/lib/batch.c"
#include "../../userspace/lib/events.c"
