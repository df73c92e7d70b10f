/*
 * route.h — routing of one outbound message to an ordered list of credentials (SPEC §3.4).
 *
 * Order: a pinned credential (chosen earlier) alone; else an explicit provider's credentials
 * alone; else the project's matching route rules (by position, then longest prefix), then the
 * project default credential, then its other credentials by priority. The list is the
 * failover order. Pure: no I/O, no clock, no allocation.
 */
#ifndef SH_CORE_ROUTE_H
#define SH_CORE_ROUTE_H

#include <stddef.h>

#define ROUTE_MAX_CANDIDATES 16

struct route_rule {
    const char *project_id;
    const char *country; /* ISO alpha-2, or NULL: any */
    const char *prefix;  /* digits of the E.164 number (a leading '+' is ignored), or NULL */
    int msg_type;        /* -1: any */
    int position;        /* lower first */
    const char *credential_id;
};

struct route_cred {
    const char *id;
    const char *project_id;
    const char *provider_id;
    int is_default;
    int priority; /* lower first */
    int usable;   /* active, provider enabled, driver open */
    int skip;     /* usable but not to be tried now (health DOWN, cooling down) */
};

struct route_req {
    const char *project_id;
    const char *to; /* E.164 */
    const char *country;
    int msg_type;
    const char *provider;      /* explicit provider slug, or NULL */
    const char *credential_id; /* pinned credential, or NULL */
};

/*
 * Fills out[0..cap) with indexes into creds in failover order (no duplicates, only usable
 * and not skipped ones) and returns how many. *skipped (may be NULL) counts eligible
 * credentials left out only because of `skip` — the caller waits for them instead of
 * failing the message when the list is empty. Borrows everything.
 */
size_t route_candidates(const struct route_req *m, const struct route_rule *rules, size_t nrules,
                        const struct route_cred *creds, size_t ncreds, size_t *out, size_t cap,
                        size_t *skipped);

/* Whether rule matches m (country, prefix, message type). */
int route_rule_matches(const struct route_rule *rule, const struct route_req *m);

#endif
