/*
 * pg.c — PostgreSQL backend: connections, the statement table, migrations, the writer glue
 * and the reads. The writes are in pg_ops.c.
 *
 * Several smshub nodes may share one database: migrations take an advisory lock, claims use
 * FOR UPDATE SKIP LOCKED with a lease (pg_ops.c), idempotency uses INSERT … ON CONFLICT.
 */
#include "store/pg_int.h"
#include "store/migration.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PG_MAX_BATCH 1024
#define PG_OID_BYTEA 17
#define PG_OID_TEXT 25
#define PG_MIGRATE_LOCK 7402041 /* pg_advisory_xact_lock key for migrations */

extern const struct store_migration pg_migrations[];
extern const int pg_migrations_count;

static const char *const pg_sql[PG__COUNT] = {
    /* One statement per accept, so a batch of them can be pipelined: claim the idempotency
     * key; only if that inserted, insert the message and its first event; return whether it
     * did, and the stored original otherwise. (A duplicate committed by another node while we
     * waited on the key is not in this statement's snapshot: the caller then reads it with
     * PG_IDEM_GET.) Parameters 1-20 as PG_MSG_INSERT, then key, hash, status, body. */
    [PG_ACCEPT] =
        "WITH i AS (INSERT INTO idempotency(project_id, key, request_hash, response_status, "
        "response_body, created_at) VALUES ($2::text, $21::text, $22::bytea, $23::int, "
        "$24::text, $17::bigint) ON CONFLICT (project_id, key) DO NOTHING RETURNING 1), "
        "m AS (INSERT INTO messages(id, project_id, direction, status, priority, msg_type, "
        "to_number, country, from_addr, body, encoding, segments, callback_url, metadata, "
        "requested_provider, credential_id, event_seq, created_at, updated_at, scheduled_at, "
        "expires_at, due_at, price_unit, price_total, cost_total, currency) SELECT $1::text, "
        "$2::text, $3::smallint, $4::smallint, $5::smallint, $6::smallint, $7::text, $8::text, "
        "$9::text, $10::text, $11::smallint, $12::int, $13::text, $14::text, $15::text, "
        "$16::text, 1, $17::bigint, $17::bigint, $18::bigint, $19::bigint, $20::bigint, "
        "$25::bigint, $26::bigint, $27::bigint, $28::text "
        "WHERE EXISTS (SELECT 1 FROM i) RETURNING id), "
        "e AS (INSERT INTO message_events(message_id, seq, at, status) SELECT id, 1, "
        "$17::bigint, $4::smallint FROM m RETURNING 1) "
        "SELECT (SELECT count(*) FROM e)::int, x.h, x.s, x.b FROM (SELECT 1) one LEFT JOIN "
        "(SELECT encode(request_hash, 'hex') AS h, response_status AS s, response_body AS b "
        "FROM idempotency WHERE project_id = $2::text AND key = $21::text) x ON true",
    [PG_IDEM_CLAIM] = "INSERT INTO idempotency(project_id, key, request_hash, response_status, "
                      "response_body, created_at) VALUES ($1::text, $2::text, $3::bytea, "
                      "$4::int, $5::text, $6::bigint) ON CONFLICT (project_id, key) DO NOTHING",
    [PG_IDEM_GET] = "SELECT encode(request_hash, 'hex'), response_status, response_body "
                    "FROM idempotency WHERE project_id = $1::text AND key = $2::text",
    [PG_MSG_INSERT] =
        "INSERT INTO messages(id, project_id, direction, status, priority, msg_type, to_number, "
        "country, from_addr, body, encoding, segments, callback_url, metadata, "
        "requested_provider, credential_id, event_seq, created_at, updated_at, scheduled_at, "
        "expires_at, due_at, price_unit, price_total, cost_total, currency) VALUES ($1::text, "
        "$2::text, $3::smallint, $4::smallint, $5::smallint, $6::smallint, $7::text, $8::text, "
        "$9::text, $10::text, $11::smallint, $12::int, $13::text, $14::text, $15::text, "
        "$16::text, 1, $17::bigint, $17::bigint, $18::bigint, $19::bigint, $20::bigint, "
        "$21::bigint, $22::bigint, $23::bigint, $24::text)",
    [PG_EVENT_INSERT] = "INSERT INTO message_events(message_id, seq, at, status, provider, "
                        "detail) VALUES ($1::text, $2::bigint, $3::bigint, $4::smallint, "
                        "$5::text, $6::text)",
    /* Rows are taken with SKIP LOCKED (another node's claim skips them) and returned in due
     * order with the due time they had. A reclaim of a queued message whose lease ran out is
     * a submit in doubt. */
    [PG_CLAIM] = "WITH c AS (SELECT id, due_at FROM messages WHERE priority = $1::smallint AND "
                 "due_at IS NOT NULL AND due_at <= $2::bigint ORDER BY due_at, id "
                 "LIMIT $5::int FOR UPDATE SKIP LOCKED), "
                 "u AS (UPDATE messages m SET due_at = $2::bigint + $3::bigint, "
                 "in_doubt = CASE WHEN m.status = 0 AND m.lease_owner IS NOT NULL AND "
                 "m.lease_owner <> $4::text THEN 1 ELSE m.in_doubt END, "
                 "lease_owner = $4::text "
                 "FROM c WHERE m.id = c.id RETURNING m.*, c.due_at AS claimed_due) "
                 "SELECT " STORE_MSG_COLS_HEAD ", claimed_due FROM u ORDER BY claimed_due, id",
    /* One status update in one statement, so a batch of them is pipelined (pg_ops.c): the
     * message by id ($10) or else by provider message id ($13, within credential $14; applied
     * only when exactly one matches), updated if its status is in the mask ($11), and its
     * event ($12 = 1) inserted with the new sequence number. The row comes back with the
     * number of provider-id matches last; all NULL but that when nothing was updated. The cost
     * fixed at submit ($18 in currency $19) is taken only in the message's own currency. */
    [PG_UPDATE_ONE] =
        "WITH f AS (SELECT id FROM messages WHERE $10::text IS NULL AND "
        "provider_message_id = $13::text AND ($14::text IS NULL OR credential_id = $14::text) "
        "LIMIT 2), "
        "t AS (SELECT COALESCE($10::text, (SELECT min(id) FROM f HAVING count(*) = 1)) AS id), "
        "u AS (UPDATE messages m SET status = CASE WHEN $1::int >= 0 THEN $1::int ELSE status "
        "END, due_at = CASE WHEN $2::bigint = -1 THEN due_at WHEN $2::bigint = 0 THEN NULL "
        "ELSE $2::bigint END, attempts = attempts + $3::int, "
        "lease_owner = CASE WHEN $4::int <> 0 THEN NULL ELSE lease_owner END, "
        "in_doubt = CASE WHEN $4::int = 2 THEN 1 ELSE in_doubt END, "
        "credential_id = COALESCE($5::text, credential_id), "
        "provider_message_id = COALESCE($6::text, provider_message_id), "
        "error_code = COALESCE($7::text, error_code), "
        "cost_total = CASE WHEN $19::text IS NOT NULL AND (currency IS NULL OR "
        "currency = $19::text) THEN $18::bigint ELSE cost_total END, "
        "currency = COALESCE(currency, $19::text), "
        "error_text = COALESCE($8::text, error_text), "
        "event_seq = event_seq + $12::int, updated_at = $9::bigint "
        "FROM t WHERE m.id = t.id AND ($11::bigint = 0 OR ((1 << m.status) & $11::bigint) <> 0) "
        "RETURNING m.id, m.project_id, m.event_seq, m.callback_url, m.metadata, m.created_at, "
        "m.error_code, m.error_text), "
        "e AS (INSERT INTO message_events(message_id, seq, at, status, provider, detail) "
        "SELECT id, event_seq, $9::bigint, $15::smallint, $16::text, $17::text FROM u "
        "WHERE $12::int = 1) "
        "SELECT u.*, (SELECT count(*) FROM f) FROM (SELECT 1) d LEFT JOIN u ON true",
    [PG_KEY_FIND] = "SELECT id, project_id, scopes, COALESCE(expires_at, 0), "
                    "(revoked_at IS NOT NULL)::int, COALESCE(rate_limit_rps, 0) "
                    "FROM api_keys WHERE key_hash = $1::bytea",
    [PG_MSG_GET] = "SELECT " STORE_MSG_COLS " FROM messages WHERE id = $1::text AND "
                   "project_id = $2::text",
    [PG_EVENTS] = "SELECT seq, at, status, provider, detail FROM message_events "
                  "WHERE message_id = $1::text ORDER BY seq",
    [PG_COUNT_DUE] = "SELECT count(*) FROM messages WHERE due_at IS NOT NULL",
    [PG_PREV_STATUS] = "SELECT status FROM message_events WHERE message_id = $1::text AND "
                       "seq = $2::bigint",
    [PG_WEBHOOK_INSERT] = "INSERT INTO webhook_deliveries(id, project_id, message_id, url, body, "
                          "state, attempts, created_at, updated_at, due_at) VALUES ($1::text, "
                          "$2::text, $3::text, $4::text, $5::text, 0, 0, $6::bigint, $6::bigint, "
                          "$6::bigint)",
    /* prepaid (store_accept.debit), as in the SQLite backend; the row lock orders concurrent
     * debits of one project across nodes and the WHERE is re-checked after the wait */
    [PG_BAL_DEBIT] = "UPDATE balances SET amount = amount - $2::bigint, updated_at = $4::bigint "
                     "WHERE project_id = $1::text AND currency = $3::text AND "
                     "amount >= $2::bigint RETURNING amount",
    [PG_BAL_AMOUNT] = "SELECT amount FROM balances WHERE project_id = $1::text",
    [PG_LEDGER_DEBIT] = "INSERT INTO ledger(id, project_id, at, kind, amount, balance_after, "
                        "currency, reason, reference, actor, message_id) VALUES ($1::text, "
                        "$2::text, $3::bigint, 'debit', $4::bigint, $5::bigint, $6::text, "
                        "'message accepted', $7::text, 'system', $7::text)",
    [PG_IDEM_DELETE] = "DELETE FROM idempotency WHERE project_id = $1::text AND key = $2::text",
    [PG_REFUND_LEDGER] =
        "INSERT INTO ledger(id, project_id, at, kind, amount, balance_after, currency, reason, "
        "reference, actor, message_id) SELECT $1::text, d.project_id, $3::bigint, 'refund', "
        "-d.amount, b.amount - d.amount, d.currency, 'message not delivered to a carrier', "
        "d.reference, 'system', d.message_id FROM ledger d JOIN balances b ON "
        "b.project_id = d.project_id WHERE d.project_id = $2::text AND d.kind = 'debit' AND "
        "d.reference = $4::text AND d.amount < 0 AND b.currency = d.currency "
        "ON CONFLICT DO NOTHING RETURNING amount",
    [PG_BAL_CREDIT] = "UPDATE balances SET amount = amount + $2::bigint, updated_at = $3::bigint "
                      "WHERE project_id = $1::text",
};

