/*
 * oauth.c — the OAuth2 token endpoint (RFC 6749 §3.2) and its JSON companions.
 *
 * POST /oauth/token (form-encoded): grants password (§4.3), refresh_token (§6) and
 * client_credentials (§4.4, client authenticated by HTTP Basic or form fields, §2.3.1).
 * POST /v1/auth/refresh (JSON {"refresh_token"}) rotates like the refresh grant;
 * POST /v1/auth/logout revokes the caller's token family (and a refresh token's, if given).
 *
 * Refresh tokens are single use: rotation marks the old one used with a conditional UPDATE in
 * the same write as the new pair, so of two concurrent refreshes one wins. Presenting a used
 * refresh token again means it leaked: the whole family (access tokens included) is revoked
 * (RFC 6819 §5.2.2.3). Failed password grants are counted per e-mail and per source address;
 * past the limit the grant answers 429 until the window ends. Tokens are stored hashed; the
 * answer is the only place they appear.
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "api/identity.h"
#include "core/field_error.h"
#include "core/password.h"
#include "core/throttle.h"
#include "core/token.h"
#include "lib/basic_auth.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/form.h"
#include "lib/id.h"
#include "store/audit.h"
#include "store/identity.h"
#include "store/tokens.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* An outcome to format as an OAuth2 error (/oauth/token) or a problem (/v1/auth/…). */
struct grant_err {
    unsigned status;
    const char *error; /* RFC 6749 §5.2 code */
    const char *desc;
};

static int oauth_error(struct http_req *r, unsigned status, const char *error, const char *desc)
{
    json_t *b = json_pack("{s:s, s:s}", "error", error, "error_description", desc);
    http_reply_json(r, status, b);
    http_header(r, "Cache-Control", "no-store");
    http_header(r, "Pragma", "no-cache");
    return HTTP_DONE;
}

static int fail(struct grant_err *e, unsigned status, const char *error, const char *desc)
{
    e->status = status;
    e->error = error;
    e->desc = desc;
    return -1;
}

static int token_answer(struct http_req *r, json_t *b)
{
    http_reply_json(r, 200, b);
    http_header(r, "Cache-Control", "no-store");
    http_header(r, "Pragma", "no-cache");
    return HTTP_DONE;
}

/*
 * Issues an access token (and, with user_id, a refresh token) in family fam (NULL: a new one)
 * and builds the answer into *out. used_hash: the refresh token being rotated, marked used in
 * the same write (its failure means another refresh won). Returns 0 or -1 with e set.
 */
static int issue(struct http_req *r, const char *user_id, const char *project_id,
                 const char *client_id, const char *scopes, const char *fam,
                 const unsigned char *used_hash, json_t **out, struct grant_err *e)
{
    const struct identity *idn = r->api->identity;
    char access[TOKEN_MAX], refresh[TOKEN_MAX], aid[ID_MAX], rid[ID_MAX], newfam[ID_MAX];
    int64_t now = clock_now_ms();
    struct store_args a[3];
    struct store_step steps[3];
    struct store_token t[2];
    struct arena ar;
    size_t n = 0;
    int with_refresh = user_id != NULL;

    memset(t, 0, sizeof(t));
    if (fam == NULL)
        fam = id_new("fam", now, newfam, sizeof(newfam));
    token_generate(TOKEN_ACCESS, access, sizeof(access));
    token_generate(TOKEN_REFRESH, refresh, sizeof(refresh));
    id_new("tok", now, aid, sizeof(aid));
    id_new("tok", now, rid, sizeof(rid));
    t[0] = (struct store_token){.id = aid,
                                .kind = TOKEN_ACCESS,
                                .family_id = fam,
                                .user_id = user_id,
                                .project_id = project_id,
                                .client_id = client_id,
                                .scopes = scopes,
                                .created_at = now,
                                .expires_at = now + idn->access_ttl_s * 1000LL};
    t[1] = (struct store_token){.id = rid,
                                .kind = TOKEN_REFRESH,
                                .family_id = fam,
                                .user_id = user_id,
                                .created_at = now,
                                .expires_at = now + idn->refresh_ttl_s * 1000LL};
    token_hash(access, t[0].hash);
    token_hash(refresh, t[1].hash);
    if (used_hash != NULL)
        store_refresh_use_step(&steps[n], &a[n], used_hash, now), n++;
    for (int i = 0; i < 1 + with_refresh; i++, n++)
        store_token_insert_step(&steps[n], &a[n], &t[i]);
    arena_init(&ar);
    int st = store_write(r->api->store, steps, n, &ar);
    arena_release(&ar);
    if (st == SH_OK) {
        *out = json_pack("{s:s, s:s, s:i}", "access_token", access, "token_type", "Bearer",
                         "expires_in", idn->access_ttl_s);
        if (with_refresh)
            json_object_set_new(*out, "refresh_token", json_string(refresh));
        if (scopes != NULL && *scopes != '\0')
            json_object_set_new(*out, "scope", json_string(scopes));
    }
    sodium_memzero(access, sizeof(access));
    sodium_memzero(refresh, sizeof(refresh));
    if (st == SH_ENOTFOUND)
        return fail(e, 400, "invalid_grant", "the refresh token was already used");
    if (st != SH_OK)
        return fail(e, 503, "temporarily_unavailable", "the token could not be stored; retry");
    return 0;
}

