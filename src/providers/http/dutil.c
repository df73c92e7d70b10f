/* dutil.c — see dutil.h. */
#include "providers/http/dutil.h"
#include "lib/err.h"
#include "lib/form.h"
#include "lib/xalloc.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static void dbuf_grow(struct dbuf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

void dbuf_add(struct dbuf *b, const char *s, size_t n)
{
    dbuf_grow(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void dbuf_adds(struct dbuf *b, const char *s)
{
    if (s != NULL)
        dbuf_add(b, s, strlen(s));
}

void dbuf_printf(struct dbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    dbuf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void escape(struct dbuf *b, const char *s, int plus)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p != '\0'; p++) {
        char c = (char)*p;
        if (isalnum(*p) || c == '-' || c == '_' || c == '.' || c == '~') {
            dbuf_add(b, &c, 1);
        } else if (c == ' ' && plus) {
            dbuf_add(b, "+", 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            dbuf_add(b, e, 3);
        }
    }
}

void dbuf_form_escape(struct dbuf *b, const char *s)
{
    escape(b, s, 1);
}

void dbuf_url_escape(struct dbuf *b, const char *s)
{
    escape(b, s, 0);
}

void dbuf_json_escape(struct dbuf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p != '\0'; p++) {
        switch (*p) {
        case '"':
            dbuf_adds(b, "\\\"");
            break;
        case '\\':
            dbuf_adds(b, "\\\\");
            break;
        case '\n':
            dbuf_adds(b, "\\n");
            break;
        case '\r':
            dbuf_adds(b, "\\r");
            break;
        case '\t':
            dbuf_adds(b, "\\t");
            break;
        default:
            if (*p < 0x20)
                dbuf_printf(b, "\\u%04x", *p);
            else
                dbuf_add(b, (const char *)p, 1);
        }
    }
}

void dbuf_xml_escape(struct dbuf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p != '\0'; p++) {
        switch (*p) {
        case '&':
            dbuf_adds(b, "&amp;");
            break;
        case '<':
            dbuf_adds(b, "&lt;");
            break;
        case '>':
            dbuf_adds(b, "&gt;");
            break;
        case '"':
            dbuf_adds(b, "&quot;");
            break;
        case '\'':
            dbuf_adds(b, "&apos;");
            break;
        default:
            dbuf_add(b, p, 1);
        }
    }
}

void dbuf_form_field(struct dbuf *b, const char *name, const char *value)
{
    if (b->len > 0)
        dbuf_add(b, "&", 1);
    dbuf_form_escape(b, name);
    dbuf_add(b, "=", 1);
    dbuf_form_escape(b, value);
}

char *dbuf_finish(struct dbuf *b, struct arena *a, size_t *n)
{
    char *s = arena_strndup(a, b->p ? b->p : "", b->len);
    if (n != NULL)
        *n = b->len;
    dbuf_free(b);
    return s;
}

