/*
 * faulty.c — TEST ONLY driver `faulty`: the simulator with injected faults.
 *
 * Refuses to open unless SMSHUB_TEST_HOOKS=1 is set in the daemon's environment, so a
 * production hub can never be configured with it. Settings: every simulator setting (passed
 * through as they are), plus, all optional (call numbers are 1-based, per driver instance):
 *   fault_submit N, fault_submit_mode   the Nth submit:
 *       "temp_fail"    answered temp-fail without reaching the simulator
 *       "error"        submit() itself returns an error (the driver could not start it)
 *       "no_callback"  the simulator takes (and logs) it, but the answer never comes back
 *       "late"         the simulator takes it; its answer reaches the engine fault_delay_ms
 *                      after the simulator gave it (past the engine's watchdog in tests)
 *   fault_report N, fault_report_mode   the Nth pushed receipt:
 *       "duplicate"    delivered, then delivered again fault_delay_ms later
 *       "drop"         never delivered (the engine's poll has to find it)
 *   fault_poll N, fault_poll_mode       the Nth poll: "fail" (answer r == NULL), "error"
 *   fault_delay_ms                      delay of the duplicate receipt (default 200)
 * A late duplicate *submit* callback is not offered: the driver contract (provider.h) says
 * the callback runs exactly once, and the engine frees its context after it.
 */
#include "providers/provider.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct provider_ops provider_simulator_ops;

enum fs_kind {
    FS_NONE,
    FS_TEMP_FAIL,
    FS_ERROR,
    FS_NO_CALLBACK,
    FS_LATE,
    FS_DUPLICATE,
    FS_DROP,
    FS_FAIL
};

struct fs_rule {
    long n;
    enum fs_kind kind;
};

struct fs_op {
    struct fs_op *prev, *next;
    struct fsim *f;
    struct event *ev;
    provider_submit_cb submit_cb; /* a temp-fail answer to deliver (or `late` when has_late) */
    struct provider_result late;
    int has_late;
    provider_poll_cb poll_cb;     /* or a failed poll (r == NULL) */
    void *arg;
    struct provider_report rep; /* or a duplicate receipt to deliver (pmid in pmid[]) */
    char pmid[96];
    char code[32];
};

struct swallow {
    struct fsim *f;
    provider_submit_cb cb; /* "late": the engine's callback, answered later */
    void *arg;
};

struct fsim {
    struct provider_env env;   /* the engine's */
    struct provider_env inner_env;
    void *sim;
    struct fs_rule submit, report, poll;
    int delay_ms;
    long nsubmit, nreport, npoll;
    struct fs_op *ops;
};

static void op_free(struct fs_op *op)
{
    struct fsim *f = op->f;
    if (op->prev != NULL)
        op->prev->next = op->next;
    else
        f->ops = op->next;
    if (op->next != NULL)
        op->next->prev = op->prev;
    event_free(op->ev);
    free(op);
}

static void op_fire(evutil_socket_t fd, short what, void *arg)
{
    struct fs_op *op = arg;
    struct fsim *f = op->f;
    (void)fd;
    (void)what;
    if (op->submit_cb != NULL && op->has_late) {
        log_msg(f->env.log, LOG_WARN, NULL, "fault injection: late submit answer delivered now");
        op->submit_cb(op->arg, &op->late);
    } else if (op->submit_cb != NULL) {
        struct provider_result r = {.outcome = PROVIDER_TEMP_FAIL};
        snprintf(r.error_code, sizeof(r.error_code), "fault-temporary");
        snprintf(r.error_text, sizeof(r.error_text), "injected temporary failure");
        op->submit_cb(op->arg, &r);
    } else if (op->poll_cb != NULL) {
        op->poll_cb(op->arg, NULL);
    } else {
        op->rep.pmid = op->pmid;
        op->rep.error_code = op->code[0] ? op->code : NULL;
        f->env.report(f->env.report_arg, &op->rep);
    }
    op_free(op);
}

