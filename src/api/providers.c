/*
 * providers.c — the provider catalog (SPEC §3.1): GET /v1/providers (the caller project's
 * usable providers) and the platform administrators' CRUD under /v1/admin/providers.
 *
 * POST creates, PATCH changes the fields it names (the rest stay), DELETE soft-deletes and
 * disables the entry (the engine stops submitting to it at its next credential reload). The
 * driver must be one the registry knows. Every change is audited in the same transaction.
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "api/ctl.h"
#include "core/catalog.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "providers/provider.h"
#include "store/audit.h"
#include "store/providers.h"

#include <string.h>

#define NAME_MAX_LEN 100
#define DESCRIPTION_MAX_LEN 1000
#define CONFIG_MAX_LEN 8192
#define PRIORITY_MAX 10000

static const char *const known_fields[] = {"id",           "name",           "description",
                                           "driver",       "capabilities",   "default_config",
                                           "enabled",      "priority",       NULL};

static json_t *provider_json(const struct store_provider *p, int admin)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(p->id));
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "description", json_string(p->description ? p->description : ""));
    json_object_set_new(o, "driver", json_string(p->driver));
    json_object_set_new(o, "capabilities", ctl_parse(p->capabilities, 1));
    json_object_set_new(o, "priority", json_integer(p->priority));
    if (admin) {
        json_object_set_new(o, "default_config", ctl_parse(p->default_config, 0));
        json_object_set_new(o, "enabled", json_boolean(p->enabled));
        json_object_set_new(o, "created_at", ctl_time(p->created_at));
        json_object_set_new(o, "updated_at", ctl_time(p->updated_at));
    }
    return o;
}

static int reply_list(struct http_req *r, const struct store_provider *v, size_t n, int admin)
{
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(data, provider_json(&v[i], admin));
    http_reply_json(r, 200, json_pack("{s:o}", "data", data));
    return HTTP_DONE;
}

int api_providers_usable(struct http_req *r)
{
    struct store_provider *v;
    size_t n;
    if (store_provider_usable(r->api->store, r->principal.project_id, &r->arena, &v, &n) != SH_OK)
        return ctl_storage_error(r);
    return reply_list(r, v, n, 0);
}

int api_admin_providers_list(struct http_req *r)
{
    struct store_provider *v;
    size_t n;
    if (store_provider_list(r->api->store, &r->arena, &v, &n) != SH_OK)
        return ctl_storage_error(r);
    return reply_list(r, v, n, 1);
}

int api_admin_providers_get(struct http_req *r)
{
    struct store_provider p;
    int st = store_provider_get(r->api->store, r->params[0], &r->arena, &p);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, "no provider with this id");
    if (st != SH_OK)
        return ctl_storage_error(r);
    http_reply_json(r, 200, provider_json(&p, 1));
    return HTTP_DONE;
}

/* A string field of at most max bytes: sets *out when present (required: must be). */
static void take_string(const json_t *body, const char *field, size_t max, int required,
                        const char **out, struct field_errors *fe)
{
    json_t *v = json_object_get(body, field);
    if (v == NULL) {
        if (required)
            field_error_add(fe, field, "required", "%s is required", field);
        return;
    }
    if (!json_is_string(v)) {
        field_error_add(fe, field, "invalid_type", "%s must be a string", field);
        return;
    }
    if ((required && json_string_length(v) == 0) || json_string_length(v) > max) {
        field_error_add(fe, field, "invalid_length", "%s must be %s%zu bytes", field,
                        required ? "1-" : "at most ", max);
        return;
    }
    *out = json_string_value(v);
}

/*
 * Applies the fields of body to p (creating: id, name and driver required). Strings borrowed
 * from body or copied into r's arena. Returns the number of errors added.
 */
static int apply_body(struct http_req *r, const json_t *body, int create, struct store_provider *p,
                      struct field_errors *fe)
{
    json_t *v;
    int before = fe->n;

