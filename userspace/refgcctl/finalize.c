// SPDX-License-Identifier: GPL-2.0
/*
 * finalize.c - __del__ and weakref callback bodies: `def T.__del__: BODY`
 * and `pass`, the bodies' storage, running a FINALIZE or WEAKREF record
 * (self bound, errors reported and ignored), and draining the event
 * queue after each command into the log that `events` shows.
 *
 * CPython runs __del__ at the decref that kills an object, and inside
 * gc.collect() for garbage.  Here the module queues a record instead:
 * inside `collect`, refgc_collect_fin() hands them to fin_record(); after
 * every command (top level or in a body) fin_drain() takes what refcount
 * deaths and automatic collections queued and runs those bodies.  While a
 * collection is suspended, its reader has taken the phase's records
 * before running any, so a drain in a body takes only what that body
 * queued, and runs it nested, as CPython does.  Bodies nest (a __del__ that collects, or that
 * frees a finalizer object) up to FIN_MAX_DEPTH; deeper ones are
 * reported and not run, as CPython's RecursionError would end them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define FIN_MAX_DEPTH	8	/* bodies running one inside another */
#define LOG_MAX		65536	/* records kept for `events` */
#define LOG_CHUNK	256

/**
 * fin_body_dup() - keep the body of a command after its line is gone
 * @c: the command, its body parsed (c->body, c->nbody).
 * @what: "T.__del__" or "W.callback".
 * @src: the source line, or NULL.
 *
 * Return: the new body.
 */
struct fbody *fin_body_dup(struct cmd *c, const char *what, const char *src)
{
	struct fbody *b = xcalloc(1, sizeof(*b));
	size_t len = 0, off = 0;
	int i, k;

	for (i = 0; i < c->nbody; i++)
		for (k = 0; k < c->body[i].ntok; k++)
			len += strlen(c->body[i].tok[k].s) + 1;
	b->what = xstrdup(what);
	b->src = xstrdup(src ? src : "");
	b->strs = xcalloc(len + 1, 1);
	b->cmds = xcalloc((size_t)c->nbody, sizeof(*b->cmds));
	b->n = c->nbody;
	for (i = 0; i < c->nbody; i++) {
		b->cmds[i] = c->body[i];
		b->cmds[i].body = NULL;
		for (k = 0; k < c->body[i].ntok; k++) {
			size_t n = strlen(c->body[i].tok[k].s) + 1;

			memcpy(b->strs + off, c->body[i].tok[k].s, n);
			b->cmds[i].tok[k].s = b->strs + off;
			off += n;
		}
	}
	return b;
}

/**
 * fin_body_free() - free a body
 * @b: the body, or NULL.
 */
void fin_body_free(struct fbody *b)
{
	if (!b)
		return;
	free(b->what);
	free(b->src);
	free(b->strs);
	free(b->cmds);
	free(b);
}

/**
 * fin_set_callback() - give weakref @wid's callback a body
 * @ip: the interpreter.
 * @wid: the weakref object.
 * @b: the body (the interpreter owns it from now on).
 */
void fin_set_callback(struct interp *ip, uint64_t wid, struct fbody *b)
{
	size_t i;

	for (i = 0; i < ip->nwcbs; i++) {
		if (ip->wcbs[i].id == wid) {
			fin_body_free(ip->wcbs[i].body);
			ip->wcbs[i].body = b;
			return;
		}
	}
	ip->wcbs = xrealloc(ip->wcbs, (ip->nwcbs + 1) * sizeof(*ip->wcbs));
	ip->wcbs[ip->nwcbs].id = wid;
	ip->wcbs[ip->nwcbs++].body = b;
}

/* Take the callback body of weakref @wid off the list: it runs once. */
static struct fbody *take_callback(struct interp *ip, uint64_t wid)
{
	struct fbody *b;
	size_t i;

	for (i = 0; i < ip->nwcbs; i++) {
		if (ip->wcbs[i].id != wid)
			continue;
		b = ip->wcbs[i].body;
		ip->wcbs[i] = ip->wcbs[--ip->nwcbs];
		return b;
	}
	return NULL;
}

/* "Exception ignored in ...": the header line on stderr. */
static void ignored_header(struct interp *ip, const struct fbody *b,
			   uint64_t id, const char *why)
{
	const char *label = ip_label(ip, id);

	fflush(ip->out.f);
	fprintf(stderr, "Exception ignored in: %s of <%s %s#%llu>%s%s\n",
		b->what, ip_type_name(ip, ip_obj_type(ip, id)),
		label ? label : "", (unsigned long long)id, why ? ": " : "",
		why ? why : "");
}

