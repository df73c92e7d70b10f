/*
 * sqlite_ops.c — the SQLite backend's SQL: one statement table indexed by enum sq_stmt, the
 * writer jobs (accept, claim, update, bootstrap, recover, purge) and the reads.
 *
 * Every message change writes exactly one message_events row with the next event_seq, in the
 * same transaction as the change.
 */
#include "store/sqlite_int.h"
#include "lib/err.h"
#include "lib/id.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQ_PURGE_CHUNK 5000
#define SQ_STR_(x) #x
#define SQ_STR(x) SQ_STR_(x)

const char *const sq_sql[SQ__COUNT] = {
    [SQ_IDEM_GET] = "SELECT request_hash, response_status, response_body FROM idempotency "
                    "WHERE project_id = ?1 AND key = ?2",
    [SQ_IDEM_PUT] = "INSERT INTO idempotency(project_id, key, request_hash, response_status, "
                    "response_body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQ_MSG_INSERT] =
        "INSERT INTO messages(id, project_id, direction, status, priority, msg_type, to_number, "
        "country, from_addr, body, encoding, segments, callback_url, metadata, "
        "requested_provider, credential_id, event_seq, created_at, updated_at, scheduled_at, "
        "expires_at, due_at, price_unit, price_total, cost_total, currency) VALUES (?1, ?2, ?3, "
        "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 1, ?17, ?17, ?18, ?19, ?20, "
        "?21, ?22, ?23, ?24)",
    [SQ_EVENT_INSERT] = "INSERT INTO message_events(message_id, seq, at, status, provider, detail) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQ_CLAIM_SELECT] = "SELECT " SQ_MSG_COLS " FROM messages WHERE priority = ?1 AND due_at IS "
                        "NOT NULL AND due_at <= ?2 ORDER BY due_at LIMIT ?3",
    /* a queued message reclaimed while another lease holder's mark is still on it (its lease
     * ran out) had a submit in doubt, as on PostgreSQL; a submitted/sent one is leased for
     * its status poll (the owner lets recovery release it at once after a crash) */
    [SQ_CLAIM_MARK] = "UPDATE messages SET due_at = ?2, "
                      "in_doubt = CASE WHEN status = 0 AND lease_owner IS NOT NULL AND "
                      "lease_owner != ?3 THEN 1 ELSE in_doubt END, "
                      "lease_owner = ?3 WHERE id = ?1",
    /* Three shapes of the same conditional update. SQLite rewrites an index entry whenever an
     * indexed column is in the SET list, so receipts (status only) and retries (no provider
     * id) use the narrow forms and leave messages_due / messages_pmid alone when they can. */
    [SQ_UPDATE_FULL] =
        "UPDATE messages SET status = CASE WHEN ?1 >= 0 THEN ?1 ELSE status END, "
        "due_at = CASE WHEN ?2 = -1 THEN due_at WHEN ?2 = 0 THEN NULL ELSE ?2 END, "
        "attempts = attempts + ?3, lease_owner = CASE WHEN ?4 THEN NULL ELSE lease_owner END, "
        "in_doubt = CASE WHEN ?4 = 2 THEN 1 ELSE in_doubt END, "
        "credential_id = COALESCE(?5, credential_id), "
        "provider_message_id = COALESCE(?6, provider_message_id), "
        "error_code = COALESCE(?7, error_code), error_text = COALESCE(?8, error_text), "
        "cost_total = CASE WHEN ?14 IS NOT NULL AND (currency IS NULL OR currency = ?14) "
        "THEN ?13 ELSE cost_total END, currency = COALESCE(currency, ?14), "
        "event_seq = event_seq + ?12, updated_at = ?9 "
        "WHERE id = ?10 AND (?11 = 0 OR ((1 << status) & ?11) != 0) "
        "RETURNING id, project_id, event_seq, callback_url, metadata, created_at, error_code, "
        "error_text",
    [SQ_UPDATE_DUE] =
        "UPDATE messages SET status = CASE WHEN ?1 >= 0 THEN ?1 ELSE status END, "
        "due_at = CASE WHEN ?2 = -1 THEN due_at WHEN ?2 = 0 THEN NULL ELSE ?2 END, "
        "attempts = attempts + ?3, lease_owner = CASE WHEN ?4 THEN NULL ELSE lease_owner END, "
        "in_doubt = CASE WHEN ?4 = 2 THEN 1 ELSE in_doubt END, "
        "event_seq = event_seq + ?12, updated_at = ?9 "
        "WHERE id = ?10 AND (?11 = 0 OR ((1 << status) & ?11) != 0) "
        "RETURNING id, project_id, event_seq, callback_url, metadata, created_at, error_code, "
        "error_text",
    [SQ_UPDATE_STATUS] = "UPDATE messages SET status = CASE WHEN ?1 >= 0 THEN ?1 ELSE status END, "
                         "event_seq = event_seq + ?12, updated_at = ?9 "
                         "WHERE id = ?10 AND (?11 = 0 OR ((1 << status) & ?11) != 0) "
                         "RETURNING id, project_id, event_seq, callback_url, metadata, "
                         "created_at, error_code, error_text",
    [SQ_PMID_FIND] = "SELECT id FROM messages WHERE provider_message_id = ?1 AND "
                     "(?2 IS NULL OR credential_id = ?2) LIMIT 2",
    [SQ_KEY_FIND] =
        "SELECT id, project_id, scopes, COALESCE(expires_at, 0), revoked_at IS NOT NULL, "
        "COALESCE(rate_limit_rps, 0) FROM api_keys WHERE key_hash = ?1",
    [SQ_MSG_GET] = "SELECT " SQ_MSG_COLS " FROM messages WHERE id = ?1 AND project_id = ?2",
    [SQ_EVENTS] = "SELECT seq, at, status, provider, detail FROM message_events "
                  "WHERE message_id = ?1 ORDER BY seq",
    [SQ_COUNT_DUE] = "SELECT count(*) FROM messages WHERE due_at IS NOT NULL",
    [SQ_PREV_STATUS] = "SELECT status FROM message_events WHERE message_id = ?1 AND seq = ?2",
    [SQ_WEBHOOK_INSERT] = "INSERT INTO webhook_deliveries(id, project_id, message_id, url, body, "
                          "state, attempts, created_at, updated_at, due_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6, ?6, ?6)",
    /* prepaid (store_accept.debit): the overdraft and currency checks are in the WHERE */
    [SQ_BAL_DEBIT] = "UPDATE balances SET amount = amount - ?2, updated_at = ?4 "
                     "WHERE project_id = ?1 AND currency = ?3 AND amount >= ?2 RETURNING amount",
    [SQ_BAL_AMOUNT] = "SELECT amount FROM balances WHERE project_id = ?1",
    [SQ_LEDGER_DEBIT] = "INSERT INTO ledger(id, project_id, at, kind, amount, balance_after, "
                        "currency, reason, reference, actor, message_id) VALUES (?1, ?2, ?3, "
                        "'debit', ?4, ?5, ?6, 'message accepted', ?7, 'system', ?7)",
    /* a refund mirrors the message's debit, once (the unique ledger reference) */
    [SQ_REFUND_LEDGER] =
        "INSERT INTO ledger(id, project_id, at, kind, amount, balance_after, currency, reason, "
        "reference, actor, message_id) SELECT ?1, d.project_id, ?3, 'refund', -d.amount, "
        "b.amount - d.amount, d.currency, 'message not delivered to a carrier', d.reference, "
        "'system', d.message_id FROM ledger d JOIN balances b ON b.project_id = d.project_id "
        "WHERE d.project_id = ?2 AND d.kind = 'debit' AND d.reference = ?4 AND d.amount < 0 "
        "AND b.currency = d.currency ON CONFLICT DO NOTHING RETURNING amount",
    [SQ_BAL_CREDIT] = "UPDATE balances SET amount = amount + ?2, updated_at = ?3 "
                      "WHERE project_id = ?1",
};

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void bind_time(sqlite3_stmt *st, int i, int64_t t)
{
    if (t == 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, t);
}

