/* cmd_lock.c - `lockfs acquire`, `lockfs release` and `lockfs renew`: the
 * lock operations for agents that have no mount (or prefer a
 * command with exit codes to touch/rm).
 *
 * Each is one lockops_request(): REQ_CREATE, REQ_UNLINK, REQ_OPEN_WRITE,
 * the same requests the mount makes for touch, rm and utimens, so both
 * front ends obey the one table in policy.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "names.h"

static const char acquire_usage[] =
	"usage: lockfs acquire [--wait SECS] [--force] [--note TEXT] RESOURCE...\n";

static const char acquire_help[] =
	"usage: lockfs acquire [--wait SECS] [--force] [--note TEXT] RESOURCE...\n"
	"\n"
	"Take every named lock for the calling instance, all or none, in one\n"
	"store transaction.  A lock you already hold is renewed.  Prints one\n"
	"line per resource: \"Chapter_03 token 17 acquired\"; keep the token for\n"
	"'lockfs check'.\n"
	"\n"
	"  -w, --wait SECS   if another instance holds one of them, wait up to\n"
	"                    SECS seconds (fractions allowed) for it to be\n"
	"                    released; woken by the release itself\n"
	"  -f, --force       take over locks held by others (stale ones: an\n"
	"                    override; live ones: not recommended); same as\n"
	"                    LOCKFS_FORCE=1\n"
	"  -n, --note TEXT   a one-line note shown by 'lockfs status': at most\n"
	"                    200 bytes (cut before a character); control\n"
	"                    characters become spaces and bytes that are not\n"
	"                    UTF-8 become U+FFFD\n"
	"  -h, --help        this text\n"
	"\n"
	"Exit: 0 all taken; 1 one is held by another live instance (or the wait\n"
	"ran out); 2 usage or unknown resource name; 3 store unreadable or\n"
	"unwritable; 4 only stale locks of others are in the way (--force).\n";

static const char release_usage[] =
	"usage: lockfs release [--force] RESOURCE...\n";

static const char release_help[] =
	"usage: lockfs release [--force] RESOURCE...\n"
	"\n"
	"Release locks the calling instance holds.  A stale lock of another\n"
	"instance is released too (an override, recorded in the event log); a\n"
	"live lock of another is left alone unless --force.  Each resource is\n"
	"decided on its own: what can be released is.\n"
	"\n"
	"  -f, --force       also release live locks of others (LOCKFS_FORCE=1)\n"
	"  -h, --help        this text\n"
	"\n"
	"Exit: 0 all released; 1 one is not locked or is another's live lock;\n"
	"2 usage or a name that is neither locked nor a resource name; 3 store\n"
	"unreadable or unwritable.\n";

static const char renew_usage[] = "usage: lockfs renew RESOURCE...\n";

static const char renew_help[] =
	"usage: lockfs renew RESOURCE...\n"
	"\n"
	"Move the timestamp of locks the calling instance holds to now, so they\n"
	"do not go stale during long work (all or none).  'lockfs run' does this\n"
	"by itself.\n"
	"\n"
	"  -h, --help        this text\n"
	"\n"
	"Exit: 0 all renewed; 1 one is not locked or is held by another; 2 usage\n"
	"or unknown resource name; 3 store unreadable or unwritable; 4 one is a\n"
	"stale lock of another ('lockfs acquire --force' takes it over).\n";

/* The resources start at optind; core rejects an empty list, but a usage
 * message says it better. */
static int want_names(const char *cmd, const char *usage, int argc)
{
	if (optind < argc)
		return EXIT_OK;
	return cli_usage_error(cmd, usage, "name at least one resource");
}

