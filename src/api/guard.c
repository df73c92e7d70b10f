/*
 * guard.c — the checks every authenticated request passes after api/auth.c (SPEC §2.4–2.6):
 *
 *   client address  X-Forwarded-For is believed only from a trusted proxy (rightmost
 *                   untrusted hop); r->client_ip becomes that address
 *   IP allowlist    the project's CIDR list (empty: any)                 → 403 ip_not_allowed
 *   rate limits     token buckets per key, project and node (global)     → 429 rate_limited
 *   signing         HMAC-SHA256 over the request (core/reqsign.h), ±300 s, nonce once
 *                   across nodes (request_nonces)                        → 401 signature_*
 *   quotas          daily/monthly accepted messages on POST /v1/messages → 429 quota_exceeded
 *
 * RateLimit-* and X-RateLimit-* headers (the tightest layer) go on every answer once the
 * limits were checked. Guard state lives in guard_mem.c.
 */
#include "api/api.h"
#include "api/guard_int.h"
#include "core/field_error.h"
#include "core/reqsign.h"
#include "core/seal.h"
#include "lib/clock.h"
#include "lib/err.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int unavailable(struct http_req *r)
{
    http_problem(r, 503, "storage_unavailable", "Service unavailable",
                 "the project's settings cannot be read right now", NULL);
    http_header(r, "Retry-After", "1");
    return -1;
}

static int sig_fail(struct http_req *r, const char *code, const char *detail, const char *field)
{
    struct field_errors fe = {0};
    if (field != NULL)
        field_error_add(&fe, field, "invalid", "see docs/security.md for the header formats");
    http_problem(r, 401, code, "Unauthorized", detail, field != NULL ? &fe : NULL);
    return -1;
}

static void limit_headers(struct http_req *r, const struct ratelimit_result *rr)
{
    const char *lim = arena_printf(&r->arena, "%lld", (long long)rr->limit);
    const char *rem = arena_printf(&r->arena, "%lld", (long long)rr->remaining);
    const char *rst = arena_printf(&r->arena, "%lld", (long long)rr->reset_s);
    http_header(r, "RateLimit-Limit", lim);
    http_header(r, "RateLimit-Remaining", rem);
    http_header(r, "RateLimit-Reset", rst);
    http_header(r, "X-RateLimit-Limit", lim);
    http_header(r, "X-RateLimit-Remaining", rem);
    http_header(r, "X-RateLimit-Reset", rst);
}

static int rate_limits(struct http_req *r, struct guard *g, const struct guard_project *p)
{
    const struct principal *pr = &r->principal;
    struct ratelimit_ask ask[3];
    struct ratelimit_result rr;
    char kid[RATELIMIT_ID_MAX], pid[RATELIMIT_ID_MAX];
    int n = 0;

    if (pr->kind == PRINCIPAL_KEY && pr->rate_limit_rps > 0) {
        snprintf(kid, sizeof(kid), "k:%s", pr->key_id);
        ask[n++] = (struct ratelimit_ask){kid, pr->rate_limit_rps};
    }
    if (p != NULL && p->g.rate_limit_rps > 0) {
        snprintf(pid, sizeof(pid), "p:%s", p->id);
        ask[n++] = (struct ratelimit_ask){pid, p->g.rate_limit_rps};
    }
    ask[n++] = (struct ratelimit_ask){"g", guard_global_rps(g)};
    ratelimit_take(g->rl, ask, n, clock_mono_us(), &rr);
    if (rr.layer >= 0)
        limit_headers(r, &rr);
    if (rr.allowed)
        return 0;
    http_problem(r, 429, "rate_limited", "Too many requests",
                 "the request rate limit is exhausted; retry after Retry-After seconds", NULL);
    http_header(r, "Retry-After", arena_printf(&r->arena, "%lld", (long long)rr.retry_after));
    return -1;
}

/* The request target as sent (path and query); falls back to the decoded path. */
static const char *target_of(const struct http_req *r)
{
    return r->target != NULL ? r->target : r->path;
}