static const char *col_text(sqlite3_stmt *st, int i, struct arena *a)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (t == NULL)
        return NULL;
    return arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(st, i));
}

void sq_read_message(sqlite3_stmt *st, struct arena *a, struct store_message *m)
{
    memset(m, 0, sizeof(*m));
    m->id = col_text(st, 0, a);
    m->project_id = col_text(st, 1, a);
    m->direction = sqlite3_column_int(st, 2);
    m->status = sqlite3_column_int(st, 3);
    m->priority = sqlite3_column_int(st, 4);
    m->msg_type = sqlite3_column_int(st, 5);
    m->to = col_text(st, 6, a);
    m->country = col_text(st, 7, a);
    m->from = col_text(st, 8, a);
    m->body = col_text(st, 9, a);
    m->encoding = sqlite3_column_int(st, 10);
    m->segments = sqlite3_column_int(st, 11);
    m->callback_url = col_text(st, 12, a);
    m->metadata = col_text(st, 13, a);
    m->provider = col_text(st, 14, a);
    m->credential_id = col_text(st, 15, a);
    m->provider_message_id = col_text(st, 16, a);
    m->attempts = sqlite3_column_int(st, 17);
    m->in_doubt = sqlite3_column_int(st, 18);
    m->error_code = col_text(st, 19, a);
    m->error_text = col_text(st, 20, a);
    m->created_at = sqlite3_column_int64(st, 21);
    m->updated_at = sqlite3_column_int64(st, 22);
    m->scheduled_at = sqlite3_column_int64(st, 23);
    m->expires_at = sqlite3_column_int64(st, 24);
    m->due_at = sqlite3_column_int64(st, 25);
}

/* Steps a statement that returns no rows and resets it, so nothing stays in progress. */
static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SH_OK : sq_status(rc);
}

static int insert_event(struct sq_conn *c, const char *message_id, int64_t seq, int64_t at,
                        int status, const char *provider, const char *detail)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_EVENT_INSERT);
    if (st == NULL)
        return SH_EIO;
    bind_text(st, 1, message_id);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, at);
    sqlite3_bind_int(st, 4, status);
    bind_text(st, 5, provider);
    bind_text(st, 6, detail);
    return step_done(st);
}

