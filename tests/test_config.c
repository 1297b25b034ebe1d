/* test_config.c - cmocka suite for core/config.c: the .locks/config file,
 * what it may say, and the errors for everything it must not say. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
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

#include "config.h"

/* The keys the unknown-key message lists, in the order of the table. */
#define KNOWN "stale_seconds, default_names, resource, durability, guard, " \
	"guard_mode, backend, etcd_endpoints, etcd_prefix, etcd_cacert, " \
	"etcd_cert, etcd_key, etcd_user, etcd_password_file, " \
	"etcd_connect_timeout_ms, etcd_request_timeout_ms, etcd_lease_seconds"

/* The example of config.h, byte for byte. */
static const char example[] =
	"stale_seconds = 900          # a lock this old is stale (1..604800)\n"
	"default_names = yes          # no: only the names listed below\n"
	"resource = Appendix_A        # repeatable: a name or a pattern\n"
	"resource = ImageRegistry_Chapter_[0-9][0-9]\n"
	"durability = file            # rename | file | full (see store.h)\n";

/* A config whose fields the tests can recognise if left untouched. */
static const struct lf_config sentinel = {
	.stale_seconds = 4242,
	.durability = DURABILITY_FULL,
	.names = (struct nameset *)&sentinel,
};

static int parse_str(const char *s, struct lf_config *cfg,
		     struct lf_error *err)
{
	return config_parse(s, strlen(s), cfg, err);
}

/* config_parse must fail with exactly rc and msg, leaving cfg alone. */
static void expect_error(const char *buf, size_t len, int rc,
			 const char *msg)
{
	struct lf_config cfg = sentinel;
	struct lf_error err = { 0 };
	int got = config_parse(buf, len, &cfg, &err);

	if (got != rc)
		fail_msg("config_parse(\"%.*s\") = %d (%s), expected %d",
			 (int)len, buf, got, err.msg, rc);
	assert_int_equal(err.code, -rc);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("config_parse(\"%.*s\"):\n got  %s\n want %s",
			 (int)len, buf, err.msg, msg);
	assert_memory_equal(&cfg, &sentinel, sizeof(cfg));
}

static void expect_error_str(const char *buf, const char *msg)
{
	expect_error(buf, strlen(buf), -EINVAL, msg);
}

static void test_defaults(void **state)
{
	struct lf_config cfg;

	(void)state;
	assert_int_equal(config_defaults(&cfg, NULL), 0);
	assert_int_equal(cfg.stale_seconds, 900);
	assert_int_equal(cfg.durability, DURABILITY_RENAME);
	assert_true(nameset_contains(cfg.names, "Chapter_01"));
	assert_true(nameset_contains(cfg.names, "ProjectConfig"));
	assert_false(nameset_contains(cfg.names, "Chapter_00"));
	config_free(&cfg);
	assert_null(cfg.names);
	config_free(&cfg);
}

static void test_parse_empty(void **state)
{
	static const char *const empties[] = {
		"", "\n", "\n\n\n", "# only a comment\n", "   \t  \n",
		"\r\n", "  # indented comment", "#",
	};
	struct lf_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		assert_int_equal(parse_str(empties[i], &cfg, NULL), 0);
		assert_int_equal(cfg.stale_seconds, STALE_SECONDS_DEFAULT);
		assert_int_equal(cfg.durability, DURABILITY_RENAME);
		assert_true(nameset_contains(cfg.names, "Chapter_99"));
		config_free(&cfg);
	}
	assert_int_equal(config_parse(NULL, 0, &cfg, NULL), 0);
	assert_int_equal(cfg.stale_seconds, STALE_SECONDS_DEFAULT);
	config_free(&cfg);
}

static void test_parse_example(void **state)
{
	struct lf_config cfg;
	struct lf_error err = { 0 };

	(void)state;
	assert_int_equal(parse_str(example, &cfg, &err), 0);
	assert_int_equal(err.code, 0);
	assert_int_equal(cfg.stale_seconds, 900);
	assert_int_equal(cfg.durability, DURABILITY_FILE);
	assert_true(nameset_contains(cfg.names, "Chapter_03"));
	assert_true(nameset_contains(cfg.names, "Appendix_A"));
	assert_true(nameset_contains(cfg.names, "ImageRegistry_Chapter_07"));
	assert_false(nameset_contains(cfg.names, "ImageRegistry_Chapter_7"));
	assert_false(nameset_contains(cfg.names, "Appendix_B"));
	config_free(&cfg);
}

static void test_parse_values(void **state)
{
	struct lf_config cfg;

	(void)state;
	assert_int_equal(parse_str("stale_seconds=1\ndurability=rename", &cfg,
				   NULL), 0);
	assert_int_equal(cfg.stale_seconds, 1);
	assert_int_equal(cfg.durability, DURABILITY_RENAME);
	config_free(&cfg);
	assert_int_equal(parse_str("\tstale_seconds\t=\t604800\t\n"
				   "durability = full\n", &cfg, NULL), 0);
	assert_int_equal(cfg.stale_seconds, 604800);
	assert_int_equal(cfg.durability, DURABILITY_FULL);
	config_free(&cfg);
	assert_int_equal(parse_str("stale_seconds = 0000300\n", &cfg, NULL), 0);
	assert_int_equal(cfg.stale_seconds, 300);
	config_free(&cfg);
	assert_int_equal(parse_str("default_names = true\n", &cfg, NULL), 0);
	assert_true(nameset_contains(cfg.names, "FrontMatter"));
	config_free(&cfg);
}

static void test_parse_line_endings(void **state)
{
	struct lf_config cfg;

	(void)state;
	/* CRLF, and a last line without its newline */
	assert_int_equal(parse_str("stale_seconds = 60\r\n"
				   "durability = full\r\n"
				   "resource = Extra_1", &cfg, NULL), 0);
	assert_int_equal(cfg.stale_seconds, 60);
	assert_int_equal(cfg.durability, DURABILITY_FULL);
	assert_true(nameset_contains(cfg.names, "Extra_1"));
	config_free(&cfg);
	assert_int_equal(parse_str("resource = Extra_2\r", &cfg, NULL), 0);
	assert_true(nameset_contains(cfg.names, "Extra_2"));
	config_free(&cfg);
}

/* Some editors start a UTF-8 file with a byte order mark: it is skipped,
 * only at the very start. */
static void test_byte_order_mark(void **state)
{
	struct lf_config cfg;

	(void)state;
	assert_int_equal(parse_str("\xef\xbb\xbfstale_seconds = 60\n", &cfg, NULL), 0);
	assert_int_equal(cfg.stale_seconds, 60);
	config_free(&cfg);
	assert_int_equal(parse_str("\xef\xbb\xbf", &cfg, NULL), 0);
	assert_int_equal(cfg.stale_seconds, STALE_SECONDS_DEFAULT);
	config_free(&cfg);
	expect_error_str("stale_seconds = 60\n\xef\xbb\xbf" "durability = full\n",
			 "config line 2: unknown key \"\xef\xbb\xbf" "durability\" "
			 "(known: " KNOWN ")");
}

