// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module init/exit, module parameters, the misc device /dev/refgc
 * and its file operations.
 *
 * Owns: refgc_obj_cache (the named kmem_cache of objects), refgc_wq (the
 * collector workqueue), the default limits, and the global list of arenas
 * (refgc_arenas, guarded by refgc_arenas_lock, used by debugfs only).
 * Each open file owns one arena (file->private_data); arena state is
 * guarded by arena->lock (see refgc.h).
 */
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "refgc.h"

struct kmem_cache *refgc_obj_cache;
struct workqueue_struct *refgc_wq;
LIST_HEAD(refgc_arenas);
DEFINE_MUTEX(refgc_arenas_lock);	/* guards refgc_arenas */

static unsigned long max_objects = 1UL << 24;
module_param(max_objects, ulong, 0444);
MODULE_PARM_DESC(max_objects, "Default and maximum live objects per arena");

static unsigned long max_bytes = 1UL << 30;
module_param(max_bytes, ulong, 0444);
MODULE_PARM_DESC(max_bytes, "Default and maximum bytes charged per arena");

static unsigned long max_payload = 256UL << 20;
module_param(max_payload, ulong, 0444);
MODULE_PARM_DESC(max_payload, "Default and maximum payload bytes per object");

struct refgc_limits refgc_default_limits;

static int refgc_open(struct inode *inode, struct file *file)
{
	struct refgc_arena *a = refgc_arena_create();

	if (IS_ERR(a))
		return PTR_ERR(a);
	file->private_data = a;
	return 0;
}

static int refgc_release(struct inode *inode, struct file *file)
{
	refgc_arena_destroy(file->private_data);
	return 0;
}

/*
 * The file can be used by another process than its opener (fork,
 * SCM_RIGHTS): whatever the arena allocates is still charged to the
 * opener's memory cgroup, recorded at open.
 */
static ssize_t refgc_read(struct file *file, char __user *buf, size_t len,
			  loff_t *ppos)
{
	struct refgc_arena *a = file->private_data;
	struct mem_cgroup *old = set_active_memcg(a->memcg);
	ssize_t ret;

	ret = refgc_events_read(a, buf, len, file->f_flags & O_NONBLOCK);
	set_active_memcg(old);
	return ret;
}

static long refgc_unlocked_ioctl(struct file *file, unsigned int cmd,
				 unsigned long arg)
{
	struct refgc_arena *a = file->private_data;
	struct mem_cgroup *old = set_active_memcg(a->memcg);
	long ret;

	ret = refgc_ioctl(file, cmd, arg);
	set_active_memcg(old);
	return ret;
}

static __poll_t refgc_poll(struct file *file, poll_table *wait)
{
	return refgc_events_poll(file->private_data, file, wait);
}

/*
 * /proc/PID/fdinfo/FD: which arena the file is (its debugfs directory
 * name), and the bytes of arena->bytes that are no object's: the
 * garbage-list and FINALIZE-queue arrays.  Read without the arena lock
 * (a stalled arena must not stall this): a snapshot, exact when the
 * arena is idle.
 */
static void refgc_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct refgc_arena *a = file->private_data;
	u64 reserved;

	/* Racy reads by design, see above. */
	reserved = (u64)data_race(a->garbage_cap) * sizeof(*a->garbage);
	/* As above. */
	reserved += (u64)data_race(a->ev.fin_cap) * sizeof(*a->ev.fin);
	seq_printf(m, "refgc-arena:\t%llu\n", a->seq);
	seq_printf(m, "refgc-reserved-bytes:\t%llu\n", reserved);
}

static const struct file_operations refgc_fops = {
	.owner		= THIS_MODULE,
	.open		= refgc_open,
	.release	= refgc_release,
	.read		= refgc_read,
	.poll		= refgc_poll,
	.unlocked_ioctl	= refgc_unlocked_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
	.show_fdinfo	= refgc_show_fdinfo,
};

static struct miscdevice refgc_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "refgc",
	.fops	= &refgc_fops,
	.mode	= 0666,
};

static int __init refgc_init(void)
{
	int err;

	refgc_default_limits = (struct refgc_limits){
		.max_objects = max_objects,
		.max_bytes = max_bytes,
		.max_payload = min_t(unsigned long, max_payload, U32_MAX),
	};

	/*
	 * The id is the one field that reaches userspace.  Declaring it as
	 * the usercopy region also keeps SLUB from merging this cache into
	 * another one, so /proc/slabinfo shows "refgc_object".
	 */
	refgc_obj_cache = kmem_cache_create_usercopy("refgc_object",
						     sizeof(struct refgc_object),
						     0, SLAB_ACCOUNT,
						     offsetof(struct refgc_object, id),
						     sizeof(u64), NULL);
	if (!refgc_obj_cache)
		return -ENOMEM;

	refgc_wq = alloc_workqueue("refgc", WQ_UNBOUND, 0);
	if (!refgc_wq) {
		err = -ENOMEM;
		goto err_cache;
	}

	refgc_debugfs_init();

	err = misc_register(&refgc_misc);
	if (err)
		goto err_debugfs;

	pr_info("loaded, ABI %d, object %zu bytes\n", REFGC_ABI_VERSION,
		sizeof(struct refgc_object));
	return 0;

err_debugfs:
	refgc_debugfs_exit();
	destroy_workqueue(refgc_wq);
err_cache:
	kmem_cache_destroy(refgc_obj_cache);
	return err;
}

static void __exit refgc_exit(void)
{
	misc_deregister(&refgc_misc);
	refgc_debugfs_exit();
	destroy_workqueue(refgc_wq);
	kmem_cache_destroy(refgc_obj_cache);
}

module_init(refgc_init);
module_exit(refgc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Refcounted container objects with cycle collection");
MODULE_AUTHOR("The refgc developers");
MODULE_VERSION(REFGC_VERSION);
static_assert(REFGC_VERSION_MAJOR == REFGC_ABI_VERSION, "VERSION major != ABI");
