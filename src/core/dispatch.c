/*
 * dispatch.c — what the engine does with each claimed message and each provider answer.
 *
 * Queued message: expire it, or route it (engine_candidates: the failover order) and put it
 * in the first candidate's queue (credrt: token bucket, concurrency), which submits it when
 * it may. Submit outcome: accepted → submitted (provider message id recorded); permanent →
 * rejected or failed after that one submit; temp-fail/throttled → the next candidate at
 * once (project failover policy), and when none is left, back to queued with the backoff of
 * the round, failed after the last. A round is one pass over the candidates and counts as
 * one attempt.
 *
 * Exactly once per attempt: a message has at most one submit context in this engine (the
 * active set refuses a second claim of a message whose lease ran out while its context is
 * alive), a context is in one queue or at one driver at a time, and the next candidate is
 * tried only from the previous one's answer — never two providers at once. Every failover
 * step extends the lease in the store so another node cannot claim it meanwhile.
 *
 * Watchdog: a submit or poll whose driver has not answered within submit_timeout_ms gives its
 * slots back (max_inflight, the credential's concurrency). A submit's outcome is then unknown:
 * the message goes back to the queue for the next round, marked in_doubt (the provider may
 * have taken it: a possible duplicate, the same in-flight window as a crash). The context
 * itself stays allocated ("late") because the driver still holds it: its one callback, if it
 * ever comes, only frees it; a driver closed first drops the callback and the context is freed
 * then (dispatch_driver_closed).
 *
 * Receipts (pushed or polled) move the message forward through msg_state_from_mask(), so a
 * late or duplicate receipt matches no row and changes nothing; one whose provider message
 * id is not committed yet is tried again for up to 30 s.
 */
#include "core/engine_int.h"
#include "core/message_state.h"
#include "core/money.h"
#include "core/pricecache.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_MAX_DELAY_MS (3600LL * 1000)
#define ROUTE_RECHECK_MS 1100 /* past the credential table's reload interval */
#define DLR_RETRY_MS 1000
#define DLR_GIVE_UP_MS 30000

struct sub_ctx {
    struct engine *engine;
    struct sub_ctx *qnext;         /* in rt's queue */
    struct sub_ctx *aprev, *anext; /* e->ctx_all */
    struct cred_rt *rt;            /* queued at or submitted to (a reference) */
    struct eng_cred *cred;         /* driver instance while submitted */
    char message_id[48];
    char project_id[48];
    char *to, *from, *body;
    char country[3];
    int encoding, segments;
    int priority; /* 0 OTP, 1 transactional, 2 marketing */
    int attempt;  /* the round: 1 for the first */
    int64_t expires_at, created_at, submitted_at;
    int64_t lease_until; /* when the store's lease on the message runs out */
    int status;  /* for polls: the status when claimed */
    int is_poll;
    int probe;   /* holds the credential's half-open probe slot */
    int submits; /* made in this round */
    int health_skipped;
    int late;                   /* timed out: only the driver's callback still refers to it */
    struct event *watchdog;     /* armed while the driver holds the context */
    char cands[ROUTE_MAX_CANDIDATES][48];
    size_t ncand, idx;
    struct provider_result last;
    char credential_id[48]; /* for polls */
    char provider_id[64];
};

static void try_next(struct sub_ctx *ctx);
static int64_t next_poll(const struct engine *e, int64_t now, int64_t created_at);

/* ---- contexts ---------------------------------------------------------------------------- */

static struct sub_ctx *ctx_new(struct engine *e, const struct store_message *m)
{
    struct sub_ctx *ctx = xcalloc(1, sizeof(*ctx));
    ctx->engine = e;
    snprintf(ctx->message_id, sizeof(ctx->message_id), "%s", m->id);
    snprintf(ctx->project_id, sizeof(ctx->project_id), "%s", m->project_id);
    ctx->attempt = m->attempts + 1;
    ctx->expires_at = m->expires_at;
    ctx->created_at = m->created_at;
    ctx->status = m->status;
    ctx->lease_until = clock_now_ms() + e->cfg.lease_ms; /* claimed a moment ago */
    ctx->anext = e->ctx_all;
    if (e->ctx_all != NULL)
        e->ctx_all->aprev = ctx;
    e->ctx_all = ctx;
    e->inflight++;
    return ctx;
}

static void ctx_free(struct sub_ctx *ctx)
{
    struct engine *e = ctx->engine;
    if (ctx->aprev != NULL)
        ctx->aprev->anext = ctx->anext;
    else
        e->ctx_all = ctx->anext;
    if (ctx->anext != NULL)
        ctx->anext->aprev = ctx->aprev;
    if (ctx->rt != NULL)
        cred_rt_unref(ctx->rt);
    if (ctx->watchdog != NULL)
        event_free(ctx->watchdog);
    if (ctx->late)
        e->late--;
    free(ctx->to);
    free(ctx->from);
    free(ctx->body);
    free(ctx);
}

