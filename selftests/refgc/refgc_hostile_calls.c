// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_hostile_calls.c - the call generator of the hostile-input test:
 * every REFGC_IOC_* command, unknown commands, read(), readv(), write(),
 * mmap(), lseek() and poll(), each invalid in at least one way, and the
 * check of the errno each returns.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "refgc_hostile.h"

struct hcmd {
	unsigned int cmd;
	const char *name;
	bool ro;	/* may succeed: changes nothing */
};

#define C(c, ro) { REFGC_IOC_##c, #c, ro }
static const struct hcmd cmds[] = {
	C(VERSION, true), C(TYPE_REGISTER, false), C(TYPE_GET, true),
	C(OP, false), C(BATCH, false), C(LIST, true), C(GET_LIMITS, true),
	C(SET_LIMITS, false), C(GET_MEMORY, true), C(ENABLE, false),
	C(DISABLE, false), C(ISENABLED, true), C(COLLECT, false),
	C(GET_COUNT, true), C(GET_THRESHOLD, true), C(SET_THRESHOLD, false),
	C(GET_STATS, true), C(SET_DEBUG, false), C(GET_DEBUG, true),
	C(CLEAR_GARBAGE, false), C(FREEZE, false), C(UNFREEZE, false),
	C(GET_FREEZE_COUNT, true), C(SYNC, true), C(SET_FLAGS, false),
	C(GET_FLAGS, true), C(COLLECT_RESUME, true),
};

/* The content of the command's struct: the errnos it may fail with. */
/* Name bytes that are not printable, or not ASCII. */
static const char bad_name_chars[] = { ' ', 0x7f, (char)0x80, '\t', (char)0xff, 1 };

