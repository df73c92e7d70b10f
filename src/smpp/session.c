/*
 * session.c — the ESME session FSM of session.h: connect, bind, window of outstanding
 * requests keyed by sequence number, response timeouts, enquire_link, answering the SMSC,
 * reconnect with exponential backoff and an orderly unbind at free.
 *
 * One persistent tick timer (100 ms) drives timeouts, idle enquire_link, the end of a pause
 * and the reconnect delay, so a session costs one timer whatever its window.
 */
#include "smpp/session.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "smpp/frame.h"
#include "smpp/tls.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define TICK_MS 100
#define BIND_TIMEOUT_MS 10000
#define INTERNAL_SLOTS 2 /* bind or enquire_link or unbind, beside the caller's window */

struct op {
    int used;
    int internal; /* bind / enquire_link / unbind: no caller callback */
    uint32_t seq;
    uint32_t cmd;
    int64_t deadline; /* monotonic ms */
    smpp_resp_cb cb;
    void *arg;
};

struct smpp_session {
    struct event_base *base;
    const struct log *log;
    struct smpp_session_cfg cfg;
    struct smpp_session_cbs cbs;
    char *name, *host, *system_id, *password, *system_type;

    enum smpp_sess_state state;
    struct bufferevent *bev;
    struct event *tick;
    struct smpp_frame frame;
    uint32_t next_seq;

    struct op *ops; /* window + INTERNAL_SLOTS */
    int nops;
    int outstanding; /* caller requests in flight */

    int64_t last_rx;      /* monotonic ms of the last PDU received */
    int64_t paused_until; /* monotonic ms */
    int64_t reconnect_at; /* monotonic ms, in BACKOFF */
    int backoff_ms;       /* next delay */
    int enquire_pending;
    uint32_t conn_gen; /* incremented at every connect: deferred answers name it */
};

/* ---- the transition table ----------------------------------------------------------------- */

#define B(st) (1u << SMPP_SS_##st)
static const unsigned transitions[SMPP_SS_COUNT] = {
    [SMPP_SS_IDLE] = B(CONNECTING) | B(CLOSED),
    [SMPP_SS_CONNECTING] = B(BINDING) | B(BACKOFF) | B(CLOSED),
    [SMPP_SS_BINDING] = B(BOUND) | B(BACKOFF) | B(CLOSED),
    [SMPP_SS_BOUND] = B(UNBINDING) | B(BACKOFF) | B(CLOSED),
    [SMPP_SS_UNBINDING] = B(BACKOFF) | B(CLOSED),
    [SMPP_SS_BACKOFF] = B(CONNECTING) | B(CLOSED),
    [SMPP_SS_CLOSED] = 0,
};
#undef B

int smpp_session_transition_ok(enum smpp_sess_state from, enum smpp_sess_state to)
{
    if ((unsigned)from >= SMPP_SS_COUNT || (unsigned)to >= SMPP_SS_COUNT)
        return 0;
    return (transitions[from] >> to) & 1u;
}

const char *smpp_session_state_name(enum smpp_sess_state st)
{
#define SMPP_SS_N(n) #n,
    static const char *const names[] = {SMPP_SESSION_STATES(SMPP_SS_N)};
#undef SMPP_SS_N
    return (unsigned)st < SMPP_SS_COUNT ? names[st] : "?";
}

static int64_t mono_ms(void)
{
    return clock_mono_us() / 1000;
}

/* The one place the state changes. An illegal change is a bug: logged and refused. */
static int set_state(struct smpp_session *s, enum smpp_sess_state to, uint32_t bind_status)
{
    if (!smpp_session_transition_ok(s->state, to)) {
        log_msg(s->log, LOG_ERROR, NULL, "smpp %s: illegal state change %s -> %s", s->name,
                smpp_session_state_name(s->state), smpp_session_state_name(to));
        return SH_EINVAL;
    }
    log_msg(s->log, LOG_DEBUG, NULL, "smpp %s: %s -> %s", s->name,
            smpp_session_state_name(s->state), smpp_session_state_name(to));
    s->state = to;
    if (s->cbs.on_state != NULL && to != SMPP_SS_CLOSED)
        s->cbs.on_state(s->cbs.arg, s, to, bind_status);
    return SH_OK;
}

