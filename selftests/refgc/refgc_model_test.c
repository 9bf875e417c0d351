// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_model_test.c - model-based random testing: random operation
 * sequences (single ops, batches with and without CONTINUE, collections
 * of random generations, freeze, garbage, debug flags, legacy mode, event
 * reads) run against the module and against the reference model of
 * refgc_model.c, comparing every observable after every step: each op's
 * errno, result and outputs, the info of the objects it touched, the
 * counts, events; and periodically every live object, its slots, the
 * garbage list, statistics and memory counters.
 *
 * REFGC_SEED picks the seed (else the time); it is printed at the start
 * and on failure with the step and op.  100000 operations by default,
 * 1000000 with REFGC_SOAK=1, a fifth under REFGC_DEBUG_KERNEL=1, or
 * REFGC_MODEL_STEPS.  REFGC_MODEL_TRACE=FILE logs every step (each op
 * with its errno and result on both sides, collections, events read and
 * predicted with their group) to FILE: under vm-run, in a --rw dir.
 */
#define _GNU_SOURCE

#include "../kselftest_harness.h"
#include "refgc_test_common.h"
#include "refgc_model_drive.h"

/* GET_INFO of @id against the model (ENOENT for a dead one). */
static int check_id(struct drv *d, uint64_t id)
{
	struct refgc_info info;
	int i = rm_live(&d->m, id), r;

	d->calls++;
	r = rg_info(d->fd, id, &info);
	if (i < 0)
		return r == -ENOENT ? 0 : (snprintf(d->why, sizeof(d->why),
			"id %llu: GET_INFO %d, model dead",
			(unsigned long long)id, r), -1);
	if (r)
		return fail(d, "id %llu: GET_INFO %d, model alive",
		     (unsigned long long)id, r);
	return cmp_info(d, i, &info);
}

