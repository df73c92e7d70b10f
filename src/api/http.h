/*
 * http.h — the HTTP server (libmicrohttpd, epoll + thread pool) and the request object
 * handlers work with.
 *
 * A request owns an arena freed after its response is sent. Handlers answer synchronously
 * (http_reply_* then return HTTP_DONE) or asynchronously: return HTTP_ASYNC, and later, from
 * any thread, set the reply and call http_resume exactly once. The connection is suspended
 * in between, so it costs no worker thread while it waits (e.g. for a group commit).
 */
#ifndef SH_API_HTTP_H
#define SH_API_HTTP_H

#include "lib/arena.h"
#include "lib/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct api;
struct field_errors;
struct MHD_Connection;
struct MHD_Daemon;

enum { HTTP_DONE = 0, HTTP_ASYNC = 1 };

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 16

enum principal_kind {
    PRINCIPAL_NONE = 0,
    PRINCIPAL_KEY,    /* an API key: acts for its project, within its scopes */
    PRINCIPAL_USER,   /* a user's access token: acts by its role in each project */
    PRINCIPAL_CLIENT, /* a client_credentials token: acts for its project, within its scopes */
};

struct principal {
    enum principal_kind kind;
    char project_id[48]; /* KEY, CLIENT: the project; USER: the project of a project route */
    char key_id[48];     /* KEY */
    char user_id[48];    /* USER */
    char client_id[48];  /* CLIENT */
    char token_id[48];   /* USER, CLIENT: the access token's id */
    char scopes[512];    /* KEY, CLIENT */
    int64_t rate_limit_rps; /* KEY: the key's own limit (0: none) */
    char role[16];       /* USER: role in project_id on project routes ("owner", …) */
    int is_admin;        /* USER: platform administrator */
};

struct route;
struct http_stream;

/* Fills buf (cap bytes) with the next part of a streamed reply: returns the bytes written
 * (> 0), 0 at the end, or -1 to abort the connection (the client sees a cut reply). */
typedef long (*http_fill_fn)(void *ctx, char *buf, size_t cap);

struct http_req {
    struct api *api;
    struct MHD_Connection *conn;
    struct arena arena;
    const char *method;
    const char *path;   /* decoded, without the query */
    const char *target; /* the request target exactly as sent (path?query), or NULL */
    char request_id[72];
    int64_t start_us;

    char *body;
    size_t body_len;
    size_t body_cap;
    int too_big;      /* the body passed the cap (answered 413 once it ends) */
    size_t discarded; /* bytes dropped after the cap */

    char client_ip[64]; /* the peer's address (api/guard.c may replace it from X-Forwarded-For
                           when the peer is a trusted proxy) */
    const struct route *route;
    const char *params[HTTP_MAX_PARAMS];
    struct principal principal;

    pthread_mutex_t mu;
    int state;
    unsigned status;
    char *resp_body;
    size_t resp_len;
    const char *resp_type;
    const char *hdr_name[HTTP_MAX_HEADERS];
    const char *hdr_value[HTTP_MAX_HEADERS];
    int nhdr;
    void *async; /* handler-owned while HTTP_ASYNC */
    struct http_stream *stream; /* a streamed reply (http_reply_stream), or NULL */
};

struct http_cfg {
    const char *listen;    /* "127.0.0.1:8080", "[::1]:8080", ":8080" */
    int threads;           /* worker threads (default: number of CPUs) */
    size_t max_body;       /* bytes (default 65536) */
    unsigned idle_timeout; /* seconds a connection may stay silent (default 30) */
    unsigned max_conns;    /* default 10000 */
};

struct http_server;

/* Starts listening. *port_out gets the bound port (useful with port 0). Returns SH_OK,
 * SH_EINVAL for a bad listen address, SH_EIO when the port cannot be bound. */
int http_start(const struct http_cfg *cfg, struct api *api, const struct log *log,
               struct http_server **out, int *port_out);

/* Starts the drain: requests already received are still answered, every new request (on a new
 * or a keep-alive connection) gets 503 shutting_down with Connection: close. */
void http_quiesce(struct http_server *s);

/* Number of requests received and not yet answered. Any thread. */
int http_active(struct http_server *s);

/* Stops the server and frees it. Call after http_active() reached 0. NULL is a no-op. */
void http_stop(struct http_server *s);

/* Parses "host:port" into family/address text and port. Returns SH_OK or SH_EINVAL. */
int http_parse_listen(const char *listen, char *host, size_t hostcap, int *port);

/* ---- replies (handler thread, or any thread before http_resume) ------------------------ */

/* Sets a JSON reply; takes body (decref'd here). */
void http_reply_json(struct http_req *r, unsigned status, json_t *body);

/* Sets a streamed reply (Transfer-Encoding: chunked): once the handler returned, fill(ctx, …)
 * is called on the connection's thread for the body, part by part, as the client takes it;
 * done(ctx) is called exactly once when the reply is over, sent or not. ctx (and anything it
 * needs: not r or its arena, which may be gone) is owned by the stream from this call on.
 * Synchronous handlers only. */
void http_reply_stream(struct http_req *r, unsigned status, const char *type, http_fill_fn fill,
                       void (*done)(void *ctx), void *ctx);

/* Sets a reply whose body text is already JSON (borrowed; copied into the arena). */
void http_reply_raw(struct http_req *r, unsigned status, const char *type, const char *body,
                    size_t len);

/* Sets an RFC 9457 problem+json reply. errors may be NULL. detail may be NULL. */
void http_problem(struct http_req *r, unsigned status, const char *code, const char *title,
                  const char *detail, const struct field_errors *errors);

/* http_problem with extension members: the members of ext (a JSON object, taken) are added
 * to the problem object first (the standard members win on a clash). */
void http_problem_ext(struct http_req *r, unsigned status, const char *code, const char *title,
                      const char *detail, const struct field_errors *errors, json_t *ext);

/* Adds a response header (name and value borrowed; copy into the arena if transient). */
void http_header(struct http_req *r, const char *name, const char *value);

/* Request header value or NULL. Handler thread only. */
const char *http_req_header(struct http_req *r, const char *name);

/* Query argument or NULL. Handler thread only. */
const char *http_query(struct http_req *r, const char *name);

/* Completes an HTTP_ASYNC request. Any thread; exactly once per async request. */
void http_resume(struct http_req *r);

#endif
