// SPDX-License-Identifier: GPL-2.0
/*
 * arenas.c - refgcctl's commands on other processes' arenas, through
 * refgc's debugfs (root only; debugfs.c reads it): `refgcctl arenas`
 * lists every arena of the system, and `refgcctl -a ID CMD` inspects or
 * steers arena ID through /sys/kernel/debug/refgc/arenas/ID/.  Its
 * commands are arena_cmds[], dispatched by cli.c like the subcommands.
 * The JSON records are written from parsed fields (debugfs.c, and the
 * dump lines here), never from the debugfs text.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "debugfs.h"

/* ------------------------------------------------------------ arenas */

static int cmp_num(const void *a, const void *b)
{
	unsigned long x = strtoul(*(char *const *)a, NULL, 10);
	unsigned long y = strtoul(*(char *const *)b, NULL, 10);

	return x < y ? -1 : x > y;
}

/* The arena ids, sorted; returns how many (or -errno). */
static int list_ids(const char *path, char ***ids)
{
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return -errno;
	*ids = NULL;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		*ids = xrealloc(*ids, (size_t)(n + 1) * sizeof(**ids));
		(*ids)[n++] = xstrdup(d->d_name);
	}
	closedir(dir);
	qsort(*ids, (size_t)n, sizeof(**ids), cmp_num);
	return n;
}

/*
 * @s for a row of the table: a byte that is not printable ASCII, a blank
 * and '\\' as \ooo (as debugfs escapes, blanks too), so that a comm can
 * neither break a row nor shift its columns.
 */
static const char *escaped(struct strbuf *sb, const char *s)
{
	sb_reset(sb);
	for (; *s; s++) {
		if (*s == '\\' || *s <= ' ' || *s > '~')
			sb_printf(sb, "\\%03o", (unsigned char)*s);
		else
			sb_putc(sb, *s);
	}
	return sb_str(sb);
}

/* One arena: a row of the table, or an element of "arenas". */
static int show_arena(struct cli *cli, struct out *o, const char *id)
{
	struct strbuf path = { 0 }, sb = { 0 };
	const struct arena_stats *s;
	struct arena_stats st;
	uint64_t num;
	int r;

	cli->arena = id;
	/* An arena closed since the directory was listed is left out. */
	r = read_file(arena_path(&path, id, "stats"), &sb);
	sb_free(&path);
	if (!r)
		r = stats_of(cli, "arenas", &sb, &st);
	sb_free(&sb);
	if (r)
		return r < 0 ? 0 : r;
	s = &st;
	if (cli->json) {
		out_obj_begin(o, NULL);
		out_u64(o, "id", parse_u64(id, &num) ? num : 0);
		out_stats(o, s);
		out_obj_end(o);
	} else {
		printf("%-6s %-7llu %-6llu %-16s %10llu %12llu %8llu %8llu %8llu %8llu\n",
		       id, (unsigned long long)stat_num(s, "owner_pid"),
		       (unsigned long long)stat_num(s, "owner_uid"),
		       escaped(&path, stat_text(s, "owner_comm")),
		       (unsigned long long)stat_num(s, "objects"),
		       (unsigned long long)stat_num(s, "bytes"),
		       (unsigned long long)s->gen[0][0],
		       (unsigned long long)s->gen[1][0],
		       (unsigned long long)s->gen[2][0],
		       (unsigned long long)stat_num(s, "garbage"));
		sb_free(&path);
	}
	stats_free(&st);
	return 0;
}

/**
 * cmd_arenas() - `refgcctl arenas [--json]`: every arena of the system
 * @cli: the options.
 * @c: the words (none but its name).
 *
 * Return: the exit status.
 */
