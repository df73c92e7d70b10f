/*
 * store_test.c — the store suite: store.h's contracts, run against one backend URL.
 *
 * store_suite(url) runs every case on SMSHUB_TEST_DB when set (an empty database; the same
 * cases are meant for PostgreSQL once pg.c exists), else on a temporary SQLite file. The cases
 * share that database, so each works in its own project or first drains the due queue; none
 * assumes another's rows are absent. Async calls are awaited on a condition variable with a
 * deadline, never by sleeping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/message_state.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/store.h"
#include "store/enginedata.h"

#define LEASE 10000
#define PHONE_X "+998901234567"
#define PHONE_Y "+998901234568"
#define NOID "msg_00000000000000000000000000"

enum {
    Q = MSG_QUEUED,
    SUB = MSG_SUBMITTED,
    SENT = MSG_SENT,
    DLV = MSG_DELIVERED,
    KEEP = STORE_KEEP
};

extern const int sqlite_migrations_count;

struct fx {
    const char *url;
    struct log lg;
    struct store *s;
    int first_applied;
    struct store_bootstrap boot;
    char ids[4][ID_MAX]; /* the bootstrap's user, project, key and credential ids */
};

/* ---- helpers ----------------------------------------------------------------------------- */

static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;

struct done {
    int calls, status;
};

static void on_done(void *arg, int status)
{
    struct done *d = arg;
    pthread_mutex_lock(&done_mu);
    d->calls++;
    d->status = status;
    pthread_cond_broadcast(&done_cv);
    pthread_mutex_unlock(&done_mu);
}

/* Waits (30 s at most) for d's callback after the call returned rc; returns its status. */
static int wait_done(struct done *d, int rc)
{
    struct timespec until;
    assert_int_equal(rc, SH_OK);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    pthread_mutex_lock(&done_mu);
    while (d->calls == 0 && pthread_cond_timedwait(&done_cv, &done_mu, &until) == 0)
        ;
    int calls = d->calls, status = d->status;
    pthread_mutex_unlock(&done_mu);
    if (calls == 0)
        fail_msg("no callback within 30 s");
    return status;
}

static int accept_sync(struct store *s, struct store_accept *r, size_t n)
{
    struct done d = {0};
    return wait_done(&d, store_accept(s, r, n, on_done, &d));
}

static int update_sync(struct store *s, struct store_update *u, size_t n)
{
    struct done d = {0};
    return wait_done(&d, store_update(s, u, n, on_done, &d));
}

/* Claims at now with LEASE; the caller releases c->arena. */
static void claim_sync(struct store *s, struct store_claim *c, int64_t now, int limit,
                       const char *owner)
{
    struct done d = {0};
    *c = (struct store_claim){.now = now, .limit = limit, .lease_ms = LEASE, .owner = owner};
    assert_int_equal(wait_done(&d, store_claim(s, c, on_done, &d)), SH_OK);
}

/* An update of message id, or (id NULL) of the message with provider message id pmid. */
static struct store_update upd(const char *id, const char *pmid, uint32_t mask, int to, int64_t due,
                               int64_t at, int ev)
{
    struct store_update u = {.message_id = id, .lookup_pmid = pmid, .from_mask = mask};
    u.to_status = to;
    u.due_at = due;
    u.at = at;
    u.ev_status = ev;
    return u;
}

/* Takes every message out of the due queue, leases included, so a case starts from empty. */
static void drain(struct store *s)
{
    struct store_claim c;
    do {
        claim_sync(s, &c, INT64_C(1) << 62, 500, "drain");
        for (size_t i = 0; i < c.n; i++) {
            struct store_update u = upd(c.msgs[i].id, NULL, 0, KEEP, 0, 1, -1);
            u.clear_lease = 1;
            assert_int_equal(update_sync(s, &u, 1), SH_OK);
        }
        arena_release(&c.arena);
    } while (c.n > 0);
}

/* A queued outbound message whose id is of time ms (id: ID_MAX bytes). */
static void msg_fill(struct store_message *m, char *id, const char *project, int64_t ms, int prio,
                     int64_t due)
{
    memset(m, 0, sizeof(*m));
    m->id = id_new("msg", ms, id, ID_MAX);
    m->project_id = project;
    m->to = PHONE_X;
    m->country = "UZ";
    m->body = "hello";
    m->priority = m->msg_type = prio;
    m->segments = 1;
    m->created_at = m->updated_at = ms;
    m->due_at = due;
}

/* Accepts one message without an idempotency key. */
static void put(struct store *s, struct store_message *m)
{
    struct store_accept r = {.msg = m, .now = m->created_at};
    assert_int_equal(accept_sync(s, &r, 1), SH_OK);
    assert_int_equal(r.result, SH_OK);
}

static size_t events(struct store *s, const char *id, struct arena *a, struct store_event **ev)
{
    size_t n = 0;
    assert_int_equal(store_message_events(s, id, a, ev, &n), SH_OK);
    return n;
}

static void new_project(char *out)
{
    id_new("prj", clock_now_ms(), out, ID_MAX);
}

