/* init_agents.c - install lockfs's edit hooks in Claude Code's or Codex's
 * project settings (see init_agents.h).
 *
 * cJSON checks the file and answers "is our hook there?", but writing the
 * parsed tree back would reformat the user's file.  So the change is made
 * as text: a small scanner finds, by byte offset, the place where the new
 * member or array element goes, and only that text is inserted.
 */
#include "init_agents.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "readfile.h"
#include "writefile.h"

#define SETTINGS_MAX (4 * 1024 * 1024)

struct hook_spec {
	const char *event;		/* "PreToolUse" */
	const char *matcher;		/* tool names, or NULL for none */
	const char *sub;		/* lockfs hook SUB */
};

static const struct hook_spec claude_hooks[] = {
	{ "PreToolUse", "Write|Edit|MultiEdit|NotebookEdit", "pre-tool-use" },
	{ "SessionEnd", NULL, "session-end" },
};

static const struct hook_spec codex_hooks[] = {
	{ "PreToolUse", "apply_patch", "pre-tool-use" },
};

/* ---- the text scanner (the input is known to be valid JSON) ---- */

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
			 s[i] == '\n'))
		i++;
	return i;
}

static size_t skip_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n && s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i + 1;
}

static size_t skip_value(const char *s, size_t n, size_t i)
{
	int depth = 0;

	if (i < n && s[i] == '"')
		return skip_string(s, n, i);
	if (i >= n || (s[i] != '{' && s[i] != '[')) {
		while (i < n && !strchr(",}] \t\r\n", s[i]))
			i++;
		return i;
	}
	while (i < n) {
		if (s[i] == '"') {
			i = skip_string(s, n, i);
			continue;
		}
		if (s[i] == '{' || s[i] == '[')
			depth++;
		else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return n;
}

/* The container opening at o ('{' or '['): *end is just after its last
 * member (o + 1 when empty).  For an object, the offset of key's value, or
 * 0 when it has no such member. */
static size_t scan_container(const char *s, size_t n, size_t o,
			     const char *key, size_t *end, bool *empty)
{
	bool object = s[o] == '{';
	size_t i = skip_ws(s, n, o + 1), k, found = 0;

	*end = o + 1;
	*empty = i < n && (s[i] == '}' || s[i] == ']');
	while (i < n && !*empty) {
		if (object) {
			k = i;
			i = skip_string(s, n, i);
			if (key && i - k - 2 == strlen(key) &&
			    memcmp(s + k + 1, key, i - k - 2) == 0)
				found = skip_ws(s, n, skip_ws(s, n, i) + 1);
			i = skip_ws(s, n, skip_ws(s, n, i) + 1);
		}
		i = skip_value(s, n, i);
		*end = i;
		i = skip_ws(s, n, i);
		if (i >= n || s[i] != ',')
			break;
		i = skip_ws(s, n, i + 1);
	}
	return found;
}

/* ---- the settings ---- */

static char *hook_command(const char *sub)
{
	char exe[PATH_MAX], *cmd;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	bool plain = true;
	size_t k;

	if (n <= 0)
		snprintf(exe, sizeof(exe), "lockfs");
	else
		exe[n] = '\0';
	for (k = 0; exe[k]; k++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789/._+-", exe[k]))
			plain = false;
	/* A path with a quote in it is not worth a shell-quoting routine. */
	if (!plain && strchr(exe, '\''))
		snprintf(exe, sizeof(exe), "lockfs");
	if (asprintf(&cmd, plain ? "%s hook %s" : "'%s' hook %s", exe, sub) < 0)
		return NULL;
	return cmd;
}

/* Does this event's array already run `lockfs hook SUB`? */
static bool has_hook(const cJSON *groups, const char *sub)
{
	const cJSON *g, *h, *cmd;
	char tail[64];
	size_t tl, cl;

	snprintf(tail, sizeof(tail), "hook %s", sub);
	tl = strlen(tail);
	cJSON_ArrayForEach(g, groups)
		cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(g, "hooks")) {
			cmd = cJSON_GetObjectItemCaseSensitive(h, "command");
			if (!cJSON_IsString(cmd))
				continue;
			cl = strlen(cmd->valuestring);
			if (strstr(cmd->valuestring, "lockfs") && cl >= tl &&
			    strcmp(cmd->valuestring + cl - tl, tail) == 0)
				return true;
		}
	return false;
}

static cJSON *group_json(const struct hook_spec *h)
{
	cJSON *g = cJSON_CreateObject(), *hooks, *one;
	char *cmd = hook_command(h->sub);

	if (h->matcher)
		cJSON_AddStringToObject(g, "matcher", h->matcher);
	hooks = cJSON_AddArrayToObject(g, "hooks");
	one = cJSON_CreateObject();
	cJSON_AddStringToObject(one, "type", "command");
	cJSON_AddStringToObject(one, "command", cmd ? cmd : "lockfs");
	cJSON_AddItemToArray(hooks, one);
	free(cmd);
	return g;
}

/* Insert text at offset at of *buf (length *len, NUL-terminated). */
static int insert(char **buf, size_t *len, size_t at, const char *text)
{
	size_t tl = strlen(text);
	char *b = malloc(*len + tl + 1);

	if (!b)
		return -ENOMEM;
	memcpy(b, *buf, at);
	memcpy(b + at, text, tl);
	memcpy(b + at + tl, *buf + at, *len - at + 1);
	free(*buf);
	*buf = b;
	*len += tl;
	return 0;
}

/* Add h's group to the text: into the event's array, else as the event's
 * array in "hooks", else as "hooks" in the top-level object. */
static int add_group(char **buf, size_t *len, const struct hook_spec *h)
{
	cJSON *g = group_json(h);
	char *gtext = cJSON_PrintUnformatted(g), *text = NULL;
	size_t top = skip_ws(*buf, *len, 0), hooks, ev, end;
	bool empty;
	int rc = -ENOMEM;

	if (!gtext)
		goto out;
	hooks = scan_container(*buf, *len, top, "hooks", &end, &empty);
	if (!hooks) {
		if (asprintf(&text, "%s\n  \"hooks\": {\"%s\": [%s]}%s",
			     empty ? "" : ",", h->event, gtext,
			     empty ? "\n" : "") < 0)
			text = NULL;
	} else {
		ev = scan_container(*buf, *len, hooks, h->event, &end, &empty);
		if (!ev) {
			if (asprintf(&text, "%s\n    \"%s\": [%s]", empty ? "" :
				     ",", h->event, gtext) < 0)
				text = NULL;
		} else {
			scan_container(*buf, *len, ev, NULL, &end, &empty);
			if (asprintf(&text, "%s\n      %s", empty ? "" : ",",
				     gtext) < 0)
				text = NULL;
		}
	}
	if (text)
		rc = insert(buf, len, end, text);
out:
	free(text);
	free(gtext);
	cJSON_Delete(g);
	return rc;
}

/* Check the shape an edit relies on; a message for the user, or NULL. */
static const char *shape_problem(const cJSON *doc, const struct hook_spec *specs,
				 size_t n)
{
	const cJSON *hooks = cJSON_GetObjectItemCaseSensitive(doc, "hooks");
	size_t k;

	if (!cJSON_IsObject(doc))
		return "the top level is not a JSON object";
	if (hooks && !cJSON_IsObject(hooks))
		return "\"hooks\" is not an object";
	for (k = 0; k < n; k++)
		if (cJSON_GetObjectItemCaseSensitive(hooks, specs[k].event) &&
		    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(
					   hooks, specs[k].event)))
			return "an event under \"hooks\" is not an array";
	return NULL;
}

