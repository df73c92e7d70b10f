/* price.c — see price.h. */
#include "core/price.h"

#include <string.h>

static int same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Owner rank: 2 most specific, 1 fallback, 0 platform-wide, -1 another owner's row. */
static int owner_rank(const struct price_row *r, const struct price_query *q)
{
    if (q->kind == PRICE_COST) {
        if (r->credential_id != NULL)
            return same(r->credential_id, q->credential_id) ? 2 : -1;
        if (r->provider_id != NULL)
            return same(r->provider_id, q->provider_id) ? 1 : -1;
        return 0;
    }
    if (r->project_id != NULL)
        return same(r->project_id, q->project_id) ? 2 : -1;
    return 0;
}

/* Destination rank: 2 + prefix length for a prefix, 1 for the country, 0 for the wildcard,
 * -1 when the row is for another destination. */
static int dest_rank(const struct price_row *r, const char *digits, const char *country)
{
    if (r->prefix != NULL && *r->prefix != '\0') {
        size_t n = strlen(r->prefix);
        return strncmp(digits, r->prefix, n) == 0 ? 2 + (int)n : -1;
    }
    if (r->country != NULL && *r->country != '\0')
        return country != NULL && strcmp(r->country, country) == 0 ? 1 : -1;
    return 0;
}

const struct price_row *price_lookup(const struct price_row *rows, size_t n,
                                     const struct price_query *q)
{
    const struct price_row *best = NULL;
    int best_owner = -1, best_dest = -1;
    const char *digits = q->number != NULL ? q->number : "";
    if (*digits == '+')
        digits++;
    for (size_t i = 0; i < n; i++) {
        const struct price_row *r = &rows[i];
        if (r->kind != q->kind)
            continue;
        if ((r->valid_from != 0 && q->at < r->valid_from) ||
            (r->valid_to != 0 && q->at >= r->valid_to))
            continue;
        int o = owner_rank(r, q), d = dest_rank(r, digits, q->country);
        if (o < 0 || d < 0)
            continue;
        if (best == NULL || o > best_owner || (o == best_owner && d > best_dest) ||
            (o == best_owner && d == best_dest && r->valid_from > best->valid_from)) {
            best = r;
            best_owner = o;
            best_dest = d;
        }
    }
    return best;
}
