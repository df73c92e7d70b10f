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
#include "core/catalog.h"
#include "core/credential.h"
#include "core/seal.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/credentials.h"
#include "store/enginedata.h"
#include "providers/http_transport.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define UPD_BATCH_MAX 512
#define UPD_RETRY_MS 500
#define CRED_RELOAD_MS 500 /* credentials, rules and policies re-read: the kill switch bound */

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
    cfg->submit_timeout_ms = 120000;
    cfg->health_cooldown_ms = 30000;
    cfg->health_window_ms = 60000;
    static const int64_t wh[] = {10000, 30000, 120000, 600000, 1800000, 3600000};
    cfg->webhook_nbackoff = (int)(sizeof(wh) / sizeof(wh[0]));
    memcpy(cfg->webhook_backoff_ms, wh, sizeof(wh));
    cfg->webhook_give_up_ms = 24LL * 3600 * 1000;
    cfg->webhook_timeout_ms = 10000;
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
    int kick = 0;
    e->flushing--;
    dispatch_receipts_unmatched(e, b->u, b->n);
    for (size_t i = 0; i < b->n && !kick; i++)
        kick = b->u[i].callback_queued;
    if (kick && e->webhooks != NULL && !e->stopping)
        webhooks_tick(e->webhooks, 1);
    arena_release(&b->arena);
    free(b);
}

static void batch_done(void *arg, int status);

static void batch_release(struct engine *e, struct upd_batch *b)
{
    e->flushing--;
    arena_release(&b->arena);
    free(b);
}


/* Engine thread: sends a batch that failed to the store again. */
static void batch_resend(evutil_socket_t fd, short what, void *arg)
{
    struct upd_batch *b = arg;
    struct engine *e = b->engine;
    (void)fd;
    (void)what;
    if (store_update(e->store, b->u, b->n, batch_done, b) != SH_OK)
        batch_release(e, b); /* the store is closing: give up, leases bring them back */
}

static void batch_failed(struct engine *e, void *arg)
{
    struct upd_batch *b = arg;
    struct timeval tv = {.tv_sec = 0, .tv_usec = UPD_RETRY_MS * 1000};
    if (e->stopping) {
        batch_release(e, b); /* the leases bring these messages back after a restart */
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

/* ---- credentials, routes, policies ------------------------------------------------------ */

static void cred_free(struct eng_cred *c)
{
    if (c == NULL)
        return;
    if (c->ops != NULL && c->state != NULL) {
        c->ops->close(c->state);
        dispatch_driver_closed(c->engine, c); /* its late answers will never come */
    }
    if (c->rt != NULL) {
        if (c->rt->cur == c)
            c->rt->cur = NULL;
        cred_rt_unref(c->rt);
    }
    free(c->id);
    free(c->project_id);
    free(c->provider_id);
    free(c->settings);
    free(c->config_sig);
    free(c->callback_url);
    free(c);
}

/* Frees c now, or later when submits are still out on its driver instance. */
static void cred_retire(struct engine *e, struct eng_cred *c)
{
    if (c->rt != NULL && c->rt->cur == c)
        c->rt->cur = NULL;
    if (c->driver_inflight == 0) {
        cred_free(c);
        return;
    }
    c->next_retired = e->retired;
    e->retired = c;
}

static void retired_sweep(struct engine *e)
{
    struct eng_cred **pp = &e->retired;
    while (*pp != NULL) {
        struct eng_cred *c = *pp;
        if (c->driver_inflight == 0) {
            *pp = c->next_retired;
            cred_free(c);
        } else {
            pp = &c->next_retired;
        }
    }
}

static struct eng_cred *find_loaded(struct eng_cred **v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] != NULL && strcmp(v[i]->id, id) == 0)
            return v[i];
    }
    return NULL;
}

/* What identifies the configuration a driver instance was opened with, besides its plain
 * settings: the catalog's default config and the sealed secrets (never the clear ones).
 * Returns new (free()). */
static char *config_sig(const struct store_credential *row)
{
    size_t n = 8 + (row->default_config ? strlen(row->default_config) : 0) +
               (row->secret_hex ? strlen(row->secret_hex) : 0) +
               (row->secret_key_id ? strlen(row->secret_key_id) : 0);
    char *sig = xmalloc(n);
    snprintf(sig, n, "%s\n%s\n%s", row->default_config ? row->default_config : "",
             row->secret_hex ? row->secret_hex : "", row->secret_key_id ? row->secret_key_id : "");
    return sig;
}

