// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - refgcctl's command line: the table of its subcommands (run,
 * check, shell, unreachable, arenas, -a ID, --version, --help), which
 * cli.c dispatches, the tool's usage, and run, check and shell.
 *
 * Exit status: 0 on success, 1 when a command (or the input) failed, 2 for
 * a usage error or when the arena cannot be opened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

/* REFGC_VERSION: ../../VERSION, passed by the Makefile. */
#define REFGCCTL_VERSION	REFGC_VERSION

/* The whole of @f, in a buffer of *len bytes (never NULL). */
static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *buf = xmalloc(cap);

	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	*len = n;
	return buf;
}

/* The script in @buf, as a stream (an empty one for an empty script). */
static FILE *buf_stream(char *buf, size_t len)
{
	return len ? fmemopen(buf, len, "r") : fopen("/dev/null", "r");
}

/**
 * device_hint() - what to do when /dev/refgc cannot be opened, on stderr
 * @err: the negative errno of the open.
 */
void device_hint(int err)
{
	if (err == -ENOENT || err == -ENODEV || err == -ENXIO)
		fputs("refgcctl: the refgc module is not loaded: `sudo modprobe refgc`\n"
		      "refgcctl: (after `make install`), or run in the VM from the source tree:\n"
		      "refgcctl:   scripts/vm-run --module $PWD/refgc.ko -- build/userspace/refgcctl ...\n"
		      "refgcctl: `refgcctl check FILE` checks a script without the module.\n",
		      stderr);
	else if (err == -EACCES || err == -EPERM)
		fputs("refgcctl: /dev/refgc belongs to the 'refgc' group (udev/99-refgc.rules):\n"
		      "refgcctl:   sudo usermod -aG refgc $USER, then log in again\n",
		      stderr);
}

static int run_script(struct cli *cli, FILE *f, const char *file,
		      bool keep_going, bool echo, bool shell)
{
	const char *sub = shell ? "shell" : "run";
	struct interp ip;
	int fd, r;

	fd = refgc_open();
	if (fd < 0) {
		cmd_error(cli->json, sub, fd, REFGC_DEVICE);
		device_hint(fd);
		return 2;
	}
	r = ip_init(&ip, fd, cli->json);
	if (r) {
		cmd_error(cli->json, sub, r, REFGC_DEVICE);
		refgc_close(fd);
		return 2;
	}
	ip.file = file;
	ip.keep_going = keep_going;
	ip.echo = echo && !cli->json;
	ip.interactive = shell;
	r = script_run(&ip, f, shell && isatty(STDIN_FILENO));
	ip_free(&ip);
	refgc_close(fd);
	return r;
}

/* Parse all of @buf; returns the number of lines with errors. */
static int check_script(char *buf, size_t len, const char *file, bool json)
{
	struct interp ip;
	FILE *f = buf_stream(buf, len);
	int errors;

	if (!f) {
		fprintf(stderr, "refgcctl: %s: %s\n", file, strerror(errno));
		return 1;
	}
	ip_init_offline(&ip, json);
	ip.file = file;
	errors = script_check(&ip, f);
	fclose(f);
	ip_free(&ip);
	return errors;
}

/* run, shell and check: [--echo] [--keep-going] FILE|- (run only). */
static int run_or_check(struct cli *cli, struct cmd *c)
{
	const char *sub = c->tok[0].s;
	bool shell = !strcmp(sub, "shell"), check_only = !strcmp(sub, "check");
	bool keep_going = false, echo = false, script = !shell && !check_only;
	const char *file = NULL, *name = "<stdin>", *a;
	FILE *f = stdin, *mf;
	size_t len;
	char *buf;
	int i, r;

	for (i = 1; i < c->ntok; i++) {
		a = c->tok[i].s;
		if (!strcmp(a, "--keep-going") && script)
			keep_going = true;
		else if (!strcmp(a, "--echo") && script)
			echo = true;
		else if (!file && !shell && (a[0] != '-' || !strcmp(a, "-")))
			file = a;
		else
			return sub_usage_error(cli, sub, "unexpected argument");
	}
	if (!shell && !file)
		return sub_usage_error(cli, sub,
				       "no script given (FILE, or - for stdin)");
	if (file && strcmp(file, "-")) {
		f = fopen(file, "r");
		if (!f) {
			cmd_error(cli->json, sub, -errno, file);
			return 2;
		}
		name = file;
	}
	if (shell)
		return run_script(cli, f, name, false, false, true);
	/* run and check: the whole script is parsed before anything runs. */
	buf = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	r = check_script(buf, len, name, cli->json) ? 1 : 0;
	if (!r && script) {
		mf = buf_stream(buf, len);
		if (!mf) {
			fprintf(stderr, "refgcctl: %s: %s\n", name,
				strerror(errno));
			r = 2;
		} else {
			r = run_script(cli, mf, name, keep_going, echo, false);
			fclose(mf);
		}
	}
	free(buf);
	return r;
}

