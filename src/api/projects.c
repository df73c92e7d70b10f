/*
 * projects.c — projects and who may act in them (SPEC §2.2): administrators' CRUD under
 * /v1/admin/projects, the caller's projects (GET /v1/projects), members of a project
 * (owners and admins) and its OAuth2 clients for the client_credentials grant. Deleting a
 * project is a soft delete that also revokes its keys, clients and tokens in the same write.
 * The last owner of a project can be neither removed nor demoted (the condition is part of
 * the UPDATE/DELETE, so concurrent changes cannot both pass). Every change is audited.
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "api/identity.h"
#include "core/field_error.h"
#include "core/token.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/audit.h"
#include "store/identity.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 200
#define SCOPES_MAX 255
#define LIST_DEFAULT 50
#define LIST_MAX 200

static const char *const known_scopes[] = {"messages:send", "messages:read", NULL};

static json_t *project_json(const struct store_rows *rows, size_t i)
{
    return json_pack("{s:s, s:s, s:o, s:o}", "id", store_cell(rows, i, 0), "name",
                     store_cell(rows, i, 1), "created_at", ident_time(store_cell(rows, i, 2)),
                     "updated_at", ident_time(store_cell(rows, i, 3)));
}

static json_t *member_json(const struct store_rows *rows, size_t i)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "user_id", store_cell(rows, i, 0), "email",
                     store_cell(rows, i, 1), "name",
                     store_cell(rows, i, 2) ? store_cell(rows, i, 2) : "", "role",
                     store_cell(rows, i, 3), "created_at", ident_time(store_cell(rows, i, 4)));
}

static json_t *client_json(const struct store_rows *rows, size_t i)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "client_id", store_cell(rows, i, 0), "name",
                     store_cell(rows, i, 1) ? store_cell(rows, i, 1) : "", "scopes",
                     store_cell(rows, i, 2), "created_at", ident_time(store_cell(rows, i, 3)),
                     "revoked_at", ident_time(store_cell(rows, i, 4)));
}

static int invalid(struct http_req *r, const struct field_errors *fe)
{
    http_problem(r, 422, "validation_failed", "Invalid request", "some fields are not valid", fe);
    return HTTP_DONE;
}

static const char *get_name(json_t *body, int required, struct field_errors *fe)
{
    json_t *v = json_object_get(body, "name");
    if (v == NULL) {
        if (required)
            field_error_add(fe, "name", "required", "name is required");
        return NULL;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s == NULL || *s == '\0' || strlen(s) > NAME_MAX_LEN || strpbrk(s, "\r\n\t") != NULL) {
        field_error_add(fe, "name", "invalid", "name is 1 to %d characters without line breaks",
                        NAME_MAX_LEN);
        return NULL;
    }
    return s;
}

/* A live project into rows, or -1 after answering 404/503. */
static int load_project(struct http_req *r, const char *id, struct store_rows *rows)
{
    int st = store_project_get(r->api->store, id, &r->arena, rows);
    if (st == SH_OK && (rows->n == 0 || store_cell(rows, 0, 4) != NULL))
        st = SH_ENOTFOUND;
    if (st != SH_OK) {
        ident_store_error(r, st, "no such project");
        return -1;
    }
    return 0;
}

static void audit(struct http_req *r, struct audit_entry *ae, const char *project,
                  const char *action, const char *otype, const char *oid)
{
    api_audit_actor(r, ae);
    ae->project_id = project;
    ae->action = action;
    ae->object_type = otype;
    ae->object_id = oid;
}

/* ---- administrators ---- */

