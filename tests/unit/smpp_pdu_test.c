/*
 * smpp_pdu_test.c — unit tests for smpp/pdu: the table-driven SMPP 3.4 codec.
 *
 * Reference frames are written out in hex from the spec's field layouts (SMPP 3.4 §4), not
 * produced by our encoder: decode must give the expected struct and encode must give the
 * exact bytes. Every PDU in pdu_def.h makes an encode→decode round trip with every field
 * filled to its limit and, where allowed, TLVs. Malformed frames must map to the right
 * ESME_R* status and never crash (run under ASan+UBSan in the sanitizer build).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "smpp/pdu.h"

#define BUF 80000

/* Parses hex digits, ignoring spaces. Returns the byte count. */
static size_t unhex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v = 0;
        if (*p == ' ')
            continue;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            fail_msg("bad hex char %c", *p);
        if (hi < 0) {
            hi = v;
            continue;
        }
        assert_true(n < cap);
        out[n++] = (unsigned char)(hi << 4 | v);
        hi = -1;
    }
    assert_int_equal(hi, -1);
    return n;
}

/* ---- byte-exact reference frames ---- */

static void ref_bind_transceiver(struct smpp_pdu *p)
{
    smpp_pdu_init(p, SMPP_CMD_BIND_TRANSCEIVER, 1);
    strcpy(p->system_id, "smshub");
    strcpy(p->password, "secret");
    p->interface_version = SMPP_INTERFACE_VERSION;
}

static void ref_bind_transceiver_resp(struct smpp_pdu *p)
{
    smpp_pdu_init(p, SMPP_CMD_BIND_TRANSCEIVER_RESP, 1);
    strcpy(p->system_id, "SMSC");
    assert_int_equal(smpp_pdu_tlv_set_u8(p, SMPP_TLV_SC_INTERFACE_VERSION, 0x34), SH_OK);
}

static void ref_submit_sm(struct smpp_pdu *p)
{
    smpp_pdu_init(p, SMPP_CMD_SUBMIT_SM, 2);
    p->source_addr_ton = 5;
    strcpy(p->source_addr, "SMSHUB");
    p->dest_addr_ton = 1;
    p->dest_addr_npi = 1;
    strcpy(p->destination_addr, "998901234567");
    p->registered_delivery = 1;
    assert_int_equal(smpp_pdu_set_short_message(p, "Hello", 5), SH_OK);
}

static void ref_submit_sm_sar(struct smpp_pdu *p)
{
    ref_submit_sm(p);
    p->sequence_number = 3;
    assert_int_equal(smpp_pdu_set_sar(p, 0x1234, 3, 1), SH_OK);
}

static void ref_submit_sm_payload(struct smpp_pdu *p)
{
    ref_submit_sm(p);
    p->sequence_number = 4;
    p->sm_length = 0;
    p->data_coding = 8;
    assert_int_equal(smpp_pdu_set_payload(p, "\x04\x1f\x04\x40", 4), SH_OK);
}

static const char receipt_text[] = "id:0123456789 sub:001 dlvrd:001 submit date:2411221030 done "
                                   "date:2411221031 stat:DELIVRD err:000 text:Hello";

static void ref_deliver_sm_receipt(struct smpp_pdu *p)
{
    smpp_pdu_init(p, SMPP_CMD_DELIVER_SM, 0x10);
    p->source_addr_ton = 1;
    p->source_addr_npi = 1;
    strcpy(p->source_addr, "998901234567");
    p->dest_addr_ton = 5;
    strcpy(p->destination_addr, "SMSHUB");
    p->esm_class = SMPP_ESM_TYPE_RECEIPT;
    assert_int_equal(smpp_pdu_set_short_message(p, receipt_text, strlen(receipt_text)), SH_OK);
    assert_int_equal(smpp_pdu_tlv_set_cstr(p, SMPP_TLV_RECEIPTED_MESSAGE_ID, "0123456789"), SH_OK);
    assert_int_equal(smpp_pdu_tlv_set_u8(p, SMPP_TLV_MESSAGE_STATE, SMPP_STATE_DELIVERED), SH_OK);
}

static void ref_submit_sm_resp(struct smpp_pdu *p)
{
    smpp_pdu_init(p, SMPP_CMD_SUBMIT_SM_RESP, 2);
    strcpy(p->message_id, "0A3F");
}

static void ref_submit_sm_resp_throttled(struct smpp_pdu *p)
{
    smpp_pdu_init(p, SMPP_CMD_SUBMIT_SM_RESP, 9);
    p->command_status = SMPP_ESME_RTHROTTLED;
}

static void ref_enquire_link(struct smpp_pdu *p)
{
    smpp_pdu_init(p, SMPP_CMD_ENQUIRE_LINK, 7);
}

static void ref_generic_nack(struct smpp_pdu *p)
{
    smpp_pdu_init(p, SMPP_CMD_GENERIC_NACK, 0x2A);
    p->command_status = SMPP_ESME_RINVCMDID;
}

static void ref_deliver_sm_resp(struct smpp_pdu *p)
{
    smpp_pdu_init(p, SMPP_CMD_DELIVER_SM_RESP, 0x10);
}

static void ref_query_sm_resp(struct smpp_pdu *p)
{
    smpp_pdu_init(p, SMPP_CMD_QUERY_SM_RESP, 5);
    strcpy(p->message_id, "77");
    p->message_state = SMPP_STATE_DELIVERED;
}

