/*
 * audit_api.c — reading the audit log (SPEC §2.8): GET /v1/admin/audit for administrators
 * (filters from, to, actor, project) and GET /v1/projects/{id}/audit for a project's owners
 * (always that project). Newest first, cursor pagination {data, next_cursor}; times RFC 3339.
 * Entries were redacted when written.
 */
#include "api/api.h"
#include "api/identity.h"
#include "core/field_error.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/audit.h"

#include <string.h>

#define LIST_DEFAULT 50
#define LIST_MAX 200

static json_t *raw_json(const char *text)
{
    json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;
    return j != NULL ? j : json_null();
}

static json_t *nullable(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static int list(struct http_req *r, const char *project)
{
    struct audit_filter f = {0};
    struct field_errors fe = {0};
    struct store_rows rows;
    const char *from = http_query(r, "from"), *to = http_query(r, "to");
    const char *cursor = http_query(r, "cursor"), *actor = http_query(r, "actor");

    f.limit = ident_limit(r, LIST_DEFAULT, LIST_MAX);
    if (f.limit < 0)
        return HTTP_DONE;
    if (from != NULL && clock_parse_rfc3339(from, &f.from) != SH_OK)
        field_error_add(&fe, "from", "invalid_time", "from is an RFC 3339 date-time");
    if (to != NULL && clock_parse_rfc3339(to, &f.to) != SH_OK)
        field_error_add(&fe, "to", "invalid_time", "to is an RFC 3339 date-time");
    if (cursor != NULL && strlen(cursor) > 64)
        field_error_add(&fe, "cursor", "invalid_cursor", "the cursor is not valid");
    if (actor != NULL && strlen(actor) > 64)
        field_error_add(&fe, "actor", "invalid", "actor is an id");
    if (fe.n > 0) {
        http_problem(r, 400, "invalid_parameter", "Invalid parameter", "a filter is not valid",
                     &fe);
        return HTTP_DONE;
    }
    f.cursor = cursor;
    f.actor_id = actor;
    f.project_id = project;
    int limit = f.limit;
    f.limit = limit + 1;
    int st = store_audit_list(r->api->store, &f, &r->arena, &rows);
    if (st != SH_OK)
        return ident_store_error(r, st, "");
    json_t *data = json_array();
    size_t n = rows.n > (size_t)limit ? (size_t)limit : rows.n;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_string(store_cell(&rows, i, 0)));
        json_object_set_new(e, "at", ident_time(store_cell(&rows, i, 1)));
        json_object_set_new(e, "actor",
                            json_pack("{s:o, s:o}", "type", nullable(store_cell(&rows, i, 2)), "id",
                                      nullable(store_cell(&rows, i, 3))));
        json_object_set_new(e, "project_id", nullable(store_cell(&rows, i, 4)));
        json_object_set_new(e, "action", nullable(store_cell(&rows, i, 5)));
        json_object_set_new(e, "object",
                            json_pack("{s:o, s:o}", "type", nullable(store_cell(&rows, i, 6)), "id",
                                      nullable(store_cell(&rows, i, 7))));
        json_object_set_new(e, "before", raw_json(store_cell(&rows, i, 8)));
        json_object_set_new(e, "after", raw_json(store_cell(&rows, i, 9)));
        json_object_set_new(e, "source_ip", nullable(store_cell(&rows, i, 10)));
        json_object_set_new(e, "request_id", nullable(store_cell(&rows, i, 11)));
        json_array_append_new(data, e);
    }
    json_t *next = rows.n > (size_t)limit ? json_string(store_cell(&rows, n - 1, 0)) : json_null();
    http_reply_json(r, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor", next));
    return HTTP_DONE;
}

int api_admin_audit(struct http_req *r)
{
    const char *project = http_query(r, "project");
    if (project != NULL && strlen(project) > 64)
        project = "-";
    return list(r, project);
}

int api_project_audit(struct http_req *r)
{
    return list(r, r->principal.project_id);
}
