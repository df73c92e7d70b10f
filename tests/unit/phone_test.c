/*
 * phone_test.c — unit tests for core/phone (parse, strerror, mask).
 *
 * Table-driven: every row is one input, an optional default region and the expected
 * outcome. The numbers were checked against the libphonenumber 8.12.57 metadata (Debian
 * 12); a metadata update may move a row, which is what this table is for. Every failing
 * row is reported before the test fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/phone.h"

struct parse_case {
    const char *name;
    const char *input;
    const char *region; /* default region, may be NULL */
    enum phone_error want;
    const char *result; /* when want == PHONE_OK: "e164 region country_code type" */
};

static const struct parse_case cases[] = {
    /* Uzbekistan +998 */
    {"uz mobile", "+998901234567", NULL, PHONE_OK, "+998901234567 UZ 998 mobile"},
    {"uz national", "90 123 45 67", "UZ", PHONE_OK, "+998901234567 UZ 998 mobile"},
    {"uz 00 prefix", "00998901234567", NULL, PHONE_OK, "+998901234567 UZ 998 mobile"},
    {"uz 00 prefix, UZ default", "00998901234567", "UZ", PHONE_OK, "+998901234567 UZ 998 mobile"},
    {"uz dashes and parens", "+(998) 90-123-45-67", NULL, PHONE_OK, "+998901234567 UZ 998 mobile"},
    {"uz too short", "+99890123456", NULL, PHONE_TOO_SHORT, NULL},
    {"uz too long", "+9989012345678", NULL, PHONE_TOO_LONG, NULL},
    {"uz bad prefix", "+998001234567", NULL, PHONE_INVALID, NULL},
    {"uz national, no default", "90 123 45 67", NULL, PHONE_INVALID_COUNTRY, NULL},

    /* Pakistan +92 */
    {"pk mobile", "+923001234567", NULL, PHONE_OK, "+923001234567 PK 92 mobile"},
    {"pk national", "0300 1234567", "PK", PHONE_OK, "+923001234567 PK 92 mobile"},
    {"pk national, lower-case default", "0300 1234567", "pk", PHONE_OK,
     "+923001234567 PK 92 mobile"},
    {"pk 00 prefix, foreign default", "00 92 300 1234567", "US", PHONE_OK,
     "+923001234567 PK 92 mobile"},
    {"pk too short", "+923001", NULL, PHONE_TOO_SHORT, NULL},
    {"pk local number only", "+92300123", NULL, PHONE_TOO_SHORT, NULL},
    {"pk too long", "+923001234567890", NULL, PHONE_TOO_LONG, NULL},
    {"pk bad prefix", "+92 900 1234567", NULL, PHONE_INVALID, NULL},
    {"pk national, no default", "0300 1234567", NULL, PHONE_INVALID_COUNTRY, NULL},
    {"pk national, empty default", "0300 1234567", "", PHONE_INVALID_COUNTRY, NULL},
    {"pk national, unknown default", "0300 1234567", "XX", PHONE_INVALID_COUNTRY, NULL},
    {"pk national, malformed default", "0300 1234567", "PAK", PHONE_INVALID_COUNTRY, NULL},

    /* Romania +40 */
    {"ro mobile", "+40721234567", NULL, PHONE_OK, "+40721234567 RO 40 mobile"},
    {"ro national", "0721 234 567", "RO", PHONE_OK, "+40721234567 RO 40 mobile"},
    {"ro 00 prefix", "0040 721 234 567", NULL, PHONE_OK, "+40721234567 RO 40 mobile"},
    {"ro too short", "+40721", NULL, PHONE_TOO_SHORT, NULL},
    {"ro one digit short (between lengths)", "+4072123456", NULL, PHONE_TOO_SHORT, NULL},
    {"ro too long", "+4072123456789", NULL, PHONE_TOO_LONG, NULL},
    {"ro bad prefix", "+40921234567", NULL, PHONE_INVALID, NULL},
    {"ro national, no default", "0721 234 567", NULL, PHONE_INVALID_COUNTRY, NULL},

    /* United States +1 */
    {"us number", "+12015550123", NULL, PHONE_OK, "+12015550123 US 1 fixed-or-mobile"},
    {"us national", "(201) 555-0123", "US", PHONE_OK, "+12015550123 US 1 fixed-or-mobile"},
    {"us dotted", "201.555.0123", "US", PHONE_OK, "+12015550123 US 1 fixed-or-mobile"},
    {"us 00 prefix", "001 201 555 0123", "GB", PHONE_OK, "+12015550123 US 1 fixed-or-mobile"},
    {"us too short", "+1201555", NULL, PHONE_TOO_SHORT, NULL},
    {"us too long", "+120155501234", NULL, PHONE_TOO_LONG, NULL},
    {"us bad area code", "+11015550123", NULL, PHONE_INVALID, NULL},
    {"us national, no default", "(201) 555-0123", NULL, PHONE_INVALID_COUNTRY, NULL},

    /* Egypt +20 */
    {"eg mobile", "+201012345678", NULL, PHONE_OK, "+201012345678 EG 20 mobile"},
    {"eg national", "010 1234 5678", "EG", PHONE_OK, "+201012345678 EG 20 mobile"},
    {"eg 00 prefix", "00201012345678", NULL, PHONE_OK, "+201012345678 EG 20 mobile"},
    {"eg too short", "+2010123", NULL, PHONE_TOO_SHORT, NULL},
    {"eg too long", "+20101234567890", NULL, PHONE_TOO_LONG, NULL},
    {"eg bad prefix", "+201912345678", NULL, PHONE_INVALID, NULL},
    {"eg national, no default", "010 1234 5678", NULL, PHONE_INVALID_COUNTRY, NULL},

    /* United Kingdom +44 */
    {"gb mobile", "+447400123456", NULL, PHONE_OK, "+447400123456 GB 44 mobile"},
    {"gb national", "07400 123456", "GB", PHONE_OK, "+447400123456 GB 44 mobile"},
    {"gb 00 prefix", "00447400123456", NULL, PHONE_OK, "+447400123456 GB 44 mobile"},
    /* +44 7911 is a Guernsey range: the region follows the number, not the country code */
    {"gg mobile in +44", "07911 123456", "GB", PHONE_OK, "+447911123456 GG 44 mobile"},
    {"gb too short", "+4479", NULL, PHONE_TOO_SHORT, NULL},
    {"gb local number only", "+4474001234", NULL, PHONE_TOO_SHORT, NULL},
    {"gb too long", "+447400123456789", NULL, PHONE_TOO_LONG, NULL},
    {"gb bad prefix", "+44991234567", NULL, PHONE_INVALID, NULL},
    {"gb national, no default", "07400 123456", NULL, PHONE_INVALID_COUNTRY, NULL},

    /* Elsewhere */
    {"non-geographic toll free", "+800 1234 5678", NULL, PHONE_OK, "+80012345678 - 800 toll-free"},
    {"italian leading zero kept", "+39 06 1234 5678", NULL, PHONE_OK, "+390612345678 IT 39 fixed"},
    {"mx old mobile 1", "+52 1 428 234 5678", NULL, PHONE_OK,
     "+524282345678 MX 52 fixed-or-mobile"},
    /* found by fuzz_phone: libphonenumber strips one "1" per parse; we parse to a fixed point */
    {"mx two 1s", "+521 1428234 5678", NULL, PHONE_OK, "+524282345678 MX 52 fixed-or-mobile"},
    {"unassigned country code", "+999123456789", NULL, PHONE_INVALID_COUNTRY, NULL},
    {"zero country code", "+0998901234567", NULL, PHONE_INVALID_COUNTRY, NULL},

    /* Garbage */
    {"word", "hello", NULL, PHONE_NOT_A_NUMBER, NULL},
    {"letters inside", "+998 90 ABC 4567", NULL, PHONE_NOT_A_NUMBER, NULL},
    {"vanity number", "+1 800 FLOWERS", NULL, PHONE_NOT_A_NUMBER, NULL},
    {"extension", "+44 7400 123456 ext. 12", NULL, PHONE_NOT_A_NUMBER, NULL},
    {"tel uri", "tel:+998901234567", NULL, PHONE_NOT_A_NUMBER, NULL},
    {"hash and star", "*100#", "UZ", PHONE_NOT_A_NUMBER, NULL},
    {"non-ascii digits", "+\xd9\xa9\xd9\xa9\xd9\xa8 90 123 45 67", NULL, PHONE_NOT_A_NUMBER, NULL},
    {"punctuation only", "+-() ./", NULL, PHONE_NOT_A_NUMBER, NULL},
    {"plus and one digit", "+1", NULL, PHONE_TOO_SHORT, NULL},
    {"00 alone", "00", NULL, PHONE_TOO_SHORT, NULL},

    /* Empty and oversized */
    {"empty", "", NULL, PHONE_EMPTY, NULL},
    {"blank", " \t ", "UZ", PHONE_EMPTY, NULL},
    {"65 digits", "+9989012345670000000000000000000000000000000000000000000000000000", NULL,
     PHONE_TOO_LONG, NULL},
    {"65 bytes of spaces around a valid number",
     "                         +998 90 123 45 67                       ", NULL, PHONE_TOO_LONG,
     NULL},
    {"64 bytes with a valid number",
     "                         +998 90 123 45 67                      ", NULL, PHONE_OK,
     "+998901234567 UZ 998 mobile"},
    {"too many digits for any country", "+12345678901234567890", NULL, PHONE_TOO_LONG, NULL},
};

