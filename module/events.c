// SPDX-License-Identifier: GPL-2.0
/*
 * events.c - the arena's event queue: read() and poll().
 *
 * Two queues feed one stream of struct refgc_event records:
 *  - ev.ring, a fixed ring of REFGC_EVENT_RING records.  When it is full
 *    new records are dropped and counted in ev.lost, which read() reports
 *    as one OVERFLOW record before anything else.
 *  - ev.fin, the objects whose FINALIZE event is pending.  Each holds a
 *    reference that becomes the reader's handle when the record is read.
 *    These are never dropped: ev.fin is sized when a finalizer object is
 *    created (refgc_fin_reserve()), so queueing cannot fail.  A FINALIZE
 *    marker in ev.ring keeps the record's place in the stream; if the
 *    marker itself was dropped, the record is delivered after the ring
 *    drains.
 *
 * Locking: everything under arena->lock; poll() and the wait condition
 * read ev.nr, ev.fin_nr and ev.lost with READ_ONCE.
 */
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "refgc.h"

/**
 * refgc_events_init() - allocate an arena's event ring
 * @ev: the queue.
 *
 * Return: 0 or -ENOMEM.
 */
int refgc_events_init(struct refgc_events *ev)
{
	init_waitqueue_head(&ev->wq);
	ev->ring = kvcalloc(REFGC_EVENT_RING, sizeof(*ev->ring),
			    REFGC_GFP);
	return ev->ring ? 0 : -ENOMEM;
}

/**
 * refgc_events_free() - free the queue's memory (not the objects it names)
 * @ev: the queue.
 */
void refgc_events_free(struct refgc_events *ev)
{
	kvfree(ev->ring);
	kvfree(ev->fin);
}

/**
 * refgc_fin_reserve() - make room for @nr pending FINALIZE events
 * @a: the arena, locked.
 * @nr: entries needed.
 *
 * Return: 0 or -ENOMEM (the queue is unchanged).
 */
int refgc_fin_reserve(struct refgc_arena *a, u64 nr)
{
	struct refgc_events *ev = &a->ev;
	struct refgc_object **fin;
	u64 cap;
	u32 i;

	if (nr <= ev->fin_cap)
		return 0;
	cap = max3(nr, (u64)ev->fin_cap * 2, 16ULL);
	if (cap > U32_MAX)
		return -ENOMEM;
	fin = kvmalloc_array(cap, sizeof(*fin), REFGC_GFP);
	if (!fin)
		return -ENOMEM;
	for (i = 0; i < ev->fin_nr; i++)
		fin[i] = ev->fin[(ev->fin_head + i) % ev->fin_cap];
	kvfree(ev->fin);
	ev->fin = fin;
	ev->fin_head = 0;
	ev->fin_cap = cap;
	return 0;
}

static void ring_push(struct refgc_events *ev, const struct refgc_event *e,
		      bool count_lost)
{
	if (ev->nr == REFGC_EVENT_RING) {
		if (count_lost)
			WRITE_ONCE(ev->lost, ev->lost + 1);
		return;
	}
	ev->ring[(ev->head + ev->nr) % REFGC_EVENT_RING] = *e;
	WRITE_ONCE(ev->nr, ev->nr + 1);
}

/**
 * refgc_queue_event() - queue a droppable event and wake readers
 * @a: the arena, locked.
 * @e: the record.
 */
void refgc_queue_event(struct refgc_arena *a, const struct refgc_event *e)
{
	ring_push(&a->ev, e, true);
	wake_up_interruptible_poll(&a->ev.wq, EPOLLIN | EPOLLRDNORM);
}

/**
 * refgc_queue_finalize() - queue a FINALIZE event for an object
 * @a: the arena, locked.
 * @o: the object; the caller has given it the reference the event holds.
 */
void refgc_queue_finalize(struct refgc_arena *a, struct refgc_object *o)
{
	struct refgc_events *ev = &a->ev;
	struct refgc_event marker = { .type = REFGC_EV_FINALIZE };

	if (WARN_ON_ONCE(ev->fin_nr >= ev->fin_cap))
		return;	/* cannot happen: reserved at creation */
	ev->fin[(ev->fin_head + ev->fin_nr) % ev->fin_cap] = o;
	WRITE_ONCE(ev->fin_nr, ev->fin_nr + 1);
	o->oflags |= REFGC_OF_PENDING;
	ring_push(ev, &marker, false);
	wake_up_interruptible_poll(&ev->wq, EPOLLIN | EPOLLRDNORM);
	trace_refgc_finalize(a, o);
}

