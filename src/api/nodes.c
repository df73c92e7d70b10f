/*
 * nodes.c — GET /v1/admin/nodes: the cluster's nodes as the registry sees them (SPEC §10.1),
 * for platform administrators. A node is alive while its heartbeat is fresh; the leader runs
 * the cluster-wide periodic jobs.
 */
#include "api/api.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "store/nodes.h"

#include <stdlib.h>

#define NODES_WINDOW_MS (24LL * 3600 * 1000)

static json_t *time_or_null(const char *ms)
{
    char buf[40];
    if (ms == NULL)
        return json_null();
    return json_string(clock_fmt_rfc3339(strtoll(ms, NULL, 10), buf, sizeof(buf)));
}

int api_nodes_list(struct http_req *r)
{
    struct store_rows rows;
    int64_t now = clock_now_ms();
    json_t *data;

    if (store_nodes_list(r->api->store, now, NODES_WINDOW_MS, &r->arena, &rows) != SH_OK) {
        http_problem(r, 503, "storage_unavailable", "Service unavailable",
                     "the node registry cannot be read right now", NULL);
        return HTTP_DONE;
    }
    data = json_array();
    for (size_t i = 0; i < rows.n; i++) {
        const char *addr = store_cell(&rows, i, 1);
        int64_t hb = store_cell_int(&rows, i, 3);
        int alive = store_cell(&rows, i, 4) == NULL && hb >= now - NODES_DEAD_MS;
        json_array_append_new(
            data, json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:b}", "id", store_cell(&rows, i, 0),
                            "address", addr != NULL ? json_string(addr) : json_null(),
                            "started_at", time_or_null(store_cell(&rows, i, 2)), "heartbeat_at",
                            time_or_null(store_cell(&rows, i, 3)), "stopped_at",
                            time_or_null(store_cell(&rows, i, 4)), "alive", alive, "leader",
                            store_cell_int(&rows, i, 5) == 1));
    }
    http_reply_json(r, 200, json_pack("{s:o}", "data", data));
    return HTTP_DONE;
}
