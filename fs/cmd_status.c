/* cmd_status.c - `lockfs status [--json]`: the "Active Locks"
 * dashboard (who holds what, since when), for a person or for a program.
 *
 * One consistent read (lockops_list) gives every entry with its staleness,
 * age and oddities already worked out by core; this file lays them out as
 * a table, or as the JSON objects the mount shows for each lock file
 * (lockview_json) with the oddities added, so both views agree.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lockview.h"

static const struct cli_command status_cmd = {
	.name = "status",
	.summary = "Show every lock of the project: resource, instance, since, age, live\n"
		   "or stale and why, token and note; odd entries are marked with '!'.",
	.exit = "Exit: 0 shown; 2 usage; 3 store unreadable.",
	.page = "lockfs(1)",
};

/* ---- flags shared by both views ---- */

static const char *const flag_words[LOCK_NFLAGS] = {
	[LOCK_FLAG_UNKNOWN_NAME] = "not a resource name of this project",
	[LOCK_FLAG_DUPLICATE] = "another entry for this resource comes first; "
		"while both are there it is locked for both holders: the one "
		"who should keep it runs 'lockfs acquire --force' on it, or "
		"remove one entry from locks.json by hand",
	[LOCK_FLAG_BAD_TIMESTAMP] = "timestamp unreadable or far in the future, so it counts as stale",
	[LOCK_FLAG_BAD_FIELD] = "read as absent",
};

static const char no_claim_words[] =
	"it claims nothing; lockfs keeps it as it is (fix or remove it by hand)";

static bool is_odd(const struct lock_view *v)
{
	enum lock_flag f;

	for (f = 0; f < LOCK_NFLAGS; f++)
		if (lockview_has_flag(v, f))
			return true;
	return false;
}

/* ---- JSON ---- */

/* One object a line, the array around them; all or nothing on stdout. */
static int print_json(const struct lock_list *list)
{
	size_t i, n = list->n + list->n_unclaimed, len = 0;
	char *text, *out = NULL;
	FILE *f = open_memstream(&out, &len);
	int code = EXIT_OK;

	if (!f)
		goto out;
	fputc('[', f);
	for (i = 0; i < n && code == EXIT_OK; i++) {
		text = i < list->n ?
		       lockview_json(&list->v[i], LOCKVIEW_STATUS, NULL) :
		       lockview_unclaimed_json(list->unclaimed[i - list->n], NULL);
		if (!text)
			code = EXIT_STORE;
		else
			fprintf(f, "%s\n%s", i ? "," : "", text);
		free(text);
	}
	fprintf(f, "%s]\n", n ? "\n" : "");
	if (fclose(f) != 0)
		code = EXIT_STORE;
	if (code == EXIT_OK)
		fwrite(out, 1, len, stdout);
out:
	if (!f || code != EXIT_OK) {
		cli_error("status", "out of memory");
		code = EXIT_STORE;
	}
	free(out);
	return code;
}

/* ---- the table ---- */

enum column { COL_MARK, COL_RES, COL_INST, COL_SINCE, COL_AGE, COL_STATE,
	      COL_TOKEN, COL_NOTE, NCOLS };

static const char *const headers[NCOLS] = {
	"", "RESOURCE", "INSTANCE", "SINCE", "AGE", "STATE", "TOKEN", "NOTE",
};

struct row {
	char cell[NCOLS][4 * NOTE_MAX_LEN + 1];	/* a note of UTF-8 */
	const char *colour;		/* of the STATE cell, or NULL */
};

struct style {
	FILE *f;			/* where the table goes */
	bool on;
	const char *bold, *live, *stale, *odd, *reset;
};

/* Colour for a person at a terminal only (https://no-color.org). */
static struct style pick_style(FILE *f)
{
	const char *no_color = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	struct style s = { f, false, "", "", "", "", "" };
	int fd = fileno(f);

	if (fd < 0 || !isatty(fd) || (no_color && no_color[0]) ||
	    (term && strcmp(term, "dumb") == 0))
		return s;
	return (struct style){ f, true, "\033[1m", "\033[32m", "\033[33m",
			       "\033[31m", "\033[0m" };
}