/* ---- fixture, schema, bootstrap, keys ---------------------------------------------------- */

static struct fx suite; /* the group state: one store for the whole suite */

static void boot_fill(struct store_bootstrap *b, char ids[4][ID_MAX], const char *email)
{
    static const char *const prefixes[] = {"usr", "prj", "key", "cred"};
    for (int i = 0; i < 4; i++)
        id_new(prefixes[i], clock_now_ms(), ids[i], ID_MAX);
    memset(b, 0, sizeof(*b));
    b->user_id = ids[0];
    b->email = email;
    b->password_hash = "$argon2id$x";
    b->project_id = ids[1];
    b->project_name = "Default";
    b->key_id = ids[2];
    b->key_prefix = "sh_test";
    b->key_scopes = "messages:write messages:read";
    b->provider_id = b->provider_name = b->provider_driver = "simulator";
    b->provider_caps = "[]";
    b->credential_id = ids[3];
    b->credential_settings = "{}";
    b->now = clock_now_ms();
    randombytes_buf(b->key_hash, sizeof(b->key_hash));
}

static int open_store(struct fx *f)
{
    struct store_cfg cfg = {.sync_full = 1, .read_conns = 2, .log = &f->lg};
    return store_open(f->url, &cfg, &f->s);
}

static int group_setup(void **state)
{
    struct fx *f = &suite;
    *state = f;
    if (open_store(f) != SH_OK || store_migrate(f->s, &f->first_applied) != SH_OK)
        return -1;
    boot_fill(&f->boot, f->ids, "admin@example.com");
    return store_bootstrap(f->s, &f->boot) == SH_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    store_close(((struct fx *)*state)->s);
    return 0;
}

static void test_migrate_idempotent(void **state)
{
    struct fx *f = *state;
    int applied = -1, version = -1;
    assert_true(f->first_applied > 0); /* the suite starts from an empty database */
    assert_int_equal(store_schema_version(f->s, &version), SH_OK);
    assert_int_equal(version, f->first_applied);
    if (strncmp(f->url, "sqlite:", 7) == 0)
        assert_int_equal(version, sqlite_migrations_count);
    for (int restart = 0; restart < 2; restart++) { /* again, and again after a restart */
        if (restart) {
            store_close(f->s);
            assert_int_equal(open_store(f), SH_OK);
        }
        assert_int_equal(store_migrate(f->s, &applied), SH_OK);
        assert_int_equal(applied, 0);
        assert_int_equal(store_schema_version(f->s, &version), SH_OK);
        assert_int_equal(version, f->first_applied);
    }
    assert_int_equal(store_ping(f->s), SH_OK);
}

static void test_bootstrap_and_keys(void **state)
{
    struct fx *f = *state;
    struct store_bootstrap again;
    char ids[4][ID_MAX];
    struct store_api_key k;
    unsigned char other[32];
    struct arena a;
    struct store_credential *cr = NULL;
    size_t n = 0, found = 0;

    boot_fill(&again, ids, "second@example.com");
    assert_int_equal(store_bootstrap(f->s, &again), SH_EEXIST);
    assert_int_equal(store_api_key_find(f->s, again.key_hash, &k), SH_ENOTFOUND); /* no trace */
    assert_int_equal(store_api_key_find(f->s, f->boot.key_hash, &k), SH_OK);
    assert_string_equal(k.id, f->boot.key_id);
    assert_string_equal(k.project_id, f->boot.project_id);
    assert_string_equal(k.scopes, "messages:write messages:read");
    assert_int_equal(k.expires_at, 0);
    assert_int_equal(k.revoked, 0);
    memcpy(other, f->boot.key_hash, 32);
    other[31] ^= 1; /* one bit off is another key */
    assert_int_equal(store_api_key_find(f->s, other, &k), SH_ENOTFOUND);

    arena_init(&a);
    assert_int_equal(store_credentials_load(f->s, &a, &cr, &n), SH_OK);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cr[i].id, f->boot.credential_id) == 0) {
            found++;
            assert_string_equal(cr[i].project_id, f->boot.project_id);
            assert_string_equal(cr[i].driver, "simulator");
            assert_true(cr[i].is_default && cr[i].active && cr[i].provider_enabled);
        }
    }
    assert_int_equal(found, 1);
    arena_release(&a);
}

/* ---- accept ------------------------------------------------------------------------------ */

/* Each step accepts a fresh message with idempotency key `key`, request hash `hash` (a byte
 * repeated) in project `proj`; a replay returns the response stored by step `replay_of`. */
static const struct accept_case {
    const char *name;
    const char *key;
    int hash, proj, result, replay_of;
} accept_cases[] = {
    {"first use of a key", "k1", 1, 0, SH_OK, 0},
    {"same key, same body: replay", "k1", 1, 0, SH_EEXIST, 0},
    {"same key, other body: conflict", "k1", 2, 0, SH_EINVAL, 0},
    {"same key in another project", "k1", 2, 1, SH_OK, 0},
    {"replay in that project", "k1", 2, 1, SH_EEXIST, 3},
    {"another key", "k2", 1, 0, SH_OK, 0},
    {"no key", NULL, 1, 0, SH_OK, 0},
    {"no key again: a second message", NULL, 1, 0, SH_OK, 0},
};

