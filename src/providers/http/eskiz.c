/*
 * eskiz.c — Eskiz.uz dialect (CONTRACTS.md §3, community OpenAPI spec).
 *
 * Auth is a JWT bearer from POST /auth/login (multipart email/password), lifetime ~30 days;
 * PATCH /auth/refresh renews a still-valid one. Token policy (the driver owns the cache, one
 * per credential): use it while dialect_token_usable() says so, refresh before expiry, and on
 * a 401 (`token-invalid`) drop it, log in again and repeat the refused request once (the
 * parse_* functions return SH_AGAIN for that). Only one login per credential may be in flight:
 * requests needing a token wait on it (see src/providers/http/README).
 * Send: multipart POST /message/sms/send (mobile_phone digits only, message, from, callback_url,
 * user_sms_id = our id). Poll: GET /message/sms/status_by_id/{id}. Balance: GET /user/get-limit.
 * DLR callbacks are JSON or form POSTs without a signature (the URL carries the secret token).
 * Batch (when `batch_window_ms` > 0): JSON POST /message/sms/send-batch {messages: [{user_sms_id,
 * to, text}], from, callback_url} -> one request id for all; each message's provider id is
 * "<request id>#<user_sms_id>" and its receipts match by user_sms_id (our id). A batch refused
 * as a whole (4xx) is resent one message at a time so each gets its own outcome.
 */
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/http/dutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct eskiz {
    json_t *root;
    const char *email, *password, *base_url, *from, *callback_url;
    int token_ttl_s, user_sms_id;
    int batch_window_ms, batch_max;
};

static void ez_free(void *p)
{
    struct eskiz *e = p;
    if (e == NULL)
        return;
    json_decref(e->root);
    free(e);
}

static int ez_new(const char *json, char *err, size_t errcap, void **out)
{
    struct eskiz *e = xcalloc(1, sizeof(*e));
    int st = SH_EINVAL;
    e->root = du_cfg_parse(json, err, errcap);
    if (e->root == NULL)
        goto out;
    if (du_cfg_need(e->root, "email", err, errcap, &e->email) != SH_OK ||
        du_cfg_need(e->root, "password", err, errcap, &e->password) != SH_OK)
        goto out;
    e->base_url = du_cfg_str(e->root, "base_url", "https://notify.eskiz.uz/api");
    e->from = du_cfg_str(e->root, "from", "4546");
    e->callback_url = du_cfg_str(e->root, "callback_url", NULL);
    e->user_sms_id = du_cfg_bool(e->root, "send_user_sms_id", 1);
    if (du_cfg_int(e->root, "token_ttl_s", 30 * 86400, 60, 366 * 86400, &e->token_ttl_s) != SH_OK) {
        snprintf(err, errcap, "token_ttl_s: an integer 60..31622400");
        goto out;
    }
    if (du_cfg_int(e->root, "batch_window_ms", 0, 0, 5000, &e->batch_window_ms) != SH_OK) {
        snprintf(err, errcap, "batch_window_ms: an integer 0..5000");
        goto out;
    }
    if (du_cfg_int(e->root, "batch_max", 100, 2, 500, &e->batch_max) != SH_OK) {
        snprintf(err, errcap, "batch_max: an integer 2..500");
        goto out;
    }
    *out = e;
    e = NULL;
    st = SH_OK;
out:
    ez_free(e);
    return st;
}

static unsigned ez_caps(const void *cfg)
{
    (void)cfg;
    return DIALECT_CAP_LOGIN | DIALECT_CAP_POLL | DIALECT_CAP_BALANCE | DIALECT_CAP_DLR_PUSH;
}

static void ez_auth(struct dialect_req *r, const struct dialect_token *tok, struct arena *a)
{
    du_req_header(r, "Authorization", du_bearer(a, tok != NULL ? tok->value : ""));
    du_req_header(r, "Accept", "application/json");
}

static int ez_build_login(const void *cfg, const struct dialect_token *old, struct arena *a,
                          struct dialect_req *out)
{
    const struct eskiz *e = cfg;
    if (old != NULL && old->value[0] != '\0') {
        du_req(out, "PATCH", arena_printf(a, "%s/auth/refresh", e->base_url));
        ez_auth(out, old, a);
        return SH_OK;
    }
    const char *names[] = {"email", "password"};
    const char *values[] = {e->email, e->password};
    const char *ct;
    size_t n;
    char *body = du_multipart(a, names, values, 2, &ct, &n);
    du_req(out, "POST", arena_printf(a, "%s/auth/login", e->base_url));
    du_req_header(out, "Accept", "application/json");
    du_req_body(out, ct, body, n);
    return SH_OK;
}

