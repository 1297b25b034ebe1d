/* names.c - the set of lockable resource names; see names.h.
 *
 * Exact names and "[...]" patterns share one representation: a sequence of
 * positions ("atoms"), each the set of characters it accepts.  An exact
 * name is simply a pattern whose atoms hold one character each.  The name
 * alphabet [-0-9A-Z_a-z] has exactly 64 characters, so an atom is one
 * 64-bit mask, membership is a few AND operations, and the nearest-name
 * search can treat every entry as one short string of atoms.
 */
#include "names.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t atom_t;

/* In ASCII order, so the lowest bit of an atom is its first character. */
static const char alphabet[] =
	"-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
_Static_assert(sizeof(alphabet) - 1 == 64, "one atom bit per character");

/* Input beyond this is not looked at when suggesting a name: no valid
 * name is that long, and it bounds the table on the stack. */
#define NEAREST_INPUT_MAX (2 * NAME_MAX_LEN)

/* Edit costs, doubled so that a change of case alone can cost half an
 * edit: "chapter_03" is then nearer to "Chapter_03" than anything else. */
#define COST_EDIT 2u
#define COST_CASE 1u

struct name_entry {
	size_t len;
	atom_t atom[NAME_MAX_LEN];
};

struct nameset {
	struct name_entry *e;
	size_t n, cap;
};

/* Chapter_01..Chapter_99 is two patterns because Chapter_00 is not a
 * chapter; the order is the order in which ties are broken. */
static const char *const default_names[] = {
	"Chapter_0[1-9]",
	"Chapter_[1-9][0-9]",
	"FrontMatter",
	"BackMatter",
	"StyleSystem",
	"QuoteRegistry",
	"ImageRegistry",
	"ProjectConfig",
};

static int char_index(unsigned char c)
{
	if (c == '-')
		return 0;
	if (c >= '0' && c <= '9')
		return 1 + (c - '0');
	if (c >= 'A' && c <= 'Z')
		return 11 + (c - 'A');
	if (c == '_')
		return 37;
	if (c >= 'a' && c <= 'z')
		return 38 + (c - 'a');
	return -1;
}

static atom_t char_bit(unsigned char c)
{
	int i = char_index(c);

	return i < 0 ? 0 : (atom_t)1 << i;
}

static char atom_first(atom_t a)
{
	return alphabet[__builtin_ctzll(a)];
}

/* The same letter in the other case; c itself when not a letter. */
static unsigned char other_case(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return (unsigned char)(c - 'a' + 'A');
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c;
}

bool name_is_wellformed(const char *name)
{
	size_t i;

	if (!name || name[0] == '\0' || name[0] == '-')
		return false;
	for (i = 0; name[i] != '\0'; i++) {
		if (i == NAME_MAX_LEN || char_index((unsigned char)name[i]) < 0)
			return false;
	}
	return true;
}

