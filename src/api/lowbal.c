/* lowbal.c — see lowbal.h. */
#include "api/lowbal.h"
#include "core/mailer.h"
#include "core/money.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "lib/xalloc.h"
#include "store/billing.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOWBAL_QUEUE 64
#define LOWBAL_RECENT 256
#define LOWBAL_QUIET_MS 60000LL /* a project handled a moment ago is not asked again */

struct lowbal_item {
    char project_id[48];
    int64_t balance, threshold, at;
    char currency[4];
};

struct lowbal_recent {
    char project_id[48];
    int64_t until; /* monotonic ms */
};

struct lowbal {
    struct store *store;
    struct mailer *mailer;
    const struct log *log;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct lowbal_item q[LOWBAL_QUEUE];
    size_t head, n;
    int stopping;
    struct lowbal_recent recent[LOWBAL_RECENT]; /* under mu */
};

/* Claims and sends one alert. Worker thread. */
static void handle(struct lowbal *lb, const struct lowbal_item *it)
{
    char did[ID_MAX], bal[MONEY_STR_MAX], thr[MONEY_STR_MAX], at[40];
    struct arena a;
    const char *email = NULL;
    arena_init(&a);
    money_format(it->balance, bal);
    money_format(it->threshold, thr);
    clock_fmt_rfc3339(it->at, at, sizeof(at));
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "balance.low", "project_id",
                           it->project_id, "balance", bal, "threshold", thr, "currency",
                           it->currency, "at", at);
    char *body = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    id_new("whd", it->at, did, sizeof(did));
    int st = body != NULL ? store_low_alert_claim(lb->store, it->project_id, it->at, did, body,
                                                  &a, &email)
                          : SH_ENOMEM;
    free(body);
    if (st == SH_OK) {
        LOG_INFOF(lb->log, "low balance alert for project %s: %s %s below %s", it->project_id,
                  bal, it->currency, thr);
        if (email != NULL && lb->mailer != NULL) {
            char subject[120], text[400];
            snprintf(subject, sizeof(subject), "smshub: low balance for project %s",
                     it->project_id);
            snprintf(text, sizeof(text),
                     "The prepaid balance of project %s is %s %s, below the alert threshold of "
                     "%s %s.\r\nSends are refused once it cannot pay for a message.\r\n"
                     "This alert is sent at most once a day.\r\n",
                     it->project_id, bal, it->currency, thr, it->currency);
            if (mailer_send(lb->mailer, email, subject, text) != 0)
                LOG_WARNF(lb->log, "low balance alert for project %s: e-mail not queued",
                          it->project_id);
        }
    } else if (st != SH_ENOTFOUND) {
        LOG_WARNF(lb->log, "low balance alert for project %s: store error %d", it->project_id, st);
    }
    arena_release(&a);
}

static void *worker(void *arg)
{
    struct lowbal *lb = arg;
    pthread_setname_np(pthread_self(), "lowbal");
    pthread_mutex_lock(&lb->mu);
    for (;;) {
        while (lb->n == 0 && !lb->stopping)
            pthread_cond_wait(&lb->cv, &lb->mu);
        if (lb->n == 0)
            break;
        struct lowbal_item it = lb->q[lb->head];
        lb->head = (lb->head + 1) % LOWBAL_QUEUE;
        lb->n--;
        pthread_mutex_unlock(&lb->mu);
        handle(lb, &it);
        pthread_mutex_lock(&lb->mu);
    }
    pthread_mutex_unlock(&lb->mu);
    return NULL;
}

struct lowbal *lowbal_new(struct store *store, struct mailer *mailer, const struct log *log)
{
    struct lowbal *lb = xcalloc(1, sizeof(*lb));
    lb->store = store;
    lb->mailer = mailer;
    lb->log = log;
    pthread_mutex_init(&lb->mu, NULL);
    pthread_cond_init(&lb->cv, NULL);
    if (pthread_create(&lb->thread, NULL, worker, lb) != 0) {
        pthread_cond_destroy(&lb->cv);
        pthread_mutex_destroy(&lb->mu);
        free(lb);
        return NULL;
    }
    return lb;
}

void lowbal_free(struct lowbal *lb)
{
    if (lb == NULL)
        return;
    pthread_mutex_lock(&lb->mu);
    lb->stopping = 1;
    pthread_cond_signal(&lb->cv);
    pthread_mutex_unlock(&lb->mu);
    pthread_join(lb->thread, NULL);
    pthread_cond_destroy(&lb->cv);
    pthread_mutex_destroy(&lb->mu);
    free(lb);
}

/* Whether project_id was handled a moment ago; else remembers it now. Called with mu held. */
static int quiet(struct lowbal *lb, const char *project_id, int64_t mono)
{
    struct lowbal_recent *slot = NULL;
    for (size_t i = 0; i < LOWBAL_RECENT; i++) {
        struct lowbal_recent *r = &lb->recent[i];
        if (strcmp(r->project_id, project_id) == 0) {
            if (r->until > mono)
                return 1;
            slot = r;
            break;
        }
        if (slot == NULL && r->until <= mono)
            slot = r; /* free or expired */
    }
    if (slot == NULL)
        slot = &lb->recent[(size_t)mono % LOWBAL_RECENT];
    snprintf(slot->project_id, sizeof(slot->project_id), "%s", project_id);
    slot->until = mono + LOWBAL_QUIET_MS;
    return 0;
}

void lowbal_note(struct lowbal *lb, const char *project_id, int64_t balance, int64_t threshold,
                 const char *currency, int64_t now)
{
    if (lb == NULL)
        return;
    pthread_mutex_lock(&lb->mu);
    if (!lb->stopping && lb->n < LOWBAL_QUEUE && !quiet(lb, project_id, clock_mono_us() / 1000)) {
        struct lowbal_item *it = &lb->q[(lb->head + lb->n) % LOWBAL_QUEUE];
        snprintf(it->project_id, sizeof(it->project_id), "%s", project_id);
        snprintf(it->currency, sizeof(it->currency), "%s", currency ? currency : "");
        it->balance = balance;
        it->threshold = threshold;
        it->at = now;
        lb->n++;
        pthread_cond_signal(&lb->cv);
    }
    pthread_mutex_unlock(&lb->mu);
}
