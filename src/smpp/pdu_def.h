/*
 * pdu_def.h — SMPP 3.4 declared once as data: command ids, command_status codes, the
 * mandatory body of every PDU we speak, and the TLVs we know (X-macro tables).
 *
 * Included by pdu.h (which turns the tables into enums) and walked by pdu.c (one codec for
 * every PDU). Adding a PDU is one line in SMPP_PDU_TABLE plus, if its body is new, one
 * SMPP_BODY_* list. Field sizes are the spec's maximum sizes and, for C-Octet Strings,
 * include the terminating NUL (SMPP 3.4 §3.1). submit_multi is not supported.
 */
#ifndef SH_SMPP_PDU_DEF_H
#define SH_SMPP_PDU_DEF_H

/* command_id values, SMPP 3.4 §5.1.2.1. A response is its request's id | 0x80000000. */
#define SMPP_RESP_BIT 0x80000000u
#define SMPP_CMD_GENERIC_NACK 0x80000000u
#define SMPP_CMD_BIND_RECEIVER 0x00000001u
#define SMPP_CMD_BIND_RECEIVER_RESP 0x80000001u
#define SMPP_CMD_BIND_TRANSMITTER 0x00000002u
#define SMPP_CMD_BIND_TRANSMITTER_RESP 0x80000002u
#define SMPP_CMD_QUERY_SM 0x00000003u
#define SMPP_CMD_QUERY_SM_RESP 0x80000003u
#define SMPP_CMD_SUBMIT_SM 0x00000004u
#define SMPP_CMD_SUBMIT_SM_RESP 0x80000004u
#define SMPP_CMD_DELIVER_SM 0x00000005u
#define SMPP_CMD_DELIVER_SM_RESP 0x80000005u
#define SMPP_CMD_UNBIND 0x00000006u
#define SMPP_CMD_UNBIND_RESP 0x80000006u
#define SMPP_CMD_REPLACE_SM 0x00000007u
#define SMPP_CMD_REPLACE_SM_RESP 0x80000007u
#define SMPP_CMD_CANCEL_SM 0x00000008u
#define SMPP_CMD_CANCEL_SM_RESP 0x80000008u
#define SMPP_CMD_BIND_TRANSCEIVER 0x00000009u
#define SMPP_CMD_BIND_TRANSCEIVER_RESP 0x80000009u
#define SMPP_CMD_OUTBIND 0x0000000Bu
#define SMPP_CMD_ENQUIRE_LINK 0x00000015u
#define SMPP_CMD_ENQUIRE_LINK_RESP 0x80000015u
#define SMPP_CMD_ALERT_NOTIFICATION 0x00000102u
#define SMPP_CMD_DATA_SM 0x00000103u
#define SMPP_CMD_DATA_SM_RESP 0x80000103u

