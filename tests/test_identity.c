/* test_identity.c - identity_resolve() and friends on fake process trees.
 *
 * Every test starts from the same desktop: init (1), a terminal emulator
 * (40) and the human's interactive bash (50, session leader on a tty).
 * Agents, their command shells and the commands that make the requests
 * are added below that per test, the way they look in a real /proc.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fakeproc.h"
#include "identity.h"
#include "procfs.h"

#define TTY 34817		/* /dev/pts/1 */
#define HUMAN_BASH 50

static unsigned long long start_of(pid_t pid)
{
	return (unsigned long long)pid * 1000 + 7;
}

static void add_env(const char *root, pid_t pid, const char *comm, pid_t ppid,
		    pid_t session, int tty, int threads,
		    const char *const *env)
{
	struct fake_process p = {
		.pid = pid, .comm = comm, .ppid = ppid, .session = session,
		.tty_nr = tty, .start_time = start_of(pid), .uid = 1000,
		.threads = threads, .env = env,
	};

	assert_int_equal(fakeproc_add(root, &p), 0);
}

static void add(const char *root, pid_t pid, const char *comm, pid_t ppid,
		pid_t session, int tty, int threads)
{
	add_env(root, pid, comm, ppid, session, tty, threads, NULL);
}

/* An agent started from the human's shell, and one command it ran the
 * way Claude Code does: a fresh session, no terminal. */
static void add_agent(const char *root, pid_t agent, const char *comm,
		      pid_t sh, pid_t cmd)
{
	add(root, agent, comm, HUMAN_BASH, HUMAN_BASH, TTY, 12);
	add(root, sh, "sh", agent, sh, 0, 1);
	add(root, cmd, "touch", sh, sh, 0, 1);
}

static int desktop_setup(void **state)
{
	char *root = fakeproc_create();

	if (!root)
		return -1;
	*state = root;
	add(root, 1, "systemd", 0, 1, 0, 1);
	add(root, 2, "kthreadd", 0, 0, 0, 1);
	add(root, 40, "gnome-terminal-", 1, 40, 0, 5);
	add(root, HUMAN_BASH, "bash", 40, HUMAN_BASH, TTY, 1);
	return 0;
}

static int desktop_teardown(void **state)
{
	fakeproc_destroy(*state);
	return 0;
}

static void assert_holder(const char *root, pid_t tid, const char *label,
			  pid_t pid)
{
	struct holder h;
	struct lf_error err = { 0 };

	assert_int_equal(identity_resolve(root, tid, &h, &err), 0);
	assert_string_equal(h.instance, label);
	assert_int_equal(h.pid, pid);
	assert_true(h.start_time == start_of(pid));
	assert_int_equal(h.uid, 1000);
	assert_string_equal(h.host, identity_hostname());
	assert_true(identity_label_valid(h.instance));
}

/* -code, with a message that names what is wrong and is safe to print. */
static void assert_refused(const char *root, pid_t tid, int code,
			   const char *needle)
{
	struct holder h;
	struct lf_error err = { 0 };
	size_t i;

	assert_int_equal(identity_resolve(root, tid, &h, &err), -code);
	assert_int_equal(err.code, code);
	assert_non_null(strstr(err.msg, needle));
	for (i = 0; err.msg[i]; i++)
		assert_true(err.msg[i] >= 0x20 && err.msg[i] < 0x7f);
}

static void thread_id_maps_to_its_process(void **state)
{
	const char *root = *state;
	struct fake_process thread = {
		.pid = 105, .tgid = 100, .comm = "claude", .ppid = HUMAN_BASH,
		.session = HUMAN_BASH, .tty_nr = TTY, .start_time = 1,
		.uid = 1000, .threads = 12,
	};

	/* The agent's own libuv worker thread opens the file: the agent is
	 * the caller, even though its parent is an interactive shell. */
	add(root, 100, "claude", HUMAN_BASH, HUMAN_BASH, TTY, 12);
	assert_int_equal(fakeproc_add(root, &thread), 0);
	assert_holder(root, 105, "claude-100", 100);
	assert_holder(root, 100, "claude-100", 100);
}

