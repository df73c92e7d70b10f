/*
 * smpp_inbound.c — mobile-originated deliver_sm / data_sm on the `smpp` driver's client
 * sessions: the user data (after any UDH) is decoded by data_coding, concatenated parts are
 * reassembled (smpp_mo.c), and the message goes to the engine (env->inbound) to be stored as
 * an inbound message of the credential's project. The deliver_sm_resp of a single message,
 * and of the part that completes a concatenated one, is written only once the engine says the
 * row is durable (ESME_RX_T_APPN when it could not be stored, so the SMSC sends it again);
 * earlier parts are answered as soon as they are held in memory. Engine thread.
 */
#include "providers/provider.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/smpp_drv.h"
#include "smpp/concat.h"
#include "smpp/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MO_MAX_GROUPS 256

struct mo_ack {
    struct mo_ack *prev, *next;
    struct smpp_inbound *in;
    struct smpp_session *s; /* NULL: nothing to answer (a timed-out message) */
    struct smpp_defer def;
    struct smpp_mo_group *g; /* the reassembled message, or NULL */
};

struct smpp_inbound {
    const struct provider_env *env;
    struct smpp_mo *mo;
    struct mo_ack *acks; /* handed to the engine, answer owed */
};

static int64_t now_ms(void)
{
    return clock_mono_us() / 1000;
}

struct smpp_inbound *smpp_inbound_new(const struct provider_env *env, int64_t timeout_ms)
{
    struct smpp_inbound *in = xcalloc(1, sizeof(*in));
    in->env = env;
    in->mo = smpp_mo_new(timeout_ms, MO_MAX_GROUPS);
    return in;
}

void smpp_inbound_free(struct smpp_inbound *in)
{
    if (in == NULL)
        return;
    while (in->acks != NULL) { /* the engine is gone: nothing will answer these */
        struct mo_ack *a = in->acks;
        in->acks = a->next;
        free(a);
    }
    smpp_mo_free(in->mo);
    free(in);
}

static void ack_unlink(struct smpp_inbound *in, struct mo_ack *a)
{
    if (a->prev != NULL)
        a->prev->next = a->next;
    else
        in->acks = a->next;
    if (a->next != NULL)
        a->next->prev = a->prev;
}

/* An address as E.164 when the SMSC says it is international digits. */
static void addr(const char *in, uint8_t ton, char *out, size_t cap)
{
    int digits = *in != '\0';
    for (const char *p = in; *p; p++)
        digits &= *p >= '0' && *p <= '9';
    snprintf(out, cap, "%s%s", digits && ton == 1 ? "+" : "", in);
}

static void mask(const char *in, char *out, size_t cap)
{
    size_t n = strlen(in);
    if (n <= 6)
        snprintf(out, cap, "***");
    else
        snprintf(out, cap, "%.4s***%s", in, in + n - 2);
}

static void on_stored(void *arg, int status)
{
    struct mo_ack *a = arg;
    struct smpp_inbound *in = a->in;
    ack_unlink(in, a);
    if (a->g != NULL)
        smpp_mo_stored(in->mo, a->g, status == SH_OK);
    if (a->s != NULL &&
        smpp_session_answer(a->s, &a->def, status == SH_OK ? SMPP_ESME_ROK : SMPP_ESME_RX_T_APPN) !=
            SH_OK)
        log_msg(in->env->log, LOG_INFO, NULL,
                "smpp %s: MO %s but its connection is gone before the deliver_sm_resp; the SMSC "
                "may send it again",
                in->env->credential_id, status == SH_OK ? "stored" : "not stored");
    free(a);
}

/*
 * Gives text to the engine; s/pdu name the request to answer once durable (s NULL: none).
 * Returns SMPP_DELIVER_DEFER (answered now with an error when the engine refuses).
 */
static int hand_over(struct smpp_inbound *in, struct smpp_session *s, const struct smpp_pdu *pdu,
                     const struct provider_mo *mo, struct smpp_mo_group *g)
{
    struct mo_ack *a = xcalloc(1, sizeof(*a));
    char from[32], to[32], f[240];
    a->in = in;
    a->s = s;
    a->g = g;
    if (s != NULL)
        a->def = smpp_session_defer(s, pdu);
    mask(mo->from, from, sizeof(from));
    mask(mo->to, to, sizeof(to));
    snprintf(f, sizeof(f), "\"credential_id\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"parts\":%d",
             in->env->credential_id, from, to, mo->concat_total > 0 ? mo->concat_total : 1);
    if (in->env->inbound == NULL ||
        in->env->inbound(in->env->inbound_arg, mo, on_stored, a) != SH_OK) {
        log_msg(in->env->log, LOG_WARN, f, "smpp MO refused: the engine cannot store it now");
        if (g != NULL)
            smpp_mo_stored(in->mo, g, 0);
        if (s != NULL)
            smpp_session_answer(s, &a->def, SMPP_ESME_RX_T_APPN);
        free(a);
        return SMPP_DELIVER_DEFER;
    }
    log_msg(in->env->log, LOG_INFO, f, "smpp MO received");
    a->next = in->acks;
    if (in->acks != NULL)
        in->acks->prev = a;
    in->acks = a;
    return SMPP_DELIVER_DEFER;
}

