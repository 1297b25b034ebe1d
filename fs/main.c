/* main.c - the lockfs program: global options, project discovery, and the
 * dispatch to one subcommand (commands.h).  Every subcommand is a thin
 * adapter over core/; none of them decides who may hold a lock.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "project.h"

struct subcommand {
	const char *name;
	int (*run)(const char *root, int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "mount", cmd_mount, "mount the lock filesystem at .locks/fs" },
	{ "umount", cmd_umount, "unmount it" },
	{ "status", cmd_status, "show who holds what (--json for programs)" },
	{ "acquire", cmd_acquire, "take locks, all or none (--wait, --force, --note)" },
	{ "release", cmd_release, "release locks you hold (--force)" },
	{ "renew", cmd_renew, "move the timestamp of locks you hold" },
	{ "run", cmd_run, "run a command while holding locks" },
	{ "check", cmd_check, "exit 0 iff an acquisition (token) still holds a lock" },
	{ "clear", cmd_clear, "remove all locks (--stale: only stale ones)" },
	{ "init", cmd_init, "set up .locks/ and .gitignore" },
	{ "whoami", cmd_whoami, "which instance you are, and which rule says so" },
	{ "help", NULL, "this list, or 'lockfs help COMMAND'" },
	{ "version", NULL, "the version of lockfs" },
	{ "deinit", cmd_deinit, "unmount and remove .locks/ (--force)" },
	{ "mcp", cmd_mcp, "MCP server on stdio: the locks as tools" },
	{ "hook", cmd_hook, "edit hooks for Claude Code and Codex (guard rules)" },
	{ "names", cmd_names, "list the project's resource names (PREFIX)" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: lockfs [-C DIR] COMMAND [ARGS...]\n\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(*subcommands); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name,
			subcommands[i].summary);
	fprintf(out, "\n'lockfs help COMMAND' (or 'lockfs COMMAND --help') "
		"describes a command.\n"
		"Exit codes: 0 ok, 1 held by another (live) or wait ran out,\n"
		"2 usage or invalid name, 3 store unreadable or unwritable,\n"
		"4 only a stale lock of another is in the way (use --force);\n"
		"lockfs run: 5 COMMAND lost a lock while it ran.\n"
		"See lockfs(1).\n");
}

static const struct subcommand *find_subcommand(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(subcommands) / sizeof(*subcommands); i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

/* -C names the project exactly; without it, the nearest ancestor of the
 * working directory that has .locks/ (else the working directory).  A -C
 * that is not a directory is the caller's mistake, not the store's. */
static int find_root(const char *dir, char *root, size_t len,
		     struct lf_error *err)
{
	struct stat sb;

	if (!dir)
		return project_discover(".", root, len, err);
	if (!realpath(dir, root))
		return lf_error_set(err, errno, "-C %s: %s", dir, strerror(errno));
	if (stat(root, &sb) < 0)
		return lf_error_set(err, errno, "-C %s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return lf_error_set(err, ENOTDIR, "-C %s: not a directory (-C "
				    "names the project's directory)", dir);
	return 0;
}

static int print_version(void)
{
	printf("lockfs %s\n", LOCKFS_VERSION);
	return EXIT_OK;
}

/* `lockfs help [COMMAND]`: the list, or COMMAND's own --help. */
static int help(int argc, char **argv)
{
	const struct subcommand *sub;
	char help_opt[] = "--help";
	char *args[] = { argv[1], help_opt, NULL };

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2) {
		fprintf(stderr, "lockfs help: one command at a time\n");
		return EXIT_USAGE;
	}
	sub = find_subcommand(argv[1]);
	if (!sub) {
		fprintf(stderr, "lockfs help: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!sub->run)
		return help(1, argv);
	optind = 0;
	return sub->run(NULL, 2, args);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct subcommand *sub;
	const char *dir = NULL;
	char root[PATH_MAX];
	struct lf_error err = { 0 };
	int opt, first;

	/* '+': stop at the subcommand, whose options are its own. */
	while ((opt = getopt_long(argc, argv, "+C:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			return print_version();
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	sub = find_subcommand(argv[optind]);
	if (!sub) {
		fprintf(stderr, "lockfs: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(sub->name, "help") == 0)
		return help(argc - optind, argv + optind);
	if (strcmp(sub->name, "version") == 0) {
		if (argc - optind > 1) {
			fprintf(stderr, "lockfs version: takes no arguments\n");
			return EXIT_USAGE;
		}
		return print_version();
	}
	if (find_root(dir, root, sizeof(root), &err) < 0) {
		fprintf(stderr, "lockfs: %s\n", err.msg);
		return EXIT_USAGE;
	}
	first = optind;
	optind = 0;	/* the subcommand runs getopt from scratch */
	return sub->run(root, argc - first, argv + first);
}
