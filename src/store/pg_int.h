/*
 * pg_int.h — internals shared by the PostgreSQL backend's files (not for other modules).
 *
 * Same shape as the SQLite backend: one writer connection owned by the shared group-commit
 * writer (store/writer.c), a pool of read connections. Statements are prepared once per
 * connection, by enum pg_stmt. Parameters travel as text (bytea as binary); results as text.
 * Every parameter is cast in the SQL so PostgreSQL never infers a narrower type.
 */
#ifndef SH_STORE_PG_INT_H
#define SH_STORE_PG_INT_H

#include "store/msgcols.h"
#include "store/store.h"
#include "store/pool.h"
#include "store/writer.h"

#include <libpq-fe.h>
#include <pthread.h>

enum pg_stmt {
    PG_ACCEPT,
    PG_IDEM_CLAIM,
    PG_IDEM_GET,
    PG_MSG_INSERT,
    PG_EVENT_INSERT,
    PG_CLAIM,
    PG_UPDATE_ONE,
    PG_KEY_FIND,
    PG_MSG_GET,
    PG_EVENTS,
    PG_COUNT_DUE,
    PG_PREV_STATUS,
    PG_WEBHOOK_INSERT,
    PG_BAL_DEBIT,
    PG_BAL_AMOUNT,
    PG_LEDGER_DEBIT,
    PG_IDEM_DELETE,
    PG_REFUND_LEDGER,
    PG_BAL_CREDIT,
    PG__COUNT
};

struct pg_conn {
    PGconn *db;
    unsigned char prepared[PG__COUNT];
};

struct pg_store {
    struct store base;
    const struct log *log;
    char *url;
    struct pg_conn w; /* writer thread only */
    struct writer writer;
    struct pool rpool; /* indexes into readers */
    struct pg_conn *readers;
    int nreaders;
};

#define PG_MAX_PARAMS 32

/* Parameters of one statement: text values (or binary for bytea), NULL for SQL NULL. */
struct pg_params {
    const char *v[PG_MAX_PARAMS];
    int len[PG_MAX_PARAMS];
    int fmt[PG_MAX_PARAMS];
    char num[PG_MAX_PARAMS][24];
    int n;
};

void pg_p_text(struct pg_params *p, const char *s); /* NULL → SQL NULL */
void pg_p_int(struct pg_params *p, int64_t v);
void pg_p_time(struct pg_params *p, int64_t v); /* 0 → SQL NULL */
void pg_p_bytea(struct pg_params *p, const void *b, int len);

/*
 * Runs prepared statement idx on c (preparing it on first use). Returns the result (PQclear
 * it) when its status is PGRES_COMMAND_OK or PGRES_TUPLES_OK; otherwise NULL with *st set
 * from the SQLSTATE (SH_EEXIST unique violation, SH_EFULL disk full/read-only, SH_EIO).
 */
PGresult *pg_run(struct pg_conn *c, enum pg_stmt idx, const struct pg_params *p, int *st);

/* Runs a one-off statement (not prepared). Same contract as pg_run. */
PGresult *pg_run_sql(struct pg_conn *c, const char *sql, const struct pg_params *p, int *st);

/* Row helpers over text results. */
int64_t pg_int(const PGresult *r, int row, int col);                      /* NULL → 0 */
const char *pg_str(const PGresult *r, int row, int col, struct arena *a); /* NULL → NULL */

/* Fills m from row `row` of r (selected with STORE_MSG_COLS). */
void pg_read_message(const PGresult *r, int row, struct arena *a, struct store_message *m);

struct pg_conn *pg_reader_get(struct pg_store *s);
void pg_reader_put(struct pg_store *s, struct pg_conn *c);

extern const struct store_ops store_pg_ops;

/*
 * Runs the run of consecutive accept jobs starting at first in pipeline mode (one Sync for
 * all of them) inside the open transaction; *next gets the first job after the run. Returns
 * SH_OK, or an error that fails the batch (the writer then reruns each job alone, without
 * the pipeline). A job that is not an accept, or has a request without an idempotency key or
 * with a prepaid debit, is left alone (*next = first) and runs by itself. pg_ops.c.
 */
int pg_accepts_pipelined(struct pg_conn *c, struct store_job *first, struct store_job **next);

/* Prepares statement idx on c unless it is. Returns SH_OK or an error. pg.c. */
int pg_prepare(struct pg_conn *c, enum pg_stmt idx);

/* Writes, defined in pg_ops.c. */
int pg_op_bootstrap(struct store *s, const struct store_bootstrap *b);
int pg_op_accept(struct store *s, struct store_accept *req, size_t n, store_done_cb cb, void *arg);
int pg_op_claim(struct store *s, struct store_claim *c, store_done_cb cb, void *arg);
int pg_op_update(struct store *s, struct store_update *u, size_t n, store_done_cb cb, void *arg);
int pg_op_recover(struct store *s, const char *owner, int64_t now, size_t *in_doubt);
int pg_op_purge_idempotency(struct store *s, int64_t older_than, size_t *purged);

/* Control-plane executor (sqlite_q.c / pg_q.c): see store_read, store_write. */
int pg_op_read(struct store *s, const struct store_q *q, const struct store_args *args,
               struct arena *a, struct store_rows *out);
int pg_op_write(struct store *s, struct store_step *steps, size_t n, struct arena *a);

#endif