int api_admin_projects_create(struct http_req *r)
{
    struct field_errors fe = {0};
    char id[ID_MAX];
    struct store_args a[2];
    struct store_step steps[4];
    struct audit_slot slot[2];
    struct audit_entry ae[2];
    struct store_rows owner, rows;
    int64_t now = clock_now_ms();
    size_t n = 0;
    json_t *body = api_json_object(r);

    if (body == NULL)
        return HTTP_DONE;
    const char *name = get_name(body, 1, &fe);
    json_t *oe = json_object_get(body, "owner_email");
    if (oe != NULL && !json_is_string(oe))
        field_error_add(&fe, "owner_email", "invalid", "owner_email is a string");
    if (fe.n > 0) {
        invalid(r, &fe);
        goto out;
    }
    owner.n = 0;
    if (oe != NULL) {
        int st = store_user_get_by_email(r->api->store, json_string_value(oe), &r->arena, &owner);
        if (st != SH_OK) {
            ident_store_error(r, st, "");
            goto out;
        }
        if (owner.n == 0 || store_cell_int(&owner, 0, 4) == 0) {
            field_error_add(&fe, "owner_email", "unknown_user", "no active user has this e-mail");
            invalid(r, &fe);
            goto out;
        }
    }
    id_new("prj", now, id, sizeof(id));
    store_project_insert_step(&steps[n], &a[0], id, name, now), n++;
    audit(r, &ae[0], id, "project.create", "project", id);
    ae[0].after_json = ident_json_text(r, json_pack("{s:s, s:s}", "id", id, "name", name));
    store_audit_step(&steps[n], &slot[0], &ae[0]), n++;
    if (owner.n > 0) {
        const char *uid = store_cell(&owner, 0, 0);
        store_member_insert_step(&steps[n], &a[1], id, uid, "owner", now), n++;
        audit(r, &ae[1], id, "membership.create", "membership", uid);
        ae[1].after_json =
            ident_json_text(r, json_pack("{s:s, s:s}", "user_id", uid, "role", "owner"));
        store_audit_step(&steps[n], &slot[1], &ae[1]), n++;
    }
    int st = store_write(r->api->store, steps, n, &r->arena);
    if (st != SH_OK) {
        ident_store_error(r, st, "the project could not be created");
        goto out;
    }
    if (load_project(r, id, &rows) == 0) {
        http_reply_json(r, 201, project_json(&rows, 0));
        http_header(r, "Location", arena_printf(&r->arena, "/v1/admin/projects/%s", id));
    }
out:
    json_decref(body);
    return HTTP_DONE;
}

int api_admin_projects_list(struct http_req *r)
{
    const char *cursor;
    int limit = ident_limit(r, LIST_DEFAULT, LIST_MAX);
    struct store_rows rows;
    if (limit < 0 || ident_cursor(r, &cursor) != 0)
        return HTTP_DONE;
    int st = store_project_list(r->api->store, cursor, limit + 1, &r->arena, &rows);
    if (st != SH_OK)
        return ident_store_error(r, st, "");
    ident_page(r, &rows, limit, project_json);
    return HTTP_DONE;
}

int api_admin_projects_get(struct http_req *r)
{
    struct store_rows rows;
    if (load_project(r, r->params[0], &rows) == 0)
        http_reply_json(r, 200, project_json(&rows, 0));
    return HTTP_DONE;
}

int api_admin_projects_update(struct http_req *r)
{
    struct field_errors fe = {0};
    const char *id = r->params[0];
    struct store_args a;
    struct store_step steps[2];
    struct audit_slot slot;
    struct audit_entry ae;
    struct store_rows cur, rows;
    json_t *body = api_json_object(r);

    if (body == NULL)
        return HTTP_DONE;
    const char *name = get_name(body, 1, &fe);
    if (fe.n > 0) {
        invalid(r, &fe);
        goto out;
    }
    if (load_project(r, id, &cur) != 0)
        goto out;
    store_project_rename_step(&steps[0], &a, id, name, clock_now_ms());
    audit(r, &ae, id, "project.update", "project", id);
    ae.before_json = ident_json_text(r, project_json(&cur, 0));
    ae.after_json = ident_json_text(r, json_pack("{s:s, s:s}", "id", id, "name", name));
    store_audit_step(&steps[1], &slot, &ae);
    int st = store_write(r->api->store, steps, 2, &r->arena);
    if (st != SH_OK)
        ident_store_error(r, st, "no such project");
    else if (load_project(r, id, &rows) == 0)
        http_reply_json(r, 200, project_json(&rows, 0));
out:
    json_decref(body);
    return HTTP_DONE;
}

