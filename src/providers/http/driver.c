/*
 * driver.c — the provider_ops glue between an HTTP dialect (dialect.h) and the engine's HTTP
 * transport (http_transport.h): one ops table per dialect name. Submits, polls and balance
 * queries become transfers (a throttled answer's Retry-After becomes the pause asked for);
 * vendors with a bearer token (Eskiz, CEQUENS) queue requests behind one login per credential
 * and repeat a request once when its token was refused (README in this folder).
 * Vendors with a batch endpoint (Eskiz, when configured) gather the sends of a short window
 * into one batch op whose answer gives each member its own outcome.
 * Every operation owns an arena and ends with exactly one callback (or none after close).
 * Threads: the engine loop only.
 */
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/http/dialect.h"
#include "providers/http_transport.h"
#include "providers/provider.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define HD_TIMEOUT_MS 15000
#define HD_LOGIN_BACKOFF_MS 30000
#define HD_AUTH_BACKOFF_MS (3600LL * 1000)

enum hd_kind { HD_SEND, HD_POLL, HD_BALANCE, HD_LOGIN, HD_BATCH };

struct hd;

struct hd_op {
    struct hd_op *prev, *next; /* in hd->live (waiting, in flight or finished-later) */
    struct hd *h;
    enum hd_kind kind;
    int where; /* 0 nowhere, 1 waiting for a token, 2 in flight, 3 done (callback due),
                * 4 a send inside a batch, 5 a batch gathering members */
    int retried;
    int refresh;    /* login: built from the old token */
    int64_t tok_ms; /* obtained_ms of the token the request was sent with */
    struct provider_msg m;
    char *pmid; /* poll */
    provider_submit_cb scb;
    provider_poll_cb pcb;
    provider_balance_cb bcb;
    void *arg;
    struct provider_result res; /* HD_SEND when done */
    struct provider_report rep; /* HD_POLL when done */
    int rep_ok;
    struct hd_op **member; /* HD_BATCH: its sends (where 4), in submit order */
    size_t nmember;
    struct provider_balance bal; /* HD_BALANCE when done */
    struct arena a;
};

struct hd {
    const struct dialect *d;
    void *cfg;
    const struct provider_env *env;
    unsigned caps;
    int64_t timeout_ms;
    struct dialect_token tok;
    int login_inflight;
    int64_t login_not_before; /* back-off after a failed login */
    int auth_refused;
    struct hd_op *live, *live_tail; /* every op this driver owns, oldest first */
    struct event *done_ev;
    struct event *refresh_ev;       /* renews the token shortly before it stops being usable */
    int batch_window_ms, batch_max; /* batch_window_ms 0: no batching */
    struct hd_op *batch_open;       /* the batch gathering sends, or NULL */
    struct event *batch_ev;         /* sends it when its window ends */
    int in_done;                    /* on_done_ev is running callbacks */
    int closing;                    /* closed from inside one of them: freed when it returns */
};

static void hd_free(struct hd *h);
static void on_batch_ev(evutil_socket_t fd, short what, void *arg);

static void op_unlink(struct hd_op *o)
{
    struct hd *h = o->h;
    if (o->prev != NULL)
        o->prev->next = o->next;
    else if (h->live == o)
        h->live = o->next;
    if (o->next != NULL)
        o->next->prev = o->prev;
    else if (h->live_tail == o)
        h->live_tail = o->prev;
    o->prev = o->next = NULL;
}

static void op_free(struct hd_op *o)
{
    arena_release(&o->a);
    free(o);
}

static struct hd_op *op_new(struct hd *h, enum hd_kind kind)
{
    struct hd_op *o = xcalloc(1, sizeof(*o));
    o->h = h;
    o->kind = kind;
    arena_init(&o->a);
    o->prev = h->live_tail; /* oldest first: callbacks and logins keep submit order */
    if (h->live_tail != NULL)
        h->live_tail->next = o;
    else
        h->live = o;
    h->live_tail = o;
    return o;
}

static void op_later(struct hd_op *o);

/* Ends batch b: each member gets out[i] (or b->res when out is NULL) and its callback soon. */
static void batch_end(struct hd_op *b, const struct provider_result *out)
{
    for (size_t i = 0; i < b->nmember; i++) {
        b->member[i]->res = out != NULL ? out[i] : b->res;
        op_later(b->member[i]);
    }
    b->nmember = 0;
}

