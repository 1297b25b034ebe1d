/* isotime.c - the ISO-8601 timestamps of locks.json; see isotime.h.
 *
 * The parser is hand-written rather than built on strptime so that what it
 * accepts does not depend on the locale or the C library, and so that every
 * field is range-checked: a timestamp that is almost right must be reported
 * as unreadable (the lock then shows as stale), not silently normalised into
 * a different instant.
 */
#include "isotime.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Longer than any timestamp a real writer produces (nanoseconds and an
 * offset need 35 bytes); the bound keeps parsing cheap on hostile input. */
#define ISOTIME_PARSE_MAX 64

/* Years with four digits only: the written form has exactly four. */
#define YEAR_MIN 0
#define YEAR_MAX 9999

void isotime_format(time_t t, char out[ISOTIME_MAX])
{
	struct tm tm;

	/* A year outside 0000..9999 would not read back; an empty string
	 * makes every reader treat the lock as having a bad timestamp. */
	if (!gmtime_r(&t, &tm) || tm.tm_year < YEAR_MIN - 1900 ||
	    tm.tm_year > YEAR_MAX - 1900) {
		out[0] = '\0';
		return;
	}
	/* The narrow types (lossless here) let the compiler prove that the
	 * output fits. */
	snprintf(out, ISOTIME_MAX, "%04hu-%02hhu-%02hhuT%02hhu:%02hhu:%02hhuZ",
		 (unsigned short)(tm.tm_year + 1900),
		 (unsigned char)(tm.tm_mon + 1), (unsigned char)tm.tm_mday,
		 (unsigned char)tm.tm_hour, (unsigned char)tm.tm_min,
		 (unsigned char)tm.tm_sec);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n decimal digits; stops at the terminating NUL like any
 * other non-digit, so it never reads past the string. */
static bool take_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int k = 0; k < n; k++) {
		if (!is_digit((*p)[k]))
			return false;
		v = v * 10 + ((*p)[k] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* One character out of set (never the terminating NUL). */
static bool take_char(const char **p, const char *set)
{
	if (**p == '\0' || !strchr(set, **p))
		return false;
	(*p)++;
	return true;
}

static bool is_leap(int year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static int days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31 };

	if (month == 2 && is_leap(year))
		return 29;
	return days[month - 1];
}

/* "YYYY-MM-DD" */
static bool parse_date(const char **p, struct tm *tm)
{
	int y, mo, d;

	if (!take_digits(p, 4, &y) || !take_char(p, "-") ||
	    !take_digits(p, 2, &mo) || !take_char(p, "-") ||
	    !take_digits(p, 2, &d))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return false;
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	return true;
}

/* "HH:MM:SS" with an optional fraction, which is dropped: the store
 * works in whole seconds.  Second 60 (a leap second) is kept and left to
 * timegm(), which counts it as the first second of the next minute, as
 * POSIX time does. */
static bool parse_time(const char **p, struct tm *tm)
{
	int h, mi, s;

	if (!take_digits(p, 2, &h) || !take_char(p, ":") ||
	    !take_digits(p, 2, &mi) || !take_char(p, ":") ||
	    !take_digits(p, 2, &s))
		return false;
	if (h > 23 || mi > 59 || s > 60)
		return false;
	if (take_char(p, ".,")) {
		if (!is_digit(**p))
			return false;
		while (is_digit(**p))
			(*p)++;
	}
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = s;
	return true;
}

/* 'Z', 'z', "+hh:mm" or "+hhmm" (or '-'), as seconds east of UTC. */
static bool parse_offset(const char **p, long *east)
{
	int sign, h, m;

	if (take_char(p, "Zz")) {
		*east = 0;
		return true;
	}
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!take_digits(p, 2, &h))
		return false;
	take_char(p, ":");
	if (!take_digits(p, 2, &m) || h > 23 || m > 59)
		return false;
	*east = sign * (h * 3600L + m * 60L);
	return true;
}

int isotime_parse(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	const char *p = s;
	long east;
	time_t local, utc;

	if (!s || !out || strnlen(s, ISOTIME_PARSE_MAX + 1) > ISOTIME_PARSE_MAX)
		return -EINVAL;
	if (!parse_date(&p, &tm) || !take_char(&p, "Tt ") ||
	    !parse_time(&p, &tm) || !parse_offset(&p, &east) || *p != '\0')
		return -EINVAL;

	/* -1 is also 1969-12-31T23:59:59, so only errno tells failure. */
	errno = 0;
	local = timegm(&tm);
	if (local == (time_t)-1 && errno != 0)
		return -EINVAL;
	if (__builtin_sub_overflow(local, east, &utc))
		return -EINVAL;
	*out = utc;
	return 0;
}
