/*
 * rotate.c — `smshub admin rotate-master-key`: a new master key, every sealed value
 * re-sealed with it in one transaction, the key file swapped safely.
 *
 * Order (docs/operations.md): (1) finish an interrupted rotation — values still under the key
 * in <file>.prev are re-sealed under the current key; (2) the current key is written to
 * <file>.prev, then the new key to <file> (each through a temp file, fsync, rename, directory
 * fsync); (3) one transaction re-seals every value under the new key.
 * `serve` opens with <file> and <file>.prev, so at every crash point every value opens, and a
 * rerun completes the rotation. <file>.prev is kept: a serve still running with the old key
 * keeps sealing new values with it until restarted.
 */
#include "core/seal.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/masterkey.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/sealed.h"
#include "store/store.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ATTEMPTS 5

static const char *const label_prefix[] = {"cred:", "hmac:", "webhook:"};

/*
 * Re-seals every value not sealed with s's sealing key (keys[0]) in one transaction, retrying
 * when a row changed meanwhile. *count gets the number re-sealed. Values under a key s does
 * not hold fail the whole run (nothing changes) with SH_ENOTFOUND.
 */
static int reseal_all(struct store *store, const struct sealer *s, const char *old_id,
                      size_t *count)
{
    int st = SH_EIO;
    *count = 0;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        struct arena a;
        struct store_sealed *v = NULL, *old = NULL, *neu = NULL;
        size_t n = 0, k = 0;
        arena_init(&a);
        st = store_sealed_list(store, &a, &v, &n);
        if (st == SH_OK && n > 0) {
            old = xcalloc(n, sizeof(*old));
            neu = xcalloc(n, sizeof(*neu));
        }
        for (size_t i = 0; i < n && st == SH_OK; i++) {
            char label[128], *pt = NULL, kid[SEAL_KEY_ID_LEN];
            size_t ptlen = 0, ctlen = 0;
            unsigned char *ct = NULL;
            if (v[i].key_id != NULL && strcmp(v[i].key_id, s->keys[0].id) == 0)
                continue;
            snprintf(label, sizeof(label), "%s%s", label_prefix[v[i].kind], v[i].owner_id);
            st = seal_open(s, v[i].key_id, label, v[i].ct, v[i].len, &pt, &ptlen);
            if (st != SH_OK) {
                cmd_error("the sealed value of %s (key id %s) cannot be opened: %s", label,
                          v[i].key_id ? v[i].key_id : "none", sh_strerror(st));
                break;
            }
            st = seal_seal(s, label, pt, ptlen, &ct, &ctlen, kid);
            seal_wipe_free(pt, ptlen);
            if (st != SH_OK)
                break;
            old[k] = v[i];
            neu[k] = v[i];
            neu[k].ct = memcpy(arena_alloc(&a, ctlen), ct, ctlen);
            neu[k].len = ctlen;
            neu[k].key_id = arena_strdup(&a, kid);
            free(ct);
            k++;
        }
        if (st == SH_OK && k > 0) {
            struct audit_entry e = {.actor_type = "system",
                                    .action = "master_key.reseal",
                                    .object_type = "master_key",
                                    .object_id = s->keys[0].id};
            char after[160];
            snprintf(after, sizeof(after), "{\"from_key_id\":\"%s\",\"resealed\":%zu}",
                     old_id != NULL ? old_id : "", k);
            e.after_json = after;
            st = store_sealed_replace(store, old, neu, k, &e);
        }
        free(old);
        free(neu);
        arena_release(&a);
        if (st == SH_OK)
            *count = k;
        if (st != SH_ENOTFOUND || k == 0)
            return st;
        /* a row changed between the read and the write: read again */
    }
    return st;
}

static int parse_args(int argc, char **argv, struct config *cfg, int *json)
{
    char err[256];
    if (config_from_env(cfg, err, sizeof(err)) != SH_OK) {
        cmd_error("%s", err);
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            *json = 1;
            continue;
        }
        int pair = (strcmp(argv[i], "--db") == 0 || strcmp(argv[i], "--master-key-file") == 0) &&
                   i + 1 < argc;
        int eq = strncmp(argv[i], "--db=", 5) == 0 ||
                 strncmp(argv[i], "--master-key-file=", 18) == 0;
        if (!pair && !eq) {
            cmd_error("unexpected argument \"%.64s\"", argv[i]);
            return 2;
        }
        if (config_from_args(cfg, pair ? 2 : 1, argv + i, NULL, err, sizeof(err)) != SH_OK) {
            cmd_error("%s", err);
            return 2;
        }
        i += pair;
    }
    return 0;
}

