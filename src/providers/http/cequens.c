/*
 * cequens.c — CEQUENS (apis.cequens.com) dialect (CONTRACTS.md §7).
 *
 * Auth: a long-lived dashboard API token used directly as the Bearer (`api_token`), or a JWT
 * from POST /auth/v1/tokens {apiKey,userName} (data.access_token, lifetime from its `exp`),
 * cached and refreshed like Eskiz's. Send: JSON POST /sms/v1/messages; replyCode 0 = accepted,
 * id in data.SentSMSIDs[0].SMSId, InvalidRecipients non-empty = rejected. Poll: GET
 * /sms/v1/messages/{id} with the numeric status codes of the legacy SDK. DLRs arrive as query
 * parameters whose names are UNVERIFIED (configurable; guesses below). Balance only when
 * `balance_url` is set (the current endpoint is UNVERIFIED).
 */
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/http/dutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cequens {
    json_t *root;
    const char *api_token, *api_key, *user_name, *base_url, *from, *callback_url;
    const char *balance_url, *balance_pointer;
    int token_ttl_s;
    struct du_fieldmap map;
};

/* Message status codes (legacy SDK) and the DLR's `1`/`2`. */
static const struct du_map cq_status_map[] = {
    {"1", PROVIDER_DLR_DELIVERED},
    {"2", PROVIDER_DLR_UNDELIVERED},
    {"3", PROVIDER_DLR_SENT},
    {"4", PROVIDER_DLR_SENT},
    {"5", PROVIDER_DLR_REJECTED},
    {"16", PROVIDER_DLR_REJECTED},
    {"17", PROVIDER_DLR_SENT},
    {"1200", PROVIDER_DLR_UNDELIVERED},
    {"Delivered", PROVIDER_DLR_DELIVERED},
    {"UnDelivered", PROVIDER_DLR_UNDELIVERED},
    {NULL, 0},
};

static void cq_free(void *p)
{
    struct cequens *c = p;
    if (c == NULL)
        return;
    json_decref(c->root);
    free(c);
}

static int cq_new(const char *json, char *err, size_t errcap, void **out)
{
    /* UNVERIFIED guesses for the DLR query parameter names */
    static const struct du_fieldmap def = {.id = "messageId",
                                           .status = "statusId",
                                           .ref = "clientMessageId",
                                           .time = "submitDate",
                                           .error = "statusMessage"};
    struct cequens *c = xcalloc(1, sizeof(*c));
    int st = SH_EINVAL;
    c->root = du_cfg_parse(json, err, errcap);
    if (c->root == NULL)
        goto out;
    c->api_token = du_cfg_str(c->root, "api_token", NULL);
    if (c->api_token != NULL && *c->api_token == '\0')
        c->api_token = NULL;
    if (c->api_token == NULL &&
        (du_cfg_need(c->root, "api_key", err, errcap, &c->api_key) != SH_OK ||
         du_cfg_need(c->root, "user_name", err, errcap, &c->user_name) != SH_OK))
        goto out;
    c->base_url = du_cfg_str(c->root, "base_url", "https://apis.cequens.com");
    c->from = du_cfg_str(c->root, "from", NULL);
    c->callback_url = du_cfg_str(c->root, "callback_url", NULL);
    c->balance_url = du_cfg_str(c->root, "balance_url", NULL);
    c->balance_pointer = du_cfg_str(c->root, "balance_pointer", "/data/balance");
    if (du_cfg_int(c->root, "token_ttl_s", 86400, 60, 366 * 86400, &c->token_ttl_s) != SH_OK) {
        snprintf(err, errcap, "token_ttl_s: an integer 60..31622400");
        goto out;
    }
    if (du_fieldmap_read(c->root, &def, &c->map, err, errcap) != SH_OK)
        goto out;
    *out = c;
    c = NULL;
    st = SH_OK;
out:
    cq_free(c);
    return st;
}

static unsigned cq_caps(const void *cfg)
{
    const struct cequens *c = cfg;
    return DIALECT_CAP_POLL | DIALECT_CAP_DLR_PUSH | (c->api_token ? 0 : DIALECT_CAP_LOGIN) |
           (c->balance_url != NULL ? DIALECT_CAP_BALANCE : 0);
}

