/*
 * smpp_server_int.h — state shared by the SMPP server's files: smpp_server.c (thread,
 * listener, sessions, binds, receipts window) and smpp_submit.c (submit_sm intake,
 * reassembly of concatenated parts). Everything here runs on the server thread, except the
 * done queue, which the store writer fills.
 */
#ifndef SH_API_SMPP_SERVER_INT_H
#define SH_API_SMPP_SERVER_INT_H

#include "api/smpp_server.h"
#include "lib/id.h"
#include "smpp/frame.h"
#include "smpp/pdu.h"
#include "smpp/tls.h"
#include "store/store.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>

#define SS_WINDOW_MAX 64
#define SS_CONCAT_MAX 32  /* messages being reassembled per session */
#define SS_PARTS_MAX 16   /* parts of one concatenated message */
#define SS_FAIL_SLOTS 256 /* addresses with recent failed binds */
#define SS_FAIL_LIMIT 5   /* failed binds per address per SS_FAIL_WINDOW_MS */
#define SS_FAIL_WINDOW_MS 60000
#define SS_CONNS_MAX 1024     /* sessions at once; more are closed on accept */
#define SS_BIND_WAIT_MS 10000 /* a session must bind within this */

struct ss_inflight { /* a receipt deliver_sm waiting for deliver_sm_resp */
    uint32_t seq;
    int64_t sent_ms;
    char msgid[ID_MAX];
};

struct ss_part {
    int have;
    uint8_t dc;
    size_t len;
    unsigned char data[SMPP_SM_MAX];
};

struct ss_concat { /* one message being reassembled */
    int used;
    uint16_t ref;
    uint8_t total, got;
    int64_t started_ms;
    char src[65], dst[65];
    char id[ID_MAX]; /* the message id, answered for every part */
    struct ss_part parts[SS_PARTS_MAX];
};

struct ss_conn {
    struct ss_conn *prev, *next;
    struct smpp_server *srv;
    uint64_t cid;
    struct bufferevent *bev;
    struct smpp_frame fr;
    char peer[64];
    int tls; /* came through the TLS listener */
    uint32_t bind_cmd; /* 0 while unbound */
    char system_id[16], account_id[ID_MAX], project_id[ID_MAX];
    int64_t tps;
    uint32_t next_seq;
    int binding;   /* a bind is being checked on the bind worker */
    int unbinding; /* we sent unbind */
    int closing;   /* conn_close: the output drains, then it is freed */
    int64_t opened_ms;
    int64_t unbind_ms;
    int64_t last_rx_ms;    /* monotonic ms of the last PDU from the client */
    int64_t bound_wall_ms; /* wall-clock ms of the bind (the account check looks after it) */
    struct ss_inflight win[SS_WINDOW_MAX];
    int nwin;
    int more_receipts; /* the last pump left receipts owed for want of window room */
    struct ss_concat concat[SS_CONCAT_MAX];
};

struct ss_done {          /* a committed (or failed) accept, back from the writer thread */
    struct ss_done *next; /* in the pending list, then in the done queue */
    struct smpp_server *srv;
    uint64_t cid;
    uint32_t resp_cmd;
    int want_receipt; /* 0 none, 1 on any final state, 2 on failure only */
    char account_id[ID_MAX], src[65], dst[65];
    uint32_t seq;
    int status; /* store status of the commit */
    struct store_message msg;
    struct store_accept acc;
    struct arena arena;
    char id[ID_MAX];
};

struct ss_bindjob { /* a bind checked on the bind worker (smpp_bind.c) */
    struct ss_bindjob *next;
    uint64_t cid;
    uint32_t cmd, seq;
    char system_id[16], password[9], peer[64]; /* in (password wiped after the check) */
    uint32_t status;                           /* out */
    const char *why;
    char account_id[ID_MAX], project_id[ID_MAX], acc_system_id[16];
    int64_t tps, max_binds;
};

struct ss_fail {
    char addr[64];
    int64_t since;
    int n;
};

struct smpp_server {
    struct smpp_server_cfg cfg;
    struct api *api;
    struct event_base *base;
    struct evconnlistener *lis;     /* plain TCP, or NULL */
    struct evconnlistener *tls_lis; /* TLS, or NULL */
    SSL_CTX *tls;
    struct event *tick_ev, *wake_ev, *stop_ev, *flush_ev;
    pthread_t thread;
    struct ss_conn *conns;
    uint64_t next_cid;
    int nconns;
    int stopping;
    int64_t stop_deadline;
    int64_t next_poll;
    int64_t next_account_check;
    struct ss_fail fails[SS_FAIL_SLOTS];
    struct ss_done *pend_head, *pend_tail; /* submits waiting for their receipt rows */

    pthread_mutex_t mu; /* the done queue and the bind queues */
    struct ss_done *done_head, *done_tail;
    atomic_int inflight; /* accepts handed to the store and not yet back */
    pthread_t bind_thread;
    pthread_cond_t bind_cv;
    struct ss_bindjob *jobs_head, *jobs_tail, *res_head, *res_tail;
    int njobs, bind_quit, bind_started;
    struct event *bind_ev;
};

/* Sends unbind to bound session c (it closes on unbind_resp or after the response timeout);
 * why is logged as the event. */
void ss_unbind(struct ss_conn *c, const char *event, const char *detail);

/* Structured log line about session c (system_id made safe for JSON). */
void ss_log(struct ss_conn *c, int level, const char *event, const char *detail);

/* A bind PDU on c: refused at once (already bound, throttled address, overload, stopping)
 * or queued for the bind worker (smpp_bind.c). */
void ss_on_bind(struct ss_conn *c, const struct smpp_pdu *p);

/* Starts / stops the bind worker thread (smpp_bind.c). ss_bind_stop frees queued jobs. */
int ss_bind_start(struct smpp_server *s);
void ss_bind_stop(struct smpp_server *s);

/* Answers the binds the worker finished (server thread; smpp_bind.c). */
void ss_bind_results(struct smpp_server *s);

/* Encodes and queues p on c. */
void ss_send(struct ss_conn *c, const struct smpp_pdu *p);

/* Queues a bare response (or generic_nack) with status. */
void ss_send_status(struct ss_conn *c, uint32_t cmd, uint32_t seq, uint32_t status);

/* The session with id cid, or NULL when it closed. */
struct ss_conn *ss_find(struct smpp_server *s, uint64_t cid);

/* Handles submit_sm (or data_sm) p on bound session c (smpp_submit.c). */
void ss_on_submit(struct ss_conn *c, const struct smpp_pdu *p);

/* Writes the owed-receipt rows of the pending submits in one transaction, then hands those
 * messages to the store (server thread; smpp_submit.c). */
void ss_flush_pending(struct smpp_server *s);

/* Answers the accepts the writer finished (server thread; smpp_submit.c). */
void ss_drain_done(struct smpp_server *s);

/* Drops reassemblies older than the timeout (smpp_submit.c). */
void ss_concat_expire(struct ss_conn *c, int64_t now_ms);

#endif
