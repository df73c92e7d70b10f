/*
 * identity.c — users, projects, memberships, clients, e-mailed tokens and token revocation
 * (store/identity.h): portable SQL run by the backends' control-plane executor. Conditions
 * that must hold at the moment of the change (last owner, single use) live in the UPDATE
 * itself: the writer runs one write at a time, so no check-then-act race exists.
 */
#include "store/identity.h"
#include "lib/err.h"

#include <stdio.h>
#include <string.h>

#define USER_COLS "id, email, name, is_admin, active, created_at, updated_at, email_verified_at"

static const struct store_q q_user_get = {
    "identity.user_get", "SELECT " USER_COLS " FROM users WHERE id = $1", NULL, NULL, 0};
static const struct store_q q_user_by_email = {
    "identity.user_by_email", "SELECT " USER_COLS " FROM users WHERE lower(email) = lower($1)",
    NULL, NULL, 0};
static const struct store_q q_user_list = {
    "identity.user_list",
    "SELECT " USER_COLS " FROM users WHERE ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2", NULL,
    NULL, 0};
static const struct store_q q_user_pw = {
    "identity.user_pw", "SELECT password_hash FROM users WHERE id = $1 AND active = 1", NULL, NULL,
    0};
static const struct store_q q_user_insert = {
    "identity.user_insert",
    "INSERT INTO users(id, email, name, password_hash, is_admin, active, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
    NULL, NULL, 0};
static const struct store_q q_user_update = {
    "identity.user_update",
    "UPDATE users SET name = $2, is_admin = $3, active = $4, updated_at = $5 WHERE id = $1", NULL,
    NULL, STORE_Q_ONE};
static const struct store_q q_user_password = {
    "identity.user_password",
    "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1 AND active = 1", NULL, NULL,
    STORE_Q_ONE};
static const struct store_q q_user_verified = {
    "identity.user_verified",
    "UPDATE users SET email_verified_at = $2, updated_at = $2 WHERE id = $1 AND active = 1", NULL,
    NULL, STORE_Q_ONE};

static const struct store_q q_revoke_user = {
    "identity.revoke_user",
    "UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL "
    "AND ($3 IS NULL OR family_id <> (SELECT k.family_id FROM tokens k WHERE k.id = $3))",
    NULL, NULL, 0};
static const struct store_q q_revoke_family = {
    "identity.revoke_family",
    "UPDATE tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL", NULL, NULL, 0};
static const struct store_q q_revoke_family_of = {
    "identity.revoke_family_of",
    "UPDATE tokens SET revoked_at = $2 WHERE revoked_at IS NULL AND family_id = "
    "(SELECT family_id FROM tokens WHERE id = $1)",
    NULL, NULL, 0};
static const struct store_q q_revoke_project = {
    "identity.revoke_project",
    "UPDATE tokens SET revoked_at = $2 WHERE project_id = $1 AND revoked_at IS NULL", NULL, NULL,
    0};
static const struct store_q q_revoke_client = {
    "identity.revoke_client",
    "UPDATE tokens SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL", NULL, NULL, 0};
static const struct store_q q_refresh_use = {
    "identity.refresh_use",
    "UPDATE tokens SET used_at = $2 WHERE token_hash = $1 AND kind = '1' AND used_at IS NULL "
    "AND revoked_at IS NULL AND expires_at > $2",
    NULL, NULL, STORE_Q_ONE};

#define PROJECT_COLS "id, name, created_at, updated_at, deleted_at"
static const struct store_q q_project_get = {
    "identity.project_get", "SELECT " PROJECT_COLS " FROM projects WHERE id = $1", NULL, NULL, 0};
static const struct store_q q_project_list = {
    "identity.project_list",
    "SELECT " PROJECT_COLS " FROM projects WHERE deleted_at IS NULL AND ($1 IS NULL OR id > $1) "
    "ORDER BY id LIMIT $2",
    NULL, NULL, 0};
static const struct store_q q_projects_of_user = {
    "identity.projects_of_user",
    "SELECT p.id, p.name, m.role, p.created_at FROM memberships m JOIN projects p ON p.id = "
    "m.project_id WHERE m.user_id = $1 AND p.deleted_at IS NULL ORDER BY p.id LIMIT 1000",
    NULL, NULL, 0};
static const struct store_q q_project_insert = {
    "identity.project_insert",
    "INSERT INTO projects(id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)", NULL, NULL,
    0};
