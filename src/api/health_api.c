/*
 * health_api.c — provider health and callback secrets:
 *   GET /v1/admin/providers/{id}/health   per credential of the provider: state, success
 *       rate, latency p50/p95, submits in flight and queued (live, from the engine), and the
 *       latest state changes (provider_health_events). Platform administrators.
 *   GET /v1/projects/{id}/webhook-secret  the project's callback signing secret (generated
 *       on first use), for verifying X-Smshub-Signature. Owners (users) only.
 */
#include "api/api.h"
#include "core/engine.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/enginedata.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define HEALTH_EVENTS_MAX 50

static int valid_slug(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    }
    return 1;
}

int api_provider_health(struct http_req *r)
{
    const char *pid = r->params[0];
    struct engine_cred_health *v = NULL;
    struct store_rows ev = {0};
    size_t n = 0;
    char t[40];

    if (!valid_slug(pid)) {
        http_problem(r, 404, "not_found", "Not found", "no such provider", NULL);
        return HTTP_DONE;
    }
    int known = store_provider_exists(r->api->store, pid);
    if (known < 0 || store_health_events_list(r->api->store, pid, HEALTH_EVENTS_MAX, &r->arena,
                                              &ev) != SH_OK) {
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "provider health cannot be read right now", NULL);
        return HTTP_DONE;
    }
    if (!known) {
        http_problem(r, 404, "not_found", "Not found", "no such provider", NULL);
        return HTTP_DONE;
    }
    if (r->api->engine != NULL)
        engine_health_snapshot(r->api->engine, pid, &v, &n);
    json_t *creds = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(
            creds, json_pack("{s:s, s:s, s:s, s:f, s:i, s:{s:i, s:i}, s:i, s:i, s:b, s:b}",
                             "credential_id", v[i].credential_id, "project_id", v[i].project_id,
                             "state", v[i].state, "success_rate", v[i].success_rate, "samples",
                             v[i].samples, "latency_ms", "p50", v[i].p50_ms, "p95", v[i].p95_ms,
                             "in_flight", v[i].inflight, "queued", v[i].queued, "active",
                             v[i].active, "enabled", v[i].enabled));
    }
    free(v);
    json_t *events = json_array();
    for (size_t i = 0; i < ev.n; i++) {
        const char *reason = store_cell(&ev, i, 5);
        json_array_append_new(
            events,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "credential_id", store_cell(&ev, i, 0),
                      "project_id", store_cell(&ev, i, 1), "at",
                      clock_fmt_rfc3339(store_cell_int(&ev, i, 2), t, sizeof(t)), "from",
                      store_cell(&ev, i, 3), "to", store_cell(&ev, i, 4), "reason",
                      reason ? json_string(reason) : json_null()));
    }
    http_reply_json(r, 200, json_pack("{s:s, s:o, s:o}", "provider", pid, "credentials", creds,
                                      "events", events));
    return HTTP_DONE;
}

int api_webhook_secret(struct http_req *r)
{
    char secret[96];
    int st = engine_webhook_secret(r->api->store, r->api->sealer, r->principal.project_id,
                                   secret, sizeof(secret));
    if (st == SH_ENOTFOUND) {
        http_problem(r, 404, "not_found", "Not found", "no such project", NULL);
        return HTTP_DONE;
    }
    if (st != SH_OK) {
        http_problem(r, 503, "secret_unavailable", "Service unavailable",
                     "the webhook secret cannot be read right now", NULL);
        return HTTP_DONE;
    }
    http_reply_json(r, 200, json_pack("{s:s, s:s, s:s}", "project_id", r->principal.project_id,
                                      "secret", secret, "signature_header",
                                      "X-Smshub-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "
                                      "\"<t>.<body>\" keyed with the secret>"));
    sodium_memzero(secret, sizeof(secret));
    return HTTP_DONE;
}
