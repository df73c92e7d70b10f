/*
 * dump.c — `smshub admin export` and `smshub admin import`: move an installation between
 * databases (e.g. SQLite → PostgreSQL) as JSON lines (docs/operations.md):
 *
 *   {"smshub_export":1,"schema_version":N}
 *   {"table":"users","columns":[["id","t"],["created_at","i"],…]}   then one line per row:
 *   {"r":["usr_…",1700000000000,…]}                                  (blobs as hex)
 *   {"end":true,"tables":T,"rows":R}
 *
 * Import needs an empty database at the same schema version and refuses a file without its
 * end line. Secrets stay sealed: copy the master key file along with the export.
 */
#include "daemon/commands.h"
#include "daemon/config.h"
#include "lib/err.h"
#include "store/dump.h"
#include "store/store.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DUMP_PAGE 1000
#define DUMP_BATCH 64
#define DUMP_LINE_MAX (4 << 20)

static const struct store_q q_users = {"dump.users", "SELECT count(*) FROM users", NULL, NULL, 0};

static int open_db(const char *url, struct log *lg, struct store **out)
{
    struct store_cfg scfg = {.sync_full = 1, .read_conns = 1, .log = lg};
    int st = store_open(url, &scfg, out);
    if (st != SH_OK) {
        cmd_error("cannot open database %s: %s", url, sh_strerror(st));
        return st;
    }
    st = store_migrate(*out, NULL);
    if (st != SH_OK)
        cmd_error("database migration failed: %s", sh_strerror(st));
    return st;
}

static int write_line(FILE *f, json_t *j)
{
    int rc = json_dumpf(j, f, JSON_COMPACT) == 0 && fputc('\n', f) != EOF ? SH_OK : SH_EIO;
    json_decref(j);
    return rc;
}

static int export_table(struct store *s, const char *table, FILE *f, long long *rows)
{
    struct arena a;
    struct dump_col *cols;
    size_t ncols;
    int st;

    arena_init(&a);
    st = store_dump_columns(s, table, &a, &cols, &ncols);
    if (st != SH_OK)
        goto out;
    json_t *jc = json_array();
    for (size_t i = 0; i < ncols; i++) {
        char type[2] = {(char)cols[i].type, '\0'};
        json_array_append_new(jc, json_pack("[s, s]", cols[i].name, type));
    }
    if ((st = write_line(f, json_pack("{s:s, s:o}", "table", table, "columns", jc))) != SH_OK)
        goto out;
    for (int64_t off = 0;; off += DUMP_PAGE) {
        struct arena pa;
        struct store_rows r;
        arena_init(&pa);
        st = store_dump_page(s, table, cols, ncols, off, DUMP_PAGE, &pa, &r);
        for (size_t i = 0; st == SH_OK && i < r.n; i++) {
            json_t *row = json_array();
            for (size_t c = 0; c < ncols; c++) {
                const char *v = store_cell(&r, i, c);
                json_array_append_new(row, v == NULL                  ? json_null()
                                           : cols[c].type == DUMP_INT ? json_integer(strtoll(v, NULL, 10))
                                                                      : json_string(v));
            }
            st = write_line(f, json_pack("{s:o}", "r", row));
            (*rows)++;
        }
        size_t got = st == SH_OK ? r.n : 0;
        arena_release(&pa);
        if (st != SH_OK || got < DUMP_PAGE)
            break;
    }
out:
    arena_release(&a);
    return st;
}

static int do_export(struct store *s, FILE *f)
{
    struct arena a;
    const char **tables;
    size_t n;
    long long rows = 0;
    int version = 0, st;

    arena_init(&a);
    if ((st = store_schema_version(s, &version)) != SH_OK ||
        (st = store_dump_tables(s, &a, &tables, &n)) != SH_OK)
        goto out;
    st = write_line(f, json_pack("{s:i, s:i}", "smshub_export", 1, "schema_version", version));
    for (size_t i = 0; st == SH_OK && i < n; i++)
        st = export_table(s, tables[i], f, &rows);
    if (st == SH_OK)
        st = write_line(f, json_pack("{s:b, s:I, s:I}", "end", 1, "tables", (json_int_t)n,
                                     "rows", (json_int_t)rows));
    if (st == SH_OK && fflush(f) != 0)
        st = SH_EIO;
out:
    arena_release(&a);
    return st;
}

