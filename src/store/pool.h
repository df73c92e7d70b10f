/*
 * pool.h — a fixed set of read connections borrowed one at a time (store internals). The
 * pool hands out indexes; each backend keeps its own array of connections beside it.
 * Any thread; pool_get blocks while every connection is borrowed.
 */
#ifndef SH_STORE_POOL_H
#define SH_STORE_POOL_H

#include <pthread.h>

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int *free;
    int size;
    int nfree;
};

/* Makes a pool of `size` indexes, all free. */
void pool_init(struct pool *p, int size);
void pool_release(struct pool *p);

/* Borrows an index (blocks while none is free) / gives it back. */
int pool_get(struct pool *p);
void pool_put(struct pool *p, int idx);

#endif
