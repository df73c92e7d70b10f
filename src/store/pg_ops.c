/*
 * pg_ops.c — the PostgreSQL backend's writes: jobs run by the shared writer inside its
 * batch transaction (accept, claim, update) and blocking ones (bootstrap, recover, purge).
 *
 * Same semantics as sqlite_ops.c; what differs is how several nodes stay apart: the
 * idempotency record is claimed first with INSERT … ON CONFLICT DO NOTHING (a concurrent
 * duplicate on another node waits on the key and then sees the original), and a claim takes
 * rows with FOR UPDATE SKIP LOCKED.
 */
#include "store/pg_int.h"
#include "lib/err.h"
#include "lib/id.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_PURGE_CHUNK 5000

static int insert_event(struct pg_conn *c, const char *message_id, int64_t seq, int64_t at,
                        int status, const char *provider, const char *detail)
{
    struct pg_params p = {0};
    int st;
    pg_p_text(&p, message_id);
    pg_p_int(&p, seq);
    pg_p_int(&p, at);
    pg_p_int(&p, status);
    pg_p_text(&p, provider);
    pg_p_text(&p, detail);
    PQclear(pg_run(c, PG_EVENT_INSERT, &p, &st));
    return st;
}

static int run_void(struct pg_conn *c, enum pg_stmt idx, const struct pg_params *p)
{
    int st;
    PQclear(pg_run(c, idx, p, &st));
    return st;
}

/* ---- accept ------------------------------------------------------------------------------ */

/* The price columns of a message row (NULL when unpriced). */
static void price_params(const struct store_message *m, struct pg_params *p)
{
    if (m->currency != NULL) {
        pg_p_int(p, m->price_unit);
        pg_p_int(p, m->price_total);
        pg_p_int(p, m->cost_total);
    } else {
        pg_p_text(p, NULL);
        pg_p_text(p, NULL);
        pg_p_text(p, NULL);
    }
    pg_p_text(p, m->currency);
}

/* Takes r->debit from the project's balance and writes its ledger row. *paid 0 when it cannot
 * pay: r->result SH_ENOTFOUND, r->balance what is available, and the idempotency record this
 * request claimed is removed again (nothing of it stays). */
static int debit(struct pg_conn *c, struct store_accept *r, int *paid)
{
    const struct store_message *m = r->msg;
    struct pg_params p = {0};
    PGresult *res;
    int st;
    pg_p_text(&p, m->project_id);
    pg_p_int(&p, r->debit);
    pg_p_text(&p, r->debit_currency);
    pg_p_int(&p, r->now);
    if ((res = pg_run(c, PG_BAL_DEBIT, &p, &st)) == NULL)
        return st;
    int got = PQntuples(res) == 1;
    r->balance = got ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    if (!got) {
        r->result = SH_ENOTFOUND;
        memset(&p, 0, sizeof(p));
        pg_p_text(&p, m->project_id);
        if ((res = pg_run(c, PG_BAL_AMOUNT, &p, &st)) == NULL)
            return st;
        if (PQntuples(res) == 1)
            r->balance = pg_int(res, 0, 0);
        PQclear(res);
        if (r->idem_key == NULL)
            return SH_OK;
        memset(&p, 0, sizeof(p));
        pg_p_text(&p, m->project_id);
        pg_p_text(&p, r->idem_key);
        return run_void(c, PG_IDEM_DELETE, &p);
    }
    memset(&p, 0, sizeof(p));
    pg_p_text(&p, r->debit_ledger_id);
    pg_p_text(&p, m->project_id);
    pg_p_int(&p, r->now);
    pg_p_int(&p, -r->debit);
    pg_p_int(&p, r->balance);
    pg_p_text(&p, r->debit_currency);
    pg_p_text(&p, m->id);
    *paid = 1;
    return run_void(c, PG_LEDGER_DEBIT, &p);
}

