/*
 * receipt.c — delivery-receipt text parser and message-id comparison. See receipt.h.
 *
 * One left-to-right scan over tokens separated by whitespace (space, tab, CR, LF, NUL). At
 * each token start a key may begin ("id", "submit date", … then optional blanks and ':');
 * a key's value is the next token, except text, which runs to the next key or the end.
 * Every index is checked against len before it is used.
 */
#include "smpp/receipt.h"

#include <string.h>
#include <strings.h>

#include "lib/err.h"

enum key { K_ID, K_SUB, K_DLVRD, K_SUBMIT, K_DONE, K_STAT, K_ERR, K_TEXT, K_NONE };

/* Key words in order of enum key; "submit date" and "done date" are word + "date". */
static const char *const key_word[] = {"id",   "sub",  "dlvrd", "submit",
                                       "done", "stat", "err",   "text"};
static const unsigned key_bit[] = {SMPP_RCPT_ID,          SMPP_RCPT_SUB,       SMPP_RCPT_DLVRD,
                                   SMPP_RCPT_SUBMIT_DATE, SMPP_RCPT_DONE_DATE, SMPP_RCPT_STAT,
                                   SMPP_RCPT_ERR,         SMPP_RCPT_TEXT};

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0' || c == '\v' || c == '\f';
}

static int lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Whether s[i ..] starts with word (ASCII case-insensitive); advances *i past it. */
static int eat_word(const char *s, size_t len, size_t *i, const char *word)
{
    size_t n = strlen(word);
    if (len - *i < n)
        return 0;
    for (size_t k = 0; k < n; k++) {
        if (lower((unsigned char)s[*i + k]) != word[k])
            return 0;
    }
    *i += n;
    return 1;
}

static void skip_blanks(const char *s, size_t len, size_t *i)
{
    while (*i < len && (s[*i] == ' ' || s[*i] == '\t'))
        (*i)++;
}

/* Matches a key and its ':' at s[i]. Returns the key and sets *end after the ':'. */
static enum key match_key(const char *s, size_t len, size_t i, size_t *end)
{
    for (int k = 0; k < K_NONE; k++) {
        size_t j = i;
        if (!eat_word(s, len, &j, key_word[k]))
            continue;
        if (k == K_SUBMIT || k == K_DONE) {
            while (j < len && (s[j] == ' ' || s[j] == '_'))
                j++;
            if (!eat_word(s, len, &j, "date"))
                continue;
        }
        skip_blanks(s, len, &j);
        if (j < len && s[j] == ':') {
            *end = j + 1;
            return (enum key)k;
        }
    }
    return K_NONE;
}

/* Copies s[from .. to) into dst[cap] when it fits. Returns 1 if copied. */
static int copy_value(char *dst, size_t cap, const char *s, size_t from, size_t to)
{
    size_t n = to - from;
    if (n == 0 || n >= cap)
        return 0;
    memcpy(dst, s + from, n);
    dst[n] = 0;
    return 1;
}

/* Reads 1-9 decimal digits. */
static int parse_count(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    if (n == 0 || n > 9)
        return 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return 0;
        v = v * 10 + (unsigned)(s[k] - '0');
    }
    *out = v;
    return 1;
}

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYMMDDhhmm or YYMMDDhhmmss, a real date. */
static int parse_date(const char *s, size_t n, struct smpp_receipt_time *t)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    struct smpp_receipt_time v;
    if (n != 10 && n != 12)
        return 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return 0;
    }
    v.year = 2000 + two(s);
    v.month = two(s + 2);
    v.day = two(s + 4);
    v.hour = two(s + 6);
    v.minute = two(s + 8);
    v.has_seconds = n == 12;
    v.second = n == 12 ? two(s + 10) : 0;
    if (v.month < 1 || v.month > 12 || v.day < 1 || v.hour > 23 || v.minute > 59 || v.second > 59)
        return 0;
    if (v.day > mdays[v.month - 1] + (v.month == 2 && leap(v.year)))
        return 0;
    *t = v;
    return 1;
}

/* The stat word to enum smpp_msg_state; SMPP_STATE_NONE when not recognised. */
static int parse_stat(const char *w)
{
    static const struct {
        const char *word;
        int state;
    } words[] = {
        {"delivrd", SMPP_STATE_DELIVERED},         {"delivered", SMPP_STATE_DELIVERED},
        {"expired", SMPP_STATE_EXPIRED},           {"deleted", SMPP_STATE_DELETED},
        {"undeliv", SMPP_STATE_UNDELIVERABLE},     {"undeliverable", SMPP_STATE_UNDELIVERABLE},
        {"undelivered", SMPP_STATE_UNDELIVERABLE}, {"failed", SMPP_STATE_UNDELIVERABLE},
        {"acceptd", SMPP_STATE_ACCEPTED},          {"accepted", SMPP_STATE_ACCEPTED},
        {"unknown", SMPP_STATE_UNKNOWN},           {"rejectd", SMPP_STATE_REJECTED},
        {"rejected", SMPP_STATE_REJECTED},         {"enroute", SMPP_STATE_ENROUTE},
    };
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
        if (strcasecmp(w, words[k].word) == 0)
            return words[k].state;
    }
    return SMPP_STATE_NONE;
}

