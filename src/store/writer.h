/*
 * writer.h — the group-commit writer shared by the store backends: a job queue and one
 * thread that takes everything queued (no fixed linger) and hands it to the backend's
 * run_batch, which runs the jobs in one transaction. A batch that fails as a whole (other
 * than "storage full") is rerun one job per transaction, so one bad job cannot sink the
 * others. Callbacks run on the writer thread after the outcome is final.
 */
#ifndef SH_STORE_WRITER_H
#define SH_STORE_WRITER_H

#include "store/store.h"

#include <pthread.h>

struct store_job;

/* Runs one job inside the backend's open transaction, on connection conn. Returns SH_OK or an
 * error for this job (which aborts the batch). */
typedef int (*store_exec_fn)(void *conn, struct store_job *j);

struct store_job {
    struct store_job *next;
    store_exec_fn exec;
    void *req;
    size_t n;
    store_done_cb cb;
    void *arg;
    int status;
};

/*
 * The backend's side. run_batch runs jobs (a NULL-terminated list) in one transaction and
 * returns SH_OK when committed or the error that failed the whole batch (then nothing of it
 * is committed). after_batch (may be NULL) runs after the callbacks, for housekeeping.
 */
struct writer_ops {
    int (*run_batch)(void *backend, struct store_job *jobs, size_t n);
    void (*after_batch)(void *backend);
    const char *thread_name;
};

struct writer {
    const struct writer_ops *ops;
    void *backend;
    size_t max_batch;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct store_job *head, *tail;
    size_t depth;
    int stopping;
    int started;
};

/* Starts the writer thread. Returns SH_OK or SH_EIO. */
int writer_start(struct writer *w, const struct writer_ops *ops, void *backend, size_t max_batch);

/* Queues a job (takes it; freed after its callback). SH_ECLOSED when stopping (then freed). */
int writer_submit(struct writer *w, struct store_job *j);

/* Queues a new job running exec(req) (n items) with callback cb(arg, status). Same returns
 * as writer_submit; on an error cb is never called. */
int writer_submit_new(struct writer *w, store_exec_fn exec, void *req, size_t n, store_done_cb cb,
                      void *arg);

/* Queues exec(req) as a job of its own and waits for its outcome. Blocks; not from the
 * writer thread. */
int writer_run_sync(struct writer *w, store_exec_fn exec, void *req);

/*
 * Runs exec(req) as synchronous jobs again and again while it reports a full chunk: exec must
 * set *(size_t *)req (the first member of req) to the rows it handled. Returns the total in
 * *total. For bounded deletes that must not hold the writer for long. Blocks.
 */
int writer_run_chunks(struct writer *w, store_exec_fn exec, void *req, size_t chunk, size_t *total);

/* Lets the writer finish what is queued, then joins it. No-op when never started. */
void writer_stop(struct writer *w);

#endif