/* ---- accept ------------------------------------------------------------------------------ */

/* Takes r->debit from the project's balance and writes its ledger row. *paid 0 (nothing
 * written, r->result SH_ENOTFOUND, r->balance what is available) when it cannot pay. */
static int debit(struct sq_conn *c, struct store_accept *r, int *paid)
{
    const struct store_message *m = r->msg;
    sqlite3_stmt *st = sq_stmt(c, SQ_BAL_DEBIT);
    int rc;
    if (st == NULL)
        return SH_EIO;
    bind_text(st, 1, m->project_id);
    sqlite3_bind_int64(st, 2, r->debit);
    bind_text(st, 3, r->debit_currency);
    sqlite3_bind_int64(st, 4, r->now);
    int got = 0;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        got = 1;
        r->balance = sqlite3_column_int64(st, 0);
        rc = sqlite3_step(st);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_status(rc);
    if (!got) {
        r->result = SH_ENOTFOUND;
        r->balance = 0;
        if ((st = sq_stmt(c, SQ_BAL_AMOUNT)) == NULL)
            return SH_EIO;
        bind_text(st, 1, m->project_id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            r->balance = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? SH_OK : sq_status(rc);
    }
    if ((st = sq_stmt(c, SQ_LEDGER_DEBIT)) == NULL)
        return SH_EIO;
    bind_text(st, 1, r->debit_ledger_id);
    bind_text(st, 2, m->project_id);
    sqlite3_bind_int64(st, 3, r->now);
    sqlite3_bind_int64(st, 4, -r->debit);
    sqlite3_bind_int64(st, 5, r->balance);
    bind_text(st, 6, r->debit_currency);
    bind_text(st, 7, m->id);
    *paid = 1;
    return step_done(st);
}

static int accept_one(struct sq_conn *c, struct store_accept *r)
{
    const struct store_message *m = r->msg;
    sqlite3_stmt *st;
    int rc;

    r->result = SH_OK;
    free(r->replay_body);
    r->replay_body = NULL;
    if (r->idem_key != NULL) {
        st = sq_stmt(c, SQ_IDEM_GET);
        if (st == NULL)
            return SH_EIO;
        bind_text(st, 1, m->project_id);
        bind_text(st, 2, r->idem_key);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const void *h = sqlite3_column_blob(st, 0);
            if (sqlite3_column_bytes(st, 0) != 32 || memcmp(h, r->req_hash, 32) != 0) {
                r->result = SH_EINVAL;
                sqlite3_reset(st);
                return SH_OK;
            }
            r->result = SH_EEXIST;
            r->replay_status = sqlite3_column_int(st, 1);
            r->replay_body = xstrdup((const char *)sqlite3_column_text(st, 2));
            sqlite3_reset(st);
            return SH_OK;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return sq_status(rc);
    }
    if (r->debit > 0) {
        int paid = 0;
        if ((rc = debit(c, r, &paid)) != SH_OK || !paid)
            return rc; /* refused: nothing of this request was written */
    }
    st = sq_stmt(c, SQ_MSG_INSERT);
    if (st == NULL)
        return SH_EIO;
    bind_text(st, 1, m->id);
    bind_text(st, 2, m->project_id);
    sqlite3_bind_int(st, 3, m->direction);
    sqlite3_bind_int(st, 4, m->status);
    sqlite3_bind_int(st, 5, m->priority);
    sqlite3_bind_int(st, 6, m->msg_type);
    bind_text(st, 7, m->to);
    bind_text(st, 8, m->country);
    bind_text(st, 9, m->from);
    bind_text(st, 10, m->body);
    sqlite3_bind_int(st, 11, m->encoding);
    sqlite3_bind_int(st, 12, m->segments);
    bind_text(st, 13, m->callback_url);
    bind_text(st, 14, m->metadata);
    bind_text(st, 15, m->provider);
    bind_text(st, 16, m->credential_id);
    sqlite3_bind_int64(st, 17, m->created_at);
    bind_time(st, 18, m->scheduled_at);
    bind_time(st, 19, m->expires_at);
    bind_time(st, 20, m->due_at);
    if (m->currency != NULL) {
        sqlite3_bind_int64(st, 21, m->price_unit);
        sqlite3_bind_int64(st, 22, m->price_total);
        sqlite3_bind_int64(st, 23, m->cost_total);
    } else {
        sqlite3_bind_null(st, 21);
        sqlite3_bind_null(st, 22);
        sqlite3_bind_null(st, 23);
    }
    bind_text(st, 24, m->currency);
    rc = step_done(st);
    if (rc != SH_OK)
        return rc;
    rc = insert_event(c, m->id, 1, m->created_at, m->status, NULL, NULL);
    if (rc != SH_OK)
        return rc;
    if (r->idem_key != NULL) {
        st = sq_stmt(c, SQ_IDEM_PUT);
        if (st == NULL)
            return SH_EIO;
        bind_text(st, 1, m->project_id);
        bind_text(st, 2, r->idem_key);
        sqlite3_bind_blob(st, 3, r->req_hash, 32, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, r->response_status);
        bind_text(st, 5, r->response_body);
        sqlite3_bind_int64(st, 6, r->now);
        rc = step_done(st);
    }
    return rc;
}

static int exec_accept(void *conn, struct store_job *j)
{
    struct sq_conn *c = conn;
    struct store_accept *reqs = j->req;
    for (size_t i = 0; i < j->n; i++) {
        int st = accept_one(c, &reqs[i]);
        if (st != SH_OK)
            return st;
    }
    return SH_OK;
}

int sq_op_accept(struct store *s, struct store_accept *req, size_t n, store_done_cb cb, void *arg)
{
    return writer_submit_new(&((struct sq_store *)s)->writer, exec_accept, req, n, cb, arg);
}

/* ---- claim ------------------------------------------------------------------------------- */

static int exec_claim(void *conn, struct store_job *j)
{
    struct sq_conn *c = conn;
    struct store_claim *cl = j->req;
    size_t cap = (size_t)cl->limit;
    int rc;

    arena_release(&cl->arena);
    cl->msgs = arena_alloc(&cl->arena, cap * sizeof(*cl->msgs));
    cl->n = 0;
    for (int prio = 0; prio < 3 && cl->n < cap; prio++) {
        sqlite3_stmt *st = sq_stmt(c, SQ_CLAIM_SELECT);
        if (st == NULL)
            return SH_EIO;
        sqlite3_bind_int(st, 1, prio);
        sqlite3_bind_int64(st, 2, cl->now);
        sqlite3_bind_int64(st, 3, (int64_t)(cap - cl->n));
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            sq_read_message(st, &cl->arena, &cl->msgs[cl->n++]);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return sq_status(rc);
    }
    for (size_t i = 0; i < cl->n; i++) {
        sqlite3_stmt *st = sq_stmt(c, SQ_CLAIM_MARK);
        if (st == NULL)
            return SH_EIO;
        bind_text(st, 1, cl->msgs[i].id);
        sqlite3_bind_int64(st, 2, cl->now + cl->lease_ms);
        bind_text(st, 3, cl->owner);
        rc = step_done(st);
        if (rc != SH_OK)
            return rc;
    }
    return SH_OK;
}

int sq_op_claim(struct store *s, struct store_claim *c, store_done_cb cb, void *arg)
{
    arena_init(&c->arena);
    c->msgs = NULL;
    c->n = 0;
    return writer_submit_new(&((struct sq_store *)s)->writer, exec_claim, c, 1, cb, arg);
}

/* ---- update ------------------------------------------------------------------------------ */

/* Finds the one message with provider message id u->lookup_pmid (for u->lookup_credential_id
 * when given) into id (cap bytes). SH_ENOTFOUND when none, SH_EEXIST when several. */
static int find_by_pmid(struct sq_conn *c, const struct store_update *u, char *id, size_t cap)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_PMID_FIND);
    int rc, n = 0;
    if (st == NULL)
        return SH_EIO;
    bind_text(st, 1, u->lookup_pmid);
    bind_text(st, 2, u->lookup_credential_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == 0)
            snprintf(id, cap, "%s", sqlite3_column_text(st, 0));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_status(rc);
    return n == 0 ? SH_ENOTFOUND : n == 1 ? SH_OK : SH_EEXIST;
}

