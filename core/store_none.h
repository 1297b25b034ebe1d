/* store_none.h - a store (store.h) that answers every call with one
 * error: what a project gets when .locks/config names a backend lockfs
 * cannot open as written (say, backend = etcd on a line next to a broken
 * one).  Reading the file store instead would show another set of locks
 * as if they were the book's; this says what is wrong instead.
 */
#ifndef LOCKFS_STORE_NONE_H
#define LOCKFS_STORE_NONE_H

#include "store.h"

/* Every call fails with why (copied). */
int store_none_open(const struct lf_error *why, struct store **out,
		    struct lf_error *err);

#endif
