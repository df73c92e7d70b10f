/*
 * encoding.h — SMS text encodings: UTF-8 validation, GSM 03.38 / UCS-2 classification and
 * segment counting, conversion to and from the wire alphabets.
 *
 * Sits in core/, depends only on lib/err.h. Pure functions over caller buffers: no allocation,
 * no global state, every function may be called from any thread concurrently. Every input is
 * treated as untrusted: all functions are memory-safe on arbitrary bytes and never write past
 * the capacity they are given. Tables follow 3GPP TS 23.038 §6.2.1 (default alphabet) and
 * §6.2.1.1 (basic character set extension); national language shift tables are not supported.
 */
#ifndef SH_CORE_ENCODING_H
#define SH_CORE_ENCODING_H

#include <stddef.h>

/* Septets / UTF-16 units per SMS: single part, and per part of a concatenated message (the
 * 6-octet concatenation UDH costs 7 septets or 3 UCS-2 units). 3GPP TS 23.040 §9.2.3.24. */
#define ENC_GSM7_SINGLE 160
#define ENC_GSM7_MULTI 153
#define ENC_UCS2_SINGLE 70
#define ENC_UCS2_MULTI 67

/* GSM 03.38 escape to the extension table (TS 23.038 §6.2.1). */
#define ENC_GSM7_ESC 0x1B

enum enc_kind { ENC_GSM7 = 0, ENC_UCS2 = 1 };

struct enc_info {
    enum enc_kind kind;
    size_t units;      /* GSM7: septets (extension chars count 2); UCS2: UTF-16 code units
                          (astral = 2) */
    size_t chars;      /* Unicode code points */
    unsigned segments; /* SMS parts needed: 0 for empty text */
};

/*
 * Validate and classify a message text.
 * Accepts: utf8/len, a UTF-8 string of len bytes (need not be NUL-terminated; utf8 may be NULL
 *   when len is 0, which is the empty text: GSM7, 0 units, 0 chars, 0 segments).
 * Rejects (SH_EINVAL): out == NULL, utf8 == NULL with len > 0, and any invalid UTF-8: overlong
 *   forms, surrogates U+D800-U+DFFF, code points above U+10FFFF, truncated or stray
 *   continuation bytes, bytes 0xC0/0xC1/0xF5-0xFF, and NUL bytes.
 * Returns: SH_OK and fills *out. kind is ENC_GSM7 if every code point is in the GSM 03.38
 *   default alphabet or its extension table (form feed ^ { } \ [ ~ ] | € count 2 septets),
 *   else ENC_UCS2. segments: 1 part up to ENC_*_SINGLE units, else parts of ENC_*_MULTI units
 *   where an escaped extension char and a surrogate pair are never split across parts (they
 *   move whole to the next part, as an SMSC packs them); it saturates at UINT_MAX. On error
 *   *out is zeroed (if non-NULL).
 * Ownership: borrows utf8 for the call; writes *out only. Thread-safety: any thread.
 */
int enc_analyze(const char *utf8, size_t len, struct enc_info *out);

/*
 * Remove control characters in place.
 * Accepts: utf8/len, valid UTF-8 (utf8 may be NULL when len is 0). Removes C0 controls except
 *   LF (0x0A), CR (0x0D) and FF (0x0C), turns TAB into a space, removes NUL, DEL (0x7F) and the
 *   C1 controls U+0080-U+009F. On invalid UTF-8 it stays memory-safe and leaves the bytes it
 *   does not recognise as one of the above unchanged (the result is then still invalid).
 * Returns: the new length, <= len. Termination: when the new length is shorter than len a NUL
 *   is written at utf8[new_len] (inside the buffer), so a NUL-terminated string stays
 *   NUL-terminated; nothing is ever written at or past utf8[len]. Bytes after that NUL are
 *   unspecified. Use the returned length, not strlen, if the text may be unterminated.
 * Ownership: borrows utf8 and modifies it. Thread-safety: any thread (caller owns the buffer).
 */
