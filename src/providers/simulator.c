/*
 * simulator.c — the built-in `simulator` driver: a provider that lives inside the engine loop.
 *
 * Per-credential settings (JSON object, all optional):
 *   latency_ms        submit answer delay (default 10)
 *   temp_fail_ratio   share of submits answered temp-fail (default 0)
 *   throttle_ratio    share of submits answered throttled (default 0)
 *   reject_ratio      share of submits rejected permanently (default 0)
 *   undelivered_ratio share of accepted messages whose receipt says undelivered (default 0)
 *   expired_ratio     share whose receipt says expired (default 0)
 *   sent_delay_ms     delay of the "sent" report after acceptance (default 50)
 *   dlr_delay_ms      delay of the final receipt after acceptance (default 200)
 *   push_dlr          send receipts by itself (default true); polling always works
 *   early_dlr         push the final receipt just before the submit answer, as providers
 *                     whose callbacks race their API responses do (default false)
 *
 * Receipts are stateless: the provider message id carries the acceptance time and the final
 * outcome is a hash of the id, so a poll after a restart gives the same answer the push would
 * have given.
 *
 * With a submission log (env->simulator_log, a test hook: one line per accepted submit,
 * "<message id> <attempt> <credential id> <pmid> <time ms>"; and every submit whatever its
 * outcome in "<log>.submits": "<message id> <attempt> <credential id> <outcome> <time ms>")
 * the simulator also behaves like a
 * provider that deduplicates on the client's reference (as PlayMobile does with its unique
 * message-id): the log is its durable memory, reloaded at open, and a submit of a (message id,
 * attempt) it already accepted is answered with the original provider message id instead of
 * being sent again. The engine retries an in-doubt submit as the same attempt, so after a
 * crash such a provider never sees a message twice.
 */
#include "providers/provider.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sim_settings {
    int latency_ms;
    double temp_fail_ratio;
    double throttle_ratio;
    double reject_ratio;
    double undelivered_ratio;
    double expired_ratio;
    int sent_delay_ms;
    int dlr_delay_ms;
    int push_dlr;
    int early_dlr;
};

enum sim_op_kind { SIM_SUBMIT, SIM_REPORT, SIM_POLL };

struct sim_op {
    struct sim_op *prev, *next;
    struct sim *sim;
    struct event *ev;
    enum sim_op_kind kind;
    provider_submit_cb submit_cb;
    provider_poll_cb poll_cb;
    void *arg;
    struct provider_result result;
    enum provider_dlr dlr;
    char pmid[96];
};

/* (message id, attempt) -> provider message id, for submissions already accepted */
struct sim_seen {
    char *key; /* "<message id> <attempt>" */
    char *pmid;
};

struct sim {
    struct provider_env env;
    struct sim_settings set;
    int logfd;
    int allfd; /* every submit with its outcome: "<log>.submits" */
    struct sim_op *ops; /* pending timers, freed by close */
    struct sim_seen *seen; /* open addressing, power-of-two capacity */
    size_t nseen;
    size_t capseen;
};

static uint64_t fnv1a(const char *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    return h;
}

static const char *seen_find(const struct sim *s, const char *key)
{
    if (s->capseen == 0)
        return NULL;
    for (size_t i = fnv1a(key) & (s->capseen - 1);; i = (i + 1) & (s->capseen - 1)) {
        if (s->seen[i].key == NULL)
            return NULL;
        if (strcmp(s->seen[i].key, key) == 0)
            return s->seen[i].pmid;
    }
}

static void seen_put(struct sim *s, const char *key, const char *pmid)
{
    if (seen_find(s, key) != NULL)
        return;
    if ((s->nseen + 1) * 2 > s->capseen) {
        size_t cap = s->capseen ? s->capseen * 2 : 1024;
        struct sim_seen *v = xcalloc(cap, sizeof(*v));
        for (size_t i = 0; i < s->capseen; i++) {
            if (s->seen[i].key == NULL)
                continue;
            size_t k = fnv1a(s->seen[i].key) & (cap - 1);
            while (v[k].key != NULL)
                k = (k + 1) & (cap - 1);
            v[k] = s->seen[i];
        }
        free(s->seen);
        s->seen = v;
        s->capseen = cap;
    }
    size_t i = fnv1a(key) & (s->capseen - 1);
    while (s->seen[i].key != NULL)
        i = (i + 1) & (s->capseen - 1);
    s->seen[i].key = xstrdup(key);
    s->seen[i].pmid = xstrdup(pmid);
    s->nseen++;
}

