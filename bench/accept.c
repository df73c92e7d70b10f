/*
 * accept.c — load generator for the daemon's POST /v1/messages (a bench/ program, standalone).
 *
 * Closed loop: each of N keep-alive HTTP/1.1 connections has at most one request in flight; the
 * next request is written as soon as the previous response is complete. The figures are the
 * throughput the server sustains at concurrency N and the latency it shows at that load.
 * One edge-triggered epoll set per worker thread; each connection belongs to one worker and is
 * touched by no other thread. Workers share only the read-only run description and the atomic
 * end time; each keeps its own counters, which main merges after joining them.
 * Memory is bounded: fixed buffers per connection, fixed-size log-linear latency histograms.
 * Only loopback is targeted unless --allow-remote is given.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_CONNECTIONS 4096
#define BENCH_MAX_THREADS 8
#define BENCH_KEY_MAX 256
#define BENCH_HOST_MAX 256
#define BENCH_TO_MAX 20
#define BENCH_REQ_MAX 1024
#define BENCH_CB_MAX 200                        /* --callback-url */
#define BENCH_REQ_TAIL_MAX (192 + BENCH_CB_MAX) /* seq, Content-Length, body after the prefix */
#define BENCH_HEAD_MAX 8192       /* cap on a response head; also the read buffer size */
#define BENCH_BODY_MAX (1u << 20) /* cap on a response Content-Length */
#define BENCH_EVENTS 256
#define BENCH_POLL_MAX_MS 100 /* workers look at the end time at least this often */
/* Wait before reconnecting after a failed connect, so that a dead port is not a busy loop. */
#define BENCH_RECONNECT_DELAY_NS 20000000ull
#define BENCH_PREFLIGHT_MS 3000

#define NS_PER_S 1000000000ull

/*
 * Latency histogram in microseconds, HdrHistogram-like: 1 us wide buckets below 1024 us, then
 * 128 buckets per power of two (each under 0.8 % wide) up to 2^26 us (67 s). Larger values
 * land in the last bucket; the exact maximum is kept apart.
 */
#define HIST_LINEAR 1024
#define HIST_SUB_BITS 7
#define HIST_SUB (1 << HIST_SUB_BITS)
#define HIST_FIRST_EXP 10
#define HIST_LAST_EXP 25
#define HIST_BUCKETS (HIST_LINEAR + (HIST_LAST_EXP - HIST_FIRST_EXP + 1) * HIST_SUB)
#define HIST_MAX_US ((1ull << (HIST_LAST_EXP + 1)) - 1)

struct hist {
    uint64_t count;
    uint64_t sum_ns;
    uint64_t max_ns;
    uint64_t bucket[HIST_BUCKETS];
};

enum bench_err {
    BENCH_ERR_CONNECT,  /* connect() failed */
    BENCH_ERR_CLOSED,   /* server closed (EOF, RST, EPIPE) with a request outstanding */
    BENCH_ERR_IO,       /* any other socket error */
    BENCH_ERR_PROTOCOL, /* response we cannot parse, or too big */
    BENCH_ERR_COUNT,
};

static const char *const bench_err_names[BENCH_ERR_COUNT] = {"connect", "closed", "io", "protocol"};

/* What one worker counted inside the measured window. */
struct stats {
    uint64_t requests; /* complete responses, any status */
    uint64_t accepted; /* status 202 */
    uint64_t errors[BENCH_ERR_COUNT];
    uint64_t reconnects;
    uint64_t in_flight; /* requests still outstanding when the run stopped */
    uint64_t status[600];
    struct hist lat_accepted;
    struct hist lat_all;
};

/* The run description: filled by main before the workers start, read-only afterwards. */
struct bench_cfg {
    char url[BENCH_HOST_MAX + 32];
    char host[BENCH_HOST_MAX]; /* without brackets */
    char host_header[BENCH_HOST_MAX + 8];
    char port[8];
    char key[BENCH_KEY_MAX + 1];
    char to[BENCH_TO_MAX + 1];
    char body_head[64 + BENCH_CB_MAX]; /* {"to":…,["callback_url":…,]"text":"bench message */
    size_t body_head_len;
    char runid[17];
    struct sockaddr_storage addr;
    socklen_t addr_len;
    int connections;
    int threads;
    double seconds;
    double warmup;
    long pid; /* 0: no server process to sample */
    bool json;
    bool allow_remote;
};

struct shared {
    const struct bench_cfg *cfg;
    uint64_t measure_ns;     /* start of the measured window (CLOCK_MONOTONIC) */
    _Atomic uint64_t end_ns; /* end of the window; main lowers it on SIGINT */
};

enum conn_state {
    CONN_CLOSED,
    CONN_CONNECTING,
    CONN_WRITING,
    CONN_READ_HEAD,
    CONN_READ_BODY,
};

struct conn {
    int fd;
    enum conn_state state;
    bool ever_opened;
    bool readable;    /* input reported while still writing (edge-triggered: must not lose it) */
    bool close_after; /* response said Connection: close */
    int status;
    uint64_t seq;
    uint64_t start_ns;
    uint64_t retry_ns;
    uint64_t body_left;
    size_t prefix_len; /* request bytes that never change on this connection */
    size_t req_len;
    size_t req_off;
    size_t rlen;
    char req[BENCH_REQ_MAX];
    char rbuf[BENCH_HEAD_MAX];
};

struct worker {
    struct shared *sh;
    int id;
    int ep;
    int nconns;
    int closed; /* connections in CONN_CLOSED, waiting for (re)connect */
    struct conn *conns;
    pthread_t tid;
    struct stats st;
};

struct proc_sample {
    bool ok;
    uint64_t cpu_ticks; /* utime + stime, all threads */
    uint64_t rss_kib;
    uint64_t hwm_kib;
    long threads;
    char comm[64];
};

struct machine_sample {
    bool ok;
    uint64_t busy;
    uint64_t total;
};

