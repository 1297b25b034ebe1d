/* store_file.h - the file backend (store.h): locks.json on disk, with
 * consistent reads and atomic transactions.
 *
 * A transaction takes an exclusive flock on a stable sidecar file
 * (.locks/locks.lock, never on locks.json itself, which is replaced by
 * rename), reads and parses the store, lets the caller edit it, writes the
 * result to a temporary file in the same directory and renames it over
 * locks.json.  Readers therefore never see a half-written file, and a crash
 * at any point leaves either the old or the new store.  A store that does
 * not parse is never overwritten: the transaction fails with -EIO and the
 * file keeps its bytes.  A file that fails to parse is re-read a few times
 * first, in case a non-atomic writer was caught half-way; so is a blank
 * file modified less than half a second ago (a writer that truncated it
 * and has yet to write), rather than taken at once for an empty store.
 * Temporary files of transactions killed before their rename are removed
 * by a later transaction once they are a minute old.
 *
 * The fencing token's high-water mark is kept in its own small file
 * (token_path), which only lockfs writes: a transaction reads it under the
 * lock, the document hands out tokens above it (lockdoc_set_token_floor),
 * and a commit that handed out a higher one records it there before
 * locks.json is replaced.  So a hand rewrite of locks.json that drops
 * "last_token" and the entries that had the highest tokens cannot make a
 * token be handed out twice.
 *
 * One exception to "never overwritten": a store that is blank or does not
 * parse and was last modified before the current boot was broken by a
 * crash of the machine (a power loss before the new file reached the
 * disk), in which every holder of a lock died.  The first read or
 * transaction renames it to locks.json.broken-<UTC time>, appends a
 * "reset-broken-store" event naming that file, and goes on with an empty
 * store.  That is what makes durability "rename" (no fsync, the default)
 * safe on one machine.
 *
 * Waiting for the sidecar lock has a deadline (-EAGAIN after it).  A
 * transaction reads the whole file whatever resources it names.  Waiting
 * for a change is an inotify watch on the store's directory
 * (waitchange.h).  Liveness is the holder process's only (identity.h):
 * this backend has no leases.
 */
#ifndef LOCKFS_STORE_FILE_H
#define LOCKFS_STORE_FILE_H

#include <stdbool.h>
#include <time.h>

#include "store.h"

#define STORE_LOCK_TIMEOUT_MS_DEFAULT 2000

struct store_file_paths {
	const char *store_path;		/* .locks/locks.json */
	const char *sidecar_path;	/* .locks/locks.lock */
	const char *token_path;		/* .locks/last_token, or NULL: none */
	const char *events_path;	/* .locks/events.log, or NULL */
};

/* Open the store at paths (nothing is read until the first call). */
int store_file_open(const struct store_file_paths *paths, struct store **out,
		    struct lf_error *err);

/* store_configure() sets the durability from .locks/config; tests set it
 * and the other two directly. */
void store_file_set_durability(struct store *st, enum durability d);
void store_file_set_lock_timeout_ms(struct store *st, unsigned ms);

/* The wall-clock time of the current boot, which decides whether a broken
 * store was broken by a crash (0, the default: read from /proc/stat). */
void store_file_set_boot_time(struct store *st, time_t t);

#endif