static int accept_one(struct pg_conn *c, struct store_accept *r)
{
    const struct store_message *m = r->msg;
    struct pg_params p = {0};
    PGresult *res;
    int st;

    r->result = SH_OK;
    free(r->replay_body);
    r->replay_body = NULL;
    if (r->idem_key != NULL) {
        pg_p_text(&p, m->project_id);
        pg_p_text(&p, r->idem_key);
        pg_p_bytea(&p, r->req_hash, 32);
        pg_p_int(&p, r->response_status);
        pg_p_text(&p, r->response_body);
        pg_p_int(&p, r->now);
        res = pg_run(c, PG_IDEM_CLAIM, &p, &st);
        if (res == NULL)
            return st;
        int inserted = atoi(PQcmdTuples(res)) == 1;
        PQclear(res);
        if (!inserted) {
            char hex[65];
            struct pg_params q = {0};
            pg_p_text(&q, m->project_id);
            pg_p_text(&q, r->idem_key);
            res = pg_run(c, PG_IDEM_GET, &q, &st);
            if (res == NULL)
                return st;
            if (PQntuples(res) != 1) {
                PQclear(res);
                return SH_EIO;
            }
            hex_encode(r->req_hash, 32, hex);
            if (strcmp(PQgetvalue(res, 0, 0), hex) != 0) {
                r->result = SH_EINVAL;
            } else {
                r->result = SH_EEXIST;
                r->replay_status = (int)pg_int(res, 0, 1);
                r->replay_body = xstrdup(PQgetvalue(res, 0, 2));
            }
            PQclear(res);
            return SH_OK;
        }
    }
    if (r->debit > 0) {
        int paid = 0;
        if ((st = debit(c, r, &paid)) != SH_OK || !paid)
            return st; /* refused: nothing of this request stays written */
    }
    memset(&p, 0, sizeof(p));
    pg_p_text(&p, m->id);
    pg_p_text(&p, m->project_id);
    pg_p_int(&p, m->direction);
    pg_p_int(&p, m->status);
    pg_p_int(&p, m->priority);
    pg_p_int(&p, m->msg_type);
    pg_p_text(&p, m->to);
    pg_p_text(&p, m->country);
    pg_p_text(&p, m->from);
    pg_p_text(&p, m->body);
    pg_p_int(&p, m->encoding);
    pg_p_int(&p, m->segments);
    pg_p_text(&p, m->callback_url);
    pg_p_text(&p, m->metadata);
    pg_p_text(&p, m->provider);
    pg_p_text(&p, m->credential_id);
    pg_p_int(&p, m->created_at);
    pg_p_time(&p, m->scheduled_at);
    pg_p_time(&p, m->expires_at);
    pg_p_time(&p, m->due_at);
    price_params(m, &p);
    st = run_void(c, PG_MSG_INSERT, &p);
    if (st != SH_OK)
        return st;
    return insert_event(c, m->id, 1, m->created_at, m->status, NULL, NULL);
}

/* The parameters of PG_ACCEPT for r (see its comment in pg.c). */
static void accept_params(const struct store_accept *r, struct pg_params *p)
{
    const struct store_message *m = r->msg;
    pg_p_text(p, m->id);
    pg_p_text(p, m->project_id);
    pg_p_int(p, m->direction);
    pg_p_int(p, m->status);
    pg_p_int(p, m->priority);
    pg_p_int(p, m->msg_type);
    pg_p_text(p, m->to);
    pg_p_text(p, m->country);
    pg_p_text(p, m->from);
    pg_p_text(p, m->body);
    pg_p_int(p, m->encoding);
    pg_p_int(p, m->segments);
    pg_p_text(p, m->callback_url);
    pg_p_text(p, m->metadata);
    pg_p_text(p, m->provider);
    pg_p_text(p, m->credential_id);
    pg_p_int(p, m->created_at);
    pg_p_time(p, m->scheduled_at);
    pg_p_time(p, m->expires_at);
    pg_p_time(p, m->due_at);
    pg_p_text(p, r->idem_key);
    pg_p_bytea(p, r->req_hash, 32);
    pg_p_int(p, r->response_status);
    pg_p_text(p, r->response_body);
    price_params(m, p);
}

/* Reads one PG_ACCEPT answer into r. SH_AGAIN when the original is not in the statement's
 * snapshot (committed by another node meanwhile): the caller reads it with PG_IDEM_GET. */
