// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_fault_test.c - allocation failures at every allocation site, in
 * turn, by per-task fault injection (/proc/thread-self/fail-nth with
 * failslab).  For each mutating operation kind, n = 1, 2, ...: a fresh
 * arena is brought to the operation's starting state and snapshotted,
 * the n-th slab allocation of the operation is made to fail, and then
 * either the operation failed with -ENOMEM and the arena (memory
 * accounting included) is exactly as before, or the fault was absorbed
 * (a fallback succeeded), or no fault was injected because the
 * operation makes fewer than n allocations: that ends the kind.  Leaks
 * are caught by the kmemleak scan of scripts/vm-run.  Needs
 * CONFIG_FAULT_INJECTION and CONFIG_FAILSLAB (the debug kernel); skips
 * otherwise.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>

#include "../kselftest_harness.h"
#include "refgc_test_common.h"
#include "refgc_deep_snap.h"

#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define MAXN		200

enum fkind {
	K_OPEN, K_TYPE, K_TYPE_GROW, K_NEW, K_NEW_PAYLOAD, K_NEW_BIG,
	K_NEW_FIN, K_LINK, K_LINK_GROW, K_SET, K_WRITE, K_WEAKREF,
	K_WEAKREF_2ND, K_BATCH, K_COLLECT_SAVEALL, K_COLLECT_LEGACY,
	K_READ_EVENTS, K_LIST, K_NKINDS
};

static const char *const kind_name[K_NKINDS] = {
	"open", "type_register", "type_register_grow", "new", "new_payload",
	"new_64k_payload", "new_finalizer", "link", "link_grow", "set",
	"write", "weakref_new", "weakref_new_2nd", "batch",
	"collect_saveall", "collect_legacy", "read_events", "list",
};

struct farena {
	int fd;
	uint32_t tc, ta, tf;
	uint64_t c1, c2, a1;
	struct refgc_op ops[4];
	struct refgc_batch b;
	struct refgc_event ev[8];
};

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, s, strlen(s));
	close(fd);
	return r < 0 ? -errno : 0;
}

/* A fresh arena in the state @k starts from. */
static int prep(struct farena *f, enum fkind k)
{
	uint64_t x, y;
	char name[REFGC_TYPE_NAME_MAX];
	int i, r;

	memset(f, 0, sizeof(*f));
	f->fd = rg_open();
	if (f->fd < 0)
		return -errno;
	r = rg_type(f->fd, "node", 0, &f->tc) ||
	    rg_type(f->fd, "blob", REFGC_TYPE_ATOMIC, &f->ta) ||
	    rg_type(f->fd, "fin", REFGC_TYPE_FINALIZER, &f->tf) ||
	    rg_ioctl(f->fd, REFGC_IOC_DISABLE, NULL) ||
	    rg_new(f->fd, f->tc, 0, &f->c1) ||
	    rg_new(f->fd, f->tc, 0, &f->c2) ||
	    rg_new(f->fd, f->ta, 16, &f->a1) ||
	    rg_link(f->fd, f->c2, f->a1) || rg_link(f->fd, f->c2, f->c1);
	if (r)
		return -EIO;
	switch (k) {
	case K_TYPE_GROW:	/* 1 + 3 types: 3 more fill the table of 8 */
		for (i = 0; i < 3 && !r; i++) {
			snprintf(name, sizeof(name), "t%d", i);
			r = rg_type(f->fd, name, 0, NULL);
		}
		break;
	case K_WEAKREF_2ND:
		r = rg_weakref(f->fd, f->c1, 1, false, &x);
		break;
	case K_COLLECT_SAVEALL:
	case K_COLLECT_LEGACY:
		r = rg_new(f->fd, k == K_COLLECT_LEGACY ? f->tf : f->tc, 0,
			   &x) ||
		    rg_new(f->fd, k == K_COLLECT_LEGACY ? f->tf : f->tc, 0,
			   &y) ||
		    rg_link(f->fd, x, y) || rg_link(f->fd, y, x) ||
		    rg_decref(f->fd, x) || rg_decref(f->fd, y) ||
		    (k == K_COLLECT_LEGACY ?
		     rg_set_value(f->fd, REFGC_IOC_SET_FLAGS,
				  REFGC_ARENA_LEGACY_FINALIZERS) :
		     rg_set_value(f->fd, REFGC_IOC_SET_DEBUG,
				  REFGC_DEBUG_SAVEALL));
		break;
	case K_BATCH:
		f->ops[0] = rg_mkop(REFGC_OP_NEW, 0, f->tc, 32, 0);
		f->ops[1] = rg_mkop(REFGC_OP_LINK, f->c1, f->a1, 0, 0);
		f->ops[2] = rg_mkop(REFGC_OP_WEAKREF_NEW, f->a1, 7, 0, 0);
		f->ops[3] = rg_mkop(REFGC_OP_NEW, 0, f->tf, 0, 0);
		break;
	default:
		break;
	}
	if (!r)
		r = rg_events(f->fd, f->ev, 8) < 0;	/* start empty */
	if (!r && k == K_READ_EVENTS)
		r = rg_collect(f->fd, 0, NULL) < 0;
	return r ? -EIO : 0;
}

