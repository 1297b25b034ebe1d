/* test_lockops.c - the lock operations on a real project directory: the
 * policy table end to end, all-or-nothing, tokens, notes, clear,
 * check, listing, the event log, and preservation of foreign fields. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "lockops.h"
#include "procfs.h"

#define T0 ((time_t)1795773780)		/* 2026-11-27T10:03:00Z */

struct fixture {
	char dir[64];
	struct project *p;
	struct holder a, b;
};

static void make_holder(struct holder *h, const char *instance)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->instance, sizeof(h->instance), "%s", instance);
	snprintf(h->host, sizeof(h->host), "%s", identity_hostname());
	h->uid = getuid();
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/lockfs-ops-XXXXXX");
	if (!mkdtemp(f->dir) || project_open(f->dir, true, &f->p, NULL) < 0)
		return -1;
	make_holder(&f->a, "CLI-a");
	make_holder(&f->b, "CLI-b");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	project_close(f->p);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static int req1(struct fixture *f, const struct holder *h, enum lock_request r,
		const char *name, time_t now, struct lock_outcome *o,
		struct lf_error *err)
{
	const char *names[] = { name };

	return lockops_request(f->p, h, r, names, 1, NULL, now, o, err);
}

static struct lock_view find(struct fixture *f, const char *name, time_t now)
{
	struct lock_view v;

	assert_int_equal(lockops_find(f->p, name, now, &v, NULL), 0);
	return v;
}

static void test_acquire_renew_release(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;
	struct lock_view v;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_03", T0, &o, NULL), 0);
	assert_int_equal(o.action, ACT_ACQUIRE);
	assert_int_equal(o.token, 1);
	v = find(f, "Chapter_03", T0);
	assert_string_equal(v.e.instance, "CLI-a");
	assert_string_equal(v.e.timestamp, "2026-11-27T10:03:00Z");
	assert_int_equal(v.stale, STALE_NONE);
	/* renewal moves the timestamp, keeps token and first acquisition */
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_03", T0 + 60, &o, NULL), 0);
	assert_int_equal(o.action, ACT_RENEW);
	assert_int_equal(o.token, 1);
	v = find(f, "Chapter_03", T0 + 60);
	assert_string_equal(v.e.timestamp, "2026-11-27T10:04:00Z");
	assert_string_equal(v.e.acquired, "2026-11-27T10:03:00Z");
	assert_int_equal(req1(f, &f->a, REQ_OPEN_WRITE, "Chapter_03", T0 + 120, &o, NULL), 0);
	assert_int_equal(o.action, ACT_RENEW);
	/* O_EXCL on your own lock: the file exists */
	assert_int_equal(req1(f, &f->a, REQ_CREATE_EXCL, "Chapter_03", T0, &o, NULL), -EEXIST);
	assert_int_equal(req1(f, &f->a, REQ_UNLINK, "Chapter_03", T0 + 180, &o, NULL), 0);
	assert_int_equal(o.action, ACT_RELEASE);
	assert_int_equal(lockops_find(f->p, "Chapter_03", T0, &v, NULL), -ENOENT);
	assert_int_equal(req1(f, &f->a, REQ_UNLINK, "Chapter_03", T0, &o, NULL), -ENOENT);
	assert_int_equal(req1(f, &f->a, REQ_OPEN_WRITE, "Chapter_03", T0, &o, NULL), -ENOENT);
}

static void test_other_live_lock(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;
	struct lf_error err = { 0 };

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_03", T0, &o, NULL), 0);
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "Chapter_03", T0 + 240, &o, &err), -EEXIST);
	assert_int_equal(o.state, LOCK_OTHER_LIVE);
	assert_string_equal(o.holder, "CLI-a");
	assert_string_equal(o.since, "2026-11-27T10:03:00Z");
	assert_int_equal(o.age, 240);
	assert_non_null(strstr(err.msg, "Chapter_03 is held by CLI-a since 2026-11-27T10:03:00Z (4 min ago)"));
	assert_int_equal(req1(f, &f->b, REQ_CREATE_EXCL, "Chapter_03", T0, &o, NULL), -EEXIST);
	assert_int_equal(req1(f, &f->b, REQ_OPEN_WRITE, "Chapter_03", T0, &o, NULL), -EEXIST);
	assert_int_equal(req1(f, &f->b, REQ_UNLINK, "Chapter_03", T0, &o, NULL), -EBUSY);
	assert_string_equal(find(f, "Chapter_03", T0).e.instance, "CLI-a");
	/* force: take over with a new token, or release */
	f->b.force = true;
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "Chapter_03", T0, &o, NULL), 0);
	assert_int_equal(o.action, ACT_TAKE_OVER);
	assert_int_equal(o.token, 2);
	assert_string_equal(find(f, "Chapter_03", T0).e.instance, "CLI-b");
	f->a.force = true;
	assert_int_equal(req1(f, &f->a, REQ_UNLINK, "Chapter_03", T0, &o, NULL), 0);
	assert_int_equal(o.action, ACT_FORCE_RELEASE);
}

