/* test_etcd.c - cmocka suite for core/etcd.c against a live etcd (started
 * by tests/etcd/test_client.sh through tests/etcd/lib.sh).
 *
 * The cluster comes from the environment: ETCD_ENDPOINTS (comma-separated),
 * ETCD_CACERT/ETCD_CERT/ETCD_KEY when it speaks TLS, ETCD_USER/
 * ETCD_PASSWORD when it has auth on (ETCD_ROOT_PASSWORD for compaction,
 * ETCD_TOKEN_TTL when the members expire tokens after that many seconds,
 * ETCD_CN_CERT/ETCD_CN_KEY for a client certificate with a CommonName).
 * Tests that need TLS or auth skip without them.  Every key lives under
 * /lockfs-test/PID/, so runs never see each other's keys.
 *
 * ETCD_BENCH=N also times N ranges and N txns and prints their medians;
 * ETCD_SILENT=1 says every member is stopped, for test_cluster_silent;
 * ETCD_ONLY=PATTERN runs only the tests whose names match.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base64.h"
#include "clock.h"
#include "etcd.h"

static char endpoints_buf[4096];
static struct etcd_settings cluster;
static char prefix[64];

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] ? v : NULL;
}

static void load_cluster(void)
{
	char *save = NULL, *tok;
	const char *list = env("ETCD_ENDPOINTS");

	if (!list) {
		fprintf(stderr, "test_etcd: ETCD_ENDPOINTS is not set\n");
		exit(1);
	}
	snprintf(endpoints_buf, sizeof(endpoints_buf), "%s", list);
	for (tok = strtok_r(endpoints_buf, ",", &save); tok && cluster.n_endpoints < ETCD_MAX_ENDPOINTS;
	     tok = strtok_r(NULL, ",", &save))
		cluster.endpoints[cluster.n_endpoints++] = tok;
	cluster.cacert = env("ETCD_CACERT");
	cluster.cert = env("ETCD_CERT");
	cluster.key = env("ETCD_KEY");
	cluster.user = env("ETCD_USER");
	cluster.password = env("ETCD_PASSWORD");
	snprintf(prefix, sizeof(prefix), "/lockfs-test/%ld/", (long)getpid());
}

static struct etcd *open_with(const struct etcd_settings *s)
{
	struct lf_error err = { 0 };
	struct etcd *c = NULL;
	int rc = etcd_open(s, &c, &err);

	if (rc)
		fail_msg("etcd_open: %s", err.msg);
	return c;
}

static struct etcd *open_cluster(void)
{
	return open_with(&cluster);
}

/* prefix + name, in a static ring so a test can hold a few. */
static const char *k(const char *name)
{
	static char ring[64][256];
	static unsigned next;
	char *out = ring[next++ % 64];

	snprintf(out, sizeof(ring[0]), "%s%s", prefix, name);
	return out;
}

static void check(int rc, const struct lf_error *err)
{
	if (rc)
		fail_msg("rc %d: %s", rc, err->msg);
}

/* Put key = value (len bytes); the txn's revision. */
static long long put_len(struct etcd *c, const char *key, const char *value,
			 size_t len, long long lease)
{
	struct etcd_op op = { .kind = ETCD_OP_PUT, .key = key, .value = value,
			      .value_len = len, .lease = lease };
	struct etcd_txn_result r;
	struct lf_error err = { 0 };
	long long rev;

	check(etcd_txn(c, NULL, 0, &op, 1, NULL, 0, &r, &err), &err);
	assert_true(r.succeeded);
	rev = r.revision;
	etcd_txn_result_free(&r);
	return rev;
}

static long long put(struct etcd *c, const char *key, const char *value)
{
	return put_len(c, key, value, strlen(value), 0);
}

static void get(struct etcd *c, const char *key, struct etcd_kvs *out)
{
	struct lf_error err = { 0 };

	check(etcd_range(c, key, NULL, 0, 0, out, &err), &err);
}

