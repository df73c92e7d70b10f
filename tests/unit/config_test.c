/*
 * config_test.c — unit tests for daemon/config: defaults, SMSHUB_* environment variables,
 * command-line flags (which win over the environment) and the retry backoff list.
 *
 * An operator who mistypes a value must get an error naming the option, never a silently
 * ignored setting. The tests own the process environment: every SMSHUB_* variable config
 * reads is unset before each case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "lib/err.h"

static const char *const env_names[] = {
    "SMSHUB_DB",        "SMSHUB_LISTEN",        "SMSHUB_MASTER_KEY_FILE",
    "SMSHUB_LOG_LEVEL", "SMSHUB_HTTP_THREADS",  "SMSHUB_DB_SYNC",
    "SMSHUB_PORT_FILE", "SMSHUB_RETRY_BACKOFF", "SMSHUB_SIMULATOR_LOG",
    "SMSHUB_TRUSTED_PROXIES", "SMSHUB_RATE_LIMIT_RPS", "SMSHUB_PUBLIC_URL",
    "SMSHUB_CLAIM_LEASE",
};

static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
        unsetenv(env_names[i]);
    return 0;
}

static void test_defaults(void **state)
{
    struct config cfg;
    char err[256] = "";
    (void)state;
    assert_int_equal(config_from_env(&cfg, err, sizeof(err)), SH_OK);
    assert_string_equal(cfg.db, "sqlite:./data/smshub.db");
    assert_string_equal(cfg.listen, "127.0.0.1:8080");
    assert_string_equal(cfg.master_key_file, "./data/master.key");
    assert_string_equal(cfg.port_file, "");
    assert_string_equal(cfg.smpp_listen, ""); /* the SMPP server is off by default */
    assert_string_equal(cfg.smpp_tls_listen, "");
    assert_int_equal(cfg.smpp_idle_timeout_ms, 300000);
    assert_string_equal(cfg.simulator_log, "");
    assert_string_equal(cfg.public_url, ""); /* serve uses http://<listen address> */
    assert_int_equal(cfg.log_level, LOG_INFO);
    assert_int_equal(cfg.sync_full, 1);
    assert_int_equal(cfg.max_retries, 3);
    assert_int_equal(cfg.backoff_ms[0], 30000);
    assert_int_equal(cfg.backoff_ms[1], 120000);
    assert_int_equal(cfg.backoff_ms[2], 480000);
    assert_int_equal(cfg.claim_lease_ms, 300000);
    assert_true(cfg.http_threads >= 0); /* 0: the HTTP server uses the number of CPUs */
}

/* One setting given either as an environment variable or as a flag. `check` names the field
 * to look at; want is its expected text (numbers are compared as decimal text). */
struct opt_case {
    const char *name;
    const char *env;  /* variable name, or NULL for a flag-only case */
    const char *flag; /* "--name", or NULL for an env-only case */
    const char *value;
    int rc;
    const char *check; /* "db", "listen", … ; NULL when rc != SH_OK */
    const char *want;  /* on success: the field's value; on error: text the message must hold */
};

