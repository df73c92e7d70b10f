/* price.c — see price.h. */
#include "core/price.h"
#include "core/field_error.h"
#include "core/money.h"

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

static const char *fname(struct arena *a, const char *where, const char *name)
{
    return where != NULL ? arena_printf(a, "%s%s", where, name) : name;
}

static int id_like(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

void price_row_check(const struct price_row *p, struct field_errors *fe, struct arena *a,
                     const char *where)
{
    static const char *const owners[] = {"credential_id", "provider_id", "project_id"};
    const char *owner_val[] = {p->credential_id, p->provider_id, p->project_id};
    for (int i = 0; i < 3; i++)
        if (owner_val[i] != NULL && !id_like(owner_val[i]))
            field_error_add(fe, fname(a, where, owners[i]), "invalid", "not a valid id");
    if (p->kind == PRICE_COST && p->project_id != NULL)
        field_error_add(fe, fname(a, where, "project_id"), "not_allowed",
                        "cost rows belong to a credential or a provider, not a project");
    if (p->kind == PRICE_SELL && (p->credential_id != NULL || p->provider_id != NULL))
        field_error_add(fe, fname(a, where, p->credential_id ? "credential_id" : "provider_id"),
                        "not_allowed", "sell rows belong to a project or to the platform");
    if (p->country != NULL &&
        !(strlen(p->country) == 2 && p->country[0] >= 'A' && p->country[0] <= 'Z' &&
          p->country[1] >= 'A' && p->country[1] <= 'Z'))
        field_error_add(fe, fname(a, where, "country"), "invalid",
                        "an ISO 3166-1 alpha-2 code in upper case, e.g. UZ");
    if (p->prefix != NULL) {
        size_t n = strlen(p->prefix);
        int ok = n >= 1 && n <= 15;
        for (size_t i = 0; ok && i < n; i++)
            ok = p->prefix[i] >= '0' && p->prefix[i] <= '9';
        if (!ok)
            field_error_add(fe, fname(a, where, "prefix"), "invalid",
                            "1-15 digits of the E.164 number without '+', e.g. 99890");
    }
    if (p->unit < 0)
        field_error_add(fe, fname(a, where, "unit_price"), "invalid", "must not be negative");
    if (!money_currency_ok(p->currency))
        field_error_add(fe, fname(a, where, "currency"), "invalid",
                        "an ISO 4217 code in upper case, e.g. USD");
    if (p->valid_from != 0 && p->valid_to != 0 && p->valid_from >= p->valid_to)
        field_error_add(fe, fname(a, where, "valid_to"), "invalid", "must be after valid_from");
}
