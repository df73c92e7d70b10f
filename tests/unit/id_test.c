/*
 * id_test.c — unit tests for lib/id: ULID-layout ids, their time order and validation.
 *
 * What the rest of smshub relies on: ids look like "msg_" + 26 Crockford characters, ids of
 * later milliseconds sort after ids of earlier ones as plain strings (the message list's
 * cursor and date-range filters are id comparisons), and id_floor(ms) is a lower bound of
 * every id created at or after ms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "lib/id.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* increasing milliseconds: 5-bit and byte boundaries of the time field, the ULID example, 2026,
 * year 9999 and the largest 48-bit time */
static const int64_t times[] = {0,
                                1,
                                31,
                                32,
                                255,
                                256,
                                1023,
                                1024,
                                65535,
                                65536,
                                1469918176385,
                                1700000000000,
                                1700000000001,
                                1767225600000,
                                1767225600031,
                                1767225600032,
                                253402300799999,
                                281474976710655};
#define NTIMES (sizeof(times) / sizeof(times[0]))

static void test_format(void **state)
{
    static const char *const prefixes[] = {"msg", "key", "prj", "cred", "abcdefghijkl"};
    (void)state;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        const char *p = prefixes[i];
        size_t pl = strlen(p);
        for (size_t t = 0; t < NTIMES; t++) {
            char id[ID_MAX];
            assert_ptr_equal(id_new(p, times[t], id, sizeof(id)), id);
            assert_int_equal(strlen(id), pl + 1 + ID_BODY_LEN);
            assert_memory_equal(id, p, pl);
            assert_int_equal(id[pl], '_');
            assert_int_equal(strspn(id + pl + 1, crockford), ID_BODY_LEN);
            assert_true(id_valid(p, id));
        }
    }
}

static void test_known_time_prefix(void **state)
{
    char id[ID_MAX];
    (void)state;
    /* the ULID specification's example: 1469918176385 ms encodes as 01ARYZ6S41 */
    id_new("msg", 1469918176385, id, sizeof(id));
    assert_memory_equal(id, "msg_01ARYZ6S41", 14);
    id_floor("msg", 0, id, sizeof(id));
    assert_string_equal(id, "msg_00000000000000000000000000");
    id_floor("msg", 1469918176385, id, sizeof(id));
    assert_string_equal(id, "msg_01ARYZ6S410000000000000000");
}

static void test_random_part_differs(void **state)
{
    char a[ID_MAX], b[ID_MAX];
    (void)state;
    for (int i = 0; i < 100; i++) {
        id_new("msg", 1767225600000, a, sizeof(a));
        id_new("msg", 1767225600000, b, sizeof(b));
        assert_memory_equal(a, b, 4 + 10); /* same time field */
        assert_string_not_equal(a, b);     /* 80 random bits */
    }
}

static void test_time_order(void **state)
{
    (void)state;
    for (size_t t = 0; t + 1 < NTIMES; t++) {
        /* random bits must never outweigh one millisecond */
        for (int k = 0; k < 20; k++) {
            char lo[ID_MAX], hi[ID_MAX];
            id_new("msg", times[t], lo, sizeof(lo));
            id_new("msg", times[t + 1], hi, sizeof(hi));
            if (strcmp(lo, hi) >= 0)
                fail_msg("id of %lld (%s) does not sort before id of %lld (%s)",
                         (long long)times[t], lo, (long long)times[t + 1], hi);
        }
    }
}

static void test_floor(void **state)
{
    (void)state;
    for (size_t t = 0; t < NTIMES; t++) {
        char fl[ID_MAX], next[ID_MAX];
        id_floor("msg", times[t], fl, sizeof(fl));
        assert_true(id_valid("msg", fl));
        for (int k = 0; k < 20; k++) {
            char id[ID_MAX];
            id_new("msg", times[t], id, sizeof(id));
            assert_true(strcmp(fl, id) <= 0);
            if (t > 0) { /* and above every id of an earlier millisecond */
                id_new("msg", times[t] - 1, id, sizeof(id));
                assert_true(strcmp(id, fl) < 0);
            }
        }
        if (t + 1 < NTIMES) {
            id_floor("msg", times[t + 1], next, sizeof(next));
            assert_true(strcmp(fl, next) < 0);
        }
    }
}

