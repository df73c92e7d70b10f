/*
 * query_int.h — shared by the control-plane executors of the backends (store/ only).
 */
#ifndef SH_STORE_QUERY_INT_H
#define SH_STORE_QUERY_INT_H

#include "store/store.h"

/* The SQL of q for the backend (pg = 1 for PostgreSQL). Returns borrowed (static). */
const char *store_q_sql(const struct store_q *q, int pg);

/* The request a store_write hands to the writer thread. */
struct store_write_req {
    struct store_step *steps;
    size_t n;
    struct arena *a;
};

#endif