/* Rebuilds the accepted set of this credential from the submission log. */
static void seen_load(struct sim *s, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        char id[128], cred[128], pmid[128], key[160];
        int attempt;
        if (sscanf(line, "%127s %d %127s %127s", id, &attempt, cred, pmid) != 4 ||
            strcmp(cred, s->env.credential_id) != 0)
            continue;
        snprintf(key, sizeof(key), "%s %d", id, attempt);
        seen_put(s, key, pmid);
    }
    fclose(f);
}

static int read_ratio(json_t *o, const char *k, double *out, char *err, size_t cap)
{
    json_t *v = json_object_get(o, k);
    if (v == NULL)
        return SH_OK;
    if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1) {
        snprintf(err, cap, "%s must be a number between 0 and 1", k);
        return SH_EINVAL;
    }
    *out = json_number_value(v);
    return SH_OK;
}

static int read_ms(json_t *o, const char *k, int *out, char *err, size_t cap)
{
    json_t *v = json_object_get(o, k);
    if (v == NULL)
        return SH_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 3600000) {
        snprintf(err, cap, "%s must be an integer between 0 and 3600000", k);
        return SH_EINVAL;
    }
    *out = (int)json_integer_value(v);
    return SH_OK;
}

static int parse_settings(const char *text, struct sim_settings *s, char *err, size_t cap)
{
    json_error_t jerr;
    json_t *o = NULL;
    int st = SH_OK;

    *s = (struct sim_settings){
        .latency_ms = 10, .sent_delay_ms = 50, .dlr_delay_ms = 200, .push_dlr = 1};
    if (text == NULL || *text == '\0')
        return SH_OK;
    o = json_loads(text, 0, &jerr);
    if (!json_is_object(o)) {
        snprintf(err, cap, "settings must be a JSON object");
        st = SH_EINVAL;
        goto out;
    }
    if ((st = read_ms(o, "latency_ms", &s->latency_ms, err, cap)) ||
        (st = read_ms(o, "sent_delay_ms", &s->sent_delay_ms, err, cap)) ||
        (st = read_ms(o, "dlr_delay_ms", &s->dlr_delay_ms, err, cap)) ||
        (st = read_ratio(o, "temp_fail_ratio", &s->temp_fail_ratio, err, cap)) ||
        (st = read_ratio(o, "throttle_ratio", &s->throttle_ratio, err, cap)) ||
        (st = read_ratio(o, "reject_ratio", &s->reject_ratio, err, cap)) ||
        (st = read_ratio(o, "undelivered_ratio", &s->undelivered_ratio, err, cap)) ||
        (st = read_ratio(o, "expired_ratio", &s->expired_ratio, err, cap)))
        goto out;
    json_t *p = json_object_get(o, "push_dlr");
    if (p != NULL) {
        if (!json_is_boolean(p)) {
            snprintf(err, cap, "push_dlr must be true or false");
            st = SH_EINVAL;
            goto out;
        }
        s->push_dlr = json_is_true(p);
    }
    json_t *early = json_object_get(o, "early_dlr");
    if (early != NULL) {
        if (!json_is_boolean(early)) {
            snprintf(err, cap, "early_dlr must be true or false");
            st = SH_EINVAL;
            goto out;
        }
        s->early_dlr = json_is_true(early);
    }
    if (s->sent_delay_ms > s->dlr_delay_ms)
        s->sent_delay_ms = s->dlr_delay_ms;
out:
    json_decref(o);
    return st;
}

static double uniform(void)
{
    return (double)randombytes_uniform(1000000) / 1000000.0;
}

/* Deterministic [0,1) from the pmid (FNV-1a), so push and poll agree. */
static double pmid_fraction(const char *pmid)
{
    return (double)(fnv1a(pmid) >> 11) / (double)(1ULL << 53);
}

static enum provider_dlr final_outcome(const struct sim *s, const char *pmid)
{
    double f = pmid_fraction(pmid);
    if (f < s->set.undelivered_ratio)
        return PROVIDER_DLR_UNDELIVERED;
    if (f < s->set.undelivered_ratio + s->set.expired_ratio)
        return PROVIDER_DLR_EXPIRED;
    return PROVIDER_DLR_DELIVERED;
}