static const struct opt_case cases[] = {
    {"db sqlite url", "SMSHUB_DB", "--db", "sqlite:/tmp/x.db", SH_OK, "db", "sqlite:/tmp/x.db"},
    {"db bare path", "SMSHUB_DB", "--db", "/var/lib/smshub.db", SH_OK, "db", "/var/lib/smshub.db"},
    {"db empty", "SMSHUB_DB", "--db", "", SH_EINVAL, NULL, "db"},
    {"db postgres", "SMSHUB_DB", "--db", "postgres://u@h/db", SH_OK, "db", "postgres://u@h/db"},
    {"db postgresql", "SMSHUB_DB", "--db", "postgresql://u@h/db", SH_OK, "db",
     "postgresql://u@h/db"},
    {"db unknown scheme", "SMSHUB_DB", "--db", "mysql://u@h/db", SH_EINVAL, NULL, "sqlite"},
    {"listen", "SMSHUB_LISTEN", "--listen", "0.0.0.0:9000", SH_OK, "listen", "0.0.0.0:9000"},
    {"listen ipv6", "SMSHUB_LISTEN", "--listen", "[::1]:9000", SH_OK, "listen", "[::1]:9000"},
    {"listen port 0", "SMSHUB_LISTEN", "--listen", "127.0.0.1:0", SH_OK, "listen", "127.0.0.1:0"},
    {"listen without port", "SMSHUB_LISTEN", "--listen", "127.0.0.1", SH_EINVAL, NULL, "listen"},
    {"listen empty port", "SMSHUB_LISTEN", "--listen", "127.0.0.1:", SH_EINVAL, NULL, "listen"},
    {"listen port 70000", "SMSHUB_LISTEN", "--listen", "127.0.0.1:70000", SH_EINVAL, NULL,
     "listen"},
    {"listen port -1", "SMSHUB_LISTEN", "--listen", "127.0.0.1:-1", SH_EINVAL, NULL, "listen"},
    {"smpp listen", "SMSHUB_SMPP_LISTEN", "--smpp-listen", "127.0.0.1:2775", SH_OK,
     "smpp_listen", "127.0.0.1:2775"},
    {"smpp listen off", "SMSHUB_SMPP_LISTEN", "--smpp-listen", "", SH_OK, "smpp_listen", ""},
    {"smpp listen bad", "SMSHUB_SMPP_LISTEN", "--smpp-listen", "localhost", SH_EINVAL, NULL,
     "smpp-listen"},
    {"smpp port file", "SMSHUB_SMPP_PORT_FILE", "--smpp-port-file", "/tmp/p", SH_OK,
     "smpp_port_file", "/tmp/p"},
    {"smpp idle", "SMSHUB_SMPP_IDLE_TIMEOUT", "--smpp-idle-timeout", "90s", SH_OK, "smpp_idle",
     "90000"},
    {"smpp idle off", "SMSHUB_SMPP_IDLE_TIMEOUT", "--smpp-idle-timeout", "0", SH_OK, "smpp_idle",
     "0"},
    {"smpp idle short", "SMSHUB_SMPP_IDLE_TIMEOUT", "--smpp-idle-timeout", "500ms", SH_EINVAL,
     NULL, "smpp-idle-timeout"},
    {"smpp idle junk", "SMSHUB_SMPP_IDLE_TIMEOUT", "--smpp-idle-timeout", "soon", SH_EINVAL, NULL,
     "smpp-idle-timeout"},
    {"smpp tls listen", "SMSHUB_SMPP_TLS_LISTEN", "--smpp-tls-listen", "0.0.0.0:3550", SH_OK,
     "smpp_tls_listen", "0.0.0.0:3550"},
    {"smpp tls listen bad", "SMSHUB_SMPP_TLS_LISTEN", "--smpp-tls-listen", "x", SH_EINVAL, NULL,
     "smpp-tls-listen"},
    {"smpp tls cert", "SMSHUB_SMPP_TLS_CERT", "--smpp-tls-cert", "/etc/c.pem", SH_OK,
     "smpp_tls_cert", "/etc/c.pem"},
    {"listen port junk", "SMSHUB_LISTEN", "--listen", "127.0.0.1:80x", SH_EINVAL, NULL, "listen"},
    {"master key", "SMSHUB_MASTER_KEY_FILE", "--master-key-file", "/etc/k", SH_OK,
     "master_key_file", "/etc/k"},
    {"master key empty", "SMSHUB_MASTER_KEY_FILE", "--master-key-file", "", SH_EINVAL, NULL,
     "master-key-file"},
    {"public url", "SMSHUB_PUBLIC_URL", "--public-url", "https://sms.example.com/", SH_OK,
     "public_url", "https://sms.example.com"},
    {"public url port", "SMSHUB_PUBLIC_URL", "--public-url", "http://10.0.0.1:8080", SH_OK,
     "public_url", "http://10.0.0.1:8080"},
    {"public url scheme", "SMSHUB_PUBLIC_URL", "--public-url", "ftp://x", SH_EINVAL, NULL,
     "public-url"},
    {"public url query", "SMSHUB_PUBLIC_URL", "--public-url", "https://x/?a", SH_EINVAL, NULL,
     "public-url"},
    {"log debug", "SMSHUB_LOG_LEVEL", "--log-level", "debug", SH_OK, "log_level", "0"},
    {"log error", "SMSHUB_LOG_LEVEL", "--log-level", "error", SH_OK, "log_level", "3"},
    {"log off", "SMSHUB_LOG_LEVEL", "--log-level", "off", SH_OK, "log_level", "4"},
    {"log unknown", "SMSHUB_LOG_LEVEL", "--log-level", "verbose", SH_EINVAL, NULL, "log-level"},
    {"threads 4", "SMSHUB_HTTP_THREADS", "--http-threads", "4", SH_OK, "http_threads", "4"},
    {"threads 0", "SMSHUB_HTTP_THREADS", "--http-threads", "0", SH_EINVAL, NULL, "http-threads"},
    {"threads -2", "SMSHUB_HTTP_THREADS", "--http-threads", "-2", SH_EINVAL, NULL, "http-threads"},
    {"threads junk", "SMSHUB_HTTP_THREADS", "--http-threads", "4x", SH_EINVAL, NULL,
     "http-threads"},
    {"threads empty", "SMSHUB_HTTP_THREADS", "--http-threads", "", SH_EINVAL, NULL, "http-threads"},
    {"sync normal", "SMSHUB_DB_SYNC", "--db-sync", "normal", SH_OK, "sync_full", "0"},
    {"sync full", "SMSHUB_DB_SYNC", "--db-sync", "full", SH_OK, "sync_full", "1"},
    {"sync off", "SMSHUB_DB_SYNC", "--db-sync", "off", SH_EINVAL, NULL, "db-sync"},
    {"sync FULL", "SMSHUB_DB_SYNC", "--db-sync", "FULL", SH_EINVAL, NULL, "db-sync"},
    {"port file", "SMSHUB_PORT_FILE", "--port-file", "/tmp/p", SH_OK, "port_file", "/tmp/p"},
    {"backoff", "SMSHUB_RETRY_BACKOFF", "--retry-backoff", "1s,5s", SH_OK, "backoff",
     "2:1000,5000"},
    {"backoff bad", "SMSHUB_RETRY_BACKOFF", "--retry-backoff", "1s,5x", SH_EINVAL, NULL,
     "retry-backoff"},
    {"poll first", "SMSHUB_POLL_FIRST", "--poll-first", "300ms", SH_OK, "poll_first_ms", "300"},
    {"poll first 2s", "SMSHUB_POLL_FIRST", "--poll-first", "2s", SH_OK, "poll_first_ms", "2000"},
    {"poll first tiny", "SMSHUB_POLL_FIRST", "--poll-first", "10ms", SH_EINVAL, NULL,
     "poll-first"},
    {"poll first bad", "SMSHUB_POLL_FIRST", "--poll-first", "1s,2s", SH_EINVAL, NULL,
     "poll-first"},
    {"claim lease", "SMSHUB_CLAIM_LEASE", "--claim-lease", "3s", SH_OK, "claim_lease", "3000"},
    {"claim lease 1h", "SMSHUB_CLAIM_LEASE", "--claim-lease", "1h", SH_OK, "claim_lease",
     "3600000"},
    {"claim lease too short", "SMSHUB_CLAIM_LEASE", "--claim-lease", "1s", SH_EINVAL, NULL,
     "claim-lease"},
    {"claim lease 2 days", "SMSHUB_CLAIM_LEASE", "--claim-lease", "48h", SH_EINVAL, NULL,
     "claim-lease"},
    {"claim lease list", "SMSHUB_CLAIM_LEASE", "--claim-lease", "3s,4s", SH_EINVAL, NULL,
     "claim-lease"},
    {"simulator log", "SMSHUB_SIMULATOR_LOG", NULL, "/tmp/sim.log", SH_OK, "simulator_log",
     "/tmp/sim.log"},
};

