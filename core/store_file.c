/* store_file.c - the file backend: locks.json on disk; see store_file.h.
 *
 * Layout of one transaction: flock the sidecar (bounded wait), check that
 * the sidecar we locked is still the one at its path, load the document
 * (from the cache when the file is unchanged), let the caller edit it,
 * write a temporary file next to locks.json, optionally fsync, rename it
 * over, run the commit hook, unlock.  Every failure before the rename
 * leaves the old file exactly as it was.
 *
 * Two kinds of litter left by others are handled here.  A blank locks.json
 * modified a moment ago is most likely a non-atomic writer's truncation
 * (`> locks.json`) with the new text still to come: it is re-read until it
 * has content or has stayed blank for BLANK_SETTLE_MS, rather than taken
 * at once for an empty store and committed over, which would drop every
 * lock.  And a transaction killed before its rename leaves a temporary
 * file: those are removed, under the lock, once they are old enough.
 *
 * And one kind of wreck is left by a crash of the whole machine: with
 * durability "rename" (no fsync) a power loss can leave locks.json empty
 * or garbled.  Every holder of a lock died in that crash, so a store that
 * does not parse (or is empty) and was last modified before the current
 * boot is moved aside to locks.json.broken-<time>, logged, and replaced by
 * an empty store.  The same damage with a modification time after the
 * boot was done by something still running: that file stays untouched.
 */
#include "store_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "eventlog.h"
#include "filestamp.h"
#include "readfile.h"
#include "waitchange.h"

#define LOAD_ATTEMPTS 5		/* a non-atomic writer gets ~150 ms to finish */
#define BLANK_SETTLE_MS 500	/* ... and this long between truncating and writing */
#define BLANK_PAUSE_MS 10
#define TEMP_PREFIX ".locks.json."
#define TEMP_NAME_LEN (sizeof(TEMP_PREFIX) - 1 + 6)	/* mkostemp's XXXXXX */
#define TEMP_MAX_AGE_S 60	/* younger temporary files are left alone */
#define BROKEN_SUFFIX ".broken-"
#define BROKEN_TRIES 10		/* names tried for the file set aside */
/* A document whose text was at least this big is followed by giving its
 * memory back to the system (malloc_trim). */
#define TRIM_AFTER_BYTES (256 * 1024)

struct file_store {
	struct store_base base;	/* first: the interface (store.h) */
	char store_path[PATH_MAX];
	char sidecar_path[PATH_MAX];
	char token_path[PATH_MAX];	/* "": no high-water mark */
	struct filestamp mark_stamp;	/* the mark file as last read or written */
	long long mark;			/* ... and the value it held */
	bool mark_known;
	char dir[PATH_MAX];
	char events_path[PATH_MAX];	/* "" when nothing is logged */
	enum durability durability;
	time_t boot_time;		/* 0: read /proc/stat when needed */
	bool locked;			/* inside store_transact */
	unsigned lock_timeout_ms;
	int sidecar_fd;
	long long next_sweep_ms;	/* monotonic time of the next temp file sweep */
	struct lockdoc *cache;		/* parsed content of the file at cache_stamp */
	struct filestamp cache_stamp;
	struct filestamp bad_stamp;	/* a file known not to parse ... */
	struct lf_error bad_error;	/* ... and why */
};

static int current_stamp(const struct file_store *st, struct filestamp *out,
			 struct lf_error *err)
{
	int rc = filestamp_get(st->store_path, true, out);

	if (rc == 0)
		return 0;
	return lf_error_set(err, -rc, "%s: %s", st->store_path,
			    strerror(-rc));
}

static int copy_path(char *dst, const char *src, struct lf_error *err)
{
	if (strlen(src) >= PATH_MAX)
		return lf_error_set(err, ENAMETOOLONG, "%s: path too long", src);
	strcpy(dst, src);
	return 0;
}

static const struct store_ops file_ops;

static struct file_store *file_store(struct store *s)
{
	return (struct file_store *)s;
}

