/*
 * webhook_sign.h — the signature of outbound callbacks (SPEC §4.9, §8.2):
 *   X-Smshub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 * Receivers recompute the HMAC over the timestamp, a dot and the raw body, compare in
 * constant time and refuse old timestamps. Pure (libsodium's HMAC); any thread.
 */
#ifndef SH_CORE_WEBHOOK_SIGN_H
#define SH_CORE_WEBHOOK_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_SECRET_LEN 32
#define WEBHOOK_SIG_MAX 96 /* "t=" + 20 digits + ",v1=" + 64 hex + NUL */

/* Writes the header value for body signed at unix time t into out (cap >= WEBHOOK_SIG_MAX).
 * Borrows secret and body. */
void webhook_sign(const unsigned char *secret, size_t secret_len, int64_t t, const char *body,
                  size_t body_len, char *out, size_t cap);

/* 1 when header is a valid signature of body by secret, else 0 (constant-time compare). */
int webhook_verify(const unsigned char *secret, size_t secret_len, const char *header,
                   const char *body, size_t body_len);

#endif
