/*
 * smpp_track.c — the `smpp` driver's memory of provider message ids: each accepted part id
 * points to its message, so a receipt for any part can be counted and one receipt is
 * reported per message (under the first part's id) when every part is final; receipts that
 * arrive before their submit_sm_resp are held for a short time and matched when the id
 * shows up. Ids compare after normalisation (lower case, leading zeros dropped) and, on a
 * miss, in the other radix (decimal ↔ hex), as SMSCs disagree on the form.
 *
 * One hash table of entries (chained), each either a PART (→ message) or a HELD receipt.
 * Entries sit on one FIFO by creation time for expiry. Not thread-safe: engine thread.
 */
#include "providers/smpp_drv.h"
#include "lib/clock.h"
#include "lib/xalloc.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 72

struct smpp_tmsg {
    int nparts;
    int answered_parts; /* parts with a submit answer */
    int accepted;       /* parts accepted */
    int finals;         /* accepted parts with a final receipt */
    int entries;        /* PART entries pointing here */
    int engine_told;    /* the submit was answered to the engine */
    int reported;       /* the final receipt was reported */
    enum provider_dlr worst;
    char err[32];
    char first[KEY_MAX]; /* first accepted part id, as the SMSC wrote it */
    struct entry *ents[]; /* its PART entries (nparts slots) */
};

struct entry {
    struct entry *chain;
    struct entry *older, *newer; /* FIFO */
    char key[KEY_MAX];
    int64_t expires; /* monotonic ms */
    struct smpp_tmsg *msg; /* PART; NULL for a HELD receipt */
    int final;             /* PART: its final receipt was counted */
    enum provider_dlr held_status;
    char held_err[32];
    char raw[KEY_MAX]; /* HELD: the id as received */
};

struct fifo {
    struct entry *oldest, *newest;
};

struct smpp_track {
    provider_report_cb report;
    void *arg;
    int hold_ms;
    int64_t ttl_ms;
    size_t max;
    struct entry **tab;
    size_t cap; /* power of two */
    size_t n;
    struct fifo parts; /* PART entries by creation */
    struct fifo held;  /* HELD receipts by creation (they all live hold_ms) */
};

static int64_t mono_ms(void)
{
    return clock_mono_us() / 1000;
}

static uint64_t hash(const char *k)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *k; k++) {
        h ^= (unsigned char)*k;
        h *= 1099511628211ULL;
    }
    return h;
}

/* Lower case, leading zeros dropped ("0" stays). */
static void normalise(const char *id, char *out)
{
    size_t o = 0;
    while (id[0] == '0' && id[1] != '\0')
        id++;
    for (; *id && o < KEY_MAX - 1; id++)
        out[o++] = (char)tolower((unsigned char)*id);
    out[o] = '\0';
}

static struct entry *lookup(const struct smpp_track *t, const char *key)
{
    for (struct entry *e = t->tab[hash(key) & (t->cap - 1)]; e != NULL; e = e->chain) {
        if (strcmp(e->key, key) == 0)
            return e;
    }
    return NULL;
}

/* lookup with the other radix as a fallback (decimal ↔ hex, at most 64 bits). */
static struct entry *lookup_any(const struct smpp_track *t, const char *key)
{
    struct entry *e = lookup(t, key);
    char alt[KEY_MAX];
    size_t n = strlen(key);
    if (e != NULL || n == 0 || n > 20)
        return e;
    if (strspn(key, "0123456789") == n) {
        uint64_t v = strtoull(key, NULL, 10);
        snprintf(alt, sizeof(alt), "%" PRIx64, v);
        if ((e = lookup(t, alt)) != NULL)
            return e;
    }
    if (n <= 16 && strspn(key, "0123456789abcdef") == n) {
        snprintf(alt, sizeof(alt), "%" PRIu64, (uint64_t)strtoull(key, NULL, 16));
        e = lookup(t, alt);
    }
    return e;
}

static void grow(struct smpp_track *t)
{
    size_t cap = t->cap * 2;
    struct entry **v = xcalloc(cap, sizeof(*v));
    for (size_t i = 0; i < t->cap; i++) {
        struct entry *e = t->tab[i];
        while (e != NULL) {
            struct entry *next = e->chain;
            size_t k = hash(e->key) & (cap - 1);
            e->chain = v[k];
            v[k] = e;
            e = next;
        }
    }
    free(t->tab);
    t->tab = v;
    t->cap = cap;
}

