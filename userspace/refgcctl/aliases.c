// SPDX-License-Identifier: GPL-2.0
/*
 * aliases.c - Python's own names for the script verbs: gc.get_count() is
 * `count`, objgraph.show_refs() is `dot ... refs`, and so on.  Each alias
 * is a command of its own (name, argument counts, usage) that runs the
 * verb it stands for; the get_/set_ pairs split one verb by whether it
 * takes arguments, as Python's functions do.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* Run the verb @name on @c as it is. */
static int run_as(struct interp *ip, struct cmd *c, const char *name)
{
	return cmd_find(name)->fn(ip, c);
}

static int al_count(struct interp *ip, struct cmd *c)
{
	return run_as(ip, c, "count");
}

static int al_threshold(struct interp *ip, struct cmd *c)
{
	return run_as(ip, c, "threshold");
}

static int al_referrers(struct interp *ip, struct cmd *c)
{
	return run_as(ip, c, "referrers");
}

static int al_referents(struct interp *ip, struct cmd *c)
{
	return run_as(ip, c, "referents");
}

static int al_objects(struct interp *ip, struct cmd *c)
{
	return run_as(ip, c, "objects");
}

static int al_stats(struct interp *ip, struct cmd *c)
{
	return run_as(ip, c, "stats");
}

static int al_debug(struct interp *ip, struct cmd *c)
{
	return run_as(ip, c, "debug");
}

static int al_growth(struct interp *ip, struct cmd *c)
{
	return run_as(ip, c, "growth");
}

static int al_types(struct interp *ip, struct cmd *c)
{
	return run_as(ip, c, "types");
}

static int al_chain(struct interp *ip, struct cmd *c)
{
	return run_as(ip, c, "chain");
}

/* @c with the word @w put in at @at; the verb @name run on it. */
static int run_with(struct interp *ip, struct cmd *c, int at, const char *w,
		    const char *name)
{
	struct cmd d = *c;

	memmove(&d.tok[at + 1], &d.tok[at], (d.ntok - at) * sizeof(d.tok[0]));
	memmove(&d.sym[at + 1], &d.sym[at], (d.ntok - at) * sizeof(d.sym[0]));
	d.tok[at].s = (char *)w;
	d.tok[at].col = 0;
	d.sym[at] = -1;
	d.ntok++;
	return run_as(ip, &d, name);
}

/* find_ref_chain V TYPE: `chain V refs TYPE`. */
static int al_ref_chain(struct interp *ip, struct cmd *c)
{
	return run_with(ip, c, 2, "refs", "chain");
}

/* show_refs/show_backrefs V FILE [...]: `dot` with the direction last. */
static int al_dot(struct interp *ip, struct cmd *c, const char *dir)
{
	return run_with(ip, c, c->ntok, dir, "dot");
}

static int al_show_refs(struct interp *ip, struct cmd *c)
{
	return al_dot(ip, c, "refs");
}

static int al_show_backrefs(struct interp *ip, struct cmd *c)
{
	return al_dot(ip, c, "backrefs");
}

const struct cmd_def alias_cmds[] = {
	{ "get_count", 0, 0, 0, "", al_count, NULL },
	{ "get_threshold", 0, 0, 0, "", al_threshold, NULL },
	{ "set_threshold", 1, 3, 0, "T0 [T1 [T2]]", al_threshold, NULL },
	{ "get_referrers", 1, 1, 0, "V", al_referrers, NULL },
	{ "get_referents", 1, 1, 0, "V", al_referents, NULL },
	{ "get_objects", 0, 1, 0, "[GEN]", al_objects, NULL },
	{ "get_stats", 0, 0, 0, "", al_stats, NULL },
	{ "get_debug", 0, 0, 0, "", al_debug, NULL },
	{ "set_debug", 1, 1, 0, "none|FLAG[,FLAG...]", al_debug, NULL },
	{ "show_growth", 0, 1, 0, "[N]", al_growth, NULL },
	{ "show_most_common_types", 0, 1, 0, "[N]", al_types, NULL },
	{ "show_refs", 2, 13, 0, "V FILE " DOT_OPTIONS, al_show_refs, NULL },
	{ "show_backrefs", 2, 13, 0, "V FILE " DOT_OPTIONS, al_show_backrefs, NULL },
	{ "find_backref_chain", 1, 2, 0, "V [TYPE]", al_chain, NULL },
	{ "find_ref_chain", 2, 2, 0, "V TYPE", al_ref_chain, NULL },
	{ NULL },
};
