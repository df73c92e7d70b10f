/*
 * smpp_accounts.c — /v1/projects/{id}/smpp-accounts[/{aid}]: the SMPP accounts client
 * systems bind with (api/smpp_server.c). Project admins and up (API keys: smpp:read /
 * smpp:write). The password (1-8 printable ASCII characters, as SMPP 3.4's 9-octet field
 * allows) is given by the caller or generated; it is stored as an Argon2id hash and shown
 * only in the answer to the request that set it. Every write is audited (password redacted).
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "api/ctl.h"
#include "core/cidr.h"
#include "core/password.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/smpp_accounts.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SYSID_MAX 15 /* system_id is a 16-octet C-Octet String */
#define PW_MAX 8     /* password is a 9-octet C-Octet String */
#define MAX_BINDS_CAP 64
#define TPS_CAP 100000

static const char *const known_fields[] = {"system_id", "password", "allowed_ips", "max_binds",
                                           "tps",       "active",   NULL};

static json_t *allowed_json(const char *list)
{
    json_t *a = json_array();
    char buf[CIDR_TEXT_MAX + 1], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", list ? list : "");
    for (char *w = strtok_r(buf, " \t,", &save); w != NULL; w = strtok_r(NULL, " \t,", &save))
        json_array_append_new(a, json_string(w));
    return a;
}

static json_t *account_json(const struct store_smpp_account *acc)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(acc->id));
    json_object_set_new(o, "system_id", json_string(acc->system_id));
    json_object_set_new(o, "allowed_ips", allowed_json(acc->allowed_ips));
    json_object_set_new(o, "max_binds", json_integer(acc->max_binds));
    json_object_set_new(o, "tps", acc->tps > 0 ? json_integer(acc->tps) : json_null());
    json_object_set_new(o, "active", json_boolean(acc->active));
    json_object_set_new(o, "created_at", ctl_time(acc->created_at));
    json_object_set_new(o, "updated_at", ctl_time(acc->updated_at));
    return o;
}

/* The audit form: the account without any password material. */
static char *audit_json(struct http_req *r, const struct store_smpp_account *acc)
{
    json_t *o = account_json(acc);
    char *t = ctl_dump(r, o);
    json_decref(o);
    return t;
}