static uint64_t gen_content(struct hctx *h, unsigned int cmd, void *k,
			    bool need, struct refgc_op **ops, uint32_t *nops)
{
	struct refgc_type *t = k;
	struct refgc_batch *b = k;
	struct refgc_list *l = k;
	struct refgc_limits *lim = k;
	struct refgc_gc_value *v = k;
	struct refgc_collect *c = k;
	struct refgc_threshold *th = k;
	uint64_t allowed = 0;
	uint32_t i;

	switch (cmd) {
	case REFGC_IOC_TYPE_REGISTER:
		snprintf(t->name, sizeof(t->name), "h%" PRIx64, R(h));
		t->flags = R(h) % 4;
		switch (R(h) % 7) {
		case 0:
			t->flags |= 4u << (R(h) % 30);
			break;
		case 1:
			t->id = R(h) | 1;
			break;
		case 2:
			memset(t->name, 0, sizeof(t->name));
			break;
		case 3:
			memset(t->name, 'a' + R(h) % 26, sizeof(t->name));
			break;
		case 4:
			t->name[R(h) % 3] = bad_name_chars[R(h) % 6];
			break;
		case 5:
			t->name[20 + R(h) % 12] = 1 + R(h) % 255;
			break;
		default:
			memset(t->name, 0, sizeof(t->name));
			strcpy(t->name, R(h) % 2 ? "node" : "weakref");
			why(h, "dup-name");
			return E(EEXIST) | E(EINVAL);
		}
		why(h, "bad-type");
		return E(EINVAL);
	case REFGC_IOC_TYPE_GET:
		t->id = 1 + R(h) % (h->ntypes - 1);
		allowed = OK;
		if (R(h) % 2) {
			switch (R(h) % 3) {
			case 0:
				t->flags = R(h) | 1;
				allowed = E(EINVAL);
				break;
			case 1:
				t->name[R(h) % 32] = 1 + R(h) % 255;
				allowed = E(EINVAL);
				break;
			default:
				t->id = R(h) % 2 ? 0 : h->ntypes + R(h) % 5000;
				allowed = E(ENOENT);
			}
			why(h, "bad-type-get");
		}
		return allowed;
	case REFGC_IOC_OP:
		return gen_op(h, k, need);
	case REFGC_IOC_BATCH:
		b->flags = R(h) % 2;
		b->op_size = sizeof(struct refgc_op);
		if (R(h) % 3 == 0)
			b->op_size += R(h) % 3 ? R(h) % 200 :
				      PG - sizeof(struct refgc_op);
		b->done = R(h);
		b->failed = R(h);
		b->count = R(h) % 9;
		if (R(h) % 3 == 0) {
			switch (R(h) % 5) {
			case 0:
				b->flags |= 2u << (R(h) % 31);
				allowed = E(EINVAL);
				break;
			case 1:
				b->reserved = R(h) | 1;
				allowed = E(EINVAL);
				break;
			case 2:
				b->count = h->max_batch + 1 +
					   R(h) % (~0u - h->max_batch);
				allowed = E(E2BIG);
				break;
			case 3:
				b->op_size = R(h) % 2 ? R(h) % 56 :
					     PG + 1 + R(h) % (~0u - PG);
				allowed = E(EINVAL);
				break;
			default: {
				size_t wlen;
				char *wr;

				b->count = 1 + R(h) % 8;
				b->ops = hmem_ptr(&h->m, &h->m.data,
						  bad_kind(R(h), true),
						  b->count * (size_t)b->op_size,
						  R(h), &wr, &wlen);
				/* What is readable is op code 0: EINVAL. */
				if (wr)
					memset(wr, 0, wlen);
				why(h, "batch-bad-ops");
				return E(EFAULT) | E(EINVAL);
			}
			}
			why(h, "batch-bad");
			b->ops = R(h);
			return allowed;
		}
		/* Every op is wrong: nothing may change, even with CONTINUE. */
		*ops = (void *)(h->m.ops.guard - 12 * PG);
		*nops = b->count;
		b->ops = (uintptr_t)*ops;
		allowed = b->count ? 0 : OK;
		for (i = 0; i < b->count; i++) {
			struct refgc_op op;
			char *p = (char *)*ops + (size_t)i * b->op_size;
			uint64_t e = gen_op(h, &op, true);

			memset(p, 0, b->op_size);
			memcpy(p, &op, sizeof(op));
			if (b->op_size > sizeof(op) && R(h) % 4 == 0) {
				p[sizeof(op) + R(h) % (b->op_size - sizeof(op))] = 1;
				e = E(E2BIG);
			}
			/* Without CONTINUE the ioctl fails as the first op. */
			if (!i && !(b->flags & REFGC_BATCH_CONTINUE))
				allowed = e;
		}
		if (b->count && (b->flags & REFGC_BATCH_CONTINUE))
			allowed = OK;
		return allowed;
	case REFGC_IOC_LIST:
		l->what = R(h) % 3;
		l->generation = l->what ? 0 :
			(int32_t)(R(h) % 6) - 2;
		l->capacity = 1 + R(h) % 16;
		l->cursor = R(h) % 2 ? 0 : R(h) % (h->next_id + 10);
		l->addr = addr_ptr(h, 16 * l->capacity, false, true);
		if (R(h) % 2)
			return OK;
		switch (R(h) % 5) {
		case 0:
			l->capacity = 0;
			break;
		case 1:
			l->count = R(h) | 1;
			break;
		case 2:
			l->what = 3 + R(h) % (1ULL << (R(h) % 32));
			break;
		case 3:
			l->generation = l->what ? (int32_t)(R(h) | 1) :
				(R(h) % 2 ? -3 - (int32_t)(R(h) % 1000) :
					    4 + (int32_t)(R(h) % 1000));
			break;
		default:
			l->addr = addr_ptr(h, 16 * l->capacity, true, true);
			why(h, "list-bad-addr");
			return E(EFAULT) | OK;	/* OK: nothing to list */
		}
		why(h, "list-bad");
		return E(EINVAL);
	case REFGC_IOC_SET_LIMITS:
		switch (R(h) % 4) {
		case 0:
			lim->max_objects = h->modmax.max_objects + 1 +
					   R(h) % 1000;
			break;
		case 1:
			lim->max_bytes = h->modmax.max_bytes + 1 + R(h) % 1000;
			break;
		case 2:
			lim->max_payload = h->modmax.max_payload + 1 +
					   R(h) % 1000;
			break;
		default:
			if (R(h) % 2)
				lim->max_objects = 1 + R(h) % (h->nr_objects - 1);
			else
				lim->max_bytes = 1 + R(h) % (h->bytes - 1);
			why(h, "limits-below-usage");
			return E(EBUSY);
		}
		why(h, "limits-above-module");
		return E(EPERM);
	case REFGC_IOC_SET_THRESHOLD:
		for (i = 0; i < 3; i++)
			th->threshold[i] = R(h);
		th->reserved = R(h) | 1;
		why(h, "threshold-reserved");
		return E(EINVAL);
	case REFGC_IOC_SET_DEBUG:
	case REFGC_IOC_SET_FLAGS:
		v->value = R(h) % 64;
		if (R(h) % 2)
			v->reserved = R(h) | 1;
		else
			v->value |= (cmd == REFGC_IOC_SET_DEBUG ?
				     ~REFGC_DEBUG_FLAGS : ~REFGC_ARENA_FLAGS) &
				    (1u << (R(h) % 32) | 1u << 31 | 1u << 6);
		why(h, "value-bad");
		return E(EINVAL);
	case REFGC_IOC_COLLECT_RESUME:
		/* No COLLECT here succeeds: nothing is ever suspended. */
		why(h, "resume-none");
		return E(EINVAL);
	case REFGC_IOC_COLLECT:
		c->generation = R(h) % 3;
		c->collected = R(h);
		if (R(h) % 2)
			c->flags = R(h) | 2;	/* bit 1: never valid */
		else
			c->generation = R(h) % 2 ? -1 - (int32_t)(R(h) % 100) :
						   3 + (int32_t)(R(h) % 100);
		why(h, "collect-bad");
		return E(EINVAL);
	}
	return OK;
}