/* Characters, not bytes: entries are valid UTF-8 (lockdoc.h). */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void fill_row(const struct lock_view *v, time_t now,
		     const struct style *st, struct row *r)
{
	const char *reason = policy_stale_reason_name(v->stale);

	snprintf(r->cell[COL_MARK], sizeof(r->cell[0]), "%s",
		 is_odd(v) ? "!" : "");
	cli_safe(r->cell[COL_RES], sizeof(r->cell[0]), v->e.resource);
	cli_safe(r->cell[COL_INST], sizeof(r->cell[0]),
		 v->e.instance ? v->e.instance : UNKNOWN_HOLDER);
	cli_format_since(v->e.ts_ok ? v->e.timestamp : NULL, now,
			 r->cell[COL_SINCE], sizeof(r->cell[0]));
	if (v->e.ts_ok)
		cli_format_age(v->age, r->cell[COL_AGE], sizeof(r->cell[0]));
	else
		snprintf(r->cell[COL_AGE], sizeof(r->cell[0]), "?");
	snprintf(r->cell[COL_STATE], sizeof(r->cell[0]), "%s%s%s",
		 reason ? "stale (" : "live", reason ? reason : "",
		 reason ? ")" : "");
	if (v->e.token > 0)
		snprintf(r->cell[COL_TOKEN], sizeof(r->cell[0]), "%lld",
			 v->e.token);
	else
		snprintf(r->cell[COL_TOKEN], sizeof(r->cell[0]), "-");
	cli_safe(r->cell[COL_NOTE], sizeof(r->cell[0]),
		 v->e.note ? v->e.note : "");
	r->colour = reason ? st->stale : st->live;
}

/* Cells are padded lazily, when a later cell has text, so that no line
 * ends in blanks. */
struct line {
	const struct style *st;
	size_t owed;			/* blanks not yet written */
};

static void print_cell(struct line *l, const char *text, size_t w,
		       const char *colour)
{
	bool paint = l->st->on && colour && colour[0];

	if (w == 0)
		return;		/* a column with nothing to show */
	if (text[0]) {
		fprintf(l->st->f, "%*s%s%s%s", (int)l->owed, "",
			paint ? colour : "", text, paint ? l->st->reset : "");
		l->owed = 0;
	}
	l->owed += w - width(text) + 2;
}

/* One row; state_colour NULL for the header, which is all bold. */
static void print_line(const char *const *cells, const char *state_colour,
		       const size_t *w, const struct style *st)
{
	struct line l = { st, 0 };
	size_t c;

	for (c = 0; c < NCOLS; c++)
		print_cell(&l, cells[c], w[c],
			   !state_colour ? st->bold :
			   c == COL_STATE ? state_colour :
			   c == COL_MARK ? st->odd : NULL);
	fputc('\n', st->f);
}

/* Two passes over the list, the first for the column widths, so that a
 * store of many entries needs no table in memory. */
static void print_rows(const struct lock_list *list, const struct style *st)
{
	size_t w[NCOLS] = { 0 }, i, c;
	const char *cells[NCOLS];
	struct row r;

	for (c = 0; c < NCOLS; c++) {
		w[c] = width(headers[c]);
		cells[c] = r.cell[c];
	}
	for (i = 0; i < list->n; i++) {
		fill_row(&list->v[i], list->now, st, &r);
		for (c = 0; c < NCOLS; c++)
			if (width(r.cell[c]) > w[c])
				w[c] = width(r.cell[c]);
	}
	print_line(headers, NULL, w, st);
	for (i = 0; i < list->n; i++) {
		fill_row(&list->v[i], list->now, st, &r);
		print_line(cells, r.colour, w, st);
	}
}

/* Below the table: what is odd about each marked entry, then the
 * entries that claim nothing. */