/* Reads an unsigned 64-bit number in base 10 or 16 (optional 0x); all of s must be digits. */
static int parse_u64(const char *s, int base, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        i = 2;
    if (s[i] == 0)
        return 0;
    for (; s[i] != 0; i++) {
        int c = lower((unsigned char)s[i]);
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else
            return 0;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return 0;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return 1;
}

static void store(struct smpp_receipt *r, enum key k, const char *s, size_t from, size_t to)
{
    const char *v = s + from;
    size_t n = to - from;
    int ok = 0;

    switch (k) {
    case K_ID:
        ok = copy_value(r->id, sizeof(r->id), s, from, to);
        break;
    case K_SUB:
        ok = parse_count(v, n, &r->sub);
        break;
    case K_DLVRD:
        ok = parse_count(v, n, &r->dlvrd);
        break;
    case K_SUBMIT:
        ok = parse_date(v, n, &r->submit_date);
        break;
    case K_DONE:
        ok = parse_date(v, n, &r->done_date);
        break;
    case K_STAT:
        ok = copy_value(r->stat_text, sizeof(r->stat_text), s, from, to);
        if (ok)
            r->stat = parse_stat(r->stat_text);
        break;
    case K_ERR: {
        uint64_t code;
        ok = copy_value(r->err, sizeof(r->err), s, from, to);
        if (ok && (parse_u64(r->err, 10, &code) || parse_u64(r->err, 16, &code)) &&
            code <= 0x7FFFFFFF)
            r->err_code = (long)code;
        break;
    }
    case K_TEXT:
        if (n >= sizeof(r->text))
            n = sizeof(r->text) - 1;
        memcpy(r->text, v, n);
        r->text[n] = 0;
        r->text_len = n;
        ok = 1;
        break;
    case K_NONE:
        break;
    }
    if (ok)
        r->present |= key_bit[k];
}

int smpp_receipt_parse(const char *s, size_t len, struct smpp_receipt *out)
{
    unsigned seen = 0; /* keys met, valid or not: the first occurrence wins */
    int any = 0;
    size_t i = 0;

    if (out == NULL)
        return SH_EINVAL;
    memset(out, 0, sizeof(*out));
    out->err_code = -1;
    if (s == NULL)
        return SH_EINVAL;
    while (i < len) {
        size_t vstart, vend, next;
        enum key k;
        while (i < len && is_space((unsigned char)s[i]))
            i++;
        if (i >= len)
            break;
        k = match_key(s, len, i, &vstart);
        if (k == K_NONE) {
            while (i < len && !is_space((unsigned char)s[i]))
                i++;
            continue;
        }
        any = 1;
        skip_blanks(s, len, &vstart);
        vend = vstart;
        if (k == K_TEXT) {
            /* to the next key that starts after whitespace, or the end */
            size_t last = vstart; /* end of the last non-space octet */
            while (vend < len) {
                size_t e;
                if (is_space((unsigned char)s[vend])) {
                    size_t j = vend;
                    while (j < len && is_space((unsigned char)s[j]))
                        j++;
                    if (j < len && match_key(s, len, j, &e) != K_NONE)
                        break;
                    vend = j;
                    continue;
                }
                vend++;
                last = vend;
            }
            next = vend;
            vend = last;
        } else {
            size_t e;
            /* "id: sub:1" leaves id empty rather than taking the next key as its value */
            if (vstart < len && match_key(s, len, vstart, &e) == K_NONE) {
                while (vend < len && !is_space((unsigned char)s[vend]))
                    vend++;
            }
            next = vend;
        }
        if (!(seen & key_bit[k])) {
            seen |= key_bit[k];
            store(out, k, s, vstart, vend);
        }
        i = next;
    }
    return any ? SH_OK : SH_EINVAL;
}

int64_t smpp_receipt_time_epoch(const struct smpp_receipt_time *t)
{
    /* days from civil date, proleptic Gregorian (H. Hinnant's algorithm) */
    int y = t->year - (t->month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int mp = (t->month + 9) % 12;
    int doy = (153 * mp + 2) / 5 + t->day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    return days * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
}

int smpp_receipt_id_equal(const char *a, const char *b)
{
    uint64_t ad = 0, ah = 0, bd = 0, bh = 0;
    int a_dec, a_hex, b_dec, b_hex;

    if (a == NULL || b == NULL)
        return 0;
    if (strcasecmp(a, b) == 0)
        return 1;
    a_dec = parse_u64(a, 10, &ad);
    a_hex = parse_u64(a, 16, &ah);
    b_dec = parse_u64(b, 10, &bd);
    b_hex = parse_u64(b, 16, &bh);
    return (a_dec && b_dec && ad == bd) || (a_hex && b_hex && ah == bh) ||
           (a_hex && b_dec && ah == bd) || (a_dec && b_hex && ad == bh);
}
