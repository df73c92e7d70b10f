/*
 * smsc_sim.c — `smshub smsc-sim`: a standalone SMSC simulator for tests, benchmarks and demos.
 *
 * Listens on 127.0.0.1 (libevent), accepts binds (any credentials, or the configured
 * system_id/password), answers submit_sm with fresh message ids and, after --dlr-delay-ms,
 * sends a delivery receipt (deliver_sm, esm_class 0x04, receipted_message_id and
 * message_state TLVs and the Appendix B text) to a bound receiver of the same system_id,
 * resending it on another connection if the first closes before deliver_sm_resp.
 * Named misbehaviours (--throttle-every, --throttle-ratio, --reject-ratio, --no-resp-ratio,
 * --generic-nack-every, --unbind-after, --receipt-stat, --early-dlr-ratio: the receipt is
 * written before the submit_sm_resp) let tests provoke each driver path.
 * --log FILE appends one JSON line per submit (and per acknowledged receipt); on start the
 * log is read back and receipts not yet acknowledged are sent again, so a killed and
 * restarted simulator still delivers every receipt once.
 * --mo-dir DIR injects mobile-originated deliver_sm: every 100 ms each DIR/NAME.json file (a
 * JSON array of PDU descriptions, written atomically by rename) is sent to a bound receiver
 * and deleted; each deliver_sm_resp is logged with the description's tag.
 * --tls-cert/--tls-key serve SMPP over TLS instead of plain TCP.
 */
#include "daemon/commands.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "smpp/concat.h"
#include "smpp/frame.h"
#include "smpp/pdu.h"
#include "smpp/tls.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sim_opts {
    char host[64];
    int port;
    const char *port_file, *log_path, *system_id, *password, *receipt_stat, *mo_dir;
    const char *tls_cert, *tls_key;
    long throttle_every, generic_nack_every, unbind_after;
    double reject_ratio, no_resp_ratio, throttle_ratio, early_dlr_ratio;
    int dlr_delay_ms;
};

struct dlr {
    struct dlr *next;
    int64_t due; /* monotonic ms */
    uint32_t seq; /* deliver_sm sequence once sent */
    char system_id[16];
    char msgid[32];
    char src[21], dst[21];
    int64_t submitted; /* wall ms */
};

struct sim;

/* An injected MO sent on a connection, awaiting its deliver_sm_resp. */
struct mo_out {
    struct mo_out *next;
    uint32_t seq;
    char tag[64];
};

struct conn {
    struct conn *prev, *next;
    struct sim *sim;
    struct bufferevent *bev;
    struct smpp_frame fr;
    uint32_t bind_cmd; /* 0 while unbound */
    char system_id[16];
    long submits;
    uint32_t seq;
    int unbinding;
    struct dlr *unacked; /* receipts sent on this connection, oldest first */
    struct dlr *unacked_tail;
    struct mo_out *mo_unacked;
};

struct sim {
    struct sim_opts o;
    struct event_base *base;
    struct evconnlistener *lis;
    struct conn *conns;
    struct dlr *qhead, *qtail; /* receipts waiting for their time or for a receiver */
    struct event *dlr_ev;
    struct event *mo_ev;
    SSL_CTX *tls; /* --tls-cert/--tls-key: connections are TLS */
    FILE *log;
    uint64_t next_id;
    long submits;
    int rr;
};

static int64_t mono_ms(void)
{
    return clock_mono_us() / 1000;
}

/* ---- log ---------------------------------------------------------------------------------- */

