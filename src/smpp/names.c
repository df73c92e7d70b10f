/*
 * names.c — printable names for SMPP command ids, command_status codes, TLV tags and
 * message_state values, generated from the tables of pdu_def.h so they cannot drift.
 *
 * For logs and test output only; nothing parses these names back.
 */
#include <stddef.h>

#include "smpp/pdu.h"

struct name {
    uint32_t value;
    const char *name;
};

static const char *lookup(const struct name *t, size_t n, uint32_t value)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].value == value)
            return t[i].name;
    }
    return "unknown";
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *smpp_command_name(uint32_t command_id)
{
#define X(name, id, body, flags) {id, #name},
    static const struct name t[] = {SMPP_PDU_TABLE(X)};
#undef X
    return lookup(t, COUNT(t), command_id);
}

const char *smpp_status_name(uint32_t command_status)
{
#define X(name, v) {v, "ESME_" #name},
    static const struct name t[] = {SMPP_STATUS_TABLE(X)};
#undef X
    return lookup(t, COUNT(t), command_status);
}

const char *smpp_tlv_name(uint16_t tag)
{
#define X(N, name, tag, lo, hi) {tag, #name},
    static const struct name t[] = {SMPP_TLV_TABLE(X)};
#undef X
    return lookup(t, COUNT(t), tag);
}

const char *smpp_state_name(int message_state)
{
#define X(name, v) {v, #name},
    static const struct name t[] = {SMPP_STATE_TABLE(X)};
#undef X
    if (message_state < 0)
        return "unknown";
    return lookup(t, COUNT(t), (uint32_t)message_state);
}