static int accept_answer(const PGresult *res, struct store_accept *r)
{
    char hex[65];
    if (PQntuples(res) != 1)
        return SH_EIO;
    if (pg_int(res, 0, 0) == 1)
        return SH_OK; /* inserted */
    if (PQgetisnull(res, 0, 1))
        return SH_AGAIN;
    hex_encode(r->req_hash, 32, hex);
    if (strcmp(PQgetvalue(res, 0, 1), hex) != 0) {
        r->result = SH_EINVAL;
    } else {
        r->result = SH_EEXIST;
        r->replay_status = (int)pg_int(res, 0, 2);
        r->replay_body = xstrdup(PQgetvalue(res, 0, 3));
    }
    return SH_OK;
}

static int exec_accept(void *conn, struct store_job *j)
{
    struct store_accept *reqs = j->req;
    for (size_t i = 0; i < j->n; i++) {
        int st = accept_one(conn, &reqs[i]);
        if (st != SH_OK)
            return st;
    }
    return SH_OK;
}

/* Drains the pipeline after an error: every result up to the Sync, then leaves the mode. */
static void pipeline_drain(PGconn *db)
{
    for (int idle = 0; idle < 2;) {
        PGresult *r = PQgetResult(db);
        if (r == NULL) {
            idle++;
            continue;
        }
        idle = 0;
        int done = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (done)
            break;
    }
    PQexitPipelineMode(db);
}

/* An accept job the pipeline can take: every request has an idempotency key and no prepaid
 * debit (those run one by one, job->exec, in the same transaction). */
static int pipelinable(const struct store_job *j)
{
    const struct store_accept *reqs = j->req;
    if (j->exec != exec_accept)
        return 0;
    for (size_t i = 0; i < j->n; i++)
        if (reqs[i].idem_key == NULL || reqs[i].debit > 0)
            return 0;
    return 1;
}

int pg_accepts_pipelined(struct pg_conn *c, struct store_job *first, struct store_job **next)
{
    struct store_job *end = first;
    char name[16];
    int st = SH_OK;

    while (end != NULL && pipelinable(end))
        end = end->next;
    *next = end;
    if (end == first)
        return SH_OK;
    for (struct store_job *j = first; j != end; j = j->next) {
        struct store_accept *reqs = j->req;
        for (size_t i = 0; i < j->n; i++) {
            reqs[i].result = SH_OK;
            free(reqs[i].replay_body);
            reqs[i].replay_body = NULL;
        }
    }
    if ((st = pg_prepare(c, PG_ACCEPT)) != SH_OK)
        return st;
    snprintf(name, sizeof(name), "s%d", (int)PG_ACCEPT);
    if (PQenterPipelineMode(c->db) != 1)
        return SH_EIO;
    for (struct store_job *j = first; j != end; j = j->next) {
        struct store_accept *reqs = j->req;
        for (size_t i = 0; i < j->n; i++) {
            struct pg_params p = {0};
            accept_params(&reqs[i], &p);
            if (PQsendQueryPrepared(c->db, name, p.n, p.v, p.len, p.fmt, 0) != 1) {
                st = SH_EIO;
                goto fail;
            }
        }
    }
    if (PQpipelineSync(c->db) != 1) {
        st = SH_EIO;
        goto fail;
    }
    for (struct store_job *j = first; j != end; j = j->next) {
        struct store_accept *reqs = j->req;
        j->status = SH_OK;
        for (size_t i = 0; i < j->n; i++) {
            PGresult *res = PQgetResult(c->db);
            int ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
            int a = ok ? accept_answer(res, &reqs[i]) : SH_EIO;
            PQclear(res);
            PQclear(PQgetResult(c->db)); /* the NULL that ends this query's results */
            if (a == SH_AGAIN)
                reqs[i].result = SH_AGAIN; /* resolved below, outside the pipeline */
            else if (a != SH_OK) {
                st = a;
                goto fail;
            }
        }
    }
    PGresult *sync = PQgetResult(c->db);
    st = sync != NULL && PQresultStatus(sync) == PGRES_PIPELINE_SYNC ? SH_OK : SH_EIO;
    PQclear(sync);
    PQexitPipelineMode(c->db);
    if (st != SH_OK)
        return st;
    /* originals committed by another node while we waited: read them now */
    for (struct store_job *j = first; j != end; j = j->next) {
        struct store_accept *reqs = j->req;
        for (size_t i = 0; i < j->n; i++) {
            if (reqs[i].result == SH_AGAIN && (st = accept_one(c, &reqs[i])) != SH_OK)
                return st;
        }
    }
    return SH_OK;
fail:
    pipeline_drain(c->db);
    return st;
}

