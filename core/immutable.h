/* immutable.h - the immutable attribute of a directory (chattr +i).
 *
 * lockfs sets it on the bare mount point .locks/fs so that, while nothing
 * is mounted, creating a file there fails even for root (0555 stops only
 * other users).  FUSE mounts over an immutable directory all the same.
 * Setting or clearing it needs CAP_LINUX_IMMUTABLE and a file system that
 * has it (ext2/3/4, xfs, btrfs, tmpfs since Linux 6.0, ...).
 */
#ifndef LOCKFS_IMMUTABLE_H
#define LOCKFS_IMMUTABLE_H

#include <stdbool.h>

/* Set (on) or clear the attribute of the directory dir.  0 when it is so
 * afterwards; -EOPNOTSUPP when the file system has no such attribute;
 * -EPERM without the privilege; another negative errno otherwise. */
int immutable_set(const char *dir, bool on);

/* 1 when dir has the attribute, 0 when not, negative errno as above. */
int immutable_get(const char *dir);

#endif
