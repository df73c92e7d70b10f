/*
 * http_requests_test.c — every dialect's request building: exact method, URL, body and the
 * authentication header, for plain, unicode and long texts; login/poll/balance requests.
 */
#include "http_util.h"

extern const struct dialect dialect_generic;

#define AC "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TWCFG "{\"account_sid\":\"" AC "\",\"auth_token\":\"tok\""

struct req_case {
    const char *dialect, *cfg;
    const char *to, *from, *text;
    int encoding;
    const char *method, *url, *body; /* body NULL: none; "*" = not compared */
    const char *hname, *hvalue;      /* one header to check, or NULL */
};

#define MP(f) "--smshub-boundary-7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name=\"" f
#define MPV "\"\r\n\r\n"
#define MPE "\r\n"

static const struct req_case cases[] = {
    {"twilio", TWCFG ",\"callback_url\":\"https://hub.example/v1/callbacks/twilio/cbtok\"}",
     "+14155552345", "+14155550000", "Hello & bye", 0, "POST",
     "https://api.twilio.com/2010-04-01/Accounts/" AC "/Messages.json",
     "To=%2B14155552345&From=%2B14155550000&Body=Hello+%26+bye&StatusCallback="
     "https%3A%2F%2Fhub.example%2Fv1%2Fcallbacks%2Ftwilio%2Fcbtok",
     "Authorization", "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTp0b2s="},
    {"twilio", TWCFG ",\"messaging_service_sid\":\"MG1\",\"validity_period_s\":600}",
     "+14155552345", "", "Привет", 1, "POST",
     "https://api.twilio.com/2010-04-01/Accounts/" AC "/Messages.json",
     "To=%2B14155552345&MessagingServiceSid=MG1&Body=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82"
     "&ValidityPeriod=600",
     "Content-Type", "application/x-www-form-urlencoded"},
    {"twilio", "{\"account_sid\":\"" AC "\",\"api_key_sid\":\"user\",\"api_key_secret\":\"pass\"}",
     "+1", "+2", "x", 0, "POST", "https://api.twilio.com/2010-04-01/Accounts/" AC "/Messages.json",
     "To=%2B1&From=%2B2&Body=x", "Authorization", "Basic dXNlcjpwYXNz"},
    {"vonage", "{\"api_key\":\"abcd1234\",\"api_secret\":\"s3cret\"}", "+447700900000", "Acme",
     "Hi", 0, "POST", "https://rest.nexmo.com/sms/json",
     "api_key=abcd1234&api_secret=s3cret&from=Acme&to=447700900000&text=Hi&client-ref=msg_1",
     "Content-Type", "application/x-www-form-urlencoded"},
    {"vonage",
     "{\"api_key\":\"abcd1234\",\"api_secret\":\"s3cret\",\"callback_url\":\"https://h/cb\","
     "\"ttl_ms\":60000}",
     "+447700900000", "Acme", "Ünïcode ✓", 1, "POST", "https://rest.nexmo.com/sms/json",
     "api_key=abcd1234&api_secret=s3cret&from=Acme&to=447700900000&text=%C3%9Cn%C3%AFcode+"
     "%E2%9C%93&type=unicode&callback=https%3A%2F%2Fh%2Fcb&client-ref=msg_1&ttl=60000",
     NULL, NULL},
    /* signed request: sig = HMAC-MD5 over the sorted params (value from vendorsig.py) */
    {"vonage",
     "{\"api_key\":\"abcd1234\",\"signature_secret\":\"vsecret\",\"signature_method\":\"md5\","
     "\"sign_requests\":true}",
     "+447700900000", "Acme", "Hi", 0, "POST", "https://rest.nexmo.com/sms/json",
     "api_key=abcd1234&from=Acme&to=447700900000&text=Hi&client-ref=msg_1&timestamp=1700000000"
     "&sig=3AC965B86490469BD268F95DC0C3A4F7",
     NULL, NULL},
    {"eskiz", "{\"email\":\"a@b.uz\",\"password\":\"pw\",\"callback_url\":\"https://h/cb\"}",
     "+998901234567", "", "Salom", 0, "POST", "https://notify.eskiz.uz/api/message/sms/send",
     MP("mobile_phone") MPV "998901234567" MPE MP("message") MPV "Salom" MPE MP("from") MPV
     "4546" MPE MP("callback_url") MPV "https://h/cb" MPE MP("user_sms_id") MPV
     "msg_1" MPE "--smshub-boundary-7MA4YWxkTrZu0gW--\r\n",
     "Authorization", "Bearer TOKEN"},
    {"playmobile",
     "{\"base_url\":\"https://send.smsxabar.uz/broker-api\",\"login\":\"user\","
     "\"password\":\"pass\",\"from\":\"3700\"}",
     "+998901234567", "", "Test \"q\"", 0, "POST", "https://send.smsxabar.uz/broker-api/send",
     "{\"messages\":[{\"recipient\":\"998901234567\",\"message-id\":\"msg_1\",\"sms\":"
     "{\"originator\":\"3700\",\"content\":{\"text\":\"Test \\\"q\\\"\"}}}]}",
     "Authorization", "Basic dXNlcjpwYXNz"},
    {"veevo", "{\"hash\":\"h4sh\"}", "+923001234567", "", "Hi", 0, "POST",
     "https://api.veevotech.com/v3/sendsms",
     "{\"hash\":\"h4sh\",\"receivernum\":\"+923001234567\",\"sendernum\":\"Default\","
     "\"textmessage\":\"Hi\"}",
     "Content-Type", "application/json"},
    {"veevo", "{\"hash\":\"h4sh\",\"api\":\"legacy\"}", "+923001234567", "8583", "Hi there", 0,
     "POST", "https://api.veevotech.com/sendsms",
     "hash=h4sh&receivenum=%2B923001234567&sendernum=8583&textmessage=Hi+there", NULL, NULL},
    {"smso",
     "{\"api_key\":\"KEY\",\"sender_id\":\"4\",\"type\":\"transactional\","
     "\"callback_url\":\"https://h/cb\",\"receive_replies\":true}",
     "+40722334455", "", "Buna", 0, "POST", "https://app.smso.ro/api/v1/send",
     "to=%2B40722334455&sender=4&body=Buna&type=transactional&webhook_status=https%3A%2F%2Fh%2Fcb"
     "&webhook_responses=https%3A%2F%2Fh%2Fcb",
     "X-Authorization", "KEY"},
    {"cequens", "{\"api_token\":\"LONGLIVED\",\"from\":\"Cequens\"}", "+201012345678", "", "مرحبا",
     1, "POST", "https://apis.cequens.com/sms/v1/messages",
     "{\"senderName\":\"Cequens\",\"messageType\":\"unicode\",\"recipients\":\"201012345678\","
     "\"messageText\":\"مرحبا\"}",
     "Authorization", "Bearer LONGLIVED"},
    {"cequens", "{\"api_key\":\"k\",\"user_name\":\"u\",\"callback_url\":\"https://h/cb\"}",
     "+201012345678", "Brand", "Hi", 0, "POST", "https://apis.cequens.com/sms/v1/messages",
     "{\"senderName\":\"Brand\",\"messageType\":\"text\",\"recipients\":\"201012345678\","
     "\"messageText\":\"Hi\",\"dlrUrl\":\"https://h/cb\",\"acknowledgement\":1}",
     "Authorization", "Bearer TOKEN"},
    {"generic", "{\"url\":\"https://sms.example/send?key=${api_key}\",\"api_key\":\"a b\"}",
     "+15550001", "Me", "a&b=c d", 0, "POST", "https://sms.example/send?key=a%20b",
     "to=%2B15550001&from=Me&text=a%26b%3Dc+d", "Content-Type",
     "application/x-www-form-urlencoded"},
    {"generic",
     "{\"url\":\"https://sms.example/v2/messages\",\"content_type\":\"json\",\"body\":"
     "\"{\\\"to\\\":\\\"${to_digits}\\\",\\\"text\\\":\\\"${text}\\\",\\\"ref\\\":\\\"${id}\\\","
     "\\\"unicode\\\":${unicode}}\",\"headers\":{\"X-Api-Key\":\"${api_key}\"},"
     "\"api_key\":\"K1\"}",
     "+15550001", "Me", "say \"hi\"\n", 1, "POST", "https://sms.example/v2/messages",
     "{\"to\":\"15550001\",\"text\":\"say \\\"hi\\\"\\n\",\"ref\":\"msg_1\",\"unicode\":1}",
     "X-Api-Key", "K1"},
    {"generic",
     "{\"url\":\"https://sms.example/xml\",\"content_type\":\"xml\",\"body\":"
     "\"<sms><to>${to}</to><text>${text}</text></sms>\",\"username\":\"user\","
     "\"password\":\"pass\"}",
     "+15550001", "Me", "<b>&'", 0, "POST", "https://sms.example/xml",
     "<sms><to>+15550001</to><text>&lt;b&gt;&amp;&apos;</text></sms>", "Authorization",
     "Basic dXNlcjpwYXNz"},
    {"generic",
     "{\"url\":\"https://sms.example/send?to=${to}&msg=${text}&from=${from}\",\"method\":\"GET\"}",
     "+15550001", "", "50% off", 0, "GET",
     "https://sms.example/send?to=%2B15550001&msg=50%25%20off&from=", NULL, NULL, NULL},
};

