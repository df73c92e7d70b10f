/*
 * smpp_server.h — the hub's SMPP 3.4 server for client systems (SPEC §11.1): ESMEs bind
 * (transmitter, receiver, transceiver) with a project's SMPP account, submit_sm goes through
 * the same accept path as POST /v1/messages, and delivery receipts go back as deliver_sm.
 * Runs its own libevent loop on its own thread. docs/internals/SMPP.md "The server side".
 */
#ifndef SH_API_SMPP_SERVER_H
#define SH_API_SMPP_SERVER_H

#include "api/api.h"

struct smpp_server;

struct smpp_server_cfg {
    const char *listen;      /* "host:port" (port 0: any), or NULL / "" for none */
    const char *tls_listen;  /* the same over TLS, or NULL / "" for none (one of the two) */
    const char *tls_cert;    /* PEM certificate (chain) and key files for tls_listen */
    const char *tls_key;
    int window;              /* outstanding receipt deliver_sm per bind (default 10) */
    int response_timeout_ms; /* for our deliver_sm and unbind (default 10000) */
    int concat_timeout_ms;   /* reassembly of UDH/SAR parts (default 60000) */
    int receipt_poll_ms;     /* how often owed receipts are looked for (default 500) */
    int64_t idle_timeout_ms; /* a bound session silent this long is unbound (0: never) */
    int account_poll_ms;     /* how often bound accounts are checked for active (default 1000) */
};

/* Binds cfg->listen and/or cfg->tls_listen and starts the server thread. api (borrowed for
 * the server's life) must have store, engine, guard and log. *port / *tls_port (may be NULL)
 * get the bound ports (0 when that listener is off). Returns SH_OK, SH_EINVAL (bad listen
 * address, neither given, or the TLS certificate/key cannot be used: err says which) or
 * SH_EIO (cannot listen). */
int smpp_server_start(const struct smpp_server_cfg *cfg, struct api *api, struct smpp_server **out,
                      int *port, int *tls_port, char *err, size_t errcap);

/* Orderly stop: stops accepting, sends unbind to every bound session and waits up to
 * wait_ms for the answers, closes everything, waits for accepts in flight to commit, joins
 * the thread and frees s. NULL is a no-op. Main thread; call before the store closes. */
void smpp_server_stop(struct smpp_server *s, int wait_ms);

#endif
