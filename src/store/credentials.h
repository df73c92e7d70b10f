/*
 * credentials.h — a project's provider credentials (SPEC §3.3): settings, sealed secrets
 * (the store only ever sees the sealed bytes), the default flag (one per project: setting a
 * new default clears the old one in the same transaction) and soft delete. Every write
 * appends its audit entry in the same transaction. Blocking; any handler thread.
 */
#ifndef SH_STORE_CREDENTIALS_H
#define SH_STORE_CREDENTIALS_H

#include "store/audit.h"
#include "store/store.h"

struct store_cred {
    const char *id;
    const char *project_id;
    const char *provider_id;
    const char *driver; /* read only: the provider's driver */
    const char *name;
    const char *settings;      /* JSON object text */
    const char *secret_fields; /* JSON array text */
    const char *fingerprint;   /* or NULL when no secret is set */
    const char *callback_token;
    int is_default;
    int active;
    int priority;
    int64_t created_at, updated_at;
};

/* A new sealed secret for a write; NULL in a write keeps the current one. */
struct store_cred_secret {
    const unsigned char *sealed;
    size_t len;
    const char *key_id;
    const char *fields;      /* JSON array text */
    const char *fingerprint;
};

/* Live credentials of project_id (strings in a), by priority then id. */
int store_cred_list(struct store *s, const char *project_id, struct arena *a,
                    struct store_cred **out, size_t *n);

/* Live credential id of project_id. SH_ENOTFOUND (also for another project's). */
int store_cred_get(struct store *s, const char *project_id, const char *id, struct arena *a,
                   struct store_cred *out);

/* Inserts c (with secret, may be NULL) and e. When c->is_default the project's other default
 * is cleared first. SH_EEXIST on a conflicting id or callback token. */
int store_cred_insert(struct store *s, const struct store_cred *c,
                      const struct store_cred_secret *secret, const struct audit_entry *e);

/* Replaces the editable fields (name, settings, is_default, active, priority, updated_at) of
 * live credential c->id of c->project_id if its updated_at still is expect_updated_at, and its
 * secret when secret is not NULL — all in one transaction with e. SH_ENOTFOUND when deleted
 * or changed meanwhile. */
int store_cred_update(struct store *s, const struct store_cred *c, int64_t expect_updated_at,
                      const struct store_cred_secret *secret, const struct audit_entry *e);

/* Soft-deletes live credential id of project_id (also clearing its default flag and the
 * project's route rules that use it). SH_ENOTFOUND when none. */
int store_cred_delete(struct store *s, const char *project_id, const char *id, int64_t now,
                      const struct audit_entry *e);

/* The sealed secret of credential id: bytes (in a) and key id (in a). SH_ENOTFOUND when the
 * credential has none. For the engine (core/credential.h cred_secret_open opens it). */
int store_cred_secret_get(struct store *s, const char *id, struct arena *a,
                          unsigned char **sealed, size_t *len, const char **key_id);

/* The live credential whose callback token is token (provider callbacks), with its driver,
 * catalog default config and sealed secret as hex (strings in a). SH_ENOTFOUND when none. */
int store_cred_by_callback_token(struct store *s, const char *token, struct arena *a,
                                 struct store_credential *out);

/* Decodes hex text (either case) into bytes allocated in a. SH_EINVAL when not hex. */
int store_hex_decode(const char *hex, struct arena *a, unsigned char **out, size_t *len);

#endif
