/*
 * field_error.h — validation errors collected per field, turned into problem+json
 * `errors[]` by the API. Core validators fill them; they never format HTTP.
 */
#ifndef SH_CORE_FIELD_ERROR_H
#define SH_CORE_FIELD_ERROR_H

#define FIELD_ERRORS_MAX 16

struct field_error {
    const char *field; /* static string, JSON name of the field ("to", "metadata") */
    const char *code;  /* stable machine code ("required", "invalid_phone_number") */
    char detail[192];  /* human sentence */
};

struct field_errors {
    struct field_error e[FIELD_ERRORS_MAX];
    int n;
};

/* Appends an error (dropped silently past FIELD_ERRORS_MAX). */
void field_error_add(struct field_errors *fe, const char *field, const char *code, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

#endif
