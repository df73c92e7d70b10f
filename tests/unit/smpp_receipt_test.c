/*
 * smpp_receipt_test.c — unit tests for smpp/receipt: the lenient delivery-receipt parser
 * and hex/decimal message-id comparison.
 *
 * Starts from the SMPP 3.4 Appendix B text and varies it the ways carriers do: fields
 * missing, reordered, in other cases, with extra blanks, dates with seconds, every stat
 * word and its variants. Inputs are passed as exact-size heap copies without a NUL so ASan
 * catches any read past the given length.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "smpp/receipt.h"

#define STD                                                                                        \
    "id:0123456789 sub:001 dlvrd:001 submit date:2411221030 done date:2411221031 stat:DELIVRD "    \
    "err:000 text:Hello world"

#define ALL                                                                                        \
    (SMPP_RCPT_ID | SMPP_RCPT_SUB | SMPP_RCPT_DLVRD | SMPP_RCPT_SUBMIT_DATE |                      \
     SMPP_RCPT_DONE_DATE | SMPP_RCPT_STAT | SMPP_RCPT_ERR | SMPP_RCPT_TEXT)

/* Parses the first len octets of s from an exact-size copy with no terminator. */
static int parse_n(const char *s, size_t len, struct smpp_receipt *r)
{
    char *copy = malloc(len ? len : 1);
    int st;
    assert_non_null(copy);
    memcpy(copy, s, len);
    st = smpp_receipt_parse(len ? copy : NULL, len, r);
    free(copy);
    return st;
}

static int parse(const char *s, struct smpp_receipt *r)
{
    return parse_n(s, strlen(s), r);
}

static void test_standard(void **state)
{
    struct smpp_receipt r;
    (void)state;
    assert_int_equal(parse(STD, &r), SH_OK);
    assert_int_equal(r.present, ALL);
    assert_string_equal(r.id, "0123456789");
    assert_int_equal(r.sub, 1);
    assert_int_equal(r.dlvrd, 1);
    assert_int_equal(r.submit_date.year, 2024);
    assert_int_equal(r.submit_date.month, 11);
    assert_int_equal(r.submit_date.day, 22);
    assert_int_equal(r.submit_date.hour, 10);
    assert_int_equal(r.submit_date.minute, 30);
    assert_int_equal(r.submit_date.has_seconds, 0);
    assert_int_equal(r.done_date.minute, 31);
    assert_int_equal(smpp_receipt_time_epoch(&r.submit_date), 1732271400);
    assert_int_equal(r.stat, SMPP_STATE_DELIVERED);
    assert_string_equal(r.stat_text, "DELIVRD");
    assert_string_equal(r.err, "000");
    assert_int_equal(r.err_code, 0);
    assert_string_equal(r.text, "Hello world");
    assert_int_equal(r.text_len, 11);
}

/* Each field of STD, so each can be removed in turn. */
static const struct {
    const char *part;
    unsigned bit;
} parts[] = {
    {"id:0123456789", SMPP_RCPT_ID},
    {"sub:001", SMPP_RCPT_SUB},
    {"dlvrd:001", SMPP_RCPT_DLVRD},
    {"submit date:2411221030", SMPP_RCPT_SUBMIT_DATE},
    {"done date:2411221031", SMPP_RCPT_DONE_DATE},
    {"stat:DELIVRD", SMPP_RCPT_STAT},
    {"err:000", SMPP_RCPT_ERR},
    {"text:Hello world", SMPP_RCPT_TEXT},
};
#define NPARTS (sizeof(parts) / sizeof(parts[0]))

static void test_each_field_missing(void **state)
{
    (void)state;
    for (size_t skip = 0; skip < NPARTS; skip++) {
        char s[256] = "";
        struct smpp_receipt r;
        for (size_t i = 0; i < NPARTS; i++) {
            if (i == skip)
                continue;
            strcat(s, parts[i].part);
            strcat(s, " ");
        }
        assert_int_equal(parse(s, &r), SH_OK);
        if (r.present != (ALL & ~parts[skip].bit))
            fail_msg("without %s: present %#x", parts[skip].part, r.present);
        if (skip != 0)
            assert_string_equal(r.id, "0123456789");
        if (skip != 5)
            assert_int_equal(r.stat, SMPP_STATE_DELIVERED);
        else
            assert_int_equal(r.stat, SMPP_STATE_NONE);
    }
}

