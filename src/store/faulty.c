/*
 * faulty.c — TEST ONLY fault-injecting store wrapper (see faulty.h for the spec).
 *
 * Every call is counted per operation; a call matching a rule fails as the rule says. Async
 * failures that do no work (eio, efull, timeout) are delivered from a helper thread of the
 * wrapper, never from inside the call, like the real writer's callbacks; a "lost" failure
 * runs the real operation and swaps its success for SH_EIO in the callback.
 */
#include "store/faulty.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum f_op {
    F_ACCEPT, F_CLAIM, F_UPDATE, F_RECOVER, F_READ, F_WRITE, F_MESSAGE_GET, F_MESSAGE_LIST,
    F_COUNT_DUE, F_API_KEY_FIND, F_CREDENTIALS_LOAD, F_PURGE, F__COUNT
};

static const char *const op_names[F__COUNT] = {
    "accept", "claim", "update", "recover", "read", "write", "message_get", "message_list",
    "count_due", "api_key_find", "credentials_load", "purge",
};

enum f_kind { K_EIO, K_EFULL, K_TIMEOUT, K_LOST };

#define MAX_RULES 8

struct f_rule {
    enum f_op op;
    long n;
    int from_n; /* "N+": every call from n on */
    enum f_kind kind;
    int ms;
};

struct deferred {
    struct deferred *next;
    store_done_cb cb;
    void *arg;
    int status;
    int64_t due_ms;
};

struct lost_ctx {
    store_done_cb cb;
    void *arg;
};