/* Runs the op's callback now and frees it (never from inside submit/poll_status). */
static void op_complete(struct hd_op *o)
{
    op_unlink(o);
    if (o->kind == HD_BATCH)
        batch_end(o, NULL); /* failed as a whole: o->res for every member */
    else if (o->kind == HD_SEND)
        o->scb(o->arg, &o->res);
    else if (o->kind == HD_POLL)
        o->pcb(o->arg, o->rep_ok ? &o->rep : NULL);
    else if (o->kind == HD_BALANCE)
        o->bcb(o->arg, &o->bal);
    op_free(o);
}

/* Marks o finished with its res/rep filled; the callback runs from the loop soon. */
static void op_later(struct hd_op *o)
{
    o->where = 3;
    event_active(o->h->done_ev, EV_TIMEOUT, 0);
}

static void on_done_ev(evutil_socket_t fd, short what, void *arg)
{
    struct hd *h = arg;
    (void)fd;
    (void)what;
    h->in_done = 1;
    while (!h->closing) {
        struct hd_op *o = h->live;
        while (o != NULL && o->where != 3)
            o = o->next;
        if (o == NULL)
            break;
        op_complete(o); /* a callback may submit again, or close: rescan from the head */
    }
    h->in_done = 0;
    if (h->closing)
        hd_free(h);
}

static void fail_result(struct hd_op *o, enum provider_outcome out, const char *code,
                        const char *text, int alert)
{
    memset(&o->res, 0, sizeof(o->res));
    o->res.outcome = out;
    snprintf(o->res.error_code, sizeof(o->res.error_code), "%s", code);
    snprintf(o->res.error_text, sizeof(o->res.error_text), "%s", text);
    o->res.alert = alert;
    o->rep_ok = 0;
    memset(&o->bal, 0, sizeof(o->bal));
    o->bal.status = alert == PROVIDER_ALERT_AUTH ? SH_EPERM : SH_EIO;
    snprintf(o->bal.error, sizeof(o->bal.error), "%s", text);
}

static void on_xfer(void *arg, const struct http_result *r);

/* Starts req as o's transfer. SH_OK, or an error (o not in flight). */
static int perform(struct hd_op *o, const struct dialect_req *req)
{
    struct hd *h = o->h;
    if (h->env->http == NULL)
        return SH_EIO;
    const char **hdr = arena_zalloc(&o->a, (req->nheader + 1) * sizeof(*hdr));
    for (size_t i = 0; i < req->nheader; i++)
        hdr[i] = arena_printf(&o->a, "%s: %s", req->header[i].name, req->header[i].value);
    struct http_request hr = {
        .method = req->method,
        .url = req->url,
        .headers = hdr,
        .body = req->body,
        .body_len = req->body_len,
        .timeout_ms = h->timeout_ms,
    };
    int st = http_request(h->env->http, &hr, on_xfer, o);
    if (st == SH_OK)
        o->where = 2;
    return st;
}

static void start_login(struct hd *h);

/* The members' messages of batch b as one array, in b's arena. */
static struct provider_msg *batch_msgs(struct hd_op *b)
{
    struct provider_msg *m = arena_zalloc(&b->a, b->nmember * sizeof(*m));
    for (size_t i = 0; i < b->nmember; i++)
        m[i] = b->member[i]->m;
    return m;
}

/* Builds and starts o's request (send or poll) with the current token. On failure o is
 * finished later with a temp-fail (or a failed poll). */
static void send_now(struct hd_op *o)
{
    struct hd *h = o->h;
    struct dialect_req req = {0};
    const struct dialect_token *tok = (h->caps & DIALECT_CAP_LOGIN) ? &h->tok : NULL;
    int st;
    o->tok_ms = h->tok.obtained_ms;
    if (o->kind == HD_SEND)
        st = h->d->build_send(h->cfg, tok, &o->m, clock_now_ms(), &o->a, &req);
    else if (o->kind == HD_BATCH)
        st = h->d->build_batch(h->cfg, tok, batch_msgs(o), o->nmember, clock_now_ms(), &o->a, &req);
    else if (o->kind == HD_POLL)
        st = h->d->build_poll(h->cfg, tok, o->pmid, &o->a, &req);
    else
        st = h->d->build_balance(h->cfg, tok, &o->a, &req);
    if (st == SH_OK)
        st = perform(o, &req);
    if (st != SH_OK) {
        fail_result(o, st == SH_EINVAL ? PROVIDER_MALFORMED : PROVIDER_TEMP_FAIL,
                    st == SH_EINVAL ? "build" : "transport",
                    st == SH_EINVAL ? "the request could not be built" : "no transport", 0);
        op_later(o);
    }
}

