/* text.c - UTF-8 checking and cleaning for every reader and writer; see
 * text.h for the rules. */
#include "text.h"

#include <stdlib.h>
#include <string.h>

size_t text_char(const char *str, size_t avail, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c, min;
	size_t need, i;

	if (avail == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		need = 1, min = 0;
	} else if (c >= 0xc2 && c <= 0xdf) {
		need = 2, min = 0x80, c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3, min = 0x800, c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (avail < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp)
		*cp = c;
	return need;
}

bool text_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

size_t text_valid_prefix(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = text_char(s + i, len - i, NULL);
		if (n == 0)
			break;
		i += n;
	}
	return i;
}

bool text_is_valid(const char *s)
{
	size_t len = strlen(s);

	return text_valid_prefix(s, len) == len;
}

size_t text_clean(char *out, size_t size, const char *s, size_t len,
		  enum text_control control)
{
	size_t i = 0, o = 0, n, k;
	const char *put;
	uint32_t cp;

	while (i < len) {
		n = text_char(s + i, len - i, &cp);
		put = s + i;
		k = n;
		if (n == 0) {
			put = TEXT_REPLACEMENT, k = TEXT_REPLACEMENT_LEN;
			n = 1;
		} else if (cp == 0 && control == TEXT_KEEP_CONTROL) {
			put = TEXT_REPLACEMENT, k = TEXT_REPLACEMENT_LEN;
		} else if (text_is_control(cp) && control != TEXT_KEEP_CONTROL) {
			put = control == TEXT_CONTROL_SPACE ? " " : "?", k = 1;
		}
		if (k > size - 1 - o)
			break;
		memcpy(out + o, put, k);
		o += k;
		i += n;
	}
	out[o] = '\0';
	return o;
}

char *text_clean_dup(const char *s, size_t len, size_t max,
		     enum text_control control)
{
	/* Each input byte gives at most TEXT_REPLACEMENT_LEN output bytes. */
	size_t size = (len < max / TEXT_REPLACEMENT_LEN ?
		       len * TEXT_REPLACEMENT_LEN : max) + 1;
	char *out = malloc(size);

	if (out)
		text_clean(out, size, s, len, control);
	return out;
}

char *text_one_line(const char *s, size_t max)
{
	size_t len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	return text_clean_dup(s, len, max, TEXT_CONTROL_SPACE);
}

void text_trim_blanks(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}
