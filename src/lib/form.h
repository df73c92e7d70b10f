/*
 * form.h — application/x-www-form-urlencoded bodies (HTML 5 §4.10.21.6, RFC 6749 §B):
 * name=value pairs separated by '&', '+' for space, %XX escapes. Pure; any thread.
 */
#ifndef SH_LIB_FORM_H
#define SH_LIB_FORM_H

#include "lib/arena.h"

#include <stddef.h>

#define FORM_MAX_FIELDS 32

struct form {
    size_t n;
    const char *name[FORM_MAX_FIELDS];  /* decoded, in the arena */
    const char *value[FORM_MAX_FIELDS]; /* decoded, in the arena */
};

/*
 * Parses body (len bytes, borrowed) into out, strings in a. Returns SH_OK, or SH_EINVAL for a
 * bad %-escape, a NUL byte, a name given twice (RFC 6749 §3.2) or more than FORM_MAX_FIELDS
 * fields; then *bad (may be NULL) names the offending field when known (in a).
 */
int form_parse(const char *body, size_t len, struct arena *a, struct form *out, const char **bad);

/* Decodes n bytes of one form-encoded name or value ('+' is a space, %XX escapes) into a new
 * string in a. Returns NULL on a bad escape or a decoded NUL byte. */
char *form_decode(const char *s, size_t n, struct arena *a);

/* The value of name, or NULL. Returns borrowed (valid while the arena lives). */
const char *form_get(const struct form *f, const char *name);

#endif
