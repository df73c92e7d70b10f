/*
 * smpp.c — the `smpp` provider driver: a credential is one or more ESME binds to an SMSC
 * (smpp/session.h); each message is encoded for the credential's data_coding, split into
 * parts (UDH 8/16-bit reference, SAR TLVs, or one message_payload), queued and spread over
 * the binds' windows; submit_sm_resp statuses map to outcomes (smpp_drv_status_outcome);
 * ESME_RTHROTTLED / ESME_RMSGQFUL pause the bind and resubmit the part later; delivery
 * receipts (deliver_sm with the receipt bit) go through the tracker, which reports one
 * receipt per message when all its parts are final. MO deliver_sm (reassembled when
 * concatenated) goes to the engine as an inbound message (smpp_inbound.c).
 *
 * Settings and the status table: docs/internals/SMPP.md. Engine thread only.
 */
#include "providers/provider.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "providers/smpp_drv.h"
#include "smpp/concat.h"
#include "smpp/receipt.h"
#include "smpp/session.h"
#include "smpp/tls.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BINDS 16
#define TICK_MS 200
#define TRACK_TTL_MS (72LL * 3600 * 1000)
#define TRACK_MAX 2000000

enum long_mode { LONG_UDH8, LONG_UDH16, LONG_SAR, LONG_PAYLOAD };

struct smpp_settings {
    char host[256];
    int port;
    char system_id[16], password[9], system_type[13], service_type[6];
    int split_binds; /* transmitter + receiver instead of transceiver */
    int binds, window, response_timeout_ms, enquire_link_ms;
    int reconnect_min_ms, reconnect_max_ms, queue_timeout_ms;
    int throttle_pause_ms, throttle_retries;
    int source_ton, source_npi; /* -1: from the sender's form */
    int dest_ton, dest_npi;
    int data_coding;
    enum long_mode long_mode;
    int registered_delivery;
    int mo_timeout_ms;
    int tls, tls_verify;
    char tls_ca_file[512];
};

struct dmsg;

struct dpart {
    struct dpart *next;         /* queue */
    struct dpart *aprev, *anext; /* every part not yet answered (freed at close) */
    struct dmsg *msg;
    struct smpp_pdu pdu;
    int64_t queued_at; /* monotonic ms */
    int throttles;
};

struct dmsg {
    struct dmsg *prev, *next; /* the driver's list of messages not yet answered */
    struct drv *d;
    provider_submit_cb cb;
    void *arg;
    struct smpp_tmsg *t;
    int remaining; /* parts without an answer */
    int failed;    /* a failure result is in fail */
    struct provider_result fail;
};

struct drv {
    struct provider_env env;
    struct smpp_settings set;
    struct smpp_session *sess[2 * MAX_BINDS];
    int nsess;
    int rr;
    struct smpp_track *track;
    struct smpp_inbound *inbound;
    SSL_CTX *tls; /* NULL: plain TCP */
    struct dpart *qhead, *qtail; /* parts waiting for room */
    struct dpart *parts;         /* all parts not yet answered, queued or in flight */
    struct dmsg *msgs;
    struct dmsg *ready; /* answered without a submit: told on the next loop turn */
    struct event *tick;
    struct event *ready_ev;
    uint16_t ref;
    char last_err[160];
};

/* ---- settings -------------------------------------------------------------------------------- */

static int get_int(json_t *o, const char *k, int lo, int hi, int *out, char *err, size_t cap)
{
    json_t *v = json_object_get(o, k);
    if (v == NULL)
        return SH_OK;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        snprintf(err, cap, "%s must be an integer from %d to %d", k, lo, hi);
        return SH_EINVAL;
    }
    *out = (int)json_integer_value(v);
    return SH_OK;
}