static const struct store_q q_project_rename = {
    "identity.project_rename",
    "UPDATE projects SET name = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL", NULL,
    NULL, STORE_Q_ONE};
static const struct store_q q_project_delete = {
    "identity.project_delete",
    "UPDATE projects SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};
static const struct store_q q_project_keys_revoke = {
    "identity.project_keys_revoke",
    "UPDATE api_keys SET revoked_at = $2 WHERE project_id = $1 AND revoked_at IS NULL", NULL, NULL,
    0};
static const struct store_q q_project_clients_revoke = {
    "identity.project_clients_revoke",
    "UPDATE project_clients SET revoked_at = $2 WHERE project_id = $1 AND revoked_at IS NULL", NULL,
    NULL, 0};

#define MEMBER_SELECT                                                                              \
    "SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u "     \
    "ON u.id = m.user_id WHERE m.project_id = $1"
static const struct store_q q_member_list = {
    "identity.member_list", MEMBER_SELECT " ORDER BY u.email LIMIT 1000", NULL, NULL, 0};
static const struct store_q q_member_get = {"identity.member_get",
                                            MEMBER_SELECT " AND m.user_id = $2", NULL, NULL, 0};
static const struct store_q q_member_insert = {
    "identity.member_insert",
    "INSERT INTO memberships(project_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)", NULL,
    NULL, 0};
static const struct store_q q_member_role = {
    "identity.member_role",
    "UPDATE memberships SET role = $3 WHERE project_id = $1 AND user_id = $2 AND "
    "($3 = 'owner' OR role <> 'owner' OR (SELECT COUNT(*) FROM memberships o WHERE "
    "o.project_id = $1 AND o.role = 'owner') > 1)",
    NULL, NULL, STORE_Q_ONE};
static const struct store_q q_member_delete = {
    "identity.member_delete",
    "DELETE FROM memberships WHERE project_id = $1 AND user_id = $2 AND (role <> 'owner' OR "
    "(SELECT COUNT(*) FROM memberships o WHERE o.project_id = $1 AND o.role = 'owner') > 1)",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_client_list = {
    "identity.client_list",
    "SELECT id, name, scopes, created_at, revoked_at FROM project_clients WHERE project_id = $1 "
    "ORDER BY id DESC LIMIT 1000",
    NULL, NULL, 0};
static const struct store_q q_client_auth = {
    "identity.client_auth",
    "SELECT c.project_id, c.scopes FROM project_clients c JOIN projects p ON p.id = "
    "c.project_id WHERE c.id = $1 AND c.secret_hash = $2 AND c.revoked_at IS NULL AND "
    "p.deleted_at IS NULL",
    NULL, NULL, 0};
static const struct store_q q_client_insert = {
    "identity.client_insert",
    "INSERT INTO project_clients(id, project_id, name, secret_hash, scopes, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)",
    NULL, NULL, 0};
static const struct store_q q_client_revoke = {
    "identity.client_revoke",
    "UPDATE project_clients SET revoked_at = $3 WHERE project_id = $1 AND id = $2 AND "
    "revoked_at IS NULL",
    NULL, NULL, STORE_Q_ONE};

static const struct store_q q_utok_find = {
    "identity.user_token_find",
    "SELECT t.user_id, u.email FROM user_tokens t JOIN users u ON u.id = t.user_id WHERE "
    "t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > $3 AND "
    "u.active = 1",
    NULL, NULL, 0};
static const struct store_q q_utok_insert = {
    "identity.user_token_insert",
    "INSERT INTO user_tokens(id, user_id, purpose, token_hash, created_at, expires_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)",
    NULL, NULL, 0};
static const struct store_q q_utok_use = {
    "identity.user_token_use",
    "UPDATE user_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 AND "
    "used_at IS NULL AND expires_at > $3",
    NULL, NULL, STORE_Q_ONE};

static void step(struct store_step *st, const struct store_q *q, struct store_args *a)
{
    st->q = q;
    st->args = a;
    st->out = NULL;
}

static int read_rows(struct store *s, const struct store_q *q, struct store_args *args,
                     struct arena *a, struct store_rows *out)
{
    memset(out, 0, sizeof(*out));
    return store_read(s, q, args, a, out);
}

/* ---- users ---- */

int store_user_get(struct store *s, const char *id, struct arena *a, struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, id);
    return read_rows(s, &q_user_get, &args, a, out);
}

int store_user_get_by_email(struct store *s, const char *email, struct arena *a,
                            struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, email);
    return read_rows(s, &q_user_by_email, &args, a, out);
}

