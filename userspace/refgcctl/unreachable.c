// SPDX-License-Identifier: GPL-2.0
/*
 * unreachable.c - `refgcctl unreachable GRAPHFILE`: load a directed graph
 * into a fresh arena (one object per node, one slot per edge), keep
 * handles only on the roots, collect, and print the names of the nodes
 * that died, sorted, one per line.
 *
 * The file has one statement per line: `roots: a b ...` (any number of
 * such lines) or `a -> b`; blank lines and `#` comments are ignored.
 * Node names are any words without whitespace, "->" or a trailing ':'.
 *
 * With --json, each dead node is one record {"v":1, "cmd":"unreachable",
 * "line":N, "ok":true, "node":NAME}, N the line that first names it, and
 * bad input or a failing arena one failure record (refgcctl(1), JSON).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/**
 * struct graph - a GRAPHFILE, loaded
 * @names: the nodes' names, interned: a node is its index.
 * @src: per edge, its source node.
 * @dst: per edge, its target node.
 * @nedges: edges.
 * @cap: room in @src and @dst.
 * @root: per node, whether a roots: line names it.
 * @line: per node, the line that first names it.
 * @rootcap: room in @root and @line.
 * @file: the file's name, for messages.
 * @out: where results and failures go (--json or text).
 */
struct graph {
	struct strtab names;
	uint32_t *src;
	uint32_t *dst;
	size_t nedges;
	size_t cap;
	char *root;
	unsigned long *line;
	size_t rootcap;
	const char *file;
	struct out out;
};

static int bad(struct graph *g, unsigned long line, const char *what)
{
	struct strbuf msg = { 0 };

	sb_printf(&msg, "%s:%lu: %s", g->file, line, what);
	out_fail(&g->out, "unreachable", (int)line, -EINVAL, sb_str(&msg));
	sb_free(&msg);
	return -EINVAL;
}

/* A failure of the arena or of the file as a whole. */
static int failed(struct graph *g, const char *what, int err)
{
	struct strbuf msg = { 0 };

	sb_printf(&msg, "%s: %s", what, strerror(-err));
	out_fail(&g->out, "unreachable", 0, err, sb_str(&msg));
	sb_free(&msg);
	return err;
}

static bool valid_node(const char *s, size_t n)
{
	size_t i;

	if (!n || s[n - 1] == ':')
		return false;
	for (i = 0; i + 1 < n; i++)
		if (s[i] == '-' && s[i + 1] == '>')
			return false;
	return true;
}

static uint32_t node(struct graph *g, const char *s, size_t n,
		     unsigned long line)
{
	uint32_t i = strtab_intern(&g->names, s, n);

	if (i >= g->rootcap) {
		size_t cap = g->rootcap ? g->rootcap * 2 : 1024;

		while (cap <= i)
			cap *= 2;
		g->root = xrealloc(g->root, cap);
		memset(g->root + g->rootcap, 0, cap - g->rootcap);
		g->line = xrealloc(g->line, cap * sizeof(*g->line));
		memset(g->line + g->rootcap, 0,
		       (cap - g->rootcap) * sizeof(*g->line));
		g->rootcap = cap;
	}
	if (!g->line[i])
		g->line[i] = line;
	return i;
}

/* Next word of @p: its start and length; returns false at the end. */
static bool word(char **p, char **w, size_t *n)
{
	char *s = *p;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (!*s || *s == '#')
		return false;
	*w = s;
	while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n' &&
	       *s != '#')
		s++;
	*n = (size_t)(s - *w);
	*p = s;
	return true;
}

static int parse_line(struct graph *g, char *line, unsigned long lineno)
{
	char *p = line, *w, *arrow;
	size_t n, an;
	uint32_t a;

	if (!word(&p, &w, &n))
		return 0;
	if (n == 6 && !strncmp(w, "roots:", 6)) {
		while (word(&p, &w, &n)) {
			if (!valid_node(w, n))
				return bad(g, lineno, "bad node name");
			a = node(g, w, n, lineno);
			g->root[a] = 1;
		}
		return 0;
	}
	/* "a -> b", "a->b", "a ->b" or "a-> b": one word on each side. */
	arrow = strstr(line, "->");
	if (!arrow || arrow < w)
		return bad(g, lineno, "expected 'roots: NAME...' or 'A -> B'");
	*arrow = '\0';
	p = w;
	if (!word(&p, &w, &n) || !valid_node(w, n))
		return bad(g, lineno, "missing or bad node before '->'");
	a = node(g, w, n, lineno);
	if (word(&p, &w, &n))
		return bad(g, lineno, "more than one node before '->'");
	p = arrow + 2;
	if (!word(&p, &w, &an) || !valid_node(w, an))
		return bad(g, lineno, "missing or bad node after '->'");
	if (g->nedges == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4096;
		g->src = xrealloc(g->src, g->cap * sizeof(*g->src));
		g->dst = xrealloc(g->dst, g->cap * sizeof(*g->dst));
	}
	g->src[g->nedges] = a;
	g->dst[g->nedges++] = node(g, w, an, lineno);
	if (word(&p, &w, &n))
		return bad(g, lineno, "extra words after 'A -> B'");
	return 0;
}

