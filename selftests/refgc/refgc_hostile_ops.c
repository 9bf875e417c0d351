// SPDX-License-Identifier: GPL-2.0
/*
 * refgc_hostile_ops.c - the refgc_op generator of the hostile-input
 * test: a random op of any code, with one or two things wrong with it,
 * and the errnos that those may cause; and the generator's randomness.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "refgc_hostile.h"

uint64_t R(struct hctx *h)
{
	return rg_rand(&h->seed);
}

void why(struct hctx *h, const char *s)
{
	size_t n = strlen(h->why);

	snprintf(h->why + n, sizeof(h->why) - n, "%s ", s);
}

static uint64_t bad_id(struct hctx *h)
{
	switch (R(h) % 6) {
	case 0:
		return 0;
	case 1:
		return h->foreign[R(h) % 3];
	case 2:
		return h->dead;
	case 3:
		return ~0ULL - R(h) % 4;
	case 4:
		return 1ULL << (32 + R(h) % 32);
	default:
		return h->next_id + (1ULL << 40) + R(h) % 1000000;
	}
}

static uint64_t live_id(struct hctx *h)
{
	return h->live[R(h) % h->nlive];
}

uint64_t addr_ptr(struct hctx *h, size_t size, bool bad, bool kernel_writes)
{
	enum ptr_kind k = bad ? bad_kind(R(h), kernel_writes) : P_GOOD;
	size_t wlen;
	char *wr;

	return hmem_ptr(&h->m, &h->m.data, k, size, R(h), &wr, &wlen);
}

/* Bits of struct refgc_op an op code reads (as module/object.c). */
enum { F_ID = 1, F_ARG = 2, F_ARG2 = 4, F_ADDR = 8 };
static const uint8_t op_fields[REFGC_OP_MAX] = {
	[REFGC_OP_NEW] = F_ARG | F_ARG2,
	[REFGC_OP_INCREF] = F_ID, [REFGC_OP_DECREF] = F_ID,
	[REFGC_OP_LINK] = F_ID | F_ARG, [REFGC_OP_UNLINK] = F_ID | F_ARG,
	[REFGC_OP_REMOVE] = F_ID | F_ARG,
	[REFGC_OP_SET] = F_ID | F_ARG | F_ARG2, [REFGC_OP_CLEAR] = F_ID,
	[REFGC_OP_GET_SLOTS] = F_ID | F_ARG2 | F_ADDR,
	[REFGC_OP_READ] = F_ID | F_ARG | F_ARG2 | F_ADDR,
	[REFGC_OP_WRITE] = F_ID | F_ARG | F_ARG2 | F_ADDR,
	[REFGC_OP_GET_INFO] = F_ID | F_ARG2 | F_ADDR,
	[REFGC_OP_WEAKREF_NEW] = F_ID | F_ARG,
	[REFGC_OP_WEAKREF_GET] = F_ID, [REFGC_OP_WEAKREF_DROP] = F_ID,
	[REFGC_OP_GET_REFERRERS] = F_ID | F_ARG2 | F_ADDR,
};

static bool op_is_ro(uint32_t code)
{
	return code == REFGC_OP_GET_SLOTS || code == REFGC_OP_READ ||
	       code == REFGC_OP_GET_INFO || code == REFGC_OP_GET_REFERRERS;
}