static void test_accept_idempotency(void **state)
{
    struct fx *f = *state;
    enum { N = sizeof(accept_cases) / sizeof(accept_cases[0]) };
    char proj[2][ID_MAX], ids[N][ID_MAX], bodies[N][64];
    int64_t now = clock_now_ms();
    struct arena a;
    struct store_message m, got;
    struct store_event *ev;

    new_project(proj[0]);
    new_project(proj[1]);
    arena_init(&a);
    for (int i = 0; i < N; i++) {
        const struct accept_case *c = &accept_cases[i];
        struct store_accept r = {.msg = &m, .idem_key = c->key, .response_body = bodies[i]};
        r.response_status = 202;
        r.now = now;
        msg_fill(&m, ids[i], proj[c->proj], now + i, 1, now + i);
        snprintf(bodies[i], sizeof(bodies[i]), "{\"id\":\"%.40s\"}", ids[i]);
        memset(r.req_hash, c->hash, sizeof(r.req_hash));
        assert_int_equal(accept_sync(f->s, &r, 1), SH_OK);
        int st = store_message_get(f->s, proj[c->proj], ids[i], &a, &got);
        if (r.result != c->result || st != (c->result == SH_OK ? SH_OK : SH_ENOTFOUND))
            fail_msg("step '%s': result %d, get %d; want result %d", c->name, r.result, st,
                     c->result);
        if (c->result == SH_EEXIST) {
            assert_int_equal(r.replay_status, 202);
            assert_string_equal(r.replay_body, bodies[c->replay_of]);
        }
        assert_true(c->result == SH_EEXIST || r.replay_body == NULL);
        free(r.replay_body);
    }
    /* the first message as stored, with its queued event */
    assert_int_equal(store_message_get(f->s, proj[0], ids[0], &a, &got), SH_OK);
    assert_string_equal(got.id, ids[0]);
    assert_string_equal(got.project_id, proj[0]);
    assert_string_equal(got.to, PHONE_X);
    assert_string_equal(got.country, "UZ");
    assert_string_equal(got.body, "hello");
    assert_null(got.from);
    assert_true(got.status == Q && got.created_at == now && got.due_at == now);
    assert_int_equal(events(f->s, ids[0], &a, &ev), 1);
    assert_true(ev[0].seq == 1 && ev[0].status == Q && ev[0].at == now);
    arena_release(&a);
}

#define THREADS 4
#define PER_THREAD 64

struct acc_thread {
    struct store *s;
    const char *project;
    struct store_message m[PER_THREAD];
    char ids[PER_THREAD][ID_MAX];
    struct store_accept r[PER_THREAD];
    struct done d[PER_THREAD];
};

static void *acc_main(void *arg)
{
    struct acc_thread *t = arg;
    for (int i = 0; i < PER_THREAD; i++) { /* submitted back to back, none awaited */
        msg_fill(&t->m[i], t->ids[i], t->project, clock_now_ms(), i % 3, clock_now_ms());
        t->r[i] = (struct store_accept){.msg = &t->m[i], .now = 1};
        if (store_accept(t->s, &t->r[i], 1, on_done, &t->d[i]) != SH_OK)
            t->d[i].calls = -1000; /* refused: no callback may come */
    }
    return NULL;
}

