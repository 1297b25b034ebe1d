/* check.h - how the fuzz harnesses report a broken invariant.
 *
 * A failed check prints which one (so a crash report names the property,
 * not just a SIGILL address) and traps: libFuzzer then saves the input as
 * a crash artifact, which is exactly the reproducer we want.
 */
#ifndef LOCKFS_FUZZ_CHECK_H
#define LOCKFS_FUZZ_CHECK_H

#include <stdio.h>
#include <string.h>

#include "error.h"

#define CHECK(cond)                                                      \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n",     \
				__FILE__, __LINE__, #cond);              \
			__builtin_trap();                                \
		}                                                        \
	} while (0)

/* What error.h promises of every failure: the code matches the return
 * value and the message is one non-empty, terminated line. */
static inline void check_error(int rc, const struct lf_error *err)
{
	size_t n = strnlen(err->msg, sizeof(err->msg));

	CHECK(rc < 0);
	CHECK(err->code == -rc);
	CHECK(n > 0 && n < sizeof(err->msg));
	CHECK(err->msg[n - 1] != '\n');
}

#endif
