/* project.c - paths of a project's lock files, and the open handle that
 * owns its store and configuration; see project.h. */
#include "project.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "project_impl.h"
#include "readfile.h"
#include "store_etcd.h"
#include "store_file.h"
#include "store_none.h"
#include "writefile.h"

int project_discover(const char *start, char *root, size_t rootlen,
		     struct lf_error *err)
{
	char dir[PATH_MAX], probe[PATH_MAX + 8];
	struct stat sb;
	char *slash;

	if (!realpath(start, dir))
		return lf_error_set(err, errno, "%s: %s", start, strerror(errno));
	for (;;) {
		snprintf(probe, sizeof(probe), "%s/.locks", strcmp(dir, "/") ? dir : "");
		if (stat(probe, &sb) == 0 && S_ISDIR(sb.st_mode))
			break;
		slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			if (!realpath(start, dir))
				return lf_error_set(err, errno, "%s: %s", start,
						    strerror(errno));
			break;
		}
		*slash = '\0';
	}
	if (strlen(dir) >= rootlen)
		return lf_error_set(err, ENAMETOOLONG, "%s: path too long", dir);
	strcpy(root, dir);
	return 0;
}

/* Each file's name in .locks/ ("" for .locks/ itself) and the buffer of
 * struct project that holds its path. */
static const struct {
	const char *leaf;
	size_t field;
} layout[] = {
#define FIELD(name) offsetof(struct project, name)
	[PROJECT_LOCKS_DIR] = { "", FIELD(locks_dir) },
	[PROJECT_STORE] = { "locks.json", FIELD(store_path) },
	[PROJECT_SIDECAR] = { "locks.lock", FIELD(sidecar_path) },
	[PROJECT_TOKEN] = { "last_token", FIELD(token_path) },
	[PROJECT_CONFIG] = { "config", FIELD(config_path) },
	[PROJECT_EVENTS] = { "events.log", FIELD(events_path) },
	[PROJECT_PID] = { "mount.pid", FIELD(pid_path) },
	[PROJECT_MOUNTPOINT] = { "fs", FIELD(mountpoint) },
	[PROJECT_ETCD_LEASE] = { "etcd-lease", FIELD(lease_path) },
	[PROJECT_ETCD_REVISION] = { "etcd-revision", FIELD(revision_path) },
	[PROJECT_CONFIG_GOOD] = { "config.last-good", FIELD(config_good_path) },
#undef FIELD
};

#define LAYOUT_FILES (sizeof(layout) / sizeof(layout[0]))

int project_path_at(const char *root, enum project_file which, char *out,
		    struct lf_error *err)
{
	const char *leaf = layout[which].leaf;
	const char *slash = leaf[0] ? "/" : "";

	if (snprintf(out, PATH_MAX, "%s/.locks%s%s", root, slash, leaf) >=
	    PATH_MAX)
		return lf_error_set(err, ENAMETOOLONG,
				    "%s/.locks%s%s: path too long", root, slash,
				    leaf);
	return 0;
}

static int set_paths(struct project *p, const char *root, struct lf_error *err)
{
	char abs[PATH_MAX];
	size_t i;
	int rc = 0;

	if (!realpath(root, abs))
		return lf_error_set(err, errno, "%s: %s", root, strerror(errno));
	strcpy(p->root, abs);
	for (i = 0; rc == 0 && i < LAYOUT_FILES; i++)
		rc = project_path_at(p->root, i, (char *)p + layout[i].field,
				     err);
	return rc;
}

/* Create path with mode unless it exists.  An existing symbolic link is
 * refused: the mount command would otherwise chmod and mount over
 * whatever it points to (/etc, for a root daemon).  Beyond that an
 * existing mount point is not inspected: it may be a live or a dead mount,
 * which is the mount command's business, and a stat would wait on a
 * stopped daemon (readlink does not reach the file system mounted there). */
static int make_dir(const char *path, mode_t mode, bool must_be_dir,
		    struct lf_error *err)
{
	struct stat sb;
	char target;