/* Queues o behind the login (caps & LOGIN and no usable token) or sends it now. */
static void dispatch_op(struct hd_op *o)
{
    struct hd *h = o->h;
    if ((h->caps & DIALECT_CAP_LOGIN) && !dialect_token_usable(&h->tok, clock_now_ms())) {
        o->where = 1;
        start_login(h);
        return;
    }
    send_now(o);
}

/* Ends every op waiting for a token: with the token (ok) or failed as given. */
static void run_waiters(struct hd *h, int ok, enum provider_outcome out, const char *code,
                        const char *text, int alert)
{
    /* in submit order (the live list is oldest first); neither branch changes the list */
    for (struct hd_op *o = h->live; o != NULL; o = o->next) {
        if (o->where == 1) {
            if (ok) {
                send_now(o);
            } else {
                fail_result(o, out, code, text, alert);
                op_later(o);
            }
        }
    }
}

static void start_login(struct hd *h)
{
    if (h->login_inflight)
        return;
    int64_t now = clock_now_ms();
    if (h->auth_refused && now < h->login_not_before) {
        run_waiters(h, 0, PROVIDER_REJECTED, "auth", "the provider refused the credentials",
                    PROVIDER_ALERT_AUTH);
        return;
    }
    if (now < h->login_not_before) {
        run_waiters(h, 0, PROVIDER_TEMP_FAIL, "login", "login backing off", 0);
        return;
    }
    struct hd_op *o = op_new(h, HD_LOGIN);
    struct dialect_req req = {0};
    o->refresh = h->tok.value[0] != '\0';
    int st = h->d->build_login(h->cfg, o->refresh ? &h->tok : NULL, &o->a, &req);
    if (st == SH_OK)
        st = perform(o, &req);
    if (st != SH_OK) {
        op_unlink(o);
        op_free(o);
        run_waiters(h, 0, PROVIDER_TEMP_FAIL, "login", "the login could not be started", 0);
        return;
    }
    h->login_inflight = 1;
}

/* Arms refresh_ev a few seconds before dialect_token_usable() turns false for the token just
 * obtained, so traffic never waits on a login in steady state. */
static void schedule_refresh(struct hd *h)
{
    int64_t now = clock_now_ms(), at = h->tok.expires_ms;
    if (at == 0)
        return;
    /* the last moment the token is usable (dialect.c's margin), by bisection to 1 s */
    int64_t lo = now, hi = at;
    while (hi - lo > 1000) {
        int64_t mid = lo + (hi - lo) / 2;
        if (dialect_token_usable(&h->tok, mid))
            lo = mid;
        else
            hi = mid;
    }
    int64_t delay = lo - now - 5000;
    if (delay <= 0)
        return;
    struct timeval tv = {.tv_sec = delay / 1000, .tv_usec = (delay % 1000) * 1000};
    evtimer_add(h->refresh_ev, &tv);
}

static void on_refresh(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    start_login(arg); /* from the current token (a refresh), a full login if that fails */
}

static void login_done(struct hd_op *o, const struct dialect_resp *resp, const char *error)
{
    struct hd *h = o->h;
    int refresh = o->refresh;
    h->login_inflight = 0;
    int st = error != NULL ? SH_EIO : h->d->parse_login(h->cfg, resp, clock_now_ms(), &h->tok);
    op_unlink(o);
    op_free(o);
    if (st == SH_OK) {
        h->auth_refused = 0;
        h->login_not_before = 0;
        schedule_refresh(h);
        run_waiters(h, 1, PROVIDER_ACCEPTED, "", "", 0);
        return;
    }
    memset(&h->tok, 0, sizeof(h->tok));
    if (refresh && error == NULL) { /* a refused refresh: one full login */
        start_login(h);
        return;
    }
    if (st == SH_EPERM) {
        h->auth_refused = 1;
        h->login_not_before = clock_now_ms() + HD_AUTH_BACKOFF_MS;
        log_msg(h->env->log, LOG_ERROR, NULL, "credential %s: %s refused the login",
                h->env->credential_id, h->d->name);
        run_waiters(h, 0, PROVIDER_REJECTED, "auth", "the provider refused the credentials",
                    PROVIDER_ALERT_AUTH);
        return;
    }
    h->login_not_before = clock_now_ms() + HD_LOGIN_BACKOFF_MS;
    run_waiters(h, 0, PROVIDER_TEMP_FAIL, "login", error != NULL ? error : "login failed", 0);
}