/* A port on 127.0.0.1 that refuses connections: bound, then closed. */
static int closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* A socket that listens but never accepts: connections complete (the
 * kernel's backlog) and then nothing answers. */
static int silent_listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* --- pure helpers --- */

static void test_base64(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *const bad[] = { "Zg=", "Zg=a", "Z===", "Zh==", "Zm9=", "Zm9v!A==", "=Zm9", "Zm=v" };
	char *out;
	size_t i, len;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		out = base64_encode(plain[i], strlen(plain[i]));
		assert_string_equal(out, coded[i]);
		free(out);
		assert_int_equal(base64_decode(coded[i], &out, &len), 0);
		assert_int_equal(len, strlen(plain[i]));
		assert_string_equal(out, plain[i]);
		free(out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(base64_decode(bad[i], &out, &len), -EINVAL);
}

static void test_prefix_end(void **state)
{
	char out[16];

	etcd_prefix_end("/a/", out);
	assert_string_equal(out, "/a0");
	etcd_prefix_end("ab\xff", out);
	assert_string_equal(out, "ac");
	etcd_prefix_end("\xff\xff", out);
	assert_string_equal(out, "");
}

static void test_bad_settings(void **state)
{
	struct etcd_settings s = { 0 };
	struct lf_error err = { 0 };
	struct etcd *c = (struct etcd *)&s;

	assert_int_equal(etcd_open(&s, &c, &err), -EINVAL);
	assert_null(c);
	s.endpoints[0] = "http://127.0.0.1:1";
	s.n_endpoints = 1;
	s.user = "u";
	assert_int_equal(etcd_open(&s, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "password"));
	s.user = NULL;
	s.cert = "c.pem";
	assert_int_equal(etcd_open(&s, &c, &err), -EINVAL);
	s.cert = NULL;
	assert_int_equal(etcd_open(&s, &c, &err), 0);
	assert_string_equal(etcd_endpoint(c), "");
	etcd_close(c);
}

/* --- kv --- */

static void test_range_empty(void **state)
{
	struct etcd *c = open_cluster();
	struct etcd_kvs kvs;

	get(c, k("absent"), &kvs);
	assert_int_equal(kvs.n, 0);
	assert_false(kvs.more);
	assert_true(kvs.revision > 0);
	assert_string_not_equal(etcd_endpoint(c), "");
	etcd_kvs_free(&kvs);
	etcd_close(c);
}

static void test_put_range(void **state)
{
	struct etcd *c = open_cluster();
	struct etcd_kvs kvs;
	long long rev;

	rev = put(c, k("one"), "hello");
	get(c, k("one"), &kvs);
	assert_int_equal(kvs.n, 1);
	assert_string_equal(kvs.kv[0].key, k("one"));
	assert_string_equal(kvs.kv[0].value, "hello");
	assert_int_equal(kvs.kv[0].value_len, 5);
	assert_int_equal(kvs.kv[0].create_revision, rev);
	assert_int_equal(kvs.kv[0].mod_revision, rev);
	assert_int_equal(kvs.kv[0].version, 1);
	assert_int_equal(kvs.kv[0].lease, 0);
	assert_true(kvs.revision >= rev);
	etcd_kvs_free(&kvs);

	rev = put(c, k("one"), "");
	get(c, k("one"), &kvs);
	assert_int_equal(kvs.n, 1);
	assert_string_equal(kvs.kv[0].value, "");
	assert_int_equal(kvs.kv[0].value_len, 0);
	assert_int_equal(kvs.kv[0].version, 2);
	assert_int_equal(kvs.kv[0].mod_revision, rev);
	etcd_kvs_free(&kvs);
	etcd_close(c);
}

static void test_txn_fails(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	struct etcd_cmp cmp = { .key = k("tf"), .target = ETCD_VERSION,
				.result = ETCD_EQUAL, .number = 5 };
	struct etcd_op ok = { .kind = ETCD_OP_PUT, .key = k("tf"), .value = "no", .value_len = 2 };
	struct etcd_op fb[] = {
		{ .kind = ETCD_OP_RANGE, .key = k("tf") },
		{ .kind = ETCD_OP_PUT, .key = k("tf-other"), .value = "x", .value_len = 1 },
		{ .kind = ETCD_OP_RANGE, .key = k("tf-absent") },
	};
	struct etcd_txn_result r;
	long long rev = put(c, k("tf"), "v1");

	check(etcd_txn(c, &cmp, 1, &ok, 1, fb, 3, &r, &err), &err);
	assert_false(r.succeeded);
	assert_true(r.revision > rev);	/* the failure branch wrote */
	assert_int_equal(r.n_ranges, 2);
	assert_int_equal(r.ranges[0].n, 1);
	assert_string_equal(r.ranges[0].kv[0].value, "v1");
	assert_int_equal(r.ranges[0].kv[0].mod_revision, rev);
	assert_int_equal(r.ranges[1].n, 0);
	etcd_txn_result_free(&r);
	etcd_close(c);
}

static void test_create_revision_zero(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	struct etcd_cmp cmp = { .key = k("cr"), .target = ETCD_CREATE_REVISION,
				.result = ETCD_EQUAL, .number = 0 };
	struct etcd_op op = { .kind = ETCD_OP_PUT, .key = k("cr"), .value = "mine", .value_len = 4 };
	struct etcd_txn_result r;

	check(etcd_txn(c, &cmp, 1, &op, 1, NULL, 0, &r, &err), &err);
	assert_true(r.succeeded);
	etcd_txn_result_free(&r);
	check(etcd_txn(c, &cmp, 1, &op, 1, NULL, 0, &r, &err), &err);
	assert_false(r.succeeded);
	assert_int_equal(r.n_ranges, 0);
	etcd_txn_result_free(&r);
	etcd_close(c);
}

static void test_mod_revision(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	long long rev = put(c, k("mr"), "a");
	struct etcd_cmp cmp = { .key = k("mr"), .target = ETCD_MOD_REVISION,
				.result = ETCD_EQUAL, .number = rev };
	struct etcd_op op = { .kind = ETCD_OP_PUT, .key = k("mr"), .value = "b", .value_len = 1 };
	struct etcd_txn_result r;

	check(etcd_txn(c, &cmp, 1, &op, 1, NULL, 0, &r, &err), &err);
	assert_true(r.succeeded);
	assert_true(r.revision > rev);
	etcd_txn_result_free(&r);
	/* The same compare now sees the write it guarded. */
	check(etcd_txn(c, &cmp, 1, &op, 1, NULL, 0, &r, &err), &err);
	assert_false(r.succeeded);
	etcd_txn_result_free(&r);
	cmp.result = ETCD_GREATER;
	check(etcd_txn(c, &cmp, 1, NULL, 0, NULL, 0, &r, &err), &err);
	assert_true(r.succeeded);
	etcd_txn_result_free(&r);
	cmp.target = ETCD_LEASE;
	cmp.result = ETCD_EQUAL;
	cmp.number = 0;
	check(etcd_txn(c, &cmp, 1, NULL, 0, NULL, 0, &r, &err), &err);
	assert_true(r.succeeded);
	etcd_txn_result_free(&r);
	etcd_close(c);
}

static void test_range_end_compare(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	char end[256];
	struct etcd_cmp cmp = { .key = k("re/"), .target = ETCD_VERSION,
				.result = ETCD_EQUAL, .number = 1 };
	struct etcd_txn_result r;

	etcd_prefix_end(k("re/"), end);
	cmp.range_end = end;
	put(c, k("re/a"), "1");
	put(c, k("re/b"), "1");
	put(c, k("re0"), "outside, version 2");
	put(c, k("re0"), "outside, version 2");
	check(etcd_txn(c, &cmp, 1, NULL, 0, NULL, 0, &r, &err), &err);
	assert_true(r.succeeded);
	etcd_txn_result_free(&r);
	put(c, k("re/b"), "2");
	check(etcd_txn(c, &cmp, 1, NULL, 0, NULL, 0, &r, &err), &err);
	assert_false(r.succeeded);
	etcd_txn_result_free(&r);
	etcd_close(c);
}

static void test_delete(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	char end[256];
	struct etcd_op del[] = {
		{ .kind = ETCD_OP_DELETE, .key = k("del/one") },
		{ .kind = ETCD_OP_DELETE, .key = k("del/many/") },
		{ .kind = ETCD_OP_RANGE, .key = k("del/"), .range_end = end },
	};
	struct etcd_txn_result r;
	struct etcd_kvs kvs;

	etcd_prefix_end(k("del/many/"), end);
	del[1].range_end = strdup(end);
	etcd_prefix_end(k("del/"), end);
	put(c, k("del/one"), "x");
	put(c, k("del/many/1"), "x");
	put(c, k("del/many/2"), "x");
	put(c, k("del/kept"), "x");
	check(etcd_txn(c, NULL, 0, del, 3, NULL, 0, &r, &err), &err);
	assert_true(r.succeeded);
	assert_int_equal(r.deleted, 3);
	assert_int_equal(r.n_ranges, 1);
	assert_int_equal(r.ranges[0].n, 1);
	assert_string_equal(r.ranges[0].kv[0].key, k("del/kept"));
	etcd_txn_result_free(&r);
	get(c, k("del/one"), &kvs);
	assert_int_equal(kvs.n, 0);
	etcd_kvs_free(&kvs);
	free((char *)del[1].range_end);
	etcd_close(c);
}

static void test_prefix_limit(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	char end[256];
	struct etcd_kvs kvs;
	long long first;

	etcd_prefix_end(k("pl/"), end);
	first = put(c, k("pl/c"), "3");
	put(c, k("pl/a"), "1");
	put(c, k("pl/e"), "5");
	put(c, k("pl/b"), "2");
	put(c, k("pl/d"), "4");
	put(c, k("pl0"), "outside");
	check(etcd_range(c, k("pl/"), end, 0, 2, &kvs, &err), &err);
	assert_int_equal(kvs.n, 2);
	assert_true(kvs.more);
	assert_string_equal(kvs.kv[0].key, k("pl/a"));
	assert_string_equal(kvs.kv[1].key, k("pl/b"));
	etcd_kvs_free(&kvs);
	check(etcd_range(c, k("pl/"), end, 0, 0, &kvs, &err), &err);
	assert_int_equal(kvs.n, 5);
	assert_false(kvs.more);
	assert_string_equal(kvs.kv[4].value, "5");
	etcd_kvs_free(&kvs);
	/* At the first put's revision, only it existed. */
	check(etcd_range(c, k("pl/"), end, first, 0, &kvs, &err), &err);
	assert_int_equal(kvs.n, 1);
	assert_string_equal(kvs.kv[0].key, k("pl/c"));
	etcd_kvs_free(&kvs);
	etcd_close(c);
}

static void test_binary_values(void **state)
{
	struct etcd *c = open_cluster();
	char value[255];
	struct etcd_kvs kvs;
	size_t i;

	for (i = 0; i < sizeof(value); i++)
		value[i] = (char)(i + 1);
	put_len(c, k("bin"), value, sizeof(value), 0);
	get(c, k("bin"), &kvs);
	assert_int_equal(kvs.n, 1);
	assert_int_equal(kvs.kv[0].value_len, sizeof(value));
	assert_memory_equal(kvs.kv[0].value, value, sizeof(value));
	assert_int_equal(kvs.kv[0].value[sizeof(value)], '\0');
	etcd_kvs_free(&kvs);
	etcd_close(c);
}

/* --- leases --- */

static void test_lease(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	long long id = 0, ttl = 0, left = 0;
	struct etcd_kvs kvs;

	check(etcd_lease_grant(c, 30, &id, &ttl, &err), &err);
	assert_true(id != 0);
	assert_int_equal(ttl, 30);
	put_len(c, k("leased"), "x", 1, id);
	get(c, k("leased"), &kvs);
	assert_int_equal(kvs.n, 1);
	assert_int_equal(kvs.kv[0].lease, id);
	etcd_kvs_free(&kvs);
	check(etcd_lease_keepalive(c, id, &left, &err), &err);
	assert_true(left > 0 && left <= 30);
	check(etcd_lease_revoke(c, id, &err), &err);
	get(c, k("leased"), &kvs);
	assert_int_equal(kvs.n, 0);
	etcd_kvs_free(&kvs);
	assert_int_equal(etcd_lease_keepalive(c, id, &left, &err), -ENOENT);
	assert_true(left <= 0);
	assert_int_equal(etcd_lease_revoke(c, id, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "lease not found"));
	etcd_close(c);
}

/* --- watch --- */

struct seen {
	int n;
	enum etcd_event_type type[8];
	char key[8][256];
	char value[8][64];
	long long mod_revision[8];
	long long revision;	/* the last one fn was given */
	int batches;
	volatile bool created;
};

/* Record events; end the watch (1) on the first delete. */
static int record(void *arg, const struct etcd_event *ev, size_t n, long long revision)
{
	struct seen *s = arg;
	bool deleted = false;
	size_t i;

	s->revision = revision;
	s->batches++;
	s->created = true;
	for (i = 0; i < n && s->n < 8; i++, s->n++) {
		s->type[s->n] = ev[i].type;
		snprintf(s->key[s->n], sizeof(s->key[0]), "%s", ev[i].kv->key);
		snprintf(s->value[s->n], sizeof(s->value[0]), "%s", ev[i].kv->value);
		s->mod_revision[s->n] = ev[i].kv->mod_revision;
		deleted |= ev[i].type == ETCD_EVENT_DELETE;
	}
	return deleted ? 1 : 0;
}

/* End the watch (2) as soon as etcd has confirmed it. */
static int end_on_create(void *arg, const struct etcd_event *ev, size_t n, long long revision)
{
	struct seen *s = arg;

	s->batches++;
	s->revision = revision;
	return 2;
}

static void delete_key(struct etcd *c, const char *key, long long *rev)
{
	struct etcd_op op = { .kind = ETCD_OP_DELETE, .key = key };
	struct etcd_txn_result r;
	struct lf_error err = { 0 };

	check(etcd_txn(c, NULL, 0, &op, 1, NULL, 0, &r, &err), &err);
	assert_int_equal(r.deleted, 1);
	*rev = r.revision;
	etcd_txn_result_free(&r);
}

static void test_watch_history(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	struct seen s = { 0 };
	char end[256];
	long long r1, r2, r3;
	bool stop = false;
	int rc;

	etcd_prefix_end(k("wh/"), end);
	r1 = put(c, k("wh/a"), "one");
	r2 = put(c, k("wh/a"), "two");
	put(c, k("wh0"), "outside");
	delete_key(c, k("wh/a"), &r3);
	rc = etcd_watch(c, k("wh/"), end, r1, record, &s, &stop, NULL, &err);
	if (rc != 1)
		fail_msg("watch: %d: %s", rc, err.msg);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.type[0], ETCD_EVENT_PUT);
	assert_string_equal(s.value[0], "one");
	assert_int_equal(s.mod_revision[0], r1);
	assert_int_equal(s.type[1], ETCD_EVENT_PUT);
	assert_string_equal(s.value[1], "two");
	assert_int_equal(s.mod_revision[1], r2);
	assert_int_equal(s.type[2], ETCD_EVENT_DELETE);
	assert_string_equal(s.key[2], k("wh/a"));
	assert_int_equal(s.mod_revision[2], r3);
	assert_int_equal(s.revision, r3);
	etcd_close(c);
}

struct writer {
	struct seen *seen;
	long long put_rev, del_rev;
};

/* Once the watch is created: a put and a delete, from a client of its own. */
static void *write_live(void *arg)
{
	struct writer *w = arg;
	struct etcd *c = open_cluster();
	int i;

	for (i = 0; i < 500 && !w->seen->created; i++)
		usleep(10000);
	w->put_rev = put(c, k("wl"), "live");
	delete_key(c, k("wl"), &w->del_rev);
	etcd_close(c);
	return NULL;
}

static void test_watch_live(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	struct seen s = { 0 };
	struct writer w = { .seen = &s };
	bool stop = false;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, write_live, &w), 0);
	assert_int_equal(etcd_watch(c, k("wl"), NULL, 0, record, &s, &stop, NULL, &err), 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.type[0], ETCD_EVENT_PUT);
	assert_string_equal(s.value[0], "live");
	assert_int_equal(s.mod_revision[0], w.put_rev);
	assert_int_equal(s.type[1], ETCD_EVENT_DELETE);
	assert_int_equal(s.mod_revision[1], w.del_rev);
	etcd_close(c);
}

