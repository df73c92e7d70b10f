/*
 * routes.c — the route table and matcher. Every endpoint is one line here; tests walk this
 * table (e.g. to check every authenticated route refuses a missing key).
 */
#include "api/api.h"

#include <string.h>

const struct route api_routes[] = {
    {"GET", "/healthz", api_healthz, 0, NULL},
    {"GET", "/readyz", api_readyz, 0, NULL},
    {"GET", "/v1/openapi.json", api_openapi, 0, NULL},
    {"POST", "/v1/messages", api_messages_create, ROUTE_AUTH | ROUTE_BODY, "messages:send"},
    {"GET", "/v1/messages", api_messages_list, ROUTE_AUTH, "messages:read"},
    {"GET", "/v1/messages/{id}", api_messages_get, ROUTE_AUTH, "messages:read"},

    /* identity: users, OAuth2, projects, memberships, audit (api/users.c, oauth.c, …) */

    /* API keys, signing, allowlists, limits (api/keys.c, security.c, limits.c) */
    {"POST", "/v1/projects/{id}/api-keys", api_keys_create, ROUTE_AUTH | ROUTE_BODY | ROUTE_PROJECT,
     "keys:manage", "admin"},
    {"GET", "/v1/projects/{id}/api-keys", api_keys_list, ROUTE_AUTH | ROUTE_PROJECT, "keys:manage",
     "admin"},
    {"GET", "/v1/projects/{id}/api-keys/{kid}", api_keys_get, ROUTE_AUTH | ROUTE_PROJECT,
     "keys:manage", "admin"},
    {"DELETE", "/v1/projects/{id}/api-keys/{kid}", api_keys_revoke, ROUTE_AUTH | ROUTE_PROJECT,
     "keys:manage", "admin"},
    {"POST", "/v1/projects/{id}/api-keys/{kid}/rotate", api_keys_rotate,
     ROUTE_AUTH | ROUTE_BODY | ROUTE_PROJECT, "keys:manage", "admin"},
    {"GET", "/v1/projects/{id}/security", api_security_get, ROUTE_AUTH | ROUTE_PROJECT,
     "security:manage", "owner"},
    {"PATCH", "/v1/projects/{id}/security", api_security_patch,
     ROUTE_AUTH | ROUTE_BODY | ROUTE_PROJECT, "security:manage", "owner"},
    {"POST", "/v1/projects/{id}/security/signing-secret", api_security_secret,
     ROUTE_AUTH | ROUTE_PROJECT, "security:manage", "owner"},
    {"GET", "/v1/admin/projects/{id}/limits", api_limits_get, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"PATCH", "/v1/admin/projects/{id}/limits", api_limits_patch,
     ROUTE_AUTH | ROUTE_BODY | ROUTE_ADMIN, NULL},
    {"GET", "/v1/admin/limits", api_global_limits_get, ROUTE_AUTH | ROUTE_ADMIN, NULL},
    {"PATCH", "/v1/admin/limits", api_global_limits_patch, ROUTE_AUTH | ROUTE_BODY | ROUTE_ADMIN,
     NULL},

    /* provider catalog, credentials, routes (api/providers.c, credentials.c, routes_api.c) */

    /* provider health, callbacks (api/health_api.c) */

    /* SMPP accounts (api/smpp_accounts.c) */

    {NULL, NULL, NULL, 0, NULL},
};

/* Matches path against pattern segment by segment; {x} matches one non-empty segment. */
static int match(struct http_req *r, const char *pattern, const char *path, int capture)
{
    int np = 0;
    while (*pattern != '\0' && *path != '\0') {
        if (*pattern == '{') {
            const char *pend = strchr(pattern, '}');
            size_t seg = strcspn(path, "/");
            if (pend == NULL || seg == 0 || np >= HTTP_MAX_PARAMS)
                return 0;
            if (capture)
                r->params[np] = arena_strndup(&r->arena, path, seg);
            np++;
            pattern = pend + 1;
            path += seg;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

const struct route *api_route_match(struct http_req *r, const char *method, const char *path,
                                    int *path_known)
{
    *path_known = 0;
    for (const struct route *rt = api_routes; rt->method != NULL; rt++) {
        if (!match(r, rt->pattern, path, 0))
            continue;
        if (strcmp(rt->method, method) == 0) {
            match(r, rt->pattern, path, 1);
            return rt;
        }
        *path_known = 1;
    }
    return NULL;
}
