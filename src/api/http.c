/*
 * http.c — libmicrohttpd glue: request lifecycle, body collection with a cap, the
 * suspend/resume handshake for async handlers, response building, access log.
 *
 * Lifecycle of a request (state):
 *   NEW ──first call──► BODY ──last call──► handler ──HTTP_DONE──► SENT
 *                                              └─HTTP_ASYNC─► WAIT ──http_resume──► READY ──► SENT
 * Async handshake: the connection is suspended under r->mu only if the reply is not ready yet;
 * http_resume marks the reply ready under the same lock and resumes only a connection it saw
 * suspended, so resume can never precede suspend, and it never touches r after resuming.
 */
#include "api/http.h"
#include "api/api.h"
#include "core/field_error.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "lib/xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum req_state { REQ_NEW, REQ_BODY, REQ_WAIT, REQ_READY, REQ_SENT };

/* bytes of an oversized chunked body read and dropped before the connection is cut */
#define HTTP_DISCARD_MAX (1024 * 1024)

struct http_server {
    struct MHD_Daemon *mhd;
    struct api *api;
    const struct log *log;
    struct http_cfg cfg;
    atomic_int active;
    atomic_int stopping; /* set by http_quiesce: new requests are refused, never suspended */
};

/* ---- replies ----------------------------------------------------------------------------- */

void http_header(struct http_req *r, const char *name, const char *value)
{
    if (r->nhdr >= HTTP_MAX_HEADERS)
        return;
    r->hdr_name[r->nhdr] = name;
    r->hdr_value[r->nhdr] = value;
    r->nhdr++;
}

static void stream_free(void *cls);

void http_reply_raw(struct http_req *r, unsigned status, const char *type, const char *body,
                    size_t len)
{
    if (r->stream != NULL) { /* a later answer replaces a stream not sent yet */
        stream_free(r->stream);
        r->stream = NULL;
    }
    r->status = status;
    r->resp_type = type;
    r->resp_body = arena_strndup(&r->arena, body, len);
    r->resp_len = len;
}

void http_reply_json(struct http_req *r, unsigned status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (text == NULL) {
        http_reply_raw(r, 500, "application/json", "{}", 2);
        return;
    }
    http_reply_raw(r, status, "application/json", text, strlen(text));
    free(text);
}

void http_problem(struct http_req *r, unsigned status, const char *code, const char *title,
                  const char *detail, const struct field_errors *errors)
{
    http_problem_ext(r, status, code, title, detail, errors, NULL);
}

void http_problem_ext(struct http_req *r, unsigned status, const char *code, const char *title,
                      const char *detail, const struct field_errors *errors, json_t *ext)
{
    json_t *p = ext != NULL && json_is_object(ext) ? json_incref(ext) : json_object();
    json_decref(ext);
    json_object_set_new(p, "type", json_sprintf("urn:smshub:problem:%s", code));
    json_object_set_new(p, "title", json_string(title));
    json_object_set_new(p, "status", json_integer(status));
    json_object_set_new(p, "code", json_string(code));
    if (detail != NULL)
        json_object_set_new(p, "detail", json_string(detail));
    if (r->path != NULL)
        json_object_set_new(p, "instance", json_string(r->path));
    json_object_set_new(p, "request_id", json_string(r->request_id));
    if (errors != NULL && errors->n > 0) {
        json_t *arr = json_array();
        for (int i = 0; i < errors->n; i++) {
            json_t *e = json_object();
            json_object_set_new(e, "field", json_string(errors->e[i].field));
            json_object_set_new(e, "code", json_string(errors->e[i].code));
            json_object_set_new(e, "detail", json_string(errors->e[i].detail));
            json_array_append_new(arr, e);
        }
        json_object_set_new(p, "errors", arr);
    }
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    http_reply_raw(r, status, "application/problem+json", text ? text : "{}",
                   text ? strlen(text) : 2);
    free(text);
}

