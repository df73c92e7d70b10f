/*
 * credentials.c — a project's provider credentials (SPEC §3.3), platform administrators
 * only: /v1/admin/projects/{id}/providers[/{pid}[/test]].
 *
 * Secrets arrive in `secrets` (an object of strings), are sealed at once with the master key
 * bound to "cred:<id>" (core/credential.h) and never leave again: answers, audit entries and
 * logs show only `secret_fields` and `fingerprint`. PATCH: `settings` is an RFC 7396 merge
 * patch of the stored settings (null removes a key); `secrets`, when present, replaces every
 * secret field at once. Before anything is stored, the driver's own open() checks the merged
 * settings and secrets. One default per project: making one the default clears the other in
 * the same transaction. Test-send goes through the normal accept path pinned to the
 * credential.
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "api/ctl.h"
#include "core/credential.h"
#include "core/engine.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/credentials.h"
#include "store/providers.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 100
#define PRIORITY_MAX 10000
#define CALLBACK_TOKEN_BYTES 24

static const char *const known_create[] = {"provider_id", "name",   "settings", "secrets",
                                           "is_default",  "active", "priority", NULL};
static const char *const known_update[] = {"name",   "settings", "secrets", "is_default",
                                           "active", "priority", NULL};

static json_t *cred_json(const struct store_cred *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(c->id));
    json_object_set_new(o, "project_id", json_string(c->project_id));
    json_object_set_new(o, "provider_id", json_string(c->provider_id));
    json_object_set_new(o, "driver", json_string(c->driver ? c->driver : ""));
    json_object_set_new(o, "name", json_string(c->name ? c->name : ""));
    json_object_set_new(o, "settings", ctl_parse(c->settings, 0));
    json_object_set_new(o, "secret_fields", ctl_parse(c->secret_fields, 1));
    json_object_set_new(o, "fingerprint",
                        c->fingerprint ? json_string(c->fingerprint) : json_null());
    json_object_set_new(o, "is_default", json_boolean(c->is_default));
    json_object_set_new(o, "active", json_boolean(c->active));
    json_object_set_new(o, "priority", json_integer(c->priority));
    if (c->callback_token != NULL && c->driver != NULL) {
        char path[200];
        snprintf(path, sizeof(path), "/v1/callbacks/%s/%s", c->driver, c->callback_token);
        json_object_set_new(o, "callback_url", json_string(path));
    } else {
        json_object_set_new(o, "callback_url", json_null());
    }
    json_object_set_new(o, "created_at", ctl_time(c->created_at));
    json_object_set_new(o, "updated_at", ctl_time(c->updated_at));
    return o;
}

/* Audit JSON: the API view without the callback path (no secret is ever in it). */
static char *audit_json(struct http_req *r, const struct store_cred *c)
{
    json_t *o = cred_json(c);
    json_object_del(o, "callback_url");
    char *t = ctl_dump(r, o);
    json_decref(o);
    return t;
}

static int load(struct http_req *r, struct store_cred *c)
{
    int st = store_cred_get(r->api->store, r->principal.project_id, r->params[1], &r->arena, c);
    if (st == SH_ENOTFOUND)
        ctl_not_found(r, "no credential with this id in this project");
    else if (st != SH_OK)
        ctl_storage_error(r);
    return st;
}

int api_credentials_list(struct http_req *r)
{
    struct store_cred *v;
    size_t n;
    if (store_cred_list(r->api->store, r->principal.project_id, &r->arena, &v, &n) != SH_OK)
        return ctl_storage_error(r);
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(data, cred_json(&v[i]));
    http_reply_json(r, 200, json_pack("{s:o}", "data", data));
    return HTTP_DONE;
}

int api_credentials_get(struct http_req *r)
{
    struct store_cred c;
    if (load(r, &c) != SH_OK)
        return HTTP_DONE;
    http_reply_json(r, 200, cred_json(&c));
    return HTTP_DONE;
}

static void take_flag(const json_t *body, const char *field, int *out, struct field_errors *fe)
{
    json_t *v = json_object_get(body, field);
    if (v == NULL)
        return;
    if (!json_is_boolean(v))
        field_error_add(fe, field, "invalid_type", "%s must be true or false", field);
    else
        *out = json_is_true(v);
}

