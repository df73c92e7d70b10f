/*
 * pdu.h — SMPP 3.4 PDUs as one flat struct, and the one table-driven codec for them.
 *
 * Sits in smpp/, depends only on lib/. Knows bytes, not tenants, encodings or routing.
 * The PDUs, their mandatory fields and the known TLVs are declared once in pdu_def.h; the
 * encoder and the decoder walk that table with every read and write bounds-checked.
 * Invariants: a decoded struct never points into the input buffer (strings and short_message
 * are copied into fixed arrays, TLVs into tlv_data, message_payload into one heap block owned
 * by the struct and freed by smpp_pdu_release()); every C-Octet String member is
 * NUL-terminated after a successful decode. All functions are reentrant: no global state.
 */
#ifndef SH_SMPP_PDU_H
#define SH_SMPP_PDU_H

#include <stddef.h>
#include <stdint.h>

#include "smpp/pdu_def.h"

#define SMPP_HEADER_LEN 16
#define SMPP_SM_MAX 254        /* short_message octets, §4.4.1 */
#define SMPP_PAYLOAD_MAX 65535 /* message_payload octets: the TLV length is a u16 */
#define SMPP_TLV_MAX 32        /* TLVs kept per PDU, message_payload apart */
#define SMPP_TLV_DATA_MAX 2048 /* octets of TLV values kept per PDU, message_payload apart */
#define SMPP_INTERFACE_VERSION 0x34
#define SMPP_ESM_UDHI 0x40         /* esm_class: short_message starts with a UDH */
#define SMPP_ESM_TYPE_MASK 0x3C    /* esm_class bits 5-2: message type */
#define SMPP_ESM_TYPE_RECEIPT 0x04 /* esm_class type: SMSC delivery receipt (deliver_sm) */

#define SMPP_X_STATUS(n, v) SMPP_ESME_##n = v,
enum smpp_esme_status { SMPP_STATUS_TABLE(SMPP_X_STATUS) };
#undef SMPP_X_STATUS

#define SMPP_X_TLV(N, n, tag, lo, hi) SMPP_TLV_##N = tag,
enum smpp_tlv_tag { SMPP_TLV_TABLE(SMPP_X_TLV) };
#undef SMPP_X_TLV

#define SMPP_X_STATE(n, v) SMPP_STATE_##n = v,
enum smpp_msg_state { SMPP_STATE_NONE = 0, SMPP_STATE_TABLE(SMPP_X_STATE) };
#undef SMPP_X_STATE

/* One TLV other than message_payload: its value is tlv_data[off .. off + len). */
struct smpp_tlv {
    uint16_t tag;
    uint16_t len;
    uint16_t off;
};

/*
 * Every PDU in one flat struct: the header, the union of all mandatory fields (a PDU uses
 * the ones its SMPP_BODY_* list names; the others stay zero), and the optional part.
 * C-Octet String arrays are sized for the largest use (source_addr is 21 octets in
 * submit_sm but 65 in data_sm); the codec enforces each PDU's own limit.
 */
struct smpp_pdu {
    uint32_t command_length; /* set by decode and encode; ignored on input to encode */
    uint32_t command_id;
    uint32_t command_status;
    uint32_t sequence_number;

    char system_id[16];
    char password[9];
    char system_type[13];
    uint8_t interface_version;
    uint8_t addr_ton;
    uint8_t addr_npi;
    char address_range[41];

    char service_type[6];
    uint8_t source_addr_ton;
    uint8_t source_addr_npi;
    char source_addr[65];
    uint8_t dest_addr_ton;
    uint8_t dest_addr_npi;
    char destination_addr[65];
    uint8_t esm_class;
    uint8_t protocol_id;
    uint8_t priority_flag;
    char schedule_delivery_time[17];
    char validity_period[17];
    uint8_t registered_delivery;
    uint8_t replace_if_present_flag;
    uint8_t data_coding;
    uint8_t sm_default_msg_id;
    uint8_t sm_length;
    unsigned char short_message[SMPP_SM_MAX];

    char message_id[65];
    char final_date[17];
    uint8_t message_state; /* query_sm_resp mandatory field (the TLV is separate) */
    uint8_t error_code;
    uint8_t esme_addr_ton;
    uint8_t esme_addr_npi;
    char esme_addr[65];

    /* optional part: TLVs in wire order, then message_payload on its own */
    uint16_t tlv_count;
    uint16_t tlv_used; /* octets of tlv_data in use */
    struct smpp_tlv tlvs[SMPP_TLV_MAX];
    unsigned char tlv_data[SMPP_TLV_DATA_MAX];
    int has_payload;
    size_t payload_len;
    unsigned char *payload; /* owned; NULL when has_payload is 0 or payload_len is 0 */

    /* after smpp_pdu_decode() fails: the ESME_R* status to answer with */
    uint32_t decode_status;
};

