/*
 * usage.c — usage reports (SPEC §7) from the daily rollups: GET /v1/usage (the caller's
 * project), GET /v1/admin/usage (administrators, one project or all, with cost), the same as
 * CSV (…/export), and POST /v1/admin/usage/rebuild (recompute days from the messages).
 * Grouping: day, week (ISO 8601), month, provider, country; amounts per currency.
 */
#include "api/api.h"
#include "core/field_error.h"
#include "core/money.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/usage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USAGE_MAX_DAYS 366
#define DAY_MS 86400000LL

enum usage_group { G_DAY, G_WEEK, G_MONTH, G_PROVIDER, G_COUNTRY };

struct usage_bucket {
    char key[32];
    char currency[4];
    int64_t v[6]; /* messages, parts, delivered, failed, price, cost */
};

struct usage_query {
    char from[11], to[11];
    int64_t from_ms, to_ms; /* [from midnight, day after to) */
    int group;
    const char *provider, *country, *project;
};

/* "YYYY-MM-DD" → ms of its UTC midnight; -1 when not a real date. */
static int64_t day_ms(const char *s)
{
    struct tm tm = {0};
    char *end;
    if (s == NULL || strlen(s) != 10)
        return -1;
    end = strptime(s, "%Y-%m-%d", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    int y = tm.tm_year, m = tm.tm_mon, d = tm.tm_mday;
    time_t t = timegm(&tm);
    if (tm.tm_year != y || tm.tm_mon != m || tm.tm_mday != d) /* Feb 30 normalised away */
        return -1;
    return (int64_t)t * 1000;
}

static void day_str(int64_t ms, char out[11])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static int parse_query(struct http_req *r, struct usage_query *q, int admin,
                       struct field_errors *fe)
{
    static const char *const groups[] = {"day", "week", "month", "provider", "country"};
    const char *v;
    int64_t today = clock_now_ms() / DAY_MS * DAY_MS;

    memset(q, 0, sizeof(*q));
    q->to_ms = today;
    q->from_ms = today - 29 * DAY_MS;
    if ((v = http_query(r, "from")) != NULL && (q->from_ms = day_ms(v)) < 0)
        field_error_add(fe, "from", "invalid_date", "a date YYYY-MM-DD");
    if ((v = http_query(r, "to")) != NULL && (q->to_ms = day_ms(v)) < 0)
        field_error_add(fe, "to", "invalid_date", "a date YYYY-MM-DD");
    if (fe->n == 0 && q->to_ms < q->from_ms)
        field_error_add(fe, "to", "invalid", "must not be before from");
    if (fe->n == 0 && (q->to_ms - q->from_ms) / DAY_MS >= USAGE_MAX_DAYS)
        field_error_add(fe, "to", "out_of_range", "at most 366 days per report");
    q->group = G_DAY;
    if ((v = http_query(r, "group_by")) != NULL) {
        q->group = -1;
        for (int i = 0; i < 5; i++)
            if (strcmp(v, groups[i]) == 0)
                q->group = i;
        if (q->group < 0)
            field_error_add(fe, "group_by", "invalid", "day, week, month, provider or country");
    }
    q->provider = http_query(r, "provider");
    q->country = http_query(r, "country");
    if (q->provider != NULL && strlen(q->provider) > 64)
        field_error_add(fe, "provider", "invalid", "a provider id");
    if (q->country != NULL && strlen(q->country) != 2)
        field_error_add(fe, "country", "invalid", "an ISO 3166-1 alpha-2 code");
    q->project = admin ? http_query(r, "project_id") : r->principal.project_id;
    day_str(q->from_ms, q->from);
    day_str(q->to_ms, q->to);
    q->to_ms += DAY_MS;
    return fe->n == 0 ? 0 : -1;
}

static void group_key(int group, const struct store_rows *rows, size_t i, char out[32])
{
    const char *day = store_cell(rows, i, 3);
    switch (group) {
    case G_WEEK: {
        time_t t = (time_t)(day_ms(day) / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(out, 32, "%G-W%V", &tm);
        return;
    }
    case G_MONTH:
        snprintf(out, 32, "%.7s", day);
        return;
    case G_PROVIDER:
        snprintf(out, 32, "%s", store_cell(rows, i, 1));
        return;
    case G_COUNTRY:
        snprintf(out, 32, "%s", store_cell(rows, i, 2));
        return;
    default:
        snprintf(out, 32, "%s", day);
    }
}

/* Folds the rollup rows into buckets by key and currency (in a; *n of them). */
static struct usage_bucket *fold(const struct store_rows *rows, int group, struct arena *a,
                                 size_t *n)
{
    struct usage_bucket *b = arena_zalloc(a, (rows->n + 1) * sizeof(*b));
    size_t nb = 0;
    for (size_t i = 0; i < rows->n; i++) {
        char key[32];
        const char *cur = store_cell(rows, i, 4);
        group_key(group, rows, i, key);
        size_t k = 0;
        while (k < nb && !(strcmp(b[k].key, key) == 0 && strcmp(b[k].currency, cur) == 0))
            k++;
        if (k == nb) {
            snprintf(b[k].key, sizeof(b[k].key), "%s", key);
            snprintf(b[k].currency, sizeof(b[k].currency), "%s", cur);
            nb++;
        }
        for (int c = 0; c < 6; c++)
            b[k].v[c] += store_cell_int(rows, i, 5 + (size_t)c);
    }
    *n = nb;
    return b;
}

static int load(struct http_req *r, int admin, struct usage_query *q, struct usage_bucket **b,
                size_t *n)
{
    struct field_errors fe = {0};
    struct store_rows rows;
    if (parse_query(r, q, admin, &fe) != 0) {
        http_problem(r, 400, "invalid_query", "Invalid query", NULL, &fe);
        return -1;
    }
    struct usage_filter f = {q->project, q->from, q->to, q->provider, q->country};
    if (store_usage_list(r->api->store, &f, &r->arena, &rows) != SH_OK) {
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "usage cannot be read right now", NULL);
        return -1;
    }
    *b = fold(&rows, q->group, &r->arena, n);
    return 0;
}

static int report_json(struct http_req *r, int admin)
{
    static const char *const names[] = {"messages", "parts", "delivered", "failed"};
    struct usage_query q;
    struct usage_bucket *b;
    size_t n;
    char money[MONEY_STR_MAX];
    if (load(r, admin, &q, &b, &n) != 0)
        return HTTP_DONE;
    json_t *data = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:s}", "key", b[i].key, "currency", b[i].currency);
        for (int c = 0; c < 4; c++)
            json_object_set_new(o, names[c], json_integer(b[i].v[c]));
        json_object_set_new(o, "price", json_string(money_format(b[i].v[4], money)));
        if (admin)
            json_object_set_new(o, "cost", json_string(money_format(b[i].v[5], money)));
        json_array_append_new(data, o);
    }
    static const char *const groups[] = {"day", "week", "month", "provider", "country"};
    http_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:o}", "from", q.from, "to", q.to,
                                      "group_by", groups[q.group], "data", data));
    return HTTP_DONE;
}

