/* test_policy.c - every cell of the policy table, and staleness. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

struct cell {
	enum lock_request req;
	enum lock_state state;
	bool force;
	enum lock_action action;
	int error;
};

/* The policy table, row by row: state, request, force, and the answer. */
static const struct cell table[] = {
	/* create: acquire | renew | EEXIST | EEXIST */
	{ REQ_CREATE, LOCK_ABSENT, false, ACT_ACQUIRE, 0 },
	{ REQ_CREATE, LOCK_MINE, false, ACT_RENEW, 0 },
	{ REQ_CREATE, LOCK_OTHER_LIVE, false, ACT_DENY, EEXIST },
	{ REQ_CREATE, LOCK_OTHER_STALE, false, ACT_DENY, EEXIST },
	/* create with O_EXCL: the file exists in every held state */
	{ REQ_CREATE_EXCL, LOCK_ABSENT, false, ACT_ACQUIRE, 0 },
	{ REQ_CREATE_EXCL, LOCK_MINE, false, ACT_DENY, EEXIST },
	{ REQ_CREATE_EXCL, LOCK_OTHER_LIVE, false, ACT_DENY, EEXIST },
	{ REQ_CREATE_EXCL, LOCK_OTHER_STALE, false, ACT_DENY, EEXIST },
	{ REQ_CREATE_EXCL, LOCK_OTHER_STALE, true, ACT_DENY, EEXIST },
	/* open for writing, utimens: - | renew | EEXIST | EEXIST */
	{ REQ_OPEN_WRITE, LOCK_ABSENT, false, ACT_DENY, ENOENT },
	{ REQ_OPEN_WRITE, LOCK_MINE, false, ACT_RENEW, 0 },
	{ REQ_OPEN_WRITE, LOCK_OTHER_LIVE, false, ACT_DENY, EEXIST },
	{ REQ_OPEN_WRITE, LOCK_OTHER_STALE, false, ACT_DENY, EEXIST },
	/* same with force: acquire | renew | take over | take over */
	{ REQ_CREATE, LOCK_ABSENT, true, ACT_ACQUIRE, 0 },
	{ REQ_CREATE, LOCK_MINE, true, ACT_RENEW, 0 },
	{ REQ_CREATE, LOCK_OTHER_LIVE, true, ACT_TAKE_OVER, 0 },
	{ REQ_CREATE, LOCK_OTHER_STALE, true, ACT_TAKE_OVER, 0 },
	{ REQ_OPEN_WRITE, LOCK_ABSENT, true, ACT_DENY, ENOENT },
	{ REQ_OPEN_WRITE, LOCK_MINE, true, ACT_RENEW, 0 },
	{ REQ_OPEN_WRITE, LOCK_OTHER_LIVE, true, ACT_TAKE_OVER, 0 },
	{ REQ_OPEN_WRITE, LOCK_OTHER_STALE, true, ACT_TAKE_OVER, 0 },
	/* unlink: ENOENT | release | EBUSY | release (an override) */
	{ REQ_UNLINK, LOCK_ABSENT, false, ACT_DENY, ENOENT },
	{ REQ_UNLINK, LOCK_MINE, false, ACT_RELEASE, 0 },
	{ REQ_UNLINK, LOCK_OTHER_LIVE, false, ACT_DENY, EBUSY },
	{ REQ_UNLINK, LOCK_OTHER_STALE, false, ACT_OVERRIDE_RELEASE, 0 },
	/* unlink with force: ENOENT | release | release | release */
	{ REQ_UNLINK, LOCK_ABSENT, true, ACT_DENY, ENOENT },
	{ REQ_UNLINK, LOCK_MINE, true, ACT_RELEASE, 0 },
	{ REQ_UNLINK, LOCK_OTHER_LIVE, true, ACT_FORCE_RELEASE, 0 },
	{ REQ_UNLINK, LOCK_OTHER_STALE, true, ACT_OVERRIDE_RELEASE, 0 },
};

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(*table); i++) {
		const struct cell *c = &table[i];
		struct decision d = policy_decide(c->req, c->state, c->force);

		print_message("row %zu\n", i);
		assert_int_equal(d.action, c->action);
		assert_int_equal(d.error, c->error);
	}
}

static struct lock_entry entry(const char *instance, time_t ts, bool ts_ok)
{
	return (struct lock_entry){ .resource = "Chapter_03",
				    .instance = instance,
				    .timestamp = "x", .ts = ts, .ts_ok = ts_ok };
}

