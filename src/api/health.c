/*
 * health.c — /healthz (the process answers) and /readyz (it can do its job: the store
 * answers, migrations ran, the engine thread runs). Unauthenticated, no detail that
 * would help an attacker.
 */
#include "api/api.h"
#include "core/engine.h"
#include "lib/err.h"
#include "store/store.h"

int api_healthz(struct http_req *r)
{
    http_reply_raw(r, 200, "application/json", "{\"status\":\"ok\"}", 15);
    return HTTP_DONE;
}

int api_readyz(struct http_req *r)
{
    struct api *api = r->api;
    int store_ok = store_ping(api->store) == SH_OK;
    int engine_ok = api->engine != NULL && engine_running(api->engine);
    int ready = store_ok && engine_ok && atomic_load(&api->ready);
    json_t *o = json_pack("{s:s, s:{s:b, s:b}}", "status", ready ? "ready" : "not_ready", "checks",
                          "store", store_ok, "engine", engine_ok);
    http_reply_json(r, ready ? 200 : 503, o);
    return HTTP_DONE;
}
