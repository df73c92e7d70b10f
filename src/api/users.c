/*
 * users.c — users (SPEC §2.1): administrators' CRUD under /v1/admin/users, and the caller's
 * own account under /v1/me (profile, password change). Disabling a user revokes every token
 * they hold in the same write; changing one's password revokes every other session. Every
 * change writes an audit entry in the same transaction; password hashes never leave here.
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "api/identity.h"
#include "core/field_error.h"
#include "core/password.h"
#include "core/throttle.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/audit.h"
#include "store/identity.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 200
#define LIST_DEFAULT 50
#define LIST_MAX 200

/* The JSON of user row i (columns of store/identity.h). */
static json_t *user_json(const struct store_rows *rows, size_t i)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:o, s:o, s:o}", "id", store_cell(rows, i, 0),
                     "email", store_cell(rows, i, 1), "name",
                     store_cell(rows, i, 2) != NULL ? store_cell(rows, i, 2) : "", "is_admin",
                     (int)store_cell_int(rows, i, 3), "active", (int)store_cell_int(rows, i, 4),
                     "created_at", ident_time(store_cell(rows, i, 5)), "updated_at",
                     ident_time(store_cell(rows, i, 6)), "email_verified_at",
                     ident_time(store_cell(rows, i, 7)));
}

static int invalid(struct http_req *r, const struct field_errors *fe)
{
    http_problem(r, 422, "validation_failed", "Invalid request", "some fields are not valid", fe);
    return HTTP_DONE;
}

/* Reads user id into rows; answers 404/503 itself (returns -1). */
static int load_user(struct http_req *r, const char *id, struct store_rows *rows)
{
    int st = store_user_get(r->api->store, id, &r->arena, rows);
    if (st == SH_OK && rows->n == 0)
        st = SH_ENOTFOUND;
    if (st != SH_OK) {
        ident_store_error(r, st, "no such user");
        return -1;
    }
    return 0;
}

/* Validates an optional "name" of body into *name (NULL when absent). */
static void check_name(json_t *body, const char **name, struct field_errors *fe)
{
    json_t *v = json_object_get(body, "name");
    *name = NULL;
    if (v == NULL)
        return;
    if (!json_is_string(v) || strlen(json_string_value(v)) > NAME_MAX_LEN ||
        strpbrk(json_string_value(v), "\r\n\t") != NULL)
        field_error_add(fe, "name", "invalid",
                        "name is a string of at most %d characters "
                        "without line breaks",
                        NAME_MAX_LEN);
    else
        *name = json_string_value(v);
}

static void check_password(const char *field, json_t *v, struct field_errors *fe)
{
    const char *why;
    if (!json_is_string(v)) {
        field_error_add(fe, field, "required", "%s is required", field);
        return;
    }
    why = password_policy_check(json_string_value(v));
    if (why != NULL)
        field_error_add(fe, field, why, "a password has %d to %d characters, no control characters",
                        PASSWORD_MIN_CHARS, PASSWORD_MAX_BYTES);
}

