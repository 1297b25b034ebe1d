/* identity.c - who is asking: maps the pid of a request to an instance
 * label and a long-lived holder process (the rules are in identity.h).
 *
 * Both front ends call identity_resolve(): the mount with the thread id
 * FUSE reports, the command line with its own pid.  policy.c asks
 * identity_holder_alive() whether a recorded holder still runs.  All /proc
 * access goes through procfs.c; only the caller's environment and the
 * stat/status of the caller and its ancestors are read.
 *
 * The process tree rule has one subtlety: the caller is usually a one-shot
 * command (touch, rm, a shell doing "> file") that an agent or a human ran,
 * but an agent may also call open() itself.  So the walk looks for the
 * nearest non-wrapper *ancestor* first; only when there is none below an
 * interactive shell or the top of the tree does the caller count as the
 * agent, and then only if it is multi-threaded (agents are node, Rust or
 * Electron programs; the commands they run are not).
 */
#include "identity.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procfs.h"
#include "text.h"

#define WALK_MAX 64		/* processes looked at, the caller included */
#define SESSION_PREFIX_LEN 8	/* "CLI-<first 8 chars of the session id>" */

static const char *const shells[] = {
	"sh", "ash", "bash", "dash", "zsh", "ksh", "mksh", "fish", "tcsh",
	"csh", "busybox",
};

/* Programs that only run another program; the agent is above them. */
static const char *const wrappers[] = {
	"env", "timeout", "xargs", "nice", "ionice", "nohup", "setsid",
	"stdbuf", "bwrap", "sudo", "su", "doas", "runuser", "time", "chrt",
	"taskset", "flock", "unbuffer", "script", "firejail", "lockfs",
};

static bool in_list(const char *const *list, size_t n, const char *comm)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], comm) == 0)
			return true;
	return false;
}

static bool is_shell(const char *comm)
{
	return in_list(shells, sizeof(shells) / sizeof(shells[0]), comm);
}

bool identity_is_wrapper(const char *comm)
{
	if (!comm)
		return false;
	return is_shell(comm) ||
	       in_list(wrappers, sizeof(wrappers) / sizeof(wrappers[0]), comm);
}

static bool label_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("._:@+=-", c));
}

/* Offset of the first character not allowed in a label, or n. */
static size_t label_bad_offset(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!label_char_ok((unsigned char)s[i]))
			return i;
	return n;
}

bool identity_label_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strnlen(s, INSTANCE_MAX_LEN + 1);
	return n >= 1 && n <= INSTANCE_MAX_LEN && label_bad_offset(s, n) == n;
}

/* The message never quotes the value: it may hold control characters
 * meant for whoever reads the log. */
static int check_label(const char *v, size_t n, const char *var,
		       struct lf_error *err)
{
	size_t bad;

	if (n == 0)
		return lf_error_set(err, EINVAL,
				    "%s is set but empty; unset it or give a label",
				    var);
	if (n > INSTANCE_MAX_LEN)
		return lf_error_set(err, EINVAL,
				    "%s is %zu bytes long; an instance label has at most %d",
				    var, n, INSTANCE_MAX_LEN);
	bad = label_bad_offset(v, n);
	if (bad < n)
		return lf_error_set(err, EINVAL,
				    "%s has byte 0x%02x at offset %zu; an instance label may only use A-Z a-z 0-9 . _ : @ + = -",
				    var, (unsigned char)v[bad], bad);
	return 0;
}

static bool env_equals(const char *env, size_t len, const char *name,
		       const char *want)
{
	const char *v;
	size_t vlen;

	return procfs_env_find(env, len, name, &v, &vlen) == 1 &&
	       vlen == strlen(want) && memcmp(v, want, vlen) == 0;
}

bool identity_force_from_env(const char *env, size_t len)
{
	return env_equals(env, len, "LOCKFS_FORCE", "1") ||
	       env_equals(env, len, "LOCKFS_FORCE", "yes") ||
	       env_equals(env, len, "LOCKFS_FORCE", "true");
}

int identity_session_label(const char *var, const char *id, size_t len,
			   bool desktop, char *label, struct lf_error *err)
{
	const char *prefix = strcmp(var, "CODEX_THREAD_ID") == 0 ? "Codex-" :
			     desktop ? "Desktop-" : "CLI-";
	int rc;

	if (len > SESSION_PREFIX_LEN)
		len = SESSION_PREFIX_LEN;
	rc = check_label(id, len, var, err);
	if (rc < 0)
		return rc;
	snprintf(label, INSTANCE_MAX_LEN + 1, "%s%.*s", prefix, (int)len, id);
	return 0;
}