int api_admin_projects_delete(struct http_req *r)
{
    const char *id = r->params[0];
    struct store_args a[4];
    struct store_step steps[5];
    struct audit_slot slot;
    struct audit_entry ae;
    struct store_rows cur;
    int64_t now = clock_now_ms();

    if (load_project(r, id, &cur) != 0)
        return HTTP_DONE;
    store_project_delete_step(&steps[0], &a[0], id, now);
    store_project_keys_revoke_step(&steps[1], &a[1], id, now);
    store_project_clients_revoke_step(&steps[2], &a[2], id, now);
    store_tokens_revoke_project_step(&steps[3], &a[3], id, now);
    audit(r, &ae, id, "project.delete", "project", id);
    ae.before_json = ident_json_text(r, project_json(&cur, 0));
    store_audit_step(&steps[4], &slot, &ae);
    int st = store_write(r->api->store, steps, 5, &r->arena);
    if (st != SH_OK)
        return ident_store_error(r, st, "no such project");
    http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}

int api_projects_mine(struct http_req *r)
{
    struct store_rows rows;
    int st = r->principal.is_admin
                 ? store_project_list(r->api->store, NULL, 1000, &r->arena, &rows)
                 : store_projects_of_user(r->api->store, r->principal.user_id, &r->arena, &rows);
    if (st != SH_OK)
        return ident_store_error(r, st, "");
    json_t *data = json_array();
    for (size_t i = 0; i < rows.n; i++) {
        json_t *p =
            json_pack("{s:s, s:s}", "id", store_cell(&rows, i, 0), "name", store_cell(&rows, i, 1));
        if (r->principal.is_admin) {
            json_object_set_new(p, "role", json_string("owner"));
            json_object_set_new(p, "created_at", ident_time(store_cell(&rows, i, 2)));
        } else {
            json_object_set_new(p, "role", json_string(store_cell(&rows, i, 2)));
            json_object_set_new(p, "created_at", ident_time(store_cell(&rows, i, 3)));
        }
        json_array_append_new(data, p);
    }
    http_reply_json(r, 200, json_pack("{s:o, s:n}", "data", data, "next_cursor"));
    return HTTP_DONE;
}

/* ---- members (owners and admins of the project; route min_role "admin") ---- */

int api_members_list(struct http_req *r)
{
    struct store_rows rows;
    int st = store_member_list(r->api->store, r->principal.project_id, &r->arena, &rows);
    if (st != SH_OK)
        return ident_store_error(r, st, "");
    json_t *data = json_array();
    for (size_t i = 0; i < rows.n; i++)
        json_array_append_new(data, member_json(&rows, i));
    http_reply_json(r, 200, json_pack("{s:o, s:n}", "data", data, "next_cursor"));
    return HTTP_DONE;
}

/* Only an owner may grant or take away "owner". */
static int may_touch_owner(struct http_req *r, const char *role)
{
    if (strcmp(role, "owner") == 0 && strcmp(r->principal.role, "owner") != 0) {
        http_problem(r, 403, "insufficient_role", "Forbidden",
                     "only an owner can grant or change the owner role", NULL);
        return 0;
    }
    return 1;
}

static int load_member(struct http_req *r, const char *uid, struct store_rows *rows)
{
    int st = store_member_get(r->api->store, r->principal.project_id, uid, &r->arena, rows);
    if (st == SH_OK && rows->n == 0)
        st = SH_ENOTFOUND;
    if (st != SH_OK) {
        ident_store_error(r, st, "no such member");
        return -1;
    }
    return 0;
}

int api_members_add(struct http_req *r)
{
    struct field_errors fe = {0};
    const char *pid = r->principal.project_id;
    struct store_args a;
    struct store_step steps[2];
    struct audit_slot slot;
    struct audit_entry ae;
    struct store_rows user, rows;
    json_t *body = api_json_object(r);

    if (body == NULL)
        return HTTP_DONE;
    json_t *email = json_object_get(body, "email");
    json_t *role = json_object_get(body, "role");
    if (!json_is_string(email))
        field_error_add(&fe, "email", "required", "email is required");
    if (!json_is_string(role) || !ident_role_valid(json_string_value(role)))
        field_error_add(&fe, "role", "invalid_role", "role is owner, admin, member or viewer");
    if (fe.n > 0) {
        invalid(r, &fe);
        goto out;
    }
    if (!may_touch_owner(r, json_string_value(role)))
        goto out;
    int st = store_user_get_by_email(r->api->store, json_string_value(email), &r->arena, &user);
    if (st != SH_OK) {
        ident_store_error(r, st, "");
        goto out;
    }
    if (user.n == 0 || store_cell_int(&user, 0, 4) == 0) {
        field_error_add(&fe, "email", "unknown_user", "no active user has this e-mail");
        invalid(r, &fe);
        goto out;
    }
    const char *uid = store_cell(&user, 0, 0);
    store_member_insert_step(&steps[0], &a, pid, uid, json_string_value(role), clock_now_ms());
    audit(r, &ae, pid, "membership.create", "membership", uid);
    ae.after_json = ident_json_text(
        r, json_pack("{s:s, s:s}", "user_id", uid, "role", json_string_value(role)));
    store_audit_step(&steps[1], &slot, &ae);
    st = store_write(r->api->store, steps, 2, &r->arena);
    if (st == SH_EEXIST) {
        http_problem(r, 409, "already_member", "Conflict",
                     "this user is already a member; change the role with PATCH", NULL);
        goto out;
    }
    if (st != SH_OK) {
        ident_store_error(r, st, "");
        goto out;
    }
    if (load_member(r, uid, &rows) == 0)
        http_reply_json(r, 201, member_json(&rows, 0));
out:
    json_decref(body);
    return HTTP_DONE;
}

