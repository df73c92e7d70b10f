/*
 * dispatch.c — what the engine does with each claimed message and each provider answer.
 *
 * Queued message: expire it, or route it to a credential and submit (one attempt). Submit
 * outcome: accepted → submitted (provider message id recorded); permanent → rejected or
 * failed; transient → back to queued with the backoff of the attempt, failed after the last.
 * Receipts (pushed or polled) move the message forward through msg_state_from_mask(), so a
 * late or duplicate receipt matches no row and changes nothing.
 * Submitted/sent message that comes due: no receipt yet, so poll the provider when it can be
 * polled, with a delay growing with the message's age.
 */
#include "core/engine_int.h"
#include "core/message_state.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_MAX_DELAY_MS (3600LL * 1000)
#define ROUTE_RECHECK_MS 1100 /* past the credential table's reload interval */

struct sub_ctx {
    struct engine *engine;
    char message_id[48];
    char credential_id[48];
    char provider_id[64];
    int attempt;
    int64_t expires_at;
    int64_t created_at;
    int status; /* for polls: the status when claimed */
};

/* Ends a message in final state `to`; attempts_inc counts a submit that was made. */
static void finish(struct engine *e, const char *message_id, int to, const char *provider,
                   const char *code, const char *text, int attempts_inc)
{
    struct store_update *u = engine_update_new(e);
    char detail[320];
    u->message_id = engine_str(e, message_id);
    u->from_mask = msg_state_from_mask(to);
    u->to_status = to;
    u->due_at = 0;
    u->clear_lease = 1;
    u->attempts_inc = attempts_inc;
    u->set_error_code = code ? engine_str(e, code) : NULL;
    u->set_error_text = text ? engine_str(e, text) : NULL;
    u->ev_status = to;
    u->ev_provider = provider ? engine_str(e, provider) : NULL;
    if (code != NULL) {
        snprintf(detail, sizeof(detail), "{\"error_code\":\"%s\"}", code);
        u->ev_detail = engine_str(e, detail);
    }
}

static void on_submit(void *arg, const struct provider_result *r)
{
    struct sub_ctx *ctx = arg;
    struct engine *e = ctx->engine;
    int64_t now = clock_now_ms();
    char detail[400];
    struct store_update *u;

    e->inflight--;
    switch (r->outcome) {
    case PROVIDER_ACCEPTED:
        u = engine_update_new(e);
        u->message_id = engine_str(e, ctx->message_id);
        u->from_mask = msg_state_from_mask(MSG_SUBMITTED);
        u->to_status = MSG_SUBMITTED;
        u->due_at = now + e->cfg.poll_first_ms;
        u->attempts_inc = 1;
        u->clear_lease = 1;
        u->set_credential_id = engine_str(e, ctx->credential_id);
        u->set_pmid = engine_str(e, r->pmid);
        u->ev_status = MSG_SUBMITTED;
        u->ev_provider = engine_str(e, ctx->provider_id);
        snprintf(detail, sizeof(detail), "{\"attempt\":%d,\"credential_id\":\"%s\"}", ctx->attempt,
                 ctx->credential_id);
        u->ev_detail = engine_str(e, detail);
        break;
    case PROVIDER_REJECTED:
    case PROVIDER_MALFORMED:
    case PROVIDER_EXPIRED: {
        int to = r->outcome == PROVIDER_REJECTED  ? MSG_REJECTED
                 : r->outcome == PROVIDER_EXPIRED ? MSG_EXPIRED
                                                  : MSG_FAILED;
        finish(e, ctx->message_id, to, ctx->provider_id, r->error_code, r->error_text, 1);
        break;
    }
    case PROVIDER_TEMP_FAIL:
    case PROVIDER_THROTTLED: {
        int retry = ctx->attempt - 1; /* retries already made */
        int64_t at = retry < e->cfg.max_retries ? now + e->cfg.backoff_ms[retry] : 0;
        if (at == 0 || (ctx->expires_at != 0 && at >= ctx->expires_at)) {
            int to = at == 0 ? MSG_FAILED : MSG_EXPIRED;
            finish(e, ctx->message_id, to, ctx->provider_id, r->error_code, r->error_text, 1);
            break;
        }
        u = engine_update_new(e);
        u->message_id = engine_str(e, ctx->message_id);
        u->from_mask = 1u << MSG_QUEUED;
        u->due_at = at;
        u->attempts_inc = 1;
        u->clear_lease = 1;
        u->set_error_code = engine_str(e, r->error_code);
        u->set_error_text = engine_str(e, r->error_text);
        u->ev_status = MSG_QUEUED;
        u->ev_provider = engine_str(e, ctx->provider_id);
        snprintf(detail, sizeof(detail),
                 "{\"attempt\":%d,\"outcome\":\"%s\",\"error_code\":\"%s\",\"retry_in_ms\":%lld}",
                 ctx->attempt, r->outcome == PROVIDER_THROTTLED ? "throttled" : "temp_fail",
                 r->error_code, (long long)(at - now));
        u->ev_detail = engine_str(e, detail);
        break;
    }
    }
    free(ctx);
}

