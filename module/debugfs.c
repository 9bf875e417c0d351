// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/refgc/: global totals, and one directory
 * per arena (arenas/<seq>/) with:
 *
 *   stats      the arena's owner, memory, collector settings and
 *              per-generation counts and statistics ("key: value" lines)
 *   objects    one line per live object:
 *              id type refcount handles generation flags slots bytes
 *   garbage    the garbage list, in order, in the same format
 *   graph.dot  every object and reference, as a Graphviz digraph
 *   control    kmemleak-style commands, one per write(): collect [gen],
 *              enable, disable, threshold t0 [t1 [t2]], debug FLAGS,
 *              freeze, unfreeze; reading it shows the settings
 *
 * Everything is root only (0400, control 0600).  Text that comes from
 * users is escaped: a type name in graph.dot is a DOT string ('"' and
 * '\\' backslash-escaped), the opener's comm in stats has every byte that
 * is not printable ASCII, and '\\', as \ooo octal; owner_uid is in the
 * initial user namespace.
 *
 * Locking: the dumps are seq_files whose ->start() takes arena->lock and
 * whose ->stop() drops it, so the lock is held while records are
 * formatted into the seq_file buffer but never while seq_read() copies
 * the buffer to userspace.  Between two read() calls the arena may
 * change; the iterator remembers the id (and slot) of the next record and
 * resumes at the first live object at or after it.  Directories are
 * added and removed under refgc_arenas_lock; debugfs_remove() waits for
 * the callers inside an arena's files, and arena destruction removes the
 * directory before it frees anything, so no file ever sees a freed arena.
 * The global stats file takes no arena lock: it sums each arena's
 * counters with unlocked (data_race) reads under refgc_arenas_lock, so it
 * never waits for an arena, and open() and close() (which take
 * refgc_arenas_lock) never wait behind it.  A per-arena file waits (killably)
 * only for its own arena's lock, and only that arena's close() waits for
 * it (debugfs_remove() of that arena's directory).
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/string_helpers.h>
#include <linux/uaccess.h>

#include "refgc.h"

#define DUMP_EDGES	64	/* graph.dot: edges per record */
#define CONTROL_MAX	128	/* bytes of one control command */

static struct dentry *refgc_debugfs_root;
static struct dentry *refgc_debugfs_arenas;

static const struct {
	const char *name;
	u32 bits;
} debug_names[] = {
	{ "stats", REFGC_DEBUG_STATS },
	{ "collectable", REFGC_DEBUG_COLLECTABLE },
	{ "uncollectable", REFGC_DEBUG_UNCOLLECTABLE },
	{ "saveall", REFGC_DEBUG_SAVEALL },
	{ "leak", REFGC_DEBUG_LEAK },
};

static const char *const info_flag_names[] = {
	"tracked", "finalized", "frozen", "garbage", "weakref", "dead_ref",
	"pending",
};

static void show_debug_flags(struct seq_file *m, u32 flags)
{
	bool any = false;
	int i;

	/* The single bits only: "leak" is their union. */
	for (i = 0; i < ARRAY_SIZE(debug_names) - 1; i++) {
		if (!(flags & debug_names[i].bits))
			continue;
		seq_printf(m, "%s%s", any ? "," : "", debug_names[i].name);
		any = true;
	}
	seq_puts(m, any ? "\n" : "none\n");
}

/*
 * @s inside a DOT quoted string: '"' and '\\' get a backslash, so that
 * neither ends the string nor starts an escape of Graphviz's (\n, \l,
 * \N...).  Type names hold printable ASCII only (check_type_name()).
 */
static void seq_dot_escape(struct seq_file *m, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			seq_putc(m, '\\');
		seq_putc(m, *s);
	}
}

static void show_object(struct seq_file *m, struct refgc_arena *a,
			struct refgc_object *o)
{
	struct refgc_info info;
	bool any = false;
	int i;

