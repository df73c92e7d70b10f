/*
 * credentials.c — credential queries (store/credentials.h), portable SQL run by the
 * backends' control-plane executor. Sealed secrets are read as hex (cells are text).
 */
#include "store/credentials.h"
#include "lib/err.h"

#include <string.h>

#define COLS                                                                                      \
    "c.id, c.project_id, c.provider_id, p.driver, c.name, c.settings, c.secret_fields, "          \
    "c.fingerprint, c.callback_token, c.is_default, c.active, c.priority, c.created_at, "         \
    "c.updated_at"

static const struct store_q q_list = {
    "credentials.list",
    "SELECT " COLS " FROM provider_credentials c JOIN providers p ON p.id = c.provider_id "
    "WHERE c.project_id = $1 AND c.deleted_at IS NULL ORDER BY c.priority, c.id",
    NULL, NULL, 0};

static const struct store_q q_get = {
    "credentials.get",
    "SELECT " COLS " FROM provider_credentials c JOIN providers p ON p.id = c.provider_id "
    "WHERE c.project_id = $1 AND c.id = $2 AND c.deleted_at IS NULL",
    NULL, NULL, 0};

static const struct store_q q_clear_default = {
    "credentials.clear_default",
    "UPDATE provider_credentials SET is_default = 0, updated_at = $3 "
    "WHERE project_id = $1 AND id <> $2 AND is_default = 1 AND deleted_at IS NULL",
    NULL, NULL, 0};

static const struct store_q q_insert = {
    "credentials.insert",
    "INSERT INTO provider_credentials(id, project_id, provider_id, name, settings, is_default, "
    "active, priority, callback_token, secret_fields, fingerprint, secret, secret_key_id, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
    "$14, $14)",
    NULL, NULL, 0};

