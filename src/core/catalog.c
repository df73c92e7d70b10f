/*
 * catalog.c — see catalog.h. Table-driven where there is a table; no I/O.
 */
#include "core/catalog.h"

#include <string.h>

static const char *const capabilities[] = {"dlr",     "unicode", "concat",
                                           "inbound", "balance", "status_poll"};

int catalog_slug_valid(const char *s)
{
    size_t n;
    if (s == NULL)
        return 0;
    n = strlen(s);
    if (n < 2 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

int catalog_capability_known(const char *s)
{
    if (s == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(capabilities) / sizeof(capabilities[0]); i++)
        if (strcmp(s, capabilities[i]) == 0)
            return 1;
    return 0;
}

int catalog_capabilities_valid(const json_t *v)
{
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n > 16)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = json_string_value(json_array_get(v, i));
        if (!catalog_capability_known(c))
            return 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c, json_string_value(json_array_get(v, j))) == 0)
                return 0;
    }
    return 1;
}

int catalog_country_valid(const char *s)
{
    return s != NULL && strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' &&
           s[1] <= 'Z';
}

int catalog_prefix_valid(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n < 1 || n > 15)
        return 0;
    return strspn(s, "0123456789") == n;
}

int catalog_msg_type_parse(const char *s)
{
    static const char *const names[] = {"otp", "transactional", "marketing"};
    if (s == NULL)
        return -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

int catalog_retry_schedule_parse(const json_t *v, int *secs)
{
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n < 1 || n > CATALOG_RETRY_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(v, i);
        if (!json_is_integer(e))
            return -1;
        json_int_t s = json_integer_value(e);
        if (s < 1 || s > CATALOG_RETRY_MAX_S)
            return -1;
        secs[i] = (int)s;
    }
    return (int)n;
}