struct sample {
    uint64_t t_ns;
    struct rusage ru;
    struct proc_sample server;
    struct machine_sample machine;
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Writes v in decimal at dst (no NUL); returns the number of digits, at most 20. */
static size_t fmt_u64(char *dst, uint64_t v)
{
    char tmp[20];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    return n;
}

/* ---- latency histogram ---- */

static size_t hist_index(uint64_t us)
{
    if (us < HIST_LINEAR)
        return (size_t)us;
    if (us > HIST_MAX_US)
        us = HIST_MAX_US;
    int exp = 63 - __builtin_clzll(us);
    uint64_t sub = (us >> (exp - HIST_SUB_BITS)) - HIST_SUB;
    return HIST_LINEAR + (size_t)(exp - HIST_FIRST_EXP) * HIST_SUB + (size_t)sub;
}

/* Lower bound and width in microseconds of bucket i. */
static void hist_bucket_range(size_t i, uint64_t *low, uint64_t *width)
{
    if (i < HIST_LINEAR) {
        *low = i;
        *width = 1;
        return;
    }
    size_t exp = HIST_FIRST_EXP + (i - HIST_LINEAR) / HIST_SUB;
    uint64_t sub = (i - HIST_LINEAR) % HIST_SUB;
    *low = (HIST_SUB + sub) << (exp - HIST_SUB_BITS);
    *width = 1ull << (exp - HIST_SUB_BITS);
}

static void hist_record(struct hist *h, uint64_t ns)
{
    h->bucket[hist_index(ns / 1000)]++;
    h->count++;
    h->sum_ns += ns;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

static void hist_merge(struct hist *dst, const struct hist *src)
{
    for (size_t i = 0; i < HIST_BUCKETS; i++)
        dst->bucket[i] += src->bucket[i];
    dst->count += src->count;
    dst->sum_ns += src->sum_ns;
    if (src->max_ns > dst->max_ns)
        dst->max_ns = src->max_ns;
}

/* Value in ms at quantile ppm/1e6: middle of the bucket holding that rank, capped at the max. */
static double hist_quantile_ms(const struct hist *h, uint64_t ppm)
{
    if (h->count == 0)
        return 0.0;
    uint64_t rank = (h->count * ppm + 999999) / 1000000;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen < rank)
            continue;
        uint64_t low;
        uint64_t width;
        hist_bucket_range(i, &low, &width);
        double ms = ((double)low + (double)width / 2.0) / 1000.0;
        double max_ms = (double)h->max_ns / 1e6;
        return ms < max_ms ? ms : max_ms;
    }
    return (double)h->max_ns / 1e6;
}

/* ---- response parsing ---- */

static bool is_ows(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* True if the comma-separated header value [v, v+len) holds token tok (case-insensitive). */
static bool has_token(const char *v, size_t len, const char *tok)
{
    size_t tlen = strlen(tok);
    size_t i = 0;

    while (i < len) {
        while (i < len && (is_ows(v[i]) || v[i] == ','))
            i++;
        size_t start = i;
        while (i < len && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && is_ows(v[end - 1]))
            end--;
        if (end - start == tlen && strncasecmp(v + start, tok, tlen) == 0)
            return true;
    }
    return false;
}

/*
 * Parses the response head p[0..len), which ends with CRLFCRLF: status line, then the headers
 * we act on (Content-Length, Connection, Transfer-Encoding). Returns 0, or -1 if malformed or
 * not something a keep-alive client can frame (chunked, 1xx, no length).
 */
static int parse_head(const char *p, size_t len, int *status, uint64_t *content_length,
                      bool *close_after)
{
    /* RFC 9112 §4: HTTP-version SP status-code SP [reason-phrase] CRLF */
    if (len < 14 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ')
        return -1;
    bool http10 = p[7] == '0';
    int code = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        code = code * 10 + (p[i] - '0');
    }
    if (code < 200 || code > 599 || (p[12] != ' ' && p[12] != '\r'))
        return -1;

    bool have_len = false;
    bool conn_close = false;
    bool conn_keep = false;
    uint64_t clen = 0;
    const char *end = p + len;
    const char *line = memchr(p, '\n', len);
    if (line == NULL)
        return -1;
    line++;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL || eol == line || eol[-1] != '\r')
            return -1;
        size_t llen = (size_t)(eol - 1 - line);
        if (llen == 0)
            break; /* the empty line closing the head */
        const char *colon = memchr(line, ':', llen);
        if (colon == NULL || colon == line)
            return -1;
        size_t nlen = (size_t)(colon - line);
        const char *v = colon + 1;
        const char *vend = line + llen;
        while (v < vend && is_ows(*v))
            v++;
        while (vend > v && is_ows(vend[-1]))
            vend--;
        size_t vlen = (size_t)(vend - v);
        if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
            uint64_t n = 0;
            if (vlen == 0 || vlen > 10)
                return -1;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] < '0' || v[i] > '9')
                    return -1;
                n = n * 10 + (uint64_t)(v[i] - '0');
            }
            if (n > BENCH_BODY_MAX || (have_len && n != clen))
                return -1;
            clen = n;
            have_len = true;
        } else if (nlen == 10 && strncasecmp(line, "Connection", 10) == 0) {
            conn_close = conn_close || has_token(v, vlen, "close");
            conn_keep = conn_keep || has_token(v, vlen, "keep-alive");
        } else if (nlen == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
            return -1; /* the server always sends Content-Length; chunked is not framed here */
        }
        line = eol + 1;
    }
    if (!have_len) {
        if (code != 204 && code != 304)
            return -1;
        clen = 0;
    }
    *status = code;
    *content_length = clen;
    *close_after = conn_close || (http10 && !conn_keep);
    return 0;
}

/* ---- connections (worker thread only) ---- */

/* The end is read afresh: main may pull it in on SIGINT while this thread is mid-batch. */
static bool in_window(const struct worker *w, uint64_t now)
{
    return now >= w->sh->measure_ns &&
           now < atomic_load_explicit(&w->sh->end_ns, memory_order_relaxed);
}

static void conn_close(struct worker *w, struct conn *c, uint64_t retry_ns)
{
    if (c->fd >= 0)
        close(c->fd); /* also drops it from the epoll set: no other descriptor refers to it */
    c->fd = -1;
    c->state = CONN_CLOSED;
    c->readable = false;
    c->retry_ns = retry_ns;
    w->closed++;
}

static void conn_fail(struct worker *w, struct conn *c, enum bench_err err)
{
    uint64_t now = now_ns();

    if (in_window(w, now))
        w->st.errors[err]++;
    conn_close(w, c, err == BENCH_ERR_CONNECT ? now + BENCH_RECONNECT_DELAY_NS : now);
}

static void conn_fail_errno(struct worker *w, struct conn *c, int e)
{
    bool closed = e == EPIPE || e == ECONNRESET || e == ECONNABORTED;

    conn_fail(w, c, closed ? BENCH_ERR_CLOSED : BENCH_ERR_IO);
}

static void conn_read(struct worker *w, struct conn *c);