/* Revokes a family whose used refresh token came back, with an audit entry. */
static void revoke_reused(struct http_req *r, const struct store_token_auth *t)
{
    struct store_args a;
    struct store_step steps[2];
    struct audit_slot slot;
    struct audit_entry ae;
    struct arena ar;
    int64_t now = clock_now_ms();

    store_tokens_revoke_family_step(&steps[0], &a, t->family_id, now);
    api_audit_actor(r, &ae);
    ae.actor_type = t->user_id[0] != '\0' ? "user" : "client";
    ae.actor_id = t->user_id[0] != '\0' ? t->user_id : t->client_id;
    ae.action = "token_family.revoke_reuse";
    ae.object_type = "token_family";
    ae.object_id = t->family_id;
    store_audit_step(&steps[1], &slot, &ae);
    arena_init(&ar);
    if (store_write(r->api->store, steps, 2, &ar) != SH_OK)
        LOG_ERRORF(r->api->log, "oauth: revoking a reused token family failed");
    else
        LOG_WARNF(r->api->log,
                  "oauth: a used refresh token was presented again; family %s "
                  "revoked",
                  t->family_id);
    arena_release(&ar);
}

/* The refresh grant: rotation with reuse detection. */
static int refresh(struct http_req *r, const char *token, json_t **out, struct grant_err *e)
{
    struct store_token_auth t;
    unsigned char hash[32];

    if (token == NULL || *token == '\0')
        return fail(e, 400, "invalid_request", "refresh_token is required");
    if (!token_well_formed(TOKEN_REFRESH, token))
        return fail(e, 400, "invalid_grant", "the refresh token is not valid");
    token_hash(token, hash);
    int st = store_token_find(r->api->store, hash, &t);
    if (st == SH_ENOTFOUND || (st == SH_OK && t.kind != TOKEN_REFRESH))
        return fail(e, 400, "invalid_grant", "the refresh token is not valid");
    if (st != SH_OK)
        return fail(e, 503, "temporarily_unavailable", "the token store cannot be read");
    if (t.revoked_at != 0)
        return fail(e, 400, "invalid_grant", "the refresh token is revoked");
    if (t.used_at != 0) {
        revoke_reused(r, &t);
        return fail(e, 400, "invalid_grant",
                    "the refresh token was already used; every token "
                    "of its session is now revoked");
    }
    if (t.expires_at <= clock_now_ms())
        return fail(e, 400, "invalid_grant", "the refresh token expired");
    if (!t.user_active || t.user_id[0] == '\0')
        return fail(e, 400, "invalid_grant", "the account is disabled");
    if (issue(r, t.user_id, NULL, NULL, NULL, t.family_id, hash, out, e) != 0) {
        if (e->status == 400) /* a concurrent refresh won: this is a reuse too */
            revoke_reused(r, &t);
        return -1;
    }
    return 0;
}

