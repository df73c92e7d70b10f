/*
 * auth.h — the API key cache owned by `struct api` (see auth.c).
 */
#ifndef SH_API_AUTH_H
#define SH_API_AUTH_H

struct auth_cache;

/* Returns a new empty cache (auth_cache_free). */
struct auth_cache *auth_cache_new(void);
void auth_cache_free(struct auth_cache *c);

#endif
