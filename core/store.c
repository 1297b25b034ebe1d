/* store.c - the store interface's calls, handed to the backend behind it
 * (store.h).  A watch starts with its backend's table too, so that waiting
 * on it and closing it reach the right code. */
#include "store.h"

#include <errno.h>
#include <stdlib.h>

static const struct store_ops *ops_of(const struct store *st)
{
	return ((const struct store_base *)st)->ops;
}

int store_read(struct store *st, const struct lockdoc **out,
	       struct lf_error *err)
{
	return ops_of(st)->read(st, out, err);
}

int store_transact(struct store *st, const struct store_txn *txn,
		   struct lf_error *err)
{
	return ops_of(st)->transact(st, txn, err);
}

void store_configure(struct store *st, const struct lf_config *cfg)
{
	ops_of(st)->configure(st, cfg);
}

const char *store_machine_lease(struct store *st)
{
	if (!ops_of(st)->machine_lease)
		return NULL;
	return ops_of(st)->machine_lease(st);
}

int store_lease_alive(struct store *st, const char *lease)
{
	if (!ops_of(st)->lease_alive)
		return -1;
	return ops_of(st)->lease_alive(st, lease);
}

int store_keep_alive(struct store *st, bool follow, struct lf_error *err)
{
	if (!ops_of(st)->keep_alive)
		return 0;
	return ops_of(st)->keep_alive(st, follow, err);
}

int store_watch_open(struct store *st, struct store_watch **out,
		     struct lf_error *err)
{
	return ops_of(st)->watch_open(st, out, err);
}

int store_watch_wait(struct store_watch *w, const struct timespec *deadline,
		     const sigset_t *sigmask)
{
	return ((struct store_base *)w)->ops->watch_wait(w, deadline,
							       sigmask);
}

void store_watch_close(struct store_watch *w)
{
	if (w)
		((struct store_base *)w)->ops->watch_close(w);
}

void store_close(struct store *st)
{
	if (st)
		ops_of(st)->close(st);
}
