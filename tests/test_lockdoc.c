/* test_lockdoc.c - locks.json in memory: what survives, what is refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lockdoc.h"

static struct lockdoc *parse_ok(const char *text)
{
	struct lf_error err = { 0 };
	struct lockdoc *doc = NULL;

	if (lockdoc_parse(text, strlen(text), &doc, &err) < 0)
		fail_msg("unexpected parse error: %s", err.msg);
	return doc;
}

static void expect_refused(const char *text, size_t len, const char *what)
{
	struct lf_error err = { 0 };
	struct lockdoc *doc = NULL;

	assert_int_equal(lockdoc_parse(text, len, &doc, &err), -EIO);
	assert_null(doc);
	assert_int_equal(err.code, EIO);
	if (!strstr(err.msg, what))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, what);
}

#define REFUSE(text, what) expect_refused(text, sizeof(text) - 1, what)

static char *serialize(const struct lockdoc *doc)
{
	char *text = lockdoc_serialize(doc, NULL);

	assert_non_null(text);
	return text;
}

static const char odd_store[] =
	"{\"version\":   2, \"owner\" : {\"name\":\"Ana\", \"tags\":[1,2.50,true,null]},\n"
	"  \"locks\":[ {\"instance\":\"CLI-1\",\"resource\":\"Chapter_01\",\n"
	"     \"timestamp\":\"2026-11-27T10:03:00+01:00\",\"purpose\":\"intro\",\n"
	"     \"big\": 123456789012345678901234567890, \"exp\": 1E400, \"neg\": -0.0},\n"
	"   {\"resource\":\"Weird name\",\"instance\":\"x\",\"timestamp\":\"yesterday\"}\n"
	"  ], \"trailer\": \"\\u00e9\\n\\\"q\\\"\"}";

static void test_empty_files_are_empty_stores(void **state)
{
	struct lockdoc *doc;
	char *text;

	(void)state;
	doc = parse_ok("");
	assert_int_equal(lockdoc_count(doc), 0);
	text = serialize(doc);
	assert_string_equal(text, "{\n  \"locks\": []\n}\n");
	free(text);
	lockdoc_free(doc);
	doc = parse_ok(" \n\t\r\n");
	assert_int_equal(lockdoc_count(doc), 0);
	lockdoc_free(doc);
	/* An object without "locks" is an empty store too. */
	doc = parse_ok("{\"note\": \"hi\"}");
	assert_int_equal(lockdoc_count(doc), 0);
	lockdoc_free(doc);
}

static void test_entries_are_read(void **state)
{
	struct lockdoc *doc = parse_ok(odd_store);
	struct lock_entry e;

	(void)state;
	assert_int_equal(lockdoc_count(doc), 2);
	lockdoc_entry(doc, 0, &e);
	assert_string_equal(e.resource, "Chapter_01");
	assert_string_equal(e.instance, "CLI-1");
	assert_true(e.ts_ok);
	assert_int_equal(e.ts, 1795773780 - 3600);	/* 10:03+01:00 = 09:03Z */
	assert_int_equal(e.token, 0);
	assert_int_equal(e.pid, 0);
	assert_int_equal(e.uid, -1);
	assert_null(e.note);
	/* An unreadable timestamp is kept and reported, never dropped. */
	lockdoc_entry(doc, 1, &e);
	assert_string_equal(e.resource, "Weird name");
	assert_false(e.ts_ok);
	assert_string_equal(e.timestamp, "yesterday");
	lockdoc_free(doc);
}

/* Unknown fields and entries survive, in order, numbers to the digit. */
static void test_round_trip_keeps_what_it_does_not_own(void **state)
{
	struct lockdoc *doc = parse_ok(odd_store), *again;
	char *first, *second;

	(void)state;
	first = serialize(doc);
	assert_non_null(strstr(first, "\"big\": 123456789012345678901234567890"));
	assert_non_null(strstr(first, "\"exp\": 1E400"));
	assert_non_null(strstr(first, "\"neg\": -0.0"));
	assert_non_null(strstr(first, "2.50"));
	assert_non_null(strstr(first, "\"trailer\": \"\xc3\xa9\\n\\\"q\\\"\""));
	/* order of top-level members is kept */
	assert_true(strstr(first, "\"version\"") < strstr(first, "\"owner\""));
	assert_true(strstr(first, "\"owner\"") < strstr(first, "\"locks\""));
	assert_true(strstr(first, "\"locks\"") < strstr(first, "\"trailer\""));
	/* and within an entry */
	assert_true(strstr(first, "\"instance\": \"CLI-1\"") <
		    strstr(first, "\"resource\": \"Chapter_01\""));
	again = parse_ok(first);
	second = serialize(again);
	assert_string_equal(first, second);
	free(first);
	free(second);
	lockdoc_free(doc);
	lockdoc_free(again);
}