static void log_submit(struct sim *s, struct conn *c, const struct smpp_pdu *p, const char *status,
                       const char *msgid, int early)
{
    size_t len;
    (void)smpp_pdu_message(p, &len);
    char hex[2 * 254 + 1] = "";
    struct smpp_udh udh;
    uint16_t ref = 0;
    uint8_t tot = 0, seq = 0;
    if (s->log == NULL)
        return;
    if (p->sm_length > 0)
        sodium_bin2hex(hex, sizeof(hex), p->short_message, p->sm_length);
    fprintf(s->log,
            "{\"event\":\"submit\",\"system_id\":\"%s\",\"seq\":%u,\"status\":\"%s\","
            "\"message_id\":\"%s\",\"source\":\"%s\",\"destination\":\"%s\",\"esm_class\":%u,"
            "\"data_coding\":%u,\"short_message\":\"%s\",\"payload_len\":%zu",
            c->system_id, p->sequence_number, status, msgid ? msgid : "", p->source_addr,
            p->destination_addr, p->esm_class, p->data_coding, hex, p->has_payload ? len : 0);
    if ((p->esm_class & SMPP_ESM_UDHI) && smpp_udh_parse(p->short_message, p->sm_length, &udh) ==
                                              SH_OK && udh.has_concat)
        fprintf(s->log, ",\"udh_ref\":%u,\"udh_part\":%u,\"udh_total\":%u,\"udh16\":%s",
                udh.concat.ref, udh.concat.seq, udh.concat.total, udh.concat.ref16 ? "true" : "false");
    if (smpp_pdu_get_sar(p, &ref, &tot, &seq) == SH_OK)
        fprintf(s->log, ",\"sar_ref\":%u,\"sar_part\":%u,\"sar_total\":%u", ref, seq, tot);
    if (early)
        fprintf(s->log, ",\"early_dlr\":true");
    fprintf(s->log, "}\n");
}

/* ---- writing ------------------------------------------------------------------------------ */

static void send_pdu(struct conn *c, const struct smpp_pdu *p)
{
    unsigned char buf[2048];
    size_t len;
    if (smpp_pdu_encode(p, buf, sizeof(buf), &len) == SH_OK)
        bufferevent_write(c->bev, buf, len);
}

static void send_simple(struct conn *c, uint32_t cmd, uint32_t seq, uint32_t status)
{
    struct smpp_pdu p;
    smpp_pdu_init(&p, cmd, seq);
    p.command_status = status;
    send_pdu(c, &p);
}

/* ---- receipts ----------------------------------------------------------------------------- */

static void dlr_arm(struct sim *s)
{
    if (s->qhead == NULL)
        return;
    int64_t wait = s->qhead->due - mono_ms();
    if (wait < 1)
        wait = 1;
    struct timeval tv = {.tv_sec = wait / 1000, .tv_usec = (wait % 1000) * 1000};
    evtimer_add(s->dlr_ev, &tv);
}

static void dlr_push(struct sim *s, struct dlr *d, int front)
{
    d->next = NULL;
    if (front) {
        d->next = s->qhead;
        s->qhead = d;
        if (s->qtail == NULL)
            s->qtail = d;
    } else {
        if (s->qtail != NULL)
            s->qtail->next = d;
        else
            s->qhead = d;
        s->qtail = d;
    }
}

static struct conn *receiver_for(struct sim *s, const char *system_id)
{
    struct conn *first = NULL;
    int i = 0, pick = s->rr++;
    for (struct conn *c = s->conns; c != NULL; c = c->next) {
        if (c->bind_cmd == SMPP_CMD_BIND_TRANSMITTER || c->bind_cmd == 0 || c->unbinding ||
            strcmp(c->system_id, system_id) != 0)
            continue;
        if (first == NULL)
            first = c;
        if (i++ == pick % 8)
            return c;
    }
    return first;
}

static void fmt_date(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%y%m%d%H%M", &tm);
}

static void dlr_send(struct sim *s, struct conn *c, struct dlr *d)
{
    struct smpp_pdu p;
    char text[200], sub[16], done[16];
    int ok = strcmp(s->o.receipt_stat, "DELIVRD") == 0;
    smpp_pdu_init(&p, SMPP_CMD_DELIVER_SM, c->seq++);
    d->seq = p.sequence_number;
    snprintf(p.source_addr, 21, "%s", d->dst);
    p.source_addr_ton = 1;
    p.source_addr_npi = 1;
    snprintf(p.destination_addr, 21, "%s", d->src);
    p.esm_class = SMPP_ESM_TYPE_RECEIPT;
    fmt_date(d->submitted, sub, sizeof(sub));
    fmt_date(clock_now_ms(), done, sizeof(done));
    int n = snprintf(text, sizeof(text),
                     "id:%s sub:001 dlvrd:%s submit date:%s done date:%s stat:%s err:%s text:",
                     d->msgid, ok ? "001" : "000", sub, done, s->o.receipt_stat, ok ? "000" : "001");
    smpp_pdu_set_short_message(&p, text, (size_t)n);
    smpp_pdu_tlv_set_cstr(&p, SMPP_TLV_RECEIPTED_MESSAGE_ID, d->msgid);
    smpp_pdu_tlv_set_u8(&p, SMPP_TLV_MESSAGE_STATE,
                        ok ? SMPP_STATE_DELIVERED
                           : strcmp(s->o.receipt_stat, "EXPIRED") == 0 ? SMPP_STATE_EXPIRED
                                                                       : SMPP_STATE_UNDELIVERABLE);
    send_pdu(c, &p);
    d->next = NULL;
    if (c->unacked_tail != NULL)
        c->unacked_tail->next = d;
    else
        c->unacked = d;
    c->unacked_tail = d;
}

