/*
 * sqlite.c — SQLite backend: connections, migrations, the group-commit writer thread,
 * the background checkpointer and the read pool. The SQL itself is in sqlite_ops.c.
 *
 * Durability: WAL with synchronous=FULL by default, so a job's callback (and therefore an
 * HTTP 202) happens only after its transaction is fsynced. The writer takes everything that
 * is queued when it wakes (no fixed linger), so batches grow with load and shrink to one job
 * when idle. Auto-checkpointing is off on the writer; the checkpointer runs PASSIVE
 * checkpoints on its own connection when the WAL passes SQ_CKPT_PAGES.
 */
#include "store/sqlite_int.h"
#include "store/migration.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define SQ_MAX_BATCH 1024
#define SQ_CKPT_PAGES 4000         /* the checkpointer copies frames past this (PASSIVE) */
#define SQ_WAL_RESTART_PAGES 32768 /* the writer restarts the WAL past this (~128 MiB) */
#define SQ_RESTART_BUSY_MS 50
#define SQ_BUSY_MS 10000
/*
 * Memory per connection, bounded so the daemon's RSS plateaus however large the database
 * grows (a 10-minute soak with 64 + 8 x 16 MiB caches grew RSS with the file: 24 -> 101 MiB).
 * The writer's cache holds the hot right edge of the tables and indexes it appends to; a miss
 * is a read from the OS page cache, which is not the daemon's memory. No mmap: mapped pages
 * of a large file would count in RSS too (and mmap hides I/O errors as SIGBUS).
 */
/* Temporary b-trees and sorts (the usage rollup's GROUP BY over a day of messages) spill to
 * temp files past the cache size instead of growing in memory (temp_store=MEMORY made RSS jump
 * by ~80 MiB per rollup with 1 000 000 messages). */
#define SQ_WRITER_PRAGMAS                                                                          \
    "PRAGMA cache_size=-16384; PRAGMA mmap_size=0; PRAGMA temp_store=FILE;" /* 16 MiB */
#define SQ_READER_PRAGMAS "PRAGMA cache_size=-4096; PRAGMA mmap_size=0;"  /* 4 MiB each */

extern const struct store_migration sqlite_migrations[];
extern const int sqlite_migrations_count;
extern const char *const sq_sql[SQ__COUNT];

static void sq_close(struct store *base);

int sq_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return SH_OK;
    case SQLITE_FULL:
    case SQLITE_READONLY:
        return SH_EFULL;
    case SQLITE_CONSTRAINT:
        return SH_EEXIST;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SH_AGAIN;
    case SQLITE_NOMEM:
        return SH_ENOMEM;
    default:
        return SH_EIO;
    }
}

sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt idx)
{
    if (c->st[idx] == NULL) {
        int rc = sqlite3_prepare_v3(c->db, sq_sql[idx], -1, SQLITE_PREPARE_PERSISTENT, &c->st[idx],
                                    NULL);
        if (rc != SQLITE_OK) {
            fprintf(stderr, "{\"level\":\"error\",\"msg\":\"sqlite prepare %d: %s\"}\n", (int)idx,
                    sqlite3_errmsg(c->db));
            return NULL;
        }
    } else {
        sqlite3_reset(c->st[idx]);
        sqlite3_clear_bindings(c->st[idx]);
    }
    return c->st[idx];
}

static void conn_close(struct sq_conn *c)
{
    for (int i = 0; i < SQ__COUNT; i++) {
        sqlite3_finalize(c->st[i]);
        c->st[i] = NULL;
    }
    if (c->db != NULL)
        sqlite3_close_v2(c->db);
    c->db = NULL;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "{\"level\":\"error\",\"msg\":\"sqlite: %s\"}\n", err ? err : "?");
        sqlite3_free(err);
    }
    return rc;
}