/* command_status values, SMPP 3.4 §5.1.3: X(NAME, value) gives SMPP_ESME_NAME. */
#define SMPP_STATUS_TABLE(X)                                                                       \
    X(ROK, 0x00)                                                                                   \
    X(RINVMSGLEN, 0x01)                                                                            \
    X(RINVCMDLEN, 0x02)                                                                            \
    X(RINVCMDID, 0x03)                                                                             \
    X(RINVBNDSTS, 0x04)                                                                            \
    X(RALYBND, 0x05)                                                                               \
    X(RINVPRTFLG, 0x06)                                                                            \
    X(RINVREGDLVFLG, 0x07)                                                                         \
    X(RSYSERR, 0x08)                                                                               \
    X(RINVSRCADR, 0x0A)                                                                            \
    X(RINVDSTADR, 0x0B)                                                                            \
    X(RINVMSGID, 0x0C)                                                                             \
    X(RBINDFAIL, 0x0D)                                                                             \
    X(RINVPASWD, 0x0E)                                                                             \
    X(RINVSYSID, 0x0F)                                                                             \
    X(RCANCELFAIL, 0x11)                                                                           \
    X(RREPLACEFAIL, 0x13)                                                                          \
    X(RMSGQFUL, 0x14)                                                                              \
    X(RINVSERTYP, 0x15)                                                                            \
    X(RINVNUMDESTS, 0x33)                                                                          \
    X(RINVDLNAME, 0x34)                                                                            \
    X(RINVDESTFLAG, 0x40)                                                                          \
    X(RINVSUBREP, 0x42)                                                                            \
    X(RINVESMCLASS, 0x43)                                                                          \
    X(RCNTSUBDL, 0x44)                                                                             \
    X(RSUBMITFAIL, 0x45)                                                                           \
    X(RINVSRCTON, 0x48)                                                                            \
    X(RINVSRCNPI, 0x49)                                                                            \
    X(RINVDSTTON, 0x50)                                                                            \
    X(RINVDSTNPI, 0x51)                                                                            \
    X(RINVSYSTYP, 0x53)                                                                            \
    X(RINVREPFLAG, 0x54)                                                                           \
    X(RINVNUMMSGS, 0x55)                                                                           \
    X(RTHROTTLED, 0x58)                                                                            \
    X(RINVSCHED, 0x61)                                                                             \
    X(RINVEXPIRY, 0x62)                                                                            \
    X(RINVDFTMSGID, 0x63)                                                                          \
    X(RX_T_APPN, 0x64)                                                                             \
    X(RX_P_APPN, 0x65)                                                                             \
    X(RX_R_APPN, 0x66)                                                                             \
    X(RQUERYFAIL, 0x67)                                                                            \
    X(RINVOPTPARSTREAM, 0xC0)                                                                      \
    X(ROPTPARNOTALLWD, 0xC1)                                                                       \
    X(RINVPARLEN, 0xC2)                                                                            \
    X(RMISSINGOPTPARAM, 0xC3)                                                                      \
    X(RINVOPTPARAMVAL, 0xC4)                                                                       \
    X(RDELIVERYFAILURE, 0xFE)                                                                      \
    X(RUNKNOWNERR, 0xFF)                                                                           \
    /* SMPP 5.0 §4.7.6 only (3.4 has no data_coding error); peers on 3.4 may not know it */       \
    X(RINVDCS, 0x104)

/*
 * Mandatory body fields: F(KIND, member of struct smpp_pdu, max size, status if bad).
 * KIND: U8 one octet; CSTR a C-Octet String of at most `max` octets including its NUL;
 * SM the sm_length octet followed by that many octets of short_message (max 254).
 * "status if bad" is the ESME_R* answer when a CSTR has no NUL within its max.
 */
#define SMPP_BODY_NONE(F)

/* bind_transmitter / bind_receiver / bind_transceiver, SMPP 3.4 §4.1.1, §4.1.3, §4.1.5 */
#define SMPP_BODY_BIND(F)                                                                          \
    F(CSTR, system_id, 16, SMPP_ESME_RINVSYSID)                                                    \
    F(CSTR, password, 9, SMPP_ESME_RINVPASWD)                                                      \
    F(CSTR, system_type, 13, SMPP_ESME_RINVSYSTYP)                                                 \
    F(U8, interface_version, 0, 0)                                                                 \
    F(U8, addr_ton, 0, 0)                                                                          \
    F(U8, addr_npi, 0, 0)                                                                          \
    F(CSTR, address_range, 41, SMPP_ESME_RINVSRCADR)

/* bind_*_resp §4.1.2 (sc_interface_version rides as a TLV) */
#define SMPP_BODY_BIND_RESP(F) F(CSTR, system_id, 16, SMPP_ESME_RINVSYSID)

/* outbind §4.1.7 */
#define SMPP_BODY_OUTBIND(F)                                                                       \
    F(CSTR, system_id, 16, SMPP_ESME_RINVSYSID)                                                    \
    F(CSTR, password, 9, SMPP_ESME_RINVPASWD)

/* submit_sm §4.4.1 and deliver_sm §4.6.1 share one layout */
#define SMPP_BODY_SM(F)                                                                            \
    F(CSTR, service_type, 6, SMPP_ESME_RINVSERTYP)                                                 \
    F(U8, source_addr_ton, 0, 0)                                                                   \
    F(U8, source_addr_npi, 0, 0)                                                                   \
    F(CSTR, source_addr, 21, SMPP_ESME_RINVSRCADR)                                                 \
    F(U8, dest_addr_ton, 0, 0)                                                                     \
    F(U8, dest_addr_npi, 0, 0)                                                                     \
    F(CSTR, destination_addr, 21, SMPP_ESME_RINVDSTADR)                                            \
    F(U8, esm_class, 0, 0)                                                                         \
    F(U8, protocol_id, 0, 0)                                                                       \
    F(U8, priority_flag, 0, 0)                                                                     \
    F(CSTR, schedule_delivery_time, 17, SMPP_ESME_RINVSCHED)                                       \
    F(CSTR, validity_period, 17, SMPP_ESME_RINVEXPIRY)                                             \
    F(U8, registered_delivery, 0, 0)                                                               \
    F(U8, replace_if_present_flag, 0, 0)                                                           \
    F(U8, data_coding, 0, 0)                                                                       \
    F(U8, sm_default_msg_id, 0, 0)                                                                 \
    F(SM, short_message, 254, SMPP_ESME_RINVMSGLEN)

