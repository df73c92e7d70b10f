/*
 * generic.c — the `generic` HTTP dialect (Kannel's generic SMSC): a new provider from settings
 * alone. Templates with ${placeholders} build the request (values escaped for where they land:
 * URL, form, JSON or XML body; headers verbatim but CR/LF refused); the answer is classified by
 * status-code lists and body matchers (substring, or POSIX ERE after "re:"); the provider id
 * comes from a JSON pointer or a regex capture; callbacks use the shared field mapping.
 * Placeholders: to, to_digits, from, text, id, unicode (0/1), coding (gsm7/ucs2), segments,
 * attempt, pmid (poll), callback_url, and any top-level string setting (e.g. ${api_key});
 * config_new refuses a template naming anything else.
 */
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/http/dutil.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum gen_esc { GEN_RAW, GEN_URL, GEN_FORM, GEN_JSON, GEN_XML };

struct gen_match {
    const char *sub; /* substring, or NULL */
    regex_t re;
    int is_re;
};

struct generic {
    json_t *root;
    const char *url, *method, *body, *user, *pass, *ctype;
    enum gen_esc esc;
    const json_t *headers;
    const char *ok_status, *temp_status, *throttle_status;
    struct gen_match ok_body, perm_body, temp_body, id_re;
    const char *id_ptr;
    const char *poll_url, *poll_ptr, *balance_url, *balance_ptr, *balance_currency;
    int answer_status;
    const char *answer_body, *answer_ctype;
    struct du_fieldmap map;
};

static void match_free(struct gen_match *m)
{
    if (m->is_re)
        regfree(&m->re);
    m->is_re = 0;
}

static void gen_free(void *p)
{
    struct generic *g = p;
    if (g == NULL)
        return;
    match_free(&g->ok_body);
    match_free(&g->perm_body);
    match_free(&g->temp_body);
    match_free(&g->id_re);
    json_decref(g->root);
    free(g);
}

static int match_init(struct generic *g, const char *key, struct gen_match *m, int always_re)
{
    const char *v = du_cfg_str(g->root, key, NULL);
    if (v == NULL || *v == '\0')
        return SH_OK;
    if (always_re || strncmp(v, "re:", 3) == 0) {
        if (regcomp(&m->re, always_re ? v : v + 3, REG_EXTENDED) != 0)
            return SH_EINVAL;
        m->is_re = 1;
        return SH_OK;
    }
    m->sub = v;
    return SH_OK;
}

/* "200-299,302": 1 when status is listed. */
static int status_in(const char *list, int status)
{
    const char *p = list != NULL ? list : "";
    while (*p != '\0') {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        if (end == p)
            return 0;
        p = end;
        if (*p == '-') {
            hi = strtol(p + 1, &end, 10);
            p = end;
        }
        if (status >= lo && status <= hi)
            return 1;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

static int status_list_ok(const char *list)
{
    for (const char *p = list; *p != '\0'; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '-' || *p == ',' || *p == ' '))
            return 0;
    return 1;
}

/* 1 when every ${name} in tpl is a placeholder known where the template is used: the message
 * ones when msg, ${pmid} when pmid, and top-level string settings everywhere. */
static int tpl_ok(const struct generic *g, const char *tpl, int msg, int pmid)
{
    static const char *const names[] = {"to",      "to_digits", "from",     "text",    "id",
                                        "unicode", "coding",    "segments", "attempt", NULL};
    for (const char *p = tpl != NULL ? tpl : ""; (p = strstr(p, "${")) != NULL;) {
        const char *close = strchr(p + 2, '}');
        char key[64];
        size_t n = close != NULL ? (size_t)(close - p - 2) : sizeof(key);
        if (n >= sizeof(key))
            return 0;
        memcpy(key, p + 2, n);
        key[n] = '\0';
        int known = json_is_string(json_object_get(g->root, key)) ||
                    strcmp(key, "callback_url") == 0 || /* the engine adds it */
                    (pmid && strcmp(key, "pmid") == 0);
        for (size_t i = 0; msg && !known && names[i] != NULL; i++)
            known = strcmp(key, names[i]) == 0;
        if (!known)
            return 0;
        p = close + 1;
    }
    return 1;
}

/* Checks every template of g; SH_EINVAL with err naming the setting. */
static int tpls_check(const struct generic *g, char *err, size_t errcap)
{
    const char *bad = NULL;
    if (!tpl_ok(g, g->url, 1, 0))
        bad = "url";
    else if (!tpl_ok(g, g->body, 1, 0))
        bad = "body";
    else if (g->poll_url != NULL && !tpl_ok(g, g->poll_url, 0, 1))
        bad = "poll_url";
    else if (g->balance_url != NULL && !tpl_ok(g, g->balance_url, 0, 0))
        bad = "balance_url";
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)g->headers, k, v)
    {
        if (bad == NULL && (!json_is_string(v) || strpbrk(k, "\r\n:") != NULL ||
                            !tpl_ok(g, json_string_value(v), 1, 0)))
            bad = "headers";
    }
    if (bad == NULL)
        return SH_OK;
    snprintf(err, errcap, "%s: an unknown or unterminated ${placeholder}", bad);
    return SH_EINVAL;
}

