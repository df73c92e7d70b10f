/*
 * message.h — the send request (SPEC §4.1): validation and normalisation into a message row.
 *
 * Pure functions over a parsed JSON body: no I/O, any thread. The API layer authenticates,
 * parses JSON and turns field_errors into a 422; the store persists the row.
 */
#ifndef SH_CORE_MESSAGE_H
#define SH_CORE_MESSAGE_H

#include "core/field_error.h"
#include "lib/arena.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>

enum msg_type { MSG_TYPE_OTP = 0, MSG_TYPE_TRANSACTIONAL = 1, MSG_TYPE_MARKETING = 2 };

struct msg_limits {
    int max_segments;           /* body cap in SMS parts (default 10) */
    int64_t max_schedule_ahead; /* ms (default 365 days) */
    size_t max_metadata;        /* bytes of compact JSON (default 4096) */
};

/* The defaults named above. */
void msg_limits_default(struct msg_limits *l);

/* "otp" | "transactional" | "marketing" (also the API names). */
const char *msg_type_name(int t);

/*
 * Validates body (a JSON object) against SPEC §4.1 and fills *out for project_id: `to`
 * normalised to E.164 with its country, text cleaned of control characters and measured
 * (encoding, segments), priority from `type`, due time from `scheduled_at`. `id` is left
 * NULL for the caller. Strings are allocated in a. Returns 0 when valid; otherwise the
 * number of errors added to errs (every invalid field is reported, not just the first).
 */
int msg_request_parse(const json_t *body, const struct msg_limits *lim, int64_t now,
                      const char *project_id, struct arena *a, struct store_message *out,
                      struct field_errors *errs);

/* SHA-256 of the canonical form of body (sorted keys, compact): equal for equal JSON. */
void msg_request_hash(const json_t *body, unsigned char out[32]);

#endif