/* The operation itself: 0 or -errno. */
static long run(struct farena *f, enum fkind k)
{
	struct refgc_entry e[8];
	struct refgc_list l = { .addr = (uintptr_t)e, .capacity = 8 };
	char pay[100] = { 1, 2, 3 };
	uint64_t x;
	long r;

	switch (k) {
	case K_OPEN:
		r = rg_open();
		if (r < 0)
			return -errno;
		close(r);
		return 0;
	case K_TYPE:
	case K_TYPE_GROW:
		return rg_type(f->fd, "newtype", 0, NULL);
	case K_NEW:
		return rg_new(f->fd, f->tc, 0, &x);
	case K_NEW_PAYLOAD:
		return rg_new(f->fd, f->ta, 100, &x);
	case K_NEW_BIG:
		return rg_new(f->fd, f->ta, 65536, &x);
	case K_NEW_FIN:
		return rg_new(f->fd, f->tf, 0, &x);
	case K_LINK:
		return rg_link(f->fd, f->c1, f->a1);
	case K_LINK_GROW:	/* c2 holds 2 of 2 slots */
		return rg_link(f->fd, f->c2, f->c1);
	case K_SET:
		return rg_set(f->fd, f->c2, f->c2, 0, NULL);
	case K_WRITE:
		return rg_pwrite(f->fd, f->a1, 0, 16, pay);
	case K_WEAKREF:
	case K_WEAKREF_2ND:
		return rg_weakref(f->fd, f->c1, 5, true, &x);
	case K_BATCH:
		return rg_batch(f->fd, f->ops, 4, 0, &f->b);
	case K_COLLECT_SAVEALL:
	case K_COLLECT_LEGACY:
		r = rg_collect(f->fd, 2, NULL);
		return r < 0 ? r : 0;
	case K_READ_EVENTS:
		r = read(f->fd, f->ev, sizeof(f->ev));
		return r < 0 ? -errno : 0;
	case K_LIST:
		return rg_ioctl(f->fd, REFGC_IOC_LIST, &l);
	default:
		return -EINVAL;
	}
}

FIXTURE(fault) {
	int nth;
	char gfp_wait[8], verbose[8];
};

