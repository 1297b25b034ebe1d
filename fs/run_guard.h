/* run_guard.h - the guard process of `lockfs run`: COMMAND and everything
 * it starts end with lockfs run, however lockfs run ends.
 *
 * lockfs run forks the guard before it takes the locks and records the
 * guard as the locks' holder process.  Once the locks are held it tells
 * the guard to start COMMAND.  The guard is a child subreaper
 * (PR_SET_CHILD_SUBREAPER), so every descendant of COMMAND that loses its
 * parent (a double fork, a setsid'd daemon, a `&` job) becomes its child
 * instead of init's.  It ends the whole tree with SIGKILL when
 *
 *   - lockfs run dies, even by SIGKILL (the guard reads the end of a pipe
 *     whose other end only lockfs run holds: the kernel closes it), or
 *   - COMMAND itself ends (what it left running in the background would
 *     outlive the locks, which are released next),
 *
 * Since the guard is the recorded holder, the locks count as live
 * ("holder exited" only once the guard is gone) until no process of
 * COMMAND's tree is left.  When COMMAND has ended, the guard reports its
 * wait status to lockfs run over the socket and stays until lockfs run,
 * having released the locks, lets it go (run_guard_end): so the locks
 * never look abandoned between COMMAND's end and their release.  COMMAND
 * also gets PR_SET_PDEATHSIG (SIGKILL), so it dies with the guard should
 * the guard itself be killed.
 *
 * COMMAND's status is its exit code, or 128+N when signal N killed it
 * (127 not found, 126 not executable: the guard's own exit).  Signals that
 * lockfs run passes on (SIGTERM, SIGINT, SIGHUP) are passed on to COMMAND;
 * signals from the terminal already reached COMMAND, which shares the
 * process group, and are not sent twice.
 */
#ifndef LOCKFS_RUN_GUARD_H
#define LOCKFS_RUN_GUARD_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "identity.h"

struct run_guard {
	pid_t pid;
	int go_fd;		/* lockfs run's end of the socket */
	bool reaped;		/* the guard has exited and was waited for */
};

/* Called in COMMAND's process, just before it replaces itself: must not
 * return (exec or _exit). */
typedef void (*run_guard_exec_fn)(void *arg);

/* Fork the guard; it waits for run_guard_go().  The caller must have
 * SIGCHLD, SIGTERM, SIGINT and SIGHUP blocked.  0 or -errno. */
int run_guard_fork(struct run_guard *g, run_guard_exec_fn exec_command,
		   void *arg);

/* Start COMMAND with LOCKFS_INSTANCE=instance (the guard was forked
 * before the instance was known).  From then on SIGIO tells this process
 * that the guard reported (or died), and SIGCHLD that it died: the caller
 * must have SIGIO blocked too. */
int run_guard_go(struct run_guard *g, const char *instance);

/* COMMAND's wait status, once it has ended: 0 and *status, or -EAGAIN
 * while it runs (block: wait for it instead).  A guard that died without
 * reporting is reaped, and its own wait status is returned. */
int run_guard_wait(struct run_guard *g, bool block, int *status);

/* Let the guard go and reap it: after the release, or when the locks were
 * not taken (then COMMAND never starts). */
void run_guard_end(struct run_guard *g);

#endif
