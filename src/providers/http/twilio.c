/*
 * twilio.c — Twilio Programmable Messaging dialect (CONTRACTS.md §1, 2010-04-01 API).
 *
 * Send: form POST to /Accounts/{sid}/Messages.json with Basic auth (AccountSid:AuthToken or an
 * API key SK…:secret); 201 carries the Message resource (sid, num_segments, price as strings).
 * Errors are JSON {code,message,status}: 21xxx refuse the message (rejected), 20003 refuses the
 * credential, 20429/429 throttle, 30001 and 5xx are transient. Poll: GET Messages/{sid}.json.
 * Balance: GET Balance.json. Callbacks (StatusCallback DLRs and inbound messages) are form
 * POSTs signed with X-Twilio-Signature = Base64(HMAC-SHA1(AuthToken, URL + sorted params)),
 * accepted on the URL as given, without its port, or with the default port added (§1.8).
 */
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/http/dutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct twilio {
    json_t *root;
    const char *account_sid, *auth_token, *user, *pass;
    const char *from, *messaging_service_sid, *base_url, *callback_url;
    const char *reject_codes; /* ",21211,21610,21614," */
    int validity_s, verify;
};

static void tw_free(void *p)
{
    struct twilio *t = p;
    if (t == NULL)
        return;
    json_decref(t->root);
    free(t);
}

static int tw_new(const char *json, char *err, size_t errcap, void **out)
{
    struct twilio *t = xcalloc(1, sizeof(*t));
    int st = SH_EINVAL;
    t->root = du_cfg_parse(json, err, errcap);
    if (t->root == NULL)
        goto out;
    if (du_cfg_need(t->root, "account_sid", err, errcap, &t->account_sid) != SH_OK)
        goto out;
    if (strncmp(t->account_sid, "AC", 2) != 0 || strlen(t->account_sid) != 34) {
        snprintf(err, errcap, "account_sid: must be AC followed by 32 hex digits");
        goto out;
    }
    t->auth_token = du_cfg_str(t->root, "auth_token", NULL);
    const char *ksid = du_cfg_str(t->root, "api_key_sid", NULL);
    const char *ksec = du_cfg_str(t->root, "api_key_secret", NULL);
    if (ksid != NULL && ksec != NULL) {
        t->user = ksid;
        t->pass = ksec;
    } else if (t->auth_token != NULL && *t->auth_token != '\0') {
        t->user = t->account_sid;
        t->pass = t->auth_token;
    } else {
        snprintf(err, errcap, "auth_token is required");
        goto out;
    }
    t->from = du_cfg_str(t->root, "from", NULL);
    t->messaging_service_sid = du_cfg_str(t->root, "messaging_service_sid", NULL);
    t->base_url = du_cfg_str(t->root, "base_url", "https://api.twilio.com");
    t->callback_url = du_cfg_str(t->root, "callback_url", NULL);
    t->verify = du_cfg_bool(t->root, "verify_signature", 1);
    /* UNVERIFIED policy (§1.3): `failed` with these codes means rejected */
    const char *rc = du_cfg_str(t->root, "reject_error_codes", "21211,21610,21614");
    char *wrapped = malloc(strlen(rc) + 3);
    if (wrapped == NULL)
        goto out;
    sprintf(wrapped, ",%s,", rc);
    json_object_set_new(t->root, "_reject_codes", json_string(wrapped));
    free(wrapped);
    t->reject_codes = du_cfg_str(t->root, "_reject_codes", ",,");
    if (du_cfg_int(t->root, "validity_period_s", 0, 0, 36000, &t->validity_s) != SH_OK) {
        snprintf(err, errcap, "validity_period_s: an integer 1..36000");
        goto out;
    }
    *out = t;
    t = NULL;
    st = SH_OK;
out:
    tw_free(t);
    return st;
}

static unsigned tw_caps(const void *cfg)
{
    (void)cfg;
    return DIALECT_CAP_POLL | DIALECT_CAP_BALANCE | DIALECT_CAP_DLR_PUSH | DIALECT_CAP_MO |
           DIALECT_CAP_SIGNED;
}