/* Writes what is left of the request; on completion waits for the response. */
static void conn_write(struct worker *w, struct conn *c)
{
    while (c->req_off < c->req_len) {
        ssize_t n = send(c->fd, c->req + c->req_off, c->req_len - c->req_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->req_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* EPOLLOUT will call us again */
        conn_fail_errno(w, c, n < 0 ? errno : EPIPE);
        return;
    }
    c->state = CONN_READ_HEAD;
    c->rlen = 0;
    if (c->readable) {
        c->readable = false;
        conn_read(w, c);
    }
}

/* Fills in the per-request tail (key suffix, Content-Length, body) and starts writing it. */
static void conn_send_next(struct worker *w, struct conn *c, uint64_t now)
{
    const struct bench_cfg *cfg = w->sh->cfg;
    char *seq = c->req + c->prefix_len;
    size_t seq_len = fmt_u64(seq, c->seq);
    char *p = seq + seq_len;

    memcpy(p, "\r\nContent-Length: ", 18);
    p += 18;
    p += fmt_u64(p, cfg->body_head_len + seq_len + 2);
    memcpy(p, "\r\n\r\n", 4);
    p += 4;
    memcpy(p, cfg->body_head, cfg->body_head_len);
    p += cfg->body_head_len;
    memcpy(p, seq, seq_len);
    p += seq_len;
    memcpy(p, "\"}", 2);
    p += 2;
    c->req_len = (size_t)(p - c->req);
    c->req_off = 0;
    c->start_ns = now;
    c->state = CONN_WRITING;
    conn_write(w, c);
}

static void conn_complete(struct worker *w, struct conn *c)
{
    uint64_t now = now_ns();

    if (in_window(w, now)) {
        uint64_t ns = now - c->start_ns;
        w->st.requests++;
        w->st.status[c->status]++;
        hist_record(&w->st.lat_all, ns);
        if (c->status == 202) {
            w->st.accepted++;
            hist_record(&w->st.lat_accepted, ns);
        }
    }
    c->seq++;
    if (c->close_after) {
        conn_close(w, c, now);
        return;
    }
    conn_send_next(w, c, now);
}

/* Handles head bytes just appended at old_len; returns false if the connection was dropped. */
static bool conn_got_head_bytes(struct worker *w, struct conn *c, size_t old_len)
{
    size_t from = old_len >= 3 ? old_len - 3 : 0;
    const char *hit = memmem(c->rbuf + from, c->rlen - from, "\r\n\r\n", 4);

    if (hit == NULL) {
        if (c->rlen == sizeof c->rbuf) {
            conn_fail(w, c, BENCH_ERR_PROTOCOL); /* head over BENCH_HEAD_MAX */
            return false;
        }
        return true;
    }
    size_t head_len = (size_t)(hit - c->rbuf) + 4;
    uint64_t clen;
    if (parse_head(c->rbuf, head_len, &c->status, &clen, &c->close_after) < 0) {
        conn_fail(w, c, BENCH_ERR_PROTOCOL);
        return false;
    }
    uint64_t have = c->rlen - head_len;
    if (have > clen) {
        conn_fail(w, c, BENCH_ERR_PROTOCOL); /* bytes after the body: we never pipeline */
        return false;
    }
    c->body_left = clen - have;
    c->state = CONN_READ_BODY;
    return true;
}

/* Reads until the response is complete or the socket is drained (edge-triggered). */
static void conn_read(struct worker *w, struct conn *c)
{
    for (;;) {
        bool head = c->state == CONN_READ_HEAD;
        size_t off = head ? c->rlen : 0; /* body bytes are counted and dropped */
        ssize_t n = recv(c->fd, c->rbuf + off, sizeof c->rbuf - off, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_fail_errno(w, c, errno);
            return;
        }
        if (n == 0) {
            conn_fail(w, c, BENCH_ERR_CLOSED);
            return;
        }
        if (head) {
            size_t old = c->rlen;
            c->rlen += (size_t)n;
            if (!conn_got_head_bytes(w, c, old))
                return;
            if (c->state == CONN_READ_HEAD)
                continue;
        } else {
            if ((uint64_t)n > c->body_left) {
                conn_fail(w, c, BENCH_ERR_PROTOCOL);
                return;
            }
            c->body_left -= (uint64_t)n;
        }
        if (c->body_left == 0) {
            conn_complete(w, c);
            return;
        }
    }
}

static void conn_open(struct worker *w, struct conn *c, uint64_t now)
{
    const struct bench_cfg *cfg = w->sh->cfg;
    int one = 1;

    w->closed--;
    if (c->ever_opened && in_window(w, now))
        w->st.reconnects++;
    c->ever_opened = true;
    c->fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        conn_fail(w, c, BENCH_ERR_CONNECT);
        return;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        conn_fail(w, c, BENCH_ERR_CONNECT);
        return;
    }
    if (connect(c->fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) == 0) {
        conn_send_next(w, c, now_ns());
        return;
    }
    if (errno != EINPROGRESS) {
        conn_fail(w, c, BENCH_ERR_CONNECT);
        return;
    }
    c->state = CONN_CONNECTING;
}

/*
 * Edge-triggered: an input edge seen before the request is fully written is remembered in
 * c->readable and acted on when the write completes, or it would never be reported again.
 */
static void conn_on_event(struct worker *w, struct conn *c, uint32_t ev)
{
    const uint32_t in = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
    int err = 0;
    socklen_t elen = sizeof err;

    switch (c->state) {
    case CONN_CLOSED:
        break; /* stale event from a descriptor closed earlier in this batch */
    case CONN_CONNECTING:
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0) {
            conn_fail(w, c, BENCH_ERR_CONNECT);
            break;
        }
        if (!(ev & EPOLLOUT))
            break;
        c->readable = (ev & in) != 0;
        conn_send_next(w, c, now_ns());
        break;
    case CONN_WRITING:
        if (ev & in)
            c->readable = true;
        if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            conn_write(w, c);
        break;
    case CONN_READ_HEAD:
    case CONN_READ_BODY:
        if (ev & in)
            conn_read(w, c);
        break;
    }
}

/* Opens the closed connections whose retry time has come; returns ms until the next one. */
static int worker_reconnect_due(struct worker *w, uint64_t now)
{
    uint64_t next = UINT64_MAX;

    for (int i = 0; i < w->nconns && w->closed > 0; i++) {
        struct conn *c = &w->conns[i];
        if (c->state != CONN_CLOSED)
            continue;
        if (c->retry_ns <= now)
            conn_open(w, c, now);
        else if (c->retry_ns < next)
            next = c->retry_ns;
    }
    if (next == UINT64_MAX)
        return BENCH_POLL_MAX_MS;
    return (int)((next - now + 999999) / 1000000);
}