static int hand_group(struct smpp_inbound *in, struct smpp_session *s, const struct smpp_pdu *pdu,
                      struct smpp_mo_group *g)
{
    const char *from, *to;
    int received, total;
    uint8_t dc;
    char meta[160];
    char *text = smpp_mo_text(g, &from, &to, &received, &total, &dc);
    if (received == total)
        snprintf(meta, sizeof(meta), "{\"smpp\":{\"data_coding\":%u,\"parts\":%d}}", dc, total);
    else
        snprintf(meta, sizeof(meta),
                 "{\"smpp\":{\"data_coding\":%u,\"parts\":%d,\"parts_received\":%d,"
                 "\"incomplete\":true}}",
                 dc, total, received);
    struct provider_mo mo = {.from = from,
                             .to = to,
                             .text = text,
                             .concat_total = total,
                             .encoding = dc == SMPP_DC_UCS2,
                             .metadata = meta};
    int r = hand_over(in, s, pdu, &mo, g);
    free(text);
    return r;
}

int smpp_inbound_deliver(struct smpp_inbound *in, struct smpp_session *s,
                         const struct smpp_pdu *pdu)
{
    size_t len;
    const unsigned char *sm = smpp_pdu_message(pdu, &len);
    char from[72], to[72];
    struct smpp_mo_part part = {
        .from = from, .to = to, .dc = pdu->data_coding, .data = sm, .len = len};
    uint16_t ref;
    uint8_t tot, seq;
    int concat = 0;

    addr(pdu->source_addr, pdu->source_addr_ton, from, sizeof(from));
    addr(pdu->destination_addr, pdu->dest_addr_ton, to, sizeof(to));
    if ((pdu->esm_class & SMPP_ESM_UDHI) && len > 0) {
        struct smpp_udh u;
        if (smpp_udh_parse(sm, len, &u) == SH_OK) {
            part.data = sm + u.len;
            part.len = len - u.len;
            if (u.has_concat && u.concat.total > 1) {
                concat = 1;
                part.kind = u.concat.ref16 ? SMPP_MO_UDH16 : SMPP_MO_UDH8;
                part.ref = u.concat.ref;
                part.total = u.concat.total;
                part.seq = u.concat.seq;
            }
        }
    }
    if (!concat && smpp_pdu_get_sar(pdu, &ref, &tot, &seq) == SH_OK && tot > 1 && seq >= 1 &&
        seq <= tot) {
        concat = 1;
        part.kind = SMPP_MO_SAR;
        part.ref = ref;
        part.total = tot;
        part.seq = seq;
    }
    if (!concat) {
        size_t cap = 3 * part.len + 5;
        char *text = xmalloc(cap);
        char meta[64];
        smpp_text_decode(part.data, part.len, part.dc, text, cap);
        snprintf(meta, sizeof(meta), "{\"smpp\":{\"data_coding\":%u,\"parts\":1}}", part.dc);
        struct provider_mo mo = {.from = from,
                                 .to = to,
                                 .text = text,
                                 .encoding = part.dc == SMPP_DC_UCS2,
                                 .metadata = meta};
        int r = hand_over(in, s, pdu, &mo, NULL);
        free(text);
        return r;
    }
    struct smpp_mo_group *g = NULL;
    switch (smpp_mo_add(in->mo, &part, now_ms(), &g)) {
    case SMPP_MO_COMPLETE:
        return hand_group(in, s, pdu, g);
    case SMPP_MO_TOOBIG:
        log_msg(in->env->log, LOG_WARN, NULL,
                "smpp %s: MO part %u/%u dropped: the message is too long or too many are waiting",
                in->env->credential_id, part.seq, part.total);
        return SMPP_DELIVER_ACK;
    default:                   /* held, or a duplicate */
        smpp_inbound_tick(in); /* a full reassembler evicted its oldest */
        return SMPP_DELIVER_ACK;
    }
}

void smpp_inbound_tick(struct smpp_inbound *in)
{
    struct smpp_mo_group *g;
    int n = 0;
    /* bounded: a message the engine refuses now is put back and tried on the next tick */
    while (n++ < 32 && (g = smpp_mo_take_expired(in->mo, now_ms())) != NULL) {
        log_msg(in->env->log, LOG_WARN, NULL,
                "smpp %s: a concatenated MO timed out incomplete; storing the parts that arrived",
                in->env->credential_id);
        hand_group(in, NULL, NULL, g);
    }
}
