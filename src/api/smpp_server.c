/*
 * smpp_server.c — the SMPP server's thread, listener and sessions (api/smpp_server.h):
 * binds against the project's SMPP accounts (Argon2id password, account and project IP
 * allowlists, max binds, failed binds throttled per address), enquire_link, unbind,
 * generic_nack for anything else, and delivery receipts owed to the account
 * (store/smpp_accounts.h) sent to its receiver/transceiver binds within a window, marked
 * sent on deliver_sm_resp. submit_sm is smpp_submit.c.
 */
#include "api/smpp_server_int.h"
#include "core/message_state.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/smpp_accounts.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 100
#define RECEIPT_BATCH 64

static int64_t mono_ms(void)
{
    return clock_mono_us() / 1000;
}

void ss_send(struct ss_conn *c, const struct smpp_pdu *p)
{
    unsigned char buf[1024];
    size_t len;
    if (smpp_pdu_encode(p, buf, sizeof(buf), &len) == SH_OK)
        bufferevent_write(c->bev, buf, len);
}

void ss_send_status(struct ss_conn *c, uint32_t cmd, uint32_t seq, uint32_t status)
{
    struct smpp_pdu p;
    smpp_pdu_init(&p, cmd, seq);
    p.command_status = status;
    ss_send(c, &p);
}

struct ss_conn *ss_find(struct smpp_server *s, uint64_t cid)
{
    for (struct ss_conn *c = s->conns; c != NULL; c = c->next)
        if (c->cid == cid)
            return c;
    return NULL;
}

void ss_log(struct ss_conn *c, int level, const char *event, const char *detail)
{
    char fields[300], sysid[sizeof(c->system_id)];
    /* system_id may come from the client: only characters safe inside a JSON string */
    for (size_t i = 0; i < sizeof(sysid); i++) {
        unsigned char ch = (unsigned char)c->system_id[i];
        sysid[i] =
            ch == '\0' || (ch >= 0x21 && ch <= 0x7e && ch != '"' && ch != '\\') ? (char)ch : '?';
        if (ch == '\0')
            break;
    }
    sysid[sizeof(sysid) - 1] = '\0';
    snprintf(fields, sizeof(fields),
             "\"event\":\"%s\",\"peer\":\"%s\",\"system_id\":\"%s\",\"project_id\":\"%s\"", event,
             c->peer, sysid, c->project_id);
    log_msg(c->srv->api->log, level, fields, "smpp server: %s", detail);
}

static void conn_free(struct ss_conn *c)
{
    struct smpp_server *s = c->srv;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->nconns--;
    /* receipts in flight stay unsent in the store and go out again later */
    bufferevent_free(c->bev);
    smpp_frame_release(&c->fr);
    free(c);
}

static void on_drained(struct bufferevent *bev, void *arg)
{
    (void)bev;
    conn_free(arg);
}

static void on_conn_event(struct bufferevent *bev, short what, void *arg);

/* Stops reading, lets what is queued go out, then frees c (at once when nothing is). c
 * stays listed until then, as unbound and closing. */
static void conn_close(struct ss_conn *c)
{
    c->bind_cmd = 0;
    c->closing = 1;
    bufferevent_disable(c->bev, EV_READ);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        conn_free(c);
        return;
    }
    bufferevent_setcb(c->bev, NULL, on_drained, on_conn_event, c);
}

/* ---- receipts --------------------------------------------------------------------------- */

static int can_receive(const struct ss_conn *c)
{
    return (c->bind_cmd == SMPP_CMD_BIND_RECEIVER || c->bind_cmd == SMPP_CMD_BIND_TRANSCEIVER) &&
           !c->unbinding && !c->closing;
}

static int in_flight(struct smpp_server *s, const char *account_id, const char *msgid)
{
    for (struct ss_conn *c = s->conns; c != NULL; c = c->next) {
        if (strcmp(c->account_id, account_id) != 0)
            continue;
        for (int i = 0; i < c->nwin; i++)
            if (strcmp(c->win[i].msgid, msgid) == 0)
                return 1;
    }
    return 0;
}

