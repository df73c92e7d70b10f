/*
 * keys.c — API key lifecycle endpoints (SPEC §2.3) under /v1/projects/{id}/api-keys:
 * create (the secret is in this one answer only), list, revoke, rotate with an overlap.
 *
 * The project is r->principal.project_id (checked by api/auth.c against the path). A key or
 * client may only hand out scopes it holds itself. Lists never show hashes or secrets.
 * Revocation reaches every node within the auth cache's 1 s; rotation makes the old key
 * expire at now + overlap_seconds and records the new key's id in replaced_by. A project
 * has at most KEYS_LIVE_MAX working keys.
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "core/apikey.h"
#include "core/field_error.h"
#include "core/scopes.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/keys.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define KEY_NAME_MAX 100
#define KEY_SCOPES_MAX 32
#define OVERLAP_MAX_S (30LL * 24 * 3600)
#define RPS_MAX 1000000
#define KEYS_LIVE_MAX 200 /* working keys per project */

static int storage_error(struct http_req *r)
{
    http_problem(r, 503, "storage_error", "Service unavailable",
                 "the keys cannot be read or written right now", NULL);
    return HTTP_DONE;
}

static int not_found(struct http_req *r)
{
    http_problem(r, 404, "not_found", "Not found", "no such API key", NULL);
    return HTTP_DONE;
}

static json_t *time_cell(const struct store_rows *rows, size_t i, int col)
{
    return api_json_time(store_cell_int(rows, i, (size_t)col));
}

static json_t *scopes_json(const char *list)
{
    json_t *a = json_array();
    char buf[SCOPES_TEXT_MAX + 1], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", list != NULL ? list : "");
    for (char *w = strtok_r(buf, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
        json_array_append_new(a, json_string(w));
    return a;
}

/* One key row as JSON (never the hash: it is not even selected). */
static json_t *key_json(const struct store_rows *rows, size_t i)
{
    json_t *o = json_object();
    const char *rb = store_cell(rows, i, KEY_C_REPLACED_BY);
    int64_t rps = store_cell_int(rows, i, KEY_C_RATE);
    json_object_set_new(o, "id", json_string(store_cell(rows, i, KEY_C_ID)));
    json_object_set_new(o, "prefix", json_string(store_cell(rows, i, KEY_C_PREFIX)));
    json_object_set_new(o, "name", json_string(store_cell(rows, i, KEY_C_NAME)));
    json_object_set_new(o, "scopes", scopes_json(store_cell(rows, i, KEY_C_SCOPES)));
    json_object_set_new(o, "created_at", time_cell(rows, i, KEY_C_CREATED));
    json_object_set_new(o, "last_used_at", time_cell(rows, i, KEY_C_LAST_USED));
    json_object_set_new(o, "expires_at", time_cell(rows, i, KEY_C_EXPIRES));
    json_object_set_new(o, "revoked_at", time_cell(rows, i, KEY_C_REVOKED));
    json_object_set_new(o, "replaced_by", rb != NULL ? json_string(rb) : json_null());
    json_object_set_new(o, "rate_limit_rps", rps > 0 ? json_integer(rps) : json_null());
    return o;
}

/* Validates the scopes array into a space-separated list; the caller may only grant what it
 * holds (keys and clients; users by role). 0 or -1 with fe filled. */
static int parse_scopes(struct http_req *r, json_t *arr, char *out, size_t cap,
                        struct field_errors *fe)
{
    size_t i, pos = 0;
    json_t *v;
    out[0] = '\0';
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > KEY_SCOPES_MAX) {
        field_error_add(fe, "scopes", arr == NULL ? "required" : "invalid",
                        "a non-empty array of scope names (see GET /v1/openapi.json)");
        return -1;
    }
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        if (s == NULL || !scope_known(s)) {
            field_error_add(fe, "scopes", "unknown_scope", "scope %zu is not a known scope", i);
            return -1;
        }
        if (r->principal.kind != PRINCIPAL_USER && !scopes_has(r->principal.scopes, s)) {
            field_error_add(fe, "scopes", "scope_not_held",
                            "a credential can only grant scopes it holds itself (%.40s)", s);
            return -1;
        }
        if (scopes_has(out, s))
            continue;
        int n = snprintf(out + pos, cap - pos, "%s%s", pos ? " " : "", s);
        if (n < 0 || (size_t)n >= cap - pos) {
            field_error_add(fe, "scopes", "invalid", "too many scopes");
            return -1;
        }
        pos += (size_t)n;
    }
    return 0;
}

