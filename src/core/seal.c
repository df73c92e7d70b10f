/* seal.c — see seal.h. */
#include "core/seal.h"
#include "lib/err.h"
#include "lib/id.h"
#include "lib/xalloc.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES

void sealer_init(struct sealer *s, const unsigned char key[32], const char *id)
{
    memset(s, 0, sizeof(*s));
    memcpy(s->keys[0].key, key, 32);
    snprintf(s->keys[0].id, sizeof(s->keys[0].id), "%s", id);
    s->n = 1;
}

int sealer_add(struct sealer *s, const unsigned char key[32], const char *id)
{
    if (s->n >= SEAL_MAX_KEYS)
        return SH_EFULL;
    memcpy(s->keys[s->n].key, key, 32);
    snprintf(s->keys[s->n].id, sizeof(s->keys[s->n].id), "%s", id);
    s->n++;
    return SH_OK;
}

int seal_seal(const struct sealer *s, const char *ad, const void *pt, size_t len,
              unsigned char **out, size_t *outlen, char kid[SEAL_KEY_ID_LEN])
{
    if (s->n == 0)
        return SH_EINVAL;
    unsigned char *buf = xmalloc(NONCE_LEN + len + TAG_LEN);
    unsigned long long clen = 0;
    randombytes_buf(buf, NONCE_LEN);
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + NONCE_LEN, &clen, pt, len,
                                               (const unsigned char *)ad, strlen(ad), NULL, buf,
                                               s->keys[0].key);
    *out = buf;
    *outlen = NONCE_LEN + (size_t)clen;
    memcpy(kid, s->keys[0].id, SEAL_KEY_ID_LEN);
    return SH_OK;
}

int seal_open(const struct sealer *s, const char *kid, const char *ad, const void *ct, size_t len,
              char **pt, size_t *ptlen)
{
    const struct seal_key *k = NULL;
    const unsigned char *c = ct;
    unsigned long long plen = 0;

    for (int i = 0; i < s->n && k == NULL; i++)
        if (kid != NULL && sodium_memcmp(s->keys[i].id, kid, SEAL_KEY_ID_LEN - 1) == 0 &&
            strlen(kid) == SEAL_KEY_ID_LEN - 1)
            k = &s->keys[i];
    if (k == NULL)
        return SH_ENOTFOUND;
    if (len < NONCE_LEN + TAG_LEN)
        return SH_EINVAL;
    char *buf = xmalloc(len - NONCE_LEN - TAG_LEN + 1);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)buf, &plen, NULL,
                                                   c + NONCE_LEN, len - NONCE_LEN,
                                                   (const unsigned char *)ad, strlen(ad), c,
                                                   k->key) != 0) {
        free(buf);
        return SH_EINVAL;
    }
    buf[plen] = '\0';
    *pt = buf;
    *ptlen = (size_t)plen;
    return SH_OK;
}

void seal_wipe_free(char *pt, size_t len)
{
    if (pt == NULL)
        return;
    sodium_memzero(pt, len);
    free(pt);
}

void seal_fingerprint(const void *secret, size_t len, char out[32])
{
    unsigned char h[32];
    crypto_hash_sha256(h, secret, len);
    memcpy(out, "sha256:", 7);
    hex_encode(h, 6, out + 7);
}