static void test_send_requests(void **state)
{
    (void)state;
    struct dialect_token tok = {.value = "TOKEN"};
    for (size_t i = 0; i < TU_LEN(cases); i++) {
        const struct req_case *c = &cases[i];
        const struct dialect *d = dialect_find(c->dialect);
        void *cfg = tu_open(c->dialect, c->cfg);
        struct provider_msg m = {.id = "msg_1",
                                 .to = c->to,
                                 .from = c->from,
                                 .body = c->text,
                                 .encoding = c->encoding,
                                 .segments = 1,
                                 .attempt = 1};
        struct dialect_req r;
        struct arena a;
        arena_init(&a);
        assert_int_equal(d->build_send(cfg, &tok, &m, 1700000000123LL, &a, &r), SH_OK);
        if (strcmp(r.method, c->method) != 0 || strcmp(r.url, c->url) != 0)
            fail_msg("case %zu: %s %s", i, r.method, r.url);
        if (c->body == NULL) {
            assert_null(r.body);
        } else if (strcmp(c->body, "*") != 0) {
            assert_non_null(r.body);
            if (strlen(c->body) != r.body_len || memcmp(c->body, r.body, r.body_len) != 0)
                fail_msg("case %zu body:\n%.*s\nwant:\n%s", i, (int)r.body_len, r.body, c->body);
        }
        if (c->hname != NULL) {
            const char *v = tu_req_header(&r, c->hname);
            if (v == NULL || strcmp(v, c->hvalue) != 0)
                fail_msg("case %zu header %s: %s", i, c->hname, v ? v : "(none)");
        }
        arena_release(&a);
        d->config_free(cfg);
    }
}