static void on_dlr_timer(evutil_socket_t fd, short what, void *arg)
{
    struct sim *s = arg;
    int64_t now = mono_ms();
    (void)fd;
    (void)what;
    while (s->qhead != NULL && s->qhead->due <= now) {
        struct dlr *d = s->qhead;
        struct conn *c = receiver_for(s, d->system_id);
        if (c == NULL) { /* nobody to tell: try again shortly */
            struct timeval tv = {0, 200000};
            evtimer_add(s->dlr_ev, &tv);
            return;
        }
        s->qhead = d->next;
        if (s->qhead == NULL)
            s->qtail = NULL;
        dlr_send(s, c, d);
    }
    dlr_arm(s);
}

static void dlr_acked(struct sim *s, struct conn *c, uint32_t seq)
{
    struct dlr **pp = &c->unacked, *prev = NULL;
    while (*pp != NULL && (*pp)->seq != seq) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    struct dlr *d = *pp;
    if (d == NULL)
        return;
    *pp = d->next;
    if (c->unacked_tail == d)
        c->unacked_tail = prev;
    if (s->log != NULL)
        fprintf(s->log, "{\"event\":\"dlr\",\"system_id\":\"%s\",\"message_id\":\"%s\"}\n",
                d->system_id, d->msgid);
    free(d);
}

static struct dlr *dlr_new(const char *system_id, const char *msgid, const char *src,
                          const char *dst, int64_t delay)
{
    struct dlr *d = xcalloc(1, sizeof(*d));
    d->due = mono_ms() + delay;
    d->submitted = clock_now_ms();
    snprintf(d->system_id, sizeof(d->system_id), "%s", system_id);
    snprintf(d->msgid, sizeof(d->msgid), "%s", msgid);
    snprintf(d->src, sizeof(d->src), "%s", src);
    snprintf(d->dst, sizeof(d->dst), "%s", dst);
    return d;
}

static void dlr_schedule(struct sim *s, const char *system_id, const char *msgid, const char *src,
                         const char *dst, int64_t delay)
{
    struct dlr *d = dlr_new(system_id, msgid, src, dst, delay);
    int was_empty = s->qhead == NULL;
    dlr_push(s, d, 0);
    if (was_empty)
        dlr_arm(s);
}

/* ---- MO injection --------------------------------------------------------------------------- */

static int hex_field(json_t *o, const char *k, unsigned char *out, size_t cap, size_t *len)
{
    const char *h = json_string_value(json_object_get(o, k));
    *len = 0;
    if (h == NULL)
        return 0;
    return sodium_hex2bin(out, cap, h, strlen(h), NULL, len, NULL) == 0 ? 1 : -1;
}

static int int_field(json_t *o, const char *k, int def)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int)json_integer_value(v) : def;
}

/* Sends one described MO on c. */
static void mo_send(struct sim *s, struct conn *c, json_t *o)
{
    struct smpp_pdu p;
    unsigned char buf[4096];
    size_t len;
    json_t *sar = json_object_get(o, "sar");
    smpp_pdu_init(&p, json_is_true(json_object_get(o, "data_sm")) ? SMPP_CMD_DATA_SM
                                                                   : SMPP_CMD_DELIVER_SM,
                  c->seq++);
    snprintf(p.source_addr, 21, "%s", json_string_value(json_object_get(o, "source")) ?: "");
    snprintf(p.destination_addr, 21, "%s",
             json_string_value(json_object_get(o, "destination")) ?: "");
    p.source_addr_ton = (uint8_t)int_field(o, "source_ton", 1);
    p.source_addr_npi = 1;
    p.dest_addr_ton = (uint8_t)int_field(o, "dest_ton", 1);
    p.dest_addr_npi = 1;
    p.esm_class = (uint8_t)int_field(o, "esm_class", 0);
    p.data_coding = (uint8_t)int_field(o, "data_coding", 0);
    if (hex_field(o, "short_message", buf, 254, &len) > 0)
        smpp_pdu_set_short_message(&p, buf, len);
    if (hex_field(o, "payload", buf, sizeof(buf), &len) > 0)
        smpp_pdu_set_payload(&p, buf, len);
    if (json_array_size(sar) == 3)
        smpp_pdu_set_sar(&p, (uint16_t)json_integer_value(json_array_get(sar, 0)),
                         (uint8_t)json_integer_value(json_array_get(sar, 1)),
                         (uint8_t)json_integer_value(json_array_get(sar, 2)));
    unsigned char out[8192];
    if (smpp_pdu_encode(&p, out, sizeof(out), &len) == SH_OK) {
        struct mo_out *m = xcalloc(1, sizeof(*m));
        bufferevent_write(c->bev, out, len);
        m->seq = p.sequence_number;
        snprintf(m->tag, sizeof(m->tag), "%s", json_string_value(json_object_get(o, "tag")) ?: "");
        m->next = c->mo_unacked;
        c->mo_unacked = m;
        if (s->log != NULL)
            fprintf(s->log, "{\"event\":\"mo\",\"tag\":\"%s\",\"seq\":%u}\n", m->tag,
                    m->seq);
    }
    smpp_pdu_release(&p);
}

