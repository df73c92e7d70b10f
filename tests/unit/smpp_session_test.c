/*
 * smpp_session_test.c — unit tests for the ESME session FSM table (smpp/session.h) and the
 * `smpp` driver's pure parts (providers/smpp_drv.h): the submit status → outcome table,
 * message_state → delivery state, text encoding and pair-safe cutting, and the part /
 * receipt tracker (one receipt per message when every part is final, receipts before the
 * submit_sm_resp, hex/decimal ids, a failed part → undelivered).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/err.h"
#include "providers/smpp_drv.h"
#include "smpp/session.h"

/* ---- FSM table ---- */

static void test_transitions(void **state)
{
    (void)state;
    static const struct {
        enum smpp_sess_state from, to;
    } legal[] = {
        {SMPP_SS_IDLE, SMPP_SS_CONNECTING},      {SMPP_SS_IDLE, SMPP_SS_CLOSED},
        {SMPP_SS_CONNECTING, SMPP_SS_BINDING},   {SMPP_SS_CONNECTING, SMPP_SS_BACKOFF},
        {SMPP_SS_CONNECTING, SMPP_SS_CLOSED},    {SMPP_SS_BINDING, SMPP_SS_BOUND},
        {SMPP_SS_BINDING, SMPP_SS_BACKOFF},      {SMPP_SS_BINDING, SMPP_SS_CLOSED},
        {SMPP_SS_BOUND, SMPP_SS_UNBINDING},      {SMPP_SS_BOUND, SMPP_SS_BACKOFF},
        {SMPP_SS_BOUND, SMPP_SS_CLOSED},         {SMPP_SS_UNBINDING, SMPP_SS_BACKOFF},
        {SMPP_SS_UNBINDING, SMPP_SS_CLOSED},     {SMPP_SS_BACKOFF, SMPP_SS_CONNECTING},
        {SMPP_SS_BACKOFF, SMPP_SS_CLOSED},
    };
    int n_legal = 0;
    for (int f = 0; f < SMPP_SS_COUNT; f++) {
        for (int t = 0; t < SMPP_SS_COUNT; t++) {
            int want = 0;
            for (size_t i = 0; i < sizeof(legal) / sizeof(legal[0]); i++)
                want |= legal[i].from == (enum smpp_sess_state)f &&
                        legal[i].to == (enum smpp_sess_state)t;
            n_legal += want;
            if (smpp_session_transition_ok(f, t) != want)
                fail_msg("%s -> %s: expected %d", smpp_session_state_name(f),
                         smpp_session_state_name(t), want);
        }
    }
    assert_int_equal(n_legal, (int)(sizeof(legal) / sizeof(legal[0])));
    /* nothing leaves CLOSED; BOUND is reached only through BINDING */
    for (int t = 0; t < SMPP_SS_COUNT; t++)
        assert_false(smpp_session_transition_ok(SMPP_SS_CLOSED, t));
    for (int f = 0; f < SMPP_SS_COUNT; f++)
        assert_int_equal(smpp_session_transition_ok(f, SMPP_SS_BOUND), f == SMPP_SS_BINDING);
    assert_false(smpp_session_transition_ok(SMPP_SS_COUNT, SMPP_SS_IDLE));
    assert_false(smpp_session_transition_ok(SMPP_SS_IDLE, (enum smpp_sess_state)-1));
    assert_string_equal(smpp_session_state_name(SMPP_SS_BOUND), "BOUND");
    assert_string_equal(smpp_session_state_name(SMPP_SS_COUNT), "?");
}

static void test_session_new_refuses(void **state)
{
    (void)state;
    struct smpp_session_cfg c = {.host = "127.0.0.1", .port = 2775, .system_id = "x",
                                 .bind_cmd = SMPP_CMD_BIND_TRANSCEIVER, .window = 0,
                                 .response_timeout_ms = 1000, .enquire_link_ms = 1000,
                                 .reconnect_min_ms = 10, .reconnect_max_ms = 100};
    struct smpp_session_cbs cbs = {0};
    struct smpp_session *s = NULL;
    /* a NULL base is refused before anything else is looked at */
    assert_int_equal(smpp_session_new(NULL, NULL, &c, &cbs, &s), SH_EINVAL);
    assert_null(s);
}

/* ---- status map ---- */

