/*
 * http_answers_test.c — every dialect's classification of the vendor's answers: success
 * bodies (id, parts, price), documented error bodies (Twilio 4xx codes, Vonage HTTP 200 with a
 * non-zero status, Eskiz token-invalid, PlayMobile error-code, SMSO 402, CEQUENS replyCode),
 * 429, 5xx, garbage; then poll, balance and login answers.
 */
#include "http_util.h"

extern const struct dialect dialect_eskiz;
extern const struct dialect dialect_cequens;

#define AC "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TW "{\"account_sid\":\"" AC "\",\"auth_token\":\"tok\"}"
#define VN "{\"api_key\":\"k\",\"api_secret\":\"s\"}"
#define EZ "{\"email\":\"e\",\"password\":\"p\"}"
#define PM "{\"base_url\":\"http://pm\",\"login\":\"l\",\"password\":\"p\"}"
#define VV "{\"hash\":\"h\"}"
#define SO "{\"api_key\":\"k\"}"
#define CQ "{\"api_key\":\"k\",\"user_name\":\"u\"}"
#define GEN                                                                                        \
    "{\"url\":\"http://g\",\"id_json_pointer\":\"/result/id\",\"permanent_body\":"                 \
    "\"INVALID\",\"temporary_body\":\"re:BUSY|LATER\"}"

struct ans_case {
    const char *dialect, *cfg;
    int status;
    const char *body;
    int rc;
    enum provider_outcome outcome;
    const char *pmid;  /* NULL: not compared */
    const char *code;  /* NULL: not compared */
    int parts;         /* -1: not compared */
    const char *price; /* NULL: not compared */
    int alert;
};

