/*
 * encoding_test.c — unit tests for core/encoding: UTF-8 validation, GSM7/UCS2 classification,
 * segment boundaries (including the no-split rule for escapes and surrogate pairs), control
 * stripping, encoders, decoders and round trips.
 *
 * Table-driven: each group walks a static const case table and names the failing case. The
 * last group checks the GSM 03.38 tables exhaustively over every Unicode scalar value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "lib/err.h"

#define CHECK(name, cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail_msg("case '%s': check failed: %s", (name), #cond);                                \
    } while (0)

/* A test text: pre repeated pre_n times, then mid (mid_len bytes, 0 = strlen), then post
 * repeated post_n times. Lets one table row describe a 307-septet boundary case. */
struct text {
    const char *pre;
    size_t pre_n;
    const char *mid;
    size_t mid_len;
    const char *post;
    size_t post_n;
};

/* Returns a new buffer (caller frees) holding the text; *len gets its length. */
static char *text_build(const struct text *t, size_t *len)
{
    size_t pre_len = t->pre ? strlen(t->pre) : 0;
    size_t mid_len = t->mid ? (t->mid_len ? t->mid_len : strlen(t->mid)) : 0;
    size_t post_len = t->post ? strlen(t->post) : 0;
    size_t n = pre_len * t->pre_n + mid_len + post_len * t->post_n;
    char *buf = malloc(n + 1);
    size_t w = 0;

    assert_non_null(buf);
    for (size_t i = 0; i < t->pre_n; i++, w += pre_len)
        memcpy(buf + w, t->pre, pre_len);
    if (mid_len > 0)
        memcpy(buf + w, t->mid, mid_len);
    w += mid_len;
    for (size_t i = 0; i < t->post_n; i++, w += post_len)
        memcpy(buf + w, t->post, post_len);
    buf[w] = '\0';
    *len = w;
    return buf;
}

/* ---- enc_analyze ---------------------------------------------------------------------- */

struct analyze_case {
    const char *name;
    struct text text;
    int rc;
    enum enc_kind kind;
    size_t units;
    size_t chars;
    unsigned segments;
};

#define T(s)                                                                                       \
    {                                                                                              \
        NULL, 0, (s), 0, NULL, 0                                                                   \
    }
#define TN(s, n)                                                                                   \
    {                                                                                              \
        NULL, 0, (s), (n), NULL, 0                                                                 \
    }
#define OK_GSM(u, c, s) SH_OK, ENC_GSM7, (u), (c), (s)
#define OK_UCS(u, c, s) SH_OK, ENC_UCS2, (u), (c), (s)
#define BAD SH_EINVAL, ENC_GSM7, 0, 0, 0

/* The 127 characters of the default alphabet in septet order, 0x1B (escape) left out. */
static const char gsm7_alphabet[] = "@£$¥èéùìòÇ\nØø\rÅå"
                                    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
                                    " !\"#¤%&'()*+,-./0123456789:;<=>?"
                                    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
                                    "¿abcdefghijklmnopqrstuvwxyzäöñüà";

