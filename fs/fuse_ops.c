/* fuse_ops.c - the lock file system: one FUSE handler per operation
 * (the mounted view), in the style of libfuse's example/hello.c.
 *
 * A file in the mount's root is a lock.  Each handler turns one system
 * call into one core operation (lockops.h) and returns its -errno:
 * creating or touching a file acquires or renews the lock, unlinking it
 * releases it, reading it shows the lock as one JSON object, and writing
 * to it stores the holder's note.  Who may do what is decided by
 * core/policy.c alone.  The caller of a request that changes a lock is
 * resolved afresh from the process that made the system call
 * (identity_resolve), because agents run every command in a new process;
 * only an open file descriptor remembers its opener, for the notes it
 * writes.
 *
 * The loop runs single-threaded (see fuse_ops.h), so the handlers share
 * the project without a lock of their own; every handler is bounded by
 * the store lock's deadline (-EAGAIN), so no request holds up the others
 * for long.  Kernel caches are off (zero timeouts, direct_io) because
 * other processes change locks.json behind the mount's back.
 */
#include "fuse_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "identity.h"
#include "isotime.h"
#include "lockops.h"
#include "lockview.h"

/* What one open file descriptor remembers between its calls. */
struct open_file {
	struct holder who;		/* the opener, when opened for writing */
	char name[NAME_MAX + 1];	/* the lock, when opened for writing */
	char *view;			/* content as of the last read at offset 0 */
	size_t view_len;
	/* The note is what this descriptor has written (a write at offset
	 * 0 starts it afresh): one line of at most NOTE_MAX_LEN bytes, plus
	 * room for a final "\r\n" and the terminating NUL.  It replaces
	 * the lock's note all at once when the descriptor is closed, and only
	 * if no write failed: at a close after a write (note_written), or at
	 * the last close of a descriptor truncated without a write after it
	 * (`: > file`; not at the first close: a shell closes its own copy of
	 * a redirection's descriptor before the command writes). */
	char note[NOTE_MAX_LEN + 3];
	size_t note_len;
	bool note_dirty;		/* truncated or written, not committed */
	bool note_written;
	bool write_failed;
	/* > 0: this open took the lock (acquired or took it over) with this
	 * token; undone at close if a write failed. */
	long long acquired_token;
};

static struct mount_ctx *mount_ctx(void)
{
	return fuse_get_context()->private_data;
}

/* The resource a path names, or NULL for the root (and for paths below
 * a file, which the kernel never sends: files are not directories). */
static const char *lock_name(const char *path)
{
	if (!path || path[0] != '/' || path[1] == '\0' || strchr(path + 1, '/'))
		return NULL;
	return path + 1;
}

/* Entries that other writers put in locks.json may have names no file
 * can have, or dot-names that ls would hide: those are not shown as
 * files at all (lockfs status still lists them). */
static bool file_name_ok(const char *name)
{
	return name[0] != '\0' && name[0] != '.' && !strchr(name, '/') &&
	       strlen(name) <= NAME_MAX;
}

/* The core calls below always get an error slot, though the daemon has
 * nowhere to show the message: the store remembers a file that does not
 * parse only when it can keep the reason, and that spares every later
 * request the re-reads meant for a writer caught half-way. */

static int resolve_caller(struct holder *who)
{
	struct lf_error err = { 0 };

	return identity_resolve(project_proc_root(mount_ctx()->p),
				fuse_get_context()->pid, who, &err);
}

/* note: NULL keeps the lock's note, "" empties it (see lockops.h).  o
 * (may be NULL) gets what happened. */
static int request(const struct holder *who, enum lock_request req,
		   const char *name, const char *note, struct lock_outcome *o)
{
	struct lf_error err = { 0 };
	const char *names[] = { name };

	return lockops_request(mount_ctx()->p, who, req, names, 1, note,
			       time(NULL), o, &err);
}

