// SPDX-License-Identifier: GPL-2.0
/*
 * script.c - reading and running scripts: the lexer, the command table,
 * the run loop (one result per command), and `repeat` (its parsing and
 * result; exec.c runs its body).
 *
 * The bodies of `repeat`, `def T.__del__:` and `weakref W V callback:` are
 * split at ';' here, when the line is parsed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static int cmd_repeat(struct interp *ip, struct cmd *c);
static int cmd_help(struct interp *ip, struct cmd *c);

static const struct cmd_def script_cmds[] = {
	{ "repeat", 2, MAX_TOKENS, CMD_NO_REPEAT | CMD_NO_BODY,
	  "N CMD [; CMD ...]", cmd_repeat, NULL },
	{ "help", 0, 0, CMD_NO_REPEAT | CMD_NO_BODY, "", cmd_help, NULL },
	{ NULL },
};

static const struct cmd_def *const cmd_tables[] = {
	obj_cmds, gc_cmds, graph_cmds, script_cmds, alias_cmds, fin_cmds,
};

/* "; did you mean 'X'?" for an unknown verb, or "". */
static const char *did_you_mean(const char *name)
{
	static char buf[80];
	const char *names[128], *best;
	const struct cmd_def *d;
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(cmd_tables); i++)
		for (d = cmd_tables[i]; d->name && n + 1 < ARRAY_SIZE(names);
		     d++)
			names[n++] = d->name;
	names[n] = NULL;
	best = diag_suggest(name, names);
	if (!best)
		return "";
	snprintf(buf, sizeof(buf), "; did you mean '%s'?", best);
	return buf;
}

/**
 * cmd_find() - look a command up by name
 * @name: the command's name.
 *
 * Return: its definition, or NULL.
 */
const struct cmd_def *cmd_find(const char *name)
{
	const struct cmd_def *d;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmd_tables); i++) {
		d = table_find(cmd_tables[i], sizeof(*d), name);
		if (d)
			return d;
	}
	return NULL;
}

static int cmd_help(struct interp *ip, struct cmd *c __maybe_unused)
{
	const struct cmd_def *d;
	size_t i;

	ip->out.custom = true;
	out_arr_begin(&ip->out, "commands");
	for (i = 0; i < ARRAY_SIZE(cmd_tables); i++) {
		for (d = cmd_tables[i]; d->name; d++) {
			if (out_text(&ip->out))
				fprintf(ip->out.f, "  %s %s\n", d->name,
					d->usage);
			out_str(&ip->out, NULL, d->name);
		}
	}
	out_arr_end(&ip->out);
	return 0;
}

static bool is_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	      *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/*
 * Split @line (modified in place) into words: whitespace separates, ';' is
 * a word of its own, '#' starts a comment.  Returns the number of words,
 * or -E2BIG (message set) when there are too many.
 */
static int tokenize(struct interp *ip, char *line, struct cmd *c)
{
	char *p = line;
	int n = 0, shift = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
		       *p == '\f' || *p == '\v')
			*p++ = '\0';
		if (!*p || *p == '#')
			break;
		if (n == MAX_TOKENS)
			return ip_error(ip, -E2BIG, (int)(p - line) + 1 - shift,
					"too many words (at most %d)",
					MAX_TOKENS);
		c->tok[n].s = p;
		c->tok[n].col = (int)(p - line) + 1 - shift;
		if (*p == ';') {
			p++;
			if (*p && *p != ' ' && *p != '\t' && *p != '#') {
				/* ";x": make room for the NUL. */
				memmove(p + 1, p, strlen(p) + 1);
				*p++ = '\0';
				shift++;
			}
			n++;
			continue;
		}
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' &&
		       *p != '\n' && *p != '#' && *p != ';')
			p++;
		n++;
		if (*p == '#') {
			*p = '\0';
			break;
		}
		if (*p == ';') {
			memmove(p + 1, p, strlen(p) + 1);
			*p++ = '\0';
			shift++;
		}
	}
	c->ntok = n;
	return n;
}

/*
 * Look up the command of @c and check its word count; @where is NULL at
 * the top level, else "repeat" or "a body".
 */