/* Thread body: drives this worker's connections until the shared end time. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct epoll_event events[BENCH_EVENTS];

    for (;;) {
        uint64_t now = now_ns();
        uint64_t end = atomic_load_explicit(&w->sh->end_ns, memory_order_relaxed);
        if (now >= end)
            break;
        int timeout = BENCH_POLL_MAX_MS;
        if (w->closed > 0)
            timeout = worker_reconnect_due(w, now);
        uint64_t left_ms = (end - now + 999999) / 1000000;
        if ((uint64_t)timeout > left_ms)
            timeout = (int)left_ms;
        if (timeout > BENCH_POLL_MAX_MS)
            timeout = BENCH_POLL_MAX_MS;
        int n = epoll_wait(w->ep, events, BENCH_EVENTS, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("accept: epoll_wait");
            break;
        }
        for (int i = 0; i < n; i++)
            conn_on_event(w, events[i].data.ptr, events[i].events);
    }
    for (int i = 0; i < w->nconns; i++) {
        struct conn *c = &w->conns[i];
        if (c->state == CONN_WRITING || c->state == CONN_READ_HEAD || c->state == CONN_READ_BODY)
            w->st.in_flight++;
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
    }
    return NULL;
}

/* Prepares worker w's connections: the request prefix that never changes on a connection. */
static int worker_init(struct worker *w, struct shared *sh, int id)
{
    const struct bench_cfg *cfg = sh->cfg;

    w->sh = sh;
    w->id = id;
    w->nconns = cfg->connections / cfg->threads + (id < cfg->connections % cfg->threads);
    w->closed = w->nconns;
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    if (w->ep < 0) {
        perror("accept: epoll_create1");
        return -1;
    }
    w->conns = calloc((size_t)w->nconns, sizeof *w->conns);
    if (w->conns == NULL) {
        fprintf(stderr, "accept: out of memory\n");
        abort();
    }
    for (int i = 0; i < w->nconns; i++) {
        struct conn *c = &w->conns[i];
        int global = id + i * cfg->threads;
        int n = snprintf(c->req, sizeof c->req,
                         "POST /v1/messages HTTP/1.1\r\n"
                         "Host: %s\r\n"
                         "Authorization: Bearer %s\r\n"
                         "Content-Type: application/json\r\n"
                         "Idempotency-Key: bench-%s-%d-%d-",
                         cfg->host_header, cfg->key, cfg->runid, id, global);
        if (n < 0 || (size_t)n + BENCH_REQ_TAIL_MAX > sizeof c->req) {
            fprintf(stderr, "accept: request header too long\n");
            return -1;
        }
        c->fd = -1;
        c->state = CONN_CLOSED;
        c->prefix_len = (size_t)n;
    }
    return 0;
}

/* ---- sampling CPU: /proc and getrusage (main thread) ---- */

static ssize_t read_small_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t total = 0;

    if (fd < 0)
        return -1;
    while ((size_t)total < cap - 1) {
        ssize_t n = read(fd, buf + total, cap - 1 - (size_t)total);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        total += n;
    }
    close(fd);
    buf[total] = '\0';
    return total;
}

static uint64_t status_field_kib(const char *status, const char *name)
{
    const char *p = strstr(status, name);

    if (p == NULL)
        return 0;
    return strtoull(p + strlen(name), NULL, 10);
}

/* Samples server process pid: CPU of all its threads (proc(5) stat fields 14, 15), RSS. */
static void proc_sample_read(long pid, struct proc_sample *s)
{
    char path[64];
    char buf[4096];

    memset(s, 0, sizeof *s);
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (read_small_file(path, buf, sizeof buf) <= 0)
        return;
    /* comm is in parentheses and may hold spaces or ')': the fields start after the last ')' */
    char *open_paren = strchr(buf, '(');
    char *close_paren = strrchr(buf, ')');
    if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
        return;
    size_t clen = (size_t)(close_paren - open_paren - 1);
    if (clen >= sizeof s->comm)
        clen = sizeof s->comm - 1;
    memcpy(s->comm, open_paren + 1, clen);
    s->comm[clen] = '\0';
    /* after ") ": field 3 (state) is token 0, so utime (14) is token 11 and stime (15) 12 */
    char *save = NULL;
    char *tok = strtok_r(close_paren + 1, " ", &save);
    uint64_t utime = 0;
    uint64_t stime = 0;
    for (int i = 0; tok != NULL && i <= 12; i++) {
        if (i == 11)
            utime = strtoull(tok, NULL, 10);
        if (i == 12)
            stime = strtoull(tok, NULL, 10);
        tok = strtok_r(NULL, " ", &save);
    }
    s->cpu_ticks = utime + stime;

    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    if (read_small_file(path, buf, sizeof buf) <= 0)
        return;
    s->rss_kib = status_field_kib(buf, "\nVmRSS:");
    s->hwm_kib = status_field_kib(buf, "\nVmHWM:");
    s->threads = (long)status_field_kib(buf, "\nThreads:");
    s->ok = true;
}

/* Samples the whole machine from the first line of /proc/stat (proc(5)). */
static void machine_sample_read(struct machine_sample *m)
{
    char buf[512];
    uint64_t f[8] = {0};

    memset(m, 0, sizeof *m);
    if (read_small_file("/proc/stat", buf, sizeof buf) <= 0)
        return;
    /* cpu user nice system idle iowait irq softirq steal (guest is inside user) */
    if (sscanf(buf,
               "cpu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
               " %" SCNu64 " %" SCNu64,
               &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]) < 4)
        return;
    for (int i = 0; i < 8; i++)
        m->total += f[i];
    m->busy = m->total - f[3] - f[4];
    m->ok = true;
}

