/*
 * messages.c — POST /v1/messages, GET /v1/messages/{id}, GET /v1/messages (SPEC §4.1, §4.7).
 *
 * Accept path: authenticate → Idempotency-Key → parse and validate → build the row and the
 * 202 body → store_accept (group commit; the connection waits suspended) → 202, or the
 * stored original answer for a replay. Nothing is acknowledged before it is durable.
 */
#include "api/accept.h"
#include "api/api.h"
#include "core/message_state.h"
#include "core/money.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDEM_KEY_MAX 255
#define LIST_MAX 100
#define LIST_DEFAULT 50

static const char *encoding_name(int enc)
{
    return enc == 1 ? "UCS-2" : "GSM-7";
}

/* The 202 body, built before the commit so a replay returns exactly the same bytes. */
static char *accepted_body(struct arena *a, const struct store_message *m)
{
    char created[40], sched[48] = "", price[128] = "null";
    clock_fmt_rfc3339(m->created_at, created, sizeof(created));
    if (m->currency != NULL) {
        char total[MONEY_STR_MAX], unit[MONEY_STR_MAX];
        snprintf(price, sizeof(price), "{\"amount\":\"%s\",\"unit_amount\":\"%s\","
                 "\"currency\":\"%s\",\"estimate\":true}",
                 money_format(m->price_total, total), money_format(m->price_unit, unit),
                 m->currency);
    }
    if (m->scheduled_at != 0) {
        char t[40];
        snprintf(sched, sizeof(sched), ",\"scheduled_at\":\"%s\"",
                 clock_fmt_rfc3339(m->scheduled_at, t, sizeof(t)));
    }
    /* every interpolated value is generated or validated (E.164, ISO country) */
    return arena_printf(a,
                        "{\"id\":\"%s\",\"status\":\"queued\",\"to\":\"%s\",\"country\":\"%s\","
                        "\"encoding\":\"%s\",\"segments\":%d,\"type\":\"%s\","
                        "\"price\":%s,\"created_at\":\"%s\"%s}",
                        m->id, m->to, m->country ? m->country : "", encoding_name(m->encoding),
                        m->segments, msg_type_name(m->msg_type), price, created, sched);
}

static int idem_key_ok(const char *k)
{
    size_t n = 0;
    for (; k[n] != '\0'; n++) {
        unsigned char c = (unsigned char)k[n];
        if (n >= IDEM_KEY_MAX || c < 0x21 || c > 0x7e)
            return 0;
    }
    return n > 0;
}

struct accept_ctx {
    struct http_req *r;
    struct store_message msg;
    struct store_accept acc;
    const char *body;
};

/* 402: the prepaid balance cannot pay the estimate; nothing was stored. */
static void insufficient(struct http_req *r, const struct store_accept *acc)
{
    char need[MONEY_STR_MAX], have[MONEY_STR_MAX], detail[200];
    money_format(acc->debit, need);
    money_format(acc->balance, have);
    snprintf(detail, sizeof(detail),
             "this message costs %s %s and the prepaid balance is %s; nothing was accepted",
             need, acc->debit_currency, have);
    http_problem_ext(r, 402, "insufficient_balance", "Insufficient balance", detail, NULL,
                     json_pack("{s:s, s:s, s:s}", "needed", need, "available", have,
                               "currency", acc->debit_currency));
}

/* Writer thread, after the commit (or its failure). */
static void accept_done(void *arg, int status)
{
    struct accept_ctx *ctx = arg;
    struct http_req *r = ctx->r;
    struct store_accept *acc = &ctx->acc;

    if (status == SH_EFULL) {
        /* the database refused the write (the transaction rolled back): not stored */
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "the database cannot take writes right now (disk full or read-only); the "
                     "message was NOT accepted. Retry later with the same Idempotency-Key",
                     NULL);
        http_header(r, "Retry-After", "5");
    } else if (status != SH_OK) {
        /* an error from the store can come after the commit reached the database (a
         * connection lost before its answer): the outcome is unknown */
        http_problem(r, 503, "storage_error", "Service unavailable",
                     "the store failed while saving the message: it MAY OR MAY NOT have been "
                     "accepted. Retry with the same Idempotency-Key and the same body: if it was "
                     "stored, the retry answers 202 with the same message id; if not, it is "
                     "stored then, once. A retry with a new key could send it twice",
                     NULL);
        http_header(r, "Retry-After", "1");
    } else if (acc->result == SH_EEXIST) {
        http_reply_raw(r, (unsigned)acc->replay_status, "application/json", acc->replay_body,
                       strlen(acc->replay_body));
        http_header(r, "Idempotent-Replayed", "true");
        free(acc->replay_body);
        acc->replay_body = NULL;
    } else if (acc->result == SH_ENOTFOUND) {
        insufficient(r, acc);
    } else if (acc->result == SH_EINVAL) {
        struct field_errors fe = {0};
        field_error_add(&fe, "Idempotency-Key", "idempotency_key_reused",
                        "this key was already used with a different request body");
        http_problem(r, 422, "idempotency_key_reused", "Idempotency key reused",
                     "an Idempotency-Key can only be reused with the identical request", &fe);
    } else {
        http_reply_raw(r, 202, "application/json", ctx->body, strlen(ctx->body));
        http_header(r, "Location", arena_printf(&r->arena, "/v1/messages/%s", ctx->msg.id));
        accept_committed(r->api, acc);
    }
    free(acc->replay_body); /* set when a failed batch had read a replay before rolling back */
    acc->replay_body = NULL;
    http_resume(r);
}

