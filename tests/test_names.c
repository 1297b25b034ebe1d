/* test_names.c - cmocka suite for core/names.c: which names may be locked,
 * which patterns a config may declare, and the names suggested when a
 * caller gets one wrong. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "names.h"

#define IMAGE_PATTERN "ImageRegistry_Chapter_[0-9][0-9]"

static int setup_default(void **state)
{
	*state = nameset_new_default();
	return *state ? 0 : -1;
}

/* The defaults plus the per-chapter image registries of the README. */
static int setup_images(void **state)
{
	struct nameset *set = nameset_new_default();

	if (!set || nameset_add(set, IMAGE_PATTERN, NULL) != 0 ||
	    nameset_add(set, "Appendix_[A-F]", NULL) != 0) {
		nameset_free(set);
		return -1;
	}
	*state = set;
	return 0;
}

static int teardown_set(void **state)
{
	nameset_free(*state);
	return 0;
}

static void expect_nearest(const struct nameset *set, const char *in,
			   const char *want)
{
	char out[NAME_MAX_LEN + 1];

	assert_true(nameset_nearest(set, in, out, sizeof(out)));
	if (strcmp(out, want) != 0)
		fail_msg("nearest(\"%s\") = \"%s\", expected \"%s\"",
			 in ? in : "(null)", out, want);
}

