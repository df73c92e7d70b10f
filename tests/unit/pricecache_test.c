/*
 * pricecache_test.c — the price of a message at accept (core/pricecache.h) against a real
 * store (SQLite in a temp dir, or SMSHUB_TEST_DB): which credential is estimated, the sell
 * price order (project row → platform row → cost plus markup), segments, the unpriced case,
 * the prepaid flag and threshold, and the cost of a given credential.
 */
#include "core/pricecache.h"
#include "lib/err.h"
#include "lib/log.h"
#include "store/billing.h"
#include "store/prices.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static struct {
    const char *url;
    struct log lg;
    struct store *s;
} fx;

static void exec(const struct store_q *q, struct store_args *a)
{
    struct store_step st = {q, a, NULL};
    struct arena ar;
    arena_init(&ar);
    assert_int_equal(store_write(fx.s, &st, 1, &ar), SH_OK);
    arena_release(&ar);
}

static const struct store_q q_project = {
    "t.project", "INSERT INTO projects(id, name, created_at) VALUES ($1, $1, 1)", NULL, NULL, 0};
static const struct store_q q_markup = {
    "t.markup", "UPDATE projects SET markup_bp = $2 WHERE id = $1", NULL, NULL, 0};
static const struct store_q q_provider = {
    "t.provider",
    "INSERT INTO providers(id, name, driver, created_at, updated_at) VALUES ($1, $1, 'sim', 1, 1)",
    NULL, NULL, 0};
static const struct store_q q_cred = {
    "t.cred",
    "INSERT INTO provider_credentials(id, project_id, provider_id, is_default, priority, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, 1)",
    NULL, NULL, 0};

static void project(const char *id, int64_t markup_bp)
{
    struct store_args a = {0}, b = {0};
    store_arg_text(&a, id);
    exec(&q_project, &a);
    if (markup_bp > 0) {
        store_arg_text(&b, id);
        store_arg_int(&b, markup_bp);
        exec(&q_markup, &b);
    }
}

static void cred(const char *id, const char *project, const char *provider, int dflt, int prio)
{
    struct store_args a = {0};
    store_arg_text(&a, id);
    store_arg_text(&a, project);
    store_arg_text(&a, provider);
    store_arg_int(&a, dflt);
    store_arg_int(&a, prio);
    exec(&q_cred, &a);
}

static void price(const char *id, int kind, const char *cred_id, const char *project,
                  const char *prefix, int64_t unit, int64_t from, int64_t to)
{
    struct price_row r = {.id = id, .kind = kind, .credential_id = cred_id,
                          .project_id = project, .prefix = prefix, .unit = unit,
                          .valid_from = from, .valid_to = to};
    memcpy(r.currency, "USD", 4);
    assert_int_equal(store_prices_insert(fx.s, &r, 1, NULL), SH_OK);
}

