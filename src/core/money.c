/* money.c — see money.h. */
#include "core/money.h"
#include "lib/err.h"

#include <stdio.h>
#include <string.h>

int money_parse(const char *s, int64_t *out)
{
    int neg = 0, intd = 0, fracd = 0;
    int64_t v = 0;
    if (s == NULL || *s == '\0')
        return SH_EINVAL;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++intd > 12)
            return SH_EINVAL;
        v = v * 10 + (*s - '0');
    }
    if (intd == 0)
        return SH_EINVAL;
    v *= MONEY_SCALE;
    if (*s == '.') {
        int64_t f = 0, mul = MONEY_SCALE;
        for (s++; *s >= '0' && *s <= '9'; s++) {
            if (++fracd > 6)
                return SH_EINVAL;
            mul /= 10;
            f += (*s - '0') * mul;
        }
        if (fracd == 0)
            return SH_EINVAL;
        v += f;
    }
    if (*s != '\0')
        return SH_EINVAL;
    *out = neg ? -v : v;
    return SH_OK;
}

char *money_format(int64_t v, char out[MONEY_STR_MAX])
{
    /* unsigned magnitude so INT64_MIN formats too */
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t ip = m / (uint64_t)MONEY_SCALE, fp = m % (uint64_t)MONEY_SCALE;
    char frac[8];
    snprintf(frac, sizeof(frac), "%06llu", (unsigned long long)fp);
    int n = 6;
    while (n > 2 && frac[n - 1] == '0')
        n--;
    frac[n] = '\0';
    snprintf(out, MONEY_STR_MAX, "%s%llu.%s", v < 0 ? "-" : "", (unsigned long long)ip, frac);
    return out;
}

int money_add(int64_t a, int64_t b, int64_t *out)
{
    return __builtin_add_overflow(a, b, out) ? SH_ETOOBIG : SH_OK;
}

int money_mul(int64_t a, int64_t n, int64_t *out)
{
    return __builtin_mul_overflow(a, n, out) ? SH_ETOOBIG : SH_OK;
}

int money_scale(int64_t a, int64_t num, int64_t den, int64_t *out)
{
    __int128 p = (__int128)a * num;
    __int128 q, r;
    if (den <= 0)
        return SH_EINVAL;
    q = p / den;
    r = p % den;
    /* half away from zero: |r| * 2 >= den rounds the magnitude up */
    if ((r < 0 ? -r : r) * 2 >= den)
        q += p < 0 ? -1 : 1;
    if (q > INT64_MAX || q < INT64_MIN)
        return SH_ETOOBIG;
    *out = (int64_t)q;
    return SH_OK;
}

int money_currency_ok(const char *s)
{
    return s != NULL && strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' &&
           s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z';
}