static int set_note(const struct holder *who, const char *name,
		    const char *note)
{
	struct lf_error err = { 0 };

	return lockops_set_note(mount_ctx()->p, who, name, note, time(NULL),
				&err);
}

static int find_at(const char *name, time_t now, struct lock_view *v)
{
	struct lf_error err = { 0 };

	return lockops_find(mount_ctx()->p, name, now, v, &err);
}

static int find(const char *name, struct lock_view *v)
{
	return find_at(name, time(NULL), v);
}

/* The instant a lock's content is rendered for.  `tar` takes the size
 * from stat() and then reads that many bytes: if the age in the content
 * gained a digit in between (9 s to 10 s), the archive would hold a cut
 * JSON object.  So requests for one lock that follow each other closely
 * (stat, the kernel's lookup at open, the read) all render it for the
 * instant the first of them chose; a lock asked about again after a
 * pause, or for longer than RENDER_HOLD_MAX in a row, gets the time of
 * day afresh, so ages never lag by more than that; so does every lock
 * once the wall clock is stepped (it then disagrees with the monotonic
 * one), so that a step shows at once, and a lock whose entry changed
 * (renewed, taken over, edited by hand): its content changes anyway, and
 * its age must count from the new timestamp at the time of day. */
#define RENDER_SLOTS 16
#define RENDER_GAP_NS 1000000000LL	/* a pause longer than this: afresh */
#define RENDER_HOLD_MAX 2		/* seconds one instant is kept at most */

static struct render_slot {
	char name[NAME_MAX + 1];
	time_t now;			/* the instant rendered for */
	long long first, last;		/* monotonic ns: chosen, last used */
	time_t ts;			/* the entry rendered: its timestamp */
	long long token;		/* and its token */
} render_slots[RENDER_SLOTS];
static unsigned render_next;

static long long monotonic_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct render_slot *render_slot(const char *name, bool *fresh)
{
	long long mono = monotonic_ns();
	time_t wall = time(NULL);
	struct render_slot *s;
	unsigned i;

	*fresh = false;
	for (i = 0; i < RENDER_SLOTS; i++) {
		s = &render_slots[i];
		if (strcmp(s->name, name) != 0)
			continue;
		if (mono - s->last <= RENDER_GAP_NS &&
		    mono - s->first <= RENDER_HOLD_MAX * 1000000000LL &&
		    wall >= s->now && wall - s->now <= RENDER_HOLD_MAX + 1) {
			s->last = mono;
			return s;
		}
		break;
	}
	if (i == RENDER_SLOTS)
		s = &render_slots[render_next++ % RENDER_SLOTS];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->now = wall;
	s->first = s->last = mono;
	*fresh = true;
	return s;
}

/* find() for the instant name's content is rendered for (above). */
static int find_rendered(const char *name, struct lock_view *v)
{
	struct render_slot *s;
	bool fresh;
	int rc;

	s = render_slot(name, &fresh);
	rc = find_at(name, s->now, v);
	if (rc == 0 && !fresh && (v->e.ts != s->ts || v->e.token != s->token)) {
		s->now = time(NULL);
		s->first = s->last = monotonic_ns();
		rc = find_at(name, s->now, v);
	}
	if (rc == 0) {
		s->ts = v->e.ts;
		s->token = v->e.token;
	}
	return rc;
}

/* mtime is the lock's timestamp, as a reader of locks.json would see it;
 * an unreadable one falls back to the first acquisition, then to now. */
static time_t lock_time(const struct lock_view *v)
{
	time_t t;

	if (v->e.ts_ok)
		return v->e.ts;
	if (v->e.acquired && isotime_parse(v->e.acquired, &t) == 0)
		return t;
	return time(NULL);
}

/* The holder's uid as recorded, unless absent or not a uid at all (the
 * store is hand-editable): then the mounting user's. */
