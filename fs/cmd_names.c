/* cmd_names.c - `lockfs names [PREFIX]`: the project's resource names.
 *
 * Prints every name of the project's set (the default names and those of
 * .locks/config, patterns expanded) that starts with PREFIX, one a line.
 * The bash completion asks it for the names to offer, so it must stay
 * cheap: it reads the config and never the store.  A pattern such as
 * [A-Z][A-Z][A-Z][A-Z] stands for half a million names, so the list stops
 * at NAMES_MAX and says so on stderr.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "names.h"

#define NAMES_MAX 10000

static const struct cli_command names_cmd = {
	.name = "names",
	.operands = "[PREFIX]",
	.summary = "Print the resource names of the project's set that start with PREFIX,\n"
		   "one a line, patterns expanded (at most 10000).",
	.exit = "Exit: 0 listed (also none); 2 usage or a bad .locks/config; 3 .locks/\n"
		"unreadable or the list cannot be written.",
	.page = "lockfs(1)",
};

static void print_name(const char *name, void *arg)
{
	fprintf(arg, "%s\n", name);
}

int cmd_names(const char *root, int argc, char **argv)
{
	static const struct cli_option opts[] = {
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	const char *cmd = "names", *prefix = "";
	const struct lf_config *cfg;
	struct lf_error err = { 0 };
	struct project *p = NULL;
	int code;

	code = cli_parse(&names_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	if (argc - optind > 1)
		return cli_usage_error(&names_cmd, opts, "at most one prefix");
	if (optind < argc)
		prefix = argv[optind];
	code = cli_open(cmd, root, CLI_READ, &p);
	if (code != EXIT_OK)
		return code;
	if (project_config(p, &cfg, &err) < 0) {
		cli_error(cmd, "%s", err.msg);
		code = cli_exit_code(-err.code);
		goto out;
	}
	if (!nameset_list(cfg->names, prefix, NAMES_MAX, print_name, stdout))
		cli_error(cmd, "more than %d names; only the first %d are listed",
			  NAMES_MAX, NAMES_MAX);
	if (fflush(stdout) == EOF) {
		cli_error(cmd, "cannot write the list");
		code = EXIT_STORE;
	}
out:
	project_close(p);
	return code;
}
