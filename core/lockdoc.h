/* lockdoc.h - locks.json in memory: parse, inspect, edit, serialize.
 *
 * The document is kept whole, so every field and entry lockfs does not own
 * survives a round trip unchanged and in order (numbers keep their exact
 * source text).  lockfs owns, in each entry: resource, instance, timestamp,
 * acquired, token, pid, start_time, host, uid, note, lease; and at top level:
 * "locks" and "last_token".
 *
 * Parsing refuses, with the byte offset and what is wrong: non-UTF-8 bytes,
 * nesting deeper than LOCKDOC_MAX_DEPTH, more than LOCKDOC_MAX_BYTES, JSON
 * syntax errors, a top level that is not an object, "locks" or
 * "last_token" given twice, "locks" that is not an array, a "last_token"
 * that is not a non-negative integer.  An empty or all-whitespace file is
 * an empty store.
 *
 * One bad entry does not make the store unreadable; it is kept as it is
 * and read as narrowly as possible.  An entry that is not an object, or
 * has no single string "resource", claims nothing: it is not one of the
 * entries below, lockfs never edits it, and lockdoc_unclaimed() says what
 * is wrong with it.  In any other entry (a claim) a lockfs-owned field of
 * the wrong type, or given twice, reads as absent and lock_entry.problem
 * says so: a missing instance is a holder nobody is, an unreadable
 * timestamp makes the lock stale (ts_ok false), an unreadable pid or start
 * time leaves its liveness to its age.  Writing a claim rewrites the
 * fields it writes once, with the right type.
 */
#ifndef LOCKFS_LOCKDOC_H
#define LOCKFS_LOCKDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"

#define LOCKDOC_MAX_BYTES (16u * 1024 * 1024)
#define LOCKDOC_MAX_DEPTH 32
#define LOCKDOC_MAX_ENTRIES 100000
#define NOTE_MAX_LEN 200

struct lockdoc;

/* A read-only view of one entry; strings point into the document and stay
 * valid until it is edited or freed.  Absent or unreadable fields:
 * NULL / 0 / -1 (instance too: nobody holds such a lock). */
struct lock_entry {
	const char *resource;
	const char *instance;
	const char *timestamp;		/* NULL when missing or not a string */
	time_t ts;			/* parsed timestamp when ts_ok */
	bool ts_ok;
	const char *acquired;
	long long token;		/* 0: none */
	pid_t pid;			/* 0: none */
	unsigned long long start_time;
	const char *host;
	long long uid;			/* -1: unknown */
	const char *note;
	const char *lease;		/* the machine's lease (store.h), or NULL */
	const char *problem;		/* what could not be read, or NULL */
};

int lockdoc_parse(const char *buf, size_t len, struct lockdoc **out,
		  struct lf_error *err);

/* An empty store ({"locks": []}). */
struct lockdoc *lockdoc_new(void);

void lockdoc_free(struct lockdoc *doc);

/* Serialize (indented, trailing newline) into a malloc'd string. */
char *lockdoc_serialize(const struct lockdoc *doc, size_t *len);

size_t lockdoc_count(const struct lockdoc *doc);

/* Fill *out for the i-th claim, in document order (i < lockdoc_count()),
 * to go through them all. */
void lockdoc_entry(const struct lockdoc *doc, size_t i, struct lock_entry *out);

/* The i-th claim as it is in the document, on one line without blanks
 * (every field, numbers in their source text): malloc'd, NULL when out
 * of memory.  For a store that keeps one entry a key (store_etcd.h). */
char *lockdoc_entry_text(const struct lockdoc *doc, size_t i);

/* Does an earlier claim have the same resource as the i-th? */
bool lockdoc_is_duplicate(const struct lockdoc *doc, size_t i);

/* Reading and editing by resource.  A resource may have several entries
 * (another writer may have added duplicates); "its entry" is the first.
 * Lookups are O(1) (an index is built on first use and kept until an
 * entry is added or removed).  Entries that claim nothing have no
 * resource: none of these sees or edits them. */

/* Fill *out (when not NULL) with the first entry for resource; false when
 * it has none. */
bool lockdoc_first(const struct lockdoc *doc, const char *resource,
		   struct lock_entry *out);

/* Call fn on every entry for resource, first to last, until it returns
 * non-zero; returns that value, or 0. */
int lockdoc_each(const struct lockdoc *doc, const char *resource,
		 int (*fn)(const struct lock_entry *e, void *arg), void *arg);

/* The entries that claim nothing: how many, and what is wrong with the
 * k-th (for example: locks[3] has no "resource"), as of parsing. */
size_t lockdoc_unclaimed_count(const struct lockdoc *doc);
const char *lockdoc_unclaimed(const struct lockdoc *doc, size_t k);

/* What a new or changed entry records about its holder. */
struct lock_fields {
	const char *instance;
	time_t timestamp;
	time_t acquired;
	long long token;
	pid_t pid;			/* 0: not recorded */
	unsigned long long start_time;
	const char *host;		/* NULL: not recorded */
	long long uid;			/* -1: not recorded */
	const char *note;		/* NULL: none */
	const char *lease;		/* NULL: none */
};

/* Append a new entry for resource, even if it has one.  -ENOMEM, -E2BIG
 * past MAX_ENTRIES. */
int lockdoc_append(struct lockdoc *doc, const char *resource,
		   const struct lock_fields *f);

/* Give resource to a holder: its duplicates go, and its entry is
 * rewritten in place (every lockfs-owned field; fields lockfs does not
 * own stay), or appended when it has none.  -ENOMEM, -E2BIG. */
int lockdoc_take(struct lockdoc *doc, const char *resource,
		 const struct lock_fields *f);

/* Remove every entry for resource but the first, and fill *first (when
 * not NULL) with that one: how many went, or -ENOENT when it has none. */
ssize_t lockdoc_drop_duplicates(struct lockdoc *doc, const char *resource,
				struct lock_entry *first);

/* Remove every entry for resource; how many went. */
size_t lockdoc_drop(struct lockdoc *doc, const char *resource);

/* Give resource the first claim of from, which loses it: resource's
 * entries in doc go, and that one is appended, every field as it was.
 * -ENOENT when from has no claim for it, -E2BIG past MAX_ENTRIES, -ENOMEM.
 * For a store that follows changes key by key (store_etcd.h). */
int lockdoc_adopt(struct lockdoc *doc, const char *resource,
		  struct lockdoc *from);

/* Remove every claim for which drop(entry, arg) is true; how many went. */
size_t lockdoc_drop_if(struct lockdoc *doc,
		       bool (*drop)(const struct lock_entry *e, void *arg),
		       void *arg);

/* Move the timestamp of resource's entry (renewal).  -ENOENT none. */
int lockdoc_touch(struct lockdoc *doc, const char *resource, time_t timestamp);

/* Set or clear (note NULL) the note of resource's entry.  -ENOENT none. */
int lockdoc_set_note(struct lockdoc *doc, const char *resource,
		     const char *note);

/* The next fencing token: one more than the stored counter, every token
 * in the store and the floor, so tokens keep growing even if the counter
 * is lost.  Records it as the new counter.  Negative errno on failure. */
long long lockdoc_next_token(struct lockdoc *doc);

/* The highest token handed out elsewhere (the store's high-water mark,
 * kept where other writers of locks.json do not write); 0 by default. */
void lockdoc_set_token_floor(struct lockdoc *doc, long long floor);

/* The stored counter ("last_token"), 0 when absent. */
long long lockdoc_token_counter(const struct lockdoc *doc);

#endif
