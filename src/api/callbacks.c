/*
 * callbacks.c — POST|GET /v1/callbacks/{driver}/{credential_token}: delivery receipts and
 * inbound messages a provider pushes (SPEC §3.2, src/providers/http/README). No
 * authentication: the unguessable token identifies the credential, and the dialect checks the
 * vendor's signature with the credential's own secrets. Receipts go to the engine
 * (engine_report), matched by our own message id when the vendor echoes it and it names a
 * message sent through this credential, else by the provider id. Inbound messages are stored
 * as inbound messages (direction 1, final status `delivered`, never dispatched) of the
 * credential's project, once per provider id; the answer is whatever the vendor expects (the
 * dialect says).
 */
#include "api/api.h"
#include "core/credential.h"
#include "core/engine.h"
#include "core/inbound.h"
#include "core/seal.h"
#include "core/message_state.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "lib/xalloc.h"
#include "providers/http/dialect.h"
#include "store/credentials.h"
#include "store/store.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX_LEN 128

/* Headers a dialect may read (dialect.h: names case-insensitive). */
static const char *const cb_headers[] = {"Content-Type", "X-Twilio-Signature", "Authorization",
                                         "User-Agent", NULL};

static int not_found(struct http_req *r)
{
    http_problem(r, 404, "not_found", "Not found", "no such callback", NULL);
    return HTTP_DONE;
}

/* The receipt's own message reference is applied only to a message of this credential. */
static int ref_is_ours(struct http_req *r, const struct store_credential *c, const char *ref)
{
    struct store_message m;
    if (strlen(ref) > 64 ||
        store_message_get(r->api->store, c->project_id, ref, &r->arena, &m) != SH_OK)
        return 0;
    return m.direction == 0 && m.credential_id != NULL && strcmp(m.credential_id, c->id) == 0;
}

/* An inbound message on its way to the store (fire and forget: the vendor is answered now). */
struct mo_job {
    struct arena a;
    struct store_message m;
    struct store_accept acc;
};

static void mo_done(void *arg, int status)
{
    struct mo_job *j = arg;
    (void)status; /* SH_EEXIST for the vendor's repeat of one already stored */
    arena_release(&j->a);
    free(j);
}

static void store_mo(struct http_req *r, const struct store_credential *c,
                     const struct provider_mo *mo)
{
    int64_t now = clock_now_ms();
    struct mo_job *j = xcalloc(1, sizeof(*j));
    arena_init(&j->a);
    inbound_fill(&j->a, mo, c->project_id, c->provider_id, c->id, now, &j->m, &j->acc);
    if (mo->pmid != NULL && *mo->pmid != '\0') {
        /* the vendor repeats a callback it thinks failed: one row per provider id */
        j->acc.idem_key = arena_printf(&j->a, "mo:%s:%.100s", c->id, mo->pmid);
        crypto_hash_sha256(j->acc.req_hash, (const unsigned char *)j->acc.idem_key,
                           strlen(j->acc.idem_key));
    }
    if (store_accept(r->api->store, &j->acc, 1, mo_done, j) != SH_OK) {
        log_msg(r->api->log, LOG_WARN, NULL, "credential %s: inbound message not stored", c->id);
        mo_done(j, SH_EIO);
    }
}

static void apply(struct http_req *r, const struct store_credential *c,
                  const struct dialect_callback *cb)
{
    if (cb->kind == DIALECT_CB_DLR) {
        struct provider_report rep = cb->dlr;
        if (rep.pmid != NULL && *rep.pmid == '\0')
            rep.pmid = NULL;
        if (rep.ref != NULL && !ref_is_ours(r, c, rep.ref))
            rep.ref = NULL;
        else if (rep.ref != NULL)
            rep.pmid = NULL; /* our own id, checked: exact even where the vendor's id is not
                              * (an Eskiz batch's request id, a Vonage part's own id) */
        if ((rep.pmid != NULL || rep.ref != NULL) && r->api->engine != NULL &&
            engine_report(r->api->engine, c->id, &rep) != SH_OK)
            log_msg(r->api->log, LOG_WARN, NULL,
                    "credential %s: a receipt arrived while the engine is stopped", c->id);
    } else if (cb->kind == DIALECT_CB_MO) {
        store_mo(r, c, &cb->mo);
    }
}

int api_provider_callback(struct http_req *r)
{
    const char *driver = r->params[0], *token = r->params[1];
    struct store_credential c;
    const struct dialect *d = dialect_find(driver);
    char *url = NULL, *settings = NULL, err[160] = "";
    void *cfg = NULL;
    int rc = HTTP_DONE;

    if (d == NULL || strlen(token) > TOKEN_MAX_LEN)
        return not_found(r);
    int st = store_cred_by_callback_token(r->api->store, token, &r->arena, &c);
    if (st == SH_ENOTFOUND || (st == SH_OK && strcmp(c.driver, driver) != 0))
        return not_found(r);
    if (st != SH_OK) {
        http_problem(r, 503, "unavailable", "Store unavailable", NULL, NULL);
        return HTTP_DONE;
    }
    url = cred_callback_url(r->api->public_url, &c);
    settings = cred_row_settings(r->api->sealer, r->api->log, &c, url);
    if (settings == NULL || d->config_new(settings, err, sizeof(err), &cfg) != SH_OK) {
        log_msg(r->api->log, LOG_ERROR, NULL, "credential %s: callback: cannot configure: %s", c.id,
                settings == NULL ? "secrets" : "settings");
        http_problem(r, 503, "unavailable", "Credential not usable", NULL, NULL);
        goto out;
    }

    struct dialect_kv hdr[8];
    size_t nh = 0;
    for (const char *const *h = cb_headers; *h != NULL; h++) {
        const char *v = http_req_header(r, *h);
        if (v != NULL)
            hdr[nh++] = (struct dialect_kv){.name = *h, .value = v};
    }
    struct dialect_in in = {
        .method = r->method,
        .url = arena_printf(&r->arena, "%s%s", r->api->public_url ? r->api->public_url : "",
                            r->target ? r->target : r->path),
        .header = hdr,
        .nheader = nh,
        .body = r->body ? r->body : "",
        .body_len = r->body_len,
    };
    struct dialect_callback cb;
    memset(&cb, 0, sizeof(cb));
    st = d->parse_callback(cfg, &in, clock_now_ms(), &r->arena, &cb);
    if (st == SH_OK) {
        apply(r, &c, &cb);
    } else {
        log_msg(r->api->log, LOG_WARN, NULL, "credential %s: callback refused (%s): %s", c.id,
                sh_strerror(st), cb.why != NULL ? cb.why : "-");
    }
    int status = cb.answer_status > 0 ? cb.answer_status : (st == SH_OK ? 200 : 400);
    const char *body = cb.answer_body != NULL ? cb.answer_body : "";
    http_reply_raw(r, (unsigned)status, cb.answer_ctype ? cb.answer_ctype : "text/plain", body,
                   strlen(body));
out:
    if (cfg != NULL)
        d->config_free(cfg);
    if (settings != NULL)
        seal_wipe_free(settings, strlen(settings));
    free(url);
    return rc;
}
