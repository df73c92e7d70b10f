/* price_csv.c — see price_csv.h. Parsing by libcsv (strict mode); writing quotes every cell
 * that needs it (RFC 4180 §2.6–2.7). */
#include "core/price_csv.h"
#include "core/field_error.h"
#include "core/money.h"
#include "core/price.h"
#include "lib/clock.h"
#include "lib/err.h"

#include <csv.h>
#include <string.h>

#define NCOLS 10

static const char *const header[NCOLS] = {"kind",    "credential_id", "provider_id", "project_id",
                                          "country", "prefix",        "unit_price",  "currency",
                                          "valid_from", "valid_to"};

struct parse_ctx {
    struct arena *a;
    struct field_errors *fe;
    const char *cell[NCOLS];
    int ncell;
    int extra; /* cells past NCOLS on this line */
    long line;
    int header_ok;
    struct price_row *rows;
    size_t n, cap;
    int too_many;
};

static void on_field(void *s, size_t len, void *arg)
{
    struct parse_ctx *c = arg;
    if (c->ncell >= NCOLS) {
        c->extra = 1;
        return;
    }
    c->cell[c->ncell++] = s != NULL ? arena_strndup(c->a, s, len) : arena_strdup(c->a, "");
}

static const char *opt(const char *s)
{
    return s != NULL && *s != '\0' ? s : NULL;
}

static void row_from_cells(struct parse_ctx *c, struct price_row *p, const char *where)
{
    memset(p, 0, sizeof(*p));
    p->kind = strcmp(c->cell[0], "cost") == 0 ? PRICE_COST
              : strcmp(c->cell[0], "sell") == 0 ? PRICE_SELL
                                                : -1;
    if (p->kind < 0)
        field_error_add(c->fe, arena_printf(c->a, "%skind", where), "invalid", "cost or sell");
    p->credential_id = opt(c->cell[1]);
    p->provider_id = opt(c->cell[2]);
    p->project_id = opt(c->cell[3]);
    p->country = opt(c->cell[4]);
    p->prefix = opt(c->cell[5]);
    if (money_parse(c->cell[6], &p->unit) != SH_OK)
        field_error_add(c->fe, arena_printf(c->a, "%sunit_price", where), "invalid",
                        "a decimal amount with up to 6 decimals");
    snprintf(p->currency, sizeof(p->currency), "%s", strlen(c->cell[7]) == 3 ? c->cell[7] : "");
    for (int i = 8; i < 10; i++) {
        int64_t *t = i == 8 ? &p->valid_from : &p->valid_to;
        if (opt(c->cell[i]) != NULL && clock_parse_rfc3339(c->cell[i], t) != 0)
            field_error_add(c->fe, arena_printf(c->a, "%s%s", where, header[i]),
                            "invalid_datetime", "an RFC 3339 date-time or empty");
    }
    if (p->kind >= 0)
        price_row_check(p, c->fe, c->a, where);
}

static void on_row(int term, void *arg)
{
    struct parse_ctx *c = arg;
    (void)term;
    c->line++;
    if (c->line == 1) {
        c->header_ok = c->ncell == NCOLS && !c->extra;
        for (int i = 0; c->header_ok && i < NCOLS; i++)
            c->header_ok = strcasecmp(c->cell[i], header[i]) == 0;
        if (!c->header_ok)
            field_error_add(c->fe, "header", "invalid",
                            "the first line must be the header: kind,credential_id,provider_id,"
                            "project_id,country,prefix,unit_price,currency,valid_from,valid_to");
    } else if (c->header_ok) {
        const char *where = arena_printf(c->a, "line %ld.", c->line);
        if (c->ncell != NCOLS || c->extra) {
            field_error_add(c->fe, arena_printf(c->a, "line %ld", c->line), "invalid",
                            "every line needs exactly 10 cells");
        } else if (c->n >= PRICE_CSV_MAX_ROWS) {
            c->too_many = 1;
        } else {
            if (c->n == c->cap) {
                size_t ncap = c->cap ? c->cap * 2 : 64;
                struct price_row *nr = arena_alloc(c->a, ncap * sizeof(*nr));
                if (c->n > 0)
                    memcpy(nr, c->rows, c->n * sizeof(*nr));
                c->rows = nr;
                c->cap = ncap;
            }
            row_from_cells(c, &c->rows[c->n++], where);
        }
    }
    c->ncell = 0;
    c->extra = 0;
}

int price_csv_parse(const char *body, size_t len, struct arena *a, struct price_row **rows,
                    size_t *n, struct field_errors *fe)
{
    struct csv_parser p;
    struct parse_ctx c = {.a = a, .fe = fe};
    int st = SH_OK;

    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return SH_ENOMEM;
    if (csv_parse(&p, body, len, on_field, on_row, &c) != len ||
        csv_fini(&p, on_field, on_row, &c) != 0) {
        field_error_add(fe, arena_printf(a, "line %ld", c.line + 1), "malformed_csv",
                        "not valid CSV (RFC 4180): check the quotes");
        st = SH_EINVAL;
    }
    csv_free(&p);
    if (c.line == 0)
        field_error_add(fe, "header", "required", "the CSV is empty");
    if (c.too_many)
        field_error_add(fe, "body", "too_many_rows", "at most %d rows per import",
                        PRICE_CSV_MAX_ROWS);
    if (fe->n > 0)
        st = SH_EINVAL;
    *rows = c.rows;
    *n = c.n;
    return st;
}

/* One cell, quoted when it holds a comma, a quote or a line break. */
static void cell(FILE *f, const char *s, int last)
{
    if (s != NULL && strpbrk(s, ",\"\r\n") != NULL) {
        fputc('"', f);
        for (; *s != '\0'; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else if (s != NULL) {
        fputs(s, f);
    }
    fputs(last ? "\r\n" : ",", f);
}

int price_csv_write(FILE *f, const struct price_row *rows, size_t n)
{
    for (int i = 0; i < NCOLS; i++)
        cell(f, header[i], i == NCOLS - 1);
    for (size_t i = 0; i < n; i++) {
        const struct price_row *p = &rows[i];
        char money[MONEY_STR_MAX], from[40] = "", to[40] = "";
        if (p->valid_from != 0)
            clock_fmt_rfc3339(p->valid_from, from, sizeof(from));
        if (p->valid_to != 0)
            clock_fmt_rfc3339(p->valid_to, to, sizeof(to));
        const char *v[NCOLS] = {p->kind == PRICE_SELL ? "sell" : "cost",
                                p->credential_id,
                                p->provider_id,
                                p->project_id,
                                p->country,
                                p->prefix,
                                money_format(p->unit, money),
                                p->currency,
                                from,
                                to};
        for (int c = 0; c < NCOLS; c++)
            cell(f, v[c], c == NCOLS - 1);
    }
    return ferror(f) ? SH_EIO : SH_OK;
}
