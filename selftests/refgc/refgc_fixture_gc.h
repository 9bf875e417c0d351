/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_fixture_gc.h - the "gc" fixture: a fresh arena with a container, an atomic and
 * a finalizer type, and room for events.
 * Each test program includes it once, after the harness.
 */
#ifndef REFGC_FIXTURE_GC_H
#define REFGC_FIXTURE_GC_H

FIXTURE(gc) {
	int fd;
	uint32_t tc;	/* container */
	uint32_t ta;	/* atomic */
	uint32_t tf;	/* container with a finalizer */
	struct refgc_event ev[MAXEV];
};

FIXTURE_SETUP(gc)
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

FIXTURE_TEARDOWN(gc)
{
	if (self->fd >= 0)
		close(self->fd);
}

#endif /* REFGC_FIXTURE_GC_H */
