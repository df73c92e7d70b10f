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

#endif