/* ---- CSV export, streamed ---------------------------------------------------------------- */

#define EXPORT_PAGE 1000
#define EXPORT_MAX_BUCKETS 50000

/* A CSV export in progress: rollup rows are read a page at a time as the client takes the
 * answer; day/week/month buckets are written as soon as their key is complete (rows come in
 * day order), provider/country buckets (few) once every row is read. Owns its strings. */
struct csv_stream {
    struct store *store;
    int admin, group, reading;
    char from[11], to[11];
    char *project, *provider, *country;
    char after[5][72];
    int has_after;
    struct usage_bucket *b;
    size_t nb, cap;
    char *out;
    size_t out_len, out_off, out_cap;
};

static void out_add(struct csv_stream *cs, const char *text)
{
    size_t n = strlen(text);
    if (cs->out_len + n > cs->out_cap) {
        cs->out_cap = (cs->out_len + n) * 2 + 256;
        cs->out = xrealloc(cs->out, cs->out_cap);
    }
    memcpy(cs->out + cs->out_len, text, n);
    cs->out_len += n;
}

/* Writes every bucket as a CSV line (keys are dates, ids, ISO codes: never a comma or a
 * quote) and forgets them. */
static void flush_buckets(struct csv_stream *cs)
{
    char line[256], price[MONEY_STR_MAX], cost[MONEY_STR_MAX];
    for (size_t i = 0; i < cs->nb; i++) {
        const struct usage_bucket *b = &cs->b[i];
        snprintf(line, sizeof(line), "%s,%s,%lld,%lld,%lld,%lld,%s%s%s\r\n", b->key, b->currency,
                 (long long)b->v[0], (long long)b->v[1], (long long)b->v[2], (long long)b->v[3],
                 money_format(b->v[4], price), cs->admin ? "," : "",
                 cs->admin ? money_format(b->v[5], cost) : "");
        out_add(cs, line);
    }
    cs->nb = 0;
}

/* Folds one rollup row in; 0, or -1 past the bucket cap. */
static int fold_row(struct csv_stream *cs, const struct store_rows *rows, size_t i)
{
    char key[32];
    const char *cur = store_cell(rows, i, 4);
    size_t k = 0;
    group_key(cs->group, rows, i, key);
    if (cs->group <= G_MONTH && cs->nb > 0 && strcmp(cs->b[0].key, key) != 0)
        flush_buckets(cs); /* rows come in day order: that key is complete */
    while (k < cs->nb && !(strcmp(cs->b[k].key, key) == 0 && strcmp(cs->b[k].currency, cur) == 0))
        k++;
    if (k == cs->nb) {
        if (cs->nb == EXPORT_MAX_BUCKETS)
            return -1;
        if (cs->nb == cs->cap) {
            cs->cap = cs->cap ? cs->cap * 2 : 16;
            cs->b = xrealloc(cs->b, cs->cap * sizeof(*cs->b));
        }
        memset(&cs->b[k], 0, sizeof(cs->b[k]));
        snprintf(cs->b[k].key, sizeof(cs->b[k].key), "%s", key);
        snprintf(cs->b[k].currency, sizeof(cs->b[k].currency), "%s", cur ? cur : "");
        cs->nb++;
    }
    for (int c = 0; c < 6; c++)
        cs->b[k].v[c] += store_cell_int(rows, i, 5 + (size_t)c);
    return 0;
}