static void mo_acked(struct sim *s, struct conn *c, const struct smpp_pdu *p)
{
    for (struct mo_out **pp = &c->mo_unacked; *pp != NULL; pp = &(*pp)->next) {
        struct mo_out *m = *pp;
        if (m->seq != p->sequence_number)
            continue;
        *pp = m->next;
        if (s->log != NULL)
            fprintf(s->log, "{\"event\":\"mo_resp\",\"tag\":\"%s\",\"status\":%u}\n",
                    m->tag, p->command_status);
        free(m);
        return;
    }
}

static struct conn *receiver_for(struct sim *s, const char *system_id);

/* Every 100 ms: each DIR/NAME.json is a JSON array of MOs; sent when a receiver is bound. */
static void on_mo_timer(evutil_socket_t fd, short what, void *arg)
{
    struct sim *s = arg;
    struct timeval tv = {0, 100000};
    char path[1200];
    (void)fd;
    (void)what;
    DIR *dir = opendir(s->o.mo_dir);
    struct dirent *de;
    while (dir != NULL && (de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", s->o.mo_dir, de->d_name);
        json_t *a = json_load_file(path, 0, NULL);
        if (!json_is_array(a)) {
            fprintf(stderr, "smsc-sim: %s is not a JSON array; removed\n", path);
            unlink(path);
            json_decref(a);
            continue;
        }
        const char *sys = json_string_value(json_object_get(json_array_get(a, 0), "system_id"));
        struct conn *c = NULL;
        for (struct conn *k = s->conns; k != NULL && c == NULL; k = k->next) {
            if (k->bind_cmd != 0 && k->bind_cmd != SMPP_CMD_BIND_TRANSMITTER && !k->unbinding &&
                (sys == NULL || strcmp(k->system_id, sys) == 0))
                c = k;
        }
        if (c != NULL) {
            size_t i;
            json_t *o;
            json_array_foreach(a, i, o) mo_send(s, c, o);
            unlink(path);
        }
        json_decref(a);
    }
    if (dir != NULL)
        closedir(dir);
    if (s->log != NULL)
        fflush(s->log);
    evtimer_add(s->mo_ev, &tv);
}

/* ---- connections -------------------------------------------------------------------------- */

static void conn_free(struct conn *c)
{
    struct sim *s = c->sim;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    /* receipts never acknowledged go back to the queue, due now */
    while (c->unacked != NULL) {
        struct dlr *d = c->unacked;
        c->unacked = d->next;
        d->due = mono_ms();
        dlr_push(s, d, 1);
    }
    if (s->qhead != NULL)
        dlr_arm(s);
    while (c->mo_unacked != NULL) { /* not resent: the test that injected it sees no resp */
        struct mo_out *m = c->mo_unacked;
        c->mo_unacked = m->next;
        if (s->log != NULL)
            fprintf(s->log, "{\"event\":\"mo_lost\",\"tag\":\"%s\"}\n", m->tag);
        free(m);
    }
    bufferevent_free(c->bev);
    smpp_frame_release(&c->fr);
    free(c);
}

static int coin(double ratio)
{
    return ratio > 0 && (double)randombytes_uniform(1000000) < ratio * 1000000.0;
}

static void on_submit(struct sim *s, struct conn *c, const struct smpp_pdu *p)
{
    long n = ++s->submits;
    c->submits++;
    if ((s->o.throttle_every > 0 && n % s->o.throttle_every == 0) || coin(s->o.throttle_ratio)) {
        send_simple(c, SMPP_CMD_SUBMIT_SM_RESP, p->sequence_number, SMPP_ESME_RTHROTTLED);
        log_submit(s, c, p, "throttled", NULL, 0);
    } else if (s->o.generic_nack_every > 0 && n % s->o.generic_nack_every == 0) {
        send_simple(c, SMPP_CMD_GENERIC_NACK, p->sequence_number, SMPP_ESME_RSYSERR);
        log_submit(s, c, p, "generic_nack", NULL, 0);
    } else if (coin(s->o.reject_ratio)) {
        send_simple(c, SMPP_CMD_SUBMIT_SM_RESP, p->sequence_number, SMPP_ESME_RINVDSTADR);
        log_submit(s, c, p, "rejected", NULL, 0);
    } else {
        char id[32];
        struct smpp_pdu r;
        snprintf(id, sizeof(id), "%llx", (unsigned long long)s->next_id++);
        int silent = coin(s->o.no_resp_ratio);
        /* early: the receipt goes out on this connection ahead of the resp (transceiver) */
        int early = !silent && (p->registered_delivery & 0x03) != 0 &&
                    c->bind_cmd == SMPP_CMD_BIND_TRANSCEIVER && coin(s->o.early_dlr_ratio);
        if (early)
            dlr_send(s, c, dlr_new(c->system_id, id, p->source_addr, p->destination_addr, 0));
        if (!silent) {
            smpp_pdu_init(&r, SMPP_CMD_SUBMIT_SM_RESP, p->sequence_number);
            snprintf(r.message_id, sizeof(r.message_id), "%s", id);
            send_pdu(c, &r);
        }
        log_submit(s, c, p, silent ? "no_resp" : "ok", id, early);
        if (!early && !silent && (p->registered_delivery & 0x03) != 0)
            dlr_schedule(s, c->system_id, id, p->source_addr, p->destination_addr,
                         s->o.dlr_delay_ms);
    }
    if (s->o.unbind_after > 0 && c->submits == s->o.unbind_after && !c->unbinding) {
        c->unbinding = 1;
        send_simple(c, SMPP_CMD_UNBIND, c->seq++, 0);
    }
}

static void on_bind(struct sim *s, struct conn *c, const struct smpp_pdu *p)
{
    struct smpp_pdu r;
    uint32_t st = SMPP_ESME_ROK;
    if (c->bind_cmd != 0)
        st = SMPP_ESME_RALYBND;
    else if (s->o.system_id != NULL && strcmp(s->o.system_id, p->system_id) != 0)
        st = SMPP_ESME_RINVSYSID;
    else if (s->o.password != NULL &&
             (strlen(s->o.password) != strlen(p->password) ||
              sodium_memcmp(s->o.password, p->password, strlen(p->password)) != 0))
        st = SMPP_ESME_RINVPASWD;
    smpp_pdu_init(&r, p->command_id | SMPP_RESP_BIT, p->sequence_number);
    r.command_status = st;
    if (st == SMPP_ESME_ROK) {
        c->bind_cmd = p->command_id;
        snprintf(c->system_id, sizeof(c->system_id), "%s", p->system_id);
        snprintf(r.system_id, sizeof(r.system_id), "smsc-sim");
    }
    send_pdu(c, &r);
    fprintf(stderr, "smsc-sim: %s from %s: %s\n", smpp_command_name(p->command_id), p->system_id,
            smpp_status_name(st));
    if (st == SMPP_ESME_ROK && s->qhead != NULL)
        dlr_arm(s);
}

/* Returns 1 when the connection was closed. */
static int on_pdu(struct sim *s, struct conn *c, const unsigned char *buf, size_t len)
{
    struct smpp_pdu p, r;
    if (smpp_pdu_decode(buf, len, &p) != SH_OK) {
        if (smpp_pdu_error_reply(&p, &r) == SH_OK)
            send_pdu(c, &r);
        return 0;
    }
    switch (p.command_id) {
    case SMPP_CMD_BIND_TRANSCEIVER:
    case SMPP_CMD_BIND_TRANSMITTER:
    case SMPP_CMD_BIND_RECEIVER:
        on_bind(s, c, &p);
        break;
    case SMPP_CMD_SUBMIT_SM:
        if (c->bind_cmd == 0 || c->bind_cmd == SMPP_CMD_BIND_RECEIVER)
            send_simple(c, SMPP_CMD_SUBMIT_SM_RESP, p.sequence_number, SMPP_ESME_RINVBNDSTS);
        else
            on_submit(s, c, &p);
        break;
    case SMPP_CMD_ENQUIRE_LINK:
        send_simple(c, SMPP_CMD_ENQUIRE_LINK_RESP, p.sequence_number, 0);
        break;
    case SMPP_CMD_DELIVER_SM_RESP:
    case SMPP_CMD_DATA_SM_RESP:
        dlr_acked(s, c, p.sequence_number);
        mo_acked(s, c, &p);
        break;
    case SMPP_CMD_UNBIND:
        send_simple(c, SMPP_CMD_UNBIND_RESP, p.sequence_number, 0);
        if (!smpp_tls_is(c->bev))
            evbuffer_write(bufferevent_get_output(c->bev), bufferevent_getfd(c->bev));
        smpp_pdu_release(&p);
        conn_free(c);
        return 1;
    case SMPP_CMD_UNBIND_RESP:
        smpp_pdu_release(&p);
        conn_free(c);
        return 1;
    case SMPP_CMD_ENQUIRE_LINK_RESP:
    case SMPP_CMD_GENERIC_NACK:
        break;
    default:
        if (!(p.command_id & SMPP_RESP_BIT))
            send_simple(c, SMPP_CMD_GENERIC_NACK, p.sequence_number, SMPP_ESME_RINVCMDID);
        break;
    }
    smpp_pdu_release(&p);
    return 0;
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    struct sim *s = c->sim;
    struct evbuffer *in = bufferevent_get_input(bev);
    unsigned char buf[16384];
    int n;
    while ((n = evbuffer_remove(in, buf, sizeof(buf))) > 0) {
        size_t off = 0;
        while (off < (size_t)n) {
            size_t used;
            const unsigned char *pdu;
            size_t len;
            if (smpp_frame_feed(&c->fr, buf + off, (size_t)n - off, &used) != SH_OK) {
                send_simple(c, SMPP_CMD_GENERIC_NACK, c->fr.bad_sequence, SMPP_ESME_RINVCMDLEN);
                if (!smpp_tls_is(c->bev))
            evbuffer_write(bufferevent_get_output(c->bev), bufferevent_getfd(c->bev));
                conn_free(c);
                goto flush;
            }
            off += used;
            while (smpp_frame_next(&c->fr, &pdu, &len) == SH_OK) {
                if (on_pdu(s, c, pdu, len))
                    goto flush;
            }
        }
    }
flush:
    if (s->log != NULL)
        fflush(s->log);
}

static void on_conn_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        conn_free(arg);
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    struct sim *s = arg;
    struct conn *c = xcalloc(1, sizeof(*c));
    int one = 1;
    (void)lis;
    (void)sa;
    (void)socklen;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->sim = s;
    c->seq = 1;
    smpp_frame_init(&c->fr, 0);
    c->bev = s->tls != NULL ? smpp_tls_bev_server(s->base, s->tls, fd)
                            : bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        evutil_closesocket(fd);
        free(c);
        return;
    }
    bufferevent_setcb(c->bev, on_read, NULL, on_conn_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    c->next = s->conns;
    if (s->conns != NULL)
        s->conns->prev = c;
    s->conns = c;
}