/* The context is finished: the message leaves this engine's active set. */
static void ctx_done(struct sub_ctx *ctx)
{
    struct engine *e = ctx->engine;
    if (!ctx->is_poll)
        engine_active_del(e, ctx->message_id);
    e->inflight--;
    ctx_free(ctx);
}

/*
 * The driver has not answered in time: the message leaves the active set and the context
 * stops counting against max_inflight, but stays allocated (ctx->cred kept) until the
 * driver's late callback or its close.
 */
static void ctx_orphan(struct sub_ctx *ctx)
{
    struct engine *e = ctx->engine;
    if (!ctx->is_poll)
        engine_active_del(e, ctx->message_id);
    e->inflight--;
    e->late++;
    ctx->late = 1;
    if (ctx->rt != NULL) {
        cred_rt_unref(ctx->rt);
        ctx->rt = NULL;
    }
}

/* A late callback: the context's outcome was settled by its watchdog. */
static int ctx_late_answer(struct sub_ctx *ctx, const char *what)
{
    if (!ctx->late)
        return 0;
    log_msg(ctx->engine->log, LOG_WARN, NULL,
            "late %s answer for message %s after its watchdog (ignored: already retried)", what,
            ctx->message_id);
    ctx_free(ctx);
    return 1;
}

void dispatch_driver_closed(struct engine *e, struct eng_cred *c)
{
    struct sub_ctx *ctx = e->ctx_all;
    while (ctx != NULL) {
        struct sub_ctx *next = ctx->anext;
        if (ctx->late && ctx->cred == c)
            ctx_free(ctx);
        ctx = next;
    }
}

void dispatch_renew_leases(struct engine *e, int64_t now)
{
    for (struct sub_ctx *ctx = e->ctx_all; ctx != NULL; ctx = ctx->anext) {
        if (ctx->is_poll || ctx->late || ctx->lease_until - now > e->cfg.lease_ms / 2)
            continue;
        struct store_update *u = engine_update_new(e);
        u->message_id = engine_str(e, ctx->message_id);
        u->from_mask = 1u << MSG_QUEUED;
        u->due_at = now + e->cfg.lease_ms;
        u->ev_status = -1;
        ctx->lease_until = u->due_at;
    }
}

void dispatch_drop_all(struct engine *e)
{
    while (e->ctx_all != NULL)
        ctx_free(e->ctx_all);
}

/* ---- updates ----------------------------------------------------------------------------- */

static struct store_update *status_update(struct engine *e, const char *message_id)
{
    struct store_update *u = engine_update_new(e);
    u->message_id = engine_str(e, message_id);
    u->render_callback = dispatch_render_callback;
    return u;
}

/* Ends a message that never reached a carrier in final state `to` (and refunds its prepaid
 * debit); attempts_inc counts a round that was made. */
static void finish(struct engine *e, const char *message_id, int to, const char *provider,
                   const char *code, const char *text, int attempts_inc)
{
    struct store_update *u = status_update(e, message_id);
    char detail[320];
    u->from_mask = msg_state_from_mask(to);
    u->to_status = to;
    u->due_at = 0;
    u->clear_lease = 1;
    u->attempts_inc = attempts_inc;
    u->set_error_code = code ? engine_str(e, code) : NULL;
    u->set_error_text = text ? engine_str(e, text) : NULL;
    u->ev_status = to;
    u->ev_provider = provider ? engine_str(e, provider) : NULL;
    /* every finish is of a message no carrier took (submit refused, no route, expired or out
     * of retries before a provider accepted it): its prepaid debit goes back */
    u->refund = 1;
    if (code != NULL) {
        snprintf(detail, sizeof(detail), "{\"error_code\":\"%s\"}", code);
        u->ev_detail = engine_str(e, detail);
    }
}

/* The cost of a message a provider took: the price it reported when it gives one, else the
 * tariff of the credential actually used, for the parts it reports (else the segments). */
