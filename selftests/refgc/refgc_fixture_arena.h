/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_fixture_arena.h - the "arena" fixture: a fresh arena with a container, an atomic
 * and a finalizer type.
 * Each test program includes it once, after the harness.
 */
#ifndef REFGC_FIXTURE_ARENA_H
#define REFGC_FIXTURE_ARENA_H

FIXTURE(arena) {
	int fd;
	uint32_t tc;	/* container */
	uint32_t ta;	/* atomic */
	uint32_t tf;	/* finalizer */
};

FIXTURE_SETUP(arena)
{
	self->fd = -1;
	if (access(REFGC_DEV, F_OK))
		SKIP(return, "%s not present (refgc.ko not loaded)", REFGC_DEV);
	self->fd = rg_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, rg_type(self->fd, "node", REFGC_TYPE_CONTAINER,
			     &self->tc));
	ASSERT_EQ(0, rg_type(self->fd, "blob", REFGC_TYPE_ATOMIC, &self->ta));
	ASSERT_EQ(0, rg_type(self->fd, "fin", REFGC_TYPE_FINALIZER,
			     &self->tf));
}

FIXTURE_TEARDOWN(arena)
{
	if (self->fd >= 0)
		close(self->fd);
}

#endif /* REFGC_FIXTURE_ARENA_H */
