/* guard.c - the guard rule language: parsing "GLOB -> RESOURCE", matching
 * a project-relative path with captures, expanding $1..$9 (see guard.h).
 *
 * Matching backtracks.  "*" and "[...]" never cross a '/', so only "**"
 * could make it exponential: whether the rest of the glob after a given
 * "**" matches from a given path position does not depend on how we got
 * there, so each such failure is remembered and never tried twice.  That
 * keeps the work within (number of "**") x (path length) attempts.
 */
#include "guard.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

struct captures {
	const char **caps;
	size_t *lens;
	const char *glob, *path;
	/* failed[i][pos]: the i-th "**" cannot start a match at path + pos */
	bool (*failed)[PATH_MAX + 1];
};

/* Which "**" of the glob starts at g. */
static int double_star_index(const struct captures *c, const char *g)
{
	const char *s = c->glob;
	int i = 0;

	while (s < g) {
		if (s[0] == '*' && s[1] == '*') {
			i++;
			s += 2;
		} else {
			s++;
		}
	}
	return i;
}

static void set_cap(const struct captures *c, int k, const char *s,
		    size_t len)
{
	if (!c->caps || k >= GUARD_CAPTURES)
		return;
	c->caps[k] = s;
	c->lens[k] = len;
}

/* Does the class starting at g ('[') hold ch?  *end is just past its ']'.
 * False for an unterminated class (guard_rule_parse rejects those). */
static bool class_match(const char *g, char ch, const char **end)
{
	const unsigned char c = (unsigned char)ch;
	const char *s = g + 1;
	bool neg = false, hit = false;

	if (*s == '!' || *s == '^') {
		neg = true;
		s++;
	}
	/* A ']' right after the opening is a member, as in POSIX. */
	do {
		unsigned char lo = (unsigned char)*s, hi = lo;

		if (lo == '\0')
			return false;
		if (s[1] == '-' && s[2] != ']' && s[2] != '\0') {
			hi = (unsigned char)s[2];
			s += 3;
		} else {
			s++;
		}
		if (c >= lo && c <= hi)
			hit = true;
	} while (*s != ']');
	*end = s + 1;
	return hit != neg;
}

static bool match_from(const char *g, const char *p, int k,
		       const struct captures *c);

/* "**": with a '/' after it, zero or more whole components (the capture
 * leaves out the last slash); otherwise any text. */
static bool match_double_star(const char *g, const char *p, int k,
			      const struct captures *c)
{
	const char *rest = g + 2, *e;
	bool components = *rest == '/';
	int i = double_star_index(c, g);
	size_t pos = (size_t)(p - c->path);

	if (i >= GUARD_DOUBLE_STAR_MAX || c->failed[i][pos])
		return false;
	if (components)
		rest++;
	for (e = p;; e++) {
		if (!components || e == p || e[-1] == '/') {
			size_t len = (size_t)(e - p);

			set_cap(c, k, p, components && len ? len - 1 : len);
			if (match_from(rest, e, k + 1, c))
				return true;
		}
		if (*e == '\0')
			break;
	}
	c->failed[i][pos] = true;
	return false;
}

static bool match_from(const char *g, const char *p, int k,
		       const struct captures *c)
{
	const char *e;

	for (;;) {
		if (*g == '\0')
			return *p == '\0';
		if (g[0] == '*' && g[1] == '*')
			return match_double_star(g, p, k, c);
		if (*g == '*') {
			for (e = p;; e++) {
				set_cap(c, k, p, (size_t)(e - p));
				if (match_from(g + 1, e, k + 1, c))
					return true;
				if (*e == '\0' || *e == '/')
					return false;
			}
		}
		if (*g == '[') {
			if (*p == '\0' || *p == '/' || !class_match(g, *p, &g))
				return false;
			set_cap(c, k++, p++, 1);
			continue;
		}
		if (*g != *p)
			return false;
		g++;
		p++;
	}
}

bool guard_match(const char *glob, const char *path,
		 const char *caps[GUARD_CAPTURES], size_t lens[GUARD_CAPTURES])
{
	bool failed[GUARD_DOUBLE_STAR_MAX][PATH_MAX + 1];
	const struct captures c = { caps, lens, glob, path, failed };

	if (strlen(path) > PATH_MAX)
		return false;
	if (strstr(glob, "**"))
		memset(failed, 0, sizeof(failed));
	return match_from(glob, path, 0, &c);
}

/* Check a glob's syntax; *wildcards is how many it has. */
static int check_glob(const char *g, size_t len, int *wildcards,
		      struct lf_error *err)
{
	int doubles = 0;
	size_t i = 0;

