/* test_procfs.c - the /proc parsers and readers against real and hostile
 * input: command names with spaces and parentheses, truncated and
 * oversized files, environments without their final NUL, key prefixes.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fakeproc.h"
#include "procfs.h"

/* A stat line as Linux 6.x writes it, start time 8123456. */
static const char real_stat[] =
	"4242 (claude) S 4000 4242 4100 34817 4242 4194560 9283 0 0 0 "
	"120 35 0 0 20 0 11 0 8123456 1133551616 54321 "
	"18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 6 0 0 "
	"0 0 0 0 0 0 0 0 0 0 0\n";

static int parse_str(const char *s, struct proc_stat *st)
{
	return procfs_parse_stat(s, strlen(s), st);
}

static void stat_real_line(void **state)
{
	struct proc_stat st;

	(void)state;
	assert_int_equal(parse_str(real_stat, &st), 0);
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.comm, "claude");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 4000);
	assert_int_equal(st.session, 4100);
	assert_int_equal(st.tty_nr, 34817);
	assert_int_equal(st.num_threads, 11);
	assert_true(st.start_time == 8123456ULL);
}

static void stat_comm_with_spaces_and_parens(void **state)
{
	struct proc_stat st;

	(void)state;
	assert_int_equal(parse_str("7 (my agent) x) S 1 7 7 0 -1 0 0 0 0 0 0 "
				   "0 0 0 20 0 1 0 99 0\n", &st), 0);
	assert_string_equal(st.comm, "my agent) x");
	assert_int_equal(st.ppid, 1);
	assert_true(st.start_time == 99);

	/* A name that mimics the rest of a stat line is still only a name. */
	assert_int_equal(parse_str("8 () S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 "
				   "15 16 17 18 19 20) R 5 8 8 0 -1 0 0 0 0 "
				   "0 0 0 0 0 20 0 1 0 77 0\n", &st), 0);
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, 5);
	assert_true(st.start_time == 77);
}

static void stat_empty_and_long_comm(void **state)
{
	struct proc_stat st;
	char line[512];
	char longname[200];

	(void)state;
	assert_int_equal(parse_str("9 () S 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 "
				   "1 0 5 0\n", &st), 0);
	assert_string_equal(st.comm, "");

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	snprintf(line, sizeof(line), "9 (%s) S 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 "
		 "20 0 1 0 5 0\n", longname);
	assert_int_equal(parse_str(line, &st), 0);
	assert_int_equal(strlen(st.comm), PROCFS_COMM_MAX - 1);
	assert_true(st.start_time == 5);
}

static void stat_garbage_rejected(void **state)
{
	static const char *const bad[] = {
		"",
		"4242",
		"4242 claude S 1",
		"4242 (claude S 4000 4242 4100 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 "
		"0 5 0\n",			/* no ')' */
		"(claude) S 4000 4242 4100 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 "
		"0\n",				/* no pid */
		"0 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n",
		"-4 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n",
		"4 (x)S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n",
		"4 (x)  1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n",
		"4 (x) S x 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n",
		"4 (x) S -1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n",
		"4 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5 0\n",
		"4 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5x 0\n",
		"4 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"4 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 -- 20 0 1 0 5 0\n",
		"4 (x) S 1\t1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n",
	};
	struct proc_stat st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_str(bad[i], &st), -EINVAL);
}

static void stat_every_truncation_rejected(void **state)
{
	const char *field22 = strstr(real_stat, " 8123456 ");
	size_t keep = (size_t)(field22 - real_stat) + strlen(" 8123456");
	struct proc_stat st;
	size_t n;

	(void)state;
	for (n = 0; n <= keep; n++)
		assert_int_equal(procfs_parse_stat(real_stat, n, &st),
				 -EINVAL);
	assert_int_equal(procfs_parse_stat(real_stat, keep + 1, &st), 0);
	assert_true(st.start_time == 8123456ULL);
}

