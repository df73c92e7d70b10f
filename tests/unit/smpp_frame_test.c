/*
 * smpp_frame_test.c — unit tests for smpp/frame: cutting a byte stream into PDUs.
 *
 * The same stream of PDUs is fed whole, byte by byte and in every chunk size up to its
 * length, and must come out as the same PDUs. Bad command_length values (0, < 16, > max,
 * 0xFFFFFFFF) must be refused from the header alone, before the body is allocated, and
 * leave the reader failed with the header kept for the generic_nack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "smpp/frame.h"
#include "smpp/pdu.h"

static size_t put_pdu(unsigned char *out, uint32_t id, uint32_t seq, size_t body_len)
{
    size_t len = 16 + body_len;
    out[0] = (unsigned char)(len >> 24);
    out[1] = (unsigned char)(len >> 16);
    out[2] = (unsigned char)(len >> 8);
    out[3] = (unsigned char)len;
    out[4] = (unsigned char)(id >> 24);
    out[5] = (unsigned char)(id >> 16);
    out[6] = (unsigned char)(id >> 8);
    out[7] = (unsigned char)id;
    memset(out + 8, 0, 4);
    out[12] = (unsigned char)(seq >> 24);
    out[13] = (unsigned char)(seq >> 16);
    out[14] = (unsigned char)(seq >> 8);
    out[15] = (unsigned char)seq;
    for (size_t i = 0; i < body_len; i++)
        out[16 + i] = (unsigned char)(seq + i);
    return len;
}

/* A stream of PDUs of assorted sizes; returns its length and their sizes. */
static size_t make_stream(unsigned char *out, size_t *sizes, size_t *count)
{
    static const size_t bodies[] = {0, 1, 15, 16, 17, 300, 0, 4000, 2};
    size_t n = 0;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        sizes[i] = put_pdu(out + n, SMPP_CMD_ENQUIRE_LINK, (uint32_t)i + 1, bodies[i]);
        n += sizes[i];
    }
    *count = sizeof(bodies) / sizeof(bodies[0]);
    return n;
}

/* Feeds stream in chunks of `chunk` octets; checks every PDU against the stream. */
static void feed_in_chunks(const unsigned char *stream, size_t len, const size_t *sizes,
                           size_t count, size_t chunk)
{
    struct smpp_frame f;
    size_t got = 0, pos = 0, expect_off = 0;

    smpp_frame_init(&f, 0);
    while (pos < len) {
        size_t n = len - pos < chunk ? len - pos : chunk;
        size_t off = 0;
        while (off < n) {
            const unsigned char *pdu;
            size_t plen, used;
            assert_int_equal(smpp_frame_feed(&f, stream + pos + off, n - off, &used), SH_OK);
            off += used;
            while (smpp_frame_next(&f, &pdu, &plen) == SH_OK) {
                assert_true(got < count);
                assert_int_equal(plen, sizes[got]);
                assert_memory_equal(pdu, stream + expect_off, plen);
                expect_off += plen;
                got++;
            }
            assert_true(f.cap <= f.max);
        }
        pos += n;
    }
    assert_int_equal(got, count);
    {
        const unsigned char *pdu;
        size_t plen;
        assert_int_equal(smpp_frame_next(&f, &pdu, &plen), SH_AGAIN);
    }
    smpp_frame_release(&f);
}

static void test_chunk_sizes(void **state)
{
    unsigned char *stream = malloc(8192);
    size_t sizes[16], count;
    size_t len;
    (void)state;
    assert_non_null(stream);
    len = make_stream(stream, sizes, &count);
    /* byte by byte, every small chunk size, sizes around the header, and all at once */
    for (size_t chunk = 1; chunk <= 40; chunk++)
        feed_in_chunks(stream, len, sizes, count, chunk);
    feed_in_chunks(stream, len, sizes, count, 4095);
    feed_in_chunks(stream, len, sizes, count, 4096);
    feed_in_chunks(stream, len, sizes, count, len);
    free(stream);
}

static void test_pdus_decode(void **state)
{
    /* two real PDUs in one chunk come out decodable */
    unsigned char buf[64];
    struct smpp_pdu a;
    struct smpp_frame f;
    const unsigned char *pdu;
    size_t n = 0, m = 0, used, plen;
    (void)state;
    smpp_pdu_init(&a, SMPP_CMD_ENQUIRE_LINK, 5);
    assert_int_equal(smpp_pdu_encode(&a, buf, sizeof(buf), &n), SH_OK);
    smpp_pdu_init(&a, SMPP_CMD_SUBMIT_SM_RESP, 5);
    strcpy(a.message_id, "abc");
    assert_int_equal(smpp_pdu_encode(&a, buf + n, sizeof(buf) - n, &m), SH_OK);
    smpp_frame_init(&f, 0);
    assert_int_equal(smpp_frame_feed(&f, buf, n + m, &used), SH_OK);
    assert_int_equal(used, n);
    /* a finished PDU must be taken before more is consumed */
    assert_int_equal(smpp_frame_feed(&f, buf + used, n + m - used, &used), SH_OK);
    assert_int_equal(used, 0);
    assert_int_equal(smpp_frame_next(&f, &pdu, &plen), SH_OK);
    assert_int_equal(smpp_pdu_decode(pdu, plen, &a), SH_OK);
    assert_int_equal(a.command_id, SMPP_CMD_ENQUIRE_LINK);
    assert_int_equal(smpp_frame_feed(&f, buf + n, m, &used), SH_OK);
    assert_int_equal(used, m);
    assert_int_equal(smpp_frame_next(&f, &pdu, &plen), SH_OK);
    assert_int_equal(smpp_pdu_decode(pdu, plen, &a), SH_OK);
    assert_string_equal(a.message_id, "abc");
    smpp_frame_release(&f);
}

