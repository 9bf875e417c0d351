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
 * Locking: the queue is guarded by arena->lock; poll() and the wait
 * condition read ev.nr, ev.fin_nr and ev.lost with READ_ONCE.  read()
 * never touches user memory under arena->lock: it holds ev.read_lock (the
 * only consumer), peeks up to EV_READ_MAX records under arena->lock,
 * drops it, copies them out, and retakes it to consume exactly those
 * copied.  A FINALIZE record is consumed (its handle given) only once it
 * reached the reader, so a fault loses nothing.
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
	mutex_init(&ev->read_lock);
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
	/* Counted in arena->bytes; given back by dealloc.c's fin_shrink(). */
	if (refgc_charge(a, (cap - ev->fin_cap) * sizeof(*fin)))
		return -ENOMEM;
	fin = kvmalloc_array(cap, sizeof(*fin), REFGC_GFP);
	if (!fin) {
		refgc_uncharge(a, (cap - ev->fin_cap) * sizeof(*fin));
		return -ENOMEM;
	}
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
	obj_set_of(o, REFGC_OF_PENDING);
	ev->work_seq++;
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
 * What a read() has peeked but not consumed yet: the lost count it
 * reported, and how many ring entries and fin entries its records (and
 * the stale markers before them) use.  Producers only append, and only
 * the holder of ev.read_lock consumes, so these stay valid while the lock
 * is dropped to copy the records out.
 */
struct ev_peek {
	u64 lost;
	u32 ring;
	u32 fin;
};

/* Where each peeked record ends, to consume exactly a prefix of them. */
struct ev_mark {
	struct ev_peek end;
	struct refgc_object *fin;
};

/*
 * The record after @p, without consuming it; @p advances past it.
 * Returns false when nothing is left.
 */
static bool peek_event(struct refgc_events *ev, struct ev_peek *p,
		       struct refgc_event *e, struct refgc_object **fin)
{
	*fin = NULL;
	if (!p->ring && !p->fin && !p->lost && ev->lost) {
		*e = (struct refgc_event){ .type = REFGC_EV_OVERFLOW,
					   .lost = ev->lost };
		p->lost = ev->lost;
		return true;
	}
	for (;;) {
		if (p->ring < ev->nr) {
			*e = ev->ring[(ev->head + p->ring) % REFGC_EVENT_RING];
			p->ring++;
			if (e->type != REFGC_EV_FINALIZE)
				return true;
			/* A marker whose FINALIZE was delivered: skip it. */
			if (p->fin >= ev->fin_nr)
				continue;
		} else if (p->fin < ev->fin_nr) {
			*e = (struct refgc_event){ .type = REFGC_EV_FINALIZE };
		} else {
			return false;
		}
		*fin = ev->fin[(ev->fin_head + p->fin) % ev->fin_cap];
		p->fin++;
		e->id = (*fin)->id;
		return true;
	}
}

/* Consume what @p covers; each FINALIZE's reference becomes a handle. */
static void consume_events(struct refgc_events *ev, const struct ev_peek *p,
			   struct ev_mark *marks, u32 n)
{
	u32 i;

	WRITE_ONCE(ev->lost, ev->lost - p->lost);
	ev->head = (ev->head + p->ring) % REFGC_EVENT_RING;
	WRITE_ONCE(ev->nr, ev->nr - p->ring);
	ev->fin_head = ev->fin_cap ? (ev->fin_head + p->fin) % ev->fin_cap : 0;
	WRITE_ONCE(ev->fin_nr, ev->fin_nr - p->fin);
	for (i = 0; i < n; i++) {
		struct refgc_object *o = marks[i].fin;

		if (o) {
			obj_clear_of(o, REFGC_OF_PENDING);
			o->gc.aux++;
		}
	}
}

static int lock_nb(struct mutex *lock, bool nonblock)
{
	if (nonblock)
		return mutex_trylock(lock) ? 0 : -EAGAIN;
	return mutex_lock_interruptible(lock);
}

/* Records per read(): the bound on one read's lock hold, and its buffer. */
#define EV_READ_MAX	64

/**
 * refgc_events_read() - read() on an arena: whole event records
 * @a: the arena.
 * @buf: user buffer.
 * @len: its size; at least one record.
 * @nonblock: O_NONBLOCK: -EAGAIN instead of waiting.
 *
 * At most EV_READ_MAX records a call.  They are peeked into a kernel
 * buffer under arena->lock, copied out without it, and then exactly those
 * copied are consumed; ev.read_lock keeps other readers out meanwhile.
 *
 * Return: bytes read, -EINVAL for a short buffer, -EAGAIN, -EFAULT,
 * -ENOMEM or -ERESTARTSYS.
 */
ssize_t refgc_events_read(struct refgc_arena *a, char __user *buf,
			  size_t len, bool nonblock)
{
	struct refgc_events *ev = &a->ev;
	const size_t sz = sizeof(struct refgc_event);
	struct refgc_event *recs;
	struct ev_mark *marks;
	struct ev_peek p = {};
	size_t max, left;
	u32 n = 0, copied;
	int err;

	if (len < sz)
		return -EINVAL;
	max = min_t(size_t, len / sz, EV_READ_MAX);
	recs = kmalloc_array(max, sz + sizeof(*marks), GFP_KERNEL_ACCOUNT);
	if (!recs)
		return -ENOMEM;
	marks = (struct ev_mark *)(recs + max);

	for (;;) {
		err = lock_nb(&ev->read_lock, nonblock);
		if (err)
			goto out_free;
		err = lock_nb(&a->lock, nonblock);
		if (err)
			goto out_read_lock;
		while (n < max && peek_event(ev, &p, &recs[n], &marks[n].fin)) {
			marks[n].end = p;
			n++;
		}
		if (n)
			break;
		/* Nothing, or stale markers only (consumed here): wait. */
		consume_events(ev, &p, marks, 0);
		p = (struct ev_peek){};
		mutex_unlock(&a->lock);
		mutex_unlock(&ev->read_lock);
		err = -EAGAIN;
		if (nonblock)
			goto out_free;
		err = wait_event_interruptible(ev->wq, events_pending(ev));
		if (err)
			goto out_free;
	}
	mutex_unlock(&a->lock);

	left = copy_to_user(buf, recs, n * sz);
	copied = (n * sz - left) / sz;
	if (copied) {
		/*
		 * Not interruptible: these records reached the reader and must
		 * be consumed.  Bounded: no holder touches user memory.
		 */
		mutex_lock(&a->lock);
		consume_events(ev, &marks[copied - 1].end, marks, copied);
		mutex_unlock(&a->lock);
	}
	err = copied ? copied * sz : -EFAULT;
out_read_lock:
	mutex_unlock(&ev->read_lock);
out_free:
	kfree(recs);
	return err;
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
