/*
 * encoding.c — UTF-8 validation, GSM 03.38 / UCS-2 classification, segment counting and the
 * conversions declared in encoding.h.
 *
 * Invariants: every table is const and was written from 3GPP TS 23.038 §6.2.1 / §6.2.1.1; the
 * encode table (Unicode -> septet) is the exact inverse of the decode tables, which the unit
 * test checks over every code point. No function allocates or keeps state. Encode lookups are
 * one table read for U+0000-U+00FF and a binary search over 11 entries above that. The
 * contract of each public function is in encoding.h.
 */
#include "core/encoding.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "lib/err.h"

#define GSM7_NONE 0xFF /* encode table: not representable */
#define GSM7_EXT 0x80  /* encode table: extension table code, needs ESC first */
#define REPLACEMENT 0xFFFDu

/* TS 23.038 §6.2.1 default alphabet, septet -> Unicode. 0x1B is the escape, never a char: its
 * slot is never read (enc_from_gsm7 handles the escape before indexing). */
static const uint16_t gsm7_base[128] = {
    0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, /* @ £ $ ¥ è é ù ì */
    0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5, /* ò Ç LF Ø ø CR Å å */
    0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, /* Δ _ Φ Γ Λ Ω Π Ψ */
    0x03A3, 0x0398, 0x039E, 0x0020, 0x00C6, 0x00E6, 0x00DF, 0x00C9, /* Σ Θ Ξ ESC Æ æ ß É */
    0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027, /* SP ! " # ¤ % & ' */
    0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F, /* ( ) * + , - . / */
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, /* 0-7 */
    0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F, /* 8 9 : ; < = > ? */
    0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, /* ¡ A-G */
    0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F, /* H-O */
    0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, /* P-W */
    0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7, /* X Y Z Ä Ö Ñ Ü § */
    0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, /* ¿ a-g */
    0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F, /* h-o */
    0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, /* p-w */
    0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0, /* x y z ä ö ñ ü à */
};

/* TS 23.038 §6.2.1.1 basic character set extension, code after ESC -> Unicode; 0 = undefined
 * (decoded as the base-table char, as the spec tells a receiver to do). */
static const uint16_t gsm7_ext[128] = {
    [0x0A] = 0x000C, /* form feed (page break) */
    [0x14] = 0x005E, /* ^ */
    [0x28] = 0x007B, /* { */
    [0x29] = 0x007D, /* } */
    [0x2F] = 0x005C, /* \ */
    [0x3C] = 0x005B, /* [ */
    [0x3D] = 0x007E, /* ~ */
    [0x3E] = 0x005D, /* ] */
    [0x40] = 0x007C, /* | */
    [0x65] = 0x20AC, /* € */
};

/* Inverse of the two tables above for U+0000-U+00FF: septet, GSM7_EXT | ext code, or
 * GSM7_NONE. Generated from them; enc_test checks the round trip over all code points. */
static const unsigned char gsm7_enc_lat1[256] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* 00 */
    0xFF, 0xFF, 0x0A, 0xFF, 0x8A, 0x0D, 0xFF, 0xFF, /* 08 */
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* 10 */
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* 18 */
    0x20, 0x21, 0x22, 0x23, 0x02, 0x25, 0x26, 0x27, /* 20 */
    0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, /* 28 */
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, /* 30 */
    0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, /* 38 */
    0x00, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, /* 40 */
    0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F, /* 48 */
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, /* 50 */
    0x58, 0x59, 0x5A, 0xBC, 0xAF, 0xBE, 0x94, 0x11, /* 58 */
    0xFF, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, /* 60 */
    0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, /* 68 */
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, /* 70 */
    0x78, 0x79, 0x7A, 0xA8, 0xC0, 0xA9, 0xBD, 0xFF, /* 78 */
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* 80 */
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* 88 */
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* 90 */
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* 98 */
    0xFF, 0x40, 0xFF, 0x01, 0x24, 0x03, 0xFF, 0x5F, /* A0 */
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* A8 */
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* B0 */
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x60, /* B8 */
    0xFF, 0xFF, 0xFF, 0xFF, 0x5B, 0x0E, 0x1C, 0x09, /* C0 */
    0xFF, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* C8 */
    0xFF, 0x5D, 0xFF, 0xFF, 0xFF, 0xFF, 0x5C, 0xFF, /* D0 */
    0x0B, 0xFF, 0xFF, 0xFF, 0x5E, 0xFF, 0xFF, 0x1E, /* D8 */
    0x7F, 0xFF, 0xFF, 0xFF, 0x7B, 0x0F, 0x1D, 0xFF, /* E0 */
    0x04, 0x05, 0xFF, 0xFF, 0x07, 0xFF, 0xFF, 0xFF, /* E8 */
    0xFF, 0x7D, 0x08, 0xFF, 0xFF, 0xFF, 0x7C, 0xFF, /* F0 */
    0x0C, 0x06, 0xFF, 0xFF, 0x7E, 0xFF, 0xFF, 0xFF, /* F8 */
};