/*
 * Starts an empty PDU. Accepts any command_id (the encoder rejects unknown ones).
 * Ownership: writes *pdu only; pdu holds no resources afterwards. Any thread.
 */
void smpp_pdu_init(struct smpp_pdu *pdu, uint32_t command_id, uint32_t sequence_number);

/*
 * Frees what pdu owns (message_payload) and leaves it empty as after smpp_pdu_init(pdu, 0, 0).
 * Accepts NULL (no-op) and an already released pdu. Any thread.
 */
void smpp_pdu_release(struct smpp_pdu *pdu);

/*
 * Decodes one PDU from in[0 .. len).
 * Accepts: a buffer starting with a PDU header; only the first command_length octets are
 *   read (trailing bytes are ignored), never more than len.
 * Returns SH_OK, or SH_EINVAL for any malformed input (in == NULL, out == NULL too). On error
 *   out->decode_status is the ESME_R* status to answer with (see smpp_pdu_error_reply) and
 *   the header fields are filled as far as they could be read:
 *   ESME_RINVCMDLEN  fewer than 16 octets; command_length < 16 or > len; the body ends inside
 *                    a mandatory field; octets left over after the body of a PDU that takes
 *                    no TLVs;
 *   ESME_RINVCMDID   unknown command_id;
 *   ESME_RINVMSGLEN  sm_length > 254 or beyond the end of the body;
 *   the field's own status (ESME_RINVSRCADR, ESME_RINVSYSID, …) when a C-Octet String has
 *                    no NUL within its maximum size;
 *   ESME_RINVOPTPARSTREAM  a TLV header or value runs past the end, more than SMPP_TLV_MAX
 *                    TLVs or SMPP_TLV_DATA_MAX octets of them, or a second message_payload;
 *   ESME_RINVPARLEN  a known TLV with a length outside its bounds (pdu_def.h).
 *   A response with a non-zero command_status may have no body (fields stay zero).
 * Ownership: borrows in for the call. *out is overwritten without being released first
 *   (release earlier content yourself); on SH_OK it may own a message_payload block, free it
 *   with smpp_pdu_release(); on error it owns nothing. Allocates at most payload length
 *   octets, itself bounded by command_length. Any thread; never blocks.
 */
int smpp_pdu_decode(const unsigned char *in, size_t len, struct smpp_pdu *out);

/*
 * Encodes pdu into out[0 .. cap); command_length is computed (pdu->command_length is
 * ignored and not updated).
 * Accepts: a PDU whose command_id is in pdu_def.h and whose strings each fit the PDU's limit
 *   with their NUL, sm_length <= 254, TLVs only on PDUs that take them. A response with a
 *   non-zero command_status whose mandatory fields are all empty/zero and that carries no TLV
 *   is written as a bare header (§4.4.2).
 * Returns SH_OK and *len = octets written; SH_ETOOBIG when cap is too small, with *len = the
 *   size needed (so out == NULL, cap == 0 measures); SH_EINVAL for an unknown command_id, a
 *   string too long or not terminated, sm_length > 254, TLVs where none are allowed, or
 *   NULL pdu/len. Nothing useful is in out unless SH_OK.
 * Ownership: borrows pdu and out. Any thread; never blocks, never allocates.
 */
int smpp_pdu_encode(const struct smpp_pdu *pdu, unsigned char *out, size_t cap, size_t *len);

/*
 * Builds the answer to a PDU that failed to decode: generic_nack when decode_status is
 * ESME_RINVCMDLEN or ESME_RINVCMDID or the bad PDU is itself a response; otherwise the
 * request's own response (command_id | 0x80000000). Both carry decode_status and echo the
 * sequence_number (0 when it could not be read).
 * Returns SH_OK, or SH_EINVAL (reply untouched) when bad is a generic_nack: never answer a
 * nack with a nack. Ownership: borrows bad, initialises *reply (holds no resources).
 */
int smpp_pdu_error_reply(const struct smpp_pdu *bad, struct smpp_pdu *reply);

/*
 * Whether a and b carry the same PDU: command_id, command_status, sequence_number, the
 * mandatory fields of that command, the TLV list in order, and message_payload.
 * command_length and decode_status are not compared. Returns 1 or 0. Borrows both.
 */
int smpp_pdu_equal(const struct smpp_pdu *a, const struct smpp_pdu *b);

/*
 * Whether command_id is one pdu_def.h declares. Returns 1 or 0.
 */
int smpp_command_known(uint32_t command_id);

/*
 * Copies len octets into short_message and sets sm_length.
 * Returns SH_OK, SH_ETOOBIG (len > 254, pdu unchanged), SH_EINVAL (data NULL with len > 0).
 */
int smpp_pdu_set_short_message(struct smpp_pdu *pdu, const void *data, size_t len);

