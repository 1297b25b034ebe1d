/* cli.h - what the lockfs subcommands (cmd_*.c) share: their options as
 * tables (the parser and --help both read them), the one opening of a
 * request on resources (project, caller, outcomes), parsing numbers,
 * turning core's answers into messages and exit codes, and taking locks
 * with an optional wait.
 *
 * Nothing here decides who may hold a lock: every decision comes back from
 * lockops.h, and these helpers only say it in words and in an exit code
 * (commands.h).  All messages go to stderr as "lockfs CMD: ...".
 */
#ifndef LOCKFS_CLI_H
#define LOCKFS_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "commands.h"
#include "lockops.h"
#include "project.h"

/* The longest wait accepted (a year): keeps deadlines far from overflow. */
#define CLI_WAIT_MAX (365.0 * 24 * 3600)

/* "lockfs CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- a command's options, as a table ----
 *
 * In the spirit of git's parse-options: each command lists its options
 * once (name, short letter, kind of value, where the value goes, one line
 * of help), and both the parser and --help read that list, so the two
 * cannot disagree.  --help (-h) is every command's and is not listed. */

enum cli_opt_kind {
	CLI_OPT_FLAG,		/* no value: *(bool *)dest = true */
	CLI_OPT_STRING,		/* *(const char **)dest = the value */
	CLI_OPT_SECONDS,	/* *(double *)dest, by cli_parse_seconds() */
};

struct cli_option {
	const char *name;	/* "wait" for --wait */
	char letter;		/* 'w' for -w; 0: no short form */
	enum cli_opt_kind kind;
	void *dest;
	const char *value;	/* the value's name in help ("SECS"); NULL
				 * for a flag */
	const char *help;	/* what it does; a '\n' continues it on the
				 * next line of the help */
};

/* What the usage line and --help say about a command besides its
 * options. */
struct cli_command {
	const char *name;	/* "acquire" */
	const char *operands;	/* after the options ("RESOURCE..."), or
				 * NULL for none */
	const char *summary;	/* what it does, one or two lines */
	const char *exit;	/* "Exit: 0 ...; 1 ...", kept short */
	const char *page;	/* the manual page that says more */
	bool options_first;	/* options end at the first operand */
};

/* Parse argv's options (argv[0] is the command) by the table opts, ended
 * by a row whose name is NULL: values go to the rows' dest, and optind is
 * left at the first operand.  Returns CLI_GO to go on, or the exit code to
 * return at once: EXIT_OK after --help, EXIT_USAGE after a bad option or
 * value (said on stderr with the usage line). */
#define CLI_GO (-1)
int cli_parse(const struct cli_command *c, const struct cli_option *opts,
	      int argc, char **argv);

/* A usage error: "lockfs CMD: message", then the command's usage line;
 * returns EXIT_USAGE. */
