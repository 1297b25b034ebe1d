/* fuzz_lockdoc.c - libFuzzer harness for the locks.json parser and printer
 * (core/lockdoc.c).
 *
 * Any document lockdoc_parse() accepts must survive what lockfs does to it
 * in every transaction: serialize, parse again, edit, serialize.  So for
 * each accepted input this checks that
 *   - the printed form parses again, has the same entries with the same
 *     fields, and prints byte-identically (round-trip stability);
 *   - appending an entry, editing it and removing it again gives back the
 *     same text (nothing lockfs does not own is lost or moved);
 *   - a take-over of entry 0 and a new fencing token are saved and read
 *     back, and tokens keep growing across the save.
 * A rejected input must come with an error as error.h describes it.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lockdoc.h"

/* 2026-11-27T10:03:00Z and 15 minutes later: fixed, so runs repeat. */
#define T_ACQUIRE ((time_t)1795773780)
#define T_RENEW ((time_t)1795774680)

/* libFuzzer's entry point; declared because the project builds with
 * -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An entry the way lockfs writes a fresh one: every optional field set. */
static const struct lock_fields probe = {
	.instance = "FUZZ-PROBE",
	.timestamp = T_ACQUIRE,
	.acquired = T_ACQUIRE,
	.token = 42,
	.pid = 4242,
	.start_time = 8123456,
	.host = "fuzzhost",
	.uid = 1000,
	.note = "rewriting the intro",
};

/* A holder lockfs knows little about, so that replacing an entry also
 * deletes optional fields rather than only overwriting them. */
static const struct lock_fields bare = {
	.instance = "Codex-0123abcd",
	.timestamp = T_RENEW,
	.acquired = T_RENEW,
	.token = 43,
	.uid = -1,
};

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* What lockdoc.h guarantees of every entry of a parsed document. */
static void check_entry_sane(const struct lock_entry *e)
{
	CHECK(e->resource != NULL);
	CHECK(!e->ts_ok || e->timestamp != NULL);
	CHECK(e->token >= 0);
	CHECK(e->pid >= 0);
	CHECK(e->uid >= -1);
}

static void check_same_entry(const struct lock_entry *a,
			     const struct lock_entry *b)
{
	CHECK(same_str(a->resource, b->resource));
	CHECK(same_str(a->instance, b->instance));
	CHECK(same_str(a->timestamp, b->timestamp));
	CHECK(a->ts_ok == b->ts_ok);
	CHECK(!a->ts_ok || a->ts == b->ts);
	CHECK(same_str(a->acquired, b->acquired));
	CHECK(a->token == b->token);
	CHECK(a->pid == b->pid);
	CHECK(a->start_time == b->start_time);
	CHECK(same_str(a->host, b->host));
	CHECK(a->uid == b->uid);
	CHECK(same_str(a->note, b->note));
	CHECK(same_str(a->problem, b->problem));
}

/* Entry i as lockdoc_append() or lockdoc_take() wrote it from f. */
static void check_written(const struct lockdoc *doc, size_t i,
			  const struct lock_fields *f)
{
	struct lock_entry e;

	lockdoc_entry(doc, i, &e);
	check_entry_sane(&e);
	CHECK(strcmp(e.instance, f->instance) == 0);
	CHECK(e.ts_ok && e.ts == f->timestamp);
	CHECK(e.token == f->token);
	CHECK(e.pid == f->pid);
	CHECK(e.start_time == (f->pid > 0 ? f->start_time : 0));
	CHECK(same_str(e.host, f->host));
	CHECK(e.uid == f->uid);
	CHECK(same_str(e.note, f->note));
}

static char *serialize(const struct lockdoc *doc, size_t *len)
{
	char *text = lockdoc_serialize(doc, len);

	CHECK(text != NULL);
	CHECK(strlen(text) == *len);
	CHECK(*len > 0 && text[*len - 1] == '\n');
	return text;
}

/* Printed text must read back as the same document: every accepted store
 * is rewritten by each transaction, and a store that changed meaning (or
 * became unreadable) on rewrite would lose locks. */