static int gen_new(const char *json, char *err, size_t errcap, void **out)
{
    struct generic *g = xcalloc(1, sizeof(*g));
    int st = SH_EINVAL;
    g->root = du_cfg_parse(json, err, errcap);
    if (g->root == NULL)
        goto out;
    if (du_cfg_need(g->root, "url", err, errcap, &g->url) != SH_OK)
        goto out;
    g->method = du_cfg_str(g->root, "method", "POST");
    const char *ct = du_cfg_str(g->root, "content_type", "form");
    static const struct {
        const char *name, *ctype;
        enum gen_esc esc;
    } cts[] = {{"form", "application/x-www-form-urlencoded", GEN_FORM},
               {"json", "application/json", GEN_JSON},
               {"xml", "application/xml", GEN_XML},
               {"text", "text/plain; charset=utf-8", GEN_RAW}};
    g->ctype = NULL;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(ct, cts[i].name) == 0) {
            g->ctype = cts[i].ctype;
            g->esc = cts[i].esc;
        }
    if (g->ctype == NULL) {
        snprintf(err, errcap, "content_type: form, json, xml or text");
        goto out;
    }
    g->body = du_cfg_str(g->root, "body",
                         g->esc == GEN_FORM ? "to=${to}&from=${from}&text=${text}" : NULL);
    g->headers = json_object_get(g->root, "headers");
    if (g->headers != NULL && !json_is_object(g->headers)) {
        snprintf(err, errcap, "headers: an object of name -> template");
        goto out;
    }
    g->user = du_cfg_str(g->root, "username", NULL);
    g->pass = du_cfg_str(g->root, "password", NULL);
    g->ok_status = du_cfg_str(g->root, "success_status", "200-299");
    g->temp_status = du_cfg_str(g->root, "temporary_status", "500-599,408");
    g->throttle_status = du_cfg_str(g->root, "throttle_status", "429");
    if (!status_list_ok(g->ok_status) || !status_list_ok(g->temp_status) ||
        !status_list_ok(g->throttle_status)) {
        snprintf(err, errcap, "success_status/temporary_status/throttle_status: like 200-299,302");
        goto out;
    }
    if (match_init(g, "success_body", &g->ok_body, 0) != SH_OK ||
        match_init(g, "permanent_body", &g->perm_body, 0) != SH_OK ||
        match_init(g, "temporary_body", &g->temp_body, 0) != SH_OK ||
        match_init(g, "id_regex", &g->id_re, 1) != SH_OK) {
        snprintf(err, errcap, "success_body/permanent_body/temporary_body/id_regex: bad regex");
        goto out;
    }
    g->id_ptr = du_cfg_str(g->root, "id_json_pointer", NULL);
    g->poll_url = du_cfg_str(g->root, "poll_url", NULL);
    g->poll_ptr = du_cfg_str(g->root, "poll_status_pointer", "/status");
    g->balance_url = du_cfg_str(g->root, "balance_url", NULL);
    g->balance_ptr = du_cfg_str(g->root, "balance_pointer", "/balance");
    g->balance_currency = du_cfg_str(g->root, "balance_currency", "");
    g->answer_body = du_cfg_str(g->root, "callback_answer_body", "");
    g->answer_ctype = du_cfg_str(g->root, "callback_answer_content_type", NULL);
    if (du_cfg_int(g->root, "callback_answer_status", 200, 200, 299, &g->answer_status) != SH_OK) {
        snprintf(err, errcap, "callback_answer_status: 200..299");
        goto out;
    }
    if (du_fieldmap_read(g->root, NULL, &g->map, err, errcap) != SH_OK ||
        tpls_check(g, err, errcap) != SH_OK)
        goto out;
    *out = g;
    g = NULL;
    st = SH_OK;
