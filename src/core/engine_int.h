/*
 * engine_int.h — engine internals shared by engine.c (loop, claims, lifecycle, credential
 * table), dispatch.c (routing, failover, submit outcomes, receipts, polls), credrt.c (per-
 * credential health, pacing and queue) and webhook.c (outbound callbacks). Engine thread
 * only unless noted.
 */
#ifndef SH_CORE_ENGINE_INT_H
#define SH_CORE_ENGINE_INT_H

#include "core/engine.h"
#include "core/health.h"
#include "core/route.h"
#include "core/tbucket.h"
#include "providers/provider.h"

#include <pthread.h>
#include <stdatomic.h>

struct event_base;
struct event;
struct sub_ctx;
struct webhooks;
struct eng_balance;

/*
 * The runtime of one credential that outlives driver reopenings (settings changed): health,
 * token bucket, concurrency and the local queue of submits waiting for a token or a slot.
 * Reference-counted: the current eng_cred holds one, every submit context one.
 */
struct cred_rt {
    int refs;
    struct engine *engine;
    char id[48];
    char provider_id[64];
    char project_id[48];
    struct eng_cred *cur; /* the driver instance to submit to, NULL once the credential is gone */
    struct health health;
    struct tbucket bucket;
    int max_concurrency; /* 0 = unlimited */
    int inflight;        /* submits awaiting a driver answer */
    int queued;          /* contexts in the queue */
    int qcap;            /* most contexts queued (0 = no cap: no tps); see ENG_HORIZON_MS */
    int64_t defer_next;  /* the next due time handed to a message deferred from a full queue */
    struct sub_ctx *qhead, *qtail;
    struct event *wake; /* waits for the next token */
};

struct eng_cred {
    char *id;
    char *project_id;
    char *provider_id;
    char *settings;   /* the credential's own settings (no secrets) */
    char *config_sig; /* default config + sealed secrets the driver was opened with */
    char *callback_url; /* <public url>/v1/callbacks/<driver>/<token>, or NULL */
    int is_default;
    int active;
    int enabled;
    int priority;
    int driver_inflight; /* submits and polls on this driver instance */
    const struct provider_ops *ops;
    void *state;
    struct provider_env env;
    struct engine *engine;
    struct cred_rt *rt;
    struct eng_cred *next_retired;
};

/* A project's dispatch policy (projects.failover, retry_schedule, max_retries). */
struct eng_policy {
    const char *project_id;
    int failover;
    int max_retries; /* -1: engine default */
    int nbackoff;    /* 0: engine default */
    int64_t backoff_ms[ENGINE_MAX_RETRIES];
};

/* A receipt whose provider message id was not known yet (its submit outcome not committed). */
struct dlr_retry {
    struct dlr_retry *next;
    char *pmid, *credential_id, *provider_id, *error_code;
    int to_status;
    int64_t at, give_up_at;
};

/* A group of store updates sent to the writer as one job. */
struct upd_batch {
    struct engine *engine;
    struct arena arena;
    struct store_update *u;
    size_t n;
    size_t cap;
};

struct eng_post {
    struct eng_post *next;
    void (*fn)(struct engine *e, void *arg);
    void *arg;
};

#define ENG_ACTIVE_BUCKETS 4096

/*
 * Claims are sized to what the node can send soon: a credential with a tps limit queues at
 * most its share of the rate times this horizon (at least ENG_QCAP_MIN), the engine claims no
 * more than its credentials' free queue room, and a message routed to a full queue goes back
 * to the store, due when this node could have sent it. So a node never sits on messages that
 * another node, with its own share of the rate free, could send now.
 */
#define ENG_HORIZON_MS 1000
#define ENG_QCAP_MIN 4

/* A message with a submit context alive in this engine (queued locally or submitted). */
struct eng_active {
    struct eng_active *next;
    char id[48];
};

struct engine {
    struct engine_cfg cfg;
    char owner[160];
    char *simulator_log;
    struct store *store;
    const struct log *log;
    struct health_cfg health_cfg;

    struct event_base *base;
    struct event *tick_ev;
    struct event *claim_ev;
    struct event *post_ev;
    struct event *flush_ev;
    pthread_t thread;
    int thread_started;
    atomic_int running;
    atomic_int live_nodes; /* cluster nodes sharing the providers' limits (engine_set_live_nodes) */
    int applied_nodes;     /* the count the credential runtimes were configured with */
    atomic_int notified;

    pthread_mutex_t post_mu;
    struct eng_post *post_head, *post_tail;

    struct eng_cred **creds; /* each heap-allocated: drivers keep pointers to their env */
    size_t ncreds;
    struct eng_cred *retired; /* replaced driver instances with submits still out */
    int64_t creds_loaded_at;
    struct arena route_arena;
    struct route_rule *rules;
    size_t nrules;
    struct eng_policy *policies;
    size_t npolicies;

    struct eng_active *active[ENG_ACTIVE_BUCKETS];
    struct dlr_retry *dlr_retry;
    int64_t dlr_retry_at;

    pthread_mutex_t snap_mu; /* guards snap (read by API threads) */
    struct engine_cred_health *snap;
    size_t nsnap;
    int64_t snap_at;

    struct webhooks *webhooks;
    struct http_transport *http; /* the HTTP drivers' transport (freed after the drivers) */
    char *public_url;
    struct sub_ctx *ctx_all; /* every live submit/poll context (freed at engine_free) */
    struct eng_balance *balances; /* balance queries not finished (balance.c) */