int cmd_rotate_master_key(int argc, char **argv)
{
    struct config cfg;
    struct log lg;
    struct store *store = NULL;
    struct master_key cur, prev, fresh;
    struct sealer s;
    char err[300] = "", prev_path[600];
    int json = 0, have_prev = 0, rc = 1, st;
    size_t finished = 0, resealed = 0;

    memset(&s, 0, sizeof(s));
    rc = parse_args(argc, argv, &cfg, &json);
    if (rc != 0)
        return rc;
    rc = 1;
    log_init(&lg, LOG_WARN, STDERR_FILENO);
    if (sodium_init() < 0)
        return 1;
    st = master_key_load(cfg.master_key_file, 0, &cur, err, sizeof(err));
    if (st != SH_OK) {
        cmd_error("%s", err);
        return st == SH_EINVAL ? 2 : 1;
    }
    master_key_prev_path(cfg.master_key_file, prev_path, sizeof(prev_path));
    if (access(prev_path, F_OK) == 0) {
        if (master_key_load(prev_path, 0, &prev, err, sizeof(err)) != SH_OK) {
            cmd_error("%s", err);
            goto out;
        }
        have_prev = 1;
    }
    struct store_cfg scfg = {.sync_full = 1, .read_conns = 1, .log = &lg};
    if ((st = store_open(cfg.db, &scfg, &store)) != SH_OK ||
        (st = store_migrate(store, NULL)) != SH_OK) {
        cmd_error("cannot open database %s: %s", cfg.db, sh_strerror(st));
        goto out;
    }

    /* (1) values left under the previous key by an interrupted rotation (or by a serve that
     * still ran with it) move to the current key before .prev may be overwritten */
    sealer_init(&s, cur.key, cur.id);
    if (have_prev)
        sealer_add(&s, prev.key, prev.id);
    if ((st = reseal_all(store, &s, have_prev ? prev.id : NULL, &finished)) != SH_OK) {
        cmd_error("re-sealing under the current key failed: %s; nothing was rotated",
                  sh_strerror(st));
        goto out;
    }

    /* (2) the key files: the current key kept as .prev, then the new key in place — each
     * written to a temp file, fsynced, renamed, the directory fsynced (master_key_write) */
    master_key_generate(&fresh);
    if (master_key_write(prev_path, &cur, err, sizeof(err)) != SH_OK ||
        master_key_write(cfg.master_key_file, &fresh, err, sizeof(err)) != SH_OK) {
        cmd_error("%s; run the command again", err);
        goto out;
    }

    /* (3) every value under the new key, in one transaction */
    sealer_init(&s, fresh.key, fresh.id);
    sealer_add(&s, cur.key, cur.id);
    if ((st = reseal_all(store, &s, cur.id, &resealed)) != SH_OK) {
        cmd_error("re-sealing under the new key failed: %s; the new key is in place and the old "
                  "one in %s, so every value still opens — run the command again",
                  sh_strerror(st), prev_path);
        goto out;
    }
    if (json)
        printf("{\"old_key_id\":\"%s\",\"new_key_id\":\"%s\",\"resealed\":%zu,"
               "\"finished_interrupted\":%zu}\n",
               cur.id, fresh.id, resealed, finished);
    else
        printf("master key rotated: %s -> %s, %zu sealed values re-sealed; the old key is kept "
               "in %s until you delete it (restart every serve first)\n",
               cur.id, fresh.id, resealed, prev_path);
    rc = 0;
out:
    store_close(store);
    sodium_memzero(&cur, sizeof(cur));
    sodium_memzero(&prev, sizeof(prev));
    sodium_memzero(&fresh, sizeof(fresh));
    sodium_memzero(&s, sizeof(s));
    return rc;
}
