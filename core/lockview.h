/* lockview.h - a lock as the outside world sees it, and its one JSON writer.
 *
 * A lock_view is an entry of locks.json with everything derived from it
 * at one instant (staleness, age, oddities).  lockview_json() is the only
 * code that writes a view as JSON: the content (and so the size) of a
 * lock file on the mount, each object of `lockfs status --json`, and the
 * locks of the MCP server's status.
 *
 * The object is strict JSON written as cJSON_PrintUnformatted would write
 * it: keys in a fixed order, no white space, strings with the escapes
 * \" \\ \b \f \n \r \t and \u00xx for the other bytes below 0x20, every
 * other byte as it is (lockdoc only hands out UTF-8), integers exactly.
 */
#ifndef LOCKFS_LOCKVIEW_H
#define LOCKFS_LOCKVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "lockdoc.h"
#include "policy.h"

/* An entry with everything derived from it at one instant. */
struct lock_view {
	struct lock_entry e;
	enum stale_reason stale;
	long long age;			/* seconds */
	bool name_known;		/* in the project's set of names */
	bool duplicate;			/* an earlier entry has the same resource */
};

/* What is odd about a view, as `status` flags it. */
enum lock_flag {
	LOCK_FLAG_UNKNOWN_NAME,		/* not in the project's set */
	LOCK_FLAG_DUPLICATE,		/* an earlier entry has the resource */
	LOCK_FLAG_BAD_TIMESTAMP,	/* stale because unreadable */
	LOCK_FLAG_BAD_FIELD,		/* a field read as absent */
	LOCK_NFLAGS
};

bool lockview_has_flag(const struct lock_view *v, enum lock_flag f);

/* Its name in JSON ("unknown-name", "duplicate", "bad-timestamp",
 * "bad-field"). */
const char *lockview_flag_name(enum lock_flag f);

enum lockview_form {
	/* the lock file: the object and a newline */
	LOCKVIEW_FILE,
	/* the same object without the newline, to go inside other JSON */
	LOCKVIEW_OBJECT,
	/* for status: the object with "flags" (the names above), "duplicate"
	 * and "problem" (what is unreadable, or null) added, no newline */
	LOCKVIEW_STATUS,
};

/* The view as JSON (malloc'd, *len its length when len is not NULL), or
 * NULL when out of memory. */
char *lockview_json(const struct lock_view *v, enum lockview_form form,
		    size_t *len);

/* For status: an entry that claims nothing, {"resource":null,
 * "flags":["no-claim"],"problem":...}, no newline; NULL out of memory. */
char *lockview_unclaimed_json(const char *problem, size_t *len);

#endif
