/*
 * smso.c — SMSO.ro dialect (CONTRACTS.md §6, official docs repo smso/slate).
 *
 * Send: form POST {base}/send (to, sender = a sender *id*, body, type, webhook_status) with the
 * `X-Authorization` header; 200 {"status":200,"responseToken":…}; 400 invalid, 401 bad key,
 * 402 no credit. Poll: GET /status?responseToken=… (no auth needed). Balance: GET /credit-check.
 * Callbacks are unsigned form POSTs (the URL carries the secret token): status updates with
 * uuid/status/sent_at/delivered_at, and replies with body/replied_to/received_at/sender[number].
 */
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/http/dutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct smso {
    json_t *root;
    const char *api_key, *base_url, *sender_id, *type, *callback_url;
    int replies;
};

static const struct du_map so_status_map[] = {
    {"dispatched", PROVIDER_DLR_NONE},
    {"sent", PROVIDER_DLR_SENT},
    {"delivered", PROVIDER_DLR_DELIVERED},
    {"undelivered", PROVIDER_DLR_UNDELIVERED},
    {"expired", PROVIDER_DLR_EXPIRED},
    {"error", PROVIDER_DLR_FAILED},
    {NULL, 0},
};

static void so_free(void *p)
{
    struct smso *s = p;
    if (s == NULL)
        return;
    json_decref(s->root);
    free(s);
}

static int so_new(const char *json, char *err, size_t errcap, void **out)
{
    struct smso *s = xcalloc(1, sizeof(*s));
    int st = SH_EINVAL;
    s->root = du_cfg_parse(json, err, errcap);
    if (s->root == NULL)
        goto out;
    if (du_cfg_need(s->root, "api_key", err, errcap, &s->api_key) != SH_OK)
        goto out;
    s->base_url = du_cfg_str(s->root, "base_url", "https://app.smso.ro/api/v1");
    s->sender_id = du_cfg_str(s->root, "sender_id", NULL);
    s->type = du_cfg_str(s->root, "type", NULL);
    if (s->type != NULL && strcmp(s->type, "marketing") != 0 &&
        strcmp(s->type, "transactional") != 0) {
        snprintf(err, errcap, "type: marketing or transactional");
        goto out;
    }
    s->callback_url = du_cfg_str(s->root, "callback_url", NULL);
    s->replies = du_cfg_bool(s->root, "receive_replies", 0);
    *out = s;
    s = NULL;
    st = SH_OK;
out:
    so_free(s);
    return st;
}

static unsigned so_caps(const void *cfg)
{
    const struct smso *s = cfg;
    return DIALECT_CAP_POLL | DIALECT_CAP_BALANCE | DIALECT_CAP_DLR_PUSH |
           (s->replies ? DIALECT_CAP_MO : 0);
}

static int so_build_send(const void *cfg, const struct dialect_token *tok,
                         const struct provider_msg *m, int64_t now_ms, struct arena *a,
                         struct dialect_req *out)
{
    const struct smso *s = cfg;
    (void)tok;
    (void)now_ms;
    struct dbuf b = {0};
    dbuf_form_field(&b, "to", m->to);
    dbuf_form_field(&b, "sender", s->sender_id != NULL ? s->sender_id : m->from);
    dbuf_form_field(&b, "body", m->body);
    if (s->type != NULL)
        dbuf_form_field(&b, "type", s->type);
    if (s->callback_url != NULL && *s->callback_url != '\0') {
        dbuf_form_field(&b, "webhook_status", s->callback_url);
        if (s->replies)
            dbuf_form_field(&b, "webhook_responses", s->callback_url);
    }
    size_t n;
    char *body = dbuf_finish(&b, a, &n);
    du_req(out, "POST", arena_printf(a, "%s/send", s->base_url));
    du_req_header(out, "X-Authorization", s->api_key);
    du_req_header(out, "Accept", "application/json");
    du_req_body(out, "application/x-www-form-urlencoded", body, n);
    return SH_OK;
}

static int so_parse_send(const void *cfg, const struct provider_msg *m,
                         const struct dialect_resp *in, struct provider_result *out)
{
    (void)cfg;
    (void)m;
    struct arena a;
    arena_init(&a);
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    const char *tok = json_string_value(json_object_get(j, "responseToken"));
    if (in->status >= 200 && in->status < 300) {
        if (tok == NULL || *tok == '\0') {
            du_result(out, PROVIDER_TEMP_FAIL, "bad-answer", "no responseToken in the answer");
            goto out;
        }
        out->outcome = PROVIDER_ACCEPTED;
        du_copy(out->pmid, sizeof(out->pmid), tok);
        goto out;
    }
    const char *text = j != NULL ? du_json_dump(&a, j, NULL) : NULL;
    if (in->status == 400) {
        du_result(out, PROVIDER_REJECTED, "400", text);
    } else if (in->status == 402) {
        du_result(out, PROVIDER_REJECTED, "402", "not enough credit");
        out->alert = PROVIDER_ALERT_CREDIT;
    } else {
        du_result_http(out, in->status);
    }
out:
    json_decref(j);
    arena_release(&a);
    return SH_OK;
}