/* Makes a new key for the project into k (secret in key, cap APIKEY_MAX). */
static void new_key(struct http_req *r, struct store_key_new *k, char *id, char *key, char *prefix,
                    int64_t now)
{
    apikey_generate("live", key, APIKEY_MAX);
    snprintf(prefix, APIKEY_PREFIX_LEN + 1, "%.*s", APIKEY_PREFIX_LEN, key);
    k->id = id_new("key", now, id, ID_MAX);
    k->project_id = r->principal.project_id;
    k->prefix = prefix;
    apikey_hash(key, k->hash);
    k->created_at = now;
    k->created_by = r->principal.kind == PRINCIPAL_USER  ? r->principal.user_id
                    : r->principal.kind == PRINCIPAL_KEY ? r->principal.key_id
                                                         : r->principal.client_id;
}

/* The answer to create and rotate: the key's fields plus the secret, this once. */
static void reply_created(struct http_req *r, const struct store_key_new *k, const char *key)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(k->id));
    json_object_set_new(o, "key", json_string(key));
    json_object_set_new(o, "prefix", json_string(k->prefix));
    json_object_set_new(o, "name", json_string(k->name));
    json_object_set_new(o, "scopes", scopes_json(k->scopes));
    json_object_set_new(o, "created_at", api_json_time(k->created_at));
    json_object_set_new(o, "expires_at", api_json_time(k->expires_at));
    json_object_set_new(o, "rate_limit_rps",
                        k->rate_limit_rps > 0 ? json_integer(k->rate_limit_rps) : json_null());
    http_reply_json(r, 201, o);
    http_header(r, "Location",
                arena_printf(&r->arena, "/v1/projects/%s/api-keys/%s", k->project_id, k->id));
}

static char *audit_after(struct http_req *r, const struct store_key_new *k)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s}", "name", k->name, "prefix", k->prefix, "scopes", k->scopes);
    char *t = json_dumps(o, JSON_COMPACT);
    char *out = arena_strdup(&r->arena, t != NULL ? t : "{}");
    free(t);
    json_decref(o);
    return out;
}

int api_keys_create(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_key_new k = {0};
    struct audit_entry e;
    char id[ID_MAX], key[APIKEY_MAX], prefix[APIKEY_PREFIX_LEN + 1], scopes[SCOPES_TEXT_MAX + 1];
    int64_t now = clock_now_ms();
    json_t *root = api_json_object(r), *v;
    int st;

    if (root == NULL)
        return HTTP_DONE;
    v = json_object_get(root, "name");
    if (v == NULL || !json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) > KEY_NAME_MAX ||
        strlen(json_string_value(v)) != json_string_length(v))
        field_error_add(&fe, "name", v == NULL ? "required" : "invalid",
                        "a name of 1-%d characters", KEY_NAME_MAX);
    else
        k.name = arena_strdup(&r->arena, json_string_value(v));
    parse_scopes(r, json_object_get(root, "scopes"), scopes, sizeof(scopes), &fe);
    v = json_object_get(root, "expires_at");
    if (v != NULL && !json_is_null(v) &&
        (!json_is_string(v) || clock_parse_rfc3339(json_string_value(v), &k.expires_at) != 0 ||
         k.expires_at <= now))
        field_error_add(&fe, "expires_at", "invalid", "an RFC 3339 time in the future");
    v = json_object_get(root, "rate_limit_rps");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > RPS_MAX)
            field_error_add(&fe, "rate_limit_rps", "invalid", "an integer of 1-%d", RPS_MAX);
        else
            k.rate_limit_rps = json_integer_value(v);
    }
    if (fe.n > 0) {
        http_problem(r, 422, "validation_failed", "Validation failed",
                     "one or more fields are invalid", &fe);
        goto out;
    }
    int64_t live = 0;
    if (store_key_count_live(r->api->store, r->principal.project_id, now, &live) != SH_OK) {
        storage_error(r);
        goto out;
    }
    if (live >= KEYS_LIVE_MAX) {
        http_problem(r, 409, "too_many_keys", "Conflict",
                     "the project has the most working keys it may have; revoke some first", NULL);
        goto out;
    }
    k.scopes = scopes;
    new_key(r, &k, id, key, prefix, now);
    api_audit_actor(r, &e);
    e.action = "api_key.create";
    e.object_type = "api_key";
    e.object_id = k.id;
    e.after_json = audit_after(r, &k);
    st = store_key_insert(r->api->store, &k, &e);
    if (st != SH_OK) {
        storage_error(r);
        goto out;
    }
    reply_created(r, &k, key);
out:
    sodium_memzero(key, sizeof(key));
    json_decref(root);
    return HTTP_DONE;
}

