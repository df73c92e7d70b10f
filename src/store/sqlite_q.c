/*
 * sqlite_q.c — the SQLite side of the control-plane executor (store.h, "portable queries").
 *
 * Reads run on a pooled read connection; writes run as one writer job inside the group
 * transaction, wrapped in a SAVEPOINT so that an expected failure (a conflict, a
 * STORE_Q_ONE step that matched nothing) undoes only this write and never the jobs committed
 * with it. Statements are prepared per call: these queries are rare next to the hot path.
 */
#include "store/query_int.h"
#include "store/sqlite_int.h"

#include "lib/err.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bind_args(sqlite3_stmt *st, const struct store_args *args)
{
    for (int i = 0; args != NULL && i < args->n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "$%d", i + 1);
        int idx = sqlite3_bind_parameter_index(st, name);
        if (idx == 0)
            continue; /* this statement does not use it */
        const struct store_arg *v = &args->v[i];
        int rc;
        if (v->is_null)
            rc = sqlite3_bind_null(st, idx);
        else if (v->type == STORE_ARG_TEXT)
            rc = sqlite3_bind_text(st, idx, v->s, -1, SQLITE_STATIC);
        else if (v->type == STORE_ARG_INT)
            rc = sqlite3_bind_int64(st, idx, v->i);
        else
            rc = sqlite3_bind_blob(st, idx, v->b, (int)v->len, SQLITE_STATIC);
        if (rc != SQLITE_OK)
            return SH_EIO;
    }
    return SH_OK;
}

/* Maps a failed step; constraint failures are split into conflict and other. */
static int step_status(sqlite3 *db, int rc)
{
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        int ext = sqlite3_extended_errcode(db);
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            return SH_EEXIST;
        return SH_EINVAL;
    }
    return sq_status(rc);
}

/* Runs one statement, collecting its rows into out (may be NULL) in a. */
static int run_q(sqlite3 *db, const struct store_q *q, const struct store_args *args,
                 struct arena *a, struct store_rows *out, const struct log *log)
{
    sqlite3_stmt *st = NULL;
    const char **cells = NULL;
    size_t n = 0, cap = 0, ncols = 0;
    int rc, res;

    rc = sqlite3_prepare_v2(db, store_q_sql(q, 0), -1, &st, NULL);
    if (rc != SQLITE_OK) {
        LOG_ERRORF(log, "sqlite: prepare %s: %s", q->name, sqlite3_errmsg(db));
        res = SH_EIO;
        goto out;
    }
    if ((res = bind_args(st, args)) != SH_OK)
        goto out;
    ncols = (size_t)sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out == NULL)
            continue;
        if ((n + 1) * ncols > cap) {
            cap = cap == 0 ? ncols * 8 : cap * 2;
            cells = xrealloc(cells, cap * sizeof(*cells));
        }
        for (size_t c = 0; c < ncols; c++) {
            const unsigned char *t = sqlite3_column_text(st, (int)c);
            cells[n * ncols + c] =
                t != NULL ? arena_strndup(a, (const char *)t,
                                          (size_t)sqlite3_column_bytes(st, (int)c))
                          : NULL;
        }
        n++;
    }
    if (rc != SQLITE_DONE) {
        res = step_status(db, rc);
        if (res == SH_EIO)
            LOG_ERRORF(log, "sqlite: %s: %s", q->name, sqlite3_errmsg(db));
        goto out;
    }
    if ((q->flags & STORE_Q_ONE) && sqlite3_changes(db) == 0) {
        res = SH_ENOTFOUND;
        goto out;
    }
    if (out != NULL) {
        out->n = n;
        out->ncols = ncols;
        out->changes = sqlite3_changes(db);
        if (n > 0) {
            out->cells = arena_alloc(a, n * ncols * sizeof(*cells));
            memcpy(out->cells, cells, n * ncols * sizeof(*cells));
        }
    }
    res = SH_OK;
out:
    free(cells);
    sqlite3_finalize(st);
    return res;
}

int sq_op_read(struct store *base, const struct store_q *q, const struct store_args *args,
               struct arena *a, struct store_rows *out)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_conn *c = sq_reader_get(s);
    int res = run_q(c->db, q, args, a, out, s->log);
    sq_reader_put(s, c);
    return res == SH_OK ? SH_OK : SH_EIO;
}

struct sq_write_req {
    struct store_write_req w;
    const struct log *log;
    int result;
};

static int exec_write(void *conn, struct store_job *j)
{
    struct sq_conn *c = conn;
    struct sq_write_req *r = j->req;
    int res = SH_OK;

    if (sqlite3_exec(c->db, "SAVEPOINT ctl", NULL, NULL, NULL) != SQLITE_OK)
        return SH_EIO;
    for (size_t i = 0; i < r->w.n && res == SH_OK; i++) {
        struct store_step *s = &r->w.steps[i];
        res = run_q(c->db, s->q, s->args, r->w.a, s->out, r->log);
    }
    if (res == SH_OK || res == SH_ENOTFOUND || res == SH_EEXIST || res == SH_EINVAL) {
        if (res != SH_OK)
            sqlite3_exec(c->db, "ROLLBACK TO ctl", NULL, NULL, NULL);
        if (sqlite3_exec(c->db, "RELEASE ctl", NULL, NULL, NULL) != SQLITE_OK)
            return SH_EIO;
        r->result = res;
        return SH_OK; /* the batch goes on; this write's own outcome is in r->result */
    }
    return res; /* full disk, I/O: the batch fails (and the writer reruns it job by job) */
}

int sq_op_write(struct store *base, struct store_step *steps, size_t n, struct arena *a)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_write_req r = {.w = {steps, n, a}, .log = s->log, .result = SH_OK};
    int st = writer_run_sync(&s->writer, exec_write, &r);
    return st != SH_OK ? st : r.result;
}