struct stopper {
	volatile bool stop;
	long long at_ms;
	struct seen *seen;
};

/* Stop the watch 300 ms after its creation. */
static void *stop_later(void *arg)
{
	struct stopper *st = arg;
	int i;

	for (i = 0; i < 1000 && !st->seen->created; i++)
		usleep(10000);
	usleep(300000);
	st->at_ms = clock_now_ms();
	st->stop = true;
	return NULL;
}

static void test_watch_stop(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	struct seen s = { 0 };
	struct stopper st = { .seen = &s };
	pthread_t t;
	long long late;

	assert_int_equal(pthread_create(&t, NULL, stop_later, &st), 0);
	assert_int_equal(etcd_watch(c, k("quiet"), NULL, 0, record, &s, &st.stop, NULL, &err),
			 -ECANCELED);
	late = clock_now_ms() - st.at_ms;
	assert_int_equal(pthread_join(t, NULL), 0);
	printf("watch: returned %lld ms after *stop\n", late);
	assert_true(late <= 200);
	assert_int_equal(s.batches, 1);	/* the creation */
	assert_int_equal(s.n, 0);
	etcd_close(c);
}

/* etcdctl compact REV, as root when auth is on. */
static void compact(long long rev)
{
	char cmd[2048];
	int n;

	n = snprintf(cmd, sizeof(cmd), "ETCDCTL_API=3 etcdctl --endpoints=%s", env("ETCD_ENDPOINTS"));
	if (cluster.cacert)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " --cacert=%s --cert=%s --key=%s",
			      cluster.cacert, cluster.cert, cluster.key);
	if (env("ETCD_ROOT_PASSWORD"))
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " --user=root:%s",
			      env("ETCD_ROOT_PASSWORD"));
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " compact %lld >/dev/null", rev);
	assert_int_equal(system(cmd), 0);
}

