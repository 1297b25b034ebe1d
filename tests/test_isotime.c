/* test_isotime.c - cmocka suite for core/isotime.c: the timestamps lockfs
 * writes, and the ones other writers put into locks.json. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "isotime.h"

#define T_2026_11_27_100300 ((time_t)1795773780)

/* Parse s, expecting success, and return the instant. */
static time_t parse_ok(const char *s)
{
	time_t t = 0;
	int rc = isotime_parse(s, &t);

	if (rc != 0)
		fail_msg("isotime_parse(\"%s\") = %d, expected 0", s, rc);
	return t;
}

static void parse_bad(const char *s)
{
	time_t t = 12345;
	int rc = isotime_parse(s, &t);

	if (rc != -EINVAL)
		fail_msg("isotime_parse(\"%s\") = %d, expected -EINVAL", s, rc);
	/* a failed parse leaves the result alone */
	assert_int_equal(t, 12345);
}

static void test_format(void **state)
{
	char buf[ISOTIME_MAX];

	(void)state;
	isotime_format(0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	isotime_format(T_2026_11_27_100300, buf);
	assert_string_equal(buf, "2026-11-27T10:03:00Z");
	isotime_format(951782400, buf);
	assert_string_equal(buf, "2000-02-29T00:00:00Z");
	isotime_format(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	isotime_format(253402300799, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59Z");
}

static void test_format_unwritable_year(void **state)
{
	char buf[ISOTIME_MAX];

	(void)state;
	/* year 10000 would not read back: written as "" (bad timestamp) */
	memset(buf, 'x', sizeof(buf));
	isotime_format(253402300800, buf);
	assert_string_equal(buf, "");
	memset(buf, 'x', sizeof(buf));
	isotime_format((time_t)INT64_MAX, buf);
	assert_string_equal(buf, "");
}

static void test_parse_utc(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-11-27T10:03:00Z"), T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27T10:03:00z"), T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27t10:03:00Z"), T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27 10:03:00Z"), T_2026_11_27_100300);
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1);
	assert_int_equal(parse_ok("0000-01-01T00:00:00Z"), -62167219200LL);
	assert_int_equal(parse_ok("9999-12-31T23:59:59Z"), 253402300799LL);
}

static void test_parse_offsets(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-11-27T15:33:00+05:30"),
			 T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27T15:33:00+0530"),
			 T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27T02:03:00-08:00"),
			 T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27T02:03:00-0800"),
			 T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27T10:03:00+00:00"),
			 T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27T10:03:00-00:00"),
			 T_2026_11_27_100300);
	/* offsets that cross a day boundary */
	assert_int_equal(parse_ok("2026-11-28T10:02:00+23:59"),
			 T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-26T10:04:00-23:59"),
			 T_2026_11_27_100300);
	/* and a year boundary */
	assert_int_equal(parse_ok("2016-12-31T19:00:00-05:00"), 1483228800);
}

static void test_parse_fraction(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-11-27T10:03:00.5Z"),
			 T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27T10:03:00.999999999Z"),
			 T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27T10:03:00,123Z"),
			 T_2026_11_27_100300);
	assert_int_equal(parse_ok("2026-11-27T15:33:00.123456+05:30"),
			 T_2026_11_27_100300);
	/* more digits than nanoseconds: still truncated, not rejected */
	assert_int_equal(parse_ok("2026-11-27T10:03:00.1234567890123456Z"),
			 T_2026_11_27_100300);
}

static void test_parse_leap_years(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), 951782400);
	assert_int_equal(parse_ok("2024-02-29T12:00:00Z"), 1709208000);
	parse_bad("2023-02-29T00:00:00Z");
	parse_bad("1900-02-29T00:00:00Z");
	parse_bad("2100-02-29T00:00:00Z");
	parse_bad("2024-02-30T00:00:00Z");
	parse_bad("2026-04-31T00:00:00Z");
	parse_bad("2026-06-31T00:00:00Z");
	parse_bad("2026-09-31T00:00:00Z");
	parse_bad("2026-11-31T00:00:00Z");
	parse_ok("2026-12-31T00:00:00Z");
	parse_ok("2026-01-31T00:00:00Z");
}

static void test_parse_leap_second(void **state)
{
	(void)state;
	/* second 60 counts as the first second of the next minute */
	assert_int_equal(parse_ok("2016-12-31T23:59:60Z"), 1483228800);
	assert_int_equal(parse_ok("2017-01-01T00:00:00Z"), 1483228800);
	assert_int_equal(parse_ok("2016-12-31T18:59:60-05:00"), 1483228800);
	parse_bad("2016-12-31T23:59:61Z");
}