static void submit_cost(struct sub_ctx *ctx, const struct cred_rt *rt,
                        const struct provider_result *r, struct store_update *u)
{
    struct engine *e = ctx->engine;
    char cur[4];
    int64_t cost;
    int parts = r->parts > 0 ? r->parts : ctx->segments;
    if (r->price[0] != '\0' && money_currency_ok(r->currency) &&
        money_parse(r->price, &cost) == SH_OK) {
        u->set_cost = cost < 0 ? -cost : cost; /* some report what they charge as negative */
        u->set_cost_currency = engine_str(e, r->currency);
        return;
    }
    if (e->cfg.prices == NULL ||
        pricecache_cost(e->cfg.prices, rt->id, rt->provider_id, ctx->to,
                        ctx->country[0] ? ctx->country : NULL, parts, ctx->created_at, &cost,
                        cur) != SH_OK)
        return;
    u->set_cost = cost;
    u->set_cost_currency = engine_str(e, cur);
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

/* Moves the next status check of a submitted/sent message without recording an event. */
static void reschedule(struct engine *e, const char *message_id, int status, int64_t due)
{
    struct store_update *u = engine_update_new(e);
    u->message_id = engine_str(e, message_id);
    u->from_mask = 1u << status;
    u->due_at = due;
    u->clear_lease = 1; /* the poll's lease */
    u->ev_status = -1;
}

/* ---- rounds, failover, retries ----------------------------------------------------------- */

static const char *outcome_name(enum provider_outcome o)
{
    return o == PROVIDER_THROTTLED ? "throttled" : "temp_fail";
}

/*
 * The round ended without a provider taking the message (ctx->last says why): back to the
 * queue with the round's backoff, or failed/expired after the last. provider names the last
 * one tried; in_doubt marks a round whose last submit's outcome is unknown (watchdog).
 */
static void round_end(struct sub_ctx *ctx, const char *provider, int in_doubt)
{
    struct engine *e = ctx->engine;
    int64_t now = clock_now_ms();
    const struct eng_policy *pol = engine_policy(e, ctx->project_id);
    const struct provider_result *r = &ctx->last;
    char detail[400];

    int max = pol->max_retries >= 0 ? pol->max_retries : e->cfg.max_retries;
    const int64_t *bo = pol->nbackoff > 0 ? pol->backoff_ms : e->cfg.backoff_ms;
    int nbo = pol->nbackoff > 0 ? pol->nbackoff : e->cfg.max_retries;
    int retry = ctx->attempt - 1; /* retries already made */
    int64_t at = 0;
    if (retry < max && nbo > 0)
        at = now + bo[retry < nbo ? retry : nbo - 1];
    if (at == 0 || (ctx->expires_at != 0 && at >= ctx->expires_at)) {
        finish(e, ctx->message_id, at == 0 ? MSG_FAILED : MSG_EXPIRED, provider,
               r->error_code[0] ? r->error_code : "all_providers_failed",
               r->error_text[0] ? r->error_text : "no provider took the message", 1);
        return;
    }
    struct store_update *u = engine_update_new(e);
    u->message_id = engine_str(e, ctx->message_id);
    u->from_mask = 1u << MSG_QUEUED;
    u->due_at = at;
    u->attempts_inc = 1;
    u->clear_lease = in_doubt ? 2 : 1;
    u->set_error_code = engine_str(e, r->error_code);
    u->set_error_text = engine_str(e, r->error_text);
    u->ev_status = MSG_QUEUED;
    u->ev_provider = provider ? engine_str(e, provider) : NULL;
    snprintf(detail, sizeof(detail),
             "{\"attempt\":%d,\"outcome\":\"%s\",\"error_code\":\"%s\",\"retry_in_ms\":%lld}",
             ctx->attempt, in_doubt ? "timeout" : outcome_name(r->outcome), r->error_code,
             (long long)(at - now));
    u->ev_detail = engine_str(e, detail);
}

/* Every candidate of this round answered temp-fail/throttled (or none could be tried). */
static void round_failed(struct sub_ctx *ctx)
{
    struct engine *e = ctx->engine;
    if (ctx->submits == 0) {
        /* nothing was submitted (switched off or down since routing): route again later,
         * without spending an attempt */
        reschedule_queued(e, ctx->message_id,
                          clock_now_ms() + (ctx->health_skipped ? 200 : ROUTE_RECHECK_MS));
        ctx_done(ctx);
        return;
    }
    const char *prov = ctx->cands[ctx->ncand ? ctx->ncand - 1 : 0];
    struct eng_cred *lastc = engine_cred_by_id(e, prov);
    round_end(ctx, lastc ? lastc->provider_id : NULL, 0);
    ctx_done(ctx);
}

/* Queues ctx at rt behind every context of the same or a higher priority (OTP first). */
static void enqueue(struct cred_rt *rt, struct sub_ctx *ctx)
{
    cred_rt_ref(rt);
    ctx->rt = rt;
    ctx->qnext = NULL;
    rt->queued++;
    if (rt->qtail == NULL) {
        rt->qhead = rt->qtail = ctx;
        return;
    }
    if (rt->qtail->priority <= ctx->priority) {
        rt->qtail->qnext = ctx;
        rt->qtail = ctx;
        return;
    }
    struct sub_ctx **pp = &rt->qhead;
    while ((*pp)->priority <= ctx->priority)
        pp = &(*pp)->qnext;
    ctx->qnext = *pp;
    *pp = ctx;
}

static struct sub_ctx *dequeue(struct cred_rt *rt)
{
    struct sub_ctx *ctx = rt->qhead;
    rt->qhead = ctx->qnext;
    if (rt->qhead == NULL)
        rt->qtail = NULL;
    ctx->qnext = NULL;
    rt->queued--;
    return ctx;
}

/* Leaves the current candidate without an answer from it (switched off, gone). */
static void leave_candidate(struct sub_ctx *ctx)
{
    if (ctx->probe) {
        health_cancel(&ctx->rt->health);
        ctx->probe = 0;
    }
    cred_rt_unref(ctx->rt);
    ctx->rt = NULL;
    ctx->idx++;
}

/*
 * rt's queue already holds what this node can send within the horizon: gives ctx's message
 * back to the store, due when this node could send it (the queue's drain time, then one slot
 * of the node's rate after the previous deferral), so any node with room may take it then.
 * Only before the round's first submit: a failover in progress keeps its place.
 */
static void defer_full(struct sub_ctx *ctx, struct cred_rt *rt, int64_t now)
{
    struct engine *e = ctx->engine;
    double rate = rt->bucket.rate > 0 ? rt->bucket.rate : 1.0;
    int seg = ctx->segments > 0 ? ctx->segments : 1;
    int64_t due = now + (int64_t)(rt->queued * 1000.0 / rate);
    if (rt->defer_next > due)
        due = rt->defer_next;
    rt->defer_next = due + (int64_t)(seg * 1000.0 / rate);
    reschedule_queued(e, ctx->message_id, due);
    ctx_done(ctx);
}

/* Queues ctx at the next candidate that may take it now, or ends the round. */
static void try_next(struct sub_ctx *ctx)
{
    struct engine *e = ctx->engine;
    int64_t now = clock_now_ms();
    while (ctx->idx < ctx->ncand) {
        struct eng_cred *c = engine_cred_by_id(e, ctx->cands[ctx->idx]);
        int changed = 0;
        if (!engine_cred_usable(c)) {
            ctx->idx++;
            continue;
        }
        if (ctx->submits == 0 && c->rt->qcap > 0 && c->rt->queued >= c->rt->qcap) {
            defer_full(ctx, c->rt, now);
            return;
        }
        enum health_state was = c->rt->health.state;
        if (!health_admit(&c->rt->health, &e->health_cfg, now, &changed)) {
            ctx->health_skipped = 1;
            ctx->idx++;
            continue;
        }
        if (changed)
            engine_health_changed(e, c->rt, was, "cool-down over: half-open probe");
        ctx->probe = c->rt->health.state == HEALTH_PROBING;
        enqueue(c->rt, ctx);
        dispatch_pump(c->rt);
        return;
    }
    round_failed(ctx);
}

static void on_submit(void *arg, const struct provider_result *r);
static void on_watchdog(evutil_socket_t fd, short what, void *arg);

/* Arms ctx's watchdog: the driver now holds it. */
static void watchdog_arm(struct sub_ctx *ctx)
{
    struct engine *e = ctx->engine;
    int64_t ms = e->cfg.submit_timeout_ms;
    if (ms <= 0)
        return;
    if (ctx->watchdog == NULL)
        ctx->watchdog = evtimer_new(e->base, on_watchdog, ctx);
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    evtimer_add(ctx->watchdog, &tv);
}

static void watchdog_disarm(struct sub_ctx *ctx)
{
    if (ctx->watchdog != NULL)
        evtimer_del(ctx->watchdog);
}

static void submit(struct sub_ctx *ctx, struct eng_cred *c)
{
    struct cred_rt *rt = ctx->rt;
    struct provider_msg pm = {
        .id = ctx->message_id,
        .to = ctx->to,
        .from = ctx->from,
        .body = ctx->body,
        .encoding = ctx->encoding,
        .segments = ctx->segments,
        .attempt = ctx->attempt,
    };
    ctx->cred = c;
    c->driver_inflight++;
    rt->inflight++;
    ctx->submits++;
    ctx->submitted_at = clock_now_ms();
    if (c->ops->submit(c->state, &pm, on_submit, ctx) != SH_OK) {
        struct provider_result res = {.outcome = PROVIDER_TEMP_FAIL};
        snprintf(res.error_code, sizeof(res.error_code), "submit_error");
        snprintf(res.error_text, sizeof(res.error_text), "the driver could not start the submit");
        on_submit(ctx, &res);
        return;
    }
    watchdog_arm(ctx);
}

void dispatch_pump(struct cred_rt *rt)
{
    struct engine *e = rt->engine;
    cred_rt_ref(rt); /* a nested failover may drop the last other reference */
    while (rt->qhead != NULL) {
        struct eng_cred *c = rt->cur;
        int64_t now = clock_now_ms();
        if (!engine_cred_usable(c)) {
            struct sub_ctx *ctx = dequeue(rt);
            leave_candidate(ctx);
            try_next(ctx);
            continue;
        }
        if (rt->max_concurrency > 0 && rt->inflight >= rt->max_concurrency)
            break; /* the next answer pumps again */
        struct sub_ctx *head = rt->qhead;
        if (head->expires_at != 0 && now >= head->expires_at) {
            struct sub_ctx *ctx = dequeue(rt);
            if (ctx->probe)
                health_cancel(&rt->health);
            finish(e, ctx->message_id, MSG_EXPIRED, NULL, "expired",
                   "validity ran out before dispatch", ctx->submits > 0);
            ctx_done(ctx);
            continue;
        }
        int64_t wait = tbucket_take(&rt->bucket, now, head->segments > 0 ? head->segments : 1);
        if (wait > 0) {
            if (!evtimer_pending(rt->wake, NULL)) {
                struct timeval tv = {.tv_sec = wait / 1000, .tv_usec = (wait % 1000) * 1000};
                evtimer_add(rt->wake, &tv);
            }
            break;
        }
        submit(dequeue(rt), c);
    }
    cred_rt_unref(rt);
}

static void on_submit(void *arg, const struct provider_result *r)
{
    struct sub_ctx *ctx = arg;
    struct engine *e = ctx->engine;
    struct cred_rt *rt = ctx->rt;
    struct eng_cred *c = ctx->cred;
    int64_t now = clock_now_ms();
    char detail[400];
    enum health_state from;

    if (ctx_late_answer(ctx, "submit"))
        return;
    watchdog_disarm(ctx);
    cred_rt_ref(rt);
    c->driver_inflight--;
    rt->inflight--;
    ctx->cred = NULL;
    ctx->probe = 0;
    if (r->outcome == PROVIDER_THROTTLED)
        health_cancel(&rt->health); /* no verdict: a probe slot it held is free again */
    if (r->outcome != PROVIDER_THROTTLED &&
        health_record(&rt->health, &e->health_cfg, now, r->outcome != PROVIDER_TEMP_FAIL,
                      (int)(now - ctx->submitted_at), &from)) {
        char reason[160];
        snprintf(reason, sizeof(reason), "success rate %.2f over the window (%s %s)",
                 health_success_rate(&rt->health, &e->health_cfg, now),
                 r->outcome == PROVIDER_TEMP_FAIL ? "temp-fail" : "answer",
                 r->outcome == PROVIDER_TEMP_FAIL ? r->error_code : "ok");
        engine_health_changed(e, rt, from, reason);
    }
    switch (r->outcome) {
    case PROVIDER_ACCEPTED: {
        tbucket_ok(&rt->bucket);
        struct store_update *u = status_update(e, ctx->message_id);
        u->from_mask = msg_state_from_mask(MSG_SUBMITTED);
        u->to_status = MSG_SUBMITTED;
        u->due_at = now + e->cfg.poll_first_ms;
        u->attempts_inc = 1;
        u->clear_lease = 1;
        u->set_credential_id = engine_str(e, rt->id);
        u->set_pmid = engine_str(e, r->pmid);
        submit_cost(ctx, rt, r, u);
        u->ev_status = MSG_SUBMITTED;
        u->ev_provider = engine_str(e, rt->provider_id);
        snprintf(detail, sizeof(detail), "{\"attempt\":%d,\"credential_id\":\"%s\"}",
                 ctx->attempt, rt->id);
        u->ev_detail = engine_str(e, detail);
        ctx_done(ctx);
        break;
    }
    case PROVIDER_REJECTED:
    case PROVIDER_MALFORMED:
    case PROVIDER_EXPIRED: {
        int to = r->outcome == PROVIDER_REJECTED  ? MSG_REJECTED
                 : r->outcome == PROVIDER_EXPIRED ? MSG_EXPIRED
                                                  : MSG_FAILED;
        finish(e, ctx->message_id, to, rt->provider_id, r->error_code, r->error_text, 1);
        ctx_done(ctx);
        break;
    }
    case PROVIDER_TEMP_FAIL:
    case PROVIDER_THROTTLED:
        if (r->outcome == PROVIDER_THROTTLED) {
            tbucket_throttled(&rt->bucket, now);
            if (r->retry_after_ms > 0) /* the vendor said how long (Retry-After) */
                tbucket_pause_until(&rt->bucket,
                                    now + (r->retry_after_ms < THROTTLE_RETRY_AFTER_MAX_MS
                                               ? r->retry_after_ms
                                               : THROTTLE_RETRY_AFTER_MAX_MS));
        }
        ctx->last = *r;
        cred_rt_unref(ctx->rt);
        ctx->rt = NULL;
        ctx->idx++;
        if (ctx->idx < ctx->ncand) {
            /* failing over: the timeline says so, and the lease is extended so the message
             * stays ours while the next candidate answers */
            struct store_update *u = engine_update_new(e);
            u->message_id = engine_str(e, ctx->message_id);
            u->from_mask = 1u << MSG_QUEUED;
            u->due_at = now + e->cfg.lease_ms;
            ctx->lease_until = u->due_at;
            u->ev_status = MSG_QUEUED;
            u->ev_provider = engine_str(e, rt->provider_id);
            snprintf(detail, sizeof(detail),
                     "{\"attempt\":%d,\"credential_id\":\"%s\",\"outcome\":\"%s\","
                     "\"error_code\":\"%s\",\"failover\":true}",
                     ctx->attempt, rt->id, outcome_name(r->outcome), r->error_code);
            u->ev_detail = engine_str(e, detail);
        }
        try_next(ctx);
        break;
    }
    dispatch_pump(rt);
    cred_rt_unref(rt);
}

/*
 * No answer from the driver within submit_timeout_ms. A poll is simply rescheduled. A submit
 * counts as a failure for the credential's health and ends its round with an unknown outcome:
 * no failover (the provider may have the message), back to the queue with the round's
 * backoff, marked in_doubt. Either way the slots are released now and the context waits,
 * orphaned, for the driver's late callback.
 */
static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
    struct sub_ctx *ctx = arg;
    struct engine *e = ctx->engine;
    struct eng_cred *c = ctx->cred;
    int64_t now = clock_now_ms();
    enum health_state from;
    (void)fd;
    (void)what;

    c->driver_inflight--;
    log_msg(e->log, LOG_WARN, NULL,
            "%s of message %s to credential %s unanswered after %lld ms: slot released, %s",
            ctx->is_poll ? "status poll" : "submit", ctx->message_id, c->id,
            (long long)(now - ctx->submitted_at),
            ctx->is_poll ? "polled again later" : "retried later (marked in_doubt)");
    if (ctx->is_poll) {
        reschedule(e, ctx->message_id, ctx->status, next_poll(e, now, ctx->created_at));
        ctx_orphan(ctx);
        return;
    }
    struct cred_rt *rt = ctx->rt;
    cred_rt_ref(rt);
    rt->inflight--;
    ctx->probe = 0;
    if (health_record(&rt->health, &e->health_cfg, now, 0, (int)(now - ctx->submitted_at),
                      &from))
        engine_health_changed(e, rt, from, "a submit got no answer within the watchdog");
    ctx->last = (struct provider_result){.outcome = PROVIDER_TEMP_FAIL};
    snprintf(ctx->last.error_code, sizeof(ctx->last.error_code), "submit_timeout");
    snprintf(ctx->last.error_text, sizeof(ctx->last.error_text),
             "no answer from the provider in time; it may have taken the message");
    round_end(ctx, rt->provider_id, 1);
    ctx_orphan(ctx);
    dispatch_pump(rt);
    cred_rt_unref(rt);
}

