/* config.c - reading <project>/.locks/config; the format is in config.h.
 *
 * Strict on purpose: the file changes who may lock what and when a lock
 * may be overridden, so a typo must be an error that names its line, never
 * a silently different behaviour.  Parsing never modifies *out unless it
 * succeeds, so a caller can keep its previous configuration when an edited
 * file turns out to be bad.
 *
 * The etcd settings are only read here; core/etcd.c talks to the cluster.
 * They are checked whatever the backend, so that switching a project to
 * etcd never uncovers an old typo.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etcd.h"
#include "readfile.h"
#include "text.h"

#define CONFIG_LINE_MAX 1024
#define STALE_SECONDS_MAX 604800	/* one week */

/* How much of a key or value an error message repeats. */
#define SHOWN_MAX 60

/* A password is one line; a bigger file is not a password file. */
#define PASSWORD_FILE_MAX 4096

_Static_assert(CONFIG_ETCD_MAX_ENDPOINTS == ETCD_MAX_ENDPOINTS,
	       "the client takes every endpoint the file may list");
_Static_assert(CONFIG_ETCD_CONNECT_TIMEOUT_MS_DEFAULT ==
	       ETCD_CONNECT_TIMEOUT_MS_DEFAULT &&
	       CONFIG_ETCD_REQUEST_TIMEOUT_MS_DEFAULT ==
	       ETCD_REQUEST_TIMEOUT_MS_DEFAULT,
	       "a file without timeouts means the client's defaults");

/* A resource line, kept until the whole file is read: default_names may
 * come after it, and the defaults go first in the set so that they win
 * ties in nameset_nearest(). */
struct resource_ref {
	const char *val;
	size_t len;
	unsigned line;
};

struct parse_state {
	unsigned stale_seconds, stale_line;
	bool default_names;
	unsigned default_names_line;
	enum durability durability;
	unsigned durability_line;
	struct resource_ref *res;
	size_t nres, capres;
	struct nameset *probe;	/* checks resource lines in file order */
	struct guard_rule *guards;
	size_t nguards, capguards;
	enum guard_mode guard_mode;
	unsigned guard_mode_line;
	enum store_backend backend;
	unsigned backend_line;
	struct etcd_config etcd;
	bool etcd_https;	/* the endpoints' scheme, once there are some */
	unsigned endpoints_line, prefix_line, cacert_line, cert_line, key_line,
		 user_line, password_file_line, connect_timeout_line,
		 request_timeout_line, lease_line;
};

typedef int (*key_fn)(struct parse_state *st, const char *val, size_t len,
		      unsigned line, struct lf_error *err);

/* Bytes of s to show: at most SHOWN_MAX, never splitting a UTF-8
 * sequence (the input is known to be valid UTF-8 by then). */
