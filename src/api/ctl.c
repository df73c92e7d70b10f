/*
 * ctl.c — see ctl.h.
 */
#include "api/ctl.h"
#include "core/field_error.h"
#include "lib/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ctl_storage_error(struct http_req *r)
{
    http_problem(r, 503, "storage_error", "Service unavailable",
                 "the data cannot be read or written right now; retry", NULL);
    http_header(r, "Retry-After", "1");
    return HTTP_DONE;
}

int ctl_not_found(struct http_req *r, const char *detail)
{
    http_problem(r, 404, "not_found", "Not found", detail, NULL);
    return HTTP_DONE;
}

int ctl_invalid(struct http_req *r, const struct field_errors *fe)
{
    http_problem(r, 422, "validation_failed", "Validation failed",
                 "one or more fields are invalid", fe);
    return HTTP_DONE;
}

int ctl_conflict(struct http_req *r, const char *code, const char *detail)
{
    http_problem(r, 409, code, "Conflict", detail, NULL);
    return HTTP_DONE;
}

json_t *ctl_time(int64_t ms)
{
    char buf[40];
    if (ms == 0)
        return json_null();
    return json_string(clock_fmt_rfc3339(ms, buf, sizeof(buf)));
}

json_t *ctl_parse(const char *text, int want_array)
{
    json_t *v = text != NULL ? json_loads(text, 0, NULL) : NULL;
    if (v != NULL && (want_array ? json_is_array(v) : json_is_object(v)))
        return v;
    json_decref(v);
    return want_array ? json_array() : json_object();
}

char *ctl_dump(struct http_req *r, const json_t *o)
{
    char *t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    char *copy = arena_strdup(&r->arena, t != NULL ? t : "null");
    free(t);
    return copy;
}

void ctl_unknown_fields(struct http_req *r, const json_t *o, const char *const *known,
                        struct field_errors *fe)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        int ok = 0;
        (void)v;
        for (const char *const *p = known; *p != NULL && !ok; p++)
            ok = strcmp(*p, k) == 0;
        if (!ok)
            field_error_add(fe, arena_strndup(&r->arena, k, strnlen(k, 64)), "unknown_field",
                            "unknown field");
    }
}
