/*
 * http_transport.c — libcurl multi on libevent (see http_transport.h). curl tells us which
 * sockets to watch (socket callback) and when to time out (timer callback); libevent events
 * call curl_multi_socket_action, and finished transfers are collected after each action.
 */
#include "providers/http_transport.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct http_xfer {
    struct http_xfer *prev, *next;
    struct http_transport *t;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    char *resp;
    size_t resp_len;
    char *hbuf; /* "name\0value\0" pairs of the current answer (grown up to the cap) */
    size_t hlen, hcap;
    size_t hoff[HTTP_RESP_HEADERS_MAX]; /* where each pair starts in hbuf */
    size_t nh;
    int64_t started;
    http_done_cb cb;
    void *arg;
    char errbuf[CURL_ERROR_SIZE];
};

struct http_sock {
    struct event *ev;
};

struct http_transport {
    struct event_base *base;
    CURLM *multi;
    struct event *timer;
    struct http_xfer *xfers;
    int pending;
};

static void check_done(struct http_transport *t)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(t->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct http_xfer *x = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        long code = 0;
        struct http_result r = {0};
        if (msg->data.result == CURLE_OK) {
            curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
            r.status = (int)code;
        } else {
            CURLcode rc = msg->data.result;
            r.error = rc == CURLE_OPERATION_TIMEDOUT ? "timeout"
                      : rc == CURLE_COULDNT_CONNECT  ? "connect"
                                                     : curl_easy_strerror(rc);
        }
        r.body = x->resp ? x->resp : "";
        r.body_len = x->resp_len;
        struct http_header hdr[HTTP_RESP_HEADERS_MAX];
        for (size_t i = 0; i < x->nh; i++) {
            hdr[i].name = x->hbuf + x->hoff[i];
            hdr[i].value = hdr[i].name + strlen(hdr[i].name) + 1;
        }
        r.header = hdr;
        r.nheader = x->nh;
        r.duration_ms = clock_now_ms() - x->started;
        curl_multi_remove_handle(t->multi, x->easy);
        if (x->prev != NULL)
            x->prev->next = x->next;
        else
            t->xfers = x->next;
        if (x->next != NULL)
            x->next->prev = x->prev;
        t->pending--;
        x->cb(x->arg, &r);
        curl_easy_cleanup(x->easy);
        curl_slist_free_all(x->headers);
        free(x->body);
        free(x->resp);
        free(x->hbuf);
        free(x);
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct http_transport *t = arg;
    int running;
    (void)fd;
    (void)what;
    curl_multi_socket_action(t->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(t);
}

static void on_sock(evutil_socket_t fd, short what, void *arg)
{
    struct http_transport *t = arg;
    int running, flags = 0;
    if (what & EV_READ)
        flags |= CURL_CSELECT_IN;
    if (what & EV_WRITE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(t->multi, fd, flags, &running);
    check_done(t);
}

static int sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct http_transport *t = userp;
    struct http_sock *hs = socketp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (hs != NULL) {
            event_free(hs->ev);
            free(hs);
            curl_multi_assign(t->multi, s, NULL);
        }
        return 0;
    }
    short kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
                 ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
    if (hs == NULL) {
        hs = xcalloc(1, sizeof(*hs));
        curl_multi_assign(t->multi, s, hs);
    } else {
        event_free(hs->ev);
    }
    hs->ev = event_new(t->base, s, kind, on_sock, t);
    event_add(hs->ev, NULL);
    return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct http_transport *t = userp;
    (void)multi;
    if (timeout_ms < 0) {
        evtimer_del(t->timer);
        return 0;
    }
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    evtimer_add(t->timer, &tv);
    return 0;
}

static size_t write_cb(char *p, size_t size, size_t n, void *arg)
{
    struct http_xfer *x = arg;
    size_t len = size * n;
    size_t room = HTTP_RESP_MAX - x->resp_len;
    size_t take = len < room ? len : room;
    if (take > 0) {
        x->resp = xrealloc(x->resp, x->resp_len + take + 1);
        memcpy(x->resp + x->resp_len, p, take);
        x->resp_len += take;
        x->resp[x->resp_len] = '\0';
    }
    return len; /* the rest is read and dropped */
}

/* One header line of the answer (curl calls this per line, status lines included): a status
 * line starts a new answer (after a 100 Continue or a redirect), so only the last one's
 * headers are kept. */