int pg_op_accept(struct store *s, struct store_accept *req, size_t n, store_done_cb cb, void *arg)
{
    return writer_submit_new(&((struct pg_store *)s)->writer, exec_accept, req, n, cb, arg);
}

/* ---- claim ------------------------------------------------------------------------------- */

static int exec_claim(void *conn, struct store_job *j)
{
    struct store_claim *cl = j->req;
    size_t cap = (size_t)cl->limit;
    int st;

    arena_release(&cl->arena);
    cl->msgs = arena_alloc(&cl->arena, cap * sizeof(*cl->msgs));
    cl->n = 0;
    for (int prio = 0; prio < 3 && cl->n < cap; prio++) {
        struct pg_params p = {0};
        pg_p_int(&p, prio);
        pg_p_int(&p, cl->now);
        pg_p_int(&p, cl->lease_ms);
        pg_p_text(&p, cl->owner);
        pg_p_int(&p, (int64_t)(cap - cl->n));
        PGresult *r = pg_run(conn, PG_CLAIM, &p, &st);
        if (r == NULL)
            return st;
        for (int i = 0; i < PQntuples(r); i++)
            pg_read_message(r, i, &cl->arena, &cl->msgs[cl->n++]);
        PQclear(r);
    }
    return SH_OK;
}

int pg_op_claim(struct store *s, struct store_claim *c, store_done_cb cb, void *arg)
{
    arena_init(&c->arena);
    c->msgs = NULL;
    c->n = 0;
    return writer_submit_new(&((struct pg_store *)s)->writer, exec_claim, c, 1, cb, arg);
}

/* ---- update ------------------------------------------------------------------------------ */

/* Refunds the prepaid debit of message_id once (store_update.refund). */
static int refund(struct pg_conn *c, const char *project_id, const char *message_id, int64_t at)
{
    char lid[ID_MAX];
    struct pg_params p = {0};
    int st;
    id_new("led", at, lid, sizeof(lid));
    pg_p_text(&p, lid);
    pg_p_text(&p, project_id);
    pg_p_int(&p, at);
    pg_p_text(&p, message_id);
    PGresult *res = pg_run(c, PG_REFUND_LEDGER, &p, &st);
    if (res == NULL)
        return st;
    int got = PQntuples(res) == 1;
    int64_t amount = got ? pg_int(res, 0, 0) : 0;
    PQclear(res);
    if (!got)
        return SH_OK;
    memset(&p, 0, sizeof(p));
    pg_p_text(&p, project_id);
    pg_p_int(&p, amount);
    pg_p_int(&p, at);
    return run_void(c, PG_BAL_CREDIT, &p);
}

/* The parameters of PG_UPDATE_ONE for u (see its comment in pg.c). */
static void update_params(const struct store_update *u, struct pg_params *p)
{
    pg_p_int(p, u->to_status);
    pg_p_int(p, u->due_at);
    pg_p_int(p, u->attempts_inc);
    pg_p_int(p, u->clear_lease);
    pg_p_text(p, u->set_credential_id);
    pg_p_text(p, u->set_pmid);
    pg_p_text(p, u->set_error_code);
    pg_p_text(p, u->set_error_text);
    pg_p_int(p, u->at);
    pg_p_text(p, u->message_id);
    pg_p_int(p, u->from_mask);
    pg_p_int(p, u->ev_status >= 0 ? 1 : 0);
    pg_p_text(p, u->message_id == NULL ? u->lookup_pmid : NULL);
    pg_p_text(p, u->message_id == NULL ? u->lookup_credential_id : NULL);
    pg_p_int(p, u->ev_status);
    pg_p_text(p, u->ev_provider);
    pg_p_text(p, u->ev_detail);
    pg_p_int(p, u->set_cost);
    pg_p_text(p, u->set_cost_currency);
}

/* Writes the webhook delivery of a status change (see store_update.render_callback); r is
 * the update's RETURNING row. */