static int get_str(json_t *o, const char *k, int required, char *out, size_t size, char *err,
                   size_t cap)
{
    json_t *v = json_object_get(o, k);
    if (v == NULL) {
        if (required)
            snprintf(err, cap, "%s is required", k);
        return required ? SH_EINVAL : SH_OK;
    }
    if (!json_is_string(v) || json_string_length(v) >= size ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        snprintf(err, cap, "%s must be a string of at most %zu characters", k, size - 1);
        return SH_EINVAL;
    }
    if (required && json_string_length(v) == 0) {
        snprintf(err, cap, "%s must not be empty", k);
        return SH_EINVAL;
    }
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return SH_OK;
}

static int get_enum(json_t *o, const char *k, const char *const *names, int *out, char *err,
                    size_t cap)
{
    json_t *v = json_object_get(o, k);
    if (v == NULL)
        return SH_OK;
    for (int i = 0; names[i] != NULL; i++) {
        if (json_is_string(v) && strcmp(json_string_value(v), names[i]) == 0) {
            *out = i;
            return SH_OK;
        }
    }
    size_t n = (size_t)snprintf(err, cap, "%s must be one of", k);
    for (int i = 0; names[i] != NULL && n < cap; i++)
        n += (size_t)snprintf(err + n, cap - n, "%s %s", i ? "," : "", names[i]);
    return SH_EINVAL;
}

static int get_bool(json_t *o, const char *k, int *out, char *err, size_t cap)
{
    json_t *v = json_object_get(o, k);
    if (v == NULL)
        return SH_OK;
    if (!json_is_boolean(v)) {
        snprintf(err, cap, "%s must be true or false", k);
        return SH_EINVAL;
    }
    *out = json_is_true(v);
    return SH_OK;
}

static const char *const known_keys[] = {
    "host", "port", "system_id", "password", "system_type", "service_type", "bind_mode", "binds",
    "window", "response_timeout_ms", "enquire_link_ms", "reconnect_min_ms", "reconnect_max_ms",
    "queue_timeout_ms", "throttle_pause_ms", "throttle_retries", "source_ton", "source_npi",
    "dest_ton", "dest_npi", "data_coding", "long_messages", "registered_delivery", "mo_timeout_ms",
    "tls", "tls_verify", "tls_ca_file",
    /* given to every driver by the engine (HTTP vendors need it; SMPP receipts come in-band) */
    "callback_url", NULL};