static void test_replace_defaults(void **state)
{
	static const char *const orders[] = {
		"default_names = no\nresource = Appendix_A\n"
		"resource = Part_[1-3]\n",
		"resource = Appendix_A\nresource = Part_[1-3]\n"
		"default_names = no\n",
		"resource = Appendix_A\ndefault_names = false\n"
		"resource = Part_[1-3]\n",
	};
	struct lf_config cfg;
	char out[NAME_MAX_LEN + 1];

	(void)state;
	/* default_names may come before, between or after resource lines */
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		assert_int_equal(parse_str(orders[i], &cfg, NULL), 0);
		assert_true(nameset_contains(cfg.names, "Appendix_A"));
		assert_true(nameset_contains(cfg.names, "Part_2"));
		assert_false(nameset_contains(cfg.names, "Part_4"));
		assert_false(nameset_contains(cfg.names, "Chapter_01"));
		assert_false(nameset_contains(cfg.names, "FrontMatter"));
		assert_true(nameset_nearest(cfg.names, "part_4", out,
					    sizeof(out)));
		assert_string_equal(out, "Part_1");
		config_free(&cfg);
	}
}

static void test_extend_defaults_order(void **state)
{
	struct lf_config cfg;
	char out[NAME_MAX_LEN + 1];

	(void)state;
	/* the defaults come first in the set even when default_names is
	 * written last, so ties still go to them */
	assert_int_equal(parse_str("resource = Chapter_A0\n"
				   "default_names = yes\n", &cfg, NULL), 0);
	assert_true(nameset_nearest(cfg.names, "Chapter_X0", out,
				    sizeof(out)));
	assert_string_equal(out, "Chapter_10");
	assert_true(nameset_contains(cfg.names, "Chapter_A0"));
	config_free(&cfg);
}

static void test_key_errors(void **state)
{
	(void)state;
	expect_error_str("stale_seconds = 900\nstale_secs = 60\n",
			 "config line 2: unknown key \"stale_secs\" (known: "
			 KNOWN ")");
	expect_error_str("Stale_Seconds = 60\n",
			 "config line 1: unknown key \"Stale_Seconds\" (known: "
			 KNOWN ")");
	expect_error_str("stale seconds = 60\n",
			 "config line 1: unknown key \"stale seconds\" (known: "
			 KNOWN ")");
	expect_error_str("\n\n# x\nstale_seconds 60\n",
			 "config line 4: expected \"key = value\", not "
			 "\"stale_seconds 60\"");
	expect_error_str("resource\n",
			 "config line 1: expected \"key = value\", not "
			 "\"resource\"");
	expect_error_str(" = 60\n", "config line 1: no key before '='");
	expect_error_str("stale_seconds =\n",
			 "config line 1: stale_seconds needs a value");
	expect_error_str("resource = # Appendix_A\n",
			 "config line 1: resource needs a value");
	expect_error_str("durability=   \n",
			 "config line 1: durability needs a value");
}

static void test_value_errors(void **state)
{
	static const char *const stale[] = {
		"0", "604801", "-5", "+5", "9 00", "900s", "15m", "0x10",
		"99999999999999999999999", "1e3", "900.0", "\xef\xbc\x99",
		"18446744073709552516",		/* 2^64 + 900 */
	};
	char buf[128], msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
		snprintf(buf, sizeof(buf), "stale_seconds = %s\n", stale[i]);
		snprintf(msg, sizeof(msg), "config line 1: stale_seconds must "
			 "be a whole number from 1 to 604800, not \"%s\"",
			 stale[i]);
		expect_error_str(buf, msg);
	}
	expect_error_str("default_names = maybe\n",
			 "config line 1: default_names must be yes, no, true "
			 "or false, not \"maybe\"");
	expect_error_str("default_names = Yes\n",
			 "config line 1: default_names must be yes, no, true "
			 "or false, not \"Yes\"");
	expect_error_str("default_names = 1\n",
			 "config line 1: default_names must be yes, no, true "
			 "or false, not \"1\"");
	expect_error_str("durability = fsync\n",
			 "config line 1: durability must be rename, file or "
			 "full, not \"fsync\"");
	expect_error_str("durability = FULL\n",
			 "config line 1: durability must be rename, file or "
			 "full, not \"FULL\"");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	expect_error_str("stale_seconds = 900\n\nstale_seconds = 900\n",
			 "config line 3: stale_seconds is already set on "
			 "line 1");
	expect_error_str("default_names = yes\ndefault_names = no\n",
			 "config line 2: default_names is already set on "
			 "line 1");
	expect_error_str("durability = file\n#\ndurability = full\n",
			 "config line 3: durability is already set on line 1");
}

static void test_resource_errors(void **state)
{
	struct lf_config cfg;

	(void)state;
	expect_error_str("resource = Chapter 3\n",
			 "config line 1: bad resource name \"Chapter 3\": ' ' "
			 "at position 8 is not allowed (use A-Z a-z 0-9 _ -, "
			 "and [...] for a class)");
	expect_error_str("stale_seconds = 60\nresource = X_[0-9\n",
			 "config line 2: bad resource name \"X_[0-9\": '[' at "
			 "position 3 is never closed");
	expect_error_str("resource = a[9-0]\n",
			 "config line 1: bad resource name \"a[9-0]\": range "
			 "'9-0' at position 3 is backwards");
	expect_error_str("resource = -x\n",
			 "config line 1: bad resource name \"-x\": a name may "
			 "not start with '-'");
	expect_error_str("resource = ../etc\n",
			 "config line 1: bad resource name \"../etc\": '.' at "
			 "position 1 is not allowed (use A-Z a-z 0-9 _ -, and "
			 "[...] for a class)");
	/* errors are reported in file order, resource lines included */
	expect_error_str("resource = a b\nbogus = 1\n",
			 "config line 1: bad resource name \"a b\": ' ' at "
			 "position 2 is not allowed (use A-Z a-z 0-9 _ -, and "
			 "[...] for a class)");
	/* a repeated resource is harmless */
	assert_int_equal(parse_str("resource = X\nresource = X\n"
				   "resource = Chapter_07\n", &cfg, NULL), 0);
	assert_true(nameset_contains(cfg.names, "X"));
	config_free(&cfg);
}

static void test_empty_nameset(void **state)
{
	(void)state;
	expect_error_str("# only the chapters I list\ndefault_names = no\n",
			 "config line 2: default_names = no, but no resource "
			 "lines: nothing could be locked");
}

/* A byte string and its length, NULs included. */
#define CASE(s, m) { s, sizeof(s) - 1, m }

