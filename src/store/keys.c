/*
 * keys.c — the API key queries (store/keys.h). Portable SQL run by the backends'
 * control-plane executor.
 */
#include "store/keys.h"

#include "lib/err.h"
#include "lib/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define KEY_COLS                                                                                   \
    "id, prefix, name, scopes, created_at, last_used_at, expires_at, revoked_at, replaced_by, "    \
    "rate_limit_rps"

static const struct store_q q_insert = {
    "keys.insert",
    "INSERT INTO api_keys(id, project_id, name, prefix, key_hash, scopes, created_at, "
    "expires_at, rate_limit_rps, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    NULL, NULL, 0};

static const struct store_q q_list = {
    "keys.list",
    "SELECT " KEY_COLS " FROM api_keys WHERE project_id = $1 ORDER BY created_at DESC, id DESC "
    "LIMIT 1000",
    NULL, NULL, 0};

static const struct store_q q_get = {
    "keys.get", "SELECT " KEY_COLS " FROM api_keys WHERE project_id = $1 AND id = $2", NULL, NULL,
    0};

static const struct store_q q_count_live = {
    "keys.count_live",
    "SELECT count(*) FROM api_keys WHERE project_id = $1 AND revoked_at IS NULL AND "
    "(expires_at IS NULL OR expires_at > $2)",
    NULL, NULL, 0};

static const struct store_q q_revoke = {
    "keys.revoke",
    "UPDATE api_keys SET revoked_at = $3 WHERE project_id = $1 AND id = $2 AND revoked_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_retire = {
    "keys.retire",
    "UPDATE api_keys SET replaced_by = $4, expires_at = CASE WHEN expires_at IS NULL OR "
    "expires_at > $3 THEN $3 ELSE expires_at END WHERE project_id = $1 AND id = $2 AND "
    "revoked_at IS NULL AND replaced_by IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_touch = {"keys.touch",
                                       "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND "
                                       "(last_used_at IS NULL OR last_used_at < $2)",
                                       NULL, NULL, 0};

static void insert_args(struct store_args *a, const struct store_key_new *k)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, k->id);
    store_arg_text(a, k->project_id);
    store_arg_text(a, k->name);
    store_arg_text(a, k->prefix);
    store_arg_blob(a, k->hash, sizeof(k->hash));
    store_arg_text(a, k->scopes);
    store_arg_int(a, k->created_at);
    store_arg_time(a, k->expires_at);
    if (k->rate_limit_rps > 0)
        store_arg_int(a, k->rate_limit_rps);
    else
        store_arg_int_null(a);
    store_arg_text(a, k->created_by);
}

int store_key_insert(struct store *s, const struct store_key_new *k, const struct audit_entry *e)
{
    struct store_args a;
    struct audit_slot slot;
    struct store_step steps[2] = {{&q_insert, &a, NULL}};
    struct arena ar;
    int st;
    insert_args(&a, k);
    store_audit_step(&steps[1], &slot, e);
    arena_init(&ar);
    st = store_write(s, steps, 2, &ar);
    arena_release(&ar);
    return st;
}

int store_key_list(struct store *s, const char *project_id, struct arena *a, struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, project_id);
    return store_read(s, &q_list, &args, a, out);
}

int store_key_get(struct store *s, const char *project_id, const char *key_id, struct arena *a,
                  struct store_rows *out)
{
    struct store_args args = {0};
    int st;
    store_arg_text(&args, project_id);
    store_arg_text(&args, key_id);
    st = store_read(s, &q_get, &args, a, out);
    if (st == SH_OK && out->n == 0)
        st = SH_ENOTFOUND;
    return st;
}

int store_key_count_live(struct store *s, const char *project_id, int64_t now, int64_t *n)
{
    struct store_args args = {0};
    struct store_rows rows;
    struct arena ar;
    int st;
    store_arg_text(&args, project_id);
    store_arg_int(&args, now);
    arena_init(&ar);
    st = store_read(s, &q_count_live, &args, &ar, &rows);
    *n = st == SH_OK ? store_cell_int(&rows, 0, 0) : 0;
    arena_release(&ar);
    return st;
}

