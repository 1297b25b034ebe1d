/* base64.h - standard base64 (RFC 4648, "+/" alphabet, "=" padding).
 *
 * etcd's JSON gateway carries every key and value as base64, since JSON
 * strings cannot hold arbitrary bytes.  The decoder is strict: it takes
 * exactly what an encoder writes (length a multiple of four, padding only
 * at the end) and refuses anything else, so a garbled answer is an error
 * rather than a silently different value.
 */
#ifndef LOCKFS_BASE64_H
#define LOCKFS_BASE64_H

#include <stddef.h>

/* in[0..len) encoded, as a new NUL-terminated string; NULL when out of
 * memory. */
char *base64_encode(const void *in, size_t len);

/* s decoded into a new buffer *out (NUL-terminated for the caller's
 * convenience, its length in *out_len without that NUL; it may hold NUL
 * bytes of its own).  0, -EINVAL for text that is not base64, -ENOMEM. */
int base64_decode(const char *s, char **out, size_t *out_len);

#endif