static const struct ref_case {
    const char *name;
    void (*fill)(struct smpp_pdu *);
    const char *hex;
} ref_cases[] = {
    /* §4.1.5: system_id, password, system_type, interface_version, addr_ton, addr_npi,
     * address_range */
    {"bind_transceiver", ref_bind_transceiver,
     "00000023 00000009 00000000 00000001"
     "736d7368756200 73656372657400 00 34 00 00 00"},
    /* §4.1.6 + sc_interface_version TLV 0x0210 */
    {"bind_transceiver_resp", ref_bind_transceiver_resp,
     "0000001A 80000009 00000000 00000001 534d534300 0210 0001 34"},
    /* §4.4.1 */
    {"submit_sm", ref_submit_sm,
     "00000038 00000004 00000000 00000002"
     "00 05 00 534d5348554200 01 01 39393839303132333435363700"
     "00 00 00 00 00 01 00 00 00 05 48656c6c6f"},
    {"submit_sm with SAR TLVs", ref_submit_sm_sar,
     "00000048 00000004 00000000 00000003"
     "00 05 00 534d5348554200 01 01 39393839303132333435363700"
     "00 00 00 00 00 01 00 00 00 05 48656c6c6f"
     "020C 0002 1234 020E 0001 03 020F 0001 01"},
    {"submit_sm with message_payload", ref_submit_sm_payload,
     "0000003B 00000004 00000000 00000004"
     "00 05 00 534d5348554200 01 01 39393839303132333435363700"
     "00 00 00 00 00 01 00 08 00 00"
     "0424 0004 041f0440"},
    /* §4.6.1 with a receipt: esm_class 0x04, receipted_message_id and message_state TLVs */
    {"deliver_sm receipt", ref_deliver_sm_receipt,
     "000000B2 00000005 00000000 00000010"
     "00 01 01 39393839303132333435363700 05 00 534d5348554200"
     "04 00 00 00 00 00 00 00 00 6B"
     "69643a30313233343536373839207375623a30303120646c7672643a30303120"
     "7375626d697420646174653a3234313132323130333020646f6e652064617465"
     "3a3234313132323130333120737461743a44454c49565244206572723a303030"
     "20746578743a48656c6c6f"
     "001E 000B 3031323334353637383900 0427 0001 02"},
    /* §4.6.2: message_id unused, a single NUL */
    {"deliver_sm_resp", ref_deliver_sm_resp, "00000011 80000005 00000000 00000010 00"},
    {"submit_sm_resp", ref_submit_sm_resp, "00000015 80000004 00000000 00000002 30413346 00"},
    /* §4.4.2: no body when command_status is not 0 */
    {"submit_sm_resp throttled", ref_submit_sm_resp_throttled,
     "00000010 80000004 00000058 00000009"},
    /* §4.8.2: message_id, final_date, message_state, error_code */
    {"query_sm_resp", ref_query_sm_resp, "00000016 80000003 00000000 00000005 373700 00 02 00"},
    {"enquire_link", ref_enquire_link, "00000010 00000015 00000000 00000007"},
    {"generic_nack", ref_generic_nack, "00000010 80000000 00000003 0000002A"},
};

static void test_reference_frames(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ref_cases) / sizeof(ref_cases[0]); i++) {
        const struct ref_case *c = &ref_cases[i];
        unsigned char want[1024], got[1024];
        size_t wn = unhex(c->hex, want, sizeof(want));
        size_t gn = 0;
        struct smpp_pdu exp, dec;

        c->fill(&exp);
        assert_int_equal(smpp_pdu_encode(&exp, got, sizeof(got), &gn), SH_OK);
        if (gn != wn || memcmp(got, want, wn) != 0)
            fail_msg("%s: encoded bytes differ (%zu vs %zu)", c->name, gn, wn);
        if (smpp_pdu_decode(want, wn, &dec) != SH_OK)
            fail_msg("%s: decode failed with %s", c->name, smpp_status_name(dec.decode_status));
        assert_int_equal(dec.command_length, wn);
        if (!smpp_pdu_equal(&exp, &dec))
            fail_msg("%s: decoded struct differs", c->name);
        smpp_pdu_release(&exp);
        smpp_pdu_release(&dec);
    }
}

static void test_decoded_receipt_fields(void **state)
{
    unsigned char in[512];
    size_t n = unhex(ref_cases[5].hex, in, sizeof(in));
    struct smpp_pdu p;
    char id[65];
    uint8_t st = 0;
    (void)state;
    assert_int_equal(smpp_pdu_decode(in, n, &p), SH_OK);
    assert_int_equal(p.command_id, SMPP_CMD_DELIVER_SM);
    assert_int_equal(p.esm_class & SMPP_ESM_TYPE_MASK, SMPP_ESM_TYPE_RECEIPT);
    assert_string_equal(p.source_addr, "998901234567");
    assert_int_equal(p.sm_length, strlen(receipt_text));
    assert_memory_equal(p.short_message, receipt_text, p.sm_length);
    assert_int_equal(smpp_pdu_tlv_get_cstr(&p, SMPP_TLV_RECEIPTED_MESSAGE_ID, id, sizeof(id)),
                     SH_OK);
    assert_string_equal(id, "0123456789");
    assert_int_equal(smpp_pdu_tlv_get_u8(&p, SMPP_TLV_MESSAGE_STATE, &st), SH_OK);
    assert_int_equal(st, SMPP_STATE_DELIVERED);
    /* the decoded struct does not point into the input */
    memset(in, 0xEE, sizeof(in));
    assert_string_equal(p.source_addr, "998901234567");
    assert_int_equal(smpp_pdu_tlv_get_cstr(&p, SMPP_TLV_RECEIPTED_MESSAGE_ID, id, sizeof(id)),
                     SH_OK);
    assert_string_equal(id, "0123456789");
    smpp_pdu_release(&p);
}