/* Check a batch that ran, from what it wrote back. */
static int batch_post(struct refgc_batch *b, struct refgc_op *ops,
		      uint32_t n, long r)
{
	uint32_t i;

	if (!n)
		return b->done == 0 && b->failed == 0;
	if (b->flags & REFGC_BATCH_CONTINUE) {
		if (b->done != n || b->failed != n)
			return 0;
		for (i = 0; i < n; i++) {
			struct refgc_op *op = (void *)((char *)ops +
						       (size_t)i * b->op_size);

			if (op->error >= 0)
				return 0;
		}
		return 1;
	}
	return b->done == 1 && b->failed == 1 && ops->error == r;
}

static const char *const cmd_dirs[] = { "none", "W", "R", "RW" };

/* One random ioctl; 0 if its result was allowed, else -1 (reported). */
int hostile_ioctl(struct hctx *h)
{
	const struct hcmd *hc = &cmds[R(h) % ARRAY_SIZE(cmds)];
	unsigned int cmd = hc->cmd, dir = _IOC_DIR(cmd);
	size_t ksize = _IOC_SIZE(cmd), usize = ksize, wlen;
	unsigned char k[512] = { 0 };
	uint64_t allowed = 0, content, uarg;
	enum ptr_kind pk = P_GOOD;
	struct refgc_op *ops = NULL;
	bool tail = false, def = false;
	uint32_t nops = 0;
	char *wr;
	long r;

	h->why[0] = 0;
	if (R(h) % 8 == 0 || (!hc->ro && dir == _IOC_NONE)) {
		/* Same number, another direction: unknown. */
		unsigned int d = (dir + 1 + R(h) % 3) % 4;

		usize = R(h) % 2 ? ksize : R(h) % (1 << _IOC_SIZEBITS);
		cmd = _IOC(d, REFGC_IOC_MAGIC, _IOC_NR(cmd), usize);
		why(h, "wrong-dir");
		allowed = E(ENOTTY);	/* exactly: checked first */
	} else if (ksize && R(h) % 8 == 0) {
		usize = R(h) % ksize;
		cmd = _IOC(dir, REFGC_IOC_MAGIC, _IOC_NR(cmd), usize);
		why(h, "short-size");
		allowed = E(EINVAL);	/* exactly: checked second */
	} else {
		if (ksize && R(h) % 5 == 0) {
			usize = ksize + 1 +
				R(h) % (R(h) % 2 ? 64 : 16383 - ksize);
			tail = R(h) % 2;
			if (tail && (dir & _IOC_WRITE)) {
				allowed |= E(E2BIG);
				def = true;
				why(h, "nonzero-tail");
			}
		}
		cmd = _IOC(dir, REFGC_IOC_MAGIC, _IOC_NR(cmd), usize);
		if (dir != _IOC_NONE && R(h) % 4 == 0) {
			pk = bad_kind(R(h), dir & _IOC_READ);
			allowed |= E(EFAULT);
			/*
			 * copy_struct_from_user() checks the tail first; it
			 * may start past the bad page, in mapped memory.
			 */
			if (usize > ksize && (dir & _IOC_WRITE))
				allowed |= E(E2BIG);
			def = true;
			why(h, "bad-ptr");
		}
		content = dir & _IOC_WRITE ||
			  hc->cmd == REFGC_IOC_COLLECT_RESUME ?
			  gen_content(h, hc->cmd, k, !def, &ops, &nops) : OK;
		allowed = def ? allowed | (content & ~OK) : content;
	}
	uarg = hmem_ptr(&h->m, &h->m.st, pk, usize, R(h), &wr, &wlen);
	if (wr) {
		size_t n = usize < sizeof(k) ? usize : sizeof(k);

		if (usize > ksize && tail && n > ksize)
			k[ksize + R(h) % (n - ksize)] = 1 + R(h) % 255;
		memset(wr, 0, wlen);
		hmem_fill(wr, wlen, k, n);
	}
	h->calls++;
	r = ioctl(h->fd, cmd, (unsigned long)uarg);
	r = r < 0 ? -errno : r;
	if ((r >= 0 && !(allowed & OK)) ||
	    (r < 0 && (-r >= 64 || !(allowed & E(-r))))) {
		fprintf(stderr, "# call %ld: %s cmd %#x (dir %s, size %zu of %zu) ptr %s:",
			h->calls, hc->name, cmd, cmd_dirs[_IOC_DIR(cmd)],
			usize, ksize, ptr_kind_name[pk]);
		fprintf(stderr, " returned %ld; wrong: %s allowed mask %#" PRIx64 "\n",
			r, h->why, allowed);
		return -1;
	}
	/* A batch that ran: check what it wrote back. */
	if (hc->cmd == REFGC_IOC_BATCH && pk == P_GOOD && nops &&
	    r != -ENOTTY && r != -EINVAL && r != -E2BIG &&
	    !batch_post((void *)wr, ops, nops, r)) {
		fprintf(stderr, "# call %ld: batch of %u wrote back wrong done/failed/error (r %ld)\n",
			h->calls, nops, r);
		return -1;
	}
	/* A larger output-only struct comes back with a zeroed tail. */
	if (!r && dir == _IOC_READ && pk == P_GOOD && usize > ksize) {
		size_t i;

		for (i = ksize; i < usize; i++)
			if (wr[i]) {
				fprintf(stderr, "# call %ld: %s: tail byte %zu not zeroed\n",
					h->calls, hc->name, i);
				return -1;
			}
	}
	return 0;
}

