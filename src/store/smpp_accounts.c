/*
 * smpp_accounts.c — SMPP accounts and owed receipts (store/smpp_accounts.h): portable SQL
 * run by the backends' control-plane executor. Every account query is scoped by project
 * except the bind lookup by system_id (unique among live accounts).
 */
#include "store/smpp_accounts.h"
#include "lib/err.h"

#include <string.h>

#define COLS                                                                                       \
    "id, project_id, system_id, password_hash, allowed_ips, max_binds, tps, active, "              \
    "created_at, updated_at"

static const struct store_q q_list = {
    "smpp_accounts.list",
    "SELECT " COLS " FROM smpp_accounts WHERE project_id = $1 AND deleted_at IS NULL "
    "ORDER BY system_id",
    NULL, NULL, 0};

static const struct store_q q_get = {"smpp_accounts.get",
                                     "SELECT " COLS
                                     " FROM smpp_accounts WHERE project_id = $1 AND id = $2 "
                                     "AND deleted_at IS NULL",
                                     NULL, NULL, 0};

static const struct store_q q_by_sysid = {
    "smpp_accounts.by_system_id",
    "SELECT " COLS " FROM smpp_accounts WHERE system_id = $1 AND deleted_at IS NULL", NULL, NULL,
    0};

static const struct store_q q_disabled = {
    "smpp_accounts.disabled_since",
    "SELECT id FROM smpp_accounts WHERE active = 0 AND updated_at >= $1 ORDER BY updated_at "
    "DESC LIMIT $2",
    NULL, NULL, 0};

static const struct store_q q_insert = {"smpp_accounts.insert",
                                        "INSERT INTO smpp_accounts(" COLS
                                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                                        NULL, NULL, STORE_Q_ONE};

static const struct store_q q_update = {
    "smpp_accounts.update",
    "UPDATE smpp_accounts SET password_hash = $3, allowed_ips = $4, max_binds = $5, tps = $6, "
    "active = $7, updated_at = $8 WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_delete = {
    "smpp_accounts.delete",
    "UPDATE smpp_accounts SET deleted_at = $3, updated_at = $3, active = 0 "
    "WHERE id = $1 AND project_id = $2 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_rcpt_add = {
    "smpp_receipts.add",
    "INSERT INTO smpp_receipts(message_id, account_id, project_id, source_addr, dest_addr, "
    "created_at, failure_only) VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (message_id) DO NOTHING",
    NULL, NULL, 0};

/* final statuses: core/message_state.h (delivered … canceled = 3 … 8) */
static const struct store_q q_rcpt_pending = {
    "smpp_receipts.pending",
    "SELECT r.message_id, r.source_addr, r.dest_addr, m.status, m.created_at, m.updated_at, "
    "m.body, m.error_code, r.failure_only FROM smpp_receipts r JOIN messages m ON m.id = "
    "r.message_id "
    "AND m.project_id = r.project_id WHERE r.account_id = $1 AND r.sent_at IS NULL "
    "AND m.status IN (3, 4, 5, 6, 7, 8) ORDER BY r.created_at, r.message_id LIMIT $2",
    NULL, NULL, 0};

static const struct store_q q_rcpt_done = {
    "smpp_receipts.done",
    "UPDATE smpp_receipts SET sent_at = $2 WHERE message_id = $1 AND sent_at IS NULL", NULL, NULL,
    0};

static const struct store_q q_rcpt_purge_sent = {
    "smpp_receipts.purge_sent", "DELETE FROM smpp_receipts WHERE sent_at < $1", NULL, NULL, 0};

static const struct store_q q_rcpt_purge_orphans = {
    "smpp_receipts.purge_orphans",
    "DELETE FROM smpp_receipts WHERE sent_at IS NULL AND created_at < $1 "
    "AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = smpp_receipts.message_id)",
    NULL, NULL, 0};

static void fill(const struct store_rows *r, size_t i, struct store_smpp_account *o)
{
    o->id = store_cell(r, i, 0);
    o->project_id = store_cell(r, i, 1);
    o->system_id = store_cell(r, i, 2);
    o->password_hash = store_cell(r, i, 3);
    o->allowed_ips = store_cell(r, i, 4) ? store_cell(r, i, 4) : "";
    o->max_binds = store_cell_int(r, i, 5);
    o->tps = store_cell_int(r, i, 6);
    o->active = (int)store_cell_int(r, i, 7);
    o->created_at = store_cell_int(r, i, 8);
    o->updated_at = store_cell_int(r, i, 9);
}

int store_smpp_account_list(struct store *s, const char *project_id, struct arena *a,
                            struct store_smpp_account **out, size_t *n)
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

static int get_one(struct store *s, const struct store_q *q, const struct store_args *args,
                   struct arena *a, struct store_smpp_account *out)
{
    struct store_rows r;
    int st = store_read_one(s, q, args, a, &r);
    if (st == SH_OK)
        fill(&r, 0, out);
    return st;
}

int store_smpp_account_get(struct store *s, const char *project_id, const char *id, struct arena *a,
                           struct store_smpp_account *out)
{
    struct store_args args = {0};
    store_arg_text(&args, project_id);
    store_arg_text(&args, id);
    return get_one(s, &q_get, &args, a, out);
}

int store_smpp_account_by_system_id(struct store *s, const char *system_id, struct arena *a,
                                    struct store_smpp_account *out)
{
    struct store_args args = {0};
    store_arg_text(&args, system_id);
    return get_one(s, &q_by_sysid, &args, a, out);
}

