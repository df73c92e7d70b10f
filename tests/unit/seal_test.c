/*
 * seal_test.c — sealing secrets with the master key: round trip, binding to the associated
 * data, tampering, unknown key ids, and opening with an older key after rotation.
 */
#include "core/seal.h"
#include "lib/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

static void keys(unsigned char a[32], unsigned char b[32])
{
    for (int i = 0; i < 32; i++) {
        a[i] = (unsigned char)i;
        b[i] = (unsigned char)(255 - i);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    unsigned char k1[32], k2[32], *ct = NULL;
    size_t ctlen = 0, ptlen = 0;
    char kid[SEAL_KEY_ID_LEN], *pt = NULL;
    struct sealer s;
    const char secret[] = "{\"auth_token\":\"s3cr3t\"}";

    keys(k1, k2);
    sealer_init(&s, k1, "0011223344556677");
    assert_int_equal(seal_seal(&s, "cred:a", secret, strlen(secret), &ct, &ctlen, kid), SH_OK);
    assert_string_equal(kid, "0011223344556677");
    assert_null(memmem(ct, ctlen, "s3cr3t", 6)); /* not in the clear */
    assert_int_equal(seal_open(&s, kid, "cred:a", ct, ctlen, &pt, &ptlen), SH_OK);
    assert_int_equal(ptlen, strlen(secret));
    assert_string_equal(pt, secret);
    seal_wipe_free(pt, ptlen);

    /* another row's label, a flipped bit, a truncated value, an unknown key id */
    assert_int_equal(seal_open(&s, kid, "cred:b", ct, ctlen, &pt, &ptlen), SH_EINVAL);
    ct[ctlen / 2] ^= 1;
    assert_int_equal(seal_open(&s, kid, "cred:a", ct, ctlen, &pt, &ptlen), SH_EINVAL);
    ct[ctlen / 2] ^= 1;
    assert_int_equal(seal_open(&s, kid, "cred:a", ct, 10, &pt, &ptlen), SH_EINVAL);
    assert_int_equal(seal_open(&s, "ffffffffffffffff", "cred:a", ct, ctlen, &pt, &ptlen),
                     SH_ENOTFOUND);
    assert_int_equal(seal_open(&s, "0011", "cred:a", ct, ctlen, &pt, &ptlen), SH_ENOTFOUND);

    /* rotation: a new sealing key, the old one still opens what it sealed */
    struct sealer r;
    sealer_init(&r, k2, "8899aabbccddeeff");
    assert_int_equal(sealer_add(&r, k1, "0011223344556677"), SH_OK);
    assert_int_equal(seal_open(&r, kid, "cred:a", ct, ctlen, &pt, &ptlen), SH_OK);
    seal_wipe_free(pt, ptlen);
    free(ct);
    assert_int_equal(seal_seal(&r, "cred:a", secret, strlen(secret), &ct, &ctlen, kid), SH_OK);
    assert_string_equal(kid, "8899aabbccddeeff");
    assert_int_equal(seal_open(&s, kid, "cred:a", ct, ctlen, &pt, &ptlen), SH_ENOTFOUND);
    free(ct);
}

static void test_fingerprint(void **state)
{
    (void)state;
    char a[32], b[32];
    seal_fingerprint("secret-one", 10, a);
    seal_fingerprint("secret-two", 10, b);
    assert_int_equal(strlen(a), 7 + 12);
    assert_memory_equal(a, "sha256:", 7);
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_fingerprint),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
