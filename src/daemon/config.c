/* config.c — see config.h. */
#include "daemon/config.h"
#include "api/http.h"
#include "core/cidr.h"
#include "lib/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opt {
    const char *flag;
    const char *env;
};

enum opt_id {
    OPT_DB,
    OPT_LISTEN,
    OPT_MASTER_KEY,
    OPT_LOG_LEVEL,
    OPT_HTTP_THREADS,
    OPT_DB_SYNC,
    OPT_PORT_FILE,
    OPT_RETRY_BACKOFF,
    OPT_SIMULATOR_LOG,
    OPT_HEALTH_COOLDOWN,
    OPT_WEBHOOK_BACKOFF,
    OPT_WEBHOOK_GIVE_UP,
    OPT_WEBHOOK_TIMEOUT,
    OPT_SUBMIT_TIMEOUT,
    OPT_TRUSTED_PROXIES,
    OPT_RATE_LIMIT_RPS,
    OPT_STRIPE_SECRET,
    OPT_SMTP_URL,
    OPT_SMTP_FROM,
    OPT_ACCESS_TTL,
    OPT_SMPP_LISTEN,
    OPT_SMPP_PORT_FILE,
    OPT_SMPP_IDLE_TIMEOUT,
    OPT_SMPP_TLS_LISTEN,
    OPT_SMPP_TLS_CERT,
    OPT_SMPP_TLS_KEY,
    OPT_SMPP_TLS_PORT_FILE,
    OPT_PUBLIC_URL,
    OPT_POLL_FIRST,
    OPT_CLAIM_LEASE,
    OPT__COUNT
};

static const struct opt opts[OPT__COUNT] = {
    [OPT_DB] = {"db", "SMSHUB_DB"},
    [OPT_LISTEN] = {"listen", "SMSHUB_LISTEN"},
    [OPT_MASTER_KEY] = {"master-key-file", "SMSHUB_MASTER_KEY_FILE"},
    [OPT_LOG_LEVEL] = {"log-level", "SMSHUB_LOG_LEVEL"},
    [OPT_HTTP_THREADS] = {"http-threads", "SMSHUB_HTTP_THREADS"},
    [OPT_DB_SYNC] = {"db-sync", "SMSHUB_DB_SYNC"},
    [OPT_PORT_FILE] = {"port-file", "SMSHUB_PORT_FILE"},
    [OPT_RETRY_BACKOFF] = {"retry-backoff", "SMSHUB_RETRY_BACKOFF"},
    [OPT_SIMULATOR_LOG] = {NULL, "SMSHUB_SIMULATOR_LOG"},
    [OPT_HEALTH_COOLDOWN] = {"health-cooldown", "SMSHUB_HEALTH_COOLDOWN"},
    [OPT_WEBHOOK_BACKOFF] = {"webhook-backoff", "SMSHUB_WEBHOOK_BACKOFF"},
    [OPT_WEBHOOK_GIVE_UP] = {"webhook-give-up", "SMSHUB_WEBHOOK_GIVE_UP"},
    [OPT_WEBHOOK_TIMEOUT] = {"webhook-timeout", "SMSHUB_WEBHOOK_TIMEOUT"},
    [OPT_SUBMIT_TIMEOUT] = {"submit-timeout", "SMSHUB_SUBMIT_TIMEOUT"},
    [OPT_TRUSTED_PROXIES] = {"trusted-proxies", "SMSHUB_TRUSTED_PROXIES"},
    [OPT_RATE_LIMIT_RPS] = {"rate-limit-rps", "SMSHUB_RATE_LIMIT_RPS"},
    /* a secret: environment only, never a flag (flags show in ps) */
    [OPT_STRIPE_SECRET] = {NULL, "SMSHUB_STRIPE_WEBHOOK_SECRET"},
    [OPT_SMTP_URL] = {"smtp-url", "SMSHUB_SMTP_URL"},
    [OPT_SMTP_FROM] = {"smtp-from", "SMSHUB_SMTP_FROM"},
    [OPT_ACCESS_TTL] = {"access-token-ttl", "SMSHUB_ACCESS_TOKEN_TTL"},
    [OPT_SMPP_LISTEN] = {"smpp-listen", "SMSHUB_SMPP_LISTEN"},
    [OPT_SMPP_PORT_FILE] = {"smpp-port-file", "SMSHUB_SMPP_PORT_FILE"},
    [OPT_SMPP_IDLE_TIMEOUT] = {"smpp-idle-timeout", "SMSHUB_SMPP_IDLE_TIMEOUT"},
    [OPT_SMPP_TLS_LISTEN] = {"smpp-tls-listen", "SMSHUB_SMPP_TLS_LISTEN"},
    [OPT_SMPP_TLS_CERT] = {"smpp-tls-cert", "SMSHUB_SMPP_TLS_CERT"},
    [OPT_SMPP_TLS_KEY] = {"smpp-tls-key", "SMSHUB_SMPP_TLS_KEY"},
    [OPT_SMPP_TLS_PORT_FILE] = {"smpp-tls-port-file", "SMSHUB_SMPP_TLS_PORT_FILE"},
    [OPT_PUBLIC_URL] = {"public-url", "SMSHUB_PUBLIC_URL"},
    [OPT_POLL_FIRST] = {"poll-first", "SMSHUB_POLL_FIRST"},
    [OPT_CLAIM_LEASE] = {"claim-lease", "SMSHUB_CLAIM_LEASE"},
};