static void lower_copy(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src[i] != '\0' && i + 1 < cap; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

static int grant_password(struct http_req *r, const struct form *f)
{
    struct identity *idn = r->api->identity;
    const char *user = form_get(f, "username");
    const char *pass = form_get(f, "password");
    char ekey[300], ikey[80];
    struct store_user_auth u;
    int64_t now = clock_now_ms(), retry = 0;
    struct grant_err e;
    json_t *out = NULL;
    int st;

    if (user == NULL || pass == NULL)
        return oauth_error(r, 400, "invalid_request", "username and password are required");
    if (strlen(user) > 254 || strlen(pass) > PASSWORD_MAX_BYTES)
        return oauth_error(r, 400, "invalid_request", "username or password too long");
    snprintf(ekey, sizeof(ekey), "e:");
    lower_copy(ekey + 2, sizeof(ekey) - 2, user);
    snprintf(ikey, sizeof(ikey), "i:%s", r->client_ip);
    if (throttle_blocked(idn->login_email, ekey, now, &retry) ||
        throttle_blocked(idn->login_ip, ikey, now, &retry)) {
        char ra[24];
        snprintf(ra, sizeof(ra), "%lld", (long long)(retry / 1000 + 1));
        oauth_error(r, 429, "invalid_grant",
                    "too many failed attempts for this account or address; retry later");
        http_header(r, "Retry-After", arena_strndup(&r->arena, ra, strlen(ra)));
        return HTTP_DONE;
    }
    st = store_user_by_email(r->api->store, user, &u);
    if (st != SH_OK && st != SH_ENOTFOUND)
        return oauth_error(r, 503, "temporarily_unavailable", "the user store cannot be read");
    int ok = st == SH_OK ? password_verify(u.password_hash, pass) : password_verify_dummy(pass);
    sodium_memzero(u.password_hash, sizeof(u.password_hash));
    if (st != SH_OK || !ok || !u.active) {
        throttle_hit(idn->login_email, ekey, now);
        throttle_hit(idn->login_ip, ikey, now);
        return oauth_error(r, 400, "invalid_grant", "the e-mail or password is wrong");
    }
    throttle_clear(idn->login_email, ekey);
    if (issue(r, u.id, NULL, NULL, NULL, NULL, NULL, &out, &e) != 0)
        return oauth_error(r, e.status, e.error, e.desc);
    return token_answer(r, out);
}

static int grant_refresh(struct http_req *r, const struct form *f)
{
    struct grant_err e;
    json_t *out = NULL;
    if (refresh(r, form_get(f, "refresh_token"), &out, &e) != 0)
        return oauth_error(r, e.status, e.error, e.desc);
    return token_answer(r, out);
}

/* 1 when every space-separated word of want is in have. */
static int scopes_subset(const char *want, const char *have)
{
    const char *p = want;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n == 0)
            break;
        int found = 0;
        for (const char *h = have; *h != '\0';) {
            while (*h == ' ')
                h++;
            size_t m = strcspn(h, " ");
            if (m == n && strncmp(h, p, n) == 0)
                found = 1;
            h += m;
        }
        if (!found)
            return 0;
        p += n;
    }
    return 1;
}

static int invalid_client(struct http_req *r, const char *desc)
{
    oauth_error(r, 401, "invalid_client", desc);
    http_header(r, "WWW-Authenticate", "Basic realm=\"smshub\", charset=\"UTF-8\"");
    return HTTP_DONE;
}