static uid_t holder_uid(const struct lock_view *v)
{
	uid_t uid = (uid_t)v->e.uid;

	if (v->e.uid < 0 || (long long)uid != v->e.uid || uid == (uid_t)-1)
		return mount_ctx()->uid;
	return uid;
}

static int root_attr(struct stat *st)
{
	const struct mount_ctx *ctx = mount_ctx();
	struct stat store;

	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	st->st_uid = ctx->uid;
	st->st_gid = ctx->gid;
	if (stat(project_path(ctx->p, PROJECT_STORE), &store) == 0) {
		st->st_mtim = store.st_mtim;
	} else {
		st->st_mtim.tv_sec = ctx->started;
	}
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
	return 0;
}

static int lf_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	const char *name = lock_name(path);
	struct lock_view v;
	size_t len;
	char *json;
	int rc;

	memset(st, 0, sizeof(*st));
	if (path && strcmp(path, "/") == 0)
		return root_attr(st);
	if (!name || !file_name_ok(name))
		return -ENOENT;
	rc = find_rendered(name, &v);
	if (rc < 0)
		return rc;
	/* The size is the exact length of what a read returns now. */
	json = lockview_json(&v, LOCKVIEW_FILE, &len);
	if (!json)
		return -ENOMEM;
	free(json);
	st->st_mode = S_IFREG | (v.stale == STALE_NONE ? 0644 : 0444);
	st->st_nlink = 1;
	st->st_size = (off_t)len;
	st->st_blocks = (blkcnt_t)((len + 511) / 512);
	st->st_uid = holder_uid(&v);
	st->st_gid = mount_ctx()->gid;
	st->st_mtim.tv_sec = lock_time(&v);
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
	return 0;
}

static int lf_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct lf_error err = { 0 };
	struct lock_list list;
	size_t i;
	int rc;

	if (strcmp(path, "/") != 0)
		return -ENOTDIR;
	rc = lockops_list(mount_ctx()->p, time(NULL), &list, &err);
	if (rc < 0)
		return rc;
	/* With offset 0 throughout, fill only fails when out of memory. */
	if (fill(buf, ".", NULL, 0, 0) || fill(buf, "..", NULL, 0, 0))
		rc = -ENOMEM;
	for (i = 0; i < list.n && rc == 0; i++) {
		const struct lock_view *v = &list.v[i];

		if (v->duplicate || !file_name_ok(v->e.resource))
			continue;
		if (fill(buf, v->e.resource, NULL, 0, 0))
			rc = -ENOMEM;
	}
	lock_list_free(&list);
	return rc;
}

static struct open_file *file_of(const struct fuse_file_info *fi)
{
	return (struct open_file *)(uintptr_t)fi->fh;
}

/* Tie of to the kernel's open file, or drop it when the open failed. */
static int attach(struct fuse_file_info *fi, struct open_file *of, int rc)
{
	if (rc < 0) {
		free(of);
		return rc;
	}
	fi->fh = (uint64_t)(uintptr_t)of;
	return 0;
}

/* A descriptor opened for writing: its opener takes or renews the lock
 * (the note stays until the descriptor is closed, see struct open_file;
 * O_TRUNC empties it then).  `: > file` and `echo text > file` open
 * with O_TRUNC. */
static int open_for_writing(struct open_file *of, enum lock_request req,
			    const char *name, int flags)
{
	struct lock_outcome o = { 0 };
	int rc;

	snprintf(of->name, sizeof(of->name), "%s", name);
	rc = resolve_caller(&of->who);
	if (rc == 0)
		rc = request(&of->who, req, name, NULL, &o);
	if (rc < 0)
		return rc;
	if (o.action == ACT_ACQUIRE || o.action == ACT_TAKE_OVER)
		of->acquired_token = o.token;
	of->note_dirty = flags & O_TRUNC;
	return 0;
}

