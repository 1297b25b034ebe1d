/* writefile.c - replacing a small file whole; see writefile.h.  Used for
 * the agents' settings files, .locks/config and the mount daemon's
 * published etcd lease: files other processes read at any moment. */
#include "writefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

int writefile_replace(const char *path, const char *text, size_t len,
		      mode_t mode)
{
	char tmp[PATH_MAX + 16];
	ssize_t put;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  mode);
	if (fd < 0)
		return -errno;
	put = write(fd, text, len);
	if (put != (ssize_t)len)
		rc = put < 0 ? -errno : -EIO;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}
