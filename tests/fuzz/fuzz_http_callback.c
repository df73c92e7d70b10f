/*
 * fuzz_http_callback.c — libFuzzer target for every HTTP dialect's callback parser (requests
 * anyone on the internet can send to /v1/callbacks/...).
 *
 * Input: byte 0 picks the dialect (mod count), byte 1 the method and content type, then the
 * URL up to the first '\n', the signature header value up to the next '\n', and the body.
 * Invariants: the result is OK / EINVAL / EPERM, an answer status is always set, a receipt has
 * an id and a known status, an MO has from and text. Any breach calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "providers/http/dialect.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static const char *const cfgs[][2] = {
    {"twilio", "{\"account_sid\":\"ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"auth_token\":\"t\"}"},
    {"twilio", "{\"account_sid\":\"ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"auth_token\":\"t\","
               "\"verify_signature\":false}"},
    {"vonage", "{\"api_key\":\"k\",\"api_secret\":\"s\"}"},
    {"vonage", "{\"api_key\":\"k\",\"api_secret\":\"s\",\"signature_secret\":\"v\","
               "\"signature_method\":\"sha256\",\"signature_max_age_s\":0}"},
    {"eskiz", "{\"email\":\"e\",\"password\":\"p\"}"},
    {"playmobile", "{\"base_url\":\"http://pm\",\"login\":\"l\",\"password\":\"p\"}"},
    {"veevo", "{\"hash\":\"h\",\"dlr_id_field\":\"id\",\"dlr_status_field\":\"status\"}"},
    {"smso", "{\"api_key\":\"k\"}"},
    {"cequens", "{\"api_token\":\"t\"}"},
    {"generic", "{\"url\":\"http://g\",\"dlr_id_field\":\"id\",\"dlr_status_field\":\"st\","
                "\"dlr_status_map\":{\"D\":\"delivered\"},\"mo_from_field\":\"from\","
                "\"mo_text_field\":\"text\",\"dlr_time_field\":\"t\"}"},
};
#define NCFG (sizeof(cfgs) / sizeof(cfgs[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ctypes[] = {"application/x-www-form-urlencoded", "application/json",
                                         NULL, "text/plain"};
    if (size < 2)
        return 0;
    const struct dialect *d = dialect_find(cfgs[data[0] % NCFG][0]);
    char err[160];
    void *cfg = NULL;
    CHECK(d != NULL);
    CHECK(d->config_new(cfgs[data[0] % NCFG][1], err, sizeof(err), &cfg) == SH_OK);
    struct arena a;
    arena_init(&a);
    const char *rest = (const char *)data + 2;
    size_t n = size - 2;
    const char *nl = memchr(rest, '\n', n);
    size_t ulen = nl != NULL ? (size_t)(nl - rest) : n;
    char *url = arena_strndup(&a, rest, ulen);
    const char *p = nl != NULL ? nl + 1 : rest + n;
    size_t left = (size_t)(rest + n - p);
    const char *nl2 = memchr(p, '\n', left);
    char *sig = arena_strndup(&a, p, nl2 != NULL ? (size_t)(nl2 - p) : left);
    const char *body = nl2 != NULL ? nl2 + 1 : p + left;
    size_t blen = (size_t)(rest + n - body);
    struct dialect_kv h[2] = {{"Content-Type", ctypes[data[1] & 3]}, {"X-Twilio-Signature", sig}};
    struct dialect_in in = {.method = data[1] & 4 ? "GET" : "POST",
                            .url = url,
                            .header = ctypes[data[1] & 3] != NULL ? h : h + 1,
                            .nheader = ctypes[data[1] & 3] != NULL ? 2 : 1,
                            .body = body,
                            .body_len = blen};
    struct dialect_callback cb;
    int rc = d->parse_callback(cfg, &in, 1540469430000LL, &a, &cb);
    CHECK(rc == SH_OK || rc == SH_EINVAL || rc == SH_EPERM);
    CHECK(cb.answer_status >= 200 && cb.answer_status < 500 && cb.answer_body != NULL);
    if (rc == SH_OK && cb.kind == DIALECT_CB_DLR) {
        CHECK(cb.dlr.pmid != NULL && *cb.dlr.pmid != '\0');
        CHECK(cb.dlr.status > PROVIDER_DLR_NONE && cb.dlr.status <= PROVIDER_DLR_REJECTED);
    } else if (rc == SH_OK && cb.kind == DIALECT_CB_MO) {
        CHECK(cb.mo.from != NULL && cb.mo.text != NULL && cb.mo.to != NULL);
    }
    arena_release(&a);
    d->config_free(cfg);
    return 0;
}
