/*
 * routes.c — routing rules and dispatch policy queries (store/routes.h), portable SQL run by
 * the backends' control-plane executor. A rule naming a credential is written only if the
 * credential is a live one of the same project, checked inside the statement itself.
 */
#include "store/routes.h"
#include "lib/err.h"

#include <string.h>

#define COLS                                                                                      \
    "id, project_id, position, country, prefix, msg_type, credential_id, active, created_at, "    \
    "updated_at"

#define CRED_OF_PROJECT                                                                           \
    "EXISTS (SELECT 1 FROM provider_credentials c WHERE c.id = $7 AND c.project_id = $2 "         \
    "AND c.deleted_at IS NULL)"

static const struct store_q q_list = {
    "routes.list", "SELECT " COLS " FROM routes WHERE project_id = $1 ORDER BY position, id",
    NULL, NULL, 0};

static const struct store_q q_get = {
    "routes.get", "SELECT " COLS " FROM routes WHERE project_id = $1 AND id = $2", NULL, NULL,
    0};

static const struct store_q q_insert = {
    "routes.insert",
    "INSERT INTO routes(id, project_id, position, country, prefix, msg_type, credential_id, "
    "active, created_at, updated_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $9 "
    "WHERE " CRED_OF_PROJECT,
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_update = {
    "routes.update",
    "UPDATE routes SET position = $3, country = $4, prefix = $5, msg_type = $6, "
    "credential_id = $7, active = $8, updated_at = $9 WHERE id = $1 AND project_id = $2 "
    "AND " CRED_OF_PROJECT,
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_delete = {
    "routes.delete", "DELETE FROM routes WHERE id = $1 AND project_id = $2", NULL, NULL,
    STORE_Q_ONE};

static const struct store_q q_dispatch_get = {
    "dispatch.get",
    "SELECT failover, retry_schedule, max_retries FROM projects WHERE id = $1 "
    "AND deleted_at IS NULL",
    NULL, NULL, 0};

static const struct store_q q_dispatch_set = {
    "dispatch.set",
    "UPDATE projects SET failover = $2, retry_schedule = $3, max_retries = $4, updated_at = $5 "
    "WHERE id = $1 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static void fill(const struct store_rows *r, size_t i, struct store_route *o)
{
    o->id = store_cell(r, i, 0);
    o->project_id = store_cell(r, i, 1);
    o->position = (int)store_cell_int(r, i, 2);
    o->country = store_cell(r, i, 3);
    o->prefix = store_cell(r, i, 4);
    o->msg_type = store_cell(r, i, 5) != NULL ? (int)store_cell_int(r, i, 5) : -1;
    o->credential_id = store_cell(r, i, 6);
    o->active = (int)store_cell_int(r, i, 7);
    o->created_at = store_cell_int(r, i, 8);
    o->updated_at = store_cell_int(r, i, 9);
}

int store_route_list(struct store *s, const char *project_id, struct arena *a,
                     struct store_route **out, size_t *n)
{
    struct store_args args = {0};
    struct store_rows r;
    store_arg_text(&args, project_id);
    int st = store_read(s, &q_list, &args, a, &r);
    *out = NULL;
    *n = 0;
    if (st != SH_OK)
        return st;
    if (r.n > 0)
        *out = arena_zalloc(a, r.n * sizeof(**out));
    for (size_t i = 0; i < r.n; i++)
        fill(&r, i, &(*out)[i]);
    *n = r.n;
    return SH_OK;
}

int store_route_get(struct store *s, const char *project_id, const char *id, struct arena *a,
                    struct store_route *out)
{
    struct store_args args = {0};
    struct store_rows r;
    store_arg_text(&args, project_id);
    store_arg_text(&args, id);
    int st = store_read_one(s, &q_get, &args, a, &r);
    if (st == SH_OK)
        fill(&r, 0, out);
    return st;
}

static void route_args(struct store_args *a, const struct store_route *r, int64_t at)
{
    store_arg_text(a, r->id);
    store_arg_text(a, r->project_id);
    store_arg_int(a, r->position);
    store_arg_text(a, r->country);
    store_arg_text(a, r->prefix);
    if (r->msg_type < 0)
        store_arg_int_null(a);
    else
        store_arg_int(a, r->msg_type);
    store_arg_text(a, r->credential_id);
    store_arg_int(a, r->active);
    store_arg_int(a, at);
}

int store_route_insert(struct store *s, const struct store_route *r, const struct audit_entry *e)
{
    struct store_args args = {0};
    route_args(&args, r, r->created_at);
    return store_write_audited(s, &q_insert, &args, e);
}

int store_route_update(struct store *s, const struct store_route *r, const struct audit_entry *e)
{
    struct store_args args = {0};
    route_args(&args, r, r->updated_at);
    return store_write_audited(s, &q_update, &args, e);
}

int store_route_delete(struct store *s, const char *project_id, const char *id,
                       const struct audit_entry *e)
{
    struct store_args args = {0};
    store_arg_text(&args, id);
    store_arg_text(&args, project_id);
    return store_write_audited(s, &q_delete, &args, e);
}

int store_dispatch_get(struct store *s, const char *project_id, struct arena *a,
                       struct store_dispatch *out)
{
    struct store_args args = {0};
    struct store_rows r;
    store_arg_text(&args, project_id);
    int st = store_read_one(s, &q_dispatch_get, &args, a, &r);
    if (st != SH_OK)
        return st;
    out->failover = (int)store_cell_int(&r, 0, 0);
    out->retry_schedule = store_cell(&r, 0, 1);
    out->max_retries = store_cell(&r, 0, 2) != NULL ? (int)store_cell_int(&r, 0, 2) : -1;
    return SH_OK;
}

int store_dispatch_set(struct store *s, const char *project_id, const struct store_dispatch *d,
                       int64_t now, const struct audit_entry *e)
{
    struct store_args args = {0};
    store_arg_text(&args, project_id);
    store_arg_int(&args, d->failover);
    store_arg_text(&args, d->retry_schedule);
    if (d->max_retries < 0)
        store_arg_int_null(&args);
    else
        store_arg_int(&args, d->max_retries);
    store_arg_int(&args, now);
    return store_write_audited(s, &q_dispatch_set, &args, e);
}
