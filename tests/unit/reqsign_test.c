/*
 * reqsign_test.c — unit tests for core/reqsign: header parsing, the time window, and the
 * signature of the worked example in docs/security.md (so the documentation cannot drift).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "core/reqsign.h"
#include "lib/err.h"

#define SECRET "shs_example-secret-do-not-use-0000000000000000"
#define SIG "00000000000000000000000000000000000000000000000000000000000000ff"

static void test_parse(void **state)
{
    (void)state;
    struct reqsign rs;
    const char *f;
    assert_int_equal(reqsign_parse(NULL, NULL, NULL, &rs, &f), SH_ENOTFOUND);
    assert_int_equal(reqsign_parse("1700000000", "n0nce-0123456789", SIG, &rs, &f), SH_OK);
    assert_int_equal(rs.ts, 1700000000);
    assert_int_equal(rs.sig[31], 0xff);
    assert_int_equal(reqsign_parse("17e8", "n0nce-0123456789", SIG, &rs, &f), SH_EINVAL);
    assert_string_equal(f, "X-Smshub-Timestamp");
    assert_int_equal(reqsign_parse("1700000000", "short", SIG, &rs, &f), SH_EINVAL);
    assert_string_equal(f, "X-Smshub-Nonce");
    assert_int_equal(reqsign_parse("1700000000", "bad nonce 0123456789", SIG, &rs, &f), SH_EINVAL);
    assert_int_equal(reqsign_parse("1700000000", "n0nce-0123456789", "abc", &rs, &f), SH_EINVAL);
    assert_string_equal(f, "X-Smshub-Signature");
    assert_int_equal(reqsign_parse("1700000000", "n0nce-0123456789", NULL, &rs, &f), SH_EINVAL);
    assert_int_equal(reqsign_parse("1700000000", NULL, NULL, &rs, &f), SH_EINVAL);
    assert_int_equal(reqsign_parse("", "n0nce-0123456789", SIG, &rs, &f), SH_EINVAL);
    assert_int_equal(reqsign_parse("1234567890123", "n0nce-0123456789", SIG, &rs, &f), SH_EINVAL);
}

static void test_window(void **state)
{
    (void)state;
    struct reqsign rs = {.ts = 1000000};
    assert_true(reqsign_fresh(&rs, 1000000));
    assert_true(reqsign_fresh(&rs, 1000300));
    assert_true(reqsign_fresh(&rs, 999700));
    assert_false(reqsign_fresh(&rs, 1000301));
    assert_false(reqsign_fresh(&rs, 999699));
}

/* The worked example of docs/security.md. */
static void test_example(void **state)
{
    (void)state;
    const char *body = "{\"to\":\"+998901234567\",\"text\":\"hello\"}";
    unsigned char mac[32];
    char hex[65];
    struct reqsign rs;
    const char *f;
    reqsign_mac(SECRET, strlen(SECRET), "POST", "/v1/messages", "1767225600", "4f1c2a9e7b3d4c5e",
                body, strlen(body), mac);
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    assert_string_equal(hex, "ad0d8ff71d5831f2745cb7837c49b5d84503247bfec7de7f371b86ef4ca94154");
    assert_int_equal(reqsign_parse("1767225600", "4f1c2a9e7b3d4c5e", hex, &rs, &f), SH_OK);
    assert_true(
        reqsign_verify(SECRET, strlen(SECRET), "POST", "/v1/messages", &rs, body, strlen(body)));
    assert_false(reqsign_verify(SECRET, strlen(SECRET), "POST", "/v1/messages?x=1", &rs, body,
                                strlen(body)));
    assert_false(reqsign_verify(SECRET, strlen(SECRET) - 1, "POST", "/v1/messages", &rs, body,
                                strlen(body)));
    assert_false(reqsign_verify(SECRET, strlen(SECRET), "POST", "/v1/messages", &rs, body,
                                strlen(body) - 1));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