int cmd_arenas(struct cli *cli, struct cmd *c __maybe_unused)
{
	struct out o = { .json = cli->json, .f = stdout };
	struct strbuf path = { 0 };
	char **ids = NULL;
	int n, i, r = 0;

	n = list_ids(arena_path(&path, NULL, NULL), &ids);
	if (n < 0) {
		r = debugfs_fail(cli, "arenas", n, sb_str(&path));
		sb_free(&path);
		return r;
	}
	if (cli->json) {
		out_begin(&o, "arenas", 0);
		out_arr_begin(&o, "arenas");
	} else {
		printf("%-6s %-7s %-6s %-16s %10s %12s %8s %8s %8s %8s\n",
		       "ARENA", "PID", "UID", "COMM", "OBJECTS", "BYTES",
		       "GEN0", "GEN1", "GEN2", "GARBAGE");
	}
	for (i = 0; i < n; i++) {
		if (!r)
			r = show_arena(cli, &o, ids[i]);
		free(ids[i]);
	}
	free(ids);
	sb_free(&path);
	if (cli->json && !r) {
		out_arr_end(&o);
		out_end(&o);
	}
	sb_free(&o.sb);
	return r;
}

/* ------------------------------------------------------------- -a ID */

/* A record of the -a arena's command @cmd, open for its members. */
static void arena_record(struct cli *cli, struct out *o, const char *cmd)
{
	uint64_t id = 0;

	o->json = cli->json;
	o->f = stdout;
	out_begin(o, cmd, 0);
	parse_u64(cli->arena, &id);
	out_u64(o, "arena", id);
}

static void record_end(struct out *o)
{
	out_end(o);
	sb_free(&o->sb);
}

/* The members of an objects or garbage line, in order (refgcctl(1)). */
static const char *const dump_keys[] = {
	"id", "type", "refcount", "handles", "generation", "flags", "slots",
	"bytes",
};

/* One dump line: id type refcount handles generation flags slots bytes. */
static bool out_dump_line(struct out *o, const char *line)
{
	unsigned long long id, rc, h, sl, by;
	char *type = NULL, *flags = NULL;
	bool good;
	int gen;

	good = sscanf(line, "%llu %ms %llu %llu %d %ms %llu %llu", &id, &type,
		      &rc, &h, &gen, &flags, &sl, &by) == ARRAY_SIZE(dump_keys);
	if (good) {
		out_obj_begin(o, NULL);
		out_u64(o, dump_keys[0], id);
		out_str(o, dump_keys[1], type);
		out_u64(o, dump_keys[2], rc);
		out_u64(o, dump_keys[3], h);
		out_i64(o, dump_keys[4], gen);
		out_words(o, dump_keys[5], flags, ",", false);
		out_u64(o, dump_keys[6], sl);
		out_u64(o, dump_keys[7], by);
		out_obj_end(o);
	}
	free(type);
	free(flags);
	return good;
}

/* stats, objects, garbage: the file as is, or parsed into a record. */
static int arena_show(struct cli *cli, struct cmd *c)
{
	const char *cmd = c->tok[0].s, *p;
	struct out o = { 0 };
	struct arena_stats st;
	struct strbuf sb = { 0 };
	int r = 0;
	size_t n;

	if (cli->json && !strcmp(cmd, "stats")) {
		if (arena_stats(cli, cmd, &st))
			return 1;
		arena_record(cli, &o, cmd);
		out_stats(&o, &st);
		record_end(&o);
		stats_free(&st);
		return 0;
	}
	if (arena_read(cli, cmd, cmd, &sb)) {
		sb_free(&sb);
		return 1;
	}
	if (!cli->json) {
		fputs(sb_str(&sb), stdout);
		sb_free(&sb);
		return 0;
	}
	arena_record(cli, &o, cmd);
	out_arr_begin(&o, cmd);
	for (p = sb_str(&sb); *p && !r; p += n + !!p[n]) {
		n = strcspn(p, "\n");
		if (*p != '#' && n && !out_dump_line(&o, p))
			r = format_fail(cli, cmd, cmd, "a line without 8 fields");
	}
	out_arr_end(&o);
	if (!r)
		record_end(&o);
	sb_free(&o.sb);
	sb_free(&sb);
	return r;
}

