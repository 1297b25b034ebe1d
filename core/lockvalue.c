/* lockvalue.c - locks as key-value pairs; see lockvalue.h.
 *
 * The document is assembled as text and parsed by lockdoc, so the checks
 * and the exact number texts of locks.json hold for etcd values too; a
 * value goes in as it is when it is an object whose one "resource" is
 * the key's, and is rebuilt through cJSON only otherwise.
 */
#include "lockvalue.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "text.h"

/* How much of a value that is not a lock is kept in its entry. */
#define UNREADABLE_MAX 1024

struct text {
	char *p;
	size_t len, cap;
	bool failed;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		cap = t->cap ? t->cap : 256;
		while (cap < t->len + n + 1)
			cap *= 2;
		p = realloc(t->p, cap);
		if (!p) {
			t->failed = true;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* The value as it may go into the document unchanged? */
static bool takes_as_is(const cJSON *e, const char *resource)
{
	const cJSON *c, *found = NULL;

	if (!cJSON_IsObject(e))
		return false;
	for (c = e->child; c; c = c->next) {
		if (!c->string || strcmp(c->string, "resource") != 0)
			continue;
		if (found)
			return false;
		found = c;
	}
	return cJSON_IsString(found) && strcmp(found->valuestring, resource) == 0;
}

/* The entry for a value that does not say the key's resource once, or
 * is not UTF-8: what was there is kept as far as it can be read. */
static char *rebuilt(cJSON *e, const struct lock_kv *kv)
{
	char *text, *kept;

	if (!cJSON_IsObject(e) || !text_is_valid(kv->value)) {
		cJSON_Delete(e);
		e = cJSON_CreateObject();
		kept = text_clean_dup(kv->value, strlen(kv->value),
				      UNREADABLE_MAX, TEXT_KEEP_CONTROL);
		if (!e || !kept ||
		    !cJSON_AddStringToObject(e, "unreadable", kept)) {
			free(kept);
			goto fail;
		}
		free(kept);
	}
	while (cJSON_GetObjectItemCaseSensitive(e, "resource"))
		cJSON_DeleteItemFromObjectCaseSensitive(e, "resource");
	if (!cJSON_AddStringToObject(e, "resource", kv->resource))
		goto fail;
	text = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	return text;
fail:
	cJSON_Delete(e);
	return NULL;
}

static void add_entry(struct text *t, const struct lock_kv *kv)
{
	cJSON *e = cJSON_ParseWithOpts(kv->value, NULL, true);
	char *other;

	if (text_is_valid(kv->value) && takes_as_is(e, kv->resource)) {
		cJSON_Delete(e);
		text_add(t, kv->value, strlen(kv->value));
		return;
	}
	other = rebuilt(e, kv);
	if (!other) {
		t->failed = true;
		return;
	}
	text_add(t, other, strlen(other));
	free(other);
}

int lockvalue_doc(const struct lock_kv *kv, size_t n, struct lockdoc **out,
		  struct lf_error *err)
{
	struct text t = { 0 };
	size_t i;
	int rc;

	*out = NULL;
	text_add(&t, "{\"locks\":[", 10);
	for (i = 0; i < n; i++) {
		if (i)
			text_add(&t, ",", 1);
		add_entry(&t, &kv[i]);
	}
	text_add(&t, "]}", 2);
	if (t.failed) {
		free(t.p);
		return lf_error_set(err, ENOMEM, "out of memory");
	}
	rc = lockdoc_parse(t.p, t.len, out, err);
	free(t.p);
	return rc;
}

int lockvalue_apply(struct lockdoc *doc, const struct lock_kv *kv,
		    struct lf_error *err)
{
	struct lockdoc *one = NULL;
	int rc;

	if (!kv->value) {
		lockdoc_drop(doc, kv->resource);
		return 0;
	}
	rc = lockvalue_doc(kv, 1, &one, err);
	if (rc == 0)
		rc = lockdoc_adopt(doc, kv->resource, one);
	lockdoc_free(one);
	if (rc == -E2BIG)
		return lf_error_set(err, E2BIG, "more than %d locks",
				    LOCKDOC_MAX_ENTRIES);
	if (rc < 0 && err && !err->code)
		lf_error_set(err, -rc, "%s: %s", kv->resource, strerror(-rc));
	return rc;
}

/* ---- values ---- */

struct pair {
	char *resource;
	char *value;
};

static int by_resource(const void *a, const void *b)
{
	return strcmp(((const struct pair *)a)->resource,
		      ((const struct pair *)b)->resource);
}

int lockvalue_values(const struct lockdoc *doc, struct lockvalues *out)
{
	size_t i, n = 0, count = lockdoc_count(doc);
	struct pair *pairs = calloc(count + 1, sizeof(*pairs));
	struct lock_entry e;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->resource = calloc(count + 1, sizeof(char *));
	out->value = calloc(count + 1, sizeof(char *));
	if (!pairs || !out->resource || !out->value) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		/* One key holds one lock: a resource's first entry. */
		if (lockdoc_is_duplicate(doc, i))
			continue;
		lockdoc_entry(doc, i, &e);
		pairs[n].resource = strdup(e.resource);
		pairs[n].value = lockdoc_entry_text(doc, i);
		n++;
		if (!pairs[n - 1].resource || !pairs[n - 1].value) {
			rc = -ENOMEM;
			break;
		}
	}
	if (rc == 0)
		qsort(pairs, n, sizeof(*pairs), by_resource);
	for (i = 0; i < n; i++) {
		out->resource[i] = pairs[i].resource;
		out->value[i] = pairs[i].value;
	}
	out->n = n;
out:
	free(pairs);
	if (rc < 0)
		lockvalues_free(out);
	return rc;
}

const char *lockvalues_get(const struct lockvalues *v, const char *resource)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v->resource[mid], resource);

		if (c == 0)
			return v->value[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void lockvalues_free(struct lockvalues *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		free(v->resource[i]);
		free(v->value[i]);
	}
	free(v->resource);
	free(v->value);
	memset(v, 0, sizeof(*v));
}
