// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - reading refgc's debugfs for arenas.c: the paths of an
 * arena's files, why one could not be opened (its full path, and: no
 * such arena, no refgc module, debugfs not mounted, or not root), and
 * the stats file parsed into the fields refgcctl(1) documents
 * (stat_keys[], gen_keys[]), which out_stats() writes.  Nothing of the
 * debugfs text is copied into a record: a key the module adds that is
 * not in those tables is left out; a documented one that is missing is
 * EPROTO.
 *
 * The debugfs directory can be moved with $REFGC_DEBUGFS.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "ctl.h"
#include "debugfs.h"

static const char *debugfs_dir(void)
{
	const char *d = getenv("REFGC_DEBUGFS");

	return d && *d ? d : "/sys/kernel/debug/refgc";
}

/* @sb = the arenas directory, or arena @id's, or its file @name. */
const char *arena_path(struct strbuf *sb, const char *id,
		       const char *name)
{
	sb_reset(sb);
	sb_printf(sb, "%s/arenas", debugfs_dir());
	if (id)
		sb_printf(sb, "/%s", id);
	if (name)
		sb_printf(sb, "/%s", name);
	return sb_str(sb);
}

/*
 * Why @path failed with @err, for people: not root, no such arena, no
 * refgc module (debugfs is there, refgc's directory is not), or debugfs
 * not mounted where refgc's directory should be.
 */
static void debugfs_why(struct strbuf *why, int err, const char *path,
			const char *id)
{
	const char *dir = debugfs_dir(), *slash = strrchr(dir, '/');
	struct strbuf parent = { 0 };
	struct statfs fs;
	struct stat st;
	int e = 0;

	sb_printf(why, "%s: ", path);
	if (err == -ENOENT && stat(dir, &st))
		e = errno;
	if (err == -EACCES || err == -EPERM || e == EACCES) {
		sb_puts(why, "permission denied: debugfs is root's (run this as root)");
		return;
	}
	if (err != -ENOENT || (!e && !id)) {
		sb_puts(why, strerror(-err));
		return;
	}
	if (!e) {
		/* The directory there and a file gone: not the arena's fault. */
		if (!stat(arena_path(&parent, id, NULL), &st))
			sb_puts(why, strerror(-err));
		else
			sb_printf(why, "no such arena %s (`refgcctl arenas` lists them)",
				  id);
		sb_free(&parent);
		return;
	}
	sb_put(&parent, dir, slash && slash != dir ? (size_t)(slash - dir) : 1);
	if (!statfs(sb_str(&parent), &fs) && fs.f_type == DEBUGFS_MAGIC)
		sb_printf(why, "%s is missing: the refgc module is not loaded (`sudo modprobe refgc`)",
			  dir);
	else
		sb_printf(why, "debugfs is not mounted on %s (`sudo mount -t debugfs none %s`)",
			  sb_str(&parent), sb_str(&parent));
	sb_free(&parent);
}

/* Report a debugfs file that failed; returns the exit status, 1. */
int debugfs_fail(struct cli *cli, const char *cmd, int err,
		 const char *path)
{
	struct strbuf why = { 0 };

	debugfs_why(&why, err, path, cli->arena);
	cmd_fail(cli->json, cmd, err, sb_str(&why));
	sb_free(&why);
	return 1;
}

/* Read a whole debugfs file into @sb. */
int read_file(const char *path, struct strbuf *sb)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sb_put(sb, buf, (size_t)n);
	}
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* Read file @name of the -a arena into @sb; a failure is reported. */
int arena_read(struct cli *cli, const char *cmd, const char *name,
	       struct strbuf *sb)
{
	struct strbuf path = { 0 };
	int r = read_file(arena_path(&path, cli->arena, name), sb);

	if (r)
		debugfs_fail(cli, cmd, r, sb_str(&path));
	sb_free(&path);
	return r;
}

/* A text that is not what the module writes: EPROTO, naming @what. */
int format_fail(struct cli *cli, const char *cmd, const char *name,
		const char *what)
{
	struct strbuf path = { 0 }, msg = { 0 };

	sb_printf(&msg, "%s: unexpected format: %s",
		  arena_path(&path, cli->arena, name), what);
	cmd_fail(cli->json, cmd, -EPROTO, sb_str(&msg));
	sb_free(&path);
	sb_free(&msg);
	return 1;
}