static int queue_callback(struct pg_conn *c, struct store_update *u, PGresult *r, int64_t seq)
{
    struct store_change chg = {0};
    struct pg_params p = {0};
    char did[ID_MAX];
    int st;
    PGresult *pr;

    chg.message_id = u->message_id_out;
    chg.project_id = u->project_id_out;
    chg.metadata = PQgetisnull(r, 0, 4) ? NULL : PQgetvalue(r, 0, 4);
    chg.created_at = pg_int(r, 0, 5);
    chg.error_code = PQgetisnull(r, 0, 6) ? NULL : PQgetvalue(r, 0, 6);
    chg.error_text = PQgetisnull(r, 0, 7) ? NULL : PQgetvalue(r, 0, 7);
    chg.status = u->to_status;
    chg.provider = u->ev_provider;
    chg.at = u->at;
    chg.prev_status = -1;
    pg_p_text(&p, chg.message_id);
    pg_p_int(&p, seq - 1);
    pr = pg_run(c, PG_PREV_STATUS, &p, &st);
    if (pr == NULL)
        return st;
    if (PQntuples(pr) == 1)
        chg.prev_status = (int)pg_int(pr, 0, 0);
    PQclear(pr);
    char *body = u->render_callback(&chg);
    if (body == NULL)
        return SH_OK;
    struct pg_params q = {0};
    id_new("whd", chg.at, did, sizeof(did));
    pg_p_text(&q, did);
    pg_p_text(&q, chg.project_id);
    pg_p_text(&q, chg.message_id);
    pg_p_text(&q, PQgetvalue(r, 0, 3));
    pg_p_text(&q, body);
    pg_p_int(&q, chg.at);
    st = run_void(c, PG_WEBHOOK_INSERT, &q);
    free(body);
    if (st == SH_OK)
        u->callback_queued = 1;
    return st;
}

/*
 * Reads u's PG_UPDATE_ONE result r (borrowed). Not applied (missing, wrong state, ambiguous
 * provider id) is an answer, not an error. *callback says a webhook delivery is to be queued
 * from r once the pipeline is over.
 */
static int update_answer(struct store_update *u, PGresult *r, int *callback)
{
    *callback = 0;
    u->applied = 0;
    u->found = 0;
    u->callback_queued = 0;
    u->message_id_out[0] = '\0';
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 || PQnfields(r) != 9)
        return SH_EIO;
    if (u->message_id == NULL)
        u->found = pg_int(r, 0, 8) > 0;
    if (PQgetisnull(r, 0, 0))
        return SH_OK;
    snprintf(u->message_id_out, sizeof(u->message_id_out), "%s", PQgetvalue(r, 0, 0));
    snprintf(u->project_id_out, sizeof(u->project_id_out), "%s", PQgetvalue(r, 0, 1));
    u->applied = 1;
    *callback = u->render_callback != NULL && u->to_status >= 0 && u->ev_status >= 0 &&
                !PQgetisnull(r, 0, 3);
    return SH_OK;
}

/*
 * The job's updates in pipeline mode, one Sync for all of them (one round trip instead of up
 * to three per update), then the webhook deliveries of the applied ones that have a callback
 * URL, in order. Each statement sees the ones before it (one transaction).
 */
