/*
 * tokens.h — users' credentials as the OAuth2 endpoint and the authenticator need them:
 * users by e-mail, access/refresh tokens by hash, memberships and project liveness.
 * Blocks (store reads and writes); any handler thread.
 */
#ifndef SH_STORE_TOKENS_H
#define SH_STORE_TOKENS_H

#include "store/store.h"

struct store_user_auth {
    char id[48];
    char password_hash[160];
    int is_admin;
    int active;
};

/* The user with this e-mail (compared case-insensitively). SH_ENOTFOUND, SH_EIO. */
int store_user_by_email(struct store *s, const char *email, struct store_user_auth *out);

struct store_token {
    const char *id;
    int kind; /* 0 access, 1 refresh (core/token.h) */
    unsigned char hash[32];
    const char *family_id;
    const char *user_id;    /* or NULL */
    const char *project_id; /* or NULL (client tokens have one) */
    const char *client_id;  /* or NULL */
    const char *scopes;
    int64_t created_at, expires_at;
};

/* Inserts n tokens in one transaction. SH_OK or an error. */
int store_tokens_insert(struct store *s, const struct store_token *t, size_t n);

struct store_token_auth {
    char id[48];
    char family_id[48];
    char user_id[48];
    char project_id[48];
    char client_id[48];
    char scopes[256];
    int kind;
    int64_t expires_at;
    int64_t used_at;    /* 0 = never */
    int64_t revoked_at; /* 0 = live */
    int user_is_admin;
    int user_active; /* 1 when the token has no user */
};

/* The token with this hash (any state: the caller checks expiry and revocation). */
int store_token_find(struct store *s, const unsigned char hash[32], struct store_token_auth *out);

/* The role of user_id in live project project_id. SH_ENOTFOUND when none. */
int store_membership_role(struct store *s, const char *user_id, const char *project_id, char *role,
                          size_t cap);

/* SH_OK when project_id exists and is not deleted, SH_ENOTFOUND otherwise. */
int store_project_live(struct store *s, const char *project_id);

#endif