struct import_table {
    struct arena a;
    char name[64];
    struct dump_col *cols;
    size_t ncols;
    const char **cells; /* DUMP_BATCH rows */
    size_t nrows;
    struct arena rows; /* strings of the pending rows */
};

static int flush_rows(struct store *s, struct import_table *t)
{
    int st = SH_OK;
    if (t->nrows > 0) {
        struct arena a;
        arena_init(&a);
        st = store_dump_insert(s, t->name, t->cols, t->ncols, t->cells, t->nrows, &a);
        arena_release(&a);
    }
    t->nrows = 0;
    arena_release(&t->rows);
    arena_init(&t->rows);
    return st;
}

/* A table header: the target must have exactly these columns. */
static int start_table(struct store *s, struct import_table *t, json_t *j, long line)
{
    const char *name = json_string_value(json_object_get(j, "table"));
    json_t *cols = json_object_get(j, "columns");
    if (name == NULL || !store_dump_ident_ok(name) || !json_is_array(cols)) {
        cmd_error("line %ld: a bad table header", line);
        return SH_EINVAL;
    }
    arena_release(&t->a);
    arena_init(&t->a);
    snprintf(t->name, sizeof(t->name), "%s", name);
    if (store_dump_columns(s, name, &t->a, &t->cols, &t->ncols) != SH_OK) {
        cmd_error("line %ld: table %s does not exist here (same schema version?)", line, name);
        return SH_EINVAL;
    }
    if (json_array_size(cols) != t->ncols) {
        cmd_error("line %ld: table %s has %zu columns here, %zu in the file", line, name,
                  t->ncols, json_array_size(cols));
        return SH_EINVAL;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        const char *c = json_string_value(json_array_get(json_array_get(cols, i), 0));
        if (c == NULL || strcmp(c, t->cols[i].name) != 0) {
            cmd_error("line %ld: table %s column %zu is %s here, %s in the file", line, name, i,
                      t->cols[i].name, c != NULL ? c : "?");
            return SH_EINVAL;
        }
    }
    t->cells = arena_alloc(&t->a, DUMP_BATCH * t->ncols * sizeof(*t->cells));
    return SH_OK;
}

static int add_row(struct store *s, struct import_table *t, json_t *row, long line)
{
    if (t->ncols == 0 || !json_is_array(row) || json_array_size(row) != t->ncols) {
        cmd_error("line %ld: a row that does not match its table header", line);
        return SH_EINVAL;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        json_t *v = json_array_get(row, c);
        const char **cell = &t->cells[t->nrows * t->ncols + c];
        if (json_is_null(v))
            *cell = NULL;
        else if (json_is_integer(v))
            *cell = arena_printf(&t->rows, "%lld", (long long)json_integer_value(v));
        else if (json_is_string(v))
            *cell = arena_strdup(&t->rows, json_string_value(v));
        else {
            cmd_error("line %ld: column %s has a value of the wrong kind", line, t->cols[c].name);
            return SH_EINVAL;
        }
    }
    if (++t->nrows == DUMP_BATCH)
        return flush_rows(s, t);
    return SH_OK;
}