static void sample_take(const struct bench_cfg *cfg, struct sample *s)
{
    s->t_ns = now_ns();
    getrusage(RUSAGE_SELF, &s->ru);
    if (cfg->pid > 0)
        proc_sample_read(cfg->pid, &s->server);
    machine_sample_read(&s->machine);
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/*
 * Waits until CLOCK_MONOTONIC reaches deadline, or one of the signals in set (blocked in every
 * thread) arrives. Returns true if a signal cut the wait short.
 */
static bool wait_until(uint64_t deadline, const sigset_t *set)
{
    for (;;) {
        uint64_t now = now_ns();
        if (now >= deadline)
            return false;
        uint64_t left = deadline - now;
        struct timespec ts = {.tv_sec = (time_t)(left / NS_PER_S),
                              .tv_nsec = (long)(left % NS_PER_S)};
        if (sigtimedwait(set, NULL, &ts) > 0)
            return true;
    }
}

/* ---- options ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench-accept [options]\n"
            "Load generator for POST /v1/messages: N keep-alive connections, one request in\n"
            "flight each; counts 202 as accepted and reports throughput, latency and CPU.\n"
            "\n"
            "  --url http://HOST:PORT  server (default http://127.0.0.1:8080; path is fixed)\n"
            "  --key KEY               API key (default: $SMSHUB_API_KEY)\n"
            "  --connections N         concurrent connections (default 64, max %d)\n"
            "  --seconds S             measured duration (default 10)\n"
            "  --warmup S              seconds run first and not counted (default 1)\n"
            "  --threads N             worker threads (default 1, max %d)\n"
            "  --to NUMBER             recipient (default +998901234567)\n"
            "  --callback-url URL      callback_url of every message (http://127.0.0.1:PORT/...)\n"
            "  --pid PID               server process: report its CPU over the window\n"
            "  --json                  print one JSON object instead of text\n"
            "  --allow-remote          allow a host other than 127.0.0.1, localhost, ::1\n"
            "  --help                  this text\n"
            "Exit status: 0 if any request was accepted, 2 if none was, 1 on a setup error.\n",
            BENCH_MAX_CONNECTIONS, BENCH_MAX_THREADS);
}

static int parse_int(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end = NULL;

    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "accept: --%s wants an integer from %ld to %ld, not '%s'\n", opt, lo, hi,
                s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_secs(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end = NULL;

    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
        fprintf(stderr, "accept: --%s wants seconds from %g to %g, not '%s'\n", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static bool host_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '-' || ch == ':';
}

/* Splits http://HOST[:PORT][/ | /v1/messages] into cfg->host, port and host_header. */
static int parse_url(struct bench_cfg *cfg, const char *url)
{
    const char *p = url;
    const char *host;
    size_t hlen;

    if (strncasecmp(p, "https://", 8) == 0) {
        fprintf(stderr, "accept: https is not supported; give http://HOST:PORT\n");
        return -1;
    }
    if (strncasecmp(p, "http://", 7) != 0) {
        fprintf(stderr, "accept: --url must look like http://127.0.0.1:8080, not '%s'\n", url);
        return -1;
    }
    p += 7;
    if (*p == '[') {
        host = ++p;
        const char *close = strchr(p, ']');
        if (close == NULL)
            goto bad;
        hlen = (size_t)(close - host);
        p = close + 1;
    } else {
        host = p;
        hlen = strcspn(p, ":/");
        p += hlen;
    }
    if (hlen == 0 || hlen >= sizeof cfg->host)
        goto bad;
    for (size_t i = 0; i < hlen; i++) {
        if (!host_char_ok(host[i]))
            goto bad;
    }
    memcpy(cfg->host, host, hlen);
    cfg->host[hlen] = '\0';
    bool v6 = memchr(host, ':', hlen) != NULL;
    long port = 80;
    if (*p == ':') {
        char *end = NULL;
        errno = 0;
        port = strtol(p + 1, &end, 10);
        if (errno != 0 || end == p + 1 || port < 1 || port > 65535)
            goto bad;
        p = end;
    }
    if (*p != '\0' && strcmp(p, "/") != 0 && strcmp(p, "/v1/messages") != 0) {
        fprintf(stderr, "accept: the path is fixed (/v1/messages); give only http://HOST:PORT\n");
        return -1;
    }
    snprintf(cfg->port, sizeof cfg->port, "%ld", port);
    snprintf(cfg->host_header, sizeof cfg->host_header, v6 ? "[%s]:%ld" : "%s:%ld", cfg->host,
             port);
    snprintf(cfg->url, sizeof cfg->url, "http://%s", cfg->host_header);
    return 0;
bad:
    fprintf(stderr, "accept: cannot parse --url '%s' (want http://HOST:PORT)\n", url);
    return -1;
}

static bool host_is_loopback_name(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcasecmp(host, "localhost") == 0 ||
           strcmp(host, "::1") == 0;
}

static bool addr_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false;
}

static bool token_ok(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    }
    return true;
}