/* Writes the field named `check` as text into out. */
static void field_text(const struct config *cfg, const char *check, char *out, size_t cap)
{
    if (strcmp(check, "db") == 0)
        snprintf(out, cap, "%s", cfg->db);
    else if (strcmp(check, "listen") == 0)
        snprintf(out, cap, "%s", cfg->listen);
    else if (strcmp(check, "master_key_file") == 0)
        snprintf(out, cap, "%s", cfg->master_key_file);
    else if (strcmp(check, "port_file") == 0)
        snprintf(out, cap, "%s", cfg->port_file);
    else if (strcmp(check, "smpp_listen") == 0)
        snprintf(out, cap, "%s", cfg->smpp_listen);
    else if (strcmp(check, "smpp_port_file") == 0)
        snprintf(out, cap, "%s", cfg->smpp_port_file);
    else if (strcmp(check, "smpp_idle") == 0)
        snprintf(out, cap, "%lld", (long long)cfg->smpp_idle_timeout_ms);
    else if (strcmp(check, "smpp_tls_listen") == 0)
        snprintf(out, cap, "%s", cfg->smpp_tls_listen);
    else if (strcmp(check, "smpp_tls_cert") == 0)
        snprintf(out, cap, "%s", cfg->smpp_tls_cert);
    else if (strcmp(check, "public_url") == 0)
        snprintf(out, cap, "%s", cfg->public_url);
    else if (strcmp(check, "simulator_log") == 0)
        snprintf(out, cap, "%s", cfg->simulator_log);
    else if (strcmp(check, "log_level") == 0)
        snprintf(out, cap, "%d", (int)cfg->log_level);
    else if (strcmp(check, "http_threads") == 0)
        snprintf(out, cap, "%d", cfg->http_threads);
    else if (strcmp(check, "poll_first_ms") == 0)
        snprintf(out, cap, "%lld", (long long)cfg->poll_first_ms);
    else if (strcmp(check, "sync_full") == 0)
        snprintf(out, cap, "%d", cfg->sync_full);
    else if (strcmp(check, "claim_lease") == 0)
        snprintf(out, cap, "%lld", (long long)cfg->claim_lease_ms);
    else if (strcmp(check, "backoff") == 0) {
        int n = snprintf(out, cap, "%d:", cfg->max_retries);
        for (int i = 0; i < cfg->max_retries && (size_t)n < cap; i++)
            n += snprintf(out + n, cap - (size_t)n, "%s%lld", i ? "," : "",
                          (long long)cfg->backoff_ms[i]);
    } else
        fail_msg("unknown field %s", check);
}