/* ---- parameters and results -------------------------------------------------------------- */

static int p_slot(struct pg_params *p)
{
    if (p->n >= PG_MAX_PARAMS)
        abort(); /* a programming error: the statement table has fewer parameters */
    return p->n++;
}

void pg_p_text(struct pg_params *p, const char *s)
{
    int i = p_slot(p);
    p->v[i] = s;
    p->len[i] = 0;
    p->fmt[i] = 0;
}

void pg_p_int(struct pg_params *p, int64_t v)
{
    int i = p_slot(p);
    snprintf(p->num[i], sizeof(p->num[i]), "%" PRId64, v);
    p->v[i] = p->num[i];
    p->len[i] = 0;
    p->fmt[i] = 0;
}

void pg_p_time(struct pg_params *p, int64_t v)
{
    if (v == 0)
        pg_p_text(p, NULL);
    else
        pg_p_int(p, v);
}

void pg_p_bytea(struct pg_params *p, const void *b, int len)
{
    int i = p_slot(p);
    p->v[i] = b;
    p->len[i] = len;
    p->fmt[i] = 1;
}

static int result_status(PGresult *r)
{
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state == NULL)
        return SH_EIO;
    if (strcmp(state, "23505") == 0)
        return SH_EEXIST;
    if (strcmp(state, "53100") == 0 || strcmp(state, "25006") == 0)
        return SH_EFULL; /* disk full, read-only transaction */
    if (strncmp(state, "40", 2) == 0)
        return SH_AGAIN; /* serialization failure, deadlock */
    return SH_EIO;
}