static void agent_commands_share_one_instance(void **state)
{
	const char *root = *state;

	add_agent(root, 200, "claude", 300, 301);
	add(root, 310, "sh", 200, 310, 0, 1);
	add(root, 311, "touch", 310, 310, 0, 1);
	assert_holder(root, 301, "claude-200", 200);
	assert_holder(root, 311, "claude-200", 200);
	/* "> file" is done by the shell itself. */
	assert_holder(root, 310, "claude-200", 200);
}

static void node_agent(void **state)
{
	const char *root = *state;

	add_agent(root, 200, "node", 300, 301);
	assert_holder(root, 301, "node-200", 200);
}

static void two_agents_two_instances(void **state)
{
	const char *root = *state;

	add_agent(root, 200, "claude", 300, 301);
	add_agent(root, 400, "claude", 500, 501);
	assert_holder(root, 301, "claude-200", 200);
	assert_holder(root, 501, "claude-400", 400);
}

static void wrappers_are_skipped(void **state)
{
	static const char *const chain[] = {
		"timeout", "bwrap", "env", "xargs", "nice", "sudo", "setsid",
		"stdbuf", "nohup", "flock", "bash", "dash", "zsh", "lockfs",
	};
	const char *root = *state;
	pid_t pid = 600, parent = 200;
	size_t i;

	add(root, 200, "codex", HUMAN_BASH, HUMAN_BASH, TTY, 9);
	for (i = 0; i < sizeof(chain) / sizeof(chain[0]); i++, pid++) {
		add(root, pid, chain[i], parent, 600, 0, 1);
		parent = pid;
	}
	add(root, pid, "touch", parent, 600, 0, 1);
	assert_holder(root, pid, "codex-200", 200);
	/* "lockfs acquire" resolves to the agent above it, too. */
	assert_holder(root, parent, "codex-200", 200);
}

static void command_run_by_an_agent_under_a_wrapper(void **state)
{
	const char *root = *state;

	/* Even a multi-threaded command is not the agent when one is above. */
	add_agent(root, 200, "claude", 300, 301);
	add(root, 302, "node", 300, 300, 0, 7);
	assert_holder(root, 302, "claude-200", 200);
}

static void human_shell_is_its_own_instance(void **state)
{
	const char *root = *state;

	add(root, 51, "touch", HUMAN_BASH, 51, TTY, 1);
	assert_holder(root, 51, "bash-50", HUMAN_BASH);
	assert_holder(root, HUMAN_BASH, "bash-50", HUMAN_BASH);
	/* A single-threaded program is taken for a command, not an agent. */
	add(root, 52, "python3", HUMAN_BASH, 52, TTY, 1);
	assert_holder(root, 52, "bash-50", HUMAN_BASH);
}

static void script_under_human_shell(void **state)
{
	const char *root = *state;

	add(root, 60, "bash", HUMAN_BASH, HUMAN_BASH, TTY, 1);
	add(root, 61, "touch", 60, HUMAN_BASH, TTY, 1);
	assert_holder(root, 61, "bash-50", HUMAN_BASH);
}

static void second_terminal_is_another_instance(void **state)
{
	const char *root = *state;

	add(root, 70, "zsh", 40, 70, TTY + 1, 1);
	add(root, 71, "rm", 70, 71, TTY + 1, 1);
	assert_holder(root, 71, "zsh-70", 70);
}

static enum identity_rule rule_of(const char *root, pid_t tid)
{
	struct holder h;

	assert_int_equal(identity_resolve(root, tid, &h, NULL), 0);
	return h.rule;
}

