/*
 * fuzz_phone.c — libFuzzer target for core/phone: phone_parse() and phone_mask().
 *
 * The input is copied and NUL-terminated (cut at the first NUL, as a C caller would see it),
 * then parsed with no default region and with two real ones. Besides "no crash, no
 * sanitizer report" it checks what phone_parse promises: success gives '+' and digits, a
 * 2-letter or empty region, a country code the e164 starts with, a number that parses
 * again to itself, and a mask as long as the number; failure leaves *out zeroed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/phone.h"

static void check(int ok, const char *what, const char *input)
{
    if (!ok) {
        fprintf(stderr, "fuzz_phone: %s for input \"%s\"\n", what, input);
        abort();
    }
}

static void parse_and_check(const char *input, const char *region)
{
    static const struct phone_number zero;
    struct phone_number out;
    struct phone_number again;
    char masked[sizeof(out.e164)];
    char cc[8];
    size_t n;

    memset(&out, 0x5a, sizeof(out));
    if (phone_parse(input, region, &out) != PHONE_OK) {
        check(memcmp(&out, &zero, sizeof(out)) == 0, "out not zeroed on failure", input);
        return;
    }
    n = strlen(out.e164);
    check(n >= 2 && n < sizeof(out.e164) && out.e164[0] == '+', "bad e164 shape", input);
    check(strspn(out.e164 + 1, "0123456789") == n - 1, "non-digit in e164", input);
    check(strlen(out.region) == 0 || strlen(out.region) == 2, "bad region", input);
    check(out.country_code > 0 && out.country_code < 1000, "bad country code", input);
    snprintf(cc, sizeof(cc), "+%d", out.country_code);
    check(strncmp(out.e164, cc, strlen(cc)) == 0, "e164 does not start with its code", input);
    check(out.type >= PHONE_TYPE_UNKNOWN && out.type <= PHONE_TYPE_OTHER, "bad type", input);

    check(phone_parse(out.e164, NULL, &again) == PHONE_OK, "e164 does not parse again", input);
    check(memcmp(&out, &again, sizeof(out)) == 0, "e164 parses to something else", input);

    phone_mask(out.e164, masked, sizeof(masked));
    check(strlen(masked) == n && masked[0] == '+', "mask changed the length", input);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    phone_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = malloc(size + 1);
    char masked[32];

    if (input == NULL) {
        return 0;
    }
    memcpy(input, data, size);
    input[size] = '\0';
    parse_and_check(input, NULL);
    parse_and_check(input, "UZ");
    parse_and_check(input, "GB");
    phone_mask(input, masked, sizeof(masked));
    free(input);
    return 0;
}