/*
 * The user data of a submit_sm / deliver_sm / data_sm: message_payload when present, else
 * short_message. Returns borrowed bytes (valid until pdu changes or is released) and their
 * length in *len; never NULL.
 */
const unsigned char *smpp_pdu_message(const struct smpp_pdu *pdu, size_t *len);

/*
 * Names: "submit_sm", "ESME_RTHROTTLED", "message_payload", "DELIVERED". Static strings,
 * never NULL: "unknown" for values not in pdu_def.h. Any thread.
 */
const char *smpp_command_name(uint32_t command_id);
const char *smpp_status_name(uint32_t command_status);
const char *smpp_tlv_name(uint16_t tag);
const char *smpp_state_name(int message_state);

/* ---- TLVs (tlv.c). message_payload is reached through the same calls. ---- */

/*
 * Finds the first TLV with this tag. Returns SH_OK with *value (borrowed: valid until pdu
 * changes or is released; may be NULL when *len is 0) and *len; SH_ENOTFOUND.
 */
int smpp_pdu_tlv_get(const struct smpp_pdu *pdu, uint16_t tag, const unsigned char **value,
                     size_t *len);

/*
 * Replaces every TLV with this tag by one with the given value (copied; message_payload is
 * copied into a new heap block owned by pdu).
 * Returns SH_OK; SH_EINVAL for a known tag with a length outside its bounds, len > 65535, or
 * value NULL with len > 0; SH_ETOOBIG when the TLV list or tlv_data is full (pdu unchanged).
 */
int smpp_pdu_tlv_set(struct smpp_pdu *pdu, uint16_t tag, const void *value, size_t len);

/* Removes every TLV with this tag (message_payload included). Returns how many were removed. */
int smpp_pdu_tlv_del(struct smpp_pdu *pdu, uint16_t tag);

/*
 * Typed reads of one-octet, two-octet (big-endian) and C-Octet String TLVs: e.g.
 * smpp_pdu_tlv_get_u8(p, SMPP_TLV_MESSAGE_STATE, &st),
 * smpp_pdu_tlv_get_u16(p, SMPP_TLV_USER_MESSAGE_REFERENCE, &ref),
 * smpp_pdu_tlv_get_u8(p, SMPP_TLV_SC_INTERFACE_VERSION, &v).
 * Return SH_OK; SH_ENOTFOUND; SH_EINVAL when the TLV has the wrong length. get_cstr copies
 * the value up to its first NUL (or its end) and NUL-terminates; SH_ETOOBIG if out[cap] is
 * too small (out then holds ""). Borrow pdu; write only the out parameters.
 */
int smpp_pdu_tlv_get_u8(const struct smpp_pdu *pdu, uint16_t tag, uint8_t *v);
int smpp_pdu_tlv_get_u16(const struct smpp_pdu *pdu, uint16_t tag, uint16_t *v);
int smpp_pdu_tlv_get_cstr(const struct smpp_pdu *pdu, uint16_t tag, char *out, size_t cap);

/* Typed writes, same semantics and errors as smpp_pdu_tlv_set(); set_cstr sends the NUL. */
int smpp_pdu_tlv_set_u8(struct smpp_pdu *pdu, uint16_t tag, uint8_t v);
int smpp_pdu_tlv_set_u16(struct smpp_pdu *pdu, uint16_t tag, uint16_t v);
int smpp_pdu_tlv_set_cstr(struct smpp_pdu *pdu, uint16_t tag, const char *s);

/*
 * SAR concatenation TLVs (sar_msg_ref_num, sar_total_segments, sar_segment_seqnum).
 * get: SH_OK only when all three are present and well formed, else SH_ENOTFOUND/SH_EINVAL.
 * set: total >= 1 and 1 <= seq <= total, else SH_EINVAL; SH_ETOOBIG when the list is full.
 */
int smpp_pdu_get_sar(const struct smpp_pdu *pdu, uint16_t *ref, uint8_t *total, uint8_t *seq);
int smpp_pdu_set_sar(struct smpp_pdu *pdu, uint16_t ref, uint8_t total, uint8_t seq);

/*
 * network_error_code (3 octets: network type, then a u16 error code), §5.3.2.31.
 * Return values as the typed reads/writes above.
 */
int smpp_pdu_get_network_error_code(const struct smpp_pdu *pdu, uint8_t *type, uint16_t *code);
int smpp_pdu_set_network_error_code(struct smpp_pdu *pdu, uint8_t type, uint16_t code);

/*
 * message_payload: sets (copies len <= 65535 octets; len 0 gives an empty TLV) or reads it.
 * set returns SH_OK or SH_EINVAL; get returns SH_OK with borrowed *data (valid until pdu
 * changes) or SH_ENOTFOUND.
 */
int smpp_pdu_set_payload(struct smpp_pdu *pdu, const void *data, size_t len);
int smpp_pdu_get_payload(const struct smpp_pdu *pdu, const unsigned char **data, size_t *len);

#endif
