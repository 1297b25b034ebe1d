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
#include "waitchange.h"

static const char run_usage[] =
	"usage: lockfs run [--wait SECS] [--force] [--note TEXT] RESOURCE... -- COMMAND [ARG...]\n";

static const char run_help[] =
	"usage: lockfs run [--wait SECS] [--force] [--note TEXT] RESOURCE... -- COMMAND [ARG...]\n"
	"\n"
	"Take the locks (all or none, as 'lockfs acquire'), run COMMAND (no\n"
	"shell: use sh -c '...' for one), renew the locks every third of the\n"
	"stale timeout while it runs, and release them when it ends: normally,\n"
	"with an error, killed by a signal, or because lockfs run itself got\n"
	"SIGTERM, SIGINT or SIGHUP (passed on to COMMAND first).  COMMAND runs\n"
	"with LOCKFS_INSTANCE set to the instance that holds the locks.  No\n"
	"process COMMAND started outlives the locks: what is left of its\n"
	"process tree when it ends, or when lockfs run dies (even by SIGKILL),\n"
	"is killed with SIGKILL before the locks count as free.  The\n"
	"tokens go to stderr.  Options go before the resources.\n"
	"\n"
	"  -w, --wait SECS   wait up to SECS seconds for the locks (as acquire)\n"
	"  -f, --force       take over locks of others (as acquire)\n"
	"  -n, --note TEXT   a one-line note shown by 'lockfs status'\n"
	"  -h, --help        this text\n"
	"\n"
	"Exit: COMMAND's exit status (128+N if a signal N killed it; 127 not\n"
	"found, 126 not executable), except 5 when a lock was lost while\n"
	"COMMAND ran (another instance took it over, or it was released):\n"
	"COMMAND's results were not protected, and stderr says which lock and\n"
	"what COMMAND's own status was.  If the locks could not be taken,\n"
	"COMMAND does not run and the exit code is acquire's: 1 held (or the\n"
	"wait ran out), 2 usage or unknown name, 3 store unreadable, 4 only\n"
	"stale locks of others in the way.\n";

struct run {
	const char *cmd;
	struct project *p;
	struct holder caller;
	const char *const *names;
	size_t n;
	struct lock_outcome *out;	/* tokens from the acquisition */
	bool *lost;			/* refused a renewal: not ours any more */
	unsigned interval;		/* seconds between renewals */
	struct run_guard guard;		/* COMMAND's parent, the holder process */
	char **argv;			/* COMMAND */
	const sigset_t *cmd_mask;	/* COMMAND's signal mask */
};

