/*
 * fuzz_price_csv.c — libFuzzer target for core/price_csv (tariff CSV uploaded by operators).
 *
 * On success every row passed its checks (so it has a valid kind, currency and a non-negative
 * unit) and writing the rows back and parsing that again gives the same rows. Any breach calls
 * abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/field_error.h"
#include "core/money.h"
#include "core/price_csv.h"
#include "lib/arena.h"
#include "lib/err.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct field_errors fe = {0}, fe2 = {0};
    struct price_row *rows, *again;
    size_t n, m, len = 0;
    char *buf = NULL;

    arena_init(&a);
    if (price_csv_parse((const char *)data, size, &a, &rows, &n, &fe) == SH_OK) {
        FILE *f = open_memstream(&buf, &len);
        CHECK(f != NULL && price_csv_write(f, rows, n) == SH_OK);
        fclose(f);
        CHECK(price_csv_parse(buf, len, &a, &again, &m, &fe2) == SH_OK && m == n);
        for (size_t i = 0; i < n; i++) {
            CHECK(rows[i].unit >= 0 && money_currency_ok(rows[i].currency));
            CHECK(rows[i].kind == again[i].kind && rows[i].unit == again[i].unit);
            CHECK(same_str(rows[i].prefix, again[i].prefix));
            CHECK(same_str(rows[i].credential_id, again[i].credential_id));
            CHECK(rows[i].valid_from == again[i].valid_from);
        }
        free(buf);
    }
    arena_release(&a);
    return 0;
}
