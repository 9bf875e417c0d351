/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debugfs.h - what debugfs.c gives arenas.c: refgc's debugfs files of an
 * arena, their failures reported, and its stats file parsed.
 */
#ifndef _REFGCCTL_DEBUGFS_H
#define _REFGCCTL_DEBUGFS_H

#include "ctl.h"

#define ARENA_NSTAT		16	/* stat_keys[] */
#define ARENA_NGEN_KEYS		11	/* gen_keys[] */
#define GEN_COLLECTED		4	/* gen_keys[]: "collected" */
#define GEN_UNCOLLECT		5	/* "uncollectable" */

/**
 * struct arena_stats - an arena's stats file, parsed
 * @num: per stat_keys[] entry, its number (ST_NUM, ST_BOOL).
 * @text: per entry, its text (ST_TEXT unescaped, ST_FLAGS), else NULL.
 * @gen: per generation, per gen_keys[] entry, its number.
 */
struct arena_stats {
	uint64_t num[ARENA_NSTAT];
	char *text[ARENA_NSTAT];
	uint64_t gen[REFGC_NUM_GENERATIONS][ARENA_NGEN_KEYS];
};

const char *arena_path(struct strbuf *sb, const char *id,
		       const char *name);
int read_file(const char *path, struct strbuf *sb);
int debugfs_fail(struct cli *cli, const char *cmd, int err,
		 const char *path);
int arena_read(struct cli *cli, const char *cmd, const char *name,
	       struct strbuf *sb);
int format_fail(struct cli *cli, const char *cmd, const char *name,
		const char *what);
const char *stat_val(const char *text, const char *key, char *buf,
		     size_t size);
void out_words(struct out *o, const char *key, const char *list,
	       const char *sep, bool numbers);
void stats_free(struct arena_stats *st);
int stats_of(struct cli *cli, const char *cmd, struct strbuf *sb,
	     struct arena_stats *st);
int arena_stats(struct cli *cli, const char *cmd, struct arena_stats *st);
void out_stats(struct out *o, const struct arena_stats *st);
uint64_t stat_num(const struct arena_stats *st, const char *key);
const char *stat_text(const struct arena_stats *st, const char *key);

#endif /* _REFGCCTL_DEBUGFS_H */
