/*
 * auth_token.c — access tokens and memberships for api/auth.c.
 *
 * Scaffolding until the OAuth2 endpoint exists: no token verifies, no user is a member.
 */
#include "api/auth_token.h"
#include "api/api.h"
#include "lib/err.h"

#include <string.h>

int auth_token_verify(struct api *api, const char *token, struct principal *out)
{
    (void)api;
    (void)token;
    (void)out;
    return SH_ENOTFOUND;
}

int auth_project_role(struct api *api, const char *user_id, const char *project_id, char *role,
                      size_t cap)
{
    (void)api;
    (void)user_id;
    (void)project_id;
    (void)role;
    (void)cap;
    return SH_ENOTFOUND;
}

int auth_project_exists(struct api *api, const char *project_id)
{
    (void)api;
    (void)project_id;
    return SH_ENOTFOUND;
}

int auth_role_at_least(const char *have, const char *want)
{
    static const char *const order[] = {"viewer", "member", "admin", "owner"};
    int h = -1, w = -1;
    for (int i = 0; i < 4; i++) {
        if (strcmp(have, order[i]) == 0)
            h = i;
        if (strcmp(want, order[i]) == 0)
            w = i;
    }
    return h >= 0 && w >= 0 && h >= w;
}

int auth_user_project_route(struct http_req *r, const struct route *route)
{
    (void)route;
    http_problem(r, 403, "project_required", "Forbidden",
                 "use an API key of the project for this endpoint", NULL);
    return -1;
}
