/*
 * store.h — the only door to persistent data.
 *
 * A `struct store` is a backend (SQLite today, PostgreSQL later) behind `struct store_ops`.
 * Core and the API call the store_* wrappers below and never see SQL. Values are plain C:
 * ids are strings, times are UTC milliseconds, statuses and enums are small integers whose
 * meaning belongs to core (the store only compares them).
 *
 * Threads: reads (store_*_get/list/find) may be called from any thread and block on the
 * database. Writes that sit on hot paths (accept, claim, update) are asynchronous: they are
 * queued to the backend's writer, group-committed, and their callback runs on the writer
 * thread after the commit is durable (or failed). Async contract: if the call returns an
 * error the callback is never called; otherwise it is called exactly once.
 */
#ifndef SH_STORE_H
#define SH_STORE_H

#include "lib/arena.h"
#include "lib/log.h"

#include <stddef.h>
#include <stdint.h>

struct store;

/* One message row. Strings are owned by whoever filled the struct (an arena, usually). */
struct store_message {
    const char *id;
    const char *project_id;
    const char *to;      /* E.164 */
    const char *country; /* ISO 3166-1 alpha-2 or NULL */
    const char *from;    /* sender id or NULL */
    const char *body;
    const char *callback_url;
    const char *metadata;            /* JSON object text or NULL */
    const char *provider;            /* provider requested by the client (slug) or NULL */
    const char *credential_id;       /* credential chosen (pinned) or NULL */
    const char *provider_message_id; /* id given by the provider or NULL */
    const char *error_code;
    const char *error_text;
    int direction; /* 0 outbound, 1 inbound */
    int status;
    int priority; /* 0 highest */
    int msg_type;
    int encoding;
    int segments;
    int attempts;
    int in_doubt; /* claimed for submit by a previous run that died (see store_recover) */
    int64_t created_at;
    int64_t updated_at;
    int64_t scheduled_at; /* 0 = none */
    int64_t expires_at;   /* 0 = none */
    int64_t due_at;       /* 0 = not due (final) */
    /* the price at send time (accept): 0/"" when no tariff applied; written by store_accept */
    int64_t price_unit, price_total, cost_total; /* micro-units */
    const char *currency;                        /* ISO 4217 of the price, NULL when unpriced */
};

struct store_event {
    int64_t seq;
    int64_t at;
    int status;
    const char *provider; /* may be NULL */
    const char *detail;   /* JSON object text or NULL */
};

/* Called once, on the writer thread, when an async request is done. status is SH_OK or an error
 * for the request as a whole (SH_EFULL when the disk is full or read-only, SH_EIO otherwise). */
typedef void (*store_done_cb)(void *arg, int status);

/* ---- accept ---------------------------------------------------------------------------- */

struct store_accept {
    /* in: borrowed until the callback */
    const struct store_message *msg;
    const char *idem_key;       /* NULL: no idempotency record */
    unsigned char req_hash[32]; /* SHA-256 of the canonical request */
    int response_status;        /* the answer to remember for replays */
    const char *response_body;
    int64_t now;
    /* prepaid: when debit > 0, the same transaction takes debit (micro-units of
     * debit_currency) from the project's balance and writes the ledger row debit_ledger_id
     * (kind "debit", reference = the message id); a balance that cannot pay refuses this one
     * request (result SH_ENOTFOUND, nothing of it stored), never the others of its batch */
    int64_t debit;
    const char *debit_currency;
    const char *debit_ledger_id;
    /* out: valid in the callback */
    int result; /* SH_OK inserted, SH_EEXIST replay, SH_EINVAL same key other body,
                 * SH_ENOTFOUND insufficient balance */
    int64_t balance;   /* with debit: the balance after it, or (refused) the balance available */
    int replay_status; /* on SH_EEXIST */
    char *replay_body; /* on SH_EEXIST: returns new (free()) */
};

/* ---- dispatcher claim ------------------------------------------------------------------ */

struct store_claim {
    /* in */
    int64_t now;
    int limit;
    int64_t lease_ms;  /* a claimed message becomes due again after this unless updated */
    const char *owner; /* node/boot id recorded while a submit is in flight */
    /* out: rows allocated in `arena` (initialised by the store, released by the caller) */
    struct arena arena;
    struct store_message *msgs;
    size_t n;
};

/* ---- status / attempt updates ---------------------------------------------------------- */