static void test_bad_bytes(void **state)
{
	static const struct {
		const char *buf;
		size_t len;
		const char *msg;
	} cases[] = {
		CASE("resource = A\0B\n",
		     "config line 1: NUL byte at column 13"),
		CASE("# \xff\n",
		     "config line 1: byte 0xff at column 3 is not printable "
		     "UTF-8"),
		CASE("\n# \xc0\xaf overlong\n",
		     "config line 2: byte 0xc0 at column 3 is not printable "
		     "UTF-8"),
		CASE("# \xe0\x80\xaf overlong\n",
		     "config line 1: byte 0xe0 at column 3 is not printable "
		     "UTF-8"),
		CASE("# \xed\xa0\x80 surrogate\n",
		     "config line 1: byte 0xed at column 3 is not printable "
		     "UTF-8"),
		CASE("# \xf4\x90\x80\x80 too big\n",
		     "config line 1: byte 0xf4 at column 3 is not printable "
		     "UTF-8"),
		CASE("# \xe2\x82",
		     "config line 1: byte 0xe2 at column 3 is not printable "
		     "UTF-8"),
		CASE("# \xe2\x82x\n",
		     "config line 1: byte 0xe2 at column 3 is not printable "
		     "UTF-8"),
		CASE("# \x80\n",
		     "config line 1: byte 0x80 at column 3 is not printable "
		     "UTF-8"),
		CASE("# \xc2\x85 NEL\n",
		     "config line 1: byte 0xc2 at column 3 is not printable "
		     "UTF-8"),
		CASE("stale_seconds = 60\x01\n",
		     "config line 1: byte 0x01 at column 19 is not printable "
		     "UTF-8"),
		CASE("# \x1b[31m\n",
		     "config line 1: byte 0x1b at column 3 is not printable "
		     "UTF-8"),
		CASE("# \x7f\n",
		     "config line 1: byte 0x7f at column 3 is not printable "
		     "UTF-8"),
		CASE("stale_seconds = 60\rdurability = full\n",
		     "config line 1: byte 0x0d at column 19 is not printable "
		     "UTF-8"),
		CASE("\r\r\n",
		     "config line 1: byte 0x0d at column 1 is not printable "
		     "UTF-8"),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].buf, cases[i].len, -EINVAL, cases[i].msg);
}

static void test_utf8_comments(void **state)
{
	struct lf_config cfg;

	(void)state;
	/* printable UTF-8 is fine where it cannot change a value */
	assert_int_equal(parse_str("# Kapitel f\xc3\xbcr \xe2\x80\x9c"
				   "Anh\xc3\xa4nge\xe2\x80\x9d \xf0\x9f\x93"
				   "\x96\nresource = Appendix_A # \xc3\xa9\n",
				   &cfg, NULL), 0);
	assert_true(nameset_contains(cfg.names, "Appendix_A"));
	config_free(&cfg);
	/* but not in a name */
	expect_error_str("resource = Anh\xc3\xa4nge\n",
			 "config line 1: bad resource name \"Anh??nge\": 0xc3 "
			 "at position 4 is not allowed (use A-Z a-z 0-9 _ -, "
			 "and [...] for a class)");
	expect_error_str("stale_seconds = \xc3\xa9t\xc3\xa9\n",
			 "config line 1: stale_seconds must be a whole number "
			 "from 1 to 604800, not \"\xc3\xa9t\xc3\xa9\"");
}

static void test_long_lines(void **state)
{
	char *buf = malloc(4096);
	struct lf_config cfg;

	(void)state;
	if (!buf)
		abort();	/* gcc cannot see that a failed assert_non_null does not return */
	/* 1024 bytes is the limit, CR and LF not counted */
	buf[0] = '#';
	memset(buf + 1, 'x', 1023);
	strcpy(buf + 1024, "\r\nstale_seconds = 5\n");
	assert_int_equal(parse_str(buf, &cfg, NULL), 0);
	assert_int_equal(cfg.stale_seconds, 5);
	config_free(&cfg);
	strcpy(buf + 1024, "x\nstale_seconds = 5\n");
	expect_error_str(buf, "config line 1: longer than 1024 bytes");
	strcpy(buf, "durability = full\n#");
	memset(buf + 19, 'x', 2000);
	buf[2019] = '\0';
	expect_error_str(buf, "config line 2: longer than 1024 bytes");
	/* a 1000-byte value is cut short in the message */
	strcpy(buf, "durability = ");
	memset(buf + 13, 'y', 1000);
	buf[1013] = '\0';
	expect_error_str(buf, "config line 1: durability must be rename, "
			 "file or full, not \"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
			 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"");
	free(buf);
}

static void test_cut_keeps_utf8_whole(void **state)
{
	char buf[256], msg[256];
	size_t n;

	(void)state;
	/* 59 ASCII bytes then a 2-byte character straddling the cut at 60 */
	strcpy(buf, "durability = ");
	n = strlen(buf);
	memset(buf + n, 'z', 59);
	strcpy(buf + n + 59, "\xc3\xa9zz\n");
	snprintf(msg, sizeof(msg), "config line 1: durability must be "
		 "rename, file or full, not \"%.59s\"", buf + n);
	expect_error_str(buf, msg);
}

static void test_too_big(void **state)
{
	size_t len = CONFIG_MAX_BYTES + 1;
	char *buf = malloc(len);
	struct lf_config cfg;

	(void)state;
	if (!buf)
		abort();	/* gcc cannot see that a failed assert_non_null does not return */
	memset(buf, '\n', len);
	expect_error(buf, len, -EFBIG, "config: larger than 65536 bytes");
	/* exactly the limit is fine */
	assert_int_equal(config_parse(buf, len - 1, &cfg, NULL), 0);
	config_free(&cfg);
	free(buf);
}

static void test_many_resources(void **state)
{
	size_t cap = CONFIG_MAX_BYTES, len = 0;
	char *buf = malloc(cap);
	struct lf_config cfg;
	int i;

	(void)state;
	if (!buf)
		abort();	/* gcc cannot see that a failed assert_non_null does not return */
	for (i = 0; len + 32 < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len,
					"resource = Note_%05d\n", i);
	assert_int_equal(config_parse(buf, len, &cfg, NULL), 0);
	assert_true(nameset_contains(cfg.names, "Note_00000"));
	assert_true(nameset_contains(cfg.names, "Chapter_01"));
	{
		char name[32];

		snprintf(name, sizeof(name), "Note_%05d", i - 1);
		assert_true(nameset_contains(cfg.names, name));
	}
	config_free(&cfg);
	free(buf);
}

static void test_free_zeroed(void **state)
{
	struct lf_config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	config_free(&cfg);
	config_free(NULL);
	assert_null(cfg.names);
}

/* Every etcd key, with the values a real cluster would have. */
static const char etcd_example[] =
	"backend = etcd\n"
	"etcd_endpoints =  https://10.0.0.5:2379 ,https://etcd-b.example:2379/,"
	"\thttps://[fd00::7]:2379\n"
	"etcd_prefix = /lockfs/my-book\n"
	"etcd_cacert = certs/ca.pem\n"
	"etcd_cert = /etc/lockfs/me.pem\n"
	"etcd_key = ../keys/me key.pem   # blanks inside are kept\n"
	"etcd_user = book\n"
	"etcd_password_file = /etc/lockfs/password\n"
	"etcd_connect_timeout_ms = 50\n"
	"etcd_request_timeout_ms = 600000\n"
	"etcd_lease_seconds = 3600\n";

