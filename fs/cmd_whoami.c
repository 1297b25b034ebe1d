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

static const char whoami_usage[] = "usage: lockfs whoami\n";

static const char whoami_help[] =
	"usage: lockfs whoami\n"
	"\n"
	"Print the instance that a lock taken from here would record: first\n"
	"line the instance alone (for scripts), then the rule that decided it,\n"
	"the holder process recorded with its locks (the one whose exit makes\n"
	"them stale), the host, and whether LOCKFS_FORCE is set.  The rules, in\n"
	"order: LOCKFS_INSTANCE; CLAUDE_CODE_SESSION_ID (CLI-..., or Desktop-...\n"
	"under Claude Desktop); CODEX_THREAD_ID (Codex-...); else the process\n"
	"tree: the nearest ancestor that is not a shell or a wrapper, or an\n"
	"interactive shell, which is its own instance.  Needs no project.\n"
	"\n"
	"  -h, --help        this text\n"
	"\n"
	"Exit: 0 shown; 2 usage, or LOCKFS_INSTANCE (or a session id) is not a\n"
	"usable label; 3 the process tree cannot be read.\n";

int cmd_whoami(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "whoami";
	struct lf_error err = { 0 };
	char comm[PROCFS_COMM_MAX];
	struct proc_stat st;
	struct holder h;
	int opt, rc;

	(void)root;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h')
			return cli_help(whoami_help);
		return cli_bad_option(cmd, whoami_usage, opt, argv);
	}
	if (optind < argc)
		return cli_usage_error(cmd, whoami_usage, "takes no arguments");
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
