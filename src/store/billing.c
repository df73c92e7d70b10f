/* billing.c — see billing.h. Portable SQL run by the backends' control-plane executor. */
#include "store/billing.h"
#include "lib/err.h"

#include <stdio.h>
#include <string.h>

static const struct store_q q_get = {
    "billing.balance_get",
    "SELECT currency, amount, prepaid, COALESCE(low_threshold, -1) FROM balances "
    "WHERE project_id = $1", NULL,
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

static const struct store_q q_profiles = {
    "billing.profiles",
    "SELECT p.id, COALESCE(p.markup_bp, 0), COALESCE(b.prepaid, 0), b.currency, "
    "COALESCE(b.low_threshold, -1) FROM projects p LEFT JOIN balances b ON b.project_id = p.id "
    "WHERE p.markup_bp IS NOT NULL OR b.prepaid = 1 OR b.low_threshold IS NOT NULL",
    NULL, NULL, 0};

int store_billing_profiles(struct store *s, struct arena *a, struct billing_profile **out,
                           size_t *n)
{
    struct store_args args = {0};
    struct store_rows r;
    int st = store_read(s, &q_profiles, &args, a, &r);
    if (st != SH_OK)
        return st;
    struct billing_profile *p = arena_zalloc(a, (r.n + 1) * sizeof(*p));
    for (size_t i = 0; i < r.n; i++) {
        p[i].project_id = store_cell(&r, i, 0);
        p[i].markup_bp = store_cell_int(&r, i, 1);
        p[i].prepaid = (int)store_cell_int(&r, i, 2);
        snprintf(p[i].currency, sizeof(p[i].currency), "%s",
                 store_cell(&r, i, 3) ? store_cell(&r, i, 3) : "");
        p[i].low_threshold = store_cell_int(&r, i, 4);
    }
    *out = p;
    *n = r.n;
    return SH_OK;
}

static const struct store_q q_settings = {
    "billing.settings_set",
    "INSERT INTO balances(project_id, currency, amount, prepaid, low_threshold, alert_url, "
    "alert_email, updated_at) VALUES ($1, $2, 0, $3, $4, $5, $6, $7) "
    "ON CONFLICT (project_id) DO UPDATE SET prepaid = excluded.prepaid, "
    "low_threshold = excluded.low_threshold, alert_url = excluded.alert_url, "
    "alert_email = excluded.alert_email, updated_at = excluded.updated_at",
    NULL, NULL, 0};

int store_billing_settings_set(struct store *s, const struct billing_settings *b,
                               const struct audit_entry *audit)
{
    struct store_args a = {0};
    store_arg_text(&a, b->project_id);
    store_arg_text(&a, b->currency);
    store_arg_int(&a, b->prepaid ? 1 : 0);
    if (b->low_threshold >= 0)
        store_arg_int(&a, b->low_threshold);
    else
        store_arg_int_null(&a);
    store_arg_text(&a, b->alert_url);
    store_arg_text(&a, b->alert_email);
    store_arg_int(&a, b->now);
    return store_write_audited(s, &q_settings, &a, audit);
}

static const struct store_q q_settings_get = {
    "billing.settings_get",
    "SELECT currency, prepaid, COALESCE(low_threshold, -1), alert_url, alert_email "
    "FROM balances WHERE project_id = $1",
    NULL, NULL, 0};

int store_billing_settings_get(struct store *s, const char *project_id, struct arena *a,
                               struct billing_settings *out)
{
    struct store_args args = {0};
    struct store_rows r;
    store_arg_text(&args, project_id);
    int st = store_read_one(s, &q_settings_get, &args, a, &r);
    if (st != SH_OK)
        return st;
    memset(out, 0, sizeof(*out));
    out->project_id = project_id;
    out->currency = store_cell(&r, 0, 0);
    out->prepaid = (int)store_cell_int(&r, 0, 1);
    out->low_threshold = store_cell_int(&r, 0, 2);
    out->alert_url = store_cell(&r, 0, 3);
    out->alert_email = store_cell(&r, 0, 4);
    return SH_OK;
}

static const struct store_q q_low_claim = {
    "billing.low_alert_claim",
    "UPDATE balances SET low_alert_at = $2 WHERE project_id = $1 AND low_threshold IS NOT NULL "
    "AND amount < low_threshold AND (low_alert_at IS NULL OR low_alert_at <= $3) "
    "RETURNING alert_email",
    NULL, NULL, STORE_Q_ONE};

/* the event goes the way of the status callbacks (core/webhook.c signs and retries it) */
static const struct store_q q_low_event = {
    "billing.low_alert_event",
    "INSERT INTO webhook_deliveries(id, project_id, message_id, url, body, state, attempts, "
    "created_at, updated_at, due_at) SELECT $1, project_id, NULL, alert_url, $3, 0, 0, $4, $4, "
    "$4 FROM balances WHERE project_id = $2 AND alert_url IS NOT NULL",
    NULL, NULL, 0};

int store_low_alert_claim(struct store *s, const char *project_id, int64_t now,
                          const char *delivery_id, const char *body, struct arena *a,
                          const char **email)
{
    struct store_args c = {0}, e = {0};
    struct store_rows out;
    store_arg_text(&c, project_id);
    store_arg_int(&c, now);
    store_arg_int(&c, now - 86400000LL);
    store_arg_text(&e, delivery_id);
    store_arg_text(&e, project_id);
    store_arg_text(&e, body);
    store_arg_int(&e, now);
    struct store_step steps[2] = {{&q_low_claim, &c, &out}, {&q_low_event, &e, NULL}};
    int st = store_write(s, steps, 2, a);
    *email = st == SH_OK ? store_cell(&out, 0, 0) : NULL;
    return st;
}
