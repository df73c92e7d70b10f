/*
 * clock.h — wall-clock and monotonic time, RFC 3339 formatting and parsing.
 *
 * All stored times are UTC milliseconds since the Unix epoch (int64). Pure functions;
 * any thread.
 */
#ifndef SH_CLOCK_H
#define SH_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock UTC milliseconds since the epoch. */
int64_t clock_now_ms(void);

/* Monotonic microseconds (CLOCK_MONOTONIC), for durations only. */
int64_t clock_mono_us(void);

/* Formats ms as "2026-11-22T10:00:00.123Z" into out (cap >= 25). Returns out. */
char *clock_fmt_rfc3339(int64_t ms, char *out, size_t cap);

/*
 * Parses an RFC 3339 date-time ("2026-11-22T10:00:00Z", fractional seconds and numeric
 * offsets accepted, 'T' or 't' or ' ' separator). Returns 0 and sets *ms, or SH_EINVAL.
 */
int clock_parse_rfc3339(const char *s, int64_t *ms);

#endif