/* ---- round trip of every PDU, every field filled to its limit ---- */

#define FILL_U8(p, m, mx) (p)->m = (uint8_t)(0x11 * (++k % 15 + 1));
#define FILL_CSTR(p, m, mx)                                                                        \
    for (size_t i = 0; i + 1 < (size_t)(mx); i++)                                                  \
        (p)->m[i] = (char)('A' + (k + i) % 26);                                                    \
    k++;
#define FILL_SM(p, m, mx)                                                                          \
    for (size_t i = 0; i < (size_t)(mx); i++)                                                      \
        (p)->m[i] = (unsigned char)(i * 7 + k);                                                    \
    (p)->sm_length = (uint8_t)(mx);
#define FILL_FIELD(kind, m, mx, st) FILL_##kind(p, m, mx)
#define FILL_BODY(B)                                                                               \
    static void fill_##B(struct smpp_pdu *p)                                                       \
    {                                                                                              \
        unsigned k = 0;                                                                            \
        SMPP_BODY_##B(FILL_FIELD)(void) p;                                                         \
        (void)k;                                                                                   \
    }
SMPP_BODY_LIST(FILL_BODY)

struct every {
    const char *name;
    uint32_t id;
    void (*fill)(struct smpp_pdu *);
    unsigned flags;
};

#define EVERY(name, id, B, flags) {#name, id, fill_##B, flags},
static const struct every every[] = {SMPP_PDU_TABLE(EVERY)};

static void add_tlvs(struct smpp_pdu *p)
{
    static unsigned char big[SMPP_PAYLOAD_MAX];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (unsigned char)(i * 31);
    assert_int_equal(smpp_pdu_set_sar(p, 0xBEEF, 5, 5), SH_OK);
    assert_int_equal(smpp_pdu_tlv_set_cstr(p, SMPP_TLV_RECEIPTED_MESSAGE_ID,
                                           "0123456789012345678901234567890123456789012345678901"
                                           "234567890123"),
                     SH_OK);
    assert_int_equal(smpp_pdu_tlv_set_u8(p, SMPP_TLV_MESSAGE_STATE, 5), SH_OK);
    assert_int_equal(smpp_pdu_set_network_error_code(p, 3, 0x0102), SH_OK);
    assert_int_equal(smpp_pdu_tlv_set_u16(p, SMPP_TLV_USER_MESSAGE_REFERENCE, 0xFFFE), SH_OK);
    assert_int_equal(smpp_pdu_tlv_set_u8(p, SMPP_TLV_SC_INTERFACE_VERSION, 0x34), SH_OK);
    assert_int_equal(smpp_pdu_tlv_set(p, 0x1400, "vendor", 6), SH_OK); /* unknown tag */
    assert_int_equal(smpp_pdu_tlv_set(p, 0x1401, NULL, 0), SH_OK);     /* empty value */
    assert_int_equal(smpp_pdu_set_payload(p, big, sizeof(big)), SH_OK);
}

static void test_round_trip_every_pdu(void **state)
{
    unsigned char *buf = malloc(BUF);
    (void)state;
    assert_non_null(buf);
    for (size_t i = 0; i < sizeof(every) / sizeof(every[0]); i++) {
        for (int with_tlvs = 0; with_tlvs <= 1; with_tlvs++) {
            struct smpp_pdu a, b;
            size_t n = 0, need = 0;
            if (with_tlvs && !(every[i].flags & SMPP_PF_TLV))
                continue;
            smpp_pdu_init(&a, every[i].id, 0x7FFFFFFF - (uint32_t)i);
            every[i].fill(&a);
            if (with_tlvs)
                add_tlvs(&a);
            assert_int_equal(smpp_pdu_encode(&a, NULL, 0, &need), SH_ETOOBIG);
            assert_int_equal(smpp_pdu_encode(&a, buf, BUF, &n), SH_OK);
            assert_int_equal(n, need);
            assert_int_equal(smpp_pdu_encode(&a, buf, n - 1, &need), SH_ETOOBIG);
            assert_int_equal(smpp_pdu_encode(&a, buf, n, &need), SH_OK);
            if (smpp_pdu_decode(buf, n, &b) != SH_OK)
                fail_msg("%s: decode failed: %s", every[i].name, smpp_status_name(b.decode_status));
            assert_int_equal(b.command_length, n);
            if (!smpp_pdu_equal(&a, &b))
                fail_msg("%s (tlvs %d): round trip differs", every[i].name, with_tlvs);
            assert_string_not_equal(smpp_command_name(every[i].id), "unknown");
            smpp_pdu_release(&a);
            smpp_pdu_release(&b);
        }
    }
    free(buf);
}

