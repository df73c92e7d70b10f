/* writer.c — the group-commit writer thread shared by the backends. See writer.h. */
#include "store/writer.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <stdlib.h>

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    if (w->ops->thread_name != NULL)
        pthread_setname_np(pthread_self(), w->ops->thread_name);
    for (;;) {
        struct store_job *jobs, *last;
        size_t n;

        pthread_mutex_lock(&w->mu);
        while (w->head == NULL && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->head == NULL) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        jobs = last = w->head;
        for (n = 1; last->next != NULL && n < w->max_batch; n++)
            last = last->next;
        w->head = last->next;
        if (w->head == NULL)
            w->tail = NULL;
        last->next = NULL;
        w->depth -= n;
        pthread_mutex_unlock(&w->mu);

        int st = w->ops->run_batch(w->backend, jobs, n);
        if (st != SH_OK && n > 1 && st != SH_EFULL) {
            /* one bad job must not sink its neighbours: rerun each alone */
            for (struct store_job *j = jobs; j != NULL; j = j->next) {
                struct store_job *next = j->next;
                j->next = NULL;
                int one = w->ops->run_batch(w->backend, j, 1);
                if (one != SH_OK)
                    j->status = one;
                j->next = next;
            }
        } else if (st != SH_OK) {
            for (struct store_job *j = jobs; j != NULL; j = j->next)
                j->status = st;
        }
        while (jobs != NULL) {
            struct store_job *next = jobs->next;
            jobs->cb(jobs->arg, jobs->status);
            free(jobs);
            jobs = next;
        }
        if (w->ops->after_batch != NULL)
            w->ops->after_batch(w->backend);
    }
    return NULL;
}

int writer_start(struct writer *w, const struct writer_ops *ops, void *backend, size_t max_batch)
{
    w->ops = ops;
    w->backend = backend;
    w->max_batch = max_batch;
    w->head = w->tail = NULL;
    w->depth = 0;
    w->stopping = 0;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
        return SH_EIO;
    w->started = 1;
    return SH_OK;
}

int writer_submit(struct writer *w, struct store_job *j)
{
    pthread_mutex_lock(&w->mu);
    if (w->stopping || !w->started) {
        pthread_mutex_unlock(&w->mu);
        free(j);
        return SH_ECLOSED;
    }
    j->next = NULL;
    if (w->tail != NULL)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    w->depth++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return SH_OK;
}

int writer_submit_new(struct writer *w, store_exec_fn exec, void *req, size_t n, store_done_cb cb,
                      void *arg)
{
    struct store_job *j = xcalloc(1, sizeof(*j));
    j->exec = exec;
    j->req = req;
    j->n = n;
    j->cb = cb;
    j->arg = arg;
    return writer_submit(w, j);
}

struct sync_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    int status;
};

static void sync_done(void *arg, int status)
{
    struct sync_wait *sw = arg;
    pthread_mutex_lock(&sw->mu);
    sw->done = 1;
    sw->status = status;
    pthread_cond_signal(&sw->cv);
    pthread_mutex_unlock(&sw->mu);
}

int writer_run_sync(struct writer *w, store_exec_fn exec, void *req)
{
    struct sync_wait sw = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    struct store_job *j = xcalloc(1, sizeof(*j));
    j->exec = exec;
    j->req = req;
    j->cb = sync_done;
    j->arg = &sw;
    int st = writer_submit(w, j);
    if (st != SH_OK)
        return st;
    pthread_mutex_lock(&sw.mu);
    while (!sw.done)
        pthread_cond_wait(&sw.cv, &sw.mu);
    pthread_mutex_unlock(&sw.mu);
    return sw.status;
}

int writer_run_chunks(struct writer *w, store_exec_fn exec, void *req, size_t chunk, size_t *total)
{
    size_t sum = 0;
    int st;
    for (;;) {
        *(size_t *)req = 0;
        st = writer_run_sync(w, exec, req);
        if (st != SH_OK)
            break;
        sum += *(size_t *)req;
        if (*(size_t *)req < chunk)
            break;
    }
    if (total != NULL)
        *total = sum;
    return st;
}

void writer_stop(struct writer *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1; /* the thread drains what is queued, then exits */
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    w->started = 0;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}
