/*
 * api.h — the REST API: its context, the route table and the handlers' entry points.
 *
 * `struct api` is built by the daemon and borrowed by every request. Handlers take the
 * project from the authenticated principal, never from the request.
 */
#ifndef SH_API_API_H
#define SH_API_API_H

#include "api/http.h"
#include "core/message.h"

struct store;
struct engine;
struct auth_cache;
struct credcache;

struct api {
    struct store *store;
    struct engine *engine;
    const struct log *log;
    struct msg_limits limits;
    struct auth_cache *auth;
    struct credcache *creds;
    atomic_int ready; /* set once migrations ran and the engine runs */
};

enum route_flags {
    ROUTE_AUTH = 1 << 0, /* Authorization: Bearer <api key> required */
    ROUTE_BODY = 1 << 1, /* a JSON body is expected (Content-Type checked: 415) */
};

struct route {
    const char *method;
    const char *pattern; /* "/v1/messages/{id}" */
    int (*handler)(struct http_req *r);
    unsigned flags;
    const char *scope; /* API key scope required, or NULL */
};

/* The route table (NULL-terminated by a zero entry). */
extern const struct route api_routes[];

/*
 * Finds the route for method + path, filling r->params. Returns the route, or NULL with
 * *path_known set when another method would match (405).
 */
const struct route *api_route_match(struct http_req *r, const char *method, const char *path,
                                    int *path_known);

/* Authenticates the Bearer API key of r into r->principal, answering 401/403 itself when it
 * fails. Returns 0 when authenticated. */
int api_authenticate(struct http_req *r, const struct route *route);

/* Handlers */
int api_messages_create(struct http_req *r);
int api_messages_get(struct http_req *r);
int api_messages_list(struct http_req *r);
int api_healthz(struct http_req *r);
int api_readyz(struct http_req *r);
int api_openapi(struct http_req *r);

/* docs/openapi.json, embedded at build time (NUL-terminated). */
extern const char api_openapi_json[];
extern const unsigned long api_openapi_json_len;

#endif
