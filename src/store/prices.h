/*
 * prices.h — tariff rows (table prices; core/price.h decides which applies). Blocks; any
 * thread but the writer's.
 */
#ifndef SH_STORE_PRICES_H
#define SH_STORE_PRICES_H

#include "store/audit.h"
#include "store/store.h"

/* A tariff row. Strings owned by whoever filled it (an arena, usually). */
enum price_kind { PRICE_COST = 0, PRICE_SELL = 1 };

struct price_row {
    const char *id;
    int kind;                  /* enum price_kind */
    const char *credential_id; /* cost rows: the credential's own table, or NULL */
    const char *provider_id;   /* cost rows: the catalog provider's table, or NULL */
    const char *project_id;    /* sell rows: the project's own table, or NULL (platform) */
    const char *country;       /* ISO 3166-1 alpha-2 or NULL */
    const char *prefix;        /* digits or NULL */
    int64_t unit;              /* micro-units per segment */
    char currency[4];
    int64_t valid_from, valid_to; /* ms, 0 = open */
};

/* Inserts n rows (ids set by the caller) and, when audit is not NULL, that entry, in one
 * transaction. */
int store_prices_insert(struct store *s, const struct price_row *rows, size_t n,
                        const struct audit_entry *audit);

/* One live row by id. SH_ENOTFOUND. Strings in a. */
int store_price_get(struct store *s, const char *id, struct arena *a, struct price_row *out);

/* Replaces the row's fields (not its id or kind) and appends audit, in one transaction.
 * SH_ENOTFOUND when there is no live row. */
int store_price_update(struct store *s, const struct price_row *p, const struct audit_entry *audit);

/* Soft-deletes a row with audit. SH_ENOTFOUND when there is no live row. */
int store_price_delete(struct store *s, const char *id, const struct audit_entry *audit);

struct price_filter {
    int kind;                  /* -1 any */
    const char *credential_id; /* NULL any */
    const char *provider_id;
    const char *project_id;
    const char *cursor; /* ids above this (oldest first), or NULL */
    int limit;          /* 0: all (for exports and lookups) */
};

/* Live rows matching f, oldest id first. Rows and strings in a. */
int store_prices_list(struct store *s, const struct price_filter *f, struct arena *a,
                      struct price_row **out, size_t *n);

#endif
