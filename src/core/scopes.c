/* scopes.c — see scopes.h. */
#include "core/scopes.h"

#include <string.h>

const char *const scopes_known[] = {
    "messages:send",    "messages:read",
    "keys:manage",      "security:manage",
    "providers:read",   "providers:write",
    "routing:read",     "routing:write",
    "credentials:read", "credentials:write",
    "billing:read",     "usage:read",
    "audit:read",       "members:read",
    "members:write",    "contacts:read",
    "contacts:write",   "smpp:read",
    "smpp:write",       "webhooks:read",
    "webhooks:write",   NULL,
};

int scope_known(const char *s)
{
    for (int i = 0; scopes_known[i] != NULL; i++)
        if (strcmp(s, scopes_known[i]) == 0)
            return 1;
    return 0;
}

int scopes_has(const char *list, const char *want)
{
    size_t wl = strlen(want);
    const char *p = list;
    if (wl == 0)
        return 0;
    while ((p = strstr(p, want)) != NULL) {
        if ((p == list || p[-1] == ' ') && (p[wl] == '\0' || p[wl] == ' '))
            return 1;
        p += wl;
    }
    return 0;
}