/* name, is_default, active, priority of body into c. */
static void take_common(const json_t *body, struct store_cred *c, struct field_errors *fe)
{
    json_t *v = json_object_get(body, "name");
    if (v != NULL) {
        if (!json_is_string(v) || json_string_length(v) > NAME_MAX_LEN)
            field_error_add(fe, "name", "invalid", "name must be a string of at most %d bytes",
                            NAME_MAX_LEN);
        else
            c->name = json_string_value(v);
    }
    take_flag(body, "is_default", &c->is_default, fe);
    take_flag(body, "active", &c->active, fe);
    if ((v = json_object_get(body, "priority")) != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > PRIORITY_MAX)
            field_error_add(fe, "priority", "out_of_range", "priority must be an integer 0-%d",
                            PRIORITY_MAX);
        else
            c->priority = (int)json_integer_value(v);
    }
}

/*
 * Checks settings (the merged object, borrowed) and secrets (an object or NULL) with the
 * driver of provider p (its open() on a throwaway loop). Returns 0 or adds errors.
 */
static int check_with_driver(const struct store_provider *p, const json_t *settings,
                             const json_t *secrets, struct field_errors *fe)
{
    char err[192];
    json_t *defaults = json_loads(p->default_config ? p->default_config : "{}", 0, NULL);
    char *text = json_dumps(settings, JSON_COMPACT);
    int st = SH_OK;

    if (text != NULL && strlen(text) > CRED_SETTINGS_MAX) {
        field_error_add(fe, "settings", "too_large", "settings must be at most %d bytes",
                        CRED_SETTINGS_MAX);
        st = SH_EINVAL;
    } else {
        st = cred_validate(p->driver, defaults, settings, secrets, err, sizeof(err));
        if (st == SH_ENOTFOUND)
            field_error_add(fe, "provider_id", "unknown_driver",
                            "the provider's driver is not built in");
        else if (st != SH_OK)
            field_error_add(fe, "settings", "rejected_by_driver", "%s", err);
    }
    free(text);
    json_decref(defaults);
    return st == SH_OK ? 0 : -1;
}

/* Seals secrets into sec (buffers owned by the caller: free(*sealed)). */
static int seal(struct http_req *r, const char *cred_id, const json_t *secrets,
                struct store_cred_secret *sec, unsigned char **sealed, char *kid, char *fp)
{
    size_t len;
    if (cred_secret_seal(r->api->sealer, cred_id, secrets, sealed, &len, kid, fp) != SH_OK)
        return -1;
    char *fields = cred_secret_fields(secrets);
    sec->sealed = *sealed;
    sec->len = len;
    sec->key_id = kid;
    sec->fingerprint = fp;
    sec->fields = arena_strdup(&r->arena, fields);
    free(fields);
    return 0;
}

