/*
 * keys.h — API key lifecycle in the store (SPEC §2.3): create, list, revoke, rotate, and the
 * batched last-used update. Only a key's SHA-256 and visible prefix are stored; callers
 * never pass or get the secret. Every change carries its audit entry in the same write.
 */
#ifndef SH_STORE_KEYS_H
#define SH_STORE_KEYS_H

#include "store/audit.h"
#include "store/store.h"

struct store_key_new {
    const char *id, *project_id, *name, *prefix, *scopes, *created_by;
    unsigned char hash[32];
    int64_t created_at;
    int64_t expires_at;     /* 0 = never */
    int64_t rate_limit_rps; /* 0 = none */
};

/* Columns of the rows the reads below return. */
enum store_key_col {
    KEY_C_ID,
    KEY_C_PREFIX,
    KEY_C_NAME,
    KEY_C_SCOPES,
    KEY_C_CREATED,
    KEY_C_LAST_USED,
    KEY_C_EXPIRES,
    KEY_C_REVOKED,
    KEY_C_REPLACED_BY,
    KEY_C_RATE,
    KEY_C__COUNT
};

/* Inserts k with audit entry e (both borrowed). SH_OK, SH_EEXIST, SH_EIO … Blocks. */
int store_key_insert(struct store *s, const struct store_key_new *k, const struct audit_entry *e);

/* Every key of project_id, newest first (rows in a). Blocks. */
int store_key_list(struct store *s, const char *project_id, struct arena *a,
                   struct store_rows *out);

/* One key of project_id (SH_ENOTFOUND for another project's). Blocks. */
int store_key_get(struct store *s, const char *project_id, const char *key_id, struct arena *a,
                  struct store_rows *out);

/* Number of keys of project_id that still work at now (not revoked, not expired). Blocks. */
int store_key_count_live(struct store *s, const char *project_id, int64_t now, int64_t *n);

/* Revokes a live key at now. SH_ENOTFOUND when absent or already revoked. Blocks. */
int store_key_revoke(struct store *s, const char *project_id, const char *key_id, int64_t now,
                     const struct audit_entry *e);

/*
 * Rotation: the old key (live, not replaced yet) stops at old_until (or its own earlier
 * expiry) and records the new key's id; the new key k is inserted. One transaction.
 * SH_ENOTFOUND when the old key is absent, revoked or already replaced. Blocks.
 */
int store_key_rotate(struct store *s, const char *project_id, const char *old_id, int64_t old_until,
                     const struct store_key_new *k, const struct audit_entry *e);

struct store_key_use {
    const char *key_id;
    int64_t at;
};

/* Sets last_used_at of n keys (never moving it back), in one write. Blocks. */
int store_keys_touch(struct store *s, const struct store_key_use *u, size_t n);

#endif

/* A new project with one API key and, when the catalog has the simulator, a default
 * simulator credential (smshub admin create-project). */
struct store_provision {
    const char *project_id, *project_name;
    struct store_key_new key; /* project_id is set from project_id */
    const char *credential_id;
    int64_t now;
};

/* Creates it all in one transaction with a "project.create" audit entry by the system.
 * *with_credential tells whether the simulator credential was made. Blocks. */
int store_project_provision(struct store *s, const struct store_provision *p, int *with_credential);
