/*
 * fuzz_encoding.c — libFuzzer target for core/encoding.
 *
 * Feeds arbitrary bytes to enc_analyze and, when valid, checks strip_controls, both encoders
 * and both decoders against each other: encode-then-decode must give the input back, lengths
 * must match enc_info, and the segment count must equal a reference packing done on the
 * encoded bytes. The raw bytes also go through the three decoders, whose output must always
 * be valid UTF-8. Any mismatch calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "lib/err.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* Reference segment count from the encoded form: items of 1 or 2 units packed greedily. */
static unsigned ref_segments(const unsigned char *enc, size_t n, int gsm)
{
    size_t units = gsm ? n : n / 2;
    size_t per = gsm ? ENC_GSM7_MULTI : ENC_UCS2_MULTI;
    size_t parts = 0;
    size_t fill = 0;
    size_t i = 0;

    if (units == 0)
        return 0;
    if (units <= (gsm ? ENC_GSM7_SINGLE : ENC_UCS2_SINGLE))
        return 1;
    while (i < n) {
        size_t w = 1;

        if (gsm && enc[i] == ENC_GSM7_ESC)
            w = 2;
        if (!gsm && enc[i] >= 0xD8 && enc[i] <= 0xDB)
            w = 2;
        if (parts == 0 || fill + w > per) {
            parts++;
            fill = 0;
        }
        fill += w;
        i += gsm ? w : 2 * w;
    }
    return (unsigned)parts;
}

/* Decoder output must be valid text; GSM decoding must stay within the GSM alphabet. */
static void check_decoders(const uint8_t *data, size_t size, char *out, size_t cap)
{
    struct enc_info info;
    long n;

    n = enc_from_gsm7(data, size, out, cap);
    CHECK(n >= 0);
    CHECK(enc_analyze(out, (size_t)n, &info) == SH_OK);
    CHECK(info.kind == ENC_GSM7);
    n = enc_from_ucs2be(data, size, out, cap);
    CHECK(n >= 0);
    CHECK(enc_analyze(out, (size_t)n, &info) == SH_OK);
    n = enc_from_latin1(data, size, out, cap);
    CHECK(n >= 0);
    CHECK(enc_analyze(out, (size_t)n, &info) == SH_OK);
    if (size > 0)
        CHECK(enc_from_latin1(data, size, out, (size_t)n - 1) == SH_ETOOBIG);
}

static void check_strip(const char *text, size_t size, char *copy)
{
    struct enc_info info;
    size_t n;

    memcpy(copy, text, size);
    n = enc_strip_controls(copy, size);
    CHECK(n <= size);
    CHECK(enc_analyze(copy, n, &info) == SH_OK);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)copy[i];

        CHECK(c >= 0x20 || c == '\n' || c == '\r' || c == '\f');
        CHECK(c != 0x7F);
        CHECK(!(c == 0xC2 && i + 1 < n && (unsigned char)copy[i + 1] <= 0x9F));
    }
    CHECK(n == size || copy[n] == '\0');
    CHECK(enc_strip_controls(copy, n) == n); /* idempotent */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t cap = 4 * size + 4;
    unsigned char *enc = malloc(cap);
    char *dec = malloc(cap);
    struct enc_info info;
    int rc;
    long n;
    long m;

    CHECK(enc != NULL && dec != NULL);
    check_decoders(data, size, dec, cap);

    rc = enc_analyze(text, size, &info);
    if (rc != SH_OK) {
        CHECK(rc == SH_EINVAL);
        CHECK(enc_to_gsm7(text, size, enc, cap) == SH_EINVAL);
        CHECK(enc_to_ucs2be(text, size, enc, cap) == SH_EINVAL);
        goto out;
    }
    CHECK(info.chars <= size && info.units <= 2 * size);
    CHECK((size == 0) == (info.segments == 0));
    check_strip(text, size, dec);

    n = enc_to_ucs2be(text, size, enc, cap);
    CHECK(n >= 0 && (size_t)n <= 2 * size);
    if (info.kind == ENC_UCS2) {
        CHECK((size_t)n == 2 * info.units);
        CHECK(info.segments == ref_segments(enc, (size_t)n, 0));
    }
    if (n > 0)
        CHECK(enc_to_ucs2be(text, size, enc, (size_t)n - 1) == SH_ETOOBIG);
    m = enc_from_ucs2be(enc, (size_t)n, dec, cap);
    CHECK(m == (long)size && memcmp(dec, text, size) == 0);

    n = enc_to_gsm7(text, size, enc, cap);
    if (info.kind == ENC_UCS2) {
        CHECK(n == SH_EINVAL);
        goto out;
    }
    CHECK(n >= 0 && (size_t)n == info.units);
    CHECK(info.segments == ref_segments(enc, (size_t)n, 1));
    if (n > 0)
        CHECK(enc_to_gsm7(text, size, enc, (size_t)n - 1) == SH_ETOOBIG);
    m = enc_from_gsm7(enc, (size_t)n, dec, cap);
    CHECK(m == (long)size && memcmp(dec, text, size) == 0);
out:
    free(dec);
    free(enc);
    return 0;
}
