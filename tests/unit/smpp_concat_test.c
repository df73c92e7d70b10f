/*
 * smpp_concat_test.c — unit tests for smpp/concat: concatenation UDH and splitting.
 *
 * UDH bytes are checked against 3GPP TS 23.040 §9.2.3.24.1 (IEI 0x00: 05 00 03 RR TT SS)
 * and §9.2.3.24.8 (IEI 0x08: 06 08 04 RH RL TT SS); the parser must find the concatenation
 * element among others and refuse elements that run past the UDH or the message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "smpp/concat.h"

static void test_write(void **state)
{
    static const struct {
        struct smpp_concat c;
        size_t len;
        unsigned char bytes[7];
    } cases[] = {
        {{0xA7, 3, 1, 0}, 6, {0x05, 0x00, 0x03, 0xA7, 0x03, 0x01}},
        {{0x00, 1, 1, 0}, 6, {0x05, 0x00, 0x03, 0x00, 0x01, 0x01}},
        {{0xBEEF, 255, 255, 1}, 7, {0x06, 0x08, 0x04, 0xBE, 0xEF, 0xFF, 0xFF}},
        {{0x0100, 2, 2, 1}, 7, {0x06, 0x08, 0x04, 0x01, 0x00, 0x02, 0x02}},
        {{0x100, 2, 1, 0}, 0, {0}}, /* 8-bit ref cannot hold 256 */
        {{1, 0, 0, 0}, 0, {0}},
        {{1, 2, 3, 0}, 0, {0}},
        {{1, 2, 0, 1}, 0, {0}},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char out[8];
        size_t n = smpp_udh_concat_write(&cases[i].c, out, sizeof(out));
        assert_int_equal(n, cases[i].len);
        if (n > 0) {
            assert_memory_equal(out, cases[i].bytes, n);
            assert_int_equal(smpp_udh_concat_write(&cases[i].c, out, n - 1), 0);
        }
    }
    assert_int_equal(smpp_udh_concat_write(NULL, NULL, 0), 0);
}

