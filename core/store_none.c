/* store_none.c - the store that only says why there is none; see
 * store_none.h. */
#include "store_none.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct none_store {
	struct store_base base;		/* first: the interface (store.h) */
	struct lf_error why;
};

static int fail(struct store *s, struct lf_error *err)
{
	const struct lf_error *why = &((struct none_store *)s)->why;

	if (err)
		*err = *why;
	return -why->code;
}

static int none_read(struct store *s, const struct lockdoc **out,
		     struct lf_error *err)
{
	*out = NULL;
	return fail(s, err);
}

static int none_transact(struct store *s, const struct store_txn *txn,
			 struct lf_error *err)
{
	(void)txn;
	return fail(s, err);
}

static void none_configure(struct store *s, const struct lf_config *cfg)
{
	(void)s;
	(void)cfg;
}

static int none_watch_open(struct store *s, struct store_watch **out,
			   struct lf_error *err)
{
	*out = NULL;
	return fail(s, err);
}

static void none_close(struct store *s)
{
	free(s);
}

static const struct store_ops none_ops = {
	.read = none_read,
	.transact = none_transact,
	.configure = none_configure,
	.watch_open = none_watch_open,
	.close = none_close,
};

int store_none_open(const struct lf_error *why, struct store **out,
		    struct lf_error *err)
{
	struct none_store *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return lf_error_set(err, ENOMEM, "out of memory");
	st->base.ops = &none_ops;
	st->why = *why;
	if (!st->why.code)
		st->why.code = EINVAL;
	*out = (struct store *)st;
	return 0;
}
