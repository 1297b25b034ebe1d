/* error.h - how core reports failure.
 *
 * Every core function that can fail returns 0 or a negative errno value and,
 * when given a non-NULL struct lf_error, fills it with that errno and one
 * human sentence ("locks.json: byte 17: expected ',' or '}'").  Front ends
 * translate: the mount returns -code, the command line prints msg and maps
 * code to its exit status.  The sentence never ends with a newline.
 */
#ifndef LOCKFS_ERROR_H
#define LOCKFS_ERROR_H

#include <stddef.h>

#define LF_ERROR_MSG_MAX 512

struct lf_error {
	int code;			/* positive errno, 0 when unset */
	char msg[LF_ERROR_MSG_MAX];
};

/* Record code and a printf-style message; returns -code so callers can
 * write `return lf_error_set(err, EIO, "...")`.  err may be NULL. */
int lf_error_set(struct lf_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clear err (no-op on NULL). */
void lf_error_clear(struct lf_error *err);

/* For a call whose failure leaves nothing to do (best-effort clean-up, a
 * courtesy to a process that may be gone): glibc marks write(), chdir(),
 * fchmod() and the like warn_unused_result, which a cast to void does not
 * silence.  Passing the result here says it is dropped on purpose; the
 * caller's comment says why that is safe. */
static inline void lf_ignore_result(long rc)
{
	(void)rc;
}

#endif