/* submit_sm_resp §4.4.2, deliver_sm_resp §4.6.2 (unused, one NUL), data_sm_resp §4.7.2 */
#define SMPP_BODY_MSGID(F) F(CSTR, message_id, 65, SMPP_ESME_RINVMSGID)

/* data_sm §4.7.1: addresses are 65 octets here, not 21 */
#define SMPP_BODY_DATA_SM(F)                                                                       \
    F(CSTR, service_type, 6, SMPP_ESME_RINVSERTYP)                                                 \
    F(U8, source_addr_ton, 0, 0)                                                                   \
    F(U8, source_addr_npi, 0, 0)                                                                   \
    F(CSTR, source_addr, 65, SMPP_ESME_RINVSRCADR)                                                 \
    F(U8, dest_addr_ton, 0, 0)                                                                     \
    F(U8, dest_addr_npi, 0, 0)                                                                     \
    F(CSTR, destination_addr, 65, SMPP_ESME_RINVDSTADR)                                            \
    F(U8, esm_class, 0, 0)                                                                         \
    F(U8, registered_delivery, 0, 0)                                                               \
    F(U8, data_coding, 0, 0)

/* query_sm §4.8.1 */
#define SMPP_BODY_QUERY(F)                                                                         \
    F(CSTR, message_id, 65, SMPP_ESME_RINVMSGID)                                                   \
    F(U8, source_addr_ton, 0, 0)                                                                   \
    F(U8, source_addr_npi, 0, 0)                                                                   \
    F(CSTR, source_addr, 21, SMPP_ESME_RINVSRCADR)

/* query_sm_resp §4.8.2 */
#define SMPP_BODY_QUERY_RESP(F)                                                                    \
    F(CSTR, message_id, 65, SMPP_ESME_RINVMSGID)                                                   \
    F(CSTR, final_date, 17, SMPP_ESME_RSYSERR)                                                     \
    F(U8, message_state, 0, 0)                                                                     \
    F(U8, error_code, 0, 0)

/* cancel_sm §4.9.1 */
#define SMPP_BODY_CANCEL(F)                                                                        \
    F(CSTR, service_type, 6, SMPP_ESME_RINVSERTYP)                                                 \
    F(CSTR, message_id, 65, SMPP_ESME_RINVMSGID)                                                   \
    F(U8, source_addr_ton, 0, 0)                                                                   \
    F(U8, source_addr_npi, 0, 0)                                                                   \
    F(CSTR, source_addr, 21, SMPP_ESME_RINVSRCADR)                                                 \
    F(U8, dest_addr_ton, 0, 0)                                                                     \
    F(U8, dest_addr_npi, 0, 0)                                                                     \
    F(CSTR, destination_addr, 21, SMPP_ESME_RINVDSTADR)

/* replace_sm §4.10.1 */
#define SMPP_BODY_REPLACE(F)                                                                       \
    F(CSTR, message_id, 65, SMPP_ESME_RINVMSGID)                                                   \
    F(U8, source_addr_ton, 0, 0)                                                                   \
    F(U8, source_addr_npi, 0, 0)                                                                   \
    F(CSTR, source_addr, 21, SMPP_ESME_RINVSRCADR)                                                 \
    F(CSTR, schedule_delivery_time, 17, SMPP_ESME_RINVSCHED)                                       \
    F(CSTR, validity_period, 17, SMPP_ESME_RINVEXPIRY)                                             \
    F(U8, registered_delivery, 0, 0)                                                               \
    F(U8, sm_default_msg_id, 0, 0)                                                                 \
    F(SM, short_message, 254, SMPP_ESME_RINVMSGLEN)

