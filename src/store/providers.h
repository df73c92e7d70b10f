/*
 * providers.h — the provider catalog (SPEC §3.1): platform-wide entries naming a driver,
 * soft-deleted (a deleted entry is also disabled, so the engine stops using it at once).
 * Every write appends its audit entry in the same transaction. Blocking; any handler thread.
 */
#ifndef SH_STORE_PROVIDERS_H
#define SH_STORE_PROVIDERS_H

#include "store/audit.h"
#include "store/store.h"

struct store_provider {
    const char *id; /* slug */
    const char *name;
    const char *description;
    const char *driver;
    const char *capabilities;   /* JSON array text */
    const char *default_config; /* JSON object text */
    int enabled;
    int priority;
    int64_t created_at, updated_at;
};

/* A live (not deleted) entry; strings in a. SH_ENOTFOUND, SH_EIO. */
int store_provider_get(struct store *s, const char *id, struct arena *a,
                       struct store_provider *out);

/* Every live entry by priority then id; rows in a. */
int store_provider_list(struct store *s, struct arena *a, struct store_provider **out, size_t *n);

/* Enabled live entries project_id has an active live credential for (GET /v1/providers). */
int store_provider_usable(struct store *s, const char *project_id, struct arena *a,
                          struct store_provider **out, size_t *n);

/* Inserts p with audit entry e. SH_EEXIST when the id is taken (also by a deleted entry). */
int store_provider_insert(struct store *s, const struct store_provider *p,
                          const struct audit_entry *e);

/* Replaces the editable fields of live entry p->id when its updated_at still is
 * expect_updated_at. SH_ENOTFOUND when deleted or changed meanwhile. */
int store_provider_update(struct store *s, const struct store_provider *p,
                          int64_t expect_updated_at, const struct audit_entry *e);

/* Soft-deletes (and disables) live entry id. SH_ENOTFOUND when none. */
int store_provider_delete(struct store *s, const char *id, int64_t now,
                          const struct audit_entry *e);

#endif