int cli_usage_error(const struct cli_command *c,
		    const struct cli_option *opts, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Exit code for a core error that is not a refusal: EXIT_USAGE for
 * -EINVAL (a bad name, label or config), else EXIT_STORE. */
int cli_exit_code(int rc);

enum cli_open_mode {
	CLI_READ,		/* a missing .locks/ reads as an empty store,
				 * with a note on stderr that there is none */
	CLI_CHANGE,		/* a missing .locks/ is an error (EXIT_STORE) */
	CLI_CREATE,		/* create .locks/ and the store when missing,
				 * saying on stderr that it did and where */
	CLI_SETUP,		/* the same, silently: creating it is the
				 * command's purpose */
};

/* Open the project at root; prints why not and returns an exit code. */
int cli_open(const char *cmd, const char *root, enum cli_open_mode mode,
	     struct project **out);

/* Resolve the instance that ran this lockfs (identity.h walks past
 * lockfs itself); prints why not and returns an exit code. */
int cli_caller(const char *cmd, struct project *p, struct holder *out);

/* SECS: a non-negative decimal number (fractions allowed) up to
 * CLI_WAIT_MAX.  TOKEN: a positive integer.  -EINVAL otherwise. */
int cli_parse_seconds(const char *s, double *out);
int cli_parse_token(const char *s, long long *out);

/* Copy s for a terminal (text_clean()): control characters become '?',
 * bytes that are not UTF-8 U+FFFD; a string too long for out is cut at a
 * character boundary. */
void cli_safe(char *out, size_t len, const char *s);

/* "10:03" (local time, today) or "2026-11-26 10:03" (another day); "?"
 * and false for a timestamp that does not parse. */
bool cli_format_since(const char *iso, time_t now, char *out, size_t len);

/* "12 s", "4 min", "2 h", "3 days". */
void cli_format_age(long long secs, char *out, size_t len);

/* Why a lock is stale, in words ("its holder process has exited"). */
const char *cli_stale_words(enum stale_reason r);

/* One sentence about a refused resource: "Chapter_03 is held by CLI-12345
 * since 10:03 (4 min ago)", with the staleness and force_hint (e.g.
 * "--force overrides it") when the lock is stale. */
void cli_describe_refusal(char *out, size_t len, const char *name,
			  const struct lock_outcome *o, time_t now,
			  const char *force_hint);

/* Exit code of a refused request: EXIT_STALE when every refused resource
 * is held by another whose lock is stale, else EXIT_HELD. */
int cli_refusal_code(const struct lock_outcome *o, size_t n);

/* True when some resource of the request was refused. */
bool cli_refused(const struct lock_outcome *o, size_t n);

/* Print every refused resource (prefix may be "" or "gave up after 3 s: "). */
void cli_report_refusals(const char *cmd, const char *prefix,
			 const char *const *names,
			 const struct lock_outcome *o, size_t n, time_t now,
			 const char *force_hint);

/* For a resource core found absent: when name is not one of the project's
 * names either, say so with the nearest valid one and return EXIT_USAGE
 * (the caller mistyped it); else return EXIT_HELD. */
int cli_absent_code(const char *cmd, struct project *p, const char *name);

/* The sentence cli_absent_code() prints ("\"chapter_3\" is not a resource
 * name of this project; did you mean Chapter_03?"), in out; false when
 * name is one of the project's names. */
bool cli_describe_unknown(char *out, size_t len, struct project *p,
			  const char *name);

/* What acquire, release, renew and run start from: the resources named on
 * the command line, the project, the calling instance, and one outcome
 * per resource for core to fill in. */
struct cli_request {
	const char *cmd;		/* for messages */
	struct project *p;
	struct holder caller;
	const char *const *names;
	size_t n;
	struct lock_outcome *out;	/* n slots */
};

/* Open a request on the n names (none is a usage error, said with c's
 * usage line): the project opened in mode, the caller resolved (with
 * force added to what the environment says), out allocated.  Returns an
 * exit code, after saying why on stderr; cli_request_end() is due in
 * every case. */
int cli_request_begin(struct cli_request *r, const struct cli_command *c,
		      const struct cli_option *opts, const char *root,
		      enum cli_open_mode mode, char **names, size_t n,
		      bool force);
void cli_request_end(struct cli_request *r);

/* How to take the request's locks: one all-or-nothing REQ_CREATE, retried
 * as the store changes until wait seconds have passed. */
struct cli_take {
	const char *note;		/* NULL: none */
	double wait;			/* seconds; 0: one attempt */
	const sigset_t *wait_sigmask;	/* signal mask while asleep, or NULL */
};

/* Returns an exit code; on EXIT_OK r->out holds the actions and tokens. */
int cli_take(struct cli_request *r, const struct cli_take *t);

/* The options of the commands that take locks (acquire, run): --wait,
 * --force and --note into t and force; opts has room for 4 rows. */
void cli_take_options(struct cli_option *opts, struct cli_take *t,
		      bool *force);

/* "Chapter_03 token 17 acquired" (and whose lock was taken over) for each
 * resource of a granted request. */
void cli_print_taken(FILE *f, const char *const *names,
		     const struct lock_outcome *o, size_t n);

/* "Chapter_03 released", or whose lock it was when a release was an
 * override or forced. */
void cli_print_released(FILE *f, const char *name, const struct lock_outcome *o);

/* "Chapter_03 token 17 holds the lock (live)": a check that passed. */
void cli_print_checked(FILE *f, const char *name, long long token);

/* The `lockfs status` dashboard of list on f (colours only when f is a
 * terminal); an exit code. */
int status_print_table(FILE *f, struct project *p,
		       const struct lock_list *list);

/* "cleared 3 locks" / "cleared 1 stale lock". */
void cli_print_cleared(FILE *f, size_t cleared, bool stale_only);

#endif