static PGresult *checked(PGresult *r, int *st)
{
    ExecStatusType es = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK) {
        *st = SH_OK;
        return r;
    }
    *st = result_status(r);
    /* expected conflicts never get here (ON CONFLICT), so every failure is worth a line */
    char line[600];
    size_t pos = (size_t)snprintf(line, sizeof(line), "{\"level\":\"error\",\"msg\":\"postgres: ");
    pos = log_json_escape(line, sizeof(line) - 4, pos,
                          r != NULL ? PQresultErrorMessage(r) : "no result (connection lost?)");
    while (pos > 0 && (line[pos - 1] == 'n' && line[pos - 2] == '\\'))
        pos -= 2; /* drop the trailing newline libpq adds */
    pos += (size_t)snprintf(line + pos, sizeof(line) - pos, "\"}\n");
    if (write(STDERR_FILENO, line, pos) < 0)
        pos = 0;
    PQclear(r);
    return NULL;
}

int pg_prepare(struct pg_conn *c, enum pg_stmt idx)
{
    char name[16];
    int st = SH_OK;
    if (c->prepared[idx])
        return SH_OK;
    snprintf(name, sizeof(name), "s%d", (int)idx);
    PGresult *r = checked(PQprepare(c->db, name, pg_sql[idx], 0, NULL), &st);
    if (r == NULL)
        return st;
    PQclear(r);
    c->prepared[idx] = 1;
    return SH_OK;
}

