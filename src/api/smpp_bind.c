/*
 * smpp_bind.c — binds to the SMPP server (api/smpp_server_int.h). The checks that block —
 * the account lookup, the account's allowed_ips, the project's ip_allowlist (api/guard.h)
 * and the Argon2id password verification (tens of milliseconds) — run on one bind worker
 * thread, so a burst of binds does not stall the sessions already bound. The server thread
 * keeps what needs its own state: already bound, failed binds per address, max_binds.
 */
#include "api/guard.h"
#include "api/smpp_server_int.h"
#include "core/cidr.h"
#include "core/password.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/smpp_accounts.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIND_QUEUE_MAX 64 /* binds waiting for the worker; more are refused */

static int64_t mono_ms(void)
{
    return clock_mono_us() / 1000;
}

/* ---- failed binds per address (server thread) ---------------------------------------- */

static struct ss_fail *fail_slot(struct smpp_server *s, const char *addr, int create)
{
    struct ss_fail *oldest = &s->fails[0];
    int64_t now = mono_ms();
    for (int i = 0; i < SS_FAIL_SLOTS; i++) {
        struct ss_fail *f = &s->fails[i];
        if (f->n > 0 && strcmp(f->addr, addr) == 0) {
            if (now - f->since > SS_FAIL_WINDOW_MS) {
                f->n = 0;
                f->since = now;
            }
            return f;
        }
        if (f->n == 0 || f->since < oldest->since)
            oldest = f;
    }
    if (!create)
        return NULL;
    memset(oldest, 0, sizeof(*oldest));
    snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
    oldest->since = now;
    return oldest;
}

static int account_binds(struct smpp_server *s, const char *account_id)
{
    int n = 0;
    for (struct ss_conn *c = s->conns; c != NULL; c = c->next)
        if (c->bind_cmd != 0 && strcmp(c->account_id, account_id) == 0)
            n++;
    return n;
}

/* ---- the checks (bind worker) ---------------------------------------------------------- */

static int ip_in(const char *list, const char *addr)
{
    struct cidr_list l;
    struct cidr ip;
    if (list == NULL || list[0] == '\0')
        return 1;
    if (cidr_list_parse(list, &l, NULL) != SH_OK || cidr_parse_ip(addr, &ip) != SH_OK)
        return 0;
    return cidr_list_contains(&l, &ip);
}

static void check_bind(struct smpp_server *s, struct ss_bindjob *j)
{
    struct store_smpp_account acc;
    struct arena a;
    int g;

    arena_init(&a);
    int rc = store_smpp_account_by_system_id(s->api->store, j->system_id, &a, &acc);
    if (rc == SH_ENOTFOUND || (rc == SH_OK && !acc.active)) {
        password_verify_dummy(j->password); /* the same work as for a real account */
        j->why = "unknown or inactive system_id";
        j->status = SMPP_ESME_RINVSYSID;
        goto out;
    }
    if (rc != SH_OK) {
        j->why = "accounts cannot be read";
        j->status = SMPP_ESME_RSYSERR;
        goto out;
    }
    if (!ip_in(acc.allowed_ips, j->peer)) {
        j->why = "address not in the account's allowed_ips";
        j->status = SMPP_ESME_RBINDFAIL;
        goto out;
    }
    g = guard_bind_check(s->api->guard, acc.project_id, j->peer);
    if (g != GUARD_PASS) {
        j->why = g == GUARD_IP_DENIED ? "address not in the project's ip_allowlist"
                                      : "project settings unavailable";
        j->status =
            g == GUARD_IP_DENIED || g == GUARD_NO_PROJECT ? SMPP_ESME_RBINDFAIL : SMPP_ESME_RSYSERR;
        goto out;
    }
    /* crypto_pwhash_str_verify: constant time in the password */
    if (!password_verify(acc.password_hash, j->password)) {
        j->why = "wrong password";
        j->status = SMPP_ESME_RINVPASWD;
        goto out;
    }
    j->status = SMPP_ESME_ROK;
    j->why = "bound";
    snprintf(j->account_id, sizeof(j->account_id), "%s", acc.id);
    snprintf(j->project_id, sizeof(j->project_id), "%s", acc.project_id);
    snprintf(j->acc_system_id, sizeof(j->acc_system_id), "%s", acc.system_id);
    j->tps = acc.tps;
    j->max_binds = acc.max_binds;
out:
    sodium_memzero(j->password, sizeof(j->password));
    arena_release(&a);
}

static void *bind_worker(void *arg)
{
    struct smpp_server *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->jobs_head == NULL && !s->bind_quit)
            pthread_cond_wait(&s->bind_cv, &s->mu);
        if (s->bind_quit)
            break;
        struct ss_bindjob *j = s->jobs_head;
        s->jobs_head = j->next;
        if (s->jobs_head == NULL)
            s->jobs_tail = NULL;
        pthread_mutex_unlock(&s->mu);
        check_bind(s, j);
        pthread_mutex_lock(&s->mu);
        j->next = NULL;
        if (s->res_tail != NULL)
            s->res_tail->next = j;
        else
            s->res_head = j;
        s->res_tail = j;
        event_active(s->bind_ev, EV_TIMEOUT, 0);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int ss_bind_start(struct smpp_server *s)
{
    if (pthread_create(&s->bind_thread, NULL, bind_worker, s) != 0)
        return SH_EIO;
    s->bind_started = 1;
    return SH_OK;
}