int api_messages_create(struct http_req *r)
{
    struct api *api = r->api;
    const char *key = http_req_header(r, "Idempotency-Key");
    struct field_errors fe = {0};
    json_error_t jerr;
    json_t *root = NULL;
    int ret = HTTP_DONE;
    int64_t now = clock_now_ms();

    if (key == NULL) {
        field_error_add(&fe, "Idempotency-Key", "required",
                        "send a unique Idempotency-Key header with every POST /v1/messages");
        http_problem(r, 400, "idempotency_key_required", "Idempotency-Key required",
                     "retries are only safe with an idempotency key", &fe);
        goto out;
    }
    if (!idem_key_ok(key)) {
        field_error_add(&fe, "Idempotency-Key", "invalid",
                        "1-255 printable ASCII characters without spaces");
        http_problem(r, 400, "invalid_idempotency_key", "Invalid Idempotency-Key", NULL, &fe);
        goto out;
    }
    root = json_loadb(r->body ? r->body : "", r->body_len,
                     JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL) {
        char detail[256];
        snprintf(detail, sizeof(detail), "malformed JSON at line %d column %d: %s", jerr.line,
                 jerr.column, jerr.text);
        http_problem(r, 400, "malformed_json", "Malformed JSON", detail, NULL);
        goto out;
    }
    if (!json_is_object(root)) {
        http_problem(r, 400, "invalid_body", "Invalid body", "the body must be a JSON object",
                     NULL);
        goto out;
    }

    struct accept_ctx *ctx = arena_zalloc(&r->arena, sizeof(*ctx));
    ctx->r = r;
    int prep = accept_prepare(api, root, r->principal.project_id, now, &r->arena, &ctx->msg, &fe);
    if (prep == ACCEPT_INVALID) {
        http_problem(r, 422, "validation_failed", "Validation failed",
                     "one or more fields are invalid", &fe);
        goto out;
    }
    if (prep != ACCEPT_OK) {
        http_problem(r, 503, "storage_error", "Service unavailable",
                     "provider credentials cannot be read right now", NULL);
        goto out;
    }
    if (accept_price(api, &ctx->msg, &ctx->acc, &r->arena) != ACCEPT_OK) {
        http_problem(r, 503, "storage_error", "Service unavailable",
                     "tariffs cannot be read right now", NULL);
        goto out;
    }
    ctx->body = accepted_body(&r->arena, &ctx->msg);
    ctx->acc.msg = &ctx->msg;
    ctx->acc.idem_key = arena_strdup(&r->arena, key);
    msg_request_hash(root, ctx->acc.req_hash);
    ctx->acc.response_status = 202;
    ctx->acc.response_body = ctx->body;
    ctx->acc.now = now;
    r->async = ctx;
    if (store_accept(api->store, &ctx->acc, 1, accept_done, ctx) != SH_OK) {
        http_problem(r, 503, "shutting_down", "Service unavailable",
                     "the server is shutting down; retry with the same Idempotency-Key", NULL);
        http_header(r, "Retry-After", "1");
        goto out;
    }
    ret = HTTP_ASYNC;
out:
    json_decref(root);
    return ret;
}

static json_t *time_or_null(int64_t ms)
{
    char buf[40];
    if (ms == 0)
        return json_null();
    return json_string(clock_fmt_rfc3339(ms, buf, sizeof(buf)));
}

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *message_json(const struct store_message *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(m->id));
    json_object_set_new(o, "status", json_string(msg_status_name(m->status)));
    json_object_set_new(o, "direction", json_string(m->direction ? "inbound" : "outbound"));
    json_object_set_new(o, "to", json_string(m->to));
    json_object_set_new(o, "country", str_or_null(m->country));
    json_object_set_new(o, "from", str_or_null(m->from));
    json_object_set_new(o, "text", json_string(m->body));
    json_object_set_new(o, "type", json_string(msg_type_name(m->msg_type)));
    json_object_set_new(o, "encoding", json_string(encoding_name(m->encoding)));
    json_object_set_new(o, "segments", json_integer(m->segments));
    json_object_set_new(o, "provider", str_or_null(m->provider));
    json_object_set_new(o, "credential_id", str_or_null(m->credential_id));
    json_object_set_new(o, "provider_message_id", str_or_null(m->provider_message_id));
    json_object_set_new(o, "attempts", json_integer(m->attempts));
    json_object_set_new(o, "callback_url", str_or_null(m->callback_url));
    json_t *md = m->metadata ? json_loads(m->metadata, 0, NULL) : NULL;
    json_object_set_new(o, "metadata", md ? md : json_null());
    if (m->error_code != NULL) {
        json_t *err = json_object();
        json_object_set_new(err, "code", json_string(m->error_code));
        json_object_set_new(err, "message", str_or_null(m->error_text));
        json_object_set_new(o, "error", err);
    } else {
        json_object_set_new(o, "error", json_null());
    }
    json_object_set_new(o, "created_at", time_or_null(m->created_at));
    json_object_set_new(o, "updated_at", time_or_null(m->updated_at));
    json_object_set_new(o, "scheduled_at", time_or_null(m->scheduled_at));
    json_object_set_new(o, "expires_at", time_or_null(m->expires_at));
    return o;
}