/* ---- receipts ---------------------------------------------------------------------------- */

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

/* Applies a receipt (to_status) by provider message id. A receipt for a state the message
 * already passed matches no row (from_mask) and is dropped. give_up_at: until when an unknown
 * provider message id is tried again. */
static void apply_status(struct engine *e, const char *credential_id, const char *provider_id,
                         const char *pmid, int to, const char *error_code, int64_t at,
                         int64_t give_up_at)
{
    char detail[160];
    struct store_update *u = engine_update_new(e);
    u->lookup_pmid = engine_str(e, pmid);
    u->lookup_credential_id = engine_str(e, credential_id);
    u->render_callback = dispatch_render_callback;
    u->tag = give_up_at;
    /* a receipt never applies to a message we have not recorded as submitted */
    u->from_mask = msg_state_from_mask(to) & ~(1u << MSG_QUEUED);
    u->to_status = to;
    if (msg_status_final(to)) {
        u->due_at = 0;
        u->clear_lease = 1; /* a poll's lease, if one was out */
        if (error_code != NULL)
            u->set_error_code = engine_str(e, error_code);
    }
    if (at != 0)
        u->at = at;
    u->ev_status = to;
    u->ev_provider = engine_str(e, provider_id);
    if (error_code != NULL) {
        snprintf(detail, sizeof(detail), "{\"error_code\":\"%s\"}", error_code);
        u->ev_detail = engine_str(e, detail);
    }
}

