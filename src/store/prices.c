/* prices.c — see prices.h. Portable SQL run by the backends' control-plane executor. */
#include "store/prices.h"
#include "lib/clock.h"
#include "lib/err.h"

#include <stdio.h>
#include <string.h>

#define PRICE_COLS                                                                                 \
    "id, kind, credential_id, provider_id, project_id, country, prefix, unit_price, currency, "   \
    "valid_from, valid_to"

static const struct store_q q_insert = {
    "prices.insert",
    "INSERT INTO prices(" PRICE_COLS ", created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    NULL, NULL, 0};

static const struct store_q q_get = {
    "prices.get", "SELECT " PRICE_COLS " FROM prices WHERE id = $1 AND deleted_at IS NULL", NULL,
    NULL, 0};

static const struct store_q q_update = {
    "prices.update",
    "UPDATE prices SET credential_id = $3, provider_id = $4, project_id = $5, country = $6, "
    "prefix = $7, unit_price = $8, currency = $9, valid_from = $10, valid_to = $11, "
    "updated_at = $12 WHERE id = $1 AND kind = $2 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_delete = {
    "prices.delete", "UPDATE prices SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_list = {
    "prices.list",
    "SELECT " PRICE_COLS " FROM prices WHERE deleted_at IS NULL AND ($1 IS NULL OR kind = $1) "
    "AND ($2 IS NULL OR credential_id = $2) AND ($3 IS NULL OR provider_id = $3) "
    "AND ($4 IS NULL OR project_id = $4) AND ($5 IS NULL OR id > $5) ORDER BY id LIMIT $6",
    NULL, NULL, 0};

static void row_args(struct store_args *a, const struct price_row *p, int64_t now)
{
    store_arg_text(a, p->id);
    store_arg_int(a, p->kind);
    store_arg_text(a, p->credential_id);
    store_arg_text(a, p->provider_id);
    store_arg_text(a, p->project_id);
    store_arg_text(a, p->country);
    store_arg_text(a, p->prefix);
    store_arg_int(a, p->unit);
    store_arg_text(a, p->currency);
    store_arg_time(a, p->valid_from);
    store_arg_time(a, p->valid_to);
    store_arg_int(a, now);
}

static void read_row(const struct store_rows *r, size_t i, struct price_row *p)
{
    memset(p, 0, sizeof(*p));
    p->id = store_cell(r, i, 0);
    p->kind = (int)store_cell_int(r, i, 1);
    p->credential_id = store_cell(r, i, 2);
    p->provider_id = store_cell(r, i, 3);
    p->project_id = store_cell(r, i, 4);
    p->country = store_cell(r, i, 5);
    p->prefix = store_cell(r, i, 6);
    p->unit = store_cell_int(r, i, 7);
    snprintf(p->currency, sizeof(p->currency), "%s", store_cell(r, i, 8) ? store_cell(r, i, 8) : "");
    p->valid_from = store_cell_int(r, i, 9);
    p->valid_to = store_cell_int(r, i, 10);
}

int store_prices_insert(struct store *s, const struct price_row *rows, size_t n,
                        const struct audit_entry *audit)
{
    struct arena a;
    int64_t now = clock_now_ms();
    arena_init(&a);
    struct store_args *args = arena_zalloc(&a, (n + 1) * sizeof(*args));
    struct store_step *steps = arena_zalloc(&a, (n + 1) * sizeof(*steps));
    for (size_t i = 0; i < n; i++) {
        row_args(&args[i], &rows[i], now);
        steps[i] = (struct store_step){&q_insert, &args[i], NULL};
    }
    struct audit_slot slot;
    if (audit != NULL)
        store_audit_step(&steps[n++], &slot, audit);
    int st = store_write(s, steps, n, &a);
    arena_release(&a);
    return st;
}

int store_price_get(struct store *s, const char *id, struct arena *a, struct price_row *out)
{
    struct store_args args = {0};
    struct store_rows r;
    store_arg_text(&args, id);
    int st = store_read_one(s, &q_get, &args, a, &r);
    if (st == SH_OK)
        read_row(&r, 0, out);
    return st;
}

int store_price_update(struct store *s, const struct price_row *p, const struct audit_entry *audit)
{
    struct store_args args = {0};
    row_args(&args, p, clock_now_ms());
    return store_write_audited(s, &q_update, &args, audit);
}

int store_price_delete(struct store *s, const char *id, const struct audit_entry *audit)
{
    struct store_args args = {0};
    store_arg_text(&args, id);
    store_arg_int(&args, clock_now_ms());
    return store_write_audited(s, &q_delete, &args, audit);
}

int store_prices_list(struct store *s, const struct price_filter *f, struct arena *a,
                      struct price_row **out, size_t *n)
{
    struct store_args args = {0};
    struct store_rows r;
    if (f->kind >= 0)
        store_arg_int(&args, f->kind);
    else
        store_arg_int_null(&args);
    store_arg_text(&args, f->credential_id);
    store_arg_text(&args, f->provider_id);
    store_arg_text(&args, f->project_id);
    store_arg_text(&args, f->cursor);
    store_arg_int(&args, f->limit > 0 ? f->limit : 1000000);
    int st = store_read(s, &q_list, &args, a, &r);
    if (st != SH_OK)
        return st;
    struct price_row *rows = arena_alloc(a, (r.n + 1) * sizeof(*rows));
    for (size_t i = 0; i < r.n; i++)
        read_row(&r, i, &rows[i]);
    *out = rows;
    *n = r.n;
    return SH_OK;
}
