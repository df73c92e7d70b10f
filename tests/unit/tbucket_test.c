/*
 * tbucket_test.c — unit tests for core/throttle: the token bucket counts segments, holds its
 * rate over a simulated second, lets a long message through from a full bucket (debt), and a
 * `throttled` answer pauses the credential with a doubling, capped backoff.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/tbucket.h"

static void test_unlimited(void **state)
{
    (void)state;
    struct tbucket b;
    tbucket_init(&b, 0, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(tbucket_take(&b, 0, 3), 0);
}

static void test_rate_over_time(void **state)
{
    (void)state;
    struct tbucket b;
    int64_t t = 0;
    int segments = 0;
    tbucket_init(&b, 50, 0);
    /* greedy sender over 10 simulated seconds, 1 ms steps, 2 segments per message */
    for (t = 0; t < 10000; t++) {
        while (tbucket_take(&b, t, 2) == 0)
            segments += 2;
    }
    /* 50/s for 10 s plus the initial burst of 5 */
    assert_in_range(segments, 495, 506);
}

static void test_wait_hint_and_debt(void **state)
{
    (void)state;
    struct tbucket b;
    tbucket_init(&b, 10, 0); /* burst 1 */
    assert_int_equal(tbucket_take(&b, 0, 1), 0);
    int64_t w = tbucket_take(&b, 0, 1);
    assert_in_range(w, 99, 101);
    assert_int_equal(tbucket_take(&b, w, 1), 0);
    /* a 5-segment message goes from a full bucket and leaves a debt of 4 */
    assert_int_equal(tbucket_take(&b, w + 100, 5), 0);
    assert_in_range(tbucket_take(&b, w + 100, 1), 499, 501);
}

static void test_throttled_backoff(void **state)
{
    (void)state;
    struct tbucket b;
    tbucket_init(&b, 0, 0);
    tbucket_throttled(&b, 0);
    assert_int_equal(tbucket_take(&b, 50, 1), THROTTLE_BACKOFF_MIN_MS - 50);
    tbucket_throttled(&b, 100);
    assert_int_equal(b.backoff_ms, 2 * THROTTLE_BACKOFF_MIN_MS);
    for (int i = 0; i < 20; i++)
        tbucket_throttled(&b, 100);
    assert_int_equal(b.backoff_ms, THROTTLE_BACKOFF_MAX_MS);
    assert_int_equal(tbucket_take(&b, 100 + THROTTLE_BACKOFF_MAX_MS, 1), 0);
    tbucket_ok(&b);
    tbucket_throttled(&b, 0);
    assert_int_equal(b.backoff_ms, THROTTLE_BACKOFF_MIN_MS);
}

static void test_pause_until(void **state)
{
    (void)state;
    struct tbucket b;
    tbucket_init(&b, 0, 0);
    tbucket_throttled(&b, 1000);       /* the backoff alone: 100 ms */
    tbucket_pause_until(&b, 4000);     /* Retry-After: 3 s */
    assert_int_equal(tbucket_take(&b, 1200, 1), 2800);
    tbucket_pause_until(&b, 2000);     /* an earlier end never shortens the pause */
    assert_int_equal(tbucket_take(&b, 3999, 1), 1);
    assert_int_equal(tbucket_take(&b, 4000, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unlimited),
        cmocka_unit_test(test_pause_until),
        cmocka_unit_test(test_rate_over_time),
        cmocka_unit_test(test_wait_hint_and_debt),
        cmocka_unit_test(test_throttled_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