/* lockfs whoami says which rule named the caller. */
static void the_deciding_rule_is_reported(void **state)
{
	static const char *const mine[] = { "LOCKFS_INSTANCE=me", "CODEX_THREAD_ID=abc", NULL };
	static const char *const cli[] = { "CLAUDE_CODE_SESSION_ID=0123456789", NULL };
	static const char *const desk[] = { "CLAUDE_CODE_SESSION_ID=0123456789",
					    "CLAUDE_CODE_ENTRYPOINT=claude-desktop", NULL };
	static const char *const codex[] = { "CODEX_THREAD_ID=abcdef0123", NULL };
	const char *root = *state;

	add_agent(root, 200, "claude", 300, 301);
	add_env(root, 302, "touch", 300, 300, 0, 1, mine);
	add_env(root, 303, "touch", 300, 300, 0, 1, cli);
	add_env(root, 304, "touch", 300, 300, 0, 1, desk);
	add_env(root, 305, "touch", 300, 300, 0, 1, codex);
	add(root, 51, "touch", HUMAN_BASH, 51, TTY, 1);
	add(root, 100, "claude", HUMAN_BASH, HUMAN_BASH, TTY, 12);
	add(root, 900, "cron", 1, 900, 0, 1);
	add(root, 901, "touch", 900, 900, 0, 1);
	add(root, 902, "sh", 1, 902, 0, 1);
	add(root, 903, "touch", 902, 902, 0, 1);
	assert_int_equal(rule_of(root, 302), RULE_LOCKFS_INSTANCE);
	assert_int_equal(rule_of(root, 303), RULE_CLAUDE_CODE);
	assert_int_equal(rule_of(root, 304), RULE_CLAUDE_DESKTOP);
	assert_int_equal(rule_of(root, 305), RULE_CODEX);
	assert_int_equal(rule_of(root, 301), RULE_TREE_AGENT);
	assert_int_equal(rule_of(root, 901), RULE_TREE_AGENT);
	assert_int_equal(rule_of(root, 51), RULE_TREE_SHELL);
	assert_int_equal(rule_of(root, 100), RULE_TREE_CALLER);
	assert_int_equal(rule_of(root, 903), RULE_TREE_TOP);
	assert_non_null(strstr(identity_rule_words(RULE_CODEX), "CODEX_THREAD_ID"));
	assert_non_null(strstr(identity_rule_words(RULE_TREE_SHELL), "interactive shell"));
}

static void odd_command_names(void **state)
{
	const char *root = *state;
	char longname[PROCFS_COMM_MAX];
	struct holder h;
	struct lf_error err;

	add_agent(root, 200, "my agent)", 300, 301);
	assert_holder(root, 301, "my_agent_-200", 200);

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	add_agent(root, 1234567, longname, 1300, 1301);
	assert_int_equal(identity_resolve(root, 1301, &h, &err), 0);
	assert_int_equal(strlen(h.instance), INSTANCE_MAX_LEN);
	assert_string_equal(h.instance + INSTANCE_MAX_LEN - 8, "-1234567");
	assert_true(identity_label_valid(h.instance));

	add_agent(root, 400, "\x1b[31m\n", 500, 501);
	assert_holder(root, 501, "__31m_-400", 400);
}

static void chain_reaching_init(void **state)
{
	const char *root = *state;

	/* An orphaned command shell: nothing but wrappers up to init. */
	add(root, 700, "sh", 1, 700, 0, 1);
	add(root, 701, "env", 700, 700, 0, 1);
	add(root, 702, "touch", 701, 700, 0, 1);
	assert_holder(root, 702, "sh-700", 700);
	/* A daemonised agent calling open() itself. */
	add(root, 710, "claude", 1, 710, 0, 10);
	assert_holder(root, 710, "claude-710", 710);
	/* A command whose parent is init is the top itself. */
	add(root, 720, "touch", 1, 720, 0, 1);
	assert_holder(root, 720, "touch-720", 720);
}

static void chain_stops_below_kthreadd(void **state)
{
	const char *root = *state;

	add(root, 800, "kworker/0:1", 2, 0, 0, 1);
	assert_holder(root, 800, "kworker_0:1-800", 800);
}

static void container_pid_2_is_a_process(void **state)
{
	const char *root = *state;

	/* In a PID namespace pid 2 may be the agent itself. */
	assert_int_equal(fakeproc_remove(root, 2), 0);
	add(root, 2, "claude", 1, 1, 0, 12);
	add(root, 300, "sh", 2, 300, 0, 1);
	add(root, 301, "touch", 300, 300, 0, 1);
	assert_holder(root, 301, "claude-2", 2);
}

static void process_gone_mid_walk(void **state)
{
	const char *root = *state;

	add(root, 901, "touch", 900, 900, 0, 1);
	assert_refused(root, 901, ESRCH, "900");
	assert_refused(root, 999, ESRCH, "999");
}

static void ppid_loops(void **state)
{
	const char *root = *state;

	add(root, 910, "sh", 911, 910, 0, 1);
	add(root, 911, "sh", 910, 910, 0, 1);
	add(root, 912, "touch", 910, 910, 0, 1);
	assert_refused(root, 912, ESRCH, "loop");
	add(root, 920, "sh", 920, 920, 0, 1);
	assert_refused(root, 920, ESRCH, "loop");
}