PGresult *pg_run(struct pg_conn *c, enum pg_stmt idx, const struct pg_params *p, int *st)
{
    char name[16];
    if ((*st = pg_prepare(c, idx)) != SH_OK)
        return NULL;
    snprintf(name, sizeof(name), "s%d", (int)idx);
    return checked(PQexecPrepared(c->db, name, p->n, p->v, p->len, p->fmt, 0), st);
}

PGresult *pg_run_sql(struct pg_conn *c, const char *sql, const struct pg_params *p, int *st)
{
    /* declared types (text, or bytea when binary): a statement may leave some unreferenced,
     * and the casts in the SQL convert text to what each column needs */
    Oid types[PG_MAX_PARAMS];
    for (int i = 0; p != NULL && i < p->n; i++)
        types[i] = p->fmt[i] ? PG_OID_BYTEA : PG_OID_TEXT;
    return checked(PQexecParams(c->db, sql, p ? p->n : 0, p ? types : NULL, p ? p->v : NULL,
                                p ? p->len : NULL, p ? p->fmt : NULL, 0),
                   st);
}

int64_t pg_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

const char *pg_str(const PGresult *r, int row, int col, struct arena *a)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

void pg_read_message(const PGresult *r, int row, struct arena *a, struct store_message *m)
{
    memset(m, 0, sizeof(*m));
    m->id = pg_str(r, row, 0, a);
    m->project_id = pg_str(r, row, 1, a);
    m->direction = (int)pg_int(r, row, 2);
    m->status = (int)pg_int(r, row, 3);
    m->priority = (int)pg_int(r, row, 4);
    m->msg_type = (int)pg_int(r, row, 5);
    m->to = pg_str(r, row, 6, a);
    m->country = pg_str(r, row, 7, a);
    m->from = pg_str(r, row, 8, a);
    m->body = pg_str(r, row, 9, a);
    m->encoding = (int)pg_int(r, row, 10);
    m->segments = (int)pg_int(r, row, 11);
    m->callback_url = pg_str(r, row, 12, a);
    m->metadata = pg_str(r, row, 13, a);
    m->provider = pg_str(r, row, 14, a);
    m->credential_id = pg_str(r, row, 15, a);
    m->provider_message_id = pg_str(r, row, 16, a);
    m->attempts = (int)pg_int(r, row, 17);
    m->in_doubt = (int)pg_int(r, row, 18);
    m->error_code = pg_str(r, row, 19, a);
    m->error_text = pg_str(r, row, 20, a);
    m->created_at = pg_int(r, row, 21);
    m->updated_at = pg_int(r, row, 22);
    m->scheduled_at = pg_int(r, row, 23);
    m->expires_at = pg_int(r, row, 24);
    m->due_at = pg_int(r, row, 25);
}

