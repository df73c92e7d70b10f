/*
 * credcache.h — a read-mostly view of which providers each project can use, for the accept
 * path (an explicit `provider` must name one the project has). Refreshed from the store at
 * most once a second, when asked. Any thread.
 */
#ifndef SH_CORE_CREDCACHE_H
#define SH_CORE_CREDCACHE_H

struct store;
struct credcache;

/* Returns a new cache reading from store (borrowed). */
struct credcache *credcache_new(struct store *store);
void credcache_free(struct credcache *c);

/* 1 when project_id has an active credential for provider_id whose provider is enabled,
 * 0 when not, negative on a store error. */
int credcache_has_provider(struct credcache *c, const char *project_id, const char *provider_id);

#endif