/* An ioctl number that is not ours at all, or ours with no such nr. */
int unknown_ioctl(struct hctx *h)
{
	/* Types the VFS (or the tty layer) answers for any file: avoid. */
	static const unsigned char vfs[] = { 0x00, 0x12, 0x54, 0x58, 0x66,
					     0x94, REFGC_IOC_MAGIC };
	unsigned int type, nr, cmd;
	size_t i, wlen;
	uint64_t arg;
	char *wr;
	long r;

	if (R(h) % 2) {
		/* The holes of the table: 0x09-0x1f, and past the last. */
		unsigned int last = 0;

		for (i = 0; i < ARRAY_SIZE(cmds); i++)
			if (_IOC_NR(cmds[i].cmd) > last)
				last = _IOC_NR(cmds[i].cmd);
		type = REFGC_IOC_MAGIC;
		nr = R(h) % 2 ? 0x09 + R(h) % (0x20 - 0x09) :
				last + 1 + R(h) % (0x100 - last - 1);
	} else {
		do {
			type = R(h) % 256;
			for (i = 0; i < sizeof(vfs) && vfs[i] != type; i++)
				;
		} while (i < sizeof(vfs));
		nr = R(h) % 256;
	}
	cmd = _IOC(R(h) % 4, type, nr, R(h) % (1 << _IOC_SIZEBITS));
	h->calls++;
	arg = hmem_ptr(&h->m, &h->m.st, R(h) % P_NKINDS, _IOC_SIZE(cmd),
		       R(h), &wr, &wlen);
	r = ioctl(h->fd, cmd, (unsigned long)arg);
	if (r != -1 || errno != ENOTTY) {
		fprintf(stderr, "# call %ld: unknown cmd %#x returned %ld errno %d\n",
			h->calls, cmd, r, errno);
		return -1;
	}
	return 0;
}

