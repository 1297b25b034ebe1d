/* cmd_mount.c - `lockfs mount`, `lockfs umount` and `lockfs deinit`: the
 * daemon's life, and the end of a book's .locks/.
 *
 * mount opens (and if need be creates) the project, claims it with an
 * exclusive flock on .locks/mount.pid that the daemon holds for its whole
 * life (so a daemon killed with -9 leaves no claim behind and two daemons
 * can never serve one project), clears a dead mount left by a killed
 * daemon, and forks the daemon, which runs the FUSE loop of fuse_ops.c
 * single-threaded.  The parent returns only once the kernel has talked to
 * the daemon (its init handler writes to a pipe) and the mount point shows
 * the new file system, so `lockfs mount && touch ...` never races.
 *
 * umount runs fusermount3 -u and waits until the daemon lets go of the
 * pid file.  Both commands leave the bare mount point 0555 and, where the
 * file system and the caller's privilege allow, immutable, so that a
 * `touch` while nothing is mounted fails instead of creating a plain file
 * that locks nothing: 0555 stops other users, the immutable attribute
 * stops root too.  deinit is the way back: it unmounts, clears the
 * attribute and removes .locks/ (refusing while live locks are held,
 * unless --force).
 *
 * Exit codes (commands.h): 0 done; 1 something is in the way (another
 * daemon serves the project, another file system is mounted there, the
 * mount is busy, nothing is mounted); 2 usage; 3 the project cannot be
 * set up or the mount failed.  fusermount3 runs through fork/exec with a
 * fixed argument vector, never through a shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "error.h"
#include "filestamp.h"
#include "fuse_ops.h"
#include "immutable.h"
#include "lockops.h"
#include "project.h"

#define READY_TIMEOUT_MS 10000	/* for the daemon to mount, or to exit */
#define EXIT_POLL_MS 20

/* The command being run, for "lockfs CMD: ...": deinit unmounts too. */
static const char *command = "mount";

static const struct cli_command mount_cmd = {
	.name = "mount",
	.operands = "[DIR]",
	.summary = "Mount the project's locks at DIR/.locks/fs (DIR: the project found\n"
		   "from -C or the working directory), creating .locks/ when missing,\n"
		   "and return once the mount answers.",
	.exit = "Exit: 0 mounted; 1 already mounted, or something else is mounted\n"
		"there; 2 usage; 3 cannot set up the project or mount.",
	.page = "lockfs-mount(7)",
};

static const struct cli_command umount_cmd = {
	.name = "umount",
	.operands = "[DIR]",
	.summary = "Unmount DIR/.locks/fs and wait for its daemon to exit.",
	.exit = "Exit: 0 unmounted; 1 nothing mounted, or the mount is busy; 2 usage;\n"
		"3 the daemon did not exit.",
	.page = "lockfs-mount(7)",
};

/* The options, then at most one DIR.  Returns CLI_GO to go on, or the
 * exit code to return at once (after --help or a usage error). */
static int parse_args(const struct cli_command *c,
		      const struct cli_option *opts, int argc, char **argv,
		      const char **dir)
{
	int code;

	command = c->name;
	code = cli_parse(c, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	if (argc - optind > 1)
		return cli_usage_error(c, opts, "too many arguments");
	*dir = optind < argc ? argv[optind] : NULL;
	return CLI_GO;
}

/* DIR on the command line names the project exactly, like -C. */
static int chosen_root(const char *root, const char *dir, char *out)
{
	if (!dir) {
		snprintf(out, PATH_MAX, "%s", root);
		return 0;
	}
	if (!realpath(dir, out)) {
		cli_error(command, "%s: %s", dir, strerror(errno));
		return EXIT_USAGE;
	}
	return 0;
}

/* Undo the octal escapes (\040 for a space ...) of /proc/self/mountinfo. */
static void unescape_mountinfo(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
					(s[3] - '0'));
			s += 4;
			continue;
		}
		*out++ = *s++;
	}
	*out = '\0';
}

/* Is something mounted at mp?  Read from the mount table rather than by
 * stat: a dead FUSE mount answers every stat with ENOTCONN. */