/* ---- malformed input ---- */

static size_t frame(unsigned char *out, uint32_t len, uint32_t id, const char *body_hex)
{
    size_t n;
    unsigned char hdr[16] = {0};
    hdr[0] = (unsigned char)(len >> 24);
    hdr[1] = (unsigned char)(len >> 16);
    hdr[2] = (unsigned char)(len >> 8);
    hdr[3] = (unsigned char)len;
    hdr[4] = (unsigned char)(id >> 24);
    hdr[5] = (unsigned char)(id >> 16);
    hdr[6] = (unsigned char)(id >> 8);
    hdr[7] = (unsigned char)id;
    hdr[15] = 0x2A;
    memcpy(out, hdr, 16);
    n = 16 + unhex(body_hex, out + 16, 4096);
    if (len == 0) { /* 0 = compute */
        out[0] = (unsigned char)(n >> 24);
        out[1] = (unsigned char)(n >> 16);
        out[2] = (unsigned char)(n >> 8);
        out[3] = (unsigned char)n;
    }
    return n;
}

#define SM_HEAD "00 05 00 534d5348554200 01 01 39393800 00 00 00 00 00 01 00 00 00 "

static const struct bad_case {
    const char *name;
    uint32_t len; /* 0: the real length */
    uint32_t id;
    const char *body;
    size_t cut; /* when non-zero, pass only this many octets */
    uint32_t status;
} bad_cases[] = {
    {"15 octets", 0, SMPP_CMD_ENQUIRE_LINK, "", 15, SMPP_ESME_RINVCMDLEN},
    {"empty", 0, SMPP_CMD_ENQUIRE_LINK, "", 1, SMPP_ESME_RINVCMDLEN},
    {"length 8", 8, SMPP_CMD_ENQUIRE_LINK, "", 0, SMPP_ESME_RINVCMDLEN},
    {"length 0", 0x7FFFFFFF, SMPP_CMD_ENQUIRE_LINK, "", 0, SMPP_ESME_RINVCMDLEN},
    {"length beyond buffer", 0x20, SMPP_CMD_ENQUIRE_LINK, "", 0, SMPP_ESME_RINVCMDLEN},
    {"length 0xFFFFFFFF", 0xFFFFFFFF, SMPP_CMD_SUBMIT_SM, SM_HEAD "00", 0, SMPP_ESME_RINVCMDLEN},
    {"unknown command id", 0, 0x00000099, "", 0, SMPP_ESME_RINVCMDID},
    {"unknown response id", 0, 0x80000099, "", 0, SMPP_ESME_RINVCMDID},
    {"submit_multi unsupported", 0, 0x00000021, "00", 0, SMPP_ESME_RINVCMDID},
    {"enquire_link with a body", 0, SMPP_CMD_ENQUIRE_LINK, "00", 0, SMPP_ESME_RINVCMDLEN},
    {"bind body cut in system_id", 0, SMPP_CMD_BIND_TRANSMITTER, "616263", 0, SMPP_ESME_RINVCMDLEN},
    {"bind body missing fields", 0, SMPP_CMD_BIND_TRANSMITTER, "6100 6200 00 34", 0,
     SMPP_ESME_RINVCMDLEN},
    {"bind empty body", 0, SMPP_CMD_BIND_TRANSMITTER, "", 0, SMPP_ESME_RINVCMDLEN},
    {"system_id without NUL in 16", 0, SMPP_CMD_BIND_TRANSCEIVER,
     "41414141414141414141414141414141 41 00 00 00 34 00 00 00", 0, SMPP_ESME_RINVSYSID},
    {"password without NUL in 9", 0, SMPP_CMD_BIND_TRANSCEIVER,
     "4100 41414141414141414141 00 00 34 00 00 00", 0, SMPP_ESME_RINVPASWD},
    {"service_type without NUL in 6", 0, SMPP_CMD_SUBMIT_SM, "41414141414141 00 00 00 00", 0,
     SMPP_ESME_RINVSERTYP},
    {"source_addr without NUL in 21", 0, SMPP_CMD_SUBMIT_SM,
     "00 01 01 313131313131313131313131313131313131313131 00 01 01 3100 00 00 00 00 00 00 00 00 00 "
     "00 00",
     0, SMPP_ESME_RINVSRCADR},
    {"destination_addr without NUL in 21", 0, SMPP_CMD_SUBMIT_SM,
     "00 01 01 3100 01 01 313131313131313131313131313131313131313131 00 00 00 00 00 00 00 00 00 00 "
     "00",
     0, SMPP_ESME_RINVDSTADR},
    {"schedule_delivery_time without NUL in 17", 0, SMPP_CMD_SUBMIT_SM,
     "00 01 01 3100 01 01 3100 00 00 00 3030303030303030303030303030303030 00 00 00 00 00 00 00", 0,
     SMPP_ESME_RINVSCHED},
    {"message_id without NUL in 65", 0, SMPP_CMD_QUERY_SM,
     "3131313131313131313131313131313131313131313131313131313131313131"
     "3131313131313131313131313131313131313131313131313131313131313131 31 00 00 00",
     0, SMPP_ESME_RINVMSGID},
    {"sm_length beyond body", 0, SMPP_CMD_SUBMIT_SM, SM_HEAD "0A 48656c6c6f", 0,
     SMPP_ESME_RINVMSGLEN},
    {"sm_length 255", 0, SMPP_CMD_SUBMIT_SM, SM_HEAD "FF 48656c6c6f", 0, SMPP_ESME_RINVMSGLEN},
    {"body ends before sm_length", 0, SMPP_CMD_SUBMIT_SM, "00 05 00 4100 01 01 3100 00 00 00 00 00",
     0, SMPP_ESME_RINVCMDLEN},
    {"TLV length beyond body", 0, SMPP_CMD_SUBMIT_SM, SM_HEAD "00 0424 0010 4142", 0,
     SMPP_ESME_RINVOPTPARSTREAM},
    {"TLV header cut", 0, SMPP_CMD_SUBMIT_SM, SM_HEAD "00 0424", 0, SMPP_ESME_RINVOPTPARSTREAM},
    {"TLV one stray octet", 0, SMPP_CMD_DELIVER_SM, SM_HEAD "00 02", 0, SMPP_ESME_RINVOPTPARSTREAM},
    {"sar_total_segments of 2 octets", 0, SMPP_CMD_SUBMIT_SM, SM_HEAD "00 020E 0002 0001", 0,
     SMPP_ESME_RINVPARLEN},
    {"message_state of 0 octets", 0, SMPP_CMD_DELIVER_SM, SM_HEAD "00 0427 0000", 0,
     SMPP_ESME_RINVPARLEN},
    {"receipted_message_id of 66 octets", 0, SMPP_CMD_DELIVER_SM,
     SM_HEAD "00 001E 0042 "
             "3131313131313131313131313131313131313131313131313131313131313131"
             "3131313131313131313131313131313131313131313131313131313131313131 3100",
     0, SMPP_ESME_RINVPARLEN},
    {"two message_payloads", 0, SMPP_CMD_SUBMIT_SM, SM_HEAD "00 0424 0001 41 0424 0001 42", 0,
     SMPP_ESME_RINVOPTPARSTREAM},
    {"TLV on unbind", 0, SMPP_CMD_UNBIND, "0210 0001 34", 0, SMPP_ESME_RINVCMDLEN},
    {"submit_sm_resp status 0 without body", 0, SMPP_CMD_SUBMIT_SM_RESP, "", 0,
     SMPP_ESME_RINVCMDLEN},
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        unsigned char buf[4096];
        struct smpp_pdu p;
        size_t n = frame(buf, c->len, c->id, c->body);
        if (c->len == 0x7FFFFFFF) { /* command_length 0 */
            memset(buf, 0, 4);
        }
        if (c->cut)
            n = c->cut - (c->cut == 1); /* "empty" passes 0 octets */
        /* exact-size copy so ASan sees any read past the input */
        unsigned char *exact = malloc(n ? n : 1);
        memcpy(exact, buf, n);
        int st = smpp_pdu_decode(exact, n, &p);
        free(exact);
        if (st != SH_EINVAL || p.decode_status != c->status)
            fail_msg("%s: got %d / %s, want %s", c->name, st, smpp_status_name(p.decode_status),
                     smpp_status_name(c->status));
        assert_null(p.payload);
        smpp_pdu_release(&p);
    }
}

