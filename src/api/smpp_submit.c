/*
 * smpp_submit.c — submit_sm / data_sm on the SMPP server (api/smpp_server_int.h): account
 * TPS, project rate limits and quotas (api/guard.h) → ESME_RTHROTTLED; text decoded from
 * data_coding 0 (GSM 03.38, one septet per octet), 1/3 (ASCII/Latin-1) or 8 (UCS-2);
 * concatenated parts (UDH IEI 0x00/0x08 or SAR TLVs) reassembled into one message; then the
 * REST accept core (api/accept.h) and store_accept. The last (or only) part's submit_sm_resp
 * is sent from the server thread once the store committed, with our message id.
 */
#include "api/accept.h"
#include "api/guard.h"
#include "api/smpp_server_int.h"
#include "core/encoding.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "smpp/concat.h"
#include "store/smpp_accounts.h"

#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX (SS_PARTS_MAX * SMPP_SM_MAX * 3 + 1)

static int64_t mono_ms(void)
{
    return clock_mono_us() / 1000;
}

static void submit_resp(struct ss_conn *c, uint32_t cmd, uint32_t seq, uint32_t status,
                        const char *id)
{
    struct smpp_pdu r;
    smpp_pdu_init(&r, cmd, seq);
    r.command_status = status;
    if (status == SMPP_ESME_ROK && id != NULL)
        snprintf(r.message_id, sizeof(r.message_id), "%s", id);
    ss_send(c, &r);
}

/* UTF-8 of octets b[0..n) in data_coding dc into out[cap]; -1 when dc is not supported. */
static long decode_text(uint8_t dc, const unsigned char *b, size_t n, char *out, size_t cap)
{
    switch (dc) {
    case 0x00:
        return enc_from_gsm7(b, n, out, cap);
    case 0x01:
    case 0x03:
        return enc_from_latin1(b, n, out, cap);
    case 0x08:
        return enc_from_ucs2be(b, n, out, cap);
    default:
        return -1;
    }
}

/* The ESME status for the first invalid field. */
static uint32_t field_status(const struct field_errors *fe)
{
    const char *f = fe->n > 0 ? fe->e[0].field : "";
    if (strcmp(f, "to") == 0)
        return SMPP_ESME_RINVDSTADR;
    if (strcmp(f, "from") == 0)
        return SMPP_ESME_RINVSRCADR;
    if (strcmp(f, "text") == 0)
        return SMPP_ESME_RINVMSGLEN;
    return SMPP_ESME_RSUBMITFAIL;
}

/* Called by the store writer with the commit's outcome: hand it to the server thread. */
static void accept_cb(void *arg, int status)
{
    struct ss_done *d = arg;
    struct smpp_server *s = d->srv;
    d->status = status;
    pthread_mutex_lock(&s->mu);
    if (s->done_tail != NULL)
        s->done_tail->next = d;
    else
        s->done_head = d;
    s->done_tail = d;
    /* under mu: once the stop has drained d it may free s, so s is not touched after this */
    event_active(s->wake_ev, EV_TIMEOUT, 0);
    pthread_mutex_unlock(&s->mu);
}

void ss_drain_done(struct smpp_server *s)
{
    struct ss_done *d, *next;
    pthread_mutex_lock(&s->mu);
    d = s->done_head;
    s->done_head = s->done_tail = NULL;
    pthread_mutex_unlock(&s->mu);
    for (; d != NULL; d = next) {
        next = d->next;
        struct ss_conn *c = ss_find(s, d->cid);
        int ok = d->status == SH_OK && d->acc.result == SH_OK;
        if (ok)
            accept_committed(s->api, &d->acc);
        /* a prepaid balance that cannot pay: submit failed, nothing stored (docs/billing.md) */
        uint32_t err = d->status == SH_OK && d->acc.result == SH_ENOTFOUND ? SMPP_ESME_RSUBMITFAIL
                                                                            : SMPP_ESME_RSYSERR;
        if (c != NULL)
            submit_resp(c, d->resp_cmd, d->seq, ok ? SMPP_ESME_ROK : err, d->msg.id);
        free(d->acc.replay_body);
        arena_release(&d->arena);
        free(d);
        atomic_fetch_sub(&s->inflight, 1);
    }
}

/* Hands d's message to the store (no idempotency key: docs/internals/SMPP.md); on refusal
 * answers RSYSERR and frees d. */
static void start_accept(struct smpp_server *s, struct ss_done *d)
{
    d->acc.msg = &d->msg;
    d->acc.idem_key = NULL;
    atomic_fetch_add(&s->inflight, 1);
    if (store_accept(s->api->store, &d->acc, 1, accept_cb, d) == SH_OK)
        return;
    atomic_fetch_sub(&s->inflight, 1);
    struct ss_conn *c = ss_find(s, d->cid);
    if (c != NULL)
        submit_resp(c, d->resp_cmd, d->seq, SMPP_ESME_RSYSERR, NULL);
    arena_release(&d->arena);
    free(d);
}

