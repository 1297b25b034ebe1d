/* store_etcd.c - the etcd backend; see store_etcd.h for the data model.
 *
 * Three parts.  Snapshots: one etcd request reads the locks a transaction
 * names (or all), the live leases and the token base at one revision, and
 * becomes a lockdoc, so lockops and the policy run exactly as on the file
 * backend.  Commits: the document after apply is compared with the one
 * before, entry by entry, and the difference goes to etcd as one txn whose
 * compares are the revisions read.  Long-running processes: a keeper
 * thread holds this machine's lease, and for the mount daemon a watcher
 * thread keeps a view of every lock that reads are served from.
 *
 * Each thread has its own etcd client (etcd.h clients are not shared);
 * the view and the lease are the only state they share with the caller's
 * thread, under view_mu.
 */
#include "store_etcd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>


#include "clock.h"
#include "etcd.h"
#include "eventlog.h"
#include "filestamp.h"
#include "identity.h"
#include "lockvalue.h"
#include "readfile.h"
#include "writefile.h"

#define KEY_MAX 1024
#define LEASE_HEX_MAX 17		/* 16 hex digits and a NUL */
#define TXN_ATTEMPTS 64			/* before a busy store is -EAGAIN */
#define CATCH_UP_MS 1000		/* for the watch to deliver our commit */
#define WATCH_POLL_MS 1000		/* store_watch_wait's longest sleep */
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 2000
#define ELECTION_MS 5000		/* how long "no leader" is waited out */
#define PENDING_MAX 4096		/* changes kept before a rebuild */
#define KEEPER_MAX_MS 1000		/* the longest pause between keep-alives */
#define PASSWORD_MAX 512

/* ---- snapshots ---- */

struct snapshot {
	struct lock_kv *kv;		/* sorted by resource */
	size_t n, cap;
	char **leases;			/* live lease ids (hex), sorted */
	size_t n_leases, cap_leases;
	long long base;			/* token base */
	long long base_mod;		/* its mod_revision, 0: absent */
	long long revision;
};

struct view {
	struct snapshot snap;		/* every lock, at snap.revision */
	bool connected;			/* the watch delivers changes */
	/* The locks' changes since the document handed out was brought up
	 * to date (value NULL: deleted), so that a change costs one entry,
	 * not the document; rebuild: too many, or a new full read. */
	struct lock_kv *pending;
	size_t n_pending, cap_pending;
	bool rebuild;
};

struct etcd_store {
	struct store_base base;		/* first: the interface (store.h) */
	struct etcd_settings settings;
	char *strings[ETCD_MAX_ENDPOINTS + 8];	/* what settings points to */
	size_t n_strings;
	char prefix[KEY_MAX];
	char locks_key[KEY_MAX], locks_end[KEY_MAX];
	char leases_key[KEY_MAX], leases_end[KEY_MAX];
	char base_key[KEY_MAX], prefix_end[KEY_MAX];
	char lease_path[PATH_MAX];
	char revision_path[PATH_MAX];
	struct filestamp revision_stamp;	/* revision_path as last read */
	long long local_revision;		/* ... and what it said */
	unsigned lease_seconds;
	struct etcd *c;			/* the caller's thread's client */
	struct lockdoc *doc;		/* what the last read handed out */
	struct snapshot seen;		/* leases of the last snapshot used */
	bool seen_valid;
	long long seen_revision;	/* the newest this process read or wrote */
	char borrowed[LEASE_HEX_MAX];	/* the daemon's, read from lease_path */

	/* shared with the keeper and watcher threads, under view_mu */
	pthread_mutex_t view_mu;
	pthread_cond_t view_cv;
	bool threads;			/* keeper (and maybe watcher) started */
	bool follow;
	bool quit;
	volatile bool watch_stop;	/* the watcher's etcd_watch ends */
	bool healthy;			/* the last keep-alive was answered */
	char own_lease[LEASE_HEX_MAX];
	long long own_lease_id;
	struct view view;
	bool doc_from_view;
	pthread_t keeper, watcher;
};

static const struct store_ops etcd_ops;

static struct etcd_store *etcd_store(struct store *s)
{
	return (struct etcd_store *)s;
}

static void snapshot_free(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->kv[i].resource);
		free(s->kv[i].value);
	}
	for (i = 0; i < s->n_leases; i++)
		free(s->leases[i]);
	free(s->kv);
	free(s->leases);
	memset(s, 0, sizeof(*s));
}

static ssize_t find_kv(const struct snapshot *s, const char *resource,
		       bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->kv[mid].resource, resource);

		if (c == 0) {
			*found = true;
			return (ssize_t)mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return (ssize_t)lo;
}

/* Insert or replace (value NULL: remove) resource's lock. */
static int snapshot_set(struct snapshot *s, const char *resource,
			const char *value, long long mod_revision)
{
	bool found;
	size_t at = (size_t)find_kv(s, resource, &found);
	char *v = NULL, *r = NULL;

	if (!value) {
		if (!found)
			return 0;
		free(s->kv[at].resource);
		free(s->kv[at].value);
		memmove(&s->kv[at], &s->kv[at + 1],
			(s->n - at - 1) * sizeof(*s->kv));
		s->n--;
		return 0;
	}
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	if (found) {
		free(s->kv[at].value);
		s->kv[at].value = v;
		s->kv[at].mod_revision = mod_revision;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct lock_kv *kv = realloc(s->kv, cap * sizeof(*kv));

		if (!kv)
			goto nomem;
		s->kv = kv;
		s->cap = cap;
	}
	r = strdup(resource);
	if (!r)
		goto nomem;
	memmove(&s->kv[at + 1], &s->kv[at], (s->n - at) * sizeof(*s->kv));
	s->kv[at] = (struct lock_kv){ r, v, mod_revision };
	s->n++;
	return 0;
nomem:
	free(v);
	return -ENOMEM;
}

static ssize_t find_lease(const struct snapshot *s, const char *id,
			  bool *found)
{
	size_t lo = 0, hi = s->n_leases;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->leases[mid], id);

		if (c == 0) {
			*found = true;
			return (ssize_t)mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return (ssize_t)lo;
}

static int lease_set(struct snapshot *s, const char *id, bool alive)
{
	bool found;
	size_t at = (size_t)find_lease(s, id, &found);
	char *copy;

	if (found == alive)
		return 0;
	if (!alive) {
		free(s->leases[at]);
		memmove(&s->leases[at], &s->leases[at + 1],
			(s->n_leases - at - 1) * sizeof(*s->leases));
		s->n_leases--;
		return 0;
	}
	if (s->n_leases == s->cap_leases) {
		size_t cap = s->cap_leases ? 2 * s->cap_leases : 8;
		char **l = realloc(s->leases, cap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		s->leases = l;
		s->cap_leases = cap;
	}
	copy = strdup(id);
	if (!copy)
		return -ENOMEM;
	memmove(&s->leases[at + 1], &s->leases[at],
		(s->n_leases - at) * sizeof(*s->leases));
	s->leases[at] = copy;
	s->n_leases++;
	return 0;
}

static int snapshot_copy_leases(struct snapshot *dst, const struct snapshot *src)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < dst->n_leases; i++)
		free(dst->leases[i]);
	dst->n_leases = 0;
	for (i = 0; i < src->n_leases && rc == 0; i++)
		rc = lease_set(dst, src->leases[i], true);
	return rc;
}

