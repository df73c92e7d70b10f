/* webhook_sign.c — see webhook_sign.h. */
#include "core/webhook_sign.h"
#include "lib/id.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void mac(const unsigned char *secret, size_t secret_len, int64_t t, const char *body,
                size_t body_len, unsigned char out[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    char ts[24];
    int n = snprintf(ts, sizeof(ts), "%" PRId64 ".", t);
    crypto_auth_hmacsha256_init(&st, secret, secret_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof(st));
}

void webhook_sign(const unsigned char *secret, size_t secret_len, int64_t t, const char *body,
                  size_t body_len, char *out, size_t cap)
{
    unsigned char h[crypto_auth_hmacsha256_BYTES];
    char hex[2 * sizeof(h) + 1];
    mac(secret, secret_len, t, body, body_len, h);
    hex_encode(h, sizeof(h), hex);
    snprintf(out, cap, "t=%" PRId64 ",v1=%s", t, hex);
}

int webhook_verify(const unsigned char *secret, size_t secret_len, const char *header,
                   const char *body, size_t body_len)
{
    char want[WEBHOOK_SIG_MAX];
    long long t;
    if (header == NULL || sscanf(header, "t=%lld,", &t) != 1)
        return 0;
    webhook_sign(secret, secret_len, (int64_t)t, body, body_len, want, sizeof(want));
    size_t n = strlen(want);
    if (strlen(header) != n)
        return 0;
    return sodium_memcmp(want, header, n) == 0;
}
