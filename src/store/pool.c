/* pool.c — see pool.h. */
#include "store/pool.h"
#include "lib/xalloc.h"

#include <stdlib.h>

void pool_init(struct pool *p, int size)
{
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->free = xcalloc((size_t)(size > 0 ? size : 1), sizeof(*p->free));
    p->size = size;
    for (p->nfree = 0; p->nfree < size; p->nfree++)
        p->free[p->nfree] = p->nfree;
}

void pool_release(struct pool *p)
{
    free(p->free);
    p->free = NULL;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

int pool_get(struct pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    int idx = p->free[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return idx;
}

void pool_put(struct pool *p, int idx)
{
    pthread_mutex_lock(&p->mu);
    p->free[p->nfree++] = idx;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
