// SPDX-License-Identifier: GPL-2.0
/*
 * out.c - the result writer (see out.h): builds each JSON result in a
 * buffer and writes it as one line, or renders top-level scalars as text.
 * It is refgcctl's only JSON writer: every record of every subcommand
 * (scripts, check, unreachable, arenas, -a ID, errors) is made here, so
 * that each starts with "v" and "cmd" and is escaped the same way.
 */
#include <inttypes.h>
#include <string.h>

#include "out.h"

/*
 * The version of refgcctl's JSON records, their "v" member (refgcctl(1),
 * JSON): raised when a member changes meaning or goes away, not when
 * one is added.
 */
#define JSON_VERSION	1
#define JSON_STR_(x)	#x
#define JSON_STR(x)	JSON_STR_(x)
/* The first member of every record, for format strings. */
#define JSON_V		"\"v\":" JSON_STR(JSON_VERSION)

/**
 * out_text() - whether commands should print their own text
 * @o: the writer.
 *
 * Return: true in text mode, unless muted.
 */
bool out_text(const struct out *o)
{
	return !o->json && !o->mute;
}

/* Append a JSON string literal (null for NULL). */
static void json_escape(struct strbuf *sb, const char *s)
{
	if (!s) {
		sb_puts(sb, "null");
		return;
	}
	sb_putc(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)c);
		} else if (c == '\n') {
			sb_puts(sb, "\\n");
		} else if (c == '\t') {
			sb_puts(sb, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			sb_printf(sb, "\\u%04x", c);
		} else {
			sb_putc(sb, (char)c);
		}
	}
	sb_putc(sb, '"');
}

/* Start a JSON record: its version and its command, open for more. */
static void json_record(struct strbuf *sb, const char *cmd)
{
	sb_puts(sb, "{" JSON_V ",\"cmd\":");
	json_escape(sb, cmd);
}

/* " \"line\":N" for a script line; records outside a script have none. */
static void json_line(struct strbuf *sb, int line)
{
	if (line > 0)
		sb_printf(sb, ",\"line\":%d", line);
}

/* Start a member (key given) or an element (key NULL) of the container. */
static bool member(struct out *o, const char *key)
{
	if (o->mute || !o->json) {
		if (out_text(o) && !o->custom && o->depth == 1 && key) {
			fprintf(o->f, "%s: ", key);
			return true;
		}
		return false;
	}
	if (!o->first[o->depth])
		sb_putc(&o->sb, ',');
	o->first[o->depth] = false;
	if (key) {
		json_escape(&o->sb, key);
		sb_putc(&o->sb, ':');
	}
	return true;
}

static void push(struct out *o)
{
	if (o->depth + 1 < OUT_MAX_DEPTH)
		o->depth++;
	o->first[o->depth] = true;
}

/**
 * out_begin() - start the result of one command
 * @o: the writer.
 * @cmd: the command's name.
 * @line: its line in the script, or 0 for a record outside a script.
 */
void out_begin(struct out *o, const char *cmd, int line)
{
	o->depth = 0;
	o->custom = false;
	push(o);
	if (o->mute || !o->json)
		return;
	sb_reset(&o->sb);
	json_record(&o->sb, cmd);
	json_line(&o->sb, line);
	sb_puts(&o->sb, ",\"ok\":true");
	if (o->in) {
		sb_puts(&o->sb, ",\"in\":");
		json_escape(&o->sb, o->in);
	}
	o->first[1] = false;
}

/**
 * out_end() - finish and write the result
 * @o: the writer.
 */
void out_end(struct out *o)
{
	o->depth = 0;
	if (o->mute || !o->json)
		return;
	sb_puts(&o->sb, "}\n");
	fputs(sb_str(&o->sb), o->f);
	fflush(o->f);
}

/**
 * out_fail() - write the result of a failed command
 * @o: the writer.
 * @cmd: the command's name.
 * @line: its line, or 0.
 * @err: a negative errno.
 * @msg: what went wrong, for people.
 *
 * In text mode the message goes to stderr.
 */