static int shown_len(const char *s, size_t len)
{
	size_t cut = len < SHOWN_MAX ? len : SHOWN_MAX;

	while (cut > 0 && cut < len && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	return (int)cut;
}

static bool span_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static int duplicate(const char *key, unsigned line, unsigned first,
		     struct lf_error *err)
{
	return lf_error_set(err, EINVAL, "config line %u: %s is already set "
			    "on line %u", line, key, first);
}

/* A key whose value is a whole number from min to max: into *out, its
 * line into *out_line. */
static int set_number(const char *key, unsigned min, unsigned max,
		      unsigned *out, unsigned *out_line, const char *val,
		      size_t len, unsigned line, struct lf_error *err)
{
	unsigned long v = 0;
	size_t i;

	if (*out_line)
		return duplicate(key, line, *out_line, err);
	for (i = 0; i < len && val[i] >= '0' && val[i] <= '9'; i++) {
		v = v * 10 + (unsigned long)(val[i] - '0');
		if (v > max)
			break;
	}
	if (i < len || v < min || v > max)
		return lf_error_set(err, EINVAL, "config line %u: %s must be "
				    "a whole number from %u to %u, not "
				    "\"%.*s\"", line, key, min, max,
				    shown_len(val, len), val);
	*out = (unsigned)v;
	*out_line = line;
	return 0;
}

static int key_stale_seconds(struct parse_state *st, const char *val,
			     size_t len, unsigned line, struct lf_error *err)
{
	return set_number("stale_seconds", 1, STALE_SECONDS_MAX,
			  &st->stale_seconds, &st->stale_line, val, len, line,
			  err);
}

static int key_default_names(struct parse_state *st, const char *val,
			     size_t len, unsigned line, struct lf_error *err)
{
	if (st->default_names_line)
		return duplicate("default_names", line,
				 st->default_names_line, err);
	if (span_is(val, len, "yes") || span_is(val, len, "true"))
		st->default_names = true;
	else if (span_is(val, len, "no") || span_is(val, len, "false"))
		st->default_names = false;
	else
		return lf_error_set(err, EINVAL, "config line %u: "
				    "default_names must be yes, no, true or "
				    "false, not \"%.*s\"", line,
				    shown_len(val, len), val);
	st->default_names_line = line;
	return 0;
}

static int key_durability(struct parse_state *st, const char *val,
			  size_t len, unsigned line, struct lf_error *err)
{
	if (st->durability_line)
		return duplicate("durability", line, st->durability_line, err);
	if (span_is(val, len, "rename"))
		st->durability = DURABILITY_RENAME;
	else if (span_is(val, len, "file"))
		st->durability = DURABILITY_FILE;
	else if (span_is(val, len, "full"))
		st->durability = DURABILITY_FULL;
	else
		return lf_error_set(err, EINVAL, "config line %u: durability "
				    "must be rename, file or full, not "
				    "\"%.*s\"", line, shown_len(val, len), val);
	st->durability_line = line;
	return 0;
}

/* nameset_add() with the value's line in any error message. */
static int add_resource(struct nameset *set, const char *val, size_t len,
			unsigned line, struct lf_error *err)
{
	char name[CONFIG_LINE_MAX + 1];
	struct lf_error sub;
	int rc;

	memcpy(name, val, len);
	name[len] = '\0';
	rc = nameset_add(set, name, &sub);
	if (rc)
		lf_error_set(err, -rc, "config line %u: %s", line, sub.msg);
	return rc;
}

static int key_resource(struct parse_state *st, const char *val, size_t len,
			unsigned line, struct lf_error *err)
{
	struct resource_ref *r;
	size_t cap;
	int rc;

	rc = add_resource(st->probe, val, len, line, err);
	if (rc)
		return rc;
	if (st->nres == st->capres) {
		cap = st->capres ? st->capres * 2 : 16;
		if (cap > SIZE_MAX / sizeof(*r))
			return lf_error_set(err, ENOMEM, "out of memory");
		r = realloc(st->res, cap * sizeof(*r));
		if (!r)
			return lf_error_set(err, ENOMEM, "out of memory");
		st->res = r;
		st->capres = cap;
	}
	st->res[st->nres++] = (struct resource_ref){ val, len, line };
	return 0;
}

static int key_guard(struct parse_state *st, const char *val, size_t len,
		     unsigned line, struct lf_error *err)
{
	struct guard_rule rule = { 0 }, *g;
	struct lf_error sub;
	size_t cap;
	int rc;

	rc = guard_rule_parse(val, len, &rule, &sub);
	if (rc)
		return lf_error_set(err, -rc, "config line %u: %s", line,
				    sub.msg);
	rule.line = line;
	if (st->nguards == st->capguards) {
		cap = st->capguards ? st->capguards * 2 : 8;
		g = cap > SIZE_MAX / sizeof(*g) ? NULL :
		    realloc(st->guards, cap * sizeof(*g));
		if (!g) {
			guard_rule_free(&rule);
			return lf_error_set(err, ENOMEM, "out of memory");
		}
		st->guards = g;
		st->capguards = cap;
	}
	st->guards[st->nguards++] = rule;
	return 0;
}

static int key_guard_mode(struct parse_state *st, const char *val,
			  size_t len, unsigned line, struct lf_error *err)
{
	if (st->guard_mode_line)
		return duplicate("guard_mode", line, st->guard_mode_line, err);
	if (span_is(val, len, "take"))
		st->guard_mode = GUARD_TAKE;
	else if (span_is(val, len, "check"))
		st->guard_mode = GUARD_CHECK;
	else
		return lf_error_set(err, EINVAL, "config line %u: guard_mode "
				    "must be check or take, not \"%.*s\"", line,
				    shown_len(val, len), val);
	st->guard_mode_line = line;
	return 0;
}

static int key_backend(struct parse_state *st, const char *val, size_t len,
		       unsigned line, struct lf_error *err)
{
	if (st->backend_line)
		return duplicate("backend", line, st->backend_line, err);
	if (span_is(val, len, "file"))
		st->backend = BACKEND_FILE;
	else if (span_is(val, len, "etcd"))
		st->backend = BACKEND_ETCD;
	else
		return lf_error_set(err, EINVAL, "config line %u: backend must "
				    "be file or etcd, not \"%.*s\"", line,
				    shown_len(val, len), val);
	st->backend_line = line;
	return 0;
}

/* A copy of the value into *out, its line into *out_line. */
static int keep_string(char **out, unsigned *out_line, const char *val,
		       size_t len, unsigned line, struct lf_error *err)
{
	char *s = strndup(val, len);

	if (!s)
		return lf_error_set(err, ENOMEM, "out of memory");
	*out = s;
	*out_line = line;
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       is_digit(c) || c == '-' || c == '.';
}

static bool is_ipv6_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/* How long the host at the start of s is: a name or an IPv4 address, or
 * an IPv6 address in brackets; 0 when there is none. */
static size_t host_len(const char *s, size_t len)
{
	size_t i;

	if (len > 0 && s[0] == '[') {
		for (i = 1; i < len && is_ipv6_char(s[i]); i++)
			;
		return i > 1 && i < len && s[i] == ']' ? i + 1 : 0;
	}
	if (len > 0 && (s[0] == '-' || s[0] == '.'))
		return 0;
	for (i = 0; i < len && is_host_char(s[i]); i++)
		;
	return i;
}

static bool port_ok(const char *s, size_t len)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < len && is_digit(s[i]); i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return false;
	}
	return len > 0 && i == len && v >= 1;
}

