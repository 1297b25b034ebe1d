/* project_impl.h - the fields of struct project, for core/project.c and
 * the lock operations (core/lockops.c) only; everything else uses the
 * functions in project.h. */
#ifndef LOCKFS_PROJECT_IMPL_H
#define LOCKFS_PROJECT_IMPL_H

#include <limits.h>
#include <stdbool.h>

#include "config.h"
#include "error.h"
#include "filestamp.h"
#include "identity.h"
#include "project.h"
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
	char lease_path[PATH_MAX];
	char revision_path[PATH_MAX];
	char config_good_path[PATH_MAX];
	const char *proc_root;		/* "/proc" unless a test changes it */
	struct alive_cache *alive;	/* holders seen alive (identity.h) */
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

#endif