static bool is_mount_point(const char *mp)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *field, *save;
	size_t cap = 0;
	bool found = false;
	int i;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		/* id parent major:minor root MOUNT-POINT ... */
		field = strtok_r(line, " ", &save);
		for (i = 0; i < 4 && field; i++)
			field = strtok_r(NULL, " ", &save);
		if (!field)
			continue;
		unescape_mountinfo(field);
		found = strcmp(field, mp) == 0;
	}
	free(line);
	fclose(f);
	return found;
}

/* Run fusermount3 with these arguments; 0 when it succeeded (it says
 * what went wrong itself, on our stderr). */
static int fusermount(const char *const *args)
{
	const char *argv[8] = { "fusermount3" };
	pid_t pid;
	int status, i;

	for (i = 0; i < 6 && args[i]; i++)
		argv[i + 1] = args[i];
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		cli_error(command, "cannot run fusermount3: %s",
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* A mount whose daemon died answers ENOTCONN; detach it so the mount
 * point is a plain directory again. */
static int clear_dead_mount(const char *mp)
{
	const char *args[] = { "-u", "-z", "-q", "--", mp, NULL };
	struct stat sb;

	if (stat(mp, &sb) == 0 || errno != ENOTCONN)
		return 0;
	if (fusermount(args) < 0 || stat(mp, &sb) < 0) {
		cli_error(command, "%s: cannot clear the dead mount left by a killed daemon",
			mp);
		return -EIO;
	}
	return 0;
}

static pid_t read_pid(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 && pid <= INT_MAX ? (pid_t)pid : 0;
}

/* The project's single-daemon claim: an exclusive flock on the pid file,
 * taken without waiting.  Returns the locked descriptor, -EBUSY with
 * *other set to the daemon's pid (0 if it has not written it yet), or
 * another -errno.  A daemon unlinks the file as it exits; a lock taken
 * on a file that was unlinked meanwhile claims nothing, hence the check
 * that the path still names the locked file. */
static int claim_pid_file(const char *path, pid_t *other)
{
	int fd, attempt, e;

	for (attempt = 0; attempt < 5; attempt++) {
		/* 0600: anyone who can open the file can flock it, and so
		 * keep every later mount of the project out. */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			e = errno;
			*other = read_pid(fd);
			close(fd);
			return e == EWOULDBLOCK ? -EBUSY : -e;
		}
		if (filestamp_fd_is_path(fd, path))
			return fd;
		close(fd);
	}
	return -EAGAIN;
}

static int write_pid(int fd)
{
	char buf[24];
	int len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	ssize_t n;

	if (ftruncate(fd, 0) < 0)
		return -errno;
	n = pwrite(fd, buf, (size_t)len, 0);
	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

/* The bare mount point: 0555, then immutable where that is possible (not
 * for a user without CAP_LINUX_IMMUTABLE, nor on file systems without the
 * attribute: there 0555 is all there is).  0 or -errno of the chmod. */
static int seal_bare(const char *mp)
{
	struct stat sb;

	if (stat(mp, &sb) < 0)
		return -errno;
	/* An immutable directory refuses chmod even to root: change the
	 * mode only when it is not right yet. */
	if ((sb.st_mode & 07777) != 0555 && chmod(mp, 0555) < 0)
		return -errno;
	immutable_set(mp, true);
	return 0;
}

/* Claim the project and make the mount point ready: EXIT_OK or the exit
 * code of what is in the way. */
static int prepare(const struct project *p, int *pid_fd)
{
	const char *mp = project_path(p, PROJECT_MOUNTPOINT);
	const char *pid_path = project_path(p, PROJECT_PID);
	pid_t other = 0;
	int fd, rc = EXIT_STORE;

	fd = claim_pid_file(pid_path, &other);
	if (fd == -EBUSY && other > 0) {
		cli_error(command, "%s is already mounted by pid %d", mp,
			  (int)other);
		return EXIT_HELD;
	}
	if (fd == -EBUSY) {
		cli_error(command, "another lockfs is mounting %s", mp);
		return EXIT_HELD;
	}
	if (fd < 0) {
		cli_error(command, "%s: %s", pid_path, strerror(-fd));
		return EXIT_STORE;
	}
	if (clear_dead_mount(mp) < 0)
		goto fail;
	if (is_mount_point(mp)) {
		cli_error(command, "something else is mounted at %s; unmount it first (fusermount3 -u %s)",
			  mp, mp);
		rc = EXIT_HELD;
		goto fail;
	}
	rc = seal_bare(mp);
	if (rc < 0) {
		cli_error(command, "%s: %s", mp, strerror(-rc));
		rc = EXIT_STORE;
		goto fail;
	}
	*pid_fd = fd;
	return EXIT_OK;
fail:
	close(fd);
	return rc;
}

/* fusermount3 lets a user (not root) mount only on a directory it may
 * write to, yet the bare mount point must stay read-only: it is made
 * writable for the moment of mounting, then read-only again, underneath
 * the new mount, through a descriptor opened before. */
static int mount_on(struct fuse *f, const char *mp)
{
	int dir = open(mp, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (dir < 0) {
		cli_error(command, "%s: %s", mp, strerror(errno));
		return -1;
	}
	/* Fails when not the owner: root may mount there all the same, and
	 * fusermount3 explains it to anyone else. */
	lf_ignore_result(fchmod(dir, 0755));
	rc = fuse_mount(f, mp);
	/* As above: if this fails, it was never made writable. */
	lf_ignore_result(fchmod(dir, 0555));
	close(dir);
	return rc;
}

/* Run the FUSE loop until SIGTERM, SIGINT (SIGHUP unless nohup'd) or an
 * unmount.  The pid file stays locked all along and goes away at the
 * end; the bare mount point is already read-only again (mount_on). */
static int serve(struct project *p, int pid_fd, void (*on_ready)(void *),
		 void *ready_arg)
{
	char arg0[] = "lockfs", arg1[] = "-o",
	     arg2[] = "fsname=lockfs,subtype=lockfs";
	char *argv[] = { arg0, arg1, arg2, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct mount_ctx ctx = {
		.p = p, .uid = getuid(), .gid = getgid(), .started = time(NULL),
		.on_ready = on_ready, .ready_arg = ready_arg,
	};
	struct fuse_session *se;
	struct lf_error err = { 0 };
	struct fuse *f;
	int rc = EXIT_STORE, e;

	e = write_pid(pid_fd);
	if (e < 0) {
		cli_error(command, "%s: %s", project_path(p, PROJECT_PID),
			  strerror(-e));
		goto out;
	}
	/* A backend shared with other machines keeps this machine's lease
	 * and a view of the locks for ls, stat and cat from now on. */
	if (store_keep_alive(project_store(p), true, &err) < 0) {
		cli_error(command, "%s", err.msg);
		goto out;
	}
	f = fuse_new(&args, lockfs_fuse_operations(), sizeof(struct fuse_operations),
		     &ctx);
	if (!f)
		goto out;
	se = fuse_get_session(f);
	/* libfuse only takes over signals left at their default, and a
	 * daemon started from a script may have inherited SIGINT ignored:
	 * SIGTERM and SIGINT must unmount whatever the caller did.  Done
	 * before mounting, so a signal at any point still unmounts. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (fuse_set_signal_handlers(se) != 0)
		goto destroy;
	if (mount_on(f, project_path(p, PROJECT_MOUNTPOINT)) == 0) {
		/* Positive: the signal that stopped the loop. */
		rc = fuse_loop(f) < 0 ? EXIT_STORE : EXIT_OK;
		fuse_unmount(f);
	}
	fuse_remove_signal_handlers(se);
destroy:
	fuse_destroy(f);
out:
	fuse_opt_free_args(&args);
	unlink(project_path(p, PROJECT_PID));
	close(pid_fd);
	return rc;
}

/* The init handler's signal to the waiting parent.  The daemon first
 * lets go of the caller's stderr: a script that captures the output of
 * `lockfs mount` must see end-of-file when the command returns. */
static void signal_ready(void *arg)
{
	int fd = *(int *)arg;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, STDERR_FILENO);
		close(null);
	}
	/* Fails when the parent is gone: nobody is left to tell. */
	lf_ignore_result(write(fd, "", 1));
	close(fd);
}

/* Keep the daemon from holding the caller's descriptors (a pipe a script
 * waits on, a fifo an agent reads) open for its whole life. */
static void close_inherited(int keep_a, int keep_b)
{
	unsigned lo = (unsigned)(keep_a < keep_b ? keep_a : keep_b);
	unsigned hi = (unsigned)(keep_a < keep_b ? keep_b : keep_a);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	if (lo > 3)
		close_range(3, lo - 1, 0);
	if (hi > lo + 1)
		close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0U, 0);
}