/* One endpoint, s[0..len) blank-trimmed and not empty: scheme://host[:port]
 * with an optional "/" at the end, which is left out of the copy. */
static int add_endpoint(struct parse_state *st, const char *s, size_t len,
			unsigned line, struct lf_error *err)
{
	struct etcd_config *e = &st->etcd;
	int shown = shown_len(s, len);
	size_t scheme, host, k;
	bool https;
	char *copy;

	if (len > 8 && memcmp(s, "https://", 8) == 0)
		scheme = 8;
	else if (len > 7 && memcmp(s, "http://", 7) == 0)
		scheme = 7;
	else
		return lf_error_set(err, EINVAL, "config line %u: "
				    "etcd_endpoints: \"%.*s\" must start with "
				    "http:// or https://", line,
				    shown, s);
	https = scheme == 8;
	if (s[len - 1] == '/')
		len--;
	if (memchr(s + scheme, '/', len - scheme))
		return lf_error_set(err, EINVAL, "config line %u: "
				    "etcd_endpoints: \"%.*s\" has a path; "
				    "write scheme://host[:port]", line,
				    shown, s);
	host = host_len(s + scheme, len - scheme);
	if (host == 0 || (scheme + host < len && s[scheme + host] != ':'))
		return lf_error_set(err, EINVAL, "config line %u: "
				    "etcd_endpoints: \"%.*s\" has no valid "
				    "host (a name, an IPv4 address or [an IPv6 "
				    "address])", line, shown, s);
	if (scheme + host < len &&
	    !port_ok(s + scheme + host + 1, len - scheme - host - 1))
		return lf_error_set(err, EINVAL, "config line %u: "
				    "etcd_endpoints: \"%.*s\" has a bad port "
				    "(1 to 65535)", line, shown, s);
	if (e->n_endpoints > 0 && https != st->etcd_https)
		return lf_error_set(err, EINVAL, "config line %u: "
				    "etcd_endpoints mixes http:// and https://",
				    line);
	for (k = 0; k < e->n_endpoints; k++)
		if (strlen(e->endpoints[k]) == len &&
		    strncasecmp(e->endpoints[k], s, len) == 0)
			return lf_error_set(err, EINVAL, "config line %u: "
					    "etcd_endpoints: \"%.*s\" is "
					    "listed twice", line,
					    shown, s);
	if (e->n_endpoints == CONFIG_ETCD_MAX_ENDPOINTS)
		return lf_error_set(err, EINVAL, "config line %u: "
				    "etcd_endpoints: more than %d endpoints",
				    line, CONFIG_ETCD_MAX_ENDPOINTS);
	copy = strndup(s, len);
	if (!copy)
		return lf_error_set(err, ENOMEM, "out of memory");
	e->endpoints[e->n_endpoints++] = copy;
	st->etcd_https = https;
	return 0;
}