int store_user_list(struct store *s, const char *after, int limit, struct arena *a,
                    struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, after);
    store_arg_int(&args, limit);
    return read_rows(s, &q_user_list, &args, a, out);
}

int store_user_password_hash(struct store *s, const char *id, char *out, size_t cap)
{
    struct store_args args = {0};
    struct store_rows r;
    struct arena ar;
    arena_init(&ar);
    store_arg_text(&args, id);
    int st = read_rows(s, &q_user_pw, &args, &ar, &r);
    if (st == SH_OK && r.n == 0)
        st = SH_ENOTFOUND;
    if (st == SH_OK)
        snprintf(out, cap, "%s", store_cell(&r, 0, 0) != NULL ? store_cell(&r, 0, 0) : "");
    arena_release(&ar);
    return st;
}

void store_user_insert_step(struct store_step *st, struct store_args *a, const char *id,
                            const char *email, const char *name, const char *pwhash, int is_admin,
                            int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, id);
    store_arg_text(a, email);
    store_arg_text(a, name);
    store_arg_text(a, pwhash);
    store_arg_int(a, is_admin);
    store_arg_int(a, now);
    step(st, &q_user_insert, a);
}

void store_user_update_step(struct store_step *st, struct store_args *a, const char *id,
                            const char *name, int is_admin, int active, int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, id);
    store_arg_text(a, name);
    store_arg_int(a, is_admin);
    store_arg_int(a, active);
    store_arg_int(a, now);
    step(st, &q_user_update, a);
}

void store_user_password_step(struct store_step *st, struct store_args *a, const char *id,
                              const char *pwhash, int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, id);
    store_arg_text(a, pwhash);
    store_arg_int(a, now);
    step(st, &q_user_password, a);
}

void store_user_verified_step(struct store_step *st, struct store_args *a, const char *id,
                              int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, id);
    store_arg_int(a, now);
    step(st, &q_user_verified, a);
}

/* ---- tokens ---- */

static void id_time_step(struct store_step *st, struct store_args *a, const struct store_q *q,
                         const char *id, int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, id);
    store_arg_int(a, now);
    step(st, q, a);
}

void store_tokens_revoke_user_step(struct store_step *st, struct store_args *a, const char *user_id,
                                   const char *keep, int64_t now)
{
    id_time_step(st, a, &q_revoke_user, user_id, now);
    store_arg_text(a, keep);
}

void store_tokens_revoke_family_step(struct store_step *st, struct store_args *a,
                                     const char *family, int64_t now)
{
    id_time_step(st, a, &q_revoke_family, family, now);
}

void store_tokens_revoke_family_of_step(struct store_step *st, struct store_args *a,
                                        const char *token_id, int64_t now)
{
    id_time_step(st, a, &q_revoke_family_of, token_id, now);
}

void store_tokens_revoke_project_step(struct store_step *st, struct store_args *a,
                                      const char *project_id, int64_t now)
{
    id_time_step(st, a, &q_revoke_project, project_id, now);
}

void store_tokens_revoke_client_step(struct store_step *st, struct store_args *a,
                                     const char *client_id, int64_t now)
{
    id_time_step(st, a, &q_revoke_client, client_id, now);
}

void store_refresh_use_step(struct store_step *st, struct store_args *a,
                            const unsigned char hash[32], int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_blob(a, hash, 32);
    store_arg_int(a, now);
    step(st, &q_refresh_use, a);
}

/* ---- projects ---- */

int store_project_get(struct store *s, const char *id, struct arena *a, struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, id);
    return read_rows(s, &q_project_get, &args, a, out);
}

int store_project_list(struct store *s, const char *after, int limit, struct arena *a,
                       struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, after);
    store_arg_int(&args, limit);
    return read_rows(s, &q_project_list, &args, a, out);
}

int store_projects_of_user(struct store *s, const char *user_id, struct arena *a,
                           struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, user_id);
    return read_rows(s, &q_projects_of_user, &args, a, out);
}

void store_project_insert_step(struct store_step *st, struct store_args *a, const char *id,
                               const char *name, int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, id);
    store_arg_text(a, name);
    store_arg_int(a, now);
    step(st, &q_project_insert, a);
}

