/* nodes.c — see nodes.h. Portable SQL run by the backends' control-plane executor. */
#include "store/nodes.h"

static const struct store_q q_heartbeat = {
    "nodes.heartbeat",
    "INSERT INTO nodes(id, address, started_at, heartbeat_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (id) DO UPDATE SET heartbeat_at = $4, address = $2, stopped_at = NULL",
    NULL, NULL, 0};

static const struct store_q q_leader = {
    "nodes.leader",
    "INSERT INTO settings(key, value, updated_at) VALUES ('cluster.leader', $1, $2) "
    "ON CONFLICT (key) DO UPDATE SET value = $1, updated_at = $2",
    NULL, NULL, 0};

static const struct store_q q_stopped = {
    "nodes.stopped", "UPDATE nodes SET stopped_at = $2 WHERE id = $1", NULL, NULL, 0};

static const struct store_q q_live = {
    "nodes.live",
    "SELECT count(*) FROM nodes WHERE heartbeat_at >= $1 AND stopped_at IS NULL", NULL, NULL, 0};

static const struct store_q q_list = {
    "nodes.list",
    "SELECT n.id, n.address, n.started_at, n.heartbeat_at, n.stopped_at, "
    "CASE WHEN s.value = n.id AND s.updated_at >= $2 AND n.stopped_at IS NULL THEN 1 ELSE 0 "
    "END FROM nodes n LEFT JOIN settings s ON s.key = 'cluster.leader' "
    "WHERE n.heartbeat_at >= $1 ORDER BY n.started_at DESC LIMIT 200",
    NULL, NULL, 0};

int store_node_heartbeat(struct store *s, const char *id, const char *address, int64_t started_at,
                         int64_t now, int leader)
{
    struct store_args a = {0}, b = {0};
    struct store_step steps[2];
    struct arena ar;
    int st;

    store_arg_text(&a, id);
    store_arg_text(&a, address);
    store_arg_int(&a, started_at);
    store_arg_int(&a, now);
    steps[0] = (struct store_step){&q_heartbeat, &a, NULL};
    store_arg_text(&b, id);
    store_arg_int(&b, now);
    steps[1] = (struct store_step){&q_leader, &b, NULL};
    arena_init(&ar);
    st = store_write(s, steps, leader ? 2 : 1, &ar);
    arena_release(&ar);
    return st;
}

int store_node_stopped(struct store *s, const char *id, int64_t now)
{
    struct store_args a = {0};
    struct arena ar;
    int st;

    store_arg_text(&a, id);
    store_arg_int(&a, now);
    struct store_step step = {&q_stopped, &a, NULL};
    arena_init(&ar);
    st = store_write(s, &step, 1, &ar);
    arena_release(&ar);
    return st;
}

int store_nodes_live(struct store *s, int64_t now, int64_t *count)
{
    struct store_args a = {0};
    struct store_rows r;
    struct arena ar;
    int st;

    store_arg_int(&a, now - NODES_DEAD_MS);
    arena_init(&ar);
    st = store_read(s, &q_live, &a, &ar, &r);
    if (st == 0)
        *count = store_cell_int(&r, 0, 0);
    arena_release(&ar);
    return st;
}

int store_nodes_list(struct store *s, int64_t now, int64_t window, struct arena *a,
                     struct store_rows *out)
{
    struct store_args args = {0};
    store_arg_int(&args, now - window);
    store_arg_int(&args, now - NODES_DEAD_MS);
    return store_read(s, &q_list, &args, a, out);
}
