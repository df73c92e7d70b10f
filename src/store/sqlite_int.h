/*
 * sqlite_int.h — internals shared by the SQLite backend's files (not for other modules).
 *
 * Threads: one writer thread owns `w` and runs every write as a job inside a group
 * transaction; a checkpointer thread owns its own connection; readers borrow a connection
 * from the pool. Statements are prepared once per connection, indexed by enum sq_stmt.
 */
#ifndef SH_STORE_SQLITE_INT_H
#define SH_STORE_SQLITE_INT_H

#include "store/msgcols.h"
#include "store/store.h"
#include "store/pool.h"
#include "store/writer.h"

#include <pthread.h>
#include <sqlite3.h>

enum sq_stmt {
    SQ_IDEM_GET,
    SQ_IDEM_PUT,
    SQ_MSG_INSERT,
    SQ_EVENT_INSERT,
    SQ_CLAIM_SELECT,
    SQ_CLAIM_MARK,
    SQ_UPDATE_FULL,
    SQ_UPDATE_DUE,
    SQ_UPDATE_STATUS,
    SQ_PMID_FIND,
    SQ_KEY_FIND,
    SQ_MSG_GET,
    SQ_EVENTS,
    SQ_COUNT_DUE,
    SQ_PREV_STATUS,
    SQ_WEBHOOK_INSERT,
    SQ_BAL_DEBIT,
    SQ_BAL_AMOUNT,
    SQ_LEDGER_DEBIT,
    SQ_REFUND_LEDGER,
    SQ_BAL_CREDIT,
    SQ__COUNT
};

struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *st[SQ__COUNT];
};

struct sq_store {
    struct store base;
    const struct log *log;
    char *path;
    int sync_full;

    struct sq_conn w; /* writer thread only */
    struct writer writer;
    int wal_pages; /* frames in the WAL after the last commit (writer thread only) */
    struct sq_stats {
        int64_t since_us;
        long batches, jobs;
        int64_t exec_us, commit_us;
    } stats; /* writer thread only */

    pthread_t ckpt;
    pthread_mutex_t ck_mu;
    pthread_cond_t ck_cv;
    int ck_wanted;
    int ck_stop;
    int ckpt_started;

    struct pool rpool; /* indexes into readers */
    struct sq_conn *readers;
    int nreaders;
};

/* Returns the prepared statement idx of c, preparing it on first use; NULL on error (logged). */
sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt idx);

/* Maps a SQLite result code to enum sh_status. */
int sq_status(int rc);

/* Borrows a read connection (blocks while all are busy) / gives it back. */
struct sq_conn *sq_reader_get(struct sq_store *s);
void sq_reader_put(struct sq_store *s, struct sq_conn *c);

/* The column list read by sq_read_message, in order. */
#define SQ_MSG_COLS STORE_MSG_COLS

/* Fills m from the current row of st (selected with SQ_MSG_COLS); strings copied into a. */
void sq_read_message(sqlite3_stmt *st, struct arena *a, struct store_message *m);

extern const struct store_ops store_sqlite_ops;

/* Operations, defined in sqlite_ops.c. */
int sq_op_bootstrap(struct store *s, const struct store_bootstrap *b);
int sq_op_api_key_find(struct store *s, const unsigned char hash[32], struct store_api_key *out);
int sq_op_credentials_load(struct store *s, struct arena *a, struct store_credential **out,
                           size_t *n);
int sq_op_accept(struct store *s, struct store_accept *req, size_t n, store_done_cb cb, void *arg);
int sq_op_claim(struct store *s, struct store_claim *c, store_done_cb cb, void *arg);
int sq_op_update(struct store *s, struct store_update *u, size_t n, store_done_cb cb, void *arg);
int sq_op_recover(struct store *s, const char *owner, int64_t now, size_t *in_doubt);
int sq_op_purge_idempotency(struct store *s, int64_t older_than, size_t *purged);
int sq_op_message_get(struct store *s, const char *project_id, const char *id, struct arena *a,
                      struct store_message *out);
int sq_op_message_events(struct store *s, const char *id, struct arena *a, struct store_event **out,
                         size_t *n);
int sq_op_message_list(struct store *s, const struct store_message_filter *f, struct arena *a,
                       struct store_message **out, size_t *n);
int sq_op_count_due(struct store *s, int64_t *n);

/* Control-plane executor (sqlite_q.c / pg_q.c): see store_read, store_write. */
int sq_op_read(struct store *s, const struct store_q *q, const struct store_args *args,
               struct arena *a, struct store_rows *out);
int sq_op_write(struct store *s, struct store_step *steps, size_t n, struct arena *a);

#endif