static void walk_is_bounded(void **state)
{
	const char *root = *state;
	pid_t pid;

	/* 100 nested shells: the walk gives up at the 64th process. */
	for (pid = 1000; pid < 1100; pid++)
		add(root, pid, "sh", pid == 1000 ? 1 : pid - 1, 1000, 0, 1);
	assert_holder(root, 1099, "sh-1036", 1036);
}

static void lockfs_instance_wins(void **state)
{
	static const char *const env[] = {
		"CLAUDE_CODE_SESSION_ID=0123abcd-aaaa",
		"LOCKFS_INSTANCE_X=nope",
		"LOCKFS_INSTANCE=CLI-12345",
		"LOCKFS_INSTANCE=second",
		NULL,
	};
	const char *root = *state;

	add_agent(root, 200, "claude", 300, 301);
	add_env(root, 302, "touch", 300, 300, 0, 1, env);
	/* The label comes from the environment, the holder from the tree. */
	assert_holder(root, 302, "CLI-12345", 200);
}

static void bad_lockfs_instance(const char *root, const char *value,
				const char *needle)
{
	char *entry;
	const char *env[] = { NULL, NULL };

	assert_true(asprintf(&entry, "LOCKFS_INSTANCE=%s", value) >= 0);
	env[0] = entry;
	add_env(root, 302, "touch", 300, 300, 0, 1, env);
	assert_refused(root, 302, EINVAL, needle);
	free(entry);
}

static void invalid_lockfs_instance(void **state)
{
	const char *root = *state;
	char *big = malloc(100 * 1024 + 1);

	assert_non_null(big);
	add_agent(root, 200, "claude", 300, 301);
	bad_lockfs_instance(root, "", "empty");
	bad_lockfs_instance(root, "a\tb", "0x09 at offset 1");
	bad_lockfs_instance(root, "\x1b[2J", "0x1b at offset 0");
	bad_lockfs_instance(root, "CLI/1", "0x2f at offset 3");
	bad_lockfs_instance(root, "CLI 1", "0x20");
	bad_lockfs_instance(root, "caf\xc3\xa9", "0xc3");
	bad_lockfs_instance(root, "x"
			    "0123456789012345678901234567890123456789"
			    "012345678901234567890123", "65 bytes");
	memset(big, 'a', 100 * 1024);
	big[100 * 1024] = '\0';
	bad_lockfs_instance(root, big, "102400 bytes");
	free(big);
}

static void megabyte_lockfs_instance(void **state)
{
	const char *root = *state;
	size_t n = 1024 * 1024;
	char *env = malloc(n);

	assert_non_null(env);
	add_agent(root, 200, "claude", 300, 301);
	memset(env, 'A', n);
	memcpy(env, "LOCKFS_INSTANCE=", 16);
	assert_int_equal(fakeproc_write(root, 301, "environ", env, n), 0);
	assert_refused(root, 301, EINVAL, "LOCKFS_INSTANCE");
	free(env);
}

static void session_label(const char *root, const char *const *env,
			  const char *label)
{
	add_env(root, 302, "touch", 300, 300, 0, 1, env);
	assert_holder(root, 302, label, 200);
}

static void agent_session_ids(void **state)
{
	static const char *const cli[] = {
		"CLAUDE_CODE_ENTRYPOINT=cli",
		"CLAUDE_CODE_SESSION_ID=0123abcd-ef01-2345-6789-abcdef012345",
		NULL,
	};
	static const char *const desktop[] = {
		"CLAUDE_CODE_SESSION_ID=9f8e7d6c-ef01-2345-6789-abcdef012345",
		"CLAUDE_CODE_ENTRYPOINT=claude-desktop",
		NULL,
	};
	static const char *const codex[] = {
		"CODEX_THREAD_ID=5eed5eed-0000-1111-2222-333344445555",
		NULL,
	};
	static const char *const both[] = {
		"CODEX_THREAD_ID=5eed5eed-0000", "CLAUDE_CODE_SESSION_ID=abc",
		"CLAUDE_CODE_ENTRYPOINT=claude-desktop-x", NULL,
	};
	const char *root = *state;

	add_agent(root, 200, "claude", 300, 301);
	session_label(root, cli, "CLI-0123abcd");
	session_label(root, desktop, "Desktop-9f8e7d6c");
	session_label(root, codex, "Codex-5eed5eed");
	session_label(root, both, "CLI-abc");
}

