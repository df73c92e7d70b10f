/*
 * sealed.c — see sealed.h. Sealed bytes are read as hex (cells are text) and compared
 * through a blob parameter.
 */
#include "store/sealed.h"
#include "store/credentials.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <stdlib.h>

#define LIST(HEX)                                                                                 \
    "SELECT 0, id, secret_key_id, " HEX "(secret) FROM provider_credentials "                    \
    "WHERE secret IS NOT NULL UNION ALL "                                                        \
    "SELECT 1, id, hmac_key_id, " HEX "(hmac_secret) FROM projects "                             \
    "WHERE hmac_secret IS NOT NULL UNION ALL "                                                   \
    "SELECT 2, id, webhook_key_id, " HEX "(webhook_secret) FROM projects "                       \
    "WHERE webhook_secret IS NOT NULL"

static const struct store_q q_list = {
    "sealed.list", LIST("hex"), LIST("hex"),
    "SELECT 0, id, secret_key_id, encode(secret, 'hex') FROM provider_credentials "
    "WHERE secret IS NOT NULL UNION ALL "
    "SELECT 1, id, hmac_key_id, encode(hmac_secret, 'hex') FROM projects "
    "WHERE hmac_secret IS NOT NULL UNION ALL "
    "SELECT 2, id, webhook_key_id, encode(webhook_secret, 'hex') FROM projects "
    "WHERE webhook_secret IS NOT NULL",
    0};

static const struct store_q q_replace[3] = {
    {"sealed.replace_cred",
     "UPDATE provider_credentials SET secret = $2, secret_key_id = $3 WHERE id = $1 "
     "AND secret = $4",
     NULL, NULL, STORE_Q_ONE},
    {"sealed.replace_hmac",
     "UPDATE projects SET hmac_secret = $2, hmac_key_id = $3 WHERE id = $1 AND hmac_secret = $4",
     NULL, NULL, STORE_Q_ONE},
    {"sealed.replace_webhook",
     "UPDATE projects SET webhook_secret = $2, webhook_key_id = $3 WHERE id = $1 "
     "AND webhook_secret = $4",
     NULL, NULL, STORE_Q_ONE},
};

int store_sealed_list(struct store *s, struct arena *a, struct store_sealed **out, size_t *n)
{
    struct store_rows r;
    int st = store_read(s, &q_list, NULL, a, &r);
    *out = NULL;
    *n = 0;
    if (st != SH_OK)
        return st;
    struct store_sealed *v = r.n > 0 ? arena_zalloc(a, r.n * sizeof(*v)) : NULL;
    for (size_t i = 0; i < r.n; i++) {
        unsigned char *ct;
        v[i].kind = (int)store_cell_int(&r, i, 0);
        v[i].owner_id = store_cell(&r, i, 1);
        v[i].key_id = store_cell(&r, i, 2);
        if (store_hex_decode(store_cell(&r, i, 3), a, &ct, &v[i].len) != SH_OK)
            return SH_EIO;
        v[i].ct = ct;
    }
    *out = v;
    *n = r.n;
    return SH_OK;
}

int store_sealed_replace(struct store *s, const struct store_sealed *old,
                         const struct store_sealed *neu, size_t n, const struct audit_entry *e)
{
    struct store_step *steps = xcalloc(n + 1, sizeof(*steps));
    struct store_args *args = xcalloc(n + 1, sizeof(*args));
    struct audit_slot slot;
    struct arena a;
    int st;

    for (size_t i = 0; i < n; i++) {
        if (old[i].kind < 0 || old[i].kind > 2) {
            st = SH_EINVAL;
            goto out;
        }
        store_arg_text(&args[i], old[i].owner_id);
        store_arg_blob(&args[i], neu[i].ct, neu[i].len);
        store_arg_text(&args[i], neu[i].key_id);
        store_arg_blob(&args[i], old[i].ct, old[i].len);
        steps[i] = (struct store_step){&q_replace[old[i].kind], &args[i], NULL};
    }
    store_audit_step(&steps[n], &slot, e);
    arena_init(&a);
    st = store_write(s, steps, n + 1, &a);
    arena_release(&a);
out:
    free(steps);
    free(args);
    return st;
}