/* SH_OK; SH_EPERM credentials refused (alert, do not loop); SH_EIO transient. */
static int ez_parse_login(const void *cfg, const struct dialect_resp *in, int64_t now_ms,
                          struct dialect_token *tok)
{
    const struct eskiz *e = cfg;
    int st = SH_EIO;
    json_t *j = du_json(in->body, in->body_len);
    if (in->status == 401 || in->status == 403 ||
        (in->status >= 400 && in->status < 500 && in->status != 429 && in->status != 408)) {
        st = SH_EPERM;
        goto out;
    }
    const char *t = json_string_value(du_json_pointer(j, "/data/token"));
    if (in->status != 200 || t == NULL || *t == '\0' || strlen(t) >= sizeof(tok->value))
        goto out;
    dialect_token_set(tok, t, now_ms, e->token_ttl_s);
    st = SH_OK;
out:
    json_decref(j);
    return st;
}

static int ez_build_send(const void *cfg, const struct dialect_token *tok,
                         const struct provider_msg *m, int64_t now_ms, struct arena *a,
                         struct dialect_req *out)
{
    const struct eskiz *e = cfg;
    (void)now_ms;
    const char *names[5], *values[5];
    size_t n = 0;
    names[n] = "mobile_phone";
    values[n++] = du_digits(a, m->to);
    names[n] = "message";
    values[n++] = m->body;
    names[n] = "from";
    values[n++] = m->from != NULL && *m->from != '\0' ? m->from : e->from;
    if (e->callback_url != NULL && *e->callback_url != '\0') {
        names[n] = "callback_url";
        values[n++] = e->callback_url;
    }
    if (e->user_sms_id) {
        names[n] = "user_sms_id";
        values[n++] = m->id;
    }
    const char *ct;
    size_t len;
    char *body = du_multipart(a, names, values, n, &ct, &len);
    du_req(out, "POST", arena_printf(a, "%s/message/sms/send", e->base_url));
    ez_auth(out, tok, a);
    du_req_body(out, ct, body, len);
    return SH_OK;
}

/* `message` may be a string or an object of field -> [errors]; returns a short text in a. */
static const char *ez_message(json_t *j, struct arena *a)
{
    json_t *msg = json_object_get(j, "message");
    if (json_is_string(msg))
        return arena_strdup(a, json_string_value(msg));
    if (json_is_object(msg))
        return du_json_dump(a, msg, NULL);
    return NULL;
}

static int ez_parse_send(const void *cfg, const struct provider_msg *m,
                         const struct dialect_resp *in, struct provider_result *out)
{
    (void)cfg;
    (void)m;
    int st = SH_OK;
    struct arena a;
    arena_init(&a);
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    if (in->status == 401) {
        st = SH_AGAIN; /* token-invalid / expired: log in again, resend once */
        du_result(out, PROVIDER_TEMP_FAIL, "token-invalid", ez_message(j, &a));
        goto out;
    }
    if (in->status >= 200 && in->status < 300) {
        const char *id = json_string_value(json_object_get(j, "id"));
        if (id == NULL || *id == '\0') {
            du_result(out, PROVIDER_TEMP_FAIL, "bad-answer", "no id in the answer");
            goto out;
        }
        out->outcome = PROVIDER_ACCEPTED;
        du_copy(out->pmid, sizeof(out->pmid), id);
        goto out;
    }
    if (in->status == 429 || in->status >= 500 || in->status == 408 || in->status <= 0) {
        du_result_http(out, in->status);
        goto out;
    }
    /* other 4xx: validation (number, nick, text not allowed for a test account) */
    const char *status = json_string_value(json_object_get(j, "status"));
    char code[32];
    snprintf(code, sizeof(code), "http-%d", in->status);
    du_result(out, PROVIDER_REJECTED, status != NULL ? status : code, ez_message(j, &a));
    if (in->status == 403)
        out->alert = PROVIDER_ALERT_ACCOUNT;
out:
    json_decref(j);
    arena_release(&a);
    return st;
}

static void ez_config_batch(const void *cfg, int *window_ms, int *max)
{
    const struct eskiz *e = cfg;
    *window_ms = e->batch_window_ms;
    *max = e->batch_max;
}