static void test_stale_by_age(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;
	struct lf_error err = { 0 };
	time_t later = T0 + 900;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_03", T0, &o, NULL), 0);
	assert_int_equal(find(f, "Chapter_03", later).stale, STALE_AGE);
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "Chapter_03", later, &o, &err), -EEXIST);
	assert_int_equal(o.state, LOCK_OTHER_STALE);
	assert_int_equal(o.stale, STALE_AGE);
	assert_non_null(strstr(err.msg, "overridden"));
	/* a plain release of a stale lock is an override */
	assert_int_equal(req1(f, &f->b, REQ_UNLINK, "Chapter_03", later, &o, NULL), 0);
	assert_int_equal(o.action, ACT_OVERRIDE_RELEASE);
	/* the holder renewing its own stale lock is still a renewal */
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_04", T0, &o, NULL), 0);
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_04", later, &o, NULL), 0);
	assert_int_equal(o.action, ACT_RENEW);
	assert_int_equal(find(f, "Chapter_04", later).stale, STALE_NONE);
}

static void test_stale_by_holder_exit(void **state)
{
	struct fixture *f = *state;
	struct proc_stat ps;
	struct lock_outcome o;
	pid_t child;
	int status;

	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(procfs_read_stat("/proc", child, &ps), 0);
	f->a.pid = child;
	f->a.start_time = ps.start_time;
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_05", T0, &o, NULL), 0);
	assert_int_equal(find(f, "Chapter_05", T0).stale, STALE_NONE);
	assert_int_equal(find(f, "Chapter_05", T0).e.pid, child);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(find(f, "Chapter_05", T0).stale, STALE_HOLDER_EXITED);
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "Chapter_05", T0, &o, NULL), -EEXIST);
	assert_int_equal(o.state, LOCK_OTHER_STALE);
	assert_int_equal(o.stale, STALE_HOLDER_EXITED);
	/* the same instance back in a new process renews and records it */
	f->a.pid = getpid();
	assert_int_equal(procfs_read_stat("/proc", getpid(), &ps), 0);
	f->a.start_time = ps.start_time;
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_05", T0, &o, NULL), 0);
	assert_int_equal(o.action, ACT_RENEW);
	assert_int_equal(find(f, "Chapter_05", T0).stale, STALE_NONE);
	assert_int_equal(find(f, "Chapter_05", T0).e.pid, getpid());
}

static void test_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	const char *both[] = { "Chapter_03", "ProjectConfig" };
	struct lock_outcome o[2];
	struct lock_view v;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "ProjectConfig", T0, o, NULL), 0);
	assert_int_equal(lockops_request(f->p, &f->b, REQ_CREATE, both, 2, NULL,
					 T0, o, NULL), -EEXIST);
	assert_int_equal(o[0].action, ACT_ACQUIRE);	/* would have been granted */
	assert_int_equal(o[1].action, ACT_DENY);
	assert_int_equal(lockops_find(f->p, "Chapter_03", T0, &v, NULL), -ENOENT);
	assert_int_equal(req1(f, &f->a, REQ_UNLINK, "ProjectConfig", T0, o, NULL), 0);
	assert_int_equal(lockops_request(f->p, &f->b, REQ_CREATE, both, 2, "both",
					 T0, o, NULL), 0);
	assert_int_equal(o[0].token + 1, o[1].token);
	assert_string_equal(find(f, "ProjectConfig", T0).e.note, "both");
}

