/*
 * billing.h — prepaid balances and their ledger (SPEC §7). Every change of a balance is one
 * ledger row written in the same transaction, with the balance after it; a change that would
 * take a balance below zero is refused inside that transaction, so concurrent changes can
 * never overdraw. Blocks; any thread but the writer's.
 */
#ifndef SH_STORE_BILLING_H
#define SH_STORE_BILLING_H

#include "store/audit.h"
#include "store/store.h"

struct store_balance {
    char currency[4];
    int64_t amount; /* micro-units */
    int prepaid;
    int64_t low_threshold; /* -1 = none */
};

/* The project's balance. SH_ENOTFOUND when it has none yet. */
int store_balance_get(struct store *s, const char *project_id, struct store_balance *out);

struct ledger_change {
    const char *id; /* new ledger row id */
    const char *project_id;
    const char *kind; /* "credit", "debit", "refund", "adjustment" */
    int64_t amount;   /* signed micro-units */
    const char *currency;
    const char *reason;     /* may be NULL */
    const char *reference;  /* unique per project and kind when set (idempotency), or NULL */
    const char *actor;      /* "user:usr_…", "stripe", "system" */
    const char *message_id; /* may be NULL */
    int64_t at;
    /* a payment event to remember in the same transaction (idempotency by event id), or NULL */
    const char *payment_event_id;
};

/*
 * Applies one change: creates the balance in c->currency when the project has none, checks the
 * currency, refuses to go below zero, writes the ledger row and (optionally) the payment event
 * and the audit entry — all in one transaction. Returns SH_OK with *balance_after;
 * SH_ENOTFOUND when the change would overdraw or the currency differs (nothing written; read
 * the balance to tell which); SH_EEXIST when the reference or the payment event was already
 * applied (nothing written); other errors as store_write.
 */
int store_ledger_apply(struct store *s, const struct ledger_change *c,
                       const struct audit_entry *audit, int64_t *balance_after);

/* Ledger rows of a project, newest first, ids below cursor (or all). Columns: id, at, kind,
 * amount, balance_after, currency, reason, reference, actor, message_id. */
int store_ledger_list(struct store *s, const char *project_id, const char *cursor, int limit,
                      struct arena *a, struct store_rows *out);

/* What the accept path needs to know about a project's billing (core/pricecache.h). */
struct billing_profile {
    const char *project_id;
    int64_t markup_bp; /* basis points over cost when no sell row applies; 0 = none */
    int prepaid;       /* sends debit the balance with the accept */
    char currency[4];  /* the balance's currency, "" when the project has no balance */
    int64_t low_threshold; /* micro-units, -1 = no low-balance alert */
};

/* The projects with a markup or a balance. Rows and strings in a. */
int store_billing_profiles(struct store *s, struct arena *a, struct billing_profile **out,
                           size_t *n);

struct billing_settings {
    const char *project_id;
    const char *currency; /* of a balance created now (an existing one keeps its own) */
    int prepaid;
    int64_t low_threshold;   /* micro-units, < 0 = none */
    const char *alert_url;   /* the low-balance event's webhook, or NULL */
    const char *alert_email; /* the low-balance e-mail's address, or NULL */
    int64_t now;
};

/* Applies a project's billing settings, creating its balance when it has none, with audit,
 * in one transaction. */
int store_billing_settings_set(struct store *s, const struct billing_settings *b,
                               const struct audit_entry *audit);

/* A project's settings (strings in a). SH_ENOTFOUND when it has no balance. */
int store_billing_settings_get(struct store *s, const char *project_id, struct arena *a,
                               struct billing_settings *out);

/*
 * Claims the low-balance alert of a project at now: when its balance is below its threshold
 * and no alert was claimed in the 24 h before now, records the claim and, when the project
 * has an alert URL, queues the webhook delivery delivery_id with body (JSON text) in the same
 * transaction. SH_OK with *email (in a, NULL when none) when claimed; SH_ENOTFOUND when not.
 */
int store_low_alert_claim(struct store *s, const char *project_id, int64_t now,
                          const char *delivery_id, const char *body, struct arena *a,
                          const char **email);

#endif