static void stat_huge_numbers(void **state)
{
	struct proc_stat st;

	(void)state;
	/* Fields lockfs keeps must fit their types... */
	assert_int_equal(parse_str("4 (x) S 2147483648 1 1 0 -1 0 0 0 0 0 0 "
				   "0 0 0 20 0 1 0 5 0\n", &st), -EINVAL);
	assert_int_equal(parse_str("4 (x) S 99999999999999999999999 1 1 0 -1 "
				   "0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n", &st),
			 -EINVAL);
	assert_int_equal(parse_str("99999999999 (x) S 1 1 1 0 -1 0 0 0 0 0 0 "
				   "0 0 0 20 0 1 0 5 0\n", &st), -EINVAL);
	assert_int_equal(parse_str("4 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 "
				   "0 1 0 18446744073709551616 0\n", &st),
			 -EINVAL);
	assert_int_equal(parse_str("4 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 "
				   "0 1 0 18446744073709551615 0\n", &st), 0);
	assert_true(st.start_time == ULLONG_MAX);
	assert_int_equal(parse_str("4 (x) S 1 1 1 -2147483648 -1 0 0 0 0 0 "
				   "0 0 0 0 20 0 1 0 5 0\n", &st), 0);
	assert_int_equal(st.tty_nr, INT_MIN);
	/* ...the counters it skips may be any size. */
	assert_int_equal(parse_str("4 (x) S 1 1 1 0 -1 0 "
				   "123456789012345678901234567890 0 0 0 0 0 "
				   "0 0 20 0 1 0 5 0\n", &st), 0);
}

static void stat_embedded_nul(void **state)
{
	static const char with_nul_in_comm[] =
		"4 (a\0b) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n";
	static const char with_nul_in_field[] =
		"4 (ab) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5\0 0\n";
	struct proc_stat st;

	(void)state;
	assert_int_equal(procfs_parse_stat(with_nul_in_comm,
					   sizeof(with_nul_in_comm) - 1, &st),
			 -EINVAL);
	assert_int_equal(procfs_parse_stat(with_nul_in_field,
					   sizeof(with_nul_in_field) - 1, &st),
			 -EINVAL);
}

static int parse_status_str(const char *s, pid_t *tgid, uid_t *uid)
{
	return procfs_parse_status(s, strlen(s), tgid, uid);
}

static void status_fields(void **state)
{
	pid_t tgid = 0;
	uid_t uid = 0;

	(void)state;
	assert_int_equal(parse_status_str("Name:\tnode\nUmask:\t0022\n"
					  "State:\tS (sleeping)\nTgid:\t4242\n"
					  "Ngid:\t0\nPid:\t4250\nPPid:\t1\n"
					  "Uid:\t1000\t1001\t1002\t1003\n"
					  "Gid:\t100\t100\t100\t100\n",
					  &tgid, &uid), 0);
	assert_int_equal(tgid, 4242);
	assert_int_equal(uid, 1000);

	/* No final newline, Uid before Tgid, spaces instead of tabs. */
	assert_int_equal(parse_status_str("Uid: 0 0 0 0\nTgid: 7", &tgid, &uid),
			 0);
	assert_int_equal(tgid, 7);
	assert_int_equal(uid, 0);
}

static void status_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"Name:\tx\nUid:\t1000\t1000\t1000\t1000\n",	/* no Tgid */
		"Tgid:\t12\n",					/* no Uid */
		"TgidX:\t12\nUid:\t1\n",
		"Tgid:\t0\nUid:\t1\n",
		"Tgid:\t-3\nUid:\t1\n",
		"Tgid:\t12abc\nUid:\t1\n",
		"Tgid:\t\nUid:\t1\n",
		"Tgid:\t2147483648\nUid:\t1\n",
		"Tgid:\t12\nUid:\t4294967295\t0\t0\t0\n",
		"Tgid:\t12\nUid:\t99999999999999999999999\n",
		" Tgid:\t12\nUid:\t1\n",
	};
	pid_t tgid;
	uid_t uid;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_status_str(bad[i], &tgid, &uid),
				 -EINVAL);
}

static void status_first_line_wins(void **state)
{
	pid_t tgid;
	uid_t uid;

	(void)state;
	assert_int_equal(parse_status_str("Tgid:\t5\nUid:\t6\nTgid:\t7\n"
					  "Uid:\t8\n", &tgid, &uid), 0);
	assert_int_equal(tgid, 5);
	assert_int_equal(uid, 6);
}

