/* fakeproc.c - builds fake /proc trees for the tests; see fakeproc.h.
 *
 * The stat line carries all 52 fields of a modern kernel so the parser
 * is tested against the real layout, not just the fields lockfs keeps.
 */
#include "fakeproc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *fakeproc_create(void)
{
	const char *tmp = getenv("TMPDIR");
	char *root;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (asprintf(&root, "%s/lockfs-fakeproc-XXXXXX", tmp) < 0)
		return NULL;
	if (!mkdtemp(root)) {
		free(root);
		return NULL;
	}
	return root;
}

int fakeproc_write(const char *root, pid_t pid, const char *leaf,
		   const void *data, size_t len)
{
	char path[PATH_MAX];
	const char *p = data;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%d/%s", root, (int)pid, leaf);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			rc = -errno;
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

static int write_text(const char *root, pid_t pid, const char *leaf,
		      const char *text)
{
	return fakeproc_write(root, pid, leaf, text, strlen(text));
}

static int write_stat(const char *root, const struct fake_process *p)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "%d (%s) %c %d %d %d %d -1 4194560 100 0 0 0 1 2 0 0 20 0 "
		 "%d 0 %llu 9482240 863 18446744073709551615 1 1 0 0 0 0 "
		 "65536 3686404 1266761467 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 "
		 "0 0\n",
		 (int)p->pid, p->comm, p->state ? p->state : 'S',
		 (int)p->ppid, (int)p->pid, (int)p->session, p->tty_nr,
		 p->threads ? p->threads : 1, p->start_time);
	return write_text(root, p->pid, "stat", buf);
}

static int write_status(const char *root, const struct fake_process *p)
{
	char buf[1024];
	unsigned u = (unsigned)p->uid;

	snprintf(buf, sizeof(buf),
		 "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\n"
		 "Ngid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n"
		 "Uid:\t%u\t%u\t%u\t%u\nGid:\t100\t100\t100\t100\n"
		 "FDSize:\t64\nGroups:\t27 100\nThreads:\t%d\n",
		 p->comm, (int)(p->tgid ? p->tgid : p->pid), (int)p->pid,
		 (int)p->ppid, u, u, u, u, p->threads ? p->threads : 1);
	return write_text(root, p->pid, "status", buf);
}

static int write_environ(const char *root, const struct fake_process *p)
{
	char *buf = NULL;
	size_t len = 0, i;
	int rc;

	for (i = 0; p->env && p->env[i]; i++) {
		size_t n = strlen(p->env[i]) + 1;
		char *nbuf = realloc(buf, len + n);

		if (!nbuf) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		memcpy(buf + len, p->env[i], n);
		len += n;
	}
	rc = fakeproc_write(root, p->pid, "environ", buf ? buf : "", len);
	free(buf);
	return rc;
}

int fakeproc_add(const char *root, const struct fake_process *p)
{
	int rc;

	rc = write_stat(root, p);
	if (rc == 0)
		rc = write_status(root, p);
	if (rc == 0)
		rc = write_environ(root, p);
	return rc;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

int fakeproc_remove_tree(const char *path)
{
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno
								      : 0;
}

int fakeproc_remove(const char *root, pid_t pid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
	return fakeproc_remove_tree(path);
}

void fakeproc_destroy(char *root)
{
	if (!root)
		return;
	fakeproc_remove_tree(root);
	free(root);
}