static void test_orders(void **state)
{
    /* reverse order, and a rotation per start index */
    (void)state;
    for (size_t start = 0; start <= NPARTS; start++) {
        char s[256] = "";
        struct smpp_receipt r;
        for (size_t i = 0; i < NPARTS; i++) {
            size_t k = start == NPARTS ? NPARTS - 1 - i : (start + i) % NPARTS;
            strcat(s, parts[k].part);
            strcat(s, i + 1 < NPARTS ? " " : "");
        }
        assert_int_equal(parse(s, &r), SH_OK);
        if (r.present != ALL)
            fail_msg("order %zu (%s): present %#x", start, s, r.present);
        assert_string_equal(r.id, "0123456789");
        assert_string_equal(r.text, "Hello world");
        assert_int_equal(r.stat, SMPP_STATE_DELIVERED);
        assert_int_equal(r.done_date.minute, 31);
    }
}

static const struct variant {
    const char *name;
    const char *text;
    unsigned present;
    const char *id;
    int stat;
} variants[] = {
    {"lowercase values",
     "id:abc sub:1 dlvrd:1 submit date:2411221030 done date:2411221031 "
     "stat:delivrd err:0 text:hi",
     ALL, "abc", SMPP_STATE_DELIVERED},
    {"uppercase keys",
     "ID:abc SUB:1 DLVRD:1 SUBMIT DATE:2411221030 DONE DATE:2411221031 "
     "STAT:UNDELIV ERR:0 TEXT:hi",
     ALL, "abc", SMPP_STATE_UNDELIVERABLE},
    {"mixed case",
     "Id:abc Sub:1 Dlvrd:1 Submit Date:2411221030 Done Date:2411221031 Stat:Expired "
     "Err:0 Text:hi",
     ALL, "abc", SMPP_STATE_EXPIRED},
    {"extra spaces",
     "  id:abc   sub:001  dlvrd:001   submit  date:2411221030\tdone date:2411221031"
     "   stat:DELIVRD    err:000   text:  hi  ",
     ALL, "abc", SMPP_STATE_DELIVERED},
    {"blanks around colon",
     "id : abc sub: 1 dlvrd :1 submit date : 2411221030 done date:2411221031 "
     "stat : REJECTD err: 0 text : hi",
     ALL, "abc", SMPP_STATE_REJECTED},
    {"underscored dates", "id:abc submit_date:2411221030 done_date:241122103159 stat:ACCEPTD",
     SMPP_RCPT_ID | SMPP_RCPT_SUBMIT_DATE | SMPP_RCPT_DONE_DATE | SMPP_RCPT_STAT, "abc",
     SMPP_STATE_ACCEPTED},
    {"newlines", "id:abc\r\nstat:ENROUTE\r\n", SMPP_RCPT_ID | SMPP_RCPT_STAT, "abc",
     SMPP_STATE_ENROUTE},
    {"text first", "text:hi there id:abc stat:DELETED",
     SMPP_RCPT_TEXT | SMPP_RCPT_ID | SMPP_RCPT_STAT, "abc", SMPP_STATE_DELETED},
    {"empty id value", "id: sub:001 stat:DELIVRD", SMPP_RCPT_SUB | SMPP_RCPT_STAT, "",
     SMPP_STATE_DELIVERED},
    {"id too long",
     "id:12345678901234567890123456789012345678901234567890123456789012345 stat:DELIVRD",
     SMPP_RCPT_STAT, "", SMPP_STATE_DELIVERED},
    {"id of 64", "id:1234567890123456789012345678901234567890123456789012345678901234",
     SMPP_RCPT_ID, "1234567890123456789012345678901234567890123456789012345678901234",
     SMPP_STATE_NONE},
    {"unknown stat", "id:9 stat:WEIRD", SMPP_RCPT_ID | SMPP_RCPT_STAT, "9", SMPP_STATE_NONE},
    {"first occurrence wins", "id:1 stat:DELIVRD text:x id:2 stat:UNDELIV",
     SMPP_RCPT_ID | SMPP_RCPT_STAT | SMPP_RCPT_TEXT, "1", SMPP_STATE_DELIVERED},
    {"unknown keys skipped", "foo:bar id:7 baz stat:DELIVRD qux:1", SMPP_RCPT_ID | SMPP_RCPT_STAT,
     "7", SMPP_STATE_DELIVERED},
    {"key inside a word is no key", "xid:5 substat:DELIVRD id:6", SMPP_RCPT_ID, "6",
     SMPP_STATE_NONE},
    {"bad counts", "id:1 sub:abc dlvrd:1234567890", SMPP_RCPT_ID, "1", SMPP_STATE_NONE},
};

static void test_variants(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        const struct variant *v = &variants[i];
        struct smpp_receipt r;
        assert_int_equal(parse(v->text, &r), SH_OK);
        if (r.present != v->present)
            fail_msg("%s: present %#x, want %#x", v->name, r.present, v->present);
        if (strcmp(r.id, v->id) != 0 || r.stat != v->stat)
            fail_msg("%s: id '%s' stat %d", v->name, r.id, r.stat);
    }
}