static int key_etcd_endpoints(struct parse_state *st, const char *val,
			      size_t len, unsigned line, struct lf_error *err)
{
	const char *end = val + len, *p = val, *comma;
	size_t n, entry = 0;
	int rc;

	if (st->endpoints_line)
		return duplicate("etcd_endpoints", line, st->endpoints_line,
				 err);
	while (p <= end) {
		const char *s = p;

		comma = memchr(p, ',', (size_t)(end - p));
		n = (size_t)((comma ? comma : end) - p);
		entry++;
		text_trim_blanks(&s, &n);
		if (n == 0)
			return lf_error_set(err, EINVAL, "config line %u: "
					    "etcd_endpoints: entry %zu is "
					    "empty", line, entry);
		rc = add_endpoint(st, s, n, line, err);
		if (rc)
			return rc;
		p = comma ? comma + 1 : end + 1;
	}
	st->endpoints_line = line;
	return 0;
}

static int key_etcd_prefix(struct parse_state *st, const char *val,
			   size_t len, unsigned line, struct lf_error *err)
{
	size_t i;
	char *s;

	if (st->prefix_line)
		return duplicate("etcd_prefix", line, st->prefix_line, err);
	if (val[0] != '/')
		return lf_error_set(err, EINVAL, "config line %u: etcd_prefix "
				    "must start with \"/\", not \"%.*s\"", line,
				    shown_len(val, len), val);
	for (i = 0; i < len; i++)
		if ((unsigned char)val[i] <= ' ' ||
		    (unsigned char)val[i] > '~')
			return lf_error_set(err, EINVAL, "config line %u: "
					    "etcd_prefix must be printable "
					    "ASCII without blanks, not "
					    "\"%.*s\"", line,
					    shown_len(val, len), val);
	/* Without its "/", "/lockfs/book" would also be the start of
	 * "/lockfs/book2"'s keys. */
	s = malloc(len + 2);
	if (!s)
		return lf_error_set(err, ENOMEM, "out of memory");
	memcpy(s, val, len);
	if (val[len - 1] != '/')
		s[len++] = '/';
	s[len] = '\0';
	st->etcd.prefix = s;
	st->prefix_line = line;
	return 0;
}

/* A file named by a key: kept as written, relative meaning relative to
 * the project root.  "~" would silently name a directory of the project,
 * as nothing here expands it. */
static int set_path(const char *key, char **out, unsigned *out_line,
		    const char *val, size_t len, unsigned line,
		    struct lf_error *err)
{
	if (*out_line)
		return duplicate(key, line, *out_line, err);
	if (val[0] == '~')
		return lf_error_set(err, EINVAL, "config line %u: %s: \"~\" "
				    "is not expanded; write \"%.*s\" as an "
				    "absolute path or one relative to the "
				    "project root", line, key,
				    shown_len(val, len), val);
	return keep_string(out, out_line, val, len, line, err);
}

static int key_etcd_cacert(struct parse_state *st, const char *val,
			   size_t len, unsigned line, struct lf_error *err)
{
	return set_path("etcd_cacert", &st->etcd.cacert, &st->cacert_line,
			val, len, line, err);
}

static int key_etcd_cert(struct parse_state *st, const char *val, size_t len,
			 unsigned line, struct lf_error *err)
{
	return set_path("etcd_cert", &st->etcd.cert, &st->cert_line, val, len,
			line, err);
}

static int key_etcd_key(struct parse_state *st, const char *val, size_t len,
			unsigned line, struct lf_error *err)
{
	return set_path("etcd_key", &st->etcd.key, &st->key_line, val, len,
			line, err);
}

static int key_etcd_user(struct parse_state *st, const char *val, size_t len,
			 unsigned line, struct lf_error *err)
{
	if (st->user_line)
		return duplicate("etcd_user", line, st->user_line, err);
	return keep_string(&st->etcd.user, &st->user_line, val, len, line,
			   err);
}

static int key_etcd_password_file(struct parse_state *st, const char *val,
				  size_t len, unsigned line,
				  struct lf_error *err)
{
	return set_path("etcd_password_file", &st->etcd.password_file,
			&st->password_file_line, val, len, line, err);
}

/* Refused with or without a value, which is never repeated: every agent
 * of the project reads this file, and it may be under version control. */
static int key_etcd_password(struct parse_state *st, const char *val,
			     size_t len, unsigned line, struct lf_error *err)
{
	(void)st;
	(void)val;
	(void)len;
	return lf_error_set(err, EINVAL, "config line %u: etcd_password: a "
			    "password never goes in the config file; use "
			    "etcd_password_file or LOCKFS_ETCD_PASSWORD", line);
}

static int key_etcd_connect_timeout_ms(struct parse_state *st,
				       const char *val, size_t len,
				       unsigned line, struct lf_error *err)
{
	return set_number("etcd_connect_timeout_ms", 50, 60000,
			  &st->etcd.connect_timeout_ms,
			  &st->connect_timeout_line, val, len, line, err);
}

