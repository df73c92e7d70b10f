/*
 * credential.c — see credential.h. Plaintext secrets live in memory only as long as a call
 * needs them and are wiped before they are freed.
 */
#include "core/credential.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "lib/arena.h"
#include "lib/log.h"
#include "providers/provider.h"
#include "store/credentials.h"
#include "store/store.h"

#include <event2/event.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cred_label(const char *cred_id, char *out)
{
    snprintf(out, CRED_LABEL_MAX, "cred:%s", cred_id);
    return out;
}

static int field_name_ok(const char *k)
{
    size_t n = strlen(k);
    return n >= 1 && n <= 64 && strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int cred_secrets_check(const json_t *secrets, struct field_errors *fe)
{
    const char *k;
    json_t *v;
    int bad = 0;

    if (!json_is_object(secrets)) {
        field_error_add(fe, "secrets", "invalid_type", "secrets must be an object of strings");
        return -1;
    }
    if (json_object_size(secrets) > CRED_SECRET_FIELDS_MAX) {
        field_error_add(fe, "secrets", "too_many", "at most %d secret fields",
                        CRED_SECRET_FIELDS_MAX);
        return -1;
    }
    json_object_foreach((json_t *)secrets, k, v) {
        if (!field_name_ok(k)) {
            field_error_add(fe, "secrets", "invalid_name",
                            "secret field names are 1-64 characters of [a-z0-9_]");
            bad = 1;
        } else if (!json_is_string(v) || json_string_length(v) == 0 ||
                   json_string_length(v) > CRED_SECRET_VALUE_MAX) {
            /* the value is never echoed: only the name of the field */
            field_error_add(fe, "secrets", "invalid_value",
                            "secret field \"%s\" must be a non-empty string of at most %d bytes",
                            k, CRED_SECRET_VALUE_MAX);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *cred_secret_fields(const json_t *secrets)
{
    const char *names[CRED_SECRET_FIELDS_MAX];
    size_t n = 0;
    const char *k;
    json_t *v;
    json_t *arr = json_array();

    json_object_foreach((json_t *)secrets, k, v) {
        (void)v;
        if (n < CRED_SECRET_FIELDS_MAX)
            names[n++] = k;
    }
    qsort(names, n, sizeof(names[0]), cmp_str);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(names[i]));
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text;
}

int cred_secret_seal(const struct sealer *s, const char *cred_id, const json_t *secrets,
                     unsigned char **out, size_t *outlen, char kid[SEAL_KEY_ID_LEN],
                     char fp[32])
{
    char label[CRED_LABEL_MAX];
    char *pt = json_dumps(secrets, JSON_COMPACT | JSON_SORT_KEYS);
    size_t len = strlen(pt);
    int st = seal_seal(s, cred_label(cred_id, label), pt, len, out, outlen, kid);
    if (st == SH_OK)
        seal_fingerprint(pt, len, fp);
    sodium_memzero(pt, len);
    free(pt);
    return st;
}

int cred_secret_open(const struct sealer *s, const char *cred_id, const void *sealed, size_t len,
                     const char *kid, char **out, size_t *outlen)
{
    char label[CRED_LABEL_MAX];
    return seal_open(s, kid, cred_label(cred_id, label), sealed, len, out, outlen);
}

void cred_settings_merge(json_t *target, const json_t *patch)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v) {
        if (json_is_null(v))
            json_object_del(target, k);
        else
            json_object_set(target, k, v);
    }
}

char *cred_driver_settings(const json_t *default_config, const json_t *settings,
                           const json_t *secrets)
{
    json_t *m = json_object();
    if (json_is_object(default_config))
        json_object_update(m, (json_t *)default_config);
    if (json_is_object(settings))
        json_object_update(m, (json_t *)settings);
    if (json_is_object(secrets))
        json_object_update(m, (json_t *)secrets);
    char *text = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    return text;
}

/* 1 when err quotes any secret value (a driver echoing its input). */
static int quotes_secret(const char *err, const json_t *secrets)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)secrets, k, v) {
        const char *s = json_string_value(v);
        if (s != NULL && *s != '\0' && strstr(err, s) != NULL)
            return 1;
    }
    return 0;
}

