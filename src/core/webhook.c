/*
 * webhook.c — outbound status callbacks (SPEC §4.9). Deliveries are written by the store in
 * the same transaction as the status change (store_update.render_callback); this file
 * claims the due ones, signs them (core/webhook_sign.h) with the project's secret and POSTs
 * them through the HTTP transport on the engine loop. A 2xx ends a delivery; anything else
 * (status, timeout, refused connection) is retried with the configured backoff until the
 * give-up age, and every attempt is a webhook_attempts row. Attempts are recorded in batches
 * (one transaction for up to WH_DONE_MAX, written when the batch is full, when nothing is in
 * flight any more, or on the next tick), so the engine thread waits for one commit per
 * batch instead of one per callback; a delivery stays leased until its attempt is written.
 *
 * The project's secret is generated on first use, sealed with the master key (label
 * "webhook:<project id>") and stored in projects.webhook_secret; the owner reads it through
 * GET /v1/projects/{id}/webhook-secret.
 */
#include "core/engine_int.h"
#include "core/seal.h"
#include "core/webhook_sign.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "lib/xalloc.h"
#include "providers/http_transport.h"
#include "store/enginedata.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WH_MAX_INFLIGHT 128
#define WH_DONE_MAX 128
#define WH_CLAIM_EVERY_MS 1000
#define WH_KICK_MIN_MS 50
#define WH_SECRETS_MAX 1024
#define WH_SECRET_CAP 64

struct wh_secret {
    struct wh_secret *next;
    char project_id[48];
    char secret[WH_SECRET_CAP];
};

struct wh_done {
    struct store_webhook_attempt a;
    char id[48];
    char error[64];
};

struct webhooks {
    struct engine *e;
    struct wh_done done[WH_DONE_MAX]; /* attempts not yet written */
    int ndone;
    struct http_transport *http;
    int inflight;
    int kick_pending;
    int64_t last_claim;
    struct wh_secret *secrets;
    int nsecrets;
    struct wh_job *jobs;
};

struct wh_job {
    struct wh_job *prev, *next; /* jobs in flight */
    struct webhooks *w;
    char id[48];
    int attempt;
    int64_t created_at;
};

/* ---- secrets ----------------------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Opens the stored secret of rows (hex, key id) into out. SH_ENOTFOUND when none is set. */
static int open_stored(const struct sealer *sealer, const char *project_id,
                       const struct store_rows *rows, char *out, size_t cap)
{
    const char *hex = store_cell(rows, 0, 0), *kid = store_cell(rows, 0, 1);
    char label[80];
    size_t n;
    unsigned char *ct;
    char *pt = NULL;
    size_t ptlen = 0;
    int st;

    if (hex == NULL || *hex == '\0' || kid == NULL)
        return SH_ENOTFOUND;
    n = strlen(hex) / 2;
    ct = xmalloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(ct);
            return SH_EINVAL;
        }
        ct[i] = (unsigned char)(hi << 4 | lo);
    }
    snprintf(label, sizeof(label), "webhook:%s", project_id);
    st = seal_open(sealer, kid, label, ct, n, &pt, &ptlen);
    free(ct);
    if (st != SH_OK)
        return st;
    if (ptlen + 1 > cap)
        st = SH_EINVAL;
    else
        memcpy(out, pt, ptlen + 1);
    seal_wipe_free(pt, ptlen);
    return st;
}

int engine_webhook_secret(struct store *store, const struct sealer *sealer,
                          const char *project_id, char *out, size_t cap)
{
    struct arena a;
    struct store_rows rows = {0};
    int st;

    if (sealer == NULL || sealer->n == 0)
        return SH_EINVAL;
    arena_init(&a);
    st = store_webhook_secret_get(store, project_id, &a, &rows);
    if (st == SH_OK)
        st = open_stored(sealer, project_id, &rows, out, cap);
    if (st == SH_ENOTFOUND && rows.n == 1) {
        /* none yet: make one; the first writer wins and everyone reads that one */
        unsigned char raw[32], *sealed = NULL;
        char text[WH_SECRET_CAP], label[80], kid[SEAL_KEY_ID_LEN];
        size_t slen = 0;
        randombytes_buf(raw, sizeof(raw));
        memcpy(text, "whsec_", 6);
        base64url_encode(raw, sizeof(raw), text + 6);
        sodium_memzero(raw, sizeof(raw));
        snprintf(label, sizeof(label), "webhook:%s", project_id);
        st = seal_seal(sealer, label, text, strlen(text), &sealed, &slen, kid);
        sodium_memzero(text, sizeof(text));
        if (st == SH_OK)
            st = store_webhook_secret_init(store, project_id, sealed, slen, kid, clock_now_ms());
        free(sealed);
        if (st == SH_OK) {
            rows = (struct store_rows){0};
            st = store_webhook_secret_get(store, project_id, &a, &rows);
            if (st == SH_OK)
                st = open_stored(sealer, project_id, &rows, out, cap);
        }
    }
    arena_release(&a);
    return st;
}