static int lf_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	const char *name = lock_name(path);
	struct open_file *of;

	if (!name || name[0] == '.')
		return -EPERM;
	/* O_RDONLY|O_CREAT is how flock(1) opens its lock file: a create
	 * that means to read is not a deliberate acquisition, and would leave
	 * a lock nobody releases.  EACCES: the access asked for does not
	 * allow it (open(2)'s "write access to the directory" refusal), and
	 * unlike EISDIR it makes flock(1) give up rather than retry. */
	if ((fi->flags & O_ACCMODE) == O_RDONLY)
		return -EACCES;
	of = calloc(1, sizeof(*of));
	if (!of)
		return -ENOMEM;
	return attach(fi, of, open_for_writing(of,
		fi->flags & O_EXCL ? REQ_CREATE_EXCL : REQ_CREATE, name,
		fi->flags));
}

/* A lock can vanish between the kernel's LOOKUP, which found it, and its
 * OPEN, which then no longer carries O_CREAT: `touch` would fail with
 * ENOENT although the lock is free.  The first such open is answered
 * ESTALE, which makes the kernel walk the path once more with
 * revalidation (LOOKUP_REVAL): the new walk finds no file, and an open
 * with O_CREAT becomes a create.  Should the lock vanish again between
 * that walk's LOOKUP (another holder had it once more) and its OPEN, a
 * second ESTALE would reach the caller: the retry is recognised (same
 * thread, same name, just after) and answered as the lock was when that
 * walk looked, held by another (EEXIST) for a write, gone (ENOENT) for a
 * read.  A lock released through the mount makes libfuse itself answer
 * the first OPEN with ESTALE (its node is gone), which this table does
 * not see: so an open that finds a lock gone just after it was unlinked
 * through the mount is taken for a retry as well.  EEXIST is never a
 * wrong answer here (the walk found the lock held), only a less lucky
 * one.  The loop is single-threaded, so the tables need no lock. */
#define VANISHED_SLOTS 8
#define VANISHED_RETRY_MS 1000
#define UNLINKED_RETRY_MS 200

static struct {
	pid_t tid;
	long long when_ms;
	char name[NAME_MAX + 1];
} vanished[VANISHED_SLOTS];
static unsigned vanished_next;

static struct {
	long long when_ms;
	char name[NAME_MAX + 1];
} unlinked;

static int lock_vanished(const char *name, bool writing)
{
	pid_t tid = fuse_get_context()->pid;
	long long now = clock_now_ms();
	unsigned i;

	if (now - unlinked.when_ms <= UNLINKED_RETRY_MS &&
	    strcmp(unlinked.name, name) == 0)
		return writing ? -EEXIST : -ENOENT;
	for (i = 0; i < VANISHED_SLOTS; i++) {
		if (vanished[i].tid != tid ||
		    now - vanished[i].when_ms > VANISHED_RETRY_MS ||
		    strcmp(vanished[i].name, name) != 0)
			continue;
		vanished[i].tid = 0;
		return writing ? -EEXIST : -ENOENT;
	}
	i = vanished_next++ % VANISHED_SLOTS;
	vanished[i].tid = tid;
	vanished[i].when_ms = now;
	snprintf(vanished[i].name, sizeof(vanished[i].name), "%s", name);
	return -ESTALE;
}

static int lf_open(const char *path, struct fuse_file_info *fi)
{
	const char *name = lock_name(path);
	struct open_file *of;
	struct lock_view v;
	int rc;

	if (!name)
		return -ENOENT;
	of = calloc(1, sizeof(*of));
	if (!of)
		return -ENOMEM;
	if ((fi->flags & O_ACCMODE) == O_RDONLY)
		rc = find(name, &v);
	else
		rc = open_for_writing(of, REQ_OPEN_WRITE, name, fi->flags);
	if (rc == -ENOENT)
		rc = lock_vanished(name, (fi->flags & O_ACCMODE) != O_RDONLY);
	return attach(fi, of, rc);
}

