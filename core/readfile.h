/* readfile.h - a whole file into memory, bounded.
 *
 * The file is read until end of file, never past max bytes: one byte
 * more is asked for to tell "exactly max" from "more", and more is
 * -EFBIG, also when the file grows while it is read (files under /proc
 * report size 0, so the size fstat gives is only a hint).  The result is
 * NUL-terminated for the caller's convenience; its length excludes the
 * NUL and it may hold NUL bytes of its own.  EINTR is retried.
 */
#ifndef LOCKFS_READFILE_H
#define LOCKFS_READFILE_H

#include <stddef.h>
#include <sys/stat.h>

/* Read fd from its offset to the end.  size_hint (say, st_size) sizes the
 * first buffer.  0, or -EFBIG, -ENOMEM, -errno of read(2); *buf is
 * malloc'd and the caller's on success only. */
int readfile_fd(int fd, size_t max, size_t size_hint, char **buf,
		size_t *len);

/* Open path read-only (with O_NONBLOCK and O_NOCTTY, so that a FIFO or a
 * terminal planted there cannot hang or adopt the caller, plus flags such
 * as O_NOFOLLOW) and read it: -errno of open(2) (-ENOENT when missing),
 * -EINVAL when it is not a regular file, else as readfile_fd().  sb, when
 * not NULL, gets the file's fstat. */
int readfile_path(const char *path, int flags, size_t max, char **buf,
		  size_t *len, struct stat *sb);

#endif