out:
    gen_free(g);
    return st;
}

static unsigned gen_caps(const void *cfg)
{
    const struct generic *g = cfg;
    return (g->poll_url != NULL ? DIALECT_CAP_POLL : 0) |
           (g->balance_url != NULL ? DIALECT_CAP_BALANCE : 0) |
           (g->map.id != NULL && g->map.status != NULL ? DIALECT_CAP_DLR_PUSH : 0) |
           (g->map.mo_from != NULL && g->map.mo_text != NULL ? DIALECT_CAP_MO : 0);
}

/* The value of placeholder name (len n) for message m (may be NULL) and pmid, or NULL. */
static const char *placeholder(const struct generic *g, const struct provider_msg *m,
                               const char *pmid, const char *name, size_t n, struct arena *a)
{
    char key[64];
    if (n >= sizeof(key))
        return NULL;
    memcpy(key, name, n);
    key[n] = '\0';
    if (m != NULL) {
        if (strcmp(key, "to") == 0)
            return m->to;
        if (strcmp(key, "to_digits") == 0)
            return du_digits(a, m->to);
        if (strcmp(key, "from") == 0)
            return m->from != NULL && *m->from != '\0' ? m->from : du_cfg_str(g->root, "from", "");
        if (strcmp(key, "text") == 0)
            return m->body;
        if (strcmp(key, "id") == 0)
            return m->id;
        if (strcmp(key, "unicode") == 0)
            return m->encoding == 1 ? "1" : "0";
        if (strcmp(key, "coding") == 0)
            return m->encoding == 1 ? "ucs2" : "gsm7";
        if (strcmp(key, "segments") == 0)
            return arena_printf(a, "%d", m->segments);
        if (strcmp(key, "attempt") == 0)
            return arena_printf(a, "%d", m->attempt);
    }
    if (pmid != NULL && strcmp(key, "pmid") == 0)
        return pmid;
    return du_cfg_str(g->root, key, NULL);
}

/* Expands tpl; unknown placeholders are an error (SH_EINVAL), values escaped by esc. */
static int expand(const struct generic *g, const char *tpl, enum gen_esc esc,
                  const struct provider_msg *m, const char *pmid, struct arena *a, char **out,
                  size_t *n)
{
    struct dbuf b = {0};
    for (const char *p = tpl; *p != '\0';) {
        const char *open = strstr(p, "${");
        if (open == NULL) {
            dbuf_adds(&b, p);
            break;
        }
        dbuf_add(&b, p, (size_t)(open - p));
        const char *close = strchr(open + 2, '}');
        if (close == NULL)
            goto bad;
        const char *v = placeholder(g, m, pmid, open + 2, (size_t)(close - open - 2), a);
        if (v == NULL)
            goto bad;
        switch (esc) {
        case GEN_URL:
            dbuf_url_escape(&b, v);
            break;
        case GEN_FORM:
            dbuf_form_escape(&b, v);
            break;
        case GEN_JSON:
            dbuf_json_escape(&b, v);
            break;
        case GEN_XML:
            dbuf_xml_escape(&b, v);
            break;
        case GEN_RAW:
            if (strpbrk(v, "\r\n") != NULL)
                goto bad;
            dbuf_adds(&b, v);
            break;
        }
        p = close + 1;
    }
    *out = dbuf_finish(&b, a, n);
    return SH_OK;
bad:
    dbuf_free(&b);
    return SH_EINVAL;
}

