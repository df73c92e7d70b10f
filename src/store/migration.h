/*
 * migration.h — one forward-only numbered schema migration, embedded at build time from
 * src/store/migrations/<backend>/NNNN_name.sql by tools/embed_sql.py.
 */
#ifndef SH_STORE_MIGRATION_H
#define SH_STORE_MIGRATION_H

struct store_migration {
    int version;
    const char *name;
    const char *sql;
};

#endif