static void test_too_many_tlvs(void **state)
{
    unsigned char buf[4096];
    char body[4096] = SM_HEAD "00";
    struct smpp_pdu p;
    size_t n;
    (void)state;
    for (int i = 0; i <= SMPP_TLV_MAX; i++)
        strcat(body, " 1400 0001 41");
    n = frame(buf, 0, SMPP_CMD_SUBMIT_SM, body);
    assert_int_equal(smpp_pdu_decode(buf, n, &p), SH_EINVAL);
    assert_int_equal(p.decode_status, SMPP_ESME_RINVOPTPARSTREAM);
    /* exactly SMPP_TLV_MAX is fine */
    strcpy(body, SM_HEAD "00");
    for (int i = 0; i < SMPP_TLV_MAX; i++)
        strcat(body, " 1400 0001 41");
    n = frame(buf, 0, SMPP_CMD_SUBMIT_SM, body);
    assert_int_equal(smpp_pdu_decode(buf, n, &p), SH_OK);
    assert_int_equal(p.tlv_count, SMPP_TLV_MAX);
    smpp_pdu_release(&p);
}

static void test_lenient_accepts(void **state)
{
    unsigned char buf[256];
    struct smpp_pdu p;
    size_t n;
    (void)state;
    /* deliver_sm_resp as a bare header */
    n = frame(buf, 0, SMPP_CMD_DELIVER_SM_RESP, "");
    assert_int_equal(smpp_pdu_decode(buf, n, &p), SH_OK);
    assert_string_equal(p.message_id, "");
    /* bind_transmitter_resp with an error and no body */
    n = frame(buf, 0, SMPP_CMD_BIND_TRANSMITTER_RESP, "");
    buf[11] = SMPP_ESME_RINVPASWD;
    assert_int_equal(smpp_pdu_decode(buf, n, &p), SH_OK);
    assert_int_equal(p.command_status, SMPP_ESME_RINVPASWD);
    /* submit_sm_resp with an error and a message_id anyway */
    n = frame(buf, 0, SMPP_CMD_SUBMIT_SM_RESP, "414200");
    buf[11] = SMPP_ESME_RSUBMITFAIL;
    assert_int_equal(smpp_pdu_decode(buf, n, &p), SH_OK);
    assert_string_equal(p.message_id, "AB");
    /* trailing octets after command_length are not read */
    n = frame(buf, 0, SMPP_CMD_ENQUIRE_LINK, "");
    memset(buf + n, 0xFF, 8);
    assert_int_equal(smpp_pdu_decode(buf, n + 8, &p), SH_OK);
    assert_int_equal(p.command_length, 16);
    /* unknown TLVs of any length are kept */
    n = frame(buf, 0, SMPP_CMD_DATA_SM, "00 01 01 3100 01 01 3200 00 00 00 1500 0003 414243");
    assert_int_equal(smpp_pdu_decode(buf, n, &p), SH_OK);
    assert_int_equal(p.tlv_count, 1);
    assert_int_equal(p.tlvs[0].tag, 0x1500);
    /* NULL input */
    assert_int_equal(smpp_pdu_decode(NULL, 16, &p), SH_EINVAL);
    assert_int_equal(p.decode_status, SMPP_ESME_RSYSERR);
    assert_int_equal(smpp_pdu_decode(buf, n, NULL), SH_EINVAL);
}