static int parse_settings(const char *text, struct smpp_settings *s, char *err, size_t cap)
{
    static const char *const modes[] = {"transceiver", "transmitter_receiver", NULL};
    static const char *const longs[] = {"udh8", "udh16", "sar", "payload", NULL};
    json_error_t jerr;
    json_t *o = json_loads(text ? text : "{}", 0, &jerr);
    const char *key;
    json_t *val;
    int st = SH_EINVAL, dc_ok;

    *s = (struct smpp_settings){.binds = 1, .window = 10, .response_timeout_ms = 10000,
                                .enquire_link_ms = 30000, .reconnect_min_ms = 1000,
                                .reconnect_max_ms = 60000, .queue_timeout_ms = 30000,
                                .throttle_pause_ms = 1000, .throttle_retries = 10,
                                .source_ton = -1, .source_npi = -1, .dest_ton = 1, .dest_npi = 1,
                                .registered_delivery = 1, .mo_timeout_ms = 60000,
                                .tls_verify = 1};
    if (!json_is_object(o)) {
        snprintf(err, cap, "settings must be a JSON object");
        goto out;
    }
    json_object_foreach(o, key, val)
    {
        int known = 0;
        for (int i = 0; known_keys[i] != NULL; i++)
            known |= strcmp(known_keys[i], key) == 0;
        if (!known) {
            snprintf(err, cap, "unknown setting \"%.40s\"", key);
            goto out;
        }
    }
    int mode = 0, lm = 0;
    if (get_str(o, "host", 1, s->host, sizeof(s->host), err, cap) ||
        get_str(o, "system_id", 1, s->system_id, sizeof(s->system_id), err, cap) ||
        get_str(o, "password", 0, s->password, sizeof(s->password), err, cap) ||
        get_str(o, "system_type", 0, s->system_type, sizeof(s->system_type), err, cap) ||
        get_str(o, "service_type", 0, s->service_type, sizeof(s->service_type), err, cap) ||
        get_int(o, "port", 1, 65535, &s->port, err, cap) ||
        get_int(o, "binds", 1, MAX_BINDS, &s->binds, err, cap) ||
        get_int(o, "window", 1, SMPP_SESSION_WINDOW_MAX, &s->window, err, cap) ||
        get_int(o, "response_timeout_ms", 100, 600000, &s->response_timeout_ms, err, cap) ||
        get_int(o, "enquire_link_ms", 100, 3600000, &s->enquire_link_ms, err, cap) ||
        get_int(o, "reconnect_min_ms", 10, 600000, &s->reconnect_min_ms, err, cap) ||
        get_int(o, "reconnect_max_ms", 10, 3600000, &s->reconnect_max_ms, err, cap) ||
        get_int(o, "queue_timeout_ms", 100, 240000, &s->queue_timeout_ms, err, cap) ||
        get_int(o, "throttle_pause_ms", 10, 600000, &s->throttle_pause_ms, err, cap) ||
        get_int(o, "throttle_retries", 0, 1000, &s->throttle_retries, err, cap) ||
        get_int(o, "source_ton", 0, 6, &s->source_ton, err, cap) ||
        get_int(o, "source_npi", 0, 18, &s->source_npi, err, cap) ||
        get_int(o, "dest_ton", 0, 6, &s->dest_ton, err, cap) ||
        get_int(o, "dest_npi", 0, 18, &s->dest_npi, err, cap) ||
        get_int(o, "data_coding", 0, 8, &s->data_coding, err, cap) ||
        get_int(o, "registered_delivery", 0, 31, &s->registered_delivery, err, cap) ||
        get_int(o, "mo_timeout_ms", 1000, 600000, &s->mo_timeout_ms, err, cap) ||
        get_bool(o, "tls", &s->tls, err, cap) || get_bool(o, "tls_verify", &s->tls_verify, err, cap) ||
        get_str(o, "tls_ca_file", 0, s->tls_ca_file, sizeof(s->tls_ca_file), err, cap) ||
        get_enum(o, "bind_mode", modes, &mode, err, cap) ||
        get_enum(o, "long_messages", longs, &lm, err, cap))
        goto out;
    if (s->port == 0) {
        snprintf(err, cap, "port is required");
        goto out;
    }
    dc_ok = s->data_coding == 0 || s->data_coding == 3 || s->data_coding == 8;
    if (!dc_ok) {
        snprintf(err, cap, "data_coding must be 0 (SMSC default/GSM), 3 (Latin-1) or 8 (UCS-2)");
        goto out;
    }
    if (s->reconnect_max_ms < s->reconnect_min_ms) {
        snprintf(err, cap, "reconnect_max_ms must not be below reconnect_min_ms");
        goto out;
    }
    if (s->response_timeout_ms >= s->queue_timeout_ms + 240000) {
        snprintf(err, cap, "response_timeout_ms is too long");
        goto out;
    }
    s->split_binds = mode == 1;
    s->long_mode = (enum long_mode)lm;
    st = SH_OK;
out:
    json_decref(o);
    return st;
}

/* ---- answering the engine ------------------------------------------------------------------- */

static void msg_unlink(struct drv *d, struct dmsg *m)
{
    if (m->prev != NULL)
        m->prev->next = m->next;
    else if (d->msgs == m)
        d->msgs = m->next;
    if (m->next != NULL)
        m->next->prev = m->prev;
    m->prev = m->next = NULL;
}

/* Every part answered: tell the engine, then let the tracker report receipts held for it. */
static void msg_answer(struct drv *d, struct dmsg *m)
{
    struct provider_result r = {.outcome = PROVIDER_ACCEPTED};
    const char *first = smpp_track_first_id(m->t);
    msg_unlink(d, m);
    if (first != NULL)
        snprintf(r.pmid, sizeof(r.pmid), "%s", first);
    else
        r = m->fail;
    m->cb(m->arg, &r);
    smpp_track_answered(d->track, m->t, NULL, 0);
    free(m);
}

