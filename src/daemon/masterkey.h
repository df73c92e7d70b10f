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

#endif
