/* cli.c - the helpers every lockfs subcommand uses; see cli.h.
 *
 * The subcommands are thin: they parse their arguments, call one lockops
 * function and hand the result here to be worded and mapped to an exit
 * code, so that every subcommand says the same thing the same way.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "isotime.h"
#include "names.h"
#include "text.h"
#include "store.h"

#define MSG_MAX 1024

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lockfs %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- options ---- */

/* Rows a table may have: a longer one is a mistake in lockfs itself. */
#define CLI_OPTIONS_MAX 8
#define HELP_COLUMN 20		/* where the options' help starts */

static void print_usage_line(FILE *f, const struct cli_command *c,
			     const struct cli_option *opts)
{
	size_t i;

	fprintf(f, "usage: lockfs %s", c->name);
	for (i = 0; opts[i].name; i++)
		fprintf(f, " [--%s%s%s]", opts[i].name, opts[i].value ? " " : "",
			opts[i].value ? opts[i].value : "");
	fprintf(f, "%s%s\n", c->operands ? " " : "",
		c->operands ? c->operands : "");
}

/* "  -w, --wait SECS   wait up to ...", the help's lines aligned. */
static void print_option(FILE *f, char letter, const char *name,
			 const char *value, const char *help)
{
	char spec[64];
	int len;

	len = snprintf(spec, sizeof(spec), "%c%c%s--%s%s%s",
		       letter ? '-' : ' ', letter ? letter : ' ',
		       letter ? ", " : "  ", name, value ? " " : "",
		       value ? value : "");
	fprintf(f, "  %s", spec);
	if (len + 2 + 2 > HELP_COLUMN)
		fprintf(f, "\n%*s", HELP_COLUMN, "");
	else
		fprintf(f, "%*s", HELP_COLUMN - 2 - len, "");
	for (; *help; help++) {
		fputc(*help, f);
		if (*help == '\n')
			fprintf(f, "%*s", HELP_COLUMN, "");
	}
	fputc('\n', f);
}

static int print_help(const struct cli_command *c,
		      const struct cli_option *opts)
{
	size_t i;

	print_usage_line(stdout, c, opts);
	printf("\n%s\n\n", c->summary);
	for (i = 0; opts[i].name; i++)
		print_option(stdout, opts[i].letter, opts[i].name,
			     opts[i].value, opts[i].help);
	print_option(stdout, 'h', "help", NULL, "this text");
	printf("\n%s\nSee %s.\n", c->exit, c->page);
	return EXIT_OK;
}

int cli_usage_error(const struct cli_command *c,
		    const struct cli_option *opts, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lockfs %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_usage_line(stderr, c, opts);
	fprintf(stderr, "'lockfs %s --help' says more.\n", c->name);
	return EXIT_USAGE;
}

/* What getopt_long() returned for a bad option (opterr is 0 and the
 * option string starts with ':'). */
static int bad_option(const struct cli_command *c,
		      const struct cli_option *opts, int opt, char **argv)
{
	const char *arg = argv[optind - 1];
	char shown[64];

	/* A long option names itself; a short one may sit in a cluster. */
	if (strncmp(arg, "--", 2) == 0)
		snprintf(shown, sizeof(shown), "%.*s", (int)strcspn(arg, "="),
			 arg);
	else
		snprintf(shown, sizeof(shown), "-%c", optopt ? optopt : '?');
	if (opt == ':')
		return cli_usage_error(c, opts, "option %s needs a value", shown);
	return cli_usage_error(c, opts, "unknown option %s", shown);
}

/* getopt's code for row i: its letter, else a value no letter has. */
static int option_code(const struct cli_option *opts, size_t i)
{
	return opts[i].letter ? opts[i].letter : 256 + (int)i;
}

static int store_value(const struct cli_command *c,
		       const struct cli_option *opts,
		       const struct cli_option *o, char *arg)
{
	if (o->kind == CLI_OPT_FLAG) {
		*(bool *)o->dest = true;
		return CLI_GO;
	}
	if (o->kind == CLI_OPT_STRING) {
		*(const char **)o->dest = arg;
		return CLI_GO;
	}
	if (cli_parse_seconds(arg, o->dest) == 0)
		return CLI_GO;
	return cli_usage_error(c, opts, "--%s takes a number of seconds (0 to "
			       "%.0f), not \"%s\"", o->name, CLI_WAIT_MAX, arg);
}

