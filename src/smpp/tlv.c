/*
 * tlv.c — the optional part of a PDU: the generic TLV list of struct smpp_pdu and typed
 * accessors for the TLVs smshub reads and writes.
 *
 * Values other than message_payload live in the PDU's own tlv_data (SMPP_TLV_DATA_MAX
 * octets, SMPP_TLV_MAX entries); message_payload lives in one heap block owned by the PDU.
 * Known tags are length-checked against SMPP_TLV_TABLE both when decoded and when set.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/xalloc.h"
#include "smpp/pdu.h"
#include "smpp/pdu_int.h"

struct tlv_bounds {
    uint16_t tag;
    uint16_t lo;
    uint16_t hi;
};

#define X(N, n, t, lo, hi) {t, lo, hi},
static const struct tlv_bounds bounds[] = {SMPP_TLV_TABLE(X)};
#undef X

/* Whether len is a legal length for tag (unknown tags: any length a u16 can carry). */
static int tlv_len_ok(uint16_t tag, size_t len)
{
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        if (bounds[i].tag == tag)
            return len >= bounds[i].lo && len <= bounds[i].hi;
    }
    return len <= 65535;
}

static void set_payload_block(struct smpp_pdu *pdu, const unsigned char *v, size_t len)
{
    unsigned char *copy = NULL;
    if (len > 0) {
        copy = xmalloc(len);
        memcpy(copy, v, len);
    }
    free(pdu->payload);
    pdu->payload = copy;
    pdu->payload_len = len;
    pdu->has_payload = 1;
}

/* Appends to the list; the caller has checked the length rule. Returns SH_OK/SH_ETOOBIG. */
static int append(struct smpp_pdu *pdu, uint16_t tag, const unsigned char *v, size_t len)
{
    struct smpp_tlv *t;
    if (pdu->tlv_count >= SMPP_TLV_MAX || len > (size_t)SMPP_TLV_DATA_MAX - pdu->tlv_used)
        return SH_ETOOBIG;
    t = &pdu->tlvs[pdu->tlv_count++];
    t->tag = tag;
    t->len = (uint16_t)len;
    t->off = pdu->tlv_used;
    if (len > 0)
        memcpy(pdu->tlv_data + t->off, v, len);
    pdu->tlv_used = (uint16_t)(pdu->tlv_used + len);
    return SH_OK;
}

uint32_t smpp_tlv_append_wire(struct smpp_pdu *pdu, uint16_t tag, const unsigned char *value,
                              size_t len)
{
    if (!tlv_len_ok(tag, len))
        return SMPP_ESME_RINVPARLEN;
    if (tag == SMPP_TLV_MESSAGE_PAYLOAD) {
        if (pdu->has_payload)
            return SMPP_ESME_RINVOPTPARSTREAM;
        set_payload_block(pdu, value, len);
        return 0;
    }
    return append(pdu, tag, value, len) == SH_OK ? 0 : SMPP_ESME_RINVOPTPARSTREAM;
}

int smpp_pdu_tlv_get(const struct smpp_pdu *pdu, uint16_t tag, const unsigned char **value,
                     size_t *len)
{
    if (tag == SMPP_TLV_MESSAGE_PAYLOAD) {
        if (!pdu->has_payload)
            return SH_ENOTFOUND;
        *value = pdu->payload;
        *len = pdu->payload_len;
        return SH_OK;
    }
    for (unsigned i = 0; i < pdu->tlv_count; i++) {
        if (pdu->tlvs[i].tag == tag) {
            *value = pdu->tlv_data + pdu->tlvs[i].off;
            *len = pdu->tlvs[i].len;
            return SH_OK;
        }
    }
    return SH_ENOTFOUND;
}

