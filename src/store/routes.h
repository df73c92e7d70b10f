/*
 * routes.h — a project's routing rules (SPEC §3.4: first matching rule by position wins)
 * and its dispatch policy (failover, retry schedule, max retries) kept on the project row.
 * The engine reads both (store/enginedata.h). Every write appends its audit entry in the same
 * transaction. Blocking; any handler thread.
 */
#ifndef SH_STORE_ROUTES_H
#define SH_STORE_ROUTES_H

#include "store/audit.h"
#include "store/store.h"

struct store_route {
    const char *id;
    const char *project_id;
    int position;
    const char *country; /* ISO alpha-2 or NULL (any) */
    const char *prefix;  /* digits or NULL (any) */
    int msg_type;        /* -1 any, else core/message.h enum msg_type */
    const char *credential_id;
    int active;
    int64_t created_at, updated_at;
};

/* Rules of project_id by position then id; rows in a. */
int store_route_list(struct store *s, const char *project_id, struct arena *a,
                     struct store_route **out, size_t *n);

/* Rule id of project_id. SH_ENOTFOUND (also for another project's). */
int store_route_get(struct store *s, const char *project_id, const char *id, struct arena *a,
                    struct store_route *out);

/* Inserts r if r->credential_id is a live credential of r->project_id (SH_ENOTFOUND
 * otherwise), with e, in one transaction. */
int store_route_insert(struct store *s, const struct store_route *r, const struct audit_entry *e);

/* Replaces rule r->id's fields under the same condition on the credential (SH_ENOTFOUND when
 * the rule or the credential is not the project's). */
int store_route_update(struct store *s, const struct store_route *r, const struct audit_entry *e);

/* Deletes rule id of project_id. SH_ENOTFOUND when none. */
int store_route_delete(struct store *s, const char *project_id, const char *id,
                       const struct audit_entry *e);

struct store_dispatch {
    int failover;               /* 0/1 */
    const char *retry_schedule; /* JSON array of seconds, or NULL (engine default) */
    int max_retries;            /* -1: engine default */
};

/* The dispatch policy of live project project_id (strings in a). SH_ENOTFOUND. */
int store_dispatch_get(struct store *s, const char *project_id, struct arena *a,
                       struct store_dispatch *out);

/* Sets it, with e, in one transaction. SH_ENOTFOUND when the project is gone. */
int store_dispatch_set(struct store *s, const char *project_id, const struct store_dispatch *d,
                       int64_t now, const struct audit_entry *e);

#endif
