/*
 * smpp_drv.h — internals of the `smpp` provider driver shared by its files and its unit
 * tests: the submit_sm status → outcome table, text encoding for the wire (GSM 03.38
 * unpacked, Latin-1, UCS-2) with pair-safe cutting, and the receipt/part tracker.
 *
 * Providers see only provider.h and smpp/ (never core/), so the small GSM table here is the
 * driver's own. Everything runs on the engine thread.
 */
#ifndef SH_PROVIDERS_SMPP_DRV_H
#define SH_PROVIDERS_SMPP_DRV_H

#include "providers/provider.h"

#include <stddef.h>
#include <stdint.h>

/* ---- status map (smpp_text.c) ---- */

/*
 * The outcome of a submit_sm_resp (or generic_nack) with this command_status; the table is
 * documented in docs/internals/SMPP.md. Pure; any thread.
 */
enum provider_outcome smpp_drv_status_outcome(uint32_t command_status);

/* The delivery state a receipt's message_state (enum smpp_msg_state) means. */
enum provider_dlr smpp_drv_state_dlr(int message_state);

/* ---- text (smpp_text.c) ---- */

#define SMPP_DC_DEFAULT 0x00 /* SMSC default alphabet: GSM 03.38, one septet per octet */
#define SMPP_DC_LATIN1 0x03
#define SMPP_DC_UCS2 0x08

/*
 * Encodes UTF-8 text for data_coding `dc` (0, 3 or 8) into out[cap]. When a character has
 * no code in GSM (dc 0) or Latin-1 (dc 3) the whole text is encoded as UCS-2 instead.
 * Returns SH_OK with *len and *dc_used; SH_EINVAL on invalid UTF-8; SH_ETOOBIG when out is
 * too small (2 × strlen + 2 always suffices). Borrows text; writes out only.
 */
int smpp_text_encode(const char *text, uint8_t dc, unsigned char *out, size_t cap, size_t *len,
                     uint8_t *dc_used);

/*
 * Decodes data[0 .. len) of data_coding dc (0 GSM 03.38 unpacked, 1 ASCII, 8 UCS-2; any
 * other value as Latin-1) into UTF-8 in out[cap], NUL-terminated; invalid units become
 * U+FFFD. 3 × len + 5 octets always suffice; with less the text is cut. Returns its length.
 */
size_t smpp_text_decode(const unsigned char *data, size_t len, uint8_t dc, char *out, size_t cap);

/*
 * The longest prefix of data[0 .. len) of at most max octets that does not split a GSM escape
 * pair (dc 0), a UTF-16 unit or surrogate pair (dc 8). Returns 0 only when len is 0.
 */
size_t smpp_text_cut(const unsigned char *data, size_t len, uint8_t dc, size_t max);

/* ---- tracker (smpp_track.c): provider message ids → messages, receipts ---- */

struct smpp_track;
struct smpp_tmsg;

/* Creates a tracker that reports through report(arg, …). hold_ms: how long a receipt for an
 * id not yet known is kept waiting for its submit_sm_resp; ttl_ms / max: how long and how
 * many part ids are remembered. Returns new (smpp_track_free). */
struct smpp_track *smpp_track_new(provider_report_cb report, void *arg, int hold_ms,
                                  int64_t ttl_ms, size_t max);
void smpp_track_free(struct smpp_track *t);

/* A message of nparts parts about to be submitted. Returns it (owned by the tracker). */
struct smpp_tmsg *smpp_track_msg(struct smpp_track *t, int nparts);

/* Part answered: id = message_id when accepted (NULL when the part failed). */
void smpp_track_part(struct smpp_track *t, struct smpp_tmsg *m, const char *id);

/*
 * Every part is answered and the engine told. accepted: whether any part was accepted (then
 * *pmid gets the first accepted part's id). After this call m may be freed: do not use it.
 */
void smpp_track_answered(struct smpp_track *t, struct smpp_tmsg *m, char *pmid, size_t cap);

/* Frees a message the engine was never told about (driver close); the tracker frees the
 * others. Call after smpp_track_free, or for messages with no accepted part. */
void smpp_track_msg_free(struct smpp_tmsg *m);

/* Whether any part of m was accepted so far, and the first accepted id (borrowed) or NULL. */
const char *smpp_track_first_id(const struct smpp_tmsg *m);

