/*
 * fuzz_form.c — libFuzzer target for lib/form (form-encoded bodies: POST /oauth/token).
 *
 * Checks what the parser promises: on success every name and value is a NUL-terminated
 * string without embedded NULs, names are unique, at most FORM_MAX_FIELDS fields, and every
 * decoded string is no longer than the input. Any breach calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "lib/form.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct form f;
    arena_init(&a);
    if (form_parse((const char *)data, size, &a, &f, NULL) == SH_OK) {
        CHECK(f.n <= FORM_MAX_FIELDS);
        for (size_t i = 0; i < f.n; i++) {
            CHECK(strlen(f.name[i]) <= size && strlen(f.value[i]) <= size);
            CHECK(form_get(&f, f.name[i]) == f.value[i]);
            for (size_t j = i + 1; j < f.n; j++)
                CHECK(strcmp(f.name[i], f.name[j]) != 0);
        }
    }
    arena_release(&a);
    return 0;
}
