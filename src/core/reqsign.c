/* reqsign.c — see reqsign.h. */
#include "core/reqsign.h"
#include "lib/err.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int nonce_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '-';
}

int reqsign_parse(const char *ts, const char *nonce, const char *sig, struct reqsign *out,
                  const char **field)
{
    size_t n;
    memset(out, 0, sizeof(*out));
    *field = NULL;
    if (ts == NULL && nonce == NULL && sig == NULL)
        return SH_ENOTFOUND;
    *field = "X-Smshub-Timestamp";
    if (ts == NULL || *ts == '\0' || strlen(ts) > 12)
        return SH_EINVAL;
    for (const char *p = ts; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return SH_EINVAL;
        out->ts = out->ts * 10 + (*p - '0');
    }
    snprintf(out->ts_text, sizeof(out->ts_text), "%s", ts);
    *field = "X-Smshub-Nonce";
    if (nonce == NULL)
        return SH_EINVAL;
    n = strnlen(nonce, REQSIGN_NONCE_MAX + 1);
    if (n < REQSIGN_NONCE_MIN || n > REQSIGN_NONCE_MAX)
        return SH_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!nonce_char(nonce[i]))
            return SH_EINVAL;
    memcpy(out->nonce, nonce, n);
    *field = "X-Smshub-Signature";
    if (sig == NULL || strnlen(sig, 65) != 64)
        return SH_EINVAL;
    for (int i = 0; i < 32; i++) {
        int hi = hexval(sig[2 * i]), lo = hexval(sig[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return SH_EINVAL;
        out->sig[i] = (unsigned char)(hi << 4 | lo);
    }
    *field = NULL;
    return SH_OK;
}

int reqsign_fresh(const struct reqsign *rs, int64_t now_s)
{
    int64_t d = rs->ts - now_s;
    return d <= REQSIGN_WINDOW_S && d >= -REQSIGN_WINDOW_S;
}

void reqsign_mac(const void *secret, size_t slen, const char *method, const char *target,
                 const char *ts, const char *nonce, const void *body, size_t blen,
                 unsigned char mac[32])
{
    crypto_auth_hmacsha256_state st;
    unsigned char bh[32];
    char hex[65];
    crypto_hash_sha256(bh, body != NULL ? body : (const void *)"", body != NULL ? blen : 0);
    sodium_bin2hex(hex, sizeof(hex), bh, sizeof(bh));
    crypto_auth_hmacsha256_init(&st, secret, slen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)method, strlen(method));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)target, strlen(target));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)nonce, strlen(nonce));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)hex, 64);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof(st));
}

int reqsign_verify(const void *secret, size_t slen, const char *method, const char *target,
                   const struct reqsign *rs, const void *body, size_t blen)
{
    unsigned char mac[32];
    reqsign_mac(secret, slen, method, target, rs->ts_text, rs->nonce, body, blen, mac);
    int ok = sodium_memcmp(mac, rs->sig, 32) == 0;
    sodium_memzero(mac, sizeof(mac));
    return ok;
}