/* dot FILE: graph.dot, written or rendered as the script's dot does. */
static int arena_dot(struct cli *cli, struct cmd *c)
{
	struct strbuf sb = { 0 };
	struct out o = { 0 };
	int r;

	if (arena_read(cli, "dot", "graph.dot", &sb)) {
		sb_free(&sb);
		return 1;
	}
	r = dot_render(sb_str(&sb), c->tok[1].s);
	sb_free(&sb);
	if (r) {
		cmd_error(cli->json, "dot", r, c->tok[1].s);
		return 1;
	}
	if (cli->json) {
		arena_record(cli, &o, "dot");
		out_str(&o, "file", c->tok[1].s);
		record_end(&o);
	}
	return 0;
}

/* Write the command's words to the control file; failures reported. */
static int write_control(struct cli *cli, struct cmd *c)
{
	struct strbuf path = { 0 }, cmd = { 0 }, msg = { 0 };
	ssize_t n;
	int fd, i, r = 0;

	for (i = 0; i < c->ntok; i++)
		sb_printf(&cmd, "%s%s", i ? " " : "", c->tok[i].s);
	fd = open(arena_path(&path, cli->arena, "control"),
		  O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		debugfs_fail(cli, c->tok[0].s, r, sb_str(&path));
		goto out;
	}
	n = write(fd, sb_str(&cmd), cmd.len);
	r = n < 0 ? -errno : (size_t)n != cmd.len ? -EIO : 0;
	close(fd);
	if (r) {
		sb_printf(&msg, "%s: '%s' refused: %s", sb_str(&path),
			  sb_str(&cmd), strerror(-r));
		cmd_fail(cli->json, c->tok[0].s, r, sb_str(&msg));
	}
out:
	sb_free(&path);
	sb_free(&cmd);
	sb_free(&msg);
	return r;
}

/* enable, disable, freeze, unfreeze, and threshold/debug with values. */
static int arena_control(struct cli *cli, struct cmd *c)
{
	struct out o = { 0 };

	if (write_control(cli, c))
		return 1;
	if (cli->json) {
		arena_record(cli, &o, c->tok[0].s);
		record_end(&o);
	}
	return 0;
}

/* threshold, debug: set with values, else show the current setting. */
static int arena_setting(struct cli *cli, struct cmd *c)
{
	const char *key = c->tok[0].s;
	struct strbuf sb = { 0 };
	struct out o = { 0 };
	char val[256];
	bool found;

	if (c->ntok > 1)
		return arena_control(cli, c);
	if (arena_read(cli, key, "control", &sb)) {
		sb_free(&sb);
		return 1;
	}
	found = stat_val(sb_str(&sb), key, val, sizeof(val));
	sb_free(&sb);
	if (!found)
		return format_fail(cli, key, "control", key);
	if (!cli->json) {
		printf("%s: %s\n", key, val);
		return 0;
	}
	arena_record(cli, &o, key);
	if (!strcmp(key, "debug"))
		out_words(&o, key, val, ",", false);
	else
		out_words(&o, key, val, " ", true);
	record_end(&o);
	return 0;
}

/* collect [GEN]: what it collected, from the stats before and after. */
static int arena_collect(struct cli *cli, struct cmd *c)
{
	struct arena_stats before, after;
	uint64_t gen = REFGC_NUM_GENERATIONS - 1, coll, unc;
	struct out o = { 0 };

	if (c->ntok > 1 && (!parse_u64(c->tok[1].s, &gen) ||
			    gen >= REFGC_NUM_GENERATIONS)) {
		cmd_fail(cli->json, "collect", -EINVAL,
			 "usage: refgcctl -a ID collect [GEN]: GEN is 0, 1 or 2");
		return 2;
	}
	if (arena_stats(cli, "collect", &before))
		return 1;
	coll = before.gen[gen][GEN_COLLECTED];
	unc = before.gen[gen][GEN_UNCOLLECT];
	stats_free(&before);
	if (write_control(cli, c) || arena_stats(cli, "collect", &after))
		return 1;
	coll = after.gen[gen][GEN_COLLECTED] - coll;
	unc = after.gen[gen][GEN_UNCOLLECT] - unc;
	stats_free(&after);
	if (cli->json) {
		arena_record(cli, &o, "collect");
		out_u64(&o, "generation", gen);
		out_u64(&o, "collected", coll);
		out_u64(&o, "uncollectable", unc);
		record_end(&o);
	} else {
		printf("arena %s: generation %llu: %llu collected, %llu uncollectable\n",
		       cli->arena, (unsigned long long)gen,
		       (unsigned long long)coll, (unsigned long long)unc);
	}
	return 0;
}

