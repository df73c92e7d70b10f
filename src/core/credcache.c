/* credcache.c — see credcache.h. */
#include "core/credcache.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CREDCACHE_TTL_MS 1000
#define CREDCACHE_MISS_MS 100

struct credcache {
    struct store *store;
    pthread_mutex_t mu;
    struct arena arena;
    struct store_credential *rows;
    size_t n;
    int64_t loaded_at; /* monotonic ms, 0 = never */
};

struct credcache *credcache_new(struct store *store)
{
    struct credcache *c = xcalloc(1, sizeof(*c));
    c->store = store;
    pthread_mutex_init(&c->mu, NULL);
    arena_init(&c->arena);
    return c;
}

void credcache_free(struct credcache *c)
{
    if (c == NULL)
        return;
    arena_release(&c->arena);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int lookup(const struct credcache *c, const char *project_id, const char *provider_id)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct store_credential *r = &c->rows[i];
        if (r->active && r->provider_enabled && strcmp(r->project_id, project_id) == 0 &&
            strcmp(r->provider_id, provider_id) == 0)
            return 1;
    }
    return 0;
}

/* Re-reads the table. Called with c->mu held. */
static int reload(struct credcache *c, int64_t now)
{
    struct arena a;
    struct store_credential *rows;
    size_t n;
    arena_init(&a);
    if (store_credentials_load(c->store, &a, &rows, &n) != SH_OK) {
        arena_release(&a);
        return SH_EIO;
    }
    arena_release(&c->arena);
    c->arena = a;
    c->rows = rows;
    c->n = n;
    c->loaded_at = now;
    return SH_OK;
}

int credcache_has_provider(struct credcache *c, const char *project_id, const char *provider_id)
{
    int64_t now = clock_mono_us() / 1000;
    int st = SH_OK, found = 0;

    pthread_mutex_lock(&c->mu);
    if (c->loaded_at == 0 || now - c->loaded_at >= CREDCACHE_TTL_MS)
        st = reload(c, now);
    if (st == SH_OK)
        found = lookup(c, project_id, provider_id);
    /* a miss re-reads a table older than CREDCACHE_MISS_MS: a credential added a moment ago
     * must not make a send fail with unknown_provider */
    if (st == SH_OK && !found && now - c->loaded_at >= CREDCACHE_MISS_MS) {
        st = reload(c, now);
        if (st == SH_OK)
            found = lookup(c, project_id, provider_id);
    }
    pthread_mutex_unlock(&c->mu);
    return st != SH_OK ? SH_EIO : found;
}