static int grant_client(struct http_req *r, const struct form *f)
{
    const char *hdr = http_req_header(r, "Authorization");
    const char *id = NULL, *secret = NULL;
    const char *want = form_get(f, "scope");
    unsigned char hash[32];
    struct store_rows rows;
    struct grant_err e;
    json_t *out = NULL;

    int st = basic_auth_parse(hdr, &r->arena, &id, &secret);
    if (st == SH_EINVAL)
        return invalid_client(r, "the Basic authorization header is malformed");
    if (st == SH_OK && (form_get(f, "client_id") != NULL || form_get(f, "client_secret") != NULL))
        return oauth_error(r, 400, "invalid_request",
                           "authenticate the client one way only (header or form)");
    if (st != SH_OK) {
        id = form_get(f, "client_id");
        secret = form_get(f, "client_secret");
    }
    if (id == NULL || secret == NULL)
        return invalid_client(r, "client authentication is required");
    if (strlen(id) > 64 || !token_well_formed(TOKEN_CLIENT_SECRET, secret))
        return invalid_client(r, "the client id or secret is wrong");
    token_hash(secret, hash);
    st = store_client_auth(r->api->store, id, hash, &r->arena, &rows);
    if (st != SH_OK)
        return oauth_error(r, 503, "temporarily_unavailable", "the client store cannot be read");
    if (rows.n == 0)
        return invalid_client(r, "the client id or secret is wrong");
    const char *project = store_cell(&rows, 0, 0);
    const char *scopes = store_cell(&rows, 0, 1);
    if (want != NULL) {
        if (strlen(want) > 255 || !scopes_subset(want, scopes))
            return oauth_error(r, 400, "invalid_scope", "the client may not have this scope");
        scopes = want;
    }
    if (issue(r, NULL, project, id, scopes, NULL, NULL, &out, &e) != 0)
        return oauth_error(r, e.status, e.error, e.desc);
    return token_answer(r, out);
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
    if (strcmp(grant, "refresh_token") == 0)
        return grant_refresh(r, &f);
    if (strcmp(grant, "client_credentials") == 0)
        return grant_client(r, &f);
    return oauth_error(r, 400, "unsupported_grant_type", "this grant_type is not supported");
}

int api_auth_refresh(struct http_req *r)
{
    struct grant_err e;
    json_t *out = NULL;
    json_t *body = api_json_object(r);
    if (body == NULL)
        return HTTP_DONE;
    json_t *tok = json_object_get(body, "refresh_token");
    if (!json_is_string(tok)) {
        struct field_errors fe = {0};
        field_error_add(&fe, "refresh_token", "required", "refresh_token is a string");
        http_problem(r, 422, "validation_failed", "Invalid request", "refresh_token is required",
                     &fe);
        json_decref(body);
        return HTTP_DONE;
    }
    int rc = refresh(r, json_string_value(tok), &out, &e);
    json_decref(body);
    if (rc != 0) {
        if (e.status == 400)
            http_problem(r, 400, e.error, "Invalid grant", e.desc, NULL);
        else
            http_problem(r, 503, "storage_unavailable", "Service unavailable", e.desc, NULL);
        http_header(r, "Cache-Control", "no-store");
        return HTTP_DONE;
    }
    return token_answer(r, out);
}

int api_auth_logout(struct http_req *r)
{
    const struct principal *p = &r->principal;
    struct store_args a[2];
    struct store_step steps[2];
    struct store_token_auth t;
    int64_t now = clock_now_ms();
    size_t n = 0;
    int st;

    if (p->token_id[0] == '\0') {
        http_problem(r, 403, "token_required", "Forbidden",
                     "logout ends a token session; API keys are revoked through their own "
                     "endpoint",
                     NULL);
        return HTTP_DONE;
    }
    if (r->body_len > 0) {
        json_t *body = api_json_object(r);
        if (body == NULL)
            return HTTP_DONE;
        json_t *tok = json_object_get(body, "refresh_token");
        unsigned char hash[32];
        int mine = 0;
        if (json_is_string(tok) && token_well_formed(TOKEN_REFRESH, json_string_value(tok))) {
            token_hash(json_string_value(tok), hash);
            st = store_token_find(r->api->store, hash, &t);
            mine = st == SH_OK && t.kind == TOKEN_REFRESH &&
                   ((p->kind == PRINCIPAL_USER && strcmp(t.user_id, p->user_id) == 0));
        }
        int given = tok != NULL;
        json_decref(body);
        if (given && !mine) {
            struct field_errors fe = {0};
            field_error_add(&fe, "refresh_token", "invalid", "not a refresh token of yours");
            http_problem(r, 422, "validation_failed", "Invalid request",
                         "the refresh token is not valid", &fe);
            return HTTP_DONE;
        }
        if (mine)
            store_tokens_revoke_family_step(&steps[n], &a[n], t.family_id, now), n++;
    }
    store_tokens_revoke_family_of_step(&steps[n], &a[n], p->token_id, now), n++;
    struct arena ar;
    arena_init(&ar);
    st = store_write(r->api->store, steps, n, &ar);
    arena_release(&ar);
    if (st != SH_OK)
        return ident_store_error(r, st, "the session could not be ended");
    http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}
