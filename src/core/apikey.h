/*
 * apikey.h — API key format and hashing (SPEC §2.3, DESIGN §8).
 *
 * A key is "sk_live_" + 43 base64url characters (32 random bytes, 256 bits). Only its
 * SHA-256 is stored; its first 12 characters are kept as a visible prefix. Pure; any thread.
 */
#ifndef SH_CORE_APIKEY_H
#define SH_CORE_APIKEY_H

#include <stddef.h>

#define APIKEY_MAX 64
#define APIKEY_PREFIX_LEN 12

/* Writes a new random key into out (cap >= APIKEY_MAX). */
void apikey_generate(const char *mode, char *out, size_t cap);

/* Whether s has the shape of a key (prefix and length); says nothing of its validity. */
int apikey_well_formed(const char *s);

/* SHA-256 of the key text. */
void apikey_hash(const char *key, unsigned char out[32]);

#endif