static const struct analyze_case analyze_cases[] = {
    /* empty and plain text */
    {"empty", T(""), OK_GSM(0, 0, 0)},
    {"ascii", T("Hello, world!"), OK_GSM(13, 13, 1)},
    {"ascii digits and punctuation", T("0123456789 !\"#%&'()*+,-./:;<=>?"), OK_GSM(31, 31, 1)},
    {"lf and cr are gsm", T("a\nb\r\n"), OK_GSM(5, 5, 1)},
    {"whole default alphabet", T(gsm7_alphabet), OK_GSM(127, 127, 1)},
    /* every extension character counts two septets */
    {"ext euro", T("€"), OK_GSM(2, 1, 1)},
    {"ext open bracket", T("["), OK_GSM(2, 1, 1)},
    {"ext close bracket", T("]"), OK_GSM(2, 1, 1)},
    {"ext open brace", T("{"), OK_GSM(2, 1, 1)},
    {"ext close brace", T("}"), OK_GSM(2, 1, 1)},
    {"ext backslash", T("\\"), OK_GSM(2, 1, 1)},
    {"ext caret", T("^"), OK_GSM(2, 1, 1)},
    {"ext tilde", T("~"), OK_GSM(2, 1, 1)},
    {"ext pipe", T("|"), OK_GSM(2, 1, 1)},
    {"ext form feed", T("\f"), OK_GSM(2, 1, 1)},
    {"all ext together", T("€[]{}\\^~|\f"), OK_GSM(20, 10, 1)},
    {"ext mixed with ascii", T("a[b]c"), OK_GSM(7, 5, 1)},
    /* GSM-only Latin and Greek stay GSM7 */
    {"e acute", T("é"), OK_GSM(1, 1, 1)},
    {"u umlaut", T("ü"), OK_GSM(1, 1, 1)},
    {"pound", T("£"), OK_GSM(1, 1, 1)},
    {"delta", T("Δ"), OK_GSM(1, 1, 1)},
    {"capital c cedilla", T("Ç"), OK_GSM(1, 1, 1)},
    {"currency sign", T("¤"), OK_GSM(1, 1, 1)},
    {"greek capitals", T("ΔΦΓΛΩΠΨΣΘΞ"), OK_GSM(10, 10, 1)},
    {"latin sentence", T("Café à Zürich: 5£ ¿Qué?"), OK_GSM(23, 23, 1)},
    {"i acute is not gsm", T("¿sí?"), OK_UCS(4, 4, 1)},
    /* anything outside GSM forces UCS2 */
    {"small c cedilla", T("ç"), OK_UCS(1, 1, 1)},
    {"a acute", T("á"), OK_UCS(1, 1, 1)},
    {"backtick", T("`"), OK_UCS(1, 1, 1)},
    {"tab", T("a\tb"), OK_UCS(3, 3, 1)},
    {"greek small alpha", T("α"), OK_UCS(1, 1, 1)},
    {"nbsp", T("\xC2\xA0"), OK_UCS(1, 1, 1)},
    {"c1 control", T("\xC2\x80"), OK_UCS(1, 1, 1)},
    {"cyrillic", T("Привет"), OK_UCS(6, 6, 1)},
    {"arabic", T("مرحبا"), OK_UCS(5, 5, 1)},
    {"chinese", T("你好"), OK_UCS(2, 2, 1)},
    {"ascii plus one cyrillic", T("Hello Ж"), OK_UCS(7, 7, 1)},
    {"ext char in ucs2 is 1 unit", T("€ç"), OK_UCS(2, 2, 1)},
    {"u+ffff", T("\xEF\xBF\xBF"), OK_UCS(1, 1, 1)},
    {"u+d7ff", T("\xED\x9F\xBF"), OK_UCS(1, 1, 1)},
    {"u+e000", T("\xEE\x80\x80"), OK_UCS(1, 1, 1)},
    /* astral code points are two UTF-16 units */
    {"emoji", T("😀"), OK_UCS(2, 1, 1)},
    {"g clef", T("𝄞"), OK_UCS(2, 1, 1)},
    {"u+10000", T("\xF0\x90\x80\x80"), OK_UCS(2, 1, 1)},
    {"u+10ffff", T("\xF4\x8F\xBF\xBF"), OK_UCS(2, 1, 1)},
    {"ascii and emoji", T("a😀b"), OK_UCS(4, 3, 1)},
    /* GSM7 segment boundaries */
    {"gsm 160 = 1 part", {"a", 160, NULL, 0, NULL, 0}, OK_GSM(160, 160, 1)},
    {"gsm 161 = 2 parts", {"a", 161, NULL, 0, NULL, 0}, OK_GSM(161, 161, 2)},
    {"gsm 306 = 2 parts", {"a", 306, NULL, 0, NULL, 0}, OK_GSM(306, 306, 2)},
    {"gsm 307 = 3 parts", {"a", 307, NULL, 0, NULL, 0}, OK_GSM(307, 307, 3)},
    {"gsm 459 = 3 parts", {"a", 459, NULL, 0, NULL, 0}, OK_GSM(459, 459, 3)},
    {"gsm 460 = 4 parts", {"a", 460, NULL, 0, NULL, 0}, OK_GSM(460, 460, 4)},
    {"gsm 158 + euro = 160 = 1 part", {"a", 158, "€", 0, NULL, 0}, OK_GSM(160, 159, 1)},
    {"gsm 159 + euro = 161 = 2 parts", {"a", 159, "€", 0, NULL, 0}, OK_GSM(161, 160, 2)},
    {"gsm 80 euros = 160 = 1 part", {"€", 80, NULL, 0, NULL, 0}, OK_GSM(160, 80, 1)},
    /* 154 septets still fit one 160-septet SMS: the 153 limit only applies once split */
    {"gsm 152 + euro = 154 = 1 part", {"a", 152, "€", 0, NULL, 0}, OK_GSM(154, 153, 1)},
    {"gsm 152 + euro + 7 = 161 = 2 parts", {"a", 152, "€", 0, "a", 7}, OK_GSM(161, 160, 2)},
    /* 151 + 2 fills part 1 exactly, so 306 septets still fit in 2 parts ... */
    {"gsm 151 + euro + 153 = 2 parts", {"a", 151, "€", 0, "a", 153}, OK_GSM(306, 305, 2)},
    /* ... but with the euro straddling 153 it moves whole: part 1 wastes a septet, 3 parts */
    {"gsm 152 + euro + 152 = 3 parts (no split)",
     {"a", 152, "€", 0, "a", 152},
     OK_GSM(306, 305, 3)},
    {"gsm 153 + euro + 151 = 2 parts", {"a", 153, "€", 0, "a", 151}, OK_GSM(306, 305, 2)},
    {"gsm 153 euros = 306 = 3 parts", {"€", 153, NULL, 0, NULL, 0}, OK_GSM(306, 153, 3)},
    /* UCS2 segment boundaries (ç forces UCS2, 1 unit) */
    {"ucs2 70 = 1 part", {"ç", 70, NULL, 0, NULL, 0}, OK_UCS(70, 70, 1)},
    {"ucs2 71 = 2 parts", {"ç", 71, NULL, 0, NULL, 0}, OK_UCS(71, 71, 2)},
    {"ucs2 134 = 2 parts", {"ç", 134, NULL, 0, NULL, 0}, OK_UCS(134, 134, 2)},
    {"ucs2 135 = 3 parts", {"ç", 135, NULL, 0, NULL, 0}, OK_UCS(135, 135, 3)},
    {"ucs2 ascii + 1 cyrillic 70", {"a", 69, "Ж", 0, NULL, 0}, OK_UCS(70, 70, 1)},
    {"ucs2 ascii + 1 cyrillic 71", {"a", 70, "Ж", 0, NULL, 0}, OK_UCS(71, 71, 2)},
    {"ucs2 68 + emoji = 70 = 1 part", {"ç", 68, "😀", 0, NULL, 0}, OK_UCS(70, 69, 1)},
    {"ucs2 69 + emoji = 71 = 2 parts", {"ç", 69, "😀", 0, NULL, 0}, OK_UCS(71, 70, 2)},
    {"ucs2 35 emoji = 70 = 1 part", {"😀", 35, NULL, 0, NULL, 0}, OK_UCS(70, 35, 1)},
    {"ucs2 36 emoji = 72 = 2 parts", {"😀", 36, NULL, 0, NULL, 0}, OK_UCS(72, 36, 2)},
    {"ucs2 66 + emoji = 68 = 1 part", {"ç", 66, "😀", 0, NULL, 0}, OK_UCS(68, 67, 1)},
    {"ucs2 66 + emoji + 3 = 71 = 2 parts", {"ç", 66, "😀", 0, "ç", 3}, OK_UCS(71, 70, 2)},
    {"ucs2 65 + emoji + 67 = 2 parts", {"ç", 65, "😀", 0, "ç", 67}, OK_UCS(134, 133, 2)},
    /* the emoji straddles unit 67: it moves whole, so 134 units need 3 parts */
    {"ucs2 66 + emoji + 66 = 3 parts (no split)", {"ç", 66, "😀", 0, "ç", 66}, OK_UCS(134, 133, 3)},
    {"ucs2 67 emoji = 134 = 3 parts", {"😀", 67, NULL, 0, NULL, 0}, OK_UCS(134, 67, 3)},
    /* invalid UTF-8 */
    {"lone continuation", T("\x80"), BAD},
    {"continuation inside ascii", T("a\x80z"), BAD},
    {"overlong slash c0 af", T("\xC0\xAF"), BAD},
    {"overlong c1 bf", T("\xC1\xBF"), BAD},
    {"overlong 3 byte", T("\xE0\x80\xAF"), BAD},
    {"overlong 3 byte max", T("\xE0\x9F\xBF"), BAD},
    {"overlong 4 byte", T("\xF0\x80\x80\xAF"), BAD},
    {"overlong 4 byte max", T("\xF0\x8F\xBF\xBF"), BAD},
    {"high surrogate", T("\xED\xA0\x80"), BAD},
    {"low surrogate", T("\xED\xBF\xBF"), BAD},
    {"cesu-8 pair", T("\xED\xA0\xBD\xED\xB8\x80"), BAD},
    {"above u+10ffff", T("\xF4\x90\x80\x80"), BAD},
    {"lead f5", T("\xF5\x80\x80\x80"), BAD},
    {"byte ff", T("\xFF"), BAD},
    {"byte fe", T("\xFE"), BAD},
    {"truncated 3 byte", T("\xE2\x82"), BAD},
    {"truncated 4 byte", T("\xF0\x9F\x98"), BAD},
    {"truncated 2 byte at end", T("abc\xC3"), BAD},
    {"bad continuation", T("\xC3\x41"), BAD},
    {"bad third byte", T("\xE2\x82\x41"), BAD},
    {"embedded nul", TN("a\0b", 3), BAD},
    {"lone nul", TN("\0", 1), BAD},
    {"invalid after many valid", {"a", 500, "\xC0\xAF", 0, NULL, 0}, BAD},
};