/* A 1000-character GSM text goes out whole: the vendors split it themselves. */
static void test_long_message(void **state)
{
    (void)state;
    char text[1001];
    memset(text, 'a', 1000);
    text[1000] = '\0';
    for (size_t i = 0; dialect_all[i] != NULL; i++) {
        const struct dialect *d = dialect_all[i];
        static const struct {
            const char *name, *cfg;
        } cfgs[] = {
            {"twilio", TWCFG "}"},
            {"vonage", "{\"api_key\":\"k\",\"api_secret\":\"s\"}"},
            {"eskiz", "{\"email\":\"e\",\"password\":\"p\"}"},
            {"playmobile", "{\"base_url\":\"http://x\",\"login\":\"l\",\"password\":\"p\"}"},
            {"veevo", "{\"hash\":\"h\"}"},
            {"smso", "{\"api_key\":\"k\"}"},
            {"cequens", "{\"api_token\":\"t\"}"},
            {"generic", "{\"url\":\"http://x\"}"}};
        const char *cfgtext = NULL;
        for (size_t k = 0; k < TU_LEN(cfgs); k++)
            if (strcmp(cfgs[k].name, d->name) == 0)
                cfgtext = cfgs[k].cfg;
        assert_non_null(cfgtext);
        void *cfg = tu_open(d->name, cfgtext);
        struct provider_msg m = {.id = "msg_1",
                                 .to = "+15550001",
                                 .from = "X",
                                 .body = text,
                                 .segments = 7,
                                 .attempt = 1};
        struct dialect_req r;
        struct dialect_token tok = {.value = "T"};
        struct arena a;
        arena_init(&a);
        assert_int_equal(d->build_send(cfg, &tok, &m, 0, &a, &r), SH_OK);
        assert_non_null(r.body);
        assert_non_null(memmem(r.body, r.body_len, text, 1000));
        arena_release(&a);
        d->config_free(cfg);
    }
}

