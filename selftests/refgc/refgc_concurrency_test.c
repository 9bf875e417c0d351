// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_concurrency_test.c - 4 processes x 8 threads on arenas at once.
 * The processes share one arena (forked fd) and each has a private one;
 * thresholds are tiny, so automatic collection keeps being queued while
 * the threads run mixed operations (new, incref, decref, link, unlink,
 * set, clear, weakrefs, batches, payload write/read, info, collect,
 * sync, stats, list), one thread per process opens and closes private
 * arenas, and one reads every debugfs file (the first process's also
 * drains the shared arena's events).  Every thread keeps a model of the
 * handles it holds and checks each result it can predict.  Afterwards
 * both kinds of arena must pass the full audit (refcounts, slots,
 * memory, debugfs bytes), hold exactly the handles the models say, show
 * automatic collections, and be empty once every handle is dropped.
 * Runs REFGC_CONC_SECONDS (default 15; 7 under REFGC_DEBUG_KERNEL=1).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"
#include "refgc_audit.h"

#define NPROC	4
#define NTHR	8
#define NROOTS	16
#define TBL	48		/* objects a worker holds handles on */

enum kind { K_NODE, K_BLOB, K_FIN, K_WREF };

struct types {
	uint32_t node, blob, fin;
};

/* Counters a process reports to the parent. */
struct report {
	long ops, collects, batches, opens, debugfs_reads, events;
	long private_collects;	/* explicit, on the private arena */
	long tolerated;		/* racy ops on roots that lost the race */
	long private_gc;	/* collections of its private arena */
	uint64_t shared_handles;	/* handles its workers still hold */
	char err[600];
};

struct worker {
	pthread_t th;
	int fd;
	struct types t;
	const uint64_t *roots;
	uint64_t seed;
	double deadline;
	/* the model */
	int n;
	uint64_t id[TBL];
	int cnt[TBL];			/* handles held */
	enum kind kind[TBL];
	uint32_t payload[TBL];
	enum kind wkind[TBL];		/* K_WREF: the referent's kind */
	/* counters */
	long ops, collects, batches, tolerated;
	char err[200];
};

static int stop_all;	/* set by the first thread that fails */

static void stop(void)
{
	__atomic_store_n(&stop_all, 1, __ATOMIC_RELAXED);
}

static bool stopped(void)
{
	return __atomic_load_n(&stop_all, __ATOMIC_RELAXED);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *wfail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	stop();
	return NULL;
}

static void w_add(struct worker *w, uint64_t id, enum kind k, uint32_t pl)
{
	w->id[w->n] = id;
	w->cnt[w->n] = 1;
	w->kind[w->n] = k;
	w->payload[w->n] = pl;
	w->n++;
}

static void w_del(struct worker *w, int i)
{
	w->n--;
	w->id[i] = w->id[w->n];
	w->cnt[i] = w->cnt[w->n];
	w->kind[i] = w->kind[w->n];
	w->payload[i] = w->payload[w->n];
	w->wkind[i] = w->wkind[w->n];
}

static int w_find(struct worker *w, uint64_t id)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (w->id[i] == id)
			return i;
	return -1;
}

static bool is_cont(enum kind k)
{
	return k == K_NODE || k == K_FIN;
}

/* Drop one handle of entry @i; the new count must be the model's. */
static int w_drop(struct worker *w, int i)
{
	uint64_t res = ~0ULL;
	int r = rg_op(w->fd, w->kind[i] == K_WREF ? REFGC_OP_WEAKREF_DROP :
		      REFGC_OP_DECREF, w->id[i], 0, 0, 0, &res);

	if (r || res != (uint64_t)(w->cnt[i] - 1))
		return r ? r : -EPROTO;
	if (!--w->cnt[i])
		w_del(w, i);
	return 0;
}

