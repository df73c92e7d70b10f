/*
 * identity.c — the shared state and helpers of the identity endpoints (api/identity.h).
 */
#include "api/identity.h"
#include "api/api.h"
#include "core/field_error.h"
#include "core/mailer.h"
#include "core/throttle.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct identity *identity_new(const struct identity_cfg *cfg, const struct log *log)
{
    struct identity *id = xcalloc(1, sizeof(*id));
    id->access_ttl_s = cfg->access_ttl_s > 0 ? cfg->access_ttl_s : 900;
    id->refresh_ttl_s = cfg->refresh_ttl_s > 0 ? cfg->refresh_ttl_s : 30 * 24 * 3600;
    id->login_email = throttle_new(LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS);
    id->login_ip = throttle_new(LOGIN_MAX_FAILURES * 5, LOGIN_WINDOW_MS);
    id->reset_email = throttle_new(RESET_MAX_PER_ADDRESS, RESET_WINDOW_MS);
    id->reset_ip = throttle_new(RESET_MAX_PER_IP, RESET_WINDOW_MS);
    id->mailer = mailer_new(cfg->smtp_url, cfg->smtp_from, log);
    return id;
}

void identity_free(struct identity *id)
{
    if (id == NULL)
        return;
    mailer_free(id->mailer);
    throttle_free(id->login_email);
    throttle_free(id->login_ip);
    throttle_free(id->reset_email);
    throttle_free(id->reset_ip);
    free(id);
}

int ident_store_error(struct http_req *r, int st, const char *what)
{
    if (st == SH_ENOTFOUND)
        http_problem(r, 404, "not_found", "Not found", what, NULL);
    else if (st == SH_EEXIST)
        http_problem(r, 409, "conflict", "Conflict", what, NULL);
    else
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "the store cannot be used right now; try again", NULL);
    return HTTP_DONE;
}

const char *ident_email_problem(const char *e)
{
    size_t n = strlen(e);
    const char *at = strchr(e, '@');
    if (n == 0 || n > 254)
        return "an e-mail address has 1 to 254 characters";
    if (at == NULL || at == e || at[1] == '\0' || strchr(at + 1, '@') != NULL)
        return "an e-mail address has one '@' with text on both sides";
    for (const unsigned char *p = (const unsigned char *)e; *p != '\0'; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == ',' || *p == ';')
            return "an e-mail address has no spaces, control characters, <, >, ',' or ';'";
    return NULL;
}

const char *ident_json_text(struct http_req *r, json_t *j)
{
    if (j == NULL)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (s == NULL)
        return NULL;
    const char *out = arena_strndup(&r->arena, s, strlen(s));
    free(s);
    return out;
}

json_t *ident_time(const char *cell)
{
    char buf[40];
    if (cell == NULL || *cell == '\0')
        return json_null();
    long long ms = strtoll(cell, NULL, 10);
    if (ms == 0)
        return json_null();
    return json_string(clock_fmt_rfc3339(ms, buf, sizeof(buf)));
}

int ident_limit(struct http_req *r, int def, int max)
{
    const char *v = http_query(r, "limit");
    char *end;
    if (v == NULL)
        return def;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < 1 || n > max) {
        struct field_errors fe = {0};
        field_error_add(&fe, "limit", "out_of_range", "limit is an integer from 1 to %d", max);
        http_problem(r, 400, "invalid_parameter", "Invalid parameter", "limit is out of range",
                     &fe);
        return -1;
    }
    return (int)n;
}

int ident_cursor(struct http_req *r, const char **out)
{
    const char *v = http_query(r, "cursor");
    size_t n = v != NULL ? strlen(v) : 0;
    *out = v;
    if (v == NULL)
        return 0;
    if (n >= 1 && n <= 64 &&
        strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n)
        return 0;
    struct field_errors fe = {0};
    field_error_add(&fe, "cursor", "invalid", "use next_cursor from the previous page");
    http_problem(r, 400, "invalid_parameter", "Invalid parameter", "cursor is not valid", &fe);
    return -1;
}

void ident_page(struct http_req *r, const struct store_rows *rows, int limit,
                json_t *(*row_json)(const struct store_rows *rows, size_t i))
{
    json_t *data = json_array();
    size_t n = rows->n > (size_t)limit ? (size_t)limit : rows->n;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(data, row_json(rows, i));
    json_t *next = rows->n > (size_t)limit ? json_string(store_cell(rows, n - 1, 0)) : json_null();
    http_reply_json(r, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor", next));
}

int ident_role_valid(const char *role)
{
    return role != NULL && (strcmp(role, "owner") == 0 || strcmp(role, "admin") == 0 ||
                            strcmp(role, "member") == 0 || strcmp(role, "viewer") == 0);
}