static int check_cmd(struct interp *ip, struct cmd *c, const char *where)
{
	const struct cmd_def *d;
	int i, nargs = c->ntok - 1;

	d = is_name(c->tok[0].s) ? cmd_find(c->tok[0].s) : NULL;
	if (!d)
		return ip_error(ip, -EINVAL, c->tok[0].col,
				"unknown command '%s'%s", c->tok[0].s,
				did_you_mean(c->tok[0].s));
	if (where && !strcmp(where, "repeat") && (d->flags & CMD_NO_REPEAT))
		return ip_error(ip, -EINVAL, c->tok[0].col,
				"'%s' cannot be repeated", d->name);
	if (where && strcmp(where, "repeat") &&
	    (d->flags & (CMD_NO_REPEAT | CMD_NO_BODY)))
		return ip_error(ip, -EINVAL, c->tok[0].col,
				"'%s' cannot be in %s", d->name, where);
	if (nargs < d->min || nargs > d->max) {
		int col = nargs < d->min ? c->tok[c->ntok - 1].col +
			  (int)strlen(c->tok[c->ntok - 1].s) :
			  c->tok[d->max + 1].col;

		return ip_error(ip, -EINVAL, col, "usage: %s %s", d->name,
				d->usage);
	}
	for (i = 0; i < c->ntok; i++)
		c->sym[i] = is_name(c->tok[i].s) ?
			    (int32_t)strtab_intern(&ip->ns.strs, c->tok[i].s,
						   strlen(c->tok[i].s)) : -1;
	c->def = d;
	return 0;
}

/*
 * Where the body of @c starts: `repeat N BODY`, `def T.__del__: BODY`
 * (or `def T.__del__ : BODY`), `weakref W V callback: BODY`; 0 for none.
 */
static int body_start(struct cmd *c)
{
	const char *name = c->def->name;
	size_t n;

	if (!strcmp(name, "repeat"))
		return 2;
	if (!strcmp(name, "def")) {
		n = strlen(c->tok[1].s);
		if (n > 1 && c->tok[1].s[n - 1] == ':')
			return 2;
		return c->ntok > 2 && !strcmp(c->tok[2].s, ":") ? 3 : 0;
	}
	if (!strcmp(name, "weakref") && c->ntok > 3 &&
	    !strcmp(c->tok[3].s, "callback:"))
		return 4;
	return 0;
}

/* Split the body of @c (repeat, def, weakref callback) at ';'. */
static int parse_body(struct interp *ip, struct cmd *c)
{
	int start = body_start(c), i, n = 0;
	bool rep = c->def->fn == cmd_repeat;
	const char *where = rep ? "repeat" : "a body";

	if (!start)
		return 0;
	if (start == c->ntok && !rep)
		return ip_error(ip, -EINVAL, c->tok[start - 1].col +
				(int)strlen(c->tok[start - 1].s),
				"expected a command after ':'");
	c->body = xcalloc((size_t)c->ntok, sizeof(*c->body));
	for (i = start; i <= c->ntok; i++) {
		struct cmd *b;
		int r, k;

		if (i < c->ntok && strcmp(c->tok[i].s, ";"))
			continue;
		if (i == start)
			return ip_error(ip, -EINVAL, i < c->ntok ?
					c->tok[i].col : c->tok[i - 1].col,
					"empty command in %s", where);
		b = &c->body[n++];
		b->line = c->line;
		b->ntok = i - start;
		for (k = 0; k < b->ntok; k++)
			b->tok[k] = c->tok[start + k];
		r = check_cmd(ip, b, where);
		if (r)
			return r;
		start = i + 1;
	}
	c->nbody = n;
	return 0;
}

static int cmd_repeat(struct interp *ip, struct cmd *c)
{
	bool mute = ip->out.mute;
	uint64_t n;
	int r;

	r = parse_num(ip, c, 1, UINT64_MAX, &n);
	if (r)
		return r;
	if (c->ntok < 3 || !strcmp(c->tok[2].s, ";"))
		return ip_error(ip, -EINVAL, c->tok[1].col,
				"usage: repeat N CMD [; CMD ...]");
	ip->out.mute = true;
	r = ix_repeat(ip, c, n);
	ip->out.mute = mute;
	if (r)
		return r;
	out_u64(&ip->out, "count", n);
	return 0;
}

static void free_cmd(struct cmd *c)
{
	free(c->body);
	c->body = NULL;
}

/**
 * cmd_report() - report a failed command
 * @ip: the interpreter (its message is in @ip->err).
 * @name: the command's name.
 * @lineno: its line.
 * @r: its errno.
 * @src: its source line.
 *
 * JSON on stdout, or FILE:LINE:COL on stderr.
 */
void cmd_report(struct interp *ip, const char *name, int lineno, int r,
		const char *src)
{
	const char *msg = sb_str(&ip->err);

	if (ip->out.json || ip->out.mute) {
		out_fail(&ip->out, name, lineno, r, msg);
		return;
	}
	if (ip->err_pfx <= strlen(msg))
		msg += ip->err_pfx;
	diag_print(ip->file ? ip->file : "<stdin>", lineno, ip->err_col, msg,
		   src);
}

