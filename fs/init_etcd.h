/* init_etcd.h - `lockfs init --etcd URLS --prefix P`: move a project's
 * locks onto an etcd cluster.
 *
 * Under the file store's transaction lock, so that no lockfs command on
 * this machine changes the locks meanwhile: check the new settings (the
 * project's .locks/config with backend, etcd_endpoints and etcd_prefix
 * set, which may already hold etcd_cacert, etcd_user and the like),
 * carry every lock of locks.json into etcd in one transaction (or refuse,
 * naming the locks that clash with ones already there), switch
 * .locks/config over, and empty locks.json.  A mount of the project must
 * be stopped first: it would go on serving the file store.
 */
#ifndef LOCKFS_INIT_ETCD_H
#define LOCKFS_INIT_ETCD_H

#include "project.h"

/* An exit code (commands.h), with the reason printed. */
int init_etcd(const char *cmd, struct project *p, const char *endpoints,
	      const char *prefix);

#endif
