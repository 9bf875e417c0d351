/* SPDX-License-Identifier: GPL-2.0 */
/*
 * out.h - the result writer: one JSON object per command on one line in
 * --json mode; in text mode, top-level scalars as "key: value" lines and
 * nothing else (commands print their own tables).
 */
#ifndef _REFGCCTL_OUT_H
#define _REFGCCTL_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

#define OUT_MAX_DEPTH	16

/**
 * struct out - where command results go
 * @json: --json mode.
 * @mute: write nothing at all (commands inside `repeat`).
 * @f: the stream (stdout).
 * @sb: the JSON line being built.
 * @depth: nesting: 0 outside a result, 1 in the top-level object.
 * @first: per depth, whether the next member is the first.
 * @custom: text mode: the command prints its own text, so top-level
 *	scalars are not printed (reset by out_begin()).
 * @in: the body running ("T.__del__"), or NULL: JSON results get an
 *	"in" member, and failures "ignored": true.
 */
struct out {
	bool json;
	bool mute;
	FILE *f;
	struct strbuf sb;
	int depth;
	bool first[OUT_MAX_DEPTH];
	bool custom;
	const char *in;
};

void out_begin(struct out *o, const char *cmd, int line);
void out_end(struct out *o);
void out_fail(struct out *o, const char *cmd, int line, int err,
	      const char *msg);
void out_u64(struct out *o, const char *key, uint64_t v);
void out_i64(struct out *o, const char *key, int64_t v);
void out_bool(struct out *o, const char *key, bool v);
void out_str(struct out *o, const char *key, const char *s);
void out_null(struct out *o, const char *key);
void out_arr_begin(struct out *o, const char *key);
void out_arr_end(struct out *o);
void out_obj_begin(struct out *o, const char *key);
void out_obj_end(struct out *o);
bool out_text(const struct out *o);
void json_fail(const char *cmd, int err, const char *msg);
void cmd_fail(bool json, const char *cmd, int err, const char *msg);
void cmd_error(bool json, const char *cmd, int err, const char *what);

#endif /* _REFGCCTL_OUT_H */