/*
 * Results of @b's commands are lines of their own, written while the
 * result of the command that runs it (collect) is still being built:
 * they get a buffer of their own, and are never muted.
 */
static void out_enter(struct interp *ip, struct out *saved,
		      const struct fbody *b)
{
	*saved = ip->out;
	ip->out.sb = (struct strbuf){ 0 };
	ip->out.mute = false;
	ip->out.in = b->what;
}

static void out_leave(struct interp *ip, struct out *saved)
{
	sb_free(&ip->out.sb);
	ip->out = *saved;
}

/* Too deep: the body does not run; say so, as CPython's RecursionError. */
static void too_deep(struct interp *ip, const struct fbody *b, uint64_t id)
{
	struct out saved;
	char msg[80];

	snprintf(msg, sizeof(msg), "finalizers nested more than %d deep",
		 FIN_MAX_DEPTH);
	ignored_header(ip, b, id, msg);
	if (!ip->out.json)
		return;
	out_enter(ip, &saved, b);
	out_fail(&ip->out, "def", b->n ? b->cmds[0].line : 0, -ELOOP, msg);
	out_leave(ip, &saved);
}

/* Run the commands of @b with self bound to @self (a handle, or 0). */
static void run_body(struct interp *ip, struct fbody *b, uint64_t id,
		     uint64_t self)
{
	uint32_t self_sym = strtab_intern(&ip->ns.strs, "self", 4);
	enum ix_mode mode = ip->ex.mode;
	const char *src = ip->src;
	int line = ip->line, i, r;
	struct out saved;
	uint64_t old;

	old = ip_sym(ip, self_sym)->obj;
	ip_sym(ip, self_sym)->obj = self;
	out_enter(ip, &saved, b);
	ip->ex.mode = IX_NOW;
	ip->src = b->src;
	ip->fin_depth++;
	for (i = 0; i < b->n; i++) {
		r = cmd_exec(ip, &b->cmds[i]);
		if (r) {
			ignored_header(ip, b, id, NULL);
			cmd_report(ip, b->cmds[i].tok[0].s, b->cmds[i].line, r,
				   b->src);
		}
		fin_drain(ip);
		if (r)
			break;
	}
	/* self goes out of scope: its handle is dropped. */
	ix_unbind(ip, self_sym);
	fin_drain(ip);
	ip->fin_depth--;
	ip_sym(ip, self_sym)->obj = old;
	out_leave(ip, &saved);
	ip->ex.mode = mode;
	ip->src = src;
	ip->line = line;
	sb_reset(&ip->err);
}

/**
 * fin_record() - act on one record taken off the event queue
 * @ip: the interpreter.
 * @ev: the record.
 *
 * FINALIZE: run the object's type's __del__ body with self bound to the
 * record's handle (no body: drop it, as `pass`).  WEAKREF: run the
 * callback body, if the weakref has one, with self bound to the weakref.
 * Other records need nothing.
 *
 * Return: 0 (errors in bodies are reported and ignored).
 */
int fin_record(struct interp *ip, const struct refgc_event *ev)
{
	struct fbody *b = NULL;
	uint32_t type;
	uint64_t self = 0;

	if (ev->type == REFGC_EV_FINALIZE) {
		type = ip_obj_type(ip, ev->id);
		if (type && type < ip->ns.ntypes)
			b = ip->ns.types[type].del;
		self = ev->id;
	} else if (ev->type == REFGC_EV_WEAKREF) {
		b = take_callback(ip, ev->id);
		if (b && !refgc_incref(ip->fd, ev->id, NULL))
			self = ev->id;
	}
	if (b && ip->fin_depth >= FIN_MAX_DEPTH) {
		too_deep(ip, b, ev->id);
	} else if (b) {
		run_body(ip, b, ev->id, self);
		self = 0;
	}
	if (self)
		refgc_decref(ip->fd, self, NULL);
	if (ev->type == REFGC_EV_WEAKREF)
		fin_body_free(b);
	return 0;
}

/* Keep a record for `events`. */
static void log_add(struct interp *ip, const struct refgc_event *ev)
{
	if (ip->nlog >= LOG_MAX) {
		ip->log_lost++;
		return;
	}
	if (!(ip->nlog % LOG_CHUNK))
		ip->evlog = xrealloc(ip->evlog, (ip->nlog + LOG_CHUNK) *
				     sizeof(*ip->evlog));
	ip->evlog[ip->nlog++] = *ev;
}

