/*
 * smpp_text.c — the `smpp` driver's pure helpers: submit status → outcome, message_state →
 * delivery state, UTF-8 → GSM 03.38 (unpacked) / Latin-1 / UCS-2 and pair-safe cutting.
 *
 * GSM tables: 3GPP TS 23.038 §6.2.1 (default alphabet) and §6.2.1.1 (extension table);
 * national shift tables are not used.
 */
#include "providers/smpp_drv.h"
#include "lib/err.h"
#include "smpp/pdu.h"

#include <string.h>

enum provider_outcome smpp_drv_status_outcome(uint32_t st)
{
    switch (st) {
    case SMPP_ESME_ROK:
        return PROVIDER_ACCEPTED;
    case SMPP_ESME_RTHROTTLED:
    case SMPP_ESME_RMSGQFUL:
        return PROVIDER_THROTTLED;
    case SMPP_ESME_RSYSERR:
    case SMPP_ESME_RSUBMITFAIL:
    case SMPP_ESME_RINVBNDSTS:
    case SMPP_ESME_RX_T_APPN:
    case SMPP_ESME_RUNKNOWNERR:
        return PROVIDER_TEMP_FAIL;
    case SMPP_ESME_RINVMSGLEN:
    case SMPP_ESME_RINVCMDLEN:
    case SMPP_ESME_RINVCMDID:
    case SMPP_ESME_RINVPRTFLG:
    case SMPP_ESME_RINVREGDLVFLG:
    case SMPP_ESME_RINVSERTYP:
    case SMPP_ESME_RINVESMCLASS:
    case SMPP_ESME_RINVSRCTON:
    case SMPP_ESME_RINVSRCNPI:
    case SMPP_ESME_RINVDSTTON:
    case SMPP_ESME_RINVDSTNPI:
    case SMPP_ESME_RINVSYSTYP:
    case SMPP_ESME_RINVREPFLAG:
    case SMPP_ESME_RINVSCHED:
    case SMPP_ESME_RINVEXPIRY:
    case SMPP_ESME_RINVDFTMSGID:
    case SMPP_ESME_RINVOPTPARSTREAM:
    case SMPP_ESME_ROPTPARNOTALLWD:
    case SMPP_ESME_RINVPARLEN:
    case SMPP_ESME_RMISSINGOPTPARAM:
    case SMPP_ESME_RINVOPTPARAMVAL:
        return PROVIDER_MALFORMED;
    default:
        /* RINVDSTADR, RINVSRCADR, RX_P_APPN, RX_R_APPN, RDELIVERYFAILURE, vendor codes… */
        return PROVIDER_REJECTED;
    }
}

enum provider_dlr smpp_drv_state_dlr(int st)
{
    switch (st) {
    case SMPP_STATE_ENROUTE:
    case SMPP_STATE_ACCEPTED:
        return PROVIDER_DLR_SENT;
    case SMPP_STATE_DELIVERED:
        return PROVIDER_DLR_DELIVERED;
    case SMPP_STATE_EXPIRED:
        return PROVIDER_DLR_EXPIRED;
    case SMPP_STATE_DELETED:
        return PROVIDER_DLR_FAILED;
    case SMPP_STATE_UNDELIVERABLE:
    case SMPP_STATE_UNKNOWN:
        return PROVIDER_DLR_UNDELIVERED;
    case SMPP_STATE_REJECTED:
        return PROVIDER_DLR_REJECTED;
    default:
        return PROVIDER_DLR_NONE;
    }
}