/* ---- error replies ---- */

static void test_error_reply(void **state)
{
    static const struct {
        uint32_t id;
        const char *body;
        uint32_t len;
        uint32_t reply_id;
        uint32_t status;
    } cases[] = {
        {SMPP_CMD_SUBMIT_SM,
         "00 01 01 313131313131313131313131313131313131313131 00 01 01 3100 00 00 00 00 00 00 00 "
         "00 00 00 00",
         0, SMPP_CMD_SUBMIT_SM_RESP, SMPP_ESME_RINVSRCADR},
        {SMPP_CMD_SUBMIT_SM, SM_HEAD "0A 41", 0, SMPP_CMD_SUBMIT_SM_RESP, SMPP_ESME_RINVMSGLEN},
        {0x00000077, "", 0, SMPP_CMD_GENERIC_NACK, SMPP_ESME_RINVCMDID},
        {SMPP_CMD_ENQUIRE_LINK, "", 9, SMPP_CMD_GENERIC_NACK, SMPP_ESME_RINVCMDLEN},
        {SMPP_CMD_ENQUIRE_LINK, "00", 0, SMPP_CMD_GENERIC_NACK, SMPP_ESME_RINVCMDLEN},
        {SMPP_CMD_SUBMIT_SM_RESP, "41", 0, SMPP_CMD_GENERIC_NACK, SMPP_ESME_RINVCMDLEN},
        {SMPP_CMD_BIND_TRANSCEIVER, "41414141414141414141414141414141 41 00", 0,
         SMPP_CMD_BIND_TRANSCEIVER_RESP, SMPP_ESME_RINVSYSID},
        /* outbind has no response: generic_nack */
        {SMPP_CMD_OUTBIND, "41414141414141414141414141414141 41 00", 0, SMPP_CMD_GENERIC_NACK,
         SMPP_ESME_RINVSYSID},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char buf[512];
        struct smpp_pdu bad, reply;
        size_t n = frame(buf, cases[i].len, cases[i].id, cases[i].body);
        assert_int_equal(smpp_pdu_decode(buf, n, &bad), SH_EINVAL);
        assert_int_equal(smpp_pdu_error_reply(&bad, &reply), SH_OK);
        if (reply.command_id != cases[i].reply_id || reply.command_status != cases[i].status)
            fail_msg("case %zu: reply %s/%s", i, smpp_command_name(reply.command_id),
                     smpp_status_name(reply.command_status));
        assert_int_equal(reply.sequence_number, 0x2A);
        /* the reply encodes as a bare header */
        assert_int_equal(smpp_pdu_encode(&reply, buf, sizeof(buf), &n), SH_OK);
        assert_int_equal(n, 16);
    }
    /* never nack a nack */
    {
        unsigned char buf[64];
        struct smpp_pdu bad, reply;
        size_t n = frame(buf, 0, SMPP_CMD_GENERIC_NACK, "00");
        assert_int_equal(smpp_pdu_decode(buf, n, &bad), SH_EINVAL);
        assert_int_equal(smpp_pdu_error_reply(&bad, &reply), SH_EINVAL);
    }
}

/* ---- encoder refusals ---- */

