/* config.c - reading <project>/.locks/config; the format is in config.h.
 *
 * Strict on purpose: the file changes who may lock what and when a lock
 * may be overridden, so a typo must be an error that names its line, never
 * a silently different behaviour.  Parsing never modifies *out unless it
 * succeeds, so a caller can keep its previous configuration when an edited
 * file turns out to be bad.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"
#include "text.h"

#define CONFIG_LINE_MAX 1024
#define STALE_SECONDS_MAX 604800	/* one week */

/* How much of a key or value an error message repeats. */
#define SHOWN_MAX 60

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

static int key_stale_seconds(struct parse_state *st, const char *val,
			     size_t len, unsigned line, struct lf_error *err)
{
	unsigned long v = 0;
	size_t i;

	if (st->stale_line)
		return duplicate("stale_seconds", line, st->stale_line, err);
	for (i = 0; i < len && val[i] >= '0' && val[i] <= '9'; i++) {
		v = v * 10 + (unsigned long)(val[i] - '0');
		if (v > STALE_SECONDS_MAX)
			break;
	}
	if (i < len || v < 1 || v > STALE_SECONDS_MAX)
		return lf_error_set(err, EINVAL, "config line %u: "
				    "stale_seconds must be a whole number "
				    "from 1 to %d, not \"%.*s\"", line,
				    STALE_SECONDS_MAX, shown_len(val, len),
				    val);
	st->stale_seconds = (unsigned)v;
	st->stale_line = line;
	return 0;
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

static const struct {
	const char *name;
	key_fn fn;
} keys[] = {
	{ "stale_seconds", key_stale_seconds },
	{ "default_names", key_default_names },
	{ "resource", key_resource },
	{ "durability", key_durability },
	{ "guard", key_guard },
	{ "guard_mode", key_guard_mode },
};

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
		if (vlen == 0)
			return lf_error_set(err, EINVAL, "config line %u: %s "
					    "needs a value", lineno,
					    keys[k].name);
		return keys[k].fn(st, val, vlen, lineno, err);
	}
	return lf_error_set(err, EINVAL, "config line %u: unknown key \"%.*s\" "
			    "(known: stale_seconds, default_names, resource, "
			    "durability, guard, guard_mode)", lineno, shown_len(key, klen), key);
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
	st.probe = nameset_new_empty();
	if (!st.probe)
		return lf_error_set(err, ENOMEM, "out of memory");
	rc = parse_lines(&st, buf ? buf : "", len, err);
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
		names = NULL;
		st.guards = NULL;
		st.nguards = 0;
	}
	nameset_free(names);
	free_guards(st.guards, st.nguards);
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

void config_free(struct lf_config *cfg)
{
	if (!cfg)
		return;
	nameset_free(cfg->names);
	cfg->names = NULL;
	free_guards(cfg->guards, cfg->nguards);
	cfg->guards = NULL;
	cfg->nguards = 0;
}