void dbuf_free(struct dbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void du_req(struct dialect_req *r, const char *method, const char *url)
{
    memset(r, 0, sizeof(*r));
    r->method = method;
    r->url = url;
}

void du_req_header(struct dialect_req *r, const char *name, const char *value)
{
    if (r->nheader < DIALECT_MAX_HEADERS) {
        r->header[r->nheader].name = name;
        r->header[r->nheader].value = value;
        r->nheader++;
    }
}

void du_req_body(struct dialect_req *r, const char *ctype, const char *body, size_t n)
{
    if (ctype != NULL)
        du_req_header(r, "Content-Type", ctype);
    r->body = body;
    r->body_len = n;
}

char *du_basic_auth(struct arena *a, const char *user, const char *pass)
{
    char *raw = arena_printf(a, "%s:%s", user ? user : "", pass ? pass : "");
    return arena_printf(a, "Basic %s", du_b64(a, (const unsigned char *)raw, strlen(raw)));
}

char *du_bearer(struct arena *a, const char *tok)
{
    return arena_printf(a, "Bearer %s", tok ? tok : "");
}

char *du_multipart(struct arena *a, const char *const *name, const char *const *value, size_t n,
                   const char **ctype, size_t *len)
{
    struct dbuf bnd = {0};
    dbuf_adds(&bnd, "smshub-boundary-7MA4YWxkTrZu0gW");
    for (int clash = 1; clash;) {
        clash = 0;
        for (size_t i = 0; i < n && !clash; i++)
            clash = value[i] != NULL && strstr(value[i], bnd.p) != NULL;
        if (clash)
            dbuf_adds(&bnd, "x");
    }
    struct dbuf b = {0};
    for (size_t i = 0; i < n; i++)
        dbuf_printf(&b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n", bnd.p,
                    name[i], value[i] != NULL ? value[i] : "");
    dbuf_printf(&b, "--%s--\r\n", bnd.p);
    *ctype = arena_printf(a, "multipart/form-data; boundary=%s", bnd.p);
    dbuf_free(&bnd);
    return dbuf_finish(&b, a, len);
}

const char *du_header(const struct dialect_kv *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (h[i].name != NULL && strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

static int params_push(struct du_params *p, const char *name, const char *value)
{
    if (p->n >= DIALECT_MAX_PARAMS)
        return SH_ETOOBIG;
    p->name[p->n] = name;
    p->value[p->n] = value;
    p->n++;
    return SH_OK;
}

int du_params_form(struct du_params *p, const char *s, size_t n, struct arena *a)
{
    size_t pos = 0;
    while (pos < n) {
        const char *seg = s + pos;
        const char *amp = memchr(seg, '&', n - pos);
        size_t seglen = amp != NULL ? (size_t)(amp - seg) : n - pos;
        pos += seglen + (amp != NULL);
        if (seglen == 0)
            continue;
        const char *eq = memchr(seg, '=', seglen);
        size_t nlen = eq != NULL ? (size_t)(eq - seg) : seglen;
        char *name = form_decode(seg, nlen, a);
        char *value = eq != NULL ? form_decode(eq + 1, seglen - nlen - 1, a) : arena_strdup(a, "");
        if (name == NULL || value == NULL)
            return SH_EINVAL;
        int st = params_push(p, name, value);
        if (st != SH_OK)
            return st;
    }
    return SH_OK;
}

int du_params_json(struct du_params *p, const char *s, size_t n, struct arena *a)
{
    json_t *root = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL);
    int st = SH_EINVAL;
    if (root == NULL || !json_is_object(root))
        goto out;
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        const char *t = du_json_text(a, v);
        if (t == NULL)
            continue;
        st = params_push(p, arena_strdup(a, k), t);
        if (st != SH_OK)
            goto out;
    }
    p->from_json = 1;
    st = SH_OK;
out:
    json_decref(root);
    return st;
}

int du_params_callback(struct du_params *p, const struct dialect_in *in, struct arena *a)
{
    memset(p, 0, sizeof(*p));
    if (in->body_len > DIALECT_MAX_BODY)
        return SH_ETOOBIG;
    const char *q = in->url != NULL ? strchr(in->url, '?') : NULL;
    if (q != NULL) {
        const char *end = strchr(q, '#');
        size_t qn = end != NULL ? (size_t)(end - q - 1) : strlen(q + 1);
        int st = du_params_form(p, q + 1, qn, a);
        if (st != SH_OK)
            return st;
    }
    if (in->body == NULL || in->body_len == 0)
        return SH_OK;
    const char *ct = du_header(in->header, in->nheader, "Content-Type");
    size_t i = 0;
    while (i < in->body_len && isspace((unsigned char)in->body[i]))
        i++;
    int json = (ct != NULL && strstr(ct, "json") != NULL) ||
               (ct == NULL && i < in->body_len && in->body[i] == '{');
    if (json)
        return du_params_json(p, in->body, in->body_len, a);
    if (ct != NULL && strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 &&
        strncasecmp(ct, "text/plain", 10) != 0)
        return SH_EINVAL;
    return du_params_form(p, in->body, in->body_len, a);
}

const char *du_param(const struct du_params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->name[i], name) == 0)
            return p->value[i];
    return NULL;
}

static const EVP_MD *md_of(enum du_alg alg)
{
    switch (alg) {
    case DU_MD5:
        return EVP_md5();
    case DU_SHA1:
        return EVP_sha1();
    case DU_SHA256:
        return EVP_sha256();
    case DU_SHA512:
        return EVP_sha512();
    }
    return EVP_sha256();
}

size_t du_hmac(enum du_alg alg, const char *key, const void *msg, size_t n, unsigned char *out)
{
    unsigned int len = 0;
    if (HMAC(md_of(alg), key, (int)strlen(key), msg, n, out, &len) == NULL)
        return 0;
    return len;
}

size_t du_digest(enum du_alg alg, const void *msg, size_t n, unsigned char *out)
{
    unsigned int len = 0;
    if (EVP_Digest(msg, n, out, &len, md_of(alg), NULL) != 1)
        return 0;
    return len;
}

void du_hex(char *out, const unsigned char *bin, size_t n, int upper)
{
    const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[bin[i] >> 4];
        out[2 * i + 1] = d[bin[i] & 15];
    }
    out[2 * n] = '\0';
}

