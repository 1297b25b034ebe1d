/* test_guard.c - cmocka suite for core/guard.c (the glob rule language)
 * and the guard / guard_mode keys of .locks/config. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "guard.h"

static bool m(const char *glob, const char *path)
{
	return guard_match(glob, path, NULL, NULL);
}

static void test_literal_and_star(void **state)
{
	(void)state;
	assert_true(m("README.md", "README.md"));
	assert_false(m("README.md", "README.mdx"));
	assert_false(m("README.md", "readme.md"));
	assert_true(m("*.md", "x.md"));
	assert_true(m("*.md", ".md"));
	assert_false(m("*.md", "a/x.md"));
	assert_true(m("Chapters/*", "Chapters/x"));
	assert_false(m("Chapters/*", "Chapters/a/x"));
	assert_true(m("a*b*c", "abc"));
	assert_true(m("a*b*c", "aXbYbZc"));
	assert_false(m("a*b*c", "aXb/Zc"));
}

static void test_double_star(void **state)
{
	(void)state;
	assert_true(m("Notes/**/x.md", "Notes/x.md"));
	assert_true(m("Notes/**/x.md", "Notes/a/x.md"));
	assert_true(m("Notes/**/x.md", "Notes/a/b/c/x.md"));
	assert_false(m("Notes/**/x.md", "Notes/ax.md"));
	assert_false(m("Notes/**/x.md", "Other/a/x.md"));
	assert_true(m("Drafts/**", "Drafts/a"));
	assert_true(m("Drafts/**", "Drafts/a/b/c"));
	assert_false(m("Drafts/**", "Drafts"));
	assert_true(m("**/*.md", "x.md"));
	assert_true(m("**/*.md", "a/b/x.md"));
	assert_false(m("**/*.md", "a/b/x.txt"));
	assert_true(m("a**z", "a/b/z"));
}

static void test_classes(void **state)
{
	(void)state;
	assert_true(m("Chapter_[0-9][0-9].md", "Chapter_03.md"));
	assert_false(m("Chapter_[0-9][0-9].md", "Chapter_3.md"));
	assert_false(m("Chapter_[0-9][0-9].md", "Chapter_0a.md"));
	assert_true(m("[!.]*", "x"));
	assert_false(m("[!.]*", ".x"));
	assert_true(m("[^.]*", "y"));
	assert_true(m("[]]", "]"));
	assert_true(m("[a-cx]", "x"));
	assert_true(m("[a-cx]", "b"));
	assert_false(m("[a-cx]", "d"));
	assert_true(m("[a-]", "-"));
	assert_false(m("a[/]b", "a/b"));
	assert_false(m("[", "["));
}

static void test_captures(void **state)
{
	const char *caps[GUARD_CAPTURES];
	size_t lens[GUARD_CAPTURES];

	(void)state;
	assert_true(guard_match("Manuscript/Chapters/Chapter_[0-9][0-9]*",
				"Manuscript/Chapters/Chapter_07_draft.md",
				caps, lens));
	assert_int_equal(lens[0], 1);
	assert_memory_equal(caps[0], "0", 1);
	assert_memory_equal(caps[1], "7", 1);
	assert_int_equal(lens[2], strlen("_draft.md"));
	assert_memory_equal(caps[2], "_draft.md", lens[2]);

	/* As little as possible, leftmost first. */
	assert_true(guard_match("Chapter_*_*", "Chapter_03_draft_2.md", caps,
				lens));
	assert_int_equal(lens[0], 2);
	assert_memory_equal(caps[0], "03", 2);
	assert_int_equal(lens[1], strlen("draft_2.md"));

	/* "**" as components: the capture leaves out the last slash. */
	assert_true(guard_match("Art/**/*.png", "Art/ch07/big/x.png", caps,
				lens));
	assert_int_equal(lens[0], strlen("ch07/big"));
	assert_memory_equal(caps[0], "ch07/big", lens[0]);
	assert_true(guard_match("Art/**/*.png", "Art/x.png", caps, lens));
	assert_int_equal(lens[0], 0);
}

