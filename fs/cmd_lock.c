/* cmd_lock.c - `lockfs acquire`, `lockfs release` and `lockfs renew`: the
 * lock operations for agents that have no mount (or prefer a command with
 * exit codes to touch/rm).
 *
 * Each is one lockops_request(): REQ_CREATE, REQ_UNLINK, REQ_OPEN_WRITE,
 * the same requests the mount makes for touch, rm and utimens, so both
 * front ends obey the one table in policy.h.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "names.h"

static const struct cli_command acquire_cmd = {
	.name = "acquire",
	.operands = "RESOURCE...",
	.summary = "Take every named lock for the calling instance, all or none (a lock\n"
		   "you hold is renewed), and print each one's token for 'lockfs check'.",
	.exit = "Exit: 0 all taken; 1 held by another (or the wait ran out); 2 usage\n"
		"or unknown name; 3 store; 4 only stale locks in the way (--force).",
	.page = "lockfs(1)",
};

static const struct cli_command release_cmd = {
	.name = "release",
	.operands = "RESOURCE...",
	.summary = "Release the named locks: yours, and stale ones of others (an\n"
		   "override); each resource on its own.",
	.exit = "Exit: 0 all released; 1 one is not locked or another's live lock;\n"
		"2 usage or unknown name; 3 store.",
	.page = "lockfs(1)",
};

static const struct cli_command renew_cmd = {
	.name = "renew",
	.operands = "RESOURCE...",
	.summary = "Move the timestamp of locks you hold to now, all or none.",
	.exit = "Exit: 0 all renewed; 1 not locked or held by another; 2 usage or\n"
		"unknown name; 3 store; 4 a stale lock of another.",
	.page = "lockfs(1)",
};

int cmd_acquire(const char *root, int argc, char **argv)
{
	struct cli_option opts[4];
	struct cli_take t = { 0 };
	struct cli_request r = { 0 };
	bool force = false;
	int code;

	cli_take_options(opts, &t, &force);
	code = cli_parse(&acquire_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	/* "--note Chapter_07": the note took the only name. */
	if (optind == argc && t.note && name_is_wellformed(t.note))
		return cli_usage_error(&acquire_cmd, opts,
			"name at least one resource (--note took \"%s\" as "
			"its text: give the note first, then the resources, "
			"e.g. --note \"what for\" %s)", t.note, t.note);
	code = cli_request_begin(&r, &acquire_cmd, opts, root, CLI_CREATE,
				 argv + optind, (size_t)(argc - optind), force);
	if (code == EXIT_OK)
		code = cli_take(&r, &t);
	if (code == EXIT_OK)
		cli_print_taken(stdout, r.names, r.out, r.n);
	cli_request_end(&r);
	return code;
}

/* Releases are decided per resource: report each, and return the worst
 * exit code (a mistyped name counts as a usage error). */
static int report_release(const char *cmd, struct project *p,
			  const char *const *names,
			  const struct lock_outcome *o, size_t n)
{
	time_t now = time(NULL);
	int code = EXIT_OK, one;
	size_t k;

	cli_report_refusals(cmd, "", names, o, n, now, "");
	for (k = 0; k < n; k++) {
		if (o[k].error == 0) {
			cli_print_released(stdout, names[k], &o[k]);
			continue;
		}
		one = o[k].state == LOCK_ABSENT ?
		      cli_absent_code(cmd, p, names[k]) : EXIT_HELD;
		if (one == EXIT_USAGE || code == EXIT_OK)
			code = one;
	}
	return code;
}

int cmd_release(const char *root, int argc, char **argv)
{
	struct cli_request r = { 0 };
	struct lf_error err = { 0 };
	bool force = false;
	const struct cli_option opts[] = {
		{ "force", 'f', CLI_OPT_FLAG, &force, NULL,
		  "also release live locks of others (LOCKFS_FORCE=1)" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	int code, rc;

	code = cli_parse(&release_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	code = cli_request_begin(&r, &release_cmd, opts, root, CLI_CHANGE,
				 argv + optind, (size_t)(argc - optind), force);
	if (code != EXIT_OK)
		goto out;
	rc = lockops_request(r.p, &r.caller, REQ_UNLINK, r.names, r.n, NULL,
			     time(NULL), r.out, &err);
	if (rc < 0 && !cli_refused(r.out, r.n)) {
		cli_error(r.cmd, "%s", err.msg);
		code = cli_exit_code(rc);
		goto out;
	}
	code = report_release(r.cmd, r.p, r.names, r.out, r.n);
out:
	cli_request_end(&r);
	return code;
}

int cmd_renew(const char *root, int argc, char **argv)
{
	static const struct cli_option opts[] = {
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	struct cli_request r = { 0 };
	struct lf_error err = { 0 };
	int code, rc;

	code = cli_parse(&renew_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	code = cli_request_begin(&r, &renew_cmd, opts, root, CLI_CHANGE,
				 argv + optind, (size_t)(argc - optind), false);
	if (code != EXIT_OK)
		goto out;
	rc = lockops_request(r.p, &r.caller, REQ_OPEN_WRITE, r.names, r.n,
			     NULL, time(NULL), r.out, &err);
	if (rc == 0) {
		cli_print_taken(stdout, r.names, r.out, r.n);
		goto out;
	}
	if (!cli_refused(r.out, r.n)) {
		cli_error(r.cmd, "%s", err.msg);
		code = cli_exit_code(rc);
		goto out;
	}
	cli_report_refusals(r.cmd, "", r.names, r.out, r.n, time(NULL),
			    "'lockfs acquire --force' takes it over");
	code = cli_refusal_code(r.out, r.n);
out:
	cli_request_end(&r);
	return code;
}
