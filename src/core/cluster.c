/* cluster.c — see cluster.h. */
#include "core/cluster.h"
#include "lib/clock.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "store/leader.h"
#include "store/nodes.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cluster {
    struct store *store;
    const struct log *log;
    char *node_id;
    char *address;
    int64_t heartbeat_ms;
    int64_t started_at;
    struct store_leader *leader;

    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping;

    atomic_int is_leader;
    atomic_int live;
};

struct cluster *cluster_new(struct store *store, const struct log *log,
                            const struct cluster_cfg *cfg)
{
    struct cluster *c = xcalloc(1, sizeof(*c));
    pthread_condattr_t ca;
    c->store = store;
    c->log = log;
    c->node_id = xstrdup(cfg->node_id);
    c->address = cfg->address != NULL ? xstrdup(cfg->address) : NULL;
    c->heartbeat_ms = cfg->heartbeat_ms > 0 ? cfg->heartbeat_ms : 1000;
    c->started_at = clock_now_ms();
    c->leader = store_leader_new(cfg->db_url, log);
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&c->is_leader, 0);
    atomic_init(&c->live, 1);
    return c;
}

/* One heartbeat: leader lock, registry row, live count. Cluster thread (or start). */
static void beat(struct cluster *c)
{
    int leader = store_leader_poll(c->leader);
    int64_t now = clock_now_ms(), live = 1;
    if (store_node_heartbeat(c->store, c->node_id, c->address, c->started_at, now, leader) !=
        SH_OK)
        LOG_WARNF(c->log, "cluster: heartbeat not recorded");
    if (store_nodes_live(c->store, now, &live) == SH_OK)
        atomic_store(&c->live, live > 0 ? (int)live : 1);
    atomic_store(&c->is_leader, leader);
}

static void *cluster_main(void *arg)
{
    struct cluster *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += c->heartbeat_ms / 1000;
        ts.tv_nsec += (c->heartbeat_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
        if (c->stopping)
            break;
        pthread_mutex_unlock(&c->mu);
        beat(c);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

int cluster_start(struct cluster *c)
{
    beat(c);
    if (pthread_create(&c->thread, NULL, cluster_main, c) != 0)
        return SH_EIO;
    pthread_setname_np(c->thread, "sh-cluster");
    c->started = 1;
    return SH_OK;
}

void cluster_stop(struct cluster *c)
{
    if (!c->started)
        return;
    pthread_mutex_lock(&c->mu);
    c->stopping = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    c->started = 0;
    store_leader_free(c->leader); /* releases the lock before the registry says so */
    c->leader = NULL;
    atomic_store(&c->is_leader, 0);
    store_node_stopped(c->store, c->node_id, clock_now_ms());
}

void cluster_free(struct cluster *c)
{
    if (c == NULL)
        return;
    cluster_stop(c);
    store_leader_free(c->leader);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c->node_id);
    free(c->address);
    free(c);
}

int cluster_is_leader(const struct cluster *c)
{
    return atomic_load(&((struct cluster *)c)->is_leader);
}

int cluster_live_nodes(const struct cluster *c)
{
    return atomic_load(&((struct cluster *)c)->live);
}