/* Rule 2 for the session id in var, when var is set: 1 labelled. */
static int session_label(const char *env, size_t len, const char *var,
			 char *label, struct lf_error *err)
{
	const char *v;
	size_t vlen;
	int rc;

	if (procfs_env_find(env, len, var, &v, &vlen) != 1)
		return 0;
	rc = identity_session_label(var, v, vlen,
				    env_equals(env, len, "CLAUDE_CODE_ENTRYPOINT",
					       "claude-desktop"), label, err);
	return rc < 0 ? rc : 1;
}

/* Rules 1 and 2: 1 when the environment names the instance (*rule says
 * how), 0 when it does not, negative when it tries to but the value is
 * unusable. */
static int label_from_env(const char *env, size_t len, char *label,
			  enum identity_rule *rule, struct lf_error *err)
{
	bool desktop;
	const char *v;
	size_t vlen;
	int rc;

	if (procfs_env_find(env, len, "LOCKFS_INSTANCE", &v, &vlen) == 1) {
		rc = check_label(v, vlen, "LOCKFS_INSTANCE", err);
		if (rc < 0)
			return rc;
		memcpy(label, v, vlen);
		label[vlen] = '\0';
		*rule = RULE_LOCKFS_INSTANCE;
		return 1;
	}
	desktop = env_equals(env, len, "CLAUDE_CODE_ENTRYPOINT", "claude-desktop");
	*rule = desktop ? RULE_CLAUDE_DESKTOP : RULE_CLAUDE_CODE;
	rc = session_label(env, len, "CLAUDE_CODE_SESSION_ID", label, err);
	if (rc != 0)
		return rc;
	*rule = RULE_CODEX;
	return session_label(env, len, "CODEX_THREAD_ID", label, err);
}

int identity_label_from_env(const char *env, size_t len, char *label,
			    struct lf_error *err)
{
	enum identity_rule rule;

	return label_from_env(env, len, label, &rule, err);
}

const char *identity_rule_words(enum identity_rule rule)
{
	switch (rule) {
	case RULE_LOCKFS_INSTANCE:
		return "LOCKFS_INSTANCE is set";
	case RULE_CLAUDE_CODE:
		return "CLAUDE_CODE_SESSION_ID is set (Claude Code)";
	case RULE_CLAUDE_DESKTOP:
		return "CLAUDE_CODE_SESSION_ID is set, with CLAUDE_CODE_ENTRYPOINT=claude-desktop (Claude Desktop)";
	case RULE_CODEX:
		return "CODEX_THREAD_ID is set (Codex)";
	case RULE_TREE_AGENT:
		return "process tree: the nearest ancestor that is not a shell or a wrapper";
	case RULE_TREE_SHELL:
		return "process tree: an interactive shell (a terminal's session leader) is its own instance";
	case RULE_TREE_CALLER:
		return "process tree: no agent above; the calling program itself";
	case RULE_TREE_TOP:
		return "process tree: no agent above; the process where the walk stopped";
	}
	return "unknown";
}

/* Rule 3's label: "<comm>-<pid>", comm made label-safe and cut to fit. */
static void tree_label(const struct proc_stat *st, char *label)
{
	char suffix[16];
	size_t i, n, room;
	int slen;

	slen = snprintf(suffix, sizeof(suffix), "-%d", (int)st->pid);
	room = INSTANCE_MAX_LEN - (size_t)slen;
	n = strnlen(st->comm, room);
	for (i = 0; i < n; i++)
		label[i] = label_char_ok((unsigned char)st->comm[i]) ?
			   st->comm[i] : '_';
	memcpy(label + n, suffix, (size_t)slen + 1);
}

/* A human's terminal: the shell that leads a session on a tty. */
static bool is_interactive_shell(const struct proc_stat *st)
{
	return is_shell(st->comm) && st->pid == st->session && st->tty_nr != 0;
}

static bool is_kthreadd(const struct proc_stat *st)
{
	return st->pid == 2 && strcmp(st->comm, "kthreadd") == 0;
}

static bool pid_seen(const pid_t *seen, int n, pid_t pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (seen[i] == pid)
			return true;
	return false;
}

static int read_failed(struct lf_error *err, int rc, pid_t pid,
		       const char *what)
{
	if (rc == -ENOENT)
		return lf_error_set(err, ESRCH, "process %d (%s) is gone",
				    (int)pid, what);
	return lf_error_set(err, -rc, "cannot read /proc for process %d (%s): %s",
			    (int)pid, what, strerror(-rc));
}

/* Climb from the caller to the nearest ancestor that is not a wrapper:
 * 1 and *found set to it, or 0 and *found set to where the climb
 * stopped (an interactive shell, the process just below init or
 * kthreadd, or the WALK_MAX'th process looked at). */
static int walk_up(const char *proc_root, const struct proc_stat *caller,
		   struct proc_stat *found, struct lf_error *err)
{
	pid_t seen[WALK_MAX];
	struct proc_stat cur = *caller, parent;
	int depth, rc;

