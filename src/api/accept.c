/*
 * accept.c — the message intake core shared by REST and SMPP (api/accept.h).
 */
#include "api/accept.h"
#include "api/guard.h"
#include "core/credcache.h"
#include "core/engine.h"
#include "api/lowbal.h"
#include "core/pricecache.h"
#include "lib/err.h"
#include "lib/id.h"

int accept_prepare(struct api *api, const json_t *body, const char *project_id, int64_t now,
                   struct arena *a, struct store_message *out, struct field_errors *fe)
{
    if (msg_request_parse(body, &api->limits, now, project_id, a, out, fe) != 0)
        return ACCEPT_INVALID;
    if (out->provider != NULL) {
        int has = credcache_has_provider(api->creds, project_id, out->provider);
        if (has < 0)
            return ACCEPT_UNAVAILABLE;
        if (has == 0) {
            field_error_add(fe, "provider", "unknown_provider",
                            "this project has no active credential for that provider");
            return ACCEPT_INVALID;
        }
    }
    char *id = arena_alloc(a, ID_MAX);
    out->id = id_new("msg", now, id, ID_MAX);
    return ACCEPT_OK;
}

void accept_committed(struct api *api, const struct store_accept *acc)
{
    const char *project_id = acc->msg->project_id;
    int64_t threshold;
    guard_note_accepted(api->guard, project_id, acc->now);
    engine_notify(api->engine);
    if (acc->debit > 0 && api->prices != NULL && api->lowbal != NULL &&
        pricecache_low_threshold(api->prices, project_id, &threshold) == SH_OK &&
        acc->balance < threshold)
        lowbal_note(api->lowbal, project_id, acc->balance, threshold, acc->debit_currency,
                    acc->now);
}

int accept_price(struct api *api, struct store_message *m, struct store_accept *acc,
                 struct arena *a)
{
    struct price_estimate e;
    if (api->prices == NULL)
        return ACCEPT_OK;
    if (pricecache_estimate(api->prices, m->project_id, m->provider, m->to, m->country,
                            m->segments, m->created_at, &e) != SH_OK)
        return ACCEPT_UNAVAILABLE;
    if (!e.priced)
        return ACCEPT_OK; /* no tariff applies: the message is sent unpriced (and free) */
    m->price_unit = e.unit;
    m->price_total = e.total;
    m->cost_total = e.cost;
    m->currency = arena_strdup(a, e.currency);
    if (e.prepaid && e.total > 0) {
        char *lid = arena_alloc(a, ID_MAX);
        acc->debit = e.total;
        acc->debit_currency = m->currency;
        acc->debit_ledger_id = id_new("led", m->created_at, lid, ID_MAX);
    }
    return ACCEPT_OK;
}
