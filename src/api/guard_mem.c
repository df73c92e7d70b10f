/*
 * guard_mem.c — the guard's node-local state (api/guard_int.h): cached project settings and
 * global limit, API key last-use times and accepted-message counts kept in bounded tables
 * and written in one store_write per flush, never one per request.
 *
 * The lock is never held across a store call: a flush takes the pending entries out under
 * the lock, then writes them (guard_note_accepted runs on the store's writer thread, which
 * a flush waits for). Counts whose write fails are put back; last-use times are best effort.
 */
#include "api/guard_int.h"
#include "core/reqsign.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROBE 16

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int64_t now_mono_ms(void)
{
    return clock_mono_us() / 1000;
}

struct guard *guard_new(struct store *store, const struct log *log, const struct sealer *sealer,
                        const struct guard_cfg *cfg)
{
    struct guard *g = xcalloc(1, sizeof(*g));
    g->store = store;
    g->log = log;
    g->sealer = sealer;
    g->default_rps = cfg->default_rps;
    if (cfg->trusted_proxies != NULL &&
        cidr_list_parse(cfg->trusted_proxies, &g->trusted, NULL) != SH_OK) {
        free(g);
        return NULL;
    }
    g->rl = ratelimit_new(16384);
    pthread_mutex_init(&g->mu, NULL);
    pthread_mutex_init(&g->flush_mu, NULL);
    return g;
}

void guard_free(struct guard *g)
{
    if (g == NULL)
        return;
    ratelimit_free(g->rl);
    pthread_mutex_destroy(&g->mu);
    pthread_mutex_destroy(&g->flush_mu);
    free(g);
}

void guard_periods(int64_t now_ms, char day[16], char month[12])
{
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, mo = (unsigned)(tm.tm_mon + 1) % 100u,
             d = (unsigned)tm.tm_mday % 100u;
    snprintf(day, 16, "d:%04u-%02u-%02u", y, mo, d);
    snprintf(month, 12, "m:%04u-%02u", y, mo);
}

void guard_note_key_use(struct guard *g, const char *key_id, int64_t now_ms)
{
    if (g == NULL)
        return;
    unsigned h = hash(key_id);
    pthread_mutex_lock(&g->mu);
    for (unsigned i = 0; i < PROBE; i++) {
        struct guard_use *u = &g->uses[(h + i) % GUARD_USE_SLOTS];
        if (u->at == 0 || strcmp(u->key_id, key_id) == 0) {
            snprintf(u->key_id, sizeof(u->key_id), "%s", key_id);
            if (now_ms > u->at)
                u->at = now_ms;
            break;
        }
    }
    pthread_mutex_unlock(&g->mu);
}

/* Adds n to the pending count of (project, day, month). Under mu. 0, or -1 when full. */
static int count_add(struct guard *g, const char *pid, const char *day, const char *month,
                     int64_t n)
{
    unsigned h = hash(pid) ^ hash(day);
    for (unsigned i = 0; i < PROBE; i++) {
        struct guard_count *c = &g->counts[(h + i) % GUARD_COUNT_SLOTS];
        if (c->n == 0) {
            snprintf(c->project_id, sizeof(c->project_id), "%s", pid);
            snprintf(c->day, sizeof(c->day), "%s", day);
            snprintf(c->month, sizeof(c->month), "%s", month);
        } else if (strcmp(c->project_id, pid) != 0 || strcmp(c->day, day) != 0) {
            continue;
        }
        c->n += n;
        return 0;
    }
    return -1;
}

void guard_note_accepted(struct guard *g, const char *project_id, int64_t now_ms)
{
    char day[16], month[12];
    if (g == NULL || project_id == NULL || *project_id == '\0')
        return;
    guard_periods(now_ms, day, month);
    pthread_mutex_lock(&g->mu);
    if (count_add(g, project_id, day, month, 1) != 0)
        g->next_flush = 0; /* table full: flush at the next tick */
    pthread_mutex_unlock(&g->mu);
}