	for (depth = 0;; depth++) {
		seen[depth] = cur.pid;
		if (is_interactive_shell(&cur))
			break;
		if (depth > 0 && !identity_is_wrapper(cur.comm)) {
			*found = cur;
			return 1;
		}
		if (cur.ppid <= 1 || depth + 1 == WALK_MAX)
			break;
		if (pid_seen(seen, depth + 1, cur.ppid))
			return lf_error_set(err, ESRCH,
					    "process tree of %d changed during the lookup (parent loop at %d)",
					    (int)caller->pid, (int)cur.ppid);
		rc = procfs_read_stat(proc_root, cur.ppid, &parent);
		if (rc < 0)
			return read_failed(err, rc, cur.ppid, "an ancestor");
		if (is_kthreadd(&parent))
			break;
		cur = parent;
	}
	*found = cur;
	return 0;
}

/* The holder process: the agent above the caller, else the caller itself
 * when it looks like a long-lived program, else where the climb stopped;
 * *rule says which. */
static int find_holder(const char *proc_root, const struct proc_stat *caller,
		       struct proc_stat *found, enum identity_rule *rule,
		       struct lf_error *err)
{
	int rc;

	rc = walk_up(proc_root, caller, found, err);
	if (rc < 0)
		return rc;
	*rule = rc ? RULE_TREE_AGENT :
		is_interactive_shell(found) ? RULE_TREE_SHELL : RULE_TREE_TOP;
	if (rc == 0 && !identity_is_wrapper(caller->comm) &&
	    caller->num_threads > 1) {
		*found = *caller;
		*rule = RULE_TREE_CALLER;
	}
	return 0;
}

/* The environment, or an empty one when the kernel will not show it
 * (a non-dumpable process): the tree rule still applies then. */
static int read_env(const char *proc_root, pid_t pid, char **env,
		    size_t *len, struct lf_error *err)
{
	int rc;

	rc = procfs_read_environ(proc_root, pid, env, len);
	if (rc == -EACCES || rc == -EPERM) {
		*env = NULL;
		*len = 0;
		return 0;
	}
	if (rc == -EFBIG)
		return lf_error_set(err, EINVAL,
				    "the environment of process %d is larger than %d bytes; cannot look for LOCKFS_INSTANCE in it",
				    (int)pid, PROCFS_FILE_MAX);
	if (rc < 0)
		return read_failed(err, rc, pid, "environ");
	return 0;
}

int identity_resolve(const char *proc_root, pid_t tid, struct holder *out,
		     struct lf_error *err)
{
	struct proc_stat caller, found;
	enum identity_rule tree_rule;
	char *env = NULL;
	size_t env_len = 0;
	pid_t tgid;
	int labelled, rc;

	memset(out, 0, sizeof(*out));
	rc = procfs_read_status(proc_root, tid, &tgid, &out->uid);
	if (rc < 0)
		return read_failed(err, rc, tid, "the caller");
	rc = procfs_read_stat(proc_root, tgid, &caller);
	if (rc < 0)
		return read_failed(err, rc, tgid, "the caller");
	rc = read_env(proc_root, tgid, &env, &env_len, err);
	if (rc < 0)
		return rc;
	labelled = label_from_env(env ? env : "", env_len, out->instance,
				  &out->rule, err);
	if (labelled < 0) {
		rc = labelled;
		goto out;
	}
	out->force = identity_force_from_env(env ? env : "", env_len);
	rc = find_holder(proc_root, &caller, &found, &tree_rule, err);
	if (rc < 0)
		goto out;
	out->pid = found.pid;
	out->start_time = found.start_time;
	if (!labelled) {
		tree_label(&found, out->instance);
		out->rule = tree_rule;
	}
	snprintf(out->host, sizeof(out->host), "%s", identity_hostname());
out:
	free(env);
	return rc;
}

/* ---- is a holder alive: the proc tree, remembered through pidfds ----
 *
 * Every `stat` and `ls -l` of a lock asks whether its holder process still
 * runs, which is a read of <proc_root>/<pid>/stat.  Once a holder (pid and
 * start time) has been seen alive, the project's cache answers the same
 * question from two facts that cost far less than that read: a pidfd
 * opened before the read refers to that very process, which holds the pid
 * until it exits, and polls readable once it has (a zombie, state Z,
 * counts as gone everywhere); and the tree still shows the stat file that
 * was read (its stamp, filestamp.h).  Only when both hold is the answer
 * "alive" without a read; anything else forgets the holder and reads the
 * tree again.  So the answer is exact with no time-to-live, a process that
 * reuses the pid (another start time) is never taken for the holder, and
 * a tree that is not the kernel's (the tests' fake ones) is judged by what
 * it shows.  Only holders with a recorded start time are remembered
 * (without one, any process with that pid counts as the holder).
 */

