/* test_store.c - transactions on a real locks.json in a temporary directory:
 * atomic replacement, refusal to touch what does not parse, the retry for
 * half-written files, the bounded wait for the sidecar lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_file.h"

struct fixture {
	char dir[64];
	char json[128];
	char side[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_file_paths paths = { 0 };

	strcpy(f->dir, "/tmp/lockfs-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->json, sizeof(f->json), "%s/locks.json", f->dir);
	snprintf(f->side, sizeof(f->side), "%s/locks.lock", f->dir);
	paths.store_path = f->json;
	paths.sidecar_path = f->side;
	if (store_file_open(&paths, &f->st, NULL) < 0)
		return -1;
	store_file_set_lock_timeout_ms(f->st, 300);
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

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static char *read_file(const char *path)
{
	static char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Temporary files of the store that were left behind. */
static int count_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, ".locks.json.", 12) == 0)
			n++;
	closedir(d);
	return n;
}

struct add_arg {
	const char *resource;
	int result;		/* what apply returns */
	int calls;
};

static int apply_add(struct lockdoc *doc, void *arg, struct lf_error *err)
{
	struct add_arg *a = arg;
	struct lock_fields fl = { .instance = "CLI-1", .timestamp = 1795773780,
				  .acquired = 1795773780, .token = 1, .uid = -1 };

	a->calls++;
	if (a->result <= 0)
		return a->result < 0 ? lf_error_set(err, -a->result, "refused") : 0;
	return lockdoc_append(doc, a->resource, &fl) < 0 ? -ENOMEM : 1;
}

static int run_add(struct fixture *f, struct add_arg *a, struct lf_error *err)
{
	struct store_txn txn = { .apply = apply_add, .arg = a };

	return store_transact(f->st, &txn, err);
}

static void test_missing_store_reads_empty(void **state)
{
	struct fixture *f = *state;
	const struct lockdoc *doc;

	assert_int_equal(store_read(f->st, &doc, NULL), 0);
	assert_int_equal(lockdoc_count(doc), 0);
}

static void test_commit_replaces_the_file(void **state)
{
	struct fixture *f = *state;
	struct add_arg a = { .resource = "Chapter_01", .result = 1 };
	const struct lockdoc *doc;
	struct lock_entry e;
	struct stat before, after;

	write_file(f->json, "{\"locks\":[], \"keep\": 1}");
	assert_int_equal(stat(f->json, &before), 0);
	assert_int_equal(run_add(f, &a, NULL), 0);
	assert_int_equal(stat(f->json, &after), 0);
	/* A new inode: the file was replaced by rename, not rewritten. */
	assert_int_not_equal(before.st_ino, after.st_ino);
	assert_non_null(strstr(read_file(f->json), "\"keep\": 1"));
	assert_non_null(strstr(read_file(f->json), "\"resource\": \"Chapter_01\""));
	assert_int_equal(store_read(f->st, &doc, NULL), 0);
	assert_int_equal(lockdoc_count(doc), 1);
	lockdoc_entry(doc, 0, &e);
	assert_string_equal(e.resource, "Chapter_01");
	assert_int_equal(count_temp_files(f->dir), 0);
}