static int printable(const char *s, size_t min, size_t max)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++)
        if (n >= max || (unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
            return 0;
    return n >= min;
}

static void parse_allowed(struct http_req *r, json_t *v, struct store_smpp_account *acc,
                          struct field_errors *fe)
{
    char out[CIDR_TEXT_MAX + 1];
    size_t pos = 0, i;
    json_t *e;
    struct cidr_list l;
    out[0] = '\0';
    if (!json_is_array(v) || json_array_size(v) > CIDR_LIST_MAX) {
        field_error_add(fe, "allowed_ips", "invalid",
                        "an array of at most %d IPv4/IPv6 CIDR networks", CIDR_LIST_MAX);
        return;
    }
    json_array_foreach(v, i, e)
    {
        const char *s = json_string_value(e);
        int n;
        if (s == NULL || *s == '\0' || strpbrk(s, " \t,") != NULL) {
            field_error_add(fe, "allowed_ips", "invalid_cidr", "entry %zu is not a network", i);
            return;
        }
        n = snprintf(out + pos, sizeof(out) - pos, "%s%s", pos ? " " : "", s);
        if (n < 0 || (size_t)n >= sizeof(out) - pos) {
            field_error_add(fe, "allowed_ips", "too_long", "the list is too long");
            return;
        }
        pos += (size_t)n;
    }
    if (cidr_list_parse(out, &l, &i) != SH_OK) {
        field_error_add(fe, "allowed_ips", "invalid_cidr",
                        "\"%.48s\" is not an IPv4 or IPv6 network (e.g. 203.0.113.0/24)", out + i);
        return;
    }
    acc->allowed_ips = arena_strdup(&r->arena, out);
}

/* A random 8-character password from an unambiguous alphabet. */
static void generate_password(char out[PW_MAX + 1])
{
    static const char abc[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    for (int i = 0; i < PW_MAX; i++)
        out[i] = abc[randombytes_uniform(sizeof(abc) - 1)];
    out[PW_MAX] = '\0';
}

/* Applies body to acc; a new password (caller's or, on create without one, generated) goes
 * into pw (empty when unchanged). Returns the errors added. */
static int apply_body(struct http_req *r, const json_t *body, int create,
                      struct store_smpp_account *acc, char pw[PW_MAX + 1], struct field_errors *fe)
{
    int before = fe->n;
    json_t *v;
    pw[0] = '\0';
    ctl_unknown_fields(r, body, known_fields, fe);
    if ((v = json_object_get(body, "system_id")) != NULL) {
        if (!create)
            field_error_add(fe, "system_id", "immutable",
                            "system_id cannot change; create another account");
        else if (!json_is_string(v) || !printable(json_string_value(v), 1, SYSID_MAX) ||
                 strpbrk(json_string_value(v), "\"\\") != NULL)
            field_error_add(fe, "system_id", "invalid",
                            "system_id must be 1-%d printable ASCII characters without \" or \\",
                            SYSID_MAX);
        else
            acc->system_id = arena_strdup(&r->arena, json_string_value(v));
    } else if (create) {
        field_error_add(fe, "system_id", "required", "system_id is required");
    }
    if ((v = json_object_get(body, "password")) != NULL) {
        if (!json_is_string(v) || !printable(json_string_value(v), 1, PW_MAX))
            field_error_add(fe, "password", "invalid",
                            "password must be 1-%d printable ASCII characters (SMPP 3.4)", PW_MAX);
        else
            snprintf(pw, PW_MAX + 1, "%s", json_string_value(v));
    } else if (create) {
        generate_password(pw);
    }
    if ((v = json_object_get(body, "allowed_ips")) != NULL)
        parse_allowed(r, v, acc, fe);
    if ((v = json_object_get(body, "max_binds")) != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > MAX_BINDS_CAP)
            field_error_add(fe, "max_binds", "out_of_range", "max_binds must be 1-%d",
                            MAX_BINDS_CAP);
        else
            acc->max_binds = json_integer_value(v);
    }
    if ((v = json_object_get(body, "tps")) != NULL) {
        if (json_is_null(v))
            acc->tps = 0;
        else if (!json_is_integer(v) || json_integer_value(v) < 1 ||
                 json_integer_value(v) > TPS_CAP)
            field_error_add(fe, "tps", "out_of_range",
                            "tps must be 1-%d submits a second, or null (no limit)", TPS_CAP);
        else
            acc->tps = json_integer_value(v);
    }
    if ((v = json_object_get(body, "active")) != NULL) {
        if (!json_is_boolean(v))
            field_error_add(fe, "active", "invalid_type", "active must be true or false");
        else
            acc->active = json_is_true(v);
    }
    return fe->n - before;
}

static int hash_password(struct http_req *r, const char *pw, struct store_smpp_account *acc)
{
    char *h = arena_alloc(&r->arena, PASSWORD_HASH_MAX);
    if (password_hash(pw, h, PASSWORD_HASH_MAX) != 0)
        return -1;
    acc->password_hash = h;
    return 0;
}

static const char *NOT_FOUND = "no SMPP account with this id in this project";

int api_smpp_accounts_list(struct http_req *r)
{
    struct store_smpp_account *v;
    size_t n;
    if (store_smpp_account_list(r->api->store, r->principal.project_id, &r->arena, &v, &n) != SH_OK)
        return ctl_storage_error(r);
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(data, account_json(&v[i]));
    http_reply_json(r, 200, json_pack("{s:o}", "data", data));
    return HTTP_DONE;
}

int api_smpp_accounts_get(struct http_req *r)
{
    struct store_smpp_account acc;
    int st = store_smpp_account_get(r->api->store, r->principal.project_id, r->params[1], &r->arena,
                                    &acc);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, NOT_FOUND);
    if (st != SH_OK)
        return ctl_storage_error(r);
    http_reply_json(r, 200, account_json(&acc));
    return HTTP_DONE;
}