/* Finds name and checks the value, which is not NUL-terminated. */
static void assert_env(const char *buf, size_t len, const char *name,
		       const char *want)
{
	const char *v = NULL;
	size_t vlen = 0;

	assert_int_equal(procfs_env_find(buf, len, name, &v, &vlen), 1);
	assert_int_equal(vlen, strlen(want));
	assert_memory_equal(v, want, vlen);
}

static void env_find_exact_key(void **state)
{
	static const char env[] = "LOCKFS_INSTANCE_X=wrong\0"
				  "XLOCKFS_INSTANCE=wrong\0"
				  "LOCKFS_INSTANCE=right\0"
				  "LOCKFS_INSTANCE=second\0"
				  "LOCKFS\0"
				  "EMPTY=\0";
	const char *v;
	size_t vlen;

	(void)state;
	assert_env(env, sizeof(env) - 1, "LOCKFS_INSTANCE", "right");
	assert_env(env, sizeof(env) - 1, "LOCKFS_INSTANCE_X", "wrong");
	assert_env(env, sizeof(env) - 1, "EMPTY", "");
	assert_int_equal(procfs_env_find(env, sizeof(env) - 1, "LOCKFS", &v,
					 &vlen), 0);
	assert_int_equal(procfs_env_find(env, sizeof(env) - 1, "LOCKFS_INST",
					 &v, &vlen), 0);
	assert_int_equal(procfs_env_find(env, sizeof(env) - 1, "", &v, &vlen),
			 0);
	assert_int_equal(procfs_env_find(env, 0, "EMPTY", &v, &vlen), 0);
}

static void env_find_without_final_nul(void **state)
{
	static const char env[] = "A=1\0B=22";
	const char *v;
	size_t vlen;

	(void)state;
	/* The last entry ends where the buffer does, not at a NUL. */
	assert_env(env, sizeof(env) - 1, "B", "22");
	assert_env(env, sizeof(env) - 2, "B", "2");
	assert_int_equal(procfs_env_find(env, 5, "B", &v, &vlen), 0);
	assert_int_equal(procfs_env_find(env, 6, "B", &v, &vlen), 1);
	assert_int_equal(vlen, 0);
}

static void env_find_empty_entries(void **state)
{
	static const char env[] = "\0\0=x\0K=v\0\0";

	(void)state;
	assert_env(env, sizeof(env) - 1, "K", "v");
}

static int tree_setup(void **state)
{
	*state = fakeproc_create();
	return *state ? 0 : -1;
}

static int tree_teardown(void **state)
{
	fakeproc_destroy(*state);
	return 0;
}