int store_file_open(const struct store_file_paths *paths, struct store **out,
	       struct lf_error *err)
{
	struct file_store *st;
	char tmp[PATH_MAX];
	int rc;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return lf_error_set(err, ENOMEM, "out of memory");
	rc = copy_path(st->store_path, paths->store_path, err);
	if (rc == 0)
		rc = copy_path(st->sidecar_path, paths->sidecar_path, err);
	if (rc == 0 && paths->token_path)
		rc = copy_path(st->token_path, paths->token_path, err);
	if (rc == 0 && paths->events_path)
		rc = copy_path(st->events_path, paths->events_path, err);
	if (rc < 0) {
		free(st);
		return rc;
	}
	strcpy(tmp, st->store_path);
	strcpy(st->dir, dirname(tmp));
	st->durability = DURABILITY_RENAME;
	st->lock_timeout_ms = STORE_LOCK_TIMEOUT_MS_DEFAULT;
	st->sidecar_fd = -1;
	st->base.ops = &file_ops;
	*out = (struct store *)st;
	return 0;
}

static void drop_cache(struct file_store *st)
{
	lockdoc_free(st->cache);
	st->cache = NULL;
	memset(&st->cache_stamp, 0, sizeof(st->cache_stamp));
}

static void file_close(struct store *s)
{
	struct file_store *st = file_store(s);

	if (!st)
		return;
	if (st->sidecar_fd >= 0)
		close(st->sidecar_fd);
	drop_cache(st);
	free(st);
}

void store_file_set_durability(struct store *s, enum durability d)
{
	struct file_store *st = file_store(s);

	st->durability = d;
}

void store_file_set_lock_timeout_ms(struct store *s, unsigned ms)
{
	struct file_store *st = file_store(s);

	st->lock_timeout_ms = ms;
}

void store_file_set_boot_time(struct store *s, time_t t)
{
	struct file_store *st = file_store(s);

	st->boot_time = t;
}

/* ---- reading ---- */

/* One read of the file: its bytes and the stamp they belong to. */
static int read_store_file(const struct file_store *st, char **buf, size_t *len,
			   struct filestamp *stamp, struct lf_error *err)
{
	struct stat sb;
	int fd, rc = 0;

	*buf = NULL;
	*len = 0;
	memset(stamp, 0, sizeof(*stamp));
	/* O_NONBLOCK: a fifo planted at the path must not hang the caller
	 * (the S_ISREG check below then refuses it). */
	fd = open(st->store_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && errno == ELOOP)
		return lf_error_set(err, EIO, "%s is a symbolic link; refusing it",
				    st->store_path);
	if (fd < 0)
		return lf_error_set(err, errno == EACCES ? EACCES : EIO,
				    "%s: %s", st->store_path, strerror(errno));
	if (fstat(fd, &sb) < 0) {
		rc = lf_error_set(err, EIO, "%s: %s", st->store_path,
				  strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = lf_error_set(err, EIO, "%s is not a regular file",
				  st->store_path);
		goto out;
	}
	if (sb.st_size > (off_t)LOCKDOC_MAX_BYTES) {
		rc = lf_error_set(err, EIO,
				  "%s: %lld bytes, more than the %u allowed",
				  st->store_path, (long long)sb.st_size,
				  LOCKDOC_MAX_BYTES);
		goto out;
	}
	filestamp_of(&sb, stamp);
	rc = readfile_fd(fd, LOCKDOC_MAX_BYTES, (size_t)sb.st_size, buf, len);
	if (rc == -EFBIG || (rc == 0 && *len != (size_t)sb.st_size))
		/* grew or shrank while we read: a writer is at work */
		rc = lf_error_set(err, EIO, "%s changed while being read",
				  st->store_path);
	else if (rc == -ENOMEM)
		rc = lf_error_set(err, ENOMEM, "out of memory");
	else if (rc < 0)
		rc = lf_error_set(err, EIO, "%s: %s", st->store_path,
				  strerror(-rc));
out:
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	close(fd);
	return rc;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool is_blank(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
		    buf[i] != '\r')
			return false;
	return true;
}

/* A blank file is taken for an empty store only once it has been left
 * alone for BLANK_SETTLE_MS (by its mtime), or once we have waited that
 * long ourselves (the mtime may come from a skewed clock). */
static bool blank_may_fill(const struct filestamp *stamp,
			   long long waited_since)
{
	struct timespec now;
	long long age_ms;

	if (clock_now_ms() - waited_since >= BLANK_SETTLE_MS)
		return false;
	clock_gettime(CLOCK_REALTIME, &now);
	age_ms = (long long)(now.tv_sec - stamp->mtime.tv_sec) * 1000 +
		 (now.tv_nsec - stamp->mtime.tv_nsec) / 1000000;
	return age_ms < BLANK_SETTLE_MS;
}

/* One read and parse.  *blank: the file exists and holds only whitespace
 * (what lockdoc_parse takes for an empty store).  *garbled: it was read
 * whole and did not parse. */
static int load_once(struct file_store *st, struct lockdoc **doc,
		     struct filestamp *stamp, bool *blank, bool *garbled,
		     struct lf_error *err)
{
	char *buf;
	size_t len;
	int rc;