static const struct ans_case cases[] = {
    /* Twilio */
    {"twilio", TW, 201,
     "{\"sid\":\"SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"status\":\"queued\",\"num_segments\":\"3\","
     "\"price\":\"-0.02250\",\"price_unit\":\"USD\",\"error_code\":null}",
     SH_OK, PROVIDER_ACCEPTED, "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, 3, "-0.02250", 0},
    {"twilio", TW, 201, "{\"sid\":\"SMb\",\"status\":\"queued\",\"price\":null}", SH_OK,
     PROVIDER_ACCEPTED, "SMb", NULL, 0, "", 0},
    {"twilio", TW, 400,
     "{\"code\":21211,\"message\":\"The 'To' number is not a valid phone number.\","
     "\"more_info\":\"https://www.twilio.com/docs/errors/21211\",\"status\":400}",
     SH_OK, PROVIDER_REJECTED, "", "21211", -1, NULL, 0},
    {"twilio", TW, 400, "{\"code\":21610,\"message\":\"unsubscribed\",\"status\":400}", SH_OK,
     PROVIDER_REJECTED, NULL, "21610", -1, NULL, 0},
    {"twilio", TW, 401, "{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}", SH_OK,
     PROVIDER_REJECTED, NULL, "20003", -1, NULL, PROVIDER_ALERT_AUTH},
    {"twilio", TW, 404, "{\"code\":20404,\"message\":\"not found\",\"status\":404}", SH_OK,
     PROVIDER_MALFORMED, NULL, "20404", -1, NULL, 0},
    {"twilio", TW, 429, "{\"code\":20429,\"message\":\"Too Many Requests\",\"status\":429}", SH_OK,
     PROVIDER_THROTTLED, NULL, "20429", -1, NULL, 0},
    {"twilio", TW, 503, "upstream gone", SH_OK, PROVIDER_TEMP_FAIL, NULL, "http-503", -1, NULL, 0},
    {"twilio", TW, 400, "{\"code\":30001,\"message\":\"Queue overflow\"}", SH_OK,
     PROVIDER_TEMP_FAIL, NULL, "30001", -1, NULL, 0},
    {"twilio", TW, 201, "not json", SH_OK, PROVIDER_TEMP_FAIL, NULL, "bad-answer", -1, NULL, 0},
    {"twilio", TW, 0, NULL, SH_OK, PROVIDER_TEMP_FAIL, NULL, NULL, -1, NULL, 0},
    /* Vonage: always HTTP 200, per-part status */
    {"vonage", VN, 200,
     "{\"message-count\":\"1\",\"messages\":[{\"to\":\"447700900000\",\"message-id\":"
     "\"0A0000000123ABCD1\",\"status\":\"0\",\"remaining-balance\":\"3.14159265\","
     "\"message-price\":\"0.03330000\",\"network\":\"12345\"}]}",
     SH_OK, PROVIDER_ACCEPTED, "0A0000000123ABCD1", NULL, 1, "0.03330000", 0},
    {"vonage", VN, 200,
     "{\"message-count\":\"2\",\"messages\":[{\"message-id\":\"P1\",\"status\":\"0\","
     "\"message-price\":\"0.03330000\"},{\"message-id\":\"P2\",\"status\":\"0\","
     "\"message-price\":\"0.03330000\"}]}",
     SH_OK, PROVIDER_ACCEPTED, "P1", NULL, 2, "0.06660000", 0},
    {"vonage", VN, 200,
     "{\"message-count\":\"1\",\"messages\":[{\"status\":\"2\",\"error-text\":\"Missing to "
     "param\"}]}",
     SH_OK, PROVIDER_MALFORMED, NULL, "2", -1, NULL, 0},
    {"vonage", VN, 200,
     "{\"message-count\":\"1\",\"messages\":[{\"status\":\"1\",\"error-text\":\"Throttled\"}]}",
     SH_OK, PROVIDER_THROTTLED, NULL, "1", -1, NULL, 0},
    {"vonage", VN, 200,
     "{\"message-count\":\"1\",\"messages\":[{\"status\":\"4\",\"error-text\":\"Bad "
     "Credentials\"}]}",
     SH_OK, PROVIDER_REJECTED, NULL, "4", -1, NULL, PROVIDER_ALERT_AUTH},
    {"vonage", VN, 200,
     "{\"message-count\":\"1\",\"messages\":[{\"status\":\"5\",\"error-text\":\"Internal "
     "Error\"}]}",
     SH_OK, PROVIDER_TEMP_FAIL, NULL, "5", -1, NULL, 0},
    {"vonage", VN, 200,
     "{\"message-count\":\"1\",\"messages\":[{\"status\":\"6\",\"error-text\":\"Invalid "
     "Message\"}]}",
     SH_OK, PROVIDER_REJECTED, NULL, "6", -1, NULL, 0},
    {"vonage", VN, 200,
     "{\"message-count\":\"1\",\"messages\":[{\"status\":\"9\",\"error-text\":\"Partner quota "
     "exceeded\"}]}",
     SH_OK, PROVIDER_REJECTED, NULL, "9", -1, NULL, PROVIDER_ALERT_CREDIT},
    {"vonage", VN, 200,
     "{\"message-count\":\"1\",\"messages\":[{\"status\":\"29\",\"error-text\":\"Non-Whitelisted "
     "Destination\"}]}",
     SH_OK, PROVIDER_REJECTED, NULL, "29", -1, NULL, 0},
    {"vonage", VN, 200, "{\"messages\":[]}", SH_OK, PROVIDER_TEMP_FAIL, NULL, "bad-answer", -1,
     NULL, 0},
    {"vonage", VN, 500, "", SH_OK, PROVIDER_TEMP_FAIL, NULL, "http-500", -1, NULL, 0},
    {"vonage", VN, 429, "", SH_OK, PROVIDER_THROTTLED, NULL, "http-429", -1, NULL, 0},
    /* Eskiz */
    {"eskiz", EZ, 200,
     "{\"id\":\"59bf10a2-aba8-4694-8fd5-0be20102a580\",\"message\":\"Waiting for SMS provider\","
     "\"status\":\"waiting\"}",
     SH_OK, PROVIDER_ACCEPTED, "59bf10a2-aba8-4694-8fd5-0be20102a580", NULL, -1, NULL, 0},
    {"eskiz", EZ, 401, "{\"status\":\"token-invalid\",\"message\":\"Expired token\"}", SH_AGAIN,
     PROVIDER_TEMP_FAIL, NULL, "token-invalid", -1, NULL, 0},
    {"eskiz", EZ, 400,
     "{\"status\":\"error\",\"message\":{\"mobile_phone\":[\"The mobile phone is invalid\"]}}",
     SH_OK, PROVIDER_REJECTED, NULL, "error", -1, NULL, 0},
    {"eskiz", EZ, 429, "{}", SH_OK, PROVIDER_THROTTLED, NULL, NULL, -1, NULL, 0},
    {"eskiz", EZ, 502, "<html>", SH_OK, PROVIDER_TEMP_FAIL, NULL, NULL, -1, NULL, 0},
    /* PlayMobile */
    {"playmobile", PM, 200, "Request is received", SH_OK, PROVIDER_ACCEPTED, "msg_1", NULL, -1,
     NULL, 0},
    {"playmobile", PM, 400, "{\"error-code\":100,\"error-description\":\"Internal server error\"}",
     SH_OK, PROVIDER_TEMP_FAIL, NULL, "100", -1, NULL, 0},
    {"playmobile", PM, 400, "{\"error-code\":102,\"error-description\":\"Account locked\"}", SH_OK,
     PROVIDER_REJECTED, NULL, "102", -1, NULL, PROVIDER_ALERT_ACCOUNT},
    {"playmobile", PM, 400, "{\"error-code\":404,\"error-description\":\"Empty content\"}", SH_OK,
     PROVIDER_REJECTED, NULL, "404", -1, NULL, 0},
    {"playmobile", PM, 401, "", SH_OK, PROVIDER_REJECTED, NULL, "http-401", -1, NULL,
     PROVIDER_ALERT_AUTH},
    {"playmobile", PM, 500, "", SH_OK, PROVIDER_TEMP_FAIL, NULL, NULL, -1, NULL, 0},
    /* Veevo */
    {"veevo", VV, 200, "{\"STATUS\":\"SUCCESSFUL\",\"ERROR_FILTER\":\"\",\"ERROR_CODE\":\"\"}",
     SH_OK, PROVIDER_ACCEPTED, "msg_1", NULL, -1, NULL, 0},
    {"veevo", VV, 200,
     "{\"STATUS\":\"ERROR\",\"ERROR_FILTER\":\"hash\",\"ERROR_CODE\":104,"
     "\"ERROR_DESCRIPTION\":\"Invalid hash\"}",
     SH_OK, PROVIDER_REJECTED, NULL, "104", -1, NULL, 0},
    {"veevo", "{\"hash\":\"h\",\"id_field\":\"MESSAGE_ID\"}", 200,
     "{\"STATUS\":\"SUCCESSFUL\",\"MESSAGE_ID\":987}", SH_OK, PROVIDER_ACCEPTED, "987", NULL, -1,
     NULL, 0},
    {"veevo", VV, 200, "oops", SH_OK, PROVIDER_TEMP_FAIL, NULL, "bad-answer", -1, NULL, 0},
    /* SMSO */
    {"smso", SO, 200, "{\"status\":200,\"responseToken\":\"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"}",
     SH_OK, PROVIDER_ACCEPTED, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", NULL, -1, NULL, 0},
    {"smso", SO, 400, "{\"status\":400,\"errors\":{\"to\":[\"invalid\"]}}", SH_OK,
     PROVIDER_REJECTED, NULL, "400", -1, NULL, 0},
    {"smso", SO, 401, "{\"status\":401}", SH_OK, PROVIDER_REJECTED, NULL, "http-401", -1, NULL,
     PROVIDER_ALERT_AUTH},
    {"smso", SO, 402, "{\"status\":402}", SH_OK, PROVIDER_REJECTED, NULL, "402", -1, NULL,
     PROVIDER_ALERT_CREDIT},
    {"smso", SO, 503, "", SH_OK, PROVIDER_TEMP_FAIL, NULL, NULL, -1, NULL, 0},
    /* CEQUENS */
    {"cequens", CQ, 200,
     "{\"replyCode\":0,\"replyMessage\":\"Request handled successfully\",\"requestId\":\"6403\","
     "\"clientRequestId\":0,\"requestTime\":\"2021-02-16T10:47:40.296\",\"data\":{\"SentSMSIDs\":"
     "[{\"SMSId\":\"056ef72a-1\"}],\"InvalidRecipients\":\"\"}}",
     SH_OK, PROVIDER_ACCEPTED, "056ef72a-1", NULL, -1, NULL, 0},
    {"cequens", CQ, 200,
     "{\"replyCode\":0,\"data\":{\"SentSMSIDs\":[],\"InvalidRecipients\":\"2010\"}}", SH_OK,
     PROVIDER_REJECTED, NULL, "invalid-recipient", -1, NULL, 0},
    {"cequens", CQ, 200, "{\"replyCode\":3,\"replyMessage\":\"Invalid sender\"}", SH_OK,
     PROVIDER_REJECTED, NULL, "3", -1, NULL, 0},
    {"cequens", CQ, 401, "{}", SH_AGAIN, PROVIDER_TEMP_FAIL, NULL, NULL, -1, NULL, 0},
    {"cequens", "{\"api_token\":\"t\"}", 401, "{}", SH_OK, PROVIDER_REJECTED, NULL, NULL, -1, NULL,
     PROVIDER_ALERT_AUTH},
    {"cequens", CQ, 400, "{\"replyCode\":1,\"error\":{\"status\":400,\"description\":\"bad\"}}",
     SH_OK, PROVIDER_REJECTED, NULL, "1", -1, NULL, 0},
    /* generic */
    {"generic", GEN, 200, "{\"result\":{\"id\":\"G-1\"}}", SH_OK, PROVIDER_ACCEPTED, "G-1", NULL,
     -1, NULL, 0},
    {"generic", GEN, 200, "{\"result\":{\"id\":42}}", SH_OK, PROVIDER_ACCEPTED, "42", NULL, -1,
     NULL, 0},
    {"generic", GEN, 200, "{\"error\":\"INVALID number\"}", SH_OK, PROVIDER_REJECTED, NULL,
     "permanent-match", -1, NULL, 0},
    {"generic", GEN, 200, "{\"error\":\"try LATER\"}", SH_OK, PROVIDER_TEMP_FAIL, NULL,
     "temporary-match", -1, NULL, 0},
    {"generic", GEN, 200, "{}", SH_OK, PROVIDER_TEMP_FAIL, NULL, "bad-answer", -1, NULL, 0},
    {"generic", GEN, 400, "BUSY", SH_OK, PROVIDER_TEMP_FAIL, NULL, "http-400", -1, NULL, 0},
    {"generic", GEN, 400, "nope", SH_OK, PROVIDER_REJECTED, NULL, "http-400", -1, NULL, 0},
    {"generic", GEN, 429, "", SH_OK, PROVIDER_THROTTLED, NULL, NULL, -1, NULL, 0},
    {"generic", GEN, 503, "", SH_OK, PROVIDER_TEMP_FAIL, NULL, NULL, -1, NULL, 0},
    {"generic", "{\"url\":\"http://g\",\"id_regex\":\"ID: ([0-9]+)\",\"success_body\":\"OK\"}", 200,
     "OK ID: 12345\n", SH_OK, PROVIDER_ACCEPTED, "12345", NULL, -1, NULL, 0},
    {"generic", "{\"url\":\"http://g\",\"success_body\":\"OK\"}", 200, "ERR", SH_OK,
     PROVIDER_REJECTED, NULL, "no-success-match", -1, NULL, 0},
    {"generic", "{\"url\":\"http://g\"}", 202, "", SH_OK, PROVIDER_ACCEPTED, "msg_1", NULL, -1,
     NULL, 0},
};

static void test_send_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_LEN(cases); i++) {
        const struct ans_case *c = &cases[i];
        const struct dialect *d = dialect_find(c->dialect);
        void *cfg = tu_open(c->dialect, c->cfg);
        struct provider_msg m = {.id = "msg_1", .to = "+1", .from = "", .body = "x"};
        struct dialect_resp in = tu_resp(c->status, c->body);
        struct provider_result r;
        int rc = d->parse_send(cfg, &m, &in, &r);
        if (rc != c->rc || r.outcome != c->outcome)
            fail_msg("case %zu (%s %d): rc %d outcome %d", i, c->dialect, c->status, rc, r.outcome);
        if (c->pmid != NULL && strcmp(r.pmid, c->pmid) != 0)
            fail_msg("case %zu: pmid %s", i, r.pmid);
        if (c->code != NULL && strcmp(r.error_code, c->code) != 0)
            fail_msg("case %zu: code %s", i, r.error_code);
        if (c->parts >= 0 && r.parts != c->parts)
            fail_msg("case %zu: parts %d", i, r.parts);
        if (c->price != NULL && strcmp(r.price, c->price) != 0)
            fail_msg("case %zu: price %s", i, r.price);
        if (r.alert != c->alert)
            fail_msg("case %zu: alert %d", i, r.alert);
        d->config_free(cfg);
    }
}