static void test_analyze_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof analyze_cases / sizeof analyze_cases[0]; i++) {
        const struct analyze_case *c = &analyze_cases[i];
        struct enc_info info = {ENC_UCS2, 99, 99, 99};
        size_t len;
        char *s = text_build(&c->text, &len);
        int rc = enc_analyze(s, len, &info);

        CHECK(c->name, rc == c->rc);
        CHECK(c->name, info.kind == c->kind);
        CHECK(c->name, info.units == c->units);
        CHECK(c->name, info.chars == c->chars);
        CHECK(c->name, info.segments == c->segments);
        free(s);
    }
}

static void test_analyze_args(void **state)
{
    struct enc_info info = {ENC_UCS2, 99, 99, 99};

    (void)state;
    assert_int_equal(enc_analyze(NULL, 0, &info), SH_OK);
    assert_int_equal(info.kind, ENC_GSM7);
    assert_int_equal(info.segments, 0);
    assert_int_equal(enc_analyze(NULL, 1, &info), SH_EINVAL);
    assert_int_equal(enc_analyze("a", 1, NULL), SH_EINVAL);
    /* len bounds the read: the bytes after it are never looked at */
    assert_int_equal(enc_analyze("ab\xFF", 2, &info), SH_OK);
    assert_int_equal(info.units, 2);
}

