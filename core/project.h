/* project.h - one book project: where its lock files live, opened once.
 *
 *   <root>/.locks/              created by project_open(create=true)
 *   <root>/.locks/locks.json    the store (the hand-editable format)
 *   <root>/.locks/locks.lock    sidecar file that transactions flock
 *   <root>/.locks/last_token    the fencing token's high-water mark
 *   <root>/.locks/config        settings and names (config.h), optional
 *   <root>/.locks/config.last-good  the last of it that parsed
 *   <root>/.locks/events.log    append-only event log (eventlog.h)
 *   <root>/.locks/mount.pid     pid of the mount daemon, while it runs
 *   <root>/.locks/fs/           the mount point, 0555 while unmounted
 *   <root>/.locks/etcd-lease    with backend = etcd: the mount daemon's lease
 *   <root>/.locks/etcd-revision ... and the last revision a command wrote
 *
 * The project handle owns the store and the configuration; the
 * configuration is re-read whenever .locks/config changes, except for
 * which backend holds the locks (file or etcd, and etcd's settings):
 * that is read when the project is opened.
 */
#ifndef LOCKFS_PROJECT_H
#define LOCKFS_PROJECT_H

#include <limits.h>
#include <stdbool.h>

#include "config.h"
#include "error.h"
#include "store.h"

/* The open handle; its fields are project.c's (and lockops.c's, through
 * project_impl.h).  Everything else asks the functions below. */
struct project;

/* The files of the layout above. */
enum project_file {
	PROJECT_LOCKS_DIR,	/* .locks/ itself */
	PROJECT_STORE,
	PROJECT_SIDECAR,
	PROJECT_TOKEN,
	PROJECT_CONFIG,
	PROJECT_EVENTS,
	PROJECT_PID,
	PROJECT_MOUNTPOINT,
	PROJECT_ETCD_LEASE,	/* the mount daemon's etcd lease (store_etcd.h) */
	PROJECT_ETCD_REVISION,	/* the last etcd revision a command here wrote */
	PROJECT_CONFIG_GOOD,	/* the last .locks/config that parsed */
};

/* The project for a working directory: the nearest ancestor of start that
 * holds .locks/, else start itself.  Writes an absolute path into root. */
int project_discover(const char *start, char *root, size_t rootlen,
		     struct lf_error *err);

/* Open the project at root.  With create, make .locks/ (0755), .locks/fs/
 * (0555) and an empty store when missing.  Without, nothing is created: a
 * missing store reads as empty and transactions fail (no sidecar).  A bad
 * .locks/config does not fail the open; project_config() reports it. */
int project_open(const char *root, bool create, struct project **out,
		 struct lf_error *err);

void project_close(struct project *p);

/* The project's absolute root directory, and the absolute path of one of
 * its files. */
const char *project_root(const struct project *p);
const char *project_path(const struct project *p, enum project_file which);

/* The path of one of the files of the project at root (an absolute path)
 * into out (PATH_MAX bytes), without opening it: unmounting and removing
 * a project must work whatever state its store and configuration are in.
 * -ENAMETOOLONG when it does not fit. */
int project_path_at(const char *root, enum project_file which, char *out,
		    struct lf_error *err);

/* The store, for the lock operations (lockops.h). */
struct store *project_store(struct project *p);

/* Where processes are looked up: "/proc", unless project_set_proc_root
 * changed it.  Tests set a fake /proc there (tests/fakeproc.h); nothing
 * else does. */
const char *project_proc_root(const struct project *p);
void project_set_proc_root(struct project *p, const char *proc_root);

/* Have report called when .locks/config turns broken, when what is wrong
 * with it changes, and (msg NULL) when it is good again: the mount daemon
 * logs these.  Called at once if the file is broken already. */
void project_set_config_report(struct project *p,
			       void (*report)(const struct project *p,
					      const char *msg));

/* The current configuration, re-read if .locks/config changed (or if it
 * could not be loaded before).  A broken file is an error (-EINVAL, the
 * message names the line): changes to the store need the configuration
 * its owner wrote.  *out is set all the same, as for project_config_read. */
int project_config(struct project *p, const struct lf_config **out,
		   struct lf_error *err);

/* For reads (listing, status): the same, but a broken .locks/config is
 * not an error: *out is the last good configuration (the defaults if
 * there never was one) and *broken (if not NULL) says what is wrong, with
 * broken->code 0 when nothing is.  Fails only when there is no usable
 * configuration at all (out of memory). */
int project_config_read(struct project *p, const struct lf_config **out,
			struct lf_error *broken, struct lf_error *err);

#endif
