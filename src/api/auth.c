/*
 * auth.c — Bearer API key authentication with a short-lived cache.
 *
 * The key's SHA-256 is the lookup key: no secret is ever compared byte by byte, so there is
 * no timing oracle. A cache entry lives AUTH_TTL_MS, which bounds how long a revoked key can
 * keep working. Unknown keys are not cached.
 */
#include "api/auth.h"
#include "api/api.h"
#include "core/apikey.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
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

int api_authenticate(struct http_req *r, const struct route *route)
{
    const char *h = http_req_header(r, "Authorization");
    struct store_api_key key;
    unsigned char hash[32];
    int st;

    if (h == NULL)
        return unauthorized(r, "send your API key as Authorization: Bearer <key>");
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return unauthorized(r, "the Authorization header must use the Bearer scheme");
    h += 7;
    while (*h == ' ')
        h++;
    if (!apikey_well_formed(h))
        return unauthorized(r, "the API key is not valid");
    apikey_hash(h, hash);
    st = lookup(r->api, hash, &key);
    if (st == SH_ENOTFOUND)
        return unauthorized(r, "the API key is not valid");
    if (st != SH_OK) {
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "the key store cannot be read right now", NULL);
        return -1;
    }
    if (key.revoked || (key.expires_at != 0 && key.expires_at <= clock_now_ms()))
        return unauthorized(r, "the API key is revoked or expired");
    if (route->scope != NULL && !has_scope(key.scopes, route->scope)) {
        http_problem(r, 403, "insufficient_scope", "Forbidden",
                     "the API key lacks the scope this endpoint needs", NULL);
        return -1;
    }
    snprintf(r->principal.project_id, sizeof(r->principal.project_id), "%s", key.project_id);
    snprintf(r->principal.key_id, sizeof(r->principal.key_id), "%s", key.id);
    snprintf(r->principal.scopes, sizeof(r->principal.scopes), "%s", key.scopes);
    return 0;
}
