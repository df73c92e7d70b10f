/*
 * vonage.c — Vonage (Nexmo) SMS API dialect (CONTRACTS.md §2).
 *
 * Send: form POST to /sms/json with api_key + api_secret, or api_key + timestamp + sig when
 * sign_requests is set. The answer is always HTTP 200: each messages[i].status says whether
 * that part went out (0) or why not (1 throttled, 5/10 transient, the rest permanent). A long
 * text comes back as several parts with their own message-id; we keep the first as pmid and
 * send client-ref = our message id, which Vonage echoes in every part's receipt (ref).
 * No status polling (the search API is deprecated). Balance: GET /account/get-balance.
 * Callbacks (DLR, inbound) arrive as GET query, form POST or JSON; when a signature secret is
 * configured they must carry `sig` (md5hash, or HMAC-md5/sha1/sha256/sha512, §2.6) and a fresh
 * `timestamp`.
 */
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/http/dutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct vonage {
    json_t *root;
    const char *api_key, *api_secret, *sig_secret, *from, *base_url, *callback_url, *currency;
    int sig_alg, sign_requests, verify, max_age_s, ttl_ms;
};

static void vn_free(void *p)
{
    struct vonage *v = p;
    if (v == NULL)
        return;
    json_decref(v->root);
    free(v);
}

static int vn_new(const char *json, char *err, size_t errcap, void **out)
{
    struct vonage *v = xcalloc(1, sizeof(*v));
    int st = SH_EINVAL;
    v->root = du_cfg_parse(json, err, errcap);
    if (v->root == NULL)
        goto out;
    if (du_cfg_need(v->root, "api_key", err, errcap, &v->api_key) != SH_OK)
        goto out;
    v->api_secret = du_cfg_str(v->root, "api_secret", NULL);
    v->sig_secret = du_cfg_str(v->root, "signature_secret", NULL);
    if (v->sig_secret != NULL && *v->sig_secret == '\0')
        v->sig_secret = NULL;
    v->sig_alg = vonage_sig_alg(du_cfg_str(v->root, "signature_method", "md5hash"));
    if (v->sig_alg < 0) {
        snprintf(err, errcap, "signature_method: one of md5hash, md5, sha1, sha256, sha512");
        goto out;
    }
    v->sign_requests = du_cfg_bool(v->root, "sign_requests", 0);
    if (v->sign_requests && v->sig_secret == NULL) {
        snprintf(err, errcap, "signature_secret is required");
        goto out;
    }
    if (!v->sign_requests && (v->api_secret == NULL || *v->api_secret == '\0')) {
        snprintf(err, errcap, "api_secret is required");
        goto out;
    }
    v->verify = du_cfg_bool(v->root, "verify_signature", v->sig_secret != NULL);
    if (v->verify && v->sig_secret == NULL) {
        snprintf(err, errcap, "signature_secret is required");
        goto out;
    }
    if (du_cfg_int(v->root, "signature_max_age_s", 300, 0, 86400, &v->max_age_s) != SH_OK ||
        du_cfg_int(v->root, "ttl_ms", 0, 0, 604800000, &v->ttl_ms) != SH_OK) {
        snprintf(err, errcap, "signature_max_age_s/ttl_ms: out of range");
        goto out;
    }
    v->from = du_cfg_str(v->root, "from", NULL);
    v->base_url = du_cfg_str(v->root, "base_url", "https://rest.nexmo.com");
    v->callback_url = du_cfg_str(v->root, "callback_url", NULL);
    v->currency = du_cfg_str(v->root, "balance_currency", "EUR"); /* UNVERIFIED */
    *out = v;
    v = NULL;
    st = SH_OK;
out:
    vn_free(v);
    return st;
}

static unsigned vn_caps(const void *cfg)
{
    const struct vonage *v = cfg;
    return DIALECT_CAP_BALANCE | DIALECT_CAP_DLR_PUSH | DIALECT_CAP_MO |
           (v->verify ? DIALECT_CAP_SIGNED : 0);
}

