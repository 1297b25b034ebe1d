/* procfs.h - the few facts lockfs reads from /proc, parsed defensively.
 *
 * Every reader takes the /proc root as a parameter so tests can build fake
 * process trees in a temporary directory.  Parsers are split from readers
 * so they can be fuzzed: a stat line whose command name holds spaces or
 * parentheses, an environ without its final NUL, huge files.
 */
#ifndef LOCKFS_PROCFS_H
#define LOCKFS_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

#include "filestamp.h"

#define PROCFS_COMM_MAX 64
#define PROCFS_FILE_MAX (256 * 1024)	/* environ beyond this is refused */

struct proc_stat {
	pid_t pid;
	char comm[PROCFS_COMM_MAX];	/* without the parentheses */
	char state;
	pid_t ppid;
	pid_t session;
	int tty_nr;			/* 0: no controlling terminal */
	int num_threads;		/* field 20 */
	unsigned long long start_time;	/* field 22, clock ticks since boot */
};

/* Parse the text of /proc/<pid>/stat.  -EINVAL when malformed. */
int procfs_parse_stat(const char *buf, size_t len, struct proc_stat *out);

/* Read and parse <proc_root>/<pid>/stat.  -ENOENT when the process is gone. */
int procfs_read_stat(const char *proc_root, pid_t pid, struct proc_stat *out);

/* The same, and the stamp of the file read (filestamp.h). */
int procfs_read_stat_stamped(const char *proc_root, pid_t pid,
			     struct proc_stat *out, struct filestamp *stamp);

/* The stamp of <proc_root>/<pid>/stat now (present false when missing),
 * to tell whether a tree still shows the file read: 0 or -errno. */
int procfs_stat_stamp(const char *proc_root, pid_t pid, struct filestamp *out);

/* From the text of /proc/<tid>/status: the Tgid and the real Uid. */
int procfs_parse_status(const char *buf, size_t len, pid_t *tgid, uid_t *uid);
int procfs_read_status(const char *proc_root, pid_t tid, pid_t *tgid,
		       uid_t *uid);

/* Find name in an environ block (NUL-separated "K=V", last NUL optional).
 * Returns 1 and sets *val, *vlen (not NUL-terminated) when found, 0 when not. */
int procfs_env_find(const char *buf, size_t len, const char *name,
		    const char **val, size_t *vlen);

/* Read <proc_root>/<pid>/environ into a malloc'd buffer (*buf, *len).
 * -EFBIG past PROCFS_FILE_MAX, -ENOENT when gone, -EACCES when unreadable. */
int procfs_read_environ(const char *proc_root, pid_t pid, char **buf,
			size_t *len);

#endif