static void op_unlink_free(struct sim_op *op)
{
    struct sim *s = op->sim;
    if (op->prev != NULL)
        op->prev->next = op->next;
    else
        s->ops = op->next;
    if (op->next != NULL)
        op->next->prev = op->prev;
    event_free(op->ev);
    free(op);
}

static void op_fire(evutil_socket_t fd, short what, void *arg);

static struct sim_op *op_new(struct sim *s, enum sim_op_kind kind, int delay_ms)
{
    struct sim_op *op = xcalloc(1, sizeof(*op));
    struct timeval tv = {.tv_sec = delay_ms / 1000, .tv_usec = (delay_ms % 1000) * 1000};
    op->sim = s;
    op->kind = kind;
    op->ev = evtimer_new(s->env.base, op_fire, op);
    op->next = s->ops;
    if (s->ops != NULL)
        s->ops->prev = op;
    s->ops = op;
    evtimer_add(op->ev, &tv);
    return op;
}

static void schedule_reports(struct sim *s, const char *pmid)
{
    struct sim_op *op;
    if (!s->set.push_dlr || s->env.report == NULL)
        return;
    op = op_new(s, SIM_REPORT, s->set.sent_delay_ms);
    op->dlr = PROVIDER_DLR_SENT;
    snprintf(op->pmid, sizeof(op->pmid), "%s", pmid);
    op = op_new(s, SIM_REPORT, s->set.dlr_delay_ms);
    op->dlr = final_outcome(s, pmid);
    snprintf(op->pmid, sizeof(op->pmid), "%s", pmid);
}

static void op_fire(evutil_socket_t fd, short what, void *arg)
{
    struct sim_op *op = arg;
    struct sim *s = op->sim;
    (void)fd;
    (void)what;

    switch (op->kind) {
    case SIM_SUBMIT:
        if (op->result.outcome == PROVIDER_ACCEPTED && s->set.early_dlr && s->env.report) {
            struct provider_report r = {.pmid = op->result.pmid,
                                        .status = final_outcome(s, op->result.pmid),
                                        .at = clock_now_ms()};
            s->env.report(s->env.report_arg, &r);
        }
        if (op->result.outcome == PROVIDER_ACCEPTED)
            schedule_reports(s, op->result.pmid);
        op->submit_cb(op->arg, &op->result);
        break;
    case SIM_REPORT: {
        struct provider_report r = {.pmid = op->pmid, .status = op->dlr, .at = clock_now_ms()};
        if (op->dlr == PROVIDER_DLR_UNDELIVERED)
            r.error_code = "sim-undeliverable";
        s->env.report(s->env.report_arg, &r);
        break;
    }
    case SIM_POLL: {
        struct provider_report r = {.pmid = op->pmid, .status = op->dlr, .at = clock_now_ms()};
        op->poll_cb(op->arg, &r);
        break;
    }
    }
    op_unlink_free(op);
}

static void log_submission(struct sim *s, const struct provider_msg *m, const char *pmid)
{
    char line[256];
    int n;
    if (s->logfd < 0)
        return;
    n = snprintf(line, sizeof(line), "%s %d %s %s %lld\n", m->id, m->attempt,
                 s->env.credential_id, pmid, (long long)clock_now_ms());
    if (n > 0 && (size_t)n < sizeof(line) && write(s->logfd, line, (size_t)n) < 0)
        log_msg(s->env.log, LOG_WARN, NULL, "simulator log write failed");
}

static void log_any_submit(struct sim *s, const struct provider_msg *m, enum provider_outcome o)
{
    static const char *const names[] = {"accepted", "rejected", "malformed",
                                        "temp_fail", "throttled", "expired"};
    char line[256];
    int n;
    if (s->allfd < 0)
        return;
    n = snprintf(line, sizeof(line), "%s %d %s %s %lld\n", m->id, m->attempt,
                 s->env.credential_id, names[o], (long long)clock_now_ms());
    if (n > 0 && (size_t)n < sizeof(line) && write(s->allfd, line, (size_t)n) < 0)
        log_msg(s->env.log, LOG_WARN, NULL, "simulator log write failed");
}

