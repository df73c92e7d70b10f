/*
 * seal.h — secrets at rest (DESIGN §8): provider credentials, project signing and callback
 * secrets are sealed with the master key (XChaCha20-Poly1305, libsodium) before they reach
 * the store, bound to what they belong to (the associated data, e.g. "cred:<id>"), and the
 * key id is stored beside each sealed value so the master key can rotate (rotation re-seals
 * with the new key; the old one stays loaded until nothing uses it).
 *
 * A sealer is built once by the daemon and read by any thread.
 */
#ifndef SH_CORE_SEAL_H
#define SH_CORE_SEAL_H

#include <stddef.h>

#define SEAL_KEY_ID_LEN 17 /* 16 hex characters and a NUL */
#define SEAL_MAX_KEYS 4

struct seal_key {
    unsigned char key[32];
    char id[SEAL_KEY_ID_LEN];
};

struct sealer {
    struct seal_key keys[SEAL_MAX_KEYS]; /* keys[0] seals; all of them open */
    int n;
};

/* Makes key (32 bytes, borrowed, copied) with its id the sealing key. */
void sealer_init(struct sealer *s, const unsigned char key[32], const char *id);

/* Adds an older key that may still open values. SH_OK or SH_EFULL. */
int sealer_add(struct sealer *s, const unsigned char key[32], const char *id);

/*
 * Seals len bytes of pt bound to ad (a NUL-terminated label such as "cred:<id>"). Returns
 * SH_OK with *out (returns new, free()) of *outlen bytes and the sealing key's id in kid.
 */
int seal_seal(const struct sealer *s, const char *ad, const void *pt, size_t len,
              unsigned char **out, size_t *outlen, char kid[SEAL_KEY_ID_LEN]);

/*
 * Opens a sealed value. Returns SH_OK with *pt (returns new, NUL-terminated, of *ptlen bytes;
 * free with seal_wipe_free), SH_ENOTFOUND when no loaded key has id kid, SH_EINVAL when the
 * value was tampered with or belongs to another ad.
 */
int seal_open(const struct sealer *s, const char *kid, const char *ad, const void *ct, size_t len,
              char **pt, size_t *ptlen);

/* Zeroes and frees a value seal_open returned. NULL is a no-op. */
void seal_wipe_free(char *pt, size_t len);

/* A short, non-reversible fingerprint of a secret for display ("sha256:" + 12 hex). */
void seal_fingerprint(const void *secret, size_t len, char out[32]);

#endif