	*blank = false;
	*garbled = false;
	rc = read_store_file(st, &buf, &len, stamp, err);
	if (rc < 0)
		return rc;
	if (!stamp->present) {
		*doc = lockdoc_new();
		return *doc ? 0 : lf_error_set(err, ENOMEM, "out of memory");
	}
	*blank = is_blank(buf, len);
	rc = lockdoc_parse(buf, len, doc, err);
	*garbled = rc == -EIO;
	free(buf);
	return rc;
}

/* Read until the file parses and is not a fresh truncation.  A parse
 * failure is retried LOAD_ATTEMPTS times with growing pauses.  *damaged:
 * what was finally read is blank or does not parse. */
static int load_settled(struct file_store *st, struct lockdoc **doc,
			struct filestamp *got, bool *damaged, struct lf_error *err)
{
	long long start = clock_now_ms();
	unsigned failures = 0;
	bool blank, garbled;
	int rc;

	for (;;) {
		rc = load_once(st, doc, got, &blank, &garbled, err);
		*damaged = got->present && (garbled || (rc == 0 && blank));
		if (rc == 0 && blank && blank_may_fill(got, start)) {
			lockdoc_free(*doc);
			*doc = NULL;
			sleep_ms(BLANK_PAUSE_MS);
			continue;
		}
		if (rc != -EIO || ++failures == LOAD_ATTEMPTS)
			return rc;
		sleep_ms(10u << (failures - 1));
	}
}

/* ---- a store broken by a crash of the machine ---- */

static int lock_sidecar(struct file_store *st, struct lf_error *err);
static void unlock_sidecar(struct file_store *st);

/* The wall-clock time of this boot, from the btime line of /proc/stat;
 * 0 when unknown (then nothing is reset). */
static time_t read_boot_time(void)
{
	char line[256];
	long long v = 0;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &v) == 1)
			break;
	fclose(f);
	return v > 0 ? (time_t)v : 0;
}

static bool before_boot(struct file_store *st, const struct filestamp *stamp)
{
	if (st->boot_time == 0)
		st->boot_time = read_boot_time();
	return st->boot_time > 0 && stamp->mtime.tv_sec < st->boot_time;
}

/* Rename locks.json to locks.json.broken-<now>, never over an older one. */
static int move_aside(const struct file_store *st, char *kept, size_t size)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	int i, n;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	for (i = 0; i < BROKEN_TRIES; i++) {
		n = i ? snprintf(kept, size, "%s%s%s-%d", st->store_path,
				 BROKEN_SUFFIX, when, i)
		      : snprintf(kept, size, "%s%s%s", st->store_path,
				 BROKEN_SUFFIX, when);
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		if (renameat2(AT_FDCWD, st->store_path, AT_FDCWD, kept,
			      RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EEXIST)
			continue;
		/* A file system without RENAME_NOREPLACE: check, then
		 * rename (we hold the store's lock). */
		if (errno != EINVAL)
			return -errno;
		if (access(kept, F_OK) == 0)
			continue;
		return rename(st->store_path, kept) == 0 ? 0 : -errno;
	}
	return -EEXIST;
}

static void log_reset(const struct file_store *st, const char *kept)
{
	struct event ev = { .time = time(NULL), .event = "reset-broken-store" };
	const char *base = strrchr(kept, '/');

	if (!st->events_path[0])
		return;
	ev.kept = base ? base + 1 : kept;
	eventlog_append(st->events_path, &ev);
}

/* Set the damaged file seen at stamp aside, under the store's lock, unless
 * it has been replaced meanwhile.  0 when the caller may load again. */
static int reset_broken(struct file_store *st, const struct filestamp *stamp,
			struct lf_error *err)
{
	char kept[PATH_MAX];
	bool took_lock = !st->locked;
	struct filestamp now;
	int rc;

	if (took_lock) {
		rc = lock_sidecar(st, err);
		if (rc < 0)
			return rc;
	}
	rc = current_stamp(st, &now, err);
	if (rc < 0 || !filestamp_equal(&now, stamp))
		goto out;
	rc = move_aside(st, kept, sizeof(kept));
	if (rc < 0) {
		rc = lf_error_set(err, EIO, "%s: damaged before this boot, "
				  "and cannot be moved aside: %s",
				  st->store_path, strerror(-rc));
		goto out;
	}
	log_reset(st, kept);
out:
	if (took_lock)
		unlock_sidecar(st);
	return rc;
}

