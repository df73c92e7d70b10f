/* stripe_sig.c — see stripe_sig.h. */
#include "core/stripe_sig.h"
#include "lib/err.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_MAX 1024

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

int stripe_sig_parse(const char *header, struct stripe_sig *out)
{
    int have_t = 0;
    memset(out, 0, sizeof(*out));
    if (header == NULL || strlen(header) > HEADER_MAX)
        return SH_EINVAL;
    const char *p = header;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        if (eq != NULL) {
            size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
            const char *v = eq + 1;
            if (klen == 1 && p[0] == 't') {
                int64_t t = 0;
                if (vlen == 0 || vlen > 12)
                    return SH_EINVAL;
                for (size_t i = 0; i < vlen; i++) {
                    if (!isdigit((unsigned char)v[i]))
                        return SH_EINVAL;
                    t = t * 10 + (v[i] - '0');
                }
                out->t = t;
                have_t = 1;
            } else if (klen == 2 && p[0] == 'v' && p[1] == '1') {
                if (vlen != 64)
                    return SH_EINVAL;
                if (out->nv1 < STRIPE_MAX_SIGS) {
                    for (size_t i = 0; i < 32; i++) {
                        int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);
                        if (hi < 0 || lo < 0)
                            return SH_EINVAL;
                        out->v1[out->nv1][i] = (unsigned char)(hi << 4 | lo);
                    }
                    out->nv1++;
                }
            }
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return have_t && out->nv1 > 0 ? SH_OK : SH_EINVAL;
}

int stripe_sig_verify(const struct stripe_sig *sig, const char *secret, const void *payload,
                      size_t len, int64_t now_s, int64_t tolerance_s)
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[32];
    char t[24];
    int match = 0;

    snprintf(t, sizeof(t), "%lld.", (long long)sig->t);
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)t, strlen(t));
    crypto_auth_hmacsha256_update(&st, payload, len);
    crypto_auth_hmacsha256_final(&st, mac);
    for (int i = 0; i < sig->nv1; i++)
        match |= sodium_memcmp(mac, sig->v1[i], 32) == 0;
    if (!match)
        return SH_EPERM;
    int64_t d = now_s - sig->t;
    return d <= tolerance_s && -d <= tolerance_s ? SH_OK : SH_ETIMEDOUT;
}

int stripe_minor_to_micro(int64_t amount, const char *currency, int64_t *out)
{
    /* Stripe's zero-decimal and three-decimal currencies */
    static const char zero[] = "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF";
    static const char three[] = "BHD JOD KWD OMR TND";
    char cur[4] = "";
    int64_t mul = 10000;
    for (int i = 0; i < 3 && currency != NULL && currency[i] != '\0'; i++)
        cur[i] = (char)toupper((unsigned char)currency[i]);
    if (strlen(cur) == 3 && strstr(zero, cur) != NULL)
        mul = 1000000;
    else if (strlen(cur) == 3 && strstr(three, cur) != NULL)
        mul = 1000;
    return __builtin_mul_overflow(amount, mul, out) ? SH_ETOOBIG : SH_OK;
}
