/*
 * smpp_mo.c — reassembly of concatenated mobile-originated messages for the `smpp` driver:
 * parts (UDH with an 8- or 16-bit reference, or SAR TLVs) are grouped by (kind, reference,
 * total, sender, recipient), kept in memory in any order, and handed out as one message once
 * every part is in, or after the timeout with whatever arrived. Bounded: at most max_groups
 * messages of at most SMPP_MO_GROUP_OCTETS octets; a new message when full evicts the oldest
 * (handed out incomplete). Pure bookkeeping, no I/O; engine thread.
 */
#include "providers/smpp_drv.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mo_piece {
    unsigned char *data;
    size_t len;
    uint8_t dc;
    int present;
};

struct smpp_mo_group {
    struct smpp_mo_group *prev, *next; /* oldest first */
    enum smpp_mo_kind kind;
    uint16_t ref;
    uint8_t total;
    int received;
    size_t octets;
    int storing;    /* handed out; waits for smpp_mo_stored */
    int expired;    /* evicted or timed out: to be handed out by smpp_mo_take_expired */
    int completing; /* index of the part that completed it (while storing), else -1 */
    int64_t deadline;
    char from[72], to[72];
    struct mo_piece piece[255];
};

struct smpp_mo {
    int64_t timeout_ms;
    size_t max, n;
    struct smpp_mo_group *head, *tail;
};

struct smpp_mo *smpp_mo_new(int64_t timeout_ms, size_t max_groups)
{
    struct smpp_mo *r = xcalloc(1, sizeof(*r));
    r->timeout_ms = timeout_ms;
    r->max = max_groups > 0 ? max_groups : 1;
    return r;
}

static void group_unlink_free(struct smpp_mo *r, struct smpp_mo_group *g)
{
    if (g->prev != NULL)
        g->prev->next = g->next;
    else
        r->head = g->next;
    if (g->next != NULL)
        g->next->prev = g->prev;
    else
        r->tail = g->prev;
    for (int i = 0; i < g->total; i++)
        free(g->piece[i].data);
    free(g);
    r->n--;
}

void smpp_mo_free(struct smpp_mo *r)
{
    if (r == NULL)
        return;
    while (r->head != NULL)
        group_unlink_free(r, r->head);
    free(r);
}

size_t smpp_mo_count(const struct smpp_mo *r)
{
    return r->n;
}

static struct smpp_mo_group *find(struct smpp_mo *r, const struct smpp_mo_part *p)
{
    for (struct smpp_mo_group *g = r->head; g != NULL; g = g->next) {
        if (g->kind == p->kind && g->ref == p->ref && g->total == p->total && !g->expired &&
            strncmp(g->from, p->from, sizeof(g->from) - 1) == 0 &&
            strncmp(g->to, p->to, sizeof(g->to) - 1) == 0)
            return g;
    }
    return NULL;
}

enum smpp_mo_add_result smpp_mo_add(struct smpp_mo *r, const struct smpp_mo_part *p, int64_t now,
                                    struct smpp_mo_group **out)
{
    struct smpp_mo_group *g = find(r, p);
    *out = NULL;
    if (p->total < 2 || p->seq < 1 || p->seq > p->total)
        return SMPP_MO_TOOBIG;
    if (g == NULL) {
        if (r->n >= r->max) { /* evict the oldest message not already handed out */
            for (struct smpp_mo_group *o = r->head; o != NULL; o = o->next) {
                if (!o->storing && !o->expired) {
                    o->expired = 1;
                    break;
                }
            }
            if (r->n >= r->max + 16) /* everything is being stored: refuse for now */
                return SMPP_MO_TOOBIG;
        }
        g = xcalloc(1, sizeof(*g));
        g->kind = p->kind;
        g->ref = p->ref;
        g->total = p->total;
        g->completing = -1;
        g->deadline = now + r->timeout_ms;
        snprintf(g->from, sizeof(g->from), "%s", p->from);
        snprintf(g->to, sizeof(g->to), "%s", p->to);
        g->prev = r->tail;
        if (r->tail != NULL)
            r->tail->next = g;
        else
            r->head = g;
        r->tail = g;
        r->n++;
    }
    struct mo_piece *pc = &g->piece[p->seq - 1];
    if (pc->present || g->storing)
        return SMPP_MO_DUP;
    if (g->octets + p->len > SMPP_MO_GROUP_OCTETS)
        return SMPP_MO_TOOBIG;
    pc->data = xmalloc(p->len > 0 ? p->len : 1);
    if (p->len > 0)
        memcpy(pc->data, p->data, p->len);
    pc->len = p->len;
    pc->dc = p->dc;
    pc->present = 1;
    g->octets += p->len;
    if (++g->received < g->total)
        return SMPP_MO_HELD;
    g->storing = 1;
    g->completing = p->seq - 1;
    *out = g;
    return SMPP_MO_COMPLETE;
}

struct smpp_mo_group *smpp_mo_take_expired(struct smpp_mo *r, int64_t now)
{
    for (struct smpp_mo_group *g = r->head; g != NULL; g = g->next) {
        if (!g->storing && (g->expired || now >= g->deadline)) {
            g->expired = 1;
            g->storing = 1;
            g->completing = -1;
            return g;
        }
    }
    return NULL;
}

void smpp_mo_stored(struct smpp_mo *r, struct smpp_mo_group *g, int ok)
{
    if (ok) {
        group_unlink_free(r, g);
        return;
    }
    /* kept; the part that completed it was refused, so the SMSC sends it again and that
     * completes it again (or the timeout hands it out) */
    g->storing = 0;
    if (g->completing >= 0) {
        struct mo_piece *pc = &g->piece[g->completing];
        g->received--;
        g->octets -= pc->len;
        free(pc->data);
        *pc = (struct mo_piece){0};
        g->completing = -1;
    }
}

char *smpp_mo_text(const struct smpp_mo_group *g, const char **from, const char **to, int *received,
                   int *total, uint8_t *dc)
{
    size_t cap = 3 * g->octets + 5 * (size_t)g->total + 1, o = 0;
    char *text = xmalloc(cap);
    unsigned char *run = xmalloc(g->octets > 0 ? g->octets : 1);
    int i = 0, first = 1;
    text[0] = '\0';
    *dc = 0;
    while (i < g->total) {
        if (!g->piece[i].present) {
            i++;
            continue;
        }
        size_t rl = 0;
        uint8_t rdc = g->piece[i].dc;
        if (first)
            *dc = rdc, first = 0;
        while (i < g->total && g->piece[i].present && g->piece[i].dc == rdc) {
            memcpy(run + rl, g->piece[i].data, g->piece[i].len);
            rl += g->piece[i].len;
            i++;
        }
        o += smpp_text_decode(run, rl, rdc, text + o, cap - o);
    }
    free(run);
    *from = g->from;
    *to = g->to;
    *received = g->received;
    *total = g->total;
    return text;
}
