/*
 * dialect.h — one HTTP SMS vendor as pure functions: build requests, classify answers, verify
 * and parse the vendor's callbacks. No I/O, no clock, no globals: the transport (libcurl multi
 * on the engine loop) performs the requests a dialect builds and feeds the answers back.
 *
 * Every string a dialect produces lives in the caller's arena (struct arena), so one arena per
 * exchange frees everything at once. A dialect config (config_new) is immutable after
 * creation and may be shared by every transfer of one credential. See src/providers/http/README
 * for how a generic `http` provider_ops driver glues a dialect to the transport.
 *
 * Threads: all functions are pure and reentrant; any thread.
 */
#ifndef SH_PROVIDERS_HTTP_DIALECT_H
#define SH_PROVIDERS_HTTP_DIALECT_H

#include "lib/arena.h"
#include "providers/provider.h"

#include <stddef.h>
#include <stdint.h>

#define DIALECT_MAX_HEADERS 8
#define DIALECT_MAX_PARAMS 128
#define DIALECT_MAX_BODY (256 * 1024) /* callbacks and answers bigger than this are refused */
#define DIALECT_TOKEN_MAX 4096

struct dialect_kv {
    const char *name;
    const char *value;
};

/* An outgoing request. Strings are in the arena given to the builder. */
struct dialect_req {
    const char *method; /* "GET", "POST", "PATCH", ... */
    const char *url;    /* absolute, already escaped */
    struct dialect_kv header[DIALECT_MAX_HEADERS];
    size_t nheader;
    const char *body; /* NULL for none */
    size_t body_len;
};

/* An answer the transport received (or an incoming callback request, see dialect_in). */
struct dialect_resp {
    int status; /* HTTP status */
    const struct dialect_kv *header;
    size_t nheader;
    const char *body; /* not NUL-terminated necessarily; body_len bytes */
    size_t body_len;
};

/* An incoming callback request (vendor -> hub). */
struct dialect_in {
    const char *method; /* "GET" or "POST" */
    const char *url;    /* the full public URL as the vendor requested it: scheme, host, port
                         * when not default, path and raw query (Twilio signs exactly this) */
    const struct dialect_kv *header; /* names case-insensitive */
    size_t nheader;
    const char *body;
    size_t body_len;
};

/* A cached bearer token (Eskiz, CEQUENS). Owned by the driver, one per credential. */
struct dialect_token {
    char value[DIALECT_TOKEN_MAX]; /* "" = none */
    int64_t obtained_ms;
    int64_t expires_ms; /* 0 = unknown */
};

struct dialect_balance {
    char amount[32];  /* decimal string */
    char currency[8]; /* "" when the vendor does not say */
};

enum dialect_cb_kind {
    DIALECT_CB_IGNORE = 0, /* valid but nothing to do (e.g. an inbound-only status) */
    DIALECT_CB_DLR,
    DIALECT_CB_MO,
};

/* What a callback carried plus the answer the vendor expects. Strings in the arena. */
struct dialect_callback {
    enum dialect_cb_kind kind;
    struct provider_report dlr;
    struct provider_mo mo;
    int answer_status;        /* HTTP status to send back */
    const char *answer_ctype; /* NULL for no body */
    const char *answer_body;  /* "" for none */
    const char *why;          /* on error: a short reason for logs (never a secret) */
};

enum dialect_cap {
    DIALECT_CAP_LOGIN = 1 << 0,   /* needs a bearer token from build_login first */
    DIALECT_CAP_POLL = 1 << 1,    /* build_poll/parse_poll work (maybe only with a setting) */
    DIALECT_CAP_BALANCE = 1 << 2, /* build_balance/parse_balance work */
    DIALECT_CAP_DLR_PUSH = 1 << 3,
    DIALECT_CAP_MO = 1 << 4,
    DIALECT_CAP_SIGNED = 1 << 5, /* callbacks carry a vendor signature */
};

/*
 * One vendor. Return codes: SH_OK; SH_EINVAL for bad input (config, answer body, callback);
 * SH_ENOTFOUND when the operation is not offered (no poll, no balance); SH_EPERM for a callback
 * whose signature is wrong, for refused credentials in parse_login / parse_poll /
 * parse_balance (Basic-auth vendors: raise an auth alert); SH_AGAIN from parse_send /
 * parse_poll / parse_balance when the bearer token was refused (drop it, log in again, repeat
 * the request once); SH_EIO from parse_login for a transient failure (back off, retry later).
 * cfg is what config_new returned (borrowed); tok may be NULL when the vendor has no login.
 * Optional members are NULL when a vendor never offers them (build_login/parse_login without
 * DIALECT_CAP_LOGIN, build_poll/parse_poll, build_balance/parse_balance).
 */