static void test_release_is_per_resource(void **state)
{
	struct fixture *f = *state;
	const char *both[] = { "Chapter_01", "Chapter_02" };
	struct lock_outcome o[2];
	struct lock_view v;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_01", T0, o, NULL), 0);
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "Chapter_02", T0, o, NULL), 0);
	assert_int_equal(lockops_request(f->p, &f->a, REQ_UNLINK, both, 2, NULL,
					 T0, o, NULL), -EBUSY);
	assert_int_equal(o[0].action, ACT_RELEASE);
	assert_int_equal(lockops_find(f->p, "Chapter_01", T0, &v, NULL), -ENOENT);
	assert_string_equal(find(f, "Chapter_02", T0).e.instance, "CLI-b");
}

static void test_names_are_checked(void **state)
{
	struct fixture *f = *state;
	const char *twice[] = { "Chapter_01", "Chapter_01" };
	struct lf_error err = { 0 };
	struct lock_outcome o;
	struct lock_list list;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "chapter_03", T0, &o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "did you mean Chapter_03"));
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_3", T0, &o, &err), -EINVAL);
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_00", T0, &o, &err), -EINVAL);
	assert_int_equal(lockops_request(f->p, &f->a, REQ_CREATE, twice, 2, NULL,
					 T0, &o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "named twice"));
	assert_int_equal(lockops_list(f->p, T0, &list, NULL), 0);
	assert_int_equal(list.n, 0);
	lock_list_free(&list);
}

/* Replace one of the project's files with text. */
static void write_file(const struct fixture *f, enum project_file which,
		       const char *text)
{
	FILE *fp = fopen(project_path(f->p, which), "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void test_config_extends_names(void **state)
{
	struct fixture *f = *state;
	struct lf_error err = { 0 };
	struct lock_outcome o;

	write_file(f, PROJECT_CONFIG, "resource = ImageRegistry_Chapter_[0-9][0-9]\nstale_seconds = 60\n");
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "ImageRegistry_Chapter_07", T0, &o, &err), 0);
	assert_int_equal(find(f, "ImageRegistry_Chapter_07", T0 + 60).stale, STALE_AGE);
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_07", T0, &o, &err), 0);
}

static int reports;
static char last_report[LF_ERROR_MSG_MAX];

static void count_report(const struct project *p, const char *msg)
{
	(void)p;
	reports++;
	snprintf(last_report, sizeof(last_report), "%s", msg ? msg : "(good)");
}

/* A config that stops parsing is an error for every change, never a
 * silent return to the settings it had before; reads go on with the last
 * good settings, and the breakage is reported once per change of it. */
static void test_bad_config_is_reported_not_ignored(void **state)
{
	struct fixture *f = *state;
	struct lf_error err = { 0 }, broken = { 0 };
	const struct lf_config *cfg;
	struct lock_outcome o;
	struct lock_list list;

	write_file(f, PROJECT_CONFIG, "stale_seconds = 60\n");
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_01", T0, &o, NULL), 0);
	project_set_config_report(f->p, count_report);
	reports = 0;
	write_file(f, PROJECT_CONFIG, "stale_secnds = 60\n");
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_02", T0, &o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 1"));
	assert_int_equal(reports, 1);
	assert_non_null(strstr(last_report, "unknown key \"stale_secnds\""));
	/* reads: the last good settings (60 s, not the default 900 s) */
	assert_int_equal(lockops_list(f->p, T0 + 60, &list, NULL), 0);
	assert_int_equal(list.n, 1);
	assert_int_equal(list.v[0].stale, STALE_AGE);
	lock_list_free(&list);
	assert_int_equal(project_config_read(f->p, &cfg, &broken, NULL), 0);
	assert_int_equal(cfg->stale_seconds, 60);
	assert_int_equal(broken.code, EINVAL);
	assert_non_null(strstr(broken.msg, "line 1"));
	/* and again: the failure is not cached as success, nor re-reported */
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_02", T0, &o, NULL), -EINVAL);
	assert_int_equal(reports, 1);
	assert_int_equal(unlink(project_path(f->p, PROJECT_CONFIG)), 0);
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_02", T0, &o, NULL), 0);
	assert_int_equal(reports, 2);
	assert_string_equal(last_report, "(good)");
	assert_int_equal(project_config_read(f->p, &cfg, &broken, NULL), 0);
	assert_int_equal(broken.code, 0);
	/* and a project opened on a bad config opens, then reports it */
	write_file(f, PROJECT_CONFIG, "durability = maybe\n");
	project_close(f->p);
	assert_int_equal(project_open(f->dir, false, &f->p, NULL), 0);
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_03", T0, &o, NULL), -EINVAL);
	/* a fresh process reads with the last file that parsed (kept in
	 * .locks/config.last-good) ... */
	assert_int_equal(project_config_read(f->p, &cfg, &broken, NULL), 0);
	assert_int_equal(cfg->stale_seconds, 60);
	assert_non_null(strstr(broken.msg, "durability"));
	/* ... and with no good config ever, with the defaults */
	assert_int_equal(unlink(project_path(f->p, PROJECT_CONFIG_GOOD)), 0);
	project_close(f->p);
	assert_int_equal(project_open(f->dir, false, &f->p, NULL), 0);
	assert_int_equal(project_config_read(f->p, &cfg, &broken, NULL), 0);
	assert_int_equal(cfg->stale_seconds, STALE_SECONDS_DEFAULT);
	assert_true(nameset_contains(cfg->names, "Chapter_03"));
	assert_non_null(strstr(broken.msg, "durability"));
	assert_int_equal(lockops_list(f->p, T0, &list, NULL), 0);
	lock_list_free(&list);
}

