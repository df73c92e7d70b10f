/* log.c — JSON log lines, one write(2) per line. See log.h. */
#include "lib/log.h"
#include "lib/clock.h"
#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void log_init(struct log *lg, enum log_level level, int fd)
{
    lg->level = level;
    lg->fd = fd;
}

int log_level_parse(const char *s, enum log_level *out)
{
    for (int i = 0; i <= LOG_OFF; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return SH_OK;
        }
    }
    return SH_EINVAL;
}

size_t log_json_escape(char *out, size_t cap, size_t pos, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        const char *esc = NULL;
        char u[7];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20) {
            u[0] = '\\';
            u[1] = 'u';
            u[2] = '0';
            u[3] = '0';
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            u[6] = '\0';
            esc = u;
        }
        if (esc != NULL) {
            size_t n = strlen(esc);
            if (pos + n >= cap)
                return pos;
            memcpy(out + pos, esc, n);
            pos += n;
        } else {
            if (pos + 1 >= cap)
                return pos;
            out[pos++] = (char)c;
        }
    }
    return pos;
}

void log_line(const struct log *lg, const char *line, size_t len)
{
    char buf[LOG_LINE_MAX + 1];
    if (len > LOG_LINE_MAX)
        len = LOG_LINE_MAX;
    memcpy(buf, line, len);
    buf[len++] = '\n';
    ssize_t w = write(lg->fd, buf, len);
    (void)w; /* a failed log write has nowhere to be reported */
}

void log_msg(const struct log *lg, enum log_level lvl, const char *fields, const char *fmt, ...)
{
    char text[LOG_LINE_MAX];
    char line[LOG_LINE_MAX];
    char ts[40];
    va_list ap;
    size_t pos;

    if (!log_enabled(lg, lvl))
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    clock_fmt_rfc3339(clock_now_ms(), ts, sizeof(ts));
    pos = (size_t)snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts,
                           level_names[lvl]);
    pos = log_json_escape(line, sizeof(line) - 4, pos, text);
    line[pos++] = '"';
    if (fields != NULL && *fields != '\0') {
        int n = snprintf(line + pos, sizeof(line) - pos - 2, ",%s", fields);
        if (n > 0)
            pos += (size_t)n < sizeof(line) - pos - 2 ? (size_t)n : sizeof(line) - pos - 3;
    }
    line[pos++] = '}';
    log_line(lg, line, pos);
}