static struct fifo *fifo_of(struct smpp_track *t, int held)
{
    return held ? &t->held : &t->parts;
}

static struct entry *insert(struct smpp_track *t, const char *key, int64_t expires, int held)
{
    struct fifo *f = fifo_of(t, held);
    if ((t->n + 1) * 2 > t->cap)
        grow(t);
    struct entry *e = xcalloc(1, sizeof(*e));
    snprintf(e->key, sizeof(e->key), "%s", key);
    e->expires = expires;
    size_t k = hash(key) & (t->cap - 1);
    e->chain = t->tab[k];
    t->tab[k] = e;
    e->older = f->newest;
    if (f->newest != NULL)
        f->newest->newer = e;
    f->newest = e;
    if (f->oldest == NULL)
        f->oldest = e;
    t->n++;
    return e;
}

static void msg_maybe_free(struct smpp_tmsg *m)
{
    if (m->entries == 0 && m->answered_parts == m->nparts && m->engine_told)
        free(m);
}

static void remove_entry(struct smpp_track *t, struct entry *e)
{
    struct entry **pp = &t->tab[hash(e->key) & (t->cap - 1)];
    while (*pp != e)
        pp = &(*pp)->chain;
    *pp = e->chain;
    struct fifo *f = fifo_of(t, e->msg == NULL);
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        f->oldest = e->newer;
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        f->newest = e->older;
    t->n--;
    if (e->msg != NULL) {
        struct smpp_tmsg *m = e->msg;
        for (int i = 0; i < m->nparts; i++) {
            if (m->ents[i] == e)
                m->ents[i] = NULL;
        }
        m->entries--;
        msg_maybe_free(m);
    }
    free(e);
}

static void report(struct smpp_track *t, const char *pmid, enum provider_dlr st, const char *err)
{
    struct provider_report r = {.pmid = pmid, .status = st, .error_code = err, .at = 0};
    t->report(t->arg, &r);
}

static int is_final(enum provider_dlr st)
{
    return st != PROVIDER_DLR_NONE && st != PROVIDER_DLR_SENT;
}

/* All accepted parts final and the engine told: one receipt for the message. */
static void msg_maybe_report(struct smpp_track *t, struct smpp_tmsg *m)
{
    if (m->reported || !m->engine_told || m->answered_parts < m->nparts || m->accepted == 0 ||
        m->finals < m->accepted)
        return;
    m->reported = 1;
    report(t, m->first, m->worst, m->err[0] ? m->err : NULL);
    /* forget its ids: later duplicates fall through as unknown and match no row */
    struct entry *v[256];
    int n = 0;
    for (int i = 0; i < m->nparts && n < 256; i++) {
        if (m->ents[i] != NULL)
            v[n++] = m->ents[i];
    }
    for (int i = 0; i < n; i++)
        remove_entry(t, v[i]); /* frees m with the last one */
}

static void apply(struct smpp_track *t, struct entry *e, enum provider_dlr st, const char *err)
{
    struct smpp_tmsg *m = e->msg;
    if (!is_final(st)) {
        if (m->engine_told && !m->reported && m->finals == 0 && st == PROVIDER_DLR_SENT)
            report(t, m->first, PROVIDER_DLR_SENT, NULL);
        return;
    }
    if (e->final)
        return; /* duplicate */
    e->final = 1;
    m->finals++;
    if (st != PROVIDER_DLR_DELIVERED && m->worst == PROVIDER_DLR_DELIVERED) {
        m->worst = m->nparts > 1 && st != PROVIDER_DLR_EXPIRED ? PROVIDER_DLR_UNDELIVERED : st;
        snprintf(m->err, sizeof(m->err), "%s", err ? err : "");
    }
    msg_maybe_report(t, m);
}

struct smpp_track *smpp_track_new(provider_report_cb rep, void *arg, int hold_ms, int64_t ttl_ms,
                                  size_t max)
{
    struct smpp_track *t = xcalloc(1, sizeof(*t));
    t->report = rep;
    t->arg = arg;
    t->hold_ms = hold_ms;
    t->ttl_ms = ttl_ms;
    t->max = max;
    t->cap = 1024;
    t->tab = xcalloc(t->cap, sizeof(*t->tab));
    return t;
}

void smpp_track_free(struct smpp_track *t)
{
    if (t == NULL)
        return;
    /* a message not yet answered to the engine is not freed here (smpp_track_msg_free) */
    while (t->parts.oldest != NULL)
        remove_entry(t, t->parts.oldest);
    while (t->held.oldest != NULL)
        remove_entry(t, t->held.oldest);
    free(t->tab);
    free(t);
}