static bool phone_ok(const char *s)
{
    size_t i = s[0] == '+' ? 1 : 0;
    size_t digits = 0;

    for (; s[i] != '\0'; i++, digits++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return digits >= 1 && i <= BENCH_TO_MAX;
}

/* Fills cfg from argv and the environment. Returns 0, 1 if --help was printed, -1 on error. */
static int parse_args(int argc, char **argv, struct bench_cfg *cfg)
{
    enum {
        OPT_URL = 256,
        OPT_KEY,
        OPT_CONN,
        OPT_SECS,
        OPT_WARM,
        OPT_THREADS,
        OPT_TO,
        OPT_PID,
        OPT_JSON,
        OPT_REMOTE,
        OPT_CB,
        OPT_HELP
    };
    static const struct option opts[] = {
        {"url", required_argument, NULL, OPT_URL},
        {"key", required_argument, NULL, OPT_KEY},
        {"connections", required_argument, NULL, OPT_CONN},
        {"seconds", required_argument, NULL, OPT_SECS},
        {"warmup", required_argument, NULL, OPT_WARM},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"to", required_argument, NULL, OPT_TO},
        {"callback-url", required_argument, NULL, OPT_CB},
        {"pid", required_argument, NULL, OPT_PID},
        {"json", no_argument, NULL, OPT_JSON},
        {"allow-remote", no_argument, NULL, OPT_REMOTE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *url = "http://127.0.0.1:8080";
    const char *key = getenv("SMSHUB_API_KEY");
    const char *to = "+998901234567";
    const char *cb = NULL;
    long v;
    int opt;

    cfg->connections = 64;
    cfg->threads = 1;
    cfg->seconds = 10;
    cfg->warmup = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_URL:
            url = optarg;
            break;
        case OPT_KEY:
            key = optarg;
            break;
        case OPT_CONN:
            if (parse_int("connections", optarg, 1, BENCH_MAX_CONNECTIONS, &v) < 0)
                return -1;
            cfg->connections = (int)v;
            break;
        case OPT_SECS:
            if (parse_secs("seconds", optarg, 0.1, 3600, &cfg->seconds) < 0)
                return -1;
            break;
        case OPT_WARM:
            if (parse_secs("warmup", optarg, 0, 600, &cfg->warmup) < 0)
                return -1;
            break;
        case OPT_THREADS:
            if (parse_int("threads", optarg, 1, BENCH_MAX_THREADS, &v) < 0)
                return -1;
            cfg->threads = (int)v;
            break;
        case OPT_TO:
            to = optarg;
            break;
        case OPT_CB:
            cb = optarg;
            break;
        case OPT_PID:
            if (parse_int("pid", optarg, 1, 1L << 30, &v) < 0)
                return -1;
            cfg->pid = v;
            break;
        case OPT_JSON:
            cfg->json = true;
            break;
        case OPT_REMOTE:
            cfg->allow_remote = true;
            break;
        case 'h':
        case OPT_HELP:
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "accept: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (parse_url(cfg, url) < 0)
        return -1;
    if (!cfg->allow_remote && !host_is_loopback_name(cfg->host)) {
        fprintf(stderr,
                "accept: refusing to load %s: only 127.0.0.1, localhost and ::1 are targeted "
                "unless --allow-remote is given\n",
                cfg->host);
        return -1;
    }
    if (key == NULL || key[0] == '\0') {
        fprintf(stderr, "accept: no API key: pass --key or set SMSHUB_API_KEY\n");
        return -1;
    }
    if (!token_ok(key, BENCH_KEY_MAX)) {
        fprintf(stderr, "accept: the API key must be 1-%d visible ASCII characters\n",
                BENCH_KEY_MAX);
        return -1;
    }
    snprintf(cfg->key, sizeof cfg->key, "%s", key);
    if (!phone_ok(to)) {
        fprintf(stderr, "accept: --to wants an optional '+' and up to %d digits, not '%s'\n",
                BENCH_TO_MAX - 1, to);
        return -1;
    }
    snprintf(cfg->to, sizeof cfg->to, "%s", to);
    if (cb != NULL && (strlen(cb) >= BENCH_CB_MAX || !token_ok(cb, BENCH_CB_MAX - 1) ||
                       strpbrk(cb, "\"\\") != NULL)) {
        fprintf(stderr,
                "accept: --callback-url wants up to %d visible ASCII characters, "
                "no quote or backslash\n",
                BENCH_CB_MAX - 1);
        return -1;
    }
    int n = snprintf(cfg->body_head, sizeof cfg->body_head,
                     "{\"to\":\"%s\",%s%s%s\"text\":\"bench message ", cfg->to,
                     cb ? "\"callback_url\":\"" : "", cb ? cb : "", cb ? "\"," : "");
    cfg->body_head_len = (size_t)n;
    if (cfg->threads > cfg->connections)
        cfg->threads = cfg->connections;
    return 0;
}

/* ---- setup (main thread) ---- */

/* Connects once, blocking for at most timeout_ms; returns 0 or an errno value. */
static int try_connect(const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int err = 0;
    socklen_t elen = sizeof err;

    if (fd < 0)
        return errno;
    if (connect(fd, sa, len) < 0) {
        err = errno;
        if (err == EINPROGRESS) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int n = poll(&pfd, 1, timeout_ms);
            if (n == 0)
                err = ETIMEDOUT;
            else if (n < 0)
                err = errno;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
                err = errno;
        }
    }
    close(fd);
    return err;
}

/* Resolves the host and keeps the first address that accepts a connection now. */
static int resolve_target(struct bench_cfg *cfg)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = -1;
    int err = 0;

    int gai = getaddrinfo(cfg->host, cfg->port, &hints, &res);
    if (gai != 0) {
        fprintf(stderr, "accept: cannot resolve %s: %s\n", cfg->host, gai_strerror(gai));
        goto out;
    }
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        if (!cfg->allow_remote && !addr_is_loopback(ai->ai_addr))
            continue;
        if (ai->ai_addrlen > sizeof cfg->addr)
            continue;
        err = try_connect(ai->ai_addr, ai->ai_addrlen, BENCH_PREFLIGHT_MS);
        if (err == 0) {
            memcpy(&cfg->addr, ai->ai_addr, ai->ai_addrlen);
            cfg->addr_len = ai->ai_addrlen;
            rc = 0;
            goto out;
        }
    }
    if (err == 0)
        fprintf(stderr, "accept: %s resolves to no loopback address\n", cfg->host);
    else
        fprintf(stderr, "accept: cannot connect to %s: %s (is the daemon running?)\n",
                cfg->host_header, strerror(err));
out:
    if (res != NULL)
        freeaddrinfo(res);
    return rc;
}

static int raise_fd_limit(int need)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 0;
    if (rl.rlim_cur >= (rlim_t)need)
        return 0;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)need) {
        fprintf(stderr, "accept: need %d file descriptors, the hard limit is %lu\n", need,
                (unsigned long)rl.rlim_max);
        return -1;
    }
    rl.rlim_cur = (rlim_t)need;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
        perror("accept: setrlimit");
        return -1;
    }
    return 0;
}

static void make_runid(char out[17])
{
    uint64_t r = 0;

    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = now_ns() ^ ((uint64_t)getpid() << 32);
    snprintf(out, 17, "%016" PRIx64, r);
}

/* ---- report ---- */

struct report {
    const struct bench_cfg *cfg;
    struct stats st;
    double window_s; /* nominal measured window */
    double sample_s; /* between the two CPU samples */
    bool interrupted;
    struct sample a;
    struct sample b;
    long ncpu;
};

static uint64_t sum_errors(const struct stats *st)
{
    uint64_t n = 0;

    for (int i = 0; i < BENCH_ERR_COUNT; i++)
        n += st->errors[i];
    return n;
}

static double client_cpu_s(const struct report *r, double *user, double *sys)
{
    *user = tv_s(r->b.ru.ru_utime) - tv_s(r->a.ru.ru_utime);
    *sys = tv_s(r->b.ru.ru_stime) - tv_s(r->a.ru.ru_stime);
    return *user + *sys;
}

static bool server_ok(const struct report *r)
{
    return r->cfg->pid > 0 && r->a.server.ok && r->b.server.ok;
}

static double server_cpu_s(const struct report *r)
{
    long tck = sysconf(_SC_CLK_TCK);

    return (double)(r->b.server.cpu_ticks - r->a.server.cpu_ticks) / (double)(tck > 0 ? tck : 100);
}