	refgc_obj_info(a, o, &info);
	seq_printf(m, "%llu %s %llu %llu %d ", info.id, obj_type(a, o)->name,
		   info.refcount, info.handles, info.generation);
	for (i = 0; i < ARRAY_SIZE(info_flag_names); i++) {
		if (!(info.flags & BIT(i)))
			continue;
		seq_printf(m, "%s%s", any ? "," : "", info_flag_names[i]);
		any = true;
	}
	/* Bytes charged to the arena for the object. */
	seq_printf(m, "%s %llu %llu\n", any ? "" : "-", info.slots,
		   obj_bytes(a, o) + obj_slots_bytes(o));
}

/*
 * The iterator of the objects, garbage and graph.dot dumps.  Record 0 is
 * a header; then objects (garbage entries), and for graph.dot one record
 * per DUMP_EDGES slots of each object and a footer.
 */
enum dump_kind { DUMP_OBJECTS, DUMP_GARBAGE, DUMP_GRAPH };

struct dump_iter {
	struct refgc_arena *a;
	enum dump_kind kind;
	bool locked;
	bool footer;		/* graph.dot: at the closing brace */
	bool end;		/* past the last record */
	unsigned long id;	/* current object id, or garbage index */
	struct refgc_object *cur;
	u32 slot;		/* graph.dot: first slot of this record */
	loff_t pos;		/* the record id/slot/footer stand for */
};

/* The first live object with an id >= @it->id, or NULL. */
static struct refgc_object *find_obj(struct dump_iter *it)
{
	struct refgc_object *o;
	unsigned long id = it->id;

	for (o = xa_find(&it->a->objects, &id, ULONG_MAX, XA_PRESENT); o;
	     o = xa_find_after(&it->a->objects, &id, ULONG_MAX, XA_PRESENT))
		if (o->gc.refcnt)
			break;
	it->id = id;
	return o;
}

static u32 obj_nslots(struct refgc_object *o)
{
	return obj_is_weakref(o) ? 0 : o->nslots;
}

/* Point @it at its record again after the lock was dropped. */
static bool dump_revalidate(struct dump_iter *it)
{
	unsigned long want = it->id;

	if (it->end)
		return false;
	if (it->kind == DUMP_GARBAGE)
		return it->id < it->a->ngarbage;
	if (it->footer)
		return true;
	it->cur = find_obj(it);
	if (it->kind == DUMP_OBJECTS)
		return it->cur;
	if (it->cur && it->id != want) {
		it->slot = 0;		/* gone: go on with the next one */
	} else if (it->cur && it->slot && it->slot >= obj_nslots(it->cur)) {
		/* Its slots shrank below this record: the next object. */
		it->slot = 0;
		it->cur = NULL;
		if (it->id != ULONG_MAX) {
			it->id++;
			it->cur = find_obj(it);
		}
	}
	if (!it->cur)
		it->footer = true;
	return true;
}

static bool dump_first(struct dump_iter *it)
{
	it->id = it->kind == DUMP_GARBAGE ? 0 : 1;
	it->slot = 0;
	it->footer = false;
	it->end = false;
	return dump_revalidate(it);
}

static bool dump_advance(struct dump_iter *it)
{
	if (it->kind == DUMP_GARBAGE) {
		it->id++;
		return dump_revalidate(it);
	}
	if (it->footer)
		return false;
	if (it->kind == DUMP_GRAPH &&
	    it->slot + DUMP_EDGES < obj_nslots(it->cur)) {
		it->slot += DUMP_EDGES;
		return true;
	}
	if (it->id == ULONG_MAX) {
		it->cur = NULL;
		it->footer = it->kind == DUMP_GRAPH;
		return it->footer;
	}
	it->id++;
	it->slot = 0;
	return dump_revalidate(it);
}

static void *dump_start(struct seq_file *m, loff_t *pos)
{
	struct dump_iter *it = m->private;
	bool have;
	int err;

	err = mutex_lock_interruptible(&it->a->lock);
	if (err)
		return ERR_PTR(err);
	it->locked = true;
	if (!*pos)
		return SEQ_START_TOKEN;
	if (*pos == it->pos) {
		have = dump_revalidate(it);
	} else {
		/* A seek: walk from the start. */
		have = dump_first(it);
		for (it->pos = 1; have && it->pos < *pos; it->pos++)
			have = dump_advance(it);
		it->end = !have;
	}
	return have ? it : NULL;
}