struct faulty {
    struct store base; /* first: the store pointer is this struct */
    struct store *inner;
    const struct log *log;
    struct f_rule rules[MAX_RULES];
    int nrules;
    char pause_path[512];
    atomic_long calls[F__COUNT];
    /* deferred callbacks (a FIFO: every item of a rule has the same delay) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct deferred *head, *tail;
    int stopping;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *deferred_main(void *arg)
{
    struct faulty *f = arg;
    pthread_setname_np(pthread_self(), "sh-faulty");
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (f->head == NULL && !f->stopping)
            pthread_cond_wait(&f->cv, &f->mu);
        if (f->head == NULL)
            break; /* stopping and drained */
        struct deferred *d = f->head;
        int64_t wait = d->due_ms - mono_ms();
        if (wait > 0) {
            pthread_mutex_unlock(&f->mu);
            usleep((useconds_t)(wait * 1000)); /* the delay is honoured even when stopping */
            pthread_mutex_lock(&f->mu);
        }
        f->head = d->next;
        if (f->head == NULL)
            f->tail = NULL;
        pthread_mutex_unlock(&f->mu);
        d->cb(d->arg, d->status);
        free(d);
        pthread_mutex_lock(&f->mu);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

static void defer(struct faulty *f, store_done_cb cb, void *arg, int status, int ms)
{
    struct deferred *d = xcalloc(1, sizeof(*d));
    d->cb = cb;
    d->arg = arg;
    d->status = status;
    d->due_ms = mono_ms() + ms;
    pthread_mutex_lock(&f->mu);
    if (f->tail != NULL)
        f->tail->next = d;
    else
        f->head = d;
    f->tail = d;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

/* Counts the call; returns the rule it triggers, or NULL. */
static const struct f_rule *hit(struct faulty *f, enum f_op op)
{
    long n = atomic_fetch_add(&f->calls[op], 1) + 1;
    for (int i = 0; i < f->nrules; i++) {
        const struct f_rule *r = &f->rules[i];
        if (r->op == op && (n == r->n || (r->from_n && n > r->n))) {
            log_msg(f->log, LOG_WARN, NULL, "fault injection: %s call %ld fails (%s)",
                    op_names[op], n,
                    r->kind == K_EIO ? "eio" : r->kind == K_EFULL ? "efull"
                                           : r->kind == K_TIMEOUT ? "timeout" : "lost");
            return r;
        }
    }
    return NULL;
}

static int rule_status(const struct f_rule *r)
{
    return r->kind == K_EFULL ? SH_EFULL : SH_EIO;
}

/* A synchronous call that fails without doing its work (lost is handled by the caller). */
static int sync_fail(const struct f_rule *r)
{
    if (r->kind == K_TIMEOUT)
        usleep((useconds_t)r->ms * 1000);
    return rule_status(r);
}

static void lost_done(void *arg, int status)
{
    struct lost_ctx *c = arg;
    store_done_cb cb = c->cb;
    void *cb_arg = c->arg;
    free(c);
    cb(cb_arg, status == SH_OK ? SH_EIO : status); /* committed, but the caller hears EIO */
}

/* An async call under rule r (never NULL): fail it or run it with a lying callback. */
static int async_fail(struct faulty *f, const struct f_rule *r, store_done_cb cb, void *arg,
                      struct lost_ctx **lost)
{
    if (r->kind == K_LOST) {
        *lost = xmalloc(sizeof(**lost));
        (*lost)->cb = cb;
        (*lost)->arg = arg;
        return 1; /* the caller runs the real operation with lost_done */
    }
    defer(f, cb, arg, rule_status(r), r->kind == K_TIMEOUT ? r->ms : 0);
    return 0;
}

#define F(s) ((struct faulty *)(s))

static int f_accept(struct store *s, struct store_accept *req, size_t n, store_done_cb cb,
                    void *arg)
{
    const struct f_rule *r = hit(F(s), F_ACCEPT);
    struct lost_ctx *lc = NULL;
    if (r == NULL)
        return store_accept(F(s)->inner, req, n, cb, arg);
    if (!async_fail(F(s), r, cb, arg, &lc))
        return SH_OK;
    int st = store_accept(F(s)->inner, req, n, lost_done, lc);
    if (st != SH_OK)
        free(lc);
    return st;
}

static int f_claim(struct store *s, struct store_claim *c, store_done_cb cb, void *arg)
{
    struct faulty *f = F(s);
    struct lost_ctx *lc = NULL;
    if (f->pause_path[0] != '\0' && access(f->pause_path, F_OK) == 0) {
        c->n = 0; /* paused: nothing is due as far as the engine can tell */
        defer(f, cb, arg, SH_OK, 0);
        return SH_OK;
    }
    const struct f_rule *r = hit(f, F_CLAIM);
    if (r == NULL)
        return store_claim(f->inner, c, cb, arg);
    if (!async_fail(f, r, cb, arg, &lc))
        return SH_OK;
    int st = store_claim(f->inner, c, lost_done, lc);
    if (st != SH_OK)
        free(lc);
    return st;
}

static int f_update(struct store *s, struct store_update *u, size_t n, store_done_cb cb, void *arg)
{
    const struct f_rule *r = hit(F(s), F_UPDATE);
    struct lost_ctx *lc = NULL;
    if (r == NULL)
        return store_update(F(s)->inner, u, n, cb, arg);
    if (!async_fail(F(s), r, cb, arg, &lc))
        return SH_OK;
    int st = store_update(F(s)->inner, u, n, lost_done, lc);
    if (st != SH_OK)
        free(lc);
    return st;
}

static int f_recover(struct store *s, const char *owner, int64_t now, size_t *in_doubt)
{
    const struct f_rule *r = hit(F(s), F_RECOVER);
    if (r == NULL || r->kind == K_LOST) {
        int st = store_recover(F(s)->inner, owner, now, in_doubt);
        return r == NULL || st != SH_OK ? st : SH_EIO;
    }
    return sync_fail(r);
}

static int f_write(struct store *s, struct store_step *steps, size_t n, struct arena *a)
{
    const struct f_rule *r = hit(F(s), F_WRITE);
    if (r == NULL || r->kind == K_LOST) {
        int st = store_write(F(s)->inner, steps, n, a);
        return r == NULL || st != SH_OK ? st : SH_EIO;
    }
    return sync_fail(r);
}

static int f_purge(struct store *s, int64_t older_than, size_t *purged)
{
    const struct f_rule *r = hit(F(s), F_PURGE);
    if (r == NULL || r->kind == K_LOST) {
        int st = store_purge_idempotency(F(s)->inner, older_than, purged);
        return r == NULL || st != SH_OK ? st : SH_EIO;
    }
    return sync_fail(r);
}

/* Reads: a lost read is simply a failed read. */
#define READ_GUARD(op)                                                                          \
    do {                                                                                        \
        const struct f_rule *r_ = hit(F(s), op);                                                \
        if (r_ != NULL)                                                                         \
            return sync_fail(r_);                                                               \
    } while (0)

static int f_read(struct store *s, const struct store_q *q, const struct store_args *args,
                  struct arena *a, struct store_rows *out)
{
    READ_GUARD(F_READ);
    return store_read(F(s)->inner, q, args, a, out);
}

static int f_message_get(struct store *s, const char *project_id, const char *id,
                         struct arena *a, struct store_message *out)
{
    READ_GUARD(F_MESSAGE_GET);
    return store_message_get(F(s)->inner, project_id, id, a, out);
}

static int f_message_list(struct store *s, const struct store_message_filter *flt,
                          struct arena *a, struct store_message **out, size_t *n)
{
    READ_GUARD(F_MESSAGE_LIST);
    return store_message_list(F(s)->inner, flt, a, out, n);
}

static int f_count_due(struct store *s, int64_t *n)
{
    READ_GUARD(F_COUNT_DUE);
    return store_count_due(F(s)->inner, n);
}

static int f_api_key_find(struct store *s, const unsigned char hash[32], struct store_api_key *out)
{
    READ_GUARD(F_API_KEY_FIND);
    return store_api_key_find(F(s)->inner, hash, out);
}

static int f_credentials_load(struct store *s, struct arena *a, struct store_credential **out,
                              size_t *n)
{
    READ_GUARD(F_CREDENTIALS_LOAD);
    return store_credentials_load(F(s)->inner, a, out, n);
}

/* Not faulted: start-up and administration. */
static int f_migrate(struct store *s, int *applied)
{
    return store_migrate(F(s)->inner, applied);
}

static int f_schema_version(struct store *s, int *version)
{
    return store_schema_version(F(s)->inner, version);
}

static int f_ping(struct store *s)
{
    return store_ping(F(s)->inner);
}

static int f_bootstrap(struct store *s, const struct store_bootstrap *b)
{
    return store_bootstrap(F(s)->inner, b);
}

static int f_message_events(struct store *s, const char *id, struct arena *a,
                            struct store_event **out, size_t *n)
{
    return store_message_events(F(s)->inner, id, a, out, n);
}

static void f_close(struct store *s)
{
    struct faulty *f = F(s);
    char line[512];
    size_t len = 0;

    pthread_mutex_lock(&f->mu);
    f->stopping = 1;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL); /* every deferred callback has run */
    store_close(f->inner);
    for (int i = 0; i < F__COUNT && len < sizeof(line); i++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, " %s=%ld", op_names[i],
                                atomic_load(&f->calls[i]));
    log_msg(f->log, LOG_WARN, NULL, "fault injection: calls%s", line);
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static const struct store_ops faulty_ops = {
    .scheme = "faulty",
    .open = NULL, /* made by store_faulty_wrap only */
    .close = f_close,
    .migrate = f_migrate,
    .schema_version = f_schema_version,
    .ping = f_ping,
    .bootstrap = f_bootstrap,
    .api_key_find = f_api_key_find,
    .credentials_load = f_credentials_load,
    .accept = f_accept,
    .claim = f_claim,
    .update = f_update,
    .recover = f_recover,
    .purge_idempotency = f_purge,
    .message_get = f_message_get,
    .message_events = f_message_events,
    .message_list = f_message_list,
    .count_due = f_count_due,
    .read = f_read,
    .write = f_write,
};

/* Parses one "store:OP:N[+]:KIND[:MS]" item (text without the "store:" prefix). */
static int parse_rule(const char *text, struct f_rule *r, char *err, size_t cap)
{
    char op[32], kind[16];
    char nbuf[24];
    int ms = 300, k;
    long n;
    char *end;

    k = sscanf(text, "%31[a-z_]:%23[0-9+]:%15[a-z]:%d", op, nbuf, kind, &ms);
    if (k < 3 || ms < 0 || ms > 600000) {
        snprintf(err, cap, "fault %s: expected store:OP:N[+]:KIND[:MS]", text);
        return SH_EINVAL;
    }
    r->op = F__COUNT;
    for (int i = 0; i < F__COUNT; i++) {
        if (strcmp(op, op_names[i]) == 0)
            r->op = (enum f_op)i;
    }
    n = strtol(nbuf, &end, 10);
    r->from_n = *end == '+';
    if (r->op == F__COUNT || n < 1 || (*end != '\0' && strcmp(end, "+") != 0)) {
        snprintf(err, cap, "fault %s: unknown operation or bad call number", text);
        return SH_EINVAL;
    }
    r->n = n;
    r->ms = ms;
    if (strcmp(kind, "eio") == 0)
        r->kind = K_EIO;
    else if (strcmp(kind, "efull") == 0)
        r->kind = K_EFULL;
    else if (strcmp(kind, "timeout") == 0)
        r->kind = K_TIMEOUT;
    else if (strcmp(kind, "lost") == 0)
        r->kind = K_LOST;
    else {
        snprintf(err, cap, "fault %s: kind must be eio, efull, timeout or lost", text);
        return SH_EINVAL;
    }
    return SH_OK;
}

static int parse_spec(struct faulty *f, const char *spec, char *err, size_t cap)
{
    char buf[1024];
    char *save = NULL;
    if (strlen(spec) >= sizeof(buf)) {
        snprintf(err, cap, "SMSHUB_FAULT is too long");
        return SH_EINVAL;
    }
    snprintf(buf, sizeof(buf), "%s", spec);
    for (char *it = strtok_r(buf, ",", &save); it != NULL; it = strtok_r(NULL, ",", &save)) {
        if (strcmp(it, "count") == 0)
            continue;
        if (strncmp(it, "pause:", 6) == 0 && it[6] != '\0' &&
            strlen(it + 6) < sizeof(f->pause_path)) {
            snprintf(f->pause_path, sizeof(f->pause_path), "%s", it + 6);
            continue;
        }
        if (strncmp(it, "store:", 6) != 0 || f->nrules == MAX_RULES) {
            snprintf(err, cap, "fault %s: expected store:…, pause:PATH or count (at most %d "
                     "rules)", it, MAX_RULES);
            return SH_EINVAL;
        }
        if (parse_rule(it + 6, &f->rules[f->nrules], err, cap) != SH_OK)
            return SH_EINVAL;
        f->nrules++;
    }
    return SH_OK;
}

int store_faulty_wrap(struct store *inner, const char *spec, const struct log *log,
                      struct store **out, char *err, size_t errcap)
{
    struct faulty *f = xcalloc(1, sizeof(*f));
    f->base.ops = &faulty_ops;
    f->inner = inner;
    f->log = log;
    if (parse_spec(f, spec, err, errcap) != SH_OK) {
        free(f);
        return SH_EINVAL;
    }
    for (int i = 0; i < F__COUNT; i++)
        atomic_init(&f->calls[i], 0);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    if (pthread_create(&f->thread, NULL, deferred_main, f) != 0) {
        snprintf(err, errcap, "cannot start the fault injection thread");
        pthread_cond_destroy(&f->cv);
        pthread_mutex_destroy(&f->mu);
        free(f);
        return SH_EIO;
    }
    *out = &f->base;
    return SH_OK;
}
