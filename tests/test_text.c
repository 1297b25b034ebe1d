/* test_text.c - cmocka suite for core/text.c: the one UTF-8 decoder, its
 * cleaning and cutting, and the store writers that rely on it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lockdoc.h"
#include "text.h"

#define R TEXT_REPLACEMENT

/* The shortest encoding of cp, written independently of text.c. */
static size_t encode(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static void bad(const char *s, size_t len)
{
	assert_int_equal(text_char(s, len, NULL), 0);
	assert_int_equal(text_valid_prefix(s, len), 0);
}

static void test_every_code_point(void **state)
{
	unsigned char buf[4];
	uint32_t cp, got;
	size_t n;

	(void)state;
	for (cp = 0; cp <= 0x10ffff; cp++) {
		n = encode(cp, buf);
		got = 0xffffffff;
		if (cp >= 0xd800 && cp <= 0xdfff) {
			assert_int_equal(text_char((char *)buf, n, &got), 0);
			continue;
		}
		assert_int_equal(text_char((char *)buf, n, &got), n);
		assert_int_equal(got, cp);
		/* One byte short is never a character. */
		if (n > 1)
			assert_int_equal(text_char((char *)buf, n - 1, NULL), 0);
	}
}

/* Every two- and three-byte string: accepted exactly when it is the
 * shortest encoding of a code point that is not a surrogate. */
static void test_every_short_string(void **state)
{
	unsigned char buf[4], ref[4];
	uint32_t v, cp;
	size_t n;

	(void)state;
	for (v = 0; v < 0x1000000; v++) {
		buf[0] = (unsigned char)(v >> 16);
		buf[1] = (unsigned char)(v >> 8);
		buf[2] = (unsigned char)v;
		if (buf[0] < 0x80)
			continue;
		n = text_char((char *)buf, 3, &cp);
		if (n == 0)
			continue;
		assert_true(n == 2 || n == 3);
		assert_true(cp >= 0x80);
		assert_false(cp >= 0xd800 && cp <= 0xdfff);
		assert_int_equal(encode(cp, ref), n);
		assert_memory_equal(buf, ref, n);
	}
}

static void test_refused_forms(void **state)
{
	(void)state;
	/* Overlong forms of NUL, '/', U+07FF, U+FFFF. */
	bad("\xc0\x80", 2);
	bad("\xc1\xbf", 2);
	bad("\xe0\x80\xaf", 3);
	bad("\xe0\x9f\xbf", 3);
	bad("\xf0\x8f\xbf\xbf", 4);
	/* Surrogates, one and a pair written as two. */
	bad("\xed\xa0\x80", 3);
	bad("\xed\xbf\xbf", 3);
	bad("\xed\xa0\xbd\xed\xb8\x80", 6);
	/* Past U+10FFFF; lead bytes that never start a character. */
	bad("\xf4\x90\x80\x80", 4);
	bad("\xf5\x80\x80\x80", 4);
	bad("\xff", 1);
	bad("\xfe", 1);
	/* Continuation bytes alone; sequences cut short or interrupted. */
	bad("\x80", 1);
	bad("\xbf", 1);
	bad("\xc3", 1);
	bad("\xe2\x82", 2);
	bad("\xf0\x9f\x98", 3);
	bad("\xe2\x28\xa1", 3);
	bad("\xc3\xc3", 2);
	assert_int_equal(text_char("", 0, NULL), 0);
}

static void test_accepted_edges(void **state)
{
	uint32_t cp;

	(void)state;
	assert_int_equal(text_char("\xc2\x80", 2, &cp), 2);
	assert_int_equal(cp, 0x80);
	assert_int_equal(text_char("\xed\x9f\xbf", 3, &cp), 3);
	assert_int_equal(cp, 0xd7ff);
	assert_int_equal(text_char("\xee\x80\x80", 3, &cp), 3);
	assert_int_equal(cp, 0xe000);
	assert_int_equal(text_char("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	assert_int_equal(text_valid_prefix("a\xc3\xa9z\xc0\x80", 6), 4);
	assert_true(text_is_valid("caf\xc3\xa9 \xf0\x9f\x98\x80"));
	assert_false(text_is_valid("a\xc0\x80" "b"));
}

static void test_controls(void **state)
{
	(void)state;
	assert_true(text_is_control(0));
	assert_true(text_is_control(0x1f));
	assert_false(text_is_control(0x20));
	assert_false(text_is_control(0x7e));
	assert_true(text_is_control(0x7f));
	assert_true(text_is_control(0x80));
	assert_true(text_is_control(0x9f));
	assert_false(text_is_control(0xa0));
}

static void clean_is(const char *in, size_t len, size_t size,
		     enum text_control c, const char *want)
{
	char out[256];
	size_t n;

	assert_true(size <= sizeof(out));
	memset(out, 'X', sizeof(out));
	n = text_clean(out, size, in, len, c);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	assert_true(text_is_valid(out));
}

static void test_clean(void **state)
{
	(void)state;
	/* The outage's note: the overlong NUL is two bad bytes. */
	clean_is("a\xc0\x80" "b", 4, 64, TEXT_CONTROL_SPACE, "a" R R "b");
	clean_is("\xed\xa0\x80", 3, 64, TEXT_CONTROL_SPACE, R R R);
	clean_is("\xf4\x90\x80\x80!", 5, 64, TEXT_CONTROL_SPACE, R R R R "!");
	clean_is("x\xe2\x82", 3, 64, TEXT_CONTROL_SPACE, "x" R R);
	/* Controls: C0, DEL and C1 (U+0085) replaced or kept. */
	clean_is("a\tb\x7f" "c\xc2\x85" "d", 8, 64, TEXT_CONTROL_SPACE,
		 "a b c d");
	clean_is("a\x1b[2Jb", 6, 64, TEXT_CONTROL_QUESTION, "a?[2Jb");
	clean_is("a\tb\xc2\x85", 5, 64, TEXT_KEEP_CONTROL, "a\tb\xc2\x85");
	/* NUL inside the input never ends up in the C string. */
	clean_is("a\0b", 3, 64, TEXT_KEEP_CONTROL, "a" R "b");
	clean_is("a\0b", 3, 64, TEXT_CONTROL_SPACE, "a b");
}

static void test_cut_on_boundary(void **state)
{
	const char *e = "\xc3\xa9\xc3\xa9\xc3\xa9";	/* three U+00E9 */
	const char *emoji = "ab\xf0\x9f\x98\x80";

	(void)state;
	clean_is(e, 6, 7, TEXT_CONTROL_SPACE, e);
	clean_is(e, 6, 6, TEXT_CONTROL_SPACE, "\xc3\xa9\xc3\xa9");
	clean_is(e, 6, 5, TEXT_CONTROL_SPACE, "\xc3\xa9\xc3\xa9");
	clean_is(e, 6, 4, TEXT_CONTROL_SPACE, "\xc3\xa9");
	clean_is(e, 6, 2, TEXT_CONTROL_SPACE, "");
	clean_is(e, 6, 1, TEXT_CONTROL_SPACE, "");
	clean_is(emoji, 6, 6, TEXT_CONTROL_SPACE, "ab");
	clean_is(emoji, 6, 7, TEXT_CONTROL_SPACE, emoji);
	/* A replacement is three bytes and is not cut either. */
	clean_is("ab\xff", 3, 5, TEXT_CONTROL_SPACE, "ab");
	clean_is("ab\xff", 3, 6, TEXT_CONTROL_SPACE, "ab" R);
}

static void test_one_line(void **state)
{
	char big[1000];
	char *s;

	(void)state;
	s = text_one_line("rewriting the intro\r\n\n", 200);
	assert_string_equal(s, "rewriting the intro");
	free(s);
	s = text_one_line("two\nlines\xc0\x80", 200);
	assert_string_equal(s, "two lines" R R);
	free(s);
	memset(big, 0xff, sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = text_one_line(big, 200);
	/* 66 replacements of 3 bytes fit in 200. */
	assert_int_equal(strlen(s), 198);
	assert_true(text_is_valid(s));
	free(s);
	s = text_clean_dup("\xff", 1, 2, TEXT_CONTROL_SPACE);
	assert_string_equal(s, "");
	free(s);
}

/* What the store writer is given, it writes as UTF-8 that its own parser
 * reads back, whatever the bytes. */
static void test_lockdoc_writes_what_it_reads(void **state)
{
	struct lock_fields f = {
		.instance = "CLI-\xc0\x80",
		.timestamp = 1795773780,
		.acquired = 1795773780,
		.token = 1,
		.uid = -1,
		.host = "h\xff\x01",
		.note = "a\xed\xa0\x80\x1b",
	};
	struct lockdoc *doc = lockdoc_new(), *back = NULL;
	struct lf_error err = { 0 };
	struct lock_entry e;
	char *text;
	size_t len;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(lockdoc_append(doc, "Chapter_\xf5", &f), 0);
	text = lockdoc_serialize(doc, &len);
	assert_non_null(text);
	assert_int_equal(text_valid_prefix(text, len), len);
	assert_int_equal(lockdoc_parse(text, len, &back, &err), 0);
	lockdoc_entry(back, 0, &e);
	assert_string_equal(e.resource, "Chapter_" R);
	assert_string_equal(e.instance, "CLI-" R R);
	assert_string_equal(e.host, "h" R "\x01");
	assert_string_equal(e.note, "a" R R R "\x1b");
	free(text);
	lockdoc_free(back);
	lockdoc_free(doc);
}

/* Blanks go at both ends only; an all-blank value becomes empty. */
static void test_trim_blanks(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "  key = a b \t", "key = a b" },
		{ "\tx", "x" },
		{ "x\t ", "x" },
		{ " \t ", "" },
		{ "", "" },
		{ "\nx", "\nx" },
	};
	const char *s;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = cases[i].in;
		len = strlen(s);
		text_trim_blanks(&s, &len);
		assert_int_equal(len, strlen(cases[i].out));
		assert_memory_equal(s, cases[i].out, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_every_short_string),
		cmocka_unit_test(test_refused_forms),
		cmocka_unit_test(test_accepted_edges),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_cut_on_boundary),
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_trim_blanks),
		cmocka_unit_test(test_lockdoc_writes_what_it_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