int api_admin_users_create(struct http_req *r)
{
    struct field_errors fe = {0};
    char id[ID_MAX], hash[PASSWORD_HASH_MAX];
    struct store_args a;
    struct store_step steps[2];
    struct audit_slot slot;
    struct audit_entry ae;
    struct store_rows rows;
    const char *name = NULL, *why;
    int64_t now = clock_now_ms();
    json_t *body = api_json_object(r);
    int st, ret = HTTP_DONE;

    if (body == NULL)
        return HTTP_DONE;
    json_t *email = json_object_get(body, "email");
    json_t *pw = json_object_get(body, "password");
    json_t *adm = json_object_get(body, "is_admin");
    if (!json_is_string(email))
        field_error_add(&fe, "email", "required", "email is required");
    else if ((why = ident_email_problem(json_string_value(email))) != NULL)
        field_error_add(&fe, "email", "invalid_email", "%s", why);
    check_name(body, &name, &fe);
    check_password("password", pw, &fe);
    if (adm != NULL && !json_is_boolean(adm))
        field_error_add(&fe, "is_admin", "invalid", "is_admin is a boolean");
    if (fe.n > 0) {
        ret = invalid(r, &fe);
        goto out;
    }
    if (password_hash(json_string_value(pw), hash, sizeof(hash)) != 0) {
        http_problem(r, 503, "unavailable", "Service unavailable", "hashing failed; retry", NULL);
        goto out;
    }
    /* addresses are kept lower-case, so the unique index is case-insensitive too */
    char *addr = arena_strdup(&r->arena, json_string_value(email));
    for (char *c = addr; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    id_new("usr", now, id, sizeof(id));
    store_user_insert_step(&steps[0], &a, id, addr, name ? name : "", hash, json_is_true(adm), now);
    api_audit_actor(r, &ae);
    ae.action = "user.create";
    ae.object_type = "user";
    ae.object_id = id;
    ae.after_json =
        ident_json_text(r, json_pack("{s:s, s:s, s:s, s:b, s:b}", "id", id, "email", addr, "name",
                                     name ? name : "", "is_admin", json_is_true(adm), "active", 1));
    store_audit_step(&steps[1], &slot, &ae);
    st = store_write(r->api->store, steps, 2, &r->arena);
    sodium_memzero(hash, sizeof(hash));
    if (st == SH_EEXIST) {
        field_error_add(&fe, "email", "email_taken", "a user with this e-mail already exists");
        http_problem(r, 409, "email_taken", "Conflict", "the e-mail is taken", &fe);
        goto out;
    }
    if (st != SH_OK) {
        ret = ident_store_error(r, st, "the user could not be created");
        goto out;
    }
    if (load_user(r, id, &rows) == 0) {
        http_reply_json(r, 201, user_json(&rows, 0));
        http_header(r, "Location", arena_printf(&r->arena, "/v1/admin/users/%s", id));
    }
out:
    json_decref(body);
    return ret;
}

int api_admin_users_list(struct http_req *r)
{
    const char *cursor;
    int limit = ident_limit(r, LIST_DEFAULT, LIST_MAX);
    struct store_rows rows;
    if (limit < 0 || ident_cursor(r, &cursor) != 0)
        return HTTP_DONE;
    int st = store_user_list(r->api->store, cursor, limit + 1, &r->arena, &rows);
    if (st != SH_OK)
        return ident_store_error(r, st, "");
    ident_page(r, &rows, limit, user_json);
    return HTTP_DONE;
}

int api_admin_users_get(struct http_req *r)
{
    struct store_rows rows;
    if (load_user(r, r->params[0], &rows) == 0)
        http_reply_json(r, 200, user_json(&rows, 0));
    return HTTP_DONE;
}

/* Applies name/is_admin/active to user id (row in cur) with an audit entry; revokes the
 * user's tokens when they get disabled. Answers itself. */
static int update_user(struct http_req *r, const char *id, const struct store_rows *cur,
                       const char *name, int is_admin, int active, const char *action)
{
    struct store_args a[2];
    struct store_step steps[3];
    struct audit_slot slot;
    struct audit_entry ae;
    struct store_rows rows;
    int64_t now = clock_now_ms();
    size_t n = 0;
    int was_active = (int)store_cell_int(cur, 0, 4);

    store_user_update_step(&steps[n], &a[n], id, name, is_admin, active, now), n++;
    if (was_active && !active)
        store_tokens_revoke_user_step(&steps[n], &a[n], id, NULL, now), n++;
    api_audit_actor(r, &ae);
    ae.action = action;
    ae.object_type = "user";
    ae.object_id = id;
    ae.before_json = ident_json_text(r, user_json(cur, 0));
    ae.after_json = ident_json_text(r, json_pack("{s:s, s:s, s:s, s:b, s:b}", "id", id, "email",
                                                 store_cell(cur, 0, 1), "name", name, "is_admin",
                                                 is_admin, "active", active));
    store_audit_step(&steps[n], &slot, &ae), n++;
    int st = store_write(r->api->store, steps, n, &r->arena);
    if (st != SH_OK)
        return ident_store_error(r, st, "no such user");
    if (load_user(r, id, &rows) == 0)
        http_reply_json(r, 200, user_json(&rows, 0));
    return HTTP_DONE;
}

int api_admin_users_update(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_rows cur;
    const char *name;
    const char *id = r->params[0];
    json_t *body = api_json_object(r);
    int ret = HTTP_DONE;

    if (body == NULL)
        return HTTP_DONE;
    json_t *adm = json_object_get(body, "is_admin");
    json_t *act = json_object_get(body, "active");
    check_name(body, &name, &fe);
    if (adm != NULL && !json_is_boolean(adm))
        field_error_add(&fe, "is_admin", "invalid", "is_admin is a boolean");
    if (act != NULL && !json_is_boolean(act))
        field_error_add(&fe, "active", "invalid", "active is a boolean");
    if (fe.n > 0) {
        ret = invalid(r, &fe);
        goto out;
    }
    if (load_user(r, id, &cur) != 0)
        goto out;
    int is_admin = adm != NULL ? json_is_true(adm) : (int)store_cell_int(&cur, 0, 3);
    int active = act != NULL ? json_is_true(act) : (int)store_cell_int(&cur, 0, 4);
    if (strcmp(id, r->principal.user_id) == 0 && (!is_admin || !active)) {
        http_problem(r, 409, "self_lockout", "Conflict",
                     "you cannot disable yourself or drop your own administrator flag", NULL);
        goto out;
    }
    ret = update_user(r, id, &cur, name != NULL ? name : store_cell(&cur, 0, 2), is_admin, active,
                      "user.update");
out:
    json_decref(body);
    return ret;
}

int api_admin_users_delete(struct http_req *r)
{
    struct store_rows cur;
    const char *id = r->params[0];
    if (load_user(r, id, &cur) != 0)
        return HTTP_DONE;
    if (strcmp(id, r->principal.user_id) == 0) {
        http_problem(r, 409, "self_lockout", "Conflict", "you cannot disable yourself", NULL);
        return HTTP_DONE;
    }
    update_user(r, id, &cur, store_cell(&cur, 0, 2), (int)store_cell_int(&cur, 0, 3), 0,
                "user.disable");
    if (r->status == 200)
        http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}

int api_me_get(struct http_req *r)
{
    struct store_rows rows;
    if (load_user(r, r->principal.user_id, &rows) == 0)
        http_reply_json(r, 200, user_json(&rows, 0));
    return HTTP_DONE;
}

int api_me_update(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_rows cur;
    const char *name;
    const char *id = r->principal.user_id;
    json_t *body = api_json_object(r);
    int ret = HTTP_DONE;
    const char *k;
    json_t *v;

    if (body == NULL)
        return HTTP_DONE;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "name") != 0) /* k lives in body, which outlives the problem answer */
            field_error_add(&fe, k, "not_editable",
                            "only name can be changed here (password: POST /v1/me/password)");
    }
    check_name(body, &name, &fe);
    if (fe.n > 0) {
        ret = invalid(r, &fe);
        goto out;
    }
    if (load_user(r, id, &cur) != 0)
        goto out;
    ret = update_user(r, id, &cur, name != NULL ? name : store_cell(&cur, 0, 2),
                      (int)store_cell_int(&cur, 0, 3), (int)store_cell_int(&cur, 0, 4),
                      "user.update_self");