char *du_b64(struct arena *a, const unsigned char *bin, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = arena_alloc(a, cap);
    sodium_bin2base64(out, cap, bin, n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

int du_secure_eq(const char *x, const char *y, int nocase)
{
    if (x == NULL || y == NULL)
        return 0;
    size_t n = strlen(x);
    if (n != strlen(y))
        return 0;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)x[i], b = (unsigned char)y[i];
        if (nocase) {
            a = (unsigned char)tolower(a);
            b = (unsigned char)tolower(b);
        }
        diff |= (unsigned char)(a ^ b);
    }
    return diff == 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int64_t utc_ms(int y, int mo, int d, int h, int mi, int s)
{
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970)
        return 0;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (int64_t)timegm(&tm) * 1000;
}

int64_t du_time_ymdhms(const char *s)
{
    int y, mo, d, h, mi, sec = 0;
    if (s == NULL || strlen(s) < 16)
        return 0;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != ' ' && s[10] != 'T') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi))
        return 0;
    const char *p = s + 16;
    if (*p == ':') {
        if (digits(p + 1, 2, &sec))
            return 0;
        p += 3;
    }
    int64_t ms = utc_ms(y, mo, d, h, mi, sec);
    if (ms == 0)
        return 0;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if ((*p == '+' || *p == '-') && strlen(p) >= 3) {
        int oh, om = 0;
        if (digits(p + 1, 2, &oh))
            return 0;
        const char *q = p + 3;
        if (*q == ':')
            q++;
        if (isdigit((unsigned char)*q) && digits(q, 2, &om))
            return 0;
        int64_t off = ((int64_t)oh * 60 + om) * 60000;
        ms += *p == '+' ? -off : off;
    }
    return ms;
}

int64_t du_time_http(const char *s)
{
    static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int d, y, h, mi, sec;
    /* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate) */
    if (s == NULL || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || digits(s + 5, 2, &d) ||
        s[7] != ' ' || s[11] != ' ' || digits(s + 12, 4, &y) || s[16] != ' ' ||
        digits(s + 17, 2, &h) || s[19] != ':' || digits(s + 20, 2, &mi) || s[22] != ':' ||
        digits(s + 23, 2, &sec) || strcmp(s + 25, " GMT") != 0)
        return 0;
    for (int m = 0; m < 12; m++) {
        if (memcmp(s + 8, mons + 3 * m, 3) == 0)
            return utc_ms(y, m + 1, d, h, mi, sec);
    }
    return 0;
}

int64_t du_time_yymmddhhmm(const char *s)
{
    int y, mo, d, h, mi, sec = 0;
    if (s == NULL)
        return 0;
    size_t n = strlen(s);
    if ((n != 10 && n != 12) || digits(s, 2, &y) || digits(s + 2, 2, &mo) || digits(s + 4, 2, &d) ||
        digits(s + 6, 2, &h) || digits(s + 8, 2, &mi))
        return 0;
    if (n == 12 && digits(s + 10, 2, &sec))
        return 0;
    return utc_ms(2000 + y, mo, d, h, mi, sec);
}