static bool events_pending(struct refgc_events *ev)
{
	return READ_ONCE(ev->nr) || READ_ONCE(ev->fin_nr) ||
	       READ_ONCE(ev->lost);
}

/*
 * The next record, without consuming it.  Returns false when the ring
 * only held a marker whose FINALIZE was already delivered (consumed here).
 */
static bool peek_event(struct refgc_events *ev, struct refgc_event *e,
		       bool *from_ring, struct refgc_object **fin)
{
	*fin = NULL;
	*from_ring = false;
	if (ev->lost) {
		*e = (struct refgc_event){ .type = REFGC_EV_OVERFLOW,
					   .lost = ev->lost };
		return true;
	}
	if (ev->nr) {
		*e = ev->ring[ev->head];
		*from_ring = true;
		if (e->type != REFGC_EV_FINALIZE)
			return true;
		if (!ev->fin_nr) {
			ev->head = (ev->head + 1) % REFGC_EVENT_RING;
			WRITE_ONCE(ev->nr, ev->nr - 1);
			return false;
		}
	} else {
		*e = (struct refgc_event){ .type = REFGC_EV_FINALIZE };
	}
	*fin = ev->fin[ev->fin_head];
	e->id = (*fin)->id;
	return true;
}

static void consume_event(struct refgc_events *ev, bool from_ring,
			  struct refgc_object *o)
{
	if (!from_ring && !o) {
		WRITE_ONCE(ev->lost, 0);
		return;
	}
	if (from_ring) {
		ev->head = (ev->head + 1) % REFGC_EVENT_RING;
		WRITE_ONCE(ev->nr, ev->nr - 1);
	}
	if (o) {
		ev->fin_head = (ev->fin_head + 1) % ev->fin_cap;
		WRITE_ONCE(ev->fin_nr, ev->fin_nr - 1);
		/* The event's reference becomes the reader's handle. */
		o->oflags &= ~REFGC_OF_PENDING;
		o->gc.aux++;
	}
}

static int lock_for_read(struct refgc_arena *a, bool nonblock)
{
	if (nonblock)
		return mutex_trylock(&a->lock) ? 0 : -EAGAIN;
	return mutex_lock_interruptible(&a->lock);
}

/**
 * refgc_events_read() - read() on an arena: whole event records
 * @a: the arena.
 * @buf: user buffer.
 * @len: its size; at least one record.
 * @nonblock: O_NONBLOCK: -EAGAIN instead of waiting.
 *
 * Return: bytes read, -EINVAL for a short buffer, -EAGAIN, -EFAULT, or
 * -ERESTARTSYS.
 */
ssize_t refgc_events_read(struct refgc_arena *a, char __user *buf,
			  size_t len, bool nonblock)
{
	struct refgc_events *ev = &a->ev;
	const size_t sz = sizeof(struct refgc_event);
	size_t done = 0;
	int err;

	if (len < sz)
		return -EINVAL;
	for (;;) {
		err = lock_for_read(a, nonblock);
		if (err)
			return err;
		if (events_pending(ev))
			break;
		mutex_unlock(&a->lock);
		if (nonblock)
			return -EAGAIN;
		err = wait_event_interruptible(ev->wq, events_pending(ev));
		if (err)
			return err;
	}

	while (done + sz <= len && events_pending(ev)) {
		struct refgc_object *fin;
		struct refgc_event e;
		bool from_ring;

		if (!peek_event(ev, &e, &from_ring, &fin))
			continue;
		if (copy_to_user(buf + done, &e, sz)) {
			err = -EFAULT;
			break;
		}
		consume_event(ev, from_ring, fin);
		done += sz;
	}
	mutex_unlock(&a->lock);
	return done ? done : err;
}

/**
 * refgc_events_poll() - poll() on an arena
 * @a: the arena.
 * @file: its file.
 * @wait: the poll table.
 *
 * Return: EPOLLIN | EPOLLRDNORM when a record can be read.
 */
__poll_t refgc_events_poll(struct refgc_arena *a, struct file *file,
			   poll_table *wait)
{
	poll_wait(file, &a->ev.wq, wait);
	return events_pending(&a->ev) ? EPOLLIN | EPOLLRDNORM : 0;
}
