// SPDX-License-Identifier: GPL-2.0
/*
 * kasan_oob.c - throwaway module for the runner selftest
 * (selftests/vmrun/test-vm-run.sh).  It reads one byte past a kmalloc()ed
 * buffer when loaded, which a KASAN kernel reports as a slab
 * out-of-bounds read, so the runner must report the run as failed.  It
 * loads and unloads cleanly otherwise.
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init kasan_oob_init(void)
{
	char *p = kmalloc(16, GFP_KERNEL);
	char c;

	if (!p)
		return -ENOMEM;
	/* The volatile read keeps the compiler from proving it out of bounds. */
	c = ((volatile char *)p)[16];
	pr_info("refgc-vmrun-selftest: read past the end: %d\n", c);
	kfree(p);
	return 0;
}

static void __exit kasan_oob_exit(void)
{
	pr_info("refgc-vmrun-selftest: unloaded\n");
}

module_init(kasan_oob_init);
module_exit(kasan_oob_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("refgc runner selftest: a deliberate KASAN report on load");