static void *dump_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct dump_iter *it = m->private;
	bool have;

	have = v == SEQ_START_TOKEN ? dump_first(it) : dump_advance(it);
	it->end = !have;
	it->pos = ++*pos;
	return have ? it : NULL;
}

static void dump_stop(struct seq_file *m, void *v)
{
	struct dump_iter *it = m->private;

	if (it->locked) {
		it->locked = false;
		mutex_unlock(&it->a->lock);
	}
}

static int objects_show(struct seq_file *m, void *v)
{
	struct dump_iter *it = m->private;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "# id type refcount handles generation flags slots bytes\n");
		return 0;
	}
	if (it->kind == DUMP_GARBAGE)
		show_object(m, it->a, it->a->garbage[it->id]);
	else
		show_object(m, it->a, it->cur);
	return 0;
}

static int graph_show(struct seq_file *m, void *v)
{
	struct dump_iter *it = m->private;
	struct refgc_arena *a = it->a;
	struct refgc_object *o = it->cur;
	u32 i, n;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "digraph refgc_arena_%llu {\n", a->seq);
		seq_puts(m, "  node [shape=box, style=filled, fillcolor=\"#e4ecf7\", fontsize=10];\n");
		return 0;
	}
	if (it->footer) {
		seq_puts(m, "}\n");
		return 0;
	}
	if (!it->slot) {
		seq_printf(m, "  o%llu [label=\"#%llu ", o->id, o->id);
		seq_dot_escape(m, obj_type(a, o)->name);
		seq_printf(m, "\\nrefcount %u, handles %u\"%s%s];\n",
			   o->gc.refcnt, o->gc.aux,
			   o->gc.aux ? ", penwidth=2" : "",
			   obj_has_of(o, REFGC_OF_GARBAGE) ? ", color=red" : "");
		if (obj_is_weakref(o) && o->wref && o->wref->referent)
			seq_printf(m, "  o%llu -> o%llu [style=dashed];\n",
				   o->id, o->wref->referent->id);
	}
	n = min_t(u32, obj_nslots(o), it->slot + DUMP_EDGES);
	for (i = it->slot; i < n; i++)
		seq_printf(m, "  o%llu -> o%llu;\n", o->id,
			   obj_slots(o)[i]->id);
	return 0;
}

static const struct seq_operations objects_seq_ops = {
	.start = dump_start,
	.next = dump_next,
	.stop = dump_stop,
	.show = objects_show,
};

static const struct seq_operations graph_seq_ops = {
	.start = dump_start,
	.next = dump_next,
	.stop = dump_stop,
	.show = graph_show,
};

static int dump_open(struct inode *inode, struct file *file,
		     enum dump_kind kind)
{
	struct dump_iter *it;

	it = __seq_open_private(file, kind == DUMP_GRAPH ? &graph_seq_ops :
				&objects_seq_ops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->a = inode->i_private;
	it->kind = kind;
	return 0;
}

static int objects_open(struct inode *inode, struct file *file)
{
	return dump_open(inode, file, DUMP_OBJECTS);
}

static int garbage_open(struct inode *inode, struct file *file)
{
	return dump_open(inode, file, DUMP_GARBAGE);
}

static int graph_open(struct inode *inode, struct file *file)
{
	return dump_open(inode, file, DUMP_GRAPH);
}

#define DUMP_FOPS(name)						\
static const struct file_operations name##_fops = {		\
	.owner = THIS_MODULE,					\
	.open = name##_open,					\
	.read = seq_read,					\
	.llseek = seq_lseek,					\
	.release = seq_release_private,				\
}

DUMP_FOPS(objects);
DUMP_FOPS(garbage);
DUMP_FOPS(graph);

