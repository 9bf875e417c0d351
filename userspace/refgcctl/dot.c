// SPDX-License-Identifier: GPL-2.0
/*
 * dot.c - Graphviz output: the DOT text of the neighbourhood of an object
 * (objgraph's show_refs / show_backrefs, with their too_many, filter,
 * highlight and refcounts), and writing DOT text to a file,
 * either as is (.dot, .gv) or rendered by graphviz's `dot` (.png, .svg,
 * .pdf).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"

/**
 * dot_format() - the output format a file name asks for
 * @file: the file name.
 *
 * Return: "dot", "png", "svg" or "pdf", or NULL for anything else.
 */
const char *dot_format(const char *file)
{
	static const char *const fmts[][2] = {
		{ ".dot", "dot" }, { ".gv", "dot" }, { ".png", "png" },
		{ ".svg", "svg" }, { ".pdf", "pdf" },
	};
	size_t i, n = strlen(file), k;

	for (i = 0; i < ARRAY_SIZE(fmts); i++) {
		k = strlen(fmts[i][0]);
		if (n > k && !strcmp(file + n - k, fmts[i][0]))
			return fmts[i][1];
	}
	return NULL;
}

static void dot_quote(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_putc(sb, '\\');
		sb_putc(sb, *s);
	}
}

static void dot_node(struct interp *ip, struct strbuf *sb,
		     const struct refgc_info *in, unsigned int depth,
		     const struct dot_opts *o, bool start, bool cut)
{
	const char *label = ip_label(ip, in->id);
	static const char *const fill[] = {
		"#f0f0f0", "#e4ecf7", "#d8e6f3", "#cde0ef",
	};

	sb_printf(sb, "  o%llu [label=\"", (unsigned long long)in->id);
	if (label) {
		dot_quote(sb, label);
		sb_puts(sb, "\\n");
	}
	dot_quote(sb, ip_type_name(ip, in->type));
	if (o->refcounts)	/* objgraph's "list [3]" */
		sb_printf(sb, " [%llu]", (unsigned long long)in->refcount);
	sb_printf(sb, " #%llu", (unsigned long long)in->id);
	if (o->refcounts)
		sb_printf(sb, "\\nhandles %llu",
			  (unsigned long long)in->handles);
	sb_putc(sb, '"');
	if (start)
		sb_puts(sb, ", fillcolor=\"#ffd27f\"");
	else if (o->highlight && in->type == o->highlight)
		sb_puts(sb, ", fillcolor=\"#8fb4f0\"");
	else
		sb_printf(sb, ", fillcolor=\"%s\"", fill[depth % 4]);
	if (in->handles)
		sb_puts(sb, ", penwidth=2");
	if (in->flags & REFGC_INFO_GARBAGE)
		sb_puts(sb, ", color=red");
	if (cut)
		sb_puts(sb, ", style=\"filled,dashed\"");
	sb_puts(sb, "];\n");
}

/* Whether @t passes `filter [not] TYPE`. */
static bool dot_keep(const struct snap *s, int64_t t, const struct dot_opts *o)
{
	if (t < 0)
		return false;
	if (!o->filter)
		return true;
	return (s->info[t].type == o->filter) != o->filter_not;
}

/* objgraph's "N more references" box for the neighbours @too_many cut. */
static void dot_too_many(struct strbuf *sb, uint64_t id, size_t skipped,
			 bool backrefs)
{
	unsigned long long n = (unsigned long long)id;

	if (backrefs)
		sb_printf(sb, "  too_many_o%llu -> o%llu", n, n);
	else
		sb_printf(sb, "  o%llu -> too_many_o%llu", n, n);
	sb_puts(sb, " [color=red, style=dotted];\n");
	sb_printf(sb, "  too_many_o%llu [label=\"%zu more %s\", color=red, fillcolor=\"#ffe0e0\", fontsize=8];\n",
		  n, skipped, backrefs ? "backreferences" : "references");
}

