/* billing.c — see billing.h. Portable SQL run by the backends' control-plane executor. */
#include "store/billing.h"
#include "lib/err.h"

#include <stdio.h>
#include <string.h>

static const struct store_q q_get = {
    "billing.balance_get",
    "SELECT currency, amount, prepaid, low_threshold FROM balances WHERE project_id = $1", NULL,
    NULL, 0};

static const struct store_q q_ensure = {
    "billing.balance_ensure",
    "INSERT INTO balances(project_id, currency, amount, prepaid, updated_at) "
    "VALUES ($1, $2, 0, 0, $3) ON CONFLICT (project_id) DO NOTHING",
    NULL, NULL, 0};

/* the overdraft and currency checks live in the WHERE clause: no row → refused */
static const struct store_q q_change = {
    "billing.balance_change",
    "UPDATE balances SET amount = amount + $2, updated_at = $4 "
    "WHERE project_id = $1 AND currency = $3 AND amount + $2 >= 0",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_ledger = {
    "billing.ledger_insert",
    "INSERT INTO ledger(id, project_id, at, kind, amount, balance_after, currency, reason, "
    "reference, actor, message_id) SELECT $1, $2, $3, $4, $5, amount, $6, $7, $8, $9, $10 "
    "FROM balances WHERE project_id = $2 RETURNING balance_after",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_payment = {
    "billing.payment_event",
    "INSERT INTO payment_events(id, project_id, amount, currency, received_at) "
    "VALUES ($1, $2, $3, $4, $5)",
    NULL, NULL, 0};

static const struct store_q q_list = {
    "billing.ledger_list",
    "SELECT id, at, kind, amount, balance_after, currency, reason, reference, actor, message_id "
    "FROM ledger WHERE project_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
    NULL, NULL, 0};

int store_balance_get(struct store *s, const char *project_id, struct store_balance *out)
{
    struct store_args a = {0};
    struct store_rows r;
    struct arena ar;
    arena_init(&ar);
    store_arg_text(&a, project_id);
    int st = store_read_one(s, &q_get, &a, &ar, &r);
    if (st == SH_OK) {
        snprintf(out->currency, sizeof(out->currency), "%s",
                 store_cell(&r, 0, 0) ? store_cell(&r, 0, 0) : "");
        out->amount = store_cell_int(&r, 0, 1);
        out->prepaid = (int)store_cell_int(&r, 0, 2);
        out->low_threshold = store_cell_int(&r, 0, 3);
    }
    arena_release(&ar);
    return st;
}

int store_ledger_apply(struct store *s, const struct ledger_change *c,
                       const struct audit_entry *audit, int64_t *balance_after)
{
    struct store_args ens = {0}, chg = {0}, led = {0}, pay = {0};
    struct store_rows out;
    struct store_step steps[5];
    struct audit_slot slot;
    struct arena ar;
    size_t n = 0;

    store_arg_text(&ens, c->project_id);
    store_arg_text(&ens, c->currency);
    store_arg_int(&ens, c->at);
    steps[n++] = (struct store_step){&q_ensure, &ens, NULL};
    if (c->payment_event_id != NULL) {
        store_arg_text(&pay, c->payment_event_id);
        store_arg_text(&pay, c->project_id);
        store_arg_int(&pay, c->amount);
        store_arg_text(&pay, c->currency);
        store_arg_int(&pay, c->at);
        steps[n++] = (struct store_step){&q_payment, &pay, NULL};
    }
    store_arg_text(&chg, c->project_id);
    store_arg_int(&chg, c->amount);
    store_arg_text(&chg, c->currency);
    store_arg_int(&chg, c->at);
    steps[n++] = (struct store_step){&q_change, &chg, NULL};
    store_arg_text(&led, c->id);
    store_arg_text(&led, c->project_id);
    store_arg_int(&led, c->at);
    store_arg_text(&led, c->kind);
    store_arg_int(&led, c->amount);
    store_arg_text(&led, c->currency);
    store_arg_text(&led, c->reason);
    store_arg_text(&led, c->reference);
    store_arg_text(&led, c->actor);
    store_arg_text(&led, c->message_id);
    steps[n++] = (struct store_step){&q_ledger, &led, &out};
    if (audit != NULL)
        store_audit_step(&steps[n++], &slot, audit);
    arena_init(&ar);
    int st = store_write(s, steps, n, &ar);
    if (st == SH_OK && balance_after != NULL)
        *balance_after = store_cell_int(&out, 0, 0);
    arena_release(&ar);
    return st;
}

int store_ledger_list(struct store *s, const char *project_id, const char *cursor, int limit,
                      struct arena *a, struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, project_id);
    store_arg_text(&args, cursor);
    store_arg_int(&args, limit);
    return store_read(s, &q_list, &args, a, out);
}
