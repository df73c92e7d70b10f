/*
 * cred_balance.c — GET /v1/admin/projects/{id}/providers/{pid}/balance: the vendor account
 * balance of one credential, asked live through its driver (core engine_balance, the
 * connection waits suspended, at most ENGINE_BALANCE_TIMEOUT_MS). Platform administrators
 * only. 200 {amount, currency}; 501 when the driver has no balance query; 409 when the
 * engine has no open driver for the credential; 502 when the vendor refused or failed; 504
 * when it did not answer in time. Nothing is stored or audited (a read).
 */
#include "api/api.h"
#include "api/ctl.h"
#include "core/engine.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/credentials.h"
#include "store/providers.h"

#include <stdio.h>

struct bal_ctx {
    struct http_req *r;
    const char *credential_id, *provider_id, *driver; /* in r->arena */
};

/* Engine thread (or engine_free): replies and resumes the request. */
static void on_balance(void *arg, int status, const struct engine_balance *b)
{
    struct bal_ctx *ctx = arg;
    struct http_req *r = ctx->r;
    char detail[300];
    switch (status) {
    case SH_OK:
        http_reply_json(r, 200,
                        json_pack("{s:s, s:s, s:s, s:s?, s:o}", "credential_id", ctx->credential_id,
                                  "provider_id", ctx->provider_id, "amount", b->amount, "currency",
                                  b->currency[0] ? b->currency : NULL, "fetched_at",
                                  ctl_time(clock_now_ms())));
        break;
    case SH_ENOTFOUND:
        snprintf(detail, sizeof(detail),
                 "the %s driver has no balance query (or not with this credential's settings; "
                 "see docs/providers.md)",
                 ctx->driver);
        http_problem(r, 501, "balance_not_supported", "Balance not supported", detail, NULL);
        break;
    case SH_ECLOSED:
        ctl_conflict(r, "credential_not_loaded",
                     "the engine has no open driver for this credential (inactive, provider "
                     "disabled, or its settings do not open): nothing can ask the vendor");
        break;
    case SH_EPERM:
        snprintf(detail, sizeof(detail), "%s", b->error[0] ? b->error : "credentials refused");
        http_problem(r, 502, "provider_auth_refused", "The provider refused the credentials",
                     detail, NULL);
        break;
    case SH_ETIMEDOUT:
        http_problem(r, 504, "provider_timeout", "The provider did not answer",
                     "no balance answer from the provider in time", NULL);
        break;
    default: /* SH_EIO */
        snprintf(detail, sizeof(detail), "%s", b->error[0] ? b->error : "no usable answer");
        http_problem(r, 502, "provider_error", "The provider's answer carries no balance", detail,
                     NULL);
        break;
    }
    http_resume(r);
}

int api_credentials_balance(struct http_req *r)
{
    struct store_cred c;
    struct store_provider p;
    int st = store_cred_get(r->api->store, r->principal.project_id, r->params[1], &r->arena, &c);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, "no credential with this id in this project");
    if (st != SH_OK)
        return ctl_storage_error(r);
    st = store_provider_get(r->api->store, c.provider_id, &r->arena, &p);
    if (st != SH_OK && st != SH_ENOTFOUND)
        return ctl_storage_error(r);
    struct bal_ctx *ctx = arena_zalloc(&r->arena, sizeof(*ctx));
    ctx->r = r;
    ctx->credential_id = c.id;
    ctx->provider_id = c.provider_id;
    ctx->driver = st == SH_OK ? p.driver : "provider's";
    r->async = ctx;
    if (r->api->engine == NULL || engine_balance(r->api->engine, c.id, on_balance, ctx) != SH_OK) {
        r->async = NULL;
        http_problem(r, 503, "shutting_down", "Service unavailable",
                     "the dispatch engine is not running", NULL);
        return HTTP_DONE;
    }
    return HTTP_ASYNC;
}