/* Where a key belongs: a lock (its resource in *rest), a lease (its id),
 * the token base, or nothing of ours. */
enum key_kind { KEY_OTHER, KEY_LOCK, KEY_LEASE, KEY_BASE };

static enum key_kind classify(const struct etcd_store *st, const char *key,
			      const char **rest)
{
	size_t nl = strlen(st->locks_key), ne = strlen(st->leases_key);

	if (strncmp(key, st->locks_key, nl) == 0 && key[nl]) {
		*rest = key + nl;
		return KEY_LOCK;
	}
	if (strncmp(key, st->leases_key, ne) == 0 && key[ne]) {
		*rest = key + ne;
		return KEY_LEASE;
	}
	if (strcmp(key, st->base_key) == 0)
		return KEY_BASE;
	return KEY_OTHER;
}

static long long parse_base(const char *value)
{
	char *end;
	long long v = strtoll(value, &end, 10);

	return end != value && v > 0 ? v : 0;
}

/* Fold one key-value pair (value NULL: deleted) into s. */
static int snapshot_apply(const struct etcd_store *st, struct snapshot *s,
			  const char *key, const char *value,
			  long long mod_revision)
{
	const char *rest = NULL;

	switch (classify(st, key, &rest)) {
	case KEY_LOCK:
		return snapshot_set(s, rest, value, mod_revision);
	case KEY_LEASE:
		return lease_set(s, rest, value != NULL);
	case KEY_BASE:
		s->base = value ? parse_base(value) : 0;
		s->base_mod = value ? mod_revision : 0;
		return 0;
	case KEY_OTHER:
		break;
	}
	return 0;
}

static int snapshot_add_kvs(const struct etcd_store *st, struct snapshot *s,
			    const struct etcd_kvs *kvs)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < kvs->n && rc == 0; i++)
		rc = snapshot_apply(st, s, kvs->kv[i].key, kvs->kv[i].value,
				    kvs->kv[i].mod_revision);
	return rc;
}

/* Read names' locks (all when names is NULL), the leases and the token
 * base, at one revision. */
static int read_snapshot(struct etcd_store *st, struct etcd *c,
			 const char *const *names, size_t n,
			 struct snapshot *out, struct lf_error *err)
{
	struct etcd_op *ops;
	char (*keys)[KEY_MAX] = NULL;
	struct etcd_txn_result res = { 0 };
	size_t i, nops = names ? n + 2 : 3;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (nops > STORE_ETCD_MAX_TXN_OPS)
		return lf_error_set(err, E2BIG,
				    "at most %d locks can be taken in one request on etcd",
				    STORE_ETCD_MAX_TXN_OPS - 2);
	ops = calloc(nops, sizeof(*ops));
	if (names)
		keys = calloc(n ? n : 1, sizeof(*keys));
	if (!ops || (names && !keys)) {
		rc = lf_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ops[0] = (struct etcd_op){ .kind = ETCD_OP_RANGE, .key = st->leases_key,
				   .range_end = st->leases_end };
	ops[1] = (struct etcd_op){ .kind = ETCD_OP_RANGE, .key = st->base_key };
	if (!names)
		ops[2] = (struct etcd_op){ .kind = ETCD_OP_RANGE,
					   .key = st->locks_key,
					   .range_end = st->locks_end };
	for (i = 0; names && i < n; i++) {
		if ((size_t)snprintf(keys[i], KEY_MAX, "%s%s", st->locks_key,
				     names[i]) >= KEY_MAX) {
			rc = lf_error_set(err, ENAMETOOLONG, "%s: name too long",
					  names[i]);
			goto out;
		}
		ops[i + 2] = (struct etcd_op){ .kind = ETCD_OP_RANGE,
					       .key = keys[i] };
	}
	rc = etcd_txn(c, NULL, 0, ops, nops, NULL, 0, &res, err);
	if (rc < 0)
		goto out;
	out->revision = res.revision;
	for (i = 0; i < res.n_ranges && rc == 0; i++)
		rc = snapshot_add_kvs(st, out, &res.ranges[i]);
	if (rc < 0)
		rc = lf_error_set(err, -rc, "out of memory");
out:
	etcd_txn_result_free(&res);
	free(ops);
	free(keys);
	if (rc < 0)
		snapshot_free(out);
	return rc;
}

/* ---- the view's pending changes ---- */

static void free_pending(struct lock_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].resource);
		free(kv[i].value);
	}
	free(kv);
}

static void drop_pending(struct view *v)
{
	free_pending(v->pending, v->n_pending);
	v->pending = NULL;
	v->n_pending = v->cap_pending = 0;
	v->rebuild = true;
}

/* Remember a lock's change for the next read (under view_mu). */
static void note_pending(struct view *v, const char *resource,
			 const char *value)
{
	struct lock_kv *kv;
	size_t cap;

	if (v->rebuild)
		return;
	if (v->n_pending == v->cap_pending) {
		cap = v->cap_pending ? 2 * v->cap_pending : 16;
		kv = cap <= PENDING_MAX ?
			     realloc(v->pending, cap * sizeof(*kv)) : NULL;
		if (!kv) {
			drop_pending(v);
			return;
		}
		v->pending = kv;
		v->cap_pending = cap;
	}
	kv = &v->pending[v->n_pending];
	kv->resource = strdup(resource);
	kv->value = value ? strdup(value) : NULL;
	kv->mod_revision = 0;
	v->n_pending++;
	if (!kv->resource || (value && !kv->value))
		drop_pending(v);
}

/* ---- snapshots as documents ---- */

static int snapshot_doc(const struct snapshot *s, struct lockdoc **out,
			struct lf_error *err)
{
	return lockvalue_doc(s->kv, s->n, out, err);
}

/* ---- commits ---- */

struct change_set {
	struct etcd_cmp cmp[STORE_ETCD_MAX_TXN_OPS];
	struct etcd_op op[STORE_ETCD_MAX_TXN_OPS];
	char key[STORE_ETCD_MAX_TXN_OPS][KEY_MAX];
	size_t n;
};