static int sim_submit(void *state, const struct provider_msg *m, provider_submit_cb cb, void *arg)
{
    struct sim *s = state;
    struct sim_op *op = op_new(s, SIM_SUBMIT, s->set.latency_ms);
    struct provider_result *r = &op->result;
    double u = uniform();

    op->submit_cb = cb;
    op->arg = arg;
    if (u < s->set.reject_ratio) {
        r->outcome = PROVIDER_REJECTED;
        snprintf(r->error_code, sizeof(r->error_code), "sim-rejected");
        snprintf(r->error_text, sizeof(r->error_text), "simulated permanent rejection");
    } else if (u < s->set.reject_ratio + s->set.temp_fail_ratio) {
        r->outcome = PROVIDER_TEMP_FAIL;
        snprintf(r->error_code, sizeof(r->error_code), "sim-temporary");
        snprintf(r->error_text, sizeof(r->error_text), "simulated temporary failure");
    } else if (u < s->set.reject_ratio + s->set.temp_fail_ratio + s->set.throttle_ratio) {
        r->outcome = PROVIDER_THROTTLED;
        snprintf(r->error_code, sizeof(r->error_code), "sim-throttled");
        snprintf(r->error_text, sizeof(r->error_text), "simulated throttling");
    } else {
        char key[160];
        const char *known = NULL;
        r->outcome = PROVIDER_ACCEPTED;
        if (s->logfd >= 0) {
            snprintf(key, sizeof(key), "%s %d", m->id, m->attempt);
            known = seen_find(s, key);
        }
        if (known != NULL) {
            /* the same reference again: the original answer, nothing sent twice */
            snprintf(r->pmid, sizeof(r->pmid), "%s", known);
        } else {
            /* sim-<accept time ms>-<message id>-<attempt>: see the file comment */
            snprintf(r->pmid, sizeof(r->pmid), "sim-%lld-%s-%d",
                     (long long)(clock_now_ms() + s->set.latency_ms), m->id, m->attempt);
            if (s->logfd >= 0) {
                log_submission(s, m, r->pmid);
                seen_put(s, key, r->pmid);
            }
        }
    }
    log_any_submit(s, m, r->outcome);
    return SH_OK;
}

static int sim_poll(void *state, const char *pmid, provider_poll_cb cb, void *arg)
{
    struct sim *s = state;
    long long accepted_at;
    int64_t now = clock_now_ms();
    enum provider_dlr dlr;

    if (sscanf(pmid, "sim-%lld-", &accepted_at) != 1)
        return SH_EINVAL;
    if (now >= accepted_at + s->set.dlr_delay_ms)
        dlr = final_outcome(s, pmid);
    else if (now >= accepted_at + s->set.sent_delay_ms)
        dlr = PROVIDER_DLR_SENT;
    else
        dlr = PROVIDER_DLR_NONE;
    struct sim_op *op = op_new(s, SIM_POLL, 0);
    op->poll_cb = cb;
    op->arg = arg;
    op->dlr = dlr;
    snprintf(op->pmid, sizeof(op->pmid), "%s", pmid);
    return SH_OK;
}

static int sim_open(const struct provider_env *env, const char *settings, char *err, size_t errcap,
                    void **state)
{
    struct sim *s = xcalloc(1, sizeof(*s));
    int st = parse_settings(settings, &s->set, err, errcap);
    if (st != SH_OK) {
        free(s);
        return st;
    }
    s->env = *env;
    s->logfd = -1;
    s->allfd = -1;
    if (env->simulator_log != NULL && *env->simulator_log != '\0') {
        seen_load(s, env->simulator_log);
        s->logfd = open(env->simulator_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (s->logfd < 0) {
            snprintf(err, errcap, "cannot open simulator log");
            free(s);
            return SH_EIO;
        }
        char all[1024];
        snprintf(all, sizeof(all), "%s.submits", env->simulator_log);
        s->allfd = open(all, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    }
    *state = s;
    return SH_OK;
}

static void sim_close(void *state)
{
    struct sim *s = state;
    if (s == NULL)
        return;
    while (s->ops != NULL)
        op_unlink_free(s->ops);
    if (s->logfd >= 0)
        close(s->logfd);
    if (s->allfd >= 0)
        close(s->allfd);
    for (size_t i = 0; i < s->capseen; i++) {
        free(s->seen[i].key);
        free(s->seen[i].pmid);
    }
    free(s->seen);
    free(s);
}

const struct provider_ops provider_simulator_ops = {
    .driver = "simulator",
    .open = sim_open,
    .close = sim_close,
    .submit = sim_submit,
    .poll_status = sim_poll,
};
