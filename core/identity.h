/* identity.h - who is asking: the caller's instance and its holder process.
 *
 * Agents run every shell command in a fresh process (often a fresh session),
 * so the pid of the process that made a system call says nothing about who
 * it is.  identity_resolve() maps it to an instance label, first rule wins:
 *
 *   1. LOCKFS_INSTANCE in the caller's environment, taken as it is;
 *   2. CLAUDE_CODE_SESSION_ID ("CLI-<first 8>", or "Desktop-<first 8>" when
 *      CLAUDE_CODE_ENTRYPOINT=claude-desktop), then CODEX_THREAD_ID
 *      ("Codex-<first 8>");
 *   3. the process tree: the nearest ancestor that is not a shell or a
 *      wrapper (identity_is_wrapper()) is the agent, "<comm>-<pid>"; an
 *      interactive shell (session leader with a terminal) stops the walk and
 *      is its own instance.
 *
 * Whatever labels the caller, the holder process recorded with the lock is
 * the one found by rule 3 (pid, start time, host), so that a lock whose
 * agent has exited can be recognised as stale.  Only the caller and its
 * ancestors are read.
 */
#ifndef LOCKFS_IDENTITY_H
#define LOCKFS_IDENTITY_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

#define INSTANCE_MAX_LEN 64
#define HOST_MAX_LEN 255

/* Which rule named the instance (lockfs whoami tells). */
enum identity_rule {
	RULE_LOCKFS_INSTANCE,	/* 1: LOCKFS_INSTANCE */
	RULE_CLAUDE_CODE,	/* 2: CLAUDE_CODE_SESSION_ID */
	RULE_CLAUDE_DESKTOP,	/* 2: the same, CLAUDE_CODE_ENTRYPOINT=claude-desktop */
	RULE_CODEX,		/* 2: CODEX_THREAD_ID */
	RULE_TREE_AGENT,	/* 3: the nearest ancestor not a shell or wrapper */
	RULE_TREE_SHELL,	/* 3: an interactive shell stopped the walk */
	RULE_TREE_CALLER,	/* 3: none above; the caller, a long-lived program */
	RULE_TREE_TOP,		/* 3: none above; where the walk stopped */
};

struct holder {
	char instance[INSTANCE_MAX_LEN + 1];
	enum identity_rule rule;
	pid_t pid;			/* long-lived holder process; 0: none */
	unsigned long long start_time;	/* of pid, from /proc/<pid>/stat */
	char host[HOST_MAX_LEN + 1];
	uid_t uid;			/* real uid of the caller */
	bool force;			/* LOCKFS_FORCE=1 in the environment */
};

/* Resolve the caller that made a request.  tid may be a thread id (FUSE
 * gives those); its thread group is the caller.  proc_root is "/proc" in
 * production.  Errors: -ESRCH when the caller is gone, -EINVAL when its
 * LOCKFS_INSTANCE (or session id) is unusable (the message says why). */
int identity_resolve(const char *proc_root, pid_t tid, struct holder *out,
		     struct lf_error *err);

/* A phrase for the rule ("LOCKFS_INSTANCE is set"). */
const char *identity_rule_words(enum identity_rule rule);
/* Rules 1 and 2 for an environment block (NUL-separated "K=V", as in
 * /proc/<pid>/environ): 1 and the label when it names the instance, 0 when
 * it does not, -EINVAL (the message says why) when it tries to but the
 * value is unusable.  label has INSTANCE_MAX_LEN + 1 bytes. */
int identity_label_from_env(const char *env, size_t len, char *label,
			    struct lf_error *err);

/* LOCKFS_FORCE=1 (or yes, true) in an environment block. */
bool identity_force_from_env(const char *env, size_t len);

/* Rule 2's label for an agent's session id (len bytes at id), as if var
 * held it: "CLI-<first 8>" for CLAUDE_CODE_SESSION_ID ("Desktop-<first 8>"
 * when desktop), "Codex-<first 8>" for CODEX_THREAD_ID.  The edit hooks
 * get the id on stdin rather than in the environment.  -EINVAL (message
 * naming var) when the id is empty or holds characters no label may. */
int identity_session_label(const char *var, const char *id, size_t len,
			   bool desktop, char *label, struct lf_error *err);

/* True for shells and wrappers that never count as the agent. */
bool identity_is_wrapper(const char *comm);

/* True iff s is a usable instance label: 1..INSTANCE_MAX_LEN characters of
 * [A-Za-z0-9._:@+=-]. */
bool identity_label_valid(const char *s);

/* Holders seen alive, remembered (a pidfd each) so that asking again
 * costs a poll and a stat instead of a read of the proc tree.  A project
 * owns one (project.h); it is not shared between threads. */
struct alive_cache;

/* An empty cache, or NULL when out of memory. */
struct alive_cache *identity_alive_cache_new(void);
void identity_alive_cache_free(struct alive_cache *c);

/* Is the recorded holder process still running on this host, as the tree
 * at proc_root shows it?  Returns 1 alive, 0 gone (no such pid, a zombie,
 * or a different start time).  Exact with or without a cache (NULL: read
 * the tree every time). */
int identity_holder_alive(struct alive_cache *cache, const char *proc_root,
			  pid_t pid, unsigned long long start_time);

/* This machine's name as recorded in locks (gethostname, or "localhost"). */
const char *identity_hostname(void);

#endif
