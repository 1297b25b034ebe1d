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
	{ "names", cmd_names, "list the project's resource names (PREFIX)" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: lockfs [-C DIR] COMMAND [ARGS...]\n\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(*subcommands); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name,
			subcommands[i].summary);
	fprintf(out, "\n'lockfs COMMAND --help' describes a command.\n"
		"Exit codes: 0 ok, 1 held by another (live) or wait ran out,\n"
		"2 usage or invalid name, 3 store unreadable or unwritable,\n"
		"4 only a stale lock of another is in the way (use --force).\n");
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
 * working directory that has .locks/ (else the working directory). */
static int find_root(const char *dir, char *root, size_t len,
		     struct lf_error *err)
{
	if (!dir)
		return project_discover(".", root, len, err);
	if (!realpath(dir, root))
		return lf_error_set(err, errno, "%s: %s", dir, strerror(errno));
	return 0;
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
			printf("lockfs %s\n", LOCKFS_VERSION);
			return EXIT_OK;
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
	if (find_root(dir, root, sizeof(root), &err) < 0) {
		fprintf(stderr, "lockfs: %s\n", err.msg);
		return EXIT_USAGE;
	}
	first = optind;
	optind = 0;	/* the subcommand runs getopt from scratch */
	return sub->run(root, argc - first, argv + first);
}