static int key_etcd_request_timeout_ms(struct parse_state *st,
				       const char *val, size_t len,
				       unsigned line, struct lf_error *err)
{
	return set_number("etcd_request_timeout_ms", 100, 600000,
			  &st->etcd.request_timeout_ms,
			  &st->request_timeout_line, val, len, line, err);
}

static int key_etcd_lease_seconds(struct parse_state *st, const char *val,
				  size_t len, unsigned line,
				  struct lf_error *err)
{
	return set_number("etcd_lease_seconds", 2, 3600,
			  &st->etcd.lease_seconds, &st->lease_line, val, len,
			  line, err);
}

/* A TLS file given with http:// endpoints would be silently unused. */
static int check_tls_file(const struct parse_state *st, const char *key,
			  unsigned key_line, struct lf_error *err)
{
	if (!key_line || st->etcd.n_endpoints == 0 || st->etcd_https)
		return 0;
	return lf_error_set(err, EINVAL, "config line %u: %s needs https:// "
			    "endpoints, but etcd_endpoints on line %u are "
			    "http://", key_line, key, st->endpoints_line);
}

/* What the etcd keys say together; the lines are all read. */
static int check_etcd(const struct parse_state *st, struct lf_error *err)
{
	int rc;

	if (st->cert_line && !st->key_line)
		return lf_error_set(err, EINVAL, "config line %u: etcd_cert "
				    "needs etcd_key", st->cert_line);
	if (st->key_line && !st->cert_line)
		return lf_error_set(err, EINVAL, "config line %u: etcd_key "
				    "needs etcd_cert", st->key_line);
	rc = check_tls_file(st, "etcd_cacert", st->cacert_line, err);
	if (rc == 0)
		rc = check_tls_file(st, "etcd_cert", st->cert_line, err);
	if (rc == 0)
		rc = check_tls_file(st, "etcd_key", st->key_line, err);
	if (rc)
		return rc;
	if (st->password_file_line && !st->user_line)
		return lf_error_set(err, EINVAL, "config line %u: "
				    "etcd_password_file needs etcd_user",
				    st->password_file_line);
	if (st->backend != BACKEND_ETCD)
		return 0;
	if (!st->endpoints_line)
		return lf_error_set(err, EINVAL, "config line %u: backend = "
				    "etcd needs etcd_endpoints",
				    st->backend_line);
	if (!st->prefix_line)
		return lf_error_set(err, EINVAL, "config line %u: backend = "
				    "etcd needs etcd_prefix", st->backend_line);
	return 0;
}

static void etcd_config_free(struct etcd_config *e)
{
	size_t k;

	for (k = 0; k < e->n_endpoints; k++)
		free(e->endpoints[k]);
	free(e->prefix);
	free(e->cacert);
	free(e->cert);
	free(e->key);
	free(e->user);
	free(e->password_file);
	memset(e, 0, sizeof(*e));
}

static void etcd_config_defaults(struct etcd_config *e)
{
	memset(e, 0, sizeof(*e));
	e->connect_timeout_ms = CONFIG_ETCD_CONNECT_TIMEOUT_MS_DEFAULT;
	e->request_timeout_ms = CONFIG_ETCD_REQUEST_TIMEOUT_MS_DEFAULT;
	e->lease_seconds = CONFIG_ETCD_LEASE_SECONDS_DEFAULT;
}

/* A guard whose resource has no $N names one resource: it must be one of
 * the project's, or every edit it guards would fail. */
static int check_guards(const struct parse_state *st,
			const struct nameset *names, struct lf_error *err)
{
	const struct guard_rule *g;
	size_t k;

	for (k = 0; k < st->nguards; k++) {
		g = &st->guards[k];
		if (guard_rule_is_fixed(g) &&
		    !nameset_contains(names, g->resource))
			return lf_error_set(err, EINVAL, "config line %u: guard "
					    "resource %s is not a resource "
					    "name of this project", g->line,
					    g->resource);
	}
	return 0;
}

static void free_guards(struct guard_rule *g, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		guard_rule_free(&g[k]);
	free(g);
}

/* A refused key is always an error, with or without a value, and is not
 * offered as a known one. */