/**
 * cmd_exec() - run one parsed command and write its result
 * @ip: the interpreter.
 * @c: the command.
 *
 * Return: 0, or its errno; then the message is in @ip->err and nothing
 * is written (cmd_report() writes it).
 */
int cmd_exec(struct interp *ip, struct cmd *c)
{
	int r;

	ip->line = c->line;
	sb_reset(&ip->err);
	ip->err_col = 0;
	ip->err_pfx = 0;
	out_begin(&ip->out, c->tok[0].s, c->line);
	r = c->def->fn(ip, c);
	if (!r)
		out_end(&ip->out);
	else if (!ip->err.len)
		ip_kerr(ip, r, c);
	return r;
}

/* Parse one line: 0 and the command in @c, or its errno (message set). */
static int parse_line(struct interp *ip, char *line, struct cmd *c)
{
	int r;

	sb_reset(&ip->err);
	ip->err_col = 0;
	ip->err_pfx = 0;
	r = tokenize(ip, line, c);
	if (r > 0)
		r = check_cmd(ip, c, NULL);
	if (!r && c->ntok)
		r = parse_body(ip, c);
	return r;
}

/* Parse and run one line; returns 0 or the failing command's errno. */
static int run_line(struct interp *ip, char *line, int lineno)
{
	struct cmd c = { .line = lineno };
	char *src = xstrdup(line);
	const char *name;
	int r;

	ip->line = lineno;
	sb_reset(&ip->err);
	ip->err_col = 0;
	ip->err_pfx = 0;
	r = tokenize(ip, line, &c);
	if (r == 0) {
		free(src);
		return 0;
	}
	name = r > 0 ? c.tok[0].s : "";
	if (r > 0)
		r = check_cmd(ip, &c, NULL);
	if (!r)
		r = parse_body(ip, &c);
	ip->src = src;
	if (!r)
		r = cmd_exec(ip, &c);
	if (r) {
		cmd_report(ip, name, lineno, r, src);
		ip->failures++;
	}
	/* __del__ of what the command freed, callbacks, async records. */
	fin_drain(ip);
	ip->src = NULL;
	free(src);
	free_cmd(&c);
	return r;
}

/**
 * script_check() - parse a whole script without running anything
 * @ip: an interpreter (it needs no arena: ip_init_offline() will do).
 * @f: the script.
 *
 * Every line is split into words, its verb looked up and its word count
 * checked (the bodies of `repeat` too); each error is reported as a
 * failed command would be.  Names, numbers and types are checked when the
 * command runs.
 *
 * Return: the number of lines with errors.
 */
int script_check(struct interp *ip, FILE *f)
{
	char *line = NULL, *src;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, errors = 0;

	while ((len = getline(&line, &cap, f)) >= 0) {
		struct cmd c = { .line = ++lineno };
		int r;

		ip->line = lineno;
		src = xstrdup(line);
		line = xrealloc(line, (size_t)len * 2 + 2);
		cap = (size_t)len * 2 + 2;
		r = parse_line(ip, line, &c);
		if (r) {
			cmd_report(ip, c.ntok > 0 ? c.tok[0].s : "", lineno,
				   r, src);
			errors++;
		}
		free(src);
		free_cmd(&c);
	}
	free(line);
	return errors;
}

/* --echo: show a command line as ">>> line", skipping blanks and comments. */
static void echo_line(const char *line)
{
	const char *p = line + strspn(line, " \t");

	if (*p && *p != '\n' && *p != '#')
		printf(">>> %s%s", p, strchr(p, '\n') ? "" : "\n");
}

/**
 * script_run() - run a script, one line at a time
 * @ip: the interpreter.
 * @f: the script.
 * @prompt: print a prompt before each line (interactive shell).
 *
 * Return: 0 if every command succeeded, else 1.  Without --keep-going
 * (and outside the shell) the first failure ends the run.
 */
int script_run(struct interp *ip, FILE *f, bool prompt)
{
	struct line_reader lr;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, r;

	lines_open(&lr, f, prompt);
	for (;;) {
		len = lines_read(&lr, &line, &cap);
		if (len < 0)
			break;
		lineno++;
		if (ip->echo)
			echo_line(line);
		/* Room for the ';' splitting of tokenize(). */
		line = xrealloc(line, (size_t)len * 2 + 2);
		cap = (size_t)len * 2 + 2;
		r = run_line(ip, line, lineno);
		if (r && !ip->keep_going && !ip->interactive)
			break;
	}
	lines_close(&lr);
	free(line);
	return ip->failures ? 1 : 0;
}