static void test_state(void **state)
{
	struct lock_entry e = entry("CLI-1", 1000, true);

	(void)state;
	assert_int_equal(policy_state(NULL, "CLI-1", STALE_NONE), LOCK_ABSENT);
	assert_int_equal(policy_state(&e, "CLI-1", STALE_NONE), LOCK_MINE);
	/* Your own stale lock is still yours: renewing it is not an override. */
	assert_int_equal(policy_state(&e, "CLI-1", STALE_AGE), LOCK_MINE);
	assert_int_equal(policy_state(&e, "CLI-2", STALE_NONE), LOCK_OTHER_LIVE);
	assert_int_equal(policy_state(&e, "CLI-2", STALE_AGE), LOCK_OTHER_STALE);
	assert_int_equal(policy_state(&e, "CLI-2", STALE_HOLDER_EXITED),
			 LOCK_OTHER_STALE);
	/* Names are compared exactly. */
	assert_int_equal(policy_state(&e, "cli-1", STALE_NONE), LOCK_OTHER_LIVE);
}

static void test_staleness_by_age(void **state)
{
	struct lock_entry e = entry("CLI-1", 10000, true);

	(void)state;
	assert_int_equal(policy_staleness(&e, 10000, 900, -1), STALE_NONE);
	assert_int_equal(policy_staleness(&e, 10899, 900, -1), STALE_NONE);
	/* "at least the stale timeout" */
	assert_int_equal(policy_staleness(&e, 10900, 900, -1), STALE_AGE);
	assert_int_equal(policy_staleness(&e, 10900, 901, -1), STALE_NONE);
	assert_int_equal(policy_age(&e, 10900), 900);
}

static void test_staleness_by_holder(void **state)
{
	struct lock_entry e = entry("CLI-1", 10000, true);

	(void)state;
	assert_int_equal(policy_staleness(&e, 10001, 900, 0), STALE_HOLDER_EXITED);
	assert_int_equal(policy_staleness(&e, 10001, 900, 1), STALE_NONE);
	assert_int_equal(policy_staleness(&e, 10001, 900, -1), STALE_NONE);
	/* an exited holder is reported before age */
	assert_int_equal(policy_staleness(&e, 20000, 900, 0), STALE_HOLDER_EXITED);
	/* a lost machine makes a fresh lock stale at once, and is said
	 * before age too */
	assert_int_equal(policy_staleness(&e, 10001, 900, HOLDER_HOST_LOST),
			 STALE_HOST_LOST);
	assert_int_equal(policy_staleness(&e, 20000, 900, HOLDER_HOST_LOST),
			 STALE_HOST_LOST);
}

static void test_bad_and_future_timestamps(void **state)
{
	struct lock_entry bad = entry("CLI-1", 0, false);
	struct lock_entry ahead = entry("CLI-1", 10000 + 60, true);
	struct lock_entry far = entry("CLI-1", 10000 + 901, true);

	(void)state;
	assert_int_equal(policy_staleness(&bad, 10000, 900, 1),
			 STALE_BAD_TIMESTAMP);
	/* A little ahead (clock skew): live, age 0. */
	assert_int_equal(policy_staleness(&ahead, 10000, 900, 1), STALE_NONE);
	assert_int_equal(policy_age(&ahead, 10000), 0);
	/* Further ahead than the timeout: it would outlive the rule. */
	assert_int_equal(policy_staleness(&far, 10000, 900, 1),
			 STALE_BAD_TIMESTAMP);
	/* Ahead by the timeout exactly is the limit: still live ... */
	ahead.ts = 10000 + 900;
	assert_int_equal(policy_staleness(&ahead, 10000, 900, 1), STALE_NONE);
	/* ... and stale by age once the clock has run twice the timeout. */
	assert_int_equal(policy_staleness(&ahead, 10000 + 1800, 900, 1),
			 STALE_AGE);
}

static void test_names(void **state)
{
	(void)state;
	assert_null(policy_stale_reason_name(STALE_NONE));
	assert_string_equal(policy_stale_reason_name(STALE_AGE), "age");
	assert_string_equal(policy_stale_reason_name(STALE_HOLDER_EXITED),
			    "holder-exited");
	assert_string_equal(policy_stale_reason_name(STALE_BAD_TIMESTAMP),
			    "bad-timestamp");
	assert_string_equal(policy_stale_reason_name(STALE_HOST_LOST),
			    "host-lost");
	assert_string_equal(policy_action_name(ACT_TAKE_OVER), "take-over");
	assert_string_equal(policy_action_name(ACT_DENY), "deny");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_staleness_by_age),
		cmocka_unit_test(test_staleness_by_holder),
		cmocka_unit_test(test_bad_and_future_timestamps),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
