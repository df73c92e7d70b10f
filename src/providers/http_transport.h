/*
 * http_transport.h — a small asynchronous HTTP client on an engine's libevent loop (libcurl
 * multi driven by libevent socket and timer events). Generic: URL, headers, body, timeout,
 * and a completion callback with the status, the response headers and the response body.
 * Used for outbound callbacks and by HTTP provider drivers.
 *
 * Threads: create, request and free on the loop's thread; callbacks run on it too.
 * Async contract: if http_request returns an error the callback is never called; otherwise
 * it is called exactly once, never from inside http_request, unless the transport is freed
 * first (pending callbacks are then dropped).
 */
#ifndef SH_PROVIDERS_HTTP_TRANSPORT_H
#define SH_PROVIDERS_HTTP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http_transport;

#define HTTP_RESP_MAX (64 * 1024) /* response bodies are cut here */
#define HTTP_RESP_HEADERS_MAX 32  /* response headers kept (the first ones of the final answer) */
#define HTTP_RESP_HEADER_BYTES (8 * 1024) /* and at most this much of them */

/* One response header, name as the server sent it, value trimmed. */
struct http_header {
    const char *name;
    const char *value;
};

struct http_result {
    int status;          /* HTTP status, 0 when no answer (see error) */
    const char *error;   /* NULL, or why there was no answer ("timeout", "connect", …) */
    const char *body;    /* response body (NUL-terminated, may be cut), borrowed for the call */
    size_t body_len;
    const struct http_header *header; /* headers of the final answer, borrowed for the call */
    size_t nheader;
    int64_t duration_ms;
};

typedef void (*http_done_cb)(void *arg, const struct http_result *r);

struct http_request {
    const char *method; /* "POST", "GET", … */
    const char *url;
    const char *const *headers; /* "Name: value" strings, NULL-terminated, or NULL */
    const char *body;           /* may be NULL */
    size_t body_len;
    int64_t timeout_ms;
};

/* Returns a new transport on base (borrowed), or NULL when libcurl cannot start. */
struct http_transport *http_transport_new(struct event_base *base);

/* Drops pending requests (their callbacks are never called) and frees. NULL is a no-op. */
void http_transport_free(struct http_transport *t);

/* Starts a request (everything in req is copied). SH_OK, or SH_EINVAL/SH_EIO. */
int http_request(struct http_transport *t, const struct http_request *req, http_done_cb cb,
                 void *arg);

/* Drops every pending request started with this arg: their callbacks are never called (a
 * driver closing with requests in flight). No-op when none. Loop thread. */
void http_transport_cancel(struct http_transport *t, void *arg);

/* Requests started and not yet answered. */
int http_transport_pending(const struct http_transport *t);

#endif
