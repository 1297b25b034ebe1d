/* clock.h - the monotonic clock, for deadlines and intervals.
 *
 * Everything that waits or times out measures with CLOCK_MONOTONIC, so
 * that a change of the wall clock (NTP, a user, a suspended laptop's
 * catch-up) neither cuts a wait short nor stretches it.  Instants are
 * struct timespec values of that clock (normalised: 0 <= tv_nsec < 1e9),
 * or milliseconds for the store's short, integer deadlines.
 */
#ifndef LOCKFS_CLOCK_H
#define LOCKFS_CLOCK_H

#include <stdbool.h>
#include <time.h>

/* Now, in milliseconds. */
long long clock_now_ms(void);

/* The instant secs (>= 0, fractions allowed) from now. */
struct timespec clock_after(double secs);

/* a is earlier than b. */
bool clock_before(const struct timespec *a, const struct timespec *b);

/* The instant t has come. */
bool clock_passed(const struct timespec *t);

/* Time left until t, never negative. */
struct timespec clock_left(const struct timespec *t);

#endif
