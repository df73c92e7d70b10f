/*
 * fuzz_basic_auth.c — libFuzzer target for lib/basic_auth (the Authorization: Basic header of
 * OAuth2 clients at POST /oauth/token).
 *
 * Checks what the parser promises: SH_OK gives two NUL-terminated strings no longer than the
 * input; any other result leaves both NULL; the result is one of SH_OK, SH_ENOTFOUND,
 * SH_EINVAL. Any breach calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/basic_auth.h"
#include "lib/err.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    const char *u = (const char *)1, *p = (const char *)1;
    char *hdr = malloc(size + 1);
    if (hdr == NULL)
        return 0;
    memcpy(hdr, data, size);
    hdr[size] = '\0'; /* a header value is a C string: stop at the first NUL like MHD does */
    arena_init(&a);
    int st = basic_auth_parse(hdr, &a, &u, &p);
    CHECK(st == SH_OK || st == SH_ENOTFOUND || st == SH_EINVAL);
    if (st == SH_OK) {
        CHECK(u != NULL && p != NULL);
        CHECK(strlen(u) + strlen(p) <= size);
    } else {
        CHECK(u == NULL && p == NULL);
    }
    arena_release(&a);
    free(hdr);
    return 0;
}
