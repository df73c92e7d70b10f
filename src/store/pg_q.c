/*
 * pg_q.c — the PostgreSQL side of the control-plane executor (store.h, "portable queries").
 *
 * Parameters are sent typed (text, int8, bytea in binary) so the server can infer every
 * placeholder, including `$1 IS NULL`. Writes run as one writer job inside the group
 * transaction, wrapped in a SAVEPOINT: an expected failure (a conflict, a STORE_Q_ONE step that
 * matched nothing) undoes this write only, never the jobs committed with it.
 */
#include "store/pg_int.h"
#include "store/query_int.h"

#include "lib/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25

static int sqlstate_status(const PGresult *r)
{
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state == NULL)
        return SH_EIO;
    if (strcmp(state, "23505") == 0)
        return SH_EEXIST;
    if (strncmp(state, "23", 2) == 0)
        return SH_EINVAL;
    if (strcmp(state, "53100") == 0 || strcmp(state, "25006") == 0)
        return SH_EFULL;
    return SH_EIO;
}

static int run_q(PGconn *db, const struct store_q *q, const struct store_args *args,
                 struct arena *a, struct store_rows *out, const struct log *log)
{
    Oid types[STORE_MAX_ARGS];
    const char *vals[STORE_MAX_ARGS];
    int lens[STORE_MAX_ARGS], fmts[STORE_MAX_ARGS];
    char num[STORE_MAX_ARGS][24];
    int n = args != NULL ? args->n : 0;
    int res = SH_OK;

    for (int i = 0; i < n; i++) {
        const struct store_arg *v = &args->v[i];
        lens[i] = 0;
        fmts[i] = 0;
        vals[i] = NULL;
        switch (v->type) {
        case STORE_ARG_TEXT:
            types[i] = OID_TEXT;
            vals[i] = v->is_null ? NULL : v->s;
            break;
        case STORE_ARG_INT:
            types[i] = OID_INT8;
            if (!v->is_null) {
                snprintf(num[i], sizeof(num[i]), "%" PRId64, v->i);
                vals[i] = num[i];
            }
            break;
        case STORE_ARG_BLOB:
            types[i] = OID_BYTEA;
            fmts[i] = 1;
            lens[i] = (int)v->len;
            vals[i] = v->is_null ? NULL : v->b;
            break;
        }
    }
    PGresult *r = PQexecParams(db, store_q_sql(q, 1), n, types, vals, lens, fmts, 0);
    ExecStatusType es = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK) {
        res = sqlstate_status(r);
        if (res == SH_EIO)
            LOG_ERRORF(log, "postgres: %s: %s", q->name,
                       r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : "no result");
        goto out;
    }
    const char *changed = PQcmdTuples(r);
    int64_t changes = changed != NULL && *changed != '\0' ? strtoll(changed, NULL, 10) : 0;
    if ((q->flags & STORE_Q_ONE) && changes == 0) {
        res = SH_ENOTFOUND;
        goto out;
    }
    if (out != NULL) {
        size_t rows = (size_t)PQntuples(r), cols = (size_t)PQnfields(r);
        out->n = rows;
        out->ncols = cols;
        out->changes = changes;
        if (rows > 0 && cols > 0)
            out->cells = arena_alloc(a, rows * cols * sizeof(*out->cells));
        for (size_t i = 0; i < rows; i++)
            for (size_t c = 0; c < cols; c++)
                out->cells[i * cols + c] = pg_str(r, (int)i, (int)c, a);
    }
out:
    PQclear(r);
    return res;
}

int pg_op_read(struct store *base, const struct store_q *q, const struct store_args *args,
               struct arena *a, struct store_rows *out)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_conn *c = pg_reader_get(s);
    int res = c != NULL ? run_q(c->db, q, args, a, out, s->log) : SH_EIO;
    if (c != NULL)
        pg_reader_put(s, c);
    return res == SH_OK ? SH_OK : SH_EIO;
}

struct pg_write_req {
    struct store_write_req w;
    const struct log *log;
    int result;
};

static int simple(PGconn *db, const char *sql)
{
    PGresult *r = PQexec(db, sql);
    int ok = r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? SH_OK : SH_EIO;
}

static int exec_write(void *conn, struct store_job *j)
{
    struct pg_conn *c = conn;
    struct pg_write_req *r = j->req;
    int res = SH_OK;

    if (simple(c->db, "SAVEPOINT ctl") != SH_OK)
        return SH_EIO;
    for (size_t i = 0; i < r->w.n && res == SH_OK; i++) {
        struct store_step *s = &r->w.steps[i];
        res = run_q(c->db, s->q, s->args, r->w.a, s->out, r->log);
    }
    if (res == SH_OK || res == SH_ENOTFOUND || res == SH_EEXIST || res == SH_EINVAL) {
        if (res != SH_OK && simple(c->db, "ROLLBACK TO SAVEPOINT ctl") != SH_OK)
            return SH_EIO;
        if (simple(c->db, "RELEASE SAVEPOINT ctl") != SH_OK)
            return SH_EIO;
        r->result = res;
        return SH_OK; /* the batch goes on; this write's own outcome is in r->result */
    }
    return res;
}

int pg_op_write(struct store *base, struct store_step *steps, size_t n, struct arena *a)
{
    struct pg_store *s = (struct pg_store *)base;
    struct pg_write_req r = {.w = {steps, n, a}, .log = s->log, .result = SH_OK};
    int st = writer_run_sync(&s->writer, exec_write, &r);
    return st != SH_OK ? st : r.result;
}