int cli_parse(const struct cli_command *c, const struct cli_option *opts,
	      int argc, char **argv)
{
	struct option longopts[CLI_OPTIONS_MAX + 2];
	char shortopts[2 * CLI_OPTIONS_MAX + 4];
	size_t i, len = 0;
	int opt, code;

	/* '+': what follows the first operand is not ours (run's COMMAND,
	 * check's token "-1"). */
	if (c->options_first)
		shortopts[len++] = '+';
	shortopts[len++] = ':';
	for (i = 0; opts[i].name; i++) {
		if (i == CLI_OPTIONS_MAX)
			abort();
		longopts[i] = (struct option){
			opts[i].name,
			opts[i].kind == CLI_OPT_FLAG ? no_argument :
			required_argument,
			NULL, option_code(opts, i) };
		if (!opts[i].letter)
			continue;
		shortopts[len++] = opts[i].letter;
		if (opts[i].kind != CLI_OPT_FLAG)
			shortopts[len++] = ':';
	}
	longopts[i] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[i + 1] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[len++] = 'h';
	shortopts[len] = '\0';
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (opt == 'h')
			return print_help(c, opts);
		for (i = 0; opts[i].name && option_code(opts, i) != opt; i++)
			;
		if (!opts[i].name)
			return bad_option(c, opts, opt, argv);
		code = store_value(c, opts, &opts[i], optarg);
		if (code != CLI_GO)
			return code;
	}
	return CLI_GO;
}

int cli_exit_code(int rc)
{
	return rc == -EINVAL ? EXIT_USAGE : EXIT_STORE;
}

static bool has_locks_dir(const char *root)
{
	char path[PATH_MAX];
	struct stat sb;

	if (project_path_at(root, PROJECT_LOCKS_DIR, path, NULL) < 0)
		return false;
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Commands that change the store need .locks/ to exist: creating it as a
 * side effect of `release` would turn any directory into a project. */
static int require_locks_dir(const char *cmd, const struct project *p)
{
	if (has_locks_dir(project_root(p)))
		return EXIT_OK;
	cli_error(cmd, "%s is not a lockfs project (no .locks/ here or above); "
		  "'lockfs init' or 'lockfs acquire' sets one up",
		  project_root(p));
	return EXIT_STORE;
}

int cli_open(const char *cmd, const char *root, enum cli_open_mode mode,
	     struct project **out)
{
	struct lf_error err = { 0 };
	bool existed = has_locks_dir(root);
	bool create = mode == CLI_CREATE || mode == CLI_SETUP;
	int code, rc;

	/* -EINVAL here is a bad .locks/config: the user's to fix, as a
	 * bad name is. */
	rc = project_open(root, create, out, &err);
	if (rc < 0) {
		cli_error(cmd, "%s", err.msg);
		return cli_exit_code(rc);
	}
	/* Someone in the wrong directory must not take an empty answer, or
	 * a new project, for the one they meant. */
	if (!existed && mode == CLI_READ)
		cli_error(cmd, "%s is not a lockfs project (no .locks/ here or "
			  "above): nothing is locked here; 'lockfs init' sets "
			  "one up", project_root(*out));
	if (!existed && mode == CLI_CREATE)
		cli_error(cmd, "no lockfs project here or above: created one "
			  "in %s", project_path(*out, PROJECT_LOCKS_DIR));
	if (mode != CLI_CHANGE)
		return EXIT_OK;
	code = require_locks_dir(cmd, *out);
	if (code != EXIT_OK) {
		project_close(*out);
		*out = NULL;
	}
	return code;
}

int cli_caller(const char *cmd, struct project *p, struct holder *out)
{
	struct lf_error err = { 0 };
	int rc;

	rc = identity_resolve(project_proc_root(p), getpid(), out, &err);
	if (rc == 0)
		return EXIT_OK;
	cli_error(cmd, "cannot tell which instance is asking: %s", err.msg);
	return cli_exit_code(rc);
}

/* strtod() alone would take "inf", "nan", "0x1p3" and "1e9". */
int cli_parse_seconds(const char *s, double *out)
{
	size_t digits = 0, dots = 0;
	const char *c;
	char *end;

	for (c = s; *c; c++) {
		if (*c >= '0' && *c <= '9')
			digits++;
		else if (*c == '.')
			dots++;
		else
			return -EINVAL;
	}
	if (digits == 0 || dots > 1)
		return -EINVAL;
	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || *end != '\0' || *out > CLI_WAIT_MAX)
		return -EINVAL;
	return 0;
}

