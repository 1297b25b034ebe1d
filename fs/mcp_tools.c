/* mcp_tools.c - the tools of `lockfs mcp`: their input schemas, and thin
 * adapters over lockops.h, the same calls the lockfs subcommands make.
 *
 * Each result has a text for the model, written with the command line's
 * own sentences (cli.h), and the same facts as structuredContent.  A
 * refusal is a result with isError: true; its structuredContent carries
 * the exit code the command line would give.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "lockview.h"
#include "mcp.h"
#include "names.h"
#include "store.h"

#define TOOL_NAMES_MAX 128		/* resources in one call */
#define PROGRESS_SECONDS 5.0		/* between progress notifications */
#define WAIT_SLICE_MS 200		/* how soon a cancellation is seen */

enum ptype { P_STRING, P_NUMBER, P_INTEGER, P_BOOL, P_NAMES };

struct param {
	const char *name;
	enum ptype type;
	bool required;
	const char *desc;
};

struct reply;

struct mcp_tool {
	const char *name;
	const char *title;
	const char *desc;
	bool read_only, destructive;
	cJSON *(*run)(struct mcp_call *c, struct project *p);
	enum cli_open_mode mode;
	struct param params[6];
};

static const struct param project_param = {
	"project", P_STRING, false,
	"The book's directory (absolute path); default: the server's project "
	"(lockfs -C DIR mcp)",
};

/* ---- replies ---- */

struct reply {
	FILE *f;			/* the text, as the command line says it */
	bool in_memory;			/* else f is stderr (out of memory) */
	char *text;
	size_t len;
	cJSON *data;			/* structuredContent */
	int code;			/* the command line's exit code */
};

static void reply_open(struct reply *r, const struct mcp_call *c)
{
	r->text = NULL;
	r->len = 0;
	r->f = open_memstream(&r->text, &r->len);
	r->in_memory = r->f != NULL;
	/* Without memory for the text, it goes to the log and the result
	 * still carries the facts. */
	if (!r->f)
		r->f = stderr;
	r->data = cJSON_CreateObject();
	r->code = EXIT_OK;
	cJSON_AddStringToObject(r->data, "instance", c->caller.instance);
}

static cJSON *reply_close(struct reply *r)
{
	cJSON *res = cJSON_CreateObject(), *content, *item;

	if (r->in_memory)
		fclose(r->f);
	/* The text ends with a newline per line; the model needs none. */
	while (r->text && r->len > 0 && r->text[r->len - 1] == '\n')
		r->text[--r->len] = '\0';
	content = cJSON_AddArrayToObject(res, "content");
	item = cJSON_CreateObject();
	cJSON_AddStringToObject(item, "type", "text");
	cJSON_AddStringToObject(item, "text", r->text ? r->text : "");
	cJSON_AddItemToArray(content, item);
	cJSON_AddBoolToObject(r->data, "ok", r->code == EXIT_OK);
	cJSON_AddNumberToObject(r->data, "exit_code", r->code);
	cJSON_AddItemToObject(res, "structuredContent", r->data);
	cJSON_AddBoolToObject(res, "isError", r->code != EXIT_OK);
	free(r->text);
	return res;
}

cJSON *mcp_tool_error(const struct mcp_call *c, int code, const char *msg)
{
	struct reply r;

	reply_open(&r, c);
	fprintf(r.f, "%s\n", msg);
	r.code = code;
	return reply_close(&r);
}

/* ---- arguments ---- */

static const cJSON *arg(const struct mcp_call *c, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(c->args, name);
}

static bool arg_bool(const struct mcp_call *c, const char *name)
{
	return cJSON_IsTrue(arg(c, name));
}