int cred_validate(const char *driver, const json_t *default_config, const json_t *settings,
                  const json_t *secrets, char *err, size_t errcap)
{
    const struct provider_ops *ops = provider_find(driver);
    struct event_base *base = NULL;
    void *state = NULL;
    char *text = NULL;
    int st;

    if (ops == NULL)
        return SH_ENOTFOUND;
    base = event_base_new();
    if (base == NULL) {
        snprintf(err, errcap, "cannot build a driver instance right now");
        return SH_EIO;
    }
    struct provider_env env = {.base = base, .credential_id = "validate"};
    text = cred_driver_settings(default_config, settings, secrets);
    err[0] = '\0';
    st = ops->open(&env, text, err, errcap, &state);
    if (st == SH_OK)
        ops->close(state);
    else if (st == SH_EINVAL && json_is_object(secrets) && quotes_secret(err, secrets))
        snprintf(err, errcap, "the driver refused the settings or secrets");
    else if (st != SH_EINVAL)
        snprintf(err, errcap, "the driver could not start with these settings");
    sodium_memzero(text, strlen(text));
    free(text);
    event_base_free(base);
    return st == SH_OK ? SH_OK : st == SH_EINVAL ? SH_EINVAL : SH_EIO;
}

char *cred_row_settings(const struct sealer *sealer, const struct log *log,
                        const struct store_credential *row, const char *callback_url)
{
    json_t *dc = json_loads(row->default_config ? row->default_config : "{}", 0, NULL);
    json_t *set = json_loads(row->settings ? row->settings : "{}", 0, NULL);
    json_t *sec = NULL;
    char *plain = NULL, *out = NULL;
    size_t plen = 0;

    if (row->secret_hex != NULL) {
        struct arena a;
        unsigned char *sealed = NULL;
        size_t slen = 0;
        int st = SH_EINVAL;
        arena_init(&a);
        if (sealer != NULL && store_hex_decode(row->secret_hex, &a, &sealed, &slen) == SH_OK)
            st = cred_secret_open(sealer, row->id, sealed, slen, row->secret_key_id, &plain, &plen);
        arena_release(&a);
        if (st != SH_OK) {
            log_msg(log, LOG_ERROR, NULL,
                    "credential %s: its secrets cannot be opened (%s): is this the master key "
                    "that sealed them?",
                    row->id, sh_strerror(st));
            goto out;
        }
        sec = json_loads(plain, 0, NULL);
    }
    if (callback_url != NULL) {
        if (!json_is_object(set)) {
            json_decref(set);
            set = json_object();
        }
        if (json_object_get(set, "callback_url") == NULL &&
            (!json_is_object(dc) || json_object_get(dc, "callback_url") == NULL))
            json_object_set_new(set, "callback_url", json_string(callback_url));
    }
    out = cred_driver_settings(json_is_object(dc) ? dc : NULL, json_is_object(set) ? set : NULL,
                               json_is_object(sec) ? sec : NULL);
out:
    seal_wipe_free(plain, plen);
    json_decref(dc);
    json_decref(set);
    json_decref(sec);
    return out;
}

char *cred_callback_url(const char *public_url, const struct store_credential *row)
{
    if (public_url == NULL || *public_url == '\0' || row->callback_token == NULL ||
        *row->callback_token == '\0' || row->driver == NULL)
        return NULL;
    size_t n = strlen(public_url);
    while (n > 0 && public_url[n - 1] == '/')
        n--;
    size_t cap = n + strlen(row->driver) + strlen(row->callback_token) + 32;
    char *u = xmalloc(cap);
    snprintf(u, cap, "%.*s/v1/callbacks/%s/%s", (int)n, public_url, row->driver,
             row->callback_token);
    return u;
}