/* The separator between the resources and the command. */
static int split_args(const char *cmd, int argc, char **argv, int *dashdash)
{
	int i, k;

	for (i = optind; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	if (i == argc)
		return cli_usage_error(cmd, run_usage,
				       "put -- between the resources and the command");
	if (i == optind)
		return cli_usage_error(cmd, run_usage,
				       "name at least one resource before --");
	if (i + 1 == argc)
		return cli_usage_error(cmd, run_usage, "no command after --");
	for (k = optind; k < i; k++)
		if (argv[k][0] == '-')
			return cli_usage_error(cmd, run_usage,
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

	rc = procfs_read_stat(r->p->proc_root, r->guard.pid, &st);
	if (rc < 0) {
		cli_error(r->cmd, "cannot read /proc/%d/stat: %s",
			  (int)r->guard.pid, strerror(-rc));
		return EXIT_STORE;
	}
	r->caller.pid = st.pid;
	r->caller.start_time = st.start_time;
	return EXIT_OK;
}

static int stale_interval(struct run *r)
{
	const struct lf_config *cfg;
	struct lf_error err = { 0 };

	if (project_config(r->p, &cfg, &err) < 0) {
		cli_error(r->cmd, "%s", err.msg);
		return cli_exit_code(-err.code);
	}
	r->interval = cfg->stale_seconds / 3 ? cfg->stale_seconds / 3 : 1;
	return EXIT_OK;
}

/* One resource at a time: a renewal is all or nothing, and one lock that
 * was taken over must not keep the others from being renewed. */
static void renew_all(struct run *r)
{
	struct lock_outcome o;
	struct lf_error err = { 0 };
	char msg[1024];
	size_t k;
	int rc;

	for (k = 0; k < r->n; k++) {
		if (r->lost[k])
			continue;
		memset(&o, 0, sizeof(o));
		rc = lockops_request(r->p, &r->caller, REQ_OPEN_WRITE,
				     &r->names[k], 1, NULL, time(NULL), &o, &err);
		if (rc == 0)
			continue;
		if (!cli_refused(&o, 1)) {
			cli_error(r->cmd, "cannot renew %s (will retry): %s",
				  r->names[k], err.msg);
			continue;
		}
		r->lost[k] = true;
		cli_describe_refusal(msg, sizeof(msg), r->names[k], &o,
				     time(NULL), "");
		cli_error(r->cmd, "lost the lock while the command runs: %s",
			  msg);
	}
}

static void exec_command(void *arg)
{
	const struct run *r = arg;
	char **argv = r->argv;

	if (sigprocmask(SIG_SETMASK, r->cmd_mask, NULL) < 0) {
		cli_error(r->cmd, "sigprocmask: %s", strerror(errno));
		_exit(126);
	}
	execvp(argv[0], argv);
	cli_error(r->cmd, "%s: %s", argv[0], strerror(errno));
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
		cli_error(r->cmd, "cannot pass %s on to the command: %s",
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
	cli_error(r->cmd, "sigtimedwait: %s; no more renewals", strerror(errno));
	return run_guard_wait(&r->guard, true, status);
}

/* Release what this run still holds: a lock that went stale and was taken
 * over belongs to someone else now, whatever state it is in. */
static void release_ours(struct run *r)
{
	struct lock_outcome o;
	struct lf_error err = { 0 };
	char msg[1024];
	size_t k;
	int rc;

	for (k = 0; k < r->n; k++) {
		memset(&o, 0, sizeof(o));
		rc = lockops_release_token(r->p, &r->caller, r->names[k],
					   r->out[k].token, time(NULL), &o, &err);
		if (rc == -ENOENT)
			continue;	/* the command released it itself */
		if (rc == -EEXIST) {
			r->lost[k] = true;
			cli_describe_refusal(msg, sizeof(msg), r->names[k], &o,
					     time(NULL), "");
			cli_error(r->cmd, "lost the lock while the command ran; not releasing it: %s",
				  msg);
		} else if (rc < 0)
			cli_error(r->cmd, "cannot release %s: %s", r->names[k],
				  err.msg);
	}
}

/* A command that ran without one of its locks for a while did not do
 * its work under the lock, whatever it says: its status is reported, and
 * lockfs run exits EXIT_LOST. */
static int lost_verdict(const struct run *r, int code)
{
	char names[1024] = "";
	size_t k, len = 0;

	for (k = 0; k < r->n; k++)
		if (r->lost[k] && len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len,
						"%s%s", len ? ", " : "",
						r->names[k]);
	if (!len)
		return code;
	cli_error(r->cmd, "the command ran without its lock on %s (its own exit status: %d); exit %d",
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

	rc = run_guard_go(&r->guard, r->caller.instance);
	if (rc < 0) {
		cli_error(r->cmd, "cannot start the command: %s", strerror(-rc));
		run_guard_end(&r->guard);
		release_ours(r);
		return EXIT_STORE;
	}
	rc = supervise(r, set, &status);
	release_ours(r);
	run_guard_end(&r->guard);
	if (rc < 0) {
		cli_error(r->cmd, "waitpid: %s", strerror(-rc));
		return EXIT_STORE;
	}
	return lost_verdict(r, exit_status(status));
}

static int parse_options(struct cli_take *t, bool *force, bool *help,
			 int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wait", required_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ "note", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0;
	/* '+': stop at the first resource; the command's own options
	 * after -- are not ours. */
	while ((opt = getopt_long(argc, argv, "+:w:fn:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			if (cli_parse_seconds(optarg, &t->wait) < 0)
				return cli_usage_error(t->cmd, run_usage,
					"--wait takes a number of seconds (0 to %.0f), not \"%s\"",
					CLI_WAIT_MAX, optarg);
			break;
		case 'f':
			*force = true;
			break;
		case 'n':
			t->note = optarg;
			break;
		case 'h':
			*help = true;
			return EXIT_OK;
		default:
			return cli_bad_option(t->cmd, run_usage, opt, argv);
		}
	}
	return EXIT_OK;
}

int cmd_run(const char *root, int argc, char **argv)
{
	struct run r = { .cmd = "run" };
	struct cli_take t = { .cmd = "run" };
	sigset_t set, old;
	bool force = false, help = false, guarded = false;
	int code, dd = 0, rc;

	code = parse_options(&t, &force, &help, argc, argv);
	if (code == EXIT_OK && help)
		return cli_help(run_help);
	if (code == EXIT_OK)
		code = split_args(r.cmd, argc, argv, &dd);
	if (code != EXIT_OK)
		return code;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGIO);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0) {
		cli_error(r.cmd, "sigprocmask: %s", strerror(errno));
		return EXIT_STORE;
	}
	r.names = (const char *const *)argv + optind;
	r.n = (size_t)(dd - optind);
	r.argv = argv + dd + 1;
	r.cmd_mask = &old;
	/* Forked first: the guard must not share the store's descriptors
	 * (a flock lives as long as any copy of its descriptor). */
	rc = run_guard_fork(&r.guard, exec_command, &r);
	if (rc < 0) {
		cli_error(r.cmd, "fork: %s", strerror(-rc));
		code = EXIT_STORE;
		goto out;
	}
	guarded = true;
	code = cli_open(r.cmd, root, CLI_CREATE, &r.p);
	if (code == EXIT_OK)
		code = cli_caller(r.cmd, r.p, &r.caller);
	if (code == EXIT_OK)
		code = hold_as_guard(&r);
	if (code == EXIT_OK)
		code = stale_interval(&r);
	if (code != EXIT_OK)
		goto out;
	r.out = calloc(r.n, sizeof(*r.out));
	r.lost = calloc(r.n, sizeof(*r.lost));
	if (!r.out || !r.lost) {
		cli_error(r.cmd, "out of memory");
		code = EXIT_STORE;
		goto out;
	}
	r.caller.force = r.caller.force || force;
	t.p = r.p;
	t.caller = &r.caller;
	t.names = r.names;
	t.n = r.n;
	t.wait_sigmask = &old;
	t.out = r.out;
	code = cli_take(&t);
	if (code != EXIT_OK)
		goto out;
	cli_print_taken(stderr, r.names, r.out, r.n);
	/* Force was for taking the locks: renewing or releasing must never
	 * take or drop another's. */
	r.caller.force = false;
	guarded = false;
	code = run_locked(&r, &set);
out:
	if (guarded)
		run_guard_end(&r.guard);
	free(r.lost);
	free(r.out);
	project_close(r.p);
	return code;
}