static void test_status_outcome(void **state)
{
    (void)state;
    static const struct {
        uint32_t st;
        enum provider_outcome oc;
    } cases[] = {
        {0x00, PROVIDER_ACCEPTED},  {0x58, PROVIDER_THROTTLED}, {0x14, PROVIDER_THROTTLED},
        {0x08, PROVIDER_TEMP_FAIL}, {0x45, PROVIDER_TEMP_FAIL}, {0x04, PROVIDER_TEMP_FAIL},
        {0x64, PROVIDER_TEMP_FAIL}, {0xFF, PROVIDER_TEMP_FAIL}, {0x0B, PROVIDER_REJECTED},
        {0x0A, PROVIDER_REJECTED},  {0x65, PROVIDER_REJECTED},  {0x66, PROVIDER_REJECTED},
        {0xFE, PROVIDER_REJECTED},  {0x400, PROVIDER_REJECTED}, {0x01, PROVIDER_MALFORMED},
        {0x03, PROVIDER_MALFORMED}, {0x43, PROVIDER_MALFORMED}, {0x48, PROVIDER_MALFORMED},
        {0x51, PROVIDER_MALFORMED}, {0x62, PROVIDER_MALFORMED}, {0xC0, PROVIDER_MALFORMED},
        {0xC4, PROVIDER_MALFORMED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (smpp_drv_status_outcome(cases[i].st) != cases[i].oc)
            fail_msg("status 0x%X: got %d want %d", cases[i].st,
                     smpp_drv_status_outcome(cases[i].st), cases[i].oc);
    }
    assert_int_equal(smpp_drv_state_dlr(2), PROVIDER_DLR_DELIVERED);
    assert_int_equal(smpp_drv_state_dlr(1), PROVIDER_DLR_SENT);
    assert_int_equal(smpp_drv_state_dlr(3), PROVIDER_DLR_EXPIRED);
    assert_int_equal(smpp_drv_state_dlr(4), PROVIDER_DLR_FAILED);
    assert_int_equal(smpp_drv_state_dlr(5), PROVIDER_DLR_UNDELIVERED);
    assert_int_equal(smpp_drv_state_dlr(6), PROVIDER_DLR_SENT);
    assert_int_equal(smpp_drv_state_dlr(7), PROVIDER_DLR_UNDELIVERED);
    assert_int_equal(smpp_drv_state_dlr(8), PROVIDER_DLR_REJECTED);
    assert_int_equal(smpp_drv_state_dlr(0), PROVIDER_DLR_NONE);
}

/* ---- text ---- */

static void test_text(void **state)
{
    (void)state;
    unsigned char out[64];
    size_t len;
    uint8_t dc;
    assert_int_equal(smpp_text_encode("@a€{", 0, out, sizeof(out), &len, &dc), SH_OK);
    assert_int_equal(dc, 0);
    assert_int_equal(len, 6);
    assert_memory_equal(out, "\x00\x61\x1b\x65\x1b\x28", 6);
    /* é is in both GSM and Latin-1; Ж is in neither: the whole text becomes UCS-2 */
    assert_int_equal(smpp_text_encode("é", 3, out, sizeof(out), &len, &dc), SH_OK);
    assert_int_equal(dc, 3);
    assert_int_equal(len, 1);
    assert_int_equal(out[0], 0xE9);
    assert_int_equal(smpp_text_encode("aЖ", 0, out, sizeof(out), &len, &dc), SH_OK);
    assert_int_equal(dc, 8);
    assert_memory_equal(out, "\x00\x61\x04\x16", 4);
    assert_int_equal(smpp_text_encode("€", 3, out, sizeof(out), &len, &dc), SH_OK);
    assert_int_equal(dc, 8);
    assert_int_equal(smpp_text_encode("😀", 0, out, sizeof(out), &len, &dc), SH_OK);
    assert_memory_equal(out, "\xD8\x3D\xDE\x00", 4);
    assert_int_equal(smpp_text_encode("\xC3", 0, out, sizeof(out), &len, &dc), SH_EINVAL);
    assert_int_equal(smpp_text_encode("\xED\xA0\x80", 8, out, sizeof(out), &len, &dc), SH_EINVAL);
    assert_int_equal(smpp_text_encode("abc", 0, out, 2, &len, &dc), SH_ETOOBIG);

    /* cutting never splits an escape pair or a surrogate pair */
    const unsigned char g[] = {0x61, 0x61, 0x1b, 0x65, 0x61};
    assert_int_equal(smpp_text_cut(g, 5, 0, 3), 2);
    assert_int_equal(smpp_text_cut(g, 5, 0, 4), 4);
    assert_int_equal(smpp_text_cut(g, 5, 0, 9), 5);
    const unsigned char u[] = {0x00, 0x61, 0xD8, 0x3D, 0xDE, 0x00, 0x00, 0x62};
    assert_int_equal(smpp_text_cut(u, 8, 8, 4), 2);
    assert_int_equal(smpp_text_cut(u, 8, 8, 5), 2);
    assert_int_equal(smpp_text_cut(u, 8, 8, 6), 6);
    assert_int_equal(smpp_text_cut(u, 8, 8, 3), 2);
}

/* ---- tracker ---- */

struct rec {
    int n;
    char pmid[8][72];
    enum provider_dlr st[8];
};

static void rec_cb(void *arg, const struct provider_report *r)
{
    struct rec *x = arg;
    if (x->n < 8) {
        snprintf(x->pmid[x->n], sizeof(x->pmid[0]), "%s", r->pmid);
        x->st[x->n] = r->status;
    }
    x->n++;
}

static void test_track_parts(void **state)
{
    (void)state;
    struct rec x = {0};
    struct smpp_track *t = smpp_track_new(rec_cb, &x, 60000, 3600000, 1000);
    struct smpp_tmsg *m = smpp_track_msg(t, 3);
    smpp_track_part(t, m, "A1");
    smpp_track_receipt(t, "a1", PROVIDER_DLR_DELIVERED, NULL); /* case-insensitive */
    smpp_track_part(t, m, "00B2");                            /* leading zeros */
    /* the receipt for part 3 arrives before its submit_sm_resp: held */
    smpp_track_receipt(t, "C3", PROVIDER_DLR_DELIVERED, NULL);
    smpp_track_part(t, m, "c3");
    assert_int_equal(x.n, 0); /* the engine has not been told yet */
    char pmid[96];
    smpp_track_answered(t, m, pmid, sizeof(pmid));
    assert_string_equal(pmid, "A1");
    assert_int_equal(x.n, 0); /* part 2 still open */
    smpp_track_receipt(t, "b2", PROVIDER_DLR_DELIVERED, NULL);
    assert_int_equal(x.n, 1);
    assert_string_equal(x.pmid[0], "A1");
    assert_int_equal(x.st[0], PROVIDER_DLR_DELIVERED);
    assert_int_equal(smpp_track_size(t), 0);
    smpp_track_free(t);
}

static void test_track_failed_part_and_radix(void **state)
{
    (void)state;
    struct rec x = {0};
    struct smpp_track *t = smpp_track_new(rec_cb, &x, 0, 3600000, 1000);
    /* part 2 refused at submit: the message is accepted but ends undelivered */
    struct smpp_tmsg *m = smpp_track_msg(t, 2);
    smpp_track_part(t, m, "ff");
    smpp_track_part(t, m, NULL);
    smpp_track_answered(t, m, NULL, 0);
    smpp_track_receipt(t, "255", PROVIDER_DLR_DELIVERED, NULL); /* decimal for hex ff */
    assert_int_equal(x.n, 1);
    assert_string_equal(x.pmid[0], "ff");
    assert_int_equal(x.st[0], PROVIDER_DLR_UNDELIVERED);

    /* single part: the state as sent; a duplicate receipt later is unknown, passed raw */
    m = smpp_track_msg(t, 1);
    smpp_track_part(t, m, "77");
    smpp_track_answered(t, m, NULL, 0);
    smpp_track_receipt(t, "77", PROVIDER_DLR_SENT, NULL);
    assert_int_equal(x.n, 2);
    assert_int_equal(x.st[1], PROVIDER_DLR_SENT);
    smpp_track_receipt(t, "77", PROVIDER_DLR_EXPIRED, "err-1");
    assert_int_equal(x.n, 3);
    assert_int_equal(x.st[2], PROVIDER_DLR_EXPIRED);
    smpp_track_receipt(t, "77", PROVIDER_DLR_DELIVERED, NULL);
    assert_int_equal(x.n, 3); /* held (hold 0 ms) until the sweep */
    smpp_track_sweep(t);
    assert_int_equal(x.n, 4);
    assert_string_equal(x.pmid[3], "77");

    /* every part refused: nothing tracked, nothing reported */
    m = smpp_track_msg(t, 2);
    smpp_track_part(t, m, NULL);
    smpp_track_part(t, m, NULL);
    assert_null(smpp_track_first_id(m));
    smpp_track_answered(t, m, NULL, 0);
    assert_int_equal(smpp_track_size(t), 0);
    /* a message still being submitted at close is freed by its owner */
    m = smpp_track_msg(t, 2);
    smpp_track_part(t, m, "1");
    smpp_track_free(t);
    smpp_track_msg_free(m);
    assert_int_equal(x.n, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_session_new_refuses),
        cmocka_unit_test(test_status_outcome),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_track_parts),
        cmocka_unit_test(test_track_failed_part_and_radix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
