/*
 * route_rules.c — a project's routing rules and dispatch policy (SPEC §3.4, §4.4):
 * /v1/projects/{id}/routes[/{rid}] and /v1/projects/{id}/dispatch, project admins and up
 * (API keys with the routing:read / routing:write scopes).
 *
 * A rule matches by destination country, E.164 prefix (digits, no '+') and message type —
 * each optional, all given must match — and names one of the project's credentials (another
 * project's answers 422, checked inside the write itself). The first matching active rule by
 * position wins. PATCH changes the fields it names; null clears country, prefix or type.
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "api/ctl.h"
#include "core/catalog.h"
#include "core/message.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/credentials.h"
#include "store/routes.h"

#include <ctype.h>
#include <string.h>

#define POSITION_MAX 1000000
#define DEFAULT_SCHEDULE "[30,120,480]"
#define DEFAULT_MAX_RETRIES 3

static const char *const known_fields[] = {"position", "country", "prefix", "type",
                                           "credential_id", "active", NULL};

static json_t *route_json(const struct store_route *rt)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(rt->id));
    json_object_set_new(o, "position", json_integer(rt->position));
    json_object_set_new(o, "country", rt->country ? json_string(rt->country) : json_null());
    json_object_set_new(o, "prefix", rt->prefix ? json_string(rt->prefix) : json_null());
    json_object_set_new(o, "type",
                        rt->msg_type >= 0 ? json_string(msg_type_name(rt->msg_type)) : json_null());
    json_object_set_new(o, "credential_id", json_string(rt->credential_id));
    json_object_set_new(o, "active", json_boolean(rt->active));
    json_object_set_new(o, "created_at", ctl_time(rt->created_at));
    json_object_set_new(o, "updated_at", ctl_time(rt->updated_at));
    return o;
}

static char *audit_json(struct http_req *r, const struct store_route *rt)
{
    json_t *o = route_json(rt);
    char *t = ctl_dump(r, o);
    json_decref(o);
    return t;
}

/* Applies body's fields to rt; strings copied into r's arena. Returns the errors added. */
static int apply_body(struct http_req *r, const json_t *body, int create, struct store_route *rt,
                      struct field_errors *fe)
{
    int before = fe->n;
    json_t *v;

    ctl_unknown_fields(r, body, known_fields, fe);
    if ((v = json_object_get(body, "position")) != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > POSITION_MAX)
            field_error_add(fe, "position", "out_of_range", "position must be an integer 0-%d",
                            POSITION_MAX);
        else
            rt->position = (int)json_integer_value(v);
    }
    if ((v = json_object_get(body, "country")) != NULL) {
        char cc[3] = "";
        const char *s = json_string_value(v);
        if (s != NULL && strlen(s) == 2) {
            cc[0] = (char)toupper((unsigned char)s[0]);
            cc[1] = (char)toupper((unsigned char)s[1]);
        }
        if (json_is_null(v))
            rt->country = NULL;
        else if (!catalog_country_valid(cc))
            field_error_add(fe, "country", "invalid_country",
                            "country must be an ISO 3166-1 alpha-2 code such as \"UZ\"");
        else
            rt->country = arena_strdup(&r->arena, cc);
    }
    if ((v = json_object_get(body, "prefix")) != NULL) {
        const char *s = json_string_value(v);
        if (json_is_null(v))
            rt->prefix = NULL;
        else if (!catalog_prefix_valid(s))
            field_error_add(fe, "prefix", "invalid_prefix",
                            "prefix must be 1-15 digits of an E.164 number without '+'");
        else
            rt->prefix = arena_strdup(&r->arena, s);
    }
    if ((v = json_object_get(body, "type")) != NULL) {
        int t = catalog_msg_type_parse(json_string_value(v));
        if (json_is_null(v))
            rt->msg_type = -1;
        else if (t < 0)
            field_error_add(fe, "type", "invalid_type",
                            "type must be otp, transactional or marketing");
        else
            rt->msg_type = t;
    }
    if ((v = json_object_get(body, "credential_id")) != NULL) {
        if (!json_is_string(v) || !id_valid("cred", json_string_value(v)))
            field_error_add(fe, "credential_id", "unknown_credential",
                            "credential_id must name one of this project's credentials");
        else
            rt->credential_id = arena_strdup(&r->arena, json_string_value(v));
    } else if (create) {
        field_error_add(fe, "credential_id", "required", "credential_id is required");
    }
    if ((v = json_object_get(body, "active")) != NULL) {
        if (!json_is_boolean(v))
            field_error_add(fe, "active", "invalid_type", "active must be true or false");
        else
            rt->active = json_is_true(v);
    }
    return fe->n - before;
}

