/* token.c — see token.h. */
#include "core/token.h"
#include "lib/id.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define TOKEN_BODY 43

static const char *prefix_of(enum token_kind kind)
{
    return kind == TOKEN_ACCESS ? "sha_" : "shr_";
}

void token_generate(enum token_kind kind, char *out, size_t cap)
{
    unsigned char raw[32];
    char body[TOKEN_BODY + 2];
    randombytes_buf(raw, sizeof(raw));
    base64url_encode(raw, sizeof(raw), body);
    snprintf(out, cap, "%s%s", prefix_of(kind), body);
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(body, sizeof(body));
}

int token_well_formed(enum token_kind kind, const char *s)
{
    const char *p = prefix_of(kind);
    if (strncmp(s, p, 4) != 0 || strlen(s) != 4 + TOKEN_BODY)
        return 0;
    for (s += 4; *s != '\0'; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

void token_hash(const char *token, unsigned char out[32])
{
    crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}