void name_shown(const char *src, char out[NAME_SHOWN_SIZE])
{
	size_t i;

	for (i = 0; i < NAME_SHOWN_MAX && src[i] != '\0'; i++) {
		unsigned char c = (unsigned char)src[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	strcpy(out + i, src[i] != '\0' ? "..." : "");
}

/* A character for a message: 'c' when printable, else its byte value. */
static void show_char(unsigned char c, char out[8])
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(out, 8, "'%c'", c);
	else
		snprintf(out, 8, "0x%02x", c);
}

__attribute__((format(printf, 3, 4)))
static int bad_name(struct lf_error *err, const char *src, const char *fmt,
		    ...)
{
	char shown[NAME_SHOWN_SIZE];
	char detail[LF_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	name_shown(src, shown);
	return lf_error_set(err, EINVAL, "bad resource name \"%s\": %s",
			    shown, detail);
}

static bool same_category(unsigned char a, unsigned char b)
{
	return (a >= '0' && a <= '9' && b >= '0' && b <= '9') ||
	       (a >= 'A' && a <= 'Z' && b >= 'A' && b <= 'Z') ||
	       (a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z');
}

/* "lo-hi" inside a class, at src[*i]; lo is already known to be valid. */
static int parse_range(const char *src, size_t *i, atom_t *a,
		       struct lf_error *err)
{
	unsigned char lo = (unsigned char)src[*i];
	unsigned char hi = (unsigned char)src[*i + 2];
	char shi[8];

	if (!same_category(lo, hi)) {
		show_char(hi, shi);
		return bad_name(err, src, "range from '%c' to %s at position "
				"%zu: a range stays within 0-9, A-Z or a-z",
				lo, shi, *i + 1);
	}
	if (hi < lo)
		return bad_name(err, src, "range '%c-%c' at position %zu is "
				"backwards", lo, hi, *i + 1);
	for (unsigned c = lo; c <= hi; c++)
		*a |= char_bit((unsigned char)c);
	*i += 3;
	return 0;
}

/* "[...]" at src[*i]: '-' is a range between two characters of the same
 * kind, and a literal '-' at either end of the class, as in regexps. */
static int parse_class(const char *src, size_t *i, atom_t *a,
		       struct lf_error *err)
{
	size_t open = *i;
	char sc[8];
	int rc;

	*a = 0;
	for ((*i)++; src[*i] != ']'; ) {
		unsigned char c = (unsigned char)src[*i];

		if (c == '\0')
			return bad_name(err, src, "'[' at position %zu is "
					"never closed", open + 1);
		if (char_index(c) < 0) {
			show_char(c, sc);
			return bad_name(err, src, "%s at position %zu is not "
					"allowed in a class (use A-Z a-z 0-9 "
					"_ -)", sc, *i + 1);
		}
		if (c != '-' && src[*i + 1] == '-' && src[*i + 2] != ']' &&
		    src[*i + 2] != '\0') {
			rc = parse_range(src, i, a, err);
			if (rc)
				return rc;
			continue;
		}
		*a |= char_bit(c);
		(*i)++;
	}
	if (*a == 0)
		return bad_name(err, src, "empty class at position %zu",
				open + 1);
	(*i)++;
	return 0;
}

static int parse_literal(const char *src, size_t *i, atom_t *a,
			 struct lf_error *err)
{
	unsigned char c = (unsigned char)src[*i];
	char sc[8];

	if (c == ']')
		return bad_name(err, src, "']' at position %zu has no "
				"matching '['", *i + 1);
	*a = char_bit(c);
	if (*a == 0) {
		show_char(c, sc);
		return bad_name(err, src, "%s at position %zu is not allowed "
				"(use A-Z a-z 0-9 _ -, and [...] for a class)",
				sc, *i + 1);
	}
	(*i)++;
	return 0;
}

static int compile(const char *src, struct name_entry *out,
		   struct lf_error *err)
{
	size_t i = 0;
	int rc;

	if (src[0] == '\0')
		return lf_error_set(err, EINVAL, "bad resource name: empty");
	out->len = 0;
	while (src[i] != '\0') {
		if (out->len == NAME_MAX_LEN)
			return bad_name(err, src, "longer than %d characters",
					NAME_MAX_LEN);
		if (src[i] == '[')
			rc = parse_class(src, &i, &out->atom[out->len], err);
		else
			rc = parse_literal(src, &i, &out->atom[out->len], err);
		if (rc)
			return rc;
		out->len++;
	}
	if (out->atom[0] & char_bit('-'))
		return bad_name(err, src, "a name may not start with '-'");
	return 0;
}

static int grow(struct nameset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 16;
	struct name_entry *e;

	if (cap > SIZE_MAX / sizeof(*e))
		return -ENOMEM;
	e = realloc(set->e, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	set->e = e;
	set->cap = cap;
	return 0;
}

int nameset_add(struct nameset *set, const char *name_or_pattern,
		struct lf_error *err)
{
	struct name_entry entry;
	int rc;

	if (!set || !name_or_pattern)
		return lf_error_set(err, EINVAL, "bad resource name: none");
	rc = compile(name_or_pattern, &entry, err);
	if (rc)
		return rc;
	if (set->n == set->cap && grow(set) != 0)
		return lf_error_set(err, ENOMEM, "out of memory");
	set->e[set->n++] = entry;
	return 0;
}

struct nameset *nameset_new_empty(void)
{
	return calloc(1, sizeof(struct nameset));
}

struct nameset *nameset_new_default(void)
{
	struct nameset *set = nameset_new_empty();
	size_t k;

	if (!set)
		return NULL;
	for (k = 0; k < sizeof(default_names) / sizeof(default_names[0]); k++) {
		if (nameset_add(set, default_names[k], NULL) != 0) {
			nameset_free(set);
			return NULL;
		}
	}
	return set;
}

void nameset_free(struct nameset *set)
{
	if (!set)
		return;
	free(set->e);
	free(set);
}

static bool entry_matches(const struct name_entry *e, const char *name,
			  size_t len)
{
	if (e->len != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!(e->atom[i] & char_bit((unsigned char)name[i])))
			return false;
	}
	return true;
}

bool nameset_contains(const struct nameset *set, const char *name)
{
	size_t len;

	if (!set || !name_is_wellformed(name))
		return false;
	len = strlen(name);
	for (size_t k = 0; k < set->n; k++) {
		if (entry_matches(&set->e[k], name, len))
			return true;
	}
	return false;
}

/* Edit distance between the input and an entry, kept whole so that the
 * best entry's alignment can be walked back into a concrete name. */
struct edit_table {
	unsigned short d[NEAREST_INPUT_MAX + 1][NAME_MAX_LEN + 1];
};

static unsigned sub_cost(unsigned char c, atom_t a)
{
	if (a & char_bit(c))
		return 0;
	if (a & char_bit(other_case(c)))
		return COST_CASE;
	return COST_EDIT;
}

static unsigned min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;

	return m < c ? m : c;
}

static unsigned edit_distance(const unsigned char *s, size_t n,
			      const struct name_entry *e,
			      struct edit_table *t)
{
	for (size_t i = 0; i <= n; i++)
		t->d[i][0] = (unsigned short)(i * COST_EDIT);
	for (size_t j = 0; j <= e->len; j++)
		t->d[0][j] = (unsigned short)(j * COST_EDIT);
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= e->len; j++) {
			unsigned v = min3(
				t->d[i - 1][j - 1] + sub_cost(s[i - 1],
							      e->atom[j - 1]),
				t->d[i - 1][j] + COST_EDIT,
				t->d[i][j - 1] + COST_EDIT);
			t->d[i][j] = (unsigned short)v;
		}
	}
	return t->d[n][e->len];
}