void guard_forget_project(struct guard *g, const char *project_id)
{
    if (g == NULL)
        return;
    pthread_mutex_lock(&g->mu);
    struct guard_project *p = &g->projects[hash(project_id) % GUARD_PROJECT_SLOTS];
    if (strcmp(p->id, project_id) == 0)
        p->until = 0;
    g->global_until = 0;
    pthread_mutex_unlock(&g->mu);
}

int guard_project(struct guard *g, const char *project_id, struct guard_project *out)
{
    struct guard_project *p = &g->projects[hash(project_id) % GUARD_PROJECT_SLOTS];
    int64_t now = now_mono_ms();
    int st;

    pthread_mutex_lock(&g->mu);
    if (p->until > now && strcmp(p->id, project_id) == 0) {
        *out = *p;
        pthread_mutex_unlock(&g->mu);
        return SH_OK;
    }
    pthread_mutex_unlock(&g->mu);
    memset(out, 0, sizeof(*out));
    st = store_project_guard_get(g->store, project_id, &out->g);
    if (st != SH_OK)
        return st;
    snprintf(out->id, sizeof(out->id), "%s", project_id);
    out->allow_bad = cidr_list_parse(out->g.ip_allowlist, &out->allow, NULL) != SH_OK;
    out->until = now + GUARD_CACHE_MS;
    pthread_mutex_lock(&g->mu);
    int same = strcmp(p->id, project_id) == 0;
    memcpy(out->day, p->day, sizeof(out->day));
    memcpy(out->month, p->month, sizeof(out->month));
    out->day_n = same ? p->day_n : 0;
    out->month_n = same ? p->month_n : 0;
    out->counted_until = same ? p->counted_until : 0;
    *p = *out;
    pthread_mutex_unlock(&g->mu);
    return SH_OK;
}

int64_t guard_global_rps(struct guard *g)
{
    int64_t now = now_mono_ms(), v = 0;
    pthread_mutex_lock(&g->mu);
    if (g->global_until > now) {
        v = g->global_rps;
        pthread_mutex_unlock(&g->mu);
        return v;
    }
    pthread_mutex_unlock(&g->mu);
    int st = store_setting_get_int(g->store, "rate_limit_rps", &v);
    if (st == SH_ENOTFOUND)
        v = g->default_rps;
    else if (st != SH_OK)
        v = g->default_rps; /* the store is down: keep the configured default */
    pthread_mutex_lock(&g->mu);
    g->global_rps = v;
    g->global_until = now + GUARD_CACHE_MS;
    pthread_mutex_unlock(&g->mu);
    return v;
}

int guard_counted(struct guard *g, const char *project_id, int64_t now_ms, int64_t *day,
                  int64_t *month)
{
    struct guard_project *p = &g->projects[hash(project_id) % GUARD_PROJECT_SLOTS];
    char d[16], m[12];
    int64_t now = now_mono_ms(), dn = 0, mn = 0;
    int cached = 0, st = SH_OK;

    guard_periods(now_ms, d, m);
    pthread_mutex_lock(&g->mu);
    if (strcmp(p->id, project_id) == 0 && p->counted_until > now && strcmp(p->day, d) == 0) {
        dn = p->day_n;
        mn = p->month_n;
        cached = 1;
    }
    pthread_mutex_unlock(&g->mu);
    if (!cached) {
        st = store_counters_get(g->store, project_id, d, m, &dn, &mn);
        if (st != SH_OK)
            return st;
        pthread_mutex_lock(&g->mu);
        if (strcmp(p->id, project_id) == 0) {
            memcpy(p->day, d, sizeof(d));
            memcpy(p->month, m, sizeof(m));
            p->day_n = dn;
            p->month_n = mn;
            p->counted_until = now + GUARD_CACHE_MS;
        }
        pthread_mutex_unlock(&g->mu);
    }
    /* plus what this node accepted and has not written yet */
    pthread_mutex_lock(&g->mu);
    for (int i = 0; i < GUARD_COUNT_SLOTS; i++) {
        const struct guard_count *c = &g->counts[i];
        if (c->n == 0 || strcmp(c->project_id, project_id) != 0)
            continue;
        if (strcmp(c->day, d) == 0)
            dn += c->n;
        if (strcmp(c->month, m) == 0)
            mn += c->n;
    }
    pthread_mutex_unlock(&g->mu);
    *day = dn;
    *month = mn;
    return SH_OK;
}

