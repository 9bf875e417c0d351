// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_hostile_debugfs.c - the debugfs half of the hostile-input test:
 * commands the control file must refuse, and reading a file in odd
 * chunks and into bad buffers.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "refgc_hostile.h"

/* Commands that parse_control() must refuse (module/debugfs.c). */
static const char *const bad_commands[] = {
	"collect 3", "collect -1", "collect 1 2", "collect x", "collect 0x1",
	"threshold", "threshold a", "threshold 1 2 3 4", "threshold -1",
	"threshold 4294967296", "debug", "debug bogus", "debug stats,",
	"debug ,", "debug none,stats", "debug stats saveall", "enable 1",
	"disable now", "freeze 0", "unfreeze x", "Enable", "collectx",
	"collect\n\n", "enable\r", "\n", " ", "\t\n", "freeze\nenable",
	"#enable", "0 collect", "",
};

size_t bad_command(struct hctx *h, char *buf, size_t cap)
{
	size_t n, i;

	switch (R(h) % 5) {
	case 0: {
		const char *c = bad_commands[R(h) % ARRAY_SIZE(bad_commands)];

		n = strlen(c);
		memcpy(buf, c, n);
		return n;
	}
	case 1:		/* random bytes, not starting with a command */
		n = 1 + R(h) % 127;
		for (i = 0; i < n; i++)
			buf[i] = R(h);
		buf[0] = "0123456789#!%&*+-./:;<=>?@[]^_{}~"[R(h) % 33];
		return n;
	case 2:		/* a good command with a NUL inside */
		n = snprintf(buf, cap, "collect 0");
		buf[R(h) % n] = 0;
		return n;
	case 3:		/* too long */
		n = 128 + R(h) % (cap - 128);
		memset(buf, ' ', n);
		memcpy(buf, "enable", 6);
		return n;
	default:	/* a good command, then junk after a newline */
		n = snprintf(buf, cap, "disable\n%c", 'a' + (int)(R(h) % 26));
		return n;
	}
}

long read_chunks(struct hctx *h, const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long total = 0;
	uint64_t ptr;
	ssize_t r;

	if (fd < 0)
		return -errno;
	/*
	 * A bad buffer first: EFAULT (or the few bytes before the guard
	 * page, for a straddling one); then start over.
	 */
	ptr = hmem_ptr(&h->m, &h->m.data, bad_kind(R(h), true), 64, R(h),
		       &(char *){ 0 }, &(size_t){ 0 });
	r = read(fd, (void *)(uintptr_t)ptr, 64 + R(h) % 4096);
	if (r >= 64 || (r < 0 && errno != EFAULT)) {
		fprintf(stderr, "# %s: read into a bad buffer: %zd errno %d\n",
			path, r, errno);
		close(fd);
		return -EPROTO;
	}
	lseek(fd, 0, SEEK_SET);
	do {
		size_t want = 1 + R(h) % (R(h) % 2 ? 7 : 4096);

		if (want > cap - total - 1)
			want = cap - total - 1;
		r = read(fd, out + total, want);
		if (r > 0)
			total += r;
	} while (r > 0 && (size_t)total < cap - 1);
	close(fd);
	out[total] = 0;
	return r < 0 ? -errno : total;
}
