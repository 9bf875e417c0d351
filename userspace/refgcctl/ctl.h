/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - refgcctl's script interpreter: its state (names, labels, types,
 * the batch that `repeat` fills), the command tables (the script verbs',
 * and of one shape with them the command line's: cli.c), and what the
 * command files share.
 */
#ifndef _REFGCCTL_CTL_H
#define _REFGCCTL_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "librefgc.h"
#include "out.h"
#include "util.h"

#define MAX_TOKENS	64

struct interp;

/**
 * struct tok - one word of a command
 * @s: the text, NUL-terminated.
 * @col: its column, from 1.
 */
struct tok {
	char *s;
	int col;
};

struct cmd_def;

/**
 * struct cmd - one parsed command
 * @def: what it is (NULL only while parsing).
 * @line: its line.
 * @ntok: words, the command's name included.
 * @tok: the words.
 * @sym: per word, its interned index if it is a name, else -1.
 * @body: for `repeat`, the commands to repeat; for `def` and `weakref ...
 *	callback:`, the body.
 * @nbody: how many.
 */
struct cmd {
	const struct cmd_def *def;
	int line;
	int ntok;
	struct tok tok[MAX_TOKENS];
	int32_t sym[MAX_TOKENS];
	struct cmd *body;
	int nbody;
};

/* struct cmd_def.flags */
#define CMD_BATCH	0x1	/* only queues ops: can run inside a batch */
#define CMD_NO_REPEAT	0x2	/* not allowed inside `repeat` */
#define CMD_NEW		0x4	/* `new`: takes objects from the pool */
#define CMD_NO_BODY	0x8	/* not allowed in a __del__ or callback body */

/*
 * Every command table of refgcctl has one shape: struct cmd_def for the
 * verbs of the script language (script.c and the cmd_*.c files), struct
 * sub_def for the subcommands (main.c) and the commands of -a ID
 * (arenas.c).  Only what fn runs against differs.  Each table ends with
 * a NULL name; table_find() looks a name up in any of them.
 */

/**
 * struct cmd_def - a command of the language
 * @name: its name.
 * @min: fewest arguments.
 * @max: most arguments.
 * @flags: CMD_* bits.
 * @usage: its arguments, for messages and `help`.
 * @fn: runs it; returns 0 or a negative errno (message via ip_error()).
 * @help: what it does, for --help; NULL for the script verbs, which
 *	refgcctl(1) describes.
 */
struct cmd_def {
	const char *name;
	int min;
	int max;
	unsigned int flags;
	const char *usage;
	int (*fn)(struct interp *ip, struct cmd *c);
	const char *help;
};

/**
 * struct cli - what a subcommand runs against
 * @json: --json anywhere on the command line (the dispatcher takes it
 *	out of the words): results and errors as JSON records.
 * @arena: for the commands of -a ID, the ID (checked: digits only).
 */
struct cli {
	bool json;
	const char *arena;
};

/* struct sub_def.flags */
#define SUB_OWN_HELP	0x1	/* fn answers --help itself (-a ID CMD) */
#define SUB_OPTION	0x2	/* --version, --help: listed as options */

/**
 * struct sub_def - a subcommand, or a command of -a ID
 * @name: its name.
 * @min: fewest arguments (--json not counted).
 * @max: most arguments.
 * @flags: SUB_* bits.
 * @usage: its arguments, for the usage and --help.
 * @fn: runs it; @c->tok[0] is its name.  Returns the exit status.
 * @help: what it does, for --help.
 */
struct sub_def {
	const char *name;
	int min;
	int max;
	unsigned int flags;
	const char *usage;
	int (*fn)(struct cli *cli, struct cmd *c);
	const char *help;
};

/* cli.c: lookup in any table, and the command line's one dispatcher */
const void *table_find(const void *table, size_t entry_size,
		       const char *name);
int sub_dispatch(const struct sub_def *table, struct cli *cli,
		 const char *prefix, int argc, char **argv);
void sub_usage(FILE *f, const struct sub_def *table, const char *prefix,
	       const char *first);
int sub_usage_error(struct cli *cli, const char *cmd, const char *why);

/**
 * struct sym - what a name is bound to
 * @obj: the object it holds a handle on, or 0.
 * @type: the type id of that name as a type, or 0.
 */
struct sym {
	uint64_t obj;
	uint32_t type;
};

/**
 * struct fbody - the body of a __del__ or of a weakref callback
 * @what: "T.__del__" or "W.callback", for messages and the JSON "in".
 * @src: the source line it was defined on (for diagnostics).
 * @strs: the words of @cmds, one allocation.
 * @cmds: the commands.
 * @n: how many.
 */
struct fbody {
	char *what;
	char *src;
	char *strs;
	struct cmd *cmds;
	int n;
};

/**
 * struct typeinfo - a registered type
 * @name: its interned name.
 * @flags: REFGC_TYPE_* bits.
 * @del: its __del__ body, or NULL (pass).
 */
struct typeinfo {
	uint32_t name;
	uint32_t flags;
	struct fbody *del;
};

/**
 * struct wcb - a weakref whose callback has a body
 * @id: the weakref object.
 * @body: the body.
 */
struct wcb {
	uint64_t id;
	struct fbody *body;
};

/* How ops are run (struct interp.mode). */
enum ix_mode {
	IX_NOW,		/* one ioctl per op */
	IX_BATCH,	/* queued in ip->batch */
	IX_DRY,		/* replaying after a failed batch: dropped */
};

/**
 * struct names - the namespace of a script run (names.c)
 * @strs: interned names (variables and types share it).
 * @syms: per interned name, its bindings.
 * @nsyms: entries in @syms.
 * @types: type id -> its name and flags.
 * @ntypes: entries in @types.
 * @meta: object id -> (label + 1) << 16 | type id, for descriptors.
 */
struct names {
	struct strtab strs;
	struct sym *syms;
	uint32_t nsyms;
	struct typeinfo *types;
	uint32_t ntypes;
	struct idmap meta;
};

struct rp_state;

/**
 * struct exec - the executor of a script run: how ops reach the arena
 *	(exec.c)
 * @mode: how ops run.
 * @batch: ops queued by `repeat`.
 * @tag: per queued op, the body command that queued it.
 * @tag_it: per queued op, the iteration that queued it.
 * @tag_cap: room in @tag and @tag_it.
 * @cur_ci: the body command running (batch mode).
 * @cur_it: the iteration running (batch mode).
 * @pool: objects created ahead by `repeat`, in the order `new` takes them.
 * @pool_n: entries in @pool.
 * @pool_pos: entries taken.
 * @pool_cap: room in @pool.
 * @rp: the `repeat` running, with where its batch began, or NULL.
 */
struct exec {
	enum ix_mode mode;
	struct refgc_batcher batch;
	uint32_t *tag;
	uint64_t *tag_it;
	uint32_t tag_cap;
	uint32_t cur_ci;
	uint64_t cur_it;
	uint64_t *pool;
	size_t pool_n;
	size_t pool_pos;
	size_t pool_cap;
	struct rp_state *rp;
};

/**
 * struct interp - one script run against one arena
 * @fd: the arena.
 * @out: where results go.
 * @keep_going: --keep-going.
 * @echo: --echo: print each command before its output, as a REPL would.
 * @interactive: the shell: errors never stop it.
 * @ns: the namespace: names, types, labels.
 * @ex: the executor: batch, pool, replay.
 * @err: the message of the failing command.
 * @line: the line running.
 * @growth: per type id, the count the last `growth` saw.
 * @ngrowth: entries in @growth.
 * @failures: commands that failed.
 * @file: the script's name, for messages.
 * @err_col: the column of the error, or 0.
 * @err_pfx: bytes of @err that the text-mode diagnostic leaves out.
 * @src: the source line running, for diagnostics.
 * @wcbs: weakref callback bodies.
 * @nwcbs: entries in @wcbs.
 * @fin_depth: bodies running, one inside another.
 * @in_collect: suspended collections waiting for this process.
 * @evlog: records taken off the event queue, for `events`.
 * @nlog: entries in @evlog.
 * @log_lost: records not kept because @evlog was full.
 * @nested: records a body took off the queue inside `collect` (what it
 *	queued itself, run nested), for collect's "events", in order.
 * @nnested: entries in @nested.
 */
struct interp {
	int fd;
	struct out out;
	bool keep_going;
	bool echo;
	bool interactive;
	struct names ns;
	struct exec ex;
	struct strbuf err;
	int line;
	uint64_t *growth;
	uint32_t ngrowth;
	unsigned long failures;
	const char *file;
	int err_col;
	size_t err_pfx;
	const char *src;
	struct wcb *wcbs;
	size_t nwcbs;
	int fin_depth;
	int in_collect;
	struct refgc_event *evlog;
	size_t nlog;
	uint64_t log_lost;
	struct refgc_event *nested;
	size_t nnested;
};

/* interp.c: a run's state, errors, descriptors */
int ip_init(struct interp *ip, int fd, bool json);
void ip_init_offline(struct interp *ip, bool json);
void ip_free(struct interp *ip);
int ip_error(struct interp *ip, int err, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int ip_kerr(struct interp *ip, int err, struct cmd *c);
void out_desc(struct interp *ip, const char *key, uint64_t id);
void out_desc_t(struct interp *ip, const char *key, uint64_t id,
		uint32_t type);
void print_desc(struct interp *ip, uint64_t id, uint32_t type);
int parse_num(struct interp *ip, struct cmd *c, int i, uint64_t max,
	      uint64_t *v);

/* names.c: the namespace */
struct sym *ip_sym(struct interp *ip, uint32_t idx);
int ip_obj(struct interp *ip, struct cmd *c, int i, uint64_t *id);
int ip_name(struct interp *ip, struct cmd *c, int i);
int ip_type_lookup(struct interp *ip, struct cmd *c, int i, uint32_t *type);
const char *ip_type_name(struct interp *ip, uint32_t type);
const char *ip_label(struct interp *ip, uint64_t id);
uint32_t ip_obj_type(struct interp *ip, uint64_t id);
void ip_set_meta(struct interp *ip, uint64_t id, int32_t label,
		 uint32_t type);
void ip_add_type(struct interp *ip, uint32_t id, uint32_t name,
		 uint32_t flags);
int ix_bind(struct interp *ip, uint32_t sym, uint64_t id);
int ix_unbind(struct interp *ip, uint32_t sym);
void names_free(struct names *ns);

/* exec.c: the executor */
int ix_op(struct interp *ip, uint32_t code, uint64_t id, uint64_t arg,
	  uint64_t arg2, uint64_t *result);
int ix_new(struct interp *ip, uint32_t type, uint64_t bytes, uint64_t *id);
int ix_flush(struct interp *ip);
int ix_repeat(struct interp *ip, struct cmd *c, uint64_t n);
void exec_free(struct exec *ex);

/* script.c */
const struct cmd_def *cmd_find(const char *name);
int cmd_exec(struct interp *ip, struct cmd *c);
void cmd_report(struct interp *ip, const char *name, int lineno, int r,
		const char *src);
int script_run(struct interp *ip, FILE *f, bool prompt);
int script_check(struct interp *ip, FILE *f);

/**
 * struct line_reader - where script_run() takes its lines (lineedit.c)
 * @f: the input.
 * @prompt: print a prompt before each line (the shell on a terminal).
 * @edit: lines come from libedit (line editing and history).
 */
struct line_reader {
	FILE *f;
	bool prompt;
	bool edit;
};

void lines_open(struct line_reader *lr, FILE *f, bool prompt);
ssize_t lines_read(struct line_reader *lr, char **line, size_t *cap);
void lines_close(struct line_reader *lr);

/* finalize.c: __del__ and callback bodies, the event queue's records */
extern const struct cmd_def fin_cmds[];
struct fbody *fin_body_dup(struct cmd *c, const char *what, const char *src);
void fin_body_free(struct fbody *b);
void fin_set_callback(struct interp *ip, uint64_t wid, struct fbody *b);
int fin_record(struct interp *ip, const struct refgc_event *ev);
void fin_drain(struct interp *ip);
struct refgc_event *fin_nested_take(struct interp *ip, size_t *n);
void fin_free(struct interp *ip);

/* diag.c */
void diag_print(const char *file, int line, int col, const char *msg,
		const char *src);
const char *diag_suggest(const char *name, const char *const *names);

/* cmd_obj.c, cmd_gc.c, cmd_graph.c: the command table's entries */
int new_args(struct interp *ip, struct cmd *c, uint32_t *type,
	     uint64_t *bytes);
extern const struct cmd_def obj_cmds[];
extern const struct cmd_def gc_cmds[];
extern const struct cmd_def graph_cmds[];
int graph_count(struct interp *ip, struct cmd *c);
extern const struct cmd_def alias_cmds[];

/* graph.c: a snapshot of the arena's object graph */

/**
 * struct snap - every live object, its info and its slots
 * @n: objects.
 * @ids: object ids, ascending.
 * @info: per object.
 * @off: per object, where its slots start in @edges (n + 1 entries).
 * @edges: slot targets, as indices into @ids (-1 for an id not found).
 * @roff: per object, where its referrers start in @redges (n + 1).
 * @redges: referrer indices, one per slot (duplicates kept).
 */
struct snap {
	size_t n;
	uint64_t *ids;
	struct refgc_info *info;
	size_t *off;
	int64_t *edges;
	size_t *roff;
	int64_t *redges;
};

int snap_take(int fd, struct snap *s);
void snap_free(struct snap *s);
int64_t snap_find(const struct snap *s, uint64_t id);

/* dot.c */
/**
 * struct dot_opts - what `dot` draws (objgraph's show_refs arguments)
 * @backrefs: follow referrers (show_backrefs) instead of referents.
 * @depth: max_depth: how many references away from the object to go.
 * @too_many: at most this many neighbours of each object are drawn.
 * @filter: only neighbours of this type (0: all) are drawn...
 * @filter_not: ...or, if set, all but them.
 * @highlight: objects of this type (0: none) are drawn in blue.
 * @refcounts: labels show the reference count and the handles.
 */
#define DOT_OPTIONS \
	"[depth N] [too_many N] [filter [not] T] [highlight T] [refcounts]"
#define DOT_USAGE	"V FILE [refs|backrefs] " DOT_OPTIONS

struct dot_opts {
	bool backrefs;
	unsigned int depth;
	unsigned int too_many;
	uint32_t filter;
	bool filter_not;
	uint32_t highlight;
	bool refcounts;
};

int dot_graph(struct interp *ip, const struct snap *s, int64_t start,
	      const struct dot_opts *o, struct strbuf *sb);
int dot_render(const char *dot_text, const char *file);
const char *dot_format(const char *file);

/* main.c, unreachable.c, arenas.c: the subcommands */
void print_usage(FILE *f);
void device_hint(int err);
int cmd_unreachable(struct cli *cli, struct cmd *c);
int cmd_arenas(struct cli *cli, struct cmd *c);
int cmd_arena_ctl(struct cli *cli, struct cmd *c);
extern const struct sub_def arena_cmds[];
#define ARENA_USAGE	"ID [--json] COMMAND [ARGS]"
#define ARENA_HELP \
	"Inspect or steer arena ID of any process through debugfs (root; ID\n" \
	"from `refgcctl arenas`).  COMMAND is one of the lines below;\n" \
	"`refgcctl -a ID COMMAND --help` describes it.\n"

#endif /* _REFGCCTL_CTL_H */
