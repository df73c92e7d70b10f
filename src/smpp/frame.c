/*
 * frame.c — SMPP stream framing. See frame.h.
 *
 * The buffer grows geometrically up to the PDU in hand and never past max; it is kept
 * between PDUs so a steady stream of small PDUs allocates once.
 */
#include "smpp/frame.h"

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/xalloc.h"
#include "smpp/pdu.h"

void smpp_frame_init(struct smpp_frame *f, size_t max_pdu)
{
    memset(f, 0, sizeof(*f));
    if (max_pdu == 0)
        max_pdu = SMPP_FRAME_DEFAULT_MAX;
    if (max_pdu < SMPP_HEADER_LEN)
        max_pdu = SMPP_HEADER_LEN;
    if (max_pdu > SMPP_FRAME_HARD_MAX)
        max_pdu = SMPP_FRAME_HARD_MAX;
    f->max = max_pdu;
}

void smpp_frame_release(struct smpp_frame *f)
{
    size_t max;
    if (f == NULL)
        return;
    max = f->max;
    free(f->buf);
    smpp_frame_init(f, max);
}

/* Makes buf hold at least n octets; n <= max is checked by the caller. */
static void reserve(struct smpp_frame *f, size_t n)
{
    size_t cap = f->cap < 64 ? 64 : f->cap;
    if (n <= f->cap)
        return;
    while (cap < n)
        cap *= 2;
    if (cap > f->max)
        cap = f->max;
    if (cap < n)
        cap = n;
    f->buf = xrealloc(f->buf, cap);
    f->cap = cap;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Validates the complete header in buf. Returns SH_OK or the (now sticky) error. */
static int check_header(struct smpp_frame *f)
{
    uint32_t length = get32(f->buf);
    if (length >= SMPP_HEADER_LEN && length <= f->max) {
        f->need = length;
        return SH_OK;
    }
    f->bad_length = length;
    f->bad_command_id = get32(f->buf + 4);
    f->bad_sequence = get32(f->buf + 12);
    f->failed = length < SMPP_HEADER_LEN ? SH_EINVAL : SH_ETOOBIG;
    return f->failed;
}

int smpp_frame_feed(struct smpp_frame *f, const unsigned char *data, size_t len, size_t *used)
{
    size_t take = 0;

    *used = 0;
    if (f->failed)
        return f->failed;
    if (f->ready || len == 0)
        return SH_OK;
    if (data == NULL)
        return SH_EINVAL;
    if (f->have < SMPP_HEADER_LEN) {
        size_t n = SMPP_HEADER_LEN - f->have;
        if (n > len)
            n = len;
        reserve(f, SMPP_HEADER_LEN);
        memcpy(f->buf + f->have, data, n);
        f->have += n;
        take = n;
        if (f->have < SMPP_HEADER_LEN) {
            *used = take;
            return SH_OK;
        }
        if (check_header(f) != SH_OK)
            return f->failed; /* *used stays 0: the stream is dead anyway */
        reserve(f, f->need);
    }
    {
        size_t n = f->need - f->have;
        if (n > len - take)
            n = len - take;
        memcpy(f->buf + f->have, data + take, n);
        f->have += n;
        take += n;
    }
    if (f->have == f->need)
        f->ready = 1;
    *used = take;
    return SH_OK;
}

int smpp_frame_next(struct smpp_frame *f, const unsigned char **pdu, size_t *len)
{
    if (f->failed)
        return f->failed;
    if (!f->ready)
        return SH_AGAIN;
    *pdu = f->buf;
    *len = f->need;
    /* the bytes stay in buf until the next feed overwrites them */
    f->ready = 0;
    f->have = 0;
    f->need = 0;
    return SH_OK;
}