    ctl_unknown_fields(r, body, known_fields, fe);
    if (create) {
        take_string(body, "id", 32, 1, &p->id, fe);
        if (p->id != NULL && !catalog_slug_valid(p->id)) {
            field_error_add(fe, "id", "invalid_slug",
                            "id must match ^[a-z0-9][a-z0-9_-]{1,31}$");
            p->id = NULL;
        }
    } else if (json_object_get(body, "id") != NULL) {
        field_error_add(fe, "id", "read_only", "the id of a provider cannot change");
    }
    take_string(body, "name", NAME_MAX_LEN, create, &p->name, fe);
    if (!create && json_object_get(body, "name") != NULL && p->name != NULL && *p->name == '\0')
        field_error_add(fe, "name", "invalid_length", "name must be 1-%d bytes", NAME_MAX_LEN);
    take_string(body, "description", DESCRIPTION_MAX_LEN, 0, &p->description, fe);
    const char *driver = NULL;
    take_string(body, "driver", 32, create, &driver, fe);
    if (driver != NULL) {
        if (provider_find(driver) == NULL)
            field_error_add(fe, "driver", "unknown_driver",
                            "no driver named \"%.32s\" is built in", driver);
        else
            p->driver = driver;
    }
    if ((v = json_object_get(body, "capabilities")) != NULL) {
        if (!catalog_capabilities_valid(v))
            field_error_add(fe, "capabilities", "invalid_capabilities",
                            "capabilities must be an array of distinct values among dlr, "
                            "unicode, concat, inbound, balance, status_poll");
        else
            p->capabilities = ctl_dump(r, v);
    }
    if ((v = json_object_get(body, "default_config")) != NULL) {
        char *text = json_is_object(v) ? ctl_dump(r, v) : NULL;
        if (text == NULL)
            field_error_add(fe, "default_config", "invalid_type",
                            "default_config must be an object");
        else if (strlen(text) > CONFIG_MAX_LEN)
            field_error_add(fe, "default_config", "too_large",
                            "default_config must be at most %d bytes", CONFIG_MAX_LEN);
        else
            p->default_config = text;
    }
    if ((v = json_object_get(body, "enabled")) != NULL) {
        if (!json_is_boolean(v))
            field_error_add(fe, "enabled", "invalid_type", "enabled must be true or false");
        else
            p->enabled = json_is_true(v);
    }
    if ((v = json_object_get(body, "priority")) != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > PRIORITY_MAX)
            field_error_add(fe, "priority", "out_of_range", "priority must be an integer 0-%d",
                            PRIORITY_MAX);
        else
            p->priority = (int)json_integer_value(v);
    }
    return fe->n - before;
}

/* Audit JSON of p (the catalog holds no secrets). */
static char *audit_json(struct http_req *r, const struct store_provider *p)
{
    json_t *o = provider_json(p, 1);
    char *t = ctl_dump(r, o);
    json_decref(o);
    return t;
}

int api_admin_providers_create(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_provider p = {.description = "", .capabilities = "[]",
                               .default_config = "{}", .enabled = 1, .priority = 100};
    struct audit_entry e;
    json_t *body = api_json_object(r);
    int st;

    if (body == NULL)
        return HTTP_DONE;
    if (apply_body(r, body, 1, &p, &fe) > 0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    p.created_at = p.updated_at = clock_now_ms();
    api_audit_actor(r, &e);
    e.project_id = NULL;
    e.action = "provider.create";
    e.object_type = "provider";
    e.object_id = p.id;
    e.after_json = audit_json(r, &p);
    st = store_provider_insert(r->api->store, &p, &e);
    if (st == SH_EEXIST) {
        ctl_conflict(r, "provider_exists",
                     "a provider with this id exists (ids of deleted providers stay taken)");
    } else if (st != SH_OK) {
        ctl_storage_error(r);
    } else {
        http_reply_json(r, 201, provider_json(&p, 1));
        http_header(r, "Location", arena_printf(&r->arena, "/v1/admin/providers/%s", p.id));
    }
out:
    json_decref(body);
    return HTTP_DONE;
}

int api_admin_providers_update(struct http_req *r)
{
    struct field_errors fe = {0};
    struct store_provider old, p;
    struct audit_entry e;
    json_t *body = api_json_object(r);
    int st;

    if (body == NULL)
        return HTTP_DONE;
    st = store_provider_get(r->api->store, r->params[0], &r->arena, &old);
    if (st != SH_OK) {
        st == SH_ENOTFOUND ? ctl_not_found(r, "no provider with this id") : ctl_storage_error(r);
        goto out;
    }
    p = old;
    if (apply_body(r, body, 0, &p, &fe) > 0) {
        ctl_invalid(r, &fe);
        goto out;
    }
    p.updated_at = clock_now_ms();
    api_audit_actor(r, &e);
    e.project_id = NULL;
    e.action = "provider.update";
    e.object_type = "provider";
    e.object_id = p.id;
    e.before_json = audit_json(r, &old);
    e.after_json = audit_json(r, &p);
    st = store_provider_update(r->api->store, &p, old.updated_at, &e);
    if (st == SH_ENOTFOUND)
        ctl_conflict(r, "concurrent_update",
                     "the provider was changed or deleted meanwhile; read it again and retry");
    else if (st != SH_OK)
        ctl_storage_error(r);
    else
        http_reply_json(r, 200, provider_json(&p, 1));
out:
    json_decref(body);
    return HTTP_DONE;
}

int api_admin_providers_delete(struct http_req *r)
{
    struct store_provider old;
    struct audit_entry e;
    int st = store_provider_get(r->api->store, r->params[0], &r->arena, &old);

    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, "no provider with this id");
    if (st != SH_OK)
        return ctl_storage_error(r);
    api_audit_actor(r, &e);
    e.project_id = NULL;
    e.action = "provider.delete";
    e.object_type = "provider";
    e.object_id = old.id;
    e.before_json = audit_json(r, &old);
    st = store_provider_delete(r->api->store, old.id, clock_now_ms(), &e);
    if (st == SH_ENOTFOUND)
        return ctl_not_found(r, "no provider with this id");
    if (st != SH_OK)
        return ctl_storage_error(r);
    http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}
