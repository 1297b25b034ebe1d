/* init_etcd.c - moving a project's locks onto etcd; see init_etcd.h.
 *
 * The new .locks/config is the old one with its backend, etcd_endpoints
 * and etcd_prefix lines replaced by the ones given, and it is checked
 * whole before anything is sent, so a bad URL is an error naming its line
 * and leaves the project as it was.  The import is idempotent: locks that
 * etcd already holds exactly as locks.json does are not clashes, so a run
 * that failed after the import can simply be repeated.
 */
#include "init_etcd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "readfile.h"
#include "store_etcd.h"
#include "text.h"
#include "writefile.h"

static const char *const replaced_keys[] = {
	"backend", "etcd_endpoints", "etcd_prefix",
};

/* Does the line set one of replaced_keys? */
static bool replaced(const char *line, size_t len)
{
	size_t i, k;

	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	for (i = 0; i < sizeof(replaced_keys) / sizeof(*replaced_keys); i++) {
		k = strlen(replaced_keys[i]);
		if (len <= k || memcmp(line, replaced_keys[i], k) != 0)
			continue;
		while (k < len && (line[k] == ' ' || line[k] == '\t'))
			k++;
		if (k < len && line[k] == '=')
			return true;
	}
	return false;
}

/* The old text without the lines the new ones replace, then those. */
static char *new_config(const char *old, size_t len, const char *endpoints,
			const char *prefix)
{
	const char *line = old, *end = old + len, *nl;
	size_t cap = len + strlen(endpoints) + strlen(prefix) + 96, used = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		nl = nl ? nl + 1 : end;
		if (!replaced(line, (size_t)(nl - line))) {
			memcpy(out + used, line, (size_t)(nl - line));
			used += (size_t)(nl - line);
		}
		line = nl;
	}
	if (used > 0 && out[used - 1] != '\n')
		out[used++] = '\n';
	snprintf(out + used, cap - used,
		 "backend = etcd\netcd_endpoints = %s\netcd_prefix = %s\n",
		 endpoints, prefix);
	return out;
}

struct move {
	const char *cmd;
	struct project *p;
	const char *config_text;
	const struct lf_config *cfg;
	size_t imported;
	size_t left;		/* entries that claim nothing, left behind */
};

static bool every_claim(const struct lock_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return true;
}

/* Runs under the file store's lock: import, switch, empty. */
static int move_locks(struct lockdoc *doc, void *arg, struct lf_error *err)
{
	struct move *m = arg;
	struct store_etcd_paths paths = {
		.root = project_root(m->p),
		.lease_path = project_path(m->p, PROJECT_ETCD_LEASE),
		.revision_path = project_path(m->p, PROJECT_ETCD_REVISION),
	};
	struct store *etcd = NULL;
	long long floor;
	int rc;

	/* Tokens from etcd must be above every token handed out here. */
	floor = lockdoc_next_token(doc);
	if (floor < 0)
		return lf_error_set(err, ENOMEM, "out of memory");
	rc = store_etcd_open(m->cfg, &paths, &etcd, err);
	if (rc == 0)
		rc = store_etcd_import(etcd, doc, floor, &m->imported, err);
	store_close(etcd);
	if (rc < 0)
		return rc;
	rc = writefile_replace(project_path(m->p, PROJECT_CONFIG),
			       m->config_text, strlen(m->config_text), 0644);
	if (rc < 0)
		return lf_error_set(err, -rc,
				    "%s: %s (the locks are in etcd now; run this again)",
				    project_path(m->p, PROJECT_CONFIG),
				    strerror(-rc));
	lockdoc_drop_if(doc, every_claim, NULL);
	m->left = lockdoc_unclaimed_count(doc);
	return 1;
}

static int check_not_mounted(const char *cmd, struct project *p)
{
	pid_t pid;

	if (!mount_daemon_running(project_path(p, PROJECT_PID), &pid))
		return EXIT_OK;
	cli_error(cmd, "the project is mounted (pid %ld): run lockfs umount first, then this, then mount again",
		  (long)pid);
	return EXIT_USAGE;
}

/* Moving is from the file store: a project on etcd already has its
 * settings edited in .locks/config. */
static int check_on_files(const char *cmd, struct project *p)
{
	const struct lf_config *cfg;
	struct lf_error err = { 0 };

	if (project_config(p, &cfg, &err) < 0) {
		cli_error(cmd, "%s", err.msg);
		return EXIT_USAGE;
	}
	if (cfg->backend == BACKEND_FILE)
		return EXIT_OK;
	cli_error(cmd, "the project's locks are in etcd already; its settings are in %s",
		  project_path(p, PROJECT_CONFIG));
	return EXIT_USAGE;
}

int init_etcd(const char *cmd, struct project *p, const char *endpoints,
	      const char *prefix)
{
	const char *path = project_path(p, PROJECT_CONFIG);
	struct lf_config cfg = { 0 };
	struct lf_error err = { 0 };
	struct move m = { .cmd = cmd, .p = p, .cfg = &cfg };
	struct store_txn txn = { .apply = move_locks, .arg = &m };
	char *old = NULL, *text = NULL;
	size_t len = 0;
	int rc, code;

	code = check_not_mounted(cmd, p);
	if (code == EXIT_OK)
		code = check_on_files(cmd, p);
	if (code != EXIT_OK)
		return code;
	rc = readfile_path(path, 0, CONFIG_MAX_BYTES, &old, &len, NULL);
	if (rc < 0 && rc != -ENOENT) {
		cli_error(cmd, "%s: %s", path, strerror(-rc));
		return EXIT_STORE;
	}
	text = new_config(old ? old : "", old ? len : 0, endpoints, prefix);
	free(old);
	if (!text) {
		cli_error(cmd, "out of memory");
		return EXIT_STORE;
	}
	if (config_parse(text, strlen(text), &cfg, &err) < 0) {
		cli_error(cmd, "%s would not be valid: %s", path, err.msg);
		free(text);
		return EXIT_USAGE;
	}
	m.config_text = text;
	rc = store_transact(project_store(p), &txn, &err);
	if (rc < 0) {
		cli_error(cmd, "%s", err.msg);
		code = rc == -EEXIST ? EXIT_HELD : EXIT_STORE;
	} else {
		printf("moved %zu lock%s to etcd (%s, prefix %s); %s now says backend = etcd\n",
		       m.imported, m.imported == 1 ? "" : "s", endpoints,
		       cfg.etcd.prefix, path);
		if (m.left)
			printf("%zu entr%s of locks.json that claim nothing stay there\n",
			       m.left, m.left == 1 ? "y" : "ies");
		code = EXIT_OK;
	}
	config_free(&cfg);
	free(text);
	return code;
}