/* A report set on a project whose config is already broken hears of it
 * at once (the mount daemon logs it when it starts); on a good one it
 * hears nothing until the file breaks. */
static void test_config_report_hears_a_break_at_once(void **state)
{
	struct fixture *f = *state;

	reports = 0;
	project_set_config_report(f->p, count_report);
	assert_int_equal(reports, 0);
	write_file(f, PROJECT_CONFIG, "stale_secnds = 60\n");
	project_close(f->p);
	assert_int_equal(project_open(f->dir, false, &f->p, NULL), 0);
	assert_int_equal(reports, 0);
	project_set_config_report(f->p, count_report);
	assert_int_equal(reports, 1);
	assert_non_null(strstr(last_report, "unknown key \"stale_secnds\""));
}

/* A broken config that names the etcd backend: the locks are not in
 * locks.json, so nothing is read from it; every call says what is wrong
 * with the config instead (an etcd endpoint is never asked either). */
static void test_broken_etcd_config_reads_nothing(void **state)
{
	struct fixture *f = *state;
	struct lf_error err = { 0 };
	struct lock_outcome o;
	struct lock_list list;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_01", T0, &o, NULL), 0);
	write_file(f, PROJECT_CONFIG, "backend = etcd\n"
		   "etcd_endpoints = http://127.0.0.1:1\n"
		   "etcd_prefix = /t/\nstale_secnds = 60\n");
	project_close(f->p);
	assert_int_equal(project_open(f->dir, false, &f->p, NULL), 0);
	assert_int_equal(lockops_list(f->p, T0, &list, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "config line 4"));
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "Chapter_01", T0, &o, &err),
			 -EINVAL);
	/* the same broken file naming the file backend still lists */
	write_file(f, PROJECT_CONFIG, "backend = file\nstale_secnds = 60\n");
	project_close(f->p);
	assert_int_equal(project_open(f->dir, false, &f->p, NULL), 0);
	assert_int_equal(lockops_list(f->p, T0, &list, &err), 0);
	assert_int_equal(list.n, 1);
	lock_list_free(&list);
}

/* The open project's paths are the layout's, the same as those found
 * from the root alone (unmounting uses those). */
static void test_project_paths(void **state)
{
	static const struct {
		enum project_file which;
		const char *tail;
	} files[] = {
		{ PROJECT_LOCKS_DIR, "/.locks" },
		{ PROJECT_STORE, "/.locks/locks.json" },
		{ PROJECT_SIDECAR, "/.locks/locks.lock" },
		{ PROJECT_TOKEN, "/.locks/last_token" },
		{ PROJECT_CONFIG, "/.locks/config" },
		{ PROJECT_EVENTS, "/.locks/events.log" },
		{ PROJECT_PID, "/.locks/mount.pid" },
		{ PROJECT_MOUNTPOINT, "/.locks/fs" },
	};
	struct fixture *f = *state;
	char want[PATH_MAX + 32], at[PATH_MAX], *deep;
	struct lf_error err = { 0 };
	size_t i;

	assert_non_null(realpath(f->dir, want));
	assert_string_equal(project_root(f->p), want);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(want, sizeof(want), "%s%s", project_root(f->p),
			 files[i].tail);
		assert_string_equal(project_path(f->p, files[i].which), want);
		assert_int_equal(project_path_at(project_root(f->p),
						 files[i].which, at, NULL), 0);
		assert_string_equal(at, want);
	}
	deep = malloc(PATH_MAX);
	assert_non_null(deep);
	memset(deep, 'a', PATH_MAX - 8);
	deep[0] = '/';
	deep[PATH_MAX - 8] = '\0';
	assert_int_equal(project_path_at(deep, PROJECT_STORE, at, &err),
			 -ENAMETOOLONG);
	assert_int_equal(err.code, ENAMETOOLONG);
	free(deep);
}

