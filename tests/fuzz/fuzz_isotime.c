/* fuzz_isotime.c - libFuzzer harness for the timestamp parser and
 * formatter (core/isotime.c).
 *
 * Timestamps come from whatever other writers put in locks.json, and a
 * misread one makes a lock look live or stale when it is not.  Checked:
 *   - isotime_parse() never crashes or reads past the string's end (the
 *     input is copied to an exactly sized buffer, so ASan sees an
 *     over-read);
 *   - whatever it accepts formats, within the formatter's years
 *     0000..9999, to text that parses back to the same instant, and
 *     text already in lockfs's own form formats back to itself;
 *   - isotime_format() on any time_t (the input's first bytes) either
 *     writes that form or, outside the years it can write, nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "isotime.h"

/* "YYYY-MM-DDTHH:MM:SSZ" */
#define CANONICAL_LEN 20

/* libFuzzer's entry point; declared because the project builds with
 * -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool formattable(time_t t)
{
	struct tm tm;

	return gmtime_r(&t, &tm) && tm.tm_year >= 0 - 1900 &&
	       tm.tm_year <= 9999 - 1900;
}

/* Format t into out and check that it reads back as t. */
static void check_format(time_t t, char out[ISOTIME_MAX])
{
	time_t back;

	isotime_format(t, out);
	if (!formattable(t)) {
		CHECK(out[0] == '\0');
		return;
	}
	CHECK(strlen(out) == CANONICAL_LEN);
	CHECK(isotime_parse(out, &back) == 0);
	CHECK(back == t);
}

/* lockfs's own form, except a leap second, which reads as the next
 * minute and so cannot print back the same. */
static bool canonical(const char *s)
{
	return strlen(s) == CANONICAL_LEN && s[10] == 'T' && s[19] == 'Z' &&
	       s[17] != '6';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[ISOTIME_MAX];
	time_t t;
	char *s;

	s = malloc(size + 1);
	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	if (isotime_parse(s, &t) == 0) {
		check_format(t, out);
		if (canonical(s))
			CHECK(strcmp(out, s) == 0);
	}
	free(s);

	if (size >= sizeof(t)) {
		memcpy(&t, data, sizeof(t));
		check_format(t, out);
	}
	return 0;
}
