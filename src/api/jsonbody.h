/*
 * jsonbody.h — the JSON object body of a request, or a 400 problem answer (api/jsonbody.c).
 */
#ifndef SH_API_JSONBODY_H
#define SH_API_JSONBODY_H

#include "api/http.h"

/* Parses r's body as one JSON object (duplicate keys refused). Returns the object (returns
 * new, json_decref), or NULL after answering 400 malformed_json / invalid_body. */
json_t *api_json_object(struct http_req *r);

/* Text of ms as RFC 3339 in a JSON string, or JSON null for 0 (returns new). */
json_t *api_json_time(int64_t ms);

#endif