static void read_setting(const char *name, char *buf, size_t len)
{
	char p[128];
	int fd;
	ssize_t r;

	snprintf(p, sizeof(p), FAILSLAB "%s", name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	buf[0] = 0;
	if (fd < 0)
		return;
	r = read(fd, buf, len - 1);
	buf[r > 0 ? r : 0] = 0;
	close(fd);
}

FIXTURE_SETUP(fault)
{
	self->nth = -1;
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
	if (access("/proc/thread-self/fail-nth", F_OK) ||
	    access(FAILSLAB "ignore-gfp-wait", F_OK))
		SKIP(return, "no fail-nth or failslab: kernel without CONFIG_FAULT_INJECTION/CONFIG_FAILSLAB/CONFIG_FAULT_INJECTION_DEBUG_FS (use the debug kernel)");
	read_setting("ignore-gfp-wait", self->gfp_wait, sizeof(self->gfp_wait));
	read_setting("verbose", self->verbose, sizeof(self->verbose));
	/* Fail sleeping allocations too; no stack dump per fault. */
	ASSERT_EQ(0, write_str(FAILSLAB "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_str(FAILSLAB "verbose", "0"));
	self->nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nth);
}

FIXTURE_TEARDOWN(fault)
{
	if (self->nth < 0)
		return;
	close(self->nth);
	if (self->gfp_wait[0])
		write_str(FAILSLAB "ignore-gfp-wait", self->gfp_wait);
	if (self->verbose[0])
		write_str(FAILSLAB "verbose", self->verbose);
}

static int set_nth(int fd, int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%d", n);

	return pwrite(fd, b, len, 0) == len ? 0 : -errno;
}

static int get_nth(int fd)
{
	char b[16] = "";

	return pread(fd, b, sizeof(b) - 1, 0) > 0 ? atoi(b) : -1;
}

TEST_F_TIMEOUT(fault, every_allocation_site_fails_cleanly, 3000)
{
	long injected = 0, absorbed = 0, sites[K_NKINDS] = { 0 };
	char dir[PATH_MAX];
	int k;

	if (self->nth < 0)	/* the setup skipped */
		SKIP(return, "no fault injection");
	for (k = 0; k < K_NKINDS; k++) {
		int n;

		for (n = 1; n <= MAXN; n++) {
			struct farena f;
			struct dsnap s;
			long r;
			int left, d;

			ASSERT_EQ(0, prep(&f, k)) TH_LOG("%s", kind_name[k]);
			if (ds_debugfs_dir(getpid(), 0, dir, sizeof(dir)))
				dir[0] = 0;
			ASSERT_EQ(0, ds_take(f.fd, dir[0] ? dir : NULL, &s));
			ASSERT_EQ(0, set_nth(self->nth, n));
			r = run(&f, k);
			left = get_nth(self->nth);
			ASSERT_EQ(0, set_nth(self->nth, 0));
			if (left) {
				/* Fewer than n allocations: done. */
				ASSERT_EQ(0, r) TH_LOG("%s n=%d", kind_name[k], n);
				ds_free(&s);
				close(f.fd);
				break;
			}
			injected++;
			if (!r) {
				absorbed++;	/* a fallback allocation won */
			} else {
				sites[k]++;
				EXPECT_EQ(-ENOMEM, r)
					TH_LOG("%s n=%d", kind_name[k], n);
				if (k == K_BATCH) {
					/* Ops before the failed one stay done. */
					EXPECT_EQ(1, f.b.failed);
					EXPECT_EQ(-ENOMEM,
						  f.ops[f.b.done - 1].error);
				} else {
					d = ds_differs(f.fd, dir[0] ? dir : NULL,
						       &s);
					EXPECT_EQ(0, d)
						TH_LOG("%s n=%d: arena changed",
						       kind_name[k], n);
				}
			}
			ds_free(&s);
			close(f.fd);
		}
		ASSERT_GE(MAXN, n) TH_LOG("%s never ran out of faults",
					  kind_name[k]);
		printf("# %-20s allocation sites %ld (n up to %d)\n",
		       kind_name[k], sites[k], n - 1);
	}
	printf("# fault sites injected: %ld (%ld absorbed by fallbacks)\n",
	       injected, absorbed);
	/* The allocating kinds did fail somewhere. */
	EXPECT_LT(0, sites[K_NEW]);
	EXPECT_LT(0, sites[K_WEAKREF]);
	EXPECT_LT(0, sites[K_OPEN]);
}

TEST_HARNESS_MAIN
