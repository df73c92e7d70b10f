/*
 * engine.h — the dispatch engine: one libevent thread that claims due messages from the
 * store, routes them to a provider credential, submits, applies outcomes and receipts
 * through the message state machine, retries with backoff and polls status.
 *
 * Threads: engine_new/start/stop/free from the owning (main) thread; engine_notify from
 * any thread. Everything else happens on the engine thread. Store callbacks (writer
 * thread) are handed to the engine thread through a locked post queue.
 */
#ifndef SH_CORE_ENGINE_H
#define SH_CORE_ENGINE_H

#include "lib/log.h"
#include "store/store.h"

#include <stdint.h>

#define ENGINE_MAX_RETRIES 8

struct engine_cfg {
    int batch;                              /* messages per claim (default 256) */
    int max_inflight;                       /* submits awaiting an answer (default 4096) */
    int64_t lease_ms;                       /* claim lease (default 300 s) */
    int64_t tick_ms;                        /* idle poll of the queue (default 100 ms) */
    int max_retries;                        /* after the first attempt (default 3) */
    int64_t backoff_ms[ENGINE_MAX_RETRIES]; /* default 30 s, 2 min, 8 min */
    int64_t poll_first_ms;                  /* first status poll after acceptance (10 s) */
    int64_t poll_give_up_ms;                /* stop polling this long after creation (72 h) */
    int64_t submit_timeout_ms; /* watchdog of one submit or poll awaiting its driver (2 min) */
    const char *owner;                      /* lease owner id of this run (borrowed) */
    const char *simulator_log;              /* test hook for the simulator, or NULL */
    const struct sealer *sealer;            /* opens sealed secrets (borrowed), or NULL */
    int64_t health_cooldown_ms;             /* DOWN before a half-open probe (30 s) */
    int64_t health_window_ms;               /* rolling health window (60 s) */
    int webhook_nbackoff;                   /* callback retry delays (10 s, 30 s, 2 min, … 1 h) */
    int64_t webhook_backoff_ms[ENGINE_MAX_RETRIES];
    int64_t webhook_give_up_ms;             /* stop retrying a callback after this (24 h) */
    int64_t webhook_timeout_ms;             /* one POST (10 s) */
    const char *public_url; /* base URL providers reach us at (callbacks), borrowed, or NULL */
    struct pricecache *prices; /* tariffs for the cost fixed at submit (borrowed), or NULL */
};

/* One credential's health as the API shows it (engine_health_snapshot). */
struct engine_cred_health {
    char credential_id[48];
    char project_id[48];
    char provider_id[64];
    const char *state; /* static string */
    double success_rate;
    int samples;
    int p50_ms, p95_ms;
    int inflight, queued;
    int active, enabled;
};

struct engine;
struct pricecache;
struct sealer;

/* Tells the engine how many cluster nodes are alive (core/cluster.h): each takes 1/n of every
 * credential's tps and max_concurrency, applied at the next credential reload (500 ms). Any
 * thread. */
void engine_set_live_nodes(struct engine *e, int n);
struct provider_report;

/*
 * Queues a delivery receipt a provider pushed to the API (callbacks) for credential_id onto the
 * engine thread, applied like a driver's own receipts: by r->pmid within the credential, or
 * when r->pmid is NULL by r->ref as our message id — pass a ref only after checking that
 * message belongs to the credential's project. r is copied. Any thread. SH_OK, or SH_EIO when
 * the engine is not running.
 */
int engine_report(struct engine *e, const char *credential_id, const struct provider_report *r);

/* A vendor account balance (engine_balance). */
struct engine_balance {
    char amount[32];  /* decimal string as the vendor gives it */
    char currency[8]; /* ISO 4217, "" when the vendor does not say */
    char error[120];  /* on SH_EPERM / SH_EIO: why (no secret) */
};

#define ENGINE_BALANCE_TIMEOUT_MS 8000

/*
 * status: SH_OK (b filled); SH_ENOTFOUND the credential's driver (or its configuration) has
 * no balance query; SH_ECLOSED the credential is not loaded here or its driver is not open
 * (deleted, provider disabled, bad settings); SH_EPERM the vendor refused the credentials;
 * SH_EIO no usable answer; SH_ETIMEDOUT no answer within ENGINE_BALANCE_TIMEOUT_MS. b is
 * borrowed for the call.
 */
typedef void (*engine_balance_cb)(void *arg, int status, const struct engine_balance *b);

/*
 * Asks credential_id's driver for the vendor account balance. cb runs exactly once, on the
 * engine thread (at the latest after ENGINE_BALANCE_TIMEOUT_MS), or from engine_free. Returns
 * SH_EIO when the engine is not running (cb is then never called). Any thread.
 */
int engine_balance(struct engine *e, const char *credential_id, engine_balance_cb cb, void *arg);

/* Fills the defaults documented above. */
void engine_cfg_default(struct engine_cfg *cfg);

/* Returns new engine (engine_free) using store and log (borrowed, must outlive it). */
int engine_new(struct store *store, const struct log *log, const struct engine_cfg *cfg,
               struct engine **out);

/* Sets the base URL providers reach this hub at (their callback URLs); copied. Before
 * engine_start only. */
void engine_set_public_url(struct engine *e, const char *url);

/* Loads credentials, opens drivers and starts the thread. SH_EIO when no thread. */
int engine_start(struct engine *e);

/* Says new work may be due (a message was accepted). Any thread; cheap; coalesces. */
void engine_notify(struct engine *e);

/* Whether the engine thread is running (for /readyz). Any thread. */
int engine_running(struct engine *e);

/*
 * Copies the health of every credential of provider_id (NULL: all) into *out (returns new,
 * free()) and their count into *n. At most a fraction of a second old. Any thread.
 */
int engine_health_snapshot(struct engine *e, const char *provider_id,
                           struct engine_cred_health **out, size_t *n);

/*
 * The project's webhook secret (a printable string, "whsec_…") into out (cap >= 64),
 * generated, sealed and stored on first use. SH_ENOTFOUND for an unknown project, SH_EINVAL
 * when no sealer is configured. Blocks (store); any thread but the writer's.
 */
int engine_webhook_secret(struct store *store, const struct sealer *sealer,
                          const char *project_id, char *out, size_t cap);

/*
 * Stops claiming, waits up to drain_ms for submits in flight to be answered and their
 * outcomes committed, then stops the thread. Messages still in flight after the deadline
 * keep their lease and are retried after it expires (or at the next start). Blocks.
 */
void engine_stop(struct engine *e, int64_t drain_ms);

/* Frees the engine (stopped or never started). NULL is a no-op. */
void engine_free(struct engine *e);

#endif
