/*
 * sealed.h — every value sealed with the master key, across tables, for the master-key
 * rotation (daemon/rotate.c): provider_credentials.secret ("cred:<id>"),
 * projects.hmac_secret ("hmac:<project id>") and projects.webhook_secret
 * ("webhook:<project id>"), deleted rows included. Blocking; not on the writer thread.
 */
#ifndef SH_STORE_SEALED_H
#define SH_STORE_SEALED_H

#include "store/audit.h"
#include "store/store.h"

enum sealed_kind { SEALED_CRED = 0, SEALED_HMAC = 1, SEALED_WEBHOOK = 2 };

struct store_sealed {
    int kind;             /* enum sealed_kind */
    const char *owner_id; /* credential or project id */
    const char *key_id;
    const unsigned char *ct;
    size_t len;
};

/* Every sealed value (rows and bytes in a). */
int store_sealed_list(struct store *s, struct arena *a, struct store_sealed **out, size_t *n);

/*
 * Replaces n sealed values in ONE transaction with e: value old[i] becomes neu[i] (same kind
 * and owner) only if the row still holds exactly old[i]'s bytes. SH_ENOTFOUND (nothing
 * changed) when any row changed meanwhile.
 */
int store_sealed_replace(struct store *s, const struct store_sealed *old,
                         const struct store_sealed *neu, size_t n, const struct audit_entry *e);

#endif