/* Drops the token request o was sent with (not a newer one) and sends o again after a login,
 * once; returns 0 when o was already repeated. */
static int token_retry(struct hd_op *o)
{
    struct hd *h = o->h;
    if (o->retried)
        return 0;
    o->retried = 1;
    if (h->tok.value[0] != '\0' && h->tok.obtained_ms == o->tok_ms)
        memset(&h->tok, 0, sizeof(h->tok));
    dispatch_op(o);
    return 1;
}

/* The answer to batch b: every member's outcome, a token retry, or one by one. */
static void batch_answer(struct hd_op *b, const struct dialect_resp *resp,
                         const struct http_result *r)
{
    struct hd *h = b->h;
    if (r->status == 0) {
        fail_result(b, PROVIDER_TEMP_FAIL, "transport", r->error ? r->error : "no answer", 0);
        op_complete(b);
        return;
    }
    struct provider_result *out = arena_zalloc(&b->a, b->nmember * sizeof(*out));
    int st = h->d->parse_batch(h->cfg, batch_msgs(b), b->nmember, resp, out);
    if (st == SH_AGAIN && (h->caps & DIALECT_CAP_LOGIN)) {
        if (token_retry(b))
            return;
        fail_result(b, PROVIDER_TEMP_FAIL, "token", "the token was refused twice", 0);
        op_complete(b);
        return;
    }
    op_unlink(b);
    if (st == SH_ENOTFOUND) { /* refused as a whole: each on its own */
        for (size_t i = 0; i < b->nmember; i++) {
            b->member[i]->where = 0;
            dispatch_op(b->member[i]);
        }
        b->nmember = 0;
    } else if (st != SH_OK) {
        fail_result(b, PROVIDER_TEMP_FAIL, "parse", "the answer could not be classified", 0);
        batch_end(b, NULL);
    } else {
        batch_end(b, out);
    }
    op_free(b);
}

/* Fills o->bal from a balance answer; returns the dialect's code (SH_AGAIN: token refused). */
static int balance_answer(struct hd_op *o, const struct dialect_resp *resp)
{
    struct hd *h = o->h;
    struct dialect_balance db = {0};
    int st = h->d->parse_balance(h->cfg, resp, &db);
    memset(&o->bal, 0, sizeof(o->bal));
    if (st == SH_OK) {
        o->bal.status = SH_OK;
        snprintf(o->bal.amount, sizeof(o->bal.amount), "%s", db.amount);
        snprintf(o->bal.currency, sizeof(o->bal.currency), "%s", db.currency);
    } else if (st == SH_EPERM) {
        o->bal.status = SH_EPERM;
        snprintf(o->bal.error, sizeof(o->bal.error), "the provider refused the credentials "
                 "(HTTP %d)", resp->status);
    } else {
        o->bal.status = SH_EIO;
        snprintf(o->bal.error, sizeof(o->bal.error), "the provider's answer (HTTP %d) carries "
                 "no balance", resp->status);
    }
    return st;
}