static void check_outcome(const struct opt_case *c, const char *how, int rc,
                          const struct config *cfg, const char *err, int *bad)
{
    char got[600];
    if (rc != c->rc) {
        print_error("case '%s' (%s): rc=%d, want %d (%s)\n", c->name, how, rc, c->rc, err);
        (*bad)++;
        return;
    }
    if (rc != SH_OK) {
        if (strstr(err, c->want) == NULL) {
            print_error("case '%s' (%s): message \"%s\" does not name \"%s\"\n", c->name, how, err,
                        c->want);
            (*bad)++;
        }
        return;
    }
    field_text(cfg, c->check, got, sizeof(got));
    if (strcmp(got, c->want) != 0) {
        print_error("case '%s' (%s): %s = \"%s\", want \"%s\"\n", c->name, how, c->check, got,
                    c->want);
        (*bad)++;
    }
}

static void test_env_and_flags(void **state)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct opt_case *c = &cases[i];
        struct config cfg;
        char err[256] = "";
        int rc;

        clear_env(state);
        if (c->env != NULL) { /* from the environment */
            setenv(c->env, c->value, 1);
            rc = config_from_env(&cfg, err, sizeof(err));
            check_outcome(c, "env", rc, &cfg, err, &bad);
            /* an env error names the variable (or at least the setting) the user set */
            if (rc != SH_OK && c->flag != NULL && strstr(err, c->env) == NULL &&
                strstr(err, c->flag + 2) == NULL) {
                print_error("case '%s' (env): message \"%s\" does not name %s\n", c->name, err,
                            c->env);
                bad++;
            }
            unsetenv(c->env);
        }
        if (c->flag == NULL)
            continue;
        for (int form = 0; form < 2; form++) { /* "--name value" and "--name=value" */
            char joined[600];
            char *argv[2];
            int argc;
            if (form == 0) {
                argv[0] = (char *)c->flag;
                argv[1] = (char *)c->value;
                argc = 2;
            } else {
                snprintf(joined, sizeof(joined), "%s=%s", c->flag, c->value);
                argv[0] = joined;
                argc = 1;
            }
            err[0] = '\0';
            assert_int_equal(config_from_env(&cfg, err, sizeof(err)), SH_OK);
            rc = config_from_args(&cfg, argc, argv, NULL, err, sizeof(err));
            check_outcome(c, form == 0 ? "--name value" : "--name=value", rc, &cfg, err, &bad);
        }
    }
    if (bad > 0)
        fail_msg("%d config case(s) failed", bad);
}

