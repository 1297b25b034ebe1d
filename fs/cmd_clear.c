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

static const char clear_usage[] = "usage: lockfs clear [--stale]\n";

static const char clear_help[] =
	"usage: lockfs clear [--stale]\n"
	"\n"
	"Remove every lock of the project, whoever holds it (\"Clear All\n"
	"Locks\", for recovery), or with --stale only the stale ones.\n"
	"Recorded in .locks/events.log.\n"
	"\n"
	"  -s, --stale       only locks that are stale\n"
	"  -h, --help        this text\n"
	"\n"
	"Exit: 0 done (also when there was nothing to clear); 2 usage; 3 store\n"
	"unreadable or unwritable (nothing is cleared then).\n";

int cmd_clear(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stale", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "clear";
	struct lf_error err = { 0 };
	struct project *p = NULL;
	struct holder caller;
	bool stale_only = false;
	size_t cleared = 0;
	int opt, code, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":sh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			stale_only = true;
			break;
		case 'h':
			return cli_help(clear_help);
		default:
			return cli_bad_option(cmd, clear_usage, opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, clear_usage,
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