static int check_counts(struct drv *d)
{
	struct refgc_count c;
	int g;

	if (xioctl(d, REFGC_IOC_GET_COUNT, &c))
		return fail(d, "GET_COUNT");
	for (g = 0; g < 3; g++)
		if (c.count[g] != d->m.count[g])
			return fail(d, "count[%d] %llu, model %llu", g,
			     (unsigned long long)c.count[g],
			     (unsigned long long)d->m.count[g]);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct refgc_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Every observable of the whole arena. */
static int check_all(struct drv *d)
{
	struct rm_model *m = &d->m;
	struct refgc_entry *e = NULL;
	struct refgc_stats st;
	struct refgc_memory mem;
	struct refgc_freeze_count fc;
	uint64_t objs, slots, pay, ids[64];
	long n, i;
	uint32_t dc;
	int g;

	d->what = "full check";
	if (rm_selfcheck(m))
		return fail(d, "%s", m->why);
	if (check_counts(d))
		return -1;
	d->calls++;
	n = rg_list(d->fd, REFGC_LIST_OBJECTS, REFGC_LIST_ALL_GENERATIONS,
		    1 + rnd(d, 64), &e);
	if (n != m->nlive) {
		free(e);
		return fail(d, "LIST: %ld objects, model %u", n, m->nlive);
	}
	for (i = 0; i < n; i++) {
		int k = rm_live(m, e[i].id);
		uint32_t want = k < 0 ? 0 : rm_expect_flags(m, k, &dc);

		if (k < 0 || e[i].type != m->o[k].type ||
		    (e[i].flags & ~dc) != (want & ~dc) ||
		    (i && e[i].id <= e[i - 1].id)) {
			snprintf(d->why, sizeof(d->why),
				 "LIST entry %llu (flags %#x) vs model",
				 (unsigned long long)e[i].id, e[i].flags);
			free(e);
			return -1;
		}
		if (check_id(d, e[i].id)) {
			free(e);
			return -1;
		}
		if (m->o[k].nslots <= 64) {
			long s = rg_slots(d->fd, e[i].id, ids, 64), j;

			d->calls++;
			if (s != m->o[k].nslots) {
				free(e);
				return fail(d, "GET_SLOTS %llu: %ld, model %u",
				     (unsigned long long)m->o[k].id, s,
				     m->o[k].nslots);
			}
			for (j = 0; j < s; j++)
				if (ids[j] != m->o[m->o[k].slots[j]].id) {
					free(e);
					return fail(d, "slot %ld of %llu differs", j,
					     (unsigned long long)m->o[k].id);
				}
		}
	}
	free(e);
	/* The garbage list, as a set. */
	d->calls++;
	n = rg_list(d->fd, REFGC_LIST_GARBAGE, 0, 1 + rnd(d, 16), &e);
	if (n != m->ngarbage) {
		free(e);
		return fail(d, "garbage: %ld entries, model %u", n, m->ngarbage);
	}
	qsort(e, n, sizeof(*e), cmp_entry);
	for (i = 0; i < n; i++) {
		int k = rm_live(m, e[i].id);

		if (k < 0 || !m->o[k].garbage || (i && e[i].id == e[i - 1].id)) {
			free(e);
			return fail(d, "garbage entry %llu not in the model",
			     (unsigned long long)e[i].id);
		}
	}
	free(e);
	/* One generation's listing. */
	g = (int)rnd(d, 5) - 1;
	d->calls++;
	n = rg_list(d->fd, REFGC_LIST_OBJECTS, g, 32, &e);
	for (i = 0, objs = 0; i < m->nlive; i++)
		objs += m->o[m->live[i]].gen == g;
	free(e);
	if (n != (long)objs)
		return fail(d, "LIST gen %d: %ld, model %llu", g, n,
		     (unsigned long long)objs);
	if (xioctl(d, REFGC_IOC_GET_STATS, &st))
		return fail(d, "GET_STATS");
	for (g = 0; g < 3; g++)
		if (st.gen[g].collections != m->stats[g].collections ||
		    st.gen[g].collected != m->stats[g].collected ||
		    st.gen[g].uncollectable != m->stats[g].uncollectable ||
		    st.gen[g].visited != m->stats[g].visited)
			return fail(d, "stats of gen %d differ", g);
	if (xioctl(d, REFGC_IOC_GET_FREEZE_COUNT, &fc) ||
	    fc.count != rm_freeze_count(m))
		return fail(d, "freeze count %llu, model %llu",
		     (unsigned long long)fc.count,
		     (unsigned long long)rm_freeze_count(m));
	if (xioctl(d, REFGC_IOC_GET_MEMORY, &mem))
		return fail(d, "GET_MEMORY");
	rm_memory(m, &objs, &slots, &pay);
	if (mem.objects != objs || mem.slots != slots ||
	    mem.payload_bytes != pay || mem.types != m->ntypes - 1)
		return fail(d, "memory %llu/%llu/%llu/%llu, model %llu/%llu/%llu/%u",
		     (unsigned long long)mem.objects,
		     (unsigned long long)mem.slots,
		     (unsigned long long)mem.payload_bytes,
		     (unsigned long long)mem.types,
		     (unsigned long long)objs, (unsigned long long)slots,
		     (unsigned long long)pay, m->ntypes - 1);
	d->calls += 2;
	if (rg_get_value(d->fd, REFGC_IOC_GET_DEBUG) != m->debug ||
	    rg_get_value(d->fd, REFGC_IOC_GET_FLAGS) !=
	    (m->legacy ? REFGC_ARENA_LEGACY_FINALIZERS : 0))
		return fail(d, "debug or arena flags differ");
	return 0;
}

static int one_step(struct drv *d, long s)
{
	uint64_t r = rnd(d, 1000);
	int i;

	d->ntouched = 0;
	d->step = s;
	rm_step(&d->m);
	if (r < 620)
		i = step_single(d);
	else if (r < 820)
		i = step_batch(d);
	else if (r < 880 || (d->m.nlive > 2 * MAXLIVE && r < 950))
		i = step_collect(d);
	else if (r < 905)
		i = step_gc_misc(d);
	else
		i = drain(d);
	if (i)
		return -1;
	if (rm_events_queued(&d->m) > 250 && drain(d))
		return -1;
	for (i = 0; i < d->ntouched; i++)
		if (check_id(d, d->touched[i]))
			return -1;
	if (d->m.nlive && check_id(d, d->m.o[d->m.live[rnd(d, d->m.nlive)]].id))
		return -1;
	if (check_counts(d))
		return -1;
	if (!(s % FULL_EVERY) && check_all(d))
		return -1;
	return 0;
}

FIXTURE(model) {
	int unused;
};

FIXTURE_SETUP(model)
{
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
}

FIXTURE_TEARDOWN(model)
{
}

/*
 * Found by random_ops: an op's own -EFAULT (a bad buffer) as the last op
 * of a CONTINUE batch made the whole batch fail with -EFAULT.
 */
TEST_F(model, continue_batch_ends_with_efault_op)
{
	struct refgc_op ops[3];
	struct refgc_batch b;
	uint32_t tc;
	uint64_t a;
	int fd = rg_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, rg_type(fd, "node", REFGC_TYPE_CONTAINER, &tc));
	ASSERT_EQ(0, rg_new(fd, tc, 0, &a));
	ASSERT_EQ(0, rg_link(fd, a, a));
	ops[0] = rg_mkop(REFGC_OP_GET_SLOTS, a, 0, 1, 0);	/* EFAULT */
	ops[1] = rg_mkop(REFGC_OP_INCREF, a, 0, 0, 0);
	ops[2] = rg_mkop(REFGC_OP_GET_SLOTS, a, 0, 1, 0);	/* EFAULT */
	for (int n = 2; n <= 3; n++) {
		ASSERT_EQ(0, rg_batch(fd, ops, n, REFGC_BATCH_CONTINUE, &b));
		EXPECT_EQ(n, b.done);
		EXPECT_EQ(n - 1, b.failed);
		EXPECT_EQ(-EFAULT, ops[0].error);
		EXPECT_EQ(0, ops[1].error);
	}
	EXPECT_EQ(-EFAULT, ops[2].error);
	/* Without CONTINUE, the failed op's errno, as before. */
	EXPECT_EQ(-EFAULT, rg_batch(fd, ops + 1, 2, 0, &b));
	EXPECT_EQ(2, b.done);
	close(fd);
}