/* The cached secret of a project, loading it on a miss. NULL when it cannot be had. */
static const char *secret_for(struct webhooks *w, const char *project_id)
{
    for (struct wh_secret *s = w->secrets; s != NULL; s = s->next) {
        if (strcmp(s->project_id, project_id) == 0)
            return s->secret;
    }
    struct wh_secret *s = xcalloc(1, sizeof(*s));
    if (engine_webhook_secret(w->e->store, w->e->cfg.sealer, project_id, s->secret,
                              sizeof(s->secret)) != SH_OK) {
        free(s);
        return NULL;
    }
    snprintf(s->project_id, sizeof(s->project_id), "%s", project_id);
    if (w->nsecrets >= WH_SECRETS_MAX) { /* forget the cache rather than grow it */
        while (w->secrets != NULL) {
            struct wh_secret *x = w->secrets;
            w->secrets = x->next;
            sodium_memzero(x, sizeof(*x));
            free(x);
        }
        w->nsecrets = 0;
    }
    s->next = w->secrets;
    w->secrets = s;
    w->nsecrets++;
    return s->secret;
}

/* ---- deliveries -------------------------------------------------------------------------- */

/* Writes the attempts collected so far in one transaction. */
static void flush_done(struct webhooks *w)
{
    struct store_webhook_attempt v[WH_DONE_MAX];
    if (w->ndone == 0)
        return;
    for (int i = 0; i < w->ndone; i++) {
        v[i] = w->done[i].a;
        v[i].delivery_id = w->done[i].id;
        if (v[i].error != NULL)
            v[i].error = w->done[i].error;
    }
    if (store_webhook_attempts_add(w->e->store, v, (size_t)w->ndone) != SH_OK)
        log_msg(w->e->log, LOG_ERROR, NULL,
                "%d callback attempts not recorded (their deliveries are sent again)", w->ndone);
    w->ndone = 0;
}

static void record(struct webhooks *w, const struct wh_job *j, int status, const char *error,
                   int64_t duration_ms)
{
    struct engine *e = w->e;
    int64_t now = clock_now_ms();
    int ok = status >= 200 && status < 300;
    struct store_webhook_attempt a = {
        .delivery_id = j->id,
        .n = j->attempt,
        .at = now,
        .http_status = status,
        .error = ok ? NULL : error,
        .duration_ms = duration_ms,
        .state = ok ? 1 : 0,
    };
    char errbuf[64];
    if (!ok && error == NULL) {
        snprintf(errbuf, sizeof(errbuf), "HTTP %d", status);
        a.error = errbuf;
    }
    if (!ok) {
        int nb = e->cfg.webhook_nbackoff;
        int k = j->attempt - 1;
        int64_t delay = nb > 0 ? e->cfg.webhook_backoff_ms[k < nb ? k : nb - 1] : 60000;
        if (now + delay - j->created_at > e->cfg.webhook_give_up_ms) {
            a.state = 2; /* given up */
            log_msg(e->log, LOG_WARN, NULL, "callback delivery %s given up after %d attempts",
                    j->id, j->attempt);
        } else {
            a.due_at = now + delay;
        }
    }
    if (w->ndone == WH_DONE_MAX)
        flush_done(w);
    struct wh_done *d = &w->done[w->ndone++];
    d->a = a;
    snprintf(d->id, sizeof(d->id), "%s", j->id);
    snprintf(d->error, sizeof(d->error), "%s", a.error ? a.error : "");
    if (w->ndone == WH_DONE_MAX || w->inflight == 0)
        flush_done(w);
}

static void on_done(void *arg, const struct http_result *r)
{
    struct wh_job *j = arg;
    struct webhooks *w = j->w;
    w->inflight--;
    if (j->prev != NULL)
        j->prev->next = j->next;
    else
        w->jobs = j->next;
    if (j->next != NULL)
        j->next->prev = j->prev;
    record(w, j, r->status, r->error, r->duration_ms);
    free(j);
}