/* alert_notification §4.12.1 */
#define SMPP_BODY_ALERT(F)                                                                         \
    F(U8, source_addr_ton, 0, 0)                                                                   \
    F(U8, source_addr_npi, 0, 0)                                                                   \
    F(CSTR, source_addr, 65, SMPP_ESME_RINVSRCADR)                                                 \
    F(U8, esme_addr_ton, 0, 0)                                                                     \
    F(U8, esme_addr_npi, 0, 0)                                                                     \
    F(CSTR, esme_addr, 65, SMPP_ESME_RINVDSTADR)

/* Every body above, so pdu.c can build one field array per body. */
#define SMPP_BODY_LIST(X)                                                                          \
    X(NONE)                                                                                        \
    X(BIND)                                                                                        \
    X(BIND_RESP)                                                                                   \
    X(OUTBIND)                                                                                     \
    X(SM)                                                                                          \
    X(MSGID)                                                                                       \
    X(DATA_SM)                                                                                     \
    X(QUERY)                                                                                       \
    X(QUERY_RESP)                                                                                  \
    X(CANCEL)                                                                                      \
    X(REPLACE)                                                                                     \
    X(ALERT)

/*
 * PDU flags. TLV: an optional part (TLVs) may follow the mandatory body. BODY_OPT: the whole
 * mandatory body may be absent even with command_status 0 (deliver_sm_resp: many ESMEs send
 * a bare header). Any response with a non-zero command_status may omit its body (§4.4.2:
 * "the submit_sm_resp body is not returned if command_status is non-zero").
 */
#define SMPP_PF_TLV 0x1u
#define SMPP_PF_BODY_OPT 0x2u

/* Every PDU we speak: X(name, command_id, BODY, flags). TLVs are accepted on
 * submit_sm_resp and deliver_sm_resp too, as SMPP 5.0 peers send them there. */
#define SMPP_PDU_TABLE(X)                                                                          \
    X(generic_nack, SMPP_CMD_GENERIC_NACK, NONE, 0)                                                \
    X(bind_receiver, SMPP_CMD_BIND_RECEIVER, BIND, 0)                                              \
    X(bind_receiver_resp, SMPP_CMD_BIND_RECEIVER_RESP, BIND_RESP, SMPP_PF_TLV)                     \
    X(bind_transmitter, SMPP_CMD_BIND_TRANSMITTER, BIND, 0)                                        \
    X(bind_transmitter_resp, SMPP_CMD_BIND_TRANSMITTER_RESP, BIND_RESP, SMPP_PF_TLV)               \
    X(query_sm, SMPP_CMD_QUERY_SM, QUERY, 0)                                                       \
    X(query_sm_resp, SMPP_CMD_QUERY_SM_RESP, QUERY_RESP, 0)                                        \
    X(submit_sm, SMPP_CMD_SUBMIT_SM, SM, SMPP_PF_TLV)                                              \
    X(submit_sm_resp, SMPP_CMD_SUBMIT_SM_RESP, MSGID, SMPP_PF_TLV)                                 \
    X(deliver_sm, SMPP_CMD_DELIVER_SM, SM, SMPP_PF_TLV)                                            \
    X(deliver_sm_resp, SMPP_CMD_DELIVER_SM_RESP, MSGID, SMPP_PF_TLV | SMPP_PF_BODY_OPT)            \
    X(unbind, SMPP_CMD_UNBIND, NONE, 0)                                                            \
    X(unbind_resp, SMPP_CMD_UNBIND_RESP, NONE, 0)                                                  \
    X(replace_sm, SMPP_CMD_REPLACE_SM, REPLACE, 0)                                                 \
    X(replace_sm_resp, SMPP_CMD_REPLACE_SM_RESP, NONE, 0)                                          \
    X(cancel_sm, SMPP_CMD_CANCEL_SM, CANCEL, 0)                                                    \
    X(cancel_sm_resp, SMPP_CMD_CANCEL_SM_RESP, NONE, 0)                                            \
    X(bind_transceiver, SMPP_CMD_BIND_TRANSCEIVER, BIND, 0)                                        \
    X(bind_transceiver_resp, SMPP_CMD_BIND_TRANSCEIVER_RESP, BIND_RESP, SMPP_PF_TLV)               \
    X(outbind, SMPP_CMD_OUTBIND, OUTBIND, 0)                                                       \
    X(enquire_link, SMPP_CMD_ENQUIRE_LINK, NONE, 0)                                                \
    X(enquire_link_resp, SMPP_CMD_ENQUIRE_LINK_RESP, NONE, 0)                                      \
    X(alert_notification, SMPP_CMD_ALERT_NOTIFICATION, ALERT, SMPP_PF_TLV)                         \
    X(data_sm, SMPP_CMD_DATA_SM, DATA_SM, SMPP_PF_TLV)                                             \
    X(data_sm_resp, SMPP_CMD_DATA_SM_RESP, MSGID, SMPP_PF_TLV)

