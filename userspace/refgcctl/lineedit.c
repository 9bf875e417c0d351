// SPDX-License-Identifier: GPL-2.0
/*
 * lineedit.c - reading the lines of a script or of the shell: getline()
 * on a file or a pipe, and in `refgcctl shell` on a terminal, the prompt
 * with line editing and history from libedit (BSD-3-Clause, so it links
 * with GPL-2.0 code; GNU readline is GPL-3.0-or-later and does not).
 *
 * Built without libedit (HAVE_LIBEDIT unset: no <histedit.h>), the shell
 * prints its prompt and reads with getline() on a terminal too.  The
 * history lives in memory and in $HOME/.refgcctl_history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBEDIT
#include <histedit.h>
#endif

#include "ctl.h"

#define PROMPT		"refgc> "
#define HISTORY_SIZE	1000

#ifdef HAVE_LIBEDIT
static struct editline *el;
static struct history *hist;
static HistEvent hev;
static char *hist_file;

static char *el_prompt(struct editline *e)
{
	(void)e;
	return PROMPT;
}

/* libedit on @f (a terminal); false if it cannot start there. */
static bool el_start(FILE *f)
{
	const char *home = getenv("HOME");

	el = el_init("refgcctl", f, stdout, stderr);
	hist = history_init();
	if (!el || !hist) {
		if (el)
			el_end(el);
		if (hist)
			history_end(hist);
		el = NULL;
		hist = NULL;
		return false;
	}
	history(hist, &hev, H_SETSIZE, HISTORY_SIZE);
	history(hist, &hev, H_SETUNIQUE, 1);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_PROMPT, el_prompt);
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_SIGNAL, 1);
	el_source(el, NULL);	/* ~/.editrc, as other libedit programs */
	if (home && *home) {
		hist_file = xmalloc(strlen(home) + sizeof("/.refgcctl_history"));
		sprintf(hist_file, "%s/.refgcctl_history", home);
		history(hist, &hev, H_LOAD, hist_file);
	}
	return true;
}

/* One line from libedit into *@line, newline kept; -1 at the end. */
static ssize_t el_read(char **line, size_t *cap)
{
	const char *s;
	int n;

	s = el_gets(el, &n);
	if (!s || n <= 0)
		return -1;
	if ((size_t)n + 1 > *cap) {
		*cap = (size_t)n + 1;
		*line = xrealloc(*line, *cap);
	}
	memcpy(*line, s, (size_t)n);
	(*line)[n] = '\0';
	if (s[strspn(s, " \t\n")]) {
		history(hist, &hev, H_ENTER, s);
		if (hist_file)
			history(hist, &hev, H_SAVE, hist_file);
	}
	return n;
}
#endif

/**
 * lines_open() - start reading lines from @f
 * @lr: the reader.
 * @f: the script or the shell's input.
 * @prompt: the interactive shell on a terminal: prompt, and edit.
 */
void lines_open(struct line_reader *lr, FILE *f, bool prompt)
{
	lr->f = f;
	lr->prompt = prompt;
	lr->edit = false;
#ifdef HAVE_LIBEDIT
	if (prompt && !el)
		lr->edit = el_start(f);
#endif
}

/**
 * lines_read() - the next line, with its newline, into *@line
 * @lr: the reader.
 * @line: a malloc()ed buffer, grown as needed (NULL at first).
 * @cap: its size.
 *
 * Return: the line's length, or -1 at the end of the input.
 */
ssize_t lines_read(struct line_reader *lr, char **line, size_t *cap)
{
#ifdef HAVE_LIBEDIT
	if (lr->edit)
		return el_read(line, cap);
#endif
	if (lr->prompt) {
		fputs(PROMPT, stdout);
		fflush(stdout);
	}
	return getline(line, cap, lr->f);
}

/**
 * lines_close() - stop reading; a shell ends its last prompt's line
 * @lr: the reader.
 */
void lines_close(struct line_reader *lr)
{
	if (lr->prompt)
		fputc('\n', stdout);
#ifdef HAVE_LIBEDIT
	if (lr->edit) {
		el_end(el);
		history_end(hist);
		free(hist_file);
		el = NULL;
		hist = NULL;
		hist_file = NULL;
	}
#endif
}