static int add_change(struct etcd_store *st, struct change_set *cs,
		      const struct snapshot *snap, const char *resource,
		      const char *json, struct lf_error *err)
{
	bool found;
	ssize_t at = find_kv(snap, resource, &found);
	size_t k = cs->n;

	if (k == STORE_ETCD_MAX_TXN_OPS)
		return lf_error_set(err, E2BIG,
				    "more than %d locks change in one transaction; etcd takes at most %d operations in one",
				    STORE_ETCD_MAX_TXN_OPS, STORE_ETCD_MAX_TXN_OPS);
	if ((size_t)snprintf(cs->key[k], KEY_MAX, "%s%s", st->locks_key,
			     resource) >= KEY_MAX)
		return lf_error_set(err, ENAMETOOLONG, "%s: name too long",
				    resource);
	cs->cmp[k] = (struct etcd_cmp){
		.key = cs->key[k],
		.target = found ? ETCD_MOD_REVISION : ETCD_CREATE_REVISION,
		.result = ETCD_EQUAL,
		.number = found ? snap->kv[at].mod_revision : 0,
	};
	cs->op[k] = (struct etcd_op){
		.kind = json ? ETCD_OP_PUT : ETCD_OP_DELETE,
		.key = cs->key[k],
		.value = json,
		.value_len = json ? strlen(json) : 0,
	};
	cs->n++;
	return 0;
}

/* The difference between before and after, as guarded operations. */
static int changes(struct etcd_store *st, const struct snapshot *snap,
		   const struct lockvalues *before, const struct lockvalues *after,
		   struct change_set *cs, struct lf_error *err)
{
	const char *was;
	size_t i;
	int rc = 0;

	cs->n = 0;
	for (i = 0; i < before->n && rc == 0; i++)
		if (!lockvalues_get(after, before->resource[i]))
			rc = add_change(st, cs, snap, before->resource[i], NULL,
					err);
	for (i = 0; i < after->n && rc == 0; i++) {
		was = lockvalues_get(before, after->resource[i]);
		if (!was || strcmp(was, after->value[i]) != 0)
			rc = add_change(st, cs, snap, after->resource[i],
					after->value[i], err);
	}
	return rc;
}

/* 1 committed (*revision its revision), 0 another writer got in first. */
static int commit(struct etcd_store *st, const struct snapshot *snap,
		  const struct lockvalues *before, const struct lockdoc *doc,
		  long long *revision, struct lf_error *err)
{
	struct lockvalues after;
	struct change_set *cs = calloc(1, sizeof(*cs));
	struct etcd_txn_result res = { 0 };
	int rc;

	if (!cs)
		return lf_error_set(err, ENOMEM, "out of memory");
	rc = lockvalue_values(doc, &after);
	if (rc < 0) {
		free(cs);
		return lf_error_set(err, ENOMEM, "out of memory");
	}
	rc = changes(st, snap, before, &after, cs, err);
	if (rc < 0 || cs->n == 0) {
		*revision = snap->revision;
		rc = rc < 0 ? rc : 1;
		goto out;
	}
	rc = etcd_txn(st->c, cs->cmp, cs->n, cs->op, cs->n, NULL, 0, &res, err);
	if (rc == 0) {
		*revision = res.revision;
		rc = res.succeeded;
	}
out:
	etcd_txn_result_free(&res);
	lockvalues_free(&after);
	free(cs);
	return rc;
}

static void set_health(struct etcd_store *st, bool healthy);

/* A request of this process that found no endpoint answering: the view
 * may be old from now on, until the keeper hears from the cluster. */
static int note_failure(struct etcd_store *st, int rc)
{
	if (rc == -EIO && st->threads)
		set_health(st, false);
	return rc;
}

/* The view is not used until it holds what this process has seen: a
 * lock a transaction found released must not be shown as held. */
static void saw(struct etcd_store *st, long long revision)
{
	if (revision > st->seen_revision)
		st->seen_revision = revision;
}

static void use_leases(struct etcd_store *st, const struct snapshot *snap)
{
	st->seen_valid = snapshot_copy_leases(&st->seen, snap) == 0;
}

/* A short pause between attempts that lost a race, growing and jittered
 * so that two writers do not collide again in step. */
static void pause_after_conflict(unsigned attempt)
{
	unsigned us = 200u * (1u + attempt) + (unsigned)(rand() % 1000);

	usleep(us > 20000 ? 20000 : us);
}

/* Tell the mount daemon on this machine, if any, that its view must hold
 * this revision before it answers: a `lockfs acquire` followed by `ls`
 * must show the lock, as it does with the file store.  A local file, so
 * that costs no round trip; losing it costs only that guarantee. */
static void note_local_commit(struct etcd_store *st, long long revision)
{
	char tmp[PATH_MAX + 32], line[32];
	int fd, len;

	if (st->follow || !st->revision_path[0] ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.%ld", st->revision_path,
			     (long)getpid()) >= sizeof(tmp))
		return;
	len = snprintf(line, sizeof(line), "%lld\n", revision);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)len) != len || close(fd) != 0 ||
	    rename(tmp, st->revision_path) != 0)
		unlink(tmp);
}

/* The latest revision committed by another lockfs process here. */
static long long local_commits(struct etcd_store *st)
{
	struct filestamp now;
	char *buf = NULL;
	size_t len;

	if (filestamp_get(st->revision_path, true, &now) < 0 ||
	    filestamp_equal(&now, &st->revision_stamp))
		return st->local_revision;
	if (readfile_path(st->revision_path, O_NOFOLLOW, 32, &buf, &len,
			  NULL) == 0) {
		st->local_revision = parse_base(buf);
		st->revision_stamp = now;
	}
	free(buf);
	return st->local_revision;
}

enum attempt_result { NOTHING_TO_DO, COMMITTED, LOST_RACE };

/* A decision on named locks that writes nothing still rests on what was
 * read and on what was seen after (a holder process alive or gone): it
 * stands only if none of those locks has changed since, as under the
 * file store's lock.  Otherwise a refusal such as "its holder has exited"
 * could come from a lock released just before its holder ended.
 * NOTHING_TO_DO if the read is still current, LOST_RACE if not, or a
 * negative errno.  (A transaction over every lock, names NULL, is not
 * confirmed: it may read more locks than one etcd txn can compare.) */
static int confirm_read(struct etcd_store *st, const struct store_txn *txn,
			const struct snapshot *snap, struct lf_error *err)
{
	struct change_set *cs;
	struct etcd_txn_result res = { 0 };
	size_t i;
	int rc = 0;

	if (!txn->names || txn->n == 0)
		return NOTHING_TO_DO;
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return lf_error_set(err, ENOMEM, "out of memory");
	for (i = 0; i < txn->n && rc == 0; i++)
		rc = add_change(st, cs, snap, txn->names[i], NULL, err);
	if (rc == 0)
		rc = etcd_txn(st->c, cs->cmp, cs->n, NULL, 0, NULL, 0, &res, err);
	if (rc == 0)
		rc = res.succeeded ? NOTHING_TO_DO : LOST_RACE;
	etcd_txn_result_free(&res);
	free(cs);
	return rc;
}