static int load(struct graph *g, const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	int r = 0;

	if (!f)
		return failed(g, file, -errno);
	while (getline(&line, &cap, f) >= 0) {
		r = parse_line(g, line, ++lineno);
		if (r)
			break;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return r;
}

/* Run the batch; report the first failure. */
static int submit(struct graph *g, struct refgc_batcher *b, const char *what)
{
	int r = refgc_batch_submit(b, 0);

	return r ? failed(g, what, r) : 0;
}

static int mark_alive(const struct refgc_entry *e, void *arg)
{
	struct idmap *alive = arg;

	idmap_put(alive, e->id, 1);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect_graph(struct graph *g, int fd)
{
	struct refgc_batcher b;
	struct idmap alive = { 0 };
	uint64_t *ids;
	char **dead;
	uint32_t type, i, n = g->names.n, ndead = 0;
	size_t e;
	int r;

	r = refgc_disable(fd);
	if (!r)
		r = refgc_type_register(fd, "node", 0, &type);
	if (!r)
		r = refgc_batch_init(&b, fd);
	if (r)
		return failed(g, "arena", r);
	for (i = 0; i < n; i++)
		refgc_batch_add(&b, REFGC_OP_NEW, 0, type, 0, 0);
	r = submit(g, &b, "new");
	ids = xmalloc((n + 1) * sizeof(*ids));
	for (i = 0; i < n && !r; i++)
		ids[i] = b.ops[i].result;
	refgc_batch_reset(&b);
	for (e = 0; e < g->nedges && !r; e++)
		refgc_batch_add(&b, REFGC_OP_LINK, ids[g->src[e]],
				ids[g->dst[e]], 0, 0);
	if (!r)
		r = submit(g, &b, "link");
	refgc_batch_reset(&b);
	for (i = 0; i < n && !r; i++)
		if (!g->root[i])
			refgc_batch_add(&b, REFGC_OP_DECREF, ids[i], 0, 0, 0);
	if (!r)
		r = submit(g, &b, "decref");
	refgc_batch_free(&b);
	if (!r) {
		r = refgc_collect(fd, REFGC_NUM_GENERATIONS - 1, NULL);
		r = r < 0 ? failed(g, "collect", r) : 0;
	}
	if (!r) {
		r = refgc_list_all(fd, REFGC_LIST_OBJECTS,
				   REFGC_LIST_ALL_GENERATIONS, mark_alive,
				   &alive);
		if (r)
			failed(g, "list", r);
	}
	if (r) {
		free(ids);
		idmap_free(&alive);
		return r;
	}
	dead = xmalloc((n + 1) * sizeof(*dead));
	for (i = 0; i < n; i++)
		if (!idmap_get(&alive, ids[i], NULL))
			dead[ndead++] = g->names.strs[i];
	qsort(dead, ndead, sizeof(*dead), cmp_str);
	for (i = 0; i < ndead; i++) {
		if (!g->out.json) {
			fputs(dead[i], stdout);
			fputc('\n', stdout);
			continue;
		}
		e = (size_t)strtab_find(&g->names, dead[i], strlen(dead[i]));
		out_begin(&g->out, "unreachable", (int)g->line[e]);
		out_str(&g->out, "node", dead[i]);
		out_end(&g->out);
	}
	free(dead);
	free(ids);
	idmap_free(&alive);
	return fflush(stdout) ? -EIO : 0;
}

/**
 * cmd_unreachable() - `refgcctl unreachable [--json] GRAPHFILE`
 * @cli: the options.
 * @c: its name, then GRAPHFILE ("-" for stdin).
 *
 * Return: the exit status: 0, 1 for bad input or a failing arena.
 */
int cmd_unreachable(struct cli *cli, struct cmd *c)
{
	struct graph g = {
		.file = c->tok[1].s,
		.out = { .json = cli->json, .f = stdout },
	};
	int fd, r;

	r = load(&g, g.file);
	if (!r) {
		fd = refgc_open();
		if (fd < 0) {
			r = failed(&g, REFGC_DEVICE, fd);
			device_hint(fd);
		} else {
			r = collect_graph(&g, fd);
			refgc_close(fd);
		}
	}
	strtab_free(&g.names);
	sb_free(&g.out.sb);
	free(g.src);
	free(g.dst);
	free(g.root);
	free(g.line);
	return r ? 1 : 0;
}
