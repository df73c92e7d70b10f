/*
 * session.h — one ESME (client) SMPP session: a TCP connection to an SMSC on a libevent
 * event_base, bound as transceiver, transmitter or receiver, with a window of outstanding
 * requests, response timeouts, enquire_link on idle and reconnect with exponential backoff.
 *
 * Sits in smpp/ above pdu/frame; knows no tenants, SQL or message texts: the caller builds
 * submit_sm PDUs and reads deliver_sm PDUs. Everything runs on the event_base's thread.
 *
 * States (enum smpp_sess_state; every change goes through one set_state that checks this
 * table, smpp_session_transition_ok()):
 *
 *            start                 connected            bind_resp ROK
 *   IDLE ────────────▶ CONNECTING ───────────▶ BINDING ───────────────▶ BOUND
 *                        │    ▲                   │                       │  │
 *        connect failed  │    │ backoff timer     │ bind refused,         │  │ close
 *                        ▼    │                   │ EOF, timeout          │  ▼
 *                       BACKOFF ◀─────────────────┘◀──────────────────────┘ UNBINDING
 *                                      EOF, enquire_link timeout,             │ unbind_resp
 *                                      unbind from the SMSC, bad frame        │ or timeout
 *   any state ── smpp_session_free ──▶ CLOSED ◀───────────────────────────────┘
 *
 * Inbound: enquire_link → enquire_link_resp; unbind → unbind_resp then BACKOFF (reconnect);
 * deliver_sm / data_sm → on_deliver, then the response (ROK) unless on_deliver deferred it
 * (smpp_session_answer answers later, on the same connection only); unknown or
 * unexpected requests → generic_nack ESME_RINVCMDID; undecodable PDUs → the error reply
 * smpp_pdu_error_reply() builds; a bad command_length → generic_nack and disconnect.
 * Requests in flight when the connection drops are answered SH_ECLOSED; those without a
 * response after response_timeout_ms SH_ETIMEDOUT (an enquire_link timeout drops the link).
 */
#ifndef SH_SMPP_SESSION_H
#define SH_SMPP_SESSION_H

#include "lib/log.h"
#include "smpp/pdu.h"

#include <stdint.h>

struct event_base;
struct smpp_session;

#define SMPP_SESSION_STATES(X)                                                                     \
    X(IDLE)                                                                                        \
    X(CONNECTING)                                                                                  \
    X(BINDING)                                                                                     \
    X(BOUND)                                                                                       \
    X(UNBINDING)                                                                                   \
    X(BACKOFF)                                                                                     \
    X(CLOSED)

#define SMPP_SS_X(n) SMPP_SS_##n,
enum smpp_sess_state { SMPP_SESSION_STATES(SMPP_SS_X) SMPP_SS_COUNT };
#undef SMPP_SS_X

#define SMPP_SESSION_WINDOW_MAX 1024

struct smpp_session_cfg {
    const char *name; /* for log lines, e.g. "cred_x/1" (copied) */
    const char *host; /* IPv4/IPv6 literal or host name (copied) */
    int port;
    const char *system_id, *password, *system_type; /* copied; password never logged */
    uint32_t bind_cmd;        /* SMPP_CMD_BIND_TRANSCEIVER / _TRANSMITTER / _RECEIVER */
    int window;               /* outstanding requests, 1..SMPP_SESSION_WINDOW_MAX */
    int response_timeout_ms;  /* per request, >= 100 */
    int enquire_link_ms;      /* idle time before an enquire_link, >= 100 */
    int reconnect_min_ms;     /* first backoff delay (doubled per failure) */
    int reconnect_max_ms;     /* cap; also used at once after a bind refused for credentials */
    void *tls_ctx;  /* SSL_CTX (smpp/tls.h) to connect over TLS, or NULL for plain TCP;
                     * borrowed, must outlive the session */
    int tls_verify; /* check the SMSC's certificate names host */
};

/* Answer to a request: st SH_OK with the response (its command_status may be non-zero, and it
 * may be a generic_nack), SH_ETIMEDOUT or SH_ECLOSED with resp NULL. resp is borrowed. */