static void test_encode_rejects(void **state)
{
    unsigned char buf[512];
    struct smpp_pdu p;
    size_t n;
    (void)state;
    smpp_pdu_init(&p, 0x12345, 1);
    assert_int_equal(smpp_pdu_encode(&p, buf, sizeof(buf), &n), SH_EINVAL);
    /* source_addr of 21 characters leaves no room for the NUL in submit_sm */
    smpp_pdu_init(&p, SMPP_CMD_SUBMIT_SM, 1);
    memset(p.source_addr, '1', 21);
    assert_int_equal(smpp_pdu_encode(&p, buf, sizeof(buf), &n), SH_EINVAL);
    /* but data_sm allows 64 */
    p.command_id = SMPP_CMD_DATA_SM;
    assert_int_equal(smpp_pdu_encode(&p, buf, sizeof(buf), &n), SH_OK);
    /* a member with no NUL at all */
    smpp_pdu_init(&p, SMPP_CMD_BIND_TRANSMITTER, 1);
    memset(p.system_id, 'x', sizeof(p.system_id));
    assert_int_equal(smpp_pdu_encode(&p, buf, sizeof(buf), &n), SH_EINVAL);
    /* TLVs on a PDU without an optional part */
    smpp_pdu_init(&p, SMPP_CMD_ENQUIRE_LINK, 1);
    assert_int_equal(smpp_pdu_tlv_set_u8(&p, SMPP_TLV_MESSAGE_STATE, 1), SH_OK);
    assert_int_equal(smpp_pdu_encode(&p, buf, sizeof(buf), &n), SH_EINVAL);
    /* an error response that carries TLVs keeps its body */
    smpp_pdu_init(&p, SMPP_CMD_DATA_SM_RESP, 3);
    p.command_status = SMPP_ESME_RDELIVERYFAILURE;
    assert_int_equal(smpp_pdu_tlv_set_u8(&p, SMPP_TLV_DELIVERY_FAILURE_REASON, 1), SH_OK);
    assert_int_equal(smpp_pdu_encode(&p, buf, sizeof(buf), &n), SH_OK);
    assert_int_equal(n, 16 + 1 + 5);
    /* NULL arguments */
    assert_int_equal(smpp_pdu_encode(NULL, buf, sizeof(buf), &n), SH_EINVAL);
    assert_int_equal(smpp_pdu_encode(&p, buf, sizeof(buf), NULL), SH_EINVAL);
    assert_int_equal(smpp_pdu_set_short_message(&p, buf, 255), SH_ETOOBIG);
    assert_int_equal(smpp_pdu_set_short_message(&p, NULL, 1), SH_EINVAL);
}

/* ---- TLV list ---- */

