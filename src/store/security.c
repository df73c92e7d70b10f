/*
 * security.c — guard settings, platform settings, nonces and quota counters
 * (store/security.h). Portable SQL, with a per-backend override to read a BLOB as hex.
 */
#include "store/security.h"

#include "lib/err.h"
#include "lib/xalloc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct store_q q_guard = {
    "security.guard", NULL,
    "SELECT hmac_mode, hex(hmac_secret), hmac_key_id, ip_allowlist, rate_limit_rps, "
    "quota_daily, quota_monthly FROM projects WHERE id = $1 AND deleted_at IS NULL",
    "SELECT hmac_mode, encode(hmac_secret, 'hex'), hmac_key_id, ip_allowlist, rate_limit_rps, "
    "quota_daily, quota_monthly FROM projects WHERE id = $1 AND deleted_at IS NULL",
    0};

static const struct store_q q_security_set = {
    "security.set",
    "UPDATE projects SET hmac_mode = CASE WHEN $2 < 0 THEN hmac_mode ELSE $2 END, "
    "ip_allowlist = COALESCE($3, ip_allowlist), updated_at = $4 "
    "WHERE id = $1 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_signing_set = {
    "security.signing_set",
    "UPDATE projects SET hmac_secret = $2, hmac_key_id = $3, updated_at = $4 "
    "WHERE id = $1 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_limits_set = {
    "security.limits_set",
    "UPDATE projects SET "
    "rate_limit_rps = CASE WHEN $2 = 1 THEN $3 ELSE rate_limit_rps END, "
    "quota_daily = CASE WHEN $4 = 1 THEN $5 ELSE quota_daily END, "
    "quota_monthly = CASE WHEN $6 = 1 THEN $7 ELSE quota_monthly END, updated_at = $8 "
    "WHERE id = $1 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_setting_get = {
    "settings.get", "SELECT value FROM settings WHERE key = $1", NULL, NULL, 0};