#define STORE_KEEP (-1)

/* A message's status change as a callback body renderer sees it (store_update.render_callback).
 * Strings borrowed for the call. */
struct store_change {
    const char *message_id, *project_id, *metadata, *error_code, *error_text, *provider;
    int status, prev_status; /* prev_status -1 when unknown */
    int64_t created_at, at;
};

struct store_update {
    /* which message: by id, or (when message_id is NULL) by provider message id, within one
     * credential when lookup_credential_id is set; an ambiguous id is never applied */
    const char *message_id;
    const char *lookup_pmid;
    const char *lookup_credential_id;
    /* condition: current status must be in from_mask (bit per status); 0 = any */
    uint32_t from_mask;
    int to_status;  /* STORE_KEEP or new status */
    int64_t due_at; /* STORE_KEEP, 0 = clear (not due), or a time */
    int attempts_inc;
    int clear_lease; /* 1: clear the lease; 2: also mark in_doubt (a submit's outcome is
                      * unknown: the provider may have taken it) */
    const char *set_credential_id; /* NULL keeps */
    const char *set_pmid;          /* NULL keeps */
    const char *set_error_code;    /* NULL keeps */
    const char *set_error_text;
    /* the cost fixed at submit (micro-units of set_cost_currency; NULL currency keeps): taken
     * when the message is unpriced or priced in that currency (docs/billing.md) */
    int64_t set_cost;
    const char *set_cost_currency;
    /* the event recorded when applied */
    int64_t at;
    int ev_status; /* status the event reports; -1 records no event */
    const char *ev_provider;
    const char *ev_detail; /* JSON object text or NULL */
    /* When set and the update changes the status of a message that has a callback_url, a
     * webhook_deliveries row (due at once) is written in the same transaction with the body
     * this returns (returns new, free(); NULL: none). Called on the writer thread. */
    char *(*render_callback)(const struct store_change *c);
    /* When applied and the message's accept debited a prepaid balance, refunds that debit in
     * the same transaction: one ledger "refund" row (reference = the message id), at most once
     * per message whatever the number of updates asking for it. */
    int refund;
    int64_t tag; /* the caller's; the store ignores it */
    /* out */
    int found;               /* by provider message id: a message with it exists */
    int callback_queued;     /* a webhook delivery was written */
    int applied;             /* 1 when the row matched and changed */
    char message_id_out[48]; /* filled when applied */
    char project_id_out[48];
};

/* ---- principals, catalog ----------------------------------------------------------------- */

struct store_api_key {
    char id[48];
    char project_id[48];
    char scopes[512];
    int64_t expires_at; /* 0 = never */
    int revoked;
    int64_t rate_limit_rps; /* 0 = no per-key limit */
};

struct store_credential {
    const char *id;
    const char *project_id;
    const char *provider_id;
    const char *driver;
    const char *settings;       /* JSON object text */
    const char *default_config; /* the catalog provider's, JSON object text */
    const char *secret_hex;     /* the sealed secrets as hex, or NULL (core/credential.h) */
    const char *secret_key_id;  /* the key that sealed them, or NULL */
    int is_default;
    int active;
    int provider_enabled;
    int priority;
    const char *callback_token; /* identifies the credential in provider callback URLs */
};

struct store_bootstrap {
    const char *user_id, *email, *password_hash;
    const char *project_id, *project_name;
    const char *key_id, *key_prefix, *key_scopes;
    unsigned char key_hash[32];
    const char *provider_id, *provider_name, *provider_driver, *provider_caps;
    const char *credential_id, *credential_settings;
    int64_t now;
};

struct store_message_filter {
    const char *project_id; /* required */
    int status;             /* -1 any */
    const char *to;         /* exact E.164 or NULL */
    const char *id_from;    /* inclusive lower id bound (date range as ids) or NULL */
    const char *id_to;      /* exclusive upper id bound or NULL */
    const char *cursor;     /* return ids strictly below this (newest first) or NULL */
    int limit;
};

struct store_cfg {
    int sync_full;  /* 1: synchronous=FULL (default) */
    int read_conns; /* size of the read pool */
    const struct log *log;
};