/* The daemon has answered: check that the mount point now shows it. */
static int check_mounted(const struct project *p)
{
	const char *path = project_path(p, PROJECT_MOUNTPOINT);
	struct stat mp, dir;

	if (stat(path, &mp) == 0 &&
	    stat(project_path(p, PROJECT_LOCKS_DIR), &dir) == 0 &&
	    mp.st_dev != dir.st_dev)
		return EXIT_OK;
	cli_error(command, "%s: the mount does not show", path);
	return EXIT_STORE;
}

/* Wait for the daemon to be ready, or to fail (it says why on stderr). */
static int wait_ready(const struct project *p, int fd, pid_t child)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n, status;
	char c;

	do
		n = poll(&pfd, 1, READY_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		cli_error(command, "the daemon (pid %d) did not mount %s within %d s; stopping it",
			  (int)child, project_path(p, PROJECT_MOUNTPOINT),
			  READY_TIMEOUT_MS / 1000);
		kill(child, SIGTERM);
		return EXIT_STORE;
	}
	if (n > 0 && read(fd, &c, 1) == 1)
		return check_mounted(p);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_STORE;
	if (WIFEXITED(status) && WEXITSTATUS(status) != EXIT_OK)
		return WEXITSTATUS(status);
	return EXIT_STORE;
}