/* One op on both sides, checked as random_ops checks it; its result. */
static uint64_t drv_op(struct drv *d, uint32_t code, uint64_t id,
		       uint64_t arg, uint32_t flags)
{
	struct refgc_op in = rg_mkop(code, id, arg, 0, 0), out;
	int err;

	in.flags = flags;
	out = in;
	err = xioctl(d, REFGC_IOC_OP, &out);
	if (err || check_op(d, &in, &out, err, 0))
		return 0;
	return out.result;
}

/*
 * Found by random_ops (seed 0x11e6b022580): a step that queues an
 * optional WEAKREF (weakref and referent die together) ahead of required
 * records.  Y, a cycle saved by SAVEALL, loses its slots and gains W1 (a
 * weakref to Y), F (a finalizer) and C (with a weakref W2); CLEAR_GARBAGE
 * frees Y: WEAKREF W1 (optional: W1 dies with Y), FINALIZE F, WEAKREF
 * W2, in that order.  The check took only the two required records'
 * worth, W1 and F, and reported W2 missing.
 */
TEST_F(model, optional_weakref_event_first)
{
	struct refgc_collect want;
	struct drv *d = calloc(1, sizeof(*d));
	uint64_t y, w1, f, c, w2;
	int n;

	ASSERT_NE(NULL, d);
	d->rng = 1;
	ASSERT_EQ(0, drv_open(d)) TH_LOG("%s", d->why);
	y = drv_op(d, REFGC_OP_NEW, 0, d->tc, 0);
	ASSERT_NE(0, y);
	drv_op(d, REFGC_OP_LINK, y, y, 0);
	drv_op(d, REFGC_OP_DECREF, y, 0, 0);
	ASSERT_EQ(0, rg_set_value(d->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_SAVEALL));
	ASSERT_EQ(0, rm_set_debug(&d->m, REFGC_DEBUG_SAVEALL));
	rm_step(&d->m);
	ASSERT_EQ(1, rg_collect(d->fd, 0, NULL));
	ASSERT_EQ(1, rm_collect(&d->m, 0, 0, &want));
	drv_op(d, REFGC_OP_CLEAR, y, 0, 0);
	w1 = drv_op(d, REFGC_OP_WEAKREF_NEW, y, 1, REFGC_WEAKREF_CALLBACK);
	f = drv_op(d, REFGC_OP_NEW, 0, d->tf, 0);
	c = drv_op(d, REFGC_OP_NEW, 0, d->tc, 0);
	w2 = drv_op(d, REFGC_OP_WEAKREF_NEW, c, 2, REFGC_WEAKREF_CALLBACK);
	ASSERT_TRUE(w1 && f && c && w2) TH_LOG("%s", d->why);
	drv_op(d, REFGC_OP_LINK, y, w1, 0);
	drv_op(d, REFGC_OP_LINK, y, f, 0);
	drv_op(d, REFGC_OP_LINK, y, c, 0);
	drv_op(d, REFGC_OP_DECREF, w1, 0, 0);
	drv_op(d, REFGC_OP_DECREF, f, 0, 0);
	drv_op(d, REFGC_OP_DECREF, c, 0, 0);
	ASSERT_EQ(0, d->why[0]) TH_LOG("%s", d->why);
	ASSERT_EQ(0, drain(d)) TH_LOG("%s", d->why);

	rm_step(&d->m);
	ASSERT_EQ(1, rm_clear_garbage(&d->m));
	ASSERT_EQ(1, rg_ioctl(d->fd, REFGC_IOC_CLEAR_GARBAGE, NULL));
	/* The module's order, which the check must accept. */
	n = rg_events(d->fd, d->ev, EVBUF);
	ASSERT_EQ(3, n);
	/* y's weakref w1 first, then y's slots last to first: c, f. */
	EXPECT_EQ(REFGC_EV_WEAKREF, d->ev[0].type);
	EXPECT_EQ(w1, d->ev[0].id);
	EXPECT_EQ(REFGC_EV_WEAKREF, d->ev[1].type);
	EXPECT_EQ(w2, d->ev[1].id);
	EXPECT_EQ(REFGC_EV_FINALIZE, d->ev[2].type);
	EXPECT_EQ(f, d->ev[2].id);
	EXPECT_EQ(0, rm_events(&d->m, d->ev, n)) TH_LOG("%s", d->m.why);
	EXPECT_EQ(0, check_all(d)) TH_LOG("%s", d->why);
	drv_close(d);
	free(d);
}