static int do_import(struct store *s, FILE *f)
{
    struct import_table t;
    char *buf = malloc(DUMP_LINE_MAX);
    long line = 0;
    int version = 0, st = SH_OK, ended = 0;

    memset(&t, 0, sizeof(t));
    arena_init(&t.a);
    arena_init(&t.rows);
    if (buf == NULL)
        abort();
    if ((st = store_schema_version(s, &version)) != SH_OK)
        goto out;
    {
        struct store_rows r;
        struct arena a;
        arena_init(&a);
        st = store_read(s, &q_users, NULL, &a, &r);
        int64_t users = store_cell_int(&r, 0, 0);
        arena_release(&a);
        if (st == SH_OK && users > 0) {
            cmd_error("the target database is not empty (it has users): import needs a new one");
            st = SH_EEXIST;
            goto out;
        }
    }
    while (st == SH_OK && fgets(buf, DUMP_LINE_MAX, f) != NULL) {
        json_error_t jerr;
        line++;
        if (strchr(buf, '\n') == NULL && !feof(f)) {
            cmd_error("line %ld: longer than %d bytes", line, DUMP_LINE_MAX);
            st = SH_ETOOBIG;
            break;
        }
        json_t *j = json_loads(buf, 0, &jerr);
        if (!json_is_object(j)) {
            cmd_error("line %ld: not a JSON object (%s)", line, jerr.text);
            json_decref(j);
            st = SH_EINVAL;
            break;
        }
        if (line == 1) {
            json_int_t v = json_integer_value(json_object_get(j, "schema_version"));
            if (json_integer_value(json_object_get(j, "smshub_export")) != 1) {
                cmd_error("line 1: not an smshub export");
                st = SH_EINVAL;
            } else if (v != version) {
                cmd_error("the export is at schema version %lld, this database at %d: run the "
                          "same smshub version on both sides",
                          (long long)v, version);
                st = SH_EINVAL;
            }
        } else if (ended) {
            cmd_error("line %ld: data after the end line", line);
            st = SH_EINVAL;
        } else if (json_object_get(j, "table") != NULL) {
            if ((st = flush_rows(s, &t)) == SH_OK)
                st = start_table(s, &t, j, line);
        } else if (json_object_get(j, "r") != NULL) {
            st = add_row(s, &t, json_object_get(j, "r"), line);
        } else if (json_is_true(json_object_get(j, "end"))) {
            st = flush_rows(s, &t);
            ended = 1;
        } else {
            cmd_error("line %ld: an unknown kind of line", line);
            st = SH_EINVAL;
        }
        json_decref(j);
    }
    if (st == SH_OK && !ended) {
        cmd_error("the export ends without its end line (truncated?): the target database is "
                  "incomplete, drop it and import again");
        st = SH_EINVAL;
    }
out:
    arena_release(&t.a);
    arena_release(&t.rows);
    free(buf);
    return st;
}

int cmd_admin_dump(int import, int argc, char **argv)
{
    struct config cfg;
    struct log lg;
    struct store *s = NULL;
    const char *path = NULL;
    char err[256];
    FILE *f = NULL;
    int rc = 1, st;

    if (config_from_env(&cfg, err, sizeof(err)) != SH_OK) {
        cmd_error("%s", err);
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            snprintf(cfg.db, sizeof(cfg.db), "%s", argv[++i]);
        } else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else {
            cmd_error("usage: smshub admin %s [--db URL] [--file PATH]",
                      import ? "import" : "export");
            return 2;
        }
    }
    log_init(&lg, LOG_WARN, 2);
    if (path == NULL) {
        f = import ? stdin : stdout;
    } else if (import) {
        f = fopen(path, "r");
    } else {
        /* the export holds password hashes and sealed secrets: readable by its owner only */
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (f == NULL && fd >= 0)
            close(fd);
    }
    if (f == NULL) {
        cmd_error("cannot open %s", path);
        return 1;
    }
    if (open_db(cfg.db, &lg, &s) != SH_OK)
        goto out;
    st = import ? do_import(s, f) : do_export(s, f);
    if (st != SH_OK) {
        cmd_error("%s failed: %s", import ? "import" : "export", sh_strerror(st));
        goto out;
    }
    rc = 0;
out:
    store_close(s);
    if (path != NULL && f != NULL && fclose(f) != 0 && rc == 0) {
        cmd_error("cannot write %s", path);
        rc = 1;
    }
    return rc;
}
