/* fuzz_lockops.c - differential libFuzzer harness: random sequences of
 * lock operations run through lockops on a real store, against a small
 * in-memory model of the policy table (core/policy.h).
 *
 * Three callers (CLI-a, CLI-b, CLI-c; each a long-lived holder process in
 * a fake /proc, so that "holder exited" can be switched on and off) take
 * turns with acquire, create-exclusive, renew, release (each with or
 * without force), release by token, note, clear, clear of the stale ones
 * and check, on names from the default set or arbitrary bytes, with
 * arbitrary bytes as notes and as CLI-c's host name, while the clock
 * moves forward.  The model knows only the table: who holds what, with
 * which token, since when, with which note, and when a lock is stale
 * (age >= 900 s, or its holder process on this host gone).  After every
 * step the harness checks that
 *   - lockops returned what the model expects (0 or the errno of the
 *     first refusal), and granted tokens larger than any before;
 *   - locks.json is well-formed UTF-8, parses, and holds exactly the
 *     model's entries in the model's order, field by field;
 *   - the listing's stale flags are the model's;
 * and at the end that every event log line is one strict JSON object.
 * The input is read as a byte stream of operations (see step()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../fakeproc.h"
#include "check.h"
#include "isotime.h"
#include "lockops.h"
#include "names.h"
#include "project.h"
#include "store_file.h"
#include "readfile.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define T0 ((time_t)1795773780)	/* 2026-11-27T10:03:00Z */
#define STALE_S 900
#define NCALLERS 3
#define MAX_ENTRIES 16
#define MAX_STEPS 64
#define MAX_NAMES 3
#define STR_MAX 256

