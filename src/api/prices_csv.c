/*
 * prices_csv.c — tariffs as CSV: POST /v1/admin/prices/import (Content-Type: text/csv; all
 * rows or none, every bad cell reported as "line N.field") and GET /v1/admin/prices/export
 * (the same filters as the list; UTF-8, header row, RFC 4180 quoting).
 */
#include "api/api.h"
#include "api/prices.h"
#include "core/field_error.h"
#include "core/price_csv.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int price_filter_from_query(struct http_req *r, struct price_filter *f, struct field_errors *fe);

int api_prices_import(struct http_req *r)
{
    struct field_errors fe = {0};
    struct price_row *rows = NULL;
    struct audit_entry e;
    size_t n = 0;
    const char *ct = http_req_header(r, "Content-Type");

    if (ct == NULL || strncasecmp(ct, "text/csv", 8) != 0) {
        http_problem(r, 415, "unsupported_media_type", "Unsupported media type",
                     "send the tariff as Content-Type: text/csv", NULL);
        return HTTP_DONE;
    }
    if (price_csv_parse(r->body != NULL ? r->body : "", r->body_len, &r->arena, &rows, &n, &fe) !=
        SH_OK) {
        http_problem(r, 422, "invalid_csv", "Invalid tariff",
                     "nothing was imported; fix the listed cells", &fe);
        return HTTP_DONE;
    }
    int64_t now = clock_now_ms();
    for (size_t i = 0; i < n; i++) {
        char *id = arena_alloc(&r->arena, ID_MAX);
        rows[i].id = id_new("price", now, id, ID_MAX);
    }
    char *after = arena_printf(&r->arena, "{\"rows\":%zu}", n);
    price_audit(r, &e, "price.import", NULL, NULL, after);
    if (store_prices_insert(r->api->store, rows, n, &e) != SH_OK) {
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "the tariff could not be stored; nothing was imported", NULL);
        return HTTP_DONE;
    }
    json_t *ids = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_string(rows[i].id));
    http_reply_json(r, 201, json_pack("{s:I, s:o}", "imported", (json_int_t)n, "ids", ids));
    return HTTP_DONE;
}

int api_prices_export(struct http_req *r)
{
    struct field_errors fe = {0};
    struct price_filter f;
    struct price_row *rows;
    size_t n, len = 0;
    char *buf = NULL;

    if (price_filter_from_query(r, &f, &fe) != 0) {
        http_problem(r, 400, "invalid_query", "Invalid query", NULL, &fe);
        return HTTP_DONE;
    }
    if (store_prices_list(r->api->store, &f, &r->arena, &rows, &n) != SH_OK) {
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "tariffs cannot be read right now", NULL);
        return HTTP_DONE;
    }
    FILE *out = open_memstream(&buf, &len);
    if (out == NULL)
        abort();
    int st = price_csv_write(out, rows, n);
    fclose(out);
    if (st != SH_OK) {
        free(buf);
        http_problem(r, 500, "internal", "Internal error", "the export could not be written",
                     NULL);
        return HTTP_DONE;
    }
    http_reply_raw(r, 200, "text/csv; charset=utf-8", buf, len);
    http_header(r, "Content-Disposition", "attachment; filename=\"prices.csv\"");
    free(buf);
    return HTTP_DONE;
}
