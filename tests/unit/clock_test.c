/*
 * clock_test.c — unit tests for lib/clock: RFC 3339 parsing and formatting.
 *
 * Clients send scheduled_at / expires_at in RFC 3339 and we answer with clock_fmt_rfc3339, so
 * every accepted form must give the right UTC millisecond and everything else must be refused
 * (never guessed). Expected values were computed independently with Python's datetime.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/clock.h"
#include "lib/err.h"

struct parse_case {
    const char *name;
    const char *in;
    int rc;
    int64_t ms; /* when rc == SH_OK */
};

static const struct parse_case cases[] = {
    /* accepted */
    {"utc Z", "2026-11-22T10:00:00Z", SH_OK, 1795341600000},
    {"lower-case t and z", "2026-11-22t10:00:00z", SH_OK, 1795341600000},
    {"space separator", "2026-11-22 10:00:00Z", SH_OK, 1795341600000},
    {"epoch", "1970-01-01T00:00:00Z", SH_OK, 0},
    {"millis", "2026-11-22T10:00:00.123Z", SH_OK, 1795341600123},
    {"one fraction digit", "2026-11-22T10:00:00.1Z", SH_OK, 1795341600100},
    {"two fraction digits", "2026-11-22T10:00:00.12Z", SH_OK, 1795341600120},
    {"micros truncated", "2026-11-22T10:00:00.123456Z", SH_OK, 1795341600123},
    {"nanos truncated", "2026-11-22T10:00:00.999999999Z", SH_OK, 1795341600999},
    {"offset +05:30", "2026-11-22T10:00:00+05:30", SH_OK, 1795321800000},
    {"offset -08:00", "2026-11-22T10:00:00-08:00", SH_OK, 1795370400000},
    {"offset +00:00", "2026-11-22T10:00:00+00:00", SH_OK, 1795341600000},
    {"offset -00:00", "2026-11-22T10:00:00-00:00", SH_OK, 1795341600000},
    {"fraction and offset", "2026-11-22T10:00:00.123+05:30", SH_OK, 1795321800123},
    {"offset crosses the day", "2026-11-22T02:00:00+05:30", SH_OK, 1795293000000},
    {"leap day 2024", "2024-02-29T00:00:00Z", SH_OK, 1709164800000},
    {"leap day 2000 (div by 400)", "2000-02-29T12:00:00Z", SH_OK, 951825600000},
    {"end of year", "2026-12-31T23:59:59Z", SH_OK, 1798761599000},
    {"new year", "2027-01-01T00:00:00Z", SH_OK, 1798761600000},
    {"before the epoch", "1969-12-31T23:59:59Z", SH_OK, -1000},
    {"year 9999", "9999-12-31T23:59:59.999Z", SH_OK, 253402300799999},
    {"leap second read as :59", "2016-12-31T23:59:60Z", SH_OK, 1483228799000},

    /* refused: calendar */
    {"leap day 2023", "2023-02-29T00:00:00Z", SH_EINVAL, 0},
    {"leap day 1900 (div by 100)", "1900-02-29T00:00:00Z", SH_EINVAL, 0},
    {"feb 30", "2024-02-30T00:00:00Z", SH_EINVAL, 0},
    {"april 31", "2026-04-31T00:00:00Z", SH_EINVAL, 0},
    {"month 00", "2026-00-10T00:00:00Z", SH_EINVAL, 0},
    {"month 13", "2026-13-10T00:00:00Z", SH_EINVAL, 0},
    {"day 00", "2026-01-00T00:00:00Z", SH_EINVAL, 0},
    {"day 32", "2026-01-32T00:00:00Z", SH_EINVAL, 0},
    {"hour 24", "2026-01-10T24:00:00Z", SH_EINVAL, 0},
    {"minute 60", "2026-01-10T10:60:00Z", SH_EINVAL, 0},
    {"second 61", "2026-01-10T10:00:61Z", SH_EINVAL, 0},
    {"offset hour 24", "2026-01-10T10:00:00+24:00", SH_EINVAL, 0},
    {"offset minute 60", "2026-01-10T10:00:00+05:60", SH_EINVAL, 0},

    /* refused: shape */
    {"empty", "", SH_EINVAL, 0},
    {"garbage", "tomorrow at noon please", SH_EINVAL, 0},
    {"date only", "2026-11-22", SH_EINVAL, 0},
    {"no seconds", "2026-11-22T10:00Z", SH_EINVAL, 0},
    {"no zone", "2026-11-22T10:00:00", SH_EINVAL, 0},
    {"no zone with fraction", "2026-11-22T10:00:00.123", SH_EINVAL, 0},
    {"empty fraction", "2026-11-22T10:00:00.Z", SH_EINVAL, 0},
    {"offset without colon", "2026-11-22T10:00:00+0530", SH_EINVAL, 0},
    {"offset hours only", "2026-11-22T10:00:00+05", SH_EINVAL, 0},
    {"slashes", "2026/11/22T10:00:00Z", SH_EINVAL, 0},
    {"single-digit month", "2026-1-22T10:00:00Z", SH_EINVAL, 0},
    {"other separator", "2026-11-22X10:00:00Z", SH_EINVAL, 0},
    {"unix seconds", "1795341600", SH_EINVAL, 0},
    {"leading space", " 2026-11-22T10:00:00Z", SH_EINVAL, 0},
    {"trailing space", "2026-11-22T10:00:00Z ", SH_EINVAL, 0},
    {"trailing junk after Z", "2026-11-22T10:00:00Zjunk", SH_EINVAL, 0},
    {"trailing junk after offset", "2026-11-22T10:00:00+05:30x", SH_EINVAL, 0},
    {"two zones", "2026-11-22T10:00:00Z+01:00", SH_EINVAL, 0},
    {"signed year", "+2026-11-22T10:00:00Z", SH_EINVAL, 0},
};

