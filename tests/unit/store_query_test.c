/*
 * store_query_test.c — the control-plane executor (store_read / store_write) on whichever
 * backend SMSHUB_TEST_DB names (SQLite in a temp dir by default): portable SQL, typed
 * parameters in any order, NULLs, blobs compared through a parameter, RETURNING rows, and
 * all-or-nothing writes (STORE_Q_ONE, conflicts).
 */
#include "lib/arena.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/id.h"
#include "lib/log.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct fx {
    const char *url;
    struct log lg;
    struct store *s;
};

static struct fx suite;

static const struct store_q q_project_add = {
    "test.project_add",
    "INSERT INTO projects(id, name, created_at) VALUES ($1, $2, $3) RETURNING id, name",
    NULL, NULL, 0};
/* parameters referenced out of order, a typed NULL test, and an integer comparison */
static const struct store_q q_project_find = {
    "test.project_find",
    "SELECT id, name, created_at, deleted_at FROM projects "
    "WHERE ($2 IS NULL OR name = $2) AND created_at >= $3 AND id = $1",
    NULL, NULL, 0};
static const struct store_q q_project_rename = {
    "test.project_rename", "UPDATE projects SET name = $2 WHERE id = $1 AND deleted_at IS NULL",
    NULL, NULL, STORE_Q_ONE};
static const struct store_q q_key_add = {
    "test.key_add",
    "INSERT INTO api_keys(id, project_id, name, prefix, key_hash, scopes, created_at) "
    "VALUES ($1, $2, 'k', 'sk_live_x', $3, 'messages:read', $4)",
    NULL, NULL, 0};
static const struct store_q q_key_by_hash = {
    "test.key_by_hash", "SELECT id, expires_at FROM api_keys WHERE key_hash = $1", NULL, NULL, 0};
static const struct store_q q_backend = {
    "test.backend", "SELECT 'portable'", "SELECT 'sqlite'", "SELECT 'postgres'", 0};

static void project_add(struct fx *f, const char *id, const char *name, int64_t at, int want)
{
    struct store_args a = {0};
    struct store_rows out;
    struct arena ar;
    arena_init(&ar);
    store_arg_text(&a, id);
    store_arg_text(&a, name);
    store_arg_int(&a, at);
    struct store_step st = {&q_project_add, &a, &out};
    assert_int_equal(store_write(f->s, &st, 1, &ar), want);
    if (want == SH_OK) {
        assert_int_equal(out.n, 1);
        assert_string_equal(store_cell(&out, 0, 0), id);
        assert_string_equal(store_cell(&out, 0, 1), name);
    }
    arena_release(&ar);
}

static size_t project_find(struct fx *f, const char *id, const char *name, int64_t since,
                           struct arena *ar, struct store_rows *out)
{
    struct store_args a = {0};
    store_arg_text(&a, id);
    store_arg_text(&a, name);
    store_arg_int(&a, since);
    assert_int_equal(store_read(f->s, &q_project_find, &a, ar, out), SH_OK);
    return out->n;
}

static void test_read_write(void **state)
{
    struct fx *f = *state;
    char id[ID_MAX];
    struct store_rows out;
    struct arena ar;
    int64_t now = clock_now_ms();

    arena_init(&ar);
    id_new("prj", now, id, ID_MAX);
    project_add(f, id, "Acme", now, SH_OK);
    assert_int_equal(project_find(f, id, NULL, now, &ar, &out), 1);
    assert_int_equal(out.ncols, 4);
    assert_string_equal(store_cell(&out, 0, 1), "Acme");
    assert_int_equal(store_cell_int(&out, 0, 2), now);
    assert_null(store_cell(&out, 0, 3)); /* SQL NULL */
    assert_null(store_cell(&out, 1, 0)); /* out of range */
    assert_int_equal(project_find(f, id, "Acme", now, &ar, &out), 1);
    assert_int_equal(project_find(f, id, "Other", now, &ar, &out), 0);
    assert_int_equal(project_find(f, id, NULL, now + 1, &ar, &out), 0);

    /* the same id again is a conflict, nothing else happens */
    project_add(f, id, "Again", now, SH_EEXIST);
    assert_int_equal(project_find(f, id, "Acme", now, &ar, &out), 1);

    assert_int_equal(store_read(f->s, &q_backend, NULL, &ar, &out), SH_OK);
    assert_string_equal(store_cell(&out, 0, 0),
                        strncmp(f->url, "postgres", 8) == 0 ? "postgres" : "sqlite");
    arena_release(&ar);
}