/* One try: read, apply, commit.  A negative errno, or what happened. */
static int attempt(struct etcd_store *st, const struct store_txn *txn,
		   long long *revision, struct lf_error *err)
{
	struct snapshot snap;
	struct lockvalues before = { 0 };
	struct lockdoc *doc = NULL;
	int rc;

	rc = read_snapshot(st, st->c, txn->names, txn->n, &snap, err);
	if (rc < 0)
		return rc;
	saw(st, snap.revision);
	use_leases(st, &snap);
	rc = snapshot_doc(&snap, &doc, err);
	if (rc == 0 && lockvalue_values(doc, &before) < 0)
		rc = lf_error_set(err, ENOMEM, "out of memory");
	if (rc < 0)
		goto out;
	lockdoc_set_token_floor(doc, snap.base + snap.revision);
	rc = txn->apply(doc, txn->arg, err);
	if (rc == 0) {
		rc = confirm_read(st, txn, &snap, err);
		goto out;
	}
	if (rc < 0)
		goto out;
	rc = commit(st, &snap, &before, doc, revision, err);
	if (rc >= 0)
		rc = rc ? COMMITTED : LOST_RACE;
out:
	lockvalues_free(&before);
	lockdoc_free(doc);
	snapshot_free(&snap);
	return rc;
}

static int etcd_transact(struct store *s, const struct store_txn *txn,
			 struct lf_error *err)
{
	struct etcd_store *st = etcd_store(s);
	struct timespec election = clock_after(ELECTION_MS / 1000.0);
	long long revision = 0;
	unsigned lost = 0;
	int rc;

	while (lost < TXN_ATTEMPTS) {
		rc = attempt(st, txn, &revision, err);
		/* The txn is guarded: sending it again after an election
		 * is safe, whether or not the first one was applied. */
		if (rc == -EAGAIN && !clock_passed(&election)) {
			usleep(RETRY_MIN_MS * 1000);
			continue;
		}
		if (rc < 0 || rc == NOTHING_TO_DO)
			return rc < 0 ? note_failure(st, rc) : 0;
		if (rc == COMMITTED) {
			st->seen_revision = revision;
			note_local_commit(st, revision);
			if (txn->committed)
				txn->committed(txn->arg);
			return 0;
		}
		pause_after_conflict(lost++);
	}
	return lf_error_set(err, EAGAIN,
			    "the locks changed under %u attempts in a row; try again",
			    TXN_ATTEMPTS);
}

/* ---- reads ---- */

static int hand_out(struct etcd_store *st, struct lockdoc *doc,
		    const struct lockdoc **out)
{
	lockdoc_free(st->doc);
	st->doc = doc;
	*out = doc;
	return 0;
}

/* The view, when it may be used: connected, the cluster answering, and
 * holding this process's last commit (waiting a moment for the watch to
 * deliver it).  1 with *doc built (or NULL: the one handed out last is
 * still current), 0 not usable, or a negative errno. */
/* Bring the document handed out last up to date with the changes the
 * watch delivered since (taken from the view under view_mu). */
static int apply_pending(struct etcd_store *st, struct lock_kv *kv, size_t n,
			 struct lf_error *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = lockvalue_apply(st->doc, &kv[i], err);
	free_pending(kv, n);
	return rc;
}

/* Wait (under view_mu) until the view holds revision must, or it is not
 * usable; whether it is. */
static bool view_holds(struct etcd_store *st, long long must)
{
	struct timespec until = clock_after(CATCH_UP_MS / 1000.0);

	for (;;) {
		if (!st->view.connected || !st->healthy)
			return false;
		if (st->view.snap.revision >= must)
			return true;
		if (pthread_cond_timedwait(&st->view_cv, &st->view_mu,
					   &until) == ETIMEDOUT)
			return false;
	}
}

/* The view, when it may be used: connected, the cluster answering, and
 * holding every revision this process (or another lockfs command here)
 * has seen, waiting a moment for the watch to deliver it.  1 with *doc
 * built (or NULL: st->doc, brought up to date), 0 not usable, or a
 * negative errno. */
static int read_view(struct etcd_store *st, struct lockdoc **doc,
		     struct lf_error *err)
{
	struct snapshot copy = { 0 };
	struct lock_kv *pending = NULL, *kv;
	size_t i, n_pending = 0;
	long long must = local_commits(st);
	bool incremental;
	int rc = 0;

	*doc = NULL;
	if (st->seen_revision > must)
		must = st->seen_revision;
	pthread_mutex_lock(&st->view_mu);
	if (!view_holds(st, must)) {
		pthread_mutex_unlock(&st->view_mu);
		return 0;
	}
	incremental = st->doc_from_view && st->doc && !st->view.rebuild;
	if (incremental) {
		pending = st->view.pending;
		n_pending = st->view.n_pending;
		st->view.pending = NULL;
		st->view.n_pending = st->view.cap_pending = 0;
	}
	for (i = 0; !incremental && rc == 0 && i < st->view.snap.n; i++) {
		kv = &st->view.snap.kv[i];
		rc = snapshot_set(&copy, kv->resource, kv->value,
				  kv->mod_revision);
	}
	if (!incremental) {
		drop_pending(&st->view);
		st->view.rebuild = false;
	}
	if (rc == 0)
		rc = snapshot_copy_leases(&copy, &st->view.snap);
	pthread_mutex_unlock(&st->view_mu);
	if (rc < 0)
		rc = lf_error_set(err, ENOMEM, "out of memory");
	else if (incremental)
		rc = apply_pending(st, pending, n_pending, err);
	else
		rc = snapshot_doc(&copy, doc, err);
	if (rc == 0)
		use_leases(st, &copy);
	/* A document that could not be brought up to date is rebuilt. */
	if (rc < 0)
		st->doc_from_view = false;
	snapshot_free(&copy);
	return rc < 0 ? rc : 1;
}

/* A read waits out an election, as a transaction does. */
static int read_everything(struct etcd_store *st, struct snapshot *snap,
			   struct lf_error *err)
{
	struct timespec election = clock_after(ELECTION_MS / 1000.0);
	int rc;

	while ((rc = read_snapshot(st, st->c, NULL, 0, snap, err)) == -EAGAIN &&
	       !clock_passed(&election))
		usleep(RETRY_MIN_MS * 1000);
	return rc;
}

static int etcd_read(struct store *s, const struct lockdoc **out,
		     struct lf_error *err)
{
	struct etcd_store *st = etcd_store(s);
	struct snapshot snap;
	struct lockdoc *doc = NULL;
	int rc;

	*out = NULL;
	if (st->follow) {
		rc = read_view(st, &doc, err);
		if (rc < 0)
			return rc;
		if (rc == 1 && !doc) {
			*out = st->doc;
			return 0;
		}
		if (rc == 1) {
			st->doc_from_view = true;
			return hand_out(st, doc, out);
		}
	}
	rc = read_everything(st, &snap, err);
	if (rc < 0)
		return note_failure(st, rc);
	saw(st, snap.revision);
	use_leases(st, &snap);
	rc = snapshot_doc(&snap, &doc, err);
	snapshot_free(&snap);
	if (rc < 0)
		return rc;
	st->doc_from_view = false;
	return hand_out(st, doc, out);
}

static int etcd_lease_alive(struct store *s, const char *lease)
{
	struct etcd_store *st = etcd_store(s);
	bool found;

	if (!st->seen_valid)
		return -1;
	find_lease(&st->seen, lease, &found);
	return found;
}

/* This process's lease, or the mount daemon's as it published it in
 * lease_path, if the last snapshot shows it alive. */