/* ---- connections ------------------------------------------------------------------------- */

static void conn_close(struct pg_conn *c)
{
    if (c->db != NULL)
        PQfinish(c->db);
    memset(c, 0, sizeof(*c));
}

static int conn_open(struct pg_store *s, struct pg_conn *c)
{
    memset(c, 0, sizeof(*c));
    c->db = PQconnectdb(s->url);
    if (PQstatus(c->db) != CONNECTION_OK) {
        log_msg(s->log, LOG_ERROR, NULL, "postgres: cannot connect: %s", PQerrorMessage(c->db));
        conn_close(c);
        return SH_EIO;
    }
    /* times are integers; nothing depends on the session time zone, but keep logs plain */
    PQclear(PQexec(c->db, "SET client_min_messages = warning"));
    return SH_OK;
}

/* A broken connection is reopened before its next use (statements are re-prepared). */
static void conn_check(struct pg_store *s, struct pg_conn *c)
{
    if (c->db != NULL && PQstatus(c->db) == CONNECTION_OK)
        return;
    conn_close(c);
    conn_open(s, c);
}

struct pg_conn *pg_reader_get(struct pg_store *s)
{
    struct pg_conn *c = &s->readers[pool_get(&s->rpool)];
    conn_check(s, c);
    return c;
}

void pg_reader_put(struct pg_store *s, struct pg_conn *c)
{
    pool_put(&s->rpool, (int)(c - s->readers));
}

/* ---- writer ------------------------------------------------------------------------------ */

static int pg_run_batch(void *backend, struct store_job *jobs, size_t n)
{
    struct pg_store *s = backend;
    struct pg_conn *c = &s->w;
    int st;
    (void)n;
    conn_check(s, c);
    if (c->db == NULL)
        return SH_EIO;
    PGresult *r = pg_run_sql(c, "BEGIN", NULL, &st);
    if (r == NULL)
        return st;
    PQclear(r);
    for (struct store_job *j = jobs; j != NULL;) {
        struct store_job *next;
        /* runs of accepts go through the pipeline: one round trip for all of them */
        if (n > 1 && (st = pg_accepts_pipelined(c, j, &next)) != SH_OK) {
            PQclear(PQexec(c->db, "ROLLBACK"));
            return st;
        }
        if (n > 1 && next != j) {
            j = next;
            continue;
        }
        j->status = j->exec(c, j);
        if (j->status != SH_OK) {
            PQclear(PQexec(c->db, "ROLLBACK"));
            return j->status;
        }
        j = j->next;
    }
    r = pg_run_sql(c, "COMMIT", NULL, &st);
    if (r == NULL) {
        PQclear(PQexec(c->db, "ROLLBACK"));
        return st == SH_OK ? SH_EIO : st;
    }
    PQclear(r);
    return SH_OK;
}

static const struct writer_ops pg_writer_ops = {
    .run_batch = pg_run_batch,
    .after_batch = NULL,
    .thread_name = "sh-writer",
};

