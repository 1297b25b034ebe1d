/* policy.h - who may do what to a lock, as plain functions.
 *
 * Nothing here reads a file or the clock: callers pass the entry, the time
 * and whether the recorded holder process still runs, and get back a
 * decision.  Both front ends (the mount and the command line) reach these
 * functions only through lockops.h, so the table below is the one place
 * the rules live.
 *
 *   request         absent    mine     other live   other stale
 *   CREATE          acquire   renew    EEXIST       EEXIST
 *   CREATE_EXCL     acquire   EEXIST   EEXIST       EEXIST
 *   OPEN_WRITE      ENOENT    renew    EEXIST       EEXIST
 *   + force         (as above, but another's lock is taken over,
 *                   except by CREATE_EXCL: the file does exist)
 *   UNLINK          ENOENT    release  EBUSY        release (override)
 *   UNLINK + force  ENOENT    release  release      release
 */
#ifndef LOCKFS_POLICY_H
#define LOCKFS_POLICY_H

#include <stdbool.h>
#include <time.h>

#include "identity.h"
#include "lockdoc.h"

enum stale_reason {
	STALE_NONE,
	STALE_AGE,		/* older than the stale timeout */
	STALE_HOLDER_EXITED,	/* its holder process on this host is gone */
	STALE_BAD_TIMESTAMP,	/* unreadable, or implausibly far in the future */
	STALE_HOST_LOST,	/* its machine stopped keeping its lease alive */
};

/* What is known of an entry's holder besides its age. */
enum holder_liveness {
	HOLDER_UNKNOWN = -1,	/* no pid recorded, or on another machine */
	HOLDER_EXITED = 0,	/* its process on this machine is gone */
	HOLDER_ALIVE = 1,	/* its process on this machine runs */
	HOLDER_HOST_LOST = 2,	/* on another machine whose lease expired */
};

enum lock_state {
	LOCK_ABSENT,
	LOCK_MINE,
	LOCK_OTHER_LIVE,
	LOCK_OTHER_STALE,
};

enum lock_request {
	REQ_CREATE,		/* touch, >, open(O_CREAT), lockfs acquire */
	REQ_CREATE_EXCL,	/* open(O_CREAT|O_EXCL), set -C */
	REQ_OPEN_WRITE,		/* open for writing, utimens, lockfs renew */
	REQ_UNLINK,		/* rm, lockfs release */
};

enum lock_action {
	ACT_DENY,		/* refused: see decision.error */
	ACT_ACQUIRE,		/* new entry, new token */
	ACT_RENEW,		/* move the timestamp, same token */
	ACT_TAKE_OVER,		/* another's lock becomes the caller's, new token */
	ACT_RELEASE,		/* the caller's own lock goes */
	ACT_OVERRIDE_RELEASE,	/* another's stale lock goes */
	ACT_FORCE_RELEASE,	/* another's live lock goes (force) */
};

struct decision {
	enum lock_action action;
	int error;		/* positive errno when action == ACT_DENY */
};

/* "age", "holder-exited", "bad-timestamp", "host-lost", or NULL for
 * STALE_NONE. */
const char *policy_stale_reason_name(enum stale_reason r);
const char *policy_action_name(enum lock_action a);

/* Age in seconds (0 for a slightly future timestamp; meaningless when the
 * timestamp is unreadable). */
long long policy_age(const struct lock_entry *e, time_t now);

/* Why e is stale, if it is.  A timestamp more than stale_seconds in the
 * future counts as bad, so no lock is immortal. */
enum stale_reason policy_staleness(const struct lock_entry *e, time_t now,
				   unsigned stale_seconds,
				   enum holder_liveness holder);

/* The state of e (NULL: absent) as seen by caller. */
enum lock_state policy_state(const struct lock_entry *e, const char *caller,
			     enum stale_reason why);

/* The table above. */
struct decision policy_decide(enum lock_request req, enum lock_state state,
			      bool force);

#endif