static void part_free(struct drv *d, struct dpart *p)
{
    if (p->aprev != NULL)
        p->aprev->anext = p->anext;
    else
        d->parts = p->anext;
    if (p->anext != NULL)
        p->anext->aprev = p->aprev;
    smpp_pdu_release(&p->pdu);
    free(p);
}

static void part_done(struct drv *d, struct dpart *p, enum provider_outcome oc, const char *id,
                      const char *code, const char *text)
{
    struct dmsg *m = p->msg;
    part_free(d, p);
    smpp_track_part(d->track, m->t, oc == PROVIDER_ACCEPTED ? id : NULL);
    if (oc != PROVIDER_ACCEPTED && !m->failed) {
        m->failed = 1;
        m->fail.outcome = oc;
        snprintf(m->fail.error_code, sizeof(m->fail.error_code), "%s", code);
        snprintf(m->fail.error_text, sizeof(m->fail.error_text), "%s", text);
    }
    if (--m->remaining == 0)
        msg_answer(d, m);
}

static void on_ready(evutil_socket_t fd, short what, void *arg)
{
    struct drv *d = arg;
    (void)fd;
    (void)what;
    while (d->ready != NULL) {
        struct dmsg *m = d->ready;
        d->ready = m->next;
        m->next = NULL;
        m->remaining = 0;
        m->cb(m->arg, &m->fail);
        smpp_track_answered(d->track, m->t, NULL, 0);
        free(m);
    }
}

/* Answers a message at once (next loop turn) with a failure, nothing submitted. */
static void answer_later(struct drv *d, struct dmsg *m, enum provider_outcome oc,
                         const char *code, const char *text)
{
    static const struct timeval zero = {0, 0};
    smpp_track_part(d->track, m->t, NULL);
    m->fail.outcome = oc;
    snprintf(m->fail.error_code, sizeof(m->fail.error_code), "%s", code);
    snprintf(m->fail.error_text, sizeof(m->fail.error_text), "%s", text);
    m->next = d->ready;
    d->ready = m;
    evtimer_add(d->ready_ev, &zero);
}

/* ---- queue and pump -------------------------------------------------------------------------- */

static int64_t mono_ms(void)
{
    return clock_mono_us() / 1000;
}

static void on_part_resp(void *arg, int st, const struct smpp_pdu *resp);

static void enqueue(struct drv *d, struct dpart *p, int front)
{
    p->next = NULL;
    if (front) {
        p->next = d->qhead;
        d->qhead = p;
        if (d->qtail == NULL)
            d->qtail = p;
    } else {
        if (d->qtail != NULL)
            d->qtail->next = p;
        else
            d->qhead = p;
        d->qtail = p;
    }
}

static struct dpart *dequeue(struct drv *d)
{
    struct dpart *p = d->qhead;
    if (p != NULL) {
        d->qhead = p->next;
        if (d->qhead == NULL)
            d->qtail = NULL;
        p->next = NULL;
    }
    return p;
}

/* Sends queued parts while some bind has room, round robin over the binds. */
static void pump(struct drv *d)
{
    while (d->qhead != NULL) {
        int sent = 0;
        for (int k = 0; k < d->nsess && d->qhead != NULL; k++) {
            struct smpp_session *s = d->sess[(d->rr + k) % d->nsess];
            if (smpp_session_room(s) <= 0)
                continue;
            struct dpart *p = dequeue(d);
            int st = smpp_session_send(s, &p->pdu, on_part_resp, p);
            if (st == SH_OK) {
                d->rr = (d->rr + k + 1) % d->nsess;
                sent = 1;
                break;
            }
            if (st == SH_AGAIN) {
                enqueue(d, p, 1);
                continue;
            }
            part_done(d, p, PROVIDER_MALFORMED, NULL, "smpp_encode",
                      "the submit_sm does not encode (address or field too long)");
            sent = 1;
            break;
        }
        if (!sent)
            return;
    }
}