const char *http_req_header(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_query(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct http_stream {
    http_fill_fn fill;
    void (*done)(void *ctx);
    void *ctx;
};

void http_reply_stream(struct http_req *r, unsigned status, const char *type, http_fill_fn fill,
                       void (*done)(void *ctx), void *ctx)
{
    struct http_stream *st = xcalloc(1, sizeof(*st));
    st->fill = fill;
    st->done = done;
    st->ctx = ctx;
    r->stream = st;
    r->status = status;
    r->resp_type = arena_strdup(&r->arena, type);
    r->resp_body = NULL;
    r->resp_len = 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct http_stream *st = cls;
    (void)pos;
    long n = st->fill(st->ctx, buf, max);
    return n > 0 ? (ssize_t)n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM
                                       : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
    struct http_stream *st = cls;
    st->done(st->ctx);
    free(st);
}

static enum MHD_Result send_reply(struct http_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    if (r->stream != NULL) {
        /* from here on the response owns the stream: stream_free ends it */
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, r->stream,
                                                 stream_free);
        if (resp == NULL)
            stream_free(r->stream);
        r->stream = NULL;
    } else {
        resp = MHD_create_response_from_buffer(r->resp_len, r->resp_body,
                                               MHD_RESPMEM_PERSISTENT);
    }
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->resp_type ? r->resp_type : "application/json");
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    for (int i = 0; i < r->nhdr; i++)
        MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
    r->state = REQ_SENT;
    ret = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

void http_resume(struct http_req *r)
{
    struct MHD_Connection *conn = r->conn;
    pthread_mutex_lock(&r->mu);
    int was_waiting = r->state == REQ_WAIT;
    r->state = REQ_READY;
    pthread_mutex_unlock(&r->mu);
    /* From here on r belongs to the MHD thread again, which may answer and free it at once:
     * r must not be touched after the resume. A suspended connection is never closed by MHD,
     * so conn is still valid here. */
    if (was_waiting)
        MHD_resume_connection(conn);
}

/* ---- request lifecycle ------------------------------------------------------------------- */

static int request_id_ok(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= 64 || !(isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':'))
            return 0;
    }
    return n > 0;
}

/* The peer's IP address as text ("" when unknown). */
static void peer_address(struct MHD_Connection *conn, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)cap);
}

/* MHD's URI log callback: runs first for every request, with the request target exactly as
 * sent (before MHD splits off the query and decodes the path). The request object starts
 * here (state REQ_NEW) so the target is kept; MHD calls on_completed for it even when the
 * request never reaches on_access. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_server *s = cls;
    struct http_req *r = xcalloc(1, sizeof(*r));
    r->api = s->api;
    r->conn = conn;
    arena_init(&r->arena);
    pthread_mutex_init(&r->mu, NULL);
    r->state = REQ_NEW;
    if (uri != NULL)
        r->target = arena_strndup(&r->arena, uri, strnlen(uri, 4096));
    return r;
}

/* Finishes a request object on_uri started (or makes one) at the first on_access call. */
static struct http_req *req_new(struct http_server *s, struct http_req *r,
                                struct MHD_Connection *conn, const char *url, const char *method)
{
    const char *rid;
    if (r == NULL)
        r = on_uri(s, NULL, conn);
    r->conn = conn;
    r->start_us = clock_mono_us();
    r->method = arena_strdup(&r->arena, method);
    r->path = arena_strndup(&r->arena, url, strnlen(url, 2048));
    peer_address(conn, r->client_ip, sizeof(r->client_ip));
    rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (rid != NULL && request_id_ok(rid))
        snprintf(r->request_id, sizeof(r->request_id), "%s", rid);
    else
        id_new("req", clock_now_ms(), r->request_id, sizeof(r->request_id));
    return r;
}

static void req_free(struct http_req *r)
{
    if (r->stream != NULL) /* set but never sent */
        stream_free(r->stream);
    pthread_mutex_destroy(&r->mu);
    free(r->body);
    arena_release(&r->arena);
    free(r);
}

