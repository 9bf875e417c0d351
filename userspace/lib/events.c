// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * events.c - the event reader: poll() and read() of struct refgc_event
 * records on an arena, and the names of event types.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "librefgc.h"

/**
 * refgc_event_poll() - wait until an event can be read
 * @fd: the arena.
 * @timeout_ms: as poll(2): 0 returns at once, -1 waits forever.
 *
 * Return: 1 if an event is pending, 0 on timeout, or -errno.
 */
int refgc_event_poll(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do {
		r = poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r > 0 && (p.revents & POLLIN);
}

/**
 * refgc_event_read() - read up to @max pending event records
 * @fd: the arena.
 * @ev: room for @max records.
 * @max: at least 1.
 * @timeout_ms: how long to wait for the first record (poll(2) rules).
 *
 * A FINALIZE record gives the reader a handle on its object: drop it with
 * refgc_decref() once the "finalizer" has run.
 *
 * Return: the number of records read, 0 on timeout, or -errno.
 */
int refgc_event_read(int fd, struct refgc_event *ev, size_t max,
		     int timeout_ms)
{
	ssize_t n;
	int r;

	if (!max)
		return -EINVAL;
	r = refgc_event_poll(fd, timeout_ms);
	if (r <= 0)
		return r;
	do {
		n = read(fd, ev, max * sizeof(*ev));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return (int)(n / (ssize_t)sizeof(*ev));
}

/**
 * refgc_event_name() - the name of an event type
 * @type: a refgc_event_type.
 *
 * Return: "gc_start", "gc_stop", "finalize", "weakref", "collectable",
 * "uncollectable", "overflow", or "unknown".
 */
const char *refgc_event_name(uint32_t type)
{
	switch (type) {
	case REFGC_EV_GC_START:
		return "gc_start";
	case REFGC_EV_GC_STOP:
		return "gc_stop";
	case REFGC_EV_FINALIZE:
		return "finalize";
	case REFGC_EV_WEAKREF:
		return "weakref";
	case REFGC_EV_COLLECTABLE:
		return "collectable";
	case REFGC_EV_UNCOLLECTABLE:
		return "uncollectable";
	case REFGC_EV_OVERFLOW:
		return "overflow";
	}
	return "unknown";
}