uint64_t gen_op(struct hctx *h, struct refgc_op *op, bool need)
{
	uint32_t code = 1 + R(h) % (REFGC_OP_MAX - 1);
	uint64_t allowed = 0;
	int ndef, i, tries;

	memset(op, 0, sizeof(*op));
	op->result = R(h);		/* outputs: ignored on input */
	op->error = R(h);
	if (R(h) % 16 == 0) {
		op->op = R(h) % 2 ? 0 : REFGC_OP_MAX + R(h) % 3;
		if (R(h) % 8 == 0)
			op->op = ~0u - R(h) % 4;
		why(h, "bad-opcode");
		return E(EINVAL);
	}
	op->op = code;
	switch (code) {
	case REFGC_OP_NEW:
		op->arg = R(h) % 3 == 0 ? h->tc : R(h) % 2 ? h->ta : h->tf;
		op->arg2 = R(h) % 64;
		break;
	case REFGC_OP_INCREF:
		op->id = live_id(h);
		break;
	case REFGC_OP_DECREF:
	case REFGC_OP_WEAKREF_NEW:
		op->id = h->c1;
		op->arg = code == REFGC_OP_WEAKREF_NEW ? R(h) : 0;
		op->flags = code == REFGC_OP_WEAKREF_NEW ? R(h) % 2 : 0;
		break;
	case REFGC_OP_LINK:
	case REFGC_OP_SET:
		op->id = h->c1;
		op->arg = h->a1;
		break;
	case REFGC_OP_UNLINK:
		op->id = h->c1;
		break;
	case REFGC_OP_REMOVE:
		op->id = h->c1;
		op->arg = h->c2;
		break;
	case REFGC_OP_CLEAR:
		op->id = h->c2;
		break;
	case REFGC_OP_GET_SLOTS:
	case REFGC_OP_GET_REFERRERS:
		op->id = live_id(h);
		op->arg2 = R(h) % 8;
		op->addr = addr_ptr(h, 64, false, true);
		break;
	case REFGC_OP_READ:
	case REFGC_OP_WRITE:
		op->id = h->a1;
		op->arg = R(h) % 50;
		op->arg2 = 1 + R(h) % 50;
		op->addr = addr_ptr(h, op->arg2, false, true);
		break;
	case REFGC_OP_GET_INFO:
		op->id = live_id(h);
		op->arg2 = sizeof(struct refgc_info) + R(h) % 200;
		op->addr = addr_ptr(h, op->arg2, false, true);
		break;
	case REFGC_OP_WEAKREF_GET:
	case REFGC_OP_WEAKREF_DROP:
		op->id = h->w1;
		break;
	}
	ndef = need || !op_is_ro(code) ? 1 + R(h) % 2 : (int)(R(h) % 2);
	for (i = 0; i < ndef; i++) {
		for (tries = 0; tries < 100; tries++) {
			uint64_t e = 0;

			switch (R(h) % 12) {
			case 0:
				op->flags |= 1u << (R(h) % 32);
				if (code == REFGC_OP_WEAKREF_NEW)
					op->flags |= 2u << (R(h) % 31);
				e = E(EINVAL);
				why(h, "op-flags");
				break;
			case 1:
				op->reserved = R(h) | 1;
				e = E(EINVAL);
				why(h, "op-reserved");
				break;
			case 2: {
				int f = 1 << (R(h) % 4);

				if (op_fields[code] & f)
					break;
				if (f == F_ID)
					op->id = R(h) | 1;
				else if (f == F_ARG)
					op->arg = R(h) | 1;
				else if (f == F_ARG2)
					op->arg2 = R(h) | 1;
				else
					op->addr = R(h) | 1;
				e = E(EINVAL);
				why(h, "op-unused-field");
				break;
			}
			case 3:
				if (!(op_fields[code] & F_ID))
					break;
				op->id = bad_id(h);
				e = E(ENOENT);
				why(h, "op-bad-id");
				break;
			case 4:
				if (code == REFGC_OP_LINK ||
				    code == REFGC_OP_REMOVE ||
				    code == REFGC_OP_SET) {
					op->arg = bad_id(h);
					e = E(ENOENT);
				} else if (code == REFGC_OP_NEW) {
					op->arg = R(h) % 2 ? 0 : h->ntypes +
						  R(h) % 100000;
					e = E(ENOENT);
					if (R(h) % 3 == 0) {
						op->arg = REFGC_TYPE_WEAKREF_ID;
						e = E(EINVAL);
					}
				}
				why(h, "op-bad-arg");
				break;
			case 5:
				if (code != REFGC_OP_NEW)
					break;
				op->arg2 = h->lim.max_payload + 1 +
					   R(h) % (1ULL << (R(h) % 64));
				if (op->arg2 <= h->lim.max_payload)
					op->arg2 = ~0ULL;
				e = E(EFBIG);
				why(h, "op-efbig");
				break;
			case 6:
				if (code < REFGC_OP_LINK ||
				    code > REFGC_OP_CLEAR)
					break;
				op->id = R(h) % 2 ? h->a1 : h->w1;
				e = E(EINVAL);
				why(h, "op-not-container");
				break;
			case 7:
				if (code == REFGC_OP_UNLINK)
					op->arg = 2 + R(h) % (1ULL << (R(h) % 64));
				else if (code == REFGC_OP_SET)
					op->arg2 = 2 + R(h) % (1ULL << (R(h) % 64));
				else if (code == REFGC_OP_REMOVE)
					op->arg = h->c4;
				else if (code == REFGC_OP_DECREF)
					op->id = h->c3;
				else
					break;
				e = code == REFGC_OP_REMOVE ? E(ENOENT) :
							      E(EINVAL);
				why(h, "op-bad-index-or-state");
				break;
			case 8:
				if (code != REFGC_OP_READ &&
				    code != REFGC_OP_WRITE)
					break;
				if (R(h) % 2)
					op->arg = 101 + R(h) % (1ULL << (R(h) % 64));
				else
					op->arg2 = ~0ULL - R(h) % 200;
				if (op->arg < 101 && op->arg2 <= 100 - op->arg)
					op->arg2 = 101;
				e = E(EINVAL);
				why(h, "op-range");
				break;
			case 9:
				if (!(op_fields[code] & F_ADDR))
					break;
				op->addr = addr_ptr(h, op->arg2 ? op->arg2 : 1,
						    true,
						    code != REFGC_OP_WRITE);
				e = E(EFAULT);
				/* Nothing to copy (no slots, say): success. */
				if (code == REFGC_OP_GET_SLOTS ||
				    code == REFGC_OP_GET_REFERRERS)
					e |= OK;
				why(h, "op-bad-addr");
				break;
			case 10:
				if (code != REFGC_OP_GET_INFO)
					break;
				op->arg2 = R(h) % 2 ? R(h) % sizeof(struct refgc_info) :
					   PG + 1 + R(h) % (1ULL << (R(h) % 64));
				if (op->arg2 <= PG)
					op->arg2 = ~0ULL;
				e = E(EINVAL);
				why(h, "op-info-size");
				break;
			case 11:
				if (code == REFGC_OP_WEAKREF_GET && R(h) % 2) {
					op->id = h->wdead;
					e = E(ENOENT);
				} else if (code == REFGC_OP_WEAKREF_GET ||
					   code == REFGC_OP_WEAKREF_DROP) {
					op->id = h->c1;
					e = E(EINVAL);
				} else {
					break;
				}
				why(h, "op-weakref-kind");
				break;
			}
			if (e) {
				allowed |= e;
				break;
			}
		}
	}
	if (!allowed)
		allowed = OK;
	/* A mutating op (or one the caller needs) must fail somehow. */
	if ((need || !op_is_ro(code)) && (allowed & OK)) {
		op->reserved = 1;
		allowed = E(EINVAL);
	}
	return allowed;
}