	if (mkdir(path, mode) == 0)
		return chmod(path, mode) == 0 ? 0 :
			lf_error_set(err, errno, "%s: %s", path, strerror(errno));
	if (errno != EEXIST)
		return lf_error_set(err, errno, "cannot create %s: %s", path,
				    strerror(errno));
	if (readlink(path, &target, 1) >= 0)
		return lf_error_set(err, ENOTDIR,
				    "%s is a symbolic link; refusing it", path);
	if (must_be_dir && (lstat(path, &sb) < 0 || !S_ISDIR(sb.st_mode)))
		return lf_error_set(err, ENOTDIR, "%s exists and is not a directory",
				    path);
	return 0;
}

/* An empty store, {"locks": []}, so hand-editing agents find the
 * file they expect.  O_EXCL: never clobber one that appeared meanwhile. */
static int make_store(const char *path, struct lf_error *err)
{
	static const char empty[] = "{\n  \"locks\": []\n}\n";
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		      0644);

	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0)
		return lf_error_set(err, errno, "cannot create %s: %s", path,
				    strerror(errno));
	if (write(fd, empty, sizeof(empty) - 1) != (ssize_t)(sizeof(empty) - 1)) {
		close(fd);
		unlink(path);
		return lf_error_set(err, EIO, "cannot write %s", path);
	}
	close(fd);
	return 0;
}

static int create_layout(const struct project *p, struct lf_error *err)
{
	int rc;

	rc = make_dir(p->locks_dir, 0755, true, err);
	if (rc == 0)
		rc = make_dir(p->mountpoint, 0555, false, err);
	if (rc == 0)
		rc = make_store(p->store_path, err);
	return rc;
}

/* Remember what is wrong with .locks/config, telling config_report when
 * that changes (err NULL: nothing is wrong any more). */
static void note_config_error(struct project *p, const struct lf_error *err)
{
	bool was = p->config_error.code != 0;

	if (!err) {
		lf_error_clear(&p->config_error);
		if (was && p->config_report)
			p->config_report(p, NULL);
		return;
	}
	if (was && strcmp(p->config_error.msg, err->msg) == 0)
		return;
	p->config_error = *err;
	if (p->config_report)
		p->config_report(p, err->msg);
}

/* Load .locks/config.  On failure the stamp is cleared, so the next
 * project_config() tries again instead of trusting the old settings, and
 * the configuration stays the last good one (the defaults at first). */
/* The last .locks/config that parsed, kept as .locks/config.last-good:
 * a command started while the file is broken goes on reading with those
 * settings (above all, the store they name) rather than the defaults.
 * Written only when it differs; losing it costs only that. */
static void keep_good_copy(const struct project *p)
{
	char *now = NULL, *kept = NULL;
	size_t now_len = 0, kept_len = 0;

	if (readfile_path(p->config_path, O_NOFOLLOW, CONFIG_MAX_BYTES, &now,
			  &now_len, NULL) < 0)
		goto out;
	if (readfile_path(p->config_good_path, O_NOFOLLOW, CONFIG_MAX_BYTES,
			  &kept, &kept_len, NULL) == 0 && kept_len == now_len &&
	    memcmp(kept, now, now_len) == 0)
		goto out;
	lf_ignore_result(writefile_replace(p->config_good_path, now, now_len,
					   0644));
out:
	free(now);
	free(kept);
}

/* The settings while .locks/config is broken: the last good copy when
 * there is one, else the defaults. */
static void fall_back(struct project *p)
{
	if (config_load(p->config_good_path, &p->config, NULL) == 0)
		return;
	memset(&p->config, 0, sizeof(p->config));
	config_defaults(&p->config, NULL);
}

static int load_config(struct project *p)
{
	struct filestamp stamp;
	struct lf_error why = { 0 };
	struct lf_config cfg;
	int rc;

	/* An unreadable stamp (all zero) makes the next call load again. */
	filestamp_get(p->config_path, false, &stamp);
	memset(&p->config_stamp, 0, sizeof(p->config_stamp));
	rc = config_load(p->config_path, &cfg, &why);
	if (rc < 0) {
		p->config_valid = false;
		note_config_error(p, &why);
		if (!p->config.names) {
			fall_back(p);
			if (p->store)
				store_configure(p->store, &p->config);
		}
		return rc;
	}
	note_config_error(p, NULL);
	config_free(&p->config);
	p->config = cfg;
	p->config_stamp = stamp;
	p->config_valid = true;
	if (stamp.present)
		keep_good_copy(p);
	if (p->store)
		store_configure(p->store, &p->config);
	return 0;
}