static const char *type_name(enum phone_type t)
{
    switch (t) {
    case PHONE_TYPE_UNKNOWN:
        return "unknown";
    case PHONE_TYPE_MOBILE:
        return "mobile";
    case PHONE_TYPE_FIXED:
        return "fixed";
    case PHONE_TYPE_FIXED_OR_MOBILE:
        return "fixed-or-mobile";
    case PHONE_TYPE_TOLL_FREE:
        return "toll-free";
    case PHONE_TYPE_OTHER:
        return "other";
    }
    return "?";
}

static int check_case(const struct parse_case *c)
{
    static const struct phone_number zero;
    struct phone_number out;
    enum phone_error got;
    char result[64];

    memset(&out, 0x5a, sizeof(out));
    got = phone_parse(c->input, c->region, &out);
    if (got != c->want) {
        print_error("case \"%s\": %s, want %s\n", c->name, phone_strerror(got),
                    phone_strerror(c->want));
        return 1;
    }
    if (got != PHONE_OK) {
        if (memcmp(&out, &zero, sizeof(out)) != 0) {
            print_error("case \"%s\": *out not zeroed on failure\n", c->name);
            return 1;
        }
        return 0;
    }
    snprintf(result, sizeof(result), "%s %s %d %s", out.e164,
             out.region[0] != '\0' ? out.region : "-", out.country_code, type_name(out.type));
    if (strcmp(result, c->result) != 0) {
        print_error("case \"%s\": got \"%s\", want \"%s\"\n", c->name, result, c->result);
        return 1;
    }
    /* What phone_parse produced must parse again to itself, whatever the default region. */
    if (phone_parse(out.e164, "US", NULL) != PHONE_OK) {
        print_error("case \"%s\": %s does not parse again\n", c->name, out.e164);
        return 1;
    }
    return 0;
}

