/* eventlog.h - the append-only record of what happened to locks.
 *
 * One JSON object per line in .locks/events.log:
 *   {"time":"2026-11-27T10:03:00Z","event":"take-over","resource":"Chapter_03",
 *    "instance":"CLI-2","token":7,"previous":"CLI-1","previous_token":5}
 * Events: acquire, take-over, release, override-release, force-release,
 * clear, reset-broken-store (with "kept": where the broken store went).  (Renewals are not logged: lockfs run renews often.)  The log is
 * written under the store's lock, so its order is the commit order.  Past
 * EVENTLOG_ROTATE_BYTES it is renamed to events.log.1 and started afresh.
 * Logging is best effort: a full disk must not turn a committed release
 * into a reported failure.
 */
#ifndef LOCKFS_EVENTLOG_H
#define LOCKFS_EVENTLOG_H

#include <time.h>

#define EVENTLOG_ROTATE_BYTES (1024 * 1024)

struct event {
	time_t time;
	const char *event;
	const char *resource;		/* NULL for clear */
	const char *instance;		/* who did it */
	long long token;		/* 0: none */
	const char *previous;		/* displaced holder, or NULL */
	long long previous_token;
	long long count;		/* clear: how many entries went */
	const char *kept;		/* reset-broken-store: the file kept */
};

/* Append one line; returns 0 or a negative errno (callers may ignore it). */
int eventlog_append(const char *path, const struct event *ev);

#endif