/* ---- control plane: portable queries --------------------------------------------------- */
/*
 * Low-rate data (users, projects, keys, tokens, providers, credentials, routes, audit …) is
 * read and written through one generic executor per backend. Each domain has its file in
 * store/ (e.g. store/identity.c) holding its queries as `struct store_q` — portable SQL with
 * $1..$n parameters, and a per-backend override only where the dialects differ — plus typed
 * wrappers declared in its header, which is what core and api call. The hot message path
 * keeps its hand-tuned statements (sqlite_ops.c, pg_ops.c).
 *
 * Portable SQL: $N parameters (SQLite takes them as named parameters), ON CONFLICT … DO
 * NOTHING/UPDATE, RETURNING, CAST(x AS BIGINT), integers for flags. Never select a BLOB
 * column (cells are text); compare blobs through a parameter instead.
 */
#define STORE_MAX_ARGS 64

enum store_arg_type { STORE_ARG_TEXT, STORE_ARG_INT, STORE_ARG_BLOB };

/* Parameters $1..$n, in order. Values are borrowed until the call returns. */
struct store_args {
    int n;
    struct store_arg {
        enum store_arg_type type;
        int is_null;
        const char *s;
        int64_t i;
        const void *b;
        size_t len;
    } v[STORE_MAX_ARGS];
};

void store_arg_text(struct store_args *a, const char *s); /* NULL → SQL NULL */
void store_arg_int(struct store_args *a, int64_t v);
void store_arg_int_null(struct store_args *a);
void store_arg_time(struct store_args *a, int64_t v); /* 0 → SQL NULL */
void store_arg_blob(struct store_args *a, const void *b, size_t len);

enum store_q_flags {
    STORE_Q_ONE = 1 << 0, /* a write that must change at least one row: SH_ENOTFOUND otherwise,
                             and the whole store_write is rolled back */
};

struct store_q {
    const char *name;       /* for logs */
    const char *sql;        /* portable SQL */
    const char *sql_sqlite; /* override for SQLite, or NULL */
    const char *sql_pg;     /* override for PostgreSQL, or NULL */
    unsigned flags;
};

/* Result rows: cells row-major, text, NULL for SQL NULL, allocated in the caller's arena. */
struct store_rows {
    size_t n, ncols;
    const char **cells;
    int64_t changes; /* rows a write changed */
};

/* Cell (row, col) or NULL; out-of-range is NULL. */
const char *store_cell(const struct store_rows *r, size_t row, size_t col);
/* Cell as an integer (NULL or out-of-range → 0). */
int64_t store_cell_int(const struct store_rows *r, size_t row, size_t col);

/* One statement of a store_write. out may be NULL. */
struct store_step {
    const struct store_q *q;
    const struct store_args *args; /* may be NULL: no parameters */
    struct store_rows *out;
};

/*
 * Runs read query q on a read connection. Rows go to out, strings in a. Returns SH_OK or
 * SH_EIO (logged). Blocks; any thread but the writer's.
 */
int store_read(struct store *s, const struct store_q *q, const struct store_args *args,
               struct arena *a, struct store_rows *out);

/* store_read for a query that expects a row: SH_ENOTFOUND when it finds none. */
int store_read_one(struct store *s, const struct store_q *q, const struct store_args *args,
                   struct arena *a, struct store_rows *out);

/*
 * Runs steps in order in one transaction on the writer (group-committed with whatever else is
 * queued). All or nothing: SH_OK when committed; SH_ENOTFOUND when a STORE_Q_ONE step changed
 * no row; SH_EEXIST on a unique-key conflict; SH_EINVAL on another constraint; SH_EFULL when
 * the disk is full or read-only; SH_EIO otherwise. Outputs (RETURNING rows, changes) are
 * valid only on SH_OK. Blocks; not from the writer thread.
 */
int store_write(struct store *s, struct store_step *steps, size_t n, struct arena *a);

