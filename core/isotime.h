/* isotime.h - the timestamps of locks.json.
 *
 * lockfs writes UTC with whole seconds ("2026-11-27T10:03:00Z"), the form
 * hand-editing agents write and expect.  It reads what other writers produce: a 'T',
 * 't' or ' ' separator, fractional seconds (truncated), and 'Z', 'z',
 * "+hh:mm", "-hh:mm" or "+hhmm" offsets.  Anything else is not a timestamp:
 * the caller then treats the lock as stale ("bad-timestamp"), never drops it.
 */
#ifndef LOCKFS_ISOTIME_H
#define LOCKFS_ISOTIME_H

#include <stddef.h>
#include <time.h>

#define ISOTIME_MAX 32		/* buffer size for isotime_format() */

/* Write t as "YYYY-MM-DDTHH:MM:SSZ" into out (ISOTIME_MAX bytes). */
void isotime_format(time_t t, char out[ISOTIME_MAX]);

/* Parse s; on success store seconds since the epoch in *out and return 0.
 * Returns -EINVAL for anything that is not a complete, valid date-time
 * (including out-of-range fields such as month 13 or 25:00). */
int isotime_parse(const char *s, time_t *out);

#endif