static void test_accept_concurrent(void **state)
{
    struct fx *f = *state;
    static struct acc_thread th[THREADS];
    pthread_t tid[THREADS];
    char proj[ID_MAX];
    struct arena a;
    struct store_message *rows;
    size_t n = 0;

    new_project(proj);
    for (int i = 0; i < THREADS; i++) {
        th[i].s = f->s;
        th[i].project = proj;
        assert_int_equal(pthread_create(&tid[i], NULL, acc_main, &th[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(tid[i], NULL);
    for (int i = 0; i < THREADS * PER_THREAD; i++)
        assert_int_equal(wait_done(&th[i / PER_THREAD].d[i % PER_THREAD], SH_OK), SH_OK);
    /* a later blocking write: any callback still owed would have run by now */
    assert_int_equal(store_purge_idempotency(f->s, 0, NULL), SH_OK);
    for (int i = 0; i < THREADS * PER_THREAD; i++) {
        const struct acc_thread *t = &th[i / PER_THREAD];
        if (t->d[i % PER_THREAD].calls != 1 || t->r[i % PER_THREAD].result != SH_OK)
            fail_msg("request %d: %d callback(s), result %d", i, t->d[i % PER_THREAD].calls,
                     t->r[i % PER_THREAD].result);
    }
    arena_init(&a);
    struct store_message_filter flt = {.project_id = proj, .status = -1, .limit = 1000};
    assert_int_equal(store_message_list(f->s, &flt, &a, &rows, &n), SH_OK);
    assert_int_equal(n, THREADS * PER_THREAD);
    arena_release(&a);
}

/* ---- claim ------------------------------------------------------------------------------- */

/* Messages a..e: priority and due time (ms after the case's base time). */
static const int claim_prio[] = {2, 0, 1, 0, 0};
static const int64_t claim_due[] = {-3000, -1000, -2000, -2000, 60000};

static const struct claim_case {
    const char *name;
    int64_t now; /* after base */
    int limit;
    const char *want; /* letters in claim order */
} claim_cases[] = {
    {"priority 0 first, oldest due first, limit", 0, 1, "d"},
    {"then the next one", 1, 1, "b"},
    {"then the other priorities; e is not due yet", 2, 10, "ca"},
    {"everything is leased", 3, 10, ""},
    {"lease not over yet", LEASE - 1, 10, ""},
    {"d's lease has passed", LEASE, 10, "d"},
    {"b's and c/a's leases have passed", LEASE + 2, 10, "bca"},
    {"the scheduled one once due, after re-leased ones", 60000, 3, "dbe"},
};

static void test_claim(void **state)
{
    struct fx *f = *state;
    enum { N = sizeof(claim_prio) / sizeof(claim_prio[0]) };
    struct store_message m;
    char ids[N][ID_MAX], proj[ID_MAX];
    int64_t base = clock_now_ms();

    drain(f->s);
    new_project(proj);
    for (int i = 0; i < N; i++) {
        msg_fill(&m, ids[i], proj, base - 5000 + i, claim_prio[i], base + claim_due[i]);
        put(f->s, &m);
    }
    for (size_t k = 0; k < sizeof(claim_cases) / sizeof(claim_cases[0]); k++) {
        const struct claim_case *c = &claim_cases[k];
        struct store_claim cl;
        char got[N + 1] = "";
        claim_sync(f->s, &cl, base + c->now, c->limit, "node-1");
        for (size_t i = 0; i < cl.n && i < N; i++) {
            got[i] = '?';
            for (int j = 0; j < N; j++) {
                if (strcmp(cl.msgs[i].id, ids[j]) == 0 && cl.msgs[i].priority == claim_prio[j])
                    got[i] = (char)('a' + j);
            }
        }
        if (cl.n > N || strcmp(got, c->want) != 0)
            fail_msg("claim '%s': got %zu \"%s\", want \"%s\"", c->name, cl.n, got, c->want);
        arena_release(&cl.arena);
    }
    drain(f->s);
}

/* ---- update ------------------------------------------------------------------------------ */

/* Steps on one message, found by id, by its provider message id, or by an unknown one. The
 * condition is msg_state_from_mask(mask_of) (any state when -1), as dispatch sends them. */
enum { BY_ID, BY_PMID, BY_NONE };

static const struct step_case {
    const char *name;
    int by, mask_of, to, due, ev; /* due: KEEP, 0 (clear) or ms after now */
    int applied, status, events;
} step_cases[] = {
    {"refused: not from a source state", BY_ID, SENT, SENT, 1, SENT, 0, Q, 1},
    {"submitted, every field set", BY_ID, SUB, SUB, 5000, SUB, 1, SUB, 2},
    {"no event: only the next poll moves", BY_ID, -1, KEEP, 9000, -1, 1, SUB, 2},
    {"receipt by pmid: sent", BY_PMID, SENT, SENT, KEEP, SENT, 1, SENT, 3},
    {"final receipt clears due", BY_PMID, DLV, DLV, 0, DLV, 1, DLV, 4},
    {"late sent receipt refused", BY_PMID, SENT, SENT, 1, SENT, 0, DLV, 4},
    {"unknown pmid matches nothing", BY_NONE, -1, MSG_FAILED, 0, MSG_FAILED, 0, DLV, 4},
};

static void test_update_steps(void **state)
{
    struct fx *f = *state;
    char proj[ID_MAX], id[ID_MAX], pmid[ID_MAX];
    struct store_message m, got;
    struct store_event *ev;
    struct store_claim cl;
    struct arena a;
    int64_t now = clock_now_ms(), due0 = 0, due1 = 0;

    new_project(proj);
    id_new("pm", now, pmid, sizeof(pmid)); /* unique per run */
    arena_init(&a);
    msg_fill(&m, id, proj, now, 0, now);
    put(f->s, &m);
    assert_int_equal(store_count_due(f->s, &due0), SH_OK);
    for (size_t i = 0; i < sizeof(step_cases) / sizeof(step_cases[0]); i++) {
        const struct step_case *c = &step_cases[i];
        int64_t at = now + 10 * (int64_t)(i + 1), due = c->due > 0 ? now + c->due : c->due;
        struct store_update u =
            upd(c->by == BY_ID ? id : NULL, c->by == BY_PMID ? pmid : "pm_x",
                c->mask_of < 0 ? 0 : msg_state_from_mask(c->mask_of), c->to, due, at, c->ev);
        if (i == 1) { /* every settable field once */
            u.attempts_inc = u.clear_lease = 1;
            u.set_credential_id = "cred_1";
            u.set_pmid = pmid;
            u.set_error_code = "e1";
            u.set_error_text = "first try";
            u.ev_provider = "simulator";
            u.ev_detail = "{\"n\":1}";
        }
        assert_int_equal(update_sync(f->s, &u, 1), SH_OK);
        assert_int_equal(store_message_get(f->s, proj, id, &a, &got), SH_OK);
        size_t n = events(f->s, id, &a, &ev);
        if (u.applied != c->applied || got.status != c->status || n != (size_t)c->events)
            fail_msg("step '%s': applied %d status %d events %zu; want %d %d %d", c->name,
                     u.applied, got.status, n, c->applied, c->status, c->events);
        if (c->applied && c->ev >= 0) /* the event, with the next sequence number */
            assert_true(ev[n - 1].status == c->ev && ev[n - 1].at == at &&
                        ev[n - 1].seq > ev[n - 2].seq);
        if (c->applied && c->due != KEEP)
            assert_int_equal(got.due_at, due);
        if (c->applied)
            assert_true(strcmp(u.message_id_out, id) == 0 && got.updated_at == at);
    }
    /* what step 2 set is kept by the NULL setters of the later steps */
    assert_int_equal(got.attempts, 1);
    assert_string_equal(got.credential_id, "cred_1");
    assert_string_equal(got.provider_message_id, pmid);
    assert_string_equal(got.error_code, "e1");
    assert_string_equal(got.error_text, "first try");
    assert_string_equal(ev[1].provider, "simulator");
    assert_string_equal(ev[1].detail, "{\"n\":1}");
    /* final: no longer due, never claimed again */
    assert_int_equal(store_count_due(f->s, &due1), SH_OK);
    assert_int_equal(due1, due0 - 1);
    claim_sync(f->s, &cl, INT64_C(1) << 60, 2000, "node-1");
    for (size_t i = 0; i < cl.n; i++)
        assert_string_not_equal(cl.msgs[i].id, id);
    arena_release(&cl.arena);
    drain(f->s);
    arena_release(&a);
}

/* A provider message id shared by two messages (providers number independently) must not
 * sink the other updates sent with it (dispatch sends up to 512 per call), nor the store. */
static void test_update_ambiguous_pmid(void **state)
{
    struct fx *f = *state;
    char proj[ID_MAX], ids[4][ID_MAX], pmid[ID_MAX];
    struct store_message m, got;
    struct arena a;
    int64_t now = clock_now_ms();
    int status[3] = {-1, -1, -1};

    new_project(proj);
    id_new("pm", now, pmid, sizeof(pmid));
    for (int i = 0; i < 3; i++) {
        msg_fill(&m, ids[i], proj, now, 1, now);
        put(f->s, &m);
        struct store_update sub = upd(ids[i], NULL, 0, SUB, KEEP, now, SUB);
        sub.set_pmid = i < 2 ? pmid : NULL;
        assert_int_equal(update_sync(f->s, &sub, 1), SH_OK);
    }
    struct store_update u[2] = {upd(ids[2], NULL, msg_state_from_mask(SENT), SENT, KEEP, now, SENT),
                                upd(NULL, pmid, msg_state_from_mask(DLV), DLV, 0, now, DLV)};
    int st = update_sync(f->s, u, 2);
    msg_fill(&m, ids[3], proj, now, 1, 0);
    struct store_accept next = {.msg = &m, .now = now};
    int next_st = accept_sync(f->s, &next, 1); /* the store still takes writes */
    struct store_update reset = upd(NULL, "pm_x", 0, KEEP, KEEP, now, -1);
    /* a by-pmid update that matches nothing: it also resets the SQLite statement left open by
     * the ambiguous one, so the cases after this one do not fail because of it */
    assert_int_equal(update_sync(f->s, &reset, 1), SH_OK);
    arena_init(&a);
    for (int i = 0; i < 3; i++) {
        if (store_message_get(f->s, proj, ids[i], &a, &got) == SH_OK)
            status[i] = got.status;
    }
    arena_release(&a);
    if (st != SH_OK || status[2] != SENT || next_st != SH_OK)
        fail_msg("ambiguous pmid: batch callback %s, its sibling update left %s (want sent), "
                 "the next accept got %s",
                 sh_strerror(st), msg_status_name(status[2]), sh_strerror(next_st));
    assert_int_equal(u[1].applied, 0); /* refuses to guess which one */
    assert_true(status[0] == SUB && status[1] == SUB);
}


/* Receipts as dispatch sends them (by provider message id, from_mask of the target without
 * queued): duplicate and out-of-order ones never move a message backwards or out of a final
 * state; `found` tells an unknown provider id (retried later) from a refused one; and a
 * status change of a message with a callback_url writes exactly one webhook delivery with the
 * rendered body in the same transaction. */
static int renders;

static char *render(const struct store_change *c)
{
    char *out = malloc(160);
    renders++;
    snprintf(out, 160, "{\"status\":%d,\"prev\":%d,\"meta\":%s}", c->status, c->prev_status,
             c->metadata ? c->metadata : "null");
    return out;
}

static struct store_update receipt(const char *pmid, int to, int64_t at)
{
    struct store_update u = upd(NULL, pmid, msg_state_from_mask(to) & ~(1u << Q), to,
                                msg_status_final(to) ? 0 : KEEP, at, to);
    u.render_callback = render;
    return u;
}

static void test_receipts_order_and_callbacks(void **state)
{
    struct fx *f = *state;
    char proj[ID_MAX], id[ID_MAX], pmid[ID_MAX];
    struct store_message m, got;
    struct store_event *ev;
    struct arena a;
    int64_t now = clock_now_ms();

    new_project(proj);
    id_new("pm", now, pmid, sizeof(pmid));
    arena_init(&a);
    msg_fill(&m, id, proj, now, 0, now);
    m.callback_url = "http://127.0.0.1:9/hook";
    m.metadata = "{\"k\":1}";
    put(f->s, &m);
    /* a receipt before the submit outcome is committed: not found, nothing applied */
    struct store_update early = receipt(pmid, DLV, now + 1);
    assert_int_equal(update_sync(f->s, &early, 1), SH_OK);
    assert_int_equal(early.found, 0);
    assert_int_equal(early.applied, 0);
    struct store_update sub = upd(id, NULL, msg_state_from_mask(SUB), SUB, KEEP, now + 2, SUB);
    sub.set_pmid = pmid;
    sub.render_callback = render;
    renders = 0;
    assert_int_equal(update_sync(f->s, &sub, 1), SH_OK);
    assert_int_equal(sub.callback_queued, 1);
    /* delivered first, then a late "sent", a duplicate "delivered", a late "undelivered" */
    struct store_update u[4] = {receipt(pmid, DLV, now + 3), receipt(pmid, SENT, now + 4),
                                receipt(pmid, DLV, now + 5), receipt(pmid, MSG_UNDELIVERED,
                                                                     now + 6)};
    assert_int_equal(update_sync(f->s, u, 4), SH_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(u[i].found, 1);
        assert_int_equal(u[i].applied, i == 0);
        assert_int_equal(u[i].callback_queued, i == 0);
    }
    assert_int_equal(renders, 2);
    assert_int_equal(store_message_get(f->s, proj, id, &a, &got), SH_OK);
    assert_int_equal(got.status, DLV);
    assert_int_equal(events(f->s, id, &a, &ev), 3); /* queued, submitted, delivered */
    /* two deliveries, queued → submitted and submitted → delivered, due at once */
    static const struct store_q q = {
        "test.deliveries",
        "SELECT body, url, state, due_at FROM webhook_deliveries WHERE message_id = $1 "
        "ORDER BY created_at",
        NULL, NULL, 0};
    struct store_args args = {0};
    struct store_rows rows;
    store_arg_text(&args, id);
    assert_int_equal(store_read(f->s, &q, &args, &a, &rows), SH_OK);
    assert_int_equal(rows.n, 2);
    assert_string_equal(store_cell(&rows, 0, 0), "{\"status\":1,\"prev\":0,\"meta\":{\"k\":1}}");
    assert_string_equal(store_cell(&rows, 1, 0), "{\"status\":3,\"prev\":1,\"meta\":{\"k\":1}}");
    assert_string_equal(store_cell(&rows, 0, 1), "http://127.0.0.1:9/hook");
    assert_int_equal(store_cell_int(&rows, 0, 2), 0);
    assert_int_equal(store_cell_int(&rows, 1, 3), now + 3);
    /* the engine claims them once: a second claim within the lease gets nothing */
    struct store_rows c1, c2;
    assert_int_equal(store_webhooks_claim(f->s, now + 10, 60000, 100, &a, &c1), SH_OK);
    assert_true(c1.n >= 2);
    assert_int_equal(store_webhooks_claim(f->s, now + 20, 60000, 100, &a, &c2), SH_OK);
    for (size_t i = 0; i < c2.n; i++) {
        for (size_t k = 0; k < c1.n; k++)
            assert_string_not_equal(store_cell(&c2, i, 0), store_cell(&c1, k, 0));
    }
    drain(f->s);
    arena_release(&a);
}

/* ---- recover, purge ---------------------------------------------------------------------- */

static void test_recover(void **state)
{
    struct fx *f = *state;
    enum { N = 5 }; /* a, b leased by the old run; c by us; d free; e old run's, submitted */
    static const int64_t due[N] = {-4000, -3000, -2000, -1000, -10000};
    char proj[ID_MAX], ids[N][ID_MAX];
    struct store_message m, got;
    struct store_event *ev;
    struct store_claim cl;
    struct arena a;
    size_t n = 99;
    int64_t base = clock_now_ms(), r = base + 1;

    drain(f->s);
    new_project(proj);
    arena_init(&a);
    for (int i = 0; i < N; i++) {
        msg_fill(&m, ids[i], proj, base, 1, base + due[i]);
        put(f->s, &m);
    }
    claim_sync(f->s, &cl, base, 3, "node-a/run-old"); /* e, a, b */
    assert_int_equal(cl.n, 3);
    arena_release(&cl.arena);
    struct store_update sub = upd(ids[4], NULL, 0, SUB, KEEP, base, SUB);
    sub.clear_lease = 1;
    assert_int_equal(update_sync(f->s, &sub, 1), SH_OK);
    claim_sync(f->s, &cl, base, 1, "node-a/run-new"); /* c */
    assert_true(cl.n == 1 && strcmp(cl.msgs[0].id, ids[2]) == 0);
    arena_release(&cl.arena);

    assert_int_equal(store_recover(f->s, "node-a/run-new", r, &n), SH_OK);
    assert_int_equal(n, 2);
    for (int i = 0; i < N; i++) {
        int doubt = i < 2;
        assert_int_equal(store_message_get(f->s, proj, ids[i], &a, &got), SH_OK);
        size_t ne = events(f->s, ids[i], &a, &ev);
        if (got.in_doubt != doubt || ne != (size_t)(doubt || i == 4 ? 2 : 1))
            fail_msg("message %c: in_doubt %d, %zu events", 'a' + i, got.in_doubt, ne);
        if (doubt) { /* released, due now, and the timeline says why */
            assert_true(got.status == Q && got.due_at == r);
            assert_true(ev[1].seq == 2 && ev[1].status == Q && ev[1].at == r);
            assert_true(ev[1].detail != NULL && strstr(ev[1].detail, "in_doubt") != NULL);
        }
    }
    assert_int_equal(store_recover(f->s, "node-a/run-new", r, &n), SH_OK);
    assert_int_equal(n, 0);
    drain(f->s);
    arena_release(&a);
}

/* More old records than one purge statement takes (5000 in sqlite_ops.c), and one newer. */
#define PURGE_OLD 5001

static void test_purge_idempotency(void **state)
{
    struct fx *f = *state;
    char proj[ID_MAX], bad[160] = "";
    struct store_message *m = calloc(PURGE_OLD + 1, sizeof(*m));
    struct store_accept *r = calloc(PURGE_OLD + 1, sizeof(*r));
    char(*ids)[ID_MAX] = calloc(PURGE_OLD + 1, ID_MAX);
    char(*keys)[16] = calloc(PURGE_OLD + 1, 16);
    size_t purged = 0, more = 0;

    assert_true(m && r && ids && keys);
    new_project(proj);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i <= PURGE_OLD; i++) { /* created at 1000 (old) or 3000 (the last) */
            snprintf(keys[i], 16, "k%d", i);
            msg_fill(&m[i], ids[i], proj, clock_now_ms(), 1, 0);
            r[i] = (struct store_accept){.msg = &m[i], .idem_key = keys[i], .response_body = "{}"};
            r[i].now = i < PURGE_OLD ? 1000 : 3000;
            memset(r[i].req_hash, 7, sizeof(r[i].req_hash));
        }
        assert_int_equal(accept_sync(f->s, r, PURGE_OLD + 1), SH_OK);
        for (int i = 0; i <= PURGE_OLD; i++) {
            /* after the purge the old keys are free again; the newer one still replays */
            int want = round == 0 || i < PURGE_OLD ? SH_OK : SH_EEXIST;
            if (r[i].result != want && bad[0] == '\0')
                snprintf(bad, sizeof(bad), "round %d key %d: result %d, want %d", round, i,
                         r[i].result, want);
            free(r[i].replay_body);
        }
        if (round == 0) /* every other case's records are newer than 2000 */
            assert_int_equal(store_purge_idempotency(f->s, 2000, &purged), SH_OK);
    }
    while (store_purge_idempotency(f->s, 2000, &more) == SH_OK && more > 0)
        ; /* leave no old record behind for a rerun on the same database */
    free(m);
    free(r);
    free(ids);
    free(keys);
    if (purged != PURGE_OLD)
        fail_msg("one purge removed %zu of the %d records older than its cut-off", purged,
                 PURGE_OLD);
    if (bad[0] != '\0')
        fail_msg("%s", bad);
}

/* ---- reads ------------------------------------------------------------------------------- */

/* Messages 0..4 of one project, ids in time order: status, recipient, due or not. */
static const int list_status[] = {Q, SENT, Q, DLV, Q};
static const char list_to[] = "XYYXX";
static const int list_due[] = {1, 1, 1, 0, 1};

static const struct list_case {
    const char *name;
    int status;
    char to;                  /* 0: any */
    int from, before, cursor; /* message indices for id_from / id_to / cursor, -1 none */
    int limit;
    const char *want; /* indices, newest first */
} list_cases[] = {
    {"all, newest first", -1, 0, -1, -1, -1, 0, "43210"},
    {"limit", -1, 0, -1, -1, -1, 2, "43"},
    {"cursor: next page", -1, 0, -1, -1, 3, 2, "21"},
    {"cursor: last page", -1, 0, -1, -1, 1, 2, "0"},
    {"status queued", Q, 0, -1, -1, -1, 0, "420"},
    {"status sent", SENT, 0, -1, -1, -1, 0, "1"},
    {"status with no rows", MSG_CANCELED, 0, -1, -1, -1, 0, ""},
    {"recipient", -1, 'Y', -1, -1, -1, 0, "21"},
    {"recipient and status", Q, 'X', -1, -1, -1, 0, "40"},
    {"id range [1, 3)", -1, 0, 1, 3, -1, 0, "21"},
    {"from 3", -1, 0, 3, -1, -1, 0, "43"},
    {"before 1", -1, 0, -1, 1, -1, 0, "0"},
    {"range, cursor and limit", -1, 0, 1, -1, 4, 2, "32"},
};

static void test_reads(void **state)
{
    struct fx *f = *state;
    enum { N = sizeof(list_status) / sizeof(list_status[0]) };
    char proj[ID_MAX], other[ID_MAX], ids[N][ID_MAX], floors[N][ID_MAX], oid[ID_MAX];
    struct store_message m, got, *rows;
    struct store_event *ev;
    struct arena a;
    int64_t base = clock_now_ms() - 1000, due0 = 0, due1 = 0;

    new_project(proj);
    new_project(other);
    arena_init(&a);
    assert_int_equal(store_count_due(f->s, &due0), SH_OK);
    for (int i = 0; i < N; i++) {
        msg_fill(&m, ids[i], proj, base + 10 * i, 1, list_due[i] ? base + 10 * i : 0);
        m.status = list_status[i];
        m.to = list_to[i] == 'X' ? PHONE_X : PHONE_Y;
        id_floor("msg", base + 10 * i, floors[i], ID_MAX);
        put(f->s, &m);
    }
    assert_int_equal(store_count_due(f->s, &due1), SH_OK);
    assert_int_equal(due1 - due0, 4);          /* count_due counts the rows with due_at set */
    msg_fill(&m, oid, other, base + 15, 1, 0); /* same recipient, another project */
    put(f->s, &m);

    for (size_t k = 0; k < sizeof(list_cases) / sizeof(list_cases[0]); k++) {
        const struct list_case *c = &list_cases[k];
        size_t n = 0;
        char got_s[N + 1] = "";
        struct store_message_filter flt = {.project_id = proj, .status = c->status};
        flt.to = c->to == 0 ? NULL : c->to == 'X' ? PHONE_X : PHONE_Y;
        flt.id_from = c->from >= 0 ? floors[c->from] : NULL;
        flt.id_to = c->before >= 0 ? floors[c->before] : NULL;
        flt.cursor = c->cursor >= 0 ? ids[c->cursor] : NULL;
        flt.limit = c->limit;
        assert_int_equal(store_message_list(f->s, &flt, &a, &rows, &n), SH_OK);
        for (size_t i = 0; i < n && i < N; i++) {
            got_s[i] = '?';
            for (int j = 0; j < N; j++)
                got_s[i] = strcmp(rows[i].id, ids[j]) == 0 ? (char)('0' + j) : got_s[i];
        }
        if (n > N || strcmp(got_s, c->want) != 0)
            fail_msg("list '%s': got %zu \"%s\", want \"%s\"", c->name, n, got_s, c->want);
    }

    /* message_get is scoped by project: another project's id is not found */
    assert_int_equal(store_message_get(f->s, proj, ids[1], &a, &got), SH_OK);
    assert_true(strcmp(got.id, ids[1]) == 0 && strcmp(got.to, PHONE_Y) == 0);
    assert_int_equal(got.status, SENT);
    assert_int_equal(store_message_get(f->s, other, ids[1], &a, &got), SH_ENOTFOUND);
    assert_int_equal(store_message_get(f->s, proj, oid, &a, &got), SH_ENOTFOUND);
    assert_int_equal(store_message_get(f->s, other, oid, &a, &got), SH_OK);
    assert_int_equal(store_message_get(f->s, proj, NOID, &a, &got), SH_ENOTFOUND);
    assert_int_equal(events(f->s, NOID, &a, &ev), 0);
    arena_release(&a);
}

/* ---- runner ------------------------------------------------------------------------------ */

/* Runs every case against url, an empty database. Returns the number of failed cases. */
static int store_suite(const char *url)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_idempotent),
        cmocka_unit_test(test_bootstrap_and_keys),
        cmocka_unit_test(test_accept_idempotency),
        cmocka_unit_test(test_accept_concurrent),
        cmocka_unit_test(test_claim),
        cmocka_unit_test(test_update_steps),
        cmocka_unit_test(test_update_ambiguous_pmid),
        cmocka_unit_test(test_receipts_order_and_callbacks),
        cmocka_unit_test(test_recover),
        cmocka_unit_test(test_purge_idempotency),
        cmocka_unit_test(test_reads),
    };
    suite.url = url;
    log_init(&suite.lg, LOG_WARN, 2);
    return cmocka_run_group_tests_name(url, tests, group_setup, group_teardown);
}

int main(void)
{
    const char *env = getenv("SMSHUB_TEST_DB");
    static const char *const files[] = {"t.db", "t.db-wal", "t.db-shm"};
    char dir[] = "/tmp/smshub-store-XXXXXX", url[64], path[64];
    int failed;

    if (sodium_init() < 0)
        return 1;
    if (env != NULL && *env != '\0')
        return store_suite(env);
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
    failed = store_suite(url);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return failed;
}