static const char *tw_url(const struct twilio *t, struct arena *a, const char *tail)
{
    return arena_printf(a, "%s/2010-04-01/Accounts/%s/%s", t->base_url, t->account_sid, tail);
}

static int tw_build_send(const void *cfg, const struct dialect_token *tok,
                         const struct provider_msg *m, int64_t now_ms, struct arena *a,
                         struct dialect_req *out)
{
    const struct twilio *t = cfg;
    struct dbuf b = {0};
    (void)tok;
    (void)now_ms;
    const char *from = m->from != NULL && *m->from != '\0' ? m->from : t->from;
    dbuf_form_field(&b, "To", m->to);
    if (from != NULL && *from != '\0')
        dbuf_form_field(&b, "From", from);
    else if (t->messaging_service_sid != NULL)
        dbuf_form_field(&b, "MessagingServiceSid", t->messaging_service_sid);
    dbuf_form_field(&b, "Body", m->body);
    if (t->callback_url != NULL && *t->callback_url != '\0')
        dbuf_form_field(&b, "StatusCallback", t->callback_url);
    if (t->validity_s > 0) {
        char v[16];
        snprintf(v, sizeof(v), "%d", t->validity_s);
        dbuf_form_field(&b, "ValidityPeriod", v);
    }
    size_t n;
    char *body = dbuf_finish(&b, a, &n);
    du_req(out, "POST", tw_url(t, a, "Messages.json"));
    du_req_header(out, "Authorization", du_basic_auth(a, t->user, t->pass));
    du_req_header(out, "Accept", "application/json");
    du_req_body(out, "application/x-www-form-urlencoded", body, n);
    return SH_OK;
}

/* Twilio's error code families (CONTRACTS.md §1.4). */
static void tw_error(struct provider_result *r, int http, long code, const char *msg)
{
    char c[24];
    snprintf(c, sizeof(c), "%ld", code);
    if (code == 0)
        snprintf(c, sizeof(c), "http-%d", http);
    if (http == 429 || code == 20429) {
        du_result(r, PROVIDER_THROTTLED, c, msg);
    } else if (http >= 500 || code == 30001 || http <= 0) {
        du_result(r, PROVIDER_TEMP_FAIL, c, msg);
    } else if (http == 401 || code == 20003) {
        du_result(r, PROVIDER_REJECTED, c, msg);
        r->alert = PROVIDER_ALERT_AUTH;
    } else if (code == 30002) {
        du_result(r, PROVIDER_REJECTED, c, msg);
        r->alert = PROVIDER_ALERT_ACCOUNT;
    } else if ((code >= 21000 && code < 22000) || (code >= 30003 && code <= 30008)) {
        du_result(r, PROVIDER_REJECTED, c, msg);
    } else {
        du_result(r, PROVIDER_MALFORMED, c, msg);
    }
}

static int tw_parse_send(const void *cfg, const struct provider_msg *m,
                         const struct dialect_resp *in, struct provider_result *out)
{
    (void)cfg;
    (void)m;
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    if (in->status >= 200 && in->status < 300) {
        const char *sid = json_string_value(json_object_get(j, "sid"));
        if (sid == NULL || *sid == '\0') {
            du_result(out, PROVIDER_TEMP_FAIL, "bad-answer", "no sid in the answer");
            goto out;
        }
        out->outcome = PROVIDER_ACCEPTED;
        du_copy(out->pmid, sizeof(out->pmid), sid);
        const char *seg = json_string_value(json_object_get(j, "num_segments"));
        out->parts = seg != NULL ? atoi(seg) : 0;
        du_copy(out->price, sizeof(out->price), json_string_value(json_object_get(j, "price")));
        du_copy(out->currency, sizeof(out->currency),
                json_string_value(json_object_get(j, "price_unit")));
        const char *status = json_string_value(json_object_get(j, "status"));
        if (status != NULL && strcmp(status, "failed") == 0) {
            json_t *ec = json_object_get(j, "error_code");
            tw_error(out, 400, json_is_integer(ec) ? (long)json_integer_value(ec) : 0,
                     json_string_value(json_object_get(j, "error_message")));
        }
        goto out;
    }
    json_t *code = json_object_get(j, "code");
    tw_error(out, in->status, json_is_integer(code) ? (long)json_integer_value(code) : 0,
             json_string_value(json_object_get(j, "message")));
out:
    json_decref(j);
    return SH_OK;
}