static const char *etcd_machine_lease(struct store *s)
{
	struct etcd_store *st = etcd_store(s);
	char *buf = NULL;
	size_t len = 0, n;

	pthread_mutex_lock(&st->view_mu);
	snprintf(st->borrowed, sizeof(st->borrowed), "%s", st->own_lease);
	pthread_mutex_unlock(&st->view_mu);
	if (st->borrowed[0])
		return st->borrowed;
	if (readfile_path(st->lease_path, 0, 64, &buf, &len, NULL) < 0)
		return NULL;
	n = strspn(buf, "0123456789abcdef");
	if (n == 0 || n >= LEASE_HEX_MAX) {
		free(buf);
		return NULL;
	}
	memcpy(st->borrowed, buf, n);
	st->borrowed[n] = '\0';
	free(buf);
	return etcd_lease_alive(s, st->borrowed) == 1 ? st->borrowed : NULL;
}

static void etcd_configure(struct store *s, const struct lf_config *cfg)
{
	(void)s;	/* endpoints and deadlines are fixed when opened */
	(void)cfg;
}

/* ---- the keeper: this machine's lease ---- */

static void sleep_unless_quit(struct etcd_store *st, unsigned ms)
{
	struct timespec until = clock_after(ms / 1000.0);

	pthread_mutex_lock(&st->view_mu);
	while (!st->quit &&
	       pthread_cond_timedwait(&st->view_cv, &st->view_mu, &until) !=
		       ETIMEDOUT)
		;
	pthread_mutex_unlock(&st->view_mu);
}

/* What the lease key says about its holder, for `etcdctl get`. */
static char *lease_value(void)
{
	char *v = NULL;

	if (asprintf(&v, "{\"host\": \"%s\", \"pid\": %ld}",
		     identity_hostname(), (long)getpid()) < 0)
		return NULL;
	return v;
}

/* Grant a lease and put its key: the lease becomes this process's. */
static int new_lease(struct etcd_store *st, struct etcd *c,
		     struct lf_error *err)
{
	char key[KEY_MAX + LEASE_HEX_MAX], hex[LEASE_HEX_MAX];
	long long id, ttl;
	struct etcd_op put = { .kind = ETCD_OP_PUT };
	struct etcd_txn_result res = { 0 };
	char *value;
	int rc;

	rc = etcd_lease_grant(c, st->lease_seconds, &id, &ttl, err);
	if (rc < 0)
		return rc;
	snprintf(hex, sizeof(hex), "%llx", (unsigned long long)id);
	snprintf(key, sizeof(key), "%s%s", st->leases_key, hex);
	value = lease_value();
	if (!value)
		return lf_error_set(err, ENOMEM, "out of memory");
	put.key = key;
	put.value = value;
	put.value_len = strlen(value);
	put.lease = id;
	rc = etcd_txn(c, NULL, 0, &put, 1, NULL, 0, &res, err);
	etcd_txn_result_free(&res);
	free(value);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&st->view_mu);
	snprintf(st->own_lease, sizeof(st->own_lease), "%s", hex);
	st->own_lease_id = id;
	st->healthy = true;
	pthread_mutex_unlock(&st->view_mu);
	return 0;
}

/* The mount daemon tells lockfs commands on this machine which lease
 * their locks are tied to; written whole, then renamed into place. */
static void publish_lease(struct etcd_store *st)
{
	char line[LEASE_HEX_MAX + 1];

	if (!st->follow || !st->lease_path[0])
		return;
	pthread_mutex_lock(&st->view_mu);
	snprintf(line, sizeof(line), "%s\n", st->own_lease);
	pthread_mutex_unlock(&st->view_mu);
	/* Without it, lockfs commands here take locks tied to no lease:
	 * they still go stale by age. */
	lf_ignore_result(writefile_replace(st->lease_path, line, strlen(line),
					   0644));
}

static void set_health(struct etcd_store *st, bool healthy)
{
	pthread_mutex_lock(&st->view_mu);
	if (st->healthy && !healthy)
		st->watch_stop = true;	/* the watch may be stuck: reconnect */
	st->healthy = healthy;
	pthread_cond_broadcast(&st->view_cv);
	pthread_mutex_unlock(&st->view_mu);
}

/* The value of a lock recorded with lease old, recorded with new instead
 * (lockfs writes the field as "lease":"<hex>", exactly), or NULL. */
static char *with_lease(const char *value, const char *old, const char *new)
{
	char from[LEASE_HEX_MAX + 16], to[LEASE_HEX_MAX + 16], *out;
	const char *at;
	size_t lf, lt;

	lf = (size_t)snprintf(from, sizeof(from), "\"lease\":\"%s\"", old);
	lt = (size_t)snprintf(to, sizeof(to), "\"lease\":\"%s\"", new);
	at = strstr(value, from);
	if (!at)
		return NULL;
	out = malloc(strlen(value) - lf + lt + 1);
	if (!out)
		return NULL;
	memcpy(out, value, (size_t)(at - value));
	memcpy(out + (at - value), to, lt);
	strcpy(out + (at - value) + lt, at + lf);
	return out;
}

/* Each lock recorded with lease old gets lease new, guarded by the
 * revision read (a lock taken over meanwhile is not touched). */
static void repoint_locks(struct etcd_store *st, struct etcd *c,
			  const char *old, const char *new)
{
	struct etcd_txn_result res;
	struct etcd_kvs kvs = { 0 };
	struct etcd_cmp cmp;
	struct etcd_op put;
	char *value;
	size_t i;

	if (etcd_range(c, st->locks_key, st->locks_end, 0, 0, &kvs, NULL) < 0)
		return;
	for (i = 0; i < kvs.n; i++) {
		value = with_lease(kvs.kv[i].value, old, new);
		if (!value)
			continue;
		cmp = (struct etcd_cmp){ .key = kvs.kv[i].key,
					 .target = ETCD_MOD_REVISION,
					 .result = ETCD_EQUAL,
					 .number = kvs.kv[i].mod_revision };
		put = (struct etcd_op){ .kind = ETCD_OP_PUT, .key = kvs.kv[i].key,
					.value = value, .value_len = strlen(value) };
		memset(&res, 0, sizeof(res));
		etcd_txn(c, &cmp, 1, &put, 1, NULL, 0, &res, NULL);
		etcd_txn_result_free(&res);
		free(value);
	}
	etcd_kvs_free(&kvs);
}

/* The lease expired while the cluster was away (a SIGSTOPped or
 * partitioned cluster revokes it when it wakes) although this machine
 * lives: take a new one and move this machine's locks to it, so that
 * other machines see them lost only for that moment. */
static int replace_lease(struct etcd_store *st, struct etcd *c, long long id,
			 struct lf_error *err)
{
	char old[LEASE_HEX_MAX], new[LEASE_HEX_MAX];
	int rc;

	snprintf(old, sizeof(old), "%llx", (unsigned long long)id);
	rc = new_lease(st, c, err);
	if (rc < 0)
		return rc;
	publish_lease(st);
	pthread_mutex_lock(&st->view_mu);
	snprintf(new, sizeof(new), "%s", st->own_lease);
	pthread_mutex_unlock(&st->view_mu);
	repoint_locks(st, c, old, new);
	return 0;
}

