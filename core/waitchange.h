/* waitchange.h - sleep until the lock store changes, or a deadline passes.
 *
 * `lockfs acquire --wait` and `lockfs run --wait` retry their request each
 * time this returns.  The store is replaced by rename (store.h), so an
 * inotify watch on .locks/ sees every commit of lockfs and of hand-editing
 * agents within milliseconds.  Where inotify cannot see the writer (network
 * file systems, a full watch table) the wait still ends after a short poll
 * interval, which also lets the caller notice a lock going stale by age or
 * by its holder's exit, neither of which touches the file.
 */
#ifndef LOCKFS_WAITCHANGE_H
#define LOCKFS_WAITCHANGE_H

#include <signal.h>
#include <time.h>

#define WAITCHANGE_POLL_MS 1000

struct waitchange;

/* Watch dir for changes to the file called name.  Never fails for lack of
 * inotify (the waiter then only polls); -ENOMEM when out of memory,
 * -ENAMETOOLONG for a name longer than NAME_MAX. */
int waitchange_open(const char *dir, const char *name,
		    struct waitchange **out);

void waitchange_close(struct waitchange *w);

/* Sleep until name changes, the poll interval ends or the CLOCK_MONOTONIC
 * deadline passes, whichever is first.  sigmask (may be NULL) is the signal
 * mask while asleep, as for ppoll(): a caller that blocks signals can let
 * them end the process while it waits.  Returns 1 when a change was seen,
 * 0 otherwise; the caller looks at the store either way. */
int waitchange_wait(struct waitchange *w, const struct timespec *deadline,
		    const sigset_t *sigmask);

#endif