int cli_parse_token(const char *s, long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out <= 0)
		return -EINVAL;
	return 0;
}

void cli_safe(char *out, size_t len, const char *s)
{
	if (len > 0)
		text_clean(out, len, s, strlen(s), TEXT_CONTROL_QUESTION);
}

bool cli_format_since(const char *iso, time_t now, char *out, size_t len)
{
	struct tm then_tm, now_tm;
	time_t then;

	if (!iso || isotime_parse(iso, &then) < 0 ||
	    !localtime_r(&then, &then_tm) || !localtime_r(&now, &now_tm)) {
		snprintf(out, len, "?");
		return false;
	}
	if (then_tm.tm_year == now_tm.tm_year &&
	    then_tm.tm_yday == now_tm.tm_yday)
		strftime(out, len, "%H:%M", &then_tm);
	else
		strftime(out, len, "%Y-%m-%d %H:%M", &then_tm);
	return true;
}

void cli_format_age(long long secs, char *out, size_t len)
{
	if (secs < 60)
		snprintf(out, len, "%lld s", secs < 0 ? 0 : secs);
	else if (secs < 3600)
		snprintf(out, len, "%lld min", secs / 60);
	else if (secs < 48 * 3600)
		snprintf(out, len, "%lld h", secs / 3600);
	else
		snprintf(out, len, "%lld days", secs / 86400);
}

const char *cli_stale_words(enum stale_reason r)
{
	switch (r) {
	case STALE_AGE:
		return "not renewed within the stale timeout";
	case STALE_HOLDER_EXITED:
		return "its holder process has exited";
	case STALE_BAD_TIMESTAMP:
		return "its timestamp is unreadable or in the future";
	case STALE_HOST_LOST:
		return "its machine stopped answering (lease expired)";
	case STALE_NONE:
		break;
	}
	return "live";
}

/* "held by X since 10:03 (4 min ago)", or without the age when the
 * timestamp is unreadable (core then reports no usable age). */
static void describe_holder(char *out, size_t len, const char *holder,
			    const char *since_iso, long long age, time_t now)
{
	char who[INSTANCE_MAX_LEN + 1], since[64], ago[32];

	cli_safe(who, sizeof(who), holder);
	if (!cli_format_since(since_iso, now, since, sizeof(since))) {
		snprintf(out, len, "held by %s since an unreadable time", who);
		return;
	}
	cli_format_age(age, ago, sizeof(ago));
	snprintf(out, len, "held by %s since %s (%s ago)", who, since, ago);
}

/* Another writer left several entries for one resource: each holder is
 * refused because of the others, so say so and how to get out of it. */
static void describe_duplicates(char *out, size_t len, const char *res,
				const struct lock_outcome *o)
{
	size_t used = strlen(out);

	if (o->entries < 2)
		return;
	snprintf(out + used, len - used,
		 ".  locks.json has %zu entries for %s%s, so it is locked for "
		 "every one of their holders: the holder who should keep it "
		 "runs 'lockfs acquire --force %s' (which leaves only its "
		 "entry), or remove the others from locks.json by hand",
		 o->entries, res, o->caller_has_one ? " (one of them yours)" : "",
		 res);
}

void cli_describe_refusal(char *out, size_t len, const char *name,
			  const struct lock_outcome *o, time_t now,
			  const char *force_hint)
{
	char held[256], res[NAME_SHOWN_SIZE];

	name_shown(name, res);
	if (o->state == LOCK_ABSENT) {
		snprintf(out, len, "%s is not locked", res);
		return;
	}
	describe_holder(held, sizeof(held), o->holder, o->since, o->age, now);
	if (o->state == LOCK_OTHER_STALE)
		snprintf(out, len, "%s is %s, but that lock is stale (%s); %s",
			 res, held, cli_stale_words(o->stale), force_hint);
	else
		snprintf(out, len, "%s is %s", res, held);
	describe_duplicates(out, len, res, o);
}