static void expect_etcd_defaults(const struct lf_config *cfg)
{
	assert_int_equal(cfg->backend, BACKEND_FILE);
	assert_int_equal(cfg->etcd.n_endpoints, 0);
	assert_null(cfg->etcd.endpoints[0]);
	assert_null(cfg->etcd.prefix);
	assert_null(cfg->etcd.cacert);
	assert_null(cfg->etcd.cert);
	assert_null(cfg->etcd.key);
	assert_null(cfg->etcd.user);
	assert_null(cfg->etcd.password_file);
	assert_int_equal(cfg->etcd.connect_timeout_ms, 2000);
	assert_int_equal(cfg->etcd.request_timeout_ms, 5000);
	assert_int_equal(cfg->etcd.lease_seconds, 10);
}

static void test_etcd_defaults(void **state)
{
	struct lf_config cfg;

	(void)state;
	assert_int_equal(config_defaults(&cfg, NULL), 0);
	expect_etcd_defaults(&cfg);
	config_free(&cfg);
	assert_int_equal(parse_str(example, &cfg, NULL), 0);
	expect_etcd_defaults(&cfg);
	config_free(&cfg);
	assert_int_equal(parse_str("backend = file\n", &cfg, NULL), 0);
	expect_etcd_defaults(&cfg);
	config_free(&cfg);
}

static void test_etcd_example(void **state)
{
	struct lf_config cfg;
	struct lf_error err = { 0 };

	(void)state;
	assert_int_equal(parse_str(etcd_example, &cfg, &err), 0);
	assert_int_equal(cfg.backend, BACKEND_ETCD);
	assert_int_equal(cfg.etcd.n_endpoints, 3);
	assert_string_equal(cfg.etcd.endpoints[0], "https://10.0.0.5:2379");
	assert_string_equal(cfg.etcd.endpoints[1], "https://etcd-b.example:2379");
	assert_string_equal(cfg.etcd.endpoints[2], "https://[fd00::7]:2379");
	assert_null(cfg.etcd.endpoints[3]);
	assert_string_equal(cfg.etcd.prefix, "/lockfs/my-book/");
	assert_string_equal(cfg.etcd.cacert, "certs/ca.pem");
	assert_string_equal(cfg.etcd.cert, "/etc/lockfs/me.pem");
	assert_string_equal(cfg.etcd.key, "../keys/me key.pem");
	assert_string_equal(cfg.etcd.user, "book");
	assert_string_equal(cfg.etcd.password_file, "/etc/lockfs/password");
	assert_int_equal(cfg.etcd.connect_timeout_ms, 50);
	assert_int_equal(cfg.etcd.request_timeout_ms, 600000);
	assert_int_equal(cfg.etcd.lease_seconds, 3600);
	/* the rest of the file keeps its defaults */
	assert_int_equal(cfg.stale_seconds, 900);
	assert_true(nameset_contains(cfg.names, "Chapter_01"));
	config_free(&cfg);
	assert_int_equal(cfg.etcd.n_endpoints, 0);
	assert_null(cfg.etcd.endpoints[0]);
	assert_null(cfg.etcd.prefix);
	assert_null(cfg.etcd.key);
	config_free(&cfg);
}

static void test_etcd_values(void **state)
{
	struct lf_config cfg;

	(void)state;
	/* the smallest etcd file; a prefix keeps its "/", a plain host
	 * needs no port, http:// is fine without TLS files */
	assert_int_equal(parse_str("etcd_prefix = /b/\nbackend=etcd\n"
				   "etcd_endpoints=http://localhost\n", &cfg,
				   NULL), 0);
	assert_int_equal(cfg.backend, BACKEND_ETCD);
	assert_int_equal(cfg.etcd.n_endpoints, 1);
	assert_string_equal(cfg.etcd.endpoints[0], "http://localhost");
	assert_string_equal(cfg.etcd.prefix, "/b/");
	assert_int_equal(cfg.etcd.connect_timeout_ms, 2000);
	config_free(&cfg);
	assert_int_equal(parse_str("etcd_prefix = /\n"
				   "etcd_endpoints = http://127.0.0.1:1/\n"
				   "etcd_connect_timeout_ms = 60000\n"
				   "etcd_request_timeout_ms = 100\n"
				   "etcd_lease_seconds = 2\n"
				   "etcd_user = \xc3\xa9" "diteur\n", &cfg, NULL),
			 0);
	assert_string_equal(cfg.etcd.prefix, "/");
	assert_string_equal(cfg.etcd.endpoints[0], "http://127.0.0.1:1");
	assert_int_equal(cfg.etcd.connect_timeout_ms, 60000);
	assert_int_equal(cfg.etcd.request_timeout_ms, 100);
	assert_int_equal(cfg.etcd.lease_seconds, 2);
	assert_string_equal(cfg.etcd.user, "\xc3\xa9" "diteur");
	config_free(&cfg);
	assert_int_equal(parse_str("etcd_prefix = /p/q!~\n", &cfg, NULL), 0);
	assert_string_equal(cfg.etcd.prefix, "/p/q!~/");
	config_free(&cfg);
}

/* With backend = file the etcd keys are kept, and none is required. */
static void test_etcd_with_file_backend(void **state)
{
	struct lf_config cfg;

	(void)state;
	assert_int_equal(parse_str("backend = file\n"
				   "etcd_endpoints = https://a:2379\n"
				   "etcd_cacert = ca.pem\n", &cfg, NULL), 0);
	assert_int_equal(cfg.backend, BACKEND_FILE);
	assert_int_equal(cfg.etcd.n_endpoints, 1);
	assert_string_equal(cfg.etcd.cacert, "ca.pem");
	assert_null(cfg.etcd.prefix);
	config_free(&cfg);
	assert_int_equal(parse_str("etcd_user = u\netcd_lease_seconds = 5\n",
				   &cfg, NULL), 0);
	assert_int_equal(cfg.backend, BACKEND_FILE);
	assert_string_equal(cfg.etcd.user, "u");
	assert_int_equal(cfg.etcd.lease_seconds, 5);
	config_free(&cfg);
}

static void test_etcd_backend_errors(void **state)
{
	(void)state;
	expect_error_str("backend = consul\n", "config line 1: backend must "
			 "be file or etcd, not \"consul\"");
	expect_error_str("\nbackend = Etcd\n", "config line 2: backend must "
			 "be file or etcd, not \"Etcd\"");
	expect_error_str("backend =\n", "config line 1: backend needs a value");
	expect_error_str("# shared\nbackend = etcd\netcd_prefix = /b/\n",
			 "config line 2: backend = etcd needs etcd_endpoints");
	expect_error_str("etcd_endpoints = http://a:1\n\n\nbackend = etcd\n",
			 "config line 4: backend = etcd needs etcd_prefix");
	expect_error_str("backend = etcd\n",
			 "config line 1: backend = etcd needs etcd_endpoints");
}

