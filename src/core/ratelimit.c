/* ratelimit.c — see ratelimit.h. */
#include "core/ratelimit.h"
#include "lib/xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 8

struct bucket {
    char id[RATELIMIT_ID_MAX];
    double tokens;
    int64_t rate;
    int64_t last_us; /* last refill; 0 = empty slot */
};

struct ratelimit {
    pthread_mutex_t mu;
    unsigned mask;
    struct bucket *b;
};

struct ratelimit *ratelimit_new(unsigned slots)
{
    struct ratelimit *rl = xcalloc(1, sizeof(*rl));
    unsigned n = 16;
    while (n < slots && n < (1u << 24))
        n <<= 1;
    rl->mask = n - 1;
    rl->b = xcalloc(n, sizeof(*rl->b));
    pthread_mutex_init(&rl->mu, NULL);
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->b);
    free(rl);
}

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The bucket of id, refilled to now; a new or recycled one starts full. Under mu. */
static struct bucket *find(struct ratelimit *rl, const char *id, int64_t rate, int64_t now)
{
    unsigned h = hash(id);
    struct bucket *victim = NULL;
    for (unsigned i = 0; i < PROBE; i++) {
        struct bucket *b = &rl->b[(h + i) & rl->mask];
        if (b->last_us != 0 && strcmp(b->id, id) == 0) {
            double t = b->tokens + (double)(now - b->last_us) * (double)rate / 1e6;
            b->tokens = t > (double)rate ? (double)rate : t;
            b->rate = rate;
            b->last_us = now;
            return b;
        }
        if (victim == NULL || b->last_us < victim->last_us)
            victim = b;
    }
    snprintf(victim->id, sizeof(victim->id), "%s", id);
    victim->tokens = (double)rate;
    victim->rate = rate;
    victim->last_us = now > 0 ? now : 1;
    return victim;
}

static int64_t ceil_s(double x)
{
    int64_t s = (int64_t)x;
    return (double)s < x ? s + 1 : s;
}

void ratelimit_take(struct ratelimit *rl, const struct ratelimit_ask *ask, int n, int64_t now_us,
                    struct ratelimit_result *out)
{
    struct bucket *bk[RATELIMIT_LAYERS] = {0};
    int refuse = -1, tight = -1;

    memset(out, 0, sizeof(*out));
    out->allowed = 1;
    out->layer = -1;
    if (n > RATELIMIT_LAYERS)
        n = RATELIMIT_LAYERS;
    pthread_mutex_lock(&rl->mu);
    for (int i = 0; i < n; i++) {
        if (ask[i].rate <= 0 || ask[i].id == NULL)
            continue;
        bk[i] = find(rl, ask[i].id, ask[i].rate, now_us);
        if (bk[i]->tokens < 1.0 && refuse < 0)
            refuse = i;
    }
    if (refuse < 0) {
        for (int i = 0; i < n; i++) {
            if (bk[i] == NULL)
                continue;
            bk[i]->tokens -= 1.0;
            if (tight < 0 || bk[i]->tokens < bk[tight]->tokens)
                tight = i;
        }
    }
    int show = refuse >= 0 ? refuse : tight;
    if (show >= 0) {
        struct bucket *b = bk[show];
        double rate = (double)b->rate;
        out->allowed = refuse < 0;
        out->layer = show;
        out->limit = b->rate;
        out->remaining = b->tokens < 0 ? 0 : (int64_t)b->tokens;
        out->reset_s = ceil_s((rate - b->tokens) / rate);
        if (refuse >= 0) {
            out->retry_after = ceil_s((1.0 - b->tokens) / rate);
            if (out->retry_after < 1)
                out->retry_after = 1;
        }
    }
    pthread_mutex_unlock(&rl->mu);
}