static void test_text_values(void **state)
{
    struct smpp_receipt r;
    char big[400];
    (void)state;
    assert_int_equal(parse("id:1 text:  hi there  ", &r), SH_OK);
    assert_string_equal(r.text, "hi there");
    assert_int_equal(parse("text:a stat:DELIVRD", &r), SH_OK);
    assert_string_equal(r.text, "a");
    assert_int_equal(parse("id:1 text:", &r), SH_OK);
    assert_int_equal(r.text_len, 0);
    /* long text is truncated */
    strcpy(big, "id:1 text:");
    memset(big + 10, 'x', 300);
    big[310] = 0;
    assert_int_equal(parse(big, &r), SH_OK);
    assert_int_equal(r.text_len, SMPP_RECEIPT_TEXT_MAX - 1);
    /* text with NUL octets from the wire */
    assert_int_equal(parse_n("id:1 text:a\0b", 13, &r), SH_OK);
    assert_int_equal(r.text_len, 3);
    assert_memory_equal(r.text, "a\0b", 3);
}

static void test_dates(void **state)
{
    static const struct {
        const char *date;
        int ok;
        int has_seconds;
        int64_t epoch;
    } dates[] = {
        {"2411221030", 1, 0, 1732271400},
        {"241122103000", 1, 1, 1732271400},
        {"240229235959", 1, 1, 1709251199},
        {"0001010000", 1, 0, 946684800},
        {"230229000000", 0, 0, 0},
        {"2413011000", 0, 0, 0},
        {"2400011000", 0, 0, 0},
        {"2401002359", 0, 0, 0},
        {"2401012400", 0, 0, 0},
        {"2401012360", 0, 0, 0},
        {"240101235960", 0, 0, 0},
        {"241122103", 0, 0, 0},
        {"24112210300", 0, 0, 0},
        {"2411221030001", 0, 0, 0},
        {"24112210a0", 0, 0, 0},
        {"2404311000", 0, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        char s[64];
        struct smpp_receipt r;
        snprintf(s, sizeof(s), "id:1 done date:%s", dates[i].date);
        assert_int_equal(parse(s, &r), SH_OK);
        if (!!(r.present & SMPP_RCPT_DONE_DATE) != dates[i].ok)
            fail_msg("date %s: accepted %d", dates[i].date, !dates[i].ok);
        if (!dates[i].ok)
            continue;
        assert_int_equal(r.done_date.has_seconds, dates[i].has_seconds);
        assert_int_equal(smpp_receipt_time_epoch(&r.done_date), dates[i].epoch);
    }
}

static void test_stat_words(void **state)
{
    static const struct {
        const char *word;
        int state;
    } words[] = {
        {"DELIVRD", SMPP_STATE_DELIVERED},
        {"DELIVERED", SMPP_STATE_DELIVERED},
        {"EXPIRED", SMPP_STATE_EXPIRED},
        {"DELETED", SMPP_STATE_DELETED},
        {"UNDELIV", SMPP_STATE_UNDELIVERABLE},
        {"UNDELIVERABLE", SMPP_STATE_UNDELIVERABLE},
        {"UNDELIVERED", SMPP_STATE_UNDELIVERABLE},
        {"FAILED", SMPP_STATE_UNDELIVERABLE},
        {"ACCEPTD", SMPP_STATE_ACCEPTED},
        {"ACCEPTED", SMPP_STATE_ACCEPTED},
        {"UNKNOWN", SMPP_STATE_UNKNOWN},
        {"REJECTD", SMPP_STATE_REJECTED},
        {"REJECTED", SMPP_STATE_REJECTED},
        {"ENROUTE", SMPP_STATE_ENROUTE},
        {"enroute", SMPP_STATE_ENROUTE},
        {"DELIV", SMPP_STATE_NONE},
        {"DELIVRDX", SMPP_STATE_NONE},
        {"0", SMPP_STATE_NONE},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        char s[64];
        struct smpp_receipt r;
        snprintf(s, sizeof(s), "id:1 stat:%s err:001", words[i].word);
        assert_int_equal(parse(s, &r), SH_OK);
        assert_true(r.present & SMPP_RCPT_STAT);
        if (r.stat != words[i].state)
            fail_msg("stat %s: %d", words[i].word, r.stat);
        assert_string_equal(r.stat_text, words[i].word);
        assert_int_equal(r.err_code, 1);
    }
}

static void test_err_values(void **state)
{
    static const struct {
        const char *err;
        long code;
    } errs[] = {{"000", 0},  {"1", 1},     {"069", 69}, {"0A", 10},
                {"ff", 255}, {"0x1F", 31}, {"zz", -1},  {"-1", -1}};
    (void)state;
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        char s[64];
        struct smpp_receipt r;
        snprintf(s, sizeof(s), "err:%s stat:DELIVRD", errs[i].err);
        assert_int_equal(parse(s, &r), SH_OK);
        assert_true(r.present & SMPP_RCPT_ERR);
        assert_string_equal(r.err, errs[i].err);
        if (r.err_code != errs[i].code)
            fail_msg("err %s: %ld", errs[i].err, r.err_code);
    }
}

