/*
 * enginedata.c — the engine's control-plane queries (store/enginedata.h), portable SQL run by
 * the backends' executor.
 */
#include "store/enginedata.h"

#include "lib/err.h"
#include "lib/id.h"
#include "lib/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const struct store_q q_routes = {
    "routes.load",
    "SELECT r.project_id, r.position, r.country, r.prefix, r.msg_type, r.credential_id "
    "FROM routes r JOIN projects p ON p.id = r.project_id "
    "WHERE r.active = 1 AND p.deleted_at IS NULL ORDER BY r.project_id, r.position, r.id",
    NULL, NULL, 0};

static const struct store_q q_policies = {
    "projects.policies",
    "SELECT id, failover, retry_schedule, max_retries FROM projects WHERE deleted_at IS NULL",
    NULL, NULL, 0};

static const struct store_q q_health_add = {
    "health.add",
    "INSERT INTO provider_health_events(id, credential_id, provider_id, project_id, at, "
    "from_state, to_state, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    NULL, NULL, 0};

static const struct store_q q_health_list = {
    "health.list",
    "SELECT credential_id, project_id, at, from_state, to_state, reason "
    "FROM provider_health_events WHERE provider_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    NULL, NULL, 0};

static const struct store_q q_wh_claim = {
    "webhooks.claim",
    "UPDATE webhook_deliveries SET due_at = $2 WHERE id IN (SELECT id FROM webhook_deliveries "
    "WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT $3) "
    "RETURNING id, project_id, url, body, attempts, created_at",
    NULL,
    "UPDATE webhook_deliveries SET due_at = $2 WHERE id IN (SELECT id FROM webhook_deliveries "
    "WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT $3 "
    "FOR UPDATE SKIP LOCKED) RETURNING id, project_id, url, body, attempts, created_at",
    0};

static const struct store_q q_wh_attempt = {
    "webhooks.attempt",
    "INSERT INTO webhook_attempts(delivery_id, n, at, http_status, error, duration_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6)",
    NULL, NULL, 0};

static const struct store_q q_wh_update = {
    "webhooks.update",
    "UPDATE webhook_deliveries SET attempts = $2, last_status = $3, last_error = $4, "
    "state = $5, due_at = $6, updated_at = $7 WHERE id = $1",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_secret_get = {
    "projects.webhook_secret",
    "SELECT hex(webhook_secret), webhook_key_id FROM projects WHERE id = $1",
    NULL,
    "SELECT encode(webhook_secret, 'hex'), webhook_key_id FROM projects WHERE id = $1",
    0};

static const struct store_q q_secret_init = {
    "projects.webhook_secret_init",
    "UPDATE projects SET webhook_secret = $2, webhook_key_id = $3, updated_at = $4 "
    "WHERE id = $1 AND webhook_secret IS NULL",
    NULL, NULL, 0};

static const struct store_q q_provider_exists = {
    "providers.exists", "SELECT 1 FROM providers WHERE id = $1 AND deleted_at IS NULL", NULL, NULL,
    0};

int store_provider_exists(struct store *s, const char *provider_id)
{
    struct store_args args = {0};
    struct store_rows rows = {0};
    struct arena a;
    int st;
    store_arg_text(&args, provider_id);
    arena_init(&a);
    st = store_read(s, &q_provider_exists, &args, &a, &rows);
    arena_release(&a);
    return st != SH_OK ? -1 : rows.n > 0;
}

int store_routes_load(struct store *s, struct arena *a, struct store_rows *out)
{
    return store_read(s, &q_routes, NULL, a, out);
}

int store_project_policies_load(struct store *s, struct arena *a, struct store_rows *out)
{
    return store_read(s, &q_policies, NULL, a, out);
}

int store_health_event_add(struct store *s, const struct store_health_event *e)
{
    struct store_args args = {0};
    struct store_step step = {&q_health_add, &args, NULL};
    struct arena a;
    char id[ID_MAX];
    int st;
    id_new("hev", e->at, id, sizeof(id));
    store_arg_text(&args, id);
    store_arg_text(&args, e->credential_id);
    store_arg_text(&args, e->provider_id);
    store_arg_text(&args, e->project_id);
    store_arg_int(&args, e->at);
    store_arg_text(&args, e->from_state);
    store_arg_text(&args, e->to_state);
    store_arg_text(&args, e->reason);
    arena_init(&a);
    st = store_write(s, &step, 1, &a);
    arena_release(&a);
    return st;
}

int store_health_events_list(struct store *s, const char *provider_id, int limit,
                             struct arena *a, struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, provider_id);
    store_arg_int(&args, limit);
    return store_read(s, &q_health_list, &args, a, out);
}

int store_webhooks_claim(struct store *s, int64_t now, int64_t lease_ms, int limit,
                         struct arena *a, struct store_rows *out)
{
    struct store_args args = {0};
    struct store_step step = {&q_wh_claim, &args, out};
    store_arg_int(&args, now);
    store_arg_int(&args, now + lease_ms);
    store_arg_int(&args, limit);
    return store_write(s, &step, 1, a);
}

int store_webhook_attempts_add(struct store *s, const struct store_webhook_attempt *v, size_t n)
{
    struct store_args *args = xcalloc(2 * n, sizeof(*args));
    struct store_step *steps = xcalloc(2 * n, sizeof(*steps));
    struct arena a;
    int st;
    for (size_t i = 0; i < n; i++) {
        const struct store_webhook_attempt *w = &v[i];
        struct store_args *a1 = &args[2 * i], *a2 = &args[2 * i + 1];
        steps[2 * i] = (struct store_step){&q_wh_attempt, a1, NULL};
        steps[2 * i + 1] = (struct store_step){&q_wh_update, a2, NULL};
        store_arg_text(a1, w->delivery_id);
        store_arg_int(a1, w->n);
        store_arg_int(a1, w->at);
        if (w->http_status > 0)
            store_arg_int(a1, w->http_status);
        else
            store_arg_int_null(a1);
        store_arg_text(a1, w->error);
        store_arg_int(a1, w->duration_ms);
        store_arg_text(a2, w->delivery_id);
        store_arg_int(a2, w->n);
        if (w->http_status > 0)
            store_arg_int(a2, w->http_status);
        else
            store_arg_int_null(a2);
        store_arg_text(a2, w->error);
        store_arg_int(a2, w->state);
        store_arg_time(a2, w->due_at);
        store_arg_int(a2, w->at);
    }
    arena_init(&a);
    st = store_write(s, steps, 2 * n, &a);
    arena_release(&a);
    free(steps);
    free(args);
    return st;
}

int store_webhook_attempt_add(struct store *s, const struct store_webhook_attempt *w)
{
    return store_webhook_attempts_add(s, w, 1);
}

int store_webhook_secret_get(struct store *s, const char *project_id, struct arena *a,
                             struct store_rows *out)
{
    struct store_args args = {0};
    int st;
    store_arg_text(&args, project_id);
    st = store_read(s, &q_secret_get, &args, a, out);
    if (st == SH_OK && out->n == 0)
        return SH_ENOTFOUND;
    return st;
}

int store_webhook_secret_init(struct store *s, const char *project_id, const void *sealed,
                              size_t len, const char *key_id, int64_t now)
{
    struct store_args args = {0};
    struct store_step step = {&q_secret_init, &args, NULL};
    struct arena a;
    int st;
    store_arg_text(&args, project_id);
    store_arg_blob(&args, sealed, len);
    store_arg_text(&args, key_id);
    store_arg_int(&args, now);
    arena_init(&a);
    st = store_write(s, &step, 1, &a);
    arena_release(&a);
    return st;
}