static void test_parse(void **state)
{
    static const struct {
        const char *name;
        unsigned char sm[16];
        size_t len;
        int st;
        size_t udh_len;
        int has_concat;
        uint16_t ref;
        uint8_t total, seq;
    } cases[] = {
        {"8-bit", {0x05, 0x00, 0x03, 0x2A, 0x02, 0x01, 'h', 'i'}, 8, SH_OK, 6, 1, 0x2A, 2, 1},
        {"16-bit", {0x06, 0x08, 0x04, 0x12, 0x34, 0x03, 0x03}, 7, SH_OK, 7, 1, 0x1234, 3, 3},
        {"after a port IE",
         {0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x00, 0x03, 0x07, 0x02, 0x02, 'x'},
         13,
         SH_OK,
         12,
         1,
         7,
         2,
         2},
        {"no concat IE", {0x04, 0x05, 0x02, 0x00, 0x00, 'x'}, 6, SH_OK, 5, 0, 0, 0, 0},
        {"seq 0 ignored", {0x05, 0x00, 0x03, 0x01, 0x02, 0x00}, 6, SH_OK, 6, 0, 0, 0, 0},
        {"seq > total ignored", {0x05, 0x00, 0x03, 0x01, 0x02, 0x03}, 6, SH_OK, 6, 0, 0, 0, 0},
        {"wrong IEDL ignored", {0x06, 0x00, 0x04, 0x01, 0x02, 0x01, 0x01}, 7, SH_OK, 7, 0, 0, 0, 0},
        {"empty UDH", {0x00, 'x'}, 2, SH_OK, 1, 0, 0, 0, 0},
        {"UDHL past message", {0x05, 0x00, 0x03, 0x01}, 4, SH_EINVAL, 0, 0, 0, 0, 0},
        {"IE past UDH", {0x03, 0x00, 0x03, 0x01, 0x02, 0x01}, 6, SH_EINVAL, 0, 0, 0, 0, 0},
        {"IE header cut", {0x01, 0x00, 'x'}, 3, SH_EINVAL, 0, 0, 0, 0, 0},
        {"empty message", {0}, 0, SH_EINVAL, 0, 0, 0, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct smpp_udh u;
        unsigned char *exact = malloc(cases[i].len ? cases[i].len : 1);
        int st;
        memcpy(exact, cases[i].sm, cases[i].len);
        st = smpp_udh_parse(exact, cases[i].len, &u);
        free(exact);
        if (st != cases[i].st || u.len != cases[i].udh_len || u.has_concat != cases[i].has_concat)
            fail_msg("%s: st %d len %zu concat %d", cases[i].name, st, u.len, u.has_concat);
        if (u.has_concat) {
            assert_int_equal(u.concat.ref, cases[i].ref);
            assert_int_equal(u.concat.total, cases[i].total);
            assert_int_equal(u.concat.seq, cases[i].seq);
        }
    }
}

static void test_fill_and_split(void **state)
{
    unsigned char data[400];
    struct smpp_pdu p;
    unsigned parts;
    (void)state;
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)i;
    parts = smpp_concat_split(sizeof(data), 134, 0, NULL, NULL);
    assert_int_equal(parts, 3);
    for (unsigned seq = 1; seq <= parts; seq++) {
        struct smpp_concat c = {0x55, (uint8_t)parts, (uint8_t)seq, 0};
        struct smpp_udh u;
        size_t off = 0, n = 0;
        smpp_concat_split(sizeof(data), 134, seq, &off, &n);
        assert_int_equal(off, (seq - 1) * 134);
        assert_int_equal(n, seq < 3 ? 134 : 400 - 268);
        smpp_pdu_init(&p, SMPP_CMD_SUBMIT_SM, seq);
        assert_int_equal(smpp_concat_fill(&p, &c, data + off, n), SH_OK);
        assert_true(p.esm_class & SMPP_ESM_UDHI);
        assert_int_equal(p.sm_length, 6 + n);
        assert_int_equal(smpp_udh_parse(p.short_message, p.sm_length, &u), SH_OK);
        assert_int_equal(u.len, 6);
        assert_true(u.has_concat);
        assert_int_equal(u.concat.seq, seq);
        assert_memory_equal(p.short_message + u.len, data + off, n);
    }
    /* limits */
    {
        struct smpp_concat c16 = {0x1234, 2, 1, 1};
        smpp_pdu_init(&p, SMPP_CMD_SUBMIT_SM, 1);
        assert_int_equal(smpp_concat_fill(&p, &c16, data, 247), SH_OK);
        assert_int_equal(p.sm_length, 254);
        smpp_pdu_init(&p, SMPP_CMD_SUBMIT_SM, 1);
        assert_int_equal(smpp_concat_fill(&p, &c16, data, 248), SH_ETOOBIG);
        assert_int_equal(p.sm_length, 0);
        assert_int_equal(p.esm_class, 0);
        c16.seq = 0;
        assert_int_equal(smpp_concat_fill(&p, &c16, data, 1), SH_EINVAL);
        assert_int_equal(smpp_concat_fill(&p, &c16, NULL, 1), SH_EINVAL);
    }
    assert_int_equal(smpp_concat_split(0, 134, 1, NULL, NULL), 0);
    assert_int_equal(smpp_concat_split(10, 0, 1, NULL, NULL), 0);
    assert_int_equal(smpp_concat_split(134, 134, 0, NULL, NULL), 1);
    assert_int_equal(smpp_concat_split(135, 134, 0, NULL, NULL), 2);
    assert_int_equal(smpp_concat_split(255 * 153, 153, 0, NULL, NULL), 255);
    assert_int_equal(smpp_concat_split(255 * 153 + 1, 153, 0, NULL, NULL), 256);
    assert_int_equal(smpp_concat_split((size_t)1 << 30, 1, 0, NULL, NULL), 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_fill_and_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