int api_credentials_create(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_provider p;
    struct store_cred c = {.name = "", .active = 1, .priority = 100};
    struct store_cred_secret sec;
    struct audit_entry e;
    unsigned char *sealed = NULL;
    unsigned char raw[CALLBACK_TOKEN_BYTES];
    char kid[SEAL_KEY_ID_LEN], fp[32], token[64], *id;
    json_t *body = api_json_object(r), *settings = NULL, *secrets;
    int64_t now = clock_now_ms();
    int st;

    if (body == NULL)
        return HTTP_DONE;
    ctl_unknown_fields(r, body, known_create, &fe);
    json_t *pv = json_object_get(body, "provider_id");
    if (!json_is_string(pv)) {
        field_error_add(&fe, "provider_id", pv ? "invalid_type" : "required",
                        "provider_id must name a provider of the catalog");
        ctl_invalid(r, &fe);
        goto out;
    }
    st = store_provider_get(r->api->store, json_string_value(pv), &r->arena, &p);
    if (st == SH_ENOTFOUND)
        field_error_add(&fe, "provider_id", "unknown_provider", "no provider with this id");
    else if (st != SH_OK) {
        ctl_storage_error(r);
        goto out;
    }
    take_common(body, &c, &fe);
    settings = json_object_get(body, "settings");
    if (settings != NULL && !json_is_object(settings))
        field_error_add(&fe, "settings", "invalid_type", "settings must be an object");
    settings = json_is_object(settings) ? json_incref(settings) : json_object();
    secrets = json_object_get(body, "secrets");
    if (secrets != NULL)
        cred_secrets_check(secrets, &fe);
    if (fe.n == 0)
        check_with_driver(&p, settings, secrets, &fe);
    if (fe.n > 0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    id = arena_alloc(&r->arena, ID_MAX);
    c.id = id_new("cred", now, id, ID_MAX);
    c.project_id = r->principal.project_id;
    c.provider_id = p.id;
    c.driver = p.driver;
    c.settings = ctl_dump(r, settings);
    c.created_at = c.updated_at = now;
    randombytes_buf(raw, sizeof(raw));
    base64url_encode(raw, sizeof(raw), token);
    c.callback_token = token;
    c.secret_fields = "[]";
    if (secrets != NULL && json_object_size(secrets) > 0) {
        if (seal(r, c.id, secrets, &sec, &sealed, kid, fp) != 0) {
            ctl_storage_error(r);
            goto out;
        }
        c.secret_fields = sec.fields;
        c.fingerprint = fp;
    }
    api_audit_actor(r, &e);
    e.action = "credential.create";
    e.object_type = "credential";
    e.object_id = c.id;
    e.after_json = audit_json(r, &c);
    st = store_cred_insert(r->api->store, &c, sealed ? &sec : NULL, &e);
    if (st != SH_OK) {
        ctl_storage_error(r);
        goto out;
    }
    http_reply_json(r, 201, cred_json(&c));
    http_header(r, "Location",
                arena_printf(&r->arena, "/v1/admin/projects/%s/providers/%s", c.project_id, c.id));
out:
    free(sealed);
    json_decref(settings);
    json_decref(body);
    return HTTP_DONE;
}

/* Zeroes every string of a secrets object, then releases it. NULL is a no-op. */
static void wipe_decref(json_t *secrets)
{
    const char *k;
    json_t *v;
    if (secrets == NULL)
        return;
    json_object_foreach(secrets, k, v) {
        const char *s = json_string_value(v);
        if (s != NULL)
            sodium_memzero((char *)s, strlen(s));
    }
    json_decref(secrets);
}

/* The stored secrets of credential id as an object (wipe_decref), or NULL when they cannot be
 * opened (logged without any secret). */
static json_t *stored_secrets(struct http_req *r, const char *id)
{
    unsigned char *sealed;
    size_t len, ptlen = 0;
    const char *kid;
    char *pt = NULL;
    json_t *o = NULL;

    if (store_cred_secret_get(r->api->store, id, &r->arena, &sealed, &len, &kid) != SH_OK)
        return NULL;
    int st = cred_secret_open(r->api->sealer, id, sealed, len, kid, &pt, &ptlen);
    if (st != SH_OK) {
        log_msg(r->api->log, LOG_WARN, NULL, "credential %s: sealed secret does not open: %s",
                id, sh_strerror(st));
        return NULL;
    }
    o = json_loadb(pt, ptlen, 0, NULL);
    seal_wipe_free(pt, ptlen);
    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int api_credentials_update(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_provider p;
    struct store_cred old, c;
    struct store_cred_secret sec;
    struct audit_entry e;
    unsigned char *sealed = NULL;
    char kid[SEAL_KEY_ID_LEN], fp[32];
    json_t *body = api_json_object(r), *settings = NULL, *patch, *secrets;
    int st;

    if (body == NULL)
        return HTTP_DONE;
    if (load(r, &old) != SH_OK)
        goto out;
    c = old;
    ctl_unknown_fields(r, body, known_update, &fe);
    take_common(body, &c, &fe);
    settings = ctl_parse(old.settings, 0);
    patch = json_object_get(body, "settings");
    if (patch != NULL && !json_is_object(patch))
        field_error_add(&fe, "settings", "invalid_type", "settings must be an object");
    else if (patch != NULL)
        cred_settings_merge(settings, patch);
    secrets = json_object_get(body, "secrets");
    if (secrets != NULL)
        cred_secrets_check(secrets, &fe);
    st = store_provider_get(r->api->store, old.provider_id, &r->arena, &p);
    if (st != SH_OK && st != SH_ENOTFOUND) {
        ctl_storage_error(r);
        goto out;
    }
    if (st == SH_ENOTFOUND)
        field_error_add(&fe, "provider_id", "provider_deleted",
                        "the credential's provider was deleted from the catalog");
    /* without new secrets the driver checks the new settings with the stored ones */
    if (fe.n == 0 && (patch != NULL || secrets != NULL)) {
        json_t *stored = NULL;
        if (secrets == NULL && strcmp(old.secret_fields, "[]") != 0 &&
            (stored = stored_secrets(r, old.id)) == NULL) {
            ctl_conflict(r, "secret_unreadable",
                         "the stored secrets cannot be opened with the loaded master keys; "
                         "send new secrets with this change");
            goto out;
        }
        check_with_driver(&p, settings, secrets != NULL ? secrets : stored, &fe);
        wipe_decref(stored);
    }
    if (fe.n > 0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    c.settings = ctl_dump(r, settings);
    c.updated_at = clock_now_ms();
    if (secrets != NULL) {
        if (json_object_size(secrets) == 0) {
            sec = (struct store_cred_secret){.fields = "[]"};
            c.fingerprint = NULL;
            c.secret_fields = "[]";
        } else if (seal(r, c.id, secrets, &sec, &sealed, kid, fp) != 0) {
            ctl_storage_error(r);
            goto out;
        } else {
            c.secret_fields = sec.fields;
            c.fingerprint = fp;
        }
    }
    api_audit_actor(r, &e);
    e.action = secrets != NULL ? "credential.rotate" : "credential.update";
    e.object_type = "credential";
    e.object_id = c.id;
    e.before_json = audit_json(r, &old);
    e.after_json = audit_json(r, &c);
    st = store_cred_update(r->api->store, &c, old.updated_at, secrets != NULL ? &sec : NULL, &e);
    if (st == SH_ENOTFOUND)
        ctl_conflict(r, "concurrent_update",
                     "the credential was changed or deleted meanwhile; read it again and retry");
    else if (st != SH_OK)
        ctl_storage_error(r);
    else
        http_reply_json(r, 200, cred_json(&c));
out:
    free(sealed);
    json_decref(settings);
    json_decref(body);
    return HTTP_DONE;
}

int api_credentials_delete(struct http_req *r)
{
    struct store_cred old;
    struct audit_entry e;
    int st;

    if (load(r, &old) != SH_OK)
        return HTTP_DONE;
    api_audit_actor(r, &e);
    e.action = "credential.delete";
    e.object_type = "credential";
    e.object_id = old.id;
    e.before_json = audit_json(r, &old);
    st = store_cred_delete(r->api->store, old.project_id, old.id, clock_now_ms(), &e);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, "no credential with this id in this project");
    if (st != SH_OK)
        return ctl_storage_error(r);
    http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}

struct test_ctx {
    struct http_req *r;
    struct store_message msg;
    struct store_accept acc;
};

/* Writer thread, after the commit (or its failure). */
static void test_done(void *arg, int status)
{
    struct test_ctx *ctx = arg;
    struct http_req *r = ctx->r;
    if (status != SH_OK || ctx->acc.result != SH_OK) {
        ctl_storage_error(r);
    } else {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", ctx->msg.id, "status", "queued",
                              "provider", ctx->msg.provider, "credential_id",
                              ctx->msg.credential_id);
        http_reply_json(r, 202, o);
        http_header(r, "Location", arena_printf(&r->arena, "/v1/messages/%s", ctx->msg.id));
        engine_notify(r->api->engine);
    }
    free(ctx->acc.replay_body);
    ctx->acc.replay_body = NULL;
    http_resume(r);
}

int api_credentials_test(struct http_req *r)
{
    static const char *const known[] = {"to", "text", "from", NULL};
    struct field_errors fe = {0};
    struct store_cred c;
    struct store_provider p;
    json_t *body = api_json_object(r);
    int64_t now = clock_now_ms();
    int ret = HTTP_DONE, st;

    if (body == NULL)
        return HTTP_DONE;
    if (load(r, &c) != SH_OK)
        goto out;
    st = store_provider_get(r->api->store, c.provider_id, &r->arena, &p);
    if (st != SH_OK && st != SH_ENOTFOUND) {
        ctl_storage_error(r);
        goto out;
    }
    if (st == SH_ENOTFOUND || !p.enabled || !c.active) {
        ctl_conflict(r, "credential_inactive",
                     "the credential is inactive or its provider disabled: nothing would send it");
        goto out;
    }
    ctl_unknown_fields(r, body, known, &fe);
    if (fe.n > 0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    struct test_ctx *ctx = arena_zalloc(&r->arena, sizeof(*ctx));
    ctx->r = r;
    if (msg_request_parse(body, &r->api->limits, now, c.project_id, &r->arena, &ctx->msg, &fe) !=
        0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    char *id = arena_alloc(&r->arena, ID_MAX);
    ctx->msg.id = id_new("msg", now, id, ID_MAX);
    ctx->msg.provider = c.provider_id;  /* pinned: the engine sends through this credential */
    ctx->msg.credential_id = c.id;
    ctx->acc.msg = &ctx->msg;
    ctx->acc.response_status = 202;
    ctx->acc.response_body = "{}";
    ctx->acc.now = now;
    r->async = ctx;
    if (store_accept(r->api->store, &ctx->acc, 1, test_done, ctx) != SH_OK) {
        http_problem(r, 503, "shutting_down", "Service unavailable",
                     "the server is shutting down", NULL);
        goto out;
    }
    ret = HTTP_ASYNC;
out:
    json_decref(body);
    return ret;
}