static struct eng_cred *cred_open(struct engine *e, const struct store_credential *row)
{
    struct eng_cred *c = xcalloc(1, sizeof(*c));
    char err[160] = "";
    char *merged = NULL;

    c->id = xstrdup(row->id);
    c->project_id = xstrdup(row->project_id);
    c->provider_id = xstrdup(row->provider_id);
    c->settings = xstrdup(row->settings ? row->settings : "{}");
    c->config_sig = config_sig(row);
    c->callback_url = cred_callback_url(e->public_url, row);
    c->engine = e;
    c->ops = provider_find(row->driver);
    c->env = (struct provider_env){
        .base = e->base,
        .log = e->log,
        .credential_id = c->id,
        .report = dispatch_report,
        .report_arg = c,
        .simulator_log = e->simulator_log,
        .http = e->http,
        .callback_url = c->callback_url,
        .inbound = dispatch_inbound,
        .inbound_arg = c,
    };
    if (c->ops == NULL) {
        log_msg(e->log, LOG_WARN, NULL, "credential %s: unknown driver %s", c->id, row->driver);
    } else if ((merged = cred_row_settings(e->cfg.sealer, e->log, row, c->callback_url)) == NULL) {
        c->state = NULL; /* logged: no driver without its secrets */
    } else if (c->ops->open(&c->env, merged, err, sizeof(err), &c->state) != SH_OK) {
        log_msg(e->log, LOG_ERROR, NULL, "credential %s: driver refused settings: %s", c->id, err);
        c->state = NULL;
    }
    if (merged != NULL)
        seal_wipe_free(merged, strlen(merged));
    return c;
}

/* Parses a project's retry schedule as the dispatch-policy API stores it (a JSON array of
 * seconds, core/catalog.h) into milliseconds. Returns the count, 0 when absent or invalid. */
static int parse_schedule(const char *text, int64_t *out)
{
    int secs[CATALOG_RETRY_MAX];
    json_t *v = text != NULL ? json_loads(text, 0, NULL) : NULL;
    int n = v != NULL ? catalog_retry_schedule_parse(v, secs) : -1;
    json_decref(v);
    if (n < 0)
        return 0;
    if (n > ENGINE_MAX_RETRIES)
        n = ENGINE_MAX_RETRIES;
    for (int i = 0; i < n; i++)
        out[i] = (int64_t)secs[i] * 1000;
    return n;
}

static int load_routes_policies(struct engine *e)
{
    struct arena a;
    struct store_rows rr = {0}, pr = {0};
    int st;

    arena_init(&a);
    st = store_routes_load(e->store, &a, &rr);
    if (st == SH_OK)
        st = store_project_policies_load(e->store, &a, &pr);
    if (st != SH_OK) {
        arena_release(&a);
        return st;
    }
    struct route_rule *rules = arena_alloc(&a, (rr.n ? rr.n : 1) * sizeof(*rules));
    for (size_t i = 0; i < rr.n; i++) {
        const char *mt = store_cell(&rr, i, 4);
        rules[i] = (struct route_rule){
            .project_id = store_cell(&rr, i, 0),
            .position = (int)store_cell_int(&rr, i, 1),
            .country = store_cell(&rr, i, 2),
            .prefix = store_cell(&rr, i, 3),
            .msg_type = mt != NULL ? atoi(mt) : -1,
            .credential_id = store_cell(&rr, i, 5),
        };
    }
    struct eng_policy *pol = arena_alloc(&a, (pr.n ? pr.n : 1) * sizeof(*pol));
    for (size_t i = 0; i < pr.n; i++) {
        const char *mr = store_cell(&pr, i, 3);
        memset(&pol[i], 0, sizeof(pol[i]));
        pol[i].project_id = store_cell(&pr, i, 0);
        pol[i].failover = store_cell_int(&pr, i, 1) != 0;
        pol[i].max_retries = mr != NULL ? atoi(mr) : -1;
        pol[i].nbackoff = parse_schedule(store_cell(&pr, i, 2), pol[i].backoff_ms);
    }
    arena_release(&e->route_arena);
    e->route_arena = a;
    e->rules = rules;
    e->nrules = rr.n;
    e->policies = pol;
    e->npolicies = pr.n;
    return SH_OK;
}

