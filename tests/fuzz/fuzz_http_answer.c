/*
 * fuzz_http_answer.c — libFuzzer target for every HTTP dialect's answer parsers (send, poll,
 * balance, login): what a provider, or anyone between us and it, sends back.
 *
 * Input: byte 0 picks the dialect, bytes 1-2 the HTTP status (big-endian, mod 600), the rest is
 * the body. Invariants: outcomes in range, an accepted send has a NUL-terminated non-empty
 * pmid, strings stay inside their buffers, poll/balance/login return documented codes.
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
    {"vonage", "{\"api_key\":\"k\",\"api_secret\":\"s\"}"},
    {"eskiz", "{\"email\":\"e\",\"password\":\"p\"}"},
    {"playmobile", "{\"base_url\":\"http://pm\",\"login\":\"l\",\"password\":\"p\","
                   "\"dlr_poll\":true}"},
    {"veevo", "{\"hash\":\"h\",\"id_field\":\"ID\"}"},
    {"smso", "{\"api_key\":\"k\"}"},
    {"cequens", "{\"api_key\":\"k\",\"user_name\":\"u\",\"balance_url\":\"http://c/b\"}"},
    {"generic", "{\"url\":\"http://g\",\"id_regex\":\"id=([0-9a-f]+)\",\"temporary_body\":"
                "\"re:^(BUSY|WAIT)\",\"poll_url\":\"http://g/${pmid}\",\"balance_url\":"
                "\"http://g/b\"}"},
    {"generic", "{\"url\":\"http://g\",\"id_json_pointer\":\"/a/0/id\",\"success_body\":\"ok\"}"},
};
#define NCFG (sizeof(cfgs) / sizeof(cfgs[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const struct dialect *d = dialect_find(cfgs[data[0] % NCFG][0]);
    char err[160];
    void *cfg = NULL;
    CHECK(d != NULL);
    CHECK(d->config_new(cfgs[data[0] % NCFG][1], err, sizeof(err), &cfg) == SH_OK);
    struct dialect_resp in = {.status = ((data[1] << 8) | data[2]) % 600,
                              .body = (const char *)data + 3,
                              .body_len = size - 3};
    struct provider_msg m = {.id = "msg_1", .to = "+1", .from = "", .body = "x"};
    struct provider_result r;
    int rc = d->parse_send(cfg, &m, &in, &r);
    CHECK(rc == SH_OK || rc == SH_AGAIN);
    CHECK(r.outcome >= PROVIDER_ACCEPTED && r.outcome <= PROVIDER_EXPIRED);
    CHECK(memchr(r.pmid, '\0', sizeof(r.pmid)) != NULL);
    CHECK(memchr(r.error_text, '\0', sizeof(r.error_text)) != NULL);
    CHECK(memchr(r.price, '\0', sizeof(r.price)) != NULL);
    if (r.outcome == PROVIDER_ACCEPTED)
        CHECK(r.pmid[0] != '\0');
    struct arena a;
    arena_init(&a);
    if (d->parse_poll != NULL) {
        struct provider_report rep;
        rc = d->parse_poll(cfg, "pmid", &in, &a, &rep);
        CHECK(rc == SH_OK || rc == SH_EINVAL || rc == SH_AGAIN || rc == SH_EPERM);
        if (rc == SH_OK)
            CHECK(rep.status >= PROVIDER_DLR_NONE && rep.status <= PROVIDER_DLR_REJECTED);
    }
    if (d->parse_balance != NULL) {
        struct dialect_balance b;
        rc = d->parse_balance(cfg, &in, &b);
        CHECK(rc == SH_OK || rc == SH_EINVAL || rc == SH_AGAIN || rc == SH_EPERM);
        CHECK(memchr(b.amount, '\0', sizeof(b.amount)) != NULL);
    }
    if (d->parse_login != NULL) {
        struct dialect_token t;
        rc = d->parse_login(cfg, &in, 1000, &t);
        CHECK(rc == SH_OK || rc == SH_EPERM || rc == SH_EIO);
        if (rc == SH_OK)
            CHECK(t.value[0] != '\0' && t.expires_ms > 1000);
    }
    arena_release(&a);
    d->config_free(cfg);
    return 0;
}