static void test_foreign_entries_and_duplicates(void **state)
{
	struct fixture *f = *state;
	struct lock_list list;
	struct lock_outcome o;
	FILE *fp;
	char text[4096];
	size_t n;

	write_file(f, PROJECT_STORE, "{\"schema\": \"proposal\", \"locks\": ["
		    "{\"resource\":\"Chapter_01\",\"timestamp\":\"2026-11-27T10:00:00Z\",\"instance\":\"Desktop-1\",\"why\":\"x\"},"
		    "{\"resource\":\"Odd name\",\"timestamp\":\"2026-11-27T10:00:00Z\",\"instance\":\"Desktop-1\"},"
		    "{\"resource\":\"Chapter_01\",\"timestamp\":\"2026-11-27T10:01:00Z\",\"instance\":\"CLI-a\"},"
		    "{\"resource\":\"Chapter_09\",\"timestamp\":\"soon\",\"instance\":\"CLI-z\"}]}");
	assert_int_equal(lockops_list(f->p, T0, &list, NULL), 0);
	assert_int_equal(list.n, 4);
	assert_false(list.v[0].duplicate);
	assert_true(list.v[0].name_known);
	assert_false(list.v[1].name_known);
	assert_true(list.v[2].duplicate);
	assert_int_equal(list.v[3].stale, STALE_BAD_TIMESTAMP);
	lock_list_free(&list);
	/* The duplicate makes Chapter_01 another's (Desktop-1's): refused. */
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_01", T0, &o, NULL), -EEXIST);
	/* Taking Chapter_02 rewrites the file: everything foreign stays. */
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_02", T0, &o, NULL), 0);
	fp = fopen(project_path(f->p, PROJECT_STORE), "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	assert_non_null(strstr(text, "\"schema\": \"proposal\""));
	assert_non_null(strstr(text, "\"why\": \"x\""));
	assert_non_null(strstr(text, "\"resource\": \"Odd name\""));
	assert_non_null(strstr(text, "\"timestamp\": \"soon\""));
	/* A stale (bad timestamp) lock can be released by anyone; odd names too. */
	assert_int_equal(req1(f, &f->b, REQ_UNLINK, "Chapter_09", T0, &o, NULL), 0);
	assert_int_equal(o.action, ACT_OVERRIDE_RELEASE);
	f->b.force = true;
	assert_int_equal(req1(f, &f->b, REQ_UNLINK, "Odd name", T0, &o, NULL), 0);
	assert_int_equal(req1(f, &f->b, REQ_UNLINK, "Chapter_01", T0, &o, NULL), 0);
	assert_int_equal(lockops_list(f->p, T0, &list, NULL), 0);
	assert_int_equal(list.n, 1);	/* both Chapter_01 entries went */
	lock_list_free(&list);
}

/* A lock written by hand (no token) gets one when its holder renews it. */
static void test_renewal_gives_hand_written_entries_a_token(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;

	write_file(f, PROJECT_STORE, "{\"locks\": [{\"resource\":\"Chapter_04\","
		    "\"timestamp\":\"2026-11-27T10:00:00Z\",\"instance\":\"CLI-a\"}],"
		    "\"last_token\": 9}");
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_04", T0, &o, NULL), 0);
	assert_int_equal(o.action, ACT_RENEW);
	assert_int_equal(o.token, 10);
	assert_int_equal(find(f, "Chapter_04", T0).e.token, 10);
	assert_string_equal(find(f, "Chapter_04", T0).e.timestamp, "2026-11-27T10:03:00Z");
	assert_int_equal(lockops_check(f->p, "CLI-a", "Chapter_04", 10, T0, NULL, NULL), 0);
	/* the next renewal keeps it */
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_04", T0 + 5, &o, NULL), 0);
	assert_int_equal(o.token, 10);
}

