// SPDX-License-Identifier: GPL-2.0
/*
 * arenas.c - the debugfs side of refgcctl: `refgcctl arenas` lists every
 * arena of the system, and `refgcctl -a ID CMD` inspects or steers any
 * arena through /sys/kernel/debug/refgc/arenas/ID/ (root only).
 *
 * The debugfs directory can be moved with $REFGC_DEBUGFS.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static const char *debugfs_dir(void)
{
	const char *d = getenv("REFGC_DEBUGFS");

	return d && *d ? d : "/sys/kernel/debug/refgc";
}

/* Read a whole debugfs file into @sb. */
static int read_file(const char *path, struct strbuf *sb)
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

static int arena_file(const char *id, const char *name, struct strbuf *sb)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/arenas/%s/%s", debugfs_dir(), id,
		 name);
	return read_file(path, sb);
}

/* The value of "key: value" in a stats text, or NULL. */
static const char *stat_val(const char *text, const char *key, char *buf,
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

/* "gen0: objects N ..." -> N. */
static unsigned long long gen_objects(const char *text, int gen)
{
	char key[8], buf[256];

	snprintf(key, sizeof(key), "gen%d", gen);
	if (!stat_val(text, key, buf, sizeof(buf)))
		return 0;
	return strtoull(buf + strcspn(buf, "0123456789"), NULL, 10);
}

static int cmp_num(const void *a, const void *b)
{
	unsigned long x = strtoul(*(char *const *)a, NULL, 10);
	unsigned long y = strtoul(*(char *const *)b, NULL, 10);

	return x < y ? -1 : x > y;
}

/* The arena ids, sorted; returns how many (or -errno). */
static int list_ids(char ***ids)
{
	char path[512];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/arenas", debugfs_dir());
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

static void json_stats(struct strbuf *js, const char *text)
{
	const char *p = text;
	bool first = true;

	while (*p) {
		size_t n = strcspn(p, "\n"), k = strcspn(p, ":");
		struct strbuf key = { 0 }, val = { 0 };

		if (k < n && *p != '#') {
			const char *v = p + k + 1;
			size_t vn = n - k - 1;
			char *end;

			while (vn && *v == ' ') {
				v++;
				vn--;
			}
			sb_put(&key, p, k);
			sb_put(&val, v, vn);
			sb_puts(js, first ? "" : ",");
			first = false;
			json_escape(js, sb_str(&key));
			sb_putc(js, ':');
			strtoll(sb_str(&val), &end, 10);
			if (vn && !*end)
				sb_puts(js, sb_str(&val));
			else
				json_escape(js, sb_str(&val));
		}
		sb_free(&key);
		sb_free(&val);
		p += n;
		if (*p)
			p++;
	}
}

static int fail(bool json, const char *cmd, int err, const char *what)
{
	cmd_error(json, cmd, err, what);
	return 1;
}

/**
 * cmd_arenas() - `refgcctl arenas [--json]`: every arena of the system
 * @argc: arguments after the subcommand.
 * @argv: they.
 *
 * Return: the exit status.
 */
int cmd_arenas(int argc, char **argv)
{
	bool json = argc >= 1 && !strcmp(argv[0], "--json");
	struct strbuf js = { 0 }, path = { 0 };
	char **ids = NULL, buf[6][64];
	int n, i;

	if (argc > 1 || (argc == 1 && !json)) {
		if (json)
			json_fail("arenas", -EINVAL,
				  "usage: refgcctl arenas [--json]");
		fputs("usage: refgcctl arenas [--json]\n", stderr);
		return 2;
	}
	n = list_ids(&ids);
	if (n < 0) {
		sb_printf(&path, "%s/arenas", debugfs_dir());
		fail(json, "arenas", n, sb_str(&path));
		sb_free(&path);
		return 1;
	}
	if (json) {
		json_record(&js, "arenas");
		sb_puts(&js, ",\"ok\":true,\"arenas\":[");
	} else {
		printf("%-6s %-7s %-6s %-16s %10s %12s %8s %8s %8s %8s\n",
		       "ARENA", "PID", "UID", "COMM", "OBJECTS", "BYTES",
		       "GEN0", "GEN1", "GEN2", "GARBAGE");
	}
	for (i = 0; i < n; i++) {
		struct strbuf st = { 0 };
		const char *t;

		if (arena_file(ids[i], "stats", &st)) {
			sb_free(&st);
			continue;	/* closed meanwhile */
		}
		t = sb_str(&st);
		if (json) {
			sb_printf(&js, "%s{\"id\":%s,", i ? "," : "", ids[i]);
			json_stats(&js, t);
			sb_printf(&js, ",\"generations\":[%llu,%llu,%llu]}",
				  gen_objects(t, 0), gen_objects(t, 1),
				  gen_objects(t, 2));
		} else {
			printf("%-6s %-7s %-6s %-16s %10s %12s %8llu %8llu %8llu %8s\n",
			       ids[i],
			       stat_val(t, "owner_pid", buf[0], 64) ?: "?",
			       stat_val(t, "owner_uid", buf[1], 64) ?: "?",
			       stat_val(t, "owner_comm", buf[2], 64) ?: "?",
			       stat_val(t, "objects", buf[3], 64) ?: "?",
			       stat_val(t, "bytes", buf[4], 64) ?: "?",
			       gen_objects(t, 0), gen_objects(t, 1),
			       gen_objects(t, 2),
			       stat_val(t, "garbage", buf[5], 64) ?: "?");
		}
		sb_free(&st);
		free(ids[i]);
	}
	free(ids);
	if (json) {
		sb_puts(&js, "]}\n");
		fputs(sb_str(&js), stdout);
		sb_free(&js);
	}
	return 0;
}

static int write_control(const char *id, const char *cmd)
{
	char path[512];
	ssize_t n;
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/arenas/%s/control", debugfs_dir(),
		 id);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	if (n < 0)
		r = -errno;
	else if ((size_t)n != strlen(cmd))
		r = -EIO;
	close(fd);
	return r;
}

/* Print a dump file (objects, garbage, stats) as is or as JSON. */
static int show_file(const char *id, const char *cmd, const char *name,
		     bool json)
{
	struct strbuf sb = { 0 }, js = { 0 };
	int r = arena_file(id, name, &sb);

	if (r)
		return fail(json, cmd, r, name);
	if (!json) {
		fputs(sb_str(&sb), stdout);
	} else if (!strcmp(name, "stats")) {
		json_record(&js, cmd);
		sb_printf(&js, ",\"ok\":true,\"arena\":%s,", id);
		json_stats(&js, sb_str(&sb));
		sb_puts(&js, "}\n");
		fputs(sb_str(&js), stdout);
	} else {
		const char *p = sb_str(&sb);
		bool first = true;

		sb_printf(&js, "{" JSON_V ",\"cmd\":\"%s\",\"ok\":true,\"arena\":%s,\"%s\":[",
			  cmd, id, name);
		while (*p) {
			unsigned long long oid, rc, h, sl, by;
			char type[64], flags[128];
			int gen;

			if (*p != '#' &&
			    sscanf(p, "%llu %63s %llu %llu %d %127s %llu %llu",
				   &oid, type, &rc, &h, &gen, flags, &sl,
				   &by) == 8) {
				sb_printf(&js, "%s{\"id\":%llu,\"type\":", first ?
					  "" : ",", oid);
				json_escape(&js, type);
				sb_printf(&js, ",\"refcount\":%llu,\"handles\":%llu,\"generation\":%d,\"flags\":",
					  rc, h, gen);
				json_escape(&js, flags);
				sb_printf(&js, ",\"slots\":%llu,\"bytes\":%llu}",
					  sl, by);
				first = false;
			}
			p += strcspn(p, "\n");
			if (*p)
				p++;
		}
		sb_puts(&js, "]}\n");
		fputs(sb_str(&js), stdout);
	}
	sb_free(&sb);
	sb_free(&js);
	return 0;
}

/* `threshold` or `debug` without arguments: the current setting. */
static int show_setting(const char *id, const char *key, bool json)
{
	struct strbuf sb = { 0 }, js = { 0 };
	char val[256], *p, *w;
	bool first = true;
	int r = arena_file(id, "control", &sb);

	if (!r && !stat_val(sb_str(&sb), key, val, sizeof(val)))
		r = -EIO;
	sb_free(&sb);
	if (r)
		return fail(json, key, r, "control");
	if (!json) {
		printf("%s: %s\n", key, val);
		return 0;
	}
	sb_printf(&js, "{" JSON_V ",\"cmd\":\"%s\",\"ok\":true,\"arena\":%s,\"%s\":[",
		  key, id, key);
	p = val;
	while ((w = strsep(&p, strcmp(key, "debug") ? " " : ","))) {
		if (!*w || !strcmp(w, "none"))
			continue;
		sb_puts(&js, first ? "" : ",");
		first = false;
		if (strcmp(key, "debug"))
			sb_puts(&js, w);
		else
			json_escape(&js, w);
	}
	sb_puts(&js, "]}\n");
	fputs(sb_str(&js), stdout);
	sb_free(&js);
	return 0;
}

/* Collections and collected counts of a generation, from its stats. */
static void gen_totals(const char *id, int gen, unsigned long long v[3])
{
	struct strbuf sb = { 0 };
	char key[8], buf[256];

	memset(v, 0, 3 * sizeof(*v));
	snprintf(key, sizeof(key), "gen%d", gen);
	if (!arena_file(id, "stats", &sb) &&
	    stat_val(sb_str(&sb), key, buf, sizeof(buf)))
		sscanf(buf, "objects %*u count %*u threshold %*u collections %llu collected %llu uncollectable %llu",
		       &v[0], &v[1], &v[2]);
	sb_free(&sb);
}

/**
 * cmd_arena_ctl() - `refgcctl -a ID CMD [ARGS]`: any arena, via debugfs
 * @id: the arena's number (its debugfs directory).
 * @argc: CMD and its arguments.
 * @argv: they.
 * @json: one JSON object as the result.
 *
 * CMD is stats, objects, garbage, dot FILE, or one of the control file's
 * commands: collect [GEN], enable, disable, threshold T0 [T1 [T2]],
 * debug FLAGS, freeze, unfreeze.
 *
 * Return: the exit status.
 */
int cmd_arena_ctl(const char *id, int argc, char **argv, bool json)
{
	unsigned long long before[3], after[3];
	struct strbuf cmd = { 0 };
	const char *c;
	int i, r, gen = REFGC_NUM_GENERATIONS - 1;

	if (!argc || !*id || strspn(id, "0123456789") != strlen(id)) {
		if (json)
			json_fail("-a", -EINVAL, "usage: refgcctl -a ID COMMAND");
		fputs("usage: refgcctl -a ID stats|objects|garbage|dot FILE|collect [GEN]|enable|disable|threshold T0 [T1 [T2]]|debug FLAGS|freeze|unfreeze\n",
		      stderr);
		return 2;
	}
	c = argv[0];
	if (!strcmp(c, "stats") || !strcmp(c, "objects") ||
	    !strcmp(c, "garbage")) {
		if (argc != 1)
			return fail(json, c, -EINVAL, c);
		return show_file(id, c, c, json);
	}
	if (!strcmp(c, "dot")) {
		struct strbuf sb = { 0 };

		if (argc != 2)
			return fail(json, c, -EINVAL, "usage: dot FILE");
		r = arena_file(id, "graph.dot", &sb);
		if (!r)
			r = dot_render(sb_str(&sb), argv[1]);
		sb_reset(&sb);
		if (r) {
			sb_free(&sb);
			return fail(json, c, r, argv[1]);
		}
		if (json) {
			sb_printf(&sb, "{" JSON_V ",\"cmd\":\"dot\",\"ok\":true,\"arena\":%s,\"file\":",
				  id);
			json_escape(&sb, argv[1]);
			sb_puts(&sb, "}\n");
			fputs(sb_str(&sb), stdout);
		}
		sb_free(&sb);
		return 0;
	}
	if (argc == 1 && (!strcmp(c, "threshold") || !strcmp(c, "debug")))
		return show_setting(id, c, json);
	for (i = 0; i < argc; i++) {
		if (i)
			sb_putc(&cmd, ' ');
		sb_puts(&cmd, argv[i]);
	}
	if (!strcmp(c, "collect") && argc == 2)
		gen = atoi(argv[1]);
	gen_totals(id, gen >= 0 && gen < 3 ? gen : 2, before);
	r = write_control(id, sb_str(&cmd));
	if (r) {
		fail(json, c, r, sb_str(&cmd));
		sb_free(&cmd);
		return 1;
	}
	sb_free(&cmd);
	if (strcmp(c, "collect")) {
		if (json)
			printf("{" JSON_V ",\"cmd\":\"%s\",\"ok\":true,\"arena\":%s}\n", c,
			       id);
		return 0;
	}
	gen_totals(id, gen, after);
	if (json)
		printf("{" JSON_V ",\"cmd\":\"collect\",\"ok\":true,\"arena\":%s,\"generation\":%d,\"collected\":%llu,\"uncollectable\":%llu}\n",
		       id, gen, after[1] - before[1], after[2] - before[2]);
	else
		printf("arena %s: generation %d: %llu collected, %llu uncollectable\n",
		       id, gen, after[1] - before[1], after[2] - before[2]);
	return 0;
}
