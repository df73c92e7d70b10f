/*
 * frame.h — cuts an SMPP byte stream (a TCP connection) into whole PDUs.
 *
 * Sits in smpp/ below the session; knows only the 16-octet header. Invariants: the reader
 * holds at most one PDU at a time, and it checks command_length (16 <= length <= max) from a
 * complete header before it allocates anything for the body, so memory per connection never
 * exceeds max octets whatever the peer sends. After a bad length the stream cannot be
 * resynchronised: the reader stays failed, the caller answers generic_nack with
 * ESME_RINVCMDLEN (echoing bad_sequence) and closes the connection.
 *
 * Usage, per read():
 *     size_t off = 0;
 *     while (off < n) {
 *         size_t used;
 *         if (smpp_frame_feed(&fr, buf + off, n - off, &used) < 0) -> nack + close
 *         off += used;
 *         while (smpp_frame_next(&fr, &pdu, &len) == SH_OK) -> smpp_pdu_decode(pdu, len, …)
 *     }
 */
#ifndef SH_SMPP_FRAME_H
#define SH_SMPP_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* Default largest PDU: 4 KiB of mandatory fields and TLVs plus a full message_payload. */
#define SMPP_FRAME_DEFAULT_MAX 70000u
/* Largest max a caller may configure. */
#define SMPP_FRAME_HARD_MAX (1u << 20)

struct smpp_frame {
    size_t max;          /* largest command_length accepted */
    unsigned char *buf;  /* the PDU being assembled (header included); owned */
    size_t cap;          /* allocated size of buf, <= max */
    size_t have;         /* octets of the current PDU received */
    size_t need;         /* its command_length once the header is complete, else 0 */
    int ready;           /* a whole PDU waits for smpp_frame_next() */
    int failed;          /* 0, or the sticky error (SH_EINVAL / SH_ETOOBIG) */
    uint32_t bad_length; /* after a failure: the offending header, for the generic_nack */
    uint32_t bad_command_id;
    uint32_t bad_sequence;
};

/*
 * Starts a reader. max_pdu: the largest command_length to accept; 0 means
 * SMPP_FRAME_DEFAULT_MAX; values are clamped to [16, SMPP_FRAME_HARD_MAX].
 * Ownership: *f holds no memory until the first feed; release with smpp_frame_release().
 * One reader per connection; not thread-safe (one thread drives a connection).
 */
void smpp_frame_init(struct smpp_frame *f, size_t max_pdu);

/* Frees the buffer and returns f to the initial state (same max). Accepts NULL. */
void smpp_frame_release(struct smpp_frame *f);

/*
 * Consumes bytes from data[0 .. len) into the current PDU, stopping at the end of that PDU
 * (so one call takes at most one PDU; feed the rest after smpp_frame_next()).
 * Returns SH_OK with *used octets consumed (0 when a finished PDU has not been taken yet);
 *   SH_EINVAL when a header announces command_length < 16, SH_ETOOBIG when it announces more
 *   than max: the reader is then failed (every later call returns the same error, *used = 0)
 *   and bad_length / bad_command_id / bad_sequence hold the header read.
 * Ownership: borrows data for the call. Allocates at most max octets (aborts on OOM).
 */
int smpp_frame_feed(struct smpp_frame *f, const unsigned char *data, size_t len, size_t *used);

/*
 * Takes the finished PDU, if any: SH_OK with *pdu (borrowed: valid until the next feed or
 * release) and *len == its command_length; SH_AGAIN when none is complete; the sticky error
 * when failed.
 */
int smpp_frame_next(struct smpp_frame *f, const unsigned char **pdu, size_t *len);

#endif