static void test_full_store_says_so(void **state)
{
	struct fixture *f = *state;
	struct lf_error err = { 0 };
	struct lock_outcome o;
	FILE *fp = fopen(project_path(f->p, PROJECT_STORE), "w");
	int i;

	assert_non_null(fp);
	fputs("{\"locks\": [", fp);
	for (i = 0; i < LOCKDOC_MAX_ENTRIES; i++)
		fprintf(fp, "%s{\"resource\":\"R%d\",\"instance\":\"x\"}",
			i ? "," : "", i);
	fputs("]}", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_01", T0, &o, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "the store is full"));
}

static void test_malformed_store_is_untouched(void **state)
{
	struct fixture *f = *state;
	static const char broken[] = "{\"locks\": [ {\"resource\": \"Chapter_01\" ";
	struct lf_error err = { 0 };
	struct lock_outcome o;
	struct lock_list list;
	char text[256];
	FILE *fp;
	size_t n;

	write_file(f, PROJECT_STORE, broken);
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_02", T0, &o, &err), -EIO);
	assert_non_null(strstr(err.msg, "byte"));
	assert_int_equal(lockops_list(f->p, T0, &list, &err), -EIO);
	fp = fopen(project_path(f->p, PROJECT_STORE), "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	assert_string_equal(text, broken);
}

static void test_check_tokens(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;
	long long mine;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "StyleSystem", T0, &o, NULL), 0);
	mine = o.token;
	assert_int_equal(lockops_check(f->p, "CLI-a", "StyleSystem", mine, T0, NULL, NULL), 0);
	assert_int_equal(lockops_check(f->p, "CLI-a", "StyleSystem", mine + 1, T0, NULL, NULL), -EEXIST);
	assert_int_equal(lockops_check(f->p, "CLI-a", "StyleSystem", mine, T0 + 900, NULL, NULL), -ESTALE);
	f->b.force = true;
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "StyleSystem", T0 + 900, &o, NULL), 0);
	assert_true(o.token > mine);
	assert_int_equal(lockops_check(f->p, "CLI-a", "StyleSystem", mine, T0 + 900, NULL, NULL), -EEXIST);
	assert_int_equal(lockops_check(f->p, "CLI-a", "QuoteRegistry", 1, T0, NULL, NULL), -ENOENT);
}

/* An acquisition is resource, token and instance: the right token named
 * by another instance is not that instance's lock. */
static void test_check_compares_the_instance(void **state)
{
	struct fixture *f = *state;
	struct lf_error err = { 0 };
	struct lock_outcome o;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_07", T0, &o, NULL), 0);
	assert_int_equal(lockops_check(f->p, "CLI-b", "Chapter_07", o.token, T0,
				       NULL, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "held by CLI-a, not by you (CLI-b)"));
	/* stale or not, it is still not CLI-b's */
	assert_int_equal(lockops_check(f->p, "CLI-b", "Chapter_07", o.token,
				       T0 + 900, NULL, &err), -EEXIST);
	assert_int_equal(lockops_check(f->p, "CLI-a", "Chapter_07", o.token,
				       T0 + 900, NULL, NULL), -ESTALE);
}

/* A hand rewrite in the bare format (resource, instance, timestamp) drops "last_token" and the
 * entry with the highest token: the next acquisition still gets a token
 * never handed out before, and the old holder's check fails. */
static void test_tokens_survive_a_hand_rewrite(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;
	long long t;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_07", T0, &o, NULL), 0);
	assert_int_equal(req1(f, &f->a, REQ_UNLINK, "Chapter_07", T0, &o, NULL), 0);
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_07", T0, &o, NULL), 0);
	t = o.token;
	assert_int_equal(t, 2);
	write_file(f, PROJECT_STORE, "{\"locks\": [{\"resource\":\"Chapter_01\","
		    "\"timestamp\":\"2026-11-27T10:00:00Z\",\"instance\":\"CLI-h\"}]}");
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "Chapter_07", T0, &o, NULL), 0);
	assert_int_equal(o.token, t + 1);
	assert_int_equal(lockops_check(f->p, "CLI-a", "Chapter_07", t, T0, NULL,
				       NULL), -EEXIST);
	/* the hand-written entry's renewal gets a fresh token too */
	make_holder(&f->a, "CLI-h");
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_01", T0, &o, NULL), 0);
	assert_int_equal(o.token, t + 2);
}

