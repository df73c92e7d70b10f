/*
 * concat.h — concatenated-SMS helpers: the concatenation UDH (3GPP TS 23.040 §9.2.3.24.1
 * 8-bit reference, IEI 0x00; §9.2.3.24.8 16-bit reference, IEI 0x08) written into and read
 * out of short_message, and fixed-size splitting of user data.
 *
 * smpp/ only packs bytes: the caller (core) encodes the text and decides how many octets
 * go in each part, so an escape pair or surrogate pair is never split here. Pure functions
 * over caller memory, any thread.
 */
#ifndef SH_SMPP_CONCAT_H
#define SH_SMPP_CONCAT_H

#include <stddef.h>
#include <stdint.h>

#include "smpp/pdu.h"

#define SMPP_UDH_CONCAT8_LEN 6  /* 05 00 03 RR TT SS */
#define SMPP_UDH_CONCAT16_LEN 7 /* 06 08 04 RH RL TT SS */

struct smpp_concat {
    uint16_t ref;  /* reference shared by all parts; < 256 unless ref16 */
    uint8_t total; /* parts in the message, >= 1 */
    uint8_t seq;   /* this part, 1-based, <= total */
    int ref16;     /* 1: IEI 0x08 with a 16-bit reference; 0: IEI 0x00 */
};

struct smpp_udh {
    size_t len;     /* octets of the UDH including its length octet (UDHL + 1) */
    int has_concat; /* a well-formed concatenation IE was found */
    struct smpp_concat concat;
};

/*
 * Writes the concatenation UDH for c into out[cap].
 * Returns its length (6 or 7), or 0 when cap is too small or c is invalid (total 0, seq 0 or
 * > total, ref > 255 without ref16). Borrows c; writes out only.
 */
size_t smpp_udh_concat_write(const struct smpp_concat *c, unsigned char *out, size_t cap);

/*
 * Reads the UDH at the start of sm[0 .. len) (call it when esm_class has SMPP_ESM_UDHI).
 * Walks every information element; the first well-formed concatenation IE (0x00 or 0x08 with
 * total >= 1 and 1 <= seq <= total) fills out->concat, others are skipped.
 * Returns SH_OK; SH_EINVAL when len is 0, the UDH length runs past len, or an element runs
 * past the UDH (out->len is then 0). Borrows sm; writes *out.
 */
int smpp_udh_parse(const unsigned char *sm, size_t len, struct smpp_udh *out);

/*
 * Fills pdu's short_message with the UDH for c followed by chunk[0 .. n), sets sm_length and
 * the UDHI bit of esm_class. Returns SH_OK; SH_EINVAL for an invalid c or chunk NULL with
 * n > 0; SH_ETOOBIG when UDH + n > 254 (pdu unchanged). Borrows c and chunk.
 */
int smpp_concat_fill(struct smpp_pdu *pdu, const struct smpp_concat *c, const unsigned char *chunk,
                     size_t n);

/*
 * Uniform split of len octets into parts of per_part octets (the last may be shorter).
 * Returns the number of parts (0 when len or per_part is 0), saturating at 256 so callers
 * can reject anything over 255; for part seq (1-based) *off and *n give its octets when the
 * out pointers are non-NULL and seq is within the count.
 */
unsigned smpp_concat_split(size_t len, size_t per_part, unsigned seq, size_t *off, size_t *n);

#endif
