/* project.h - one book project: where its lock files live, opened once.
 *
 *   <root>/.locks/              created by project_open(create=true)
 *   <root>/.locks/locks.json    the store (the hand-editable format)
 *   <root>/.locks/locks.lock    sidecar file that transactions flock
 *   <root>/.locks/last_token    the fencing token's high-water mark
 *   <root>/.locks/config        settings and names (config.h), optional
 *   <root>/.locks/events.log    append-only event log (eventlog.h)
 *   <root>/.locks/mount.pid     pid of the mount daemon, while it runs
 *   <root>/.locks/fs/           the mount point, 0555 while unmounted
 *
 * The project handle owns the store and the configuration; the
 * configuration is re-read whenever .locks/config changes.
 */
#ifndef LOCKFS_PROJECT_H
#define LOCKFS_PROJECT_H

#include <limits.h>
#include <stdbool.h>

#include "config.h"
#include "error.h"
#include "filestamp.h"
#include "store.h"

struct project {
	char root[PATH_MAX];
	char locks_dir[PATH_MAX];
	char store_path[PATH_MAX];
	char sidecar_path[PATH_MAX];
	char token_path[PATH_MAX];
	char config_path[PATH_MAX];
	char events_path[PATH_MAX];
	char pid_path[PATH_MAX];
	char mountpoint[PATH_MAX];
	const char *proc_root;		/* "/proc" unless a test changes it */
	struct store *store;
	struct lf_config config;
	bool config_valid;		/* config matches the file at config_stamp */
	/* While .locks/config is broken: why (config_error.code != 0).  The
	 * configuration above then stays the last good one, or the
	 * defaults if there never was one. */
	struct lf_error config_error;
	/* Called (if set) when .locks/config turns broken, when what is
	 * wrong with it changes, and (msg NULL) when it is good again: the
	 * mount daemon logs these. */
	void (*config_report)(const struct project *p, const char *msg);
	struct filestamp config_stamp;
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