static void cq_auth(const struct cequens *c, struct dialect_req *r, const struct dialect_token *tok,
                    struct arena *a)
{
    const char *t = c->api_token != NULL ? c->api_token : (tok != NULL ? tok->value : "");
    du_req_header(r, "Authorization", du_bearer(a, t));
    du_req_header(r, "Accept", "application/json");
}

static int cq_build_login(const void *cfg, const struct dialect_token *old, struct arena *a,
                          struct dialect_req *out)
{
    const struct cequens *c = cfg;
    (void)old; /* no refresh endpoint is known: always a fresh token */
    if (c->api_token != NULL)
        return SH_ENOTFOUND;
    json_t *root = json_pack("{s:s, s:s}", "apiKey", c->api_key, "userName", c->user_name);
    size_t n;
    char *body = du_json_dump(a, root, &n);
    json_decref(root);
    du_req(out, "POST", arena_printf(a, "%s/auth/v1/tokens", c->base_url));
    du_req_header(out, "Accept", "application/json");
    du_req_body(out, "application/json", body, n);
    return SH_OK;
}

static int cq_parse_login(const void *cfg, const struct dialect_resp *in, int64_t now_ms,
                          struct dialect_token *tok)
{
    const struct cequens *c = cfg;
    int st = SH_EIO;
    json_t *j = du_json(in->body, in->body_len);
    if (in->status >= 400 && in->status < 500 && in->status != 429 && in->status != 408) {
        st = SH_EPERM;
        goto out;
    }
    const char *t = json_string_value(du_json_pointer(j, "/data/access_token"));
    if (in->status != 200 || t == NULL || *t == '\0' || strlen(t) >= sizeof(tok->value))
        goto out;
    dialect_token_set(tok, t, now_ms, c->token_ttl_s);
    st = SH_OK;
out:
    json_decref(j);
    return st;
}

static int cq_build_send(const void *cfg, const struct dialect_token *tok,
                         const struct provider_msg *m, int64_t now_ms, struct arena *a,
                         struct dialect_req *out)
{
    const struct cequens *c = cfg;
    (void)now_ms;
    const char *from = m->from != NULL && *m->from != '\0' ? m->from : c->from;
    json_t *root = json_pack("{s:s, s:s, s:s, s:s}", "senderName", from != NULL ? from : "",
                             "messageType", m->encoding == 1 ? "unicode" : "text", "recipients",
                             du_digits(a, m->to), "messageText", m->body != NULL ? m->body : "");
    if (c->callback_url != NULL && *c->callback_url != '\0') {
        json_object_set_new(root, "dlrUrl", json_string(c->callback_url));
        json_object_set_new(root, "acknowledgement", json_integer(1));
    }
    size_t n;
    char *body = du_json_dump(a, root, &n);
    json_decref(root);
    du_req(out, "POST", arena_printf(a, "%s/sms/v1/messages", c->base_url));
    cq_auth(c, out, tok, a);
    du_req_body(out, "application/json", body, n);
    return SH_OK;
}

static int cq_parse_send(const void *cfg, const struct provider_msg *m,
                         const struct dialect_resp *in, struct provider_result *out)
{
    const struct cequens *c = cfg;
    (void)m;
    int st = SH_OK;
    struct arena a;
    arena_init(&a);
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    if (in->status == 401 && c->api_token == NULL) {
        du_result(out, PROVIDER_TEMP_FAIL, "http-401", "token refused");
        st = SH_AGAIN;
        goto out;
    }
    json_t *rc = json_object_get(j, "replyCode");
    const char *msg = json_string_value(json_object_get(j, "replyMessage"));
    if (msg == NULL)
        msg = json_string_value(du_json_pointer(j, "/error/description"));
    if (!(in->status >= 200 && in->status < 300)) {
        if (in->status == 400 || in->status == 422) {
            du_result(out, PROVIDER_REJECTED, du_json_text(&a, rc), msg);
        } else {
            du_result_http(out, in->status);
        }
        goto out;
    }
    const char *id = json_string_value(du_json_pointer(j, "/data/SentSMSIDs/0/SMSId"));
    const char *invalid = json_string_value(du_json_pointer(j, "/data/InvalidRecipients"));
    if (!json_is_integer(rc) || json_integer_value(rc) != 0) {
        du_result(out, json_is_integer(rc) ? PROVIDER_REJECTED : PROVIDER_TEMP_FAIL,
                  json_is_integer(rc) ? du_json_text(&a, rc) : "bad-answer", msg);
    } else if (id == NULL || *id == '\0') {
        du_result(out, invalid != NULL && *invalid != '\0' ? PROVIDER_REJECTED : PROVIDER_TEMP_FAIL,
                  invalid != NULL && *invalid != '\0' ? "invalid-recipient" : "bad-answer",
                  invalid != NULL && *invalid != '\0' ? invalid : "no SMSId in the answer");
    } else {
        out->outcome = PROVIDER_ACCEPTED;
        du_copy(out->pmid, sizeof(out->pmid), id);
    }
out:
    json_decref(j);
    arena_release(&a);
    return st;
}