static int ez_build_batch(const void *cfg, const struct dialect_token *tok,
                          const struct provider_msg *m, size_t n, int64_t now_ms, struct arena *a,
                          struct dialect_req *out)
{
    const struct eskiz *e = cfg;
    (void)now_ms;
    if (n == 0)
        return SH_EINVAL;
    json_t *msgs = json_array();
    for (size_t i = 0; i < n; i++) {
        /* `to` is a number in the community spec's example and schema */
        json_array_append_new(msgs, json_pack("{s:s, s:I, s:s}", "user_sms_id", m[i].id, "to",
                                              (json_int_t)strtoll(du_digits(a, m[i].to), NULL, 10),
                                              "text", m[i].body != NULL ? m[i].body : ""));
    }
    const char *from = m[0].from != NULL && *m[0].from != '\0' ? m[0].from : e->from;
    json_t *root = json_pack("{s:o, s:s}", "messages", msgs, "from", from);
    if (e->callback_url != NULL && *e->callback_url != '\0')
        json_object_set_new(root, "callback_url", json_string(e->callback_url));
    size_t len;
    char *body = du_json_dump(a, root, &len);
    json_decref(root);
    du_req(out, "POST", arena_printf(a, "%s/message/sms/send-batch", e->base_url));
    ez_auth(out, tok, a);
    du_req_body(out, "application/json", body, len);
    return SH_OK;
}

static int ez_parse_batch(const void *cfg, const struct provider_msg *m, size_t n,
                          const struct dialect_resp *in, struct provider_result *out)
{
    (void)cfg;
    int st = SH_OK;
    struct arena a;
    arena_init(&a);
    json_t *j = du_json(in->body, in->body_len);
    struct provider_result common;
    memset(&common, 0, sizeof(common));
    const char *id = json_string_value(json_object_get(j, "id"));
    json_t *states = json_object_get(j, "status");
    if (in->status == 401) {
        st = SH_AGAIN;
        du_result(&common, PROVIDER_TEMP_FAIL, "token-invalid", ez_message(j, &a));
    } else if (in->status == 429 || in->status >= 500 || in->status == 408 || in->status <= 0) {
        du_result_http(&common, in->status);
    } else if (in->status < 200 || in->status >= 300) {
        st = SH_ENOTFOUND; /* refused as a whole (one bad number?): one by one */
    } else if (id == NULL || *id == '\0') {
        du_result(&common, PROVIDER_TEMP_FAIL, "bad-answer", "no id in the answer");
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = common;
        if (st != SH_OK || common.error_code[0] != '\0')
            continue;
        /* one status word per message (UNVERIFIED beyond "waiting"): an error word refuses it */
        const char *w = json_string_value(json_array_get(states, i));
        static const char *const ok[] = {"waiting", "new", "stored", "accepted", NULL};
        int fine = w == NULL;
        for (size_t k = 0; !fine && ok[k] != NULL; k++)
            fine = strcasecmp(w, ok[k]) == 0;
        if (!fine) {
            du_result(&out[i], PROVIDER_REJECTED, w, "refused in the batch");
            continue;
        }
        out[i].outcome = PROVIDER_ACCEPTED;
        snprintf(out[i].pmid, sizeof(out[i].pmid), "%s#%s", id, m[i].id);
    }
    json_decref(j);
    arena_release(&a);
    return st;
}

/* Part-level / callback statuses, §3. */
static int ez_part_status(const char *s)
{
    static const struct du_map map[] = {
        {"NEW", PROVIDER_DLR_NONE},
        {"STORED", PROVIDER_DLR_NONE},
        {"WAITING", PROVIDER_DLR_NONE},
        {"ACCEPTED", PROVIDER_DLR_SENT},
        {"ENROUTE", PROVIDER_DLR_SENT},
        {"TRANSMTD", PROVIDER_DLR_SENT},
        {"DELIVRD", PROVIDER_DLR_DELIVERED},
        {"DELIVERED", PROVIDER_DLR_DELIVERED},
        {"PARTDELIVERED", PROVIDER_DLR_DELIVERED},
        {"UNDELIV", PROVIDER_DLR_UNDELIVERED},
        {"UNDELIVERABLE", PROVIDER_DLR_UNDELIVERED},
        {"EXPIRED", PROVIDER_DLR_EXPIRED},
        {"REJECTD", PROVIDER_DLR_REJECTED},
        {"REJECTED", PROVIDER_DLR_REJECTED},
        {"DELETED", PROVIDER_DLR_FAILED},
        {"UNKNOWN", PROVIDER_DLR_UNDELIVERED},
        {NULL, 0},
    };
    return du_map_status(map, s);
}