struct smpp_tmsg *smpp_track_msg(struct smpp_track *t, int nparts)
{
    (void)t;
    struct smpp_tmsg *m = xcalloc(1, sizeof(*m) + (size_t)nparts * sizeof(m->ents[0]));
    m->nparts = nparts;
    m->worst = PROVIDER_DLR_DELIVERED;
    return m;
}

void smpp_track_part(struct smpp_track *t, struct smpp_tmsg *m, const char *id)
{
    m->answered_parts++;
    if (id == NULL || *id == '\0') {
        /* a part the SMSC did not take: the message cannot be delivered whole */
        if (m->worst == PROVIDER_DLR_DELIVERED) {
            m->worst = PROVIDER_DLR_UNDELIVERED;
            snprintf(m->err, sizeof(m->err), "part_not_submitted");
        }
        return;
    }
    char key[KEY_MAX];
    normalise(id, key);
    if (m->accepted++ == 0)
        snprintf(m->first, sizeof(m->first), "%s", id);
    struct entry *held = lookup_any(t, key);
    struct entry *e = insert(t, key, mono_ms() + t->ttl_ms, 0);
    e->msg = m;
    m->entries++;
    for (int i = 0; i < m->nparts; i++) {
        if (m->ents[i] == NULL) {
            m->ents[i] = e;
            break;
        }
    }
    if (held != NULL && held->msg == NULL) {
        enum provider_dlr st = held->held_status;
        char err[32];
        snprintf(err, sizeof(err), "%s", held->held_err);
        remove_entry(t, held);
        apply(t, e, st, err[0] ? err : NULL);
    }
}

void smpp_track_answered(struct smpp_track *t, struct smpp_tmsg *m, char *pmid, size_t cap)
{
    if (pmid != NULL && cap > 0)
        snprintf(pmid, cap, "%s", m->first);
    m->engine_told = 1;
    if (m->accepted == 0) {
        msg_maybe_free(m);
        return;
    }
    msg_maybe_report(t, m);
}

const char *smpp_track_first_id(const struct smpp_tmsg *m)
{
    return m->accepted > 0 ? m->first : NULL;
}

void smpp_track_receipt(struct smpp_track *t, const char *id, enum provider_dlr st,
                        const char *err)
{
    char key[KEY_MAX];
    if (id == NULL || *id == '\0' || st == PROVIDER_DLR_NONE)
        return;
    normalise(id, key);
    struct entry *e = lookup_any(t, key);
    if (e != NULL && e->msg != NULL) {
        apply(t, e, st, err);
        return;
    }
    if (e != NULL) { /* already held: keep the final one */
        if (is_final(st)) {
            e->held_status = st;
            snprintf(e->held_err, sizeof(e->held_err), "%s", err ? err : "");
        }
        return;
    }
    /* not known (yet): its submit_sm_resp may still be on its way */
    e = insert(t, key, mono_ms() + t->hold_ms, 1);
    e->held_status = st;
    snprintf(e->held_err, sizeof(e->held_err), "%s", err ? err : "");
    snprintf(e->raw, sizeof(e->raw), "%s", id);
}

void smpp_track_sweep(struct smpp_track *t)
{
    int64_t now = mono_ms();
    while (t->held.oldest != NULL && now >= t->held.oldest->expires) {
        /* nobody claimed it: pass it on as is (a message from before a restart) */
        struct entry *e = t->held.oldest;
        char raw[KEY_MAX], err[32];
        enum provider_dlr st = e->held_status;
        snprintf(raw, sizeof(raw), "%s", e->raw);
        snprintf(err, sizeof(err), "%s", e->held_err);
        remove_entry(t, e);
        report(t, raw, st, err[0] ? err : NULL);
    }
    /* PART entries of messages still being submitted are young: the walk stops there */
    while (t->parts.oldest != NULL && (now >= t->parts.oldest->expires || t->n > t->max) &&
           t->parts.oldest->msg->engine_told)
        remove_entry(t, t->parts.oldest);
}

void smpp_track_msg_free(struct smpp_tmsg *m)
{
    if (m == NULL)
        return;
    if (m->entries == 0)
        free(m);
    else
        m->engine_told = 1, m->answered_parts = m->nparts; /* the tracker frees it */
}

size_t smpp_track_size(const struct smpp_track *t)
{
    return t->n;
}