/* ---- start-up ------------------------------------------------------------------------------ */

/* Receipts of accepted submits in an earlier run's log that were never acknowledged. */
static void replay_log(struct sim *s)
{
    FILE *f = fopen(s->o.log_path, "r");
    char line[4096];
    json_t *pending = json_object(), *order = json_array();
    if (f == NULL)
        goto out;
    while (fgets(line, sizeof(line), f) != NULL) {
        json_t *o = json_loads(line, 0, NULL);
        const char *ev = json_string_value(json_object_get(o, "event"));
        const char *id = json_string_value(json_object_get(o, "message_id"));
        if (ev != NULL && id != NULL && strcmp(ev, "submit") == 0 &&
            strcmp(json_string_value(json_object_get(o, "status")) ?: "", "ok") == 0) {
            json_object_set(pending, id, o);
            json_array_append_new(order, json_string(id));
        } else if (ev != NULL && id != NULL && strcmp(ev, "dlr") == 0) {
            json_object_del(pending, id);
        }
        json_decref(o);
    }
    fclose(f);
    size_t i, n = 0;
    json_t *v;
    json_array_foreach(order, i, v)
    {
        json_t *o = json_object_get(pending, json_string_value(v));
        if (o == NULL)
            continue;
        dlr_schedule(s, json_string_value(json_object_get(o, "system_id")) ?: "",
                     json_string_value(v),
                     json_string_value(json_object_get(o, "source")) ?: "",
                     json_string_value(json_object_get(o, "destination")) ?: "",
                     s->o.dlr_delay_ms);
        n++;
    }
    if (n > 0)
        fprintf(stderr, "smsc-sim: %zu receipts from the previous run still to send\n", n);
out:
    json_decref(pending);
    json_decref(order);
}