/* lockfs run's release: only the acquisition it made, in one commit. */
static void test_release_by_token(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;
	long long first, second;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_06", T0, &o, NULL), 0);
	first = o.token;
	f->b.force = true;
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "Chapter_06", T0 + 900, &o, NULL), 0);
	second = o.token;
	/* overridden: A's late release must not take B's lock, even stale */
	assert_int_equal(lockops_release_token(f->p, &f->a, "Chapter_06", first,
					       T0 + 2000, &o, NULL), -EEXIST);
	assert_string_equal(find(f, "Chapter_06", T0).e.instance, "CLI-b");
	/* the holder's own, stale by now: released */
	f->b.force = false;
	assert_int_equal(lockops_release_token(f->p, &f->b, "Chapter_06", second,
					       T0 + 2000, &o, NULL), 0);
	assert_int_equal(o.action, ACT_RELEASE);
	assert_int_equal(lockops_release_token(f->p, &f->b, "Chapter_06", second,
					       T0, &o, NULL), -ENOENT);
	assert_int_equal(lockops_release_token(f->p, &f->b, "Chapter_06", 0,
					       T0, &o, NULL), -EINVAL);
}

static void test_notes(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;
	char big[600];

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "FrontMatter", T0, &o, NULL), 0);
	assert_int_equal(lockops_set_note(f->p, &f->a, "FrontMatter",
					  "rewriting\tthe intro\n", T0, NULL), 0);
	assert_string_equal(find(f, "FrontMatter", T0).e.note, "rewriting the intro");
	assert_int_equal(lockops_set_note(f->p, &f->b, "FrontMatter", "mine", T0, NULL), -EEXIST);
	assert_int_equal(lockops_set_note(f->p, &f->b, "BackMatter", "x", T0, NULL), -ENOENT);
	memset(big, 'n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = (char)0xff;	/* not UTF-8 */
	assert_int_equal(lockops_set_note(f->p, &f->a, "FrontMatter", big, T0, NULL), 0);
	assert_int_equal(strlen(find(f, "FrontMatter", T0).e.note), NOTE_MAX_LEN);
	assert_memory_equal(find(f, "FrontMatter", T0).e.note + 10, "\xef\xbf\xbd", 3);
	assert_int_equal(lockops_set_note(f->p, &f->a, "FrontMatter", "", T0, NULL), 0);
	assert_null(find(f, "FrontMatter", T0).e.note);
}

static void test_clear(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;
	struct lock_list list;
	size_t n;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_01", T0, &o, NULL), 0);
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_02", T0 + 600, &o, NULL), 0);
	assert_int_equal(lockops_clear(f->p, &f->b, true, T0 + 900, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lockops_list(f->p, T0, &list, NULL), 0);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.v[0].e.resource, "Chapter_02");
	lock_list_free(&list);
	assert_int_equal(lockops_clear(f->p, &f->b, false, T0, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lockops_clear(f->p, &f->b, false, T0, &n, NULL), 0);
	assert_int_equal(n, 0);
}

static void test_event_log(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;
	char line[512];
	int n = 0, takeover = 0, clear = 0;
	size_t cleared;
	FILE *fp;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_01", T0, &o, NULL), 0);
	f->b.force = true;
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "Chapter_01", T0, &o, NULL), 0);
	assert_int_equal(lockops_clear(f->p, &f->a, true, T0 + 900, &cleared, NULL), 0);
	assert_int_equal(req1(f, &f->a, REQ_CREATE, "Chapter_02", T0, &o, NULL), 0);
	assert_int_equal(lockops_clear(f->p, &f->a, false, T0, &cleared, NULL), 0);
	fp = fopen(project_path(f->p, PROJECT_EVENTS), "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		cJSON *ev = cJSON_Parse(line);

		assert_non_null(ev);
		n++;
		if (strstr(line, "\"event\":\"take-over\"") &&
		    strstr(line, "\"previous\":\"CLI-a\"") &&
		    strstr(line, "\"instance\":\"CLI-b\""))
			takeover++;
		if (strstr(line, "\"event\":\"clear\"") && strstr(line, "\"count\":1"))
			clear++;
		if (strstr(line, "\"event\":\"clear-stale\"") && strstr(line, "\"count\":1"))
			clear++;
		cJSON_Delete(ev);
	}
	fclose(fp);
	assert_int_equal(n, 5);
	assert_int_equal(takeover, 1);
	assert_int_equal(clear, 2);
}