int api_smpp_accounts_create(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_smpp_account acc = {.allowed_ips = "", .max_binds = 4, .active = 1};
    struct audit_entry e;
    char pw[PW_MAX + 1];
    json_t *body = api_json_object(r);
    int st;

    if (body == NULL)
        return HTTP_DONE;
    if (apply_body(r, body, 1, &acc, pw, &fe) > 0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    if (hash_password(r, pw, &acc) != 0) {
        http_problem(r, 503, "server_busy", "Service unavailable",
                     "the password cannot be hashed right now", NULL);
        goto out;
    }
    acc.created_at = acc.updated_at = clock_now_ms();
    char *id = arena_alloc(&r->arena, ID_MAX);
    acc.id = id_new("smpp", acc.created_at, id, ID_MAX);
    acc.project_id = r->principal.project_id;
    api_audit_actor(r, &e);
    e.action = "smpp_account.create";
    e.object_type = "smpp_account";
    e.object_id = acc.id;
    e.after_json = audit_json(r, &acc);
    st = store_smpp_account_insert(r->api->store, &acc, &e);
    if (st == SH_EEXIST) {
        field_error_add(&fe, "system_id", "taken", "another SMPP account uses this system_id");
        http_problem(r, 409, "system_id_taken", "Conflict",
                     "system_id must be unique across the hub", &fe);
    } else if (st != SH_OK) {
        ctl_storage_error(r);
    } else {
        json_t *o = account_json(&acc);
        json_object_set_new(o, "password", json_string(pw)); /* shown once */
        http_reply_json(r, 201, o);
        http_header(
            r, "Location",
            arena_printf(&r->arena, "/v1/projects/%s/smpp-accounts/%s", acc.project_id, acc.id));
    }
out:
    sodium_memzero(pw, sizeof(pw));
    json_decref(body);
    return HTTP_DONE;
}

int api_smpp_accounts_update(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_smpp_account old, acc;
    struct audit_entry e;
    char pw[PW_MAX + 1] = "";
    json_t *body = api_json_object(r);
    int st;

    if (body == NULL)
        return HTTP_DONE;
    st = store_smpp_account_get(r->api->store, r->principal.project_id, r->params[1], &r->arena,
                                &old);
    if (st != SH_OK) {
        st == SH_ENOTFOUND ? ctl_not_found(r, NOT_FOUND) : ctl_storage_error(r);
        goto out;
    }
    acc = old;
    if (apply_body(r, body, 0, &acc, pw, &fe) > 0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    if (pw[0] != '\0' && hash_password(r, pw, &acc) != 0) {
        http_problem(r, 503, "server_busy", "Service unavailable",
                     "the password cannot be hashed right now", NULL);
        goto out;
    }
    acc.updated_at = clock_now_ms();
    api_audit_actor(r, &e);
    e.action = "smpp_account.update";
    e.object_type = "smpp_account";
    e.object_id = acc.id;
    e.before_json = audit_json(r, &old);
    {
        json_t *o = account_json(&acc);
        if (pw[0] != '\0')
            json_object_set_new(o, "password_changed", json_true());
        e.after_json = ctl_dump(r, o);
        json_decref(o);
    }
    st = store_smpp_account_update(r->api->store, &acc, &e);
    if (st == SH_ENOTFOUND) {
        ctl_not_found(r, NOT_FOUND);
    } else if (st != SH_OK) {
        ctl_storage_error(r);
    } else {
        json_t *o = account_json(&acc);
        if (pw[0] != '\0')
            json_object_set_new(o, "password", json_string(pw)); /* the caller's, echoed once */
        http_reply_json(r, 200, o);
    }
out:
    sodium_memzero(pw, sizeof(pw));
    json_decref(body);
    return HTTP_DONE;
}

int api_smpp_accounts_delete(struct http_req *r)
{
    struct store_smpp_account old;
    struct audit_entry e;
    int st = store_smpp_account_get(r->api->store, r->principal.project_id, r->params[1], &r->arena,
                                    &old);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, NOT_FOUND);
    if (st != SH_OK)
        return ctl_storage_error(r);
    api_audit_actor(r, &e);
    e.action = "smpp_account.delete";
    e.object_type = "smpp_account";
    e.object_id = old.id;
    e.before_json = audit_json(r, &old);
    st = store_smpp_account_delete(r->api->store, old.project_id, old.id, clock_now_ms(), &e);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, NOT_FOUND);
    if (st != SH_OK)
        return ctl_storage_error(r);
    http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}