bool cli_refused(const struct lock_outcome *o, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (o[k].error != 0)
			return true;
	return false;
}

int cli_refusal_code(const struct lock_outcome *o, size_t n)
{
	bool any = false;
	size_t k;

	for (k = 0; k < n; k++) {
		if (o[k].error == 0)
			continue;
		if (o[k].state != LOCK_OTHER_STALE)
			return EXIT_HELD;
		any = true;
	}
	return any ? EXIT_STALE : EXIT_HELD;
}

void cli_report_refusals(const char *cmd, const char *prefix,
			 const char *const *names,
			 const struct lock_outcome *o, size_t n, time_t now,
			 const char *force_hint)
{
	char msg[MSG_MAX];
	size_t k;

	for (k = 0; k < n; k++) {
		if (o[k].error == 0)
			continue;
		cli_describe_refusal(msg, sizeof(msg), names[k], &o[k], now,
				     force_hint);
		cli_error(cmd, "%s%s", prefix, msg);
	}
}

bool cli_describe_unknown(char *out, size_t len, struct project *p,
			  const char *name)
{
	const struct lf_config *cfg;
	struct lf_error err = { 0 };
	char near[NAME_MAX_LEN + 1], res[NAME_SHOWN_SIZE];

	if (project_config(p, &cfg, &err) < 0 ||
	    nameset_contains(cfg->names, name))
		return false;
	name_shown(name, res);
	if (nameset_nearest(cfg->names, name, near, sizeof(near)))
		snprintf(out, len, "\"%s\" is not a resource name of this "
			 "project; did you mean %s?", res, near);
	else
		snprintf(out, len, "\"%s\" is not a resource name of this "
			 "project", res);
	return true;
}

int cli_absent_code(const char *cmd, struct project *p, const char *name)
{
	char msg[MSG_MAX];

	if (!cli_describe_unknown(msg, sizeof(msg), p, name))
		return EXIT_HELD;
	cli_error(cmd, "%s", msg);
	return EXIT_USAGE;
}

/* ---- taking locks, with a wait ---- */

int cli_request_begin(struct cli_request *r, const struct cli_command *c,
		      const struct cli_option *opts, const char *root,
		      enum cli_open_mode mode, char **names, size_t n,
		      bool force)
{
	int code;

	*r = (struct cli_request){ .cmd = c->name,
				   .names = (const char *const *)names,
				   .n = n };
	/* core rejects an empty list, but a usage message says it better */
	if (n == 0)
		return cli_usage_error(c, opts, "name at least one resource");
	code = cli_open(r->cmd, root, mode, &r->p);
	if (code == EXIT_OK)
		code = cli_caller(r->cmd, r->p, &r->caller);
	if (code != EXIT_OK)
		return code;
	r->caller.force = r->caller.force || force;
	r->out = calloc(n, sizeof(*r->out));
	if (r->out)
		return EXIT_OK;
	cli_error(r->cmd, "out of memory");
	return EXIT_STORE;
}

void cli_request_end(struct cli_request *r)
{
	free(r->out);
	r->out = NULL;
	project_close(r->p);
	r->p = NULL;
}

/* One attempt: EXIT_OK, a refusal's code (out[] says why), or an error
 * (in *err). */
static int attempt(struct cli_request *r, const struct cli_take *t,
		   bool *refused, struct lf_error *err)
{
	int rc;

	memset(r->out, 0, r->n * sizeof(*r->out));
	lf_error_clear(err);
	rc = lockops_request(r->p, &r->caller, REQ_CREATE, r->names, r->n,
			     t->note, time(NULL), r->out, err);
	*refused = rc < 0 && cli_refused(r->out, r->n);
	if (rc == 0)
		return EXIT_OK;
	if (*refused)
		return cli_refusal_code(r->out, r->n);
	return cli_exit_code(rc);
}

static const char force_hint[] = "--force overrides it";

