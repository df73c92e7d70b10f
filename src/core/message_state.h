/*
 * message_state.h — the message lifecycle (SPEC §4.5) as an enum and a transition table.
 *
 *   queued ──► submitted ──► sent ──► delivered
 *     │            │  │        │
 *     │            │  │        └────► undelivered / expired / failed
 *     │            │  └─────────────► delivered / undelivered / failed / expired / rejected
 *     └──► failed / rejected / expired / canceled
 *
 * (rejected is a submit-time refusal, so it cannot follow sent.)
 *
 * Final states (delivered, undelivered, failed, rejected, expired, canceled) never change
 * again. Reports can skip states (a receipt may arrive before the "sent" report) but never
 * go backwards: a late "sent" after "delivered" is refused by msg_state_from_mask().
 * The numeric values are stored in the database and must not change.
 */
#ifndef SH_CORE_MESSAGE_STATE_H
#define SH_CORE_MESSAGE_STATE_H

#include <stdint.h>

enum msg_status {
    MSG_QUEUED = 0,
    MSG_SUBMITTED = 1,
    MSG_SENT = 2,
    MSG_DELIVERED = 3,
    MSG_UNDELIVERED = 4,
    MSG_FAILED = 5,
    MSG_REJECTED = 6,
    MSG_EXPIRED = 7,
    MSG_CANCELED = 8,
    MSG__COUNT
};

/* "queued", "submitted", … ; "unknown" for out-of-range values. */
const char *msg_status_name(int st);

/* Parses a status name. Returns the status or -1. */
int msg_status_parse(const char *name);

/* Whether st is final. */
int msg_status_final(int st);

/* Whether from → to is a legal transition. */
int msg_state_legal(int from, int to);

/* Bit mask (1 << status) of every state from which `to` may be reached. */
uint32_t msg_state_from_mask(int to);

#endif