/* ---- enc_strip_controls --------------------------------------------------------------- */

struct strip_case {
    const char *name;
    const char *in;
    size_t in_len; /* 0 = strlen */
    const char *out;
};

static const struct strip_case strip_cases[] = {
    {"empty", "", 0, ""},
    {"plain", "hello", 0, "hello"},
    {"tab to space", "a\tb\t", 0, "a b "},
    {"keeps lf cr ff", "l1\nl2\r\n\fx", 0, "l1\nl2\r\n\fx"},
    {"removes c0", "\x01\x61\x02\x07\x08\x0B\x0E\x1B\x1F\x62", 0, "ab"},
    {"removes del", "a\x7F\x62\x7F", 0, "ab"},
    {"removes c1", "\xC2\x80x\xC2\x85y\xC2\x9F", 0, "xy"},
    {"keeps nbsp and latin", "\xC2\xA0\xC3\xA9\xC2\xA9", 0, "\xC2\xA0\xC3\xA9\xC2\xA9"},
    {"keeps multibyte", "Привет 😀 €", 0, "Привет 😀 €"},
    {"removes nul", "a\0b\0", 4, "ab"},
    {"only controls", "\x01\x02\x7F\xC2\x80", 0, ""},
    {"mixed", "\tHi\x01 there\xC2\x9B!\r\n", 0, " Hi there!\r\n"},
    {"c2 at end left alone", "a\xC2", 0, "a\xC2"},
};

static void test_strip_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof strip_cases / sizeof strip_cases[0]; i++) {
        const struct strip_case *c = &strip_cases[i];
        size_t in_len = c->in_len ? c->in_len : strlen(c->in);
        size_t want = strlen(c->out);
        char *buf = malloc(in_len + 2);
        size_t got;

        assert_non_null(buf);
        memcpy(buf, c->in, in_len);
        buf[in_len] = '\0';
        buf[in_len + 1] = 'Z'; /* sentinel: must survive */
        got = enc_strip_controls(buf, in_len);
        CHECK(c->name, got == want);
        CHECK(c->name, memcmp(buf, c->out, want) == 0);
        CHECK(c->name, buf[got] == '\0');
        CHECK(c->name, buf[in_len + 1] == 'Z');
        free(buf);
    }
}