/* The backend the configuration names, as it stands when the project is
 * opened. */
static int open_store(struct project *p, struct lf_error *err)
{
	struct store_file_paths files = {
		.store_path = p->store_path,
		.sidecar_path = p->sidecar_path,
		.token_path = p->token_path,
		.events_path = p->events_path,
	};
	struct store_etcd_paths etcd = {
		.root = p->root,
		.lease_path = p->lease_path,
		.revision_path = p->revision_path,
	};
	int rc;

	if (p->config_error.code && !p->config_valid &&
	    p->config.backend == BACKEND_FILE &&
	    config_names_etcd(p->config_path))
		rc = store_none_open(&p->config_error, &p->store, err);
	else if (p->config.backend == BACKEND_ETCD)
		rc = store_etcd_open(&p->config, &etcd, &p->store, err);
	else
		rc = store_file_open(&files, &p->store, err);
	if (rc == 0)
		store_configure(p->store, &p->config);
	return rc;
}

int project_open(const char *root, bool create, struct project **out,
		 struct lf_error *err)
{
	struct project *p;
	int rc;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return lf_error_set(err, ENOMEM, "out of memory");
	p->proc_root = "/proc";
	p->alive = identity_alive_cache_new();
	if (!p->alive) {
		rc = lf_error_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	rc = set_paths(p, root, err);
	if (rc == 0 && create)
		rc = create_layout(p, err);
	if (rc < 0)
		goto fail;
	/* A bad config is reported by every operation that needs it (the
	 * stamp stays unset so project_config() tries again), not here:
	 * unmounting or fixing the project must not depend on it. */
	load_config(p);
	rc = open_store(p, err);
	if (rc < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	project_close(p);
	return rc;
}

void project_close(struct project *p)
{
	if (!p)
		return;
	store_close(p->store);
	config_free(&p->config);
	identity_alive_cache_free(p->alive);
	free(p);
}

const char *project_root(const struct project *p)
{
	return p->root;
}

const char *project_path(const struct project *p, enum project_file which)
{
	return (const char *)p + layout[which].field;
}

struct store *project_store(struct project *p)
{
	return p->store;
}

const char *project_proc_root(const struct project *p)
{
	return p->proc_root;
}

void project_set_proc_root(struct project *p, const char *proc_root)
{
	p->proc_root = proc_root;
}

void project_set_config_report(struct project *p,
			       void (*report)(const struct project *p,
					      const char *msg))
{
	p->config_report = report;
	if (report && p->config_error.code)
		report(p, p->config_error.msg);
}

static bool config_changed(const struct project *p)
{
	struct filestamp now;

	/* A file that cannot be stat'ed counts as missing, as in
	 * load_config(). */
	filestamp_get(p->config_path, false, &now);
	return !filestamp_equal(&now, &p->config_stamp);
}

int project_config(struct project *p, const struct lf_config **out,
		   struct lf_error *err)
{
	int rc = 0;

	if (!p->config_valid || config_changed(p))
		rc = load_config(p);
	*out = &p->config;
	if (rc < 0)
		return lf_error_set(err, p->config_error.code,
				    ".locks/config is broken (%s); changes are "
				    "refused until it is fixed",
				    p->config_error.msg);
	return 0;
}

int project_config_read(struct project *p, const struct lf_config **out,
			struct lf_error *broken, struct lf_error *err)
{
	lf_error_clear(broken);
	if (project_config(p, out, NULL) == 0)
		return 0;
	if (!(*out)->names)
		return lf_error_set(err, p->config_error.code, "%s",
				    p->config_error.msg);
	if (broken)
		*broken = p->config_error;
	return 0;
}
