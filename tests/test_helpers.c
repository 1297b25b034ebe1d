/* test_helpers.c - cmocka suite for core's small shared helpers: bounded
 * whole-file reads (readfile), change stamps (filestamp), the monotonic
 * clock (clock) and the name hash (hash). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "clock.h"
#include "filestamp.h"
#include "hash.h"
#include "readfile.h"

struct dir {
	char path[64];
	char file[96];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/lockfs-helpers.XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	snprintf(d->file, sizeof(d->file), "%s/f", d->path);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char other[128];

	snprintf(other, sizeof(other), "%s/g", d->path);
	unlink(d->file);
	unlink(other);
	rmdir(d->path);
	free(d);
	return 0;
}

static void write_bytes(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

static void test_readfile_bounds(void **state)
{
	struct dir *d = *state;
	char data[10000], *buf = NULL;
	size_t len = 0;
	struct stat sb;

	memset(data, 'x', sizeof(data));
	data[5] = '\0';
	write_bytes(d->file, data, sizeof(data));
	/* Exactly max: read whole, NUL-terminated, inner NUL kept. */
	assert_int_equal(readfile_path(d->file, 0, sizeof(data), &buf, &len,
				       &sb), 0);
	assert_int_equal(len, sizeof(data));
	assert_int_equal(sb.st_size, (off_t)sizeof(data));
	assert_memory_equal(buf, data, sizeof(data));
	assert_int_equal(buf[len], '\0');
	free(buf);
	/* One byte more than max: refused, not cut. */
	buf = NULL;
	assert_int_equal(readfile_path(d->file, 0, sizeof(data) - 1, &buf,
				       &len, NULL), -EFBIG);
	assert_null(buf);
	/* Empty. */
	write_bytes(d->file, "", 0);
	assert_int_equal(readfile_path(d->file, 0, 10, &buf, &len, NULL), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
}

static void test_readfile_refusals(void **state)
{
	struct dir *d = *state;
	char *buf = NULL, link[128];
	size_t len;

	assert_int_equal(readfile_path(d->file, 0, 10, &buf, &len, NULL),
			 -ENOENT);
	/* A FIFO is refused at once instead of blocking the reader. */
	assert_int_equal(mkfifo(d->file, 0644), 0);
	assert_int_equal(readfile_path(d->file, 0, 10, &buf, &len, NULL),
			 -EINVAL);
	unlink(d->file);
	assert_int_equal(readfile_path(d->path, 0, 10, &buf, &len, NULL),
			 -EINVAL);
	write_bytes(d->file, "abc", 3);
	snprintf(link, sizeof(link), "%s/g", d->path);
	assert_int_equal(symlink(d->file, link), 0);
	assert_int_equal(readfile_path(link, O_NOFOLLOW, 10, &buf, &len, NULL),
			 -ELOOP);
	assert_int_equal(readfile_path(link, 0, 10, &buf, &len, NULL), 0);
	assert_string_equal(buf, "abc");
	free(buf);
}

/* Files that report size 0 (like /proc's) are read to their end. */
static void test_readfile_size_zero(void **state)
{
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(readfile_path("/proc/self/stat", 0, 65536, &buf,
				       &len, NULL), 0);
	assert_true(len > 20);
	assert_int_equal(atoi(buf), (int)getpid());
	free(buf);
}

static void test_filestamp(void **state)
{
	struct dir *d = *state;
	struct filestamp a, b, gone = { 0 };
	char other[128];
	int fd;

	assert_int_equal(filestamp_get(d->file, true, &a), 0);
	assert_false(a.present);
	assert_true(filestamp_equal(&a, &gone));
	write_bytes(d->file, "one", 3);
	assert_int_equal(filestamp_get(d->file, true, &a), 0);
	assert_true(a.present);
	assert_false(filestamp_equal(&a, &gone));
	assert_int_equal(filestamp_get(d->file, false, &b), 0);
	assert_true(filestamp_equal(&a, &b));
	/* Same size, new bytes in place: ctime moves (or mtime). */
	usleep(20000);
	write_bytes(d->file, "two", 3);
	assert_int_equal(filestamp_get(d->file, true, &b), 0);
	assert_false(filestamp_equal(&a, &b));
	/* The file held open is no longer the one at the path once another
	 * is renamed over it. */
	fd = open(d->file, O_RDONLY);
	assert_true(fd >= 0);
	assert_true(filestamp_fd_is_path(fd, d->file));
	snprintf(other, sizeof(other), "%s/g", d->path);
	write_bytes(other, "two", 3);
	assert_int_equal(rename(other, d->file), 0);
	assert_false(filestamp_fd_is_path(fd, d->file));
	close(fd);
	assert_int_equal(filestamp_get(d->file, true, &a), 0);
	assert_false(filestamp_equal(&a, &b));
	/* Missing is a stamp; other failures are errors. */
	assert_int_equal(filestamp_get("", true, &a), 0);
	snprintf(other, sizeof(other), "%s/x", d->file);
	assert_int_equal(filestamp_get(other, true, &a), -ENOTDIR);
	assert_false(a.present);
}

static void test_clock(void **state)
{
	struct timespec soon = clock_after(0.05), past = clock_after(0),
			far = clock_after(3600.25), left;
	long long t0 = clock_now_ms();

	(void)state;
	assert_true(soon.tv_nsec >= 0 && soon.tv_nsec < 1000000000L);
	assert_true(clock_before(&past, &soon));
	assert_false(clock_before(&soon, &past));
	assert_true(clock_passed(&past));
	assert_false(clock_passed(&far));
	left = clock_left(&far);
	assert_true(left.tv_sec >= 3599 && left.tv_sec <= 3600);
	left = clock_left(&past);
	assert_int_equal(left.tv_sec, 0);
	assert_int_equal(left.tv_nsec, 0);
	usleep(60000);
	assert_true(clock_passed(&soon));
	assert_true(clock_now_ms() - t0 >= 60);
}

static void test_hash(void **state)
{
	(void)state;
	/* FNV-1a 64 reference values. */
	assert_true(hash_string("") == 0xcbf29ce484222325ULL);
	assert_true(hash_string("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(hash_string("foobar") == 0x85944171f73967e8ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_readfile_bounds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_readfile_refusals, setup,
						teardown),
		cmocka_unit_test(test_readfile_size_zero),
		cmocka_unit_test_setup_teardown(test_filestamp, setup, teardown),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
