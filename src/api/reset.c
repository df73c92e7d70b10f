/*
 * reset.c — password reset and e-mail address verification by single-use tokens sent over
 * SMTP (SPEC §2.1).
 *
 * POST /v1/auth/password-reset {"email"} always answers 202, whether or not the address has
 * an account, and sends (through the mailer's queue, so timing reveals nothing) a token that
 * works once within an hour; requests are throttled per address and per source address.
 * POST /v1/auth/password-reset/confirm {"token","new_password"} sets the password and revokes
 * every session. POST /v1/me/verify-email mails a verification token;
 * POST /v1/auth/verify-email/confirm {"token"} marks the address verified. Tokens are stored
 * as their SHA-256 only; their use is a conditional UPDATE (single use even under races).
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "api/identity.h"
#include "core/field_error.h"
#include "core/mailer.h"
#include "core/password.h"
#include "core/throttle.h"
#include "core/token.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/audit.h"
#include "store/identity.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define PURPOSE_RESET "password_reset"
#define PURPOSE_VERIFY "email_verify"

/* Creates a token for user uid and mails it to email. Returns 0 or -1 (logged). */
static int send_token(struct http_req *r, const char *uid, const char *email, const char *purpose)
{
    char id[ID_MAX], tok[TOKEN_MAX];
    unsigned char hash[32];
    struct store_args a;
    struct store_step steps[2];
    struct audit_slot slot;
    struct audit_entry ae;
    int64_t now = clock_now_ms();
    int reset = strcmp(purpose, PURPOSE_RESET) == 0;

    id_new("utk", now, id, sizeof(id));
    token_generate(TOKEN_EMAIL, tok, sizeof(tok));
    token_hash(tok, hash);
    store_user_token_insert_step(&steps[0], &a, id, uid, purpose, hash, now,
                                 now + EMAIL_TOKEN_TTL_MS);
    api_audit_actor(r, &ae);
    if (ae.actor_id == NULL) {
        ae.actor_type = "user";
        ae.actor_id = uid;
    }
    ae.action = reset ? "user.password_reset_request" : "user.verify_email_request";
    ae.object_type = "user";
    ae.object_id = uid;
    store_audit_step(&steps[1], &slot, &ae);
    int st = store_write(r->api->store, steps, 2, &r->arena);
    if (st == SH_OK) {
        char body[600];
        snprintf(body, sizeof(body),
                 reset ? "Someone asked to reset the password of your smshub account.\r\n"
                         "If it was you, use this single-use token within one hour:\r\n\r\n"
                         "  %s\r\n\r\nwith POST /v1/auth/password-reset/confirm. If it was not "
                         "you, ignore this message."
                       : "Confirm your e-mail address for smshub with this single-use token "
                         "within one hour:\r\n\r\n  %s\r\n\r\nwith POST "
                         "/v1/auth/verify-email/confirm.",
                 tok);
        st = mailer_send(r->api->identity->mailer, email,
                         reset ? "smshub password reset" : "smshub e-mail verification", body) == 0
                 ? SH_OK
                 : SH_EIO;
        sodium_memzero(body, sizeof(body));
    }
    sodium_memzero(tok, sizeof(tok));
    return st == SH_OK ? 0 : -1;
}

