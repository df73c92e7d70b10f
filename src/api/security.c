/*
 * security.c — a project's request-security settings and the platform's limits:
 *
 *   GET/PATCH /v1/projects/{id}/security            hmac_mode, ip_allowlist (owners)
 *   POST      /v1/projects/{id}/security/signing-secret   new signing secret, shown once
 *   GET/PATCH /v1/admin/projects/{id}/limits        rate_limit_rps, quota_daily/monthly
 *   GET/PATCH /v1/admin/limits                      the global rate limit (settings)
 *
 * Every change is audited in the same write and drops this node's cached settings (other
 * nodes re-read within GUARD_CACHE_MS). The signing secret is sealed with the master key,
 * bound to "hmac:<project id>"; it is never returned again nor logged.
 */
#include "api/api.h"
#include "api/guard.h"
#include "api/jsonbody.h"
#include "core/cidr.h"
#include "core/field_error.h"
#include "core/seal.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/security.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[] = {"off", "optional", "required"};

static int storage_error(struct http_req *r)
{
    http_problem(r, 503, "storage_error", "Service unavailable",
                 "the settings cannot be read or written right now", NULL);
    return HTTP_DONE;
}

static int project_missing(struct http_req *r)
{
    http_problem(r, 404, "not_found", "Not found", "no such project", NULL);
    return HTTP_DONE;
}

static json_t *allowlist_json(const char *list)
{
    json_t *a = json_array();
    char buf[CIDR_TEXT_MAX + 1], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *w = strtok_r(buf, " \t,", &save); w != NULL; w = strtok_r(NULL, " \t,", &save))
        json_array_append_new(a, json_string(w));
    return a;
}

static json_t *security_json(const struct store_project_guard *g)
{
    int m = g->hmac_mode >= 0 && g->hmac_mode <= 2 ? g->hmac_mode : 0;
    return json_pack("{s:s, s:o, s:b}", "hmac_mode", mode_names[m], "ip_allowlist",
                     allowlist_json(g->ip_allowlist), "signing_secret_set", g->hmac_secret_len > 0);
}

int api_security_get(struct http_req *r)
{
    struct store_project_guard g;
    int st = store_project_guard_get(r->api->store, r->principal.project_id, &g);
    if (st == SH_ENOTFOUND)
        return project_missing(r);
    if (st != SH_OK)
        return storage_error(r);
    http_reply_json(r, 200, security_json(&g));
    sodium_memzero(&g, sizeof(g));
    return HTTP_DONE;
}

/* ip_allowlist: an array of CIDR strings (or one space-separated string) into out. */
static void parse_allowlist(json_t *v, char *out, size_t cap, struct field_errors *fe)
{
    struct cidr_list l;
    size_t pos = 0, i;
    json_t *e;
    out[0] = '\0';
    if (json_is_string(v)) {
        snprintf(out, cap, "%s", json_string_value(v));
    } else if (json_is_array(v) && json_array_size(v) <= CIDR_LIST_MAX) {
        json_array_foreach(v, i, e)
        {
            const char *s = json_string_value(e);
            int n;
            if (s == NULL || strpbrk(s, " \t,") != NULL || *s == '\0') {
                field_error_add(fe, "ip_allowlist", "invalid_cidr", "entry %zu is not a network",
                                i);
                return;
            }
            n = snprintf(out + pos, cap - pos, "%s%s", pos ? " " : "", s);
            if (n < 0 || (size_t)n >= cap - pos) {
                field_error_add(fe, "ip_allowlist", "too_long", "the list is too long");
                return;
            }
            pos += (size_t)n;
        }
    } else {
        field_error_add(fe, "ip_allowlist", "invalid",
                        "an array of at most %d IPv4/IPv6 CIDR networks", CIDR_LIST_MAX);
        return;
    }
    if (cidr_list_parse(out, &l, &i) != SH_OK)
        field_error_add(fe, "ip_allowlist", "invalid_cidr",
                        "\"%.48s\" is not an IPv4 or IPv6 network (e.g. 203.0.113.0/24)", out + i);
}