static void test_small_buffer(void **state)
{
    char buf[ID_MAX];
    (void)state;
    /* "msg" needs cap >= 3 + 28; one byte less writes an empty string, never a cut id */
    memset(buf, 'x', sizeof(buf));
    id_new("msg", 1, buf, 3 + 27);
    assert_int_equal(buf[0], '\0');
    id_floor("msg", 1, buf, 3 + 27);
    assert_int_equal(buf[0], '\0');
    id_new("msg", 1, buf, 3 + 28);
    assert_true(id_valid("msg", buf));
}

struct valid_case {
    const char *name;
    const char *prefix;
    const char *s;
    int want;
};

static const struct valid_case valid_cases[] = {
    {"good", "msg", "msg_01ARYZ6S41TSV4RRFFQ69G5FAV", 1},
    {"all zero", "msg", "msg_00000000000000000000000000", 1},
    {"other prefix", "key", "msg_01ARYZ6S41TSV4RRFFQ69G5FAV", 0},
    {"prefix of prefix", "ms", "msg_01ARYZ6S41TSV4RRFFQ69G5FAV", 0},
    {"longer prefix", "msgs", "msg_01ARYZ6S41TSV4RRFFQ69G5FAV", 0},
    {"no underscore", "msg", "msg01ARYZ6S41TSV4RRFFQ69G5FAV", 0},
    {"dash", "msg", "msg-01ARYZ6S41TSV4RRFFQ69G5FAV", 0},
    {"body 25", "msg", "msg_01ARYZ6S41TSV4RRFFQ69G5FA", 0},
    {"body 27", "msg", "msg_01ARYZ6S41TSV4RRFFQ69G5FAVX", 0},
    {"empty body", "msg", "msg_", 0},
    {"empty", "msg", "", 0},
    {"lower case", "msg", "msg_01aryz6s41tsv4rrffq69g5fav", 0},
    {"letter I", "msg", "msg_01ARYZ6S41TSV4RRFFQ69G5FAI", 0},
    {"letter L", "msg", "msg_01ARYZ6S41TSV4RRFFQ69G5FAL", 0},
    {"letter O", "msg", "msg_01ARYZ6S41TSV4RRFFQ69G5FAO", 0},
    {"letter U", "msg", "msg_01ARYZ6S41TSV4RRFFQ69G5FAU", 0},
    {"space", "msg", "msg_01ARYZ6S41TSV4RRFFQ69G5FA ", 0},
    {"quote", "msg", "msg_01ARYZ6S41TSV4RRFFQ69G5FA'", 0},
    {"percent", "msg", "msg_01ARYZ6S41TSV4RRF%Q69G5FAV", 0},
};

static void test_valid(void **state)
{
    int bad = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
        const struct valid_case *c = &valid_cases[i];
        if (id_valid(c->prefix, c->s) != c->want) {
            print_error("case '%s': id_valid(\"%s\", \"%s\") != %d\n", c->name, c->prefix, c->s,
                        c->want);
            bad++;
        }
    }
    if (bad > 0)
        fail_msg("%d id_valid case(s) failed", bad);
}

static void test_encoders(void **state)
{
    static const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
    char hex[2 * sizeof(bytes) + 1];
    char b64[16];
    (void)state;
    hex_encode(bytes, sizeof(bytes), hex);
    assert_string_equal(hex, "00017f80feff");
    hex_encode(bytes, 0, hex);
    assert_string_equal(hex, "");
    /* RFC 4648 §5 alphabet, no padding: 0xfb 0xff → "-_8" */
    assert_int_equal(base64url_encode((const unsigned char *)"\xfb\xff", 2, b64), 3);
    assert_string_equal(b64, "-_8");
    assert_int_equal(base64url_encode((const unsigned char *)"foobar", 6, b64), 8);
    assert_string_equal(b64, "Zm9vYmFy");
    assert_int_equal(base64url_encode((const unsigned char *)"f", 1, b64), 2);
    assert_string_equal(b64, "Zg");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_known_time_prefix),
        cmocka_unit_test(test_random_part_differs),
        cmocka_unit_test(test_time_order),
        cmocka_unit_test(test_floor),
        cmocka_unit_test(test_small_buffer),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_encoders),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