/* Load the current document into the cache unless it is already there.
 * A parse failure is retried for a writer caught half-way, and remembered
 * so that a broken file costs one stat per call, not a re-parse. */
static int refresh(struct file_store *st, struct lf_error *err)
{
	struct lockdoc *doc = NULL;
	struct lf_error local = { 0 };
	struct filestamp now, got;
	bool damaged, big;
	int rc;

	/* The failure is remembered even for callers that pass no err. */
	if (!err)
		err = &local;
	rc = current_stamp(st, &now, err);
	if (rc < 0)
		return rc;
	if (st->cache && filestamp_equal(&now, &st->cache_stamp))
		return 0;
	if (now.present && filestamp_equal(&now, &st->bad_stamp)) {
		*err = st->bad_error;
		return -st->bad_error.code;
	}
	/* The old document goes before the new one is parsed: a large store
	 * then never has two trees in memory. */
	big = st->cache_stamp.size >= TRIM_AFTER_BYTES ||
	      now.size >= TRIM_AFTER_BYTES;
	drop_cache(st);
	rc = load_settled(st, &doc, &got, &damaged, err);
	if (damaged && before_boot(st, &got)) {
		lockdoc_free(doc);
		doc = NULL;
		rc = reset_broken(st, &got, err);
		if (rc == 0)
			rc = load_settled(st, &doc, &got, &damaged, err);
	}
	if (big)
		malloc_trim(0);
	if (rc < 0) {
		if (rc == -EIO) {
			st->bad_stamp = got;
			st->bad_error = *err;
		}
		return rc;
	}
	st->cache = doc;
	st->cache_stamp = got;
	return 0;
}

static int file_read(struct store *s, const struct lockdoc **out,
		     struct lf_error *err)
{
	struct file_store *st = file_store(s);
	int rc = refresh(st, err);

	*out = rc < 0 ? NULL : st->cache;
	return rc;
}

/* ---- locking ---- */

static int open_sidecar(struct file_store *st, struct lf_error *err)
{
	int fd, e;

	if (st->sidecar_fd >= 0)
		return 0;
	/* 0600: flock works on a descriptor opened read-only, so a sidecar
	 * that other users may read is one they can lock forever. */
	fd = open(st->sidecar_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd >= 0) {
		st->sidecar_fd = fd;
		return 0;
	}
	e = errno;
	/* A read-only .locks/: flock works on a read-only descriptor, and
	 * the write that follows fails with the real reason (EROFS). */
	if (e == EACCES || e == EROFS)
		fd = open(st->sidecar_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		st->sidecar_fd = fd;
		return 0;
	}
	/* No sidecar to fall back on: still name that reason, not a bare
	 * I/O error. */
	if (e == EACCES || e == EROFS || e == ENOENT)
		return lf_error_set(err, e, "%s: %s", st->sidecar_path,
				    strerror(e));
	return lf_error_set(err, EIO, "%s: %s", st->sidecar_path, strerror(e));
}

/* True when the file we hold open is still the one at the sidecar path
 * (someone may have deleted and recreated it: then our flock excludes no
 * one). */
static bool sidecar_current(const struct file_store *st)
{
	return filestamp_fd_is_path(st->sidecar_fd, st->sidecar_path);
}

static int try_flock(struct file_store *st, long long deadline, unsigned *pause_us)
{
	struct timespec ts;

	while (flock(st->sidecar_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (clock_now_ms() >= deadline)
			return -EAGAIN;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)*pause_us * 1000L;
		nanosleep(&ts, NULL);
		if (*pause_us < 2000)
			*pause_us *= 2;
	}
	return 0;
}

static int lock_sidecar(struct file_store *st, struct lf_error *err)
{
	long long deadline = clock_now_ms() + st->lock_timeout_ms;
	unsigned pause_us = 50;
	int rc;

	for (;;) {
		rc = open_sidecar(st, err);
		if (rc < 0)
			return rc;
		rc = try_flock(st, deadline, &pause_us);
		if (rc == -EAGAIN)
			return lf_error_set(err, EAGAIN,
				"%s: still locked by another process after %u ms",
				st->sidecar_path, st->lock_timeout_ms);
		if (rc < 0)
			return lf_error_set(err, EIO, "%s: flock: %s",
					    st->sidecar_path, strerror(-rc));
		if (sidecar_current(st))
			return 0;
		close(st->sidecar_fd);
		st->sidecar_fd = -1;
	}
}

