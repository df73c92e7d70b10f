/*
 * fuzz_smpp_receipt.c — libFuzzer target for smpp/receipt (receipt text from an SMSC).
 *
 * Parses the input as receipt text and checks what the parser promises: NUL-terminated
 * strings within their arrays, valid dates only, the stat enum in range, the id equal to
 * itself. The input is also cut in two and both halves compared as message ids, which must
 * be symmetric. Any breach calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "smpp/receipt.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static void check_time(const struct smpp_receipt_time *t)
{
    CHECK(t->year >= 2000 && t->year <= 2099);
    CHECK(t->month >= 1 && t->month <= 12 && t->day >= 1 && t->day <= 31);
    CHECK(t->hour >= 0 && t->hour <= 23 && t->minute >= 0 && t->minute <= 59);
    CHECK(t->second >= 0 && t->second <= 59);
    CHECK(smpp_receipt_time_epoch(t) >= 946684800 && smpp_receipt_time_epoch(t) < 4102444800);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smpp_receipt r;
    int st = smpp_receipt_parse((const char *)data, size, &r);

    CHECK(st == SH_OK || st == SH_EINVAL);
    CHECK(st == SH_OK || r.present == 0);
    CHECK(memchr(r.id, 0, sizeof(r.id)) != NULL);
    CHECK(memchr(r.stat_text, 0, sizeof(r.stat_text)) != NULL);
    CHECK(memchr(r.err, 0, sizeof(r.err)) != NULL);
    CHECK(r.text_len < sizeof(r.text) && r.text[r.text_len] == 0);
    CHECK(r.stat >= SMPP_STATE_NONE && r.stat <= SMPP_STATE_REJECTED);
    CHECK(r.err_code >= -1);
    if (r.present & SMPP_RCPT_ID) {
        CHECK(r.id[0] != 0);
        CHECK(smpp_receipt_id_equal(r.id, r.id));
    }
    if (r.present & SMPP_RCPT_SUBMIT_DATE)
        check_time(&r.submit_date);
    if (r.present & SMPP_RCPT_DONE_DATE)
        check_time(&r.done_date);

    /* the raw bytes as two ids */
    if (size > 0 && size < 256) {
        char a[256], b[256];
        size_t half = size / 2;
        memcpy(a, data, half);
        a[half] = 0;
        memcpy(b, data + half, size - half);
        b[size - half] = 0;
        CHECK(smpp_receipt_id_equal(a, b) == smpp_receipt_id_equal(b, a));
        CHECK(smpp_receipt_id_equal(a, a));
    }
    return 0;
}
