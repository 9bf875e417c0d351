// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_audit.c - the whole-arena consistency check and drain
 * (declared in refgc_audit.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "refgc_audit.h"

int rg_audit_fail(struct rg_audit *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->err, sizeof(a->err), fmt, ap);
	va_end(ap);
	return -1;
}

long rg_find_id(const uint64_t *ids, long n, uint64_t id)
{
	long lo = 0, hi = n - 1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * The arena behind @fd (its debugfs directory name) and the bytes it
 * counts outside its objects, from /proc/self/fdinfo: 0, or -1.
 */
int rg_fdinfo(int fd, unsigned long long *arena, uint64_t *reserved)
{
	char path[64], line[256];
	int got = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "refgc-arena: %llu", &v) == 1) {
			*arena = v;
			got |= 1;
		} else if (sscanf(line, "refgc-reserved-bytes: %llu", &v) == 1) {
			*reserved = v;
			got |= 2;
		}
	}
	fclose(f);
	return got == 3 ? 0 : -1;
}

/* Ids are per arena: the arena is found through fdinfo, not by an id. */
long rg_debugfs_bytes(int fd)
{
	char path[512], line[512];
	unsigned long long arena;
	uint64_t reserved;
	long sum = 0;
	FILE *f;

	if (rg_fdinfo(fd, &arena, &reserved))
		return -1;
	snprintf(path, sizeof(path), RG_DEBUGFS "/arenas/%llu/objects", arena);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *last = strrchr(line, ' ');

		if (line[0] == '#' || !last)
			continue;
		sum += strtol(last + 1, NULL, 10);
	}
	fclose(f);
	return sum + reserved;
}

int rg_audit(int fd, struct rg_audit *a)
{
	uint64_t *ids = NULL, *in = NULL, *slots = NULL;
	long n, i, j, cap = 0;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	a->debugfs_bytes = -1;
	if (rg_sync(fd) || rg_memory(fd, &a->m))
		return rg_audit_fail(a, "sync/memory failed");
	n = rg_list_ids(fd, &ids);
	if (n < 0)
		return rg_audit_fail(a, "list: %ld", n);
	a->objects = n;
	if (n != (long)a->m.objects) {
		rg_audit_fail(a, "listed %ld objects, memory says %llu", n,
			      (unsigned long long)a->m.objects);
		goto out;
	}
	in = calloc(n + 1, sizeof(*in));
	if (!in)
		goto out;
	/* Incoming slots of every object. */
	for (i = 0; i < n; i++) {
		long k = rg_slots(fd, ids[i], slots, cap);

		if (k > cap) {
			free(slots);
			cap = k * 2;
			slots = malloc(cap * sizeof(*slots));
			if (!slots)
				goto out;
			k = rg_slots(fd, ids[i], slots, cap);
		}
		if (k < 0) {
			rg_audit_fail(a, "slots of %llu: %ld",
				      (unsigned long long)ids[i], k);
			goto out;
		}
		a->slots += k;
		for (j = 0; j < k; j++) {
			long t = rg_find_id(ids, n, slots[j]);

			if (t < 0) {
				rg_audit_fail(a, "slot %ld of %llu -> %llu: not live",
					      j, (unsigned long long)ids[i],
					      (unsigned long long)slots[j]);
				goto out;
			}
			in[t]++;
		}
	}
	for (i = 0; i < n; i++) {
		struct refgc_info info;
		uint64_t want;

		if (rg_info(fd, ids[i], &info)) {
			rg_audit_fail(a, "info %llu", (unsigned long long)ids[i]);
			goto out;
		}
		want = info.handles + in[i] +
		       !!(info.flags & REFGC_INFO_GARBAGE) +
		       !!(info.flags & REFGC_INFO_PENDING);
		if (info.refcount != want) {
			rg_audit_fail(a, "object %llu: refcount %llu, handles %llu + slots in %llu, flags %#x",
				      (unsigned long long)ids[i],
				      (unsigned long long)info.refcount,
				      (unsigned long long)info.handles,
				      (unsigned long long)in[i], info.flags);
			goto out;
		}
		a->handles += info.handles;
		a->payload += info.payload_size;
		a->weakrefs += !!(info.flags & REFGC_INFO_WEAKREF);
	}
	if (a->slots != a->m.slots || a->payload != a->m.payload_bytes) {
		rg_audit_fail(a, "slots %llu/%llu, payload %llu/%llu (counted/memory)",
			      (unsigned long long)a->slots,
			      (unsigned long long)a->m.slots,
			      (unsigned long long)a->payload,
			      (unsigned long long)a->m.payload_bytes);
		goto out;
	}
	if (n) {
		a->debugfs_bytes = rg_debugfs_bytes(fd);
		if (a->debugfs_bytes >= 0 &&
		    a->debugfs_bytes != (long)a->m.bytes) {
			rg_audit_fail(a, "bytes: memory %llu, debugfs objects sum + reserved %ld",
				      (unsigned long long)a->m.bytes,
				      a->debugfs_bytes);
			goto out;
		}
	} else if (a->m.bytes || a->m.slots || a->m.payload_bytes) {
		rg_audit_fail(a, "empty arena charged %llu bytes",
			      (unsigned long long)a->m.bytes);
		goto out;
	}
	ret = 0;
out:
	if (ret && !a->err[0])
		rg_audit_fail(a, "out of memory");
	free(ids);
	free(in);
	free(slots);
	return ret;
}

int rg_drain_all(int fd, struct rg_audit *a)
{
	struct refgc_event ev[64];
	uint64_t *ids = NULL;
	long n, i, k, round;

	memset(a, 0, sizeof(*a));
	for (round = 0; round < 8; round++) {
		while ((k = rg_events(fd, ev, 64)) > 0)
			for (i = 0; i < k; i++)
				if (ev[i].type == REFGC_EV_FINALIZE &&
				    rg_decref(fd, ev[i].id))
					return rg_audit_fail(a, "finalize decref");
		if (rg_ioctl(fd, REFGC_IOC_CLEAR_GARBAGE, NULL) < 0)
			return rg_audit_fail(a, "clear garbage");
		n = rg_list_ids(fd, &ids);
		if (n < 0)
			return rg_audit_fail(a, "list %ld", n);
		for (i = 0; i < n; i++) {
			struct refgc_info info;

			if (rg_info(fd, ids[i], &info))
				continue;	/* died with an earlier drop */
			while (info.handles--)
				if (rg_decref(fd, ids[i])) {
					free(ids);
					return rg_audit_fail(a, "decref %llu",
						(unsigned long long)ids[i]);
				}
		}
		free(ids);
		if (rg_collect(fd, 2, NULL) < 0 || rg_memory(fd, &a->m))
			return rg_audit_fail(a, "collect");
		if (!a->m.objects)
			break;
	}
	if (a->m.objects || a->m.bytes || a->m.slots || a->m.payload_bytes)
		return rg_audit_fail(a, "left: %llu objects, %llu bytes",
				     (unsigned long long)a->m.objects,
				     (unsigned long long)a->m.bytes);
	return 0;
}