static bool machine_ok(const struct report *r)
{
    return r->a.machine.ok && r->b.machine.ok && r->b.machine.total > r->a.machine.total;
}

/* Busy share of the whole machine, in percent of one CPU (so 200 = two CPUs busy). */
static double machine_busy_pct(const struct report *r)
{
    double busy = (double)(r->b.machine.busy - r->a.machine.busy);
    double total = (double)(r->b.machine.total - r->a.machine.total);

    return busy / total * (double)r->ncpu * 100.0;
}

/* Busy share neither the client nor (if sampled) the server accounts for: other tenants, and
 * softirq time the kernel may charge to no task. Percent of one CPU. */
static double machine_other_pct(const struct report *r)
{
    double rest = machine_busy_pct(r);
    double user;
    double sys;

    rest -= client_cpu_s(r, &user, &sys) / r->sample_s * 100.0;
    if (server_ok(r))
        rest -= server_cpu_s(r) / r->sample_s * 100.0;
    return rest;
}

static void print_latency_text(const char *label, const struct hist *h)
{
    if (h->count == 0) {
        printf("%-15s n/a (no responses)\n", label);
        return;
    }
    printf("%-15s p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms  (mean %.3f)\n", label,
           hist_quantile_ms(h, 500000), hist_quantile_ms(h, 900000), hist_quantile_ms(h, 990000),
           hist_quantile_ms(h, 999000), (double)h->max_ns / 1e6,
           (double)h->sum_ns / (double)h->count / 1e6);
}