static const struct {
	const char *name;
	key_fn fn;
	bool refused;
} keys[] = {
	{ "stale_seconds", key_stale_seconds, false },
	{ "default_names", key_default_names, false },
	{ "resource", key_resource, false },
	{ "durability", key_durability, false },
	{ "guard", key_guard, false },
	{ "guard_mode", key_guard_mode, false },
	{ "backend", key_backend, false },
	{ "etcd_endpoints", key_etcd_endpoints, false },
	{ "etcd_prefix", key_etcd_prefix, false },
	{ "etcd_cacert", key_etcd_cacert, false },
	{ "etcd_cert", key_etcd_cert, false },
	{ "etcd_key", key_etcd_key, false },
	{ "etcd_user", key_etcd_user, false },
	{ "etcd_password_file", key_etcd_password_file, false },
	{ "etcd_connect_timeout_ms", key_etcd_connect_timeout_ms, false },
	{ "etcd_request_timeout_ms", key_etcd_request_timeout_ms, false },
	{ "etcd_lease_seconds", key_etcd_lease_seconds, false },
	{ "etcd_password", key_etcd_password, true },
};

/* "stale_seconds, default_names, ..." from the table, so the list in the
 * unknown-key message cannot fall behind it. */
static void known_keys(char *out, size_t size)
{
	size_t used = 0, k;
	int n;

	out[0] = '\0';
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if (keys[k].refused)
			continue;
		n = snprintf(out + used, size - used, "%s%s",
			     used ? ", " : "", keys[k].name);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}

static int check_bytes(const char *line, size_t len, unsigned lineno,
		       struct lf_error *err)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (s[i] == '\0')
			return lf_error_set(err, EINVAL, "config line %u: NUL "
					    "byte at column %zu", lineno, i + 1);
		n = text_char(line + i, len - i, &cp);
		if (n == 0 || (text_is_control(cp) && cp != '\t'))
			return lf_error_set(err, EINVAL, "config line %u: "
					    "byte 0x%02x at column %zu is not "
					    "printable UTF-8", lineno, s[i],
					    i + 1);
		i += n;
	}
	return 0;
}

static int parse_line(struct parse_state *st, const char *line, size_t len,
		      unsigned lineno, struct lf_error *err)
{
	const char *hash = memchr(line, '#', len);
	const char *eq, *key, *val;
	size_t klen, vlen, k;
	char known[LF_ERROR_MSG_MAX];

	if (hash)
		len = (size_t)(hash - line);
	text_trim_blanks(&line, &len);
	if (len == 0)
		return 0;
	eq = memchr(line, '=', len);
	if (!eq)
		return lf_error_set(err, EINVAL, "config line %u: expected "
				    "\"key = value\", not \"%.*s\"", lineno,
				    shown_len(line, len), line);
	key = line;
	klen = (size_t)(eq - line);
	val = eq + 1;
	vlen = len - klen - 1;
	text_trim_blanks(&key, &klen);
	text_trim_blanks(&val, &vlen);
	if (klen == 0)
		return lf_error_set(err, EINVAL, "config line %u: no key "
				    "before '='", lineno);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if (!span_is(key, klen, keys[k].name))
			continue;
		if (vlen == 0 && !keys[k].refused)
			return lf_error_set(err, EINVAL, "config line %u: %s "
					    "needs a value", lineno,
					    keys[k].name);
		return keys[k].fn(st, val, vlen, lineno, err);
	}
	known_keys(known, sizeof(known));
	return lf_error_set(err, EINVAL, "config line %u: unknown key \"%.*s\" "
			    "(known: %s)", lineno, shown_len(key, klen), key,
			    known);
}

/* Split buf into lines (LF or CRLF, the last one may lack its end). */
static int parse_lines(struct parse_state *st, const char *buf, size_t len,
		       struct lf_error *err)
{
	const char *p = buf, *end = buf + len;
	unsigned lineno = 0;
	int rc;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		lineno++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > CONFIG_LINE_MAX)
			return lf_error_set(err, EINVAL, "config line %u: "
					    "longer than %d bytes", lineno,
					    CONFIG_LINE_MAX);
		rc = check_bytes(p, n, lineno, err);
		if (rc == 0)
			rc = parse_line(st, p, n, lineno, err);
		if (rc)
			return rc;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* The name set the file describes, built once every line has been read. */
static int build_names(const struct parse_state *st, struct nameset **out,
		       struct lf_error *err)
{
	struct nameset *set;
	int rc = 0;

	if (!st->default_names && st->nres == 0)
		return lf_error_set(err, EINVAL, "config line %u: "
				    "default_names = no, but no resource "
				    "lines: nothing could be locked",
				    st->default_names_line);
	set = st->default_names ? nameset_new_default() : nameset_new_empty();
	if (!set)
		return lf_error_set(err, ENOMEM, "out of memory");
	for (size_t k = 0; k < st->nres; k++) {
		rc = add_resource(set, st->res[k].val, st->res[k].len,
				  st->res[k].line, err);
		if (rc)
			goto out;
	}
	*out = set;
	set = NULL;
out:
	nameset_free(set);
	return rc;
}

