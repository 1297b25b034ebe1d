/* test_recovery.c - a store broken by a crash of the machine: reset when it
 * was last modified before the current boot (every holder died with the
 * machine), left untouched with EIO when it was modified after it.  The
 * boot time is given to the store, the file's mtime set by hand. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_file.h"

#define WRITTEN_AT 1700000000	/* the damaged file's mtime */

static const char garbled[] = "{\"locks\":[{\"resource\":\"Chapter_01\",";

struct fixture {
	char dir[64];
	char json[128];
	char side[128];
	char events[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_file_paths paths = { 0 };

	strcpy(f->dir, "/tmp/lockfs-recovery-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->json, sizeof(f->json), "%s/locks.json", f->dir);
	snprintf(f->side, sizeof(f->side), "%s/locks.lock", f->dir);
	snprintf(f->events, sizeof(f->events), "%s/events.log", f->dir);
	paths.store_path = f->json;
	paths.sidecar_path = f->side;
	paths.events_path = f->events;
	if (store_file_open(&paths, &f->st, NULL) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Write text to the store and date it WRITTEN_AT. */
static void write_dated(const struct fixture *f, const char *text)
{
	struct timespec times[2] = { { WRITTEN_AT, 0 }, { WRITTEN_AT, 0 } };
	FILE *fp = fopen(f->json, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(utimensat(AT_FDCWD, f->json, times, 0), 0);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* The one locks.json.broken-* file in the directory (NULL if none); fails
 * the test if there are several. */
static char *broken_file(const struct fixture *f)
{
	static char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(f->dir);
	int found = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "locks.json.broken-", 18) != 0)
			continue;
		found++;
		snprintf(path, sizeof(path), "%s/%s", f->dir, de->d_name);
	}
	closedir(d);
	assert_true(found <= 1);
	return found ? path : NULL;
}

static int add_one(struct lockdoc *doc, void *arg, struct lf_error *err)
{
	struct lock_fields lf = { .instance = "CLI-1", .timestamp = time(NULL),
				  .acquired = time(NULL), .token = 1, .uid = -1 };

	(void)arg;
	if (lockdoc_append(doc, "Chapter_01", &lf) < 0)
		return lf_error_set(err, ENOMEM, "out of memory");
	return 1;
}

static void expect_reset(struct fixture *f, const char *text)
{
	const struct lockdoc *doc;
	const char *kept, *log;

	write_dated(f, text);
	store_file_set_boot_time(f->st, WRITTEN_AT + 60);
	assert_int_equal(store_read(f->st, &doc, NULL), 0);
	assert_non_null(doc);
	assert_int_equal(lockdoc_count(doc), 0);
	/* The broken bytes are kept beside the store, and the log says so. */
	kept = broken_file(f);
	assert_non_null(kept);
	assert_string_equal(slurp(kept), text);
	assert_int_equal(access(f->json, F_OK), -1);
	log = slurp(f->events);
	assert_non_null(log);
	assert_non_null(strstr(log, "\"event\":\"reset-broken-store\""));
	assert_non_null(strstr(log, strrchr(kept, '/') + 1));
}

static void test_garbled_before_boot_is_reset(void **state)
{
	expect_reset(*state, garbled);
}

static void test_blank_before_boot_is_reset(void **state)
{
	expect_reset(*state, "");
}

static void test_garbled_after_boot_is_untouched(void **state)
{
	struct fixture *f = *state;
	const struct lockdoc *doc;
	struct lf_error err = { 0 };
	struct store_txn txn = { .apply = add_one };

	write_dated(f, garbled);
	store_file_set_boot_time(f->st, WRITTEN_AT - 60);
	assert_int_equal(store_read(f->st, &doc, &err), -EIO);
	assert_int_equal(store_transact(f->st, &txn, &err), -EIO);
	assert_string_equal(slurp(f->json), garbled);
	assert_null(broken_file(f));
	assert_null(slurp(f->events));
}

/* A blank store written after the boot is what it always was: an empty
 * store, left where it is. */
static void test_blank_after_boot_is_an_empty_store(void **state)
{
	struct fixture *f = *state;
	const struct lockdoc *doc;

	write_dated(f, "\n");
	store_file_set_boot_time(f->st, WRITTEN_AT - 60);
	assert_int_equal(store_read(f->st, &doc, NULL), 0);
	assert_int_equal(lockdoc_count(doc), 0);
	assert_string_equal(slurp(f->json), "\n");
	assert_null(broken_file(f));
}

/* A transaction meeting the wreck resets it and commits on an empty store;
 * what it writes reads back. */
static void test_transaction_after_reset_commits(void **state)
{
	struct fixture *f = *state;
	struct store_txn txn = { .apply = add_one };
	const struct lockdoc *doc;
	struct store *other;
	struct store_file_paths paths = { .store_path = f->json,
				     .sidecar_path = f->side };

	write_dated(f, garbled);
	store_file_set_boot_time(f->st, WRITTEN_AT + 60);
	assert_int_equal(store_transact(f->st, &txn, NULL), 0);
	assert_non_null(broken_file(f));
	assert_int_equal(store_file_open(&paths, &other, NULL), 0);
	assert_int_equal(store_read(other, &doc, NULL), 0);
	assert_int_equal(lockdoc_count(doc), 1);
	assert_true(lockdoc_first(doc, "Chapter_01", NULL));
	store_close(other);
}

/* A valid store from before the boot is a store like any other: its locks
 * are judged by the policy (their holders are gone), never thrown away. */
static void test_valid_before_boot_is_kept(void **state)
{
	struct fixture *f = *state;
	static const char text[] =
		"{\"locks\":[{\"resource\":\"Chapter_02\",\"instance\":\"A\"}]}";
	const struct lockdoc *doc;

	write_dated(f, text);
	store_file_set_boot_time(f->st, WRITTEN_AT + 60);
	assert_int_equal(store_read(f->st, &doc, NULL), 0);
	assert_int_equal(lockdoc_count(doc), 1);
	assert_string_equal(slurp(f->json), text);
	assert_null(broken_file(f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_garbled_before_boot_is_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blank_before_boot_is_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbled_after_boot_is_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blank_after_boot_is_an_empty_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction_after_reset_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid_before_boot_is_kept, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