/* One duration ("500ms", "30s", "2m", "24h") into *out; SH_EINVAL unless exactly one > 0. */
static int parse_duration(const char *v, int64_t *out)
{
    int64_t d[ENGINE_MAX_RETRIES];
    int n = 0;
    if (config_parse_backoff(v, d, &n) != SH_OK || n != 1 || d[0] <= 0)
        return SH_EINVAL;
    *out = d[0];
    return SH_OK;
}

int config_parse_backoff(const char *s, int64_t *out, int *n)
{
    int k = 0;
    const char *p = s;
    while (*p != '\0') {
        char *end;
        long long v = strtoll(p, &end, 10);
        int64_t mul;
        if (end == p || v < 0)
            return SH_EINVAL;
        if (strncmp(end, "ms", 2) == 0) {
            mul = 1;
            end += 2;
        } else if (*end == 's') {
            mul = 1000;
            end++;
        } else if (*end == 'm') {
            mul = 60000;
            end++;
        } else if (*end == 'h') {
            mul = 3600000;
            end++;
        } else {
            return SH_EINVAL;
        }
        if (k >= ENGINE_MAX_RETRIES || v > 7 * 24 * 3600 * 1000LL / mul)
            return SH_EINVAL;
        out[k++] = v * mul;
        if (*end == ',')
            end++;
        else if (*end != '\0')
            return SH_EINVAL;
        p = end;
    }
    *n = k;
    return SH_OK;
}

