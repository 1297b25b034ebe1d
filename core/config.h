/* config.h - the per-project settings file, <project>/.locks/config.
 *
 * Plain "key = value" lines; '#' starts a comment; blank lines are ignored.
 *
 *   stale_seconds = 900          # a lock this old is stale (1..604800)
 *   default_names = yes          # no: only the names listed below
 *   resource = Appendix_A        # repeatable: a name or a pattern
 *   resource = ImageRegistry_Chapter_[0-9][0-9]
 *   durability = file            # rename | file | full (see store.h)
 *   guard = Manuscript/Chapters/Chapter_[0-9][0-9]* -> Chapter_$1$2
 *                                # repeatable, first match wins (guard.h)
 *   guard_mode = take            # check | take (what the edit hook does)
 *
 * A missing file means all defaults.  Any unknown key or bad value is an
 * error naming the line, so a typo never silently changes behaviour.  A
 * UTF-8 byte order mark at the start is skipped.
 */
#ifndef LOCKFS_CONFIG_H
#define LOCKFS_CONFIG_H

#include <stddef.h>

#include "error.h"
#include "guard.h"
#include "names.h"

#define CONFIG_MAX_BYTES (64 * 1024)
#define STALE_SECONDS_DEFAULT 900

enum durability {
	DURABILITY_RENAME,	/* write temp file, rename: survives process crashes;
				 * a store a power loss broke is reset at the
				 * next start (store.h) */
	DURABILITY_FILE,	/* + fsync the temp file before the rename */
	DURABILITY_FULL,	/* + fsync the directory after the rename */
};

/* What `lockfs hook pre-tool-use` does with an edit of a guarded file. */
enum guard_mode {
	GUARD_TAKE,	/* refuse others' locks, take free ones (default) */
	GUARD_CHECK,	/* refuse others' locks, take nothing */
};

struct lf_config {
	unsigned stale_seconds;
	enum durability durability;
	struct nameset *names;
	struct guard_rule *guards;	/* in file order */
	size_t nguards;
	enum guard_mode guard_mode;
};

/* Defaults (no file): 900 s, DURABILITY_RENAME, the default names, no
 * guards, GUARD_TAKE. */
int config_defaults(struct lf_config *out, struct lf_error *err);

/* Parse a config file's bytes (for tests and fuzzing). */
int config_parse(const char *buf, size_t len, struct lf_config *out,
		 struct lf_error *err);

/* Load path; a missing file gives config_defaults().  -EINVAL for a bad
 * file (message: "config line 3: ..."), -EFBIG past CONFIG_MAX_BYTES. */
int config_load(const char *path, struct lf_config *out, struct lf_error *err);

void config_free(struct lf_config *cfg);

#endif