static int tw_status(const struct twilio *t, const char *s, const char *error_code)
{
    static const struct du_map map[] = {
        {"accepted", PROVIDER_DLR_NONE},
        {"scheduled", PROVIDER_DLR_NONE},
        {"queued", PROVIDER_DLR_NONE},
        {"sending", PROVIDER_DLR_SENT},
        {"sent", PROVIDER_DLR_SENT},
        {"delivered", PROVIDER_DLR_DELIVERED},
        {"read", PROVIDER_DLR_DELIVERED},
        {"undelivered", PROVIDER_DLR_UNDELIVERED},
        {"failed", PROVIDER_DLR_FAILED},
        {"canceled", PROVIDER_DLR_FAILED},
        {"partially_delivered", PROVIDER_DLR_UNDELIVERED},
        {NULL, 0},
    };
    int d = du_map_status(map, s);
    /* UNVERIFIED policy (§1.3): account/number-validity codes on `failed` mean rejected. */
    if (d == PROVIDER_DLR_FAILED && error_code != NULL && *error_code != '\0' &&
        strchr(error_code, ',') == NULL && strlen(error_code) < 16) {
        char key[20];
        snprintf(key, sizeof(key), ",%s,", error_code);
        if (strstr(t->reject_codes, key) != NULL)
            d = PROVIDER_DLR_REJECTED;
    }
    return d;
}

static int tw_build_poll(const void *cfg, const struct dialect_token *tok, const char *pmid,
                         struct arena *a, struct dialect_req *out)
{
    const struct twilio *t = cfg;
    struct dbuf b = {0};
    (void)tok;
    dbuf_adds(&b, "Messages/");
    dbuf_url_escape(&b, pmid);
    dbuf_adds(&b, ".json");
    du_req(out, "GET", tw_url(t, a, dbuf_finish(&b, a, NULL)));
    du_req_header(out, "Authorization", du_basic_auth(a, t->user, t->pass));
    du_req_header(out, "Accept", "application/json");
    return SH_OK;
}

/* RFC 2822 "Thu, 24 Aug 2023 05:01:45 +0000" as Twilio writes it (GMT). */
static int64_t rfc2822_ms(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (s == NULL)
        return 0;
    const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm);
    if (end == NULL)
        return 0;
    return (int64_t)timegm(&tm) * 1000;
}

static int tw_parse_poll(const void *cfg, const char *pmid, const struct dialect_resp *in,
                         struct arena *a, struct provider_report *out)
{
    const struct twilio *t = cfg;
    int st = SH_EINVAL;
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    out->pmid = arena_strdup(a, pmid);
    if (in->status == 401) {
        st = SH_EPERM;
        goto out;
    }
    if (in->status != 200 || j == NULL)
        goto out;
    json_t *ec = json_object_get(j, "error_code");
    const char *code = json_is_integer(ec) ? arena_printf(a, "%lld", json_integer_value(ec)) : NULL;
    int d = tw_status(t, json_string_value(json_object_get(j, "status")), code);
    out->status = d < 0 ? PROVIDER_DLR_NONE : (enum provider_dlr)d;
    out->error_code = code;
    out->at = rfc2822_ms(json_string_value(json_object_get(j, "date_updated")));
    out->price = du_json_text(a, json_object_get(j, "price"));
    st = SH_OK;
out:
    json_decref(j);
    return st;
}

static int tw_build_balance(const void *cfg, const struct dialect_token *tok, struct arena *a,
                            struct dialect_req *out)
{
    const struct twilio *t = cfg;
    (void)tok;
    du_req(out, "GET", tw_url(t, a, "Balance.json"));
    du_req_header(out, "Authorization", du_basic_auth(a, t->user, t->pass));
    du_req_header(out, "Accept", "application/json");
    return SH_OK;
}