static void fmt_date(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%y%m%d%H%M", &tm);
}

static void receipt_words(int status, const char **stat, int *state)
{
    switch (status) {
    case MSG_DELIVERED:
        *stat = "DELIVRD";
        *state = SMPP_STATE_DELIVERED;
        break;
    case MSG_EXPIRED:
        *stat = "EXPIRED";
        *state = SMPP_STATE_EXPIRED;
        break;
    case MSG_REJECTED:
        *stat = "REJECTD";
        *state = SMPP_STATE_REJECTED;
        break;
    case MSG_CANCELED:
        *stat = "DELETED";
        *state = SMPP_STATE_DELETED;
        break;
    default:
        *stat = "UNDELIV";
        *state = SMPP_STATE_UNDELIVERABLE;
        break;
    }
}

/* The first 20 octets of text, cut at a UTF-8 character boundary, blanks for controls. */
static void receipt_text(const char *body, char out[21])
{
    size_t n = strlen(body) > 20 ? 20 : strlen(body);
    while (n > 0 && n < strlen(body) && ((unsigned char)body[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, body, n);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20)
            out[i] = ' ';
}

static void send_receipt(struct ss_conn *c, const struct store_smpp_receipt *r)
{
    struct smpp_pdu p;
    const char *stat;
    int state, ok = r->status == MSG_DELIVERED;
    char sub[16], done[16], text[21], sm[200];
    receipt_words(r->status, &stat, &state);
    smpp_pdu_init(&p, SMPP_CMD_DELIVER_SM, c->next_seq++);
    if (c->next_seq > 0x7FFFFFFF)
        c->next_seq = 1;
    snprintf(p.source_addr, 21, "%s", r->dest_addr); /* the handset the message went to */
    snprintf(p.destination_addr, 21, "%s", r->source_addr);
    p.source_addr_ton = p.dest_addr_ton = 1;
    p.source_addr_npi = p.dest_addr_npi = 1;
    p.esm_class = SMPP_ESM_TYPE_RECEIPT;
    fmt_date(r->created_at, sub, sizeof(sub));
    fmt_date(r->done_at, done, sizeof(done));
    receipt_text(r->body, text);
    int n = snprintf(sm, sizeof(sm),
                     "id:%s sub:001 dlvrd:%s submit date:%s done date:%s stat:%s err:%s text:%s",
                     r->message_id, ok ? "001" : "000", sub, done, stat, ok ? "000" : "001", text);
    if (n < 0 || n > SMPP_SM_MAX)
        n = SMPP_SM_MAX;
    smpp_pdu_set_short_message(&p, sm, (size_t)n);
    smpp_pdu_tlv_set_cstr(&p, SMPP_TLV_RECEIPTED_MESSAGE_ID, r->message_id);
    smpp_pdu_tlv_set_u8(&p, SMPP_TLV_MESSAGE_STATE, (uint8_t)state);
    ss_send(c, &p);
    struct ss_inflight *w = &c->win[c->nwin++];
    w->seq = p.sequence_number;
    w->sent_ms = mono_ms();
    snprintf(w->msgid, sizeof(w->msgid), "%s", r->message_id);
}

/* Sends c the receipts its account is owed, as many as its window has room for. */
static void pump_conn(struct smpp_server *s, struct ss_conn *c)
{
    struct store_smpp_receipt *v;
    size_t n, i = 0;
    struct arena a;
    c->more_receipts = 0;
    if (!can_receive(c) || c->nwin >= s->cfg.window)
        return;
    arena_init(&a);
    if (store_smpp_receipt_pending(s->api->store, c->account_id, RECEIPT_BATCH, &a, &v, &n) ==
        SH_OK) {
        for (; i < n && c->nwin < s->cfg.window; i++) {
            if (v[i].failure_only && v[i].status == MSG_DELIVERED)
                store_smpp_receipt_done(s->api->store, v[i].message_id, clock_now_ms());
            else if (!in_flight(s, c->account_id, v[i].message_id))
                send_receipt(c, &v[i]);
        }
        c->more_receipts = i < n;
    }
    arena_release(&a);
}

static void pump_receipts(struct smpp_server *s)
{
    for (struct ss_conn *c = s->conns; c != NULL; c = c->next)
        pump_conn(s, c);
}

static void on_deliver_resp(struct ss_conn *c, const struct smpp_pdu *p)
{
    for (int i = 0; i < c->nwin; i++) {
        if (c->win[i].seq != p->sequence_number)
            continue;
        if (p->command_status == SMPP_ESME_ROK)
            store_smpp_receipt_done(c->srv->api->store, c->win[i].msgid, clock_now_ms());
        /* a refusal leaves it owed: it goes out again on the next poll */
        c->win[i] = c->win[--c->nwin];
        /* a backlog goes out as fast as the client acknowledges, not a window per poll */
        if (p->command_status == SMPP_ESME_ROK && c->more_receipts &&
            c->nwin <= c->srv->cfg.window / 2)
            pump_conn(c->srv, c);
        return;
    }
}

/* ---- PDUs ------------------------------------------------------------------------------- */

/* Returns 1 when c was freed. */
static int on_pdu(struct ss_conn *c, const unsigned char *buf, size_t len)
{
    struct smpp_pdu p, r;
    int freed = 0;
    if (smpp_pdu_decode(buf, len, &p) != SH_OK) {
        if (smpp_pdu_error_reply(&p, &r) == SH_OK)
            ss_send(c, &r);
        return 0;
    }
    c->last_rx_ms = mono_ms(); /* any PDU, enquire_link included, is activity */
    switch (p.command_id) {
    case SMPP_CMD_BIND_TRANSCEIVER:
    case SMPP_CMD_BIND_TRANSMITTER:
    case SMPP_CMD_BIND_RECEIVER:
        ss_on_bind(c, &p);
        break;
    case SMPP_CMD_SUBMIT_SM:
    case SMPP_CMD_DATA_SM:
        if (c->bind_cmd == 0 || c->bind_cmd == SMPP_CMD_BIND_RECEIVER || c->unbinding)
            ss_send_status(c, p.command_id | SMPP_RESP_BIT, p.sequence_number,
                           SMPP_ESME_RINVBNDSTS);
        else
            ss_on_submit(c, &p);
        break;
    case SMPP_CMD_ENQUIRE_LINK:
        ss_send_status(c, SMPP_CMD_ENQUIRE_LINK_RESP, p.sequence_number, SMPP_ESME_ROK);
        break;
    case SMPP_CMD_DELIVER_SM_RESP:
        on_deliver_resp(c, &p);
        break;
    case SMPP_CMD_UNBIND:
        ss_send_status(c, SMPP_CMD_UNBIND_RESP, p.sequence_number, SMPP_ESME_ROK);
        ss_log(c, LOG_INFO, "unbound", "unbind from the client");
        conn_close(c);
        freed = 1;
        break;
    case SMPP_CMD_UNBIND_RESP:
        conn_close(c);
        freed = 1;
        break;
    case SMPP_CMD_ENQUIRE_LINK_RESP:
    case SMPP_CMD_GENERIC_NACK:
        break;
    default:
        if (!(p.command_id & SMPP_RESP_BIT))
            ss_send_status(c, SMPP_CMD_GENERIC_NACK, p.sequence_number, SMPP_ESME_RINVCMDID);
        break;
    }
    smpp_pdu_release(&p);
    return freed;
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct ss_conn *c = arg;
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
                ss_send_status(c, SMPP_CMD_GENERIC_NACK, c->fr.bad_sequence, SMPP_ESME_RINVCMDLEN);
                ss_log(c, LOG_WARN, "bad_frame", "invalid command_length; closing");
                conn_close(c);
                return;
            }
            off += used;
            while (smpp_frame_next(&c->fr, &pdu, &len) == SH_OK)
                if (on_pdu(c, pdu, len))
                    return;
        }
    }
}

