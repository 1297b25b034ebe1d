/* cmd_hook.c - `lockfs hook pre-tool-use` and `lockfs hook session-end`:
 * the edit hooks of Claude Code and Codex.
 *
 * The agent runs the hook before each tool call with a JSON description of
 * the call on stdin.  For an edit, every edited path is mapped to a
 * resource by the project's guard rules (guard.h); exit 2 with the reason
 * on stderr refuses the edit (the agent reads the reason), exit 0 lets it
 * happen, and exit 1 is a non-blocking error (bad input: the edit goes on,
 * the user sees the message).
 *
 * The session: the hook is its own short-lived process, but the locks it
 * takes belong to the agent's session.  The instance is LOCKFS_INSTANCE
 * when the agent was started with it (the agent's shell commands inherit
 * it too), else the payload's session_id labelled as the session's own
 * commands label it (identity_session_label).  The holder process is what
 * identity_resolve() finds above the hook: the agent itself (the hook's
 * shell and lockfs are wrappers), so hook-taken locks turn holder-exited
 * when the agent exits, not when the hook does.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "guard.h"
#include "names.h"

#define HOOK_INPUT_MAX (32 * 1024 * 1024)	/* a Write carries the file */
#define HOOK_READ_SECONDS 10
#define HOOK_PATHS_MAX 64			/* paths of one apply_patch */

static const struct cli_command hook_cmd = {
	.name = "hook",
	.operands = "pre-tool-use | session-end",
	.summary = "Edit hooks for Claude Code and Codex, the payload as JSON on stdin\n"
		   "('lockfs init --claude' or '--codex' installs them).  pre-tool-use\n"
		   "maps each edited path to a resource by the guard rules of\n"
		   ".locks/config and refuses the edit if another instance holds it;\n"
		   "session-end releases every lock the session holds.",
	.exit = "Exit: 0 allowed; 2 refused (the reason on stderr, for the agent);\n"
		"1 bad input, which does not stop the edit.",
	.page = "lockfs-agents(7)",
	.options_first = true,
};

/* Exit codes the agents give a meaning to. */
enum {
	HOOK_ALLOW = 0,
	HOOK_BAD_INPUT = 1,
	HOOK_REFUSE = 2,
};

static const char *const cmd = "hook";

/* All of stdin, at most HOOK_INPUT_MAX bytes, within HOOK_READ_SECONDS:
 * an agent writes the payload and closes the pipe, anything else must not
 * keep the edit waiting. */