static int tw_parse_balance(const void *cfg, const struct dialect_resp *in,
                            struct dialect_balance *out)
{
    (void)cfg;
    int st = SH_EINVAL;
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    if (in->status == 401)
        st = SH_EPERM;
    const char *v = json_string_value(json_object_get(j, "balance"));
    if (in->status != 200 || v == NULL)
        goto out;
    du_copy(out->amount, sizeof(out->amount), v);
    du_copy(out->currency, sizeof(out->currency),
            json_string_value(json_object_get(j, "currency")));
    st = SH_OK;
out:
    json_decref(j);
    return st;
}

static int cmp_pair(const void *x, const void *y)
{
    const char *const *p = x, *const *q = y;
    int c = strcmp(p[0], q[0]);
    return c != 0 ? c : strcmp(p[1], q[1]);
}

const char *twilio_signature(const char *token, const char *url, const struct du_params *p,
                             struct arena *a)
{
    const char **pairs = arena_alloc(a, sizeof(char *) * 2 * (p->n + 1));
    for (size_t i = 0; i < p->n; i++) {
        pairs[2 * i] = p->name[i];
        pairs[2 * i + 1] = p->value[i];
    }
    qsort(pairs, p->n, 2 * sizeof(char *), cmp_pair);
    struct dbuf b = {0};
    dbuf_adds(&b, url);
    for (size_t i = 0; i < p->n; i++) {
        if (i > 0 && strcmp(pairs[2 * i], pairs[2 * i - 2]) == 0 &&
            strcmp(pairs[2 * i + 1], pairs[2 * i - 1]) == 0)
            continue; /* twilio-node de-duplicates repeated values */
        dbuf_adds(&b, pairs[2 * i]);
        dbuf_adds(&b, pairs[2 * i + 1]);
    }
    unsigned char mac[64];
    size_t n = du_hmac(DU_SHA1, token, b.p != NULL ? b.p : "", b.len, mac);
    dbuf_free(&b);
    return du_b64(a, mac, n);
}

/* The URL without its port, or with the scheme's default port added (NULL when not
 * applicable); §1.8 step 4. */
static const char *tw_url_variant(const char *url, int add, struct arena *a)
{
    const char *hs = strstr(url, "://");
    if (hs == NULL)
        return NULL;
    hs += 3;
    size_t hl = strcspn(hs, "/?#");
    const char *colon = memchr(hs, ':', hl);
    const char *at = memchr(hs, '@', hl);
    if (at != NULL && colon != NULL && colon < at)
        colon = memchr(at, ':', hl - (size_t)(at - hs));
    if (add) {
        if (colon != NULL)
            return NULL;
        const char *port = strncmp(url, "https", 5) == 0 ? ":443" : ":80";
        return arena_printf(a, "%.*s%s%s", (int)(hs + hl - url), url, port, hs + hl);
    }
    if (colon == NULL)
        return NULL;
    return arena_printf(a, "%.*s%s", (int)(colon - url), url, hs + hl);
}

int twilio_signature_ok(const char *token, const char *url, const struct du_params *sig_params,
                        const char *header, struct arena *a)
{
    const char *variants[3] = {url, tw_url_variant(url, 0, a), tw_url_variant(url, 1, a)};
    int ok = 0;
    for (size_t i = 0; i < 3; i++)
        if (variants[i] != NULL &&
            du_secure_eq(twilio_signature(token, variants[i], sig_params, a), header, 0))
            ok = 1;
    return ok;
}

/* JSON-body webhooks: bodySHA256 in the query must equal sha256(body), §1.8 step 5. */
static int tw_body_hash_ok(const struct dialect_in *in, const char *want)
{
    unsigned char d[64];
    char hex[129];
    size_t n = du_digest(DU_SHA256, in->body != NULL ? in->body : "", in->body_len, d);
    du_hex(hex, d, n, 0);
    return du_secure_eq(hex, want, 1);
}