static struct fs_op *op_new(struct fsim *f, int delay_ms)
{
    struct fs_op *op = xcalloc(1, sizeof(*op));
    struct timeval tv = {.tv_sec = delay_ms / 1000, .tv_usec = (delay_ms % 1000) * 1000};
    op->f = f;
    op->ev = evtimer_new(f->env.base, op_fire, op);
    op->next = f->ops;
    if (f->ops != NULL)
        f->ops->prev = op;
    f->ops = op;
    evtimer_add(op->ev, &tv);
    return op;
}

/* The simulator's pushed receipts pass through here on their way to the engine. */
static void on_inner_report(void *arg, const struct provider_report *r)
{
    struct fsim *f = arg;
    if (++f->nreport == f->report.n) {
        log_msg(f->env.log, LOG_WARN, NULL, "fault injection: receipt %ld for %s %s", f->nreport,
                r->pmid, f->report.kind == FS_DROP ? "dropped" : "duplicated");
        if (f->report.kind == FS_DROP)
            return;
        struct fs_op *op = op_new(f, f->delay_ms);
        op->rep = *r;
        snprintf(op->pmid, sizeof(op->pmid), "%s", r->pmid ? r->pmid : "");
        snprintf(op->code, sizeof(op->code), "%s", r->error_code ? r->error_code : "");
    }
    f->env.report(f->env.report_arg, r);
}

static int parse_rule(json_t *o, const char *nkey, const char *mkey, const char *const *modes,
                      const enum fs_kind *kinds, struct fs_rule *out, char *err, size_t cap)
{
    json_t *n = json_object_get(o, nkey), *m = json_object_get(o, mkey);
    out->n = 0;
    out->kind = FS_NONE;
    if (n == NULL)
        return SH_OK;
    if (!json_is_integer(n) || json_integer_value(n) < 1 || !json_is_string(m)) {
        snprintf(err, cap, "%s must be an integer >= 1 and %s a string", nkey, mkey);
        return SH_EINVAL;
    }
    for (int i = 0; modes[i] != NULL; i++) {
        if (strcmp(json_string_value(m), modes[i]) == 0) {
            out->n = (long)json_integer_value(n);
            out->kind = kinds[i];
            return SH_OK;
        }
    }
    snprintf(err, cap, "%s: unknown mode", mkey);
    return SH_EINVAL;
}

static int parse_faults(struct fsim *f, const char *settings, char *err, size_t cap)
{
    static const char *const sub_modes[] = {"temp_fail", "error", "no_callback", "late", NULL};
    static const enum fs_kind sub_kinds[] = {FS_TEMP_FAIL, FS_ERROR, FS_NO_CALLBACK, FS_LATE};
    static const char *const rep_modes[] = {"duplicate", "drop", NULL};
    static const enum fs_kind rep_kinds[] = {FS_DUPLICATE, FS_DROP};
    static const char *const poll_modes[] = {"fail", "error", NULL};
    static const enum fs_kind poll_kinds[] = {FS_FAIL, FS_ERROR};
    json_error_t jerr;
    json_t *o = json_loads(settings ? settings : "{}", 0, &jerr);
    int st = SH_EINVAL;

    f->delay_ms = 200;
    if (!json_is_object(o)) {
        snprintf(err, cap, "settings must be a JSON object");
        goto out;
    }
    if (parse_rule(o, "fault_submit", "fault_submit_mode", sub_modes, sub_kinds, &f->submit, err,
                   cap) != SH_OK ||
        parse_rule(o, "fault_report", "fault_report_mode", rep_modes, rep_kinds, &f->report, err,
                   cap) != SH_OK ||
        parse_rule(o, "fault_poll", "fault_poll_mode", poll_modes, poll_kinds, &f->poll, err,
                   cap) != SH_OK)
        goto out;
    json_t *d = json_object_get(o, "fault_delay_ms");
    if (d != NULL) {
        if (!json_is_integer(d) || json_integer_value(d) < 0 ||
            json_integer_value(d) > 600000) {
            snprintf(err, cap, "fault_delay_ms must be an integer between 0 and 600000");
            goto out;
        }
        f->delay_ms = (int)json_integer_value(d);
    }
    st = SH_OK;
out:
    json_decref(o);
    return st;
}

