/*
 * message_test.c — unit tests for core/message: validation of POST /v1/messages bodies
 * (SPEC §4.1, §4.2) and the request hash behind Idempotency-Key.
 *
 * One table: each row is a JSON body (optionally with one field filled by a repeated unit, for
 * the length limits), the (field, code) pairs the client must get back — every invalid field
 * at once — and, for valid bodies, what the normalised row must hold. "now" is fixed at
 * 2026-01-01T00:00:00Z so the time rules are exact.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/message.h"
#include "core/message_state.h"
#include "core/phone.h"

#define NOW INT64_C(1767225600000)                /* 2026-01-01T00:00:00Z */
#define OK "{'to':'+998901234567','text':'Hello'" /* JSON with ' for ", closed by the row */
#define TO "{'to':'+998901234567'"

struct fill {
    const char *field; /* set body[field] = unit repeated count times; "metadata": {"k": …} */
    const char *unit;
    int count;
};

struct parse_case {
    const char *name;
    const char *json; /* ' stands for " */
    struct fill fill;
    const char *errs;  /* "field:code,field:code" in any order; NULL when valid */
    const char *check; /* valid only: "key=value;key=value" on the parsed row */
};

static const struct parse_case cases[] = {
    /* valid bodies and their normalisation */
    {"minimal",
     OK "}",
     {0},
     NULL,
     "to=+998901234567;country=UZ;body=Hello;encoding=0;segments=1;priority=1;msg_type=1;"
     "status=0;due_at=1767225600000;scheduled_at=0;expires_at=0;from=(null);provider=(null);"
     "metadata=(null);callback_url=(null);project_id=prj_test;created_at=1767225600000"},
    {"every field",
     TO ",'text':'Код 1234','from':'MyShop','provider':'simulator','type':'otp',"
        "'callback_url':'https://example.com/cb?x=1','metadata':{'z':1,'a':'b'},"
        "'scheduled_at':'2026-01-02T00:00:00Z','expires_at':'2026-01-03T00:00:00Z'}",
     {0},
     NULL,
     "body=Код 1234;encoding=1;segments=1;from=MyShop;provider=simulator;"
     "callback_url=https://example.com/cb?x=1;metadata={\"a\":\"b\",\"z\":1};priority=0;"
     "msg_type=0;scheduled_at=1767312000000;due_at=1767312000000;expires_at=1767398400000"},
    {"null optional fields",
     OK ",'from':null,'metadata':null,'type':null}",
     {0},
     NULL,
     "from=(null);metadata=(null);priority=1"},
    {"to with separators",
     "{'to':'+998 (90) 123-45-67','text':'x'}",
     {0},
     NULL,
     "to=+998901234567;country=UZ"},
    {"to non-geographic: no country",
     "{'to':'+800 1234 5678','text':'x'}",
     {0},
     NULL,
     "to=+80012345678;country=(null)"},
    {"to with 00", "{'to':'00998901234567','text':'x'}", {0}, NULL, "to=+998901234567"},
    {"controls stripped",
     TO ",'text':'Hi\\u0001 there\\tyou\\u007f\\n'}",
     {0},
     NULL,
     "body=Hi there you\n"},
    {"gsm 160 is 1 part", OK "}", {"text", "a", 160}, NULL, "segments=1"},
    {"gsm 161 is 2 parts", OK "}", {"text", "a", 161}, NULL, "segments=2"},
    {"gsm 1530 is 10 parts", OK "}", {"text", "a", 1530}, NULL, "segments=10;encoding=0"},
    {"ucs2 70 is 1 part", OK "}", {"text", "Ж", 70}, NULL, "segments=1;encoding=1"},
    {"ucs2 71 is 2 parts", OK "}", {"text", "Ж", 71}, NULL, "segments=2"},
    {"ucs2 670 is 10 parts", OK "}", {"text", "Ж", 670}, NULL, "segments=10;encoding=1"},
    {"from 11 letters", OK ",'from':'ABCDEFGHIJK'}", {0}, NULL, "from=ABCDEFGHIJK"},
    {"from punctuation", OK ",'from':'Shop-1_&. A'}", {0}, NULL, "from=Shop-1_&. A"},
    {"from one letter", OK ",'from':'A'}", {0}, NULL, "from=A"},
    {"from 3 digits", OK ",'from':'123'}", {0}, NULL, "from=123"},
    {"from 15 digits, +", OK ",'from':'+123456789012345'}", {0}, NULL, "from=+123456789012345"},
    {"provider slug", OK ",'provider':'my-prov_2'}", {0}, NULL, "provider=my-prov_2"},
    {"provider 64", OK "}", {"provider", "p", 64}, NULL, NULL},
    {"callback http",
     OK ",'callback_url':'http://10.0.0.1:8080/x'}",
     {0},
     NULL,
     "callback_url=http://10.0.0.1:8080/x"},
    {"metadata 4096 bytes", OK "}", {"metadata", "x", 4088}, NULL, NULL},
    {"metadata empty", OK ",'metadata':{}}", {0}, NULL, "metadata={}"},
    {"type transactional", OK ",'type':'transactional'}", {0}, NULL, "priority=1;msg_type=1"},
    {"type marketing", OK ",'type':'marketing'}", {0}, NULL, "priority=2;msg_type=2"},
    {"scheduled in the past: now",
     OK ",'scheduled_at':'2025-12-31T00:00:00Z'}",
     {0},
     NULL,
     "scheduled_at=0;due_at=1767225600000"},
    {"scheduled 365 days ahead",
     OK ",'scheduled_at':'2027-01-01T00:00:00Z'}",
     {0},
     NULL,
     "scheduled_at=1798761600000"},
    {"expires in an hour",
     OK ",'expires_at':'2026-01-01T06:30:00+05:30'}",
     {0},
     NULL,
     "expires_at=1767229200000;due_at=1767225600000"},

    /* to */
    {"to missing", "{'text':'x'}", {0}, "to:required"},
    {"to null", "{'to':null,'text':'x'}", {0}, "to:required"},
    {"to number", "{'to':998901234567,'text':'x'}", {0}, "to:invalid_type"},
    {"to letters", "{'to':'call me','text':'x'}", {0}, "to:invalid_phone_number"},
    {"to too short", "{'to':'+99890123456','text':'x'}", {0}, "to:invalid_phone_number"},
    {"to national", "{'to':'901234567','text':'x'}", {0}, "to:invalid_phone_number"},
    {"to empty", "{'to':'','text':'x'}", {0}, "to:invalid_phone_number"},
    /* text */
    {"text missing", TO "}", {0}, "text:required"},
    {"text not string", TO ",'text':5}", {0}, "text:invalid_type"},
    {"text empty", TO ",'text':''}", {0}, "text:required"},
    {"text only controls", TO ",'text':'\\u0001\\u0002\\u007f\\u0085'}", {0}, "text:required"},
    {"text with NUL", TO ",'text':'a\\u0000b'}", {0}, "text:invalid_text"},
    {"gsm 1531 is 11 parts", OK "}", {"text", "a", 1531}, "text:too_long"},
    {"ucs2 671 is 11 parts", OK "}", {"text", "Ж", 671}, "text:too_long"},
    {"text over 16 KiB", OK "}", {"text", "a", 20000}, "text:too_long"},
    /* from */
    {"from 12 letters", OK ",'from':'ABCDEFGHIJKL'}", {0}, "from:invalid_sender"},
    {"from no letter", OK ",'from':'12-34'}", {0}, "from:invalid_sender"},
    {"from 2 digits", OK ",'from':'12'}", {0}, "from:invalid_sender"},
    {"from 16 digits", OK ",'from':'1234567890123456'}", {0}, "from:invalid_sender"},
    {"from symbol", OK ",'from':'Shop!'}", {0}, "from:invalid_sender"},
    {"from non-ascii", OK ",'from':'Магазин'}", {0}, "from:invalid_sender"},
    {"from empty", OK ",'from':''}", {0}, "from:invalid_sender"},
    {"from number", OK ",'from':12345}", {0}, "from:invalid_type"},
    /* provider, callback_url, metadata, type */
    {"provider upper case", OK ",'provider':'Simulator'}", {0}, "provider:invalid_provider"},
    {"provider empty", OK ",'provider':''}", {0}, "provider:invalid_provider"},
    {"provider 65", OK "}", {"provider", "p", 65}, "provider:invalid_provider"},
    {"provider path", OK ",'provider':'../x'}", {0}, "provider:invalid_provider"},
    {"callback ftp", OK ",'callback_url':'ftp://example.com/'}", {0}, "callback_url:invalid_url"},
    {"callback no scheme", OK ",'callback_url':'example.com/cb'}", {0}, "callback_url:invalid_url"},
    {"callback javascript",
     OK ",'callback_url':'javascript:alert(1)'}",
     {0},
     "callback_url:invalid_url"},
    {"callback no host", OK ",'callback_url':'https:///cb'}", {0}, "callback_url:invalid_url"},
    {"callback space", OK ",'callback_url':'https://a b.com/'}", {0}, "callback_url:invalid_url"},
    {"callback bool", OK ",'callback_url':true}", {0}, "callback_url:invalid_type"},
    {"metadata array", OK ",'metadata':[1]}", {0}, "metadata:invalid_type"},
    {"metadata string", OK ",'metadata':'{}'}", {0}, "metadata:invalid_type"},
    {"metadata 4097 bytes", OK "}", {"metadata", "x", 4089}, "metadata:too_large"},
    {"type upper case", OK ",'type':'OTP'}", {0}, "type:invalid_type"},
    {"type unknown", OK ",'type':'promo'}", {0}, "type:invalid_type"},
    {"type number", OK ",'type':0}", {0}, "type:invalid_type"},
    /* scheduled_at, expires_at */
    {"scheduled garbage", OK ",'scheduled_at':'next week'}", {0}, "scheduled_at:invalid_datetime"},
    {"scheduled no zone",
     OK ",'scheduled_at':'2026-01-02T00:00:00'}",
     {0},
     "scheduled_at:invalid_datetime"},
    {"scheduled number", OK ",'scheduled_at':1767312000}", {0}, "scheduled_at:invalid_type"},
    {"scheduled 365 d + 1 ms",
     OK ",'scheduled_at':'2027-01-01T00:00:00.001Z'}",
     {0},
     "scheduled_at:out_of_range"},
    {"expires now", OK ",'expires_at':'2026-01-01T00:00:00Z'}", {0}, "expires_at:out_of_range"},
    {"expires in the past",
     OK ",'expires_at':'2025-12-31T23:59:59Z'}",
     {0},
     "expires_at:out_of_range"},
    {"expires bad date",
     OK ",'expires_at':'2026-02-30T00:00:00Z'}",
     {0},
     "expires_at:invalid_datetime"},
    {"expires before schedule",
     OK ",'scheduled_at':'2026-01-03T00:00:00Z','expires_at':'2026-01-02T00:00:00Z'}",
     {0},
     "expires_at:out_of_range"},
    {"expires at schedule",
     OK ",'scheduled_at':'2026-01-03T00:00:00Z','expires_at':'2026-01-03T00:00:00Z'}",
     {0},
     "expires_at:out_of_range"},
    /* unknown fields, several errors at once */
    {"unknown field", OK ",'too':'+998901234567'}", {0}, "too:unknown_field"},
    {"wrong case field", TO ",'Text':'x'}", {0}, "Text:unknown_field,text:required"},
    {"everything wrong",
     "{'to':5,'text':'','from':'!!','provider':'Bad Slug','callback_url':'ftp://x',"
     "'metadata':[],'type':'x','scheduled_at':'no','expires_at':'2020-01-01T00:00:00Z','extra':1}",
     {0},
     "extra:unknown_field,to:invalid_type,text:required,from:invalid_sender,"
     "provider:invalid_provider,callback_url:invalid_url,metadata:invalid_type,"
     "type:invalid_type,scheduled_at:invalid_datetime,expires_at:out_of_range"},
};

