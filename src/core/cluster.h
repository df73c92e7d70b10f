/*
 * cluster.h — this node's membership in a cluster of `smshub serve` processes sharing one
 * database (SPEC §10.1): a heartbeat in the node registry every second, the leader lock for the
 * cluster-wide periodic jobs, and the count of live nodes (providers' TPS limits are shared by
 * it). On SQLite there is one node and it leads.
 *
 * Runs its own thread; the getters are atomic reads, any thread.
 */
#ifndef SH_CORE_CLUSTER_H
#define SH_CORE_CLUSTER_H

#include "lib/log.h"

#include <stdint.h>

struct store;
struct cluster;

struct cluster_cfg {
    const char *node_id; /* "<host>/<run>" (borrowed, copied) */
    const char *address; /* where this node's API listens, for operators (copied), or NULL */
    const char *db_url;  /* for the leader lock's own connection (copied) */
    int64_t heartbeat_ms;
};

/* Returns new (cluster_free). store and log are borrowed and must outlive it. */
struct cluster *cluster_new(struct store *store, const struct log *log,
                            const struct cluster_cfg *cfg);

/* Heartbeats once (so the node is listed and, alone, leads at once) and starts the thread.
 * SH_OK or SH_EIO. */
int cluster_start(struct cluster *c);

/* Stops the thread, releases the leader lock and marks the node stopped. Idempotent. */
void cluster_stop(struct cluster *c);

/* Stops if needed and frees. NULL is a no-op. */
void cluster_free(struct cluster *c);

/* 1 while this node holds the leader lock. */
int cluster_is_leader(const struct cluster *c);

/* Live nodes as of the last heartbeat (at least 1). */
int cluster_live_nodes(const struct cluster *c);

#endif