static void read_stat_and_status(void **state)
{
	const char *root = *state;
	static const char *const env[] = { "A=1", "B=2", NULL };
	struct fake_process p = {
		.pid = 300, .tgid = 299, .comm = "worker thread)", .ppid = 1,
		.session = 299, .tty_nr = 0, .start_time = 123456789ULL,
		.uid = 1000, .threads = 4, .env = env,
	};
	struct proc_stat st;
	pid_t tgid;
	uid_t uid;
	char *buf;
	size_t len;

	assert_int_equal(fakeproc_add(root, &p), 0);
	assert_int_equal(procfs_read_stat(root, 300, &st), 0);
	assert_string_equal(st.comm, "worker thread)");
	assert_int_equal(st.num_threads, 4);
	assert_true(st.start_time == 123456789ULL);
	assert_int_equal(procfs_read_status(root, 300, &tgid, &uid), 0);
	assert_int_equal(tgid, 299);
	assert_int_equal(uid, 1000);
	assert_int_equal(procfs_read_environ(root, 300, &buf, &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "A=1\0B=2\0", 8);
	free(buf);
}

static void read_missing(void **state)
{
	const char *root = *state;
	struct proc_stat st;
	pid_t tgid;
	uid_t uid;
	char *buf;
	size_t len;

	assert_int_equal(procfs_read_stat(root, 404, &st), -ENOENT);
	assert_int_equal(procfs_read_status(root, 404, &tgid, &uid), -ENOENT);
	assert_int_equal(procfs_read_environ(root, 404, &buf, &len), -ENOENT);
	assert_int_equal(procfs_read_stat(root, 0, &st), -EINVAL);
	assert_int_equal(procfs_read_stat(root, -1, &st), -EINVAL);
}

static void read_stat_of_another_pid(void **state)
{
	const char *root = *state;
	static const char other[] =
		"12 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0\n";
	struct proc_stat st;

	assert_int_equal(fakeproc_write(root, 11, "stat", other,
					sizeof(other) - 1), 0);
	assert_int_equal(procfs_read_stat(root, 11, &st), -EINVAL);
}

static void read_symlink_refused(void **state)
{
	const char *root = *state;
	struct proc_stat st;
	char target[4096], link[4096];

	assert_int_equal(fakeproc_write(root, 13, "real", real_stat,
					strlen(real_stat)), 0);
	snprintf(target, sizeof(target), "%s/13/real", root);
	snprintf(link, sizeof(link), "%s/13/stat", root);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(procfs_read_stat(root, 13, &st), -ELOOP);
}

static void read_environ_bounds(void **state)
{
	const char *root = *state;
	char *big = malloc(PROCFS_FILE_MAX + 1);
	char *buf;
	size_t len;

	assert_non_null(big);
	memset(big, 'x', PROCFS_FILE_MAX + 1);
	memcpy(big, "K=", 2);

	assert_int_equal(fakeproc_write(root, 20, "environ", big,
					PROCFS_FILE_MAX), 0);
	assert_int_equal(procfs_read_environ(root, 20, &buf, &len), 0);
	assert_int_equal(len, PROCFS_FILE_MAX);
	free(buf);

	assert_int_equal(fakeproc_write(root, 20, "environ", big,
					PROCFS_FILE_MAX + 1), 0);
	assert_int_equal(procfs_read_environ(root, 20, &buf, &len), -EFBIG);

	assert_int_equal(fakeproc_write(root, 20, "environ", "", 0), 0);
	assert_int_equal(procfs_read_environ(root, 20, &buf, &len), 0);
	assert_int_equal(len, 0);
	free(buf);
	free(big);
}

static void read_real_proc(void **state)
{
	struct proc_stat st;
	pid_t tgid;
	uid_t uid;
	char *buf;
	size_t len;
	const char *v;
	size_t vlen;

	(void)state;
	setenv("LOCKFS_TEST_PROCFS", "here", 1);
	assert_int_equal(procfs_read_stat("/proc", getpid(), &st), 0);
	assert_int_equal(st.ppid, getppid());
	assert_true(st.start_time > 0);
	assert_int_equal(procfs_read_status("/proc", getpid(), &tgid, &uid), 0);
	assert_int_equal(tgid, getpid());
	assert_int_equal(uid, getuid());
	/* environ shows the environment as it was at exec, not setenv's. */
	assert_int_equal(procfs_read_environ("/proc", getpid(), &buf, &len), 0);
	assert_int_equal(procfs_env_find(buf, len, "LOCKFS_TEST_PROCFS", &v,
					 &vlen), 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_real_line),
		cmocka_unit_test(stat_comm_with_spaces_and_parens),
		cmocka_unit_test(stat_empty_and_long_comm),
		cmocka_unit_test(stat_garbage_rejected),
		cmocka_unit_test(stat_every_truncation_rejected),
		cmocka_unit_test(stat_huge_numbers),
		cmocka_unit_test(stat_embedded_nul),
		cmocka_unit_test(status_fields),
		cmocka_unit_test(status_bad),
		cmocka_unit_test(status_first_line_wins),
		cmocka_unit_test(env_find_exact_key),
		cmocka_unit_test(env_find_without_final_nul),
		cmocka_unit_test(env_find_empty_entries),
		cmocka_unit_test_setup_teardown(read_stat_and_status,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(read_missing, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(read_stat_of_another_pid,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(read_symlink_refused,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(read_environ_bounds,
						tree_setup, tree_teardown),
		cmocka_unit_test(read_real_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
