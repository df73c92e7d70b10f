/*
 * receipt.h — lenient parser for SMSC delivery-receipt text, and message-id comparison.
 *
 * The text is the SMPP 3.4 Appendix B convention carried in a deliver_sm's short_message:
 *   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm
 *   stat:DDDDDDD err:E text:...
 * Appendix B calls the format SMSC-specific, so the parser accepts what carriers send:
 * keys in any case and any order, missing fields, extra spaces (also around ':'),
 * "submit_date"/"done_date", dates with or without seconds, err in decimal or hex. The first
 * occurrence of a key wins, so message text echoed in "text:" cannot override the fields
 * before it. Never reads past the given length; the input need not be NUL-terminated and
 * may hold any bytes. Pure functions, any thread.
 */
#ifndef SH_SMPP_RECEIPT_H
#define SH_SMPP_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "smpp/pdu.h" /* enum smpp_msg_state */

#define SMPP_RECEIPT_ID_MAX 65 /* octets including the NUL, as message_id */
#define SMPP_RECEIPT_TEXT_MAX 161

/* Bits of smpp_receipt.present. */
#define SMPP_RCPT_ID 0x01u
#define SMPP_RCPT_SUB 0x02u
#define SMPP_RCPT_DLVRD 0x04u
#define SMPP_RCPT_SUBMIT_DATE 0x08u
#define SMPP_RCPT_DONE_DATE 0x10u
#define SMPP_RCPT_STAT 0x20u
#define SMPP_RCPT_ERR 0x40u
#define SMPP_RCPT_TEXT 0x80u

/* A receipt date as written (the SMSC's clock; its zone is not given). */
struct smpp_receipt_time {
    int year; /* 2000 + YY */
    int month, day, hour, minute;
    int second; /* 0 when the SMSC sent no seconds */
    int has_seconds;
};

struct smpp_receipt {
    unsigned present; /* SMPP_RCPT_* bits of the fields found with a valid value */
    char id[SMPP_RECEIPT_ID_MAX];
    unsigned sub;   /* messages submitted (decimal) */
    unsigned dlvrd; /* messages delivered (decimal) */
    struct smpp_receipt_time submit_date;
    struct smpp_receipt_time done_date;
    int stat;           /* enum smpp_msg_state; SMPP_STATE_NONE when absent or unrecognised */
    char stat_text[16]; /* the stat word as sent (kept even when unrecognised) */
    char err[16];       /* the err value as sent */
    long err_code;      /* err read as decimal if all digits, else as hex; -1 if neither */
    char text[SMPP_RECEIPT_TEXT_MAX];
    size_t text_len; /* octets in text (it may hold NULs from the wire) */
};

/*
 * Parses receipt text s[0 .. len).
 * Accepts any bytes (s may be NULL when len is 0). A field whose value is malformed (a date
 * that is not 10 or 12 digits or not a real date, an id longer than 64 octets, sub/dlvrd not
 * 1-9 digits, err longer than 15) is left out of `present`; an unrecognised stat word sets
 * SMPP_RCPT_STAT with stat == SMPP_STATE_NONE and the word in stat_text. stat words:
 * DELIVRD/DELIVERED, EXPIRED, DELETED, UNDELIV/UNDELIVERABLE/UNDELIVERED/FAILED, ACCEPTD/
 * ACCEPTED, UNKNOWN, REJECTD/REJECTED, ENROUTE (any case). text runs to the end of input or to
 * the next recognised key and is truncated to SMPP_RECEIPT_TEXT_MAX - 1 octets.
 * Returns SH_OK when at least one field was recognised (its value may still be invalid),
 * SH_EINVAL when none was (not a receipt) or out is NULL. *out is always written.
 * Ownership: borrows s for the call; writes *out only.
 */
int smpp_receipt_parse(const char *s, size_t len, struct smpp_receipt *out);

/*
 * Seconds since 1970-01-01T00:00:00 of t read as UTC (the caller applies the SMSC's zone if
 * it knows it). t must come from a parsed receipt (valid ranges).
 */
int64_t smpp_receipt_time_epoch(const struct smpp_receipt_time *t);

/*
 * Whether two message ids name the same message when SMSCs disagree on hex vs decimal
 * (submit_sm_resp gives "0A3F", the receipt says "2623"). True when the strings are equal
 * ignoring ASCII case, or when both read as numbers of at most 64 bits and are equal as
 * decimal/decimal, hex/hex, hex/decimal or decimal/hex (leading zeros ignored). Ids with any
 * other character compare as strings only. Note the ambiguity this accepts: an all-digit id
 * is both a decimal and a hex number, so "10" equals "16" (hex 10). Match within one SMSC's
 * ids only. NULL never equals anything. Borrows both.
 */
int smpp_receipt_id_equal(const char *a, const char *b);

#endif
