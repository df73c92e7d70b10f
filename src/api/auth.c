/*
 * auth.c — who is calling and may they: Bearer API keys (with a short-lived cache), access
 * tokens (api/auth_token.c), then the route's requirements (admin, project reach, scope or
 * role) and the project's guards (api/guard.c: allowlist, signing, rate limits).
 *
 * The key's SHA-256 is the lookup key: no secret is ever compared byte by byte, so there is
 * no timing oracle. A cache entry lives AUTH_TTL_MS, which bounds how long a revoked key can
 * keep working. Unknown keys are not cached. Another project's objects answer 404, so a
 * caller cannot learn they exist.
 */
#include "api/auth.h"
#include "api/auth_token.h"
#include "api/guard.h"
#include "api/api.h"
#include "core/apikey.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/audit.h"
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define AUTH_SLOTS 1024
#define AUTH_TTL_MS 1000

struct auth_entry {
    unsigned char hash[32];
    int64_t until; /* monotonic ms; 0 = empty */
    struct store_api_key key;
};

struct auth_cache {
    pthread_mutex_t mu;
    struct auth_entry slots[AUTH_SLOTS];
};

struct auth_cache *auth_cache_new(void)
{
    struct auth_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void auth_cache_free(struct auth_cache *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static unsigned slot_of(const unsigned char hash[32])
{
    return ((unsigned)hash[0] | (unsigned)hash[1] << 8) % AUTH_SLOTS;
}

static int lookup(struct api *api, const unsigned char hash[32], struct store_api_key *out)
{
    struct auth_cache *c = api->auth;
    struct auth_entry *e = &c->slots[slot_of(hash)];
    int64_t now = clock_mono_us() / 1000;
    int st;

    pthread_mutex_lock(&c->mu);
    if (e->until > now && memcmp(e->hash, hash, 32) == 0) {
        *out = e->key;
        pthread_mutex_unlock(&c->mu);
        return SH_OK;
    }
    pthread_mutex_unlock(&c->mu);
    st = store_api_key_find(api->store, hash, out);
    if (st != SH_OK)
        return st;
    pthread_mutex_lock(&c->mu);
    memcpy(e->hash, hash, 32);
    e->key = *out;
    e->until = now + AUTH_TTL_MS;
    pthread_mutex_unlock(&c->mu);
    return SH_OK;
}

static int has_scope(const char *scopes, const char *want)
{
    size_t wl = strlen(want);
    const char *p = scopes;
    while ((p = strstr(p, want)) != NULL) {
        if ((p == scopes || p[-1] == ' ') && (p[wl] == '\0' || p[wl] == ' '))
            return 1;
        p += wl;
    }
    return 0;
}

static int unauthorized(struct http_req *r, const char *detail)
{
    http_problem(r, 401, "unauthorized", "Unauthorized", detail, NULL);
    http_header(r, "WWW-Authenticate", "Bearer realm=\"smshub\"");
    return -1;
}

static int forbidden(struct http_req *r, const char *code, const char *detail)
{
    http_problem(r, 403, code, "Forbidden", detail, NULL);
    return -1;
}

static int unavailable(struct http_req *r)
{
    http_problem(r, 503, "storage_unavailable", "Service unavailable",
                 "the credential store cannot be read right now", NULL);
    return -1;
}

static int key_principal(struct http_req *r, const char *h)
{
    struct store_api_key key;
    unsigned char hash[32];
    int st;

    apikey_hash(h, hash);
    st = lookup(r->api, hash, &key);
    if (st == SH_ENOTFOUND)
        return unauthorized(r, "the API key is not valid");
    if (st != SH_OK)
        return unavailable(r);
    if (key.revoked || (key.expires_at != 0 && key.expires_at <= clock_now_ms()))
        return unauthorized(r, "the API key is revoked or expired");
    r->principal.kind = PRINCIPAL_KEY;
    snprintf(r->principal.project_id, sizeof(r->principal.project_id), "%s", key.project_id);
    snprintf(r->principal.key_id, sizeof(r->principal.key_id), "%s", key.id);
    snprintf(r->principal.scopes, sizeof(r->principal.scopes), "%s", key.scopes);
    r->principal.rate_limit_rps = key.rate_limit_rps;
    guard_note_key_use(r->api->guard, key.id, clock_now_ms());
    return 0;
}

/* ROUTE_PROJECT: the project in the path must be the principal's (keys, clients) or one the
 * user belongs to (administrators reach every project, acting as owner). */
static int project_reach(struct http_req *r)
{
    struct principal *p = &r->principal;
    const char *pid = r->params[0];
    char role[sizeof(p->role)];

    if (pid == NULL)
        return -1;
    if (p->kind != PRINCIPAL_USER) {
        if (strcmp(pid, p->project_id) == 0)
            return 0;
        http_problem(r, 404, "not_found", "Not found", "no such project", NULL);
        return -1;
    }
    int st = p->is_admin ? auth_project_exists(r->api, pid)
                         : auth_project_role(r->api, p->user_id, pid, role, sizeof(role));
    if (st == SH_ENOTFOUND) {
        http_problem(r, 404, "not_found", "Not found", "no such project", NULL);
        return -1;
    }
    if (st != SH_OK)
        return unavailable(r);
    snprintf(p->project_id, sizeof(p->project_id), "%s", pid);
    snprintf(p->role, sizeof(p->role), "%s", p->is_admin ? "owner" : role);
    return 0;
}

/* Whether the principal may use the route: scopes for keys and clients, roles for users. */
static int permitted(struct http_req *r, const struct route *route)
{
    const struct principal *p = &r->principal;
    if (p->kind != PRINCIPAL_USER) {
        if (route->scope != NULL && !has_scope(p->scopes, route->scope))
            return forbidden(r, "insufficient_scope",
                             "the credential lacks the scope this endpoint needs");
        return 0;
    }
    if (route->flags & ROUTE_PROJECT) {
        const char *want = route->min_role != NULL            ? route->min_role
                           : strcmp(route->method, "GET") == 0 ? "viewer"
                                                               : "member";
        if (!auth_role_at_least(p->role, want))
            return forbidden(r, "insufficient_role", "your role in this project does not allow this");
        return 0;
    }
    if (route->scope != NULL && !(route->flags & (ROUTE_ADMIN | ROUTE_USER)))
        return auth_user_project_route(r, route);
    return 0;
}

int api_authenticate(struct http_req *r, const struct route *route)
{
    const char *h = http_req_header(r, "Authorization");
    int st;

    if (h == NULL)
        return unauthorized(r, "send your API key or access token as Authorization: Bearer <it>");
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return unauthorized(r, "the Authorization header must use the Bearer scheme");
    h += 7;
    while (*h == ' ')
        h++;
    if (apikey_well_formed(h)) {
        if (key_principal(r, h) != 0)
            return -1;
    } else {
        st = auth_token_verify(r->api, h, &r->principal);
        if (st == SH_ENOTFOUND)
            return unauthorized(r, "the credential is not valid, expired or revoked");
        if (st != SH_OK)
            return unavailable(r);
    }
    if ((route->flags & ROUTE_USER) && r->principal.kind != PRINCIPAL_USER)
        return forbidden(r, "user_required", "this endpoint needs a user's access token");
    if ((route->flags & ROUTE_ADMIN) &&
        !(r->principal.kind == PRINCIPAL_USER && r->principal.is_admin))
        return forbidden(r, "admin_required", "this endpoint is for platform administrators");
    if ((route->flags & ROUTE_PROJECT) && project_reach(r) != 0)
        return -1;
    if (permitted(r, route) != 0)
        return -1;
    return guard_check(r, route);
}

void api_audit_actor(const struct http_req *r, struct audit_entry *e)
{
    const struct principal *p = &r->principal;
    memset(e, 0, sizeof(*e));
    switch (p->kind) {
    case PRINCIPAL_KEY:
        e->actor_type = "key";
        e->actor_id = p->key_id;
        break;
    case PRINCIPAL_USER:
        e->actor_type = "user";
        e->actor_id = p->user_id;
        break;
    case PRINCIPAL_CLIENT:
        e->actor_type = "client";
        e->actor_id = p->client_id;
        break;
    default:
        e->actor_type = "anonymous";
        break;
    }
    e->project_id = p->project_id[0] != '\0' ? p->project_id : NULL;
    e->source_ip = r->client_ip[0] != '\0' ? r->client_ip : NULL;
    e->request_id = r->request_id;
}