struct poll_case {
    const char *dialect, *cfg;
    int status;
    const char *body;
    int rc;
    enum provider_dlr dlr;
    const char *error_code;
    int64_t at;
};

static const struct poll_case polls[] = {
    {"twilio", TW, 200,
     "{\"sid\":\"SMx1\",\"status\":\"delivered\",\"error_code\":null,"
     "\"date_updated\":\"Thu, 24 Aug 2023 05:01:45 +0000\"}",
     SH_OK, PROVIDER_DLR_DELIVERED, NULL, 1692853305000LL},
    {"twilio", TW, 200, "{\"sid\":\"SMx1\",\"status\":\"undelivered\",\"error_code\":30003}", SH_OK,
     PROVIDER_DLR_UNDELIVERED, "30003", 0},
    {"twilio", TW, 200, "{\"sid\":\"SMx1\",\"status\":\"failed\",\"error_code\":21614}", SH_OK,
     PROVIDER_DLR_REJECTED, "21614", 0},
    {"twilio", TW, 200, "{\"sid\":\"SMx1\",\"status\":\"failed\",\"error_code\":21212}", SH_OK,
     PROVIDER_DLR_FAILED, "21212", 0},
    {"twilio", "{\"account_sid\":\"" AC "\",\"auth_token\":\"t\",\"reject_error_codes\":\"21212\"}",
     200, "{\"sid\":\"SMx1\",\"status\":\"failed\",\"error_code\":21212}", SH_OK,
     PROVIDER_DLR_REJECTED, "21212", 0},
    {"twilio", TW, 200, "{\"sid\":\"SMx1\",\"status\":\"queued\"}", SH_OK, PROVIDER_DLR_NONE, NULL,
     0},
    {"twilio", TW, 404, "{\"code\":20404}", SH_EINVAL, PROVIDER_DLR_NONE, NULL, 0},
    {"eskiz", EZ, 200,
     "{\"status\":\"success\",\"data\":{\"id\":61359094,\"request_id\":\"b169\",\"user_sms_id\":"
     "null,\"status\":\"DELIVERED\",\"parts_count\":1,\"parts\":{\"0\":{\"dlr_state\":\"DELIVRD\","
     "\"part_index\":0,\"accepted\":true,\"dlr_time\":\"2024-05-31 22:02:32+05:00\"}},"
     "\"price\":0,\"total_price\":0},\"id\":null}",
     SH_OK, PROVIDER_DLR_DELIVERED, NULL, 1717174952000LL},
    {"eskiz", EZ, 200, "{\"status\":\"success\",\"data\":{\"status\":\"REJECTED\"}}", SH_OK,
     PROVIDER_DLR_REJECTED, NULL, 0},
    {"eskiz", EZ, 401, "{\"status\":\"token-invalid\",\"message\":\"Expired token\"}", SH_AGAIN,
     PROVIDER_DLR_NONE, NULL, 0},
    {"smso", SO, 200,
     "{\"status\":200,\"data\":{\"status\":\"delivered\",\"sent_at\":\"2019-05-01 15:18:20\","
     "\"delivered_at\":\"2019-05-01 15:18:25\",\"receiver\":{\"number\":\"+40722334455\"}}}",
     SH_OK, PROVIDER_DLR_DELIVERED, NULL, 1556723905000LL},
    {"smso", SO, 200, "{\"status\":200,\"data\":{\"status\":\"dispatched\"}}", SH_OK,
     PROVIDER_DLR_NONE, NULL, 0},
    {"cequens", CQ, 200, "{\"data\":{\"status\":2}}", SH_OK, PROVIDER_DLR_UNDELIVERED, NULL, 0},
    {"cequens", CQ, 200, "{\"data\":[{\"status\":1}]}", SH_OK, PROVIDER_DLR_DELIVERED, NULL, 0},
    {"playmobile", PM, 200, "{\"messages\":[{\"message-id\":\"m\",\"status\":\"notDelivered\"}]}",
     SH_OK, PROVIDER_DLR_UNDELIVERED, NULL, 0},
    {"generic",
     "{\"url\":\"http://g\",\"poll_url\":\"http://g/${pmid}\",\"poll_status_pointer\":"
     "\"/state\",\"dlr_status_map\":{\"OK\":\"delivered\"}}",
     200, "{\"state\":\"OK\"}", SH_OK, PROVIDER_DLR_DELIVERED, NULL, 0},
};

