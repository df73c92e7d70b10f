/*
 * ratelimit_test.c — unit tests for core/ratelimit: burst then refusal, refill over time,
 * several layers (a refused request takes nothing), headers' numbers, bounded table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "core/ratelimit.h"

static void test_burst_and_refill(void **state)
{
    (void)state;
    struct ratelimit *rl = ratelimit_new(64);
    struct ratelimit_ask a = {"k:1", 5};
    struct ratelimit_result r;
    int64_t t = 1000000;
    for (int i = 0; i < 5; i++) {
        ratelimit_take(rl, &a, 1, t, &r);
        assert_true(r.allowed);
        assert_int_equal(r.limit, 5);
        assert_int_equal(r.remaining, 4 - i);
    }
    ratelimit_take(rl, &a, 1, t, &r);
    assert_false(r.allowed);
    assert_int_equal(r.remaining, 0);
    assert_int_equal(r.retry_after, 1);
    assert_int_equal(r.reset_s, 1);
    ratelimit_take(rl, &a, 1, t + 200000, &r); /* 0.2 s: one token back */
    assert_true(r.allowed);
    ratelimit_take(rl, &a, 1, t + 200000, &r);
    assert_false(r.allowed);
    ratelimit_take(rl, &a, 1, t + 5000000, &r); /* refills up to the limit only */
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 4);
    ratelimit_free(rl);
}

static void test_layers(void **state)
{
    (void)state;
    struct ratelimit *rl = ratelimit_new(64);
    struct ratelimit_ask a[3] = {{"k:1", 100}, {"p:1", 2}, {"g", 0}};
    struct ratelimit_result r;
    ratelimit_take(rl, a, 3, 1, &r);
    assert_true(r.allowed);
    assert_int_equal(r.layer, 1); /* the tightest */
    ratelimit_take(rl, a, 3, 1, &r);
    assert_true(r.allowed);
    ratelimit_take(rl, a, 3, 1, &r);
    assert_false(r.allowed);
    assert_int_equal(r.layer, 1);
    /* the refused requests took nothing from the key's bucket */
    struct ratelimit_ask k = {"k:1", 100};
    ratelimit_take(rl, &k, 1, 1, &r);
    assert_int_equal(r.remaining, 97);
    /* no limit at all */
    struct ratelimit_ask none = {"g", 0};
    ratelimit_take(rl, &none, 1, 1, &r);
    assert_true(r.allowed);
    assert_int_equal(r.layer, -1);
    ratelimit_free(rl);
}

static void test_bounded(void **state)
{
    (void)state;
    struct ratelimit *rl = ratelimit_new(16);
    struct ratelimit_result r;
    char id[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(id, sizeof(id), "k:%d", i);
        struct ratelimit_ask a = {id, 1};
        ratelimit_take(rl, &a, 1, 1 + i, &r);
        assert_true(r.allowed);
    }
    ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_and_refill),
        cmocka_unit_test(test_layers),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