    struct store_claim claim;
    int claiming;
    int inflight; /* submit contexts alive and polls awaiting a driver answer */
    int late;     /* timed-out contexts a driver may still answer (not in inflight) */
    int flushing; /* update batches awaiting commit */
    struct upd_batch *pending;
    int stopping;
    int64_t drain_deadline;
};

/* Runs fn(e, arg) on the engine thread soon. Any thread. */
void engine_post(struct engine *e, void (*fn)(struct engine *, void *), void *arg);

/* A zeroed update in the pending batch (flushed at the end of this loop turn). */
struct store_update *engine_update_new(struct engine *e);

/* Copies s into the pending batch's arena (valid until the batch commits). */
const char *engine_str(struct engine *e, const char *s);

/* The loaded credential with this id, or NULL (reloads the table at most once a second). */
struct eng_cred *engine_cred_by_id(struct engine *e, const char *id);

/* Whether c can take submits (active, provider enabled, driver open). */
int engine_cred_usable(const struct eng_cred *c);

/* The policy of a project (a default one when it has none loaded). Borrowed. */
const struct eng_policy *engine_policy(struct engine *e, const char *project_id);

/*
 * The failover order for m into ids (cap entries): returns how many. With none, *wait_until
 * is when a skipped (DOWN) credential admits a probe (0 when none is skipped), and *unsure
 * says the table may be stale (reloaded less than a second ago).
 */
size_t engine_candidates(struct engine *e, const struct store_message *m, char ids[][48],
                         size_t cap, int64_t *wait_until, int *unsure);

/* Records a health change of rt as a provider_health_events row and a log line. */
void engine_health_changed(struct engine *e, struct cred_rt *rt, enum health_state from,
                           const char *reason);

/* Active set: a message id with a live submit context here. add returns 0 if present. */
int engine_active_add(struct engine *e, const char *id);
void engine_active_del(struct engine *e, const char *id);
int engine_active_has(struct engine *e, const char *id);

/* dispatch.c: handles one claimed message (copied as needed). */
void dispatch_message(struct engine *e, const struct store_message *m);

/* inbound.c: env->inbound of every driver (arg is the eng_cred): stores an inbound message
 * for the credential's project; provider.h states the contract. */
int dispatch_inbound(void *arg, const struct provider_mo *mo, provider_inbound_done_cb done,
                     void *done_arg);

/* dispatch.c: the report callback given to every driver (arg is the eng_cred). */
void dispatch_report(void *arg, const struct provider_report *r);

/* Applies a receipt for credential_id: by r->pmid within the credential, else (pmid NULL) by
 * r->ref as our message id — the caller checked that message belongs to the credential's
 * project (engine_report). */
void dispatch_apply_report(struct engine *e, const char *credential_id, const char *provider_id,
                           const struct provider_report *r);

/* dispatch.c: submits what rt's queue may send now; fails over what it can no longer send. */
void dispatch_pump(struct cred_rt *rt);

/* dispatch.c: re-applies receipts that arrived before their message's provider id was
 * committed (called after each batch commit and on ticks). */
void dispatch_retry_receipts(struct engine *e, int64_t now);

/* dispatch.c: drops the receipts still waiting for a retry (at engine_free: a receipt the
 * provider repeats, or a poll, brings the status later). */
void dispatch_receipts_free(struct engine *e);

/* dispatch.c: a committed batch's receipt updates whose provider id was unknown. */
void dispatch_receipts_unmatched(struct engine *e, const struct store_update *u, size_t n);

/* dispatch.c: extends the lease of every message whose context has held it past half the
 * lease (a long local wait: throttled, low tps, slow driver), so no other node claims it. */
void dispatch_renew_leases(struct engine *e, int64_t now);
/* dispatch.c: frees the timed-out contexts still waiting for a late answer of c's driver
 * instance (called right after its close: the driver drops pending callbacks). */
void dispatch_driver_closed(struct engine *e, struct eng_cred *c);

/* dispatch.c: frees every context still alive (engine_free, after the loop stopped). */
void dispatch_drop_all(struct engine *e);

/* dispatch.c: renders a callback body (store_update.render_callback). Any thread. */
char *dispatch_render_callback(const struct store_change *c);

/* credrt.c */
struct cred_rt *cred_rt_new(struct engine *e, const struct eng_cred *c);
void cred_rt_ref(struct cred_rt *rt);
void cred_rt_unref(struct cred_rt *rt);
/* Applies c's settings (tps, max_concurrency) to rt, divided among nodes live nodes (tps
 * exactly, concurrency rounded up) so the cluster as a whole keeps the provider's limits. */
void cred_rt_configure(struct cred_rt *rt, const char *settings, int nodes);

/* balance.c: answers (SH_ECLOSED) and frees the balance queries left (engine_free, after the
 * drivers are closed and before the loop's base is freed). */
void engine_balances_free(struct engine *e);

/* webhook.c */
struct webhooks *webhooks_new(struct engine *e);
void webhooks_free(struct webhooks *w);
/* Claims and sends due deliveries when it is time (every tick; kick forces a claim). */
void webhooks_tick(struct webhooks *w, int kick);
/* Whether deliveries are in flight (engine_stop waits for them within the drain). */
int webhooks_busy(const struct webhooks *w);

#endif
