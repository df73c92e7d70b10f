/*
 * pricecache.h — the price of a message at accept time (SPEC §7): a read-mostly snapshot of
 * the tariff rows, the projects' markups and prepaid flags and the active credentials,
 * refreshed from the store at most once a second (and at once after pricecache_invalidate).
 * The provider is not chosen yet at accept, so the estimate prices the credential the
 * project would most likely use (docs/billing.md). Any thread.
 */
#ifndef SH_CORE_PRICECACHE_H
#define SH_CORE_PRICECACHE_H

#include <stdint.h>

struct store;
struct pricecache;

struct price_estimate {
    int priced;       /* 0: no tariff applies, the other fields are zero */
    int64_t unit;     /* sell price of one segment, micro-units */
    int64_t total;    /* unit × segments */
    int64_t cost;     /* cost of all segments (0 when no cost row applies) */
    char currency[4]; /* of unit/total (the sell currency) */
    int prepaid;      /* the project debits its balance with the accept */
    char balance_currency[4];
    char credential_id[48]; /* the credential priced for the cost, "" none */
};

/* Returns a new cache reading from store (borrowed). */
struct pricecache *pricecache_new(struct store *store);
void pricecache_free(struct pricecache *c);

/* Forgets the snapshot: the next estimate re-reads (after a tariff or billing change). */
void pricecache_invalidate(struct pricecache *c);

/*
 * Prices `segments` segments to number/country for project_id at `at`, on the project's
 * credential for provider_id (NULL: its default credential, else its first by priority).
 * Sell price: the project's sell rows, then the platform's, then cost plus the project's
 * markup. SH_OK with *out filled; SH_EIO when the store cannot be read.
 */
int pricecache_estimate(struct pricecache *c, const char *project_id, const char *provider_id,
                        const char *number, const char *country, int segments, int64_t at,
                        struct price_estimate *out);

/* The project's low-balance threshold from the snapshot as it is (never reads the store):
 * SH_OK with *threshold, SH_ENOTFOUND when it has none. */
int pricecache_low_threshold(struct pricecache *c, const char *project_id, int64_t *threshold);

/*
 * The cost of `segments` segments on credential_id (of catalog provider provider_id) at
 * `at`: SH_OK with *cost and currency, SH_ENOTFOUND when no cost row applies, SH_EIO.
 */
int pricecache_cost(struct pricecache *c, const char *credential_id, const char *provider_id,
                    const char *number, const char *country, int segments, int64_t at,
                    int64_t *cost, char currency[4]);

#endif
