/*
 * usage.h — daily usage rollups (SPEC §7): usage_daily holds, per project × provider ×
 * country × UTC day × currency, the messages, segments, delivered and failed counts and the
 * price and cost sums of the messages created that day. Rows are recomputed from the messages
 * table for a range of days (so they can always be rebuilt, and a late receipt is counted
 * when its day is recomputed). Blocks; any thread but the writer's.
 */
#ifndef SH_STORE_USAGE_H
#define SH_STORE_USAGE_H

#include "store/store.h"

/* Recomputes every row of the days of [from_ms, to_ms) (UTC day boundaries are the caller's
 * job: pass midnights) in one transaction. *rows (may be NULL) gets the rows written. */
int store_usage_rebuild(struct store *s, int64_t from_ms, int64_t to_ms, int64_t *rows);

struct usage_filter {
    const char *project_id;  /* NULL: every project (administrators) */
    const char *day_from;    /* "YYYY-MM-DD" inclusive */
    const char *day_to;      /* "YYYY-MM-DD" inclusive */
    const char *provider_id; /* NULL any */
    const char *country;     /* NULL any */
};

/* Matching rows ordered by day. Columns: project_id, provider_id, country, day, currency,
 * messages, parts, delivered, failed, price, cost. */
int store_usage_list(struct store *s, const struct usage_filter *f, struct arena *a,
                     struct store_rows *out);

/* The page of at most limit matching rows after the row whose key (day, project_id,
 * provider_id, country, currency) is after[0..4] (NULL: from the start), in that order; same
 * columns as store_usage_list. Pages read one after the other see every row once. */
int store_usage_page(struct store *s, const struct usage_filter *f, const char *const *after,
                     int limit, struct arena *a, struct store_rows *out);

#endif