static const struct lock_fields mine = {
	.instance = "CLI-2", .timestamp = 1795773780, .acquired = 1795773780,
	.token = 7, .pid = 4242, .start_time = 99, .host = "book-host",
	.uid = 1000, .note = NULL,
};

/* Acquire then release through the document: byte-identical result. */
static void test_acquire_release_round_trip(void **state)
{
	struct lockdoc *doc = parse_ok(odd_store);
	char *before = serialize(doc), *after;
	struct lock_entry e;

	(void)state;
	assert_int_equal(lockdoc_append(doc, "Chapter_02", &mine), 0);
	assert_int_equal(lockdoc_count(doc), 3);
	lockdoc_entry(doc, 2, &e);
	assert_string_equal(e.resource, "Chapter_02");
	assert_string_equal(e.instance, "CLI-2");
	assert_string_equal(e.timestamp, "2026-11-27T10:03:00Z");
	assert_int_equal(e.ts, 1795773780);
	assert_int_equal(e.token, 7);
	assert_int_equal(e.pid, 4242);
	assert_int_equal(e.start_time, 99);
	assert_string_equal(e.host, "book-host");
	assert_int_equal(e.uid, 1000);
	assert_int_equal(lockdoc_drop(doc, "Chapter_02"), 1);
	after = serialize(doc);
	assert_string_equal(before, after);
	free(before);
	free(after);
	lockdoc_free(doc);
}

static void test_new_entry_has_bare_fields_first(void **state)
{
	struct lockdoc *doc = lockdoc_new();
	char *text;
	const char *r, *t, *i;

	(void)state;
	assert_int_equal(lockdoc_append(doc, "Chapter_03", &mine), 0);
	text = serialize(doc);
	r = strstr(text, "\"resource\"");
	t = strstr(text, "\"timestamp\"");
	i = strstr(text, "\"instance\"");
	assert_true(r && t && i && r < t && t < i);
	assert_true(i < strstr(text, "\"token\""));
	free(text);
	lockdoc_free(doc);
}

static void test_replace_keeps_foreign_fields(void **state)
{
	struct lockdoc *doc = parse_ok(odd_store);
	struct lock_fields other = mine;
	struct lock_entry e;
	char *text;

	(void)state;
	other.instance = "Codex-abc";
	other.pid = 0;
	other.note = "taking over";
	assert_int_equal(lockdoc_take(doc, "Chapter_01", &other), 0);
	assert_int_equal(lockdoc_count(doc), 2);
	lockdoc_entry(doc, 0, &e);
	assert_string_equal(e.instance, "Codex-abc");
	assert_string_equal(e.note, "taking over");
	assert_int_equal(e.pid, 0);
	text = serialize(doc);
	assert_non_null(strstr(text, "\"purpose\": \"intro\""));
	assert_non_null(strstr(text, "\"big\": 123456789012345678901234567890"));
	free(text);
	assert_int_equal(lockdoc_touch(doc, "Chapter_01", 1795773840), 0);
	lockdoc_entry(doc, 0, &e);
	assert_string_equal(e.timestamp, "2026-11-27T10:04:00Z");
	assert_int_equal(lockdoc_set_note(doc, "Chapter_01", NULL), 0);
	lockdoc_entry(doc, 0, &e);
	assert_null(e.note);
	lockdoc_free(doc);
}

/* Adopting a claim from another document moves it whole (fields lockfs
 * does not own too) and replaces every entry the resource had. */
