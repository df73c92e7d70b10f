/* basic_auth.c — see basic_auth.h. */
#include "lib/basic_auth.h"
#include "lib/err.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

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

/* Form-decodes s[0..n) into a new arena string; NULL on a bad escape or a NUL byte. */
static char *decode(const char *s, size_t n, struct arena *a)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return NULL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return NULL;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0')
            return NULL;
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

int basic_auth_parse(const char *header, struct arena *a, const char **user, const char **pass)
{
    unsigned char raw[BASIC_AUTH_MAX];
    size_t rawlen = 0;
    const char *end = NULL;

    *user = *pass = NULL;
    if (header == NULL || strncasecmp(header, "Basic", 5) != 0 ||
        (header[5] != ' ' && header[5] != '\0'))
        return SH_ENOTFOUND;
    header += 5;
    while (*header == ' ')
        header++;
    size_t len = strlen(header);
    while (len > 0 && header[len - 1] == ' ')
        len--;
    if (len == 0 || len > BASIC_AUTH_MAX)
        return SH_EINVAL;
    if (sodium_base642bin(raw, sizeof(raw), header, len, NULL, &rawlen, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != header + len)
        return SH_EINVAL;
    const unsigned char *colon = memchr(raw, ':', rawlen);
    if (colon == NULL) {
        sodium_memzero(raw, sizeof(raw));
        return SH_EINVAL;
    }
    size_t ulen = (size_t)(colon - raw);
    char *u = decode((const char *)raw, ulen, a);
    char *p = decode((const char *)colon + 1, rawlen - ulen - 1, a);
    sodium_memzero(raw, sizeof(raw));
    if (u == NULL || p == NULL)
        return SH_EINVAL;
    *user = u;
    *pass = p;
    return SH_OK;
}