size_t enc_strip_controls(char *utf8, size_t len);

/*
 * Encode UTF-8 as unpacked GSM 03.38 septets: one byte (0x00-0x7F) per septet, extension
 *   characters as ENC_GSM7_ESC followed by their extension code.
 * Accepts: utf8/len as enc_analyze; out with capacity cap bytes (out may be NULL when cap is 0).
 * Rejects: SH_EINVAL if the UTF-8 is invalid (same rules as enc_analyze), a code point is not
 *   in the GSM 03.38 default alphabet or extension table, or out == NULL with cap > 0;
 *   SH_ETOOBIG if the septets do not fit in cap. The whole input is checked, so SH_EINVAL
 *   takes precedence over SH_ETOOBIG (a bigger buffer will not help after SH_EINVAL).
 * Returns: the number of bytes written (== enc_info.units), >= 0. On error the contents of
 *   out are unspecified. Worst case output size is 2 * len.
 * Ownership: borrows both buffers. Thread-safety: any thread.
 */
long enc_to_gsm7(const char *utf8, size_t len, unsigned char *out, size_t cap);

/*
 * Encode UTF-8 as UTF-16 big-endian (UCS-2 for the BMP, astral code points as surrogate pairs).
 * Accepts/rejects as enc_to_gsm7, except that every valid code point is representable.
 * Returns: bytes written (== 2 * enc_info.units for the UCS2 count), >= 0. Worst case output
 *   size is 2 * len. On error the contents of out are unspecified.
 * Ownership: borrows both buffers. Thread-safety: any thread.
 */
long enc_to_ucs2be(const char *utf8, size_t len, unsigned char *out, size_t cap);

/*
 * Decode unpacked GSM 03.38 septets to UTF-8.
 * Accepts: any n bytes (sept may be NULL when n is 0); the high bit of each byte is ignored
 *   (a septet is 7 bits). ESC + a defined extension code gives the extension char; ESC + an
 *   undefined code gives the base-table char for that code (TS 23.038 §6.2.1.1); ESC ESC
 *   (reserved SS2) and a trailing ESC give a space.
 * Rejects: SH_ETOOBIG if the UTF-8 does not fit in cap (worst case 3 * n bytes);
 *   SH_EINVAL if out == NULL with cap > 0.
 * Returns: bytes written, no NUL added. The output is always valid UTF-8 that enc_analyze
 *   classifies as ENC_GSM7 (it never contains NUL).
 * Ownership: borrows both buffers. Thread-safety: any thread.
 */
long enc_from_gsm7(const unsigned char *sept, size_t n, char *out, size_t cap);

/*
 * Decode UTF-16 big-endian to UTF-8.
 * Accepts: any n bytes (b may be NULL when n is 0). Valid surrogate pairs give astral code
 *   points; unpaired surrogates and U+0000 become U+FFFD (so the output never holds NUL and
 *   always passes enc_analyze); an odd trailing byte is ignored.
 * Rejects: SH_ETOOBIG if the output does not fit in cap (worst case 3 * (n / 2) bytes);
 *   SH_EINVAL if out == NULL with cap > 0.
 * Returns: bytes written, no NUL added.
 * Ownership: borrows both buffers. Thread-safety: any thread.
 */
long enc_from_ucs2be(const unsigned char *b, size_t n, char *out, size_t cap);

/*
 * Decode ISO-8859-1 to UTF-8.
 * Accepts: any n bytes (b may be NULL when n is 0); byte 0x00 becomes U+FFFD so the output
 *   never holds NUL and always passes enc_analyze.
 * Rejects: SH_ETOOBIG if the output does not fit in cap (worst case 3 * n bytes when NULs
 *   are present, else 2 * n); SH_EINVAL if out == NULL with cap > 0.
 * Returns: bytes written, no NUL added.
 * Ownership: borrows both buffers. Thread-safety: any thread.
 */
long enc_from_latin1(const unsigned char *b, size_t n, char *out, size_t cap);

#endif
