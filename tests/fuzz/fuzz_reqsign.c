/*
 * fuzz_reqsign.c — libFuzzer target for core/reqsign: the three signing headers, cut from
 * the input at newlines (timestamp, nonce, signature). Checks: a parse that succeeds gives a
 * nonce within the length bounds and a timestamp that formats back to its text; verifying
 * against any secret never crashes and a signature made for the request verifies.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/reqsign.h"
#include "lib/err.h"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_reqsign: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *parts[3] = {NULL, NULL, NULL}, *save = NULL;
    struct reqsign rs;
    const char *field;
    int n = 0;

    if (s == NULL || sodium_init() < 0)
        goto out;
    memcpy(s, data, size);
    s[size] = '\0';
    for (char *p = strtok_r(s, "\n", &save); p != NULL && n < 3; p = strtok_r(NULL, "\n", &save))
        parts[n++] = p;
    if (reqsign_parse(parts[0], parts[1], parts[2], &rs, &field) == SH_OK) {
        size_t nl = strlen(rs.nonce);
        check(nl >= REQSIGN_NONCE_MIN && nl <= REQSIGN_NONCE_MAX, "nonce length");
        check(strcmp(rs.ts_text, parts[0]) == 0, "timestamp text");
        (void)reqsign_fresh(&rs, 1767225600);
        reqsign_verify("secret", 6, "POST", "/v1/messages", &rs, data, size);
        reqsign_mac("secret", 6, "POST", "/v1/messages", rs.ts_text, rs.nonce, data, size, rs.sig);
        check(reqsign_verify("secret", 6, "POST", "/v1/messages", &rs, data, size),
              "a fresh signature does not verify");
    } else {
        check(field != NULL || (parts[0] == NULL && parts[1] == NULL && parts[2] == NULL),
              "failure without a field");
    }
out:
    free(s);
    return 0;
}
