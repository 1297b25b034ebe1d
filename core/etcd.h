/* etcd.h - a small client for etcd's v3 JSON API (the gRPC gateway).
 *
 * Every call is one HTTP POST to /v3/... on one of the configured
 * endpoints, made with libcurl and decoded with cJSON: keys and values go
 * base64-encoded, int64 fields come back as JSON strings, and fields that
 * hold their default value are left out (a failed txn has no "succeeded",
 * an empty range no "kvs").
 *
 * Endpoints are tried in order, starting with the last one that answered;
 * a call moves on to the next endpoint only when the one it asked could
 * not be reached (connect failure, reset, deadline before any answer).
 * Every request has a deadline: connect_timeout_ms to connect, and
 * request_timeout_ms for the whole exchange, each endpoint tried getting
 * its own (so a call on a cluster that accepts connections but never
 * answers lasts n_endpoints times request_timeout_ms).  A txn whose
 * endpoint applied it but answered after the deadline is sent again to
 * the next one: guard with compares what must not happen twice.  When no
 * endpoint answers, the call fails with -EIO and a message naming every
 * endpoint tried and why.  An answer that is an error from etcd is -EIO
 * too, with etcd's own message (an etcd that cannot reach its quorum
 * answers, late, with such an error: it is not skipped), except:
 *   -EACCES  authentication failed (wrong user or password, no user on a
 *            cluster that wants one, a user without the permission), or
 *            the server refused the TLS client certificate (or its lack,
 *            or, when it has both client-cert-auth and auth on, a
 *            certificate with a CommonName, which etcd's gateway refuses):
 *            the message says which; a TLS file named in the settings
 *            that cannot be used (missing, unreadable, not PEM) is
 *            -EACCES too, naming it;
 *   -ESTALE  a watch or range asked for a revision already compacted
 *            (etcd_watch: *compact_revision says from where to re-read);
 *   -ENOENT  a lease etcd does not know (expired, revoked);
 *   -EAGAIN  the cluster has no leader for the moment (one was killed),
 *            or could not settle a request in time: ask again (a txn
 *            may or may not have been applied).
 * An expired auth token is renewed (authenticate again) and the call
 * retried once, without the caller seeing it.
 *
 * A struct etcd is one connection's worth of state (a curl handle and the
 * auth token): not thread-safe; a thread that watches opens its own.
 */
#ifndef LOCKFS_ETCD_H
#define LOCKFS_ETCD_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define ETCD_CONNECT_TIMEOUT_MS_DEFAULT 2000
#define ETCD_REQUEST_TIMEOUT_MS_DEFAULT 5000
#define ETCD_MAX_ENDPOINTS 16

struct etcd_settings {
	const char *endpoints[ETCD_MAX_ENDPOINTS];	/* "https://10.0.0.5:2379" */
	size_t n_endpoints;
	const char *cacert;	/* PEM file of the CA, or NULL: the system's */
	const char *cert;	/* client certificate (PEM), or NULL */
	const char *key;	/* its private key (PEM), or NULL */
	const char *user;	/* NULL: no authentication */
	const char *password;	/* with user */
	unsigned connect_timeout_ms;	/* 0: the default */
	unsigned request_timeout_ms;	/* 0: the default */
};

struct etcd;

/* Set up a client; nothing is sent until the first call (so this fails
 * only for bad settings: no endpoint, a user without a password, a
 * certificate without its key, out of memory).  The strings are copied. */
int etcd_open(const struct etcd_settings *s, struct etcd **out,
	      struct lf_error *err);
void etcd_close(struct etcd *c);

/* The endpoint the last successful call used ("" before the first). */
const char *etcd_endpoint(const struct etcd *c);

/* One key-value pair.  key and value are NUL-terminated copies (value_len
 * is the length of value without the NUL). */
struct etcd_kv {
	char *key;
	char *value;
	size_t value_len;
	long long create_revision;
	long long mod_revision;
	long long version;
	long long lease;		/* 0: none */
};

/* The result of a range: pairs in key order, and the store's revision
 * at the time of the read. */
struct etcd_kvs {
	struct etcd_kv *kv;
	size_t n;
	long long revision;
	bool more;		/* a limit cut the result */
};
void etcd_kvs_free(struct etcd_kvs *kvs);

/* The end of the range of every key that starts with prefix (etcd's
 * "range_end": prefix with its last byte incremented, trailing 0xff bytes
 * dropped) into out, which has room for strlen(prefix) + 1 bytes.  A
 * prefix of 0xff bytes only (or "") gives "", which as a range_end means
 * every key from key on (etcd's "\0"). */