static int refresh_view(struct open_file *of, const char *name)
{
	struct lock_view v;
	size_t len;
	char *json;
	int rc;

	if (!name)
		return -ENOENT;
	rc = find_rendered(name, &v);
	if (rc < 0)
		return rc;
	json = lockview_json(&v, LOCKVIEW_FILE, &len);
	if (!json)
		return -ENOMEM;
	free(of->view);
	of->view = json;
	of->view_len = len;
	return 0;
}

/* A read from the start takes a fresh snapshot; the reads that follow it
 * continue that snapshot, so a reader never gets two halves of different
 * versions (the age in it changes every second). */
static int lf_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct open_file *of = file_of(fi);
	int rc;

	if (off == 0 || !of->view) {
		rc = refresh_view(of, lock_name(path));
		if (rc < 0)
			return rc;
	}
	if (off < 0 || (size_t)off >= of->view_len)
		return 0;
	if (size > of->view_len - (size_t)off)
		size = of->view_len - (size_t)off;
	memcpy(buf, of->view + off, size);
	return (int)size;
}

/* Add what a write brought to the descriptor's note.  A NUL would end
 * the note early, so it becomes a space like other control characters.
 * Too long a note is refused rather than silently cut. */
static int note_append(struct open_file *of, const char *buf, size_t size)
{
	size_t i, body, old = of->note_len;

	if (size > sizeof(of->note) - 1 - of->note_len)
		return -EFBIG;
	for (i = 0; i < size; i++)
		of->note[of->note_len++] = buf[i] ? buf[i] : ' ';
	of->note[of->note_len] = '\0';
	body = of->note_len;
	while (body > 0 && (of->note[body - 1] == '\n' ||
			    of->note[body - 1] == '\r'))
		body--;
	if (body <= NOTE_MAX_LEN)
		return 0;
	of->note_len = old;
	of->note[old] = '\0';
	return -EFBIG;
}

/* Offsets other than 0 only continue this descriptor's note: `>>`
 * appends at the end of the JSON, which is not part of the note.  A
 * failed write marks the descriptor: its close then changes nothing,
 * and undoes the acquisition its open made. */
static int lf_write(const char *path, const char *buf, size_t size,
		    off_t off, struct fuse_file_info *fi)
{
	struct open_file *of = file_of(fi);
	int rc;

	if (off == 0) {
		of->note_len = 0;
		of->note[0] = '\0';
	}
	rc = note_append(of, buf, size);
	if (rc < 0) {
		of->write_failed = true;
		return rc;
	}
	of->note_dirty = true;
	of->note_written = true;
	return (int)size;
}

/* Only truncation to nothing means something (empty the note, as `: >`
 * does); the lock's content cannot be given another length. */
static int lf_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	const char *name = lock_name(path);
	struct holder who;
	int rc;

	if (!name)
		return -ENOENT;
	if (size != 0)
		return -EPERM;
	if (fi) {
		/* ftruncate on a descriptor opened for writing: the open
		 * already renewed (or took) the lock for its opener; the
		 * note empties when it is closed. */
		file_of(fi)->note_len = 0;
		file_of(fi)->note[0] = '\0';
		file_of(fi)->note_dirty = true;
		return 0;
	}
	rc = resolve_caller(&who);
	if (rc == 0)
		rc = request(&who, REQ_OPEN_WRITE, name, "", NULL);
	return rc;
}

static int lf_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	const char *name = lock_name(path);
	struct holder who;
	int rc;

	/* The only other path is the root, whose times are the store's. */
	if (!name)
		return -EPERM;
	rc = resolve_caller(&who);
	if (rc == 0)
		rc = request(&who, REQ_OPEN_WRITE, name, NULL, NULL);
	return rc;
}