/* The character an atom contributes when aligned with input c: c itself
 * if it fits, else c in the other case, else the atom's first character
 * (never '-' at the start: compile() refuses such a first atom). */
static char pick(unsigned char c, atom_t a)
{
	if (a & char_bit(c))
		return (char)c;
	if (a & char_bit(other_case(c)))
		return (char)other_case(c);
	return atom_first(a);
}

/* Walk the table back from the end.  Preferring the diagonal over
 * inserting an atom means a missing character is supplied as early as
 * possible, so "Chapter_7" against "Chapter_[0-9][0-9]" becomes
 * "Chapter_07" (zero padding), not "Chapter_70". */
static void backtrack(const unsigned char *s, size_t n,
		      const struct name_entry *e, const struct edit_table *t,
		      char out[NAME_MAX_LEN + 1])
{
	size_t i = n, j = e->len;

	out[e->len] = '\0';
	while (j > 0) {
		unsigned here = t->d[i][j];

		if (i > 0 && here == t->d[i - 1][j - 1] +
				     sub_cost(s[i - 1], e->atom[j - 1])) {
			out[j - 1] = pick(s[i - 1], e->atom[j - 1]);
			i--;
			j--;
		} else if (here == t->d[i][j - 1] + COST_EDIT) {
			out[j - 1] = atom_first(e->atom[j - 1]);
			j--;
		} else {
			i--;
		}
	}
}

