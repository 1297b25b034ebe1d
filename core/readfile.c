/* readfile.c - bounded whole-file reads; see readfile.h. */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define FIRST_CHUNK 4096

/* Room for at least one more byte than len, never more than max + 2
 * (max + 1 bytes of data and the NUL). */
static int grow(char **buf, size_t *cap, size_t len, size_t max)
{
	size_t limit = max + 2, ncap = *cap ? *cap * 2 : FIRST_CHUNK;
	char *nbuf;

	if (ncap < len + 2)
		ncap = len + 2;
	if (ncap > limit)
		ncap = limit;
	nbuf = realloc(*buf, ncap);
	if (!nbuf)
		return -ENOMEM;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

int readfile_fd(int fd, size_t max, size_t size_hint, char **out,
		size_t *outlen)
{
	size_t cap = 0, len = 0;
	char *buf = NULL;
	ssize_t r;
	int rc;

	rc = grow(&buf, &cap, size_hint < max ? size_hint : max, max);
	while (rc == 0) {
		if (len + 1 == cap && cap < max + 2)
			rc = grow(&buf, &cap, len, max);
		if (rc < 0)
			break;
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max)
			rc = -EFBIG;
	}
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int readfile_path(const char *path, int flags, size_t max, char **buf,
		  size_t *len, struct stat *sb)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (sb)
		*sb = st;
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	rc = readfile_fd(fd, max, (size_t)st.st_size, buf, len);
out:
	close(fd);
	return rc;
}