static void test_strip_bounds(void **state)
{
    char unterminated[3] = {'a', '\t', 'b'};
    char shrink[4] = {'a', '\x01', 'b', 'Q'};

    (void)state;
    assert_int_equal(enc_strip_controls(NULL, 0), 0);
    /* nothing removed: no byte is written past len */
    assert_int_equal(enc_strip_controls(unterminated, 3), 3);
    assert_memory_equal(unterminated, "a b", 3);
    /* shrunk: NUL at the new end, inside the buffer; byte at len untouched */
    assert_int_equal(enc_strip_controls(shrink, 3), 2);
    assert_memory_equal(shrink, "ab\0Q", 4);
}

/* ---- encoders ------------------------------------------------------------------------- */

struct encode_case {
    const char *name;
    const char *in;
    long rc; /* >= 0: expected length of want */
    const char *want;
};

static const struct encode_case gsm7_cases[] = {
    {"empty", "", 0, ""},
    {"ascii", "Hello", 5, "Hello"},
    {"at pound dollar yen", "@£$¥", 4, "\x00\x01\x02\x03"},
    {"underscore and currency", "_¤", 2, "\x11\x24"},
    {"latin", "èéùìòÇØøÅå", 10, "\x04\x05\x06\x07\x08\x09\x0B\x0C\x0E\x0F"},
    {"greek", "ΔΦΓΛΩΠΨΣΘΞ", 10, "\x10\x12\x13\x14\x15\x16\x17\x18\x19\x1A"},
    {"ae oe ss", "ÆæßÉ", 4, "\x1C\x1D\x1E\x1F"},
    {"inverted marks", "¡¿", 2, "\x40\x60"},
    {"upper umlauts", "ÄÖÑÜ§", 5, "\x5B\x5C\x5D\x5E\x5F"},
    {"lower umlauts", "äöñüà", 5, "\x7B\x7C\x7D\x7E\x7F"},
    {"lf cr", "\n\r", 2, "\x0A\x0D"},
    {"euro", "€", 2, "\x1B\x65"},
    {"form feed", "\f", 2, "\x1B\x0A"},
    {"extension set", "^{}\\[~]|", 16,
     "\x1B\x14\x1B\x28\x1B\x29\x1B\x2F\x1B\x3C\x1B\x3D\x1B\x3E\x1B\x40"},
    {"not representable", "abç", SH_EINVAL, NULL},
    {"backtick", "`", SH_EINVAL, NULL},
    {"tab", "\t", SH_EINVAL, NULL},
    {"emoji", "😀", SH_EINVAL, NULL},
    {"invalid utf-8", "\xC0\xAF", SH_EINVAL, NULL},
    {"surrogate", "a\xED\xA0\x80", SH_EINVAL, NULL},
};

static const struct encode_case ucs2_cases[] = {
    {"empty", "", 0, ""},
    {"ascii", "Hi", 4, "\x00\x48\x00\x69"},
    {"latin", "é", 2, "\x00\xE9"},
    {"euro", "€", 2, "\x20\xAC"},
    {"cyrillic", "Ж", 2, "\x04\x16"},
    {"u+ffff", "\xEF\xBF\xBF", 2, "\xFF\xFF"},
    {"emoji", "😀", 4, "\xD8\x3D\xDE\x00"},
    {"g clef", "𝄞", 4, "\xD8\x34\xDD\x1E"},
    {"u+10000", "\xF0\x90\x80\x80", 4, "\xD8\x00\xDC\x00"},
    {"u+10ffff", "\xF4\x8F\xBF\xBF", 4, "\xDB\xFF\xDF\xFF"},
    {"invalid utf-8", "a\x80", SH_EINVAL, NULL},
    {"above u+10ffff", "\xF4\x90\x80\x80", SH_EINVAL, NULL},
};

typedef long (*encode_fn)(const char *, size_t, unsigned char *, size_t);

static void run_encode_cases(const struct encode_case *cases, size_t n, encode_fn fn)
{
    for (size_t i = 0; i < n; i++) {
        const struct encode_case *c = &cases[i];
        unsigned char out[64];
        long rc = fn(c->in, strlen(c->in), out, sizeof out);

        CHECK(c->name, rc == c->rc);
        if (c->rc > 0) {
            CHECK(c->name, memcmp(out, c->want, (size_t)c->rc) == 0);
            /* exact capacity fits, one byte less does not */
            CHECK(c->name, fn(c->in, strlen(c->in), out, (size_t)c->rc) == c->rc);
            CHECK(c->name, fn(c->in, strlen(c->in), out, (size_t)c->rc - 1) == SH_ETOOBIG);
        }
    }
}