static void on_xfer(void *arg, const struct http_result *r)
{
    struct hd_op *o = arg;
    struct hd *h = o->h;
    struct dialect_kv kv[HTTP_RESP_HEADERS_MAX];
    size_t nkv = r->nheader < HTTP_RESP_HEADERS_MAX ? r->nheader : HTTP_RESP_HEADERS_MAX;
    for (size_t i = 0; i < nkv; i++)
        kv[i] = (struct dialect_kv){.name = r->header[i].name, .value = r->header[i].value};
    struct dialect_resp resp = {.status = r->status, .header = kv, .nheader = nkv};
    resp.body = r->body;
    resp.body_len = r->body_len;
    o->where = 0;
    if (o->kind == HD_LOGIN) {
        login_done(o, &resp, r->status == 0 ? (r->error ? r->error : "transport") : NULL);
        return;
    }
    if (o->kind == HD_BATCH) {
        batch_answer(o, &resp, r);
        return;
    }
    int st;
    if (r->status == 0) {
        fail_result(o, PROVIDER_TEMP_FAIL, "transport", r->error ? r->error : "no answer", 0);
        o->rep_ok = 0;
        op_complete(o);
        return;
    }
    if (o->kind == HD_SEND) {
        memset(&o->res, 0, sizeof(o->res));
        st = h->d->parse_send(h->cfg, &o->m, &resp, &o->res);
        if (st == SH_OK && o->res.outcome == PROVIDER_THROTTLED && o->res.retry_after_ms == 0)
            o->res.retry_after_ms = dialect_retry_after_ms(&resp, clock_now_ms());
    } else if (o->kind == HD_POLL) {
        memset(&o->rep, 0, sizeof(o->rep));
        st = h->d->parse_poll(h->cfg, o->pmid, &resp, &o->a, &o->rep);
        o->rep_ok = st == SH_OK;
    } else {
        st = balance_answer(o, &resp);
    }
    if (st == SH_AGAIN && (h->caps & DIALECT_CAP_LOGIN)) {
        if (!o->retried) {
            o->retried = 1;
            /* only the token this request used is dropped: a newer one (a login that ended
             * while this request was out) is simply used for the repeat */
            if (h->tok.value[0] != '\0' && h->tok.obtained_ms == o->tok_ms)
                memset(&h->tok, 0, sizeof(h->tok));
            dispatch_op(o);
            return;
        }
        fail_result(o, PROVIDER_TEMP_FAIL, "token", "the token was refused twice", 0);
        o->rep_ok = 0;
    } else if (st != SH_OK && o->kind == HD_SEND) {
        fail_result(o, PROVIDER_TEMP_FAIL, "parse", "the answer could not be classified", 0);
    }
    op_complete(o);
}

/* ---- provider_ops ------------------------------------------------------------------------ */

static int hd_open(const char *driver, const struct provider_env *env, const char *settings,
                   char *err, size_t errcap, void **state)
{
    const struct dialect *d = dialect_find(driver);
    void *cfg = NULL;
    if (d == NULL) {
        snprintf(err, errcap, "unknown dialect %s", driver);
        return SH_EINVAL;
    }
    int st = d->config_new(settings, err, errcap, &cfg);
    if (st != SH_OK)
        return st;
    struct hd *h = xcalloc(1, sizeof(*h));
    h->d = d;
    h->cfg = cfg;
    h->env = env;
    h->caps = d->config_caps(cfg);
    h->timeout_ms = HD_TIMEOUT_MS;
    json_t *root = json_loads(settings, 0, NULL);
    json_t *t = json_object_get(root, "timeout_ms");
    if (json_is_integer(t) && json_integer_value(t) >= 100 && json_integer_value(t) <= 120000)
        h->timeout_ms = json_integer_value(t);
    json_decref(root);
    if (d->config_batch != NULL && d->build_batch != NULL && d->parse_batch != NULL)
        d->config_batch(cfg, &h->batch_window_ms, &h->batch_max);
    if (h->batch_max < 2)
        h->batch_window_ms = 0;
    h->done_ev = event_new(env->base, -1, 0, on_done_ev, h);
    h->refresh_ev = evtimer_new(env->base, on_refresh, h);
    h->batch_ev = evtimer_new(env->base, on_batch_ev, h);
    *state = h;
    return SH_OK;
}

static void hd_free(struct hd *h)
{
    event_free(h->done_ev);
    event_free(h->refresh_ev);
    event_free(h->batch_ev);
    h->d->config_free(h->cfg);
    free(h);
}

static void hd_close(void *state)
{
    struct hd *h = state;
    if (h == NULL)
        return;
    while (h->live != NULL) {
        struct hd_op *o = h->live;
        op_unlink(o);
        if (o->where == 2 || o->kind == HD_LOGIN)
            http_transport_cancel(h->env->http, o); /* its callback never comes */
        op_free(o);
    }
    event_del(h->refresh_ev);
    event_del(h->batch_ev);
    h->batch_open = NULL;
    if (h->in_done) { /* closed by one of the callbacks on_done_ev runs */
        h->closing = 1;
        return;
    }
    hd_free(h);
}