static struct guard_rule rule(const char *text)
{
	struct guard_rule r = { 0 };
	struct lf_error err = { 0 };

	if (guard_rule_parse(text, strlen(text), &r, &err) != 0)
		fail_msg("guard_rule_parse(\"%s\"): %s", text, err.msg);
	return r;
}

static void test_resolve_first_match_wins(void **state)
{
	struct guard_rule rules[3];
	char out[80];

	(void)state;
	rules[0] = rule("Manuscript/Chapters/Chapter_[0-9][0-9]* -> Chapter_$1$2");
	rules[1] = rule("Manuscript/**->FrontMatter");
	rules[2] = rule("  Style/*.css   ->   StyleSystem  ");
	assert_string_equal(rules[2].glob, "Style/*.css");
	assert_string_equal(rules[2].resource, "StyleSystem");
	assert_false(guard_rule_is_fixed(&rules[0]));
	assert_true(guard_rule_is_fixed(&rules[1]));

	assert_int_equal(guard_resolve(rules, 3,
				       "Manuscript/Chapters/Chapter_12.md",
				       out, sizeof(out)), 0);
	assert_string_equal(out, "Chapter_12");
	assert_int_equal(guard_resolve(rules, 3, "Manuscript/Preface.md", out,
				       sizeof(out)), 1);
	assert_string_equal(out, "FrontMatter");
	assert_int_equal(guard_resolve(rules, 3, "Style/book.css", out,
				       sizeof(out)), 2);
	assert_string_equal(out, "StyleSystem");
	assert_int_equal(guard_resolve(rules, 3, "notes.txt", out,
				       sizeof(out)), -1);
	/* The name does not fit: an error, not a cut name. */
	assert_int_equal(guard_resolve(rules, 3,
				       "Manuscript/Chapters/Chapter_12.md",
				       out, 5), -2);
	for (int k = 0; k < 3; k++)
		guard_rule_free(&rules[k]);
}

static void expect_parse_error(const char *text, const char *msg)
{
	struct guard_rule r = { 0 };
	struct lf_error err = { 0 };

	assert_int_equal(guard_rule_parse(text, strlen(text), &r, &err),
			 -EINVAL);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("guard_rule_parse(\"%s\"):\n got  %s\n want %s", text,
			 err.msg, msg);
	assert_null(r.glob);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("Chapters/*", "guard must read \"GLOB -> RESOURCE\"");
	expect_parse_error(" -> Chapter_01",
			   "guard has no glob before \"->\"");
	expect_parse_error("x.md ->", "guard has no resource after \"->\"");
	expect_parse_error("/abs/x.md -> Chapter_01",
			   "guard glob \"/abs/x.md\" must be relative to the "
			   "project root, without a leading '/'");
	expect_parse_error("a/***/b -> Chapter_01",
			   "guard glob \"a/***/b\": \"***\" means nothing; use "
			   "* or **");
	expect_parse_error("Ch[0-9.md -> Chapter_01",
			   "guard glob \"Ch[0-9.md\": '[' at column 3 has no "
			   "']' in the same component");
	expect_parse_error("a[x/]b -> Chapter_01",
			   "guard glob \"a[x/]b\": '[' at column 2 has no ']' "
			   "in the same component");
	expect_parse_error("C_[0-9] -> Chapter_$2",
			   "guard resource \"Chapter_$2\" uses $2, but the glob "
			   "has 1 wildcard");
	expect_parse_error("C_* -> Chapter_$0",
			   "guard resource \"Chapter_$0\": '$' must be followed "
			   "by 1 to 9");
	expect_parse_error("C_* -> Chapter $1",
			   "guard resource \"Chapter $1\": a resource name may "
			   "only use A-Z a-z 0-9 _ - (and $1..$9)");
	expect_parse_error("**/**/**/**/**/x -> Chapter_01",
			   "guard glob \"**/**/**/**/**/x\" has more than 4 "
			   "\"**\"");
}

