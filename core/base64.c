/* base64.c - standard base64 for etcd's keys and values; see base64.h. */
#include "base64.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *in, size_t len)
{
	const unsigned char *p = in;
	char *out, *o;
	size_t i;

	out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	o = out;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = alphabet[v >> 18];
		*o++ = alphabet[v >> 12 & 0x3f];
		*o++ = alphabet[v >> 6 & 0x3f];
		*o++ = alphabet[v & 0x3f];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[v >> 12 & 0x3f];
		*o++ = i + 1 < len ? alphabet[v >> 6 & 0x3f] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* The value of base64 digit ch, or -1. */
static int digit(char ch)
{
	const char *at;

	if (ch == '\0')
		return -1;
	at = strchr(alphabet, ch);
	return at ? (int)(at - alphabet) : -1;
}

/* Decode the group of four at s into o: the number of bytes (1..3), or
 * 0 when it is not base64 (padding is allowed only in the last group). */
static size_t group(const char *s, bool last, unsigned char *o)
{
	int a = digit(s[0]), b = digit(s[1]), c = digit(s[2]), d = digit(s[3]);

	if (a < 0 || b < 0)
		return 0;
	o[0] = (unsigned char)(a << 2 | b >> 4);
	if (last && s[2] == '=' && s[3] == '=')
		return (b & 0xf) ? 0 : 1;
	if (c < 0)
		return 0;
	o[1] = (unsigned char)((b & 0xf) << 4 | c >> 2);
	if (last && s[3] == '=')
		return (c & 0x3) ? 0 : 2;
	if (d < 0)
		return 0;
	o[2] = (unsigned char)((c & 0x3) << 6 | d);
	return 3;
}

int base64_decode(const char *s, char **out, size_t *out_len)
{
	size_t len = strlen(s), i, n = 0, got;
	unsigned char *buf;

	if (len % 4)
		return -EINVAL;
	buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i += 4) {
		got = group(s + i, i + 4 == len, buf + n);
		if (!got) {
			free(buf);
			return -EINVAL;
		}
		n += got;
	}
	buf[n] = '\0';
	*out = (char *)buf;
	*out_len = n;
	return 0;
}