static void bad_session_ids(void **state)
{
	static const char *const empty[] = { "CLAUDE_CODE_SESSION_ID=", NULL };
	static const char *const slash[] = {
		"CLAUDE_CODE_SESSION_ID=../../etc", NULL,
	};
	static const char *const ctrl[] = {
		"CODEX_THREAD_ID=abc\x7f" "defgh", NULL,
	};
	static const char *const tail_ignored[] = {
		"CODEX_THREAD_ID=abcdefgh/\x01", NULL,
	};
	const char *root = *state;

	add_agent(root, 200, "claude", 300, 301);
	add_env(root, 302, "touch", 300, 300, 0, 1, empty);
	assert_refused(root, 302, EINVAL, "CLAUDE_CODE_SESSION_ID is set but empty");
	add_env(root, 302, "touch", 300, 300, 0, 1, slash);
	assert_refused(root, 302, EINVAL, "0x2f at offset 2");
	add_env(root, 302, "touch", 300, 300, 0, 1, ctrl);
	assert_refused(root, 302, EINVAL, "CODEX_THREAD_ID has byte 0x7f");
	/* Only the 8 characters that make the label must be label-safe. */
	session_label(root, tail_ignored, "Codex-abcdefgh");
}

static int force_of(const char *root, const char *value)
{
	char *entry;
	const char *env[] = { NULL, NULL };
	struct holder h;

	assert_true(asprintf(&entry, "LOCKFS_FORCE=%s", value) >= 0);
	env[0] = entry;
	add_env(root, 302, "touch", 300, 300, 0, 1, env);
	assert_int_equal(identity_resolve(root, 302, &h, NULL), 0);
	free(entry);
	return h.force;
}

static void force_flag(void **state)
{
	const char *root = *state;
	struct holder h;

	add_agent(root, 200, "claude", 300, 301);
	assert_int_equal(identity_resolve(root, 301, &h, NULL), 0);
	assert_false(h.force);
	assert_true(force_of(root, "1"));
	assert_true(force_of(root, "yes"));
	assert_true(force_of(root, "true"));
	assert_false(force_of(root, "0"));
	assert_false(force_of(root, ""));
	assert_false(force_of(root, "1 "));
	assert_false(force_of(root, "TRUE"));
}

static void unreadable_environ_uses_the_tree(void **state)
{
	static const char *const env[] = { "LOCKFS_INSTANCE=hidden", NULL };
	const char *root = *state;
	char path[4096];

	if (geteuid() == 0)
		skip();
	add_agent(root, 200, "claude", 300, 301);
	add_env(root, 302, "touch", 300, 300, 0, 1, env);
	snprintf(path, sizeof(path), "%s/302/environ", root);
	assert_int_equal(chmod(path, 0), 0);
	assert_holder(root, 302, "claude-200", 200);
}

static void holder_alive(void **state)
{
	const char *root = *state;
	struct fake_process zombie = {
		.pid = 230, .comm = "claude", .state = 'Z', .ppid = 1,
		.session = 230, .start_time = start_of(230), .threads = 1,
	};

	add(root, 200, "claude", HUMAN_BASH, HUMAN_BASH, TTY, 12);
	assert_int_equal(identity_holder_alive(NULL, root, 200, start_of(200)), 1);
	assert_int_equal(identity_holder_alive(NULL, root, 200, start_of(200) + 1), 0);
	assert_int_equal(identity_holder_alive(NULL, root, 200, 0), 1);
	assert_int_equal(identity_holder_alive(NULL, root, 201, start_of(201)), 0);
	assert_int_equal(identity_holder_alive(NULL, root, 201, 0), 0);
	assert_int_equal(fakeproc_add(root, &zombie), 0);
	assert_int_equal(identity_holder_alive(NULL, root, 230, start_of(230)), 0);
	/* Nothing recorded: nothing proves it gone. */
	assert_int_equal(identity_holder_alive(NULL, root, 0, 0), 1);
	/* An unreadable record is not proof either. */
	assert_int_equal(fakeproc_write(root, 240, "stat", "garbage", 7), 0);
	assert_int_equal(identity_holder_alive(NULL, root, 240, 5), 1);
}

