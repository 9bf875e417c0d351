/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refgc_util.h - small helpers shared by the refgc kselftests: open an
 * arena, and one-line wrappers that return 0 or -errno (never print).
 */
#ifndef REFGC_UTIL_H
#define REFGC_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/refgc.h>

#define REFGC_DEV "/dev/refgc"

static inline int rg_open(void)
{
	return open(REFGC_DEV, O_RDWR | O_CLOEXEC);
}

/* ioctl returning its value, or -errno. */
static inline long rg_ioctl(int fd, unsigned long cmd, void *arg)
{
	long r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

static inline int rg_type(int fd, const char *name, uint32_t flags,
			  uint32_t *id)
{
	struct refgc_type t = { .flags = flags };
	long r;

	strncpy(t.name, name, sizeof(t.name) - 1);
	r = rg_ioctl(fd, REFGC_IOC_TYPE_REGISTER, &t);
	if (!r && id)
		*id = t.id;
	return r;
}

/* Run one op; on success *result (if given) gets op.result. */
static inline int rg_op(int fd, uint32_t code, uint64_t id, uint64_t arg,
			uint64_t arg2, uint64_t addr, uint64_t *result)
{
	struct refgc_op op = { .op = code, .id = id, .arg = arg,
			       .arg2 = arg2, .addr = addr };
	long r = rg_ioctl(fd, REFGC_IOC_OP, &op);

	if (!r && result)
		*result = op.result;
	return r;
}

static inline int rg_new(int fd, uint32_t type, uint64_t bytes, uint64_t *id)
{
	return rg_op(fd, REFGC_OP_NEW, 0, type, bytes, 0, id);
}

static inline int rg_incref(int fd, uint64_t id)
{
	return rg_op(fd, REFGC_OP_INCREF, id, 0, 0, 0, NULL);
}

static inline int rg_decref(int fd, uint64_t id)
{
	return rg_op(fd, REFGC_OP_DECREF, id, 0, 0, 0, NULL);
}

static inline int rg_link(int fd, uint64_t src, uint64_t dst)
{
	return rg_op(fd, REFGC_OP_LINK, src, dst, 0, 0, NULL);
}

static inline int rg_info(int fd, uint64_t id, struct refgc_info *info)
{
	return rg_op(fd, REFGC_OP_GET_INFO, id, 0, sizeof(*info),
		     (uintptr_t)info, NULL);
}

static inline int rg_memory(int fd, struct refgc_memory *m)
{
	return rg_ioctl(fd, REFGC_IOC_GET_MEMORY, m);
}

/* gc.collect(gen): returns collected + uncollectable, or -errno. */
static inline long rg_collect(int fd, int gen, struct refgc_collect *out)
{
	struct refgc_collect c = { .generation = gen };
	long r = rg_ioctl(fd, REFGC_IOC_COLLECT, &c);

	if (out)
		*out = c;
	return r;
}

/* Active objects of the refgc_object slab, from /proc/slabinfo, or -1. */
static inline long rg_slab_active(void)
{
	char line[512];
	long active = -1;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "refgc_object ", 13)) {
			if (sscanf(line + 13, "%ld", &active) != 1)
				active = -1;
			break;
		}
	fclose(f);
	return active;
}

#endif /* REFGC_UTIL_H */
