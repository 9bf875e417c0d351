// SPDX-License-Identifier: GPL-2.0
/*
 * cli.c - the command line's one dispatcher: it runs a subcommand of
 * main.c's table, or a command of -a ID from arenas.c's, with the same
 * lookup, word counts, --help and usage errors; and table_find(), the
 * lookup that the script verbs' tables (script.c) share, since every
 * table of refgcctl has the same shape (ctl.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

/* table_find() reads the name of any table's entries at offset 0. */
_Static_assert(offsetof(struct cmd_def, name) == 0 &&
	       offsetof(struct sub_def, name) == 0,
	       "a command table entry starts with its name");
_Static_assert(sizeof(struct cmd_def) == sizeof(struct sub_def) &&
	       offsetof(struct cmd_def, usage) ==
	       offsetof(struct sub_def, usage) &&
	       offsetof(struct cmd_def, help) ==
	       offsetof(struct sub_def, help),
	       "the command tables have one shape");

/**
 * table_find() - look a name up in a command table
 * @table: the first entry; the table ends with a NULL name.
 * @entry_size: sizeof one entry.
 * @name: the name.
 *
 * Return: the entry, or NULL.
 */
const void *table_find(const void *table, size_t entry_size,
		       const char *name)
{
	const char *p = table;
	const char *n;

	for (;; p += entry_size) {
		n = *(const char *const *)p;
		if (!n)
			return NULL;
		if (!strcmp(n, name))
			return p;
	}
}

/* "PREFIX NAME USAGE", without a trailing blank for an empty usage. */
static void usage_line(FILE *f, const char *lead, const char *prefix,
		       const struct sub_def *d)
{
	fprintf(f, "%s%s%s%s%s\n", lead, prefix, d->name, *d->usage ? " " : "",
		d->usage);
}

/**
 * sub_usage() - one usage line per entry of a table
 * @f: where.
 * @table: the table.
 * @prefix: what comes before each name ("refgcctl ").
 * @first: the lead of the first line ("usage: "), or NULL to indent it
 *	as the others.
 */
void sub_usage(FILE *f, const struct sub_def *table, const char *prefix,
	       const char *first)
{
	const struct sub_def *d;

	for (d = table; d->name; d++) {
		usage_line(f, first ? first : "       ", prefix, d);
		first = NULL;
	}
}

/* The --help of one entry, on stdout. */
static void sub_help(const struct sub_def *d, const char *prefix)
{
	usage_line(stdout, "usage: ", prefix, d);
	fputs(d->help, stdout);
}

/**
 * sub_usage_error() - a usage error of the command line
 * @cli: --json: a failure record on stdout as well.
 * @cmd: the (sub)command it concerns.
 * @why: what is wrong.
 *
 * Return: 2, the exit status of usage errors.
 */
int sub_usage_error(struct cli *cli, const char *cmd, const char *why)
{
	if (cli->json)
		json_fail(cmd, -EINVAL, why);
	fprintf(stderr, "refgcctl: %s\n", why);
	print_usage(stderr);
	return 2;
}

/* "unknown command 'x'", with the nearest name of @table. */
static int no_such_command(struct cli *cli, const struct sub_def *table,
			   const char *name)
{
	const char *names[32], *best;
	struct strbuf why = { 0 };
	size_t n = 0;
	int r;

	for (; table->name && n + 1 < ARRAY_SIZE(names); table++)
		if (!(table->flags & SUB_OPTION))
			names[n++] = table->name;
	names[n] = NULL;
	best = name[0] != '-' ? diag_suggest(name, names) : NULL;
	sb_printf(&why, "unknown %s '%s'", name[0] == '-' ? "option" :
		  "command", name);
	if (best)
		sb_printf(&why, "; did you mean '%s'?", best);
	r = sub_usage_error(cli, name, sb_str(&why));
	sb_free(&why);
	return r;
}

/**
 * sub_dispatch() - run the entry of @table that @argv[0] names
 * @table: main.c's subcommands, or arenas.c's commands of -a ID.
 * @cli: the options; --json is already taken out of @argv.
 * @prefix: what comes before the names in messages ("refgcctl ").
 * @argc: words.
 * @argv: the name, then its arguments.
 *
 * --help among the arguments prints the entry's help on stdout (exit 0)
 * unless the entry answers it itself (SUB_OWN_HELP); a word count outside
 * the entry's min and max is a usage error.
 *
 * Return: the exit status.
 */
int sub_dispatch(const struct sub_def *table, struct cli *cli,
		 const char *prefix, int argc, char **argv)
{
	const struct sub_def *d;
	struct strbuf why = { 0 };
	struct cmd c;
	bool help = false;
	int i, r;

	if (argc < 1)
		return sub_usage_error(cli, prefix, "no command given");
	d = table_find(table, sizeof(*table), argv[0]);
	if (!d)
		return no_such_command(cli, table, argv[0]);
	if (argc > MAX_TOKENS)
		return sub_usage_error(cli, d->name, "too many arguments");
	memset(&c, 0, sizeof(c));
	for (i = 0; i < argc; i++) {
		help |= i && !(d->flags & SUB_OWN_HELP) &&
			(!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"));
		c.tok[i].s = argv[i];
		c.tok[i].col = i;
		c.sym[i] = -1;
	}
	c.ntok = argc;
	if (help) {
		sub_help(d, prefix);
		return 0;
	}
	if (argc - 1 < d->min || argc - 1 > d->max) {
		sb_printf(&why, "usage: %s%s%s%s", prefix, d->name,
			  *d->usage ? " " : "", d->usage);
		if (cli->json)
			json_fail(d->name, -EINVAL, sb_str(&why));
		fprintf(stderr, "refgcctl: %s\n", sb_str(&why));
		sb_free(&why);
		return 2;
	}
	r = d->fn(cli, &c);
	fflush(stdout);
	return r;
}
