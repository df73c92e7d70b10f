/*
 * engine.c — the engine thread: lifecycle, the claim loop, the post queue from other
 * threads, batching of store updates, and the credential table. Dispatch decisions live in
 * dispatch.c.
 *
 * Claim loop: a claim is in flight at most once. It runs when notified (a message was
 * accepted), on every tick, and again at once after a full batch. Claimed rows are leased
 * (their due_at moves lease_ms ahead) so a crash leaves them to be claimed again later.
 */
#include "core/engine_int.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <stdlib.h>
#include <string.h>

#define UPD_BATCH_MAX 512
#define UPD_RETRY_MS 500
#define CRED_RELOAD_MS 1000

void engine_cfg_default(struct engine_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->batch = 256;
    cfg->max_inflight = 4096;
    cfg->lease_ms = 300000;
    cfg->tick_ms = 100;
    cfg->max_retries = 3;
    cfg->backoff_ms[0] = 30000;
    cfg->backoff_ms[1] = 120000;
    cfg->backoff_ms[2] = 480000;
    cfg->poll_first_ms = 10000;
    cfg->poll_give_up_ms = 72LL * 3600 * 1000;
}

/* ---- post queue -------------------------------------------------------------------------- */

void engine_post(struct engine *e, void (*fn)(struct engine *, void *), void *arg)
{
    struct eng_post *p = xmalloc(sizeof(*p));
    p->next = NULL;
    p->fn = fn;
    p->arg = arg;
    pthread_mutex_lock(&e->post_mu);
    if (e->post_tail != NULL)
        e->post_tail->next = p;
    else
        e->post_head = p;
    e->post_tail = p;
    pthread_mutex_unlock(&e->post_mu);
    event_active(e->post_ev, EV_READ, 0);
}

static void on_post(evutil_socket_t fd, short what, void *arg)
{
    struct engine *e = arg;
    struct eng_post *p;
    (void)fd;
    (void)what;
    pthread_mutex_lock(&e->post_mu);
    p = e->post_head;
    e->post_head = e->post_tail = NULL;
    pthread_mutex_unlock(&e->post_mu);
    while (p != NULL) {
        struct eng_post *next = p->next;
        p->fn(e, p->arg);
        free(p);
        p = next;
    }
}

void engine_notify(struct engine *e)
{
    if (atomic_exchange(&e->notified, 1) == 0)
        event_active(e->claim_ev, EV_READ, 0);
}

int engine_running(struct engine *e)
{
    return atomic_load(&e->running);
}

/* ---- update batches ---------------------------------------------------------------------- */

static void batch_committed(struct engine *e, void *arg)
{
    struct upd_batch *b = arg;
    e->flushing--;
    arena_release(&b->arena);
    free(b);
}

static void batch_done(void *arg, int status);

/* Engine thread: sends a batch that failed to the store again. */
static void batch_resend(evutil_socket_t fd, short what, void *arg)
{
    struct upd_batch *b = arg;
    struct engine *e = b->engine;
    (void)fd;
    (void)what;
    if (store_update(e->store, b->u, b->n, batch_done, b) != SH_OK)
        batch_committed(e, b); /* the store is closing: give up, leases bring them back */
}

static void batch_failed(struct engine *e, void *arg)
{
    struct upd_batch *b = arg;
    struct timeval tv = {.tv_sec = 0, .tv_usec = UPD_RETRY_MS * 1000};
    if (e->stopping) {
        batch_committed(e, b); /* the leases bring these messages back after a restart */
        return;
    }
    event_base_once(e->base, -1, EV_TIMEOUT, batch_resend, b, &tv);
}

/*
 * Writer thread. A batch that failed (disk full, read-only, I/O error) applied nothing. Its
 * outcomes are known here and the updates are conditional, so the batch is sent again after
 * UPD_RETRY_MS until it commits (or the engine stops): a full disk must not leave messages
 * waiting for their lease to run out once space returns.
 */