/* GSM 03.38 default alphabet, code → Unicode. */
static const uint16_t gsm_basic[128] = {
    0x40,  0xA3,  0x24,  0xA5,  0xE8,  0xE9,  0xF9,  0xEC,  0xF2,  0xC7,  0x0A,  0xD8,  0xF8,
    0x0D,  0xC5,  0xE5,  0x394, 0x5F,  0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398,
    0x39E, 0xFFFF, 0xC6, 0xE6,  0xDF,  0xC9,  0x20,  0x21,  0x22,  0x23,  0xA4,  0x25,  0x26,
    0x27,  0x28,  0x29,  0x2A,  0x2B,  0x2C,  0x2D,  0x2E,  0x2F,  0x30,  0x31,  0x32,  0x33,
    0x34,  0x35,  0x36,  0x37,  0x38,  0x39,  0x3A,  0x3B,  0x3C,  0x3D,  0x3E,  0x3F,  0xA1,
    0x41,  0x42,  0x43,  0x44,  0x45,  0x46,  0x47,  0x48,  0x49,  0x4A,  0x4B,  0x4C,  0x4D,
    0x4E,  0x4F,  0x50,  0x51,  0x52,  0x53,  0x54,  0x55,  0x56,  0x57,  0x58,  0x59,  0x5A,
    0xC4,  0xD6,  0xD1,  0xDC,  0xA7,  0xBF,  0x61,  0x62,  0x63,  0x64,  0x65,  0x66,  0x67,
    0x68,  0x69,  0x6A,  0x6B,  0x6C,  0x6D,  0x6E,  0x6F,  0x70,  0x71,  0x72,  0x73,  0x74,
    0x75,  0x76,  0x77,  0x78,  0x79,  0x7A,  0xE4,  0xF6,  0xF1,  0xFC,  0xE0,
};

static const struct {
    uint16_t cp;
    uint8_t code;
} gsm_ext[] = {{0x0C, 0x0A}, {'^', 0x14}, {'{', 0x28}, {'}', 0x29}, {'\\', 0x2F},
               {'[', 0x3C},  {'~', 0x3D}, {']', 0x3E}, {'|', 0x40}, {0x20AC, 0x65}};

/* Next code point of UTF-8 s[*i ..], or -1 when invalid. */
static long utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned c = s[*i];
    size_t k;
    long cp;
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        k = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 3;
        cp = c & 0x07;
    } else {
        return -1;
    }
    for (size_t j = 1; j <= k; j++) {
        if (*i + j >= n || (s[*i + j] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[*i + j] & 0x3F);
    }
    if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *i += k + 1;
    return cp;
}

static int gsm_code(long cp, unsigned char *a, unsigned char *b)
{
    for (int i = 0; i < 128; i++) {
        if (gsm_basic[i] == cp && i != 0x1B) {
            *a = (unsigned char)i;
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof(gsm_ext) / sizeof(gsm_ext[0]); i++) {
        if (gsm_ext[i].cp == cp) {
            *a = 0x1B;
            *b = gsm_ext[i].code;
            return 2;
        }
    }
    return 0;
}

static int encode_as(const unsigned char *s, size_t n, uint8_t dc, unsigned char *out, size_t cap,
                     size_t *len)
{
    size_t i = 0, o = 0;
    while (i < n) {
        long cp = utf8_next(s, n, &i);
        unsigned char a = 0, b = 0;
        if (cp < 0)
            return SH_EINVAL;
        if (dc == SMPP_DC_DEFAULT) {
            int k = gsm_code(cp, &a, &b);
            if (k == 0)
                return SH_ENOTFOUND;
            if (o + (size_t)k > cap)
                return SH_ETOOBIG;
            out[o++] = a;
            if (k == 2)
                out[o++] = b;
        } else if (dc == SMPP_DC_LATIN1) {
            if (cp > 0xFF)
                return SH_ENOTFOUND;
            if (o + 1 > cap)
                return SH_ETOOBIG;
            out[o++] = (unsigned char)cp;
        } else {
            if (cp >= 0x10000) {
                long v = cp - 0x10000;
                long hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
                if (o + 4 > cap)
                    return SH_ETOOBIG;
                out[o++] = (unsigned char)(hi >> 8);
                out[o++] = (unsigned char)hi;
                out[o++] = (unsigned char)(lo >> 8);
                out[o++] = (unsigned char)lo;
            } else {
                if (o + 2 > cap)
                    return SH_ETOOBIG;
                out[o++] = (unsigned char)(cp >> 8);
                out[o++] = (unsigned char)cp;
            }
        }
    }
    *len = o;
    return SH_OK;
}

int smpp_text_encode(const char *text, uint8_t dc, unsigned char *out, size_t cap, size_t *len,
                     uint8_t *dc_used)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = text ? strlen(text) : 0;
    int st = SH_ENOTFOUND;
    if (dc == SMPP_DC_DEFAULT || dc == SMPP_DC_LATIN1)
        st = encode_as(s, n, dc, out, cap, len);
    if (st == SH_ENOTFOUND) {
        dc = SMPP_DC_UCS2;
        st = encode_as(s, n, dc, out, cap, len);
    }
    if (st == SH_OK)
        *dc_used = dc;
    return st;
}

