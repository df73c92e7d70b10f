/*
 * providers.c — catalog queries (store/providers.h), portable SQL run by the backends'
 * control-plane executor.
 */
#include "store/providers.h"
#include "lib/err.h"

#include <string.h>

#define COLS "id, name, description, driver, capabilities, default_config, enabled, priority, " \
             "created_at, updated_at"

static const struct store_q q_get = {
    "providers.get", "SELECT " COLS " FROM providers WHERE id = $1 AND deleted_at IS NULL",
    NULL, NULL, 0};

static const struct store_q q_list = {
    "providers.list",
    "SELECT " COLS " FROM providers WHERE deleted_at IS NULL ORDER BY priority, id", NULL, NULL,
    0};

static const struct store_q q_usable = {
    "providers.usable",
    "SELECT " COLS " FROM providers p WHERE p.deleted_at IS NULL AND p.enabled = 1 "
    "AND EXISTS (SELECT 1 FROM provider_credentials c WHERE c.provider_id = p.id "
    "AND c.project_id = $1 AND c.active = 1 AND c.deleted_at IS NULL) "
    "ORDER BY p.priority, p.id",
    NULL, NULL, 0};

static const struct store_q q_insert = {
    "providers.insert",
    "INSERT INTO providers(id, name, description, driver, capabilities, default_config, "
    "enabled, priority, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    NULL, NULL, 0};

static const struct store_q q_update = {
    "providers.update",
    "UPDATE providers SET name = $2, description = $3, driver = $4, capabilities = $5, "
    "default_config = $6, enabled = $7, priority = $8, updated_at = $9 "
    "WHERE id = $1 AND deleted_at IS NULL AND updated_at = $10",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_delete = {
    "providers.delete",
    "UPDATE providers SET deleted_at = $2, updated_at = $2, enabled = 0 "
    "WHERE id = $1 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static void fill(const struct store_rows *r, size_t i, struct store_provider *p)
{
    p->id = store_cell(r, i, 0);
    p->name = store_cell(r, i, 1);
    p->description = store_cell(r, i, 2);
    p->driver = store_cell(r, i, 3);
    p->capabilities = store_cell(r, i, 4);
    p->default_config = store_cell(r, i, 5);
    p->enabled = (int)store_cell_int(r, i, 6);
    p->priority = (int)store_cell_int(r, i, 7);
    p->created_at = store_cell_int(r, i, 8);
    p->updated_at = store_cell_int(r, i, 9);
}

static int read_many(struct store *s, const struct store_q *q, const struct store_args *args,
                     struct arena *a, struct store_provider **out, size_t *n)
{
    struct store_rows r;
    int st = store_read(s, q, args, a, &r);
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

int store_provider_get(struct store *s, const char *id, struct arena *a,
                       struct store_provider *out)
{
    struct store_args args = {0};
    struct store_provider *v;
    size_t n;
    store_arg_text(&args, id);
    int st = read_many(s, &q_get, &args, a, &v, &n);
    if (st == SH_OK && n == 0)
        return SH_ENOTFOUND;
    if (st == SH_OK)
        *out = v[0];
    return st;
}

int store_provider_list(struct store *s, struct arena *a, struct store_provider **out, size_t *n)
{
    return read_many(s, &q_list, NULL, a, out, n);
}

int store_provider_usable(struct store *s, const char *project_id, struct arena *a,
                          struct store_provider **out, size_t *n)
{
    struct store_args args = {0};
    store_arg_text(&args, project_id);
    return read_many(s, &q_usable, &args, a, out, n);
}

static void provider_args(struct store_args *a, const struct store_provider *p)
{
    store_arg_text(a, p->id);
    store_arg_text(a, p->name);
    store_arg_text(a, p->description);
    store_arg_text(a, p->driver);
    store_arg_text(a, p->capabilities);
    store_arg_text(a, p->default_config);
    store_arg_int(a, p->enabled);
    store_arg_int(a, p->priority);
}

/* Runs the change step with the audit step appended, in one transaction. */
int store_provider_insert(struct store *s, const struct store_provider *p,
                          const struct audit_entry *e)
{
    struct store_args args = {0};
    provider_args(&args, p);
    store_arg_int(&args, p->created_at);
    return store_write_audited(s, &q_insert, &args, e);
}

int store_provider_update(struct store *s, const struct store_provider *p,
                          int64_t expect_updated_at, const struct audit_entry *e)
{
    struct store_args args = {0};
    provider_args(&args, p);
    store_arg_int(&args, p->updated_at);
    store_arg_int(&args, expect_updated_at);
    return store_write_audited(s, &q_update, &args, e);
}

int store_provider_delete(struct store *s, const char *id, int64_t now,
                          const struct audit_entry *e)
{
    struct store_args args = {0};
    store_arg_text(&args, id);
    store_arg_int(&args, now);
    return store_write_audited(s, &q_delete, &args, e);
}