	*wildcards = 0;
	if (len == 0)
		return lf_error_set(err, EINVAL, "guard has no glob before \"->\"");
	if (len > GUARD_GLOB_MAX)
		return lf_error_set(err, EINVAL, "guard glob is longer than %d "
				    "bytes", GUARD_GLOB_MAX);
	if (g[0] == '/')
		return lf_error_set(err, EINVAL, "guard glob \"%.*s\" must be "
				    "relative to the project root, without a "
				    "leading '/'", (int)len, g);
	while (i < len) {
		if (g[i] == '*') {
			size_t run = strspn(g + i, "*");

			if (run > 2)
				return lf_error_set(err, EINVAL, "guard glob "
						    "\"%.*s\": \"***\" means "
						    "nothing; use * or **",
						    (int)len, g);
			if (run == 2 && ++doubles > GUARD_DOUBLE_STAR_MAX)
				return lf_error_set(err, EINVAL, "guard glob "
						    "\"%.*s\" has more than %d "
						    "\"**\"", (int)len, g,
						    GUARD_DOUBLE_STAR_MAX);
			(*wildcards)++;
			i += run;
			continue;
		}
		if (g[i] == '[') {
			size_t j = i + 1;

			if (j < len && (g[j] == '!' || g[j] == '^'))
				j++;
			if (j < len && g[j] == ']')
				j++;
			while (j < len && g[j] != ']' && g[j] != '/')
				j++;
			if (j >= len || g[j] != ']')
				return lf_error_set(err, EINVAL, "guard glob "
						    "\"%.*s\": '[' at column "
						    "%zu has no ']' in the "
						    "same component", (int)len,
						    g, i + 1);
			(*wildcards)++;
			i = j + 1;
			continue;
		}
		i++;
	}
	return 0;
}

/* Check a template: name characters and $1..$wildcards. */
static int check_template(const char *t, size_t len, int wildcards,
			  struct lf_error *err)
{
	size_t i;

	if (len == 0)
		return lf_error_set(err, EINVAL, "guard has no resource after "
				    "\"->\"");
	for (i = 0; i < len; i++) {
		char ch = t[i];

		if (ch == '$') {
			if (i + 1 >= len || t[i + 1] < '1' || t[i + 1] > '9')
				return lf_error_set(err, EINVAL, "guard resource "
						    "\"%.*s\": '$' must be followed "
						    "by 1 to 9", (int)len, t);
			if (t[i + 1] - '0' > wildcards)
				return lf_error_set(err, EINVAL, "guard resource "
						    "\"%.*s\" uses $%c, but the "
						    "glob has %d wildcard%s",
						    (int)len, t, t[i + 1],
						    wildcards,
						    wildcards == 1 ? "" : "s");
			i++;
			continue;
		}
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return lf_error_set(err, EINVAL, "guard resource "
					    "\"%.*s\": a resource name may only "
					    "use A-Z a-z 0-9 _ - (and $1..$9)",
					    (int)len, t);
	}
	return 0;
}

int guard_rule_parse(const char *text, size_t len, struct guard_rule *out,
		     struct lf_error *err)
{
	const char *arrow = NULL, *g = text, *t;
	size_t glen, tlen, i;
	int wildcards, rc;

	for (i = 0; i + 1 < len; i++)
		if (text[i] == '-' && text[i + 1] == '>')
			arrow = text + i;
	if (!arrow)
		return lf_error_set(err, EINVAL, "guard must read \"GLOB -> "
				    "RESOURCE\"");
	glen = (size_t)(arrow - text);
	t = arrow + 2;
	tlen = len - glen - 2;
	text_trim_blanks(&g, &glen);
	text_trim_blanks(&t, &tlen);
	rc = check_glob(g, glen, &wildcards, err);
	if (rc == 0)
		rc = check_template(t, tlen, wildcards, err);
	if (rc)
		return rc;
	out->glob = strndup(g, glen);
	out->resource = strndup(t, tlen);
	if (!out->glob || !out->resource) {
		guard_rule_free(out);
		return lf_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

void guard_rule_free(struct guard_rule *r)
{
	if (!r)
		return;
	free(r->glob);
	free(r->resource);
	r->glob = r->resource = NULL;
}

bool guard_rule_is_fixed(const struct guard_rule *r)
{
	return strchr(r->resource, '$') == NULL;
}

/* The template with captures put in; false when out is too small. */
static bool expand(const char *tpl, const char *const *caps,
		   const size_t *lens, char *out, size_t outlen)
{
	size_t n = 0, add;
	const char *src;

	for (; *tpl; tpl++) {
		if (*tpl == '$' && tpl[1] >= '1' && tpl[1] <= '9') {
			src = caps[tpl[1] - '1'];
			add = lens[tpl[1] - '1'];
			tpl++;
		} else {
			src = tpl;
			add = 1;
		}
		if (n + add >= outlen)
			return false;
		memcpy(out + n, src, add);
		n += add;
	}
	out[n] = '\0';
	return outlen > 0;
}

int guard_resolve(const struct guard_rule *rules, size_t n, const char *path,
		  char *out, size_t outlen)
{
	const char *caps[GUARD_CAPTURES] = { 0 };
	size_t lens[GUARD_CAPTURES] = { 0 };
	size_t k;

	for (k = 0; k < n; k++) {
		if (!guard_match(rules[k].glob, path, caps, lens))
			continue;
		if (!expand(rules[k].resource, caps, lens, out, outlen))
			return -2;
		return (int)k;
	}
	return -1;
}
