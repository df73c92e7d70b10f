/*
 * id.h — opaque, time-ordered identifiers such as "msg_01JD5Z8C6F0V7QH2T3WXYZ4ABC".
 *
 * Layout after the prefix: 26 Crockford base32 characters = 48-bit millisecond time then
 * 80 random bits (the ULID layout), so ids sort by creation time and a cursor over ids is a
 * cursor over time. Random bits come from libsodium (thread-safe).
 */
#ifndef SH_ID_H
#define SH_ID_H

#include <stddef.h>
#include <stdint.h>

#define ID_BODY_LEN 26
#define ID_MAX 40 /* prefix (up to 12) + '_' + body + NUL fits */

/* Writes prefix "_" body for time ms into out (cap >= strlen(prefix) + 28). Returns out. */
char *id_new(const char *prefix, int64_t ms, char *out, size_t cap);

/*
 * Writes the smallest id body for time ms (all random bits zero) — the lower bound of ids
 * created at or after ms. For date-range filters over time-ordered ids.
 */
char *id_floor(const char *prefix, int64_t ms, char *out, size_t cap);

/* Whether s looks like prefix_ + 26 Crockford characters. */
int id_valid(const char *prefix, const char *s);

/* Lowercase hex of n bytes into out (cap >= 2n+1). */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* Unpadded base64url of n bytes into out (cap >= 4n/3+2). Returns length. */
size_t base64url_encode(const unsigned char *in, size_t n, char *out);

#endif