static void on_part_resp(void *arg, int st, const struct smpp_pdu *resp)
{
    struct dpart *p = arg;
    struct drv *d = p->msg->d;
    char code[32], text[160];

    if (st != SH_OK) {
        int timeout = st == SH_ETIMEDOUT;
        part_done(d, p, PROVIDER_TEMP_FAIL, NULL, timeout ? "smpp_timeout" : "smpp_disconnected",
                  timeout ? "no submit_sm_resp within response_timeout_ms"
                          : "the SMPP connection closed with the submit in flight");
        pump(d);
        return;
    }
    uint32_t status = resp->command_status;
    if (resp->command_id == SMPP_CMD_GENERIC_NACK && status == 0)
        status = SMPP_ESME_RSYSERR;
    enum provider_outcome oc = smpp_drv_status_outcome(status);
    if (oc == PROVIDER_THROTTLED && p->throttles < d->set.throttle_retries) {
        /* slow down: this bind waits, the part goes back to the front of the queue */
        p->throttles++;
        int pause = d->set.throttle_pause_ms;
        for (int k = 1; k < p->throttles && pause < 16 * d->set.throttle_pause_ms; k++)
            pause *= 2;
        /* every bind of the credential: the SMSC throttles the account, not one socket */
        for (int k = 0; k < d->nsess; k++)
            smpp_session_pause(d->sess[k], pause);
        log_msg(d->env.log, LOG_INFO, NULL, "smpp %s: %s; submits paused for %d ms",
                d->env.credential_id, smpp_status_name(status), pause);
        enqueue(d, p, 1);
        return;
    }
    snprintf(code, sizeof(code), "%s", smpp_status_name(status));
    if (strcmp(code, "unknown") == 0)
        snprintf(code, sizeof(code), "smpp_0x%08X", status);
    snprintf(text, sizeof(text), "%s answered %s (0x%08X)", smpp_command_name(resp->command_id),
             smpp_status_name(status), status);
    if (oc == PROVIDER_ACCEPTED && resp->message_id[0] == '\0') {
        oc = PROVIDER_TEMP_FAIL; /* accepted without an id: nothing to match receipts on */
        snprintf(code, sizeof(code), "smpp_no_message_id");
    }
    part_done(d, p, oc, resp->message_id, code, text);
    pump(d);
}

/* Parts that waited too long for a bind with room: temp-fail (the engine retries later,
 * well before its lease on the message runs out). */