static json_t *case_body(const struct parse_case *c)
{
    json_error_t jerr;
    char text[512];
    snprintf(text, sizeof(text), "%s", c->json);
    for (char *q = strchr(text, '\''); q != NULL; q = strchr(q, '\''))
        *q = '"';
    json_t *body = json_loads(text, JSON_ALLOW_NUL, &jerr);
    if (body == NULL)
        fail_msg("case '%s': bad test JSON: %s", c->name, jerr.text);
    if (c->fill.field != NULL) {
        size_t ul = strlen(c->fill.unit);
        char *s = malloc(ul * (size_t)c->fill.count + 1);
        assert_non_null(s);
        for (int i = 0; i < c->fill.count; i++)
            memcpy(s + ul * (size_t)i, c->fill.unit, ul);
        s[ul * (size_t)c->fill.count] = '\0';
        if (strcmp(c->fill.field, "metadata") == 0)
            json_object_set_new(body, "metadata", json_pack("{s:s}", "k", s));
        else
            json_object_set_new(body, c->fill.field, json_string(s));
        free(s);
    }
    return body;
}

/* The parsed row's value for key as text ("(null)" for NULL strings). */
static void row_value(const struct store_message *m, const char *key, char *out, size_t cap)
{
    const struct {
        const char *key;
        const char *s;
    } strs[] = {
        {"to", m->to},
        {"country", m->country},
        {"from", m->from},
        {"body", m->body},
        {"provider", m->provider},
        {"callback_url", m->callback_url},
        {"metadata", m->metadata},
        {"project_id", m->project_id},
    };
    const struct {
        const char *key;
        int64_t v;
    } nums[] = {
        {"encoding", m->encoding},
        {"segments", m->segments},
        {"priority", m->priority},
        {"msg_type", m->msg_type},
        {"status", m->status},
        {"due_at", m->due_at},
        {"scheduled_at", m->scheduled_at},
        {"expires_at", m->expires_at},
        {"created_at", m->created_at},
    };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        if (strcmp(key, strs[i].key) == 0) {
            snprintf(out, cap, "%s", strs[i].s ? strs[i].s : "(null)");
            return;
        }
    }
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        if (strcmp(key, nums[i].key) == 0) {
            snprintf(out, cap, "%lld", (long long)nums[i].v);
            return;
        }
    }
    fail_msg("unknown row key %s", key);
}

