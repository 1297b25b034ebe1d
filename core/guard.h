/* guard.h - which resource guards an edited file: the "guard" rules.
 *
 * A rule is "GLOB -> RESOURCE".  GLOB is a path relative to the project
 * root in which
 *
 *   *      matches any text within one path component (no '/'),
 *   **     matches any text, '/' included; standing alone as a component
 *          followed by a slash, it matches zero or more whole components
 *          (so "Notes", "**", "x.md" joined by slashes matches Notes/x.md,
 *          Notes/a/x.md and Notes/a/b/x.md),
 *   [...]  matches one character (not '/') of a class: "[0-9]", "[A-Za-z]",
 *          "[!.]" or "[^.]" for any but these,
 *
 * and every other character matches itself.  RESOURCE is a resource name
 * in which "$1" to "$9" stand for the text matched by the first to ninth
 * wildcard of GLOB, counted left to right (a "[...]" is one wildcard, and
 * so is a "*" or a "**").  Wildcards match as little as they can, leftmost
 * first, so "Chapter_*_*" splits "Chapter_03_draft_2.md" as "03" and
 * "draft_2.md".
 *
 *   guard = Manuscript/Chapters/Chapter_[0-9][0-9]* -> Chapter_$1$2
 *
 * The first rule that matches a path wins; a path that matches none is
 * not guarded.  Everything here is a pure function of its arguments.
 */
#ifndef LOCKFS_GUARD_H
#define LOCKFS_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define GUARD_CAPTURES 9
#define GUARD_GLOB_MAX 512
#define GUARD_DOUBLE_STAR_MAX 4	/* "**" per glob: keeps matching cheap */

struct guard_rule {
	char *glob;
	char *resource;			/* the template, with $1..$9 */
	unsigned line;			/* of .locks/config, for messages */
};

/* Parse "GLOB -> RESOURCE" (spaces around "->" optional) into a rule whose
 * strings are malloc'd.  -EINVAL with a message for a malformed glob, a
 * template with characters no name may hold, a "$N" past the glob's
 * wildcards, or a missing "->"; -ENOMEM. */
int guard_rule_parse(const char *text, size_t len, struct guard_rule *out,
		     struct lf_error *err);

void guard_rule_free(struct guard_rule *r);

/* True iff the template has no "$N": its name is known without a path. */
bool guard_rule_is_fixed(const struct guard_rule *r);

/* Does path (relative to the project, no leading '/') match glob?  When it
 * does and caps is not NULL, caps[i] and lens[i] are the text matched by
 * wildcard i (up to GUARD_CAPTURES).  A path longer than PATH_MAX, or a
 * glob with more "**" than GUARD_DOUBLE_STAR_MAX, matches nothing. */
bool guard_match(const char *glob, const char *path,
		 const char *caps[GUARD_CAPTURES], size_t lens[GUARD_CAPTURES]);

/* The first rule of rules[0..n) that matches path: its index, with the
 * resource it names in out (outlen bytes), or -1 when none matches.
 * -2 when the expanded name does not fit in out. */
int guard_resolve(const struct guard_rule *rules, size_t n, const char *path,
		  char *out, size_t outlen);

#endif