/* Validates and queues the message for the store; answers itself on every refusal. */
static void accept_text(struct ss_conn *c, const struct smpp_pdu *p, const char *text,
                        const char *fixed_id)
{
    struct smpp_server *s = c->srv;
    uint32_t resp = p->command_id | SMPP_RESP_BIT;
    struct field_errors fe = {0};
    int64_t now = clock_now_ms();
    char to[70];
    struct ss_done *d = xcalloc(1, sizeof(*d));
    arena_init(&d->arena);
    d->srv = s;
    d->cid = c->cid;
    d->seq = p->sequence_number;
    d->resp_cmd = resp;

    snprintf(to, sizeof(to), "%s%s", p->destination_addr[0] == '+' ? "" : "+", p->destination_addr);
    json_t *body = json_pack("{s:s, s:s}", "to", to, "text", text);
    if (p->source_addr[0] != '\0')
        json_object_set_new(body, "from", json_string(p->source_addr));
    int prep = accept_prepare(s->api, body, c->project_id, now, &d->arena, &d->msg, &fe);
    json_decref(body);
    if (prep != ACCEPT_OK) {
        submit_resp(c, resp, p->sequence_number,
                    prep == ACCEPT_INVALID ? field_status(&fe) : SMPP_ESME_RSYSERR, NULL);
        goto fail;
    }
    if (fixed_id != NULL)
        d->msg.id = arena_strdup(&d->arena, fixed_id);
    d->msg.project_id = arena_strdup(&d->arena, c->project_id); /* c may close meanwhile */
    d->acc.now = now;
    if (accept_price(s->api, &d->msg, &d->acc, &d->arena) != ACCEPT_OK) {
        submit_resp(c, resp, p->sequence_number, SMPP_ESME_RSYSERR, NULL);
        goto fail;
    }
    if ((p->registered_delivery & 0x03) != 0) {
        /* the receipt owed is recorded before the message, so an acknowledged message has
         * it; rows of all submits read in one go share one transaction (ss_flush_pending) */
        d->want_receipt = (p->registered_delivery & 0x03) == 0x02 ? 2 : 1;
        snprintf(d->account_id, sizeof(d->account_id), "%s", c->account_id);
        snprintf(d->src, sizeof(d->src), "%s", p->source_addr);
        snprintf(d->dst, sizeof(d->dst), "%s", p->destination_addr);
        if (s->pend_tail != NULL)
            s->pend_tail->next = d;
        else
            s->pend_head = d;
        s->pend_tail = d;
        event_active(s->flush_ev, EV_TIMEOUT, 0);
        return;
    }
    start_accept(s, d);
    return;
fail:
    arena_release(&d->arena);
    free(d);
}

void ss_flush_pending(struct smpp_server *s)
{
    struct ss_done *d = s->pend_head, *next;
    struct store_smpp_receipt_new *v;
    size_t n = 0, i = 0;
    int st;
    s->pend_head = s->pend_tail = NULL;
    for (struct ss_done *x = d; x != NULL; x = x->next)
        n++;
    if (n == 0)
        return;
    v = xcalloc(n, sizeof(*v));
    for (struct ss_done *x = d; x != NULL; x = x->next, i++)
        v[i] = (struct store_smpp_receipt_new){x->msg.id, x->account_id, x->msg.project_id,
                                               x->src,    x->dst,        x->want_receipt == 2};
    st = store_smpp_receipt_add(s->api->store, v, n, clock_now_ms());
    free(v);
    for (; d != NULL; d = next) {
        next = d->next;
        d->next = NULL;
        if (st == SH_OK) {
            start_accept(s, d);
            continue;
        }
        struct ss_conn *c = ss_find(s, d->cid);
        if (c != NULL)
            submit_resp(c, d->resp_cmd, d->seq, SMPP_ESME_RSYSERR, NULL);
        arena_release(&d->arena);
        free(d);
    }
}

/* ---- concatenated parts ----------------------------------------------------------------- */

void ss_concat_expire(struct ss_conn *c, int64_t now_ms)
{
    for (int i = 0; i < SS_CONCAT_MAX; i++) {
        struct ss_concat *k = &c->concat[i];
        if (k->used && now_ms - k->started_ms > c->srv->cfg.concat_timeout_ms) {
            char fields[200];
            snprintf(fields, sizeof(fields),
                     "\"event\":\"concat_timeout\",\"system_id\":\"%s\",\"message_id\":\"%s\","
                     "\"parts\":%u,\"got\":%u",
                     c->system_id, k->id, k->total, k->got);
            log_msg(c->srv->api->log, LOG_WARN, fields,
                    "smpp server: a concatenated message never got all its parts; dropped");
            k->used = 0;
        }
    }
}