static int conn_open(struct sq_store *s, struct sq_conn *c, int role_writer)
{
    int rc;
    memset(c, 0, sizeof(*c));
    rc = sqlite3_open_v2(s->path, &c->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        goto out;
    sqlite3_busy_timeout(c->db, SQ_BUSY_MS);
    sqlite3_extended_result_codes(c->db, 1);
    rc = exec_sql(c->db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;");
    if (rc != SQLITE_OK)
        goto out;
    rc = exec_sql(c->db, s->sync_full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
    if (rc != SQLITE_OK)
        goto out;
    if (role_writer) {
        rc = exec_sql(c->db, "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;"
                             SQ_WRITER_PRAGMAS);
    } else {
        rc = exec_sql(c->db, SQ_READER_PRAGMAS);
    }
out:
    if (rc != SQLITE_OK)
        conn_close(c);
    return sq_status(rc);
}

/* ---- writer ------------------------------------------------------------------------------ */

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct sq_store *s = arg;
    (void)db;
    (void)name;
    s->wal_pages = pages; /* writer thread only */
    if (pages >= SQ_CKPT_PAGES) {
        pthread_mutex_lock(&s->ck_mu);
        s->ck_wanted = 1;
        pthread_cond_signal(&s->ck_cv);
        pthread_mutex_unlock(&s->ck_mu);
    }
    return SQLITE_OK;
}

/* Writer statistics, logged at debug level every SQ_STATS_EVERY_US (writer thread only). */
#define SQ_STATS_EVERY_US 10000000

static void stats_add(struct sq_store *s, size_t jobs, int64_t exec_us, int64_t commit_us)
{
    struct sq_stats *st = &s->stats;
    int64_t now = clock_mono_us();
    st->batches++;
    st->jobs += (long)jobs;
    st->exec_us += exec_us;
    st->commit_us += commit_us;
    if (st->since_us == 0)
        st->since_us = now;
    if (now - st->since_us < SQ_STATS_EVERY_US)
        return;
    if (log_enabled(s->log, LOG_DEBUG))
        log_msg(s->log, LOG_DEBUG, NULL,
                "sqlite writer: %ld batches, %.1f jobs/batch, exec %.2f ms/batch, commit %.2f "
                "ms/batch",
                st->batches, (double)st->jobs / (double)st->batches,
                (double)st->exec_us / 1000.0 / (double)st->batches,
                (double)st->commit_us / 1000.0 / (double)st->batches);
    *st = (struct sq_stats){.since_us = now};
}

/*
 * writer_ops.run_batch: runs jobs in one transaction. A job error aborts the batch (no
 * savepoint per job: they cost two statements per job on the hot path); the writer then
 * reruns each job alone, so one bad job cannot sink the others.
 */
static int sq_run_batch(void *backend, struct store_job *jobs, size_t n)
{
    struct sq_store *s = backend;
    struct sq_conn *c = &s->w;
    int64_t t0 = clock_mono_us(), t1;
    int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sq_status(rc);
    for (struct store_job *j = jobs; j != NULL; j = j->next) {
        j->status = j->exec(c, j);
        if (j->status != SH_OK) {
            if (!sqlite3_get_autocommit(c->db))
                sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            return j->status;
        }
    }
    t1 = clock_mono_us();
    rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        int st = sq_status(rc);
        if (!sqlite3_get_autocommit(c->db))
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return st == SH_OK ? SH_EIO : st;
    }
    stats_add(s, n, t1 - t0, clock_mono_us() - t1);
    return SH_OK;
}

/*
 * writer_ops.after_batch. Under continuous writes a PASSIVE checkpoint never copies the
 * frames appended while it runs, so the WAL would never start over and would grow without
 * bound. Past SQ_WAL_RESTART_PAGES the writer (between batches, no transaction open) runs a
 * RESTART checkpoint: the checkpointer has already copied nearly everything, so this is
 * short, and the next commit writes from the start of the WAL again. A reader holding an old
 * snapshot makes it give up after SQ_RESTART_BUSY_MS; it is tried again after the next batch.
 */
static void sq_after_batch(void *backend)
{
    struct sq_store *s = backend;
    int log_pages = 0, done = 0;
    if (s->wal_pages < SQ_WAL_RESTART_PAGES)
        return;
    sqlite3_busy_timeout(s->w.db, SQ_RESTART_BUSY_MS);
    int rc = sqlite3_wal_checkpoint_v2(s->w.db, NULL, SQLITE_CHECKPOINT_RESTART, &log_pages, &done);
    sqlite3_busy_timeout(s->w.db, SQ_BUSY_MS);
    if (rc == SQLITE_OK)
        s->wal_pages = 0;
}

static const struct writer_ops sq_writer_ops = {
    .run_batch = sq_run_batch,
    .after_batch = sq_after_batch,
    .thread_name = "sh-writer",
};

/* ---- checkpointer ------------------------------------------------------------------------ */

static void *ckpt_main(void *arg)
{
    struct sq_store *s = arg;
    struct sq_conn c;
    pthread_setname_np(pthread_self(), "sh-ckpt");
    if (conn_open(s, &c, 0) != SH_OK)
        return NULL;
    pthread_mutex_lock(&s->ck_mu);
    while (!s->ck_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        if (!s->ck_wanted)
            pthread_cond_timedwait(&s->ck_cv, &s->ck_mu, &until);
        if (s->ck_stop)
            break;
        s->ck_wanted = 0;
        pthread_mutex_unlock(&s->ck_mu);
        int log_pages = 0, done_pages = 0;
        sqlite3_wal_checkpoint_v2(c.db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_pages, &done_pages);
        pthread_mutex_lock(&s->ck_mu);
    }
    pthread_mutex_unlock(&s->ck_mu);
    conn_close(&c);
    return NULL;
}

/* ---- read pool --------------------------------------------------------------------------- */

struct sq_conn *sq_reader_get(struct sq_store *s)
{
    return &s->readers[pool_get(&s->rpool)];
}

void sq_reader_put(struct sq_store *s, struct sq_conn *c)
{
    pool_put(&s->rpool, (int)(c - s->readers));
}

/* ---- open / close / migrate -------------------------------------------------------------- */

static int make_parent_dir(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int st = SH_OK;
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            st = SH_EIO;
    }
    free(dir);
    return st;
}