static void test_adopt_moves_a_claim(void **state)
{
	static const char one[] = "{\"locks\":[{\"resource\":\"Chapter_01\","
				  "\"instance\":\"B\",\"big\":123456789012345678901234567890}]}";
	struct lockdoc *doc = parse_ok(odd_store), *from = parse_ok(one);
	struct lock_entry e;
	size_t before = lockdoc_count(doc);
	char *text;

	(void)state;
	assert_int_equal(lockdoc_adopt(doc, "Chapter_01", from), 0);
	assert_int_equal(lockdoc_count(from), 0);
	assert_int_equal(lockdoc_adopt(doc, "Chapter_01", from), -ENOENT);
	assert_true(lockdoc_first(doc, "Chapter_01", &e));
	assert_string_equal(e.instance, "B");
	assert_int_equal(lockdoc_count(doc), before);
	text = lockdoc_entry_text(doc, lockdoc_count(doc) - 1);
	assert_string_equal(text, "{\"resource\":\"Chapter_01\",\"instance\":\"B\","
			    "\"big\":123456789012345678901234567890}");
	free(text);
	lockdoc_free(from);
	lockdoc_free(doc);
}

/* The lease a lock records is its holder's machine's: a take by a holder
 * without one must not inherit the previous holder's. */
static void test_lease_is_the_holders(void **state)
{
	struct lockdoc *doc = lockdoc_new();
	struct lock_fields f = mine;
	struct lock_entry e;
	char *text;

	(void)state;
	f.lease = "694d7c6a9a4c8f0b";
	assert_int_equal(lockdoc_append(doc, "Chapter_01", &f), 0);
	lockdoc_entry(doc, 0, &e);
	assert_string_equal(e.lease, "694d7c6a9a4c8f0b");
	text = serialize(doc);
	assert_non_null(strstr(text, "\"lease\": \"694d7c6a9a4c8f0b\""));
	free(text);
	f.lease = NULL;
	f.instance = "Codex-abc";
	assert_int_equal(lockdoc_take(doc, "Chapter_01", &f), 0);
	lockdoc_entry(doc, 0, &e);
	assert_null(e.lease);
	lockdoc_free(doc);
}

static void test_tokens_keep_growing(void **state)
{
	struct lockdoc *doc;

	(void)state;
	doc = parse_ok("{\"locks\":[{\"resource\":\"A\",\"instance\":\"x\",\"token\":41}],"
		       "\"last_token\":12}");
	assert_int_equal(lockdoc_next_token(doc), 42);
	assert_int_equal(lockdoc_next_token(doc), 43);
	assert_int_equal(lockdoc_drop(doc, "A"), 1);
	assert_int_equal(lockdoc_next_token(doc), 44);
	lockdoc_free(doc);
	doc = lockdoc_new();
	assert_int_equal(lockdoc_next_token(doc), 1);
	lockdoc_free(doc);
}

static void test_duplicates_are_kept(void **state)
{
	struct lockdoc *doc = parse_ok(
		"{\"locks\":[{\"resource\":\"A\",\"instance\":\"x\"},"
		"{\"resource\":\"A\",\"instance\":\"y\"}]}");

	(void)state;
	assert_int_equal(lockdoc_count(doc), 2);
	lockdoc_free(doc);
}

/* One bad entry is not a bad store: it is kept as it is, claims only what
 * can be read of it, and says what is wrong. */
static const char bad_entries[] =
	"{\"locks\":[\n"
	" {\"resource\":\"A\",\"instance\":\"x\",\"timestamp\":\"2026-11-27T10:03:00Z\",\"token\":\"5\",\"note\":5},\n"
	" {\"Resource\":\"B\",\"instance\":\"y\",\"token\":9},\n"
	" 42,\n"
	" {\"resource\":\"C\",\"resource\":\"D\",\"instance\":\"z\"},\n"
	" {\"resource\":7,\"instance\":\"z\"},\n"
	" {\"resource\":\"E\",\"timestamp\":12,\"pid\":-4,\"start_time\":\"x\",\"uid\":\"0\"},\n"
	" {\"resource\":\"F\",\"instance\":\"w\",\"instance\":\"v\",\"pid\":77,\"start_time\":\"s\"},\n"
	" {\"resource\":\"G\",\"instance\":\"ok\",\"token\":3}\n"
	"]}";

static void expect_problem(const struct lock_entry *e, const char *what)
{
	if (!e->problem || !strstr(e->problem, what))
		fail_msg("problem \"%s\" lacks \"%s\"",
			 e->problem ? e->problem : "(none)", what);
}