/* Reads the next page into the buckets (and the output). 0, or -1 on a store error. */
static int read_page(struct csv_stream *cs)
{
    static const int key_cols[5] = {3, 0, 1, 2, 4}; /* day, project, provider, country, cur */
    struct usage_filter f = {cs->project, cs->from, cs->to, cs->provider, cs->country};
    const char *after[5];
    struct store_rows rows;
    struct arena a;
    int st = 0;
    for (int i = 0; i < 5; i++)
        after[i] = cs->after[i];
    arena_init(&a);
    if (store_usage_page(cs->store, &f, cs->has_after ? after : NULL, EXPORT_PAGE, &a, &rows) !=
        SH_OK) {
        st = -1;
        goto out;
    }
    for (size_t i = 0; i < rows.n; i++)
        if (fold_row(cs, &rows, i) != 0) {
            st = -1;
            goto out;
        }
    if (rows.n > 0) {
        for (int i = 0; i < 5; i++) {
            const char *v = store_cell(&rows, rows.n - 1, (size_t)key_cols[i]);
            snprintf(cs->after[i], sizeof(cs->after[i]), "%s", v ? v : "");
        }
        cs->has_after = 1;
    }
    if (rows.n < EXPORT_PAGE) {
        cs->reading = 0;
        flush_buckets(cs);
    }
out:
    arena_release(&a);
    return st;
}

static long csv_fill(void *ctx, char *buf, size_t cap)
{
    struct csv_stream *cs = ctx;
    while (cs->out_off == cs->out_len) {
        cs->out_off = cs->out_len = 0;
        if (!cs->reading)
            return 0;
        if (read_page(cs) != 0)
            return -1; /* the client sees a cut answer, never a short one that looks whole */
    }
    size_t n = cs->out_len - cs->out_off;
    if (n > cap)
        n = cap;
    memcpy(buf, cs->out + cs->out_off, n);
    cs->out_off += n;
    return (long)n;
}

static void csv_done(void *ctx)
{
    struct csv_stream *cs = ctx;
    free(cs->project);
    free(cs->provider);
    free(cs->country);
    free(cs->b);
    free(cs->out);
    free(cs);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

static int report_csv(struct http_req *r, int admin)
{
    struct field_errors fe = {0};
    struct usage_query q;
    if (parse_query(r, &q, admin, &fe) != 0) {
        http_problem(r, 400, "invalid_query", "Invalid query", NULL, &fe);
        return HTTP_DONE;
    }
    struct csv_stream *cs = xcalloc(1, sizeof(*cs));
    cs->store = r->api->store;
    cs->admin = admin;
    cs->group = q.group;
    cs->reading = 1;
    memcpy(cs->from, q.from, sizeof(cs->from));
    memcpy(cs->to, q.to, sizeof(cs->to));
    cs->project = dup_or_null(q.project);
    cs->provider = dup_or_null(q.provider);
    cs->country = dup_or_null(q.country);
    out_add(cs, admin ? "key,currency,messages,parts,delivered,failed,price,cost\r\n"
                      : "key,currency,messages,parts,delivered,failed,price\r\n");
    http_reply_stream(r, 200, "text/csv; charset=utf-8", csv_fill, csv_done, cs);
    http_header(r, "Content-Disposition", "attachment; filename=\"usage.csv\"");
    return HTTP_DONE;
}

int api_usage(struct http_req *r)
{
    return report_json(r, 0);
}

int api_usage_export(struct http_req *r)
{
    return report_csv(r, 0);
}

int api_admin_usage(struct http_req *r)
{
    return report_json(r, 1);
}

int api_admin_usage_export(struct http_req *r)
{
    return report_csv(r, 1);
}

int api_admin_usage_rebuild(struct http_req *r)
{
    struct field_errors fe = {0};
    json_t *o = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, NULL);
    int64_t from = day_ms(json_string_value(json_object_get(o, "from")));
    int64_t to = day_ms(json_string_value(json_object_get(o, "to")));
    int64_t rows = 0;
    json_decref(o);
    if (from < 0)
        field_error_add(&fe, "from", "invalid_date", "a date YYYY-MM-DD");
    if (to < 0)
        field_error_add(&fe, "to", "invalid_date", "a date YYYY-MM-DD");
    if (fe.n == 0 && (to < from || (to - from) / DAY_MS >= USAGE_MAX_DAYS))
        field_error_add(&fe, "to", "out_of_range", "from <= to, at most 366 days");
    if (fe.n > 0) {
        http_problem(r, 422, "invalid_range", "Invalid range", NULL, &fe);
        return HTTP_DONE;
    }
    if (store_usage_rebuild(r->api->store, from, to + DAY_MS, &rows) != SH_OK) {
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "usage could not be rebuilt right now", NULL);
        return HTTP_DONE;
    }
    http_reply_json(r, 200, json_pack("{s:I}", "rows", (json_int_t)rows));
    return HTTP_DONE;
}