/* Re-reads the credential table, the route rules and the projects' policies. A credential
 * whose driver settings did not change keeps its driver instance (and the messages in flight
 * on it); the others are reopened, the old instance living on until its submits are
 * answered. Health, pacing and queued submits (cred_rt) carry over by credential id. */
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
    st = load_routes_policies(e);
    if (st != SH_OK)
        goto out;
    struct eng_cred **v = xcalloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        struct eng_cred *old = find_loaded(e->creds, e->ncreds, rows[i].id);
        const char *settings = rows[i].settings ? rows[i].settings : "{}";
        for (size_t k = 0; old != NULL && k < e->ncreds; k++) {
            if (e->creds[k] == old)
                e->creds[k] = NULL; /* taken over or replaced below */
        }
        char *sig = config_sig(&rows[i]);
        int same = old != NULL && old->ops == provider_find(rows[i].driver) &&
                   strcmp(old->settings, settings) == 0 && strcmp(old->config_sig, sig) == 0;
        free(sig);
        if (same) {
            v[i] = old;
        } else {
            v[i] = cred_open(e, &rows[i]);
            if (old != NULL) {
                v[i]->rt = old->rt; /* the runtime moves to the new driver instance */
                old->rt = NULL;
                cred_retire(e, old);
            } else {
                v[i]->rt = cred_rt_new(e, v[i]);
            }
            v[i]->rt->cur = v[i];
            cred_rt_configure(v[i]->rt, settings, atomic_load(&e->live_nodes));
        }
        v[i]->is_default = rows[i].is_default;
        v[i]->active = rows[i].active;
        v[i]->enabled = rows[i].provider_enabled;
        v[i]->priority = rows[i].priority;
    }
    int nodes = atomic_load(&e->live_nodes);
    if (nodes != e->applied_nodes) {
        /* a node joined or left: every credential's share of its limits changes */
        for (size_t i = 0; i < n; i++)
            cred_rt_configure(v[i]->rt, v[i]->settings, nodes);
        if (e->applied_nodes != 0)
            log_msg(e->log, LOG_INFO, NULL, "providers' limits now shared by %d nodes", nodes);
        e->applied_nodes = nodes;
    }
    for (size_t k = 0; k < e->ncreds; k++) {
        if (e->creds[k] != NULL)
            cred_retire(e, e->creds[k]); /* deleted credentials */
    }
    free(e->creds);
    e->creds = v;
    e->ncreds = n;
    e->creds_loaded_at = clock_now_ms();
    /* queues of credentials switched off (or deleted) fail over now, not at their next turn */
    for (size_t i = 0; i < n; i++) {
        if (v[i]->rt->qhead != NULL && !engine_cred_usable(v[i]))
            dispatch_pump(v[i]->rt);
    }
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

int engine_cred_usable(const struct eng_cred *c)
{
    return c != NULL && c->active && c->enabled && c->state != NULL;
}

struct eng_report {
    char *credential_id, *pmid, *ref, *error_code;
    struct provider_report r;
};

static void report_free(struct eng_report *p)
{
    free(p->credential_id);
    free(p->pmid);
    free(p->ref);
    free(p->error_code);
    free(p);
}

static void do_report(struct engine *e, void *arg)
{
    struct eng_report *p = arg;
    struct eng_cred *c = engine_cred_by_id(e, p->credential_id);
    if (!e->stopping)
        dispatch_apply_report(e, p->credential_id, c != NULL ? c->provider_id : NULL, &p->r);
    report_free(p);
}

