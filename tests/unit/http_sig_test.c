/*
 * http_sig_test.c — the callback signature algorithms against every vector of CONTRACTS.md
 * §1.8 (Twilio) and §2.6 (Vonage), each also refused with one byte changed, plus values the
 * Python fakes (tests/fakes/vendorsig.py) computed, so C and Python agree.
 */
#include "http_util.h"

struct pv {
    const char *name, *value;
};

struct tw_case {
    const char *url;
    struct pv p[6];
    const char *sig;
};

#define TW_PARAMS                                                                                  \
    {                                                                                              \
        {"CallSid", "CA1234567890ABCDE"}, {"Caller", "+14158675309"}, {"Digits", "1234"},          \
            {"From", "+14158675309"},                                                              \
        {                                                                                          \
            "To", "+18005551212"                                                                   \
        }                                                                                          \
    }

static const struct tw_case tw_cases[] = {
    {"https://mycompany.com/myapp.php?foo=1&bar=2", TW_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
    /* the SDK accepts a port-less signature for a URL with :443, and the reverse */
    {"https://mycompany.com:443/myapp.php?foo=1&bar=2", TW_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
    {"https://mycompany.com/myapp.php?foo=1&bar=2", TW_PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w="},
    {"http://mycompany.com:80/myapp.php?foo=1&bar=2", TW_PARAMS, "0ZXoZLH/DfblKGATFgpif+LLRf4="},
    {"http://mycompany.com/myapp.php?foo=1&bar=2", TW_PARAMS, "0ZXoZLH/DfblKGATFgpif+LLRf4="},
    {"http://mycompany.com:1234/myapp.php?foo=1&bar=2", TW_PARAMS, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
    {"https://mycompany.com/myapp.php?foo=1&bar=2",
     {{"Sid", "CA123"}, {"SidAccount", "AC123"}, {"Digits", "5678"}, {"Digits", "1234"}},
     "IK+Dwps556ElfBT0I3Rgjkr1wJU="},
    {"https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256="
     "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
     {{NULL, NULL}},
     "a9nBmqA0ju/hNViExpshrM61xv4="},
    /* computed by tests/fakes/vendorsig.py */
    {"https://hub.example.com/v1/callbacks/twilio/cbtok123",
     {{"Body", "Привет & hi"},
      {"From", "+15558675310"},
      {"To", "+15017122661"},
      {"MessageSid", "SMcccccccccccccccccccccccccccccccc"},
      {"AccountSid", "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
      {"NumMedia", "0"}},
     NULL},
};

static void tw_params(const struct tw_case *c, struct du_params *p)
{
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < TU_LEN(c->p) && c->p[i].name != NULL; i++) {
        p->name[p->n] = c->p[i].name;
        p->value[p->n] = c->p[i].value;
        p->n++;
    }
}

static void test_twilio_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_LEN(tw_cases); i++) {
        const struct tw_case *c = &tw_cases[i];
        struct arena a;
        struct du_params p;
        arena_init(&a);
        tw_params(c, &p);
        const char *token = c->sig != NULL ? "12345" : "tw_token_0123456789abcdef0123456";
        const char *sig = c->sig;
        if (sig == NULL) /* without NumSegments: Python vector below covers the full one */
            sig = twilio_signature(token, c->url, &p, &a);
        if (!twilio_signature_ok(token, c->url, &p, sig, &a))
            fail_msg("twilio vector %zu refused", i);
        /* one byte changed: in the signature, in the URL, in a value, in the token */
        char bad[64];
        snprintf(bad, sizeof(bad), "%s", sig);
        bad[3] = bad[3] == 'A' ? 'B' : 'A';
        assert_false(twilio_signature_ok(token, c->url, &p, bad, &a));
        char *url = arena_strdup(&a, c->url);
        url[strlen(url) - 1] ^= 1;
        assert_false(twilio_signature_ok(token, url, &p, sig, &a));
        if (p.n > 0) {
            char *v = arena_strdup(&a, p.value[0]);
            v[0] ^= 1;
            p.value[0] = v;
            assert_false(twilio_signature_ok(token, c->url, &p, sig, &a));
        }
        assert_false(twilio_signature_ok("12346", c->url, &p, sig, &a));
        arena_release(&a);
    }
}

static void test_twilio_python_vector(void **state)
{
    (void)state;
    static const struct pv dlr[] = {
        {"MessageSid", "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        {"SmsSid", "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        {"AccountSid", "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
        {"From", "+15017122661"},
        {"To", "+15558675310"},
        {"MessageStatus", "delivered"},
        {"SmsStatus", "delivered"},
        {"ApiVersion", "2010-04-01"},
        {"RawDlrDoneDate", "2411220142"},
    };
    struct du_params p = {0};
    struct arena a;
    arena_init(&a);
    for (size_t i = 0; i < TU_LEN(dlr); i++) {
        p.name[p.n] = dlr[i].name;
        p.value[p.n++] = dlr[i].value;
    }
    const char *tok = "tw_token_0123456789abcdef0123456";
    const char *url = "https://hub.example.com/v1/callbacks/twilio/cbtok123";
    assert_string_equal(twilio_signature(tok, url, &p, &a), "8uOSAjo+ganeW3PYyQ126y1YuKc=");
    assert_string_equal(
        twilio_signature(tok, "https://hub.example.com:443/v1/callbacks/twilio/cbtok123", &p, &a),
        "dGFLeCww5wzToM+F56ocMs73Bag=");
    arena_release(&a);
}

struct vn_case {
    enum vonage_sig alg;
    const char *secret;
    int set; /* parameter set below */
    const char *sig;
};

static const struct pv vn_sets[][10] = {
    {{"message-timestamp", "2013-11-21 15:27:30"},
     {"messageId", "020000001B0FE827"},
     {"msisdn", "14843472194"},
     {"text", "Test again"},
     {"timestamp", "1385047698"},
     {"to", "13239877404"},
     {"type", "text"}},
    {{"keyword", "TEST"},
     {"message-timestamp", "2017-04-04 22:57:47"},
     {"messageId", "0B00000042AC53BD"},
     {"msisdn", "14843472194"},
     {"nonce", "929d6744-bd28-42c8-b6cf-31d5b4f43732"},
     {"text", "Test with & and ="},
     {"timestamp", "1491346667"},
     {"to", "12192259404"},
     {"type", "text"}},
    {{"api_key", "fake_api_key"},
     {"to", "14155550100"},
     {"from", "AcmeInc"},
     {"text", "Test From Nexmo"},
     {"type", "text"},
     {"timestamp", "1540924779"}},
};

static const struct vn_case vn_cases[] = {
    {VONAGE_SIG_MD5HASH, "my_secret_key_for_testing", 0, "d2e7b1dc968737c5998ad624e02f90b7"},
    {VONAGE_SIG_MD5, "my_secret_key_for_testing", 0, "DDEBD46008C2D4E93CCE578A332A52D5"},
    {VONAGE_SIG_SHA1, "my_secret_key_for_testing", 0, "27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A"},
    {VONAGE_SIG_SHA256, "my_secret_key_for_testing", 0,
     "DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330"},
    /* sha512: no published vector; value from tests/fakes/vendorsig.py */
    {VONAGE_SIG_SHA512, "my_secret_key_for_testing", 0,
     "E0D3C650F8C9D1A5C174D10DDDBFB003E561F59B265616208B0487C5D819481CD3C311D59CF6165ECD1139622D5B"
     "A3A256C0D763AC4A9AD9144B5A426B94FE82"},
    {VONAGE_SIG_MD5HASH, "my_secret_key_for_testing", 1, "e06d9763e3fd0b9c31beb5fc2fcb011c"},
    {VONAGE_SIG_MD5, "71efab63122f1d179f51c46bac838fb5", 2, "51CDAFEBB4BBCE9525B195C1617CB8D2"},
    {VONAGE_SIG_SHA1, "71efab63122f1d179f51c46bac838fb5", 2,
     "0162AEC64BC183B2E1256545951FE5639DC98020"},
    {VONAGE_SIG_SHA256, "71efab63122f1d179f51c46bac838fb5", 2,
     "9FEC5EF6D0F2B3D2BB7558B6E4042569823CAB9EA0DD30503472B7B304601975"},
};

static void test_vonage_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_LEN(vn_cases); i++) {
        const struct vn_case *c = &vn_cases[i];
        struct du_params p = {0};
        struct arena a;
        arena_init(&a);
        for (size_t k = 0; k < 10 && vn_sets[c->set][k].name != NULL; k++) {
            p.name[p.n] = vn_sets[c->set][k].name;
            p.value[p.n++] = vn_sets[c->set][k].value;
        }
        /* a `sig` among the params is ignored */
        p.name[p.n] = "sig";
        p.value[p.n++] = "whatever";
        const char *got = vonage_signature(c->alg, c->secret, &p, &a);
        if (strcmp(got, c->sig) != 0)
            fail_msg("vonage vector %zu: got %s want %s", i, got, c->sig);
        /* one byte changed in a value or the secret changes the signature */
        char *v = arena_strdup(&a, p.value[1]);
        v[0] ^= 1;
        p.value[1] = v;
        assert_string_not_equal(vonage_signature(c->alg, c->secret, &p, &a), c->sig);
        arena_release(&a);
    }
    assert_int_equal(vonage_sig_alg("sha512"), VONAGE_SIG_SHA512);
    assert_int_equal(vonage_sig_alg("SHA1"), -1);
}

static void test_token_policy(void **state)
{
    (void)state;
    const int64_t day = 86400000LL;
    struct dialect_token t = {.value = "x", .obtained_ms = 0, .expires_ms = 30 * day};
    assert_true(dialect_token_usable(&t, 0));
    assert_true(dialect_token_usable(&t, 26 * day));
    assert_false(dialect_token_usable(&t, 27 * day + 1)); /* 10 % before expiry */
    assert_false(dialect_token_usable(&t, 31 * day));
    struct dialect_token s = {.value = "x", .obtained_ms = 0, .expires_ms = 3600 * 1000};
    assert_true(dialect_token_usable(&s, 1000));
    assert_false(dialect_token_usable(&s, 1800 * 1000 + 1)); /* short-lived: half-life */
    struct dialect_token none = {.value = ""};
    assert_false(dialect_token_usable(&none, 0));
    assert_false(dialect_token_usable(NULL, 0));
    /* exp 1754676541 in the spec's example token */
    assert_int_equal(dialect_jwt_exp_ms("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3NTQ2NzY1"
                                        "NDEsImlhdCI6MTc1MjA4NDU0MSwicm9sZSI6InVzZXIiLCJzaWduIjoi"
                                        "M2JmYmFhY2NmODc3MDc4OTgzM2I3YTllZWEwMGVjY2MzYTUzMzUwNDI1"
                                        "MDk2MGU5OTQyNDY0YmFkYmQ2MDIwMyIsInN1YiI6IjExNjI1In0.1Not"
                                        "N0j4fw83TJRf-YkK0QtJ1tY0dnWbWM0O4nhHI_I"),
                     1754676541000LL);
    assert_int_equal(dialect_jwt_exp_ms("not-a-jwt"), 0);
    assert_int_equal(dialect_jwt_exp_ms("a.b.c"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_twilio_vectors),
        cmocka_unit_test(test_twilio_python_vector),
        cmocka_unit_test(test_vonage_vectors),
        cmocka_unit_test(test_token_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
