/* writefile.h - replacing a small file whole: readers see the old text or
 * the new, never a mix.
 *
 * The text goes to path.tmp (mode), is fsynced, and is renamed over path.
 * On failure path is left as it was and the temporary file is removed.
 */
#ifndef LOCKFS_WRITEFILE_H
#define LOCKFS_WRITEFILE_H

#include <stddef.h>
#include <sys/types.h>

/* 0, or a negative errno (-ENAMETOOLONG for a path with no room for the
 * suffix). */
int writefile_replace(const char *path, const char *text, size_t len,
		      mode_t mode);

#endif
