/*
 * dialect_probe.c — a test tool: runs one HTTP dialect operation for real (blocking libcurl
 * easy, no engine) and prints the parsed result as one JSON line, so tests/fakes/test_probe.py
 * can check the C dialects against the Python fakes: requests the fakes accept, answers
 * classified, callbacks the fakes signed verified by the C code.
 *
 *   dialect_probe [--token-file F] DIALECT CONFIG_JSON send TO FROM TEXT [ENCODING]
 *   dialect_probe [--token-file F] DIALECT CONFIG_JSON poll PMID
 *   dialect_probe [--token-file F] DIALECT CONFIG_JSON balance
 *   dialect_probe DIALECT CONFIG_JSON callback METHOD URL BODY_FILE [NAME: VALUE]...
 *
 * With a login dialect it keeps the token in --token-file, logs in when the token is not
 * usable, and after SH_AGAIN (token refused) logs in again and repeats once — the policy the
 * real driver follows (src/providers/http/README).
 */
#include "lib/arena.h"
#include "lib/err.h"
#include "providers/http/dialect.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct buf {
    char *p;
    size_t n;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t add = size * nmemb;
    char *p = realloc(b->p, b->n + add + 1);
    if (p == NULL)
        return 0;
    memcpy(p + b->n, ptr, add);
    b->p = p;
    b->n += add;
    b->p[b->n] = '\0';
    return add;
}

/* Performs req; fills resp (body in *b, caller frees b->p). Returns 0 or -1 (no answer). */
static int perform(const struct dialect_req *req, struct dialect_resp *resp, struct buf *b)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    long code = 0;
    int rc = -1;
    memset(b, 0, sizeof(*b));
    for (size_t i = 0; i < req->nheader; i++) {
        char line[8192];
        snprintf(line, sizeof(line), "%s: %s", req->header[i].name, req->header[i].value);
        h = curl_slist_append(h, line);
    }
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    if (req->body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
    }
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        rc = 0;
    }
    resp->status = (int)code;
    resp->header = NULL;
    resp->nheader = 0;
    resp->body = b->p != NULL ? b->p : "";
    resp->body_len = b->n;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}

static void token_load(const char *path, struct dialect_token *t)
{
    memset(t, 0, sizeof(*t));
    FILE *f = path != NULL ? fopen(path, "r") : NULL;
    if (f == NULL)
        return;
    long long ob = 0, ex = 0;
    if (fscanf(f, "%lld %lld %4095s", &ob, &ex, t->value) != 3)
        memset(t, 0, sizeof(*t));
    t->obtained_ms = ob;
    t->expires_ms = ex;
    fclose(f);
}

static void token_save(const char *path, const struct dialect_token *t)
{
    FILE *f = path != NULL ? fopen(path, "w") : NULL;
    if (f == NULL)
        return;
    fprintf(f, "%lld %lld %s\n", (long long)t->obtained_ms, (long long)t->expires_ms, t->value);
    fclose(f);
}

/* Logs in (refresh when old is usable-but-old is not attempted: always a full login). */
static int login(const struct dialect *d, void *cfg, struct dialect_token *t, int *logins)
{
    struct arena a;
    struct dialect_req req;
    struct dialect_resp resp;
    struct buf b;
    int rc = SH_EIO;
    arena_init(&a);
    if (d->build_login(cfg, NULL, &a, &req) == SH_OK && perform(&req, &resp, &b) == 0) {
        rc = d->parse_login(cfg, &resp, now_ms(), t);
        free(b.p);
    }
    arena_release(&a);
    (*logins)++;
    return rc;
}

static const char *const outcomes[] = {"accepted",  "rejected",  "malformed",
                                       "temp-fail", "throttled", "expired"};
static const char *const dlrs[] = {"none",   "sent",    "delivered", "undelivered",
                                   "failed", "expired", "rejected"};

