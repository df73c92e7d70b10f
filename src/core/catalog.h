/*
 * catalog.h — validators for the provider control plane (SPEC §3.1, §3.4): catalog slugs
 * and capabilities, route rule fields, per-project dispatch policy. Pure functions, any
 * thread; the API turns their answers into problem+json field errors.
 */
#ifndef SH_CORE_CATALOG_H
#define SH_CORE_CATALOG_H

#include <jansson.h>

#define CATALOG_RETRY_MAX 10       /* entries of a retry schedule, and max_retries */
#define CATALOG_RETRY_MAX_S 86400  /* one step of a retry schedule, in seconds */

/* 1 when s matches ^[a-z0-9][a-z0-9_-]{1,31}$ (a provider id), 0 otherwise (NULL: 0). */
int catalog_slug_valid(const char *s);

/* 1 when s is a known capability: dlr, unicode, concat, inbound, balance, status_poll. */
int catalog_capability_known(const char *s);

/* 1 when v is an array of at most 16 distinct known capabilities. */
int catalog_capabilities_valid(const json_t *v);

/* 1 when s is an ISO 3166-1 alpha-2 code in upper case ("UZ"). */
int catalog_country_valid(const char *s);

/* 1 when s is 1-15 digits (an E.164 prefix without '+'). */
int catalog_prefix_valid(const char *s);

/* The message type named s ("otp" 0, "transactional" 1, "marketing" 2), or -1. */
int catalog_msg_type_parse(const char *s);

/*
 * Parses a retry schedule: an array of 1..CATALOG_RETRY_MAX integers, each 1..86400 seconds.
 * Writes the entries to secs (cap CATALOG_RETRY_MAX) and returns their count, or -1.
 */
int catalog_retry_schedule_parse(const json_t *v, int *secs);

#endif