/* Kept for collect's "events" (fin_nested_take()), in the order run. */
static void nested_add(struct interp *ip, const struct refgc_event *ev)
{
	ip->nested = xrealloc(ip->nested, (ip->nnested + 1) *
			      sizeof(*ip->nested));
	ip->nested[ip->nnested++] = *ev;
}

/**
 * fin_nested_take() - the records bodies ran nested inside `collect`
 * @ip: the interpreter.
 * @n: set to how many.
 *
 * Return: the array, now the caller's to free, or NULL.
 */
struct refgc_event *fin_nested_take(struct interp *ip, size_t *n)
{
	struct refgc_event *ev = ip->nested;

	*n = ip->nnested;
	ip->nested = NULL;
	ip->nnested = 0;
	return ev;
}

/**
 * fin_drain() - take the pending records off the event queue
 * @ip: the interpreter.
 *
 * Each record goes to the log `events` shows, and fin_record() runs its
 * body (at FIN_MAX_DEPTH it is reported instead, which ends a chain of
 * finalizers that free finalizer objects).  Inside a suspended
 * collection only a body drains (what it queued itself); `collect`'s
 * reader takes the rest.
 */
void fin_drain(struct interp *ip)
{
	struct refgc_event ev[64];
	int n, i;

	if (ip->fd < 0 || (ip->in_collect && !ip->fin_depth))
		return;
	while ((n = refgc_event_read(ip->fd, ev, ARRAY_SIZE(ev), 0)) > 0) {
		for (i = 0; i < n; i++) {
			if (ip->in_collect)
				nested_add(ip, &ev[i]);
			else
				log_add(ip, &ev[i]);
			fin_record(ip, &ev[i]);
		}
	}
}

/**
 * fin_free() - free the bodies and the log
 * @ip: the interpreter.
 */
void fin_free(struct interp *ip)
{
	uint32_t t;
	size_t i;

	for (t = 0; t < ip->ns.ntypes; t++)
		fin_body_free(ip->ns.types[t].del);
	for (i = 0; i < ip->nwcbs; i++)
		fin_body_free(ip->wcbs[i].body);
	free(ip->wcbs);
	free(ip->evlog);
	free(ip->nested);
}

/* def T.__del__: CMD [; CMD ...] */
static int cmd_def(struct interp *ip, struct cmd *c)
{
	const char *spec = c->tok[1].s, *dot = strchr(spec, '.');
	size_t n = strcspn(spec, ":"), tlen;
	struct typeinfo *t;
	struct fbody *b;
	uint32_t type = 0;
	char what[256];

	if (!c->body)
		return ip_error(ip, -EINVAL, c->tok[1].col,
				"usage: def T.__del__: CMD [; CMD ...]");
	tlen = dot ? (size_t)(dot - spec) : n;
	if (!dot || tlen >= n || n - tlen != 8 || strncmp(dot, ".__del__", 8))
		return ip_error(ip, -EINVAL, c->tok[1].col,
				"expected T.__del__, got '%.*s'", (int)n, spec);
	if (tlen)
		type = ip_sym(ip, strtab_intern(&ip->ns.strs, spec, tlen))->type;
	if (!type || type >= ip->ns.ntypes)
		return ip_error(ip, -ENOENT, c->tok[1].col,
				"unknown type '%.*s'", (int)tlen, spec);
	t = &ip->ns.types[type];
	if (!(t->flags & REFGC_TYPE_FINALIZER))
		return ip_error(ip, -EINVAL, c->tok[1].col,
				"'%.*s' is not a finalizer type (type %.*s finalizer)",
				(int)tlen, spec, (int)tlen, spec);
	snprintf(what, sizeof(what), "%.*s", (int)n, spec);
	b = fin_body_dup(c, what, ip->src);
	fin_body_free(t->del);
	t->del = b;
	ip->out.custom = true;
	out_str(&ip->out, "def", what);
	out_u64(&ip->out, "commands", (uint64_t)b->n);
	return 0;
}

/* pass: nothing, as Python's. */
static int cmd_pass(struct interp *ip, struct cmd *c __maybe_unused)
{
	ip->out.custom = true;
	return 0;
}

const struct cmd_def fin_cmds[] = {
	{ "def", 1, MAX_TOKENS - 1, CMD_NO_REPEAT | CMD_NO_BODY,
	  "T.__del__: CMD [; CMD ...]", cmd_def, NULL },
	{ "pass", 0, 0, CMD_BATCH, "", cmd_pass, NULL },
	{ NULL },
};
