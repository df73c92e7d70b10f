/*
 * leader.h — leadership for the cluster-wide periodic jobs (SPEC §10.1): exactly one node
 * runs them. PostgreSQL: a session-level advisory lock held on a dedicated connection, so a
 * node that dies (or loses its connection) loses the lock at once and another node takes it
 * at its next poll. SQLite: one node only, always the leader.
 *
 * One thread uses a store_leader (the cluster thread). Blocks on the database.
 */
#ifndef SH_STORE_LEADER_H
#define SH_STORE_LEADER_H

#include "lib/log.h"

struct store_leader;

/* Returns new (store_leader_free) for the database at url (as store_open takes it). */
struct store_leader *store_leader_new(const char *url, const struct log *log);

/* Frees it, releasing the lock (NULL is a no-op). */
void store_leader_free(struct store_leader *l);

/* Tries to take or keep the lock. Returns 1 when this node is the leader, 0 otherwise
 * (including when the database cannot be reached: a node unsure of its lock is no leader). */
int store_leader_poll(struct store_leader *l);

#endif