static void test_poll_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_LEN(polls); i++) {
        const struct poll_case *c = &polls[i];
        const struct dialect *d = dialect_find(c->dialect);
        void *cfg = tu_open(c->dialect, c->cfg);
        struct dialect_resp in = tu_resp(c->status, c->body);
        struct provider_report r;
        struct arena a;
        arena_init(&a);
        int rc = d->parse_poll(cfg, "SMx1", &in, &a, &r);
        if (rc != c->rc)
            fail_msg("poll %zu: rc %d", i, rc);
        if (rc == SH_OK) {
            assert_string_equal(r.pmid, "SMx1");
            if (r.status != c->dlr || r.at != c->at)
                fail_msg("poll %zu: status %d at %lld", i, r.status, (long long)r.at);
            if (c->error_code != NULL)
                assert_string_equal(r.error_code, c->error_code);
        }
        arena_release(&a);
        d->config_free(cfg);
    }
}

struct bal_case {
    const char *dialect, *cfg;
    int status;
    const char *body;
    int rc;
    const char *amount, *currency;
};

static const struct bal_case bals[] = {
    {"twilio", TW, 200, "{\"account_sid\":\"" AC "\",\"balance\":\"0.05\",\"currency\":\"USD\"}",
     SH_OK, "0.05", "USD"},
    {"twilio", TW, 401, "{\"code\":20003}", SH_EPERM, NULL, NULL},
    {"vonage", VN, 200, "{\"value\": 10.17127500, \"autoReload\": false}", SH_OK, "10.17127500",
     "EUR"},
    {"vonage", VN, 401, "", SH_EPERM, NULL, NULL},
    {"eskiz", EZ, 200, "{\"status\":\"success\",\"data\":{\"balance\":12500}}", SH_OK, "12500",
     "UZS"},
    {"eskiz", EZ, 401, "{\"status\":\"token-invalid\"}", SH_AGAIN, NULL, NULL},
    {"smso", SO, 200, "{\"status\":200,\"credit_value\":4847.72}", SH_OK, "4847.72", ""},
    {"cequens", "{\"api_token\":\"t\",\"balance_url\":\"http://c/b\"}", 200,
     "{\"data\":{\"balance\":\"99.5\"}}", SH_OK, "99.5", ""},
    {"generic",
     "{\"url\":\"http://g\",\"balance_url\":\"http://g/b\",\"balance_pointer\":"
     "\"/credit\",\"balance_currency\":\"EUR\"}",
     200, "{\"credit\":3}", SH_OK, "3", "EUR"},
    {"generic", "{\"url\":\"http://g\",\"balance_url\":\"http://g/b\"}", 200, "{}", SH_EINVAL, NULL,
     NULL},
};