static int arena_stats_show(struct seq_file *m, void *v)
{
	struct refgc_arena *a = m->private;
	struct rgc_state *gc = &a->gc;
	int i, err;

	err = mutex_lock_interruptible(&a->lock);
	if (err)
		return err;
	seq_printf(m, "id: %llu\nowner_pid: %d\nowner_uid: %u\nowner_comm: ",
		   a->seq, a->owner_pid, a->owner_uid);
	/* comm is the user's: no byte of it may end or forge a line. */
	seq_escape_str(m, a->owner_comm,
		       ESCAPE_OCTAL | ESCAPE_NAP | ESCAPE_APPEND, "\\");
	seq_putc(m, '\n');
	seq_printf(m, "objects: %llu\nbytes: %llu\npayload_bytes: %llu\nslots: %llu\ntypes: %u\n",
		   a->nr_objects, a->bytes, a->payload_bytes, a->nr_slots,
		   a->ntypes - 1);
	seq_printf(m, "enabled: %d\nlegacy: %d\ndebug: ", gc->enabled,
		   gc->legacy_finalizers);
	show_debug_flags(m, gc->debug);
	seq_printf(m, "garbage: %lu\nevents_queued: %u\nevents_lost: %llu\nfinalize_pending: %u\n",
		   a->ngarbage, a->ev.nr, a->ev.lost, a->ev.fin_nr);
	for (i = 0; i < RGC_NUM_GENERATIONS; i++)
		seq_printf(m, "gen%d: objects %lu count %llu threshold %u collections %llu collected %llu uncollectable %llu visited %llu total_ns %llu max_ns %llu max_roots_ns %llu max_move_ns %llu\n",
			   i, rgc_gen_size(gc, i), gc->gen[i].count,
			   gc->gen[i].threshold, gc->stats[i].collections,
			   gc->stats[i].collected, gc->stats[i].uncollectable,
			   gc->stats[i].visited, gc->stats[i].total_ns,
			   gc->stats[i].max_ns, gc->max_roots_ns[i],
			   gc->max_move_ns[i]);
	seq_printf(m, "permanent: %lu\n", rgc_gen_size(gc, RGC_GEN_PERMANENT));
	seq_printf(m, "roots_taken: %llu\nbulk_deletions: %llu\n",
		   gc->roots_taken, gc->bulk_deletions);
	seq_printf(m, "remembered: %llu\nremembered_lost: %d\n",
		   a->nr_remembered, gc->remembered_lost);
	seq_printf(m, "anchors_gen1: %u\nanchors_gen2: %u\n",
		   gc->anchors[1].nr, gc->anchors[2].nr);
	mutex_unlock(&a->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(arena_stats);

/* The parsed form of a control command; parsing changes nothing. */
enum control_op {
	CONTROL_COLLECT, CONTROL_ENABLE, CONTROL_DISABLE, CONTROL_THRESHOLD, CONTROL_DEBUG,
	CONTROL_FREEZE, CONTROL_UNFREEZE,
};

struct control_cmd {
	enum control_op op;
	int generation;
	int nthreshold;
	u32 threshold[RGC_NUM_GENERATIONS];
	u32 debug;
};

static int parse_debug(char *list, u32 *flags)
{
	char *name;
	int i;

	*flags = 0;
	if (!strcmp(list, "none"))
		return 0;
	while ((name = strsep(&list, ","))) {
		for (i = 0; i < ARRAY_SIZE(debug_names); i++)
			if (!strcmp(name, debug_names[i].name))
				break;
		if (i == ARRAY_SIZE(debug_names))
			return -EINVAL;
		*flags |= debug_names[i].bits;
	}
	return 0;
}

/* Split @buf into at most @max words; returns how many, or -EINVAL. */
static int split_words(char *buf, char **argv, int max)
{
	int argc = 0;
	char *w;

	while ((w = strsep(&buf, " \t"))) {
		if (!*w)
			continue;
		if (argc == max)
			return -EINVAL;
		argv[argc++] = w;
	}
	return argc;
}

static int parse_control(char *buf, struct control_cmd *c)
{
	static const char *const names[] = {
		[CONTROL_COLLECT] = "collect", [CONTROL_ENABLE] = "enable",
		[CONTROL_DISABLE] = "disable", [CONTROL_THRESHOLD] = "threshold",
		[CONTROL_DEBUG] = "debug", [CONTROL_FREEZE] = "freeze",
		[CONTROL_UNFREEZE] = "unfreeze",
	};
	char *argv[RGC_NUM_GENERATIONS + 1];
	int argc, i;

	argc = split_words(buf, argv, ARRAY_SIZE(argv));
	if (argc <= 0)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(argv[0], names[i]))
			break;
	if (i == ARRAY_SIZE(names))
		return -EINVAL;
	c->op = i;
	switch (c->op) {
	case CONTROL_COLLECT:
		c->generation = RGC_NUM_GENERATIONS - 1;
		if (argc > 2 ||
		    (argc == 2 && kstrtoint(argv[1], 10, &c->generation)) ||
		    c->generation < 0 || c->generation >= RGC_NUM_GENERATIONS)
			return -EINVAL;
		return 0;
	case CONTROL_THRESHOLD:
		if (argc < 2)
			return -EINVAL;
		c->nthreshold = argc - 1;
		for (i = 1; i < argc; i++)
			if (kstrtou32(argv[i], 10, &c->threshold[i - 1]))
				return -EINVAL;
		return 0;
	case CONTROL_DEBUG:
		return argc == 2 ? parse_debug(argv[1], &c->debug) : -EINVAL;
	default:
		return argc == 1 ? 0 : -EINVAL;
	}
}

/*
 * Run a parsed command through the ioctl table's handlers (the same
 * checks and code as the ioctls), arena locked.
 */
static int run_control(struct refgc_arena *a, const struct control_cmd *c)
{
	static const unsigned int cmds[] = {
		[CONTROL_COLLECT] = REFGC_IOC_COLLECT,
		[CONTROL_ENABLE] = REFGC_IOC_ENABLE,
		[CONTROL_DISABLE] = REFGC_IOC_DISABLE,
		[CONTROL_THRESHOLD] = REFGC_IOC_SET_THRESHOLD,
		[CONTROL_DEBUG] = REFGC_IOC_SET_DEBUG,
		[CONTROL_FREEZE] = REFGC_IOC_FREEZE,
		[CONTROL_UNFREEZE] = REFGC_IOC_UNFREEZE,
	};
	union {
		struct refgc_collect collect;
		struct refgc_threshold threshold;
		struct refgc_gc_value value;
	} k = {};
	long ret;
	int i;

	switch (c->op) {
	case CONTROL_COLLECT:
		k.collect.generation = c->generation;
		break;
	case CONTROL_THRESHOLD:
		/* Thresholds not given keep their value. */
		ret = refgc_cmd_locked(a, REFGC_IOC_GET_THRESHOLD, &k);
		if (ret < 0)
			return ret;
		for (i = 0; i < c->nthreshold; i++)
			k.threshold.threshold[i] = c->threshold[i];
		break;
	case CONTROL_DEBUG:
		k.value.value = c->debug;
		break;
	default:
		break;
	}
	ret = refgc_cmd_locked(a, cmds[c->op], &k);
	return ret < 0 ? ret : 0;
}

static ssize_t control_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct refgc_arena *a = file_inode(file)->i_private;
	struct control_cmd cmd = {};
	char buf[CONTROL_MAX];
	size_t n = len;
	char *s;
	int err;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	/* One command: a single trailing newline at most, no NUL. */
	if (buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	if (strlen(buf) != n || strpbrk(buf, "\n\r"))
		return -EINVAL;
	s = strim(buf);
	err = parse_control(s, &cmd);
	if (err)
		return err;

	err = mutex_lock_interruptible(&a->lock);
	if (err)
		return err;
	err = run_control(a, &cmd);
	mutex_unlock(&a->lock);
	return err ? err : len;
}

static int control_show(struct seq_file *m, void *v)
{
	struct refgc_arena *a = m->private;
	int err;

	err = mutex_lock_interruptible(&a->lock);
	if (err)
		return err;
	seq_printf(m, "enabled: %d\nthreshold: %u %u %u\nlegacy: %d\ndebug: ",
		   a->gc.enabled, a->gc.gen[0].threshold,
		   a->gc.gen[1].threshold, a->gc.gen[2].threshold,
		   a->gc.legacy_finalizers);
	show_debug_flags(m, a->gc.debug);
	mutex_unlock(&a->lock);
	seq_puts(m, "# commands: collect [0|1|2] | enable | disable | threshold T0 [T1 [T2]] |\n");
	seq_puts(m, "#   debug none|stats,collectable,uncollectable,saveall,leak | freeze | unfreeze\n");
	return 0;
}

static int control_open(struct inode *inode, struct file *file)
{
	return single_open(file, control_show, inode->i_private);
}

static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.open = control_open,
	.read = seq_read,
	.write = control_write,
	.llseek = seq_lseek,
	.release = single_release,
};