int store_key_revoke(struct store *s, const char *project_id, const char *key_id, int64_t now,
                     const struct audit_entry *e)
{
    struct store_args a = {0};
    struct audit_slot slot;
    struct store_step steps[2] = {{&q_revoke, &a, NULL}};
    struct arena ar;
    int st;
    store_arg_text(&a, project_id);
    store_arg_text(&a, key_id);
    store_arg_int(&a, now);
    store_audit_step(&steps[1], &slot, e);
    arena_init(&ar);
    st = store_write(s, steps, 2, &ar);
    arena_release(&ar);
    return st;
}

int store_key_rotate(struct store *s, const char *project_id, const char *old_id, int64_t old_until,
                     const struct store_key_new *k, const struct audit_entry *e)
{
    struct store_args ra = {0}, ia;
    struct audit_slot slot;
    struct store_step steps[3] = {{&q_retire, &ra, NULL}, {&q_insert, &ia, NULL}};
    struct arena ar;
    int st;
    store_arg_text(&ra, project_id);
    store_arg_text(&ra, old_id);
    store_arg_int(&ra, old_until);
    store_arg_text(&ra, k->id);
    insert_args(&ia, k);
    store_audit_step(&steps[2], &slot, e);
    arena_init(&ar);
    st = store_write(s, steps, 3, &ar);
    arena_release(&ar);
    return st;
}

int store_keys_touch(struct store *s, const struct store_key_use *u, size_t n)
{
    struct store_args *args;
    struct store_step *steps;
    struct arena ar;
    int st;
    if (n == 0)
        return SH_OK;
    args = xcalloc(n, sizeof(*args));
    steps = xcalloc(n, sizeof(*steps));
    for (size_t i = 0; i < n; i++) {
        store_arg_text(&args[i], u[i].key_id);
        store_arg_int(&args[i], u[i].at);
        steps[i] = (struct store_step){&q_touch, &args[i], NULL};
    }
    arena_init(&ar);
    st = store_write(s, steps, n, &ar);
    arena_release(&ar);
    free(args);
    free(steps);
    return st;
}

static const struct store_q q_project_insert = {
    "projects.insert",
    "INSERT INTO projects(id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)", NULL, NULL,
    0};

static const struct store_q q_sim_credential = {
    "projects.sim_credential",
    "INSERT INTO provider_credentials(id, project_id, provider_id, name, settings, is_default, "
    "active, priority, created_at, updated_at) SELECT $1, $2, id, 'simulator', '{}', 1, 1, 100, "
    "$3, $3 FROM providers WHERE id = 'simulator'",
    NULL, NULL, 0};

int store_project_provision(struct store *s, const struct store_provision *p, int *with_credential)
{
    struct store_args pa = {0}, ka, ca = {0};
    struct store_rows crows = {0};
    struct audit_slot slot;
    struct audit_entry e = {.actor_type = "system",
                            .project_id = p->project_id,
                            .action = "project.create",
                            .object_type = "project",
                            .object_id = p->project_id,
                            .at = p->now};
    struct store_key_new k = p->key;
    struct store_step steps[4] = {
        {&q_project_insert, &pa, NULL}, {&q_insert, &ka, NULL}, {&q_sim_credential, &ca, &crows}};
    struct arena ar;
    int st;

    k.project_id = p->project_id;
    store_arg_text(&pa, p->project_id);
    store_arg_text(&pa, p->project_name);
    store_arg_int(&pa, p->now);
    insert_args(&ka, &k);
    store_arg_text(&ca, p->credential_id);
    store_arg_text(&ca, p->project_id);
    store_arg_int(&ca, p->now);
    store_audit_step(&steps[3], &slot, &e);
    arena_init(&ar);
    st = store_write(s, steps, 4, &ar);
    *with_credential = st == SH_OK && crows.changes > 0;
    arena_release(&ar);
    return st;
}
