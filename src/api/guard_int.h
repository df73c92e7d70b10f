/*
 * guard_int.h — the guard's node-local state shared by guard.c (the checks) and
 * guard_mem.c (caches, last-use and counts, flushing). Not for other modules.
 */
#ifndef SH_API_GUARD_INT_H
#define SH_API_GUARD_INT_H

#include "api/guard.h"
#include "core/cidr.h"
#include "core/ratelimit.h"
#include "store/security.h"

#include <pthread.h>

#define GUARD_PROJECT_SLOTS 256
#define GUARD_USE_SLOTS 4096
#define GUARD_COUNT_SLOTS 1024

struct guard_project {
    char id[48];
    int64_t until; /* ms (monotonic); 0 = empty */
    struct store_project_guard g;
    struct cidr_list allow; /* parsed g.ip_allowlist */
    int allow_bad;          /* the stored list does not parse: nobody is allowed */
    /* quota counters as last read, and what this node accepted since its last flush */
    char day[16], month[12];
    int64_t day_n, month_n, counted_until;
};

struct guard_use {
    char key_id[48];
    int64_t at; /* 0 = empty */
};

struct guard_count {
    char project_id[48];
    char day[16], month[12];
    int64_t n; /* 0 = empty */
};

struct guard {
    struct store *store;
    const struct log *log;
    const struct sealer *sealer;
    struct cidr_list trusted;
    int64_t default_rps;
    struct ratelimit *rl;

    pthread_mutex_t mu; /* everything below */
    struct guard_project projects[GUARD_PROJECT_SLOTS];
    struct guard_use uses[GUARD_USE_SLOTS];
    struct guard_count counts[GUARD_COUNT_SLOTS];
    int64_t global_rps, global_until;
    int64_t next_flush, next_purge;
    pthread_mutex_t flush_mu; /* one flush at a time */
};

/* A copy of project_id's settings (cached GUARD_CACHE_MS). SH_OK, SH_ENOTFOUND, SH_EIO. */
int guard_project(struct guard *g, const char *project_id, struct guard_project *out);

/* The global rate limit in requests a second (0: none), cached GUARD_CACHE_MS. */
int64_t guard_global_rps(struct guard *g);

/* Messages of project_id counted today and this month (UTC), stored plus not yet flushed. */
int guard_counted(struct guard *g, const char *project_id, int64_t now_ms, int64_t *day,
                  int64_t *month);

/* "d:YYYY-MM-DD" and "m:YYYY-MM" of now_ms (UTC). */
void guard_periods(int64_t now_ms, char day[16], char month[12]);

#endif
