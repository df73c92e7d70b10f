/*
 * config.h — daemon configuration from environment variables and matching flags
 * (flags win). Defaults follow DESIGN.md §1: SQLite under ./data/, 127.0.0.1:8080.
 *
 *   SMSHUB_DB               --db URL              sqlite:./data/smshub.db (or postgres://…)
 *   SMSHUB_LISTEN           --listen HOST:PORT    127.0.0.1:8080
 *   SMSHUB_MASTER_KEY_FILE  --master-key-file P   ./data/master.key (created when missing)
 *   SMSHUB_LOG_LEVEL        --log-level L         info
 *   SMSHUB_HTTP_THREADS     --http-threads N      number of CPUs
 *   SMSHUB_DB_SYNC          --db-sync full|normal full
 *   SMSHUB_PORT_FILE        --port-file P         (unset) write the bound port there
 *   SMSHUB_RETRY_BACKOFF    --retry-backoff LIST  30s,2m,8m (retries after a temporary failure)
 *   SMSHUB_SMTP_URL         --smtp-url URL        (unset) smtp://host:port for reset/verify mail
 *   SMSHUB_SMTP_FROM        --smtp-from ADDR      smshub@localhost
 *   SMSHUB_ACCESS_TOKEN_TTL --access-token-ttl S  900 (seconds an OAuth2 access token lives)
 *   SMSHUB_TRUSTED_PROXIES  --trusted-proxies L   (none) proxies whose X-Forwarded-For counts
 *   SMSHUB_RATE_LIMIT_RPS   --rate-limit-rps N    0 (none) global requests/s per node, unless
 *                                                 the admin API set one
 *   SMSHUB_SMPP_LISTEN      --smpp-listen H:P     (unset: off) the SMPP server for client
 *                                                 systems (docs/smpp-server.md)
 *   SMSHUB_SMPP_PORT_FILE   --smpp-port-file P    (unset) write its bound port there
 *   SMSHUB_SMPP_TLS_LISTEN  --smpp-tls-listen H:P (unset: off) the SMPP server over TLS
 *   SMSHUB_SMPP_TLS_CERT    --smpp-tls-cert P     PEM certificate (chain) for it
 *   SMSHUB_SMPP_TLS_KEY     --smpp-tls-key P      PEM private key for it
 *   SMSHUB_SMPP_TLS_PORT_FILE --smpp-tls-port-file P  (unset) write its bound port there
 *   SMSHUB_SMPP_IDLE_TIMEOUT --smpp-idle-timeout D 5m (a bound SMPP session that sends no PDU
 *                                                 for this long is unbound; 0: never; >= 1s)
 *   SMSHUB_SIMULATOR_LOG    (test hook) the simulator appends each accepted submit there
 *   SMSHUB_HEALTH_COOLDOWN  --health-cooldown D   30s (a DOWN credential waits before a probe)
 *   SMSHUB_CLAIM_LEASE      --claim-lease D       5m (2s-24h; a message claimed by a node that
 *                                                 died is claimable again after this)
 *   SMSHUB_WEBHOOK_BACKOFF  --webhook-backoff L   10s,30s,2m,10m,30m,1h (callback retries; the
 *                                                 last delay repeats)
 *   SMSHUB_WEBHOOK_GIVE_UP  --webhook-give-up D   24h (a callback is given up after this)
 *   SMSHUB_WEBHOOK_TIMEOUT  --webhook-timeout D   10s (one callback POST)
 *   SMSHUB_STRIPE_WEBHOOK_SECRET  (environment only) signing secret of the payment webhook;
 *                           unset: POST /v1/billing/webhooks/stripe answers 404
 */
#ifndef SH_DAEMON_CONFIG_H
#define SH_DAEMON_CONFIG_H

#include "core/engine.h"
#include "lib/log.h"

struct config {
    char db[512];
    char listen[128];
    char master_key_file[512];
    char port_file[512];
    char smpp_listen[128];     /* "": no SMPP server */
    char smpp_port_file[512];
    int64_t smpp_idle_timeout_ms; /* 0: no idle timeout */
    char smpp_tls_listen[128];    /* "": no TLS listener */
    char smpp_tls_cert[512], smpp_tls_key[512];
    char smpp_tls_port_file[512];
    char simulator_log[512];
    char trusted_proxies[2049];
    int64_t rate_limit_rps;
    char stripe_secret[256];
    char smtp_url[256];
    char smtp_from[256];
    int access_ttl_s;
    enum log_level log_level;
    int http_threads;
    int sync_full;
    int max_retries;
    int64_t backoff_ms[ENGINE_MAX_RETRIES];
    int64_t health_cooldown_ms;
    int64_t poll_first_ms; /* first status poll after a provider accepted (and the least gap) */
    int64_t claim_lease_ms;
    int webhook_nbackoff;
    int64_t webhook_backoff_ms[ENGINE_MAX_RETRIES];
    int64_t webhook_give_up_ms;
    int64_t webhook_timeout_ms;
    int64_t submit_timeout_ms; /* engine watchdog of one submit/poll (engine_cfg) */
    char public_url[256]; /* "" = http://<listen address> */
};

/* Fills cfg from defaults then the environment. Returns SH_OK or SH_EINVAL with a message. */
int config_from_env(struct config *cfg, char *err, size_t errcap);

/*
 * Applies the flags of argv (from index 0, getopt-style "--name value" or "--name=value")
 * that config knows; unknown flags are an error unless allow_unknown. Returns SH_OK or
 * SH_EINVAL with a message. *check_config is set by --check-config (may be NULL).
 */
int config_from_args(struct config *cfg, int argc, char **argv, int *check_config, char *err,
                     size_t errcap);

/* Parses "30s,2m,8m" (units ms, s, m, h) into at most ENGINE_MAX_RETRIES delays. */
int config_parse_backoff(const char *s, int64_t *out, int *n);

#endif