/* The settings file's text, parsed and checked: EXIT_OK, or a code with
 * the reason printed.  A missing or empty file reads as "{}". */
static int load(const char *cmd, const char *path,
		const struct hook_spec *specs, size_t n, char **buf,
		size_t *len, cJSON **doc)
{
	const char *problem, *end = NULL;
	int rc;

	*buf = NULL;
	*len = 0;
	rc = readfile_path(path, 0, SETTINGS_MAX, buf, len, NULL);
	if (rc == -ENOENT)
		rc = 0;
	if (rc < 0) {
		cli_error(cmd, "%s: %s", path, rc == -EINVAL ?
			  "not a regular file" : strerror(-rc));
		return EXIT_STORE;
	}
	if (!*buf || skip_ws(*buf, *len, 0) == *len) {
		free(*buf);
		*buf = strdup("{}\n");
		*len = 3;
		if (!*buf) {
			cli_error(cmd, "out of memory");
			return EXIT_STORE;
		}
	}
	*doc = cJSON_ParseWithLengthOpts(*buf, *len, &end, false);
	if (!*doc || skip_ws(*buf, *len, (size_t)(end - *buf)) != *len) {
		cli_error(cmd, "%s is not JSON (byte %zu); fix it and run this "
			  "again, nothing was changed", path,
			  (size_t)((*doc ? end : cJSON_GetErrorPtr()) - *buf));
		return EXIT_USAGE;
	}
	problem = shape_problem(*doc, specs, n);
	if (problem) {
		cli_error(cmd, "%s: %s; nothing was changed", path, problem);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int init_agent_hooks(const char *cmd, const char *root, enum agent agent)
{
	bool claude = agent == AGENT_CLAUDE;
	const struct hook_spec *specs = claude ? claude_hooks : codex_hooks;
	size_t n = claude ? sizeof(claude_hooks) / sizeof(claude_hooks[0]) :
		   sizeof(codex_hooks) / sizeof(codex_hooks[0]);
	char dpath[PATH_MAX], path[PATH_MAX + 32];
	const cJSON *hooks;
	cJSON *doc = NULL;
	char *buf = NULL;
	size_t len = 0, k, added = 0;
	struct stat sb;
	mode_t mode = 0644;
	int code, rc = 0;

	snprintf(dpath, sizeof(dpath), "%s/%s", root, claude ? ".claude" :
		 ".codex");
	snprintf(path, sizeof(path), "%s/%s", dpath, claude ? "settings.json" :
		 "hooks.json");
	if (mkdir(dpath, 0755) < 0 && errno != EEXIST) {
		cli_error(cmd, "%s: %s", dpath, strerror(errno));
		return EXIT_STORE;
	}
	code = load(cmd, path, specs, n, &buf, &len, &doc);
	if (code != EXIT_OK)
		goto out;
	hooks = cJSON_GetObjectItemCaseSensitive(doc, "hooks");
	for (k = 0; k < n && rc == 0; k++) {
		if (has_hook(cJSON_GetObjectItemCaseSensitive(hooks,
							      specs[k].event),
			     specs[k].sub))
			continue;
		rc = add_group(&buf, &len, &specs[k]);
		added++;
	}
	if (stat(path, &sb) == 0)
		mode = sb.st_mode & 07777;
	if (rc == 0 && added > 0)
		rc = writefile_replace(path, buf, len, mode);
	if (rc < 0) {
		cli_error(cmd, "%s: %s", path, strerror(-rc));
		code = EXIT_STORE;
	} else if (added) {
		printf("added lockfs's %s hooks to %s\n",
		       claude ? "Claude Code" : "Codex", path);
	} else {
		printf("%s already runs lockfs's hooks\n", path);
	}
out:
	free(buf);
	cJSON_Delete(doc);
	return code;
}
