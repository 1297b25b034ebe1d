/* test_lockview.c - the one JSON writer of a lock view: its bytes are what
 * cJSON_PrintUnformatted writes for the same object (the way the view was
 * built before it was written directly), every form is strict JSON that
 * reads back to the same values, and the status form adds the oddities.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "lockview.h"

static void add_string_or_null(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

/* The object of a lock file built with cJSON: the reference. */
static char *reference(const struct lock_view *v)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	assert_non_null(o);
	add_string_or_null(o, "resource", v->e.resource);
	add_string_or_null(o, "instance", v->e.instance);
	add_string_or_null(o, "timestamp", v->e.timestamp);
	add_string_or_null(o, "acquired", v->e.acquired);
	cJSON_AddNumberToObject(o, "age_seconds", (double)v->age);
	cJSON_AddBoolToObject(o, "stale", v->stale != STALE_NONE);
	add_string_or_null(o, "stale_reason", policy_stale_reason_name(v->stale));
	cJSON_AddNumberToObject(o, "token", (double)v->e.token);
	add_string_or_null(o, "note", v->e.note);
	if (v->e.pid > 0)
		cJSON_AddNumberToObject(o, "pid", (double)v->e.pid);
	else
		cJSON_AddNullToObject(o, "pid");
	add_string_or_null(o, "host", v->e.host);
	cJSON_AddBoolToObject(o, "known_name", v->name_known);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	assert_non_null(text);
	return text;
}

/* Parsed to its end (nothing but white space after the value), or the
 * test fails. */
static cJSON *strict(const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *j;

	assert_int_equal(strlen(text), len);
	j = cJSON_ParseWithOpts(text, &end, 1);
	assert_non_null(j);
	assert_ptr_equal(end, text + len);
	return j;
}

static void assert_string_member(const cJSON *j, const char *key,
				 const char *want)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, key);

	assert_non_null(m);
	if (!want) {
		assert_true(cJSON_IsNull(m));
		return;
	}
	assert_true(cJSON_IsString(m));
	assert_string_equal(m->valuestring, want);
}

static void assert_number_member(const cJSON *j, const char *key, double want)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, key);

	assert_non_null(m);
	assert_true(cJSON_IsNumber(m));
	assert_true(m->valuedouble == want);
}

/* Views whose strings need every kind of escape, and absent fields. */
static const struct lock_view views[] = {
	{
		.e = { .resource = "Chapter_01", .instance = "CLI-a1b2c3d4",
		       .timestamp = "2026-11-27T10:03:00Z",
		       .acquired = "2026-11-27T10:00:00Z", .token = 42,
		       .pid = 4242, .host = "book-host", .note = "ch. 1" },
		.age = 61, .name_known = true,
	},
	{
		.e = { .resource = "quote\"back\\slash/tab\tnl\ncr\rbs\bff\f",
		       .instance = NULL, .timestamp = "not a time",
		       .note = "\x01\x1f ctrl and \xc3\xa9t\xc3\xa9 \xe2\x82\xac",
		       .problem = "\"pid\" is not a number" },
		.stale = STALE_BAD_TIMESTAMP, .age = -5, .duplicate = true,
	},
	{
		.e = { .resource = "ImageRegistry", .instance = "CLI-x",
		       .timestamp = "2020-01-01T00:00:00Z", .token = 999999999999999LL,
		       .pid = -1, .host = "" },
		.stale = STALE_HOLDER_EXITED, .age = 999999999999999LL,
		.name_known = true,
	},
};

static void test_bytes_are_cjsons(void **state)
{
	size_t i, len;
	char *text, *want;

	(void)state;
	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		want = reference(&views[i]);
		text = lockview_json(&views[i], LOCKVIEW_OBJECT, &len);
		assert_non_null(text);
		assert_int_equal(len, strlen(text));
		assert_string_equal(text, want);
		free(text);
		text = lockview_json(&views[i], LOCKVIEW_FILE, &len);
		assert_non_null(text);
		assert_int_equal(len, strlen(want) + 1);
		assert_memory_equal(text, want, len - 1);
		assert_int_equal(text[len - 1], '\n');
		free(text);
		free(want);
	}
}

