/* fuzz_lockvalue.c - libFuzzer harness for the etcd backend's codec
 * (core/lockvalue.h): what lockfs reads from etcd keys and what it writes
 * back.
 *
 * The input is split at NUL bytes into pairs of (resource, value), as
 * etcd keys and values under the prefix would hold them (one value may
 * be anything another etcdctl user put there).  For each input this checks
 * that
 *   - lockvalue_doc() either fails with a proper error (bytes that are not
 *     UTF-8, say) or gives a document with one claim per pair, in order,
 *     each for its key's resource;
 *   - the values lockvalue_values() writes for that document read back
 *     through lockvalue_doc() into values that are the same, byte for
 *     byte: writing what was read changes nothing, so a store never
 *     rewrites a key it did not change;
 *   - every value written is one JSON object that cJSON reads whole.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "lockvalue.h"

#define MAX_PAIRS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The pairs of the input; resources must be distinct and non-empty, as
 * etcd keys under one prefix are. */
static size_t split(char *buf, size_t size, struct lock_kv *kv)
{
	size_t n = 0, i, j;
	char *p = buf, *end = buf + size;

	while (p < end && n < MAX_PAIRS) {
		char *r = p, *v;

		p += strlen(p) + 1;
		if (p >= end)
			break;
		v = p;
		p += strlen(p) + 1;
		if (!r[0])
			continue;
		for (j = 0; j < n && strcmp(kv[j].resource, r) != 0; j++)
			;
		if (j < n)
			continue;
		kv[n++] = (struct lock_kv){ r, v, 0 };
	}
	for (i = 0; i < n; i++)
		CHECK(kv[i].resource[0]);
	return n;
}

static void check_values_read_back(const struct lockvalues *v)
{
	struct lock_kv kv[MAX_PAIRS];
	struct lockvalues again;
	struct lockdoc *doc = NULL;
	struct lf_error err = { 0 };
	size_t i;

	CHECK(v->n <= MAX_PAIRS);
	for (i = 0; i < v->n; i++) {
		cJSON *e = cJSON_ParseWithOpts(v->value[i], NULL, true);

		CHECK(cJSON_IsObject(e));
		cJSON_Delete(e);
		kv[i] = (struct lock_kv){ v->resource[i], v->value[i], 0 };
	}
	CHECK(lockvalue_doc(kv, v->n, &doc, &err) == 0);
	CHECK(lockvalue_values(doc, &again) == 0);
	CHECK(again.n == v->n);
	for (i = 0; i < v->n; i++) {
		CHECK(strcmp(again.resource[i], v->resource[i]) == 0);
		CHECK(strcmp(again.value[i], v->value[i]) == 0);
	}
	lockvalues_free(&again);
	lockdoc_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lock_kv kv[MAX_PAIRS];
	struct lockvalues v;
	struct lockdoc *doc = NULL;
	struct lf_error err = { 0 };
	struct lock_entry e;
	char *buf = malloc(size + 1);
	size_t n, i;
	int rc;

	CHECK(buf != NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	n = split(buf, size + 1, kv);
	rc = lockvalue_doc(kv, n, &doc, &err);
	if (rc < 0) {
		check_error(rc, &err);
		goto out;
	}
	CHECK(lockdoc_count(doc) == n);
	for (i = 0; i < n; i++) {
		lockdoc_entry(doc, i, &e);
		CHECK(e.resource && strcmp(e.resource, kv[i].resource) == 0);
	}
	CHECK(lockvalue_values(doc, &v) == 0);
	CHECK(v.n == n);
	check_values_read_back(&v);
	lockvalues_free(&v);
out:
	lockdoc_free(doc);
	free(buf);
	return 0;
}
