/* dump.c — see dump.h. SQL is built at run time from catalog names (checked identifiers). */
#include "store/dump.h"
#include "lib/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_MAX_COLS 64
#define DUMP_MAX_ROWS 64 /* rows per insert statement batch */

/* Parents first; tables not listed here follow in name order. */
static const char *const order[] = {
    "users", "projects", "memberships", "api_keys", "providers", "provider_credentials",
    "routes", "project_clients", "tokens", "user_tokens", "settings", "smpp_accounts",
};
/* runtime state that must not move between installations */
static const char *const skip[] = {"meta", "schema_migrations", "nodes", "request_nonces"};

static const struct store_q q_tables = {
    "dump.tables", NULL,
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
    "ORDER BY name",
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_type = 'BASE TABLE' ORDER BY table_name",
    0};

static const struct store_q q_columns = {
    "dump.columns", NULL, "SELECT name, lower(type) FROM pragma_table_info($1) ORDER BY cid",
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
    "current_schema() AND table_name = $1 ORDER BY ordinal_position",
    0};

int store_dump_ident_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static int listed(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return (int)i;
    return -1;
}

int store_dump_tables(struct store *s, struct arena *a, const char ***names, size_t *n)
{
    struct store_rows r;
    size_t k = 0, norder = sizeof(order) / sizeof(order[0]);
    int st = store_read(s, &q_tables, NULL, a, &r);
    if (st != SH_OK)
        return st;
    const char **out = arena_alloc(a, (r.n + 1) * sizeof(*out));
    for (size_t i = 0; i < norder; i++)
        for (size_t j = 0; j < r.n; j++)
            if (strcmp(store_cell(&r, j, 0), order[i]) == 0)
                out[k++] = store_cell(&r, j, 0);
    for (size_t j = 0; j < r.n; j++) {
        const char *t = store_cell(&r, j, 0);
        if (listed(order, norder, t) < 0 && listed(skip, sizeof(skip) / sizeof(skip[0]), t) < 0 &&
            store_dump_ident_ok(t))
            out[k++] = t;
    }
    *names = out;
    *n = k;
    return SH_OK;
}

int store_dump_columns(struct store *s, const char *table, struct arena *a, struct dump_col **cols,
                       size_t *n)
{
    struct store_args args = {0};
    struct store_rows r;
    store_arg_text(&args, table);
    int st = store_read(s, &q_columns, &args, a, &r);
    if (st != SH_OK)
        return st;
    if (r.n == 0)
        return SH_ENOTFOUND;
    if (r.n > DUMP_MAX_COLS)
        return SH_ETOOBIG;
    struct dump_col *c = arena_alloc(a, r.n * sizeof(*c));
    for (size_t i = 0; i < r.n; i++) {
        const char *type = store_cell(&r, i, 1);
        c[i].name = store_cell(&r, i, 0);
        if (!store_dump_ident_ok(c[i].name))
            return SH_EINVAL;
        c[i].type = strstr(type, "int") != NULL                               ? DUMP_INT
                    : strcmp(type, "blob") == 0 || strcmp(type, "bytea") == 0 ? DUMP_BLOB
                                                                              : DUMP_TEXT;
    }
    *cols = c;
    *n = r.n;
    return SH_OK;
}

/* The backend is known from its ops table: no query needed. */
static int is_pg(const struct store *s)
{
    return strcmp(s->ops->scheme, "postgres") == 0;
}

int store_dump_page(struct store *s, const char *table, const struct dump_col *cols, size_t ncols,
                    int64_t offset, int limit, struct arena *a, struct store_rows *out)
{
    int pg = is_pg(s);
    size_t cap = 256 + ncols * 160, pos = 0;
    char *sql = arena_alloc(a, cap);
    pos += (size_t)snprintf(sql + pos, cap - pos, "SELECT ");
    for (size_t i = 0; i < ncols; i++) {
        /* SQLite's hex(NULL) is '', which would come back as an empty blob: keep NULL */
        const char *fmt = cols[i].type != DUMP_BLOB ? "%s%s"
                          : pg                      ? "%sencode(%s, 'hex')"
                                                    : "%sCASE WHEN %s IS NULL THEN NULL ELSE "
                                                      "lower(hex(%s)) END";
        pos += (size_t)snprintf(sql + pos, cap - pos, fmt, i ? ", " : "", cols[i].name,
                                cols[i].name);
    }
    snprintf(sql + pos, cap - pos, " FROM %s ORDER BY 1%s LIMIT $1 OFFSET $2", table,
             ncols > 1 ? ", 2" : "");
    struct store_q q = {"dump.page", sql, NULL, NULL, 0};
    struct store_args args = {0};
    store_arg_int(&args, limit);
    store_arg_int(&args, offset);
    return store_read(s, &q, &args, a, out);
}

static int unhex(const char *h, struct arena *a, unsigned char **out, size_t *len)
{
    size_t n = strlen(h);
    if (n % 2 != 0)
        return SH_EINVAL;
    unsigned char *b = arena_alloc(a, n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        char pair[3] = {h[2 * i], h[2 * i + 1], 0};
        char *end;
        unsigned long v = strtoul(pair, &end, 16);
        if (*end != '\0' || pair[0] == '+' || pair[0] == '-' || pair[0] == ' ')
            return SH_EINVAL;
        b[i] = (unsigned char)v;
    }
    *out = b;
    *len = n / 2;
    return SH_OK;
}

int store_dump_insert(struct store *s, const char *table, const struct dump_col *cols,
                      size_t ncols, const char *const *cells, size_t nrows, struct arena *a)
{
    if (ncols == 0 || ncols > STORE_MAX_ARGS || nrows > DUMP_MAX_ROWS)
        return SH_ETOOBIG;
    size_t cap = 64 + ncols * 80, pos = 0;
    char *sql = arena_alloc(a, cap);
    pos += (size_t)snprintf(sql + pos, cap - pos, "INSERT INTO %s(", table);
    for (size_t i = 0; i < ncols; i++)
        pos += (size_t)snprintf(sql + pos, cap - pos, "%s%s", i ? ", " : "", cols[i].name);
    pos += (size_t)snprintf(sql + pos, cap - pos, ") VALUES (");
    for (size_t i = 0; i < ncols; i++)
        pos += (size_t)snprintf(sql + pos, cap - pos, "%s$%zu", i ? ", " : "", i + 1);
    snprintf(sql + pos, cap - pos, ")");
    struct store_q *q = arena_zalloc(a, sizeof(*q));
    q->name = "dump.insert";
    q->sql = sql;

    struct store_args *args = arena_zalloc(a, nrows * sizeof(*args));
    struct store_step *steps = arena_zalloc(a, nrows * sizeof(*steps));
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            const char *v = cells[r * ncols + c];
            if (cols[c].type == DUMP_INT) {
                char *end;
                if (v == NULL) {
                    store_arg_int_null(&args[r]);
                    continue;
                }
                long long x = strtoll(v, &end, 10);
                if (*v == '\0' || *end != '\0')
                    return SH_EINVAL;
                store_arg_int(&args[r], x);
            } else if (cols[c].type == DUMP_BLOB && v != NULL) {
                unsigned char *b;
                size_t len;
                if (unhex(v, a, &b, &len) != SH_OK)
                    return SH_EINVAL;
                store_arg_blob(&args[r], b, len);
            } else if (cols[c].type == DUMP_BLOB) {
                store_arg_blob(&args[r], NULL, 0);
            } else {
                store_arg_text(&args[r], v);
            }
        }
        steps[r] = (struct store_step){q, &args[r], NULL};
    }
    return store_write(s, steps, nrows, a);
}