/* Many "**" against a long path that almost matches: bounded work. */
static void test_no_blowup(void **state)
{
	char path[4096];
	size_t i;

	(void)state;
	for (i = 0; i + 2 < sizeof(path); i += 2)
		memcpy(path + i, "a/", 2);
	path[i] = '\0';
	assert_false(m("**/**/**/**/b", path));
}

static void test_config_keys(void **state)
{
	static const char text[] =
		"guard = Manuscript/Chapters/Chapter_[0-9][0-9]* -> Chapter_$1$2\n"
		"guard_mode = check\n"
		"guard = Manuscript/Front/** -> FrontMatter\n";
	struct lf_config cfg;
	struct lf_error err = { 0 };
	char out[80];

	(void)state;
	assert_int_equal(config_parse(text, strlen(text), &cfg, &err), 0);
	assert_int_equal(cfg.nguards, 2);
	assert_int_equal(cfg.guard_mode, GUARD_CHECK);
	assert_int_equal(cfg.guards[0].line, 1);
	assert_int_equal(cfg.guards[1].line, 3);
	assert_int_equal(guard_resolve(cfg.guards, cfg.nguards,
				       "Manuscript/Front/title.md", out,
				       sizeof(out)), 1);
	assert_string_equal(out, "FrontMatter");
	config_free(&cfg);
	assert_null(cfg.guards);

	assert_int_equal(config_parse("", 0, &cfg, &err), 0);
	assert_int_equal(cfg.nguards, 0);
	assert_int_equal(cfg.guard_mode, GUARD_TAKE);
	config_free(&cfg);
	assert_int_equal(config_defaults(&cfg, &err), 0);
	assert_int_equal(cfg.guard_mode, GUARD_TAKE);
	config_free(&cfg);

	assert_int_equal(config_parse("guard_mode = take\n", 18, &cfg, &err), 0);
	assert_int_equal(cfg.guard_mode, GUARD_TAKE);
	config_free(&cfg);
}

static void expect_config_error(const char *text, const char *msg)
{
	struct lf_config cfg = { .stale_seconds = 4242 };
	struct lf_error err = { 0 };

	assert_int_equal(config_parse(text, strlen(text), &cfg, &err), -EINVAL);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("config_parse(\"%s\"):\n got  %s\n want %s", text,
			 err.msg, msg);
	assert_int_equal(cfg.stale_seconds, 4242);
	assert_null(cfg.guards);
}

static void test_config_errors(void **state)
{
	(void)state;
	expect_config_error("\nguard_mode = enforce\n",
			    "config line 2: guard_mode must be check or take, "
			    "not \"enforce\"");
	expect_config_error("guard_mode = take\nguard_mode = check\n",
			    "config line 2: guard_mode is already set on line 1");
	expect_config_error("guard_mode =\n", "config line 1: guard_mode needs "
			    "a value");
	expect_config_error("guard = a/* -> Chapter_01\nguard = b/*\n",
			    "config line 2: guard must read \"GLOB -> "
			    "RESOURCE\"");
	expect_config_error("guard = x/[0-9] -> Chapter_$3\n",
			    "config line 1: guard resource \"Chapter_$3\" uses "
			    "$3, but the glob has 1 wildcard");
	/* A fixed resource must be a name of the project, also when the
	 * names are changed by lines after the guard. */
	expect_config_error("resource = Appendix_A\nguard = A/* -> Appendix_B\n",
			    "config line 2: guard resource Appendix_B is not a "
			    "resource name of this project");
	expect_config_error("guard = x.md -> Chapter_01\ndefault_names = no\n"
			    "resource = Appendix_A\n",
			    "config line 1: guard resource Chapter_01 is not a "
			    "resource name of this project");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_and_star),
		cmocka_unit_test(test_double_star),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_resolve_first_match_wins),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_no_blowup),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
