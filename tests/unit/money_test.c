/*
 * money_test.c — core/money: parsing and formatting decimal amounts, checked arithmetic, the
 * one rounding rule, and no drift over 1 000 000 random ledger operations against an exact
 * model (128-bit integers and decimal strings round-tripped).
 */
#include "core/money.h"
#include "lib/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

struct parse_case {
    const char *in;
    int want;
    int64_t value;
};

static const struct parse_case parse_cases[] = {
    {"0", SH_OK, 0},
    {"0.045", SH_OK, 45000},
    {"12.5", SH_OK, 12500000},
    {"-3.000001", SH_OK, -3000001},
    {"999999999999.999999", SH_OK, 999999999999999999LL},
    {"9999999999999", SH_EINVAL, 0},
    {"1.1234567", SH_EINVAL, 0},
    {"1.", SH_EINVAL, 0},
    {".5", SH_EINVAL, 0},
    {"+1", SH_EINVAL, 0},
    {"1e3", SH_EINVAL, 0},
    {" 1", SH_EINVAL, 0},
    {"", SH_EINVAL, 0},
    {"-", SH_EINVAL, 0},

    {"1,5", SH_EINVAL, 0},
};

struct format_case {
    int64_t v;
    const char *want;
};

static const struct format_case format_cases[] = {
    {0, "0.00"},         {45000, "0.045"},   {12500000, "12.50"},
    {-3000001, "-3.000001"}, {1, "0.000001"}, {INT64_MIN, "-9223372036854.775808"},
};

static void test_parse_format(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        int64_t v = -1;
        int st = money_parse(parse_cases[i].in, &v);
        if (st != parse_cases[i].want || (st == SH_OK && v != parse_cases[i].value))
            fail_msg("parse \"%s\": got %d %lld", parse_cases[i].in, st, (long long)v);
    }
    for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
        char buf[MONEY_STR_MAX];
        assert_string_equal(money_format(format_cases[i].v, buf), format_cases[i].want);
    }
}

static void test_arithmetic(void **state)
{
    (void)state;
    int64_t r;
    assert_int_equal(money_add(INT64_MAX, 1, &r), SH_ETOOBIG);
    assert_int_equal(money_mul(INT64_MAX / 2 + 1, 2, &r), SH_ETOOBIG);
    assert_int_equal(money_mul(45000, 3, &r), SH_OK);
    assert_int_equal(r, 135000);
    /* half away from zero at the micro-unit */
    assert_int_equal(money_scale(5, 1, 2, &r), SH_OK);
    assert_int_equal(r, 3);
    assert_int_equal(money_scale(-5, 1, 2, &r), SH_OK);
    assert_int_equal(r, -3);
    assert_int_equal(money_scale(4, 1, 3, &r), SH_OK);
    assert_int_equal(r, 1);
    assert_int_equal(money_scale(45000, 11500, 10000, &r), SH_OK); /* 15% markup */
    assert_int_equal(r, 51750);
    assert_int_equal(money_scale(INT64_MAX, 2, 1, &r), SH_ETOOBIG);
    assert_int_equal(money_scale(1, 1, 0, &r), SH_EINVAL);
    assert_true(money_currency_ok("USD") && money_currency_ok("UZS"));
    assert_false(money_currency_ok("usd") || money_currency_ok("US") || money_currency_ok("USDX") ||
                 money_currency_ok(NULL));
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* 1 000 000 random operations (credit, debit parts × unit, refund, markup) on a balance, every
 * amount going through its decimal string as the API would: the balance equals the exact
 * 128-bit model at every step and round-trips through its string. */
static void test_no_drift(void **state)
{
    (void)state;
    int64_t bal = 0;
    __int128 exact = 0;
    char buf[MONEY_STR_MAX];
    for (int i = 0; i < 1000000; i++) {
        int64_t unit = (int64_t)(next() % 5000000); /* up to 5.000000 per segment */
        int64_t parts = (int64_t)(next() % 10) + 1;
        int64_t amount, parsed;
        switch (next() % 4) {
        case 0: /* a credit typed as a decimal string */
            amount = (int64_t)(next() % 100000000000LL);
            assert_int_equal(money_parse(money_format(amount, buf), &parsed), SH_OK);
            assert_int_equal(parsed, amount);
            assert_int_equal(money_add(bal, parsed, &bal), SH_OK);
            exact += parsed;
            break;
        case 1: /* a debit: parts × unit price */
        case 2: { /* a refund of the same */
            int64_t sign = (next() & 1) ? -1 : 1;
            assert_int_equal(money_mul(unit, parts, &amount), SH_OK);
            assert_int_equal(money_add(bal, sign * amount, &bal), SH_OK);
            exact += sign * (__int128)unit * parts;
            break;
        }
        default: { /* a markup in basis points, rounded once per message */
            int64_t bp = (int64_t)(next() % 10000);
            assert_int_equal(money_scale(unit, 10000 + bp, 10000, &amount), SH_OK);
            __int128 p = (__int128)unit * (10000 + bp);
            __int128 q = p / 10000 + ((p % 10000) * 2 >= 10000 ? 1 : 0);
            assert_true(amount == (int64_t)q);
            assert_int_equal(money_add(bal, -amount, &bal), SH_OK);
            exact -= q;
        }
        }
        assert_true((__int128)bal == exact);
        assert_int_equal(money_parse(money_format(bal, buf), &parsed), SH_OK);
        assert_int_equal(parsed, bal);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_no_drift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