static void test_compacted(void **state)
{
	struct etcd *c = open_cluster();
	struct lf_error err = { 0 };
	struct seen s = { 0 };
	struct etcd_kvs kvs;
	long long old, now, compact_rev = 0;
	bool stop = false;

	old = put(c, k("cmp"), "old");
	now = put(c, k("cmp"), "new");
	compact(now);
	assert_int_equal(etcd_watch(c, k("cmp"), NULL, old, record, &s, &stop, &compact_rev, &err),
			 -ESTALE);
	assert_int_equal(compact_rev, now);
	assert_int_equal(s.n, 0);
	assert_int_equal(etcd_range(c, k("cmp"), NULL, old, 0, &kvs, &err), -ESTALE);
	assert_non_null(strstr(err.msg, "compacted"));
	/* From the compaction on, history is still there. */
	check(etcd_range(c, k("cmp"), NULL, now, 0, &kvs, &err), &err);
	assert_int_equal(kvs.n, 1);
	etcd_kvs_free(&kvs);
	etcd_close(c);
}

/* --- endpoints --- */

static void test_unreachable(void **state)
{
	struct etcd_settings s = cluster;
	struct lf_error err = { 0 };
	char dead[64];
	struct etcd *c;
	struct etcd_kvs kvs;
	long long t0, ms;

	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", closed_port());
	s.endpoints[0] = dead;
	s.n_endpoints = 1;
	s.connect_timeout_ms = 500;
	c = open_with(&s);
	t0 = clock_now_ms();
	assert_int_equal(etcd_range(c, k("x"), NULL, 0, 0, &kvs, &err), -EIO);
	ms = clock_now_ms() - t0;
	printf("unreachable: %s (%lld ms)\n", err.msg, ms);
	assert_true(ms < 500);
	assert_non_null(strstr(err.msg, dead));
	assert_string_equal(etcd_endpoint(c), "");
	etcd_close(c);
}