/* The value of "key: value" in a stats or control text, or NULL. */
const char *stat_val(const char *text, const char *key, char *buf,
		     size_t size)
{
	size_t k = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, k) && p[k] == ':') {
			size_t n;

			p += k + 1;
			while (*p == ' ')
				p++;
			n = strcspn(p, "\n");
			if (n >= size)
				n = size - 1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return buf;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* Members of a word list ("a,b" or "a b"; "none" and "-" are empty). */
void out_words(struct out *o, const char *key, const char *list,
	       const char *sep, bool numbers)
{
	char *copy = xstrdup(list), *p = copy, *w;
	uint64_t v;

	out_arr_begin(o, key);
	while ((w = strsep(&p, sep))) {
		if (!*w || !strcmp(w, "none") || !strcmp(w, "-"))
			continue;
		if (numbers && parse_u64(w, &v))
			out_u64(o, NULL, v);
		else
			out_str(o, NULL, w);
	}
	out_arr_end(o);
	free(copy);
}

/* ------------------------------------------------------ the stats file */

enum stat_kind {
	ST_NUM,		/* a number */
	ST_BOOL,	/* 0 or 1: false or true */
	ST_TEXT,	/* \ooo-escaped text: the bytes, unescaped */
	ST_FLAGS,	/* a comma list, or none: an array of strings */
};

/* The members of a stats record, in order (refgcctl(1), JSON). */
static const struct stat_key {
	const char *key;
	enum stat_kind kind;
} stat_keys[] = {
	{ "owner_pid", ST_NUM }, { "owner_uid", ST_NUM },
	{ "owner_comm", ST_TEXT }, { "objects", ST_NUM },
	{ "bytes", ST_NUM }, { "payload_bytes", ST_NUM },
	{ "slots", ST_NUM }, { "types", ST_NUM }, { "enabled", ST_BOOL },
	{ "legacy", ST_BOOL }, { "debug", ST_FLAGS },
	{ "garbage", ST_NUM }, { "events_queued", ST_NUM },
	{ "events_lost", ST_NUM }, { "finalize_pending", ST_NUM },
	{ "permanent", ST_NUM },
};

#define NSTAT		ARRAY_SIZE(stat_keys)
_Static_assert(NSTAT == ARENA_NSTAT, "struct arena_stats fits stat_keys[]");

/* The members of each element of "generations", from its genN line. */
static const char *const gen_keys[] = {
	"objects", "count", "threshold", "collections",
	[GEN_COLLECTED] = "collected", [GEN_UNCOLLECT] = "uncollectable",
	"visited", "total_ns", "max_ns", "max_roots_ns", "max_move_ns",
};

#define NGEN_KEYS	ARRAY_SIZE(gen_keys)
_Static_assert(NGEN_KEYS == ARENA_NGEN_KEYS,
	       "struct arena_stats fits gen_keys[]");

void stats_free(struct arena_stats *st)
{
	size_t i;

	for (i = 0; i < NSTAT; i++)
		free(st->text[i]);
	memset(st, 0, sizeof(*st));
}

/* The debugfs escapes (\ooo, seq_escape_str's ESCAPE_OCTAL) undone. */
static char *unescape(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *q = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n &&
		    strspn(s + i + 1, "01234567") >= 3) {
			*q++ = (char)(((s[i + 1] - '0') << 6) |
				      ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
			i += 3;
		} else {
			*q++ = s[i];
		}
	}
	*q = '\0';
	return out;
}

/* "objects 4 count 1 ..." into @v; returns a bit per key seen. */
static unsigned int parse_gen(const char *val, size_t n, uint64_t *v)
{
	char *copy = xmalloc(n + 1), *p = copy, *k, *w;
	unsigned int seen = 0;
	size_t i;

	memcpy(copy, val, n);
	copy[n] = '\0';
	while ((k = strsep(&p, " ")) && (w = strsep(&p, " "))) {
		for (i = 0; i < NGEN_KEYS; i++) {
			if (!strcmp(k, gen_keys[i]) && parse_u64(w, &v[i])) {
				seen |= 1u << i;
				break;
			}
		}
	}
	free(copy);
	return seen;
}