/* A garbage ring of @k fresh objects, made and dropped by two batches. */
static int w_garbage_ring(struct worker *w, int k, bool fin)
{
	struct refgc_op ops[3 * 16];
	struct refgc_batch b;
	uint64_t ids[16];
	int i, r;

	for (i = 0; i < k; i++)
		ops[i] = rg_mkop(REFGC_OP_NEW, 0,
				 fin && !i ? w->t.fin : w->t.node, i * 8, 0);
	r = rg_batch(w->fd, ops, k, 0, &b);
	if (r || b.done != (uint32_t)k || b.failed)
		return r ? r : -EPROTO;
	for (i = 0; i < k; i++)
		ids[i] = ops[i].result;
	for (i = 0; i < k; i++) {
		ops[i] = rg_mkop(REFGC_OP_LINK, ids[i], ids[(i + 1) % k], 0,
				 0);
		ops[k + i] = rg_mkop(REFGC_OP_DECREF, ids[i], 0, 0, 0);
	}
	/* One op that must fail, under CONTINUE: the rest still runs. */
	ops[2 * k] = rg_mkop(REFGC_OP_INCREF, 0, 0, 0, 0);
	r = rg_batch(w->fd, ops, 2 * k + 1, REFGC_BATCH_CONTINUE, &b);
	if (r || b.done != (uint32_t)(2 * k + 1) || b.failed != 1 ||
	    ops[2 * k].error != -ENOENT)
		return r ? r : -EPROTO;
	w->batches += 2;
	return 0;
}