static void test_silent(void **state)
{
	struct etcd_settings s = cluster;
	struct lf_error err = { 0 };
	char silent[64];
	struct etcd *c;
	struct etcd_kvs kvs;
	long long t0, ms;
	int port, fd = silent_listener(&port);

	snprintf(silent, sizeof(silent), "http://127.0.0.1:%d", port);
	s.endpoints[0] = silent;
	s.n_endpoints = 1;
	s.request_timeout_ms = 300;
	c = open_with(&s);
	t0 = clock_now_ms();
	assert_int_equal(etcd_range(c, k("x"), NULL, 0, 0, &kvs, &err), -EIO);
	ms = clock_now_ms() - t0;
	printf("silent: %s (%lld ms)\n", err.msg, ms);
	assert_true(ms >= 250 && ms < 800);
	assert_non_null(strstr(err.msg, silent));
	etcd_close(c);
	close(fd);
}

/* The first of the cluster's endpoints that answers on its own. */
static const char *first_alive(void)
{
	struct etcd_settings s = cluster;
	struct etcd_kvs kvs;
	struct etcd *c;
	size_t i;
	int rc;

	s.n_endpoints = 1;
	for (i = 0; i < cluster.n_endpoints; i++) {
		s.endpoints[0] = cluster.endpoints[i];
		c = open_with(&s);
		rc = etcd_range(c, k("x"), NULL, 0, 0, &kvs, NULL);
		etcd_close(c);
		if (!rc) {
			etcd_kvs_free(&kvs);
			return cluster.endpoints[i];
		}
	}
	fail_msg("no endpoint of the cluster answers");
	return NULL;
}