static void *keeper_main(void *arg)
{
	struct etcd_store *st = arg;
	/* A third of the lease keeps it; asking at least every second also
	 * tells soon when the cluster stops answering, and then the view. */
	unsigned interval = st->lease_seconds * 1000 / 3;
	struct lf_error err;
	struct etcd *c;
	long long left, id;
	int rc;

	if (interval > KEEPER_MAX_MS)
		interval = KEEPER_MAX_MS;
	if (etcd_open(&st->settings, &c, NULL) < 0)
		return NULL;
	for (;;) {
		sleep_unless_quit(st, interval);
		pthread_mutex_lock(&st->view_mu);
		id = st->own_lease_id;
		rc = st->quit;
		pthread_mutex_unlock(&st->view_mu);
		if (rc)
			break;
		rc = etcd_lease_keepalive(c, id, &left, &err);
		if (rc == -ENOENT)
			rc = replace_lease(st, c, id, &err);
		set_health(st, rc == 0);
	}
	etcd_lease_revoke(c, id, NULL);
	etcd_close(c);
	return NULL;
}

/* ---- the watcher: the view of every lock ---- */

static int on_events(void *arg, const struct etcd_event *ev, size_t n,
		     long long revision)
{
	struct etcd_store *st = arg;
	const char *value, *resource;
	size_t i;
	int rc = 0, quit;

	pthread_mutex_lock(&st->view_mu);
	for (i = 0; i < n && rc == 0; i++) {
		value = ev[i].type == ETCD_EVENT_PUT ? ev[i].kv->value : NULL;
		rc = snapshot_apply(st, &st->view.snap, ev[i].kv->key, value,
				    ev[i].kv->mod_revision);
		if (classify(st, ev[i].kv->key, &resource) == KEY_LOCK)
			note_pending(&st->view, resource, value);
	}
	if (revision > st->view.snap.revision)
		st->view.snap.revision = revision;
	/* Out of memory: the view is incomplete; start again. */
	if (rc < 0)
		st->view.connected = false;
	quit = st->quit;
	pthread_cond_broadcast(&st->view_cv);
	pthread_mutex_unlock(&st->view_mu);
	return rc < 0 || quit ? 1 : 0;
}

static void set_view(struct etcd_store *st, struct snapshot *snap)
{
	pthread_mutex_lock(&st->view_mu);
	snapshot_free(&st->view.snap);
	st->view.snap = *snap;
	st->view.connected = true;
	drop_pending(&st->view);
	st->watch_stop = false;
	pthread_cond_broadcast(&st->view_cv);
	pthread_mutex_unlock(&st->view_mu);
	memset(snap, 0, sizeof(*snap));
}

static void disconnect_view(struct etcd_store *st)
{
	pthread_mutex_lock(&st->view_mu);
	st->view.connected = false;
	pthread_cond_broadcast(&st->view_cv);
	pthread_mutex_unlock(&st->view_mu);
}

static bool quitting(struct etcd_store *st)
{
	bool q;

	pthread_mutex_lock(&st->view_mu);
	q = st->quit;
	pthread_mutex_unlock(&st->view_mu);
	return q;
}

/* Read everything, then follow the changes from the next revision; when
 * the stream breaks (or the keeper finds the cluster silent), the view is
 * not used until a new full read. */
static void *watcher_main(void *arg)
{
	struct etcd_store *st = arg;
	unsigned pause = RETRY_MIN_MS;
	struct snapshot snap;
	struct etcd *c;
	long long from;

	if (etcd_open(&st->settings, &c, NULL) < 0)
		return NULL;
	while (!quitting(st)) {
		if (read_snapshot(st, c, NULL, 0, &snap, NULL) < 0) {
			sleep_unless_quit(st, pause);
			pause = pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause * 2;
			continue;
		}
		pause = RETRY_MIN_MS;
		from = snap.revision + 1;
		set_view(st, &snap);
		etcd_watch(c, st->prefix, st->prefix_end, from, on_events, st,
			   &st->watch_stop, NULL, NULL);
		disconnect_view(st);
		pthread_mutex_lock(&st->view_mu);
		st->watch_stop = false;
		pthread_mutex_unlock(&st->view_mu);
	}
	etcd_close(c);
	return NULL;
}

/* store_keep_alive: fails when the cluster cannot be reached. */
static int etcd_keep_alive(struct store *s, bool follow, struct lf_error *err)
{
	struct etcd_store *st = etcd_store(s);
	int rc;

	if (st->threads)
		return 0;
	st->follow = follow;
	rc = new_lease(st, st->c, err);
	if (rc < 0)
		return rc;
	publish_lease(st);
	if (pthread_create(&st->keeper, NULL, keeper_main, st) != 0)
		return lf_error_set(err, EAGAIN, "cannot start a thread");
	st->threads = true;
	if (follow && pthread_create(&st->watcher, NULL, watcher_main, st) != 0) {
		st->follow = false;
		return lf_error_set(err, EAGAIN, "cannot start a thread");
	}
	return 0;
}

static void stop_threads(struct etcd_store *st)
{
	if (!st->threads)
		return;
	pthread_mutex_lock(&st->view_mu);
	st->quit = true;
	st->watch_stop = true;
	pthread_cond_broadcast(&st->view_cv);
	pthread_mutex_unlock(&st->view_mu);
	pthread_join(st->keeper, NULL);
	if (st->follow)
		pthread_join(st->watcher, NULL);
	if (st->follow && st->lease_path[0])
		unlink(st->lease_path);
	st->threads = false;
}

/* ---- waiting for a change (lockfs acquire --wait, the MCP server) ---- */

/* Owned by its thread once started: closing only tells it to stop, so
 * that a waiter that got its lock exits without waiting for the stream
 * to wind down (it frees what it has, the client and the eventfd). */
struct etcd_watch_handle {
	struct store_base base;		/* first: the interface (store.h) */
	struct etcd *c;
	char prefix[KEY_MAX], prefix_end[KEY_MAX];
	int efd;			/* counts changes seen */
	volatile bool stop;
	long long from;
};

static int wake_waiter(void *arg, const struct etcd_event *ev, size_t n,
		       long long revision)
{
	struct etcd_watch_handle *w = arg;
	uint64_t one = 1;

	(void)ev;
	if (revision >= w->from)
		w->from = revision + 1;
	if (n > 0)
		lf_ignore_result(write(w->efd, &one, sizeof(one)));
	return 0;
}

/* Follow the prefix; a broken stream is taken up again from where it
 * left off (a compacted start: from now, after a wake-up, since the
 * waiter then looks at everything anyway). */