void etcd_prefix_end(const char *prefix, char *out);

/* Read key (range_end NULL), or [key, range_end) (range_end "": every
 * key from key on).  revision 0: the latest; limit 0: no limit. */
int etcd_range(struct etcd *c, const char *key, const char *range_end,
	       long long revision, long long limit, struct etcd_kvs *out,
	       struct lf_error *err);

/* A compare of a txn: target (of key, or of every key in [key,
 * range_end) when range_end is not NULL) result number. */
enum etcd_target {
	ETCD_VERSION,
	ETCD_CREATE_REVISION,
	ETCD_MOD_REVISION,
	ETCD_LEASE,
};
enum etcd_result {
	ETCD_EQUAL,
	ETCD_GREATER,
	ETCD_LESS,
	ETCD_NOT_EQUAL,
};
struct etcd_cmp {
	const char *key;
	const char *range_end;
	enum etcd_target target;
	enum etcd_result result;
	long long number;
};

/* An operation of a txn. */
enum etcd_op_kind {
	ETCD_OP_RANGE,		/* key, range_end (NULL: one key) */
	ETCD_OP_PUT,		/* key, value (value_len bytes), lease */
	ETCD_OP_DELETE,		/* key, range_end (NULL: one key) */
};
struct etcd_op {
	enum etcd_op_kind kind;
	const char *key;
	const char *range_end;
	const char *value;
	size_t value_len;
	long long lease;	/* put: 0 none */
};

/* What a txn did: which branch ran, the revision after it (the revision
 * of its writes, when it made any), and for each RANGE op of that branch,
 * in order, its result (n_ranges of them). */
struct etcd_txn_result {
	bool succeeded;
	long long revision;
	struct etcd_kvs *ranges;
	size_t n_ranges;
	long long deleted;	/* keys deleted by the branch's DELETE ops */
};
void etcd_txn_result_free(struct etcd_txn_result *r);

/* If every compare holds, run success, else failure; atomically. */
int etcd_txn(struct etcd *c, const struct etcd_cmp *cmp, size_t n_cmp,
	     const struct etcd_op *success, size_t n_success,
	     const struct etcd_op *failure, size_t n_failure,
	     struct etcd_txn_result *out, struct lf_error *err);

/* Leases: grant one of ttl seconds (*id, and the TTL etcd gave; granted_ttl
 * may be NULL), keep it alive once (*ttl_left: 0 or less means it has
 * expired: -ENOENT), revoke it (its keys go; -ENOENT when etcd no longer
 * knows it). */
int etcd_lease_grant(struct etcd *c, long long ttl, long long *id,
		     long long *granted_ttl, struct lf_error *err);
int etcd_lease_keepalive(struct etcd *c, long long id, long long *ttl_left,
			 struct lf_error *err);
int etcd_lease_revoke(struct etcd *c, long long id, struct lf_error *err);

/* One change seen by a watch. */
enum etcd_event_type {
	ETCD_EVENT_PUT,
	ETCD_EVENT_DELETE,	/* kv has key and mod_revision only */
};
struct etcd_event {
	enum etcd_event_type type;
	const struct etcd_kv *kv;
};

/* Called for each batch of events (n may be 0 for a progress notice or
 * the watch's creation), with the revision the watch has reached: the
 * last event's mod_revision, the store's revision for a notice or for
 * the creation of a watch from now, start_revision - 1 for the creation
 * of a watch from the past (its history is still to come).  ev and the
 * kvs it points to are valid during the call only.  A non-zero return
 * ends the watch with that value. */
typedef int (*etcd_watch_fn)(void *arg, const struct etcd_event *ev,
			     size_t n, long long revision);

/* Watch [key, range_end) from start_revision (0: from now), calling fn
 * until it returns non-zero (returned), *stop becomes true (checked at
 * least every 200 ms: -ECANCELED), or the stream breaks: -EIO (no
 * endpoint, a dropped connection, etcd cancelling the watch), or -ESTALE
 * when start_revision is compacted (*compact_revision, if not NULL, the
 * oldest revision still kept).  The request deadline applies only until
 * etcd confirms the watch (past it, the next endpoint is tried), and a quiet
 * stream is not a broken one (etcd sends progress notices only every ten
 * minutes by default): a caller that must know the cluster still answers
 * asks it something else and sets *stop when it does not. */
int etcd_watch(struct etcd *c, const char *key, const char *range_end,
	       long long start_revision, etcd_watch_fn fn, void *arg, const volatile bool *stop,
	       long long *compact_revision, struct lf_error *err);

#endif