static size_t header_cb(char *p, size_t size, size_t n, void *arg)
{
    struct http_xfer *x = arg;
    size_t len = size * n, nlen, vlen;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        x->nh = 0;
        x->hlen = 0;
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (colon == NULL || colon == p || x->nh >= HTTP_RESP_HEADERS_MAX)
        return len;
    nlen = (size_t)(colon - p);
    const char *v = colon + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    vlen = (size_t)(end - v);
    size_t need = x->hlen + nlen + vlen + 2;
    if (need > HTTP_RESP_HEADER_BYTES)
        return len;
    if (need > x->hcap) {
        x->hcap = need < 512 ? 512 : need * 2;
        if (x->hcap > HTTP_RESP_HEADER_BYTES)
            x->hcap = HTTP_RESP_HEADER_BYTES;
        x->hbuf = xrealloc(x->hbuf, x->hcap);
    }
    x->hoff[x->nh++] = x->hlen;
    memcpy(x->hbuf + x->hlen, p, nlen);
    x->hlen += nlen;
    x->hbuf[x->hlen++] = '\0';
    memcpy(x->hbuf + x->hlen, v, vlen);
    x->hlen += vlen;
    x->hbuf[x->hlen++] = '\0';
    return len;
}

struct http_transport *http_transport_new(struct event_base *base)
{
    static int global_done;
    if (!global_done) {
        /* engine start-up, one thread: curl_global_init is not thread-safe before 7.84 */
        curl_global_init(CURL_GLOBAL_DEFAULT);
        global_done = 1;
    }
    struct http_transport *t = xcalloc(1, sizeof(*t));
    t->base = base;
    t->multi = curl_multi_init();
    if (t->multi == NULL) {
        free(t);
        return NULL;
    }
    t->timer = evtimer_new(base, on_timer, t);
    curl_multi_setopt(t->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(t->multi, CURLMOPT_SOCKETDATA, t);
    curl_multi_setopt(t->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(t->multi, CURLMOPT_TIMERDATA, t);
    /* keep idle connections for reuse: the default (4 x the handles in use at the moment)
     * shrinks as transfers finish and closed most connections after a burst */
    curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, 256L);
    return t;
}

void http_transport_free(struct http_transport *t)
{
    if (t == NULL)
        return;
    while (t->xfers != NULL) {
        struct http_xfer *x = t->xfers;
        t->xfers = x->next;
        curl_multi_remove_handle(t->multi, x->easy);
        curl_easy_cleanup(x->easy);
        curl_slist_free_all(x->headers);
        free(x->body);
        free(x->resp);
        free(x->hbuf);
        free(x);
    }
    curl_multi_cleanup(t->multi); /* sockets closed: sock_cb frees their events */
    event_free(t->timer);
    free(t);
}

int http_request(struct http_transport *t, const struct http_request *req, http_done_cb cb,
                 void *arg)
{
    if (req->url == NULL || req->method == NULL)
        return SH_EINVAL;
    struct http_xfer *x = xcalloc(1, sizeof(*x));
    x->t = t;
    x->cb = cb;
    x->arg = arg;
    x->easy = curl_easy_init();
    if (x->easy == NULL) {
        free(x);
        return SH_EIO;
    }
    for (const char *const *h = req->headers; h != NULL && *h != NULL; h++)
        x->headers = curl_slist_append(x->headers, *h);
    x->headers = curl_slist_append(x->headers, "Expect:");
    CURL *c = x->easy;
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(req->timeout_ms > 0 ? req->timeout_ms : 10000));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_PRIVATE, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
    if (req->body != NULL) {
        x->body = xmalloc(req->body_len + 1);
        memcpy(x->body, req->body, req->body_len);
        x->body[req->body_len] = '\0';
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    x->started = clock_now_ms();
    if (curl_multi_add_handle(t->multi, c) != CURLM_OK) {
        curl_slist_free_all(x->headers);
        curl_easy_cleanup(c);
        free(x->body);
        free(x);
        return SH_EIO;
    }
    x->next = t->xfers;
    if (t->xfers != NULL)
        t->xfers->prev = x;
    t->xfers = x;
    t->pending++;
    return SH_OK;
}

void http_transport_cancel(struct http_transport *t, void *arg)
{
    if (t == NULL)
        return;
    struct http_xfer *x = t->xfers;
    while (x != NULL) {
        struct http_xfer *next = x->next;
        if (x->arg == arg) {
            curl_multi_remove_handle(t->multi, x->easy); /* also drops its done message */
            if (x->prev != NULL)
                x->prev->next = x->next;
            else
                t->xfers = x->next;
            if (x->next != NULL)
                x->next->prev = x->prev;
            t->pending--;
            curl_easy_cleanup(x->easy);
            curl_slist_free_all(x->headers);
            free(x->body);
            free(x->resp);
            free(x->hbuf);
            free(x);
        }
        x = next;
    }
}

int http_transport_pending(const struct http_transport *t)
{
    return t->pending;
}