static int cmd_version(struct cli *cli __maybe_unused,
		       struct cmd *c __maybe_unused)
{
	printf("refgcctl %s (ABI %d)\n", REFGCCTL_VERSION, REFGC_ABI_VERSION);
	return 0;
}

static int cmd_help(struct cli *cli __maybe_unused,
		    struct cmd *c __maybe_unused)
{
	print_usage(stdout);
	return 0;
}

/* The subcommands; --json is taken out of the words before dispatch. */
static const struct sub_def main_cmds[] = {
	{ "run", 1, 3, 0, "[--json | --echo] [--keep-going] FILE|-",
	  run_or_check,
	  "Parse the whole script (FILE, or - for standard input), then run it\n"
	  "against a fresh arena of /dev/refgc.  A syntax error anywhere stops it\n"
	  "before anything runs.  --json: one JSON record per command on stdout;\n"
	  "--echo: show each command; --keep-going: go on after a failed command.\n" },
	{ "check", 1, 1, 0, "[--json] FILE|-", run_or_check,
	  "Parse a script without running it; needs no module or device.  Reports\n"
	  "every unknown command and wrong word count as FILE:LINE:COL: error.\n"
	  "Exit status 0 if there is none, else 1.\n" },
	{ "shell", 0, 0, 0, "[--json]", run_or_check,
	  "The script language interactively, against a fresh arena; `help` lists\n"
	  "the commands.\n" },
	{ "unreachable", 1, 1, 0, "[--json] GRAPHFILE|-", cmd_unreachable,
	  "Load a graph ('roots: a b' and 'a -> b' lines), collect, and print the\n"
	  "unreachable nodes sorted; --json: one record per node.\n" },
	{ "arenas", 0, 0, 0, "[--json]", cmd_arenas,
	  "List every arena of the system (root: reads /sys/kernel/debug/refgc).\n" },
	{ "-a", 1, MAX_TOKENS - 1, SUB_OWN_HELP, ARENA_USAGE, cmd_arena_ctl,
	  ARENA_HELP },
	{ "--version", 0, 0, SUB_OPTION, "", cmd_version,
	  "The versions of refgcctl and of the ABI it speaks.\n" },
	{ "--help", 0, 0, SUB_OPTION, "", cmd_help,
	  "This usage.\n" },
	{ NULL },
};

/**
 * print_usage() - the usage of the whole tool, from the command tables
 * @f: stdout for --help, stderr with a usage error.
 */
void print_usage(FILE *f)
{
	sub_usage(f, main_cmds, "refgcctl ", "usage: ");
	fputs("       refgcctl COMMAND --help\n"
	      "where the COMMAND of -a ID is one of\n", f);
	sub_usage(f, arena_cmds, "refgcctl -a ID ", NULL);
	fputs("See refgcctl(1).\n", f);
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	char **words = xcalloc((size_t)argc + 1, sizeof(*words));
	int i, n = 0, r;

	/* --json anywhere: results, and errors, as JSON records. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			cli.json = true;
		else
			words[n++] = argv[i];
	}
	if (n && !strcmp(words[0], "-h"))
		words[0] = "--help";
	r = sub_dispatch(main_cmds, &cli, "refgcctl ", n, words);
	free(words);
	return r;
}
