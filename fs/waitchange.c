/* waitchange.c - wake a waiting `lockfs acquire --wait` when locks.json is
 * replaced; see waitchange.h.
 *
 * Only events that name the store count: a commit first writes a temporary
 * file next to it and the event log is appended in the same directory, and
 * waking for those would only cost the waiter a pointless transaction.
 */
#include "waitchange.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "clock.h"

/* A rename over the store is IN_MOVED_TO; writers that rewrite it in place
 * give IN_CLOSE_WRITE, and a deleted or newly created store matters too.
 * The *_SELF events say the directory itself went away. */
#define WATCH_MASK (IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_CREATE | \
		    IN_DELETE_SELF | IN_MOVE_SELF)
#define GONE_MASK (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)

struct waitchange {
	int fd;				/* inotify, or -1: poll only */
	char name[NAME_MAX + 1];
};

int waitchange_open(const char *dir, const char *name,
		    struct waitchange **out)
{
	struct waitchange *w;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	if (strlen(name) >= sizeof(w->name)) {
		free(w);
		return -ENAMETOOLONG;
	}
	strcpy(w->name, name);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd >= 0 && inotify_add_watch(w->fd, dir, WATCH_MASK) < 0) {
		close(w->fd);
		w->fd = -1;
	}
	*out = w;
	return 0;
}

void waitchange_close(struct waitchange *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

/* The earlier of the deadline and one poll interval from now: the end of
 * this wait, so that a stream of unrelated events cannot stretch it. */
static struct timespec wait_end(const struct timespec *deadline)
{
	struct timespec end = clock_after(WAITCHANGE_POLL_MS / 1000.0);

	return clock_before(deadline, &end) ? *deadline : end;
}

/* Without inotify the waiter can still poll: a watch that broke must not
 * turn into a busy loop or into a sleep that misses changes for good. */
static void stop_watching(struct waitchange *w)
{
	close(w->fd);
	w->fd = -1;
}

/* Drain the queued events: 1 if one of them concerns the store. */
static int drain(struct waitchange *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	bool hit = false, gone = false;
	ssize_t len;
	char *p;

	for (;;) {
		len = read(w->fd, buf, sizeof(buf));
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno == EAGAIN)
			break;
		if (len <= 0) {
			gone = true;
			break;
		}
		for (p = buf; p < buf + len; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & GONE_MASK)
				gone = true;
			else if (ev->mask & IN_Q_OVERFLOW)
				hit = true;	/* events were lost */
			else if (ev->len && strcmp(ev->name, w->name) == 0)
				hit = true;
		}
	}
	/* .locks/ went away, or the watch broke: the store may change in
	 * ways it can no longer report. */
	if (gone) {
		stop_watching(w);
		return 1;
	}
	return hit;
}

int waitchange_wait(struct waitchange *w, const struct timespec *deadline,
		    const sigset_t *sigmask)
{
	struct timespec end = wait_end(deadline), left;
	struct pollfd pfd;
	int rc;

	for (;;) {
		left = clock_left(&end);
		pfd.fd = w->fd;
		pfd.events = POLLIN;
		rc = ppoll(&pfd, w->fd >= 0 ? 1 : 0, &left, sigmask);
		if (rc == 0 || (rc < 0 && errno == EINTR))
			return 0;
		if (rc < 0 && w->fd < 0)
			return 0;
		if (rc < 0) {
			stop_watching(w);
			continue;
		}
		if (drain(w))
			return 1;
	}
}