static int lf_unlink(const char *path)
{
	const char *name = lock_name(path);
	struct holder who;
	int rc;

	if (!name)
		return -ENOENT;
	rc = resolve_caller(&who);
	if (rc == 0)
		rc = request(&who, REQ_UNLINK, name, NULL, NULL);
	if (rc == 0) {
		unlinked.when_ms = clock_now_ms();
		snprintf(unlinked.name, sizeof(unlinked.name), "%s", name);
	}
	return rc;
}

/* What a descriptor opened for writing leaves when closed: its note, or,
 * after a failed write, the lock as it was before (the acquisition made
 * by its open undone, if the lock is still that acquisition; an older
 * lock's note untouched). */
static int finish_writes(struct open_file *of, bool last)
{
	struct lf_error err = { 0 };
	struct lock_outcome o;
	int rc = 0;

	if (of->write_failed) {
		if (of->acquired_token <= 0)
			return 0;
		rc = lockops_release_token(mount_ctx()->p, &of->who, of->name,
					   of->acquired_token, time(NULL), &o,
					   &err);
		of->acquired_token = 0;
		/* Released since, or taken over: nothing left to undo. */
		return rc == -ENOENT || rc == -EEXIST ? 0 : rc;
	}
	if (!of->note_dirty || !(of->note_written || last))
		return 0;
	rc = set_note(&of->who, of->name, of->note);
	of->note_dirty = false;
	of->note_written = false;
	return rc;
}

/* Called on every close() of the descriptor (and its duplicates), before
 * close returns: a note written is in place when the writer's command
 * ends, and so is the undoing of a failed one's acquisition. */
static int lf_flush(const char *path, struct fuse_file_info *fi)
{
	return finish_writes(file_of(fi), false);
}

/* The last close; the kernel sends it before any later request of the
 * process that closed. */
static int lf_release(const char *path, struct fuse_file_info *fi)
{
	struct open_file *of = file_of(fi);

	finish_writes(of, true);
	free(of->view);
	free(of);
	return 0;
}

/* The mount holds locks and nothing else: no directories, no other kinds
 * of file, no second names, and no modes or owners to set (a lock's mode
 * and owner say whether it is stale and who holds it). */
static int lf_mkdir(const char *path, mode_t mode)
{
	return -EPERM;
}

static int lf_mknod(const char *path, mode_t mode, dev_t dev)
{
	return -EPERM;
}

static int lf_symlink(const char *target, const char *path)
{
	return -EPERM;
}

static int lf_link(const char *from, const char *to)
{
	return -EPERM;
}

static int lf_rename(const char *from, const char *to, unsigned int flags)
{
	return -EPERM;
}

static int lf_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return -EPERM;
}

static int lf_chown(const char *path, uid_t uid, gid_t gid,
		    struct fuse_file_info *fi)
{
	return -EPERM;
}

static int lf_setxattr(const char *path, const char *name, const char *value,
		       size_t size, int flags)
{
	return -EPERM;
}

static void *lf_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct mount_ctx *ctx = mount_ctx();

	/* Another process may change locks.json at any moment: the kernel
	 * must ask every time, and an unlinked lock must vanish at once
	 * instead of being renamed to a hidden file. */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	cfg->hard_remove = 1;
	if (ctx->on_ready)
		ctx->on_ready(ctx->ready_arg);
	return ctx;
}

static const struct fuse_operations lf_ops = {
	.init = lf_init,
	.getattr = lf_getattr,
	.readdir = lf_readdir,
	.create = lf_create,
	.open = lf_open,
	.read = lf_read,
	.write = lf_write,
	.truncate = lf_truncate,
	.utimens = lf_utimens,
	.unlink = lf_unlink,
	.flush = lf_flush,
	.release = lf_release,
	.mkdir = lf_mkdir,
	.mknod = lf_mknod,
	.symlink = lf_symlink,
	.link = lf_link,
	.rename = lf_rename,
	.chmod = lf_chmod,
	.chown = lf_chown,
	.setxattr = lf_setxattr,
};

const struct fuse_operations *lockfs_fuse_operations(void)
{
	return &lf_ops;
}
