/*
 * pdu.c — the one SMPP codec: walks the tables of pdu_def.h to decode and encode every PDU.
 *
 * Decoding reads at most command_length octets, checks each read against the end of the
 * body before making it, and copies everything out of the input. The first problem found
 * decides the ESME_R* status left in decode_status (see pdu.h for the mapping). Encoding
 * measures and writes in one walk, so a short buffer is reported with the size it needs.
 */
#include "smpp/pdu.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "smpp/pdu_int.h"

enum field_kind { F_END = 0, F_U8, F_CSTR, F_SM };

struct field {
    unsigned char kind;
    unsigned char max;  /* CSTR: max octets including the NUL; SM: max short_message octets */
    unsigned char size; /* size of the struct member */
    unsigned short off; /* offsetof(struct smpp_pdu, member) */
    uint32_t bad;       /* ESME status when a CSTR has no NUL within max */
};

#define MEMBER_SIZE(m) sizeof(((struct smpp_pdu *)0)->m)
#define FIELD(kind, m, mx, st) {F_##kind, mx, MEMBER_SIZE(m), offsetof(struct smpp_pdu, m), st},
#define BODY(B) static const struct field body_##B[] = {SMPP_BODY_##B(FIELD){F_END, 0, 0, 0, 0}};
SMPP_BODY_LIST(BODY)
#undef BODY

