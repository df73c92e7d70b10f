/*
 * catalog_test.c — the provider control plane's validators (core/catalog.h) and the
 * credential helpers (core/credential.h): slugs, capabilities, countries, prefixes, types,
 * retry schedules, secrets checks, field names, sealing round trip, merge patch, driver check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/catalog.h"
#include "core/credential.h"
#include "lib/err.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct str_case {
    const char *in;
    int ok;
};

static void test_slug(void **state)
{
    (void)state;
    static const struct str_case cases[] = {
        {"twilio", 1}, {"a1", 1}, {"sim-2_x", 1}, {"0abc", 1}, {"a", 0}, {"", 0},
        {"-abc", 0}, {"_abc", 0}, {"Abc", 0}, {"ab c", 0}, {"ab.c", 0},
        {"abcdefghijklmnopqrstuvwxyz012345", 1}, {"abcdefghijklmnopqrstuvwxyz0123456", 0},
        {NULL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(catalog_slug_valid(cases[i].in), cases[i].ok);
}

static void test_fields(void **state)
{
    (void)state;
    static const struct str_case countries[] = {{"UZ", 1}, {"uz", 0}, {"U", 0}, {"UZB", 0},
                                                {"1Z", 0}, {NULL, 0}};
    static const struct str_case prefixes[] = {{"998", 1}, {"1", 1}, {"+998", 0}, {"", 0},
                                               {"123456789012345", 1},
                                               {"1234567890123456", 0}, {"99 8", 0}};
    for (size_t i = 0; i < sizeof(countries) / sizeof(countries[0]); i++)
        assert_int_equal(catalog_country_valid(countries[i].in), countries[i].ok);
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        assert_int_equal(catalog_prefix_valid(prefixes[i].in), prefixes[i].ok);
    assert_int_equal(catalog_msg_type_parse("otp"), 0);
    assert_int_equal(catalog_msg_type_parse("marketing"), 2);
    assert_int_equal(catalog_msg_type_parse("OTP"), -1);
    assert_int_equal(catalog_capability_known("status_poll"), 1);
    assert_int_equal(catalog_capability_known("teleport"), 0);
}

static void test_json_validators(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int caps_ok;
        int sched_n;
    } cases[] = {
        {"[]", 1, -1},
        {"[\"dlr\",\"unicode\"]", 1, -1},
        {"[\"dlr\",\"dlr\"]", 0, -1},
        {"[\"nope\"]", 0, -1},
        {"[30,120,480]", 0, 3},
        {"[0]", 0, -1},
        {"[86401]", 0, -1},
        {"[1,1,1,1,1,1,1,1,1,1]", 0, 10},
        {"[1,1,1,1,1,1,1,1,1,1,1]", 0, -1},
        {"[1.5]", 0, -1},
        {"{}", 0, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        int secs[CATALOG_RETRY_MAX];
        assert_non_null(v);
        assert_int_equal(catalog_capabilities_valid(v), cases[i].caps_ok);
        assert_int_equal(catalog_retry_schedule_parse(v, secs), cases[i].sched_n);
        json_decref(v);
    }
}

static int secrets_ok(const char *json)
{
    struct field_errors fe = {0};
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    int rc = cred_secrets_check(v, &fe);
    json_decref(v);
    return rc == 0 && fe.n == 0;
}

static void test_secrets(void **state)
{
    (void)state;
    assert_true(secrets_ok("{}"));
    assert_true(secrets_ok("{\"auth_token\":\"x\",\"api_key\":\"y\"}"));
    assert_false(secrets_ok("[]"));
    assert_false(secrets_ok("{\"Auth\":\"x\"}"));
    assert_false(secrets_ok("{\"auth\":5}"));
    assert_false(secrets_ok("{\"auth\":\"\"}"));

    json_t *s = json_loads("{\"z_key\":\"v1\",\"a_key\":\"v2\"}", 0, NULL);
    char *fields = cred_secret_fields(s);
    assert_string_equal(fields, "[\"a_key\",\"z_key\"]");
    free(fields);

    /* seal → open round trip bound to the credential; the fingerprint follows the content */
    unsigned char key[32];
    struct sealer sl;
    unsigned char *ct = NULL;
    size_t len = 0, ptlen = 0;
    char kid[SEAL_KEY_ID_LEN], fp[32], fp2[32], *pt = NULL;
    randombytes_buf(key, sizeof(key));
    sealer_init(&sl, key, "0123456789abcdef");
    assert_int_equal(cred_secret_seal(&sl, "cred_1", s, &ct, &len, kid, fp), SH_OK);
    assert_int_equal(cred_secret_open(&sl, "cred_1", ct, len, kid, &pt, &ptlen), SH_OK);
    assert_string_equal(pt, "{\"a_key\":\"v2\",\"z_key\":\"v1\"}");
    seal_wipe_free(pt, ptlen);
    assert_int_equal(cred_secret_open(&sl, "cred_2", ct, len, kid, &pt, &ptlen), SH_EINVAL);
    free(ct);
    json_object_set_new(s, "z_key", json_string("v3"));
    assert_int_equal(cred_secret_seal(&sl, "cred_1", s, &ct, &len, kid, fp2), SH_OK);
    assert_string_not_equal(fp, fp2);
    free(ct);
    json_decref(s);
}

static void test_merge_and_driver(void **state)
{
    (void)state;
    json_t *t = json_loads("{\"a\":1,\"b\":2}", 0, NULL);
    json_t *p = json_loads("{\"b\":null,\"c\":3}", 0, NULL);
    cred_settings_merge(t, p);
    char *text = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"a\":1,\"c\":3}");
    free(text);
    json_decref(p);

    char err[192];
    json_t *bad = json_loads("{\"temp_fail_ratio\":2}", 0, NULL);
    json_t *sec = json_loads("{\"auth_token\":\"s3cr3t\"}", 0, NULL);
    assert_int_equal(cred_validate("simulator", NULL, t, sec, err, sizeof(err)), SH_OK);
    assert_int_equal(cred_validate("simulator", NULL, bad, NULL, err, sizeof(err)), SH_EINVAL);
    assert_non_null(strstr(err, "temp_fail_ratio"));
    assert_int_equal(cred_validate("nosuch", NULL, t, NULL, err, sizeof(err)), SH_ENOTFOUND);
    /* defaults come first, settings override them */
    char *m = cred_driver_settings(bad, t, sec);
    assert_string_equal(m, "{\"temp_fail_ratio\":2,\"a\":1,\"c\":3,\"auth_token\":\"s3cr3t\"}");
    free(m);
    json_decref(bad);
    json_decref(sec);
    json_decref(t);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slug),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_json_validators),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_merge_and_driver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