static void on_conn_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        conn_free(arg);
}

static void accept_conn(struct smpp_server *s, evutil_socket_t fd, struct sockaddr *sa, int tls)
{
    struct ss_conn *c;
    int one = 1;
    if (s->nconns >= SS_CONNS_MAX || s->stopping) {
        evutil_closesocket(fd);
        return;
    }
    c = xcalloc(1, sizeof(*c));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, c->peer, sizeof(c->peer));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, c->peer, sizeof(c->peer));
    c->srv = s;
    c->cid = ++s->next_cid;
    c->next_seq = 1;
    c->opened_ms = mono_ms();
    c->last_rx_ms = c->opened_ms;
    smpp_frame_init(&c->fr, 0);
    c->tls = tls;
    c->bev = tls ? smpp_tls_bev_server(s->base, s->tls, fd)
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
    s->nconns++;
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    (void)lis;
    (void)socklen;
    accept_conn(arg, fd, sa, 0);
}

static void on_accept_tls(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                          int socklen, void *arg)
{
    (void)lis;
    (void)socklen;
    accept_conn(arg, fd, sa, 1);
}

/* ---- timers, stop ----------------------------------------------------------------------- */

void ss_unbind(struct ss_conn *c, const char *event, const char *detail)
{
    if (c->bind_cmd == 0 || c->unbinding || c->closing)
        return;
    c->unbinding = 1;
    c->unbind_ms = mono_ms();
    ss_send_status(c, SMPP_CMD_UNBIND, c->next_seq++, 0);
    if (c->next_seq > 0x7FFFFFFF)
        c->next_seq = 1;
    ss_log(c, LOG_INFO, event, detail);
}