/* Every field must fit its member: a CSTR of max octets, an SM of 254, a U8 of one. */
#define CHECK(kind, m, mx, st)                                                                     \
    _Static_assert((F_##kind == F_U8) ? MEMBER_SIZE(m) == 1 : (mx) <= MEMBER_SIZE(m),              \
                   #m " does not fit its member");
#define CHECK_BODY(B) SMPP_BODY_##B(CHECK)
SMPP_BODY_LIST(CHECK_BODY)
#undef CHECK_BODY
#undef CHECK
_Static_assert(sizeof(((struct smpp_pdu *)0)->sm_length) == 1, "sm_length is one octet");
_Static_assert(SMPP_TLV_DATA_MAX <= 65535, "tlv offsets are u16");

struct pdu_def {
    uint32_t id;
    unsigned flags;
    const struct field *body;
};

#define PDU(name, id, B, flags) {id, flags, body_##B},
static const struct pdu_def pdus[] = {SMPP_PDU_TABLE(PDU)};
#undef PDU

static const struct pdu_def *find_def(uint32_t id)
{
    for (size_t i = 0; i < sizeof(pdus) / sizeof(pdus[0]); i++) {
        if (pdus[i].id == id)
            return &pdus[i];
    }
    return NULL;
}

int smpp_command_known(uint32_t command_id)
{
    return find_def(command_id) != NULL;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void smpp_pdu_init(struct smpp_pdu *pdu, uint32_t command_id, uint32_t sequence_number)
{
    memset(pdu, 0, sizeof(*pdu));
    pdu->command_id = command_id;
    pdu->sequence_number = sequence_number;
}

void smpp_pdu_release(struct smpp_pdu *pdu)
{
    if (pdu == NULL)
        return;
    free(pdu->payload);
    smpp_pdu_init(pdu, 0, 0);
}

/* Reads one mandatory field at in[*p], *p < end. Returns 0 or an ESME status. */
static uint32_t decode_field(const struct field *f, const unsigned char *in, size_t *p, size_t end,
                             struct smpp_pdu *out)
{
    unsigned char *dst = (unsigned char *)out + f->off;
    size_t avail = end - *p;

    if (avail == 0)
        return SMPP_ESME_RINVCMDLEN;
    if (f->kind == F_U8) {
        *dst = in[*p];
        *p += 1;
        return 0;
    }
    if (f->kind == F_CSTR) {
        size_t lim = avail < f->max ? avail : f->max;
        const unsigned char *nul = memchr(in + *p, 0, lim);
        size_t n;
        if (nul == NULL)
            return avail < f->max ? SMPP_ESME_RINVCMDLEN : f->bad;
        n = (size_t)(nul - (in + *p));
        memcpy(dst, in + *p, n);
        dst[n] = 0;
        *p += n + 1;
        return 0;
    }
    /* F_SM: sm_length then the octets. §4.4.1: 0 to 254. */
    {
        size_t n = in[*p];
        if (n > f->max || n > avail - 1)
            return SMPP_ESME_RINVMSGLEN;
        out->sm_length = (uint8_t)n;
        memcpy(dst, in + *p + 1, n);
        *p += 1 + n;
        return 0;
    }
}

static uint32_t decode_tlvs(const unsigned char *in, size_t p, size_t end, struct smpp_pdu *out)
{
    while (p < end) {
        uint16_t tag;
        size_t n;
        uint32_t st;
        if (end - p < 4)
            return SMPP_ESME_RINVOPTPARSTREAM;
        tag = (uint16_t)(in[p] << 8 | in[p + 1]);
        n = (size_t)in[p + 2] << 8 | in[p + 3];
        p += 4;
        if (n > end - p)
            return SMPP_ESME_RINVOPTPARSTREAM;
        st = smpp_tlv_append_wire(out, tag, in + p, n);
        if (st != 0)
            return st;
        p += n;
    }
    return 0;
}

static uint32_t decode_body(const struct pdu_def *def, const unsigned char *in, size_t end,
                            struct smpp_pdu *out)
{
    size_t p = SMPP_HEADER_LEN;

    /* A bare header is a whole response when it reports an error (§4.4.2), and always a
     * whole deliver_sm_resp. */
    if (p == end && def->body[0].kind != F_END &&
        ((def->flags & SMPP_PF_BODY_OPT) ||
         ((def->id & SMPP_RESP_BIT) && out->command_status != 0)))
        return 0;
    for (const struct field *f = def->body; f->kind != F_END; f++) {
        uint32_t st = decode_field(f, in, &p, end, out);
        if (st != 0)
            return st;
    }
    if (p == end)
        return 0;
    if (!(def->flags & SMPP_PF_TLV))
        return SMPP_ESME_RINVCMDLEN;
    return decode_tlvs(in, p, end, out);
}

int smpp_pdu_decode(const unsigned char *in, size_t len, struct smpp_pdu *out)
{
    const struct pdu_def *def;
    uint32_t st = SMPP_ESME_RINVCMDLEN;

    if (out == NULL)
        return SH_EINVAL;
    smpp_pdu_init(out, 0, 0);
    if (in == NULL) {
        out->decode_status = SMPP_ESME_RSYSERR;
        return SH_EINVAL;
    }
    if (len >= 4)
        out->command_length = get32(in);
    if (len >= 8)
        out->command_id = get32(in + 4);
    if (len >= 12)
        out->command_status = get32(in + 8);
    if (len >= 16)
        out->sequence_number = get32(in + 12);
    if (len < SMPP_HEADER_LEN || out->command_length < SMPP_HEADER_LEN || out->command_length > len)
        goto out;
    def = find_def(out->command_id);
    if (def == NULL) {
        st = SMPP_ESME_RINVCMDID;
        goto out;
    }
    st = decode_body(def, in, out->command_length, out);
out:
    if (st == 0)
        return SH_OK;
    free(out->payload);
    out->payload = NULL;
    out->has_payload = 0;
    out->payload_len = 0;
    out->decode_status = st;
    return SH_EINVAL;
}

/* A writer that counts everything and copies what fits. */
struct wr {
    unsigned char *out;
    size_t cap;
    size_t pos;
};

static void put(struct wr *w, const void *data, size_t n)
{
    if (n > 0 && w->out != NULL && w->pos <= w->cap && n <= w->cap - w->pos)
        memcpy(w->out + w->pos, data, n);
    w->pos += n;
}

static void put8(struct wr *w, unsigned v)
{
    unsigned char b = (unsigned char)v;
    put(w, &b, 1);
}

static void put16(struct wr *w, unsigned v)
{
    unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    put(w, b, 2);
}

static void put32(struct wr *w, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    put(w, b, 4);
}

/* Whether every mandatory field of the body holds its empty value. */
static int body_empty(const struct field *body, const struct smpp_pdu *pdu)
{
    for (const struct field *f = body; f->kind != F_END; f++) {
        const unsigned char *src = (const unsigned char *)pdu + f->off;
        if (f->kind == F_SM ? pdu->sm_length != 0 : src[0] != 0)
            return 0;
    }
    return 1;
}

static int encode_body(const struct pdu_def *def, const struct smpp_pdu *pdu, struct wr *w)
{
    for (const struct field *f = def->body; f->kind != F_END; f++) {
        const unsigned char *src = (const unsigned char *)pdu + f->off;
        if (f->kind == F_U8) {
            put8(w, src[0]);
        } else if (f->kind == F_CSTR) {
            size_t n = strnlen((const char *)src, f->size);
            if (n >= f->max)
                return SH_EINVAL;
            put(w, src, n + 1);
        } else {
            if (pdu->sm_length > f->max)
                return SH_EINVAL;
            put8(w, pdu->sm_length);
            put(w, src, pdu->sm_length);
        }
    }
    return SH_OK;
}

static int encode_tlvs(const struct smpp_pdu *pdu, struct wr *w)
{
    if (pdu->tlv_count > SMPP_TLV_MAX || pdu->tlv_used > SMPP_TLV_DATA_MAX)
        return SH_EINVAL;
    for (unsigned i = 0; i < pdu->tlv_count; i++) {
        const struct smpp_tlv *t = &pdu->tlvs[i];
        if (t->off > pdu->tlv_used || t->len > pdu->tlv_used - t->off)
            return SH_EINVAL;
        put16(w, t->tag);
        put16(w, t->len);
        put(w, pdu->tlv_data + t->off, t->len);
    }
    if (pdu->has_payload) {
        if (pdu->payload_len > SMPP_PAYLOAD_MAX || (pdu->payload_len > 0 && pdu->payload == NULL))
            return SH_EINVAL;
        put16(w, SMPP_TLV_MESSAGE_PAYLOAD);
        put16(w, (unsigned)pdu->payload_len);
        put(w, pdu->payload, pdu->payload_len);
    }
    return SH_OK;
}

int smpp_pdu_encode(const struct smpp_pdu *pdu, unsigned char *out, size_t cap, size_t *len)
{
    struct wr w = {out, out == NULL ? 0 : cap, 0};
    const struct pdu_def *def;
    int has_tlvs;
    int st;

    if (pdu == NULL || len == NULL)
        return SH_EINVAL;
    *len = 0;
    def = find_def(pdu->command_id);
    if (def == NULL)
        return SH_EINVAL;
    has_tlvs = pdu->tlv_count > 0 || pdu->has_payload;
    if (has_tlvs && !(def->flags & SMPP_PF_TLV))
        return SH_EINVAL;
    put32(&w, 0); /* command_length, patched below */
    put32(&w, pdu->command_id);
    put32(&w, pdu->command_status);
    put32(&w, pdu->sequence_number);
    if (!((def->id & SMPP_RESP_BIT) && pdu->command_status != 0 && !has_tlvs &&
          body_empty(def->body, pdu))) {
        st = encode_body(def, pdu, &w);
        if (st != SH_OK)
            return st;
    }
    st = encode_tlvs(pdu, &w);
    if (st != SH_OK)
        return st;
    *len = w.pos;
    if (w.pos > w.cap)
        return SH_ETOOBIG;
    out[0] = (unsigned char)(w.pos >> 24);
    out[1] = (unsigned char)(w.pos >> 16);
    out[2] = (unsigned char)(w.pos >> 8);
    out[3] = (unsigned char)w.pos;
    return SH_OK;
}

int smpp_pdu_error_reply(const struct smpp_pdu *bad, struct smpp_pdu *reply)
{
    uint32_t st;
    uint32_t id;

    if (bad == NULL || reply == NULL || bad->command_id == SMPP_CMD_GENERIC_NACK)
        return SH_EINVAL;
    st = bad->decode_status != 0 ? bad->decode_status : SMPP_ESME_RSYSERR;
    id = SMPP_CMD_GENERIC_NACK;
    /* §4.3: generic_nack answers a PDU we cannot identify or whose length is wrong, and any
     * response (responses are not answered with responses). */
    if (st != SMPP_ESME_RINVCMDLEN && st != SMPP_ESME_RINVCMDID &&
        !(bad->command_id & SMPP_RESP_BIT) && smpp_command_known(bad->command_id) &&
        smpp_command_known(bad->command_id | SMPP_RESP_BIT))
        id = bad->command_id | SMPP_RESP_BIT;
    smpp_pdu_init(reply, id, bad->sequence_number);
    reply->command_status = st;
    return SH_OK;
}

int smpp_pdu_equal(const struct smpp_pdu *a, const struct smpp_pdu *b)
{
    const struct pdu_def *def;

    if (a->command_id != b->command_id || a->command_status != b->command_status ||
        a->sequence_number != b->sequence_number)
        return 0;
    def = find_def(a->command_id);
    for (const struct field *f = def != NULL ? def->body : body_NONE; f->kind != F_END; f++) {
        const unsigned char *x = (const unsigned char *)a + f->off;
        const unsigned char *y = (const unsigned char *)b + f->off;
        if (f->kind == F_U8 && x[0] != y[0])
            return 0;
        if (f->kind == F_CSTR && strncmp((const char *)x, (const char *)y, f->size) != 0)
            return 0;
        if (f->kind == F_SM && (a->sm_length != b->sm_length || memcmp(x, y, a->sm_length) != 0))
            return 0;
    }
    if (a->tlv_count != b->tlv_count || a->has_payload != b->has_payload)
        return 0;
    for (unsigned i = 0; i < a->tlv_count; i++) {
        const struct smpp_tlv *s = &a->tlvs[i];
        const struct smpp_tlv *t = &b->tlvs[i];
        if (s->tag != t->tag || s->len != t->len ||
            memcmp(a->tlv_data + s->off, b->tlv_data + t->off, s->len) != 0)
            return 0;
    }
    if (a->has_payload && (a->payload_len != b->payload_len ||
                           (a->payload_len > 0 && memcmp(a->payload, b->payload, a->payload_len))))
        return 0;
    return 1;
}

int smpp_pdu_set_short_message(struct smpp_pdu *pdu, const void *data, size_t len)
{
    if (len > SMPP_SM_MAX)
        return SH_ETOOBIG;
    if (data == NULL && len > 0)
        return SH_EINVAL;
    if (len > 0)
        memcpy(pdu->short_message, data, len);
    pdu->sm_length = (uint8_t)len;
    return SH_OK;
}

const unsigned char *smpp_pdu_message(const struct smpp_pdu *pdu, size_t *len)
{
    if (pdu->has_payload && pdu->payload != NULL) {
        *len = pdu->payload_len;
        return pdu->payload;
    }
    if (pdu->has_payload) {
        *len = 0;
        return pdu->short_message;
    }
    *len = pdu->sm_length;
    return pdu->short_message;
}
