/*
 * admin.c — `smshub migrate`, `smshub admin bootstrap`, `smshub admin create-project`,
 * `smshub routes` (and the dispatch to `smshub admin rotate-master-key`, daemon/rotate.c).
 *
 * bootstrap works on an empty database only: it creates the admin user (random password,
 * Argon2id hash), a project, an API key (only its SHA-256 is stored) and attaches the
 * built-in simulator provider as the project's default. Secrets are printed once, here.
 */
#include "api/api.h"
#include "core/apikey.h"
#include "core/scopes.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/keys.h"
#include "store/store.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The bootstrap key's scopes: sending, reading, and managing the project's keys and request
 * security (operators give other keys other scopes). */
#define BOOTSTRAP_SCOPES "messages:send messages:read keys:manage security:manage"

/* Every known scope, space-separated (create-project's key holds them all). */
static void all_scopes(char *out, size_t cap)
{
    size_t pos = 0;
    out[0] = '\0';
    for (int i = 0; scopes_known[i] != NULL && pos < cap; i++)
        pos += (size_t)snprintf(out + pos, cap - pos, "%s%s", i ? " " : "", scopes_known[i]);
}

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

/* smshub admin create-project --name N [--db URL] [--json]: a project, an API key with every
 * scope and (when the catalog has it) a default simulator credential. The key is printed
 * once, here. */
static int create_project(int argc, char **argv)
{
    struct config cfg;
    struct log lg;
    struct store *store = NULL;
    struct store_provision p;
    const char *name = NULL;
    char *rest[4];
    int nrest = 0, json = 0, rc = 2, st, with_cred = 0;
    char project_id[ID_MAX], key_id[ID_MAX], cred_id[ID_MAX], key[APIKEY_MAX],
        prefix[APIKEY_PREFIX_LEN + 1], scopes[SCOPES_TEXT_MAX + 1];
    int64_t now = clock_now_ms();

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
            name = argv[++i];
        } else if (strncmp(argv[i], "--name=", 7) == 0) {
            name = argv[i] + 7;
        } else if (nrest < 4) {
            rest[nrest++] = argv[i];
        } else {
            cmd_error("unexpected argument \"%.64s\"", argv[i]);
            return 2;
        }
    }
    if (name == NULL || *name == '\0' || strlen(name) > 100) {
        cmd_error("create-project needs --name NAME (1-100 characters)");
        return 2;
    }
    rc = parse_db_args(nrest, rest, &cfg, &json, NULL);
    if (rc != 0)
        return rc;
    rc = 1;
    log_init(&lg, LOG_WARN, STDERR_FILENO);
    if (sodium_init() < 0)
        return 1;
    if (open_db(cfg.db, &lg, &store) != SH_OK)
        goto out;
    memset(&p, 0, sizeof(p));
    p.project_id = id_new("prj", now, project_id, sizeof(project_id));
    p.project_name = name;
    p.credential_id = id_new("cred", now, cred_id, sizeof(cred_id));
    p.now = now;
    apikey_generate("live", key, sizeof(key));
    snprintf(prefix, sizeof(prefix), "%.*s", APIKEY_PREFIX_LEN, key);
    all_scopes(scopes, sizeof(scopes));
    p.key.id = id_new("key", now, key_id, sizeof(key_id));
    p.key.name = "default";
    p.key.prefix = prefix;
    p.key.scopes = scopes;
    p.key.created_at = now;
    p.key.created_by = "cli";
    apikey_hash(key, p.key.hash);
    st = store_project_provision(store, &p, &with_cred);
    if (st != SH_OK) {
        cmd_error("creating the project failed: %s", sh_strerror(st));
        goto out;
    }
    if (json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "project_id", project_id, "name", name,
                              "api_key", key, "api_key_id", key_id, "credential_id",
                              with_cred ? cred_id : NULL);
        char *text = json_dumps(o, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
        json_decref(o);
    } else {
        printf("project id:     %s\napi key:        %s\n%s(the key is shown only now)\n",
               project_id, key,
               with_cred ? "simulator credential attached as the default provider\n" : "");
    }
    rc = 0;
out:
    sodium_memzero(key, sizeof(key));
    store_close(store);
    return rc;
}

int cmd_admin(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "bootstrap") == 0)
        return bootstrap(argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "create-project") == 0)
        return create_project(argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "export") == 0)
        return cmd_admin_dump(0, argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "import") == 0)
        return cmd_admin_dump(1, argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "rotate-master-key") == 0)
        return cmd_rotate_master_key(argc - 1, argv + 1);
    cmd_error("usage: smshub admin bootstrap [--db URL] [--email ADDRESS] [--json]\n"
              "       smshub admin create-project --name NAME [--db URL] [--json]\n"
              "       smshub admin export|import [--db URL] [--file PATH]\n"
              "       smshub admin rotate-master-key [--db URL] [--master-key-file PATH] [--json]");
    return 2;
}

static json_t *route_flags_json(unsigned f)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{ROUTE_AUTH, "auth"},       {ROUTE_BODY, "body"}, {ROUTE_ADMIN, "admin"},
                 {ROUTE_PROJECT, "project"}, {ROUTE_USER, "user"}, {ROUTE_FORM, "form"}};
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (f & names[i].bit)
            json_array_append_new(a, json_string(names[i].name));
    return a;
}

int cmd_routes(int argc, char **argv)
{
    int json = argc == 1 && strcmp(argv[0], "--json") == 0;
    if (argc > 0 && !json) {
        cmd_error("usage: smshub routes [--json]");
        return 2;
    }
    json_t *arr = json_array();
    for (const struct route *rt = api_routes; rt->method != NULL; rt++) {
        const char *role = rt->min_role;
        if (role == NULL && (rt->flags & ROUTE_PROJECT))
            role = strcmp(rt->method, "GET") == 0 ? "viewer" : "member";
        if (json) {
            json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:s?, s:s?}", "method",
                                                 rt->method, "pattern", rt->pattern, "flags",
                                                 route_flags_json(rt->flags), "scope", rt->scope,
                                                 "min_role", role));
        } else {
            printf("%-7s %-48s %-16s %s\n", rt->method, rt->pattern,
                   rt->scope != NULL ? rt->scope : "-", role != NULL ? role : "-");
        }
    }
    if (json) {
        char *text = json_dumps(arr, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
    }
    json_decref(arr);
    return 0;
}