/* The forked child: out of the caller's session (its terminal's ^C and
 * hangup are not meant for the daemon), free of the caller's descriptors
 * and working directory, then the FUSE loop. */
static int run_daemon(struct project *p, int pid_fd, int pipefd[2])
{
	close(pipefd[0]);
	setsid();
	close_inherited(pid_fd, pipefd[1]);
	/* If it fails, it stays where it is; that only keeps the directory
	 * busy. */
	lf_ignore_result(chdir("/"));
	return serve(p, pid_fd, signal_ready, &pipefd[1]);
}

static int daemonize(struct project *p, int pid_fd)
{
	int pipefd[2], rc = EXIT_STORE;
	pid_t child;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		cli_error(command, "pipe: %s", strerror(errno));
		close(pid_fd);
		return EXIT_STORE;
	}
	child = fork();
	if (child == 0)
		_exit(run_daemon(p, pid_fd, pipefd));
	if (child < 0)
		cli_error(command, "fork: %s", strerror(errno));
	/* The child's copy of pid_fd holds the project's claim from now on. */
	close(pid_fd);
	close(pipefd[1]);
	if (child > 0)
		rc = wait_ready(p, pipefd[0], child);
	close(pipefd[0]);
	return rc;
}

/* Descriptors 0-2 must exist before anything else is opened, or the
 * daemon's redirections would land on the pipe or the pid file. */
static void ensure_std_fds(void)
{
	int fd;

	do
		fd = open("/dev/null", O_RDWR);
	while (fd >= 0 && fd < 3);
	if (fd >= 0)
		close(fd);
}

/* A broken .locks/config is the owner's to fix, and the daemon is
 * where ls and touch on the mount meet it: say so where a daemon is heard
 * (the system log, and stderr while there is one). */
static void log_config(const struct project *p, const char *msg)
{
	if (!msg) {
		syslog(LOG_NOTICE, "%s: .locks/config is good again",
		       project_root(p));
		cli_error(command, "%s: .locks/config is good again",
			  project_root(p));
		return;
	}
	syslog(LOG_WARNING, "%s: .locks/config is broken (%s): reads go on "
	       "with the last good settings, changes are refused until it is "
	       "fixed", project_root(p), msg);
	cli_error(command, "%s: .locks/config is broken (%s): reads go "
		  "on with the last good settings, changes are refused until it "
		  "is fixed", project_root(p), msg);
}

