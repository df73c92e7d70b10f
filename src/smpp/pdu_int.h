/*
 * pdu_int.h — what pdu.c and tlv.c share inside smpp/; not for other modules.
 *
 * The TLV store of struct smpp_pdu is written in one place (tlv.c); the decoder reaches it
 * through smpp_tlv_append_wire() so the length rules of pdu_def.h are applied the same way
 * to what we decode and to what callers set.
 */
#ifndef SH_SMPP_PDU_INT_H
#define SH_SMPP_PDU_INT_H

#include <stddef.h>
#include <stdint.h>

#include "smpp/pdu.h"

/*
 * Appends one TLV read off the wire (duplicates are kept in order; message_payload goes to
 * its own heap block). Returns 0, or the ESME status to answer: ESME_RINVPARLEN for a known
 * tag with a bad length, ESME_RINVOPTPARSTREAM when the list or tlv_data is full or for a
 * second message_payload. Borrows value; pdu is left unchanged on error.
 */
uint32_t smpp_tlv_append_wire(struct smpp_pdu *pdu, uint16_t tag, const unsigned char *value,
                              size_t len);

#endif