static void *waiter_main(void *arg)
{
	struct etcd_watch_handle *w = arg;
	uint64_t one = 1;
	int rc;

	while (!w->stop) {
		rc = etcd_watch(w->c, w->prefix, w->prefix_end, w->from,
				wake_waiter, w, &w->stop, NULL, NULL);
		if (rc == -ESTALE) {
			w->from = 0;
			lf_ignore_result(write(w->efd, &one, sizeof(one)));
		}
		if (!w->stop)
			usleep(RETRY_MIN_MS * 1000);
	}
	etcd_close(w->c);
	close(w->efd);
	free(w);
	return NULL;
}

static int etcd_watch_open(struct store *s, struct store_watch **out,
			   struct lf_error *err)
{
	struct etcd_store *st = etcd_store(s);
	struct etcd_watch_handle *w;
	struct etcd_kvs kvs = { 0 };
	pthread_t thread;
	int rc;

	*out = NULL;
	/* The revision now, so that a change between this and the
	 * caller's first look is still seen. */
	rc = etcd_range(st->c, st->base_key, NULL, 0, 1, &kvs, err);
	if (rc < 0)
		return rc;
	w = calloc(1, sizeof(*w));
	if (!w) {
		etcd_kvs_free(&kvs);
		return lf_error_set(err, ENOMEM, "out of memory");
	}
	w->base.ops = &etcd_ops;
	w->from = kvs.revision + 1;
	etcd_kvs_free(&kvs);
	snprintf(w->prefix, sizeof(w->prefix), "%s", st->prefix);
	snprintf(w->prefix_end, sizeof(w->prefix_end), "%s", st->prefix_end);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rc = w->efd < 0 ? -errno : etcd_open(&st->settings, &w->c, err);
	if (rc == 0 && pthread_create(&thread, NULL, waiter_main, w) == 0) {
		pthread_detach(thread);
		*out = (struct store_watch *)w;
		return 0;
	}
	etcd_close(w->c);
	if (w->efd >= 0)
		close(w->efd);
	free(w);
	return lf_error_set(err, EAGAIN, "cannot watch the locks");
}

static int etcd_watch_wait(struct store_watch *sw,
			   const struct timespec *deadline,
			   const sigset_t *sigmask)
{
	struct etcd_watch_handle *w = (struct etcd_watch_handle *)sw;
	struct timespec poll_end = clock_after(WATCH_POLL_MS / 1000.0), left;
	struct pollfd pfd = { .fd = w->efd, .events = POLLIN };
	uint64_t count;

	if (clock_before(deadline, &poll_end))
		poll_end = *deadline;
	left = clock_left(&poll_end);
	if (ppoll(&pfd, 1, &left, sigmask) <= 0)
		return 0;
	return read(w->efd, &count, sizeof(count)) == sizeof(count);
}

static void etcd_watch_close(struct store_watch *sw)
{
	((struct etcd_watch_handle *)sw)->stop = true;
}

/* ---- opening and closing ---- */

static char *keep(struct etcd_store *st, const char *s)
{
	char *copy;

	if (!s || st->n_strings == sizeof(st->strings) / sizeof(*st->strings))
		return NULL;
	copy = strdup(s);
	if (copy)
		st->strings[st->n_strings++] = copy;
	return copy;
}

/* A path from .locks/config: relative ones are relative to the root. */
static int keep_path(struct etcd_store *st, const char *root, const char *p,
		     const char **out, struct lf_error *err)
{
	char full[PATH_MAX];

	*out = NULL;
	if (!p)
		return 0;
	if (config_path_resolve(root, p, full, sizeof(full)) < 0)
		return lf_error_set(err, ENAMETOOLONG, "%s: path too long", p);
	*out = keep(st, full);
	return *out ? 0 : lf_error_set(err, ENOMEM, "out of memory");
}

static int settings_from(struct etcd_store *st, const struct lf_config *cfg,
			 const char *root, struct lf_error *err)
{
	const struct etcd_config *ec = &cfg->etcd;
	struct etcd_settings *s = &st->settings;
	char password[PASSWORD_MAX];
	size_t i;
	int rc = 0;

	for (i = 0; i < ec->n_endpoints && i < ETCD_MAX_ENDPOINTS; i++) {
		s->endpoints[i] = keep(st, ec->endpoints[i]);
		if (!s->endpoints[i])
			return lf_error_set(err, ENOMEM, "out of memory");
	}
	s->n_endpoints = i;
	rc = keep_path(st, root, ec->cacert, &s->cacert, err);
	if (rc == 0)
		rc = keep_path(st, root, ec->cert, &s->cert, err);
	if (rc == 0)
		rc = keep_path(st, root, ec->key, &s->key, err);
	if (rc < 0)
		return rc;
	s->connect_timeout_ms = ec->connect_timeout_ms;
	s->request_timeout_ms = ec->request_timeout_ms;
	if (!ec->user)
		return 0;
	s->user = keep(st, ec->user);
	rc = config_etcd_password(cfg, root, password, sizeof(password), err);
	if (rc == -ENOENT)
		return lf_error_set(err, EACCES,
				    "etcd_user %s needs a password: set LOCKFS_ETCD_PASSWORD or etcd_password_file",
				    ec->user);
	if (rc < 0)
		return rc;
	s->password = keep(st, password);
	explicit_bzero(password, sizeof(password));
	if (!s->user || !s->password)
		return lf_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int make_keys(struct etcd_store *st, const char *prefix,
		     struct lf_error *err)
{
	if (strlen(prefix) + sizeof("token_base") >= KEY_MAX)
		return lf_error_set(err, ENAMETOOLONG, "etcd_prefix is too long");
	snprintf(st->prefix, sizeof(st->prefix), "%s", prefix);
	etcd_prefix_end(st->prefix, st->prefix_end);
	snprintf(st->locks_key, sizeof(st->locks_key), "%slocks/", prefix);
	etcd_prefix_end(st->locks_key, st->locks_end);
	snprintf(st->leases_key, sizeof(st->leases_key), "%sleases/", prefix);
	etcd_prefix_end(st->leases_key, st->leases_end);
	snprintf(st->base_key, sizeof(st->base_key), "%stoken_base", prefix);
	return 0;
}

/* Deadlines come from clock_after(), on CLOCK_MONOTONIC; a condition
 * variable waits on CLOCK_REALTIME unless told otherwise, and would take
 * every such deadline for long past. */
static void init_monotonic_cond(pthread_cond_t *cv)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &attr);
	pthread_condattr_destroy(&attr);
}

int store_etcd_open(const struct lf_config *cfg,
		    const struct store_etcd_paths *paths, struct store **out,
		    struct lf_error *err)
{
	struct etcd_store *st;
	int rc;

	*out = NULL;
	if (!cfg->etcd.prefix || cfg->etcd.n_endpoints == 0)
		return lf_error_set(err, EINVAL,
				    "backend = etcd needs etcd_endpoints and etcd_prefix in .locks/config");
	st = calloc(1, sizeof(*st));
	if (!st)
		return lf_error_set(err, ENOMEM, "out of memory");
	st->base.ops = &etcd_ops;
	pthread_mutex_init(&st->view_mu, NULL);
	init_monotonic_cond(&st->view_cv);
	st->lease_seconds = cfg->etcd.lease_seconds;
	snprintf(st->lease_path, sizeof(st->lease_path), "%s",
		 paths->lease_path);
	snprintf(st->revision_path, sizeof(st->revision_path), "%s",
		 paths->revision_path);
	rc = make_keys(st, cfg->etcd.prefix, err);
	if (rc == 0)
		rc = settings_from(st, cfg, paths->root, err);
	if (rc == 0)
		rc = etcd_open(&st->settings, &st->c, err);
	if (rc < 0) {
		etcd_ops.close((struct store *)st);
		return rc;
	}
	*out = (struct store *)st;
	return 0;
}