TEST_F_TIMEOUT(model, random_ops, 7200)
{
	const char *soak = getenv("REFGC_SOAK"), *seed_env = getenv("REFGC_SEED");
	long steps = soak && !strcmp(soak, "1") ? 1000000 : 100000;
	struct drv *d = calloc(1, sizeof(*d));
	uint64_t seed;
	struct timespec t0, t1;
	long s;
	int r = 0;

	ASSERT_NE(NULL, d);
	steps = rg_scale(steps, 5);
	if (getenv("REFGC_MODEL_STEPS"))	/* for quick runs */
		steps = atol(getenv("REFGC_MODEL_STEPS"));
	seed = seed_env ? strtoull(seed_env, NULL, 0) :
	       (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!seed)
		seed = 1;
	d->rng = seed;
	d->fd = -1;
	if (getenv("REFGC_MODEL_TRACE")) {
		d->trace = fopen(getenv("REFGC_MODEL_TRACE"), "w");
		ASSERT_NE(NULL, d->trace);
	}
	TH_LOG("seed %#llx (REFGC_SEED=%#llx reproduces), %ld steps",
	       (unsigned long long)seed, (unsigned long long)seed, steps);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (s = 0; s < steps; s++) {
		if (!(s % RESET_EVERY)) {
			if (s)
				r = drain(d) || check_all(d);
			if (r)
				break;
			drv_close(d);
			r = drv_open(d);
			if (r)
				break;
		}
		r = one_step(d, s);
		if (r)
			break;
	}
	if (!r)
		r = drain(d) || check_all(d);
	if (d->trace)
		fflush(d->trace);
	ASSERT_EQ(0, r) TH_LOG("seed %#llx step %ld op %s: %s",
			       (unsigned long long)seed, s, d->what, d->why);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%ld steps, %ld operations model-checked (%ld batches, %ld collections, %ld event reads), %ld calls, %.1f s",
	       steps, d->ops, d->batches, d->collects, d->drains, d->calls,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	drv_close(d);
	if (d->trace)
		fclose(d->trace);
	free(d);
}

TEST_HARNESS_MAIN
