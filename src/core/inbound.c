/*
 * inbound.c — the engine's door for inbound (mobile-originated) messages a driver receives
 * in-band (SMPP deliver_sm): env->inbound of every driver instance. The message is stored as
 * an inbound message of the credential's project (direction 1, final status `delivered`,
 * never dispatched), exactly like the HTTP callback route stores a vendor's inbound push.
 * The driver hears the outcome (on the engine thread) only once the row is durable, so it can
 * acknowledge the provider then. The driver instance is kept open (driver_inflight) and the
 * engine's drain waits (flushing) until every answer is given.
 */
#include "core/engine_int.h"
#include "core/inbound.h"
#include "core/message_state.h"
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "lib/xalloc.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

void inbound_fill(struct arena *a, const struct provider_mo *mo, const char *project_id,
                  const char *provider_id, const char *credential_id, int64_t now,
                  struct store_message *m, struct store_accept *acc)
{
    char id[ID_MAX];
    memset(m, 0, sizeof(*m));
    memset(acc, 0, sizeof(*acc));
    m->id = arena_strdup(a, id_new("msg", now, id, sizeof(id)));
    m->project_id = arena_strdup(a, project_id);
    m->direction = 1;
    m->status = MSG_DELIVERED;
    m->to = arena_strdup(a, mo->to != NULL ? mo->to : "");
    m->from = arena_strdup(a, mo->from != NULL ? mo->from : "");
    m->body = arena_strdup(a, mo->text != NULL ? mo->text : "");
    m->encoding = mo->encoding;
    m->segments = mo->concat_total > 0 ? mo->concat_total : 1;
    m->provider = arena_strdup(a, provider_id);
    m->credential_id = arena_strdup(a, credential_id);
    if (mo->metadata != NULL)
        m->metadata = arena_strdup(a, mo->metadata);
    m->created_at = mo->at > 0 ? mo->at : now;
    m->updated_at = now;
    m->due_at = 0; /* final: never claimed */
    acc->msg = m;
    acc->now = now;
    acc->response_status = 200;
    acc->response_body = "{}";
}

struct inb_job {
    struct arena a;
    struct store_message m;
    struct store_accept acc;
    struct eng_cred *cred;
    provider_inbound_done_cb done;
    void *done_arg;
    int status;
};

static void inb_finish(struct engine *e, void *arg)
{
    struct inb_job *j = arg;
    e->flushing--;
    j->cred->driver_inflight--;
    if (j->status != SH_OK)
        log_msg(e->log, LOG_WARN, NULL, "credential %s: inbound message not stored: %s",
                j->cred->id, sh_strerror(j->status));
    if (j->done != NULL)
        j->done(j->done_arg, j->status);
    arena_release(&j->a);
    free(j);
}

/* Writer thread. */
static void inb_stored(void *arg, int status)
{
    struct inb_job *j = arg;
    j->status = status == SH_OK ? j->acc.result : status;
    engine_post(j->cred->engine, inb_finish, j);
}

int dispatch_inbound(void *arg, const struct provider_mo *mo, provider_inbound_done_cb done,
                     void *done_arg)
{
    struct eng_cred *c = arg;
    struct engine *e = c->engine;
    int64_t now = clock_now_ms();

    if (e->stopping || mo == NULL)
        return SH_EIO;
    struct inb_job *j = xcalloc(1, sizeof(*j));
    arena_init(&j->a);
    inbound_fill(&j->a, mo, c->project_id, c->provider_id, c->id, now, &j->m, &j->acc);
    j->cred = c;
    j->done = done;
    j->done_arg = done_arg;
    c->driver_inflight++;
    e->flushing++;
    if (store_accept(e->store, &j->acc, 1, inb_stored, j) != SH_OK) {
        c->driver_inflight--;
        e->flushing--;
        arena_release(&j->a);
        free(j);
        return SH_EIO;
    }
    return SH_OK;
}