int vonage_sig_alg(const char *name)
{
    static const char *const names[] = {"md5hash", "md5", "sha1", "sha256", "sha512"};
    for (int i = 0; name != NULL && i < 5; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static int cmp_key(const void *x, const void *y)
{
    const char *const *p = x, *const *q = y;
    return strcmp(p[0], q[0]);
}

const char *vonage_signature(enum vonage_sig alg, const char *secret, const struct du_params *p,
                             struct arena *a)
{
    const char **kv = arena_alloc(a, sizeof(char *) * 2 * (p->n + 1));
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->name[i], "sig") == 0)
            continue;
        char *val = arena_strdup(a, p->value[i]);
        for (char *c = val; *c != '\0'; c++)
            if (*c == '&' || *c == '=')
                *c = '_';
        kv[2 * n] = p->name[i];
        kv[2 * n + 1] = val;
        n++;
    }
    qsort(kv, n, 2 * sizeof(char *), cmp_key);
    struct dbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && strcmp(kv[2 * i], kv[2 * i + 2]) == 0)
            continue; /* PHP arrays keep the last value of a repeated key */
        dbuf_printf(&b, "&%s=%s", kv[2 * i], kv[2 * i + 1]);
    }
    unsigned char d[64];
    char *hex = arena_alloc(a, 129);
    size_t dn;
    if (alg == VONAGE_SIG_MD5HASH) {
        dbuf_adds(&b, secret);
        dn = du_digest(DU_MD5, b.p != NULL ? b.p : "", b.len, d);
        du_hex(hex, d, dn, 0);
    } else {
        static const enum du_alg hm[] = {DU_MD5, DU_MD5, DU_SHA1, DU_SHA256, DU_SHA512};
        dn = du_hmac(hm[alg], secret, b.p != NULL ? b.p : "", b.len, d);
        du_hex(hex, d, dn, 1);
    }
    dbuf_free(&b);
    return hex;
}

static int vn_build_send(const void *cfg, const struct dialect_token *tok,
                         const struct provider_msg *m, int64_t now_ms, struct arena *a,
                         struct dialect_req *out)
{
    const struct vonage *v = cfg;
    struct du_params *p = arena_zalloc(a, sizeof(*p));
    (void)tok;
    const char *from = m->from != NULL && *m->from != '\0' ? m->from : v->from;
    char ref[41];
    du_copy(ref, sizeof(ref), m->id); /* client-ref is at most 40 characters */
#define ADD(k, val)                                                                                \
    do {                                                                                           \
        p->name[p->n] = (k);                                                                       \
        p->value[p->n] = (val);                                                                    \
        p->n++;                                                                                    \
    } while (0)
    ADD("api_key", v->api_key);
    if (!v->sign_requests)
        ADD("api_secret", v->api_secret);
    ADD("from", from != NULL ? from : "");
    ADD("to", du_digits(a, m->to));
    ADD("text", m->body != NULL ? m->body : "");
    if (m->encoding == 1)
        ADD("type", "unicode");
    if (v->callback_url != NULL && *v->callback_url != '\0')
        ADD("callback", v->callback_url);
    ADD("client-ref", arena_strdup(a, ref));
    if (v->ttl_ms > 0)
        ADD("ttl", arena_printf(a, "%d", v->ttl_ms));
    if (v->sign_requests) {
        ADD("timestamp", arena_printf(a, "%lld", (long long)(now_ms / 1000)));
        const char *sig = vonage_signature((enum vonage_sig)v->sig_alg, v->sig_secret, p, a);
        ADD("sig", sig);
    }
#undef ADD
    struct dbuf b = {0};
    for (size_t i = 0; i < p->n; i++)
        dbuf_form_field(&b, p->name[i], p->value[i]);
    size_t n;
    char *body = dbuf_finish(&b, a, &n);
    du_req(out, "POST", arena_printf(a, "%s/sms/json", v->base_url));
    du_req_header(out, "Accept", "application/json");
    du_req_body(out, "application/x-www-form-urlencoded", body, n);
    return SH_OK;
}

/* Adds decimal string s to the 1e-8 fixed-point sum; 0 when s is not a plain decimal. */
static int dec_add(int64_t *sum, const char *s)
{
    int64_t ip = 0, fp = 0, scale = 100000000;
    int neg = 0, any = 0;
    if (s == NULL)
        return 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    for (; *s >= '0' && *s <= '9' && ip < 1000000000LL; s++, any = 1)
        ip = ip * 10 + (*s - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, any = 1)
            if (scale > 1) {
                scale /= 10;
                fp += (*s - '0') * scale;
            }
    if (*s != '\0' || !any)
        return 0;
    *sum += (neg ? -1 : 1) * (ip * 100000000 + fp);
    return 1;
}

