/*
 * openapi_test.c — docs/openapi.json and the router's table describe the same API: every
 * route is documented with its method, every documented operation is routed, and every
 * route that needs a key says so (security) while the open ones declare `security: []`.
 * A new route without documentation fails here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "api/api.h"

#include <ctype.h>
#include <string.h>

static json_t *load_doc(void)
{
    json_error_t err;
    json_t *doc = json_loadb(api_openapi_json, api_openapi_json_len, 0, &err);
    if (doc == NULL)
        fail_msg("docs/openapi.json is not JSON: line %d: %s", err.line, err.text);
    return doc;
}

static void lower(const char *in, char *out, size_t cap)
{
    size_t i = 0;
    for (; in[i] != '\0' && i + 1 < cap; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

static void test_document_is_openapi_31(void **state)
{
    (void)state;
    json_t *doc = load_doc();
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    assert_non_null(json_object_get(doc, "paths"));
    json_decref(doc);
}

static void test_every_route_is_documented(void **state)
{
    (void)state;
    json_t *doc = load_doc();
    json_t *paths = json_object_get(doc, "paths");
    for (const struct route *rt = api_routes; rt->method != NULL; rt++) {
        char m[16];
        lower(rt->method, m, sizeof(m));
        json_t *op = json_object_get(json_object_get(paths, rt->pattern), m);
        if (op == NULL)
            fail_msg("route %s %s is missing from docs/openapi.json", rt->method, rt->pattern);
        json_t *sec = json_object_get(op, "security");
        int open = sec != NULL && json_array_size(sec) == 0;
        if ((rt->flags & ROUTE_AUTH) && open)
            fail_msg("%s %s needs a key but is documented as open", rt->method, rt->pattern);
        if (!(rt->flags & ROUTE_AUTH) && !open)
            fail_msg("%s %s is open but documented as needing a key", rt->method, rt->pattern);
    }
    json_decref(doc);
}

static void test_every_documented_operation_is_routed(void **state)
{
    (void)state;
    json_t *doc = load_doc();
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        const char *method;
        json_t *op;
        json_object_foreach(item, method, op)
        {
            int found = 0;
            /* path-level keys that are not operations (OpenAPI 3.1 §4.8.9) */
            if (strcmp(method, "parameters") == 0 || strcmp(method, "summary") == 0 ||
                strcmp(method, "description") == 0 || strcmp(method, "servers") == 0)
                continue;
            for (const struct route *rt = api_routes; rt->method != NULL && !found; rt++) {
                char m[16];
                lower(rt->method, m, sizeof(m));
                found = strcmp(m, method) == 0 && strcmp(rt->pattern, path) == 0;
            }
            if (!found)
                fail_msg("docs/openapi.json documents %s %s but no route serves it", method,
                         path);
        }
    }
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document_is_openapi_31),
        cmocka_unit_test(test_every_route_is_documented),
        cmocka_unit_test(test_every_documented_operation_is_routed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
