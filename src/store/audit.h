/*
 * audit.h — the audit log (SPEC §2.8): every create/update/delete of users, projects,
 * memberships, keys, credentials, routes and limits appends one entry in the same
 * transaction as the change (store_write), so the log and the data never disagree.
 * Callers redact secrets from before/after before they get here.
 */
#ifndef SH_STORE_AUDIT_H
#define SH_STORE_AUDIT_H

#include "store/store.h"

struct audit_entry {
    const char *actor_type; /* "user", "key", "client", "system" */
    const char *actor_id;   /* may be NULL for "system" */
    const char *project_id; /* the project the object belongs to, or NULL (platform) */
    const char *action;     /* "<object>.<verb>", e.g. "project.create", "api_key.revoke" */
    const char *object_type;
    const char *object_id;
    const char *before_json; /* JSON text or NULL */
    const char *after_json;  /* JSON text or NULL */
    const char *source_ip;   /* may be NULL */
    const char *request_id;  /* may be NULL */
    int64_t at;              /* ms; 0 = now */
};

/* The storage of one appended entry: keep it alive until store_write returns. */
struct audit_slot {
    struct store_args args;
    char id[48];
};

/* Fills step to append e (borrowed until store_write returns) using slot. */
void store_audit_step(struct store_step *step, struct audit_slot *slot,
                      const struct audit_entry *e);

/* Runs the write q (args) and, when e is not NULL, its audit entry in one transaction. Returns
 * what store_write returns. Blocks; not from the writer thread. */
int store_write_audited(struct store *s, const struct store_q *q, const struct store_args *args,
                        const struct audit_entry *e);

struct audit_filter {
    int64_t from, to;       /* ms, 0 = open */
    const char *actor_id;   /* NULL = any */
    const char *project_id; /* NULL = any (administrators only) */
    const char *cursor;     /* entries with ids below this (newest first), or NULL */
    int limit;
};

/* Rows of audit entries, newest first. Columns: id, at, actor_type, actor_id, project_id,
 * action, object_type, object_id, before_json, after_json, source_ip, request_id. */
int store_audit_list(struct store *s, const struct audit_filter *f, struct arena *a,
                     struct store_rows *out);

#endif