struct store_ops {
    const char *scheme; /* "sqlite", "postgres" */
    int (*open)(const char *url, const struct store_cfg *cfg, struct store **out);
    void (*close)(struct store *s);
    int (*migrate)(struct store *s, int *applied);
    int (*schema_version)(struct store *s, int *version);
    int (*ping)(struct store *s);
    int (*bootstrap)(struct store *s, const struct store_bootstrap *b);
    int (*api_key_find)(struct store *s, const unsigned char hash[32], struct store_api_key *out);
    int (*credentials_load)(struct store *s, struct arena *a, struct store_credential **out,
                            size_t *n);
    int (*accept)(struct store *s, struct store_accept *req, size_t n, store_done_cb cb, void *arg);
    int (*claim)(struct store *s, struct store_claim *c, store_done_cb cb, void *arg);
    int (*update)(struct store *s, struct store_update *u, size_t n, store_done_cb cb, void *arg);
    int (*recover)(struct store *s, const char *owner, int64_t now, size_t *in_doubt);
    int (*purge_idempotency)(struct store *s, int64_t older_than, size_t *purged);
    int (*message_get)(struct store *s, const char *project_id, const char *id, struct arena *a,
                       struct store_message *out);
    int (*message_events)(struct store *s, const char *id, struct arena *a,
                          struct store_event **out, size_t *n);
    int (*message_list)(struct store *s, const struct store_message_filter *f, struct arena *a,
                        struct store_message **out, size_t *n);
    int (*count_due)(struct store *s, int64_t *n);
    int (*read)(struct store *s, const struct store_q *q, const struct store_args *args,
                struct arena *a, struct store_rows *out);
    int (*write)(struct store *s, struct store_step *steps, size_t n, struct arena *a);
};

/* Every backend's struct starts with this. */
struct store {
    const struct store_ops *ops;
};

/*
 * Opens the backend named by url ("sqlite:PATH", "sqlite://PATH", a bare path, or
 * "postgres://…"). Returns SH_OK and *out (caller closes with store_close), SH_EINVAL for an
 * unknown scheme, SH_EIO when the database cannot be opened. Does not migrate.
 */
int store_open(const char *url, const struct store_cfg *cfg, struct store **out);

/* Flushes queued writes, stops the writer, closes every connection. NULL is a no-op. */
void store_close(struct store *s);

/* Applies pending migrations; *applied (may be NULL) counts them. Blocks. */
int store_migrate(struct store *s, int *applied);
int store_schema_version(struct store *s, int *version);
int store_ping(struct store *s);

/* Creates the first user, project, key, simulator provider and credential in one
 * transaction. SH_EEXIST when the database already has a user. Blocks. */
int store_bootstrap(struct store *s, const struct store_bootstrap *b);

/* Finds an API key by its SHA-256. SH_ENOTFOUND when unknown. Blocks (read pool). */
int store_api_key_find(struct store *s, const unsigned char hash[32], struct store_api_key *out);

/* Every non-deleted credential with its provider's driver and enabled flag, rows in a. */
int store_credentials_load(struct store *s, struct arena *a, struct store_credential **out,
                           size_t *n);

/*
 * Inserts n messages, each with its `queued` event and idempotency record, in one group
 * commit (async). Per request `result` says inserted / replay / conflict.
 */
int store_accept(struct store *s, struct store_accept *req, size_t n, store_done_cb cb, void *arg);

/*
 * Claims up to c->limit due messages (due_at <= now, highest priority first, oldest first),
 * moving each claimed row's due_at to now + lease_ms and, for queued ones, recording owner
 * as the lease holder. Async.
 */
int store_claim(struct store *s, struct store_claim *c, store_done_cb cb, void *arg);

/* Applies n conditional updates, each with one event, in one commit. Async. */
int store_update(struct store *s, struct store_update *u, size_t n, store_done_cb cb, void *arg);

/*
 * At start-up: every queued message still leased for submit by another run of this node
 * (owners are "<node>/<run>") or by anyone whose lease ran out is marked in doubt (an event
 * says so), released and made due now. Leases of other live nodes are left alone.
 * *in_doubt counts them. Blocks.
 */
int store_recover(struct store *s, const char *owner, int64_t now, size_t *in_doubt);

/* Deletes every idempotency record created before older_than, in bounded chunks (each its own
 * writer job). Blocks. */
int store_purge_idempotency(struct store *s, int64_t older_than, size_t *purged);

/* Reads one message of project_id (SH_ENOTFOUND for another project's). Strings in a. */
int store_message_get(struct store *s, const char *project_id, const char *id, struct arena *a,
                      struct store_message *out);
int store_message_events(struct store *s, const char *id, struct arena *a, struct store_event **out,
                         size_t *n);
int store_message_list(struct store *s, const struct store_message_filter *f, struct arena *a,
                       struct store_message **out, size_t *n);

/* Messages not yet in a final state (due_at set). */
int store_count_due(struct store *s, int64_t *n);

#endif
