/* lockdoc.c - locks.json in memory; see lockdoc.h for the contract.
 *
 * cJSON parses and holds the tree, which keeps members and entries in
 * their order.  Three things cJSON alone would get wrong are handled here:
 * the input is checked first (UTF-8, depth, size, "\u0000"), every number
 * is kept as its source text (cJSON would round big integers through a
 * double), and the output is written by our own printer, indented like
 * the examples hand-editing agents are given.  The locks array is mirrored in a vector so
 * that entry i is O(1) for stores with thousands of locks, and a hash
 * index from resource name to its entries (built when first asked for,
 * dropped when an entry is added or removed) makes finding a resource
 * O(1) too, so that `ls -l` of n locks costs O(n), not O(n^2).
 */
#include "lockdoc.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "hash.h"
#include "isotime.h"
#include "text.h"

/* Resource name -> entries.  slot[] holds 1 + the index of the first
 * entry of a name (0: empty), open addressing; next[i] is the index of
 * the next entry with the same name as entry i, or NO_ENTRY. */
struct name_index {
	size_t *slot;
	size_t *next;
	size_t cap;		/* of slot, a power of two; 0: not built */
};

#define NO_ENTRY ((size_t)-1)

struct lockdoc {
	cJSON *root;
	cJSON *locks;		/* the "locks" array inside root */
	cJSON **items;		/* its claims (entries with a readable
				 * resource), in order */
	char **problem;		/* per claim: what is unreadable, or NULL */
	size_t n, cap;
	char **unclaimed;	/* what is wrong with each entry that claims
				 * nothing; such entries are never edited */
	size_t n_unclaimed;
	struct name_index index;	/* only read through doc_index() */
	long long token_floor;		/* tokens handed out outside the document */
};

static const char *const owned_strings[] = {
	"resource", "instance", "acquired", "host", "note", "lease",
};
static const char *const owned_integers[] = {
	"token", "pid", "start_time", "uid",
};

/* ---- input checks, before cJSON sees the bytes ---- */

static int check_utf8(const char *buf, size_t len, struct lf_error *err)
{
	size_t good = text_valid_prefix(buf, len);
	const char *nul = memchr(buf, '\0', good);

	if (nul)
		return lf_error_set(err, EIO, "locks.json: byte %zu: NUL byte",
				    (size_t)(nul - buf));
	if (good < len)
		return lf_error_set(err, EIO,
				    "locks.json: byte %zu: not valid UTF-8", good);
	return 0;
}

/* Walk the text once, outside strings, to bound nesting and to refuse
 * "\u0000", which cJSON would turn into a silently truncated string. */
static int check_structure(const char *buf, size_t len, struct lf_error *err)
{
	size_t i, depth = 0;
	int in_string = 0;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (c == '"') {
				in_string = 0;
			} else if (c == '\\' && i + 1 < len) {
				if (len - i >= 6 &&
				    memcmp(buf + i + 1, "u0000", 5) == 0)
					return lf_error_set(err, EIO,
						"locks.json: byte %zu: \\u0000 in a string is not supported",
						i);
				i++;
			}
			continue;
		}
		if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > LOCKDOC_MAX_DEPTH)
				return lf_error_set(err, EIO,
					"locks.json: byte %zu: nested deeper than %d levels",
					i, LOCKDOC_MAX_DEPTH);
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/* ---- numbers keep their source text ---- */

static int is_number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
	       c == 'e' || c == 'E';
}

