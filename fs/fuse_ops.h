/* fuse_ops.h - the lock file system's FUSE handlers (fuse_ops.c), as
 * cmd_mount.c hands them to libfuse.
 *
 * The handlers find everything they need through the private data given
 * to fuse_new(): a struct mount_ctx that lives as long as the FUSE loop.
 * The loop must run single-threaded (fuse_loop, not fuse_loop_mt): the
 * project and its store are not thread-safe and the handlers share them.
 */
#ifndef LOCKFS_FUSE_OPS_H
#define LOCKFS_FUSE_OPS_H

#define FUSE_USE_VERSION 31

#include <fuse.h>
#include <sys/types.h>
#include <time.h>

#include "project.h"

struct mount_ctx {
	struct project *p;
	uid_t uid;			/* the mounting user: owner of the root */
	gid_t gid;			/* and of files whose holder is unknown */
	time_t started;
	/* Called once the kernel has talked to the daemon (FUSE_INIT): from
	 * then on the mount answers.  NULL when nobody waits for that. */
	void (*on_ready)(void *arg);
	void *ready_arg;
};

const struct fuse_operations *lockfs_fuse_operations(void);

#endif
