/* names.h - which resource names may be locked.
 *
 * A nameset is the project's set of lockable names: the book's default
 * set (Chapter_01..Chapter_99, FrontMatter, BackMatter, StyleSystem,
 * QuoteRegistry, ImageRegistry, ProjectConfig), plus or instead of names and
 * patterns from .locks/config.  A pattern is a name in which "[...]" stands
 * for one character of a class ("[0-9]", "[A-Z]", "[abc]"), e.g.
 * "ImageRegistry_Chapter_[0-9][0-9]".  Names are case-sensitive; there are
 * no aliases.  Every name is also well-formed: 1..NAME_MAX_LEN characters of
 * [A-Za-z0-9_-], not starting with '-'.
 */
#ifndef LOCKFS_NAMES_H
#define LOCKFS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define NAME_MAX_LEN 64

struct nameset;

/* A set holding the default names above; NULL when out of memory. */
struct nameset *nameset_new_default(void);

/* An empty set (for configs that replace the defaults). */
struct nameset *nameset_new_empty(void);

void nameset_free(struct nameset *set);

/* Add a name or a pattern.  -EINVAL (with a message saying what is wrong)
 * for a malformed one, -ENOMEM. */
int nameset_add(struct nameset *set, const char *name_or_pattern,
		struct lf_error *err);

/* True iff name is in the set. */
bool nameset_contains(const struct nameset *set, const char *name);

/* The valid name nearest to name (smallest edit distance, ties broken by
 * order of definition), copied into out.  False when the set is empty or
 * when even the nearest name is not close (more than one edit in three
 * characters, a change of case counting half) and name is not that name
 * followed by '_' or '-' and more ("ImageRegistry_Chapter_07"): a
 * suggestion for "..", "" or a long garbage name would only mislead. */
bool nameset_nearest(const struct nameset *set, const char *name,
		     char *out, size_t outlen);

/* A name as a message may repeat it: printable ASCII only (anything else
 * becomes '?'), cut after NAME_SHOWN_MAX characters with "...". */
#define NAME_SHOWN_MAX 80
#define NAME_SHOWN_SIZE (NAME_SHOWN_MAX + 4)
void name_shown(const char *name, char out[NAME_SHOWN_SIZE]);
/* Call each(name, arg) for every name of the set that starts with prefix,
 * patterns expanded, in order of definition and each name once, until max
 * names have been given.  False when names were left out for max. */
bool nameset_list(const struct nameset *set, const char *prefix, size_t max,
		  void (*each)(const char *name, void *arg), void *arg);

/* True iff name has the shape of a resource name (see above), whether or
 * not it is in any set.  Used to reject garbage before anything else. */
bool name_is_wellformed(const char *name);

#endif
