/*
 * auth_token.h — access tokens and project membership, as api/auth.c needs them
 * (implemented in auth_token.c; tokens are issued by the OAuth2 endpoint).
 */
#ifndef SH_API_AUTH_TOKEN_H
#define SH_API_AUTH_TOKEN_H

#include "api/http.h"

#include <stddef.h>

struct api;
struct route;
struct token_cache;

/* The access-token cache owned by struct api. Returns new (token_cache_free; NULL no-op). */
struct token_cache *token_cache_new(void);
void token_cache_free(struct token_cache *c);

/* Verifies an access token (not an API key) into out: kind USER or CLIENT with its ids,
 * scopes and admin flag. SH_OK, SH_ENOTFOUND (unknown, expired, revoked), SH_EIO. Blocks
 * (store read, maybe cached). Any handler thread. */
int auth_token_verify(struct api *api, const char *token, struct principal *out);

/* The role of user_id in project_id (a live project). SH_OK with role filled, SH_ENOTFOUND
 * when the user is no member or the project does not exist, SH_EIO. */
int auth_project_role(struct api *api, const char *user_id, const char *project_id, char *role,
                      size_t cap);

/* SH_OK when project_id is a live project, SH_ENOTFOUND, SH_EIO. */
int auth_project_exists(struct api *api, const char *project_id);

/* 1 when role have is at least want (viewer < member < admin < owner); unknown roles: 0. */
int auth_role_at_least(const char *have, const char *want);

/* A user's token on a project-scoped route without a project in its path (e.g. POST
 * /v1/messages): the project comes from the X-Smshub-Project header and the user needs at least
 * "viewer" (GET) or "member" there; fills r->principal.project_id and role, or answers 4xx
 * itself. Returns 0 to go on. */
int auth_user_project_route(struct http_req *r, const struct route *route);

#endif
