/*
 * price_csv.h — tariffs as CSV (RFC 4180, UTF-8, header row) for import and export:
 *
 *   kind,credential_id,provider_id,project_id,country,prefix,unit_price,currency,valid_from,valid_to
 *   cost,cred_01…,,,UZ,,0.045000,USD,2026-01-01T00:00:00Z,
 *
 * Empty cells are NULL (or "open" for the validity bounds). Pure; any thread.
 */
#ifndef SH_CORE_PRICE_CSV_H
#define SH_CORE_PRICE_CSV_H

#include "lib/arena.h"
#include "store/prices.h"

#include <stddef.h>
#include <stdio.h>

#define PRICE_CSV_MAX_ROWS 10000

struct field_errors;

/*
 * Parses len bytes of CSV (borrowed) into rows allocated in a (ids left NULL). Every row is
 * checked (price_row_check); errors name "line N.field" in fe. Returns SH_OK when there are no
 * errors, SH_EINVAL otherwise (a bad header, malformed CSV, a bad cell, too many rows).
 */
int price_csv_parse(const char *body, size_t len, struct arena *a, struct price_row **rows,
                    size_t *n, struct field_errors *fe);

/* Writes the header and rows to f. Returns SH_OK or SH_EIO. */
int price_csv_write(FILE *f, const struct price_row *rows, size_t n);

#endif