/* ---- writing ------------------------------------------------------------------------------ */

static int write_pdu(struct smpp_session *s, const struct smpp_pdu *pdu)
{
    unsigned char small[1024];
    unsigned char *buf = small;
    size_t len = 0;
    int st;

    if (s->bev == NULL)
        return SH_ECLOSED;
    st = smpp_pdu_encode(pdu, small, sizeof(small), &len);
    if (st == SH_ETOOBIG) {
        buf = xmalloc(len);
        st = smpp_pdu_encode(pdu, buf, len, &len);
    }
    if (st == SH_OK && bufferevent_write(s->bev, buf, len) != 0)
        st = SH_EIO;
    if (buf != small)
        free(buf);
    return st;
}

static void write_simple(struct smpp_session *s, uint32_t cmd, uint32_t seq, uint32_t status)
{
    struct smpp_pdu p;
    smpp_pdu_init(&p, cmd, seq);
    p.command_status = status;
    write_pdu(s, &p);
}

static uint32_t take_seq(struct smpp_session *s)
{
    uint32_t seq = s->next_seq++;
    if (s->next_seq > 0x7FFFFFFFu)
        s->next_seq = 1;
    return seq;
}

static struct op *op_slot(struct smpp_session *s, int internal)
{
    for (int i = 0; i < s->nops; i++) {
        if (!s->ops[i].used && (internal || i < s->cfg.window))
            return &s->ops[i];
    }
    return NULL;
}

static struct op *op_find(struct smpp_session *s, uint32_t seq)
{
    for (int i = 0; i < s->nops; i++) {
        if (s->ops[i].used && s->ops[i].seq == seq)
            return &s->ops[i];
    }
    return NULL;
}

/* Sends a request of our own (bind, enquire_link, unbind). */
static int send_internal(struct smpp_session *s, struct smpp_pdu *p, int timeout_ms)
{
    struct op *o = op_slot(s, 1);
    if (o == NULL)
        return SH_AGAIN;
    p->sequence_number = take_seq(s);
    if (write_pdu(s, p) != SH_OK)
        return SH_EIO;
    *o = (struct op){.used = 1, .internal = 1, .seq = p->sequence_number,
                     .cmd = p->command_id, .deadline = mono_ms() + timeout_ms};
    return SH_OK;
}

/* ---- connection lifecycle ------------------------------------------------------------------ */

/* Answers every caller request in flight with st (callbacks may send again: slots are freed
 * first) and forgets the internal ones. */
static void fail_outstanding(struct smpp_session *s, int st)
{
    for (int i = 0; i < s->nops; i++) {
        struct op o = s->ops[i];
        if (!o.used)
            continue;
        s->ops[i].used = 0;
        if (!o.internal) {
            s->outstanding--;
            o.cb(o.arg, st, NULL);
        }
    }
}

static void drop_connection(struct smpp_session *s)
{
    if (s->bev != NULL) {
        bufferevent_free(s->bev);
        s->bev = NULL;
    }
    smpp_frame_release(&s->frame);
    s->enquire_pending = 0;
}

/* Connection lost or refused: BACKOFF, reconnect after the current delay. */
static void go_backoff(struct smpp_session *s, uint32_t bind_status, int delay_ms)
{
    drop_connection(s);
    s->reconnect_at = mono_ms() + delay_ms;
    set_state(s, SMPP_SS_BACKOFF, bind_status);
    fail_outstanding(s, SH_ECLOSED);
}

static void lost(struct smpp_session *s, const char *why)
{
    int delay = s->backoff_ms;
    log_msg(s->log, LOG_WARN, NULL, "smpp %s: connection to %s:%d lost in %s (%s); reconnect in %d ms",
            s->name, s->host, s->cfg.port, smpp_session_state_name(s->state), why, delay);
    s->backoff_ms = s->backoff_ms * 2 > s->cfg.reconnect_max_ms ? s->cfg.reconnect_max_ms
                                                                 : s->backoff_ms * 2;
    go_backoff(s, 0, delay);
}

