/*
 * reqsign.h — HMAC request signing (SPEC §2.4, docs/security.md): parsing the three
 * headers and checking the signature.
 *
 *   X-Smshub-Timestamp: unix seconds (decimal)
 *   X-Smshub-Nonce:     16–64 characters of [A-Za-z0-9._~-], unique per request
 *   X-Smshub-Signature: hex HMAC-SHA256(secret, method "\n" target "\n" timestamp "\n"
 *                       nonce "\n" hex(SHA-256(body)))
 *
 * target is the request target exactly as sent: the path and, when present, '?' and the
 * query. The signature is compared in constant time. Pure; any thread.
 */
#ifndef SH_CORE_REQSIGN_H
#define SH_CORE_REQSIGN_H

#include <stddef.h>
#include <stdint.h>

#define REQSIGN_WINDOW_S 300
#define REQSIGN_NONCE_MIN 16
#define REQSIGN_NONCE_MAX 64

struct reqsign {
    int64_t ts;
    char ts_text[16]; /* the header as sent (the signed form) */
    char nonce[REQSIGN_NONCE_MAX + 1];
    unsigned char sig[32];
};

/* Parses the three header values (any may be NULL). Returns SH_OK, SH_ENOTFOUND when all
 * three are absent, or SH_EINVAL (some absent or malformed) with *field naming the first
 * bad header. */
int reqsign_parse(const char *ts, const char *nonce, const char *sig, struct reqsign *out,
                  const char **field);

/* 1 when ts lies within ±REQSIGN_WINDOW_S of now_s, else 0. */
int reqsign_fresh(const struct reqsign *rs, int64_t now_s);

/* Computes the signature (32 bytes) of a request into mac. */
void reqsign_mac(const void *secret, size_t slen, const char *method, const char *target,
                 const char *ts, const char *nonce, const void *body, size_t blen,
                 unsigned char mac[32]);

/* 1 when rs carries the right signature for the request, else 0 (constant-time compare). */
int reqsign_verify(const void *secret, size_t slen, const char *method, const char *target,
                   const struct reqsign *rs, const void *body, size_t blen);

#endif