static void test_to_gsm7(void **state)
{
    unsigned char out[8];

    (void)state;
    run_encode_cases(gsm7_cases, sizeof gsm7_cases / sizeof gsm7_cases[0], enc_to_gsm7);
    /* an escape pair is never cut in half */
    assert_int_equal(enc_to_gsm7("a€", 4, out, 2), SH_ETOOBIG);
    /* invalid input is reported even after the buffer is full */
    assert_int_equal(enc_to_gsm7("aaaç", 5, out, 1), SH_EINVAL);
    assert_int_equal(enc_to_gsm7("aaa\xFF", 4, out, 1), SH_EINVAL);
    assert_int_equal(enc_to_gsm7("", 0, NULL, 0), 0);
    assert_int_equal(enc_to_gsm7("a", 1, NULL, 0), SH_ETOOBIG);
    assert_int_equal(enc_to_gsm7("a", 1, NULL, 4), SH_EINVAL);
    assert_int_equal(enc_to_gsm7(NULL, 1, out, sizeof out), SH_EINVAL);
}

static void test_to_ucs2be(void **state)
{
    unsigned char out[8];

    (void)state;
    run_encode_cases(ucs2_cases, sizeof ucs2_cases / sizeof ucs2_cases[0], enc_to_ucs2be);
    /* a surrogate pair is never cut in half */
    assert_int_equal(enc_to_ucs2be("a😀", 5, out, 4), SH_ETOOBIG);
    assert_int_equal(enc_to_ucs2be("aaa\xC0\xAF", 5, out, 2), SH_EINVAL);
    assert_int_equal(enc_to_ucs2be("", 0, NULL, 0), 0);
    assert_int_equal(enc_to_ucs2be("a", 1, NULL, 4), SH_EINVAL);
}

/* ---- decoders ------------------------------------------------------------------------- */

struct decode_case {
    const char *name;
    const char *in;
    size_t in_len;
    long rc; /* >= 0: expected length of want */
    const char *want;
};

#define D(s) (s), sizeof(s) - 1

static const struct decode_case gsm7_dec_cases[] = {
    {"empty", D(""), 0, ""},
    {"ascii", D("Hello"), 5, "Hello"},
    {"specials", D("\x00\x01\x02\x03\x24\x40\x60"), 12, "@£$¥¤¡¿"},
    {"greek", D("\x10\x15"), 4, "ΔΩ"},
    {"euro", D("\x1B\x65"), 3, "€"},
    {"form feed", D("\x1B\x0A"), 1, "\f"},
    {"all ext", D("\x1B\x14\x1B\x28\x1B\x29\x1B\x2F\x1B\x3C\x1B\x3D\x1B\x3E\x1B\x40"), 8,
     "^{}\\[~]|"},
    {"unknown escape = base char", D("\x1B\x41\x1B\x00"), 2, "A@"},
    {"escape cr2 = base cr", D("\x1B\x0D"), 1, "\r"},
    {"escape escape = space", D("\x1B\x1B\x41"), 2, " A"},
    {"trailing escape = space", D("A\x1B"), 2, "A "},
    {"lone escape", D("\x1B"), 1, " "},
    {"high bit ignored", D("\xC1\x9B\xE5"), 4, "A€"},
    {"last septet", D("\x7F"), 2, "à"},
};

static const struct decode_case ucs2_dec_cases[] = {
    {"empty", D(""), 0, ""},
    {"ascii", D("\x00\x48\x00\x69"), 2, "Hi"},
    {"euro", D("\x20\xAC"), 3, "€"},
    {"emoji pair", D("\xD8\x3D\xDE\x00"), 4, "😀"},
    {"u+10ffff", D("\xDB\xFF\xDF\xFF"), 4, "\xF4\x8F\xBF\xBF"},
    {"lone high at end", D("\x00\x41\xD8\x3D"), 4, "A\xEF\xBF\xBD"},
    {"lone low", D("\xDC\x00\x00\x41"), 4, "\xEF\xBF\xBD\x41"},
    {"high then non-low", D("\xD8\x3D\x00\x41"), 4, "\xEF\xBF\xBD\x41"},
    {"high high low", D("\xD8\x3D\xD8\x3D\xDE\x00"), 7, "\xEF\xBF\xBD😀"},
    {"nul unit", D("\x00\x00"), 3, "\xEF\xBF\xBD"},
    {"odd trailing byte", D("\x00\x41\x42"), 1, "A"},
    {"single byte", D("\x41"), 0, ""},
};