static int apply(struct config *cfg, enum opt_id id, const char *v, char *err, size_t errcap)
{
    char host[64];
    int port;
    switch (id) {
    case OPT_DB:
        if (*v == '\0' || strlen(v) >= sizeof(cfg->db))
            goto bad;
        if (strstr(v, "://") != NULL && strncmp(v, "sqlite://", 9) != 0 &&
            strncmp(v, "postgres://", 11) != 0 && strncmp(v, "postgresql://", 13) != 0) {
            snprintf(err, errcap, "db: unknown database \"%.40s\"; use sqlite:PATH or "
                                  "postgres://USER@HOST:PORT/DB", v);
            return SH_EINVAL;
        }
        snprintf(cfg->db, sizeof(cfg->db), "%s", v);
        return SH_OK;
    case OPT_LISTEN:
        if (http_parse_listen(v, host, sizeof(host), &port) != SH_OK ||
            strlen(v) >= sizeof(cfg->listen))
            goto bad;
        snprintf(cfg->listen, sizeof(cfg->listen), "%s", v);
        return SH_OK;
    case OPT_SMPP_LISTEN:
        if (*v == '\0') {
            cfg->smpp_listen[0] = '\0'; /* off */
            return SH_OK;
        }
        if (http_parse_listen(v, host, sizeof(host), &port) != SH_OK ||
            strlen(v) >= sizeof(cfg->smpp_listen))
            goto bad;
        snprintf(cfg->smpp_listen, sizeof(cfg->smpp_listen), "%s", v);
        return SH_OK;
    case OPT_SMPP_PORT_FILE:
        if (strlen(v) >= sizeof(cfg->smpp_port_file))
            goto bad;
        snprintf(cfg->smpp_port_file, sizeof(cfg->smpp_port_file), "%s", v);
        return SH_OK;
    case OPT_SMPP_TLS_LISTEN:
        if (*v == '\0') {
            cfg->smpp_tls_listen[0] = '\0'; /* off */
            return SH_OK;
        }
        if (http_parse_listen(v, host, sizeof(host), &port) != SH_OK ||
            strlen(v) >= sizeof(cfg->smpp_tls_listen))
            goto bad;
        snprintf(cfg->smpp_tls_listen, sizeof(cfg->smpp_tls_listen), "%s", v);
        return SH_OK;
    case OPT_SMPP_TLS_CERT:
    case OPT_SMPP_TLS_KEY:
    case OPT_SMPP_TLS_PORT_FILE: {
        char *dst = id == OPT_SMPP_TLS_CERT  ? cfg->smpp_tls_cert
                    : id == OPT_SMPP_TLS_KEY ? cfg->smpp_tls_key
                                             : cfg->smpp_tls_port_file;
        if (strlen(v) >= 512)
            goto bad;
        snprintf(dst, 512, "%s", v);
        return SH_OK;
    }
    case OPT_SMPP_IDLE_TIMEOUT:
        if (strcmp(v, "0") == 0) {
            cfg->smpp_idle_timeout_ms = 0; /* off */
            return SH_OK;
        }
        if (parse_duration(v, &cfg->smpp_idle_timeout_ms) != SH_OK ||
            cfg->smpp_idle_timeout_ms < 1000)
            goto bad;
        return SH_OK;
    case OPT_MASTER_KEY:
        if (*v == '\0' || strlen(v) >= sizeof(cfg->master_key_file))
            goto bad;
        snprintf(cfg->master_key_file, sizeof(cfg->master_key_file), "%s", v);
        return SH_OK;
    case OPT_LOG_LEVEL:
        if (log_level_parse(v, &cfg->log_level) != SH_OK)
            goto bad;
        return SH_OK;
    case OPT_HTTP_THREADS: {
        char *end;
        long n = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || n < 1 || n > 256)
            goto bad;
        cfg->http_threads = (int)n;
        return SH_OK;
    }
    case OPT_DB_SYNC:
        if (strcmp(v, "full") == 0)
            cfg->sync_full = 1;
        else if (strcmp(v, "normal") == 0)
            cfg->sync_full = 0;
        else
            goto bad;
        return SH_OK;
    case OPT_PORT_FILE:
        if (strlen(v) >= sizeof(cfg->port_file))
            goto bad;
        snprintf(cfg->port_file, sizeof(cfg->port_file), "%s", v);
        return SH_OK;
    case OPT_RETRY_BACKOFF:
        if (config_parse_backoff(v, cfg->backoff_ms, &cfg->max_retries) != SH_OK)
            goto bad;
        return SH_OK;
    case OPT_PUBLIC_URL:
        if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) ||
            strlen(v) >= sizeof(cfg->public_url) || strpbrk(v, " \t\r\n?#") != NULL)
            goto bad;
        snprintf(cfg->public_url, sizeof(cfg->public_url), "%s", v);
        {
            size_t n = strlen(cfg->public_url);
            while (n > 8 && cfg->public_url[n - 1] == '/')
                cfg->public_url[--n] = '\0';
        }
        return SH_OK;
    case OPT_SIMULATOR_LOG:
        if (strlen(v) >= sizeof(cfg->simulator_log))
            goto bad;
        snprintf(cfg->simulator_log, sizeof(cfg->simulator_log), "%s", v);
        return SH_OK;
    case OPT_HEALTH_COOLDOWN:
        if (parse_duration(v, &cfg->health_cooldown_ms) != SH_OK)
            goto bad;
        return SH_OK;
    case OPT_POLL_FIRST:
        if (parse_duration(v, &cfg->poll_first_ms) != SH_OK || cfg->poll_first_ms < 100)
            goto bad;
        return SH_OK;
    case OPT_CLAIM_LEASE:
        /* below 2 s a lease could run out between a claim and its submit on a busy node */
        if (parse_duration(v, &cfg->claim_lease_ms) != SH_OK || cfg->claim_lease_ms < 2000 ||
            cfg->claim_lease_ms > 24LL * 3600 * 1000)
            goto bad;
        return SH_OK;
    case OPT_WEBHOOK_BACKOFF:
        if (config_parse_backoff(v, cfg->webhook_backoff_ms, &cfg->webhook_nbackoff) != SH_OK ||
            cfg->webhook_nbackoff == 0)
            goto bad;
        return SH_OK;
    case OPT_WEBHOOK_GIVE_UP:
        if (parse_duration(v, &cfg->webhook_give_up_ms) != SH_OK)
            goto bad;
        return SH_OK;
    case OPT_WEBHOOK_TIMEOUT:
        if (parse_duration(v, &cfg->webhook_timeout_ms) != SH_OK)
            goto bad;
        return SH_OK;
    case OPT_SUBMIT_TIMEOUT:
        if (parse_duration(v, &cfg->submit_timeout_ms) != SH_OK || cfg->submit_timeout_ms < 100)
            goto bad;
        return SH_OK;
    case OPT_TRUSTED_PROXIES: {
        struct cidr_list l;
        if (strlen(v) >= sizeof(cfg->trusted_proxies) || cidr_list_parse(v, &l, NULL) != SH_OK)
            goto bad;
        snprintf(cfg->trusted_proxies, sizeof(cfg->trusted_proxies), "%s", v);
        return SH_OK;
    }
    case OPT_RATE_LIMIT_RPS: {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (*v == '\0' || *end != '\0' || n < 0 || n > 1000000000LL)
            goto bad;
        cfg->rate_limit_rps = n;
        return SH_OK;
    }
    case OPT_STRIPE_SECRET:
        if (strlen(v) >= sizeof(cfg->stripe_secret) || strlen(v) < 16) {
            /* never echo a secret into the error */
            snprintf(err, errcap, "SMSHUB_STRIPE_WEBHOOK_SECRET must be 16-255 characters");
            return SH_EINVAL;
        }
        snprintf(cfg->stripe_secret, sizeof(cfg->stripe_secret), "%s", v);
        return SH_OK;
    case OPT_SMTP_URL:
        if (strlen(v) >= sizeof(cfg->smtp_url) ||
            (*v != '\0' && strncmp(v, "smtp://", 7) != 0 && strncmp(v, "smtps://", 8) != 0))
            goto bad;
        snprintf(cfg->smtp_url, sizeof(cfg->smtp_url), "%s", v);
        return SH_OK;
    case OPT_SMTP_FROM:
        if (strlen(v) >= sizeof(cfg->smtp_from) || strchr(v, '@') == NULL ||
            strpbrk(v, "\r\n<>") != NULL)
            goto bad;
        snprintf(cfg->smtp_from, sizeof(cfg->smtp_from), "%s", v);
        return SH_OK;
    case OPT_ACCESS_TTL: {
        char *end;
        long n = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || n < 1 || n > 86400)
            goto bad;
        cfg->access_ttl_s = (int)n;
        return SH_OK;
    }
    case OPT__COUNT:
        break;
    }