static void print_odd(const struct lock_list *list, const struct style *st)
{
	char res[NAME_MAX_LEN * 2], what[1024];
	enum lock_flag f;
	size_t i;

	for (i = 0; i < list->n; i++) {
		cli_safe(res, sizeof(res), list->v[i].e.resource);
		for (f = 0; f < LOCK_NFLAGS; f++) {
			if (!lockview_has_flag(&list->v[i], f))
				continue;
			what[0] = '\0';
			if (f == LOCK_FLAG_BAD_FIELD)
				cli_safe(what, sizeof(what), list->v[i].e.problem);
			fprintf(st->f, "%s!%s %s (entry %zu): %s%s%s\n",
				st->odd, st->reset, res, i + 1, what,
				what[0] ? ", " : "", flag_words[f]);
		}
	}
	for (i = 0; i < list->n_unclaimed; i++) {
		cli_safe(what, sizeof(what), list->unclaimed[i]);
		fprintf(st->f, "%s!%s locks.json: %s: %s\n", st->odd, st->reset,
			what, no_claim_words);
	}
}

int status_print_table(FILE *f, struct project *p,
		       const struct lock_list *list)
{
	const struct lf_config *cfg;
	struct lf_error err = { 0 }, broken = { 0 };
	struct style st = pick_style(f);
	char timeout[32];
	size_t i, stale = 0;

	if (project_config_read(p, &cfg, &broken, &err) < 0) {
		cli_error("status", "%s", err.msg);
		return cli_exit_code(-err.code);
	}
	if (broken.code)
		fprintf(f, "%s!%s .locks/config is broken: %s\n", st.odd,
			st.reset, broken.msg);
	cli_format_age(cfg->stale_seconds, timeout, sizeof(timeout));
	if (cfg->backend == BACKEND_ETCD)
		fprintf(f, "Active locks in %s, shared through etcd under %s (stale after %s):\n",
			project_root(p), cfg->etcd.prefix, timeout);
	else
		fprintf(f, "Active locks in %s (stale after %s):\n",
			project_root(p), timeout);
	if (list->n == 0) {
		fprintf(f, "No active locks.\n");
		print_odd(list, &st);
		return EXIT_OK;
	}
	for (i = 0; i < list->n; i++)
		stale += list->v[i].stale != STALE_NONE;
	fputc('\n', f);
	print_rows(list, &st);
	fprintf(f, "\n%zu lock%s, %zu stale.\n", list->n,
		list->n == 1 ? "" : "s", stale);
	print_odd(list, &st);
	return EXIT_OK;
}

int cmd_status(const char *root, int argc, char **argv)
{
	const char *cmd = "status";
	struct lock_list list = { 0 };
	struct lf_error err = { 0 }, broken = { 0 };
	const struct lf_config *cfg;
	struct project *p = NULL;
	bool json = false;
	const struct cli_option opts[] = {
		{ "json", 'j', CLI_OPT_FLAG, &json, NULL,
		  "a JSON array for programs: per lock the object\n"
		  "'cat' shows on the mount, and what is odd\n"
		  "about it" },
		{ NULL, 0, CLI_OPT_FLAG, NULL, NULL, NULL },
	};
	int code, rc;

	code = cli_parse(&status_cmd, opts, argc, argv);
	if (code != CLI_GO)
		return code;
	if (optind < argc)
		return cli_usage_error(&status_cmd, opts, "takes no arguments");
	code = cli_open(cmd, root, CLI_READ, &p);
	if (code != EXIT_OK)
		return code;
	rc = lockops_list(p, time(NULL), &list, &err);
	if (rc < 0) {
		cli_error(cmd, "%s", err.msg);
		code = cli_exit_code(rc);
		goto out;
	}
	/* The dashboard must not go blind over a typo in the config, nor
	 * hide it: it says so and lists with the last good settings. */
	if (project_config_read(p, &cfg, &broken, &err) == 0 && broken.code)
		cli_error(cmd, ".locks/config is broken (%s): listing with the "
			  "last good settings; changes are refused until it is "
			  "fixed", broken.msg);
	code = json ? print_json(&list) :
	       status_print_table(stdout, p, &list);
	/* The dashboard is this command's whole result: a full disk or a
	 * closed pipe must not pass for success. */
	if (code == EXIT_OK && fflush(stdout) == EOF) {
		cli_error(cmd, "cannot write the output: %s", strerror(errno));
		code = EXIT_STORE;
	}
out:
	lock_list_free(&list);
	project_close(p);
	return code;
}