static int w_payload(struct worker *w, int i, uint64_t x)
{
	unsigned char buf[16], got[16];
	uint32_t len, off;
	int k;

	if (!w->payload[i])
		return 0;
	len = w->payload[i] < 16 ? w->payload[i] : 16;
	off = (x >> 40) % (w->payload[i] - len + 1);
	for (k = 0; k < (int)len; k++)
		buf[k] = x >> (k % 8);
	if (rg_pwrite(w->fd, w->id[i], off, len, buf) ||
	    rg_pread(w->fd, w->id[i], off, len, got))
		return -EIO;
	return memcmp(buf, got, len) ? -EPROTO : 0;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct refgc_info info;
	uint64_t res = 0, src, dst, tmp[64];
	int r, i, j;

	while (!stopped() && (w->ops & 63 || now() < w->deadline)) {
		uint64_t x = rg_rand(&w->seed);
		int op = x % 100;

		w->ops++;
		i = w->n ? (x >> 8) % w->n : -1;
		j = w->n ? (x >> 16) % w->n : -1;
		if (op < 15 || i < 0) {			/* NEW */
			enum kind k = (x >> 24) % 10 < 6 ? K_NODE :
				      (x >> 24) % 10 < 9 ? K_BLOB : K_FIN;
			uint32_t pl = k == K_BLOB ? (x >> 32) % 512 : 0;

			if (w->n == TBL) {
				r = w_drop(w, i);
				if (r)
					return wfail(w, "drop (full): %d", r);
				continue;
			}
			r = rg_new(w->fd, k == K_NODE ? w->t.node :
				   k == K_BLOB ? w->t.blob : w->t.fin, pl,
				   &res);
			if (r)
				return wfail(w, "new: %d", r);
			w_add(w, res, k, pl);
		} else if (op < 25) {			/* INCREF */
			if (w->cnt[i] >= 4)
				continue;
			r = rg_op(w->fd, REFGC_OP_INCREF, w->id[i], 0, 0, 0,
				  &res);
			if (r || res != (uint64_t)w->cnt[i] + 1)
				return wfail(w, "incref: %d %llu/%d", r,
					     (unsigned long long)res,
					     w->cnt[i] + 1);
			w->cnt[i]++;
		} else if (op < 35) {			/* DECREF */
			r = w_drop(w, i);
			if (r)
				return wfail(w, "decref: %d", r);
		} else if (op < 50) {			/* LINK */
			bool from_root = (x >> 24) % 10 < 3 ||
					 !is_cont(w->kind[i]);

			src = from_root ? w->roots[(x >> 32) % NROOTS] :
					  w->id[i];
			dst = (x >> 28) % 4 ? w->id[j] :
					      w->roots[(x >> 36) % NROOTS];
			r = rg_link(w->fd, src, dst);
			if (r)
				return wfail(w, "link: %d", r);
		} else if (op < 58) {			/* UNLINK */
			if (is_cont(w->kind[i]) && (x >> 24) & 1) {
				if (rg_info(w->fd, w->id[i], &info))
					return wfail(w, "info before unlink");
				if (!info.slots)
					continue;
				r = rg_unlink(w->fd, w->id[i],
					      (x >> 32) % info.slots, NULL);
				if (r)
					return wfail(w, "unlink own: %d", r);
				continue;
			}
			r = rg_unlink(w->fd, w->roots[(x >> 32) % NROOTS],
				      (x >> 40) % 8, NULL);
			if (r == -EINVAL)	/* fewer slots by now */
				w->tolerated++;
			else if (r)
				return wfail(w, "unlink root: %d", r);
		} else if (op < 63) {			/* SET */
			r = rg_set(w->fd, w->roots[(x >> 32) % NROOTS],
				   w->id[i], (x >> 40) % 8, NULL);
			if (r == -EINVAL)
				w->tolerated++;
			else if (r)
				return wfail(w, "set: %d", r);
		} else if (op < 66) {			/* CLEAR */
			if ((x >> 24) % 10 == 0)
				src = w->roots[(x >> 32) % NROOTS];
			else if (is_cont(w->kind[i]))
				src = w->id[i];
			else
				continue;
			r = rg_clear(w->fd, src, NULL);
			if (r)
				return wfail(w, "clear: %d", r);
		} else if (op < 71) {			/* WEAKREF_NEW */
			if (w->n == TBL || w->kind[i] == K_FIN ||
			    w->kind[i] == K_WREF)
				continue;
			r = rg_weakref(w->fd, w->id[i], x,
				       (x >> 24) & 1 ? REFGC_WEAKREF_CALLBACK :
				       0, &res);
			if (r)
				return wfail(w, "weakref: %d", r);
			/* The basic weakref again: one more handle on it. */
			for (j = 0; j < w->n && w->id[j] != res; j++)
				;
			if (j < w->n) {
				w->cnt[j]++;
				continue;
			}
			w_add(w, res, K_WREF, 0);
			w->wkind[w->n - 1] = w->kind[i];
		} else if (op < 74) {			/* WEAKREF_GET */
			int k;

			if (w->kind[i] != K_WREF)
				continue;
			r = rg_weakref_get(w->fd, w->id[i], &res);
			if (r == -ENOENT)	/* the referent died */
				continue;
			if (r)
				return wfail(w, "weakref get: %d", r);
			k = w_find(w, res);
			if (k >= 0) {
				w->cnt[k]++;
			} else if (w->n < TBL) {
				w_add(w, res, w->wkind[i], 0);
				if (rg_info(w->fd, res, &info))
					return wfail(w, "info of referent");
				w->payload[w->n - 1] = info.payload_size;
			} else if (rg_decref(w->fd, res)) {
				return wfail(w, "decref referent");
			}
		} else if (op < 80) {			/* payload */
			r = w_payload(w, i, x);
			if (r)
				return wfail(w, "payload: %d", r);
		} else if (op < 85) {			/* BATCH */
			r = w_garbage_ring(w, 2 + (x >> 24) % 14,
					   (x >> 32) % 4 == 0);
			if (r)
				return wfail(w, "batch: %d", r);
		} else if (op < 90) {			/* GET_INFO */
			bool wref = w->kind[i] == K_WREF;

			if (rg_info(w->fd, w->id[i], &info) ||
			    info.handles != (uint64_t)w->cnt[i] ||
			    info.payload_size != w->payload[i] ||
			    !!(info.flags & REFGC_INFO_WEAKREF) != wref)
				return wfail(w, "info of %llu: handles %llu/%d",
					     (unsigned long long)w->id[i],
					     (unsigned long long)info.handles,
					     w->cnt[i]);
		} else if (op < 93) {			/* COLLECT */
			if (rg_collect(w->fd, (x >> 24) % 3, NULL) < 0)
				return wfail(w, "collect");
			w->collects++;
		} else if (op < 94) {
			if (rg_sync(w->fd))
				return wfail(w, "sync");
		} else if (op < 97) {			/* stats, count, list */
			struct refgc_entry e[16];
			struct refgc_list l = {
				.addr = (uintptr_t)e, .capacity = 16,
				.what = REFGC_LIST_OBJECTS,
				.generation = REFGC_LIST_ALL_GENERATIONS };
			struct refgc_stats st;
			struct refgc_count c;

			if (rg_ioctl(w->fd, REFGC_IOC_GET_STATS, &st) ||
			    rg_count(w->fd, &c) ||
			    rg_ioctl(w->fd, REFGC_IOC_LIST, &l) || !l.count)
				return wfail(w, "stats/count/list");
		} else {				/* referrers, slots */
			if (rg_referrers(w->fd, w->id[i], tmp, 64) < 0 ||
			    rg_slots(w->fd, w->roots[(x >> 32) % NROOTS],
				     tmp, 64) < 0)
				return wfail(w, "referrers/slots");
		}
	}
	return NULL;
}