static const struct store_q q_setting_set = {
    "settings.set",
    "INSERT INTO settings(key, value, updated_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    NULL, NULL, 0};

static const struct store_q q_setting_del = {"settings.delete",
                                             "DELETE FROM settings WHERE key = $1", NULL, NULL, 0};

static const struct store_q q_nonce = {
    "nonce.claim", "INSERT INTO request_nonces(project_id, nonce, at) VALUES ($1, $2, $3)", NULL,
    NULL, 0};

static const struct store_q q_nonce_purge = {
    "nonce.purge", "DELETE FROM request_nonces WHERE at < $1", NULL, NULL, 0};

static const struct store_q q_counters_get = {
    "counters.get",
    "SELECT period, count FROM project_counters WHERE project_id = $1 AND period IN ($2, $3)", NULL,
    NULL, 0};

static const struct store_q q_counters_add = {
    "counters.add",
    "INSERT INTO project_counters(project_id, period, count) VALUES ($1, $2, $3) "
    "ON CONFLICT (project_id, period) DO UPDATE SET count = project_counters.count + "
    "excluded.count",
    NULL, NULL, 0};

/* Runs one step and its audit entry (e may be NULL) in one write. */
int store_project_guard_get(struct store *s, const char *project_id,
                            struct store_project_guard *out)
{
    struct store_args a = {0};
    struct store_rows rows;
    struct arena ar;
    int st;
    store_arg_text(&a, project_id);
    arena_init(&ar);
    memset(out, 0, sizeof(*out));
    st = store_read(s, &q_guard, &a, &ar, &rows);
    if (st != SH_OK)
        goto out;
    if (rows.n == 0) {
        st = SH_ENOTFOUND;
        goto out;
    }
    out->hmac_mode = (int)store_cell_int(&rows, 0, 0);
    const char *hex = store_cell(&rows, 0, 1);
    if (hex != NULL && *hex != '\0' &&
        sodium_hex2bin(out->hmac_secret, sizeof(out->hmac_secret), hex, strlen(hex), NULL,
                       &out->hmac_secret_len, NULL) != 0)
        out->hmac_secret_len = 0;
    snprintf(out->hmac_key_id, sizeof(out->hmac_key_id), "%s",
             store_cell(&rows, 0, 2) ? store_cell(&rows, 0, 2) : "");
    snprintf(out->ip_allowlist, sizeof(out->ip_allowlist), "%s",
             store_cell(&rows, 0, 3) ? store_cell(&rows, 0, 3) : "");
    out->rate_limit_rps = store_cell_int(&rows, 0, 4);
    out->quota_daily = store_cell_int(&rows, 0, 5);
    out->quota_monthly = store_cell_int(&rows, 0, 6);
out:
    arena_release(&ar);
    return st;
}

int store_project_security_set(struct store *s, const char *project_id, int hmac_mode,
                               const char *ip_allowlist, int64_t now, const struct audit_entry *e)
{
    struct store_args a = {0};
    store_arg_text(&a, project_id);
    store_arg_int(&a, hmac_mode);
    store_arg_text(&a, ip_allowlist);
    store_arg_int(&a, now);
    return store_write_audited(s, &q_security_set, &a, e);
}

int store_project_signing_set(struct store *s, const char *project_id, const void *ct, size_t len,
                              const char *kid, int64_t now, const struct audit_entry *e)
{
    struct store_args a = {0};
    store_arg_text(&a, project_id);
    store_arg_blob(&a, ct, len);
    store_arg_text(&a, kid);
    store_arg_int(&a, now);
    return store_write_audited(s, &q_signing_set, &a, e);
}

static void limit_args(struct store_args *a, const struct store_limit_set *l)
{
    store_arg_int(a, l->set ? 1 : 0);
    if (l->set && l->value > 0)
        store_arg_int(a, l->value);
    else
        store_arg_int_null(a);
}

int store_project_limits_set(struct store *s, const char *project_id,
                             const struct store_limit_set *rps, const struct store_limit_set *day,
                             const struct store_limit_set *month, int64_t now,
                             const struct audit_entry *e)
{
    struct store_args a = {0};
    store_arg_text(&a, project_id);
    limit_args(&a, rps);
    limit_args(&a, day);
    limit_args(&a, month);
    store_arg_int(&a, now);
    return store_write_audited(s, &q_limits_set, &a, e);
}

int store_setting_get_int(struct store *s, const char *key, int64_t *out)
{
    struct store_args a = {0};
    struct store_rows rows;
    struct arena ar;
    int st;
    store_arg_text(&a, key);
    arena_init(&ar);
    st = store_read_one(s, &q_setting_get, &a, &ar, &rows);
    if (st == SH_OK)
        *out = strtoll(store_cell(&rows, 0, 0) ? store_cell(&rows, 0, 0) : "0", NULL, 10);
    arena_release(&ar);
    return st;
}

int store_setting_set_int(struct store *s, const char *key, int64_t value, int64_t now,
                          const struct audit_entry *e)
{
    struct store_args a = {0};
    char text[24];
    snprintf(text, sizeof(text), "%lld", (long long)value);
    store_arg_text(&a, key);
    if (value <= 0)
        return store_write_audited(s, &q_setting_del, &a, e);
    store_arg_text(&a, text);
    store_arg_int(&a, now);
    return store_write_audited(s, &q_setting_set, &a, e);
}

int store_nonce_claim(struct store *s, const char *project_id, const char *nonce, int64_t now)
{
    struct store_args a = {0};
    store_arg_text(&a, project_id);
    store_arg_text(&a, nonce);
    store_arg_int(&a, now);
    return store_write_audited(s, &q_nonce, &a, NULL);
}

int store_nonce_purge(struct store *s, int64_t before)
{
    struct store_args a = {0};
    store_arg_int(&a, before);
    return store_write_audited(s, &q_nonce_purge, &a, NULL);
}

int store_counters_get(struct store *s, const char *project_id, const char *day, const char *month,
                       int64_t *day_n, int64_t *month_n)
{
    struct store_args a = {0};
    struct store_rows rows;
    struct arena ar;
    int st;
    store_arg_text(&a, project_id);
    store_arg_text(&a, day);
    store_arg_text(&a, month);
    arena_init(&ar);
    *day_n = *month_n = 0;
    st = store_read(s, &q_counters_get, &a, &ar, &rows);
    for (size_t i = 0; st == SH_OK && i < rows.n; i++) {
        const char *p = store_cell(&rows, i, 0);
        if (p != NULL && strcmp(p, day) == 0)
            *day_n = store_cell_int(&rows, i, 1);
        else if (p != NULL && strcmp(p, month) == 0)
            *month_n = store_cell_int(&rows, i, 1);
    }
    arena_release(&ar);
    return st;
}

int store_counters_add(struct store *s, const struct store_counter_add *c, size_t n)
{
    struct store_args *args;
    struct store_step *steps;
    struct arena ar;
    int st;
    if (n == 0)
        return SH_OK;
    args = xcalloc(n, sizeof(*args));
    steps = xcalloc(n, sizeof(*steps));
    for (size_t i = 0; i < n; i++) {
        store_arg_text(&args[i], c[i].project_id);
        store_arg_text(&args[i], c[i].period);
        store_arg_int(&args[i], c[i].n);
        steps[i] = (struct store_step){&q_counters_add, &args[i], NULL};
    }
    arena_init(&ar);
    st = store_write(s, steps, n, &ar);
    arena_release(&ar);
    free(args);
    free(steps);
    return st;
}