static void not_found(struct http_req *r)
{
    http_problem(r, 404, "not_found", "Not found", "no message with this id", NULL);
}

int api_messages_get(struct http_req *r)
{
    struct store_message m;
    struct store_event *ev = NULL;
    size_t nev = 0;
    const char *id = r->params[0];
    int st;

    if (!id_valid("msg", id)) {
        not_found(r);
        return HTTP_DONE;
    }
    st = store_message_get(r->api->store, r->principal.project_id, id, &r->arena, &m);
    if (st == SH_ENOTFOUND) {
        not_found(r);
        return HTTP_DONE;
    }
    if (st == SH_OK)
        st = store_message_events(r->api->store, id, &r->arena, &ev, &nev);
    if (st != SH_OK) {
        http_problem(r, 503, "storage_error", "Service unavailable",
                     "the message cannot be read right now", NULL);
        return HTTP_DONE;
    }
    json_t *o = message_json(&m);
    json_t *tl = json_array();
    const char *used = NULL;
    for (size_t i = 0; i < nev; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "status", json_string(msg_status_name(ev[i].status)));
        json_object_set_new(e, "at", time_or_null(ev[i].at));
        json_object_set_new(e, "provider", str_or_null(ev[i].provider));
        json_t *d = ev[i].detail ? json_loads(ev[i].detail, 0, NULL) : NULL;
        json_object_set_new(e, "detail", d ? d : json_null());
        json_array_append_new(tl, e);
        if (ev[i].provider != NULL)
            used = ev[i].provider;
    }
    if (used != NULL)
        json_object_set_new(o, "provider", json_string(used));
    json_object_set_new(o, "timeline", tl);
    http_reply_json(r, 200, o);
    return HTTP_DONE;
}

int api_messages_list(struct http_req *r)
{
    struct store_message_filter f = {.project_id = r->principal.project_id, .status = -1};
    struct field_errors fe = {0};
    struct store_message *rows = NULL;
    size_t n = 0;
    const char *v;

    if ((v = http_query(r, "status")) != NULL && (f.status = msg_status_parse(v)) < 0)
        field_error_add(&fe, "status", "invalid", "unknown status");
    if ((v = http_query(r, "to")) != NULL) {
        if (strlen(v) > 20)
            field_error_add(&fe, "to", "invalid", "to must be an E.164 number");
        else
            f.to = v;
    }
    static const char *const range[2] = {"created_after", "created_before"};
    for (int i = 0; i < 2; i++) {
        int64_t ms;
        if ((v = http_query(r, range[i])) == NULL)
            continue;
        if (clock_parse_rfc3339(v, &ms) != 0) {
            field_error_add(&fe, range[i], "invalid_datetime", "must be an RFC 3339 date-time");
            continue;
        }
        /* ids are time-ordered, so a time range is an id range */
        char *bound = arena_alloc(&r->arena, ID_MAX);
        id_floor("msg", ms, bound, ID_MAX);
        if (i == 0)
            f.id_from = bound;
        else
            f.id_to = bound;
    }
    f.limit = LIST_DEFAULT;
    if ((v = http_query(r, "limit")) != NULL) {
        char *end;
        long l = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || l < 1 || l > LIST_MAX)
            field_error_add(&fe, "limit", "out_of_range", "limit must be 1-100");
        else
            f.limit = (int)l;
    }
    if ((v = http_query(r, "cursor")) != NULL) {
        if (!id_valid("msg", v))
            field_error_add(&fe, "cursor", "invalid", "use next_cursor from the previous page");
        else
            f.cursor = v;
    }
    if (fe.n > 0) {
        http_problem(r, 400, "invalid_query", "Invalid query",
                     "one or more query parameters "
                     "are invalid",
                     &fe);
        return HTTP_DONE;
    }
    if (store_message_list(r->api->store, &f, &r->arena, &rows, &n) != SH_OK) {
        http_problem(r, 503, "storage_error", "Service unavailable",
                     "messages cannot be read right now", NULL);
        return HTTP_DONE;
    }
    json_t *o = json_object();
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(data, message_json(&rows[i]));
    json_object_set_new(o, "data", data);
    json_object_set_new(o, "next_cursor",
                        n == (size_t)f.limit ? json_string(rows[n - 1].id) : json_null());
    http_reply_json(r, 200, o);
    return HTTP_DONE;
}