static char *dup_opt(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

int engine_report(struct engine *e, const char *credential_id, const struct provider_report *r)
{
    if (!atomic_load(&e->running) || (r->pmid == NULL && r->ref == NULL))
        return SH_EIO;
    struct eng_report *p = xcalloc(1, sizeof(*p));
    p->credential_id = xstrdup(credential_id);
    p->pmid = dup_opt(r->pmid);
    p->ref = dup_opt(r->ref);
    p->error_code = dup_opt(r->error_code);
    p->r = (struct provider_report){.pmid = p->pmid,
                                    .status = r->status,
                                    .error_code = p->error_code,
                                    .at = r->at,
                                    .ref = p->ref};
    engine_post(e, do_report, p);
    return SH_OK;
}

struct eng_cred *engine_cred_by_id(struct engine *e, const char *id)
{
    struct eng_cred *c = find_loaded(e->creds, e->ncreds, id);
    if (c == NULL && creds_maybe_reload(e))
        c = find_loaded(e->creds, e->ncreds, id);
    return c;
}

const struct eng_policy *engine_policy(struct engine *e, const char *project_id)
{
    static const struct eng_policy def = {.failover = 1, .max_retries = -1};
    for (size_t i = 0; i < e->npolicies; i++) {
        if (strcmp(e->policies[i].project_id, project_id) == 0)
            return &e->policies[i];
    }
    return &def;
}

static size_t candidates_once(struct engine *e, const struct store_message *m, char ids[][48],
                              size_t cap, int64_t *wait_until)
{
    struct route_cred rc[512];
    size_t idx[ROUTE_MAX_CANDIDATES], map[512], nrc = 0, skipped = 0, n;
    int64_t now = clock_now_ms();

    /* only this project's credentials go to the pure router */
    for (size_t i = 0; i < e->ncreds && nrc < 512; i++) {
        struct eng_cred *c = e->creds[i];
        if (strcmp(c->project_id, m->project_id) != 0)
            continue;
        const struct health *h = &c->rt->health;
        rc[nrc] = (struct route_cred){
            .id = c->id,
            .project_id = c->project_id,
            .provider_id = c->provider_id,
            .is_default = c->is_default,
            .priority = c->priority,
            .usable = engine_cred_usable(c),
            .skip = (h->state == HEALTH_DOWN &&
                     health_next_admit(h, &e->health_cfg, now) > now) ||
                    (h->state == HEALTH_PROBING && h->probe_inflight),
        };
        map[nrc++] = i;
    }
    struct route_req req = {
        .project_id = m->project_id,
        .to = m->to,
        .country = m->country,
        .msg_type = m->msg_type,
        .provider = m->provider,
        .credential_id = m->credential_id,
    };
    n = route_candidates(&req, e->rules, e->nrules, rc, nrc, idx,
                         cap < ROUTE_MAX_CANDIDATES ? cap : ROUTE_MAX_CANDIDATES, &skipped);
    for (size_t k = 0; k < n; k++)
        snprintf(ids[k], 48, "%s", e->creds[map[idx[k]]]->id);
    *wait_until = 0;
    if (n == 0 && skipped > 0) {
        int64_t w = now + e->health_cfg.cooldown_ms;
        for (size_t i = 0; i < nrc; i++) {
            const struct health *h = &e->creds[map[i]]->rt->health;
            if (rc[i].skip && rc[i].usable) {
                int64_t t = health_next_admit(h, &e->health_cfg, now);
                if (t <= now)
                    t = now + 100; /* a probe is out: ask again shortly */
                if (t < w)
                    w = t;
            }
        }
        *wait_until = w;
    }
    return n;
}

size_t engine_candidates(struct engine *e, const struct store_message *m, char ids[][48],
                         size_t cap, int64_t *wait_until, int *unsure)
{
    size_t n = candidates_once(e, m, ids, cap, wait_until);
    *unsure = 0;
    if (n > 0 || *wait_until != 0)
        return n;
    if (creds_maybe_reload(e))
        return candidates_once(e, m, ids, cap, wait_until);
    /* The table was read less than a second ago. If that was before the message was
     * accepted, a credential added just before it may be missing: the caller asks again
     * shortly rather than failing the message. A table read after it is conclusive. */
    *unsure = e->creds_loaded_at <= m->created_at;
    return 0;
}

void engine_health_changed(struct engine *e, struct cred_rt *rt, enum health_state from,
                           const char *reason)
{
    struct store_health_event ev = {
        .credential_id = rt->id,
        .provider_id = rt->provider_id,
        .project_id = rt->project_id,
        .at = clock_now_ms(),
        .from_state = health_state_name(from),
        .to_state = health_state_name(rt->health.state),
        .reason = reason,
    };
    log_msg(e->log, rt->health.state == HEALTH_HEALTHY ? LOG_INFO : LOG_WARN, NULL,
            "provider %s credential %s: %s -> %s (%s)", rt->provider_id, rt->id, ev.from_state,
            ev.to_state, reason);
    if (store_health_event_add(e->store, &ev) != SH_OK)
        log_msg(e->log, LOG_ERROR, NULL, "credential %s: health event not recorded", rt->id);
}

/* ---- active set -------------------------------------------------------------------------- */

static size_t active_bucket(const char *id)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *id; id++) {
        h ^= (unsigned char)*id;
        h *= 1099511628211ULL;
    }
    return (size_t)(h % ENG_ACTIVE_BUCKETS);
}