static void batch_done(void *arg, int status)
{
    struct upd_batch *b = arg;
    if (status != SH_OK) {
        log_msg(b->engine->log, LOG_ERROR, NULL,
                "status update batch of %zu failed: %s; retrying in %d ms", b->n,
                sh_strerror(status), UPD_RETRY_MS);
        engine_post(b->engine, batch_failed, b);
        return;
    }
    engine_post(b->engine, batch_committed, b);
}

static void flush_pending(struct engine *e)
{
    struct upd_batch *b = e->pending;
    if (b == NULL || b->n == 0)
        return;
    e->pending = NULL;
    e->flushing++;
    if (store_update(e->store, b->u, b->n, batch_done, b) != SH_OK) {
        log_msg(e->log, LOG_ERROR, NULL, "store closed; %zu status updates dropped", b->n);
        e->flushing--;
        arena_release(&b->arena);
        free(b);
    }
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    flush_pending(arg);
}

struct store_update *engine_update_new(struct engine *e)
{
    struct upd_batch *b = e->pending;
    if (b != NULL && b->n == b->cap)
        flush_pending(e);
    b = e->pending;
    if (b == NULL) {
        b = xcalloc(1, sizeof(*b));
        b->engine = e;
        arena_init(&b->arena);
        b->cap = UPD_BATCH_MAX;
        b->u = arena_alloc(&b->arena, b->cap * sizeof(*b->u));
        e->pending = b;
        event_active(e->flush_ev, EV_READ, 0);
    }
    struct store_update *u = &b->u[b->n++];
    memset(u, 0, sizeof(*u));
    u->to_status = STORE_KEEP;
    u->due_at = STORE_KEEP;
    u->at = clock_now_ms();
    return u;
}

const char *engine_str(struct engine *e, const char *s)
{
    return arena_strdup(&e->pending->arena, s);
}

/* ---- credentials ------------------------------------------------------------------------- */

static void cred_free(struct eng_cred *c)
{
    if (c == NULL)
        return;
    if (c->ops != NULL && c->state != NULL)
        c->ops->close(c->state);
    free(c->id);
    free(c->project_id);
    free(c->provider_id);
    free(c->settings);
    free(c);
}

static void creds_free(struct eng_cred **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cred_free(v[i]);
    free(v);
}

static struct eng_cred *find_loaded(struct eng_cred **v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] != NULL && strcmp(v[i]->id, id) == 0)
            return v[i];
    }
    return NULL;
}

static struct eng_cred *cred_open(struct engine *e, const struct store_credential *row)
{
    struct eng_cred *c = xcalloc(1, sizeof(*c));
    char err[160] = "";

    c->id = xstrdup(row->id);
    c->project_id = xstrdup(row->project_id);
    c->provider_id = xstrdup(row->provider_id);
    c->settings = xstrdup(row->settings ? row->settings : "{}");
    c->engine = e;
    c->ops = provider_find(row->driver);
    c->env = (struct provider_env){
        .base = e->base,
        .log = e->log,
        .credential_id = c->id,
        .report = dispatch_report,
        .report_arg = c,
        .simulator_log = e->simulator_log,
    };
    if (c->ops == NULL)
        log_msg(e->log, LOG_WARN, NULL, "credential %s: unknown driver %s", c->id, row->driver);
    else if (c->ops->open(&c->env, c->settings, err, sizeof(err), &c->state) != SH_OK) {
        log_msg(e->log, LOG_ERROR, NULL, "credential %s: driver refused settings: %s", c->id, err);
        c->state = NULL;
    }
    return c;
}

/* Re-reads the credential table. A credential whose driver settings did not change keeps its
 * driver instance (and the messages in flight on it); the others are reopened. */