static int run_op(const struct dialect *d, void *cfg, const char *op, char **argv, int argc,
                  const char *token_file)
{
    struct dialect_token tok;
    int logins = 0, rc = SH_EINVAL;
    int needs_login = (d->config_caps(cfg) & DIALECT_CAP_LOGIN) != 0;
    token_load(token_file, &tok);
    json_t *out = json_object();
    for (int attempt = 0; attempt < 2; attempt++) {
        if (needs_login && !dialect_token_usable(&tok, now_ms())) {
            int lr = login(d, cfg, &tok, &logins);
            if (lr != SH_OK) {
                json_object_set_new(out, "login_rc", json_integer(lr));
                break;
            }
            token_save(token_file, &tok);
        }
        struct arena a;
        struct dialect_req req;
        struct dialect_resp resp;
        struct buf b = {0};
        arena_init(&a);
        struct provider_msg m = {.id = "msg_probe_1", .segments = 1, .attempt = 1};
        if (strcmp(op, "send") == 0 && argc >= 3) {
            m.to = argv[0];
            m.from = argv[1];
            m.body = argv[2];
            m.encoding = argc >= 4 ? atoi(argv[3]) : 0;
            rc = d->build_send(cfg, &tok, &m, now_ms(), &a, &req);
        } else if (strcmp(op, "poll") == 0 && argc >= 1 && d->build_poll != NULL) {
            rc = d->build_poll(cfg, &tok, argv[0], &a, &req);
        } else if (strcmp(op, "balance") == 0 && d->build_balance != NULL) {
            rc = d->build_balance(cfg, &tok, &a, &req);
        } else {
            rc = SH_ENOTFOUND;
        }
        if (rc == SH_OK && perform(&req, &resp, &b) != 0)
            rc = SH_EIO;
        if (rc == SH_OK && strcmp(op, "send") == 0) {
            struct provider_result r;
            rc = d->parse_send(cfg, &m, &resp, &r);
            json_object_set_new(out, "outcome", json_string(outcomes[r.outcome]));
            json_object_set_new(out, "pmid", json_string(r.pmid));
            json_object_set_new(out, "code", json_string(r.error_code));
            json_object_set_new(out, "parts", json_integer(r.parts));
            json_object_set_new(out, "price", json_string(r.price));
            json_object_set_new(out, "alert", json_integer(r.alert));
        } else if (rc == SH_OK && strcmp(op, "poll") == 0) {
            struct provider_report r;
            rc = d->parse_poll(cfg, argv[0], &resp, &a, &r);
            if (rc == SH_OK)
                json_object_set_new(out, "status", json_string(dlrs[r.status]));
        } else if (rc == SH_OK) {
            struct dialect_balance bal;
            rc = d->parse_balance(cfg, &resp, &bal);
            if (rc == SH_OK) {
                json_object_set_new(out, "amount", json_string(bal.amount));
                json_object_set_new(out, "currency", json_string(bal.currency));
            }
        }
        free(b.p);
        arena_release(&a);
        if (rc != SH_AGAIN)
            break;
        tok.value[0] = '\0'; /* refused: log in again and repeat once */
        token_save(token_file, &tok);
    }
    json_object_set_new(out, "rc", json_integer(rc));
    json_object_set_new(out, "logins", json_integer(logins));
    char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", s);
    free(s);
    json_decref(out);
    return 0;
}

static int run_callback(const struct dialect *d, void *cfg, char **argv, int argc)
{
    if (argc < 3)
        return 2;
    FILE *f = fopen(argv[2], "rb");
    static char body[DIALECT_MAX_BODY + 1];
    size_t n = f != NULL ? fread(body, 1, sizeof(body) - 1, f) : 0;
    if (f != NULL)
        fclose(f);
    struct dialect_kv h[16];
    size_t nh = 0;
    for (int i = 3; i < argc && nh < 16; i++) {
        char *colon = strchr(argv[i], ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        h[nh].name = argv[i];
        h[nh].value = colon + 1 + (colon[1] == ' ');
        nh++;
    }
    struct dialect_in in = {
        .method = argv[0], .url = argv[1], .header = h, .nheader = nh, .body = body, .body_len = n};
    struct dialect_callback cb;
    struct arena a;
    arena_init(&a);
    int rc = d->parse_callback(cfg, &in, now_ms(), &a, &cb);
    json_t *out =
        json_pack("{s:i, s:i, s:i}", "rc", rc, "kind", (int)cb.kind, "answer", cb.answer_status);
    if (rc == SH_OK && cb.kind == DIALECT_CB_DLR) {
        json_object_set_new(out, "pmid", json_string(cb.dlr.pmid));
        json_object_set_new(out, "status", json_string(dlrs[cb.dlr.status]));
        if (cb.dlr.ref != NULL)
            json_object_set_new(out, "ref", json_string(cb.dlr.ref));
    } else if (rc == SH_OK && cb.kind == DIALECT_CB_MO) {
        json_object_set_new(out, "from", json_string(cb.mo.from));
        json_object_set_new(out, "text", json_string(cb.mo.text));
    }
    char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", s);
    free(s);
    json_decref(out);
    arena_release(&a);
    return 0;
}

int main(int argc, char **argv)
{
    const char *token_file = NULL;
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "--token-file") == 0) {
        token_file = argv[2];
        i = 3;
    }
    if (argc - i < 3) {
        fprintf(stderr, "usage: see the header of dialect_probe.c\n");
        return 2;
    }
    const struct dialect *d = dialect_find(argv[i]);
    char err[200];
    void *cfg = NULL;
    if (d == NULL || d->config_new(argv[i + 1], err, sizeof(err), &cfg) != SH_OK) {
        fprintf(stderr, "bad dialect or config: %s\n", d != NULL ? err : argv[i]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const char *op = argv[i + 2];
    int rc = strcmp(op, "callback") == 0
                 ? run_callback(d, cfg, argv + i + 3, argc - i - 3)
                 : run_op(d, cfg, op, argv + i + 3, argc - i - 3, token_file);
    d->config_free(cfg);
    curl_global_cleanup();
    return rc;
}