static void report_text(const struct report *r)
{
    const struct bench_cfg *cfg = r->cfg;
    const struct stats *st = &r->st;
    uint64_t other = st->requests - st->accepted;
    double user;
    double sys;
    double ccpu = client_cpu_s(r, &user, &sys);

    printf("accept: POST %s/v1/messages, %d connections, %d thread%s, warmup %g s, run %s\n",
           cfg->url, cfg->connections, cfg->threads, cfg->threads == 1 ? "" : "s", cfg->warmup,
           cfg->runid);
    printf("%-15s %.2f s%s\n", "duration", r->window_s, r->interrupted ? " (interrupted)" : "");
    printf("%-15s %" PRIu64 "  (%.1f/s, all statuses)\n", "requests", st->requests,
           (double)st->requests / r->window_s);
    printf("%-15s %" PRIu64 "  (%.1f/s, status 202)\n", "accepted", st->accepted,
           (double)st->accepted / r->window_s);
    print_latency_text("latency 202", &st->lat_accepted);
    if (other > 0)
        print_latency_text("latency all", &st->lat_all);
    printf("%-15s %" PRIu64, "other statuses", other);
    if (other > 0) {
        const char *sep = "  [";
        for (int s = 0; s < 600; s++) {
            if (s == 202 || st->status[s] == 0)
                continue;
            printf("%s%d: %" PRIu64, sep, s, st->status[s]);
            sep = ", ";
        }
        printf("]");
    }
    printf("\n");
    printf("%-15s %" PRIu64 "  (", "errors", sum_errors(st));
    for (int i = 0; i < BENCH_ERR_COUNT; i++)
        printf("%s%s %" PRIu64, i ? ", " : "", bench_err_names[i], st->errors[i]);
    printf(");  reconnects %" PRIu64 ";  in flight at end %" PRIu64 "\n", st->reconnects,
           st->in_flight);
    if (server_ok(r)) {
        double scpu = server_cpu_s(r);
        printf("%-15s pid %ld (%s): %.2f s CPU = %.1f %% of one CPU", "server", cfg->pid,
               r->b.server.comm, scpu, scpu / r->sample_s * 100.0);
        if (st->accepted > 0)
            printf(", %.1f us CPU per accepted", scpu * 1e6 / (double)st->accepted);
        printf("; RSS %.1f MiB (peak %.1f), %ld threads\n", (double)r->b.server.rss_kib / 1024.0,
               (double)r->b.server.hwm_kib / 1024.0, r->b.server.threads);
    } else if (cfg->pid > 0) {
        printf("%-15s pid %ld: could not read /proc/%ld (process gone?)\n", "server", cfg->pid,
               cfg->pid);
    } else {
        printf("%-15s not sampled (give --pid)\n", "server");
    }
    printf("%-15s %.2f s CPU = %.1f %% of one CPU (user %.2f, sys %.2f)", "client", ccpu,
           ccpu / r->sample_s * 100.0, user, sys);
    if (st->requests > 0)
        printf(", %.1f us CPU per request", ccpu * 1e6 / (double)st->requests);
    printf("\n");
    if (machine_ok(r)) {
        printf("%-15s %ld CPUs, busy %.1f %% of %ld %%; not client%s: %.1f %%\n", "machine",
               r->ncpu, machine_busy_pct(r), r->ncpu * 100, server_ok(r) ? " nor server" : "",
               machine_other_pct(r));
    }
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void print_latency_json(const char *name, const struct hist *h)
{
    printf("\"%s\":", name);
    if (h->count == 0) {
        printf("null");
        return;
    }
    printf("{\"count\":%" PRIu64 ",\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,"
           "\"max\":%.3f,\"mean\":%.3f}",
           h->count, hist_quantile_ms(h, 500000), hist_quantile_ms(h, 900000),
           hist_quantile_ms(h, 990000), hist_quantile_ms(h, 999000), (double)h->max_ns / 1e6,
           (double)h->sum_ns / (double)h->count / 1e6);
}

static void report_json(const struct report *r)
{
    const struct bench_cfg *cfg = r->cfg;
    const struct stats *st = &r->st;
    double user;
    double sys;
    double ccpu = client_cpu_s(r, &user, &sys);

    printf("{\"url\":");
    json_string(cfg->url);
    printf(",\"run\":\"%s\",\"connections\":%d,\"threads\":%d,\"warmup_s\":%g,"
           "\"duration_s\":%.3f,\"interrupted\":%s,",
           cfg->runid, cfg->connections, cfg->threads, cfg->warmup, r->window_s,
           r->interrupted ? "true" : "false");
    printf("\"requests\":%" PRIu64 ",\"requests_per_s\":%.1f,\"accepted\":%" PRIu64
           ",\"accepted_per_s\":%.1f,",
           st->requests, (double)st->requests / r->window_s, st->accepted,
           (double)st->accepted / r->window_s);
    print_latency_json("latency_ms", &st->lat_accepted);
    putchar(',');
    print_latency_json("latency_all_ms", &st->lat_all);
    printf(",\"statuses\":{");
    const char *sep = "";
    for (int s = 0; s < 600; s++) {
        if (st->status[s] == 0)
            continue;
        printf("%s\"%d\":%" PRIu64, sep, s, st->status[s]);
        sep = ",";
    }
    printf("},\"other_statuses\":%" PRIu64 ",\"errors\":{\"total\":%" PRIu64,
           st->requests - st->accepted, sum_errors(st));
    for (int i = 0; i < BENCH_ERR_COUNT; i++)
        printf(",\"%s\":%" PRIu64, bench_err_names[i], st->errors[i]);
    printf("},\"reconnects\":%" PRIu64 ",\"in_flight_at_end\":%" PRIu64 ",\"server\":",
           st->reconnects, st->in_flight);
    if (server_ok(r)) {
        double scpu = server_cpu_s(r);
        printf("{\"pid\":%ld,\"comm\":", cfg->pid);
        json_string(r->b.server.comm);
        printf(",\"cpu_s\":%.3f,\"cpu_pct\":%.1f,\"cpu_us_per_accepted\":", scpu,
               scpu / r->sample_s * 100.0);
        if (st->accepted > 0)
            printf("%.2f", scpu * 1e6 / (double)st->accepted);
        else
            printf("null");
        printf(",\"rss_kib\":%" PRIu64 ",\"hwm_kib\":%" PRIu64 ",\"threads\":%ld}",
               r->b.server.rss_kib, r->b.server.hwm_kib, r->b.server.threads);
    } else {
        printf("null");
    }
    printf(",\"client\":{\"cpu_s\":%.3f,\"user_s\":%.3f,\"sys_s\":%.3f,\"cpu_pct\":%.1f,"
           "\"cpu_us_per_request\":",
           ccpu, user, sys, ccpu / r->sample_s * 100.0);
    if (st->requests > 0)
        printf("%.2f", ccpu * 1e6 / (double)st->requests);
    else
        printf("null");
    printf("},\"machine\":");
    if (machine_ok(r))
        printf("{\"cpus\":%ld,\"busy_pct\":%.1f,\"other_pct\":%.1f}", r->ncpu, machine_busy_pct(r),
               machine_other_pct(r));
    else
        printf("null");
    printf("}\n");
}

static void stats_merge(struct stats *dst, const struct stats *src)
{
    dst->requests += src->requests;
    dst->accepted += src->accepted;
    for (int i = 0; i < BENCH_ERR_COUNT; i++)
        dst->errors[i] += src->errors[i];
    dst->reconnects += src->reconnects;
    dst->in_flight += src->in_flight;
    for (int s = 0; s < 600; s++)
        dst->status[s] += src->status[s];
    hist_merge(&dst->lat_accepted, &src->lat_accepted);
    hist_merge(&dst->lat_all, &src->lat_all);
}

int main(int argc, char **argv)
{
    struct bench_cfg cfg = {0};
    struct shared sh = {0};
    struct worker *workers = NULL;
    struct report *rep = NULL;
    sigset_t stop_set;
    int started = 0;
    int rc = 1;

    int pr = parse_args(argc, argv, &cfg);
    if (pr != 0) {
        rc = pr > 0 ? 0 : 1;
        goto out;
    }
    if (resolve_target(&cfg) < 0)
        goto out;
    if (raise_fd_limit(cfg.connections + 32) < 0)
        goto out;
    if (cfg.pid > 0) {
        struct proc_sample probe;
        proc_sample_read(cfg.pid, &probe);
        if (!probe.ok) {
            fprintf(stderr, "accept: cannot read /proc/%ld/stat: no such process?\n", cfg.pid);
            goto out;
        }
    }
    make_runid(cfg.runid);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, NULL); /* inherited by the workers */

    rep = calloc(1, sizeof *rep);
    workers = calloc((size_t)cfg.threads, sizeof *workers);
    if (rep == NULL || workers == NULL) {
        fprintf(stderr, "accept: out of memory\n");
        abort();
    }
    sh.cfg = &cfg;
    uint64_t t0 = now_ns();
    sh.measure_ns = t0 + (uint64_t)(cfg.warmup * 1e9);
    atomic_init(&sh.end_ns, sh.measure_ns + (uint64_t)(cfg.seconds * 1e9));
    for (int i = 0; i < cfg.threads; i++)
        workers[i].ep = -1;
    for (int i = 0; i < cfg.threads; i++) {
        if (worker_init(&workers[i], &sh, i) < 0)
            goto stop;
    }
    for (; started < cfg.threads; started++) {
        int e = pthread_create(&workers[started].tid, NULL, worker_main, &workers[started]);
        if (e != 0) {
            fprintf(stderr, "accept: pthread_create: %s\n", strerror(e));
            goto stop;
        }
    }

    rep->cfg = &cfg;
    rep->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (wait_until(sh.measure_ns, &stop_set)) {
        fprintf(stderr, "accept: interrupted during warmup; nothing measured\n");
        goto stop;
    }
    sample_take(&cfg, &rep->a);
    rep->interrupted = wait_until(atomic_load(&sh.end_ns), &stop_set);
    sample_take(&cfg, &rep->b);
    if (rep->interrupted)
        atomic_store(&sh.end_ns, rep->b.t_ns);
    for (; started > 0; started--)
        pthread_join(workers[started - 1].tid, NULL);
    for (int i = 0; i < cfg.threads; i++)
        stats_merge(&rep->st, &workers[i].st);
    rep->window_s = (double)(atomic_load(&sh.end_ns) - sh.measure_ns) / 1e9;
    rep->sample_s = (double)(rep->b.t_ns - rep->a.t_ns) / 1e9;
    if (rep->sample_s <= 0)
        rep->sample_s = rep->window_s;
    if (cfg.json)
        report_json(rep);
    else
        report_text(rep);
    fflush(stdout);
    if (rep->st.accepted == 0) {
        fprintf(stderr, "accept: no request was accepted%s\n",
                rep->st.status[401] > 0 ? " (401: is the API key right?)" : "");
        rc = 2;
    } else {
        rc = 0;
    }

stop:
    atomic_store(&sh.end_ns, 0);
    for (; started > 0; started--)
        pthread_join(workers[started - 1].tid, NULL);
out:
    if (workers != NULL) {
        for (int i = 0; i < cfg.threads; i++) {
            if (workers[i].ep >= 0)
                close(workers[i].ep);
            free(workers[i].conns);
        }
    }
    free(workers);
    free(rep);
    return rc;
}
