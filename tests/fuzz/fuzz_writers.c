/* fuzz_writers.c - libFuzzer harness for what lockfs WRITES: arbitrary
 * bytes as resource, instance, host, note and displaced holder go through
 * the real write paths, and what comes out must read back.
 *
 * The input is split at NUL bytes into those five values (a C string
 * cannot hold a NUL, so no value loses anything a caller could pass).
 * For each input this checks that
 *   - lockdoc_append() and lockdoc_set_note() (the note as lockops cleans
 *     it, text_one_line()) followed by lockdoc_serialize() give
 *     well-formed UTF-8 that lockdoc_parse() and cJSON (requiring the end
 *     of the text) both read, with the values lockfs promises: the same
 *     bytes where they were UTF-8, each bad byte as U+FFFD, the note on
 *     one line and cut at NOTE_MAX_LEN;
 *   - the lock file's content (lockview_json() of the entry read
 *     back) is UTF-8 and one JSON object that gives the same values;
 *   - an event log line (eventlog_append()) with those values is UTF-8
 *     and one JSON object with the cleaned values.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "eventlog.h"
#include "lockdoc.h"
#include "lockview.h"
#include "readfile.h"
#include "text.h"

#define T_ACQUIRE ((time_t)1795773780)	/* 2026-11-27T10:03:00Z */
#define NVALUES 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char dir[64], log_path[96];

static void remove_dir(void)
{
	unlink(log_path);
	rmdir(dir);
}

/* One directory for the whole run, on tmpfs where there is one. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/lockfs-fuzz-writers.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(log_path, sizeof(log_path), "%s/events.log", dir);
	atexit(remove_dir);
	return 0;
}

/* What lockfs's string writers promise for a value. */
static char *cleaned(const char *s)
{
	char *c = text_clean_dup(s, strlen(s), SIZE_MAX / 2, TEXT_KEEP_CONTROL);

	CHECK(c != NULL);
	return c;
}

/* One JSON text: well-formed UTF-8, and cJSON reads it to its end. */
static cJSON *strict_parse(const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *j;

	CHECK(text_valid_prefix(text, len) == len);
	j = cJSON_ParseWithLengthOpts(text, len, &end, false);
	CHECK(j != NULL);
	while (end < text + len && (*end == '\n' || *end == ' '))
		end++;
	CHECK(end == text + len);
	return j;
}

static void check_member(const cJSON *o, const char *key, const char *want)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!want) {
		CHECK(m == NULL || cJSON_IsNull(m));
		return;
	}
	CHECK(cJSON_IsString(m));
	CHECK(strcmp(m->valuestring, want) == 0);
}

static void check_store(const char *const v[NVALUES])
{
	struct lock_fields f = {
		.instance = v[1], .timestamp = T_ACQUIRE, .acquired = T_ACQUIRE,
		.token = 7, .pid = 4242, .start_time = 99, .host = v[2],
		.uid = 1000, .note = v[3],
	};
	char *res = cleaned(v[0]), *inst = cleaned(v[1]), *host = cleaned(v[2]),
	     *note = cleaned(v[3]), *line_note, *text, *json;
	struct lockdoc *doc = lockdoc_new(), *back = NULL;
	struct lf_error err = { 0 };
	struct lock_view view = { 0 };
	size_t len, jlen;
	cJSON *j;

	CHECK(doc != NULL);
	CHECK(lockdoc_append(doc, v[0], &f) == 0);
	text = lockdoc_serialize(doc, &len);
	CHECK(text != NULL);
	cJSON_Delete(strict_parse(text, len));
	CHECK(lockdoc_parse(text, len, &back, &err) == 0);
	lockdoc_entry(back, 0, &view.e);
	CHECK(strcmp(view.e.resource, res) == 0);
	CHECK(strcmp(view.e.instance, inst) == 0);
	CHECK(strcmp(view.e.host, host) == 0);
	CHECK(strcmp(view.e.note, note) == 0);

	json = lockview_json(&view, LOCKVIEW_FILE, &jlen);
	CHECK(json != NULL && strlen(json) == jlen);
	j = strict_parse(json, jlen);
	check_member(j, "resource", res);
	check_member(j, "instance", inst);
	check_member(j, "host", host);
	check_member(j, "note", note);
	cJSON_Delete(j);
	free(json);

	/* A note as lockops stores it: one line, cut on a boundary. */
	line_note = text_one_line(v[3], NOTE_MAX_LEN);
	CHECK(line_note != NULL);
	CHECK(strlen(line_note) <= NOTE_MAX_LEN);
	CHECK(strpbrk(line_note, "\n\r\t") == NULL);
	CHECK(lockdoc_set_note(back, res, line_note[0] ? line_note : NULL) == 0);
	free(text);
	lockdoc_free(doc);
	text = lockdoc_serialize(back, &len);
	CHECK(text != NULL);
	cJSON_Delete(strict_parse(text, len));
	lockdoc_free(back);
	CHECK(lockdoc_parse(text, len, &back, &err) == 0);
	lockdoc_entry(back, 0, &view.e);
	if (line_note[0])
		CHECK(view.e.note && strcmp(view.e.note, line_note) == 0);
	else
		CHECK(view.e.note == NULL);
	lockdoc_free(back);
	free(text);
	free(line_note);
	free(res);
	free(inst);
	free(host);
	free(note);
}

static void check_event(const char *const v[NVALUES])
{
	struct event ev = {
		.time = T_ACQUIRE, .event = "take-over", .resource = v[0],
		.instance = v[1], .token = 8, .previous = v[4],
		.previous_token = 7,
	};
	char *text = NULL, *want;
	size_t len = 0;
	cJSON *j;

	unlink(log_path);
	CHECK(eventlog_append(log_path, &ev) == 0);
	CHECK(readfile_path(log_path, 0, 1 << 20, &text, &len, NULL) == 0);
	CHECK(len > 0 && text[len - 1] == '\n');
	CHECK(memchr(text, '\n', len) == text + len - 1);
	j = strict_parse(text, len);
	want = cleaned(v[0]);
	check_member(j, "resource", want);
	free(want);
	want = cleaned(v[1]);
	check_member(j, "instance", want);
	free(want);
	want = cleaned(v[4]);
	check_member(j, "previous", want);
	free(want);
	cJSON_Delete(j);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	const char *v[NVALUES];
	size_t i, at = 0;

	CHECK(buf != NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (i = 0; i < NVALUES; i++) {
		v[i] = at <= size ? buf + at : "";
		if (at <= size)
			at += strlen(buf + at) + 1;
	}
	check_store(v);
	check_event(v);
	free(buf);
	return 0;
}
