/* store.h - where the locks live: the interface every backend implements.
 *
 * The lock operations (lockops.h) see the locks as one document
 * (lockdoc.h) and change them only through transactions: read a consistent
 * snapshot, let the caller edit it, commit all of its changes or none.  A
 * backend decides how.  The file backend (store_file.h) keeps the document
 * in .locks/locks.json and serialises transactions with a lock file; the
 * etcd backend (store_etcd.h) keeps one key per resource in an etcd
 * cluster and commits with compare-guarded etcd transactions.
 *
 * A transaction names the resources it reads and edits, or none (NULL) to
 * see every lock: a backend that holds a lock per key then reads only
 * those, so the cost of taking one lock does not grow with the number
 * held.  The document handed to apply holds at least the named resources'
 * entries, and edits to anything else are an error of the caller.
 *
 * Waiting for a change (`--wait`, the MCP server's waits) goes through
 * store_watch_*: the file backend watches the file with inotify, the etcd
 * backend an etcd watch.  Holder liveness beyond this machine is the
 * backend's too (store_lease_alive).
 *
 * A struct store is not thread-safe; front ends serialise calls.
 */
#ifndef LOCKFS_STORE_H
#define LOCKFS_STORE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "error.h"
#include "lockdoc.h"

struct store;
struct store_watch;

struct store_txn {
	/* Edit doc.  Return 1 to commit, 0 to leave the store as it is,
	 * or a negative errno (with err set) to abort.  It may be called
	 * again on a fresh snapshot when a backend finds that another
	 * writer got in first (so it must not keep state between calls
	 * other than what it recomputes). */
	int (*apply)(struct lockdoc *doc, void *arg, struct lf_error *err);
	/* Optional: called once after a successful commit (the event log
	 * is written here so its order is the commit order). */
	void (*committed)(void *arg);
	void *arg;
	/* The resources apply reads and edits; NULL: all of them. */
	const char *const *names;
	size_t n;
};

/* What a backend provides; see the functions below for the contract. */
struct store_ops {
	int (*read)(struct store *st, const struct lockdoc **out,
		    struct lf_error *err);
	int (*transact)(struct store *st, const struct store_txn *txn,
			struct lf_error *err);
	void (*configure)(struct store *st, const struct lf_config *cfg);
	int (*lease_alive)(struct store *st, const char *lease);
	const char *(*machine_lease)(struct store *st);
	int (*keep_alive)(struct store *st, bool follow, struct lf_error *err);
	int (*watch_open)(struct store *st, struct store_watch **out,
			  struct lf_error *err);
	int (*watch_wait)(struct store_watch *w,
			  const struct timespec *deadline,
			  const sigset_t *sigmask);
	void (*watch_close)(struct store_watch *w);
	void (*close)(struct store *st);
};

/* The first member of every backend's struct store, and of its struct
 * store_watch. */
struct store_base {
	const struct store_ops *ops;
};

/* The current document.  The result is owned by the store and stays
 * valid until the next call on st. */
int store_read(struct store *st, const struct lockdoc **out,
	       struct lf_error *err);

/* Run one transaction.  Returns 0 (committed or nothing to do) or a
 * negative errno: -EAGAIN the store is busy past its deadline, -EIO the
 * store cannot be read or reached, -ENOSPC etc. from writing (nothing was
 * changed then), or apply's error. */
int store_transact(struct store *st, const struct store_txn *txn,
		   struct lf_error *err);

/* Settings from .locks/config changed (durability, deadlines). */
void store_configure(struct store *st, const struct lf_config *cfg);

/* Locks taken on a machine where a long-running lockfs process keeps a
 * lease alive record that lease: store_machine_lease is this machine's
 * (NULL: none), store_lease_alive whether the one an entry records still
 * is: 1 yes, 0 it has expired (its machine is lost), -1 not known.  A
 * backend without leases has neither. */
const char *store_machine_lease(struct store *st);
int store_lease_alive(struct store *st, const char *lease);

/* This process lives long (the mount daemon, lockfs run): keep this
 * machine's lease alive until store_close, and with follow (the mount)
 * also keep a view of the locks current, for reads.  0 where the backend
 * has nothing to keep. */
int store_keep_alive(struct store *st, bool follow, struct lf_error *err);

/* Sleep until the store may have changed: store_watch_wait returns 1 when
 * a change was seen, 0 when the CLOCK_MONOTONIC deadline or a poll
 * interval of at most a second passed (the caller looks again either way:
 * a lock also goes stale by age or by its holder's exit, which change
 * nothing in the store).  sigmask (may be NULL) is the signal mask while
 * asleep, as for ppoll().  Open before the first look, so that a change
 * in between still wakes the waiter. */
int store_watch_open(struct store *st, struct store_watch **out,
		     struct lf_error *err);
int store_watch_wait(struct store_watch *w, const struct timespec *deadline,
		     const sigset_t *sigmask);
void store_watch_close(struct store_watch *w);

void store_close(struct store *st);

#endif
