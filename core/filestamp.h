/* filestamp.h - has a file changed since we last read it?
 *
 * A stamp is what stat(2) says about a path: device, inode, size, mtime
 * and ctime to the nanosecond.  Equal stamps mean the same bytes as far
 * as lockfs can tell without reading them: a rename over the path changes
 * the inode, an in-place write the size or the times (ctime moves with
 * every write, even one that restores mtime).  A missing file has a stamp
 * too (present false), equal only to another missing file's.
 */
#ifndef LOCKFS_FILESTAMP_H
#define LOCKFS_FILESTAMP_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

struct filestamp {
	bool present;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

void filestamp_of(const struct stat *sb, struct filestamp *out);

/* The stamp of path (lstat when nofollow, else stat): 0 (present false
 * when there is no such file) or -errno. */
int filestamp_get(const char *path, bool nofollow, struct filestamp *out);

bool filestamp_equal(const struct filestamp *a, const struct filestamp *b);

/* The file open at fd is (still) the one at path: someone may have
 * deleted or replaced it since it was opened. */
bool filestamp_fd_is_path(int fd, const char *path);

#endif
