/* hash.h - the string hash of lockfs's in-memory indexes.
 *
 * 64-bit FNV-1a over the bytes of a C string: fast, no setup, and good
 * enough to spread resource names over open-addressing tables.  Not for
 * anything an adversary could exploit beyond slowing one lookup down.
 */
#ifndef LOCKFS_HASH_H
#define LOCKFS_HASH_H

#include <stdint.h>

uint64_t hash_string(const char *s);

#endif