static void test_unchanged_means_untouched(void **state)
{
	struct fixture *f = *state;
	struct add_arg a = { .resource = "X", .result = 0 };
	struct stat before, after;

	write_file(f->json, "{ \"locks\" : [ ] }");
	assert_int_equal(stat(f->json, &before), 0);
	assert_int_equal(run_add(f, &a, NULL), 0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(stat(f->json, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_string_equal(read_file(f->json), "{ \"locks\" : [ ] }");
}

static void test_apply_error_aborts(void **state)
{
	struct fixture *f = *state;
	struct add_arg a = { .resource = "X", .result = -EEXIST };
	struct lf_error err = { 0 };

	write_file(f->json, "{\"locks\":[]}");
	assert_int_equal(run_add(f, &a, &err), -EEXIST);
	assert_string_equal(read_file(f->json), "{\"locks\":[]}");
}

static void test_unparsable_store_is_never_overwritten(void **state)
{
	static const char broken[] = "{\"locks\":[{\"resource\":\"Chapter_01\",";
	struct fixture *f = *state;
	struct add_arg a = { .resource = "X", .result = 1 };
	struct lf_error err = { 0 };
	const struct lockdoc *doc;

	write_file(f->json, broken);
	assert_int_equal(run_add(f, &a, &err), -EIO);
	assert_int_equal(a.calls, 0);
	assert_non_null(strstr(err.msg, "byte 35"));
	assert_string_equal(read_file(f->json), broken);
	/* Reads fail the same way, and fast the second time (remembered). */
	assert_int_equal(store_read(f->st, &doc, &err), -EIO);
	assert_null(doc);
	assert_non_null(strstr(err.msg, "byte 35"));
	/* Fixed by hand: works again. */
	write_file(f->json, "{\"locks\":[]}");
	assert_int_equal(run_add(f, &a, NULL), 0);
	assert_int_equal(a.calls, 1);
}

/* A non-atomic writer caught half-way: the store waits for it. */
static void test_half_written_file_is_reread(void **state)
{
	struct fixture *f = *state;
	const struct lockdoc *doc;
	struct lf_error err = { 0 };
	pid_t pid;
	int status;

	write_file(f->json, "{\"locks\":[{\"resource\":\"Chapter_02\",");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(25 * 1000);
		write_file(f->json, "{\"locks\":[{\"resource\":\"Chapter_02\","
			   "\"instance\":\"CLI-9\",\"timestamp\":\"2026-11-27T10:03:00Z\"}]}");
		_exit(0);
	}
	assert_int_equal(store_read(f->st, &doc, &err), 0);
	assert_int_equal(lockdoc_count(doc), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void test_lock_wait_has_a_deadline(void **state)
{
	struct fixture *f = *state;
	struct add_arg a = { .resource = "X", .result = 1 };
	struct lf_error err = { 0 };
	struct timespec t0, t1;
	int ready[2], fd, status;
	long ms;
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(f->side, O_RDWR | O_CREAT, 0644);
		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();	/* a stuck process holding the lock forever */
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_add(f, &a, &err), -EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 250);
	assert_true(ms < 5000);
	assert_non_null(strstr(err.msg, "still locked"));
	assert_int_equal(a.calls, 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(ready[0]);
	close(ready[1]);
	/* The lock dies with its holder. */
	assert_int_equal(run_add(f, &a, NULL), 0);
}

static void test_symlinked_store_is_refused(void **state)
{
	struct fixture *f = *state;
	struct add_arg a = { .resource = "X", .result = 1 };
	struct lf_error err = { 0 };
	char target[160];

	snprintf(target, sizeof(target), "%s/elsewhere", f->dir);
	write_file(target, "{\"locks\":[]}");
	assert_int_equal(symlink(target, f->json), 0);
	assert_int_equal(run_add(f, &a, &err), -EIO);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_string_equal(read_file(target), "{\"locks\":[]}");
}

static void test_cache_follows_outside_changes(void **state)
{
	struct fixture *f = *state;
	const struct lockdoc *doc;

	write_file(f->json, "{\"locks\":[]}");
	assert_int_equal(store_read(f->st, &doc, NULL), 0);
	assert_int_equal(lockdoc_count(doc), 0);
	/* Same inode, different content: an in-place editor. */
	write_file(f->json, "{\"locks\":[{\"resource\":\"A\",\"instance\":\"x\"}]}");
	assert_int_equal(store_read(f->st, &doc, NULL), 0);
	assert_int_equal(lockdoc_count(doc), 1);
	unlink(f->json);
	assert_int_equal(store_read(f->st, &doc, NULL), 0);
	assert_int_equal(lockdoc_count(doc), 0);
}

/* Removing the sidecar must not let two transactions run at once: the
 * store notices that its open sidecar is no longer the one at the path. */
static void test_replaced_sidecar_is_reopened(void **state)
{
	struct fixture *f = *state;
	struct add_arg a = { .resource = "A", .result = 1 };
	struct stat sb;

	assert_int_equal(run_add(f, &a, NULL), 0);
	assert_int_equal(unlink(f->side), 0);
	a.resource = "B";
	assert_int_equal(run_add(f, &a, NULL), 0);
	assert_int_equal(stat(f->side, &sb), 0);
}

static void test_durability_modes_all_commit(void **state)
{
	struct fixture *f = *state;
	struct add_arg a = { .result = 1 };
	const struct lockdoc *doc;

	store_file_set_durability(f->st, DURABILITY_RENAME);
	a.resource = "A";
	assert_int_equal(run_add(f, &a, NULL), 0);
	store_file_set_durability(f->st, DURABILITY_FULL);
	a.resource = "B";
	assert_int_equal(run_add(f, &a, NULL), 0);
	assert_int_equal(store_read(f->st, &doc, NULL), 0);
	assert_int_equal(lockdoc_count(doc), 2);
}

static int apply_token(struct lockdoc *doc, void *arg, struct lf_error *err)
{
	long long *token = arg;

	(void)err;
	*token = lockdoc_next_token(doc);
	return *token > 0 ? 1 : (int)*token;
}

static long long next_token(struct fixture *f)
{
	struct store_txn txn = { .apply = apply_token };
	long long token = 0;

	txn.arg = &token;
	assert_int_equal(store_transact(f->st, &txn, NULL), 0);
	return token;
}

/* The high-water mark lives beside the store: a rewrite of locks.json
 * without "last_token" does not bring old tokens back. */
static void test_token_mark_outlives_the_counter(void **state)
{
	struct fixture *f = *state;
	struct store_file_paths paths = { .store_path = f->json, .sidecar_path = f->side };
	char mark[160];

	snprintf(mark, sizeof(mark), "%s/last_token", f->dir);
	paths.token_path = mark;
	store_close(f->st);
	assert_int_equal(store_file_open(&paths, &f->st, NULL), 0);
	assert_int_equal(next_token(f), 1);
	assert_int_equal(next_token(f), 2);
	assert_string_equal(read_file(mark), "2\n");
	write_file(f->json, "{\"locks\": []}");
	assert_int_equal(next_token(f), 3);
	assert_string_equal(read_file(mark), "3\n");
	/* A mark that is not a number is rewritten; the store still counts. */
	write_file(mark, "three");
	write_file(f->json, "{\"locks\": [], \"last_token\": 7}");
	assert_int_equal(next_token(f), 8);
	assert_string_equal(read_file(mark), "8\n");
	assert_int_equal(count_temp_files(f->dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_store_reads_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_replaces_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_means_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_error_aborts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unparsable_store_is_never_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_written_file_is_reread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_wait_has_a_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_store_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_follows_outside_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaced_sidecar_is_reopened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_durability_modes_all_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_mark_outlives_the_counter, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
