/*
 * masterkey.h — the master key that seals provider secrets (DESIGN §8).
 *
 * The file holds 64 hex characters (32 bytes). When missing it is created with fresh random
 * bytes and mode 0600. A key id (first 8 bytes of SHA-256, hex) is stored beside each sealed
 * secret so the key can rotate.
 */
#ifndef SH_DAEMON_MASTERKEY_H
#define SH_DAEMON_MASTERKEY_H

#include <stddef.h>

struct master_key {
    unsigned char key[32];
    char id[17];
};

/* Loads path, creating it when missing (and create is set). Returns SH_OK, SH_EINVAL for a
 * file that is not 64 hex characters (message in err), SH_EIO when it cannot be read/created. */
int master_key_load(const char *path, int create, struct master_key *out, char *err, size_t errcap);

/* A fresh random key with its id. */
void master_key_generate(struct master_key *out);

/*
 * Writes k to path durably and atomically: path.tmp is written (mode 0600) and fsynced, then
 * renamed over path and the directory fsynced, so path holds either its old content or all of
 * k after a crash. Returns SH_OK or SH_EIO (message in err).
 */
int master_key_write(const char *path, const struct master_key *k, char *err, size_t errcap);

/* The path of the previous key kept after a rotation ("<path>.prev") into out. */
void master_key_prev_path(const char *path, char *out, size_t cap);

#endif