static int cq_build_poll(const void *cfg, const struct dialect_token *tok, const char *pmid,
                         struct arena *a, struct dialect_req *out)
{
    const struct cequens *c = cfg;
    struct dbuf b = {0};
    dbuf_printf(&b, "%s/sms/v1/messages/", c->base_url);
    dbuf_url_escape(&b, pmid);
    du_req(out, "GET", dbuf_finish(&b, a, NULL));
    cq_auth(c, out, tok, a);
    return SH_OK;
}

static int cq_parse_poll(const void *cfg, const char *pmid, const struct dialect_resp *in,
                         struct arena *a, struct provider_report *out)
{
    const struct cequens *c = cfg;
    int st = SH_EINVAL;
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    out->pmid = arena_strdup(a, pmid);
    if (in->status == 401 && c->api_token == NULL) {
        st = SH_AGAIN;
        goto out;
    }
    /* UNVERIFIED shape: the status code under data.status, data[0].status or status */
    json_t *s = du_json_pointer(j, "/data/status");
    if (s == NULL)
        s = du_json_pointer(j, "/data/0/status");
    if (s == NULL)
        s = json_object_get(j, "status");
    int d = du_map_status(cq_status_map, du_json_text(a, s));
    if (in->status != 200 || d < 0)
        goto out;
    out->status = (enum provider_dlr)d;
    st = SH_OK;
out:
    json_decref(j);
    return st;
}

static int cq_build_balance(const void *cfg, const struct dialect_token *tok, struct arena *a,
                            struct dialect_req *out)
{
    const struct cequens *c = cfg;
    if (c->balance_url == NULL)
        return SH_ENOTFOUND;
    du_req(out, "GET", arena_strdup(a, c->balance_url));
    cq_auth(c, out, tok, a);
    return SH_OK;
}

static int cq_parse_balance(const void *cfg, const struct dialect_resp *in,
                            struct dialect_balance *out)
{
    const struct cequens *c = cfg;
    int st = in->status == 401 && c->api_token == NULL ? SH_AGAIN : SH_EINVAL;
    struct arena a;
    arena_init(&a);
    json_t *j = du_json(in->body, in->body_len);
    json_t *v = du_json_pointer(j, c->balance_pointer);
    memset(out, 0, sizeof(*out));
    const char *t = json_is_number(v) || json_is_string(v) ? du_json_text(&a, v) : NULL;
    if (in->status != 200 || t == NULL || *t == '\0')
        goto out;
    du_copy(out->amount, sizeof(out->amount), t);
    st = SH_OK;
out:
    json_decref(j);
    arena_release(&a);
    return st;
}

static int cq_parse_callback(const void *cfg, const struct dialect_in *in, int64_t now_ms,
                             struct arena *a, struct dialect_callback *out)
{
    const struct cequens *c = cfg;
    (void)now_ms;
    return du_fieldmap_callback(&c->map, cq_status_map, in, a, out);
}

const struct dialect dialect_cequens = {
    .name = "cequens",
    .caps = DIALECT_CAP_LOGIN | DIALECT_CAP_POLL | DIALECT_CAP_BALANCE | DIALECT_CAP_DLR_PUSH,
    .config_new = cq_new,
    .config_free = cq_free,
    .config_caps = cq_caps,
    .build_login = cq_build_login,
    .parse_login = cq_parse_login,
    .build_send = cq_build_send,
    .parse_send = cq_parse_send,
    .build_poll = cq_build_poll,
    .parse_poll = cq_parse_poll,
    .build_balance = cq_build_balance,
    .parse_balance = cq_parse_balance,
    .parse_callback = cq_parse_callback,
};