static const struct bad_len {
    const char *name;
    uint32_t length;
    size_t max;
    int want;
} bad_lens[] = {
    {"zero", 0, 0, SH_EINVAL},
    {"one", 1, 0, SH_EINVAL},
    {"fifteen", 15, 0, SH_EINVAL},
    {"over default max", SMPP_FRAME_DEFAULT_MAX + 1, 0, SH_ETOOBIG},
    {"0xFFFFFFFF", 0xFFFFFFFF, 0, SH_ETOOBIG},
    {"0x80000000", 0x80000000, 0, SH_ETOOBIG},
    {"over configured max", 1025, 1024, SH_ETOOBIG},
    {"over hard max", SMPP_FRAME_HARD_MAX + 1, 0xFFFFFFFF, SH_ETOOBIG},
};

static void test_bad_lengths(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_lens) / sizeof(bad_lens[0]); i++) {
        const struct bad_len *c = &bad_lens[i];
        unsigned char hdr[32];
        struct smpp_frame f;
        const unsigned char *pdu;
        size_t used = 99, plen;
        put_pdu(hdr, SMPP_CMD_SUBMIT_SM, 0x1234, 0);
        hdr[0] = (unsigned char)(c->length >> 24);
        hdr[1] = (unsigned char)(c->length >> 16);
        hdr[2] = (unsigned char)(c->length >> 8);
        hdr[3] = (unsigned char)c->length;
        memset(hdr + 16, 0xAB, 16);
        smpp_frame_init(&f, c->max);
        /* 15 octets: nothing decided yet */
        assert_int_equal(smpp_frame_feed(&f, hdr, 15, &used), SH_OK);
        assert_int_equal(used, 15);
        if (smpp_frame_feed(&f, hdr + 15, 17, &used) != c->want)
            fail_msg("%s: not refused", c->name);
        /* refused from the header: the buffer never grew for the body */
        assert_true(f.cap <= 64);
        assert_int_equal(f.bad_length, c->length);
        assert_int_equal(f.bad_command_id, SMPP_CMD_SUBMIT_SM);
        assert_int_equal(f.bad_sequence, 0x1234);
        /* sticky */
        assert_int_equal(smpp_frame_feed(&f, hdr, 16, &used), c->want);
        assert_int_equal(used, 0);
        assert_int_equal(smpp_frame_next(&f, &pdu, &plen), c->want);
        smpp_frame_release(&f);
        /* release resets: the reader works again */
        assert_int_equal(smpp_frame_feed(&f, hdr, 4, &used), SH_OK);
        smpp_frame_release(&f);
    }
}

static void test_max_boundaries(void **state)
{
    unsigned char *buf = malloc(SMPP_FRAME_DEFAULT_MAX);
    struct smpp_frame f;
    const unsigned char *pdu;
    size_t used, plen;
    (void)state;
    assert_non_null(buf);
    /* exactly max is accepted, and allocation stays within max */
    put_pdu(buf, SMPP_CMD_SUBMIT_SM, 1, SMPP_FRAME_DEFAULT_MAX - 16);
    smpp_frame_init(&f, 0);
    assert_int_equal(f.max, SMPP_FRAME_DEFAULT_MAX);
    assert_int_equal(smpp_frame_feed(&f, buf, SMPP_FRAME_DEFAULT_MAX, &used), SH_OK);
    assert_int_equal(used, SMPP_FRAME_DEFAULT_MAX);
    assert_true(f.cap <= SMPP_FRAME_DEFAULT_MAX);
    assert_int_equal(smpp_frame_next(&f, &pdu, &plen), SH_OK);
    assert_int_equal(plen, SMPP_FRAME_DEFAULT_MAX);
    smpp_frame_release(&f);
    /* a max below the header is raised to 16: header-only PDUs still pass */
    smpp_frame_init(&f, 3);
    assert_int_equal(f.max, 16);
    put_pdu(buf, SMPP_CMD_ENQUIRE_LINK, 2, 0);
    assert_int_equal(smpp_frame_feed(&f, buf, 16, &used), SH_OK);
    assert_int_equal(smpp_frame_next(&f, &pdu, &plen), SH_OK);
    put_pdu(buf, SMPP_CMD_ENQUIRE_LINK, 2, 1);
    assert_int_equal(smpp_frame_feed(&f, buf, 17, &used), SH_ETOOBIG);
    smpp_frame_release(&f);
    /* empty feeds are harmless */
    smpp_frame_init(&f, 0);
    assert_int_equal(smpp_frame_feed(&f, NULL, 0, &used), SH_OK);
    assert_int_equal(used, 0);
    assert_int_equal(smpp_frame_next(&f, &pdu, &plen), SH_AGAIN);
    smpp_frame_release(&f);
    smpp_frame_release(NULL);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunk_sizes),
        cmocka_unit_test(test_pdus_decode),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_max_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