static int so_build_poll(const void *cfg, const struct dialect_token *tok, const char *pmid,
                         struct arena *a, struct dialect_req *out)
{
    const struct smso *s = cfg;
    (void)tok;
    struct dbuf b = {0};
    dbuf_printf(&b, "%s/status?responseToken=", s->base_url);
    dbuf_url_escape(&b, pmid);
    du_req(out, "GET", dbuf_finish(&b, a, NULL));
    du_req_header(out, "Accept", "application/json");
    return SH_OK;
}

static int so_parse_poll(const void *cfg, const char *pmid, const struct dialect_resp *in,
                         struct arena *a, struct provider_report *out)
{
    (void)cfg;
    int st = SH_EINVAL;
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    out->pmid = arena_strdup(a, pmid);
    json_t *data = json_object_get(j, "data");
    int d = du_map_status(so_status_map, json_string_value(json_object_get(data, "status")));
    if (in->status != 200 || d < 0)
        goto out;
    out->status = (enum provider_dlr)d;
    out->at = du_time_ymdhms(json_string_value(json_object_get(data, "delivered_at")));
    if (out->at == 0)
        out->at = du_time_ymdhms(json_string_value(json_object_get(data, "sent_at")));
    st = SH_OK;
out:
    json_decref(j);
    return st;
}

static int so_build_balance(const void *cfg, const struct dialect_token *tok, struct arena *a,
                            struct dialect_req *out)
{
    const struct smso *s = cfg;
    (void)tok;
    du_req(out, "GET", arena_printf(a, "%s/credit-check", s->base_url));
    du_req_header(out, "X-Authorization", s->api_key);
    du_req_header(out, "Accept", "application/json");
    return SH_OK;
}

static int so_parse_balance(const void *cfg, const struct dialect_resp *in,
                            struct dialect_balance *out)
{
    (void)cfg;
    int st = in->status == 401 ? SH_EPERM : SH_EINVAL;
    struct arena a;
    arena_init(&a);
    json_t *j = du_json(in->body, in->body_len);
    json_t *v = json_object_get(j, "credit_value");
    memset(out, 0, sizeof(*out));
    if (in->status != 200 || !json_is_number(v))
        goto out;
    du_copy(out->amount, sizeof(out->amount), du_json_text(&a, v));
    st = SH_OK;
out:
    json_decref(j);
    arena_release(&a);
    return st;
}

static int so_parse_callback(const void *cfg, const struct dialect_in *in, int64_t now_ms,
                             struct arena *a, struct dialect_callback *out)
{
    (void)cfg;
    (void)now_ms;
    struct du_params *p = du_callback_begin(in, a, out);
    if (p == NULL)
        return SH_EINVAL;
    const char *uuid = du_param(p, "uuid"), *status = du_param(p, "status");
    if (uuid != NULL && *uuid != '\0' && status != NULL) {
        int d = du_map_status(so_status_map, status);
        if (d < 0) {
            out->why = "unknown status";
            return SH_EINVAL;
        }
        du_answer(out, 200, NULL, "");
        out->kind = d == PROVIDER_DLR_NONE ? DIALECT_CB_IGNORE : DIALECT_CB_DLR;
        out->dlr.pmid = uuid;
        out->dlr.status = (enum provider_dlr)d;
        out->dlr.at = du_time_ymdhms(du_param(p, "delivered_at"));
        if (out->dlr.at == 0)
            out->dlr.at = du_time_ymdhms(du_param(p, "sent_at"));
        return SH_OK;
    }
    const char *body = du_param(p, "body"), *from = du_param(p, "sender[number]");
    if (body == NULL || from == NULL) {
        out->why = "neither a status update nor a reply";
        return SH_EINVAL;
    }
    du_answer(out, 200, NULL, "");
    out->kind = DIALECT_CB_MO;
    out->mo.from = from;
    out->mo.to = "";
    out->mo.text = body;
    out->mo.reply_to = du_param(p, "replied_to");
    out->mo.at = du_time_ymdhms(du_param(p, "received_at"));
    return SH_OK;
}

const struct dialect dialect_smso = {
    .name = "smso",
    .caps = DIALECT_CAP_POLL | DIALECT_CAP_BALANCE | DIALECT_CAP_DLR_PUSH | DIALECT_CAP_MO,
    .config_new = so_new,
    .config_free = so_free,
    .config_caps = so_caps,
    .build_send = so_build_send,
    .parse_send = so_parse_send,
    .build_poll = so_build_poll,
    .parse_poll = so_parse_poll,
    .build_balance = so_build_balance,
    .parse_balance = so_parse_balance,
    .parse_callback = so_parse_callback,
};
