// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - refgcctl's command line: the subcommands run, check, shell,
 * unreachable, arenas and -a ID, their options and their --help.
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

/* --json anywhere on the command line: errors are JSON records too. */
static bool json_errors;

static void print_usage(FILE *f)
{
	fputs("usage: refgcctl run [--json | --echo] [--keep-going] FILE|-\n"
	      "       refgcctl check [--json] FILE|-\n"
	      "       refgcctl shell [--json]\n"
	      "       refgcctl unreachable GRAPHFILE\n"
	      "       refgcctl arenas [--json]\n"
	      "       refgcctl -a ID [--json] stats|objects|garbage|dot FILE|\n"
	      "                collect [GEN]|enable|disable|threshold T0 [T1 [T2]]|\n"
	      "                debug FLAGS|freeze|unfreeze\n"
	      "       refgcctl --version | --help\n"
	      "       refgcctl COMMAND --help\n"
	      "See refgcctl(1).\n", f);
}

/* Each subcommand's --help (on stdout, exit 0). */
static const struct {
	const char *name;
	const char *help;
} sub_help[] = {
	{ "run", "usage: refgcctl run [--json | --echo] [--keep-going] FILE|-\n"
	  "Parse the whole script (FILE, or - for standard input), then run it\n"
	  "against a fresh arena of /dev/refgc.  A syntax error anywhere stops it\n"
	  "before anything runs.  --json: one JSON record per command on stdout;\n"
	  "--echo: show each command; --keep-going: go on after a failed command.\n" },
	{ "check", "usage: refgcctl check [--json] FILE|-\n"
	  "Parse a script without running it; needs no module or device.  Reports\n"
	  "every unknown command and wrong word count as FILE:LINE:COL: error.\n"
	  "Exit status 0 if there is none, else 1.\n" },
	{ "shell", "usage: refgcctl shell [--json]\n"
	  "The script language interactively, against a fresh arena; `help` lists\n"
	  "the commands.\n" },
	{ "unreachable", "usage: refgcctl unreachable GRAPHFILE\n"
	  "Load a graph ('roots: a b' and 'a -> b' lines), collect, and print the\n"
	  "unreachable nodes sorted.\n" },
	{ "arenas", "usage: refgcctl arenas [--json]\n"
	  "List every arena of the system (root: reads /sys/kernel/debug/refgc).\n" },
	{ "-a", "usage: refgcctl -a ID [--json] stats|objects|garbage|dot FILE|\n"
	  "                collect [GEN]|enable|disable|threshold T0 [T1 [T2]]|\n"
	  "                debug FLAGS|freeze|unfreeze\n"
	  "Inspect or steer arena ID of any process through debugfs (root).\n" },
};

/* COMMAND ... --help anywhere after it: print its help, return true. */
static bool sub_wants_help(int argc, char **argv)
{
	size_t i;
	int k;

	for (k = 2; k < argc; k++)
		if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h"))
			break;
	if (k == argc)
		return false;
	for (i = 0; i < ARRAY_SIZE(sub_help); i++) {
		if (!strcmp(argv[1], sub_help[i].name)) {
			fputs(sub_help[i].help, stdout);
			return true;
		}
	}
	return false;
}

/* A usage error of @cmd: the usage on stderr, a record under --json. */
static int usage_error(const char *cmd, const char *why)
{
	if (json_errors)
		json_fail(cmd, -EINVAL, why);
	print_usage(stderr);
	return 2;
}

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

/* What to do when /dev/refgc cannot be opened. */
static void device_hint(int err)
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

static int run_script(FILE *f, const char *file, bool json, bool keep_going,
		      bool echo, bool shell)
{
	struct interp ip;
	int fd, r;

	fd = refgc_open();
	if (fd < 0) {
		cmd_error(json_errors, shell ? "shell" : "run", fd,
			  REFGC_DEVICE);
		device_hint(fd);
		return 2;
	}
	r = ip_init(&ip, fd, json);
	if (r) {
		cmd_error(json_errors, shell ? "shell" : "run", r,
			  REFGC_DEVICE);
		refgc_close(fd);
		return 2;
	}
	ip.file = file;
	ip.keep_going = keep_going;
	ip.echo = echo && !json;
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

/* run, shell and check. */
static int cmd_run(int argc, char **argv, bool shell, bool check_only)
{
	bool json = false, keep_going = false, echo = false;
	bool script = !shell && !check_only;
	const char *sub = shell ? "shell" : check_only ? "check" : "run";
	const char *file = NULL, *name = "<stdin>";
	FILE *f = stdin, *mf;
	size_t len;
	char *buf;
	int i, r;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--keep-going") && script) {
			keep_going = true;
		} else if (!strcmp(argv[i], "--echo") && script) {
			echo = true;
		} else if (!file && !shell &&
			   (argv[i][0] != '-' || !strcmp(argv[i], "-"))) {
			file = argv[i];
		} else {
			return usage_error(sub, "unexpected argument");
		}
	}
	if (!shell && !file)
		return usage_error(sub, "no script given (FILE, or - for stdin)");
	if (file && strcmp(file, "-")) {
		f = fopen(file, "r");
		if (!f) {
			cmd_error(json_errors, sub, -errno, file);
			return 2;
		}
		name = file;
	}
	if (shell)
		return run_script(f, name, json, false, false, true);
	/* run and check: the whole script is parsed before anything runs. */
	buf = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	r = check_script(buf, len, name, json) ? 1 : 0;
	if (!r && script) {
		mf = buf_stream(buf, len);
		if (!mf) {
			fprintf(stderr, "refgcctl: %s: %s\n", name,
				strerror(errno));
			r = 2;
		} else {
			r = run_script(mf, name, json, keep_going, echo, false);
			fclose(mf);
		}
	}
	free(buf);
	return r;
}

int main(int argc, char **argv)
{
	bool json = false;
	const char *id;
	int i;

	for (i = 1; i < argc; i++)
		json_errors |= !strcmp(argv[i], "--json");
	if (argc < 2)
		return usage_error("refgcctl", "no command given");
	if (sub_wants_help(argc, argv))
		return 0;
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2, false, false);
	if (!strcmp(argv[1], "check"))
		return cmd_run(argc - 2, argv + 2, false, true);
	if (!strcmp(argv[1], "shell"))
		return cmd_run(argc - 2, argv + 2, true, false);
	if (!strcmp(argv[1], "unreachable"))
		return cmd_unreachable(argc - 2, argv + 2);
	if (!strcmp(argv[1], "arenas"))
		return cmd_arenas(argc - 2, argv + 2);
	if (!strcmp(argv[1], "-a") && argc >= 3) {
		id = argv[2];
		i = 3;
		if (i < argc && !strcmp(argv[i], "--json")) {
			json = true;
			i++;
		}
		return cmd_arena_ctl(id, argc - i, argv + i, json);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("refgcctl %s (ABI %d)\n", REFGCCTL_VERSION,
		       REFGC_ABI_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return 0;
	}
	if (argv[1][0] != '-') {
		fprintf(stderr, "refgcctl: unknown command '%s'\n", argv[1]);
		return usage_error(argv[1], "unknown command");
	}
	return usage_error(argv[1], "unknown option");
}