int api_security_patch(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_project_guard g;
    struct audit_entry e;
    char list[CIDR_TEXT_MAX + 1];
    const char *pid = r->principal.project_id, *allow = NULL;
    int mode = -1, st;
    json_t *root = api_json_object(r), *v, *before = NULL, *after = NULL;

    if (root == NULL)
        return HTTP_DONE;
    v = json_object_get(root, "hmac_mode");
    if (v != NULL) {
        for (int i = 0; i < 3 && json_is_string(v); i++)
            if (strcmp(json_string_value(v), mode_names[i]) == 0)
                mode = i;
        if (mode < 0)
            field_error_add(&fe, "hmac_mode", "invalid", "one of off, optional, required");
    }
    v = json_object_get(root, "ip_allowlist");
    if (v != NULL) {
        parse_allowlist(v, list, sizeof(list), &fe);
        allow = list;
    }
    st = store_project_guard_get(r->api->store, pid, &g);
    if (st == SH_ENOTFOUND) {
        project_missing(r);
        goto out;
    }
    if (st != SH_OK) {
        storage_error(r);
        goto out;
    }
    if (mode > 0 && g.hmac_secret_len == 0)
        field_error_add(&fe, "hmac_mode", "no_signing_secret",
                        "create a signing secret first (POST …/security/signing-secret)");
    if (fe.n > 0) {
        http_problem(r, 422, "validation_failed", "Validation failed",
                     "one or more fields are invalid", &fe);
        goto out;
    }
    before = security_json(&g);
    if (mode >= 0)
        g.hmac_mode = mode;
    if (allow != NULL)
        snprintf(g.ip_allowlist, sizeof(g.ip_allowlist), "%s", allow);
    after = security_json(&g);
    api_audit_actor(r, &e);
    e.action = "project.security.update";
    e.object_type = "project";
    e.object_id = pid;
    char *bt = json_dumps(before, JSON_COMPACT), *at = json_dumps(after, JSON_COMPACT);
    e.before_json = bt;
    e.after_json = at;
    st = store_project_security_set(r->api->store, pid, mode, allow, clock_now_ms(), &e);
    free(bt);
    free(at);
    if (st == SH_ENOTFOUND) {
        project_missing(r);
        goto out;
    }
    if (st != SH_OK) {
        storage_error(r);
        goto out;
    }
    guard_forget_project(r->api->guard, pid);
    http_reply_json(r, 200, after);
    after = NULL;
out:
    sodium_memzero(&g, sizeof(g));
    json_decref(before);
    json_decref(after);
    json_decref(root);
    return HTTP_DONE;
}

int api_security_secret(struct http_req *r)
{
    struct audit_entry e;
    unsigned char raw[32], *ct = NULL;
    char secret[64], label[80], kid[SEAL_KEY_ID_LEN], fp[32];
    const char *pid = r->principal.project_id;
    size_t ctlen = 0;
    int st;

    randombytes_buf(raw, sizeof(raw));
    memcpy(secret, "shs_", 4);
    base64url_encode(raw, sizeof(raw), secret + 4);
    sodium_memzero(raw, sizeof(raw));
    snprintf(label, sizeof(label), "hmac:%s", pid);
    st = seal_seal(r->api->sealer, label, secret, strlen(secret), &ct, &ctlen, kid);
    if (st != SH_OK) {
        http_problem(r, 500, "internal_error", "Internal error", "the secret cannot be sealed",
                     NULL);
        goto out;
    }
    seal_fingerprint(secret, strlen(secret), fp);
    api_audit_actor(r, &e);
    e.action = "project.signing_secret.rotate";
    e.object_type = "project";
    e.object_id = pid;
    e.after_json = arena_printf(&r->arena,
                                "{\"signing_secret\":\"[redacted]\","
                                "\"fingerprint\":\"%s\"}",
                                fp);
    st = store_project_signing_set(r->api->store, pid, ct, ctlen, kid, clock_now_ms(), &e);
    if (st == SH_ENOTFOUND) {
        project_missing(r);
        goto out;
    }
    if (st != SH_OK) {
        storage_error(r);
        goto out;
    }
    guard_forget_project(r->api->guard, pid);
    http_reply_json(r, 201,
                    json_pack("{s:s, s:s, s:s}", "signing_secret", secret, "fingerprint", fp,
                              "algorithm", "HMAC-SHA256"));
out:
    sodium_memzero(secret, sizeof(secret));
    free(ct);
    return HTTP_DONE;
}
