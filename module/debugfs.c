// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs.c - /sys/kernel/debug/refgc/: global stats and one directory per
 * arena (arenas/<seq>/) with its stats.
 *
 * Locking: the root dentries are set up at init and removed at exit.
 * Arena directories are added and removed under refgc_arenas_lock; a
 * reader of an arena file takes arena->lock.  debugfs_remove() waits for
 * readers in progress, and arena destruction removes the directory before
 * freeing anything, so a reader never sees a freed arena.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "refgc.h"

static struct dentry *refgc_debugfs_root;
static struct dentry *refgc_debugfs_arenas;

static int arena_stats_show(struct seq_file *m, void *v)
{
	struct refgc_arena *a = m->private;
	int i;

	mutex_lock(&a->lock);
	seq_printf(m, "owner_pid: %d\nowner_uid: %u\nowner_comm: %s\n",
		   a->owner_pid, a->owner_uid, a->owner_comm);
	seq_printf(m, "objects: %llu\nbytes: %llu\nslots: %llu\n",
		   a->nr_objects, a->bytes, a->nr_slots);
	seq_printf(m, "enabled: %d\ndebug: %u\ngarbage: %lu\n",
		   a->gc.enabled, a->gc.debug, a->ngarbage);
	for (i = 0; i < RGC_NUM_GENERATIONS; i++)
		seq_printf(m, "gen%d: objects %lu count %llu threshold %u collections %llu collected %llu uncollectable %llu\n",
			   i, rgc_gen_size(&a->gc, i), a->gc.gen[i].count,
			   a->gc.gen[i].threshold, a->gc.stats[i].collections,
			   a->gc.stats[i].collected,
			   a->gc.stats[i].uncollectable);
	seq_printf(m, "permanent: %lu\n",
		   rgc_gen_size(&a->gc, RGC_GEN_PERMANENT));
	mutex_unlock(&a->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(arena_stats);

static int global_stats_show(struct seq_file *m, void *v)
{
	struct refgc_arena *a;
	u64 objects = 0, bytes = 0;
	unsigned int n = 0;

	mutex_lock(&refgc_arenas_lock);
	list_for_each_entry(a, &refgc_arenas, node) {
		n++;
		objects += READ_ONCE(a->nr_objects);
		bytes += READ_ONCE(a->bytes);
	}
	mutex_unlock(&refgc_arenas_lock);
	seq_printf(m, "arenas: %u\nobjects: %llu\nbytes: %llu\n", n, objects,
		   bytes);
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
 * @a: the arena.
 */
void refgc_debugfs_add_arena(struct refgc_arena *a)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", a->seq);
	a->dir = debugfs_create_dir(name, refgc_debugfs_arenas);
	debugfs_create_file("stats", 0400, a->dir, a, &arena_stats_fops);
}

/**
 * refgc_debugfs_remove_arena() - remove an arena's directory
 * @a: the arena; returns once no reader is inside its files.
 */
void refgc_debugfs_remove_arena(struct refgc_arena *a)
{
	debugfs_remove(a->dir);
	a->dir = NULL;
}
