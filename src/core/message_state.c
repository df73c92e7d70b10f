/* message_state.c — transition table of the message lifecycle. See message_state.h. */
#include "core/message_state.h"

#include <string.h>

static const char *const names[MSG__COUNT] = {
    [MSG_QUEUED] = "queued",       [MSG_SUBMITTED] = "submitted",     [MSG_SENT] = "sent",
    [MSG_DELIVERED] = "delivered", [MSG_UNDELIVERED] = "undelivered", [MSG_FAILED] = "failed",
    [MSG_REJECTED] = "rejected",   [MSG_EXPIRED] = "expired",         [MSG_CANCELED] = "canceled",
};

#define B(s) (1u << (s))

/* legal[from] = mask of reachable `to` states */
static const uint32_t legal[MSG__COUNT] = {
    [MSG_QUEUED] =
        B(MSG_SUBMITTED) | B(MSG_FAILED) | B(MSG_REJECTED) | B(MSG_EXPIRED) | B(MSG_CANCELED),
    [MSG_SUBMITTED] = B(MSG_SENT) | B(MSG_DELIVERED) | B(MSG_UNDELIVERED) | B(MSG_FAILED) |
                      B(MSG_EXPIRED) | B(MSG_REJECTED),
    [MSG_SENT] = B(MSG_DELIVERED) | B(MSG_UNDELIVERED) | B(MSG_EXPIRED) | B(MSG_FAILED),
};

const char *msg_status_name(int st)
{
    if (st < 0 || st >= MSG__COUNT)
        return "unknown";
    return names[st];
}

int msg_status_parse(const char *name)
{
    for (int i = 0; i < MSG__COUNT; i++) {
        if (strcmp(names[i], name) == 0)
            return i;
    }
    return -1;
}

int msg_status_final(int st)
{
    return st >= MSG_DELIVERED && st < MSG__COUNT;
}

int msg_state_legal(int from, int to)
{
    if (from < 0 || from >= MSG__COUNT || to < 0 || to >= MSG__COUNT)
        return 0;
    return (legal[from] & B(to)) != 0;
}

uint32_t msg_state_from_mask(int to)
{
    uint32_t m = 0;
    for (int from = 0; from < MSG__COUNT; from++) {
        if (msg_state_legal(from, to))
            m |= B(from);
    }
    return m;
}