/* nameset_add must fail with -EINVAL and exactly this message. */
static void expect_add_error(struct nameset *set, const char *in,
			     const char *msg)
{
	struct lf_error err = { 0 };

	assert_int_equal(nameset_add(set, in, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("nameset_add(\"%s\"):\n got  %s\n want %s", in,
			 err.msg, msg);
}

static void test_wellformed(void **state)
{
	char max[NAME_MAX_LEN + 2];

	(void)state;
	assert_true(name_is_wellformed("a"));
	assert_true(name_is_wellformed("Chapter_03"));
	assert_true(name_is_wellformed("_x"));
	assert_true(name_is_wellformed("0"));
	assert_true(name_is_wellformed("x-y-"));
	assert_false(name_is_wellformed(NULL));
	assert_false(name_is_wellformed(""));
	assert_false(name_is_wellformed("-a"));
	assert_false(name_is_wellformed("a b"));
	assert_false(name_is_wellformed("a/b"));
	assert_false(name_is_wellformed(".hidden"));
	assert_false(name_is_wellformed(".."));
	assert_false(name_is_wellformed("Chapter_03\n"));
	assert_false(name_is_wellformed("Chapter_[0-9]"));
	assert_false(name_is_wellformed("Kapitel_\xc3\xa4"));
	assert_false(name_is_wellformed("a\x7f"));
	memset(max, 'a', NAME_MAX_LEN);
	max[NAME_MAX_LEN] = '\0';
	assert_true(name_is_wellformed(max));
	max[NAME_MAX_LEN] = 'a';
	max[NAME_MAX_LEN + 1] = '\0';
	assert_false(name_is_wellformed(max));
}

static void test_default_members(void **state)
{
	const struct nameset *set = *state;
	char name[32];

	for (int i = 1; i <= 99; i++) {
		snprintf(name, sizeof(name), "Chapter_%02d", i);
		assert_true(nameset_contains(set, name));
	}
	assert_true(nameset_contains(set, "FrontMatter"));
	assert_true(nameset_contains(set, "BackMatter"));
	assert_true(nameset_contains(set, "StyleSystem"));
	assert_true(nameset_contains(set, "QuoteRegistry"));
	assert_true(nameset_contains(set, "ImageRegistry"));
	assert_true(nameset_contains(set, "ProjectConfig"));
}

static void test_default_non_members(void **state)
{
	static const char *const out[] = {
		"Chapter_00", "Chapter_100", "Chapter_3", "chapter_03",
		"CHAPTER_03", "Chapter_03 ", " Chapter_03", "Chapter_03\n",
		"Chapter-03", "Chapter_0a", "Chapter_", "Chapter",
		"Chapter_[0-9][0-9]", "Chapter_0[1-9]", "frontmatter",
		"Frontmatter", "FrontMatter_", "ImageRegistry_Chapter_07",
		"", "-", "Chapter_\xd9\xa3",	/* Arabic-Indic digit */
	};
	const struct nameset *set = *state;

	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		if (nameset_contains(set, out[i]))
			fail_msg("\"%s\" should not be in the default set",
				 out[i]);
	}
	assert_false(nameset_contains(set, NULL));
	assert_false(nameset_contains(NULL, "Chapter_03"));
}

static void test_empty_set(void **state)
{
	struct nameset *set = nameset_new_empty();
	char out[NAME_MAX_LEN + 1] = "untouched";

	(void)state;
	assert_non_null(set);
	assert_false(nameset_contains(set, "Chapter_03"));
	assert_false(nameset_nearest(set, "Chapter_03", out, sizeof(out)));
	assert_string_equal(out, "untouched");
	assert_false(nameset_nearest(NULL, "Chapter_03", out, sizeof(out)));
	assert_int_equal(nameset_add(set, "Appendix_A", NULL), 0);
	assert_true(nameset_contains(set, "Appendix_A"));
	assert_false(nameset_contains(set, "Chapter_03"));
	expect_nearest(set, "appendix_a", "Appendix_A");
	assert_false(nameset_nearest(set, "Chapter_03", out, sizeof(out)));
	nameset_free(set);
	nameset_free(NULL);
}

static void test_patterns(void **state)
{
	struct nameset *set = nameset_new_empty();

	(void)state;
	assert_non_null(set);
	assert_int_equal(nameset_add(set, IMAGE_PATTERN, NULL), 0);
	assert_int_equal(nameset_add(set, "Appendix_[A-C]", NULL), 0);
	assert_int_equal(nameset_add(set, "[abc]x", NULL), 0);
	assert_int_equal(nameset_add(set, "y[-_]z", NULL), 0);
	assert_int_equal(nameset_add(set, "z[a-]", NULL), 0);
	assert_int_equal(nameset_add(set, "q[a-cx-z0-9]", NULL), 0);
	assert_int_equal(nameset_add(set, "[a]", NULL), 0);
	assert_int_equal(nameset_add(set, "Part_[IVX][IVX]", NULL), 0);

	assert_true(nameset_contains(set, "ImageRegistry_Chapter_07"));
	assert_true(nameset_contains(set, "ImageRegistry_Chapter_00"));
	assert_true(nameset_contains(set, "ImageRegistry_Chapter_99"));
	assert_false(nameset_contains(set, "ImageRegistry_Chapter_7"));
	assert_false(nameset_contains(set, "ImageRegistry_Chapter_007"));
	assert_false(nameset_contains(set, "ImageRegistry_Chapter_0a"));
	assert_false(nameset_contains(set, "ImageRegistry_Chapter_[0-9][0-9]"));
	assert_true(nameset_contains(set, "Appendix_A"));
	assert_true(nameset_contains(set, "Appendix_C"));
	assert_false(nameset_contains(set, "Appendix_D"));
	assert_false(nameset_contains(set, "Appendix_a"));
	assert_true(nameset_contains(set, "ax"));
	assert_true(nameset_contains(set, "cx"));
	assert_false(nameset_contains(set, "dx"));
	assert_false(nameset_contains(set, "Ax"));
	assert_true(nameset_contains(set, "y-z"));
	assert_true(nameset_contains(set, "y_z"));
	assert_false(nameset_contains(set, "yaz"));
	assert_true(nameset_contains(set, "za"));
	assert_true(nameset_contains(set, "z-"));
	assert_false(nameset_contains(set, "zb"));
	assert_true(nameset_contains(set, "qb"));
	assert_true(nameset_contains(set, "qy"));
	assert_true(nameset_contains(set, "q5"));
	assert_false(nameset_contains(set, "qd"));
	assert_false(nameset_contains(set, "q-"));
	assert_true(nameset_contains(set, "a"));
	assert_true(nameset_contains(set, "Part_XI"));
	assert_false(nameset_contains(set, "Part_XL"));
	nameset_free(set);
}

static void test_add_duplicates(void **state)
{
	struct nameset *set = *state;

	/* repeating a default, or a name a pattern already covers, is fine */
	assert_int_equal(nameset_add(set, "FrontMatter", NULL), 0);
	assert_int_equal(nameset_add(set, "Chapter_0[1-9]", NULL), 0);
	assert_int_equal(nameset_add(set, "Chapter_42", NULL), 0);
	assert_true(nameset_contains(set, "FrontMatter"));
	assert_true(nameset_contains(set, "Chapter_42"));
	assert_false(nameset_contains(set, "Chapter_00"));
}

static void test_add_errors(void **state)
{
	struct nameset *set = *state;

	expect_add_error(set, "", "bad resource name: empty");
	expect_add_error(set, NULL, "bad resource name: none");
	expect_add_error(set, "Chapter 3",
			 "bad resource name \"Chapter 3\": ' ' at position 8 "
			 "is not allowed (use A-Z a-z 0-9 _ -, and [...] for "
			 "a class)");
	expect_add_error(set, "Chapter_[0-9",
			 "bad resource name \"Chapter_[0-9\": '[' at position "
			 "9 is never closed");
	expect_add_error(set, "Chapter_0]",
			 "bad resource name \"Chapter_0]\": ']' at position 10 "
			 "has no matching '['");
	expect_add_error(set, "x[]",
			 "bad resource name \"x[]\": empty class at position 2");
	expect_add_error(set, "x[9-0]",
			 "bad resource name \"x[9-0]\": range '9-0' at "
			 "position 3 is backwards");
	expect_add_error(set, "x[a-Z]",
			 "bad resource name \"x[a-Z]\": range from 'a' to 'Z' "
			 "at position 3: a range stays within 0-9, A-Z or a-z");
	expect_add_error(set, "x[A-z]",
			 "bad resource name \"x[A-z]\": range from 'A' to 'z' "
			 "at position 3: a range stays within 0-9, A-Z or a-z");
	expect_add_error(set, "x[_-a]",
			 "bad resource name \"x[_-a]\": range from '_' to 'a' "
			 "at position 3: a range stays within 0-9, A-Z or a-z");
	expect_add_error(set, "x[!a]",
			 "bad resource name \"x[!a]\": '!' at position 3 is not "
			 "allowed in a class (use A-Z a-z 0-9 _ -)");
	expect_add_error(set, "x[^a]",
			 "bad resource name \"x[^a]\": '^' at position 3 is not "
			 "allowed in a class (use A-Z a-z 0-9 _ -)");
	expect_add_error(set, "x[a[b]]",
			 "bad resource name \"x[a[b]]\": '[' at position 4 is "
			 "not allowed in a class (use A-Z a-z 0-9 _ -)");
	expect_add_error(set, "[-a]b",
			 "bad resource name \"[-a]b\": a name may not start "
			 "with '-'");
	expect_add_error(set, "-Chapter",
			 "bad resource name \"-Chapter\": a name may not start "
			 "with '-'");
	expect_add_error(set, "Kapitel_\xc3\xa4",
			 "bad resource name \"Kapitel_??\": 0xc3 at position 9 "
			 "is not allowed (use A-Z a-z 0-9 _ -, and [...] for "
			 "a class)");
	expect_add_error(set, "a\tb",
			 "bad resource name \"a?b\": 0x09 at position 2 is not "
			 "allowed (use A-Z a-z 0-9 _ -, and [...] for a class)");
	expect_add_error(set, "x[a-\x01]",
			 "bad resource name \"x[a-?]\": range from 'a' to 0x01 "
			 "at position 3: a range stays within 0-9, A-Z or a-z");
}

static void test_add_errors_metacharacters(void **state)
{
	static const char *const bad[] = {
		"Chapter_*", "Chapter_?", "Chapter_0{1,2}", "Chapter.03",
		"a/b", "../x", ".hidden", "a\\b", "Chapter_(03)", "a|b",
		"x[[:digit:]]", "x[a-]]", "x]]", "x[a]b]", "$HOME", "a b",
		"a\nb", "\x01",
	};
	struct nameset *set = *state;
	struct lf_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (nameset_add(set, bad[i], &err) != -EINVAL)
			fail_msg("nameset_add(\"%s\") should fail", bad[i]);
		assert_int_equal(err.code, EINVAL);
		assert_non_null(strstr(err.msg, "bad resource name"));
		/* what is shown of the name is printable and one line */
		for (const char *p = err.msg; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
	}
	/* and nothing of them got into the set */
	assert_false(nameset_contains(set, "Chapter_00"));
	assert_false(nameset_contains(set, "x"));
	/* without an error struct */
	assert_int_equal(nameset_add(set, "a b", NULL), -EINVAL);
	assert_int_equal(nameset_add(NULL, "a", NULL), -EINVAL);
}

static void test_add_length_limits(void **state)
{
	struct nameset *set = *state;
	char name[4 * NAME_MAX_LEN + 8];
	char shown[160];
	struct lf_error err;

	/* 64 characters: fine; 65: too long */
	memset(name, 'a', NAME_MAX_LEN);
	name[NAME_MAX_LEN] = '\0';
	assert_int_equal(nameset_add(set, name, NULL), 0);
	assert_true(nameset_contains(set, name));
	name[NAME_MAX_LEN] = 'a';
	name[NAME_MAX_LEN + 1] = '\0';
	snprintf(shown, sizeof(shown),
		 "bad resource name \"%.65s\": longer than 64 characters",
		 name);
	expect_add_error(set, name, shown);

	/* the limit counts positions, not the characters of the pattern */
	name[0] = '\0';
	for (int i = 0; i < NAME_MAX_LEN; i++)
		strcat(name, "[b]");
	assert_int_equal(nameset_add(set, name, NULL), 0);
	memset(shown, 'b', NAME_MAX_LEN);
	shown[NAME_MAX_LEN] = '\0';
	assert_true(nameset_contains(set, shown));
	strcat(name, "[b]");
	memset(&err, 0, sizeof(err));
	assert_int_equal(nameset_add(set, name, &err), -EINVAL);
	/* a long name is cut short (80 characters) in the message */
	snprintf(shown, sizeof(shown), "bad resource name \"%.80s...\": "
		 "longer than 64 characters", name);
	assert_string_equal(err.msg, shown);
}

static void test_add_huge(void **state)
{
	struct nameset *set = *state;
	size_t big = 1 << 20;
	char *s = malloc(big + 1);
	struct lf_error err = { 0 };

	assert_non_null(s);
	/* a megabyte-long class is read to its end and refused */
	s[0] = 'x';
	s[1] = '[';
	memset(s + 2, 'a', big - 2);
	s[big] = '\0';
	assert_int_equal(nameset_add(set, s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'[' at position 2 is never closed"));
	assert_true(strlen(err.msg) < 200);
	free(s);
}

static void test_nearest_readme(void **state)
{
	const struct nameset *set = *state;

	expect_nearest(set, "chapter_03", "Chapter_03");
	expect_nearest(set, "Chapter_3", "Chapter_03");
	expect_nearest(set, "Chapter_100", "Chapter_10");
	expect_nearest(set, "Styleystem", "StyleSystem");
	expect_nearest(set, "ImageRegistry_Chapter_7",
		       "ImageRegistry_Chapter_07");
	expect_nearest(set, "ImageRegistry_Chapter_12",
		       "ImageRegistry_Chapter_12");
	expect_nearest(set, "imageregistry_chapter_3",
		       "ImageRegistry_Chapter_03");
	expect_nearest(set, "Appendix_G", "Appendix_A");
	expect_nearest(set, "appendix_b", "Appendix_B");
}

static void test_nearest_default(void **state)
{
	const struct nameset *set = *state;

	expect_nearest(set, "Chapter_03", "Chapter_03");
	expect_nearest(set, "CHAPTER_03", "Chapter_03");
	expect_nearest(set, "Chapter_7", "Chapter_07");
	expect_nearest(set, "Chapter_00", "Chapter_01");
	expect_nearest(set, "Chapter_42", "Chapter_42");
	expect_nearest(set, "Chapter42", "Chapter_42");
	expect_nearest(set, "Chapter-42", "Chapter_42");
	expect_nearest(set, "Chapter_4a", "Chapter_40");
	expect_nearest(set, "Chap_12", "Chapter_12");
	expect_nearest(set, "frontmatter", "FrontMatter");
	expect_nearest(set, "Front_Matter", "FrontMatter");
	expect_nearest(set, "backmatter", "BackMatter");
	expect_nearest(set, "StyleSytem", "StyleSystem");
	expect_nearest(set, "QuoteRegister", "QuoteRegistry");
	expect_nearest(set, "projectconfig", "ProjectConfig");
	expect_nearest(set, "ImageRegistry_Chapter_7", "ImageRegistry");
	expect_nearest(set, "Chapter", "Chapter_01");
	/* ties go to the first defined, Chapter_0[1-9] */
	expect_nearest(set, "Chapter_0", "Chapter_01");
}

/* Nothing alike, nothing suggested: a far name would only mislead. */
static void test_nearest_only_when_close(void **state)
{
	const struct nameset *set = *state;
	static const char *const far[] = {
		"", "..", ".", "../x", "../../etc/passwd", "x", "Intro",
		"The_whole_book_at_once", "ImageRegistryChapter_7",
	};
	char out[NAME_MAX_LEN + 1], big[301];
	size_t i;

	for (i = 0; i < sizeof(far) / sizeof(*far); i++)
		if (nameset_nearest(set, far[i], out, sizeof(out)))
			fail_msg("nearest(\"%s\") = \"%s\": too far to suggest",
				 far[i], out);
	assert_false(nameset_nearest(set, NULL, out, sizeof(out)));
	memset(big, 'a', 300);
	big[300] = '\0';
	assert_false(nameset_nearest(set, big, out, sizeof(out)));
	memcpy(big, "Chapter_07", 10);
	assert_false(nameset_nearest(set, big, out, sizeof(out)));
}

/* A long name is cut, with an ellipsis, where a message repeats it. */
static void test_name_shown(void **state)
{
	char big[301], out[NAME_SHOWN_SIZE];

	(void)state;
	name_shown("Chapter_07", out);
	assert_string_equal(out, "Chapter_07");
	name_shown("a\x1b[2J\xc3\xa4", out);
	assert_string_equal(out, "a?[2J??");
	memset(big, 'x', 300);
	big[300] = '\0';
	name_shown(big, out);
	assert_int_equal(strlen(out), NAME_SHOWN_MAX + 3);
	assert_string_equal(out + NAME_SHOWN_MAX, "...");
	big[NAME_SHOWN_MAX] = '\0';
	name_shown(big, out);
	assert_string_equal(out, big);
}

static void test_nearest_case_is_cheap(void **state)
{
	struct nameset *set = nameset_new_empty();

	(void)state;
	assert_non_null(set);
	/* both one character away, but a change of case costs less than
	 * any other edit, whatever the order of definition */
	assert_int_equal(nameset_add(set, "xbc", NULL), 0);
	assert_int_equal(nameset_add(set, "Abc", NULL), 0);
	expect_nearest(set, "abc", "Abc");
	expect_nearest(set, "ybc", "xbc");
	nameset_free(set);
}

static void test_nearest_garbage(void **state)
{
	const struct nameset *set = *state;
	char out[NAME_MAX_LEN + 1];
	char *big = malloc(100001);

	assert_non_null(big);
	memset(big, 0xff, 100000);
	big[100000] = '\0';
	assert_false(nameset_nearest(set, big, out, sizeof(out)));
	memcpy(big, "StyleSystem", 11);
	memset(big + 11, '!', 200);
	big[211] = '\0';
	assert_false(nameset_nearest(set, big, out, sizeof(out)));
	memcpy(big, "StyleSystem!!", 13);
	big[13] = '\0';
	expect_nearest(set, big, "StyleSystem");
	free(big);
	expect_nearest(set, "\xe2\x80\x8b" "FrontMatter", "FrontMatter");
}

static void test_nearest_small_buffer(void **state)
{
	const struct nameset *set = *state;
	char out[8];

	assert_true(nameset_nearest(set, "frontmatter", out, sizeof(out)));
	assert_string_equal(out, "FrontMa");
	assert_false(nameset_nearest(set, "frontmatter", out, 0));
	assert_false(nameset_nearest(set, "frontmatter", NULL, 8));
}

/* Whatever the input, the suggestion is a member of the set. */
static void test_nearest_is_member(void **state)
{
	static const char chars[] = "Chapter_0123456789[]-_ abcXYZ\xc3\xa4.";
	struct nameset *set = *state;
	unsigned long long x = 2463534242ULL;
	char in[40], out[NAME_MAX_LEN + 1];

	assert_int_equal(nameset_add(set, "x-[a-c][0-9]_[XYZ]", NULL), 0);
	for (int round = 0; round < 3000; round++) {
		size_t len;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len = x % sizeof(in);
		for (size_t i = 0; i < len; i++)
			in[i] = chars[(x >> (i % 50)) % (sizeof(chars) - 1)];
		in[len] = '\0';
		if (!nameset_nearest(set, in, out, sizeof(out))) {
			assert_false(nameset_contains(set, in));
			continue;
		}
		if (!nameset_contains(set, out))
			fail_msg("nearest(\"%s\") = \"%s\" is not in the set",
				 in, out);
		if (nameset_contains(set, in))
			assert_string_equal(out, in);
	}
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_nearest_fast(void **state)
{
	const struct nameset *set = *state;
	char out[NAME_MAX_LEN + 1];
	const int rounds = 1000;
	double start = now_seconds(), per_call;

	for (int i = 0; i < rounds; i++)
		assert_true(nameset_nearest(set, "imageregistry_chapter_7",
					    out, sizeof(out)));
	per_call = (now_seconds() - start) / rounds;
	/* well under a millisecond, even under valgrind */
	if (per_call > 1e-3)
		fail_msg("nameset_nearest took %.1f us per call",
			 per_call * 1e6);
}

static void test_many_names(void **state)
{
	struct nameset *set = nameset_new_empty();
	char name[32];

	(void)state;
	assert_non_null(set);
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "Note_%04d", i);
		assert_int_equal(nameset_add(set, name, NULL), 0);
	}
	assert_true(nameset_contains(set, "Note_0000"));
	assert_true(nameset_contains(set, "Note_1999"));
	assert_false(nameset_contains(set, "Note_2000"));
	expect_nearest(set, "note_1234", "Note_1234");
	expect_nearest(set, "Note_2000", "Note_0000");
	nameset_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wellformed),
		cmocka_unit_test_setup_teardown(test_default_members,
						setup_default, teardown_set),
		cmocka_unit_test_setup_teardown(test_default_non_members,
						setup_default, teardown_set),
		cmocka_unit_test(test_empty_set),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test_setup_teardown(test_add_duplicates,
						setup_default, teardown_set),
		cmocka_unit_test_setup_teardown(test_add_errors,
						setup_default, teardown_set),
		cmocka_unit_test_setup_teardown(test_add_errors_metacharacters,
						setup_default, teardown_set),
		cmocka_unit_test_setup_teardown(test_add_length_limits,
						setup_default, teardown_set),
		cmocka_unit_test_setup_teardown(test_add_huge,
						setup_default, teardown_set),
		cmocka_unit_test_setup_teardown(test_nearest_readme,
						setup_images, teardown_set),
		cmocka_unit_test_setup_teardown(test_nearest_default,
						setup_default, teardown_set),
		cmocka_unit_test_setup_teardown(test_nearest_only_when_close,
						setup_default, teardown_set),
		cmocka_unit_test(test_name_shown),
		cmocka_unit_test(test_nearest_case_is_cheap),
		cmocka_unit_test_setup_teardown(test_nearest_garbage,
						setup_default, teardown_set),
		cmocka_unit_test_setup_teardown(test_nearest_small_buffer,
						setup_default, teardown_set),
		cmocka_unit_test_setup_teardown(test_nearest_is_member,
						setup_images, teardown_set),
		cmocka_unit_test_setup_teardown(test_nearest_fast,
						setup_images, teardown_set),
		cmocka_unit_test(test_many_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
