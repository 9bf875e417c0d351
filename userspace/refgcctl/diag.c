// SPDX-License-Identifier: GPL-2.0
/*
 * diag.c - error messages for people, compiler style:
 *
 *   FILE:LINE:COL: error: MESSAGE
 *    SOURCE LINE
 *         ^
 *
 * and the "did you mean" of an unknown verb (the nearest command name by
 * edit distance).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/**
 * diag_print() - print one error with its source line and a caret
 * @file: the script's name ("<stdin>" for standard input).
 * @line: its line.
 * @col: the column (1-based), or 0 for none.
 * @msg: the message.
 * @src: the source line as read (may end in a newline), or NULL.
 */
void diag_print(const char *file, int line, int col, const char *msg,
		const char *src)
{
	size_t len;
	int i;

	fflush(stdout);
	if (col > 0)
		fprintf(stderr, "%s:%d:%d: error: %s\n", file, line, col, msg);
	else
		fprintf(stderr, "%s:%d: error: %s\n", file, line, msg);
	if (!src)
		return;
	len = strcspn(src, "\r\n");
	fprintf(stderr, " %.*s\n", (int)len, src);
	if (col <= 0 || (size_t)col > len + 1)
		return;
	fputc(' ', stderr);
	/* Keep the source's tabs, so that the caret lines up. */
	for (i = 0; i < col - 1; i++)
		fputc(src[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

/* Levenshtein distance, for short names only. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64], prev, tmp;

	if (lb >= ARRAY_SIZE(row) || la >= ARRAY_SIZE(row))
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

/**
 * diag_suggest() - the command name nearest to an unknown one
 * @name: what was written.
 * @names: NULL-terminated candidates.
 *
 * Return: the nearest candidate within a third of its length (at least
 * 1, at most 3 edits), or NULL.
 */
const char *diag_suggest(const char *name, const char *const *names)
{
	const char *best = NULL;
	size_t d, bd = (size_t)-1, limit;

	for (; *names; names++) {
		d = distance(name, *names);
		limit = strlen(*names) / 3;
		limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
		if (d <= limit && d < bd) {
			bd = d;
			best = *names;
		}
	}
	return best;
}
