/*
 * message_state_test.c — unit tests for core/message_state: the message lifecycle of SPEC §4.5.
 *
 * The expected lifecycle is written out below as a full 9×9 table (one row per source state)
 * and every (from, to) pair is checked against msg_state_legal(), so adding or dropping an
 * arrow in the code without touching this table fails. The other groups check what the store
 * relies on: final states have no way out, msg_state_from_mask() is the column of the table,
 * and status names round-trip (they are API strings and the numbers are stored).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/message_state.h"

#define N MSG__COUNT

/* One row per source state: want[to] = 1 when from → to is legal.
 *   columns: queued submitted sent delivered undelivered failed rejected expired canceled
 * sent → failed is legal: a provider receipt may report a failure after the "sent" report
 * (dispatch maps PROVIDER_DLR_FAILED to it). sent → rejected is not: rejection happens at
 * submit time, before the carrier took the message. */
struct lifecycle_case {
    int from;
    unsigned char want[N];
};

static const struct lifecycle_case cases[] = {
    {MSG_QUEUED, {0, 1, 0, 0, 0, 1, 1, 1, 1}},      /* submitted failed rejected expired canceled */
    {MSG_SUBMITTED, {0, 0, 1, 1, 1, 1, 1, 1, 0}},   /* sent and every final but canceled */
    {MSG_SENT, {0, 0, 0, 1, 1, 1, 0, 1, 0}},        /* delivered undelivered failed expired */
    {MSG_DELIVERED, {0, 0, 0, 0, 0, 0, 0, 0, 0}},   /* final */
    {MSG_UNDELIVERED, {0, 0, 0, 0, 0, 0, 0, 0, 0}}, /* final */
    {MSG_FAILED, {0, 0, 0, 0, 0, 0, 0, 0, 0}},      /* final */
    {MSG_REJECTED, {0, 0, 0, 0, 0, 0, 0, 0, 0}},    /* final */
    {MSG_EXPIRED, {0, 0, 0, 0, 0, 0, 0, 0, 0}},     /* final */
    {MSG_CANCELED, {0, 0, 0, 0, 0, 0, 0, 0, 0}},    /* final */
};

static const char *const names[N] = {
    "queued", "submitted", "sent",    "delivered", "undelivered",
    "failed", "rejected",  "expired", "canceled",
};

static void test_every_pair(void **state)
{
    int bad = 0;
    (void)state;
    assert_int_equal(sizeof(cases) / sizeof(cases[0]), N);
    for (size_t i = 0; i < N; i++) {
        const struct lifecycle_case *c = &cases[i];
        assert_int_equal(c->from, (int)i); /* the table is in status order */
        for (int to = 0; to < N; to++) {
            int got = msg_state_legal(c->from, to);
            if (got != c->want[to]) {
                print_error("%s -> %s: legal=%d, want %d\n", names[c->from], names[to], got,
                            c->want[to]);
                bad++;
            }
        }
    }
    if (bad > 0)
        fail_msg("%d transition(s) differ from the lifecycle", bad);
}

static void test_out_of_range_is_illegal(void **state)
{
    static const int odd[] = {-1, N, N + 1, 1000, -1000};
    (void)state;
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        for (int s = 0; s < N; s++) {
            assert_false(msg_state_legal(odd[i], s));
            assert_false(msg_state_legal(s, odd[i]));
        }
        assert_false(msg_status_final(odd[i]));
        assert_int_equal(msg_state_from_mask(odd[i]), 0);
    }
}

static void test_final_states_have_no_way_out(void **state)
{
    static const int final[] = {MSG_DELIVERED, MSG_UNDELIVERED, MSG_FAILED,
                                MSG_REJECTED,  MSG_EXPIRED,     MSG_CANCELED};
    uint32_t final_bits = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
        final_bits |= 1u << final[i];
    for (int s = 0; s < N; s++) {
        int want_final = (final_bits >> s) & 1;
        if (msg_status_final(s) != want_final)
            fail_msg("msg_status_final(%s) = %d, want %d", names[s], msg_status_final(s),
                     want_final);
        /* no state can be left once final, and no final state is a source in any mask */
        for (int to = 0; to < N && want_final; to++)
            assert_false(msg_state_legal(s, to));
        if ((msg_state_from_mask(s) & final_bits) != 0)
            fail_msg("a final state can reach %s", names[s]);
        /* nothing moves to itself: a duplicate report must not be applied twice */
        assert_false(msg_state_legal(s, s));
    }
    /* nothing goes back to queued (a retry keeps the row queued, it does not transition) */
    assert_int_equal(msg_state_from_mask(MSG_QUEUED), 0);
}

static void test_from_mask_is_the_column(void **state)
{
    (void)state;
    for (int to = 0; to < N; to++) {
        uint32_t want = 0;
        for (size_t i = 0; i < N; i++) {
            if (cases[i].want[to])
                want |= 1u << cases[i].from;
        }
        if (msg_state_from_mask(to) != want)
            fail_msg("from_mask(%s) = 0x%x, want 0x%x", names[to], msg_state_from_mask(to), want);
    }
    /* what dispatch relies on: a late "sent" after "delivered" matches no row */
    assert_false(msg_state_from_mask(MSG_SENT) & (1u << MSG_DELIVERED));
    assert_true(msg_state_from_mask(MSG_DELIVERED) & (1u << MSG_SENT));
    assert_true(msg_state_from_mask(MSG_DELIVERED) & (1u << MSG_SUBMITTED));
}

static void test_names_round_trip(void **state)
{
    static const char *const unknown[] = {"",          "Queued",  "QUEUED", "queued ",
                                          "cancelled", "unknown", "deliver"};
    (void)state;
    for (int s = 0; s < N; s++) {
        assert_string_equal(msg_status_name(s), names[s]);
        assert_int_equal(msg_status_parse(names[s]), s);
    }
    /* the numbers are stored in the database and must never change */
    assert_int_equal(MSG_QUEUED, 0);
    assert_int_equal(MSG_SENT, 2);
    assert_int_equal(MSG_CANCELED, 8);
    assert_string_equal(msg_status_name(-1), "unknown");
    assert_string_equal(msg_status_name(N), "unknown");
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        if (msg_status_parse(unknown[i]) != -1)
            fail_msg("msg_status_parse(\"%s\") = %d, want -1", unknown[i],
                     msg_status_parse(unknown[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_pair),
        cmocka_unit_test(test_out_of_range_is_illegal),
        cmocka_unit_test(test_final_states_have_no_way_out),
        cmocka_unit_test(test_from_mask_is_the_column),
        cmocka_unit_test(test_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