/* Checks every "key=value" of c->check; returns the number of mismatches. */
static int check_row(const struct parse_case *c, const struct store_message *m)
{
    char buf[1024], got[1024];
    int bad = 0;
    snprintf(buf, sizeof(buf), "%s", c->check ? c->check : "");
    for (char *save = NULL, *kv = strtok_r(buf, ";", &save); kv != NULL;
         kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        *eq = '\0';
        row_value(m, kv, got, sizeof(got));
        if (strcmp(got, eq + 1) != 0) {
            print_error("case '%s': %s = \"%s\", want \"%s\"\n", c->name, kv, got, eq + 1);
            bad++;
        }
    }
    return bad;
}

/* Checks the errors against c->errs (as a set, with the count); returns mismatches. */
static int check_errors(const struct parse_case *c, int rc, const struct field_errors *fe)
{
    char buf[1024];
    int want_n = 0, bad = 0;
    snprintf(buf, sizeof(buf), "%s", c->errs ? c->errs : "");
    for (char *save = NULL, *fc = strtok_r(buf, ",", &save); fc != NULL;
         fc = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(fc, ':');
        int found = 0;
        *colon = '\0';
        want_n++;
        for (int i = 0; i < fe->n && !found; i++)
            found = strcmp(fe->e[i].field, fc) == 0 && strcmp(fe->e[i].code, colon + 1) == 0;
        if (!found) {
            print_error("case '%s': missing error %s:%s\n", c->name, fc, colon + 1);
            bad++;
        }
    }
    if (rc != want_n || fe->n != want_n) {
        print_error("case '%s': rc=%d, %d error(s), want %d\n", c->name, rc, fe->n, want_n);
        for (int i = 0; i < fe->n; i++)
            print_error("    %s:%s (%s)\n", fe->e[i].field, fe->e[i].code, fe->e[i].detail);
        bad++;
    }
    for (int i = 0; i < fe->n; i++) {
        if (fe->e[i].detail[0] == '\0') {
            print_error("case '%s': error %s has no detail\n", c->name, fe->e[i].field);
            bad++;
        }
    }
    return bad;
}

