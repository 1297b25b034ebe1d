/* lockview.c - the JSON of a lock view, written directly; see lockview.h.
 *
 * Every `stat` of a lock file computes its content to report its size,
 * and building and printing a cJSON tree was a fifth of the daemon's time
 * in `ls -l`; so the bytes are written straight into a growing buffer.
 */
#include "lockview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool lockview_has_flag(const struct lock_view *v, enum lock_flag f)
{
	switch (f) {
	case LOCK_FLAG_UNKNOWN_NAME:
		return !v->name_known;
	case LOCK_FLAG_DUPLICATE:
		return v->duplicate;
	case LOCK_FLAG_BAD_TIMESTAMP:
		return v->stale == STALE_BAD_TIMESTAMP;
	case LOCK_FLAG_BAD_FIELD:
		return v->e.problem != NULL;
	case LOCK_NFLAGS:
		break;
	}
	return false;
}

const char *lockview_flag_name(enum lock_flag f)
{
	static const char *const names[LOCK_NFLAGS] = {
		[LOCK_FLAG_UNKNOWN_NAME] = "unknown-name",
		[LOCK_FLAG_DUPLICATE] = "duplicate",
		[LOCK_FLAG_BAD_TIMESTAMP] = "bad-timestamp",
		[LOCK_FLAG_BAD_FIELD] = "bad-field",
	};

	return f < LOCK_NFLAGS ? names[f] : NULL;
}

/* ---- a growing buffer; the first failed allocation sticks ---- */

struct jbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void jb_put(struct jbuf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 512;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void jb_lit(struct jbuf *b, const char *s)
{
	jb_put(b, s, strlen(s));
}

/* A string as cJSON prints it: the two-character escapes for " \\ \b \f
 * \n \r \t, \u00xx for other bytes below 0x20, every other byte as it is. */
static void jb_string(struct jbuf *b, const char *s)
{
	const char *run = s;
	char esc[8];

	jb_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *two = NULL;

		switch (c) {
		case '"': two = "\\\""; break;
		case '\\': two = "\\\\"; break;
		case '\b': two = "\\b"; break;
		case '\f': two = "\\f"; break;
		case '\n': two = "\\n"; break;
		case '\r': two = "\\r"; break;
		case '\t': two = "\\t"; break;
		default:
			if (c >= 0x20)
				continue;
		}
		jb_put(b, run, (size_t)(s - run));
		if (two) {
			jb_put(b, two, 2);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			jb_put(b, esc, 6);
		}
		run = s + 1;
	}
	jb_put(b, run, (size_t)(s - run));
	jb_put(b, "\"", 1);
}

static void jb_key(struct jbuf *b, const char *key)
{
	if (b->len > 1)
		jb_put(b, ",", 1);
	jb_string(b, key);
	jb_put(b, ":", 1);
}

static void jb_string_or_null(struct jbuf *b, const char *key, const char *s)
{
	jb_key(b, key);
	if (s)
		jb_string(b, s);
	else
		jb_lit(b, "null");
}

static void jb_integer(struct jbuf *b, const char *key, long long v)
{
	char num[24];

	jb_key(b, key);
	snprintf(num, sizeof(num), "%lld", v);
	jb_lit(b, num);
}

static void jb_bool(struct jbuf *b, const char *key, bool v)
{
	jb_key(b, key);
	jb_lit(b, v ? "true" : "false");
}

static char *jb_finish(struct jbuf *b, size_t *len)
{
	if (b->failed) {
		free(b->p);
		return NULL;
	}
	if (len)
		*len = b->len;
	return b->p;
}

/* ---- the objects ---- */

static void put_flags(struct jbuf *b, const struct lock_view *v)
{
	enum lock_flag f;
	bool first = true;

	jb_key(b, "flags");
	jb_put(b, "[", 1);
	for (f = 0; f < LOCK_NFLAGS; f++) {
		if (!lockview_has_flag(v, f))
			continue;
		if (!first)
			jb_put(b, ",", 1);
		jb_string(b, lockview_flag_name(f));
		first = false;
	}
	jb_put(b, "]", 1);
}

char *lockview_json(const struct lock_view *v, enum lockview_form form,
		    size_t *len)
{
	struct jbuf b = { 0 };

	jb_put(&b, "{", 1);
	jb_string_or_null(&b, "resource", v->e.resource);
	jb_string_or_null(&b, "instance", v->e.instance);
	jb_string_or_null(&b, "timestamp", v->e.timestamp);
	jb_string_or_null(&b, "acquired", v->e.acquired);
	jb_integer(&b, "age_seconds", v->age);
	jb_bool(&b, "stale", v->stale != STALE_NONE);
	jb_string_or_null(&b, "stale_reason", policy_stale_reason_name(v->stale));
	jb_integer(&b, "token", v->e.token);
	jb_string_or_null(&b, "note", v->e.note);
	if (v->e.pid > 0)
		jb_integer(&b, "pid", v->e.pid);
	else
		jb_string_or_null(&b, "pid", NULL);
	jb_string_or_null(&b, "host", v->e.host);
	jb_bool(&b, "known_name", v->name_known);
	if (form == LOCKVIEW_STATUS) {
		put_flags(&b, v);
		jb_bool(&b, "duplicate", v->duplicate);
		jb_string_or_null(&b, "problem", v->e.problem);
	}
	jb_put(&b, "}\n", form == LOCKVIEW_FILE ? 2 : 1);
	return jb_finish(&b, len);
}

char *lockview_unclaimed_json(const char *problem, size_t *len)
{
	struct jbuf b = { 0 };

	jb_put(&b, "{", 1);
	jb_string_or_null(&b, "resource", NULL);
	jb_key(&b, "flags");
	jb_put(&b, "[", 1);
	jb_string(&b, "no-claim");
	jb_put(&b, "]", 1);
	jb_string_or_null(&b, "problem", problem);
	jb_put(&b, "}", 1);
	return jb_finish(&b, len);
}