static int dlr_status(enum provider_dlr d)
{
    switch (d) {
    case PROVIDER_DLR_SENT:
        return MSG_SENT;
    case PROVIDER_DLR_DELIVERED:
        return MSG_DELIVERED;
    case PROVIDER_DLR_UNDELIVERED:
        return MSG_UNDELIVERED;
    case PROVIDER_DLR_FAILED:
        return MSG_FAILED;
    case PROVIDER_DLR_EXPIRED:
        return MSG_EXPIRED;
    case PROVIDER_DLR_REJECTED:
        return MSG_REJECTED;
    case PROVIDER_DLR_NONE:
        break;
    }
    return -1;
}

/* Applies a receipt by provider message id. A receipt for a state the message already passed
 * matches no row (from_mask) and is dropped. */
static void apply_report(struct engine *e, const char *credential_id, const char *provider_id,
                         const struct provider_report *r)
{
    int to = dlr_status(r->status);
    char detail[160];
    if (to < 0 || r->pmid == NULL)
        return;
    struct store_update *u = engine_update_new(e);
    u->lookup_pmid = engine_str(e, r->pmid);
    u->lookup_credential_id = engine_str(e, credential_id);
    /* a receipt never applies to a message we have not recorded as submitted */
    u->from_mask = msg_state_from_mask(to) & ~(1u << MSG_QUEUED);
    u->to_status = to;
    if (msg_status_final(to)) {
        u->due_at = 0;
        if (r->error_code != NULL)
            u->set_error_code = engine_str(e, r->error_code);
    }
    if (r->at != 0)
        u->at = r->at;
    u->ev_status = to;
    u->ev_provider = engine_str(e, provider_id);
    if (r->error_code != NULL) {
        snprintf(detail, sizeof(detail), "{\"error_code\":\"%s\"}", r->error_code);
        u->ev_detail = engine_str(e, detail);
    }
}

void dispatch_report(void *arg, const struct provider_report *r)
{
    struct eng_cred *c = arg;
    apply_report(c->engine, c->id, c->provider_id, r);
}

static int64_t next_poll(const struct engine *e, int64_t now, int64_t created_at)
{
    int64_t d = (now - created_at) / 2;
    if (d < e->cfg.poll_first_ms)
        d = e->cfg.poll_first_ms;
    if (d > POLL_MAX_DELAY_MS)
        d = POLL_MAX_DELAY_MS;
    return now + d;
}

/* Moves the next status check of a submitted/sent message without recording an event. */
static void reschedule(struct engine *e, const char *message_id, int status, int64_t due)
{
    struct store_update *u = engine_update_new(e);
    u->message_id = engine_str(e, message_id);
    u->from_mask = 1u << status;
    u->due_at = due;
    u->ev_status = -1;
}

