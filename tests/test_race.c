/* test_race.c - mutual exclusion across processes: RACERS forked
 * processes, each with its own project handle and instance, race for one
 * resource.  A winner enters a critical section guarded only by the lock
 * and checks, through a counter in shared memory, that nobody else is in
 * it.  After every step the process re-parses locks.json from disk. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lockops.h"

#define RACERS 8
#define ATTEMPTS 600		/* per racer: 4800 attempts in all */

struct shared {
	atomic_int inside;
	atomic_int violations;
	atomic_int wins;
	atomic_int unparsable;
	atomic_int errors;
};

static char project_dir[64];

static int store_parses(const char *path)
{
	struct lockdoc *doc = NULL;
	static char buf[1 << 16];
	FILE *fp = fopen(path, "r");
	size_t n;
	int rc;

	if (!fp)
		return 0;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	rc = lockdoc_parse(buf, n, &doc, NULL);
	lockdoc_free(doc);
	return rc == 0;
}

static void racer(int id, struct shared *sh)
{
	const char *names[] = { "Chapter_01" };
	struct project *p;
	struct holder h = { .uid = 0 };
	struct lock_outcome o;
	int i, rc;

	snprintf(h.instance, sizeof(h.instance), "racer-%d", id);
	if (project_open(project_dir, false, &p, NULL) < 0)
		_exit(2);
	for (i = 0; i < ATTEMPTS; i++) {
		rc = lockops_request(p, &h, REQ_CREATE, names, 1, NULL,
				     time(NULL), &o, NULL);
		if (rc == 0) {
			atomic_fetch_add(&sh->wins, 1);
			if (atomic_fetch_add(&sh->inside, 1) != 0)
				atomic_fetch_add(&sh->violations, 1);
			usleep(100);	/* widen the window a violation needs */
			atomic_fetch_sub(&sh->inside, 1);
			rc = lockops_request(p, &h, REQ_UNLINK, names, 1, NULL,
					     time(NULL), &o, NULL);
			if (rc < 0)
				atomic_fetch_add(&sh->errors, 1);
		} else if (rc != -EEXIST) {
			atomic_fetch_add(&sh->errors, 1);
		}
		if (!store_parses(project_path(p, PROJECT_STORE)))
			atomic_fetch_add(&sh->unparsable, 1);
	}
	project_close(p);
	_exit(0);
}

static void test_racing_processes_never_share_a_lock(void **state)
{
	struct shared *sh;
	struct project *p;
	pid_t pids[RACERS];
	int i, status;
	FILE *fp;
	char path[128];

	(void)state;
	strcpy(project_dir, "/tmp/lockfs-race-XXXXXX");
	assert_non_null(mkdtemp(project_dir));
	assert_int_equal(project_open(project_dir, true, &p, NULL), 0);
	/* fsync is not what is under test here; it would only slow it down */
	snprintf(path, sizeof(path), "%s/.locks/config", project_dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("durability = rename\n", fp);
	fclose(fp);
	project_close(p);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < RACERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			racer(i, sh);
	}
	for (i = 0; i < RACERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	print_message("%d attempts, %d wins, %d violations, %d unparsable, %d errors\n",
		      RACERS * ATTEMPTS, atomic_load(&sh->wins),
		      atomic_load(&sh->violations), atomic_load(&sh->unparsable),
		      atomic_load(&sh->errors));
	assert_int_equal(atomic_load(&sh->violations), 0);
	assert_int_equal(atomic_load(&sh->unparsable), 0);
	assert_int_equal(atomic_load(&sh->errors), 0);
	assert_true(atomic_load(&sh->wins) > RACERS);
	munmap(sh, sizeof(*sh));
	snprintf(path, sizeof(path), "rm -rf '%s'", project_dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_racing_processes_never_share_a_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
