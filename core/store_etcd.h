/* store_etcd.h - the etcd backend (store.h): a book's locks in an etcd
 * cluster, shared by every machine whose .locks/config names the same
 * endpoints and prefix.
 *
 * Keys under the prefix P:
 *   P locks/<resource>   one lock: the entry's JSON, as in locks.json
 *   P leases/<id>        a machine's lease (hex id), attached to it, while
 *                        a long-running lockfs process keeps it alive
 *   P token_base         added to revisions to make tokens (see below)
 *
 * A transaction reads the named resources' keys, the live leases and the
 * token base in one etcd request (one revision), runs apply on that, and
 * commits what changed in one etcd txn guarded by a compare on every key
 * it writes (its mod_revision as read, or "absent").  Another writer that
 * got in first fails the compare; the transaction then starts over from a
 * fresh read, so an overridden holder's late release can never delete the
 * new holder's lock.  A new token is token_base plus the revision read
 * plus one (or more, for several locks in one request): every later
 * acquisition of the same resource reads a later revision, so its tokens
 * grow across the whole cluster.
 *
 * Liveness beyond this machine: store_keep_alive() makes this
 * process keep a lease (etcd_lease_seconds) and, for the mount daemon,
 * publish it in .locks/etcd-lease so that lockfs commands on this machine
 * record it too.  A lock whose lease has expired reads as host-lost.
 * With follow set, a watch also keeps a view of every lock, which reads
 * are served from; the view is used only while the watch is connected and
 * the cluster answered the last keep-alive, and after a commit by this
 * process or another lockfs process on this machine (each notes its last
 * revision in .locks/etcd-revision) only once the watch has delivered it.  Otherwise, and in every
 * process without a view, a read asks etcd.
 *
 * Every etcd call has a deadline (etcd.h); an unreachable cluster is
 * -EIO naming the endpoints tried, a refused login -EACCES.
 */
#ifndef LOCKFS_STORE_ETCD_H
#define LOCKFS_STORE_ETCD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "lockdoc.h"
#include "store.h"

/* The most operations etcd takes in one transaction by default
 * (--max-txn-ops): so the most locks one request can take or import. */
#define STORE_ETCD_MAX_TXN_OPS 128

struct store_etcd_paths {
	const char *root;		/* the project root (relative paths) */
	const char *lease_path;		/* .locks/etcd-lease */
	const char *revision_path;	/* .locks/etcd-revision */
};

/* Open the store cfg->etcd describes (nothing is sent yet). */
int store_etcd_open(const struct lf_config *cfg,
		    const struct store_etcd_paths *paths, struct store **out,
		    struct lf_error *err);

/* Carry doc's locks (its first entry for each resource) into the store
 * in one transaction, with token_base raised above floor and every token
 * in doc.  A resource that already has a lock in etcd other than the very
 * same entry is a clash: nothing is imported and -EEXIST's message names
 * them.  *imported: how many were written. */
int store_etcd_import(struct store *st, const struct lockdoc *doc,
		      long long floor, size_t *imported, struct lf_error *err);

#endif
