/*
 * auth_token.c — access tokens and memberships for api/auth.c.
 *
 * A token is looked up by its SHA-256 (no byte-by-byte comparison of secrets). Lookups are
 * cached for TOKEN_TTL_MS, which bounds how long a revoked token keeps working; unknown
 * tokens are not cached.
 */
#include "api/auth_token.h"
#include "api/api.h"
#include "core/token.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/tokens.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_SLOTS 1024
#define TOKEN_TTL_MS 1000

struct token_entry {
    unsigned char hash[32];
    int64_t until; /* monotonic ms; 0 = empty */
    struct store_token_auth tok;
};

struct token_cache {
    pthread_mutex_t mu;
    struct token_entry slots[TOKEN_SLOTS];
};

struct token_cache *token_cache_new(void)
{
    struct token_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void token_cache_free(struct token_cache *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int lookup(struct api *api, const unsigned char hash[32], struct store_token_auth *out)
{
    struct token_cache *c = api->tokens;
    struct token_entry *e = &c->slots[((unsigned)hash[0] | (unsigned)hash[1] << 8) % TOKEN_SLOTS];
    int64_t now = clock_mono_us() / 1000;
    int st;

    pthread_mutex_lock(&c->mu);
    if (e->until > now && memcmp(e->hash, hash, 32) == 0) {
        *out = e->tok;
        pthread_mutex_unlock(&c->mu);
        return SH_OK;
    }
    pthread_mutex_unlock(&c->mu);
    st = store_token_find(api->store, hash, out);
    if (st != SH_OK)
        return st;
    pthread_mutex_lock(&c->mu);
    memcpy(e->hash, hash, 32);
    e->tok = *out;
    e->until = now + TOKEN_TTL_MS;
    pthread_mutex_unlock(&c->mu);
    return SH_OK;
}

int auth_token_verify(struct api *api, const char *token, struct principal *out)
{
    struct store_token_auth t;
    unsigned char hash[32];
    int st;

    if (!token_well_formed(TOKEN_ACCESS, token))
        return SH_ENOTFOUND;
    token_hash(token, hash);
    st = lookup(api, hash, &t);
    if (st != SH_OK)
        return st;
    if (t.kind != TOKEN_ACCESS || t.revoked_at != 0 || t.expires_at <= clock_now_ms() ||
        !t.user_active)
        return SH_ENOTFOUND;
    memset(out, 0, sizeof(*out));
    snprintf(out->token_id, sizeof(out->token_id), "%s", t.id);
    if (t.user_id[0] != '\0') {
        out->kind = PRINCIPAL_USER;
        snprintf(out->user_id, sizeof(out->user_id), "%s", t.user_id);
        out->is_admin = t.user_is_admin;
    } else {
        out->kind = PRINCIPAL_CLIENT;
        snprintf(out->client_id, sizeof(out->client_id), "%s", t.client_id);
        snprintf(out->project_id, sizeof(out->project_id), "%s", t.project_id);
        snprintf(out->scopes, sizeof(out->scopes), "%s", t.scopes);
    }
    return SH_OK;
}

int auth_project_role(struct api *api, const char *user_id, const char *project_id, char *role,
                      size_t cap)
{
    return store_membership_role(api->store, user_id, project_id, role, cap);
}

int auth_project_exists(struct api *api, const char *project_id)
{
    return store_project_live(api->store, project_id);
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
    struct principal *p = &r->principal;
    const char *pid = http_req_header(r, "X-Smshub-Project");
    char role[sizeof(p->role)];
    int st;

    if (pid == NULL || *pid == '\0' || strlen(pid) >= sizeof(p->project_id)) {
        http_problem(r, 403, "project_required", "Forbidden",
                     "with a user's token, name the project in the X-Smshub-Project header "
                     "(or use an API key of the project)",
                     NULL);
        return -1;
    }
    st = p->is_admin ? auth_project_exists(r->api, pid)
                     : auth_project_role(r->api, p->user_id, pid, role, sizeof(role));
    if (st == SH_ENOTFOUND) {
        http_problem(r, 404, "not_found", "Not found", "no such project", NULL);
        return -1;
    }
    if (st != SH_OK) {
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "the credential store cannot be read right now", NULL);
        return -1;
    }
    snprintf(p->project_id, sizeof(p->project_id), "%s", pid);
    snprintf(p->role, sizeof(p->role), "%s", p->is_admin ? "owner" : role);
    const char *want = strcmp(route->method, "GET") == 0 ? "viewer" : "member";
    if (!auth_role_at_least(p->role, want)) {
        http_problem(r, 403, "insufficient_role", "Forbidden",
                     "your role in this project does not allow this", NULL);
        return -1;
    }
    return 0;
}
