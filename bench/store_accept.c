/*
 * store_accept.c — the store's accept ceiling without HTTP: N producer threads call
 * store_accept() (one message per call, like one HTTP request each) with at most W calls
 * outstanding per thread, for S seconds, on a fresh SQLite database. Prints accepts/s and
 * the callback latency. Shows what the group-commit writer can do on this machine.
 *
 *   build/bench-store-accept [--threads 4] [--window 16] [--seconds 5] [--sync full|normal]
 *                            [--dir /tmp] [--random-keys]
 *
 * --random-keys uses random idempotency keys (as UUID-keyed clients do) instead of
 * per-thread sequential ones: every insert then lands on a different index leaf page.
 */
#include "core/message_state.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/store.h"

#include <getopt.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_WINDOW 256
#define LAT_BUCKETS 2000 /* 0.1 ms each, up to 200 ms */

struct slot {
    struct producer *p;
    struct store_message msg;
    struct store_accept acc;
    char id[ID_MAX];
    char key[64];
    int64_t start_us;
};

struct producer {
    struct store *store;
    int index;
    int random_keys;
    int window;
    int64_t until_us;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int outstanding;
    long done;
    long failed;
    long lat[LAT_BUCKETS + 1];
    struct slot slots[MAX_WINDOW];
    int free_slots[MAX_WINDOW];
    int nfree;
};

static void on_done(void *arg, int status)
{
    struct slot *s = arg;
    struct producer *p = s->p;
    int64_t us = clock_mono_us() - s->start_us;
    long b = us / 100;
    pthread_mutex_lock(&p->mu);
    if (status != SH_OK || s->acc.result != SH_OK)
        p->failed++;
    else
        p->done++;
    p->lat[b > LAT_BUCKETS ? LAT_BUCKETS : b]++;
    p->outstanding--;
    p->free_slots[p->nfree++] = (int)(s - p->slots);
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *produce(void *arg)
{
    struct producer *p = arg;
    long seq = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->nfree == 0)
            pthread_cond_wait(&p->cv, &p->mu);
        if (clock_mono_us() >= p->until_us) {
            while (p->outstanding > 0)
                pthread_cond_wait(&p->cv, &p->mu);
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        struct slot *s = &p->slots[p->free_slots[--p->nfree]];
        p->outstanding++;
        pthread_mutex_unlock(&p->mu);

        int64_t now = clock_now_ms();
        memset(&s->msg, 0, sizeof(s->msg));
        memset(&s->acc, 0, sizeof(s->acc));
        s->p = p;
        s->msg.id = id_new("msg", now, s->id, sizeof(s->id));
        s->msg.project_id = "prj_bench";
        s->msg.to = "+998901234567";
        s->msg.country = "UZ";
        s->msg.body = "bench message with a typical length of about forty characters";
        s->msg.status = MSG_QUEUED;
        s->msg.priority = 1;
        s->msg.msg_type = 1;
        s->msg.segments = 1;
        s->msg.created_at = s->msg.updated_at = now;
        s->msg.due_at = now + 86400000LL; /* not due: only the accept is measured */
        if (p->random_keys) {
            unsigned char r[16];
            randombytes_buf(r, sizeof(r));
            hex_encode(r, sizeof(r), s->key);
        } else {
            snprintf(s->key, sizeof(s->key), "k-%d-%ld", p->index, seq++);
        }
        s->acc.msg = &s->msg;
        s->acc.idem_key = s->key;
        s->acc.response_status = 202;
        s->acc.response_body = "{\"id\":\"msg_x\",\"status\":\"queued\"}";
        s->acc.now = now;
        s->start_us = clock_mono_us();
        if (store_accept(p->store, &s->acc, 1, on_done, s) != SH_OK) {
            fprintf(stderr, "store_accept refused\n");
            exit(1);
        }
    }
}

static double pct(const long *h, long total, double q)
{
    long want = (long)(q * (double)total), seen = 0;
    for (int i = 0; i <= LAT_BUCKETS; i++) {
        seen += h[i];
        if (seen > want)
            return (i + 1) * 0.1;
    }
    return LAT_BUCKETS * 0.1;
}

int main(int argc, char **argv)
{
    int threads = 4, window = 16, seconds = 5, sync_full = 1, random_keys = 0;
    const char *dir = "/tmp";
    static const struct option lo[] = {{"threads", 1, 0, 't'}, {"window", 1, 0, 'w'},
                                       {"seconds", 1, 0, 's'}, {"sync", 1, 0, 'y'},
                                       {"dir", 1, 0, 'd'},     {"random-keys", 0, 0, 'r'},
                                       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 't')
            threads = atoi(optarg);
        else if (c == 'w')
            window = atoi(optarg);
        else if (c == 's')
            seconds = atoi(optarg);
        else if (c == 'y')
            sync_full = strcmp(optarg, "normal") != 0;
        else if (c == 'd')
            dir = optarg;
        else if (c == 'r')
            random_keys = 1;
        else
            return 2;
    }
    if (threads < 1 || threads > 64 || window < 1 || window > MAX_WINDOW || seconds < 1) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    char path[512];
    snprintf(path, sizeof(path), "sqlite:%s/bench-store-%d.db", dir, (int)getpid());
    struct log lg;
    log_init(&lg, LOG_WARN, 2);
    struct store_cfg cfg = {.sync_full = sync_full, .read_conns = 1, .log = &lg};
    struct store *st = NULL;
    if (store_open(path, &cfg, &st) != SH_OK || store_migrate(st, NULL) != SH_OK) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    struct producer *ps = calloc((size_t)threads, sizeof(*ps));
    pthread_t *tids = calloc((size_t)threads, sizeof(*tids));
    int64_t t0 = clock_mono_us();
    for (int i = 0; i < threads; i++) {
        ps[i].store = st;
        ps[i].index = i;
        ps[i].random_keys = random_keys;
        ps[i].window = window;
        ps[i].until_us = t0 + (int64_t)seconds * 1000000;
        pthread_mutex_init(&ps[i].mu, NULL);
        pthread_cond_init(&ps[i].cv, NULL);
        for (int k = 0; k < window; k++)
            ps[i].free_slots[ps[i].nfree++] = k;
        pthread_create(&tids[i], NULL, produce, &ps[i]);
    }
    long done = 0, failed = 0;
    long *lat = calloc(LAT_BUCKETS + 1, sizeof(long));
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        done += ps[i].done;
        failed += ps[i].failed;
        for (int b = 0; b <= LAT_BUCKETS; b++)
            lat[b] += ps[i].lat[b];
    }
    double secs = (double)(clock_mono_us() - t0) / 1e6;
    store_close(st);
    printf("store accept: %d threads x window %d, synchronous=%s, %s keys, %.1f s\n", threads,
           window, sync_full ? "FULL" : "NORMAL", random_keys ? "random" : "sequential", secs);
    printf("accepted %ld (%.0f/s), failed %ld, commit latency p50 %.1f ms p99 %.1f ms\n", done,
           (double)done / secs, failed, pct(lat, done + failed, 0.5),
           pct(lat, done + failed, 0.99));
    for (const char *suffix = ""; suffix != NULL; suffix = *suffix ? NULL : "-wal") {
        char f[600];
        snprintf(f, sizeof(f), "%s/bench-store-%d.db%s", dir, (int)getpid(), suffix);
        unlink(f);
    }
    char shm[600];
    snprintf(shm, sizeof(shm), "%s/bench-store-%d.db-shm", dir, (int)getpid());
    unlink(shm);
    free(lat);
    free(ps);
    free(tids);
    return failed == 0 ? 0 : 1;
}
