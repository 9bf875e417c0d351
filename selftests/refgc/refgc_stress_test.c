// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_stress_test.c - the big cases: a million-long chain freed by
 * one DECREF, 100k objects created and freed (slab back to its
 * baseline), an arena shared across fork(), four threads hammering
 * one arena, and closing an arena full of cycles and finalizers.
 * REFGC_DEBUG_KERNEL=1 makes the chain and the 100k objects 10x
 * smaller.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

/* Slab objects that may legitimately still sit in per-cpu caches. */
#define SLAB_SLACK	256

#include "refgc_fixture.h"

/* ---- scale ---- */

/*
 * Build a chain head -> ... of @n objects (@n - 1 links), the head holding
 * the only handle, in batches.  Returns the head, or 0.
 */
static uint64_t build_chain(int fd, uint32_t type, size_t n, uint64_t *tail)
{
	uint32_t max = rg_max_batch(fd), chunk = max / 2, i, k;
	struct refgc_op *ops = calloc(max, sizeof(*ops));
	uint64_t *nid = calloc(max, sizeof(*nid));
	uint64_t head = 0, prev;
	size_t done;

	if (!ops || !nid || !chunk || rg_new(fd, type, 0, &head))
		goto out;
	prev = head;
	for (done = 1; done < n; done += k) {
		k = n - done < chunk ? n - done : chunk;
		for (i = 0; i < k; i++)
			ops[i] = rg_mkop(REFGC_OP_NEW, 0, type, 0, 0);
		if (rg_batch(fd, ops, k, 0, NULL))
			goto fail;
		for (i = 0; i < k; i++)
			nid[i] = ops[i].result;
		for (i = 0; i < k; i++) {
			ops[2 * i] = rg_mkop(REFGC_OP_LINK,
					     i ? nid[i - 1] : prev, nid[i],
					     0, 0);
			ops[2 * i + 1] = rg_mkop(REFGC_OP_DECREF, nid[i], 0,
						 0, 0);
		}
		if (rg_batch(fd, ops, 2 * k, 0, NULL))
			goto fail;
		prev = nid[k - 1];
	}
	if (tail)
		*tail = prev;
	goto out;
fail:
	head = 0;
out:
	free(ops);
	free(nid);
	return head;
}

TEST_F_TIMEOUT(arena, chain_million_freed_by_one_decref, 400)
{
	const size_t n = rg_scale(1000000, 10);
	long slab0, slab1, slab2;
	struct refgc_memory m;
	struct refgc_info i;
	uint64_t head, tail = 0, got[2];

	slab0 = rg_slab_settled();
	ASSERT_LE(0, slab0) TH_LOG("no refgc_object in /proc/slabinfo");
	ASSERT_EQ(0, rg_ioctl(self->fd, REFGC_IOC_DISABLE, NULL));
	head = build_chain(self->fd, self->tc, n, &tail);
	ASSERT_NE(0, head);
	m = MEMORY(self->fd);
	ASSERT_EQ(n, m.objects);
	ASSERT_EQ(n - 1, m.slots);
	i = INFO(self->fd, tail);
	EXPECT_EQ(1, i.refcount);
	EXPECT_EQ(0, i.handles);
	EXPECT_EQ(0, i.slots);
	i = INFO(self->fd, head);
	EXPECT_EQ(1, i.handles);
	ASSERT_EQ(1, rg_slots(self->fd, head, got, 2));
	ASSERT_EQ(1, rg_referrers(self->fd, got[0], got, 2));
	EXPECT_EQ(head, got[0]);
	slab1 = rg_slab_settled();
	EXPECT_LE(slab0 + (long)n, slab1);

	ASSERT_EQ(0, rg_decref(self->fd, head));
	m = MEMORY(self->fd);
	EXPECT_EQ(0, m.objects);
	EXPECT_EQ(0, m.bytes);
	EXPECT_EQ(0, m.slots);
	EXPECT_EQ(-ENOENT, rg_info(self->fd, tail, &i));
	EXPECT_EQ(-ENOENT, rg_info(self->fd, head, &i));
	slab2 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab2)
		TH_LOG("slab: %ld before, %ld built, %ld after", slab0, slab1,
		       slab2);
}