static void expire_queue(struct drv *d)
{
    int64_t now = mono_ms();
    while (d->qhead != NULL && now - d->qhead->queued_at >= d->set.queue_timeout_ms) {
        struct dpart *p = dequeue(d);
        char text[160];
        int bound = 0;
        for (int k = 0; k < d->nsess; k++)
            bound |= smpp_session_state(d->sess[k]) == SMPP_SS_BOUND &&
                     smpp_session_can_submit(d->sess[k]);
        snprintf(text, sizeof(text), "%s", bound ? "no room in the SMPP window in time"
                                             : d->last_err[0] ? d->last_err
                                                              : "no SMPP bind is up");
        part_done(d, p, PROVIDER_TEMP_FAIL, NULL, bound ? "smpp_queue_timeout" : "smpp_not_bound",
                  text);
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct drv *d = arg;
    (void)fd;
    (void)what;
    expire_queue(d);
    smpp_track_sweep(d->track);
    smpp_inbound_tick(d->inbound);
}

/* ---- session callbacks ------------------------------------------------------------------------ */

static void on_state(void *arg, struct smpp_session *s, enum smpp_sess_state st, uint32_t bst)
{
    struct drv *d = arg;
    (void)s;
    if (st == SMPP_SS_BACKOFF && bst != 0)
        snprintf(d->last_err, sizeof(d->last_err), "bind refused by the SMSC: %s (0x%02X)",
                 smpp_status_name(bst), bst);
    else if (st == SMPP_SS_BACKOFF && d->last_err[0] == '\0')
        snprintf(d->last_err, sizeof(d->last_err), "SMPP connection to %.100s:%d is down",
                 d->set.host, d->set.port);
    else if (st == SMPP_SS_BOUND)
        d->last_err[0] = '\0';
}

static void on_room(void *arg, struct smpp_session *s)
{
    (void)s;
    pump(arg);
}

static int on_deliver(void *arg, struct smpp_session *s, const struct smpp_pdu *pdu)
{
    struct drv *d = arg;
    char id[SMPP_RECEIPT_ID_MAX] = "", err[32] = "";
    struct smpp_receipt rc;
    size_t len;
    const unsigned char *sm = smpp_pdu_message(pdu, &len);
    uint8_t state = 0;
    int type = pdu->esm_class & SMPP_ESM_TYPE_MASK;

    if (type == 0)
        return smpp_inbound_deliver(d->inbound, s, pdu);
    if (type != SMPP_ESM_TYPE_RECEIPT && type != 0x20) { /* SME acknowledgements: nothing to do */
        log_msg(d->env.log, LOG_INFO, NULL, "smpp %s: deliver_sm with esm_class 0x%02X ignored",
                d->env.credential_id, pdu->esm_class);
        return SMPP_DELIVER_ACK;
    }
    int have_text = smpp_receipt_parse((const char *)sm, len, &rc) == SH_OK;
    if (smpp_pdu_tlv_get_cstr(pdu, SMPP_TLV_RECEIPTED_MESSAGE_ID, id, sizeof(id)) != SH_OK ||
        id[0] == '\0') {
        if (have_text && (rc.present & SMPP_RCPT_ID))
            snprintf(id, sizeof(id), "%s", rc.id);
    }
    int st = SMPP_STATE_NONE;
    if (smpp_pdu_tlv_get_u8(pdu, SMPP_TLV_MESSAGE_STATE, &state) == SH_OK)
        st = state;
    else if (have_text && (rc.present & SMPP_RCPT_STAT))
        st = rc.stat;
    uint8_t nt;
    uint16_t ncode;
    if (smpp_pdu_get_network_error_code(pdu, &nt, &ncode) == SH_OK && ncode != 0)
        snprintf(err, sizeof(err), "net-%u-%u", nt, ncode);
    else if (have_text && (rc.present & SMPP_RCPT_ERR) && rc.err_code > 0)
        snprintf(err, sizeof(err), "err-%ld", rc.err_code);
    enum provider_dlr dlr = smpp_drv_state_dlr(st);
    if (id[0] == '\0' || dlr == PROVIDER_DLR_NONE) {
        log_msg(d->env.log, LOG_WARN, NULL,
                "smpp %s: receipt without a usable id or state ignored (stat %s)",
                d->env.credential_id, have_text ? rc.stat_text : "-");
        return SMPP_DELIVER_ACK;
    }
    smpp_track_receipt(d->track, id, dlr, err[0] ? err : NULL);
    return SMPP_DELIVER_ACK;
}

/* ---- submit ------------------------------------------------------------------------------------ */

static void set_addr(const char *in, int ton_set, int npi_set, char *out, size_t cap,
                     uint8_t *ton, uint8_t *npi)
{
    const char *p = in ? in : "";
    int digits = *p != '\0';
    for (const char *q = (*p == '+' ? p + 1 : p); *q; q++)
        digits &= *q >= '0' && *q <= '9';
    if (digits && *p == '+')
        p++;
    snprintf(out, cap, "%s", p);
    *ton = (uint8_t)(ton_set >= 0 ? ton_set : digits ? 1 : *p ? 5 : 0);
    *npi = (uint8_t)(npi_set >= 0 ? npi_set : digits ? 1 : 0);
}

static struct dpart *part_new(struct drv *d, struct dmsg *m, const struct provider_msg *pm,
                              uint8_t dc)
{
    struct dpart *p = xcalloc(1, sizeof(*p));
    struct smpp_pdu *u = &p->pdu;
    p->anext = d->parts;
    if (d->parts != NULL)
        d->parts->aprev = p;
    d->parts = p;
    const struct smpp_settings *s = &d->set;
    p->msg = m;
    p->queued_at = mono_ms();
    smpp_pdu_init(u, SMPP_CMD_SUBMIT_SM, 0);
    snprintf(u->service_type, sizeof(u->service_type), "%s", s->service_type);
    set_addr(pm->from, s->source_ton, s->source_npi, u->source_addr, 21, &u->source_addr_ton,
             &u->source_addr_npi);
    set_addr(pm->to, s->dest_ton, s->dest_npi, u->destination_addr, 21, &u->dest_addr_ton,
             &u->dest_addr_npi);
    u->registered_delivery = (uint8_t)s->registered_delivery;
    u->data_coding = dc;
    return p;
}

static int drv_submit(void *state, const struct provider_msg *pm, provider_submit_cb cb, void *arg)
{
    struct drv *d = state;
    size_t cap = 2 * (pm->body ? strlen(pm->body) : 0) + 2, len = 0;
    unsigned char *data = xmalloc(cap);
    uint8_t dc = 0;
    struct dmsg *m = xcalloc(1, sizeof(*m));
    m->d = d;
    m->cb = cb;
    m->arg = arg;

    if (smpp_text_encode(pm->body, (uint8_t)d->set.data_coding, data, cap, &len, &dc) != SH_OK) {
        m->t = smpp_track_msg(d->track, 1);
        answer_later(d, m, PROVIDER_MALFORMED, "smpp_encoding", "the text is not valid UTF-8");
        goto out;
    }
    int gsm = dc == SMPP_DC_DEFAULT;
    size_t single = gsm ? 160 : 140;
    size_t per = d->set.long_mode == LONG_UDH16 ? (gsm ? 152 : 133) : (gsm ? 153 : 134);
    if (d->set.long_mode == LONG_PAYLOAD && len > single) {
        if (len > SMPP_PAYLOAD_MAX) {
            m->t = smpp_track_msg(d->track, 1);
            answer_later(d, m, PROVIDER_REJECTED, "too_long", "the text exceeds message_payload");
            goto out;
        }
        struct dpart *p = part_new(d, m, pm, dc);
        smpp_pdu_set_payload(&p->pdu, data, len);
        m->t = smpp_track_msg(d->track, 1);
        m->remaining = 1;
        enqueue(d, p, 0);
    } else if (len <= single) {
        struct dpart *p = part_new(d, m, pm, dc);
        smpp_pdu_set_short_message(&p->pdu, data, len);
        m->t = smpp_track_msg(d->track, 1);
        m->remaining = 1;
        enqueue(d, p, 0);
    } else {
        /* cut pair-safely: count the parts first */
        size_t off = 0, cuts[256];
        unsigned n = 0;
        while (off < len && n < 256) {
            size_t k = smpp_text_cut(data + off, len - off, dc, per);
            cuts[n++] = k;
            off += k;
        }
        if (off < len || n > 255) {
            m->t = smpp_track_msg(d->track, 1);
            answer_later(d, m, PROVIDER_REJECTED, "too_long", "more than 255 SMPP parts");
            goto out;
        }
        uint16_t ref = d->set.long_mode == LONG_UDH8 ? (uint8_t)++d->ref : ++d->ref;
        m->t = smpp_track_msg(d->track, (int)n);
        m->remaining = (int)n;
        off = 0;
        for (unsigned i = 0; i < n; i++) {
            struct dpart *p = part_new(d, m, pm, dc);
            struct smpp_concat c = {.ref = ref, .total = (uint8_t)n, .seq = (uint8_t)(i + 1),
                                    .ref16 = d->set.long_mode == LONG_UDH16};
            if (d->set.long_mode == LONG_SAR) {
                smpp_pdu_set_short_message(&p->pdu, data + off, cuts[i]);
                smpp_pdu_set_sar(&p->pdu, ref, (uint8_t)n, (uint8_t)(i + 1));
            } else {
                smpp_concat_fill(&p->pdu, &c, data + off, cuts[i]);
            }
            off += cuts[i];
            enqueue(d, p, 0);
        }
    }
    m->next = d->msgs;
    if (d->msgs != NULL)
        d->msgs->prev = m;
    d->msgs = m;
    pump(d);
out:
    free(data);
    return SH_OK;
}

/* ---- open / close ------------------------------------------------------------------------------ */

static int drv_open(const struct provider_env *env, const char *settings, char *err, size_t errcap,
                    void **state)
{
    struct smpp_settings set;
    static const struct timeval tick = {0, TICK_MS * 1000};
    if (parse_settings(settings, &set, err, errcap) != SH_OK)
        return SH_EINVAL;
    SSL_CTX *tls = NULL;
    if (set.tls && (tls = smpp_tls_client_ctx(set.tls_ca_file, set.tls_verify, err, errcap)) == NULL)
        return SH_EINVAL;
    struct drv *d = xcalloc(1, sizeof(*d));
    d->env = *env;
    d->set = set;
    d->tls = tls;
    d->track = smpp_track_new(env->report, env->report_arg, set.response_timeout_ms + 1000,
                              TRACK_TTL_MS, TRACK_MAX);
    d->inbound = smpp_inbound_new(&d->env, set.mo_timeout_ms);
    struct smpp_session_cbs cbs = {.on_state = on_state, .on_deliver = on_deliver,
                                   .on_room = on_room, .arg = d};
    for (int i = 0; i < set.binds; i++) {
        for (int k = 0; k < (set.split_binds ? 2 : 1); k++) {
            char name[96];
            snprintf(name, sizeof(name), "%s/%d%s", env->credential_id, i + 1,
                     !set.split_binds ? "" : k == 0 ? "tx" : "rx");
            struct smpp_session_cfg c = {
                .name = name, .host = set.host, .port = set.port, .system_id = set.system_id,
                .password = set.password, .system_type = set.system_type,
                .bind_cmd = !set.split_binds ? SMPP_CMD_BIND_TRANSCEIVER
                            : k == 0         ? SMPP_CMD_BIND_TRANSMITTER
                                             : SMPP_CMD_BIND_RECEIVER,
                .window = set.window, .response_timeout_ms = set.response_timeout_ms,
                .enquire_link_ms = set.enquire_link_ms, .reconnect_min_ms = set.reconnect_min_ms,
                .reconnect_max_ms = set.reconnect_max_ms, .tls_ctx = tls,
                .tls_verify = set.tls_verify};
            if (smpp_session_new(env->base, env->log, &c, &cbs, &d->sess[d->nsess]) == SH_OK)
                d->nsess++;
        }
    }
    d->tick = event_new(env->base, -1, EV_PERSIST, on_tick, d);
    d->ready_ev = evtimer_new(env->base, on_ready, d);
    event_add(d->tick, &tick);
    for (int i = 0; i < d->nsess; i++)
        smpp_session_start(d->sess[i]);
    *state = d;
    return SH_OK;
}

static void drv_close(void *state)
{
    struct drv *d = state;
    if (d == NULL)
        return;
    for (int i = 0; i < d->nsess; i++) /* parts in flight: callbacks dropped */
        smpp_session_free(d->sess[i]);
    smpp_tls_ctx_free(d->tls); /* after the sessions that used it */
    event_free(d->tick);
    event_free(d->ready_ev);
    while (d->parts != NULL)
        part_free(d, d->parts);
    d->qhead = d->qtail = NULL;
    smpp_track_free(d->track);
    smpp_inbound_free(d->inbound);
    while (d->msgs != NULL) {
        struct dmsg *m = d->msgs;
        d->msgs = m->next;
        smpp_track_msg_free(m->t);
        free(m);
    }
    while (d->ready != NULL) {
        struct dmsg *m = d->ready;
        d->ready = m->next;
        smpp_track_msg_free(m->t);
        free(m);
    }
    free(d);
}

const struct provider_ops provider_smpp_ops = {
    .driver = "smpp",
    .open = drv_open,
    .close = drv_close,
    .submit = drv_submit,
    .poll_status = NULL,
};