static int last_owner(struct http_req *r)
{
    http_problem(r, 409, "last_owner", "Conflict",
                 "a project keeps at least one owner; make someone else owner first", NULL);
    return HTTP_DONE;
}

int api_members_update(struct http_req *r)
{
    struct field_errors fe = {0};
    const char *pid = r->principal.project_id, *uid = r->params[1];
    struct store_args a;
    struct store_step steps[2];
    struct audit_slot slot;
    struct audit_entry ae;
    struct store_rows cur, rows;
    json_t *body = api_json_object(r);

    if (body == NULL)
        return HTTP_DONE;
    json_t *role = json_object_get(body, "role");
    if (!json_is_string(role) || !ident_role_valid(json_string_value(role))) {
        field_error_add(&fe, "role", "invalid_role", "role is owner, admin, member or viewer");
        invalid(r, &fe);
        goto out;
    }
    if (load_member(r, uid, &cur) != 0)
        goto out;
    if (!may_touch_owner(r, json_string_value(role)) || !may_touch_owner(r, store_cell(&cur, 0, 3)))
        goto out;
    store_member_role_step(&steps[0], &a, pid, uid, json_string_value(role));
    audit(r, &ae, pid, "membership.update", "membership", uid);
    ae.before_json =
        ident_json_text(r, json_pack("{s:s, s:s}", "user_id", uid, "role", store_cell(&cur, 0, 3)));
    ae.after_json = ident_json_text(
        r, json_pack("{s:s, s:s}", "user_id", uid, "role", json_string_value(role)));
    store_audit_step(&steps[1], &slot, &ae);
    int st = store_write(r->api->store, steps, 2, &r->arena);
    if (st == SH_ENOTFOUND)
        last_owner(r); /* it existed a moment ago: the guard refused */
    else if (st != SH_OK)
        ident_store_error(r, st, "");
    else if (load_member(r, uid, &rows) == 0)
        http_reply_json(r, 200, member_json(&rows, 0));
out:
    json_decref(body);
    return HTTP_DONE;
}

int api_members_delete(struct http_req *r)
{
    const char *pid = r->principal.project_id, *uid = r->params[1];
    struct store_args a;
    struct store_step steps[2];
    struct audit_slot slot;
    struct audit_entry ae;
    struct store_rows cur;

    if (load_member(r, uid, &cur) != 0)
        return HTTP_DONE;
    if (!may_touch_owner(r, store_cell(&cur, 0, 3)))
        return HTTP_DONE;
    store_member_delete_step(&steps[0], &a, pid, uid);
    audit(r, &ae, pid, "membership.delete", "membership", uid);
    ae.before_json =
        ident_json_text(r, json_pack("{s:s, s:s}", "user_id", uid, "role", store_cell(&cur, 0, 3)));
    store_audit_step(&steps[1], &slot, &ae);
    int st = store_write(r->api->store, steps, 2, &r->arena);
    if (st == SH_ENOTFOUND)
        return last_owner(r);
    if (st != SH_OK)
        return ident_store_error(r, st, "");
    http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}

/* ---- OAuth2 clients ---- */

static int scope_known(const char *s, size_t n)
{
    for (int i = 0; known_scopes[i] != NULL; i++)
        if (strlen(known_scopes[i]) == n && strncmp(known_scopes[i], s, n) == 0)
            return 1;
    return 0;
}