typedef void (*smpp_resp_cb)(void *arg, int st, const struct smpp_pdu *resp);

#define SMPP_DELIVER_ACK 0
#define SMPP_DELIVER_DEFER 1

/* A request of the SMSC whose response the caller gives later: which connection, which
 * sequence number, which response command. Plain value. */
struct smpp_defer {
    uint32_t conn; /* connection generation (changes at every connect) */
    uint32_t seq;
    uint32_t resp_cmd;
};

struct smpp_session_cbs {
    /* The state changed; bind_status is the bind_resp status after a refused bind, else 0. */
    void (*on_state)(void *arg, struct smpp_session *s, enum smpp_sess_state st,
                     uint32_t bind_status);
    /* A deliver_sm or data_sm arrived. pdu borrowed for the call. Return SMPP_DELIVER_ACK and
     * the session answers ROK at once, or SMPP_DELIVER_DEFER after taking
     * smpp_session_defer(s, pdu) to answer later with smpp_session_answer. */
    int (*on_deliver)(void *arg, struct smpp_session *s, const struct smpp_pdu *pdu);
    /* The window has room again (a response arrived, a pause ended, the bind succeeded). */
    void (*on_room)(void *arg, struct smpp_session *s);
    void *arg;
};

/*
 * Whether the FSM allows from → to. Pure; any thread. The table is the one set_state uses.
 */
int smpp_session_transition_ok(enum smpp_sess_state from, enum smpp_sess_state to);

/* "BOUND", …; "?" for out-of-range values. */
const char *smpp_session_state_name(enum smpp_sess_state st);

/*
 * Creates a session in IDLE. Returns SH_OK and *out (free with smpp_session_free), or
 * SH_EINVAL for a bad cfg (window, timeouts, bind_cmd, missing host/system_id).
 * Ownership: base and log borrowed (must outlive the session); cfg strings copied; cbs copied.
 */
int smpp_session_new(struct event_base *base, const struct log *log,
                     const struct smpp_session_cfg *cfg, const struct smpp_session_cbs *cbs,
                     struct smpp_session **out);

/* IDLE → CONNECTING: starts connecting (asynchronously). No-op in any other state. */
void smpp_session_start(struct smpp_session *s);

/* The state now. */
enum smpp_sess_state smpp_session_state(const struct smpp_session *s);

/* Requests that can be sent now: window − outstanding when BOUND, not paused and the bind
 * can transmit; else 0. */
int smpp_session_room(const struct smpp_session *s);

/* Whether this session's bind type can submit (transceiver or transmitter). */
int smpp_session_can_submit(const struct smpp_session *s);

/*
 * Sends a request (submit_sm, query_sm, …): sets its sequence_number and writes it.
 * Returns SH_OK (cb is called exactly once later, never from inside this call),
 * SH_AGAIN when smpp_session_room() is 0 (cb not called), SH_EINVAL when pdu does not encode.
 * Ownership: borrows pdu for the call (it is encoded at once).
 */
int smpp_session_send(struct smpp_session *s, struct smpp_pdu *pdu, smpp_resp_cb cb, void *arg);

/* The handle to answer pdu (a deliver_sm or data_sm just received on s) later. */
struct smpp_defer smpp_session_defer(const struct smpp_session *s, const struct smpp_pdu *pdu);

/*
 * Writes the deferred response with command_status status. Returns SH_OK, or SH_ECLOSED when
 * the connection it came on is gone (the SMSC will send the request again) — nothing written.
 */
int smpp_session_answer(struct smpp_session *s, const struct smpp_defer *d, uint32_t status);

/* Stops sending requests for ms (throttling asked by the SMSC); on_room is called after. */
void smpp_session_pause(struct smpp_session *s, int ms);

/*
 * Orderly close and free: when BOUND, writes unbind (and whatever is still queued) straight
 * to the socket without waiting for unbind_resp; pending callbacks are dropped (never
 * called). Accepts NULL.
 */
void smpp_session_free(struct smpp_session *s);

#endif