static void test_view_json(void **state)
{
	struct fixture *f = *state;
	struct lock_outcome o;
	struct lock_view v;
	cJSON *j;
	char *text;
	size_t len;

	assert_int_equal(req1(f, &f->a, REQ_CREATE, "ImageRegistry", T0, &o, NULL), 0);
	v = find(f, "ImageRegistry", T0 + 1000);
	text = lockview_json(&v, LOCKVIEW_FILE, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	assert_int_equal(text[len - 1], '\n');
	j = cJSON_Parse(text);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "resource")->valuestring, "ImageRegistry");
	assert_string_equal(cJSON_GetObjectItem(j, "instance")->valuestring, "CLI-a");
	assert_string_equal(cJSON_GetObjectItem(j, "acquired")->valuestring, "2026-11-27T10:03:00Z");
	assert_int_equal(cJSON_GetObjectItem(j, "age_seconds")->valuedouble, 1000);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "stale")));
	assert_string_equal(cJSON_GetObjectItem(j, "stale_reason")->valuestring, "age");
	assert_int_equal(cJSON_GetObjectItem(j, "token")->valuedouble, o.token);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "note")));
	cJSON_Delete(j);
	free(text);
}

/* A probe answers as the request would, and changes nothing. */
static void test_probe_changes_nothing(void **state)
{
	struct fixture *f = *state;
	const char *names[] = { "Chapter_08", "Chapter_09" };
	struct lock_outcome o[2];
	struct lf_error err = { 0 };
	struct lock_view v;
	long long token;

	assert_int_equal(lockops_probe(f->p, &f->a, REQ_CREATE, names, 2, T0,
				       o, &err), 0);
	assert_int_equal(o[0].state, LOCK_ABSENT);
	assert_int_equal(o[0].action, ACT_ACQUIRE);
	assert_int_equal(lockops_find(f->p, "Chapter_08", T0, &v, NULL), -ENOENT);
	assert_int_equal(req1(f, &f->b, REQ_CREATE, "Chapter_09", T0, o, NULL), 0);
	token = o[0].token;
	assert_int_equal(lockops_probe(f->p, &f->a, REQ_CREATE, names, 2, T0 + 5,
				       o, &err), -EEXIST);
	assert_int_equal(o[0].error, 0);
	assert_int_equal(o[1].state, LOCK_OTHER_LIVE);
	assert_int_equal(o[1].error, EEXIST);
	assert_string_equal(o[1].holder, "CLI-b");
	assert_int_equal(lockops_find(f->p, "Chapter_08", T0, &v, NULL), -ENOENT);
	v = find(f, "Chapter_09", T0 + 5);
	assert_int_equal(v.e.token, token);
	assert_int_equal(v.e.ts, T0);
	assert_int_equal(lockops_probe(f->p, &f->b, REQ_UNLINK, names + 1, 1,
				       T0 + 5, o, &err), 0);
	assert_int_equal(o[0].action, ACT_RELEASE);
	assert_string_equal(find(f, "Chapter_09", T0 + 5).e.instance, "CLI-b");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_acquire_renew_release),
		T(test_probe_changes_nothing),
		T(test_other_live_lock),
		T(test_stale_by_age),
		T(test_stale_by_holder_exit),
		T(test_all_or_nothing),
		T(test_release_is_per_resource),
		T(test_names_are_checked),
		T(test_config_extends_names),
		T(test_bad_config_is_reported_not_ignored),
		T(test_config_report_hears_a_break_at_once),
		T(test_project_paths),
		T(test_foreign_entries_and_duplicates),
		T(test_renewal_gives_hand_written_entries_a_token),
		T(test_full_store_says_so),
		T(test_broken_etcd_config_reads_nothing),
		T(test_malformed_store_is_untouched),
		T(test_check_tokens),
		T(test_check_compares_the_instance),
		T(test_tokens_survive_a_hand_rewrite),
		T(test_release_by_token),
		T(test_notes),
		T(test_clear),
		T(test_event_log),
		T(test_view_json),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