static void test_parse_out_of_range(void **state)
{
	(void)state;
	parse_bad("2026-13-27T10:03:00Z");
	parse_bad("2026-00-27T10:03:00Z");
	parse_bad("2026-11-00T10:03:00Z");
	parse_bad("2026-11-32T10:03:00Z");
	parse_bad("2026-11-27T24:00:00Z");
	parse_bad("2026-11-27T25:00:00Z");
	parse_bad("2026-11-27T10:60:00Z");
	parse_bad("2026-11-27T10:03:99Z");
	parse_bad("2026-11-27T10:03:00+24:00");
	parse_bad("2026-11-27T10:03:00+05:60");
	parse_bad("2026-11-27T10:03:00-99:99");
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"Z",
		"2026",
		"2026-11-27",
		"2026-11-27T",
		"2026-11-27T10:03",
		"2026-11-27T10:03:00",		/* no zone */
		"2026-11-27T10:03Z",
		"2026-11-27X10:03:00Z",
		"2026-11-27_10:03:00Z",
		"2026-11-27T10:03:00ZZ",
		"2026-11-27T10:03:00Z ",
		" 2026-11-27T10:03:00Z",
		"\t2026-11-27T10:03:00Z",
		"2026-11-27T10:03:00Z\n",
		"2026-11-27T10:03:00 Z",
		"2026-11-27T10:03:00.Z",
		"2026-11-27T10:03:00..5Z",
		"2026-11-27T10:03:00.5.5Z",
		"2026-11-27T10:03:00.5",
		"2026-11-27T10:03:00.-5Z",
		"2026-11-27T10:03:00+05",
		"2026-11-27T10:03:00+5:30",
		"2026-11-27T10:03:00+05:3",
		"2026-11-27T10:03:00+05:300",
		"2026-11-27T10:03:00+05::30",
		"2026-11-27T10:03:00+",
		"2026-11-27T10:03:00UTC",
		"2026-11-27T10:03:00GMT",
		"2026-11-27T10:03:00\342\210\22205:00",	/* U+2212 minus */
		"2026-1-27T10:03:00Z",
		"2026-11-7T10:03:00Z",
		"2026-11-27T1:03:00Z",
		"2026-11-27T10:3:00Z",
		"2026-11-27T10:03:0Z",
		"26-11-27T10:03:00Z",
		"+2026-11-27T10:03:00Z",
		"-2026-11-27T10:03:00Z",
		"12026-11-27T10:03:00Z",
		"20261127T100300Z",		/* basic format: not accepted */
		"2026/11/27T10:03:00Z",
		"2026-11-27T10.03.00Z",
		"2O26-11-27T10:03:00Z",		/* letter O */
		"2026-11-27T10:03:00\xff",
		"1795773780",
		"null",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i]);
}

static void test_parse_null(void **state)
{
	time_t t = 7;

	(void)state;
	assert_int_equal(isotime_parse(NULL, &t), -EINVAL);
	assert_int_equal(t, 7);
	assert_int_equal(isotime_parse("2026-11-27T10:03:00Z", NULL), -EINVAL);
}

static void test_parse_long(void **state)
{
	static const char head[] = "2026-11-27T10:03:00.";
	size_t big = 1 << 20;
	char *s = malloc(big + 1);

	(void)state;
	if (!s)
		abort();	/* gcc cannot see that a failed assert_non_null does not return */
	/* 43 fraction digits: the whole string is exactly 64 bytes */
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, '7', 43);
	strcpy(s + sizeof(head) - 1 + 43, "Z");
	assert_int_equal(strlen(s), 64);
	assert_int_equal(parse_ok(s), T_2026_11_27_100300);
	/* one more digit is past the bound */
	memset(s + sizeof(head) - 1, '7', 44);
	strcpy(s + sizeof(head) - 1 + 44, "Z");
	parse_bad(s);
	/* a megabyte of digits, and a megabyte of garbage */
	memset(s + sizeof(head) - 1, '7', big - sizeof(head));
	strcpy(s + big - 1, "Z");
	parse_bad(s);
	memset(s, 'a', big);
	s[big] = '\0';
	parse_bad(s);
	free(s);
}

static void test_round_trip(void **state)
{
	static const time_t fixed[] = {
		0, 1, -1, 59, 60, 86399, 86400, 951782400, 951868799,
		1483228799, 1483228800, T_2026_11_27_100300, 2147483647,
		2147483648LL, 4102444799LL, 253402300799LL, -62167219200LL,
	};
	char buf[ISOTIME_MAX];
	time_t t;
	unsigned long long x = 88172645463325252ULL;

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		isotime_format(fixed[i], buf);
		assert_int_equal(isotime_parse(buf, &t), 0);
		assert_int_equal(t, fixed[i]);
	}
	/* xorshift over years 0000..9999 */
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		time_t v = (time_t)(x % 253402300800ULL) - 62167219200LL;

		isotime_format(v, buf);
		assert_int_equal(strlen(buf), 20);
		assert_int_equal(isotime_parse(buf, &t), 0);
		assert_int_equal(t, v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_unwritable_year),
		cmocka_unit_test(test_parse_utc),
		cmocka_unit_test(test_parse_offsets),
		cmocka_unit_test(test_parse_fraction),
		cmocka_unit_test(test_parse_leap_years),
		cmocka_unit_test(test_parse_leap_second),
		cmocka_unit_test(test_parse_out_of_range),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_null),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
