/*
 * nodes.h — the node registry (SPEC §10.1): every `smshub serve` heartbeats its row; nodes
 * whose heartbeat is older than NODES_DEAD_MS are dead. The leader records itself under the
 * settings key "cluster.leader". Blocks; any thread but the writer's.
 */
#ifndef SH_STORE_NODES_H
#define SH_STORE_NODES_H

#include "store/store.h"

#define NODES_DEAD_MS 5000

/* Inserts or refreshes node id's row (address may be NULL); when leader, also records it as
 * the leader. SH_OK or an error. */
int store_node_heartbeat(struct store *s, const char *id, const char *address, int64_t started_at,
                         int64_t now, int leader);

/* Marks node id stopped (a clean shutdown). */
int store_node_stopped(struct store *s, const char *id, int64_t now);

/* Nodes that heartbeated within NODES_DEAD_MS of now and did not stop. */
int store_nodes_live(struct store *s, int64_t now, int64_t *count);

/* Every node seen in the last `window` ms, newest first. Columns: id, address, started_at,
 * heartbeat_at, stopped_at, leader (1 for the recorded leader with a fresh heartbeat). */
int store_nodes_list(struct store *s, int64_t now, int64_t window, struct arena *a,
                     struct store_rows *out);

#endif
