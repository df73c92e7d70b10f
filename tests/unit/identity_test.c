/*
 * identity_test.c — the pure parts of identity: the password policy and Argon2id hashing
 * (core/password), the failure throttle (core/throttle), HTTP Basic client authentication
 * (lib/basic_auth) and the token shapes (core/token).
 */
#include "api/identity.h"
#include "core/password.h"
#include "core/throttle.h"
#include "core/token.h"
#include "lib/arena.h"
#include "lib/basic_auth.h"
#include "lib/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void test_policy(void **state)
{
    (void)state;
    char longpw[PASSWORD_MAX_BYTES + 2];
    memset(longpw, 'a', sizeof(longpw) - 1);
    longpw[sizeof(longpw) - 1] = '\0';
    assert_null(password_policy_check("correct horse"));
    assert_null(password_policy_check("0123456789"));
    assert_string_equal(password_policy_check("012345678"), "too_short");
    assert_string_equal(password_policy_check(""), "too_short");
    assert_string_equal(password_policy_check(NULL), "too_short");
    /* ten characters, twenty bytes: characters count, not bytes */
    assert_null(password_policy_check("\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xbf"
                                      "\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb"));
    assert_string_equal(password_policy_check("\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb"),
                        "too_short");
    assert_string_equal(password_policy_check(longpw), "too_long");
    assert_string_equal(password_policy_check("abcdefghij\n"), "invalid_characters");
    assert_string_equal(password_policy_check("abcdefghij\xff"), "invalid_characters");
    assert_string_equal(password_policy_check("abcdefghij\xc0\x80"), "invalid_characters");
}

static void test_hash_verify(void **state)
{
    (void)state;
    char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash("correct horse battery", h1, sizeof(h1)), 0);
    assert_int_equal(password_hash("correct horse battery", h2, sizeof(h2)), 0);
    assert_true(strncmp(h1, "$argon2id$", 10) == 0);
    assert_string_not_equal(h1, h2); /* salted */
    assert_int_equal(password_verify(h1, "correct horse battery"), 1);
    assert_int_equal(password_verify(h2, "correct horse battery"), 1);
    assert_int_equal(password_verify(h1, "correct horse batterx"), 0);
    assert_int_equal(password_verify("", "x"), 0);
    assert_int_equal(password_verify("$2b$10$notargon", "x"), 0);
    assert_int_equal(password_verify(NULL, "x"), 0);
    assert_int_equal(password_verify_dummy("anything"), 0);
    assert_int_equal(password_hash("x", h1, 10), -1);
}

static void test_throttle(void **state)
{
    (void)state;
    struct throttle *t = throttle_new(3, 1000);
    int64_t retry = 0;
    assert_int_equal(throttle_blocked(t, "a", 0, NULL), 0);
    for (int i = 0; i < 3; i++)
        throttle_hit(t, "a", 10);
    assert_int_equal(throttle_blocked(t, "a", 20, &retry), 1);
    assert_int_equal(retry, 990);
    assert_int_equal(throttle_blocked(t, "b", 20, NULL), 0);   /* keys are separate */
    assert_int_equal(throttle_blocked(t, "a", 1010, NULL), 0); /* the window ended */
    throttle_hit(t, "b", 0);
    throttle_hit(t, "b", 0);
    throttle_hit(t, "b", 0);
    assert_int_equal(throttle_blocked(t, "b", 1, NULL), 1);
    throttle_clear(t, "b");
    assert_int_equal(throttle_blocked(t, "b", 1, NULL), 0);
    /* many keys: the table stays bounded and fresh keys still count */
    char key[32];
    for (int i = 0; i < 3 * THROTTLE_SLOTS; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        throttle_hit(t, key, 5);
    }
    for (int i = 0; i < 3; i++)
        throttle_hit(t, "fresh", 6);
    assert_int_equal(throttle_blocked(t, "fresh", 7, NULL), 1);
    throttle_free(t);
    throttle_free(NULL);
}

struct basic_case {
    const char *header;
    int want;
    const char *user, *pass;
};