static const char *arg_string(const struct mcp_call *c, const char *name)
{
	const cJSON *v = arg(c, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The names of a P_NAMES argument (borrowed from c->args). */
static size_t arg_names(const struct mcp_call *c, const char *name,
			const char **out)
{
	const cJSON *v;
	size_t n = 0;

	cJSON_ArrayForEach(v, arg(c, name))
		out[n++] = v->valuestring;
	return n;
}

static const char *type_words(enum ptype t)
{
	switch (t) {
	case P_STRING:
		return "a string";
	case P_NUMBER:
		return "a number";
	case P_INTEGER:
		return "an integer";
	case P_BOOL:
		return "true or false";
	case P_NAMES:
		break;
	}
	return "an array of resource names";
}

static bool type_ok(enum ptype t, const cJSON *v)
{
	const cJSON *e;
	size_t n = 0;

	switch (t) {
	case P_STRING:
		return cJSON_IsString(v);
	case P_NUMBER:
		return cJSON_IsNumber(v) && isfinite(v->valuedouble);
	case P_INTEGER:
		return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble);
	case P_BOOL:
		return cJSON_IsBool(v);
	case P_NAMES:
		break;
	}
	if (!cJSON_IsArray(v))
		return false;
	cJSON_ArrayForEach(e, v)
		if (!cJSON_IsString(e) || ++n > TOOL_NAMES_MAX)
			return false;
	return n > 0;
}

static const struct param *tool_param(const struct mcp_tool *t,
				      const char *name)
{
	size_t k;

	if (strcmp(name, project_param.name) == 0)
		return &project_param;
	for (k = 0; k < 6 && t->params[k].name; k++)
		if (strcmp(t->params[k].name, name) == 0)
			return &t->params[k];
	return NULL;
}

int mcp_tool_check_args(const struct mcp_tool *t, const cJSON *args,
			char *msg, size_t len)
{
	const struct param *p;
	const cJSON *v;
	char shown[64];
	size_t k;

	if (args && !cJSON_IsObject(args)) {
		snprintf(msg, len, "Invalid params: %s: arguments must be an "
			 "object", t->name);
		return -1;
	}
	for (k = 0; k < 6 && t->params[k].name; k++)
		if (t->params[k].required &&
		    !cJSON_GetObjectItemCaseSensitive(args, t->params[k].name)) {
			snprintf(msg, len, "Invalid params: %s needs \"%s\" (%s)",
				 t->name, t->params[k].name,
				 type_words(t->params[k].type));
			return -1;
		}
	cJSON_ArrayForEach(v, args) {
		p = tool_param(t, v->string);
		if (!p) {
			cli_safe(shown, sizeof(shown), v->string);
			snprintf(msg, len, "Invalid params: %s has no argument "
				 "\"%s\"", t->name, shown);
			return -1;
		}
		if (!type_ok(p->type, v)) {
			snprintf(msg, len, "Invalid params: %s: \"%s\" must be "
				 "%s%s", t->name, p->name, type_words(p->type),
				 p->type == P_NAMES ? " (1 to 128)" : "");
			return -1;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(args, "wait_seconds");
	if (v && (v->valuedouble < 0 || v->valuedouble > CLI_WAIT_MAX)) {
		snprintf(msg, len, "Invalid params: %s: \"wait_seconds\" must be "
			 "from 0 to %.0f", t->name, CLI_WAIT_MAX);
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(args, "token");
	if (v && v->valuedouble < 1) {
		snprintf(msg, len, "Invalid params: %s: \"token\" is a positive "
			 "integer", t->name);
		return -1;
	}
	return 0;
}

bool mcp_tool_may_wait(const struct mcp_tool *t, const cJSON *args)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(args, "wait_seconds");

	return tool_param(t, "wait_seconds") && cJSON_IsNumber(w) &&
	       w->valuedouble > 0;
}

/* ---- the project ---- */

static cJSON *open_project(struct mcp_call *c, enum cli_open_mode mode,
			   struct project **out)
{
	const char *dir = arg_string(c, "project");
	char root[PATH_MAX], msg[PATH_MAX + 200], locks[PATH_MAX];
	struct lf_error err = { 0 };
	struct stat sb;
	bool has_locks;

	if (dir && !realpath(dir, root)) {
		snprintf(msg, sizeof(msg), "project %s: %s", dir, strerror(errno));
		return mcp_tool_error(c, EXIT_USAGE, msg);
	}
	if (!dir)
		snprintf(root, sizeof(root), "%s", c->srv->root);
	has_locks = project_path_at(root, PROJECT_LOCKS_DIR, locks, NULL) == 0 &&
		    stat(locks, &sb) == 0 && S_ISDIR(sb.st_mode);
	/* Clients start servers in "/": never make that a project. */
	if (!has_locks && (mode == CLI_CHANGE || strcmp(root, "/") == 0)) {
		snprintf(msg, sizeof(msg), "%s is not a lockfs project (no "
			 ".locks/ there); give \"project\", start the server "
			 "as 'lockfs -C DIR mcp', or run 'lockfs init' in the "
			 "book", root);
		return mcp_tool_error(c, EXIT_STORE, msg);
	}
	if (project_open(root, mode == CLI_CREATE, out, &err) < 0)
		return mcp_tool_error(c, cli_exit_code(-err.code), err.msg);
	return NULL;
}

/* ---- what happened to each resource ---- */

static cJSON *outcome_json(const char *name, const struct lock_outcome *o)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "resource", name);
	cJSON_AddStringToObject(j, "action", o->error ? "refused" :
				policy_action_name(o->action));
	if (o->token)
		cJSON_AddNumberToObject(j, "token", (double)o->token);
	if (o->state == LOCK_ABSENT || o->state == LOCK_MINE)
		return j;
	cJSON_AddStringToObject(j, "holder", o->holder);
	cJSON_AddStringToObject(j, "since", o->since);
	cJSON_AddNumberToObject(j, "age_seconds", (double)o->age);
	cJSON_AddBoolToObject(j, "stale", o->state == LOCK_OTHER_STALE);
	if (o->state == LOCK_OTHER_STALE)
		cJSON_AddStringToObject(j, "stale_reason",
					policy_stale_reason_name(o->stale));
	if (o->holder_token)
		cJSON_AddNumberToObject(j, "holder_token",
					(double)o->holder_token);
	return j;
}

static void add_outcomes(struct reply *r, const char *const *names,
			 const struct lock_outcome *o, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(r->data, "locks");
	size_t k;

	for (k = 0; k < n; k++)
		cJSON_AddItemToArray(arr, outcome_json(names[k], &o[k]));
}

static void say_refusals(struct reply *r, const char *prefix,
			 const char *const *names,
			 const struct lock_outcome *o, size_t n,
			 const char *force_hint)
{
	char msg[1024];
	size_t k;

	for (k = 0; k < n; k++) {
		if (o[k].error == 0)
			continue;
		cli_describe_refusal(msg, sizeof(msg), names[k], &o[k],
				     time(NULL), force_hint);
		fprintf(r->f, "%s%s\n", prefix, msg);
	}
}

/* ---- lock_acquire ---- */

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static struct timespec after(const struct timespec *t0, double secs)
{
	struct timespec t = *t0;
	long long ns = t.tv_nsec + (long long)((secs - floor(secs)) * 1e9);

	t.tv_sec += (time_t)floor(secs) + (time_t)(ns / 1000000000LL);
	t.tv_nsec = (long)(ns % 1000000000LL);
	return t;
}

static void progress(struct mcp_call *c, const char *const *names,
		     const struct lock_outcome *o, size_t n, double elapsed,
		     double wait)
{
	char msg[1024] = "waiting";
	size_t k;

	for (k = 0; k < n; k++)
		if (o[k].error) {
			cli_describe_refusal(msg, sizeof(msg), names[k], &o[k],
					     time(NULL), "");
			break;
		}
	mcp_progress(c, elapsed, wait, msg);
}

/* One REQ_CREATE, retried as the store changes, for up to wait seconds.
 * Returns 0 granted, 1 refused (out[] says why), 2 cancelled, or a
 * negative errno (err). */
static int take(struct mcp_call *c, struct project *p,
		const struct holder *caller, const char *const *names,
		size_t n, const char *note, double wait,
		struct lock_outcome *out, struct lf_error *err)
{
	struct store_watch *w = NULL;
	struct timespec t0, slice, end;
	double last = -PROGRESS_SECONDS, el;
	int rc, result;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	end = after(&t0, wait);
	/* Watch before the first attempt: a release in between still wakes. */
	if (wait > 0) {
		rc = store_watch_open(project_store(p), &w, err);
		if (rc < 0)
			return rc;
	}
	for (;;) {
		if (atomic_load(&c->cancelled)) {
			result = 2;
			break;
		}
		memset(out, 0, n * sizeof(*out));
		rc = lockops_request(p, caller, REQ_CREATE, names, n, note,
				     time(NULL), out, err);
		if (rc == 0 || !cli_refused(out, n)) {
			result = rc;
			break;
		}
		el = seconds_since(&t0);
		/* A stale lock is the user's to override, not to wait out. */
		if (wait <= 0 || el >= wait ||
		    cli_refusal_code(out, n) == EXIT_STALE) {
			result = 1;
			break;
		}
		if (el - last >= PROGRESS_SECONDS) {
			progress(c, names, out, n, el, wait);
			last = el;
		}
		slice = after(&t0, el + WAIT_SLICE_MS / 1000.0);
		if (slice.tv_sec > end.tv_sec ||
		    (slice.tv_sec == end.tv_sec && slice.tv_nsec > end.tv_nsec))
			slice = end;
		store_watch_wait(w, &slice, NULL);
	}
	store_watch_close(w);
	return result;
}

static cJSON *run_acquire(struct mcp_call *c, struct project *p)
{
	const char *names[TOOL_NAMES_MAX];
	struct lock_outcome out[TOOL_NAMES_MAX];
	struct lf_error err = { 0 };
	struct holder caller = c->caller;
	const cJSON *w = arg(c, "wait_seconds");
	double wait = cJSON_IsNumber(w) ? w->valuedouble : 0;
	char prefix[64] = "";
	struct reply r;
	size_t n = arg_names(c, "resources", names);
	int rc;

	caller.force = caller.force || arg_bool(c, "force");
	rc = take(c, p, &caller, names, n, arg_string(c, "note"), wait, out,
		  &err);
	if (rc == 2)
		return NULL;
	if (rc < 0)
		return mcp_tool_error(c, cli_exit_code(rc), err.msg);
	reply_open(&r, c);
	add_outcomes(&r, names, out, n);
	if (rc == 0) {
		cli_print_taken(r.f, names, out, n);
		return reply_close(&r);
	}
	r.code = cli_refusal_code(out, n);
	if (wait > 0 && r.code != EXIT_STALE)
		snprintf(prefix, sizeof(prefix), "gave up after %g s: ", wait);
	say_refusals(&r, prefix, names, out, n, "force: true overrides it");
	fprintf(r.f, "Nothing was taken.  Choices: wait for it (wait_seconds), "
		"work on something else, or override it with force: true "
		"(ask the user first).\n");
	return reply_close(&r);
}

/* ---- lock_release, lock_renew ---- */

static cJSON *run_release(struct mcp_call *c, struct project *p)
{
	const char *names[TOOL_NAMES_MAX];
	struct lock_outcome out[TOOL_NAMES_MAX];
	struct lf_error err = { 0 };
	struct holder caller = c->caller;
	char msg[1024];
	struct reply r;
	size_t n = arg_names(c, "resources", names), k;
	int rc, one;

	caller.force = caller.force || arg_bool(c, "force");
	memset(out, 0, sizeof(out));
	rc = lockops_request(p, &caller, REQ_UNLINK, names, n, NULL, time(NULL),
			     out, &err);
	if (rc < 0 && !cli_refused(out, n))
		return mcp_tool_error(c, cli_exit_code(rc), err.msg);
	reply_open(&r, c);
	add_outcomes(&r, names, out, n);
	say_refusals(&r, "", names, out, n, "");
	/* Decided per resource, as `lockfs release`: the worst code wins,
	 * a mistyped name counting as a usage error. */
	for (k = 0; k < n; k++) {
		if (out[k].error == 0) {
			cli_print_released(r.f, names[k], &out[k]);
			continue;
		}
		one = EXIT_HELD;
		if (out[k].state == LOCK_ABSENT &&
		    cli_describe_unknown(msg, sizeof(msg), p, names[k])) {
			fprintf(r.f, "%s\n", msg);
			one = EXIT_USAGE;
		}
		if (one == EXIT_USAGE || r.code == EXIT_OK)
			r.code = one;
	}
	return reply_close(&r);
}

static cJSON *run_renew(struct mcp_call *c, struct project *p)
{
	const char *names[TOOL_NAMES_MAX];
	struct lock_outcome out[TOOL_NAMES_MAX];
	struct lf_error err = { 0 };
	struct reply r;
	size_t n = arg_names(c, "resources", names);
	int rc;

	memset(out, 0, sizeof(out));
	rc = lockops_request(p, &c->caller, REQ_OPEN_WRITE, names, n, NULL,
			     time(NULL), out, &err);
	if (rc < 0 && !cli_refused(out, n))
		return mcp_tool_error(c, cli_exit_code(rc), err.msg);
	reply_open(&r, c);
	add_outcomes(&r, names, out, n);
	if (rc == 0) {
		cli_print_taken(r.f, names, out, n);
		return reply_close(&r);
	}
	say_refusals(&r, "", names, out, n,
		     "lock_acquire with force: true takes it over");
	r.code = cli_refusal_code(out, n);
	return reply_close(&r);
}

/* ---- lock_check, lock_status, lock_clear ---- */

static cJSON *run_check(struct mcp_call *c, struct project *p)
{
	const char *name = arg_string(c, "resource");
	long long token = (long long)arg(c, "token")->valuedouble;
	struct lf_error err = { 0 };
	char msg[1024], res[NAME_MAX_LEN * 2];
	struct reply r;
	int rc;

	rc = lockops_check(p, c->caller.instance, name, token, time(NULL), NULL,
			   &err);
	reply_open(&r, c);
	cJSON_AddStringToObject(r.data, "resource", name);
	cJSON_AddNumberToObject(r.data, "token", (double)token);
	cJSON_AddBoolToObject(r.data, "holds", rc == 0 || rc == -ESTALE);
	cJSON_AddBoolToObject(r.data, "stale", rc == -ESTALE);
	switch (rc) {
	case 0:
		cli_print_checked(r.f, name, token);
		break;
	case -ENOENT:
		cli_safe(res, sizeof(res), name);
		fprintf(r.f, "%s is not locked\n", res);
		r.code = EXIT_HELD;
		if (cli_describe_unknown(msg, sizeof(msg), p, name)) {
			fprintf(r.f, "%s\n", msg);
			r.code = EXIT_USAGE;
		}
		break;
	default:
		fprintf(r.f, "%s\n", err.msg);
		r.code = rc == -ESTALE ? EXIT_STALE : rc == -EEXIST ?
			 EXIT_HELD : cli_exit_code(rc);
		break;
	}
	return reply_close(&r);
}

static cJSON *run_status(struct mcp_call *c, struct project *p)
{
	const struct lf_config *cfg;
	struct lock_list list = { 0 };
	struct lf_error err = { 0 };
	char *text;
	cJSON *arr;
	struct reply r;
	size_t k;

	if (lockops_list(p, time(NULL), &list, &err) < 0 ||
	    project_config_read(p, &cfg, NULL, &err) < 0) {
		lock_list_free(&list);
		return mcp_tool_error(c, cli_exit_code(-err.code), err.msg);
	}
	reply_open(&r, c);
	r.code = status_print_table(r.f, p, &list);
	cJSON_AddStringToObject(r.data, "project", project_root(p));
	cJSON_AddNumberToObject(r.data, "stale_seconds", cfg->stale_seconds);
	arr = cJSON_AddArrayToObject(r.data, "locks");
	for (k = 0; k < list.n; k++) {
		text = lockview_json(&list.v[k], LOCKVIEW_OBJECT, NULL);
		cJSON_AddItemToArray(arr, text ? cJSON_CreateRaw(text) :
				     cJSON_CreateNull());
		free(text);
	}
	lock_list_free(&list);
	return reply_close(&r);
}

static cJSON *run_clear(struct mcp_call *c, struct project *p)
{
	bool stale_only = arg_bool(c, "stale_only");
	struct lf_error err = { 0 };
	struct reply r;
	size_t cleared = 0;

	if (lockops_clear(p, &c->caller, stale_only, time(NULL), &cleared,
			  &err) < 0)
		return mcp_tool_error(c, cli_exit_code(-err.code), err.msg);
	reply_open(&r, c);
	cJSON_AddNumberToObject(r.data, "cleared", (double)cleared);
	cli_print_cleared(r.f, cleared, stale_only);
	return reply_close(&r);
}

/* ---- the table ---- */

#define RESOURCES_DESC "Resource names, e.g. [\"Chapter_03\"]; all are taken or none"

static const struct mcp_tool tools[] = {
	{ "lock_acquire", "Take locks",
	  "Take locks on book resources (Chapter_01..Chapter_99, FrontMatter, "
	  "BackMatter, StyleSystem, QuoteRegistry, ImageRegistry, "
	  "ProjectConfig, or the project's own names) before editing them: "
	  "all or none.  A lock you hold is renewed.  Returns a token per "
	  "resource for lock_check.  If another instance holds one, nothing "
	  "is taken and the result says who and since when.",
	  false, false, run_acquire, CLI_CREATE, {
		{ "resources", P_NAMES, true, RESOURCES_DESC },
		{ "wait_seconds", P_NUMBER, false,
		  "Wait up to this long for locks held by others to be "
		  "released (default 0: do not wait)" },
		{ "force", P_BOOL, false,
		  "Take over locks held by others (stale ones: override; "
		  "live ones: not recommended, ask the user)" },
		{ "note", P_STRING, false,
		  "A one-line note shown in lock_status" },
	  } },
	{ "lock_release", "Release locks",
	  "Release locks you hold (a stale lock of another instance is "
	  "released too, as an override).  Each resource is decided on its "
	  "own.", false, false, run_release, CLI_CHANGE, {
		{ "resources", P_NAMES, true, "Resource names to release" },
		{ "force", P_BOOL, false,
		  "Also release live locks of other instances (not "
		  "recommended)" },
	  } },
	{ "lock_renew", "Renew locks",
	  "Move the timestamp of locks you hold to now, so that long work "
	  "does not make them stale (all or none).",
	  false, false, run_renew, CLI_CHANGE, {
		{ "resources", P_NAMES, true, "Resource names to renew" },
	  } },
	{ "lock_check", "Check a lock",
	  "Is the acquisition that got this token still the holder of the "
	  "resource?  Check before writing after a long pause.",
	  true, false, run_check, CLI_READ, {
		{ "resource", P_STRING, true, "A resource name" },
		{ "token", P_INTEGER, true,
		  "The token lock_acquire returned" },
	  } },
	{ "lock_status", "Who holds what",
	  "The dashboard of active locks: resource, instance, since, age, "
	  "live or stale and why, token, note.",
	  true, false, run_status, CLI_READ, { { 0 } } },
	{ "lock_clear", "Clear locks",
	  "Remove every lock of the project, or only the stale ones (for "
	  "recovery; recorded in the event log).  Ask "
	  "the user before clearing live locks.",
	  false, true, run_clear, CLI_CHANGE, {
		{ "stale_only", P_BOOL, false,
		  "Only remove stale locks (default false: all)" },
	  } },
};

#define NTOOLS (sizeof(tools) / sizeof(tools[0]))

const struct mcp_tool *mcp_tool_find(const char *name)
{
	size_t k;

	for (k = 0; k < NTOOLS; k++)
		if (strcmp(tools[k].name, name) == 0)
			return &tools[k];
	return NULL;
}

static cJSON *param_schema(const struct param *p)
{
	static const char *const json_types[] = {
		[P_STRING] = "string", [P_NUMBER] = "number",
		[P_INTEGER] = "integer", [P_BOOL] = "boolean",
		[P_NAMES] = "array",
	};
	cJSON *s = cJSON_CreateObject(), *items;

	cJSON_AddStringToObject(s, "type", json_types[p->type]);
	cJSON_AddStringToObject(s, "description", p->desc);
	if (p->type == P_NAMES) {
		items = cJSON_AddObjectToObject(s, "items");
		cJSON_AddStringToObject(items, "type", "string");
		cJSON_AddStringToObject(items, "pattern",
					"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$");
		cJSON_AddNumberToObject(s, "minItems", 1);
		cJSON_AddNumberToObject(s, "maxItems", TOOL_NAMES_MAX);
	}
	if (strcmp(p->name, "wait_seconds") == 0) {
		cJSON_AddNumberToObject(s, "minimum", 0);
		cJSON_AddNumberToObject(s, "maximum", CLI_WAIT_MAX);
	}
	if (strcmp(p->name, "token") == 0)
		cJSON_AddNumberToObject(s, "minimum", 1);
	return s;
}

static cJSON *tool_json(const struct mcp_tool *t)
{
	cJSON *j = cJSON_CreateObject(), *schema, *props, *req, *ann;
	size_t k;

	cJSON_AddStringToObject(j, "name", t->name);
	cJSON_AddStringToObject(j, "title", t->title);
	cJSON_AddStringToObject(j, "description", t->desc);
	schema = cJSON_AddObjectToObject(j, "inputSchema");
	cJSON_AddStringToObject(schema, "type", "object");
	props = cJSON_AddObjectToObject(schema, "properties");
	req = cJSON_AddArrayToObject(schema, "required");
	for (k = 0; k < 6 && t->params[k].name; k++) {
		cJSON_AddItemToObject(props, t->params[k].name,
				      param_schema(&t->params[k]));
		if (t->params[k].required)
			cJSON_AddItemToArray(req, cJSON_CreateString(
						     t->params[k].name));
	}
	cJSON_AddItemToObject(props, project_param.name,
			      param_schema(&project_param));
	cJSON_AddBoolToObject(schema, "additionalProperties", false);
	ann = cJSON_AddObjectToObject(j, "annotations");
	cJSON_AddStringToObject(ann, "title", t->title);
	cJSON_AddBoolToObject(ann, "readOnlyHint", t->read_only);
	cJSON_AddBoolToObject(ann, "destructiveHint", t->destructive);
	cJSON_AddBoolToObject(ann, "openWorldHint", false);
	return j;
}

cJSON *mcp_tools_list(void)
{
	cJSON *r = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(r, "tools");
	size_t k;

	for (k = 0; k < NTOOLS; k++)
		cJSON_AddItemToArray(arr, tool_json(&tools[k]));
	return r;
}

cJSON *mcp_tool_run(struct mcp_call *c)
{
	struct project *p = NULL;
	cJSON *res;

	if (c->srv->label_error[0])
		return mcp_tool_error(c, EXIT_USAGE, c->srv->label_error);
	res = open_project(c, c->tool->mode, &p);
	if (res)
		return res;
	res = c->tool->run(c, p);
	project_close(p);
	return res;
}