/* Inverse for the code points above U+00FF: the Greek capitals and €, sorted by cp. */
struct gsm7_pair {
    uint16_t cp;
    unsigned char code;
};

static const struct gsm7_pair gsm7_enc_high[] = {
    {0x0393, 0x13},            /* Γ */
    {0x0394, 0x10},            /* Δ */
    {0x0398, 0x19},            /* Θ */
    {0x039B, 0x14},            /* Λ */
    {0x039E, 0x1A},            /* Ξ */
    {0x03A0, 0x16},            /* Π */
    {0x03A3, 0x18},            /* Σ */
    {0x03A6, 0x12},            /* Φ */
    {0x03A8, 0x17},            /* Ψ */
    {0x03A9, 0x15},            /* Ω */
    {0x20AC, GSM7_EXT | 0x65}, /* € */
};

#define GSM7_HIGH_N (sizeof gsm7_enc_high / sizeof gsm7_enc_high[0])

/* Septet code for cp: 0x00-0x7F base, GSM7_EXT | code for the extension table, or GSM7_NONE. */
static unsigned gsm7_lookup(uint32_t cp)
{
    size_t lo = 0;
    size_t hi = GSM7_HIGH_N;

    if (cp < 0x100)
        return gsm7_enc_lat1[cp];
    if (cp < gsm7_enc_high[0].cp || cp > gsm7_enc_high[GSM7_HIGH_N - 1].cp)
        return GSM7_NONE;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (gsm7_enc_high[mid].cp == cp)
            return gsm7_enc_high[mid].code;
        if (gsm7_enc_high[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return GSM7_NONE;
}

/*
 * Decode one code point at s[*pos] (pos < len) strictly per RFC 3629 / Unicode Table 3-7:
 * the second-byte ranges exclude overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4).
 * NUL is refused too. Returns 0 and advances *pos, or -1.
 */
static int utf8_next(const unsigned char *s, size_t len, size_t *pos, uint32_t *cp)
{
    size_t i = *pos;
    unsigned b0 = s[i];
    unsigned lo = 0x80;
    unsigned hi = 0xBF;
    size_t need;
    uint32_t c;

    if (b0 < 0x80) {
        if (b0 == 0)
            return -1;
        *cp = b0;
        *pos = i + 1;
        return 0;
    }
    if (b0 < 0xC2) {
        return -1; /* stray continuation byte or overlong C0/C1 lead */
    } else if (b0 < 0xE0) {
        need = 1;
        c = b0 & 0x1F;
    } else if (b0 < 0xF0) {
        need = 2;
        c = b0 & 0x0F;
        if (b0 == 0xE0)
            lo = 0xA0;
        else if (b0 == 0xED)
            hi = 0x9F;
    } else if (b0 < 0xF5) {
        need = 3;
        c = b0 & 0x07;
        if (b0 == 0xF0)
            lo = 0x90;
        else if (b0 == 0xF4)
            hi = 0x8F;
    } else {
        return -1;
    }
    if (len - i - 1 < need)
        return -1;
    if (s[i + 1] < lo || s[i + 1] > hi)
        return -1;
    c = (c << 6) | (s[i + 1] & 0x3Fu);
    for (size_t k = 2; k <= need; k++) {
        if ((s[i + k] & 0xC0u) != 0x80)
            return -1;
        c = (c << 6) | (s[i + k] & 0x3Fu);
    }
    *cp = c;
    *pos = i + 1 + need;
    return 0;
}

/* Append cp as UTF-8 to out[*w..cap). Returns 0, or -1 (nothing written) if it does not fit. */
static int utf8_put(char *out, size_t cap, size_t *w, uint32_t cp)
{
    unsigned char buf[4];
    size_t n;

    if (cp < 0x80) {
        buf[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        buf[0] = (unsigned char)(0xC0 | (cp >> 6));
        buf[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        buf[0] = (unsigned char)(0xE0 | (cp >> 12));
        buf[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        buf[0] = (unsigned char)(0xF0 | (cp >> 18));
        buf[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        buf[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        buf[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (cap - *w < n)
        return -1;
    memcpy(out + *w, buf, n);
    *w += n;
    return 0;
}

/* Results are returned as long: never report more than LONG_MAX bytes. */
static size_t clamp_cap(size_t cap)
{
    return cap > (size_t)LONG_MAX ? (size_t)LONG_MAX : cap;
}

/*
 * Add an item of w units (1, or 2 for an escaped char / surrogate pair) to a multipart count:
 * an item that does not fit in what is left of the current part starts the next one whole.
 */
static void seg_add(size_t *parts, size_t *fill, size_t w, size_t per_part)
{
    if (*parts == 0 || *fill + w > per_part) {
        (*parts)++;
        *fill = w;
    } else {
        *fill += w;
    }
}

static unsigned seg_total(size_t units, size_t parts, size_t single)
{
    if (units == 0)
        return 0;
    if (units <= single)
        return 1;
    return parts > UINT_MAX ? UINT_MAX : (unsigned)parts;
}

int enc_analyze(const char *utf8, size_t len, struct enc_info *out)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t pos = 0;
    size_t chars = 0;
    int gsm = 1;
    size_t g_units = 0;
    size_t g_parts = 0;
    size_t g_fill = 0;
    size_t u_units = 0;
    size_t u_parts = 0;
    size_t u_fill = 0;

    if (out == NULL)
        return SH_EINVAL;
    memset(out, 0, sizeof *out);
    if (utf8 == NULL && len > 0)
        return SH_EINVAL;
    while (pos < len) {
        uint32_t cp;
        size_t uw;

        if (utf8_next(s, len, &pos, &cp) != 0)
            return SH_EINVAL;
        chars++;
        uw = cp > 0xFFFF ? 2 : 1;
        u_units += uw;
        seg_add(&u_parts, &u_fill, uw, ENC_UCS2_MULTI);
        if (gsm) {
            unsigned code = gsm7_lookup(cp);

            if (code == GSM7_NONE) {
                gsm = 0;
            } else {
                size_t gw = (code & GSM7_EXT) ? 2 : 1;

                g_units += gw;
                seg_add(&g_parts, &g_fill, gw, ENC_GSM7_MULTI);
            }
        }
    }
    out->chars = chars;
    if (gsm) {
        out->kind = ENC_GSM7;
        out->units = g_units;
        out->segments = seg_total(g_units, g_parts, ENC_GSM7_SINGLE);
    } else {
        out->kind = ENC_UCS2;
        out->units = u_units;
        out->segments = seg_total(u_units, u_parts, ENC_UCS2_SINGLE);
    }
    return SH_OK;
}

size_t enc_strip_controls(char *utf8, size_t len)
{
    unsigned char *s = (unsigned char *)utf8;
    size_t r = 0;
    size_t w = 0;

    if (utf8 == NULL)
        return 0;
    while (r < len) {
        unsigned char c = s[r];

        if (c < 0x20) {
            if (c == '\t')
                s[w++] = ' ';
            else if (c == '\n' || c == '\r' || c == '\f')
                s[w++] = c;
            r++;
        } else if (c == 0x7F) {
            r++;
        } else if (c == 0xC2 && r + 1 < len && s[r + 1] >= 0x80 && s[r + 1] <= 0x9F) {
            r += 2; /* U+0080-U+009F (C1) is C2 80 - C2 9F */
        } else {
            s[w++] = s[r++];
        }
    }
    if (w < len)
        s[w] = '\0';
    return w;
}

long enc_to_gsm7(const char *utf8, size_t len, unsigned char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t pos = 0;
    size_t w = 0;
    int full = 0;

    if ((utf8 == NULL && len > 0) || (out == NULL && cap > 0))
        return SH_EINVAL;
    cap = clamp_cap(cap);
    while (pos < len) {
        uint32_t cp;
        unsigned code;

        if (utf8_next(s, len, &pos, &cp) != 0)
            return SH_EINVAL;
        code = gsm7_lookup(cp);
        if (code == GSM7_NONE)
            return SH_EINVAL;
        if (full)
            continue; /* keep validating: SH_EINVAL wins over SH_ETOOBIG */
        if (code & GSM7_EXT) {
            if (cap - w < 2) {
                full = 1;
                continue;
            }
            out[w++] = ENC_GSM7_ESC;
            out[w++] = (unsigned char)(code & 0x7F);
        } else {
            if (cap - w < 1) {
                full = 1;
                continue;
            }
            out[w++] = (unsigned char)code;
        }
    }
    return full ? SH_ETOOBIG : (long)w;
}

long enc_to_ucs2be(const char *utf8, size_t len, unsigned char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t pos = 0;
    size_t w = 0;
    int full = 0;

    if ((utf8 == NULL && len > 0) || (out == NULL && cap > 0))
        return SH_EINVAL;
    cap = clamp_cap(cap);
    while (pos < len) {
        uint32_t cp;

        if (utf8_next(s, len, &pos, &cp) != 0)
            return SH_EINVAL;
        if (full)
            continue; /* keep validating: SH_EINVAL wins over SH_ETOOBIG */
        if (cp < 0x10000) {
            if (cap - w < 2) {
                full = 1;
                continue;
            }
            out[w++] = (unsigned char)(cp >> 8);
            out[w++] = (unsigned char)(cp & 0xFF);
        } else {
            uint32_t v = cp - 0x10000;
            uint32_t hs = 0xD800 | (v >> 10);
            uint32_t ls = 0xDC00 | (v & 0x3FF);

            if (cap - w < 4) {
                full = 1;
                continue;
            }
            out[w++] = (unsigned char)(hs >> 8);
            out[w++] = (unsigned char)(hs & 0xFF);
            out[w++] = (unsigned char)(ls >> 8);
            out[w++] = (unsigned char)(ls & 0xFF);
        }
    }
    return full ? SH_ETOOBIG : (long)w;
}

long enc_from_gsm7(const unsigned char *sept, size_t n, char *out, size_t cap)
{
    size_t i = 0;
    size_t w = 0;

    if ((sept == NULL && n > 0) || (out == NULL && cap > 0))
        return SH_EINVAL;
    cap = clamp_cap(cap);
    while (i < n) {
        unsigned c = sept[i++] & 0x7Fu;
        uint32_t cp;

        if (c != ENC_GSM7_ESC) {
            cp = gsm7_base[c];
        } else if (i == n) {
            cp = ' '; /* trailing escape */
        } else {
            unsigned e = sept[i++] & 0x7Fu;

            /* §6.2.1.1: ESC ESC is reserved (SS2), shown as a space; an unknown code falls
             * back to the default alphabet. */
            if (e == ENC_GSM7_ESC)
                cp = ' ';
            else if (gsm7_ext[e] != 0)
                cp = gsm7_ext[e];
            else
                cp = gsm7_base[e];
        }
        if (utf8_put(out, cap, &w, cp) != 0)
            return SH_ETOOBIG;
    }
    return (long)w;
}

long enc_from_ucs2be(const unsigned char *b, size_t n, char *out, size_t cap)
{
    size_t i = 0;
    size_t w = 0;

    if ((b == NULL && n > 0) || (out == NULL && cap > 0))
        return SH_EINVAL;
    cap = clamp_cap(cap);
    n &= ~(size_t)1; /* odd trailing byte ignored */
    while (i < n) {
        uint32_t u = ((uint32_t)b[i] << 8) | b[i + 1];
        uint32_t cp = u;

        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF && i < n) {
            uint32_t u2 = ((uint32_t)b[i] << 8) | b[i + 1];

            if (u2 >= 0xDC00 && u2 <= 0xDFFF) {
                cp = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
                i += 2;
            }
        }
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
            cp = REPLACEMENT;
        if (utf8_put(out, cap, &w, cp) != 0)
            return SH_ETOOBIG;
    }
    return (long)w;
}

long enc_from_latin1(const unsigned char *b, size_t n, char *out, size_t cap)
{
    size_t w = 0;

    if ((b == NULL && n > 0) || (out == NULL && cap > 0))
        return SH_EINVAL;
    cap = clamp_cap(cap);
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = b[i] != 0 ? b[i] : REPLACEMENT;

        if (utf8_put(out, cap, &w, cp) != 0)
            return SH_ETOOBIG;
    }
    return (long)w;
}