static const struct basic_case basic_cases[] = {
    {"Basic Y2xpX2FiYzpzM2NyZXQ=", SH_OK, "cli_abc", "s3cret"},     /* cli_abc:s3cret */
    {"basic   Y2xpX2FiYzpzM2NyZXQ=  ", SH_OK, "cli_abc", "s3cret"}, /* case, spaces */
    {"Basic YSUyMGI6YyUzQWQrZQ==", SH_OK, "a b", "c:d e"},          /* a%20b:c%3Ad+e */
    {"Basic OnB3", SH_OK, "", "pw"},                                /* :pw */
    {"Basic dXNlcjo=", SH_OK, "user", ""},                          /* user: */
    {"Bearer abc", SH_ENOTFOUND, NULL, NULL},
    {"Basicabc", SH_ENOTFOUND, NULL, NULL},
    {"Basic", SH_EINVAL, NULL, NULL},
    {"Basic !!!", SH_EINVAL, NULL, NULL},
    {"Basic dXNlcg==", SH_EINVAL, NULL, NULL}, /* user (no colon) */
    {"Basic YSUwMDpi", SH_EINVAL, NULL, NULL}, /* a%00:b */
    {"Basic YSV6ejpi", SH_EINVAL, NULL, NULL}, /* a%zz:b */
    {"Basic YSU6Yg==", SH_EINVAL, NULL, NULL}, /* a%:b */
};

static void test_basic_auth(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(basic_cases) / sizeof(basic_cases[0]); i++) {
        const struct basic_case *c = &basic_cases[i];
        struct arena a;
        const char *u, *p;
        arena_init(&a);
        int st = basic_auth_parse(c->header, &a, &u, &p);
        if (st != c->want)
            fail_msg("case %zu (%s): got %d want %d", i, c->header, st, c->want);
        if (c->want == SH_OK) {
            assert_string_equal(u, c->user);
            assert_string_equal(p, c->pass);
        } else {
            assert_null(u);
            assert_null(p);
        }
        arena_release(&a);
    }
    struct arena a;
    const char *u, *p;
    arena_init(&a);
    assert_int_equal(basic_auth_parse(NULL, &a, &u, &p), SH_ENOTFOUND);
    char big[BASIC_AUTH_MAX + 16] = "Basic ";
    memset(big + 6, 'A', sizeof(big) - 7);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(basic_auth_parse(big, &a, &u, &p), SH_EINVAL);
    arena_release(&a);
}

static void test_email_shape(void **state)
{
    (void)state;
    char longaddr[300];
    memset(longaddr, 'a', sizeof(longaddr) - 1);
    longaddr[sizeof(longaddr) - 1] = '\0';
    longaddr[10] = '@';
    assert_null(ident_email_problem("a@b.c"));
    assert_null(ident_email_problem("First.Last+tag@example.co.uk"));
    assert_non_null(ident_email_problem(""));
    assert_non_null(ident_email_problem("nobody"));
    assert_non_null(ident_email_problem("@example.com"));
    assert_non_null(ident_email_problem("a@"));
    assert_non_null(ident_email_problem("a@b@c"));
    assert_non_null(ident_email_problem("a b@c.d"));
    assert_non_null(ident_email_problem("a@c.d\r\nBcc: x@y.z"));
    assert_non_null(ident_email_problem("<a@c.d>"));
    assert_non_null(ident_email_problem(longaddr));
}

static void test_token_shapes(void **state)
{
    (void)state;
    char t[TOKEN_MAX];
    static const enum token_kind kinds[] = {TOKEN_ACCESS, TOKEN_REFRESH, TOKEN_CLIENT_SECRET,
                                            TOKEN_EMAIL};
    static const char *const prefixes[] = {"sha_", "shr_", "shc_", "shu_"};
    for (int i = 0; i < 4; i++) {
        token_generate(kinds[i], t, sizeof(t));
        assert_true(strncmp(t, prefixes[i], 4) == 0);
        assert_int_equal(strlen(t), 47);
        for (int j = 0; j < 4; j++)
            assert_int_equal(token_well_formed(kinds[j], t), i == j);
    }
    assert_int_equal(token_well_formed(TOKEN_EMAIL, "shu_"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy),       cmocka_unit_test(test_hash_verify),
        cmocka_unit_test(test_throttle),     cmocka_unit_test(test_basic_auth),
        cmocka_unit_test(test_token_shapes), cmocka_unit_test(test_email_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