struct aux_case {
    const char *dialect, *cfg;
    int kind; /* 0 login, 1 login with an old token (refresh), 2 poll, 3 balance */
    int want_rc;
    const char *method, *url, *body;
};

static const struct aux_case aux[] = {
    {"twilio", TWCFG "}", 2, SH_OK, "GET",
     "https://api.twilio.com/2010-04-01/Accounts/" AC "/Messages/SMx1.json", NULL},
    {"twilio", TWCFG "}", 3, SH_OK, "GET",
     "https://api.twilio.com/2010-04-01/Accounts/" AC "/Balance.json", NULL},
    {"vonage", "{\"api_key\":\"abcd1234\",\"api_secret\":\"s&3\"}", 3, SH_OK, "GET",
     "https://rest.nexmo.com/account/get-balance?api_key=abcd1234&api_secret=s%263", NULL},
    {"eskiz", "{\"email\":\"a@b.uz\",\"password\":\"pw\"}", 0, SH_OK, "POST",
     "https://notify.eskiz.uz/api/auth/login",
     MP("email") MPV "a@b.uz" MPE MP("password") MPV "pw" MPE
                                                     "--smshub-boundary-7MA4YWxkTrZu0gW--\r\n"},
    {"eskiz", "{\"email\":\"a@b.uz\",\"password\":\"pw\"}", 1, SH_OK, "PATCH",
     "https://notify.eskiz.uz/api/auth/refresh", NULL},
    {"eskiz", "{\"email\":\"a@b.uz\",\"password\":\"pw\"}", 2, SH_OK, "GET",
     "https://notify.eskiz.uz/api/message/sms/status_by_id/SMx1", NULL},
    {"eskiz", "{\"email\":\"a@b.uz\",\"password\":\"pw\"}", 3, SH_OK, "GET",
     "https://notify.eskiz.uz/api/user/get-limit", NULL},
    {"smso", "{\"api_key\":\"k\"}", 2, SH_OK, "GET",
     "https://app.smso.ro/api/v1/status?responseToken=SMx1", NULL},
    {"smso", "{\"api_key\":\"k\"}", 3, SH_OK, "GET", "https://app.smso.ro/api/v1/credit-check",
     NULL},
    {"cequens", "{\"api_key\":\"k\",\"user_name\":\"u\"}", 0, SH_OK, "POST",
     "https://apis.cequens.com/auth/v1/tokens", "{\"apiKey\":\"k\",\"userName\":\"u\"}"},
    {"cequens", "{\"api_token\":\"t\"}", 0, SH_ENOTFOUND, NULL, NULL, NULL},
    {"cequens", "{\"api_token\":\"t\"}", 2, SH_OK, "GET",
     "https://apis.cequens.com/sms/v1/messages/SMx1", NULL},
    {"cequens", "{\"api_token\":\"t\"}", 3, SH_ENOTFOUND, NULL, NULL, NULL},
    {"playmobile", "{\"base_url\":\"http://pm/broker-api\",\"login\":\"l\",\"password\":\"p\"}", 2,
     SH_ENOTFOUND, NULL, NULL, NULL},
    {"playmobile",
     "{\"base_url\":\"http://pm/broker-api\",\"login\":\"l\",\"password\":\"p\","
     "\"dlr_poll\":true}",
     2, SH_OK, "POST", "http://pm/broker-api/get-status", "{\"message-id\":[\"SMx1\"]}"},
    {"generic",
     "{\"url\":\"http://g/send\",\"poll_url\":\"http://g/status/${pmid}?k=${key}\","
     "\"key\":\"K\"}",
     2, SH_OK, "GET", "http://g/status/SMx1?k=K", NULL},
    {"generic", "{\"url\":\"http://g/send\"}", 3, SH_ENOTFOUND, NULL, NULL, NULL},
};