static void test_parse_table(void **state)
{
    int failures = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        failures += check_case(&cases[i]);
    }
    assert_int_equal(failures, 0);
}

static void test_parse_null_and_validate_only(void **state)
{
    struct phone_number out;

    (void)state;
    memset(&out, 0x5a, sizeof(out));
    assert_int_equal(phone_parse(NULL, "UZ", &out), PHONE_EMPTY);
    assert_int_equal(out.e164[0], '\0');
    assert_int_equal(phone_parse("+998901234567", NULL, NULL), PHONE_OK);
    assert_int_equal(phone_parse("+99890123456", NULL, NULL), PHONE_TOO_SHORT);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(phone_strerror(PHONE_OK), "ok");
    assert_string_equal(phone_strerror(PHONE_TOO_SHORT), "number is too short for its country");
    for (int e = PHONE_OK; e <= PHONE_INVALID; e++) {
        assert_non_null(phone_strerror((enum phone_error)e));
        assert_string_not_equal(phone_strerror((enum phone_error)e), "");
    }
    assert_string_equal(phone_strerror((enum phone_error)99), "unknown phone number error");
}

struct mask_case {
    const char *in;
    size_t cap;
    const char *want;
};

static const struct mask_case mask_cases[] = {
    {"+998901234567", 20, "+998*******67"},
    {"+923001234567", 20, "+92********67"},
    {"+40721234567", 20, "+40*******67"},
    {"+12015550123", 20, "+1********23"},
    {"+201012345678", 20, "+20********78"},
    {"+447400123456", 20, "+44********56"},
    {"+80012345678", 20, "+800******78"},
    {"+9981234", 20, "+998****"},           /* 4 digits after the code: hide them all */
    {"+99812345", 20, "+998***45"},         /* 5: three hidden, two kept */
    {"+999123456789", 20, "+**********89"}, /* unassigned code: masked too */
    {"+998901234567", 6, "+998*"},          /* truncated, still terminated */
    {"+998901234567", 1, ""},
    {NULL, 20, "(invalid)"},
    {"", 20, "(invalid)"},
    {"+", 20, "(invalid)"},
    {"998901234567", 20, "(invalid)"},
    {"+998 90 123 45 67", 20, "(invalid)"},
    {"+1234567890123456789", 20, "(invalid)"}, /* 19 digits: longer than phone_parse makes */
};

static void test_mask(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(mask_cases) / sizeof(mask_cases[0]); i++) {
        const struct mask_case *c = &mask_cases[i];
        char out[32];

        memset(out, 'x', sizeof(out));
        phone_mask(c->in, out, c->cap);
        assert_string_equal(out, c->want);
    }
    phone_mask("+998901234567", NULL, 20); /* no buffer: nothing written, no crash */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_null_and_validate_only),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_mask),
    };

    phone_init();
    phone_init(); /* a second call is a no-op */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