int store_smpp_accounts_disabled_since(struct store *s, int64_t since, int limit, struct arena *a,
                                       const char ***ids, size_t *n)
{
    struct store_args args = {0};
    struct store_rows r;
    store_arg_int(&args, since);
    store_arg_int(&args, limit);
    int st = store_read(s, &q_disabled, &args, a, &r);
    *ids = NULL;
    *n = 0;
    if (st != SH_OK)
        return st;
    if (r.n > 0)
        *ids = arena_zalloc(a, r.n * sizeof(**ids));
    for (size_t i = 0; i < r.n; i++)
        (*ids)[i] = store_cell(&r, i, 0);
    *n = r.n;
    return SH_OK;
}

static void arg_tps(struct store_args *a, int64_t tps)
{
    if (tps > 0)
        store_arg_int(a, tps);
    else
        store_arg_int_null(a);
}

int store_smpp_account_insert(struct store *s, const struct store_smpp_account *acc,
                              const struct audit_entry *e)
{
    struct store_args args = {0};
    store_arg_text(&args, acc->id);
    store_arg_text(&args, acc->project_id);
    store_arg_text(&args, acc->system_id);
    store_arg_text(&args, acc->password_hash);
    store_arg_text(&args, acc->allowed_ips ? acc->allowed_ips : "");
    store_arg_int(&args, acc->max_binds);
    arg_tps(&args, acc->tps);
    store_arg_int(&args, acc->active);
    store_arg_int(&args, acc->created_at);
    return store_write_audited(s, &q_insert, &args, e);
}

int store_smpp_account_update(struct store *s, const struct store_smpp_account *acc,
                              const struct audit_entry *e)
{
    struct store_args args = {0};
    store_arg_text(&args, acc->id);
    store_arg_text(&args, acc->project_id);
    store_arg_text(&args, acc->password_hash);
    store_arg_text(&args, acc->allowed_ips ? acc->allowed_ips : "");
    store_arg_int(&args, acc->max_binds);
    arg_tps(&args, acc->tps);
    store_arg_int(&args, acc->active);
    store_arg_int(&args, acc->updated_at);
    return store_write_audited(s, &q_update, &args, e);
}

int store_smpp_account_delete(struct store *s, const char *project_id, const char *id, int64_t now,
                              const struct audit_entry *e)
{
    struct store_args args = {0};
    store_arg_text(&args, id);
    store_arg_text(&args, project_id);
    store_arg_int(&args, now);
    return store_write_audited(s, &q_delete, &args, e);
}

int store_smpp_receipt_add(struct store *s, const struct store_smpp_receipt_new *v, size_t n,
                           int64_t now)
{
    struct store_args *args;
    struct store_step *steps;
    struct arena a;
    int st;
    if (n == 0)
        return SH_OK;
    arena_init(&a);
    args = arena_zalloc(&a, n * sizeof(*args));
    steps = arena_zalloc(&a, n * sizeof(*steps));
    for (size_t i = 0; i < n; i++) {
        store_arg_text(&args[i], v[i].message_id);
        store_arg_text(&args[i], v[i].account_id);
        store_arg_text(&args[i], v[i].project_id);
        store_arg_text(&args[i], v[i].source_addr);
        store_arg_text(&args[i], v[i].dest_addr);
        store_arg_int(&args[i], now);
        store_arg_int(&args[i], v[i].failure_only != 0);
        steps[i] = (struct store_step){&q_rcpt_add, &args[i], NULL};
    }
    st = store_write(s, steps, n, &a);
    arena_release(&a);
    return st;
}

int store_smpp_receipt_pending(struct store *s, const char *account_id, int limit, struct arena *a,
                               struct store_smpp_receipt **out, size_t *n)
{
    struct store_args args = {0};
    struct store_rows r;
    store_arg_text(&args, account_id);
    store_arg_int(&args, limit);
    int st = store_read(s, &q_rcpt_pending, &args, a, &r);
    *out = NULL;
    *n = 0;
    if (st != SH_OK)
        return st;
    if (r.n > 0)
        *out = arena_zalloc(a, r.n * sizeof(**out));
    for (size_t i = 0; i < r.n; i++) {
        struct store_smpp_receipt *o = &(*out)[i];
        o->message_id = store_cell(&r, i, 0);
        o->source_addr = store_cell(&r, i, 1) ? store_cell(&r, i, 1) : "";
        o->dest_addr = store_cell(&r, i, 2) ? store_cell(&r, i, 2) : "";
        o->status = (int)store_cell_int(&r, i, 3);
        o->created_at = store_cell_int(&r, i, 4);
        o->done_at = store_cell_int(&r, i, 5);
        o->body = store_cell(&r, i, 6) ? store_cell(&r, i, 6) : "";
        o->error_code = store_cell(&r, i, 7);
        o->failure_only = (int)store_cell_int(&r, i, 8);
    }
    *n = r.n;
    return SH_OK;
}

int store_smpp_receipt_done(struct store *s, const char *message_id, int64_t now)
{
    struct store_args args = {0};
    struct store_step step = {&q_rcpt_done, &args, NULL};
    struct arena a;
    store_arg_text(&args, message_id);
    store_arg_int(&args, now);
    arena_init(&a);
    int st = store_write(s, &step, 1, &a);
    arena_release(&a);
    return st;
}

int store_smpp_receipt_purge(struct store *s, int64_t sent_before, int64_t orphan_before,
                             int64_t *n)
{
    struct store_args a1 = {0}, a2 = {0};
    struct store_rows r1 = {0}, r2 = {0};
    struct store_step steps[2] = {{&q_rcpt_purge_sent, &a1, &r1},
                                  {&q_rcpt_purge_orphans, &a2, &r2}};
    struct arena a;
    store_arg_int(&a1, sent_before);
    store_arg_int(&a2, orphan_before);
    arena_init(&a);
    int st = store_write(s, steps, 2, &a);
    if (st == SH_OK && n != NULL)
        *n = r1.changes + r2.changes;
    arena_release(&a);
    return st;
}