static int gen_request(const struct generic *g, const char *method, const char *url_tpl,
                       const char *body_tpl, const struct provider_msg *m, const char *pmid,
                       struct arena *a, struct dialect_req *out)
{
    char *url, *body = NULL;
    size_t n = 0;
    if (expand(g, url_tpl, GEN_URL, m, pmid, a, &url, NULL) != SH_OK)
        return SH_EINVAL;
    if (body_tpl != NULL && expand(g, body_tpl, g->esc, m, pmid, a, &body, &n) != SH_OK)
        return SH_EINVAL;
    du_req(out, method, url);
    if (g->user != NULL)
        du_req_header(out, "Authorization", du_basic_auth(a, g->user, g->pass));
    const char *k;
    json_t *v;
    int has_ct = 0;
    json_object_foreach((json_t *)g->headers, k, v)
    {
        char *hv;
        if (!json_is_string(v) || strpbrk(k, "\r\n:") != NULL ||
            expand(g, json_string_value(v), GEN_RAW, m, pmid, a, &hv, NULL) != SH_OK)
            return SH_EINVAL;
        has_ct |= strcasecmp(k, "Content-Type") == 0;
        du_req_header(out, arena_strdup(a, k), hv);
    }
    if (body != NULL)
        du_req_body(out, has_ct ? NULL : g->ctype, body, n);
    return SH_OK;
}

static int gen_build_send(const void *cfg, const struct dialect_token *tok,
                          const struct provider_msg *m, int64_t now_ms, struct arena *a,
                          struct dialect_req *out)
{
    const struct generic *g = cfg;
    (void)tok;
    (void)now_ms;
    return gen_request(g, g->method, g->url, strcmp(g->method, "GET") == 0 ? NULL : g->body, m,
                       NULL, a, out);
}

static int matches(const struct gen_match *mt, const char *body)
{
    if (mt->is_re)
        return regexec(&mt->re, body, 0, NULL, 0) == 0;
    return mt->sub != NULL && strstr(body, mt->sub) != NULL;
}

static int has_matcher(const struct gen_match *mt)
{
    return mt->is_re || mt->sub != NULL;
}

/* The provider id from the answer by pointer or regex, in a; NULL when not found. */
static const char *gen_id(const struct generic *g, const struct dialect_resp *in, const char *body,
                          struct arena *a)
{
    if (g->id_ptr != NULL) {
        json_t *j = du_json(in->body, in->body_len);
        const char *id = du_json_text(a, du_json_pointer(j, g->id_ptr));
        json_decref(j);
        return id != NULL && *id != '\0' ? id : NULL;
    }
    if (g->id_re.is_re) {
        regmatch_t mt[2];
        if (regexec(&g->id_re.re, body, 2, mt, 0) != 0)
            return NULL;
        int k = mt[1].rm_so >= 0 ? 1 : 0;
        return arena_strndup(a, body + mt[k].rm_so, (size_t)(mt[k].rm_eo - mt[k].rm_so));
    }
    return NULL;
}

static int gen_parse_send(const void *cfg, const struct provider_msg *m,
                          const struct dialect_resp *in, struct provider_result *out)
{
    const struct generic *g = cfg;
    struct arena a;
    arena_init(&a);
    memset(out, 0, sizeof(*out));
    char *body = du_body(&a, in);
    char code[16];
    snprintf(code, sizeof(code), "http-%d", in->status);
    if (in->body_len > DIALECT_MAX_BODY) {
        du_result(out, PROVIDER_TEMP_FAIL, code, "answer too big");
    } else if (status_in(g->throttle_status, in->status)) {
        du_result(out, PROVIDER_THROTTLED, code, NULL);
    } else if (status_in(g->temp_status, in->status) || in->status <= 0) {
        du_result(out, PROVIDER_TEMP_FAIL, code, NULL);
    } else if (!status_in(g->ok_status, in->status)) {
        du_result(out, matches(&g->temp_body, body) ? PROVIDER_TEMP_FAIL : PROVIDER_REJECTED, code,
                  body);
    } else if (matches(&g->perm_body, body)) {
        du_result(out, PROVIDER_REJECTED, "permanent-match", body);
    } else if (matches(&g->temp_body, body)) {
        du_result(out, PROVIDER_TEMP_FAIL, "temporary-match", body);
    } else if (has_matcher(&g->ok_body) && !matches(&g->ok_body, body)) {
        du_result(out, PROVIDER_REJECTED, "no-success-match", body);
    } else {
        const char *id = gen_id(g, in, body, &a);
        if (id == NULL && (g->id_ptr != NULL || g->id_re.is_re)) {
            du_result(out, PROVIDER_TEMP_FAIL, "bad-answer", "no message id in the answer");
        } else {
            out->outcome = PROVIDER_ACCEPTED;
            du_copy(out->pmid, sizeof(out->pmid), id != NULL ? id : m->id);
        }
    }
    arena_release(&a);
    return SH_OK;
}

