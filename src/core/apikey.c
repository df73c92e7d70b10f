/* apikey.c — see apikey.h. */
#include "core/apikey.h"
#include "lib/id.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void apikey_generate(const char *mode, char *out, size_t cap)
{
    unsigned char raw[32];
    char b64[64];
    randombytes_buf(raw, sizeof(raw));
    base64url_encode(raw, sizeof(raw), b64);
    snprintf(out, cap, "sk_%s_%s", mode, b64);
    sodium_memzero(raw, sizeof(raw));
}

int apikey_well_formed(const char *s)
{
    size_t n = strnlen(s, APIKEY_MAX + 1);
    if (n > APIKEY_MAX || n < 20)
        return 0;
    if (strncmp(s, "sk_live_", 8) != 0 && strncmp(s, "sk_test_", 8) != 0)
        return 0;
    for (size_t i = 8; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

void apikey_hash(const char *key, unsigned char out[32])
{
    crypto_hash_sha256(out, (const unsigned char *)key, strlen(key));
}