static void test_all_or_nothing(void **state)
{
    struct fx *f = *state;
    char id[ID_MAX], missing[ID_MAX], id2[ID_MAX];
    struct store_rows out, r1;
    struct arena ar;
    int64_t now = clock_now_ms();

    arena_init(&ar);
    id_new("prj", now, id, ID_MAX);
    id_new("prj", now, missing, ID_MAX);
    id_new("prj", now, id2, ID_MAX);
    project_add(f, id, "Before", now, SH_OK);

    /* rename id, then rename a project that does not exist: the first step is undone */
    struct store_args a1 = {0}, a2 = {0};
    store_arg_text(&a1, id);
    store_arg_text(&a1, "After");
    store_arg_text(&a2, missing);
    store_arg_text(&a2, "Nope");
    struct store_step steps[2] = {{&q_project_rename, &a1, &r1}, {&q_project_rename, &a2, NULL}};
    assert_int_equal(store_write(f->s, steps, 2, &ar), SH_ENOTFOUND);
    assert_int_equal(project_find(f, id, "Before", now, &ar, &out), 1);

    /* insert a project then conflict on an existing id: the insert is undone too */
    struct store_args a3 = {0}, a4 = {0};
    store_arg_text(&a3, id2);
    store_arg_text(&a3, "New");
    store_arg_int(&a3, now);
    store_arg_text(&a4, id);
    store_arg_text(&a4, "Dup");
    store_arg_int(&a4, now);
    struct store_step ins[2] = {{&q_project_add, &a3, NULL}, {&q_project_add, &a4, NULL}};
    assert_int_equal(store_write(f->s, ins, 2, &ar), SH_EEXIST);
    assert_int_equal(project_find(f, id2, NULL, now, &ar, &out), 0);

    /* and a good write still commits, with its change count */
    assert_int_equal(store_write(f->s, steps, 1, &ar), SH_OK);
    assert_int_equal(r1.changes, 1);
    assert_int_equal(project_find(f, id, "After", now, &ar, &out), 1);
    arena_release(&ar);
}

static void test_blob_param(void **state)
{
    struct fx *f = *state;
    char prj[ID_MAX], key[ID_MAX];
    unsigned char hash[32], other[32];
    struct store_rows out;
    struct arena ar;
    int64_t now = clock_now_ms();

    arena_init(&ar);
    id_new("prj", now, prj, ID_MAX);
    id_new("key", now, key, ID_MAX);
    project_add(f, prj, "Keys", now, SH_OK);
    for (int i = 0; i < 32; i++) {
        hash[i] = (unsigned char)(i * 7 + 1); /* includes bytes that are not valid UTF-8 */
        other[i] = (unsigned char)(i * 7 + 2);
    }
    hash[5] = 0; /* and a NUL */
    struct store_args a = {0};
    store_arg_text(&a, key);
    store_arg_text(&a, prj);
    store_arg_blob(&a, hash, sizeof(hash));
    store_arg_int(&a, now);
    struct store_step st = {&q_key_add, &a, NULL};
    assert_int_equal(store_write(f->s, &st, 1, &ar), SH_OK);

    struct store_args b = {0};
    store_arg_blob(&b, hash, sizeof(hash));
    assert_int_equal(store_read(f->s, &q_key_by_hash, &b, &ar, &out), SH_OK);
    assert_int_equal(out.n, 1);
    assert_string_equal(store_cell(&out, 0, 0), key);
    assert_null(store_cell(&out, 0, 1));
    struct store_args c = {0};
    store_arg_blob(&c, other, sizeof(other));
    assert_int_equal(store_read(f->s, &q_key_by_hash, &c, &ar, &out), SH_OK);
    assert_int_equal(out.n, 0);
    arena_release(&ar);
}

static int group_setup(void **state)
{
    struct fx *f = &suite;
    struct store_cfg cfg = {.sync_full = 1, .read_conns = 2, .log = &f->lg};
    *state = f;
    if (store_open(f->url, &cfg, &f->s) != SH_OK)
        return -1;
    return store_migrate(f->s, NULL) == SH_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    store_close(((struct fx *)*state)->s);
    return 0;
}

int main(void)
{
    const char *env = getenv("SMSHUB_TEST_DB");
    static const char *const files[] = {"q.db", "q.db-wal", "q.db-shm"};
    char dir[] = "/tmp/smshub-storeq-XXXXXX", url[64], path[64];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_write),
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_blob_param),
    };
    int failed;

    log_init(&suite.lg, LOG_WARN, 2);
    if (env != NULL && *env != '\0') {
        suite.url = env;
        return cmocka_run_group_tests_name(env, tests, group_setup, group_teardown);
    }
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(url, sizeof(url), "sqlite:%s/q.db", dir);
    suite.url = url;
    failed = cmocka_run_group_tests_name(url, tests, group_setup, group_teardown);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return failed;
}
