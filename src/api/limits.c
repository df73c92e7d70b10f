/*
 * limits.c — the administrators' view of rate limits and quotas (SPEC §2.6):
 *
 *   GET/PATCH /v1/admin/projects/{id}/limits   rate_limit_rps, quota_daily, quota_monthly
 *   GET/PATCH /v1/admin/limits                 rate_limit_rps of each node (global)
 *
 * A limit is a positive integer or null (none). Changes are audited and take effect on every
 * node within GUARD_CACHE_MS.
 */
#include "api/api.h"
#include "api/guard.h"
#include "api/jsonbody.h"
#include "core/field_error.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/security.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_MAX 1000000000LL
#define SETTING_RPS "rate_limit_rps"

static int storage_error(struct http_req *r)
{
    http_problem(r, 503, "storage_error", "Service unavailable",
                 "the limits cannot be read or written right now", NULL);
    return HTTP_DONE;
}

static json_t *limit_json(int64_t v)
{
    return v > 0 ? json_integer(v) : json_null();
}

static json_t *limits_json(struct http_req *r, const struct store_project_guard *g)
{
    json_t *o =
        json_pack("{s:o, s:o, s:o}", "rate_limit_rps", limit_json(g->rate_limit_rps), "quota_daily",
                  limit_json(g->quota_daily), "quota_monthly", limit_json(g->quota_monthly));
    (void)r;
    return o;
}

/* One limit field of body into l. */
static void parse_limit(json_t *root, const char *name, struct store_limit_set *l,
                        struct field_errors *fe)
{
    json_t *v = json_object_get(root, name);
    if (v == NULL)
        return;
    l->set = 1;
    if (json_is_null(v))
        return;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > LIMIT_MAX)
        field_error_add(fe, name, "invalid", "a positive integer (at most %lld) or null",
                        (long long)LIMIT_MAX);
    else
        l->value = json_integer_value(v);
}

int api_limits_get(struct http_req *r)
{
    struct store_project_guard g;
    int st = store_project_guard_get(r->api->store, r->params[0], &g);
    if (st == SH_ENOTFOUND) {
        http_problem(r, 404, "not_found", "Not found", "no such project", NULL);
        return HTTP_DONE;
    }
    if (st != SH_OK)
        return storage_error(r);
    http_reply_json(r, 200, limits_json(r, &g));
    return HTTP_DONE;
}

int api_limits_patch(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_limit_set rps = {0}, day = {0}, month = {0};
    struct store_project_guard g;
    struct audit_entry e;
    const char *pid = r->params[0];
    json_t *root = api_json_object(r), *before = NULL, *after = NULL;
    char *bt = NULL, *at = NULL;
    int st;

    if (root == NULL)
        return HTTP_DONE;
    parse_limit(root, "rate_limit_rps", &rps, &fe);
    parse_limit(root, "quota_daily", &day, &fe);
    parse_limit(root, "quota_monthly", &month, &fe);
    if (fe.n > 0) {
        http_problem(r, 422, "validation_failed", "Validation failed",
                     "one or more fields are invalid", &fe);
        goto out;
    }
    st = store_project_guard_get(r->api->store, pid, &g);
    if (st == SH_OK) {
        before = limits_json(r, &g);
        if (rps.set)
            g.rate_limit_rps = rps.value;
        if (day.set)
            g.quota_daily = day.value;
        if (month.set)
            g.quota_monthly = month.value;
        after = limits_json(r, &g);
        bt = json_dumps(before, JSON_COMPACT);
        at = json_dumps(after, JSON_COMPACT);
        api_audit_actor(r, &e);
        e.project_id = pid;
        e.action = "project.limits.update";
        e.object_type = "project";
        e.object_id = pid;
        e.before_json = bt;
        e.after_json = at;
        st = store_project_limits_set(r->api->store, pid, &rps, &day, &month, clock_now_ms(), &e);
    }
    if (st == SH_ENOTFOUND) {
        http_problem(r, 404, "not_found", "Not found", "no such project", NULL);
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
    free(bt);
    free(at);
    json_decref(before);
    json_decref(after);
    json_decref(root);
    return HTTP_DONE;
}

int api_global_limits_get(struct http_req *r)
{
    int64_t v = 0;
    int st = store_setting_get_int(r->api->store, SETTING_RPS, &v);
    if (st != SH_OK && st != SH_ENOTFOUND)
        return storage_error(r);
    http_reply_json(r, 200,
                    json_pack("{s:o, s:s}", "rate_limit_rps",
                              st == SH_OK ? limit_json(v) : json_null(), "source",
                              st == SH_OK ? "settings" : "daemon default"));
    return HTTP_DONE;
}

int api_global_limits_patch(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_limit_set rps = {0};
    struct audit_entry e;
    json_t *root = api_json_object(r);
    int st;

    if (root == NULL)
        return HTTP_DONE;
    parse_limit(root, "rate_limit_rps", &rps, &fe);
    if (!rps.set && fe.n == 0)
        field_error_add(&fe, "rate_limit_rps", "required",
                        "a positive integer, or null to fall back to the daemon's default");
    if (fe.n > 0) {
        http_problem(r, 422, "validation_failed", "Validation failed",
                     "one or more fields are invalid", &fe);
        goto out;
    }
    api_audit_actor(r, &e);
    e.action = "settings.limits.update";
    e.object_type = "settings";
    e.object_id = SETTING_RPS;
    e.after_json = arena_printf(&r->arena, "{\"rate_limit_rps\":%lld}", (long long)rps.value);
    st = store_setting_set_int(r->api->store, SETTING_RPS, rps.value, clock_now_ms(), &e);
    if (st != SH_OK) {
        storage_error(r);
        goto out;
    }
    guard_forget_project(r->api->guard, "");
    http_reply_json(r, 200,
                    json_pack("{s:o, s:s}", "rate_limit_rps", limit_json(rps.value), "source",
                              rps.value > 0 ? "settings" : "daemon default"));
out:
    json_decref(root);
    return HTTP_DONE;
}
