/*
 * admin.c — `smshub migrate`, `smshub admin bootstrap` (and the dispatch to
 * `smshub admin rotate-master-key`, daemon/rotate.c).
 *
 * bootstrap works on an empty database only: it creates the admin user (random password,
 * Argon2id hash), a project, an API key (only its SHA-256 is stored) and attaches the
 * built-in simulator provider as the project's default. Secrets are printed once, here.
 */
#include "core/apikey.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/store.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BOOTSTRAP_SCOPES "messages:send messages:read"

static int open_db(const char *url, struct log *lg, struct store **out)
{
    struct store_cfg scfg = {.sync_full = 1, .read_conns = 1, .log = lg};
    int st = store_open(url, &scfg, out);
    if (st != SH_OK) {
        cmd_error("cannot open database %s: %s", url, sh_strerror(st));
        return st;
    }
    st = store_migrate(*out, NULL);
    if (st != SH_OK)
        cmd_error("database migration failed: %s", sh_strerror(st));
    return st;
}

/* Parses the common --db flag plus the command's own boolean/string flags. */
static int parse_db_args(int argc, char **argv, struct config *cfg, int *json, const char **email)
{
    char err[256];
    if (config_from_env(cfg, err, sizeof(err)) != SH_OK) {
        cmd_error("%s", err);
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        if (json != NULL && strcmp(argv[i], "--json") == 0) {
            *json = 1;
        } else if (email != NULL && strcmp(argv[i], "--email") == 0 && i + 1 < argc) {
            *email = argv[++i];
        } else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            char *pair[2] = {argv[i], argv[i + 1]};
            if (config_from_args(cfg, 2, pair, NULL, err, sizeof(err)) != SH_OK) {
                cmd_error("%s", err);
                return 2;
            }
            i++;
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            char *one[1] = {argv[i]};
            if (config_from_args(cfg, 1, one, NULL, err, sizeof(err)) != SH_OK) {
                cmd_error("%s", err);
                return 2;
            }
        } else {
            cmd_error("unexpected argument \"%.64s\"", argv[i]);
            return 2;
        }
    }
    return 0;
}

int cmd_migrate(int argc, char **argv)
{
    struct config cfg;
    struct log lg;
    struct store *store = NULL;
    int rc = parse_db_args(argc, argv, &cfg, NULL, NULL);
    if (rc != 0)
        return rc;
    log_init(&lg, cfg.log_level, STDERR_FILENO);
    if (sodium_init() < 0)
        return 1;
    struct store_cfg scfg = {.sync_full = 1, .read_conns = 1, .log = &lg};
    if (store_open(cfg.db, &scfg, &store) != SH_OK) {
        cmd_error("cannot open database %s", cfg.db);
        return 1;
    }
    int applied = 0, version = 0;
    int st = store_migrate(store, &applied);
    if (st == SH_OK)
        st = store_schema_version(store, &version);
    store_close(store);
    if (st != SH_OK) {
        cmd_error("migration failed: %s", sh_strerror(st));
        return 1;
    }
    printf("{\"applied\":%d,\"schema_version\":%d}\n", applied, version);
    return 0;
}

static int email_valid(const char *e)
{
    const char *at = strchr(e, '@');
    size_t n = strlen(e);
    return n >= 3 && n <= 254 && at != NULL && at != e && at[1] != '\0' &&
           strchr(at + 1, '@') == NULL && strpbrk(e, " \t\r\n\"<>") == NULL;
}

static int bootstrap(int argc, char **argv)
{
    struct config cfg;
    struct log lg;
    struct store *store = NULL;
    struct store_bootstrap b;
    int json = 0, rc = 1, st;
    const char *email = "admin@localhost";
    char user_id[ID_MAX], project_id[ID_MAX], key_id[ID_MAX], cred_id[ID_MAX];
    char password[32], pwhash[crypto_pwhash_STRBYTES], key[APIKEY_MAX],
        prefix[APIKEY_PREFIX_LEN + 1];
    unsigned char raw[15];
    int64_t now = clock_now_ms();

    rc = parse_db_args(argc, argv, &cfg, &json, &email);
    if (rc != 0)
        return rc;
    rc = 1;
    if (!email_valid(email)) {
        cmd_error("--email: \"%.64s\" is not an email address", email);
        return 2;
    }
    log_init(&lg, LOG_WARN, STDERR_FILENO);
    if (sodium_init() < 0)
        return 1;
    if (open_db(cfg.db, &lg, &store) != SH_OK)
        goto out;

    randombytes_buf(raw, sizeof(raw));
    base64url_encode(raw, sizeof(raw), password);
    if (crypto_pwhash_str_alg(
            pwhash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        cmd_error("password hashing failed (out of memory?)");
        goto out;
    }
    apikey_generate("live", key, sizeof(key));
    snprintf(prefix, sizeof(prefix), "%.*s", APIKEY_PREFIX_LEN, key);
    memset(&b, 0, sizeof(b));
    b.user_id = id_new("usr", now, user_id, sizeof(user_id));
    b.email = email;
    b.password_hash = pwhash;
    b.project_id = id_new("prj", now, project_id, sizeof(project_id));
    b.project_name = "Default project";
    b.key_id = id_new("key", now, key_id, sizeof(key_id));
    b.key_prefix = prefix;
    b.key_scopes = BOOTSTRAP_SCOPES;
    apikey_hash(key, b.key_hash);
    b.provider_id = "simulator";
    b.provider_name = "Simulator";
    b.provider_driver = "simulator";
    b.provider_caps = "[\"dlr\",\"unicode\",\"concat\",\"status_poll\"]";
    b.credential_id = id_new("cred", now, cred_id, sizeof(cred_id));
    b.credential_settings = "{}";
    b.now = now;
    st = store_bootstrap(store, &b);
    if (st == SH_EEXIST) {
        cmd_error("the database %s is already bootstrapped (it has users); nothing changed",
                  cfg.db);
        goto out;
    }
    if (st != SH_OK) {
        cmd_error("bootstrap failed: %s", sh_strerror(st));
        goto out;
    }
    if (json) {
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "admin_email", email, "admin_password",
                      password, "project_id", project_id, "api_key", key, "api_key_id", key_id,
                      "provider", "simulator", "credential_id", cred_id);
        char *text = json_dumps(o, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
        json_decref(o);
    } else {
        printf("admin email:    %s\nadmin password: %s\nproject id:     %s\napi key:        "
               "%s\n(the password and the key are shown only now)\n",
               email, password, project_id, key);
    }
    rc = 0;
out:
    sodium_memzero(password, sizeof(password));
    sodium_memzero(key, sizeof(key));
    store_close(store);
    return rc;
}

int cmd_admin(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "bootstrap") == 0)
        return bootstrap(argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "export") == 0)
        return cmd_admin_dump(0, argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "import") == 0)
        return cmd_admin_dump(1, argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "rotate-master-key") == 0)
        return cmd_rotate_master_key(argc - 1, argv + 1);
    cmd_error("usage: smshub admin bootstrap [--db URL] [--email ADDRESS] [--json]\n"
              "       smshub admin export|import [--db URL] [--file PATH]\n"
              "       smshub admin rotate-master-key [--db URL] [--master-key-file PATH] [--json]");
    return 2;
}
