// SPDX-License-Identifier: GPL-2.0
/*
 * interp.c - one script run (struct interp): its setup and teardown,
 * which join the namespace (names.c: names, types, labels) and the
 * executor (exec.c: how ops reach the arena: at once, batched, replayed);
 * the failing command's message; descriptors of objects; number
 * arguments.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/**
 * ip_init() - a fresh interpreter on an arena
 * @ip: zeroed by the call.
 * @fd: the arena.
 * @json: --json mode.
 *
 * Return: 0 or -errno.
 */
int ip_init(struct interp *ip, int fd, bool json)
{
	uint32_t wname;
	int r;

	memset(ip, 0, sizeof(*ip));
	ip->fd = fd;
	ip->out.json = json;
	ip->out.f = stdout;
	r = refgc_batch_init(&ip->ex.batch, fd);
	if (r)
		return r;
	wname = strtab_intern(&ip->ns.strs, REFGC_TYPE_WEAKREF_NAME,
			      strlen(REFGC_TYPE_WEAKREF_NAME));
	ip_add_type(ip, REFGC_TYPE_WEAKREF_ID, wname, 0);
	return 0;
}

/**
 * ip_init_offline() - an interpreter with no arena, to parse (check) only
 * @ip: zeroed by the call.
 * @json: --json mode.
 */
void ip_init_offline(struct interp *ip, bool json)
{
	memset(ip, 0, sizeof(*ip));
	ip->fd = -1;
	ip->out.json = json;
	ip->out.f = stdout;
}

/**
 * ip_free() - release the interpreter (not the arena)
 * @ip: the interpreter.
 */
void ip_free(struct interp *ip)
{
	fin_free(ip);
	exec_free(&ip->ex);
	names_free(&ip->ns);
	sb_free(&ip->err);
	sb_free(&ip->out.sb);
	free(ip->growth);
}

/**
 * ip_error() - set the failing command's message
 * @ip: the interpreter.
 * @err: the negative errno to return.
 * @col: the column it points at, or 0.
 * @fmt: the message.
 *
 * Return: @err.
 */
int ip_error(struct interp *ip, int err, int col, const char *fmt, ...)
{
	va_list ap;

	sb_reset(&ip->err);
	if (col > 0)
		sb_printf(&ip->err, "line %d, column %d: ", ip->line, col);
	else
		sb_printf(&ip->err, "line %d: ", ip->line);
	ip->err_col = col;
	ip->err_pfx = ip->err.len;
	va_start(ap, fmt);
	sb_vprintf(&ip->err, fmt, ap);
	va_end(ap);
	return err;
}

/**
 * ip_kerr() - set the message of a command the module refused
 * @ip: the interpreter.
 * @err: the negative errno.
 * @c: the command.
 *
 * Return: @err.
 */
int ip_kerr(struct interp *ip, int err, struct cmd *c)
{
	struct strbuf sb = { 0 };
	int i;

	for (i = 0; i < c->ntok; i++) {
		if (i)
			sb_putc(&sb, ' ');
		sb_puts(&sb, c->tok[i].s);
	}
	ip_error(ip, err, 0, "%s: %s (%s)", sb_str(&sb), strerror(-err),
		 errno_name(err));
	ip->err_col = c->ntok ? c->tok[0].col : 0;
	sb_free(&sb);
	return err;
}

/**
 * out_desc_t() - write an object descriptor {"id", "type", "label"}
 * @ip: the interpreter.
 * @key: the member name, or NULL inside an array.
 * @id: the object.
 * @type: its type id.
 */
void out_desc_t(struct interp *ip, const char *key, uint64_t id,
		uint32_t type)
{
	struct out *o = &ip->out;

	if (o->mute)
		return;
	out_obj_begin(o, key);
	out_u64(o, "id", id);
	out_str(o, "type", ip_type_name(ip, type));
	out_str(o, "label", ip_label(ip, id));
	out_obj_end(o);
}

/**
 * out_desc() - write an object descriptor, looking its type up
 * @ip: the interpreter.
 * @key: the member name, or NULL inside an array.
 * @id: the object.
 */
void out_desc(struct interp *ip, const char *key, uint64_t id)
{
	if (!ip->out.mute)
		out_desc_t(ip, key, id, ip_obj_type(ip, id));
}

/**
 * print_desc() - a descriptor for people: <type label #id>
 * @ip: the interpreter.
 * @id: the object.
 * @type: its type id.
 */
void print_desc(struct interp *ip, uint64_t id, uint32_t type)
{
	const char *label = ip_label(ip, id);

	fprintf(ip->out.f, "<%s %s#%llu>", ip_type_name(ip, type),
		label ? label : "", (unsigned long long)id);
}

/**
 * parse_num() - a number argument
 * @ip: the interpreter.
 * @c: the command.
 * @i: the word.
 * @max: the largest value allowed.
 * @v: set to the value.
 *
 * Return: 0, or -EINVAL (message set).
 */
int parse_num(struct interp *ip, struct cmd *c, int i, uint64_t max,
	      uint64_t *v)
{
	if (!parse_u64(c->tok[i].s, v))
		return ip_error(ip, -EINVAL, c->tok[i].col,
				"expected a number, got '%s'", c->tok[i].s);
	if (*v > max)
		return ip_error(ip, -EINVAL, c->tok[i].col,
				"%s is out of range (at most %llu)",
				c->tok[i].s, (unsigned long long)max);
	return 0;
}
