/*
 * cidr_test.c — unit tests for core/cidr: parsing networks and lists (IPv4, IPv6, mapped
 * addresses, bad input), matching, and the client address behind trusted proxies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/cidr.h"
#include "lib/err.h"

static int in(const char *list, const char *ip)
{
    struct cidr_list l;
    struct cidr a;
    assert_int_equal(cidr_list_parse(list, &l, NULL), SH_OK);
    assert_int_equal(cidr_parse_ip(ip, &a), SH_OK);
    return cidr_list_contains(&l, &a);
}

static void test_parse_good(void **state)
{
    (void)state;
    static const char *const good[] = {
        "10.0.0.0/8", "192.0.2.7",           "0.0.0.0/0",        "::/0",     "2001:db8::/32",
        "::1",        "::ffff:10.0.0.0/104", "203.0.113.128/25", "fe80::/10"};
    struct cidr c;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(cidr_parse(good[i], strlen(good[i]), &c), SH_OK);
    assert_int_equal(cidr_parse("192.0.2.7", 9, &c), SH_OK);
    assert_int_equal(c.bits, 32);
    assert_int_equal(c.v6, 0);
    assert_int_equal(cidr_parse("::ffff:10.0.0.0/104", 19, &c), SH_OK);
    assert_int_equal(c.v6, 0);
    assert_int_equal(c.bits, 8);
}

static void test_parse_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "10.0.0.0/33",
                                      "10.0.0.1/8",
                                      "10.0.0.0/",
                                      "10.0.0/8",
                                      "::/129",
                                      "2001:db8::1/32",
                                      "abc",
                                      "10.0.0.0/x",
                                      "10.0.0.0/08a",
                                      "1.2.3.4/-1",
                                      "/8",
                                      "::ffff:10.0.0.0/8",
                                      "10.0.0.0/0008"};
    struct cidr c;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cidr_parse(bad[i], strlen(bad[i]), &c), SH_EINVAL);
}

static void test_list(void **state)
{
    (void)state;
    struct cidr_list l;
    size_t at = 99;
    assert_int_equal(cidr_list_parse("", &l, NULL), SH_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(cidr_list_parse(" 10.0.0.0/8,192.0.2.1\t2001:db8::/32 ", &l, NULL), SH_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(cidr_list_parse("10.0.0.0/8 nope", &l, &at), SH_EINVAL);
    assert_int_equal(at, 11);
    assert_int_equal(l.n, 0);
}

static void test_match(void **state)
{
    (void)state;
    assert_true(in("10.0.0.0/8", "10.255.1.2"));
    assert_false(in("10.0.0.0/8", "11.0.0.1"));
    assert_true(in("203.0.113.128/25", "203.0.113.200"));
    assert_false(in("203.0.113.128/25", "203.0.113.127"));
    assert_true(in("2001:db8::/32", "2001:db8:1::5"));
    assert_false(in("2001:db8::/32", "2001:db9::5"));
    assert_true(in("127.0.0.1", "::ffff:127.0.0.1")); /* mapped = IPv4 */
    assert_false(in("::/0", "127.0.0.1"));            /* families never mix */
    assert_true(in("0.0.0.0/0", "8.8.8.8"));
    assert_false(in("", "8.8.8.8"));
}

static void client(const char *peer, const char *xff, const char *trusted, const char *want)
{
    struct cidr_list l;
    char out[64];
    assert_int_equal(cidr_list_parse(trusted, &l, NULL), SH_OK);
    cidr_client_ip(peer, xff, &l, out, sizeof(out));
    assert_string_equal(out, want);
}

static void test_client_ip(void **state)
{
    (void)state;
    client("127.0.0.1", "1.2.3.4", "", "127.0.0.1");                /* no proxy trusted */
    client("198.51.100.1", "1.2.3.4", "127.0.0.1", "198.51.100.1"); /* peer not trusted */
    client("127.0.0.1", NULL, "127.0.0.1", "127.0.0.1");
    client("127.0.0.1", "1.2.3.4", "127.0.0.1", "1.2.3.4");
    /* the client forged a left part; the rightmost untrusted hop wins */
    client("127.0.0.1", "6.6.6.6, 1.2.3.4", "127.0.0.1", "1.2.3.4");
    client("127.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.2", "127.0.0.1 10.0.0.0/8", "1.2.3.4");
    client("127.0.0.1", "10.0.0.3,10.0.0.2", "127.0.0.1 10.0.0.0/8", "10.0.0.3");
    client("127.0.0.1", "garbage, 10.0.0.2", "127.0.0.1 10.0.0.0/8", "10.0.0.2");
    client("127.0.0.1", "", "127.0.0.1", "127.0.0.1");
    client("127.0.0.1", " 2001:db8::7 ", "127.0.0.1", "2001:db8::7");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good), cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_list),       cmocka_unit_test(test_match),
        cmocka_unit_test(test_client_ip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
