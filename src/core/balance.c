/*
 * balance.c — a credential's vendor account balance on demand (engine_balance): the request
 * crosses to the engine thread, asks the credential's driver (provider_ops.balance) and
 * answers once: with the driver's answer, or after ENGINE_BALANCE_TIMEOUT_MS without one, or at
 * engine_free. A driver answer that comes after the deadline is dropped; the request stays
 * counted on the driver instance until then, so a reopened credential keeps the old instance
 * alive for it. Engine thread, except engine_balance.
 */
#include "core/engine_int.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct eng_balance {
    struct eng_balance *prev, *next; /* in e->balances */
    struct engine *e;
    char credential_id[48];
    engine_balance_cb cb;
    void *arg;
    int64_t asked_at;      /* engine_balance time: a credential table older may miss it */
    int answered;          /* cb was called */
    struct eng_cred *cred; /* the driver instance asked, while its answer is due */
    struct event *deadline;
    struct event *retry; /* waits for the next credential reload (a credential just created) */
};

static void bal_unlink_free(struct eng_balance *b)
{
    struct engine *e = b->e;
    if (b->prev != NULL)
        b->prev->next = b->next;
    else
        e->balances = b->next;
    if (b->next != NULL)
        b->next->prev = b->prev;
    if (b->deadline != NULL)
        event_free(b->deadline);
    if (b->retry != NULL)
        event_free(b->retry);
    free(b);
}

static void answer(struct eng_balance *b, int status, const struct provider_balance *pb)
{
    struct engine_balance out = {0};
    if (b->answered)
        return;
    b->answered = 1;
    if (pb != NULL) {
        snprintf(out.amount, sizeof(out.amount), "%s", pb->amount);
        snprintf(out.currency, sizeof(out.currency), "%s", pb->currency);
        snprintf(out.error, sizeof(out.error), "%s", pb->error);
    }
    b->cb(b->arg, status, &out);
}

static void on_driver(void *arg, const struct provider_balance *pb)
{
    struct eng_balance *b = arg;
    b->cred->driver_inflight--;
    b->cred = NULL;
    answer(b, pb->status == SH_OK || pb->status == SH_EPERM ? pb->status : SH_EIO, pb);
    bal_unlink_free(b);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    answer(arg, SH_ETIMEDOUT, NULL); /* freed when the driver answers (or at engine_free) */
}

static void start(struct eng_balance *b);

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    start(arg);
}

/* Finds the credential's driver and asks it (or answers at once when it cannot). */
static void start(struct eng_balance *b)
{
    struct engine *e = b->e;
    struct eng_cred *c = engine_cred_by_id(e, b->credential_id);
    if (c == NULL && e->creds_loaded_at <= b->asked_at) {
        /* the table predates the request: a credential created a moment ago is not in it
         * yet; the engine re-reads it within a second */
        if (b->retry == NULL)
            b->retry = evtimer_new(e->base, on_retry, b);
        struct timeval tv = {.tv_sec = 0, .tv_usec = 100 * 1000};
        evtimer_add(b->retry, &tv);
        return;
    }
    if (c == NULL || c->state == NULL) {
        answer(b, SH_ECLOSED, NULL);
        bal_unlink_free(b);
        return;
    }
    if (c->ops->balance == NULL) {
        answer(b, SH_ENOTFOUND, NULL);
        bal_unlink_free(b);
        return;
    }
    b->cred = c;
    c->driver_inflight++;
    int st = c->ops->balance(c->state, on_driver, b);
    if (st != SH_OK) {
        c->driver_inflight--;
        b->cred = NULL;
        answer(b, st == SH_ENOTFOUND ? SH_ENOTFOUND : SH_EIO, NULL);
        bal_unlink_free(b);
        return;
    }
    b->deadline = evtimer_new(e->base, on_deadline, b);
    struct timeval tv = {.tv_sec = ENGINE_BALANCE_TIMEOUT_MS / 1000,
                         .tv_usec = (ENGINE_BALANCE_TIMEOUT_MS % 1000) * 1000};
    evtimer_add(b->deadline, &tv);
}

static void do_balance(struct engine *e, void *arg)
{
    struct eng_balance *b = arg;
    b->next = e->balances;
    if (e->balances != NULL)
        e->balances->prev = b;
    e->balances = b;
    start(b);
}

int engine_balance(struct engine *e, const char *credential_id, engine_balance_cb cb, void *arg)
{
    if (!atomic_load(&e->running) || credential_id == NULL || strlen(credential_id) >= 48)
        return SH_EIO;
    struct eng_balance *b = xcalloc(1, sizeof(*b));
    b->e = e;
    b->asked_at = clock_now_ms();
    snprintf(b->credential_id, sizeof(b->credential_id), "%s", credential_id);
    b->cb = cb;
    b->arg = arg;
    engine_post(e, do_balance, b);
    return SH_OK;
}

void engine_balances_free(struct engine *e)
{
    while (e->balances != NULL) {
        struct eng_balance *b = e->balances;
        answer(b, SH_ECLOSED, NULL);
        bal_unlink_free(b);
    }
}