static int signature(struct http_req *r, struct guard *g, const struct guard_project *p)
{
    struct reqsign rs;
    const char *field = NULL;
    char label[80], *secret = NULL;
    size_t slen = 0;
    int st, ret = -1;

    if (p->g.hmac_mode == 0)
        return 0;
    st = reqsign_parse(http_req_header(r, "X-Smshub-Timestamp"),
                       http_req_header(r, "X-Smshub-Nonce"),
                       http_req_header(r, "X-Smshub-Signature"), &rs, &field);
    if (st == SH_ENOTFOUND) {
        if (p->g.hmac_mode == 1)
            return 0;
        return sig_fail(r, "signature_required",
                        "this project requires signed requests (X-Smshub-Signature)", NULL);
    }
    if (st != SH_OK)
        return sig_fail(r, "signature_invalid", "a signing header is malformed", field);
    if (!reqsign_fresh(&rs, clock_now_ms() / 1000))
        return sig_fail(r, "signature_expired",
                        "X-Smshub-Timestamp is more than 300 seconds away from the server's clock",
                        "X-Smshub-Timestamp");
    if (p->g.hmac_secret_len == 0)
        return sig_fail(r, "signature_invalid", "the project has no signing secret", NULL);
    snprintf(label, sizeof(label), "hmac:%s", p->id);
    st = seal_open(g->sealer, p->g.hmac_key_id, label, p->g.hmac_secret, p->g.hmac_secret_len,
                   &secret, &slen);
    if (st != SH_OK) {
        log_msg(g->log, LOG_ERROR, NULL, "the signing secret of project %s cannot be opened: %s",
                p->id, sh_strerror(st));
        http_problem(r, 500, "internal_error", "Internal error",
                     "the signing secret cannot be read", NULL);
        return -1;
    }
    if (!reqsign_verify(secret, slen, r->method, target_of(r), &rs, r->body, r->body_len)) {
        sig_fail(r, "signature_invalid", "the signature does not match the request",
                 "X-Smshub-Signature");
        goto out;
    }
    st = store_nonce_claim(g->store, p->id, rs.nonce, clock_now_ms());
    if (st == SH_EEXIST) {
        sig_fail(r, "signature_replayed", "this nonce was used already", "X-Smshub-Nonce");
        goto out;
    }
    if (st != SH_OK) {
        unavailable(r);
        goto out;
    }
    ret = 0;
out:
    seal_wipe_free(secret, slen);
    return ret;
}

/* Seconds from now_ms to the next UTC midnight (monthly: the first of next month). */
static int64_t until_next(int64_t now_ms, int monthly)
{
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    if (monthly) {
        tm.tm_mday = 1;
        tm.tm_mon++;
    } else {
        tm.tm_mday++;
    }
    int64_t next = (int64_t)timegm(&tm);
    return next - now_ms / 1000 > 0 ? next - now_ms / 1000 : 1;
}

static int quotas(struct http_req *r, struct guard *g, const struct guard_project *p,
                  const struct route *route)
{
    int64_t day, month, now = clock_now_ms();
    int monthly;
    if (route->scope == NULL || strcmp(route->scope, "messages:send") != 0 ||
        strcmp(route->method, "POST") != 0)
        return 0;
    if (p->g.quota_daily <= 0 && p->g.quota_monthly <= 0)
        return 0;
    if (guard_counted(g, p->id, now, &day, &month) != SH_OK)
        return unavailable(r);
    if (p->g.quota_monthly > 0 && month >= p->g.quota_monthly)
        monthly = 1;
    else if (p->g.quota_daily > 0 && day >= p->g.quota_daily)
        monthly = 0;
    else
        return 0;
    http_problem(r, 429, "quota_exceeded", "Quota exceeded",
                 monthly ? "the project's monthly message quota is used up"
                         : "the project's daily message quota is used up",
                 NULL);
    http_header(r, "Retry-After",
                arena_printf(&r->arena, "%lld", (long long)until_next(now, monthly)));
    return -1;
}