static void test_parse(void **state)
{
    int bad = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct parse_case *c = &cases[i];
        int64_t ms = INT64_MIN;
        int rc = clock_parse_rfc3339(c->in, &ms);
        if (rc != c->rc || (rc == SH_OK && ms != c->ms)) {
            print_error("case '%s' (\"%s\"): rc=%d ms=%lld, want rc=%d ms=%lld\n", c->name, c->in,
                        rc, (long long)ms, c->rc, (long long)c->ms);
            bad++;
        }
    }
    if (bad > 0)
        fail_msg("%d parse case(s) failed", bad);
}

struct fmt_case {
    int64_t ms;
    const char *text;
};

static const struct fmt_case fmt_cases[] = {
    {0, "1970-01-01T00:00:00.000Z"},
    {1, "1970-01-01T00:00:00.001Z"},
    {999, "1970-01-01T00:00:00.999Z"},
    {1795341600123, "2026-11-22T10:00:00.123Z"},
    {1709164800000, "2024-02-29T00:00:00.000Z"},
    {1798761599999, "2026-12-31T23:59:59.999Z"},
    {253402300799999, "9999-12-31T23:59:59.999Z"},
};

static void test_format_and_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
        const struct fmt_case *c = &fmt_cases[i];
        char buf[32];
        int64_t back = -1;
        assert_ptr_equal(clock_fmt_rfc3339(c->ms, buf, sizeof(buf)), buf);
        assert_string_equal(buf, c->text);
        assert_int_equal(clock_parse_rfc3339(buf, &back), SH_OK);
        assert_int_equal(back, c->ms);
    }
    /* a sweep over 2020-2030 with odd steps: every formatted time parses back to itself */
    for (int64_t ms = 1577836800000; ms < 1893456000000; ms += 86399977) {
        char buf[32];
        int64_t back = -1;
        clock_fmt_rfc3339(ms, buf, sizeof(buf));
        assert_int_equal(strlen(buf), 24);
        assert_int_equal(clock_parse_rfc3339(buf, &back), SH_OK);
        if (back != ms)
            fail_msg("%lld formatted as %s parses back as %lld", (long long)ms, buf,
                     (long long)back);
    }
}

static void test_now_is_sane(void **state)
{
    (void)state;
    int64_t a = clock_now_ms();
    int64_t m1 = clock_mono_us();
    int64_t m2 = clock_mono_us();
    assert_true(a > 1704067200000); /* after 2024-01-01 */
    assert_true(m2 >= m1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format_and_round_trip),
        cmocka_unit_test(test_now_is_sane),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