static void on_poll(void *arg, const struct provider_report *r)
{
    struct sub_ctx *ctx = arg;
    struct engine *e = ctx->engine;
    int64_t now = clock_now_ms();
    int to = r != NULL ? dlr_status(r->status) : -1;

    e->inflight--;
    if (to >= 0)
        apply_report(e, ctx->credential_id, ctx->provider_id, r);
    if (to < 0 || !msg_status_final(to)) {
        int st = to == MSG_SENT ? MSG_SENT : ctx->status;
        int64_t due = next_poll(e, now, ctx->created_at);
        if (now - ctx->created_at > e->cfg.poll_give_up_ms)
            due = 0;
        reschedule(e, ctx->message_id, st, due);
    }
    free(ctx);
}

/* Puts a claimed queued message back, due at `due`, without an attempt or an event. */
static void reschedule_queued(struct engine *e, const char *message_id, int64_t due)
{
    struct store_update *u = engine_update_new(e);
    u->message_id = engine_str(e, message_id);
    u->from_mask = 1u << MSG_QUEUED;
    u->due_at = due;
    u->clear_lease = 1;
    u->ev_status = -1;
}

static struct sub_ctx *ctx_new(struct engine *e, const struct store_message *m,
                               const struct eng_cred *c)
{
    struct sub_ctx *ctx = xcalloc(1, sizeof(*ctx));
    ctx->engine = e;
    snprintf(ctx->message_id, sizeof(ctx->message_id), "%s", m->id);
    snprintf(ctx->credential_id, sizeof(ctx->credential_id), "%s", c->id);
    snprintf(ctx->provider_id, sizeof(ctx->provider_id), "%s", c->provider_id);
    ctx->attempt = m->attempts + 1;
    ctx->expires_at = m->expires_at;
    ctx->created_at = m->created_at;
    ctx->status = m->status;
    return ctx;
}

static void dispatch_queued(struct engine *e, const struct store_message *m, int64_t now)
{
    if (m->expires_at != 0 && now >= m->expires_at) {
        finish(e, m->id, MSG_EXPIRED, NULL, "expired", "validity ran out before dispatch", 0);
        return;
    }
    int unsure = 0;
    struct eng_cred *c = engine_route(e, m, &unsure);
    if (c == NULL && unsure) {
        reschedule_queued(e, m->id, now + ROUTE_RECHECK_MS);
        return;
    }
    if (c == NULL) {
        finish(e, m->id, MSG_FAILED, NULL, "no_route",
               "no active provider credential can take this message", 0);
        return;
    }
    struct sub_ctx *ctx = ctx_new(e, m, c);
    struct provider_msg pm = {
        .id = m->id,
        .to = m->to,
        .from = m->from,
        .body = m->body,
        .encoding = m->encoding,
        .segments = m->segments,
        .attempt = ctx->attempt,
    };
    e->inflight++;
    if (c->ops->submit(c->state, &pm, on_submit, ctx) != SH_OK) {
        struct provider_result r = {.outcome = PROVIDER_TEMP_FAIL};
        snprintf(r.error_code, sizeof(r.error_code), "submit_error");
        snprintf(r.error_text, sizeof(r.error_text), "the driver could not start the submit");
        on_submit(ctx, &r);
    }
}

static void dispatch_poll(struct engine *e, const struct store_message *m, int64_t now)
{
    struct eng_cred *c = m->credential_id ? engine_cred_by_id(e, m->credential_id) : NULL;
    if (c == NULL || c->state == NULL || c->ops->poll_status == NULL ||
        m->provider_message_id == NULL) {
        reschedule(e, m->id, m->status, 0); /* nothing can tell us more: wait for a push */
        return;
    }
    struct sub_ctx *ctx = ctx_new(e, m, c);
    e->inflight++;
    if (c->ops->poll_status(c->state, m->provider_message_id, on_poll, ctx) != SH_OK) {
        e->inflight--;
        reschedule(e, m->id, m->status, next_poll(e, now, m->created_at));
        free(ctx);
    }
}

void dispatch_message(struct engine *e, const struct store_message *m)
{
    int64_t now = clock_now_ms();
    if (m->status == MSG_QUEUED)
        dispatch_queued(e, m, now);
    else if (m->status == MSG_SUBMITTED || m->status == MSG_SENT)
        dispatch_poll(e, m, now);
    else
        reschedule(e, m->id, m->status, 0); /* final: should not be due; clear it */
}
