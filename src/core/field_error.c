/* field_error.c — see field_error.h. */
#include "core/field_error.h"

#include <stdarg.h>
#include <stdio.h>

void field_error_add(struct field_errors *fe, const char *field, const char *code, const char *fmt,
                     ...)
{
    va_list ap;
    if (fe->n >= FIELD_ERRORS_MAX)
        return;
    struct field_error *e = &fe->e[fe->n++];
    e->field = field;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
    va_end(ap);
}
