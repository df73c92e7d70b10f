/* pricecache.c — see pricecache.h. */
#include "core/pricecache.h"
#include "core/money.h"
#include "core/price.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/billing.h"
#include "store/prices.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRICECACHE_TTL_MS 1000

struct pricecache {
    struct store *store;
    pthread_mutex_t mu;
    struct arena arena;
    struct price_row *rows;
    size_t nrows;
    struct billing_profile *profiles;
    size_t nprofiles;
    struct store_credential *creds;
    size_t ncreds;
    int64_t loaded_at; /* monotonic ms, 0 = never */
};

struct pricecache *pricecache_new(struct store *store)
{
    struct pricecache *c = xcalloc(1, sizeof(*c));
    c->store = store;
    pthread_mutex_init(&c->mu, NULL);
    arena_init(&c->arena);
    return c;
}

void pricecache_free(struct pricecache *c)
{
    if (c == NULL)
        return;
    arena_release(&c->arena);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void pricecache_invalidate(struct pricecache *c)
{
    pthread_mutex_lock(&c->mu);
    c->loaded_at = 0;
    pthread_mutex_unlock(&c->mu);
}

/* Re-reads everything when the snapshot is stale. Called with c->mu held. */
static int refresh(struct pricecache *c)
{
    int64_t now = clock_mono_us() / 1000;
    struct price_filter f = {.kind = -1};
    struct arena a;
    struct price_row *rows;
    struct billing_profile *prof;
    struct store_credential *creds;
    size_t nr, np, nc;

    if (c->loaded_at != 0 && now - c->loaded_at < PRICECACHE_TTL_MS)
        return SH_OK;
    arena_init(&a);
    if (store_prices_list(c->store, &f, &a, &rows, &nr) != SH_OK ||
        store_billing_profiles(c->store, &a, &prof, &np) != SH_OK ||
        store_credentials_load(c->store, &a, &creds, &nc) != SH_OK) {
        arena_release(&a);
        return SH_EIO;
    }
    arena_release(&c->arena);
    c->arena = a;
    c->rows = rows;
    c->nrows = nr;
    c->profiles = prof;
    c->nprofiles = np;
    c->creds = creds;
    c->ncreds = nc;
    c->loaded_at = now > 0 ? now : 1;
    return SH_OK;
}

static const struct billing_profile *profile(const struct pricecache *c, const char *project_id)
{
    for (size_t i = 0; i < c->nprofiles; i++)
        if (strcmp(c->profiles[i].project_id, project_id) == 0)
            return &c->profiles[i];
    return NULL;
}

/* The credential an estimate prices: the project's default among the candidates, else the
 * first by priority (lowest number). */
static const struct store_credential *estimate_cred(const struct pricecache *c,
                                                    const char *project_id,
                                                    const char *provider_id)
{
    const struct store_credential *best = NULL;
    for (size_t i = 0; i < c->ncreds; i++) {
        const struct store_credential *r = &c->creds[i];
        if (!r->active || !r->provider_enabled || strcmp(r->project_id, project_id) != 0 ||
            (provider_id != NULL && strcmp(r->provider_id, provider_id) != 0))
            continue;
        if (best == NULL || (r->is_default && !best->is_default) ||
            (r->is_default == best->is_default && r->priority < best->priority))
            best = r;
    }
    return best;
}

static const struct price_row *cost_row(const struct pricecache *c, const char *credential_id,
                                        const char *provider_id, const char *number,
                                        const char *country, int64_t at)
{
    struct price_query q = {.kind = PRICE_COST,
                            .credential_id = credential_id,
                            .provider_id = provider_id,
                            .number = number,
                            .country = country,
                            .at = at};
    return price_lookup(c->rows, c->nrows, &q);
}

int pricecache_estimate(struct pricecache *c, const char *project_id, const char *provider_id,
                        const char *number, const char *country, int segments, int64_t at,
                        struct price_estimate *out)
{
    int st;
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&c->mu);
    if ((st = refresh(c)) != SH_OK)
        goto out;
    const struct billing_profile *bp = profile(c, project_id);
    if (bp != NULL) {
        out->prepaid = bp->prepaid;
        memcpy(out->balance_currency, bp->currency, sizeof(out->balance_currency));
    }
    const struct store_credential *cred = estimate_cred(c, project_id, provider_id);
    const struct price_row *cost = NULL;
    if (cred != NULL) {
        snprintf(out->credential_id, sizeof(out->credential_id), "%s", cred->id);
        cost = cost_row(c, cred->id, cred->provider_id, number, country, at);
    }
    struct price_query sq = {
        .kind = PRICE_SELL, .project_id = project_id, .number = number, .country = country,
        .at = at};
    const struct price_row *sell = price_lookup(c->rows, c->nrows, &sq);
    int64_t n = segments > 0 ? segments : 1;
    if (cost != NULL && money_mul(cost->unit, n, &out->cost) != SH_OK)
        out->cost = 0;
    if (sell != NULL) {
        out->unit = sell->unit;
        memcpy(out->currency, sell->currency, sizeof(out->currency));
    } else if (cost != NULL) {
        int64_t bp_markup = bp != NULL ? bp->markup_bp : 0;
        if (money_scale(cost->unit, 10000 + bp_markup, 10000, &out->unit) != SH_OK)
            goto out;
        memcpy(out->currency, cost->currency, sizeof(out->currency));
    } else {
        goto out; /* nothing prices this message */
    }
    if (money_mul(out->unit, n, &out->total) != SH_OK) {
        out->unit = out->total = 0;
        goto out;
    }
    out->priced = 1;
out:
    pthread_mutex_unlock(&c->mu);
    return st;
}

int pricecache_cost(struct pricecache *c, const char *credential_id, const char *provider_id,
                    const char *number, const char *country, int segments, int64_t at,
                    int64_t *cost, char currency[4])
{
    int st;
    pthread_mutex_lock(&c->mu);
    if ((st = refresh(c)) != SH_OK)
        goto out;
    const struct price_row *r = cost_row(c, credential_id, provider_id, number, country, at);
    if (r == NULL || money_mul(r->unit, segments > 0 ? segments : 1, cost) != SH_OK) {
        st = SH_ENOTFOUND;
        goto out;
    }
    memcpy(currency, r->currency, 4);
out:
    pthread_mutex_unlock(&c->mu);
    return st;
}

int pricecache_low_threshold(struct pricecache *c, const char *project_id, int64_t *threshold)
{
    int st = SH_ENOTFOUND;
    pthread_mutex_lock(&c->mu);
    const struct billing_profile *bp = profile(c, project_id);
    if (bp != NULL && bp->low_threshold >= 0) {
        *threshold = bp->low_threshold;
        st = SH_OK;
    }
    pthread_mutex_unlock(&c->mu);
    return st;
}