/* Submit status codes, §2.1 (our policy column). */
static void vn_status(struct provider_result *r, int code, const char *text)
{
    char c[16];
    snprintf(c, sizeof(c), "%d", code);
    switch (code) {
    case 1:
        du_result(r, PROVIDER_THROTTLED, c, text);
        break;
    case 5:
    case 10:
        du_result(r, PROVIDER_TEMP_FAIL, c, text);
        break;
    case 4:
    case 14:
        du_result(r, PROVIDER_REJECTED, c, text);
        r->alert = PROVIDER_ALERT_AUTH;
        break;
    case 8:
    case 11:
        du_result(r, PROVIDER_REJECTED, c, text);
        r->alert = PROVIDER_ALERT_ACCOUNT;
        break;
    case 9:
        du_result(r, PROVIDER_REJECTED, c, text);
        r->alert = PROVIDER_ALERT_CREDIT;
        break;
    case 2:
    case 3:
    case 23:
    case 32:
        du_result(r, PROVIDER_MALFORMED, c, text);
        break;
    default:
        du_result(r, PROVIDER_REJECTED, c, text);
    }
}

static int vn_parse_send(const void *cfg, const struct provider_msg *m,
                         const struct dialect_resp *in, struct provider_result *out)
{
    (void)cfg;
    (void)m;
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    if (du_result_http(out, in->status))
        goto out;
    json_t *msgs = json_object_get(j, "messages");
    size_t n = json_array_size(msgs);
    if (n == 0) {
        du_result(out, PROVIDER_TEMP_FAIL, "bad-answer", "no messages[] in the answer");
        goto out;
    }
    int64_t price = 0;
    int priced = 1, accepted = 0, bad = -1;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(msgs, i);
        const char *s = json_string_value(json_object_get(e, "status"));
        const char *id = json_string_value(json_object_get(e, "message-id"));
        if (s != NULL && strcmp(s, "0") == 0 && id != NULL && *id != '\0') {
            if (accepted++ == 0)
                du_copy(out->pmid, sizeof(out->pmid), id);
            priced &= dec_add(&price, json_string_value(json_object_get(e, "message-price")));
        } else if (bad < 0) {
            bad = (int)i;
        }
    }
    if (accepted > 0) {
        out->outcome = PROVIDER_ACCEPTED;
        const char *cnt = json_string_value(json_object_get(j, "message-count"));
        out->parts = cnt != NULL ? atoi(cnt) : (int)n;
        if (priced)
            snprintf(out->price, sizeof(out->price), "%s%lld.%08lld", price < 0 ? "-" : "",
                     (long long)(llabs(price) / 100000000), (long long)(llabs(price) % 100000000));
        /* a part refused after others went out: keep the message, say which part failed */
        if (bad >= 0) {
            json_t *e = json_array_get(msgs, (size_t)bad);
            du_copy(out->error_code, sizeof(out->error_code),
                    json_string_value(json_object_get(e, "status")));
            du_copy(out->error_text, sizeof(out->error_text),
                    json_string_value(json_object_get(e, "error-text")));
        }
        goto out;
    }
    json_t *e = json_array_get(msgs, (size_t)bad);
    const char *s = json_string_value(json_object_get(e, "status"));
    vn_status(out, s != NULL ? atoi(s) : 5, json_string_value(json_object_get(e, "error-text")));
out:
    json_decref(j);
    return SH_OK;
}

static int vn_build_balance(const void *cfg, const struct dialect_token *tok, struct arena *a,
                            struct dialect_req *out)
{
    const struct vonage *v = cfg;
    struct dbuf b = {0};
    (void)tok;
    dbuf_printf(&b, "%s/account/get-balance?", v->base_url);
    struct dbuf q = {0};
    dbuf_form_field(&q, "api_key", v->api_key);
    dbuf_form_field(&q, "api_secret", v->api_secret != NULL ? v->api_secret : "");
    dbuf_add(&b, q.p, q.len);
    dbuf_free(&q);
    du_req(out, "GET", dbuf_finish(&b, a, NULL));
    du_req_header(out, "Accept", "application/json");
    return SH_OK;
}

static int vn_parse_balance(const void *cfg, const struct dialect_resp *in,
                            struct dialect_balance *out)
{
    const struct vonage *v = cfg;
    int st = in->status == 401 ? SH_EPERM : SH_EINVAL;
    json_t *j = du_json(in->body, in->body_len);
    json_t *val = json_object_get(j, "value");
    memset(out, 0, sizeof(*out));
    if (in->status != 200 || !json_is_number(val))
        goto out;
    snprintf(out->amount, sizeof(out->amount), "%.8f", json_number_value(val));
    du_copy(out->currency, sizeof(out->currency), v->currency);
    st = SH_OK;
out:
    json_decref(j);
    return st;
}