/*
 * Sessions of accounts switched inactive or deleted since they bound (on any node: the
 * account row is the shared state) are unbound. One query for all sessions: accounts changed
 * after the oldest bind still in place, with 5 min of margin for clock skew between nodes.
 */
static void check_accounts(struct smpp_server *s)
{
    int64_t oldest = 0;
    struct arena a;
    const char **ids;
    size_t n;
    for (struct ss_conn *c = s->conns; c != NULL; c = c->next) {
        if (c->bind_cmd != 0 && !c->unbinding && !c->closing &&
            (oldest == 0 || c->bound_wall_ms < oldest))
            oldest = c->bound_wall_ms;
    }
    if (oldest == 0)
        return;
    arena_init(&a);
    if (store_smpp_accounts_disabled_since(s->api->store, oldest - 300000, 1024, &a, &ids, &n) ==
        SH_OK) {
        for (size_t i = 0; i < n; i++) {
            for (struct ss_conn *c = s->conns; c != NULL; c = c->next) {
                if (c->bind_cmd != 0 && strcmp(c->account_id, ids[i]) == 0)
                    ss_unbind(c, "account_disabled",
                              "the account was deactivated or deleted; unbinding");
            }
        }
    }
    arena_release(&a);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct smpp_server *s = arg;
    int64_t now = mono_ms();
    struct ss_conn *next;
    (void)fd;
    (void)what;
    for (struct ss_conn *c = s->conns; c != NULL; c = next) {
        next = c->next;
        for (int i = 0; i < c->nwin;) { /* no deliver_sm_resp: owed again, sent again later */
            if (now - c->win[i].sent_ms > s->cfg.response_timeout_ms)
                c->win[i] = c->win[--c->nwin];
            else
                i++;
        }
        ss_concat_expire(c, now);
        if (s->cfg.idle_timeout_ms > 0 && c->bind_cmd != 0 && !s->stopping &&
            now - c->last_rx_ms > s->cfg.idle_timeout_ms)
            ss_unbind(c, "idle", "no PDU from the client within the idle timeout; unbinding");
        if ((c->unbinding && now - c->unbind_ms > s->cfg.response_timeout_ms) ||
            (c->bind_cmd == 0 && !c->closing && now - c->opened_ms > SS_BIND_WAIT_MS))
            conn_free(c);
    }
    if (s->stopping) {
        if ((s->conns == NULL && atomic_load(&s->inflight) == 0) || now >= s->stop_deadline)
            event_base_loopbreak(s->base);
        return;
    }
    if (now >= s->next_account_check) {
        check_accounts(s);
        s->next_account_check = mono_ms() + s->cfg.account_poll_ms;
    }
    if (now >= s->next_poll) {
        pump_receipts(s);
        s->next_poll = mono_ms() + s->cfg.receipt_poll_ms;
    }
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ss_drain_done(arg);
}