/* A receipt: id from receipted_message_id or the text; status; error code or NULL. */
void smpp_track_receipt(struct smpp_track *t, const char *id, enum provider_dlr status,
                        const char *err);

/* Expires held receipts and old ids; call about once a second. */
void smpp_track_sweep(struct smpp_track *t);

/* Counts for logs and tests. */
size_t smpp_track_size(const struct smpp_track *t);

/* ---- MO reassembly (smpp_mo.c): concatenated deliver_sm parts → one inbound message ---- */

enum smpp_mo_kind { SMPP_MO_UDH8 = 1, SMPP_MO_UDH16, SMPP_MO_SAR };

#define SMPP_MO_GROUP_OCTETS 65536 /* octets of user data kept per message at most */

/* One part as it arrived (borrowed for the call). */
struct smpp_mo_part {
    const char *from, *to;
    uint8_t dc;
    const unsigned char *data; /* user data without the UDH */
    size_t len;
    enum smpp_mo_kind kind;
    uint16_t ref;
    uint8_t total, seq; /* total >= 2, 1 <= seq <= total */
};

struct smpp_mo;
struct smpp_mo_group;

/* Creates a reassembler holding at most max_groups messages for timeout_ms each.
 * Returns new (smpp_mo_free, which frees every group). */
struct smpp_mo *smpp_mo_new(int64_t timeout_ms, size_t max_groups);
void smpp_mo_free(struct smpp_mo *r);

enum smpp_mo_add_result {
    SMPP_MO_HELD = 0, /* kept; more parts are awaited */
    SMPP_MO_COMPLETE, /* *g has every part: store it, then smpp_mo_stored */
    SMPP_MO_DUP,      /* a part already held (or the message is being stored): ignored */
    SMPP_MO_TOOBIG,   /* the message would exceed SMPP_MO_GROUP_OCTETS: part dropped */
};

/*
 * Adds a part at monotonic time now. On SMPP_MO_COMPLETE *g is the message, marked as being
 * stored (it stays in the reassembler until smpp_mo_stored). When the reassembler is full
 * the oldest group is moved to the expired list first (smpp_mo_take_expired returns it).
 */
enum smpp_mo_add_result smpp_mo_add(struct smpp_mo *r, const struct smpp_mo_part *p, int64_t now,
                                    struct smpp_mo_group **g);

/*
 * The next group that timed out (or was evicted) at monotonic time now, marked as being
 * stored, or NULL. Store what arrived, then call smpp_mo_stored.
 */
struct smpp_mo_group *smpp_mo_take_expired(struct smpp_mo *r, int64_t now);

/*
 * The store of g finished: ok frees it; !ok puts it back (a resent part completes it again,
 * or it times out later).
 */
void smpp_mo_stored(struct smpp_mo *r, struct smpp_mo_group *g, int ok);

/*
 * The text of g (parts in order, runs of consecutive parts of one data_coding decoded
 * together so a character split across parts survives; missing parts skipped), returned new
 * (free()), with its sender, recipient, part counts and data_coding of the first part.
 */
char *smpp_mo_text(const struct smpp_mo_group *g, const char **from, const char **to,
                   int *received, int *total, uint8_t *dc);

/* Groups held (including those being stored). */
size_t smpp_mo_count(const struct smpp_mo *r);

/* ---- MO intake (smpp_inbound.c): deliver_sm that is not a receipt → env->inbound ---- */

struct smpp_inbound;
struct smpp_session;
struct smpp_pdu;

/* The MO intake of one driver instance: env borrowed (outlives it); parts of a concatenated
 * message wait timeout_ms. Returns new (smpp_inbound_free drops answers still owed). */
struct smpp_inbound *smpp_inbound_new(const struct provider_env *env, int64_t timeout_ms);
void smpp_inbound_free(struct smpp_inbound *in);

/*
 * An MO deliver_sm/data_sm on session s (borrowed for the call). Returns SMPP_DELIVER_DEFER
 * when the response is owed until the message is durable (or has already been written with
 * an error status), SMPP_DELIVER_ACK when the session should answer ROK now (a part held in
 * memory, a duplicate, a part dropped).
 */
int smpp_inbound_deliver(struct smpp_inbound *in, struct smpp_session *s,
                         const struct smpp_pdu *pdu);

/* Hands out concatenated messages whose parts timed out; call about once a second. */
void smpp_inbound_tick(struct smpp_inbound *in);

#endif