int config_parse(const char *buf, size_t len, struct lf_config *out,
		 struct lf_error *err)
{
	struct parse_state st = {
		.stale_seconds = STALE_SECONDS_DEFAULT,
		.default_names = true,
		.durability = DURABILITY_RENAME,
		.backend = BACKEND_FILE,
	};
	struct nameset *names = NULL;
	int rc;

	if (len > CONFIG_MAX_BYTES)
		return lf_error_set(err, EFBIG, "config: larger than %d bytes",
				    CONFIG_MAX_BYTES);
	if (len > 0 && !buf)
		return lf_error_set(err, EINVAL, "config: no buffer");
	/* Editors on some systems start a UTF-8 file with a byte order
	 * mark; it is no part of the first key. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	etcd_config_defaults(&st.etcd);
	st.probe = nameset_new_empty();
	if (!st.probe)
		return lf_error_set(err, ENOMEM, "out of memory");
	rc = parse_lines(&st, buf ? buf : "", len, err);
	if (rc == 0)
		rc = check_etcd(&st, err);
	if (rc == 0)
		rc = build_names(&st, &names, err);
	if (rc == 0)
		rc = check_guards(&st, names, err);
	if (rc == 0) {
		out->stale_seconds = st.stale_seconds;
		out->durability = st.durability;
		out->names = names;
		out->guards = st.guards;
		out->nguards = st.nguards;
		out->guard_mode = st.guard_mode;
		out->backend = st.backend;
		out->etcd = st.etcd;
		names = NULL;
		st.guards = NULL;
		st.nguards = 0;
		memset(&st.etcd, 0, sizeof(st.etcd));
	}
	nameset_free(names);
	free_guards(st.guards, st.nguards);
	etcd_config_free(&st.etcd);
	nameset_free(st.probe);
	free(st.res);
	return rc;
}

int config_defaults(struct lf_config *out, struct lf_error *err)
{
	struct nameset *names = nameset_new_default();

	if (!names)
		return lf_error_set(err, ENOMEM, "out of memory");
	out->stale_seconds = STALE_SECONDS_DEFAULT;
	out->durability = DURABILITY_RENAME;
	out->names = names;
	out->guards = NULL;
	out->nguards = 0;
	out->guard_mode = GUARD_TAKE;
	out->backend = BACKEND_FILE;
	etcd_config_defaults(&out->etcd);
	return 0;
}

/* The whole file, at most CONFIG_MAX_BYTES.  Opened non-blocking so a
 * FIFO planted at the path cannot hang the caller; only regular files are
 * read.  -ENOENT is returned without a message: the caller falls back to
 * the defaults. */
static int read_config_file(const char *path, char **buf, size_t *len,
			    struct lf_error *err)
{
	int rc = readfile_path(path, 0, CONFIG_MAX_BYTES, buf, len, NULL);