int smpp_pdu_tlv_del(struct smpp_pdu *pdu, uint16_t tag)
{
    int removed = 0;
    unsigned i = 0;

    if (tag == SMPP_TLV_MESSAGE_PAYLOAD) {
        removed = pdu->has_payload;
        free(pdu->payload);
        pdu->payload = NULL;
        pdu->payload_len = 0;
        pdu->has_payload = 0;
        return removed;
    }
    while (i < pdu->tlv_count) {
        struct smpp_tlv t = pdu->tlvs[i];
        if (t.tag != tag) {
            i++;
            continue;
        }
        /* close the gap in tlv_data, then in the list */
        memmove(pdu->tlv_data + t.off, pdu->tlv_data + t.off + t.len,
                (size_t)pdu->tlv_used - t.off - t.len);
        pdu->tlv_used = (uint16_t)(pdu->tlv_used - t.len);
        for (unsigned j = 0; j < pdu->tlv_count; j++) {
            if (pdu->tlvs[j].off > t.off)
                pdu->tlvs[j].off = (uint16_t)(pdu->tlvs[j].off - t.len);
        }
        memmove(&pdu->tlvs[i], &pdu->tlvs[i + 1],
                (size_t)(pdu->tlv_count - i - 1) * sizeof(pdu->tlvs[0]));
        pdu->tlv_count--;
        removed++;
    }
    return removed;
}

int smpp_pdu_tlv_set(struct smpp_pdu *pdu, uint16_t tag, const void *value, size_t len)
{
    size_t old = 0;
    unsigned found = 0;

    if ((value == NULL && len > 0) || !tlv_len_ok(tag, len))
        return SH_EINVAL;
    if (tag == SMPP_TLV_MESSAGE_PAYLOAD) {
        set_payload_block(pdu, value, len);
        return SH_OK;
    }
    /* room check first so a failed set leaves pdu unchanged */
    for (unsigned i = 0; i < pdu->tlv_count; i++) {
        if (pdu->tlvs[i].tag == tag) {
            found++;
            old += pdu->tlvs[i].len;
        }
    }
    if (pdu->tlv_count - found + 1 > SMPP_TLV_MAX || pdu->tlv_used - old + len > SMPP_TLV_DATA_MAX)
        return SH_ETOOBIG;
    smpp_pdu_tlv_del(pdu, tag);
    return append(pdu, tag, value, len);
}

int smpp_pdu_tlv_get_u8(const struct smpp_pdu *pdu, uint16_t tag, uint8_t *v)
{
    const unsigned char *p;
    size_t n;
    int st = smpp_pdu_tlv_get(pdu, tag, &p, &n);
    if (st != SH_OK)
        return st;
    if (n != 1)
        return SH_EINVAL;
    *v = p[0];
    return SH_OK;
}

int smpp_pdu_tlv_get_u16(const struct smpp_pdu *pdu, uint16_t tag, uint16_t *v)
{
    const unsigned char *p;
    size_t n;
    int st = smpp_pdu_tlv_get(pdu, tag, &p, &n);
    if (st != SH_OK)
        return st;
    if (n != 2)
        return SH_EINVAL;
    *v = (uint16_t)(p[0] << 8 | p[1]);
    return SH_OK;
}

int smpp_pdu_tlv_get_cstr(const struct smpp_pdu *pdu, uint16_t tag, char *out, size_t cap)
{
    const unsigned char *p;
    size_t n;
    int st;

    if (out == NULL || cap == 0)
        return SH_EINVAL;
    out[0] = 0;
    st = smpp_pdu_tlv_get(pdu, tag, &p, &n);
    if (st != SH_OK)
        return st;
    if (n > 0) {
        const unsigned char *nul = memchr(p, 0, n);
        if (nul != NULL)
            n = (size_t)(nul - p);
    }
    if (n >= cap)
        return SH_ETOOBIG;
    if (n > 0)
        memcpy(out, p, n);
    out[n] = 0;
    return SH_OK;
}

int smpp_pdu_tlv_set_u8(struct smpp_pdu *pdu, uint16_t tag, uint8_t v)
{
    return smpp_pdu_tlv_set(pdu, tag, &v, 1);
}

int smpp_pdu_tlv_set_u16(struct smpp_pdu *pdu, uint16_t tag, uint16_t v)
{
    unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    return smpp_pdu_tlv_set(pdu, tag, b, 2);
}

