/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_fixture.h - the fixture of the object and gc tests: a fresh
 * arena with a container ("node"), an atomic ("blob") and a finalizer
 * ("fin") type, and room for events.  Each test program includes it
 * once, after the harness; the fixture is named RG_FIXTURE ("arena"
 * unless the program defines it first, e.g. "gc"), which names the tests.
 */
#ifndef REFGC_FIXTURE_H
#define REFGC_FIXTURE_H

#ifndef RG_FIXTURE
#define RG_FIXTURE arena
#endif

/* One level more, so that RG_FIXTURE is expanded before it is pasted. */
#define RG_FIXTURE_(name)		FIXTURE(name)
#define RG_FIXTURE_SETUP_(name)		FIXTURE_SETUP(name)
#define RG_FIXTURE_TEARDOWN_(name)	FIXTURE_TEARDOWN(name)

RG_FIXTURE_(RG_FIXTURE) {
	int fd;
	uint32_t tc;	/* container */
	uint32_t ta;	/* atomic */
	uint32_t tf;	/* container with a finalizer */
	struct refgc_event ev[MAXEV];
};

RG_FIXTURE_SETUP_(RG_FIXTURE)
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

RG_FIXTURE_TEARDOWN_(RG_FIXTURE)
{
	if (self->fd >= 0)
		close(self->fd);
}

#endif /* REFGC_FIXTURE_H */