/* The status the message had before event seq (its previous event's), or -1. */
static int prev_status(struct sq_conn *c, const char *id, int64_t seq)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_PREV_STATUS);
    int v = -1;
    if (st == NULL)
        return -1;
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, seq - 1);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return v;
}

/* Writes the webhook delivery of a status change (see store_update.render_callback). */
static int queue_callback(struct sq_conn *c, struct store_update *u, struct store_change *chg,
                          const char *url, int64_t seq)
{
    char did[ID_MAX];
    char *body;
    sqlite3_stmt *st;
    int rc;
    chg->prev_status = prev_status(c, chg->message_id, seq);
    body = u->render_callback(chg);
    if (body == NULL)
        return SH_OK;
    st = sq_stmt(c, SQ_WEBHOOK_INSERT);
    if (st == NULL) {
        free(body);
        return SH_EIO;
    }
    id_new("whd", chg->at, did, sizeof(did));
    bind_text(st, 1, did);
    bind_text(st, 2, chg->project_id);
    bind_text(st, 3, chg->message_id);
    bind_text(st, 4, url);
    bind_text(st, 5, body);
    sqlite3_bind_int64(st, 6, chg->at);
    rc = step_done(st);
    free(body);
    if (rc == SH_OK)
        u->callback_queued = 1;
    return rc;
}

/* Refunds the prepaid debit of message_id once (store_update.refund); nothing when it had
 * none or was refunded already. */
