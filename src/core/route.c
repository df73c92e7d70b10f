/* route.c — see route.h. */
#include "core/route.h"

#include <string.h>

static const char *digits(const char *s)
{
    return s != NULL && *s == '+' ? s + 1 : s;
}

int route_rule_matches(const struct route_rule *rule, const struct route_req *m)
{
    if (strcmp(rule->project_id, m->project_id) != 0)
        return 0;
    if (rule->country != NULL && *rule->country != '\0' &&
        (m->country == NULL || strcasecmp(rule->country, m->country) != 0))
        return 0;
    if (rule->prefix != NULL && *rule->prefix != '\0') {
        const char *p = digits(rule->prefix), *to = digits(m->to);
        if (to == NULL || strncmp(to, p, strlen(p)) != 0)
            return 0;
    }
    if (rule->msg_type >= 0 && rule->msg_type != m->msg_type)
        return 0;
    return 1;
}

static size_t prefix_len(const struct route_rule *r)
{
    return r->prefix != NULL ? strlen(digits(r->prefix)) : 0;
}

/* Whether rule a goes before rule b. */
static int rule_before(const struct route_rule *a, const struct route_rule *b)
{
    if (a->position != b->position)
        return a->position < b->position;
    return prefix_len(a) > prefix_len(b);
}

struct acc {
    size_t *out;
    size_t cap;
    size_t n;
    size_t skipped;
    int counting_skips; /* only a pinned credential counts here; the rest at the end */
};

/* Appends creds[i] when eligible for m and not already listed. */
static void add(struct acc *a, const struct route_req *m, const struct route_cred *creds, size_t i)
{
    const struct route_cred *c = &creds[i];
    if (strcmp(c->project_id, m->project_id) != 0 || !c->usable)
        return;
    if (m->provider != NULL && strcmp(c->provider_id, m->provider) != 0)
        return;
    for (size_t k = 0; k < a->n; k++) {
        if (a->out[k] == i)
            return;
    }
    if (c->skip) {
        a->skipped += a->counting_skips;
        return;
    }
    if (a->n < a->cap)
        a->out[a->n++] = i;
}

static void add_by_id(struct acc *a, const struct route_req *m, const struct route_cred *creds,
                      size_t ncreds, const char *id)
{
    for (size_t i = 0; i < ncreds; i++) {
        if (strcmp(creds[i].id, id) == 0) {
            add(a, m, creds, i);
            return;
        }
    }
}

size_t route_candidates(const struct route_req *m, const struct route_rule *rules, size_t nrules,
                        const struct route_cred *creds, size_t ncreds, size_t *out, size_t cap,
                        size_t *skipped)
{
    struct acc a = {.out = out, .cap = cap};
    unsigned char used[256] = {0};

    if (m->credential_id != NULL) {
        a.counting_skips = 1;
        add_by_id(&a, m, creds, ncreds, m->credential_id);
        goto out;
    }
    /* matching rules, best first (a selection over at most 256 rules of the project) */
    for (;;) {
        const struct route_rule *best = NULL;
        size_t bi = 0;
        for (size_t i = 0; i < nrules && i < sizeof(used); i++) {
            if (used[i] || !route_rule_matches(&rules[i], m))
                continue;
            if (best == NULL || rule_before(&rules[i], best)) {
                best = &rules[i];
                bi = i;
            }
        }
        if (best == NULL)
            break;
        used[bi] = 1;
        add_by_id(&a, m, creds, ncreds, best->credential_id);
    }
    for (size_t i = 0; i < ncreds; i++) {
        if (creds[i].is_default)
            add(&a, m, creds, i);
    }
    /* the rest by priority (stable: equal priorities keep the table's order) */
    for (;;) {
        size_t best = ncreds;
        for (size_t i = 0; i < ncreds; i++) {
            int listed = 0;
            for (size_t k = 0; k < a.n && !listed; k++)
                listed = a.out[k] == i;
            if (listed || creds[i].skip || !creds[i].usable ||
                strcmp(creds[i].project_id, m->project_id) != 0 ||
                (m->provider != NULL && strcmp(creds[i].provider_id, m->provider) != 0))
                continue;
            if (best == ncreds || creds[i].priority < creds[best].priority)
                best = i;
        }
        if (best == ncreds || a.n >= a.cap)
            break;
        add(&a, m, creds, best);
    }
    /* count skipped ones not reached through rules or the default */
    for (size_t i = 0; i < ncreds; i++) {
        if (creds[i].skip && creds[i].usable && strcmp(creds[i].project_id, m->project_id) == 0 &&
            (m->provider == NULL || strcmp(creds[i].provider_id, m->provider) == 0))
            a.skipped++;
    }
out:
    if (skipped != NULL)
        *skipped = a.skipped;
    return a.n;
}