/* Applies a receipt by our message id (a vendor echoing it as its reference). */
static void apply_status_id(struct engine *e, const char *provider_id, const char *id, int to,
                            const char *error_code, int64_t at)
{
    char detail[160];
    struct store_update *u = engine_update_new(e);
    u->message_id = engine_str(e, id);
    u->render_callback = dispatch_render_callback;
    u->from_mask = msg_state_from_mask(to) & ~(1u << MSG_QUEUED);
    u->to_status = to;
    if (msg_status_final(to)) {
        u->due_at = 0;
        u->clear_lease = 1; /* a poll's lease, if one was out */
        if (error_code != NULL)
            u->set_error_code = engine_str(e, error_code);
    }
    if (at != 0)
        u->at = at;
    u->ev_status = to;
    u->ev_provider = engine_str(e, provider_id);
    if (error_code != NULL) {
        snprintf(detail, sizeof(detail), "{\"error_code\":\"%s\"}", error_code);
        u->ev_detail = engine_str(e, detail);
    }
}

static void apply_report(struct engine *e, const char *credential_id, const char *provider_id,
                         const struct provider_report *r)
{
    int to = dlr_status(r->status);
    if (to < 0)
        return;
    if (r->pmid == NULL) {
        if (r->ref != NULL)
            apply_status_id(e, provider_id, r->ref, to, r->error_code, r->at);
        return;
    }
    apply_status(e, credential_id, provider_id, r->pmid, to, r->error_code, r->at,
                 clock_now_ms() + DLR_GIVE_UP_MS);
}