static void test_etcd_endpoint_errors(void **state)
{
	static const struct {
		const char *val, *msg;
	} cases[] = {
		{ "10.0.0.5:2379", "\"10.0.0.5:2379\" must start with http:// "
		  "or https://" },
		{ "ftp://a:1", "\"ftp://a:1\" must start with http:// or "
		  "https://" },
		{ "HTTPS://a:1", "\"HTTPS://a:1\" must start with http:// or "
		  "https://" },
		{ "https://", "\"https://\" must start with http:// or "
		  "https://" },
		{ "https:///", "\"https:///\" has no valid host (a name, an "
		  "IPv4 address or [an IPv6 address])" },
		{ "https://a:1/v3", "\"https://a:1/v3\" has a path; write "
		  "scheme://host[:port]" },
		{ "https://a:1//", "\"https://a:1//\" has a path; write "
		  "scheme://host[:port]" },
		{ "https://a/b/", "\"https://a/b/\" has a path; write "
		  "scheme://host[:port]" },
		{ "https://:2379", "\"https://:2379\" has no valid host (a name, "
		  "an IPv4 address or [an IPv6 address])" },
		{ "https://user@a:1", "\"https://user@a:1\" has no valid host "
		  "(a name, an IPv4 address or [an IPv6 address])" },
		{ "https://a_b:1", "\"https://a_b:1\" has no valid host (a name, "
		  "an IPv4 address or [an IPv6 address])" },
		{ "https://-a:1", "\"https://-a:1\" has no valid host (a name, "
		  "an IPv4 address or [an IPv6 address])" },
		{ "https://fd00::7:1", "\"https://fd00::7:1\" has a bad port "
		  "(1 to 65535)" },
		{ "https://[fd00::7:1", "\"https://[fd00::7:1\" has no valid "
		  "host (a name, an IPv4 address or [an IPv6 address])" },
		{ "https://[]:1", "\"https://[]:1\" has no valid host (a name, "
		  "an IPv4 address or [an IPv6 address])" },
		{ "https://a b:1", "\"https://a b:1\" has no valid host (a "
		  "name, an IPv4 address or [an IPv6 address])" },
		{ "https://a:", "\"https://a:\" has a bad port (1 to 65535)" },
		{ "https://a:0", "\"https://a:0\" has a bad port (1 to 65535)" },
		{ "https://a:65536", "\"https://a:65536\" has a bad port (1 to "
		  "65535)" },
		{ "https://a:99999999999999999999", "\"https://a:"
		  "99999999999999999999\" has a bad port (1 to 65535)" },
		{ "https://a:2379x", "\"https://a:2379x\" has a bad port (1 to "
		  "65535)" },
		{ "https://a:+1", "\"https://a:+1\" has a bad port (1 to "
		  "65535)" },
		{ "https://a:1?x=1", "\"https://a:1?x=1\" has a bad port (1 to "
		  "65535)" },
		{ "https://a:1,", "entry 2 is empty" },
		{ ",https://a:1", "entry 1 is empty" },
		{ "https://a:1, ,https://b:1", "entry 2 is empty" },
		{ "https://a:1,,https://b:1", "entry 2 is empty" },
		{ "https://a:1, https://b:1, https://a:1/",
		  "\"https://a:1/\" is listed twice" },
		{ "https://A:1, https://a:1", "\"https://a:1\" is listed "
		  "twice" },
	};
	char buf[256], msg[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "etcd_prefix = /x/\n"
			 "etcd_endpoints = %s\n", cases[i].val);
		snprintf(msg, sizeof(msg), "config line 2: etcd_endpoints: %s",
			 cases[i].msg);
		expect_error_str(buf, msg);
	}
	expect_error_str("etcd_endpoints = https://a:1, http://b:1\n",
			 "config line 1: etcd_endpoints mixes http:// and "
			 "https://");
	expect_error_str("etcd_endpoints = http://a:1,https://b:1\n",
			 "config line 1: etcd_endpoints mixes http:// and "
			 "https://");
	expect_error_str("etcd_endpoints =  \n",
			 "config line 1: etcd_endpoints needs a value");
}

static void test_etcd_endpoint_count(void **state)
{
	char buf[1024];
	size_t len;
	struct lf_config cfg;
	int i;

	(void)state;
	len = (size_t)snprintf(buf, sizeof(buf), "etcd_endpoints = ");
	for (i = 1; i <= CONFIG_ETCD_MAX_ENDPOINTS; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%shttp://"
					"10.0.0.%d:2379", i > 1 ? "," : "", i);
	assert_int_equal(parse_str(buf, &cfg, NULL), 0);
	assert_int_equal(cfg.etcd.n_endpoints, 16);
	assert_string_equal(cfg.etcd.endpoints[15], "http://10.0.0.16:2379");
	config_free(&cfg);
	snprintf(buf + len, sizeof(buf) - len, ", http://10.0.0.17:2379\n");
	expect_error_str(buf, "config line 1: etcd_endpoints: more than 16 "
			 "endpoints");
}

static void test_etcd_prefix_errors(void **state)
{
	(void)state;
	expect_error_str("etcd_prefix = lockfs/book/\n",
			 "config line 1: etcd_prefix must start with \"/\", "
			 "not \"lockfs/book/\"");
	expect_error_str("\netcd_prefix = /my book/\n",
			 "config line 2: etcd_prefix must be printable ASCII "
			 "without blanks, not \"/my book/\"");
	expect_error_str("etcd_prefix = /my\tbook/\n",
			 "config line 1: etcd_prefix must be printable ASCII "
			 "without blanks, not \"/my\tbook/\"");
	expect_error_str("etcd_prefix = /Kapitel-f\xc3\xbcr/\n",
			 "config line 1: etcd_prefix must be printable ASCII "
			 "without blanks, not \"/Kapitel-f\xc3\xbcr/\"");
	expect_error_str("etcd_prefix =\n",
			 "config line 1: etcd_prefix needs a value");
}

static void test_etcd_tls_errors(void **state)
{
	(void)state;
	expect_error_str("etcd_cacert = ~/ca.pem\n",
			 "config line 1: etcd_cacert: \"~\" is not expanded; "
			 "write \"~/ca.pem\" as an absolute path or one "
			 "relative to the project root");
	expect_error_str("etcd_cert = ~me/c.pem\netcd_key = k\n",
			 "config line 1: etcd_cert: \"~\" is not expanded; "
			 "write \"~me/c.pem\" as an absolute path or one "
			 "relative to the project root");
	expect_error_str("etcd_cert = c.pem\netcd_key = ~/k\n",
			 "config line 2: etcd_key: \"~\" is not expanded; "
			 "write \"~/k\" as an absolute path or one relative "
			 "to the project root");
	expect_error_str("# mTLS\netcd_cert = me.pem\n",
			 "config line 2: etcd_cert needs etcd_key");
	expect_error_str("etcd_cacert = ca.pem\n\netcd_key = me.key\n",
			 "config line 3: etcd_key needs etcd_cert");
	expect_error_str("etcd_cacert = ca.pem\n"
			 "etcd_endpoints = http://a:1, http://b:1\n",
			 "config line 1: etcd_cacert needs https:// endpoints, "
			 "but etcd_endpoints on line 2 are http://");
	expect_error_str("etcd_endpoints = http://a:1\netcd_key = k\n"
			 "etcd_cert = c\n",
			 "config line 3: etcd_cert needs https:// endpoints, "
			 "but etcd_endpoints on line 1 are http://");
	expect_error_str("etcd_cacert =\n",
			 "config line 1: etcd_cacert needs a value");
}