int cmd_acquire(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wait", required_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ "note", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_take t = { .cmd = "acquire" };
	struct project *p = NULL;
	struct holder caller;
	bool force = false;
	int opt, code;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":w:fn:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			if (cli_parse_seconds(optarg, &t.wait) < 0)
				return cli_usage_error(t.cmd, acquire_usage,
					"--wait takes a number of seconds (0 to %.0f), not \"%s\"",
					CLI_WAIT_MAX, optarg);
			break;
		case 'f':
			force = true;
			break;
		case 'n':
			t.note = optarg;
			break;
		case 'h':
			return cli_help(acquire_help);
		default:
			return cli_bad_option(t.cmd, acquire_usage, opt, argv);
		}
	}
	/* "--note Chapter_07": the note took the only name. */
	if (optind == argc && t.note && name_is_wellformed(t.note))
		return cli_usage_error(t.cmd, acquire_usage,
			"name at least one resource (--note took \"%s\" as "
			"its text: give the note first, then the resources, "
			"e.g. --note \"what for\" %s)", t.note, t.note);
	code = want_names(t.cmd, acquire_usage, argc);
	if (code == EXIT_OK)
		code = cli_open(t.cmd, root, CLI_CREATE, &p);
	if (code == EXIT_OK)
		code = cli_caller(t.cmd, p, &caller);
	if (code != EXIT_OK)
		goto out;
	caller.force = caller.force || force;
	t.p = p;
	t.caller = &caller;
	t.names = (const char *const *)argv + optind;
	t.n = (size_t)(argc - optind);
	t.out = calloc(t.n, sizeof(*t.out));
	if (!t.out) {
		cli_error(t.cmd, "out of memory");
		code = EXIT_STORE;
		goto out;
	}
	code = cli_take(&t);
	if (code == EXIT_OK)
		cli_print_taken(stdout, t.names, t.out, t.n);
out:
	free(t.out);
	project_close(p);
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
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "release";
	struct lock_outcome *out = NULL;
	struct lf_error err = { 0 };
	struct project *p = NULL;
	const char *const *names;
	struct holder caller;
	bool force = false;
	size_t n;
	int opt, code, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":fh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			force = true;
			break;
		case 'h':
			return cli_help(release_help);
		default:
			return cli_bad_option(cmd, release_usage, opt, argv);
		}
	}
	code = want_names(cmd, release_usage, argc);
	if (code == EXIT_OK)
		code = cli_open(cmd, root, CLI_CHANGE, &p);
	if (code == EXIT_OK)
		code = cli_caller(cmd, p, &caller);
	if (code != EXIT_OK)
		goto out;
	caller.force = caller.force || force;
	names = (const char *const *)argv + optind;
	n = (size_t)(argc - optind);
	out = calloc(n, sizeof(*out));
	if (!out) {
		cli_error(cmd, "out of memory");
		code = EXIT_STORE;
		goto out;
	}
	rc = lockops_request(p, &caller, REQ_UNLINK, names, n, NULL,
			     time(NULL), out, &err);
	if (rc < 0 && !cli_refused(out, n)) {
		cli_error(cmd, "%s", err.msg);
		code = cli_exit_code(rc);
		goto out;
	}
	code = report_release(cmd, p, names, out, n);
out:
	free(out);
	project_close(p);
	return code;
}

int cmd_renew(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "renew";
	struct lock_outcome *out = NULL;
	struct lf_error err = { 0 };
	struct project *p = NULL;
	const char *const *names;
	struct holder caller;
	size_t n;
	int opt, code, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h')
			return cli_help(renew_help);
		return cli_bad_option(cmd, renew_usage, opt, argv);
	}
	code = want_names(cmd, renew_usage, argc);
	if (code == EXIT_OK)
		code = cli_open(cmd, root, CLI_CHANGE, &p);
	if (code == EXIT_OK)
		code = cli_caller(cmd, p, &caller);
	if (code != EXIT_OK)
		goto out;
	names = (const char *const *)argv + optind;
	n = (size_t)(argc - optind);
	out = calloc(n, sizeof(*out));
	if (!out) {
		cli_error(cmd, "out of memory");
		code = EXIT_STORE;
		goto out;
	}
	rc = lockops_request(p, &caller, REQ_OPEN_WRITE, names, n, NULL,
			     time(NULL), out, &err);
	if (rc == 0) {
		cli_print_taken(stdout, names, out, n);
		goto out;
	}
	if (!cli_refused(out, n)) {
		cli_error(cmd, "%s", err.msg);
		code = cli_exit_code(rc);
		goto out;
	}
	cli_report_refusals(cmd, "", names, out, n, time(NULL),
			    "'lockfs acquire --force' takes it over");
	code = cli_refusal_code(out, n);
out:
	free(out);
	project_close(p);
	return code;
}