int engine_active_has(struct engine *e, const char *id)
{
    for (struct eng_active *a = e->active[active_bucket(id)]; a != NULL; a = a->next) {
        if (strcmp(a->id, id) == 0)
            return 1;
    }
    return 0;
}

int engine_active_add(struct engine *e, const char *id)
{
    size_t b = active_bucket(id);
    if (engine_active_has(e, id))
        return 0;
    struct eng_active *a = xcalloc(1, sizeof(*a));
    snprintf(a->id, sizeof(a->id), "%s", id);
    a->next = e->active[b];
    e->active[b] = a;
    return 1;
}

void engine_active_del(struct engine *e, const char *id)
{
    for (struct eng_active **pp = &e->active[active_bucket(id)]; *pp != NULL;
         pp = &(*pp)->next) {
        if (strcmp((*pp)->id, id) == 0) {
            struct eng_active *a = *pp;
            *pp = a->next;
            free(a);
            return;
        }
    }
}

/* ---- health snapshot --------------------------------------------------------------------- */

static void snapshot_update(struct engine *e, int64_t now)
{
    struct engine_cred_health *v = xcalloc(e->ncreds ? e->ncreds : 1, sizeof(*v));
    for (size_t i = 0; i < e->ncreds; i++) {
        const struct eng_cred *c = e->creds[i];
        const struct cred_rt *rt = c->rt;
        snprintf(v[i].credential_id, sizeof(v[i].credential_id), "%s", c->id);
        snprintf(v[i].project_id, sizeof(v[i].project_id), "%s", c->project_id);
        snprintf(v[i].provider_id, sizeof(v[i].provider_id), "%s", c->provider_id);
        v[i].state = health_state_name(rt->health.state);
        v[i].success_rate = health_success_rate(&rt->health, &e->health_cfg, now);
        v[i].samples = (int)rt->health.n;
        v[i].p50_ms = health_latency_pct(&rt->health, 50);
        v[i].p95_ms = health_latency_pct(&rt->health, 95);
        v[i].inflight = rt->inflight;
        v[i].queued = rt->queued;
        v[i].active = c->active;
        v[i].enabled = c->enabled;
    }
    pthread_mutex_lock(&e->snap_mu);
    free(e->snap);
    e->snap = v;
    e->nsnap = e->ncreds;
    e->snap_at = now;
    pthread_mutex_unlock(&e->snap_mu);
}

