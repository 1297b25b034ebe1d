/* commands.h - the lockfs subcommands, and the exit codes they share.
 *
 * main.c parses the global options (-C DIR), finds the project and calls
 * one of these with the subcommand's own arguments (argv[0] is the
 * subcommand's name).  Each returns an exit code below.
 */
#ifndef LOCKFS_COMMANDS_H
#define LOCKFS_COMMANDS_H

#include <sys/types.h>

enum exit_code {
	EXIT_OK = 0,
	EXIT_HELD = 1,		/* held by another instance and live, or wait ran out */
	EXIT_USAGE = 2,		/* usage error or invalid resource name */
	EXIT_STORE = 3,		/* the store cannot be read or written */
	EXIT_STALE = 4,		/* only a stale lock of another is in the way */
	EXIT_LOST = 5,		/* lockfs run: COMMAND lost a lock while it ran */
};

/* root: the project directory (absolute), already discovered. */
int cmd_mount(const char *root, int argc, char **argv);
int cmd_umount(const char *root, int argc, char **argv);
int cmd_status(const char *root, int argc, char **argv);
int cmd_acquire(const char *root, int argc, char **argv);
int cmd_release(const char *root, int argc, char **argv);
int cmd_renew(const char *root, int argc, char **argv);
int cmd_run(const char *root, int argc, char **argv);
int cmd_check(const char *root, int argc, char **argv);
int cmd_clear(const char *root, int argc, char **argv);
int cmd_init(const char *root, int argc, char **argv);
int cmd_whoami(const char *root, int argc, char **argv);
int cmd_deinit(const char *root, int argc, char **argv);
int cmd_hook(const char *root, int argc, char **argv);
int cmd_mcp(const char *root, int argc, char **argv);
int cmd_names(const char *root, int argc, char **argv);

/* Is a mount daemon serving the project whose pid file is pid_path?  1
 * and *pid (0: not written yet), or 0.  For commands that must not run
 * under a mount (init --etcd). */
int mount_daemon_running(const char *pid_path, pid_t *pid);

#endif