struct totals {
	u64 objects, bytes, slots, garbage;
	u64 collections, collected, uncollectable;
};

/* Add @a's counters to @t, reading each once; returns 0 (for data_race). */
static int add_totals(struct totals *t, struct refgc_arena *a)
{
	int i;

	t->objects += a->nr_objects;
	t->bytes += a->bytes;
	t->slots += a->nr_slots;
	t->garbage += a->ngarbage;
	for (i = 0; i < RGC_NUM_GENERATIONS; i++) {
		t->collections += a->gc.stats[i].collections;
		t->collected += a->gc.stats[i].collected;
		t->uncollectable += a->gc.stats[i].uncollectable;
	}
	return 0;
}

/*
 * Totals over all arenas.  No arena lock is taken: an arena whose lock is
 * held for long (a huge collection, or a holder stalled in a page fault)
 * must not stall this reader, nor, through refgc_arenas_lock, every
 * open() and close() of the device.
 */
static int global_stats_show(struct seq_file *m, void *v)
{
	struct totals t = {};
	struct refgc_arena *a;
	unsigned int n = 0;
	int err;

	err = mutex_lock_interruptible(&refgc_arenas_lock);
	if (err)
		return err;
	list_for_each_entry(a, &refgc_arenas, node) {
		n++;
		/*
		 * Unlocked on purpose (see above): the totals are values each
		 * arena had at some point during the read, not one instant.
		 */
		data_race(add_totals(&t, a));
	}
	mutex_unlock(&refgc_arenas_lock);
	seq_printf(m, "arenas: %u\nobjects: %llu\nbytes: %llu\nslots: %llu\ngarbage: %llu\n",
		   n, t.objects, t.bytes, t.slots, t.garbage);
	seq_printf(m, "collections: %llu\ncollected: %llu\nuncollectable: %llu\n",
		   t.collections, t.collected, t.uncollectable);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(global_stats);

/**
 * refgc_debugfs_init() - create /sys/kernel/debug/refgc/
 */
void refgc_debugfs_init(void)
{
	refgc_debugfs_root = debugfs_create_dir("refgc", NULL);
	refgc_debugfs_arenas = debugfs_create_dir("arenas",
						  refgc_debugfs_root);
	debugfs_create_file("stats", 0400, refgc_debugfs_root, NULL,
			    &global_stats_fops);
}

/**
 * refgc_debugfs_exit() - remove /sys/kernel/debug/refgc/
 */
void refgc_debugfs_exit(void)
{
	debugfs_remove(refgc_debugfs_root);
}

/**
 * refgc_debugfs_add_arena() - create arenas/<seq>/ for a new arena
 * @a: the arena; called under refgc_arenas_lock.
 */
void refgc_debugfs_add_arena(struct refgc_arena *a)
{
	char name[24];

	snprintf(name, sizeof(name), "%llu", a->seq);
	a->dir = debugfs_create_dir(name, refgc_debugfs_arenas);
	debugfs_create_file("stats", 0400, a->dir, a, &arena_stats_fops);
	debugfs_create_file("objects", 0400, a->dir, a, &objects_fops);
	debugfs_create_file("garbage", 0400, a->dir, a, &garbage_fops);
	debugfs_create_file("graph.dot", 0400, a->dir, a, &graph_fops);
	debugfs_create_file("control", 0600, a->dir, a, &control_fops);
}

/**
 * refgc_debugfs_remove_arena() - remove an arena's directory
 * @a: the arena; returns once no caller is inside its files.
 */
void refgc_debugfs_remove_arena(struct refgc_arena *a)
{
	debugfs_remove(a->dir);
	a->dir = NULL;
}