static const struct decode_case latin1_dec_cases[] = {
    {"empty", D(""), 0, ""},
    {"ascii", D("abc"), 3, "abc"},
    {"cafe", D("caf\xE9"), 5, "café"},
    {"pound y umlaut", D("\xA3\xFF"), 4, "£ÿ"},
    {"c1 kept as code point", D("\x80"), 2, "\xC2\x80"},
    {"nul", D("a\x00"), 4, "a\xEF\xBF\xBD"},
};

typedef long (*decode_fn)(const unsigned char *, size_t, char *, size_t);

static void run_decode_cases(const struct decode_case *cases, size_t n, decode_fn fn)
{
    for (size_t i = 0; i < n; i++) {
        const struct decode_case *c = &cases[i];
        const unsigned char *in = (const unsigned char *)c->in;
        char out[64];
        long rc = fn(in, c->in_len, out, sizeof out);
        struct enc_info info;

        CHECK(c->name, rc == c->rc);
        if (c->rc < 0)
            continue;
        CHECK(c->name, memcmp(out, c->want, (size_t)c->rc) == 0);
        CHECK(c->name, enc_analyze(out, (size_t)rc, &info) == SH_OK);
        CHECK(c->name, fn(in, c->in_len, out, (size_t)c->rc) == c->rc);
        if (c->rc > 0)
            CHECK(c->name, fn(in, c->in_len, out, (size_t)c->rc - 1) == SH_ETOOBIG);
    }
}

static void test_from_gsm7(void **state)
{
    (void)state;
    run_decode_cases(gsm7_dec_cases, sizeof gsm7_dec_cases / sizeof gsm7_dec_cases[0],
                     enc_from_gsm7);
    assert_int_equal(enc_from_gsm7(NULL, 0, NULL, 0), 0);
    assert_int_equal(enc_from_gsm7((const unsigned char *)"A", 1, NULL, 3), SH_EINVAL);
}

static void test_from_ucs2be(void **state)
{
    (void)state;
    run_decode_cases(ucs2_dec_cases, sizeof ucs2_dec_cases / sizeof ucs2_dec_cases[0],
                     enc_from_ucs2be);
    assert_int_equal(enc_from_ucs2be(NULL, 0, NULL, 0), 0);
}

static void test_from_latin1(void **state)
{
    (void)state;
    run_decode_cases(latin1_dec_cases, sizeof latin1_dec_cases / sizeof latin1_dec_cases[0],
                     enc_from_latin1);
    assert_int_equal(enc_from_latin1(NULL, 0, NULL, 0), 0);
}

/* ---- round trips ---------------------------------------------------------------------- */

struct roundtrip_case {
    const char *name;
    const char *text;
    enum enc_kind kind;
};

static const struct roundtrip_case roundtrip_cases[] = {
    {"empty", "", ENC_GSM7},
    {"ascii", "The quick brown fox jumps over the lazy dog 0123456789", ENC_GSM7},
    {"alphabet", gsm7_alphabet, ENC_GSM7},
    {"extension", "€[]{}\\^~|\f", ENC_GSM7},
    {"mixed gsm", "Prix: 5€ [promo] {x|y} ~ ^_^ Ωmega", ENC_GSM7},
    {"cyrillic", "Привет, мир!", ENC_UCS2},
    {"cjk", "你好，世界", ENC_UCS2},
    {"arabic", "مرحبا بالعالم", ENC_UCS2},
    {"emoji mix", "ok 😀👍🏽 𝄞 done ç", ENC_UCS2},
    {"boundary code points",
     "\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80"
     "\xF4\x8F\xBF\xBF",
     ENC_UCS2},
};

static void test_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof roundtrip_cases / sizeof roundtrip_cases[0]; i++) {
        const struct roundtrip_case *c = &roundtrip_cases[i];
        size_t len = strlen(c->text);
        struct enc_info info;
        unsigned char enc[512];
        char dec[512];
        long n;
        long m;

        CHECK(c->name, enc_analyze(c->text, len, &info) == SH_OK);
        CHECK(c->name, info.kind == c->kind);

        n = enc_to_ucs2be(c->text, len, enc, sizeof enc);
        CHECK(c->name, n >= 0);
        if (c->kind == ENC_UCS2)
            CHECK(c->name, (size_t)n == 2 * info.units);
        m = enc_from_ucs2be(enc, (size_t)n, dec, sizeof dec);
        CHECK(c->name, m == (long)len);
        CHECK(c->name, memcmp(dec, c->text, len) == 0);

        n = enc_to_gsm7(c->text, len, enc, sizeof enc);
        if (c->kind == ENC_UCS2) {
            CHECK(c->name, n == SH_EINVAL);
            continue;
        }
        CHECK(c->name, n == (long)info.units);
        m = enc_from_gsm7(enc, (size_t)n, dec, sizeof dec);
        CHECK(c->name, m == (long)len);
        CHECK(c->name, memcmp(dec, c->text, len) == 0);
    }
}

