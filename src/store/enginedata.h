/*
 * enginedata.h — control-plane data the dispatch engine reads and writes besides messages:
 * route rules, projects' dispatch policy, provider health events, outbound callback
 * deliveries and their attempts, and projects' sealed webhook secrets. Portable queries
 * (store_read/store_write); blocking; any thread but the writer's. Rows in the caller's arena.
 */
#ifndef SH_STORE_ENGINEDATA_H
#define SH_STORE_ENGINEDATA_H

#include "store/store.h"

/* 1 when the provider exists (not deleted), 0 when not, negative on a store error. */
int store_provider_exists(struct store *s, const char *provider_id);

/* Active route rules of live projects ordered by project and position. Columns:
 * project_id, position, country, prefix, msg_type (NULL: any), credential_id. */
int store_routes_load(struct store *s, struct arena *a, struct store_rows *out);

/* Dispatch policy of every live project. Columns: id, failover, retry_schedule (text or
 * NULL), max_retries (NULL: engine default). */
int store_project_policies_load(struct store *s, struct arena *a, struct store_rows *out);

struct store_health_event {
    const char *credential_id, *provider_id, *project_id;
    int64_t at;
    const char *from_state, *to_state, *reason;
};

/* Appends one provider_health_events row. SH_OK or an error (logged by the backend). */
int store_health_event_add(struct store *s, const struct store_health_event *e);

/* The latest `limit` health events of a provider, newest first. Columns: credential_id,
 * project_id, at, from_state, to_state, reason. */
int store_health_events_list(struct store *s, const char *provider_id, int limit,
                             struct arena *a, struct store_rows *out);

/*
 * Claims up to limit callback deliveries due at now (their due_at moves to now + lease_ms so
 * a crash brings them back). Columns: id, project_id, url, body, attempts, created_at.
 */
int store_webhooks_claim(struct store *s, int64_t now, int64_t lease_ms, int limit,
                         struct arena *a, struct store_rows *out);

struct store_webhook_attempt {
    const char *delivery_id;
    int n; /* attempt number, 1 for the first */
    int64_t at;
    int http_status; /* 0 when no answer */
    const char *error; /* NULL when 2xx */
    int64_t duration_ms;
    int state;      /* delivery state afterwards: 0 pending, 1 delivered, 2 given up */
    int64_t due_at; /* next try, 0 when none */
};

/* Records one attempt and the delivery's new state, in one transaction. */
int store_webhook_attempt_add(struct store *s, const struct store_webhook_attempt *w);

/* Records n attempts (borrowed) and their deliveries' new states, in one transaction. */
int store_webhook_attempts_add(struct store *s, const struct store_webhook_attempt *v, size_t n);

/* A project's sealed webhook secret as hex (column 0) and key id (column 1); both NULL when
 * none is set. SH_ENOTFOUND for an unknown project. */
int store_webhook_secret_get(struct store *s, const char *project_id, struct arena *a,
                             struct store_rows *out);

/* Sets the sealed secret unless one is set already (first writer wins). SH_OK either way. */
int store_webhook_secret_init(struct store *s, const char *project_id, const void *sealed,
                              size_t len, const char *key_id, int64_t now);

#endif