static void test_failover(void **state)
{
	struct etcd_settings s = cluster;
	struct lf_error err = { 0 };
	char dead[64];
	struct etcd *c;
	struct etcd_kvs kvs;
	bool stop = false;
	struct seen seen = { 0 };
	size_t i;

	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", closed_port());
	s.endpoints[0] = dead;
	for (i = 0; i < cluster.n_endpoints && i + 1 < ETCD_MAX_ENDPOINTS; i++)
		s.endpoints[i + 1] = cluster.endpoints[i];
	s.n_endpoints = i + 1;
	c = open_with(&s);
	put(c, k("fo"), "over");
	assert_string_equal(etcd_endpoint(c), first_alive());
	get(c, k("fo"), &kvs);
	assert_int_equal(kvs.n, 1);
	etcd_kvs_free(&kvs);
	etcd_close(c);

	/* A watch fails over too. */
	c = open_with(&s);
	assert_int_equal(etcd_watch(c, k("fo"), NULL, 0, end_on_create, &seen, &stop, NULL, &err),
			 2);
	assert_int_equal(seen.batches, 1);
	assert_true(seen.revision > 0);
	assert_string_equal(etcd_endpoint(c), first_alive());
	etcd_close(c);
}

/* Every member stopped (SIGSTOP: connections complete, nothing answers),
 * when the script says so with ETCD_SILENT=1: each call ends at its
 * deadline naming every endpoint, the watch too. */
