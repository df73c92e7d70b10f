/* health.c — see health.h for the state machine and its transition table. */
#include "core/health.h"

#include <stdlib.h>
#include <string.h>

void health_cfg_default(struct health_cfg *cfg)
{
    cfg->min_samples = 5;
    cfg->degrade_below = 0.9;
    cfg->down_below = 0.5;
    cfg->recover_at = 0.95;
    cfg->window_ms = 60000;
    cfg->cooldown_ms = 30000;
}

void health_init(struct health *h, int64_t now)
{
    memset(h, 0, sizeof(*h));
    h->state = HEALTH_HEALTHY;
    h->since = now;
}

const char *health_state_name(enum health_state s)
{
    static const char *const names[] = {"healthy", "degraded", "down", "probing"};
    return (unsigned)s < 4 ? names[s] : "unknown";
}

/* Counts outcomes within the window: *total and *good. */
static void tally(const struct health *h, const struct health_cfg *cfg, int64_t now, int *total,
                  int *good)
{
    *total = *good = 0;
    for (unsigned k = 0; k < h->n; k++) {
        unsigned i = (h->head + HEALTH_WINDOW - 1 - k) % HEALTH_WINDOW;
        if (now - h->at[i] > cfg->window_ms)
            break;
        (*total)++;
        *good += h->ok[i];
    }
}

double health_success_rate(const struct health *h, const struct health_cfg *cfg, int64_t now)
{
    int total, good;
    tally(h, cfg, now, &total, &good);
    return total == 0 ? 1.0 : (double)good / total;
}

static void enter(struct health *h, enum health_state to, int64_t now)
{
    h->state = to;
    h->since = now;
}

int health_record(struct health *h, const struct health_cfg *cfg, int64_t now, int ok,
                  int latency_ms, enum health_state *from)
{
    enum health_state was = h->state;
    int total, good;

    h->at[h->head] = now;
    h->ok[h->head] = ok ? 1 : 0;
    h->latency_ms[h->head] = latency_ms;
    h->head = (h->head + 1) % HEALTH_WINDOW;
    if (h->n < HEALTH_WINDOW)
        h->n++;

    switch (h->state) {
    case HEALTH_PROBING:
        h->probe_inflight = 0;
        if (ok) {
            h->n = 0; /* start afresh: the failures before the outage are history */
            enter(h, HEALTH_HEALTHY, now);
        } else {
            enter(h, HEALTH_DOWN, now);
        }
        break;
    case HEALTH_DOWN:
        break; /* late answers of submits made before it went down */
    case HEALTH_HEALTHY:
    case HEALTH_DEGRADED: {
        double rate;
        tally(h, cfg, now, &total, &good);
        if (total < cfg->min_samples)
            break;
        rate = (double)good / total;
        if (h->state == HEALTH_HEALTHY && rate < cfg->degrade_below)
            enter(h, HEALTH_DEGRADED, now);
        else if (h->state == HEALTH_DEGRADED && rate < cfg->down_below)
            enter(h, HEALTH_DOWN, now);
        else if (h->state == HEALTH_DEGRADED && rate >= cfg->recover_at)
            enter(h, HEALTH_HEALTHY, now);
        break;
    }
    }
    if (h->state == was)
        return 0;
    if (from != NULL)
        *from = was;
    return 1;
}

int health_admit(struct health *h, const struct health_cfg *cfg, int64_t now, int *changed)
{
    if (changed != NULL)
        *changed = 0;
    switch (h->state) {
    case HEALTH_HEALTHY:
    case HEALTH_DEGRADED:
        return 1;
    case HEALTH_DOWN:
        if (now - h->since < cfg->cooldown_ms)
            return 0;
        enter(h, HEALTH_PROBING, now);
        if (changed != NULL)
            *changed = 1;
        h->probe_inflight = 1;
        return 1;
    case HEALTH_PROBING:
        if (h->probe_inflight)
            return 0;
        h->probe_inflight = 1;
        return 1;
    }
    return 0;
}

void health_cancel(struct health *h)
{
    if (h->state == HEALTH_PROBING)
        h->probe_inflight = 0;
}

int64_t health_next_admit(const struct health *h, const struct health_cfg *cfg, int64_t now)
{
    if (h->state == HEALTH_DOWN && now - h->since < cfg->cooldown_ms)
        return h->since + cfg->cooldown_ms;
    return now;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int health_latency_pct(const struct health *h, int pct)
{
    int v[HEALTH_WINDOW];
    unsigned n = h->n;
    if (n == 0)
        return 0;
    for (unsigned k = 0; k < n; k++)
        v[k] = h->latency_ms[(h->head + HEALTH_WINDOW - 1 - k) % HEALTH_WINDOW];
    qsort(v, n, sizeof(v[0]), cmp_int);
    unsigned idx = (unsigned)((pct * (int)n + 99) / 100);
    return v[idx == 0 ? 0 : idx - 1];
}