static void test_aux_requests(void **state)
{
    (void)state;
    for (size_t i = 0; i < TU_LEN(aux); i++) {
        const struct aux_case *c = &aux[i];
        const struct dialect *d = dialect_find(c->dialect);
        void *cfg = tu_open(c->dialect, c->cfg);
        struct dialect_token tok = {.value = "TOKEN"};
        struct dialect_req r;
        struct arena a;
        int rc;
        arena_init(&a);
        memset(&r, 0, sizeof(r));
        if (c->kind <= 1)
            rc = d->build_login(cfg, c->kind == 1 ? &tok : NULL, &a, &r);
        else if (c->kind == 2)
            rc = d->build_poll != NULL ? d->build_poll(cfg, &tok, "SMx1", &a, &r) : SH_ENOTFOUND;
        else
            rc = d->build_balance != NULL ? d->build_balance(cfg, &tok, &a, &r) : SH_ENOTFOUND;
        if (rc != c->want_rc)
            fail_msg("aux case %zu: rc %d", i, rc);
        if (rc == SH_OK) {
            if (strcmp(r.method, c->method) != 0 || strcmp(r.url, c->url) != 0)
                fail_msg("aux case %zu: %s %s", i, r.method, r.url);
            if (c->body != NULL && (r.body == NULL || strcmp(r.body, c->body) != 0))
                fail_msg("aux case %zu body: %s", i, r.body ? r.body : "(none)");
        }
        arena_release(&a);
        d->config_free(cfg);
    }
}

static void test_bad_configs(void **state)
{
    (void)state;
    static const struct {
        const char *dialect, *cfg, *err;
    } bad[] = {
        {"twilio", "{}", "account_sid is required"},
        {"twilio", "{\"account_sid\":\"AC1\",\"auth_token\":\"t\"}", "account_sid"},
        {"twilio", "{\"account_sid\":\"" AC "\"}", "auth_token is required"},
        {"twilio", "[1]", "settings: not a JSON object"},
        {"vonage", "{\"api_key\":\"k\"}", "api_secret is required"},
        {"vonage", "{\"api_key\":\"k\",\"api_secret\":\"s\",\"signature_method\":\"crc\"}",
         "signature_method"},
        {"vonage", "{\"api_key\":\"k\",\"sign_requests\":true}", "signature_secret is required"},
        {"eskiz", "{\"email\":\"e\"}", "password is required"},
        {"playmobile", "{\"login\":\"l\",\"password\":\"p\"}", "base_url is required"},
        {"veevo", "{\"hash\":\"h\",\"api\":\"v9\"}", "api"},
        {"smso", "{\"api_key\":\"k\",\"type\":\"spam\"}", "type"},
        {"cequens", "{\"api_key\":\"k\"}", "user_name is required"},
        {"generic", "{\"url\":\"http://x\",\"content_type\":\"yaml\"}", "content_type"},
        {"generic", "{\"url\":\"http://x\",\"id_regex\":\"(\"}", "id_regex"},
        {"generic", "{\"url\":\"http://x\",\"success_status\":\"ok\"}", "success_status"},
        {"generic", "{\"url\":\"http://x\",\"dlr_status_map\":{\"D\":\"done\"}}", "dlr_status_map"},
        {"generic", "{\"url\":\"http://x/${nope}\"}", "url: an unknown"},
        {"generic", "{\"url\":\"http://x\",\"body\":\"a=${text\"}", "body: an unknown"},
        {"generic", "{\"url\":\"http://x\",\"poll_url\":\"http://x/${id}\"}", "poll_url"},
        {"generic", "{\"url\":\"http://x\",\"headers\":{\"X\":\"${pmid}\"}}", "headers"},
    };
    for (size_t i = 0; i < TU_LEN(bad); i++) {
        char err[200] = "";
        void *cfg = NULL;
        const struct dialect *d = dialect_find(bad[i].dialect);
        assert_int_equal(d->config_new(bad[i].cfg, err, sizeof(err), &cfg), SH_EINVAL);
        assert_null(cfg);
        if (strstr(err, bad[i].err) == NULL)
            fail_msg("bad config %zu: err %s", i, err);
    }
    /* a template may name any top-level string setting, and the callback URL */
    void *cfg = tu_open("generic", "{\"url\":\"http://x/${key}?cb=${callback_url}\","
                                   "\"key\":\"k\",\"callback_url\":\"http://h/c\"}");
    struct provider_msg m = {.id = "1", .to = "+1", .from = "", .body = "x"};
    struct dialect_req r;
    struct arena a;
    arena_init(&a);
    assert_int_equal(dialect_generic.build_send(cfg, NULL, &m, 0, &a, &r), SH_OK);
    assert_string_equal(r.url, "http://x/k?cb=http%3A%2F%2Fh%2Fc");
    arena_release(&a);
    dialect_generic.config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_requests),
        cmocka_unit_test(test_long_message),
        cmocka_unit_test(test_aux_requests),
        cmocka_unit_test(test_bad_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
