/*
 * security.h — what the request guards read and the security/limits settings write
 * (SPEC §2.4–2.6): a project's signing mode and sealed secret, IP allowlist, rate limit and
 * quotas; platform settings; signing nonces; message counters for quotas.
 */
#ifndef SH_STORE_SECURITY_H
#define SH_STORE_SECURITY_H

#include "store/audit.h"
#include "store/store.h"

#define STORE_SECRET_MAX 256 /* bytes of a sealed secret */

struct store_project_guard {
    int hmac_mode;                               /* 0 off, 1 optional, 2 required */
    unsigned char hmac_secret[STORE_SECRET_MAX]; /* sealed */
    size_t hmac_secret_len;                      /* 0: none */
    char hmac_key_id[24];
    char ip_allowlist[2100];
    int64_t rate_limit_rps; /* 0: none */
    int64_t quota_daily;    /* 0: none */
    int64_t quota_monthly;  /* 0: none */
};

/* The guard settings of a live project. SH_OK, SH_ENOTFOUND, SH_EIO. Blocks. */
int store_project_guard_get(struct store *s, const char *project_id,
                            struct store_project_guard *out);

/* Sets hmac_mode (< 0 keeps) and ip_allowlist (NULL keeps) of a live project. Blocks. */
int store_project_security_set(struct store *s, const char *project_id, int hmac_mode,
                               const char *ip_allowlist, int64_t now, const struct audit_entry *e);

/* Stores a new sealed signing secret (ct of len bytes, sealed with key kid). Blocks. */
int store_project_signing_set(struct store *s, const char *project_id, const void *ct, size_t len,
                              const char *kid, int64_t now, const struct audit_entry *e);

/* A limit to change: set = 0 keeps it; value <= 0 clears it. */
struct store_limit_set {
    int set;
    int64_t value;
};

/* Changes a live project's rate_limit_rps, quota_daily, quota_monthly. Blocks. */
int store_project_limits_set(struct store *s, const char *project_id,
                             const struct store_limit_set *rps, const struct store_limit_set *day,
                             const struct store_limit_set *month, int64_t now,
                             const struct audit_entry *e);

/* A platform setting as an integer: SH_OK, SH_ENOTFOUND, SH_EIO. Blocks. */
int store_setting_get_int(struct store *s, const char *key, int64_t *out);

/* Sets (value > 0) or deletes (value <= 0) a platform setting. Blocks. */
int store_setting_set_int(struct store *s, const char *key, int64_t value, int64_t now,
                          const struct audit_entry *e);

/* Remembers a signing nonce; SH_EEXIST when the project used it already (a replay). */
int store_nonce_claim(struct store *s, const char *project_id, const char *nonce, int64_t now);

/* Forgets nonces older than before. Blocks. */
int store_nonce_purge(struct store *s, int64_t before);

/* Reads the counts of two periods ("d:2026-01-31", "m:2026-01") of a project. Blocks. */
int store_counters_get(struct store *s, const char *project_id, const char *day, const char *month,
                       int64_t *day_n, int64_t *month_n);

struct store_counter_add {
    const char *project_id;
    const char *period;
    int64_t n;
};

/* Adds to n counters in one write. Blocks. */
int store_counters_add(struct store *s, const struct store_counter_add *c, size_t n);

#endif
