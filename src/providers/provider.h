/*
 * provider.h — the driver interface every SMS provider implements.
 *
 * A driver translates: it sends one message and classifies the answer (accepted, rejected,
 * malformed, temp-fail, throttled, expired), reports delivery receipts, and answers status
 * polls. Core owns every policy (routing, retries, failover, throttling, state). Drivers never
 * include core/ or store/: what they get and report are the plain structs below.
 *
 * Threads: every function of a driver runs on the engine's event-loop thread (env->base),
 * and every callback a driver makes must be made on that thread too.
 * Async contract (submit, poll_status): if the call returns an error the callback is never
 * called; otherwise it is called exactly once, never from inside the call itself.
 */
#ifndef SH_PROVIDER_H
#define SH_PROVIDER_H

#include "lib/log.h"

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http_transport;

enum provider_outcome {
    PROVIDER_ACCEPTED = 0, /* provider took it; pmid set */
    PROVIDER_REJECTED,     /* permanent: the provider refuses this message (number, content) */
    PROVIDER_MALFORMED,    /* permanent: our request was wrong (a bug or bad configuration) */
    PROVIDER_TEMP_FAIL,    /* transient: network, 5xx, timeout — another try may work */
    PROVIDER_THROTTLED,    /* transient: slow down this credential */
    PROVIDER_EXPIRED,      /* the validity ran out before the provider could take it */
};

/* Delivery states a provider can report for a message it accepted. */
enum provider_dlr {
    PROVIDER_DLR_NONE = 0, /* no news yet (poll only) */
    PROVIDER_DLR_SENT,     /* handed to the carrier */
    PROVIDER_DLR_DELIVERED,
    PROVIDER_DLR_UNDELIVERED,
    PROVIDER_DLR_FAILED,
    PROVIDER_DLR_EXPIRED,
    PROVIDER_DLR_REJECTED,
};

struct provider_msg {
    const char *id; /* our message id */
    const char *to; /* E.164 */
    const char *from;
    const char *body; /* UTF-8 */
    int encoding;     /* 0 GSM-7, 1 UCS-2 */
    int segments;
    int attempt; /* 1 for the first try */
};

struct provider_result {
    enum provider_outcome outcome;
    char pmid[96];       /* provider message id when accepted */
    char error_code[32]; /* provider's code, when not accepted */
    char error_text[160];
    /* Added for the HTTP dialects (zero = unknown; existing initialisers stay valid). */
    int parts;         /* parts the provider billed/split the message into */
    char price[24];    /* decimal string as the provider gives it ("-0.00750"), "" unknown */
    char currency[8];  /* ISO 4217 when given, "" unknown */
    int alert;         /* enum provider_alert: the credential itself needs attention */
    int64_t retry_after_ms; /* throttled: the pause the vendor asked for (Retry-After), 0 none */
};

struct provider_report {
    const char *pmid;
    enum provider_dlr status;
    const char *error_code; /* may be NULL */
    int64_t at;             /* when the provider says it happened (ms), 0 = now */
    /* Added for the HTTP dialects (NULL/0 = not given). */
    const char *ref; /* our message id when the provider echoes it (Vonage client-ref, Eskiz
                      * user_sms_id): matches parts whose own pmid we never saw */
    const char *price; /* decimal string, when the receipt carries a price */
};

/* Why a rejection also concerns the credential, not just this message. */
enum provider_alert {
    PROVIDER_ALERT_NONE = 0,
    PROVIDER_ALERT_AUTH,    /* credentials refused */
    PROVIDER_ALERT_CREDIT,  /* no credit / quota */
    PROVIDER_ALERT_ACCOUNT, /* account barred, locked or not enabled */
};