struct dialect {
    const char *name;
    unsigned caps; /* enum dialect_cap, what the vendor can do at all */
    /* Parses the merged credential JSON (default_config + settings + secrets, later wins).
     * On SH_EINVAL err names the field. *cfg is freed by config_free. */
    int (*config_new)(const char *json, char *err, size_t errcap, void **cfg);
    void (*config_free)(void *cfg);
    /* Capabilities for this configuration (e.g. poll only when a setting enables it). */
    unsigned (*config_caps)(const void *cfg);
    /* Login (caps & DIALECT_CAP_LOGIN): old is the current token or NULL; a dialect may build
     * a refresh from it. parse_login fills tok (expiry from the token or the configured TTL). */
    int (*build_login)(const void *cfg, const struct dialect_token *old, struct arena *a,
                       struct dialect_req *out);
    int (*parse_login)(const void *cfg, const struct dialect_resp *in, int64_t now_ms,
                       struct dialect_token *tok);
    int (*build_send)(const void *cfg, const struct dialect_token *tok,
                      const struct provider_msg *m, int64_t now_ms, struct arena *a,
                      struct dialect_req *out);
    /* Classifies the answer to build_send's request; never fails on garbage (malformed or
     * temp-fail instead); SH_AGAIN only for a refused token. */
    int (*parse_send)(const void *cfg, const struct provider_msg *m, const struct dialect_resp *in,
                      struct provider_result *out);
    int (*build_poll)(const void *cfg, const struct dialect_token *tok, const char *pmid,
                      struct arena *a, struct dialect_req *out);
    /* out->status PROVIDER_DLR_NONE when the vendor has no news; strings in a. */
    int (*parse_poll)(const void *cfg, const char *pmid, const struct dialect_resp *in,
                      struct arena *a, struct provider_report *out);
    int (*build_balance)(const void *cfg, const struct dialect_token *tok, struct arena *a,
                         struct dialect_req *out);
    int (*parse_balance)(const void *cfg, const struct dialect_resp *in,
                         struct dialect_balance *out);
    /* Verifies and parses one callback request. Always fills the answer fields (also on
     * error: 400 malformed, 403 bad signature, as the vendor's own SDKs answer). */
    int (*parse_callback)(const void *cfg, const struct dialect_in *in, int64_t now_ms,
                          struct arena *a, struct dialect_callback *out);
    /* Batch send (optional, NULL when the vendor has none). config_batch: how long the driver
     * may hold a message to gather a batch (ms, 0 = never batch) and the most messages per
     * request. build_batch: one request for m[0..n-1] (2 <= n <= max, same sender).
     * parse_batch: one outcome per message in out[0..n-1]; SH_AGAIN for a refused token (as
     * parse_send); SH_ENOTFOUND when the vendor refused the batch as a whole, so the driver
     * sends the messages one by one and each gets its own outcome. */
    void (*config_batch)(const void *cfg, int *window_ms, int *max);
    int (*build_batch)(const void *cfg, const struct dialect_token *tok,
                       const struct provider_msg *m, size_t n, int64_t now_ms, struct arena *a,
                       struct dialect_req *out);
    int (*parse_batch)(const void *cfg, const struct provider_msg *m, size_t n,
                       const struct dialect_resp *in, struct provider_result *out);
};

/* The dialect named name ("twilio", "vonage", ...), or NULL. */
const struct dialect *dialect_find(const char *name);

/* Every dialect, NULL-terminated (for docs, tests and the fuzz target). */
extern const struct dialect *const dialect_all[];

/*
 * Token cache policy (Eskiz, CEQUENS). Returns 1 when tok can be used at now_ms: non-empty and
 * either without a known expiry or with more than max(1 h, 10 % of its lifetime) left, so a
 * refresh happens well before expiry and never during a burst of sends at the last second.
 */
int dialect_token_usable(const struct dialect_token *tok, int64_t now_ms);

/*
 * The pause an answer's Retry-After header asks for, in ms (delay-seconds, or an HTTP date
 * relative to now_ms), capped at DIALECT_RETRY_AFTER_MAX_MS; 0 when absent, unreadable or
 * already past.
 */
#define DIALECT_RETRY_AFTER_MAX_MS (3600LL * 1000)
int64_t dialect_retry_after_ms(const struct dialect_resp *in, int64_t now_ms);

/* Expiry of a JWT from its `exp` claim in ms, or 0 when it has none / is not a JWT. */
int64_t dialect_jwt_exp_ms(const char *jwt);

/* Fills tok with a token obtained at now_ms: it expires at its JWT `exp` claim, or ttl_s
 * seconds after now_ms when it has none or that is already past. value is copied. */
void dialect_token_set(struct dialect_token *tok, const char *value, int64_t now_ms, int ttl_s);

#endif
