/*
 * guard.h — per-request guards applied after authentication (SPEC §2.4–2.6): the client
 * address behind trusted proxies, the project's IP allowlist, HMAC request signing, rate
 * limits (key, project, global) and message quotas — and the node-local state they keep:
 * a 1-second cache of project settings, token buckets, last-use times of API keys and
 * accepted-message counts, both flushed to the store in batches (guard_tick).
 *
 * A `struct guard` is built by the daemon, owned by `struct api`, used by any thread.
 */
#ifndef SH_API_GUARD_H
#define SH_API_GUARD_H

#include "api/http.h"
#include "store/store.h"

struct route;
struct guard;
struct sealer;

#define GUARD_CACHE_MS 1000 /* project settings and counters are re-read after this */
#define GUARD_FLUSH_MS 3000 /* last-use times and counts are written at least this often */
#define GUARD_NONCE_PURGE_MS 60000

struct guard_cfg {
    const char *trusted_proxies; /* CIDR list (already validated), "" or NULL: none */
    int64_t default_rps;         /* global limit when the settings have none; 0: none */
};

/* Returns a new guard (guard_free), or NULL when cfg->trusted_proxies does not parse.
 * store, log and sealer are borrowed for the guard's life. */
struct guard *guard_new(struct store *store, const struct log *log, const struct sealer *sealer,
                        const struct guard_cfg *cfg);

/* Frees g without writing anything (call guard_flush first, while the store is open; nothing
 * may use g any more, not even the store's writer). NULL is a no-op. */
void guard_free(struct guard *g);

/* Housekeeping from the daemon's main loop (about once a second): flushes last-use times and
 * counts every GUARD_FLUSH_MS, purges expired nonces every GUARD_NONCE_PURGE_MS. Blocks. */
void guard_tick(struct guard *g, int64_t now_ms);

/* Flushes last-use times and counts now. Blocks. */
void guard_flush(struct guard *g);

/* Remembers that key_id was used at now_ms (memory only; bounded). Any thread. g may be NULL. */
void guard_note_key_use(struct guard *g, const char *key_id, int64_t now_ms);

/* Counts one accepted message of project_id towards its quotas. Any thread (also the store
 * writer's: it never blocks on the store). g may be NULL. */
void guard_note_accepted(struct guard *g, const char *project_id, int64_t now_ms);

/* Drops this node's cached settings of project_id (after a change through the API). */
void guard_forget_project(struct guard *g, const char *project_id);

/* Applies the guards to an authenticated request (r->principal set). Returns 0 to go on, or
 * -1 after answering 401/403/429 itself. Handler thread. */
int guard_check(struct http_req *r, const struct route *route);

/* ---- intake without HTTP (the SMPP server, api/smpp_server.c) ------------------------ */

enum guard_verdict {
    GUARD_PASS = 0,
    GUARD_IP_DENIED,    /* the project's IP allowlist does not contain the address */
    GUARD_RATE_LIMITED, /* a token bucket (account, project, node) is empty */
    GUARD_QUOTA,        /* the daily or monthly message quota is used up */
    GUARD_NO_PROJECT,   /* the project is gone */
    GUARD_UNAVAILABLE   /* the settings cannot be read */
};

/* Whether client_ip (text) may bind for project_id: the project's IP allowlist, as for HTTP
 * requests. Returns an enum guard_verdict. Any thread; blocks on a cache miss. */
int guard_bind_check(struct guard *g, const char *project_id, const char *client_ip);

/* Whether one more message of project_id may be accepted now: the account bucket
 * ("s:<account_key>" at account_tps a second; <= 0: none), the project's and the node's rate
 * limits, then its quotas. A refusal takes no token. Returns an enum guard_verdict. Any
 * thread; blocks on a cache miss. */
int guard_message_check(struct guard *g, const char *project_id, const char *account_key,
                        int64_t account_tps);

#endif
