/* fakeproc.h - fake /proc trees for the procfs and identity tests.
 *
 * A tree is a temporary directory holding, per process, the three files
 * lockfs reads: <pid>/stat, <pid>/status and <pid>/environ, written in the
 * kernel's formats so the real parsers read them.  fakeproc_write() puts
 * arbitrary bytes in one file for the hostile-input tests.
 */
#ifndef LOCKFS_TESTS_FAKEPROC_H
#define LOCKFS_TESTS_FAKEPROC_H

#include <stddef.h>
#include <sys/types.h>

struct fake_process {
	pid_t pid;
	pid_t tgid;			/* 0: pid (a process, not a thread) */
	const char *comm;
	char state;			/* 0: 'S' */
	pid_t ppid;
	pid_t session;
	int tty_nr;			/* 0: no terminal */
	unsigned long long start_time;
	uid_t uid;
	int threads;			/* 0: 1 */
	const char *const *env;		/* "K=V" strings, NULL-terminated;
					 * NULL: an empty environment */
};

/* A new empty tree; its malloc'd root path, or NULL on failure. */
char *fakeproc_create(void);

/* Add (or replace) one process.  0 or -errno. */
int fakeproc_add(const char *root, const struct fake_process *p);

/* Replace <root>/<pid>/<leaf> with len bytes of data.  0 or -errno. */
int fakeproc_write(const char *root, pid_t pid, const char *leaf,
		   const void *data, size_t len);

/* Remove <root>/<pid> and everything in it.  0 or -errno. */
int fakeproc_remove(const char *root, pid_t pid);

/* Remove a directory and everything below it (a test's scratch tree):
 * 0 or -errno. */
int fakeproc_remove_tree(const char *path);

/* Remove the whole tree and free root. */
void fakeproc_destroy(char *root);

#endif