#define ALIVE_SLOTS 32

struct alive_slot {
	pid_t pid;
	unsigned long long start_time;
	int fd;				/* pidfd; unused slots have pid 0 */
	struct filestamp stamp;		/* of the stat file read */
};

struct alive_cache {
	struct alive_slot slot[ALIVE_SLOTS];
	unsigned next;
};

struct alive_cache *identity_alive_cache_new(void)
{
	return calloc(1, sizeof(struct alive_cache));
}

static void alive_forget(struct alive_slot *s)
{
	if (s->pid)
		close(s->fd);
	memset(s, 0, sizeof(*s));
}

void identity_alive_cache_free(struct alive_cache *c)
{
	unsigned i;

	if (!c)
		return;
	for (i = 0; i < ALIVE_SLOTS; i++)
		alive_forget(&c->slot[i]);
	free(c);
}

static int pidfd_for(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* 1 the process behind fd still runs, 0 it exited, -1 cannot tell. */
static int pidfd_alive(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&pfd, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 || (pfd.revents & (POLLERR | POLLNVAL)))
		return -1;
	return n == 0 ? 1 : 0;
}

static struct alive_slot *alive_find(struct alive_cache *c, pid_t pid,
				     unsigned long long start_time)
{
	unsigned i;

	for (i = 0; i < ALIVE_SLOTS; i++)
		if (c->slot[i].pid == pid &&
		    c->slot[i].start_time == start_time)
			return &c->slot[i];
	return NULL;
}

/* Is the remembered holder still alive, by its pidfd and the tree? */
static bool alive_still(const char *proc_root, const struct alive_slot *s)
{
	struct filestamp now;

	return pidfd_alive(s->fd) == 1 &&
	       procfs_stat_stamp(proc_root, s->pid, &now) == 0 &&
	       filestamp_equal(&now, &s->stamp);
}

/* Keep fd (a pidfd of the holder, just seen alive) in place of the
 * oldest slot. */
static void alive_remember(struct alive_cache *c, pid_t pid,
			   unsigned long long start_time, int fd,
			   const struct filestamp *stamp)
{
	struct alive_slot *s = &c->slot[c->next++ % ALIVE_SLOTS];

	alive_forget(s);
	*s = (struct alive_slot){ .pid = pid, .start_time = start_time,
				  .fd = fd, .stamp = *stamp };
}

/* The answer from the tree alone; *seen tells whether it was read there
 * (alive and with that start time), not assumed. */
static int alive_from_proc(const char *proc_root, pid_t pid,
			   unsigned long long start_time, bool *seen,
			   struct filestamp *stamp)
{
	struct proc_stat st;
	int rc;

	*seen = false;
	rc = procfs_read_stat_stamped(proc_root, pid, &st, stamp);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return 1;
	if (st.state == 'Z' || st.state == 'X')
		return 0;
	*seen = st.start_time == start_time;
	return start_time == 0 || st.start_time == start_time;
}

int identity_holder_alive(struct alive_cache *cache, const char *proc_root,
			  pid_t pid, unsigned long long start_time)
{
	struct alive_slot *s = NULL;
	struct filestamp stamp;
	bool seen;
	int alive, fd = -1;

	/* Only a process shown to be gone makes a lock stale; anything we
	 * cannot tell is left to the age rule. */
	if (pid <= 0)
		return 1;
	if (cache && start_time != 0) {
		s = alive_find(cache, pid, start_time);
		if (s && alive_still(proc_root, s))
			return 1;
		if (s)
			alive_forget(s);
		/* Opened before the tree is read: if the process read there
		 * is alive and the pidfd's process has not exited since, they
		 * are one process. */
		fd = pidfd_for(pid);
	}
	alive = alive_from_proc(proc_root, pid, start_time, &seen, &stamp);
	if (fd >= 0) {
		if (seen && pidfd_alive(fd) == 1)
			alive_remember(cache, pid, start_time, fd, &stamp);
		else
			close(fd);
	}
	return alive;
}

static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static char host_name[HOST_MAX_LEN + 1];

/* sethostname() takes any bytes; the store and the terminal take only
 * UTF-8 without control characters. */
static void host_init(void)
{
	char raw[HOST_MAX_LEN + 1];

	if (gethostname(raw, sizeof(raw)) != 0)
		raw[0] = '\0';
	raw[HOST_MAX_LEN] = '\0';
	text_clean(host_name, sizeof(host_name), raw, strlen(raw),
		   TEXT_CONTROL_QUESTION);
	if (host_name[0] == '\0')
		snprintf(host_name, sizeof(host_name), "localhost");
}

/* Cached: the FUSE daemon asks on every request, from several threads. */
const char *identity_hostname(void)
{
	pthread_once(&host_once, host_init);
	return host_name;
}
