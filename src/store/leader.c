/* leader.c — see leader.h. */
#include "store/leader.h"
#include "lib/xalloc.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/* The advisory lock key: "smshubld" as a 64-bit integer (0x736d736875626c64), fixed forever. */

struct store_leader {
    char *url; /* NULL for SQLite */
    const struct log *log;
    PGconn *db;
    int held;
};

struct store_leader *store_leader_new(const char *url, const struct log *log)
{
    struct store_leader *l = xcalloc(1, sizeof(*l));
    l->log = log;
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        l->url = xstrdup(url);
    return l;
}

void store_leader_free(struct store_leader *l)
{
    if (l == NULL)
        return;
    if (l->db != NULL)
        PQfinish(l->db); /* ends the session: the lock goes with it */
    free(l->url);
    free(l);
}

static void drop(struct store_leader *l)
{
    if (l->held)
        LOG_WARNF(l->log, "cluster: lost the leader lock (database connection lost)");
    if (l->db != NULL)
        PQfinish(l->db);
    l->db = NULL;
    l->held = 0;
}

int store_leader_poll(struct store_leader *l)
{
    if (l->url == NULL)
        return 1;
    if (l->db != NULL && PQstatus(l->db) != CONNECTION_OK)
        drop(l);
    if (l->db == NULL) {
        l->db = PQconnectdb(l->url);
        if (PQstatus(l->db) != CONNECTION_OK) {
            drop(l);
            return 0;
        }
    }
    /* when held, a cheap round trip proves the session (and so the lock) is still there */
    PGresult *r = PQexec(l->db, l->held ? "SELECT true"
                                        : "SELECT pg_try_advisory_lock(8317430979306351716)");
    int ok = r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    int got = ok && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!ok) {
        drop(l);
        return 0;
    }
    if (got && !l->held)
        LOG_INFOF(l->log, "cluster: this node is now the leader");
    l->held = got;
    return l->held;
}