static void test_parse_table(void **state)
{
    struct msg_limits lim;
    int bad = 0;
    (void)state;
    msg_limits_default(&lim);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct parse_case *c = &cases[i];
        struct field_errors fe = {.n = 0};
        struct store_message m;
        struct arena a;
        json_t *body = case_body(c);
        arena_init(&a);
        int rc = msg_request_parse(body, &lim, NOW, "prj_test", &a, &m, &fe);
        int before = bad;
        bad += check_errors(c, rc, &fe);
        if (c->errs == NULL && rc == 0) {
            bad += check_row(c, &m);
            if (m.id != NULL) {
                print_error("case '%s': id set by the parser\n", c->name);
                bad++;
            }
        }
        if (bad > before)
            print_error("  ^ case '%s'\n", c->name);
        arena_release(&a);
        json_decref(body);
    }
    if (bad > 0)
        fail_msg("%d message case(s) failed", bad);
}

static void test_errors_are_appended(void **state)
{
    struct msg_limits lim;
    struct field_errors fe = {.n = 0};
    struct store_message m;
    struct arena a;
    json_t *body = json_loads("{\"text\":\"x\"}", 0, NULL);
    (void)state;
    msg_limits_default(&lim);
    arena_init(&a);
    field_error_add(&fe, "other", "earlier", "from another validator");
    assert_int_equal(msg_request_parse(body, &lim, NOW, "prj", &a, &m, &fe), 1);
    assert_int_equal(fe.n, 2);
    assert_string_equal(fe.e[0].field, "other");
    assert_string_equal(fe.e[1].field, "to");
    /* lower limits from the caller are honoured */
    lim.max_segments = 1;
    json_decref(body);
    body = json_pack("{s:s,s:s}", "to", "+998901234567", "text",
                     "0123456789012345678901234567890123456789012345678901234567890123456789"
                     "0123456789012345678901234567890123456789012345678901234567890123456789"
                     "012345678901234567890");
    fe.n = 0;
    assert_int_equal(msg_request_parse(body, &lim, NOW, "prj", &a, &m, &fe), 1);
    assert_string_equal(fe.e[0].code, "too_long");
    json_decref(body);
    arena_release(&a);
}