static void unlock_sidecar(struct file_store *st)
{
	flock(st->sidecar_fd, LOCK_UN);
}

/* ---- writing ---- */

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sync_dir(const struct file_store *st)
{
	int fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int write_error(const struct file_store *st, int rc, const char *what,
		       struct lf_error *err)
{
	return lf_error_set(err, -rc, "%s: %s: %s; the store is unchanged",
			    st->store_path, what, strerror(-rc));
}

/* Write doc to a new file and rename it over locks.json.  On success the
 * cache holds doc with the stamp of the renamed file. */
static int commit(struct file_store *st, struct lf_error *err)
{
	char tmp[PATH_MAX];
	struct stat sb;
	size_t len;
	char *text;
	int fd, rc;

	text = lockdoc_serialize(st->cache, &len);
	if (!text)
		return lf_error_set(err, ENOMEM, "out of memory");
	if (snprintf(tmp, sizeof(tmp), "%s/" TEMP_PREFIX "XXXXXX", st->dir) >=
	    (int)sizeof(tmp)) {
		free(text);
		return lf_error_set(err, ENAMETOOLONG, "%s: path too long", st->dir);
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = write_error(st, -errno, "cannot create a temporary file", err);
		free(text);
		return rc;
	}
	rc = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (rc == 0)
		rc = write_all(fd, text, len);
	if (rc == 0 && st->durability != DURABILITY_RENAME && fsync(fd) < 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, st->store_path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		rc = write_error(st, rc, "cannot write the new store", err);
		goto out;
	}
	if (st->durability == DURABILITY_FULL)
		sync_dir(st);
	/* fstat after the rename: the rename changed the ctime we compare. */
	if (fstat(fd, &sb) == 0)
		filestamp_of(&sb, &st->cache_stamp);
	else
		memset(&st->cache_stamp, 0, sizeof(st->cache_stamp));
out:
	close(fd);
	free(text);
	if (len >= TRIM_AFTER_BYTES)
		malloc_trim(0);
	return rc;
}

/* ---- the token high-water mark ---- */

/* The mark: a decimal number and a newline.  Missing means 0; so does a
 * file that does not hold a number (it is only ever written whole, by
 * rename, so that takes a deliberate edit), and the next token handed out
 * rewrites it.  It is read again only when its stamp changes: most
 * transactions hand out no token. */
#define TOKEN_MARK_MAX 32	/* bytes: a long long and a newline */

static long long parse_token_mark(const char *path)
{
	long long v = 0;
	char *buf, *end;
	size_t len;

	if (readfile_path(path, O_NOFOLLOW, TOKEN_MARK_MAX, &buf, &len, NULL) < 0)
		return 0;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || (*end && strcmp(end, "\n") != 0) || v < 0)
		v = 0;
	free(buf);
	return v;
}

static long long read_token_mark(struct file_store *st)
{
	struct filestamp now;

	if (!st->token_path[0] || filestamp_get(st->token_path, true, &now) < 0)
		return 0;
	if (st->mark_known && filestamp_equal(&now, &st->mark_stamp))
		return st->mark;
	st->mark = now.present ? parse_token_mark(st->token_path) : 0;
	st->mark_stamp = now;
	st->mark_known = true;
	return st->mark;
}

/* Record counter as the mark (temporary file, rename), before the store
 * that holds it replaces locks.json. */
static int write_token_mark(struct file_store *st, long long counter,
			    struct lf_error *err)
{
	char tmp[PATH_MAX], text[32];
	int fd, rc, len;