static int sq_open(const char *url, const struct store_cfg *cfg, struct store **out)
{
    struct sq_store *s = NULL;
    const char *path = url;
    int st;

    if (strncmp(path, "sqlite://", 9) == 0)
        path += 9;
    else if (strncmp(path, "sqlite:", 7) == 0)
        path += 7;
    if (*path == '\0')
        return SH_EINVAL;
    if (make_parent_dir(path) != SH_OK)
        return SH_EIO;
    /* Memory statistics take a global mutex on every SQLite allocation; we never read them.
     * Only effective before SQLite initialises (the first open); later calls are refused
     * harmlessly with SQLITE_MISUSE. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);

    s = xcalloc(1, sizeof(*s));
    s->base.ops = &store_sqlite_ops;
    s->log = cfg->log;
    s->path = xstrdup(path);
    s->sync_full = cfg->sync_full;
    pthread_mutex_init(&s->ck_mu, NULL);
    pthread_cond_init(&s->ck_cv, NULL);

    st = conn_open(s, &s->w, 1);
    if (st != SH_OK)
        goto out;
    sqlite3_wal_hook(s->w.db, wal_hook, s);
    s->nreaders = cfg->read_conns > 0 ? cfg->read_conns : 4;
    s->readers = xcalloc((size_t)s->nreaders, sizeof(*s->readers));
    pool_init(&s->rpool, s->nreaders);
    for (int i = 0; i < s->nreaders; i++) {
        st = conn_open(s, &s->readers[i], 0);
        if (st != SH_OK)
            goto out;
    }
    st = writer_start(&s->writer, &sq_writer_ops, s, SQ_MAX_BATCH);
    if (st != SH_OK)
        goto out;
    if (pthread_create(&s->ckpt, NULL, ckpt_main, s) != 0) {
        st = SH_EIO;
        goto out;
    }
    s->ckpt_started = 1;
    *out = &s->base;
    s = NULL;
out:
    if (s != NULL)
        sq_close(&s->base);
    return st;
}

static void sq_close(struct store *base)
{
    struct sq_store *s = (struct sq_store *)base;
    writer_stop(&s->writer); /* drains what is queued first */
    if (s->ckpt_started) {
        pthread_mutex_lock(&s->ck_mu);
        s->ck_stop = 1;
        pthread_cond_signal(&s->ck_cv);
        pthread_mutex_unlock(&s->ck_mu);
        pthread_join(s->ckpt, NULL);
    }
    for (int i = 0; i < s->nreaders; i++)
        conn_close(&s->readers[i]);
    if (s->w.db != NULL) /* a final full checkpoint leaves a clean, small WAL */
        sqlite3_wal_checkpoint_v2(s->w.db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    conn_close(&s->w);
    free(s->readers);
    if (s->readers != NULL)
        pool_release(&s->rpool);
    free(s->path);
    free(s);
}

static int read_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc =
        sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st, NULL);
    *version = 0;
    if (rc != SQLITE_OK) /* no meta table yet: version 0 */
        return SH_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        *version = atoi((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return SH_OK;
}

struct migrate_req {
    int applied;
};

static int exec_migrate(void *conn, struct store_job *j)
{
    struct sq_conn *c = conn;
    struct migrate_req *r = j->req;
    int version;
    int rc = exec_sql(c->db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT "
                             "NOT NULL) WITHOUT ROWID;");
    if (rc != SQLITE_OK)
        return sq_status(rc);
    read_version(c->db, &version);
    for (int i = version; i < sqlite_migrations_count; i++) {
        char sql[128];
        rc = exec_sql(c->db, sqlite_migrations[i].sql);
        if (rc != SQLITE_OK)
            return sq_status(rc);
        snprintf(sql, sizeof(sql),
                 "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', '%d')",
                 sqlite_migrations[i].version);
        rc = exec_sql(c->db, sql);
        if (rc != SQLITE_OK)
            return sq_status(rc);
        r->applied++;
    }
    return SH_OK;
}

static int sq_migrate(struct store *base, int *applied)
{
    struct sq_store *s = (struct sq_store *)base;
    struct migrate_req r = {0};
    int st = writer_run_sync(&s->writer, exec_migrate, &r);
    if (applied != NULL)
        *applied = r.applied;
    return st;
}

static int sq_schema_version(struct store *base, int *version)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_conn *c = sq_reader_get(s);
    int st = read_version(c->db, version);
    sq_reader_put(s, c);
    return st;
}

static int sq_ping(struct store *base)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_conn *c = sq_reader_get(s);
    int rc = sqlite3_exec(c->db, "SELECT 1", NULL, NULL, NULL);
    sq_reader_put(s, c);
    return sq_status(rc);
}

const struct store_ops store_sqlite_ops = {
    .scheme = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .migrate = sq_migrate,
    .schema_version = sq_schema_version,
    .ping = sq_ping,
    .bootstrap = sq_op_bootstrap,
    .api_key_find = sq_op_api_key_find,
    .credentials_load = sq_op_credentials_load,
    .accept = sq_op_accept,
    .claim = sq_op_claim,
    .update = sq_op_update,
    .recover = sq_op_recover,
    .purge_idempotency = sq_op_purge_idempotency,
    .message_get = sq_op_message_get,
    .message_events = sq_op_message_events,
    .message_list = sq_op_message_list,
    .count_due = sq_op_count_due,
    .read = sq_op_read,
    .write = sq_op_write,
};