static void on_bind_result(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ss_bind_results(arg);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ss_flush_pending(arg);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    struct smpp_server *s = arg;
    struct ss_conn *next;
    (void)fd;
    (void)what;
    s->stopping = 1;
    if (s->lis != NULL)
        evconnlistener_disable(s->lis);
    if (s->tls_lis != NULL)
        evconnlistener_disable(s->tls_lis);
    for (struct ss_conn *c = s->conns; c != NULL; c = next) {
        next = c->next;
        if (c->bind_cmd == 0) {
            conn_free(c);
            continue;
        }
        ss_unbind(c, "stopping", "the server is stopping; unbinding");
    }
}

static void *run(void *arg)
{
    struct smpp_server *s = arg;
    event_base_dispatch(s->base);
    return NULL;
}

/* Parses "host:port" into ss. */
static int listen_addr(const char *listen, struct sockaddr_storage *ss, int *sslen)
{
    char host[64];
    int p = 0;
    if (http_parse_listen(listen, host, sizeof(host), &p) != SH_OK)
        return SH_EINVAL;
    memset(ss, 0, sizeof(*ss));
    if (strchr(host, ':') != NULL) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p);
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
            return SH_EINVAL;
        *sslen = sizeof(*a6);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p);
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
            return SH_EINVAL;
        *sslen = sizeof(*a4);
    }
    return SH_OK;
}

static int bound_port(struct evconnlistener *lis)
{
    struct sockaddr_storage b;
    socklen_t bl = sizeof(b);
    if (lis == NULL)
        return 0;
    getsockname(evconnlistener_get_fd(lis), (struct sockaddr *)&b, &bl);
    return ntohs(b.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&b)->sin6_port
                                         : ((struct sockaddr_in *)&b)->sin_port);
}