static void free_jobs(struct ss_bindjob *j)
{
    while (j != NULL) {
        struct ss_bindjob *next = j->next;
        sodium_memzero(j, sizeof(*j));
        free(j);
        j = next;
    }
}

void ss_bind_stop(struct smpp_server *s)
{
    if (s->bind_started) {
        pthread_mutex_lock(&s->mu);
        s->bind_quit = 1;
        pthread_cond_signal(&s->bind_cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->bind_thread, NULL);
        s->bind_started = 0;
    }
    free_jobs(s->jobs_head);
    free_jobs(s->res_head);
    s->jobs_head = s->jobs_tail = s->res_head = s->res_tail = NULL;
}

/* ---- the server thread's part ---------------------------------------------------------- */

static void answer(struct ss_conn *c, uint32_t cmd, uint32_t seq, uint32_t st, const char *why,
                   const char *client_sysid)
{
    struct smpp_pdu r;
    char d[160];
    smpp_pdu_init(&r, cmd | SMPP_RESP_BIT, seq);
    r.command_status = st;
    if (st == SMPP_ESME_ROK) {
        snprintf(r.system_id, sizeof(r.system_id), "smshub");
        smpp_pdu_tlv_set_u8(&r, SMPP_TLV_SC_INTERFACE_VERSION, 0x34);
    }
    ss_send(c, &r);
    if (st == SMPP_ESME_ROK) {
        ss_log(c, LOG_INFO, "bound", smpp_command_name(cmd));
        return;
    }
    char keep[sizeof(c->system_id)];
    memcpy(keep, c->system_id, sizeof(keep));
    snprintf(c->system_id, sizeof(c->system_id), "%s", client_sysid);
    snprintf(d, sizeof(d), "%s refused: %s (%s)", smpp_command_name(cmd), smpp_status_name(st),
             why);
    ss_log(c, LOG_WARN, "bind_refused", d);
    memcpy(c->system_id, keep, sizeof(keep));
}

void ss_on_bind(struct ss_conn *c, const struct smpp_pdu *p)
{
    struct smpp_server *s = c->srv;
    struct ss_fail *f;
    if (c->bind_cmd != 0 || c->binding) {
        answer(c, p->command_id, p->sequence_number, SMPP_ESME_RALYBND, "already bound",
               p->system_id);
        return;
    }
    if (s->stopping) {
        answer(c, p->command_id, p->sequence_number, SMPP_ESME_RBINDFAIL, "stopping", p->system_id);
        return;
    }
    f = fail_slot(s, c->peer, 0);
    if (f != NULL && f->n >= SS_FAIL_LIMIT) {
        answer(c, p->command_id, p->sequence_number, SMPP_ESME_RBINDFAIL,
               "too many failed binds from this address", p->system_id);
        return;
    }
    pthread_mutex_lock(&s->mu);
    int full = s->njobs >= BIND_QUEUE_MAX;
    if (!full) {
        struct ss_bindjob *j = xcalloc(1, sizeof(*j));
        j->cid = c->cid;
        j->cmd = p->command_id;
        j->seq = p->sequence_number;
        memcpy(j->system_id, p->system_id, sizeof(j->system_id));
        memcpy(j->password, p->password, sizeof(j->password));
        memcpy(j->peer, c->peer, sizeof(j->peer));
        if (s->jobs_tail != NULL)
            s->jobs_tail->next = j;
        else
            s->jobs_head = j;
        s->jobs_tail = j;
        s->njobs++;
        pthread_cond_signal(&s->bind_cv);
    }
    pthread_mutex_unlock(&s->mu);
    if (full)
        answer(c, p->command_id, p->sequence_number, SMPP_ESME_RBINDFAIL,
               "too many binds in progress", p->system_id);
    else
        c->binding = 1;
}

void ss_bind_results(struct smpp_server *s)
{
    struct ss_bindjob *j, *next;
    pthread_mutex_lock(&s->mu);
    j = s->res_head;
    s->res_head = s->res_tail = NULL;
    for (struct ss_bindjob *x = j; x != NULL; x = x->next)
        s->njobs--;
    pthread_mutex_unlock(&s->mu);
    for (; j != NULL; j = next) {
        next = j->next;
        struct ss_conn *c = ss_find(s, j->cid);
        if (c == NULL || c->closing)
            goto done;
        c->binding = 0;
        if (j->status == SMPP_ESME_RINVSYSID || j->status == SMPP_ESME_RINVPASWD)
            fail_slot(s, c->peer, 1)->n++;
        if (j->status == SMPP_ESME_ROK && s->stopping) {
            j->status = SMPP_ESME_RBINDFAIL;
            j->why = "stopping";
        } else if (j->status == SMPP_ESME_ROK && account_binds(s, j->account_id) >= j->max_binds) {
            j->status = SMPP_ESME_RBINDFAIL;
            j->why = "max_binds reached";
        }
        if (j->status == SMPP_ESME_ROK) {
            c->bind_cmd = j->cmd;
            c->bound_wall_ms = clock_now_ms();
            c->last_rx_ms = mono_ms(); /* idle counts from the bind_resp */
            memcpy(c->system_id, j->acc_system_id, sizeof(c->system_id));
            memcpy(c->account_id, j->account_id, sizeof(c->account_id));
            memcpy(c->project_id, j->project_id, sizeof(c->project_id));
            c->tps = j->tps;
            s->next_poll = 0; /* look for owed receipts now */
        }
        answer(c, j->cmd, j->seq, j->status, j->why, j->system_id);
    done:
        sodium_memzero(j, sizeof(*j));
        free(j);
    }
}
