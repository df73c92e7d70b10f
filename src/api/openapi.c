/*
 * openapi.c — GET /v1/openapi.json: the OpenAPI 3.1 document of docs/openapi.json, embedded at
 * build time. tests/unit/openapi_test.c keeps it and the route table in step.
 */
#include "api/api.h"

int api_openapi(struct http_req *r)
{
    /* the embedded document lives as long as the process: no copy needed */
    r->status = 200;
    r->resp_type = "application/json";
    r->resp_body = (char *)api_openapi_json;
    r->resp_len = api_openapi_json_len;
    return HTTP_DONE;
}