/*
 * Known TLVs, SMPP 3.4 §5.3.2: X(NAME, name, tag, min length, max length). The decoder and
 * smpp_pdu_tlv_set() reject a known tag whose length is outside [min, max]
 * (ESME_RINVPARLEN); the bounds are strict only for the TLVs smshub reads, the others are
 * here for their names and accepted at any length. Unknown tags are kept as they are.
 */
#define SMPP_TLV_TABLE(X)                                                                          \
    X(DEST_ADDR_SUBUNIT, dest_addr_subunit, 0x0005, 0, 65535)                                      \
    X(QOS_TIME_TO_LIVE, qos_time_to_live, 0x0017, 0, 65535)                                        \
    X(PAYLOAD_TYPE, payload_type, 0x0019, 0, 65535)                                                \
    X(ADDITIONAL_STATUS_INFO_TEXT, additional_status_info_text, 0x001D, 0, 65535)                  \
    X(RECEIPTED_MESSAGE_ID, receipted_message_id, 0x001E, 0, 65)                                   \
    X(MS_MSG_WAIT_FACILITIES, ms_msg_wait_facilities, 0x0030, 0, 65535)                            \
    X(PRIVACY_INDICATOR, privacy_indicator, 0x0201, 0, 65535)                                      \
    X(USER_MESSAGE_REFERENCE, user_message_reference, 0x0204, 2, 2)                                \
    X(USER_RESPONSE_CODE, user_response_code, 0x0205, 0, 65535)                                    \
    X(SOURCE_PORT, source_port, 0x020A, 0, 65535)                                                  \
    X(DESTINATION_PORT, destination_port, 0x020B, 0, 65535)                                        \
    X(SAR_MSG_REF_NUM, sar_msg_ref_num, 0x020C, 2, 2)                                              \
    X(LANGUAGE_INDICATOR, language_indicator, 0x020D, 0, 65535)                                    \
    X(SAR_TOTAL_SEGMENTS, sar_total_segments, 0x020E, 1, 1)                                        \
    X(SAR_SEGMENT_SEQNUM, sar_segment_seqnum, 0x020F, 1, 1)                                        \
    X(SC_INTERFACE_VERSION, sc_interface_version, 0x0210, 1, 1)                                    \
    X(CALLBACK_NUM, callback_num, 0x0381, 0, 65535)                                                \
    X(DPF_RESULT, dpf_result, 0x0420, 0, 65535)                                                    \
    X(MS_AVAILABILITY_STATUS, ms_availability_status, 0x0422, 0, 65535)                            \
    X(NETWORK_ERROR_CODE, network_error_code, 0x0423, 3, 3)                                        \
    X(MESSAGE_PAYLOAD, message_payload, 0x0424, 0, 65535)                                          \
    X(DELIVERY_FAILURE_REASON, delivery_failure_reason, 0x0425, 0, 65535)                          \
    X(MORE_MESSAGES_TO_SEND, more_messages_to_send, 0x0426, 0, 65535)                              \
    X(MESSAGE_STATE, message_state, 0x0427, 1, 1)                                                  \
    X(USSD_SERVICE_OP, ussd_service_op, 0x0501, 0, 65535)

/* message_state values, SMPP 3.4 §5.2.28: X(NAME, value). */
#define SMPP_STATE_TABLE(X)                                                                        \
    X(ENROUTE, 1)                                                                                  \
    X(DELIVERED, 2)                                                                                \
    X(EXPIRED, 3)                                                                                  \
    X(DELETED, 4)                                                                                  \
    X(UNDELIVERABLE, 5)                                                                            \
    X(ACCEPTED, 6)                                                                                 \
    X(UNKNOWN, 7)                                                                                  \
    X(REJECTED, 8)

#endif
