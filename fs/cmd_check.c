/* cmd_check.c - `lockfs check RESOURCE TOKEN`: does that acquisition still
 * hold the lock?
 *
 * The fencing check: an agent that acquired Chapter_03
 * with token 17 runs `lockfs check Chapter_03 17` before it writes its
 * results, and learns whether its lock was overridden meanwhile.  The
 * answer is lockops_check()'s; this file only words it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char check_usage[] = "usage: lockfs check RESOURCE TOKEN\n";

static const char check_help[] =
	"usage: lockfs check RESOURCE TOKEN\n"
	"\n"
	"Exit 0 if the acquisition that printed TOKEN (lockfs acquire, or 'cat'\n"
	"of the lock file on the mount) still holds RESOURCE for the calling\n"
	"instance and the lock is live.  Run it before writing results: a lock\n"
	"that went stale may have been overridden by another instance.  Tokens\n"
	"are never handed out twice in a project.\n"
	"\n"
	"  -h, --help        this text\n"
	"\n"
	"Exit: 0 still held and live; 1 not locked, or held by another\n"
	"acquisition; 2 usage or unknown resource name; 3 store unreadable, or\n"
	"no project here; 4 still held but stale ('lockfs renew' it, quickly).\n";

static int report(const char *cmd, struct project *p, const char *name,
		  long long token, int rc, const struct lf_error *err)
{
	char res[NAME_SHOWN_SIZE];

	name_shown(name, res);
	switch (rc) {
	case 0:
		cli_print_checked(stdout, name, token);
		return EXIT_OK;
	case -ESTALE:
		cli_error(cmd, "%s", err->msg);
		return EXIT_STALE;
	case -EEXIST:
		cli_error(cmd, "%s", err->msg);
		return EXIT_HELD;
	case -ENOENT:
		cli_error(cmd, "%s is not locked", res);
		return cli_absent_code(cmd, p, name);
	default:
		cli_error(cmd, "%s", err->msg);
		return cli_exit_code(rc);
	}
}

int cmd_check(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "check";
	struct lf_error err = { 0 };
	struct project *p = NULL;
	struct holder caller;
	long long token;
	int opt, code, rc;

	opterr = 0;
	/* '+': "-1" after the resource is a (bad) token, not an option. */
	while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (opt == 'h')
			return cli_help(check_help);
		return cli_bad_option(cmd, check_usage, opt, argv);
	}
	if (argc - optind != 2)
		return cli_usage_error(cmd, check_usage,
				       "needs a resource and a token");
	if (cli_parse_token(argv[optind + 1], &token) < 0)
		return cli_usage_error(cmd, check_usage,
				       "the token is a positive integer, not \"%s\"",
				       argv[optind + 1]);
	code = cli_open(cmd, root, CLI_CHANGE, &p);
	if (code != EXIT_OK)
		return code;
	code = cli_caller(cmd, p, &caller);
	if (code != EXIT_OK)
		goto out;
	rc = lockops_check(p, caller.instance, argv[optind], token, time(NULL),
			   NULL, &err);
	code = report(cmd, p, argv[optind], token, rc, &err);
out:
	project_close(p);
	return code;
}