static void test_bad_entries_are_kept(void **state)
{
	struct lockdoc *doc = parse_ok(bad_entries), *again;
	struct lock_entry e;
	char *text, *text2;

	(void)state;
	/* A, E, F, G claim their resources; the other four claim nothing. */
	assert_int_equal(lockdoc_count(doc), 4);
	assert_int_equal(lockdoc_unclaimed_count(doc), 4);
	assert_string_equal(lockdoc_unclaimed(doc, 0),
			    "locks[1] has \"Resource\", not \"resource\"");
	assert_string_equal(lockdoc_unclaimed(doc, 1), "locks[2] is not an object");
	assert_string_equal(lockdoc_unclaimed(doc, 2), "locks[3] has \"resource\" twice");
	assert_string_equal(lockdoc_unclaimed(doc, 3),
			    "locks[4] has a \"resource\" that is not a string");
	assert_false(lockdoc_first(doc, "B", NULL));
	assert_false(lockdoc_first(doc, "C", NULL));

	assert_true(lockdoc_first(doc, "A", &e));
	assert_string_equal(e.instance, "x");
	assert_true(e.ts_ok);
	assert_int_equal(e.token, 0);
	assert_null(e.note);
	expect_problem(&e, "\"token\" is not a non-negative integer");
	expect_problem(&e, "\"note\" is not a string");

	assert_true(lockdoc_first(doc, "E", &e));
	assert_null(e.instance);
	assert_false(e.ts_ok);
	assert_int_equal(e.pid, 0);
	assert_int_equal(e.uid, -1);
	expect_problem(&e, "\"instance\" is missing");
	expect_problem(&e, "\"timestamp\" is not a string");

	/* A pid without a readable start time cannot be checked. */
	assert_true(lockdoc_first(doc, "F", &e));
	assert_null(e.instance);
	assert_int_equal(e.pid, 0);
	expect_problem(&e, "\"instance\" appears twice");

	assert_true(lockdoc_first(doc, "G", &e));
	assert_null(e.problem);
	assert_int_equal(e.token, 3);

	/* Written back unchanged, read back the same. */
	text = serialize(doc);
	again = parse_ok(text);
	text2 = serialize(again);
	assert_string_equal(text, text2);
	assert_int_equal(lockdoc_count(again), 4);
	assert_int_equal(lockdoc_unclaimed_count(again), 4);
	assert_non_null(strstr(text, "\"token\": \"5\""));
	assert_non_null(strstr(text, "\"Resource\": \"B\""));
	assert_non_null(strstr(text, "\"resource\": 7"));
	free(text);
	free(text2);
	lockdoc_free(again);
	lockdoc_free(doc);
}

/* Taking over a malformed claim writes each field once, with its type. */
static void test_rewriting_a_bad_claim_repairs_it(void **state)
{
	struct lockdoc *doc = parse_ok(bad_entries), *again;
	struct lock_fields f = {
		.instance = "new", .timestamp = 1000, .acquired = 1000,
		.token = 12, .pid = 0, .host = NULL, .uid = -1, .note = NULL,
	};
	struct lock_entry e;
	char *text;

	(void)state;
	assert_int_equal(lockdoc_take(doc, "F", &f), 0);
	assert_true(lockdoc_first(doc, "F", &e));
	assert_null(e.problem);
	assert_string_equal(e.instance, "new");
	assert_int_equal(lockdoc_touch(doc, "A", 2000), 0);
	assert_true(lockdoc_first(doc, "A", &e));
	expect_problem(&e, "\"note\"");
	assert_int_equal(lockdoc_set_note(doc, "A", "fixed"), 0);
	assert_true(lockdoc_first(doc, "A", &e));
	expect_problem(&e, "\"token\"");
	assert_string_equal(e.note, "fixed");
	assert_int_equal(lockdoc_drop(doc, "E"), 1);
	text = serialize(doc);
	again = parse_ok(text);
	assert_true(lockdoc_first(again, "F", &e));
	assert_null(e.problem);
	assert_int_equal(e.token, 12);
	assert_int_equal(lockdoc_count(again), 3);
	assert_int_equal(lockdoc_unclaimed_count(again), 4);
	free(text);
	lockdoc_free(again);
	lockdoc_free(doc);
}

/* Edits by resource: "its entry" is the first one; duplicates go only
 * when asked; entries that claim nothing are never touched. */
