/* form.c — see form.h. */
#include "lib/form.h"
#include "lib/err.h"

#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *form_decode(const char *s, size_t n, struct arena *a)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return NULL;
            int hi = hexval(s[i + 1]);
            int lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return NULL;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0')
            return NULL;
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

int form_parse(const char *body, size_t len, struct arena *a, struct form *out, const char **bad)
{
    size_t pos = 0;
    memset(out, 0, sizeof(*out));
    if (bad != NULL)
        *bad = NULL;
    while (pos < len) {
        const char *seg = body + pos;
        const char *amp = memchr(seg, '&', len - pos);
        size_t seglen = amp != NULL ? (size_t)(amp - seg) : len - pos;
        pos += seglen + (amp != NULL);
        if (seglen == 0)
            continue;
        const char *eq = memchr(seg, '=', seglen);
        size_t nlen = eq != NULL ? (size_t)(eq - seg) : seglen;
        char *name = form_decode(seg, nlen, a);
        char *value = eq != NULL ? form_decode(eq + 1, seglen - nlen - 1, a) : arena_strdup(a, "");
        if (name == NULL || value == NULL) {
            if (bad != NULL)
                *bad = name;
            return SH_EINVAL;
        }
        if (form_get(out, name) != NULL || out->n >= FORM_MAX_FIELDS) {
            if (bad != NULL)
                *bad = name;
            return SH_EINVAL;
        }
        out->name[out->n] = name;
        out->value[out->n] = value;
        out->n++;
    }
    return SH_OK;
}

const char *form_get(const struct form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->name[i], name) == 0)
            return f->value[i];
    return NULL;
}
