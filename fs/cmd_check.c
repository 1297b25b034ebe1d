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

static const struct cli_command check_cmd = {
	.name = "check",
	.operands = "RESOURCE TOKEN",
	.summary = "Exit 0 if the acquisition that printed TOKEN still holds RESOURCE for\n"
		   "the calling instance and the lock is live: run it before writing\n"
		   "results.",
	.exit = "Exit: 0 held and live; 1 not locked or another acquisition's; 2 usage\n"
		"or unknown name; 3 store or no project; 4 held but stale (renew it).",
	.page = "lockfs(1)",
	.options_first = true,	/* "-1" after the resource is a bad token */
};

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
	static const struct cli_option opts[] = {
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	const char *cmd = "check";
	struct lf_error err = { 0 };
	struct project *p = NULL;
	struct holder caller;
	long long token;
	int code, rc;

	code = cli_parse(&check_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	if (argc - optind != 2)
		return cli_usage_error(&check_cmd, opts,
				       "needs a resource and a token");
	if (cli_parse_token(argv[optind + 1], &token) < 0)
		return cli_usage_error(&check_cmd, opts,
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