	len = snprintf(text, sizeof(text), "%lld\n", counter);
	/* Named like the store's own temporary files, so that the sweep
	 * removes one a killed transaction left. */
	if (snprintf(tmp, sizeof(tmp), "%s/" TEMP_PREFIX "XXXXXX", st->dir) >=
	    (int)sizeof(tmp))
		return lf_error_set(err, ENAMETOOLONG, "%s: path too long", st->dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return write_error(st, -errno, "cannot record the token counter", err);
	rc = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (rc == 0)
		rc = write_all(fd, text, (size_t)len);
	if (rc == 0 && st->durability != DURABILITY_RENAME && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, st->token_path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return write_error(st, rc, "cannot record the token counter", err);
	}
	st->mark_known = filestamp_get(st->token_path, true, &st->mark_stamp) == 0;
	st->mark = counter;
	return 0;
}

/* ---- temporary files left by killed transactions ---- */

static bool is_temp_name(const char *name)
{
	return strlen(name) == TEMP_NAME_LEN &&
	       strncmp(name, TEMP_PREFIX, sizeof(TEMP_PREFIX) - 1) == 0;
}

/* Remove the temporary files of transactions that died before their
 * rename.  Called under the sidecar lock, so no live transaction of ours
 * is writing one; the age limit still spares one whose writer locked a
 * sidecar that was replaced meanwhile (see sidecar_current).  Best
 * effort: litter must never fail a transaction. */
static void sweep_temp_files(const struct file_store *st)
{
	DIR *dir = opendir(st->dir);
	time_t now = time(NULL);
	struct dirent *de;
	struct stat sb;

	if (!dir)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (!is_temp_name(de->d_name) ||
		    fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		/* One that is not ours to remove (another owner, a
		 * read-only directory) costs nothing but a name. */
		if ((S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)) &&
		    now - sb.st_mtime >= TEMP_MAX_AGE_S)
			lf_ignore_result(unlinkat(dirfd(dir), de->d_name, 0));
	}
	closedir(dir);
}

/* At most one sweep a minute: a long-lived daemon also cleans up after
 * the processes that died while it ran. */
static void sweep_now_and_then(struct file_store *st)
{
	long long now = clock_now_ms();

	if (now < st->next_sweep_ms)
		return;
	st->next_sweep_ms = now + TEMP_MAX_AGE_S * 1000LL;
	sweep_temp_files(st);
}

static int file_transact(struct store *s, const struct store_txn *txn,
			 struct lf_error *err)
{
	struct file_store *st = file_store(s);
	long long mark, counter;
	int rc;

	rc = lock_sidecar(st, err);
	if (rc < 0)
		return rc;
	st->locked = true;
	sweep_now_and_then(st);
	rc = refresh(st, err);
	if (rc < 0)
		goto out;
	mark = read_token_mark(st);
	lockdoc_set_token_floor(st->cache, mark);
	rc = txn->apply(st->cache, txn->arg, err);
	if (rc <= 0) {
		/* apply promises not to edit when it returns 0; after an
		 * error it may have, so the cache is no longer the file. */
		if (rc < 0)
			drop_cache(st);
		goto out;
	}
	counter = lockdoc_token_counter(st->cache);
	if (st->token_path[0] && counter > mark)
		rc = write_token_mark(st, counter, err);
	if (rc >= 0)
		rc = commit(st, err);
	if (rc < 0) {
		drop_cache(st);
		goto out;
	}
	if (txn->committed)
		txn->committed(txn->arg);
out:
	st->locked = false;
	unlock_sidecar(st);
	return rc < 0 ? rc : 0;
}

static void file_configure(struct store *s, const struct lf_config *cfg)
{
	store_file_set_durability(s, cfg->durability);
}

/* ---- waiting for a change: inotify on the store's directory ---- */

struct file_watch {
	struct store_base base;		/* first: the interface (store.h) */
	struct waitchange *w;
};

static int file_watch_open(struct store *s, struct store_watch **out,
			   struct lf_error *err)
{
	struct file_store *st = file_store(s);
	const char *slash = strrchr(st->store_path, '/');
	struct file_watch *fw;
	int rc;

	*out = NULL;
	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return lf_error_set(err, ENOMEM, "out of memory");
	fw->base.ops = &file_ops;
	rc = waitchange_open(st->dir, slash ? slash + 1 : st->store_path,
			     &fw->w);
	if (rc < 0) {
		free(fw);
		return lf_error_set(err, -rc, "cannot watch %s: %s",
				    st->store_path, strerror(-rc));
	}
	*out = (struct store_watch *)fw;
	return 0;
}

static int file_watch_wait(struct store_watch *w,
			   const struct timespec *deadline,
			   const sigset_t *sigmask)
{
	return waitchange_wait(((struct file_watch *)w)->w, deadline, sigmask);
}

static void file_watch_close(struct store_watch *w)
{
	struct file_watch *fw = (struct file_watch *)w;

	waitchange_close(fw->w);
	free(fw);
}

static const struct store_ops file_ops = {
	.read = file_read,
	.transact = file_transact,
	.configure = file_configure,
	.watch_open = file_watch_open,
	.watch_wait = file_watch_wait,
	.watch_close = file_watch_close,
	.close = file_close,
};