int cli_take(struct cli_request *r, const struct cli_take *t)
{
	struct timespec deadline = clock_after(t->wait);
	struct store_watch *w = NULL;
	struct lf_error err, why = { 0 };
	char prefix[64] = "";
	bool refused, announced = false, unreachable = false;
	int code, rc;

	/* Watch before the first attempt, so that a release between the
	 * attempt and the sleep still wakes us. */
	if (t->wait > 0) {
		rc = store_watch_open(project_store(r->p), &w, &err);
		if (rc < 0) {
			cli_error(r->cmd, "cannot wait: %s", err.msg);
			return EXIT_STORE;
		}
	}
	for (;;) {
		code = attempt(r, t, &refused, &why);
		/* A store that answered when the wait began and fails now
		 * (an etcd cluster away, a hand edit half-way) is waited
		 * out like the holder: it may well be back in time. */
		if (code == EXIT_STORE && announced &&
		    !clock_passed(&deadline)) {
			if (!unreachable)
				cli_error(r->cmd, "still waiting: %s", why.msg);
			unreachable = true;
			store_watch_wait(w, &deadline, t->wait_sigmask);
			continue;
		}
		if (code != EXIT_OK && !refused)
			cli_error(r->cmd, "%s", why.msg);
		/* A stale lock is the user's to override (exit 4), not
		 * something to wait out. */
		if (!refused || code == EXIT_STALE || t->wait <= 0)
			break;
		if (clock_passed(&deadline)) {
			snprintf(prefix, sizeof(prefix), "gave up after %g s: ",
				 t->wait);
			break;
		}
		if (!announced)
			cli_report_refusals(r->cmd, "waiting: ", r->names,
					    r->out, r->n, time(NULL), force_hint);
		announced = true;
		store_watch_wait(w, &deadline, t->wait_sigmask);
	}
	if (refused)
		cli_report_refusals(r->cmd, prefix, r->names, r->out, r->n,
				    time(NULL), force_hint);
	store_watch_close(w);
	return code;
}

void cli_take_options(struct cli_option *opts, struct cli_take *t,
		      bool *force)
{
	opts[0] = (struct cli_option){ "wait", 'w', CLI_OPT_SECONDS, &t->wait,
		"SECS", "wait up to SECS seconds (fractions allowed) for\n"
		"another's lock to be released" };
	opts[1] = (struct cli_option){ "force", 'f', CLI_OPT_FLAG, force, NULL,
		"take over locks held by others, stale or live\n"
		"(as LOCKFS_FORCE=1)" };
	opts[2] = (struct cli_option){ "note", 'n', CLI_OPT_STRING, &t->note,
		"TEXT", "a one-line note for 'lockfs status' (at most\n"
		"200 bytes)" };
	opts[3] = (struct cli_option){ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL };
}

void cli_print_taken(FILE *f, const char *const *names,
		     const struct lock_outcome *o, size_t n)
{
	char who[INSTANCE_MAX_LEN + 1];
	size_t k;

	for (k = 0; k < n; k++) {
		fprintf(f, "%s token %lld ", names[k], o[k].token);
		cli_safe(who, sizeof(who), o[k].holder);
		switch (o[k].action) {
		case ACT_RENEW:
			fprintf(f, "renewed\n");
			break;
		case ACT_TAKE_OVER:
			fprintf(f, "taken over from %s (%s)\n", who,
				o[k].state == LOCK_OTHER_STALE ?
				cli_stale_words(o[k].stale) : "a live lock, forced");
			break;
		default:
			fprintf(f, "acquired\n");
			break;
		}
	}
}

void cli_print_released(FILE *f, const char *name, const struct lock_outcome *o)
{
	char who[INSTANCE_MAX_LEN + 1];

	cli_safe(who, sizeof(who), o->holder);
	switch (o->action) {
	case ACT_OVERRIDE_RELEASE:
		fprintf(f, "%s released: it was a stale lock of %s (%s)\n", name,
			who, cli_stale_words(o->stale));
		break;
	case ACT_FORCE_RELEASE:
		fprintf(f, "%s released: it was a live lock of %s (forced)\n",
			name, who);
		break;
	default:
		fprintf(f, "%s released\n", name);
		break;
	}
}

void cli_print_checked(FILE *f, const char *name, long long token)
{
	char res[NAME_MAX_LEN * 2];

	cli_safe(res, sizeof(res), name);
	fprintf(f, "%s token %lld holds the lock (live)\n", res, token);
}

void cli_print_cleared(FILE *f, size_t cleared, bool stale_only)
{
	fprintf(f, "cleared %zu %slock%s\n", cleared, stale_only ? "stale " : "",
		cleared == 1 ? "" : "s");
}