out:
    json_decref(body);
    return ret;
}

int api_me_password(struct http_req *r)
{
    struct identity *idn = r->api->identity;
    struct field_errors fe = {0};
    char old_hash[PASSWORD_HASH_MAX], hash[PASSWORD_HASH_MAX], tkey[80];
    struct store_args a[2];
    struct store_step steps[3];
    struct audit_slot slot;
    struct audit_entry ae;
    const char *id = r->principal.user_id;
    int64_t now = clock_now_ms();
    json_t *body = api_json_object(r);
    int st;

    if (body == NULL)
        return HTTP_DONE;
    json_t *cur = json_object_get(body, "current_password");
    json_t *neu = json_object_get(body, "new_password");
    if (!json_is_string(cur) || strlen(json_string_value(cur)) > PASSWORD_MAX_BYTES)
        field_error_add(&fe, "current_password", "required", "current_password is required");
    check_password("new_password", neu, &fe);
    if (fe.n > 0) {
        invalid(r, &fe);
        goto out;
    }
    snprintf(tkey, sizeof(tkey), "u:%s", id);
    if (throttle_blocked(idn->login_email, tkey, now, NULL)) {
        http_problem(r, 429, "too_many_attempts", "Too many requests",
                     "too many wrong passwords; retry later", NULL);
        http_header(r, "Retry-After", "900");
        goto out;
    }
    st = store_user_password_hash(r->api->store, id, old_hash, sizeof(old_hash));
    if (st != SH_OK) {
        ident_store_error(r, st, "no such user");
        goto out;
    }
    int ok = password_verify(old_hash, json_string_value(cur));
    sodium_memzero(old_hash, sizeof(old_hash));
    if (!ok) {
        throttle_hit(idn->login_email, tkey, now);
        field_error_add(&fe, "current_password", "wrong_password",
                        "the current password is "
                        "wrong");
        http_problem(r, 403, "wrong_password", "Forbidden", "the current password is wrong", &fe);
        goto out;
    }
    if (password_hash(json_string_value(neu), hash, sizeof(hash)) != 0) {
        http_problem(r, 503, "unavailable", "Service unavailable", "hashing failed; retry", NULL);
        goto out;
    }
    store_user_password_step(&steps[0], &a[0], id, hash, now);
    store_tokens_revoke_user_step(&steps[1], &a[1], id, r->principal.token_id, now);
    api_audit_actor(r, &ae);
    ae.action = "user.password_change";
    ae.object_type = "user";
    ae.object_id = id;
    ae.after_json = "{\"password\":\"[redacted]\"}";
    store_audit_step(&steps[2], &slot, &ae);
    st = store_write(r->api->store, steps, 3, &r->arena);
    sodium_memzero(hash, sizeof(hash));
    if (st != SH_OK) {
        ident_store_error(r, st, "no such user");
        goto out;
    }
    http_reply_raw(r, 204, "application/json", "", 0);
out:
    json_decref(body);
    return HTTP_DONE;
}