static void lower_copy(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src[i] != '\0' && i + 1 < cap; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

int api_auth_reset_request(struct http_req *r)
{
    struct identity *idn = r->api->identity;
    struct field_errors fe = {0};
    struct store_rows user;
    char ekey[300], ikey[80];
    int64_t now = clock_now_ms();
    const char *why;
    json_t *body = api_json_object(r);

    if (body == NULL)
        return HTTP_DONE;
    json_t *email = json_object_get(body, "email");
    if (!json_is_string(email))
        field_error_add(&fe, "email", "required", "email is required");
    else if ((why = ident_email_problem(json_string_value(email))) != NULL)
        field_error_add(&fe, "email", "invalid_email", "%s", why);
    if (fe.n > 0) {
        http_problem(r, 422, "validation_failed", "Invalid request", "email is not valid", &fe);
        goto out;
    }
    snprintf(ekey, sizeof(ekey), "r:");
    lower_copy(ekey + 2, sizeof(ekey) - 2, json_string_value(email));
    snprintf(ikey, sizeof(ikey), "ri:%s", r->client_ip);
    if (throttle_blocked(idn->reset_ip, ikey, now, NULL)) {
        http_problem(r, 429, "too_many_requests", "Too many requests",
                     "too many reset requests from this address; retry later", NULL);
        http_header(r, "Retry-After", "3600");
        goto out;
    }
    throttle_hit(idn->reset_ip, ikey, now);
    /* per e-mail address: silently send nothing more (the answer stays 202) */
    if (!throttle_blocked(idn->reset_email, ekey, now, NULL)) {
        throttle_hit(idn->reset_email, ekey, now);
        if (store_user_get_by_email(r->api->store, json_string_value(email), &r->arena, &user) ==
                SH_OK &&
            user.n > 0 && store_cell_int(&user, 0, 4) == 1)
            send_token(r, store_cell(&user, 0, 0), store_cell(&user, 0, 1), PURPOSE_RESET);
    }
    http_reply_json(r, 202,
                    json_pack("{s:s}", "status",
                              "if the address has an account, a "
                              "reset token was sent to it"));
out:
    json_decref(body);
    return HTTP_DONE;
}

/* The token field of body, checked and hashed; answers 422 and returns -1 when bad. */
static int body_token(json_t *body, unsigned char hash[32], struct field_errors *fe)
{
    json_t *t = json_object_get(body, "token");
    if (!json_is_string(t) || !token_well_formed(TOKEN_EMAIL, json_string_value(t))) {
        field_error_add(fe, "token", "invalid_token", "the token is not valid");
        return -1;
    }
    token_hash(json_string_value(t), hash);
    return 0;
}

static int bad_token(struct http_req *r)
{
    struct field_errors fe = {0};
    field_error_add(&fe, "token", "invalid_token", "the token is unknown, used or expired");
    http_problem(r, 400, "invalid_token", "Invalid token",
                 "the token is unknown, already used or expired", &fe);
    return HTTP_DONE;
}

int api_auth_reset_confirm(struct http_req *r)
{
    struct field_errors fe = {0};
    unsigned char hash[32];
    char pw[PASSWORD_HASH_MAX];
    struct store_args a[3];
    struct store_step steps[4];
    struct audit_slot slot;
    struct audit_entry ae;
    struct store_rows rows;
    int64_t now = clock_now_ms();
    const char *why;
    json_t *body = api_json_object(r);

    if (body == NULL)
        return HTTP_DONE;
    body_token(body, hash, &fe);
    json_t *neu = json_object_get(body, "new_password");
    if (!json_is_string(neu))
        field_error_add(&fe, "new_password", "required", "new_password is required");
    else if ((why = password_policy_check(json_string_value(neu))) != NULL)
        field_error_add(&fe, "new_password", why,
                        "a password has %d to %d characters, no "
                        "control characters",
                        PASSWORD_MIN_CHARS, PASSWORD_MAX_BYTES);
    if (fe.n > 0) {
        http_problem(r, 422, "validation_failed", "Invalid request", "some fields are not valid",
                     &fe);
        goto out;
    }
    int st = store_user_token_find(r->api->store, hash, PURPOSE_RESET, now, &r->arena, &rows);
    if (st != SH_OK) {
        ident_store_error(r, st, "");
        goto out;
    }
    if (rows.n == 0) {
        bad_token(r);
        goto out;
    }
    const char *uid = store_cell(&rows, 0, 0);
    if (password_hash(json_string_value(neu), pw, sizeof(pw)) != 0) {
        http_problem(r, 503, "unavailable", "Service unavailable", "hashing failed; retry", NULL);
        goto out;
    }
    store_user_token_use_step(&steps[0], &a[0], hash, PURPOSE_RESET, now);
    store_user_password_step(&steps[1], &a[1], uid, pw, now);
    store_tokens_revoke_user_step(&steps[2], &a[2], uid, NULL, now);
    api_audit_actor(r, &ae);
    ae.actor_type = "user";
    ae.actor_id = uid;
    ae.action = "user.password_reset";
    ae.object_type = "user";
    ae.object_id = uid;
    ae.after_json = "{\"password\":\"[redacted]\"}";
    store_audit_step(&steps[3], &slot, &ae);
    st = store_write(r->api->store, steps, 4, &r->arena);
    sodium_memzero(pw, sizeof(pw));
    if (st == SH_ENOTFOUND)
        bad_token(r);
    else if (st != SH_OK)
        ident_store_error(r, st, "");
    else
        http_reply_raw(r, 204, "application/json", "", 0);
out:
    json_decref(body);
    return HTTP_DONE;
}

int api_me_verify_email(struct http_req *r)
{
    struct identity *idn = r->api->identity;
    struct store_rows user;
    char key[80];
    int64_t now = clock_now_ms();

    int st = store_user_get(r->api->store, r->principal.user_id, &r->arena, &user);
    if (st != SH_OK || user.n == 0)
        return ident_store_error(r, st != SH_OK ? st : SH_ENOTFOUND, "no such user");
    if (store_cell(&user, 0, 7) != NULL) {
        http_problem(r, 409, "already_verified", "Conflict", "the address is already verified",
                     NULL);
        return HTTP_DONE;
    }
    snprintf(key, sizeof(key), "v:%s", r->principal.user_id);
    if (throttle_blocked(idn->reset_email, key, now, NULL)) {
        http_problem(r, 429, "too_many_requests", "Too many requests",
                     "too many verification mails; retry later", NULL);
        http_header(r, "Retry-After", "3600");
        return HTTP_DONE;
    }
    throttle_hit(idn->reset_email, key, now);
    if (!mailer_enabled(idn->mailer)) {
        http_problem(r, 503, "mail_unavailable", "Service unavailable",
                     "no mail server is configured (SMSHUB_SMTP_URL)", NULL);
        return HTTP_DONE;
    }
    if (send_token(r, r->principal.user_id, store_cell(&user, 0, 1), PURPOSE_VERIFY) != 0) {
        http_problem(r, 503, "mail_unavailable", "Service unavailable",
                     "the verification mail could not be queued; retry", NULL);
        return HTTP_DONE;
    }
    http_reply_json(r, 202, json_pack("{s:s}", "status", "a verification token was sent"));
    return HTTP_DONE;
}

int api_auth_verify_confirm(struct http_req *r)
{
    struct field_errors fe = {0};
    unsigned char hash[32];
    struct store_args a[2];
    struct store_step steps[3];
    struct audit_slot slot;
    struct audit_entry ae;
    struct store_rows rows;
    int64_t now = clock_now_ms();
    json_t *body = api_json_object(r);

    if (body == NULL)
        return HTTP_DONE;
    if (body_token(body, hash, &fe) != 0) {
        http_problem(r, 422, "validation_failed", "Invalid request", "token is not valid", &fe);
        goto out;
    }
    int st = store_user_token_find(r->api->store, hash, PURPOSE_VERIFY, now, &r->arena, &rows);
    if (st != SH_OK) {
        ident_store_error(r, st, "");
        goto out;
    }
    if (rows.n == 0) {
        bad_token(r);
        goto out;
    }
    const char *uid = store_cell(&rows, 0, 0);
    store_user_token_use_step(&steps[0], &a[0], hash, PURPOSE_VERIFY, now);
    store_user_verified_step(&steps[1], &a[1], uid, now);
    api_audit_actor(r, &ae);
    ae.actor_type = "user";
    ae.actor_id = uid;
    ae.action = "user.verify_email";
    ae.object_type = "user";
    ae.object_id = uid;
    store_audit_step(&steps[2], &slot, &ae);
    st = store_write(r->api->store, steps, 3, &r->arena);
    if (st == SH_ENOTFOUND)
        bad_token(r);
    else if (st != SH_OK)
        ident_store_error(r, st, "");
    else
        http_reply_raw(r, 204, "application/json", "", 0);
out:
    json_decref(body);
    return HTTP_DONE;
}
