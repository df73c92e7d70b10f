/*
 * concat.c — concatenation UDH write/parse and uniform splitting. See concat.h.
 */
#include "smpp/concat.h"

#include <string.h>

#include "lib/err.h"

#define IEI_CONCAT8 0x00
#define IEI_CONCAT16 0x08

static int concat_valid(const struct smpp_concat *c)
{
    return c != NULL && c->total >= 1 && c->seq >= 1 && c->seq <= c->total &&
           (c->ref16 || c->ref <= 0xFF);
}

size_t smpp_udh_concat_write(const struct smpp_concat *c, unsigned char *out, size_t cap)
{
    size_t n;
    if (!concat_valid(c))
        return 0;
    n = c->ref16 ? SMPP_UDH_CONCAT16_LEN : SMPP_UDH_CONCAT8_LEN;
    if (out == NULL || cap < n)
        return 0;
    if (c->ref16) {
        out[0] = 6; /* UDHL */
        out[1] = IEI_CONCAT16;
        out[2] = 4; /* IEDL */
        out[3] = (unsigned char)(c->ref >> 8);
        out[4] = (unsigned char)c->ref;
        out[5] = c->total;
        out[6] = c->seq;
    } else {
        out[0] = 5;
        out[1] = IEI_CONCAT8;
        out[2] = 3;
        out[3] = (unsigned char)c->ref;
        out[4] = c->total;
        out[5] = c->seq;
    }
    return n;
}

int smpp_udh_parse(const unsigned char *sm, size_t len, struct smpp_udh *out)
{
    size_t udh_len;
    size_t p = 1;

    if (out == NULL)
        return SH_EINVAL;
    memset(out, 0, sizeof(*out));
    if (sm == NULL || len == 0)
        return SH_EINVAL;
    udh_len = (size_t)sm[0] + 1;
    if (udh_len > len)
        return SH_EINVAL;
    while (p < udh_len) {
        unsigned iei;
        size_t iedl;
        const unsigned char *d;
        struct smpp_concat c = {0};
        if (udh_len - p < 2)
            return SH_EINVAL;
        iei = sm[p];
        iedl = sm[p + 1];
        p += 2;
        if (iedl > udh_len - p)
            return SH_EINVAL;
        d = sm + p;
        p += iedl;
        if (out->has_concat)
            continue;
        if (iei == IEI_CONCAT8 && iedl == 3) {
            c.ref = d[0];
            c.total = d[1];
            c.seq = d[2];
        } else if (iei == IEI_CONCAT16 && iedl == 4) {
            c.ref = (uint16_t)(d[0] << 8 | d[1]);
            c.total = d[2];
            c.seq = d[3];
            c.ref16 = 1;
        } else {
            continue;
        }
        if (concat_valid(&c)) {
            out->concat = c;
            out->has_concat = 1;
        }
    }
    out->len = udh_len;
    return SH_OK;
}

int smpp_concat_fill(struct smpp_pdu *pdu, const struct smpp_concat *c, const unsigned char *chunk,
                     size_t n)
{
    unsigned char udh[SMPP_UDH_CONCAT16_LEN];
    size_t h;

    if (pdu == NULL || (chunk == NULL && n > 0))
        return SH_EINVAL;
    h = smpp_udh_concat_write(c, udh, sizeof(udh));
    if (h == 0)
        return SH_EINVAL;
    if (n > SMPP_SM_MAX - h)
        return SH_ETOOBIG;
    memcpy(pdu->short_message, udh, h);
    if (n > 0)
        memcpy(pdu->short_message + h, chunk, n);
    pdu->sm_length = (uint8_t)(h + n);
    pdu->esm_class |= SMPP_ESM_UDHI;
    return SH_OK;
}

unsigned smpp_concat_split(size_t len, size_t per_part, unsigned seq, size_t *off, size_t *n)
{
    size_t parts;
    if (len == 0 || per_part == 0)
        return 0;
    parts = len / per_part + (len % per_part != 0);
    if (parts > 256)
        parts = 256;
    if (seq >= 1 && seq <= parts && off != NULL && n != NULL) {
        size_t start = (size_t)(seq - 1) * per_part;
        if (start < len) {
            *off = start;
            *n = len - start < per_part ? len - start : per_part;
        } else {
            *off = len;
            *n = 0;
        }
    }
    return (unsigned)parts;
}
