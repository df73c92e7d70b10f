/*
 * prices.c — tariff administration (SPEC §7): /v1/admin/prices create, list, get, PATCH,
 * DELETE (soft). Money travels as decimal strings ("0.045"), times as RFC 3339. Platform
 * administrators only (the route table says so).
 */
#include "api/api.h"
#include "api/jsonbody.h"
#include "api/prices.h"
#include "core/field_error.h"
#include "core/money.h"
#include "core/price.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"

#include <stdlib.h>
#include <string.h>

#define PRICES_PAGE 100

int price_kind_parse(const char *s)
{
    if (s == NULL)
        return -1;
    return strcmp(s, "cost") == 0 ? PRICE_COST : strcmp(s, "sell") == 0 ? PRICE_SELL : -1;
}

const char *price_kind_name(int kind)
{
    return kind == PRICE_SELL ? "sell" : "cost";
}

static json_t *opt_str(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *opt_time(int64_t ms)
{
    char buf[40];
    return ms != 0 ? json_string(clock_fmt_rfc3339(ms, buf, sizeof(buf))) : json_null();
}

json_t *price_json(const struct price_row *p)
{
    char money[MONEY_STR_MAX];
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o}", "id", p->id,
                     "kind", price_kind_name(p->kind), "credential_id", opt_str(p->credential_id),
                     "provider_id", opt_str(p->provider_id), "project_id", opt_str(p->project_id),
                     "country", opt_str(p->country), "prefix", opt_str(p->prefix), "unit_price",
                     money_format(p->unit, money), "currency", p->currency, "valid_from",
                     opt_time(p->valid_from), "valid_to", opt_time(p->valid_to));
}

void price_audit(struct http_req *r, struct audit_entry *e, const char *action, const char *id,
                 const char *before, const char *after)
{
    api_audit_actor(r, e);
    e->project_id = NULL; /* tariffs are platform objects */
    e->action = action;
    e->object_type = "price";
    e->object_id = id;
    e->before_json = before;
    e->after_json = after;
}

/* Reads the JSON fields present in o into p (PATCH keeps absent fields). */
static void from_json(struct http_req *r, json_t *o, struct price_row *p, struct field_errors *fe,
                      int create)
{
    static const char *const strs[] = {"credential_id", "provider_id", "project_id", "country",
                                       "prefix"};
    const char **dst[] = {&p->credential_id, &p->provider_id, &p->project_id, &p->country,
                          &p->prefix};
    const char *key;
    json_t *v;

    json_object_foreach(o, key, v)
    {
        int known = 0;
        for (size_t i = 0; i < 5; i++) {
            if (strcmp(key, strs[i]) != 0)
                continue;
            known = 1;
            if (json_is_null(v))
                *dst[i] = NULL;
            else if (json_is_string(v))
                *dst[i] = arena_strdup(&r->arena, json_string_value(v));
            else
                field_error_add(fe, strs[i], "invalid_type", "must be a string or null");
        }
        if (known)
            continue;
        if (strcmp(key, "kind") == 0) {
            if (!create)
                field_error_add(fe, "kind", "immutable", "create a new row to change the kind");
            else if ((p->kind = price_kind_parse(json_string_value(v))) < 0)
                field_error_add(fe, "kind", "invalid", "cost or sell");
        } else if (strcmp(key, "unit_price") == 0) {
            if (!json_is_string(v) || money_parse(json_string_value(v), &p->unit) != SH_OK)
                field_error_add(fe, "unit_price", "invalid",
                                "a decimal string with up to 6 decimals, e.g. \"0.045\"");
        } else if (strcmp(key, "currency") == 0) {
            snprintf(p->currency, sizeof(p->currency), "%s",
                     json_is_string(v) && strlen(json_string_value(v)) == 3 ? json_string_value(v)
                                                                            : "");
        } else if (strcmp(key, "valid_from") == 0 || strcmp(key, "valid_to") == 0) {
            int64_t *t = key[6] == 'f' ? &p->valid_from : &p->valid_to;
            if (json_is_null(v))
                *t = 0;
            else if (!json_is_string(v) || clock_parse_rfc3339(json_string_value(v), t) != 0)
                field_error_add(fe, key[6] == 'f' ? "valid_from" : "valid_to", "invalid_datetime",
                                "an RFC 3339 date-time or null");
        } else if (strcmp(key, "id") != 0) {
            field_error_add(fe, key[0] != '\0' && strlen(key) < 40 ? arena_strdup(&r->arena, key)
                                                                   : "body",
                            "unknown_field", "this field is not part of a price");
        }
    }
    if (create && json_object_get(o, "kind") == NULL)
        field_error_add(fe, "kind", "required", "cost or sell");
    if (create && json_object_get(o, "unit_price") == NULL)
        field_error_add(fe, "unit_price", "required", "the price of one segment");
    if (create && json_object_get(o, "currency") == NULL)
        field_error_add(fe, "currency", "required", "an ISO 4217 code");
    if (fe->n == 0)
        price_row_check(p, fe, &r->arena, NULL);
}