static int refund(struct sq_conn *c, const char *project_id, const char *message_id, int64_t at)
{
    char lid[ID_MAX];
    int64_t amount = 0;
    int rc, got = 0;
    sqlite3_stmt *st = sq_stmt(c, SQ_REFUND_LEDGER);
    if (st == NULL)
        return SH_EIO;
    id_new("led", at, lid, sizeof(lid));
    bind_text(st, 1, lid);
    bind_text(st, 2, project_id);
    sqlite3_bind_int64(st, 3, at);
    bind_text(st, 4, message_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        got = 1;
        amount = sqlite3_column_int64(st, 0);
        rc = sqlite3_step(st);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_status(rc);
    if (!got)
        return SH_OK;
    if ((st = sq_stmt(c, SQ_BAL_CREDIT)) == NULL)
        return SH_EIO;
    bind_text(st, 1, project_id);
    sqlite3_bind_int64(st, 2, amount);
    sqlite3_bind_int64(st, 3, at);
    return step_done(st);
}

/*
 * Applies one conditional update. A message that is missing, in a state outside from_mask,
 * or (by provider message id) ambiguous is simply not applied: that is an answer, not an
 * error, and must never fail the other updates of the batch.
 */
static int update_one(struct sq_conn *c, struct store_update *u)
{
    sqlite3_stmt *st;
    char found[48];
    const char *id = u->message_id;
    int rc;
    int64_t seq = 0;
    struct store_change chg = {0};
    struct arena cba;
    const char *cb_url = NULL;

    u->applied = 0;
    u->found = 0;
    u->callback_queued = 0;
    u->message_id_out[0] = '\0';
    if (id == NULL) {
        rc = find_by_pmid(c, u, found, sizeof(found));
        if (rc == SH_EEXIST)
            u->found = 1;
        if (rc == SH_ENOTFOUND || rc == SH_EEXIST)
            return SH_OK; /* unknown, or several messages share it: refuse to guess */
        if (rc != SH_OK)
            return rc;
        u->found = 1;
        id = found;
    }
    int full = u->set_credential_id != NULL || u->set_pmid != NULL ||
               u->set_error_code != NULL || u->set_error_text != NULL ||
               u->set_cost_currency != NULL;
    if (full)
        st = sq_stmt(c, SQ_UPDATE_FULL);
    else if (u->due_at != STORE_KEEP || u->clear_lease || u->attempts_inc != 0)
        st = sq_stmt(c, SQ_UPDATE_DUE);
    else
        st = sq_stmt(c, SQ_UPDATE_STATUS);
    if (st == NULL)
        return SH_EIO;
    sqlite3_bind_int(st, 1, u->to_status);
    sqlite3_bind_int64(st, 2, u->due_at);
    sqlite3_bind_int(st, 3, u->attempts_inc);
    sqlite3_bind_int(st, 4, u->clear_lease);
    bind_text(st, 5, u->set_credential_id);
    bind_text(st, 6, u->set_pmid);
    bind_text(st, 7, u->set_error_code);
    bind_text(st, 8, u->set_error_text);
    sqlite3_bind_int64(st, 9, u->at);
    bind_text(st, 10, id);
    sqlite3_bind_int64(st, 11, u->from_mask);
    sqlite3_bind_int(st, 12, u->ev_status >= 0 ? 1 : 0);
    if (full) {
        sqlite3_bind_int64(st, 13, u->set_cost);
        bind_text(st, 14, u->set_cost_currency);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(u->message_id_out, sizeof(u->message_id_out), "%s", sqlite3_column_text(st, 0));
        snprintf(u->project_id_out, sizeof(u->project_id_out), "%s", sqlite3_column_text(st, 1));
        seq = sqlite3_column_int64(st, 2);
        if (u->render_callback != NULL && u->to_status >= 0 && u->ev_status >= 0 &&
            sqlite3_column_type(st, 3) != SQLITE_NULL) {
            arena_init(&cba);
            chg.message_id = u->message_id_out;
            chg.project_id = u->project_id_out;
            cb_url = col_text(st, 3, &cba);
            chg.metadata = col_text(st, 4, &cba);
            chg.created_at = sqlite3_column_int64(st, 5);
            chg.error_code = col_text(st, 6, &cba);
            chg.error_text = col_text(st, 7, &cba);
        }
        rc = sqlite3_step(st); /* the id is the primary key: DONE */
    }
    /* a write statement left unfinished would make the batch's COMMIT fail */
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_status(rc);
    if (u->message_id_out[0] == '\0' || strcmp(u->message_id_out, id) != 0)
        return SH_OK; /* no row in an allowed state: not applied */
    rc = SH_OK;
    if (u->ev_status >= 0)
        rc = insert_event(c, u->message_id_out, seq, u->at, u->ev_status, u->ev_provider,
                          u->ev_detail);
    if (rc == SH_OK && cb_url != NULL) {
        chg.status = u->to_status;
        chg.provider = u->ev_provider;
        chg.at = u->at;
        rc = queue_callback(c, u, &chg, cb_url, seq);
    }
    if (rc == SH_OK && u->refund)
        rc = refund(c, u->project_id_out, u->message_id_out, u->at);
    if (rc == SH_OK)
        u->applied = 1;
    if (cb_url != NULL)
        arena_release(&cba);
    return rc;
}

static int exec_update(void *conn, struct store_job *j)
{
    struct sq_conn *c = conn;
    struct store_update *u = j->req;
    for (size_t i = 0; i < j->n; i++) {
        int st = update_one(c, &u[i]);
        if (st != SH_OK)
            return st;
    }
    return SH_OK;
}

int sq_op_update(struct store *s, struct store_update *u, size_t n, store_done_cb cb, void *arg)
{
    return writer_submit_new(&((struct sq_store *)s)->writer, exec_update, u, n, cb, arg);
}

/* ---- blocking writes --------------------------------------------------------------------- */

static int exec_bootstrap(void *conn, struct store_job *j)
{
    struct sq_conn *c = conn;
    const struct store_bootstrap *b = j->req;
    sqlite3_stmt *st = NULL;
    int rc;
    int res = SH_OK;

    rc = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM users", -1, &st, NULL);
    if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        res = SH_EIO;
        goto out;
    }
    if (sqlite3_column_int(st, 0) > 0) {
        res = SH_EEXIST;
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;

    static const char *const sql[] = {
        "INSERT INTO users(id, email, password_hash, is_admin, active, created_at) "
        "VALUES (?1, ?2, ?3, 1, 1, ?4)",
        "INSERT INTO projects(id, name, created_at) VALUES (?5, ?6, ?4)",
        "INSERT INTO memberships(project_id, user_id, role, created_at) "
        "VALUES (?5, ?1, 'owner', ?4)",
        "INSERT INTO api_keys(id, project_id, name, prefix, key_hash, scopes, created_at) "
        "VALUES (?7, ?5, 'bootstrap', ?8, ?9, ?10, ?4)",
        "INSERT OR IGNORE INTO providers(id, name, description, driver, capabilities, enabled, "
        "priority, created_at, updated_at) VALUES (?11, ?12, 'Built-in simulator for demos and "
        "tests', ?13, ?14, 1, 1000, ?4, ?4)",
        "INSERT INTO provider_credentials(id, project_id, provider_id, name, settings, "
        "is_default, active, priority, created_at, updated_at) "
        "VALUES (?15, ?5, ?11, 'simulator', ?16, 1, 1, 100, ?4, ?4)",
    };
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        rc = sqlite3_prepare_v2(c->db, sql[i], -1, &st, NULL);
        if (rc != SQLITE_OK) {
            res = sq_status(rc);
            goto out;
        }
        bind_text(st, 1, b->user_id);
        bind_text(st, 2, b->email);
        bind_text(st, 3, b->password_hash);
        sqlite3_bind_int64(st, 4, b->now);
        bind_text(st, 5, b->project_id);
        bind_text(st, 6, b->project_name);
        bind_text(st, 7, b->key_id);
        bind_text(st, 8, b->key_prefix);
        sqlite3_bind_blob(st, 9, b->key_hash, 32, SQLITE_STATIC);
        bind_text(st, 10, b->key_scopes);
        bind_text(st, 11, b->provider_id);
        bind_text(st, 12, b->provider_name);
        bind_text(st, 13, b->provider_driver);
        bind_text(st, 14, b->provider_caps);
        bind_text(st, 15, b->credential_id);
        bind_text(st, 16, b->credential_settings);
        res = step_done(st);
        sqlite3_finalize(st);
        st = NULL;
        if (res != SH_OK)
            goto out;
    }
out:
    sqlite3_finalize(st);
    return res;
}

