/* immutable.c - FS_IMMUTABLE_FL on a directory; see immutable.h. */
#include "immutable.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* File systems without the flags ioctl answer in several ways. */
static int ioctl_errno(void)
{
	if (errno == ENOTTY || errno == EOPNOTSUPP || errno == EINVAL ||
	    errno == ENOSYS)
		return -EOPNOTSUPP;
	return -errno;
}

static int open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC |
		      O_NONBLOCK);

	return fd < 0 ? -errno : fd;
}

int immutable_get(const char *dir)
{
	int fd = open_dir(dir), flags = 0, rc;

	if (fd < 0)
		return fd;
	rc = ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 ? ioctl_errno() : 0;
	close(fd);
	if (rc < 0)
		return rc;
	return (flags & FS_IMMUTABLE_FL) ? 1 : 0;
}

int immutable_set(const char *dir, bool on)
{
	int fd = open_dir(dir), flags = 0, want, rc = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) {
		rc = ioctl_errno();
		goto out;
	}
	want = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
	if (want != flags && ioctl(fd, FS_IOC_SETFLAGS, &want) < 0)
		rc = ioctl_errno();
out:
	close(fd);
	return rc;
}