static const char sim_usage[] =
    "usage: smshub smsc-sim [--listen 127.0.0.1:PORT] [--port-file PATH] [--log FILE]\n"
    "       [--system-id ID] [--password PW] [--dlr-delay-ms MS] [--receipt-stat DELIVRD|UNDELIV|EXPIRED]\n"
    "       [--throttle-every N] [--throttle-ratio R] [--generic-nack-every N] [--reject-ratio R]\n"
    "       [--no-resp-ratio R] [--early-dlr-ratio R] [--unbind-after N] [--mo-dir DIR]\n"
    "       [--tls-cert PEM --tls-key PEM]\n";

static int parse_opts(int argc, char **argv, struct sim_opts *o)
{
    *o = (struct sim_opts){.host = "127.0.0.1", .port = 2775, .dlr_delay_ms = 100,
                           .receipt_stat = "DELIVRD"};
    for (int i = 0; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (v == NULL) {
            cmd_error("smsc-sim: %s needs a value", k);
            return 2;
        }
        i++;
        if (strcmp(k, "--listen") == 0) {
            const char *colon = strrchr(v, ':');
            if (colon == NULL || (size_t)(colon - v) >= sizeof(o->host)) {
                cmd_error("smsc-sim: --listen wants HOST:PORT");
                return 2;
            }
            snprintf(o->host, sizeof(o->host), "%.*s", (int)(colon - v), v);
            o->port = (int)strtol(colon + 1, &end, 10);
            if (*end != '\0' || o->port < 0 || o->port > 65535) {
                cmd_error("smsc-sim: bad port in --listen");
                return 2;
            }
        } else if (strcmp(k, "--port-file") == 0) {
            o->port_file = v;
        } else if (strcmp(k, "--log") == 0) {
            o->log_path = v;
        } else if (strcmp(k, "--tls-cert") == 0) {
            o->tls_cert = v;
        } else if (strcmp(k, "--tls-key") == 0) {
            o->tls_key = v;
        } else if (strcmp(k, "--mo-dir") == 0) {
            o->mo_dir = v;
        } else if (strcmp(k, "--system-id") == 0) {
            o->system_id = v;
        } else if (strcmp(k, "--password") == 0) {
            o->password = v;
        } else if (strcmp(k, "--receipt-stat") == 0) {
            if (strcmp(v, "DELIVRD") != 0 && strcmp(v, "UNDELIV") != 0 && strcmp(v, "EXPIRED") != 0) {
                cmd_error("smsc-sim: --receipt-stat is DELIVRD, UNDELIV or EXPIRED");
                return 2;
            }
            o->receipt_stat = v;
        } else if (strcmp(k, "--dlr-delay-ms") == 0 || strcmp(k, "--throttle-every") == 0 ||
                   strcmp(k, "--generic-nack-every") == 0 || strcmp(k, "--unbind-after") == 0) {
            long n = strtol(v, &end, 10);
            if (*end != '\0' || n < 0 || n > 100000000) {
                cmd_error("smsc-sim: %s wants a non-negative integer", k);
                return 2;
            }
            if (k[2] == 'd')
                o->dlr_delay_ms = (int)n;
            else if (k[2] == 't')
                o->throttle_every = n;
            else if (k[2] == 'g')
                o->generic_nack_every = n;
            else
                o->unbind_after = n;
        } else if (strcmp(k, "--reject-ratio") == 0 || strcmp(k, "--no-resp-ratio") == 0 ||
                   strcmp(k, "--throttle-ratio") == 0 || strcmp(k, "--early-dlr-ratio") == 0) {
            double r = strtod(v, &end);
            if (*end != '\0' || r < 0 || r > 1) {
                cmd_error("smsc-sim: %s wants a number from 0 to 1", k);
                return 2;
            }
            if (k[2] == 'r')
                o->reject_ratio = r;
            else if (k[2] == 'n')
                o->no_resp_ratio = r;
            else if (k[2] == 't')
                o->throttle_ratio = r;
            else
                o->early_dlr_ratio = r;
        } else {
            cmd_error("smsc-sim: unknown option %s", k);
            fputs(sim_usage, stderr);
            return 2;
        }
    }
    return 0;
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopexit(arg, NULL);
}

