/*
 * serve.c — `smshub serve`: build the context (store, engine, API), run until SIGTERM or
 * SIGINT, then stop in order: stop accepting, answer requests already received, drain the
 * engine, flush and close the store.
 */
#include "api/api.h"
#include "api/identity.h"
#include "api/auth.h"
#include "api/guard.h"
#include "api/lowbal.h"
#include "api/smpp_server.h"
#include "api/auth_token.h"
#include "core/credcache.h"
#include "core/pricecache.h"
#include "core/engine.h"
#include "core/phone.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "core/cluster.h"
#include "core/seal.h"
#include "daemon/masterkey.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "store/faulty.h"
#include "store/store.h"
#include "store/smpp_accounts.h"
#include "store/usage.h"

#include <errno.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IDEMPOTENCY_RETENTION_MS (24LL * 3600 * 1000)
#define MAINTENANCE_EVERY_MS (60LL * 1000)
/* The usage rebuild scans the recent days' messages in one write transaction, which holds the
 * SQLite writer (accepts wait): the next round waits at least this many times as long as the
 * last one took, so housekeeping never takes more than ~5 % of the writer however large the
 * backlog (1 000 000 queued messages: a 5 s scan every minute stalled accepts). */
#define MAINTENANCE_DUTY_FACTOR 20
#define USAGE_RECENT_DAYS 3 /* days of rollups recomputed by each maintenance round */
#define HTTP_DRAIN_MS 10000
#define ENGINE_DRAIN_MS 5000
#define SMPP_UNBIND_WAIT_MS 2000

static int write_port_file(const char *path, int port)
{
    char tmp[600], text[16];
    int n = snprintf(text, sizeof(text), "%d\n", port);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return SH_EIO;
    if (write(fd, text, (size_t)n) != n) {
        close(fd);
        return SH_EIO;
    }
    close(fd);
    return rename(tmp, path) == 0 ? SH_OK : SH_EIO; /* readers never see a partial file */
}

/*
 * TEST ONLY: SMSHUB_FAULT (store/faulty.h) wraps the store in the fault injector, and only
 * together with SMSHUB_TEST_HOOKS=1 — without it the daemon refuses to start rather than
 * silently ignoring a fault a test asked for. Returns SH_OK (store possibly replaced) or an
 * error already reported on stderr.
 */
static int maybe_inject_faults(struct store **store, const struct log *log)
{
    const char *spec = getenv("SMSHUB_FAULT");
    const char *hooks = getenv("SMSHUB_TEST_HOOKS");
    char err[256] = "";
    struct store *wrapped = NULL;
    if (spec == NULL || *spec == '\0')
        return SH_OK;
    if (hooks == NULL || strcmp(hooks, "1") != 0) {
        cmd_error("SMSHUB_FAULT is a test hook: it needs SMSHUB_TEST_HOOKS=1 as well");
        return SH_EINVAL;
    }
    if (store_faulty_wrap(*store, spec, log, &wrapped, err, sizeof(err)) != SH_OK) {
        cmd_error("SMSHUB_FAULT: %s", err);
        return SH_EINVAL;
    }
    log_msg(log, LOG_WARN, NULL, "TEST ONLY fault injection active: %s", spec);
    *store = wrapped;
    return SH_OK;
}

/*
 * TEST ONLY: with SMSHUB_TEST_HOOKS=1 and SMSHUB_TEST_LEAK=1 the daemon leaks one block on its
 * way out, so the leak check (71-leak-check under ASan/LSan) can show that it catches leaks.
 */
static __attribute__((noinline)) void maybe_leak_for_test(void)
{
    const char *hooks = getenv("SMSHUB_TEST_HOOKS"), *leak = getenv("SMSHUB_TEST_LEAK");
    if (hooks != NULL && strcmp(hooks, "1") == 0 && leak != NULL && strcmp(leak, "1") == 0) {
        char *volatile p = malloc(4096);
        if (p != NULL)
            p[0] = 1;
        p = NULL; /* no reference left */
    }
}

static int check_config(const struct config *cfg)
{
    char err[256] = "";
    struct master_key mk;
    int st = master_key_load(cfg->master_key_file, 0, &mk, err, sizeof(err));
    sodium_memzero(&mk, sizeof(mk));
    if (st == SH_EINVAL) {
        cmd_error("%s", err);
        return 2;
    }
    printf("{\"status\":\"ok\",\"db\":\"%s\",\"listen\":\"%s\",\"master_key_file\":\"%s\","
           "\"master_key\":\"%s\"}\n",
           strncmp(cfg->db, "sqlite", 6) == 0 ? "sqlite" : "other", cfg->listen,
           cfg->master_key_file, st == SH_OK ? "present" : "will be created");
    return 0;
}