void dispatch_report(void *arg, const struct provider_report *r)
{
    struct eng_cred *c = arg;
    apply_report(c->engine, c->id, c->provider_id, r);
}

void dispatch_apply_report(struct engine *e, const char *credential_id, const char *provider_id,
                           const struct provider_report *r)
{
    apply_report(e, credential_id, provider_id, r);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

void dispatch_receipts_unmatched(struct engine *e, const struct store_update *u, size_t n)
{
    int64_t now = clock_now_ms();
    for (size_t i = 0; i < n; i++) {
        if (u[i].message_id != NULL || u[i].lookup_pmid == NULL || u[i].found ||
            u[i].tag <= now || e->stopping)
            continue;
        struct dlr_retry *d = xcalloc(1, sizeof(*d));
        d->pmid = xstrdup(u[i].lookup_pmid);
        d->credential_id = dup_or_null(u[i].lookup_credential_id);
        d->provider_id = dup_or_null(u[i].ev_provider);
        d->error_code = dup_or_null(u[i].set_error_code);
        d->to_status = u[i].to_status;
        d->at = u[i].at;
        d->give_up_at = u[i].tag;
        d->next = e->dlr_retry;
        e->dlr_retry = d;
    }
}

static void dlr_free(struct dlr_retry *d)
{
    free(d->pmid);
    free(d->credential_id);
    free(d->provider_id);
    free(d->error_code);
    free(d);
}

void dispatch_retry_receipts(struct engine *e, int64_t now)
{
    if (e->dlr_retry == NULL || now - e->dlr_retry_at < DLR_RETRY_MS)
        return;
    struct dlr_retry *d = e->dlr_retry;
    e->dlr_retry = NULL;
    e->dlr_retry_at = now;
    while (d != NULL) {
        struct dlr_retry *next = d->next;
        if (!e->stopping)
            apply_status(e, d->credential_id, d->provider_id, d->pmid, d->to_status,
                         d->error_code, d->at, d->give_up_at);
        dlr_free(d);
        d = next;
    }
}

void dispatch_receipts_free(struct engine *e)
{
    while (e->dlr_retry != NULL) {
        struct dlr_retry *next = e->dlr_retry->next;
        dlr_free(e->dlr_retry);
        e->dlr_retry = next;
    }
}

/* ---- polls ------------------------------------------------------------------------------- */

static int64_t next_poll(const struct engine *e, int64_t now, int64_t created_at)
{
    int64_t d = (now - created_at) / 2;
    if (d < e->cfg.poll_first_ms)
        d = e->cfg.poll_first_ms;
    if (d > POLL_MAX_DELAY_MS)
        d = POLL_MAX_DELAY_MS;
    return now + d;
}

static void on_poll(void *arg, const struct provider_report *r)
{
    struct sub_ctx *ctx = arg;
    struct engine *e = ctx->engine;
    int64_t now = clock_now_ms();
    if (ctx_late_answer(ctx, "poll"))
        return;
    int to = r != NULL ? dlr_status(r->status) : -1;

    watchdog_disarm(ctx);
    ctx->cred->driver_inflight--;
    if (to >= 0)
        apply_report(e, ctx->credential_id, ctx->provider_id, r);
    if (to < 0 || !msg_status_final(to)) {
        int st = to == MSG_SENT ? MSG_SENT : ctx->status;
        int64_t due = next_poll(e, now, ctx->created_at);
        if (now - ctx->created_at > e->cfg.poll_give_up_ms)
            due = 0;
        reschedule(e, ctx->message_id, st, due);
    }
    ctx_done(ctx);
}

static void dispatch_poll(struct engine *e, const struct store_message *m, int64_t now)
{
    struct eng_cred *c = m->credential_id ? engine_cred_by_id(e, m->credential_id) : NULL;
    if (c == NULL || c->state == NULL || c->ops->poll_status == NULL ||
        m->provider_message_id == NULL) {
        reschedule(e, m->id, m->status, 0); /* nothing can tell us more: wait for a push */
        return;
    }
    struct sub_ctx *ctx = ctx_new(e, m);
    ctx->is_poll = 1;
    ctx->cred = c;
    ctx->submitted_at = now;
    snprintf(ctx->credential_id, sizeof(ctx->credential_id), "%s", c->id);
    snprintf(ctx->provider_id, sizeof(ctx->provider_id), "%s", c->provider_id);
    c->driver_inflight++;
    if (c->ops->poll_status(c->state, m->provider_message_id, on_poll, ctx) != SH_OK) {
        c->driver_inflight--;
        reschedule(e, m->id, m->status, next_poll(e, now, m->created_at));
        ctx_done(ctx);
        return;
    }
    watchdog_arm(ctx);
}

/* ---- claimed messages -------------------------------------------------------------------- */

static void dispatch_queued(struct engine *e, const struct store_message *m, int64_t now)
{
    char ids[ROUTE_MAX_CANDIDATES][48];
    int64_t wait_until = 0;
    int unsure = 0;

    if (engine_active_has(e, m->id))
        return; /* its lease ran out while our submit is still out: the answer will come */
    if (m->expires_at != 0 && now >= m->expires_at) {
        finish(e, m->id, MSG_EXPIRED, NULL, "expired", "validity ran out before dispatch", 0);
        return;
    }
    size_t n = engine_candidates(e, m, ids, ROUTE_MAX_CANDIDATES, &wait_until, &unsure);
    if (n == 0 && (unsure || wait_until != 0)) {
        /* nothing usable right now but something may be soon (a DOWN credential's probe, a
         * credential added a moment ago): wait rather than fail */
        reschedule_queued(e, m->id, wait_until != 0 ? wait_until : now + ROUTE_RECHECK_MS);
        return;
    }
    if (n == 0) {
        finish(e, m->id, MSG_FAILED, NULL, "no_route",
               "no active provider credential can take this message", 0);
        return;
    }
    struct sub_ctx *ctx = ctx_new(e, m);
    engine_active_add(e, m->id);
    ctx->to = xstrdup(m->to);
    snprintf(ctx->country, sizeof(ctx->country), "%s", m->country ? m->country : "");
    ctx->from = dup_or_null(m->from);
    ctx->body = xstrdup(m->body ? m->body : "");
    ctx->encoding = m->encoding;
    ctx->segments = m->segments;
    ctx->priority = m->priority;
    ctx->ncand = engine_policy(e, m->project_id)->failover ? n : 1;
    memcpy(ctx->cands, ids, ctx->ncand * sizeof(ids[0]));
    try_next(ctx);
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

/* ---- callback bodies --------------------------------------------------------------------- */

char *dispatch_render_callback(const struct store_change *c)
{
    char t1[40], t2[40];
    json_t *o = json_object();
    json_t *meta = NULL;
    char *out;
    json_object_set_new(o, "event", json_string("message.status"));
    json_object_set_new(o, "id", json_string(c->message_id));
    json_object_set_new(o, "status", json_string(msg_status_name(c->status)));
    json_object_set_new(o, "previous_status", c->prev_status >= 0
                                                  ? json_string(msg_status_name(c->prev_status))
                                                  : json_null());
    if (c->error_code != NULL && (c->status == MSG_FAILED || c->status == MSG_REJECTED ||
                                  c->status == MSG_EXPIRED || c->status == MSG_UNDELIVERED)) {
        json_t *err = json_object();
        json_object_set_new(err, "code", json_string(c->error_code));
        json_object_set_new(err, "message",
                            c->error_text ? json_string(c->error_text) : json_null());
        json_object_set_new(o, "error", err);
    } else {
        json_object_set_new(o, "error", json_null());
    }
    json_object_set_new(o, "provider", c->provider ? json_string(c->provider) : json_null());
    json_object_set_new(o, "created_at", json_string(clock_fmt_rfc3339(c->created_at, t1,
                                                                       sizeof(t1))));
    json_object_set_new(o, "updated_at", json_string(clock_fmt_rfc3339(c->at, t2, sizeof(t2))));
    if (c->metadata != NULL)
        meta = json_loads(c->metadata, 0, NULL);
    json_object_set_new(o, "metadata", meta != NULL ? meta : json_null());
    out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}