static void test_reads_back(void **state)
{
	const struct lock_view *v;
	size_t i, len;
	char *text;
	cJSON *j;

	(void)state;
	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		v = &views[i];
		text = lockview_json(v, LOCKVIEW_FILE, &len);
		assert_non_null(text);
		j = strict(text, len);
		assert_string_member(j, "resource", v->e.resource);
		assert_string_member(j, "instance", v->e.instance);
		assert_string_member(j, "timestamp", v->e.timestamp);
		assert_string_member(j, "note", v->e.note);
		assert_string_member(j, "host", v->e.host);
		assert_string_member(j, "stale_reason",
				     policy_stale_reason_name(v->stale));
		assert_number_member(j, "age_seconds", (double)v->age);
		assert_number_member(j, "token", (double)v->e.token);
		if (v->e.pid > 0)
			assert_number_member(j, "pid", v->e.pid);
		else
			assert_string_member(j, "pid", NULL);
		assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(j, "stale")),
				 v->stale != STALE_NONE);
		assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(j, "known_name")),
				 v->name_known);
		cJSON_Delete(j);
		free(text);
	}
}

/* Integers past what a double holds exactly are written exactly. */
static void test_large_integers_are_exact(void **state)
{
	struct lock_view v = views[0];
	char *text;

	(void)state;
	v.e.token = 9007199254740993LL;
	v.age = -9007199254740993LL;
	text = lockview_json(&v, LOCKVIEW_OBJECT, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"token\":9007199254740993,"));
	assert_non_null(strstr(text, "\"age_seconds\":-9007199254740993,"));
	cJSON_Delete(strict(text, strlen(text)));
	free(text);
}

static void test_status_form_adds_the_oddities(void **state)
{
	const cJSON *flags, *m;
	size_t len;
	char *text, *base;
	cJSON *j;

	(void)state;
	base = lockview_json(&views[1], LOCKVIEW_OBJECT, NULL);
	text = lockview_json(&views[1], LOCKVIEW_STATUS, &len);
	assert_non_null(base);
	assert_non_null(text);
	/* the file's object, then the additions */
	assert_memory_equal(text, base, strlen(base) - 1);
	assert_string_equal(text + strlen(base) - 1,
		",\"flags\":[\"unknown-name\",\"duplicate\",\"bad-timestamp\",\"bad-field\"],"
		"\"duplicate\":true,\"problem\":\"\\\"pid\\\" is not a number\"}");
	j = strict(text, len);
	flags = cJSON_GetObjectItem(j, "flags");
	assert_int_equal(cJSON_GetArraySize(flags), LOCK_NFLAGS);
	m = cJSON_GetObjectItem(j, "duplicate");
	assert_true(cJSON_IsTrue(m));
	cJSON_Delete(j);
	free(text);
	free(base);

	text = lockview_json(&views[0], LOCKVIEW_STATUS, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, ",\"flags\":[],\"duplicate\":false,\"problem\":null}"));
	cJSON_Delete(strict(text, len));
	free(text);
}

static void test_unclaimed(void **state)
{
	size_t len;
	char *text;

	(void)state;
	text = lockview_unclaimed_json("locks[3] has no \"resource\"", &len);
	assert_non_null(text);
	assert_string_equal(text,
		"{\"resource\":null,\"flags\":[\"no-claim\"],"
		"\"problem\":\"locks[3] has no \\\"resource\\\"\"}");
	cJSON_Delete(strict(text, len));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_are_cjsons),
		cmocka_unit_test(test_reads_back),
		cmocka_unit_test(test_large_integers_are_exact),
		cmocka_unit_test(test_status_form_adds_the_oddities),
		cmocka_unit_test(test_unclaimed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
