/*
 * price.h — choosing the price of one message segment from a tariff (SPEC §7): pure and
 * unit-tested; the store loads the rows, this decides.
 *
 * A row applies when its kind matches, it is valid at the time asked (valid_from <= at <
 * valid_to, 0 = open), and its destination matches: a prefix (digits of the E.164 number
 * without '+') that starts the number, or a country, or neither (a wildcard). Among the rows
 * that apply, the most specific owner wins first (cost: the credential's table, then the
 * catalog provider's as fallback; sell: the project's own table, then the platform's), then the
 * most specific destination (the longest prefix, then a country, then the wildcard), then the
 * latest valid_from.
 */
#ifndef SH_CORE_PRICE_H
#define SH_CORE_PRICE_H

#include <stddef.h>
#include <stdint.h>

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

struct price_query {
    int kind;
    const char *credential_id, *provider_id; /* cost */
    const char *project_id;                  /* sell */
    const char *number;                      /* E.164 with or without '+' */
    const char *country;                     /* may be NULL */
    int64_t at;
};

/* The row that prices q among rows[0..n), or NULL when none applies. Returns borrowed. */
const struct price_row *price_lookup(const struct price_row *rows, size_t n,
                                     const struct price_query *q);

#endif
