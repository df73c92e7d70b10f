/* id.c — ULID-layout ids and small encoders. See id.h. */
#include "lib/id.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static char *id_build(const char *prefix, int64_t ms, const unsigned char rnd[10], char *out,
                      size_t cap)
{
    unsigned char b[16];
    uint64_t t = (uint64_t)ms;
    size_t pl = strlen(prefix);

    if (cap < pl + 2 + ID_BODY_LEN) {
        if (cap > 0)
            out[0] = '\0';
        return out;
    }
    for (int i = 5; i >= 0; i--) {
        b[i] = (unsigned char)(t & 0xff);
        t >>= 8;
    }
    memcpy(b + 6, rnd, 10);
    memcpy(out, prefix, pl);
    out[pl] = '_';
    /* 128 bits -> 26 chars of 5 bits, the first carrying only 3 bits */
    char *o = out + pl + 1;
    int bit = -2; /* 130 bit positions, the first two are padding */
    for (int i = 0; i < ID_BODY_LEN; i++) {
        unsigned v = 0;
        for (int k = 0; k < 5; k++, bit++) {
            v <<= 1;
            if (bit >= 0 && (b[bit / 8] >> (7 - bit % 8)) & 1)
                v |= 1;
        }
        o[i] = crockford[v];
    }
    o[ID_BODY_LEN] = '\0';
    return out;
}

char *id_new(const char *prefix, int64_t ms, char *out, size_t cap)
{
    unsigned char rnd[10];
    randombytes_buf(rnd, sizeof(rnd));
    return id_build(prefix, ms, rnd, out, cap);
}

char *id_floor(const char *prefix, int64_t ms, char *out, size_t cap)
{
    static const unsigned char zero[10];
    return id_build(prefix, ms, zero, out, cap);
}

int id_valid(const char *prefix, const char *s)
{
    size_t pl = strlen(prefix);
    if (strncmp(s, prefix, pl) != 0 || s[pl] != '_')
        return 0;
    s += pl + 1;
    if (strlen(s) != ID_BODY_LEN || s[0] > '7') /* the first character carries 3 bits */
        return 0;
    for (; *s; s++) {
        if (strchr(crockford, *s) == NULL)
            return 0;
    }
    return 1;
}

void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = '\0';
}

size_t base64url_encode(const unsigned char *in, size_t n, char *out)
{
    sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                      in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return strlen(out);
}
