/* jsonbody.c — see jsonbody.h. */
#include "api/jsonbody.h"
#include "lib/clock.h"

#include <stdio.h>

json_t *api_json_object(struct http_req *r)
{
    json_error_t jerr;
    json_t *root = json_loadb(r->body ? r->body : "", r->body_len,
                              JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL) {
        char detail[256];
        snprintf(detail, sizeof(detail), "malformed JSON at line %d column %d: %s", jerr.line,
                 jerr.column, jerr.text);
        http_problem(r, 400, "malformed_json", "Malformed JSON", detail, NULL);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        http_problem(r, 400, "invalid_body", "Invalid body", "the body must be a JSON object",
                     NULL);
        return NULL;
    }
    return root;
}

json_t *api_json_time(int64_t ms)
{
    char buf[40];
    if (ms == 0)
        return json_null();
    return json_string(clock_fmt_rfc3339(ms, buf, sizeof(buf)));
}
