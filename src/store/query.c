/*
 * query.c — the backend-independent half of the control-plane executor: parameter lists,
 * result cells, and the store_read/store_write doors (store.h). The backends run the SQL
 * (sqlite_q.c, pg_q.c).
 */
#include "store/query_int.h"
#include "store/store.h"

#include "lib/err.h"

#include <stdlib.h>
#include <string.h>

static struct store_arg *next_arg(struct store_args *a)
{
    /* a query with more parameters than this is a programming error, not input */
    if (a->n >= STORE_MAX_ARGS)
        abort();
    struct store_arg *v = &a->v[a->n++];
    memset(v, 0, sizeof(*v));
    return v;
}

void store_arg_text(struct store_args *a, const char *s)
{
    struct store_arg *v = next_arg(a);
    v->type = STORE_ARG_TEXT;
    v->s = s;
    v->is_null = s == NULL;
}

void store_arg_int(struct store_args *a, int64_t i)
{
    struct store_arg *v = next_arg(a);
    v->type = STORE_ARG_INT;
    v->i = i;
}

void store_arg_int_null(struct store_args *a)
{
    struct store_arg *v = next_arg(a);
    v->type = STORE_ARG_INT;
    v->is_null = 1;
}

void store_arg_time(struct store_args *a, int64_t t)
{
    if (t == 0)
        store_arg_int_null(a);
    else
        store_arg_int(a, t);
}

void store_arg_blob(struct store_args *a, const void *b, size_t len)
{
    struct store_arg *v = next_arg(a);
    v->type = STORE_ARG_BLOB;
    v->b = b;
    v->len = len;
    v->is_null = b == NULL;
}

const char *store_cell(const struct store_rows *r, size_t row, size_t col)
{
    if (r == NULL || row >= r->n || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col];
}

int64_t store_cell_int(const struct store_rows *r, size_t row, size_t col)
{
    const char *c = store_cell(r, row, col);
    return c != NULL ? strtoll(c, NULL, 10) : 0;
}

const char *store_q_sql(const struct store_q *q, int pg)
{
    if (pg && q->sql_pg != NULL)
        return q->sql_pg;
    if (!pg && q->sql_sqlite != NULL)
        return q->sql_sqlite;
    return q->sql;
}

int store_read(struct store *s, const struct store_q *q, const struct store_args *args,
               struct arena *a, struct store_rows *out)
{
    memset(out, 0, sizeof(*out));
    return s->ops->read(s, q, args, a, out);
}

int store_read_one(struct store *s, const struct store_q *q, const struct store_args *args,
                   struct arena *a, struct store_rows *out)
{
    int st = store_read(s, q, args, a, out);
    return st == SH_OK && out->n == 0 ? SH_ENOTFOUND : st;
}

int store_write(struct store *s, struct store_step *steps, size_t n, struct arena *a)
{
    for (size_t i = 0; i < n; i++)
        if (steps[i].out != NULL)
            memset(steps[i].out, 0, sizeof(*steps[i].out));
    return s->ops->write(s, steps, n, a);
}