static const char *const known[] = {
	"Chapter_01", "Chapter_02", "FrontMatter", "ImageRegistry",
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

/* ---- the model ---- */

struct mentry {
	char name[STR_MAX];
	int who;
	long long token;
	time_t ts;
	char note[NOTE_MAX_LEN + 1];	/* "": none */
};

struct model {
	struct mentry e[MAX_ENTRIES];
	size_t n;
	long long last_token;
	time_t now;
	bool alive[NCALLERS];
	/* as stored ("" none): every bad byte of a host name becomes
	 * U+FFFD, three bytes, and the store does not cut it */
	char host[NCALLERS][3 * HOST_MAX_LEN + 1];
};

enum mstate { M_ABSENT, M_MINE, M_LIVE, M_STALE };

/* ---- the world ---- */

static char dir[64];
static char *proc_root;
static struct project *proj;
static struct nameset *defaults;
static struct holder callers[NCALLERS];
static struct model m;

struct reader {
	const uint8_t *p;
	size_t left;
};

static unsigned u8(struct reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

/* Up to 255 arbitrary bytes (a NUL ends the C string early). */
static void str(struct reader *r, char out[STR_MAX])
{
	size_t n = u8(r);

	if (n > r->left)
		n = r->left;
	memcpy(out, r->p, n);
	out[n] = '\0';
	r->p += n;
	r->left -= n;
}

static struct fake_process proc_of(int c)
{
	return (struct fake_process){
		.pid = 1001 + c, .comm = "agent", .ppid = 1, .session = 1001 + c,
		.start_time = 5000 + (unsigned long long)c,
	};
}

static void set_alive(int c, bool alive)
{
	struct fake_process fp = proc_of(c);

	if (alive)
		CHECK(fakeproc_add(proc_root, &fp) == 0);
	else
		CHECK(fakeproc_remove(proc_root, fp.pid) == 0);
	m.alive[c] = alive;
}

static void remove_world(void)
{
	project_close(proj);
	fakeproc_destroy(proc_root);
	nameset_free(defaults);
	fakeproc_remove_tree(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const inst[NCALLERS] = { "CLI-a", "CLI-b", "CLI-c" };
	struct lf_error err = { 0 };
	int c;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/lockfs-fuzz-lockops.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	CHECK(project_open(dir, true, &proj, &err) == 0);
	proc_root = fakeproc_create();
	CHECK(proc_root != NULL);
	project_set_proc_root(proj, proc_root);
	/* No fsync: the harness tests decisions, not durability. */
	store_file_set_durability(project_store(proj), DURABILITY_RENAME);
	defaults = nameset_new_default();
	CHECK(defaults != NULL);
	for (c = 0; c < NCALLERS; c++) {
		struct fake_process fp = proc_of(c);

		memset(&callers[c], 0, sizeof(callers[c]));
		snprintf(callers[c].instance, sizeof(callers[c].instance), "%s",
			 inst[c]);
		callers[c].pid = fp.pid;
		callers[c].start_time = fp.start_time;
		snprintf(callers[c].host, sizeof(callers[c].host), "%s",
			 identity_hostname());
		callers[c].uid = 1000;
	}
	atexit(remove_world);
	return 0;
}

static void reset(struct reader *r)
{
	char path[PATH_MAX], raw[STR_MAX];
	int c;

	unlink(project_path(proj, PROJECT_STORE));
	unlink(project_path(proj, PROJECT_EVENTS));
	snprintf(path, sizeof(path), "%s.1",
		 project_path(proj, PROJECT_EVENTS));
	unlink(path);
	memset(&m, 0, sizeof(m));
	m.now = T0;
	for (c = 0; c < NCALLERS; c++)
		set_alive(c, true);
	/* CLI-c's host name is the input's first string. */
	str(r, raw);
	snprintf(callers[2].host, sizeof(callers[2].host), "%s", raw);
	for (c = 0; c < NCALLERS; c++)
		text_clean(m.host[c], sizeof(m.host[c]), callers[c].host,
			   strlen(callers[c].host), TEXT_KEEP_CONTROL);
}

static struct mentry *mfind(const char *name)
{
	size_t i;

	for (i = 0; i < m.n; i++)
		if (strcmp(m.e[i].name, name) == 0)
			return &m.e[i];
	return NULL;
}

static void mremove(struct mentry *e)
{
	size_t i = (size_t)(e - m.e);

	memmove(&m.e[i], &m.e[i + 1], (m.n - i - 1) * sizeof(m.e[0]));
	m.n--;
}

static bool mstale(const struct mentry *e)
{
	bool local = m.host[e->who][0] &&
		     strcmp(m.host[e->who], identity_hostname()) == 0;

	return m.now - e->ts >= STALE_S || (local && !m.alive[e->who]);
}

static enum mstate mstate_of(const struct mentry *e, int caller)
{
	if (!e)
		return M_ABSENT;
	if (e->who == caller)
		return M_MINE;
	return mstale(e) ? M_STALE : M_LIVE;
}

/* The table of policy.h; 0 with *act set, or the refusal's errno. */
enum mact { A_ACQUIRE, A_RENEW, A_TAKE, A_RELEASE };

static int mdecide(enum lock_request req, enum mstate s, bool force,
		   enum mact *act)
{
	switch (req) {
	case REQ_CREATE:
	case REQ_CREATE_EXCL:
	case REQ_OPEN_WRITE:
		if (s == M_ABSENT) {
			*act = A_ACQUIRE;
			return req == REQ_OPEN_WRITE ? ENOENT : 0;
		}
		if (s == M_MINE) {
			*act = A_RENEW;
			return req == REQ_CREATE_EXCL ? EEXIST : 0;
		}
		*act = A_TAKE;
		return force && req != REQ_CREATE_EXCL ? 0 : EEXIST;
	case REQ_UNLINK:
		*act = A_RELEASE;
		if (s == M_ABSENT)
			return ENOENT;
		return s == M_LIVE && !force ? EBUSY : 0;
	}
	return EINVAL;
}

static void set_note(struct mentry *e, const char *clean)
{
	snprintf(e->note, sizeof(e->note), "%s", clean ? clean : "");
}

/* ---- checking the store against the model ---- */

static void check_store(void)
{
	struct lf_error err = { 0 };
	struct lockdoc *doc = NULL;
	struct lock_list list = { 0 };
	struct lock_entry e;
	char *text = NULL, when[ISOTIME_MAX];
	size_t len = 0, i;
	int rc;

	rc = readfile_path(project_path(proj, PROJECT_STORE), 0,
			   LOCKDOC_MAX_BYTES, &text, &len, NULL);
	if (rc == -ENOENT) {
		CHECK(m.n == 0);
		return;
	}
	CHECK(rc == 0);
	CHECK(text_valid_prefix(text, len) == len);
	CHECK(lockdoc_parse(text, len, &doc, &err) == 0);
	CHECK(lockdoc_count(doc) == m.n);
	for (i = 0; i < m.n; i++) {
		const struct mentry *me = &m.e[i];

		lockdoc_entry(doc, i, &e);
		CHECK(strcmp(e.resource, me->name) == 0);
		CHECK(strcmp(e.instance, callers[me->who].instance) == 0);
		CHECK(e.token == me->token);
		isotime_format(me->ts, when);
		CHECK(e.timestamp && strcmp(e.timestamp, when) == 0);
		CHECK(me->note[0] ? e.note && strcmp(e.note, me->note) == 0
				  : e.note == NULL);
		CHECK(e.pid == callers[me->who].pid);
		CHECK(m.host[me->who][0] ?
		      e.host && strcmp(e.host, m.host[me->who]) == 0 :
		      e.host == NULL);
	}
	lockdoc_free(doc);
	free(text);
	CHECK(lockops_list(proj, m.now, &list, &err) == 0);
	CHECK(list.n == m.n);
	for (i = 0; i < m.n; i++)
		CHECK((list.v[i].stale != STALE_NONE) == mstale(&m.e[i]));
	lock_list_free(&list);
}

static void check_events(void)
{
	char *text = NULL, *line, *nl;
	size_t len = 0;
	cJSON *j;
	int rc;

	rc = readfile_path(project_path(proj, PROJECT_EVENTS), 0, 4 << 20,
			   &text, &len, NULL);
	if (rc == -ENOENT)
		return;
	CHECK(rc == 0);
	CHECK(text_valid_prefix(text, len) == len);
	for (line = text; line < text + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(text + len - line));
		CHECK(nl != NULL);
		*nl = '\0';
		j = cJSON_ParseWithOpts(line, NULL, true);
		CHECK(cJSON_IsObject(j));
		cJSON_Delete(j);
	}
	free(text);
}

/* ---- the operations ---- */

/* A name: one of the known ones mostly, sometimes arbitrary bytes. */
static void pick_name(struct reader *r, char out[STR_MAX])
{
	unsigned v = u8(r);

	if (v < 240)
		snprintf(out, STR_MAX, "%s", known[v % NKNOWN]);
	else
		str(r, out);
}

static int expect_request(enum lock_request req, int c, bool force,
			  char names[][STR_MAX], size_t n, const char *note,
			  const struct lock_outcome *out)
{
	enum mact act[MAX_NAMES];
	int refusal = 0, why;
	const char *clean = NULL;
	char *cleaned = NULL;
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return EINVAL;
		if (req == REQ_UNLINK ? names[i][0] == '\0' :
		    !nameset_contains(defaults, names[i]))
			return EINVAL;
	}
	for (i = 0; i < n; i++) {
		why = mdecide(req, mstate_of(mfind(names[i]), c), force, &act[i]);
		CHECK(out[i].action == ACT_DENY ? why != 0 : why == 0);
		if (why) {
			act[i] = (enum mact)-1;
			if (!refusal)
				refusal = why;
		}
	}
	if (refusal && req != REQ_UNLINK)
		return refusal;
	if (note) {
		cleaned = text_one_line(note, NOTE_MAX_LEN);
		CHECK(cleaned != NULL);
		clean = cleaned;
	}
	for (i = 0; i < n; i++) {
		struct mentry *e = mfind(names[i]);

		switch ((int)act[i]) {
		case A_ACQUIRE:
			CHECK(m.n < MAX_ENTRIES);
			e = &m.e[m.n++];
			snprintf(e->name, sizeof(e->name), "%s", names[i]);
			/* fall through */
		case A_TAKE:
			CHECK(out[i].token > m.last_token);
			m.last_token = out[i].token;
			e->token = out[i].token;
			e->who = c;
			e->ts = m.now;
			set_note(e, clean);
			break;
		case A_RENEW:
			CHECK(out[i].token == e->token);
			e->ts = m.now;
			if (clean)
				set_note(e, clean);
			break;
		case A_RELEASE:
			mremove(e);
			break;
		default:
			break;
		}
	}
	free(cleaned);
	return refusal;
}

static void op_request(struct reader *r, enum lock_request req)
{
	struct lock_outcome out[MAX_NAMES];
	char names[MAX_NAMES][STR_MAX], note[STR_MAX];
	const char *ptrs[MAX_NAMES];
	unsigned flags = u8(r);		/* nnffttcc: note, -, force, names, caller */
	int c = (int)((flags & 3) % NCALLERS), rc, want;
	size_t n = 1 + ((flags >> 2) & 3) % MAX_NAMES, i;
	const char *notep = NULL;

	callers[c].force = flags & 0x10;
	for (i = 0; i < n; i++) {
		pick_name(r, names[i]);
		ptrs[i] = names[i];
	}
	switch (flags >> 6) {	/* none, "", bytes, bytes */
	case 1:
		notep = "";
		break;
	case 2:
	case 3:
		str(r, note);
		notep = note;
	}
	memset(out, 0, sizeof(out));
	rc = lockops_request(proj, &callers[c], req, ptrs, n, notep, m.now,
			     out, NULL);
	want = expect_request(req, c, callers[c].force, names, n, notep, out);
	CHECK(rc == -want);
}

static void op_release_token(struct reader *r)
{
	struct lock_outcome out;
	char name[STR_MAX];
	int c = (int)(u8(r) % NCALLERS), rc, want = 0;
	unsigned how = u8(r);
	struct mentry *e;
	enum mact act;
	long long token;

	pick_name(r, name);
	e = mfind(name);
	token = e && how % 2 == 0 ? e->token : (long long)(how % 5);
	memset(&out, 0, sizeof(out));
	callers[c].force = false;
	rc = lockops_release_token(proj, &callers[c], name, token, m.now, &out,
				   NULL);
	if (token <= 0 || name[0] == '\0')
		want = EINVAL;
	else if (e && e->token != token)
		want = EEXIST;
	else
		want = mdecide(REQ_UNLINK, mstate_of(e, c), false, &act);
	if (want == 0)
		mremove(e);
	CHECK(rc == -want);
}

static void op_note(struct reader *r)
{
	char name[STR_MAX], note[STR_MAX], *clean;
	int c = (int)(u8(r) % NCALLERS), rc, want = 0;
	struct mentry *e;

	pick_name(r, name);
	str(r, note);
	e = mfind(name);
	rc = lockops_set_note(proj, &callers[c], name, note, m.now, NULL);
	if (!e) {
		want = ENOENT;
	} else if (e->who != c) {
		want = EEXIST;
	} else {
		clean = text_one_line(note, NOTE_MAX_LEN);
		CHECK(clean != NULL);
		set_note(e, clean);
		free(clean);
	}
	CHECK(rc == -want);
}

static void op_clear(struct reader *r)
{
	unsigned v = u8(r);
	bool stale_only = v & 1;
	size_t cleared = 0, want = 0, i = m.n;

	CHECK(lockops_clear(proj, &callers[v / 2 % NCALLERS], stale_only,
			    m.now, &cleared, NULL) == 0);
	while (i-- > 0) {
		if (stale_only && !mstale(&m.e[i]))
			continue;
		mremove(&m.e[i]);
		want++;
	}
	CHECK(cleared == want);
}

static void op_check(struct reader *r)
{
	char name[STR_MAX];
	unsigned how = u8(r);
	int c = (int)((how >> 4) % NCALLERS);
	struct mentry *e;
	long long token;
	int rc, want;

	pick_name(r, name);
	e = mfind(name);
	token = e && how % 2 == 0 ? e->token : (long long)(how % 5);
	rc = lockops_check(proj, callers[c].instance, name, token, m.now, NULL,
			   NULL);
	/* An acquisition is resource, token and instance. */
	if (!e)
		want = ENOENT;
	else if (e->token != token || e->who != c)
		want = EEXIST;
	else
		want = mstale(e) ? ESTALE : 0;
	CHECK(rc == -want);
}

static void step(struct reader *r)
{
	unsigned op = u8(r);

	switch (op % 10) {
	case 0: op_request(r, REQ_CREATE); break;
	case 1: op_request(r, REQ_CREATE_EXCL); break;
	case 2: op_request(r, REQ_OPEN_WRITE); break;
	case 3: op_request(r, REQ_UNLINK); break;
	case 4: op_release_token(r); break;
	case 5: op_note(r); break;
	case 6: op_clear(r); break;
	case 7: op_check(r); break;
	case 8: m.now += (time_t)(u8(r) % 16) * 120; break;
	case 9: {
		int c = (int)(u8(r) % NCALLERS);

		set_alive(c, !m.alive[c]);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	int steps;

	reset(&r);
	for (steps = 0; steps < MAX_STEPS && r.left > 0; steps++) {
		step(&r);
		check_store();
	}
	check_events();
	return 0;
}
