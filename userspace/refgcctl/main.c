// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - refgcctl's command line: the subcommands run, shell,
 * unreachable, arenas and -a ID, and their options.
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

static void print_usage(FILE *f)
{
	fputs("usage: refgcctl run [--json | --echo] [--keep-going] FILE|-\n"
	      "       refgcctl shell [--json]\n"
	      "       refgcctl unreachable GRAPHFILE\n"
	      "       refgcctl arenas [--json]\n"
	      "       refgcctl -a ID [--json] stats|objects|garbage|dot FILE|\n"
	      "                collect [GEN]|enable|disable|threshold T0 [T1 [T2]]|\n"
	      "                debug FLAGS|freeze|unfreeze\n"
	      "       refgcctl --version | --help\n"
	      "See refgcctl(1).\n", f);
}

static int run_script(FILE *f, bool json, bool keep_going, bool echo,
		      bool shell)
{
	struct interp ip;
	int fd, r;

	fd = refgc_open();
	if (fd < 0) {
		fprintf(stderr, "refgcctl: %s: %s\n", REFGC_DEVICE,
			strerror(-fd));
		return 2;
	}
	r = ip_init(&ip, fd, json);
	if (r) {
		fprintf(stderr, "refgcctl: %s: %s\n", REFGC_DEVICE,
			strerror(-r));
		refgc_close(fd);
		return 2;
	}
	ip.keep_going = keep_going;
	ip.echo = echo && !json;
	ip.interactive = shell;
	r = script_run(&ip, f, shell && isatty(STDIN_FILENO));
	ip_free(&ip);
	refgc_close(fd);
	return r;
}

static int cmd_run(int argc, char **argv, bool shell)
{
	bool json = false, keep_going = false, echo = false;
	const char *file = NULL;
	FILE *f = stdin;
	int i, r;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--keep-going") && !shell) {
			keep_going = true;
		} else if (!strcmp(argv[i], "--echo") && !shell) {
			echo = true;
		} else if (!file && !shell &&
			   (argv[i][0] != '-' || !strcmp(argv[i], "-"))) {
			file = argv[i];
		} else {
			print_usage(stderr);
			return 2;
		}
	}
	if (!shell && !file) {
		print_usage(stderr);
		return 2;
	}
	if (file && strcmp(file, "-")) {
		f = fopen(file, "r");
		if (!f) {
			fprintf(stderr, "refgcctl: %s: %s\n", file,
				strerror(errno));
			return 2;
		}
	}
	r = run_script(f, json, keep_going, echo, shell);
	if (f != stdin)
		fclose(f);
	return r;
}

int main(int argc, char **argv)
{
	bool json = false;
	const char *id;
	int i;

	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2, false);
	if (!strcmp(argv[1], "shell"))
		return cmd_run(argc - 2, argv + 2, true);
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
	print_usage(stderr);
	return 2;
}
