/* cmd_run.c - `lockfs run [--wait SECS] RESOURCE... -- COMMAND...`: hold
 * locks exactly as long as a command runs.
 *
 * An agent must release its locks even when its work fails; this is the
 * try/finally that does it, outside the agent.
 * `lockfs run` takes the locks (all or none, cli_take), runs COMMAND as its
 * child (execvp, no shell), renews the locks every third of the stale
 * timeout, passes SIGTERM, SIGINT and SIGHUP on to the child, and releases
 * whatever it still holds when the child ends, however it ends.  The child
 * is a guard (run_guard.h) that starts COMMAND and ends COMMAND's whole
 * process tree when lockfs run dies or COMMAND ends; the guard is the
 * recorded holder process, so that after a `kill -9` of lockfs run the
 * locks count as stale (holder exited) only once no process of COMMAND's
 * tree is left to write under them.
 *
 * Signals are blocked from the start and collected with sigtimedwait(),
 * which keeps the supervisor a plain loop with no handlers.  While waiting
 * for the locks they are let through (ppoll's mask): nothing is held yet,
 * so their default action, ending lockfs run, is right.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "procfs.h"
#include "run_guard.h"

static const struct cli_command run_cmd = {
	.name = "run",
	.operands = "RESOURCE... -- COMMAND [ARG...]",
	.summary = "Take the locks (as 'lockfs acquire'), run COMMAND (no shell) while\n"
		   "renewing them, and release them when it ends, however it ends; no\n"
		   "process COMMAND started outlives them.  Options go before the\n"
		   "resources; the tokens go to stderr.",
	.exit = "Exit: COMMAND's status (128+N for signal N, 127 not found, 126 not\n"
		"executable); 5 a lock was lost while it ran; acquire's codes if the\n"
		"locks could not be taken.",
	.page = "lockfs(1)",
	.options_first = true,
};

struct run {
	struct cli_request req;		/* out: tokens from the acquisition */
	bool *lost;			/* refused a renewal: not ours any more */
	unsigned interval;		/* seconds between renewals */
	struct run_guard guard;		/* COMMAND's parent, the holder process */
	char **argv;			/* COMMAND */
	const sigset_t *cmd_mask;	/* COMMAND's signal mask */
};

