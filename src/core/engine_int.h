/*
 * engine_int.h — engine internals shared by engine.c (loop, claims, lifecycle) and
 * dispatch.c (routing, submit outcomes, receipts, polls). Engine thread only unless noted.
 */
#ifndef SH_CORE_ENGINE_INT_H
#define SH_CORE_ENGINE_INT_H

#include "core/engine.h"
#include "providers/provider.h"

#include <pthread.h>
#include <stdatomic.h>

struct event_base;
struct event;

struct eng_cred {
    char *id;
    char *project_id;
    char *provider_id;
    char *settings;
    int is_default;
    int active;
    int enabled;
    int priority;
    const struct provider_ops *ops;
    void *state;
    struct provider_env env;
    struct engine *engine;
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

struct engine {
    struct engine_cfg cfg;
    char owner[160];
    char *simulator_log;
    struct store *store;
    const struct log *log;

    struct event_base *base;
    struct event *tick_ev;
    struct event *claim_ev;
    struct event *post_ev;
    struct event *flush_ev;
    pthread_t thread;
    int thread_started;
    atomic_int running;
    atomic_int notified;

    pthread_mutex_t post_mu;
    struct eng_post *post_head, *post_tail;

    struct eng_cred **creds; /* each heap-allocated: drivers keep pointers to their env */
    size_t ncreds;
    int64_t creds_loaded_at;

    struct store_claim claim;
    int claiming;
    int inflight; /* submits and polls awaiting a driver answer */
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

/* Credential lookups; reload the table from the store at most once a second on a miss. */
struct eng_cred *engine_cred_by_id(struct engine *e, const char *id);
/* The credential for m, or NULL. With NULL, *unsure says the table may be stale (reloaded
 * less than a second ago): try again shortly instead of concluding there is no route. */
struct eng_cred *engine_route(struct engine *e, const struct store_message *m, int *unsure);

/* dispatch.c: handles one claimed message (copied as needed). */
void dispatch_message(struct engine *e, const struct store_message *m);

/* dispatch.c: the report callback given to every driver (arg is the eng_cred). */
void dispatch_report(void *arg, const struct provider_report *r);

#endif