void store_project_rename_step(struct store_step *st, struct store_args *a, const char *id,
                               const char *name, int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, id);
    store_arg_text(a, name);
    store_arg_int(a, now);
    step(st, &q_project_rename, a);
}

void store_project_delete_step(struct store_step *st, struct store_args *a, const char *id,
                               int64_t now)
{
    id_time_step(st, a, &q_project_delete, id, now);
}

void store_project_keys_revoke_step(struct store_step *st, struct store_args *a,
                                    const char *project_id, int64_t now)
{
    id_time_step(st, a, &q_project_keys_revoke, project_id, now);
}

void store_project_clients_revoke_step(struct store_step *st, struct store_args *a,
                                       const char *project_id, int64_t now)
{
    id_time_step(st, a, &q_project_clients_revoke, project_id, now);
}

/* ---- memberships ---- */

int store_member_list(struct store *s, const char *project_id, struct arena *a,
                      struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, project_id);
    return read_rows(s, &q_member_list, &args, a, out);
}

int store_member_get(struct store *s, const char *project_id, const char *user_id, struct arena *a,
                     struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, project_id);
    store_arg_text(&args, user_id);
    return read_rows(s, &q_member_get, &args, a, out);
}

void store_member_insert_step(struct store_step *st, struct store_args *a, const char *project_id,
                              const char *user_id, const char *role, int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, project_id);
    store_arg_text(a, user_id);
    store_arg_text(a, role);
    store_arg_int(a, now);
    step(st, &q_member_insert, a);
}

void store_member_role_step(struct store_step *st, struct store_args *a, const char *project_id,
                            const char *user_id, const char *role)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, project_id);
    store_arg_text(a, user_id);
    store_arg_text(a, role);
    step(st, &q_member_role, a);
}

void store_member_delete_step(struct store_step *st, struct store_args *a, const char *project_id,
                              const char *user_id)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, project_id);
    store_arg_text(a, user_id);
    step(st, &q_member_delete, a);
}

/* ---- clients ---- */

int store_client_list(struct store *s, const char *project_id, struct arena *a,
                      struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, project_id);
    return read_rows(s, &q_client_list, &args, a, out);
}

int store_client_auth(struct store *s, const char *id, const unsigned char hash[32],
                      struct arena *a, struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, id);
    store_arg_blob(&args, hash, 32);
    return read_rows(s, &q_client_auth, &args, a, out);
}

void store_client_insert_step(struct store_step *st, struct store_args *a, const char *id,
                              const char *project_id, const char *name,
                              const unsigned char hash[32], const char *scopes, int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, id);
    store_arg_text(a, project_id);
    store_arg_text(a, name);
    store_arg_blob(a, hash, 32);
    store_arg_text(a, scopes);
    store_arg_int(a, now);
    step(st, &q_client_insert, a);
}

void store_client_revoke_step(struct store_step *st, struct store_args *a, const char *project_id,
                              const char *id, int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, project_id);
    store_arg_text(a, id);
    store_arg_int(a, now);
    step(st, &q_client_revoke, a);
}

/* ---- e-mailed tokens ---- */

int store_user_token_find(struct store *s, const unsigned char hash[32], const char *purpose,
                          int64_t now, struct arena *a, struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_blob(&args, hash, 32);
    store_arg_text(&args, purpose);
    store_arg_int(&args, now);
    return read_rows(s, &q_utok_find, &args, a, out);
}

void store_user_token_insert_step(struct store_step *st, struct store_args *a, const char *id,
                                  const char *user_id, const char *purpose,
                                  const unsigned char hash[32], int64_t now, int64_t expires)
{
    memset(a, 0, sizeof(*a));
    store_arg_text(a, id);
    store_arg_text(a, user_id);
    store_arg_text(a, purpose);
    store_arg_blob(a, hash, 32);
    store_arg_int(a, now);
    store_arg_int(a, expires);
    step(st, &q_utok_insert, a);
}

void store_user_token_use_step(struct store_step *st, struct store_args *a,
                               const unsigned char hash[32], const char *purpose, int64_t now)
{
    memset(a, 0, sizeof(*a));
    store_arg_blob(a, hash, 32);
    store_arg_text(a, purpose);
    store_arg_int(a, now);
    step(st, &q_utok_use, a);
}
