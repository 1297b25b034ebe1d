/* cmd_init.c - `lockfs init`: set a book project up for lockfs.
 *
 * Creates .locks/ with an empty store and the bare mount point (core's
 * project_open), and adds ".locks/" to the project's .gitignore: lock
 * state is per machine and must never be committed.  --claude and --codex also install
 * lockfs's edit hooks in the agents' project settings (init_agents.h).
 * Running it again changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "init_agents.h"
#include "init_etcd.h"
#include "readfile.h"

#define GITIGNORE_MAX (1024 * 1024)

static const struct cli_command init_cmd = {
	.name = "init",
	.summary = "Set up the project: .locks/ with an empty locks.json and the mount\n"
		   "point .locks/fs, and \".locks/\" in .gitignore.  Safe to run again.\n"
		   "The project is -C DIR, else the nearest directory at or above the\n"
		   "current one that has .locks/, else the current directory.  With\n"
		   "--etcd and --prefix the locks move to an etcd cluster, shared by\n"
		   "every machine set up with the same two (unmount first).",
	.exit = "Exit: 0 done; 1 --etcd: locks in etcd clash with ours; 2 usage;\n"
		"3 .locks/, .gitignore or etcd cannot be written.",
	.page = "lockfs(1)",
};

/* Lines that already keep .locks/ out of git (trailing blanks ignored). */
static bool ignores_locks(const char *line, size_t len)
{
	static const char *const forms[] = {
		".locks", ".locks/", "/.locks", "/.locks/", ".locks/*",
		"/.locks/*", ".locks/**", "/.locks/**",
	};
	size_t i;

	while (len > 0 && strchr(" \t\r", line[len - 1]))
		len--;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (strlen(forms[i]) == len && memcmp(forms[i], line, len) == 0)
			return true;
	return false;
}

static bool listed(const char *buf, size_t len)
{
	const char *line = buf, *end = buf + len, *nl;

	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		if (ignores_locks(line, (size_t)(nl - line)))
			return true;
		line = nl + 1;
	}
	return false;
}

static int append_line(const char *path, bool need_newline)
{
	static const char line[] = "\n.locks/\n";
	const char *text = need_newline ? line : line + 1;
	size_t len = strlen(text);
	ssize_t put;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	put = write(fd, text, len);
	if (put != (ssize_t)len)
		rc = put < 0 ? -errno : -EIO;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

static int update_gitignore(const char *cmd, const char *root)
{
	char path[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (snprintf(path, sizeof(path), "%s/.gitignore", root) >=
	    (int)sizeof(path)) {
		cli_error(cmd, "%s/.gitignore: path too long", root);
		return EXIT_STORE;
	}
	rc = readfile_path(path, 0, GITIGNORE_MAX, &buf, &len, NULL);
	if (rc == -ENOENT)	/* no .gitignore yet */
		rc = 0;
	if (rc == 0 && listed(buf, len)) {
		printf("%s already lists .locks/\n", path);
		goto out;
	}
	if (rc == 0)
		rc = append_line(path, len > 0 && buf[len - 1] != '\n');
	if (rc == 0)
		printf("added .locks/ to %s\n", path);
out:
	free(buf);
	if (rc == 0)
		return EXIT_OK;
	cli_error(cmd, "%s: %s", path, rc == -EINVAL ?
		  "not a regular file" : strerror(-rc));
	return EXIT_STORE;
}

int cmd_init(const char *root, int argc, char **argv)
{
	const char *cmd = "init";
	struct project *p = NULL;
	bool claude = false, codex = false;
	const char *etcd = NULL, *prefix = NULL;
	const struct cli_option opts[] = {
		{ "etcd", 0, CLI_OPT_STRING, &etcd, "URL[,URL...]",
		  "keep the locks in this etcd cluster\n(moving those of locks.json there)" },
		{ "prefix", 0, CLI_OPT_STRING, &prefix, "P",
		  "with --etcd: the key prefix, the same\non every machine" },
		{ "claude", 0, CLI_OPT_FLAG, &claude, NULL,
		  "also add lockfs's edit hooks to\n.claude/settings.json" },
		{ "codex", 0, CLI_OPT_FLAG, &codex, NULL,
		  "also add the apply_patch hook to\n.codex/hooks.json" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	int code;

	code = cli_parse(&init_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	if (optind < argc)
		return cli_usage_error(&init_cmd, opts,
				       "takes no arguments (-C DIR picks the project)");
	if (!etcd != !prefix)
		return cli_usage_error(&init_cmd, opts,
				       "--etcd and --prefix go together");
	code = cli_open(cmd, root, CLI_SETUP, &p);
	if (code != EXIT_OK)
		return code;
	printf("lockfs project at %s (store %s)\n", project_root(p),
	       project_path(p, PROJECT_STORE));
	code = update_gitignore(cmd, project_root(p));
	if (code == EXIT_OK && etcd)
		code = init_etcd(cmd, p, etcd, prefix);
	if (code == EXIT_OK && claude)
		code = init_agent_hooks(cmd, project_root(p), AGENT_CLAUDE);
	if (code == EXIT_OK && codex)
		code = init_agent_hooks(cmd, project_root(p), AGENT_CODEX);
	project_close(p);
	return code;
}
