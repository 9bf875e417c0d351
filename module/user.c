// SPDX-License-Identifier: GPL-2.0
/*
 * user.c - per-user limits, in the spirit of inotify's max_user_instances
 * and max_user_watches: how many arenas one user may have open
 * (max_user_arenas, -EMFILE past it) and how many objects all of them may
 * hold together (max_user_objects, -ENOSPC past it, as the per-arena
 * max_objects).  The user is the opener's effective uid; an arena counts
 * against it for its whole life, whoever uses the file (fork, SCM_RIGHTS),
 * and so do its objects.  Both parameters can be changed at run time by
 * root; a lower value refuses new arenas and objects, it takes nothing
 * away.
 *
 * Owns: the table of users with an open arena (refgc_users, guarded by
 * refgc_users_lock, a spinlock that nests inside nothing and under which
 * nothing sleeps).  struct refgc_user.arenas is guarded by that lock;
 * .objects is an atomic, charged and uncharged under the arena lock of
 * the arena the objects are in.
 */
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "refgc.h"

static unsigned int max_user_arenas = 4096;
module_param(max_user_arenas, uint, 0644);
MODULE_PARM_DESC(max_user_arenas,
		 "Open arenas per user (open() fails with EMFILE past it)");

static unsigned long max_user_objects = 1UL << 26;
module_param(max_user_objects, ulong, 0644);
MODULE_PARM_DESC(max_user_objects,
		 "Live objects per user, all arenas (ENOSPC past it)");

/**
 * struct refgc_user - one user with an open arena
 * @node: in refgc_users.
 * @uid: the user.
 * @arenas: its open arenas; the entry goes with the last one.
 * @objects: the live objects of those arenas.
 */
struct refgc_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned long arenas;
	atomic_long_t objects;
};

static DEFINE_HASHTABLE(refgc_users, 6);
static DEFINE_SPINLOCK(refgc_users_lock);	/* guards refgc_users, .arenas */

static struct refgc_user *user_find(kuid_t uid)
{
	struct refgc_user *u;

	hash_for_each_possible(refgc_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/**
 * refgc_user_get() - count a new arena against the current user
 *
 * Return: the user, ERR_PTR(-EMFILE) past max_user_arenas, or
 * ERR_PTR(-ENOMEM).
 */
struct refgc_user *refgc_user_get(void)
{
	kuid_t uid = current_euid();
	struct refgc_user *u, *new;

	new = kzalloc(sizeof(*new), REFGC_GFP);
	if (!new)
		return ERR_PTR(-ENOMEM);
	spin_lock(&refgc_users_lock);
	u = user_find(uid);
	if (!u) {
		u = new;
		new = NULL;
		u->uid = uid;
		atomic_long_set(&u->objects, 0);
		hash_add(refgc_users, &u->node, __kuid_val(uid));
	}
	if (u->arenas >= READ_ONCE(max_user_arenas)) {
		if (!u->arenas) {
			hash_del(&u->node);
			new = u;	/* freed below */
		}
		u = ERR_PTR(-EMFILE);
	} else {
		u->arenas++;
	}
	spin_unlock(&refgc_users_lock);
	kfree(new);
	return u;
}

/**
 * refgc_user_put() - an arena of @u is gone
 * @u: the user; freed with its last arena.
 */
void refgc_user_put(struct refgc_user *u)
{
	spin_lock(&refgc_users_lock);
	if (--u->arenas) {
		u = NULL;
	} else {
		WARN_ON(atomic_long_read(&u->objects));
		hash_del(&u->node);
	}
	spin_unlock(&refgc_users_lock);
	kfree(u);
}

/**
 * refgc_user_charge_object() - one more object for the user
 * @u: the user.
 *
 * Return: 0, or -ENOSPC past max_user_objects (nothing charged).
 */
int refgc_user_charge_object(struct refgc_user *u)
{
	if (atomic_long_inc_return(&u->objects) >
	    (long)min_t(unsigned long, READ_ONCE(max_user_objects),
			LONG_MAX)) {
		atomic_long_dec(&u->objects);
		return -ENOSPC;
	}
	return 0;
}

/**
 * refgc_user_uncharge_objects() - objects less for the user
 * @u: the user.
 * @n: how many.
 */
void refgc_user_uncharge_objects(struct refgc_user *u, unsigned long n)
{
	atomic_long_sub(n, &u->objects);
}
