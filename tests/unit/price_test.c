/*
 * price_test.c — core/price: which tariff row prices a segment (longest prefix, country,
 * wildcard; the credential's table before the provider's; the project's sell table before the
 * platform's; validity windows; currency carried from the row).
 */
#include "core/price.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define T0 1700000000000LL
#define DAY 86400000LL

static const struct price_row rows[] = {
    /* the catalog provider's table (fallback) */
    {"p-any", PRICE_COST, NULL, "twilio", NULL, NULL, NULL, 50000, "USD", 0, 0},
    {"p-uz", PRICE_COST, NULL, "twilio", NULL, "UZ", NULL, 40000, "USD", 0, 0},
    /* the credential's own table */
    {"c-uz", PRICE_COST, "cred_a", "twilio", NULL, "UZ", NULL, 30000, "USD", 0, 0},
    {"c-99890", PRICE_COST, "cred_a", "twilio", NULL, NULL, "99890", 20000, "USD", 0, 0},
    {"c-9989012", PRICE_COST, "cred_a", "twilio", NULL, NULL, "9989012", 10000, "USD", 0, 0},
    /* a new rate from day 10, ending day 20 */
    {"c-uz-new", PRICE_COST, "cred_a", "twilio", NULL, "UZ", NULL, 35000, "USD", T0 + 10 * DAY,
     T0 + 20 * DAY},
    /* another credential's row never applies */
    {"c-b", PRICE_COST, "cred_b", "twilio", NULL, NULL, "998", 1, "USD", 0, 0},
    /* sell prices */
    {"s-all", PRICE_SELL, NULL, NULL, NULL, NULL, NULL, 70000, "EUR", 0, 0},
    {"s-prj", PRICE_SELL, NULL, NULL, "prj_1", "UZ", NULL, 60000, "UZS", 0, 0},
};

struct lookup_case {
    const char *name;
    int kind;
    const char *cred, *provider, *project, *number, *country;
    int64_t at;
    const char *want; /* row id or NULL */
};

static const struct lookup_case cases[] = {
    {"longest prefix", PRICE_COST, "cred_a", "twilio", NULL, "+998901234567", "UZ", T0, "c-9989012"},
    {"shorter prefix", PRICE_COST, "cred_a", "twilio", NULL, "+998905555555", "UZ", T0, "c-99890"},
    {"country", PRICE_COST, "cred_a", "twilio", NULL, "+998935555555", "UZ", T0, "c-uz"},
    {"validity: new rate", PRICE_COST, "cred_a", "twilio", NULL, "+998935555555", "UZ",
     T0 + 15 * DAY, "c-uz-new"},
    {"validity: ended", PRICE_COST, "cred_a", "twilio", NULL, "+998935555555", "UZ",
     T0 + 20 * DAY, "c-uz"},
    {"provider fallback", PRICE_COST, "cred_c", "twilio", NULL, "+998935555555", "UZ", T0, "p-uz"},
    {"provider wildcard", PRICE_COST, "cred_c", "twilio", NULL, "+447911123456", "GB", T0, "p-any"},
    {"credential has no row for GB", PRICE_COST, "cred_a", "twilio", NULL, "+447911123456", "GB",
     T0, "p-any"},
    {"no table", PRICE_COST, "cred_x", "vonage", NULL, "+447911123456", "GB", T0, NULL},
    {"sell: project table", PRICE_SELL, NULL, NULL, "prj_1", "998901234567", "UZ", T0, "s-prj"},
    {"sell: platform", PRICE_SELL, NULL, NULL, "prj_1", "+447911123456", "GB", T0, "s-all"},
    {"sell: other project", PRICE_SELL, NULL, NULL, "prj_2", "+998901234567", "UZ", T0, "s-all"},
};

static void test_lookup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct lookup_case *c = &cases[i];
        struct price_query q = {c->kind, c->cred, c->provider, c->project, c->number, c->country,
                                c->at};
        const struct price_row *r = price_lookup(rows, sizeof(rows) / sizeof(rows[0]), &q);
        const char *got = r != NULL ? r->id : NULL;
        if ((got == NULL) != (c->want == NULL) || (got != NULL && strcmp(got, c->want) != 0))
            fail_msg("%s: got %s, want %s", c->name, got ? got : "none", c->want ? c->want : "none");
    }
    struct price_query q = {PRICE_SELL, NULL, NULL, "prj_1", "+998901234567", "UZ", T0};
    assert_string_equal(price_lookup(rows, sizeof(rows) / sizeof(rows[0]), &q)->currency, "UZS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