static int gen_build_poll(const void *cfg, const struct dialect_token *tok, const char *pmid,
                          struct arena *a, struct dialect_req *out)
{
    const struct generic *g = cfg;
    (void)tok;
    if (g->poll_url == NULL)
        return SH_ENOTFOUND;
    return gen_request(g, "GET", g->poll_url, NULL, NULL, pmid, a, out);
}

static int gen_parse_poll(const void *cfg, const char *pmid, const struct dialect_resp *in,
                          struct arena *a, struct provider_report *out)
{
    const struct generic *g = cfg;
    int st = SH_EINVAL;
    json_t *j = du_json(in->body, in->body_len);
    memset(out, 0, sizeof(*out));
    out->pmid = arena_strdup(a, pmid);
    const char *s = du_json_text(a, du_json_pointer(j, g->poll_ptr));
    const json_t *v =
        g->map.status_map != NULL && s != NULL ? json_object_get(g->map.status_map, s) : NULL;
    int d = v != NULL ? du_dlr_from_name(json_string_value(v)) : du_dlr_from_name(s);
    if (in->status < 200 || in->status >= 300 || d < 0)
        goto out;
    out->status = (enum provider_dlr)d;
    st = SH_OK;
out:
    json_decref(j);
    return st;
}

static int gen_build_balance(const void *cfg, const struct dialect_token *tok, struct arena *a,
                             struct dialect_req *out)
{
    const struct generic *g = cfg;
    (void)tok;
    if (g->balance_url == NULL)
        return SH_ENOTFOUND;
    return gen_request(g, "GET", g->balance_url, NULL, NULL, NULL, a, out);
}

static int gen_parse_balance(const void *cfg, const struct dialect_resp *in,
                             struct dialect_balance *out)
{
    const struct generic *g = cfg;
    int st = SH_EINVAL;
    struct arena a;
    arena_init(&a);
    json_t *j = du_json(in->body, in->body_len);
    json_t *v = du_json_pointer(j, g->balance_ptr);
    const char *t = json_is_number(v) || json_is_string(v) ? du_json_text(&a, v) : NULL;
    memset(out, 0, sizeof(*out));
    if (in->status < 200 || in->status >= 300 || t == NULL || *t == '\0')
        goto out;
    du_copy(out->amount, sizeof(out->amount), t);
    du_copy(out->currency, sizeof(out->currency), g->balance_currency);
    st = SH_OK;
out:
    json_decref(j);
    arena_release(&a);
    return st;
}

static int gen_parse_callback(const void *cfg, const struct dialect_in *in, int64_t now_ms,
                              struct arena *a, struct dialect_callback *out)
{
    const struct generic *g = cfg;
    (void)now_ms;
    int st = du_fieldmap_callback(&g->map, NULL, in, a, out);
    if (st == SH_OK)
        du_answer(out, g->answer_status, g->answer_ctype, g->answer_body);
    return st;
}

const struct dialect dialect_generic = {
    .name = "generic",
    .caps = DIALECT_CAP_POLL | DIALECT_CAP_BALANCE | DIALECT_CAP_DLR_PUSH | DIALECT_CAP_MO,
    .config_new = gen_new,
    .config_free = gen_free,
    .config_caps = gen_caps,
    .build_send = gen_build_send,
    .parse_send = gen_parse_send,
    .build_poll = gen_build_poll,
    .parse_poll = gen_parse_poll,
    .build_balance = gen_build_balance,
    .parse_balance = gen_parse_balance,
    .parse_callback = gen_parse_callback,
};