static void etcd_store_close(struct store *s)
{
	struct etcd_store *st = etcd_store(s);
	size_t i;

	stop_threads(st);
	etcd_close(st->c);
	lockdoc_free(st->doc);
	snapshot_free(&st->seen);
	snapshot_free(&st->view.snap);
	free_pending(st->view.pending, st->view.n_pending);
	for (i = 0; i < st->n_strings; i++) {
		if (st->strings[i] == st->settings.password)
			explicit_bzero(st->strings[i], strlen(st->strings[i]));
		free(st->strings[i]);
	}
	pthread_cond_destroy(&st->view_cv);
	pthread_mutex_destroy(&st->view_mu);
	free(st);
}

/* ---- moving a project's locks into etcd ---- */

/* The value etcd holds for resource, as lockvalue_values() writes it
 * (NULL: none, or out of memory). */
static char *held_value(const struct snapshot *snap, const char *resource)
{
	struct lockvalues v = { 0 };
	struct lockdoc *doc = NULL;
	bool found;
	ssize_t at = find_kv(snap, resource, &found);
	char *value = NULL;

	if (!found || lockvalue_doc(&snap->kv[at], 1, &doc, NULL) < 0)
		return NULL;
	if (lockvalue_values(doc, &v) == 0 && v.n == 1) {
		value = v.value[0];
		v.value[0] = NULL;
	}
	lockvalues_free(&v);
	lockdoc_free(doc);
	return value;
}

static long long highest_token(const struct lockdoc *doc, long long floor)
{
	struct lock_entry e;
	size_t i;

	for (i = 0; i < lockdoc_count(doc); i++) {
		lockdoc_entry(doc, i, &e);
		if (e.token > floor)
			floor = e.token;
	}
	return floor;
}

/* Which of ours etcd already holds: the same entry (nothing to write:
 * skip[i]) or another (a clash, named in msg). */
static size_t find_clashes(const struct snapshot *snap,
			   const struct lockvalues *ours, bool *skip, char *msg,
			   size_t size)
{
	size_t i, clashes = 0, used = 0;
	char *held;

	for (i = 0; i < ours->n; i++) {
		held = held_value(snap, ours->resource[i]);
		skip[i] = held && strcmp(held, ours->value[i]) == 0;
		if (held && !skip[i]) {
			clashes++;
			if (used < size)
				used += (size_t)snprintf(msg + used, size - used,
							 "%s%s", clashes > 1 ? ", " : "",
							 ours->resource[i]);
		}
		free(held);
	}
	return clashes;
}

static int import_once(struct etcd_store *st, const struct lockvalues *ours,
		       long long base, size_t *imported, struct lf_error *err)
{
	struct change_set *cs = calloc(1, sizeof(*cs));
	struct etcd_txn_result res = { 0 };
	char base_text[32], clash[LF_ERROR_MSG_MAX / 2] = "";
	struct snapshot snap;
	bool *skip = calloc(ours->n + 1, sizeof(*skip));
	size_t i, n_clash;
	int rc;

	*imported = 0;
	if (!cs || !skip) {
		rc = lf_error_set(err, ENOMEM, "out of memory");
		goto out_free;
	}
	rc = read_snapshot(st, st->c, (const char *const *)ours->resource,
			   ours->n, &snap, err);
	if (rc < 0)
		goto out_free;
	n_clash = find_clashes(&snap, ours, skip, clash, sizeof(clash));
	if (n_clash) {
		rc = lf_error_set(err, EEXIST,
				  "%zu lock%s already in etcd under %s, held otherwise: %s; release them on one side first",
				  n_clash, n_clash > 1 ? "s are" : " is",
				  st->prefix, clash);
		goto out;
	}
	for (i = 0; i < ours->n && rc == 0; i++)
		if (!skip[i])
			rc = add_change(st, cs, &snap, ours->resource[i],
					ours->value[i], err);
	if (rc < 0)
		goto out;
	*imported = cs->n;
	if (base > snap.base) {
		snprintf(base_text, sizeof(base_text), "%lld", base);
		cs->cmp[cs->n] = (struct etcd_cmp){
			.key = st->base_key, .target = ETCD_MOD_REVISION,
			.result = ETCD_EQUAL, .number = snap.base_mod,
		};
		cs->op[cs->n] = (struct etcd_op){
			.kind = ETCD_OP_PUT, .key = st->base_key,
			.value = base_text, .value_len = strlen(base_text),
		};
		cs->n++;
	}
	if (cs->n == 0)
		goto out;
	rc = etcd_txn(st->c, cs->cmp, cs->n, cs->op, cs->n, NULL, 0, &res, err);
	if (rc == 0 && !res.succeeded)
		rc = LOST_RACE;
out:
	etcd_txn_result_free(&res);
	snapshot_free(&snap);
out_free:
	free(skip);
	free(cs);
	return rc;
}

int store_etcd_import(struct store *s, const struct lockdoc *doc,
		      long long floor, size_t *imported, struct lf_error *err)
{
	struct etcd_store *st = etcd_store(s);
	struct lockvalues ours;
	long long base = highest_token(doc, floor);
	unsigned n;
	int rc;

	*imported = 0;
	if (lockvalue_values(doc, &ours) < 0)
		return lf_error_set(err, ENOMEM, "out of memory");
	if (ours.n + 1 > STORE_ETCD_MAX_TXN_OPS - 2) {
		rc = lf_error_set(err, E2BIG,
				  "%zu locks are more than one etcd transaction takes (%d); release some first",
				  ours.n, STORE_ETCD_MAX_TXN_OPS - 3);
		goto out;
	}
	for (n = 0; n < TXN_ATTEMPTS; n++) {
		rc = import_once(st, &ours, base, imported, err);
		if (rc != LOST_RACE)
			break;
		pause_after_conflict(n);
	}
	if (rc == LOST_RACE)
		rc = lf_error_set(err, EAGAIN, "the locks in etcd kept changing; try again");
out:
	lockvalues_free(&ours);
	return rc < 0 ? rc : 0;
}

static const struct store_ops etcd_ops = {
	.read = etcd_read,
	.transact = etcd_transact,
	.configure = etcd_configure,
	.lease_alive = etcd_lease_alive,
	.machine_lease = etcd_machine_lease,
	.keep_alive = etcd_keep_alive,
	.watch_open = etcd_watch_open,
	.watch_wait = etcd_watch_wait,
	.watch_close = etcd_watch_close,
	.close = etcd_store_close,
};