static int content_type_is(const char *ct, const char *want)
{
    if (ct == NULL)
        return 0;
    size_t n = strlen(want);
    if (strncasecmp(ct, want, n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* Runs routing, auth and the handler for a fully received request. */
static int dispatch(struct http_server *s, struct http_req *r)
{
    int path_known = 0;
    const struct route *rt = api_route_match(r, r->method, r->path, &path_known);
    (void)s;
    if (rt == NULL) {
        if (path_known)
            http_problem(r, 405, "method_not_allowed", "Method not allowed",
                         "this path does not accept this method", NULL);
        else
            http_problem(r, 404, "not_found", "Not found", "no such endpoint", NULL);
        return HTTP_DONE;
    }
    r->route = rt;
    if ((rt->flags & ROUTE_AUTH) && api_authenticate(r, rt) != 0)
        return HTTP_DONE;
    const char *ct =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if ((rt->flags & ROUTE_BODY) && !content_type_is(ct, "application/json")) {
        http_problem(r, 415, "unsupported_media_type", "Unsupported media type",
                     "send the body as Content-Type: application/json", NULL);
        return HTTP_DONE;
    }
    if ((rt->flags & ROUTE_FORM) && !content_type_is(ct, "application/x-www-form-urlencoded")) {
        http_problem(r, 415, "unsupported_media_type", "Unsupported media type",
                     "send the body as Content-Type: application/x-www-form-urlencoded", NULL);
        return HTTP_DONE;
    }
    return rt->handler(r);
}

static void too_large(struct http_server *s, struct http_req *r)
{
    char detail[96];
    snprintf(detail, sizeof(detail), "the body must be at most %zu bytes", s->cfg.max_body);
    http_problem(r, 413, "payload_too_large", "Payload too large", detail, NULL);
    http_header(r, "Connection", "close");
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct http_req *r = *con_cls;
    (void)version;

    if (r == NULL || r->state == REQ_NEW) {
        r = req_new(s, r, conn, url, method);
        *con_cls = r;
        /* counted before the stopping check: http_quiesce sets the flag and then waits for
         * the count, so no request can slip in between and be suspended during the stop */
        atomic_fetch_add(&s->active, 1);
        r->state = REQ_BODY;
        if (atomic_load(&s->stopping)) {
            http_problem(r, 503, "shutting_down", "Service unavailable",
                         "the server is shutting down; nothing was accepted, retry elsewhere or "
                         "later with the same Idempotency-Key",
                         NULL);
            http_header(r, "Connection", "close");
            http_header(r, "Retry-After", "1");
            return send_reply(r);
        }
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL && strtoull(cl, NULL, 10) > s->cfg.max_body) {
            too_large(s, r);
            return send_reply(r);
        }
        return MHD_YES;
    }
    if (r->state == REQ_READY)
        return send_reply(r);
    if (r->state == REQ_SENT) {
        *upload_data_size = 0; /* a reply is out already; discard the rest */
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->too_big || r->body_len + n > s->cfg.max_body) {
            /* A body without Content-Length (chunked) passed the cap: read and drop the rest
             * so the 413 can be sent at its end; give up on a client that keeps sending. */
            r->too_big = 1;
            r->discarded += n;
            return r->discarded > HTTP_DISCARD_MAX ? MHD_NO : MHD_YES;
        }
        if (r->body_len + n + 1 > r->body_cap) {
            size_t cap = r->body_cap ? r->body_cap : 1024;
            while (cap < r->body_len + n + 1)
                cap *= 2;
            r->body = xrealloc(r->body, cap);
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, upload_data, n);
        r->body_len += n;
        r->body[r->body_len] = '\0';
        return MHD_YES;
    }
    if (r->too_big) {
        too_large(s, r);
        return send_reply(r);
    }
    if (dispatch(s, r) == HTTP_DONE)
        return send_reply(r);
    pthread_mutex_lock(&r->mu);
    if (r->state == REQ_READY) {
        pthread_mutex_unlock(&r->mu);
        return send_reply(r);
    }
    r->state = REQ_WAIT;
    MHD_suspend_connection(conn);
    pthread_mutex_unlock(&r->mu);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct http_req *r = *con_cls;
    (void)conn;
    if (r == NULL)
        return;
    if (r->state == REQ_NEW) { /* the request never reached on_access */
        *con_cls = NULL;
        req_free(r);
        return;
    }
    if (log_enabled(s->log, LOG_INFO)) {
        char line[512], ts[40];
        size_t pos;
        clock_fmt_rfc3339(clock_now_ms(), ts, sizeof(ts));
        pos = (size_t)snprintf(line, sizeof(line),
                               "{\"ts\":\"%s\",\"level\":\"info\",\"msg\":\"request\","
                               "\"request_id\":\"%s\",\"method\":\"",
                               ts, r->request_id);
        pos = log_json_escape(line, sizeof(line) - 200, pos, r->method);
        pos += (size_t)snprintf(line + pos, sizeof(line) - pos, "\",\"path\":\"");
        pos = log_json_escape(line, sizeof(line) - 150, pos, r->path);
        pos += (size_t)snprintf(
            line + pos, sizeof(line) - pos,
            "\",\"status\":%u,\"duration_ms\":%.3f,\"bytes_in\":%zu,"
            "\"bytes_out\":%zu%s}",
            r->state == REQ_SENT ? r->status : 0, (double)(clock_mono_us() - r->start_us) / 1000.0,
            r->body_len, r->state == REQ_SENT ? r->resp_len : 0,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
        log_line(s->log, line, pos);
    }
    atomic_fetch_sub(&s->active, 1);
    *con_cls = NULL;
    req_free(r);
}

/* ---- server ------------------------------------------------------------------------------ */

int http_parse_listen(const char *listen, char *host, size_t hostcap, int *port)
{
    const char *colon;
    size_t hl;
    char *end;
    long p;

    if (listen == NULL || *listen == '\0')
        return SH_EINVAL;
    if (listen[0] == '[') {
        const char *rb = strchr(listen, ']');
        if (rb == NULL || rb[1] != ':')
            return SH_EINVAL;
        hl = (size_t)(rb - listen - 1);
        if (hl + 1 > hostcap)
            return SH_EINVAL;
        memcpy(host, listen + 1, hl);
        host[hl] = '\0';
        colon = rb + 1;
    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL)
            return SH_EINVAL;
        hl = (size_t)(colon - listen);
        if (hl + 1 > hostcap)
            return SH_EINVAL;
        memcpy(host, listen, hl);
        host[hl] = '\0';
        if (hl == 0)
            snprintf(host, hostcap, "0.0.0.0");
    }
    p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || p < 0 || p > 65535)
        return SH_EINVAL;
    *port = (int)p;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) != 1 && inet_pton(AF_INET6, host, &a6) != 1) {
        if (strcmp(host, "localhost") != 0)
            return SH_EINVAL;
        snprintf(host, hostcap, "127.0.0.1");
    }
    return SH_OK;
}

