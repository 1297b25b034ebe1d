/* cmd_clear.c - `lockfs clear [--stale]`: remove all locks, the
 * recovery command, or only the stale locks.
 *
 * One lockops_clear() transaction; core records it in the event log with
 * the instance that asked, so a cleared lock can be traced afterwards.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

static const struct cli_command clear_cmd = {
	.name = "clear",
	.summary = "Remove every lock of the project, whoever holds it, for recovery, or\n"
		   "with --stale only the stale ones.  Recorded in .locks/events.log.",
	.exit = "Exit: 0 done (also when there was nothing to clear); 2 usage; 3 store\n"
		"(nothing is cleared then).",
	.page = "lockfs(1)",
};

int cmd_clear(const char *root, int argc, char **argv)
{
	const char *cmd = "clear";
	struct lf_error err = { 0 };
	struct project *p = NULL;
	struct holder caller;
	bool stale_only = false;
	const struct cli_option opts[] = {
		{ "stale", 's', CLI_OPT_FLAG, &stale_only, NULL,
		  "only locks that are stale" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	size_t cleared = 0;
	int code, rc;

	code = cli_parse(&clear_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	if (optind < argc)
		return cli_usage_error(&clear_cmd, opts,
				       "takes no resource names (use 'lockfs release --force' for one)");
	code = cli_open(cmd, root, CLI_CHANGE, &p);
	if (code == EXIT_OK)
		code = cli_caller(cmd, p, &caller);
	if (code != EXIT_OK)
		goto out;
	rc = lockops_clear(p, &caller, stale_only, time(NULL), &cleared, &err);
	if (rc < 0) {
		cli_error(cmd, "%s", err.msg);
		code = cli_exit_code(rc);
		goto out;
	}
	cli_print_cleared(stdout, cleared, stale_only);
out:
	project_close(p);
	return code;
}