int engine_health_snapshot(struct engine *e, const char *provider_id,
                           struct engine_cred_health **out, size_t *n)
{
    size_t k = 0;
    pthread_mutex_lock(&e->snap_mu);
    struct engine_cred_health *v = xcalloc(e->nsnap ? e->nsnap : 1, sizeof(*v));
    for (size_t i = 0; i < e->nsnap; i++) {
        if (provider_id == NULL || strcmp(e->snap[i].provider_id, provider_id) == 0)
            v[k++] = e->snap[i];
    }
    pthread_mutex_unlock(&e->snap_mu);
    *out = v;
    *n = k;
    return SH_OK;
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

/* How many messages this node's queues can take now (ENG_HORIZON_MS): the free room of the
 * usable credentials' queues, or no bound when one of them has no tps limit. */
static int claim_budget(struct engine *e)
{
    long room = 0;
    int limited = 0;
    for (size_t i = 0; i < e->ncreds; i++) {
        const struct cred_rt *rt = e->creds[i]->rt;
        if (!engine_cred_usable(e->creds[i]))
            continue;
        if (rt->qcap == 0)
            return INT_MAX;
        limited = 1;
        if (rt->queued < rt->qcap)
            room += rt->qcap - rt->queued;
    }
    if (!limited || room > INT_MAX)
        return INT_MAX;
    return (int)room;
}

static void start_claim(struct engine *e)
{
    int room = e->cfg.max_inflight - e->inflight;
    if (e->claiming || e->stopping || room <= 0)
        return;
    atomic_store(&e->notified, 0);
    int budget = claim_budget(e);
    if (budget < room)
        room = budget;
    if (room <= 0)
        return; /* the queues are full for the horizon: the next tick looks again */
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
    int64_t now = clock_now_ms();
    retired_sweep(e);
    if (now - e->snap_at >= 200)
        snapshot_update(e, now);
    if (e->stopping) {
        int idle = e->inflight == 0 && !e->claiming && e->flushing == 0 &&
                   (e->pending == NULL || e->pending->n == 0) &&
                   (e->webhooks == NULL || !webhooks_busy(e->webhooks));
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
    creds_maybe_reload(e); /* a provider switched off stops taking submits within a second */
    dispatch_retry_receipts(e, now);
    dispatch_renew_leases(e, now);
    if (e->webhooks != NULL)
        webhooks_tick(e->webhooks, 0);
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
    e->public_url = cfg->public_url ? xstrdup(cfg->public_url) : NULL;
    e->cfg.public_url = e->public_url;
    e->store = store;
    e->log = log;
    pthread_mutex_init(&e->post_mu, NULL);
    atomic_init(&e->live_nodes, 1);
    pthread_mutex_init(&e->snap_mu, NULL);
    arena_init(&e->route_arena);
    health_cfg_default(&e->health_cfg);
    e->health_cfg.cooldown_ms = cfg->health_cooldown_ms > 0 ? cfg->health_cooldown_ms : 30000;
    e->health_cfg.window_ms = cfg->health_window_ms > 0 ? cfg->health_window_ms : 60000;
    /* timers count from the real time, not the time cached at the top of the loop turn, and
     * from CLOCK_MONOTONIC, not libevent's default CLOCK_MONOTONIC_COARSE: that one ticks in
     * jiffies (4 ms here), so a driver's "answer in 5 ms" fired after 1-4 ms */
    struct event_config *ecfg = event_config_new();
    if (ecfg != NULL)
        event_config_set_flag(ecfg, EVENT_BASE_FLAG_NO_CACHE_TIME | EVENT_BASE_FLAG_PRECISE_TIMER);
    e->base = ecfg != NULL ? event_base_new_with_config(ecfg) : NULL;
    if (ecfg != NULL)
        event_config_free(ecfg);
    if (e->base == NULL) {
        engine_free(e);
        return SH_EIO;
    }
    e->post_ev = event_new(e->base, -1, 0, on_post, e);
    e->claim_ev = event_new(e->base, -1, 0, on_claim, e);
    e->flush_ev = event_new(e->base, -1, 0, on_flush, e);
    e->tick_ev = event_new(e->base, -1, EV_PERSIST, on_tick, e);
    arena_init(&e->claim.arena);
    e->webhooks = webhooks_new(e);
    e->http = http_transport_new(e->base); /* NULL: HTTP drivers answer SH_EIO */
    *out = e;
    return SH_OK;
}

void engine_set_public_url(struct engine *e, const char *url)
{
    free(e->public_url);
    e->public_url = url != NULL ? xstrdup(url) : NULL;
    e->cfg.public_url = e->public_url;
}

int engine_start(struct engine *e)
{
    struct timeval tv = {.tv_sec = e->cfg.tick_ms / 1000,
                         .tv_usec = (e->cfg.tick_ms % 1000) * 1000};
    int st = creds_reload(e);
    if (st != SH_OK)
        return st;
    snapshot_update(e, clock_now_ms());
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

void engine_set_live_nodes(struct engine *e, int n)
{
    atomic_store(&e->live_nodes, n > 0 ? n : 1);
}

void engine_free(struct engine *e)
{
    if (e == NULL)
        return;
    webhooks_free(e->webhooks);
    dispatch_drop_all(e);
    dispatch_receipts_free(e);
    for (size_t i = 0; i < e->ncreds; i++)
        cred_free(e->creds[i]);
    free(e->creds);
    while (e->retired != NULL) {
        struct eng_cred *c = e->retired;
        e->retired = c->next_retired;
        cred_free(c);
    }
    engine_balances_free(e); /* the drivers are closed: no answer can come any more */
    for (size_t i = 0; i < ENG_ACTIVE_BUCKETS; i++) {
        while (e->active[i] != NULL) {
            struct eng_active *a = e->active[i];
            e->active[i] = a->next;
            free(a);
        }
    }
    http_transport_free(e->http); /* after the drivers: they cancelled their transfers */
    free(e->public_url);
    arena_release(&e->route_arena);
    free(e->snap);
    pthread_mutex_destroy(&e->snap_mu);
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
