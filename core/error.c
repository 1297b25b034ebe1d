/* error.c - struct lf_error helpers; see error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int lf_error_set(struct lf_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -code;
}

void lf_error_clear(struct lf_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