/* The answer to a write that found no row: the rule is gone (404) or the credential is not
 * the project's (422). */
static int not_applied(struct http_req *r, const struct store_route *rt)
{
    struct store_cred c;
    struct field_errors fe = {0};
    int st = store_cred_get(r->api->store, rt->project_id, rt->credential_id, &r->arena, &c);
    if (st == SH_ENOTFOUND) {
        field_error_add(&fe, "credential_id", "unknown_credential",
                        "credential_id must name one of this project's credentials");
        return ctl_invalid(r, &fe);
    }
    if (st != SH_OK)
        return ctl_storage_error(r);
    return ctl_not_found(r, "no route with this id in this project");
}

int api_routes_list(struct http_req *r)
{
    struct store_route *v;
    size_t n;
    if (store_route_list(r->api->store, r->principal.project_id, &r->arena, &v, &n) != SH_OK)
        return ctl_storage_error(r);
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(data, route_json(&v[i]));
    http_reply_json(r, 200, json_pack("{s:o}", "data", data));
    return HTTP_DONE;
}

int api_routes_get(struct http_req *r)
{
    struct store_route rt;
    int st = store_route_get(r->api->store, r->principal.project_id, r->params[1], &r->arena, &rt);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, "no route with this id in this project");
    if (st != SH_OK)
        return ctl_storage_error(r);
    http_reply_json(r, 200, route_json(&rt));
    return HTTP_DONE;
}

int api_routes_create(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_route rt = {.position = 100, .msg_type = -1, .active = 1};
    struct audit_entry e;
    json_t *body = api_json_object(r);
    char *id;
    int st;

    if (body == NULL)
        return HTTP_DONE;
    if (apply_body(r, body, 1, &rt, &fe) > 0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    rt.created_at = rt.updated_at = clock_now_ms();
    id = arena_alloc(&r->arena, ID_MAX);
    rt.id = id_new("rte", rt.created_at, id, ID_MAX);
    rt.project_id = r->principal.project_id;
    api_audit_actor(r, &e);
    e.action = "route.create";
    e.object_type = "route";
    e.object_id = rt.id;
    e.after_json = audit_json(r, &rt);
    st = store_route_insert(r->api->store, &rt, &e);
    if (st == SH_ENOTFOUND) {
        not_applied(r, &rt);
    } else if (st != SH_OK) {
        ctl_storage_error(r);
    } else {
        http_reply_json(r, 201, route_json(&rt));
        http_header(r, "Location", arena_printf(&r->arena, "/v1/projects/%s/routes/%s",
                                                rt.project_id, rt.id));
    }
out:
    json_decref(body);
    return HTTP_DONE;
}

int api_routes_update(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_route old, rt;
    struct audit_entry e;
    json_t *body = api_json_object(r);
    int st;

    if (body == NULL)
        return HTTP_DONE;
    st = store_route_get(r->api->store, r->principal.project_id, r->params[1], &r->arena, &old);
    if (st != SH_OK) {
        st == SH_ENOTFOUND ? ctl_not_found(r, "no route with this id in this project")
                           : ctl_storage_error(r);
        goto out;
    }
    rt = old;
    if (apply_body(r, body, 0, &rt, &fe) > 0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    rt.updated_at = clock_now_ms();
    api_audit_actor(r, &e);
    e.action = "route.update";
    e.object_type = "route";
    e.object_id = rt.id;
    e.before_json = audit_json(r, &old);
    e.after_json = audit_json(r, &rt);
    st = store_route_update(r->api->store, &rt, &e);
    if (st == SH_ENOTFOUND)
        not_applied(r, &rt);
    else if (st != SH_OK)
        ctl_storage_error(r);
    else
        http_reply_json(r, 200, route_json(&rt));
out:
    json_decref(body);
    return HTTP_DONE;
}

int api_routes_delete(struct http_req *r)
{
    struct store_route old;
    struct audit_entry e;
    int st = store_route_get(r->api->store, r->principal.project_id, r->params[1], &r->arena, &old);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, "no route with this id in this project");
    if (st != SH_OK)
        return ctl_storage_error(r);
    api_audit_actor(r, &e);
    e.action = "route.delete";
    e.object_type = "route";
    e.object_id = old.id;
    e.before_json = audit_json(r, &old);
    st = store_route_delete(r->api->store, old.project_id, old.id, &e);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, "no route with this id in this project");
    if (st != SH_OK)
        return ctl_storage_error(r);
    http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}