int sq_op_bootstrap(struct store *s, const struct store_bootstrap *b)
{
    return writer_run_sync(&((struct sq_store *)s)->writer, exec_bootstrap, (void *)b);
}

struct recover_req {
    const char *owner;
    int64_t now;
    size_t count;
};

static int exec_recover(void *conn, struct store_job *j)
{
    struct sq_conn *c = conn;
    struct recover_req *r = j->req;
    sqlite3_stmt *sel = NULL;
    int rc, res = SH_OK;

    r->count = 0;
    /* queued rows leased by another run: their submit may or may not have reached the
     * provider before that run died */
    rc = sqlite3_prepare_v2(c->db,
                            "UPDATE messages SET lease_owner = NULL, in_doubt = 1, due_at = ?2, "
                            "event_seq = event_seq + 1, updated_at = ?2 "
                            "WHERE status = 0 AND lease_owner IS NOT NULL AND lease_owner != ?1 "
                            "AND (substr(lease_owner, 1, instr(lease_owner || '/', '/')) = "
                            "substr(?1, 1, instr(?1 || '/', '/')) OR due_at <= ?2) "
                            "RETURNING id, event_seq",
                            -1, &sel, NULL);
    if (rc != SQLITE_OK)
        return sq_status(rc);
    bind_text(sel, 1, r->owner);
    sqlite3_bind_int64(sel, 2, r->now);
    /* RETURNING rows are all computed before the first is returned, so inserting events while
     * stepping is safe */
    struct arena a;
    arena_init(&a);
    struct pending {
        const char *id;
        int64_t seq;
        struct pending *next;
    } *head = NULL;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        struct pending *p = arena_alloc(&a, sizeof(*p));
        p->id = col_text(sel, 0, &a);
        p->seq = sqlite3_column_int64(sel, 1);
        p->next = head;
        head = p;
    }
    if (rc != SQLITE_DONE)
        res = sq_status(rc);
    sqlite3_finalize(sel);
    for (struct pending *p = head; p != NULL && res == SH_OK; p = p->next) {
        res = insert_event(c, p->id, p->seq, r->now, 0, NULL,
                           "{\"note\":\"in_doubt\",\"reason\":\"a submit attempt was in flight "
                           "when the previous run stopped; the provider may have received it\"}");
        r->count++;
    }
    arena_release(&a);
    if (res != SH_OK)
        return res;
    /* status polls a previous run of this node had claimed: due again now (a poll is only a
     * question, nothing is in doubt) instead of after the lease */
    rc = sqlite3_prepare_v2(c->db,
                            "UPDATE messages SET lease_owner = NULL, due_at = ?2 "
                            "WHERE status IN (1, 2) AND due_at IS NOT NULL AND "
                            "lease_owner IS NOT NULL AND lease_owner != ?1 "
                            "AND (substr(lease_owner, 1, instr(lease_owner || '/', '/')) = "
                            "substr(?1, 1, instr(?1 || '/', '/')) OR due_at <= ?2)",
                            -1, &sel, NULL);
    if (rc != SQLITE_OK)
        return sq_status(rc);
    bind_text(sel, 1, r->owner);
    sqlite3_bind_int64(sel, 2, r->now);
    rc = sqlite3_step(sel);
    sqlite3_finalize(sel);
    return rc == SQLITE_DONE ? SH_OK : sq_status(rc);
}