void guard_flush(struct guard *g)
{
    struct guard_use *uses = xcalloc(GUARD_USE_SLOTS, sizeof(*uses));
    struct guard_count *counts = xcalloc(GUARD_COUNT_SLOTS, sizeof(*counts));
    struct store_key_use *ku = xcalloc(GUARD_USE_SLOTS, sizeof(*ku));
    struct store_counter_add *ca = xcalloc(2 * GUARD_COUNT_SLOTS, sizeof(*ca));
    size_t nu = 0, nc = 0;

    pthread_mutex_lock(&g->flush_mu);
    pthread_mutex_lock(&g->mu);
    memcpy(uses, g->uses, sizeof(g->uses));
    memcpy(counts, g->counts, sizeof(g->counts));
    memset(g->uses, 0, sizeof(g->uses));
    memset(g->counts, 0, sizeof(g->counts));
    pthread_mutex_unlock(&g->mu);

    for (int i = 0; i < GUARD_USE_SLOTS; i++)
        if (uses[i].at != 0)
            ku[nu++] = (struct store_key_use){uses[i].key_id, uses[i].at};
    for (int i = 0; i < GUARD_COUNT_SLOTS; i++) {
        if (counts[i].n == 0)
            continue;
        ca[nc++] = (struct store_counter_add){counts[i].project_id, counts[i].day, counts[i].n};
        ca[nc++] = (struct store_counter_add){counts[i].project_id, counts[i].month, counts[i].n};
    }
    if (nu > 0 && store_keys_touch(g->store, ku, nu) != SH_OK)
        log_msg(g->log, LOG_WARN, NULL, "writing the last-use times of %zu API keys failed", nu);
    if (nc > 0) {
        int st = store_counters_add(g->store, ca, nc);
        pthread_mutex_lock(&g->mu);
        for (int i = 0; i < GUARD_COUNT_SLOTS; i++) {
            if (counts[i].n != 0 && st != SH_OK)
                count_add(g, counts[i].project_id, counts[i].day, counts[i].month, counts[i].n);
        }
        /* the stored counts moved: re-read them before the next quota check */
        for (int i = 0; i < GUARD_PROJECT_SLOTS; i++)
            g->projects[i].counted_until = 0;
        pthread_mutex_unlock(&g->mu);
        if (st != SH_OK)
            log_msg(g->log, LOG_WARN, NULL, "writing message counts failed: %s", sh_strerror(st));
    }
    pthread_mutex_unlock(&g->flush_mu);
    free(uses);
    free(counts);
    free(ku);
    free(ca);
}

void guard_tick(struct guard *g, int64_t now_ms)
{
    if (g == NULL)
        return;
    pthread_mutex_lock(&g->mu);
    int flush = now_ms >= g->next_flush, purge = now_ms >= g->next_purge;
    if (flush)
        g->next_flush = now_ms + GUARD_FLUSH_MS;
    if (purge)
        g->next_purge = now_ms + GUARD_NONCE_PURGE_MS;
    pthread_mutex_unlock(&g->mu);
    if (flush)
        guard_flush(g);
    if (purge && store_nonce_purge(g->store, now_ms - 2000LL * REQSIGN_WINDOW_S) != SH_OK)
        log_msg(g->log, LOG_WARN, NULL, "purging signing nonces failed");
}