static void test_etcd_number_errors(void **state)
{
	static const struct {
		const char *key;
		unsigned min, max;
		const char *bad[6];
	} cases[] = {
		{ "etcd_connect_timeout_ms", 50, 60000,
		  { "49", "60001", "0", "2s", "-1", "1e3" } },
		{ "etcd_request_timeout_ms", 100, 600000,
		  { "99", "600001", "0", "5000ms", "+5000", "99999999999999999999" } },
		{ "etcd_lease_seconds", 2, 3600,
		  { "1", "3601", "0", "10.5", "ten", "0x10" } },
	};
	char buf[128], msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t j = 0; j < 6; j++) {
			snprintf(buf, sizeof(buf), "\n%s = %s\n", cases[i].key,
				 cases[i].bad[j]);
			snprintf(msg, sizeof(msg), "config line 2: %s must be "
				 "a whole number from %u to %u, not \"%s\"",
				 cases[i].key, cases[i].min, cases[i].max,
				 cases[i].bad[j]);
			expect_error_str(buf, msg);
		}
		snprintf(buf, sizeof(buf), "%s =\n", cases[i].key);
		snprintf(msg, sizeof(msg), "config line 1: %s needs a value",
			 cases[i].key);
		expect_error_str(buf, msg);
	}
}

static void test_etcd_duplicates(void **state)
{
	static const char *const lines[] = {
		"backend = file",
		"etcd_endpoints = https://a:1",
		"etcd_prefix = /x/",
		"etcd_cacert = ca.pem",
		"etcd_cert = c.pem",
		"etcd_key = k.pem",
		"etcd_user = u",
		"etcd_password_file = pw",
		"etcd_connect_timeout_ms = 100",
		"etcd_request_timeout_ms = 1000",
		"etcd_lease_seconds = 5",
	};
	char buf[256], msg[256], key[64];

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(key, sizeof(key), "%.*s",
			 (int)strcspn(lines[i], " "), lines[i]);
		snprintf(buf, sizeof(buf), "%s\n# again\n%s\n", lines[i],
			 lines[i]);
		snprintf(msg, sizeof(msg), "config line 3: %s is already set "
			 "on line 1", key);
		expect_error_str(buf, msg);
	}
	/* a duplicate is refused even when its value is bad */
	expect_error_str("etcd_endpoints = https://a:1\n"
			 "etcd_endpoints = ftp://b\n",
			 "config line 2: etcd_endpoints is already set on "
			 "line 1");
}

static void test_etcd_password_key(void **state)
{
	(void)state;
	/* refused with or without a value, which the message never shows */
	expect_error_str("etcd_user = u\netcd_password = hunter2\n",
			 "config line 2: etcd_password: a password never goes "
			 "in the config file; use etcd_password_file or "
			 "LOCKFS_ETCD_PASSWORD");
	expect_error_str("etcd_password =\n",
			 "config line 1: etcd_password: a password never goes "
			 "in the config file; use etcd_password_file or "
			 "LOCKFS_ETCD_PASSWORD");
	expect_error_str("etcd_password_file = pw\n",
			 "config line 1: etcd_password_file needs etcd_user");
	expect_error_str("etcd_password_file = ~/pw\n",
			 "config line 1: etcd_password_file: \"~\" is not "
			 "expanded; write \"~/pw\" as an absolute path or one "
			 "relative to the project root");
	expect_error_str("etcd_user =\n",
			 "config line 1: etcd_user needs a value");
	/* a near miss is an unknown key, and says what is known */
	expect_error_str("etcd_endpoint = https://a:1\n",
			 "config line 1: unknown key \"etcd_endpoint\" "
			 "(known: " KNOWN ")");
}