/* The text of the next number token at or after *pos, skipping strings. */
static int next_number(const char *buf, size_t len, size_t *pos,
		       size_t *start, size_t *end)
{
	size_t i = *pos;

	while (i < len) {
		if (buf[i] == '"') {
			for (i++; i < len && buf[i] != '"'; i++)
				if (buf[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (buf[i] == '-' || (buf[i] >= '0' && buf[i] <= '9')) {
			*start = i;
			while (i < len && is_number_char(buf[i]))
				i++;
			*end = i;
			*pos = i;
			return 1;
		}
		i++;
	}
	*pos = i;
	return 0;
}

struct number_walk {
	const char *buf;
	size_t len, pos;
};

/* cJSON's tree is in document order, so the k-th number item is the k-th
 * number token of the text. */
static int keep_number_text(cJSON *item, struct number_walk *w)
{
	cJSON *child;
	size_t start, end;
	char *text;

	for (; item; item = item->next) {
		if (cJSON_IsNumber(item)) {
			if (!next_number(w->buf, w->len, &w->pos, &start, &end))
				return -EIO;
			text = strndup(w->buf + start, end - start);
			if (!text)
				return -ENOMEM;
			item->type = cJSON_Raw;
			item->valuestring = text;
		}
		child = item->child;
		if (child && keep_number_text(child, w) < 0)
			return -EIO;
	}
	return 0;
}

/* ---- typed access to entries ---- */

static int raw_to_ll(const cJSON *item, long long *out)
{
	char *end;
	long long v;

	if (!cJSON_IsRaw(item) || !item->valuestring)
		return -EINVAL;
	errno = 0;
	v = strtoll(item->valuestring, &end, 10);
	if (errno || end == item->valuestring || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int count_key(const cJSON *obj, const char *key)
{
	const cJSON *it;
	int n = 0;

	cJSON_ArrayForEach(it, obj)
		if (it->string && strcmp(it->string, key) == 0)
			n++;
	return n;
}

/* The lockfs-owned keys of an entry, in the order check_entry checks
 * them: owned_strings, owned_integers, then "timestamp". */
#define N_STRINGS (sizeof(owned_strings) / sizeof(*owned_strings))
#define N_INTEGERS (sizeof(owned_integers) / sizeof(*owned_integers))
#define N_OWNED (N_STRINGS + N_INTEGERS + 1)

static const char *owned_key(size_t k)
{
	if (k < N_STRINGS)
		return owned_strings[k];
	if (k < N_STRINGS + N_INTEGERS)
		return owned_integers[k - N_STRINGS];
	return "timestamp";
}

/* Which owned key s is (an index for owned_key), or -1.  Parsing a store
 * of thousands of entries asks this for every member, so it looks at the
 * first letter before comparing. */
static int owned_index(const char *s)
{
	size_t k;

	if (!s || !strchr("rianhltpsu", s[0]))
		return -1;
	for (k = 0; k < N_OWNED; k++)
		if (owned_key(k)[0] == s[0] && strcmp(owned_key(k), s) == 0)
			return (int)k;
	return -1;
}

/* One pass over an entry: how often each owned key appears, and its
 * first occurrence (the one cJSON_GetObjectItemCaseSensitive finds). */
struct owned_fields {
	const cJSON *first[N_OWNED];
	int count[N_OWNED];
};

static void scan_owned(const cJSON *e, struct owned_fields *o)
{
	const cJSON *it;
	int k;

	memset(o, 0, sizeof(*o));
	cJSON_ArrayForEach(it, e) {
		k = owned_index(it->string);
		if (k >= 0 && o->count[k]++ == 0)
			o->first[k] = it;
	}
}

/* A hint for an entry without "resource": the usual slip is its case. */
static const char *resource_key_hint(const cJSON *e)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, e)
		if (it->string && strcasecmp(it->string, "resource") == 0 &&
		    strcmp(it->string, "resource") != 0)
			return it->string;
	return NULL;
}

/* Why entry e claims nothing, into *msg (malloc'd), or *msg NULL when it
 * names a resource: it must be an object with exactly one string
 * "resource".  -ENOMEM. */
static int unclaimed_reason(const cJSON *e, size_t pos, char **msg)
{
	const char *what = NULL, *hint = NULL;
	int n, rc;

	*msg = NULL;
	if (!cJSON_IsObject(e))
		what = "is not an object";
	else if ((n = count_key(e, "resource")) > 1)
		what = "has \"resource\" twice";
	else if (n == 0 && !(hint = resource_key_hint(e)))
		what = "has no \"resource\"";
	else if (n == 1 &&
		 cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "resource")))
		return 0;
	else if (n == 1)
		what = "has a \"resource\" that is not a string";
	if (hint)
		rc = asprintf(msg, "locks[%zu] has \"%s\", not \"resource\"", pos,
			      hint);
	else
		rc = asprintf(msg, "locks[%zu] %s", pos, what);
	if (rc < 0) {
		*msg = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void add_problem(char *buf, size_t size, const char *key,
			const char *what)
{
	size_t used = strlen(buf);

	snprintf(buf + used, size - used, "%s\"%s\" %s", used ? "; " : "",
		 key, what);
}

/* What lockfs cannot read in claim e, into *out (malloc'd, NULL: all is
 * readable): an owned field of the wrong type or given twice, which is
 * read as absent.  -ENOMEM. */
static int claim_problem(const cJSON *e, char **out)
{
	struct owned_fields o;
	const cJSON *f;
	char buf[512] = "";
	long long v;
	size_t k;

	*out = NULL;
	scan_owned(e, &o);
	for (k = 0; k < N_OWNED; k++) {
		const char *key = owned_key(k);
		bool integer = k >= N_STRINGS && k < N_STRINGS + N_INTEGERS;

		f = o.first[k];
		if (o.count[k] > 1)
			add_problem(buf, sizeof(buf), key, "appears twice");
		else if (!f && strcmp(key, "instance") == 0)
			add_problem(buf, sizeof(buf), key, "is missing");
		else if (f && !integer && !cJSON_IsString(f))
			add_problem(buf, sizeof(buf), key, "is not a string");
		else if (f && integer && (raw_to_ll(f, &v) < 0 || v < 0))
			add_problem(buf, sizeof(buf), key,
				    "is not a non-negative integer");
	}
	if (!buf[0])
		return 0;
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

/* Recompute claim i's problem after an edit. */
static int refresh_problem(struct lockdoc *doc, size_t i)
{
	free(doc->problem[i]);
	return claim_problem(doc->items[i], &doc->problem[i]);
}

static int index_entries(struct lockdoc *doc, struct lf_error *err)
{
	cJSON *e;
	size_t n = 0, pos = 0;
	char *why;

	cJSON_ArrayForEach(e, doc->locks)
		n++;
	if (n > LOCKDOC_MAX_ENTRIES)
		return lf_error_set(err, EIO,
				    "locks.json: more than %d locks", LOCKDOC_MAX_ENTRIES);
	doc->cap = n < 16 ? 16 : n;
	doc->items = calloc(doc->cap, sizeof(*doc->items));
	doc->problem = calloc(doc->cap, sizeof(*doc->problem));
	doc->unclaimed = calloc(n ? n : 1, sizeof(*doc->unclaimed));
	if (!doc->items || !doc->problem || !doc->unclaimed)
		return lf_error_set(err, ENOMEM, "out of memory");
	cJSON_ArrayForEach(e, doc->locks) {
		if (unclaimed_reason(e, pos++, &why) < 0)
			return lf_error_set(err, ENOMEM, "out of memory");
		if (why) {
			doc->unclaimed[doc->n_unclaimed++] = why;
			continue;
		}
		if (claim_problem(e, &doc->problem[doc->n]) < 0)
			return lf_error_set(err, ENOMEM, "out of memory");
		doc->items[doc->n++] = e;
	}
	return 0;
}

static int check_top(struct lockdoc *doc, struct lf_error *err)
{
	const cJSON *last;
	long long v;

	if (!cJSON_IsObject(doc->root))
		return lf_error_set(err, EIO,
				    "locks.json: the top level is not an object");
	if (count_key(doc->root, "locks") > 1)
		return lf_error_set(err, EIO, "locks.json: \"locks\" appears twice");
	if (count_key(doc->root, "last_token") > 1)
		return lf_error_set(err, EIO,
				    "locks.json: \"last_token\" appears twice");
	last = cJSON_GetObjectItemCaseSensitive(doc->root, "last_token");
	if (last && (raw_to_ll(last, &v) < 0 || v < 0))
		return lf_error_set(err, EIO,
			"locks.json: \"last_token\" is not a non-negative integer");
	doc->locks = cJSON_GetObjectItemCaseSensitive(doc->root, "locks");
	if (!doc->locks) {
		doc->locks = cJSON_AddArrayToObject(doc->root, "locks");
		if (!doc->locks)
			return lf_error_set(err, ENOMEM, "out of memory");
	}
	if (!cJSON_IsArray(doc->locks))
		return lf_error_set(err, EIO,
				    "locks.json: \"locks\" is not an array");
	return 0;
}

static int all_whitespace(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
		    buf[i] != '\r')
			return 0;
	return 1;
}

static int parse_tree(const char *buf, size_t len, struct lockdoc *doc,
		      struct lf_error *err)
{
	struct number_walk walk = { .buf = buf, .len = len, .pos = 0 };
	const char *end = NULL;
	char *copy;
	int rc;

	/* cJSON wants a terminated string to find trailing garbage. */
	copy = malloc(len + 1);
	if (!copy)
		return lf_error_set(err, ENOMEM, "out of memory");
	memcpy(copy, buf, len);
	copy[len] = '\0';
	doc->root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	if (!doc->root) {
		size_t at = end && end >= copy ? (size_t)(end - copy) : 0;

		rc = lf_error_set(err, EIO,
				  at >= len ? "locks.json: byte %zu: unexpected end of file (truncated?)"
					    : "locks.json: byte %zu: not valid JSON",
				  at);
		goto out;
	}
	rc = keep_number_text(doc->root, &walk);
	if (rc < 0)
		lf_error_set(err, -rc, "locks.json: cannot keep a number's text");
out:
	free(copy);
	return rc;
}

int lockdoc_parse(const char *buf, size_t len, struct lockdoc **out,
		  struct lf_error *err)
{
	struct lockdoc *doc;
	int rc;

	*out = NULL;
	if (len > LOCKDOC_MAX_BYTES)
		return lf_error_set(err, EIO,
				    "locks.json: %zu bytes, more than the %u allowed",
				    len, LOCKDOC_MAX_BYTES);
	if (all_whitespace(buf, len)) {
		*out = lockdoc_new();
		return *out ? 0 : lf_error_set(err, ENOMEM, "out of memory");
	}
	rc = check_utf8(buf, len, err);
	if (rc == 0)
		rc = check_structure(buf, len, err);
	if (rc < 0)
		return rc;
	doc = calloc(1, sizeof(*doc));
	if (!doc)
		return lf_error_set(err, ENOMEM, "out of memory");
	rc = parse_tree(buf, len, doc, err);
	if (rc == 0)
		rc = check_top(doc, err);
	if (rc == 0)
		rc = index_entries(doc, err);
	if (rc < 0) {
		lockdoc_free(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

struct lockdoc *lockdoc_new(void)
{
	struct lockdoc *doc = calloc(1, sizeof(*doc));

	if (!doc)
		return NULL;
	doc->root = cJSON_CreateObject();
	doc->locks = doc->root ? cJSON_AddArrayToObject(doc->root, "locks") : NULL;
	doc->cap = 16;
	doc->items = calloc(doc->cap, sizeof(*doc->items));
	doc->problem = calloc(doc->cap, sizeof(*doc->problem));
	if (!doc->locks || !doc->items || !doc->problem) {
		lockdoc_free(doc);
		return NULL;
	}
	return doc;
}

void lockdoc_free(struct lockdoc *doc)
{
	size_t i;

	if (!doc)
		return;
	cJSON_Delete(doc->root);
	for (i = 0; doc->problem && i < doc->n; i++)
		free(doc->problem[i]);
	for (i = 0; i < doc->n_unclaimed; i++)
		free(doc->unclaimed[i]);
	free(doc->problem);
	free(doc->unclaimed);
	free(doc->items);
	free(doc->index.slot);
	free(doc->index.next);
	free(doc);
}

/* ---- output ---- */

struct outbuf {
	char *p;
	size_t len, cap;
	int failed;
	bool compact;		/* one line, no blanks */
};

static void out_grow(struct outbuf *o, size_t more)
{
	size_t cap;
	char *p;

	if (o->failed || o->len + more + 1 <= o->cap)
		return;
	cap = o->cap ? o->cap : 1024;
	while (cap < o->len + more + 1)
		cap *= 2;
	p = realloc(o->p, cap);
	if (!p) {
		o->failed = 1;
		return;
	}
	o->p = p;
	o->cap = cap;
}

static void out_put(struct outbuf *o, const char *s, size_t n)
{
	out_grow(o, n);
	if (o->failed)
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_str(struct outbuf *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static void out_indent(struct outbuf *o, int depth)
{
	static const char spaces[] = "                                ";
	size_t n = o->compact ? 0 : (size_t)depth * 2;

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		out_put(o, spaces, k);
		n -= k;
	}
}

static void out_quoted(struct outbuf *o, const char *s)
{
	char esc[8];
	const char *run = s;

	out_put(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		out_put(o, run, (size_t)(s - run));
		switch (c) {
		case '"': out_str(o, "\\\""); break;
		case '\\': out_str(o, "\\\\"); break;
		case '\n': out_str(o, "\\n"); break;
		case '\t': out_str(o, "\\t"); break;
		case '\r': out_str(o, "\\r"); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			out_str(o, esc);
		}
		run = s + 1;
	}
	out_put(o, run, (size_t)(s - run));
	out_put(o, "\"", 1);
}

static void out_value(struct outbuf *o, const cJSON *item, int depth);

static void out_container(struct outbuf *o, const cJSON *item, int depth,
			  const char *open, const char *close)
{
	const cJSON *c;

	if (!item->child) {
		out_str(o, open);
		out_str(o, close);
		return;
	}
	out_str(o, open);
	out_str(o, o->compact ? "" : "\n");
	for (c = item->child; c; c = c->next) {
		out_indent(o, depth + 1);
		if (cJSON_IsObject(item)) {
			out_quoted(o, c->string ? c->string : "");
			out_str(o, o->compact ? ":" : ": ");
		}
		out_value(o, c, depth + 1);
		if (o->compact)
			out_str(o, c->next ? "," : "");
		else
			out_str(o, c->next ? ",\n" : "\n");
	}
	out_indent(o, depth);
	out_str(o, close);
}

static void out_value(struct outbuf *o, const cJSON *item, int depth)
{
	if (cJSON_IsObject(item))
		out_container(o, item, depth, "{", "}");
	else if (cJSON_IsArray(item))
		out_container(o, item, depth, "[", "]");
	else if (cJSON_IsString(item))
		out_quoted(o, item->valuestring);
	else if (cJSON_IsRaw(item))
		out_str(o, item->valuestring);
	else if (cJSON_IsTrue(item))
		out_str(o, "true");
	else if (cJSON_IsFalse(item))
		out_str(o, "false");
	else
		out_str(o, "null");
}

char *lockdoc_serialize(const struct lockdoc *doc, size_t *len)
{
	struct outbuf o = { 0 };

	out_value(&o, doc->root, 0);
	out_str(&o, "\n");
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	if (len)
		*len = o.len;
	return o.p;
}

char *lockdoc_entry_text(const struct lockdoc *doc, size_t i)
{
	struct outbuf o = { .compact = true };

	out_value(&o, doc->items[i], 0);
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	return o.p;
}

/* ---- entries ---- */

size_t lockdoc_count(const struct lockdoc *doc)
{
	return doc->n;
}

static const char *get_string(const cJSON *e, const char *key)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, key);

	return cJSON_IsString(f) ? f->valuestring : NULL;
}

static long long get_integer(const cJSON *e, const char *key, long long dflt)
{
	long long v;

	if (raw_to_ll(cJSON_GetObjectItemCaseSensitive(e, key), &v) < 0)
		return dflt;
	return v;
}

/* Owned field k as a string, or NULL when absent, of another type, or
 * given twice (which of the two would be a guess). */
static const char *owned_string(const struct owned_fields *o, size_t k)
{
	const cJSON *f = o->first[k];

	return o->count[k] == 1 && cJSON_IsString(f) ? f->valuestring : NULL;
}

/* Owned field k as a non-negative integer, or -1 (absent, unreadable). */
static long long owned_integer(const struct owned_fields *o, size_t k)
{
	long long v;

	if (o->count[k] != 1 || raw_to_ll(o->first[k], &v) < 0 || v < 0)
		return -1;
	return v;
}

static size_t owned_slot(const char *key)
{
	return (size_t)owned_index(key);
}

void lockdoc_entry(const struct lockdoc *doc, size_t i, struct lock_entry *out)
{
	const cJSON *e = doc->items[i];
	struct owned_fields o;
	long long pid, start, token;

	scan_owned(e, &o);
	memset(out, 0, sizeof(*out));
	out->resource = owned_string(&o, owned_slot("resource"));
	out->instance = owned_string(&o, owned_slot("instance"));
	out->timestamp = owned_string(&o, owned_slot("timestamp"));
	out->ts_ok = out->timestamp && isotime_parse(out->timestamp, &out->ts) == 0;
	out->acquired = owned_string(&o, owned_slot("acquired"));
	token = owned_integer(&o, owned_slot("token"));
	out->token = token > 0 ? token : 0;
	pid = owned_integer(&o, owned_slot("pid"));
	start = owned_integer(&o, owned_slot("start_time"));
	/* A pid whose start time cannot be read cannot be told apart from a
	 * later process with the same pid: liveness is left to the age. */
	if (o.count[owned_slot("start_time")] && start < 0)
		pid = 0;
	out->pid = pid > 0 && pid <= INT_MAX ? (pid_t)pid : 0;
	out->start_time = start > 0 ? (unsigned long long)start : 0;
	out->host = owned_string(&o, owned_slot("host"));
	out->uid = owned_integer(&o, owned_slot("uid"));
	out->note = owned_string(&o, owned_slot("note"));
	out->lease = owned_string(&o, owned_slot("lease"));
	out->problem = doc->problem[i];
}

size_t lockdoc_unclaimed_count(const struct lockdoc *doc)
{
	return doc->n_unclaimed;
}

const char *lockdoc_unclaimed(const struct lockdoc *doc, size_t k)
{
	return doc->unclaimed[k];
}

/* ---- finding a resource: the name index ---- */

static const char *resource_of(const cJSON *e)
{
	return get_string(e, "resource");
}

static void index_drop(struct lockdoc *doc)
{
	free(doc->index.slot);
	free(doc->index.next);
	memset(&doc->index, 0, sizeof(doc->index));
}

/* The slot of name: where its first entry is, or the empty slot where it
 * would go. */
static size_t index_slot(const struct lockdoc *doc, const char *name)
{
	const struct name_index *x = &doc->index;
	size_t i = (size_t)hash_string(name) & (x->cap - 1);

	while (x->slot[i] &&
	       strcmp(resource_of(doc->items[x->slot[i] - 1]), name) != 0)
		i = (i + 1) & (x->cap - 1);
	return i;
}

/* Chain entry i behind the entries of its name; *tail[] remembers the
 * last entry of each slot's name while building. */
static void index_add(struct lockdoc *doc, size_t i, size_t *tail)
{
	const char *name = resource_of(doc->items[i]);
	size_t s;

	doc->index.next[i] = NO_ENTRY;
	if (!name)
		return;
	s = index_slot(doc, name);
	if (!doc->index.slot[s])
		doc->index.slot[s] = i + 1;
	else
		doc->index.next[tail[s]] = i;
	tail[s] = i;
}

/* Build the index if it is not there; false when out of memory (callers
 * then search linearly). */
static bool doc_index(struct lockdoc *doc)
{
	struct name_index *x = &doc->index;
	size_t cap = 16, i, *tail;

	if (x->cap)
		return true;
	while (cap < 2 * doc->n)
		cap *= 2;
	x->slot = calloc(cap, sizeof(*x->slot));
	x->next = calloc(doc->n ? doc->n : 1, sizeof(*x->next));
	tail = calloc(cap, sizeof(*tail));
	if (!x->slot || !x->next || !tail) {
		free(tail);
		index_drop(doc);
		return false;
	}
	x->cap = cap;
	for (i = 0; i < doc->n; i++)
		index_add(doc, i, tail);
	free(tail);
	return true;
}

static ssize_t find_linear(const struct lockdoc *doc, const char *name,
			   size_t from)
{
	const char *r;
	size_t i;

	for (i = from; i < doc->n; i++) {
		r = resource_of(doc->items[i]);
		if (r && strcmp(r, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

/* The index of the first claim for name, or -1. */
static ssize_t find_first(const struct lockdoc *cdoc, const char *name)
{
	/* The index is a cache: building it does not change the document. */
	struct lockdoc *doc = (struct lockdoc *)cdoc;
	size_t s;

	if (!doc_index(doc))
		return find_linear(doc, name, 0);
	s = index_slot(doc, name);
	return doc->index.slot[s] ? (ssize_t)(doc->index.slot[s] - 1) : -1;
}

/* The index of the next claim after i with the same resource, or -1. */
static ssize_t find_next(const struct lockdoc *cdoc, size_t i)
{
	struct lockdoc *doc = (struct lockdoc *)cdoc;
	const char *name = resource_of(doc->items[i]);

	if (!doc_index(doc))
		return name ? find_linear(doc, name, i + 1) : -1;
	return doc->index.next[i] == NO_ENTRY ? -1 : (ssize_t)doc->index.next[i];
}

/* Delete every occurrence of key after the first (another writer may
 * have given a field twice; what lockfs writes it writes once). */
static void drop_repeats(cJSON *obj, const char *key)
{
	cJSON *it, *next, *first = cJSON_GetObjectItemCaseSensitive(obj, key);

	for (it = first ? first->next : NULL; it; it = next) {
		next = it->next;
		if (it->string && strcmp(it->string, key) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, it));
	}
}

static void delete_key(cJSON *obj, const char *key)
{
	drop_repeats(obj, key);
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
}

/* Set key in place (keeping its position) or add it at the end. */
static int set_item(cJSON *obj, const char *key, cJSON *value)
{
	if (!value)
		return -ENOMEM;
	drop_repeats(obj, key);
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value) ?
			0 : -ENOMEM;
	return cJSON_AddItemToObject(obj, key, value) ? 0 : -ENOMEM;
}

/* The last guard of what lockfs writes: whatever a caller passes, the
 * store stays well-formed UTF-8 (the printer escapes control
 * characters). */
static int set_string(cJSON *obj, const char *key, const char *value)
{
	char *clean;
	int rc;

	if (!value) {
		delete_key(obj, key);
		return 0;
	}
	if (text_is_valid(value))
		return set_item(obj, key, cJSON_CreateString(value));
	clean = text_clean_dup(value, strlen(value), SIZE_MAX / 2,
			       TEXT_KEEP_CONTROL);
	if (!clean)
		return -ENOMEM;
	rc = set_item(obj, key, cJSON_CreateString(clean));
	free(clean);
	return rc;
}

static int set_integer(cJSON *obj, const char *key, long long value)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", value);
	return set_item(obj, key, cJSON_CreateRaw(text));
}

static int set_time(cJSON *obj, const char *key, time_t t)
{
	char text[ISOTIME_MAX];

	isotime_format(t, text);
	return set_string(obj, key, text);
}

static int write_fields(cJSON *e, const struct lock_fields *f)
{
	int rc = 0;

	rc |= set_time(e, "timestamp", f->timestamp);
	rc |= set_string(e, "instance", f->instance);
	rc |= set_time(e, "acquired", f->acquired);
	rc |= set_integer(e, "token", f->token);
	if (f->pid > 0) {
		rc |= set_integer(e, "pid", f->pid);
		rc |= set_integer(e, "start_time", (long long)f->start_time);
	} else {
		delete_key(e, "pid");
		delete_key(e, "start_time");
	}
	rc |= set_string(e, "host", f->host);
	if (f->uid >= 0)
		rc |= set_integer(e, "uid", f->uid);
	else
		delete_key(e, "uid");
	rc |= set_string(e, "note", f->note);
	rc |= set_string(e, "lease", f->lease);
	return rc ? -ENOMEM : 0;
}

static int push_item(struct lockdoc *doc, cJSON *e)
{
	cJSON **items;
	char **problem;

	if (doc->n == doc->cap) {
		items = realloc(doc->items, doc->cap * 2 * sizeof(*items));
		if (!items)
			return -ENOMEM;
		doc->items = items;
		problem = realloc(doc->problem, doc->cap * 2 * sizeof(*problem));
		if (!problem)
			return -ENOMEM;
		doc->problem = problem;
		doc->cap *= 2;
	}
	doc->problem[doc->n] = NULL;
	doc->items[doc->n++] = e;
	return 0;
}

int lockdoc_append(struct lockdoc *doc, const char *resource,
		   const struct lock_fields *f)
{
	cJSON *e;
	int rc;

	if (doc->n >= LOCKDOC_MAX_ENTRIES)
		return -E2BIG;
	e = cJSON_CreateObject();
	if (!e)
		return -ENOMEM;
	/* resource, instance, timestamp first, in that order: the fields a
	 * hand-editing agent writes and looks for. */
	rc = set_string(e, "resource", resource);
	if (rc == 0)
		rc = write_fields(e, f);
	if (rc == 0)
		rc = push_item(doc, e);
	if (rc < 0) {
		cJSON_Delete(e);
		return rc;
	}
	index_drop(doc);
	if (!cJSON_AddItemToArray(doc->locks, e)) {
		doc->n--;
		cJSON_Delete(e);
		return -ENOMEM;
	}
	return 0;
}

/* ---- reading and editing by resource ---- */

bool lockdoc_is_duplicate(const struct lockdoc *doc, size_t i)
{
	return find_first(doc, resource_of(doc->items[i])) != (ssize_t)i;
}

bool lockdoc_first(const struct lockdoc *doc, const char *resource,
		   struct lock_entry *out)
{
	ssize_t i = find_first(doc, resource);

	if (i >= 0 && out)
		lockdoc_entry(doc, (size_t)i, out);
	return i >= 0;
}

int lockdoc_each(const struct lockdoc *doc, const char *resource,
		 int (*fn)(const struct lock_entry *e, void *arg), void *arg)
{
	struct lock_entry e;
	ssize_t i;
	int rc;

	for (i = find_first(doc, resource); i >= 0; i = find_next(doc, (size_t)i)) {
		lockdoc_entry(doc, (size_t)i, &e);
		rc = fn(&e, arg);
		if (rc)
			return rc;
	}
	return 0;
}

/* Take the i-th claim out of doc: its item and its problem (the
 * caller's now). */
static cJSON *detach_at(struct lockdoc *doc, size_t i, char **problem)
{
	cJSON *e = doc->items[i];

	index_drop(doc);
	*problem = doc->problem[i];
	memmove(doc->problem + i, doc->problem + i + 1,
		(doc->n - i - 1) * sizeof(*doc->problem));
	memmove(doc->items + i, doc->items + i + 1,
		(doc->n - i - 1) * sizeof(*doc->items));
	doc->n--;
	return cJSON_DetachItemViaPointer(doc->locks, e);
}

static void remove_at(struct lockdoc *doc, size_t i)
{
	char *problem;

	cJSON_Delete(detach_at(doc, i, &problem));
	free(problem);
}

/* Remove the claims for resource down to the first (keep_first) or all
 * of them, the last one first: removing one moves those after it. */
static size_t drop_entries(struct lockdoc *doc, const char *resource,
			   bool keep_first)
{
	ssize_t first, last, i;
	size_t removed = 0;

	for (;;) {
		first = find_first(doc, resource);
		if (first < 0)
			return removed;
		last = first;
		while ((i = find_next(doc, (size_t)last)) >= 0)
			last = i;
		if (keep_first && last == first)
			return removed;
		remove_at(doc, (size_t)last);
		removed++;
	}
}

ssize_t lockdoc_drop_duplicates(struct lockdoc *doc, const char *resource,
				struct lock_entry *first)
{
	size_t removed;

	if (!lockdoc_first(doc, resource, NULL))
		return -ENOENT;
	removed = drop_entries(doc, resource, true);
	lockdoc_first(doc, resource, first);
	return (ssize_t)removed;
}

size_t lockdoc_drop(struct lockdoc *doc, const char *resource)
{
	return drop_entries(doc, resource, false);
}

int lockdoc_adopt(struct lockdoc *doc, const char *resource,
		  struct lockdoc *from)
{
	ssize_t i = find_first(from, resource);
	char *problem;
	cJSON *e;
	int rc;

	if (i < 0)
		return -ENOENT;
	drop_entries(doc, resource, false);
	if (doc->n >= LOCKDOC_MAX_ENTRIES)
		return -E2BIG;
	e = detach_at(from, (size_t)i, &problem);
	rc = push_item(doc, e);
	if (rc < 0) {
		cJSON_Delete(e);
		free(problem);
		return rc;
	}
	doc->problem[doc->n - 1] = problem;
	index_drop(doc);
	cJSON_AddItemToArray(doc->locks, e);
	return 0;
}

size_t lockdoc_drop_if(struct lockdoc *doc,
		       bool (*drop)(const struct lock_entry *e, void *arg),
		       void *arg)
{
	struct lock_entry e;
	size_t removed = 0, i = doc->n;

	while (i-- > 0) {
		lockdoc_entry(doc, i, &e);
		if (!drop(&e, arg))
			continue;
		remove_at(doc, i);
		removed++;
	}
	return removed;
}

int lockdoc_take(struct lockdoc *doc, const char *resource,
		 const struct lock_fields *f)
{
	ssize_t i;
	int rc;

	if (lockdoc_drop_duplicates(doc, resource, NULL) < 0)
		return lockdoc_append(doc, resource, f);
	i = find_first(doc, resource);
	rc = write_fields(doc->items[i], f);
	return rc < 0 ? rc : refresh_problem(doc, (size_t)i);
}

/* Set (value NULL: remove) one string field of resource's entry. */
static int set_entry_string(struct lockdoc *doc, const char *resource,
			    const char *key, const char *value)
{
	ssize_t i = find_first(doc, resource);
	int rc;

	if (i < 0)
		return -ENOENT;
	rc = set_string(doc->items[i], key, value);
	return rc < 0 ? rc : refresh_problem(doc, (size_t)i);
}

int lockdoc_touch(struct lockdoc *doc, const char *resource, time_t timestamp)
{
	char text[ISOTIME_MAX];

	isotime_format(timestamp, text);
	return set_entry_string(doc, resource, "timestamp", text);
}

int lockdoc_set_note(struct lockdoc *doc, const char *resource,
		     const char *note)
{
	return set_entry_string(doc, resource, "note", note);
}

void lockdoc_set_token_floor(struct lockdoc *doc, long long floor)
{
	doc->token_floor = floor;
}

long long lockdoc_token_counter(const struct lockdoc *doc)
{
	return get_integer(doc->root, "last_token", 0);
}

long long lockdoc_next_token(struct lockdoc *doc)
{
	long long max = get_integer(doc->root, "last_token", 0);
	size_t i;

	if (doc->token_floor > max)
		max = doc->token_floor;

	for (i = 0; i < doc->n; i++) {
		long long t = get_integer(doc->items[i], "token", 0);

		if (t > max)
			max = t;
	}
	if (max == LLONG_MAX)
		return -EOVERFLOW;
	if (set_integer(doc->root, "last_token", max + 1) < 0)
		return -ENOMEM;
	return max + 1;
}