static void test_balance_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_LEN(bals); i++) {
        const struct bal_case *c = &bals[i];
        const struct dialect *d = dialect_find(c->dialect);
        void *cfg = tu_open(c->dialect, c->cfg);
        struct dialect_resp in = tu_resp(c->status, c->body);
        struct dialect_balance b;
        int rc = d->parse_balance(cfg, &in, &b);
        if (rc != c->rc)
            fail_msg("balance %zu: rc %d", i, rc);
        if (rc == SH_OK) {
            assert_string_equal(b.amount, c->amount);
            assert_string_equal(b.currency, c->currency);
        }
        d->config_free(cfg);
    }
}

static void test_login_answers(void **state)
{
    (void)state;
    /* the spec's example token expires 1754676541 */
    static const char *jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3NTQ2NzY1NDEsImlhdCI6MTc1MjA4NDU0MSwicm9s"
        "ZSI6InVzZXIiLCJzaWduIjoiM2JmYmFhY2NmODc3MDc4OTgzM2I3YTllZWEwMGVjY2MzYTUzMzUwNDI1MDk2MGU5"
        "OTQyNDY0YmFkYmQ2MDIwMyIsInN1YiI6IjExNjI1In0.1NotN0j4fw83TJRf-YkK0QtJ1tY0dnWbWM0O4nhHI_I";
    char body[1024];
    void *ez = tu_open("eskiz", EZ);
    struct dialect_token tok;
    memset(&tok, 0, sizeof(tok));
    snprintf(
        body, sizeof(body),
        "{\"message\":\"token_generated\",\"data\":{\"token\":\"%s\"},\"token_type\":\"bearer\"}",
        jwt);
    struct dialect_resp in = tu_resp(200, body);
    assert_int_equal(dialect_eskiz.parse_login(ez, &in, 1752084541000LL, &tok), SH_OK);
    assert_string_equal(tok.value, jwt);
    assert_int_equal(tok.expires_ms, 1754676541000LL);
    assert_true(dialect_token_usable(&tok, 1752084541000LL + 1000));
    /* an opaque token: the configured TTL (30 days) applies */
    in = tu_resp(200, "{\"data\":{\"token\":\"opaque\"}}");
    assert_int_equal(dialect_eskiz.parse_login(ez, &in, 1000, &tok), SH_OK);
    assert_int_equal(tok.expires_ms, 1000 + 30LL * 86400 * 1000);
    in = tu_resp(401, "{\"message\":\"Invalid credentials\"}");
    assert_int_equal(dialect_eskiz.parse_login(ez, &in, 0, &tok), SH_EPERM);
    in = tu_resp(503, "");
    assert_int_equal(dialect_eskiz.parse_login(ez, &in, 0, &tok), SH_EIO);
    in = tu_resp(200, "{\"data\":{}}");
    assert_int_equal(dialect_eskiz.parse_login(ez, &in, 0, &tok), SH_EIO);
    dialect_eskiz.config_free(ez);

    void *cq = tu_open("cequens", CQ);
    snprintf(body, sizeof(body), "{\"data\":{\"access_token\":\"%s\"}}", jwt);
    in = tu_resp(200, body);
    assert_int_equal(dialect_cequens.parse_login(cq, &in, 1752084541000LL, &tok), SH_OK);
    assert_int_equal(tok.expires_ms, 1754676541000LL);
    in = tu_resp(400, "{}");
    assert_int_equal(dialect_cequens.parse_login(cq, &in, 0, &tok), SH_EPERM);
    dialect_cequens.config_free(cq);
}

