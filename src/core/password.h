/*
 * password.h — users' passwords (SPEC §2.1): the policy a new password must meet and its
 * Argon2id hash (libsodium crypto_pwhash_str, interactive limits). Hashing costs ~64 MiB and
 * tens of milliseconds by design. Any thread.
 */
#ifndef SH_CORE_PASSWORD_H
#define SH_CORE_PASSWORD_H

#include <stddef.h>

#define PASSWORD_MIN_CHARS 10
#define PASSWORD_MAX_BYTES 1024
#define PASSWORD_HASH_MAX 128 /* crypto_pwhash_STRBYTES */

/* Checks pw against the policy: valid UTF-8 without control characters, at least
 * PASSWORD_MIN_CHARS characters (code points), at most PASSWORD_MAX_BYTES bytes. Returns NULL
 * when acceptable, else a stable code ("too_short", "too_long", "invalid_characters"). */
const char *password_policy_check(const char *pw);

/* Hashes pw into out (cap >= PASSWORD_HASH_MAX). Returns 0, or -1 when out of memory. */
int password_hash(const char *pw, char *out, size_t cap);

/* 1 when pw matches hash (an Argon2id string), 0 otherwise (also for a malformed hash). */
int password_verify(const char *hash, const char *pw);

/* Verifies pw against a fixed hash and returns 0: spends what a real check spends, so an
 * unknown account answers no faster than a wrong password. */
int password_verify_dummy(const char *pw);

#endif