int api_keys_list(struct http_req *r)
{
    struct store_rows rows;
    json_t *data;
    if (store_key_list(r->api->store, r->principal.project_id, &r->arena, &rows) != SH_OK)
        return storage_error(r);
    data = json_array();
    for (size_t i = 0; i < rows.n; i++)
        json_array_append_new(data, key_json(&rows, i));
    http_reply_json(r, 200, json_pack("{s:o}", "data", data));
    return HTTP_DONE;
}

int api_keys_get(struct http_req *r)
{
    struct store_rows rows;
    int st = store_key_get(r->api->store, r->principal.project_id, r->params[1], &r->arena, &rows);
    if (st == SH_ENOTFOUND)
        return not_found(r);
    if (st != SH_OK)
        return storage_error(r);
    http_reply_json(r, 200, key_json(&rows, 0));
    return HTTP_DONE;
}

int api_keys_revoke(struct http_req *r)
{
    struct store_rows rows;
    struct audit_entry e;
    const char *pid = r->principal.project_id, *kid = r->params[1];
    int st = store_key_get(r->api->store, pid, kid, &r->arena, &rows);
    if (st == SH_ENOTFOUND)
        return not_found(r);
    if (st != SH_OK)
        return storage_error(r);
    if (store_cell(&rows, 0, KEY_C_REVOKED) == NULL) {
        api_audit_actor(r, &e);
        e.action = "api_key.revoke";
        e.object_type = "api_key";
        e.object_id = kid;
        st = store_key_revoke(r->api->store, pid, kid, clock_now_ms(), &e);
        if (st != SH_OK && st != SH_ENOTFOUND) /* ENOTFOUND: revoked meanwhile */
            return storage_error(r);
    }
    http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}

int api_keys_rotate(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_key_new k = {0};
    struct store_rows rows;
    struct audit_entry e;
    char id[ID_MAX], key[APIKEY_MAX], prefix[APIKEY_PREFIX_LEN + 1];
    const char *pid = r->principal.project_id, *kid = r->params[1];
    int64_t now = clock_now_ms(), overlap = 0;
    json_t *root = api_json_object(r), *v;
    int st;

    if (root == NULL)
        return HTTP_DONE;
    v = json_object_get(root, "overlap_seconds");
    if (v != NULL &&
        (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > OVERLAP_MAX_S))
        field_error_add(&fe, "overlap_seconds", "invalid", "an integer of 0-%lld",
                        (long long)OVERLAP_MAX_S);
    else if (v != NULL)
        overlap = json_integer_value(v);
    if (fe.n > 0) {
        http_problem(r, 422, "validation_failed", "Validation failed",
                     "one or more fields are invalid", &fe);
        goto out;
    }
    st = store_key_get(r->api->store, pid, kid, &r->arena, &rows);
    if (st == SH_ENOTFOUND) {
        not_found(r);
        goto out;
    }
    if (st != SH_OK) {
        storage_error(r);
        goto out;
    }
    int64_t exp = store_cell_int(&rows, 0, KEY_C_EXPIRES);
    if (store_cell(&rows, 0, KEY_C_REVOKED) != NULL ||
        store_cell(&rows, 0, KEY_C_REPLACED_BY) != NULL || (exp != 0 && exp <= now)) {
        http_problem(r, 409, "key_not_rotatable", "Conflict",
                     "the key is revoked, expired or already replaced", NULL);
        goto out;
    }
    k.name = store_cell(&rows, 0, KEY_C_NAME);
    k.scopes = store_cell(&rows, 0, KEY_C_SCOPES);
    k.expires_at = exp;
    k.rate_limit_rps = store_cell_int(&rows, 0, KEY_C_RATE);
    new_key(r, &k, id, key, prefix, now);
    api_audit_actor(r, &e);
    e.action = "api_key.rotate";
    e.object_type = "api_key";
    e.object_id = kid;
    e.after_json = arena_printf(&r->arena, "{\"replaced_by\":\"%s\",\"old_expires_at\":%lld}", k.id,
                                (long long)(now + overlap * 1000));
    st = store_key_rotate(r->api->store, pid, kid, now + overlap * 1000, &k, &e);
    if (st == SH_ENOTFOUND) {
        http_problem(r, 409, "key_not_rotatable", "Conflict",
                     "the key is revoked, expired or already replaced", NULL);
        goto out;
    }
    if (st != SH_OK) {
        storage_error(r);
        goto out;
    }
    reply_created(r, &k, key);
out:
    sodium_memzero(key, sizeof(key));
    json_decref(root);
    return HTTP_DONE;
}