static int storage_error(struct http_req *r)
{
    http_problem(r, 503, "storage_unavailable", "Service unavailable",
                 "tariffs cannot be read or written right now", NULL);
    return HTTP_DONE;
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

int api_prices_create(struct http_req *r)
{
    struct field_errors fe = {0};
    struct price_row p = {.kind = -1};
    struct audit_entry e;
    char id[ID_MAX];
    json_t *o = api_json_object(r);
    if (o == NULL)
        return HTTP_DONE;
    from_json(r, o, &p, &fe, 1);
    json_decref(o);
    if (fe.n > 0) {
        http_problem(r, 422, "invalid_price", "Invalid price", NULL, &fe);
        return HTTP_DONE;
    }
    p.id = id_new("price", clock_now_ms(), id, sizeof(id));
    char *after = dump(price_json(&p));
    price_audit(r, &e, "price.create", p.id, NULL, after);
    int st = store_prices_insert(r->api->store, &p, 1, &e);
    free(after);
    if (st != SH_OK)
        return storage_error(r);
    http_reply_json(r, 201, price_json(&p));
    return HTTP_DONE;
}

int api_prices_get(struct http_req *r)
{
    struct price_row p;
    int st = store_price_get(r->api->store, r->params[0], &r->arena, &p);
    if (st == SH_ENOTFOUND) {
        http_problem(r, 404, "not_found", "Not found", "no such price", NULL);
        return HTTP_DONE;
    }
    if (st != SH_OK)
        return storage_error(r);
    http_reply_json(r, 200, price_json(&p));
    return HTTP_DONE;
}

int api_prices_patch(struct http_req *r)
{
    struct field_errors fe = {0};
    struct price_row p;
    struct audit_entry e;
    int st = store_price_get(r->api->store, r->params[0], &r->arena, &p);
    if (st == SH_ENOTFOUND) {
        http_problem(r, 404, "not_found", "Not found", "no such price", NULL);
        return HTTP_DONE;
    }
    if (st != SH_OK)
        return storage_error(r);
    char *before = dump(price_json(&p));
    json_t *o = api_json_object(r);
    if (o == NULL) {
        free(before);
        return HTTP_DONE;
    }
    from_json(r, o, &p, &fe, 0);
    json_decref(o);
    if (fe.n > 0) {
        free(before);
        http_problem(r, 422, "invalid_price", "Invalid price", NULL, &fe);
        return HTTP_DONE;
    }
    char *after = dump(price_json(&p));
    price_audit(r, &e, "price.update", p.id, before, after);
    st = store_price_update(r->api->store, &p, &e);
    free(before);
    free(after);
    if (st == SH_ENOTFOUND) {
        http_problem(r, 404, "not_found", "Not found", "no such price", NULL);
        return HTTP_DONE;
    }
    if (st != SH_OK)
        return storage_error(r);
    http_reply_json(r, 200, price_json(&p));
    return HTTP_DONE;
}

int api_prices_delete(struct http_req *r)
{
    struct audit_entry e;
    price_audit(r, &e, "price.delete", r->params[0], NULL, NULL);
    int st = store_price_delete(r->api->store, r->params[0], &e);
    if (st == SH_ENOTFOUND) {
        http_problem(r, 404, "not_found", "Not found", "no such price", NULL);
        return HTTP_DONE;
    }
    if (st != SH_OK)
        return storage_error(r);
    http_reply_raw(r, 204, "application/json", "", 0);
    return HTTP_DONE;
}

/* Reads the list filters shared by the JSON list and the CSV export. */
int price_filter_from_query(struct http_req *r, struct price_filter *f, struct field_errors *fe)
{
    const char *v;
    memset(f, 0, sizeof(*f));
    f->kind = -1;
    if ((v = http_query(r, "kind")) != NULL && (f->kind = price_kind_parse(v)) < 0)
        field_error_add(fe, "kind", "invalid", "cost or sell");
    f->credential_id = http_query(r, "credential_id");
    f->provider_id = http_query(r, "provider_id");
    f->project_id = http_query(r, "project_id");
    return fe->n == 0 ? 0 : -1;
}

int api_prices_list(struct http_req *r)
{
    struct field_errors fe = {0};
    struct price_filter f;
    struct price_row *rows;
    size_t n;
    const char *v;

    price_filter_from_query(r, &f, &fe);
    f.limit = PRICES_PAGE;
    if ((v = http_query(r, "limit")) != NULL) {
        char *end;
        long l = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || l < 1 || l > PRICES_PAGE)
            field_error_add(&fe, "limit", "out_of_range", "limit must be 1-100");
        else
            f.limit = (int)l;
    }
    if ((v = http_query(r, "cursor")) != NULL) {
        if (!id_valid("price", v))
            field_error_add(&fe, "cursor", "invalid", "use next_cursor from the previous page");
        else
            f.cursor = v;
    }
    if (fe.n > 0) {
        http_problem(r, 400, "invalid_query", "Invalid query", NULL, &fe);
        return HTTP_DONE;
    }
    if (store_prices_list(r->api->store, &f, &r->arena, &rows, &n) != SH_OK)
        return storage_error(r);
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(data, price_json(&rows[i]));
    http_reply_json(r, 200,
                    json_pack("{s:o, s:o}", "data", data, "next_cursor",
                              n == (size_t)f.limit ? json_string(rows[n - 1].id) : json_null()));
    return HTTP_DONE;
}