/* ---- dispatch policy ---------------------------------------------------------------- */

static json_t *dispatch_json(const struct store_dispatch *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "failover", json_boolean(d->failover));
    json_object_set_new(o, "retry_schedule",
                        ctl_parse(d->retry_schedule ? d->retry_schedule : DEFAULT_SCHEDULE, 1));
    json_object_set_new(o, "max_retries",
                        json_integer(d->max_retries >= 0 ? d->max_retries : DEFAULT_MAX_RETRIES));
    json_object_set_new(o, "defaults",
                        json_pack("{s:b, s:b}", "retry_schedule", d->retry_schedule == NULL,
                                  "max_retries", d->max_retries < 0));
    return o;
}

static char *dispatch_audit(struct http_req *r, const struct store_dispatch *d)
{
    json_t *o = dispatch_json(d);
    char *t = ctl_dump(r, o);
    json_decref(o);
    return t;
}

int api_dispatch_get(struct http_req *r)
{
    struct store_dispatch d;
    int st = store_dispatch_get(r->api->store, r->principal.project_id, &r->arena, &d);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, "no such project");
    if (st != SH_OK)
        return ctl_storage_error(r);
    http_reply_json(r, 200, dispatch_json(&d));
    return HTTP_DONE;
}

int api_dispatch_update(struct http_req *r)
{
    static const char *const known[] = {"failover", "retry_schedule", "max_retries", NULL};
    struct field_errors fe = {0};
    struct store_dispatch old, d;
    struct audit_entry e;
    json_t *body = api_json_object(r), *v;
    int secs[CATALOG_RETRY_MAX];
    int st;

    if (body == NULL)
        return HTTP_DONE;
    st = store_dispatch_get(r->api->store, r->principal.project_id, &r->arena, &old);
    if (st != SH_OK) {
        st == SH_ENOTFOUND ? ctl_not_found(r, "no such project") : ctl_storage_error(r);
        goto out;
    }
    d = old;
    ctl_unknown_fields(r, body, known, &fe);
    if ((v = json_object_get(body, "failover")) != NULL) {
        if (!json_is_boolean(v))
            field_error_add(&fe, "failover", "invalid_type", "failover must be true or false");
        else
            d.failover = json_is_true(v);
    }
    if ((v = json_object_get(body, "retry_schedule")) != NULL) {
        if (json_is_null(v))
            d.retry_schedule = NULL;
        else if (catalog_retry_schedule_parse(v, secs) < 0)
            field_error_add(&fe, "retry_schedule", "invalid_schedule",
                            "retry_schedule must be 1-%d delays in seconds, each 1-%d",
                            CATALOG_RETRY_MAX, CATALOG_RETRY_MAX_S);
        else
            d.retry_schedule = ctl_dump(r, v);
    }
    if ((v = json_object_get(body, "max_retries")) != NULL) {
        if (json_is_null(v))
            d.max_retries = -1;
        else if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                 json_integer_value(v) > CATALOG_RETRY_MAX)
            field_error_add(&fe, "max_retries", "out_of_range",
                            "max_retries must be an integer 0-%d", CATALOG_RETRY_MAX);
        else
            d.max_retries = (int)json_integer_value(v);
    }
    if (fe.n > 0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    api_audit_actor(r, &e);
    e.action = "project.dispatch_update";
    e.object_type = "project";
    e.object_id = r->principal.project_id;
    e.before_json = dispatch_audit(r, &old);
    e.after_json = dispatch_audit(r, &d);
    st = store_dispatch_set(r->api->store, r->principal.project_id, &d, clock_now_ms(), &e);
    if (st == SH_ENOTFOUND)
        ctl_not_found(r, "no such project");
    else if (st != SH_OK)
        ctl_storage_error(r);
    else
        http_reply_json(r, 200, dispatch_json(&d));
out:
    json_decref(body);
    return HTTP_DONE;
}
