/*
 * tokens.c — token, user-credential and membership queries (store/tokens.h), portable SQL
 * run by the backends' control-plane executor.
 */
#include "store/tokens.h"
#include "lib/err.h"

#include <stdio.h>
#include <string.h>

static const struct store_q q_user_by_email = {
    "tokens.user_by_email",
    "SELECT id, password_hash, is_admin, active FROM users WHERE lower(email) = lower($1)", NULL,
    NULL, 0};

static const struct store_q q_token_insert = {
    "tokens.insert",
    "INSERT INTO tokens(id, kind, token_hash, family_id, user_id, project_id, client_id, scopes, "
    "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    NULL, NULL, 0};

static const struct store_q q_token_find = {
    "tokens.find",
    "SELECT t.id, t.family_id, t.user_id, t.project_id, t.client_id, t.scopes, t.kind, "
    "t.expires_at, t.used_at, t.revoked_at, COALESCE(u.is_admin, 0), COALESCE(u.active, 1), "
    "CASE WHEN p.deleted_at IS NULL THEN 1 ELSE 0 END "
    "FROM tokens t LEFT JOIN users u ON u.id = t.user_id "
    "LEFT JOIN projects p ON p.id = t.project_id WHERE t.token_hash = $1",
    NULL, NULL, 0};

static const struct store_q q_membership = {
    "tokens.membership",
    "SELECT m.role FROM memberships m JOIN projects p ON p.id = m.project_id "
    "WHERE m.user_id = $1 AND m.project_id = $2 AND p.deleted_at IS NULL",
    NULL, NULL, 0};

static const struct store_q q_project_live = {
    "tokens.project_live", "SELECT 1 FROM projects WHERE id = $1 AND deleted_at IS NULL", NULL,
    NULL, 0};

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src != NULL ? src : "");
}

int store_user_by_email(struct store *s, const char *email, struct store_user_auth *out)
{
    struct store_args a = {0};
    struct store_rows r;
    struct arena ar;
    int st;

    arena_init(&ar);
    store_arg_text(&a, email);
    st = store_read_one(s, &q_user_by_email, &a, &ar, &r);
    if (st == SH_OK) {
        copy(out->id, sizeof(out->id), store_cell(&r, 0, 0));
        copy(out->password_hash, sizeof(out->password_hash), store_cell(&r, 0, 1));
        out->is_admin = (int)store_cell_int(&r, 0, 2);
        out->active = (int)store_cell_int(&r, 0, 3);
    }
    arena_release(&ar);
    return st;
}

void store_token_insert_step(struct store_step *step, struct store_args *args,
                             const struct store_token *t)
{
    memset(args, 0, sizeof(*args));
    store_arg_text(args, t->id);
    store_arg_int(args, t->kind);
    store_arg_blob(args, t->hash, 32);
    store_arg_text(args, t->family_id);
    store_arg_text(args, t->user_id);
    store_arg_text(args, t->project_id);
    store_arg_text(args, t->client_id);
    store_arg_text(args, t->scopes != NULL ? t->scopes : "");
    store_arg_int(args, t->created_at);
    store_arg_int(args, t->expires_at);
    *step = (struct store_step){&q_token_insert, args, NULL};
}

int store_tokens_insert(struct store *s, const struct store_token *t, size_t n)
{
    struct store_args a[4];
    struct store_step steps[4];
    struct arena ar;
    int st;

    if (n > 4)
        return SH_EINVAL;
    arena_init(&ar);
    for (size_t i = 0; i < n; i++) {
        memset(&a[i], 0, sizeof(a[i]));
        store_arg_text(&a[i], t[i].id);
        store_arg_int(&a[i], t[i].kind);
        store_arg_blob(&a[i], t[i].hash, 32);
        store_arg_text(&a[i], t[i].family_id);
        store_arg_text(&a[i], t[i].user_id);
        store_arg_text(&a[i], t[i].project_id);
        store_arg_text(&a[i], t[i].client_id);
        store_arg_text(&a[i], t[i].scopes != NULL ? t[i].scopes : "");
        store_arg_int(&a[i], t[i].created_at);
        store_arg_int(&a[i], t[i].expires_at);
        steps[i] = (struct store_step){&q_token_insert, &a[i], NULL};
    }
    st = store_write(s, steps, n, &ar);
    arena_release(&ar);
    return st;
}

int store_token_find(struct store *s, const unsigned char hash[32], struct store_token_auth *out)
{
    struct store_args a = {0};
    struct store_rows r;
    struct arena ar;
    int st;

    arena_init(&ar);
    store_arg_blob(&a, hash, 32);
    st = store_read_one(s, &q_token_find, &a, &ar, &r);
    if (st == SH_OK) {
        memset(out, 0, sizeof(*out));
        copy(out->id, sizeof(out->id), store_cell(&r, 0, 0));
        copy(out->family_id, sizeof(out->family_id), store_cell(&r, 0, 1));
        copy(out->user_id, sizeof(out->user_id), store_cell(&r, 0, 2));
        copy(out->project_id, sizeof(out->project_id), store_cell(&r, 0, 3));
        copy(out->client_id, sizeof(out->client_id), store_cell(&r, 0, 4));
        copy(out->scopes, sizeof(out->scopes), store_cell(&r, 0, 5));
        out->kind = (int)store_cell_int(&r, 0, 6);
        out->expires_at = store_cell_int(&r, 0, 7);
        out->used_at = store_cell_int(&r, 0, 8);
        out->revoked_at = store_cell_int(&r, 0, 9);
        out->user_is_admin = (int)store_cell_int(&r, 0, 10);
        out->user_active = (int)store_cell_int(&r, 0, 11);
        out->project_live = (int)store_cell_int(&r, 0, 12);
    }
    arena_release(&ar);
    return st;
}

int store_membership_role(struct store *s, const char *user_id, const char *project_id, char *role,
                          size_t cap)
{
    struct store_args a = {0};
    struct store_rows r;
    struct arena ar;
    int st;

    arena_init(&ar);
    store_arg_text(&a, user_id);
    store_arg_text(&a, project_id);
    st = store_read_one(s, &q_membership, &a, &ar, &r);
    if (st == SH_OK)
        copy(role, cap, store_cell(&r, 0, 0));
    arena_release(&ar);
    return st;
}

int store_project_live(struct store *s, const char *project_id)
{
    struct store_args a = {0};
    struct store_rows r;
    struct arena ar;
    int st;

    arena_init(&ar);
    store_arg_text(&a, project_id);
    st = store_read_one(s, &q_project_live, &a, &ar, &r);
    arena_release(&ar);
    return st;
}