static int tw_parse_callback(const void *cfg, const struct dialect_in *in, int64_t now_ms,
                             struct arena *a, struct dialect_callback *out)
{
    const struct twilio *t = cfg;
    struct du_params *sigp = arena_zalloc(a, sizeof(*sigp));
    struct du_params *all = arena_zalloc(a, sizeof(*all));
    (void)now_ms;
    memset(out, 0, sizeof(*out));
    du_answer(out, 400, NULL, "");
    if (in->url == NULL || in->method == NULL || in->body_len > DIALECT_MAX_BODY ||
        du_params_callback(all, in, a) != SH_OK) {
        out->why = "malformed parameters";
        return SH_EINVAL;
    }
    const char *q = strchr(in->url, '?');
    const char *body_hash = NULL;
    if (q != NULL) {
        struct du_params *qp = arena_zalloc(a, sizeof(*qp));
        if (du_params_form(qp, q + 1, strlen(q + 1), a) == SH_OK)
            body_hash = du_param(qp, "bodySHA256");
    }
    if (!all->from_json && body_hash == NULL && in->body != NULL && strcmp(in->method, "POST") == 0)
        du_params_form(sigp, in->body, in->body_len, a);
    if (t->verify) {
        const char *sig = du_header(in->header, in->nheader, "X-Twilio-Signature");
        if (sig == NULL) {
            out->why = "no X-Twilio-Signature";
            return SH_EINVAL;
        }
        if (t->auth_token == NULL || !twilio_signature_ok(t->auth_token, in->url, sigp, sig, a) ||
            (body_hash != NULL && !tw_body_hash_ok(in, body_hash))) {
            du_answer(out, 403, NULL, "");
            out->why = "bad X-Twilio-Signature";
            return SH_EPERM;
        }
    }
    const char *status = du_param(all, "MessageStatus");
    const char *sid = du_param(all, "MessageSid");
    if (sid == NULL || *sid == '\0')
        sid = du_param(all, "SmsSid");
    if (sid == NULL || *sid == '\0') {
        out->why = "no MessageSid";
        return SH_EINVAL;
    }
    if (status != NULL && strcmp(status, "received") != 0 && strcmp(status, "receiving") != 0) {
        const char *code = du_param(all, "ErrorCode");
        int d = tw_status(t, status, code);
        du_answer(out, 204, NULL, "");
        if (d <= PROVIDER_DLR_NONE) {
            out->kind = DIALECT_CB_IGNORE;
            return SH_OK;
        }
        out->kind = DIALECT_CB_DLR;
        out->dlr.pmid = sid;
        out->dlr.status = (enum provider_dlr)d;
        out->dlr.error_code = code;
        out->dlr.at = du_time_yymmddhhmm(du_param(all, "RawDlrDoneDate"));
        return SH_OK;
    }
    const char *body = du_param(all, "Body");
    if (body == NULL) {
        out->why = "neither MessageStatus nor Body";
        return SH_EINVAL;
    }
    out->kind = DIALECT_CB_MO;
    out->mo.pmid = sid;
    out->mo.from = du_param(all, "From");
    out->mo.to = du_param(all, "To");
    out->mo.text = body;
    if (out->mo.from == NULL || out->mo.to == NULL) {
        out->why = "no From/To";
        return SH_EINVAL;
    }
    du_answer(out, 200, "text/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
    return SH_OK;
}

const struct dialect dialect_twilio = {
    .name = "twilio",
    .caps = DIALECT_CAP_POLL | DIALECT_CAP_BALANCE | DIALECT_CAP_DLR_PUSH | DIALECT_CAP_MO |
            DIALECT_CAP_SIGNED,
    .config_new = tw_new,
    .config_free = tw_free,
    .config_caps = tw_caps,
    .build_send = tw_build_send,
    .parse_send = tw_parse_send,
    .build_poll = tw_build_poll,
    .parse_poll = tw_parse_poll,
    .build_balance = tw_build_balance,
    .parse_balance = tw_parse_balance,
    .parse_callback = tw_parse_callback,
};
