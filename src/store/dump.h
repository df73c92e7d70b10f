/*
 * dump.h — a backend-neutral copy of the whole database, table by table, for moving an
 * installation between backends (SQLite → PostgreSQL) with `smshub admin export/import`.
 *
 * Tables and columns are read from the database's own catalog, so the dump follows the
 * schema as migrations change it; both sides must be at the same schema version. Values are
 * text, integers, or BLOBs as lowercase hex. Blocks; run it on a quiet database.
 */
#ifndef SH_STORE_DUMP_H
#define SH_STORE_DUMP_H

#include "store/store.h"

enum dump_type { DUMP_TEXT = 't', DUMP_INT = 'i', DUMP_BLOB = 'b' };

struct dump_col {
    const char *name;
    int type; /* enum dump_type */
};

/* The tables to copy, parents before children (runtime tables such as the node registry and
 * nonces are left out). Names in a. */
int store_dump_tables(struct store *s, struct arena *a, const char ***names, size_t *n);

/* The columns of table, in order. SH_ENOTFOUND when the table does not exist. */
int store_dump_columns(struct store *s, const char *table, struct arena *a, struct dump_col **cols,
                       size_t *n);

/* Up to limit rows of table starting at offset, ordered by its first two columns (the primary
 * key of every table). Cells as described above. */
int store_dump_page(struct store *s, const char *table, const struct dump_col *cols, size_t ncols,
                    int64_t offset, int limit, struct arena *a, struct store_rows *out);

/* Inserts nrows rows (cells row-major, NULL for SQL NULL, blobs as hex) in one transaction.
 * SH_EINVAL for a cell that does not fit its column (bad integer or hex). */
int store_dump_insert(struct store *s, const char *table, const struct dump_col *cols,
                      size_t ncols, const char *const *cells, size_t nrows, struct arena *a);

/* Whether s is a valid SQL identifier of ours ([a-z_][a-z0-9_]*, at most 63 characters). */
int store_dump_ident_ok(const char *s);

#endif