struct hash_case {
    const char *a;
    const char *b;
    int equal;
};

static const struct hash_case hash_cases[] = {
    {"{\"to\":\"+1\",\"text\":\"hi\"}", "{\"text\":\"hi\",\"to\":\"+1\"}", 1},
    {"{\"to\":\"+1\",\"text\":\"hi\"}", " {\n \"to\" : \"+1\" ,\t\"text\":\"hi\" } ", 1},
    {"{\"m\":{\"x\":1,\"y\":[1,2]}}", "{\"m\":{\"y\":[1,2],\"x\":1}}", 1},
    {"{\"t\":\"é\"}", "{\"t\":\"\\u00e9\"}", 1},
    {"{\"to\":\"+1\",\"text\":\"hi\"}", "{\"to\":\"+1\",\"text\":\"hi!\"}", 0},
    {"{\"to\":\"+1\",\"text\":\"hi\"}", "{\"to\":\"+2\",\"text\":\"hi\"}", 0},
    {"{\"to\":\"+1\",\"text\":\"hi\"}", "{\"to\":\"+1\",\"text\":\"hi\",\"type\":\"otp\"}", 0},
    {"{\"m\":{\"y\":[1,2]}}", "{\"m\":{\"y\":[2,1]}}", 0},
    {"{\"a\":1}", "{\"a\":\"1\"}", 0},
    {"{\"a\":null}", "{}", 0},
    {"{\"a\":\"b\"}", "{\"b\":\"a\"}", 0},
};

static void test_hash(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hash_cases) / sizeof(hash_cases[0]); i++) {
        const struct hash_case *c = &hash_cases[i];
        unsigned char ha[32], hb[32], again[32];
        json_t *a = json_loads(c->a, 0, NULL);
        json_t *b = json_loads(c->b, 0, NULL);
        assert_non_null(a);
        assert_non_null(b);
        msg_request_hash(a, ha);
        msg_request_hash(b, hb);
        msg_request_hash(a, again);
        assert_memory_equal(ha, again, 32);
        if ((memcmp(ha, hb, 32) == 0) != c->equal)
            fail_msg("case %zu: %s vs %s: hashes %s", i, c->a, c->b,
                     c->equal ? "differ" : "are equal");
        json_decref(a);
        json_decref(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_errors_are_appended),
        cmocka_unit_test(test_hash),
    };
    phone_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