int cmd_mount(const char *root, int argc, char **argv)
{
	struct lf_error err = { 0 };
	char dir_root[PATH_MAX];
	struct project *p;
	bool foreground = false;
	const char *dir = NULL;
	const struct cli_option opts[] = {
		{ "foreground", 'f', CLI_OPT_FLAG, &foreground, NULL,
		  "stay in the foreground (SIGTERM or SIGINT\nunmounts)" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	int rc, pid_fd = -1;

	rc = parse_args(&mount_cmd, opts, argc, argv, &dir);
	if (rc != CLI_GO)
		return rc;
	rc = chosen_root(root, dir, dir_root);
	if (rc != 0)
		return rc;
	ensure_std_fds();
	if (project_open(dir_root, true, &p, &err) < 0) {
		cli_error(command, "%s", err.msg);
		return EXIT_STORE;
	}
	project_set_config_report(p, log_config);
	rc = prepare(p, &pid_fd);
	if (rc == EXIT_OK)
		rc = foreground ? serve(p, pid_fd, NULL, NULL)
				: daemonize(p, pid_fd);
	project_close(p);
	return rc;
}

/* Is a daemon serving the project?  1 and *pid (0: not written yet),
 * or 0. */
int mount_daemon_running(const char *pid_path, pid_t *pid)
{
	/* O_NONBLOCK: a fifo planted at the path must not hang umount. */
	int fd = open(pid_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	int running;

	*pid = 0;
	if (fd < 0)
		return 0;
	running = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	if (running)
		*pid = read_pid(fd);
	close(fd);
	return running;
}

static int wait_daemon_exit(const char *pid_path)
{
	struct timespec pause = { 0, EXIT_POLL_MS * 1000000L };
	pid_t pid;
	int waited;

	for (waited = 0; waited < READY_TIMEOUT_MS; waited += EXIT_POLL_MS) {
		if (!mount_daemon_running(pid_path, &pid))
			return 0;
		nanosleep(&pause, NULL);
	}
	cli_error(command, "the daemon (pid %d) did not exit within %d s",
		(int)pid, READY_TIMEOUT_MS / 1000);
	return -ETIMEDOUT;
}

static int unmount(const char *mp)
{
	const char *dead[] = { "-u", "-z", "-q", "--", mp, NULL };
	const char *live[] = { "-u", "--", mp, NULL };
	struct stat sb;
	bool is_dead = stat(mp, &sb) < 0 && errno == ENOTCONN;

	if (fusermount(is_dead ? dead : live) == 0)
		return EXIT_OK;
	cli_error(command, "cannot unmount %s", mp);
	return EXIT_HELD;
}

/* Unmount the project at dir_root and wait for its daemon.  The mount
 * point and pid file are found from the root alone (project_path_at):
 * unmounting must work even when the project's config no longer parses.
 * quiet: nothing mounted is not worth a message (deinit). */
static int umount_project(const char *dir_root, bool quiet)
{
	char mp[PATH_MAX], pid_path[PATH_MAX];
	struct lf_error err = { 0 };
	bool mounted;
	pid_t pid;
	int rc, running;

	if (project_path_at(dir_root, PROJECT_MOUNTPOINT, mp, &err) < 0 ||
	    project_path_at(dir_root, PROJECT_PID, pid_path, &err) < 0) {
		fprintf(stderr, "lockfs: %s\n", err.msg);
		return EXIT_STORE;
	}
	running = mount_daemon_running(pid_path, &pid);
	mounted = is_mount_point(mp);
	if (!mounted && !running) {
		if (!quiet)
			cli_error(command, "nothing is mounted at %s", mp);
		return EXIT_HELD;
	}
	if (mounted) {
		rc = unmount(mp);
		if (rc != EXIT_OK)
			return rc;
	} else if (pid > 0) {
		/* Still starting: SIGTERM stops it whether or not it has
		 * mounted yet. */
		kill(pid, SIGTERM);
	}
	if (running && wait_daemon_exit(pid_path) < 0)
		return EXIT_STORE;
	/* Normally read-only already; a mount point left writable (by an
	 * older daemon, by hand) must not stay so. */
	rc = seal_bare(mp);
	if (rc < 0) {
		cli_error(command, "%s: %s", mp, strerror(-rc));
		return EXIT_STORE;
	}
	return EXIT_OK;
}

int cmd_umount(const char *root, int argc, char **argv)
{
	static const struct cli_option opts[] = {
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	char dir_root[PATH_MAX];
	const char *dir = NULL;
	int rc;

	rc = parse_args(&umount_cmd, opts, argc, argv, &dir);
	if (rc != CLI_GO)
		return rc;
	rc = chosen_root(root, dir, dir_root);
	if (rc != 0)
		return rc;
	return umount_project(dir_root, false);
}

/* ---- deinit ---- */

static const struct cli_command deinit_cmd = {
	.name = "deinit",
	.operands = "[DIR]",
	.summary = "Remove lockfs from the project DIR: unmount it, clear the immutable\n"
		   "attribute of the mount point and delete DIR/.locks/.  Refused while a\n"
		   "live lock is held, unless --force.",
	.exit = "Exit: 0 removed; 1 live locks are held, or the mount is busy; 2 usage,\n"
		"or no .locks/ in DIR; 3 the store or .locks/ cannot be read or removed.",
	.page = "lockfs(1)",
};

/* Live locks in the store, or a negative errno (err set). */
static int count_live(const char *dir_root, struct lf_error *err)
{
	struct lock_list list = { 0 };
	struct project *p = NULL;
	size_t i;
	int rc, live = 0;

	rc = project_open(dir_root, false, &p, err);
	if (rc == 0)
		rc = lockops_list(p, time(NULL), &list, err);
	for (i = 0; rc == 0 && i < list.n; i++)
		if (list.v[i].stale == STALE_NONE)
			live++;
	lock_list_free(&list);
	project_close(p);
	return rc < 0 ? rc : live;
}

static const char *removal_failed;	/* the path nftw could not remove */

static int remove_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	int rc = type == FTW_DP ? rmdir(path) : unlink(path);

	(void)sb;
	(void)ftw;
	if (rc < 0 && errno != ENOENT) {
		removal_failed = path;
		return errno;
	}
	return 0;
}

/* rm -r that stays on this file system (FTW_MOUNT): a mount still there
 * makes it fail rather than reach into someone else's files. */
static int remove_tree(const char *dir)
{
	int rc;

	removal_failed = NULL;
	rc = nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (rc == 0)
		return 0;
	cli_error(command, "cannot remove %s: %s",
		removal_failed ? removal_failed : dir,
		strerror(rc > 0 ? rc : errno));
	return -1;
}

int cmd_deinit(const char *root, int argc, char **argv)
{
	char dir_root[PATH_MAX], locks[PATH_MAX], mp[PATH_MAX];
	struct lf_error err = { 0 };
	const char *dir = NULL;
	bool force = false;
	struct stat sb;
	const struct cli_option opts[] = {
		{ "force", 'f', CLI_OPT_FLAG, &force, NULL,
		  "remove it even with live locks, or a store that\n"
		  "does not parse" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	int rc, live;

	rc = parse_args(&deinit_cmd, opts, argc, argv, &dir);
	if (rc != CLI_GO)
		return rc;
	rc = chosen_root(root, dir, dir_root);
	if (rc != 0)
		return rc;
	if (project_path_at(dir_root, PROJECT_LOCKS_DIR, locks, &err) < 0 ||
	    project_path_at(dir_root, PROJECT_MOUNTPOINT, mp, &err) < 0) {
		fprintf(stderr, "lockfs: deinit: %s\n", err.msg);
		return EXIT_STORE;
	}
	if (lstat(locks, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		cli_error(command, "no .locks/ in %s", dir_root);
		return EXIT_USAGE;
	}
	live = count_live(dir_root, &err);
	if (live < 0 && !force) {
		cli_error(command, "%s (--force removes it all the same)",
			err.msg);
		return EXIT_STORE;
	}
	if (live > 0 && !force) {
		cli_error(command, "%d live lock%s held (see lockfs status); --force removes them too",
			live, live == 1 ? " is" : "s are");
		return EXIT_HELD;
	}
	rc = umount_project(dir_root, true);
	if (rc != EXIT_OK && is_mount_point(mp))
		return rc;
	rc = immutable_set(mp, false);
	if (rc < 0 && rc != -EOPNOTSUPP && rc != -ENOENT && rc != -EPERM) {
		cli_error(command, "%s: cannot clear the immutable attribute: %s",
			mp, strerror(-rc));
		return EXIT_STORE;
	}
	if (remove_tree(locks) < 0)
		return EXIT_STORE;
	printf("removed %s\n", locks);
	return EXIT_OK;
}