static void test_cluster_silent(void **state)
{
	struct etcd_settings s = cluster;
	struct lf_error err = { 0 };
	struct seen seen = { 0 };
	bool stop = false;
	struct etcd_kvs kvs;
	struct etcd *c;
	long long t0, ms, limit;
	size_t i;

	if (!env("ETCD_SILENT"))
		skip();
	s.request_timeout_ms = 400;
	limit = 400 * (long long)s.n_endpoints + 500;
	c = open_with(&s);
	t0 = clock_now_ms();
	assert_int_equal(etcd_range(c, k("x"), NULL, 0, 0, &kvs, &err), -EIO);
	ms = clock_now_ms() - t0;
	printf("stopped cluster, range: %s (%lld ms)\n", err.msg, ms);
	assert_true(ms >= 400 && ms < limit);
	for (i = 0; i < cluster.n_endpoints; i++)
		assert_non_null(strstr(err.msg, cluster.endpoints[i]));
	t0 = clock_now_ms();
	assert_int_equal(etcd_watch(c, k("x"), NULL, 0, record, &seen, &stop, NULL, &err), -EIO);
	ms = clock_now_ms() - t0;
	printf("stopped cluster, watch: %s (%lld ms)\n", err.msg, ms);
	assert_true(ms >= 400 && ms < limit);
	assert_int_equal(seen.batches, 0);
	etcd_close(c);
}

/* --- auth and TLS --- */