int http_start(const struct http_cfg *cfg, struct api *api, const struct log *log,
               struct http_server **out, int *port_out)
{
    struct http_server *s = NULL;
    struct sockaddr_storage ss;
    char host[64];
    int port, st = SH_OK;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;

    if (http_parse_listen(cfg->listen, host, sizeof(host), &port) != SH_OK)
        return SH_EINVAL;
    memset(&ss, 0, sizeof(ss));
    if (strchr(host, ':') != NULL) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, host, &a->sin6_addr);
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, host, &a->sin_addr);
    }
    s = xcalloc(1, sizeof(*s));
    s->api = api;
    s->log = log;
    s->cfg = *cfg;
    if (s->cfg.threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->cfg.threads = n > 0 ? (int)n : 2;
    }
    if (s->cfg.max_body == 0)
        s->cfg.max_body = 65536;
    if (s->cfg.idle_timeout == 0)
        s->cfg.idle_timeout = 30;
    if (s->cfg.max_conns == 0)
        s->cfg.max_conns = 10000;
    s->mhd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_access, s, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
                              (unsigned)s->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
                              s->cfg.idle_timeout, MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_conns,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                              MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
                              MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
    if (s->mhd == NULL) {
        st = SH_EIO;
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    *port_out = info != NULL ? info->port : port;
    *out = s;
    s = NULL;
out:
    free(s);
    return st;
}

void http_quiesce(struct http_server *s)
{
    /* Only the flag. MHD_quiesce_daemon is not used: with an epoll thread pool it races the
     * workers, which also take the listen socket out of their epoll set once they see the
     * daemon quiesced, and the loser aborts the process ("Failed to remove listen FD from
     * epoll set", libmicrohttpd 0.9.75). New connections are still accepted during the drain
     * and answered 503 shutting_down with Connection: close, which a client handles like a
     * refused connection: nothing was accepted, retry. */
    atomic_store(&s->stopping, 1);
}

int http_active(struct http_server *s)
{
    return atomic_load(&s->active);
}

void http_stop(struct http_server *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->mhd);
    free(s);
}