static const char dup_store[] =
	"{\"locks\":[\n"
	" {\"resource\":\"A\",\"instance\":\"x\",\"token\":1,\"keep\":\"me\"},\n"
	" {\"resource\":\"B\",\"instance\":\"b\",\"token\":2},\n"
	" {\"Resource\":\"A\",\"odd\":  [1, 2]},\n"
	" {\"resource\":\"A\",\"instance\":\"y\",\"token\":3},\n"
	" 7,\n"
	" {\"resource\":\"A\",\"instance\":\"z\",\"token\":4}\n"
	"]}";

/* doc serializes as the store text would. */
static void assert_same_store(const struct lockdoc *doc, const char *text)
{
	struct lockdoc *want = parse_ok(text);
	char *a = serialize(doc), *b = serialize(want);

	assert_string_equal(a, b);
	free(a);
	free(b);
	lockdoc_free(want);
}

static int collect_instance(const struct lock_entry *e, void *arg)
{
	char *seen = arg;

	strcat(seen, e->instance);
	return e->token == 3 ? 9 : 0;
}

static bool token_is_even(const struct lock_entry *e, void *arg)
{
	(void)arg;
	return e->token % 2 == 0;
}

static void test_edits_by_resource(void **state)
{
	struct lockdoc *doc = parse_ok(dup_store);
	struct lock_fields f = mine;
	struct lock_entry e;
	char seen[8] = "";
	char *text;

	(void)state;
	assert_int_equal(lockdoc_count(doc), 4);
	assert_false(lockdoc_is_duplicate(doc, 0));
	assert_false(lockdoc_is_duplicate(doc, 1));
	assert_true(lockdoc_is_duplicate(doc, 2));
	assert_true(lockdoc_is_duplicate(doc, 3));
	/* every entry of A in order, stopping where fn says */
	assert_int_equal(lockdoc_each(doc, "A", collect_instance, seen), 9);
	assert_string_equal(seen, "xy");
	assert_int_equal(lockdoc_each(doc, "Z", collect_instance, seen), 0);

	/* nothing to edit: refused, nothing changes */
	assert_int_equal(lockdoc_touch(doc, "Z", 5), -ENOENT);
	assert_int_equal(lockdoc_set_note(doc, "Z", "n"), -ENOENT);
	assert_int_equal(lockdoc_drop_duplicates(doc, "Z", &e), -ENOENT);
	assert_int_equal(lockdoc_drop(doc, "Z"), 0);
	assert_int_equal(lockdoc_count(doc), 4);

	/* the first entry stays, the two after it go */
	assert_int_equal(lockdoc_drop_duplicates(doc, "A", &e), 2);
	assert_string_equal(e.instance, "x");
	assert_int_equal(lockdoc_drop_duplicates(doc, "A", NULL), 0);
	assert_int_equal(lockdoc_count(doc), 2);
	assert_same_store(doc,
		"{\"locks\":["
		" {\"resource\":\"A\",\"instance\":\"x\",\"token\":1,\"keep\":\"me\"},"
		" {\"resource\":\"B\",\"instance\":\"b\",\"token\":2},"
		" {\"Resource\":\"A\",\"odd\":  [1, 2]}, 7]}");
	lockdoc_free(doc);

	/* take: duplicates go, the first is rewritten, foreign fields stay */
	doc = parse_ok(dup_store);
	assert_int_equal(lockdoc_take(doc, "A", &f), 0);
	assert_int_equal(lockdoc_count(doc), 2);
	assert_true(lockdoc_first(doc, "A", &e));
	assert_string_equal(e.instance, "CLI-2");
	assert_int_equal(e.token, 7);
	text = serialize(doc);
	assert_non_null(strstr(text, "\"keep\": \"me\""));
	free(text);
	/* take of a resource without an entry appends one */
	assert_int_equal(lockdoc_take(doc, "C", &f), 0);
	assert_int_equal(lockdoc_count(doc), 3);
	lockdoc_entry(doc, 2, &e);
	assert_string_equal(e.resource, "C");
	assert_int_equal(lockdoc_unclaimed_count(doc), 2);
	lockdoc_free(doc);

	/* drop and drop_if leave the entries that claim nothing */
	doc = parse_ok(dup_store);
	assert_int_equal(lockdoc_drop(doc, "A"), 3);
	assert_false(lockdoc_first(doc, "A", NULL));
	assert_same_store(doc,
		"{\"locks\":["
		" {\"resource\":\"B\",\"instance\":\"b\",\"token\":2},"
		" {\"Resource\":\"A\",\"odd\":  [1, 2]}, 7]}");
	lockdoc_free(doc);
	doc = parse_ok(dup_store);
	assert_int_equal(lockdoc_drop_if(doc, token_is_even, NULL), 2);
	assert_int_equal(lockdoc_count(doc), 2);
	lockdoc_entry(doc, 0, &e);
	assert_int_equal(e.token, 1);
	lockdoc_entry(doc, 1, &e);
	assert_int_equal(e.token, 3);
	assert_same_store(doc,
		"{\"locks\":["
		" {\"resource\":\"A\",\"instance\":\"x\",\"token\":1,\"keep\":\"me\"},"
		" {\"Resource\":\"A\",\"odd\":  [1, 2]},"
		" {\"resource\":\"A\",\"instance\":\"y\",\"token\":3}, 7]}");
	lockdoc_free(doc);
}

