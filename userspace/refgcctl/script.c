// SPDX-License-Identifier: GPL-2.0
/*
 * script.c - reading and running scripts: the lexer, the command table,
 * the run loop (one result per command), and `repeat`.
 *
 * The bodies of `repeat`, `def T.__del__:` and `weakref W V callback:` are
 * split at ';' here, when the line is parsed.
 *
 * `repeat N CMD [; CMD ...]` queues the object operations of its body in
 * one batch (ix_op() in IX_BATCH mode) and sends them with REFGC_IOC_BATCH.
 * When every command of the body only queues ops, the objects its `new`
 * commands will make are created ahead, a few thousand at a time, so that
 * no op waits for an id.  If a queued op fails, the names are restored to
 * their state at the last flush and the commands before the failing one
 * are replayed without ops (IX_DRY), which leaves the names exactly as
 * the ops that did run left the arena.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define FLUSH_AT	16384	/* queued ops that trigger a flush */
#define POOL_MAX	4096	/* objects made ahead at once */

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
			    (int32_t)strtab_intern(&ip->strs, c->tok[i].s,
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

/* Where a batch began: the names then, and the command that came next. */
struct rp_state {
	struct cmd *c;
	uint64_t n;
	uint64_t *objs;
	uint32_t nobjs;
	uint64_t it;
	uint32_t ci;
	size_t pool_pos;
	uint32_t news;
	bool use_pool;
};

static void rp_snapshot(struct interp *ip, struct rp_state *rp,
			uint64_t it, uint32_t ci)
{
	uint32_t i;

	if (ci >= (uint32_t)rp->c->nbody) {
		it++;
		ci = 0;
	}
	/* Nothing left ahead: start the pool over. */
	if (ip->pool_pos == ip->pool_n) {
		ip->pool_pos = 0;
		ip->pool_n = 0;
	}
	if (rp->nobjs < ip->nsyms)
		rp->objs = xrealloc(rp->objs, ip->nsyms * sizeof(*rp->objs));
	rp->nobjs = ip->nsyms;
	for (i = 0; i < ip->nsyms; i++)
		rp->objs[i] = ip->syms[i].obj;
	rp->it = it;
	rp->ci = ci;
	rp->pool_pos = ip->pool_pos;
}

/* Undo the names to the snapshot, then replay up to (it, ci) without ops. */
static void rp_replay(struct interp *ip, struct rp_state *rp, uint64_t it,
		      uint32_t ci)
{
	struct cmd *body = rp->c->body;
	uint64_t t = rp->it;
	uint32_t k = rp->ci, i;

	for (i = 0; i < ip->nsyms; i++)
		ip->syms[i].obj = i < rp->nobjs ? rp->objs[i] : 0;
	ip->pool_pos = rp->pool_pos;
	ip->mode = IX_DRY;
	while (t < it || (t == it && k < ci)) {
		body[k].def->fn(ip, &body[k]);
		if (++k == (uint32_t)rp->c->nbody) {
			k = 0;
			t++;
		}
	}
	ip->mode = IX_BATCH;
}

static int rp_fail(struct interp *ip, struct rp_state *rp, int err,
		   uint64_t it, uint32_t ci)
{
	struct cmd *b = &rp->c->body[ci];
	struct strbuf msg = { 0 };

	if (!ip->err.len)
		ip_kerr(ip, err, b);
	sb_printf(&msg, "%s (repeat iteration %llu)", sb_str(&ip->err),
		  (unsigned long long)it + 1);
	sb_reset(&ip->err);
	sb_puts(&ip->err, sb_str(&msg));
	sb_free(&msg);
	return err;
}

static struct rp_state *cur_rp;

/**
 * ix_flush() - send the ops `repeat` has queued
 * @ip: the interpreter.
 *
 * Return: 0, or the errno of the op that failed; then the names are as
 * the ops that ran left them and the message names the failing command.
 */
int ix_flush(struct interp *ip)
{
	struct rp_state *rp = cur_rp;
	uint64_t it;
	uint32_t ci, k;
	int r;

	if (ip->mode != IX_BATCH || !rp)
		return 0;
	if (ip->batch.n) {
		r = refgc_batch_submit(&ip->batch, 0);
		if (r) {
			k = ip->batch.done ? ip->batch.done - 1 : 0;
			it = ip->tag_it[k];
			ci = ip->tag[k];
			refgc_batch_reset(&ip->batch);
			rp_replay(ip, rp, it, ci);
			sb_reset(&ip->err);
			return rp_fail(ip, rp, r, it, ci);
		}
		refgc_batch_reset(&ip->batch);
	}
	rp_snapshot(ip, rp, ip->cur_it, ip->cur_ci);
	return 0;
}

/* Drop the handles of objects made ahead and not taken. */
static void pool_release(struct interp *ip)
{
	struct refgc_batcher b;
	size_t i;

	if (ip->pool_pos < ip->pool_n &&
	    !refgc_batch_init(&b, ip->fd)) {
		for (i = ip->pool_pos; i < ip->pool_n; i++)
			refgc_batch_add(&b, REFGC_OP_DECREF, ip->pool[i], 0, 0,
					0);
		refgc_batch_submit(&b, REFGC_BATCH_CONTINUE);
		refgc_batch_free(&b);
	}
	ip->pool_n = 0;
	ip->pool_pos = 0;
}

/* Make the objects of the next iterations' `new` commands ahead. */
static bool pool_fill(struct interp *ip, struct rp_state *rp, uint64_t it)
{
	uint64_t iters = POOL_MAX / rp->news, k;
	struct refgc_batcher b;
	uint32_t type;
	uint64_t bytes;
	size_t n = 0;
	int ci, r;

	if (!iters)
		iters = 1;
	if (iters > rp->n - it)
		iters = rp->n - it;
	pool_release(ip);
	if (refgc_batch_init(&b, ip->fd))
		return false;
	for (k = 0; k < iters; k++) {
		for (ci = 0; ci < rp->c->nbody; ci++) {
			struct cmd *bc = &rp->c->body[ci];

			if (!(bc->def->flags & CMD_NEW))
				continue;
			new_args(ip, bc, &type, &bytes);
			refgc_batch_add(&b, REFGC_OP_NEW, 0, type, bytes, 0);
		}
	}
	r = refgc_batch_submit(&b, 0);
	if (ip->pool_cap < b.n) {
		ip->pool = xrealloc(ip->pool, b.n * sizeof(*ip->pool));
		ip->pool_cap = b.n;
	}
	for (k = 0; k < b.n; k++)
		if (k < b.done && !b.ops[k].error)
			ip->pool[n++] = b.ops[k].result;
	ip->pool_n = n;
	ip->pool_pos = 0;
	refgc_batch_free(&b);
	if (r) {
		pool_release(ip);
		return false;
	}
	return true;
}

/* Can the pool be used: every `new` of the body has a valid type? */
static bool pool_usable(struct interp *ip, struct rp_state *rp)
{
	uint32_t type;
	uint64_t bytes;
	int ci;

	rp->news = 0;
	for (ci = 0; ci < rp->c->nbody; ci++) {
		struct cmd *bc = &rp->c->body[ci];

		if (!(bc->def->flags & CMD_BATCH))
			return false;
		if (!(bc->def->flags & CMD_NEW))
			continue;
		if (new_args(ip, bc, &type, &bytes))
			return false;
		rp->news++;
	}
	sb_reset(&ip->err);
	return rp->news > 0;
}

static int repeat_body(struct interp *ip, struct rp_state *rp)
{
	struct cmd *body = rp->c->body;
	uint64_t it;
	uint32_t ci;
	int r, f;

	for (it = 0; it < rp->n; it++) {
		ip->cur_it = it;
		ip->cur_ci = 0;
		if (rp->use_pool && ip->pool_pos == ip->pool_n) {
			r = ix_flush(ip);
			if (r)
				return r;
			rp->use_pool = pool_fill(ip, rp, it);
			rp_snapshot(ip, rp, it, 0);
		}
		for (ci = 0; ci < (uint32_t)rp->c->nbody; ci++) {
			struct cmd *b = &body[ci];

			ip->cur_ci = ci;
			if (!(b->def->flags & CMD_BATCH)) {
				r = ix_flush(ip);
				if (r)
					return r;
				ip->mode = IX_NOW;
				r = b->def->fn(ip, b);
				ip->mode = IX_BATCH;
				if (r)
					return rp_fail(ip, rp, r, it, ci);
				ip->cur_ci = ci + 1;
				rp_snapshot(ip, rp, it, ci + 1);
				continue;
			}
			r = b->def->fn(ip, b);
			if (r) {
				/* Send what earlier commands queued first. */
				struct strbuf keep = { 0 };

				sb_puts(&keep, sb_str(&ip->err));
				f = ix_flush(ip);
				if (!f) {
					sb_reset(&ip->err);
					sb_puts(&ip->err, sb_str(&keep));
				}
				sb_free(&keep);
				return f ? f : rp_fail(ip, rp, r, it, ci);
			}
			if (ip->batch.n >= FLUSH_AT) {
				ip->cur_ci = ci + 1;
				r = ix_flush(ip);
				if (r)
					return r;
			}
		}
		ip->cur_it = it + 1;
		ip->cur_ci = 0;
	}
	return ix_flush(ip);
}

static int cmd_repeat(struct interp *ip, struct cmd *c)
{
	struct rp_state rp = { .c = c };
	bool mute = ip->out.mute;
	int r;

	r = parse_num(ip, c, 1, UINT64_MAX, &rp.n);
	if (r)
		return r;
	if (c->ntok < 3 || !strcmp(c->tok[2].s, ";"))
		return ip_error(ip, -EINVAL, c->tok[1].col,
				"usage: repeat N CMD [; CMD ...]");
	rp.use_pool = pool_usable(ip, &rp);
	cur_rp = &rp;
	ip->out.mute = true;
	ip->mode = IX_BATCH;
	ip->cur_it = 0;
	ip->cur_ci = 0;
	rp_snapshot(ip, &rp, 0, 0);
	r = repeat_body(ip, &rp);
	pool_release(ip);
	ip->mode = IX_NOW;
	ip->out.mute = mute;
	cur_rp = NULL;
	free(rp.objs);
	if (r)
		return r;
	out_u64(&ip->out, "count", rp.n);
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