/*
 * LIST every object into one big buffer, letting the kernel choose the
 * page size: 0 when the ids are exactly the results of @ops, in order.
 */
static int list_matches(int fd, const struct refgc_op *ops, size_t n)
{
	struct refgc_entry *e = calloc(n + 1, sizeof(*e));
	struct refgc_list l = { .what = REFGC_LIST_OBJECTS,
				.generation = REFGC_LIST_ALL_GENERATIONS };
	size_t total = 0, i;
	int bad = 0;

	if (!e)
		return -ENOMEM;
	do {
		l.addr = (uintptr_t)(e + total);
		l.capacity = n + 1 - total;
		l.count = 0;
		if (rg_ioctl(fd, REFGC_IOC_LIST, &l) || !l.count ||
		    l.count > n + 1 - total) {
			bad = 1;
			break;
		}
		total += l.count;
	} while (l.cursor);
	bad |= total != n;
	for (i = 0; !bad && i < n; i++)
		bad |= e[i].id != ops[i].result;
	free(e);
	return bad;
}

TEST_F_TIMEOUT(arena, create_free_100k_slab_baseline, 300)
{
	const size_t n = rg_scale(100000, 10);
	uint32_t max = rg_max_batch(self->fd);
	struct refgc_op *ops = calloc(n, sizeof(*ops));
	long slab0, slab1, slab2;
	struct refgc_memory m;
	size_t i;

	ASSERT_NE(NULL, ops);
	ASSERT_LT(0, max);
	slab0 = rg_slab_settled();
	ASSERT_LE(0, slab0);
	for (i = 0; i < n; i++)
		ops[i] = rg_mkop(REFGC_OP_NEW, 0,
				 i % 4 == 3 ? self->ta : self->tc, i % 17, 0);
	ASSERT_EQ(0, rg_batch_all(self->fd, ops, n));
	m = MEMORY(self->fd);
	EXPECT_EQ(n, m.objects);
	slab1 = rg_slab_settled();
	EXPECT_LE(slab0 + (long)n, slab1);
	/* Listing pages through all of them, in id order. */
	ASSERT_EQ(0, list_matches(self->fd, ops, n));
	/* Drop every handle: each object dies at once. */
	for (i = 0; i < n; i++) {
		uint64_t id = ops[i].result;

		ops[i] = rg_mkop(REFGC_OP_DECREF, id, 0, 0, 0);
	}
	ASSERT_EQ(0, rg_batch_all(self->fd, ops, n));
	m = MEMORY(self->fd);
	EXPECT_EQ(0, m.objects);
	EXPECT_EQ(0, m.bytes);
	EXPECT_EQ(0, m.payload_bytes);
	slab2 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab2)
		TH_LOG("slab: %ld before, %ld full, %ld after", slab0, slab1,
		       slab2);
	free(ops);
}

/* ---- sharing ---- */

TEST_F(arena, fork_shares_arena)
{
	uint64_t x = NEW(self->fd, self->tc, 8), y = 0, got[2];
	int p[2], status;
	pid_t pid;

	ASSERT_EQ(0, rg_pwrite(self->fd, x, 0, 8, "parent!"));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char buf[8];
		uint64_t id;

		close(p[0]);
		if (rg_pread(self->fd, x, 0, 8, buf) || memcmp(buf, "parent!", 8))
			_exit(1);
		if (rg_new(self->fd, self->tc, 0, &id) ||
		    rg_link(self->fd, x, id) || rg_decref(self->fd, id) ||
		    rg_pwrite(self->fd, x, 0, 8, "child!!"))
			_exit(2);
		if (write(p[1], &id, sizeof(id)) != sizeof(id))
			_exit(3);
		_exit(0);	/* closes the child's reference to the file */
	}
	close(p[1]);
	ASSERT_EQ(sizeof(y), read(p[0], &y, sizeof(y)));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* The child's work is in the parent's arena, which lives on. */
	ASSERT_EQ(1, rg_slots(self->fd, x, got, 2));
	EXPECT_EQ(y, got[0]);
	EXPECT_EQ(1, INFO(self->fd, y).refcount);
	EXPECT_EQ(0, INFO(self->fd, y).handles);
	ASSERT_EQ(0, rg_pread(self->fd, x, 0, 8, got));
	EXPECT_EQ(0, memcmp(got, "child!!", 8));
	EXPECT_EQ(2, MEMORY(self->fd).objects);
}

