/* config.h - the per-project settings file, <project>/.locks/config.
 *
 * Plain "key = value" lines; '#' starts a comment; blank lines are ignored.
 *
 *   stale_seconds = 900          # a lock this old is stale (1..604800)
 *   default_names = yes          # no: only the names listed below
 *   resource = Appendix_A        # repeatable: a name or a pattern
 *   resource = ImageRegistry_Chapter_[0-9][0-9]
 *   durability = file            # rename | file | full (see store.h)
 *   guard = Manuscript/Chapters/Chapter_[0-9][0-9]* -> Chapter_$1$2
 *                                # repeatable, first match wins (guard.h)
 *   guard_mode = take            # check | take (what the edit hook does)
 *
 * Where the locks live (the etcd_* keys are checked with backend = file
 * too, and kept, but used only with backend = etcd):
 *
 *   backend = etcd               # file (default) | etcd
 *   etcd_endpoints = https://10.0.0.5:2379, https://10.0.0.6:2379
 *                                # 1..16, all http:// or all https://
 *   etcd_prefix = /lockfs/my-book/   # this project's keys; "/" is added
 *   etcd_cacert = certs/ca.pem   # relative: to the project root
 *   etcd_cert = certs/me.pem     # with etcd_key; TLS files need https://
 *   etcd_key = /etc/lockfs/me.key
 *   etcd_user = book             # its password: LOCKFS_ETCD_PASSWORD, or
 *   etcd_password_file = /etc/lockfs/password   # mode 0600 or stricter
 *   etcd_connect_timeout_ms = 2000   # 50..60000
 *   etcd_request_timeout_ms = 5000   # 100..600000
 *   etcd_lease_seconds = 10      # 2..3600: how soon a dead process's
 *                                # locks go stale
 *
 * With backend = etcd, etcd_endpoints and etcd_prefix are required.  A key
 * etcd_password is refused: a password never goes in this file, which
 * every agent of the project reads.
 *
 * A missing file means all defaults.  Any unknown key or bad value is an
 * error naming the line, so a typo never silently changes behaviour.  A
 * UTF-8 byte order mark at the start is skipped.
 */
#ifndef LOCKFS_CONFIG_H
#define LOCKFS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "guard.h"
#include "names.h"

#define CONFIG_MAX_BYTES (64 * 1024)
#define STALE_SECONDS_DEFAULT 900

#define CONFIG_ETCD_MAX_ENDPOINTS 16
#define CONFIG_ETCD_CONNECT_TIMEOUT_MS_DEFAULT 2000
#define CONFIG_ETCD_REQUEST_TIMEOUT_MS_DEFAULT 5000
#define CONFIG_ETCD_LEASE_SECONDS_DEFAULT 10

enum durability {
	DURABILITY_RENAME,	/* write temp file, rename: survives process crashes;
				 * a store a power loss broke is reset at the
				 * next start (store.h) */
	DURABILITY_FILE,	/* + fsync the temp file before the rename */
	DURABILITY_FULL,	/* + fsync the directory after the rename */
};

/* What `lockfs hook pre-tool-use` does with an edit of a guarded file. */
enum guard_mode {
	GUARD_TAKE,	/* refuse others' locks, take free ones (default) */
	GUARD_CHECK,	/* refuse others' locks, take nothing */
};

enum store_backend {
	BACKEND_FILE,	/* .locks/locks.json (default) */
	BACKEND_ETCD,	/* an etcd v3 cluster, for several machines */
};

/* The etcd settings, as parsed; strings are malloc'd, NULL when not
 * given.  Paths are as written: a relative one is relative to the
 * project root (config_path_resolve()). */
struct etcd_config {
	char *endpoints[CONFIG_ETCD_MAX_ENDPOINTS];	/* "https://10.0.0.5:2379",
							 * no trailing "/" */
	size_t n_endpoints;
	char *prefix;		/* starts and ends with "/" */
	char *cacert;
	char *cert;		/* given with key, or neither */
	char *key;
	char *user;
	char *password_file;
	unsigned connect_timeout_ms;
	unsigned request_timeout_ms;
	unsigned lease_seconds;	/* TTL of a long-running process's lease */
};

struct lf_config {
	unsigned stale_seconds;
	enum durability durability;
	struct nameset *names;
	struct guard_rule *guards;	/* in file order */
	size_t nguards;
	enum guard_mode guard_mode;
	enum store_backend backend;
	struct etcd_config etcd;
};

/* Defaults (no file): 900 s, DURABILITY_RENAME, the default names, no
 * guards, GUARD_TAKE, BACKEND_FILE, no etcd settings but the timeouts'
 * and the lease's defaults. */
int config_defaults(struct lf_config *out, struct lf_error *err);

/* Parse a config file's bytes (for tests and fuzzing). */
int config_parse(const char *buf, size_t len, struct lf_config *out,
		 struct lf_error *err);

/* Load path; a missing file gives config_defaults().  -EINVAL for a bad
 * file (message: "config line 3: ..."), -EFBIG past CONFIG_MAX_BYTES. */
int config_load(const char *path, struct lf_config *out, struct lf_error *err);

/* Does the file at path, good or broken, have a line "backend = etcd"?
 * For a project whose file does not parse: its locks are not in
 * locks.json then, whatever else is wrong. */
bool config_names_etcd(const char *path);

void config_free(struct lf_config *cfg);

/* The etcd password into out (outlen bytes, NUL-terminated): the
 * environment's LOCKFS_ETCD_PASSWORD when set and not empty (it wins, as
 * it belongs to one process and the file to the whole project), else the
 * first line of etcd_password_file (its line end dropped; relative to
 * project_root when relative), which must be a regular file no one but
 * its owner may read or write (mode & 077 == 0).  Errors:
 *   -ENOENT  neither is given;
 *   -EACCES  the file's mode lets others in (the message gives the mode),
 *            or the file may not be read;
 *   -EINVAL  the file is missing (it was given, so this is not -ENOENT)
 *            or not a regular file, the password is empty, holds a NUL
 *            byte or does not fit in out;
 *   other -errno of reading the file.
 * The password never appears in a message. */
int config_etcd_password(const struct lf_config *cfg, const char *project_root,
			 char *out, size_t outlen, struct lf_error *err);

/* A path from the config file as the file means it: path itself when
 * absolute, else project_root/path.  0; -ENAMETOOLONG when out (outlen
 * bytes) is too small, -EINVAL for a relative path and no project_root. */
int config_path_resolve(const char *project_root, const char *path, char *out,
			size_t outlen);

#endif