/* Validates "scopes": an array of known scope names → space-separated text in the arena. */
static const char *get_scopes(struct http_req *r, json_t *v, struct field_errors *fe)
{
    size_t i;
    json_t *s;
    char buf[SCOPES_MAX + 1] = "";
    if (v == NULL)
        return "messages:send messages:read";
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 16)
        goto bad;
    json_array_foreach(v, i, s)
    {
        if (!json_is_string(s) || !scope_known(json_string_value(s), strlen(json_string_value(s))))
            goto bad;
        if (strlen(buf) + strlen(json_string_value(s)) + 2 > sizeof(buf))
            goto bad;
        if (buf[0] != '\0')
            strcat(buf, " ");
        strcat(buf, json_string_value(s));
    }
    return arena_strndup(&r->arena, buf, strlen(buf));
bad:
    field_error_add(fe, "scopes", "invalid_scope",
                    "scopes is a non-empty array of: "
                    "messages:send, messages:read");
    return NULL;
}

int api_clients_create(struct http_req *r)
{
    struct field_errors fe = {0};
    const char *pid = r->principal.project_id;
    char id[ID_MAX], secret[TOKEN_MAX];
    unsigned char hash[32];
    struct store_args a;
    struct store_step steps[2];
    struct audit_slot slot;
    struct audit_entry ae;
    int64_t now = clock_now_ms();
    json_t *body = api_json_object(r);

    if (body == NULL)
        return HTTP_DONE;
    const char *name = get_name(body, 0, &fe);
    const char *scopes = get_scopes(r, json_object_get(body, "scopes"), &fe);
    if (fe.n > 0) {
        invalid(r, &fe);
        goto out;
    }
    if (name == NULL)
        name = "";
    id_new("cli", now, id, sizeof(id));
    token_generate(TOKEN_CLIENT_SECRET, secret, sizeof(secret));
    token_hash(secret, hash);
    store_client_insert_step(&steps[0], &a, id, pid, name, hash, scopes, now);
    audit(r, &ae, pid, "client.create", "client", id);
    ae.after_json =
        ident_json_text(r, json_pack("{s:s, s:s, s:s, s:s}", "client_id", id, "name", name,
                                     "scopes", scopes, "client_secret", "[redacted]"));
    store_audit_step(&steps[1], &slot, &ae);
    int st = store_write(r->api->store, steps, 2, &r->arena);
    if (st != SH_OK) {
        ident_store_error(r, st, "");
    } else {
        char created[40];
        http_reply_json(r, 201,
                        json_pack("{s:s, s:s, s:s, s:s, s:s}", "client_id", id, "client_secret",
                                  secret, "name", name, "scopes", scopes, "created_at",
                                  clock_fmt_rfc3339(now, created, sizeof(created))));
        http_header(r, "Cache-Control", "no-store");
    }
    sodium_memzero(secret, sizeof(secret));
out:
    json_decref(body);
    return HTTP_DONE;
}

int api_clients_list(struct http_req *r)
{
    struct store_rows rows;
    int st = store_client_list(r->api->store, r->principal.project_id, &r->arena, &rows);
    if (st != SH_OK)
        return ident_store_error(r, st, "");
    json_t *data = json_array();
    for (size_t i = 0; i < rows.n; i++)
        json_array_append_new(data, client_json(&rows, i));
    http_reply_json(r, 200, json_pack("{s:o, s:n}", "data", data, "next_cursor"));
    return HTTP_DONE;
}

int api_clients_delete(struct http_req *r)
{
    const char *pid = r->principal.project_id, *cid = r->params[1];
    struct store_args a[2];
    struct store_step steps[3];
    struct audit_slot slot;
    struct audit_entry ae;
    int64_t now = clock_now_ms();

    store_client_revoke_step(&steps[0], &a[0], pid, cid, now);
    store_tokens_revoke_client_step(&steps[1], &a[1], cid, now);
    audit(r, &ae, pid, "client.revoke", "client", cid);
    store_audit_step(&steps[2], &slot, &ae);
    int st = store_write(r->api->store, steps, 3, &r->arena);
    if (st != SH_OK)
        return ident_store_error(r, st, "no such client");
    http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}