/* ---- exhaustive table checks ---------------------------------------------------------- */

static size_t put_utf8(uint32_t cp, char *b)
{
    if (cp < 0x80) {
        b[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Every scalar value: exactly 127 + 10 are GSM7, each round-trips through both encodings. */
static void test_every_code_point(void **state)
{
    size_t gsm_base = 0;
    size_t gsm_ext = 0;

    (void)state;
    for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
        char s[4];
        unsigned char enc[4];
        char dec[8];
        size_t len;
        struct enc_info info;
        long n;

        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        len = put_utf8(cp, s);
        if (enc_analyze(s, len, &info) != SH_OK || info.chars != 1)
            fail_msg("U+%04X rejected", (unsigned)cp);
        n = enc_to_ucs2be(s, len, enc, sizeof enc);
        if (n != (cp > 0xFFFF ? 4 : 2) ||
            enc_from_ucs2be(enc, (size_t)n, dec, sizeof dec) != (long)len ||
            memcmp(dec, s, len) != 0)
            fail_msg("U+%04X: UCS-2 round trip", (unsigned)cp);
        n = enc_to_gsm7(s, len, enc, sizeof enc);
        if (info.kind == ENC_UCS2) {
            if (n != SH_EINVAL)
                fail_msg("U+%04X: UCS2 char encoded as GSM7", (unsigned)cp);
            continue;
        }
        if (n != (long)info.units)
            fail_msg("U+%04X: septet count", (unsigned)cp);
        if (n == 2)
            gsm_ext++;
        else
            gsm_base++;
        if (enc_from_gsm7(enc, (size_t)n, dec, sizeof dec) != (long)len || memcmp(dec, s, len) != 0)
            fail_msg("U+%04X: GSM7 round trip", (unsigned)cp);
    }
    assert_int_equal(gsm_base, 127);
    assert_int_equal(gsm_ext, 10);
}

/* Decoding septets 0x00-0x7F (minus ESC) gives the alphabet exactly as written above. */
static void test_alphabet_order(void **state)
{
    unsigned char sept[127];
    char dec[512];
    size_t k = 0;
    long n;

    (void)state;
    for (unsigned c = 0; c < 128; c++) {
        if (c != 0x1B)
            sept[k++] = (unsigned char)c;
    }
    n = enc_from_gsm7(sept, k, dec, sizeof dec);
    assert_int_equal(n, (long)strlen(gsm7_alphabet));
    assert_memory_equal(dec, gsm7_alphabet, (size_t)n);
}

int main(void)
{
    const struct CMUnitTest analyze[] = {
        cmocka_unit_test(test_analyze_cases),
        cmocka_unit_test(test_analyze_args),
    };
    const struct CMUnitTest strip[] = {
        cmocka_unit_test(test_strip_cases),
        cmocka_unit_test(test_strip_bounds),
    };
    const struct CMUnitTest codec[] = {
        cmocka_unit_test(test_to_gsm7),     cmocka_unit_test(test_to_ucs2be),
        cmocka_unit_test(test_from_gsm7),   cmocka_unit_test(test_from_ucs2be),
        cmocka_unit_test(test_from_latin1), cmocka_unit_test(test_roundtrip),
    };
    const struct CMUnitTest tables[] = {
        cmocka_unit_test(test_alphabet_order),
        cmocka_unit_test(test_every_code_point),
    };
    int failed = 0;

    failed += cmocka_run_group_tests_name("encoding_analyze", analyze, NULL, NULL);
    failed += cmocka_run_group_tests_name("encoding_strip", strip, NULL, NULL);
    failed += cmocka_run_group_tests_name("encoding_codec", codec, NULL, NULL);
    failed += cmocka_run_group_tests_name("encoding_tables", tables, NULL, NULL);
    return failed == 0 ? 0 : 1;
}