/* Parse one "key: value" line of @n bytes; returns a bit per key seen. */
static uint64_t parse_stat_line(struct arena_stats *st, const char *p,
				size_t n)
{
	size_t k = strcspn(p, ":"), vn, i;
	const char *v = p + k + 2;
	char num[32];
	int g;

	if (k + 2 > n || p[k + 1] != ' ')
		return 0;
	vn = n - k - 2;
	if (k == 4 && !strncmp(p, "gen", 3) && p[3] >= '0' &&
	    p[3] < '0' + REFGC_NUM_GENERATIONS) {
		g = p[3] - '0';
		return parse_gen(v, vn, st->gen[g]) == (1u << NGEN_KEYS) - 1 ?
		       1ull << (NSTAT + g) : 0;
	}
	for (i = 0; i < NSTAT; i++) {
		if (strlen(stat_keys[i].key) != k ||
		    strncmp(p, stat_keys[i].key, k))
			continue;
		if (stat_keys[i].kind == ST_TEXT) {
			st->text[i] = unescape(v, vn);
		} else if (stat_keys[i].kind == ST_FLAGS) {
			st->text[i] = xmalloc(vn + 1);
			memcpy(st->text[i], v, vn);
			st->text[i][vn] = '\0';
		} else {
			snprintf(num, sizeof(num), "%.*s", (int)vn, v);
			if (!parse_u64(num, &st->num[i]) ||
			    (stat_keys[i].kind == ST_BOOL && st->num[i] > 1))
				return 0;
		}
		return 1ull << i;
	}
	return 0;
}

/**
 * parse_stats() - an arena's stats file into its fields
 * @text: the file.
 * @st: zeroed and filled; stats_free() it.
 *
 * Return: NULL, or the first documented key that is missing.
 */
static const char *parse_stats(const char *text, struct arena_stats *st)
{
	uint64_t seen = 0;
	size_t n, i;

	memset(st, 0, sizeof(*st));
	while (*text) {
		n = strcspn(text, "\n");
		seen |= parse_stat_line(st, text, n);
		text += n;
		if (*text)
			text++;
	}
	for (i = 0; i < NSTAT; i++)
		if (!(seen & (1ull << i)))
			return stat_keys[i].key;
	for (i = 0; i < REFGC_NUM_GENERATIONS; i++)
		if (!(seen & (1ull << (NSTAT + i))))
			return "genN";
	return NULL;
}

/* Parse the -a arena's stats text @sb; a bad one is reported. */
int stats_of(struct cli *cli, const char *cmd, struct strbuf *sb,
	     struct arena_stats *st)
{
	const char *missing = parse_stats(sb_str(sb), st);

	sb_reset(sb);
	if (!missing)
		return 0;
	stats_free(st);
	sb_printf(sb, "no '%s' line", missing);
	return format_fail(cli, cmd, "stats", sb_str(sb));
}

/* Read and parse the -a arena's stats; failures are reported. */
int arena_stats(struct cli *cli, const char *cmd,
		struct arena_stats *st)
{
	struct strbuf sb = { 0 };
	int r = arena_read(cli, cmd, "stats", &sb);

	if (!r)
		r = stats_of(cli, cmd, &sb, st);
	sb_free(&sb);
	return r;
}

/* The members of a stats record. */
void out_stats(struct out *o, const struct arena_stats *st)
{
	size_t i, k;

	for (i = 0; i < NSTAT; i++) {
		const char *key = stat_keys[i].key;

		switch (stat_keys[i].kind) {
		case ST_NUM:
			out_u64(o, key, st->num[i]);
			break;
		case ST_BOOL:
			out_bool(o, key, st->num[i]);
			break;
		case ST_TEXT:
			out_str(o, key, st->text[i]);
			break;
		case ST_FLAGS:
			out_words(o, key, st->text[i], ",", false);
			break;
		}
	}
	out_arr_begin(o, "generations");
	for (i = 0; i < REFGC_NUM_GENERATIONS; i++) {
		out_obj_begin(o, NULL);
		for (k = 0; k < NGEN_KEYS; k++)
			out_u64(o, gen_keys[k], st->gen[i][k]);
		out_obj_end(o);
	}
	out_arr_end(o);
}

/* A number or text of @st by its key (for the arenas table). */
uint64_t stat_num(const struct arena_stats *st, const char *key)
{
	size_t i;

	for (i = 0; i < NSTAT; i++)
		if (!strcmp(stat_keys[i].key, key))
			return st->num[i];
	return 0;
}

const char *stat_text(const struct arena_stats *st, const char *key)
{
	size_t i;

	for (i = 0; i < NSTAT; i++)
		if (!strcmp(stat_keys[i].key, key))
			return st->text[i];
	return NULL;
}