static int creds_reload(struct engine *e)
{
    struct arena a;
    struct store_credential *rows = NULL;
    size_t n = 0;
    int st;

    arena_init(&a);
    st = store_credentials_load(e->store, &a, &rows, &n);
    if (st != SH_OK)
        goto out;
    struct eng_cred **v = xcalloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        struct eng_cred *old = find_loaded(e->creds, e->ncreds, rows[i].id);
        const char *settings = rows[i].settings ? rows[i].settings : "{}";
        if (old != NULL && old->ops == provider_find(rows[i].driver) &&
            strcmp(old->settings, settings) == 0) {
            for (size_t k = 0; k < e->ncreds; k++) {
                if (e->creds[k] == old)
                    e->creds[k] = NULL; /* moved to the new table */
            }
            v[i] = old;
        } else {
            v[i] = cred_open(e, &rows[i]);
        }
        v[i]->is_default = rows[i].is_default;
        v[i]->active = rows[i].active;
        v[i]->enabled = rows[i].provider_enabled;
        v[i]->priority = rows[i].priority;
    }
    creds_free(e->creds, e->ncreds);
    e->creds = v;
    e->ncreds = n;
    e->creds_loaded_at = clock_now_ms();
out:
    arena_release(&a);
    return st;
}

static int creds_maybe_reload(struct engine *e)
{
    if (clock_now_ms() - e->creds_loaded_at < CRED_RELOAD_MS)
        return 0;
    return creds_reload(e) == SH_OK;
}

static int usable(const struct eng_cred *c)
{
    return c->active && c->enabled && c->state != NULL;
}

struct eng_cred *engine_cred_by_id(struct engine *e, const char *id)
{
    struct eng_cred *c = find_loaded(e->creds, e->ncreds, id);
    if (c == NULL && creds_maybe_reload(e))
        c = find_loaded(e->creds, e->ncreds, id);
    return c;
}

static struct eng_cred *route_once(struct engine *e, const struct store_message *m)
{
    struct eng_cred *best = NULL;
    if (m->credential_id != NULL) {
        struct eng_cred *c = find_loaded(e->creds, e->ncreds, m->credential_id);
        return c != NULL && usable(c) && strcmp(c->project_id, m->project_id) == 0 ? c : NULL;
    }
    for (size_t i = 0; i < e->ncreds; i++) {
        struct eng_cred *c = e->creds[i];
        if (strcmp(c->project_id, m->project_id) != 0 || !usable(c))
            continue;
        if (m->provider != NULL) {
            if (strcmp(c->provider_id, m->provider) == 0)
                return c;
            continue;
        }
        if (c->is_default)
            return c;
        if (best == NULL || c->priority < best->priority)
            best = c;
    }
    return best;
}

struct eng_cred *engine_route(struct engine *e, const struct store_message *m, int *unsure)
{
    struct eng_cred *c = route_once(e, m);
    *unsure = 0;
    if (c != NULL)
        return c;
    if (creds_maybe_reload(e))
        return route_once(e, m);
    /* The table was read less than a second ago, before a credential added since would be in
     * it: the caller asks again shortly rather than failing the message. */
    *unsure = 1;
    return NULL;
}

/* ---- claim loop -------------------------------------------------------------------------- */

static void start_claim(struct engine *e);

static void claim_processed(struct engine *e, void *arg)
{
    struct store_claim *c = &e->claim;
    int full;
    (void)arg;
    for (size_t i = 0; i < c->n; i++)
        dispatch_message(e, &c->msgs[i]);
    full = c->n == (size_t)c->limit;
    arena_release(&c->arena);
    c->n = 0;
    e->claiming = 0;
    if (full)
        start_claim(e);
}

static void claim_done(void *arg, int status)
{
    struct engine *e = arg;
    if (status != SH_OK) {
        log_msg(e->log, LOG_ERROR, NULL, "claim failed: %s", sh_strerror(status));
        e->claim.n = 0;
    }
    engine_post(e, claim_processed, NULL);
}

static void start_claim(struct engine *e)
{
    int room = e->cfg.max_inflight - e->inflight;
    if (e->claiming || e->stopping || room <= 0)
        return;
    atomic_store(&e->notified, 0);
    e->claim.now = clock_now_ms();
    e->claim.limit = room < e->cfg.batch ? room : e->cfg.batch;
    e->claim.lease_ms = e->cfg.lease_ms;
    e->claim.owner = e->owner;
    e->claiming = 1;
    if (store_claim(e->store, &e->claim, claim_done, e) != SH_OK)
        e->claiming = 0;
}