static void test_estimate(void **state)
{
    (void)state;
    struct price_estimate e;
    struct store_args p = {0};
    store_arg_text(&p, "prov_b");
    exec(&q_provider, &p);
    struct store_args p2 = {0};
    store_arg_text(&p2, "prov_a");
    exec(&q_provider, &p2);
    project("prj_own", 0);
    project("prj_mark", 2500); /* +25 % */
    project("prj_free", 0);
    cred("cred_own_a", "prj_own", "prov_a", 0, 10);
    cred("cred_own_b", "prj_own", "prov_b", 1, 50); /* the default wins over priority */
    cred("cred_mark", "prj_mark", "prov_a", 0, 10);
    price("pri_1", PRICE_COST, "cred_own_a", NULL, NULL, 40000, 0, 0);
    price("pri_2", PRICE_COST, "cred_own_b", NULL, NULL, 30000, 0, 0);
    price("pri_3", PRICE_COST, "cred_own_b", NULL, "99890", 35000, 0, 0);
    price("pri_4", PRICE_COST, "cred_mark", NULL, NULL, 33333, 0, 0);
    price("pri_5", PRICE_SELL, NULL, "prj_own", NULL, 70000, 0, 0);
    price("pri_6", PRICE_SELL, NULL, NULL, NULL, 90000, 0, 0);          /* platform */
    price("pri_7", PRICE_SELL, NULL, "prj_free", NULL, 10000, 1, 1000); /* expired */
    struct pricecache *c = pricecache_new(fx.s);

    /* the default credential's cost (longest prefix), the project's own sell row */
    assert_int_equal(pricecache_estimate(c, "prj_own", NULL, "+998901234567", "UZ", 3, 5000,
                                         &e), SH_OK);
    assert_true(e.priced);
    assert_string_equal(e.credential_id, "cred_own_b");
    assert_int_equal(e.unit, 70000);
    assert_int_equal(e.total, 210000);
    assert_int_equal(e.cost, 105000);
    assert_string_equal(e.currency, "USD");
    assert_false(e.prepaid);
    /* a requested provider picks that provider's credential */
    assert_int_equal(pricecache_estimate(c, "prj_own", "prov_a", "+447911123456", "GB", 1, 5000,
                                         &e), SH_OK);
    assert_string_equal(e.credential_id, "cred_own_a");
    assert_int_equal(e.cost, 40000);
    assert_int_equal(e.unit, 70000);
    /* no own sell row: the platform's wins over the markup */
    assert_int_equal(pricecache_estimate(c, "prj_mark", NULL, "+447911123456", NULL, 2, 5000,
                                         &e), SH_OK);
    assert_int_equal(e.unit, 90000);
    assert_int_equal(e.cost, 66666);
    /* an expired own row does not apply; no credential → platform row, no cost */
    assert_int_equal(pricecache_estimate(c, "prj_free", NULL, "+447911123456", NULL, 1, 5000,
                                         &e), SH_OK);
    assert_true(e.priced);
    assert_int_equal(e.unit, 90000);
    assert_int_equal(e.cost, 0);
    assert_string_equal(e.credential_id, "");

    /* without the platform row: cost plus the markup, rounded half away from zero */
    const struct store_q q_del = {"t.del", "UPDATE prices SET deleted_at = 1 WHERE id = 'pri_6'",
                                  NULL, NULL, 0};
    struct store_args none = {0};
    exec(&q_del, &none);
    pricecache_invalidate(c);
    assert_int_equal(pricecache_estimate(c, "prj_mark", NULL, "+447911123456", NULL, 2, 5000,
                                         &e), SH_OK);
    assert_int_equal(e.unit, 41666); /* 33333 × 1.25 = 41666.25 */
    assert_int_equal(e.total, 83332);
    assert_int_equal(pricecache_estimate(c, "prj_free", NULL, "+447911123456", NULL, 1, 5000,
                                         &e), SH_OK);
    assert_false(e.priced); /* nothing prices it */
    assert_int_equal(e.total, 0);

    /* prepaid flag and threshold come with the project's billing settings */
    struct billing_settings b = {.project_id = "prj_own", .currency = "USD", .prepaid = 1,
                                 .low_threshold = 5000000, .now = 1};
    assert_int_equal(store_billing_settings_set(fx.s, &b, NULL), SH_OK);
    int64_t thr = 0;
    assert_int_equal(pricecache_low_threshold(c, "prj_own", &thr), SH_ENOTFOUND); /* stale */
    pricecache_invalidate(c);
    assert_int_equal(pricecache_estimate(c, "prj_own", NULL, "+447911123456", NULL, 1, 5000,
                                         &e), SH_OK);
    assert_true(e.prepaid);
    assert_string_equal(e.balance_currency, "USD");
    assert_int_equal(pricecache_low_threshold(c, "prj_own", &thr), SH_OK);
    assert_int_equal(thr, 5000000);

    /* the cost of a given credential (at submit) */
    int64_t cost = 0;
    char cur[4] = "";
    assert_int_equal(pricecache_cost(c, "cred_own_b", "prov_b", "+998901234567", "UZ", 2, 5000,
                                     &cost, cur), SH_OK);
    assert_int_equal(cost, 70000);
    assert_string_equal(cur, "USD");
    assert_int_equal(pricecache_cost(c, "cred_nope", "prov_x", "+998901234567", "UZ", 2, 5000,
                                     &cost, cur), SH_ENOTFOUND);
    pricecache_free(c);
}

static int group_setup(void **state)
{
    struct store_cfg cfg = {.sync_full = 1, .read_conns = 2, .log = &fx.lg};
    (void)state;
    if (store_open(fx.url, &cfg, &fx.s) != SH_OK)
        return -1;
    return store_migrate(fx.s, NULL) == SH_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    store_close(fx.s);
    return 0;
}

int main(void)
{
    const char *env = getenv("SMSHUB_TEST_DB");
    static const char *const files[] = {"p.db", "p.db-wal", "p.db-shm"};
    char dir[] = "/tmp/smshub-pricecache-XXXXXX", url[80], path[80];
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_estimate)};
    int failed;

    log_init(&fx.lg, LOG_WARN, 2);
    if (env != NULL && *env != '\0') {
        fx.url = env;
        return cmocka_run_group_tests_name(env, tests, group_setup, group_teardown);
    }
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(url, sizeof(url), "sqlite:%s/p.db", dir);
    fx.url = url;
    failed = cmocka_run_group_tests_name(url, tests, group_setup, group_teardown);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return failed;
}