/* The separator between the resources and the command. */
static int split_args(const struct cli_option *opts, int argc, char **argv,
		      int *dashdash)
{
	int i, k;

	for (i = optind; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	if (i == argc)
		return cli_usage_error(&run_cmd, opts,
				       "put -- between the resources and the command");
	if (i == optind)
		return cli_usage_error(&run_cmd, opts,
				       "name at least one resource before --");
	if (i + 1 == argc)
		return cli_usage_error(&run_cmd, opts, "no command after --");
	for (k = optind; k < i; k++)
		if (argv[k][0] == '-')
			return cli_usage_error(&run_cmd, opts,
					       "options go before the resources, not \"%s\"",
					       argv[k]);
	*dashdash = i;
	return EXIT_OK;
}

/* The guard, not the agent above it, is the holder process: its exit,
 * after COMMAND's whole tree, is the end of the locks' use. */
static int hold_as_guard(struct run *r)
{
	struct proc_stat st;
	int rc;

	rc = procfs_read_stat(project_proc_root(r->req.p), r->guard.pid, &st);
	if (rc < 0) {
		cli_error(r->req.cmd, "cannot read /proc/%d/stat: %s",
			  (int)r->guard.pid, strerror(-rc));
		return EXIT_STORE;
	}
	r->req.caller.pid = st.pid;
	r->req.caller.start_time = st.start_time;
	return EXIT_OK;
}

static int stale_interval(struct run *r)
{
	const struct lf_config *cfg;
	struct lf_error err = { 0 };

	if (project_config(r->req.p, &cfg, &err) < 0) {
		cli_error(r->req.cmd, "%s", err.msg);
		return cli_exit_code(-err.code);
	}
	r->interval = cfg->stale_seconds / 3 ? cfg->stale_seconds / 3 : 1;
	return EXIT_OK;
}

/* Lock k is another's now, so the command's work under it is no longer
 * protected: mark it, and say so (what: when it was found out). */
static void lose(struct run *r, size_t k, const struct lock_outcome *o,
		 const char *what)
{
	char msg[1024];

	r->lost[k] = true;
	cli_describe_refusal(msg, sizeof(msg), r->req.names[k], o, time(NULL),
			     "");
	cli_error(r->req.cmd, "%s: %s", what, msg);
}

/* One resource at a time: a renewal is all or nothing, and one lock that
 * was taken over must not keep the others from being renewed. */
static void renew_all(struct run *r)
{
	struct lock_outcome o;
	struct lf_error err = { 0 };
	size_t k;
	int rc;

	for (k = 0; k < r->req.n; k++) {
		if (r->lost[k])
			continue;
		memset(&o, 0, sizeof(o));
		rc = lockops_request(r->req.p, &r->req.caller,
				     REQ_OPEN_WRITE, &r->req.names[k], 1, NULL,
				     time(NULL), &o, &err);
		if (rc == 0)
			continue;
		if (!cli_refused(&o, 1)) {
			cli_error(r->req.cmd, "cannot renew %s (will retry): %s",
				  r->req.names[k], err.msg);
			continue;
		}
		lose(r, k, &o, "lost the lock while the command runs");
	}
}

/* Where the locks are shared with other machines, run keeps this
 * machine's lease alive while COMMAND runs, so that they read as lost
 * within seconds if this machine dies. */
static int keep_lease(struct run *r)
{
	struct lf_error err = { 0 };

	if (store_keep_alive(project_store(r->req.p), false, &err) == 0)
		return EXIT_OK;
	cli_error(r->req.cmd, "%s", err.msg);
	return EXIT_STORE;
}

static void exec_command(void *arg)
{
	const struct run *r = arg;
	char **argv = r->argv;

	if (sigprocmask(SIG_SETMASK, r->cmd_mask, NULL) < 0) {
		cli_error(r->req.cmd, "sigprocmask: %s", strerror(errno));
		_exit(126);
	}
	execvp(argv[0], argv);
	cli_error(r->req.cmd, "%s: %s", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* A signal from the terminal (SI_KERNEL) already went to the child, which
 * is in our process group: sending it again would make "press Ctrl-C once"
 * look like twice to programs that count. */
static void forward(const struct run *r, pid_t child, int sig,
		    const siginfo_t *info)
{
	if (info->si_code == SI_KERNEL)
		return;
	if (kill(child, sig) < 0)
		cli_error(r->req.cmd, "cannot pass %s on to the command: %s",
			  strsignal(sig), strerror(errno));
}

/* Run until the command has ended (the guard reports, or dies): renew on
 * time, pass signals on.  *status is the command's wait status. */
static int supervise(struct run *r, const sigset_t *set, int *status)
{
	struct timespec next = clock_after(r->interval), left;
	siginfo_t info;
	int sig, rc;

	for (;;) {
		left = clock_left(&next);
		sig = sigtimedwait(set, &info, &left);
		if (sig < 0 && errno == EAGAIN) {
			renew_all(r);
			next = clock_after(r->interval);
		} else if (sig < 0 && errno == EINTR) {
			continue;
		} else if (sig < 0) {
			break;
		} else if (sig != SIGCHLD && sig != SIGIO) {
			forward(r, r->guard.pid, sig, &info);
			continue;
		}
		rc = run_guard_wait(&r->guard, false, status);
		if (rc != -EAGAIN)
			return rc;
	}
	/* sigtimedwait() itself failed: still wait, then release. */
	cli_error(r->req.cmd, "sigtimedwait: %s; no more renewals",
		  strerror(errno));
	return run_guard_wait(&r->guard, true, status);
}

/* Release what this run still holds: a lock that went stale and was taken
 * over belongs to someone else now, whatever state it is in. */
static void release_ours(struct run *r)
{
	struct lock_outcome o;
	struct lf_error err = { 0 };
	size_t k;
	int rc;

	for (k = 0; k < r->req.n; k++) {
		memset(&o, 0, sizeof(o));
		rc = lockops_release_token(r->req.p, &r->req.caller,
					   r->req.names[k], r->req.out[k].token,
					   time(NULL), &o, &err);
		if (rc == -ENOENT)
			continue;	/* the command released it itself */
		if (rc == -EEXIST)
			lose(r, k, &o, "lost the lock while the command ran; "
			     "not releasing it");
		else if (rc < 0)
			cli_error(r->req.cmd, "cannot release %s: %s",
				  r->req.names[k], err.msg);
	}
}

/* A command that ran without one of its locks for a while did not do
 * its work under the lock, whatever it says: its status is reported, and
 * lockfs run exits EXIT_LOST. */
static int lost_verdict(const struct run *r, int code)
{
	char names[1024] = "";
	size_t k, len = 0;

	for (k = 0; k < r->req.n; k++)
		if (r->lost[k] && len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len,
						"%s%s", len ? ", " : "",
						r->req.names[k]);
	if (!len)
		return code;
	cli_error(r->req.cmd, "the command ran without its lock on %s (its own exit status: %d); exit %d",
		  names, code, EXIT_LOST);
	return EXIT_LOST;
}

static int exit_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* With the locks held: run the command and release afterwards. */
static int run_locked(struct run *r, const sigset_t *set)
{
	int status = 0, rc;

	rc = run_guard_go(&r->guard, r->req.caller.instance);
	if (rc < 0) {
		cli_error(r->req.cmd, "cannot start the command: %s", strerror(-rc));
		run_guard_end(&r->guard);
		release_ours(r);
		return EXIT_STORE;
	}
	rc = supervise(r, set, &status);
	release_ours(r);
	run_guard_end(&r->guard);
	if (rc < 0) {
		cli_error(r->req.cmd, "waitpid: %s", strerror(-rc));
		return EXIT_STORE;
	}
	return lost_verdict(r, exit_status(status));
}

int cmd_run(const char *root, int argc, char **argv)
{
	struct run r = { 0 };
	struct cli_option opts[4];
	struct cli_take t = { 0 };
	struct cli_request *req = &r.req;
	sigset_t set, old;
	bool force = false, guarded = false;
	int code, dd = 0, rc;

	cli_take_options(opts, &t, &force);
	code = cli_parse(&run_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	code = split_args(opts, argc, argv, &dd);
	if (code != EXIT_OK)
		return code;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGIO);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0) {
		cli_error(run_cmd.name, "sigprocmask: %s", strerror(errno));
		return EXIT_STORE;
	}
	req->cmd = run_cmd.name;
	r.argv = argv + dd + 1;
	r.cmd_mask = &old;
	/* Forked first: the guard must not share the store's descriptors
	 * (a flock lives as long as any copy of its descriptor). */
	rc = run_guard_fork(&r.guard, exec_command, &r);
	if (rc < 0) {
		cli_error(req->cmd, "fork: %s", strerror(-rc));
		code = EXIT_STORE;
		goto out;
	}
	guarded = true;
	code = cli_request_begin(req, &run_cmd, opts, root, CLI_CREATE,
				 argv + optind, (size_t)(dd - optind), force);
	if (code == EXIT_OK)
		code = keep_lease(&r);
	if (code == EXIT_OK)
		code = hold_as_guard(&r);
	if (code == EXIT_OK)
		code = stale_interval(&r);
	if (code != EXIT_OK)
		goto out;
	r.lost = calloc(req->n, sizeof(*r.lost));
	if (!r.lost) {
		cli_error(req->cmd, "out of memory");
		code = EXIT_STORE;
		goto out;
	}
	t.wait_sigmask = &old;
	code = cli_take(req, &t);
	if (code != EXIT_OK)
		goto out;
	cli_print_taken(stderr, req->names, req->out, req->n);
	/* Force was for taking the locks: renewing or releasing must never
	 * take or drop another's. */
	req->caller.force = false;
	guarded = false;
	code = run_locked(&r, &set);
out:
	if (guarded)
		run_guard_end(&r.guard);
	free(r.lost);
	cli_request_end(req);
	return code;
}