	switch (rc) {
	case 0:
	case -ENOENT:
		return rc;
	case -EINVAL:
		return lf_error_set(err, EINVAL, "%s: not a regular file", path);
	case -EFBIG:
		return lf_error_set(err, EFBIG, "%s: larger than %d bytes", path,
				    CONFIG_MAX_BYTES);
	case -ENOMEM:
		return lf_error_set(err, ENOMEM, "out of memory");
	default:
		return lf_error_set(err, -rc, "%s: %s", path, strerror(-rc));
	}
}

int config_load(const char *path, struct lf_config *out, struct lf_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = read_config_file(path, &buf, &len, err);
	if (rc == -ENOENT)
		return config_defaults(out, err);
	if (rc)
		return rc;
	rc = config_parse(buf, len, out, err);
	free(buf);
	return rc;
}

bool config_names_etcd(const char *path)
{
	const char *line, *end, *nl, *p;
	char *buf = NULL;
	size_t len = 0;
	bool found = false;

	if (read_config_file(path, &buf, &len, NULL) < 0)
		return false;
	for (line = buf, end = buf + len; line < end && !found; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		p = line + strspn(line, " \t");
		if (strncmp(p, "backend", 7) != 0)
			continue;
		p += 7 + strspn(p + 7, " \t");
		if (*p++ != '=')
			continue;
		p += strspn(p, " \t");
		found = strncmp(p, "etcd", 4) == 0 && p + 4 <= nl &&
			(p + 4 == nl || strchr(" \t#\r\n", p[4]));
	}
	free(buf);
	return found;
}

void config_free(struct lf_config *cfg)
{
	if (!cfg)
		return;
	nameset_free(cfg->names);
	cfg->names = NULL;
	free_guards(cfg->guards, cfg->nguards);
	cfg->guards = NULL;
	cfg->nguards = 0;
	etcd_config_free(&cfg->etcd);
}

int config_path_resolve(const char *project_root, const char *path, char *out,
			size_t outlen)
{
	size_t root_len;
	int n;

	if (path[0] == '/') {
		n = snprintf(out, outlen, "%s", path);
	} else {
		if (!project_root)
			return -EINVAL;
		root_len = strlen(project_root);
		if (root_len > 0 && project_root[root_len - 1] == '/')
			root_len--;
		n = snprintf(out, outlen, "%.*s/%s", (int)root_len,
			     project_root, path);
	}
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* A password of len bytes into out, or why it cannot go there; what says
 * where it came from. */
static int copy_password(const char *pw, size_t len, const char *what,
			 char *out, size_t outlen, struct lf_error *err)
{
	if (len == 0)
		return lf_error_set(err, EINVAL, "%s: the password is empty",
				    what);
	if (memchr(pw, '\0', len))
		return lf_error_set(err, EINVAL, "%s: the password holds a "
				    "NUL byte", what);
	if (len >= outlen)
		return lf_error_set(err, EINVAL, "%s: the password is longer "
				    "than %zu bytes", what,
				    outlen ? outlen - 1 : 0);
	memcpy(out, pw, len);
	out[len] = '\0';
	return 0;
}

static int password_file_error(const char *path, int rc, struct lf_error *err)
{
	switch (rc) {
	case -ENOENT:
		/* Not -ENOENT: that says no password was configured. */
		return lf_error_set(err, EINVAL, "etcd_password_file %s: No "
				    "such file or directory", path);
	case -EINVAL:
		return lf_error_set(err, EINVAL, "etcd_password_file %s: not "
				    "a regular file", path);
	case -EFBIG:
		return lf_error_set(err, EINVAL, "etcd_password_file %s: "
				    "larger than %d bytes, not a password",
				    path, PASSWORD_FILE_MAX);
	case -ENOMEM:
		return lf_error_set(err, ENOMEM, "out of memory");
	default:
		return lf_error_set(err, -rc, "etcd_password_file %s: %s", path,
				    strerror(-rc));
	}
}

static int read_password_file(const char *file, const char *project_root,
			      char *out, size_t outlen, struct lf_error *err)
{
	char path[PATH_MAX], what[PATH_MAX + 32];
	char *buf = NULL, *nl;
	size_t len = 0, n;
	struct stat sb;
	int rc;

	rc = config_path_resolve(project_root, file, path, sizeof(path));
	if (rc == -EINVAL)
		return lf_error_set(err, EINVAL, "etcd_password_file %s: "
				    "relative, but no project root is known",
				    file);
	if (rc)
		return lf_error_set(err, -rc, "etcd_password_file: the path "
				    "is longer than %d bytes", PATH_MAX - 1);
	rc = readfile_path(path, 0, PASSWORD_FILE_MAX, &buf, &len, &sb);
	if (rc)
		return password_file_error(path, rc, err);
	if (sb.st_mode & 077) {
		rc = lf_error_set(err, EACCES, "etcd_password_file %s: mode "
				  "%04o lets others read or change it; make it "
				  "0600 (chmod 600 %s)", path,
				  (unsigned)(sb.st_mode & 07777), path);
		goto out;
	}
	nl = memchr(buf, '\n', len);
	n = nl ? (size_t)(nl - buf) : len;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	snprintf(what, sizeof(what), "etcd_password_file %s", path);
	rc = copy_password(buf, n, what, out, outlen, err);
out:
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}

int config_etcd_password(const struct lf_config *cfg, const char *project_root,
			 char *out, size_t outlen, struct lf_error *err)
{
	const char *env = getenv("LOCKFS_ETCD_PASSWORD");

	if (env && env[0])
		return copy_password(env, strlen(env), "LOCKFS_ETCD_PASSWORD",
				     out, outlen, err);
	if (!cfg->etcd.password_file)
		return lf_error_set(err, ENOENT, "no etcd password: neither "
				    "LOCKFS_ETCD_PASSWORD nor "
				    "etcd_password_file is set");
	return read_password_file(cfg->etcd.password_file, project_root, out,
				  outlen, err);
}
