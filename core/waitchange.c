/* waitchange.c - wake a waiting `lockfs acquire --wait` when locks.json is
 * replaced; see waitchange.h.
 *
 * Only events that name the store count: a commit first writes a temporary
 * file next to it and the event log is appended in the same directory, and
 * waking for those would only cost the waiter a pointless transaction.
 *
 * Closing the last reference to an inotify descriptor waits for an SRCU
 * grace period in the kernel (up to ~15 ms on a busy machine), and so does
 * an exit that closes it.  The waiter has its lock by then, so that wait
 * is handed to a short-lived child that holds the last reference: the
 * waiter drops its own at once and exits without waiting.
 */
#include "waitchange.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
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

/* Close every descriptor but the n in keep (n <= 3). */
static int close_all_but(int *keep, int n)
{
	unsigned from = 0;
	int i, j, t;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (keep[j] < keep[i]) {
				t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (i = 0; i < n; i++) {
		if ((unsigned)keep[i] > from &&
		    close_range(from, (unsigned)keep[i] - 1, 0) < 0)
			return -1;
		from = (unsigned)keep[i] + 1;
	}
	return close_range(from, ~0U, 0);
}

/* In the child: fork the grandchild that closes fd last, and go, so the
 * parent reaps its child at once and keeps no zombie (`lockfs run` lives
 * on after this).  Each holder of fd drops it before its write end of the
 * pipe, so EOF on the pipe means every other reference is gone. */
static void release_in_child(int fd, const int pipefd[2])
{
	char c;

	if (fork() != 0) {
		close(fd);
		_exit(0);
	}
	close(pipefd[1]);
	while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
		;
	close(fd);
	_exit(0);
}

/* Close an inotify descriptor without waiting for the kernel's grace
 * period; falls back to a plain close when no child can be had. */
static void close_elsewhere(int fd)
{
	int pipefd[2], keep[3], status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		close(fd);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* Other descriptors (a caller's stdout pipe, the sidecar)
		 * must not outlive the parent in here. */
		keep[0] = fd;
		keep[1] = pipefd[0];
		keep[2] = pipefd[1];
		if (close_all_but(keep, 3) < 0)
			_exit(1);
		release_in_child(fd, pipefd);
	}
	/* With the children's copies alive this close drops a reference
	 * only. */
	close(fd);
	close(pipefd[1]);
	close(pipefd[0]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
}

void waitchange_close(struct waitchange *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close_elsewhere(w->fd);
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