static int vn_dlr_status(const char *s)
{
    static const struct du_map map[] = {
        {"accepted", PROVIDER_DLR_SENT},       {"buffered", PROVIDER_DLR_SENT},
        {"delivered", PROVIDER_DLR_DELIVERED}, {"expired", PROVIDER_DLR_EXPIRED},
        {"failed", PROVIDER_DLR_FAILED},       {"rejected", PROVIDER_DLR_REJECTED},
        {"unknown", PROVIDER_DLR_UNDELIVERED}, {NULL, 0},
    };
    return du_map_status(map, s);
}

static int vn_verify(const struct vonage *v, const struct du_params *p, int64_t now_ms,
                     struct arena *a, struct dialect_callback *out)
{
    const char *sig = du_param(p, "sig");
    const char *ts = du_param(p, "timestamp");
    if (sig == NULL || ts == NULL) {
        out->why = "no sig/timestamp";
        return SH_EPERM;
    }
    const char *want = vonage_signature((enum vonage_sig)v->sig_alg, v->sig_secret, p, a);
    if (!du_secure_eq(want, sig, 1)) {
        out->why = "bad sig";
        return SH_EPERM;
    }
    long long t = atoll(ts);
    if (v->max_age_s > 0 &&
        (t * 1000 < now_ms - v->max_age_s * 1000LL || t * 1000 > now_ms + v->max_age_s * 1000LL)) {
        out->why = "stale timestamp";
        return SH_EPERM;
    }
    return SH_OK;
}

static int vn_parse_callback(const void *cfg, const struct dialect_in *in, int64_t now_ms,
                             struct arena *a, struct dialect_callback *out)
{
    const struct vonage *v = cfg;
    struct du_params *p = du_callback_begin(in, a, out);
    if (p == NULL)
        return SH_EINVAL;
    if (v->verify && vn_verify(v, p, now_ms, a, out) != SH_OK) {
        du_answer(out, 403, NULL, "");
        return SH_EPERM;
    }
    const char *id = du_param(p, "messageId");
    const char *status = du_param(p, "status");
    const char *text = du_param(p, "text");
    if (id == NULL || *id == '\0' || du_param(p, "msisdn") == NULL) {
        out->why = "no messageId/msisdn";
        return SH_EINVAL;
    }
    du_answer(out, 200, NULL, "");
    if (status != NULL && text == NULL) {
        int d = vn_dlr_status(status);
        if (d < 0) {
            du_answer(out, 400, NULL, "");
            out->why = "unknown status";
            return SH_EINVAL;
        }
        const char *err = du_param(p, "err-code");
        out->kind = DIALECT_CB_DLR;
        out->dlr.pmid = id;
        out->dlr.status = (enum provider_dlr)d;
        out->dlr.error_code = err != NULL && strcmp(err, "0") != 0 ? err : NULL;
        out->dlr.at = du_time_yymmddhhmm(du_param(p, "scts"));
        if (out->dlr.at == 0)
            out->dlr.at = du_time_ymdhms(du_param(p, "message-timestamp"));
        out->dlr.ref = du_param(p, "client-ref");
        out->dlr.price = du_param(p, "price");
        return SH_OK;
    }
    const char *type = du_param(p, "type");
    if (text == NULL || (type != NULL && strcmp(type, "binary") == 0)) {
        out->kind = DIALECT_CB_IGNORE; /* binary MO: not supported, acknowledged */
        return SH_OK;
    }
    out->kind = DIALECT_CB_MO;
    out->mo.pmid = id;
    out->mo.from = du_param(p, "msisdn");
    out->mo.to = du_param(p, "to") != NULL ? du_param(p, "to") : "";
    out->mo.text = text;
    out->mo.at = du_time_ymdhms(du_param(p, "message-timestamp"));
    const char *concat = du_param(p, "concat");
    if (concat != NULL && strcmp(concat, "true") == 0) {
        out->mo.concat_ref = atoi(du_param(p, "concat-ref") ? du_param(p, "concat-ref") : "0");
        out->mo.concat_total =
            atoi(du_param(p, "concat-total") ? du_param(p, "concat-total") : "0");
        out->mo.concat_part = atoi(du_param(p, "concat-part") ? du_param(p, "concat-part") : "0");
    }
    return SH_OK;
}

const struct dialect dialect_vonage = {
    .name = "vonage",
    .caps = DIALECT_CAP_BALANCE | DIALECT_CAP_DLR_PUSH | DIALECT_CAP_MO | DIALECT_CAP_SIGNED,
    .config_new = vn_new,
    .config_free = vn_free,
    .config_caps = vn_caps,
    .build_send = vn_build_send,
    .parse_send = vn_parse_send,
    .build_balance = vn_build_balance,
    .parse_balance = vn_parse_balance,
    .parse_callback = vn_parse_callback,
};
