// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_limits_test.c - per-arena limits: EFBIG past max_payload,
 * ENOSPC past max_objects, ENOMEM past max_bytes (slot arrays and
 * weakrefs included), and what SET_LIMITS accepts and refuses.
 */
#define _GNU_SOURCE

#include "../kselftest_harness.h"
#include "refgc_test_common.h"

#include "refgc_fixture.h"

TEST_F(arena, limits_payload_efbig)
{
	struct refgc_limits l0 = get_limits(self->fd), l;
	uint64_t x, r;
	struct snap s;

	ASSERT_LT(0, l0.max_payload);
	ASSERT_EQ(0, set_limits(self->fd, 0, 0, 100));
	l = get_limits(self->fd);
	EXPECT_EQ(100, l.max_payload);
	EXPECT_EQ(l0.max_objects, l.max_objects);	/* 0 keeps */
	EXPECT_EQ(l0.max_bytes, l.max_bytes);

	x = NEW(self->fd, self->tc, 100);
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-EFBIG, rg_new(self->fd, self->tc, 101, NULL));
	ASSERT_EQ(-EFBIG, rg_new(self->fd, self->ta, ~0ULL, NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	/* The arena is intact and usable. */
	ASSERT_EQ(0, rg_pwrite(self->fd, x, 99, 1, "!"));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 1, &r));
	/* Raising it back up to the module's limit is allowed. */
	ASSERT_EQ(0, set_limits(self->fd, 0, 0, l0.max_payload));
	ASSERT_EQ(0, rg_new(self->fd, self->tc, 4096, NULL));
}

TEST_F(arena, limits_objects_enospc)
{
	uint64_t a, b, c, w;
	struct snap s;

	a = NEW(self->fd, self->tc, 0);
	b = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, set_limits(self->fd, 3, 0, 0));
	c = NEW(self->fd, self->tc, 0);
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-ENOSPC, rg_new(self->fd, self->tc, 0, NULL));
	ASSERT_EQ(-ENOSPC, rg_new(self->fd, self->ta, 0, NULL));
	ASSERT_EQ(-ENOSPC, rg_weakref(self->fd, a, 1, 0, NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	/* Everything else still works, and freeing makes room. */
	ASSERT_EQ(0, rg_link(self->fd, a, b));
	ASSERT_EQ(0, rg_link(self->fd, b, c));
	ASSERT_EQ(0, rg_decref(self->fd, c));
	ASSERT_EQ(0, rg_unlink(self->fd, b, 0, NULL));
	ASSERT_EQ(0, rg_weakref(self->fd, a, 1, 0, &w));
	EXPECT_EQ(REFGC_INFO_WEAKREF | REFGC_INFO_TRACKED,
		  INFO(self->fd, w).flags);
	ASSERT_EQ(-ENOSPC, rg_new(self->fd, self->tc, 0, NULL));
}

TEST_F(arena, limits_bytes_enomem)
{
	struct refgc_memory m;
	uint64_t a, b, per, pay;
	struct snap s;

	a = NEW(self->fd, self->tc, 0);
	m = MEMORY(self->fd);
	per = m.bytes;			/* what one empty object costs */
	ASSERT_LT(0, per);
	pay = PAYLOAD_OVERHEAD(self->fd, self->ta);
	/* Room for exactly one more object and 10 payload bytes. */
	ASSERT_EQ(0, set_limits(self->fd, 0, 2 * per + pay + 10, 0));
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-ENOMEM, rg_new(self->fd, self->tc, 11, NULL));
	ASSERT_EQ(-ENOMEM, rg_new(self->fd, self->ta, 1 << 20, NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	b = NEW(self->fd, self->ta, 10);
	EXPECT_EQ(2 * per + pay + 10, MEMORY(self->fd).bytes);
	ASSERT_EQ(-ENOMEM, rg_new(self->fd, self->ta, 0, NULL));
	/* Two references fit in the object, at no cost... */
	ASSERT_EQ(0, rg_link(self->fd, a, b));
	ASSERT_EQ(0, rg_link(self->fd, a, b));
	EXPECT_EQ(2 * per + pay + 10, MEMORY(self->fd).bytes);
	/* ...the third needs a slot array, which needs bytes. */
	ASSERT_EQ(0, take_snap(self->fd, &s));
	ASSERT_EQ(-ENOMEM, rg_link(self->fd, a, b));
	ASSERT_EQ(-ENOMEM, rg_weakref(self->fd, a, 0, 0, NULL));
	EXPECT_EQ(0, snap_differs(self->fd, &s));
	/* b's bytes back: room for the array. */
	ASSERT_EQ(0, rg_clear(self->fd, a, NULL));
	ASSERT_EQ(0, rg_decref(self->fd, b));
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, rg_link(self->fd, a, a));
	EXPECT_EQ(3, INFO(self->fd, a).slots);
	EXPECT_LT(per, MEMORY(self->fd).bytes);
}

TEST_F(arena, set_limits_errors)
{
	struct refgc_limits l0 = get_limits(self->fd), l;
	struct refgc_memory m;
	int i;

	ASSERT_EQ(-EPERM, set_limits(self->fd, l0.max_objects + 1, 0, 0));
	ASSERT_EQ(-EPERM, set_limits(self->fd, 0, l0.max_bytes + 1, 0));
	ASSERT_EQ(-EPERM, set_limits(self->fd, 0, 0, l0.max_payload + 1));
	l = get_limits(self->fd);
	EXPECT_EQ(0, memcmp(&l0, &l, sizeof(l)));

	for (i = 0; i < 3; i++)
		NEW(self->fd, self->tc, 100);
	m = MEMORY(self->fd);
	ASSERT_EQ(-EBUSY, set_limits(self->fd, 2, 0, 0));
	ASSERT_EQ(-EBUSY, set_limits(self->fd, 0, m.bytes - 1, 0));
	/* A failed SET changes no limit, even the valid parts of it. */
	ASSERT_EQ(-EBUSY, set_limits(self->fd, 2, 0, 50));
	l = get_limits(self->fd);
	EXPECT_EQ(0, memcmp(&l0, &l, sizeof(l)));
	/* At the current usage exactly is fine. */
	ASSERT_EQ(0, set_limits(self->fd, 3, m.bytes, 0));
	l = get_limits(self->fd);
	EXPECT_EQ(3, l.max_objects);
	EXPECT_EQ(m.bytes, l.max_bytes);
	/* And back up to the module's limits. */
	ASSERT_EQ(0, set_limits(self->fd, l0.max_objects, l0.max_bytes, 0));
	l = get_limits(self->fd);
	EXPECT_EQ(0, memcmp(&l0, &l, sizeof(l)));
	/* Limits are per arena. */
	ASSERT_EQ(0, set_limits(self->fd, 5, 0, 0));
	i = rg_open();
	ASSERT_LE(0, i);
	l = get_limits(i);
	EXPECT_EQ(l0.max_objects, l.max_objects);
	close(i);
}

TEST_HARNESS_MAIN
