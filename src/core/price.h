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

#include "store/prices.h"

#include <stddef.h>
#include <stdint.h>

struct price_query {
    int kind;
    const char *credential_id, *provider_id; /* cost */
    const char *project_id;                  /* sell */
    const char *number;                      /* E.164 with or without '+' */
    const char *country;                     /* may be NULL */
    int64_t at;
};

/*
 * Checks a row as an operator entered it: cost rows may name a credential and/or a catalog
 * provider but no project, sell rows no credential or provider; country ISO alpha-2 upper
 * case; prefix 1-15 digits; unit >= 0; currency ISO 4217; valid_from < valid_to. Errors go to
 * fe with field names prefixed by where ("line 3.") when where is not NULL (strings in a).
 */
struct field_errors;
void price_row_check(const struct price_row *p, struct field_errors *fe, struct arena *a,
                     const char *where);

/* The row that prices q among rows[0..n), or NULL when none applies. Returns borrowed. */
const struct price_row *price_lookup(const struct price_row *rows, size_t n,
                                     const struct price_query *q);

#endif