int cmd_smsc_sim(int argc, char **argv)
{
    struct sim s = {0};
    struct sockaddr_in sin = {.sin_family = AF_INET};
    int rc = 1;
    struct event *sigs[2] = {NULL, NULL};

    if (argc > 0 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        fputs(sim_usage, stdout);
        return 0;
    }
    if (parse_opts(argc, argv, &s.o) != 0 || sodium_init() < 0)
        return 2;
    if (inet_pton(AF_INET, s.o.host, &sin.sin_addr) != 1) {
        cmd_error("smsc-sim: --listen host must be an IPv4 address");
        return 2;
    }
    sin.sin_port = htons((uint16_t)s.o.port);
    if ((s.o.tls_cert != NULL) != (s.o.tls_key != NULL)) {
        cmd_error("smsc-sim: --tls-cert and --tls-key go together");
        return 2;
    }
    if (s.o.tls_cert != NULL) {
        char err[300];
        s.tls = smpp_tls_server_ctx(s.o.tls_cert, s.o.tls_key, err, sizeof(err));
        if (s.tls == NULL) {
            cmd_error("smsc-sim: %s", err);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    s.base = event_base_new();
    s.next_id = (uint64_t)clock_now_ms() * 1000;
    s.dlr_ev = evtimer_new(s.base, on_dlr_timer, &s);
    s.mo_ev = evtimer_new(s.base, on_mo_timer, &s);
    if (s.o.mo_dir != NULL) {
        struct timeval tv = {0, 100000};
        evtimer_add(s.mo_ev, &tv);
    }
    if (s.o.log_path != NULL) {
        replay_log(&s);
        s.log = fopen(s.o.log_path, "a");
        if (s.log == NULL) {
            cmd_error("smsc-sim: cannot open %s", s.o.log_path);
            goto out;
        }
    }
    s.lis = evconnlistener_new_bind(s.base, on_accept, &s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                    128, (struct sockaddr *)&sin, sizeof(sin));
    if (s.lis == NULL) {
        cmd_error("smsc-sim: cannot listen on %s:%d", s.o.host, s.o.port);
        goto out;
    }
    struct sockaddr_in bound;
    socklen_t bl = sizeof(bound);
    getsockname(evconnlistener_get_fd(s.lis), (struct sockaddr *)&bound, &bl);
    fprintf(stderr, "smsc-sim: listening on %s:%d\n", s.o.host, ntohs(bound.sin_port));
    if (s.o.port_file != NULL) {
        char tmp[600];
        snprintf(tmp, sizeof(tmp), "%s.tmp", s.o.port_file);
        FILE *pf = fopen(tmp, "w");
        if (pf == NULL || fprintf(pf, "%d\n", ntohs(bound.sin_port)) < 0 || fclose(pf) != 0 ||
            rename(tmp, s.o.port_file) != 0) {
            cmd_error("smsc-sim: cannot write %s", s.o.port_file);
            goto out;
        }
    }
    sigs[0] = evsignal_new(s.base, SIGTERM, on_signal, s.base);
    sigs[1] = evsignal_new(s.base, SIGINT, on_signal, s.base);
    event_add(sigs[0], NULL);
    event_add(sigs[1], NULL);
    event_base_dispatch(s.base);
    rc = 0;
out:
    while (s.conns != NULL)
        conn_free(s.conns);
    while (s.qhead != NULL) {
        struct dlr *d = s.qhead;
        s.qhead = d->next;
        free(d);
    }
    for (int i = 0; i < 2; i++)
        if (sigs[i] != NULL)
            event_free(sigs[i]);
    if (s.lis != NULL)
        evconnlistener_free(s.lis);
    event_free(s.dlr_ev);
    event_free(s.mo_ev);
    smpp_tls_ctx_free(s.tls);
    if (s.log != NULL)
        fclose(s.log);
    event_base_free(s.base);
    return rc;
}
