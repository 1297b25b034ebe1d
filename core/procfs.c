/* procfs.c - reads and parses the few /proc files lockfs needs; see procfs.h.
 *
 * identity.c is the only user: it walks from a caller up its ancestors and
 * reads their stat, status and environ here.  Everything read is treated as
 * hostile: a process chooses its own command name (prctl(PR_SET_NAME) can
 * put spaces, parentheses and newlines in it) and its own environment, so
 * the parsers take explicit lengths, never rely on a terminating NUL, and
 * reject rather than guess.  The readers bound every file by
 * PROCFS_FILE_MAX and report a process that vanished as -ENOENT.
 */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "readfile.h"

/* stat fields are numbered from 1; these are the ones kept. */
#define STAT_PPID 4
#define STAT_SESSION 6
#define STAT_TTY_NR 7
#define STAT_NUM_THREADS 20
#define STAT_START_TIME 22

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* An unsigned decimal at *p, stopping at end or the first non-digit. */
static int parse_ull(const char **p, const char *end, unsigned long long *v)
{
	const char *s = *p;
	unsigned long long n = 0;

	if (s == end || !is_digit(*s))
		return -EINVAL;
	for (; s < end && is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (n > (ULLONG_MAX - d) / 10)
			return -EINVAL;
		n = n * 10 + d;
	}
	*p = s;
	*v = n;
	return 0;
}

/* A decimal with an optional '-', which must lie in [min, max]. */
static int parse_ll(const char **p, const char *end, long long min,
		    long long max, long long *v)
{
	const char *s = *p;
	bool neg = s < end && *s == '-';
	unsigned long long mag;
	long long n;

	s += neg;
	if (parse_ull(&s, end, &mag) < 0 || mag > LLONG_MAX)
		return -EINVAL;
	n = neg ? -(long long)mag : (long long)mag;
	if (n < min || n > max)
		return -EINVAL;
	*p = s;
	*v = n;
	return 0;
}

/* Step over the spaces between two stat fields; there must be one. */
static int skip_spaces(const char **p, const char *end)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s == *p || s == end)
		return -EINVAL;
	*p = s;
	return 0;
}

/* A field kept only for counting: '-'? digits, of any size, so that
 * counters we never use cannot make a real stat line unreadable. */
static int skip_number(const char **p, const char *end)
{
	const char *s = *p;

	if (s < end && *s == '-')
		s++;
	if (s == end || !is_digit(*s))
		return -EINVAL;
	while (s < end && is_digit(*s))
		s++;
	*p = s;
	return 0;
}

/* A field ends at a space or a newline; the kernel always writes more
 * after field 22, so text that stops inside it was cut short. */
static bool at_field_end(const char *s, const char *end)
{
	return s < end && (*s == ' ' || *s == '\n');
}

static int parse_int_field(const char **p, const char *end, long long min,
			   int *out)
{
	long long v;

	if (parse_ll(p, end, min, INT_MAX, &v) < 0)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* Fields 4..22, from the space after the state. */
static int parse_stat_numbers(const char *s, const char *end,
			      struct proc_stat *out)
{
	int field, rc;

	for (field = STAT_PPID; field <= STAT_START_TIME; field++) {
		if (skip_spaces(&s, end) < 0)
			return -EINVAL;
		switch (field) {
		case STAT_PPID:
			rc = parse_int_field(&s, end, 0, &out->ppid);
			break;
		case STAT_SESSION:
			rc = parse_int_field(&s, end, 0, &out->session);
			break;
		case STAT_TTY_NR:
			rc = parse_int_field(&s, end, INT_MIN, &out->tty_nr);
			break;
		case STAT_NUM_THREADS:
			rc = parse_int_field(&s, end, 0, &out->num_threads);
			break;
		case STAT_START_TIME:
			rc = parse_ull(&s, end, &out->start_time);
			break;
		default:
			rc = skip_number(&s, end);
			break;
		}
		if (rc < 0 || !at_field_end(s, end))
			return -EINVAL;
	}
	return 0;
}

int procfs_parse_stat(const char *buf, size_t len, struct proc_stat *out)
{
	const char *end = buf + len;
	const char *s = buf;
	const char *comm, *rparen;
	struct proc_stat st;
	size_t n;

	memset(&st, 0, sizeof(st));
	if (parse_int_field(&s, end, 1, &st.pid) < 0)
		return -EINVAL;
	if (end - s < 2 || s[0] != ' ' || s[1] != '(')
		return -EINVAL;
	comm = s + 2;
	/* The name may itself hold ')': only the last one closes it. */
	rparen = memrchr(comm, ')', (size_t)(end - comm));
	if (!rparen)
		return -EINVAL;
	n = (size_t)(rparen - comm);
	if (memchr(comm, '\0', n))
		return -EINVAL;
	if (n >= sizeof(st.comm))
		n = sizeof(st.comm) - 1;
	memcpy(st.comm, comm, n);
	st.comm[n] = '\0';

	s = rparen + 1;
	if (end - s < 2 || s[0] != ' ' || s[1] == ' ' || s[1] == '\n' ||
	    s[1] == '\0')
		return -EINVAL;
	st.state = s[1];
	if (parse_stat_numbers(s + 2, end, &st) < 0)
		return -EINVAL;
	*out = st;
	return 0;
}

/* The value of a "Key:\t<number>..." line; the first number only. */
static int parse_status_value(const char *s, const char *eol,
			      unsigned long long max, unsigned long long *v)
{
	unsigned long long n;

	while (s < eol && (*s == '\t' || *s == ' '))
		s++;
	if (parse_ull(&s, eol, &n) < 0 || n > max)
		return -EINVAL;
	if (s != eol && *s != '\t' && *s != ' ')
		return -EINVAL;
	*v = n;
	return 0;
}

static bool line_has_key(const char *s, const char *eol, const char *key)
{
	size_t klen = strlen(key);

	return (size_t)(eol - s) >= klen && memcmp(s, key, klen) == 0;
}

int procfs_parse_status(const char *buf, size_t len, pid_t *tgid, uid_t *uid)
{
	const char *end = buf + len;
	const char *s = buf;
	unsigned long long v;
	bool have_tgid = false, have_uid = false;

	while (s < end && !(have_tgid && have_uid)) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));

		if (!eol)
			eol = end;
		if (!have_tgid && line_has_key(s, eol, "Tgid:")) {
			if (parse_status_value(s + 5, eol, INT_MAX, &v) < 0 ||
			    v == 0)
				return -EINVAL;
			*tgid = (pid_t)v;
			have_tgid = true;
		} else if (!have_uid && line_has_key(s, eol, "Uid:")) {
			/* (uid_t)-1 is "no uid", never a real one. */
			if (parse_status_value(s + 4, eol,
					       (uid_t)-1 - 1, &v) < 0)
				return -EINVAL;
			*uid = (uid_t)v;
			have_uid = true;
		}
		s = eol + 1;
	}
	return have_tgid && have_uid ? 0 : -EINVAL;
}