static struct ss_concat *concat_slot(struct ss_conn *c, const struct smpp_pdu *p, uint16_t ref,
                                     uint8_t total)
{
    struct ss_concat *free_slot = NULL;
    for (int i = 0; i < SS_CONCAT_MAX; i++) {
        struct ss_concat *k = &c->concat[i];
        if (!k->used) {
            if (free_slot == NULL)
                free_slot = k;
            continue;
        }
        if (k->ref == ref && k->total == total && strcmp(k->src, p->source_addr) == 0 &&
            strcmp(k->dst, p->destination_addr) == 0)
            return k;
    }
    if (free_slot == NULL)
        return NULL;
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->used = 1;
    free_slot->ref = ref;
    free_slot->total = total;
    free_slot->started_ms = mono_ms();
    snprintf(free_slot->src, sizeof(free_slot->src), "%s", p->source_addr);
    snprintf(free_slot->dst, sizeof(free_slot->dst), "%s", p->destination_addr);
    id_new("msg", clock_now_ms(), free_slot->id, sizeof(free_slot->id));
    return free_slot;
}

/* One part of a concatenated message: kept until all are there, then accepted as one. */
static void on_part(struct ss_conn *c, const struct smpp_pdu *p, uint16_t ref, uint8_t total,
                    uint8_t seq, const unsigned char *data, size_t len)
{
    uint32_t resp = p->command_id | SMPP_RESP_BIT;
    struct ss_concat *k;
    if (total > SS_PARTS_MAX || seq < 1 || seq > total || len > SMPP_SM_MAX) {
        submit_resp(c, resp, p->sequence_number, SMPP_ESME_RINVMSGLEN, NULL);
        return;
    }
    k = concat_slot(c, p, ref, total);
    if (k == NULL) {
        submit_resp(c, resp, p->sequence_number, SMPP_ESME_RTHROTTLED, NULL);
        return;
    }
    struct ss_part *pt = &k->parts[seq - 1];
    if (!pt->have)
        k->got++;
    pt->have = 1;
    pt->dc = p->data_coding;
    pt->len = len;
    memcpy(pt->data, data, len);
    if (k->got < k->total) {
        /* held in memory only: see docs/internals/SMPP.md (the last part is durable) */
        submit_resp(c, resp, p->sequence_number, SMPP_ESME_ROK, k->id);
        return;
    }
    char *text = xmalloc(TEXT_MAX);
    size_t off = 0;
    uint32_t st = SMPP_ESME_ROK;
    for (int i = 0; i < k->total; i++) {
        long n = decode_text(k->parts[i].dc, k->parts[i].data, k->parts[i].len, text + off,
                             TEXT_MAX - 1 - off);
        if (n < 0) {
            st = SMPP_ESME_RSUBMITFAIL;
            break;
        }
        off += (size_t)n;
    }
    text[off] = '\0';
    char id[ID_MAX];
    snprintf(id, sizeof(id), "%s", k->id);
    k->used = 0;
    if (st != SMPP_ESME_ROK)
        submit_resp(c, resp, p->sequence_number, st, NULL);
    else
        accept_text(c, p, text, id);
    free(text);
}

void ss_on_submit(struct ss_conn *c, const struct smpp_pdu *p)
{
    struct smpp_server *s = c->srv;
    uint32_t resp = p->command_id | SMPP_RESP_BIT;
    size_t len = 0;
    const unsigned char *m = smpp_pdu_message(p, &len);
    struct smpp_udh udh;
    uint16_t ref;
    uint8_t total, seq;

    int g = guard_message_check(s->api->guard, c->project_id, c->account_id, c->tps);
    if (g == GUARD_RATE_LIMITED || g == GUARD_QUOTA) {
        submit_resp(c, resp, p->sequence_number, SMPP_ESME_RTHROTTLED, NULL);
        return;
    }
    if (g != GUARD_PASS) {
        submit_resp(c, resp, p->sequence_number, SMPP_ESME_RSYSERR, NULL);
        return;
    }
    if (m == NULL)
        len = 0;
    if ((p->esm_class & SMPP_ESM_UDHI) != 0) {
        if (smpp_udh_parse(m, len, &udh) != SH_OK) {
            submit_resp(c, resp, p->sequence_number, SMPP_ESME_RINVESMCLASS, NULL);
            return;
        }
        if (udh.has_concat && udh.concat.total > 1) {
            on_part(c, p, udh.concat.ref, udh.concat.total, udh.concat.seq, m + udh.len,
                    len - udh.len);
            return;
        }
        m += udh.len;
        len -= udh.len;
    } else if (smpp_pdu_get_sar(p, &ref, &total, &seq) == SH_OK && total > 1) {
        on_part(c, p, ref, total, seq, m, len);
        return;
    }
    char *text = xmalloc(3 * len + 1);
    long n = decode_text(p->data_coding, m, len, text, 3 * len + 1);
    if (n < 0) {
        submit_resp(c, resp, p->sequence_number, SMPP_ESME_RSUBMITFAIL, NULL);
    } else {
        text[n] = '\0';
        accept_text(c, p, text, NULL);
    }
    free(text);
}