static void test_flags_win_over_env(void **state)
{
    struct config cfg;
    char err[256] = "";
    char *argv[] = {"--listen", "127.0.0.1:7000", "--db-sync=full", "--check-config"};
    int check = 0;
    (void)state;
    setenv("SMSHUB_LISTEN", "127.0.0.1:9000", 1);
    setenv("SMSHUB_DB_SYNC", "normal", 1);
    setenv("SMSHUB_LOG_LEVEL", "warn", 1);
    assert_int_equal(config_from_env(&cfg, err, sizeof(err)), SH_OK);
    assert_string_equal(cfg.listen, "127.0.0.1:9000");
    assert_int_equal(cfg.sync_full, 0);
    assert_int_equal(config_from_args(&cfg, 4, argv, &check, err, sizeof(err)), SH_OK);
    assert_string_equal(cfg.listen, "127.0.0.1:7000");
    assert_int_equal(cfg.sync_full, 1);
    assert_int_equal(cfg.log_level, LOG_WARN); /* not given as a flag: the env value stays */
    assert_int_equal(check, 1);
    assert_int_equal(config_from_args(&cfg, 0, NULL, &check, err, sizeof(err)), SH_OK);
}

struct arg_case {
    const char *name;
    int argc;
    const char *argv[3];
    const char *msg; /* text the error must hold */
};

static const struct arg_case arg_cases[] = {
    {"unknown flag", 2, {"--nope", "1"}, "--nope"},
    {"unknown flag with =", 1, {"--lisen=127.0.0.1:1"}, "--lisen"},
    {"prefix of a flag", 2, {"--list", "127.0.0.1:1"}, "--list"},
    {"env-only setting as flag", 2, {"--simulator-log", "/tmp/x"}, "--simulator-log"},
    {"single dash", 2, {"-listen", "127.0.0.1:1"}, "-listen"},
    {"positional", 1, {"serve"}, "serve"},
    {"missing value", 1, {"--listen"}, "--listen"},
    {"missing value after good flag", 3, {"--db-sync", "full", "--db"}, "--db"},
    {"check-config not allowed here", 1, {"--check-config"}, "check-config"},
};

static void test_bad_args(void **state)
{
    int bad = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(arg_cases) / sizeof(arg_cases[0]); i++) {
        const struct arg_case *c = &arg_cases[i];
        struct config cfg;
        char err[256] = "";
        assert_int_equal(config_from_env(&cfg, err, sizeof(err)), SH_OK);
        int rc = config_from_args(&cfg, c->argc, (char **)c->argv, NULL, err, sizeof(err));
        if (rc != SH_EINVAL || strstr(err, c->msg) == NULL) {
            print_error("case '%s': rc=%d message \"%s\", want SH_EINVAL naming \"%s\"\n", c->name,
                        rc, err, c->msg);
            bad++;
        }
    }
    if (bad > 0)
        fail_msg("%d argument case(s) failed", bad);
}

struct backoff_case {
    const char *in;
    int rc;
    int n;
    int64_t want[ENGINE_MAX_RETRIES];
};

