/*
 * smpp_accounts.h — SMPP accounts of a project (SPEC §11.1: client systems binding to the
 * hub's SMPP server) and the receipts the server owes them (table smpp_receipts, migration
 * 0004). Account writes append their audit entry in the same transaction. The password is
 * stored only as an Argon2id hash. Blocking; any thread but the store writer's.
 */
#ifndef SH_STORE_SMPP_ACCOUNTS_H
#define SH_STORE_SMPP_ACCOUNTS_H

#include "store/audit.h"
#include "store/store.h"

struct store_smpp_account {
    const char *id;
    const char *project_id;
    const char *system_id;
    const char *password_hash; /* Argon2id string; never leaves store/api */
    const char *allowed_ips;   /* CIDR list, "" = any */
    int64_t max_binds;
    int64_t tps; /* 0: no per-account limit */
    int active;
    int64_t created_at, updated_at;
};

/* Live accounts of project_id by system_id; rows in a. */
int store_smpp_account_list(struct store *s, const char *project_id, struct arena *a,
                            struct store_smpp_account **out, size_t *n);

/* Live account id of project_id. SH_ENOTFOUND (also for another project's). */
int store_smpp_account_get(struct store *s, const char *project_id, const char *id, struct arena *a,
                           struct store_smpp_account *out);

/* The live account named system_id (any project; for binds). SH_ENOTFOUND. */
int store_smpp_account_by_system_id(struct store *s, const char *system_id, struct arena *a,
                                    struct store_smpp_account *out);

/* Ids of accounts (of any project) switched inactive or deleted at or after since (ms), at
 * most limit; ids in a. For the SMPP server dropping sessions bound before the change. */
int store_smpp_accounts_disabled_since(struct store *s, int64_t since, int limit, struct arena *a,
                                       const char ***ids, size_t *n);

/* Inserts acc with e in one transaction. SH_EEXIST when system_id is taken. */
int store_smpp_account_insert(struct store *s, const struct store_smpp_account *acc,
                              const struct audit_entry *e);

/* Replaces the mutable fields (password_hash, allowed_ips, max_binds, tps, active,
 * updated_at) of live account acc->id of acc->project_id, with e. SH_ENOTFOUND. */
int store_smpp_account_update(struct store *s, const struct store_smpp_account *acc,
                              const struct audit_entry *e);

/* Soft-deletes live account id of project_id at now, with e. SH_ENOTFOUND. */
int store_smpp_account_delete(struct store *s, const char *project_id, const char *id, int64_t now,
                              const struct audit_entry *e);

/* ---- receipts owed to client systems ------------------------------------------------- */

struct store_smpp_receipt {
    const char *message_id;
    const char *source_addr, *dest_addr; /* as the client sent them */
    int status;                          /* the message's final status */
    int64_t created_at, done_at;         /* ms */
    const char *body;                    /* the message text (UTF-8) */
    const char *error_code;              /* or NULL */
    int failure_only;                    /* no receipt is wanted if delivered */
};

struct store_smpp_receipt_new {
    const char *message_id, *account_id, *project_id;
    const char *source_addr, *dest_addr;
    int failure_only; /* registered_delivery 0x02 */
};

/* Records, in one transaction, that each of v[0..n) (messages not yet committed) owes its
 * account a receipt. */
int store_smpp_receipt_add(struct store *s, const struct store_smpp_receipt_new *v, size_t n,
                           int64_t now);

/* Up to limit receipts of account_id whose message reached a final status and which were
 * not sent, oldest first; rows in a. */
int store_smpp_receipt_pending(struct store *s, const char *account_id, int limit, struct arena *a,
                               struct store_smpp_receipt **out, size_t *n);

/* Marks message_id's receipt as acknowledged by the client at now. */
int store_smpp_receipt_done(struct store *s, const char *message_id, int64_t now);

/* Deletes receipt rows sent before sent_before and rows whose message never committed,
 * created before orphan_before. *n (may be NULL) gets the count. */
int store_smpp_receipt_purge(struct store *s, int64_t sent_before, int64_t orphan_before,
                             int64_t *n);

#endif