static void on_claim(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    start_claim(arg);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct engine *e = arg;
    (void)fd;
    (void)what;
    if (e->stopping) {
        int idle = e->inflight == 0 && !e->claiming && e->flushing == 0 &&
                   (e->pending == NULL || e->pending->n == 0);
        if (idle || clock_now_ms() >= e->drain_deadline) {
            if (!idle)
                log_msg(e->log, LOG_WARN, NULL,
                        "drain deadline passed with %d submits in flight; their leases will "
                        "expire and they will be retried",
                        e->inflight);
            event_base_loopbreak(e->base);
        }
        return;
    }
    start_claim(e);
}

static void *engine_main(void *arg)
{
    struct engine *e = arg;
    pthread_setname_np(pthread_self(), "sh-engine");
    atomic_store(&e->running, 1);
    event_base_dispatch(e->base);
    atomic_store(&e->running, 0);
    return NULL;
}

/* ---- lifecycle --------------------------------------------------------------------------- */

int engine_new(struct store *store, const struct log *log, const struct engine_cfg *cfg,
               struct engine **out)
{
    struct engine *e = xcalloc(1, sizeof(*e));
    e->cfg = *cfg;
    snprintf(e->owner, sizeof(e->owner), "%s", cfg->owner ? cfg->owner : "node");
    e->cfg.owner = e->owner;
    e->simulator_log = cfg->simulator_log ? xstrdup(cfg->simulator_log) : NULL;
    e->cfg.simulator_log = e->simulator_log;
    e->store = store;
    e->log = log;
    pthread_mutex_init(&e->post_mu, NULL);
    e->base = event_base_new();
    if (e->base == NULL) {
        engine_free(e);
        return SH_EIO;
    }
    e->post_ev = event_new(e->base, -1, 0, on_post, e);
    e->claim_ev = event_new(e->base, -1, 0, on_claim, e);
    e->flush_ev = event_new(e->base, -1, 0, on_flush, e);
    e->tick_ev = event_new(e->base, -1, EV_PERSIST, on_tick, e);
    arena_init(&e->claim.arena);
    *out = e;
    return SH_OK;
}

int engine_start(struct engine *e)
{
    struct timeval tv = {.tv_sec = e->cfg.tick_ms / 1000,
                         .tv_usec = (e->cfg.tick_ms % 1000) * 1000};
    int st = creds_reload(e);
    if (st != SH_OK)
        return st;
    event_add(e->tick_ev, &tv);
    if (pthread_create(&e->thread, NULL, engine_main, e) != 0)
        return SH_EIO;
    e->thread_started = 1;
    engine_notify(e);
    return SH_OK;
}

struct stop_req {
    int64_t deadline;
};

static void do_stop(struct engine *e, void *arg)
{
    struct stop_req *r = arg;
    e->stopping = 1;
    e->drain_deadline = r->deadline;
    free(r);
    flush_pending(e);
}

void engine_stop(struct engine *e, int64_t drain_ms)
{
    if (!e->thread_started)
        return;
    struct stop_req *r = xmalloc(sizeof(*r));
    r->deadline = clock_now_ms() + drain_ms;
    engine_post(e, do_stop, r);
    pthread_join(e->thread, NULL);
    e->thread_started = 0;
}

void engine_free(struct engine *e)
{
    if (e == NULL)
        return;
    creds_free(e->creds, e->ncreds);
    if (e->pending != NULL) {
        arena_release(&e->pending->arena);
        free(e->pending);
    }
    while (e->post_head != NULL) {
        struct eng_post *p = e->post_head;
        e->post_head = p->next;
        free(p); /* late posts after the loop stopped carry nothing that needs freeing */
    }
    arena_release(&e->claim.arena);
    if (e->tick_ev)
        event_free(e->tick_ev);
    if (e->claim_ev)
        event_free(e->claim_ev);
    if (e->post_ev)
        event_free(e->post_ev);
    if (e->flush_ev)
        event_free(e->flush_ev);
    if (e->base)
        event_base_free(e->base);
    pthread_mutex_destroy(&e->post_mu);
    free(e->simulator_log);
    free(e);
}