static struct lockdoc *reparse(const struct lockdoc *doc, const char *text,
			       size_t len)
{
	struct lockdoc *again;
	struct lf_error err = { 0 };
	struct lock_entry a, b;
	char *text2;
	size_t len2, i;

	CHECK(lockdoc_parse(text, len, &again, &err) == 0);
	CHECK(lockdoc_count(again) == lockdoc_count(doc));
	CHECK(lockdoc_unclaimed_count(again) == lockdoc_unclaimed_count(doc));
	for (i = 0; i < lockdoc_count(doc); i++) {
		lockdoc_entry(doc, i, &a);
		lockdoc_entry(again, i, &b);
		check_entry_sane(&b);
		check_same_entry(&a, &b);
	}
	text2 = serialize(again, &len2);
	CHECK(len2 == len && memcmp(text2, text, len) == 0);
	free(text2);
	return again;
}

/* Acquire, renew, annotate, take over and release a lock of our own (of
 * a resource the document does not name yet): the rest of the document
 * must come out exactly as it went in. */
static void check_edit_round_trip(struct lockdoc *doc, const char *text,
				  size_t len)
{
	size_t n = lockdoc_count(doc), len2;
	struct lock_entry e;
	char *text2, name[32];
	unsigned k = 0;
	int rc;

	do
		snprintf(name, sizeof(name), "Chapter_%02u", ++k);
	while (lockdoc_first(doc, name, NULL));
	rc = lockdoc_append(doc, name, &probe);
	if (n >= LOCKDOC_MAX_ENTRIES) {
		CHECK(rc == -E2BIG && lockdoc_count(doc) == n);
		return;
	}
	CHECK(rc == 0);
	CHECK(lockdoc_count(doc) == n + 1);
	check_written(doc, n, &probe);
	lockdoc_entry(doc, n, &e);
	CHECK(strcmp(e.resource, name) == 0);
	CHECK(!lockdoc_is_duplicate(doc, n));

	CHECK(lockdoc_touch(doc, name, T_RENEW) == 0);
	lockdoc_entry(doc, n, &e);
	CHECK(e.ts_ok && e.ts == T_RENEW);
	CHECK(lockdoc_set_note(doc, name, NULL) == 0);
	lockdoc_entry(doc, n, &e);
	CHECK(e.note == NULL);
	CHECK(lockdoc_take(doc, name, &bare) == 0);
	CHECK(lockdoc_count(doc) == n + 1);
	check_written(doc, n, &bare);

	CHECK(lockdoc_drop(doc, name) == 1);
	CHECK(lockdoc_count(doc) == n);
	text2 = serialize(doc, &len2);
	CHECK(len2 == len && memcmp(text2, text, len) == 0);
	free(text2);
}

/* A take-over of entry 0's resource (its duplicates go) and a new
 * fencing token, saved and read back: the new holder is what the store
 * says, and the next token after the save is still larger (a token must
 * never be handed out twice). */
static void check_takeover_and_token(struct lockdoc *doc)
{
	struct lockdoc *again;
	struct lock_entry e;
	long long token;
	char *text, *name;
	size_t len, i;

	if (lockdoc_count(doc) > 0) {
		lockdoc_entry(doc, 0, &e);
		name = strdup(e.resource);
		CHECK(name != NULL);
		CHECK(lockdoc_take(doc, name, &bare) == 0);
		for (i = 1; i < lockdoc_count(doc); i++) {
			lockdoc_entry(doc, i, &e);
			CHECK(strcmp(e.resource, name) != 0);
		}
		free(name);
	}
	token = lockdoc_next_token(doc);
	if (token == -EOVERFLOW)
		return;
	CHECK(token > 0);
	for (i = 0; i < lockdoc_count(doc); i++) {
		lockdoc_entry(doc, i, &e);
		CHECK(e.token < token);
	}
	text = serialize(doc, &len);
	again = reparse(doc, text, len);
	if (lockdoc_count(again) > 0)
		check_written(again, 0, &bare);
	CHECK(lockdoc_next_token(again) ==
	      (token == LLONG_MAX ? -EOVERFLOW : token + 1));
	lockdoc_free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lockdoc *doc = NULL;
	struct lf_error err = { 0 };
	struct lock_entry e;
	char *text;
	size_t len, i;
	int rc;

	rc = lockdoc_parse((const char *)data, size, &doc, &err);
	if (rc != 0) {
		check_error(rc, &err);
		CHECK(doc == NULL);
		return 0;
	}
	for (i = 0; i < lockdoc_count(doc); i++) {
		lockdoc_entry(doc, i, &e);
		check_entry_sane(&e);
	}
	text = serialize(doc, &len);
	lockdoc_free(reparse(doc, text, len));
	check_edit_round_trip(doc, text, len);
	check_takeover_and_token(doc);
	free(text);
	lockdoc_free(doc);
	return 0;
}
