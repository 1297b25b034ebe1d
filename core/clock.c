/* clock.c - deadlines on CLOCK_MONOTONIC; see clock.h. */
#include "clock.h"

#define NS_PER_S 1000000000LL

static struct timespec now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

long long clock_now_ms(void)
{
	struct timespec t = now();

	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

struct timespec clock_after(double secs)
{
	struct timespec t = now();
	long long whole = (long long)secs;
	long long ns = (long long)((secs - (double)whole) * 1e9) + t.tv_nsec;

	t.tv_sec += (time_t)whole + (time_t)(ns / NS_PER_S);
	t.tv_nsec = (long)(ns % NS_PER_S);
	return t;
}

bool clock_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

bool clock_passed(const struct timespec *t)
{
	struct timespec n = now();

	return !clock_before(&n, t);
}

struct timespec clock_left(const struct timespec *t)
{
	struct timespec n = now(), left = { 0, 0 };
	long long ns = (long long)(t->tv_sec - n.tv_sec) * NS_PER_S +
		       (t->tv_nsec - n.tv_nsec);

	if (ns > 0) {
		left.tv_sec = (time_t)(ns / NS_PER_S);
		left.tv_nsec = (long)(ns % NS_PER_S);
	}
	return left;
}