/* Read every file under @dir (recursively, bounded depth). */
static long read_tree(const char *dir, int depth)
{
	char path[512], buf[8192];
	struct dirent *de;
	long n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			if (depth < 3)
				n += read_tree(path, depth + 1);
			continue;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;	/* its arena just went away */
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		n++;
	}
	closedir(d);
	return n;
}

struct helper {
	pthread_t th;
	int shared_fd;		/* >= 0: also drain its events */
	double deadline;
	long n;			/* reads, or opens */
	long events;
	uint64_t seed;
	char err[200];
};

static void *debugfs_fn(void *arg)
{
	struct helper *h = arg;
	struct refgc_event ev[32];

	while (!stopped() && now() < h->deadline) {
		h->n += read_tree(RG_DEBUGFS, 0);
		while (h->shared_fd >= 0) {
			struct pollfd p = { .fd = h->shared_fd,
					    .events = POLLIN };
			ssize_t r;
			int k;

			if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
				break;
			/* The only reader: what poll saw is still there. */
			r = read(h->shared_fd, ev, sizeof(ev));
			if (r <= 0 || r % sizeof(*ev)) {
				snprintf(h->err, sizeof(h->err), "read: %zd",
					 r);
				stop();
				return NULL;
			}
			for (k = 0; k < r / (int)sizeof(*ev); k++) {
				h->events++;
				/* A FINALIZE record hands us a handle. */
				if (ev[k].type == REFGC_EV_FINALIZE &&
				    rg_decref(h->shared_fd, ev[k].id)) {
					snprintf(h->err, sizeof(h->err),
						 "finalize decref");
					stop();
					return NULL;
				}
			}
		}
		usleep(2000);
	}
	return NULL;
}

static int setup_types(int fd, struct types *t)
{
	return rg_type(fd, "node", 0, &t->node) ||
	       rg_type(fd, "blob", REFGC_TYPE_ATOMIC, &t->blob) ||
	       rg_type(fd, "fin", REFGC_TYPE_FINALIZER, &t->fin);
}

/* Open, fill (queueing a collection) and close private arenas. */
static void *churn_fn(void *arg)
{
	struct helper *h = arg;
	struct worker w;

	while (!stopped() && now() < h->deadline) {
		uint64_t x = rg_rand(&h->seed);
		int fd = rg_open();

		memset(&w, 0, sizeof(w));
		w.fd = fd;
		if (fd < 0 || setup_types(fd, &w.t) ||
		    rg_set_threshold(fd, 4, 2, 2) ||
		    w_garbage_ring(&w, 2 + x % 14, x & 1)) {
			snprintf(h->err, sizeof(h->err), "churn arena %ld",
				 h->n);
			stop();
			return NULL;
		}
		if ((x >> 8) % 4 == 0 && rg_collect(fd, 2, NULL) < 0) {
			snprintf(h->err, sizeof(h->err), "churn collect");
			stop();
		}
		close(fd);	/* often with the collection still queued */
		h->n++;
	}
	return NULL;
}

static int make_roots(int fd, uint32_t node, uint64_t *roots)
{
	int i;

	for (i = 0; i < NROOTS; i++)
		if (rg_new(fd, node, 0, &roots[i]))
			return -1;
	for (i = 0; i < NROOTS; i++)	/* and a ring through them */
		if (rg_link(fd, roots[i], roots[(i + 1) % NROOTS]))
			return -1;
	return 0;
}