static const struct backoff_case backoff_cases[] = {
    {"30s,2m,8m", SH_OK, 3, {30000, 120000, 480000}},
    {"500ms", SH_OK, 1, {500}},
    {"0s", SH_OK, 1, {0}},
    {"1h,90m,45s,250ms", SH_OK, 4, {3600000, 5400000, 45000, 250}},
    {"168h", SH_OK, 1, {604800000}},
    {"1s,2s,3s,4s,5s,6s,7s,8s", SH_OK, 8, {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000}},
    {"1s,2s,3s,4s,5s,6s,7s,8s,9s", SH_EINVAL, 0, {0}},
    {"30", SH_EINVAL, 0, {0}},
    {"30x", SH_EINVAL, 0, {0}},
    {"30d", SH_EINVAL, 0, {0}},
    {"30S", SH_EINVAL, 0, {0}},
    {"s", SH_EINVAL, 0, {0}},
    {"-5s", SH_EINVAL, 0, {0}},
    {"30s;2m", SH_EINVAL, 0, {0}},
    {"30s,,2m", SH_EINVAL, 0, {0}},
    {"30s 2m", SH_EINVAL, 0, {0}},
    {"169h", SH_EINVAL, 0, {0}},
    {"99999999999999999999s", SH_EINVAL, 0, {0}},
};

/* --trusted-proxies and --rate-limit-rps: checked lists and numbers, errors name the option */
static void test_guard_options(void **state)
{
    struct config cfg;
    char err[256] = "";
    (void)state;
    assert_int_equal(config_from_env(&cfg, err, sizeof(err)), SH_OK);
    assert_string_equal(cfg.trusted_proxies, "");
    assert_int_equal(cfg.rate_limit_rps, 0);
    setenv("SMSHUB_TRUSTED_PROXIES", "10.0.0.0/8 ::1", 1);
    setenv("SMSHUB_RATE_LIMIT_RPS", "250", 1);
    assert_int_equal(config_from_env(&cfg, err, sizeof(err)), SH_OK);
    assert_string_equal(cfg.trusted_proxies, "10.0.0.0/8 ::1");
    assert_int_equal(cfg.rate_limit_rps, 250);
    char *ok[] = {"--trusted-proxies", "192.0.2.0/24,2001:db8::/32", "--rate-limit-rps=0"};
    assert_int_equal(config_from_args(&cfg, 3, ok, NULL, err, sizeof(err)), SH_OK);
    assert_string_equal(cfg.trusted_proxies, "192.0.2.0/24,2001:db8::/32");
    assert_int_equal(cfg.rate_limit_rps, 0);
    char *bad1[] = {"--trusted-proxies", "10.0.0.1/8"};
    assert_int_equal(config_from_args(&cfg, 2, bad1, NULL, err, sizeof(err)), SH_EINVAL);
    assert_non_null(strstr(err, "trusted-proxies"));
    char *bad2[] = {"--rate-limit-rps", "-1"};
    assert_int_equal(config_from_args(&cfg, 2, bad2, NULL, err, sizeof(err)), SH_EINVAL);
    assert_non_null(strstr(err, "rate-limit-rps"));
    setenv("SMSHUB_RATE_LIMIT_RPS", "lots", 1);
    assert_int_equal(config_from_env(&cfg, err, sizeof(err)), SH_EINVAL);
    assert_non_null(strstr(err, "SMSHUB_RATE_LIMIT_RPS"));
}

static void test_backoff(void **state)
{
    int bad = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(backoff_cases) / sizeof(backoff_cases[0]); i++) {
        const struct backoff_case *c = &backoff_cases[i];
        int64_t out[ENGINE_MAX_RETRIES] = {0};
        int n = -1;
        int rc = config_parse_backoff(c->in, out, &n);
        int ok = rc == c->rc;
        if (ok && rc == SH_OK) {
            ok = n == c->n;
            for (int k = 0; ok && k < n; k++)
                ok = out[k] == c->want[k];
        }
        if (!ok) {
            print_error("case \"%s\": rc=%d n=%d out[0]=%lld, want rc=%d n=%d\n", c->in, rc, n,
                        (long long)out[0], c->rc, c->n);
            bad++;
        }
    }
    if (bad > 0)
        fail_msg("%d backoff case(s) failed", bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, clear_env),
        cmocka_unit_test_setup(test_env_and_flags, clear_env),
        cmocka_unit_test_setup(test_flags_win_over_env, clear_env),
        cmocka_unit_test_setup(test_bad_args, clear_env),
        cmocka_unit_test_setup(test_backoff, clear_env),
        cmocka_unit_test_setup(test_guard_options, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
