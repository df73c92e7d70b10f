/*
 * oauth.c — the OAuth2 token endpoint (RFC 6749 §3.2): POST /oauth/token with a
 * form-encoded body. Grants: password (§4.3). Answers are JSON with Cache-Control: no-store;
 * errors use the RFC's codes (§5.2). Tokens are stored hashed; the answer is the only place
 * they ever appear.
 */
#include "api/api.h"
#include "core/token.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/form.h"
#include "lib/id.h"
#include "store/tokens.h"

#include <sodium.h>
#include <string.h>

#define ACCESS_TTL_S 900
#define REFRESH_TTL_S (30 * 24 * 3600)

/* An RFC 6749 §5.2 error answer. */
static int oauth_error(struct http_req *r, unsigned status, const char *error, const char *desc)
{
    json_t *b = json_pack("{s:s, s:s}", "error", error, "error_description", desc);
    http_reply_json(r, status, b);
    http_header(r, "Cache-Control", "no-store");
    http_header(r, "Pragma", "no-cache");
    return HTTP_DONE;
}

/* Issues an access + refresh token pair for a user and answers with them. */
static int issue_user_tokens(struct http_req *r, const char *user_id)
{
    char access[TOKEN_MAX], refresh[TOKEN_MAX], aid[ID_MAX], rid[ID_MAX], fam[ID_MAX];
    int64_t now = clock_now_ms();
    struct store_token t[2];

    memset(t, 0, sizeof(t));
    token_generate(TOKEN_ACCESS, access, sizeof(access));
    token_generate(TOKEN_REFRESH, refresh, sizeof(refresh));
    id_new("tok", now, aid, sizeof(aid));
    id_new("tok", now, rid, sizeof(rid));
    id_new("fam", now, fam, sizeof(fam));
    t[0] = (struct store_token){.id = aid, .kind = TOKEN_ACCESS, .family_id = fam,
                                .user_id = user_id, .created_at = now,
                                .expires_at = now + ACCESS_TTL_S * 1000LL};
    t[1] = (struct store_token){.id = rid, .kind = TOKEN_REFRESH, .family_id = fam,
                                .user_id = user_id, .created_at = now,
                                .expires_at = now + REFRESH_TTL_S * 1000LL};
    token_hash(access, t[0].hash);
    token_hash(refresh, t[1].hash);
    int st = store_tokens_insert(r->api->store, t, 2);
    if (st != SH_OK) {
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "the token could not be stored; try again", NULL);
        return HTTP_DONE;
    }
    json_t *b = json_pack("{s:s, s:s, s:i, s:s}", "access_token", access, "token_type", "Bearer",
                          "expires_in", ACCESS_TTL_S, "refresh_token", refresh);
    sodium_memzero(access, sizeof(access));
    sodium_memzero(refresh, sizeof(refresh));
    http_reply_json(r, 200, b);
    http_header(r, "Cache-Control", "no-store");
    http_header(r, "Pragma", "no-cache");
    return HTTP_DONE;
}

static int grant_password(struct http_req *r, const struct form *f)
{
    /* a hash of a random password: verifying against it costs what a real check costs, so an
     * unknown address answers no faster than a wrong password */
    static const char dummy[crypto_pwhash_STRBYTES] =
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
        "qLml5cbqFAO6YxVHhrSBHP0UWdxrIxkNcM8aMuZzzkg";
    const char *user = form_get(f, "username");
    const char *pass = form_get(f, "password");
    struct store_user_auth u;
    int st;

    if (user == NULL || pass == NULL)
        return oauth_error(r, 400, "invalid_request", "username and password are required");
    if (strlen(user) > 254 || strlen(pass) > 1024)
        return oauth_error(r, 400, "invalid_request", "username or password too long");
    st = store_user_by_email(r->api->store, user, &u);
    if (st != SH_OK && st != SH_ENOTFOUND) {
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "the user store cannot be read right now", NULL);
        return HTTP_DONE;
    }
    const char *hash = st == SH_OK ? u.password_hash : dummy;
    int ok = crypto_pwhash_str_verify(hash, pass, strlen(pass)) == 0;
    if (st != SH_OK || !ok || !u.active)
        return oauth_error(r, 400, "invalid_grant", "the e-mail or password is wrong");
    return issue_user_tokens(r, u.id);
}

int api_oauth_token(struct http_req *r)
{
    struct form f;
    const char *bad = NULL;

    if (form_parse(r->body != NULL ? r->body : "", r->body_len, &r->arena, &f, &bad) != SH_OK)
        return oauth_error(r, 400, "invalid_request",
                           bad != NULL ? "a parameter is repeated or badly encoded"
                                       : "the body is not valid form encoding");
    const char *grant = form_get(&f, "grant_type");
    if (grant == NULL)
        return oauth_error(r, 400, "invalid_request", "grant_type is required");
    if (strcmp(grant, "password") == 0)
        return grant_password(r, &f);
    return oauth_error(r, 400, "unsupported_grant_type", "this grant_type is not supported");
}