/* Every worker's model against its arena: the handles it holds. */
static int check_models(struct worker *w, int nw, int fd, char *err,
			size_t len)
{
	struct refgc_info info;
	int k, i;

	for (k = 0; k < nw; k++) {
		if (w[k].fd != fd)
			continue;
		for (i = 0; i < w[k].n; i++)
			if (rg_info(fd, w[k].id[i], &info) ||
			    info.handles != (uint64_t)w[k].cnt[i]) {
				snprintf(err, len, "worker %d: %llu has %llu handles, model %d",
					 k, (unsigned long long)w[k].id[i],
					 (unsigned long long)info.handles,
					 w[k].cnt[i]);
				return -1;
			}
	}
	return 0;
}

/* One of the NPROC processes. */
static void run_process(int p, int sfd, const struct types *st,
			const uint64_t *sroots, double secs,
			struct report *rep)
{
	struct worker w[NTHR - 2] = { 0 };
	struct helper dbg = { .shared_fd = p ? -1 : sfd };
	struct helper churn = { .seed = 77 + p };
	uint64_t proots[NROOTS];
	struct refgc_stats pst;
	struct rg_audit a;
	struct types pt;
	int pfd, k, i;

	pfd = rg_open();
	if (pfd < 0 || setup_types(pfd, &pt) ||
	    rg_set_threshold(pfd, 20, 3, 3) ||
	    make_roots(pfd, pt.node, proots)) {
		snprintf(rep->err, sizeof(rep->err), "private arena setup");
		return;
	}
	dbg.deadline = now() + secs;
	churn.deadline = dbg.deadline;
	/* Workers 0, 1 on the private arena, 2..5 on the shared one. */
	for (k = 0; k < NTHR - 2; k++) {
		w[k].fd = k < 2 ? pfd : sfd;
		w[k].t = k < 2 ? pt : *st;
		w[k].roots = k < 2 ? proots : sroots;
		w[k].seed = 0x9e3779b97f4a7c15ULL * (p * NTHR + k + 1);
		w[k].deadline = dbg.deadline;
		if (pthread_create(&w[k].th, NULL, worker_fn, &w[k]))
			return;
	}
	if (pthread_create(&dbg.th, NULL, debugfs_fn, &dbg) ||
	    pthread_create(&churn.th, NULL, churn_fn, &churn))
		return;
	for (k = 0; k < NTHR - 2; k++) {
		pthread_join(w[k].th, NULL);
		rep->ops += w[k].ops;
		if (w[k].fd == sfd)
			rep->collects += w[k].collects;
		else
			rep->private_collects += w[k].collects;
		rep->batches += w[k].batches;
		rep->tolerated += w[k].tolerated;
		if (w[k].err[0] && !rep->err[0])
			snprintf(rep->err, sizeof(rep->err), "worker %d: %s",
				 k, w[k].err);
		if (w[k].fd == sfd)
			for (i = 0; i < w[k].n; i++)
				rep->shared_handles += w[k].cnt[i];
	}
	pthread_join(dbg.th, NULL);
	pthread_join(churn.th, NULL);
	rep->debugfs_reads = dbg.n;
	rep->events = dbg.events;
	rep->opens = churn.n;
	if (!rep->err[0] && (dbg.err[0] || churn.err[0]))
		snprintf(rep->err, sizeof(rep->err), "%s%s", dbg.err,
			 churn.err);
	if (rep->err[0])
		return;
	if (check_models(w, NTHR - 2, pfd, rep->err, sizeof(rep->err)) ||
	    check_models(w, NTHR - 2, sfd, rep->err, sizeof(rep->err)))
		return;
	/* The private arena: consistent, then empty once dropped. */
	if (rg_ioctl(pfd, REFGC_IOC_GET_STATS, &pst))
		return;
	for (k = 0; k < REFGC_NUM_GENERATIONS; k++)
		rep->private_gc += pst.gen[k].collections;
	if (rep->private_gc <= rep->private_collects) {
		snprintf(rep->err, sizeof(rep->err), "private: %ld collections, %ld explicit",
			 rep->private_gc, rep->private_collects);
		return;
	}
	if (rg_audit(pfd, &a) || rg_drain_all(pfd, &a)) {
		snprintf(rep->err, sizeof(rep->err), "private: %s", a.err);
		return;
	}
	close(pfd);
}