int procfs_env_find(const char *buf, size_t len, const char *name,
		    const char **val, size_t *vlen)
{
	const char *end = buf + len;
	const char *s = buf;
	size_t nlen = strlen(name);

	if (nlen == 0)
		return 0;
	while (s < end) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));
		const char *next = nul ? nul : end;
		size_t elen = (size_t)(next - s);

		if (elen > nlen && s[nlen] == '=' &&
		    memcmp(s, name, nlen) == 0) {
			*val = s + nlen + 1;
			*vlen = elen - nlen - 1;
			return 1;
		}
		s = next + 1;
	}
	return 0;
}

/* A process that exits between open() and read() makes read() fail with
 * ESRCH; callers get one code for "gone". */
static int gone_or(int e)
{
	return e == ESRCH ? -ENOENT : -e;
}

static int leaf_path(char *path, size_t size, const char *proc_root,
		     pid_t pid, const char *leaf)
{
	int n;

	if (pid <= 0)
		return -EINVAL;
	n = snprintf(path, size, "%s/%d/%s", proc_root, (int)pid, leaf);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Read all of <proc_root>/<pid>/<leaf>; sb, when not NULL, gets its fstat. */
static int read_file(const char *proc_root, pid_t pid, const char *leaf,
		     char **out, size_t *outlen, struct stat *sb)
{
	char path[PATH_MAX];
	int rc;

	rc = leaf_path(path, sizeof(path), proc_root, pid, leaf);
	if (rc < 0)
		return rc;
	return gone_or(-readfile_path(path, O_NOFOLLOW, PROCFS_FILE_MAX, out,
				      outlen, sb));
}

int procfs_stat_stamp(const char *proc_root, pid_t pid, struct filestamp *out)
{
	char path[PATH_MAX];
	int rc;

	rc = leaf_path(path, sizeof(path), proc_root, pid, "stat");
	return rc < 0 ? rc : filestamp_get(path, true, out);
}

int procfs_read_stat(const char *proc_root, pid_t pid, struct proc_stat *out)
{
	return procfs_read_stat_stamped(proc_root, pid, out, NULL);
}

int procfs_read_stat_stamped(const char *proc_root, pid_t pid,
			     struct proc_stat *out, struct filestamp *stamp)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = read_file(proc_root, pid, "stat", &buf, &len, &sb);
	if (rc < 0)
		return rc;
	if (stamp)
		filestamp_of(&sb, stamp);
	rc = procfs_parse_stat(buf, len, out);
	/* A walk that trusted a file about another pid could loop forever. */
	if (rc == 0 && out->pid != pid)
		rc = -EINVAL;
	free(buf);
	return rc;
}

int procfs_read_status(const char *proc_root, pid_t tid, pid_t *tgid,
		       uid_t *uid)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = read_file(proc_root, tid, "status", &buf, &len, NULL);
	if (rc < 0)
		return rc;
	rc = procfs_parse_status(buf, len, tgid, uid);
	free(buf);
	return rc;
}

int procfs_read_environ(const char *proc_root, pid_t pid, char **buf,
			size_t *len)
{
	return read_file(proc_root, pid, "environ", buf, len, NULL);
}
