/*
 * identity.h — users, projects, memberships, OAuth2 clients, e-mailed tokens and token
 * revocation (SPEC §2.1–2.2). Reads return rows (columns listed per function, text cells in
 * the caller's arena). Changes are steps: each *_step fills step (and args, which must live
 * until store_write returns) so the caller can run them in one store_write together with the
 * audit entry (store/audit.h). Steps marked ONE fail the write with SH_ENOTFOUND when they
 * change no row. Blocks (reads); any handler thread.
 */
#ifndef SH_STORE_IDENTITY_H
#define SH_STORE_IDENTITY_H

#include "store/store.h"

/* ---- users ---- */
/* Columns of user rows: id, email, name, is_admin, active, created_at, updated_at,
 * email_verified_at. */
int store_user_get(struct store *s, const char *id, struct arena *a, struct store_rows *out);
int store_user_get_by_email(struct store *s, const char *email, struct arena *a,
                            struct store_rows *out);
/* Users with id > after (NULL: from the start), by id, at most limit. */
int store_user_list(struct store *s, const char *after, int limit, struct arena *a,
                    struct store_rows *out);
/* The password hash of user id into out. SH_ENOTFOUND, SH_EIO. */
int store_user_password_hash(struct store *s, const char *id, char *out, size_t cap);

void store_user_insert_step(struct store_step *st, struct store_args *a, const char *id,
                            const char *email, const char *name, const char *pwhash, int is_admin,
                            int64_t now);
/* ONE: sets name, is_admin, active of user id. */
void store_user_update_step(struct store_step *st, struct store_args *a, const char *id,
                            const char *name, int is_admin, int active, int64_t now);
/* ONE: sets the password hash of an active user. */
void store_user_password_step(struct store_step *st, struct store_args *a, const char *id,
                              const char *pwhash, int64_t now);
/* Marks the address of user id verified (ONE). */
void store_user_verified_step(struct store_step *st, struct store_args *a, const char *id,
                              int64_t now);

/* ---- tokens (table tokens) ---- */
/* Revokes every live token of user_id except the family of token keep (NULL: none). */
void store_tokens_revoke_user_step(struct store_step *st, struct store_args *a, const char *user_id,
                                   const char *keep, int64_t now);
/* Revokes every live token of family. */
void store_tokens_revoke_family_step(struct store_step *st, struct store_args *a,
                                     const char *family, int64_t now);
/* Revokes the family of the token with id token_id. */
void store_tokens_revoke_family_of_step(struct store_step *st, struct store_args *a,
                                        const char *token_id, int64_t now);
/* Revokes every live token of a project (client tokens). */
void store_tokens_revoke_project_step(struct store_step *st, struct store_args *a,
                                      const char *project_id, int64_t now);
/* Revokes every live token of a client. */
void store_tokens_revoke_client_step(struct store_step *st, struct store_args *a,
                                     const char *client_id, int64_t now);
/* ONE: marks the refresh token with this hash used, when it is live, unused and unexpired.
 * The race-free half of rotation: of two concurrent refreshes only one changes the row. */
void store_refresh_use_step(struct store_step *st, struct store_args *a,
                            const unsigned char hash[32], int64_t now);

/* ---- projects ---- */
/* Columns of project rows: id, name, created_at, updated_at, deleted_at. */
int store_project_get(struct store *s, const char *id, struct arena *a, struct store_rows *out);
/* Live projects with id > after, by id. */
int store_project_list(struct store *s, const char *after, int limit, struct arena *a,
                       struct store_rows *out);
/* The live projects of user_id: id, name, role, created_at. */
int store_projects_of_user(struct store *s, const char *user_id, struct arena *a,
                           struct store_rows *out);
void store_project_insert_step(struct store_step *st, struct store_args *a, const char *id,
                               const char *name, int64_t now);
/* ONE: renames a live project. */
void store_project_rename_step(struct store_step *st, struct store_args *a, const char *id,
                               const char *name, int64_t now);
/* ONE: soft-deletes a live project. */
void store_project_delete_step(struct store_step *st, struct store_args *a, const char *id,
                               int64_t now);
/* Revokes every API key and client of a project (with its deletion). */
void store_project_keys_revoke_step(struct store_step *st, struct store_args *a,
                                    const char *project_id, int64_t now);
void store_project_clients_revoke_step(struct store_step *st, struct store_args *a,
                                       const char *project_id, int64_t now);

/* ---- memberships ---- */
/* Members of a project: user_id, email, name, role, created_at (by e-mail). */
int store_member_list(struct store *s, const char *project_id, struct arena *a,
                      struct store_rows *out);
/* One member: the same columns. */
int store_member_get(struct store *s, const char *project_id, const char *user_id, struct arena *a,
                     struct store_rows *out);
void store_member_insert_step(struct store_step *st, struct store_args *a, const char *project_id,
                              const char *user_id, const char *role, int64_t now);
/* ONE: changes a member's role, unless it would leave the project without an owner. */
void store_member_role_step(struct store_step *st, struct store_args *a, const char *project_id,
                            const char *user_id, const char *role);
/* ONE: removes a member, unless it is the project's last owner. */
void store_member_delete_step(struct store_step *st, struct store_args *a, const char *project_id,
                              const char *user_id);

/* ---- OAuth2 clients ---- */
/* Clients of a project: id, name, scopes, created_at, revoked_at (newest first). */
int store_client_list(struct store *s, const char *project_id, struct arena *a,
                      struct store_rows *out);
/* The live client id of a live project whose secret hashes to hash: project_id, scopes. */
int store_client_auth(struct store *s, const char *id, const unsigned char hash[32],
                      struct arena *a, struct store_rows *out);
void store_client_insert_step(struct store_step *st, struct store_args *a, const char *id,
                              const char *project_id, const char *name,
                              const unsigned char hash[32], const char *scopes, int64_t now);
/* ONE: revokes a live client of project_id. */
void store_client_revoke_step(struct store_step *st, struct store_args *a, const char *project_id,
                              const char *id, int64_t now);

/* ---- e-mailed single-use tokens (user_tokens) ---- */
/* The user of a live token with this hash and purpose: user_id, email. */
int store_user_token_find(struct store *s, const unsigned char hash[32], const char *purpose,
                          int64_t now, struct arena *a, struct store_rows *out);
void store_user_token_insert_step(struct store_step *st, struct store_args *a, const char *id,
                                  const char *user_id, const char *purpose,
                                  const unsigned char hash[32], int64_t now, int64_t expires);
/* ONE: marks a live token used (single use, race-free). */
void store_user_token_use_step(struct store_step *st, struct store_args *a,
                               const unsigned char hash[32], const char *purpose, int64_t now);

#endif