int guard_check(struct http_req *r, const struct route *route)
{
    struct guard *g = r->api->guard;
    struct guard_project p;
    const struct guard_project *pp = NULL;
    struct cidr ip;
    char client[sizeof(r->client_ip)];
    int st;

    if (g == NULL)
        return 0;
    cidr_client_ip(r->client_ip, http_req_header(r, "X-Forwarded-For"), &g->trusted, client,
                   sizeof(client));
    memcpy(r->client_ip, client, sizeof(client));
    if (r->principal.project_id[0] != '\0') {
        st = guard_project(g, r->principal.project_id, &p);
        if (st == SH_ENOTFOUND) {
            http_problem(r, 401, "unauthorized", "Unauthorized",
                         "the credential's project does not exist", NULL);
            return -1;
        }
        if (st != SH_OK)
            return unavailable(r);
        pp = &p;
        if (p.allow_bad || (p.allow.n > 0 && (cidr_parse_ip(r->client_ip, &ip) != SH_OK ||
                                              !cidr_list_contains(&p.allow, &ip)))) {
            http_problem(r, 403, "ip_not_allowed", "Forbidden",
                         "requests from this address are not allowed for the project", NULL);
            return -1;
        }
    }
    if (rate_limits(r, g, pp) != 0)
        return -1;
    if (pp != NULL && (signature(r, g, pp) != 0 || quotas(r, g, pp, route) != 0))
        return -1;
    return 0;
}

int guard_bind_check(struct guard *g, const char *project_id, const char *client_ip)
{
    struct guard_project p;
    struct cidr ip;
    int st;
    if (g == NULL)
        return GUARD_PASS;
    st = guard_project(g, project_id, &p);
    if (st == SH_ENOTFOUND)
        return GUARD_NO_PROJECT;
    if (st != SH_OK)
        return GUARD_UNAVAILABLE;
    if (p.allow_bad || (p.allow.n > 0 && (cidr_parse_ip(client_ip, &ip) != SH_OK ||
                                          !cidr_list_contains(&p.allow, &ip))))
        return GUARD_IP_DENIED;
    return GUARD_PASS;
}

int guard_message_check(struct guard *g, const char *project_id, const char *account_key,
                        int64_t account_tps)
{
    struct guard_project p;
    struct ratelimit_ask ask[3];
    struct ratelimit_result rr;
    char aid[RATELIMIT_ID_MAX], pid[RATELIMIT_ID_MAX];
    int64_t day, month;
    int n = 0, st;

    if (g == NULL)
        return GUARD_PASS;
    st = guard_project(g, project_id, &p);
    if (st == SH_ENOTFOUND)
        return GUARD_NO_PROJECT;
    if (st != SH_OK)
        return GUARD_UNAVAILABLE;
    if (p.g.quota_daily > 0 || p.g.quota_monthly > 0) {
        if (guard_counted(g, p.id, clock_now_ms(), &day, &month) != SH_OK)
            return GUARD_UNAVAILABLE;
        if ((p.g.quota_monthly > 0 && month >= p.g.quota_monthly) ||
            (p.g.quota_daily > 0 && day >= p.g.quota_daily))
            return GUARD_QUOTA;
    }
    if (account_key != NULL && account_tps > 0) {
        snprintf(aid, sizeof(aid), "s:%s", account_key);
        ask[n++] = (struct ratelimit_ask){aid, account_tps};
    }
    if (p.g.rate_limit_rps > 0) {
        snprintf(pid, sizeof(pid), "p:%s", p.id);
        ask[n++] = (struct ratelimit_ask){pid, p.g.rate_limit_rps};
    }
    ask[n++] = (struct ratelimit_ask){"g", guard_global_rps(g)};
    ratelimit_take(g->rl, ask, n, clock_mono_us(), &rr);
    return rr.allowed ? GUARD_PASS : GUARD_RATE_LIMITED;
}