/* How many descriptors this process has open. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own */
}

/* 1 where this kernel (and any tool running the test, valgrind 3.19 has
 * no pidfd_open) gives pidfds: the cache then keeps one per holder. */
static int pidfd_kept(void)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
#endif
	return 0;
}

/* The cache answers as the tree does, whatever the tree: this process's
 * pid in a fake tree is remembered (its pidfd opens), and each change of
 * the tree is seen at once. */
static void holder_alive_cache_follows_the_tree(void **state)
{
	const char *root = *state;
	struct alive_cache *c = identity_alive_cache_new();
	struct fake_process me = {
		.pid = getpid(), .comm = "claude", .ppid = 1,
		.session = getpid(), .start_time = 777, .threads = 1,
	};
	int kept = pidfd_kept(), base = open_fds();

	assert_non_null(c);
	assert_int_equal(fakeproc_add(root, &me), 0);
	assert_int_equal(identity_holder_alive(c, root, me.pid, 777), 1);
	assert_int_equal(open_fds(), base + kept);	/* remembered */
	assert_int_equal(identity_holder_alive(c, root, me.pid, 777), 1);
	assert_int_equal(open_fds(), base + kept);
	/* The pid recycled: another start time is another process. */
	me.start_time = 778;
	assert_int_equal(fakeproc_add(root, &me), 0);
	assert_int_equal(identity_holder_alive(c, root, me.pid, 777), 0);
	assert_int_equal(open_fds(), base);	/* forgotten */
	assert_int_equal(identity_holder_alive(c, root, me.pid, 778), 1);
	/* A zombie is gone. */
	me.state = 'Z';
	assert_int_equal(fakeproc_add(root, &me), 0);
	assert_int_equal(identity_holder_alive(c, root, me.pid, 778), 0);
	me.state = 'S';
	assert_int_equal(fakeproc_add(root, &me), 0);
	assert_int_equal(identity_holder_alive(c, root, me.pid, 778), 1);
	assert_int_equal(fakeproc_remove(root, me.pid), 0);
	assert_int_equal(identity_holder_alive(c, root, me.pid, 778), 0);
	identity_alive_cache_free(c);
	assert_int_equal(open_fds(), base);
}

/* On the real /proc: a remembered holder that exits is gone at once, and
 * freeing the cache closes what it kept. */
static void holder_alive_cache_real_exit(void **state)
{
	struct alive_cache *c = identity_alive_cache_new();
	struct proc_stat st;
	int kept = pidfd_kept(), base = open_fds(), status;
	pid_t child;

	(void)state;
	assert_non_null(c);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* A failed assertion below must not leave it behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(0);
		pause();
		_exit(0);
	}
	assert_int_equal(procfs_read_stat("/proc", child, &st), 0);
	assert_int_equal(identity_holder_alive(c, "/proc", child, st.start_time), 1);
	assert_int_equal(identity_holder_alive(c, "/proc", child, st.start_time + 1), 0);
	assert_int_equal(identity_holder_alive(c, "/proc", child, st.start_time), 1);
	assert_int_equal(open_fds(), base + kept);
	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(identity_holder_alive(c, "/proc", child, st.start_time), 0);
	assert_int_equal(open_fds(), base);
	assert_int_equal(identity_holder_alive(c, "/proc", getpid(), 0), 1);
	assert_int_equal(procfs_read_stat("/proc", getpid(), &st), 0);
	assert_int_equal(identity_holder_alive(c, "/proc", getpid(), st.start_time), 1);
	assert_int_equal(open_fds(), base + kept);
	identity_alive_cache_free(c);
	assert_int_equal(open_fds(), base);
}