/* ---- open / close / migrate -------------------------------------------------------------- */

static void pg_close(struct store *base);

static int pg_open(const char *url, const struct store_cfg *cfg, struct store **out)
{
    struct pg_store *s = xcalloc(1, sizeof(*s));
    int st;

    s->base.ops = &store_pg_ops;
    s->log = cfg->log;
    s->url = xstrdup(url);
    st = conn_open(s, &s->w);
    if (st != SH_OK)
        goto out;
    s->nreaders = cfg->read_conns > 0 ? cfg->read_conns : 4;
    s->readers = xcalloc((size_t)s->nreaders, sizeof(*s->readers));
    pool_init(&s->rpool, s->nreaders);
    for (int i = 0; i < s->nreaders; i++) {
        st = conn_open(s, &s->readers[i]);
        if (st != SH_OK)
            goto out;
    }
    st = writer_start(&s->writer, &pg_writer_ops, s, PG_MAX_BATCH);
    if (st != SH_OK)
        goto out;
    *out = &s->base;
    s = NULL;
out:
    if (s != NULL)
        pg_close(&s->base);
    return st;
}

static void pg_close(struct store *base)
{
    struct pg_store *s = (struct pg_store *)base;
    writer_stop(&s->writer);
    for (int i = 0; i < s->nreaders; i++)
        conn_close(&s->readers[i]);
    conn_close(&s->w);
    free(s->readers);
    if (s->readers != NULL)
        pool_release(&s->rpool);
    free(s->url);
    free(s);
}

static int read_version(struct pg_conn *c, int *version)
{
    int st;
    PGresult *r = pg_run_sql(c, "SELECT value FROM meta WHERE key = 'schema_version'", NULL, &st);
    *version = 0;
    if (r == NULL)
        return SH_OK; /* no meta table yet */
    if (PQntuples(r) == 1)
        *version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return SH_OK;
}

struct migrate_req {
    int applied;
};

static int exec_migrate(void *conn, struct store_job *j)
{
    struct pg_conn *c = conn;
    struct migrate_req *m = j->req;
    int st, version;
    char lock[96];
    PGresult *r;

    /* several nodes may start at once: one migrates, the others wait and find it done */
    snprintf(lock, sizeof(lock), "SELECT pg_advisory_xact_lock(%d)", PG_MIGRATE_LOCK);
    if ((r = pg_run_sql(c, lock, NULL, &st)) == NULL)
        return st;
    PQclear(r);
    if ((r = pg_run_sql(c,
                        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT "
                        "NOT NULL)",
                        NULL, &st)) == NULL)
        return st;
    PQclear(r);
    read_version(c, &version);
    for (int i = version; i < pg_migrations_count; i++) {
        char sql[160];
        r = checked(PQexec(c->db, pg_migrations[i].sql), &st); /* several statements */
        if (r == NULL) {
            fprintf(stderr, "{\"level\":\"error\",\"msg\":\"postgres migration %d failed\"}\n",
                    pg_migrations[i].version);
            return st;
        }
        PQclear(r);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO meta(key, value) VALUES ('schema_version', '%d') ON CONFLICT "
                 "(key) DO UPDATE SET value = EXCLUDED.value",
                 pg_migrations[i].version);
        if ((r = pg_run_sql(c, sql, NULL, &st)) == NULL)
            return st;
        PQclear(r);
        m->applied++;
    }
    return SH_OK;
}

static int pg_migrate(struct store *base, int *applied)
{
    struct pg_store *s = (struct pg_store *)base;
    struct migrate_req m = {0};
    int st = writer_run_sync(&s->writer, exec_migrate, &m);
    if (applied != NULL)
        *applied = m.applied;
    return st;
}

static int pg_schema_version(struct store *base, int *version)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_conn *c = pg_reader_get(s);
    int st = read_version(c, version);
    pg_reader_put(s, c);
    return st;
}

static int pg_ping(struct store *base)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_conn *c = pg_reader_get(s);
    int st;
    PGresult *r = pg_run_sql(c, "SELECT 1", NULL, &st);
    PQclear(r);
    pg_reader_put(s, c);
    return st;
}