static void send_bind(struct smpp_session *s)
{
    struct smpp_pdu p;
    smpp_pdu_init(&p, s->cfg.bind_cmd, 0);
    snprintf(p.system_id, sizeof(p.system_id), "%s", s->system_id);
    snprintf(p.password, sizeof(p.password), "%s", s->password);
    snprintf(p.system_type, sizeof(p.system_type), "%s", s->system_type);
    p.interface_version = SMPP_INTERFACE_VERSION;
    if (set_state(s, SMPP_SS_BINDING, 0) != SH_OK)
        return;
    if (send_internal(s, &p, BIND_TIMEOUT_MS) != SH_OK)
        lost(s, "bind could not be written");
}

static void on_event(struct bufferevent *bev, short what, void *arg);
static void on_read(struct bufferevent *bev, void *arg);

static int resolve(const struct smpp_session *s, struct evutil_addrinfo **res)
{
    struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                                    .ai_flags = EVUTIL_AI_NUMERICHOST};
    char port[16];
    snprintf(port, sizeof(port), "%d", s->cfg.port);
    if (evutil_getaddrinfo(s->host, port, &hints, res) == 0)
        return SH_OK;
    hints.ai_flags = 0; /* a host name: resolved blocking, once per connect */
    return evutil_getaddrinfo(s->host, port, &hints, res) == 0 ? SH_OK : SH_ENOTFOUND;
}