static void test_malformed_stores_are_refused(void **state)
{
	static const char nonutf8[] = "{\"locks\":[], \"x\":\"\xff\"}";
	static const char overlong[] = "{\"x\":\"\xc0\xaf\"}";
	static const char surrogate[] = "{\"x\":\"\xed\xa0\x80\"}";
	static const char nul[] = "{\"locks\":[]}\0";

	(void)state;
	REFUSE("{\"locks\":[{\"resource\":\"A\",", "unexpected end");
	REFUSE("{\"locks\":[{\"resource\":\"A\",", "byte 26");
	REFUSE("{\"locks\": {}}", "not an array");
	REFUSE("[]", "top level is not an object");
	REFUSE("\"locks\"", "top level is not an object");
	REFUSE("{\"locks\":[],\"locks\":[]}", "twice");
	REFUSE("{\"last_token\":1,\"locks\":[],\"last_token\":999}", "twice");
	REFUSE("{\"locks\":[],\"last_token\":\"x\"}", "last_token");
	REFUSE("{\"locks\":[]} trailing", "byte 13");
	expect_refused(nonutf8, sizeof(nonutf8) - 1, "byte 18: not valid UTF-8");
	expect_refused(overlong, sizeof(overlong) - 1, "not valid UTF-8");
	expect_refused(surrogate, sizeof(surrogate) - 1, "not valid UTF-8");
	expect_refused(nul, sizeof(nul) - 1, "NUL");
	REFUSE("{\"x\":\"a\\u0000b\"}", "\\u0000");
}

static void test_deep_nesting_is_refused(void **state)
{
	char text[256];
	size_t i, n = 0;

	(void)state;
	n += (size_t)sprintf(text + n, "{\"x\":");
	for (i = 0; i < 40; i++)
		text[n++] = '[';
	for (i = 0; i < 40; i++)
		text[n++] = ']';
	text[n++] = '}';
	expect_refused(text, n, "nested deeper than");
}

static void test_huge_store_is_refused(void **state)
{
	size_t len = LOCKDOC_MAX_BYTES + 1;
	char *text = malloc(len);

	(void)state;
	assert_non_null(text);
	memset(text, ' ', len);
	text[0] = '{';
	text[len - 1] = '}';
	expect_refused(text, len, "bytes, more than");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_files_are_empty_stores),
		cmocka_unit_test(test_entries_are_read),
		cmocka_unit_test(test_round_trip_keeps_what_it_does_not_own),
		cmocka_unit_test(test_acquire_release_round_trip),
		cmocka_unit_test(test_new_entry_has_bare_fields_first),
		cmocka_unit_test(test_replace_keeps_foreign_fields),
		cmocka_unit_test(test_lease_is_the_holders),
		cmocka_unit_test(test_adopt_moves_a_claim),
		cmocka_unit_test(test_tokens_keep_growing),
		cmocka_unit_test(test_duplicates_are_kept),
		cmocka_unit_test(test_bad_entries_are_kept),
		cmocka_unit_test(test_rewriting_a_bad_claim_repairs_it),
		cmocka_unit_test(test_edits_by_resource),
		cmocka_unit_test(test_malformed_stores_are_refused),
		cmocka_unit_test(test_deep_nesting_is_refused),
		cmocka_unit_test(test_huge_store_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
