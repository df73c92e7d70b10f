/*
 * guard.h — per-request guards applied after authentication: the project's IP allowlist,
 * HMAC request signing, rate limits and quotas (implemented in guard.c).
 */
#ifndef SH_API_GUARD_H
#define SH_API_GUARD_H

#include "api/http.h"

struct route;

/* Applies the guards to an authenticated request (r->principal set). Returns 0 to go on, or
 * -1 after answering 401/403/429 itself. Handler thread. */
int guard_check(struct http_req *r, const struct route *route);

#endif