/* Eskiz send-batch: the request, and one outcome per message from one answer. */
static void test_eskiz_batch(void **state)
{
    (void)state;
    void *ez = tu_open("eskiz", "{\"email\":\"e\",\"password\":\"p\",\"batch_window_ms\":50,"
                                "\"callback_url\":\"https://h/cb\"}");
    int window = 0, max = 0;
    dialect_eskiz.config_batch(ez, &window, &max);
    assert_int_equal(window, 50);
    assert_int_equal(max, 100);
    struct provider_msg m[3] = {{.id = "m1", .to = "+998901234567", .body = "a"},
                                {.id = "m2", .to = "+998901234568", .body = "b\"c"},
                                {.id = "m3", .to = "+998901234569", .body = "d"}};
    struct dialect_token tok = {.value = "T"};
    struct dialect_req r;
    struct arena a;
    arena_init(&a);
    assert_int_equal(dialect_eskiz.build_batch(ez, &tok, m, 3, 0, &a, &r), SH_OK);
    assert_string_equal(r.url, "https://notify.eskiz.uz/api/message/sms/send-batch");
    assert_string_equal(tu_req_header(&r, "Authorization"), "Bearer T");
    assert_string_equal(
        r.body, "{\"messages\":[{\"user_sms_id\":\"m1\",\"to\":998901234567,\"text\":\"a\"},"
                "{\"user_sms_id\":\"m2\",\"to\":998901234568,\"text\":\"b\\\"c\"},"
                "{\"user_sms_id\":\"m3\",\"to\":998901234569,\"text\":\"d\"}],"
                "\"from\":\"4546\",\"callback_url\":\"https://h/cb\"}");
    arena_release(&a);

    struct provider_result out[3];
    struct dialect_resp in =
        tu_resp(200, "{\"id\":\"R\",\"status\":[\"waiting\",\"waiting\",\"error\"]}");
    assert_int_equal(dialect_eskiz.parse_batch(ez, m, 3, &in, out), SH_OK);
    assert_int_equal(out[0].outcome, PROVIDER_ACCEPTED);
    assert_string_equal(out[0].pmid, "R#m1");
    assert_string_equal(out[1].pmid, "R#m2");
    assert_int_equal(out[2].outcome, PROVIDER_REJECTED);
    in = tu_resp(401, "{\"status\":\"token-invalid\"}");
    assert_int_equal(dialect_eskiz.parse_batch(ez, m, 3, &in, out), SH_AGAIN);
    in = tu_resp(400, "{\"message\":{\"messages.1.to\":[\"bad\"]}}");
    assert_int_equal(dialect_eskiz.parse_batch(ez, m, 3, &in, out), SH_ENOTFOUND);
    in = tu_resp(503, "");
    assert_int_equal(dialect_eskiz.parse_batch(ez, m, 3, &in, out), SH_OK);
    assert_int_equal(out[2].outcome, PROVIDER_TEMP_FAIL);
    in = tu_resp(429, "");
    assert_int_equal(dialect_eskiz.parse_batch(ez, m, 3, &in, out), SH_OK);
    assert_int_equal(out[0].outcome, PROVIDER_THROTTLED);
    in = tu_resp(200, "{\"status\":[]}");
    assert_int_equal(dialect_eskiz.parse_batch(ez, m, 3, &in, out), SH_OK);
    assert_int_equal(out[1].outcome, PROVIDER_TEMP_FAIL);
    /* a batch member's id names the whole batch: no status poll for it */
    arena_init(&a);
    assert_int_equal(dialect_eskiz.build_poll(ez, &tok, "R#m1", &a, &r), SH_ENOTFOUND);
    arena_release(&a);
    dialect_eskiz.config_free(ez);
}

