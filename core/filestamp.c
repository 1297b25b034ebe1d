/* filestamp.c - change detection by stat(2); see filestamp.h. */
#include "filestamp.h"

#include <errno.h>
#include <string.h>

void filestamp_of(const struct stat *sb, struct filestamp *out)
{
	out->present = true;
	out->dev = sb->st_dev;
	out->ino = sb->st_ino;
	out->size = sb->st_size;
	out->mtime = sb->st_mtim;
	out->ctime = sb->st_ctim;
}

int filestamp_get(const char *path, bool nofollow, struct filestamp *out)
{
	struct stat sb;
	int rc = nofollow ? lstat(path, &sb) : stat(path, &sb);

	memset(out, 0, sizeof(*out));
	if (rc == 0) {
		filestamp_of(&sb, out);
		return 0;
	}
	return errno == ENOENT ? 0 : -errno;
}

bool filestamp_equal(const struct filestamp *a, const struct filestamp *b)
{
	if (a->present != b->present)
		return false;
	if (!a->present)
		return true;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

bool filestamp_fd_is_path(int fd, const char *path)
{
	struct stat held, named;

	return fstat(fd, &held) == 0 && stat(path, &named) == 0 &&
	       held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}
