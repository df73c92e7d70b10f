/* throttle.c — see throttle.h. Open addressing with a short probe; a slot whose window ended
 * is free again. */
#include "core/throttle.h"
#include "lib/xalloc.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 8

struct slot {
    uint64_t h; /* 0 = empty */
    int64_t start;
    int count;
};

struct throttle {
    pthread_mutex_t mu;
    int max;
    int64_t window;
    unsigned char key[crypto_shorthash_KEYBYTES];
    struct slot slots[THROTTLE_SLOTS];
};

struct throttle *throttle_new(int max, int64_t window_ms)
{
    struct throttle *t = xcalloc(1, sizeof(*t));
    pthread_mutex_init(&t->mu, NULL);
    t->max = max > 0 ? max : 1;
    t->window = window_ms > 0 ? window_ms : 1;
    crypto_shorthash_keygen(t->key);
    return t;
}

void throttle_free(struct throttle *t)
{
    if (t == NULL)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static uint64_t hash_of(const struct throttle *t, const char *key)
{
    unsigned char out[crypto_shorthash_BYTES];
    uint64_t h;
    crypto_shorthash(out, (const unsigned char *)key, strlen(key), t->key);
    memcpy(&h, out, sizeof(h));
    return h != 0 ? h : 1;
}

/* The live slot of h, or NULL. With make, a slot to hold it (free, expired or oldest). */
static struct slot *find(struct throttle *t, uint64_t h, int64_t now, int make)
{
    struct slot *victim = NULL;
    int victim_live = 0;
    for (int i = 0; i < PROBE; i++) {
        struct slot *s = &t->slots[(h + (uint64_t)i) % THROTTLE_SLOTS];
        int live = s->h != 0 && now - s->start < t->window;
        if (live && s->h == h)
            return s;
        if (!make)
            continue;
        if (!live) {
            if (victim == NULL || victim_live) {
                victim = s;
                victim_live = 0;
            }
        } else if (victim == NULL || (victim_live && s->start < victim->start)) {
            victim = s;
            victim_live = 1;
        }
    }
    if (victim != NULL) {
        victim->h = h;
        victim->start = now;
        victim->count = 0;
    }
    return victim;
}

int throttle_blocked(struct throttle *t, const char *key, int64_t now, int64_t *retry_ms)
{
    uint64_t h = hash_of(t, key);
    int blocked = 0;
    pthread_mutex_lock(&t->mu);
    struct slot *s = find(t, h, now, 0);
    if (s != NULL && s->count >= t->max) {
        blocked = 1;
        if (retry_ms != NULL)
            *retry_ms = s->start + t->window - now;
    }
    pthread_mutex_unlock(&t->mu);
    return blocked;
}

void throttle_hit(struct throttle *t, const char *key, int64_t now)
{
    uint64_t h = hash_of(t, key);
    pthread_mutex_lock(&t->mu);
    struct slot *s = find(t, h, now, 1);
    if (s != NULL && s->count < t->max)
        s->count++;
    pthread_mutex_unlock(&t->mu);
}

void throttle_clear(struct throttle *t, const char *key)
{
    uint64_t h = hash_of(t, key);
    pthread_mutex_lock(&t->mu);
    for (int i = 0; i < PROBE; i++) {
        struct slot *s = &t->slots[(h + (uint64_t)i) % THROTTLE_SLOTS];
        if (s->h == h)
            memset(s, 0, sizeof(*s));
    }
    pthread_mutex_unlock(&t->mu);
}