void out_fail(struct out *o, const char *cmd, int line, int err,
	      const char *msg)
{
	o->depth = 0;
	if (o->mute)
		return;
	if (!o->json) {
		fflush(o->f);
		fprintf(stderr, "refgcctl: %s\n", msg);
		return;
	}
	sb_reset(&o->sb);
	json_record(&o->sb, cmd);
	json_line(&o->sb, line);
	sb_printf(&o->sb, ",\"ok\":false,\"errno\":\"%s\",\"error\":",
		  errno_name(err));
	json_escape(&o->sb, msg);
	if (o->in) {
		sb_puts(&o->sb, ",\"in\":");
		json_escape(&o->sb, o->in);
		sb_puts(&o->sb, ",\"ignored\":true");
	}
	sb_puts(&o->sb, "}\n");
	fputs(sb_str(&o->sb), o->f);
	fflush(o->f);
}

/**
 * json_fail() - write a failure record outside a script on stdout
 * @cmd: the subcommand, or the -a command.
 * @err: a negative errno.
 * @msg: what went wrong, for people.
 *
 * For --json errors that no script line owns: the device that cannot be
 * opened, a usage error, a debugfs file.
 */
void json_fail(const char *cmd, int err, const char *msg)
{
	struct strbuf sb = { 0 };

	json_record(&sb, cmd);
	sb_printf(&sb, ",\"ok\":false,\"errno\":\"%s\",\"error\":",
		  errno_name(err));
	json_escape(&sb, msg);
	sb_puts(&sb, "}\n");
	fputs(sb_str(&sb), stdout);
	fflush(stdout);
	sb_free(&sb);
}

/**
 * cmd_fail() - a failure of a subcommand, not of a script line
 * @json: as a JSON record on stdout (json_fail()), else on stderr.
 * @cmd: the subcommand, or the -a command.
 * @err: a negative errno.
 * @msg: what went wrong, for people.
 */
void cmd_fail(bool json, const char *cmd, int err, const char *msg)
{
	if (json)
		json_fail(cmd, err, msg);
	else
		fprintf(stderr, "refgcctl: %s\n", msg);
}

/**
 * cmd_error() - "@what: <strerror>" for a subcommand, not a script line
 * @json: as a JSON record on stdout (json_fail()), else on stderr.
 * @cmd: the subcommand, or the -a command.
 * @err: a negative errno.
 * @what: the file or device.
 */
void cmd_error(bool json, const char *cmd, int err, const char *what)
{
	struct strbuf msg = { 0 };

	sb_printf(&msg, "%s: %s", what, strerror(-err));
	cmd_fail(json, cmd, err, sb_str(&msg));
	sb_free(&msg);
}

void out_u64(struct out *o, const char *key, uint64_t v)
{
	if (!member(o, key))
		return;
	if (o->json)
		sb_printf(&o->sb, "%" PRIu64, v);
	else
		fprintf(o->f, "%" PRIu64 "\n", v);
}

void out_i64(struct out *o, const char *key, int64_t v)
{
	if (!member(o, key))
		return;
	if (o->json)
		sb_printf(&o->sb, "%" PRId64, v);
	else
		fprintf(o->f, "%" PRId64 "\n", v);
}

void out_bool(struct out *o, const char *key, bool v)
{
	if (!member(o, key))
		return;
	if (o->json)
		sb_puts(&o->sb, v ? "true" : "false");
	else
		fprintf(o->f, "%s\n", v ? "True" : "False");
}

void out_str(struct out *o, const char *key, const char *s)
{
	if (!member(o, key))
		return;
	if (o->json)
		json_escape(&o->sb, s);
	else
		fprintf(o->f, "%s\n", s ? s : "None");
}

void out_null(struct out *o, const char *key)
{
	out_str(o, key, NULL);
}

void out_arr_begin(struct out *o, const char *key)
{
	if (o->json && !o->mute) {
		member(o, key);
		sb_putc(&o->sb, '[');
	}
	push(o);
}

void out_arr_end(struct out *o)
{
	if (o->depth > 0)
		o->depth--;
	if (o->json && !o->mute)
		sb_putc(&o->sb, ']');
}

void out_obj_begin(struct out *o, const char *key)
{
	if (o->json && !o->mute) {
		member(o, key);
		sb_putc(&o->sb, '{');
	}
	push(o);
}

void out_obj_end(struct out *o)
{
	if (o->depth > 0)
		o->depth--;
	if (o->json && !o->mute)
		sb_putc(&o->sb, '}');
}