/* ---- reads ------------------------------------------------------------------------------- */

static int pg_api_key_find(struct store *base, const unsigned char hash[32],
                           struct store_api_key *out)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_conn *c = pg_reader_get(s);
    struct pg_params p = {0};
    int st;
    pg_p_bytea(&p, hash, 32);
    PGresult *r = pg_run(c, PG_KEY_FIND, &p, &st);
    if (r != NULL && PQntuples(r) == 0)
        st = SH_ENOTFOUND;
    if (r != NULL && st == SH_OK) {
        memset(out, 0, sizeof(*out));
        snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(r, 0, 0));
        snprintf(out->project_id, sizeof(out->project_id), "%s", PQgetvalue(r, 0, 1));
        snprintf(out->scopes, sizeof(out->scopes), "%s", PQgetvalue(r, 0, 2));
        out->expires_at = pg_int(r, 0, 3);
        out->revoked = (int)pg_int(r, 0, 4);
        out->rate_limit_rps = pg_int(r, 0, 5);
    }
    PQclear(r);
    pg_reader_put(s, c);
    return st;
}

static int pg_credentials_load(struct store *base, struct arena *a, struct store_credential **out,
                               size_t *n)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_conn *c = pg_reader_get(s);
    int st;
    PGresult *r = pg_run_sql(c,
                             "SELECT c.id, c.project_id, c.provider_id, p.driver, c.settings, "
                             "c.is_default, c.active, (p.enabled = 1 AND p.deleted_at IS "
                             "NULL)::int, c.priority, p.default_config, encode(c.secret, 'hex'), "
                             "c.secret_key_id, c.callback_token FROM provider_credentials c "
                             "JOIN providers p "
                             "ON p.id = c.provider_id WHERE c.deleted_at IS NULL "
                             "ORDER BY c.project_id, c.priority, c.id",
                             NULL, &st);
    if (r != NULL) {
        int rows = PQntuples(r);
        struct store_credential *v = arena_zalloc(a, (size_t)(rows ? rows : 1) * sizeof(*v));
        for (int i = 0; i < rows; i++) {
            v[i].id = pg_str(r, i, 0, a);
            v[i].project_id = pg_str(r, i, 1, a);
            v[i].provider_id = pg_str(r, i, 2, a);
            v[i].driver = pg_str(r, i, 3, a);
            v[i].settings = pg_str(r, i, 4, a);
            v[i].is_default = (int)pg_int(r, i, 5);
            v[i].active = (int)pg_int(r, i, 6);
            v[i].provider_enabled = (int)pg_int(r, i, 7);
            v[i].priority = (int)pg_int(r, i, 8);
            v[i].default_config = pg_str(r, i, 9, a);
            v[i].secret_hex = pg_str(r, i, 10, a);
            v[i].secret_key_id = pg_str(r, i, 11, a);
            v[i].callback_token = pg_str(r, i, 12, a);
            if (v[i].secret_hex != NULL && *v[i].secret_hex == '\0')
                v[i].secret_hex = NULL; /* an empty value is no secret */
        }
        *out = v;
        *n = (size_t)rows;
        PQclear(r);
    }
    pg_reader_put(s, c);
    return st;
}

static int pg_message_get(struct store *base, const char *project_id, const char *id,
                          struct arena *a, struct store_message *out)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_conn *c = pg_reader_get(s);
    struct pg_params p = {0};
    int st;
    pg_p_text(&p, id);
    pg_p_text(&p, project_id);
    PGresult *r = pg_run(c, PG_MSG_GET, &p, &st);
    if (r != NULL) {
        if (PQntuples(r) == 1)
            pg_read_message(r, 0, a, out);
        else
            st = SH_ENOTFOUND;
        PQclear(r);
    }
    pg_reader_put(s, c);
    return st;
}

