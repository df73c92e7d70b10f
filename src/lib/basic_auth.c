/* basic_auth.c — see basic_auth.h. */
#include "lib/basic_auth.h"
#include "lib/err.h"
#include "lib/form.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

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
    char *u = form_decode((const char *)raw, ulen, a);
    char *p = form_decode((const char *)colon + 1, rawlen - ulen - 1, a);
    sodium_memzero(raw, sizeof(raw));
    if (u == NULL || p == NULL)
        return SH_EINVAL;
    *user = u;
    *pass = p;
    return SH_OK;
}