static void do_connect(struct smpp_session *s)
{
    struct evutil_addrinfo *ai = NULL;
    if (set_state(s, SMPP_SS_CONNECTING, 0) != SH_OK)
        return;
    smpp_frame_init(&s->frame, 0);
    s->conn_gen++;
    s->next_seq = s->next_seq ? s->next_seq : 1;
    if (resolve(s, &ai) != SH_OK) {
        lost(s, "host name does not resolve");
        return;
    }
    s->bev = s->cfg.tls_ctx != NULL
                 ? smpp_tls_bev_client(s->base, s->cfg.tls_ctx, s->host, s->cfg.tls_verify)
                 : bufferevent_socket_new(s->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (s->bev == NULL) {
        evutil_freeaddrinfo(ai);
        lost(s, "cannot set up the connection (TLS)");
        return;
    }
    bufferevent_setcb(s->bev, on_read, NULL, on_event, s);
    bufferevent_enable(s->bev, EV_READ | EV_WRITE);
    s->last_rx = mono_ms();
    if (bufferevent_socket_connect(s->bev, ai->ai_addr, (int)ai->ai_addrlen) != 0) {
        evutil_freeaddrinfo(ai);
        lost(s, "connect failed");
        return;
    }
    evutil_freeaddrinfo(ai);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct smpp_session *s = arg;
    (void)bev;
    if (what & BEV_EVENT_CONNECTED) {
        int one = 1;
        setsockopt(bufferevent_getfd(s->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        send_bind(s);
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        char why[200] = "socket error";
        if ((what & BEV_EVENT_ERROR) && smpp_tls_is(s->bev)) {
            char e[160];
            smpp_tls_error(s->bev, e, sizeof(e));
            snprintf(why, sizeof(why), "TLS: %s", e);
        }
        lost(s, (what & BEV_EVENT_EOF) ? "closed by the SMSC" : why);
    }
}

/* ---- reading ------------------------------------------------------------------------------- */

static void on_bind_resp(struct smpp_session *s, const struct smpp_pdu *p)
{
    if (p->command_status == SMPP_ESME_ROK) {
        s->backoff_ms = s->cfg.reconnect_min_ms;
        log_msg(s->log, LOG_INFO, NULL, "smpp %s: bound to %s:%d as %s (SMSC %s)", s->name,
                s->host, s->cfg.port, smpp_command_name(s->cfg.bind_cmd), p->system_id);
        if (set_state(s, SMPP_SS_BOUND, 0) == SH_OK && s->cbs.on_room != NULL)
            s->cbs.on_room(s->cbs.arg, s);
        return;
    }
    uint32_t st = p->command_status;
    /* credentials refused: retrying at once will not help (CONTRACTS §8: do not loop) */
    int auth = st == SMPP_ESME_RINVPASWD || st == SMPP_ESME_RINVSYSID ||
               st == SMPP_ESME_RBINDFAIL;
    int delay = auth ? s->cfg.reconnect_max_ms : s->backoff_ms;
    log_msg(s->log, LOG_ERROR, NULL,
            "smpp %s: %s refused by %s:%d: %s (0x%02X)%s; retry in %d ms", s->name,
            smpp_command_name(s->cfg.bind_cmd), s->host, s->cfg.port, smpp_status_name(st), st,
            auth ? " — check system_id and password" : "", delay);
    if (!auth)
        s->backoff_ms = s->backoff_ms * 2 > s->cfg.reconnect_max_ms ? s->cfg.reconnect_max_ms
                                                                     : s->backoff_ms * 2;
    go_backoff(s, st, delay);
}

static void on_response(struct smpp_session *s, const struct smpp_pdu *p)
{
    struct op *o = op_find(s, p->sequence_number);
    if (o == NULL) {
        log_msg(s->log, LOG_DEBUG, NULL, "smpp %s: %s for unknown sequence %u dropped", s->name,
                smpp_command_name(p->command_id), p->sequence_number);
        return;
    }
    struct op copy = *o;
    o->used = 0;
    if (copy.internal) {
        if (copy.cmd == s->cfg.bind_cmd && s->state == SMPP_SS_BINDING)
            on_bind_resp(s, p);
        else if (copy.cmd == SMPP_CMD_ENQUIRE_LINK)
            s->enquire_pending = 0;
        return;
    }
    s->outstanding--;
    copy.cb(copy.arg, SH_OK, p);
    if (s->cbs.on_room != NULL && smpp_session_room(s) > 0)
        s->cbs.on_room(s->cbs.arg, s);
}

static void on_request(struct smpp_session *s, const struct smpp_pdu *p)
{
    switch (p->command_id) {
    case SMPP_CMD_ENQUIRE_LINK:
        write_simple(s, SMPP_CMD_ENQUIRE_LINK_RESP, p->sequence_number, 0);
        break;
    case SMPP_CMD_UNBIND:
        write_simple(s, SMPP_CMD_UNBIND_RESP, p->sequence_number, 0);
        if (s->bev != NULL && !smpp_tls_is(s->bev)) /* flush the answer before closing */
            evbuffer_write(bufferevent_get_output(s->bev), bufferevent_getfd(s->bev));
        log_msg(s->log, LOG_WARN, NULL, "smpp %s: the SMSC unbound; reconnect in %d ms", s->name,
                s->cfg.reconnect_min_ms);
        go_backoff(s, 0, s->cfg.reconnect_min_ms);
        break;
    case SMPP_CMD_DELIVER_SM:
    case SMPP_CMD_DATA_SM: {
        struct smpp_pdu r;
        uint32_t gen = s->conn_gen;
        int how = SMPP_DELIVER_ACK;
        if (s->state == SMPP_SS_BOUND && s->cbs.on_deliver != NULL)
            how = s->cbs.on_deliver(s->cbs.arg, s, p);
        if (how == SMPP_DELIVER_DEFER || gen != s->conn_gen)
            break;
        smpp_pdu_init(&r, p->command_id | SMPP_RESP_BIT, p->sequence_number);
        write_pdu(s, &r);
        break;
    }
    default:
        write_simple(s, SMPP_CMD_GENERIC_NACK, p->sequence_number, SMPP_ESME_RINVCMDID);
        break;
    }
}

static void handle_pdu(struct smpp_session *s, const unsigned char *buf, size_t len)
{
    struct smpp_pdu p;
    s->last_rx = mono_ms();
    if (smpp_pdu_decode(buf, len, &p) != SH_OK) {
        struct smpp_pdu reply;
        log_msg(s->log, LOG_WARN, NULL, "smpp %s: undecodable %s: %s", s->name,
                smpp_command_name(p.command_id), smpp_status_name(p.decode_status));
        if (smpp_pdu_error_reply(&p, &reply) == SH_OK)
            write_pdu(s, &reply);
        /* a broken response still ends its request, as the SMSC meant to answer it */
        if ((p.command_id & SMPP_RESP_BIT) && p.command_id != SMPP_CMD_GENERIC_NACK) {
            p.command_status = p.command_status ? p.command_status : SMPP_ESME_RSYSERR;
            on_response(s, &p);
        }
        return;
    }
    if (p.command_id & SMPP_RESP_BIT)
        on_response(s, &p); /* generic_nack included: it answers its sequence number */
    else
        on_request(s, &p);
    smpp_pdu_release(&p);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct smpp_session *s = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    unsigned char buf[16384];
    int n;

    while (s->bev != NULL && (n = evbuffer_remove(in, buf, sizeof(buf))) > 0) {
        size_t off = 0;
        while (s->bev != NULL && off < (size_t)n) {
            size_t used = 0;
            const unsigned char *pdu;
            size_t len;
            if (smpp_frame_feed(&s->frame, buf + off, (size_t)n - off, &used) != SH_OK) {
                write_simple(s, SMPP_CMD_GENERIC_NACK, s->frame.bad_sequence,
                             SMPP_ESME_RINVCMDLEN);
                lost(s, "bad command_length");
                return;
            }
            off += used;
            while (s->bev != NULL && smpp_frame_next(&s->frame, &pdu, &len) == SH_OK) {
                handle_pdu(s, pdu, len);
            }
        }
    }
}

/* ---- the tick ------------------------------------------------------------------------------ */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct smpp_session *s = arg;
    int64_t now = mono_ms();
    (void)fd;
    (void)what;

    if (s->state == SMPP_SS_BACKOFF) {
        if (now >= s->reconnect_at)
            do_connect(s);
        return;
    }
    if (s->state == SMPP_SS_CONNECTING && now - s->last_rx > BIND_TIMEOUT_MS) {
        lost(s, "connect timed out");
        return;
    }
    for (int i = 0; i < s->nops; i++) {
        struct op o = s->ops[i];
        if (!o.used || now < o.deadline)
            continue;
        s->ops[i].used = 0;
        if (o.internal) {
            lost(s, o.cmd == SMPP_CMD_ENQUIRE_LINK ? "enquire_link timed out"
                                                   : "no answer to bind");
            return;
        }
        log_msg(s->log, LOG_WARN, NULL, "smpp %s: no %s_resp for sequence %u within %d ms",
                s->name, smpp_command_name(o.cmd), o.seq, s->cfg.response_timeout_ms);
        s->outstanding--;
        o.cb(o.arg, SH_ETIMEDOUT, NULL);
        if (s->state != SMPP_SS_BOUND)
            return;
    }
    if (s->state != SMPP_SS_BOUND)
        return;
    if (!s->enquire_pending && now - s->last_rx >= s->cfg.enquire_link_ms) {
        struct smpp_pdu p;
        smpp_pdu_init(&p, SMPP_CMD_ENQUIRE_LINK, 0);
        if (send_internal(s, &p, s->cfg.response_timeout_ms) == SH_OK)
            s->enquire_pending = 1;
        s->last_rx = now; /* the next one after another idle period */
    }
    if (s->paused_until != 0 && now >= s->paused_until) {
        s->paused_until = 0;
        if (s->cbs.on_room != NULL && smpp_session_room(s) > 0)
            s->cbs.on_room(s->cbs.arg, s);
    }
}

/* ---- public -------------------------------------------------------------------------------- */

int smpp_session_new(struct event_base *base, const struct log *log,
                     const struct smpp_session_cfg *cfg, const struct smpp_session_cbs *cbs,
                     struct smpp_session **out)
{
    if (base == NULL || cfg == NULL || cbs == NULL || out == NULL || cfg->host == NULL ||
        cfg->system_id == NULL || cfg->window < 1 || cfg->window > SMPP_SESSION_WINDOW_MAX ||
        cfg->response_timeout_ms < 100 || cfg->enquire_link_ms < 100 || cfg->port < 1 ||
        cfg->port > 65535 || cfg->reconnect_min_ms < 1 ||
        cfg->reconnect_max_ms < cfg->reconnect_min_ms ||
        (cfg->bind_cmd != SMPP_CMD_BIND_TRANSCEIVER && cfg->bind_cmd != SMPP_CMD_BIND_TRANSMITTER &&
         cfg->bind_cmd != SMPP_CMD_BIND_RECEIVER))
        return SH_EINVAL;
    struct smpp_session *s = xcalloc(1, sizeof(*s));
    s->base = base;
    s->log = log;
    s->cfg = *cfg;
    s->cbs = *cbs;
    s->name = xstrdup(cfg->name ? cfg->name : "smpp");
    s->host = xstrdup(cfg->host);
    s->system_id = xstrdup(cfg->system_id);
    s->password = xstrdup(cfg->password ? cfg->password : "");
    s->system_type = xstrdup(cfg->system_type ? cfg->system_type : "");
    s->nops = cfg->window + INTERNAL_SLOTS;
    s->ops = xcalloc((size_t)s->nops, sizeof(*s->ops));
    s->state = SMPP_SS_IDLE;
    s->backoff_ms = cfg->reconnect_min_ms;
    s->next_seq = 1;
    smpp_frame_init(&s->frame, 0);
    s->tick = event_new(base, -1, EV_PERSIST, on_tick, s);
    *out = s;
    return SH_OK;
}

void smpp_session_start(struct smpp_session *s)
{
    struct timeval tv = {.tv_sec = 0, .tv_usec = TICK_MS * 1000};
    if (s->state != SMPP_SS_IDLE)
        return;
    event_add(s->tick, &tv);
    do_connect(s);
}

enum smpp_sess_state smpp_session_state(const struct smpp_session *s)
{
    return s->state;
}

int smpp_session_can_submit(const struct smpp_session *s)
{
    return s->cfg.bind_cmd != SMPP_CMD_BIND_RECEIVER;
}

int smpp_session_room(const struct smpp_session *s)
{
    if (s->state != SMPP_SS_BOUND || !smpp_session_can_submit(s) || s->paused_until != 0)
        return 0;
    return s->cfg.window - s->outstanding;
}

int smpp_session_send(struct smpp_session *s, struct smpp_pdu *pdu, smpp_resp_cb cb, void *arg)
{
    struct op *o;
    int st;
    if (smpp_session_room(s) <= 0 || (o = op_slot(s, 0)) == NULL)
        return SH_AGAIN;
    pdu->sequence_number = take_seq(s);
    st = write_pdu(s, pdu);
    if (st != SH_OK)
        return st == SH_ECLOSED ? SH_AGAIN : SH_EINVAL;
    *o = (struct op){.used = 1, .seq = pdu->sequence_number, .cmd = pdu->command_id,
                     .deadline = mono_ms() + s->cfg.response_timeout_ms, .cb = cb, .arg = arg};
    s->outstanding++;
    return SH_OK;
}

struct smpp_defer smpp_session_defer(const struct smpp_session *s, const struct smpp_pdu *pdu)
{
    return (struct smpp_defer){.conn = s->conn_gen, .seq = pdu->sequence_number,
                               .resp_cmd = pdu->command_id | SMPP_RESP_BIT};
}

int smpp_session_answer(struct smpp_session *s, const struct smpp_defer *d, uint32_t status)
{
    struct smpp_pdu r;
    if (s->bev == NULL || d->conn != s->conn_gen ||
        (s->state != SMPP_SS_BOUND && s->state != SMPP_SS_UNBINDING))
        return SH_ECLOSED;
    smpp_pdu_init(&r, d->resp_cmd, d->seq);
    r.command_status = status;
    return write_pdu(s, &r) == SH_OK ? SH_OK : SH_ECLOSED;
}

void smpp_session_pause(struct smpp_session *s, int ms)
{
    int64_t until = mono_ms() + (ms > 0 ? ms : 1);
    if (until > s->paused_until)
        s->paused_until = until;
}

void smpp_session_free(struct smpp_session *s)
{
    if (s == NULL)
        return;
    if (s->state == SMPP_SS_BOUND && set_state(s, SMPP_SS_UNBINDING, 0) == SH_OK) {
        struct smpp_pdu p;
        smpp_pdu_init(&p, SMPP_CMD_UNBIND, take_seq(s));
        write_pdu(s, &p);
        if (!smpp_tls_is(s->bev)) /* over TLS the unbind is best effort: no raw write */
            evbuffer_write(bufferevent_get_output(s->bev), bufferevent_getfd(s->bev));
    }
    s->cbs.on_state = NULL; /* dropped: never called from here on */
    if (s->state != SMPP_SS_CLOSED)
        set_state(s, SMPP_SS_CLOSED, 0);
    drop_connection(s);
    event_free(s->tick);
    free(s->ops);
    free(s->name);
    free(s->host);
    free(s->system_id);
    free(s->password);
    free(s->system_type);
    free(s);
}