static const struct store_q q_update = {
    "credentials.update",
    "UPDATE provider_credentials SET name = $3, settings = $4, is_default = $5, active = $6, "
    "priority = $7, updated_at = $8 WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL "
    "AND updated_at = $9",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_update_secret = {
    "credentials.update_secret",
    "UPDATE provider_credentials SET secret = $3, secret_key_id = $4, secret_fields = $5, "
    "fingerprint = $6 WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_delete = {
    "credentials.delete",
    "UPDATE provider_credentials SET deleted_at = $3, updated_at = $3, is_default = 0, "
    "active = 0 WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_delete_routes = {
    "credentials.delete_routes",
    "DELETE FROM routes WHERE project_id = $2 AND credential_id = $1", NULL, NULL, 0};

static const struct store_q q_secret = {
    "credentials.secret",
    "SELECT hex(secret), secret_key_id FROM provider_credentials WHERE id = $1 "
    "AND secret IS NOT NULL",
    "SELECT hex(secret), secret_key_id FROM provider_credentials WHERE id = $1 "
    "AND secret IS NOT NULL",
    "SELECT encode(secret, 'hex'), secret_key_id FROM provider_credentials WHERE id = $1 "
    "AND secret IS NOT NULL",
    0};

static const struct store_q q_by_token = {
    "credentials.by_callback_token",
    "SELECT c.id, c.project_id, c.provider_id, p.driver, c.settings, p.default_config, "
    "lower(hex(c.secret)), c.secret_key_id, c.callback_token FROM provider_credentials c "
    "JOIN providers p ON p.id = c.provider_id WHERE c.callback_token = $1 "
    "AND c.deleted_at IS NULL AND p.deleted_at IS NULL",
    NULL,
    "SELECT c.id, c.project_id, c.provider_id, p.driver, c.settings, p.default_config, "
    "encode(c.secret, 'hex'), c.secret_key_id, c.callback_token FROM provider_credentials c "
    "JOIN providers p ON p.id = c.provider_id WHERE c.callback_token = $1 "
    "AND c.deleted_at IS NULL AND p.deleted_at IS NULL",
    0};

static void fill(const struct store_rows *r, size_t i, struct store_cred *c)
{
    c->id = store_cell(r, i, 0);
    c->project_id = store_cell(r, i, 1);
    c->provider_id = store_cell(r, i, 2);
    c->driver = store_cell(r, i, 3);
    c->name = store_cell(r, i, 4);
    c->settings = store_cell(r, i, 5);
    c->secret_fields = store_cell(r, i, 6);
    c->fingerprint = store_cell(r, i, 7);
    c->callback_token = store_cell(r, i, 8);
    c->is_default = (int)store_cell_int(r, i, 9);
    c->active = (int)store_cell_int(r, i, 10);
    c->priority = (int)store_cell_int(r, i, 11);
    c->created_at = store_cell_int(r, i, 12);
    c->updated_at = store_cell_int(r, i, 13);
}

int store_cred_list(struct store *s, const char *project_id, struct arena *a,
                    struct store_cred **out, size_t *n)
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

int store_cred_get(struct store *s, const char *project_id, const char *id, struct arena *a,
                   struct store_cred *out)
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

static void secret_args(struct store_args *a, const struct store_cred *c,
                        const struct store_cred_secret *sec)
{
    store_arg_text(a, c->id);
    store_arg_text(a, c->project_id);
    store_arg_blob(a, sec->sealed, sec->len);
    store_arg_text(a, sec->key_id);
    store_arg_text(a, sec->fields);
    store_arg_text(a, sec->fingerprint);
}

/* Runs steps[0..n) with the default-clearing step first when c is the default, and the audit
 * entry last. steps has room for n + 2. */
static int run(struct store *s, const struct store_cred *c, struct store_step *body, size_t n,
               const struct audit_entry *e)
{
    struct store_step steps[6];
    struct store_args clear = {0};
    struct audit_slot slot;
    struct arena a;
    size_t k = 0;

    if (c->is_default) {
        store_arg_text(&clear, c->project_id);
        store_arg_text(&clear, c->id);
        store_arg_int(&clear, c->updated_at);
        steps[k++] = (struct store_step){&q_clear_default, &clear, NULL};
    }
    for (size_t i = 0; i < n; i++)
        steps[k++] = body[i];
    store_audit_step(&steps[k++], &slot, e);
    arena_init(&a);
    int st = store_write(s, steps, k, &a);
    arena_release(&a);
    return st;
}

int store_cred_insert(struct store *s, const struct store_cred *c,
                      const struct store_cred_secret *secret, const struct audit_entry *e)
{
    struct store_args args = {0};
    store_arg_text(&args, c->id);
    store_arg_text(&args, c->project_id);
    store_arg_text(&args, c->provider_id);
    store_arg_text(&args, c->name);
    store_arg_text(&args, c->settings);
    store_arg_int(&args, c->is_default);
    store_arg_int(&args, c->active);
    store_arg_int(&args, c->priority);
    store_arg_text(&args, c->callback_token);
    store_arg_text(&args, secret != NULL ? secret->fields : "[]");
    store_arg_text(&args, secret != NULL ? secret->fingerprint : NULL);
    if (secret != NULL)
        store_arg_blob(&args, secret->sealed, secret->len);
    else
        store_arg_blob(&args, NULL, 0);
    store_arg_text(&args, secret != NULL ? secret->key_id : NULL);
    store_arg_int(&args, c->created_at);
    struct store_step step = {&q_insert, &args, NULL};
    return run(s, c, &step, 1, e);
}

int store_cred_update(struct store *s, const struct store_cred *c, int64_t expect_updated_at,
                      const struct store_cred_secret *secret, const struct audit_entry *e)
{
    struct store_args args = {0}, sargs = {0};
    struct store_step body[2];
    size_t n = 0;

    store_arg_text(&args, c->id);
    store_arg_text(&args, c->project_id);
    store_arg_text(&args, c->name);
    store_arg_text(&args, c->settings);
    store_arg_int(&args, c->is_default);
    store_arg_int(&args, c->active);
    store_arg_int(&args, c->priority);
    store_arg_int(&args, c->updated_at);
    store_arg_int(&args, expect_updated_at);
    body[n++] = (struct store_step){&q_update, &args, NULL};
    if (secret != NULL) {
        secret_args(&sargs, c, secret);
        body[n++] = (struct store_step){&q_update_secret, &sargs, NULL};
    }
    return run(s, c, body, n, e);
}

int store_cred_delete(struct store *s, const char *project_id, const char *id, int64_t now,
                      const struct audit_entry *e)
{
    struct store_args args = {0};
    store_arg_text(&args, id);
    store_arg_text(&args, project_id);
    store_arg_int(&args, now);
    struct store_step body[2] = {{&q_delete, &args, NULL}, {&q_delete_routes, &args, NULL}};
    struct store_cred c = {.id = id, .project_id = project_id, .is_default = 0};
    return run(s, &c, body, 2, e);
}

int store_hex_decode(const char *hex, struct arena *a, unsigned char **out, size_t *len)
{
    size_t n = hex != NULL ? strlen(hex) : 0;
    if (n % 2 != 0)
        return SH_EINVAL;
    unsigned char *b = arena_alloc(a, n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        int v = 0;
        for (int j = 0; j < 2; j++) {
            char c = hex[2 * i + (size_t)j];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0)
                return SH_EINVAL;
            v = v * 16 + d;
        }
        b[i] = (unsigned char)v;
    }
    *out = b;
    *len = n / 2;
    return SH_OK;
}

int store_cred_secret_get(struct store *s, const char *id, struct arena *a,
                          unsigned char **sealed, size_t *len, const char **key_id)
{
    struct store_args args = {0};
    struct store_rows r;
    store_arg_text(&args, id);
    int st = store_read_one(s, &q_secret, &args, a, &r);
    if (st != SH_OK)
        return st;
    *key_id = store_cell(&r, 0, 1);
    return store_hex_decode(store_cell(&r, 0, 0), a, sealed, len);
}

int store_cred_by_callback_token(struct store *s, const char *token, struct arena *a,
                                 struct store_credential *out)
{
    struct store_args args = {0};
    struct store_rows r;
    store_arg_text(&args, token);
    int st = store_read_one(s, &q_by_token, &args, a, &r);
    if (st != SH_OK)
        return st;
    memset(out, 0, sizeof(*out));
    out->id = store_cell(&r, 0, 0);
    out->project_id = store_cell(&r, 0, 1);
    out->provider_id = store_cell(&r, 0, 2);
    out->driver = store_cell(&r, 0, 3);
    out->settings = store_cell(&r, 0, 4);
    out->default_config = store_cell(&r, 0, 5);
    out->secret_hex = store_cell(&r, 0, 6);
    out->secret_key_id = store_cell(&r, 0, 7);
    out->callback_token = store_cell(&r, 0, 8);
    if (out->secret_hex != NULL && *out->secret_hex == '\0')
        out->secret_hex = NULL;
    return SH_OK;
}
