/* fuzz_names_config.c - libFuzzer harness for the config file parser
 * (core/config.c) and the resource-name checks it feeds (core/names.c).
 *
 * Both read text a user (or an agent) typed: .locks/config and the names
 * passed to touch/acquire.  Checked:
 *   - config_parse() accepts or rejects with a proper error, never
 *     crashes; an accepted file gives a non-empty name set;
 *   - for names taken from the input (the first line and its halves,
 *     against that set and the default set; the values after '=' of
 *     the first lines, against that set):
 *     a contained name is well-formed, nameset_nearest() answers (when
 *     it does) with a name the set contains, and a contained name is its
 *     own nearest;
 *   - the whole input as one name or pattern: a well-formed name is
 *     always accepted by nameset_add(), and a pattern without a class is
 *     then contained exactly as written.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "names.h"

/* Enough lines to reach past the first few settings of a real config,
 * few enough that one input stays cheap: every nearest-name search is an
 * edit-distance table per set entry, and under libFuzzer's comparison
 * tracing that dominates the run time. */
#define MAX_LINES 8

/* libFuzzer's entry point; declared because the project builds with
 * -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data[from, from + len) as a string; it ends early at a NUL byte, as any
 * C caller would see it. */
static char *span(const uint8_t *data, size_t from, size_t len)
{
	char *s = malloc(len + 1);

	CHECK(s != NULL);
	memcpy(s, data + from, len);
	s[len] = '\0';
	return s;
}

static void check_name(const struct nameset *set, const char *name)
{
	char nearest[NAME_MAX_LEN + 1];
	bool in = nameset_contains(set, name);

	CHECK(!in || name_is_wellformed(name));
	if (!nameset_nearest(set, name, nearest, sizeof(nearest))) {
		CHECK(!in);
		return;
	}
	CHECK(nameset_contains(set, nearest));
	CHECK(!in || strcmp(nearest, name) == 0);
}

static void check_span(const struct nameset *set, const uint8_t *data,
		       size_t from, size_t len)
{
	char *name = span(data, from, len);

	check_name(set, name);
	free(name);
}

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* The first line, as a name typed at the command line, and its halves,
 * which are near misses of it. */
static void check_first_line(const struct nameset *set, const uint8_t *data,
			     size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;

	check_span(set, data, 0, n);
	check_span(set, data, 0, n / 2);
	check_span(set, data, n / 2, n - n / 2);
}

/* The value of a "key = value" line, blanks trimmed, as a config line's
 * resource is read. */
static void check_value(const struct nameset *set, const uint8_t *line,
			size_t len)
{
	const uint8_t *eq = memchr(line, '=', len);
	size_t from, to;

	if (!eq)
		return;
	from = (size_t)(eq - line) + 1;
	to = len;
	while (from < to && is_blank(line[from]))
		from++;
	while (to > from && is_blank(line[to - 1]))
		to--;
	check_span(set, line, from, to - from);
}

/* The values of the first lines: against the set the file itself
 * defined, these are its own names and patterns. */
static void check_values(const struct nameset *set, const uint8_t *data,
			 size_t size)
{
	size_t start = 0;

	for (int k = 0; k < MAX_LINES && start < size; k++) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t n = nl ? (size_t)(nl - data) - start : size - start;

		check_value(set, data + start, n);
		start += n + 1;
	}
}

/* The whole input as a single name or pattern. */
static void check_add(const char *whole)
{
	struct nameset *set = nameset_new_empty();
	struct lf_error err = { 0 };
	int rc;

	CHECK(set != NULL);
	rc = nameset_add(set, whole, &err);
	if (name_is_wellformed(whole))
		CHECK(rc == 0);
	if (rc == 0) {
		check_name(set, whole);
		CHECK(strchr(whole, '[') || nameset_contains(set, whole));
	} else {
		check_error(rc, &err);
	}
	nameset_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lf_config cfg = { .names = NULL };
	struct lf_error err = { 0 };
	struct nameset *defaults;
	char *whole;
	int rc;

	rc = config_parse((const char *)data, size, &cfg, &err);
	if (rc == 0) {
		CHECK(cfg.names != NULL);
		CHECK(cfg.stale_seconds >= 1);
		check_first_line(cfg.names, data, size);
		check_values(cfg.names, data, size);
		config_free(&cfg);
	} else {
		check_error(rc, &err);
		CHECK(cfg.names == NULL);
	}

	defaults = nameset_new_default();
	CHECK(defaults != NULL);
	check_first_line(defaults, data, size);
	nameset_free(defaults);

	whole = span(data, 0, size);
	check_add(whole);
	free(whole);
	return 0;
}
