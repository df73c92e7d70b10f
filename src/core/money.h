/*
 * money.h — amounts of money as integers of micro-units (1/1 000 000 of the currency's unit)
 * with an ISO 4217 currency beside them, never floats (SPEC §7). Decimal strings at the API
 * boundary: "0.045", "12.50", "-3.00". Arithmetic is checked: an overflow is an error, not a
 * wrap. One rounding rule for derived amounts: half away from zero, at the micro-unit. Pure;
 * any thread.
 */
#ifndef SH_CORE_MONEY_H
#define SH_CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define MONEY_SCALE 1000000LL
#define MONEY_STR_MAX 32 /* "-9223372036854.775808" and a NUL fit */

/* Parses a decimal amount: optional '-', digits, optional '.' and 1..6 digits. No exponent, no
 * '+', no spaces, at most 12 integer digits (under 10^12 units). SH_OK or SH_EINVAL. */
int money_parse(const char *s, int64_t *out);

/* Formats v with at least 2 and at most 6 decimals (trailing zeros past the second dropped).
 * Returns out. */
char *money_format(int64_t v, char out[MONEY_STR_MAX]);

/* *out = a + b / a * n. SH_OK or SH_ETOOBIG on overflow. */
int money_add(int64_t a, int64_t b, int64_t *out);
int money_mul(int64_t a, int64_t n, int64_t *out);

/* *out = a * num / den rounded half away from zero (den > 0). SH_ETOOBIG on overflow. For
 * markups (num = 10000 + basis points, den = 10000) and proportional shares. */
int money_scale(int64_t a, int64_t num, int64_t den, int64_t *out);

/* Whether s is an ISO 4217 alphabetic code in form (three upper-case letters). */
int money_currency_ok(const char *s);

#endif
