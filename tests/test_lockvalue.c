/* test_lockvalue.c - the etcd backend's codec: what etcd values read as,
 * and what lockfs writes back for them (core/lockvalue.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lockvalue.h"

static struct lockdoc *doc_of(struct lock_kv *kv, size_t n)
{
	struct lockdoc *doc = NULL;
	struct lf_error err = { 0 };

	assert_int_equal(lockvalue_doc(kv, n, &doc, &err), 0);
	return doc;
}

/* A lock's value goes in and comes out byte for byte, also numbers no
 * double can hold and fields lockfs does not own. */
static void test_values_round_trip(void **state)
{
	static const char v1[] = "{\"resource\":\"Chapter_01\",\"instance\":\"A\","
				 "\"timestamp\":\"2026-12-01T22:51:10Z\",\"token\":7,"
				 "\"big\":123456789012345678901234567890,"
				 "\"note\":\"caf\xc3\xa9 \\u0001\"}";
	static const char v2[] = "{\"instance\":\"B\",\"resource\":\"Chapter_02\"}";
	struct lock_kv kv[] = {
		{ "Chapter_01", (char *)v1, 5 }, { "Chapter_02", (char *)v2, 6 },
	};
	struct lockdoc *doc = doc_of(kv, 2);
	struct lockvalues v;
	struct lock_entry e;

	(void)state;
	lockdoc_entry(doc, 0, &e);
	assert_string_equal(e.instance, "A");
	assert_int_equal(e.token, 7);
	assert_int_equal(lockvalue_values(doc, &v), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(lockvalues_get(&v, "Chapter_01"), v1);
	assert_string_equal(lockvalues_get(&v, "Chapter_02"), v2);
	assert_null(lockvalues_get(&v, "Chapter_03"));
	lockvalues_free(&v);
	lockdoc_free(doc);
}

/* The key decides the resource; what is not a lock is kept, readable,
 * in a claim nobody holds. */
static void test_odd_values_are_claims_of_their_key(void **state)
{
	struct lock_kv kv[] = {
		{ "Chapter_01", "not json", 1 },
		{ "Chapter_02", "{\"resource\":\"Chapter_09\",\"instance\":\"A\"}", 2 },
		{ "Chapter_03", "{\"resource\":\"Chapter_03\",\"resource\":\"x\"}", 3 },
		{ "Chapter_04", "[1,2]", 4 },
		{ "Chapter_05", "{\"resource\":\"Chapter_05\",\"note\":\"\xc0\"}", 5 },
		{ "Chapter_06", "{\"resource\":\"Chapter_06\"} trailing", 6 },
		{ "Chapter_07", "{\"resource\":\"Chapter_07\",\"resource\":\"Chapter_07\"}", 7 },
	};
	struct lockdoc *doc = doc_of(kv, 7);
	struct lockvalues v;
	struct lock_entry e;
	size_t i;

	(void)state;
	assert_int_equal(lockdoc_count(doc), 7);
	for (i = 0; i < 7; i++) {
		lockdoc_entry(doc, i, &e);
		assert_string_equal(e.resource, kv[i].resource);
	}
	lockdoc_entry(doc, 1, &e);
	assert_string_equal(e.instance, "A");
	lockdoc_entry(doc, 0, &e);
	assert_null(e.instance);
	assert_false(e.ts_ok);
	assert_int_equal(lockvalue_values(doc, &v), 0);
	assert_non_null(strstr(lockvalues_get(&v, "Chapter_01"),
			       "\"unreadable\":\"not json\""));
	assert_non_null(strstr(lockvalues_get(&v, "Chapter_05"),
			       "\"unreadable\":"));
	lockvalues_free(&v);
	lockdoc_free(doc);
}

/* A document with duplicates (a locks.json moved to etcd) gives each
 * resource its first entry, and the values come sorted by resource. */
static void test_first_entry_of_a_resource(void **state)
{
	static const char text[] =
		"{\"locks\":[{\"resource\":\"B\",\"instance\":\"one\"},"
		"{\"resource\":\"A\",\"instance\":\"x\"},"
		"{\"resource\":\"B\",\"instance\":\"two\"}]}";
	struct lockdoc *doc = NULL;
	struct lockvalues v;

	(void)state;
	assert_int_equal(lockdoc_parse(text, strlen(text), &doc, NULL), 0);
	assert_int_equal(lockvalue_values(doc, &v), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.resource[0], "A");
	assert_string_equal(v.resource[1], "B");
	assert_string_equal(v.value[1], "{\"resource\":\"B\",\"instance\":\"one\"}");
	lockvalues_free(&v);
	lockdoc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_round_trip),
		cmocka_unit_test(test_odd_values_are_claims_of_their_key),
		cmocka_unit_test(test_first_entry_of_a_resource),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