/**
 * dot_graph() - DOT text of what an object refers to, or is referred by
 * @ip: the interpreter (labels, type names).
 * @s: a snapshot of the arena.
 * @start: the object's index in @s (nothing but the frame if < 0).
 * @o: the direction, depth and objgraph's too_many, filter, highlight
 *	and refcounts.
 * @sb: the text is appended here.
 *
 * As objgraph's show_refs/show_backrefs: breadth first from @start; of
 * each node's neighbours that pass the filter, the first @o->too_many are
 * drawn and followed, the rest summed up in one "N more references" box.
 * Edges always point from the referrer to the object referred to.  Nodes
 * with handles have a thick border; nodes whose further neighbours were
 * cut off by the depth are dashed.
 *
 * Return: the number of objects drawn.
 */
int dot_graph(struct interp *ip, const struct snap *s, int64_t start,
	      const struct dot_opts *o, struct strbuf *sb)
{
	const size_t *off = o->backrefs ? s->roff : s->off;
	const int64_t *adj = o->backrefs ? s->redges : s->edges;
	unsigned int *dist;
	int64_t *queue, t;
	size_t head = 0, tail = 0, i, j, drawn, skipped;
	unsigned long long from, to;

	sb_printf(sb, "digraph ObjectGraph {\n  node [shape=box, style=filled, fontname=\"Helvetica\", fontsize=10];\n  edge [arrowsize=0.7];\n");
	if (start < 0) {
		sb_puts(sb, "}\n");
		return 0;
	}
	dist = xmalloc((s->n + 1) * sizeof(*dist));
	queue = xmalloc((s->n + 1) * sizeof(*queue));
	for (i = 0; i < s->n; i++)
		dist[i] = ~0U;
	dist[start] = 0;
	queue[tail++] = start;
	while (head < tail) {
		i = (size_t)queue[head++];
		dot_node(ip, sb, &s->info[i], dist[i], o, (int64_t)i == start,
			 dist[i] >= o->depth && off[i + 1] > off[i]);
		if (dist[i] >= o->depth)
			continue;
		drawn = 0;
		skipped = 0;
		for (j = off[i]; j < off[i + 1]; j++) {
			t = adj[j];
			if (!dot_keep(s, t, o))
				continue;
			if (drawn >= o->too_many) {
				skipped++;
				continue;
			}
			drawn++;
			from = (unsigned long long)s->ids[o->backrefs ? t : (int64_t)i];
			to = (unsigned long long)s->ids[o->backrefs ? (int64_t)i : t];
			sb_printf(sb, "  o%llu -> o%llu;\n", from, to);
			if (dist[t] == ~0U) {
				dist[t] = dist[i] + 1;
				queue[tail++] = t;
			}
		}
		if (skipped)
			dot_too_many(sb, s->ids[i], skipped, o->backrefs);
	}
	sb_puts(sb, "}\n");
	free(dist);
	free(queue);
	return (int)tail;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Pipe @text into `dot -T@fmt -o @file`. */
static int run_graphviz(const char *text, const char *fmt, const char *file)
{
	char type[16];
	int p[2], status, r;
	pid_t pid;

	snprintf(type, sizeof(type), "-T%s", fmt);
	if (pipe(p))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (!pid) {
		dup2(p[0], STDIN_FILENO);
		close(p[0]);
		close(p[1]);
		execlp("dot", "dot", type, "-o", file, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	r = write_all(p[1], text, strlen(text));
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -EIO;
	return r;
}

/**
 * dot_render() - write DOT text to a file, rendering it if asked
 * @dot_text: the graph.
 * @file: ends in .dot or .gv (written as is), .png, .svg or .pdf
 *	(rendered by graphviz's `dot`, found in $PATH).
 *
 * Return: 0, -EINVAL for another extension, -ENOENT when `dot` cannot be
 * run, -EIO when it fails, or -errno.
 */
int dot_render(const char *dot_text, const char *file)
{
	const char *fmt = dot_format(file);
	int fd, r;

	if (!fmt)
		return -EINVAL;
	if (strcmp(fmt, "dot"))
		return run_graphviz(dot_text, fmt, file);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, dot_text, strlen(dot_text));
	if (close(fd) && !r)
		r = -errno;
	return r;
}
