/*
 * log.h — structured JSON log lines on one file descriptor.
 *
 * Each call writes one complete line with a single write(2), so lines from many threads
 * never interleave. The logger holds no mutable state after log_init; it is safe from
 * any thread. Callers never pass secrets or message bodies; phone numbers are masked
 * by the caller (phone_mask).
 */
#ifndef SH_LOG_H
#define SH_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

struct log {
    enum log_level level;
    int fd;
};

/* Sets lg to write lines at or above level to fd (borrowed, not closed). */
void log_init(struct log *lg, enum log_level level, int fd);

/* Parses "debug|info|warn|error|off" into *out. Returns 0 or SH_EINVAL. */
int log_level_parse(const char *s, enum log_level *out);

/*
 * Writes {"ts":…,"level":…,"msg":<fmt formatted, escaped>} plus optional extra JSON members
 * in `fields` (already valid JSON members without braces, e.g. "\"port\":8080", or NULL).
 * Lines longer than 4 KiB are truncated. Any thread; never blocks beyond write(2).
 */
void log_msg(const struct log *lg, enum log_level lvl, const char *fields, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes an already formatted line (a newline is appended). Any thread. */
void log_line(const struct log *lg, const char *line, size_t len);

/* Whether lvl would be written. */
static inline int log_enabled(const struct log *lg, enum log_level lvl)
{
    return lg != NULL && lvl >= lg->level && lg->level != LOG_OFF;
}

/*
 * Appends s as the inside of a JSON string (without quotes) to out (capacity cap) at *pos,
 * escaping as RFC 8259 requires; stops silently at capacity. Returns the new position.
 */
size_t log_json_escape(char *out, size_t cap, size_t pos, const char *s);

#define LOG_DEBUGF(lg, ...) log_msg((lg), LOG_DEBUG, NULL, __VA_ARGS__)
#define LOG_INFOF(lg, ...) log_msg((lg), LOG_INFO, NULL, __VA_ARGS__)
#define LOG_WARNF(lg, ...) log_msg((lg), LOG_WARN, NULL, __VA_ARGS__)
#define LOG_ERRORF(lg, ...) log_msg((lg), LOG_ERROR, NULL, __VA_ARGS__)

#endif
