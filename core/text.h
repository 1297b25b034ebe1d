/* text.h - the one UTF-8 decoder: what lockfs accepts, writes and shows.
 *
 * A character is well-formed UTF-8 under exactly the rules the store's
 * parser applies (RFC 3629): the shortest form only (no overlong
 * sequences such as C0 80), no UTF-16 surrogates (U+D800..U+DFFF),
 * nothing above U+10FFFF, no sequence cut short.  Every reader checks
 * with these functions and every writer cleans with them, so what lockfs
 * writes it can read back, and so can a strict JSON parser.
 *
 * Control characters are C0 (U+0000..U+001F), DEL (U+007F) and C1
 * (U+0080..U+009F).  JSON escapes them, so the store can hold them, but a
 * terminal would obey them, so one-line values (notes, what the command
 * line prints) replace them.
 *
 * Cleaning never fails and never grows past the caller's bound: each byte
 * that starts no well-formed character becomes U+FFFD (the replacement
 * character, three bytes), and a result longer than the bound is cut
 * before the first character that does not fit, never inside one.
 */
#ifndef LOCKFS_TEXT_H
#define LOCKFS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* U+FFFD in UTF-8. */
#define TEXT_REPLACEMENT "\xef\xbf\xbd"
#define TEXT_REPLACEMENT_LEN 3

/* Length (1..4) of the well-formed character that starts s (avail bytes
 * readable), its code point in *cp when cp is not NULL; 0 when s starts
 * none (avail 0 included). */
size_t text_char(const char *s, size_t avail, uint32_t *cp);

/* C0, DEL or C1. */
bool text_is_control(uint32_t cp);

/* Length of the longest well-formed prefix of s[0..len): len when all of
 * s is well-formed, else the offset of the first bad byte. */
size_t text_valid_prefix(const char *s, size_t len);

/* How text_clean treats a control character (NUL is never kept: the
 * result is a C string, so with TEXT_KEEP_CONTROL it becomes U+FFFD). */
enum text_control {
	TEXT_KEEP_CONTROL,		/* keep it (a JSON writer escapes it) */
	TEXT_CONTROL_SPACE,		/* a space */
	TEXT_CONTROL_QUESTION,		/* a '?' */
};

/* Clean s[0..len) into out (size bytes, size >= 1): well-formed, at most
 * size - 1 bytes, NUL-terminated.  Returns the length written. */
size_t text_clean(char *out, size_t size, const char *s, size_t len,
		  enum text_control control);

/* The same into a new string of at most max bytes; NULL when out of
 * memory. */
char *text_clean_dup(const char *s, size_t len, size_t max,
		     enum text_control control);

/* A one-line value (a note): line ends at the end dropped, every other
 * control character a space, cleaned and cut to max bytes.  NULL when out
 * of memory. */
char *text_one_line(const char *s, size_t max);

/* Narrow s[0..*len) to leave out the spaces and tabs at both ends. */
void text_trim_blanks(const char **s, size_t *len);

/* Whether s is a well-formed C string. */
bool text_is_valid(const char *s);

#endif