static int ez_build_poll(const void *cfg, const struct dialect_token *tok, const char *pmid,
                         struct arena *a, struct dialect_req *out)
{
    const struct eskiz *e = cfg;
    if (strchr(pmid, '#') != NULL)
        return SH_ENOTFOUND; /* a batch member: its request id names the whole batch */
    struct dbuf b = {0};
    dbuf_printf(&b, "%s/message/sms/status_by_id/", e->base_url);
    dbuf_url_escape(&b, pmid);
    du_req(out, "GET", dbuf_finish(&b, a, NULL));
    ez_auth(out, tok, a);
    return SH_OK;
}

static int ez_parse_poll(const void *cfg, const char *pmid, const struct dialect_resp *in,
                         struct arena *a, struct provider_report *out)
{
    (void)cfg;
    int st = SH_EINVAL;
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    out->pmid = arena_strdup(a, pmid);
    if (in->status == 401) {
        st = SH_AGAIN;
        goto out;
    }
    json_t *data = json_object_get(j, "data");
    int d = ez_part_status(json_string_value(json_object_get(data, "status")));
    if (in->status != 200 || d < 0)
        goto out;
    out->status = (enum provider_dlr)d;
    out->ref = du_json_text(a, json_object_get(data, "user_sms_id"));
    if (out->ref != NULL && *out->ref == '\0')
        out->ref = NULL;
    out->price = du_json_text(a, json_object_get(data, "total_price"));
    const char *k;
    json_t *part;
    json_object_foreach(json_object_get(data, "parts"), k, part)
    {
        int64_t t = du_time_ymdhms(json_string_value(json_object_get(part, "dlr_time")));
        if (t > out->at)
            out->at = t;
    }
    st = SH_OK;
out:
    json_decref(j);
    return st;
}

static int ez_build_balance(const void *cfg, const struct dialect_token *tok, struct arena *a,
                            struct dialect_req *out)
{
    const struct eskiz *e = cfg;
    du_req(out, "GET", arena_printf(a, "%s/user/get-limit", e->base_url));
    ez_auth(out, tok, a);
    return SH_OK;
}

static int ez_parse_balance(const void *cfg, const struct dialect_resp *in,
                            struct dialect_balance *out)
{
    (void)cfg;
    int st = in->status == 401 ? SH_AGAIN : SH_EINVAL;
    struct arena a;
    arena_init(&a);
    json_t *j = du_json(in->body, in->body_len);
    json_t *bal = du_json_pointer(j, "/data/balance");
    memset(out, 0, sizeof(*out));
    if (in->status != 200 || !json_is_number(bal))
        goto out;
    du_copy(out->amount, sizeof(out->amount), du_json_text(&a, bal));
    du_copy(out->currency, sizeof(out->currency), "UZS");
    st = SH_OK;
out:
    json_decref(j);
    arena_release(&a);
    return st;
}

static int ez_parse_callback(const void *cfg, const struct dialect_in *in, int64_t now_ms,
                             struct arena *a, struct dialect_callback *out)
{
    (void)cfg;
    (void)now_ms;
    struct du_params *p = du_callback_begin(in, a, out);
    if (p == NULL)
        return SH_EINVAL;
    const char *id = du_param(p, "request_id");
    if (id == NULL || *id == '\0')
        id = du_param(p, "message_id"); /* send-global callbacks have no request_id */
    int d = ez_part_status(du_param(p, "status"));
    if (id == NULL || *id == '\0' || d < 0) {
        out->why = "no request_id/message_id or unknown status";
        return SH_EINVAL;
    }
    du_answer(out, 200, NULL, "");
    if (d == PROVIDER_DLR_NONE) {
        out->kind = DIALECT_CB_IGNORE;
        return SH_OK;
    }
    out->kind = DIALECT_CB_DLR;
    out->dlr.pmid = id;
    out->dlr.status = (enum provider_dlr)d;
    out->dlr.at = du_time_ymdhms(du_param(p, "status_date"));
    out->dlr.ref = du_param(p, "user_sms_id");
    return SH_OK;
}

const struct dialect dialect_eskiz = {
    .name = "eskiz",
    .caps = DIALECT_CAP_LOGIN | DIALECT_CAP_POLL | DIALECT_CAP_BALANCE | DIALECT_CAP_DLR_PUSH,
    .config_new = ez_new,
    .config_free = ez_free,
    .config_caps = ez_caps,
    .build_login = ez_build_login,
    .parse_login = ez_parse_login,
    .build_send = ez_build_send,
    .parse_send = ez_parse_send,
    .build_poll = ez_build_poll,
    .parse_poll = ez_parse_poll,
    .build_balance = ez_build_balance,
    .parse_balance = ez_parse_balance,
    .parse_callback = ez_parse_callback,
    .config_batch = ez_config_batch,
    .build_batch = ez_build_batch,
    .parse_batch = ez_parse_batch,
};