static void server_free(struct smpp_server *s)
{
    if (s->bind_ev != NULL)
        event_free(s->bind_ev);
    if (s->tick_ev != NULL)
        event_free(s->tick_ev);
    if (s->wake_ev != NULL)
        event_free(s->wake_ev);
    if (s->stop_ev != NULL)
        event_free(s->stop_ev);
    if (s->flush_ev != NULL)
        event_free(s->flush_ev);
    if (s->lis != NULL)
        evconnlistener_free(s->lis);
    if (s->tls_lis != NULL)
        evconnlistener_free(s->tls_lis);
    smpp_tls_ctx_free(s->tls); /* after the sessions */
    event_base_free(s->base);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int smpp_server_start(const struct smpp_server_cfg *cfg, struct api *api, struct smpp_server **out,
                      int *port, int *tls_port, char *err, size_t errcap)
{
    struct sockaddr_storage ss, tss;
    int sslen = sizeof(ss), tsslen = sizeof(tss);
    int plain = cfg->listen != NULL && cfg->listen[0] != '\0';
    int tls = cfg->tls_listen != NULL && cfg->tls_listen[0] != '\0';
    struct smpp_server *s;
    struct timeval tick = {0, TICK_MS * 1000};

    snprintf(err, errcap, "bad SMPP listen address");
    if ((!plain && !tls) || (plain && listen_addr(cfg->listen, &ss, &sslen) != SH_OK) ||
        (tls && listen_addr(cfg->tls_listen, &tss, &tsslen) != SH_OK))
        return SH_EINVAL;
    s = xcalloc(1, sizeof(*s));
    if (tls) {
        if (cfg->tls_cert == NULL || cfg->tls_key == NULL || !cfg->tls_cert[0] ||
            !cfg->tls_key[0]) {
            snprintf(err, errcap, "the SMPP TLS listener needs a certificate and a key file");
            free(s);
            return SH_EINVAL;
        }
        s->tls = smpp_tls_server_ctx(cfg->tls_cert, cfg->tls_key, err, errcap);
        if (s->tls == NULL) {
            free(s);
            return SH_EINVAL;
        }
    }
    s->cfg = *cfg;
    if (s->cfg.window <= 0 || s->cfg.window > SS_WINDOW_MAX)
        s->cfg.window = 10;
    if (s->cfg.response_timeout_ms <= 0)
        s->cfg.response_timeout_ms = 10000;
    if (s->cfg.concat_timeout_ms <= 0)
        s->cfg.concat_timeout_ms = 60000;
    if (s->cfg.receipt_poll_ms <= 0)
        s->cfg.receipt_poll_ms = 500;
    if (s->cfg.account_poll_ms <= 0)
        s->cfg.account_poll_ms = 1000;
    if (s->cfg.idle_timeout_ms < 0)
        s->cfg.idle_timeout_ms = 0;
    s->api = api;
    pthread_mutex_init(&s->mu, NULL);
    s->base = event_base_new();
    snprintf(err, errcap, "cannot listen for SMPP (is the port in use?)");
    if (plain)
        s->lis = evconnlistener_new_bind(s->base, on_accept, s,
                                         LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
                                         (struct sockaddr *)&ss, sslen);
    if (tls)
        s->tls_lis = evconnlistener_new_bind(s->base, on_accept_tls, s,
                                             LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
                                             (struct sockaddr *)&tss, tsslen);
    if ((plain && s->lis == NULL) || (tls && s->tls_lis == NULL)) {
        server_free(s);
        return SH_EIO;
    }
    if (port != NULL)
        *port = bound_port(s->lis);
    if (tls_port != NULL)
        *tls_port = bound_port(s->tls_lis);
    s->tick_ev = event_new(s->base, -1, EV_PERSIST, on_tick, s);
    s->wake_ev = event_new(s->base, -1, 0, on_wake, s);
    s->stop_ev = event_new(s->base, -1, 0, on_stop, s);
    s->flush_ev = event_new(s->base, -1, 0, on_flush, s);
    s->bind_ev = event_new(s->base, -1, 0, on_bind_result, s);
    event_add(s->tick_ev, &tick);
    pthread_cond_init(&s->bind_cv, NULL);
    if (ss_bind_start(s) != SH_OK || pthread_create(&s->thread, NULL, run, s) != 0) {
        ss_bind_stop(s);
        pthread_cond_destroy(&s->bind_cv);
        server_free(s);
        return SH_EIO;
    }
    err[0] = '\0';
    *out = s;
    return SH_OK;
}

void smpp_server_stop(struct smpp_server *s, int wait_ms)
{
    if (s == NULL)
        return;
    s->stop_deadline = mono_ms() + wait_ms;
    event_active(s->stop_ev, EV_TIMEOUT, 0);
    pthread_join(s->thread, NULL);
    ss_bind_stop(s);
    ss_flush_pending(s); /* submits read just before the loop ended */
    /* accepts still in the store's hands answer into the done queue; wait for them (the
     * server thread is gone, so this thread drains) */
    for (int i = 0; i < 3000; i++) {
        ss_drain_done(s);
        if (atomic_load(&s->inflight) == 0)
            break;
        usleep(10000);
    }
    if (atomic_load(&s->inflight) > 0) {
        /* the store never answered: its callbacks would use s, so s is left allocated */
        log_msg(s->api->log, LOG_ERROR, NULL,
                "smpp server: %d accepts still unanswered by the store at stop",
                atomic_load(&s->inflight));
        return;
    }
    while (s->conns != NULL)
        conn_free(s->conns);
    pthread_cond_destroy(&s->bind_cv);
    server_free(s);
}