/* An inbound (mobile-originated) message as a provider reports it. Strings are borrowed. */
struct provider_mo {
    const char *pmid; /* provider's id of the inbound message */
    const char *from; /* sender, as the provider gives it (E.164 with or without '+') */
    const char *to;   /* our number / sender id, may be "" when the provider omits it */
    const char *text; /* UTF-8 */
    int64_t at;       /* received time (ms since epoch), 0 = now */
    const char *reply_to; /* provider id of the message this replies to (SMSO), or NULL */
    int concat_ref;       /* concatenated part info when the provider forwards parts, else 0 */
    int concat_total;
    int concat_part; /* 1-based */
    /* Added for SMPP MO (0 / NULL = not given). */
    int encoding;           /* 0 GSM-7, 1 UCS-2 (as the message arrived) */
    const char *metadata;   /* JSON object text stored as the message's metadata, or NULL */
};

/* An account balance as the vendor reports it (provider_ops.balance). */
struct provider_balance {
    int status;       /* SH_OK; SH_EPERM the vendor refused the credentials; SH_EIO no usable
                       * answer (transport, 5xx, unreadable body) */
    char amount[32];  /* decimal string as the vendor gives it, when SH_OK */
    char currency[8]; /* ISO 4217, "" when the vendor does not say */
    char error[120];  /* on failure: why, for humans (never a secret) */
};

typedef void (*provider_submit_cb)(void *arg, const struct provider_result *r);
typedef void (*provider_report_cb)(void *arg, const struct provider_report *r);
/* The engine's answer to an inbound message (env->inbound): SH_OK once it is durable, else an
 * error (not stored: the driver should let the provider send it again). Engine thread. */
typedef void (*provider_inbound_done_cb)(void *arg, int status);
/* Hands an inbound message to the engine, which stores it for the credential's project.
 * mo is copied. Returns SH_OK (done is then called exactly once, later, unless the driver
 * instance is closed first — the engine keeps it open until then) or an error (done never
 * called). */
typedef int (*provider_inbound_cb)(void *env_arg, const struct provider_mo *mo,
                                   provider_inbound_done_cb done, void *done_arg);
/* poll answer: r is NULL when the poll itself failed */
typedef void (*provider_poll_cb)(void *arg, const struct provider_report *r);
typedef void (*provider_balance_cb)(void *arg, const struct provider_balance *b);

/* What the engine gives a driver instance (one per credential). Borrowed for its lifetime. */
struct provider_env {
    struct event_base *base;
    const struct log *log;
    const char *credential_id;
    provider_report_cb report; /* unsolicited receipts (push DLRs) */
    void *report_arg;
    const char *simulator_log; /* test hook: path the simulator appends submissions to, or NULL */
    /* Added for the HTTP drivers (NULL when absent, e.g. a throwaway validation instance). */
    struct http_transport *http; /* the engine's transport on base (providers/http_transport.h) */
    const char *callback_url;    /* <public base>/v1/callbacks/<driver>/<callback token> */
    /* Added for in-band inbound messages (SMPP MO); NULL in a throwaway validation instance. */
    provider_inbound_cb inbound;
    void *inbound_arg;
};

struct provider_ops {
    const char *driver;
    /* Creates a driver instance from settings (JSON object text). On a bad setting returns
     * SH_EINVAL with a message in err. *state is freed by close. */
    int (*open)(const struct provider_env *env, const char *settings, char *err, size_t errcap,
                void **state);
    /* Frees the instance; pending callbacks are dropped (never called). */
    void (*close)(void *state);
    int (*submit)(void *state, const struct provider_msg *m, provider_submit_cb cb, void *arg);
    /* Optional (NULL when the provider cannot be polled). */
    int (*poll_status)(void *state, const char *pmid, provider_poll_cb cb, void *arg);
    /* Optional: asks the vendor for the account balance. SH_ENOTFOUND when this driver (or
     * this configuration) has no balance query; otherwise cb exactly once (async contract). */
    int (*balance)(void *state, provider_balance_cb cb, void *arg);
};

/* The driver named driver, or NULL. Any thread. */
const struct provider_ops *provider_find(const char *driver);

#endif