int smpp_pdu_tlv_set_cstr(struct smpp_pdu *pdu, uint16_t tag, const char *s)
{
    if (s == NULL)
        return SH_EINVAL;
    return smpp_pdu_tlv_set(pdu, tag, s, strlen(s) + 1);
}

int smpp_pdu_get_sar(const struct smpp_pdu *pdu, uint16_t *ref, uint8_t *total, uint8_t *seq)
{
    uint16_t r;
    uint8_t t, s;
    int st = smpp_pdu_tlv_get_u16(pdu, SMPP_TLV_SAR_MSG_REF_NUM, &r);
    if (st == SH_OK)
        st = smpp_pdu_tlv_get_u8(pdu, SMPP_TLV_SAR_TOTAL_SEGMENTS, &t);
    if (st == SH_OK)
        st = smpp_pdu_tlv_get_u8(pdu, SMPP_TLV_SAR_SEGMENT_SEQNUM, &s);
    if (st != SH_OK)
        return st;
    *ref = r;
    *total = t;
    *seq = s;
    return SH_OK;
}

int smpp_pdu_set_sar(struct smpp_pdu *pdu, uint16_t ref, uint8_t total, uint8_t seq)
{
    int st;
    if (total == 0 || seq == 0 || seq > total)
        return SH_EINVAL;
    /* three entries of at most 2 octets: check room for all before writing any */
    {
        unsigned have = 0;
        size_t old = 0;
        for (unsigned i = 0; i < pdu->tlv_count; i++) {
            uint16_t t = pdu->tlvs[i].tag;
            if (t == SMPP_TLV_SAR_MSG_REF_NUM || t == SMPP_TLV_SAR_TOTAL_SEGMENTS ||
                t == SMPP_TLV_SAR_SEGMENT_SEQNUM) {
                have++;
                old += pdu->tlvs[i].len;
            }
        }
        if (pdu->tlv_count - have + 3 > SMPP_TLV_MAX || pdu->tlv_used - old + 4 > SMPP_TLV_DATA_MAX)
            return SH_ETOOBIG;
    }
    st = smpp_pdu_tlv_set_u16(pdu, SMPP_TLV_SAR_MSG_REF_NUM, ref);
    if (st == SH_OK)
        st = smpp_pdu_tlv_set_u8(pdu, SMPP_TLV_SAR_TOTAL_SEGMENTS, total);
    if (st == SH_OK)
        st = smpp_pdu_tlv_set_u8(pdu, SMPP_TLV_SAR_SEGMENT_SEQNUM, seq);
    return st;
}

int smpp_pdu_get_network_error_code(const struct smpp_pdu *pdu, uint8_t *type, uint16_t *code)
{
    const unsigned char *p;
    size_t n;
    int st = smpp_pdu_tlv_get(pdu, SMPP_TLV_NETWORK_ERROR_CODE, &p, &n);
    if (st != SH_OK)
        return st;
    if (n != 3)
        return SH_EINVAL;
    *type = p[0];
    *code = (uint16_t)(p[1] << 8 | p[2]);
    return SH_OK;
}

int smpp_pdu_set_network_error_code(struct smpp_pdu *pdu, uint8_t type, uint16_t code)
{
    unsigned char b[3] = {type, (unsigned char)(code >> 8), (unsigned char)code};
    return smpp_pdu_tlv_set(pdu, SMPP_TLV_NETWORK_ERROR_CODE, b, 3);
}

int smpp_pdu_set_payload(struct smpp_pdu *pdu, const void *data, size_t len)
{
    return smpp_pdu_tlv_set(pdu, SMPP_TLV_MESSAGE_PAYLOAD, data, len);
}

int smpp_pdu_get_payload(const struct smpp_pdu *pdu, const unsigned char **data, size_t *len)
{
    return smpp_pdu_tlv_get(pdu, SMPP_TLV_MESSAGE_PAYLOAD, data, len);
}