static void wrapper_list(void **state)
{
	static const char *const yes[] = {
		"sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "tcsh",
		"csh", "busybox", "env", "timeout", "xargs", "nice", "ionice",
		"nohup", "setsid", "stdbuf", "bwrap", "sudo", "su", "doas",
		"runuser", "time", "chrt", "taskset", "flock", "unbuffer",
		"script", "firejail", "lockfs",
	};
	static const char *const no[] = {
		"claude", "node", "codex", "touch", "Bash", "bash ", "-bash",
		"", "shell", "lockfsd",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(identity_is_wrapper(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(identity_is_wrapper(no[i]));
	assert_false(identity_is_wrapper(NULL));
}

static void label_validity(void **state)
{
	char s[INSTANCE_MAX_LEN + 2];

	(void)state;
	assert_true(identity_label_valid("CLI-12345"));
	assert_true(identity_label_valid("a.b_c:d@e+f=g-0"));
	assert_false(identity_label_valid(""));
	assert_false(identity_label_valid(NULL));
	assert_false(identity_label_valid("a b"));
	assert_false(identity_label_valid("a/b"));
	assert_false(identity_label_valid("a\nb"));
	assert_false(identity_label_valid("\xc3\xa9"));
	memset(s, 'x', sizeof(s));
	s[INSTANCE_MAX_LEN] = '\0';
	assert_true(identity_label_valid(s));
	s[INSTANCE_MAX_LEN] = 'x';
	s[INSTANCE_MAX_LEN + 1] = '\0';
	assert_false(identity_label_valid(s));
}

static void hostname(void **state)
{
	const char *h = identity_hostname();
	char real[HOST_MAX_LEN + 1];

	(void)state;
	assert_non_null(h);
	assert_true(strlen(h) >= 1 && strlen(h) <= HOST_MAX_LEN);
	assert_ptr_equal(identity_hostname(), h);
	if (gethostname(real, sizeof(real)) == 0 && real[0])
		assert_string_equal(h, real);
}

static void *thread_resolve(void *arg)
{
	struct holder *h = arg;
	struct lf_error err;

	if (identity_resolve("/proc", gettid(), h, &err) < 0)
		h->pid = -1;
	return NULL;
}

static void real_proc(void **state)
{
	struct holder self, from_thread;
	struct lf_error err = { 0 };
	pthread_t t;

	(void)state;
	assert_int_equal(identity_resolve("/proc", getpid(), &self, &err), 0);
	assert_true(identity_label_valid(self.instance));
	assert_true(self.pid > 0);
	assert_true(self.start_time > 0);
	assert_int_equal(self.uid, getuid());
	assert_int_equal(identity_holder_alive(NULL, "/proc", self.pid,
					       self.start_time), 1);
	print_message("    this test runs as %s (pid %d)\n", self.instance,
		      (int)self.pid);

	assert_int_equal(pthread_create(&t, NULL, thread_resolve,
					&from_thread), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(from_thread.pid > 0);
	assert_int_equal(from_thread.uid, getuid());
}

#define TREE_TEST(f) \
	cmocka_unit_test_setup_teardown(f, desktop_setup, desktop_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TREE_TEST(thread_id_maps_to_its_process),
		TREE_TEST(agent_commands_share_one_instance),
		TREE_TEST(node_agent),
		TREE_TEST(two_agents_two_instances),
		TREE_TEST(wrappers_are_skipped),
		TREE_TEST(command_run_by_an_agent_under_a_wrapper),
		TREE_TEST(human_shell_is_its_own_instance),
		TREE_TEST(script_under_human_shell),
		TREE_TEST(second_terminal_is_another_instance),
		TREE_TEST(the_deciding_rule_is_reported),
		TREE_TEST(odd_command_names),
		TREE_TEST(chain_reaching_init),
		TREE_TEST(chain_stops_below_kthreadd),
		TREE_TEST(container_pid_2_is_a_process),
		TREE_TEST(process_gone_mid_walk),
		TREE_TEST(ppid_loops),
		TREE_TEST(walk_is_bounded),
		TREE_TEST(lockfs_instance_wins),
		TREE_TEST(invalid_lockfs_instance),
		TREE_TEST(megabyte_lockfs_instance),
		TREE_TEST(agent_session_ids),
		TREE_TEST(bad_session_ids),
		TREE_TEST(force_flag),
		TREE_TEST(unreadable_environ_uses_the_tree),
		TREE_TEST(holder_alive),
		TREE_TEST(holder_alive_cache_follows_the_tree),
		cmocka_unit_test(holder_alive_cache_real_exit),
		cmocka_unit_test(wrapper_list),
		cmocka_unit_test(label_validity),
		cmocka_unit_test(hostname),
		cmocka_unit_test(real_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
