/*
 * health_test.c — unit tests for core/health: every arrow of the transition table in
 * health.h, the cool-down before a half-open probe, one probe at a time, the window's time
 * limit, and the latency percentiles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/health.h"

static struct health_cfg cfg;

static int setup(void **state)
{
    (void)state;
    health_cfg_default(&cfg);
    cfg.cooldown_ms = 1000;
    return 0;
}

static void test_degrade_down_probe_recover(void **state)
{
    (void)state;
    struct health h;
    enum health_state from;
    int64_t t = 1000;
    health_init(&h, t);
    for (int i = 0; i < 4; i++) /* fewer than min_samples: no judgement */
        assert_int_equal(health_record(&h, &cfg, t++, 0, 10, &from), 0);
    assert_int_equal(health_record(&h, &cfg, t++, 0, 10, &from), 1);
    assert_int_equal(from, HEALTH_HEALTHY);
    assert_int_equal(h.state, HEALTH_DEGRADED);
    assert_int_equal(health_record(&h, &cfg, t++, 0, 10, &from), 1);
    assert_int_equal(h.state, HEALTH_DOWN);
    int64_t down_at = t - 1;
    /* DOWN admits nothing during the cool-down */
    int changed;
    assert_int_equal(health_admit(&h, &cfg, down_at + 999, &changed), 0);
    assert_int_equal(health_next_admit(&h, &cfg, down_at + 10), down_at + 1000);
    /* then one probe */
    assert_int_equal(health_admit(&h, &cfg, down_at + 1000, &changed), 1);
    assert_int_equal(changed, 1);
    assert_int_equal(h.state, HEALTH_PROBING);
    assert_int_equal(health_admit(&h, &cfg, down_at + 1001, &changed), 0);
    /* a failed probe: DOWN again, cool-down restarts */
    assert_int_equal(health_record(&h, &cfg, down_at + 1100, 0, 10, &from), 1);
    assert_int_equal(from, HEALTH_PROBING);
    assert_int_equal(h.state, HEALTH_DOWN);
    assert_int_equal(health_admit(&h, &cfg, down_at + 1500, NULL), 0);
    assert_int_equal(health_admit(&h, &cfg, down_at + 2100, NULL), 1);
    /* a cancelled probe frees the slot */
    health_cancel(&h);
    assert_int_equal(health_admit(&h, &cfg, down_at + 2101, NULL), 1);
    /* a good probe: HEALTHY with a fresh window */
    assert_int_equal(health_record(&h, &cfg, down_at + 2200, 1, 10, &from), 1);
    assert_int_equal(h.state, HEALTH_HEALTHY);
    assert_true(health_success_rate(&h, &cfg, down_at + 2200) > 0.99);
}

static void test_degraded_recovers(void **state)
{
    (void)state;
    struct health h;
    int64_t t = 0;
    health_init(&h, t);
    /* 8 ok + 2 failures → 0.8 < 0.9: DEGRADED, not DOWN */
    for (int i = 0; i < 8; i++)
        health_record(&h, &cfg, t++, 1, 5, NULL);
    health_record(&h, &cfg, t++, 0, 5, NULL);
    health_record(&h, &cfg, t++, 0, 5, NULL);
    assert_int_equal(h.state, HEALTH_DEGRADED);
    /* enough successes lift it to >= 0.95 */
    while (h.state == HEALTH_DEGRADED)
        health_record(&h, &cfg, t++, 1, 5, NULL);
    assert_int_equal(h.state, HEALTH_HEALTHY);
    assert_true(health_success_rate(&h, &cfg, t) >= 0.95);
}

static void test_window_forgets(void **state)
{
    (void)state;
    struct health h;
    health_init(&h, 0);
    for (int i = 0; i < 4; i++)
        health_record(&h, &cfg, 0, 0, 5, NULL);
    /* a minute later those failures are out of the window: one more does not degrade */
    assert_int_equal(health_record(&h, &cfg, cfg.window_ms + 1, 0, 5, NULL), 0);
    assert_int_equal(h.state, HEALTH_HEALTHY);
    assert_true(health_success_rate(&h, &cfg, cfg.window_ms + 1) < 0.01);
}

static void test_latency_percentiles(void **state)
{
    (void)state;
    struct health h;
    health_init(&h, 0);
    assert_int_equal(health_latency_pct(&h, 50), 0);
    for (int i = 1; i <= 20; i++)
        health_record(&h, &cfg, i, 1, i * 10, NULL);
    assert_int_equal(health_latency_pct(&h, 50), 100);
    assert_int_equal(health_latency_pct(&h, 95), 190);
    assert_string_equal(health_state_name(HEALTH_PROBING), "probing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_degrade_down_probe_recover, setup),
        cmocka_unit_test_setup(test_degraded_recovers, setup),
        cmocka_unit_test_setup(test_window_forgets, setup),
        cmocka_unit_test_setup(test_latency_percentiles, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