TEST_F_TIMEOUT(arena, fork_two_processes_concurrently, 120)
{
	enum { N = 3000 };
	uint64_t shared = NEW(self->fd, self->tc, 0);
	pid_t pid[2];
	int k, status;

	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		ASSERT_LE(0, pid[k]);
		if (!pid[k]) {
			uint64_t keep = 0, id;
			int i;

			/* Each keeps every 3rd object, linked from shared. */
			for (i = 0; i < N; i++) {
				if (rg_new(self->fd, self->tc, 4, &id))
					_exit(1);
				if (i % 3 == 0) {
					if (rg_link(self->fd, shared, id))
						_exit(2);
					keep++;
				}
				if (rg_decref(self->fd, id))
					_exit(3);
			}
			_exit(keep == N / 3 ? 0 : 4);
		}
	}
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(pid[k], waitpid(pid[k], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	EXPECT_EQ(1 + 2 * N / 3, MEMORY(self->fd).objects);
	EXPECT_EQ(2 * N / 3, INFO(self->fd, shared).slots);
	EXPECT_EQ(2 * N / 3 * 4, MEMORY(self->fd).payload_bytes);
	ASSERT_EQ(0, rg_decref(self->fd, shared));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
}

/*
 * Four threads on one arena, automatic collection on.  Each owns its
 * objects (only it links from them) and links them to shared objects the
 * main thread holds.  Each keeps a model of its objects; at the end the
 * model must match, and the whole arena must be consistent.
 */
#define T_OBJS	64

struct hammer {
	pthread_t th;
	int fd;
	uint32_t tc, ta;
	uint64_t *shared;
	int nshared;
	uint64_t seed;
	int iters;
	/* the model: own objects */
	uint64_t id[T_OBJS];
	int handles[T_OBJS];
	int nslots[T_OBJS];
	long slot[T_OBJS][16];	/* own index >= 0, or -1 - shared index */
	int shared_handles;	/* extra handles taken on shared objects */
	char err[160];
};

static int hidx(struct hammer *h, uint64_t id)
{
	int i;

	for (i = 0; i < T_OBJS; i++)
		if (h->id[i] == id)
			return i;
	return -1;
}

/* Own objects reachable from own handles, through own slots. */
static void hammer_reach(struct hammer *h, char *reach)
{
	int stack[T_OBJS * 17], sp = 0, i, k;

	memset(reach, 0, T_OBJS);
	for (i = 0; i < T_OBJS; i++)
		if (h->id[i] && h->handles[i] && !reach[i]) {
			reach[i] = 1;
			stack[sp++] = i;
		}
	while (sp) {
		i = stack[--sp];
		for (k = 0; k < h->nslots[i]; k++) {
			long s = h->slot[i][k];

			if (s >= 0 && !reach[s]) {
				reach[s] = 1;
				stack[sp++] = s;
			}
		}
	}
}

/* Record why a hammer thread failed; its return value. */
static void *hfail(struct hammer *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return NULL;
}

static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;
	int it, i, j, r;
	uint64_t res = 0;
	char reach[T_OBJS];

	for (it = 0; it < h->iters; it++) {
		uint64_t x = rg_rand(&h->seed);

		i = x % T_OBJS;
		j = (x >> 8) % T_OBJS;
		hammer_reach(h, reach);
		/* Forget objects nothing of ours can reach any more. */
		for (j = 0; j < T_OBJS; j++)
			if (h->id[j] && !reach[j])
				h->id[j] = 0;
		j = (x >> 8) % T_OBJS;
		switch ((x >> 16) % 8) {
		case 0:
		case 1:
			if (h->id[i])
				break;
			r = rg_new(h->fd, (x >> 24) % 5 ? h->tc : h->ta, 0,
				   &h->id[i]);
			if (r)
				return hfail(h, "new: %d", r);
			h->handles[i] = 1;
			h->nslots[i] = 0;
			break;
		case 2:	/* link own -> own */
			if (!h->id[i] || !h->id[j] || h->nslots[i] == 16 ||
			    !h->handles[i])
				break;
			r = rg_op(h->fd, REFGC_OP_LINK, h->id[i], h->id[j], 0,
				  0, &res);
			if (r == -EINVAL)	/* atomic source */
				break;
			if (r || res != (uint64_t)h->nslots[i])
				return hfail(h, "link: %d %llu", r,
				     (unsigned long long)res);
			h->slot[i][h->nslots[i]++] = j;
			break;
		case 3:	/* link own -> shared */
			if (!h->id[i] || h->nslots[i] == 16 || !h->handles[i])
				break;
			j = (x >> 8) % h->nshared;
			r = rg_link(h->fd, h->id[i], h->shared[j]);
			if (r == -EINVAL)
				break;
			if (r)
				return hfail(h, "link shared: %d", r);
			h->slot[i][h->nslots[i]++] = -1 - j;
			break;
		case 4:	/* unlink */
			if (!h->id[i] || !h->nslots[i] || !h->handles[i])
				break;
			j = (x >> 8) % h->nslots[i];
			r = rg_unlink(h->fd, h->id[i], j, &res);
			if (r)
				return hfail(h, "unlink: %d", r);
			if (h->slot[i][j] >= 0 ?
			    res != h->id[h->slot[i][j]] :
			    res != h->shared[-1 - h->slot[i][j]])
				return hfail(h, "unlink returned %llu",
				     (unsigned long long)res);
			memmove(&h->slot[i][j], &h->slot[i][j + 1],
				(h->nslots[i] - j - 1) * sizeof(long));
			h->nslots[i]--;
			break;
		case 5:	/* drop a handle */
			if (!h->id[i] || !h->handles[i])
				break;
			r = rg_decref(h->fd, h->id[i]);
			if (r)
				return hfail(h, "decref: %d", r);
			h->handles[i]--;
			break;
		case 6:	/* handles on shared objects come and go */
			j = (x >> 8) % h->nshared;
			if ((x >> 24) & 1 || !h->shared_handles) {
				if (rg_incref(h->fd, h->shared[0]))
					return hfail(h, "incref shared");
				h->shared_handles++;
			} else {
				if (rg_decref(h->fd, h->shared[0]))
					return hfail(h, "decref shared");
				h->shared_handles--;
			}
			break;
		default:	/* take a handle, check the object */
			if (!h->id[i] || !h->handles[i])
				break;
			{
				struct refgc_info info;

				if (rg_incref(h->fd, h->id[i]))
					return hfail(h, "incref");
				h->handles[i]++;
				r = rg_info(h->fd, h->id[i], &info);
				if (r ||
				    info.handles != (uint64_t)h->handles[i] ||
				    info.slots != (uint64_t)h->nslots[i])
					return hfail(h, "info %d: handles %llu/%d slots %llu/%d",
					     r, (unsigned long long)info.handles,
					     h->handles[i],
					     (unsigned long long)info.slots,
					     h->nslots[i]);
			}
			break;
		}
	}
	/* The model against the arena, for everything we still reach. */
	hammer_reach(h, reach);
	for (i = 0; i < T_OBJS; i++) {
		uint64_t got[16];
		long n;

		if (!h->id[i] || !reach[i])
			continue;
		n = rg_slots(h->fd, h->id[i], got, 16);
		if (n != h->nslots[i])
			return hfail(h, "slots of %d: %ld, model %d", i, n, h->nslots[i]);
		for (j = 0; j < n; j++) {
			long s = h->slot[i][j];

			if (got[j] != (s >= 0 ? h->id[s] : h->shared[-1 - s]))
				return hfail(h, "slot %d of %d differs", j, i);
		}
		if (hidx(h, h->id[i]) != i)
			return hfail(h, "duplicate id");
	}
	while (h->shared_handles--)
		if (rg_decref(h->fd, h->shared[0]))
			return hfail(h, "final decref shared");
	return NULL;
}

