/*
 * smpp_mo_test.c — unit tests for the `smpp` driver's MO side: smpp_text_decode (GSM 03.38
 * with escapes, Latin-1, ASCII, UCS-2 with surrogate pairs and broken units) and the
 * concatenated-MO reassembler (out of order, duplicates, a surrogate pair split across parts,
 * timeout, eviction when full, a refused store put back, the size cap).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "providers/smpp_drv.h"

static void test_decode(void **state)
{
    char out[128];
    (void)state;
    /* GSM: @ £ $, escape € and {, a trailing lone escape as a space */
    static const unsigned char gsm[] = {0x00, 0x01, 0x02, 0x1B, 0x65, 0x1B, 0x28, 'A', 0x1B};
    smpp_text_decode(gsm, sizeof(gsm), 0, out, sizeof(out));
    assert_string_equal(out, "@£$€{A ");
    static const unsigned char l1[] = {'G', 'r', 0xFC, 0xDF, 'e'};
    smpp_text_decode(l1, sizeof(l1), 3, out, sizeof(out));
    assert_string_equal(out, "Grüße");
    smpp_text_decode(l1, sizeof(l1), 1, out, sizeof(out));
    assert_string_equal(out, "Gr\xEF\xBF\xBD\xEF\xBF\xBD"
                             "e");
    /* UCS-2: Привет + 👋 (D83D DC4B); a lone high surrogate and an odd octet become U+FFFD */
    static const unsigned char u[] = {0x04, 0x1F, 0x04, 0x40, 0xD8, 0x3D, 0xDC,
                                      0x4B, 0xD8, 0x3D, 0x00, 0x41, 0x00};
    smpp_text_decode(u, sizeof(u), 8, out, sizeof(out));
    assert_string_equal(out, "Пр👋\xEF\xBF\xBD"
                             "A\xEF\xBF\xBD");
    /* a NUL octet never ends the text early */
    static const unsigned char z[] = {'a', 0, 'b'};
    assert_int_equal(smpp_text_decode(z, 3, 3, out, sizeof(out)), 5);
    /* too small: cut, still terminated */
    assert_true(smpp_text_decode(l1, sizeof(l1), 3, out, 6) < 6);
    assert_int_equal(out[strlen(out)], 0);
}

static struct smpp_mo_part part(uint8_t dc, const void *data, size_t len, uint16_t ref,
                                uint8_t total, uint8_t seq)
{
    return (struct smpp_mo_part){.from = "+998901234567",
                                 .to = "7777",
                                 .dc = dc,
                                 .data = data,
                                 .len = len,
                                 .kind = SMPP_MO_UDH8,
                                 .ref = ref,
                                 .total = total,
                                 .seq = seq};
}

static void test_reassemble(void **state)
{
    struct smpp_mo *r = smpp_mo_new(1000, 4);
    struct smpp_mo_group *g = NULL;
    const char *from, *to;
    int rec, tot;
    uint8_t dc;
    (void)state;
    /* 👋 = D83D DC4B split between part 1 and 2 */
    static const unsigned char p1[] = {0x00, 0x48, 0xD8, 0x3D};
    static const unsigned char p2[] = {0xDC, 0x4B, 0x00, 0x69};
    static const unsigned char p3[] = {0x00, 0x21};
    struct smpp_mo_part a = part(8, p3, 2, 7, 3, 3), b = part(8, p1, 4, 7, 3, 1),
                        c = part(8, p2, 4, 7, 3, 2);
    assert_int_equal(smpp_mo_add(r, &a, 0, &g), SMPP_MO_HELD);
    assert_int_equal(smpp_mo_add(r, &b, 1, &g), SMPP_MO_HELD);
    assert_int_equal(smpp_mo_add(r, &b, 2, &g), SMPP_MO_DUP);
    /* another sender with the same reference is another message */
    struct smpp_mo_part other = b;
    other.from = "+1555";
    assert_int_equal(smpp_mo_add(r, &other, 2, &g), SMPP_MO_HELD);
    assert_int_equal(smpp_mo_count(r), 2);
    assert_int_equal(smpp_mo_add(r, &c, 3, &g), SMPP_MO_COMPLETE);
    assert_non_null(g);
    char *t = smpp_mo_text(g, &from, &to, &rec, &tot, &dc);
    assert_string_equal(t, "H👋i!");
    assert_string_equal(from, "+998901234567");
    assert_int_equal(rec, 3);
    assert_int_equal(tot, 3);
    assert_int_equal(dc, 8);
    free(t);
    /* while being stored a resent part is a duplicate; a refused store puts it back without
     * the completing part, which completes it again when resent */
    struct smpp_mo_group *held = g, *none = NULL;
    assert_int_equal(smpp_mo_add(r, &c, 4, &none), SMPP_MO_DUP);
    assert_null(none);
    smpp_mo_stored(r, held, 0);
    assert_null(smpp_mo_take_expired(r, 5));
    assert_int_equal(smpp_mo_add(r, &c, 6, &g), SMPP_MO_COMPLETE);
    smpp_mo_stored(r, g, 1);
    assert_int_equal(smpp_mo_count(r), 1);
    /* the other one times out with one part of three */
    assert_null(smpp_mo_take_expired(r, 1001));
    g = smpp_mo_take_expired(r, 1002);
    assert_non_null(g);
    assert_null(smpp_mo_take_expired(r, 1003)); /* handed out once */
    t = smpp_mo_text(g, &from, &to, &rec, &tot, &dc);
    assert_int_equal(rec, 1);
    assert_int_equal(tot, 3);
    free(t);
    smpp_mo_stored(r, g, 1);
    assert_int_equal(smpp_mo_count(r), 0);
    /* bad part numbers */
    struct smpp_mo_part bad = part(0, "x", 1, 1, 2, 3);
    assert_int_equal(smpp_mo_add(r, &bad, 0, &g), SMPP_MO_TOOBIG);
    smpp_mo_free(r);
}

static void test_bounds(void **state)
{
    struct smpp_mo *r = smpp_mo_new(60000, 2);
    struct smpp_mo_group *g = NULL;
    (void)state;
    for (uint16_t ref = 1; ref <= 3; ref++) {
        struct smpp_mo_part p = part(0, "abc", 3, ref, 2, 1);
        assert_int_equal(smpp_mo_add(r, &p, ref, &g), SMPP_MO_HELD);
    }
    /* full at 2: the oldest (ref 1) was evicted and is handed out now, incomplete */
    g = smpp_mo_take_expired(r, 10);
    assert_non_null(g);
    const char *from, *to;
    int rec, tot;
    uint8_t dc;
    char *t = smpp_mo_text(g, &from, &to, &rec, &tot, &dc);
    assert_string_equal(t, "abc");
    free(t);
    smpp_mo_stored(r, g, 1);
    assert_null(smpp_mo_take_expired(r, 10));
    assert_int_equal(smpp_mo_count(r), 2);
    /* the size cap */
    static unsigned char big[40000];
    struct smpp_mo_part p1 = part(0, big, sizeof(big), 9, 2, 1),
                        p2 = part(0, big, sizeof(big), 9, 2, 2);
    smpp_mo_add(r, &p1, 20, &g);
    assert_int_equal(smpp_mo_add(r, &p2, 21, &g), SMPP_MO_TOOBIG);
    smpp_mo_free(r); /* frees every group, held or not */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_reassemble),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