int sq_op_recover(struct store *s, const char *owner, int64_t now, size_t *in_doubt)
{
    struct recover_req r = {.owner = owner, .now = now};
    int st = writer_run_sync(&((struct sq_store *)s)->writer, exec_recover, &r);
    if (in_doubt != NULL)
        *in_doubt = r.count;
    return st;
}

struct purge_req {
    size_t purged; /* first: writer_run_chunks reads it */
    int64_t older_than;
};

static int exec_purge(void *conn, struct store_job *j)
{
    struct sq_conn *c = conn;
    struct purge_req *r = j->req;
    sqlite3_stmt *st = NULL;
    /* bounded per call so one purge never holds the writer for long */
    int rc = sqlite3_prepare_v2(c->db,
                                "DELETE FROM idempotency WHERE (project_id, key) IN (SELECT "
                                "project_id, key FROM idempotency WHERE created_at < ?1 "
                                "LIMIT " SQ_STR(SQ_PURGE_CHUNK) ")",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sq_status(rc);
    sqlite3_bind_int64(st, 1, r->older_than);
    rc = step_done(st);
    r->purged = (size_t)sqlite3_changes(c->db);
    sqlite3_finalize(st);
    return rc;
}

int sq_op_purge_idempotency(struct store *s, int64_t older_than, size_t *purged)
{
    /* in bounded chunks, each its own writer job, so accepts are never held up for long */
    struct purge_req r = {.older_than = older_than};
    return writer_run_chunks(&((struct sq_store *)s)->writer, exec_purge, &r, SQ_PURGE_CHUNK,
                             purged);
}

/* ---- reads ------------------------------------------------------------------------------- */

int sq_op_api_key_find(struct store *base, const unsigned char hash[32], struct store_api_key *out)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_conn *c = sq_reader_get(s);
    sqlite3_stmt *st = sq_stmt(c, SQ_KEY_FIND);
    int res = SH_EIO;

    if (st == NULL)
        goto out;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        res = SH_ENOTFOUND;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        res = sq_status(rc);
        goto out;
    }
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", sqlite3_column_text(st, 0));
    snprintf(out->project_id, sizeof(out->project_id), "%s", sqlite3_column_text(st, 1));
    snprintf(out->scopes, sizeof(out->scopes), "%s", sqlite3_column_text(st, 2));
    out->expires_at = sqlite3_column_int64(st, 3);
    out->revoked = sqlite3_column_int(st, 4);
    out->rate_limit_rps = sqlite3_column_int64(st, 5);
    res = SH_OK;
out:
    if (st != NULL)
        sqlite3_reset(st);
    sq_reader_put(s, c);
    return res;
}

int sq_op_credentials_load(struct store *base, struct arena *a, struct store_credential **out,
                           size_t *n)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_conn *c = sq_reader_get(s);
    sqlite3_stmt *st = NULL;
    size_t cap = 16, cnt = 0;
    struct store_credential *v = NULL;
    int rc, res = SH_OK;

    rc = sqlite3_prepare_v2(c->db,
                            "SELECT c.id, c.project_id, c.provider_id, p.driver, c.settings, "
                            "c.is_default, c.active, p.enabled AND p.deleted_at IS NULL, "
                            "c.priority, p.default_config, lower(hex(c.secret)), "
                            "c.secret_key_id, c.callback_token FROM provider_credentials c "
                            "JOIN providers p ON "
                            "p.id = c.provider_id WHERE c.deleted_at IS NULL "
                            "ORDER BY c.project_id, c.priority, c.id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        res = sq_status(rc);
        goto out;
    }
    v = arena_alloc(a, cap * sizeof(*v));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            struct store_credential *nv = arena_alloc(a, 2 * cap * sizeof(*v));
            memcpy(nv, v, cap * sizeof(*v));
            v = nv;
            cap *= 2;
        }
        struct store_credential *cr = &v[cnt++];
        cr->id = col_text(st, 0, a);
        cr->project_id = col_text(st, 1, a);
        cr->provider_id = col_text(st, 2, a);
        cr->driver = col_text(st, 3, a);
        cr->settings = col_text(st, 4, a);
        cr->is_default = sqlite3_column_int(st, 5);
        cr->active = sqlite3_column_int(st, 6);
        cr->provider_enabled = sqlite3_column_int(st, 7);
        cr->priority = sqlite3_column_int(st, 8);
        cr->default_config = col_text(st, 9, a);
        cr->secret_hex = col_text(st, 10, a);
        cr->secret_key_id = col_text(st, 11, a);
        cr->callback_token = col_text(st, 12, a);
        if (cr->secret_hex != NULL && *cr->secret_hex == '\0')
            cr->secret_hex = NULL;
    }
    if (rc != SQLITE_DONE)
        res = sq_status(rc);
    *out = v;
    *n = cnt;