TEST_F_TIMEOUT(arena, four_threads_hammer_one_arena, 300)
{
	enum { NT = 4, NS = 8 };
	struct hammer *h = calloc(NT, sizeof(*h));
	uint64_t shared[NS], *ids = NULL, *all_slots;
	struct refgc_memory m;
	long n, i, j, total_slots = 0;

	ASSERT_NE(NULL, h);
	/* Collect often, so the worker races with the threads. */
	ASSERT_EQ(0, rg_set_threshold(self->fd, 50, 3, 3));
	for (i = 0; i < NS; i++)
		shared[i] = NEW(self->fd, self->tc, 0);
	for (i = 0; i < NS; i++)		/* a shared cycle */
		ASSERT_EQ(0, rg_link(self->fd, shared[i],
				     shared[(i + 1) % NS]));
	for (i = 0; i < NT; i++) {
		h[i].fd = self->fd;
		h[i].tc = self->tc;
		h[i].ta = self->ta;
		h[i].shared = shared;
		h[i].nshared = NS;
		h[i].seed = 0x1234567 + i;
		h[i].iters = 6000;
		ASSERT_EQ(0, pthread_create(&h[i].th, NULL, hammer_fn, &h[i]));
	}
	for (i = 0; i < NT; i++) {
		ASSERT_EQ(0, pthread_join(h[i].th, NULL));
		EXPECT_STREQ("", h[i].err) TH_LOG("thread %ld", i);
	}
	ASSERT_EQ(0, rg_sync(self->fd));
	ASSERT_LE(0, rg_collect(self->fd, 2, NULL));

	/* Global consistency. */
	m = MEMORY(self->fd);
	n = rg_list_ids(self->fd, &ids);
	ASSERT_EQ((long)m.objects, n);
	all_slots = calloc(n + 1, sizeof(uint64_t));
	ASSERT_NE(NULL, all_slots);	/* incoming slot count per object */
	for (i = 0; i < n; i++) {
		uint64_t got[64];
		long k = rg_slots(self->fd, ids[i], got, 64);

		ASSERT_LE(0, k);
		ASSERT_GE(64, k);
		total_slots += k;
		for (j = 0; j < k; j++) {
			long lo = 0, hi = n - 1, mid = -1;

			while (lo <= hi) {	/* ids are listed sorted */
				mid = (lo + hi) / 2;
				if (ids[mid] == got[j])
					break;
				if (ids[mid] < got[j])
					lo = mid + 1;
				else
					hi = mid - 1;
			}
			ASSERT_EQ(got[j], ids[mid]) TH_LOG("dangling slot");
			all_slots[mid]++;
		}
	}
	EXPECT_EQ((long)m.slots, total_slots);
	for (i = 0; i < n; i++) {
		struct refgc_info info = INFO(self->fd, ids[i]);

		ASSERT_EQ(info.handles + all_slots[i], info.refcount)
			TH_LOG("object %llu", (unsigned long long)ids[i]);
		/* After a full collection everything left is reachable. */
		EXPECT_TRUE(info.handles || all_slots[i]);
	}
	for (i = 0; i < NS; i++)
		EXPECT_EQ(1, INFO(self->fd, shared[i]).handles);
	/* Dropping every handle, then collecting, empties the arena. */
	for (i = 0; i < n; i++) {
		struct refgc_info info;

		if (rg_info(self->fd, ids[i], &info))
			continue;
		while (info.handles--)
			ASSERT_EQ(0, rg_decref(self->fd, ids[i]));
	}
	ASSERT_LE(0, rg_collect(self->fd, 2, NULL));
	EXPECT_EQ(0, MEMORY(self->fd).objects);
	free(ids);
	free(all_slots);
	free(h);
}