json_t *du_json(const char *s, size_t n)
{
    if (s == NULL || n == 0 || n > DIALECT_MAX_BODY)
        return NULL;
    json_t *j = json_loadb(s, n, 0, NULL);
    if (j != NULL && !json_is_object(j) && !json_is_array(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

const char *du_json_text(struct arena *a, const json_t *v)
{
    if (v == NULL)
        return NULL;
    if (json_is_string(v))
        return arena_strndup(a, json_string_value(v), strlen(json_string_value(v)));
    if (json_is_integer(v))
        return arena_printf(a, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return arena_printf(a, "%.10g", json_real_value(v));
    if (json_is_true(v))
        return "true";
    if (json_is_false(v))
        return "false";
    if (json_is_null(v))
        return "";
    return NULL;
}

json_t *du_json_pointer(json_t *root, const char *ptr)
{
    if (root == NULL || ptr == NULL)
        return NULL;
    if (*ptr == '\0')
        return root;
    if (*ptr != '/')
        return NULL;
    json_t *cur = root;
    const char *p = ptr + 1;
    for (;;) {
        char tok[128];
        size_t o = 0;
        while (*p != '\0' && *p != '/') {
            char c = *p++;
            if (c == '~' && (*p == '0' || *p == '1'))
                c = *p++ == '0' ? '~' : '/';
            if (o + 1 >= sizeof(tok))
                return NULL;
            tok[o++] = c;
        }
        tok[o] = '\0';
        if (json_is_object(cur)) {
            cur = json_object_get(cur, tok);
        } else if (json_is_array(cur)) {
            char *end;
            if (o == 0 || !isdigit((unsigned char)tok[0]))
                return NULL;
            unsigned long idx = strtoul(tok, &end, 10);
            cur = *end == '\0' ? json_array_get(cur, idx) : NULL;
        } else {
            return NULL;
        }
        if (cur == NULL || *p == '\0')
            return cur;
        p++;
    }
}

char *du_json_dump(struct arena *a, const json_t *j, size_t *n)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s == NULL)
        abort();
    size_t len = strlen(s);
    char *out = arena_strndup(a, s, len);
    free(s);
    if (n != NULL)
        *n = len;
    return out;
}

void du_copy(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    snprintf(dst, cap, "%s", src != NULL ? src : "");
}

void du_result(struct provider_result *r, enum provider_outcome o, const char *code,
               const char *text)
{
    r->outcome = o;
    if (code != NULL)
        du_copy(r->error_code, sizeof(r->error_code), code);
    if (text != NULL)
        du_copy(r->error_text, sizeof(r->error_text), text);
}

int du_result_http(struct provider_result *r, int status)
{
    char code[16];
    snprintf(code, sizeof(code), "http-%d", status);
    if (status >= 200 && status < 300)
        return 0;
    if (status == 429) {
        du_result(r, PROVIDER_THROTTLED, code, "throttled");
    } else if (status >= 500 || status == 408 || status <= 0) {
        du_result(r, PROVIDER_TEMP_FAIL, code, "server error");
    } else if (status == 401 || status == 403) {
        du_result(r, PROVIDER_REJECTED, code, "credentials refused");
        r->alert = PROVIDER_ALERT_AUTH;
    } else {
        du_result(r, PROVIDER_MALFORMED, code, "request refused");
    }
    return 1;
}

const char *du_digits(struct arena *a, const char *e164)
{
    const char *s = e164 != NULL ? e164 : "";
    if (*s == '+')
        s++;
    else if (s[0] == '0' && s[1] == '0')
        s += 2;
    return arena_strdup(a, s);
}

char *du_body(struct arena *a, const struct dialect_resp *in)
{
    return arena_strndup(a, in->body != NULL ? in->body : "", in->body != NULL ? in->body_len : 0);
}

void du_answer(struct dialect_callback *cb, int status, const char *ctype, const char *body)
{
    cb->answer_status = status;
    cb->answer_ctype = ctype;
    cb->answer_body = body != NULL ? body : "";
}

const char *du_cfg_str(const json_t *root, const char *key, const char *def)
{
    const json_t *v = json_object_get(root, key);
    if (json_is_string(v))
        return json_string_value(v);
    return def;
}

int du_cfg_int(const json_t *root, const char *key, int def, int lo, int hi, int *out)
{
    const json_t *v = json_object_get(root, key);
    if (v == NULL || json_is_null(v)) {
        *out = def;
        return SH_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return SH_EINVAL;
    *out = (int)json_integer_value(v);
    return SH_OK;
}

int du_cfg_bool(const json_t *root, const char *key, int def)
{
    const json_t *v = json_object_get(root, key);
    if (json_is_boolean(v))
        return json_is_true(v);
    return def;
}

int du_cfg_need(const json_t *root, const char *key, char *err, size_t errcap, const char **out)
{
    const char *v = du_cfg_str(root, key, NULL);
    if (v == NULL || *v == '\0') {
        snprintf(err, errcap, "%s is required", key);
        return SH_EINVAL;
    }
    *out = v;
    return SH_OK;
}

json_t *du_cfg_parse(const char *json, char *err, size_t errcap)
{
    json_t *root = json != NULL ? json_loads(json, 0, NULL) : json_object();
    if (root == NULL || !json_is_object(root)) {
        json_decref(root);
        snprintf(err, errcap, "settings: not a JSON object");
        return NULL;
    }
    return root;
}

int du_map_status(const struct du_map *m, const char *word)
{
    if (word == NULL)
        return -1;
    for (; m->word != NULL; m++)
        if (strcasecmp(m->word, word) == 0)
            return (int)m->dlr;
    return -1;
}

int du_dlr_from_name(const char *name)
{
    static const struct du_map map[] = {
        {"queued", PROVIDER_DLR_NONE},         {"sent", PROVIDER_DLR_SENT},
        {"delivered", PROVIDER_DLR_DELIVERED}, {"undelivered", PROVIDER_DLR_UNDELIVERED},
        {"failed", PROVIDER_DLR_FAILED},       {"expired", PROVIDER_DLR_EXPIRED},
        {"rejected", PROVIDER_DLR_REJECTED},   {NULL, 0},
    };
    return du_map_status(map, name);
}

int du_fieldmap_read(const json_t *root, const struct du_fieldmap *def, struct du_fieldmap *m,
                     char *err, size_t errcap)
{
    static const struct du_fieldmap none = {0};
    if (def == NULL)
        def = &none;
    m->id = du_cfg_str(root, "dlr_id_field", def->id);
    m->status = du_cfg_str(root, "dlr_status_field", def->status);
    m->error = du_cfg_str(root, "dlr_error_field", def->error);
    m->ref = du_cfg_str(root, "dlr_ref_field", def->ref);
    m->time = du_cfg_str(root, "dlr_time_field", def->time);
    m->mo_from = du_cfg_str(root, "mo_from_field", def->mo_from);
    m->mo_to = du_cfg_str(root, "mo_to_field", def->mo_to);
    m->mo_text = du_cfg_str(root, "mo_text_field", def->mo_text);
    m->mo_id = du_cfg_str(root, "mo_id_field", def->mo_id);
    m->status_map = json_object_get(root, "dlr_status_map");
    if (m->status_map == NULL)
        m->status_map = def->status_map;
    if (m->status_map != NULL) {
        const char *k;
        json_t *v;
        if (!json_is_object(m->status_map))
            goto bad;
        json_object_foreach((json_t *)m->status_map, k, v)
        {
            if (du_dlr_from_name(json_string_value(v)) < 0)
                goto bad;
        }
    }
    return SH_OK;
bad:
    snprintf(err, errcap,
             "dlr_status_map: an object of vendor status -> one of queued, sent, "
             "delivered, undelivered, failed, expired, rejected");
    return SH_EINVAL;
}

static const char *fm_get(const struct du_params *p, const char *field)
{
    return field != NULL && *field != '\0' ? du_param(p, field) : NULL;
}

int du_fieldmap_apply(const struct du_fieldmap *m, const struct du_map *builtin,
                      const struct du_params *p, struct dialect_callback *out)
{
    const char *id = fm_get(p, m->id), *status = fm_get(p, m->status);
    if (id != NULL && *id != '\0' && status != NULL) {
        int d = -1;
        const json_t *v = m->status_map != NULL ? json_object_get(m->status_map, status) : NULL;
        if (v != NULL)
            d = du_dlr_from_name(json_string_value(v));
        if (d < 0 && builtin != NULL)
            d = du_map_status(builtin, status);
        if (d < 0 && builtin == NULL) /* no vendor table: the normalized names themselves */
            d = du_dlr_from_name(status);
        if (d < 0) {
            out->why = "unknown status";
            return SH_EINVAL;
        }
        if (d == PROVIDER_DLR_NONE) {
            out->kind = DIALECT_CB_IGNORE;
            return SH_OK;
        }
        out->kind = DIALECT_CB_DLR;
        out->dlr.pmid = id;
        out->dlr.status = (enum provider_dlr)d;
        out->dlr.error_code = fm_get(p, m->error);
        out->dlr.ref = fm_get(p, m->ref);
        const char *t = fm_get(p, m->time);
        out->dlr.at = du_time_ymdhms(t);
        if (out->dlr.at == 0)
            out->dlr.at = du_time_yymmddhhmm(t);
        return SH_OK;
    }
    const char *from = fm_get(p, m->mo_from), *text = fm_get(p, m->mo_text);
    if (from != NULL && text != NULL) {
        out->kind = DIALECT_CB_MO;
        out->mo.from = from;
        out->mo.text = text;
        out->mo.to = fm_get(p, m->mo_to) != NULL ? fm_get(p, m->mo_to) : "";
        out->mo.pmid = fm_get(p, m->mo_id);
        return SH_OK;
    }
    out->why = "neither a receipt nor an inbound message";
    return SH_EINVAL;
}

struct du_params *du_callback_begin(const struct dialect_in *in, struct arena *a,
                                    struct dialect_callback *out)
{
    struct du_params *p = arena_zalloc(a, sizeof(*p));
    memset(out, 0, sizeof(*out));
    du_answer(out, 400, NULL, "");
    if (du_params_callback(p, in, a) != SH_OK) {
        out->why = "malformed parameters";
        return NULL;
    }
    return p;
}

int du_fieldmap_callback(const struct du_fieldmap *m, const struct du_map *builtin,
                         const struct dialect_in *in, struct arena *a,
                         struct dialect_callback *out)
{
    struct du_params *p = du_callback_begin(in, a, out);
    if (p == NULL)
        return SH_EINVAL;
    int st = du_fieldmap_apply(m, builtin, p, out);
    if (st == SH_OK)
        du_answer(out, 200, NULL, "");
    return st;
}