static int read_input(char **out, size_t *len)
{
	struct timespec start, now;
	size_t got = 0, cap = 64 * 1024;
	char *buf = malloc(cap + 1), *bigger;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	long left_ms;
	ssize_t r;
	int n;

	if (!buf) {
		cli_error(cmd, "out of memory");
		return HOOK_BAD_INPUT;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left_ms = HOOK_READ_SECONDS * 1000L -
			  (long)(now.tv_sec - start.tv_sec) * 1000L -
			  (now.tv_nsec - start.tv_nsec) / 1000000L;
		if (left_ms <= 0)
			goto timeout;
		n = poll(&pfd, 1, (int)left_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			goto timeout;
		if (got == cap) {
			if (cap >= HOOK_INPUT_MAX)
				goto too_big;
			cap *= 2;
			bigger = realloc(buf, cap + 1);
			if (!bigger) {
				cli_error(cmd, "out of memory");
				goto fail;
			}
			buf = bigger;
		}
		r = read(STDIN_FILENO, buf + got, cap - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			cli_error(cmd, "cannot read the payload on stdin: %s",
				  strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return HOOK_ALLOW;
timeout:
	cli_error(cmd, "no complete payload on stdin within %d s (the agent "
		  "writes it and closes stdin); the edit is not checked",
		  HOOK_READ_SECONDS);
	goto fail;
too_big:
	cli_error(cmd, "the payload on stdin is larger than %d MiB; the edit "
		  "is not checked", HOOK_INPUT_MAX / (1024 * 1024));
fail:
	free(buf);
	return HOOK_BAD_INPUT;
}

static const char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The payload, parsed: NULL (message printed) when it is not a JSON
 * object. */
static cJSON *parse_payload(const char *buf, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(buf, len);

	if (!root || !cJSON_IsObject(root)) {
		cli_error(cmd, "the payload on stdin is not a JSON object; the "
			  "edit is not checked");
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* ---- the session ---- */

/* Codex's payloads carry a turn_id and name its edit tool apply_patch;
 * Claude Code's do neither. */
static bool from_codex(const cJSON *payload)
{
	const char *tool = json_string(payload, "tool_name");

	return (tool && strcmp(tool, "apply_patch") == 0) ||
	       cJSON_GetObjectItemCaseSensitive(payload, "turn_id") != NULL;
}

/* The caller as the session's own commands see it; returns a hook exit
 * code (messages printed). */
static int session_caller(struct project *p, const cJSON *payload,
			  struct holder *out)
{
	const char *id = json_string(payload, "session_id");
	const char *entry = getenv("CLAUDE_CODE_ENTRYPOINT");
	struct lf_error err = { 0 };
	int rc;

	rc = identity_resolve(project_proc_root(p), getpid(), out, &err);
	if (rc < 0) {
		cli_error(cmd, "cannot tell which instance is asking: %s",
			  err.msg);
		return HOOK_REFUSE;
	}
	/* An override is a deliberate step ('lockfs acquire --force'), never
	 * a side effect of editing a file. */
	out->force = false;
	if (getenv("LOCKFS_INSTANCE"))
		return HOOK_ALLOW;
	if (!id) {
		cli_error(cmd, "the payload has no session_id string; cannot "
			  "tell whose session this is");
		return HOOK_BAD_INPUT;
	}
	rc = identity_session_label(from_codex(payload) ? "CODEX_THREAD_ID" :
				    "CLAUDE_CODE_SESSION_ID", id, strlen(id),
				    entry && strcmp(entry, "claude-desktop") == 0,
				    out->instance, &err);
	if (rc < 0) {
		cli_error(cmd, "session_id: %s", err.msg);
		return HOOK_BAD_INPUT;
	}
	return HOOK_ALLOW;
}

/* ---- the edited paths ---- */

struct paths {
	const char *v[HOOK_PATHS_MAX];
	char *owned[HOOK_PATHS_MAX];	/* copies cut out of a patch */
	size_t n;
};

static void paths_free(struct paths *ps)
{
	size_t k;

	for (k = 0; k < ps->n; k++)
		free(ps->owned[k]);
}

static int add_path(struct paths *ps, const char *path, char *owned)
{
	if (ps->n == HOOK_PATHS_MAX) {
		free(owned);
		cli_error(cmd, "the edit names more than %d files; the edit is "
			  "not checked", HOOK_PATHS_MAX);
		return HOOK_BAD_INPUT;
	}
	ps->owned[ps->n] = owned;
	ps->v[ps->n++] = path;
	return HOOK_ALLOW;
}

/* The paths of an apply_patch patch: the text after "*** Add File: ",
 * "*** Update File: ", "*** Delete File: " and "*** Move to: ". */
static int patch_paths(const char *patch, struct paths *ps)
{
	static const char *const marks[] = {
		"*** Add File: ", "*** Update File: ", "*** Delete File: ",
		"*** Move to: ",
	};
	const char *line = patch, *nl, *s;
	size_t k, len;
	char *copy;
	int code;

	for (; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		for (k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
			size_t mlen = strlen(marks[k]);

			if (len <= mlen || strncmp(line, marks[k], mlen) != 0)
				continue;
			s = line + mlen;
			copy = strndup(s, len - mlen);
			if (!copy) {
				cli_error(cmd, "out of memory");
				return HOOK_BAD_INPUT;
			}
			code = add_path(ps, copy, copy);
			if (code != HOOK_ALLOW)
				return code;
			break;
		}
		if (!nl)
			break;
	}
	return HOOK_ALLOW;
}

/* What the call edits: 0 paths for a tool that edits nothing. */
static int edited_paths(const cJSON *payload, struct paths *ps)
{
	const char *tool = json_string(payload, "tool_name");
	const cJSON *input = cJSON_GetObjectItemCaseSensitive(payload,
							      "tool_input");
	const char *key = NULL, *v;

	if (!tool) {
		cli_error(cmd, "the payload has no tool_name string; the edit "
			  "is not checked");
		return HOOK_BAD_INPUT;
	}
	if (strcmp(tool, "Write") == 0 || strcmp(tool, "Edit") == 0 ||
	    strcmp(tool, "MultiEdit") == 0)
		key = "file_path";
	else if (strcmp(tool, "NotebookEdit") == 0)
		key = "notebook_path";
	else if (strcmp(tool, "apply_patch") == 0)
		key = "command";
	else
		return HOOK_ALLOW;
	v = cJSON_IsObject(input) ? json_string(input, key) : NULL;
	if (!v) {
		cli_error(cmd, "%s call without a tool_input.%s string; the "
			  "edit is not checked", tool, key);
		return HOOK_BAD_INPUT;
	}
	if (strcmp(key, "command") == 0)
		return patch_paths(v, ps);
	return add_path(ps, v, NULL);
}

/* Join dir and path (unless path is absolute) and remove ".", ".." and
 * repeated slashes, without touching the file system (a file about to be
 * created does not exist yet).  False when it does not fit. */
static bool normalize(const char *dir, const char *path, char *out,
		      size_t len)
{
	char joined[PATH_MAX * 2];
	char *seg, *save = NULL;
	size_t n = 0, seglen;
	int w;

	w = path[0] == '/' ? snprintf(joined, sizeof(joined), "%s", path) :
	    snprintf(joined, sizeof(joined), "%s/%s", dir, path);
	if (w < 0 || (size_t)w >= sizeof(joined) || len < 2)
		return false;
	out[0] = '\0';
	for (seg = strtok_r(joined, "/", &save); seg;
	     seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			out[n] = '\0';
			continue;
		}
		seglen = strlen(seg);
		if (n + 1 + seglen + 1 > len)
			return false;
		out[n++] = '/';
		memcpy(out + n, seg, seglen + 1);
		n += seglen;
	}
	if (n == 0)
		snprintf(out, len, "/");
	return true;
}

/* path relative to root, or NULL when it lies outside. */
static const char *under_root(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return path[1] ? path + 1 : NULL;
	if (strncmp(path, root, n) != 0 || path[n] != '/' || !path[n + 1])
		return NULL;
	return path + n + 1;
}

/* The path relative to the project, trying the directory's real path when
 * the spelled one is outside (a symlink on the way in); NULL: outside. */
static const char *project_relative(const char *root, const char *cwd,
				    const char *path, char *buf, size_t len)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *rel, *base;

	if (!normalize(cwd, path, buf, len))
		return NULL;
	rel = under_root(root, buf);
	if (rel)
		return rel;
	base = strrchr(buf, '/');
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - buf), buf);
	if (!realpath(dir[0] ? dir : "/", real))
		return NULL;
	if (!normalize(real, base + 1, buf, len))
		return NULL;
	return under_root(root, buf);
}

/* ---- deciding ---- */

struct guarded {
	const char *names[HOOK_PATHS_MAX];
	char store[HOOK_PATHS_MAX][NAME_MAX_LEN + 1];
	const char *path[HOOK_PATHS_MAX];	/* the first path of each */
	size_t n;
};

/* A guard rule gave a name the project does not have: a mistake in the
 * config the user must see, so the edit is refused with the rule's line. */
static int bad_rule(const struct lf_config *cfg, const char *rel, int idx,
		    const char *name)
{
	char shown[PATH_MAX];
	const struct guard_rule *r;
	size_t k;

	cli_safe(shown, sizeof(shown), rel);
	if (idx >= 0) {
		r = &cfg->guards[idx];
		cli_error(cmd, "%s: config line %u: guard %s -> %s gives %s, "
			  "which is not a resource name of this project; fix "
			  "the rule in .locks/config", shown, r->line, r->glob,
			  r->resource, name);
		return HOOK_REFUSE;
	}
	/* guard_resolve() does not say which rule overflowed: the first
	 * that matches. */
	for (k = 0; k < cfg->nguards; k++)
		if (guard_match(cfg->guards[k].glob, rel, NULL, NULL))
			break;
	cli_error(cmd, "%s: config line %u: the guard gives a resource name "
		  "longer than %d characters; fix the rule in .locks/config",
		  shown, k < cfg->nguards ? cfg->guards[k].line : 0,
		  NAME_MAX_LEN);
	return HOOK_REFUSE;
}

/* Map every path to its resource (once each); a hook exit code. */
static int map_paths(const struct lf_config *cfg, const char *root,
		     const char *cwd, const struct paths *ps,
		     struct guarded *g)
{
	char buf[PATH_MAX], name[NAME_MAX_LEN + 1];
	const char *rel;
	size_t k, j;
	int idx;

	for (k = 0; k < ps->n; k++) {
		rel = project_relative(root, cwd, ps->v[k], buf, sizeof(buf));
		if (!rel)
			continue;
		idx = guard_resolve(cfg->guards, cfg->nguards, rel, name,
				    sizeof(name));
		if (idx == -1)
			continue;
		if (idx < 0 || !nameset_contains(cfg->names, name))
			return bad_rule(cfg, rel, idx, name);
		for (j = 0; j < g->n && strcmp(g->names[j], name) != 0; j++)
			;
		if (j < g->n)
			continue;
		memcpy(g->store[g->n], name, sizeof(name));
		g->names[g->n] = g->store[g->n];
		g->path[g->n++] = ps->v[k];
	}
	return HOOK_ALLOW;
}

/* The reason the agent reads when its edit is refused. */
static void report(const struct guarded *g, const struct lock_outcome *o,
		   time_t now)
{
	char msg[1024], path[PATH_MAX];
	size_t k;

	for (k = 0; k < g->n; k++) {
		if (o[k].error == 0)
			continue;
		cli_describe_refusal(msg, sizeof(msg), g->names[k], &o[k], now,
				     "'lockfs acquire --force' overrides it "
				     "(ask the user first)");
		cli_safe(path, sizeof(path), g->path[k]);
		cli_error(cmd, "editing %s needs the lock %s. %s. Do not edit "
			  "it now: work on something else, wait for it "
			  "('lockfs acquire --wait 600 %s'), or ask the user.",
			  path, g->names[k], msg, g->names[k]);
	}
}

static int decide(struct project *p, const struct lf_config *cfg,
		  const struct holder *caller, const struct guarded *g)
{
	struct lock_outcome o[HOOK_PATHS_MAX];
	struct lf_error err = { 0 };
	time_t now = time(NULL);
	int rc;

	memset(o, 0, sizeof(o));
	/* check: what an acquire would be told, without taking. */
	if (cfg->guard_mode == GUARD_CHECK)
		rc = lockops_probe(p, caller, REQ_CREATE, g->names, g->n, now,
				   o, &err);
	else
		rc = lockops_request(p, caller, REQ_CREATE, g->names, g->n,
				     NULL, now, o, &err);
	if (rc < 0 && !cli_refused(o, g->n)) {
		cli_error(cmd, "%s: %s", cfg->guard_mode == GUARD_CHECK ?
			  "cannot read the locks" :
			  "cannot take the locks for this edit", err.msg);
		return HOOK_REFUSE;
	}
	if (rc == 0)
		return HOOK_ALLOW;
	report(g, o, now);
	return HOOK_REFUSE;
}

/* A project whose config cannot be read guards nothing it can tell: the
 * user must see why rather than have edits go through unchecked. */
static int open_config(const char *root, struct project **p,
		       const struct lf_config **cfg)
{
	struct lf_error err = { 0 };
	int rc;

	rc = project_open(root, false, p, &err);
	if (rc == 0)
		rc = project_config(*p, cfg, &err);
	if (rc == 0)
		return HOOK_ALLOW;
	cli_error(cmd, "cannot read the lock settings: %s", err.msg);
	return HOOK_REFUSE;
}

static int pre_tool_use(const char *root, const cJSON *payload)
{
	const char *cwd = json_string(payload, "cwd");
	const struct lf_config *cfg;
	struct project *p = NULL;
	struct paths ps = { 0 };
	struct guarded g = { 0 };
	struct holder caller;
	char here[PATH_MAX];
	int code;

	code = edited_paths(payload, &ps);
	if (code != HOOK_ALLOW || ps.n == 0)
		goto out;
	if (!cwd || cwd[0] != '/')
		cwd = getcwd(here, sizeof(here)) ? here : root;
	code = open_config(root, &p, &cfg);
	if (code != HOOK_ALLOW || cfg->nguards == 0)
		goto out;
	code = map_paths(cfg, root, cwd, &ps, &g);
	if (code != HOOK_ALLOW || g.n == 0)
		goto out;
	code = session_caller(p, payload, &caller);
	if (code == HOOK_ALLOW)
		code = decide(p, cfg, &caller, &g);
out:
	paths_free(&ps);
	project_close(p);
	return code;
}

/* Release every lock of the session, each decided on its own. */
static int session_end(const char *root, const cJSON *payload)
{
	struct lock_outcome *o = NULL;
	struct lf_error err = { 0 };
	struct lock_list list = { 0 };
	struct project *p = NULL;
	char **names = NULL;
	struct holder caller;
	size_t k, n = 0;
	int code, rc;

	rc = project_open(root, false, &p, &err);
	if (rc < 0) {
		cli_error(cmd, "%s", err.msg);
		return HOOK_REFUSE;
	}
	code = session_caller(p, payload, &caller);
	if (code != HOOK_ALLOW)
		goto out;
	rc = lockops_list(p, time(NULL), &list, &err);
	if (rc < 0) {
		cli_error(cmd, "cannot read the locks: %s", err.msg);
		code = HOOK_REFUSE;
		goto out;
	}
	names = calloc(list.n + 1, sizeof(*names));
	o = calloc(list.n + 1, sizeof(*o));
	if (!names || !o) {
		cli_error(cmd, "out of memory");
		code = HOOK_REFUSE;
		goto out;
	}
	/* Copies: the list borrows from a document the release replaces. */
	for (k = 0; k < list.n; k++) {
		if (!list.v[k].e.instance || !list.v[k].e.resource ||
		    strcmp(list.v[k].e.instance, caller.instance) != 0)
			continue;
		names[n] = strdup(list.v[k].e.resource);
		if (!names[n++]) {
			cli_error(cmd, "out of memory");
			code = HOOK_REFUSE;
			goto out;
		}
	}
	if (n == 0)
		goto out;
	rc = lockops_request(p, &caller, REQ_UNLINK,
			     (const char *const *)names, n, NULL, time(NULL), o,
			     &err);
	if (rc < 0 && !cli_refused(o, n)) {
		cli_error(cmd, "cannot release the session's locks: %s",
			  err.msg);
		code = HOOK_REFUSE;
	}
out:
	for (k = 0; k < n; k++)
		free(names[k]);
	free(names);
	free(o);
	lock_list_free(&list);
	project_close(p);
	return code;
}

int cmd_hook(const char *root, int argc, char **argv)
{
	cJSON *payload = NULL;
	char *buf = NULL;
	size_t len = 0;
	static const struct cli_option opts[] = {
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	const char *which;
	int code;

	code = cli_parse(&hook_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	which = optind < argc ? argv[optind] : "";
	if (argc - optind != 1 || (strcmp(which, "pre-tool-use") != 0 &&
				   strcmp(which, "session-end") != 0))
		return cli_usage_error(&hook_cmd, opts, "name the hook: "
				       "pre-tool-use or session-end");
	code = read_input(&buf, &len);
	if (code != HOOK_ALLOW)
		return code;
	payload = parse_payload(buf, len);
	if (!payload)
		code = HOOK_BAD_INPUT;
	else if (strcmp(which, "pre-tool-use") == 0)
		code = pre_tool_use(root, payload);
	else
		code = session_end(root, payload);
	cJSON_Delete(payload);
	free(buf);
	return code;
}
