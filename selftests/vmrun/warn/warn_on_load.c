// SPDX-License-Identifier: GPL-2.0
/*
 * warn_on_load.c - throwaway module for the refgc VM-runner selftest
 * (selftests/vmrun/test-vm-run.sh). It fires one deliberate WARN() when
 * loaded and unloads cleanly, so scripts/vm-run must report the run as
 * failed because the guest kernel log contains "WARNING:".
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/bug.h>

static int __init warn_on_load_init(void)
{
	WARN(1, "refgc-vmrun-selftest: deliberate warning\n");
	return 0;
}

static void __exit warn_on_load_exit(void)
{
	pr_info("refgc-vmrun-selftest: unloaded\n");
}

module_init(warn_on_load_init);
module_exit(warn_on_load_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("refgc vm-run selftest: WARN() on load");