/* Sends the gathering batch now (a single member goes as a plain send). */
static void batch_flush(struct hd *h)
{
    struct hd_op *b = h->batch_open;
    if (b == NULL)
        return;
    h->batch_open = NULL;
    evtimer_del(h->batch_ev);
    if (b->nmember == 1) {
        struct hd_op *o = b->member[0];
        op_unlink(b);
        op_free(b);
        o->where = 0;
        dispatch_op(o);
        return;
    }
    b->where = 0;
    dispatch_op(b);
}

static void on_batch_ev(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    batch_flush(arg);
}

static int same_from(const struct provider_msg *x, const struct provider_msg *y)
{
    return strcmp(x->from != NULL ? x->from : "", y->from != NULL ? y->from : "") == 0;
}

/* Adds send o to the gathering batch (a new one, its window started, when there is none or
 * o's sender differs); a full batch goes at once. */
static void batch_add(struct hd *h, struct hd_op *o)
{
    struct hd_op *b = h->batch_open;
    if (b != NULL && !same_from(&b->member[0]->m, &o->m)) {
        batch_flush(h);
        b = NULL;
    }
    if (b == NULL) {
        b = op_new(h, HD_BATCH);
        b->member = arena_zalloc(&b->a, (size_t)h->batch_max * sizeof(*b->member));
        b->where = 5;
        h->batch_open = b;
        struct timeval tv = {.tv_sec = h->batch_window_ms / 1000,
                             .tv_usec = (h->batch_window_ms % 1000) * 1000};
        evtimer_add(h->batch_ev, &tv);
    }
    o->where = 4;
    b->member[b->nmember++] = o;
    if (b->nmember >= (size_t)h->batch_max)
        batch_flush(h);
}

static int hd_submit(void *state, const struct provider_msg *m, provider_submit_cb cb, void *arg)
{
    struct hd *h = state;
    if (h->env->http == NULL)
        return SH_EIO;
    struct hd_op *o = op_new(h, HD_SEND);
    o->scb = cb;
    o->arg = arg;
    o->m = *m;
    o->m.id = arena_strdup(&o->a, m->id ? m->id : "");
    o->m.to = arena_strdup(&o->a, m->to ? m->to : "");
    o->m.from = m->from ? arena_strdup(&o->a, m->from) : NULL;
    o->m.body = arena_strdup(&o->a, m->body ? m->body : "");
    if (h->batch_window_ms > 0)
        batch_add(h, o);
    else
        dispatch_op(o);
    return SH_OK;
}

static int hd_poll(void *state, const char *pmid, provider_poll_cb cb, void *arg)
{
    struct hd *h = state;
    if (h->env->http == NULL || !(h->caps & DIALECT_CAP_POLL) || h->d->build_poll == NULL ||
        pmid == NULL)
        return SH_ENOTFOUND;
    struct hd_op *o = op_new(h, HD_POLL);
    o->pcb = cb;
    o->arg = arg;
    o->pmid = arena_strdup(&o->a, pmid);
    dispatch_op(o);
    return SH_OK;
}

static int hd_balance(void *state, provider_balance_cb cb, void *arg)
{
    struct hd *h = state;
    if (h->env->http == NULL || !(h->caps & DIALECT_CAP_BALANCE) || h->d->build_balance == NULL ||
        h->d->parse_balance == NULL)
        return SH_ENOTFOUND;
    struct hd_op *o = op_new(h, HD_BALANCE);
    o->bcb = cb;
    o->arg = arg;
    dispatch_op(o);
    return SH_OK;
}

#define HD_DRIVER(name)                                                                            \
    static int open_##name(const struct provider_env *env, const char *settings, char *err,        \
                           size_t errcap, void **state)                                            \
    {                                                                                              \
        return hd_open(#name, env, settings, err, errcap, state);                                  \
    }                                                                                              \
    const struct provider_ops provider_http_##name##_ops = {                                       \
        .driver = #name,                                                                           \
        .open = open_##name,                                                                       \
        .close = hd_close,                                                                         \
        .submit = hd_submit,                                                                       \
        .poll_status = hd_poll,                                                                    \
        .balance = hd_balance,                                                                     \
    };

HD_DRIVER(twilio)
HD_DRIVER(vonage)
HD_DRIVER(eskiz)
HD_DRIVER(playmobile)
HD_DRIVER(veevo)
HD_DRIVER(smso)
HD_DRIVER(cequens)
HD_DRIVER(generic)
