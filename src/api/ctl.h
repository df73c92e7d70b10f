/*
 * ctl.h — small helpers shared by the control-plane handlers (providers.c, credentials.c,
 * route_rules.c): JSON body parsing, common problem answers, JSON values of times.
 * Handler thread only.
 */
#ifndef SH_API_CTL_H
#define SH_API_CTL_H

#include "api/http.h"

#include <jansson.h>

/* 503 storage_error ("… cannot be read/written right now"). Returns HTTP_DONE. */
int ctl_storage_error(struct http_req *r);

/* 404 not_found with detail. Returns HTTP_DONE. */
int ctl_not_found(struct http_req *r, const char *detail);

/* 422 validation_failed with fe. Returns HTTP_DONE. */
int ctl_invalid(struct http_req *r, const struct field_errors *fe);

/* 409 with code and detail. Returns HTTP_DONE. */
int ctl_conflict(struct http_req *r, const char *code, const char *detail);

/* RFC 3339 string of ms, or JSON null for 0. Returns new. */
json_t *ctl_time(int64_t ms);

/* Parses JSON text (NULL or invalid → fallback, a new empty object or array). Returns new. */
json_t *ctl_parse(const char *text, int want_array);

/* Compact JSON text of o in r's arena (o borrowed). */
char *ctl_dump(struct http_req *r, const json_t *o);

/* Adds an unknown_field error (field name copied into r's arena) for every key of o not in
 * known (NULL-terminated). */
void ctl_unknown_fields(struct http_req *r, const json_t *o, const char *const *known,
                        struct field_errors *fe);

#endif