/* Retry-After: delay-seconds, an HTTP date relative to now, garbage, the cap. */
static void test_retry_after(void **state)
{
    (void)state;
    struct dialect_kv h[2] = {{"Content-Type", "application/json"}, {"retry-after", NULL}};
    struct dialect_resp in = {.status = 429, .header = h, .nheader = 2, .body = "", .body_len = 0};
    const int64_t now = 784111777000LL; /* Sun, 06 Nov 1994 08:49:37 GMT */
    h[1].value = "3";
    assert_int_equal(dialect_retry_after_ms(&in, now), 3000);
    h[1].value = "0";
    assert_int_equal(dialect_retry_after_ms(&in, now), 0);
    h[1].value = "Sun, 06 Nov 1994 08:49:47 GMT";
    assert_int_equal(dialect_retry_after_ms(&in, now), 10000);
    h[1].value = "Sun, 06 Nov 1994 08:49:30 GMT"; /* past */
    assert_int_equal(dialect_retry_after_ms(&in, now), 0);
    h[1].value = "Sun, 06 Nov 1994 08:49:47 PST";
    assert_int_equal(dialect_retry_after_ms(&in, now), 0);
    h[1].value = "-5";
    assert_int_equal(dialect_retry_after_ms(&in, now), 0);
    h[1].value = "99999999999";
    assert_int_equal(dialect_retry_after_ms(&in, now), DIALECT_RETRY_AFTER_MAX_MS);
    h[1].value = "86400";
    assert_int_equal(dialect_retry_after_ms(&in, now), DIALECT_RETRY_AFTER_MAX_MS);
    in.nheader = 1;
    assert_int_equal(dialect_retry_after_ms(&in, now), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_answers),
        cmocka_unit_test(test_poll_answers),
        cmocka_unit_test(test_balance_answers),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_login_answers),
        cmocka_unit_test(test_eskiz_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