/* Runs periodic housekeeping on the main thread (which otherwise only waits for signals). */
static void maintenance(struct store *store, const struct log *log)
{
    size_t purged = 0;
    int st = store_purge_idempotency(store, clock_now_ms() - IDEMPOTENCY_RETENTION_MS, &purged);
    if (st != SH_OK)
        log_msg(log, LOG_WARN, NULL, "idempotency purge failed: %s", sh_strerror(st));
    else if (purged > 0)
        log_msg(log, LOG_DEBUG, NULL, "purged %zu idempotency records", purged);
    /* usage rollups: the last USAGE_RECENT_DAYS days, where late receipts still land */
    int64_t day = 86400000LL, today = clock_now_ms() / day * day;
    st = store_usage_rebuild(store, today - (USAGE_RECENT_DAYS - 1) * day, today + day, NULL);
    if (st != SH_OK)
        log_msg(log, LOG_WARN, NULL, "usage rollup failed: %s", sh_strerror(st));
    /* SMPP receipts: sent ones after a week, ones whose message never committed after a day */
    st = store_smpp_receipt_purge(store, clock_now_ms() - 7 * day, clock_now_ms() - day, NULL);
    if (st != SH_OK)
        log_msg(log, LOG_WARN, NULL, "SMPP receipt purge failed: %s", sh_strerror(st));
}