/* A suggestion helps only when it is close: at most one edit for every
 * three characters of the name suggested (a change of case counts half),
 * and always one edit.  "..", "" or a path are near to nothing. */
static bool near_enough(unsigned cost, size_t len)
{
	unsigned budget = (unsigned)(COST_EDIT * len / 3);

	return cost <= (budget > COST_EDIT ? budget : COST_EDIT);
}

/* "ImageRegistry_Chapter_07" for "ImageRegistry": a part of a resource
 * the project does not name on its own, so the whole one is meant. */
static bool extends(const char *name, const char *valid)
{
	size_t len = strlen(valid);

	return name && strncmp(name, valid, len) == 0 &&
	       (name[len] == '_' || name[len] == '-');
}

bool nameset_nearest(const struct nameset *set, const char *name, char *out,
		     size_t outlen)
{
	struct edit_table table;
	const unsigned char *s = (const unsigned char *)(name ? name : "");
	size_t n = strnlen((const char *)s, NEAREST_INPUT_MAX);
	size_t best = 0;
	unsigned best_cost = ~0u;
	char buf[NAME_MAX_LEN + 1];

	if (!set || set->n == 0 || !out || outlen == 0)
		return false;
	for (size_t k = 0; k < set->n; k++) {
		unsigned c = edit_distance(s, n, &set->e[k], &table);

		if (c < best_cost) {
			best_cost = c;
			best = k;
		}
	}
	edit_distance(s, n, &set->e[best], &table);
	backtrack(s, n, &set->e[best], &table, buf);
	if (!near_enough(best_cost, set->e[best].len) && !extends(name, buf))
		return false;
	snprintf(out, outlen, "%s", buf);
	return true;
}

struct listing {
	const struct nameset *set;
	size_t entry;			/* the entry being expanded */
	const char *prefix;
	size_t prefix_len;
	size_t left;			/* names still to give */
	void (*each)(const char *name, void *arg);
	void *arg;
	char name[NAME_MAX_LEN + 1];
};

/* An earlier entry that also matches gave this name already. */
static bool listed_before(const struct listing *l, size_t len)
{
	for (size_t k = 0; k < l->entry; k++)
		if (entry_matches(&l->set->e[k], l->name, len))
			return true;
	return false;
}

/* Depth-first over the characters position i accepts, in alphabet order;
 * false once max names were given and more remain. */
static bool expand(struct listing *l, size_t i)
{
	const struct name_entry *e = &l->set->e[l->entry];
	atom_t a;
	int bit;

	if (i == e->len) {
		l->name[i] = '\0';
		if (listed_before(l, i))
			return true;
		if (l->left == 0)
			return false;
		l->left--;
		l->each(l->name, l->arg);
		return true;
	}
	a = e->atom[i];
	if (i < l->prefix_len)
		a &= char_bit((unsigned char)l->prefix[i]);
	for (; a; a &= a - 1) {
		bit = __builtin_ctzll(a);
		l->name[i] = alphabet[bit];
		if (!expand(l, i + 1))
			return false;
	}
	return true;
}

bool nameset_list(const struct nameset *set, const char *prefix, size_t max,
		  void (*each)(const char *name, void *arg), void *arg)
{
	struct listing l = { .set = set, .prefix = prefix, .left = max,
			     .each = each, .arg = arg };

	l.prefix_len = strlen(prefix);
	for (l.entry = 0; set && l.entry < set->n; l.entry++) {
		if (set->e[l.entry].len < l.prefix_len)
			continue;
		if (!expand(&l, 0))
			return false;
	}
	return true;
}
