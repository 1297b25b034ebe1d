/* lockvalue.h - locks as key-value pairs: the etcd backend's codec.
 *
 * A store that keeps one lock a key (store_etcd.h) stores each entry of
 * the document as its own value, the entry's JSON on one line exactly as
 * locks.json would hold it.  Reading turns the pairs back into a lockdoc,
 * so the lock operations see the same document either way; writing takes
 * each claim of a lockdoc back to its value.  The key decides the
 * resource: a value that is not a JSON object, or whose "resource" is not
 * the key's, reads as an entry for the key's resource that keeps what was
 * there (a value that is not an object, or not UTF-8, cleaned and cut, in
 * "unreadable") and that nobody
 * holds, stale, so it can be overridden like any other.
 *
 * Round trip: the values of lockvalue_doc(pairs) are the pairs' values,
 * byte for byte, for every value lockvalue_values() wrote.
 */
#ifndef LOCKFS_LOCKVALUE_H
#define LOCKFS_LOCKVALUE_H

#include <stddef.h>

#include "error.h"
#include "lockdoc.h"

/* One key: its resource and value (NUL-terminated). */
struct lock_kv {
	char *resource;
	char *value;
	long long mod_revision;
};

/* The document of n pairs, in their order. */
int lockvalue_doc(const struct lock_kv *kv, size_t n, struct lockdoc **out,
		  struct lf_error *err);

/* Bring doc up to date with one key's change: kv->value is its new
 * value, or NULL when the key was deleted.  What lockvalue_doc() would
 * give for the new pairs, up to the order of the entries; costs one
 * entry's parse, not the document's. */
int lockvalue_apply(struct lockdoc *doc, const struct lock_kv *kv,
		    struct lf_error *err);

/* Each resource's value in a document: the text of its first claim,
 * sorted by resource for lockvalues_get. */
struct lockvalues {
	char **resource;
	char **value;
	size_t n;
};

/* 0, or -ENOMEM. */
int lockvalue_values(const struct lockdoc *doc, struct lockvalues *out);
const char *lockvalues_get(const struct lockvalues *v, const char *resource);
void lockvalues_free(struct lockvalues *v);

#endif