static int pg_message_events(struct store *base, const char *id, struct arena *a,
                             struct store_event **out, size_t *n)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_conn *c = pg_reader_get(s);
    struct pg_params p = {0};
    int st;
    pg_p_text(&p, id);
    PGresult *r = pg_run(c, PG_EVENTS, &p, &st);
    if (r != NULL) {
        int rows = PQntuples(r);
        struct store_event *v = arena_zalloc(a, (size_t)(rows ? rows : 1) * sizeof(*v));
        for (int i = 0; i < rows; i++) {
            v[i].seq = pg_int(r, i, 0);
            v[i].at = pg_int(r, i, 1);
            v[i].status = (int)pg_int(r, i, 2);
            v[i].provider = pg_str(r, i, 3, a);
            v[i].detail = pg_str(r, i, 4, a);
        }
        *out = v;
        *n = (size_t)rows;
        PQclear(r);
    }
    pg_reader_put(s, c);
    return st;
}

static int pg_message_list(struct store *base, const struct store_message_filter *f,
                           struct arena *a, struct store_message **out, size_t *n)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_conn *c = pg_reader_get(s);
    struct pg_params p = {0};
    char sql[900];
    int len, st;
    int limit = f->limit > 0 ? f->limit : 50;

    /* only the clauses that apply, so the planner walks messages_project as a range */
    pg_p_text(&p, f->project_id);
    len = snprintf(sql, sizeof(sql),
                   "SELECT " STORE_MSG_COLS " FROM messages WHERE project_id = $1::text");
    if (f->cursor != NULL) {
        pg_p_text(&p, f->cursor);
        len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND id < $%d::text", p.n);
    }
    if (f->id_from != NULL) {
        pg_p_text(&p, f->id_from);
        len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND id >= $%d::text", p.n);
    }
    if (f->id_to != NULL) {
        pg_p_text(&p, f->id_to);
        len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND id < $%d::text", p.n);
    }
    if (f->status >= 0) {
        pg_p_int(&p, f->status);
        len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND status = $%d::smallint", p.n);
    }
    if (f->to != NULL) {
        pg_p_text(&p, f->to);
        len += snprintf(sql + len, sizeof(sql) - (size_t)len, " AND to_number = $%d::text", p.n);
    }
    pg_p_int(&p, limit);
    snprintf(sql + len, sizeof(sql) - (size_t)len, " ORDER BY id DESC LIMIT $%d::int", p.n);
    PGresult *r = pg_run_sql(c, sql, &p, &st);
    if (r != NULL) {
        int rows = PQntuples(r);
        struct store_message *v = arena_zalloc(a, (size_t)(rows ? rows : 1) * sizeof(*v));
        for (int i = 0; i < rows; i++)
            pg_read_message(r, i, a, &v[i]);
        *out = v;
        *n = (size_t)rows;
        PQclear(r);
    }
    pg_reader_put(s, c);
    return st;
}

static int pg_count_due(struct store *base, int64_t *n)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_conn *c = pg_reader_get(s);
    struct pg_params p = {0};
    int st;
    PGresult *r = pg_run(c, PG_COUNT_DUE, &p, &st);
    if (r != NULL) {
        *n = pg_int(r, 0, 0);
        PQclear(r);
    }
    pg_reader_put(s, c);
    return st;
}

const struct store_ops store_pg_ops = {
    .scheme = "postgres",
    .open = pg_open,
    .close = pg_close,
    .migrate = pg_migrate,
    .schema_version = pg_schema_version,
    .ping = pg_ping,
    .bootstrap = pg_op_bootstrap,
    .api_key_find = pg_api_key_find,
    .credentials_load = pg_credentials_load,
    .accept = pg_op_accept,
    .claim = pg_op_claim,
    .update = pg_op_update,
    .recover = pg_op_recover,
    .purge_idempotency = pg_op_purge_idempotency,
    .message_get = pg_message_get,
    .message_events = pg_message_events,
    .message_list = pg_message_list,
    .count_due = pg_count_due,
    .read = pg_op_read,
    .write = pg_op_write,
};