int cmd_serve(int argc, char **argv)
{
    struct config cfg;
    struct log lg;
    char err[256] = "";
    int check = 0, rc = 1, st, port = 0;
    struct store *store = NULL;
    struct engine *engine = NULL;
    struct cluster *cluster = NULL;
    struct http_server *http = NULL;
    struct smpp_server *smpp = NULL;
    struct master_key mk;
    struct sealer sealer;
    struct api api;
    struct store_cfg scfg;
    struct engine_cfg ecfg;
    struct pricecache *prices = NULL;
    struct http_cfg hcfg;
    struct identity_cfg icfg;
    char owner[ID_MAX + 72];
    sigset_t sigs;

    memset(&api, 0, sizeof(api));
    if (config_from_env(&cfg, err, sizeof(err)) != SH_OK ||
        config_from_args(&cfg, argc, argv, &check, err, sizeof(err)) != SH_OK) {
        cmd_error("%s", err);
        return 2;
    }
    if (check)
        return check_config(&cfg);

    log_init(&lg, cfg.log_level, STDERR_FILENO);
    if (sodium_init() < 0) {
        cmd_error("libsodium failed to initialise");
        return 1;
    }
    phone_init();
    evthread_use_pthreads();

    /* every thread created from here on inherits this mask; only sigtimedwait sees them */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    err[0] = '\0';
    st = master_key_load(cfg.master_key_file, 1, &mk, err, sizeof(err));
    if (st != SH_OK) {
        cmd_error("%s", err);
        rc = st == SH_EINVAL ? 2 : 1;
        goto out;
    }
    if (err[0] != '\0')
        log_msg(&lg, LOG_WARN, NULL, "%s", err);
    sealer_init(&sealer, mk.key, mk.id);
    sodium_memzero(mk.key, sizeof(mk.key));
    {
        /* the key a rotation replaced still opens values sealed before it (docs/operations.md) */
        char prev_path[600];
        master_key_prev_path(cfg.master_key_file, prev_path, sizeof(prev_path));
        if (access(prev_path, F_OK) == 0) {
            err[0] = '\0';
            st = master_key_load(prev_path, 0, &mk, err, sizeof(err));
            if (st != SH_OK) {
                cmd_error("%s", err);
                rc = st == SH_EINVAL ? 2 : 1;
                goto out;
            }
            if (strcmp(mk.id, sealer.keys[0].id) != 0)
                sealer_add(&sealer, mk.key, mk.id);
            sodium_memzero(mk.key, sizeof(mk.key));
        }
    }

    scfg = (struct store_cfg){.sync_full = cfg.sync_full, .read_conns = 8, .log = &lg};
    st = store_open(cfg.db, &scfg, &store);
    if (st != SH_OK) {
        cmd_error("cannot open database %s: %s", cfg.db, sh_strerror(st));
        goto out;
    }
    if (maybe_inject_faults(&store, &lg) != SH_OK) {
        rc = 2;
        goto out;
    }
    int applied = 0;
    st = store_migrate(store, &applied);
    if (st != SH_OK) {
        cmd_error("database migration failed: %s", sh_strerror(st));
        goto out;
    }
    /* lease owner "<node>/<run>": recovery takes back this node's earlier runs' leases */
    {
        char host[64] = "node", run[ID_MAX];
        gethostname(host, sizeof(host) - 1);
        host[strcspn(host, "/")] = '\0';
        snprintf(owner, sizeof(owner), "%s/%s", host, id_new("run", clock_now_ms(), run,
                                                               sizeof(run)));
    }
    size_t in_doubt = 0;
    st = store_recover(store, owner, clock_now_ms(), &in_doubt);
    if (st != SH_OK) {
        cmd_error("recovery of leased messages failed: %s", sh_strerror(st));
        goto out;
    }
    if (in_doubt > 0)
        log_msg(&lg, LOG_WARN, NULL,
                "%zu messages had a submit in flight when the previous run stopped; they are "
                "queued again (a provider may see them twice)",
                in_doubt);

    engine_cfg_default(&ecfg);
    ecfg.owner = owner;
    ecfg.max_retries = cfg.max_retries;
    memcpy(ecfg.backoff_ms, cfg.backoff_ms, sizeof(ecfg.backoff_ms));
    ecfg.simulator_log = cfg.simulator_log[0] ? cfg.simulator_log : NULL;
    ecfg.sealer = &sealer;
    prices = pricecache_new(store);
    ecfg.prices = prices;
    ecfg.health_cooldown_ms = cfg.health_cooldown_ms;
    ecfg.poll_first_ms = cfg.poll_first_ms;
    ecfg.lease_ms = cfg.claim_lease_ms;
    ecfg.webhook_nbackoff = cfg.webhook_nbackoff;
    memcpy(ecfg.webhook_backoff_ms, cfg.webhook_backoff_ms, sizeof(ecfg.webhook_backoff_ms));
    ecfg.webhook_give_up_ms = cfg.webhook_give_up_ms;
    ecfg.webhook_timeout_ms = cfg.webhook_timeout_ms;
    ecfg.submit_timeout_ms = cfg.submit_timeout_ms;
    if (engine_new(store, &lg, &ecfg, &engine) != SH_OK) {
        cmd_error("cannot start the dispatch engine");
        goto out;
    }

    api.store = store;
    api.engine = engine;
    api.log = &lg;
    msg_limits_default(&api.limits);
    api.auth = auth_cache_new();
    api.tokens = token_cache_new();
    api.creds = credcache_new(store);
    api.prices = prices;
    api.sealer = &sealer;
    {
        struct guard_cfg gcfg = {.trusted_proxies = cfg.trusted_proxies,
                                 .default_rps = cfg.rate_limit_rps};
        api.guard = guard_new(store, &lg, &sealer, &gcfg);
        if (api.guard == NULL) {
            cmd_error("invalid trusted proxies \"%.64s\"", cfg.trusted_proxies);
            goto out;
        }
    }
    api.stripe_secret = cfg.stripe_secret[0] != '\0' ? cfg.stripe_secret : NULL;
    icfg = (struct identity_cfg){
        .access_ttl_s = cfg.access_ttl_s, .smtp_url = cfg.smtp_url, .smtp_from = cfg.smtp_from};
    api.identity = identity_new(&icfg, &lg);
    api.lowbal = lowbal_new(store, api.identity->mailer, &lg);
    hcfg = (struct http_cfg){.listen = cfg.listen, .threads = cfg.http_threads};
    st = http_start(&hcfg, &api, &lg, &http, &port);
    if (st != SH_OK) {
        cmd_error("cannot listen on %s (is the port in use?)", cfg.listen);
        goto out;
    }
    /* the engine starts once the port is known: drivers get their callback URLs from it */
    if (cfg.public_url[0] == '\0') {
        char host[64];
        if (http_parse_listen(cfg.listen, host, sizeof(host), &(int){0}) != SH_OK)
            snprintf(host, sizeof(host), "%s", "127.0.0.1");
        snprintf(cfg.public_url, sizeof(cfg.public_url),
                 strchr(host, ':') ? "http://[%s]:%d" : "http://%s:%d", host, port);
    }
    api.public_url = cfg.public_url;
    engine_set_public_url(engine, cfg.public_url);
    if (engine_start(engine) != SH_OK) {
        cmd_error("cannot start the dispatch engine");
        goto out;
    }
    if (cfg.port_file[0] != '\0' && write_port_file(cfg.port_file, port) != SH_OK) {
        cmd_error("cannot write the port file %s", cfg.port_file);
        goto out;
    }
    if (cfg.smpp_listen[0] != '\0' || cfg.smpp_tls_listen[0] != '\0') {
        struct smpp_server_cfg smcfg = {.listen = cfg.smpp_listen,
                                        .tls_listen = cfg.smpp_tls_listen,
                                        .tls_cert = cfg.smpp_tls_cert,
                                        .tls_key = cfg.smpp_tls_key,
                                        .idle_timeout_ms = cfg.smpp_idle_timeout_ms};
        int sport = 0, tport = 0;
        char serr[300];
        if (smpp_server_start(&smcfg, &api, &smpp, &sport, &tport, serr, sizeof(serr)) !=
            SH_OK) {
            cmd_error("SMPP server: %s", serr);
            goto out;
        }
        if ((cfg.smpp_port_file[0] != '\0' &&
             write_port_file(cfg.smpp_port_file, sport) != SH_OK) ||
            (cfg.smpp_tls_port_file[0] != '\0' &&
             write_port_file(cfg.smpp_tls_port_file, tport) != SH_OK)) {
            cmd_error("cannot write an SMPP port file");
            goto out;
        }
        char fields[400];
        snprintf(fields, sizeof(fields),
                 "\"smpp_listen\":\"%s\",\"smpp_port\":%d,\"smpp_tls_listen\":\"%s\","
                 "\"smpp_tls_port\":%d",
                 cfg.smpp_listen, sport, cfg.smpp_tls_listen, tport);
        log_msg(&lg, LOG_INFO, fields, "SMPP server listening");
    }
    {
        char host[64], address[80];
        if (http_parse_listen(cfg.listen, host, sizeof(host), &(int){0}) != SH_OK)
            snprintf(host, sizeof(host), "%s", "?");
        snprintf(address, sizeof(address), strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
        struct cluster_cfg ccfg = {.node_id = owner, .address = address, .db_url = cfg.db,
                                   .heartbeat_ms = 1000};
        cluster = cluster_new(store, &lg, &ccfg);
        if (cluster_start(cluster) != SH_OK) {
            cmd_error("cannot start the cluster heartbeat");
            goto out;
        }
    }
    atomic_store(&api.ready, 1);
    {
        char fields[300];
        snprintf(fields, sizeof(fields), "\"listen\":\"%s\",\"port\":%d,\"migrations_applied\":%d",
                 cfg.listen, port, applied);
        log_msg(&lg, LOG_INFO, fields, "smshub serving");
    }

    int64_t next_maintenance = clock_now_ms();
    for (;;) {
        struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
        int sig = sigtimedwait(&sigs, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            log_msg(&lg, LOG_INFO, NULL, "signal %d: stopping", sig);
            break;
        }
        guard_tick(api.guard, clock_now_ms());
        engine_set_live_nodes(engine, cluster_live_nodes(cluster));
        /* cluster-wide periodic jobs run on the leader only */
        if (clock_now_ms() >= next_maintenance && cluster_is_leader(cluster)) {
            int64_t t0 = clock_now_ms();
            maintenance(store, &lg);
            int64_t took = clock_now_ms() - t0;
            int64_t wait = took * MAINTENANCE_DUTY_FACTOR;
            next_maintenance = clock_now_ms() + (wait > MAINTENANCE_EVERY_MS ? wait
                                                                           : MAINTENANCE_EVERY_MS);
            if (took >= 1000)
                log_msg(&lg, LOG_INFO, NULL, "maintenance took %lld ms; next in %lld s",
                        (long long)took, (long long)(next_maintenance - clock_now_ms()) / 1000);
        }
    }
    atomic_store(&api.ready, 0);
    rc = 0;
out:
    smpp_server_stop(smpp, SMPP_UNBIND_WAIT_MS); /* unbind clients, answer accepts in flight */
    if (http != NULL) {
        int64_t until = clock_now_ms() + HTTP_DRAIN_MS;
        http_quiesce(http);
        while (http_active(http) > 0 && clock_now_ms() < until)
            usleep(10000);
        http_stop(http);
    }
    if (api.guard != NULL)
        guard_flush(api.guard); /* the last-use times and counts still in memory */
    if (engine != NULL)
        engine_stop(engine, ENGINE_DRAIN_MS);
    cluster_free(cluster);
    engine_free(engine);
    lowbal_free(api.lowbal); /* before the store it writes to */
    store_close(store);
    guard_free(api.guard);
    auth_cache_free(api.auth);
    token_cache_free(api.tokens);
    identity_free(api.identity);
    credcache_free(api.creds);
    pricecache_free(prices);
    sodium_memzero(&mk, sizeof(mk));
    sodium_memzero(&sealer, sizeof(sealer));
    sodium_memzero(cfg.stripe_secret, sizeof(cfg.stripe_secret));
    maybe_leak_for_test();
    if (rc == 0)
        log_msg(&lg, LOG_INFO, NULL, "smshub stopped cleanly");
    return rc;
}