bad:
    snprintf(err, errcap, "invalid value for %s / --%s: \"%.64s\"", opts[id].env,
             opts[id].flag ? opts[id].flag : "(env only)", v);
    return SH_EINVAL;
}

int config_from_env(struct config *cfg, char *err, size_t errcap)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->db, sizeof(cfg->db), "sqlite:./data/smshub.db");
    snprintf(cfg->listen, sizeof(cfg->listen), "127.0.0.1:8080");
    snprintf(cfg->master_key_file, sizeof(cfg->master_key_file), "./data/master.key");
    cfg->log_level = LOG_INFO;
    cfg->sync_full = 1;
    cfg->access_ttl_s = 900;
    cfg->smpp_idle_timeout_ms = 300000;
    cfg->max_retries = 3;
    cfg->backoff_ms[0] = 30000;
    cfg->backoff_ms[1] = 120000;
    cfg->backoff_ms[2] = 480000;
    {
        struct engine_cfg ec;
        engine_cfg_default(&ec);
        cfg->health_cooldown_ms = ec.health_cooldown_ms;
        cfg->poll_first_ms = ec.poll_first_ms;
        cfg->claim_lease_ms = ec.lease_ms;
        cfg->webhook_nbackoff = ec.webhook_nbackoff;
        memcpy(cfg->webhook_backoff_ms, ec.webhook_backoff_ms, sizeof(cfg->webhook_backoff_ms));
        cfg->webhook_give_up_ms = ec.webhook_give_up_ms;
        cfg->webhook_timeout_ms = ec.webhook_timeout_ms;
        cfg->submit_timeout_ms = ec.submit_timeout_ms;
    }
    for (int i = 0; i < OPT__COUNT; i++) {
        const char *v = getenv(opts[i].env);
        if (v != NULL && apply(cfg, (enum opt_id)i, v, err, errcap) != SH_OK)
            return SH_EINVAL;
    }
    return SH_OK;
}

int config_from_args(struct config *cfg, int argc, char **argv, int *check_config, char *err,
                     size_t errcap)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        size_t nl;
        int id;

        if (strcmp(a, "--check-config") == 0 && check_config != NULL) {
            *check_config = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errcap, "unexpected argument \"%.64s\"", a);
            return SH_EINVAL;
        }
        a += 2;
        nl = strcspn(a, "=");
        for (id = 0; id < OPT__COUNT; id++) {
            if (opts[id].flag != NULL && strlen(opts[id].flag) == nl &&
                strncmp(opts[id].flag, a, nl) == 0)
                break;
        }
        if (id == OPT__COUNT) {
            snprintf(err, errcap, "unknown option --%.*s (see smshub help)", (int)nl, a);
            return SH_EINVAL;
        }
        if (a[nl] == '=') {
            val = a + nl + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            snprintf(err, errcap, "option --%s needs a value", opts[id].flag);
            return SH_EINVAL;
        }
        if (apply(cfg, (enum opt_id)id, val, err, errcap) != SH_OK)
            return SH_EINVAL;
    }
    return SH_OK;
}
