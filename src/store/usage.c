/* usage.c — see usage.h. The day of a message is its created_at in UTC; the two backends
 * spell that differently, the rest is portable. Status codes: 3 delivered; 4 undelivered,
 * 5 failed, 6 rejected, 7 expired count as failed (core/message_state.h). */
#include "store/usage.h"
#include "lib/err.h"
#include "lib/id.h"

#define USAGE_SELECT(DAY)                                                                          \
    "INSERT INTO usage_daily(project_id, provider_id, country, day, currency, messages, parts, "  \
    "delivered, failed, price, cost) SELECT m.project_id, COALESCE(c.provider_id, ''), "          \
    "COALESCE(m.country, ''), " DAY " AS d, COALESCE(m.currency, ''), count(*), "                 \
    "sum(m.segments), sum(CASE WHEN m.status = 3 THEN 1 ELSE 0 END), "                             \
    "sum(CASE WHEN m.status IN (4, 5, 6, 7) THEN 1 ELSE 0 END), "                                  \
    "COALESCE(sum(m.price_total), 0), COALESCE(sum(m.cost_total), 0) FROM messages m "            \
    "LEFT JOIN provider_credentials c ON c.id = m.credential_id "                                  \
    "WHERE m.direction = 0 AND m.id >= $1 AND m.id < $2 AND m.created_at >= $3 "                   \
    "AND m.created_at < $4 GROUP BY m.project_id, COALESCE(c.provider_id, ''), "                   \
    "COALESCE(m.country, ''), " DAY ", COALESCE(m.currency, '')"

#define DAY_SQLITE "strftime('%Y-%m-%d', m.created_at / 1000, 'unixepoch')"
#define DAY_PG "to_char(to_timestamp(m.created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

static const struct store_q q_clear = {
    "usage.clear", NULL,
    "DELETE FROM usage_daily WHERE day >= strftime('%Y-%m-%d', $1 / 1000, 'unixepoch') "
    "AND day < strftime('%Y-%m-%d', $2 / 1000, 'unixepoch')",
    "DELETE FROM usage_daily WHERE day >= to_char(to_timestamp($1 / 1000) AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD') AND day < to_char(to_timestamp($2 / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    0};

/* ids are time-ordered: the id range keeps the scan on the primary key */
static const struct store_q q_fill = {"usage.fill", NULL, USAGE_SELECT(DAY_SQLITE),
                                      USAGE_SELECT(DAY_PG), 0};

static const struct store_q q_list = {
    "usage.list",
    "SELECT project_id, provider_id, country, day, currency, messages, parts, delivered, failed, "
    "price, cost FROM usage_daily WHERE ($1 IS NULL OR project_id = $1) AND day >= $2 "
    "AND day <= $3 AND ($4 IS NULL OR provider_id = $4) AND ($5 IS NULL OR country = $5) "
    "ORDER BY day, project_id, provider_id, country, currency LIMIT 100000",
    NULL, NULL, 0};

int store_usage_rebuild(struct store *s, int64_t from_ms, int64_t to_ms, int64_t *rows)
{
    struct store_args clear = {0}, fill = {0};
    struct store_rows out;
    struct arena a;
    char lo[48], hi[48];
    int st;

    /* the smallest ids of those milliseconds: every message id of the range sorts between */
    id_floor("msg", from_ms, lo, sizeof(lo));
    id_floor("msg", to_ms, hi, sizeof(hi));
    store_arg_int(&clear, from_ms);
    store_arg_int(&clear, to_ms);
    store_arg_text(&fill, lo);
    store_arg_text(&fill, hi);
    store_arg_int(&fill, from_ms);
    store_arg_int(&fill, to_ms);
    struct store_step steps[2] = {{&q_clear, &clear, NULL}, {&q_fill, &fill, &out}};
    arena_init(&a);
    st = store_write(s, steps, 2, &a);
    if (st == SH_OK && rows != NULL)
        *rows = out.changes;
    arena_release(&a);
    return st;
}

int store_usage_list(struct store *s, const struct usage_filter *f, struct arena *a,
                     struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, f->project_id);
    store_arg_text(&args, f->day_from);
    store_arg_text(&args, f->day_to);
    store_arg_text(&args, f->provider_id);
    store_arg_text(&args, f->country);
    return store_read(s, &q_list, &args, a, out);
}

static const struct store_q q_page = {
    "usage.page",
    "SELECT project_id, provider_id, country, day, currency, messages, parts, delivered, failed, "
    "price, cost FROM usage_daily WHERE ($1 IS NULL OR project_id = $1) AND day >= $2 "
    "AND day <= $3 AND ($4 IS NULL OR provider_id = $4) AND ($5 IS NULL OR country = $5) "
    "AND ($6 IS NULL OR (day, project_id, provider_id, country, currency) > "
    "($6, $7, $8, $9, $10)) "
    "ORDER BY day, project_id, provider_id, country, currency LIMIT $11",
    NULL, NULL, 0};

int store_usage_page(struct store *s, const struct usage_filter *f, const char *const *after,
                     int limit, struct arena *a, struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_text(&args, f->project_id);
    store_arg_text(&args, f->day_from);
    store_arg_text(&args, f->day_to);
    store_arg_text(&args, f->provider_id);
    store_arg_text(&args, f->country);
    for (int i = 0; i < 5; i++)
        store_arg_text(&args, after != NULL ? after[i] : NULL);
    store_arg_int(&args, limit);
    return store_read(s, &q_page, &args, a, out);
}
