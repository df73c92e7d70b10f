/*
 * route_test.c — unit tests for core/route: the failover order of SPEC §3.4. An explicit
 * provider or pinned credential limits the list; rules come first (by position, longest
 * prefix), then the default, then the rest by priority; unusable credentials never appear and
 * skipped (DOWN) ones are counted so the caller waits instead of failing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/route.h"

static struct route_cred creds[] = {
    {"c_a", "p1", "alpha", 0, 50, 1, 0},
    {"c_b", "p1", "beta", 1, 100, 1, 0},  /* default */
    {"c_c", "p1", "gamma", 0, 10, 1, 0},  /* best priority */
    {"c_d", "p1", "delta", 0, 5, 0, 0},   /* unusable */
    {"c_x", "p2", "alpha", 1, 1, 1, 0},   /* another project */
};
#define NC (sizeof(creds) / sizeof(creds[0]))

static size_t run(const struct route_req *m, const struct route_rule *r, size_t nr,
                  const char **ids, size_t *skipped)
{
    size_t out[ROUTE_MAX_CANDIDATES];
    size_t n = route_candidates(m, r, nr, creds, NC, out, ROUTE_MAX_CANDIDATES, skipped);
    for (size_t i = 0; i < n; i++)
        ids[i] = creds[out[i]].id;
    return n;
}

static void test_default_then_priority(void **state)
{
    (void)state;
    struct route_req m = {.project_id = "p1", .to = "+998901234567", .msg_type = 1};
    const char *ids[8];
    size_t sk;
    assert_int_equal(run(&m, NULL, 0, ids, &sk), 3);
    assert_string_equal(ids[0], "c_b");
    assert_string_equal(ids[1], "c_c");
    assert_string_equal(ids[2], "c_a");
    assert_int_equal(sk, 0);
}

static void test_rules_position_and_longest_prefix(void **state)
{
    (void)state;
    struct route_rule rules[] = {
        {"p1", NULL, "99890", -1, 10, "c_a"},
        {"p1", NULL, "998", -1, 10, "c_c"},
        {"p1", "UZ", NULL, 2, 5, "c_c"},     /* wrong type for this message */
        {"p1", NULL, "7", -1, 1, "c_a"},      /* wrong prefix */
        {"p2", NULL, NULL, -1, 0, "c_x"},     /* another project */
    };
    struct route_req m = {.project_id = "p1", .to = "+998901234567", .country = "UZ",
                          .msg_type = 1};
    const char *ids[8];
    assert_int_equal(run(&m, rules, 5, ids, NULL), 3);
    assert_string_equal(ids[0], "c_a"); /* longest prefix at the same position */
    assert_string_equal(ids[1], "c_c");
    assert_string_equal(ids[2], "c_b"); /* then the default */

    m.msg_type = 2; /* now the country+type rule at position 5 wins */
    assert_int_equal(run(&m, rules, 5, ids, NULL), 3);
    assert_string_equal(ids[0], "c_c");
    assert_string_equal(ids[1], "c_a");
}

static void test_country_rule(void **state)
{
    (void)state;
    struct route_rule rules[] = {{"p1", "KZ", NULL, -1, 1, "c_a"}};
    struct route_req m = {.project_id = "p1", .to = "+77011234567", .country = "kz",
                          .msg_type = 0};
    const char *ids[8];
    run(&m, rules, 1, ids, NULL);
    assert_string_equal(ids[0], "c_a");
    m.country = "UZ";
    run(&m, rules, 1, ids, NULL);
    assert_string_equal(ids[0], "c_b");
}

static void test_explicit_provider_and_pinned(void **state)
{
    (void)state;
    struct route_req m = {.project_id = "p1", .to = "+998901234567", .provider = "gamma"};
    const char *ids[8];
    assert_int_equal(run(&m, NULL, 0, ids, NULL), 1);
    assert_string_equal(ids[0], "c_c");
    m.provider = "delta"; /* unusable: nothing */
    assert_int_equal(run(&m, NULL, 0, ids, NULL), 0);
    m.provider = NULL;
    m.credential_id = "c_a";
    assert_int_equal(run(&m, NULL, 0, ids, NULL), 1);
    assert_string_equal(ids[0], "c_a");
    m.credential_id = "c_x"; /* another project's credential is never used */
    assert_int_equal(run(&m, NULL, 0, ids, NULL), 0);
}

static void test_skipped_are_counted(void **state)
{
    (void)state;
    struct route_req m = {.project_id = "p1", .to = "+998901234567"};
    const char *ids[8];
    size_t sk;
    creds[1].skip = 1;
    creds[2].skip = 1;
    assert_int_equal(run(&m, NULL, 0, ids, &sk), 1);
    assert_string_equal(ids[0], "c_a");
    assert_int_equal(sk, 2);
    creds[0].skip = 1;
    assert_int_equal(run(&m, NULL, 0, ids, &sk), 0);
    assert_int_equal(sk, 3);
    creds[0].skip = creds[1].skip = creds[2].skip = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_then_priority),
        cmocka_unit_test(test_rules_position_and_longest_prefix),
        cmocka_unit_test(test_country_rule),
        cmocka_unit_test(test_explicit_provider_and_pinned),
        cmocka_unit_test(test_skipped_are_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