static int exec_update(void *conn, struct store_job *j)
{
    struct pg_conn *c = conn;
    struct store_update *u = j->req;
    PGresult **res = xcalloc(j->n ? j->n : 1, sizeof(*res));
    char name[16];
    int st = SH_OK;

    if ((st = pg_prepare(c, PG_UPDATE_ONE)) != SH_OK)
        goto out;
    snprintf(name, sizeof(name), "s%d", (int)PG_UPDATE_ONE);
    if (PQenterPipelineMode(c->db) != 1) {
        st = SH_EIO;
        goto out;
    }
    for (size_t i = 0; i < j->n; i++) {
        struct pg_params p = {0};
        update_params(&u[i], &p);
        if (PQsendQueryPrepared(c->db, name, p.n, p.v, p.len, p.fmt, 0) != 1) {
            st = SH_EIO;
            goto fail;
        }
    }
    if (PQpipelineSync(c->db) != 1) {
        st = SH_EIO;
        goto fail;
    }
    for (size_t i = 0; i < j->n; i++) {
        res[i] = PQgetResult(c->db);
        PQclear(PQgetResult(c->db)); /* the NULL that ends this query's results */
        if (res[i] == NULL || PQresultStatus(res[i]) != PGRES_TUPLES_OK) {
            st = SH_EIO;
            goto fail;
        }
    }
    PGresult *sync = PQgetResult(c->db);
    st = sync != NULL && PQresultStatus(sync) == PGRES_PIPELINE_SYNC ? SH_OK : SH_EIO;
    PQclear(sync);
    PQexitPipelineMode(c->db);
    for (size_t i = 0; i < j->n && st == SH_OK; i++) {
        int cb = 0;
        st = update_answer(&u[i], res[i], &cb);
        if (st == SH_OK && cb) {
            st = queue_callback(c, &u[i], res[i], pg_int(res[i], 0, 2));
            if (st != SH_OK)
                u[i].applied = 0;
        }
        if (st == SH_OK && u[i].applied && u[i].refund)
            st = refund(c, u[i].project_id_out, u[i].message_id_out, u[i].at);
    }
    goto out;
fail:
    pipeline_drain(c->db);
out:
    for (size_t i = 0; i < j->n; i++)
        PQclear(res[i]);
    free(res);
    return st;
}

int pg_op_update(struct store *s, struct store_update *u, size_t n, store_done_cb cb, void *arg)
{
    return writer_submit_new(&((struct pg_store *)s)->writer, exec_update, u, n, cb, arg);
}

/* ---- blocking writes --------------------------------------------------------------------- */

static int exec_bootstrap(void *conn, struct store_job *j)
{
    struct pg_conn *c = conn;
    const struct store_bootstrap *b = j->req;
    struct pg_params p = {0};
    int st;
    PGresult *r = pg_run_sql(c, "SELECT count(*) FROM users", NULL, &st);
    if (r == NULL)
        return st;
    int users = (int)pg_int(r, 0, 0);
    PQclear(r);
    if (users > 0)
        return SH_EEXIST;

    static const char *const sql[] = {
        "INSERT INTO users(id, email, password_hash, is_admin, active, created_at) "
        "VALUES ($1::text, $2::text, $3::text, 1, 1, $4::bigint)",
        "INSERT INTO projects(id, name, created_at) VALUES ($5::text, $6::text, $4::bigint)",
        "INSERT INTO memberships(project_id, user_id, role, created_at) "
        "VALUES ($5::text, $1::text, 'owner', $4::bigint)",
        "INSERT INTO api_keys(id, project_id, name, prefix, key_hash, scopes, created_at) "
        "VALUES ($7::text, $5::text, 'bootstrap', $8::text, $9::bytea, $10::text, $4::bigint)",
        "INSERT INTO providers(id, name, description, driver, capabilities, enabled, priority, "
        "created_at, updated_at) VALUES ($11::text, $12::text, 'Built-in simulator for demos "
        "and tests', $13::text, $14::text, 1, 1000, $4::bigint, $4::bigint) "
        "ON CONFLICT (id) DO NOTHING",
        "INSERT INTO provider_credentials(id, project_id, provider_id, name, settings, "
        "is_default, active, priority, created_at, updated_at) VALUES ($15::text, $5::text, "
        "$11::text, 'simulator', $16::text, 1, 1, 100, $4::bigint, $4::bigint)",
    };
    pg_p_text(&p, b->user_id);
    pg_p_text(&p, b->email);
    pg_p_text(&p, b->password_hash);
    pg_p_int(&p, b->now);
    pg_p_text(&p, b->project_id);
    pg_p_text(&p, b->project_name);
    pg_p_text(&p, b->key_id);
    pg_p_text(&p, b->key_prefix);
    pg_p_bytea(&p, b->key_hash, 32);
    pg_p_text(&p, b->key_scopes);
    pg_p_text(&p, b->provider_id);
    pg_p_text(&p, b->provider_name);
    pg_p_text(&p, b->provider_driver);
    pg_p_text(&p, b->provider_caps);
    pg_p_text(&p, b->credential_id);
    pg_p_text(&p, b->credential_settings);
    /* each statement gets exactly the parameters up to the highest it names */
    static const int used[] = {4, 6, 5, 10, 14, 16};
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        struct pg_params q = p; /* its pointers still point into p, which outlives q */
        q.n = used[i];
        r = pg_run_sql(c, sql[i], &q, &st);
        if (r == NULL)
            return st;
        PQclear(r);
    }
    return SH_OK;
}