static int fs_open(const struct provider_env *env, const char *settings, char *err,
                   size_t errcap, void **state)
{
    const char *hooks = getenv("SMSHUB_TEST_HOOKS");
    struct fsim *f;
    if (hooks == NULL || strcmp(hooks, "1") != 0) {
        snprintf(err, errcap, "the faulty driver is a test hook (needs SMSHUB_TEST_HOOKS=1)");
        return SH_EINVAL;
    }
    f = xcalloc(1, sizeof(*f));
    f->env = *env;
    if (parse_faults(f, settings, err, errcap) != SH_OK) {
        free(f);
        return SH_EINVAL;
    }
    f->inner_env = *env;
    f->inner_env.report = on_inner_report;
    f->inner_env.report_arg = f;
    int st = provider_simulator_ops.open(&f->inner_env, settings, err, errcap, &f->sim);
    if (st != SH_OK) {
        free(f);
        return st;
    }
    *state = f;
    return SH_OK;
}

static void fs_close(void *state)
{
    struct fsim *f = state;
    if (f == NULL)
        return;
    provider_simulator_ops.close(f->sim);
    while (f->ops != NULL)
        op_free(f->ops);
    free(f);
}

static void swallow_answer(void *arg, const struct provider_result *r)
{
    struct swallow *w = arg;
    if (w->cb != NULL) { /* "late": hand it over after the delay */
        struct fs_op *op = op_new(w->f, w->f->delay_ms);
        op->submit_cb = w->cb;
        op->arg = w->arg;
        op->late = *r;
        op->has_late = 1;
        free(w);
        return;
    }
    log_msg(w->f->env.log, LOG_WARN, NULL,
            "fault injection: submit answer (outcome %d, pmid %s) never reaches the engine",
            (int)r->outcome, r->pmid);
    free(w);
}

static int fs_submit(void *state, const struct provider_msg *m, provider_submit_cb cb, void *arg)
{
    struct fsim *f = state;
    if (++f->nsubmit != f->submit.n)
        return provider_simulator_ops.submit(f->sim, m, cb, arg);
    log_msg(f->env.log, LOG_WARN, NULL, "fault injection: submit %ld of %s (attempt %d) fails",
            f->nsubmit, m->id, m->attempt);
    switch (f->submit.kind) {
    case FS_ERROR:
        return SH_EIO;
    case FS_NO_CALLBACK:
    case FS_LATE: {
        struct swallow *w = xcalloc(1, sizeof(*w));
        w->f = f;
        if (f->submit.kind == FS_LATE) {
            w->cb = cb;
            w->arg = arg;
        }
        int st = provider_simulator_ops.submit(f->sim, m, swallow_answer, w);
        if (st != SH_OK)
            free(w);
        return SH_OK; /* the engine waits for an answer that never comes */
    }
    default: {
        struct fs_op *op = op_new(f, 0);
        op->submit_cb = cb;
        op->arg = arg;
        return SH_OK;
    }
    }
}

static int fs_poll(void *state, const char *pmid, provider_poll_cb cb, void *arg)
{
    struct fsim *f = state;
    if (++f->npoll != f->poll.n)
        return provider_simulator_ops.poll_status(f->sim, pmid, cb, arg);
    log_msg(f->env.log, LOG_WARN, NULL, "fault injection: poll %ld of %s fails", f->npoll, pmid);
    if (f->poll.kind == FS_ERROR)
        return SH_EIO;
    struct fs_op *op = op_new(f, 0); /* "fail": the poll itself failed (r == NULL) */
    op->poll_cb = cb;
    op->arg = arg;
    return SH_OK;
}

const struct provider_ops provider_faulty_ops = {
    .driver = "faulty",
    .open = fs_open,
    .close = fs_close,
    .submit = fs_submit,
    .poll_status = fs_poll,
};