static void test_tlv_api(void **state)
{
    struct smpp_pdu p;
    const unsigned char *v;
    size_t n;
    uint16_t ref = 0, u16 = 0;
    uint8_t total = 0, seq = 0, u8 = 0, type = 0;
    char s[8];
    (void)state;
    smpp_pdu_init(&p, SMPP_CMD_SUBMIT_SM, 1);
    assert_int_equal(smpp_pdu_tlv_get(&p, SMPP_TLV_MESSAGE_STATE, &v, &n), SH_ENOTFOUND);
    assert_int_equal(smpp_pdu_get_sar(&p, &ref, &total, &seq), SH_ENOTFOUND);
    /* bounds of known tags */
    assert_int_equal(smpp_pdu_tlv_set(&p, SMPP_TLV_SAR_MSG_REF_NUM, "\1", 1), SH_EINVAL);
    assert_int_equal(smpp_pdu_tlv_set(&p, SMPP_TLV_NETWORK_ERROR_CODE, "\1\2", 2), SH_EINVAL);
    assert_int_equal(smpp_pdu_set_sar(&p, 1, 2, 3), SH_EINVAL);
    assert_int_equal(smpp_pdu_set_sar(&p, 1, 0, 0), SH_EINVAL);
    assert_int_equal(smpp_pdu_tlv_set(&p, 0x1400, NULL, 3), SH_EINVAL);
    /* set replaces */
    assert_int_equal(smpp_pdu_tlv_set(&p, 0x1400, "abc", 3), SH_OK);
    assert_int_equal(smpp_pdu_set_sar(&p, 7, 2, 1), SH_OK);
    assert_int_equal(smpp_pdu_set_sar(&p, 8, 2, 2), SH_OK);
    assert_int_equal(p.tlv_count, 4);
    assert_int_equal(smpp_pdu_get_sar(&p, &ref, &total, &seq), SH_OK);
    assert_int_equal(ref, 8);
    assert_int_equal(total, 2);
    assert_int_equal(seq, 2);
    assert_int_equal(smpp_pdu_tlv_get(&p, 0x1400, &v, &n), SH_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(v, "abc", 3);
    /* delete compacts the data */
    assert_int_equal(smpp_pdu_tlv_del(&p, 0x1400), 1);
    assert_int_equal(smpp_pdu_tlv_del(&p, 0x1400), 0);
    assert_int_equal(p.tlv_used, 4);
    assert_int_equal(smpp_pdu_get_sar(&p, &ref, &total, &seq), SH_OK);
    assert_int_equal(ref, 8);
    /* typed reads check the length */
    assert_int_equal(smpp_pdu_tlv_set(&p, 0x1500, "xy", 2), SH_OK);
    assert_int_equal(smpp_pdu_tlv_get_u8(&p, 0x1500, &u8), SH_EINVAL);
    assert_int_equal(smpp_pdu_tlv_get_u16(&p, 0x1500, &u16), SH_OK);
    assert_int_equal(u16, 0x7879);
    assert_int_equal(smpp_pdu_tlv_get_cstr(&p, 0x1500, s, sizeof(s)), SH_OK);
    assert_string_equal(s, "xy");
    assert_int_equal(smpp_pdu_tlv_get_cstr(&p, 0x1500, s, 2), SH_ETOOBIG);
    assert_int_equal(smpp_pdu_tlv_set_cstr(&p, SMPP_TLV_RECEIPTED_MESSAGE_ID, "12"), SH_OK);
    assert_int_equal(smpp_pdu_tlv_get_cstr(&p, SMPP_TLV_RECEIPTED_MESSAGE_ID, s, 3), SH_OK);
    assert_string_equal(s, "12");
    assert_int_equal(smpp_pdu_set_network_error_code(&p, 3, 0xABCD), SH_OK);
    assert_int_equal(smpp_pdu_get_network_error_code(&p, &type, &u16), SH_OK);
    assert_int_equal(type, 3);
    assert_int_equal(u16, 0xABCD);
    /* payload */
    assert_int_equal(smpp_pdu_get_payload(&p, &v, &n), SH_ENOTFOUND);
    assert_int_equal(smpp_pdu_set_payload(&p, "", 0), SH_OK);
    assert_int_equal(smpp_pdu_get_payload(&p, &v, &n), SH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(smpp_pdu_set_payload(&p, "long", 4), SH_OK);
    v = smpp_pdu_message(&p, &n);
    assert_int_equal(n, 4);
    assert_memory_equal(v, "long", 4);
    assert_int_equal(smpp_pdu_tlv_del(&p, SMPP_TLV_MESSAGE_PAYLOAD), 1);
    smpp_pdu_set_short_message(&p, "sm", 2);
    v = smpp_pdu_message(&p, &n);
    assert_int_equal(n, 2);
    smpp_pdu_release(&p);
    smpp_pdu_release(&p);
    smpp_pdu_release(NULL);
}

static void test_tlv_full(void **state)
{
    struct smpp_pdu p;
    static unsigned char big[SMPP_TLV_DATA_MAX];
    (void)state;
    smpp_pdu_init(&p, SMPP_CMD_SUBMIT_SM, 1);
    for (int i = 0; i < SMPP_TLV_MAX; i++)
        assert_int_equal(smpp_pdu_tlv_set_u8(&p, (uint16_t)(0x1400 + i), 1), SH_OK);
    assert_int_equal(smpp_pdu_tlv_set_u8(&p, 0x1300, 1), SH_ETOOBIG);
    assert_int_equal(smpp_pdu_set_sar(&p, 1, 1, 1), SH_ETOOBIG);
    assert_int_equal(p.tlv_count, SMPP_TLV_MAX);
    /* replacing an existing tag works when full */
    assert_int_equal(smpp_pdu_tlv_set_u8(&p, 0x1400, 2), SH_OK);
    /* payload does not count against the list */
    assert_int_equal(smpp_pdu_set_payload(&p, "x", 1), SH_OK);
    smpp_pdu_release(&p);
    smpp_pdu_init(&p, SMPP_CMD_SUBMIT_SM, 1);
    assert_int_equal(smpp_pdu_tlv_set(&p, 0x1400, big, sizeof(big)), SH_OK);
    assert_int_equal(smpp_pdu_tlv_set(&p, 0x1401, big, 1), SH_ETOOBIG);
    assert_int_equal(smpp_pdu_tlv_set(&p, 0x1400, big, 10), SH_OK);
    assert_int_equal(p.tlv_used, 10);
    smpp_pdu_release(&p);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(smpp_command_name(SMPP_CMD_SUBMIT_SM), "submit_sm");
    assert_string_equal(smpp_command_name(SMPP_CMD_GENERIC_NACK), "generic_nack");
    assert_string_equal(smpp_command_name(SMPP_CMD_DATA_SM_RESP), "data_sm_resp");
    assert_string_equal(smpp_command_name(0x21), "unknown");
    assert_string_equal(smpp_status_name(0), "ESME_ROK");
    assert_string_equal(smpp_status_name(0x58), "ESME_RTHROTTLED");
    assert_string_equal(smpp_status_name(0x14), "ESME_RMSGQFUL");
    assert_string_equal(smpp_status_name(0x0A), "ESME_RINVSRCADR");
    assert_string_equal(smpp_status_name(0x66), "ESME_RX_R_APPN");
    assert_string_equal(smpp_status_name(0xFF), "ESME_RUNKNOWNERR");
    assert_string_equal(smpp_status_name(0x09), "unknown");
    assert_string_equal(smpp_tlv_name(0x0424), "message_payload");
    assert_string_equal(smpp_tlv_name(0x001E), "receipted_message_id");
    assert_string_equal(smpp_tlv_name(0x7777), "unknown");
    assert_string_equal(smpp_state_name(SMPP_STATE_UNDELIVERABLE), "UNDELIVERABLE");
    assert_string_equal(smpp_state_name(0), "unknown");
    assert_string_equal(smpp_state_name(-1), "unknown");
    assert_int_equal(SMPP_ESME_RINVCMDLEN, 0x02);
    assert_int_equal(SMPP_ESME_RBINDFAIL, 0x0D);
    assert_int_equal(SMPP_TLV_SAR_SEGMENT_SEQNUM, 0x020F);
    assert_true(smpp_command_known(SMPP_CMD_OUTBIND));
    assert_false(smpp_command_known(SMPP_CMD_OUTBIND | SMPP_RESP_BIT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_frames),
        cmocka_unit_test(test_decoded_receipt_fields),
        cmocka_unit_test(test_round_trip_every_pdu),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_too_many_tlvs),
        cmocka_unit_test(test_lenient_accepts),
        cmocka_unit_test(test_error_reply),
        cmocka_unit_test(test_encode_rejects),
        cmocka_unit_test(test_tlv_api),
        cmocka_unit_test(test_tlv_full),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
