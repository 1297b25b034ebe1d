/* lockops.h - the lock operations every front end calls.
 *
 * Each function is one store transaction (or one consistent read) that
 * applies policy.h to the current store: validate the names, find the
 * entries, ask the policy, edit, commit, log.  The mount's handlers and the
 * lockfs subcommands are thin translations of these calls.
 *
 * Requests that take locks (REQ_CREATE, REQ_CREATE_EXCL, REQ_OPEN_WRITE)
 * are all-or-nothing: either every named lock is granted in one commit or
 * the store is left untouched.  Releases (REQ_UNLINK) are decided per
 * resource, so a caller always gets back what is still its own even when
 * one of its locks was overridden meanwhile.
 *
 * Return values: 0, or the negative errno of the first refusal: -EINVAL a
 * name outside the project's set (err names the nearest valid one),
 * -EEXIST held by another (outcome.state says live or stale), -EBUSY
 * another's live lock on release, -ENOENT not locked, -EIO unreadable
 * store, -EAGAIN store lock deadline.
 */
#ifndef LOCKFS_LOCKOPS_H
#define LOCKFS_LOCKOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "identity.h"
#include "isotime.h"
#include "lockdoc.h"
#include "lockview.h"
#include "policy.h"
#include "project.h"

/* How messages name the holder of an entry whose instance cannot be read;
 * no caller can be it (parentheses are not allowed in instance labels). */
#define UNKNOWN_HOLDER "(unknown)"

/* Snapshot of the store.  Strings borrow from the project's cached
 * document: valid until the next call on the project. */
struct lock_list {
	struct lock_view *v;
	size_t n;
	time_t now;
	/* entries kept in the store that claim nothing, each with what is
	 * wrong with it (see lockdoc_unclaimed) */
	const char **unclaimed;
	size_t n_unclaimed;
};

/* Reads (lockops_list, lockops_find, lockops_check) go on with the last
 * good configuration while .locks/config is broken (project.h); every
 * request that changes the store refuses then (-EINVAL, naming the line). */
int lockops_list(struct project *p, time_t now, struct lock_list *out,
		 struct lf_error *err);
void lock_list_free(struct lock_list *list);

/* The first entry for name, or -ENOENT. */
int lockops_find(struct project *p, const char *name, time_t now,
		 struct lock_view *out, struct lf_error *err);

/* What happened to one resource of a request. */
struct lock_outcome {
	enum lock_action action;
	int error;			/* positive errno when refused */
	enum lock_state state;		/* as found */
	long long token;		/* the caller's token afterwards, 0: none */
	/* the holder found (the one in the way, or the one displaced) */
	char holder[INSTANCE_MAX_LEN + 1];
	char since[ISOTIME_MAX];	/* its timestamp ("" if unreadable) */
	long long age;
	enum stale_reason stale;
	long long holder_token;
	size_t entries;			/* how many entries the resource has */
	bool caller_has_one;		/* one of them is the caller's */
};

/* Apply req to every name.  out has n slots (may be NULL).  note is stored
 * on locks that are acquired, taken over or renewed; NULL keeps the note a
 * renewed lock has, "" removes it. */
int lockops_request(struct project *p, const struct holder *caller,
		    enum lock_request req, const char *const *names, size_t n,
		    const char *note, time_t now, struct lock_outcome *out,
		    struct lf_error *err);

/* What lockops_request would answer, without changing the store (the
 * edit hook's check mode): the same outcomes and the same return value;
 * nothing is acquired, renewed or released, and nothing is logged. */
int lockops_probe(struct project *p, const struct holder *caller,
		  enum lock_request req, const char *const *names, size_t n,
		  time_t now, struct lock_outcome *out, struct lf_error *err);

/* Release name only if the acquisition that got token still holds it, in
 * one transaction (lockfs run, at the end of its command): -ENOENT not
 * locked, -EEXIST held by another acquisition since, else as a REQ_UNLINK
 * (a stale lock of that acquisition is released too). */
int lockops_release_token(struct project *p, const struct holder *caller,
			  const char *name, long long token, time_t now,
			  struct lock_outcome *out, struct lf_error *err);

/* Store a one-line note on a lock the caller holds (text_one_line():
 * control characters become spaces, bytes that are not UTF-8 U+FFFD, cut
 * at NOTE_MAX_LEN on a character boundary).  -ENOENT absent, -EEXIST
 * another's. */
int lockops_set_note(struct project *p, const struct holder *caller,
		     const char *name, const char *note, time_t now,
		     struct lf_error *err);

/* Remove every entry (stale_only: only the stale ones); logged. */
int lockops_clear(struct project *p, const struct holder *caller,
		  bool stale_only, time_t now, size_t *cleared,
		  struct lf_error *err);

/* Does the acquisition of name with this token, by this instance, still
 * hold it?  0 yes and live, -ESTALE yes but stale (renew it), -ENOENT not
 * locked, -EEXIST held by another acquisition (another token, or the same
 * token recorded for another instance: never reported as the caller's). */
int lockops_check(struct project *p, const char *instance, const char *name,
		  long long token, time_t now, struct lock_view *out,
		  struct lf_error *err);

#endif