/* read()/pread()/readv() that must fail, write(), mmap(), lseek(), poll(). */
int hostile_file(struct hctx *h)
{
	size_t ev = sizeof(struct refgc_event), len, wlen;
	uint64_t allowed = E(EINVAL) | E(EFAULT);
	int kind = R(h) % 7;
	struct iovec iov[2];
	char *wr;
	void *p;
	long r;

	if (R(h) % 2) {
		len = 1 + R(h) % (ev - 1);	/* shorter than a record */
		p = (void *)(uintptr_t)hmem_ptr(&h->m, &h->m.data,
						R(h) % P_NKINDS, len, R(h),
						&wr, &wlen);
	} else {
		len = ev + R(h) % (2 * PG);
		if (R(h) % 8 == 0)
			len = R(h) % 2 ? ~(size_t)0 : (1UL << 47) + R(h) % PG;
		p = (void *)(uintptr_t)hmem_ptr(&h->m, &h->m.data,
						bad_kind(R(h), true),
						ev, R(h), &wr, &wlen);
	}
	h->calls++;
	switch (kind) {
	case 0:
	case 1:
		r = read(h->fd, p, len);
		break;
	case 2:
		r = pread(h->fd, p, len, R(h) % 2 ? -1 - (long)(R(h) % 100) :
						     (long)(R(h) % 4096));
		break;
	case 3:
		iov[0].iov_base = p;
		iov[0].iov_len = len;
		iov[1] = iov[0];
		if (R(h) % 3 == 0)
			r = readv(h->fd, (void *)(uintptr_t)
				  hmem_ptr(&h->m, &h->m.data,
					   bad_kind(R(h), false), sizeof(iov),
					   R(h), &wr, &wlen), 2);
		else
			r = readv(h->fd, iov, R(h) % 2 ? 2 : 1025 + R(h) % 9);
		break;
	case 4:
		r = write(h->fd, p, len);
		allowed = E(EINVAL);	/* no write(): EINVAL before EFAULT */
		break;
	case 5:
		p = mmap(NULL, PG, R(h) % 2 ? PROT_READ : PROT_WRITE,
			 R(h) % 2 ? MAP_SHARED : MAP_PRIVATE, h->fd, 0);
		r = p == MAP_FAILED ? -1 : 0;
		allowed = E(ENODEV);
		break;
	default: {
		struct pollfd pf = { .fd = h->fd, .events = R(h) };

		/* noop_llseek: the position stays 0; bad whence: EINVAL. */
		r = lseek(h->fd, R(h) % 2 ? (long)R(h) : 0, R(h) % 8);
		if (r > 0 || (r < 0 && errno != EINVAL)) {
			fprintf(stderr, "# call %ld: lseek returned %ld\n",
				h->calls, r);
			return -1;
		}
		pf.events |= POLLIN;
		r = poll(&pf, 1, 0);
		if (r != 1 || !(pf.revents & POLLIN)) {
			fprintf(stderr, "# call %ld: poll %ld revents %#x\n",
				h->calls, r, pf.revents);
			return -1;
		}
		return 0;
	}
	}
	if (r >= 0 || errno >= 64 || !(allowed & E(errno))) {
		fprintf(stderr, "# call %ld: file op %d len %zu ptr %p: returned %ld errno %d\n",
			h->calls, kind, len, p, r, errno);
		return -1;
	}
	return 0;
}