/* ---- closing ---- */

TEST_F_TIMEOUT(arena, close_frees_cycles, 200)
{
	enum { N = 20000 };
	struct refgc_op *ops = calloc(3 * N, sizeof(*ops));
	long slab0, slab1, slab2;
	struct refgc_memory m;
	uint32_t tc, tf;
	uint64_t ids[N];
	int fd, i, k;

	ASSERT_NE(NULL, ops);
	slab0 = rg_slab_settled();
	ASSERT_LE(0, slab0);
	fd = rg_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rg_ioctl(fd, REFGC_IOC_DISABLE, NULL));
	ASSERT_EQ(0, rg_type(fd, "c", 0, &tc));
	ASSERT_EQ(0, rg_type(fd, "f", REFGC_TYPE_FINALIZER, &tf));
	for (i = 0; i < N; i++)
		ops[i] = rg_mkop(REFGC_OP_NEW, 0, i % 10 == 9 ? tf : tc,
				 i % 7, 0);
	ASSERT_EQ(0, rg_batch_all(fd, ops, N));
	for (i = 0; i < N; i++)
		ids[i] = ops[i].result;
	/* Pairs, rings of ten, self-loops; then no handles at all. */
	for (i = 0, k = 0; i < N; i++) {
		if (i % 10 == 0)
			ops[k++] = rg_mkop(REFGC_OP_LINK, ids[i], ids[i], 0,
					   0);
		ops[k++] = rg_mkop(REFGC_OP_LINK, ids[i],
				   ids[i % 10 == 9 ? i - 9 : i + 1], 0, 0);
		if (i % 2)
			ops[k++] = rg_mkop(REFGC_OP_LINK, ids[i], ids[i - 1],
					   0, 0);
	}
	ASSERT_EQ(0, rg_batch_all(fd, ops, k));
	for (i = 0, k = 0; i < N; i++) {
		if (i % 100 == 1)	/* weakrefs that stay held */
			ops[k++] = rg_mkop(REFGC_OP_WEAKREF_NEW, ids[i], i,
					   0, 0);
		else
			ops[k++] = rg_mkop(REFGC_OP_DECREF, ids[i], 0, 0, 0);
	}
	ASSERT_EQ(0, rg_batch_all(fd, ops, k));
	/* Some finalizers pending, some on the garbage list. */
	ASSERT_EQ(0, rg_set_value(fd, REFGC_IOC_SET_FLAGS,
				  REFGC_ARENA_LEGACY_FINALIZERS));
	ASSERT_EQ(0, rg_set_value(fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_SAVEALL));
	m = MEMORY(fd);
	EXPECT_EQ(N + N / 100, m.objects);
	EXPECT_EQ(N + N / 10 + N / 2, m.slots);
	ASSERT_LE(0, rg_collect(fd, 2, NULL));
	slab1 = rg_slab_settled();
	EXPECT_LE(slab0 + N, slab1);
	close(fd);
	slab2 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab2)
		TH_LOG("slab: %ld before, %ld full, %ld after close", slab0,
		       slab1, slab2);
	free(ops);
}

TEST_F_TIMEOUT(arena, close_with_pending_finalizers, 60)
{
	long slab0 = rg_slab_settled(), slab1;
	uint32_t tf;
	uint64_t a, b;
	int fd = rg_open();

	ASSERT_LE(0, slab0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rg_type(fd, "f", REFGC_TYPE_FINALIZER, &tf));
	ASSERT_EQ(0, rg_new(fd, tf, 10, &a));
	ASSERT_EQ(0, rg_new(fd, tf, 10, &b));
	ASSERT_EQ(0, rg_link(fd, a, b));
	ASSERT_EQ(0, rg_link(fd, b, a));
	ASSERT_EQ(0, rg_decref(fd, a));
	ASSERT_EQ(0, rg_decref(fd, b));
	ASSERT_LE(0, rg_collect(fd, 2, NULL));	/* both resurrected */
	EXPECT_EQ(2, MEMORY(fd).objects);
	close(fd);				/* events never read */
	slab1 = rg_slab_settled();
	EXPECT_GE(slab0 + SLAB_SLACK, slab1);
}

TEST_HARNESS_MAIN