static void send_one(struct webhooks *w, const struct store_rows *rows, size_t i)
{
    const char *id = store_cell(rows, i, 0), *pid = store_cell(rows, i, 1);
    const char *url = store_cell(rows, i, 2), *body = store_cell(rows, i, 3);
    struct wh_job *j = xcalloc(1, sizeof(*j));
    char sig[WEBHOOK_SIG_MAX], h_sig[WEBHOOK_SIG_MAX + 32], h_id[96], h_att[64];
    const char *secret;

    j->w = w;
    snprintf(j->id, sizeof(j->id), "%s", id);
    j->attempt = (int)store_cell_int(rows, i, 4) + 1;
    j->created_at = store_cell_int(rows, i, 5);
    secret = secret_for(w, pid);
    if (secret == NULL) {
        record(w, j, 0, "no webhook secret (master key?)", 0);
        free(j);
        return;
    }
    webhook_sign((const unsigned char *)secret, strlen(secret), clock_now_ms() / 1000, body,
                 strlen(body), sig, sizeof(sig));
    snprintf(h_sig, sizeof(h_sig), "X-Smshub-Signature: %s", sig);
    snprintf(h_id, sizeof(h_id), "X-Smshub-Delivery: %s", id);
    snprintf(h_att, sizeof(h_att), "X-Smshub-Attempt: %d", j->attempt);
    const char *headers[] = {"Content-Type: application/json", "User-Agent: smshub-callbacks/1",
                             h_sig, h_id, h_att, NULL};
    struct http_request req = {
        .method = "POST",
        .url = url,
        .headers = headers,
        .body = body,
        .body_len = strlen(body),
        .timeout_ms = w->e->cfg.webhook_timeout_ms,
    };
    if (w->http == NULL || http_request(w->http, &req, on_done, j) != SH_OK) {
        record(w, j, 0, "request could not start", 0);
        free(j);
        return;
    }
    w->inflight++;
    j->next = w->jobs;
    if (w->jobs != NULL)
        w->jobs->prev = j;
    w->jobs = j;
}

void webhooks_tick(struct webhooks *w, int kick)
{
    struct engine *e = w->e;
    int64_t now = clock_now_ms();
    struct arena a;
    struct store_rows rows = {0};

    if (kick && now - w->last_claim < WH_KICK_MIN_MS) {
        w->kick_pending = 1;
        return;
    }
    flush_done(w);
    if (!kick && !w->kick_pending && now - w->last_claim < WH_CLAIM_EVERY_MS)
        return;
    if (w->inflight >= WH_MAX_INFLIGHT)
        return;
    w->kick_pending = 0;
    w->last_claim = now;
    arena_init(&a);
    /* the limit before sending: send_one raises inflight, so comparing afterwards never saw a
     * full claim and the next one waited for the 1 s tick (32 callbacks a second at most) */
    int limit = WH_MAX_INFLIGHT - w->inflight;
    int64_t lease = e->cfg.webhook_timeout_ms + 30000;
    if (store_webhooks_claim(e->store, now, lease, limit, &a, &rows) == SH_OK) {
        for (size_t i = 0; i < rows.n; i++)
            send_one(w, &rows, i);
        if (rows.n == (size_t)limit)
            w->kick_pending = 1;
    }
    arena_release(&a);
}

struct webhooks *webhooks_new(struct engine *e)
{
    struct webhooks *w = xcalloc(1, sizeof(*w));
    w->e = e;
    w->http = http_transport_new(e->base);
    if (w->http == NULL)
        log_msg(e->log, LOG_ERROR, NULL, "libcurl did not start: callbacks will not be sent");
    return w;
}

int webhooks_busy(const struct webhooks *w)
{
    return w->inflight > 0;
}

void webhooks_free(struct webhooks *w)
{
    if (w == NULL)
        return;
    flush_done(w);                /* the store outlives the engine */
    http_transport_free(w->http); /* pending jobs' callbacks are dropped: free them here */
    while (w->jobs != NULL) {
        struct wh_job *j = w->jobs;
        w->jobs = j->next;
        free(j);
    }
    while (w->secrets != NULL) {
        struct wh_secret *x = w->secrets;
        w->secrets = x->next;
        sodium_memzero(x, sizeof(*x));
        free(x);
    }
    free(w);
}
