/*
 * fuzz_smpp_frame.c — libFuzzer target for smpp/frame and smpp/pdu (bytes off the wire).
 *
 * Input: one control octet (chunk size for feeding), one octet choosing the reader's max
 * PDU size, then the stream. The stream is cut by the frame reader fed in chunks; every
 * frame is decoded. A frame that decodes must re-encode (measured first, then written),
 * decode again to an equal PDU, and re-encode to the same bytes. A frame that does not
 * decode must carry an ESME status and own no memory, and its error reply must encode as a
 * bare header. The raw stream also goes to the decoder directly. Any breach calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "smpp/concat.h"
#include "smpp/frame.h"
#include "smpp/pdu.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* Reads every typed accessor so they run on hostile PDUs too. */
static void poke_accessors(const struct smpp_pdu *p)
{
    uint16_t ref, u16;
    uint8_t total, seq, u8, type;
    char id[66];
    const unsigned char *v;
    size_t n;
    struct smpp_udh udh;

    if (smpp_pdu_get_sar(p, &ref, &total, &seq) == SH_OK)
        CHECK(smpp_pdu_tlv_get_u16(p, SMPP_TLV_SAR_MSG_REF_NUM, &u16) == SH_OK && u16 == ref);
    (void)smpp_pdu_get_network_error_code(p, &type, &u16);
    (void)smpp_pdu_tlv_get_u8(p, SMPP_TLV_MESSAGE_STATE, &u8);
    (void)smpp_pdu_tlv_get_u16(p, SMPP_TLV_USER_MESSAGE_REFERENCE, &u16);
    (void)smpp_pdu_tlv_get_u8(p, SMPP_TLV_SC_INTERFACE_VERSION, &u8);
    if (smpp_pdu_tlv_get_cstr(p, SMPP_TLV_RECEIPTED_MESSAGE_ID, id, sizeof(id)) == SH_OK)
        CHECK(strlen(id) < sizeof(id));
    v = smpp_pdu_message(p, &n);
    CHECK(v != NULL);
    if (p->esm_class & SMPP_ESM_UDHI) {
        if (smpp_udh_parse(p->short_message, p->sm_length, &udh) == SH_OK)
            CHECK(udh.len >= 1 && udh.len <= p->sm_length);
    }
    CHECK(smpp_command_name(p->command_id) != NULL);
    CHECK(smpp_status_name(p->command_status) != NULL);
}

static void check_pdu(const unsigned char *in, size_t len)
{
    struct smpp_pdu a, b, reply;
    unsigned char *enc = NULL, *enc2 = NULL;
    size_t need = 0, n = 0, n2 = 0;

    if (smpp_pdu_decode(in, len, &a) != SH_OK) {
        CHECK(a.decode_status != 0);
        CHECK(a.payload == NULL && !a.has_payload);
        if (smpp_pdu_error_reply(&a, &reply) == SH_OK) {
            unsigned char hdr[16];
            CHECK(smpp_pdu_encode(&reply, hdr, sizeof(hdr), &n) == SH_OK && n == 16);
        } else {
            CHECK(a.command_id == SMPP_CMD_GENERIC_NACK);
        }
        return;
    }
    CHECK(a.command_length >= SMPP_HEADER_LEN && a.command_length <= len);
    CHECK(a.sm_length <= SMPP_SM_MAX);
    CHECK(a.tlv_count <= SMPP_TLV_MAX && a.tlv_used <= SMPP_TLV_DATA_MAX);
    poke_accessors(&a);

    /* whatever decodes, encodes: measure, write, decode, compare */
    CHECK(smpp_pdu_encode(&a, NULL, 0, &need) == SH_ETOOBIG);
    CHECK(need >= SMPP_HEADER_LEN && need <= (size_t)a.command_length + 1);
    enc = malloc(need);
    CHECK(enc != NULL);
    CHECK(smpp_pdu_encode(&a, enc, need, &n) == SH_OK && n == need);
    CHECK(smpp_pdu_decode(enc, n, &b) == SH_OK);
    CHECK(smpp_pdu_equal(&a, &b));
    CHECK(b.command_length == n);
    enc2 = malloc(n);
    CHECK(enc2 != NULL);
    CHECK(smpp_pdu_encode(&b, enc2, n, &n2) == SH_OK && n2 == n);
    CHECK(memcmp(enc, enc2, n) == 0);
    free(enc2);
    free(enc);
    smpp_pdu_release(&b);
    smpp_pdu_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smpp_frame f;
    size_t chunk, max, pos = 0;

    if (size < 2)
        return 0;
    chunk = (size_t)data[0] + 1;
    max = data[1] < 128 ? 0 : (size_t)(data[1] - 128) * 64; /* default, or 16 .. 8128 */
    data += 2;
    size -= 2;

    check_pdu(data, size);

    smpp_frame_init(&f, max);
    while (pos < size) {
        size_t n = size - pos < chunk ? size - pos : chunk;
        size_t off = 0;
        int failed = 0;
        while (off < n) {
            const unsigned char *pdu;
            size_t plen, used = 0;
            int st = smpp_frame_feed(&f, data + pos + off, n - off, &used);
            if (st != SH_OK) {
                CHECK(st == SH_EINVAL || st == SH_ETOOBIG);
                CHECK(f.bad_length < SMPP_HEADER_LEN || f.bad_length > f.max);
                failed = 1;
                break;
            }
            CHECK(used <= n - off);
            off += used;
            while (smpp_frame_next(&f, &pdu, &plen) == SH_OK) {
                CHECK(plen >= SMPP_HEADER_LEN && plen <= f.max);
                check_pdu(pdu, plen);
            }
            CHECK(f.cap <= f.max);
        }
        if (failed)
            break;
        pos += n;
    }
    smpp_frame_release(&f);
    return 0;
}