out:
    sqlite3_finalize(st);
    sq_reader_put(s, c);
    return res;
}

int sq_op_message_get(struct store *base, const char *project_id, const char *id, struct arena *a,
                      struct store_message *out)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_conn *c = sq_reader_get(s);
    sqlite3_stmt *st = sq_stmt(c, SQ_MSG_GET);
    int res = SH_EIO;

    if (st == NULL)
        goto out;
    bind_text(st, 1, id);
    bind_text(st, 2, project_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        sq_read_message(st, a, out);
        res = SH_OK;
    } else {
        res = rc == SQLITE_DONE ? SH_ENOTFOUND : sq_status(rc);
    }
out:
    if (st != NULL)
        sqlite3_reset(st);
    sq_reader_put(s, c);
    return res;
}

int sq_op_message_events(struct store *base, const char *id, struct arena *a,
                         struct store_event **out, size_t *n)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_conn *c = sq_reader_get(s);
    sqlite3_stmt *st = sq_stmt(c, SQ_EVENTS);
    size_t cap = 8, cnt = 0;
    struct store_event *v;
    int rc, res = SH_OK;

    if (st == NULL) {
        res = SH_EIO;
        goto out;
    }
    v = arena_alloc(a, cap * sizeof(*v));
    bind_text(st, 1, id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            struct store_event *nv = arena_alloc(a, 2 * cap * sizeof(*v));
            memcpy(nv, v, cap * sizeof(*v));
            v = nv;
            cap *= 2;
        }
        v[cnt].seq = sqlite3_column_int64(st, 0);
        v[cnt].at = sqlite3_column_int64(st, 1);
        v[cnt].status = sqlite3_column_int(st, 2);
        v[cnt].provider = col_text(st, 3, a);
        v[cnt].detail = col_text(st, 4, a);
        cnt++;
    }
    if (rc != SQLITE_DONE)
        res = sq_status(rc);
    *out = v;
    *n = cnt;
    sqlite3_reset(st);
out:
    sq_reader_put(s, c);
    return res;
}

int sq_op_message_list(struct store *base, const struct store_message_filter *f, struct arena *a,
                       struct store_message **out, size_t *n)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_conn *c = sq_reader_get(s);
    sqlite3_stmt *st = NULL;
    char sql[768];
    int len, rc, res = SH_OK;
    size_t cnt = 0;
    int limit = f->limit > 0 ? f->limit : 50;
    struct store_message *v = arena_alloc(a, (size_t)limit * sizeof(*v));

    /* only the clauses that apply, so SQLite walks messages_project as a range */
    len = snprintf(sql, sizeof(sql), "SELECT " SQ_MSG_COLS " FROM messages WHERE project_id = ?1");
    if (f->cursor != NULL)
        len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND id < ?2");
    if (f->id_from != NULL)
        len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND id >= ?3");
    if (f->id_to != NULL)
        len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND id < ?4");
    if (f->status >= 0)
        len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND status = ?5");
    if (f->to != NULL)
        len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND to_number = ?6");
    snprintf(sql + len, sizeof(sql) - (size_t)len, " ORDER BY id DESC LIMIT ?7");
    rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        res = sq_status(rc);
        goto out;
    }
    bind_text(st, 1, f->project_id);
    if (f->cursor != NULL)
        bind_text(st, 2, f->cursor);
    if (f->id_from != NULL)
        bind_text(st, 3, f->id_from);
    if (f->id_to != NULL)
        bind_text(st, 4, f->id_to);
    if (f->status >= 0)
        sqlite3_bind_int(st, 5, f->status);
    if (f->to != NULL)
        bind_text(st, 6, f->to);
    sqlite3_bind_int(st, 7, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        sq_read_message(st, a, &v[cnt++]);
    if (rc != SQLITE_DONE)
        res = sq_status(rc);
    *out = v;
    *n = cnt;
out:
    sqlite3_finalize(st);
    sq_reader_put(s, c);
    return res;
}

int sq_op_count_due(struct store *base, int64_t *n)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_conn *c = sq_reader_get(s);
    sqlite3_stmt *st = sq_stmt(c, SQ_COUNT_DUE);
    int res = SH_EIO;
    if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        res = SH_OK;
    }
    if (st != NULL)
        sqlite3_reset(st);
    sq_reader_put(s, c);
    return res;
}