int pg_op_bootstrap(struct store *s, const struct store_bootstrap *b)
{
    return writer_run_sync(&((struct pg_store *)s)->writer, exec_bootstrap, (void *)b);
}

struct recover_req {
    const char *owner;
    int64_t now;
    size_t count;
};

static int exec_recover(void *conn, struct store_job *j)
{
    struct pg_conn *c = conn;
    struct recover_req *r = j->req;
    struct pg_params p = {0};
    int st;

    r->count = 0;
    /* Leases of another run of this node (owner "<node>/<run>"), or any lease that ran out:
     * on a shared database another live node's submits are not in doubt. (A reclaim after a
     * lease expiry also marks in_doubt, see PG_CLAIM.) */
    pg_p_text(&p, r->owner);
    pg_p_int(&p, r->now);
    PGresult *res = pg_run_sql(c,
                               "UPDATE messages SET lease_owner = NULL, in_doubt = 1, "
                               "due_at = $2::bigint, event_seq = event_seq + 1, "
                               "updated_at = $2::bigint WHERE status = 0 AND lease_owner IS NOT "
                               "NULL AND lease_owner <> $1::text AND (split_part(lease_owner, "
                               "'/', 1) = split_part($1::text, '/', 1) OR due_at <= "
                               "$2::bigint) RETURNING id, event_seq",
                               &p, &st);
    if (res == NULL)
        return st;
    for (int i = 0; i < PQntuples(res) && st == SH_OK; i++) {
        st = insert_event(c, PQgetvalue(res, i, 0), pg_int(res, i, 1), r->now, 0, NULL,
                          "{\"note\":\"in_doubt\",\"reason\":\"a submit attempt was in flight "
                          "when its node stopped; the provider may have received it\"}");
        r->count++;
    }
    PQclear(res);
    if (st != SH_OK)
        return st;
    /* status polls a previous run of this node had claimed: due again now (not in doubt) */
    struct pg_params q = {0};
    pg_p_text(&q, r->owner);
    pg_p_int(&q, r->now);
    res = pg_run_sql(c,
                     "UPDATE messages SET lease_owner = NULL, due_at = $2::bigint "
                     "WHERE status IN (1, 2) AND due_at IS NOT NULL AND lease_owner IS NOT NULL "
                     "AND lease_owner <> $1::text AND (split_part(lease_owner, '/', 1) = "
                     "split_part($1::text, '/', 1) OR due_at <= $2::bigint)",
                     &q, &st);
    if (res != NULL)
        PQclear(res);
    return st;
}

int pg_op_recover(struct store *s, const char *owner, int64_t now, size_t *in_doubt)
{
    struct recover_req r = {.owner = owner, .now = now};
    int st = writer_run_sync(&((struct pg_store *)s)->writer, exec_recover, &r);
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
    struct purge_req *r = j->req;
    struct pg_params p = {0};
    char sql[200];
    int st;
    pg_p_int(&p, r->older_than);
    snprintf(sql, sizeof(sql),
             "DELETE FROM idempotency WHERE ctid IN (SELECT ctid FROM idempotency WHERE "
             "created_at < $1::bigint LIMIT %d)",
             PG_PURGE_CHUNK);
    PGresult *res = pg_run_sql(conn, sql, &p, &st);
    if (res == NULL)
        return st;
    r->purged = (size_t)atol(PQcmdTuples(res));
    PQclear(res);
    return SH_OK;
}

int pg_op_purge_idempotency(struct store *s, int64_t older_than, size_t *purged)
{
    /* in bounded chunks, each its own writer job, so accepts are never held up for long */
    struct purge_req r = {.older_than = older_than};
    return writer_run_chunks(&((struct pg_store *)s)->writer, exec_purge, &r, PG_PURGE_CHUNK,
                             purged);
}
