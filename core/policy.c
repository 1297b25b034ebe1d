/* policy.c - who may do what to a lock, as pure functions; see policy.h.
 *
 * Kept free of I/O and of the clock so that every cell of the table is a
 * unit test, and so that the mount and the command line cannot disagree.
 */
#include "policy.h"

#include <errno.h>
#include <string.h>

const char *policy_stale_reason_name(enum stale_reason r)
{
	switch (r) {
	case STALE_AGE:
		return "age";
	case STALE_HOLDER_EXITED:
		return "holder-exited";
	case STALE_BAD_TIMESTAMP:
		return "bad-timestamp";
	case STALE_HOST_LOST:
		return "host-lost";
	case STALE_NONE:
		break;
	}
	return NULL;
}

const char *policy_action_name(enum lock_action a)
{
	switch (a) {
	case ACT_ACQUIRE:
		return "acquire";
	case ACT_RENEW:
		return "renew";
	case ACT_TAKE_OVER:
		return "take-over";
	case ACT_RELEASE:
		return "release";
	case ACT_OVERRIDE_RELEASE:
		return "override-release";
	case ACT_FORCE_RELEASE:
		return "force-release";
	case ACT_DENY:
		break;
	}
	return "deny";
}

long long policy_age(const struct lock_entry *e, time_t now)
{
	long long age;

	if (!e->ts_ok)
		return 0;
	age = (long long)now - (long long)e->ts;
	return age < 0 ? 0 : age;
}

enum stale_reason policy_staleness(const struct lock_entry *e, time_t now,
				   unsigned stale_seconds,
				   enum holder_liveness holder)
{
	if (!e->ts_ok)
		return STALE_BAD_TIMESTAMP;
	/* A clock stepped back, or a writer with a wrong clock, must not make
	 * a lock that can never age out. */
	if ((long long)e->ts - (long long)now > (long long)stale_seconds)
		return STALE_BAD_TIMESTAMP;
	if (holder == HOLDER_EXITED)
		return STALE_HOLDER_EXITED;
	if (holder == HOLDER_HOST_LOST)
		return STALE_HOST_LOST;
	if (policy_age(e, now) >= (long long)stale_seconds)
		return STALE_AGE;
	return STALE_NONE;
}

enum lock_state policy_state(const struct lock_entry *e, const char *caller,
			     enum stale_reason why)
{
	if (!e)
		return LOCK_ABSENT;
	if (e->instance && strcmp(e->instance, caller) == 0)
		return LOCK_MINE;
	return why == STALE_NONE ? LOCK_OTHER_LIVE : LOCK_OTHER_STALE;
}

static struct decision deny(int error)
{
	return (struct decision){ .action = ACT_DENY, .error = error };
}

static struct decision allow(enum lock_action action)
{
	return (struct decision){ .action = action, .error = 0 };
}

static struct decision decide_take(enum lock_request req,
				   enum lock_state state, bool force)
{
	switch (state) {
	case LOCK_ABSENT:
		return req == REQ_OPEN_WRITE ? deny(ENOENT) : allow(ACT_ACQUIRE);
	case LOCK_MINE:
		return req == REQ_CREATE_EXCL ? deny(EEXIST) : allow(ACT_RENEW);
	case LOCK_OTHER_LIVE:
	case LOCK_OTHER_STALE:
		break;
	}
	/* O_EXCL promises "only if it did not exist"; force cannot change
	 * that the file exists. */
	if (req == REQ_CREATE_EXCL || !force)
		return deny(EEXIST);
	return allow(ACT_TAKE_OVER);
}

static struct decision decide_unlink(enum lock_state state, bool force)
{
	switch (state) {
	case LOCK_ABSENT:
		return deny(ENOENT);
	case LOCK_MINE:
		return allow(ACT_RELEASE);
	case LOCK_OTHER_STALE:
		return allow(ACT_OVERRIDE_RELEASE);
	case LOCK_OTHER_LIVE:
		break;
	}
	return force ? allow(ACT_FORCE_RELEASE) : deny(EBUSY);
}

struct decision policy_decide(enum lock_request req, enum lock_state state,
			      bool force)
{
	if (req == REQ_UNLINK)
		return decide_unlink(state, force);
	return decide_take(req, state, force);
}