size_t smpp_text_cut(const unsigned char *data, size_t len, uint8_t dc, size_t max)
{
    size_t n = len < max ? len : max;
    if (n == len)
        return n;
    if (dc == SMPP_DC_UCS2) {
        n &= ~(size_t)1;
        /* a high surrogate as the last unit: leave it for the next part */
        if (n >= 2 && (data[n - 2] & 0xFC) == 0xD8)
            n -= 2;
    } else if (dc == SMPP_DC_DEFAULT) {
        /* count the escapes before the cut: an odd-placed ESC at the end is a split pair */
        size_t i = 0;
        while (i < n) {
            if (data[i] == 0x1B) {
                if (i + 1 >= n)
                    break;
                i += 2;
            } else {
                i++;
            }
        }
        n = i;
    }
    return n > 0 ? n : (len < max ? len : max);
}

static size_t put_utf8(unsigned char *out, size_t o, long cp)
{
    if (cp < 0x80) {
        out[o++] = (unsigned char)cp;
    } else if (cp < 0x800) {
        out[o++] = (unsigned char)(0xC0 | (cp >> 6));
        out[o++] = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[o++] = (unsigned char)(0xE0 | (cp >> 12));
        out[o++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[o++] = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        out[o++] = (unsigned char)(0xF0 | (cp >> 18));
        out[o++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        out[o++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[o++] = (unsigned char)(0x80 | (cp & 0x3F));
    }
    return o;
}

static long gsm_ext_cp(unsigned char code)
{
    for (size_t i = 0; i < sizeof(gsm_ext) / sizeof(gsm_ext[0]); i++) {
        if (gsm_ext[i].code == code)
            return gsm_ext[i].cp;
    }
    return -1;
}

size_t smpp_text_decode(const unsigned char *data, size_t len, uint8_t dc, char *out, size_t cap)
{
    unsigned char *o8 = (unsigned char *)out;
    size_t o = 0, i = 0;
    if (cap == 0)
        return 0;
    while (i < len && o + 5 <= cap) {
        long cp;
        if (dc == SMPP_DC_DEFAULT) {
            unsigned char c = data[i++] & 0x7F;
            if (c == 0x1B && i < len) {
                cp = gsm_ext_cp(data[i] & 0x7F);
                if (cp < 0) /* unknown escape: the spec says show the base character */
                    cp = gsm_basic[data[i] & 0x7F];
                i++;
            } else {
                cp = c == 0x1B ? 0x20 : gsm_basic[c];
            }
        } else if (dc == SMPP_DC_UCS2) {
            if (i + 1 >= len) {
                i = len;
                cp = 0xFFFD;
            } else {
                cp = ((long)data[i] << 8) | data[i + 1];
                i += 2;
                if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < len &&
                    (data[i] & 0xFC) == 0xDC) {
                    long lo = ((long)data[i] << 8) | data[i + 1];
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 2;
                } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                    cp = 0xFFFD;
                }
            }
        } else if (dc == 0x01) { /* IA5 / ASCII */
            cp = data[i] < 0x80 ? data[i] : 0xFFFD;
            i++;
        } else { /* Latin-1, and octets of any other coding shown as Latin-1 */
            cp = data[i++];
        }
        if (cp == 0)
            cp = 0xFFFD; /* keep the text a C string */
        o = put_utf8(o8, o, cp);
    }
    out[o] = '\0';
    return o;
}