/* The commands of -a ID (arenas/ID/ of refgc's debugfs). */
const struct sub_def arena_cmds[] = {
	{ "stats", 0, 0, 0, "", arena_show,
	  "The arena's stats file; --json: its fields (refgcctl(1), JSON).\n" },
	{ "objects", 0, 0, 0, "", arena_show,
	  "Every live object, one per line; --json: an array of them.\n" },
	{ "garbage", 0, 0, 0, "", arena_show,
	  "The arena's gc.garbage, one object per line.\n" },
	{ "dot", 1, 1, 0, "FILE", arena_dot,
	  "The whole object graph, as DOT (FILE.dot) or rendered (.png, .svg).\n" },
	{ "collect", 0, 1, 0, "[GEN]", arena_collect,
	  "gc.collect(GEN) (default 2) in that arena; prints what it freed.\n" },
	{ "enable", 0, 0, 0, "", arena_control, "gc.enable() in that arena.\n" },
	{ "disable", 0, 0, 0, "", arena_control,
	  "gc.disable() in that arena.\n" },
	{ "threshold", 0, 3, 0, "[T0 [T1 [T2]]]", arena_setting,
	  "gc.set_threshold(); without values, gc.get_threshold().\n" },
	{ "debug", 0, 1, 0, "[FLAGS]", arena_setting,
	  "gc.set_debug(FLAGS: none, or a comma list of stats, collectable,\n"
	  "uncollectable, saveall, leak); without FLAGS, gc.get_debug().\n" },
	{ "freeze", 0, 0, 0, "", arena_control, "gc.freeze() in that arena.\n" },
	{ "unfreeze", 0, 0, 0, "", arena_control,
	  "gc.unfreeze() in that arena.\n" },
	{ NULL },
};

/**
 * cmd_arena_ctl() - `refgcctl -a ID COMMAND [ARGS]`: any arena, via debugfs
 * @cli: the options.
 * @c: "-a", ID, COMMAND and its arguments.
 *
 * Return: the exit status.
 */
int cmd_arena_ctl(struct cli *cli, struct cmd *c)
{
	const char *id = c->tok[1].s;
	char *argv[MAX_TOKENS];
	bool help = false;
	int i, n = 0;

	for (i = 1; i < c->ntok; i++)
		help |= !strcmp(c->tok[i].s, "--help") ||
			!strcmp(c->tok[i].s, "-h");
	/* -a --help, -a ID --help: this; -a ID COMMAND --help: COMMAND's. */
	if (help && (c->ntok < 3 ||
		     !table_find(arena_cmds, sizeof(*arena_cmds),
				 c->tok[2].s))) {
		fputs("usage: refgcctl -a " ARENA_USAGE "\n" ARENA_HELP, stdout);
		sub_usage(stdout, arena_cmds, "refgcctl -a ID ", NULL);
		return 0;
	}
	if (!*id || strspn(id, "0123456789") != strlen(id))
		return sub_usage_error(cli, "-a",
				       "-a ID: ID is an arena's number, from `refgcctl arenas`");
	if (c->ntok < 3)
		return sub_usage_error(cli, "-a", "-a ID: no COMMAND given");
	cli->arena = id;
	for (i = 2; i < c->ntok; i++)
		argv[n++] = c->tok[i].s;
	return sub_dispatch(arena_cmds, cli, "refgcctl -a ID ", n, argv);
}