static void test_wrong_password(void **state)
{
	struct etcd_settings s = cluster;
	struct lf_error err = { 0 };
	struct etcd *c;
	struct etcd_kvs kvs;
	struct seen seen = { 0 };
	bool stop = false;

	if (!cluster.user)
		skip();
	s.password = "not-the-password";
	c = open_with(&s);
	assert_int_equal(etcd_range(c, k("x"), NULL, 0, 0, &kvs, &err), -EACCES);
	printf("wrong password: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "authentication failed"));
	assert_int_equal(etcd_watch(c, k("x"), NULL, 0, record, &seen, &stop, NULL, &err), -EACCES);
	assert_int_equal(seen.batches, 0);
	etcd_close(c);

	/* No user at all, on a cluster that wants one. */
	s.user = s.password = NULL;
	c = open_with(&s);
	assert_int_equal(etcd_range(c, k("x"), NULL, 0, 0, &kvs, &err), -EACCES);
	printf("no user: %s\n", err.msg);
	etcd_close(c);
}

static void test_token_renewal(void **state)
{
	const char *ttl = env("ETCD_TOKEN_TTL");
	struct etcd *c;
	struct etcd_kvs kvs;
	bool stop = false;
	struct seen s = { 0 };
	struct lf_error err = { 0 };
	int rc;

	if (!cluster.user || !ttl)
		skip();
	c = open_cluster();
	put(c, k("tok"), "1");
	usleep((useconds_t)(atoi(ttl) * 1000000 + 1500000));
	get(c, k("tok"), &kvs);
	assert_int_equal(kvs.n, 1);
	etcd_kvs_free(&kvs);
	usleep((useconds_t)(atoi(ttl) * 1000000 + 1500000));
	rc = etcd_watch(c, k("tok"), NULL, 0, end_on_create, &s, &stop, NULL, &err);
	if (rc != 2)
		fail_msg("watch after the token expired: %d: %s", rc, err.msg);
	assert_int_equal(s.batches, 1);
	etcd_close(c);
}

static void test_no_client_cert(void **state)
{
	struct etcd_settings s = cluster;
	struct lf_error err = { 0 };
	struct etcd *c;
	struct etcd_kvs kvs;

	int rc;

	if (!cluster.cert)
		skip();
	s.cert = s.key = NULL;
	c = open_with(&s);
	rc = etcd_range(c, k("x"), NULL, 0, 0, &kvs, &err);
	printf("no client certificate: %s\n", err.msg);
	assert_int_equal(rc, -EACCES);
	assert_non_null(strstr(err.msg, "certificate"));
	etcd_close(c);

	/* With client-cert-auth and auth on, the gateway refuses a
	 * certificate that has a CommonName. */
	if (env("ETCD_CN_CERT")) {
		s.cert = env("ETCD_CN_CERT");
		s.key = env("ETCD_CN_KEY");
		c = open_with(&s);
		rc = etcd_range(c, k("x"), NULL, 0, 0, &kvs, &err);
		printf("certificate with a CommonName: %s\n", err.msg);
		assert_int_equal(rc, -EACCES);
		assert_non_null(strstr(err.msg, "CommonName"));
		etcd_close(c);
	}

	/* A certificate file that is not there: refused, naming it. */
	s.cert = "/nonexistent/client.pem";
	s.key = cluster.key;
	c = open_with(&s);
	rc = etcd_range(c, k("x"), NULL, 0, 0, &kvs, &err);
	printf("missing certificate file: %s\n", err.msg);
	assert_int_equal(rc, -EACCES);
	assert_non_null(strstr(err.msg, "/nonexistent/client.pem"));
	etcd_close(c);
}

/* --- round trips --- */

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void test_bench(void **state)
{
	const char *n_env = env("ETCD_BENCH");
	int n = n_env ? atoi(n_env) : 0, i;
	struct etcd *c;
	struct etcd_kvs kvs;
	long long *us, t0;
	struct timespec a, b;
	struct etcd_cmp cmp = { .key = k("bench"), .target = ETCD_VERSION,
				.result = ETCD_GREATER, .number = -1 };
	struct etcd_op op = { .kind = ETCD_OP_PUT, .key = k("bench"), .value = "v", .value_len = 1 };
	struct etcd_txn_result r;
	struct lf_error err = { 0 };

	if (n <= 0)
		skip();
	c = open_cluster();
	us = calloc((size_t)n, sizeof(*us));
	assert_non_null(us);
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		get(c, k("bench"), &kvs);
		clock_gettime(CLOCK_MONOTONIC, &b);
		etcd_kvs_free(&kvs);
		us[i] = (b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_nsec - a.tv_nsec) / 1000;
	}
	qsort(us, (size_t)n, sizeof(*us), cmp_ll);
	printf("range: median %lld us, p90 %lld us (%d calls)\n", us[n / 2], us[n * 9 / 10], n);
	t0 = us[n / 2];
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		check(etcd_txn(c, &cmp, 1, &op, 1, NULL, 0, &r, &err), &err);
		clock_gettime(CLOCK_MONOTONIC, &b);
		assert_true(r.succeeded);
		etcd_txn_result_free(&r);
		us[i] = (b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_nsec - a.tv_nsec) / 1000;
	}
	qsort(us, (size_t)n, sizeof(*us), cmp_ll);
	printf("txn (compare + put): median %lld us, p90 %lld us (%d calls)\n",
	       us[n / 2], us[n * 9 / 10], n);
	/* Loopback: a reused connection answers well within 50 ms. */
	assert_true(t0 < 50000 && us[n / 2] < 50000);
	free(us);
	etcd_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_prefix_end),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_range_empty),
		cmocka_unit_test(test_put_range),
		cmocka_unit_test(test_txn_fails),
		cmocka_unit_test(test_create_revision_zero),
		cmocka_unit_test(test_mod_revision),
		cmocka_unit_test(test_range_end_compare),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_prefix_limit),
		cmocka_unit_test(test_binary_values),
		cmocka_unit_test(test_lease),
		cmocka_unit_test(test_watch_history),
		cmocka_unit_test(test_watch_live),
		cmocka_unit_test(test_watch_stop),
		cmocka_unit_test(test_compacted),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_cluster_silent),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_token_renewal),
		cmocka_unit_test(test_no_client_cert),
		cmocka_unit_test(test_bench),
	};

	load_cluster();
	if (env("ETCD_ONLY"))
		cmocka_set_test_filter(env("ETCD_ONLY"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