static void test_path_resolve(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(config_path_resolve("/book", "/etc/ca.pem", out,
					     sizeof(out)), 0);
	assert_string_equal(out, "/etc/ca.pem");
	assert_int_equal(config_path_resolve(NULL, "/etc/ca.pem", out,
					     sizeof(out)), 0);
	assert_string_equal(out, "/etc/ca.pem");
	assert_int_equal(config_path_resolve("/book", "certs/ca.pem", out,
					     sizeof(out)), 0);
	assert_string_equal(out, "/book/certs/ca.pem");
	assert_int_equal(config_path_resolve("/book/", "../ca.pem", out,
					     sizeof(out)), 0);
	assert_string_equal(out, "/book/../ca.pem");
	assert_int_equal(config_path_resolve("/", "ca.pem", out, sizeof(out)),
			 0);
	assert_string_equal(out, "/ca.pem");
	assert_int_equal(config_path_resolve(NULL, "ca.pem", out, sizeof(out)),
			 -EINVAL);
	/* 31 bytes fit in 32, 32 do not */
	assert_int_equal(config_path_resolve("/b", "123456789012345678901234567a",
					     out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 31);
	assert_int_equal(config_path_resolve("/b", "123456789012345678901234567ab",
					     out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(config_path_resolve("/b", "/123456789012345678901234567890ab",
					     out, sizeof(out)), -ENAMETOOLONG);
}

/* A private directory for the config_load tests. */
static int setup_dir(void **state)
{
	char *dir = strdup("/tmp/lockfs-test-config-XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int type,
			struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int teardown_dir(void **state)
{
	char *dir = *state;
	int rc = nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(dir);
	return rc;
}

static void write_file(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_load_missing(void **state)
{
	char path[512];
	struct lf_config cfg;
	struct lf_error err = { 0 };

	snprintf(path, sizeof(path), "%s/config", (char *)*state);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_int_equal(cfg.stale_seconds, 900);
	assert_int_equal(cfg.durability, DURABILITY_RENAME);
	assert_true(nameset_contains(cfg.names, "Chapter_01"));
	config_free(&cfg);
	/* a missing directory on the way is a missing file too */
	snprintf(path, sizeof(path), "%s/nope/config", (char *)*state);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	config_free(&cfg);
}

static void test_load_file(void **state)
{
	char path[512];
	struct lf_config cfg;
	struct lf_error err = { 0 };

	snprintf(path, sizeof(path), "%s/config", (char *)*state);
	write_file(path, example, strlen(example));
	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_true(nameset_contains(cfg.names, "ImageRegistry_Chapter_07"));
	config_free(&cfg);

	write_file(path, "stale_seconds = 60\ndurability = sometimes\n", 42);
	cfg = sentinel;
	assert_int_equal(config_load(path, &cfg, &err), -EINVAL);
	assert_string_equal(err.msg, "config line 2: durability must be "
			    "rename, file or full, not \"sometimes\"");
	assert_memory_equal(&cfg, &sentinel, sizeof(cfg));

	write_file(path, "", 0);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_int_equal(cfg.stale_seconds, 900);
	config_free(&cfg);
}

static void test_load_too_big(void **state)
{
	char path[512], expect[600];
	size_t len = CONFIG_MAX_BYTES + 1;
	char *buf = malloc(len);
	struct lf_config cfg = sentinel;
	struct lf_error err = { 0 };

	if (!buf)
		abort();	/* gcc cannot see that a failed assert_non_null does not return */
	memset(buf, '#', len);
	snprintf(path, sizeof(path), "%s/config", (char *)*state);
	write_file(path, buf, len);
	assert_int_equal(config_load(path, &cfg, &err), -EFBIG);
	snprintf(expect, sizeof(expect), "%s: larger than 65536 bytes", path);
	assert_string_equal(err.msg, expect);
	assert_memory_equal(&cfg, &sentinel, sizeof(cfg));
	free(buf);
}

static void test_load_not_regular(void **state)
{
	char path[512], expect[600];
	struct lf_config cfg = sentinel;
	struct lf_error err = { 0 };

	/* a directory */
	snprintf(path, sizeof(path), "%s/config", (char *)*state);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(config_load(path, &cfg, &err), -EINVAL);
	snprintf(expect, sizeof(expect), "%s: not a regular file", path);
	assert_string_equal(err.msg, expect);
	assert_int_equal(rmdir(path), 0);

	/* a FIFO with no writer: refused at once, not waited on */
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(config_load(path, &cfg, &err), -EINVAL);
	assert_string_equal(err.msg, expect);
	assert_memory_equal(&cfg, &sentinel, sizeof(cfg));
}

static void test_load_errors(void **state)
{
	char path[512], expect[600];
	struct lf_config cfg = sentinel;
	struct lf_error err = { 0 };

	/* a path through a regular file */
	snprintf(path, sizeof(path), "%s/file", (char *)*state);
	write_file(path, "x", 1);
	snprintf(path, sizeof(path), "%s/file/config", (char *)*state);
	assert_int_equal(config_load(path, &cfg, &err), -ENOTDIR);
	snprintf(expect, sizeof(expect), "%s: Not a directory", path);
	assert_string_equal(err.msg, expect);

	/* a symlink loop */
	snprintf(path, sizeof(path), "%s/loop", (char *)*state);
	assert_int_equal(symlink("loop", path), 0);
	assert_int_equal(config_load(path, &cfg, &err), -ELOOP);
	assert_non_null(strstr(err.msg, path));
	assert_memory_equal(&cfg, &sentinel, sizeof(cfg));

	/* unreadable (not testable as root, who reads anything) */
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/secret", (char *)*state);
		write_file(path, "", 0);
		assert_int_equal(chmod(path, 0), 0);
		assert_int_equal(config_load(path, &cfg, &err), -EACCES);
		snprintf(expect, sizeof(expect), "%s: Permission denied",
			 path);
		assert_string_equal(err.msg, expect);
	}
}

/* A config with a password file at path, parsed. */
static void password_config(const char *path, struct lf_config *cfg)
{
	char text[600];

	snprintf(text, sizeof(text), "etcd_user = book\n"
		 "etcd_password_file = %s\n", path);
	assert_int_equal(parse_str(text, cfg, NULL), 0);
}

static void write_secret(const char *path, const char *text, mode_t mode)
{
	write_file(path, text, strlen(text));
	assert_int_equal(chmod(path, mode), 0);
}

/* config_etcd_password must fail with rc and exactly msg. */
static void expect_password_error(const struct lf_config *cfg,
				  const char *root, int rc, const char *msg)
{
	char pw[64] = "untouched";
	struct lf_error err = { 0 };
	int got = config_etcd_password(cfg, root, pw, sizeof(pw), &err);

	if (got != rc)
		fail_msg("config_etcd_password = %d (%s), expected %d", got,
			 err.msg, rc);
	assert_int_equal(err.code, -rc);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("config_etcd_password:\n got  %s\n want %s", err.msg,
			 msg);
	assert_null(strstr(err.msg, "s3cret"));
}

static void test_password_file(void **state)
{
	const char *dir = *state;
	char path[512], msg[1200], pw[64];
	struct lf_config cfg;
	struct lf_error err = { 0 };

	assert_int_equal(unsetenv("LOCKFS_ETCD_PASSWORD"), 0);
	snprintf(path, sizeof(path), "%s/password", dir);
	password_config(path, &cfg);

	write_secret(path, "s3cret\n", 0644);
	snprintf(msg, sizeof(msg), "etcd_password_file %s: mode 0644 lets "
		 "others read or change it; make it 0600 (chmod 600 %s)", path,
		 path);
	expect_password_error(&cfg, dir, -EACCES, msg);
	assert_int_equal(chmod(path, 0620), 0);
	snprintf(msg, sizeof(msg), "etcd_password_file %s: mode 0620 lets "
		 "others read or change it; make it 0600 (chmod 600 %s)", path,
		 path);
	expect_password_error(&cfg, dir, -EACCES, msg);
	assert_int_equal(chmod(path, 0604), 0);
	snprintf(msg, sizeof(msg), "etcd_password_file %s: mode 0604 lets "
		 "others read or change it; make it 0600 (chmod 600 %s)", path,
		 path);
	expect_password_error(&cfg, dir, -EACCES, msg);

	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(config_etcd_password(&cfg, dir, pw, sizeof(pw), &err),
			 0);
	assert_string_equal(pw, "s3cret");
	/* the first line only, CRLF or none; blanks are the password's */
	write_secret(path, " s3 cret \r\nsecond line\n", 0400);
	assert_int_equal(config_etcd_password(&cfg, dir, pw, sizeof(pw), &err),
			 0);
	assert_string_equal(pw, " s3 cret ");
	write_secret(path, "s3cret", 0600);
	assert_int_equal(config_etcd_password(&cfg, dir, pw, sizeof(pw), &err),
			 0);
	assert_string_equal(pw, "s3cret");
	/* exactly what fits, and one byte more */
	assert_int_equal(config_etcd_password(&cfg, dir, pw, 7, &err), 0);
	assert_string_equal(pw, "s3cret");
	snprintf(msg, sizeof(msg), "etcd_password_file %s: the password is "
		 "longer than 5 bytes", path);
	assert_int_equal(config_etcd_password(&cfg, dir, pw, 6, &err), -EINVAL);
	assert_string_equal(err.msg, msg);

	write_secret(path, "\ns3cret\n", 0600);
	snprintf(msg, sizeof(msg), "etcd_password_file %s: the password is "
		 "empty", path);
	expect_password_error(&cfg, dir, -EINVAL, msg);
	write_file(path, "s3\0cret\n", 8);
	snprintf(msg, sizeof(msg), "etcd_password_file %s: the password holds "
		 "a NUL byte", path);
	expect_password_error(&cfg, dir, -EINVAL, msg);
	config_free(&cfg);
}

static void test_password_file_kinds(void **state)
{
	const char *dir = *state;
	char path[512], msg[1200], pw[64], *big;
	struct lf_config cfg;
	struct lf_error err = { 0 };

	assert_int_equal(unsetenv("LOCKFS_ETCD_PASSWORD"), 0);
	/* relative to the project root, not to the current directory */
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub/pw", dir);
	write_secret(path, "rel\n", 0600);
	password_config("sub/pw", &cfg);
	assert_int_equal(config_etcd_password(&cfg, dir, pw, sizeof(pw), &err),
			 0);
	assert_string_equal(pw, "rel");
	config_free(&cfg);

	/* given but missing is not "no password" */
	password_config("sub/none", &cfg);
	snprintf(msg, sizeof(msg), "etcd_password_file %s/sub/none: No such "
		 "file or directory", dir);
	expect_password_error(&cfg, dir, -EINVAL, msg);
	config_free(&cfg);

	password_config("sub", &cfg);
	snprintf(msg, sizeof(msg), "etcd_password_file %s/sub: not a regular "
		 "file", dir);
	expect_password_error(&cfg, dir, -EINVAL, msg);
	config_free(&cfg);

	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	password_config(path, &cfg);
	snprintf(msg, sizeof(msg), "etcd_password_file %s: not a regular "
		 "file", path);
	expect_password_error(&cfg, dir, -EINVAL, msg);
	config_free(&cfg);

	big = malloc(5000);
	if (!big)
		abort();	/* gcc cannot see that a failed assert_non_null does not return */
	memset(big, 'x', 5000);
	snprintf(path, sizeof(path), "%s/big", dir);
	write_file(path, big, 5000);
	free(big);
	password_config(path, &cfg);
	snprintf(msg, sizeof(msg), "etcd_password_file %s: larger than 4096 "
		 "bytes, not a password", path);
	expect_password_error(&cfg, dir, -EINVAL, msg);
	config_free(&cfg);

	/* a relative path needs the root */
	password_config("sub/pw", &cfg);
	expect_password_error(&cfg, NULL, -EINVAL, "etcd_password_file "
			      "sub/pw: relative, but no project root is "
			      "known");
	config_free(&cfg);

	/* PATH_MAX is the limit */
	big = malloc(PATH_MAX);
	if (!big)
		abort();	/* gcc cannot see that a failed assert_non_null does not return */
	memset(big, 'd', PATH_MAX - 1);
	big[PATH_MAX - 1] = '\0';
	password_config("x", &cfg);
	free(cfg.etcd.password_file);
	cfg.etcd.password_file = big;
	assert_int_equal(config_etcd_password(&cfg, dir, pw, sizeof(pw), &err),
			 -ENAMETOOLONG);
	snprintf(msg, sizeof(msg), "etcd_password_file: the path is longer "
		 "than %d bytes", PATH_MAX - 1);
	assert_string_equal(err.msg, msg);
	config_free(&cfg);
}

static void test_password_env(void **state)
{
	const char *dir = *state;
	char path[512], pw[64];
	struct lf_config cfg;
	struct lf_error err = { 0 };

	snprintf(path, sizeof(path), "%s/password", dir);
	write_secret(path, "from-file\n", 0600);
	password_config(path, &cfg);

	/* the environment wins over the file, even a broken one */
	assert_int_equal(setenv("LOCKFS_ETCD_PASSWORD", "from-env", 1), 0);
	assert_int_equal(config_etcd_password(&cfg, dir, pw, sizeof(pw), &err),
			 0);
	assert_string_equal(pw, "from-env");
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(config_etcd_password(&cfg, dir, pw, sizeof(pw), &err),
			 0);
	assert_string_equal(pw, "from-env");
	assert_int_equal(config_etcd_password(&cfg, dir, pw, 8, &err), -EINVAL);
	assert_string_equal(err.msg, "LOCKFS_ETCD_PASSWORD: the password is "
			    "longer than 7 bytes");
	assert_null(strstr(err.msg, "from-env"));

	/* set but empty counts as not set */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(setenv("LOCKFS_ETCD_PASSWORD", "", 1), 0);
	assert_int_equal(config_etcd_password(&cfg, dir, pw, sizeof(pw), &err),
			 0);
	assert_string_equal(pw, "from-file");
	config_free(&cfg);

	/* the environment alone is enough */
	assert_int_equal(setenv("LOCKFS_ETCD_PASSWORD", "only-env", 1), 0);
	assert_int_equal(parse_str("etcd_user = u\n", &cfg, NULL), 0);
	assert_int_equal(config_etcd_password(&cfg, dir, pw, sizeof(pw), &err),
			 0);
	assert_string_equal(pw, "only-env");

	/* and nothing at all is -ENOENT */
	assert_int_equal(unsetenv("LOCKFS_ETCD_PASSWORD"), 0);
	expect_password_error(&cfg, dir, -ENOENT, "no etcd password: neither "
			      "LOCKFS_ETCD_PASSWORD nor etcd_password_file is "
			      "set");
	config_free(&cfg);
}

static void test_load_etcd(void **state)
{
	char path[512];
	struct lf_config cfg = sentinel;
	struct lf_error err = { 0 };

	snprintf(path, sizeof(path), "%s/config", (char *)*state);
	write_file(path, etcd_example, strlen(etcd_example));
	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_int_equal(cfg.backend, BACKEND_ETCD);
	assert_int_equal(cfg.etcd.n_endpoints, 3);
	assert_string_equal(cfg.etcd.prefix, "/lockfs/my-book/");
	config_free(&cfg);

	cfg = sentinel;
	write_file(path, "backend = etcd\netcd_prefix = /b/\n", 33);
	assert_int_equal(config_load(path, &cfg, &err), -EINVAL);
	assert_string_equal(err.msg, "config line 1: backend = etcd needs "
			    "etcd_endpoints");
	assert_memory_equal(&cfg, &sentinel, sizeof(cfg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_example),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_line_endings),
		cmocka_unit_test(test_byte_order_mark),
		cmocka_unit_test(test_replace_defaults),
		cmocka_unit_test(test_extend_defaults_order),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_resource_errors),
		cmocka_unit_test(test_empty_nameset),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_utf8_comments),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_cut_keeps_utf8_whole),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_many_resources),
		cmocka_unit_test(test_free_zeroed),
		cmocka_unit_test(test_etcd_defaults),
		cmocka_unit_test(test_etcd_example),
		cmocka_unit_test(test_etcd_values),
		cmocka_unit_test(test_etcd_with_file_backend),
		cmocka_unit_test(test_etcd_backend_errors),
		cmocka_unit_test(test_etcd_endpoint_errors),
		cmocka_unit_test(test_etcd_endpoint_count),
		cmocka_unit_test(test_etcd_prefix_errors),
		cmocka_unit_test(test_etcd_tls_errors),
		cmocka_unit_test(test_etcd_number_errors),
		cmocka_unit_test(test_etcd_duplicates),
		cmocka_unit_test(test_etcd_password_key),
		cmocka_unit_test(test_path_resolve),
		cmocka_unit_test_setup_teardown(test_load_missing, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_file, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_too_big, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_not_regular,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_errors, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_etcd, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_password_file, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_password_file_kinds,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_password_env, setup_dir,
						teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
