/* run_guard.c - the guard between `lockfs run` and its command; see
 * run_guard.h for what it promises.
 *
 * The guard is one loop over two descriptors: the socket to lockfs run
 * (readable only when lockfs run is gone, since it never writes after
 * "go") and a signalfd for SIGCHLD and the signals to pass on.  Ending
 * the tree is a loop too: SIGKILL every child, reap one, look again.  A
 * killed process's children are handed to the guard (the subreaper)
 * before the killed one can be reaped, so each pass sees them, and a
 * killed process forks no more, so the loop ends.
 */
#include "run_guard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "procfs.h"

struct guard {
	pid_t self;
	pid_t cmd;
	bool cmd_done;
	int cmd_status;
};

static void note_reaped(struct guard *g, pid_t pid, int status)
{
	if (pid != g->cmd)
		return;
	g->cmd_done = true;
	g->cmd_status = status;
}

/* SIGKILL every child of the guard (COMMAND, and the orphans of its
 * tree).  -errno when /proc cannot be listed. */
static int kill_children(const struct guard *g)
{
	struct proc_stat st;
	struct dirent *de;
	DIR *dir = opendir("/proc");
	char *end;
	long pid;

	if (!dir)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (procfs_read_stat("/proc", (pid_t)pid, &st) == 0 &&
		    st.ppid == g->self)
			kill((pid_t)pid, SIGKILL);
	}
	closedir(dir);
	return 0;
}

/* End COMMAND's whole tree and reap it. */
static void end_tree(struct guard *g)
{
	int status, rc;
	pid_t pid;

	for (;;) {
		rc = kill_children(g);
		if (rc < 0) {
			/* Without /proc only COMMAND itself can be named. */
			cli_error("run", "cannot list /proc (%s): only the command is killed",
				  strerror(-rc));
			if (!g->cmd_done)
				kill(g->cmd, SIGKILL);
		}
		pid = waitpid(-1, &status, rc < 0 ? WNOHANG : 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		note_reaped(g, pid, status);
	}
}

static int exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static void start_command(struct guard *g, run_guard_exec_fn exec_command,
			  void *arg)
{
	g->cmd = fork();
	if (g->cmd < 0) {
		cli_error("run", "fork: %s", strerror(errno));
		_exit(126);
	}
	if (g->cmd > 0)
		return;
	/* The guard may have died before the prctl: then the parent is
	 * already another process, and the command must not start. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != g->self)
		_exit(126);
	exec_command(arg);
	_exit(126);
}

/* One signal: SIGCHLD reaps (the command, or an orphan of its tree);
 * the others go on to the command. */
static void handle_signal(struct guard *g, int sfd)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (si.ssi_signo != SIGCHLD) {
		if (si.ssi_code != SI_KERNEL && !g->cmd_done)
			kill(g->cmd, (int)si.ssi_signo);
		return;
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		note_reaped(g, pid, status);
}

/* The "go" message: the instance, NUL-terminated.  false when lockfs run
 * closed the socket first (it did not get its locks, or died). */
static bool read_go(int sock, char *instance, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(sock, instance + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
		if (memchr(instance, '\0', got))
			return true;
	}
	return false;
}

/* Send COMMAND's wait status, then hold on until lockfs run has released
 * the locks and closed its end (or died). */
static void report(int sock, int status)
{
	char byte;
	ssize_t n;

	if (send(sock, &status, sizeof(status), MSG_NOSIGNAL) < 0)
		return;
	do
		n = read(sock, &byte, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
}

static void guard_main(int sock, run_guard_exec_fn exec_command, void *arg)
{
	struct guard g = { .self = getpid() };
	char instance[INSTANCE_MAX_LEN + 1];
	struct pollfd pf[2];
	sigset_t set;
	int sfd;

	if (!read_go(sock, instance, sizeof(instance)))
		_exit(0);
	if (setenv("LOCKFS_INSTANCE", instance, 1) < 0) {
		cli_error("run", "setenv: %s", strerror(errno));
		_exit(126);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		cli_error("run", "cannot guard the command: %s", strerror(errno));
		_exit(126);
	}
	start_command(&g, exec_command, arg);
	while (!g.cmd_done) {
		pf[0] = (struct pollfd){ .fd = sock, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			cli_error("run", "poll: %s; ending the command",
				  strerror(errno));
			break;
		}
		if (pf[0].revents)
			break;		/* lockfs run is gone */
		if (pf[1].revents)
			handle_signal(&g, sfd);
	}
	end_tree(&g);
	if (!g.cmd_done)
		_exit(128 + SIGKILL);
	report(sock, g.cmd_status);
	_exit(exit_code(g.cmd_status));
}

int run_guard_fork(struct run_guard *g, run_guard_exec_fn exec_command,
		   void *arg)
{
	int sv[2], e;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fflush(NULL);
	g->pid = fork();
	if (g->pid < 0) {
		e = errno;
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (g->pid == 0) {
		close(sv[0]);
		guard_main(sv[1], exec_command, arg);
	}
	close(sv[1]);
	g->go_fd = sv[0];
	return 0;
}

int run_guard_go(struct run_guard *g, const char *instance)
{
	size_t len = strlen(instance) + 1;
	ssize_t n;

	if (len > INSTANCE_MAX_LEN + 1)
		return -ENAMETOOLONG;
	if (fcntl(g->go_fd, F_SETOWN, getpid()) < 0 ||
	    fcntl(g->go_fd, F_SETFL, O_ASYNC) < 0)
		return -errno;
	do
		n = send(g->go_fd, instance, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EPIPE;
}

static int reap(struct run_guard *g, int flags, int *status)
{
	pid_t got;

	while ((got = waitpid(g->pid, status, flags)) < 0 && errno == EINTR)
		;
	if (got < 0)
		return -errno;
	if (got == 0)
		return -EAGAIN;
	g->reaped = true;
	return 0;
}

int run_guard_wait(struct run_guard *g, bool block, int *status)
{
	ssize_t n;

	do
		n = recv(g->go_fd, status, sizeof(*status),
			 MSG_WAITALL | (block ? 0 : MSG_DONTWAIT));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*status))
		return 0;
	if (n == 0)		/* gone without a report */
		return reap(g, 0, status);
	return reap(g, WNOHANG, status);
}

void run_guard_end(struct run_guard *g)
{
	int status;

	close(g->go_fd);
	if (!g->reaped)
		reap(g, 0, &status);
}
