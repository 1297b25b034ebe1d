/* cmd_whoami.c - `lockfs whoami`: which instance this caller is, and why.
 *
 * The first question of every new user ("will the mount and my shell
 * think I am the same agent?"): the same resolution every lock request
 * makes, printed with the rule that decided it and the holder process
 * that locks taken from here would record.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "procfs.h"

static const struct cli_command whoami_cmd = {
	.name = "whoami",
	.summary = "Print the instance a lock taken from here would record (the first\n"
		   "line, for scripts), the rule that decided it, the holder process,\n"
		   "the host and whether LOCKFS_FORCE is set.  Needs no project.",
	.exit = "Exit: 0 shown; 2 usage or an unusable label; 3 the process tree\n"
		"cannot be read.",
	.page = "lockfs(1)",
};

int cmd_whoami(const char *root, int argc, char **argv)
{
	static const struct cli_option opts[] = {
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	const char *cmd = "whoami";
	struct lf_error err = { 0 };
	char comm[PROCFS_COMM_MAX];
	struct proc_stat st;
	struct holder h;
	int rc;

	(void)root;
	rc = cli_parse(&whoami_cmd, opts, argc, argv);
	if (rc != CLI_GO)
		return rc;
	if (optind < argc)
		return cli_usage_error(&whoami_cmd, opts, "takes no arguments");
	rc = identity_resolve("/proc", getpid(), &h, &err);
	if (rc < 0) {
		cli_error(cmd, "cannot tell which instance is asking: %s", err.msg);
		return cli_exit_code(rc);
	}
	printf("%s\n", h.instance);
	printf("decided by: %s\n", identity_rule_words(h.rule));
	if (h.pid > 0 && procfs_read_stat("/proc", h.pid, &st) == 0) {
		cli_safe(comm, sizeof(comm), st.comm);
		printf("holder process: %d (%s)\n", (int)h.pid, comm);
	} else if (h.pid > 0) {
		printf("holder process: %d\n", (int)h.pid);
	}
	printf("host: %s\n", h.host);
	printf("force: %s\n", h.force ? "yes (LOCKFS_FORCE is set)" : "no");
	return EXIT_OK;
}