static void test_length_respected(void **state)
{
    struct smpp_receipt r;
    (void)state;
    /* only the first 7 octets: "id:1234" */
    assert_int_equal(parse_n("id:12345678 stat:DELIVRD", 7, &r), SH_OK);
    assert_string_equal(r.id, "1234");
    assert_int_equal(r.present, SMPP_RCPT_ID);
    /* cut inside a key */
    assert_int_equal(parse_n("id:1 stat:DELIVRD", 8, &r), SH_OK);
    assert_int_equal(r.present, SMPP_RCPT_ID);
    /* cut inside "submit date" */
    assert_int_equal(parse_n("submit date:2411221030", 9, &r), SH_EINVAL);
}

static void test_garbage(void **state)
{
    static const char *const junk[] = {"",
                                       " ",
                                       "hello world",
                                       "::::",
                                       "id",
                                       "stat DELIVRD",
                                       "\xff\xfe\x00\x01",
                                       "id;1 stat;DELIVRD"};
    struct smpp_receipt r;
    unsigned char rnd[512];
    uint32_t x = 12345;
    (void)state;
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        size_t n = i == 6 ? 4 : strlen(junk[i]);
        assert_int_equal(parse_n(junk[i], n, &r), SH_EINVAL);
        assert_int_equal(r.present, 0);
        assert_int_equal(r.err_code, -1);
    }
    /* a key with nothing valid is still "a receipt" */
    assert_int_equal(parse("id:", &r), SH_OK);
    assert_int_equal(r.present, 0);
    assert_int_equal(smpp_receipt_parse(NULL, 0, &r), SH_EINVAL);
    assert_int_equal(smpp_receipt_parse("id:1", 4, NULL), SH_EINVAL);
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(x % sizeof(rnd));
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            rnd[i] = (unsigned char)(x >> 16);
            if (rnd[i] % 5 == 0) /* sprinkle separators and key letters */
                rnd[i] = (unsigned char)" :idstaetx"[x % 10];
        }
        (void)parse_n((const char *)rnd, n, &r);
        assert_true(strlen(r.id) < sizeof(r.id));
        assert_true(r.text_len < sizeof(r.text));
    }
}

static void test_id_equal(void **state)
{
    static const struct {
        const char *a, *b;
        int equal;
    } ids[] = {
        {"0A3F", "2623", 1},
        {"2623", "0a3f", 1},
        {"0a3f", "0A3F", 1},
        {"A3F", "0x0a3f", 1},
        {"123", "0123", 1},
        {"0123456789", "123456789", 1},
        {"FFFFFFFFFFFFFFFF", "18446744073709551615", 1},
        {"abc-def", "ABC-DEF", 1},
        {"", "", 1},
        {"10", "16", 1}, /* the documented ambiguity: hex 10 == decimal 16 */
        {"0A3F", "2624", 0},
        {"0A3F", "0A3E", 0},
        {"abc-def", "abc-deg", 0},
        {"1", "", 0},
        {"12x", "12", 0},
        {"10000000000000000000000", "10000000000000000000001", 0}, /* too big: strings */
        {"G1", "G01", 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if (smpp_receipt_id_equal(ids[i].a, ids[i].b) != ids[i].equal ||
            smpp_receipt_id_equal(ids[i].b, ids[i].a) != ids[i].equal)
            fail_msg("%s vs %s: want %d", ids[i].a, ids[i].b, ids[i].equal);
    }
    assert_false(smpp_receipt_id_equal(NULL, "1"));
    assert_false(smpp_receipt_id_equal("1", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard),         cmocka_unit_test(test_each_field_missing),
        cmocka_unit_test(test_orders),           cmocka_unit_test(test_variants),
        cmocka_unit_test(test_text_values),      cmocka_unit_test(test_dates),
        cmocka_unit_test(test_stat_words),       cmocka_unit_test(test_err_values),
        cmocka_unit_test(test_length_respected), cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_id_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