TEST(processes_x_threads_mixed_ops)
{
	double secs, t0;
	struct report rep[NPROC];
	struct refgc_stats st;
	uint64_t roots[NROOTS], handles = NROOTS, gc_total = 0;
	long ops = 0, collects = 0, opens = 0, reads = 0, events = 0;
	long batches = 0, tolerated = 0, pgc = 0;
	struct rg_audit a;
	struct types t;
	pid_t pid[NPROC];
	int fd, p, status, g, rfd[NPROC];

	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present", REFGC_DEV);
	if (getenv("REFGC_CONC_SECONDS"))
		secs = atof(getenv("REFGC_CONC_SECONDS"));
	else
		secs = rg_scale(15, 2);
	fd = rg_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setup_types(fd, &t));
	ASSERT_EQ(0, rg_set_threshold(fd, 20, 3, 3));
	ASSERT_EQ(0, make_roots(fd, t.node, roots));
	t0 = now();
	for (p = 0; p < NPROC; p++) {
		int pp[2];

		ASSERT_EQ(0, pipe(pp));
		pid[p] = fork();
		ASSERT_LE(0, pid[p]);
		if (!pid[p]) {
			struct report r = { 0 };

			close(pp[0]);
			run_process(p, fd, &t, roots, secs, &r);
			if (write(pp[1], &r, sizeof(r)) != sizeof(r))
				_exit(3);
			_exit(r.err[0] ? 1 : 0);
		}
		close(pp[1]);
		rfd[p] = pp[0];
	}
	for (p = 0; p < NPROC; p++) {
		memset(&rep[p], 0, sizeof(rep[p]));
		EXPECT_EQ(sizeof(rep[p]), read(rfd[p], &rep[p],
					       sizeof(rep[p])));
		close(rfd[p]);
		ASSERT_EQ(pid[p], waitpid(pid[p], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("process %d: status %#x: %s", p, status,
			       rep[p].err);
		ops += rep[p].ops;
		collects += rep[p].collects;
		batches += rep[p].batches;
		opens += rep[p].opens;
		reads += rep[p].debugfs_reads;
		events += rep[p].events;
		tolerated += rep[p].tolerated;
		handles += rep[p].shared_handles;
		pgc += rep[p].private_gc;
	}
	/* The shared arena, as the processes left it. */
	ASSERT_EQ(0, rg_audit(fd, &a)) TH_LOG("shared: %s", a.err);
	EXPECT_EQ(handles, a.handles);
	ASSERT_EQ(0, rg_ioctl(fd, REFGC_IOC_GET_STATS, &st));
	for (g = 0; g < REFGC_NUM_GENERATIONS; g++)
		gc_total += st.gen[g].collections;
	TH_LOG("%d processes x %d threads, %.1f s: %ld ops (%ld batches, %ld racy ops that found a root changed), %ld explicit collects; shared arena: %llu collections (%llu automatic at least), %ld objects left, %ld debugfs bytes; %ld collections in the per-process arenas, %ld private arenas opened and closed, %ld debugfs files read, %ld events drained",
	       NPROC, NTHR, now() - t0, ops, batches, tolerated, collects,
	       (unsigned long long)gc_total,
	       (unsigned long long)(gc_total - collects), a.objects,
	       a.debugfs_bytes, pgc, opens, reads, events);
	/* Explicit collects were spread over all arenas: more than them. */
	EXPECT_LT(0, gc_total);
	EXPECT_LT((uint64_t)collects, gc_total);
	EXPECT_LT(0, ops);
	EXPECT_LT(0, opens);
	EXPECT_LT(0, reads);
	EXPECT_LT(0, a.debugfs_bytes) TH_LOG("debugfs not mounted?");

	ASSERT_EQ(0, rg_drain_all(fd, &a)) TH_LOG("drain: %s", a.err);
	close(fd);
}

TEST_HARNESS_MAIN
